//! `require_signed_commit`: a sign-off counts only on a commit whose
//! signature git verifies (SSH signing, with an allowed-signers file).

use crate::util::{Run, TestRepo};

const MAIN: &str =
    "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";

fn keygen(repo: &TestRepo, name: &str) -> (String, String) {
    let key = repo.path().join(format!(".git/{name}"));
    let status = repo
        .command("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key.display().to_string(), public.trim().to_owned())
}

fn signing_repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[signoff]\nrequire_signed_commit = true\n")
        .write("main.tf", MAIN)
        .commit_all("initial");
    let (alice_key, alice_pub) = keygen(&repo, "alice");
    let allowed = repo.path().join(".git/allowed_signers");
    std::fs::write(&allowed, format!("alice@example.com {alice_pub}\n")).unwrap();
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "user.signingkey", &alice_key]);
    repo.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        &allowed.display().to_string(),
    ]);
    repo.write("main.tf", &MAIN.replace("5.4.0", "5.5.0"));
    (repo, alice_key)
}

fn check_head(repo: &TestRepo) -> Run {
    repo.iacgate(&["check", "--commit", "HEAD"])
}

#[test]
fn unsigned_commits_do_not_count_even_with_a_trailer() {
    let (repo, _) = signing_repo();
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = check_head(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("requires a signed commit and this one is not signed"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_verified_signature_and_a_trailer_pass() {
    let (repo, _) = signing_repo();
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-S",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = check_head(&repo);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_signature_by_an_unknown_key_is_rejected_with_gits_reason() {
    let (repo, _) = signing_repo();
    let (mallory_key, _) = keygen(&repo, "mallory");
    repo.git(&["config", "user.signingkey", &mallory_key]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-S",
        "-am",
        "bump\n\nReviewed-by: Bob <bob@example.com>",
    ]);
    let run = check_head(&repo);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`git verify-commit` rejects this one"),
        "{}",
        run.stderr
    );
}

#[test]
fn commit_msg_requires_signing_to_be_switched_on() {
    let (repo, _) = signing_repo();
    repo.install_hooks();
    let run = repo.git_with_hooks(&[
        "commit",
        "-am",
        "bump",
        "--trailer",
        "Reviewed-by: Bob <bob@example.com>",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("commit.gpgsign"), "{}", run.stderr);
    repo.git(&["config", "commit.gpgsign", "true"]);
    let run = repo.git_with_hooks(&[
        "commit",
        "-am",
        "bump",
        "--trailer",
        "Reviewed-by: Bob <bob@example.com>",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(check_head(&repo).code, 0);
}
