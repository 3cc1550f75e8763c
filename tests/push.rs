//! Sign-off across the whole path: commit-msg, pre-push to a local bare
//! remote, a server's pre-receive, and `check --range` as CI runs it.

use crate::util::{Run, TestRepo};

const MAIN: &str =
    "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";
const VERSIONS: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n";

/// A clone with hooks installed and `main` pushed to a bare `origin`.
fn clone_with_remote() -> (TestRepo, tempfile::TempDir) {
    let repo = TestRepo::new();
    repo.write("main.tf", MAIN)
        .write("versions.tf", VERSIONS)
        .commit_all("initial");
    let bare = repo.bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    repo.install_hooks();
    (repo, bare)
}

/// A server's gate: the repository's pre-receive shim in the bare remote.
fn install_server_hook(bare: &tempfile::TempDir) {
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive"),
        bare.path().join("hooks/pre-receive"),
    )
    .unwrap();
}

fn bump_provider(repo: &TestRepo, to: &str) {
    repo.write("versions.tf", &VERSIONS.replace("~> 5.0", to));
}

fn commit(repo: &TestRepo, args: &[&str]) -> Run {
    let mut all = vec!["commit"];
    all.extend(args);
    repo.git_with_hooks(&all)
}

fn subject(repo: &TestRepo, rev: &str) -> String {
    repo.git(&["log", "-1", "--format=%s", rev])
        .trim()
        .to_owned()
}

#[test]
fn commit_msg_judges_the_trailers() {
    let (repo, _bare) = clone_with_remote();
    bump_provider(&repo, "~> 6.0");
    let cases: &[(&str, bool)] = &[
        ("bump aws\n\nReviewed-by: Alice Author <alice@example.com>\n", false),
        ("bump aws\n\nReviewed-by: Bob <bob@example.com>\n\nThanks for the review.\n", false),
        ("bump aws\n\nReviewed-by: Bob <bob@example.com>\nnot a trailer line\n", false),
        ("bump aws\n\nreviewed-by: Bob <bob@example.com>\n", true),
        ("bump aws\n\nSigned-off-by: Alice Author <alice@example.com>\nApproved-by: Cy <cy@example.com>\n", true),
    ];
    for (message, passes) in cases {
        repo.write("MSG", message);
        let run = commit(&repo, &["-a", "-F", "MSG"]);
        assert_eq!(run.code == 0, *passes, "{message:?}\n{}", run.stderr);
        if *passes {
            repo.git(&["reset", "-q", "--soft", "HEAD~1"]);
        }
    }
}

#[test]
fn the_author_is_told_why_their_own_trailer_does_not_count() {
    let (repo, _bare) = clone_with_remote();
    bump_provider(&repo, "~> 6.0");
    let run = commit(
        &repo,
        &[
            "-a",
            "-m",
            "bump",
            "--trailer",
            "Reviewed-by: Me <alice@example.com>",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("names the commit author"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_amend_cannot_drop_a_signoff() {
    let (repo, _bare) = clone_with_remote();
    bump_provider(&repo, "~> 6.0");
    // Made a minute ago: an amend keeps this author date.
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60;
    let run = Run::from(
        repo.command("git")
            .args([
                "commit",
                "-a",
                "-m",
                "bump",
                "--trailer",
                "Reviewed-by: Bob <bob@example.com>",
            ])
            .env("GIT_AUTHOR_DATE", format!("@{past} +0000"))
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Rewording the commit without the trailer is stopped...
    let run = commit(&repo, &["--amend", "-m", "bump, no review"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    assert_eq!(subject(&repo, "HEAD"), "bump");
    // ...and so is amending in the message editor's way (no -m).
    let run = repo.git_with_hooks(&[
        "-c",
        "core.editor=sed -i s/Reviewed-by/Seen-by/",
        "commit",
        "--amend",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Amending with the trailer kept passes.
    let run = commit(&repo, &["--amend", "--no-edit"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn no_verify_commits_are_caught_at_push() {
    let (repo, bare) = clone_with_remote();
    repo.write("notes.txt", "unrelated\n");
    repo.git(&["add", "notes.txt"]);
    repo.git(&["commit", "-q", "-m", "notes"]);
    bump_provider(&repo, "~> 6.0");
    repo.git(&["commit", "-q", "--no-verify", "-am", "sneaky bump"]);
    let run = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(run.code, 0);
    let short = repo.git(&["rev-parse", "--short=12", "HEAD"]);
    assert!(
        run.stderr
            .contains(&format!("commit {} sneaky bump", short.trim())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 of 2 commits"), "{}", run.stderr);
    // Nothing reached the remote.
    let remote_head = std::process::Command::new("git")
        .args([
            "--git-dir",
            &bare.path().display().to_string(),
            "log",
            "-1",
            "--format=%s",
            "main",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&remote_head.stdout).trim(),
        "initial"
    );

    // Rewording it with a sign-off lets it through.
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-verify",
        "-m",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = repo.git_with_hooks(&["push", "-q", "origin", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn every_ref_of_a_push_is_checked() {
    let (repo, _bare) = clone_with_remote();
    repo.git(&["checkout", "-q", "-b", "good"]);
    repo.write("notes.txt", "fine\n").commit_all("good change");
    repo.git(&["checkout", "-q", "-b", "bad", "main"]);
    repo.write(
        "app.tf",
        "module \"x\" {\n  source = \"git::https://example.com/x.git?ref=main\"\n}\n",
    )
    .commit_all("bad change");
    let run = repo.git_with_hooks(&["push", "origin", "good", "bad"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("error[unpinned]"), "{}", run.stderr);
    assert!(run.stderr.contains("bad change"), "{}", run.stderr);
}

#[test]
fn a_new_branch_is_judged_on_its_own_commits_and_deletion_passes() {
    let (repo, _bare) = clone_with_remote();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    bump_provider(&repo, "~> 5.9");
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = repo.git_with_hooks(&["push", "-q", "origin", "feature"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    repo.write("app.tf", "module \"x\" {\n  source = \"acme/x/aws\"\n}\n")
        .commit_all("unpinned");
    let run = repo.git_with_hooks(&["push", "origin", "HEAD:refs/heads/feature-2"]);
    assert_ne!(run.code, 0);
    let blocked: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        blocked.len(),
        1,
        "only the new commit is judged:\n{}",
        run.stderr
    );

    let run = repo.git_with_hooks(&["push", "-q", "origin", "--delete", "feature"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_merge_is_judged_on_what_it_brings_itself() {
    let (repo, _bare) = clone_with_remote();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("notes.txt", "feature work\n")
        .commit_all("feature work");
    repo.git(&["checkout", "-q", "main"]);
    bump_provider(&repo, "~> 5.9");
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    repo.git(&["checkout", "-q", "feature"]);
    // Merging the reviewed bump into the branch asks for nothing new.
    let run = repo.git_with_hooks(&["merge", "--no-edit", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = repo.git_with_hooks(&["push", "-q", "origin", "main", "feature"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = repo.iacgate(&["check", "--commit", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_server_pre_receive_hook_rejects_the_push() {
    let repo = TestRepo::new();
    repo.write("main.tf", MAIN)
        .write("versions.tf", VERSIONS)
        .commit_all("initial");
    let bare = repo.bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    install_server_hook(&bare);
    // No client hooks at all: the server is the gate.
    bump_provider(&repo, "~> 6.0");
    repo.git(&["commit", "-q", "-am", "unreviewed bump"]);
    let run = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("pre-receive hook declined"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    // The pusher's environment cannot switch the server's gate off.
    let run = Run::from(
        repo.command("git")
            .args(["push", "origin", "main"])
            .env("IACGATE_SKIP", "1")
            .output()
            .unwrap(),
    );
    assert_ne!(run.code, 0, "{}", run.stderr);

    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "bump\n\nApproved-by: Bob <bob@example.com>",
    ]);
    let run = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A new branch on the server is judged against what the server has.
    repo.write("app.tf", "module \"x\" {\n  source = \"acme/x/aws\"\n}\n")
        .commit_all("unpinned");
    let run = repo.git_with_hooks(&["push", "origin", "HEAD:refs/heads/topic"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("error[unpinned]"), "{}", run.stderr);
}

#[test]
fn check_range_as_ci_runs_it() {
    let (repo, _bare) = clone_with_remote();
    repo.git(&["checkout", "-q", "-b", "pr"]);
    bump_provider(&repo, "~> 5.9");
    repo.git(&["commit", "-q", "--no-verify", "-am", "bump aws"]);
    repo.write("notes.txt", "n\n").commit_all("docs");
    let run = repo.iacgate(&["check", "--range", "origin/main..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let f = &run.json()["findings"][0];
    assert_eq!(f["rule"], "version-change");
    assert_eq!(f["commit"], repo.git(&["rev-parse", "HEAD~1"]).trim());

    let run = repo.iacgate(&[
        "check",
        "--range",
        "origin/main..HEAD",
        "--format",
        "github",
    ]);
    assert_eq!(run.code, 1);
    let line = run.stdout.lines().next().unwrap();
    assert!(
        line.starts_with("::error file=versions.tf,line=3,col="),
        "{line}"
    );
    assert!(line.contains("title=iacgate version-change::"), "{line}");

    let run = repo.iacgate(&["check", "--range", "origin/main..HEAD", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "version-change");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"][rule_index]["id"],
        "version-change"
    );

    // In a bare clone too, which has no work tree.
    let bare = tempfile::tempdir().unwrap();
    repo.git(&[
        "clone",
        "-q",
        "--bare",
        ".",
        &bare.path().display().to_string(),
    ]);
    let out = repo
        .command(crate::util::bin())
        .args(["check", "--range", "main..pr"])
        .env("GIT_DIR", bare.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bad = repo.iacgate(&["check", "--range", "nope..HEAD"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn sha256_repositories_work_end_to_end() {
    let repo = TestRepo::new_sha256();
    repo.write("main.tf", MAIN)
        .write("versions.tf", VERSIONS)
        .commit_all("initial");
    let _bare = repo.bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    repo.install_hooks();
    bump_provider(&repo, "~> 6.0");
    repo.git(&["commit", "-q", "--no-verify", "-am", "sneaky bump"]);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]).trim().len(), 64);
    let run = repo.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
    let run = repo.iacgate(&["check", "--range", "origin/main..HEAD", "--format", "json"]);
    assert_eq!(run.rule_names(), ["version-change"]);
}

#[test]
fn malformed_hook_input_fails_closed() {
    let (repo, _bare) = clone_with_remote();
    for (hook, input) in [
        ("pre-push", "refs/heads/main deadbeef refs/heads/main\n"),
        ("pre-receive", "not three fields\n"),
    ] {
        let mut cmd = repo.command(crate::util::bin());
        cmd.args(["hook", hook]);
        if hook == "pre-push" {
            cmd.args(["origin", "file:///nowhere"]);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let run = Run::from(child.wait_with_output().unwrap());
        assert_eq!(run.code, 2, "{hook}: {}", run.stderr);
        assert!(run.stderr.contains("line 1"), "{hook}: {}", run.stderr);
    }
}

#[test]
fn a_merge_that_takes_back_an_old_value_is_judged() {
    let (repo, _bare) = clone_with_remote();
    repo.git(&["checkout", "-q", "-b", "stale"]);
    repo.write("notes.txt", "stale work\n")
        .commit_all("stale work");
    repo.git(&["checkout", "-q", "main"]);
    bump_provider(&repo, "~> 5.9");
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    // Resolve the merge by taking the stale branch's (old) provider version.
    repo.git(&["merge", "-q", "--no-commit", "--no-ff", "stale"]);
    bump_provider(&repo, "~> 5.0");
    repo.git(&["add", "versions.tf"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "merge stale"]);
    let run = repo.iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["version-change"]);
    assert!(run.stdout.contains("(downgrade)"), "{}", run.stdout);
}

#[test]
fn one_commit_on_two_refs_is_judged_under_each_policy() {
    let (repo, bare) = clone_with_remote();
    // `release` carries a strict allowlist; `main` has none.
    repo.git(&["checkout", "-q", "-b", "release"]);
    repo.write(
        ".iacgate.toml",
        "[allow]\nmodules = [\"terraform-aws-modules/*\"]\n",
    );
    repo.git(&["add", ".iacgate.toml"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "strict\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    repo.git(&["push", "-q", "--no-verify", "origin", "release"]);
    install_server_hook(&bare);
    repo.write(
        "app.tf",
        &format!(
            "module \"x\" {{\n  source = \"github.com/acme/x?ref={}\"\n}}\n",
            crate::util::SHA
        ),
    )
    .commit_all("add x");
    let run = repo.git_with_hooks(&[
        "push",
        "--no-verify",
        "origin",
        "HEAD:refs/heads/feature",
        "HEAD:refs/heads/release",
    ]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("error[not-allowed]"), "{}", run.stderr);
}

#[test]
fn a_force_push_that_undoes_a_bump_is_judged() {
    let (repo, bare) = clone_with_remote();
    bump_provider(&repo, "~> 5.9");
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    install_server_hook(&bare);
    // Rewind main to before the reviewed bump: a silent downgrade.
    let run = repo.git_with_hooks(&["push", "-f", "origin", "HEAD~1:main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("force-pushed over"), "{}", run.stderr);
    assert!(run.stderr.contains("(downgrade)"), "{}", run.stderr);
    // A rebased branch is not asked about what it did not undo.
    repo.git(&["checkout", "-q", "-b", "topic", "HEAD~1"]);
    repo.write("notes.txt", "topic\n").commit_all("topic work");
    repo.git(&["push", "-q", "--no-verify", "origin", "topic"]);
    repo.git(&["rebase", "-q", "main"]);
    let run = repo.git_with_hooks(&["push", "-f", "origin", "topic"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn tags_of_blobs_and_pushes_to_a_url_are_fine() {
    let (repo, bare) = clone_with_remote();
    let blob = repo.git(&["hash-object", "-w", "main.tf"]);
    repo.git(&["tag", "key", blob.trim()]);
    let run = repo.git_with_hooks(&["push", "origin", "key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    repo.write("notes.txt", "n\n").commit_all("notes");
    let url = format!("file://{}", bare.path().display());
    let run = repo.git_with_hooks(&["push", &url, "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    bump_provider(&repo, "~> 6.0");
    repo.git(&["commit", "-q", "--no-verify", "-am", "bump"]);
    let run = repo.git_with_hooks(&["push", &url, "main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[version-change]"),
        "{}",
        run.stderr
    );
}

/// The adversarial review: `git init --bare` points HEAD at `master` while
/// the branch pushed is `main`, so a new branch cut from a commit older than
/// the policy was judged with no policy at all. The server's policy for a
/// new branch is its default branch's, and `main` stands in for a HEAD that
/// names nothing.
#[test]
fn a_new_branch_off_history_older_than_the_policy_meets_the_servers_policy() {
    let repo = TestRepo::new();
    repo.write("main.tf", MAIN).commit_all("before the policy");
    let old = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write(
        ".iacgate.toml",
        "[allow]\nmodules = [\"terraform-aws-modules/*\"]\n",
    )
    .commit_all("policy");
    let bare = repo.bare_remote();
    let point = repo
        .command("git")
        .args(["symbolic-ref", "HEAD", "refs/heads/master"])
        .current_dir(bare.path())
        .status()
        .unwrap();
    assert!(point.success());
    repo.git(&["push", "-q", "origin", "main"]);
    install_server_hook(&bare);
    repo.git(&["checkout", "-q", "-b", "evil", &old]);
    repo.write(
        "main.tf",
        &MAIN.replace("terraform-aws-modules/vpc/aws", "evilcorp/vpc/aws"),
    );
    repo.git(&["commit", "-q", "-am", "swap"]);
    let run = repo.git_with_hooks(&["push", "origin", "evil"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("error[not-allowed]"), "{}", run.stderr);
}
