//! `iacgate scan`: a whole-tree audit. Every dependency of every IaC file
//! is judged as it is (not as a change): the state rules `unpinned`,
//! `not-allowed`, `lock-mismatch`, `pipeline-permissions` and
//! `parse-error`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use iacgate_core::analysis::{Analysis, FileInput};
use iacgate_core::extract::{gitlab_pipeline, FileKind, Tree};
use iacgate_core::finding::Finding;
use iacgate_core::policy::{Policy, POLICY_FILE};
use iacgate_core::rules::{
    lock_mismatch, not_allowed, parse_error, pipeline_permissions, unpinned,
};
use iacgate_git::Repo;

use crate::args::Format;
use crate::check::link_target;
use crate::render::{self, Shown, Sources};
use crate::{EXIT_BLOCKED, EXIT_ERROR, EXIT_OK};

/// The rules that judge a state; the others judge changes.
fn is_state_rule(finding: &Finding) -> bool {
    [
        unpinned::RULE.name,
        not_allowed::RULE.name,
        lock_mismatch::RULE.name,
        pipeline_permissions::RULE.name,
        parse_error::RULE.name,
    ]
    .contains(&finding.rule.name)
}

/// What `scan` reads.
pub enum Scope {
    /// The index (the tree as the next commit would record it).
    Index,
    /// The tree of a revision; works in a bare repository.
    Rev(String),
    /// A directory on disk, in or outside a repository.
    Dir(PathBuf),
}

impl Scope {
    /// From a command's `[PATH | --rev REV]`: the index when neither.
    pub fn of(path: Option<&PathBuf>, rev: Option<&String>) -> Scope {
        match (path, rev) {
            (Some(path), _) => Scope::Dir(path.clone()),
            (None, Some(rev)) => Scope::Rev(rev.clone()),
            (None, None) => Scope::Index,
        }
    }
}

/// A tree's IaC files, and how to read any of its files.
pub(crate) struct Files {
    /// `(path, bytes, why it cannot be read)`.
    pub(crate) files: Vec<(String, Vec<u8>, Option<String>)>,
    policy: Option<Vec<u8>>,
    label: String,
}

/// The IaC files of `scope`, and the tree they are in.
pub(crate) fn load(scope: &Scope) -> anyhow::Result<(Files, Box<dyn Tree>)> {
    Ok(match scope {
        Scope::Dir(dir) => {
            let root = std::fs::canonicalize(dir)
                .with_context(|| format!("cannot read the directory {}", dir.display()))?;
            (walk(&root)?, Box::new(DirTree { root }))
        }
        Scope::Index | Scope::Rev(_) => {
            let repo = Repo::open_from_env()?;
            let rev = match &scope {
                Scope::Rev(rev) => Some(
                    repo.resolve(rev)?
                        .with_context(|| format!("{rev} is not a commit of this repository"))?,
                ),
                _ => None,
            };
            if rev.is_none() && repo.is_bare() {
                anyhow::bail!("a bare repository has no index: pass --rev REV (e.g. --rev HEAD)");
            }
            let files = from_git(&repo, rev.as_deref())?;
            (files, Box::new(GitTree { repo, rev }))
        }
    })
}

pub fn run(scope: Scope, format: Format, config: Option<&Path>) -> anyhow::Result<u8> {
    let (files, tree) = load(&scope)?;
    let Some(policy) = load_policy(&files, config)? else {
        return Ok(EXIT_ERROR);
    };
    // The files a GitLab pipeline loads are GitLab CI files wherever they
    // live, nested includes too.
    let listed = || {
        files
            .files
            .iter()
            .map(|(path, ..)| path.clone())
            .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
            .collect()
    };
    let gitlab = gitlab_pipeline(tree.as_ref(), &listed);
    let inputs: Vec<FileInput> = files
        .files
        .iter()
        .map(|(path, bytes, unreadable)| FileInput {
            new_path: Some(path),
            new: unreadable.is_none().then_some(bytes.as_slice()),
            unreadable: unreadable.as_deref(),
            kind: gitlab.files.contains(path).then_some(FileKind::GitLabCi),
            ..FileInput::default()
        })
        .collect();
    let analysis = Analysis::in_trees(&inputs, &policy, Some((&Empty, tree.as_ref())));
    let mut findings: Vec<Finding> = analysis
        .findings(&[])
        .into_iter()
        .filter(is_state_rule)
        .collect();
    if let Some(level) = policy.level(&parse_error::RULE) {
        for problem in &gitlab.problems {
            let bytes = tree.read(&problem.file).unwrap_or_default();
            let mut finding = problem.finding(&String::from_utf8_lossy(&bytes));
            finding.level = level;
            findings.push(finding);
        }
    }
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule.name).cmp(&(&b.file, b.line, b.column, b.rule.name))
    });
    let mut sources = Sources::default();
    for (path, bytes, _) in &files.files {
        if findings.iter().any(|f| &f.file == path) {
            sources.insert(None, path, bytes);
        }
    }
    let report = render::Report {
        findings: &findings,
        files_checked: analysis.files_checked(),
        sources: &sources,
        commits: &[],
        shown: Shown::All,
        unchecked: None,
    };
    render::emit(&report, format)?;
    let blocked = findings.iter().any(Finding::is_blocking);
    Ok(if blocked { EXIT_BLOCKED } else { EXIT_OK })
}

fn from_git(repo: &Repo, rev: Option<&str>) -> anyhow::Result<Files> {
    let mut policy = None;
    let mut files = Vec::new();
    let selected = repo.files_where(rev, |path| {
        path == POLICY_FILE || FileKind::classify(path).is_some()
    })?;
    for (path, bytes) in selected {
        if path == POLICY_FILE {
            policy = Some(bytes);
        } else {
            files.push((path, bytes, None));
        }
    }
    let label = match rev {
        Some(rev) => format!("{POLICY_FILE} (at {})", render::short_id(rev)),
        None => format!("{POLICY_FILE} (staged)"),
    };
    Ok(Files {
        files,
        policy,
        label,
    })
}

/// Every IaC file under `root`, never leaving it: `.git` is skipped, and a
/// symlink is followed only to a file inside `root` (else it is reported).
pub(crate) fn walk(root: &Path) -> anyhow::Result<Files> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(rel) = dirs.pop() {
        let dir = root.join(&rel);
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut entries: Vec<_> = entries.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let rel = rel.join(&name);
            let path = rel.to_string_lossy().replace('\\', "/");
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if name != ".git" {
                    dirs.push(rel);
                }
                continue;
            }
            // A directory on disk has the caches `terraform init` made;
            // a committed cache is judged where git is read (`--rev`, check).
            if matches!(FileKind::classify(&path), None | Some(FileKind::ToolCache)) {
                continue;
            }
            let full = root.join(&rel);
            let read = if kind.is_symlink() {
                let link = std::fs::read_link(&full)?;
                link_target(&path, link.to_string_lossy().as_bytes())
                    .and_then(|target| read_regular(&root.join(&target), &target))
            } else {
                read_regular(&full, &path)
            };
            match read {
                Ok(bytes) => files.push((path, bytes, None)),
                Err(why) => files.push((path, Vec::new(), Some(why))),
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let policy_path = root.join(POLICY_FILE);
    let policy = match std::fs::symlink_metadata(&policy_path) {
        Ok(meta) if meta.is_file() => Some(std::fs::read(&policy_path)?),
        Ok(_) => anyhow::bail!("{} is not a regular file", policy_path.display()),
        Err(_) => None,
    };
    Ok(Files {
        files,
        policy,
        label: policy_path.display().to_string(),
    })
}

/// The largest file a scan reads at all: what `[limits] max_file_mib` can
/// allow. Anything larger (or not a regular file: a FIFO would block the
/// read) is reported without being read.
const MAX_READ: u64 = 256 * 1024 * 1024;

fn read_regular(full: &Path, shown: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(full).map_err(|e| format!("`{shown}` cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(format!("`{shown}` is not a regular file"));
    }
    if meta.len() > MAX_READ {
        return Err(format!(
            "the file is {} MiB, over any limit for IaC files",
            meta.len() / (1024 * 1024)
        ));
    }
    std::fs::read(full).map_err(|e| format!("`{shown}` cannot be read: {e}"))
}

pub(crate) fn load_policy(files: &Files, config: Option<&Path>) -> anyhow::Result<Option<Policy>> {
    let (label, bytes) = match config {
        Some(path) => (
            path.display().to_string(),
            Some(
                std::fs::read(path)
                    .with_context(|| format!("cannot read the policy {}", path.display()))?,
            ),
        ),
        None => (files.label.clone(), files.policy.clone()),
    };
    let text = match bytes {
        Some(bytes) => String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("the policy {label} is not valid UTF-8"))?,
        None => String::new(),
    };
    match Policy::parse(&text) {
        Ok(policy) => Ok(Some(policy)),
        Err(errors) => {
            render::policy::errors(&label, &text, &errors, &mut anstream::stderr())?;
            Ok(None)
        }
    }
}

/// No files: the "old side" of a scan.
struct Empty;

impl Tree for Empty {
    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }

    fn list(&self, _: &str) -> Option<Vec<String>> {
        Some(Vec::new())
    }
}

/// The scanned tree of a repository, for files that read other files.
struct GitTree {
    repo: Repo,
    rev: Option<String>,
}

impl Tree for GitTree {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let read = match &self.rev {
            Some(rev) => self.repo.file_at(rev, path),
            None => self.repo.index_file(path),
        };
        read.ok().flatten()
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        match &self.rev {
            Some(rev) => self.repo.dir_files_at(rev, dir).ok(),
            None => self.repo.index_dir_files(dir).ok(),
        }
    }
}

/// A directory on disk, for files that read other files; never outside it.
struct DirTree {
    root: PathBuf,
}

impl Tree for DirTree {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        if path.split('/').any(|part| part == ".." || part.is_empty()) {
            return None;
        }
        let full = self.root.join(path);
        let meta = std::fs::symlink_metadata(&full).ok()?;
        if !meta.is_file() {
            return None;
        }
        std::fs::read(full).ok()
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        if dir.split('/').any(|part| part == "..") {
            return None;
        }
        let full = if dir.is_empty() {
            self.root.clone()
        } else {
            self.root.join(dir)
        };
        let Ok(entries) = std::fs::read_dir(full) else {
            return Some(Vec::new());
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.ok()?;
            if !entry.file_type().ok()?.is_file() {
                continue;
            }
            let name = entry.file_name().into_string().ok()?;
            files.push(if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            });
        }
        files.sort();
        Some(files)
    }
}
