//! One `uses:` value: an action or reusable workflow at a ref, a
//! `docker://` image, a local path, or a GitHub expression.

use super::scalar;
use crate::extract::image_ref;
use crate::extract::yaml::Node;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// What a `uses:` value names.
#[derive(Debug)]
pub(super) enum Uses {
    /// `./path` (or `../path`): this repository, not a dependency.
    Local,
    /// `owner/repo[/path][@ref]`, or a value with a `${{ }}` expression.
    Action {
        /// `owner/repo[/path]` as written (the whole value for an expression).
        name: Spanned<String>,
        reference: Option<Spanned<String>>,
        expression: bool,
        /// Where the value ends (its trailing comment follows).
        end: usize,
    },
    /// `docker://image`: the image without the prefix.
    Image { image: Spanned<String>, end: usize },
}

const DOCKER: &str = "docker://";

impl Uses {
    /// Reads the value of a `uses:` key; `subject` names it in errors.
    pub(super) fn parse(text: &str, node: &Node, subject: &str) -> Result<Uses, ExtractError> {
        let Some(value) = node.string(subject)? else {
            return Err(ExtractError::new(
                format!("{subject} is empty: write owner/repo@<40-hex sha> or ./path"),
                node.span.start,
            ));
        };
        let raw = value.value.as_str();
        let lead = raw.len() - raw.trim_start().len();
        let written = raw.trim();
        let spanned = |from: usize, to: usize| {
            Spanned::new(
                written[from..to].to_owned(),
                scalar::sub_span(text, node, raw, lead + from..lead + to),
            )
        };
        let end = scalar::end(text, node);
        if written.is_empty() {
            return Err(ExtractError::new(
                format!("{subject} is empty: write owner/repo@<40-hex sha> or ./path"),
                node.span.start,
            ));
        }
        if written.starts_with("./") || written.starts_with("../") || written == "." {
            return Ok(Uses::Local);
        }
        if written.starts_with(DOCKER) {
            if written.len() == DOCKER.len() {
                return Err(ExtractError::new(
                    format!("{subject}: docker:// names no image"),
                    node.span.start,
                ));
            }
            return Ok(Uses::Image {
                image: spanned(DOCKER.len(), written.len()),
                end,
            });
        }
        let (name_len, reference) = match written.split_once('@') {
            Some((name, reference)) => (name.len(), Some(reference)),
            None => (written.len(), None),
        };
        let name = &written[..name_len];
        let expression = is_expression(written);
        if expression && (is_expression(name) || reference.is_none()) {
            return Ok(Uses::Action {
                name: spanned(0, written.len()),
                reference: None,
                expression,
                end,
            });
        }
        if !expression && !is_action_address(name, reference) {
            return Err(ExtractError::new(
                format!(
                    "{subject}: \"{written}\" is not owner/repo[/path]@ref, ./path or docker://image"
                ),
                node.span.start,
            ));
        }
        Ok(Uses::Action {
            name: spanned(0, name_len),
            reference: reference.map(|_| spanned(name_len + 1, written.len())),
            expression,
            end,
        })
    }

    /// What identifies the target within a job, whatever its ref or tag:
    /// `owner/repo[/path]` or `docker://<repository>`, lowercased.
    pub(super) fn identity(&self) -> String {
        match self {
            Uses::Local => String::new(),
            Uses::Action { name, .. } => name.value.to_ascii_lowercase(),
            Uses::Image { image, .. } => {
                let repository = image_ref::parse(&image.value)
                    .map_or_else(|_| image.value.clone(), |parsed| parsed.written);
                format!("{DOCKER}{}", repository.to_ascii_lowercase())
            }
        }
    }

    /// The dependency, with the version comment written after the value.
    /// `entry` is the `uses:` key and its value.
    pub(super) fn dependency(self, text: &str, key: String, entry: Span) -> Option<Dependency> {
        match self {
            Uses::Local => None,
            Uses::Action {
                name,
                reference,
                expression,
                end,
            } => {
                let mut dep = Dependency::new(
                    Ecosystem::GitHubActions,
                    Kind::Action,
                    key,
                    name.value.clone(),
                    entry,
                );
                dep.pin = match (&reference, expression) {
                    (_, true) => PinState::Unpinned(format!(
                        "`{}` is built from a GitHub expression (${{{{ }}}}), which cannot be \
                         resolved statically",
                        match &reference {
                            Some(reference) => format!("{}@{}", name.value, reference.value),
                            None => name.value.clone(),
                        }
                    )),
                    (Some(reference), false) => ref_pin(&reference.value),
                    (None, false) => PinState::Unpinned("no @ref; pin the commit sha".to_owned()),
                };
                dep.source = Some(Spanned::new(name.value.to_ascii_lowercase(), name.span));
                dep.version = reference;
                dep.comment = trailing_comment(text, end);
                Some(dep)
            }
            Uses::Image { image, end } => {
                let mut dep = image_dependency(key, entry, &image);
                if dep.comment.is_none() {
                    dep.comment = trailing_comment(text, end);
                }
                Some(dep)
            }
        }
    }
}

/// `owner/repo[/path]` with a non-empty ref when there is an `@`.
fn is_action_address(name: &str, reference: Option<&str>) -> bool {
    let mut segments = name.split('/');
    let owner = segments.next().unwrap_or_default();
    let repo = segments.next().unwrap_or_default();
    let clean = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace());
    clean(owner)
        && clean(repo)
        && !name.contains(|c: char| c.is_whitespace())
        && reference.is_none_or(|r| clean(r) && !r.contains('@'))
}

/// A GitHub expression, which only the runner evaluates.
fn is_expression(value: &str) -> bool {
    value.contains("${{")
}

/// An image dependency (`docker://` step, `runs.image`, a job's container
/// or service). `image` is the reference as written, with its span.
pub(super) fn image_dependency(key: String, entry: Span, image: &Spanned<String>) -> Dependency {
    let raw = image.value.as_str();
    let written = raw.trim();
    let mut dep = image_ref::dependency(Ecosystem::GitHubActions, key, entry, image);
    if is_expression(written) {
        dep.pin = PinState::Unpinned(format!(
            "the image `{written}` is built from a GitHub expression (${{{{ }}}}), which cannot \
             be resolved statically"
        ));
    }
    dep
}

/// How far a git ref pins an action.
pub(super) fn ref_pin(reference: &str) -> PinState {
    let hex = reference.bytes().all(|b| b.is_ascii_hexdigit());
    let lower = reference.bytes().all(|b| !b.is_ascii_uppercase());
    if hex && lower && reference.len() == 40 {
        PinState::Pinned
    } else if hex && reference.len() == 40 {
        // GitHub resolves refs by name first: an upper-case "commit" may be
        // a branch or tag of that name.
        PinState::Unpinned(format!(
            "ref \"{reference}\" is not a commit sha as GitHub writes one; write it in lower case"
        ))
    } else if looks_like_version(reference) {
        PinState::Tagged(format!(
            "tag \"{reference}\" can be moved; pin the commit sha"
        ))
    } else if hex && (7..40).contains(&reference.len()) {
        PinState::Unpinned(format!(
            "ref \"{reference}\" is an abbreviated commit sha; pin the full 40-hex sha"
        ))
    } else {
        PinState::Unpinned(format!("ref \"{reference}\" looks like a branch"))
    }
}

/// `v4`, `v4.1.1`, `1.2.3`, `v1.2.3-beta.1`, `2.0.0+build`.
pub(super) fn looks_like_version(s: &str) -> bool {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let (core, suffix) = match s.find(['-', '+']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let numbers = core
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    let suffix_ok = suffix.is_none_or(|suffix| {
        !suffix.is_empty()
            && suffix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
    });
    !core.is_empty() && numbers && suffix_ok
}

/// The comment after a value on its line (`uses: org/a@<sha> # v1.2.3`):
/// its first word that looks like a version (`tag=v1.2.3` and `pin@v1.2.3`
/// count), else all of it; `None` without a comment.
pub(super) fn trailing_comment(text: &str, end: usize) -> Option<String> {
    let rest = text.get(end..)?;
    let line = rest.split(['\n', '\r']).next().unwrap_or_default();
    let comment = line
        .trim_start_matches([' ', '\t'])
        .strip_prefix('#')?
        .trim();
    if comment.is_empty() {
        return None;
    }
    let version = comment.split_whitespace().find_map(|word| {
        let word = word.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '[' | ']'));
        let word = word.rsplit(['=', '@']).next().unwrap_or(word);
        looks_like_version(word).then_some(word)
    });
    Some(version.unwrap_or(comment).to_owned())
}
