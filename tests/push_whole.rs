//! Issue 19: a push, a server's pre-receive and `check --range` judge the
//! net change from the base to the new tip as well as each commit, so that
//! removing a dependency in one commit and adding it back at another
//! version in the next is the version change it is.

use crate::util::TestRepo;

const MAIN: &str =
    "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";

fn at(version: &str) -> String {
    MAIN.replace("5.4.0", version)
}

/// A clone with `main` pushed to a bare `origin`, and the client hooks.
fn clone_with_remote() -> (TestRepo, tempfile::TempDir) {
    let repo = TestRepo::new();
    repo.write("main.tf", MAIN).commit_all("initial");
    let bare = repo.bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    repo.install_hooks();
    (repo, bare)
}

fn install_server_hook(bare: &tempfile::TempDir) {
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive"),
        bare.path().join("hooks/pre-receive"),
    )
    .unwrap();
}

/// Commit without the client hooks: what an author who skips them does.
fn commit(repo: &TestRepo, message: &str) {
    repo.git(&["commit", "-q", "--no-verify", "-am", message]);
}

/// Remove the module in one commit, add it back at `version` in the next;
/// the second commit's message is `message`.
fn remove_and_re_add(repo: &TestRepo, version: &str, message: &str) {
    repo.write("main.tf", "");
    commit(repo, "drop vpc for now");
    repo.write("main.tf", &at(version));
    commit(repo, message);
}

#[test]
fn remove_then_re_add_at_another_version_is_blocked_at_pre_push_and_in_a_range() {
    let (repo, _bare) = clone_with_remote();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    remove_and_re_add(&repo, "6.0.0", "vpc again");

    let push = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(push.code, 0, "{}", push.stderr);
    assert!(
        push.stderr.contains("error[version-change]"),
        "{}",
        push.stderr
    );
    assert!(push.stderr.contains("as a whole"), "{}", push.stderr);
    assert!(push.stderr.contains("5.4.0 -> 6.0.0"), "{}", push.stderr);

    let range = format!("{base}..HEAD");
    let run = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let rules = run.rules();
    assert!(
        rules.contains(&("version-change".into(), "main.tf".into(), 3)),
        "{}",
        run.stdout
    );
    // The per-commit view is still there: the re-adding commit's warning.
    assert!(
        rules.iter().any(|r| r.0 == "new-dependency"),
        "{}",
        run.stdout
    );

    // A reviewer's trailer on the commit that re-added it clears it.
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-verify",
        "-m",
        "vpc again\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let push = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_eq!(push.code, 0, "{}", push.stderr);
}

#[test]
fn a_trailer_on_a_commit_that_never_saw_the_dependency_does_not_cover_it() {
    let (repo, _bare) = clone_with_remote();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("main.tf", "");
    commit(&repo, "drop vpc\n\nReviewed-by: Bob <bob@example.com>");
    repo.write("notes.md", "x\n");
    repo.git(&["add", "notes.md"]);
    commit(&repo, "notes\n\nReviewed-by: Bob <bob@example.com>");
    repo.write("main.tf", &at("6.0.0"));
    commit(&repo, "vpc again");
    let run = repo.iacgate(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    // The help names the commit whose trailer would count: the re-adding one.
    let tip = repo.git(&["rev-parse", "--short=12", "HEAD"]);
    let want = format!("changes this dependency ({})", tip.trim());
    assert!(run.stderr.contains(&want), "want {want}: {}", run.stderr);
}

#[test]
fn remove_then_re_add_is_blocked_at_the_server() {
    let (repo, bare) = clone_with_remote();
    install_server_hook(&bare);
    remove_and_re_add(&repo, "6.0.0", "vpc again");
    let push = repo.git_with_hooks(&["push", "--no-verify", "origin", "main"]);
    assert_ne!(push.code, 0, "{}", push.stderr);
    assert!(
        push.stderr.contains("pre-receive hook declined"),
        "{}",
        push.stderr
    );
    assert!(push.stderr.contains("as a whole"), "{}", push.stderr);
    // The same change on a new branch is judged against the default branch.
    let topic = repo.git_with_hooks(&["push", "--no-verify", "origin", "main:refs/heads/topic"]);
    assert_ne!(topic.code, 0, "{}", topic.stderr);
    assert!(
        topic.stderr.contains("error[version-change]"),
        "{}",
        topic.stderr
    );
}

#[test]
fn back_to_where_it_started_and_reviewed_steps_stay_silent() {
    let (repo, _bare) = clone_with_remote();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // Removed and added back as it was: nothing changed on the whole.
    remove_and_re_add(&repo, "5.4.0", "vpc back");
    // Two reviewed bumps: each was signed off, so is the whole.
    repo.write("main.tf", &at("5.5.0"));
    commit(&repo, "bump\n\nReviewed-by: Bob <bob@example.com>");
    repo.write("main.tf", &at("5.6.0"));
    commit(&repo, "bump again\n\nReviewed-by: Bob <bob@example.com>");
    let run = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        !run.stdout.contains("as a whole"),
        "the steps account for the whole: {}",
        run.stdout
    );
    let push = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_eq!(push.code, 0, "{}", push.stderr);
}

#[test]
fn a_bump_merged_in_from_the_remote_is_not_the_pushs_to_answer_for() {
    let (repo, _bare) = clone_with_remote();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("notes.md", "topic\n");
    repo.git(&["add", "notes.md"]);
    commit(&repo, "topic work");
    repo.git(&["push", "-q", "--no-verify", "origin", "topic"]);
    // Meanwhile main takes a reviewed bump.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.tf", &at("5.5.0"));
    commit(&repo, "bump\n\nReviewed-by: Bob <bob@example.com>");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    // The topic merges main and goes on.
    repo.git(&["checkout", "-q", "topic"]);
    repo.git(&["merge", "-q", "--no-verify", "--no-edit", "main"]);
    repo.write("notes.md", "topic, more\n");
    commit(&repo, "more topic work");
    let push = repo.git_with_hooks(&["push", "origin", "topic"]);
    assert_eq!(push.code, 0, "{}", push.stderr);
}

#[test]
fn an_amend_right_after_a_signed_off_commit_that_drops_the_trailer_is_blocked_at_commit_msg() {
    let (repo, _bare) = clone_with_remote();
    repo.write("main.tf", &at("5.5.0"));
    let run = repo.git_with_hooks(&[
        "commit",
        "-a",
        "-m",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // At once, in the same second: no timing tells this amend apart.
    let run = repo.git_with_hooks(&["commit", "--amend", "-m", "bump, no review"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    let subject = repo.git(&["log", "-1", "--format=%s"]);
    assert_eq!(subject.trim(), "bump");
    // A new commit in the same second is not mistaken for an amend.
    repo.write("notes.md", "n\n");
    repo.git(&["add", "notes.md"]);
    let run = repo.git_with_hooks(&["commit", "-m", "notes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
