//! Git submodules: a submodule is a supply chain too. A gitlink names one
//! commit of another repository (pinned by construction), and `.gitmodules`
//! says which repository: a gitlink that moves is a `version-change`, a new
//! one a `new-dependency` (checked against `[allow] modules`), a URL that
//! changes a `source-change`. Findings point into `.gitmodules`.

use crate::finding::Finding;
use crate::model::{Dependency, Ecosystem, Kind, PinState, Span, Spanned};
use crate::policy::Allowlist;
use crate::rules::{new_dependency, not_allowed, source_change, version_change};

/// Where submodules are declared.
pub const GITMODULES: &str = ".gitmodules";

/// One `[submodule "NAME"]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub url: Option<String>,
    /// The `path = ...` line, for findings.
    pub span: Span,
}

/// The sections of a `.gitmodules` file that have a `path` (git config
/// syntax; what is not understood is skipped, never fatal: git itself
/// decides what a broken file means, and the gitlinks still count).
pub fn parse(text: &str) -> Vec<Entry> {
    /// A `[submodule]` section being read: its url, and its path line.
    type Section = (Option<String>, Option<(String, Span)>);
    let mut entries: Vec<Entry> = Vec::new();
    let mut current: Option<Section> = None;
    let mut offset = 0;
    let mut flush = |current: &mut Option<Section>| {
        if let Some((url, Some((path, span)))) = current.take() {
            entries.push(Entry { path, url, span });
        }
    };
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let mut trimmed = line.trim();
        let mut key_start = start + (line.len() - line.trim_start().len());
        if trimmed.starts_with('[') {
            flush(&mut current);
            // Section names are case-insensitive (`[Submodule "x"]`).
            // The name runs to the first `]`, or to the end of a line that
            // has none (which git rejects; any character may end it).
            let header_end = trimmed.find(']').map_or(trimmed.len(), |i| i + 1);
            let is_submodule = trimmed[1..]
                .split(']')
                .next()
                .unwrap_or_default()
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("submodule");
            current = is_submodule.then_some((None, None));
            // A key may follow the header on its line.
            let rest = &trimmed[header_end..];
            key_start += header_end + (rest.len() - rest.trim_start().len());
            trimmed = rest.trim_start();
            if trimmed.is_empty() {
                continue;
            }
        }
        let Some(section) = current.as_mut() else {
            continue;
        };
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let value = config_value(value);
        let span = Span::new(key_start, start + line.trim_end().len());
        match key.trim().to_ascii_lowercase().as_str() {
            "path" => section.1 = Some((value.trim_end_matches('/').to_owned(), span)),
            "url" => section.0 = Some(value),
            _ => {}
        }
    }
    flush(&mut current);
    entries
}

/// A git config value: quotes removed, and a comment (`#`, `;`) cut off
/// only outside quotes.
fn config_value(raw: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '#' | ';' if !quoted => break,
            c => out.push(c),
        }
    }
    out.trim().to_owned()
}

/// A gitlink a change touches: its commit on each side.
#[derive(Debug, Clone, Copy)]
pub struct SubmoduleChange<'a> {
    pub path: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

/// The findings of gitlink changes, with `.gitmodules` on each side.
pub fn findings(
    changes: &[SubmoduleChange],
    old_text: Option<&str>,
    new_text: Option<&str>,
    allow: &Allowlist,
) -> Vec<Finding> {
    let old_entries = old_text.map(parse).unwrap_or_default();
    let new_entries = new_text.map(parse).unwrap_or_default();
    let text = new_text.unwrap_or_default();
    let mut findings = Vec::new();
    for change in changes {
        let Some(new_commit) = change.new else {
            continue;
        };
        let entry = new_entries.iter().find(|e| e.path == change.path);
        let url = entry.and_then(|e| e.url.clone());
        let span = entry.map_or(Span::default(), |e| e.span);
        let mut dep = Dependency::new(
            Ecosystem::Git,
            Kind::Module,
            format!("submodule.{}", change.path),
            change.path.to_owned(),
            span,
        );
        dep.source = url.clone().map(|u| Spanned::new(u, span));
        dep.version = Some(Spanned::new(new_commit.to_owned(), span));
        dep.pin = PinState::Pinned;
        let address = url.as_deref().map(submodule_address);
        if let Some(address) = &address {
            findings.extend(not_allowed::check(
                GITMODULES, text, &dep, address, allow, "modules",
            ));
        }
        match change.old {
            None => findings.push(
                new_dependency::check(
                    GITMODULES,
                    text,
                    &dep,
                    url.as_deref().unwrap_or(change.path),
                    Some(new_commit),
                )
                .with_message(format!(
                    "new submodule \"{}\" from {} at {new_commit}",
                    change.path,
                    url.as_deref().unwrap_or("(no url in .gitmodules)")
                )),
            ),
            Some(old_commit) => {
                let old_url = old_entries
                    .iter()
                    .find(|e| e.path == change.path)
                    .and_then(|e| e.url.clone());
                if let (Some(old_url), Some(new_url)) = (&old_url, &url) {
                    if submodule_address(old_url) != submodule_address(new_url) {
                        findings.push(source_change::check(
                            GITMODULES, text, &dep, span, old_url, new_url,
                        ));
                    }
                }
                if old_commit != new_commit {
                    findings.push(
                        version_change::check(
                            GITMODULES,
                            text,
                            &dep,
                            span,
                            Some(old_commit),
                            Some(new_commit),
                        )
                        .with_message(format!(
                            "submodule \"{}\" moved {old_commit} -> {new_commit}",
                            change.path
                        )),
                    );
                }
            }
        }
    }
    // A URL changed in `.gitmodules` while the gitlink stayed: the same
    // commit id, now fetched from another repository.
    for entry in &new_entries {
        if changes.iter().any(|c| c.path == entry.path) {
            continue;
        }
        let old_url = old_entries
            .iter()
            .find(|e| e.path == entry.path)
            .and_then(|e| e.url.as_deref());
        let Some(new_url) = entry.url.as_deref() else {
            continue;
        };
        if old_url.is_some_and(|old| submodule_address(old) == submodule_address(new_url)) {
            continue;
        }
        let mut dep = Dependency::new(
            Ecosystem::Git,
            Kind::Module,
            format!("submodule.{}", entry.path),
            entry.path.clone(),
            entry.span,
        );
        dep.source = Some(Spanned::new(new_url.to_owned(), entry.span));
        dep.pin = PinState::Pinned;
        findings.extend(not_allowed::check(
            GITMODULES,
            text,
            &dep,
            &submodule_address(new_url),
            allow,
            "modules",
        ));
        // A URL given for the first time is only checked against the
        // allowlist; one that changed is a source change.
        if let Some(old_url) = old_url {
            findings.push(source_change::check(
                GITMODULES, text, &dep, entry.span, old_url, new_url,
            ));
        }
    }
    findings
}

/// A submodule URL as git fetches it, in the normal form of
/// [`crate::address`] (so `git@github.com:acme/vpc.git` and
/// `https://github.com/acme/vpc` are one repository, and
/// `https://github.com/acme/../evil/vpc` is `evil/vpc`), compared as the
/// allowlists compare. A URL with no normal form (a relative `../x.git`)
/// is compared as written.
fn submodule_address(url: &str) -> String {
    let identity = crate::address::git_identity(url);
    crate::policy::normal_address(identity.as_deref().unwrap_or(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GITMODULES_TEXT: &str = "[submodule \"vendor/vpc\"]\n\tpath = vendor/vpc\n\turl = https://github.com/acme/vpc.git\n[core]\n\tpath = nope\n[submodule \"b\"]\n\turl = git@github.com:acme/b.git # pinned\n\tpath = \"lib/b/\"\n";

    #[test]
    fn sections_with_a_path() {
        let entries = parse(GITMODULES_TEXT);
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.path.as_str(), e.url.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("vendor/vpc", Some("https://github.com/acme/vpc.git")),
                ("lib/b", Some("git@github.com:acme/b.git")),
            ]
        );
        assert_eq!(
            &GITMODULES_TEXT[entries[0].span.start..entries[0].span.end],
            "path = vendor/vpc"
        );
        assert_eq!(parse(""), vec![]);
        let odd = "[Submodule \"x\"] path = vendor/x\n\turl = \"https://e.com/x;y\" ; comment\n";
        let entries = parse(odd);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].path, "vendor/x");
        assert_eq!(entries[0].url.as_deref(), Some("https://e.com/x;y"));
        assert_eq!(
            &odd[entries[0].span.start..entries[0].span.end],
            "path = vendor/x"
        );
        assert_eq!(parse("garbage\n[submodule\npath"), vec![]);
    }

    #[test]
    fn moves_additions_and_url_swaps() {
        let allow = Allowlist::default();
        let a = "0123456789abcdef0123456789abcdef01234567";
        let b = "89abcdef0123456789abcdef0123456789abcdef";
        let moved = [SubmoduleChange {
            path: "vendor/vpc",
            old: Some(a),
            new: Some(b),
        }];
        let f = findings(&moved, Some(GITMODULES_TEXT), Some(GITMODULES_TEXT), &allow);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule.name, "version-change");
        assert_eq!(f[0].line, 2);
        let swapped = GITMODULES_TEXT.replace("acme/vpc", "evil/vpc");
        let same = [SubmoduleChange {
            path: "vendor/vpc",
            old: Some(a),
            new: Some(a),
        }];
        let f = findings(&same, Some(GITMODULES_TEXT), Some(&swapped), &allow);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule.name, "source-change");
        let added = [SubmoduleChange {
            path: "lib/b",
            old: None,
            new: Some(a),
        }];
        let f = findings(&added, None, Some(GITMODULES_TEXT), &allow);
        assert_eq!(f[0].rule.name, "new-dependency");
        let removed = [SubmoduleChange {
            path: "lib/b",
            old: Some(a),
            new: None,
        }];
        assert!(findings(&removed, Some(GITMODULES_TEXT), None, &allow).is_empty());
    }
}
