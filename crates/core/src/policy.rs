//! The policy that judges a change: `.iacgate.toml` (docs/configuration.md).
//!
//! Parsing is strict and collects every problem before failing: unknown
//! keys, wrong types, bad globs and unknown rule names are all reported at
//! once, each with its place in the file.

use std::collections::HashMap;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::model::Span;
use crate::rules::{self, Level, Rule};
use crate::source::{edit_distance, looks_alike};

/// Where the policy lives in a repository.
pub const POLICY_FILE: &str = ".iacgate.toml";

/// What counts as pinned for a git reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GitPinning {
    /// Only a full commit id.
    #[default]
    Commit,
    /// A commit, or a tag that looks like a version (`v1.2.3`); never a branch.
    Tag,
}

/// What counts as pinned for a registry module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistryPinning {
    /// One exact version.
    #[default]
    Exact,
    /// Any version constraint; no version at all is still unpinned.
    Range,
}

/// What counts as pinned for a container image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImagePinning {
    #[default]
    Digest,
    Tag,
}

/// What counts as pinned for a CI action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActionPinning {
    #[default]
    Commit,
    Tag,
}

/// `[pinning]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pinning {
    pub git: GitPinning,
    pub registry: RegistryPinning,
    pub images: ImagePinning,
    pub actions: ActionPinning,
}

/// What to do with a GitLab child pipeline generated at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DynamicChildPipelines {
    /// A new or changed one is `unpinned`: what it runs cannot be read.
    #[default]
    Block,
    /// Accepted (a `new-dependency` warning when added).
    Allow,
}

/// `[gitlab]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gitlab {
    pub dynamic_child_pipelines: DynamicChildPipelines,
}

/// One `[allow]` list. Empty means "no allowlist": everything is allowed.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Allowlist {
    fn new(patterns: Vec<String>) -> Result<Allowlist, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &patterns {
            builder.add(address_glob(&normal_address(pattern))?);
        }
        Ok(Allowlist {
            set: builder.build()?,
            patterns,
        })
    }

    pub fn is_configured(&self) -> bool {
        !self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether `address` (a module address or provider source, in any of
    /// its spellings) is allowed. A module's `//subdir` does not matter.
    /// Extractors give addresses in the normal form of [`crate::address`];
    /// one that still has a dot segment or an escaped `.`, `/` or `\` is
    /// fetched from somewhere its text does not say (`github.com/acme/../evil`
    /// matches `github.com/acme/*` as text), so it is never allowed.
    pub fn allows(&self, address: &str) -> bool {
        if !self.is_configured() {
            return true;
        }
        let repository = address.split_once("://").map_or(address, |(_, rest)| rest);
        let repository = repository.split_once("//").map_or(repository, |(a, _)| a);
        if crate::address::is_suspicious(repository) {
            return false;
        }
        let address = normal_address(address);
        let without_subdir = address
            .split_once("//")
            .map_or(address.as_str(), |(a, _)| a);
        self.set.is_match(&address) || self.set.is_match(without_subdir)
    }

    /// The allowed pattern that `address` is a near miss of, if any: a
    /// look-alike namespace or name is how typosquatting works.
    pub fn look_alike(&self, address: &str) -> Option<&str> {
        let address = normal_address(address);
        self.patterns
            .iter()
            .filter_map(|pattern| {
                let normal = normal_address(pattern);
                let literal = normal
                    .split(['*', '?', '[', '{'])
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('/');
                if literal.is_empty() {
                    return None;
                }
                let segments = literal.split('/').count();
                let prefix: Vec<&str> = address.split('/').take(segments).collect();
                let prefix = prefix.join("/");
                (prefix != literal && looks_alike(&prefix, literal))
                    .then(|| (edit_distance(&prefix, literal), pattern.as_str()))
            })
            .min()
            .map(|(_, pattern)| pattern)
    }
}

/// Addresses and patterns are compared lowercased, without a scheme and
/// without the host of the two public registries, which iacgate treats
/// as one: `registry.terraform.io/hashicorp/aws` is `hashicorp/aws`.
pub fn normal_address(address: &str) -> String {
    let lower = address.trim().to_ascii_lowercase();
    for host in ["registry.terraform.io/", "registry.opentofu.org/"] {
        if let Some(rest) = lower.strip_prefix(host) {
            return rest.to_owned();
        }
    }
    lower
}

/// `*` matches anything, `/` included: `github.com/acme/*` allows every
/// repository of acme and every subdirectory in them.
fn address_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(false).build()
}

/// `[allow]`.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    pub modules: Allowlist,
    pub providers: Allowlist,
    /// Nested stacks and serverless applications (CloudFormation), stacks
    /// of units (Terragrunt).
    pub stacks: Allowlist,
    /// Pulumi plugins and packages, CloudFormation transforms and layers.
    pub plugins: Allowlist,
    /// GitHub Actions and reusable workflows (`actions/*`, `my-org/*`).
    pub actions: Allowlist,
    /// Container images, by repository (`ghcr.io/my-org/*`).
    pub images: Allowlist,
    /// Helm charts, by repository URL and name.
    pub charts: Allowlist,
    /// Ansible roles and collections (`community.general`).
    pub galaxy: Allowlist,
    /// GitLab CI includes: projects, URLs and components.
    pub includes: Allowlist,
}

/// `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// An IaC file larger than this is reported (`parse-error`), not parsed.
    pub max_file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: crate::analysis::MAX_FILE_BYTES,
        }
    }
}

/// `[push]`: what the server guards about its refs themselves.
#[derive(Debug, Clone, Default)]
pub struct Push {
    /// `protected`: branch names (globs; a full `refs/...` name for other
    /// refs) whose deletion needs a sign-off. `None`: the repository's
    /// default branch.
    pub protected: Option<(Vec<String>, GlobSet)>,
}

impl Push {
    /// Whether deleting `refname` needs a sign-off; `default_branch` is
    /// the full name of the repository's default branch, when it has one.
    pub fn protects(&self, refname: &str, default_branch: Option<&str>) -> bool {
        match &self.protected {
            None => default_branch == Some(refname),
            Some((_, set)) => {
                let short = refname.strip_prefix("refs/heads/").unwrap_or(refname);
                set.is_match(short) || set.is_match(refname)
            }
        }
    }
}

/// The most `[limits] max_file_mib` may say: more is no IaC file.
const MAX_FILE_MIB: usize = 256;

/// `[signoff]`: who may sign off a change that needs a second pair of eyes.
#[derive(Debug, Clone)]
pub struct SignoffPolicy {
    /// Trailer keys that count, compared case-insensitively.
    pub trailers: Vec<String>,
    /// Email globs a reviewer must match; empty means anyone.
    pub reviewers: Vec<String>,
    reviewer_set: GlobSet,
    /// How many distinct reviewers are needed.
    pub required: usize,
    /// A reviewer whose email is the commit author's does not count.
    pub distinct_from_author: bool,
    /// The commit itself must carry a valid signature (`git verify-commit`).
    pub require_signed_commit: bool,
    /// Only SSH-signed approvals (`Iacgate-Approval:` trailers,
    /// docs/approvals.md) count; plain trailers no longer do.
    pub require_signature: bool,
    /// The repository path of the OpenSSH allowed signers file that says
    /// whose keys may sign approvals; read from the same revision as the
    /// policy. Always set when `require_signature` is.
    pub allowed_signers: Option<String>,
}

impl SignoffPolicy {
    /// Whether `email` may sign off under `reviewers`.
    pub fn reviewer_allowed(&self, email: &str) -> bool {
        self.reviewers.is_empty() || self.reviewer_set.is_match(email.to_ascii_lowercase())
    }
}

impl Default for SignoffPolicy {
    fn default() -> Self {
        SignoffPolicy {
            trailers: vec!["Reviewed-by".to_owned(), "Approved-by".to_owned()],
            reviewers: Vec::new(),
            reviewer_set: GlobSet::empty(),
            required: 1,
            distinct_from_author: true,
            require_signed_commit: false,
            require_signature: false,
            allowed_signers: None,
        }
    }
}

/// `[paths]`: which files are judged at all.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl Paths {
    /// Whether `path` (repository-relative, `/`-separated) is judged.
    pub fn selects(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(path)) && !self.exclude.is_match(path)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub pinning: Pinning,
    pub allow: Allow,
    pub signoff: SignoffPolicy,
    pub paths: Paths,
    pub limits: Limits,
    pub push: Push,
    pub gitlab: Gitlab,
    /// `[rules]`: rule name -> level; `None` turns the rule off.
    levels: HashMap<&'static str, Option<Level>>,
}

impl Policy {
    /// The level of `rule` under this policy; `None` when it is off.
    pub fn level(&self, rule: &Rule) -> Option<Level> {
        self.levels
            .get(rule.name)
            .copied()
            .unwrap_or(Some(rule.level))
    }

    /// Parse and validate a policy file. Every problem is reported.
    pub fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
        let (table, syntax_errors) = DeTable::parse_recoverable(text);
        let mut reader = Reader::default();
        for error in syntax_errors {
            let span = error.span().map_or(Span::default(), Span::from);
            reader.error(span, error.message().trim().to_owned());
        }
        let policy = reader.policy(table.get_ref());
        let mut errors = reader.errors;
        if errors.is_empty() {
            Ok(policy)
        } else {
            errors.sort_by_key(|e| (e.span.start, e.span.end));
            errors.dedup();
            Err(errors)
        }
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
    pub span: Span,
}

type Value<'i> = Spanned<DeValue<'i>>;

#[derive(Default)]
struct Reader {
    errors: Vec<PolicyError>,
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    Span::from(value.span())
}

fn type_name(value: &DeValue) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

const TOP_KEYS: &[&str] = &[
    "pinning", "allow", "signoff", "rules", "paths", "limits", "push", "gitlab",
];
const PUSH_KEYS: &[&str] = &["protected"];
const GITLAB_KEYS: &[&str] = &["dynamic_child_pipelines"];
const LIMITS_KEYS: &[&str] = &["max_file_mib"];
const PINNING_KEYS: &[&str] = &["git", "registry", "images", "actions"];
const ALLOW_KEYS: &[&str] = &[
    "modules",
    "providers",
    "stacks",
    "plugins",
    "actions",
    "images",
    "charts",
    "galaxy",
    "includes",
];
const SIGNOFF_KEYS: &[&str] = &[
    "trailers",
    "reviewers",
    "required",
    "distinct_from_author",
    "require_signed_commit",
    "require_signature",
    "allowed_signers",
];
const PATHS_KEYS: &[&str] = &["include", "exclude"];

impl Reader {
    fn error(&mut self, span: Span, message: String) {
        self.errors.push(PolicyError { message, span });
    }

    fn policy(&mut self, root: &DeTable) -> Policy {
        let mut policy = Policy::default();
        for (key, value) in root {
            match key.get_ref().as_ref() {
                "pinning" => {
                    if let Some(table) = self.table(key, value) {
                        policy.pinning = self.pinning(table);
                    }
                }
                "allow" => {
                    if let Some(table) = self.table(key, value) {
                        policy.allow = self.allow(table);
                    }
                }
                "signoff" => {
                    if let Some(table) = self.table(key, value) {
                        policy.signoff = self.signoff(table);
                    }
                }
                "rules" => {
                    if let Some(table) = self.table(key, value) {
                        policy.levels = self.levels(table);
                    }
                }
                "paths" => {
                    if let Some(table) = self.table(key, value) {
                        policy.paths = self.paths(table);
                    }
                }
                "limits" => {
                    if let Some(table) = self.table(key, value) {
                        policy.limits = self.limits(table);
                    }
                }
                "push" => {
                    if let Some(table) = self.table(key, value) {
                        policy.push = self.push(table);
                    }
                }
                "gitlab" => {
                    if let Some(table) = self.table(key, value) {
                        policy.gitlab = self.gitlab(table);
                    }
                }
                _ => self.unknown_key(key, "", TOP_KEYS),
            }
        }
        policy
    }

    fn unknown_key(&mut self, key: &Spanned<std::borrow::Cow<str>>, section: &str, known: &[&str]) {
        let name = key.get_ref().as_ref();
        let place = if section.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in [{section}]")
        };
        let mut message = format!("unknown key `{name}` {place}");
        match suggest(name, known) {
            Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
            None => message.push_str(&format!("; expected one of: {}", known.join(", "))),
        }
        self.error(span_of(key), message);
    }

    fn table<'v, 'i>(
        &mut self,
        key: &Spanned<std::borrow::Cow<str>>,
        value: &'v Value<'i>,
    ) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.error(
                    span_of(value),
                    format!(
                        "`{}` must be a table, found {}",
                        key.get_ref(),
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    /// A string that must be one of `choices`.
    fn choice<'c>(&mut self, key: &str, value: &Value, choices: &[&'c str]) -> Option<&'c str> {
        let DeValue::String(s) = value.get_ref() else {
            self.error(
                span_of(value),
                format!(
                    "`{key}` must be one of \"{}\", found {}",
                    choices.join("\", \""),
                    type_name(value.get_ref())
                ),
            );
            return None;
        };
        match choices.iter().find(|c| **c == s.as_ref()) {
            Some(c) => Some(c),
            None => {
                self.error(
                    span_of(value),
                    format!(
                        "`{key}` must be one of \"{}\", found \"{s}\"",
                        choices.join("\", \"")
                    ),
                );
                None
            }
        }
    }

    fn strings(&mut self, key: &str, value: &Value) -> Option<Vec<Spanned<String>>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                span_of(value),
                format!(
                    "`{key}` must be an array of strings, found {}",
                    type_name(value.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                other => {
                    ok = false;
                    self.error(
                        span_of(item),
                        format!("`{key}` must hold only strings, found {}", type_name(other)),
                    );
                }
            }
        }
        ok.then_some(out)
    }

    fn boolean(&mut self, key: &str, value: &Value) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.error(
                    span_of(value),
                    format!("`{key}` must be true or false, found {}", type_name(other)),
                );
                None
            }
        }
    }

    fn count(&mut self, key: &str, value: &Value) -> Option<usize> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => usize::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match parsed {
            Some(n) if n >= 1 => Some(n),
            _ => {
                self.error(
                    span_of(value),
                    format!("`{key}` must be a whole number of at least 1"),
                );
                None
            }
        }
    }

    fn push(&mut self, table: &DeTable) -> Push {
        let mut push = Push::default();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "protected" => push.protected = self.globs(name, value, false),
                _ => self.unknown_key(key, "push", PUSH_KEYS),
            }
        }
        push
    }

    fn gitlab(&mut self, table: &DeTable) -> Gitlab {
        let mut gitlab = Gitlab::default();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "dynamic_child_pipelines" => match self.choice(name, value, &["block", "allow"]) {
                    Some("allow") => gitlab.dynamic_child_pipelines = DynamicChildPipelines::Allow,
                    Some(_) => gitlab.dynamic_child_pipelines = DynamicChildPipelines::Block,
                    None => {}
                },
                _ => self.unknown_key(key, "gitlab", GITLAB_KEYS),
            }
        }
        gitlab
    }

    fn limits(&mut self, table: &DeTable) -> Limits {
        let mut limits = Limits::default();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "max_file_mib" => match self.count(name, value) {
                    Some(mib) if mib <= MAX_FILE_MIB => limits.max_file_bytes = mib * 1024 * 1024,
                    Some(_) => self.error(
                        span_of(value),
                        format!("`{name}` must be at most {MAX_FILE_MIB}"),
                    ),
                    None => {}
                },
                _ => self.unknown_key(key, "limits", LIMITS_KEYS),
            }
        }
        limits
    }

    fn pinning(&mut self, table: &DeTable) -> Pinning {
        let mut pinning = Pinning::default();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "git" => match self.choice(name, value, &["commit", "tag"]) {
                    Some("tag") => pinning.git = GitPinning::Tag,
                    Some(_) => pinning.git = GitPinning::Commit,
                    None => {}
                },
                "registry" => match self.choice(name, value, &["exact", "range"]) {
                    Some("range") => pinning.registry = RegistryPinning::Range,
                    Some(_) => pinning.registry = RegistryPinning::Exact,
                    None => {}
                },
                "images" => match self.choice(name, value, &["digest", "tag"]) {
                    Some("tag") => pinning.images = ImagePinning::Tag,
                    Some(_) => pinning.images = ImagePinning::Digest,
                    None => {}
                },
                "actions" => match self.choice(name, value, &["commit", "tag"]) {
                    Some("tag") => pinning.actions = ActionPinning::Tag,
                    Some(_) => pinning.actions = ActionPinning::Commit,
                    None => {}
                },
                _ => self.unknown_key(key, "pinning", PINNING_KEYS),
            }
        }
        pinning
    }

    fn allowlist(&mut self, key: &str, value: &Value) -> Allowlist {
        let Some(patterns) = self.strings(key, value) else {
            return Allowlist::default();
        };
        let mut valid = Vec::new();
        for pattern in patterns {
            match address_glob(&normal_address(pattern.get_ref())) {
                Ok(_) => valid.push(pattern.into_inner()),
                Err(e) => self.error(
                    span_of(&pattern),
                    format!("bad pattern in `{key}`: {}", e.kind()),
                ),
            }
        }
        // Every pattern was checked above, so building cannot fail.
        Allowlist::new(valid).unwrap_or_default()
    }

    fn allow(&mut self, table: &DeTable) -> Allow {
        let mut allow = Allow::default();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "modules" => allow.modules = self.allowlist(name, value),
                "providers" => allow.providers = self.allowlist(name, value),
                "stacks" => allow.stacks = self.allowlist(name, value),
                "plugins" => allow.plugins = self.allowlist(name, value),
                "actions" => allow.actions = self.allowlist(name, value),
                "images" => allow.images = self.allowlist(name, value),
                "charts" => allow.charts = self.allowlist(name, value),
                "galaxy" => allow.galaxy = self.allowlist(name, value),
                "includes" => allow.includes = self.allowlist(name, value),
                _ => self.unknown_key(key, "allow", ALLOW_KEYS),
            }
        }
        allow
    }

    fn globs(
        &mut self,
        key: &str,
        value: &Value,
        case_insensitive: bool,
    ) -> Option<(Vec<String>, GlobSet)> {
        let patterns = self.strings(key, value)?;
        let mut builder = GlobSetBuilder::new();
        let mut ok = true;
        for pattern in &patterns {
            let glob = GlobBuilder::new(pattern.get_ref())
                .literal_separator(true)
                .case_insensitive(case_insensitive)
                .build();
            match glob {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => {
                    ok = false;
                    self.error(
                        span_of(pattern),
                        format!("bad pattern in `{key}`: {}", e.kind()),
                    );
                }
            }
        }
        let set = builder.build().ok().filter(|_| ok)?;
        Some((patterns.into_iter().map(Spanned::into_inner).collect(), set))
    }

    fn signoff(&mut self, table: &DeTable) -> SignoffPolicy {
        let mut signoff = SignoffPolicy::default();
        let mut require_signature_at = None;
        let mut signers_given = false;
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "trailers" => {
                    if let Some(keys) = self.strings(name, value) {
                        for k in &keys {
                            let valid = !k.get_ref().is_empty()
                                && k.get_ref()
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
                            if !valid {
                                self.error(
                                    span_of(k),
                                    format!("`{}` is not a trailer key (letters, digits and `-`, like `Reviewed-by`)", k.get_ref()),
                                );
                            }
                        }
                        if keys.is_empty() {
                            self.error(
                                span_of(value),
                                "`trailers` must name at least one trailer key".to_owned(),
                            );
                        }
                        signoff.trailers = keys.into_iter().map(Spanned::into_inner).collect();
                    }
                }
                "reviewers" => {
                    if let Some((patterns, set)) = self.globs(name, value, true) {
                        signoff.reviewers = patterns;
                        signoff.reviewer_set = set;
                    }
                }
                "required" => {
                    if let Some(n) = self.count(name, value) {
                        signoff.required = n;
                    }
                }
                "distinct_from_author" => {
                    if let Some(b) = self.boolean(name, value) {
                        signoff.distinct_from_author = b;
                    }
                }
                "require_signed_commit" => {
                    if let Some(b) = self.boolean(name, value) {
                        signoff.require_signed_commit = b;
                    }
                }
                "require_signature" => {
                    if let Some(b) = self.boolean(name, value) {
                        signoff.require_signature = b;
                        if b {
                            require_signature_at = Some(span_of(value));
                        }
                    }
                }
                "allowed_signers" => {
                    signers_given = true;
                    signoff.allowed_signers = self.repository_path(name, value);
                }
                _ => self.unknown_key(key, "signoff", SIGNOFF_KEYS),
            }
        }
        // A bad `allowed_signers` has been reported already.
        if let (Some(span), false) = (require_signature_at, signers_given) {
            self.error(
                span,
                "`require_signature = true` needs `allowed_signers`: the repository path of an \
                 OpenSSH allowed signers file, e.g. `allowed_signers = \".iacgate/allowed_signers\"`"
                    .to_owned(),
            );
        }
        signoff
    }

    /// A file path inside the repository: relative, `/`-separated, without
    /// `.` or `..` segments, as git names files in a tree.
    fn repository_path(&mut self, key: &str, value: &Value) -> Option<String> {
        let DeValue::String(path) = value.get_ref() else {
            self.error(
                span_of(value),
                format!(
                    "`{key}` must be a path in the repository, found {}",
                    type_name(value.get_ref())
                ),
            );
            return None;
        };
        let problem = if path.is_empty() {
            Some("is empty")
        } else if path.starts_with('/') {
            Some("must be relative to the repository root, not absolute")
        } else if path.contains('\\') {
            Some("must use `/` between directories")
        } else if path.chars().any(char::is_control) {
            Some("must not contain control characters")
        } else if path
            .split('/')
            .any(|segment| matches!(segment, "" | "." | ".."))
        {
            Some("must not contain empty, `.` or `..` segments")
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.error(span_of(value), format!("`{key}` {problem}"));
                None
            }
            None => Some(path.to_string()),
        }
    }

    fn levels(&mut self, table: &DeTable) -> HashMap<&'static str, Option<Level>> {
        let mut levels = HashMap::new();
        let names: Vec<&str> = rules::ALL.iter().map(|r| r.name).collect();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            let Some(rule) = rules::find(name) else {
                let mut message = format!("unknown rule `{name}` in [rules]");
                match suggest(name, &names) {
                    Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
                    None => message.push_str("; `iacgate rules` lists them"),
                }
                self.error(span_of(key), message);
                continue;
            };
            let level = match self.choice(name, value, &["off", "warn", "error", "signoff"]) {
                Some("off") => None,
                Some("warn") => Some(Level::Warn),
                Some("error") => Some(Level::Block),
                Some(_) => Some(Level::SignOff),
                None => continue,
            };
            levels.insert(rule.name, level);
        }
        levels
    }

    fn paths(&mut self, table: &DeTable) -> Paths {
        let mut paths = Paths::default();
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            match name {
                "include" => paths.include = self.globs(name, value, false).map(|(_, set)| set),
                "exclude" => {
                    if let Some((_, set)) = self.globs(name, value, false) {
                        paths.exclude = set;
                    }
                }
                _ => self.unknown_key(key, "paths", PATHS_KEYS),
            }
        }
        paths
    }
}

/// The known name closest to a misspelt one, if it is close.
fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::Policy;

    /// `(message, line)` of every error.
    fn errors(text: &str) -> Vec<(String, usize)> {
        Policy::parse(text)
            .expect_err("invalid")
            .into_iter()
            .map(|e| (e.message, text[..e.span.start].lines().count()))
            .collect()
    }

    #[test]
    fn addresses_with_dot_segments_are_never_allowed() {
        let list = super::Allowlist::new(vec!["github.com/acme/*".to_owned()]).unwrap();
        assert!(list.allows("github.com/acme/net//modules/vpc"));
        for address in [
            "github.com/acme/../evil/net",
            "https://github.com/acme/../evil/net.git",
            "github.com/acme/%2e%2e/evil/net",
            "github.com/acme/.%2E/evil/net",
            "github.com/acme%2f..%2fevil/net",
            "github.com/acme/./x/../../evil",
        ] {
            assert!(!list.allows(address), "{address}");
        }
    }

    #[test]
    fn gitlab_dynamic_child_pipelines_block_by_default() {
        use super::DynamicChildPipelines;
        let default = Policy::parse("").unwrap();
        assert_eq!(
            default.gitlab.dynamic_child_pipelines,
            DynamicChildPipelines::Block
        );
        let allow = Policy::parse("[gitlab]\ndynamic_child_pipelines = \"allow\"\n").unwrap();
        assert_eq!(
            allow.gitlab.dynamic_child_pipelines,
            DynamicChildPipelines::Allow
        );
        let bad = errors("[gitlab]\ndynamic_child_pipelines = \"warn\"\nchild = 1\n");
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].0.contains("must be one of \"block\", \"allow\""));
        assert!(bad[1].0.starts_with("unknown key `child` in [gitlab]"));
    }

    #[test]
    fn signed_approvals_need_an_allowed_signers_file() {
        let policy = Policy::parse(
            "[signoff]\nrequire_signature = true\nallowed_signers = \".iacgate/allowed_signers\"\n",
        )
        .unwrap();
        assert!(policy.signoff.require_signature);
        assert_eq!(
            policy.signoff.allowed_signers.as_deref(),
            Some(".iacgate/allowed_signers")
        );
        let missing = errors("[signoff]\nrequired = 1\nrequire_signature = true\n");
        assert_eq!(missing.len(), 1);
        assert!(missing[0]
            .0
            .starts_with("`require_signature = true` needs `allowed_signers`"));
        assert_eq!(missing[0].1, 3, "points at require_signature");
        assert!(Policy::parse("[signoff]\nrequire_signature = false\n").is_ok());
    }

    #[test]
    fn the_allowed_signers_path_stays_in_the_repository() {
        for (path, why) in [
            ("", "is empty"),
            ("/etc/keys", "not absolute"),
            ("../keys", "`..` segments"),
            ("a//b", "empty"),
            ("./keys", "`.`"),
            ("a\\\\b", "`/`"),
        ] {
            let text =
                format!("[signoff]\nallowed_signers = \"{path}\"\nrequire_signature = true\n");
            let found = errors(&text);
            assert_eq!(found.len(), 1, "{path:?}: {found:?}");
            assert!(found[0].0.contains(why), "{path:?}: {found:?}");
            assert_eq!(found[0].1, 2);
        }
        let found = errors("[signoff]\nallowed_signers = 1\n");
        assert!(found[0]
            .0
            .contains("must be a path in the repository, found an integer"));
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::Policy;

    proptest! {
        #[test]
        fn never_panics(text in "(.|\n){0,300}") {
            let _ = Policy::parse(&text);
        }

        #[test]
        fn policy_like_text_never_panics(
            lines in prop::collection::vec(
                "(\\[(pinning|allow|signoff|rules|paths|limits|x)\\]|[a-z_-]{1,20} = (\"[^\"\n]{0,12}\"|[0-9]{1,4}|true|\\[(\"[^\"\n]{0,8}\",? ?){0,3}\\]|\\{\\})|)",
                0..12,
            )
        ) {
            let _ = Policy::parse(&lines.join("\n"));
        }
    }
}
