//! `git ls-remote`: the only network access of iacgate, made by `pin` and
//! `verify` alone, when asked.
//!
//! git itself is asked, so the user's own configuration applies: credential
//! helpers, `url.<base>.insteadOf` rewrites, proxies, SSH keys. Three things
//! are not left to configuration, because the URLs come from files under
//! review: git may not prompt for a password (a hook or CI job would hang),
//! the `ext::` transport (which runs a command) is refused, and a URL that
//! starts with `-` is refused before git sees it.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One ref a remote advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRef {
    /// `refs/tags/v1.2.3`, `refs/tags/v1.2.3^{}` (the commit an annotated
    /// tag points to), `refs/heads/main`.
    pub name: String,
    /// The object id, as hex.
    pub id: String,
}

/// Why a remote's refs could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("{url:?} is not a URL git may be asked about: {reason}")]
    Refused { url: String, reason: &'static str },
    #[error("cannot run `git ls-remote`: {0}")]
    Spawn(String),
    #[error("no answer from {url:?} within {} s", timeout.as_secs())]
    Timeout { url: String, timeout: Duration },
    #[error("git ls-remote {url:?} failed: {stderr}")]
    Failed { url: String, stderr: String },
    #[error("unexpected output from git ls-remote {url:?}: {line:?}")]
    Parse { url: String, line: String },
}

/// The tags and branches of the repository at `url`, asked from the
/// repository (or directory) `dir`, so that its configuration applies.
/// Gives up after `timeout`.
pub fn ls_remote(dir: &Path, url: &str, timeout: Duration) -> Result<Vec<RemoteRef>, RemoteError> {
    refuse(url)?;
    let mut command = Command::new("git");
    command
        .args([
            "-c",
            "protocol.ext.allow=never",
            "ls-remote",
            "--tags",
            "--heads",
            "--",
        ])
        .arg(url)
        .current_dir(dir);
    let (out, _) = run(command, url, timeout)?;
    parse_ls_remote(url, &out)
}

/// Whether the repository at `url` has the commit `commit` (a full id),
/// reachable or not from its refs: fetched by id, one commit deep and
/// without trees where the server allows, into a throw-away repository.
/// The `url.*`, `http.*`, `credential.*` and `core.sshCommand` settings of
/// the repository `dir` apply, as they do to [`ls_remote`] (the user's
/// global configuration applies anyway). `Ok(false)` when the remote says
/// it has no such object.
pub fn has_commit(
    dir: &Path,
    url: &str,
    commit: &str,
    timeout: Duration,
) -> Result<bool, RemoteError> {
    refuse(url)?;
    if !(matches!(commit.len(), 40 | 64) && commit.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(RemoteError::Refused {
            url: commit.to_owned(),
            reason: "not a full commit id",
        });
    }
    let scratch = tempfile::tempdir().map_err(|e| RemoteError::Spawn(e.to_string()))?;
    let format = if commit.len() == 64 { "sha256" } else { "sha1" };
    let init = Command::new("git")
        .args(["init", "-q", "--bare"])
        .arg(format!("--object-format={format}"))
        .arg(scratch.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| RemoteError::Spawn(e.to_string()))?;
    if !init.status.success() {
        return Err(RemoteError::Spawn(
            String::from_utf8_lossy(&init.stderr).trim().to_owned(),
        ));
    }
    let mut command = Command::new("git");
    for (key, value) in transport_config(dir) {
        command.arg("-c").arg(format!("{key}={value}"));
    }
    command
        .args([
            "-c",
            "protocol.ext.allow=never",
            "fetch",
            "-q",
            "--no-tags",
            "--no-write-fetch-head",
            "--depth=1",
            "--filter=tree:0",
            "--",
        ])
        .arg(url)
        .arg(commit)
        .current_dir(scratch.path());
    match run(command, url, timeout) {
        Ok(_) => Ok(true),
        Err(RemoteError::Failed { stderr, .. })
            if [
                "not our ref",
                "no such remote ref",
                "couldn't find remote ref",
            ]
            .iter()
            .any(|m| stderr.contains(m)) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The transport settings of `dir`'s own configuration (`git config
/// --local`): what a throw-away repository would not see otherwise.
fn transport_config(dir: &Path) -> Vec<(String, String)> {
    let Ok(out) = Command::new("git")
        .args([
            "config",
            "--local",
            "-z",
            "--get-regexp",
            r"^(url|http|credential)\.|^core\.sshcommand$",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter_map(|entry| {
            let (key, value) = entry.split_once('\n')?;
            Some((key.to_owned(), value.to_owned()))
        })
        .collect()
}

fn refuse(url: &str) -> Result<(), RemoteError> {
    if url.starts_with('-') {
        return Err(RemoteError::Refused {
            url: url.to_owned(),
            reason: "it starts with `-`",
        });
    }
    if url.chars().any(char::is_control) {
        return Err(RemoteError::Refused {
            url: url.to_owned(),
            reason: "it contains control characters",
        });
    }
    Ok(())
}

/// Run a git transport command: no prompt, its own process group, given
/// up (and the group killed) after `timeout`. Its stdout and stderr.
fn run(
    mut command: Command,
    url: &str,
    timeout: Duration,
) -> Result<(Vec<u8>, Vec<u8>), RemoteError> {
    let mut child = command
        .env("GIT_TERMINAL_PROMPT", "0")
        // A group of its own, so that a timeout ends the transport too (an
        // `ssh` git started), and no prompt can take the terminal.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RemoteError::Spawn(e.to_string()))?;
    // Read both pipes on their own threads, so the wait below can give up:
    // a hung transport (or an SSH helper that keeps a pipe open) leaves a
    // reader behind, never the caller.
    let (tx, rx) = mpsc::channel();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let errors = std::thread::spawn(move || {
            if let Some(pipe) = stderr.as_mut() {
                let _ = pipe.read_to_end(&mut err);
            }
            err
        });
        if let Some(pipe) = stdout.as_mut() {
            let _ = pipe.read_to_end(&mut out);
        }
        let err = errors.join().unwrap_or_default();
        let _ = tx.send((out, err));
    });
    let (out, err) = match rx.recv_timeout(timeout) {
        Ok(output) => output,
        Err(_) => {
            if let Ok(group) = i32::try_from(child.id()) {
                // SAFETY: kill(2) with a negative pid signals the process
                // group just created for this child; no memory is touched.
                unsafe { libc::kill(-group, libc::SIGKILL) };
            }
            let _ = child.kill();
            let _ = child.wait();
            return Err(RemoteError::Timeout {
                url: url.to_owned(),
                timeout,
            });
        }
    };
    let status = child
        .wait()
        .map_err(|e| RemoteError::Spawn(e.to_string()))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&err);
        let stderr = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("warning: filtering not recognized"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(RemoteError::Failed {
            url: url.to_owned(),
            stderr: if stderr.is_empty() {
                status.to_string()
            } else {
                stderr
            },
        });
    }
    Ok((out, err))
}

/// `<id>\t<ref>` lines. Public for the fuzz targets (fuzz/).
#[doc(hidden)]
pub fn parse_ls_remote(url: &str, out: &[u8]) -> Result<Vec<RemoteRef>, RemoteError> {
    let text = String::from_utf8_lossy(out);
    let mut refs = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let parsed = line.split_once('\t').filter(|(id, name)| {
            matches!(id.len(), 40 | 64)
                && id.bytes().all(|b| b.is_ascii_hexdigit())
                && name.starts_with("refs/")
        });
        let Some((id, name)) = parsed else {
            return Err(RemoteError::Parse {
                url: url.to_owned(),
                line: line.to_owned(),
            });
        };
        refs.push(RemoteRef {
            name: name.to_owned(),
            id: id.to_ascii_lowercase(),
        });
    }
    Ok(refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_peeled_tags_and_branches() {
        let out = format!(
            "{a}\trefs/heads/main\n{b}\trefs/tags/v2\n{a}\trefs/tags/v2^{{}}\n",
            a = "6f6abd0ebe487a23a127182870b72faeec9211e1",
            b = "A73CD05F49BCEACA6D30886157B133A343EA2646"
        );
        let refs = parse_ls_remote("u", out.as_bytes()).unwrap();
        assert_eq!(refs.len(), 3);
        assert_eq!(refs[2].name, "refs/tags/v2^{}");
        assert_eq!(refs[1].id, "a73cd05f49bceaca6d30886157b133a343ea2646");
    }

    #[test]
    fn has_commit_fetches_by_id_through_the_repositorys_rewrites() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@t")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@t")
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        git(&["init", "-q", "-b", "main", "work"]);
        git(&["-C", "work", "commit", "-q", "--allow-empty", "-m", "a"]);
        let old = git(&["-C", "work", "rev-parse", "HEAD"]);
        git(&["-C", "work", "commit", "-q", "--allow-empty", "-m", "b"]);
        git(&["init", "-q", "--bare", "up.git"]);
        git(&["-C", "work", "push", "-q", "../up.git", "main"]);
        git(&["init", "-q", "infra"]);
        let base = format!("file://{}/", dir.path().display());
        git(&[
            "-C",
            "infra",
            "config",
            &format!("url.{base}.insteadOf"),
            "https://example.invalid/",
        ]);
        let infra = dir.path().join("infra");
        let url = "https://example.invalid/up.git";
        let t = Duration::from_secs(20);
        // Not a ref tip, still there.
        assert_eq!(has_commit(&infra, url, &old, t), Ok(true));
        assert_eq!(
            has_commit(&infra, url, "0123456789abcdef0123456789abcdef01234567", t),
            Ok(false)
        );
        assert!(matches!(
            has_commit(&infra, url, "main", t),
            Err(RemoteError::Refused { .. })
        ));
    }

    #[test]
    fn refuses_what_is_not_ls_remote_output() {
        let err = parse_ls_remote("u", b"hello\tworld\n").unwrap_err();
        assert!(matches!(err, RemoteError::Parse { .. }));
    }

    #[test]
    fn refuses_option_like_urls_before_running_git() {
        let err = ls_remote(
            Path::new("."),
            "--upload-pack=touch x",
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(matches!(err, RemoteError::Refused { .. }));
    }

    #[test]
    fn a_timeout_ends_the_transport_git_started_too() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .status()
                .unwrap()
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        // An SSH transport that never answers.
        git(&["config", "core.sshCommand", "sleep 37.25 #"]);
        let started = std::time::Instant::now();
        let err = ls_remote(
            dir.path(),
            "ssh://example.invalid/x.git",
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(matches!(err, RemoteError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(200));
        let left = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|cmdline| String::from_utf8_lossy(cmdline).contains("37.25"))
            .count();
        assert_eq!(left, 0, "the transport outlived the timeout");
    }
}
