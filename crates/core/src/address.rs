//! The one normal form of a remote address, as the fetcher reads it.
//!
//! Every comparison of a git or web address (allowlists, `source-change`,
//! look-alikes, the SBOM, de-duplication) goes through [`git`] or [`web`],
//! so that two spellings of one place compare equal and a spelling that
//! reads as one place but is fetched from another cannot pass for it:
//!
//! - the scheme, user-info and a default port (`:22` for ssh, `:443` for
//!   https, `:80` for http, `:9418` for git) say nothing about *what* is
//!   fetched: `ssh://git@github.com:22/acme/net`, `git@github.com:acme/net`
//!   and `https://github.com/acme/net.git` are all `github.com/acme/net`;
//! - the host is lowercased, without a trailing `.`;
//! - the path is percent-decoded where the escape names an unreserved
//!   character (`%61` is `a`), runs of `/` are one `/`, and dot segments are
//!   removed as RFC 3986 §5.2.4 says (curl, and so git over https, does it
//!   before sending): `github.com/acme/../evil/net` is `github.com/evil/net`;
//! - for git, a trailing `/` and `.git` name the same repository.
//!
//! What the fetcher and the server might read differently is refused
//! ([`AddressError`]), and a refused address blocks: an escaped `/`, `\` or
//! NUL, a dot segment spelled with escapes (`%2e%2e`, which curl sends as
//! is and a server may decode), a `\`, and a relative path whose `..`
//! climbs above its start.

use std::fmt;

/// Why an address has no normal form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{url:?}: {reason}")]
    Refused { url: String, reason: &'static str },
}

fn refused(url: &str, reason: &'static str) -> AddressError {
    AddressError::Refused {
        url: url.to_owned(),
        reason,
    }
}

/// A remote address in normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normal {
    /// Lowercase: `https`, `ssh`, `git`, `http`, `file`, ...
    pub scheme: String,
    /// Lowercase, with a port only when it is not the scheme's default.
    pub host: String,
    /// Without a leading `/`; for git, without a trailing `/` or `.git`.
    pub path: String,
    /// The query as written (web addresses only; git drops it).
    pub query: Option<String>,
}

impl Normal {
    /// `host/path[?query]`: the identity that comparisons use.
    pub fn identity(&self) -> String {
        let mut out = format!("{}/{}", self.host, self.path);
        if let Some(q) = &self.query {
            out.push('?');
            out.push_str(q);
        }
        out
    }

    /// `scheme://host/path[?query]`: a URL of the same place.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.identity())
    }
}

impl fmt::Display for Normal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.identity())
    }
}

/// A git remote: `scheme://[user@]host[:port]/path`, scp-style
/// `[user@]host:path`, or scheme-less `host/path` (cloned over https). A
/// `git+` prefix (pip, Ansible) is ignored; so are a query and fragment.
pub fn git(url: &str) -> Result<Normal, AddressError> {
    let mut normal = parse(url, true)?;
    normal.query = None;
    Ok(normal)
}

/// A web address (an archive, a file): like [`git`], but the path keeps a
/// trailing `.git` and the query stays (it chooses what is served); only a
/// fragment, which is never sent, is dropped.
pub fn web(url: &str) -> Result<Normal, AddressError> {
    parse(url, false)
}

/// [`git`]'s identity, or `None` when the address is refused.
pub fn git_identity(url: &str) -> Option<String> {
    git(url).ok().map(|n| n.identity())
}

/// A path inside a repository (a module's `//subdir`, a kustomization
/// root), in normal form: no empty or `.` segments, `..` resolved; `Err`
/// when it climbs out of the repository or is spelled with escapes.
pub fn subpath(path: &str) -> Result<String, AddressError> {
    let decoded = decode_path(path, path)?;
    let mut out: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Err(refused(path, "the path climbs out of the repository"));
                }
            }
            s => out.push(s),
        }
    }
    Ok(out.join("/"))
}

/// Whether an address (in whatever form a format wrote it) still has a
/// `.` or `..` segment, an escaped dot, slash or backslash, or a `\`:
/// what no normal form has, so nothing that has it is matched against an
/// allowlist.
pub fn is_suspicious(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or(&lower);
    let path = match path.split_once("://") {
        Some((_, rest)) => rest,
        // scp-style `host:path`: the path starts after the colon.
        None => {
            let slash = path.find('/').unwrap_or(path.len());
            match path.find(':').filter(|&colon| colon < slash) {
                Some(colon) => &path[colon + 1..],
                None => path,
            }
        }
    };
    path.contains('\\')
        || ["%2e", "%2f", "%5c", "%00"]
            .iter()
            .any(|e| path.contains(e))
        || path
            .split('/')
            .map(|s| s.split(';').next().unwrap_or_default())
            .any(|s| s == "." || s == "..")
}

/// The commit a web URL serves a file or archive of, when its host is a
/// forge whose URL form really is content-addressed by that commit:
///
/// | host | path |
/// | --- | --- |
/// | `raw.githubusercontent.com` | `OWNER/REPO/COMMIT/FILE…` |
/// | `github.com` | `OWNER/REPO/raw/COMMIT/FILE…`, `OWNER/REPO/archive/COMMIT.tar.gz` (or `.zip`) |
/// | `codeload.github.com` | `OWNER/REPO/tar.gz/COMMIT` (or `zip`, `legacy.tar.gz`, `legacy.zip`) |
/// | `gist.githubusercontent.com` | `USER/GIST/raw/COMMIT/FILE` |
/// | `gitlab.com` | `GROUP…/PROJECT/-/raw/COMMIT/FILE…`, `…/-/archive/COMMIT/NAME` |
/// | `bitbucket.org` | `OWNER/REPO/raw/COMMIT/FILE…`, `OWNER/REPO/get/COMMIT.tar.gz` (or `.zip`) |
///
/// Anywhere else a 40-hex path segment is just a name: a plain web server
/// serves whatever it likes under it, so it pins nothing. The URL is
/// normalised first, so `COMMIT/../../other/main/f` names no commit.
pub fn forge_commit(url: &str) -> Option<String> {
    let normal = web(url).ok()?;
    let segments: Vec<&str> = normal.path.split('/').collect();
    let commit = |s: &str| {
        (matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| s.to_ascii_lowercase())
    };
    let archive = |s: &str| {
        [".tar.gz", ".zip", ".tgz", ".tar.bz2"]
            .iter()
            .find_map(|ext| s.strip_suffix(ext))
            .and_then(commit)
    };
    match (normal.host.as_str(), segments.as_slice()) {
        ("raw.githubusercontent.com", [_, _, c, _, ..]) => commit(c),
        ("github.com" | "bitbucket.org", [_, _, "raw", c, _, ..]) => commit(c),
        ("github.com", [_, _, "archive", c]) | ("bitbucket.org", [_, _, "get", c]) => archive(c),
        ("codeload.github.com", [_, _, "tar.gz" | "zip" | "legacy.tar.gz" | "legacy.zip", c]) => {
            commit(c)
        }
        ("gist.githubusercontent.com", [_, _, "raw", c, _, ..]) => commit(c),
        ("gitlab.com", _) => {
            let dash = segments.iter().position(|s| *s == "-")?;
            match segments.get(dash + 1..)? {
                ["raw" | "archive", c, _, ..] if dash >= 2 => commit(c),
                _ => None,
            }
        }
        _ => None,
    }
}

fn parse(url: &str, is_git: bool) -> Result<Normal, AddressError> {
    let trimmed = url.trim();
    let raw = trimmed.strip_prefix("git+").unwrap_or(trimmed);
    if raw.is_empty() {
        return Err(refused(url, "empty address"));
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refused(
            url,
            "the address contains spaces or control characters",
        ));
    }
    let (scheme, authority, path, relative) = match raw.split_once("://") {
        Some((scheme, rest)) => {
            let mut chars = scheme.chars();
            let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if !ok {
                return Err(refused(url, "malformed scheme"));
            }
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            (scheme.to_ascii_lowercase(), authority, path, false)
        }
        None => {
            let slash = raw.find('/').unwrap_or(raw.len());
            match raw.find(':').filter(|&colon| colon < slash) {
                // scp-style `user@host:path`: relative to the user's home.
                Some(colon) => {
                    let path = &raw[colon + 1..];
                    let relative = !path.starts_with('/');
                    ("ssh".to_owned(), &raw[..colon], path, relative)
                }
                None => ("https".to_owned(), &raw[..slash], &raw[slash..], false),
            }
        }
    };
    let host = host(url, &scheme, authority)?;
    let (path, query) = match path
        .split_once('#')
        .map_or(path, |(p, _)| p)
        .split_once('?')
    {
        Some((p, q)) => (p, Some(q)),
        None => (path.split_once('#').map_or(path, |(p, _)| p), None),
    };
    let decoded = decode_path(url, path)?;
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                // Above the root, `..` stays at the root (RFC 3986); a
                // relative scp path has no root to stay at.
                if segments.pop().is_none() && relative {
                    return Err(refused(url, "`..` climbs above the start of the path"));
                }
            }
            s => segments.push(s),
        }
    }
    if is_git {
        if let Some(last) = segments.last_mut() {
            let mut stem: &str = last;
            while let Some(shorter) = stem.strip_suffix(".git") {
                stem = shorter;
            }
            if matches!(stem, "" | "." | "..") {
                return Err(refused(
                    url,
                    "the repository name is a dot segment once `.git` is cut",
                ));
            }
            *last = stem;
        }
    }
    let path = segments.join("/");
    if path.is_empty() && is_git {
        return Err(refused(url, "no repository path"));
    }
    Ok(Normal {
        scheme,
        host,
        path,
        query: query.filter(|q| !q.is_empty()).map(str::to_owned),
    })
}

/// The authority without user-info, lowercased, without a default port.
fn host(url: &str, scheme: &str, authority: &str) -> Result<String, AddressError> {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (name, port) = match host_port.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| refused(url, "unclosed `[` in the host"))?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| refused(url, "text after the IPv6 host"))?,
                ),
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        }
        None => match host_port.rsplit_once(':') {
            Some((name, port)) => (name.to_ascii_lowercase(), Some(port)),
            None => (host_port.to_ascii_lowercase(), None),
        },
    };
    let name = name.strip_suffix('.').unwrap_or(&name).to_owned();
    if name.is_empty() && scheme != "file" {
        return Err(refused(url, "no host"));
    }
    if !name.starts_with('[') && !name.is_empty() && name.split('.').any(str::is_empty) {
        return Err(refused(url, "the host has an empty label"));
    }
    if name.contains(['%', '\\', '/', '@']) {
        return Err(refused(url, "the host contains `%`, `\\`, `/` or `@`"));
    }
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let digits = p.trim_start_matches('0');
            let default = match scheme {
                "ssh" | "git+ssh" | "ssh+git" => "22",
                "https" => "443",
                "http" => "80",
                "git" => "9418",
                _ => "",
            };
            (digits != default).then_some(if digits.is_empty() { "0" } else { digits })
        }
        Some(_) => return Err(refused(url, "the port is not a number")),
    };
    Ok(match port {
        Some(p) => format!("{name}:{p}"),
        None => name,
    })
}

/// Decode `%XX` escapes of unreserved characters; keep the others (hex
/// uppercased). An escaped `/`, `\` or NUL, a segment that is a dot segment
/// only once decoded, a literal `\` and a bad escape are refused.
fn decode_path(url: &str, path: &str) -> Result<String, AddressError> {
    if path.contains('\\') {
        return Err(refused(url, "the path contains `\\`"));
    }
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/') {
        let mut decoded = String::with_capacity(segment.len());
        let mut escaped = false;
        let mut rest = segment;
        while let Some(i) = rest.find('%') {
            decoded.push_str(&rest[..i]);
            let hex = rest
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| refused(url, "a bad %-escape in the path"))?;
            let byte = u8::from_str_radix(hex, 16)
                .map_err(|_| refused(url, "a bad %-escape in the path"))?;
            match byte {
                b'/' | b'\\' | 0 => {
                    return Err(refused(url, "an escaped `/`, `\\` or NUL in the path"))
                }
                b if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') => {
                    decoded.push(char::from(b));
                    escaped = true;
                }
                _ => {
                    decoded.push('%');
                    decoded.push_str(&hex.to_ascii_uppercase());
                }
            }
            rest = &rest[i + 3..];
        }
        decoded.push_str(rest);
        if escaped && (decoded == "." || decoded == "..") {
            return Err(refused(url, "a dot segment spelled with %-escapes"));
        }
        // `..;x` is `..` to Java servlet containers (Tomcat, Jetty), which
        // some git servers run on; curl sends it as a name.
        let head = decoded.split(';').next().unwrap_or_default();
        if decoded.contains(';') && (head == "." || head == "..") {
            return Err(refused(url, "a dot segment with a `;` parameter"));
        }
        if !out.is_empty() || path.starts_with('/') {
            out.push('/');
        }
        out.push_str(&decoded);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(url: &str) -> String {
        git(url).unwrap_or_else(|e| panic!("{url}: {e}")).identity()
    }

    #[test]
    fn spellings_of_one_repository_are_one() {
        for url in [
            "https://github.com/acme/net.git",
            "https://github.com/acme/net",
            "https://GitHub.COM/acme/net/",
            "https://github.com./acme/net.git/",
            "https://user:token@github.com:443/acme/net.git",
            "ssh://git@github.com:22/acme/net",
            "ssh://git@github.com/acme/net.git",
            "git@github.com:acme/net",
            "git@github.com:acme/net.git",
            "git@github.com:/acme/net.git",
            "git://github.com:9418/acme/net",
            "github.com/acme/net",
            "git+https://github.com/acme/net.git",
            "https://github.com//acme///net.git",
            "https://github.com/acme/./net.git",
            "https://github.com/%61cme/net.git",
            "https://github.com/acme/net.git?ref=v1#frag",
        ] {
            assert_eq!(id(url), "github.com/acme/net", "{url}");
        }
    }

    #[test]
    fn dot_segments_are_resolved_as_curl_does() {
        assert_eq!(
            id("https://github.com/acme/../evil/net.git"),
            "github.com/evil/net"
        );
        assert_eq!(
            id("https://github.com/../../acme/net.git"),
            "github.com/acme/net"
        );
        assert_eq!(
            id("ssh://git@github.com/acme/x/../../evil/net"),
            "github.com/evil/net"
        );
        assert_eq!(id("git@github.com:acme/../evil/net"), "github.com/evil/net");
    }

    #[test]
    fn the_host_is_the_one_after_the_user_info() {
        assert_eq!(
            id("https://github.com@evil.example/acme/net.git"),
            "evil.example/acme/net"
        );
        assert_eq!(
            id("https://github.com:443@evil.example/acme/net"),
            "evil.example/acme/net"
        );
        assert!(git("https://evil.example#@github.com/acme/net").is_err());
        assert!(git("https://evil.example?@github.com/acme/net").is_err());
    }

    #[test]
    fn other_ports_and_hosts_stay_apart() {
        assert_eq!(
            id("ssh://git@example.com:2222/org/repo.git"),
            "example.com:2222/org/repo"
        );
        assert_eq!(
            id("https://example.com:022/org/repo"),
            "example.com:22/org/repo"
        );
        assert_eq!(id("https://[::1]:443/org/repo"), "[::1]/org/repo");
        assert_ne!(
            id("https://github.com/acme/net"),
            id("https://github.com/Acme/net")
        );
    }

    #[test]
    fn ambiguous_spellings_are_refused() {
        for url in [
            "https://github.com/acme/%2e%2e/evil/net",
            "https://github.com/acme/.%2E/evil/net",
            "https://github.com/acme%2f..%2fevil/net",
            "https://github.com/acme%5cevil/net",
            "https://github.com/acme\\..\\evil/net",
            "https://github.com/acme/%zz",
            "git@github.com:../evil/net",
            "git@github.com:acme/../../evil",
            "https://github.com%2fevil/acme/net",
            "https://github.com../acme/net",
            "https://.github.com/acme/net",
            "https://github.com:x/acme/net",
            "https:///acme/net",
            "https://github.com/",
            "https://github.com/acme/...git",
            "https://github.com/acme/.git",
            "https://github.com/acme/ net",
            "https://github.com/acme/..;/evil/net",
            "https://github.com/acme/.;x/net",
            "",
        ] {
            assert!(git(url).is_err(), "{url}");
        }
    }

    #[test]
    fn web_addresses_keep_suffix_and_query() {
        let n = web("HTTPS://Example.com:443/a/../x.git?archive=zip#f").unwrap();
        assert_eq!(n.identity(), "example.com/x.git?archive=zip");
        assert_eq!(n.url(), "https://example.com/x.git?archive=zip");
    }

    #[test]
    fn only_forges_serve_a_commit_by_its_path() {
        let c = "0123456789abcdef0123456789abcdef01234567";
        for url in [
            format!("https://raw.githubusercontent.com/acme/net/{c}/deploy/x.yaml"),
            format!("https://github.com/acme/net/archive/{c}.tar.gz"),
            format!("https://github.com/acme/net/raw/{c}/x.yaml"),
            format!("https://codeload.github.com/acme/net/tar.gz/{c}"),
            format!("https://gitlab.com/g/sub/net/-/raw/{c}/x.yaml"),
            format!("https://gitlab.com/g/net/-/archive/{c}/net-{c}.tar.gz"),
            format!("https://bitbucket.org/acme/net/get/{c}.zip"),
            format!("HTTPS://Raw.GitHubUserContent.com:443/acme/net/{c}/x.yaml"),
        ] {
            assert_eq!(forge_commit(&url).as_deref(), Some(c), "{url}");
        }
        for url in [
            format!("https://example.com/{c}/x.yaml"),
            format!("https://example.com/acme/net/archive/{c}.tar.gz"),
            format!("https://raw.githubusercontent.com.evil.io/acme/net/{c}/x.yaml"),
            format!("https://raw.githubusercontent.com/acme/net/{c}/../../evil/net/main/x.yaml"),
            format!("https://github.com/acme/net/blob/main/{c}"),
            format!("https://github.com:8443/acme/net/archive/{c}.tar.gz"),
            format!("https://raw.githubusercontent.com/acme/net/main/x.yaml?{c}"),
        ] {
            assert_eq!(forge_commit(&url), None, "{url}");
        }
    }

    #[test]
    fn subpaths() {
        assert_eq!(subpath("/a//b/./c/").unwrap(), "a/b/c");
        assert_eq!(subpath("a/../b").unwrap(), "b");
        assert!(subpath("a/../../b").is_err());
        assert!(subpath("%2e%2e/b").is_err());
    }

    #[test]
    fn suspicious_addresses() {
        assert!(is_suspicious("github.com/acme/../evil/net"));
        assert!(is_suspicious("github.com/acme/%2E%2E/evil"));
        assert!(is_suspicious("git@github.com:../x"));
        assert!(!is_suspicious("github.com/acme/net//modules/vpc"));
        assert!(!is_suspicious("https://github.com/acme/net.v2?ref=x"));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(
            scheme in "(https://|ssh://git@|git@|http://u:p@|)",
            host in "[A-Za-z]{1,6}\\.(com|COM|io)\\.?(:[0-9]{1,4})?",
            path in "(/|[a-z%2E5F.]{1,4}|\\.\\.|\\.){0,10}",
        ) {
            let sep = if scheme == "git@" { ":" } else { "/" };
            let url = format!("{scheme}{host}{sep}{path}");
            if let Ok(once) = git(&url) {
                let again = git(&once.url()).expect("a normal form normalises");
                prop_assert_eq!(&again, &once);
                prop_assert!(!is_suspicious(&once.identity()), "{}", once.identity());
            }
            if let Ok(once) = web(&url) {
                prop_assert_eq!(web(&once.url()).unwrap(), once);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = git(&s);
            let _ = web(&s);
            let _ = subpath(&s);
            let _ = is_suspicious(&s);
        }
    }
}
