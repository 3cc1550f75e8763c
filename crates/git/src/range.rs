//! Commits to judge: what a push, a receive or a `A..B` range brings, and
//! the change each of those commits makes.
//!
//! Which commits are new is asked from `git rev-list`; the changes of all of
//! them come from a single `git log --raw -z` process fed the ids on its
//! standard input; commit metadata and blobs are then read with libgit2.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;

use git2::Oid;

use crate::raw::{self, RawEntry};
use crate::{CommitInfo, FileChange, GitError, Repo};

/// What a new tip must not be compared with: commits already known upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known<'a> {
    /// The old tip of the ref (a revision; the remote's id in pre-push,
    /// `<old id>` in pre-receive). When it does not exist locally (the
    /// remote moved on since the last fetch; an all-zero id) the commits
    /// reachable from any remote-tracking ref (`refs/remotes/*`, every
    /// remote) are excluded instead; with none of those, nothing is.
    Commit(&'a str),
    /// Every remote-tracking ref of the remote named so
    /// (`refs/remotes/<name>/*`): for pushing a new branch. With no such
    /// refs nothing is excluded.
    RemoteRefs(&'a str),
    /// Every existing ref (`--all`): for pre-receive of a new branch, where
    /// the new commits are not referenced yet.
    AllRefs,
    /// Every remote-tracking ref of every remote: for a push to a URL that
    /// is not a configured remote.
    AnyRemote,
    /// Nothing: the whole history of the tip.
    Nothing,
}

/// One commit and the change it makes against its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitChanges {
    pub info: CommitInfo,
    pub changes: Vec<FileChange>,
}

impl Repo {
    /// The commits reachable from `tip` and not from `known`, parents before
    /// children (`git rev-list --reverse --topo-order <tip> --not ...`), as
    /// full ids. Merge commits are included. `tip` must name a commit
    /// ([`GitError::Revision`] otherwise); see [`Known`] for what happens
    /// when the old tip is missing.
    pub fn new_commits(&self, tip: &str, known: Known<'_>) -> Result<Vec<String>, GitError> {
        let tip = self.commit(tip)?.id();
        let mut args: Vec<OsString> = vec![
            "--no-replace-objects".into(),
            "rev-list".into(),
            "--reverse".into(),
            "--topo-order".into(),
            tip.to_string().into(),
        ];
        match known {
            Known::Commit(rev) => match self.resolve(rev)? {
                Some(old) => args.push(format!("^{old}").into()),
                None => args.extend(["--not".into(), "--remotes".into()]),
            },
            Known::RemoteRefs(remote) => {
                check_remote_name(remote)?;
                args.extend(["--not".into(), format!("--remotes={remote}").into()]);
            }
            Known::AllRefs => args.extend(["--not".into(), "--all".into()]),
            Known::AnyRemote => args.extend(["--not".into(), "--remotes".into()]),
            Known::Nothing => {}
        }
        args.push("--".into());
        let (command, out) = self.run_git(&args)?;
        let text = std::str::from_utf8(&out).map_err(|_| GitError::Parse {
            command: command.clone(),
            reason: "output is not UTF-8".to_owned(),
        })?;
        text.lines()
            .map(|line| self.parse_oid(line, &command).map(|id| id.to_string()))
            .collect()
    }

    /// The commits of `A..B` as users write it for `check --range` (as
    /// [`Repo::new_commits`]`(B, Known::Commit(A))`), parents before
    /// children. An empty side is HEAD, as in git (`origin/main..`). `A...B`
    /// (symmetric difference) is refused: it would also judge the commits
    /// of A that B lacks. Both sides must name existing commits.
    pub fn range_commits(&self, range: &str) -> Result<Vec<String>, GitError> {
        let bad = |reason: &str| GitError::Range {
            range: range.to_owned(),
            reason: reason.to_owned(),
        };
        let Some((from, to)) = range.split_once("..") else {
            return Err(bad("expected `A..B`"));
        };
        if to.starts_with('.') {
            return Err(bad(
                "`A...B` (symmetric difference) is not supported; use `A..B`, \
                 e.g. `$(git merge-base A B)..B`",
            ));
        }
        if to.contains("..") {
            return Err(bad("expected a single `..`"));
        }
        if from.is_empty() && to.is_empty() {
            return Err(bad("expected `A..B`"));
        }
        let from = if from.is_empty() { "HEAD" } else { from };
        let to = if to.is_empty() { "HEAD" } else { to };
        let from = self.commit(from)?.id().to_string();
        let to = self.commit(to)?.id().to_string();
        self.new_commits(&to, Known::Commit(&from))
    }

    /// Each commit's change against its first parent (the empty tree for a
    /// root commit), limited to `pathspecs`, in the order of `ids`, with the
    /// blobs loaded as [`Repo::commit_changes`] does. Merge commits are
    /// diffed against their first parent only. A commit that touches no
    /// matching path is present with no changes. `ids` are revisions,
    /// resolved with libgit2 ([`GitError::Revision`] when one does not
    /// name a commit).
    ///
    /// One git process serves all commits: `git log --stdin
    /// --no-walk=unsorted --full-history --sparse --raw -z -M
    /// --diff-merges=first-parent --format=%x01%H -- <pathspecs>`, where
    /// `--full-history --sparse` keeps the commits the pathspecs do not touch
    /// in the output, so that every commit asked for must be answered for.
    ///
    /// In a shallow clone, git diffs a boundary commit against the empty
    /// tree (its parents are not there), so all its files show as added.
    pub fn commits_changes(
        &self,
        ids: &[String],
        pathspecs: &[&str],
    ) -> Result<Vec<CommitChanges>, GitError> {
        let commits = ids
            .iter()
            .map(|id| self.commit(id).map(|c| c.id()))
            .collect::<Result<Vec<Oid>, GitError>>()?;
        if commits.is_empty() {
            return Ok(Vec::new());
        }
        let mut seen = HashSet::new();
        let mut input = String::new();
        for id in &commits {
            if seen.insert(*id) {
                input.push_str(&format!("{id}\n"));
            }
        }
        let mut args: Vec<OsString> = [
            "--no-replace-objects",
            "-c",
            "core.quotepath=off",
            "-c",
            "diff.relative=false",
            "-c",
            "log.showRoot=true",
            "-c",
            "log.follow=false",
            "log",
            "--stdin",
            "--no-walk=unsorted",
            "--full-history",
            "--sparse",
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=none",
            "--no-color",
            "--no-show-signature",
            "--no-notes",
            "--diff-merges=first-parent",
            "--format=%x01%H",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.push("--".into());
        args.extend(pathspecs.iter().map(OsString::from));
        let (command, out) = self.run_git_input(&args, Some(input.as_bytes()))?;
        let mut by_commit = self.parse_log(&out, &command)?;
        for id in &seen {
            if !by_commit.contains_key(id) {
                return Err(GitError::Parse {
                    command: command.clone(),
                    reason: format!("no output for commit {id}"),
                });
            }
        }
        if by_commit.len() != seen.len() {
            return Err(GitError::Parse {
                command,
                reason: "output for a commit that was not asked for".to_owned(),
            });
        }
        let mut result = Vec::with_capacity(commits.len());
        for (i, id) in commits.iter().enumerate() {
            // A repeated id gets a copy; the last use takes the entries.
            let entries = if commits[i + 1..].contains(id) {
                by_commit.get(id).cloned().unwrap_or_default()
            } else {
                by_commit.remove(id).unwrap_or_default()
            };
            let changes = entries
                .into_iter()
                .map(|entry| self.load(entry, &command))
                .collect::<Result<Vec<FileChange>, GitError>>()?;
            result.push(CommitChanges {
                info: self.commit_info(&id.to_string())?,
                changes,
            });
        }
        Ok(result)
    }

    /// Splits `git log --raw -z --format=%x01%H` output into the raw records
    /// of each commit. Fields are read in order (a path is never taken for
    /// a header, whatever bytes it holds): `\x01<id>` starts a commit, then
    /// come its records, the first one after a newline.
    fn parse_log(
        &self,
        out: &[u8],
        command: &str,
    ) -> Result<HashMap<Oid, Vec<RawEntry>>, GitError> {
        let parse_error = |reason: String| GitError::Parse {
            command: command.to_owned(),
            reason,
        };
        let mut by_commit: HashMap<Oid, Vec<RawEntry>> = HashMap::new();
        let mut current: Option<Oid> = None;
        let mut fields = out.split(|&b| b == 0);
        while let Some(field) = fields.next() {
            if field.is_empty() || field == b"\n" {
                continue;
            }
            if let Some(hex) = field.strip_prefix(b"\x01") {
                let hex = std::str::from_utf8(hex)
                    .map_err(|_| parse_error("commit id is not ASCII".to_owned()))?;
                let id = self.parse_oid(hex, command)?;
                if by_commit.insert(id, Vec::new()).is_some() {
                    return Err(parse_error(format!("commit {id} shown twice")));
                }
                current = Some(id);
                continue;
            }
            let Some(id) = current else {
                return Err(parse_error(format!(
                    "expected a commit, got `{}`",
                    String::from_utf8_lossy(field)
                )));
            };
            let header = field.strip_prefix(b"\n").unwrap_or(field);
            let entry = raw::parse_record(header, &mut fields).map_err(parse_error)?;
            by_commit.entry(id).or_default().push(entry);
        }
        Ok(by_commit)
    }

    /// A full object id of this repository's hash, as git prints it.
    fn parse_oid(&self, hex: &str, command: &str) -> Result<Oid, GitError> {
        let well_formed =
            (hex.len() == 40 || hex.len() == 64) && hex.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed
            .then(|| Oid::from_str_ext(hex, self.git2().object_format()).ok())
            .flatten()
            .ok_or_else(|| GitError::Parse {
                command: command.to_owned(),
                reason: format!("bad object id `{hex}`"),
            })
    }
}

/// A remote name that `--remotes=<name>` takes literally: what git accepts
/// as a remote name has no glob characters and cannot start with `-`.
fn check_remote_name(name: &str) -> Result<(), GitError> {
    let reason = if name.is_empty() {
        Some("empty")
    } else if name.starts_with('-') {
        Some("starts with `-`")
    } else if name
        .chars()
        .any(|c| matches!(c, '*' | '?' | '[' | '\\') || c.is_whitespace() || c.is_control())
    {
        Some("contains a glob character, whitespace or a control character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(GitError::Argument {
            what: format!("remote name `{name}`"),
            reason: reason.to_owned(),
        }),
        None => Ok(()),
    }
}
