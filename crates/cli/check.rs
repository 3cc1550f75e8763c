//! `iacgate check` and the hooks: read the change from git, judge it with
//! the core, print, and decide the exit code.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use anyhow::{bail, Context};
use iacgate_core::analysis::{dir_of, Analysis, FileInput, History, MergeSide, Sibling};
use iacgate_core::approval::{self, ApprovalToken, ContentIds, Delta, SignatureCheck};
use iacgate_core::extract::{gitlab_pipeline, FileKind, GitLabPipeline, Tree, PATHSPECS};
use iacgate_core::finding::Finding;
use iacgate_core::net;
use iacgate_core::policy::{Policy, PolicyError, POLICY_FILE};
use iacgate_core::rules::parse_error;
use iacgate_core::signoff::{self, CommitContext, CommitSignature, Stage};
use iacgate_core::submodules::{self, SubmoduleChange, GITMODULES};
use iacgate_core::units::{shadows, terragrunt_reads, tofu_shadowed, tofu_view};
use iacgate_git::ssh::{self, SshVerdict};
use iacgate_git::{
    parse_pre_push, parse_pre_receive, CommitChanges, CommitInfo, FileChange, Known, PushUpdate,
    Repo, SignatureStatus, MODE_GITLINK, MODE_SYMLINK,
};

use crate::args::Format;
use crate::render::{self, CommitHeader, Shown, Sources};
use crate::{EXIT_BLOCKED, EXIT_ERROR, EXIT_OK};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Staged,
    Commit(String),
    Range(String),
    /// Ref updates on standard input, as git gives them to pre-push.
    PrePush {
        remote: String,
    },
    /// Ref updates on standard input, as git gives them to pre-receive.
    PreReceive,
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
    /// `iacgate approve`: collect what needs a sign-off, without judging
    /// the trailers that are there already.
    pub approving: bool,
    pub format: Format,
    /// The pre-commit hook: the staged change's raw records, already asked
    /// from git by [`staged_quick`] for [`quick_pathspecs`].
    pub prefetched: Option<Vec<u8>>,
}

impl Request {
    pub fn hook(target: Target) -> Request {
        Request {
            target,
            message_file: None,
            config: None,
            pre_commit: false,
            hook: true,
            approving: false,
            format: Format::Human,
            prefetched: None,
        }
    }

    pub fn pre_commit() -> Request {
        Request {
            pre_commit: true,
            ..Request::hook(Target::Staged)
        }
    }

    pub fn commit_msg(message_file: PathBuf) -> Request {
        Request {
            message_file: Some(message_file),
            ..Request::hook(Target::Staged)
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
}

/// Gitlinks (submodules) a change adds, moves or removes, at paths that
/// are not IaC files (a submodule at an IaC path is reported as unreadable).
fn gitlinks(changes: &[FileChange]) -> Vec<SubmoduleChange<'_>> {
    changes
        .iter()
        .filter_map(|c| {
            let path = c.new_path.as_deref().or(c.old_path.as_deref())?;
            if FileKind::classify(path).is_some() {
                return None;
            }
            let old = c.old_id.as_deref().filter(|_| c.old_mode == MODE_GITLINK);
            let new = c.new_id.as_deref().filter(|_| c.new_mode == MODE_GITLINK);
            (old.is_some() || new.is_some()).then_some(SubmoduleChange { path, old, new })
        })
        .collect()
}

/// The GitLab pipeline as it will be, and the files it loaded before, when
/// the change touches a YAML file: every file the pipeline loads (nested
/// includes too) is a GitLab CI file wherever it lives (`ci/jobs.yml`).
struct GitLabUnit {
    new: GitLabPipeline,
    old_files: HashSet<String>,
}

impl GitLabUnit {
    fn read(repo: &Repo, change: &Change) -> Option<GitLabUnit> {
        let yaml = change
            .changes
            .iter()
            .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
            .flatten()
            .any(|p| p.ends_with(".yml") || p.ends_with(".yaml"));
        if !yaml {
            return None;
        }
        let (base_tree, new_tree) = change.sides.trees(repo);
        let yaml = |p: &str| p.ends_with(".yml") || p.ends_with(".yaml");
        // A wildcard include matches what the tree has (a tree that cannot
        // be listed matches nothing, and what it would have judged is not).
        let list = |rev: Option<&str>| repo.paths_where(rev, yaml).unwrap_or_default();
        let new_rev = match &change.sides.new {
            NewTree::Index => None,
            NewTree::Commit(id) => Some(id.as_str()),
        };
        let base_rev = change.sides.base.as_deref();
        Some(GitLabUnit {
            new: gitlab_pipeline(&new_tree, &|| list(new_rev)),
            old_files: match base_rev {
                Some(rev) => gitlab_pipeline(&base_tree, &|| list(Some(rev))).files,
                None => Vec::new(),
            }
            .into_iter()
            .collect(),
        })
    }

    fn loads(&self, path: &str) -> bool {
        self.new.files.iter().any(|f| f == path)
    }

    /// A file the pipeline loads now and did not before: all it declares
    /// joins the pipeline, and is judged as added.
    fn joined(&self, path: &str) -> bool {
        self.loads(path) && !self.old_files.contains(path)
    }

    /// Files the pipeline loads now and did not before that the change
    /// does not touch (an include of a file that was already there).
    fn joined_untouched(
        &self,
        repo: &Repo,
        change: &Change,
    ) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        if !matches!(change.lineage, Lineage::Linear) {
            return Ok(Vec::new());
        }
        let touched: HashSet<&str> = change
            .changes
            .iter()
            .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
            .flatten()
            .collect();
        let mut files = Vec::new();
        for path in &self.new.files {
            if self.joined(path) && !touched.contains(path.as_str()) {
                if let Some(bytes) = change.sides.read_new(repo, path)? {
                    files.push((path.clone(), bytes));
                }
            }
        }
        Ok(files)
    }
}

/// One side of a change as a tree whose files Terragrunt files read.
enum SideTree<'r> {
    /// A first commit's base.
    Empty,
    Index(&'r Repo),
    Commit(&'r Repo, &'r str),
}

impl Tree for SideTree<'_> {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let read = match self {
            SideTree::Empty => return None,
            SideTree::Index(repo) => repo.index_file(path),
            SideTree::Commit(repo, id) => repo.file_at(id, path),
        };
        // A file that cannot be read resolves nothing: what needed it is
        // reported unresolved, and blocks.
        read.ok().flatten()
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        match self {
            SideTree::Empty => Some(Vec::new()),
            SideTree::Index(repo) => repo.index_dir_files(dir).ok(),
            SideTree::Commit(repo, id) => repo.dir_files_at(id, dir).ok(),
        }
    }
}

impl Sides {
    fn trees<'r>(&'r self, repo: &'r Repo) -> (SideTree<'r>, SideTree<'r>) {
        let base = match &self.base {
            Some(base) => SideTree::Commit(repo, base),
            None => SideTree::Empty,
        };
        let new = match &self.new {
            NewTree::Index => SideTree::Index(repo),
            NewTree::Commit(id) => SideTree::Commit(repo, id),
        };
        (base, new)
    }
}

/// Terragrunt units the change does not touch that may take their source
/// from a file it does (`include.NAME.locals.x`,
/// `read_terragrunt_config(...)`): judged as dependents, so a version bumped
/// in a shared file is seen in every unit that uses it. Terragrunt reads
/// such a file as HCL whatever its name (`common.inc`): one that no IaC
/// pathspec selects counts when a unit reads it (see [`reads_changed`]).
/// Only for a plain change: in a merge or a rewind they were judged where
/// the shared file changed.
fn dependents(repo: &Repo, change: &Change) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    if !matches!(change.lineage, Lineage::Linear) {
        return Ok(Vec::new());
    }
    let touched: HashSet<&str> = change
        .changes
        .iter()
        .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
        .flatten()
        .collect();
    let mut found = beside_dependents(repo, change.sides, &touched)?;
    found.extend(compose_readers(repo, change, &touched)?);
    // A `terragrunt.hcl.json` too: `find_in_parent_folders()` finds one
    // in a parent before a `terragrunt.hcl` there.
    let shared = touched.iter().any(|path| {
        matches!(
            FileKind::classify(path),
            Some(FileKind::Terragrunt | FileKind::TerragruntJson)
        ) && !path.ends_with("terragrunt.stack.hcl")
    });
    if shared {
        let rev = match &change.sides.new {
            NewTree::Index => None,
            NewTree::Commit(id) => Some(id.as_str()),
        };
        found.extend(reading_units(repo, rev, &touched)?);
    } else if change.unit_reads {
        found.extend(reads_changed(repo, change.sides, &touched)?);
    }
    Ok(found)
}

/// Files that take values from a file beside them which the change
/// touches: a chart's `values.yaml` (an image's empty tag is the
/// `Chart.yaml`'s `appVersion`), and a Pulumi YAML program in `Main.*`
/// (its project file's `packages` and `plugins` pin its providers); and
/// files whose consumer loads the touched file in their place.
fn beside_dependents(
    repo: &Repo,
    sides: &Sides,
    touched: &HashSet<&str>,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut found = Vec::new();
    for path in touched {
        // The files it hides (or shows again) for their consumer: an
        // `action.yml` comes before `action.yaml`, a `Main.yaml` before
        // the program in `Pulumi.yaml`, `compose.yaml` before
        // `docker-compose.yml`, `npm-shrinkwrap.json` before
        // `package-lock.json`, `terragrunt.hcl.json` before `terragrunt.hcl`
        // (see `iacgate_core::units::PRECEDENCE`). Extraction reads each
        // as its consumer loads it in its tree: the one left out, nothing.
        for hidden in shadows(path) {
            if touched.contains(hidden.as_str()) {
                continue;
            }
            if let Some(bytes) = sides.read_new(repo, &hidden)? {
                found.push((hidden, bytes));
            }
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        // A chart's templates decide whether its values' digests are
        // deployed: its values.yaml is judged again.
        if let Some((chart, _)) = path
            .split_once("templates/")
            .filter(|(chart, _)| (chart.is_empty() || chart.ends_with('/')) && !path.ends_with('/'))
        {
            for reader in ["values.yaml", "values.yml"] {
                let reader = format!("{chart}{reader}");
                if !touched.contains(reader.as_str()) {
                    if let Some(bytes) = sides.read_new(repo, &reader)? {
                        found.push((reader, bytes));
                    }
                }
            }
        }
        let readers: &[&str] = match name {
            "Chart.yaml" => &[
                "values.yaml",
                "values.yml",
                "requirements.yaml",
                "requirements.lock",
            ],
            "Pulumi.yaml" | "Pulumi.yml" => &["Main.yaml", "Main.yml", "Main.json"],
            _ => continue,
        };
        for reader in readers {
            let reader = if dir.is_empty() {
                (*reader).to_owned()
            } else {
                format!("{dir}/{reader}")
            };
            if touched.contains(reader.as_str()) {
                continue;
            }
            if let Some(bytes) = sides.read_new(repo, &reader)? {
                found.push((reader, bytes));
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The compose files the change does not touch, when it touches a `.env`
/// (whose variables a compose file's `image:` and `build.args` read) or a
/// Dockerfile (whose `ARG`s its `build.args` replace): judged as
/// dependents, so the image they now resolve to is judged. Read at the
/// base for a staged change (they are the same there as in the index).
fn compose_readers(
    repo: &Repo,
    change: &Change,
    touched: &HashSet<&str>,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let read = touched.iter().any(|path| {
        matches!(
            FileKind::classify(path),
            Some(FileKind::ComposeEnv | FileKind::Dockerfile)
        )
    });
    if !read {
        return Ok(Vec::new());
    }
    let at = match (&change.sides.new, change.sides.base.as_deref()) {
        (NewTree::Commit(id), _) => id.as_str(),
        (NewTree::Index, Some(base)) => base,
        (NewTree::Index, None) => return Ok(Vec::new()),
    };
    Ok(repo
        .files_where(Some(at), |path| {
            FileKind::classify(path) == Some(FileKind::Compose)
        })?
        .into_iter()
        .filter(|(path, _)| !touched.contains(path.as_str()))
        .collect())
}

/// A Terragrunt unit's file: `terragrunt.hcl`, or its JSON form.
fn is_unit(path: &str) -> bool {
    matches!(
        path.rsplit('/').next(),
        Some("terragrunt.hcl" | "terragrunt.hcl.json")
    )
}

/// Whether the tree (`None`: the index) has a Terragrunt unit.
fn has_units(repo: &Repo, rev: Option<&str>) -> anyhow::Result<bool> {
    Ok(!repo.files_where(rev, is_unit)?.is_empty())
}

/// [`has_units`] for the base of a staged change (`None`: unborn, no
/// units), remembered for that commit in the git directory: the
/// pre-commit and commit-msg hooks of one commit, and every hook run
/// before HEAD moves, walk its tree once. A unit the change adds is in the
/// change itself, and judged there.
fn staged_base_has_units(repo: &Repo, base: Option<&str>) -> anyhow::Result<bool> {
    let Some(id) = base.map(|rev| repo.resolve(rev)).transpose()?.flatten() else {
        return Ok(false);
    };
    let state = repo.state_path("terragrunt-units");
    if let Ok(text) = std::fs::read_to_string(&state) {
        match text.trim().split_once(' ') {
            Some((at, answer)) if at == id => return Ok(answer == "yes"),
            _ => {}
        }
    }
    let has = has_units(repo, Some(&id))?;
    // Only a cache: a write that fails costs the next run the walk again.
    if let Some(dir) = state.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let answer = if has { "yes" } else { "no" };
    let _ = std::fs::write(&state, format!("{id} {answer}\n"));
    Ok(has)
}

/// The Terragrunt units of the new side, but those in `touched`, that
/// include or read another file. A unit may take its source from an
/// include (its own `terraform` block, or the included one's), so every
/// unit that includes or reads another file is a candidate, and so is one
/// that generates code (which may read a template file).
fn reading_units(
    repo: &Repo,
    rev: Option<&str>,
    touched: &HashSet<&str>,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let contains = |bytes: &[u8], what: &[u8]| bytes.windows(what.len()).any(|w| w == what);
    Ok(repo
        .files_where(rev, is_unit)?
        .into_iter()
        .filter(|(path, bytes)| {
            !touched.contains(path.as_str())
                && (contains(bytes, b"include")
                    || contains(bytes, b"read_terragrunt_config")
                    // `generate` contents read with file() / templatefile().
                    || contains(bytes, b"generate"))
        })
        .collect())
}

/// The units of [`reading_units`] when the change touches a file they read
/// whose name is no Terragrunt file's (`common.inc`, `env.vars`, any name
/// the IaC pathspecs leave out): nothing otherwise. The names the change
/// touches are asked from git without contents; only when one of them is
/// not a Terraform or Terragrunt file (judged as such) are the units read.
fn reads_changed(
    repo: &Repo,
    sides: &Sides,
    touched: &HashSet<&str>,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let new_rev = match &sides.new {
        NewTree::Index => None,
        NewTree::Commit(id) => Some(id.as_str()),
    };
    // Files Terraform itself reads are judged as such; any other name may
    // be what a unit includes.
    let others: Vec<String> = repo
        .changed_paths(sides.base.as_deref(), new_rev)?
        .into_iter()
        .filter(|p| {
            !matches!(
                FileKind::classify(p),
                Some(
                    FileKind::Terragrunt
                        | FileKind::TerragruntJson
                        | FileKind::TerraformTest
                        | FileKind::TerraformStack
                        | FileKind::TerraformHcl
                        | FileKind::TerraformJson
                        | FileKind::TerraformLock
                )
            ) && p != POLICY_FILE
        })
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    // The units the change does not touch are the same in the index as at
    // the base: read there, the index (slow to load) stays closed. What
    // they look up there names the changed paths they read.
    let at = match (&sides.new, sides.base.as_deref()) {
        (NewTree::Commit(id), _) => id.as_str(),
        (NewTree::Index, Some(base)) => base,
        (NewTree::Index, None) => return Ok(Vec::new()),
    };
    let units = reading_units(repo, Some(at), touched)?;
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let reads = terragrunt_reads(&units, &SideTree::Commit(repo, at));
    match others.iter().any(|p| reads.contains(p)) {
        true => Ok(units),
        false => Ok(Vec::new()),
    }
}

/// The `.tf` files whose place in OpenTofu's view of their directory the
/// change alters, by adding or removing the `.tofu` file of the same name
/// (see [`iacgate_core::units`]): each as OpenTofu loads it on the two
/// sides, judged with the change. A `main.tofu` that redeclares `main.tf`'s
/// module replaces it for OpenTofu, and is judged as that replacement.
fn tofu_views(repo: &Repo, change: &Change) -> anyhow::Result<Vec<TofuView>> {
    let touched: HashSet<&str> = change
        .changes
        .iter()
        .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
        .flatten()
        .collect();
    let mut views = Vec::new();
    let mut seen = HashSet::new();
    for &path in &touched {
        let Some(sibling) = tofu_shadowed(path) else {
            continue;
        };
        if !seen.insert(sibling.clone()) {
            continue;
        }
        let tofu_old = change.sides.read_base(repo, path)?.is_some();
        let tofu_new = change.sides.read_new(repo, path)?.is_some();
        if tofu_old == tofu_new {
            continue;
        }
        let old = change.sides.read_base(repo, &sibling)?;
        let new = change.sides.read_new(repo, &sibling)?;
        if let Some((old, new)) = tofu_view(tofu_old, tofu_new, old.as_deref(), new.as_deref()) {
            views.push(TofuView {
                path: sibling.clone(),
                old: old.map(<[u8]>::to_vec),
                new: new.map(<[u8]>::to_vec),
            });
        }
    }
    views.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(views)
}

/// A `.tf` file as OpenTofu loads it on the two sides of a change.
struct TofuView {
    path: String,
    old: Option<Vec<u8>>,
    new: Option<Vec<u8>>,
}

/// The IaC pathspecs, `.gitmodules`, and the submodule paths that
/// `.gitmodules` names in `trees` (`None`: the index), so that gitlinks the
/// change moves are seen. A repository without submodules costs a stat.
fn pathspecs_with_submodules(repo: &Repo, trees: &[Option<&str>]) -> anyhow::Result<Vec<String>> {
    let mut specs: Vec<String> = pathspecs().into_iter().map(str::to_owned).collect();
    specs.push(GITMODULES.to_owned());
    for tree in trees {
        let bytes = match tree {
            None if !repo.workdir().is_some_and(|w| w.join(GITMODULES).exists()) => continue,
            None => repo.index_file(GITMODULES)?,
            Some(rev) => repo.file_at(rev, GITMODULES)?,
        };
        for entry in bytes
            .iter()
            .flat_map(|b| submodules::all_paths(&String::from_utf8_lossy(b)))
        {
            specs.push(literal(&entry));
        }
    }
    specs.sort();
    specs.dedup();
    Ok(specs)
}

/// The pre-commit hook's staged change, asked from git before the
/// repository is opened: a commit that touches no IaC file is answered by
/// this one git process (the records are empty). Only taken at the top of
/// a work tree without submodules (whose paths would join the pathspecs),
/// without GIT_WORK_TREE, and with a policy that names no allowed signers
/// file (which is judged like the policy, so the policy must be read
/// first); `None` anywhere else, and on any doubt, and the full path runs.
pub fn staged_quick() -> Option<Vec<u8>> {
    if std::env::var_os("GIT_WORK_TREE").is_some()
        || std::fs::symlink_metadata(".git").is_err()
        || std::fs::symlink_metadata(GITMODULES).is_ok()
        || std::fs::read(POLICY_FILE)
            .is_ok_and(|p| String::from_utf8_lossy(&p).contains("allowed_signers"))
    {
        return None;
    }
    iacgate_git::staged_raw(&as_strs(&quick_pathspecs()))
}

/// The pathspecs of a staged change without submodules or a signers file.
fn quick_pathspecs() -> Vec<String> {
    let mut specs: Vec<String> = pathspecs().into_iter().map(str::to_owned).collect();
    specs.push(GITMODULES.to_owned());
    specs.sort();
    specs.dedup();
    specs
}

fn as_strs(specs: &[String]) -> Vec<&str> {
    specs.iter().map(String::as_str).collect()
}

fn pathspecs() -> Vec<&'static str> {
    let mut pathspecs = PATHSPECS.to_vec();
    pathspecs.push(POLICY_FILE);
    pathspecs
}

/// Everything judged in one run, for the renderers.
#[derive(Default)]
pub(crate) struct Outcome {
    pub findings: Vec<Finding>,
    files_checked: usize,
    sources: Sources,
    pub commits: Vec<CommitHeader>,
    /// The delta of each judged change that has findings needing a
    /// sign-off, with its commit (`None`: the staged change).
    pub deltas: Vec<(Option<String>, Delta)>,
    /// The policy (and allowed signers) the last change was judged by; for
    /// a range, only kept when approving.
    pub gate: Option<Gate>,
}

/// The policy that judges a change, and the allowed signers file it names,
/// both read from the same revision.
#[derive(Clone)]
pub(crate) struct Gate {
    pub policy: Policy,
    /// Read when the policy requires signed approvals.
    pub signers: Option<AllowedSigners>,
}

/// The allowed signers file of `[signoff] allowed_signers`.
#[derive(Clone)]
pub(crate) struct AllowedSigners {
    /// The path and the revision it was read at, for messages.
    pub label: String,
    /// The contents, or why there are none to use.
    pub bytes: Result<Vec<u8>, String>,
}

/// An allowed signers file larger than this is refused: it lists keys, one
/// line each.
const MAX_SIGNERS_BYTES: usize = 1024 * 1024;

pub fn run(request: Request) -> anyhow::Result<u8> {
    let repo = Repo::open_from_env()?;
    let Some(outcome) = collect(&repo, &request)? else {
        return Ok(EXIT_ERROR);
    };
    // A hook says nothing when no IaC file was judged, unless a ref
    // itself was (a protected branch deleted at the server).
    if outcome.files_checked == 0 && outcome.findings.is_empty() && request.hook {
        return Ok(EXIT_OK);
    }
    let report = render::Report {
        findings: &outcome.findings,
        files_checked: outcome.files_checked,
        sources: &outcome.sources,
        commits: &outcome.commits,
        shown: match (&request.target, request.hook) {
            (_, false) => Shown::All,
            (Target::Staged, true) if request.message_file.is_some() => Shown::SignOffAndBlocking,
            (Target::Staged, true) => Shown::All,
            (_, true) => Shown::Blocking,
        },
        unchecked: None,
    };
    render::emit(&report, request.format)?;
    let blocked = outcome.findings.iter().any(Finding::is_blocking);
    Ok(if blocked { EXIT_BLOCKED } else { EXIT_OK })
}

/// Judge what `request` names. `None` when the policy does not load
/// (already reported).
pub(crate) fn collect(repo: &Repo, request: &Request) -> anyhow::Result<Option<Outcome>> {
    match &request.target {
        Target::Staged => staged(repo, request),
        _ => commits(repo, request),
    }
}

/// The staged change (pre-commit, commit-msg, `check --staged`). `None`
/// when the policy does not load (already reported).
fn staged(repo: &Repo, request: &Request) -> anyhow::Result<Option<Outcome>> {
    let head = (!repo.is_unborn()).then(|| "HEAD".to_owned());
    // An amend replaces HEAD: the commit's whole change is the index
    // against HEAD's parent. Both views are judged, so that neither an
    // amend nor a commit mistaken for one can hide a change.
    let amend_of = if request.hook && is_amend(repo, request.message_file.is_some())? {
        Some(repo.commit_info("HEAD")?.parents.into_iter().next())
    } else {
        None
    };
    let policy_sides = Sides {
        base: match &amend_of {
            Some(parent) => parent.clone(),
            None => head.clone(),
        },
        new: NewTree::Index,
    };
    // Read before asking git what changed: the allowed signers file it
    // names is judged like the policy itself. Its problems are reported
    // only when there is something to judge.
    let source = read_policy(repo, &policy_sides, request.config.as_ref())?;
    let parsed = Policy::parse(&source.text);
    let mut specs = pathspecs_with_submodules(repo, &[None])?;
    let signers = signers_named(
        repo,
        parsed.as_ref().ok(),
        &[policy_sides.base.as_deref(), head.as_deref()],
        true,
    )?;
    specs.extend(signers.iter().map(|path| literal(path)));
    let changes = match &request.prefetched {
        Some(raw) if specs == quick_pathspecs() => repo.staged_changes_from_raw(raw)?,
        _ => repo.staged_changes(&as_strs(&specs))?,
    };
    let amended = match amend_of {
        Some(parent) => {
            let changes = repo.staged_changes_against(parent.as_deref(), &as_strs(&specs))?;
            Some((parent, changes))
        }
        None => None,
    };
    let nothing = changes.is_empty() && amended.as_ref().is_none_or(|(_, c)| c.is_empty());
    if nothing && request.hook {
        // A file of any name that a Terragrunt unit reads is part of it.
        let sides = Sides {
            base: head.clone(),
            new: NewTree::Index,
        };
        if !staged_base_has_units(repo, sides.base.as_deref())?
            || reads_changed(repo, &sides, &HashSet::new())?.is_empty()
        {
            return Ok(Some(Outcome::default()));
        }
    }
    let Some(gate) = gate(repo, &policy_sides, source, parsed)? else {
        return Ok(None);
    };
    let policy = &gate.policy;
    let stage = staged_stage(repo, request, policy)?;
    let lineage = Lineage::merge(repo, head.as_deref(), &repo.merge_heads())?;
    let mut outcome = Outcome::default();
    let sides = Sides {
        base: head,
        new: NewTree::Index,
    };
    let unit_reads = staged_base_has_units(repo, sides.base.as_deref())?;
    let change = Change {
        sides: &sides,
        changes: &changes,
        lineage: &lineage,
        commit: None,
        signers: &signers,
        unit_reads,
    };
    judge(repo, &change, &gate, Decide::Commit(&stage), &mut outcome)?;
    if let Some((parent, changes)) = amended {
        let sides = Sides {
            base: parent,
            new: NewTree::Index,
        };
        let change = Change {
            sides: &sides,
            changes: &changes,
            lineage: &Lineage::Linear,
            commit: None,
            signers: &signers,
            unit_reads: staged_base_has_units(repo, sides.base.as_deref())?,
        };
        let mut whole = Outcome::default();
        judge(repo, &change, &gate, Decide::Commit(&stage), &mut whole)?;
        for finding in whole.findings {
            let seen = outcome.findings.iter().any(|f| {
                (f.rule.name, &f.file, f.line, &f.old, &f.new)
                    == (
                        finding.rule.name,
                        &finding.file,
                        finding.line,
                        &finding.old,
                        &finding.new,
                    )
            });
            if !seen {
                outcome.findings.push(finding);
            }
        }
        outcome.files_checked = outcome.files_checked.max(whole.files_checked);
        outcome.sources = whole.sources;
        outcome.deltas.extend(whole.deltas);
    }
    outcome.gate = Some(gate);
    Ok(Some(outcome))
}

/// Commits that exist: `--commit`, `--range`, pre-push, pre-receive.
fn commits(repo: &Repo, request: &Request) -> anyhow::Result<Option<Outcome>> {
    let groups = commit_groups(repo, &request.target)?;
    let mut outcome = Outcome::default();
    // A commit pushed to two refs is judged under each ref's policy.
    let mut judged: HashSet<(String, String)> = HashSet::new();
    let mut gates: HashMap<String, Gate> = HashMap::new();
    for group in groups {
        if let (Some(refname), Some(tip)) = (&group.deleted, &group.policy_at) {
            if !judge_deletion(repo, request, refname, tip, &mut outcome)? {
                return Ok(None);
            }
            continue;
        }
        let Some(first) = group.ids.first().or(group.rewind.as_ref().map(|r| &r.new)) else {
            continue;
        };
        let key = group.policy_at.clone().unwrap_or_else(|| first.clone());
        if !gates.contains_key(&key) {
            let sides = Sides {
                base: group.policy_at.clone(),
                new: NewTree::Commit(first.clone()),
            };
            let source = read_policy(repo, &sides, request.config.as_ref())?;
            let parsed = Policy::parse(&source.text);
            let Some(gate) = gate(repo, &sides, source, parsed)? else {
                return Ok(None);
            };
            gates.insert(key.clone(), gate);
        }
        let gate = &gates[&key];
        let policy = &gate.policy;
        let ids: Vec<String> = group
            .ids
            .into_iter()
            .filter(|id| judged.insert((id.clone(), key.clone())))
            .collect();
        let tip = ids.last().map(String::as_str);
        let mut specs = pathspecs_with_submodules(repo, &[tip, group.policy_at.as_deref()])?;
        let revs: Vec<Option<&str>> = ids
            .iter()
            .map(|id| Some(id.as_str()))
            .chain([group.policy_at.as_deref()])
            .collect();
        let signers = signers_named(repo, Some(policy), &revs, false)?;
        specs.extend(signers.iter().map(|path| literal(path)));
        // Asked once for the group, not per commit: a range of a thousand
        // commits in a repository without Terragrunt walks no tree for it.
        let unit_reads = [tip, group.policy_at.as_deref()]
            .into_iter()
            .flatten()
            .map(|rev| has_units(repo, Some(rev)))
            .collect::<anyhow::Result<Vec<bool>>>()?
            .contains(&true);
        let first_finding = outcome.findings.len();
        let mut stages: Vec<(String, Stage)> = Vec::new();
        // Merged-in parents from outside the group: history judged where
        // it was made, which the net view must not report as the group's.
        let mut merged_in: Vec<String> = Vec::new();
        for CommitChanges { info, changes } in repo.commits_changes(&ids, &as_strs(&specs))? {
            outcome.commits.push(CommitHeader {
                id: info.id.clone(),
                summary: info.summary.clone(),
            });
            let sides = Sides {
                base: info.parents.first().cloned(),
                new: NewTree::Commit(info.id.clone()),
            };
            // A file of any name that a Terragrunt unit reads is part of it.
            if changes.is_empty()
                && (!unit_reads || reads_changed(repo, &sides, &HashSet::new())?.is_empty())
            {
                continue;
            }
            let lineage = Lineage::merge(
                repo,
                info.parents.first().map(String::as_str),
                info.parents.get(1..).unwrap_or_default(),
            )?;
            let stage = match request.approving {
                true => Stage::NoMessage,
                false => commit_stage(repo, &info, policy)?,
            };
            let change = Change {
                sides: &sides,
                changes: &changes,
                lineage: &lineage,
                commit: Some(&info.id),
                signers: &signers,
                unit_reads,
            };
            judge(repo, &change, gate, Decide::Commit(&stage), &mut outcome)?;
            stages.push((info.id.clone(), stage));
            merged_in.extend(
                info.parents
                    .iter()
                    .skip(1)
                    .filter(|p| !ids.contains(p))
                    .cloned(),
            );
        }
        match group.rewind {
            // What a force push undoes is judged from the old tip, which
            // is the net view of it.
            Some(rewind) => judge_rewind(repo, &rewind, gate, &mut outcome)?,
            None => {
                let net = Net {
                    base: group.policy_at.as_deref(),
                    ids: &ids,
                    stages: &stages,
                    first_finding,
                    merged_in: &merged_in,
                    specs: &specs,
                    signers: &signers,
                    unit_reads,
                };
                judge_net(repo, &net, gate, &mut outcome)?;
            }
        }
        if request.approving {
            outcome.gate = Some(gate.clone());
        }
    }
    Ok(Some(outcome))
}

/// A ref the server is asked to delete: a protected one needs a sign-off,
/// given as push options since no commit carries it, and is remembered so
/// that a ref pushed under its name later is judged from its last tip.
/// `false` when the policy does not load (already reported).
fn judge_deletion(
    repo: &Repo,
    request: &Request,
    refname: &str,
    tip: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<bool> {
    let sides = Sides {
        base: Some(tip.to_owned()),
        new: NewTree::Commit(tip.to_owned()),
    };
    let source = read_policy(repo, &sides, request.config.as_ref())?;
    let parsed = Policy::parse(&source.text);
    let Some(gate) = gate(repo, &sides, source, parsed)? else {
        return Ok(false);
    };
    let default_branch = repo.default_branch();
    if !gate
        .policy
        .push
        .protects(refname, default_branch.as_deref())
    {
        return Ok(true);
    }
    repo.remember_deleted(refname, tip)?;
    let Some(finding) = net::deletion(refname, tip, &gate.policy) else {
        return Ok(true);
    };
    let options: Vec<(String, String)> = repo
        .push_options()
        .iter()
        .filter_map(|o| o.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let stage = Stage::Message {
        context: CommitContext {
            id: None,
            author_email: None,
            trailers: options,
            signature: CommitSignature::NotYetMade,
        },
        existing_commit: false,
    };
    let mut findings = vec![finding];
    let delta = Delta::of(&findings, |_| ContentIds::default());
    signoff::apply(
        &mut findings,
        &stage,
        &gate.policy.signoff,
        &delta,
        |p, t, m| verify_approval(&gate, p, t, m),
    )?;
    if findings[0].needs_signoff() && !findings[0].signed_off {
        findings[0].help = format!(
            "have a reviewer agree and push with their name as a push option: `git push -o \"{}: Name <email>\" origin :{}` (the server needs `git config receive.advertisePushOptions true`)",
            gate.policy
                .signoff
                .trailers
                .first()
                .map_or("Reviewed-by", String::as_str),
            refname.strip_prefix("refs/heads/").unwrap_or(refname)
        );
    }
    outcome.findings.extend(findings);
    Ok(true)
}

/// The commits of one group, for the judgement of their net change.
struct Net<'n> {
    /// Where the group's policy was read: the old tip, or the default
    /// branch a new ref starts from.
    base: Option<&'n str>,
    ids: &'n [String],
    /// Each commit judged, with the stage its message gave.
    stages: &'n [(String, Stage)],
    /// Where the group's own findings start in the outcome.
    first_finding: usize,
    /// Parents of the group's merges that are not in the group.
    merged_in: &'n [String],
    specs: &'n [String],
    signers: &'n [String],
    unit_reads: bool,
}

/// The net change of a push or range, from where it starts (the merge base
/// of its base and its tip) to its tip, judged in addition to each commit:
/// what it shows that the commits did not (a dependency removed in one
/// commit and added back at another version in the next) needs a sign-off
/// (see [`net::decide`]).
fn judge_net(repo: &Repo, group: &Net, gate: &Gate, outcome: &mut Outcome) -> anyhow::Result<()> {
    let (Some(at), Some(tip)) = (group.base, group.ids.last()) else {
        return Ok(());
    };
    // One commit is its own net change.
    if group.ids.len() < 2 {
        return Ok(());
    }
    let Some(base) = repo.merge_base(at, tip)? else {
        return Ok(());
    };
    if &base == tip {
        return Ok(());
    }
    let changes = repo.net_changes_between(&base, tip, &as_strs(group.specs))?;
    if changes.is_empty() {
        return Ok(());
    }
    let mut per_commit = outcome.findings[group.first_finding..].to_vec();
    // What a merged-in side changed since the base came with the merge:
    // judged on its own history, not the group's to answer for.
    for side in group.merged_in {
        let Some(from) = repo.merge_base(&base, side)? else {
            continue;
        };
        let theirs = repo.changes_between(&from, side, &as_strs(group.specs))?;
        if theirs.is_empty() {
            continue;
        }
        let sides = Sides {
            base: Some(from),
            new: NewTree::Commit(side.clone()),
        };
        let change = Change {
            sides: &sides,
            changes: &theirs,
            lineage: &Lineage::Linear,
            commit: None,
            signers: group.signers,
            unit_reads: group.unit_reads,
        };
        let mut scratch = Outcome::default();
        judge(
            repo,
            &change,
            gate,
            Decide::Commit(&Stage::NoMessage),
            &mut scratch,
        )?;
        per_commit.extend(scratch.findings);
    }
    let sides = Sides {
        base: Some(base.clone()),
        new: NewTree::Commit(tip.clone()),
    };
    let change = Change {
        sides: &sides,
        changes: &changes,
        lineage: &Lineage::Linear,
        commit: Some(tip),
        signers: group.signers,
        unit_reads: group.unit_reads,
    };
    let decide = Decide::Net {
        per_commit: &per_commit,
        stages: group.stages,
        span: net::Span { base: &base, tip },
    };
    judge(repo, &change, gate, decide, outcome)
}

/// A ref moved off its old commit (a force push): what the move undoes is
/// judged like a change, signed off (or not) by the new tip's message.
fn judge_rewind(
    repo: &Repo,
    rewind: &Rewind,
    gate: &Gate,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let mut specs = pathspecs_with_submodules(repo, &[Some(&rewind.old), Some(&rewind.new)])?;
    let revs = [Some(rewind.old.as_str()), Some(rewind.new.as_str())];
    let signers = signers_named(repo, Some(&gate.policy), &revs, false)?;
    specs.extend(signers.iter().map(|path| literal(path)));
    let changes = repo.changes_between(&rewind.old, &rewind.new, &as_strs(&specs))?;
    if changes.is_empty() {
        return Ok(());
    }
    let info = repo.commit_info(&rewind.new)?;
    outcome.commits.push(CommitHeader {
        id: info.id.clone(),
        summary: format!(
            "{} (force-pushed over {}: what it undoes)",
            info.summary,
            render::short_id(&rewind.old)
        ),
    });
    let sides = Sides {
        base: Some(rewind.old.clone()),
        new: NewTree::Commit(info.id.clone()),
    };
    let lineage = Lineage::Rewind {
        base: repo.merge_base(&rewind.old, &rewind.new)?,
    };
    let stage = commit_stage(repo, &info, &gate.policy)?;
    let change = Change {
        sides: &sides,
        changes: &changes,
        lineage: &lineage,
        commit: Some(&info.id),
        signers: &signers,
        unit_reads: false,
    };
    judge(repo, &change, gate, Decide::Commit(&stage), outcome)
}

/// An existing commit is judged with its own message and author, and its
/// signature when the policy asks for one.
fn commit_stage(repo: &Repo, info: &CommitInfo, policy: &Policy) -> anyhow::Result<Stage> {
    let signature = if policy.signoff.require_signed_commit {
        match repo.verify_commit(&info.id)? {
            SignatureStatus::Good { .. } => CommitSignature::Good,
            SignatureStatus::Bad { reason } => CommitSignature::Bad(reason),
            SignatureStatus::Unsigned => CommitSignature::Unsigned,
        }
    } else {
        CommitSignature::NotYetMade
    };
    Ok(Stage::Message {
        context: CommitContext {
            id: Some(info.id.clone()),
            author_email: Some(info.author.email.clone()),
            trailers: trailers(&info.message, repo.comment_prefix()),
            signature,
        },
        existing_commit: true,
    })
}

/// Commits to judge together under one policy.
struct CommitGroup {
    ids: Vec<String>,
    /// Where the policy is read from; `None`: the first commit's own file
    /// (nothing came before it).
    policy_at: Option<String>,
    /// A ref update that is not a fast-forward.
    rewind: Option<Rewind>,
    /// A ref the server is asked to delete (pre-receive): `policy_at` is
    /// its tip.
    deleted: Option<String>,
}

/// A ref moved from `old` to `new`, which does not contain it.
struct Rewind {
    old: String,
    new: String,
}

impl CommitGroup {
    /// The commits and rewind of one ref update from `old` (if the ref
    /// existed and we have its commit) to `new`.
    fn update(
        repo: &Repo,
        old: Option<String>,
        new: &str,
        known_otherwise: Known,
        policy_otherwise: impl FnOnce(&[String]) -> anyhow::Result<Option<String>>,
    ) -> anyhow::Result<CommitGroup> {
        let Some(old) = old else {
            let ids = repo.new_commits(new, known_otherwise)?;
            let policy_at = policy_otherwise(&ids)?;
            return Ok(CommitGroup {
                ids,
                policy_at,
                rewind: None,
                deleted: None,
            });
        };
        let ids = repo.new_commits(new, Known::Commit(&old))?;
        let rewind = (!repo.is_ancestor(&old, new)?).then(|| Rewind {
            old: old.clone(),
            new: new.to_owned(),
        });
        Ok(CommitGroup {
            ids,
            policy_at: Some(old),
            rewind,
            deleted: None,
        })
    }
}

fn commit_groups(repo: &Repo, target: &Target) -> anyhow::Result<Vec<CommitGroup>> {
    match target {
        Target::Staged => Ok(Vec::new()),
        Target::Commit(rev) => {
            let info = repo.commit_info(rev)?;
            Ok(vec![CommitGroup {
                policy_at: info.parents.first().cloned(),
                ids: vec![info.id],
                rewind: None,
                deleted: None,
            }])
        }
        Target::Range(range) => {
            let Some((from, to)) = range.split_once("..") else {
                bail!("`{range}` is not a range: write A..B (the commits reachable from B and not from A)");
            };
            // git reads `..B` as `HEAD..B`; in CI an empty side is nearly
            // always an unset variable (`$BASE..HEAD`), which would judge
            // nothing and pass.
            if from.trim().is_empty() || to.trim().is_empty() {
                bail!(
                    "`{range}` leaves a side empty (an unset variable?): write both, e.g. origin/main..HEAD"
                );
            }
            let ids = repo.range_commits(range)?;
            if ids.is_empty() {
                let mut err = anstream::stderr();
                let _ = std::io::Write::write_fmt(
                    &mut err,
                    format_args!(
                        "iacgate: note: `{range}` names no commits ({to} is already in {from}): nothing to judge\n"
                    ),
                );
            }
            let policy_at = repo
                .resolve(from)?
                .with_context(|| format!("`{from}` does not name a commit here"))?;
            Ok(vec![CommitGroup {
                ids,
                policy_at: Some(policy_at),
                rewind: None,
                deleted: None,
            }])
        }
        Target::PrePush { remote } => {
            let input = read_stdin("pre-push")?;
            let mut updates = parse_pre_push(&input)?;
            if updates.is_empty() {
                updates = pre_commit_framework_push(repo)?;
            }
            let mut groups = Vec::new();
            for update in updates {
                // Deletions, and tags of blobs or trees, bring no commits.
                if update.is_deletion() || !repo.is_commit(&update.local_id) {
                    continue;
                }
                // What the remote already has is not judged again. A remote
                // tip we do not have (someone pushed since our last fetch)
                // cannot be compared with: then what no remote-tracking ref
                // of this remote (or of any, pushing to a URL) has is judged.
                let remote_tip = match update.is_new_ref() {
                    true => None,
                    false => repo
                        .resolve(&update.remote_id)?
                        .filter(|id| repo.is_commit(id)),
                };
                let known = match repo.has_remote(remote) {
                    true => Known::RemoteRefs(remote),
                    false => Known::AnyRemote,
                };
                if remote_tip.is_none()
                    && matches!(known, Known::RemoteRefs(_))
                    && !repo.has_remote_tracking_refs(remote)
                {
                    eprintln!(
                        "iacgate: note: no remote-tracking ref of `{remote}` is known here, so every commit of {} down to its root is judged; `git fetch {remote}` first judges only what the push brings",
                        update.local_ref
                    );
                }
                groups.push(CommitGroup::update(
                    repo,
                    remote_tip,
                    &update.local_id,
                    known,
                    |ids| fork_point(repo, ids),
                )?);
            }
            Ok(groups)
        }
        Target::PreReceive => {
            let input = read_stdin("pre-receive")?;
            let mut groups = Vec::new();
            for update in parse_pre_receive(&input)? {
                if update.is_deletion() {
                    // Judged by the policy at the tip it deletes.
                    if repo.is_commit(&update.old_id) {
                        groups.push(CommitGroup {
                            ids: Vec::new(),
                            policy_at: Some(update.old_id.clone()),
                            rewind: None,
                            deleted: Some(update.ref_name.clone()),
                        });
                    }
                    continue;
                }
                if !repo.is_commit(&update.new_id) {
                    continue;
                }
                // A new branch: its commits are the ones no ref has yet; its
                // policy, the default branch's. A protected ref deleted
                // here before and pushed again is judged from the tip it
                // had, like a force push.
                let remembered = update
                    .is_new_ref()
                    .then(|| repo.deleted_tip(&update.ref_name))
                    .flatten()
                    .filter(|id| repo.is_commit(id));
                let old = match remembered {
                    Some(id) => Some(id),
                    None => (!update.is_new_ref() && repo.is_commit(&update.old_id))
                        .then(|| update.old_id.clone()),
                };
                groups.push(CommitGroup::update(
                    repo,
                    old,
                    &update.new_id,
                    Known::AllRefs,
                    |ids| {
                        // `git init --bare` points HEAD at `master` whatever
                        // the branch pushed first is called: a HEAD that
                        // names no commit falls back to main, then master,
                        // never to the pusher's own history.
                        for name in ["HEAD", "refs/heads/main", "refs/heads/master"] {
                            if let Some(id) = repo.resolve(name)?.filter(|id| repo.is_commit(id)) {
                                return Ok(Some(id));
                            }
                        }
                        fork_point(repo, ids)
                    },
                )?);
            }
            Ok(groups)
        }
    }
}

/// The pre-commit framework runs pre-push hooks without git's input and
/// says what is pushed in PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF instead;
/// without them (a push that holds the root commit), HEAD is what is
/// pushed, judged against every remote-tracking ref. Outside the framework
/// an empty input means nothing is pushed.
fn pre_commit_framework_push(repo: &Repo) -> anyhow::Result<Vec<PushUpdate>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if var("PRE_COMMIT").is_none() && var("PRE_COMMIT_TO_REF").is_none() {
        return Ok(Vec::new());
    }
    let to = var("PRE_COMMIT_TO_REF").unwrap_or_else(|| "HEAD".to_owned());
    let Some(local_id) = repo.resolve(&to)? else {
        bail!("PRE_COMMIT_TO_REF `{to}` does not name a commit here");
    };
    let zero = "0".repeat(local_id.len());
    let remote_id = match var("PRE_COMMIT_FROM_REF") {
        Some(from) => repo.resolve(&from)?.unwrap_or_else(|| zero.clone()),
        None => zero,
    };
    Ok(vec![PushUpdate {
        local_ref: var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|| to.clone()),
        local_id,
        remote_ref: var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default(),
        remote_id,
    }])
}

/// The first parent of the oldest commit: where a new branch left what was
/// already there. `None` for a history that starts with it.
fn fork_point(repo: &Repo, ids: &[String]) -> anyhow::Result<Option<String>> {
    match ids.first() {
        Some(oldest) => Ok(repo.commit_info(oldest)?.parents.into_iter().next()),
        None => Ok(None),
    }
}

/// The ref updates git writes to the hook, bounded: hostile input is an
/// error, not a memory blow-up.
fn read_stdin(hook: &'static str) -> anyhow::Result<Vec<u8>> {
    Ok(iacgate_git::read_hook_input(std::io::stdin().lock(), hook)?)
}

/// One change to judge: a staged change, one commit, or a ref rewound.
struct Change<'c> {
    sides: &'c Sides,
    changes: &'c [FileChange],
    lineage: &'c Lineage,
    commit: Option<&'c str>,
    /// Allowed signers files named by policies other than the judging one
    /// (see [`signers_named`]).
    signers: &'c [String],
    /// Whether files of any name that Terragrunt units read are looked for
    /// (see [`reads_changed`]): not where the trees judged have no unit.
    unit_reads: bool,
}

/// How the new side came to be (see [`History`]), as revisions.
enum Lineage {
    Linear,
    /// A merge's other parents, each with its merge base with the first.
    Merge(Vec<(String, Option<String>)>),
    /// A ref moved off its old commit; the merge base of old and new.
    Rewind {
        base: Option<String>,
    },
}

impl Lineage {
    /// The lineage of a merge of `first` with `others`.
    fn merge(repo: &Repo, first: Option<&str>, others: &[String]) -> anyhow::Result<Lineage> {
        if others.is_empty() {
            return Ok(Lineage::Linear);
        }
        let mut sides = Vec::new();
        for other in others {
            let base = match first {
                Some(first) => repo.merge_base(first, other)?,
                None => None,
            };
            sides.push((other.clone(), base));
        }
        Ok(Lineage::Merge(sides))
    }
}

/// Directories of Terraform files that `[paths]` leaves out, that the
/// change touches, and that a judged configuration loads as a local module
/// (`source = "../examples/complete"`): `init` fetches what they name for
/// the judged stack, so they are judged too. Looked for only when the
/// change touches such a file.
fn excluded_but_loaded(
    repo: &Repo,
    change: &Change,
    policy: &Policy,
) -> anyhow::Result<HashSet<String>> {
    let terraform = |path: &str| {
        matches!(
            FileKind::classify(path),
            Some(FileKind::TerraformHcl | FileKind::TerraformJson)
        )
    };
    let excluded: HashSet<&str> = change
        .changes
        .iter()
        .filter_map(|c| c.new_path.as_deref().or(c.old_path.as_deref()))
        .filter(|path| terraform(path) && !policy.paths.selects(path))
        .map(dir_of)
        .collect();
    let mut loaded = HashSet::new();
    if excluded.is_empty() {
        return Ok(loaded);
    }
    let rev = match &change.sides.new {
        NewTree::Index => None,
        NewTree::Commit(id) => Some(id.as_str()),
    };
    let judged = repo.files_where(rev, |path| terraform(path) && policy.paths.selects(path))?;
    for (path, bytes) in judged {
        let Some(kind) = FileKind::classify(&path) else {
            continue;
        };
        let Ok(deps) = iacgate_core::extract::extract(kind, &bytes) else {
            continue;
        };
        for dep in deps
            .iter()
            .filter(|d| d.kind == iacgate_core::model::Kind::Module)
        {
            let Some(target) = dep
                .source_str()
                .and_then(|source| iacgate_core::local::resolve(dir_of(&path), source))
            else {
                continue;
            };
            if excluded.contains(target.as_str()) {
                loaded.insert(target);
            }
        }
    }
    Ok(loaded)
}

/// Directories whose IaC files the change deletes and that are symlinks on
/// the new side (`git rm -r prod && ln -s legacy prod`): the link and its
/// target. The files a tool loads there are the target's, which no diff
/// of IaC paths shows.
fn directories_made_links(repo: &Repo, change: &Change) -> anyhow::Result<Vec<(String, String)>> {
    let rev = match &change.sides.new {
        NewTree::Index => None,
        NewTree::Commit(id) => Some(id.as_str()),
    };
    let mut seen: HashSet<&str> = HashSet::new();
    let mut links = Vec::new();
    for c in change.changes.iter().filter(|c| c.new_path.is_none()) {
        let Some(path) = c.old_path.as_deref() else {
            continue;
        };
        let mut dir = dir_of(path);
        while !dir.is_empty() {
            if !seen.insert(dir) {
                break;
            }
            if let Some(target) = repo.symlink_at(rev, dir)? {
                links.push((dir.to_owned(), target));
                break;
            }
            dir = dir_of(dir);
        }
    }
    Ok(links)
}

/// How a file's name decides what the engines load with it: an override
/// file is merged over the others of its directory, a `.tofu` file hides
/// the `.tf` file of its name from OpenTofu.
fn load_role(path: &str) -> (Option<FileKind>, bool, bool) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.strip_suffix(".json").unwrap_or(name);
    let tofu = stem.ends_with(".tofu");
    let stem = stem
        .strip_suffix(".tofu")
        .or_else(|| stem.strip_suffix(".tf"))
        .unwrap_or(stem);
    let overrides = stem == "override" || stem.ends_with("_override");
    (FileKind::classify(path), overrides, tofu)
}

/// Moves that change what a consumer loads, split into the removal where
/// the file was and the addition where it is: a file moved into a
/// directory that already had files (it joins that unit: a `.tofu` file
/// there hides a `.tf`, an override file rewrites a module), or renamed
/// to a name of another role (`net.tf` -> `net_override.tf`). A moved
/// directory, or a file renamed within its role, keeps its identity and
/// is silent when its content is the same. `None`: nothing to split.
fn split_moves(repo: &Repo, change: &Change) -> anyhow::Result<Option<Vec<FileChange>>> {
    let moves = |c: &FileChange| {
        matches!(
            c.status,
            iacgate_git::ChangeStatus::Renamed { .. } | iacgate_git::ChangeStatus::Copied { .. }
        ) && c.old_path.is_some()
            && c.new_path.is_some()
            && c.old_path != c.new_path
    };
    if !change.changes.iter().any(moves) {
        return Ok(None);
    }
    let mut joined: HashMap<String, bool> = HashMap::new();
    let mut out = Vec::with_capacity(change.changes.len());
    let mut any = false;
    for c in change.changes {
        if !moves(c) {
            out.push(c.clone());
            continue;
        }
        let (old, new) = (
            c.old_path.as_deref().unwrap_or_default(),
            c.new_path.as_deref().unwrap_or_default(),
        );
        let mut split = load_role(old) != load_role(new);
        if !split && dir_of(old) != dir_of(new) {
            let dir = dir_of(new).to_owned();
            split = match joined.get(&dir) {
                Some(&had) => had,
                None => {
                    let had = match change.sides.base.as_deref() {
                        Some(base) => !repo.dir_files_at(base, &dir)?.is_empty(),
                        None => false,
                    };
                    joined.insert(dir, had);
                    had
                }
            };
        }
        if !split {
            out.push(c.clone());
            continue;
        }
        any = true;
        // A copy leaves its source as it was; a move removes it.
        if matches!(c.status, iacgate_git::ChangeStatus::Renamed { .. }) {
            out.push(FileChange {
                status: iacgate_git::ChangeStatus::Deleted,
                new_path: None,
                new_mode: 0,
                new_id: None,
                new: None,
                ..c.clone()
            });
        }
        out.push(FileChange {
            status: iacgate_git::ChangeStatus::Added,
            old_path: None,
            old_mode: 0,
            old_id: None,
            old: None,
            ..c.clone()
        });
    }
    Ok(any.then_some(out))
}

/// How a judged change's findings that need a sign-off are decided.
enum Decide<'d> {
    /// By the commit's (or the staged change's) own message.
    Commit(&'d Stage),
    /// The net change of a range: by what its commits decided already and
    /// by the commits that may cover the rest (see [`net::decide`]).
    Net {
        per_commit: &'d [Finding],
        stages: &'d [(String, Stage)],
        span: net::Span<'d>,
    },
}

fn judge(
    repo: &Repo,
    change: &Change,
    gate: &Gate,
    decide: Decide,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    // The net view of a range counts no files: its commits did.
    let is_net = matches!(decide, Decide::Net { .. });
    let split;
    let change = match split_moves(repo, change)? {
        Some(changes) => {
            split = changes;
            &Change {
                changes: &split,
                ..*change
            }
        }
        None => change,
    };
    let policy = &gate.policy;
    let prepared = change
        .changes
        .iter()
        .map(|c| prepare(repo, change.sides, change.lineage, c))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merge_sides: Vec<Vec<MergeSide>> = prepared
        .iter()
        .map(|p| {
            p.merge
                .iter()
                .map(|m| MergeSide {
                    theirs: m.theirs.as_deref(),
                    base: m.base.as_deref(),
                })
                .collect()
        })
        .collect();
    let dependents = dependents(repo, change)?;
    let gitlab = GitLabUnit::read(repo, change);
    let joined = match &gitlab {
        Some(unit) => unit.joined_untouched(repo, change)?,
        None => Vec::new(),
    };
    let tofu = tofu_views(repo, change)?;
    let loaded = excluded_but_loaded(repo, change, policy)?;
    let inputs: Vec<FileInput> = prepared
        .iter()
        .zip(&merge_sides)
        .map(|(p, sides)| p.input(sides))
        .map(|mut input| {
            if let Some(path) = input.new_path.or(input.old_path) {
                input.loaded = loaded.contains(dir_of(path));
            }
            if let (Some(unit), Some(path)) = (&gitlab, input.new_path) {
                if unit.loads(path) {
                    input.kind = Some(FileKind::GitLabCi);
                }
                if unit.joined(path) {
                    input.old = None;
                    input.old_path = None;
                }
            }
            input
        })
        .chain(dependents.iter().map(|(path, bytes)| FileInput {
            old_path: Some(path),
            new_path: Some(path),
            old: Some(bytes),
            new: Some(bytes),
            dependent: true,
            ..FileInput::default()
        }))
        .chain(joined.iter().map(|(path, bytes)| FileInput {
            new_path: Some(path),
            new: Some(bytes),
            kind: Some(FileKind::GitLabCi),
            ..FileInput::default()
        }))
        .chain(tofu.iter().map(|view| FileInput {
            old_path: view.old.is_some().then_some(view.path.as_str()),
            new_path: view.new.is_some().then_some(view.path.as_str()),
            old: view.old.as_deref(),
            new: view.new.as_deref(),
            ..FileInput::default()
        }))
        .collect();
    let (base_tree, new_tree) = change.sides.trees(repo);
    let gitlinks = gitlinks(change.changes);
    let touches_gitmodules = change.changes.iter().any(|c| {
        c.old_path.as_deref() == Some(GITMODULES) || c.new_path.as_deref() == Some(GITMODULES)
    });
    let (old_gitmodules, new_gitmodules) = if gitlinks.is_empty() && !touches_gitmodules {
        (None, None)
    } else {
        let text = |bytes: Option<Vec<u8>>| bytes.map(|b| String::from_utf8_lossy(&b).into_owned());
        (
            text(change.sides.read_base(repo, GITMODULES)?),
            text(change.sides.read_new(repo, GITMODULES)?),
        )
    };
    let extra_signers: Vec<&str> = change.signers.iter().map(String::as_str).collect();
    let analysis = Analysis::with_signers(
        &inputs,
        policy,
        Some((&base_tree, &new_tree)),
        &extra_signers,
    )
    .with_submodules(
        &gitlinks,
        old_gitmodules.as_deref(),
        new_gitmodules.as_deref(),
    );
    if analysis.files_checked() == 0 {
        return Ok(());
    }
    let sibling_files = read_lock_dirs(repo, change.sides, &inputs, &analysis.lock_dirs())?;
    let siblings: Vec<Sibling> = sibling_files
        .iter()
        .map(|(path, bytes)| Sibling { path, bytes })
        .collect();
    let mut findings = analysis.findings(&siblings);
    let mut problem_files = Vec::new();
    if let Some(unit) = &gitlab {
        let touched = change
            .changes
            .iter()
            .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
            .flatten()
            .any(|p| unit.loads(p));
        if touched {
            for problem in &unit.new.problems {
                let Some(level) = policy.level(&parse_error::RULE) else {
                    continue;
                };
                let bytes = change
                    .sides
                    .read_new(repo, &problem.file)?
                    .unwrap_or_default();
                let mut finding = problem.finding(&String::from_utf8_lossy(&bytes));
                finding.level = level;
                findings.push(finding);
                problem_files.push((problem.file.clone(), bytes));
            }
        }
    }
    for (link, target) in directories_made_links(repo, change)? {
        let Some(level) = policy.level(&parse_error::RULE) else {
            break;
        };
        let problem = format!(
            "`{link}`, a directory that held IaC files, is now a symlink to `{target}`: a tool run there loads whatever the link reaches, which iacgate does not follow; keep the directory, or point the tool at the real one"
        );
        let mut finding = parse_error::check(&link, &target, 0, &problem);
        finding.level = level;
        findings.push(finding);
        problem_files.push((link, target.into_bytes()));
    }
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule.name).cmp(&(&b.file, b.line, b.column, b.rule.name))
    });
    // A file judged in both engines' views says the same thing once.
    findings.dedup();
    let verify = |principal: &str, token: &ApprovalToken, message: &[u8]| {
        verify_approval(gate, principal, token, message)
    };
    match decide {
        Decide::Commit(stage) => {
            let delta = Delta::of(&findings, |path| content_ids(change.changes, path));
            signoff::apply(&mut findings, stage, &policy.signoff, &delta, verify)?;
            if !delta.is_empty() {
                outcome
                    .deltas
                    .push((change.commit.map(str::to_owned), delta));
            }
        }
        Decide::Net {
            per_commit,
            stages,
            span,
        } => {
            let mut kept = net::unexplained(findings, per_commit);
            // A directory the base did not have is a unit the range created:
            // what it holds was judged as added, commit by commit. Over a
            // long range a dependency there is otherwise paired with one of
            // the same name that a long-deleted directory held.
            if let Some(base) = change.sides.base.as_deref() {
                let mut had: HashMap<String, bool> = HashMap::new();
                let mut keep = Vec::with_capacity(kept.len());
                for finding in kept {
                    let dir = dir_of(&finding.file).to_owned();
                    let existed = match had.get(&dir) {
                        Some(&existed) => existed,
                        None => {
                            let existed = !repo.dir_files_at(base, &dir)?.is_empty();
                            had.insert(dir, existed);
                            existed
                        }
                    };
                    if existed {
                        keep.push(finding);
                    }
                }
                kept = keep;
            }
            let delta = Delta::of(&kept, |path| content_ids(change.changes, path));
            findings = net::decide(
                kept,
                per_commit,
                stages,
                &policy.signoff,
                &delta,
                span,
                verify,
            )?;
            if findings.is_empty() {
                return Ok(());
            }
            if !delta.is_empty() {
                let label = format!("{}..{}", span.base, span.tip);
                outcome.deltas.push((Some(label), delta));
            }
        }
    }
    for input in &inputs {
        if let (Some(path), Some(bytes)) = (input.new_path, input.new) {
            if input.dependent && !findings.iter().any(|f| f.file == path) {
                continue;
            }
            outcome.sources.insert(change.commit, path, bytes);
        }
    }
    for (path, bytes) in sibling_files.iter().chain(&problem_files) {
        outcome.sources.insert(change.commit, path, bytes);
    }
    if let Some(text) = &new_gitmodules {
        outcome
            .sources
            .insert(change.commit, GITMODULES, text.as_bytes());
    }
    for finding in &mut findings {
        finding.commit = change.commit.map(str::to_owned);
    }
    if !is_net {
        outcome.files_checked += analysis.files_checked();
    }
    outcome.findings.extend(findings);
    Ok(())
}

/// A file as a merge's other parent has it, and at their merge base.
struct MergeFile {
    theirs: Option<Vec<u8>>,
    base: Option<Vec<u8>>,
}

/// A changed file with the contents each side really has for Terraform.
struct Prepared<'c> {
    change: &'c FileChange,
    old: Option<Cow<'c, [u8]>>,
    new: Option<Cow<'c, [u8]>>,
    unreadable: Option<String>,
    /// A merge: the file in each other parent and at its merge base.
    merge: Vec<MergeFile>,
    /// A rewind: the file at the merge base of the old and new commit.
    rewind_base: Option<Option<Vec<u8>>>,
}

impl Prepared<'_> {
    fn input<'s>(&'s self, merge: &'s [MergeSide<'s>]) -> FileInput<'s> {
        let history = match &self.rewind_base {
            Some(base) => History::Rewind {
                base: base.as_deref(),
            },
            None if !merge.is_empty() => History::Merge(merge),
            None => History::Linear,
        };
        FileInput {
            old_path: self.change.old_path.as_deref(),
            new_path: self.change.new_path.as_deref(),
            old: self.old.as_deref(),
            new: self.new.as_deref(),
            unreadable: self.unreadable.as_deref(),
            history,
            dependent: false,
            kind: None,
            loaded: false,
        }
    }
}

/// Terraform follows a symlink named `main.tf`, so iacgate judges what it
/// points to, read from the same tree, as long as that is an IaC file that
/// iacgate also judges when it changes. A link that leaves the repository,
/// points nowhere or points to any other file cannot be judged and is
/// reported; so is a policy file that is a link, and a submodule at an IaC
/// path, which has no contents to judge.
fn prepare<'c>(
    repo: &Repo,
    sides: &Sides,
    lineage: &Lineage,
    change: &'c FileChange,
) -> anyhow::Result<Prepared<'c>> {
    let mut unreadable = None;
    let new = match (&change.new_path, change.new_mode) {
        (Some(_), MODE_GITLINK) => {
            unreadable = Some("a submodule at an IaC path: there is no file to judge".to_owned());
            None
        }
        (Some(path), MODE_SYMLINK) if path == POLICY_FILE => {
            unreadable = Some(format!(
                "{POLICY_FILE} is a symlink: the policy must be a regular file"
            ));
            None
        }
        // Any `.json`/`.yaml` may be a template, and most are not: a link
        // there that cannot be followed to an IaC file (`.vscode/settings.json`
        // into a home directory) is no IaC file either.
        (Some(path), MODE_SYMLINK)
            if FileKind::classify(path) == Some(FileKind::CloudFormation)
                && !link_target(path, change.new.as_deref().unwrap_or_default())
                    .is_ok_and(|target| FileKind::classify(&target).is_some()) =>
        {
            None
        }
        (Some(path), MODE_SYMLINK) => {
            let link = change.new.as_deref().unwrap_or_default();
            match link_target(path, link) {
                Ok(target) if FileKind::classify(&target).is_none() => {
                    unreadable = Some(format!(
                        "a symlink to `{target}`, which is not an IaC file: its changes would not be checked"
                    ));
                    None
                }
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
    let mut merge = Vec::new();
    let mut rewind_base = None;
    if let Some(path) = &change.new_path {
        match lineage {
            Lineage::Linear => {}
            Lineage::Merge(others) => {
                for (parent, base) in others {
                    let at_base = match base {
                        Some(base) => repo.file_at(base, path)?,
                        None => None,
                    };
                    merge.push(MergeFile {
                        theirs: repo.file_at(parent, path)?,
                        base: at_base,
                    });
                }
            }
            Lineage::Rewind { base } => {
                rewind_base = Some(match base {
                    Some(base) => repo.file_at(base, path)?,
                    None => None,
                });
            }
        }
    }
    Ok(Prepared {
        change,
        old,
        new,
        unreadable,
        merge,
        rewind_base,
    })
}

/// The repository path a symlink at `path` points to, or why it cannot be
/// followed.
pub(crate) fn link_target(path: &str, link: &[u8]) -> Result<String, String> {
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
/// they will be committed, that the change itself does not hold (those are
/// in `inputs`). For the staged change that is the base tree's file: what
/// the index holds differently for an IaC path is in the change, so the
/// index itself, slow to read in a large repository, is never opened.
fn read_lock_dirs(
    repo: &Repo,
    sides: &Sides,
    inputs: &[FileInput],
    dirs: &[String],
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let touched: HashSet<&str> = inputs
        .iter()
        .flat_map(|i| [i.old_path, i.new_path])
        .flatten()
        .collect();
    let mut files = Vec::new();
    for dir in dirs {
        let (paths, tree) = match (&sides.new, &sides.base) {
            (NewTree::Commit(id), _) => (repo.dir_files_at(id, dir)?, id.as_str()),
            (NewTree::Index, Some(base)) => (repo.dir_files_at(base, dir)?, base.as_str()),
            (NewTree::Index, None) => continue,
        };
        for path in paths {
            if FileKind::classify(&path).is_none()
                || dir_of(&path) != dir
                || touched.contains(path.as_str())
            {
                continue;
            }
            if let Some(bytes) = repo.file_at(tree, &path)? {
                files.push((path, bytes));
            }
        }
    }
    Ok(files)
}

/// The policy file that judges the change, as text, and what to call it.
struct PolicySource {
    label: String,
    text: String,
}

/// The policy that judges the change: `--config FILE`, else `.iacgate.toml`
/// at the base revision; with no base (a first commit), the change's own
/// file. No file: the defaults.
fn read_policy(
    repo: &Repo,
    sides: &Sides,
    config: Option<&PathBuf>,
) -> anyhow::Result<PolicySource> {
    let (label, bytes) = match (config, &sides.base, &sides.new) {
        (Some(path), _, _) => {
            let label = path.display().to_string();
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read the policy {label}"))?;
            (label, Some(bytes))
        }
        (None, Some(base), _) => (
            format!("{POLICY_FILE} (at {})", short(base)),
            sides.read_base(repo, POLICY_FILE)?,
        ),
        (None, None, NewTree::Index) => (
            format!("{POLICY_FILE} (staged)"),
            sides.read_new(repo, POLICY_FILE)?,
        ),
        (None, None, NewTree::Commit(id)) => (
            format!("{POLICY_FILE} (at {})", short(id)),
            sides.read_new(repo, POLICY_FILE)?,
        ),
    };
    let text = match bytes {
        Some(bytes) => String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("the policy {label} is not valid UTF-8"))?,
        None => String::new(),
    };
    Ok(PolicySource { label, text })
}

/// The parsed policy with the allowed signers it needs, read from the same
/// revision as the policy (`--config` replaces the policy only). `None`
/// when the policy does not load: every problem has been printed.
fn gate(
    repo: &Repo,
    sides: &Sides,
    source: PolicySource,
    parsed: Result<Policy, Vec<PolicyError>>,
) -> anyhow::Result<Option<Gate>> {
    let policy = match parsed {
        Ok(policy) => policy,
        Err(errors) => {
            render::policy::errors(
                &source.label,
                &source.text,
                &errors,
                &mut anstream::stderr(),
            )?;
            return Ok(None);
        }
    };
    let signers = match (
        &policy.signoff.allowed_signers,
        policy.signoff.require_signature,
    ) {
        (Some(path), true) => {
            let (at, bytes) = match &sides.base {
                Some(base) => (short(base).to_owned(), sides.read_base(repo, path)?),
                None => match &sides.new {
                    NewTree::Index => ("staged".to_owned(), sides.read_new(repo, path)?),
                    NewTree::Commit(id) => (short(id).to_owned(), sides.read_new(repo, path)?),
                },
            };
            let label = format!("{path} (at {at})");
            let bytes = match bytes {
                None => Err(format!("the allowed signers file {label} does not exist")),
                Some(b) if b.len() > MAX_SIGNERS_BYTES => Err(format!(
                    "the allowed signers file {label} is over {} MiB",
                    MAX_SIGNERS_BYTES / (1024 * 1024)
                )),
                Some(b) => Ok(b),
            };
            Some(AllowedSigners { label, bytes })
        }
        _ => None,
    };
    Ok(Some(Gate { policy, signers }))
}

/// The allowed signers files a change to which is a change to the policy
/// (`policy-change`): the one the judging `policy` names and, when it names
/// one (approvals are in use), those named by the policy files at `revs`
/// (`None`: the base of a first commit, skipped) and, with `index`, the
/// staged one. So moving the signers file to a new path (or editing it
/// later in the same push) cannot slip keys in unapproved.
fn signers_named(
    repo: &Repo,
    policy: Option<&Policy>,
    revs: &[Option<&str>],
    index: bool,
) -> anyhow::Result<Vec<String>> {
    let Some(own) = policy.and_then(|p| p.signoff.allowed_signers.clone()) else {
        return Ok(Vec::new());
    };
    let mut found = vec![own];
    let mut texts = Vec::new();
    for rev in revs.iter().flatten() {
        texts.push(repo.file_at(rev, POLICY_FILE)?);
    }
    if index {
        texts.push(repo.index_file(POLICY_FILE)?);
    }
    for bytes in texts.into_iter().flatten() {
        let text = String::from_utf8_lossy(&bytes);
        if let Some(path) = Policy::parse(&text)
            .ok()
            .and_then(|p| p.signoff.allowed_signers)
        {
            found.push(path);
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// A pathspec that matches exactly `path`.
fn literal(path: &str) -> String {
    format!(":(literal){path}")
}

/// The git blob ids of a changed file's two sides: what names the content
/// of a lock file or a policy in the delta.
fn content_ids(changes: &[FileChange], path: &str) -> ContentIds {
    changes
        .iter()
        .find(|c| c.new_path.as_deref() == Some(path))
        .or_else(|| changes.iter().find(|c| c.old_path.as_deref() == Some(path)))
        .map(|c| ContentIds {
            old: c.old_id.clone(),
            new: c.new_id.clone(),
        })
        .unwrap_or_default()
}

/// Checks one signed approval with `ssh-keygen` against the gate's allowed
/// signers.
fn verify_approval(
    gate: &Gate,
    principal: &str,
    token: &ApprovalToken,
    message: &[u8],
) -> anyhow::Result<SignatureCheck> {
    let Some(signers) = &gate.signers else {
        return Ok(SignatureCheck::Unavailable(
            "the policy names no allowed signers file".to_owned(),
        ));
    };
    let bytes = match &signers.bytes {
        Ok(bytes) => bytes,
        Err(why) => return Ok(SignatureCheck::Unavailable(why.clone())),
    };
    let verdict = ssh::verify(
        bytes,
        &signers.label,
        principal,
        approval::NAMESPACE,
        &token.armored(),
        message,
    )
    .context("cannot check a signed approval (is OpenSSH's ssh-keygen installed?)")?;
    Ok(match verdict {
        SshVerdict::Verified(key) => SignatureCheck::Verified(key),
        SshVerdict::KeyNotListed(why) => SignatureCheck::KeyNotListed(why),
        SshVerdict::DoesNotVerify(why) => SignatureCheck::DoesNotVerify(why),
    })
}

fn short(rev: &str) -> &str {
    if rev.len() == 40 || rev.len() == 64 {
        render::short_id(rev)
    } else {
        rev
    }
}

/// Whether the commit being made replaces HEAD (`git commit --amend`).
/// Where the arguments of the `git commit` that runs the hook can be read
/// (Linux), they say it, whatever the timing. Elsewhere: prepare-commit-msg
/// records `commit HEAD` when a commit's message is reused, and git keeps
/// the amended commit's author date (it exports it as GIT_AUTHOR_DATE to
/// the hooks) unless told otherwise. Either signal counts: the caller then
/// judges HEAD's parent as well, so a mistaken guess costs a stricter
/// check, never a missed one. There, `--amend --reset-author -m ...` shows
/// neither; pre-push judges that commit.
fn is_amend(repo: &Repo, consume_state: bool) -> anyhow::Result<bool> {
    if repo.is_unborn() {
        return Ok(false);
    }
    let state = repo.state_path("prepare-commit-msg");
    let recorded = std::fs::read_to_string(&state).ok();
    if consume_state && recorded.is_some() {
        // Read once: the next commit's prepare-commit-msg writes it anew.
        let _ = std::fs::remove_file(&state);
    }
    if let Some(amends) = iacgate_git::invocation::commit_amends() {
        return Ok(amends);
    }
    let head = repo.resolve("HEAD")?;
    if let Some(rev) = recorded
        .as_deref()
        .and_then(|r| r.trim().strip_prefix("commit "))
    {
        if rev == "HEAD" || repo.resolve(rev)?.is_some_and(|id| Some(id) == head) {
            return Ok(true);
        }
    }
    // A commit made in the same second as HEAD by the same author has the
    // same date without being an amend: only an older HEAD counts.
    if let Ok(date) = std::env::var("GIT_AUTHOR_DATE") {
        let head_date = repo.author_date_raw("HEAD")?;
        let head_secs = head_date
            .strip_prefix('@')
            .and_then(|d| d.split(' ').next())
            .and_then(|s| s.parse::<u64>().ok());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if date == head_date && head_secs.is_some_and(|t| now >= t + 2) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `iacgate hook prepare-commit-msg`: remember where the message comes
/// from, for commit-msg.
pub fn prepare_commit_msg(source: Option<&str>, commit: Option<&str>) -> anyhow::Result<u8> {
    let repo = Repo::open_from_env()?;
    let state = repo.state_path("prepare-commit-msg");
    match (source, commit) {
        (Some("commit"), Some(commit)) => {
            if let Some(dir) = state.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&state, format!("commit {commit}\n"))
                .with_context(|| format!("cannot write {}", state.display()))?;
        }
        _ => {
            let _ = std::fs::remove_file(&state);
        }
    }
    Ok(EXIT_OK)
}

fn staged_stage(repo: &Repo, request: &Request, policy: &Policy) -> anyhow::Result<Stage> {
    if request.pre_commit {
        return Ok(Stage::PreCommit);
    }
    let Some(path) = &request.message_file else {
        return Ok(Stage::NoMessage);
    };
    let message = std::fs::read(path)
        .with_context(|| format!("cannot read the commit message {}", path.display()))?;
    let signature = if policy.signoff.require_signed_commit && !repo.signs_commits() {
        CommitSignature::WillNotBeSigned
    } else {
        CommitSignature::NotYetMade
    };
    Ok(Stage::Message {
        context: CommitContext {
            id: None,
            author_email: repo.pending_author().map(|a| a.email),
            trailers: trailers(&String::from_utf8_lossy(&message), repo.comment_prefix()),
            signature,
        },
        existing_commit: false,
    })
}

fn trailers(message: &str, comment: &str) -> Vec<(String, String)> {
    iacgate_git::parse_trailers_commented(message, comment)
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
