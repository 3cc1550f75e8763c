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

/// Runs git in the bare server repository.
fn server_git(bare: &tempfile::TempDir, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(bare.path())
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn deleting_the_default_branch_needs_a_sign_off_and_re_creating_it_older_is_a_downgrade() {
    let (repo, bare) = clone_with_remote();
    repo.write("main.tf", &at("5.5.0"));
    commit(&repo, "bump\n\nReviewed-by: Bob <bob@example.com>");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    install_server_hook(&bare);
    server_git(&bare, &["config", "receive.advertisePushOptions", "true"]);
    // git itself refuses to delete a bare repository's HEAD branch unless
    // told otherwise; iacgate's gate is what stays.
    server_git(&bare, &["config", "receive.denyDeleteCurrent", "ignore"]);

    // Deleting the default branch is refused without a reviewer...
    let run = repo.git_with_hooks(&["push", "--no-verify", "origin", ":main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[policy-change]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("protected ref refs/heads/main"),
        "{}",
        run.stderr
    );
    assert!(!server_git(&bare, &["rev-parse", "--verify", "-q", "refs/heads/main"]).is_empty());
    // ...and goes through with one, named in a push option.
    let run = repo.git_with_hooks(&[
        "push",
        "--no-verify",
        "-o",
        "Reviewed-by: Bob <bob@example.com>",
        "origin",
        ":main",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(server_git(&bare, &["rev-parse", "--verify", "-q", "refs/heads/main"]).is_empty());

    // Pushed again at the commit before the reviewed bump: the server
    // remembers the tip it had, and judges the downgrade like a force push.
    let run = repo.git_with_hooks(&["push", "--no-verify", "origin", "HEAD~1:refs/heads/main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("(downgrade)"), "{}", run.stderr);
    // At the tip it had, nothing is undone.
    let run = repo.git_with_hooks(&["push", "--no-verify", "origin", "HEAD:refs/heads/main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn deleting_a_branch_nobody_protects_passes_and_the_policy_can_protect_more() {
    let (repo, bare) = clone_with_remote();
    repo.git(&[
        "push",
        "-q",
        "--no-verify",
        "origin",
        "main:topic",
        "main:release/1",
    ]);
    install_server_hook(&bare);
    let run = repo.git_with_hooks(&["push", "--no-verify", "origin", ":topic"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The policy at the deleted tip protects release branches.
    repo.write(
        ".iacgate.toml",
        "[push]\nprotected = [\"main\", \"release/*\"]\n",
    );
    repo.git(&["add", ".iacgate.toml"]);
    commit(
        &repo,
        "protect releases\n\nReviewed-by: Bob <bob@example.com>",
    );
    repo.git(&["push", "-q", "--no-verify", "origin", "main:release/1"]);
    let run = repo.git_with_hooks(&["push", "--no-verify", "origin", ":release/1"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("protected ref refs/heads/release/1"),
        "{}",
        run.stderr
    );
}

#[test]
fn human_output_says_what_was_suppressed_and_where_the_marker_is() {
    let repo = TestRepo::new();
    repo.write("main.tf", MAIN).commit_all("initial");
    repo.write(
        "app.tf",
        "module \"app\" {\n  # iacgate:allow unpinned -- internal module, branch is protected\n  source = \"git::https://github.com/acme/app.git?ref=main\"\n}\n",
    );
    repo.git(&["add", "app.tf"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "app\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = repo.iacgate(&["check", "--commit", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("1 finding suppressed by `iacgate:allow` markers: app.tf:2 [unpinned]"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sign_off_of_an_earlier_value_does_not_cover_where_the_dependency_ends() {
    let (repo, _bare) = clone_with_remote();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("main.tf", &at("5.5.0"));
    commit(
        &repo,
        "bump to the reviewed 5.5.0\n\nReviewed-by: Bob <bob@example.com>",
    );
    remove_and_re_add(&repo, "6.6.6", "vpc again");
    let run = repo.iacgate(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("5.4.0 -> 6.6.6"), "{}", run.stderr);
    let push = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(push.code, 0, "{}", push.stderr);
}

#[test]
fn a_trailer_git_strips_as_a_comment_does_not_count_at_commit_msg() {
    let (repo, _bare) = clone_with_remote();
    repo.write("main.tf", &at("5.5.0"));
    repo.git(&["add", "main.tf"]);
    repo.write("../msg", "bump\n\nReviewed-by: Bob <bob@example.com>\n");
    let msg = repo.path().join("../msg").display().to_string();
    // With `R` as the comment character git deletes the trailer line after
    // commit-msg has run: the hook must read the message as git will keep it.
    for comment in [["core.commentChar", "R"], ["core.commentString", "Rev"]] {
        let setting = format!("{}={}", comment[0], comment[1]);
        let run = repo.git_with_hooks(&["-c", &setting, "commit", "--cleanup=strip", "-F", &msg]);
        assert_eq!(run.code, 1, "{setting}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[version-change]"),
            "{}",
            run.stderr
        );
    }
    // A comment string that the trailer does not start with leaves it alone.
    let run = repo.git_with_hooks(&[
        "-c",
        "core.commentString=;;",
        "commit",
        "--cleanup=strip",
        "-F",
        &msg,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_dependency_in_a_directory_the_range_created_is_not_paired_with_a_deleted_one() {
    let repo = TestRepo::new();
    repo.write("examples/old/main.tf", MAIN)
        .commit_all("initial");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["rm", "-q", "-r", "examples/old"]);
    commit(&repo, "drop the old example");
    repo.write("examples/new/main.tf", &at("6.0.0"));
    repo.git(&["add", "examples/new/main.tf"]);
    commit(&repo, "a new example");
    let run = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("as a whole"), "{}", run.stdout);
}
