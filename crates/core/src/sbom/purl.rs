//! Package URLs (purl, ECMA-427) for the components of an SBOM.
//!
//! Strings are canonical: every character but `A-Z a-z 0-9 . - _ ~ :` is
//! percent-encoded in each component (namespace and subpath segment by
//! segment, so their `/` stay separators; qualifier values whole, so theirs
//! become `%2F`), and qualifiers are sorted by key. ECMA-427 says the colon is
//! never encoded: a digest is `@sha256:<hex>`, which readers of the older
//! `sha256%3A` spelling decode to the same value.
//!
//! Registered types used: `github`, `docker`, `oci`, `npm`, `pypi`,
//! `golang`, `generic`. One candidate type: `terraform` (see
//! [`terraform_provider`]).

use std::fmt::{self, Write as _};

use crate::source::ModuleSource;
use crate::version::{Constraints, Version};

/// The registry a Terraform address names when it names none.
const TERRAFORM_REGISTRY: &str = "registry.terraform.io";

/// One package URL, built part by part.
#[derive(Debug, Clone)]
struct Purl {
    ty: &'static str,
    namespace: Vec<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(&'static str, String)>,
    subpath: Vec<String>,
}

impl Purl {
    fn new(ty: &'static str, name: &str) -> Purl {
        Purl {
            ty,
            namespace: Vec::new(),
            name: name.to_owned(),
            version: None,
            qualifiers: Vec::new(),
            subpath: Vec::new(),
        }
    }

    /// `/`-separated segments; empty ones are dropped.
    fn namespace(mut self, path: &str) -> Purl {
        self.namespace = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        self
    }

    fn version(mut self, version: Option<&str>) -> Purl {
        self.version = version.filter(|v| !v.is_empty()).map(str::to_owned);
        self
    }

    fn qualifier(mut self, key: &'static str, value: Option<&str>) -> Purl {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.qualifiers.push((key, value.to_owned()));
        }
        self
    }

    /// A path inside the package; empty, `.` and `..` segments are dropped,
    /// as the spec says.
    fn subpath(mut self, path: Option<&str>) -> Purl {
        self.subpath = path
            .unwrap_or_default()
            .split('/')
            .filter(|s| !matches!(*s, "" | "." | ".."))
            .map(str::to_owned)
            .collect();
        self
    }

    fn build(self) -> Option<String> {
        (!self.name.is_empty()).then(|| self.to_string())
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        for segment in &self.namespace {
            write!(f, "{}/", encode(segment))?;
        }
        f.write_str(&encode(&self.name))?;
        if let Some(version) = &self.version {
            write!(f, "@{}", encode(version))?;
        }
        let mut qualifiers = self.qualifiers.clone();
        qualifiers.sort();
        for (i, (key, value)) in qualifiers.iter().enumerate() {
            let separator = if i == 0 { '?' } else { '&' };
            write!(f, "{separator}{key}={}", encode(value))?;
        }
        if !self.subpath.is_empty() {
            let segments: Vec<String> = self.subpath.iter().map(|s| encode(s)).collect();
            write!(f, "#{}", segments.join("/"))?;
        }
        Ok(())
    }
}

/// Percent-encodes UTF-8 bytes outside ECMA-427's unencoded set.
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Whether a value is built from a variable, template or intrinsic
/// function, or is not one token: nothing a purl can name.
pub(super) fn is_unresolved(value: &str) -> bool {
    value.contains("${")
        || value.contains("{{")
        || value.starts_with('!')
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A version a purl can carry: one value, not a range. A single leading
/// `=` is dropped (`= 1.2.3` is `1.2.3`).
fn single_version(version: Option<&str>) -> Option<&str> {
    let version = version?.trim();
    let version = version.strip_prefix('=').unwrap_or(version).trim();
    let range = version.is_empty()
        || is_unresolved(version)
        || version.contains(['<', '>', '=', '~', '^', '*', '|', ',']);
    (!range).then_some(version)
}

/// The `candidate` purl type `terraform` for a provider address
/// `HOST/NAMESPACE/TYPE`: `pkg:terraform/hashicorp/aws@5.31.0`.
///
/// `terraform` is not a registered purl type yet: it is on the spec's list
/// of candidate types, and its definition is proposed in
/// package-url/purl-spec#889 (after #498, for issue #369): namespace and
/// name as in the registry address, the version, and `repository_url` for a
/// registry other than `registry.terraform.io` (one of the draft's examples
/// says `registry_url`; its note and the spec's common qualifiers say
/// `repository_url`). Readers that do not know the type still parse it.
pub(super) fn terraform_provider(address: &str, version: Option<&str>) -> Option<String> {
    let [host, namespace, name] = address.split('/').collect::<Vec<_>>()[..] else {
        return None;
    };
    if is_unresolved(address) {
        return None;
    }
    Purl::new("terraform", name)
        .namespace(namespace)
        .version(single_version(version))
        .qualifier("repository_url", non_default_registry(host))
        .build()
}

fn non_default_registry(host: &str) -> Option<&str> {
    (!host.eq_ignore_ascii_case(TERRAFORM_REGISTRY)).then_some(host)
}

/// The purl of a Terraform module source (or a Terragrunt unit or stack).
///
/// Registry modules use the candidate `terraform` type (see
/// [`terraform_provider`]) with the whole address as the path:
/// `pkg:terraform/terraform-aws-modules/vpc/aws@5.5.0`. The proposal shows
/// `NAMESPACE/NAME` only; the target system is kept so that the provider
/// `hashicorp/consul` and the module `hashicorp/consul/aws` never share a
/// purl. A `//subdir` is the purl subpath. Git sources are `github` or
/// `generic` with a `vcs_url` (see [`git`]); archives are `generic` with
/// their `download_url` and `checksum`.
pub(super) fn module(source: &ModuleSource, version: Option<&str>) -> Option<String> {
    match source {
        ModuleSource::Local { .. } => None,
        ModuleSource::Registry {
            host,
            namespace,
            name,
            system,
            subdir,
            ..
        } => {
            let exact = version
                .filter(|v| Constraints::parse(v).is_ok_and(|c| c.exact().is_some()))
                .and_then(|v| single_version(Some(v)));
            Purl::new("terraform", &system.to_ascii_lowercase())
                .namespace(&format!("{namespace}/{name}").to_ascii_lowercase())
                .version(exact)
                .qualifier(
                    "repository_url",
                    host.as_deref().and_then(non_default_registry),
                )
                .subpath(subdir.as_deref())
                .build()
        }
        ModuleSource::Git {
            url,
            reference,
            subdir,
            ..
        } => git(url, reference.as_deref(), subdir.as_deref()),
        ModuleSource::Mercurial { url, rev, subdir } => {
            let vcs_url = match rev {
                Some(rev) => format!("hg+{url}@{rev}"),
                None => format!("hg+{url}"),
            };
            Purl::new("generic", last_segment(url))
                .version(rev.as_deref())
                .qualifier("vcs_url", Some(&vcs_url))
                .subpath(subdir.as_deref())
                .build()
        }
        ModuleSource::S3 {
            url,
            version,
            checksum,
            subdir,
        } => archive(
            url,
            version.as_deref(),
            checksum.as_deref(),
            subdir.as_deref(),
        ),
        ModuleSource::Gcs {
            url,
            checksum,
            subdir,
        }
        | ModuleSource::Http {
            url,
            checksum,
            subdir,
        } => archive(url, None, checksum.as_deref(), subdir.as_deref()),
    }
}

/// An archive at a URL: `pkg:generic/vpc.zip?checksum=sha256:...&download_url=...`.
fn archive(
    url: &str,
    version: Option<&str>,
    checksum: Option<&str>,
    subdir: Option<&str>,
) -> Option<String> {
    // The purl `checksum` qualifier is `algorithm:hex`, lowercase; go-getter's
    // `file:URL` form names no digest.
    let checksum = checksum
        .and_then(|c| c.split_once(':'))
        .filter(|(alg, hex)| {
            ["md5", "sha1", "sha256", "sha512"].contains(&alg.to_ascii_lowercase().as_str())
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(|(alg, hex)| format!("{}:{}", alg.to_ascii_lowercase(), hex.to_ascii_lowercase()));
    Purl::new("generic", last_segment(url))
        .version(version)
        .qualifier("download_url", Some(url))
        .qualifier("checksum", checksum.as_deref())
        .subpath(subdir)
        .build()
}

/// A git repository at a ref: `pkg:github/OWNER/REPO@REF#SUBDIR` on
/// github.com, else `pkg:generic/REPO@REF?vcs_url=git+URL@REF#SUBDIR`.
pub(super) fn git(url: &str, reference: Option<&str>, subdir: Option<&str>) -> Option<String> {
    if is_unresolved(url) {
        return None;
    }
    let reference = reference.filter(|r| !is_unresolved(r));
    // The normal form (crate::address) where there is one: the SBOM names
    // what is fetched, `github.com/acme/../evil/net` is `evil/net`.
    let normal = crate::address::git(url).ok();
    let (host, path) = match &normal {
        Some(n) => (n.host.as_str(), n.path.as_str()),
        None => {
            let (host, path) = host_and_path(url)?;
            let path = path.trim_end_matches('/');
            (host, path.strip_suffix(".git").unwrap_or(path))
        }
    };
    if host.eq_ignore_ascii_case("github.com") {
        if let [owner, repo] = path.split('/').collect::<Vec<_>>()[..] {
            return Purl::new("github", &repo.to_ascii_lowercase())
                .namespace(&owner.to_ascii_lowercase())
                .version(reference)
                .subpath(subdir)
                .build();
        }
    }
    let written = url.strip_prefix("git+").unwrap_or(url);
    let normal_url = normal
        .is_some()
        .then(|| crate::address::web(written).ok())
        .flatten()
        .map(|n| n.url());
    let bare = normal_url.as_deref().unwrap_or(written);
    let vcs_url = match reference {
        Some(r) => format!("git+{bare}@{r}"),
        None => format!("git+{bare}"),
    };
    Purl::new("generic", last_segment(path))
        .version(reference)
        .qualifier("vcs_url", Some(&vcs_url))
        .subpath(subdir)
        .build()
}

/// Host and path of `scheme://[user@]host[:port]/path` or scp-style
/// `user@host:path`.
fn host_and_path(url: &str) -> Option<(&str, &str)> {
    let url = url.strip_prefix("git+").unwrap_or(url);
    let (authority_and_path, scp) = match url.split_once("://") {
        Some((_, rest)) => (rest, false),
        None => (url, true),
    };
    let rest = authority_and_path
        .split_once('@')
        .filter(|(user, _)| !user.contains('/'))
        .map_or(authority_and_path, |(_, rest)| rest);
    let (host, path) = if scp {
        rest.split_once(':')?
    } else {
        rest.split_once('/')?
    };
    let host = host.split(':').next().unwrap_or(host);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    (!host.is_empty()).then_some((host, path.trim_start_matches('/')))
}

/// Whether a source names a git repository rather than a file to
/// download: a git scheme or scp-style address, a `.git` path, or
/// `https://github.com/OWNER/REPO`.
pub(super) fn is_git(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or(&lower);
    let repository_page = path
        .strip_prefix("https://github.com/")
        .is_some_and(|rest| rest.trim_end_matches('/').split('/').count() == 2);
    ["git+", "git@", "git://", "ssh://"]
        .iter()
        .any(|p| lower.starts_with(p))
        || path.ends_with(".git")
        || repository_page
}

/// The last non-empty path segment of a URL or path, without query.
fn last_segment(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path)
}

/// A container image, from its normalised repository (`docker.io/library/nginx`,
/// `ghcr.io/org/app`) and its digest or tag.
///
/// Docker Hub: `pkg:docker/nginx@1.27`, `pkg:docker/org/app@sha256:...`
/// (official images without `library/`, as the spec's `pkg:docker/cassandra`).
/// Another registry with a digest: `pkg:oci/app@sha256:...?repository_url=ghcr.io/org/app`
/// (the `oci` type is registry-agnostic, named by its digest); with a tag
/// only, where `oci` has no version to carry: `pkg:docker/org/app@1.2?repository_url=ghcr.io`.
pub(super) fn image(repository: &str, version: Option<&str>) -> Option<String> {
    if is_unresolved(repository) || version.is_some_and(is_unresolved) {
        return None;
    }
    let (host, path) = repository.split_once('/')?;
    let (namespace, name) = match path.rsplit_once('/') {
        Some((namespace, name)) => (namespace, name),
        None => ("", path),
    };
    if host == "docker.io" {
        let namespace = if namespace == "library" {
            ""
        } else {
            namespace
        };
        return Purl::new("docker", name)
            .namespace(namespace)
            .version(version)
            .build();
    }
    let digest = version.filter(|v| v.starts_with("sha256:") || v.starts_with("sha512:"));
    match digest {
        Some(digest) => Purl::new("oci", &name.to_ascii_lowercase())
            .version(Some(&digest.to_ascii_lowercase()))
            .qualifier("repository_url", Some(repository))
            .build(),
        None => Purl::new("docker", name)
            .namespace(namespace)
            .version(version)
            .qualifier("repository_url", Some(host))
            .build(),
    }
}

/// A GitHub Action or reusable workflow `owner/repo[/path]` at a ref:
/// `pkg:github/actions/checkout@<ref>`, the path as the subpath. (GitHub's
/// dependency graph uses a `githubactions` type, proposed in
/// package-url/purl-spec#702 but not registered.)
pub(super) fn github_action(address: &str, version: Option<&str>) -> Option<String> {
    if is_unresolved(address) || version.is_some_and(is_unresolved) {
        return None;
    }
    let mut segments = address.splitn(3, '/');
    let owner = segments.next().filter(|s| !s.is_empty())?;
    let repo = segments.next().filter(|s| !s.is_empty())?;
    Purl::new("github", &repo.to_ascii_lowercase())
        .namespace(&owner.to_ascii_lowercase())
        .version(version)
        .subpath(segments.next())
        .build()
}

/// An npm package (`@pulumi/aws`, namespace `@pulumi`) at one exact version.
pub(super) fn npm(package: &str, version: Option<&str>) -> Option<String> {
    if is_unresolved(package) || package.contains(':') {
        return None;
    }
    let (namespace, name) = match package.split_once('/') {
        Some((scope, name)) if scope.starts_with('@') => (scope, name),
        Some(_) => return None,
        None => ("", package),
    };
    let exact = version.and_then(|v| {
        let v = v.trim();
        let v = v.strip_prefix('=').unwrap_or(v).trim();
        let v = v.strip_prefix('v').unwrap_or(v);
        Version::parse(v).ok().filter(|p| p.parts == 3).map(|_| v)
    });
    Purl::new("npm", &name.to_ascii_lowercase())
        .namespace(&namespace.to_ascii_lowercase())
        .version(exact)
        .build()
}

/// A PyPI project (name normalised as PEP 503 says: lowercase, runs of
/// `-_.` as `-`) pinned with `==X`, `===X` or Poetry's bare `X`.
///
/// A requirements file's source options (`pulumi-aws from --index-url U`)
/// give the index as `repository_url` when it is the only one.
pub(super) fn pypi(project: &str, version: Option<&str>) -> Option<String> {
    let (project, options) = project.split_once(" from ").unwrap_or((project, ""));
    let repository = options
        .strip_prefix("--index-url ")
        .filter(|url| !url.contains(", "));
    if is_unresolved(project) || project.contains([':', '/']) {
        return None;
    }
    let mut name = String::new();
    for part in project
        .split(['-', '_', '.'])
        .filter(|part| !part.is_empty())
    {
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&part.to_ascii_lowercase());
    }
    let exact = version.and_then(|v| {
        let v = v.trim();
        let v = v
            .strip_prefix("===")
            .or_else(|| v.strip_prefix("=="))
            .unwrap_or(v)
            .trim();
        let plain = !v.is_empty()
            && v.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'!')
            })
            && v.starts_with(|c: char| c.is_ascii_digit());
        plain.then_some(v)
    });
    Purl::new("pypi", &name)
        .version(exact)
        .qualifier("repository_url", repository)
        .build()
}

/// A Go module (`github.com/pulumi/pulumi-aws/sdk/v6`) at its version.
pub(super) fn golang(module: &str, version: Option<&str>) -> Option<String> {
    // A directory (`replace ... => ../fork`) is no module of a proxy.
    if is_unresolved(module) || module.contains(':') || module.starts_with(['.', '/', '\\']) {
        return None;
    }
    let (namespace, name) = module.rsplit_once('/')?;
    Purl::new("golang", &name.to_ascii_lowercase())
        .namespace(&namespace.to_ascii_lowercase())
        .version(single_version(version))
        .build()
}

/// A Helm chart: `pkg:generic/redis@18.1.5?repository_url=https://charts.bitnami.com/bitnami`.
/// The purl spec has no helm type (`helm` is on its list of candidates).
pub(super) fn chart(name: &str, repository: Option<&str>, version: Option<&str>) -> Option<String> {
    if is_unresolved(name) {
        return None;
    }
    Purl::new("generic", name)
        .version(single_version(version))
        .qualifier("repository_url", repository.filter(|r| !is_unresolved(r)))
        .build()
}

/// An Ansible role or collection: `pkg:generic/community.general@9.0.0`, or
/// its git repository (see [`git`]) or download URL. `pkg:ansible` is
/// proposed (package-url/purl-spec#854) but not registered.
pub(super) fn galaxy(name: &str, source: Option<&str>, version: Option<&str>) -> Option<String> {
    match source.filter(|s| s.contains("://") || s.starts_with("git@")) {
        Some(url) if is_git(url) => git(url, single_version(version), None),
        Some(url) if !is_unresolved(url) => Purl::new("generic", name)
            .version(single_version(version))
            .qualifier("download_url", Some(url))
            .build(),
        Some(_) => None,
        None if is_unresolved(name) => None,
        None => Purl::new("generic", name)
            .version(single_version(version))
            .build(),
    }
}

/// Anything else: `pkg:generic/NAME@VERSION`, a URL as its `download_url`
/// (or a git URL as its `vcs_url`), a path's leading segments as the
/// namespace; `github.com/OWNER/REPO/PATH` as `pkg:github`. `name` names
/// what a URL downloads, when the URL's last segment does not (a release
/// directory `.../download/v0.4.2/`).
pub(super) fn generic(source: &str, name: Option<&str>, version: Option<&str>) -> Option<String> {
    if is_unresolved(source) {
        return None;
    }
    let version = single_version(version);
    if let Some(repository) = source.strip_prefix("github.com/") {
        return github_action(repository, version);
    }
    if source.contains("://") || source.starts_with("git@") {
        if is_git(source) {
            return git(source, version, None);
        }
        let name = name.filter(|n| !is_unresolved(n) && !n.is_empty());
        return Purl::new("generic", name.unwrap_or_else(|| last_segment(source)))
            .version(version)
            .qualifier("download_url", Some(source))
            .build();
    }
    let (namespace, name) = source.rsplit_once('/').unwrap_or(("", source));
    Purl::new("generic", name)
        .namespace(namespace)
        .version(version)
        .build()
}
