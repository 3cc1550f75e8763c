//! A change to a set of files, judged: extract both sides of every file,
//! diff them, and run the rules under the policy.
//!
//! Identity is per directory, as Terraform sees it: a module or provider
//! that leaves one file of a directory and reappears in another (or moves
//! from `.tf` to `.tf.json`) is the same dependency, so what changed on the
//! way is judged as a change, not as a removal and an unrelated addition.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diff::{diff, same_values, DependencyChange};
use crate::extract::{extract, extract_at, FileKind, ProviderUse, Tree, TreeFiles};
use crate::finding::{Finding, Side};
use crate::model::{
    nth_line, Dependency, Ecosystem, ExtractError, Kind, LineScope, PinState, Span,
};
use crate::policy::{
    normal_address, ActionPinning, DynamicChildPipelines, GitPinning, ImagePinning, Policy,
    RegistryPinning, POLICY_FILE,
};
use crate::rules::{
    lock_mismatch, lock_tamper, new_dependency, not_allowed, parse_error, pipeline_permissions,
    policy_change, source_change, unpinned, version_change,
};
use crate::source::{without_default_host, ModuleSource};
use crate::submodules::{self, SubmoduleChange};
use crate::suppress;
use crate::units::precedence_unit;

/// Inputs from which extraction runs on several threads.
const PARALLEL_FROM: usize = 64;

type Extracted = Result<Vec<Dependency>, ExtractError>;

/// For a large change (a whole-tree scan), the dependencies of both sides of
/// every file, extracted in parallel, by input index. Terragrunt files,
/// which may read other files of their tree, are left to the caller.
fn pre_extract(inputs: &[FileInput]) -> HashMap<usize, (Option<Extracted>, Option<Extracted>)> {
    if inputs.len() < PARALLEL_FROM {
        return HashMap::new();
    }
    let jobs: Vec<(usize, FileKind, &FileInput)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| {
            let kind = input
                .kind
                .or_else(|| FileKind::classify(input.new_path.or(input.old_path)?))?;
            // These read other files of their tree (a values.yaml its
            // Chart.yaml, a Pulumi program its project file, a compose file
            // its `.env` and the Dockerfiles it builds).
            // So do the files a consumer may load another in place of (see
            // `units::PRECEDENCE`), a subchart's Chart.yaml and a chart's
            // templates.
            let path = input.new_path.or(input.old_path).unwrap_or_default();
            let reads_tree = matches!(
                kind,
                FileKind::Terragrunt
                    | FileKind::TerragruntJson
                    | FileKind::HelmValues
                    | FileKind::PulumiProgram
                    | FileKind::Compose
                    | FileKind::Dockerfile
            ) || crate::units::consumer(path).is_some()
                || (kind == FileKind::HelmChart && path.contains("charts/"))
                || kind == FileKind::AnsibleRequirements
                || (kind == FileKind::HelmLock && path.ends_with("requirements.lock"))
                || (kind == FileKind::CloudFormation
                    && path.split('/').any(|part| part == "templates"));
            (!reads_tree).then_some((i, kind, input))
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let side = |kind, path: Option<&str>, bytes: Option<&[u8]>| {
        bytes
            .filter(|b| b.len() <= MAX_FILE_BYTES)
            .map(|b| extract_at(kind, b, path, None))
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&(i, kind, input)| {
                            (
                                i,
                                (
                                    side(kind, input.old_path, input.old),
                                    side(kind, input.new_path, input.new),
                                ),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker that panicked leaves its files to the caller, which
            // extracts them again (and fails the same way, on its thread).
            .filter_map(|worker| worker.join().ok())
            .flatten()
            .collect()
    })
}

/// Files larger than this are reported, not parsed: no real Terraform file
/// comes near it, and parsing one costs time and memory in a hook.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// One file of a change: either path is absent for additions and deletions.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileInput<'a> {
    pub old_path: Option<&'a str>,
    pub new_path: Option<&'a str>,
    pub old: Option<&'a [u8]>,
    pub new: Option<&'a [u8]>,
    /// Why the new side cannot be judged (a symlink that leaves the
    /// repository, say): reported as a `parse-error`, never passed.
    pub unreadable: Option<&'a str>,
    /// How the new side came to be, when it is not a plain change.
    pub history: History<'a>,
    /// The file itself did not change, but a file it reads values from
    /// did (a Terragrunt unit whose `include`d file changed): judged when
    /// what it declares resolves differently on the two sides.
    pub dependent: bool,
    /// What the file is when its name does not say (a GitLab CI file
    /// included from `.gitlab-ci.yml`); `None`: from the path.
    pub kind: Option<FileKind>,
    /// A judged configuration loads the file's directory as a local
    /// module: judged even where `[paths]` leaves it out.
    pub loaded: bool,
}

/// How the new side of a change came to be.
#[derive(Debug, Clone, Copy, Default)]
pub enum History<'a> {
    /// A commit on its parent, or the staged change: judge all of it.
    #[default]
    Linear,
    /// A merge, with the file in each other parent and at the merge base.
    /// What the merge takes unchanged from a parent that changed it since
    /// the merge base was judged on that parent's side; what it takes from
    /// a parent that did not (an old value) is judged here.
    Merge(&'a [MergeSide<'a>]),
    /// A ref moved to a commit that does not contain the old one (a force
    /// push), with the file at their merge base: only what the move puts
    /// back to how it was there, the changes it undoes, is judged. New
    /// commits are judged on their own.
    Rewind { base: Option<&'a [u8]> },
}

/// A merge's other parent: the file there and at the merge base.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeSide<'a> {
    pub theirs: Option<&'a [u8]>,
    pub base: Option<&'a [u8]>,
}

/// [`History`] with the dependencies read.
enum Provenance {
    Linear,
    Merge(Vec<(Vec<Dependency>, Vec<Dependency>)>),
    Rewind(Vec<Dependency>),
}

impl Provenance {
    /// `path` and `tree`: the file's path (local paths are placed from it)
    /// and the new tree, which values from other files are taken from on
    /// every side (the other parents' own trees
    /// would be exact; the new one is what the merge took from them).
    fn of(
        history: &History,
        kind: FileKind,
        path: Option<&str>,
        tree: Option<&TreeFiles>,
    ) -> Provenance {
        let deps = |bytes: Option<&[u8]>| {
            bytes
                .filter(|b| b.len() <= MAX_FILE_BYTES)
                .and_then(|b| extract_at(kind, b, path, tree).ok())
                .unwrap_or_default()
        };
        match history {
            History::Linear => Provenance::Linear,
            History::Merge(sides) => Provenance::Merge(
                sides
                    .iter()
                    .map(|s| (deps(s.theirs), deps(s.base)))
                    .collect(),
            ),
            History::Rewind { base } => Provenance::Rewind(deps(*base)),
        }
    }

    /// Whether a change is judged here.
    fn judges(&self, change: &DependencyChange) -> bool {
        let (DependencyChange::Added(new) | DependencyChange::Changed { new, .. }) = change else {
            return true;
        };
        let has =
            |deps: &[Dependency]| deps.iter().any(|d| d.key == new.key && same_values(d, new));
        match self {
            Provenance::Linear => true,
            Provenance::Merge(sides) => {
                !sides.iter().any(|(theirs, base)| has(theirs) && !has(base))
            }
            Provenance::Rewind(base) => has(base),
        }
    }
}

/// A file of a directory as it will be after the change.
#[derive(Debug, Clone, Copy)]
pub struct Sibling<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
}

struct Analyzed<'a> {
    path: &'a str,
    /// `override.tf`, `*_override.tf`: blocks here amend blocks of the same
    /// name elsewhere in the directory.
    is_override: bool,
    new_text: Option<Cow<'a, str>>,
    /// The base side's text, for telling the suppressions the change adds.
    old_text: Option<Cow<'a, str>>,
    old: Vec<Dependency>,
    new: Option<Result<Vec<Dependency>, ExtractError>>,
    /// The file was there (and judged) before the change.
    existed: bool,
    provenance: Provenance,
    /// How the new side came to be, for what is read outside the
    /// dependency lists (the providers resources imply).
    history: History<'a>,
}

/// The policy file's two sides, when the change touches it.
struct PolicyFileChange<'a> {
    old: Option<Cow<'a, str>>,
    new: Option<Cow<'a, str>>,
    /// Why the new policy cannot be read (a symlink, say).
    unreadable: Option<&'a str>,
}

type SignersFileChange<'a> = (&'a str, Option<Cow<'a, str>>, Option<Cow<'a, str>>);

/// Whether a change to the policy (or the allowed signers file) is judged
/// in this change, given how the new side came to be.
fn judged_here(input: &FileInput) -> bool {
    match input.history {
        History::Linear => true,
        // Taken from a parent that changed it: judged there.
        History::Merge(sides) => !sides
            .iter()
            .any(|s| s.theirs == input.new && s.theirs != s.base),
        // Only a file put back as it was is an undone change.
        History::Rewind { base } => base == input.new,
    }
}

/// Every IaC file of a change, read on both sides.
pub struct Analysis<'a> {
    policy: &'a Policy,
    files: Vec<Analyzed<'a>>,
    policy_file: Option<PolicyFileChange<'a>>,
    /// The allowed signers files (`[signoff] allowed_signers`) the change
    /// touches: their paths and sides.
    signers_files: Vec<SignersFileChange<'a>>,
    /// Gitlink changes, judged by [`crate::submodules`], and `.gitmodules`
    /// as it will be (for suppressions).
    submodules: Vec<Finding>,
    gitmodules: Option<Cow<'a, str>>,
    old_gitmodules: Option<String>,
    /// [`Analysis::implied_uses`], read once.
    implied: std::sync::OnceLock<Vec<(usize, ProviderUse)>>,
}

/// One dependency change, with the index of the file whose text it points
/// into (the new side's file).
struct Located<'d> {
    file: usize,
    change: DependencyChange<'d>,
}

impl<'a> Analysis<'a> {
    /// Files that are not IaC, files outside the policy's `[paths]`, and
    /// renames with identical content are skipped here.
    pub fn new(inputs: &[FileInput<'a>], policy: &'a Policy) -> Analysis<'a> {
        Analysis::in_trees(inputs, policy, None)
    }

    /// [`Analysis::new`], with the two trees the change is between (the
    /// base, then the new side), so values files take from other files of
    /// their tree are resolved on each side.
    pub fn in_trees(
        inputs: &[FileInput<'a>],
        policy: &'a Policy,
        trees: Option<(&dyn Tree, &dyn Tree)>,
    ) -> Analysis<'a> {
        Analysis::with_signers(inputs, policy, trees, &[])
    }

    /// [`Analysis::in_trees`], where the files at `signers` are allowed
    /// signers files too, besides the one the judging policy names: those
    /// that the policy on either side of the change (or of any commit of
    /// the same push) names. A signers file moved to a new path is judged
    /// like the policy, not as an unknown file.
    pub fn with_signers(
        inputs: &[FileInput<'a>],
        policy: &'a Policy,
        trees: Option<(&dyn Tree, &dyn Tree)>,
        signers: &[&'a str],
    ) -> Analysis<'a> {
        let trees = trees.map(|(old, new)| (TreeFiles::new(old), TreeFiles::new(new)));
        // A lock file moved to another directory leaves its module unlocked
        // (`init` then takes the newest matching providers, unchecked): it
        // is judged as removed from where it was and added where it went.
        let split: Vec<FileInput<'a>> = inputs
            .iter()
            .flat_map(|input| match (input.old_path, input.new_path) {
                (Some(old), Some(new))
                    if matches!(input.history, History::Linear)
                        && dir_of(old) != dir_of(new)
                        && [old, new]
                            .iter()
                            .any(|p| FileKind::classify(p) == Some(FileKind::TerraformLock)) =>
                {
                    vec![
                        FileInput {
                            new_path: None,
                            new: None,
                            unreadable: None,
                            kind: None,
                            dependent: false,
                            ..*input
                        },
                        FileInput {
                            old_path: None,
                            old: None,
                            ..*input
                        },
                    ]
                }
                _ => vec![*input],
            })
            .collect();
        let inputs = &split[..];
        let mut early = pre_extract(inputs);
        let old_tree = trees.as_ref().map(|t| &t.0);
        let new_tree = trees.as_ref().map(|t| &t.1);
        let mut policy_file = None;
        let mut signers_files = Vec::new();
        let mut files = Vec::new();
        let mut signers_paths: Vec<&'a str> = policy
            .signoff
            .allowed_signers
            .as_deref()
            .into_iter()
            .chain(signers.iter().copied())
            .collect();
        signers_paths.sort_unstable();
        signers_paths.dedup();
        for (index, input) in inputs.iter().enumerate() {
            let Some(path) = input.new_path.or(input.old_path) else {
                continue;
            };
            // A file at a signers path, on either side of a rename, is
            // judged as a signers file at that path.
            let named: Vec<&'a str> = signers_paths
                .iter()
                .copied()
                .filter(|s| input.new_path == Some(*s) || input.old_path == Some(*s))
                .collect();
            for signers in &named {
                let side = |p: Option<&str>, bytes: Option<&'a [u8]>| {
                    bytes
                        .filter(|_| p == Some(*signers))
                        .map(String::from_utf8_lossy)
                };
                let (old, new) = (
                    side(input.old_path, input.old),
                    side(input.new_path, input.new),
                );
                if judged_here(input) && old != new {
                    signers_files.push((*signers, old, new));
                }
            }
            if !named.is_empty() {
                continue;
            }
            if input.new_path == Some(POLICY_FILE) || input.old_path == Some(POLICY_FILE) {
                if !judged_here(input) {
                    continue;
                }

                let side = |p: Option<&str>, bytes: Option<&'a [u8]>| {
                    bytes
                        .filter(|_| p == Some(POLICY_FILE))
                        .map(String::from_utf8_lossy)
                };
                let change = PolicyFileChange {
                    old: side(input.old_path, input.old),
                    new: side(input.new_path, input.new),
                    unreadable: input.unreadable,
                };
                if change.old.is_some() && change.old == change.new && change.unreadable.is_none() {
                    continue;
                }
                policy_file = Some(change);
                continue;
            }
            let Some(kind) = input.kind.or_else(|| FileKind::classify(path)) else {
                continue;
            };
            if !policy.paths.selects(path) && !input.loaded {
                continue;
            }
            // The old side counts only if it was judged itself: a file renamed
            // from a hidden or excluded path into a judged one is new here.
            let old_judged = input.old_path.is_some_and(|p| {
                let old_kind = match input.kind {
                    Some(kind) if p == path => Some(kind),
                    _ => FileKind::classify(p),
                };
                old_kind == Some(kind) && (policy.paths.selects(p) || (input.loaded && p == path))
            });
            let old_bytes = input.old.filter(|_| old_judged);
            // A Terragrunt file that moved reads other files from its new
            // place: the same bytes may resolve to another source.
            let moved_terragrunt =
                kind == FileKind::Terragrunt && trees.is_some() && input.old_path != input.new_path;
            if old_bytes.is_some()
                && old_bytes == input.new
                && input.unreadable.is_none()
                && !input.dependent
                && !moved_terragrunt
            {
                continue;
            }
            // An old side we cannot read counts as empty: everything on the
            // new side is then judged as added, which fails closed.
            let (early_old, early_new) = early.remove(&index).unwrap_or_default();
            let old = old_bytes
                .filter(|b| b.len() <= policy.limits.max_file_bytes)
                .and_then(|bytes| {
                    early_old
                        .unwrap_or_else(|| extract_at(kind, bytes, input.old_path, old_tree))
                        .ok()
                })
                .unwrap_or_default();
            let new = match (input.unreadable, input.new) {
                (Some(why), _) => Some(Err(ExtractError::new(why, 0))),
                (None, Some(bytes)) if bytes.len() > policy.limits.max_file_bytes => {
                    Some(Err(ExtractError::new(
                        format!(
                            "the file is {:.1} MiB, over the {} MiB limit for IaC files \
                             ([limits] max_file_mib in {POLICY_FILE})",
                            bytes.len() as f64 / (1024.0 * 1024.0),
                            policy.limits.max_file_bytes / (1024 * 1024)
                        ),
                        0,
                    )))
                }
                (None, Some(bytes)) => Some(
                    early_new.unwrap_or_else(|| extract_at(kind, bytes, input.new_path, new_tree)),
                ),
                (None, None) => None,
            };
            if input.dependent && matches!(&new, Some(Ok(new)) if *new == old) {
                // Resolves the same on both sides: nothing changed here.
                continue;
            }
            let new_text = input
                .new
                .filter(|b| b.len() <= policy.limits.max_file_bytes)
                .map(String::from_utf8_lossy)
                .or_else(|| new.is_some().then_some(Cow::Borrowed("")));
            let old_text = old_bytes
                .filter(|b| b.len() <= policy.limits.max_file_bytes)
                .map(String::from_utf8_lossy);
            files.push(Analyzed {
                path,
                is_override: is_override(path),
                new_text,
                old_text,
                old,
                new,
                existed: old_bytes.is_some(),
                provenance: Provenance::of(&input.history, kind, input.new_path, new_tree),
                history: input.history,
            });
        }
        Analysis {
            policy,
            files,
            policy_file,
            signers_files,
            submodules: Vec::new(),
            gitmodules: None,
            old_gitmodules: None,
            implied: std::sync::OnceLock::new(),
        }
    }

    /// Judge gitlinks the change moves, adds or re-points too, with
    /// `.gitmodules` on each side (see [`crate::submodules`]).
    pub fn with_submodules(
        mut self,
        changes: &[SubmoduleChange],
        old_gitmodules: Option<&str>,
        new_gitmodules: Option<&'a str>,
    ) -> Analysis<'a> {
        if changes.is_empty() && old_gitmodules == new_gitmodules {
            return self;
        }
        self.submodules = submodules::findings(
            changes,
            old_gitmodules,
            new_gitmodules,
            &self.policy.allow.modules,
        );
        self.gitmodules = Some(Cow::Borrowed(new_gitmodules.unwrap_or_default()));
        self.old_gitmodules = old_gitmodules.map(str::to_owned);
        self
    }

    /// How many IaC files (the policy file included) the change touches.
    pub fn files_checked(&self) -> usize {
        self.files.len()
            + usize::from(self.policy_file.is_some())
            + self.signers_files.len()
            + usize::from(self.gitmodules.is_some())
    }

    /// Directories whose provider requirements or lock entries changed.
    /// `lock-mismatch` needs every Terraform file of these, as they will be
    /// committed: pass them to [`Analysis::findings`] as siblings.
    pub fn lock_dirs(&self) -> Vec<String> {
        let mut dirs = BTreeSet::new();
        for file in &self.files {
            let new = match &file.new {
                Some(Ok(new)) => new.as_slice(),
                Some(Err(_)) => continue,
                None => &[],
            };
            let touched = diff(&file.old, new).iter().any(|change| {
                let (DependencyChange::Added(d)
                | DependencyChange::Removed(d)
                | DependencyChange::Changed { new: d, .. }) = change;
                matches!(d.kind, Kind::Provider | Kind::Lock) && d.ecosystem == Ecosystem::Terraform
            });
            if touched {
                dirs.insert(dir_of(file.path).to_owned());
            }
        }
        // Whether a new resource's provider is declared is told by the
        // module's other files.
        for (index, _) in self.implied_uses().iter() {
            dirs.insert(dir_of(self.files[*index].path).to_owned());
        }
        dirs.into_iter().collect()
    }

    /// `resource` and `data` blocks that the change adds or moves to
    /// another provider, in Terraform files, while `[allow] providers` is
    /// set: (file index, use). Only these can use a provider the allowlist
    /// has not judged.
    fn implied_uses(&self) -> &[(usize, ProviderUse)] {
        self.implied.get_or_init(|| self.read_implied_uses())
    }

    fn read_implied_uses(&self) -> Vec<(usize, ProviderUse)> {
        if !self.policy.allow.providers.is_configured() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for (index, file) in self.files.iter().enumerate() {
            let Some(kind) = FileKind::classify(file.path) else {
                continue;
            };
            let Some(new) = file
                .new_text
                .as_deref()
                .and_then(|t| crate::extract::provider_uses(kind, t))
            else {
                continue;
            };
            let old = file
                .old_text
                .as_deref()
                .and_then(|t| crate::extract::provider_uses(kind, t))
                .unwrap_or_default();
            let uses = |bytes: Option<&[u8]>| {
                bytes
                    .and_then(|b| crate::extract::provider_uses(kind, &String::from_utf8_lossy(b)))
                    .unwrap_or_default()
            };
            let has = |list: &[ProviderUse], one: &ProviderUse| {
                list.iter()
                    .any(|o| o.address == one.address && o.local == one.local)
            };
            // As for dependencies: a merge's block taken from a parent
            // that added it was judged there; a rewind judges only what it
            // puts back. Each side is read once.
            let merge_sides: Vec<(Vec<ProviderUse>, Vec<ProviderUse>)> = match file.history {
                History::Merge(sides) => sides
                    .iter()
                    .map(|s| (uses(s.theirs), uses(s.base)))
                    .collect(),
                _ => Vec::new(),
            };
            let rewind_base = match file.history {
                History::Rewind { base } => Some(uses(base)),
                _ => None,
            };
            for one in new {
                if has(&old, &one) {
                    continue;
                }
                let judged_here = match (&file.history, &rewind_base) {
                    (History::Rewind { .. }, Some(base)) => has(base, &one),
                    _ => !merge_sides
                        .iter()
                        .any(|(theirs, base)| has(theirs, &one) && !has(base, &one)),
                };
                if judged_here {
                    found.push((index, one));
                }
            }
        }
        found
    }

    /// `not-allowed` for a provider that Terraform implies (`hashicorp/<local
    /// name>`) for a new resource or data block whose local name no
    /// `required_providers` entry of its module declares, when the
    /// allowlist does not name it. Once per file and provider.
    fn implied_providers(&self, siblings: &[Sibling], findings: &mut Vec<Finding>) {
        let uses = self.implied_uses();
        if uses.is_empty() {
            return;
        }
        let declared_in = |dir: &str, local: &str| {
            let key = format!("provider.{local}");
            let declares = |deps: &[Dependency]| {
                deps.iter()
                    .any(|d| d.kind == Kind::Provider && d.key == key)
            };
            let changed = self.files.iter().filter(|f| dir_of(f.path) == dir);
            if changed
                .clone()
                .any(|f| matches!(&f.new, Some(Ok(deps)) if declares(deps)))
            {
                return true;
            }
            siblings
                .iter()
                .filter(|s| dir_of(s.path) == dir)
                .filter(|s| !self.files.iter().any(|f| f.path == s.path))
                .any(|s| {
                    FileKind::classify(s.path)
                        .and_then(|kind| extract(kind, s.bytes).ok())
                        .is_some_and(|deps| declares(&deps))
                })
        };
        let mut reported: HashSet<(usize, String)> = HashSet::new();
        for (index, one) in uses {
            let (index, one) = (*index, one.clone());
            let file = &self.files[index];
            let Some(text) = file.new_text.as_deref() else {
                continue;
            };
            if reported.contains(&(index, one.local.clone()))
                || declared_in(dir_of(file.path), &one.local)
            {
                continue;
            }
            let address = format!("hashicorp/{}", one.local);
            let mut dep = Dependency::new(
                Ecosystem::Terraform,
                Kind::Provider,
                format!("implied-provider.{}", one.local),
                one.local.clone(),
                one.span,
            );
            dep.source = Some(crate::model::Spanned::new(address.clone(), one.span));
            let list = &self.policy.allow.providers;
            if let Some(mut finding) =
                not_allowed::check(file.path, text, &dep, &address, list, "providers")
            {
                finding.message = format!(
                    "{} (implied by {}: no required_providers entry of the module names \"{}\", \
                     so Terraform installs {address})",
                    finding.message, one.address, one.local
                );
                findings.push(finding);
                reported.insert((index, one.local));
            }
        }
    }

    /// Run the rules. `siblings` are the files of [`Analysis::lock_dirs`].
    /// Rules the policy turns off are dropped; the others carry the level
    /// the policy gives them.
    pub fn findings(&self, siblings: &[Sibling]) -> Vec<Finding> {
        // Every finding locates itself in its file: once per text, not once
        // per finding, or a file of many findings costs its size squared.
        let _lines = LineScope::new(self.files.iter().filter_map(|f| f.new_text.as_deref()));
        let mut findings = Vec::new();
        let changes = self.changes(&mut findings);

        let mut requirements_changed: HashSet<(&str, String)> = HashSet::new();
        let mut locks_touched: HashSet<(&str, String)> = HashSet::new();
        let mut locks_removed: HashSet<(&str, String)> = HashSet::new();
        let mut locks_added = Vec::new();
        for located in &changes {
            let file = &self.files[located.file];
            let dir = dir_of(file.path);
            match located.change {
                DependencyChange::Added(d) | DependencyChange::Changed { new: d, .. }
                    if d.kind == Kind::Provider =>
                {
                    requirements_changed.insert((dir, lock_key(&provider_address(d))));
                }
                // go.sum lines come and go with versions: only a changed
                // one (the same version) is judged, by the rules.
                DependencyChange::Added(d)
                | DependencyChange::Changed { new: d, .. }
                | DependencyChange::Removed(d)
                    if d.kind == Kind::Lock && d.ecosystem != Ecosystem::Terraform => {}
                DependencyChange::Added(d) if d.kind == Kind::Lock => {
                    locks_touched.insert((dir, d.key.clone()));
                    locks_added.push((located.file, d));
                }
                DependencyChange::Changed { new: d, .. } if d.kind == Kind::Lock => {
                    locks_touched.insert((dir, d.key.clone()));
                }
                DependencyChange::Removed(d) if d.kind == Kind::Lock => {
                    locks_touched.insert((dir, d.key.clone()));
                    locks_removed.insert((dir, d.key.clone()));
                }
                _ => {}
            }
            let Some(text) = file.new_text.as_deref() else {
                continue;
            };
            Judge {
                file: file.path,
                text,
                is_override: file.is_override,
                policy: self.policy,
                findings: &mut findings,
            }
            .change(located.change);
        }
        // A lock entry that appears in an existing lock file while its
        // provider's requirement stayed as it was has hashes nothing can be
        // compared with. (A lock file committed for the first time is the
        // start of trust; deleting one is judged below.)
        for (index, entry) in locks_added {
            let file = &self.files[index];
            if file.existed
                && !requirements_changed.contains(&(dir_of(file.path), entry.key.clone()))
            {
                let text = file.new_text.as_deref().unwrap_or_default();
                findings.push(lock_tamper::check_added(file.path, text, entry));
            }
        }
        let mut lock_subjects = requirements_changed;
        lock_subjects.extend(locks_touched);
        self.lock_mismatches(siblings, &lock_subjects, &locks_removed, &mut findings);
        self.implied_providers(siblings, &mut findings);
        if let Some(change) = &self.policy_file {
            findings.extend(policy_findings(change));
        }
        for (path, old, new) in &self.signers_files {
            findings.push(policy_change::check_allowed_signers(
                path,
                old.as_deref(),
                new.as_deref(),
            ));
        }
        findings.extend(self.submodules.iter().cloned());

        let texts: HashMap<&str, Cow<str>> = self
            .files
            .iter()
            .filter_map(|f| Some((f.path, f.new_text.clone()?)))
            .chain(
                siblings
                    .iter()
                    .map(|s| (s.path, String::from_utf8_lossy(s.bytes))),
            )
            .chain(
                self.gitmodules
                    .clone()
                    .map(|text| (submodules::GITMODULES, text)),
            )
            .collect();
        let old_texts: HashMap<&str, &str> = self
            .files
            .iter()
            .filter_map(|f| Some((f.path, f.old_text.as_deref()?)))
            .chain(
                self.old_gitmodules
                    .as_deref()
                    .map(|text| (submodules::GITMODULES, text)),
            )
            .collect();
        let _suppress_lines = LineScope::new(texts.values().map(|t| t.as_ref()));
        // The markers this change adds that suppress something: (file, line).
        let mut added_markers: Vec<(String, usize, &'static str)> = Vec::new();
        findings.retain_mut(|finding| {
            let Some(level) = self.policy.level(finding.rule) else {
                return false;
            };
            finding.level = level;
            // Under signed approvals, a comment the author writes cannot
            // stand in for the reviewer's signature.
            let needs_approval = self.policy.signoff.require_signature && finding.needs_signoff();
            if finding.side == Side::New && !needs_approval {
                if let Some(text) = texts.get(finding.file.as_str()) {
                    if let Some(at) = suppress::apply_marker(finding, text) {
                        // The marker and the line it covers, as they stand
                        // now: the base must have had them, together.
                        let covered: Vec<&str> = (at..=finding.line.max(at))
                            .filter_map(|n| nth_line(text, n))
                            .collect();
                        let had = old_texts
                            .get(finding.file.as_str())
                            .is_some_and(|old| suppress::has_lines(old, &covered));
                        if !had {
                            let key = (finding.file.clone(), at, finding.rule.name);
                            if !added_markers.contains(&key) {
                                added_markers.push(key);
                            }
                        }
                    }
                }
            }
            true
        });
        // design.md: a suppression the change itself adds needs a sign-off,
        // like a policy change; without one the author could clear any
        // block with a comment.
        for (file, at, rule) in added_markers {
            let Some(text) = texts.get(file.as_str()) else {
                continue;
            };
            let mut finding = policy_change::check_suppression(&file, text, at, rule);
            let Some(level) = self.policy.level(finding.rule) else {
                continue;
            };
            finding.level = level;
            findings.push(finding);
        }
        findings
    }

    /// Every dependency change of the change set, with removals and
    /// additions of the same identity in one directory paired up. Files
    /// that do not parse are reported here and contribute nothing else.
    fn changes(&self, findings: &mut Vec<Finding>) -> Vec<Located<'_>> {
        let mut changes = Vec::new();
        for (index, file) in self.files.iter().enumerate() {
            let new = match &file.new {
                Some(Ok(new)) => new.as_slice(),
                Some(Err(e)) => {
                    let text = file.new_text.as_deref().unwrap_or_default();
                    findings.push(parse_error::check(file.path, text, e.offset, &e.message));
                    continue;
                }
                None => &[],
            };
            if let Some(text) = file.new_text.as_deref() {
                findings.extend(suppress::problems(file.path, text));
            }
            changes.extend(
                diff(&file.old, new)
                    .into_iter()
                    .filter(|change| file.provenance.judges(change))
                    .map(|change| Located {
                        file: index,
                        change,
                    }),
            );
        }
        // A remote module that became a local path left this file: what it
        // turns into elsewhere is paired with it below.
        for located in &mut changes {
            if let DependencyChange::Changed { old, new } = located.change {
                if new.kind == Kind::Module
                    && new.pin == PinState::Derived
                    && is_local(new)
                    && !is_local(old)
                {
                    located.change = DependencyChange::Removed(old);
                }
            }
        }
        let mut dropped = HashSet::new();
        // Override files amend blocks of the base files; they never pair.
        let is_base = |l: &Located| !self.files[l.file].is_override;
        // The same name in the same directory, as Terraform sees it (an
        // unpacked subchart's in its parent's `charts/`, with the archives).
        pair(&mut changes, &mut dropped, |l, d| {
            is_base(l).then(|| {
                let path = self.files[l.file].path;
                let dir = match crate::extract::is_unpacked_subchart(d) {
                    true => dir_of(dir_of(path)),
                    false => dir_of(path),
                };
                format!("{dir}\0{:?}\0{}", d.kind, d.key)
            })
        });
        // A module from the same place, moved to another directory (into a
        // local wrapper module, say).
        pair(&mut changes, &mut dropped, |l, d| {
            let source = (is_base(l) && d.kind == Kind::Module)
                .then(|| d.source_str())
                .flatten()
                .and_then(|s| ModuleSource::parse(s).ok())
                .filter(|s| !s.is_local())?;
            Some(source.address())
        });
        // One file for its consumer: an action's `action.yml` and
        // `action.yaml`, a Pulumi project's program files, a Compose
        // project's `compose.yaml` and `docker-compose.yml`, a unit's
        // `terragrunt.hcl.json` and `terragrunt.hcl`.
        let units: HashMap<String, usize> = self
            .files
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, f)| Some((precedence_unit(f.path)?, i)))
            .collect();
        let unit: Vec<usize> = (0..self.files.len())
            .map(|i| {
                precedence_unit(self.files[i].path)
                    .and_then(|name| units.get(&name).copied())
                    .unwrap_or(i)
            })
            .collect();
        replaced(&mut changes, &mut dropped, &unit);
        changes
            .into_iter()
            .enumerate()
            .filter(|(k, _)| !dropped.contains(k))
            .map(|(_, located)| located)
            .collect()
    }

    /// `lock-mismatch` for the requirements and lock entries the change
    /// touched, and `lock-tamper` for lock entries removed while their
    /// provider is still required.
    fn lock_mismatches(
        &self,
        siblings: &[Sibling],
        subjects: &HashSet<(&str, String)>,
        removed: &HashSet<(&str, String)>,
        findings: &mut Vec<Finding>,
    ) {
        if subjects.is_empty() {
            return;
        }
        // Reuse what the change already extracted; read the rest.
        let mut extracted: Vec<DirFile> = Vec::new();
        for file in &self.files {
            if let (Some(text), Some(Ok(deps))) = (&file.new_text, &file.new) {
                extracted.push(DirFile {
                    path: file.path,
                    text: text.clone(),
                    deps: Cow::Borrowed(deps),
                });
            }
        }
        let mut seen: HashSet<&str> = extracted.iter().map(|f| f.path).collect();
        for sibling in siblings {
            if !seen.insert(sibling.path) {
                continue;
            }
            let Some(kind) = FileKind::classify(sibling.path) else {
                continue;
            };
            if let Ok(deps) = extract(kind, sibling.bytes) {
                extracted.push(DirFile {
                    path: sibling.path,
                    text: String::from_utf8_lossy(sibling.bytes),
                    deps: Cow::Owned(deps),
                });
            }
        }
        // By directory: a whole-tree scan has thousands of them.
        let mut by_dir: HashMap<&str, Vec<&DirFile>> = HashMap::new();
        for file in &extracted {
            by_dir.entry(dir_of(file.path)).or_default().push(file);
        }
        let dirs: BTreeSet<&str> = subjects.iter().map(|(d, _)| *d).collect();
        for dir in dirs {
            let files = by_dir.get(dir).map(Vec::as_slice).unwrap_or_default();
            let in_dir = || files.iter().copied();
            let lock = in_dir()
                .find(|f| FileKind::classify(f.path) == Some(FileKind::TerraformLock))
                .map(|lock_file| lock_mismatch::LockFile {
                    file: lock_file.path,
                    entries: lock_file
                        .deps
                        .iter()
                        .filter(|d| d.kind == Kind::Lock)
                        .map(|d| (d.key.clone(), d))
                        .collect(),
                });
            for file in in_dir() {
                for dep in file.deps.iter().filter(|d| d.kind == Kind::Provider) {
                    let address = lock_key(&provider_address(dep));
                    if !subjects.contains(&(dir, address.clone())) {
                        continue;
                    }
                    let was_removed = removed.contains(&(dir, address.clone()));
                    let req = lock_mismatch::Requirement {
                        file: file.path,
                        text: &file.text,
                        dep,
                        address,
                    };
                    let entry_back = lock
                        .as_ref()
                        .is_some_and(|l| l.entries.iter().any(|(k, _)| *k == req.address));
                    if was_removed && !entry_back {
                        findings.push(lock_tamper::check_removed(&req));
                    } else if let Some(lock) = &lock {
                        findings.extend(lock_mismatch::check(&req, lock));
                    }
                }
            }
        }
    }
}

/// Pair each addition with a removal of the same identity (`identity`
/// gives `None` for what must not pair) from another file: the pair becomes
/// a change, or nothing when the values are equal.
fn pair<'d>(
    changes: &mut [Located<'d>],
    dropped: &mut HashSet<usize>,
    identity: impl Fn(&Located, &Dependency) -> Option<String>,
) {
    let mut removed: HashMap<String, usize> = HashMap::new();
    for (i, located) in changes.iter().enumerate() {
        if let DependencyChange::Removed(d) = located.change {
            if dropped.contains(&i) {
                continue;
            }
            if let Some(id) = identity(located, d) {
                removed.insert(id, i);
            }
        }
    }
    for i in 0..changes.len() {
        let DependencyChange::Added(new) = changes[i].change else {
            continue;
        };
        let Some(&j) = identity(&changes[i], new).and_then(|id| removed.get(&id)) else {
            continue;
        };
        if changes[j].file == changes[i].file || dropped.contains(&j) {
            continue;
        }
        let DependencyChange::Removed(old) = changes[j].change else {
            continue;
        };
        dropped.insert(j);
        if same_values(old, new) {
            // Moved as it was: nothing to judge.
            dropped.insert(i);
        } else {
            changes[i].change = DependencyChange::Changed { old, new };
        }
    }
}

/// A dependency removed from a file while another of the same kind and
/// ecosystem is added to it is one dependency replaced by another: judged as
/// a change (a `source-change` that needs a sign-off, say), not as an
/// unrelated addition that only warns. Renaming a module block, giving a
/// step an `id`, or renaming a job must not turn a swapped action into a
/// mere `new-dependency`. Pairs are made in file order; lock entries and
/// file facts keep their own logic.
///
/// `unit`: for each file, the first file of the same manifest (the files
/// one of which the consumer loads, see [`precedence_unit`]), which are one
/// file here: steps that move from `action.yaml` to `action.yml` are
/// compared like steps of one file.
fn replaced(changes: &mut [Located], dropped: &mut HashSet<usize>, unit: &[usize]) {
    let slot = |l: &Located, d: &Dependency| {
        (!matches!(d.kind, Kind::Lock | Kind::File | Kind::Policy)
            && !crate::extract::is_unpacked_subchart(d))
        .then_some((
            unit.get(l.file).copied().unwrap_or(l.file),
            d.kind,
            d.ecosystem,
        ))
    };
    let mut removed: HashMap<(usize, Kind, crate::model::Ecosystem), Vec<usize>> = HashMap::new();
    for (i, located) in changes.iter().enumerate() {
        if let (DependencyChange::Removed(d), false) = (located.change, dropped.contains(&i)) {
            if let Some(slot) = slot(located, d) {
                removed.entry(slot).or_default().push(i);
            }
        }
    }
    for queue in removed.values_mut() {
        queue.reverse();
    }
    for i in 0..changes.len() {
        let DependencyChange::Added(new) = changes[i].change else {
            continue;
        };
        if dropped.contains(&i) {
            continue;
        }
        let Some(j) = slot(&changes[i], new)
            .and_then(|slot| removed.get_mut(&slot))
            .and_then(Vec::pop)
        else {
            continue;
        };
        let DependencyChange::Removed(old) = changes[j].change else {
            continue;
        };
        dropped.insert(j);
        if same_values(old, new) {
            // Renamed as it was: nothing to judge.
            dropped.insert(i);
        } else {
            changes[i].change = DependencyChange::Changed { old, new };
        }
    }
}

fn is_local(dep: &Dependency) -> bool {
    dep.source_str()
        .and_then(|s| ModuleSource::parse(s).ok())
        .is_some_and(|s| s.is_local())
}

/// `policy-change` for the policy file, and `parse-error` for each problem
/// of a new policy that would not load: a broken policy would stop every
/// later check.
fn policy_findings(change: &PolicyFileChange) -> Vec<Finding> {
    if let Some(why) = change.unreadable {
        return vec![parse_error::check(POLICY_FILE, "", 0, why)];
    }
    let (old, new) = (change.old.as_deref(), change.new.as_deref());
    if let Some(text) = new {
        if let Err(errors) = Policy::parse(text) {
            return errors
                .iter()
                .map(|e| parse_error::check(POLICY_FILE, text, e.span.start, &e.message))
                .collect();
        }
    }
    vec![policy_change::check(old, new)]
}

/// The plugin of one package a Pulumi YAML program loads (see
/// `extract::pulumi`'s `plugin.<package>`).
fn is_plugin_set(dep: &Dependency) -> bool {
    dep.ecosystem == Ecosystem::Pulumi && dep.kind == Kind::Plugin && dep.key.starts_with("plugin.")
}

/// A file of a directory that `lock-mismatch` reads, as it will be committed.
struct DirFile<'t> {
    path: &'t str,
    text: Cow<'t, str>,
    deps: Cow<'t, [Dependency]>,
}

/// The rules for one file's dependency changes, under a policy.
struct Judge<'j> {
    file: &'j str,
    text: &'j str,
    is_override: bool,
    policy: &'j Policy,
    findings: &'j mut Vec<Finding>,
}

impl Judge<'_> {
    fn change(&mut self, change: DependencyChange) {
        use crate::extract::is_unpacked_subchart as unpacked;
        match change {
            DependencyChange::Removed(_) => {}
            // An unpacked subchart is judged by its own files, but where
            // it replaces an archive (or an archive it).
            DependencyChange::Added(new) if unpacked(new) => {}
            DependencyChange::Changed { old, new } if unpacked(old) && unpacked(new) => {}
            DependencyChange::Added(new) if is_plugin_set(new) => self.plugin_set(None, new),
            DependencyChange::Changed { old, new } if is_plugin_set(new) => {
                self.plugin_set(Some(old), new)
            }
            DependencyChange::Added(dep) if dep.is_registry() => self.registry(None, dep),
            DependencyChange::Changed { old, new } if new.is_registry() => {
                self.registry(Some(old), new)
            }
            // A local path of the tree that a declared dependency now
            // names (an npm `file:./vendor/x`): the tree's own content.
            DependencyChange::Added(dep) if dep.local_path && dep.pin == PinState::Pinned => {}
            DependencyChange::Added(dep) => self.added(dep),
            // A local path that now leaves the repository, where one was
            // before: what it loads is new to every review.
            DependencyChange::Changed { old, new }
                if new.local_path && (old.local_path || is_local(old)) =>
            {
                self.added(new)
            }
            DependencyChange::Changed { old, new } => match new.kind {
                Kind::Module | Kind::Provider if new.pin != PinState::Derived => {
                    self.changed_declared(old, new)
                }
                Kind::Stack
                | Kind::Plugin
                | Kind::Action
                | Kind::Image
                | Kind::Chart
                | Kind::Role
                | Kind::Collection
                | Kind::Include => self.changed_declared(old, new),
                Kind::Module => self.changed_module(old, new),
                Kind::Provider => self.changed_provider(old, new),
                Kind::Lock => self.changed_lock(old, new),
                Kind::File => self.findings.extend(pipeline_permissions::check(
                    self.file,
                    self.text,
                    Some(old),
                    new,
                )),
                Kind::Policy => {}
            },
        }
    }

    /// The plugin a Pulumi YAML program's resources of one package load
    /// (`plugin.<package>`): `unpinned` when nothing in the program gives
    /// it a version; a `version-change` when it comes to have two. Its
    /// single version is judged where it is written.
    fn plugin_set(&mut self, old: Option<&Dependency>, new: &Dependency) {
        if let Some(why) = self.pin_of(new) {
            let finding = unpinned::check_declared(self.file, self.text, new, why);
            self.findings.push(finding);
            return;
        }
        let Some(old) = old else {
            return;
        };
        let several = new.version_str().is_some_and(|v| v.contains(", "));
        if several && old.version_str() != new.version_str() {
            let span = new.version.as_ref().map_or(new.span, |v| v.span);
            let finding = version_change::check(
                self.file,
                self.text,
                new,
                span,
                old.version_str(),
                new.version_str(),
            )
            .with_message(format!(
                "provider plugin \"{}\" is now given more than one version ({}) in one \
                 Pulumi YAML program; which one loads is the engine's choice, and needs a \
                 reviewer sign-off",
                new.name,
                new.version_str().unwrap_or_default()
            ));
            self.findings.push(finding);
        }
    }

    fn added(&mut self, dep: &Dependency) {
        let (file, text) = (self.file, self.text);
        match dep.kind {
            Kind::Stack
            | Kind::Plugin
            | Kind::Action
            | Kind::Image
            | Kind::Chart
            | Kind::Role
            | Kind::Collection
            | Kind::Include => self.added_declared(dep),
            Kind::File => self
                .findings
                .extend(pipeline_permissions::check(file, text, None, dep)),
            Kind::Module | Kind::Provider if dep.pin != PinState::Derived => {
                self.added_declared(dep)
            }
            Kind::Module => {
                if self.is_override {
                    return self.override_module(None, dep);
                }
                let Some(source) = self.module_source(dep) else {
                    return;
                };
                if source.is_local() {
                    return;
                }
                self.module_allowed(dep, &source);
                match unpinned::check_module(file, text, dep, &source, &self.policy.pinning) {
                    Some(finding) => self.findings.push(finding),
                    None => self.findings.push(new_dependency::check(
                        file,
                        text,
                        dep,
                        &display_address(&source),
                        dep.version_str().or(source.revision()),
                    )),
                }
            }
            Kind::Provider if self.is_override => self.override_provider(None, dep),
            Kind::Provider => {
                let address = provider_address(dep);
                self.provider_allowed(dep, &address);
                self.findings.push(new_dependency::check(
                    file,
                    text,
                    dep,
                    &address,
                    dep.version_str(),
                ));
            }
            Kind::Lock | Kind::Policy => {}
        }
    }

    fn changed_module(&mut self, old: &Dependency, new: &Dependency) {
        if self.is_override {
            return self.override_module(Some(old), new);
        }
        let Some(new_source) = self.module_source(new) else {
            return;
        };
        if new_source.is_local() {
            return;
        }
        let old_source = old
            .source_str()
            .and_then(|s| ModuleSource::parse(s).ok())
            .filter(|s| !s.is_local());
        let Some(old_source) = old_source else {
            // From a local path (or nothing readable) to a remote source: a
            // new third-party dependency.
            return self.added(new);
        };
        let source_span = new.source.as_ref().map_or(new.span, |s| s.span);
        self.moved(
            old,
            new,
            (&display_address(&old_source), &display_address(&new_source)),
            (
                old.version_str().or(old_source.revision()),
                new.version_str().or(new_source.revision()),
            ),
            new.version.as_ref().map_or(source_span, |v| v.span),
        );
        self.allowed_and_pinned(new, &new_source);
    }

    /// A module block of an override file amends the block of the same name
    /// in the directory: a version it sets replaces the base version, a
    /// source it sets replaces the base source. Either needs the same
    /// review as the edit it stands for.
    fn override_module(&mut self, old: Option<&Dependency>, new: &Dependency) {
        let (file, text) = (self.file, self.text);
        self.override_version(old, new);
        if new.source.is_none() || new.source_str() == old.and_then(Dependency::source_str) {
            return;
        }
        let Some(source) = self.module_source(new) else {
            return;
        };
        if source.is_local() {
            return;
        }
        let address = display_address(&source);
        let was = old
            .and_then(Dependency::source_str)
            .and_then(|s| ModuleSource::parse(s).ok())
            .map_or_else(
                || "the base file's source".to_owned(),
                |s| display_address(&s),
            );
        let span = new.source.as_ref().map_or(new.span, |s| s.span);
        self.findings
            .push(source_change::check(file, text, new, span, &was, &address));
        self.allowed_and_pinned(new, &source);
    }

    /// A `required_providers` entry of an override file amends the entry
    /// of the same name: a constraint or source it sets replaces the base
    /// one, and needs the same review.
    fn override_provider(&mut self, old: Option<&Dependency>, new: &Dependency) {
        let (file, text) = (self.file, self.text);
        self.override_version(old, new);
        let Some(source) = &new.source else {
            return;
        };
        if Some(source.value.as_str()) == old.and_then(Dependency::source_str) {
            return;
        }
        let address = provider_address(new);
        let was = old.map_or_else(|| "the base file's source".to_owned(), provider_address);
        self.findings.push(source_change::check(
            file,
            text,
            new,
            source.span,
            &was,
            &address,
        ));
        self.provider_allowed(new, &address);
    }

    /// A version an override file sets, where it differs from what it set
    /// before: a version change of the base block.
    fn override_version(&mut self, old: Option<&Dependency>, new: &Dependency) {
        let old_version = old.and_then(Dependency::version_str);
        let Some(version) = new
            .version
            .as_ref()
            .filter(|v| Some(v.value.as_str()) != old_version)
        else {
            return;
        };
        self.findings.push(
            version_change::check(
                self.file,
                self.text,
                new,
                version.span,
                old_version,
                Some(&version.value),
            )
            .with_message(format!(
                "override file sets {} \"{}\" version to {}",
                new.kind.as_str(),
                new.name,
                version.value
            )),
        );
        // The version replaces the base file's: a range there is as
        // unpinned as a range in the module block itself.
        let exact = crate::version::Constraints::parse(&version.value)
            .ok()
            .is_some_and(|c| c.exact().is_some());
        if new.kind == Kind::Module
            && self.policy.pinning.registry == RegistryPinning::Exact
            && !exact
        {
            self.findings.push(unpinned::check_declared(
                self.file,
                self.text,
                new,
                &format!(
                    "the override file sets version \"{}\", not one exact version: `init` takes \
                     the newest release it matches",
                    version.value
                ),
            ));
        }
    }

    fn changed_provider(&mut self, old: &Dependency, new: &Dependency) {
        if self.is_override {
            return self.override_provider(Some(old), new);
        }
        let new_address = provider_address(new);
        self.moved(
            old,
            new,
            (&provider_address(old), &new_address),
            (old.version_str(), new.version_str()),
            new.version.as_ref().map_or(new.span, |v| v.span),
        );
        self.provider_allowed(new, &new_address);
    }

    fn changed_lock(&mut self, old: &Dependency, new: &Dependency) {
        let lower = |d: &Dependency| d.name.to_ascii_lowercase();
        self.moved(
            old,
            new,
            (&lower(old), &lower(new)),
            (old.version_str(), new.version_str()),
            new.version.as_ref().map_or(new.span, |v| v.span),
        );
        if new.ecosystem != Ecosystem::Terraform {
            // go.sum: one hash per module version is right; another one
            // listed is another content the go command accepts.
            self.findings.extend(lock_tamper::check_any_change(
                self.file, self.text, old, new,
            ));
        } else if old.version_str() == new.version_str() {
            self.findings
                .extend(lock_tamper::check(self.file, self.text, old, new));
        }
    }

    /// What moved between two states of one dependency: `source-change` at
    /// the new source when the addresses differ, `version-change` at
    /// `version_span` when the versions differ.
    fn moved(
        &mut self,
        old: &Dependency,
        new: &Dependency,
        (old_address, new_address): (&str, &str),
        (old_version, new_version): (Option<&str>, Option<&str>),
        version_span: Span,
    ) {
        if old_address != new_address {
            let span = new.source.as_ref().map_or(new.span, |s| s.span);
            let finding =
                source_change::check(self.file, self.text, new, span, old_address, new_address);
            self.findings.push(finding);
        }
        if !same_version(old, new, old_version, new_version) {
            let finding = version_change::check(
                self.file,
                self.text,
                new,
                version_span,
                old_version,
                new_version,
            );
            self.findings.push(version_change::with_comments(
                finding,
                old.comment.as_deref(),
                new.comment.as_deref(),
            ));
        }
    }

    /// What an extractor judged, under the policy: a tag is pinned where
    /// `[pinning]` accepts tags for the kind.
    fn pin_of<'d>(&self, dep: &'d Dependency) -> Option<&'d str> {
        if self.policy.gitlab.dynamic_child_pipelines == DynamicChildPipelines::Allow
            && crate::extract::is_generated_child_pipeline(dep)
        {
            return None;
        }
        match &dep.pin {
            PinState::Unpinned(why) => Some(why),
            PinState::Tagged(why) => {
                let pinning = &self.policy.pinning;
                let accepted = match dep.kind {
                    Kind::Action => pinning.actions == ActionPinning::Tag,
                    Kind::Image => pinning.images == ImagePinning::Tag,
                    _ => pinning.git == GitPinning::Tag,
                };
                (!accepted).then_some(why.as_str())
            }
            PinState::Pinned | PinState::Derived => None,
        }
    }

    /// A registry or index setting added or changed: part of the source of
    /// every package it applies to, so a `source-change` from what the
    /// tool used before (its default registry, when nothing was set). One
    /// that names the default registry moves nothing; a removed one goes
    /// back to the default, the source every package with no setting has.
    fn registry(&mut self, old: Option<&Dependency>, new: &Dependency) {
        let tool = new
            .key
            .strip_prefix(crate::model::REGISTRY_KEY)
            .and_then(|rest| rest.split_once(':'))
            .map_or("", |(tool, _)| tool);
        let default = "(the default registry)";
        let value = |dep: &Dependency| -> String {
            let url = dep.source_str().unwrap_or_default().trim();
            if crate::extract::is_default_registry(tool, url) {
                default.to_owned()
            } else {
                url.trim_end_matches('/').to_owned()
            }
        };
        let before = old.map_or_else(|| default.to_owned(), value);
        let after = value(new);
        if before == after {
            return;
        }
        let span = new.source.as_ref().map_or(new.span, |s| s.span);
        let finding = source_change::check(self.file, self.text, new, span, &before, &after);
        let message = format!(
            "{} {before} -> {after} (the registry every package in its scope is \
             downloaded from: a pinned version may now name other bytes)",
            new.name
        );
        self.findings.push(finding.with_message(message));
    }

    /// A new dependency whose extractor judged its pin.
    fn added_declared(&mut self, dep: &Dependency) {
        self.allowed_declared(dep);
        match self.pin_of(dep) {
            Some(why) => {
                let finding = unpinned::check_declared(self.file, self.text, dep, why);
                self.findings.push(finding);
            }
            None => {
                let finding = new_dependency::check(
                    self.file,
                    self.text,
                    dep,
                    dep.source_str().unwrap_or(&dep.name),
                    dep.version_str(),
                );
                self.findings.push(finding);
            }
        }
    }

    /// A dependency whose extractor judged its pin: a source or version
    /// that moved, and whether it is still allowed and pinned.
    fn changed_declared(&mut self, old: &Dependency, new: &Dependency) {
        let (file, text) = (self.file, self.text);
        self.moved(
            old,
            new,
            (
                old.source_str().unwrap_or("(none)"),
                new.source_str().unwrap_or("(none)"),
            ),
            (old.version_str(), new.version_str()),
            new.version
                .as_ref()
                .or(new.source.as_ref())
                .map_or(new.span, |v| v.span),
        );
        if old.version_str() == new.version_str() {
            // Integrity hashes (a hashed requirement) replaced at the same
            // version are what lock-tamper is about.
            self.findings
                .extend(lock_tamper::check(file, text, old, new));
        }
        self.allowed_declared(new);
        if let Some(why) = self.pin_of(new) {
            self.findings
                .push(unpinned::check_declared(file, text, new, why));
        }
    }

    /// The allowlist for what an extractor reports: modules (Terragrunt),
    /// stacks and plugins.
    fn allowed_declared(&mut self, dep: &Dependency) {
        let Some(address) = dep.source_str().filter(|_| !dep.local_path) else {
            // A local path outside the repository is unpinned already;
            // no allowlist names one.
            return;
        };
        let (list, name) = match dep.kind {
            Kind::Module => (&self.policy.allow.modules, "modules"),
            Kind::Provider => (&self.policy.allow.providers, "providers"),
            Kind::Stack => (&self.policy.allow.stacks, "stacks"),
            Kind::Plugin => (&self.policy.allow.plugins, "plugins"),
            Kind::Action => (&self.policy.allow.actions, "actions"),
            Kind::Image => (&self.policy.allow.images, "images"),
            Kind::Chart => (&self.policy.allow.charts, "charts"),
            Kind::Role | Kind::Collection => (&self.policy.allow.galaxy, "galaxy"),
            Kind::Include => (&self.policy.allow.includes, "includes"),
            _ => return,
        };
        self.findings.extend(not_allowed::check(
            self.file, self.text, dep, address, list, name,
        ));
    }

    /// A remote module as it now is: inside the allowlist, and pinned.
    fn allowed_and_pinned(&mut self, dep: &Dependency, source: &ModuleSource) {
        self.module_allowed(dep, source);
        self.findings.extend(unpinned::check_module(
            self.file,
            self.text,
            dep,
            source,
            &self.policy.pinning,
        ));
    }

    fn module_allowed(&mut self, dep: &Dependency, source: &ModuleSource) {
        let list = &self.policy.allow.modules;
        self.findings.extend(not_allowed::check(
            self.file,
            self.text,
            dep,
            &display_address(source),
            list,
            "modules",
        ));
    }

    fn provider_allowed(&mut self, dep: &Dependency, address: &str) {
        let list = &self.policy.allow.providers;
        self.findings.extend(not_allowed::check(
            self.file,
            self.text,
            dep,
            address,
            list,
            "providers",
        ));
    }

    /// Parse a module's source, reporting a missing or unreadable one as a
    /// parse error: we cannot judge what we cannot read.
    fn module_source(&mut self, dep: &Dependency) -> Option<ModuleSource> {
        let (file, text) = (self.file, self.text);
        let Some(source) = &dep.source else {
            self.findings.push(parse_error::check(
                file,
                text,
                dep.span.start,
                &format!("module \"{}\" has no `source`", dep.name),
            ));
            return None;
        };
        match ModuleSource::parse(&source.value) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                self.findings.push(parse_error::check(
                    file,
                    text,
                    source.span.start,
                    &format!("module \"{}\": {e}", dep.name),
                ));
                None
            }
        }
    }
}

/// A provider's source as users read it, lowercased, without the default
/// registry host: `hashicorp/aws`, `registry.opentofu.org/hashicorp/aws`.
/// Without a `source`, Terraform implies `hashicorp/NAME`.
fn provider_address(dep: &Dependency) -> String {
    match dep.source_str() {
        Some(source) => without_default_host(&source.trim().to_ascii_lowercase()).to_owned(),
        None => format!("hashicorp/{}", dep.name.to_ascii_lowercase()),
    }
}

/// The key lock entries have: the address without a public registry host.
fn lock_key(provider_address: &str) -> String {
    normal_address(provider_address)
}

/// A module's normal address as users read it.
fn display_address(source: &ModuleSource) -> String {
    without_default_host(&source.address()).to_owned()
}

/// Terraform's override files: `override.tf`, `x_override.tf` (and the
/// `.tf.json` and `.tofu` forms).
fn is_override(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = [".tf.json", ".tofu.json", ".tf", ".tofu"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

/// `a/b/main.tf` -> `a/b`; `main.tf` -> ``.
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Two spellings of one version, as the tool that reads it compares them:
/// whitespace and a leading `=` / `==` / `===` (pip's and Ansible's exact
/// match, Helm's and go-version's default operator) say nothing; a leading
/// `v` neither, where the version is a semver constraint (Helm charts,
/// Terraform registry modules and providers, whose go-version parser takes
/// `v1.2.3` for `1.2.3`). Git refs, tags and digests are compared as
/// written: `v1.2` and `1.2` are two tags.
fn same_version(old: &Dependency, new: &Dependency, a: Option<&str>, b: Option<&str>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return a == b;
    };
    if a == b {
        return true;
    }
    // Only versions written as versions (a module's git ref stands in for
    // its version when it has none).
    if old.version.is_none() || new.version.is_none() || old.kind != new.kind {
        return false;
    }
    let semver = match new.kind {
        Kind::Chart => true,
        Kind::Module | Kind::Provider => new.ecosystem == Ecosystem::Terraform,
        Kind::Collection | Kind::Role | Kind::Plugin => false,
        _ => return false,
    };
    if new.kind == Kind::Provider && !semver && new.ecosystem != Ecosystem::Pulumi {
        return false;
    }
    let norm = |v: &str| {
        let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        let v = v.trim_start_matches('=');
        let v = match v.strip_prefix(['v', 'V']) {
            Some(rest) if semver && rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => v,
        };
        v.to_owned()
    };
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}
