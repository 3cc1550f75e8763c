//! `unpinned`: a new or changed dependency on a reference that can move.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::{Dependency, Ecosystem, Kind};
use crate::policy::{GitPinning, Pinning, RegistryPinning};
use crate::source::{ModuleSource, Pin, Unpinned};

pub const RULE: Rule = Rule {
    name: "unpinned",
    level: Level::Block,
    summary: "an added or changed third-party dependency uses a mutable reference",
    doc: rule_doc!("unpinned"),
};

/// Judge a module that was added or changed, as it is now, under the
/// policy's `[pinning]`.
pub fn check_module(
    file: &str,
    text: &str,
    dep: &Dependency,
    source: &ModuleSource,
    pinning: &Pinning,
) -> Option<Finding> {
    let why = match source.pin(dep.version_str()) {
        Pin::Pinned | Pin::Local => return None,
        Pin::Unpinned(Unpinned::TagLike(_)) if pinning.git == GitPinning::Tag => return None,
        Pin::Unpinned(Unpinned::VersionRange(_)) if pinning.registry == RegistryPinning::Range => {
            return None
        }
        Pin::Unpinned(why) => why,
    };
    let span = match why {
        Unpinned::VersionRange(_) => dep.version.as_ref().map(|v| v.span),
        _ => None,
    }
    .or(dep.source.as_ref().map(|s| s.span))
    .unwrap_or(dep.span);
    let current = match source {
        ModuleSource::Registry { .. } => dep.version_str().or(source.reference()),
        _ => source.revision(),
    };
    Some(
        Finding::about(&RULE, file, text, Side::New, span, dep)
            .with_message(format!("module \"{}\" is not pinned: {why}", dep.name))
            .with_label("mutable reference")
            .with_help(help(source, &why))
            .with_values(None, current),
    )
}

fn help(source: &ModuleSource, why: &Unpinned) -> String {
    let remote = match source {
        ModuleSource::Git { url, .. } | ModuleSource::Mercurial { url, .. } => url.as_str(),
        _ => "",
    };
    match why {
        Unpinned::TagLike(r) | Unpinned::BranchLike(r) => format!(
            "pin the commit: `?ref=<40-hex sha>` from `git ls-remote {remote} {r}`, and keep `# {r}` as a comment"
        ),
        Unpinned::NoRef => format!(
            "add `?ref=<40-hex sha>` naming one commit (`git ls-remote {remote} HEAD` shows the current one)"
        ),
        Unpinned::ShortSha(_) => {
            "write the full 40-character commit sha: an abbreviated one is looked up as a branch or tag name first".to_owned()
        }
        Unpinned::NoVersion => "add one exact version: `version = \"X.Y.Z\"`".to_owned(),
        Unpinned::VersionRange(r) => {
            format!("replace the range \"{r}\" with one exact version: `version = \"X.Y.Z\"`")
        }
        Unpinned::NoChecksum => {
            "add the archive's digest to the URL: `?checksum=sha256:<hex>`".to_owned()
        }
        Unpinned::ShallowCommit(_) => {
            "drop `depth` from the query: go-getter clones with `--depth` only a branch or tag, \
             and without it checks out the commit"
                .to_owned()
        }
    }
}

/// `verify`: branches or tags of the remote carry the pinned commit's hex
/// as their name. go-getter's `--branch` (with `depth`) and git's fallback
/// for an id it cannot check out take the ref, so the pin can only resolve
/// to something that moves.
pub fn commit_named_by_ref(
    file: &str,
    text: &str,
    site: &crate::pin::RefSite,
    refs: &[String],
) -> Finding {
    let commit = &site.reference.value;
    super::tag_moved::at_site(&RULE, file, text, site)
        .with_message(format!(
            "{} {:?}: {} on {} carries the pinned commit {commit} as its name, so the pin can \
             resolve to that ref, which moves",
            site.kind.as_str(),
            site.name,
            refs.iter()
                .map(|r| format!("{r:?}"))
                .collect::<Vec<_>>()
                .join(" and "),
            site.remote
        ))
        .with_label("ref named like a commit")
        .with_help(
            "ask the remote's owners to delete the ref; until then the pin is not one commit"
                .to_owned(),
        )
        .with_values(None, Some(commit))
}

/// `verify`: the remote has no commit with the pinned id. What the pin
/// resolves to is then whatever ref of that name someone creates.
pub fn commit_missing(file: &str, text: &str, site: &crate::pin::RefSite) -> Finding {
    let commit = &site.reference.value;
    super::tag_moved::at_site(&RULE, file, text, site)
        .with_message(format!(
            "{} {:?}: {} has no commit {commit}; a 40-hex ref that is not a commit is looked up \
             as a branch or tag of that name",
            site.kind.as_str(),
            site.name,
            site.remote
        ))
        .with_label("no such commit")
        .with_help(format!(
            "pin a commit the remote has: `git ls-remote {} <tag>`",
            site.remote
        ))
        .with_values(None, Some(commit))
}

/// Judge a dependency whose extractor found it unpinned by itself (a
/// nested stack without a versionId, a plugin on a range, a source that
/// cannot be resolved statically).
pub fn check_declared(file: &str, text: &str, dep: &Dependency, why: &str) -> Finding {
    let span = dep
        .version
        .as_ref()
        .or(dep.source.as_ref())
        .map_or(dep.span, |s| s.span);
    Finding::about(&RULE, file, text, Side::New, span, dep)
        .with_message(format!(
            "{} \"{}\" is not pinned: {why}",
            dep.kind.as_str(),
            dep.name
        ))
        .with_label("mutable reference")
        .with_help(declared_help(dep))
        .with_values(None, dep.version_str())
}

/// What to write instead, for the kinds whose fix has a well-known shape.
fn declared_help(dep: &Dependency) -> String {
    let version = dep.version_str().unwrap_or("");
    if dep.local_path {
        return "put what it loads inside the repository (a path that stays in it), or use a \
                remote source pinned to a commit"
            .to_owned();
    }
    match dep.kind {
        Kind::Action if !version.is_empty() && !dep.name.starts_with("docker://") => {
            let repo: Vec<&str> = dep.name.splitn(3, '/').take(2).collect();
            format!(
                "pin the commit: `git ls-remote https://github.com/{} {version}` shows it; write `uses: {}@<40-hex sha> # {version}`",
                repo.join("/"),
                dep.name
            )
        }
        Kind::Module if dep.ecosystem == Ecosystem::Container && dep.key.contains(".add.") => {
            let name = &dep.name;
            let lower = name.to_ascii_lowercase();
            let git = !(lower.starts_with("http://") || lower.starts_with("https://"))
                || lower.trim_end_matches('/').ends_with(".git");
            if git {
                format!(
                    "pin the commit: `git ls-remote {name} {}` shows it; write `ADD {name}#<40-hex sha>`",
                    if version.is_empty() { "HEAD" } else { version }
                )
            } else {
                format!(
                    "pin the content: `curl -sL {name} | sha256sum` shows it; write `ADD --checksum=sha256:<hex> {name} …`"
                )
            }
        }
        Kind::Image if dep.key.ends_with(".build.context") => {
            let version = if version.is_empty() { "HEAD" } else { version };
            format!(
                "pin the commit: `git ls-remote {} {version}` shows it; write `{}#<40-hex sha>` (a `:<dir>` after it stays)",
                dep.name, dep.name
            )
        }
        Kind::Image => {
            let tagged = match version {
                "" => format!("{}:latest", dep.name),
                tag if !tag.contains(':') => format!("{}:{tag}", dep.name),
                _ => dep.name.clone(),
            };
            format!(
                "pin the digest: `docker buildx imagetools inspect {tagged}` shows it; write `{tagged}@sha256:<digest>`"
            )
        }
        Kind::Chart | Kind::Collection | Kind::Plugin | Kind::Provider => {
            "write one exact version (`1.2.3`), not a range or none".to_owned()
        }
        _ => "pin it to immutable content: an exact version, a commit, a versioned object (docs/formats.md)".to_owned(),
    }
}
