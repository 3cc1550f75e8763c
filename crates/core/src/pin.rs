//! Git refs written in IaC files, for `iacgate pin` (turn a tag or branch
//! into the commit it names, keeping the name as a comment) and `iacgate
//! verify` (does the tag in the comment still name the pinned commit?).
//!
//! Pure: the caller lists the remotes' refs (with `git ls-remote`) and
//! hands them in as [`RemoteRefs`]; this module finds the refs in a file,
//! judges them against the remote, and rewrites the file's bytes.
//!
//! The ecosystems with a git ref written in the file: Terraform and
//! Terragrunt module sources (`?ref=`), Kustomize remotes (`?ref=`) and
//! GitHub Actions (`uses: owner/repo@ref`). The version comment follows
//! the value on its line, as Renovate and Dependabot write it:
//! `?ref=<sha>" # v1.2.3`, `uses: org/action@<sha> # v1.2.3`.

use std::collections::BTreeMap;

use crate::extract::{extract, kustomize_clone_url, FileKind};
use crate::model::{line_col, Dependency, Ecosystem, Kind, Span, Spanned};
use crate::source::{ModuleSource, Pin, Unpinned};
use crate::version::{Constraints, Version};

/// A dependency whose version is a git ref written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSite {
    /// The dependency's identity in its file (see [`Dependency::key`]).
    pub key: String,
    pub ecosystem: Ecosystem,
    pub kind: Kind,
    pub name: String,
    /// The source as the findings show it.
    pub source: String,
    /// The repository to ask about refs, as `git ls-remote` takes it.
    pub remote: String,
    /// The ref as written, and where.
    pub reference: Spanned<String>,
    /// 1-based line and column of the ref.
    pub line: usize,
    pub column: usize,
    /// What follows the value on its line.
    pub tail: Tail,
    /// The source also says `?depth=`: go-getter then clones with
    /// `--depth N --branch REF`, which takes a branch or tag, never a commit.
    pub shallow: bool,
}

/// What follows a ref's value on its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// Nothing: a comment can go at `value_end`.
    Nothing { value_end: usize },
    /// A comment starting at byte `start` (its `#`), with its text.
    Comment { start: usize, text: String },
    /// Something else (`}` of a one-line block, a flow mapping): no comment
    /// can be added without changing what the line means.
    Other { value_end: usize },
}

impl RefSite {
    /// The trailing comment's text, if any.
    pub fn comment(&self) -> Option<&str> {
        match &self.tail {
            Tail::Comment { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The version the comment names: its first word, without a `tag=` or
    /// `ref=` prefix (`# v1.2.3`, `# tag=v1.2.3`, `# v1.2.3 -- reviewed`).
    pub fn version_comment(&self) -> Option<&str> {
        version_comment(self.comment()?)
    }

    /// Whether the ref is a full commit id (SHA-1 or SHA-256).
    pub fn is_commit(&self) -> bool {
        is_commit_id(&self.reference.value)
    }
}

/// See [`RefSite::version_comment`].
pub fn version_comment(comment: &str) -> Option<&str> {
    let word = comment.split_whitespace().next()?;
    let word = word
        .strip_prefix("tag=")
        .or_else(|| word.strip_prefix("ref="))
        .unwrap_or(word);
    (!word.is_empty()).then_some(word)
}

/// A full git commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_commit_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A dependency with a git source whose ref cannot be found in the file's
/// bytes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub name: String,
    pub line: usize,
    pub why: String,
    /// Whether the dependency may be pinned to a commit all the same (a
    /// source built from other values, or one that does not parse), as
    /// opposed to one with no ref at all.
    pub may_be_pinned: bool,
}

/// The git refs written in `text`, whose dependencies `deps` are. Sources
/// built from other values (Terragrunt locals, includes) are listed in
/// the second vector: they have to be pinned where they are written.
pub fn ref_sites(text: &str, deps: &[Dependency]) -> (Vec<RefSite>, Vec<Unreachable>) {
    let mut sites = Vec::new();
    let mut unreachable = Vec::new();
    for dep in deps {
        match site(text, dep) {
            Some(Ok(site)) => sites.push(site),
            Some(Err((why, may_be_pinned))) => unreachable.push(Unreachable {
                name: dep.name.clone(),
                line: line_col(text, dep.span.start).0,
                why,
                may_be_pinned,
            }),
            None => {}
        }
    }
    (sites, unreachable)
}

/// Why a dependency's ref cannot be found in the file, and whether it may
/// be a commit pin all the same.
type NotFound = (String, bool);

/// `None` for a dependency that is not selected by a git ref.
fn site(text: &str, dep: &Dependency) -> Option<Result<RefSite, NotFound>> {
    let source = dep.source.as_ref()?;
    let mut shallow = false;
    let (remote, reference, hcl) = match (dep.ecosystem, dep.kind) {
        (Ecosystem::Terraform | Ecosystem::Terragrunt, Kind::Module | Kind::Stack) => {
            let parsed = match ModuleSource::parse(&source.value) {
                Ok(parsed) => parsed,
                // A git-looking source that does not parse may still be a
                // commit pin: say so rather than skip it.
                Err(e) if source.value.contains("ref=") => {
                    return Some(Err((format!("the source does not parse: {e}"), true)))
                }
                Err(_) => return None,
            };
            let ModuleSource::Git {
                url,
                reference,
                depth,
                ..
            } = parsed
            else {
                return None;
            };
            shallow = depth.is_some();
            let Some(reference) = reference else {
                return Some(Err((
                    "the source has no ?ref=: add ?ref=<tag> to choose a version first".to_owned(),
                    false,
                )));
            };
            match ref_in_literal(text, source, &reference) {
                Some(span) => (url, Spanned::new(reference, span), true),
                None => {
                    return Some(Err((
                        "the source is not a plain string in this file (built from other \
                         values, or escaped): pin it where it is written"
                            .to_owned(),
                        true,
                    )))
                }
            }
        }
        (Ecosystem::GitHubActions, Kind::Action) => {
            let mut parts = source.value.split('/');
            let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else {
                return None;
            };
            let reference = dep.version.clone()?;
            (
                format!("https://github.com/{owner}/{repo}"),
                reference,
                false,
            )
        }
        (Ecosystem::Kustomize, Kind::Module) => {
            let written = text.get(source.span.start..source.span.end)?;
            let url = kustomize_clone_url(written)?;
            (url, dep.version.clone()?, false)
        }
        _ => return None,
    };
    if reference.value.contains('$')
        || text.get(reference.span.start..reference.span.end) != Some(reference.value.as_str())
    {
        return Some(Err((
            format!(
                "the ref {:?} is not written as-is on one line of this file (a block scalar, \
                 an escape): write it as a plain value",
                reference.value
            ),
            true,
        )));
    }
    let (line, column) = line_col(text, reference.span.start);
    Some(Ok(RefSite {
        key: dep.key.clone(),
        ecosystem: dep.ecosystem,
        kind: dep.kind,
        name: dep.name.clone(),
        source: source.value.clone(),
        remote,
        tail: tail(text, reference.span.end, hcl),
        reference,
        line,
        column,
        shallow,
    }))
}

/// Where `reference` sits in the HCL string literal `source` (quotes
/// included in its span): the value of a `ref=` query parameter.
fn ref_in_literal(text: &str, source: &Spanned<String>, reference: &str) -> Option<Span> {
    let written = text.get(source.span.start..source.span.end)?;
    let inner = written.strip_prefix('"')?.strip_suffix('"')?;
    if inner != source.value || inner.contains('\\') {
        return None;
    }
    let query = inner.find('?')?;
    let mut at = query + 1;
    for pair in inner[query + 1..].split('&') {
        if let Some(value) = pair.strip_prefix("ref=") {
            if value == reference {
                let start = source.span.start + 1 + at + "ref=".len();
                return Some(Span::new(start, start + value.len()));
            }
        }
        at += pair.len() + 1;
    }
    None
}

/// What follows a value whose ref ends at `end`: the rest of the value up
/// to the first blank, then a comment, nothing, or something else.
fn tail(text: &str, end: usize, hcl: bool) -> Tail {
    let rest = &text[end..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let line = line.strip_suffix('\r').unwrap_or(line);
    // In HCL the value ends at its closing quote (a comment may follow at
    // once); in YAML at the first blank (`#` inside a plain scalar is text).
    let value_len = match hcl {
        true => line.find('"').map_or(line.len(), |quote| quote + 1),
        false => line.find([' ', '\t']).unwrap_or(line.len()),
    };
    let value_end = end + value_len;
    let after = &line[value_len..];
    let trimmed = after.trim_start();
    let start = value_end + (after.len() - trimmed.len());
    if trimmed.is_empty() {
        Tail::Nothing { value_end }
    } else if let Some(comment) = trimmed
        .strip_prefix('#')
        .or_else(|| trimmed.strip_prefix("//").filter(|_| hcl))
    {
        Tail::Comment {
            start,
            text: comment.trim().to_owned(),
        }
    } else {
        Tail::Other { value_end }
    }
}

/// The refs a remote advertises, as `git ls-remote` lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteRefs {
    /// Tag name -> (the tag's object, the commit it peels to if annotated).
    tags: BTreeMap<String, (String, Option<String>)>,
    branches: BTreeMap<String, String>,
}

/// What a ref name is on a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A tag; `commit` is the peeled commit of an annotated tag.
    Tag {
        commit: String,
        annotated: bool,
    },
    Branch {
        commit: String,
    },
    /// A tag and a branch of that name name different commits.
    Ambiguous {
        tag: String,
        branch: String,
    },
    /// The remote has no tag or branch of that name.
    Missing,
}

impl RemoteRefs {
    /// From `(ref name, object id)` pairs; names other than tags and
    /// branches are ignored.
    pub fn new<'a>(refs: impl IntoIterator<Item = (&'a str, &'a str)>) -> RemoteRefs {
        let mut out = RemoteRefs::default();
        for (name, id) in refs {
            let id = id.to_ascii_lowercase();
            if let Some(tag) = name.strip_prefix("refs/tags/") {
                match tag.strip_suffix("^{}") {
                    Some(tag) => out.tags.entry(tag.to_owned()).or_default().1 = Some(id),
                    None => out.tags.entry(tag.to_owned()).or_default().0 = id,
                }
            } else if let Some(branch) = name.strip_prefix("refs/heads/") {
                out.branches.insert(branch.to_owned(), id);
            }
        }
        out
    }

    /// The commit a tag names (peeled), if the remote has the tag.
    pub fn tag(&self, name: &str) -> Option<&str> {
        let (object, peeled) = self.tags.get(name)?;
        Some(peeled.as_deref().unwrap_or(object))
    }

    /// Resolves a ref as written in a file: `v1.2.3`, `main`,
    /// `refs/tags/v1.2.3`, `refs/heads/main`.
    pub fn resolve(&self, name: &str) -> Resolved {
        if let Some(tag) = name.strip_prefix("refs/tags/") {
            return self.resolve_tag(tag).unwrap_or(Resolved::Missing);
        }
        if let Some(branch) = name.strip_prefix("refs/heads/") {
            return self.resolve_branch(branch).unwrap_or(Resolved::Missing);
        }
        match (self.resolve_tag(name), self.resolve_branch(name)) {
            (Some(Resolved::Tag { commit: t, .. }), Some(Resolved::Branch { commit: b }))
                if t != b =>
            {
                Resolved::Ambiguous { tag: t, branch: b }
            }
            (Some(tag), _) => tag,
            (None, Some(branch)) => branch,
            (None, None) => Resolved::Missing,
        }
    }

    fn resolve_tag(&self, name: &str) -> Option<Resolved> {
        let (_, peeled) = self.tags.get(name)?;
        Some(Resolved::Tag {
            commit: self.tag(name)?.to_owned(),
            annotated: peeled.is_some(),
        })
    }

    fn resolve_branch(&self, name: &str) -> Option<Resolved> {
        Some(Resolved::Branch {
            commit: self.branches.get(name)?.clone(),
        })
    }

    /// The tags that name `commit`, in name order.
    pub fn tags_at(&self, commit: &str) -> Vec<&str> {
        let commit = commit.to_ascii_lowercase();
        self.tags
            .keys()
            .filter(|name| self.tag(name) == Some(commit.as_str()))
            .map(String::as_str)
            .collect()
    }

    /// Whether a branch tip is `commit`.
    pub fn branch_at(&self, commit: &str) -> Option<&str> {
        let commit = commit.to_ascii_lowercase();
        self.branches
            .iter()
            .find(|(_, id)| **id == commit)
            .map(|(name, _)| name.as_str())
    }

    pub fn has_branch(&self, name: &str) -> bool {
        self.branches.contains_key(name)
    }

    /// The branches and tags (`refs/heads/…`, `refs/tags/…`) whose name is
    /// `name`, compared without case: a server on a case-insensitive disk
    /// resolves either.
    pub fn named(&self, name: &str) -> Vec<String> {
        let heads = self
            .branches
            .keys()
            .filter(|b| b.eq_ignore_ascii_case(name))
            .map(|b| format!("refs/heads/{b}"));
        let tags = self
            .tags
            .keys()
            .filter(|t| t.eq_ignore_ascii_case(name))
            .map(|t| format!("refs/tags/{t}"));
        heads.chain(tags).collect()
    }

    /// Whether a branch or tag (peeled) points at `commit`.
    pub fn points_at(&self, commit: &str) -> bool {
        let commit = commit.to_ascii_lowercase();
        self.branches.values().any(|id| *id == commit)
            || self
                .tags
                .keys()
                .any(|t| self.tag(t) == Some(commit.as_str()))
    }
}

/// What `verify` concludes about a commit pin from the remote's refs alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitCheck {
    /// Branches or tags carry the commit's hex as their name: go-getter's
    /// `--branch`, and git's fallback for an id it cannot find, take those.
    Named(Vec<String>),
    /// A branch or tag points at the commit: it exists.
    Exists,
    /// No ref points at it: whether the remote has it needs a fetch by id.
    Unknown,
}

/// Judges a commit pin against the remote's refs (see [`CommitCheck`]).
pub fn check_commit(commit: &str, refs: &RemoteRefs) -> CommitCheck {
    let named = refs.named(commit);
    if !named.is_empty() {
        CommitCheck::Named(named)
    } else if refs.points_at(commit) {
        CommitCheck::Exists
    } else {
        CommitCheck::Unknown
    }
}

/// What `verify` concludes about one commit pin with a version comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The tag names the pinned commit.
    Holds,
    /// A release tag (any tag but a floating one) names another commit
    /// now. `others` are the tags that still name the pinned commit.
    TagMoved { now: String, others: Vec<String> },
    /// The comment does not describe the pinned commit: it names no tag or
    /// branch of the remote (`now` is `None`), or a floating tag (`v2`)
    /// that is not at the pinned commit, while no release under it
    /// (`v2.x.y`) is. `others` are the tags that name the pinned commit.
    CommentMismatch {
        now: Option<String>,
        others: Vec<String>,
    },
    /// The comment names a floating tag (`v2`) that moved on to a newer
    /// release, as such tags do; `release` under it names the pinned
    /// commit, and is what the comment should say.
    FloatingMoved { release: String },
    /// The comment names a branch: branches move by design, nothing to
    /// verify.
    Branch,
}

/// A tag its publisher moves on purpose at each release: a major or
/// major.minor version (`v2`, `2.1`), as GitHub Actions publish them.
pub fn is_floating(tag: &str) -> bool {
    let bare = tag.strip_prefix('v').unwrap_or(tag);
    let parts: Vec<&str> = bare.split('.').collect();
    parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Judges a pin `commit` whose comment names `tag`, against the remote.
pub fn verify(commit: &str, tag: &str, refs: &RemoteRefs) -> Verdict {
    if let Some(branch) = tag.strip_prefix("refs/heads/") {
        return match refs.has_branch(branch) {
            true => Verdict::Branch,
            false => Verdict::CommentMismatch {
                now: None,
                others: refs
                    .tags_at(commit)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            },
        };
    }
    let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    let commit = commit.to_ascii_lowercase();
    let others: Vec<String> = refs
        .tags_at(&commit)
        .into_iter()
        .filter(|t| *t != tag)
        .map(str::to_owned)
        .collect();
    match refs.tag(tag) {
        Some(now) if now == commit => Verdict::Holds,
        Some(now) if is_floating(tag) => match release_under(tag, &others) {
            Some(release) => Verdict::FloatingMoved { release },
            None => Verdict::CommentMismatch {
                now: Some(now.to_owned()),
                others,
            },
        },
        Some(now) => Verdict::TagMoved {
            now: now.to_owned(),
            others,
        },
        None if refs.has_branch(tag) => Verdict::Branch,
        None => Verdict::CommentMismatch { now: None, others },
    }
}

/// The most specific of `tags` under the floating tag `floating` (`v2`
/// gives `v2.1.0` rather than `v2.1`), if any.
fn release_under(floating: &str, tags: &[String]) -> Option<String> {
    let prefix = format!("{floating}.");
    tags.iter()
        .filter(|t| t.starts_with(&prefix))
        .max_by_key(|t| (t.matches('.').count(), Version::parse(t).ok()))
        .cloned()
}

/// The version comment `pin` writes for a ref that resolved to `commit`:
/// the ref itself, except that a floating tag (`v2`) is written as the
/// most specific release under it at that commit (`v2.3.1`), which stays
/// true when the floating tag moves on.
pub fn comment_label(reference: &str, commit: &str, refs: &RemoteRefs) -> String {
    let written = reference.strip_prefix("refs/tags/").unwrap_or(reference);
    if !is_floating(written) {
        return reference.to_owned();
    }
    let tags: Vec<String> = refs
        .tags_at(commit)
        .into_iter()
        .map(str::to_owned)
        .collect();
    release_under(written, &tags).unwrap_or_else(|| reference.to_owned())
}

/// `s` with control characters and bidirectional overrides escaped, for
/// names, paths and refs taken from files and shown on a terminal (where
/// they could rewrite or reorder what a reviewer reads).
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        match c {
            c if c.is_control() || bidi => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// One rewrite: the site's ref becomes `commit`, and `label` (the tag or
/// branch it was, see [`comment_label`]) is kept as the version comment.
#[derive(Debug, Clone)]
pub struct PinEdit<'a> {
    pub site: &'a RefSite,
    pub commit: String,
    pub label: String,
}

/// Why a file could not be rewritten.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    #[error("line {line}: the value shares its line with other code, so no version comment can follow it; put it on a line of its own")]
    SharedLine { line: usize },
    #[error("the rewritten file does not read back as expected ({0}); it was left alone")]
    NotReadBack(String),
}

/// `text` with every edit applied: only the refs' bytes change, and a
/// version comment (` # v1.2.3`) is added after each value unless its
/// comment already names that version; an existing other comment stays,
/// after it (`# v1.2.3 # was: ...`). The result is read back with the
/// file's extractor and must give the same dependencies as `before` (what
/// `text` declares, which the edits' sites were found among) with exactly
/// the new refs, or nothing is returned.
pub fn rewrite(
    kind: FileKind,
    text: &str,
    before: &[Dependency],
    edits: &[PinEdit],
) -> Result<String, RewriteError> {
    // (offset, bytes to remove, replacement), applied from the end.
    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    for edit in edits {
        let site = edit.site;
        let span = site.reference.span;
        splices.push((span.start, span.end - span.start, edit.commit.clone()));
        let label = &edit.label;
        match &site.tail {
            Tail::Nothing { value_end } => splices.push((*value_end, 0, format!(" # {label}"))),
            Tail::Comment { start, text } => {
                if version_comment(text) != Some(label.as_str()) {
                    splices.push((*start, 0, format!("# {label} ")));
                }
            }
            Tail::Other { .. } => return Err(RewriteError::SharedLine { line: site.line }),
        }
    }
    splices.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut out = text.to_owned();
    for (at, len, with) in &splices {
        out.replace_range(*at..*at + *len, with);
    }
    read_back(kind, before, &out, edits)?;
    Ok(out)
}

/// The rewritten file must hold the same dependencies, the edited ones at
/// their commits with their version comments, the others as they were.
fn read_back(
    kind: FileKind,
    before: &[Dependency],
    new: &str,
    edits: &[PinEdit],
) -> Result<(), RewriteError> {
    let fail = |why: String| Err(RewriteError::NotReadBack(why));
    let Ok(after) = extract(kind, new.as_bytes()) else {
        return fail("it no longer parses".to_owned());
    };
    if before.len() != after.len() {
        return fail("it declares other dependencies".to_owned());
    }
    let (sites, _) = ref_sites(new, &after);
    for (old_dep, new_dep) in before.iter().zip(&after) {
        if old_dep.key != new_dep.key {
            return fail(format!("{} became {}", old_dep.key, new_dep.key));
        }
        match edits.iter().find(|e| e.site.key == old_dep.key) {
            Some(edit) => {
                let site = sites.iter().find(|s| s.key == new_dep.key);
                let holds = site.is_some_and(|s| {
                    s.reference.value == edit.commit
                        && s.version_comment() == Some(edit.label.as_str())
                });
                if !holds {
                    return fail(format!("{} is not at {}", new_dep.name, edit.commit));
                }
            }
            None => {
                if old_dep.source_str() != new_dep.source_str()
                    || old_dep.version_str() != new_dep.version_str()
                {
                    return fail(format!("{} changed", new_dep.name));
                }
            }
        }
    }
    Ok(())
}

/// A registry module whose `version` is a range: `--registry` looks up the
/// newest release that satisfies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeSite {
    pub name: String,
    pub line: usize,
    pub column: usize,
    /// The registry's host (`registry.terraform.io` when none is written).
    pub host: String,
    /// `namespace/name/system`.
    pub package: String,
    pub constraint: String,
}

/// The registry modules of `deps` whose version is a range.
pub fn range_sites(text: &str, deps: &[Dependency]) -> Vec<RangeSite> {
    let mut sites = Vec::new();
    for dep in deps {
        if dep.ecosystem != Ecosystem::Terraform || dep.kind != Kind::Module {
            continue;
        }
        let (Some(source), Some(version)) = (dep.source_str(), dep.version.as_ref()) else {
            continue;
        };
        let Ok(
            parsed @ ModuleSource::Registry {
                query_version: None,
                ..
            },
        ) = ModuleSource::parse(source)
        else {
            continue;
        };
        if !matches!(
            parsed.pin(Some(&version.value)),
            Pin::Unpinned(Unpinned::VersionRange(_))
        ) || Constraints::parse(version.value.trim()).is_err()
        {
            continue;
        }
        let ModuleSource::Registry {
            host,
            namespace,
            name,
            system,
            ..
        } = parsed
        else {
            continue;
        };
        let (line, column) = line_col(text, version.span.start);
        sites.push(RangeSite {
            name: dep.name.clone(),
            line,
            column,
            host: host.unwrap_or_else(|| "registry.terraform.io".to_owned()),
            package: format!("{namespace}/{name}/{system}"),
            constraint: version.value.trim().to_owned(),
        });
    }
    sites
}

/// The newest of `versions` that `constraint` admits (prereleases only
/// when named exactly, as Terraform chooses).
pub fn newest_satisfying<'a>(
    constraint: &str,
    versions: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let constraints = Constraints::parse(constraint).ok()?;
    versions
        .into_iter()
        .filter_map(|v| Version::parse(v).ok().map(|parsed| (parsed, v)))
        .filter(|(parsed, _)| constraints.matches(parsed))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, written)| written.to_owned())
}

/// The module registry's base URL from a host's service discovery document
/// (`/.well-known/terraform.json`, `"modules.v1"`), resolved against the
/// document's own URL `origin` (`https://host`).
pub fn modules_endpoint(origin: &str, discovery: &[u8]) -> Result<String, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(discovery).map_err(|e| format!("service discovery: {e}"))?;
    let Some(base) = doc.get("modules.v1").and_then(|v| v.as_str()) else {
        return Err("the host offers no module registry (no \"modules.v1\")".to_owned());
    };
    let base = if base.starts_with("https://") || base.starts_with("http://") {
        base.to_owned()
    } else if base.starts_with('/') {
        format!("{origin}{base}")
    } else {
        return Err(format!("unexpected \"modules.v1\": {base:?}"));
    };
    Ok(if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    })
}

/// The versions a registry lists for a module (`GET <modules.v1>NS/NAME/SYSTEM/versions`).
pub fn module_versions(body: &[u8]) -> Result<Vec<String>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("module versions: {e}"))?;
    let versions = doc
        .get("modules")
        .and_then(|m| m.as_array())
        .and_then(|m| m.first())
        .and_then(|m| m.get("versions"))
        .and_then(|v| v.as_array())
        .ok_or("module versions: no modules[0].versions list")?;
    Ok(versions
        .iter()
        .filter_map(|v| v.get("version").and_then(|v| v.as_str()))
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests;
