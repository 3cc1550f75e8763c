//! iacgate's access to git: the only code in the project that touches git.
//!
//! Which paths a change touches is asked from git itself (`git diff --cached
//! --raw -z -M`, `git diff-tree --raw -z -M`): git alone knows exactly what
//! "staged" means (GIT_INDEX_FILE during `git commit -a`, split and sparse
//! indexes, the cache-tree). The objects named in that output (blobs,
//! commits, trees, the index, config) are then read with libgit2 (`git2`),
//! without further processes. Likewise for history: `git rev-list` says
//! which commits a push or a range brings, one `git log --raw -z` process
//! what all of them change, and `git verify-commit` whether a signature is
//! good. Hook input (pre-push, pre-receive) is parsed in [`push`]; SSH
//! signatures of approvals are made and checked by `ssh-keygen` in [`ssh`].
//!
//! Paths: git paths are bytes. They are turned into `String`s with
//! [`String::from_utf8_lossy`], so a non-UTF-8 path is shown with U+FFFD in
//! place of its invalid bytes (and cannot be read back by that name).
//!
//! Nothing here prints; every failure is a [`GitError`] that names what
//! failed.

pub mod invocation;
pub mod push;
mod range;
mod raw;
pub mod remote;
mod signature;
pub mod ssh;
pub mod trailers;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_history;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{ErrorCode, ObjectType, Oid, Repository};

pub use push::{
    is_zero_id, parse_pre_push, parse_pre_receive, read_hook_input, PushUpdate, RefUpdate,
};
pub use range::{CommitChanges, Known};
/// For the fuzz targets (fuzz/, docs/fuzzing.md): the raw diff parser.
#[doc(hidden)]
pub use raw::{parse_raw, RawEntry};
pub use signature::SignatureStatus;
pub use trailers::{parse_trailers, parse_trailers_commented, Trailer};

/// File mode of a gitlink (a submodule commit): there is no blob to read.
pub const MODE_GITLINK: u32 = 0o160000;
/// File mode of a symbolic link: the blob is the link target.
pub const MODE_SYMLINK: u32 = 0o120000;
const MODE_TREE: u32 = 0o040000;

/// Everything that can go wrong. Each variant names what failed; the message
/// of the underlying error is part of the display text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// No repository could be opened (not inside a git repository, bad
    /// GIT_DIR, unsafe ownership...).
    #[error("cannot open the git repository: {error}")]
    Open { error: git2::Error },
    /// The git executable could not be started.
    #[error("cannot run `{command}`: {error}")]
    Spawn {
        command: String,
        error: std::io::Error,
    },
    /// git ran and failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        command: String,
        status: String,
        stderr: String,
    },
    /// git's output was not what was asked for.
    #[error("unexpected output from `{command}`: {reason}")]
    Parse { command: String, reason: String },
    /// A revision does not name a commit.
    #[error("cannot resolve revision `{rev}` to a commit: {error}")]
    Revision { rev: String, error: git2::Error },
    /// An object, the index or the configuration could not be read.
    #[error("cannot read {what}: {error}")]
    Read { what: String, error: git2::Error },
    /// A hook's standard input is not what git writes (or is too large);
    /// `line` is 1-based.
    #[error("malformed {hook} input{}: {reason}", line.map(|n| format!(" on line {n}")).unwrap_or_default())]
    HookInput {
        hook: &'static str,
        line: Option<usize>,
        reason: String,
    },
    /// A revision range is not of the form `A..B`.
    #[error("bad revision range `{range}`: {reason}")]
    Range { range: String, reason: String },
    /// An argument cannot be handed to git (e.g. a remote name with glob
    /// characters).
    #[error("invalid {what}: {reason}")]
    Argument { what: String, reason: String },
    /// A file of iacgate's own state in the git directory could not be
    /// written.
    #[error("cannot write {what}: {error}")]
    Write { what: String, error: std::io::Error },
    /// A temporary file for ssh-keygen could not be written.
    #[error("cannot write a temporary {what}: {error}")]
    TempFile { what: String, error: std::io::Error },
}

/// How a path changed, from git's raw status letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeStatus {
    /// `A`
    Added,
    /// `M`
    Modified,
    /// `D`
    Deleted,
    /// `R<score>`: moved, with `score`% similarity.
    Renamed { score: u8 },
    /// `C<score>`: copied from `old_path`, with `score`% similarity.
    Copied { score: u8 },
    /// `T`: the type changed (file, symlink, submodule).
    TypeChanged,
    /// `U`: unmerged (conflicted) path; the index has no stage-0 entry.
    Unmerged,
    /// `X` or any letter this version does not know.
    Unknown,
}

/// One changed path with the contents of both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub status: ChangeStatus,
    /// None when added.
    pub old_path: Option<String>,
    /// None when deleted.
    pub new_path: Option<String>,
    /// Octal modes as numbers: 0o100644, 0o100755, 0o120000 (symlink),
    /// 0o160000 (gitlink); 0 when that side does not exist.
    pub old_mode: u32,
    pub new_mode: u32,
    /// Full hex object ids; None when that side does not exist (or, for an
    /// unmerged path, has no single blob).
    pub old_id: Option<String>,
    pub new_id: Option<String>,
    /// Blob contents. None when that side is absent or is a gitlink
    /// (submodule: no blob). Symlinks are never followed: for 0o120000 the
    /// contents are the link target text, as stored.
    pub old: Option<Vec<u8>>,
    pub new: Option<Vec<u8>>,
}

impl FileChange {
    /// The new path, or the old path for deletions.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }

    /// A rename whose contents did not change (a move).
    pub fn is_pure_rename(&self) -> bool {
        matches!(self.status, ChangeStatus::Renamed { .. })
            && self.old_id.is_some()
            && self.old_id == self.new_id
    }
}

/// A person as recorded in a commit or configured for the next one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

/// Metadata of one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hex id.
    pub id: String,
    /// The first paragraph of the message, on one line.
    pub summary: String,
    /// The whole raw message.
    pub message: String,
    pub author: Identity,
    pub committer: Identity,
    /// Full hex ids of the parents, first parent first.
    pub parents: Vec<String>,
}

/// An environment change applied to the git processes spawned and to the
/// variables read here: `Some` sets, `None` removes.
type EnvOverride = (OsString, Option<OsString>);

/// An open repository.
pub struct Repo {
    repo: Repository,
    /// Where git is run: the work tree, or the git directory when bare.
    run_dir: PathBuf,
    /// Absolute paths handed to the spawned git, so it sees the repository
    /// libgit2 opened whatever the current directory is.
    git_dir: PathBuf,
    work_tree: Option<PathBuf>,
    /// Absolute GIT_INDEX_FILE, when set.
    index_file: Option<PathBuf>,
    env: Vec<EnvOverride>,
    /// `core.commentString` as git sees it, once asked.
    comment: std::sync::OnceLock<String>,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("git_dir", &self.git_dir)
            .field("work_tree", &self.work_tree)
            .field("index_file", &self.index_file)
            .finish_non_exhaustive()
    }
}

/// Pathspec-interpreting variables that would change what the caller's
/// `:(glob)` pathspecs mean.
const PATHSPEC_ENV: [&str; 4] = [
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
];

/// The options of every staged diff: raw records, renames, full ids, and
/// nothing a user's configuration could change.
const STAGED_DIFF: [&str; 14] = [
    "-c",
    "core.quotepath=off",
    "-c",
    "diff.relative=false",
    "diff",
    "--cached",
    "--raw",
    "-z",
    "-M",
    "--no-abbrev",
    "--no-ext-diff",
    "--no-textconv",
    "--ignore-submodules=none",
    "--no-color",
];

/// The staged change's raw records (`git diff --cached --raw -z` against
/// HEAD, or everything staged on an unborn branch) for the paths
/// `pathspecs` match, asked from git in the current directory without
/// opening the repository. A pre-commit hook on a commit without IaC files
/// does nothing else, so it costs little more than git itself; with IaC
/// files, [`Repo::staged_changes_from_raw`] reads these records. The caller
/// must be at the top of the work tree (pathspecs are relative to it).
/// `None` when git fails: the full path then opens the repository and
/// reports what is wrong.
pub fn staged_raw(pathspecs: &[&str]) -> Option<Vec<u8>> {
    let mut cmd = Command::new("git");
    cmd.args(STAGED_DIFF)
        .arg("--")
        .args(pathspecs)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .env("GIT_OPTIONAL_LOCKS", "0");
    for key in PATHSPEC_ENV {
        cmd.env_remove(key);
    }
    let out = cmd.output().ok()?;
    out.status.success().then_some(out.stdout)
}

impl Repo {
    /// Opens the repository the way git does: GIT_DIR, GIT_WORK_TREE,
    /// GIT_INDEX_FILE, GIT_OBJECT_DIRECTORY, GIT_CEILING_DIRECTORIES... are
    /// honoured; otherwise it is discovered from the current directory.
    pub fn open_from_env() -> Result<Repo, GitError> {
        // git itself does not re-hash objects it reads from its own store;
        // libgit2 does by default, which costs a hook more than the rest of
        // its work in a large repository.
        git2::opts::strict_hash_verification(false);
        let repo = Repository::open_from_env().map_err(|error| GitError::Open { error })?;
        let index_file = std::env::var_os("GIT_INDEX_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Repo::from_parts(repo, index_file, Vec::new())
    }

    /// Opens the repository at `path` (no discovery, environment ignored for
    /// the opening), with `env` applied to spawned git processes and to the
    /// variables read here. A `GIT_INDEX_FILE` in `env` selects the index.
    #[cfg(test)]
    pub(crate) fn open_with_env(path: &Path, env: Vec<EnvOverride>) -> Result<Repo, GitError> {
        let repo = Repository::open(path).map_err(|error| GitError::Open { error })?;
        let index_file = env
            .iter()
            .rev()
            .find(|(k, _)| k == "GIT_INDEX_FILE")
            .and_then(|(_, v)| v.clone())
            .map(PathBuf::from);
        if let Some(index_path) = &index_file {
            let mut index = git2::Index::open(index_path).map_err(|error| GitError::Read {
                what: format!("the index {}", index_path.display()),
                error,
            })?;
            repo.set_index(&mut index).map_err(|error| GitError::Read {
                what: format!("the index {}", index_path.display()),
                error,
            })?;
        }
        Repo::from_parts(repo, index_file, env)
    }

    fn from_parts(
        repo: Repository,
        index_file: Option<PathBuf>,
        env: Vec<EnvOverride>,
    ) -> Result<Repo, GitError> {
        let git_dir = absolute(repo.path());
        let work_tree = if repo.is_bare() {
            None
        } else {
            repo.workdir().map(absolute)
        };
        let run_dir = work_tree.clone().unwrap_or_else(|| git_dir.clone());
        // A relative GIT_INDEX_FILE is relative to the current directory (for
        // git and libgit2 alike); the spawned git runs elsewhere.
        let index_file = index_file.map(|p| absolute(&p));
        Ok(Repo {
            repo,
            run_dir,
            git_dir,
            work_tree,
            index_file,
            env,
            comment: std::sync::OnceLock::new(),
        })
    }

    /// The underlying libgit2 repository.
    pub fn git2(&self) -> &Repository {
        &self.repo
    }

    /// The work tree, None when bare.
    pub fn workdir(&self) -> Option<&Path> {
        self.work_tree.as_deref()
    }

    /// The git directory.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The staged change exactly as `git commit` will record it: the index
    /// (GIT_INDEX_FILE when set) against HEAD, or against the empty tree when
    /// HEAD is unborn, limited to `pathspecs` (passed to git unchanged; none
    /// means every path). Contents are the index blobs, never the work tree,
    /// so partial staging is respected.
    pub fn staged_changes(&self, pathspecs: &[&str]) -> Result<Vec<FileChange>, GitError> {
        let base = match self.head_commit()? {
            Some(id) => id,
            None => self.empty_tree()?,
        };
        self.staged_changes_from(base, pathspecs)
    }

    /// Like [`Repo::staged_changes`], but against the commit `base` names
    /// instead of HEAD (`None`: the empty tree). For `git commit --amend`,
    /// where the commit being made replaces HEAD: its change is the index
    /// against HEAD's first parent (`HEAD~1`, or `None` when HEAD is a root
    /// commit).
    pub fn staged_changes_against(
        &self,
        base: Option<&str>,
        pathspecs: &[&str],
    ) -> Result<Vec<FileChange>, GitError> {
        let base = match base {
            Some(rev) => self.commit(rev)?.id(),
            None => self.empty_tree()?,
        };
        self.staged_changes_from(base, pathspecs)
    }

    fn staged_changes_from(
        &self,
        base: Oid,
        pathspecs: &[&str],
    ) -> Result<Vec<FileChange>, GitError> {
        let mut args: Vec<OsString> = STAGED_DIFF.iter().map(OsString::from).collect();
        args.push(base.to_string().into());
        args.push("--".into());
        args.extend(pathspecs.iter().map(OsString::from));
        self.diff(&args)
    }

    /// The change one commit makes against its first parent (the empty tree
    /// for a root commit), limited to `pathspecs`.
    pub fn commit_changes(
        &self,
        rev: &str,
        pathspecs: &[&str],
    ) -> Result<Vec<FileChange>, GitError> {
        let commit = self.commit(rev)?;
        let parent = if commit.parent_count() > 0 {
            commit.parent_id(0).map_err(|error| GitError::Read {
                what: format!("the first parent of {}", commit.id()),
                error,
            })?
        } else {
            self.empty_tree()?
        };
        self.tree_changes(parent, commit.id(), pathspecs)
    }

    /// The change from one commit's tree to another's, limited to
    /// `pathspecs`: what a ref update that is not a fast-forward does.
    pub fn changes_between(
        &self,
        from: &str,
        to: &str,
        pathspecs: &[&str],
    ) -> Result<Vec<FileChange>, GitError> {
        self.commits_between(from, to, pathspecs, "-M")
    }

    /// The best common ancestor of two commits, if they have one.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
        let (a, b) = (self.commit(a)?.id(), self.commit(b)?.id());
        match self.repo.merge_base(a, b) {
            Ok(id) => Ok(Some(id.to_string())),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(error) => Err(GitError::Read {
                what: format!("the merge base of {a} and {b}"),
                error,
            }),
        }
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors: whether
    /// moving a ref from one to the other is a fast-forward.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        let (a, d) = (self.commit(ancestor)?.id(), self.commit(descendant)?.id());
        if a == d {
            return Ok(true);
        }
        self.repo
            .graph_descendant_of(d, a)
            .map_err(|error| GitError::Read {
                what: format!("whether {a} is an ancestor of {d}"),
                error,
            })
    }

    /// Whether `rev` names a commit (a tag may name a blob or a tree).
    pub fn is_commit(&self, rev: &str) -> bool {
        self.commit(rev).is_ok()
    }

    /// The directory git runs hooks from, as `git rev-parse --git-path
    /// hooks` says: it honours `core.hooksPath` and linked worktrees.
    pub fn hooks_dir(&self) -> Result<PathBuf, GitError> {
        let args: Vec<OsString> = ["rev-parse", "--path-format=absolute", "--git-path", "hooks"]
            .iter()
            .map(OsString::from)
            .collect();
        let (command, out) = self.run_git(&args)?;
        let text = String::from_utf8(out).map_err(|_| GitError::Parse {
            command,
            reason: "the hooks path is not UTF-8".to_owned(),
        })?;
        Ok(PathBuf::from(text.trim_end_matches(['\n', '\r'])))
    }

    /// A configuration value as git reads it (repository, global, system).
    pub fn config_value(&self, key: &str) -> Option<String> {
        self.repo
            .config()
            .and_then(|mut c| c.snapshot())
            .and_then(|c| c.get_string(key))
            .ok()
    }

    /// Whether a remote of this name is configured (a push to a URL has
    /// none, and no remote-tracking refs).
    pub fn has_remote(&self, name: &str) -> bool {
        self.repo.find_remote(name).is_ok()
    }

    /// Whether any remote-tracking ref of `remote` exists
    /// (`refs/remotes/<remote>/...`): what a push to it can be judged from.
    pub fn has_remote_tracking_refs(&self, remote: &str) -> bool {
        self.repo
            .references_glob(&format!("refs/remotes/{remote}/*"))
            .is_ok_and(|mut refs| refs.next().is_some())
    }

    fn tree_changes(
        &self,
        from: Oid,
        to: Oid,
        pathspecs: &[&str],
    ) -> Result<Vec<FileChange>, GitError> {
        self.tree_changes_with(from, to, pathspecs, "-M")
    }

    /// The net change of a range of commits, from one commit's tree to
    /// another's: only exact renames are paired. Over many commits git's
    /// similarity guess pairs files the commits never moved (an example
    /// added in one directory with another's long-deleted file); the
    /// commits' own diffs say what moved.
    pub fn net_changes_between(
        &self,
        from: &str,
        to: &str,
        pathspecs: &[&str],
    ) -> Result<Vec<FileChange>, GitError> {
        self.commits_between(from, to, pathspecs, "-M100%")
    }

    fn commits_between(
        &self,
        from: &str,
        to: &str,
        pathspecs: &[&str],
        renames: &str,
    ) -> Result<Vec<FileChange>, GitError> {
        let from = self.commit(from)?.id();
        let to = self.commit(to)?.id();
        self.tree_changes_with(from, to, pathspecs, renames)
    }

    fn tree_changes_with(
        &self,
        from: Oid,
        to: Oid,
        pathspecs: &[&str],
        renames: &str,
    ) -> Result<Vec<FileChange>, GitError> {
        let mut args: Vec<OsString> = [
            "-c",
            "core.quotepath=off",
            "diff-tree",
            "-r",
            "--raw",
            "-z",
            renames,
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=none",
            "--no-color",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.push(from.to_string().into());
        args.push(to.to_string().into());
        args.push("--".into());
        args.extend(pathspecs.iter().map(OsString::from));
        self.diff(&args)
    }

    /// Metadata of the commit `rev` names.
    pub fn commit_info(&self, rev: &str) -> Result<CommitInfo, GitError> {
        let commit = self.commit(rev)?;
        let identity = |sig: git2::Signature<'_>| Identity {
            name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        };
        Ok(CommitInfo {
            id: commit.id().to_string(),
            summary: commit
                .summary_bytes()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default(),
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            author: identity(commit.author()),
            committer: identity(commit.committer()),
            parents: commit.parent_ids().map(|id| id.to_string()).collect(),
        })
    }

    /// The author git will record for the commit being made:
    /// GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL (git exports them to its hooks),
    /// else `author.name` / `author.email`, else `user.name` / `user.email`
    /// (and EMAIL for the address) from the configuration. None when no
    /// email is known; the name is empty when only the email is known.
    ///
    /// `git -c user.email=...` (GIT_CONFIG_PARAMETERS) is not seen by
    /// libgit2; git exports GIT_AUTHOR_* to commit hooks, which covers it.
    pub fn pending_author(&self) -> Option<Identity> {
        let config = self.repo.config().ok()?.snapshot().ok();
        let from_config = |keys: &[&str]| -> Option<String> {
            let config = config.as_ref()?;
            keys.iter()
                .find_map(|k| config.get_bytes(k).ok().filter(|v| !v.is_empty()))
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        let name = self
            .env_var("GIT_AUTHOR_NAME")
            .or_else(|| from_config(&["author.name", "user.name"]))
            .unwrap_or_default();
        let email = self
            .env_var("GIT_AUTHOR_EMAIL")
            .or_else(|| from_config(&["author.email", "user.email"]))
            .or_else(|| self.env_var("EMAIL"))?;
        Some(Identity { name, email })
    }

    /// A file as staged (stage 0 of the index); None when absent, a
    /// submodule, a directory of a sparse index, or only intended to be added
    /// (`git add -N`). A symlink's contents are its target text.
    pub fn index_file(&self, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let index = self.index()?;
        let path = normalize(path);
        let Some(entry) = index.get_path(Path::new(path), 0) else {
            return Ok(None);
        };
        if !is_blob_mode(entry.mode)
            || entry.flags_extended & (git2::IndexEntryExtendedFlag::INTENT_TO_ADD.bits()) != 0
        {
            return Ok(None);
        }
        self.blob(entry.id, path).map(Some)
    }

    /// Every stage-0 file of the index whose path `select` accepts, with its
    /// contents: the tree as the next commit would record it. Submodules
    /// and symlinks are left out. The index is read once, whatever the
    /// number of files.
    pub fn index_files_where(
        &self,
        select: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        let index = self.index()?;
        let mut files = Vec::new();
        for entry in index.iter() {
            let stage = (entry.flags >> 12) & 0x3;
            let path = String::from_utf8_lossy(&entry.path);
            if stage != 0
                || entry.mode == MODE_SYMLINK
                || !is_blob_mode(entry.mode)
                || entry.flags_extended & git2::IndexEntryExtendedFlag::INTENT_TO_ADD.bits() != 0
                || !select(&path)
            {
                continue;
            }
            let bytes = self.blob(entry.id, &path)?;
            files.push((path.into_owned(), bytes));
        }
        Ok(files)
    }

    /// Paths (repo-relative, '/'-separated) of the stage-0 index entries
    /// directly in `dir` ("" is the root), not recursive. Submodules are left
    /// out; symlinks are included.
    pub fn index_dir_files(&self, dir: &str) -> Result<Vec<String>, GitError> {
        let index = self.index()?;
        let dir = normalize(dir);
        let prefix = if dir.is_empty() {
            Vec::new()
        } else {
            format!("{dir}/").into_bytes()
        };
        let start = if prefix.is_empty() {
            0
        } else {
            match index.find_prefix(prefix.as_slice()) {
                Ok(i) => i,
                Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
                Err(error) => {
                    return Err(GitError::Read {
                        what: "the index".to_owned(),
                        error,
                    })
                }
            }
        };
        let mut files = Vec::new();
        for i in start..index.len() {
            let Some(entry) = index.get(i) else { break };
            let Some(name) = entry.path.strip_prefix(prefix.as_slice()) else {
                break;
            };
            let stage = (entry.flags >> 12) & 0x3;
            if stage != 0
                || name.contains(&b'/')
                || !is_blob_mode(entry.mode)
                || entry.flags_extended & git2::IndexEntryExtendedFlag::INTENT_TO_ADD.bits() != 0
            {
                continue;
            }
            files.push(String::from_utf8_lossy(&entry.path).into_owned());
        }
        files.dedup();
        Ok(files)
    }

    /// A file at revision `rev`; None when absent, a directory or a
    /// submodule. A symlink's contents are its target text.
    /// The target of the symlink at `path` in `rev` (`None`: the index),
    /// when `path` is one.
    pub fn symlink_at(&self, rev: Option<&str>, path: &str) -> Result<Option<String>, GitError> {
        let path = normalize(path);
        if path.is_empty() {
            return Ok(None);
        }
        let (mode, id) = match rev {
            None => {
                let index = self.index()?;
                match index.get_path(Path::new(path), 0) {
                    Some(entry) => (entry.mode, entry.id),
                    None => return Ok(None),
                }
            }
            Some(rev) => {
                let commit = self.commit(rev)?;
                let tree = self.tree_of(&commit)?;
                match tree.get_path(Path::new(path)) {
                    Ok(entry) => (entry.filemode() as u32, entry.id()),
                    Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
                    Err(error) => {
                        return Err(GitError::Read {
                            what: format!("`{path}` at {rev}"),
                            error,
                        })
                    }
                }
            }
        };
        if mode != MODE_SYMLINK {
            return Ok(None);
        }
        let bytes = self.blob(id, path)?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    pub fn file_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let commit = self.commit(rev)?;
        let tree = self.tree_of(&commit)?;
        let path = normalize(path);
        if path.is_empty() {
            return Ok(None);
        }
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(error) => {
                return Err(GitError::Read {
                    what: format!("`{path}` at {rev}"),
                    error,
                })
            }
        };
        if entry.kind() != Some(ObjectType::Blob) || !is_blob_mode(entry.filemode() as u32) {
            return Ok(None);
        }
        self.blob(entry.id(), path).map(Some)
    }

    /// Paths (repo-relative, '/'-separated) of the files directly in `dir`
    /// ("" is the root) at revision `rev`, not recursive; empty when `dir`
    /// does not exist there. Submodules are left out; symlinks are included.
    pub fn dir_files_at(&self, rev: &str, dir: &str) -> Result<Vec<String>, GitError> {
        let commit = self.commit(rev)?;
        let root = self.tree_of(&commit)?;
        let dir = normalize(dir);
        let tree = if dir.is_empty() {
            root
        } else {
            let entry = match root.get_path(Path::new(dir)) {
                Ok(entry) => entry,
                Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
                Err(error) => {
                    return Err(GitError::Read {
                        what: format!("`{dir}` at {rev}"),
                        error,
                    })
                }
            };
            if entry.kind() != Some(ObjectType::Tree) {
                return Ok(Vec::new());
            }
            self.repo
                .find_tree(entry.id())
                .map_err(|error| GitError::Read {
                    what: format!("tree `{dir}` at {rev}"),
                    error,
                })?
        };
        Ok(tree
            .iter()
            .filter(|e| e.kind() == Some(ObjectType::Blob) && is_blob_mode(e.filemode() as u32))
            .map(|e| {
                let name = String::from_utf8_lossy(e.name_bytes());
                if dir.is_empty() {
                    name.into_owned()
                } else {
                    format!("{dir}/{name}")
                }
            })
            .collect())
    }

    /// Every regular file named `name`, in any directory, with its contents:
    /// of the index (`rev` None) or of revision `rev`. Submodules and
    /// symlinks are left out.
    pub fn files_named(
        &self,
        rev: Option<&str>,
        name: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        self.files_where(rev, |path| path.rsplit('/').next() == Some(name))
    }

    /// Every regular file whose path `select` accepts, with its contents:
    /// of the index (`rev` None) or of revision `rev` (which works in a bare
    /// repository). Submodules and symlinks are left out.
    pub fn files_where(
        &self,
        rev: Option<&str>,
        select: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        let Some(rev) = rev else {
            return self.index_files_where(select);
        };
        let commit = self.commit(rev)?;
        let tree = self.tree_of(&commit)?;
        let mut found = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let mode = entry.filemode() as u32;
            if entry.kind() == Some(ObjectType::Blob) && mode != MODE_SYMLINK && is_blob_mode(mode)
            {
                let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
                if select(&path) {
                    found.push((path, entry.id()));
                }
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|error| GitError::Read {
            what: format!("the tree of {rev}"),
            error,
        })?;
        found
            .into_iter()
            .map(|(path, id)| {
                let bytes = self.blob(id, &path)?;
                Ok((path, bytes))
            })
            .collect()
    }

    /// The paths of every regular file (symlinks too) that `select`
    /// accepts, of the index (`rev` None) or of revision `rev`; no contents
    /// read. Submodules are left out.
    pub fn paths_where(
        &self,
        rev: Option<&str>,
        select: impl Fn(&str) -> bool,
    ) -> Result<Vec<String>, GitError> {
        let mut found = Vec::new();
        let Some(rev) = rev else {
            let index = self.index()?;
            for entry in index.iter() {
                let stage = (entry.flags >> 12) & 0x3;
                let path = String::from_utf8_lossy(&entry.path);
                if stage == 0 && is_blob_mode(entry.mode) && select(&path) {
                    found.push(path.into_owned());
                }
            }
            return Ok(found);
        };
        let commit = self.commit(rev)?;
        let tree = self.tree_of(&commit)?;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) && is_blob_mode(entry.filemode() as u32) {
                let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
                if select(&path) {
                    found.push(path);
                }
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|error| GitError::Read {
            what: format!("the tree of {rev}"),
            error,
        })?;
        Ok(found)
    }

    /// Every path a change touches, either side, whatever its name: from
    /// revision `base` (`None`: the empty tree) to revision `new` (`None`:
    /// the index). Names only, no contents read: for files that other
    /// files read under any name (Terragrunt's `include`), which the IaC
    /// pathspecs cannot select.
    pub fn changed_paths(
        &self,
        base: Option<&str>,
        new: Option<&str>,
    ) -> Result<Vec<String>, GitError> {
        let read = |what: &str, error| GitError::Read {
            what: what.to_owned(),
            error,
        };
        let base_tree = match base {
            Some(rev) => Some(self.tree_of(&self.commit(rev)?)?),
            None => None,
        };
        let diff = match new {
            Some(rev) => {
                let tree = self.tree_of(&self.commit(rev)?)?;
                self.repo
                    .diff_tree_to_tree(base_tree.as_ref(), Some(&tree), None)
                    .map_err(|e| read(&format!("the change of {rev}"), e))?
            }
            None => {
                // git reads a large index faster than libgit2 loads it.
                let base = match base_tree {
                    Some(tree) => tree.id(),
                    None => self.empty_tree()?,
                };
                let args: Vec<OsString> = [
                    "-c",
                    "core.quotepath=off",
                    "diff",
                    "--cached",
                    "--name-only",
                    "-z",
                    "--no-renames",
                    "--no-ext-diff",
                    "--ignore-submodules=none",
                ]
                .iter()
                .map(OsString::from)
                .chain([OsString::from(base.to_string()), OsString::from("--")])
                .collect();
                let (_, out) = self.run_git(&args)?;
                let mut paths: Vec<String> = out
                    .split(|&b| b == 0)
                    .filter(|p| !p.is_empty())
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect();
                paths.sort();
                paths.dedup();
                return Ok(paths);
            }
        };
        let mut paths: Vec<String> = diff
            .deltas()
            .flat_map(|d| [d.old_file().path_bytes(), d.new_file().path_bytes()])
            .flatten()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// When `rev` was committed: seconds since the Unix epoch, UTC.
    pub fn commit_time(&self, rev: &str) -> Result<i64, GitError> {
        Ok(self.commit(rev)?.committer().when().seconds())
    }

    /// The repository's name: its work tree's directory name, or the git
    /// directory's without `.git` for a bare repository.
    pub fn name(&self) -> String {
        let dir = match self.repo.workdir() {
            Some(workdir) => workdir.to_path_buf(),
            None => self.repo.path().to_path_buf(),
        };
        let name = dir
            .components()
            .next_back()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.strip_suffix(".git") {
            Some(stem) if !stem.is_empty() => stem.to_owned(),
            _ => name,
        }
    }

    /// True when HEAD names a branch that has no commit yet.
    pub fn is_unborn(&self) -> bool {
        matches!(self.repo.head(), Err(e) if e.code() == ErrorCode::UnbornBranch)
    }

    /// Whether git is set to sign new commits (`commit.gpgSign`). A
    /// `git commit -S` on the command line is not visible to hooks.
    pub fn signs_commits(&self) -> bool {
        self.repo
            .config()
            .and_then(|mut c| c.snapshot())
            .and_then(|c| c.get_bool("commit.gpgsign"))
            .unwrap_or(false)
    }

    /// The comment character of commit messages: `core.commentChar` (or
    /// `core.commentString`, first character), '#' by default and for
    /// "auto".
    pub fn comment_char(&self) -> char {
        let Ok(config) = self.repo.config().and_then(|mut c| c.snapshot()) else {
            return '#';
        };
        ["core.commentString", "core.commentChar"]
            .iter()
            .find_map(|k| config.get_string(k).ok())
            .filter(|v| v != "auto")
            .and_then(|v| v.chars().next())
            .unwrap_or('#')
    }

    /// What starts a comment line of a commit message, as the git that
    /// runs the hook sees it: `core.commentString`, then
    /// `core.commentChar`, including `git -c ...` on its command line
    /// (which libgit2 does not see), whole (it may be longer than one
    /// character); `#` when unset or `auto`. Asked once.
    pub fn comment_prefix(&self) -> &str {
        self.comment.get_or_init(|| {
            for key in ["core.commentString", "core.commentChar"] {
                let args = [OsString::from("config"), "--get".into(), key.into()];
                let Ok((_, out)) = self.git_output(&args, None, &[]) else {
                    continue;
                };
                let value = String::from_utf8_lossy(&out.stdout);
                let value = value.trim_end_matches(['\n', '\r']);
                if out.status.success() && !value.is_empty() {
                    return match value {
                        "auto" => "#".to_owned(),
                        v => v.to_owned(),
                    };
                }
            }
            "#".to_owned()
        })
    }

    /// True for a bare repository (a server's, where pre-receive runs).
    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// Resolves a revision to the full id of the commit it names (an
    /// annotated tag is peeled). `Ok(None)` when it does not exist locally:
    /// an unknown name or id (all-zero ids included), a path past the root
    /// (`HEAD~99`), an unborn HEAD. A revision that exists but names no
    /// commit (a tree, a blob) is an error, as is an ambiguous short id.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>, GitError> {
        let object = match self.repo.revparse_single(rev) {
            Ok(object) => object,
            Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::UnbornBranch) => {
                return Ok(None)
            }
            Err(error) => {
                return Err(GitError::Revision {
                    rev: rev.to_owned(),
                    error,
                })
            }
        };
        let commit = object
            .peel_to_commit()
            .map_err(|error| GitError::Revision {
                rev: rev.to_owned(),
                error,
            })?;
        Ok(Some(commit.id().to_string()))
    }

    /// The author date of a commit as `GIT_AUTHOR_DATE` takes it, e.g. to
    /// keep the date of an amended commit: `@<seconds since the epoch>
    /// <+hhmm|-hhmm>`.
    pub fn author_date_raw(&self, rev: &str) -> Result<String, GitError> {
        let when = self.commit(rev)?.author().when();
        let offset = when.offset_minutes().unsigned_abs();
        // `-0000` (unknown zone) keeps its sign.
        let sign = if when.offset_minutes() < 0 || when.sign() == '-' {
            '-'
        } else {
            '+'
        };
        Ok(format!(
            "@{} {sign}{:02}{:02}",
            when.seconds(),
            offset / 60,
            offset % 60
        ))
    }

    /// The commits being merged by the commit in progress: the ids in
    /// `$GIT_DIR/MERGE_HEAD` (one per line), empty when no merge is in
    /// progress. Lines that are not object ids are left out.
    pub fn merge_heads(&self) -> Vec<String> {
        let Ok(bytes) = std::fs::read(self.git_dir.join("MERGE_HEAD")) else {
            return Vec::new();
        };
        bytes
            .split(|&b| b == b'\n')
            .filter_map(|line| {
                let line = std::str::from_utf8(line).ok()?.trim();
                let hex = line.split_whitespace().next()?;
                Oid::from_str_ext(hex, self.repo.object_format())
                    .ok()
                    .filter(|id| (hex.len() == 40 || hex.len() == 64) && !id.is_zero())
                    .map(|id| id.to_string())
            })
            .collect()
    }

    /// The path of a file of iacgate's own in the git directory,
    /// `<git dir>/iacgate/<name>` (e.g. state kept between the
    /// prepare-commit-msg and commit-msg hooks). For a linked worktree this
    /// is in the worktree's own git directory (`.git/worktrees/<name>`),
    /// like `git rev-parse --git-path`. The directory may not exist yet.
    pub fn state_path(&self, name: &str) -> PathBuf {
        self.git_dir.join("iacgate").join(name)
    }

    /// The full name of the branch HEAD names (`refs/heads/main`), when
    /// HEAD is a symbolic ref: a server's default branch.
    pub fn default_branch(&self) -> Option<String> {
        let head = self.repo.find_reference("HEAD").ok()?;
        head.symbolic_target().ok().flatten().map(str::to_owned)
    }

    /// Where the server remembers the last tip of a deleted ref: a file
    /// under `iacgate/deleted/`, since git forbids ref updates inside the
    /// quarantine that pre-receive runs in.
    fn deleted_record(&self, refname: &str) -> Option<PathBuf> {
        // Only names git itself would accept as refs come here; still, no
        // component may climb out of the directory.
        let safe = refname.starts_with("refs/")
            && refname
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..");
        safe.then(|| self.state_path("deleted").join(refname))
    }

    /// Remember that `refname` was deleted at `old`, so that a ref created
    /// later under that name is judged from `old`, like a force push.
    pub fn remember_deleted(&self, refname: &str, old: &str) -> Result<(), GitError> {
        let Some(path) = self.deleted_record(refname) else {
            return Ok(());
        };
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, format!("{old}\n"))
        };
        write().map_err(|error| GitError::Write {
            what: path.display().to_string(),
            error,
        })
    }

    /// The tip `refname` had when it was last deleted here, if remembered.
    pub fn deleted_tip(&self, refname: &str) -> Option<String> {
        let path = self.deleted_record(refname)?;
        let text = std::fs::read_to_string(path).ok()?;
        let id = text.trim();
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_owned())
    }

    /// The push options of the push being received (`git push -o ...`),
    /// as git hands them to pre-receive.
    pub fn push_options(&self) -> Vec<String> {
        let count = self
            .env_var("GIT_PUSH_OPTION_COUNT")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        (0..count.min(64))
            .filter_map(|i| self.env_var(&format!("GIT_PUSH_OPTION_{i}")))
            .collect()
    }

    // ----- internals -----

    fn env_var(&self, key: &str) -> Option<String> {
        let value = match self.env.iter().rev().find(|(k, _)| k == key) {
            Some((_, v)) => v.clone(),
            None => std::env::var_os(key),
        }?;
        Some(value.to_string_lossy().into_owned())
    }

    /// HEAD's commit id; None when unborn.
    fn head_commit(&self) -> Result<Option<Oid>, GitError> {
        let head = match self.repo.head() {
            Ok(head) => head,
            Err(e) if e.code() == ErrorCode::UnbornBranch => return Ok(None),
            Err(error) => {
                return Err(GitError::Revision {
                    rev: "HEAD".to_owned(),
                    error,
                })
            }
        };
        // A branch names its commit directly: no object needs reading (a
        // hook on a repository with no IaC change does little else).
        if let (true, Some(id)) = (head.is_branch(), head.target()) {
            return Ok(Some(id));
        }
        let commit = head.peel_to_commit().map_err(|error| GitError::Revision {
            rev: "HEAD".to_owned(),
            error,
        })?;
        Ok(Some(commit.id()))
    }

    /// The id of the empty tree in this repository's hash. git knows that
    /// object without it being stored, so nothing is written.
    pub(crate) fn empty_tree(&self) -> Result<Oid, GitError> {
        Oid::hash_object_ext(ObjectType::Tree, &[], self.repo.object_format()).map_err(|error| {
            GitError::Read {
                what: "the empty tree id".to_owned(),
                error,
            }
        })
    }

    pub(crate) fn commit(&self, rev: &str) -> Result<git2::Commit<'_>, GitError> {
        self.repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|error| GitError::Revision {
                rev: rev.to_owned(),
                error,
            })
    }

    fn tree_of<'r>(&'r self, commit: &git2::Commit<'r>) -> Result<git2::Tree<'r>, GitError> {
        commit.tree().map_err(|error| GitError::Read {
            what: format!("the tree of commit {}", commit.id()),
            error,
        })
    }

    fn index(&self) -> Result<git2::Index, GitError> {
        let what = || match &self.index_file {
            Some(p) => format!("the index {}", p.display()),
            None => "the index".to_owned(),
        };
        let mut index = self.repo.index().map_err(|error| GitError::Read {
            what: what(),
            error,
        })?;
        // Pick up changes made on disk since it was loaded.
        index.read(false).map_err(|error| GitError::Read {
            what: what(),
            error,
        })?;
        Ok(index)
    }

    fn blob(&self, id: Oid, path: &str) -> Result<Vec<u8>, GitError> {
        self.repo
            .find_blob(id)
            .map(|b| b.content().to_vec())
            .map_err(|error| GitError::Read {
                what: format!("blob {id} of `{path}`"),
                error,
            })
    }

    /// Runs a raw diff and loads the blobs it names.
    /// The staged change from the records [`staged_raw`] gave.
    pub fn staged_changes_from_raw(&self, raw: &[u8]) -> Result<Vec<FileChange>, GitError> {
        self.changes_from_raw("git diff --cached --raw -z", raw)
    }

    fn diff(&self, args: &[OsString]) -> Result<Vec<FileChange>, GitError> {
        let (command, out) = self.run_git(args)?;
        self.changes_from_raw(&command, &out)
    }

    fn changes_from_raw(&self, command: &str, out: &[u8]) -> Result<Vec<FileChange>, GitError> {
        let entries = raw::parse_raw(out).map_err(|reason| GitError::Parse {
            command: command.to_owned(),
            reason,
        })?;
        entries
            .into_iter()
            .map(|entry| self.load(entry, command))
            .collect()
    }

    pub(crate) fn load(&self, entry: raw::RawEntry, command: &str) -> Result<FileChange, GitError> {
        let src = String::from_utf8_lossy(&entry.src).into_owned();
        let dst = entry
            .dst
            .as_ref()
            .map(|d| String::from_utf8_lossy(d).into_owned());
        let (old_path, new_path) = match entry.status {
            ChangeStatus::Added => (None, Some(src)),
            ChangeStatus::Deleted => (Some(src), None),
            ChangeStatus::Renamed { .. } | ChangeStatus::Copied { .. } => (Some(src), dst),
            _ => (Some(src.clone()), Some(src)),
        };
        let old_id = self.side_id(&entry.old_id, entry.old_mode, command)?;
        let new_id = self.side_id(&entry.new_id, entry.new_mode, command)?;
        let old = match (&old_id, &old_path) {
            (Some(id), Some(path)) if is_blob_mode(entry.old_mode) => Some(self.blob(*id, path)?),
            _ => None,
        };
        let new = match (&new_id, &new_path) {
            (Some(id), Some(path)) if is_blob_mode(entry.new_mode) => Some(self.blob(*id, path)?),
            _ => None,
        };
        Ok(FileChange {
            status: entry.status,
            old_path,
            new_path,
            old_mode: entry.old_mode,
            new_mode: entry.new_mode,
            old_id: old_id.map(|id| id.to_string()),
            new_id: new_id.map(|id| id.to_string()),
            old,
            new,
        })
    }

    /// The object id of one side; None when the side is absent (all-zero id
    /// or mode 0).
    fn side_id(&self, hex: &str, mode: u32, command: &str) -> Result<Option<Oid>, GitError> {
        if mode == 0 || hex.bytes().all(|b| b == b'0') {
            return Ok(None);
        }
        Oid::from_str_ext(hex, self.repo.object_format())
            .map(Some)
            .map_err(|e| GitError::Parse {
                command: command.to_owned(),
                reason: format!("bad object id `{hex}`: {}", e.message()),
            })
    }

    /// Runs git in the repository, returning the command line (for errors)
    /// and its standard output.
    pub(crate) fn run_git(&self, args: &[OsString]) -> Result<(String, Vec<u8>), GitError> {
        self.run_git_input(args, None)
    }

    /// [`Repo::run_git`] with `input` written to git's standard input.
    pub(crate) fn run_git_input(
        &self,
        args: &[OsString],
        input: Option<&[u8]>,
    ) -> Result<(String, Vec<u8>), GitError> {
        let (command, out) = self.git_output(args, input, &[])?;
        if !out.status.success() {
            return Err(GitError::Command {
                command,
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim_end().to_owned(),
            });
        }
        Ok((command, out.stdout))
    }

    /// Runs git in the repository with `input` on its standard input (none:
    /// /dev/null) and `extra_env` set, whatever its exit status.
    pub(crate) fn git_output(
        &self,
        args: &[OsString],
        input: Option<&[u8]>,
        extra_env: &[(&str, &str)],
    ) -> Result<(String, std::process::Output), GitError> {
        let command = std::iter::once(OsStr::new("git"))
            .chain(args.iter().map(OsString::as_os_str))
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(&self.run_dir)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for key in PATHSPEC_ENV {
            cmd.env_remove(key);
        }
        // Never rewrite the index (stat refresh) from a hook.
        cmd.env("GIT_OPTIONAL_LOCKS", "0");
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        // Point git at exactly what libgit2 opened, independent of the
        // current directory and of relative paths in the environment.
        cmd.env("GIT_DIR", &self.git_dir);
        match &self.work_tree {
            Some(w) => cmd.env("GIT_WORK_TREE", w),
            None => cmd.env_remove("GIT_WORK_TREE"),
        };
        match &self.index_file {
            Some(i) => cmd.env("GIT_INDEX_FILE", i),
            None => cmd.env_remove("GIT_INDEX_FILE"),
        };
        cmd.envs(extra_env.iter().copied());
        let spawn_error = |error| GitError::Spawn {
            command: command.clone(),
            error,
        };
        let mut child = cmd.spawn().map_err(spawn_error)?;
        let out = match (input, child.stdin.take()) {
            (Some(input), Some(mut stdin)) => std::thread::scope(|scope| {
                // Written from another thread so that git's output never
                // fills its pipe while we are still writing. A write error
                // (git exited early) shows in the exit status.
                scope.spawn(move || {
                    use std::io::Write;
                    let _ = stdin.write_all(input);
                });
                child.wait_with_output()
            }),
            _ => child.wait_with_output(),
        }
        .map_err(spawn_error)?;
        Ok((command, out))
    }
}

/// Regular files, executables and symlinks have a blob; gitlinks and sparse
/// directory entries do not.
fn is_blob_mode(mode: u32) -> bool {
    mode != 0 && mode != MODE_GITLINK && mode & 0o170000 != MODE_TREE
}

/// Accepts "dir/", "./dir" and "/dir" for "dir".
fn normalize(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    if p == "." {
        return "";
    }
    p.trim_matches('/')
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
