//! Ansible Galaxy `requirements.yml` / `requirements.yaml`: the roles and
//! collections `ansible-galaxy install -r` fetches.
//!
//! The file is a list of roles (the old format) or a mapping with `roles:`
//! and `collections:` lists. Entries are read as `ansible-galaxy` reads them.
//! Every dependency is [`Ecosystem::Ansible`] and its pin is judged here.
//!
//! | Construct | Kind | Key | Source / version | Pinned when |
//! |---|---|---|---|---|
//! | role `name.role`, `name.role,1.2.3[,alias]`, `{name}` or `{src: name.role, version}` | role | `roles.<name>` | the Galaxy name, lowercased / version | never: a Galaxy role's version is a git tag of its repository (tagged) |
//! | role `git+https://host/org/repo.git,ref`, `{src, scm: git, version}` (also `hg`; `https://github.com/...` without `+` is git) | role | `roles.<name>` (`name`, else the repository name) | the URL without `git+`, scheme and host lowercased, without `.git` / version | `version` is a 40-hex commit (a version-like ref is a tag) |
//! | role `{src: https://host/role.tar.gz}` | role | `roles.<name>` | the URL / — | the URL names a 40-hex commit |
//! | collection `ns.name`, `ns.name:>=1.0`, `{name, version, source, type: galaxy}` | collection | `collections.<ns.name>` | `ns.name`, lowercased (`<server>/ns.name` for another `source` server) / version | one exact version (`7.5.0`, `==7.5.0`) |
//! | collection `{name: git+https://host/org/repo.git,ref, type: git}` (or `source:` holding the URL) | collection | `collections.<name>` (`name` when `source` holds the URL, else the repository name) | as for git roles / `version` or the `,ref` | `version` is a 40-hex commit (a version-like ref is a tag) |
//! | collection `{name: https://host/c.tar.gz, type: url}` | collection | `collections.<name>` (`name` when `source` holds the URL, else the URL) | the URL / — | the URL names a 40-hex commit |
//!
//! The span of a dependency is its list item; source and version spans are
//! the values as written (the part of a `src,version,name` line). A key
//! listed twice gets `#2`, `#3`, ... in file order (`ansible-galaxy`
//! installs the first and skips the rest). A full commit written with a
//! trailing comment (`version: <sha>  # v1.2.3`) keeps it as the comment.
//!
//! Unpinned: no version (the newest release, or the default branch of a
//! repository), a range (`>=7.0.0`, `*`, `>=1.0,<2.0`, `!=1.1`), a branch
//! or a short commit, a download URL that names no commit.
//!
//! Skipped, as not third-party: roles and collections from a local path
//! (`/x`, `./x`, `../x`, `~/x`, `file://`), collections of type `file`,
//! `dir` and `subdirs`, and roles `include:`d from another file (that file
//! is read on its own when it is named `requirements.yml`).
//!
//! A YAML file that is neither a list nor a mapping with `roles` or
//! `collections` is not a requirements file: it yields nothing. Errors, at
//! the offending byte: YAML that does not parse, another top-level key next
//! to `roles`/`collections` (which `ansible-galaxy` rejects), an entry of
//! the wrong shape, a role line with more than three fields, a role with
//! neither `name` nor `src`, an `scm` other than git or hg, a collection
//! without a name, with a name that is neither `namespace.name`, a URL nor
//! a path, or with an unknown `type`.

mod collections;
mod roles;
#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::extract::yaml::{self as tree, Node, NodeKind};
use crate::extract::{comment_after, is_commit, number_repeated_keys};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};
use crate::version::Version;

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = tree::load(text)? else {
        return Ok(Vec::new());
    };
    let mut found = Found::new(text);
    match &root.kind {
        NodeKind::Seq(_) => roles::read(&root, &mut found)?,
        NodeKind::Map(_) => {
            let entries = root.entries("the file")?;
            let ours = entries
                .iter()
                .any(|(key, _)| matches!(key.key_text(), Some("roles" | "collections")));
            if !ours {
                return Ok(Vec::new());
            }
            for (key, value) in entries {
                match key.key_text() {
                    Some("roles") => roles::read(value, &mut found)?,
                    Some("collections") => collections::read(value, &mut found)?,
                    _ => {
                        return Err(ExtractError::new(
                            "a requirements file takes only `roles:` and `collections:` at the top",
                            key.span.start,
                        ))
                    }
                }
            }
        }
        _ => return Ok(Vec::new()),
    }
    Ok(found.finish())
}

/// `text[range]` of the scalar `node`, spanned; `None` when empty.
fn part_of(node: &Node, text: &str, range: Range<usize>) -> Option<Spanned<String>> {
    let value = text.get(range.clone())?.trim();
    (!value.is_empty()).then(|| Spanned::new(value.to_owned(), node.sub_span(range)))
}

/// A string field of a mapping entry and its node; empty is none.
fn string_field<'n>(
    item: &'n Node,
    key: &str,
    subject: &str,
) -> Result<Option<(Spanned<String>, &'n Node)>, ExtractError> {
    match item.get(key, subject)? {
        Some((_, node)) => Ok(node
            .string(&format!("{subject}: {key}"))?
            .filter(|value| !value.value.trim().is_empty())
            .map(|value| (value, node))),
        None => Ok(None),
    }
}

/// The role name `ansible-galaxy` derives from a `src`: the last path
/// segment of a URL without `.git` or `.tar.gz`, or the name itself.
fn repository_name(src: &str) -> String {
    let src = src.trim();
    if !src.contains("://") && !src.contains('@') {
        return src.to_owned();
    }
    let last = src.rsplit('/').next().unwrap_or(src);
    let last = last.strip_suffix(".git").unwrap_or(last);
    let last = last.strip_suffix(".tar.gz").unwrap_or(last);
    last.split(',').next().unwrap_or(last).to_owned()
}

fn dependency(kind: Kind, key: String, name: String, at: Span) -> Dependency {
    Dependency::new(Ecosystem::Ansible, kind, key, name, at)
}

fn is_local(s: &str) -> bool {
    let s = s.trim();
    s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || s.starts_with("file://")
}

/// A role from Galaxy: Galaxy imports a role's versions from the git tags
/// of its repository and downloads the tag's archive at install time.
fn galaxy_role_pin(version: Option<&str>) -> PinState {
    match version.filter(|v| !v.is_empty()) {
        None => PinState::Unpinned("no version: the newest release at install time".to_owned()),
        Some(v) if Version::parse(v).is_ok() => PinState::Tagged(format!(
            "version \"{v}\" of a Galaxy role is a git tag of its repository, and tags can be moved; \
             install from `src: git+<url>` at a 40-hex commit"
        )),
        Some(v) => PinState::Unpinned(format!("version \"{v}\" is not one release")),
    }
}

/// A role or collection cloned from a repository at `version`.
fn git_pin(version: Option<&str>) -> PinState {
    match version.filter(|v| !v.is_empty() && *v != "HEAD") {
        None => PinState::Unpinned(
            "no version: the default branch's HEAD at install time; pin a 40-hex commit".to_owned(),
        ),
        Some(v) if is_commit(v) => PinState::Pinned,
        Some(v) if Version::parse(v).is_ok() => {
            PinState::Tagged(format!("tag \"{v}\" can be moved; pin the 40-hex commit"))
        }
        Some(v) => PinState::Unpinned(format!(
            "ref \"{v}\" is a branch or a short commit, which can move; pin a 40-hex commit"
        )),
    }
}

/// A download: pinned only when the URL names one commit on a forge that
/// serves archives by commit ([`crate::address::forge_commit`]). Elsewhere
/// a commit-like path is just a name the server may serve anything under,
/// and ansible-galaxy checks no digest of a downloaded archive.
fn url_pin(url: &str) -> PinState {
    // `URL,version,name` (the old one-line role form): the URL is the first.
    let download = url.split(',').next().unwrap_or(url);
    if crate::address::forge_commit(download).is_some() {
        PinState::Pinned
    } else {
        PinState::Unpinned(format!(
            "{} names no commit on a forge that serves archives by commit: what it serves can \
             change",
            url.trim()
        ))
    }
}

/// A Galaxy collection's version: pinned when it is one exact version.
fn collection_pin(version: Option<&str>) -> PinState {
    let Some(spec) = version.filter(|v| !v.is_empty() && *v != "*") else {
        return PinState::Unpinned("no version: the newest release at install time".to_owned());
    };
    let version = spec.strip_prefix("==").unwrap_or(spec).trim();
    // Collection versions are semver: `v1.2.3` names no release.
    let exact = !version.starts_with('v') && Version::parse(version).is_ok_and(|v| v.parts == 3);
    if exact {
        PinState::Pinned
    } else {
        PinState::Unpinned(format!("version \"{spec}\" is not one exact version"))
    }
}

/// A git URL: without `git+`, scheme and host lowercased, without a
/// trailing `/` or `.git`.
fn normalize_git(url: &str) -> String {
    let url = url.trim();
    let url = url.strip_prefix("git+").unwrap_or(url);
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix(".git").unwrap_or(base);
    let base = match base.split_once('@') {
        // scp-style `git@Host:org/repo`
        Some((user, rest)) if !base.contains("://") => match rest.split_once(':') {
            Some((host, path)) => format!("{user}@{}:{path}", host.to_ascii_lowercase()),
            None => base.to_owned(),
        },
        // The normal form of crate::address: no user or default port, dot
        // segments resolved as git resolves them.
        _ => match crate::address::git(base) {
            Ok(normal) if base.contains("://") => normal.url(),
            _ => normalize_url(base),
        },
    };
    match fragment {
        Some(fragment) => format!("{base}#{fragment}"),
        None => base,
    }
}

/// Scheme and host (with any user) lowercased, the rest as written.
fn normalize_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// The dependencies of one file, as they are found.
struct Found<'t> {
    text: &'t str,
    deps: Vec<Dependency>,
}

impl<'t> Found<'t> {
    fn new(text: &'t str) -> Self {
        Found {
            text,
            deps: Vec::new(),
        }
    }

    fn push(&mut self, mut dep: Dependency, version: Option<Spanned<String>>) {
        if let (PinState::Pinned, Some(v)) = (&dep.pin, &version) {
            if is_commit(v.value.trim()) {
                dep.comment = comment_after(self.text, v.span.end);
            }
        }
        dep.version = version;
        self.deps.push(dep);
    }

    /// The dependencies in file order, a key listed again made unique
    /// with `#2`, `#3`, ...
    fn finish(mut self) -> Vec<Dependency> {
        number_repeated_keys(&mut self.deps);
        self.deps
    }
}
