//! `iacgate check` and the hooks: read the change from git, judge it with
//! the core, print, and decide the exit code.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use iacgate_core::analysis::{dir_of, Analysis, FileInput, Sibling};
use iacgate_core::extract::{FileKind, PATHSPECS};
use iacgate_core::policy::{Policy, POLICY_FILE};
use iacgate_core::signoff::{self, CommitContext, Stage};
use iacgate_git::{FileChange, Repo, MODE_GITLINK, MODE_SYMLINK};

use crate::args::Format;
use crate::render;
use crate::{EXIT_BLOCKED, EXIT_ERROR, EXIT_OK};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Staged,
    Commit(String),
}

#[derive(Debug)]
pub struct Request {
    pub target: Target,
    pub message_file: Option<PathBuf>,
    /// `--config FILE`: a policy to try instead of the base revision's.
    pub config: Option<PathBuf>,
    /// The pre-commit hook: no message yet, sign-offs are pending.
    pub pre_commit: bool,
    /// A hook: say nothing when the change has no IaC file.
    pub hook: bool,
    pub format: Format,
}

impl Request {
    pub fn pre_commit() -> Request {
        Request {
            target: Target::Staged,
            message_file: None,
            config: None,
            pre_commit: true,
            hook: true,
            format: Format::Human,
        }
    }

    pub fn commit_msg(message_file: PathBuf) -> Request {
        Request {
            target: Target::Staged,
            message_file: Some(message_file),
            config: None,
            pre_commit: false,
            hook: true,
            format: Format::Human,
        }
    }
}

/// Where the two sides of a change are read from: the base revision (none
/// for a first commit) and the new tree (the index, or a commit).
struct Sides {
    base: Option<String>,
    new: NewTree,
}

enum NewTree {
    Index,
    Commit(String),
}

impl Sides {
    fn of(repo: &Repo, target: &Target) -> anyhow::Result<Sides> {
        Ok(match target {
            Target::Staged => Sides {
                base: (!repo.is_unborn()).then(|| "HEAD".to_owned()),
                new: NewTree::Index,
            },
            Target::Commit(rev) => {
                let info = repo.commit_info(rev)?;
                Sides {
                    base: info.parents.into_iter().next(),
                    new: NewTree::Commit(info.id),
                }
            }
        })
    }

    fn read_new(&self, repo: &Repo, path: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(match &self.new {
            NewTree::Index => repo.index_file(path)?,
            NewTree::Commit(id) => repo.file_at(id, path)?,
        })
    }

    fn read_base(&self, repo: &Repo, path: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match &self.base {
            Some(base) => Ok(repo.file_at(base, path)?),
            None => Ok(None),
        }
    }

    fn new_dir_files(&self, repo: &Repo, dir: &str) -> anyhow::Result<Vec<String>> {
        Ok(match &self.new {
            NewTree::Index => repo.index_dir_files(dir)?,
            NewTree::Commit(id) => repo.dir_files_at(id, dir)?,
        })
    }
}

pub fn run(request: Request) -> anyhow::Result<u8> {
    let repo = Repo::open_from_env()?;
    let mut pathspecs = PATHSPECS.to_vec();
    pathspecs.push(POLICY_FILE);
    let changes = match &request.target {
        Target::Staged => repo.staged_changes(&pathspecs),
        Target::Commit(rev) => repo.commit_changes(rev, &pathspecs),
    }
    .context("cannot read the change from git")?;
    if changes.is_empty() && request.hook {
        return Ok(EXIT_OK);
    }
    let sides = Sides::of(&repo, &request.target)?;
    let (label, text) = policy_text(&repo, &sides, request.config.as_ref())?;
    let policy = match Policy::parse(&text) {
        Ok(policy) => policy,
        Err(errors) => {
            render::policy::errors(&label, &text, &errors, &mut anstream::stderr())?;
            return Ok(EXIT_ERROR);
        }
    };
    let prepared = changes
        .iter()
        .map(|change| prepare(&repo, &sides, change))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let inputs: Vec<FileInput> = prepared.iter().map(Prepared::input).collect();
    let analysis = Analysis::new(&inputs, &policy);
    if analysis.files_checked() == 0 && request.hook {
        return Ok(EXIT_OK);
    }

    let sibling_files = read_lock_dirs(&repo, &sides, &analysis.lock_dirs())?;
    let siblings: Vec<Sibling> = sibling_files
        .iter()
        .map(|(path, bytes)| Sibling { path, bytes })
        .collect();
    let mut findings = analysis.findings(&siblings);
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule.name).cmp(&(&b.file, b.line, b.column, b.rule.name))
    });

    let stage = stage(&repo, &request)?;
    signoff::apply(&mut findings, &stage, &policy.signoff);
    if let NewTree::Commit(id) = &sides.new {
        for finding in &mut findings {
            finding.commit = Some(id.clone());
        }
    }

    let mut texts: HashMap<&str, &[u8]> = HashMap::new();
    for input in &inputs {
        if let (Some(path), Some(bytes)) = (input.new_path, input.new) {
            texts.insert(path, bytes);
        }
    }
    for (path, bytes) in &sibling_files {
        texts.entry(path).or_insert(bytes);
    }
    let report = render::Report {
        findings: &findings,
        files_checked: analysis.files_checked(),
        texts: &texts,
    };
    match request.format {
        Format::Human => render::human::write(&report, &mut anstream::stderr())?,
        Format::Json => render::json::write(&report, &mut std::io::stdout())?,
    }
    let blocked = findings.iter().any(|f| f.is_blocking());
    Ok(if blocked { EXIT_BLOCKED } else { EXIT_OK })
}

/// A changed file with the contents each side really has for Terraform.
struct Prepared<'c> {
    change: &'c FileChange,
    old: Option<Cow<'c, [u8]>>,
    new: Option<Cow<'c, [u8]>>,
    unreadable: Option<String>,
}

impl Prepared<'_> {
    fn input(&self) -> FileInput<'_> {
        FileInput {
            old_path: self.change.old_path.as_deref(),
            new_path: self.change.new_path.as_deref(),
            old: self.old.as_deref(),
            new: self.new.as_deref(),
            unreadable: self.unreadable.as_deref(),
        }
    }
}

/// Terraform follows a symlink named `main.tf`, so iacgate judges what it
/// points to, read from the same tree; a link that leaves the repository
/// or points nowhere cannot be judged and is reported. A submodule at an
/// IaC path has no contents to judge and is reported too.
fn prepare<'c>(repo: &Repo, sides: &Sides, change: &'c FileChange) -> anyhow::Result<Prepared<'c>> {
    let mut unreadable = None;
    let new = match (&change.new_path, change.new_mode) {
        (Some(_), MODE_GITLINK) => {
            unreadable = Some("a submodule at an IaC path: there is no file to judge".to_owned());
            None
        }
        (Some(path), MODE_SYMLINK) => {
            let link = change.new.as_deref().unwrap_or_default();
            match link_target(path, link) {
                Ok(target) => match sides.read_new(repo, &target)? {
                    Some(bytes) => Some(Cow::Owned(bytes)),
                    None => {
                        unreadable = Some(format!("a symlink to `{target}`, which does not exist"));
                        None
                    }
                },
                Err(why) => {
                    unreadable = Some(why);
                    None
                }
            }
        }
        _ => change.new.as_deref().map(Cow::Borrowed),
    };
    let old = match (&change.old_path, change.old_mode) {
        (Some(_), MODE_GITLINK) => None,
        (Some(path), MODE_SYMLINK) => {
            match link_target(path, change.old.as_deref().unwrap_or_default()) {
                Ok(target) => sides.read_base(repo, &target)?.map(Cow::Owned),
                Err(_) => None,
            }
        }
        _ => change.old.as_deref().map(Cow::Borrowed),
    };
    Ok(Prepared {
        change,
        old,
        new,
        unreadable,
    })
}

/// The repository path a symlink at `path` points to, or why it cannot be
/// followed.
fn link_target(path: &str, link: &[u8]) -> Result<String, String> {
    let link = String::from_utf8_lossy(link);
    let outside = || {
        format!("a symlink to `{link}`, outside the repository: iacgate does not follow it there")
    };
    if link.starts_with('/') || link.contains('\\') {
        return Err(outside());
    }
    let mut parts: Vec<&str> = dir_of(path).split('/').filter(|p| !p.is_empty()).collect();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(outside());
                }
            }
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

/// Every Terraform file of the directories `lock-mismatch` looks at, as
/// they will be committed.
fn read_lock_dirs(
    repo: &Repo,
    sides: &Sides,
    dirs: &[String],
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for dir in dirs {
        for path in sides.new_dir_files(repo, dir)? {
            if FileKind::classify(&path).is_none() || dir_of(&path) != dir {
                continue;
            }
            if let Some(bytes) = sides.read_new(repo, &path)? {
                files.push((path, bytes));
            }
        }
    }
    Ok(files)
}

/// The policy that judges the request, as `(where it came from, text)`:
/// `--config FILE`, else `.iacgate.toml` at the base revision. With no base
/// (a first commit), the change's own file applies. No file: the defaults.
fn policy_text(
    repo: &Repo,
    sides: &Sides,
    config: Option<&PathBuf>,
) -> anyhow::Result<(String, String)> {
    if let Some(path) = config {
        let label = path.display().to_string();
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read the policy {label}"))?;
        let text = decode_policy(&label, bytes)?;
        return Ok((label, text));
    }
    let (label, bytes) = match (&sides.base, &sides.new) {
        (Some(base), _) => (
            format!("{POLICY_FILE} (at {})", short(base)),
            sides.read_base(repo, POLICY_FILE)?,
        ),
        (None, NewTree::Index) => (
            format!("{POLICY_FILE} (staged)"),
            sides.read_new(repo, POLICY_FILE)?,
        ),
        (None, NewTree::Commit(id)) => (
            format!("{POLICY_FILE} (at {})", short(id)),
            sides.read_new(repo, POLICY_FILE)?,
        ),
    };
    match bytes {
        Some(bytes) => {
            let text = decode_policy(&label, bytes)?;
            Ok((label, text))
        }
        None => Ok((label, String::new())),
    }
}

fn short(rev: &str) -> &str {
    if rev.len() == 40 || rev.len() == 64 {
        &rev[..12]
    } else {
        rev
    }
}

fn decode_policy(label: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the policy {label} is not valid UTF-8"))
}

fn stage(repo: &Repo, request: &Request) -> anyhow::Result<Stage> {
    if request.pre_commit {
        return Ok(Stage::PreCommit);
    }
    let comment_char = repo.comment_char();
    if let Target::Commit(rev) = &request.target {
        let info = repo.commit_info(rev)?;
        return Ok(Stage::Message {
            context: CommitContext {
                author_email: Some(info.author.email),
                trailers: trailers(&info.message, comment_char),
            },
            existing_commit: true,
        });
    }
    let Some(path) = &request.message_file else {
        return Ok(Stage::NoMessage);
    };
    let message = std::fs::read(path)
        .with_context(|| format!("cannot read the commit message {}", path.display()))?;
    Ok(Stage::Message {
        context: CommitContext {
            author_email: repo.pending_author().map(|a| a.email),
            trailers: trailers(&String::from_utf8_lossy(&message), comment_char),
        },
        existing_commit: false,
    })
}

fn trailers(message: &str, comment_char: char) -> Vec<(String, String)> {
    iacgate_git::parse_trailers(message, comment_char)
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::link_target;

    #[test]
    fn symlink_targets_stay_inside_the_repository() {
        assert_eq!(
            link_target("a/b/main.tf", b"../shared/p.tf"),
            Ok("a/shared/p.tf".into())
        );
        assert_eq!(link_target("main.tf", b"./x/./y.tf"), Ok("x/y.tf".into()));
        assert!(link_target("a/main.tf", b"../../etc/passwd").is_err());
        assert!(link_target("main.tf", b"/etc/passwd").is_err());
    }
}
