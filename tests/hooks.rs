//! Real `git commit` runs through the installed hook shims.

use crate::util::{Run, TestRepo};

fn repo_with_hooks() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n",
    )
    .write("notes.txt", "x\n")
    .commit_all("initial");
    repo.install_hooks();
    repo
}

fn commit(repo: &TestRepo, args: &[&str]) -> crate::util::Run {
    let out = repo
        .command("git")
        .arg("commit")
        .args(args)
        .output()
        .expect("git commit");
    crate::util::Run::from(out)
}

fn head_subject(repo: &TestRepo) -> String {
    repo.git(&["log", "-1", "--format=%s"]).trim().to_owned()
}

#[test]
fn commit_all_with_an_unpinned_module_is_stopped() {
    let repo = repo_with_hooks();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \">= 5.4.0\"\n}\n",
    );
    // `git commit -a` stages into a temporary index (GIT_INDEX_FILE).
    let run = commit(&repo, &["-a", "-m", "loosen vpc"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("error[unpinned]"), "{}", run.stderr);
    assert_eq!(head_subject(&repo), "initial");
}

#[test]
fn commit_of_a_path_is_judged_on_that_path() {
    let repo = repo_with_hooks();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source = \"git::https://example.com/vpc.git?ref=main\"\n}\n",
    )
    .write("notes.txt", "y\n");
    // Only notes.txt is committed: the bad main.tf stays out, so it passes.
    let run = commit(&repo, &["-m", "notes only", "--", "notes.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(head_subject(&repo), "notes only");
    // Committing main.tf by path is stopped.
    let run = commit(&repo, &["-m", "vpc on main", "--", "main.tf"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("error[unpinned]"), "{}", run.stderr);
    assert_eq!(head_subject(&repo), "notes only");
}

#[test]
fn a_version_bump_needs_a_reviewer_trailer_at_commit_msg() {
    let repo = repo_with_hooks();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.5.0\"\n}\n",
    );
    let run = commit(&repo, &["-a", "-m", "bump vpc"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("needs sign-off[version-change]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(r#"git commit --trailer "Reviewed-by: Name <email>""#),
        "{}",
        run.stderr
    );
    assert_eq!(head_subject(&repo), "initial");

    let run = commit(
        &repo,
        &[
            "-a",
            "-m",
            "bump vpc",
            "--trailer",
            "Reviewed-by: Bob <bob@example.com>",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(head_subject(&repo), "bump vpc");
}

#[test]
fn a_missing_binary_fails_closed_and_skip_is_announced() {
    let repo = repo_with_hooks();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source = \"acme/vpc/aws\"\n}\n",
    );
    let run = crate::util::Run::from(
        repo.command("git")
            .args(["commit", "-a", "-m", "x"])
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", repo.path())
            .env_remove("CARGO_HOME")
            .output()
            .unwrap(),
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("iacgate binary is not on PATH"),
        "{}",
        run.stderr
    );

    let run = crate::util::Run::from(
        repo.command("git")
            .args(["commit", "-a", "-m", "x"])
            .env("PATH", "/usr/bin:/bin")
            .env("IACGATE_SKIP", "1")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("IACGATE_SKIP=1"), "{}", run.stderr);
}

/// The pre-commit hook answers a commit without IaC files from `git diff
/// --cached --quiet` alone; wherever it runs, a staged IaC file is still
/// judged.
#[test]
fn pre_commit_judges_staged_iac_files_from_any_directory() {
    let repo = TestRepo::new();
    repo.write("README.md", "# infra\n").commit_all("init");
    repo.write("docs/notes.md", "notes\n")
        .stage(&["docs/notes.md"]);
    let quiet = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));

    repo.write(
        "stacks/net/main.tf",
        "module \"vpc\" {\n  source = \"github.com/acme/vpc?ref=main\"\n}\n",
    )
    .stage(&["stacks/net/main.tf"]);
    for dir in [".", "docs", "stacks/net"] {
        let run = Run::from(
            repo.command(crate::util::bin())
                .current_dir(repo.path().join(dir))
                .args(["hook", "pre-commit"])
                .output()
                .expect("run iacgate"),
        );
        assert_eq!(run.code, 1, "from {dir}: {}", run.stderr);
        assert!(
            run.stderr.contains("unpinned"),
            "from {dir}: {}",
            run.stderr
        );
    }
}
