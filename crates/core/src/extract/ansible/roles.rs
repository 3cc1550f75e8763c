//! Roles: `src[,version[,name]]` lines and `{name, src, scm, version}`.

use std::ops::Range;

use super::{
    dependency, galaxy_role_pin, git_pin, is_local, normalize_git, normalize_url, part_of,
    repository_name, string_field, url_pin, Found,
};
use crate::extract::yaml::{Node, NodeKind};
use crate::model::{ExtractError, Kind, Span, Spanned};

/// One role entry, as `ansible-galaxy` reads it.
struct Role {
    /// The list item.
    at: Span,
    /// `name` (or the old `role`), else the third field of a role line.
    name: Option<Spanned<String>>,
    /// `src` without its `scm+` prefix.
    src: Option<Spanned<String>>,
    scm: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
}

pub(super) fn read(list: &Node, found: &mut Found) -> Result<(), ExtractError> {
    for item in list.items("roles")? {
        let role = match &item.kind {
            NodeKind::Map(_) => role_mapping(item)?,
            _ => Some(role_line(item)?),
        };
        if let Some(role) = role {
            role_dependency(role, found)?;
        }
    }
    Ok(())
}

/// `src[,version[,name]]`.
fn role_line(item: &Node) -> Result<Role, ExtractError> {
    let Some(line) = item
        .string("a role")?
        .filter(|l| !l.value.trim().is_empty())
    else {
        return Err(ExtractError::new(
            "an empty role entry; write `namespace.role` or a mapping with `src`",
            item.span.start,
        ));
    };
    let text = line.value.as_str();
    let fields = split_fields(text, ',');
    if fields.len() > 3 {
        return Err(ExtractError::new(
            format!("role line {text:?} has more than three fields: write `src[,version[,name]]`"),
            item.span.start,
        ));
    }
    let part = |i: usize| {
        fields
            .get(i)
            .and_then(|range| part_of(item, text, range.clone()))
    };
    let (scm, src) = match fields.first() {
        Some(range) => split_scm(item, text, range.clone()),
        None => (None, None),
    };
    Ok(Role {
        at: item.span,
        name: part(2),
        src,
        scm,
        version: part(1),
    })
}

/// The trimmed byte ranges of `text` split at `separator`.
fn split_fields(text: &str, separator: char) -> Vec<Range<usize>> {
    let mut fields = Vec::new();
    let mut start = 0;
    for piece in text.split(separator) {
        let lead = piece.len() - piece.trim_start().len();
        fields.push(start + lead..start + lead + piece.trim().len());
        start += piece.len() + separator.len_utf8();
    }
    fields
}

/// `git+https://...` in `text[range]` -> scm `git` and the URL, as
/// `ansible-galaxy` splits them (at the first `+`).
fn split_scm(
    node: &Node,
    text: &str,
    range: Range<usize>,
) -> (Option<Spanned<String>>, Option<Spanned<String>>) {
    let plus = text
        .get(range.clone())
        .and_then(|src| src.find('+'))
        .map(|i| range.start + i);
    match plus {
        Some(plus) => (
            part_of(node, text, range.start..plus),
            part_of(node, text, plus + 1..range.end),
        ),
        None => (None, part_of(node, text, range)),
    }
}

/// `{name | role, src, scm, version}`; `None` for `{include: file}`.
fn role_mapping(item: &Node) -> Result<Option<Role>, ExtractError> {
    let field = |key: &str| string_field(item, key, "a role");
    if item.get("include", "a role")?.is_some() {
        return Ok(None);
    }
    let name = match field("role")? {
        Some((old, _)) if old.value.contains(',') => {
            return Err(ExtractError::new(
                format!(
                    "old-style role {:?} may not hold a version: use `src` and `version`",
                    old.value
                ),
                old.span.start,
            ))
        }
        Some((old, _)) => Some(old),
        None => field("name")?.map(|(name, _)| name),
    };
    let (mut scm, mut src) = match field("src")? {
        Some((src, node)) => {
            // ansible-galaxy clones a GitHub web URL with git.
            let github = src.value.contains("github.com")
                && src.value.contains("http")
                && !src.value.contains('+')
                && !src.value.ends_with(".tar.gz");
            if github {
                (Some(Spanned::new("git".to_owned(), src.span)), Some(src))
            } else {
                split_scm(node, &src.value, 0..src.value.len())
            }
        }
        None => (None, None),
    };
    if let Some((written, _)) = field("scm")? {
        scm = Some(written);
    }
    if name.is_none() && src.is_none() {
        return Err(ExtractError::new(
            "a role needs a `name` or a `src`",
            item.span.start,
        ));
    }
    if src.is_none() && scm.is_some() {
        src = name.clone();
    }
    Ok(Some(Role {
        at: item.span,
        name,
        src,
        scm,
        version: field("version")?.map(|(version, _)| version),
    }))
}

fn role_dependency(role: Role, found: &mut Found) -> Result<(), ExtractError> {
    let Some(origin) = role.src.as_ref().or(role.name.as_ref()) else {
        return Err(ExtractError::new(
            "a role needs a `name` or a `src`",
            role.at.start,
        ));
    };
    if is_local(&origin.value) {
        return Ok(());
    }
    let name = match &role.name {
        Some(name) => name.value.trim().to_owned(),
        None => repository_name(&origin.value),
    };
    let version = role.version.as_ref().map(|v| v.value.trim());
    let mut dep = dependency(Kind::Role, format!("roles.{name}"), name, role.at);
    let (source, pin) = match &role.scm {
        Some(scm) if matches!(scm.value.trim(), "git" | "hg") => {
            (normalize_git(&origin.value), git_pin(version))
        }
        Some(scm) => {
            return Err(ExtractError::new(
                format!(
                    "scm {:?} is not supported: ansible-galaxy fetches roles with git or hg",
                    scm.value
                ),
                scm.span.start,
            ))
        }
        None if origin.value.contains("://") => {
            (normalize_url(origin.value.trim()), url_pin(&origin.value))
        }
        None => (
            origin.value.trim().to_ascii_lowercase(),
            galaxy_role_pin(version),
        ),
    };
    dep.pin = pin;
    dep.source = Some(Spanned::new(source, origin.span));
    found.push(dep, role.version);
    Ok(())
}
