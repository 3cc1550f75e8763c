//! Terraform module source addresses.
//!
//! A module `source` is a small language of its own (Terraform's registry
//! syntax on top of HashiCorp go-getter's forced getters, detectors, `//`
//! subdirectories and query parameters). One regular expression cannot tell
//! `?ref=<sha>` from `?depth=1&ref=main`, so this module parses addresses the
//! way `terraform init` reads them and says whether one is pinned.
//!
//! Where go-getter would guess (a plain `https://` URL ending in `.git` is
//! fetched as an archive, not cloned) we follow go-getter; where it would
//! fail at `init`, we return a [`SourceError`] rather than guess.

use std::fmt;

use crate::version::{Constraints, Version};

/// The registry Terraform uses when an address names none.
const DEFAULT_REGISTRY: &str = "registry.terraform.io";

/// Why a module source could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("empty module source")]
    Empty,
    #[error("nothing after \"{getter}::\"")]
    NothingAfterGetter { getter: String },
    #[error("unknown getter \"{getter}::\" (Terraform knows git::, hg::, s3::, gcs::, http::, https:: and file::)")]
    UnknownGetter { getter: String },
    #[error("malformed query in {input:?}: {reason}")]
    MalformedQuery { input: String, reason: String },
    #[error("malformed URL in {input:?}: {reason}")]
    MalformedUrl { input: String, reason: &'static str },
    #[error("module source {input:?} has no one normal form, so what is fetched cannot be told: {reason}")]
    Ambiguous { input: String, reason: String },
    #[error("module source {input:?} is not recognised: expected ./ or ../ for a local path, NAMESPACE/NAME/SYSTEM for a registry module, or a git::, hg::, s3::, gcs:: or https:// address")]
    NotRecognised { input: String },
}

/// A parsed module `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// `./x`, `../x`, `/abs/x` (and go-getter's `file::PATH`).
    Local { path: String },
    /// `ns/name/system`, `host/ns/name/system`, optional `//subdir`; or
    /// Terragrunt's `tfr://host/ns/name/system//sub?version=1.2.3`, whose
    /// `?version=` lands in `query_version`.
    Registry {
        host: Option<String>,
        namespace: String,
        name: String,
        system: String,
        subdir: Option<String>,
        query_version: Option<String>,
    },
    /// `git::URL`, scp-style `git@host:org/repo`, `github.com/org/repo`,
    /// `bitbucket.org/org/repo`, `git://`. A plain `https://….git` URL is
    /// not here: go-getter downloads it as an archive (see `Http`).
    Git {
        /// The remote as go-getter would clone it (`https://github.com/org/repo.git`,
        /// `ssh://git@github.com/org/repo.git`), without query or subdir.
        url: String,
        /// `?ref=`.
        reference: Option<String>,
        subdir: Option<String>,
        /// `?depth=`.
        depth: Option<String>,
    },
    /// `hg::URL`; the revision is `?rev=` (or `?ref=`).
    Mercurial {
        url: String,
        rev: Option<String>,
        subdir: Option<String>,
    },
    /// `s3::URL` and scheme-less `*.amazonaws.com/…` addresses. `url` has no
    /// query: the other S3 parameters are credentials, not content.
    S3 {
        url: String,
        /// `?version=`: the S3 object version id.
        version: Option<String>,
        checksum: Option<String>,
        subdir: Option<String>,
    },
    /// `gcs::URL` and scheme-less `www.googleapis.com/storage/…` addresses.
    Gcs {
        url: String,
        checksum: Option<String>,
        subdir: Option<String>,
    },
    /// Any other `http://` or `https://` URL, fetched as an archive. `url`
    /// keeps query parameters go-getter does not consume (they choose what is
    /// downloaded); `?checksum=` and `?archive=` are taken out.
    Http {
        url: String,
        checksum: Option<String>,
        subdir: Option<String>,
    },
}

/// Whether a source names immutable content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    Pinned,
    /// A path in the same repository: not third-party, nothing to pin.
    Local,
    Unpinned(Unpinned),
}

/// Why a source can change under the same text. Branches and tags cannot be
/// told apart offline, so refs are classified by how they look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unpinned {
    /// git/hg without `?ref=` / `?rev=`: follows the default branch.
    NoRef,
    /// A ref that looks like a version tag (`v1.2.3`, `1.2`, `release-1.2`, `vpc/v2`).
    TagLike(String),
    /// Any other ref that is not a full commit: `main`, `feature/x`.
    BranchLike(String),
    /// 7 to 39 hex digits: git resolves branch and tag names before
    /// abbreviated commits, and the abbreviation may become ambiguous.
    ShortSha(String),
    /// A registry module without a `version` (or `tfr://` without `?version=`).
    NoVersion,
    /// A registry version that is not one exact `X.Y.Z` (a range, or text
    /// that is not a constraint at all).
    VersionRange(String),
    /// An http/s3/gcs archive without `?checksum=` (or S3 `?version=`).
    NoChecksum,
    /// A full commit with `?depth=`: go-getter then runs `git clone
    /// --depth N --branch REF`, and `--branch` takes only a branch or tag
    /// name, so what is fetched is a branch or tag named by those hex digits
    /// (or nothing).
    ShallowCommit(String),
}

impl fmt::Display for Unpinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:?}` quotes and escapes, so a ref cannot smuggle control
        // characters into a terminal.
        match self {
            Unpinned::NoRef => f.write_str("no ref: follows the default branch"),
            Unpinned::TagLike(r) => write!(f, "ref {r:?} is a tag, and tags can be moved"),
            Unpinned::BranchLike(r) => write!(f, "ref {r:?} is a branch name"),
            Unpinned::ShortSha(r) => write!(f, "ref {r:?} is an abbreviated commit"),
            Unpinned::NoVersion => f.write_str("no version: takes the newest release"),
            Unpinned::VersionRange(v) => write!(f, "{v:?} is a version range"),
            Unpinned::NoChecksum => f.write_str("archive has no sha256 or sha512 checksum"),
            Unpinned::ShallowCommit(r) => write!(
                f,
                "ref {r:?} with `depth`: go-getter clones `--depth N --branch {r}`, which \
                 fetches a branch or tag of that name, never a commit"
            ),
        }
    }
}

impl ModuleSource {
    /// Parse a module `source` as written in HCL. Surrounding whitespace is
    /// ignored.
    pub fn parse(raw: &str) -> Result<ModuleSource, SourceError> {
        let src = raw.trim();
        if src.is_empty() {
            return Err(SourceError::Empty);
        }
        if ["./", "../", "/"].iter().any(|p| src.starts_with(p)) {
            return Ok(ModuleSource::Local {
                path: src.to_owned(),
            });
        }
        if let Some(rest) = src.strip_prefix("tfr://") {
            return parse_tfr(src, rest);
        }
        match forced_getter(src) {
            Some((getter, rest)) => parse_forced(src, getter, rest),
            None => parse_detected(src),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, ModuleSource::Local { .. })
    }

    /// The reference that selects a version: git ref, hg rev, S3 object
    /// version, `tfr://` `?version=`. `None` for plain registry modules (their
    /// version is a separate attribute) and for everything else.
    pub fn reference(&self) -> Option<&str> {
        match self {
            ModuleSource::Git { reference, .. } => reference.as_deref(),
            ModuleSource::Mercurial { rev, .. } => rev.as_deref(),
            ModuleSource::S3 { version, .. } => version.as_deref(),
            ModuleSource::Registry { query_version, .. } => query_version.as_deref(),
            ModuleSource::Local { .. } | ModuleSource::Gcs { .. } | ModuleSource::Http { .. } => {
                None
            }
        }
    }

    /// What selects the content at the address: the reference, or else an
    /// archive's checksum. A change of it is a version change.
    pub fn revision(&self) -> Option<&str> {
        match self {
            ModuleSource::S3 {
                version, checksum, ..
            } => version.as_deref().or(checksum.as_deref()),
            ModuleSource::Gcs { checksum, .. } | ModuleSource::Http { checksum, .. } => {
                checksum.as_deref()
            }
            _ => self.reference(),
        }
    }

    /// The address without ref, version, depth or checksum, so that two
    /// spellings of one place compare equal (to detect a source swap and to
    /// match allowlists), in the normal form of [`crate::address`]: lowercase
    /// host, no scheme, user or default port, dot segments resolved, no
    /// `.git`, `//subdir` last. `git::https://github.com/org/repo.git//sub?ref=x`,
    /// `github.com/org/repo//sub` and `git@github.com:org/repo.git//sub` all
    /// give `github.com/org/repo//sub`. Registry modules get their default
    /// host and lowercase names (Terraform matches them case-insensitively).
    /// An `Http` address keeps the query parameters that stay in its URL.
    pub fn address(&self) -> String {
        let (base, subdir) = match self {
            ModuleSource::Local { path } => return path.clone(),
            ModuleSource::Registry {
                host,
                namespace,
                name,
                system,
                subdir,
                ..
            } => (
                format!(
                    "{}/{}/{}/{}",
                    host.as_deref().unwrap_or(DEFAULT_REGISTRY),
                    namespace,
                    name,
                    system
                )
                .to_ascii_lowercase(),
                subdir,
            ),
            ModuleSource::Git { url, subdir, .. } => match crate::address::git(url) {
                Ok(normal) => (normal.identity(), subdir),
                Err(_) => {
                    let place = url_address(url);
                    let place = place.trim_end_matches('/');
                    let place = place.strip_suffix(".git").unwrap_or(place);
                    (place.trim_end_matches('/').to_owned(), subdir)
                }
            },
            ModuleSource::Mercurial { url, subdir, .. }
            | ModuleSource::S3 { url, subdir, .. }
            | ModuleSource::Gcs { url, subdir, .. }
            | ModuleSource::Http { url, subdir, .. } => (
                crate::address::web(url).map_or_else(|_| url_address(url), |n| n.identity()),
                subdir,
            ),
        };
        match subdir {
            Some(sub) => format!("{base}//{sub}"),
            None => base,
        }
    }

    /// Whether the source is pinned to immutable content, and if not, why.
    /// `version_attr` is the module block's `version` attribute.
    pub fn pin(&self, version_attr: Option<&str>) -> Pin {
        let unpinned = match self {
            ModuleSource::Local { .. } => return Pin::Local,
            // SHA-1 and SHA-256 object names.
            ModuleSource::Git {
                reference, depth, ..
            } => match judge_ref(reference.as_deref(), &[40, 64]) {
                // go-getter passes `--branch` only for a depth above 0 (and
                // fails on one that is not a number).
                None if depth
                    .as_deref()
                    .is_some_and(|d| d.trim().parse::<u64>() != Ok(0)) =>
                {
                    reference.clone().map(Unpinned::ShallowCommit)
                }
                judged => judged,
            },
            ModuleSource::Mercurial { rev, .. } => judge_ref(rev.as_deref(), &[40]),
            ModuleSource::Registry { query_version, .. } => {
                match query_version.as_deref().or(version_attr).map(str::trim) {
                    None | Some("") => Some(Unpinned::NoVersion),
                    Some(v) if Constraints::parse(v).is_ok_and(|c| c.exact().is_some()) => None,
                    Some(v) => Some(Unpinned::VersionRange(v.to_owned())),
                }
            }
            ModuleSource::S3 {
                version, checksum, ..
            } => (version.is_none() && !checksum.as_deref().is_some_and(is_digest))
                .then_some(Unpinned::NoChecksum),
            ModuleSource::Gcs { checksum, .. } | ModuleSource::Http { checksum, .. } => {
                (!checksum.as_deref().is_some_and(is_digest)).then_some(Unpinned::NoChecksum)
            }
        };
        unpinned.map_or(Pin::Pinned, Pin::Unpinned)
    }
}

/// A checksum that pins content: `TYPE:HEX` with a go-getter digest type
/// and a digest of that type's length, or a bare `HEX` whose length
/// go-getter reads as SHA-256 or SHA-512 (it guesses the type from the
/// length). `file:URL` (a digest fetched from somewhere, usually the same
/// server) pins nothing, and neither does an `md5` or `sha1` digest:
/// whoever serves the archive can make a second one with the same digest
/// (chosen-prefix collisions).
fn is_digest(checksum: &str) -> bool {
    let Some((kind, hex)) = checksum.split_once(':') else {
        let hex = checksum.as_bytes();
        return matches!(hex.len(), 64 | 128) && hex.iter().all(u8::is_ascii_hexdigit);
    };
    let len = match kind.to_ascii_lowercase().as_str() {
        "sha256" => 64,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Addresses as users read them: the default registry host adds nothing.
pub fn without_default_host(address: &str) -> &str {
    address
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(address)
}

/// Registry addresses with neither public registry's host. Lock files of
/// Terraform and OpenTofu name the same provider with different hosts, and
/// a source without a host means whichever registry the tool uses.
pub fn without_public_registry(address: &str) -> &str {
    ["registry.terraform.io/", "registry.opentofu.org/"]
        .iter()
        .find_map(|host| address.strip_prefix(host))
        .unwrap_or(address)
}

/// Classify a git/hg ref. `None` means pinned.
fn judge_ref(reference: Option<&str>, full_lengths: &[usize]) -> Option<Unpinned> {
    let r = match reference {
        None => return Some(Unpinned::NoRef),
        Some(r) => r,
    };
    let hex = r.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && full_lengths.contains(&r.len()) {
        None
    } else if hex && (7..=39).contains(&r.len()) {
        Some(Unpinned::ShortSha(r.to_owned()))
    } else if tag_like(r) {
        Some(Unpinned::TagLike(r.to_owned()))
    } else {
        Some(Unpinned::BranchLike(r.to_owned()))
    }
}

/// A ref looks like a version tag when it, or its tail after a `/`, `-`,
/// `_` or `@`, is `v` + a version (`v1`, `v1.2.3`) or a bare version with at
/// least major.minor (`1.2`, `release-1.2.0-rc.1`). A bare `2024` is not.
fn tag_like(r: &str) -> bool {
    let tails = r
        .char_indices()
        .filter(|(_, c)| matches!(c, '/' | '-' | '_' | '@'))
        .filter_map(|(i, c)| r.get(i + c.len_utf8()..));
    std::iter::once(r).chain(tails).any(|tail| {
        let (prefixed, rest) = match tail.strip_prefix(['v', 'V']) {
            Some(rest) => (true, rest),
            None => (false, tail),
        };
        rest.starts_with(|c: char| c.is_ascii_digit())
            && Version::parse(rest).is_ok_and(|v| prefixed || v.parts >= 2)
    })
}

/// go-getter's forced getter: `NAME::rest` where NAME is ASCII alphanumeric.
fn forced_getter(src: &str) -> Option<(&str, &str)> {
    let (getter, rest) = src.split_once("::")?;
    (!getter.is_empty() && getter.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some((getter, rest))
}

fn parse_forced(src: &str, getter: &str, rest: &str) -> Result<ModuleSource, SourceError> {
    if rest.is_empty() {
        return Err(SourceError::NothingAfterGetter {
            getter: getter.to_owned(),
        });
    }
    if getter == "file" {
        return Ok(ModuleSource::Local {
            path: rest.to_owned(),
        });
    }
    if !["git", "hg", "s3", "gcs", "http", "https"].contains(&getter) {
        return Err(SourceError::UnknownGetter {
            getter: getter.to_owned(),
        });
    }
    let split = split(src, rest)?;
    match getter {
        "git" => {
            let (url, extra) = if parse_url(split.base).is_some() {
                (split.base.to_owned(), None)
            } else if let Some(short) = shorthand(split.base) {
                short
            } else if let Some(url) = scp(split.base, true) {
                (url, None)
            } else {
                return Err(malformed_url(src, split.base));
            };
            git(split, url, extra)
        }
        "hg" => {
            let url = with_scheme(src, split.base)?;
            let mut split = split;
            let rev = split.params.take(&["rev", "ref"])?;
            checked_web(src, &url)?;
            Ok(ModuleSource::Mercurial {
                url,
                rev,
                subdir: normal_subdir(src, split.subdir)?,
            })
        }
        "s3" => {
            let url = object_store_url(src, split.base, ".amazonaws.com")?;
            s3(split, url)
        }
        "gcs" => {
            let url = object_store_url(src, split.base, "googleapis.com")?;
            gcs(split, url)
        }
        _ => {
            let url = with_scheme(src, split.base)?;
            http(split, url)
        }
    }
}

/// What Terraform and go-getter do with an address that names no getter:
/// registry syntax first, then the GitHub, scp-style git, Bitbucket, GCS and
/// S3 detectors. Plain `http(s)://` URLs are archives; `git://` is git.
fn parse_detected(src: &str) -> Result<ModuleSource, SourceError> {
    let split = split(src, src)?;
    if let Some(url) = parse_url(split.base) {
        return match url.scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => {
                let base = split.base.to_owned();
                http(split, base)
            }
            "git" => {
                let base = split.base.to_owned();
                git(split, base, None)
            }
            _ => Err(not_recognised(src)),
        };
    }
    // Terraform: "module registry addresses may not include a query string".
    if !src.contains('?') {
        if let Some(registry) = registry(split.base, split.subdir.as_deref()) {
            return Ok(registry);
        }
    }
    if let Some((url, extra)) = shorthand(split.base) {
        return git(split, url, extra);
    }
    if let Some(url) = scp(split.base, false) {
        return git(split, url, None);
    }
    let host = split.base.split('/').next().unwrap_or("");
    if host.ends_with(".amazonaws.com") {
        let url = format!("https://{}", split.base);
        return s3(split, url);
    }
    if host.ends_with("googleapis.com") {
        let url = format!("https://{}", split.base);
        return gcs(split, url);
    }
    Err(not_recognised(src))
}

/// Terragrunt's `tfr://HOST/ns/name/system//sub?version=X`; an empty HOST
/// (`tfr:///ns/name/system`) means the default registry.
fn parse_tfr(src: &str, rest: &str) -> Result<ModuleSource, SourceError> {
    let mut split = split(src, rest)?;
    let (host, path) = split.base.split_once('/').unwrap_or((split.base, ""));
    let host = (!host.is_empty()).then_some(host);
    let parts: Vec<&str> = path.split('/').collect();
    let mut module = match parts.as_slice() {
        [ns, name, system] if host.is_none_or(valid_host) => {
            registry_package(host, [ns, name, system], split.subdir.as_deref())
        }
        _ => None,
    }
    .ok_or_else(|| not_recognised(src))?;
    if let ModuleSource::Registry { query_version, .. } = &mut module {
        *query_version = split.params.take(&["version"])?;
    }
    Ok(module)
}

/// Terraform's registry syntax: `ns/name/system`, or `host/ns/name/system`
/// with a dotted host that is not github.com or bitbucket.org (those are
/// reserved for the git shorthand).
fn registry(base: &str, subdir: Option<&str>) -> Option<ModuleSource> {
    let parts: Vec<&str> = base.split('/').collect();
    match parts.as_slice() {
        [ns, name, system] => registry_package(None, [ns, name, system], subdir),
        [host, ns, name, system]
            if valid_host(host)
                && host.contains('.')
                && !["github.com", "bitbucket.org"]
                    .iter()
                    .any(|h| host.eq_ignore_ascii_case(h)) =>
        {
            registry_package(Some(host), [ns, name, system], subdir)
        }
        _ => None,
    }
}

/// Validate namespace, name and target system as terraform-registry-address
/// does: names `^[0-9A-Za-z](?:[0-9A-Za-z-_]{0,62}[0-9A-Za-z])?$`, system
/// `^[0-9a-z]{1,64}$`.
fn registry_package(
    host: Option<&str>,
    [ns, name, system]: [&str; 3],
    subdir: Option<&str>,
) -> Option<ModuleSource> {
    let ok = valid_registry_name(ns)
        && valid_registry_name(name)
        && (1..=64).contains(&system.len())
        && system
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    ok.then(|| ModuleSource::Registry {
        host: host.map(str::to_owned),
        namespace: ns.to_owned(),
        name: name.to_owned(),
        system: system.to_owned(),
        subdir: subdir.map(str::to_owned),
        query_version: None,
    })
}

fn valid_registry_name(s: &str) -> bool {
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    (1..=64).contains(&s.len())
        && edge_ok(s.bytes().next())
        && edge_ok(s.bytes().last())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An ASCII host name with an optional `:port`.
fn valid_host(s: &str) -> bool {
    let (name, port) = match s.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (s, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// go-getter's GitHub and Bitbucket detectors: `github.com/org/repo[/sub…]`
/// becomes `https://github.com/org/repo.git`, and path segments after the
/// repository become a subdirectory. (Bitbucket also hosts Mercurial, which
/// go-getter asks Bitbucket's API about; we assume git.)
fn shorthand(base: &str) -> Option<(String, Option<String>)> {
    let mut parts = base.splitn(4, '/');
    let host = parts.next()?;
    if host != "github.com" && host != "bitbucket.org" {
        return None;
    }
    let org = parts.next().filter(|s| !s.is_empty())?;
    let repo = parts.next().filter(|s| !s.is_empty())?;
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    let extra = parts
        .next()
        .map(|s| s.trim_matches('/'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Some((format!("https://{host}/{org}/{repo}.git"), extra))
}

/// scp-style `user@host:path` becomes `ssh://user@host/path`. Without a
/// forced `git::`, go-getter only accepts the user `git`.
fn scp(base: &str, any_user: bool) -> Option<String> {
    let (user_host, path) = base.split_once(':')?;
    let (user, host) = user_host.split_once('@')?;
    let path = path.trim_start_matches('/');
    let plain = |s: &str| !s.is_empty() && !s.contains(['/', '@']);
    (plain(user) && plain(host) && !path.is_empty() && (any_user || user == "git"))
        .then(|| format!("ssh://{user}@{host}/{path}"))
}

/// A URL that `s3::`/`gcs::` may also give without a scheme, as go-getter's
/// detectors allow for hosts of that service.
fn object_store_url(src: &str, base: &str, host_suffix: &str) -> Result<String, SourceError> {
    if parse_url(base).is_some() {
        return Ok(base.to_owned());
    }
    let host = base.split('/').next().unwrap_or("");
    if !host.is_empty() && host.ends_with(host_suffix) {
        Ok(format!("https://{base}"))
    } else {
        Err(malformed_url(src, base))
    }
}

fn with_scheme(src: &str, base: &str) -> Result<String, SourceError> {
    match parse_url(base) {
        Some(_) => Ok(base.to_owned()),
        None => Err(malformed_url(src, base)),
    }
}

fn git(
    mut split: Split<'_>,
    url: String,
    extra_subdir: Option<String>,
) -> Result<ModuleSource, SourceError> {
    let reference = split.params.take(&["ref"])?;
    let depth = split.params.take(&["depth"])?;
    let subdir = match (extra_subdir, split.subdir) {
        (Some(a), Some(b)) => Some(format!("{a}/{b}")),
        (a, b) => a.or(b),
    };
    let input = &split.params.input;
    crate::address::git(&url).map_err(|e| ambiguous(input, e))?;
    let subdir = normal_subdir(input, subdir)?;
    Ok(ModuleSource::Git {
        url,
        reference,
        subdir,
        depth,
    })
}

fn s3(mut split: Split<'_>, url: String) -> Result<ModuleSource, SourceError> {
    let version = split.params.take(&["version"])?;
    let checksum = split.params.take(&["checksum"])?;
    checked_web(&split.params.input, &url)?;
    Ok(ModuleSource::S3 {
        url,
        version,
        checksum,
        subdir: normal_subdir(&split.params.input, split.subdir)?,
    })
}

fn gcs(mut split: Split<'_>, url: String) -> Result<ModuleSource, SourceError> {
    let checksum = split.params.take(&["checksum"])?;
    checked_web(&split.params.input, &url)?;
    Ok(ModuleSource::Gcs {
        url,
        checksum,
        subdir: normal_subdir(&split.params.input, split.subdir)?,
    })
}

fn http(mut split: Split<'_>, mut url: String) -> Result<ModuleSource, SourceError> {
    let checksum = split.params.take(&["checksum"])?;
    // `archive=zip` only tells go-getter how to unpack.
    split.params.take(&["archive"])?;
    let rest = split.params.rest();
    if !rest.is_empty() {
        url.push('?');
        url.push_str(&rest);
    }
    checked_web(&split.params.input, &url)?;
    Ok(ModuleSource::Http {
        url,
        checksum,
        subdir: normal_subdir(&split.params.input, split.subdir)?,
    })
}

fn ambiguous(input: &str, e: crate::address::AddressError) -> SourceError {
    let crate::address::AddressError::Refused { reason, .. } = e;
    SourceError::Ambiguous {
        input: input.to_owned(),
        reason: reason.to_owned(),
    }
}

/// A `//subdir` in normal form (`a/./b/../c` is `a/c`); one that climbs out
/// of the package is refused.
fn normal_subdir(input: &str, subdir: Option<String>) -> Result<Option<String>, SourceError> {
    let Some(sub) = subdir else {
        return Ok(None);
    };
    let normal = crate::address::subpath(&sub).map_err(|e| ambiguous(input, e))?;
    Ok((!normal.is_empty()).then_some(normal))
}

/// A web (archive) URL must have a normal form too.
fn checked_web(input: &str, url: &str) -> Result<(), SourceError> {
    crate::address::web(url)
        .map(drop)
        .map_err(|e| ambiguous(input, e))
}

fn not_recognised(src: &str) -> SourceError {
    SourceError::NotRecognised {
        input: src.to_owned(),
    }
}

fn malformed_url(src: &str, base: &str) -> SourceError {
    SourceError::MalformedUrl {
        input: src.to_owned(),
        reason: if base.contains("://") {
            "expected SCHEME://HOST/PATH"
        } else {
            "expected a URL with a scheme, such as https://HOST/PATH"
        },
    }
}

/// The pieces of `scheme://user@host:port/path?query` this module needs.
struct Url<'a> {
    scheme: &'a str,
    host: &'a str,
    path: &'a str,
}

fn parse_url(s: &str) -> Option<Url<'_>> {
    let (scheme, rest) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // `file:///srv/repo.git` names no host: git clones it from the disk.
    let host_ok = !host.is_empty() || scheme.eq_ignore_ascii_case("file");
    (scheme_ok && host_ok && !host.contains(char::is_whitespace)).then_some(Url {
        scheme,
        host,
        path,
    })
}

/// Scheme-less, user-less `host/path` with the host lowercased.
fn url_address(url: &str) -> String {
    match parse_url(url) {
        Some(u) => format!("{}{}", u.host.to_ascii_lowercase(), u.path),
        None => url.to_owned(),
    }
}

/// An address split into the part before the subdirectory, the
/// subdirectory, and the query parameters.
struct Split<'a> {
    base: &'a str,
    subdir: Option<String>,
    params: Params<'a>,
}

/// Split `rest` (the address after any forced getter; `src` is the whole
/// address, for errors) the way go-getter's `SourceDirSubdir` does: the first
/// `//` after the scheme and before the query starts the subdirectory.
///
/// Deviation: when there is no such `//`, a `//` inside the query (not part
/// of a `://`) also starts one, so Terragrunt users' `repo.git?ref=v1//sub`
/// reads as ref `v1` and subdir `sub`. go-getter would ask git for a ref
/// named `v1//sub`, which cannot exist, so nothing that works is misread.
fn split<'a>(src: &str, rest: &'a str) -> Result<Split<'a>, SourceError> {
    let (pre, query) = match rest.split_once('?') {
        Some((pre, query)) => (pre, Some(query)),
        None => (rest, None),
    };
    let offset = pre.find("://").map_or(0, |i| i + 3);
    let after_scheme = pre.get(offset..).unwrap_or("");
    if let Some(i) = after_scheme.find("//") {
        let (head, sub) = after_scheme.split_at(i);
        return Ok(Split {
            base: pre.get(..offset + head.len()).unwrap_or(pre),
            subdir: subdir(sub.get(2..).unwrap_or("")),
            params: Params::parse(src, query.into_iter())?,
        });
    }
    if let Some((head, sub)) = query.and_then(split_query_subdir) {
        let (sub, more) = match sub.split_once(['?', '&']) {
            Some((sub, more)) => (sub, Some(more)),
            None => (sub, None),
        };
        return Ok(Split {
            base: pre,
            subdir: subdir(sub),
            params: Params::parse(src, [Some(head), more].into_iter().flatten())?,
        });
    }
    Ok(Split {
        base: pre,
        subdir: None,
        params: Params::parse(src, query.into_iter())?,
    })
}

/// The query before and after its first `//` that is not part of a `://`.
fn split_query_subdir(query: &str) -> Option<(&str, &str)> {
    query
        .match_indices("//")
        .map(|(i, _)| i)
        .find(|&i| !query.get(..i).is_some_and(|h| h.ends_with(':')))
        .and_then(|i| Some((query.get(..i)?, query.get(i + 2..)?)))
}

/// A subdirectory without leading or trailing slashes; empty means none.
fn subdir(s: &str) -> Option<String> {
    let s = s.trim_matches('/');
    (!s.is_empty()).then(|| s.to_owned())
}

/// One `key=value` pair: decoded, and as written (to rebuild a URL).
struct Param<'a> {
    key: String,
    value: String,
    raw: &'a str,
}

/// Query parameters, decoded like Go's `url.ParseQuery` (`%XX` and `+`).
/// Unlike Go, which silently drops a pair it cannot decode (and so could
/// drop a `ref`), a bad escape is an error.
struct Params<'a> {
    input: String,
    items: Vec<Param<'a>>,
}

impl<'a> Params<'a> {
    fn parse(src: &str, pieces: impl Iterator<Item = &'a str>) -> Result<Params<'a>, SourceError> {
        let mut items = Vec::new();
        for raw in pieces.flat_map(|p| p.split('&')).filter(|p| !p.is_empty()) {
            let (key, value) = raw.split_once('=').unwrap_or((raw, ""));
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| SourceError::MalformedQuery {
                    input: src.to_owned(),
                    reason: format!("bad %-escape or non-UTF-8 text in {raw:?}"),
                })
            };
            items.push(Param {
                key: decode(key)?,
                value: decode(value)?,
                raw,
            });
        }
        Ok(Params {
            input: src.to_owned(),
            items,
        })
    }

    /// Remove and return the parameter named by any of `keys`. An empty
    /// value counts as absent, as go-getter treats it. Giving it twice is an
    /// error: which one a tool would use is not something to leave to chance.
    fn take(&mut self, keys: &[&str]) -> Result<Option<String>, SourceError> {
        let (found, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.items)
            .into_iter()
            .partition(|p| keys.contains(&p.key.as_str()));
        self.items = kept;
        let mut found = found.into_iter();
        match (found.next(), found.next()) {
            (None, _) => Ok(None),
            (Some(p), None) => Ok(Some(p.value).filter(|v| !v.is_empty())),
            (Some(_), Some(_)) => Err(SourceError::MalformedQuery {
                input: self.input.clone(),
                reason: format!("{} given more than once", keys.join(" or ")),
            }),
        }
    }

    /// The parameters not taken, as written.
    fn rest(&self) -> String {
        self.items
            .iter()
            .map(|p| p.raw)
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let hex = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let value = hex(bytes.next())? * 16 + hex(bytes.next())?;
                out.push(u8::try_from(value).ok()?);
            }
            b'+' => out.push(b' '),
            _ => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

/// Damerau–Levenshtein distance (optimal string alignment) over chars:
/// insertions, deletions, substitutions and swaps of two neighbours.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows: i-2, i-1 and i.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut best = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca);
            if swapped {
                best = best.min(before[j - 1] + 1);
            }
            cur[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// Whether `new` could pass for `old` at a glance, as in a typosquat
/// (`terraform-aws-modules` -> `terraform-aws-module`). True when they
/// differ but:
/// - their edit distance is 1 or 2, or
/// - they are equal once lowercased with `-`, `_` and `.` removed, or
/// - they are equal once look-alike glyphs are folded too: `0`/`o`,
///   `1`/`l`/`i`, `rn`/`m`, `vv`/`w`.
///
/// Short names are close to many others, so this is a hint for a human, not
/// a verdict.
pub fn looks_alike(old: &str, new: &str) -> bool {
    if old == new {
        return false;
    }
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let fold = |s: &str| -> String {
        s.replace("rn", "m")
            .replace("vv", "w")
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' | 'i' => 'l',
                c => c,
            })
            .collect()
    };
    let (a, b) = (squash(old), squash(new));
    if a == b || fold(&a) == fold(&b) {
        return true;
    }
    // Cheap bound first: the distance is at least the length difference.
    old.chars().count().abs_diff(new.chars().count()) <= 2
        && (1..=2).contains(&edit_distance(old, new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn p(s: &str) -> ModuleSource {
        ModuleSource::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn git(url: &str, reference: Option<&str>, subdir: Option<&str>) -> ModuleSource {
        ModuleSource::Git {
            url: url.into(),
            reference: reference.map(Into::into),
            subdir: subdir.map(Into::into),
            depth: None,
        }
    }

    fn unpinned(s: &str, version: Option<&str>) -> Unpinned {
        match p(s).pin(version) {
            Pin::Unpinned(why) => why,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn local_paths() {
        for s in ["./modules/vpc", "../x", "/abs/path"] {
            assert_eq!(p(s), ModuleSource::Local { path: s.into() });
            assert!(p(s).is_local());
            assert_eq!(p(s).address(), s);
            assert_eq!(p(s).pin(None), Pin::Local);
            assert_eq!(p(s).reference(), None);
        }
        assert_eq!(
            p("file::/srv/modules/x"),
            ModuleSource::Local {
                path: "/srv/modules/x".into()
            }
        );
    }

    #[test]
    fn public_registry() {
        let s = p("terraform-aws-modules/vpc/aws");
        assert_eq!(
            s,
            ModuleSource::Registry {
                host: None,
                namespace: "terraform-aws-modules".into(),
                name: "vpc".into(),
                system: "aws".into(),
                subdir: None,
                query_version: None,
            }
        );
        assert_eq!(
            s.address(),
            "registry.terraform.io/terraform-aws-modules/vpc/aws"
        );
        assert_eq!(s.reference(), None);
        assert!(!s.is_local());
        assert_eq!(
            p("Terraform-AWS-Modules/VPC/aws").address(),
            "registry.terraform.io/terraform-aws-modules/vpc/aws"
        );
    }

    #[test]
    fn private_registry() {
        let s = p("app.terraform.io/example-corp/k8s-cluster/azurerm");
        let ModuleSource::Registry {
            host, namespace, ..
        } = &s
        else {
            panic!("{s:?}");
        };
        assert_eq!(host.as_deref(), Some("app.terraform.io"));
        assert_eq!(namespace, "example-corp");
        assert_eq!(
            s.address(),
            "app.terraform.io/example-corp/k8s-cluster/azurerm"
        );
        assert_eq!(
            p("App.Terraform.io/example-corp/k8s-cluster/azurerm").address(),
            "app.terraform.io/example-corp/k8s-cluster/azurerm"
        );
    }

    #[test]
    fn registry_subdir() {
        let s = p("terraform-aws-modules/iam/aws//modules/iam-user");
        let ModuleSource::Registry { subdir, .. } = &s else {
            panic!("{s:?}");
        };
        assert_eq!(subdir.as_deref(), Some("modules/iam-user"));
        assert_eq!(
            s.address(),
            "registry.terraform.io/terraform-aws-modules/iam/aws//modules/iam-user"
        );
    }

    #[test]
    fn terragrunt_tfr() {
        let s = p("tfr://registry.terraform.io/terraform-aws-modules/vpc/aws?version=5.0.0");
        let ModuleSource::Registry {
            host,
            query_version,
            ..
        } = &s
        else {
            panic!("{s:?}");
        };
        assert_eq!(host.as_deref(), Some("registry.terraform.io"));
        assert_eq!(query_version.as_deref(), Some("5.0.0"));
        assert_eq!(s.reference(), Some("5.0.0"));
        assert_eq!(s.address(), p("terraform-aws-modules/vpc/aws").address());
        assert_eq!(s.pin(None), Pin::Pinned);
        let bare = p("tfr:///terraform-aws-modules/vpc/aws//modules/x");
        assert_eq!(
            bare.address(),
            "registry.terraform.io/terraform-aws-modules/vpc/aws//modules/x"
        );
        assert_eq!(bare.pin(None), Pin::Unpinned(Unpinned::NoVersion));
    }

    #[test]
    fn registry_pins() {
        let s = "terraform-aws-modules/vpc/aws";
        for v in ["1.2.3", "=1.2.3", "= 1.2.3", " 1.2.3 ", "v1.2.3", "1.2"] {
            assert_eq!(p(s).pin(Some(v)), Pin::Pinned, "{v}");
        }
        assert_eq!(unpinned(s, None), Unpinned::NoVersion);
        assert_eq!(unpinned(s, Some("")), Unpinned::NoVersion);
        for v in ["~> 5.0", ">= 1.0", "1.0, < 2", "latest"] {
            assert_eq!(unpinned(s, Some(v)), Unpinned::VersionRange(v.into()));
        }
    }

    #[test]
    fn forced_git_https() {
        assert_eq!(
            p("git::https://example.com/vpc.git"),
            git("https://example.com/vpc.git", None, None)
        );
        let s = p("git::https://example.com/vpc.git?ref=v1.2.0");
        assert_eq!(s, git("https://example.com/vpc.git", Some("v1.2.0"), None));
        assert_eq!(s.reference(), Some("v1.2.0"));
        assert_eq!(s.address(), "example.com/vpc");
        let s = p(&format!(
            "git::https://github.com/org/repo.git//modules/x?ref={SHA}"
        ));
        assert_eq!(
            s,
            git(
                "https://github.com/org/repo.git",
                Some(SHA),
                Some("modules/x")
            )
        );
        assert_eq!(s.pin(None), Pin::Pinned);
    }

    #[test]
    fn forced_git_ssh() {
        let s = p("git::ssh://username@example.com/storage.git");
        assert_eq!(s, git("ssh://username@example.com/storage.git", None, None));
        assert_eq!(s.address(), "example.com/storage");
        assert_eq!(s.pin(None), Pin::Unpinned(Unpinned::NoRef));
    }

    #[test]
    fn scp_style() {
        let s = p("git@github.com:hashicorp/example.git");
        assert_eq!(
            s,
            git("ssh://git@github.com/hashicorp/example.git", None, None)
        );
        assert_eq!(s.address(), "github.com/hashicorp/example");
        let s = p(&format!("git::git@github.com:org/repo.git//sub?ref={SHA}"));
        assert_eq!(
            s,
            git("ssh://git@github.com/org/repo.git", Some(SHA), Some("sub"))
        );
        assert_eq!(s.pin(None), Pin::Pinned);
        // Only forced git:: accepts another user, as go-getter does.
        assert!(ModuleSource::parse("deploy@example.com:org/repo.git").is_err());
        assert_eq!(
            p("git::deploy@example.com:org/repo.git").address(),
            "example.com/org/repo"
        );
    }

    #[test]
    fn github_and_bitbucket_shorthand() {
        let s = p("github.com/hashicorp/example");
        assert_eq!(
            s,
            git("https://github.com/hashicorp/example.git", None, None)
        );
        let s = p("github.com/hashicorp/example//sub?ref=v1");
        assert_eq!(
            s,
            git(
                "https://github.com/hashicorp/example.git",
                Some("v1"),
                Some("sub")
            )
        );
        assert_eq!(s.address(), "github.com/hashicorp/example//sub");
        assert_eq!(
            p("github.com/hashicorp/example/modules/x"),
            git(
                "https://github.com/hashicorp/example.git",
                None,
                Some("modules/x")
            )
        );
        assert_eq!(
            p("bitbucket.org/hashicorp/terraform-consul-aws"),
            git(
                "https://bitbucket.org/hashicorp/terraform-consul-aws.git",
                None,
                None
            )
        );
        assert_eq!(
            p("git::github.com/org/repo?ref=main"),
            git("https://github.com/org/repo.git", Some("main"), None)
        );
    }

    #[test]
    fn spellings_of_one_address_agree() {
        for s in [
            "git::https://github.com/org/repo.git//sub?ref=x",
            "github.com/org/repo//sub",
            "git::ssh://git@github.com/org/repo.git//sub",
            "git@github.com:org/repo.git//sub?ref=v1",
            "git::https://GitHub.com/org/repo//sub/",
            "github.com/org/repo/sub",
        ] {
            assert_eq!(p(s).address(), "github.com/org/repo//sub", "{s}");
        }
    }

    #[test]
    fn mercurial() {
        let s = p("hg::http://example.com/vpc.hg?rev=v1.2.0");
        assert_eq!(
            s,
            ModuleSource::Mercurial {
                url: "http://example.com/vpc.hg".into(),
                rev: Some("v1.2.0".into()),
                subdir: None,
            }
        );
        assert_eq!(s.reference(), Some("v1.2.0"));
        assert_eq!(s.address(), "example.com/vpc.hg");
        assert_eq!(
            p("hg::http://example.com/vpc.hg?ref=tip").reference(),
            Some("tip")
        );
        assert_eq!(
            p(&format!("hg::http://example.com/x?rev={SHA}")).pin(None),
            Pin::Pinned
        );
        assert!(ModuleSource::parse("hg::http://example.com/x?rev=a&ref=b").is_err());
    }

    #[test]
    fn s3() {
        let s = p("s3::https://s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip");
        assert_eq!(
            s,
            ModuleSource::S3 {
                url: "https://s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip"
                    .into(),
                version: None,
                checksum: None,
                subdir: None,
            }
        );
        assert_eq!(
            s.address(),
            "s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip"
        );
        assert_eq!(s.pin(None), Pin::Unpinned(Unpinned::NoChecksum));
        let s = p("examplecorp-terraform-modules.s3.amazonaws.com/vpc.zip");
        assert_eq!(
            s,
            ModuleSource::S3 {
                url: "https://examplecorp-terraform-modules.s3.amazonaws.com/vpc.zip".into(),
                version: None,
                checksum: None,
                subdir: None,
            }
        );
        let s = p("examplecorp-terraform-modules.s3.amazonaws.com/vpc.zip?version=abc&aws_access_key_id=K");
        assert_eq!(s.reference(), Some("abc"));
        assert_eq!(s.pin(None), Pin::Pinned);
        assert_eq!(
            s.address(),
            "examplecorp-terraform-modules.s3.amazonaws.com/vpc.zip"
        );
        assert_eq!(
            p("s3::bucket.s3.amazonaws.com/vpc.zip?checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000").pin(None),
            Pin::Pinned
        );
        assert_eq!(
            p("s3::bucket.s3.amazonaws.com/vpc.zip?checksum=sha256:ab").pin(None),
            Pin::Unpinned(Unpinned::NoChecksum),
            "a digest of the wrong length pins nothing"
        );
    }

    #[test]
    fn gcs() {
        let s = p("gcs::https://www.googleapis.com/storage/v1/modules/foomodule.zip");
        assert_eq!(
            s,
            ModuleSource::Gcs {
                url: "https://www.googleapis.com/storage/v1/modules/foomodule.zip".into(),
                checksum: None,
                subdir: None,
            }
        );
        assert_eq!(s.pin(None), Pin::Unpinned(Unpinned::NoChecksum));
        assert_eq!(p("www.googleapis.com/storage/v1/modules/foomodule.zip"), s);
    }

    #[test]
    fn http_archives() {
        let s = p("https://example.com/vpc-module.zip");
        assert_eq!(
            s,
            ModuleSource::Http {
                url: "https://example.com/vpc-module.zip".into(),
                checksum: None,
                subdir: None,
            }
        );
        assert_eq!(s.pin(None), Pin::Unpinned(Unpinned::NoChecksum));
        assert_eq!(s.address(), "example.com/vpc-module.zip");
        let s = p("https://example.com/vpc-module.zip?checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000");
        assert_eq!(
            s,
            ModuleSource::Http {
                url: "https://example.com/vpc-module.zip".into(),
                checksum: Some(
                    "sha256:0000000000000000000000000000000000000000000000000000000000000000"
                        .into()
                ),
                subdir: None,
            }
        );
        assert_eq!(s.pin(None), Pin::Pinned);
        assert_eq!(
            s.revision(),
            Some("sha256:0000000000000000000000000000000000000000000000000000000000000000")
        );
        let s = p("https://example.com/vpc-module?archive=zip");
        assert_eq!(
            s,
            ModuleSource::Http {
                url: "https://example.com/vpc-module".into(),
                checksum: None,
                subdir: None,
            }
        );
        // Parameters that choose the content stay in the URL and the address.
        let s = p("https://Example.com/get?archive=zip&module=vpc//sub");
        assert_eq!(
            s,
            ModuleSource::Http {
                url: "https://Example.com/get?module=vpc".into(),
                checksum: None,
                subdir: Some("sub".into()),
            }
        );
        assert_eq!(s.address(), "example.com/get?module=vpc//sub");
        // go-getter fetches a plain https URL as an archive, even `.git`.
        assert!(matches!(
            p("https://example.com/repo.git"),
            ModuleSource::Http { .. }
        ));
        assert_eq!(
            p("git://example.com/repo.git?ref=main"),
            git("git://example.com/repo.git", Some("main"), None)
        );
        // A checksum given as a URL keeps its `://`.
        let s = p("https://example.com/x.zip?checksum=file:https://example.com/x.sha256");
        // ...and pins nothing: the digest comes from a server too.
        assert_eq!(s.pin(None), Pin::Unpinned(Unpinned::NoChecksum));
        let ModuleSource::Http {
            checksum, subdir, ..
        } = s
        else {
            panic!();
        };
        assert_eq!(
            checksum.as_deref(),
            Some("file:https://example.com/x.sha256")
        );
        assert_eq!(subdir, None);
    }

    #[test]
    fn query_order_and_decoding() {
        for s in [
            "git::https://example.com/r.git?depth=1&ref=v1",
            "git::https://example.com/r.git?ref=v1&depth=1",
        ] {
            assert_eq!(
                p(s),
                ModuleSource::Git {
                    url: "https://example.com/r.git".into(),
                    reference: Some("v1".into()),
                    subdir: None,
                    depth: Some("1".into()),
                }
            );
        }
        assert_eq!(
            p("git::https://example.com/r.git?ref=release%2F1.0").reference(),
            Some("release/1.0")
        );
        assert_eq!(
            p("git::https://example.com/r.git?sshkey=abc&ref=v1").reference(),
            Some("v1")
        );
        assert_eq!(p("git::https://example.com/r.git?ref=").reference(), None);
    }

    #[test]
    fn ref_before_subdir() {
        let s = p("git::https://example.com/repo.git?ref=v1//modules/x");
        assert_eq!(
            s,
            git(
                "https://example.com/repo.git",
                Some("v1"),
                Some("modules/x")
            )
        );
        let s = p("git::https://example.com/repo.git?ref=v1//modules/x&depth=1");
        assert_eq!(
            s,
            ModuleSource::Git {
                url: "https://example.com/repo.git".into(),
                reference: Some("v1".into()),
                subdir: Some("modules/x".into()),
                depth: Some("1".into()),
            }
        );
        let s = p("git::https://example.com/repo.git//modules/x/y/z?ref=v1");
        assert_eq!(s.address(), "example.com/repo//modules/x/y/z");
    }

    #[test]
    fn errors() {
        assert_eq!(ModuleSource::parse(""), Err(SourceError::Empty));
        assert_eq!(ModuleSource::parse("   "), Err(SourceError::Empty));
        assert_eq!(
            ModuleSource::parse("git::"),
            Err(SourceError::NothingAfterGetter {
                getter: "git".into()
            })
        );
        assert_eq!(
            ModuleSource::parse("foo::https://example.com/x"),
            Err(SourceError::UnknownGetter {
                getter: "foo".into()
            })
        );
        assert!(matches!(
            ModuleSource::parse("git::https://example.com/r.git?ref=%zz"),
            Err(SourceError::MalformedQuery { .. })
        ));
        assert!(matches!(
            ModuleSource::parse("git::https://example.com/r.git?ref=a&ref=b"),
            Err(SourceError::MalformedQuery { .. })
        ));
        assert!(matches!(
            ModuleSource::parse("git::https://"),
            Err(SourceError::MalformedUrl { .. })
        ));
        assert!(matches!(
            ModuleSource::parse("git::example.com/org/repo"),
            Err(SourceError::MalformedUrl { .. })
        ));
        for s in [
            "vpc",
            "ns/name",
            "ns/name/aws/extra/more",
            "ns/name/AWS",
            "gitlab.com/org/repo",
            "github.com/org",
            "ssh://git@example.com/repo.git",
            "terraform-aws-modules/vpc/aws?ref=v1",
            "example.com/ns/name",
            "tfr://registry.terraform.io/vpc/aws",
            "tfr://registry.terraform.io/x/ns/name/aws",
        ] {
            assert!(
                matches!(
                    ModuleSource::parse(s),
                    Err(SourceError::NotRecognised { .. })
                ),
                "{s}: {:?}",
                ModuleSource::parse(s)
            );
        }
        assert_eq!(
            ModuleSource::parse("git::").unwrap_err().to_string(),
            "nothing after \"git::\""
        );
    }

    #[test]
    fn ref_classes() {
        let g = |r: &str| format!("git::https://example.com/r.git?ref={r}");
        assert_eq!(p(&g(SHA)).pin(None), Pin::Pinned);
        assert_eq!(p(&g(&SHA.to_uppercase())).pin(None), Pin::Pinned);
        assert_eq!(p(&g(&"ab".repeat(32))).pin(None), Pin::Pinned);
        assert_eq!(
            unpinned(&g("abc1234"), None),
            Unpinned::ShortSha("abc1234".into())
        );
        assert_eq!(
            unpinned(&g(&SHA[..39]), None),
            Unpinned::ShortSha(SHA[..39].into())
        );
        for t in [
            "v1.2.3",
            "1.2.3",
            "release-1.2",
            "v1",
            "vpc/v2.0.1",
            "1.2.3-rc.1",
        ] {
            assert_eq!(unpinned(&g(t), None), Unpinned::TagLike(t.into()), "{t}");
        }
        for b in [
            "main",
            "master",
            "develop",
            "feature/x",
            "2024",
            "abc",
            "release-1.x",
        ] {
            assert_eq!(unpinned(&g(b), None), Unpinned::BranchLike(b.into()), "{b}");
        }
        assert_eq!(
            unpinned("git::https://example.com/r.git", None),
            Unpinned::NoRef
        );
    }

    #[test]
    fn unpinned_text() {
        assert_eq!(
            Unpinned::BranchLike("main".into()).to_string(),
            "ref \"main\" is a branch name"
        );
        assert_eq!(
            Unpinned::TagLike("v1.2.0".into()).to_string(),
            "ref \"v1.2.0\" is a tag, and tags can be moved"
        );
        assert_eq!(
            Unpinned::NoRef.to_string(),
            "no ref: follows the default branch"
        );
        assert_eq!(
            Unpinned::VersionRange("~> 5.0".into()).to_string(),
            "\"~> 5.0\" is a version range"
        );
        assert_eq!(
            Unpinned::NoVersion.to_string(),
            "no version: takes the newest release"
        );
        assert_eq!(
            Unpinned::ShortSha("abc1234".into()).to_string(),
            "ref \"abc1234\" is an abbreviated commit"
        );
        assert_eq!(
            Unpinned::NoChecksum.to_string(),
            "archive has no sha256 or sha512 checksum"
        );
        assert_eq!(
            Unpinned::BranchLike("a\u{1b}[31m".into()).to_string(),
            "ref \"a\\u{1b}[31m\" is a branch name"
        );
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3); // OSA, not full Damerau.
        assert_eq!(edit_distance("modules", "modlues"), 1);
        assert_eq!(edit_distance("vpc", "vрc"), 1); // Cyrillic р
    }

    #[test]
    fn look_alikes() {
        let real = "registry.terraform.io/terraform-aws-modules/vpc/aws";
        assert!(looks_alike(
            real,
            "registry.terraform.io/terraform-aws-module/vpc/aws"
        ));
        assert!(looks_alike(
            real,
            "registry.terraform.io/terraform_aws_modules/vpc/aws"
        ));
        assert!(looks_alike(
            real,
            "registry.terraform.io/terrafrom-aws-modules/vpc/aws"
        ));
        assert!(looks_alike(
            "github.com/hashicorp/x",
            "github.com/hashic0rp/x"
        ));
        assert!(looks_alike("github.com/modules/x", "github.com/rnodules/x"));
        assert!(looks_alike("github.com/org/tools", "github.com/org/too1s"));
        // Farther than two edits, but the same once glyphs are folded.
        assert!(looks_alike("github.com/org/mmm", "github.com/org/rn-rn-rn"));
        assert!(!looks_alike(real, real));
        assert!(!looks_alike(
            real,
            "registry.terraform.io/cloudposse/vpc/aws"
        ));
        assert!(!looks_alike("github.com/a/vpc", "github.com/b/eks-cluster"));
    }

    #[test]
    fn git_addresses_are_in_the_one_normal_form() {
        for s in [
            "git::ssh://git@github.com:22/acme/net",
            "git@github.com:acme/net",
            "git::https://GitHub.com:443/acme/./net.git?ref=v1",
            "git::https://github.com/acme/net.git/",
            "github.com/acme/net",
        ] {
            assert_eq!(p(s).address(), "github.com/acme/net", "{s}");
        }
        // Fetched as `/evil/net.git`, so that is what it is.
        assert_eq!(
            p(&format!(
                "git::https://github.com/acme/../evil/net.git?ref={SHA}"
            ))
            .address(),
            "github.com/evil/net"
        );
        assert_eq!(
            p("git::https://github.com/acme/net.git//a/./b/../c").address(),
            "github.com/acme/net//a/c"
        );
        assert_eq!(
            p("https://Example.com:443/a/../m.zip?checksum=sha256:00").address(),
            "example.com/m.zip"
        );
    }

    #[test]
    fn addresses_without_one_normal_form_are_errors() {
        for s in [
            "git::https://github.com/acme/%2e%2e/evil/net.git",
            "git::https://github.com/acme%2fevil/net.git",
            "git::https://github.com/acme/net.git//../../etc",
            "https://example.com/a/%2E%2E/m.zip",
        ] {
            assert!(
                matches!(ModuleSource::parse(s), Err(SourceError::Ambiguous { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn a_commit_with_depth_is_a_branch_or_tag_name() {
        let s = p(&format!("git::https://example.com/r.git?ref={SHA}&depth=1"));
        assert_eq!(
            s.pin(None),
            Pin::Unpinned(Unpinned::ShallowCommit(SHA.into()))
        );
        // depth=0 is no shallow clone: go-getter checks the commit out.
        let s = p(&format!("git::https://example.com/r.git?ref={SHA}&depth=0"));
        assert_eq!(s.pin(None), Pin::Pinned);
        let s = p("git::https://example.com/r.git?ref=v1.2.0&depth=1");
        assert_eq!(
            s.pin(None),
            Pin::Unpinned(Unpinned::TagLike("v1.2.0".into()))
        );
    }

    proptest! {
        #[test]
        fn git_addresses_are_normal(
            s in "(git::https://|git::ssh://git@|git@|github.com/)[a-zA-Z]{1,4}\\.com(/|\\.\\.|\\.|[a-z]{1,3}|\\.git){1,8}(//[a-z./]{0,8})?",
        ) {
            if let Ok(src @ ModuleSource::Git { .. }) = ModuleSource::parse(&s) {
                let address = src.address();
                prop_assert!(!crate::address::is_suspicious(&address), "{}", address);
                let (repo, _) = address.split_once("//").unwrap_or((&address, ""));
                let again = crate::address::git_identity(repo);
                prop_assert_eq!(again.as_deref(), Some(repo));
            }
        }

        #[test]
        fn never_panics(s in ".*") {
            if let Ok(src) = ModuleSource::parse(&s) {
                let _ = src.address();
                let _ = src.pin(Some(&s));
                let _ = src.reference();
            }
        }

        #[test]
        fn sourceish_never_panics(
            s in "(git::|hg::|s3::|gcs::|https::|file::|tfr://|https://|git@|github.com/|bitbucket.org/)?[a-zA-Z0-9./:@?&=%+_~-]{0,40}(//[a-z/]{0,8})?(\\?[a-z]{0,5}=[a-zA-Z0-9%/.:]{0,12}(&[a-z]{0,5}=[a-z0-9%]{0,6})?)?",
        ) {
            if let Ok(src) = ModuleSource::parse(&s) {
                let address = src.address();
                // A git address never carries its ref.
                if matches!(src, ModuleSource::Git { .. }) {
                    prop_assert!(!address.contains("ref="), "{}", address);
                }
                let _ = src.pin(None);
            }
        }

        #[test]
        fn distance_is_symmetric_and_bounded(a in ".{0,12}", b in ".{0,12}") {
            let d = edit_distance(&a, &b);
            prop_assert_eq!(d, edit_distance(&b, &a));
            prop_assert!(d <= a.chars().count().max(b.chars().count()));
            prop_assert_eq!(d == 0, a == b);
            let _ = looks_alike(&a, &b);
        }
    }
}
