//! What a `resources` / `components` / `bases` entry names: a local path, a
//! git repository (kustomize's remote target syntax), or a file over HTTP.
//!
//! Git targets are read as kustomize 5 reads them (`api/internal/git/
//! repospec.go`): an optional `git::` prefix (ignored), a scheme among
//! `https`, `http`, `ssh` and `file`, or none for `github.com/...` and
//! scp-style `user@host:path`; then the repository path ends at `_git/<repo>`
//! (Azure DevOps), at `//`, after `.git`, or, on github.com, after two
//! segments; what follows is the kustomization root inside it. `?ref=`
//! (else `?version=`) selects the commit. Kustomize 4 also cloned
//! scheme-less `gitlab.com/org/repo//path` addresses; a scheme-less path
//! whose first segment is a host name is read that way too, as remote
//! (stricter than reading it as a local directory).

use std::ops::Range;

use crate::model::PinState;
use crate::pin::is_commit_id;
use crate::source::{ModuleSource, Pin, Unpinned};

/// A remote target, with byte ranges into the entry as written.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// A path in the same repository.
    Local,
    Git {
        /// `host/org/repo//root`: host lowercased, no scheme, user or
        /// `.git`, the kustomization root after `//`.
        address: String,
        /// The entry before its query.
        base: Range<usize>,
        /// The `ref` (or `version`) value as written.
        reference: Option<Range<usize>>,
        /// The repository as `git clone` takes it (kustomize clones a
        /// scheme-less address over https).
        clone_url: String,
    },
    File {
        /// The URL without query, scheme and host lowercased.
        url: String,
        base: Range<usize>,
        /// The path segment that names a commit or a version, if any.
        version: Option<Range<usize>>,
        pin: PinState,
    },
}

/// Reads an entry; `Err` with why for a URL kustomize cannot fetch.
pub(super) fn parse(entry: &str) -> Result<Target, String> {
    let base_end = entry.find('?').unwrap_or(entry.len());
    let (base, query) = entry.split_at(base_end);
    let query_start = (base_end + 1).min(entry.len());
    let reference = reference(query.get(1..).unwrap_or(""), query_start)?;
    let forced = strip_prefix_ci(base, "git::");
    let (offset, body) = match forced {
        Some(rest) => (base.len() - rest.len(), rest),
        None => (0, base),
    };
    if let Some((scheme, rest)) = body.split_once("://") {
        let after_scheme = offset + scheme.len() + 3;
        return match scheme.to_ascii_lowercase().as_str() {
            "file" => Ok(Target::Local),
            // Kustomize fetches a file URL with a plain GET first, whatever
            // its query says: `?ref=<sha>` pins nothing there.
            "http" | "https" if forced.is_none() && is_file(rest) => {
                file(entry, base_end, after_scheme, scheme, rest)
            }
            "http" | "https" | "ssh" => {
                let (host, path) = host_and_path(rest);
                let authority = &rest[..rest.len() - path.len()];
                let prefix = format!("{}://{authority}/", scheme.to_ascii_lowercase());
                git(host, path, &prefix, base_end, reference)
            }
            _ => Err(format!(
                "{entry:?}: kustomize fetches https://, http:// and ssh:// URLs, not {scheme}://"
            )),
        };
    }
    if let Some((user_host, path)) = body.split_once(':') {
        if let Some((user, host)) = user_host.split_once('@') {
            let plain = |s: &str| !s.is_empty() && !s.contains(['/', '@']);
            if plain(user) && plain(host) {
                return git(host, path, &format!("{user_host}:"), base_end, reference);
            }
        }
    }
    let (first, path) = body.split_once('/').unwrap_or((body, ""));
    let github = first.eq_ignore_ascii_case("github.com");
    if github || (is_host_name(first) && path.split('/').count() >= 2 && !is_file(body)) {
        return git(
            first,
            path,
            &format!("https://{first}/"),
            base_end,
            reference,
        );
    }
    Ok(Target::Local)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// `user@host:port` and the path after it.
fn host_and_path(rest: &str) -> (&str, &str) {
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (host, path)
}

/// A dotted DNS name whose last label is alphabetic (`gitlab.com`), not a
/// directory such as `overlays` or `conf.d`.
fn is_host_name(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// An HTTP(S) URL (after its scheme) that names one manifest file rather
/// than a repository: its last segment is a `.yaml`, `.yml` or `.json`
/// file and no `//` marks a repository root.
fn is_file(rest: &str) -> bool {
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let last = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    !path.contains("//") && [".yaml", ".yml", ".json"].iter().any(|e| last.ends_with(e))
}

/// The value of `ref` (or, without one, `version`) in a query starting at
/// byte `start` of the entry. Giving either twice is an error: which one
/// kustomize would use is not something to leave to chance.
fn reference(query: &str, start: usize) -> Result<Option<Range<usize>>, String> {
    let mut found: [Option<Range<usize>>; 2] = [None, None];
    let mut at = start;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value_start = at + key.len() + 1;
        let slot = match key {
            "ref" => found.get_mut(0),
            "version" => found.get_mut(1),
            _ => None,
        };
        if let Some(slot) = slot {
            if slot.is_some() {
                return Err(format!("?{key}= is given more than once"));
            }
            if !value.is_empty() {
                *slot = Some(value_start..value_start + value.len());
            }
        }
        at += pair.len() + 1;
    }
    let [by_ref, by_version] = found;
    Ok(by_ref.or(by_version))
}

/// A git target from its host and the path after it; `prefix` is what
/// comes before the repository path in its clone URL.
fn git(
    host: &str,
    path: &str,
    prefix: &str,
    base_end: usize,
    reference: Option<Range<usize>>,
) -> Result<Target, String> {
    let path = path.trim_start_matches('/');
    let (repo, root) = split_repo(host, path);
    let written = repo.trim_end_matches('/');
    let repo = written.strip_suffix(".git").unwrap_or(written);
    let root = root.trim_matches('/');
    if host.is_empty() || repo.is_empty() {
        return Err("a remote target needs a host and a repository path".to_owned());
    }
    let clone_url = format!("{prefix}{written}");
    // The one normal form (crate::address): dot segments resolved as git
    // resolves them, no default port or user; refused when ambiguous.
    let why = |e: crate::address::AddressError| {
        format!("the remote target has no one normal form, so what is cloned cannot be told: {e}")
    };
    let mut address = crate::address::git(&clone_url).map_err(why)?.identity();
    let root = crate::address::subpath(root).map_err(why)?;
    if !root.is_empty() {
        address.push_str("//");
        address.push_str(&root);
    }
    Ok(Target::Git {
        address,
        base: 0..base_end,
        reference,
        clone_url,
    })
}

/// The repository path and the kustomization root, as kustomize splits them.
fn split_repo<'a>(host: &str, path: &'a str) -> (&'a str, &'a str) {
    if let Some(i) = path.find("_git/") {
        let after = &path[i + 5..];
        let end = i + 5 + after.find('/').unwrap_or(after.len());
        return path.split_at(end);
    }
    if let Some(i) = path.find("//") {
        return (&path[..i], &path[i + 2..]);
    }
    let dot_git = path
        .match_indices(".git")
        .map(|(i, _)| i + 4)
        .find(|&end| path[end..].is_empty() || path[end..].starts_with('/'));
    if let Some(end) = dot_git {
        return path.split_at(end);
    }
    if host.eq_ignore_ascii_case("github.com") {
        let end = path
            .match_indices('/')
            .nth(1)
            .map_or(path.len(), |(i, _)| i);
        return path.split_at(end);
    }
    (path, "")
}

/// A file over HTTP: pinned by a commit in its path on a forge that serves
/// files by commit ([`crate::address::forge_commit`]), tagged by a
/// version-like segment (a release tag), unpinned otherwise: a plain web
/// server serves whatever it likes under a 40-hex path, and kustomize
/// checks no digest.
fn file(
    entry: &str,
    base_end: usize,
    after_scheme: usize,
    scheme: &str,
    rest: &str,
) -> Result<Target, String> {
    let authority_end = after_scheme + rest.find('/').unwrap_or(rest.len());
    let path = &entry[authority_end..base_end];
    let written = format!("{scheme}://{}", &entry[after_scheme..base_end]);
    let normal = crate::address::web(&written).map_err(|e| {
        format!("the URL has no one normal form, so what is fetched cannot be told: {e}")
    })?;
    let url = normal.url();
    let forge_commit = crate::address::forge_commit(&written);
    let mut segments = Vec::new();
    let mut at = authority_end;
    for segment in path.split('/') {
        segments.push((at..at + segment.len(), segment));
        at += segment.len() + 1;
    }
    // The file name itself names no version.
    segments.pop();
    let commit = forge_commit.as_ref().map(|c| {
        segments
            .iter()
            .find(|(_, s)| s.eq_ignore_ascii_case(c))
            .map(|(range, _)| range.clone())
    });
    let tag = segments.iter().find_map(|(range, s)| match ref_pin(s) {
        PinState::Tagged(_) => Some((range, s)),
        _ => None,
    });
    let on_plain_server = forge_commit.is_none() && segments.iter().any(|(_, s)| is_commit_id(s));
    let (version, pin) = match (commit, tag) {
        (Some(range), _) => (range, PinState::Pinned),
        (None, _) if on_plain_server => (
            None,
            PinState::Unpinned(format!(
                "{} is no forge that serves files by commit: a commit-like path there is just a \
                 name, and what it serves can change; use a raw URL of the commit on its forge \
                 or a git remote at ?ref=<commit>",
                normal.host
            )),
        ),
        (None, Some((range, tag))) => (
            Some(range.clone()),
            PinState::Tagged(format!(
                "the URL names version {tag:?}, a tag or release that can be moved; use a \
                 URL with a commit"
            )),
        ),
        (None, None) => (
            None,
            PinState::Unpinned(
                "the URL names no commit or version: what it serves can change".to_owned(),
            ),
        ),
    };
    Ok(Target::File {
        url,
        base: 0..base_end,
        version,
        pin,
    })
}

/// A git ref judged as Terraform git sources are: a full commit is pinned,
/// a version-like tag is tagged, anything else (a branch, a short commit,
/// none) is unpinned.
pub(super) fn ref_pin(reference: &str) -> PinState {
    let source = ModuleSource::Git {
        url: String::new(),
        reference: (!reference.is_empty()).then(|| reference.to_owned()),
        subdir: None,
        depth: None,
    };
    match source.pin(None) {
        Pin::Pinned => PinState::Pinned,
        Pin::Unpinned(why @ Unpinned::TagLike(_)) => PinState::Tagged(why.to_string()),
        Pin::Unpinned(Unpinned::NoRef) => {
            PinState::Unpinned("no ref: the default branch at build time".to_owned())
        }
        Pin::Unpinned(why) => PinState::Unpinned(why.to_string()),
        Pin::Local => PinState::Unpinned("not a git ref".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(entry: &str) -> Option<(String, Option<&str>)> {
        match parse(entry).unwrap() {
            Target::Git {
                address, reference, ..
            } => Some((address, reference.map(|r| &entry[r]))),
            _ => None,
        }
    }

    #[test]
    fn clone_urls_keep_scheme_user_and_suffix() {
        let cases = [
            (
                "https://github.com/org/repo//a/b?ref=v1",
                "https://github.com/org/repo",
            ),
            (
                "github.com/org/repo/a/b?ref=v1",
                "https://github.com/org/repo",
            ),
            (
                "git@github.com:org/repo.git//a?ref=main",
                "git@github.com:org/repo.git",
            ),
            (
                "ssh://git@example.com:2222/org/repo.git/a?version=v2",
                "ssh://git@example.com:2222/org/repo.git",
            ),
            (
                "git::https://GitLab.com/org/repo.git//x",
                "https://GitLab.com/org/repo.git",
            ),
        ];
        for (entry, want) in cases {
            match parse(entry).unwrap() {
                Target::Git { clone_url, .. } => assert_eq!(clone_url, want, "{entry}"),
                other => panic!("{entry}: {other:?}"),
            }
        }
    }

    #[test]
    fn git_targets() {
        let sha = "7c0e2b5d9a4f1e3c6b8d0a2f4e6c8b0d1a3f5e7c";
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "https://github.com/org/repo//a/b?ref=v1",
                "github.com/org/repo//a/b",
                Some("v1"),
            ),
            (
                "github.com/org/repo/a/b?ref=v1",
                "github.com/org/repo//a/b",
                Some("v1"),
            ),
            ("GitHub.com/org/repo", "github.com/org/repo", None),
            (
                "git@github.com:org/repo.git//a?ref=main",
                "github.com/org/repo//a",
                Some("main"),
            ),
            (
                "ssh://git@github.com/org/repo.git/a?version=v2",
                "github.com/org/repo//a",
                Some("v2"),
            ),
            (
                "git::https://GitLab.com/org/repo.git//x",
                "gitlab.com/org/repo//x",
                None,
            ),
            (
                "https://gitlab.com/org/sub/repo.git",
                "gitlab.com/org/sub/repo",
                None,
            ),
            (
                "gitlab.com/org/repo//x?ref=v1&timeout=90",
                "gitlab.com/org/repo//x",
                Some("v1"),
            ),
            (
                "https://dev.azure.com/org/proj/_git/repo/a/b?ref=x",
                "dev.azure.com/org/proj/_git/repo//a/b",
                Some("x"),
            ),
            (
                "https://example.com/org/repo?version=a&ref=b",
                "example.com/org/repo",
                Some("b"),
            ),
            (
                "https://example.com/org/.github/x?ref=r",
                "example.com/org/.github/x",
                Some("r"),
            ),
            (
                "ssh://git@host.example:2222/org/repo.git",
                "host.example:2222/org/repo",
                None,
            ),
            (
                "https://github.com/org/repo?ref=",
                "github.com/org/repo",
                None,
            ),
            (
                "https://github.com/acme/../evil/net.git//a/./b?ref=r",
                "github.com/evil/net//a/b",
                Some("r"),
            ),
            (
                "ssh://git@github.com:22/acme/net.git",
                "github.com/acme/net",
                None,
            ),
            ("git@github.com:acme/net", "github.com/acme/net", None),
        ];
        for (entry, want, reference) in cases {
            assert_eq!(
                address(entry),
                Some(((*want).to_owned(), *reference)),
                "{entry}"
            );
        }
        assert_eq!(ref_pin(sha), PinState::Pinned);
        // A file URL is fetched with a plain GET: its query pins nothing.
        assert!(matches!(
            parse("https://example.com/manifests/install.yaml?ref=0123456789abcdef0123456789abcdef01234567"),
            Ok(Target::File { .. })
        ));
    }

    #[test]
    fn ambiguous_remotes_are_errors() {
        for entry in [
            "https://github.com/acme/%2e%2e/evil/net.git?ref=r",
            "https://github.com/acme/net.git//../../x?ref=r",
            "git@github.com:../../evil/net",
        ] {
            assert!(parse(entry).is_err(), "{entry}");
        }
    }

    #[test]
    fn local_paths() {
        for entry in [
            "deployment.yaml",
            "../base",
            "./overlays/prod",
            "/abs/path",
            "conf.d/app.yaml",
            "overlays.prod/x",
            "file:///srv/repo",
            "FILE:///srv/repo",
            "my.service/deploy.yaml",
            "base",
            "",
        ] {
            assert_eq!(parse(entry), Ok(Target::Local), "{entry}");
        }
    }

    #[test]
    fn files() {
        let entry = "https://Raw.GitHubUserContent.com/org/repo/3b2b6c4e8f0a1d3c5e7f9a1b3d5f7a9c1e3b5d7f/x.yaml?token=abc";
        let Target::File {
            url,
            base,
            version,
            pin,
        } = parse(entry).unwrap()
        else {
            panic!("{entry}");
        };
        assert_eq!(
            url,
            "https://raw.githubusercontent.com/org/repo/3b2b6c4e8f0a1d3c5e7f9a1b3d5f7a9c1e3b5d7f/x.yaml"
        );
        assert_eq!(&entry[base], &entry[..entry.find('?').unwrap()]);
        assert_eq!(
            &entry[version.unwrap()],
            "3b2b6c4e8f0a1d3c5e7f9a1b3d5f7a9c1e3b5d7f"
        );
        assert_eq!(pin, PinState::Pinned);

        let entry = "https://github.com/org/repo/releases/download/v1.15.3/crds.yaml";
        let Target::File { version, pin, .. } = parse(entry).unwrap() else {
            panic!("{entry}");
        };
        assert_eq!(&entry[version.unwrap()], "v1.15.3");
        assert!(matches!(pin, PinState::Tagged(_)));

        let entry = "https://raw.githubusercontent.com/org/repo/refs/heads/main/x.yml";
        let Target::File { version, pin, .. } = parse(entry).unwrap() else {
            panic!("{entry}");
        };
        assert_eq!(version, None);
        assert!(matches!(pin, PinState::Unpinned(_)));
        // The file name names no version.
        let Target::File { pin, .. } = parse("https://example.com/a/v1.2.3.yaml").unwrap() else {
            panic!();
        };
        assert!(matches!(pin, PinState::Unpinned(_)));
    }

    #[test]
    fn refs() {
        assert!(
            matches!(ref_pin("v1.2.3"), PinState::Tagged(why) if why == "ref \"v1.2.3\" is a tag, and tags can be moved")
        );
        assert_eq!(
            ref_pin(""),
            PinState::Unpinned("no ref: the default branch at build time".to_owned())
        );
        assert!(matches!(ref_pin("main"), PinState::Unpinned(why) if why.contains("branch")));
        assert!(
            matches!(ref_pin("7c0e2b5"), PinState::Unpinned(why) if why.contains("abbreviated"))
        );
    }

    #[test]
    fn errors() {
        assert!(parse("s3://bucket/x").is_err());
        assert!(parse("https://github.com/org/repo?ref=a&ref=b").is_err());
        assert!(parse("https:///x").is_err());
        assert!(parse("git@github.com:").is_err());
    }
}
