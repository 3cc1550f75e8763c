//! Software bills of materials of a whole tree: its third-party IaC
//! dependencies as a CycloneDX 1.6 or an SPDX 2.3 JSON document.
//!
//! The caller extracts every file of the tree and hands over the
//! dependencies per file ([`FileDeps`]); this module merges them into
//! components and renders the documents. It reads nothing itself.
//!
//! One component per distinct dependency: the same ecosystem, kind,
//! normalised source and version, whichever files declare it (all of them
//! are its evidence). Charts, roles, collections and includes are told
//! apart by name too, since their source may be a repository that holds
//! many. What each dependency becomes:
//!
//! | Dependency | Component name | Version | purl |
//! |---|---|---|---|
//! | `.terraform.lock.hcl` entry | the address, `registry.terraform.io/hashicorp/aws` | the locked version | `pkg:terraform/hashicorp/aws@5.31.0` (candidate type) |
//! | `required_providers` entry, legacy `provider` block | the address (default `hashicorp/NAME`) | the lock's, when the directory's lock file has the provider; else none | as above, without a version when unlocked |
//! | Terraform module, Terragrunt unit or stack | the normal address, `terraform-aws-modules/vpc/aws`, `github.com/org/repo//sub` | `version`, else the ref, S3 version or checksum | `pkg:terraform/NS/NAME/SYSTEM@X` (exact versions only), `pkg:github/ORG/REPO@REF#SUB`, `pkg:generic/...?vcs_url=` or `?download_url=` |
//! | image | the repository, `docker.io/library/nginx` | the digest, else the tag | `pkg:docker/...`, or `pkg:oci/NAME@sha256:...?repository_url=` for a digest outside Docker Hub |
//! | action, reusable workflow | `owner/repo[/path]` | the ref | `pkg:github/owner/repo@REF#path` |
//! | chart | the chart name | as written | `pkg:generic/NAME@X?repository_url=REPO` |
//! | role, collection | the name | as written | `pkg:generic/NAME@X`, or the git repository |
//! | Pulumi provider package | the package | as written | `pkg:npm`, `pkg:pypi`, `pkg:golang` by manifest (exact versions only) |
//! | anything else | the source | as written | `pkg:generic/NAME@X`, a URL as `?download_url=` (a git URL as `?vcs_url=`, a GitHub repository as `pkg:github`) |
//!
//! A provider requirement is merged into the lock entry for the same
//! address (compared without the public registry's host, as the rules do)
//! in its directory's lock file, so a locked provider appears once, with
//! its version, its lock hashes and every file that requires it. Lock
//! hashes: `zh:` is the SHA-256 of one platform's provider zip and becomes
//! a checksum; `h1:` is a hash of the unpacked directory (Go's dirhash), no
//! checksum of a file, and becomes a property (`iacgate:h1`) or comment.
//!
//! Deliberately left out: local modules (`./x`), file facts
//! ([`Kind::File`]) and the policy file ([`Kind::Policy`]), a module
//! without a `source`. A source that cannot be resolved statically
//! (`${...}`, `!Sub`) stays a component under the text as written, with no
//! purl: the SBOM lists what the tree declares, and guesses nothing.
//!
//! The output is deterministic: components sorted, no timestamps, no
//! random identifiers. CycloneDX has no `serialNumber` (it is optional and
//! names one BOM instance). SPDX requires a creation time: it is
//! [`Subject::created`] when given (the commit's date makes a good one),
//! else `1970-01-01T00:00:00Z`; its `documentNamespace` is derived from the
//! name and commit (or, with no commit, from a hash of the contents).

mod cyclonedx;
mod purl;
mod spdx;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::dir_of;
use crate::extract::{FileKind, Manifest};
use crate::model::{Dependency, Ecosystem, Kind};
use crate::policy::normal_address;
use crate::source::{without_default_host, ModuleSource};

/// What the SBOM is about: the repository at a commit, and the tool.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The repository's name (its directory name, say).
    pub name: &'a str,
    /// The full commit id, when the tree is a commit.
    pub commit: Option<&'a str>,
    /// iacgate's version, for the documents' tool fields.
    pub tool_version: &'a str,
    /// SPDX `creationInfo.created`, an RFC 3339 UTC time
    /// (`2024-05-01T12:00:00Z`); `1970-01-01T00:00:00Z` when absent, so the
    /// same tree always gives the same bytes.
    pub created: Option<&'a str>,
}

/// The dependencies one file of the tree declares.
#[derive(Debug, Clone, Copy)]
pub struct FileDeps<'a> {
    /// Repository-relative, `/`-separated.
    pub path: &'a str,
    pub deps: &'a [Dependency],
}

/// A CycloneDX 1.6 JSON document, pretty-printed, ending in a newline.
pub fn cyclonedx(subject: &Subject, files: &[FileDeps]) -> String {
    cyclonedx::render(subject, &components(files))
}

/// An SPDX 2.3 JSON document, pretty-printed, ending in a newline.
pub fn spdx(subject: &Subject, files: &[FileDeps]) -> String {
    spdx::render(subject, &components(files))
}

/// What makes two dependencies one component. Field order is output order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Identity {
    ecosystem: Ecosystem,
    /// A lock entry counts as the provider it locks.
    kind: Kind,
    /// The normalised source (the name when there is none).
    place: String,
    /// For kinds whose source may hold many packages (a chart repository).
    name: Option<String>,
    version: Option<String>,
}

/// One distinct dependency of the tree, with everything known about it.
#[derive(Debug, Clone)]
struct Component {
    id: Identity,
    name: String,
    purl: Option<String>,
    /// Where to fetch it, in SPDX's `downloadLocation` syntax.
    download: Option<String>,
    files: BTreeSet<String>,
    /// Lowercase hex SHA-256 digests (`zh:` lock hashes).
    sha256: BTreeSet<String>,
    /// Hashes that are no file checksum (`h1:`), as written.
    other_hashes: BTreeSet<String>,
    /// Version constraints that selected it (`~> 5.0`).
    constraints: BTreeSet<String>,
    /// Version comments next to a pin (`# v4.1.1`), the tag of a digest.
    comments: BTreeSet<String>,
    /// The source, where it is not the name (a chart's repository).
    sources: BTreeSet<String>,
}

impl Component {
    fn new(id: Identity, name: String) -> Component {
        Component {
            id,
            name,
            purl: None,
            download: None,
            files: BTreeSet::new(),
            sha256: BTreeSet::new(),
            other_hashes: BTreeSet::new(),
            constraints: BTreeSet::new(),
            comments: BTreeSet::new(),
            sources: BTreeSet::new(),
        }
    }

    /// Unique in the document: every field of the identity, escaped so
    /// that no two identities give the same text, and stable across runs.
    fn bom_ref(&self) -> String {
        let id = &self.id;
        let fields = [
            id.ecosystem.as_str(),
            id.kind.as_str(),
            &id.place,
            id.name.as_deref().unwrap_or_default(),
            id.version.as_deref().unwrap_or_default(),
        ];
        let escaped: Vec<String> = fields
            .iter()
            .map(|f| f.replace('%', "%25").replace('|', "%7C"))
            .collect();
        escaped.join("|")
    }

    /// Takes in what another declaration of the same component adds.
    /// Choices between values (purl, download location) take the least,
    /// so the order of the files does not matter.
    fn absorb(&mut self, other: Component) {
        self.purl = min_some(self.purl.take(), other.purl);
        self.download = min_some(self.download.take(), other.download);
        self.files.extend(other.files);
        self.sha256.extend(other.sha256);
        self.other_hashes.extend(other.other_hashes);
        self.constraints.extend(other.constraints);
        self.comments.extend(other.comments);
        self.sources.extend(other.sources);
    }
}

fn min_some(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The tree's components, sorted by identity.
fn components(files: &[FileDeps]) -> Vec<Component> {
    let locks = Locks::of(files);
    let mut merged: BTreeMap<Identity, Component> = BTreeMap::new();
    for file in files {
        // A local path is no component, even one that leaves the
        // repository (which the checks block).
        for dep in file.deps.iter().filter(|d| !d.local_path) {
            let Some(mut component) = component(file.path, dep, &locks) else {
                continue;
            };
            // Nothing to name it by: no document can hold it.
            if component.name.is_empty() {
                continue;
            }
            // A location that is not one token would fail SPDX validation.
            component.download = component
                .download
                .filter(|location| !purl::is_unresolved(location));
            component.files.insert(file.path.to_owned());
            match merged.get_mut(&component.id) {
                Some(existing) => existing.absorb(component),
                None => {
                    merged.insert(component.id.clone(), component);
                }
            }
        }
    }
    merged.into_values().collect()
}

/// The component one dependency is, or `None` for what is no third-party
/// dependency.
fn component(path: &str, dep: &Dependency, locks: &Locks) -> Option<Component> {
    match (dep.ecosystem, dep.kind) {
        // Where packages come from, not a package.
        _ if dep.is_registry() => None,
        (_, Kind::File | Kind::Policy) => None,
        (Ecosystem::Terraform, Kind::Lock) => Some(lock_entry(dep)),
        // go.sum: the hashes of what go.mod requires, not components.
        (_, Kind::Lock) => None,
        (Ecosystem::Terraform, Kind::Provider) => Some(provider(path, dep, locks)),
        (Ecosystem::Terraform | Ecosystem::Terragrunt, Kind::Module | Kind::Stack) => module(dep),
        (_, Kind::Image) => Some(image(dep)),
        (_, Kind::Action) => Some(action(dep)),
        (_, Kind::Chart | Kind::Role | Kind::Collection | Kind::Include) => Some(named(dep)),
        (Ecosystem::Pulumi, Kind::Provider) => Some(package(path, dep)),
        _ => Some(other(dep)),
    }
}

/// Trimmed, and `None` when empty.
fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn identity(dep: &Dependency, place: String, version: Option<String>) -> Identity {
    Identity {
        ecosystem: dep.ecosystem,
        kind: dep.kind,
        place,
        name: None,
        version,
    }
}

/// A provider's full address, lowercased: `hashicorp/aws` ->
/// `registry.terraform.io/hashicorp/aws`; no source means `hashicorp/NAME`.
fn provider_address(source: Option<&str>, local_name: &str) -> String {
    let source = source
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(local_name)
        .to_ascii_lowercase();
    match source.split('/').count() {
        1 => format!("registry.terraform.io/hashicorp/{source}"),
        2 => format!("registry.terraform.io/{source}"),
        _ => source,
    }
}

/// The lock entries of every directory: (directory, normal address) ->
/// (full address, locked version).
struct Locks(BTreeMap<(String, String), (String, Option<String>)>);

impl Locks {
    fn of(files: &[FileDeps]) -> Locks {
        let mut locks = BTreeMap::new();
        for file in files {
            let locked = file
                .deps
                .iter()
                .filter(|d| d.ecosystem == Ecosystem::Terraform && d.kind == Kind::Lock);
            for dep in locked {
                let address = provider_address(dep.source_str(), &dep.name);
                let key = (dir_of(file.path).to_owned(), normal_address(&address));
                let entry = (address, text(dep.version_str()));
                // Two entries for one provider in one directory are a broken
                // tree; the least keeps the output independent of order.
                match locks.get(&key) {
                    Some(old) if *old <= entry => {}
                    _ => {
                        locks.insert(key, entry);
                    }
                }
            }
        }
        Locks(locks)
    }

    fn get(&self, path: &str, address: &str) -> Option<&(String, Option<String>)> {
        self.0
            .get(&(dir_of(path).to_owned(), normal_address(address)))
    }
}

fn provider_component(address: String, version: Option<String>) -> Component {
    let id = Identity {
        ecosystem: Ecosystem::Terraform,
        kind: Kind::Provider,
        place: address.clone(),
        name: None,
        version,
    };
    let mut component = Component::new(id, address);
    component.purl = purl::terraform_provider(&component.name, component.id.version.as_deref());
    component
}

/// A `.terraform.lock.hcl` entry: the provider at its locked version.
fn lock_entry(dep: &Dependency) -> Component {
    let address = provider_address(dep.source_str(), &dep.name);
    let mut component = provider_component(address, text(dep.version_str()));
    for hash in &dep.hashes {
        match hash.strip_prefix("zh:").filter(|hex| is_sha256(hex)) {
            Some(hex) => component.sha256.insert(hex.to_ascii_lowercase()),
            None => component.other_hashes.insert(hash.clone()),
        };
    }
    component
        .constraints
        .extend(text(dep.constraints.as_deref()));
    component
}

fn is_sha256(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A provider requirement: the locked provider of its directory, or the
/// provider without a version when the directory locks none.
fn provider(path: &str, dep: &Dependency, locks: &Locks) -> Component {
    let address = provider_address(dep.source_str(), &dep.name);
    let (address, version) = match locks.get(path, &address) {
        Some((locked, version)) => (locked.clone(), version.clone()),
        None => (address, None),
    };
    let mut component = provider_component(address, version);
    component.constraints.extend(text(dep.version_str()));
    component
}

/// A Terraform module call, a Terragrunt unit or stack. Local paths are
/// no dependency.
fn module(dep: &Dependency) -> Option<Component> {
    let written = text(dep.source_str())?;
    let parsed = match purl::is_unresolved(&written) {
        true => None,
        false => ModuleSource::parse(&written).ok(),
    };
    let Some(source) = parsed else {
        let id = identity(dep, written.clone(), text(dep.version_str()));
        return Some(Component::new(id, written));
    };
    if source.is_local() {
        return None;
    }
    let address = source.address();
    let version = text(dep.version_str()).or_else(|| text(source.revision()));
    let name = without_default_host(&address).to_owned();
    let mut component = Component::new(identity(dep, address, version), name);
    component.purl = purl::module(&source, component.id.version.as_deref());
    component.download = download_location(&source);
    Some(component)
}

/// SPDX's `downloadLocation` for what can be fetched as written: a git
/// repository at its ref (`git+https://host/repo.git@ref#subdir`), an
/// archive URL.
fn download_location(source: &ModuleSource) -> Option<String> {
    match source {
        ModuleSource::Git {
            url,
            reference,
            subdir,
            ..
        } if url.starts_with("https://") || url.starts_with("ssh://") => {
            // Where it is fetched from (crate::address): dot segments
            // resolved, no user-info (which may hold a token).
            let url = crate::address::web(url).map_or_else(|_| url.clone(), |n| n.url());
            let mut location = format!("git+{url}");
            if let Some(reference) = reference {
                location.push('@');
                location.push_str(reference);
            }
            if let Some(subdir) = subdir {
                location.push('#');
                location.push_str(subdir);
            }
            Some(location)
        }
        ModuleSource::Http { url, .. } => {
            Some(crate::address::web(url).map_or_else(|_| url.clone(), |n| n.url()))
        }
        _ => None,
    }
}

fn image(dep: &Dependency) -> Component {
    let place = text(dep.source_str()).unwrap_or_else(|| dep.name.trim().to_owned());
    let mut component =
        Component::new(identity(dep, place.clone(), text(dep.version_str())), place);
    component.purl = purl::image(&component.name, component.id.version.as_deref());
    component.comments.extend(text(dep.comment.as_deref()));
    component
}

fn action(dep: &Dependency) -> Component {
    let place = text(dep.source_str()).unwrap_or_else(|| dep.name.trim().to_ascii_lowercase());
    let version = text(dep.version_str());
    let mut component = Component::new(identity(dep, place.clone(), version), place);
    let version = component.id.version.as_deref();
    component.purl = purl::github_action(&component.name, version);
    component.download = action_location(&component.name, version);
    component.comments.extend(text(dep.comment.as_deref()));
    component
}

/// `git+https://github.com/owner/repo.git@ref#path` for `owner/repo/path@ref`.
fn action_location(address: &str, version: Option<&str>) -> Option<String> {
    if purl::is_unresolved(address) || version.is_some_and(purl::is_unresolved) {
        return None;
    }
    let mut segments = address.splitn(3, '/');
    let owner = segments.next().filter(|s| !s.is_empty())?;
    let repo = segments.next().filter(|s| !s.is_empty())?;
    let mut location = format!("git+https://github.com/{owner}/{repo}.git");
    if let Some(version) = version {
        location.push('@');
        location.push_str(version);
    }
    if let Some(path) = segments.next().filter(|p| !p.is_empty()) {
        location.push('#');
        location.push_str(path);
    }
    Some(location)
}

/// Charts, roles, collections and includes: named within their source.
fn named(dep: &Dependency) -> Component {
    let name = dep.name.trim().to_owned();
    let source = text(dep.source_str());
    let mut id = identity(
        dep,
        source.clone().unwrap_or_default(),
        text(dep.version_str()),
    );
    id.name = Some(name.clone());
    let mut component = Component::new(id, name);
    let version = component.id.version.as_deref();
    component.purl = match dep.kind {
        Kind::Chart => purl::chart(&component.name, source.as_deref(), version),
        Kind::Role | Kind::Collection => purl::galaxy(&component.name, source.as_deref(), version),
        _ => purl::generic(
            source.as_deref().unwrap_or(&component.name),
            Some(&component.name),
            version,
        ),
    };
    component
        .sources
        .extend(source.filter(|s| *s != component.name));
    component.comments.extend(text(dep.comment.as_deref()));
    component
}

/// A Pulumi provider package, in the registry of its manifest.
fn package(path: &str, dep: &Dependency) -> Component {
    let mut component = other(dep);
    let place = component.id.place.as_str();
    let version = component.id.version.as_deref();
    let registry = match FileKind::classify(path) {
        Some(FileKind::PulumiPackages(Manifest::PackageJson)) => purl::npm(place, version),
        Some(FileKind::PulumiPackages(Manifest::Requirements | Manifest::PyProject)) => {
            purl::pypi(place, version)
        }
        Some(FileKind::PulumiPackages(Manifest::GoMod | Manifest::GoWork)) => {
            purl::golang(place, version)
        }
        _ => None,
    };
    if registry.is_some() {
        component.purl = registry;
    }
    component
}

/// Everything else, under its source as written.
fn other(dep: &Dependency) -> Component {
    let place = text(dep.source_str()).unwrap_or_else(|| dep.name.trim().to_owned());
    let mut component =
        Component::new(identity(dep, place.clone(), text(dep.version_str())), place);
    // A Pulumi plugin's name is its package; elsewhere (a nested stack's
    // logical id) it names nothing that is downloaded.
    let name = (dep.ecosystem == Ecosystem::Pulumi).then_some(dep.name.trim());
    component.purl = purl::generic(&component.name, name, component.id.version.as_deref());
    component.comments.extend(text(dep.comment.as_deref()));
    component
}

/// FNV-1a, 64 bits: a stable short hash for identifiers (not for security).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Pretty JSON with a trailing newline. Serialising these plain structs
/// cannot fail; an empty document would be caught by any validator.
fn to_json<T: serde::Serialize>(document: &T) -> String {
    let mut json = serde_json::to_string_pretty(document).unwrap_or_default();
    json.push('\n');
    json
}
