//! `iacgate check` and the hooks: read the change from git, judge it with
//! the core, print, and decide the exit code.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use iacgate_core::analysis::{dir_of, Analysis, FileInput, Sibling};
use iacgate_core::extract::{FileKind, PATHSPECS};
use iacgate_core::policy::{Policy, POLICY_FILE};
use iacgate_core::signoff::{self, CommitContext, Stage};
use iacgate_git::{FileChange, Repo};

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

const MODE_SYMLINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

pub fn run(request: Request) -> anyhow::Result<u8> {
    let repo = Repo::open_from_env().context("cannot open the git repository")?;
    let mut pathspecs = PATHSPECS.to_vec();
    pathspecs.push(POLICY_FILE);
    let changes = match &request.target {
        Target::Staged => repo.staged_changes(&pathspecs),
        Target::Commit(rev) => repo.commit_changes(rev, &pathspecs),
    }
    .context("cannot read the change from git")?;
    let inputs: Vec<FileInput> = changes.iter().filter_map(file_input).collect();
    if inputs.is_empty() && request.hook {
        return Ok(EXIT_OK);
    }
    let (label, text) = policy_text(&repo, &request)?;
    let policy = match Policy::parse(&text) {
        Ok(policy) => policy,
        Err(errors) => {
            render::policy::errors(&label, &text, &errors, &mut anstream::stderr())?;
            return Ok(EXIT_ERROR);
        }
    };
    let analysis = Analysis::new(&inputs, &policy);
    if analysis.files_checked() == 0 && request.hook {
        return Ok(EXIT_OK);
    }

    let sibling_files = read_lock_dirs(&repo, &request.target, &analysis.lock_dirs())?;
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
    if let Target::Commit(rev) = &request.target {
        let id = repo.commit_info(rev)?.id;
        for finding in &mut findings {
            finding.commit = Some(id.clone());
        }
    }

    let mut texts: HashMap<&str, &[u8]> = HashMap::new();
    for change in &changes {
        if let (Some(path), Some(bytes)) = (&change.new_path, &change.new) {
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

/// Symlinks are never followed and submodules never entered: their blobs
/// are not the IaC file their name suggests.
fn file_input(change: &FileChange) -> Option<FileInput<'_>> {
    fn blob(mode: u32, bytes: &Option<Vec<u8>>) -> Option<&[u8]> {
        (mode != MODE_SYMLINK && mode != MODE_GITLINK)
            .then_some(bytes.as_deref())
            .flatten()
    }
    let new = blob(change.new_mode, &change.new);
    if change.new_path.is_some() && new.is_none() {
        return None;
    }
    Some(FileInput {
        old_path: change.old_path.as_deref(),
        new_path: change.new_path.as_deref(),
        old: blob(change.old_mode, &change.old),
        new,
    })
}

/// Every Terraform file of the directories `lock-mismatch` looks at, as
/// they will be committed.
fn read_lock_dirs(
    repo: &Repo,
    target: &Target,
    dirs: &[String],
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for dir in dirs {
        let paths = match target {
            Target::Staged => repo.index_dir_files(dir)?,
            Target::Commit(rev) => repo.dir_files_at(rev, dir)?,
        };
        for path in paths {
            if FileKind::classify(&path).is_none() || dir_of(&path) != dir {
                continue;
            }
            let bytes = match target {
                Target::Staged => repo.index_file(&path)?,
                Target::Commit(rev) => repo.file_at(rev, &path)?,
            };
            if let Some(bytes) = bytes {
                files.push((path, bytes));
            }
        }
    }
    Ok(files)
}

/// The policy that judges the request, as `(where it came from, text)`:
/// `--config FILE`, else `.iacgate.toml` at the base revision (HEAD for the
/// staged change, the first parent for a commit). With no base, the
/// change's own file applies. No file: the defaults (an empty policy).
fn policy_text(repo: &Repo, request: &Request) -> anyhow::Result<(String, String)> {
    if let Some(path) = &request.config {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the policy {}", path.display()))?;
        return Ok((
            path.display().to_string(),
            decode_policy(&path.display().to_string(), bytes)?,
        ));
    }
    let (label, bytes) = match &request.target {
        Target::Staged if repo.is_unborn() => (
            format!("{POLICY_FILE} (staged)"),
            repo.index_file(POLICY_FILE)?,
        ),
        Target::Staged => (
            format!("{POLICY_FILE} (at HEAD)"),
            repo.file_at("HEAD", POLICY_FILE)?,
        ),
        Target::Commit(rev) => {
            let info = repo.commit_info(rev)?;
            match info.parents.first() {
                Some(parent) => (
                    format!("{POLICY_FILE} (at {})", &parent[..parent.len().min(12)]),
                    repo.file_at(parent, POLICY_FILE)?,
                ),
                None => (
                    format!("{POLICY_FILE} (at {})", &info.id[..info.id.len().min(12)]),
                    repo.file_at(&info.id, POLICY_FILE)?,
                ),
            }
        }
    };
    match bytes {
        Some(bytes) => Ok((label.clone(), decode_policy(&label, bytes)?)),
        None => Ok((label, String::new())),
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
