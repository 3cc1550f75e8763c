//! Signed approvals (docs/approvals.md): a reviewer signs the delta with
//! `iacgate approve` in their own clone, the author adds the two trailers,
//! and every gate verifies them against the allowed signers of the base.
//! The keys are throwaway ed25519 keys made by ssh-keygen.

use std::path::{Path, PathBuf};

use crate::util::{Run, TestRepo};

const MAIN: &str =
    "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";
const VERSIONS: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n";
const POLICY: &str =
    "[signoff]\nrequire_signature = true\nallowed_signers = \".iacgate/allowed_signers\"\n";
const SIGNERS: &str = ".iacgate/allowed_signers";

/// A throwaway ed25519 key in `dir`: (private key path, public key line).
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_owned())
}

/// The author's clone, pushed to a bare `origin`, whose policy requires
/// signed approvals and lists Bob's key; and the keys.
struct World {
    author: TestRepo,
    bare: tempfile::TempDir,
    keys: tempfile::TempDir,
    bob_key: PathBuf,
}

fn world() -> World {
    let keys = tempfile::tempdir().unwrap();
    let (bob_key, bob_pub) = keygen(keys.path(), "bob");
    let author = TestRepo::new();
    author
        .write(".iacgate.toml", POLICY)
        .write(SIGNERS, &format!("bob@example.com {bob_pub}\n"))
        .write("main.tf", MAIN)
        .write("versions.tf", VERSIONS)
        .commit_all("initial");
    let bare = author.bare_remote();
    author.git(&["push", "-q", "origin", "main"]);
    World {
        author,
        bare,
        keys,
        bob_key,
    }
}

impl World {
    fn key(&self, name: &str) -> (PathBuf, String) {
        keygen(self.keys.path(), name)
    }

    /// A reviewer's own clone: it fetches the author's branches (as
    /// `author/<branch>`) and never shares a file with the author's.
    fn reviewer(&self, name: &str, email: &str) -> TestRepo {
        let reviewer = TestRepo::new();
        reviewer.git(&["config", "user.name", name]);
        reviewer.git(&["config", "user.email", email]);
        reviewer
    }

    /// Bob approves the author's `branch` tip with `iacgate approve
    /// --commit` in his clone; returns the two trailer lines.
    fn bob_approves(&self, branch: &str) -> [String; 2] {
        let bob = self.reviewer("Bob Reviewer", "bob@example.com");
        approve(&bob, &self.author, branch, &self.bob_key)
    }

    /// The author amends HEAD with `trailers`, hooks off.
    fn amend_with(&self, trailers: &[String]) {
        let mut args = vec!["commit", "-q", "--amend", "--no-edit", "--no-verify"];
        for t in trailers {
            args.extend(["--trailer", t.as_str()]);
        }
        self.author.git(&args);
    }

    fn check_head(&self) -> Run {
        self.author.iacgate(&["check", "--commit", "HEAD"])
    }

    /// The server's gate: the repository's pre-receive shim in `origin`.
    fn install_server_hook(&self) {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive"),
            self.bare.path().join("hooks/pre-receive"),
        )
        .unwrap();
    }
}

/// `reviewer` fetches `refspec` from `author`'s clone (as a reviewer
/// fetches the author's branch).
fn fetch(reviewer: &TestRepo, author: &TestRepo, refspec: &str) {
    reviewer.git(&["fetch", "-q", &author.path().display().to_string(), refspec]);
}

/// `reviewer` fetches `branch` from `author` and approves its tip.
fn approve(reviewer: &TestRepo, author: &TestRepo, branch: &str, key: &Path) -> [String; 2] {
    approve_expecting(reviewer, author, branch, key, 0)
}

/// [`approve`] with a key the base's allowed signers do not list for the
/// reviewer: it still signs (a forger would), warns, and exits 1.
fn approve_unlisted(
    reviewer: &TestRepo,
    author: &TestRepo,
    branch: &str,
    key: &Path,
) -> [String; 2] {
    approve_expecting(reviewer, author, branch, key, 1)
}

fn approve_expecting(
    reviewer: &TestRepo,
    author: &TestRepo,
    branch: &str,
    key: &Path,
    code: i32,
) -> [String; 2] {
    fetch(
        reviewer,
        author,
        &format!("+refs/heads/{branch}:refs/remotes/author/{branch}"),
    );
    let run = reviewer.iacgate(&[
        "approve",
        "--commit",
        &format!("author/{branch}"),
        "--yes",
        "--key",
        &key.display().to_string(),
    ]);
    assert_eq!(run.code, code, "{}", run.stderr);
    trailers(&run)
}

/// The `Approved-by:` and `Iacgate-Approval:` lines `approve` printed.
fn trailers(run: &Run) -> [String; 2] {
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with("Approved-by: "), "{}", run.stdout);
    assert!(
        lines[1].starts_with("Iacgate-Approval: v1 "),
        "{}",
        run.stdout
    );
    [lines[0].to_owned(), lines[1].to_owned()]
}

fn bump_module(repo: &TestRepo, to: &str) {
    repo.write("main.tf", &MAIN.replace("5.4.0", to));
}

fn bump_provider(repo: &TestRepo, to: &str) {
    repo.write("versions.tf", &VERSIONS.replace("~> 5.0", to));
}

/// What the remote's `main` is now.
fn remote_main(world: &World) -> String {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(world.bare.path())
        .args(["log", "-1", "--format=%s", "main"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_signed_approval_passes_at_commit_msg() {
    let w = world();
    w.author.install_hooks();
    bump_module(&w.author, "5.5.0");
    // pre-commit cannot know the message: pending, and it says how.
    let run = w.author.git_with_hooks(&[
        "commit",
        "-a",
        "-m",
        "bump vpc",
        "--trailer",
        "Reviewed-by: Bob <bob@example.com>",
    ]);
    assert_eq!(
        run.code, 1,
        "a plain trailer no longer counts:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("needs sign-off[version-change]")
            && run.stderr.contains("iacgate approve --staged"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`Reviewed-by: Bob <bob@example.com>` is not a signed approval"),
        "{}",
        run.stderr
    );
    // The author commits for review; Bob approves it in his own clone.
    w.author
        .git(&["commit", "-q", "-a", "--no-verify", "-m", "bump vpc"]);
    let trailers = w.bob_approves("main");
    let run = w.author.git_with_hooks(&[
        "commit",
        "--amend",
        "--no-edit",
        "--trailer",
        &trailers[0],
        "--trailer",
        &trailers[1],
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = w.check_head();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("approved with a verified signature by bob@example.com"),
        "{}",
        run.stderr
    );
    // A new commit (not an amend) with the same change verifies the same.
    w.author.git(&["reset", "-q", "--soft", "HEAD~1"]);
    let run = w.author.git_with_hooks(&[
        "commit",
        "-m",
        "bump vpc again",
        "--trailer",
        &trailers[0],
        "--trailer",
        &trailers[1],
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_staged_approval_on_the_machine_it_is_staged_on_passes_at_commit_msg() {
    let w = world();
    w.author.install_hooks();
    bump_provider(&w.author, "~> 6.0");
    w.author.stage(&["versions.tf"]);
    // Bob at the author's desk: his name and key, the author's index.
    w.author.git(&["config", "user.name", "Bob Reviewer"]);
    w.author.git(&["config", "user.email", "bob@example.com"]);
    let run = w.author.iacgate(&[
        "approve",
        "--staged",
        "--yes",
        "--key",
        &w.bob_key.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "versions.tf: provider aws ~> 5.0 -> ~> 6.0 (hashicorp/aws) [version-change]"
        ),
        "the delta is shown before it is signed:\n{}",
        run.stderr
    );
    let [by, approval] = trailers(&run);
    assert_eq!(by, "Approved-by: Bob Reviewer <bob@example.com>");
    let run = w.author.git_with_hooks(&[
        "commit",
        "-m",
        "bump aws",
        "--trailer",
        &by,
        "--trailer",
        &approval,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_signed_approval_passes_at_pre_push() {
    let w = world();
    w.author.install_hooks();
    bump_module(&w.author, "5.5.0");
    w.author
        .git(&["commit", "-q", "-a", "--no-verify", "-m", "bump vpc"]);
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(run.code, 0, "unapproved:\n{}", run.stderr);
    let short = w.author.git(&["rev-parse", "--short=12", "HEAD"]);
    assert!(
        run.stderr.contains(&format!(
            "ask a reviewer to run `iacgate approve --commit {}`",
            short.trim()
        )),
        "{}",
        run.stderr
    );
    let trailers = w.bob_approves("main");
    w.amend_with(&trailers);
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(remote_main(&w), "bump vpc");
}

#[test]
fn a_signed_approval_passes_at_pre_receive() {
    let w = world();
    w.install_server_hook();
    // No client hooks: the server is the gate.
    bump_provider(&w.author, "~> 6.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump aws"]);
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("pre-receive hook declined"),
        "{}",
        run.stderr
    );
    let trailers = w.bob_approves("main");
    w.amend_with(&trailers);
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(remote_main(&w), "bump aws");
}

#[test]
fn a_forged_signature_is_blocked() {
    let w = world();
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    // Mallory signs with her own key and names Bob.
    let (mallory_key, _) = w.key("mallory");
    let mallory = w.reviewer("Bob Reviewer", "bob@example.com");
    let forged = approve_unlisted(&mallory, &w.author, "main", &mallory_key);
    w.amend_with(&forged);
    let run = w.check_head();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the approval of `Approved-by: Bob Reviewer <bob@example.com>` is signed with a key \
             that is not listed for bob@example.com: .iacgate/allowed_signers (at "
        ) && run.stderr.contains("does not list key SHA256:"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_altered_or_copied_signature_is_blocked() {
    let w = world();
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let [by, approval] = w.bob_approves("main");
    // One character of the signature changed.
    let (head, tail) = approval.split_at(approval.len() - 10);
    let flipped = if tail.starts_with('A') { 'B' } else { 'A' };
    let altered = format!("{head}{flipped}{}", &tail[1..]);
    w.amend_with(&[by.clone(), altered]);
    let run = w.check_head();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("does not verify") && run.stderr.contains("it was altered"),
        "{}",
        run.stderr
    );
    // Bob's genuine approval of the vpc bump, copied onto another change.
    w.author.git(&["reset", "-q", "--hard", "HEAD~1"]);
    bump_provider(&w.author, "~> 6.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump aws"]);
    w.amend_with(&[by, approval]);
    let run = w.check_head();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "covers a different delta: not covered: versions.tf: provider aws ~> 5.0 -> ~> 6.0 \
             (hashicorp/aws) [version-change]; it approves 1 finding this change does not have"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn an_approval_of_one_bump_does_not_pass_a_commit_with_two() {
    let w = world();
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let trailers = w.bob_approves("main");
    // A second bump slipped in after the approval.
    bump_provider(&w.author, "~> 6.0");
    w.author.git(&["add", "versions.tf"]);
    w.amend_with(&trailers);
    let run = w
        .author
        .iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 2);
    assert!(
        findings.iter().all(|f| f["signed_off"] == false),
        "{findings:?}"
    );
    let run = w.check_head();
    assert!(
        run.stderr.contains(
            "covers a different delta: not covered: versions.tf: provider aws ~> 5.0 -> ~> 6.0"
        ),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("not covered: main.tf"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_key_not_in_the_allowed_signers_is_blocked() {
    let w = world();
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    // Carol is a real reviewer, but nobody listed her key.
    let (carol_key, _) = w.key("carol");
    let carol = w.reviewer("Carol", "carol@example.com");
    let run = {
        fetch(
            &carol,
            &w.author,
            "+refs/heads/main:refs/remotes/author/main",
        );
        carol.iacgate(&[
            "approve",
            "--commit",
            "author/main",
            "--yes",
            "--key",
            &carol_key.display().to_string(),
        ])
    };
    assert_eq!(
        run.code, 1,
        "signed, but refused by its own check: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("warning: the gates will not accept this approval as it stands"),
        "approve warns the reviewer at once:\n{}",
        run.stderr
    );
    w.amend_with(&trailers(&run));
    let run = w.check_head();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is signed with a key that is not listed for carol@example.com")
            && run.stderr.contains("at all"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_allowed_signers_change_in_the_same_commit_does_not_help() {
    let w = world();
    w.install_server_hook();
    let base = w.author.git(&["rev-parse", "--short=12", "HEAD"]);
    // Mallory lists her own key for Bob's email in the commit she signs.
    let (mallory_key, mallory_pub) = w.key("mallory");
    let signers = w.author.read(SIGNERS);
    w.author.write(
        SIGNERS,
        &format!("{signers}bob@example.com {mallory_pub}\n"),
    );
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let mallory = w.reviewer("Bob Reviewer", "bob@example.com");
    let forged = approve_unlisted(&mallory, &w.author, "main", &mallory_key);
    w.amend_with(&forged);
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "not listed for bob@example.com: .iacgate/allowed_signers (at {})",
            base.trim()
        )),
        "the base's allowed signers judge:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error[policy-change]")
            && run
                .stderr
                .contains("change to the allowed signers file .iacgate/allowed_signers"),
        "{}",
        run.stderr
    );
    assert_eq!(remote_main(&w), "initial");
}

#[test]
fn changing_the_allowed_signers_needs_an_approval_itself() {
    let w = world();
    let (_, carol_pub) = w.key("carol");
    let signers = w.author.read(SIGNERS);
    w.author.write(
        SIGNERS,
        &format!("{signers}carol@example.com {carol_pub}\n"),
    );
    w.author
        .git(&["commit", "-q", "-a", "-m", "add carol's key"]);
    let run = w
        .author
        .iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "a key added without review:\n{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("policy-change".to_owned(), SIGNERS.to_owned(), 2)]
    );
    // Bob approves the new key; the delta names the file's contents.
    let bob = w.reviewer("Bob Reviewer", "bob@example.com");
    fetch(&bob, &w.author, "+refs/heads/main:refs/remotes/author/main");
    let run = bob.iacgate(&[
        "approve",
        "--commit",
        "author/main",
        "--yes",
        "--format",
        "json",
        "--key",
        &w.bob_key.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let approval = &report["approvals"][0];
    let blob = w.author.git(&["rev-parse", &format!("HEAD:{SIGNERS}")]);
    let delta = approval["delta"].as_str().unwrap();
    assert!(
        delta.starts_with(
            "iacgate-approval v1\npolicy-change\t.iacgate/allowed_signers\t-\tpolicy\t"
        ) && delta.ends_with(&format!("\t{}\n", blob.trim())),
        "{delta}"
    );
    let pair: Vec<String> = approval["trailers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}: {}",
                t["key"].as_str().unwrap(),
                t["value"].as_str().unwrap()
            )
        })
        .collect();
    w.amend_with(&pair);
    assert_eq!(w.check_head().code, 0);
    // The same approval on a commit that lists another key does not pass.
    let (_, mallory_pub) = w.key("mallory");
    w.author.git(&["reset", "-q", "--hard", "HEAD~1"]);
    w.author.write(
        SIGNERS,
        &format!("{signers}carol@example.com {mallory_pub}\n"),
    );
    w.author
        .git(&["commit", "-q", "-a", "-m", "add carol's key"]);
    w.amend_with(&pair);
    let run = w.check_head();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("covers a different delta"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_approval_survives_a_rebase_of_the_same_change() {
    let w = world();
    w.install_server_hook();
    w.author.git(&["checkout", "-q", "-b", "bump"]);
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let trailers = w.bob_approves("bump");
    w.amend_with(&trailers);
    let approved = w.author.git(&["rev-parse", "HEAD"]);
    // Meanwhile main moves: another module lands above vpc in the same
    // file, so every line of the bump moves down.
    w.author.git(&["checkout", "-q", "main"]);
    w.author.write(
        "main.tf",
        &format!(
            "module \"dns\" {{\n  source  = \"terraform-aws-modules/route53/aws\"\n  version = \"3.1.0\"\n}}\n\n{MAIN}"
        ),
    );
    w.author.git(&["commit", "-q", "-a", "-m", "add dns"]);
    w.author.git(&["push", "-q", "origin", "main"]);
    w.author.git(&["checkout", "-q", "bump"]);
    w.author.git(&["rebase", "-q", "main"]);
    let rebased = w.author.git(&["rev-parse", "HEAD"]);
    assert_ne!(approved, rebased);
    assert!(w.author.read("main.tf").contains("version = \"5.5.0\""));
    let run = w
        .author
        .iacgate(&["check", "--range", "main..bump", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["findings"][0]["signed_off"], true);
    assert_eq!(run.json()["findings"][0]["line"], 8);
    let run = w.author.git_with_hooks(&["push", "origin", "bump:main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(remote_main(&w), "bump vpc");
}

#[test]
fn a_range_approval_signs_each_commit_that_needs_one() {
    let w = world();
    w.author.git(&["checkout", "-q", "-b", "topic"]);
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    w.author.write("notes.txt", "n\n").commit_all("notes");
    bump_provider(&w.author, "~> 6.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump aws"]);
    let bob = w.reviewer("Bob Reviewer", "bob@example.com");
    fetch(&bob, &w.author, "+refs/heads/*:refs/remotes/author/*");
    let run = bob.iacgate(&[
        "approve",
        "--range",
        "author/main..author/topic",
        "--yes",
        "--key",
        &w.bob_key.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", run.stdout);
    assert!(lines[0].starts_with("# commit ") && lines[0].ends_with(" bump vpc"));
    assert!(lines[3].ends_with(" bump aws"));
    // Each commit gets its own pair: the branch is rebuilt with them.
    w.author.git(&["reset", "-q", "--hard", "main"]);
    bump_module(&w.author, "5.5.0");
    w.author.git(&[
        "commit",
        "-q",
        "-a",
        "-m",
        "bump vpc",
        "--trailer",
        lines[1],
        "--trailer",
        lines[2],
    ]);
    w.author.write("notes.txt", "n\n").commit_all("notes");
    bump_provider(&w.author, "~> 6.0");
    w.author.git(&[
        "commit",
        "-q",
        "-a",
        "-m",
        "bump aws",
        "--trailer",
        lines[4],
        "--trailer",
        lines[5],
    ]);
    let run = w.author.iacgate(&["check", "--range", "main..topic"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn approve_explains_what_it_cannot_do() {
    let w = world();
    w.author.write("notes.txt", "n\n").commit_all("notes");
    let bob = w.reviewer("Bob Reviewer", "bob@example.com");
    fetch(&bob, &w.author, "+refs/heads/main:refs/remotes/author/main");
    let key = w.bob_key.display().to_string();
    // Nothing that needs a sign-off: nothing is signed.
    let run = bob.iacgate(&["approve", "--commit", "author/main", "--yes", "--key", &key]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("there is nothing to approve"),
        "{}",
        run.stderr
    );
    // No terminal and no --yes: nobody can confirm.
    w.author.git(&["checkout", "-q", "-b", "bump"]);
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    fetch(&bob, &w.author, "+refs/heads/bump:refs/remotes/author/bump");
    let run = bob.iacgate(&["approve", "--commit", "author/bump", "--key", &key]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("pass --yes"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    // No key anywhere.
    let run = bob.iacgate(&["approve", "--commit", "author/bump", "--yes"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no SSH key to sign with"),
        "{}",
        run.stderr
    );
    // git's SSH signing key is used when configured.
    bob.git(&["config", "gpg.format", "ssh"]);
    bob.git(&["config", "user.signingkey", &key]);
    let run = bob.iacgate(&["approve", "--commit", "author/bump", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    trailers(&run);
    // A target is required, and who approves must be known.
    assert_eq!(bob.iacgate(&["approve", "--yes"]).code, 2);
    bob.git(&["config", "--unset", "user.email"]);
    let run = bob.iacgate(&["approve", "--commit", "author/bump", "--yes"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("user.email"), "{}", run.stderr);
}

#[test]
fn hostile_approval_trailers_are_refused_without_a_panic() {
    let w = world();
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let huge = format!(
        "Iacgate-Approval: v1 00000000 U1NIU0lH{}",
        "A".repeat(40_000)
    );
    let cases: [(&str, &[&str]); 5] = [
        (
            "holds no base64 signature",
            &[
                "Approved-by: Bob <bob@example.com>",
                "Iacgate-Approval: v1 00000000 %%%%",
            ],
        ),
        ("over the", &["Approved-by: Bob <bob@example.com>", &huge]),
        (
            "no <email> an approval can be checked for",
            &[
                "Approved-by: Bob <-oProxyCommand=x@y>",
                "Iacgate-Approval: v1 00000000 U1NIU0lH",
            ],
        ),
        (
            "must come right after",
            &["Iacgate-Approval: v1 00000000 U1NIU0lH"],
        ),
        (
            "covers a different delta",
            &[
                "Approved-by: Bob <bob@example.com>",
                "Iacgate-Approval: v1 00000000 U1NIU0lHAAAAAQ==",
            ],
        ),
    ];
    for (why, lines) in cases {
        let message = format!("bump vpc\n\n{}\n", lines.join("\n"));
        w.author.write(".git/MSG", &message);
        w.author
            .git(&["commit", "-q", "--amend", "--no-verify", "-F", ".git/MSG"]);
        let run = w.check_head();
        assert_eq!(run.code, 1, "{why}: {}", run.stderr);
        assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
    }
}

/// An ssh-agent this test started, stopped however the test ends.
struct Agent(std::process::Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_key_held_by_ssh_agent_signs_through_git_config() {
    let w = world();
    let socket = w.keys.path().join("agent.sock");
    let agent = Agent(
        std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !socket.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = std::process::Command::new("ssh-add")
        .arg("-q")
        .arg(&w.bob_key)
        .env("SSH_AUTH_SOCK", &socket)
        .status()
        .expect("ssh-add");
    assert!(added.success());
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let bob = w.reviewer("Bob Reviewer", "bob@example.com");
    fetch(&bob, &w.author, "+refs/heads/main:refs/remotes/author/main");
    // git's literal form: the public key, its private half in the agent.
    let public = std::fs::read_to_string(w.bob_key.with_extension("pub")).unwrap();
    bob.git(&["config", "gpg.format", "ssh"]);
    bob.git(&[
        "config",
        "user.signingkey",
        &format!("key::{}", public.trim()),
    ]);
    let run = Run::from(
        bob.command(crate::util::bin())
            .args(["approve", "--commit", "author/main", "--yes"])
            .env("SSH_AUTH_SOCK", &socket)
            .output()
            .unwrap(),
    );
    drop(agent);
    assert_eq!(run.code, 0, "{}", run.stderr);
    w.amend_with(&trailers(&run));
    let run = w.check_head();
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn approve_asks_on_a_terminal_before_signing() {
    let w = world();
    bump_module(&w.author, "5.5.0");
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let bob = w.reviewer("Bob Reviewer", "bob@example.com");
    fetch(&bob, &w.author, "+refs/heads/main:refs/remotes/author/main");
    // `script` gives the command a terminal; the answer is typed ahead.
    let on_terminal = |answer: &str| {
        use std::io::Write;
        let mut child = bob
            .command("script")
            .args([
                "-qec",
                &format!(
                    "{} approve --commit author/main --key {}",
                    crate::util::bin().display(),
                    w.bob_key.display()
                ),
                "/dev/null",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("script");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        Run::from(child.wait_with_output().unwrap())
    };
    let declined = on_terminal("n\n");
    assert_eq!(declined.code, 1, "{}", declined.stdout);
    assert!(
        declined
            .stdout
            .contains("Sign this approval as Bob Reviewer <bob@example.com>? [y/N]")
            && declined.stdout.contains("nothing was signed")
            && !declined.stdout.contains("Iacgate-Approval:"),
        "{}",
        declined.stdout
    );
    let accepted = on_terminal("y\n");
    assert_eq!(accepted.code, 0, "{}", accepted.stdout);
    assert!(
        accepted
            .stdout
            .contains("main.tf: module vpc 5.4.0 -> 5.5.0")
            && accepted.stdout.contains("Iacgate-Approval: v1 "),
        "{}",
        accepted.stdout
    );
}

/// The signers file moved to a new path is judged like the policy: its
/// contents are in the delta, so an approval of the move cannot carry
/// another key, and a later edit of the new file in the same push needs an
/// approval of its own.
#[test]
fn a_signers_file_moved_to_a_new_path_stays_protected() {
    let w = world();
    w.install_server_hook();
    let moved = POLICY.replace(".iacgate/allowed_signers", ".iacgate/signers2");
    let signers = w.author.read(SIGNERS);
    w.author
        .write(".iacgate.toml", &moved)
        .write(".iacgate/signers2", &signers);
    w.author.git(&["rm", "-q", SIGNERS]);
    w.author.commit_all("move the signers file");
    let approval = w.bob_approves("main");
    w.amend_with(&approval);
    let honest = w.author.git(&["rev-parse", "HEAD"]);

    // The same approval on a move whose new file lists Mallory's key.
    let (mallory_key, mallory_pub) = w.key("mallory");
    w.author.write(
        ".iacgate/signers2",
        &format!("bob@example.com {mallory_pub}\n"),
    );
    w.author.git(&["add", "-A"]);
    w.author
        .git(&["commit", "-q", "--amend", "--no-edit", "--no-verify"]);
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(
        run.code, 0,
        "a replayed approval of the move:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("covers a different delta"),
        "{}",
        run.stderr
    );
    assert_eq!(remote_main(&w), "initial");

    // The honest move, then an unapproved edit of the new file, pushed
    // together: the second commit is refused.
    w.author.git(&["reset", "-q", "--hard", honest.trim()]);
    let signers2 = w.author.read(".iacgate/signers2");
    w.author.write(
        ".iacgate/signers2",
        &format!("{signers2}bob@example.com {mallory_pub}\n"),
    );
    w.author.commit_all("list another key");
    let run = w.author.git_with_hooks(&["push", "origin", "main"]);
    assert_ne!(
        run.code, 0,
        "an unapproved edit of the moved file:\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("change to the allowed signers file .iacgate/signers2"),
        "{}",
        run.stderr
    );
    assert_eq!(remote_main(&w), "initial");
    drop(mallory_key);
}

/// Under signed approvals an `iacgate:allow` comment, which the author
/// writes, cannot clear a finding that needs the reviewer's signature.
#[test]
fn a_suppression_comment_does_not_replace_an_approval() {
    let w = world();
    w.author.write(
        "main.tf",
        &MAIN.replace(
            "  version = \"5.4.0\"",
            "  # iacgate:allow version-change -- routine\n  version = \"9.9.9\"",
        ),
    );
    w.author.git(&["commit", "-q", "-a", "-m", "bump vpc"]);
    let run = w
        .author
        .iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["version-change"]);
    assert_eq!(run.json()["findings"][0]["suppressed"], false);
    let approval = w.bob_approves("main");
    w.amend_with(&approval);
    assert_eq!(w.check_head().code, 0);
}

#[test]
fn one_range_approval_signs_what_the_commits_hide_on_the_whole() {
    let w = world();
    w.author.git(&["checkout", "-q", "-b", "topic"]);
    w.author.write("main.tf", "");
    w.author.git(&["commit", "-q", "-a", "-m", "drop vpc"]);
    bump_module(&w.author, "6.0.0");
    w.author.git(&["commit", "-q", "-a", "-m", "vpc again"]);
    let run = w.author.iacgate(&["check", "--range", "main..topic"]);
    assert_eq!(run.code, 1, "the whole is a version change: {}", run.stderr);
    let bob = w.reviewer("Bob Reviewer", "bob@example.com");
    fetch(&bob, &w.author, "+refs/heads/*:refs/remotes/author/*");
    let run = bob.iacgate(&[
        "approve",
        "--range",
        "author/main..author/topic",
        "--yes",
        "--key",
        &w.bob_key.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("5.4.0 -> 6.0.0"), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].contains("as a whole"), "{}", run.stdout);
    w.amend_with(&[lines[1].to_owned(), lines[2].to_owned()]);
    let run = w.author.iacgate(&["check", "--range", "main..topic"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    w.install_server_hook();
    let run = w.author.git_with_hooks(&["push", "origin", "topic:main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The approval is of that net change only: another version is not it.
    w.author.git(&["checkout", "-q", "-b", "other", "main"]);
    w.author.write("main.tf", "");
    w.author.git(&["commit", "-q", "-a", "-m", "drop vpc"]);
    bump_module(&w.author, "6.1.0");
    w.author.git(&["commit", "-q", "-a", "-m", "vpc again"]);
    w.amend_with(&[lines[1].to_owned(), lines[2].to_owned()]);
    let run = w.author.iacgate(&["check", "--range", "main..other"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}
