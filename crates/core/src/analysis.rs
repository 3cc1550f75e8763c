//! A change to a set of files, judged: extract both sides of every file,
//! diff them, and run the rules under the policy.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diff::{diff, DependencyChange};
use crate::extract::{extract, FileKind};
use crate::finding::{Finding, Side};
use crate::model::{Dependency, ExtractError, Kind};
use crate::policy::{Policy, POLICY_FILE};
use crate::rules::{
    lock_mismatch, lock_tamper, new_dependency, not_allowed, parse_error, policy_change,
    source_change, unpinned, version_change,
};
use crate::source::ModuleSource;
use crate::suppress;

/// One file of a change: either path is absent for additions and deletions.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    pub old_path: Option<&'a str>,
    pub new_path: Option<&'a str>,
    pub old: Option<&'a [u8]>,
    pub new: Option<&'a [u8]>,
}

/// A file of a directory as it will be after the change.
#[derive(Debug, Clone, Copy)]
pub struct Sibling<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
}

struct Analyzed<'a> {
    path: &'a str,
    new_text: Option<Cow<'a, str>>,
    old: Vec<Dependency>,
    new: Option<Result<Vec<Dependency>, ExtractError>>,
}

/// The policy file's two sides, when the change touches it.
struct PolicyFileChange<'a> {
    old: Option<Cow<'a, str>>,
    new: Option<Cow<'a, str>>,
}

/// Every IaC file of a change, read on both sides.
pub struct Analysis<'a> {
    policy: &'a Policy,
    files: Vec<Analyzed<'a>>,
    policy_file: Option<PolicyFileChange<'a>>,
}

impl<'a> Analysis<'a> {
    /// Files that are not IaC, files outside the policy's `[paths]`, and
    /// renames with identical content are skipped here.
    pub fn new(inputs: &[FileInput<'a>], policy: &'a Policy) -> Analysis<'a> {
        let mut policy_file = None;
        let mut files = Vec::new();
        for input in inputs {
            let Some(path) = input.new_path.or(input.old_path) else {
                continue;
            };
            if input.old.is_some() && input.old == input.new {
                continue;
            }
            if path == POLICY_FILE || input.old_path == Some(POLICY_FILE) {
                policy_file = Some(PolicyFileChange {
                    old: input
                        .old
                        .filter(|_| input.old_path == Some(POLICY_FILE))
                        .map(String::from_utf8_lossy),
                    new: input
                        .new
                        .filter(|_| input.new_path == Some(POLICY_FILE))
                        .map(String::from_utf8_lossy),
                });
                continue;
            }
            let Some(kind) = FileKind::classify(path) else {
                continue;
            };
            if !policy.paths.selects(path) {
                continue;
            }
            // An old side we cannot read counts as empty: everything on the
            // new side is then judged as added, which fails closed.
            let old = input
                .old
                .filter(|_| input.old_path.and_then(FileKind::classify) == Some(kind))
                .and_then(|bytes| extract(kind, bytes).ok())
                .unwrap_or_default();
            files.push(Analyzed {
                path,
                new_text: input.new.map(String::from_utf8_lossy),
                old,
                new: input.new.map(|bytes| extract(kind, bytes)),
            });
        }
        Analysis {
            policy,
            files,
            policy_file,
        }
    }

    /// How many IaC files (the policy file included) the change touches.
    pub fn files_checked(&self) -> usize {
        self.files.len() + usize::from(self.policy_file.is_some())
    }

    /// Directories whose provider requirements or lock entries changed.
    /// `lock-mismatch` needs every Terraform file of these, as they will be
    /// committed: pass them to [`Analysis::findings`] as siblings.
    pub fn lock_dirs(&self) -> Vec<String> {
        let mut dirs = BTreeSet::new();
        for file in &self.files {
            let Some(Ok(new)) = &file.new else { continue };
            let touched = diff(&file.old, new).iter().any(|change| match change {
                DependencyChange::Added(d) | DependencyChange::Changed { new: d, .. } => {
                    matches!(d.kind, Kind::Provider | Kind::Lock)
                }
                DependencyChange::Removed(_) => false,
            });
            if touched {
                dirs.insert(dir_of(file.path).to_owned());
            }
        }
        dirs.into_iter().collect()
    }

    /// Run the rules. `siblings` are the files of [`Analysis::lock_dirs`].
    /// Rules the policy turns off are dropped; the others carry the level
    /// the policy gives them.
    pub fn findings(&self, siblings: &[Sibling]) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut changed_providers: HashSet<(String, String)> = HashSet::new();
        for file in &self.files {
            let (Some(text), Some(new)) = (&file.new_text, &file.new) else {
                continue;
            };
            let new = match new {
                Ok(new) => new,
                Err(e) => {
                    findings.push(parse_error::check(file.path, text, e.offset, &e.message));
                    continue;
                }
            };
            let mut judge = Judge {
                file: file.path,
                text,
                policy: self.policy,
                findings: &mut findings,
            };
            for change in diff(&file.old, new) {
                if let DependencyChange::Added(d) | DependencyChange::Changed { new: d, .. } =
                    change
                {
                    let dir = dir_of(file.path).to_owned();
                    match d.kind {
                        Kind::Provider => {
                            changed_providers.insert((dir, provider_address(d)));
                        }
                        Kind::Lock => {
                            changed_providers.insert((dir, hostless(&d.name.to_ascii_lowercase())));
                        }
                        _ => {}
                    }
                }
                judge.change(change);
            }
            findings.extend(suppress::problems(file.path, text));
        }
        self.lock_mismatches(siblings, &changed_providers, &mut findings);
        if let Some(change) = &self.policy_file {
            findings.extend(policy_findings(change));
        }

        let texts: HashMap<&str, Cow<str>> = self
            .files
            .iter()
            .filter_map(|f| Some((f.path, f.new_text.clone()?)))
            .chain(
                siblings
                    .iter()
                    .map(|s| (s.path, String::from_utf8_lossy(s.bytes))),
            )
            .collect();
        findings.retain_mut(|finding| {
            let Some(level) = self.policy.level(finding.rule) else {
                return false;
            };
            finding.level = level;
            if finding.side == Side::New {
                if let Some(text) = texts.get(finding.file.as_str()) {
                    suppress::apply(finding, text);
                }
            }
            true
        });
        findings
    }

    fn lock_mismatches(
        &self,
        siblings: &[Sibling],
        changed: &HashSet<(String, String)>,
        findings: &mut Vec<Finding>,
    ) {
        if changed.is_empty() {
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
        for sibling in siblings {
            if extracted.iter().any(|f| f.path == sibling.path) {
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
        let dirs: BTreeSet<&str> = changed.iter().map(|(d, _)| d.as_str()).collect();
        for dir in dirs {
            let in_dir = || extracted.iter().filter(|f| dir_of(f.path) == dir);
            let Some(lock_file) =
                in_dir().find(|f| FileKind::classify(f.path) == Some(FileKind::TerraformLock))
            else {
                continue;
            };
            let lock = lock_mismatch::LockFile {
                file: lock_file.path,
                entries: lock_file
                    .deps
                    .iter()
                    .filter(|d| d.kind == Kind::Lock)
                    .map(|d| (hostless(&d.name.to_ascii_lowercase()), d))
                    .collect(),
            };
            for file in in_dir() {
                for dep in file.deps.iter().filter(|d| d.kind == Kind::Provider) {
                    let address = provider_address(dep);
                    if !changed.contains(&(dir.to_owned(), address.clone())) {
                        continue;
                    }
                    let req = lock_mismatch::Requirement {
                        file: file.path,
                        text: &file.text,
                        dep,
                        address,
                    };
                    findings.extend(lock_mismatch::check(&req, &lock));
                }
            }
        }
    }
}

/// `policy-change` for the policy file, and `parse-error` for each problem
/// of a new policy that would not load: a broken policy would stop every
/// later check.
fn policy_findings(change: &PolicyFileChange) -> Vec<Finding> {
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
    policy: &'j Policy,
    findings: &'j mut Vec<Finding>,
}

impl Judge<'_> {
    fn change(&mut self, change: DependencyChange) {
        match change {
            DependencyChange::Removed(_) => {}
            DependencyChange::Added(dep) => self.added(dep),
            DependencyChange::Changed { old, new } => match new.kind {
                Kind::Module => self.changed_module(old, new),
                Kind::Provider => self.changed_provider(old, new),
                Kind::Lock => self.changed_lock(old, new),
                Kind::Policy | Kind::File => {}
            },
        }
    }

    fn added(&mut self, dep: &Dependency) {
        let (file, text) = (self.file, self.text);
        match dep.kind {
            Kind::Module => {
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
                        &display_address(source.address()),
                        dep.version_str().or(source.reference()),
                    )),
                }
            }
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
            Kind::Lock | Kind::Policy | Kind::File => {}
        }
    }

    fn changed_module(&mut self, old: &Dependency, new: &Dependency) {
        let (file, text) = (self.file, self.text);
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
        let (old_address, new_address) = (
            display_address(old_source.address()),
            display_address(new_source.address()),
        );
        let mut moved = false;
        if old_address != new_address {
            moved = true;
            self.findings.push(source_change::check(
                file,
                text,
                new,
                source_span,
                &old_address,
                &new_address,
            ));
        }
        let old_version = old.version_str().or(old_source.reference());
        let new_version = new.version_str().or(new_source.reference());
        if old_version != new_version {
            moved = true;
            let span = new.version.as_ref().map_or(source_span, |v| v.span);
            self.findings.push(version_change::check(
                file,
                text,
                new,
                span,
                old_version,
                new_version,
            ));
        }
        if moved {
            self.module_allowed(new, &new_source);
            self.findings.extend(unpinned::check_module(
                file,
                text,
                new,
                &new_source,
                &self.policy.pinning,
            ));
        }
    }

    fn changed_provider(&mut self, old: &Dependency, new: &Dependency) {
        let (file, text) = (self.file, self.text);
        let (old_address, new_address) = (provider_address(old), provider_address(new));
        if old_address != new_address {
            let span = new.source.as_ref().map_or(new.span, |s| s.span);
            self.findings.push(source_change::check(
                file,
                text,
                new,
                span,
                &old_address,
                &new_address,
            ));
        }
        if old.version_str() != new.version_str() {
            let span = new.version.as_ref().map_or(new.span, |v| v.span);
            self.findings.push(version_change::check(
                file,
                text,
                new,
                span,
                old.version_str(),
                new.version_str(),
            ));
        }
        self.provider_allowed(new, &new_address);
    }

    fn changed_lock(&mut self, old: &Dependency, new: &Dependency) {
        let (file, text) = (self.file, self.text);
        if old.version_str() != new.version_str() {
            let span = new.version.as_ref().map_or(new.span, |v| v.span);
            self.findings.push(version_change::check(
                file,
                text,
                new,
                span,
                old.version_str(),
                new.version_str(),
            ));
        } else {
            self.findings
                .extend(lock_tamper::check(file, text, old, new));
        }
    }

    fn module_allowed(&mut self, dep: &Dependency, source: &ModuleSource) {
        let list = &self.policy.allow.modules;
        self.findings.extend(not_allowed::check(
            self.file,
            self.text,
            dep,
            &display_address(source.address()),
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

/// A provider's registry address without the default host, lowercased:
/// `hashicorp/aws`. Without a `source`, Terraform implies `hashicorp/NAME`.
fn provider_address(dep: &Dependency) -> String {
    let address = match dep.source_str() {
        Some(source) => source.trim().to_ascii_lowercase(),
        None => format!("hashicorp/{}", dep.name.to_ascii_lowercase()),
    };
    hostless(&address)
}

/// Registry addresses without the default host, which only adds noise.
fn display_address(address: String) -> String {
    match address.strip_prefix("registry.terraform.io/") {
        Some(rest) => rest.to_owned(),
        None => address,
    }
}

fn hostless(address: &str) -> String {
    for host in ["registry.terraform.io/", "registry.opentofu.org/"] {
        if let Some(rest) = address.strip_prefix(host) {
            return rest.to_owned();
        }
    }
    address.to_owned()
}

/// `a/b/main.tf` -> `a/b`; `main.tf` -> ``.
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}
