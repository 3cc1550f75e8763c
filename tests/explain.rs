//! `iacgate rules`, `iacgate explain` and `--help`.

use crate::util::TestRepo;

#[test]
fn every_listed_rule_has_a_page() {
    let repo = TestRepo::new();
    let rules = repo.iacgate(&["rules"]);
    assert_eq!(rules.code, 0);
    let names: Vec<&str> = rules
        .stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names.len(), 12, "{}", rules.stdout);
    for name in names {
        let page = repo.iacgate(&["explain", name]);
        assert_eq!(page.code, 0);
        assert!(page.stdout.starts_with(&format!("# {name}\n")));
        let on_disk = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/rules/{name}.md")),
        )
        .unwrap();
        assert_eq!(page.stdout, on_disk);
    }
}

#[test]
fn unknown_rule_is_a_usage_error() {
    let run = TestRepo::new().iacgate(&["explain", "unpined"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no rule named `unpined`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unpinned"));
}

#[test]
fn help_explains_every_check_flag() {
    let run = TestRepo::new().iacgate(&["check", "--help"]);
    assert_eq!(run.code, 0);
    for flag in ["--staged", "--commit", "--message", "--format"] {
        assert!(
            run.stdout.contains(flag),
            "{flag} missing from:\n{}",
            run.stdout
        );
    }
    let bad = TestRepo::new().iacgate(&["check", "--bogus"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn outside_a_repository_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::util::Run::from(
        std::process::Command::new(crate::util::bin())
            .args(["check", "--staged"])
            .current_dir(dir.path())
            .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("git repository"), "{}", run.stderr);
}
