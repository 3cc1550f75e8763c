//! Commit signatures, checked by `git verify-commit` with the repository's
//! own configuration (`gpg.format`, `gpg.ssh.allowedSignersFile`,
//! `gpg.minTrustLevel`, GNUPGHOME...).

use std::ffi::OsString;

use crate::{GitError, Repo};

/// What `git verify-commit` says about a commit's signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignatureStatus {
    /// git accepts the signature. `signer` is who signed as git's `%GS`
    /// shows it: the principal matched in the allowed signers file for SSH,
    /// the user id (`Name <email>`) for OpenPGP (the key id when the key has
    /// none); for another format, the first line of its output.
    Good { signer: String },
    /// The commit carries a signature that git does not accept: e.g. `No
    /// principal matched.`, `BAD signature from ...`, `Can't check
    /// signature: No public key ...`, or why the check could not run.
    Bad { reason: String },
    /// The commit carries no signature.
    Unsigned,
}

/// Commit header fields that hold a signature (SHA-1 and SHA-256 repositories).
const SIGNATURE_HEADERS: [&str; 2] = ["gpgsig", "gpgsig-sha256"];

impl Repo {
    /// Checks the signature of the commit `id` (a revision) with `git
    /// verify-commit --raw`: exit 0 is [`SignatureStatus::Good`]; a commit
    /// whose header has no `gpgsig` / `gpgsig-sha256` field (read with
    /// libgit2 first) is [`SignatureStatus::Unsigned`]; anything else is
    /// [`SignatureStatus::Bad`] with the first meaningful line git or the
    /// signing program printed (in the C locale). Works for OpenPGP and SSH
    /// signatures (`gpg.format=ssh` with `gpg.ssh.allowedSignersFile`).
    pub fn verify_commit(&self, id: &str) -> Result<SignatureStatus, GitError> {
        let commit = self.commit(id)?;
        let signed = SIGNATURE_HEADERS
            .iter()
            .any(|field| commit.header_field_bytes(field).is_ok());
        if !signed {
            return Ok(SignatureStatus::Unsigned);
        }
        let args: Vec<OsString> = vec![
            "verify-commit".into(),
            "--raw".into(),
            commit.id().to_string().into(),
        ];
        let (_, out) = self.git_output(&args, None, &[("LC_ALL", "C")])?;
        // git relays the signing program's report on stderr; read stdout too
        // in case a version moves it.
        let mut report = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.stdout.is_empty() {
            report.push('\n');
            report.push_str(&String::from_utf8_lossy(&out.stdout));
        }
        Ok(if out.status.success() {
            SignatureStatus::Good {
                signer: signer(&report),
            }
        } else {
            SignatureStatus::Bad {
                reason: reason(&report, &out.status.to_string()),
            }
        })
    }
}

/// `[GNUPG:] <KEYWORD> <args>` status lines of `gpg --status-fd`.
fn gpg_status<'a>(report: &'a str, keyword: &str) -> Option<&'a str> {
    report.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("[GNUPG:] ")?;
        match rest.split_once(' ') {
            Some((word, args)) if word == keyword => Some(args.trim()),
            None if rest == keyword => Some(""),
            _ => None,
        }
    })
}

/// For `GOODSIG <key id> <user id>`-shaped arguments: the user id, else the
/// key id.
fn user_id(args: &str) -> String {
    match args.split_once(' ') {
        Some((_, uid)) if !uid.trim().is_empty() => uid.trim().to_owned(),
        Some((key, _)) => key.to_owned(),
        None => args.to_owned(),
    }
}

const SSH_GOOD: &str = "Good \"git\" signature for ";

fn signer(report: &str) -> String {
    if let Some(args) = gpg_status(report, "GOODSIG") {
        return user_id(args);
    }
    // ssh-keygen: `Good "git" signature for <principal> with <type> key <fp>`,
    // read as git does.
    if let Some(principal) = report.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(SSH_GOOD)?;
        Some(rest.split_once(" with ").map_or(rest, |(p, _)| p))
    }) {
        return principal.to_owned();
    }
    report
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned()
}

fn reason(report: &str, status: &str) -> String {
    // OpenPGP, from the machine-readable status lines `--raw` gives.
    if let Some(args) = gpg_status(report, "BADSIG") {
        return format!("BAD signature from {}", user_id(args));
    }
    if let Some(key) = gpg_status(report, "NO_PUBKEY") {
        return format!("Can't check signature: No public key {key}");
    }
    if let Some(args) = gpg_status(report, "ERRSIG") {
        let key = args.split(' ').next().unwrap_or_default();
        return format!("Can't check signature made by key {key}");
    }
    for (keyword, but) in [
        ("EXPKEYSIG", "the key has expired"),
        ("REVKEYSIG", "the key has been revoked"),
        ("EXPSIG", "the signature has expired"),
    ] {
        if let Some(args) = gpg_status(report, keyword) {
            return format!("Good signature from {}, but {but}", user_id(args));
        }
    }
    if let Some(args) = gpg_status(report, "GOODSIG") {
        return format!(
            "Good signature from {}, but its key is not trusted enough (gpg.minTrustLevel)",
            user_id(args)
        );
    }
    // SSH and everything else: the first line that says what went wrong,
    // not the `Good "git" signature with ... key` line ssh-keygen prints
    // before `No principal matched.`, nor gpg's informational lines.
    let informative = |line: &&str| {
        !line.is_empty()
            && !line.starts_with("[GNUPG:]")
            && !line.starts_with("Good \"")
            && !line.starts_with("gpg: Signature made")
            && !line.starts_with("gpg:                using")
            && !line.starts_with("sig_find_principals:")
    };
    report
        .lines()
        .map(str::trim)
        .find(informative)
        .map(|line| line.strip_prefix("error: ").unwrap_or(line).to_owned())
        .unwrap_or_else(|| format!("git verify-commit failed ({status}) without saying why"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpg_reports() {
        let good = "[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 1B5913A28B979A5B Gee Pee <gp@example.com>\n\
                    [GNUPG:] VALIDSIG 3D9F 2026-11-27\n";
        assert_eq!(signer(good), "Gee Pee <gp@example.com>");
        assert_eq!(
            signer("[GNUPG:] GOODSIG 1B5913A28B979A5B\n"),
            "1B5913A28B979A5B"
        );
        let missing =
            "[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG 1B5913A28B979A5B 22 8 00 1795752737 9 3D9F\n\
                       [GNUPG:] NO_PUBKEY 1B5913A28B979A5B\n";
        assert_eq!(
            reason(missing, "1"),
            "Can't check signature: No public key 1B5913A28B979A5B"
        );
        assert_eq!(
            reason("[GNUPG:] BADSIG 1B59 Eve <e@x>\n", "1"),
            "BAD signature from Eve <e@x>"
        );
        assert_eq!(
            reason("[GNUPG:] EXPKEYSIG 1B59 Old <o@x>\n", "1"),
            "Good signature from Old <o@x>, but the key has expired"
        );
        assert_eq!(
            reason("[GNUPG:] EXPSIG 1B59 Old <o@x>\n", "1"),
            "Good signature from Old <o@x>, but the signature has expired"
        );
    }

    #[test]
    fn ssh_reports() {
        assert_eq!(
            signer("Good \"git\" signature for good@example.com with ED25519 key SHA256:zx\n"),
            "good@example.com"
        );
        assert_eq!(
            reason(
                "Good \"git\" signature with ED25519 key SHA256:Dk\nNo principal matched.\n",
                "1"
            ),
            "No principal matched."
        );
        assert_eq!(
            reason(
                "Good \"git\" signature with ED25519 key SHA256:zx\n\
                 Unable to open allowed keys file \"/x\": No such file or directory\n\
                 sig_find_principals: sshsig_find_principal: No such file or directory\n\
                 No principal matched.\n",
                "1"
            ),
            "Unable to open allowed keys file \"/x\": No such file or directory"
        );
        assert_eq!(
            reason("error: cannot run gpg: No such file or directory\n", "1"),
            "cannot run gpg: No such file or directory"
        );
        assert_eq!(
            reason("\n", "exit status: 1"),
            "git verify-commit failed (exit status: 1) without saying why"
        );
    }
}
