//! The data every extractor produces and every rule reads.

use serde::Serialize;

/// A byte range in one file's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Span {
        Span::new(r.start, r.end)
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// The tool family a dependency belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Terraform,
    Terragrunt,
    CloudFormation,
    Pulumi,
    /// Workflows (`.github/workflows/*.yml`) and composite actions.
    #[serde(rename = "github-actions")]
    GitHubActions,
    /// `.gitlab-ci.yml` and the files under `.gitlab/`.
    #[serde(rename = "gitlab-ci")]
    GitLabCi,
    /// `Chart.yaml` and `Chart.lock`.
    Helm,
    /// `kustomization.yaml`.
    Kustomize,
    /// Dockerfiles, compose files and Kubernetes manifests.
    Container,
    /// Ansible Galaxy `requirements.yml`.
    Ansible,
    /// Git submodules (`.gitmodules` and the gitlinks).
    Git,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Terraform => "terraform",
            Ecosystem::Terragrunt => "terragrunt",
            Ecosystem::CloudFormation => "cloudformation",
            Ecosystem::Pulumi => "pulumi",
            Ecosystem::GitHubActions => "github-actions",
            Ecosystem::GitLabCi => "gitlab-ci",
            Ecosystem::Helm => "helm",
            Ecosystem::Kustomize => "kustomize",
            Ecosystem::Container => "container",
            Ecosystem::Ansible => "ansible",
            Ecosystem::Git => "git",
        }
    }
}

/// What sort of dependency it is (design.md, JSON report `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Module,
    Provider,
    Lock,
    /// A nested stack, a serverless application, a stack of units.
    Stack,
    /// A Pulumi plugin or package, a CloudFormation transform or layer.
    Plugin,
    /// A GitHub Action or reusable workflow (`uses:`).
    Action,
    /// A container image.
    Image,
    /// A Helm chart (a chart's dependency, a Kustomize `helmCharts` entry).
    Chart,
    /// An Ansible role.
    Role,
    /// An Ansible collection.
    Collection,
    /// A GitLab CI `include:` of another project, a URL or a component.
    Include,
    Policy,
    /// The file itself: what a `parse-error` is about, and facts about a
    /// file that are no dependency (a CI workflow's token permissions and
    /// triggers, which `pipeline-permissions` judges).
    File,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Module => "module",
            Kind::Provider => "provider",
            Kind::Lock => "lock",
            Kind::Stack => "stack",
            Kind::Plugin => "plugin",
            Kind::Action => "action",
            Kind::Image => "image",
            Kind::Chart => "chart",
            Kind::Role => "role",
            Kind::Collection => "collection",
            Kind::Include => "include",
            Kind::Policy => "policy",
            Kind::File => "file",
        }
    }
}

/// Whether a dependency names immutable content, when its extractor can
/// tell by itself (formats whose references are not module sources).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PinState {
    /// Judged by the rules from the source and version: module sources,
    /// and providers (which the lock file pins).
    #[default]
    Derived,
    /// Immutable: an exact version, a commit, a versioned object.
    Pinned,
    /// Mutable, with why in a few words (`no versionId`, `version "^1.2"
    /// is a range`); also a value that cannot be resolved statically,
    /// which cannot be shown to be pinned.
    Unpinned(String),
    /// A tag (a name its publisher can move: `actions/checkout@v4`,
    /// `nginx:1.27`), with why it is not pinned in a few words. Pinned
    /// where the policy's `[pinning]` accepts tags for the kind (`actions
    /// = "tag"`, `images = "tag"`, `git = "tag"`), unpinned otherwise.
    Tagged(String),
}

/// The key prefix of a registry or index setting (`registry:npm:registry`).
pub const REGISTRY_KEY: &str = "registry:";

/// One third-party (or local) dependency declared in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub ecosystem: Ecosystem,
    pub kind: Kind,
    /// Identity within its file: two dependencies of two versions of a file
    /// are "the same" when their keys are equal (module label, provider
    /// local name and alias, lock provider address).
    pub key: String,
    /// What users call it: `vpc`, `aws`, `registry.terraform.io/hashicorp/aws`.
    pub name: String,
    /// The declaration itself (block header or attribute), for findings
    /// that have no more precise place.
    pub span: Span,
    /// The source address exactly as written (module `source`, provider
    /// `source`, lock address).
    pub source: Option<Spanned<String>>,
    /// The version, constraint or lock version as written.
    pub version: Option<Spanned<String>>,
    /// Lock entries: the `constraints` string.
    pub constraints: Option<String>,
    /// Lock entries: every `hashes` element, in file order.
    pub hashes: Vec<String>,
    /// Set by extractors of formats whose pins are not module sources.
    pub pin: PinState,
    /// The human version written next to a pin (`uses: org/a@<sha> # v1.2.3`
    /// gives `v1.2.3`): shown with a version change, never compared.
    pub comment: Option<String>,
    /// The source is a local path (see [`crate::local`]): with
    /// [`PinState::Derived`] one that may leave the repository, which is
    /// placed once the file's path is known; otherwise one that does.
    pub local_path: bool,
}

impl Dependency {
    pub fn new(ecosystem: Ecosystem, kind: Kind, key: String, name: String, span: Span) -> Self {
        Dependency {
            ecosystem,
            kind,
            key,
            name,
            span,
            source: None,
            version: None,
            constraints: None,
            hashes: Vec::new(),
            pin: PinState::Derived,
            comment: None,
            local_path: false,
        }
    }

    /// A registry or index setting (see `extract::registry`): part of the
    /// source of every package in its scope, not a package itself.
    pub fn is_registry(&self) -> bool {
        self.key.starts_with(REGISTRY_KEY)
    }

    pub fn source_str(&self) -> Option<&str> {
        self.source.as_ref().map(|s| s.value.as_str())
    }

    pub fn version_str(&self) -> Option<&str> {
        self.version.as_ref().map(|s| s.value.as_str())
    }
}

/// A file that could not be read as what its name says it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExtractError {
    pub message: String,
    /// Byte offset of the problem in the file, on a character boundary: in
    /// the file's lossy decoding when it is not UTF-8 (the text a
    /// `parse-error` shows; the same bytes up to the first invalid one).
    pub offset: usize,
}

impl ExtractError {
    pub fn new(message: impl Into<String>, offset: usize) -> ExtractError {
        ExtractError {
            message: message.into(),
            offset,
        }
    }
}

/// `0123456789ab`: the first 12 digits of a commit or blob id, as people
/// are shown it.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// 1-based line and column of a byte offset (column counts characters).
///
/// Without an index this walks the text up to the offset, so a file with
/// many findings costs the square of its size. Inside a [`LineScope`] that
/// holds the text, it looks the line up in an index built once per text.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    if let Some(index) = LineIndex::scoped(text) {
        return index.line_col(text, offset);
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, column(&before[line_start..]))
}

/// Line `line` (1-based) of `text` as [`str::lines`] yields it: without its
/// `\n` or a `\r` before it. Indexed inside a [`LineScope`].
pub fn nth_line(text: &str, line: usize) -> Option<&str> {
    let start = match LineIndex::scoped(text) {
        Some(index) => *index.starts.get(line.checked_sub(1)?)?,
        None => {
            let mut start = 0;
            for _ in 1..line.max(1) {
                start += text[start..].find('\n')? + 1;
            }
            start
        }
    };
    if line == 0 || (start == text.len() && line > 1) {
        return None;
    }
    let rest = &text[start..];
    match rest.find('\n') {
        Some(end) => Some(rest[..end].strip_suffix('\r').unwrap_or(&rest[..end])),
        None => Some(rest),
    }
}

/// The column just past `line_text`, the start of a line up to an offset.
fn column(line_text: &str) -> usize {
    // A byte-order mark is not a column anyone can see.
    line_text
        .strip_prefix('\u{feff}')
        .unwrap_or(line_text)
        .chars()
        .count()
        + 1
}

/// Texts shorter than this are walked: an index would cost more.
const INDEXED_LEN: usize = 4096;

/// Where each line of one text starts, and whether it is ASCII (so that
/// its columns are byte distances).
struct LineIndex {
    starts: Vec<usize>,
    ascii: Vec<bool>,
}

type ScopeKey = (usize, usize);

thread_local! {
    static LINE_INDEXES: std::cell::RefCell<
        std::collections::HashMap<ScopeKey, Option<std::rc::Rc<LineIndex>>>,
    > = std::cell::RefCell::default();
}

impl LineIndex {
    fn build(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut ascii = Vec::new();
        let mut line_ascii = true;
        for (i, &b) in bytes.iter().enumerate() {
            line_ascii &= b.is_ascii();
            if b == b'\n' {
                starts.push(i + 1);
                ascii.push(line_ascii);
                line_ascii = true;
            }
        }
        ascii.push(line_ascii);
        LineIndex { starts, ascii }
    }

    /// The index of `text` if a live scope holds it, built on first use.
    fn scoped(text: &str) -> Option<std::rc::Rc<LineIndex>> {
        if text.len() < INDEXED_LEN {
            return None;
        }
        let key = (text.as_ptr() as usize, text.len());
        LINE_INDEXES.with(|indexes| {
            let mut indexes = indexes.borrow_mut();
            let slot = indexes.get_mut(&key)?;
            Some(
                slot.get_or_insert_with(|| std::rc::Rc::new(LineIndex::build(text)))
                    .clone(),
            )
        })
    }

    fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        if self.ascii[line - 1] {
            (line, offset - start + 1)
        } else {
            (line, column(&text[start..offset]))
        }
    }
}

/// While this lives, [`line_col`] on any of its texts uses an index built
/// once per text. It borrows the texts, so none of them can be freed (and
/// its address given to another text) while the scope says it is indexed.
pub struct LineScope<'a> {
    keys: Vec<ScopeKey>,
    texts: std::marker::PhantomData<&'a str>,
}

impl<'a> LineScope<'a> {
    pub fn new(texts: impl IntoIterator<Item = &'a str>) -> LineScope<'a> {
        let mut keys = Vec::new();
        LINE_INDEXES.with(|indexes| {
            let mut indexes = indexes.borrow_mut();
            for text in texts.into_iter().filter(|t| t.len() >= INDEXED_LEN) {
                let key = (text.as_ptr() as usize, text.len());
                // A text an outer scope holds stays the outer scope's.
                if let std::collections::hash_map::Entry::Vacant(slot) = indexes.entry(key) {
                    slot.insert(None);
                    keys.push(key);
                }
            }
        });
        LineScope {
            keys,
            texts: std::marker::PhantomData,
        }
    }
}

impl Drop for LineScope<'_> {
    fn drop(&mut self) {
        LINE_INDEXES.with(|indexes| {
            let mut indexes = indexes.borrow_mut();
            for key in &self.keys {
                indexes.remove(key);
            }
        });
    }
}

pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A text long enough to be indexed, from the lines given.
    fn long(lines: &[String]) -> String {
        let mut text = lines.join("\n");
        while text.len() < INDEXED_LEN {
            text.push_str("\n# padding é\r");
        }
        text
    }

    proptest! {
        #[test]
        fn the_index_agrees_with_walking_the_text(
            lines in proptest::collection::vec("[a-z\u{e9}\u{feff}\r ]{0,40}", 1..50),
            offsets in proptest::collection::vec(0usize..8000, 1..20),
        ) {
            let text = long(&lines);
            let walked: Vec<_> = offsets.iter().map(|&o| line_col(&text, o)).collect();
            let walked_lines: Vec<_> = (0..60).map(|n| nth_line(&text, n)).collect();
            let _scope = LineScope::new([text.as_str()]);
            let indexed: Vec<_> = offsets.iter().map(|&o| line_col(&text, o)).collect();
            let indexed_lines: Vec<_> = (0..60).map(|n| nth_line(&text, n)).collect();
            prop_assert_eq!(walked, indexed);
            prop_assert_eq!(walked_lines, indexed_lines);
        }

        #[test]
        fn nth_line_is_the_line_lines_yields(text in "[a-z\r\n]{0,60}", n in 1usize..20) {
            if let Some(expected) = text.lines().nth(n - 1) {
                prop_assert_eq!(nth_line(&text, n), Some(expected));
            }
        }
    }

    #[test]
    fn a_scope_ends_with_its_borrow() {
        let text = long(&["a".into(), "b".into()]);
        {
            let _scope = LineScope::new([text.as_str()]);
            assert!(LineIndex::scoped(&text).is_some());
        }
        assert!(LineIndex::scoped(&text).is_none());
        assert_eq!(line_col(&text, 2), (2, 1));
    }
}
