//! Review 3, more dependencies read as their consumer fetches them: branch
//! namespaces under `[pinning] git = "tag"` (F39), Terraform resources that
//! fetch charts and images (F42), a local action inside another
//! repository's checkout (F44), and npm `file:`/`link:` specs (F45).

use crate::util::{check_staged, Run, TestRepo, SHA};

fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

fn commit(repo: &TestRepo, message: &str) {
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", message]);
}

fn range(repo: &TestRepo, base: &str) -> Run {
    repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ])
}

/// Stage everything, check at pre-commit, commit, check the range.
fn staged_then_range(repo: &TestRepo, base: &str) -> (Run, Run) {
    repo.git(&["add", "-A"]);
    let staged = check_staged(repo);
    commit(repo, "change");
    (staged, range(repo, base))
}

fn assert_rule(run: &Run, rule: &str, file: &str) {
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let rules = run.rules();
    assert!(
        rules.iter().any(|(r, f, _)| r == rule && f == file),
        "{rule} in {file}: {rules:?}"
    );
}

fn assert_quiet(run: &Run) {
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let blocking = run.json()["summary"]["blocking"].as_u64();
    assert_eq!(blocking, Some(0), "{}", run.stdout);
}

// ----- F39: branch namespaces are no version tags -----

fn tag_policy_repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[pinning]\ngit = \"tag\"\n")
        .commit_all("policy");
    let base = head(&repo);
    (repo, base)
}

fn module(reference: &str) -> String {
    format!(
        "module \"m\" {{\n  source = \"git::https://github.com/acme/m.git?ref={reference}\"\n}}\n"
    )
}

#[test]
fn a_remote_branch_ref_is_no_tag_under_tag_pinning() {
    for reference in ["origin/v1.2.3", "refs/heads/v1.2.3", "heads/v1.2.3"] {
        let (repo, base) = tag_policy_repo();
        repo.write("main.tf", &module(reference));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            assert_rule(run, "unpinned", "main.tf");
        }
    }
}

#[test]
fn a_version_tag_stays_pinned_under_tag_pinning() {
    for reference in ["v1.2.3", "refs/tags/v1.2.3"] {
        let (repo, base) = tag_policy_repo();
        repo.write("main.tf", &module(reference));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            assert_quiet(run);
            assert!(
                !run.rule_names().contains(&"unpinned".to_owned()),
                "{}",
                run.stdout
            );
        }
    }
    let _ = SHA;
}
