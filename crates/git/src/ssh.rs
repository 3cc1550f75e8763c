//! SSH signatures over arbitrary bytes, made and checked by OpenSSH's
//! `ssh-keygen -Y` (the program git itself runs for `gpg.format=ssh`), with
//! no server and no network: the signed approvals of docs/approvals.md.
//!
//! Data never travels in argv: the message goes on standard input, the
//! signature and the allowed signers into files of a private temporary
//! directory, and the one value from a commit message that reaches argv,
//! the principal, is checked first so it cannot read as an option.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::GitError;

const PROGRAM: &str = "ssh-keygen";

/// The key `ssh-keygen -Y sign` signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningKey {
    /// A private key file, or a public key file whose private key is in
    /// ssh-agent.
    File(PathBuf),
    /// A public key given literally (`ssh-ed25519 AAAA...`), whose private
    /// key is in ssh-agent.
    Literal(String),
}

impl SigningKey {
    /// The key git's `user.signingkey` names under `gpg.format=ssh`, read
    /// as git reads it: `key::<public key>` or a value starting with `ssh-`
    /// is a literal key; anything else a path, where `~/` is the home
    /// directory.
    pub fn from_git_config(value: &str, home: Option<&Path>) -> SigningKey {
        if let Some(key) = value.strip_prefix("key::") {
            return SigningKey::Literal(key.to_owned());
        }
        if value.starts_with("ssh-") {
            return SigningKey::Literal(value.to_owned());
        }
        match (value.strip_prefix("~/"), home) {
            (Some(rest), Some(home)) => SigningKey::File(home.join(rest)),
            _ => SigningKey::File(PathBuf::from(value)),
        }
    }
}

/// What `ssh-keygen` says about a signature over a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshVerdict {
    /// Verified for the principal under the allowed signers, with the
    /// signing key's fingerprint when ssh-keygen names it.
    Verified(Option<String>),
    /// A good signature over the message, by a key the allowed signers do
    /// not accept for the principal; says which key and why.
    KeyNotListed(String),
    /// Not a good signature over the message (made over other bytes,
    /// altered, another namespace, or unreadable); ssh-keygen's reason.
    DoesNotVerify(String),
}

/// Signs `message` in `namespace` with `key`; returns the armored signature
/// (`-----BEGIN SSH SIGNATURE-----`). A passphrase is asked for by
/// ssh-keygen itself, on the terminal.
pub fn sign(key: &SigningKey, namespace: &str, message: &[u8]) -> Result<String, GitError> {
    let dir = temp_dir()?;
    let key_path = match key {
        SigningKey::File(path) => path.clone(),
        SigningKey::Literal(public) => {
            let path = dir.path().join("signing_key.pub");
            write(&path, format!("{public}\n").as_bytes(), "public key file")?;
            path
        }
    };
    let args: Vec<OsString> = vec![
        "-Y".into(),
        "sign".into(),
        "-n".into(),
        namespace.into(),
        "-f".into(),
        key_path.into(),
    ];
    let (command, out) = run(&args, message)?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || !stdout.contains("-----BEGIN SSH SIGNATURE-----") {
        return Err(GitError::Command {
            command,
            status: out.status.to_string(),
            stderr: reason(&out),
        });
    }
    Ok(stdout)
}

/// Checks that `armored` is a signature over `message` in `namespace` by a
/// key that `allowed_signers` (the file's contents; `label` names it in
/// messages) accepts for `principal`. Two more runs of ssh-keygen tell the
/// failures apart: `check-novalidate` (a good signature by whatever key it
/// names?) and `find-principals` (whom is that key listed for?).
pub fn verify(
    allowed_signers: &[u8],
    label: &str,
    principal: &str,
    namespace: &str,
    armored: &str,
    message: &[u8],
) -> Result<SshVerdict, GitError> {
    // Never an option, a pattern or more than one principal: it comes from
    // a commit message.
    let principal_ok = !principal.is_empty()
        && !principal.starts_with('-')
        && !principal
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '*' | '?' | '!'));
    if !principal_ok {
        return Err(GitError::Argument {
            what: "signature principal".to_owned(),
            reason: format!("`{}` is not an email address", principal.escape_debug()),
        });
    }
    let dir = temp_dir()?;
    let signers = dir.path().join("allowed_signers");
    let signature = dir.path().join("approval.sig");
    write(&signers, allowed_signers, "allowed signers file")?;
    write(&signature, armored.as_bytes(), "signature file")?;
    let arg = |s: &str| OsString::from(s);
    let verify_args = vec![
        arg("-Y"),
        arg("verify"),
        arg("-f"),
        signers.clone().into(),
        arg("-I"),
        arg(principal),
        arg("-n"),
        arg(namespace),
        arg("-s"),
        signature.clone().into(),
    ];
    let (_, verified) = run(&verify_args, message)?;
    if verified.status.success() {
        let report = format!(
            "{}\n{}",
            String::from_utf8_lossy(&verified.stdout),
            String::from_utf8_lossy(&verified.stderr)
        );
        return Ok(SshVerdict::Verified(
            key_fingerprint(&report).map(str::to_owned),
        ));
    }
    let check_args = vec![
        arg("-Y"),
        arg("check-novalidate"),
        arg("-n"),
        arg(namespace),
        arg("-s"),
        signature.clone().into(),
    ];
    let (_, checked) = run(&check_args, message)?;
    if !checked.status.success() {
        return Ok(SshVerdict::DoesNotVerify(reason(&checked)));
    }
    let key = key_fingerprint(&String::from_utf8_lossy(&checked.stdout))
        .map(|fp| format!("key {fp}"))
        .unwrap_or_else(|| "the signing key".to_owned());
    let find_args = vec![
        arg("-Y"),
        arg("find-principals"),
        arg("-s"),
        signature.into(),
        arg("-f"),
        signers.clone().into(),
    ];
    let (_, found) = run(&find_args, &[])?;
    let listed: Vec<String> = if found.status.success() {
        String::from_utf8_lossy(&found.stdout)
            .split([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    let why = if listed.iter().any(|p| p == principal) {
        // Listed, but the entry's options refuse it (namespaces=,
        // valid-before=...): ssh-keygen says how, naming its temporary copy.
        let detail = reason(&verified).replace(&*signers.to_string_lossy(), label);
        format!("{label} lists {key} for {principal}, but refuses this signature: {detail}")
    } else if listed.is_empty() {
        format!("{label} does not list {key} at all")
    } else {
        format!("{label} lists {key} for {} only", listed.join(", "))
    };
    Ok(SshVerdict::KeyNotListed(why))
}

/// `... with ED25519 key SHA256:abc` -> `SHA256:abc`.
fn key_fingerprint(report: &str) -> Option<&str> {
    report.lines().find_map(|line| {
        let (_, fp) = line.trim().rsplit_once(" key ")?;
        (!fp.is_empty() && !fp.contains(' ')).then_some(fp)
    })
}

/// The first line of ssh-keygen's report that says what went wrong, not
/// its progress lines nor the function names of its debug output.
fn reason(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .find(|line| {
            !line.is_empty()
                && !line.starts_with("Signing data on standard input")
                && !line.starts_with("Could not verify signature")
                && !line
                    .split_once(':')
                    .is_some_and(|(f, _)| f.starts_with("sshsig_") || f.starts_with("sig_"))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| format!("ssh-keygen failed ({}) without saying why", out.status))
}

fn temp_dir() -> Result<tempfile::TempDir, GitError> {
    tempfile::Builder::new()
        .prefix("iacgate-ssh-")
        .tempdir()
        .map_err(|error| GitError::TempFile {
            what: "directory".to_owned(),
            error,
        })
}

fn write(path: &Path, bytes: &[u8], what: &str) -> Result<(), GitError> {
    std::fs::write(path, bytes).map_err(|error| GitError::TempFile {
        what: what.to_owned(),
        error,
    })
}

/// Runs ssh-keygen with `input` on its standard input, in the C locale so
/// that its messages read the same everywhere.
fn run(args: &[OsString], input: &[u8]) -> Result<(String, Output), GitError> {
    let command = std::iter::once(PROGRAM.to_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let spawn_error = |error| GitError::Spawn {
        command: command.clone(),
        error,
    };
    let mut child = Command::new(PROGRAM)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let stdin = child.stdin.take();
    let out = std::thread::scope(|scope| {
        // Written from another thread so that a full output pipe never
        // blocks the write; a write error (it exited early) shows in the
        // exit status.
        scope.spawn(move || {
            use std::io::Write;
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(input);
            }
        });
        child.wait_with_output()
    })
    .map_err(spawn_error)?;
    Ok((command, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "iacgate-approval";

    /// A throwaway ed25519 key: (private key path, public key line).
    fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
        let path = dir.join(name);
        let status = Command::new(PROGRAM)
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&path)
            .status()
            .expect("ssh-keygen");
        assert!(status.success());
        let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        (path, public.trim().to_owned())
    }

    #[test]
    fn signatures_verify_and_each_failure_says_which() {
        let dir = tempfile::tempdir().unwrap();
        let (bob, bob_pub) = keygen(dir.path(), "bob");
        let (mallory, _) = keygen(dir.path(), "mallory");
        let signers = format!("bob@x.io,cy@x.io {bob_pub}\n");
        let label = ".iacgate/allowed_signers (at 0123)";
        let message = b"iacgate-approval v1\nsomething\n";
        let signature = sign(&SigningKey::File(bob.clone()), NS, message).unwrap();
        let check = |principal: &str, signature: &str, message: &[u8]| {
            verify(signers.as_bytes(), label, principal, NS, signature, message).unwrap()
        };
        match check("bob@x.io", &signature, message) {
            SshVerdict::Verified(Some(key)) => assert!(key.starts_with("SHA256:"), "{key}"),
            other => panic!("{other:?}"),
        }
        match check("bob@x.io", &signature, b"iacgate-approval v1\nother\n") {
            SshVerdict::DoesNotVerify(why) => assert!(why.contains("incorrect signature"), "{why}"),
            other => panic!("{other:?}"),
        }
        match check("dee@x.io", &signature, message) {
            SshVerdict::KeyNotListed(why) => {
                assert!(why.starts_with(label), "{why}");
                assert!(why.contains("for bob@x.io, cy@x.io only"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        let forged = sign(&SigningKey::File(mallory), NS, message).unwrap();
        match check("bob@x.io", &forged, message) {
            SshVerdict::KeyNotListed(why) => {
                assert!(why.contains("does not list key SHA256:"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        let commit_signature = sign(&SigningKey::File(bob), "git", message).unwrap();
        match check("bob@x.io", &commit_signature, message) {
            SshVerdict::DoesNotVerify(why) => assert!(why.contains("namespace"), "{why}"),
            other => panic!("{other:?}"),
        }
        let garbage = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAA\n-----END SSH SIGNATURE-----\n";
        assert!(matches!(
            check("bob@x.io", garbage, message),
            SshVerdict::DoesNotVerify(_)
        ));
    }

    #[test]
    fn restricted_entries_say_how() {
        let dir = tempfile::tempdir().unwrap();
        let (bob, bob_pub) = keygen(dir.path(), "bob");
        let signers = format!("bob@x.io namespaces=\"git\" {bob_pub}\n");
        let signature = sign(&SigningKey::File(bob), NS, b"m").unwrap();
        match verify(
            signers.as_bytes(),
            "SIGNERS",
            "bob@x.io",
            NS,
            &signature,
            b"m",
        )
        .unwrap()
        {
            SshVerdict::KeyNotListed(why) => {
                assert!(why.contains("refuses this signature: SIGNERS:1:"), "{why}");
                assert!(!why.contains("iacgate-ssh-"), "no temporary path: {why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn principals_that_could_be_options_are_refused() {
        for principal in ["-Ohashalg=sha1", "", "a b@x", "*", "a,b@x"] {
            assert!(
                verify(b"", "f", principal, NS, "", b"").is_err(),
                "{principal:?}"
            );
        }
    }

    #[test]
    fn signing_keys_are_read_as_git_reads_them() {
        let home = Path::new("/home/bob");
        assert_eq!(
            SigningKey::from_git_config("~/.ssh/id_ed25519", Some(home)),
            SigningKey::File(home.join(".ssh/id_ed25519"))
        );
        assert_eq!(
            SigningKey::from_git_config("key::ssh-ed25519 AAAA", Some(home)),
            SigningKey::Literal("ssh-ed25519 AAAA".into())
        );
        assert_eq!(
            SigningKey::from_git_config("ssh-ed25519 AAAA x", None),
            SigningKey::Literal("ssh-ed25519 AAAA x".into())
        );
        assert_eq!(
            SigningKey::from_git_config("/k", None),
            SigningKey::File("/k".into())
        );
    }

    #[test]
    fn a_missing_key_file_is_an_error_that_names_it() {
        let err = sign(&SigningKey::File("/nonexistent/key".into()), NS, b"m").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/key"), "{err}");
    }
}
