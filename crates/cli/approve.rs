//! `iacgate approve`: a reviewer's SSH-signed approval of the findings that
//! need a sign-off in a change (docs/approvals.md). It shows the delta,
//! asks, signs it with `ssh-keygen`, and prints the two trailers the author
//! adds to the commit.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context};
use iacgate_core::approval::{self, ApprovalToken, Delta};
use iacgate_core::pin::printable;
use iacgate_core::signoff;
use iacgate_git::ssh::{self, SigningKey, SshVerdict};
use iacgate_git::Repo;
use serde::Serialize;

use crate::args::{ApproveArgs, ApproveFormat};
use crate::check::{self, Gate, Request, Target};
use crate::render;
use crate::{EXIT_BLOCKED, EXIT_ERROR, EXIT_OK};

/// One signed approval, ready to hand over.
#[derive(Serialize)]
struct Signed {
    /// `None`: the staged change.
    commit: Option<String>,
    summary: Option<String>,
    /// The exact bytes that were signed (docs/approvals.md).
    delta: String,
    trailers: [Trailer; 2],
}

#[derive(Serialize)]
struct Trailer {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    approvals: &'a [Signed],
}

pub fn run(args: ApproveArgs) -> anyhow::Result<u8> {
    let repo = Repo::open_from_env()?;
    let target = match (&args.commit, &args.range) {
        (Some(rev), _) => Target::Commit(rev.clone()),
        (_, Some(range)) => Target::Range(range.clone()),
        _ => Target::Staged,
    };
    let approver = identity(&repo)?;
    let request = Request {
        target: target.clone(),
        message_file: None,
        config: None,
        pre_commit: false,
        hook: false,
        approving: true,
        prefetched: None,
        format: crate::args::Format::Human,
    };
    let Some(outcome) = check::collect(&repo, &request)? else {
        return Ok(EXIT_ERROR);
    };
    let mut err = anstream::stderr();
    if outcome.deltas.is_empty() {
        writeln!(
            err,
            "iacgate approve: nothing in {} needs a sign-off; there is nothing to approve",
            describe(&target)
        )?;
        return Ok(EXIT_OK);
    }
    let Some(gate) = outcome.gate else {
        bail!("no policy was read for {}", describe(&target));
    };
    let summary_of = |id: &str| {
        outcome
            .commits
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.summary.clone())
    };
    writeln!(
        err,
        "iacgate approve: as {approver}, the findings that need a sign-off in {}:",
        describe(&target)
    )?;
    for (commit, delta) in &outcome.deltas {
        match commit {
            Some(range) if range.contains("..") => writeln!(
                err,
                "\nthe range {} as a whole (what its commits each hide)",
                short_range(range)
            )?,
            Some(id) => writeln!(
                err,
                "\ncommit {} {}",
                render::short_id(id),
                printable(&summary_of(id).unwrap_or_default())
            )?,
            None => writeln!(err, "\nthe staged change")?,
        }
        for entry in delta.entries() {
            writeln!(err, "  {}", printable(&entry.summary))?;
        }
    }
    let blocking: Vec<String> = outcome
        .findings
        .iter()
        .filter(|f| f.is_blocking() && !f.needs_signoff())
        .map(|f| format!("{}:{} [{}]", printable(&f.file), f.line, f.rule.name))
        .collect();
    if !blocking.is_empty() {
        writeln!(
            err,
            "\nnote: an approval does not clear these, which block on their own: {}",
            blocking.join(", ")
        )?;
    }
    if !gate.policy.signoff.require_signature {
        writeln!(
            err,
            "\nnote: the policy does not set `[signoff] require_signature = true`: the gates do not check the signature"
        )?;
    }
    let key = signing_key(&repo, &args)?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            writeln!(
                err,
                "iacgate approve: standard input is not a terminal, so nobody can confirm: \
                 read the findings above and pass --yes to sign them"
            )?;
            return Ok(EXIT_ERROR);
        }
        write!(err, "\nSign this approval as {approver}? [y/N] ")?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            writeln!(err, "iacgate approve: not approved; nothing was signed")?;
            return Ok(EXIT_BLOCKED);
        }
    }
    let reviewer_key = signoff::approval_key(&gate.policy.signoff).to_owned();
    let mut signed = Vec::new();
    let mut refused = false;
    for (commit, delta) in &outcome.deltas {
        let message = delta.to_bytes();
        let armored = ssh::sign(&key, approval::NAMESPACE, &message)
            .context("ssh-keygen could not sign the approval")?;
        let token = ApprovalToken::from_armored(delta.locators(), &armored)
            .map_err(|why| anyhow::anyhow!("{why}"))?;
        refused |= !self_check(&gate, &approver.email, &armored, delta, &mut err)?;
        signed.push(Signed {
            commit: commit.clone(),
            summary: commit.as_deref().and_then(summary_of),
            delta: String::from_utf8_lossy(&message).into_owned(),
            trailers: [
                Trailer {
                    key: reviewer_key.clone(),
                    value: approver.to_string(),
                },
                Trailer {
                    key: approval::TRAILER.to_owned(),
                    value: token.render(),
                },
            ],
        });
    }
    match args.format {
        ApproveFormat::Json => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(
                &mut out,
                &JsonReport {
                    version: 1,
                    approvals: &signed,
                },
            )?;
            writeln!(out)?;
        }
        ApproveFormat::Human => {
            let per_commit = signed.len() > 1 || matches!(target, Target::Range(_));
            print_trailers(&signed, per_commit, &mut err)?
        }
    }
    // Signed, but the gates will refuse it (said above): not a success.
    Ok(if refused { EXIT_BLOCKED } else { EXIT_OK })
}

/// The trailers on standard output, under a `# commit` line each when
/// `per_commit` (a range), and how to add them on standard error.
fn print_trailers(signed: &[Signed], per_commit: bool, err: &mut impl Write) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for approval in signed {
        if per_commit {
            if let Some(range) = approval.commit.as_deref().filter(|c| c.contains("..")) {
                writeln!(
                    out,
                    "# the range {} as a whole: on any commit of it",
                    short_range(range)
                )?;
            } else if let Some(id) = &approval.commit {
                writeln!(
                    out,
                    "# commit {} {}",
                    render::short_id(id),
                    printable(approval.summary.as_deref().unwrap_or_default())
                )?;
            }
        }
        for trailer in &approval.trailers {
            writeln!(out, "{}: {}", trailer.key, trailer.value)?;
        }
    }
    out.flush()?;
    let [person, signature] = &signed[0].trailers;
    let arguments = format!(
        "--trailer \"{}: {}\" --trailer \"{}: {}\"",
        person.key, person.value, signature.key, signature.value
    );
    let how = match (&signed[0].commit, per_commit) {
        (None, _) => format!("commit with: git commit {arguments}"),
        (Some(_), false) => format!(
            "add them to the commit: git commit --amend --no-edit {arguments} (an older commit: `git rebase -i` and reword it)"
        ),
        (Some(_), true) => {
            "each pair belongs to its commit: `git rebase -i` and reword each with its two lines"
                .to_owned()
        }
    };
    writeln!(err, "\nhand these trailers to the author, who can {how}")?;
    Ok(())
}

/// Warns when the base's allowed signers will not accept the approval just
/// made: better told now than by the author's hook. `false` when it warned.
fn self_check(
    gate: &Gate,
    email: &str,
    armored: &str,
    delta: &Delta,
    err: &mut impl Write,
) -> anyhow::Result<bool> {
    let Some(signers) = &gate.signers else {
        return Ok(true);
    };
    let problem = match &signers.bytes {
        Err(why) => Some(why.clone()),
        Ok(bytes) => match ssh::verify(
            bytes,
            &signers.label,
            email,
            approval::NAMESPACE,
            armored,
            &delta.to_bytes(),
        )? {
            SshVerdict::Verified(_) => None,
            SshVerdict::KeyNotListed(why) | SshVerdict::DoesNotVerify(why) => Some(why),
        },
    };
    if let Some(problem) = &problem {
        writeln!(
            err,
            "warning: the gates will not accept this approval as it stands: {problem}"
        )?;
    }
    Ok(problem.is_none())
}

/// The approver: `user.name` and `user.email` from git's configuration.
struct Approver {
    name: String,
    email: String,
}

impl std::fmt::Display for Approver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

fn identity(repo: &Repo) -> anyhow::Result<Approver> {
    let value = |key: &str| repo.config_value(key).filter(|v| !v.trim().is_empty());
    let (Some(name), Some(email)) = (value("user.name"), value("user.email")) else {
        bail!(
            "the approval names you by git's user.name and user.email; set them: \
             git config user.name \"Your Name\" && git config user.email you@example.com"
        );
    };
    let email = email.trim().to_owned();
    if !approval::is_principal(&email) {
        bail!("user.email `{email}` is not an email address an allowed signers file can list");
    }
    if name.contains(['<', '>', '\n']) {
        bail!("user.name `{name}` cannot go in a trailer (it holds `<`, `>` or a newline)");
    }
    Ok(Approver {
        name: name.trim().to_owned(),
        email,
    })
}

/// `--key FILE`, else git's SSH signing key (`gpg.format=ssh` with
/// `user.signingkey`).
fn signing_key(repo: &Repo, args: &ApproveArgs) -> anyhow::Result<SigningKey> {
    if let Some(path) = &args.key {
        return Ok(SigningKey::File(path.clone()));
    }
    let format = repo.config_value("gpg.format").unwrap_or_default();
    let Some(configured) = repo.config_value("user.signingkey") else {
        bail!(
            "no SSH key to sign with: pass --key ~/.ssh/id_ed25519 (or its .pub, with the key \
             in ssh-agent), or set git's: git config gpg.format ssh && git config user.signingkey ~/.ssh/id_ed25519"
        );
    };
    if !format.eq_ignore_ascii_case("ssh") {
        bail!(
            "user.signingkey is not an SSH key (gpg.format is `{}`): approvals are SSH \
             signatures; pass --key FILE with an SSH key",
            if format.is_empty() {
                "openpgp"
            } else {
                &format
            }
        );
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    Ok(SigningKey::from_git_config(&configured, home.as_deref()))
}

/// `base..tip` with both ids shortened.
fn short_range(range: &str) -> String {
    match range.split_once("..") {
        Some((base, tip)) => format!("{}..{}", render::short_id(base), render::short_id(tip)),
        None => range.to_owned(),
    }
}

fn describe(target: &Target) -> String {
    match target {
        Target::Commit(rev) => format!("commit {rev}"),
        Target::Range(range) => format!("the range {range}"),
        _ => "the staged change".to_owned(),
    }
}
