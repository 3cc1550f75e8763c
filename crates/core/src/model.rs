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
        }
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
    /// Byte offset of the problem in the file.
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

/// 1-based line and column of a byte offset (column counts characters).
/// `0123456789ab`: the first 12 digits of a commit or blob id, as people
/// are shown it.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    // A byte-order mark is not a column anyone can see.
    let line_text = &before[line_start..];
    let column = line_text
        .strip_prefix('\u{feff}')
        .unwrap_or(line_text)
        .chars()
        .count()
        + 1;
    (line, column)
}

pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
