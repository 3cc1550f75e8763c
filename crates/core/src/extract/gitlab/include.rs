//! `include:` entries: other projects' files, remote URLs and CI/CD
//! components.

use super::{comment_after, is_commit, is_reference, reference_text, Found};
use crate::extract::yaml::{Node, NodeKind};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};
use crate::version::Version;

/// The keys that say what an include entry is.
const SORTS: &[&str] = &[
    "local",
    "project",
    "remote",
    "template",
    "component",
    "artifact",
];

/// An `include` value (`prefix` is its key: `include`, `spec.include`,
/// `<job>.trigger.include`): one entry or a list of them.
pub(super) fn read(node: &Node, prefix: &str, found: &mut Found) -> Result<(), ExtractError> {
    if is_reference(node) {
        found.unresolved(Kind::Include, prefix.to_owned(), node.span, node);
        return Ok(());
    }
    match &node.kind {
        NodeKind::Null if node.tag.is_none() => Ok(()),
        NodeKind::Seq(_) => {
            for item in node.items(prefix)? {
                if matches!(item.kind, NodeKind::Seq(_)) && !is_reference(item) {
                    return Err(ExtractError::new(
                        format!("{prefix}: an entry must be a path, a URL or a mapping (project, remote, component, ...), not a list"),
                        item.span.start,
                    ));
                }
                entry(item, prefix, found)?;
            }
            Ok(())
        }
        _ => entry(node, prefix, found),
    }
}

fn entry(item: &Node, prefix: &str, found: &mut Found) -> Result<(), ExtractError> {
    if is_reference(item) {
        let key = format!("{prefix}.{}", reference_text(item));
        found.unresolved(Kind::Include, key, item.span, item);
        return Ok(());
    }
    if item.is_map() && item.tag.is_none() {
        return mapping(item, prefix, found);
    }
    let Some(location) = item.string(&format!("{prefix} entry"))? else {
        return Err(ExtractError::new(
            format!("{prefix}: an empty entry; write a path, a URL or a mapping"),
            item.span.start,
        ));
    };
    // GitLab expands variables, then reads an absolute URL as remote and
    // anything else as a file of this repository.
    let written = location.value.trim();
    if written.contains("://") {
        remote(item.span, location, None, prefix, found)
    } else if templated(written) {
        variable_local(format!("{prefix}.{written}"), location, item.span, found);
        Ok(())
    } else {
        Ok(())
    }
}

fn mapping(item: &Node, prefix: &str, found: &mut Found) -> Result<(), ExtractError> {
    let entries = item.entries(prefix)?;
    let sorts: Vec<(&Node, &Node)> = entries
        .iter()
        .filter(|(key, _)| key.key_text().is_some_and(|k| SORTS.contains(&k)))
        .copied()
        .collect();
    let (key, value) = match sorts.as_slice() {
        [] => {
            return Err(ExtractError::new(
                format!("{prefix}: an entry needs one of local, project, remote, template or component"),
                item.span.start,
            ))
        }
        [(first, _), (second, _), ..] => {
            return Err(ExtractError::new(
                format!(
                    "{prefix}: an entry takes one of local, project, remote, template or component, not both {} and {}",
                    first.key_text().unwrap_or_default(),
                    second.key_text().unwrap_or_default()
                ),
                second.span.start,
            ))
        }
        [one] => *one,
    };
    let sort = key.key_text().unwrap_or_default();
    let subject = format!("{prefix}: {sort}");
    match sort {
        // This repository's files, what this pipeline generated, and
        // GitLab's own templates (shipped with the instance).
        "local" if !is_reference(value) => {
            let path = required(value, &subject)?;
            let written = path.value.trim().to_owned();
            if templated(&written) {
                variable_local(format!("{prefix}.local.{written}"), path, item.span, found);
            }
            Ok(())
        }
        "artifact" if prefix.ends_with(".trigger.include") && !is_reference(value) => {
            generated_child(item, value, prefix, found)
        }
        "local" | "artifact" | "template" => {
            if !is_reference(value) {
                required(value, &subject)?;
            }
            Ok(())
        }
        _ if is_reference(value) => {
            let key = format!("{prefix}.{sort}.{}", reference_text(value));
            found.unresolved(Kind::Include, key, item.span, value);
            Ok(())
        }
        "project" => project(item, value, prefix, found),
        "remote" => {
            let url = required(value, &subject)?;
            let integrity = match item.get("integrity", prefix)? {
                Some((_, node)) => node.string(&format!("{prefix}: integrity"))?,
                None => None,
            };
            remote(item.span, url, integrity, prefix, found)
        }
        _ => component(item.span, value, prefix, found),
    }
}

/// `trigger: include: [{artifact: x.yml, job: gen}]`: a child pipeline
/// that job `gen` writes when the pipeline runs. Its jobs, images and
/// includes exist only then, so iacgate cannot judge them: unpinned (the
/// analysis accepts it under `[gitlab] dynamic_child_pipelines =
/// "allow"`). The artifact's path and the job are its version: a new
/// or changed trigger is judged, an unchanged one never.
fn generated_child(
    item: &Node,
    value: &Node,
    prefix: &str,
    found: &mut Found,
) -> Result<(), ExtractError> {
    let path = required(value, &format!("{prefix}: artifact"))?;
    let job = match item.get("job", prefix)? {
        Some((_, node)) if !is_reference(node) => node
            .string(&format!("{prefix}: job"))?
            .map(|j| j.value.trim().to_owned()),
        Some(_) => Some("(a !reference)".to_owned()),
        None => None,
    }
    .unwrap_or_default();
    let written = path.value.trim().to_owned();
    let mut dep = include(format!("{prefix}.artifact.{written}"), &written, item.span);
    dep.version = Some(Spanned::new(format!("{written} of job {job}"), path.span));
    dep.pin = PinState::Unpinned(format!(
        "the child pipeline `{written}` is generated by job \"{job}\" when the pipeline runs, \
         so iacgate cannot read what it runs (its jobs, images, includes); if your team accepts \
         generated child pipelines, set `[gitlab] dynamic_child_pipelines = \"allow\"` in \
         .iacgate.toml"
    ));
    found.push(dep);
    Ok(())
}

/// A string that must be there.
fn required(node: &Node, subject: &str) -> Result<Spanned<String>, ExtractError> {
    match node.string(subject)? {
        Some(value) if !value.value.trim().is_empty() => Ok(value),
        _ => Err(ExtractError::new(
            format!("{subject} is empty"),
            node.span.start,
        )),
    }
}

/// A file of this repository named with a variable: which file GitLab
/// loads is known only when the pipeline runs, so it cannot be followed.
fn variable_local(key: String, path: Spanned<String>, at: Span, found: &mut Found) {
    let written = path.value.trim().to_owned();
    let mut dep = include(key, &written, at);
    dep.pin = PinState::Unpinned(format!(
        "include `{written}` is built from a variable, which cannot be resolved statically: \
         iacgate cannot know which file GitLab loads; name the file"
    ));
    dep.source = Some(path);
    found.push(dep);
}

fn include(key: String, name: &str, at: Span) -> Dependency {
    Dependency::new(Ecosystem::GitLabCi, Kind::Include, key, name.to_owned(), at)
}

/// `{project, ref, file}`: files of another project at a ref.
fn project(item: &Node, value: &Node, prefix: &str, found: &mut Found) -> Result<(), ExtractError> {
    let project = required(value, &format!("{prefix}: project"))?;
    let name = project.value.trim().trim_matches('/');
    let this = is_this_project(name);
    if this && same_tree(project_ref(item)?.as_deref()) {
        // Read from the tree being judged: followed as a local include
        // (see `pipeline`), unless a variable names the file.
        let files = files(item, name, prefix)?;
        if templated(&files) {
            let written = Spanned::new(files.clone(), project.span);
            let key = format!("{prefix}.project.{name}:{files}");
            variable_local(key, written, item.span, found);
        }
        return Ok(());
    }
    let (reference, pin) = match item.get("ref", prefix)? {
        Some((_, node)) if is_reference(node) => {
            let written = reference_text(node);
            let why = format!("ref `{written}` cannot be resolved statically");
            (
                Some(Spanned::new(written, node.span)),
                PinState::Unpinned(why),
            )
        }
        Some((_, node)) => match node.string(&format!("{prefix}: ref"))? {
            Some(r) if !r.value.trim().is_empty() => {
                let pin = ref_pin(r.value.trim());
                (Some(r), pin)
            }
            _ => (None, no_ref()),
        },
        None => (None, no_ref()),
    };
    let files = files(item, name, prefix)?;
    let source = lowercase_outside_variables(name);
    let mut dep = include(format!("{prefix}.project.{source}"), name, item.span);
    dep.pin = if !this && templated(name) {
        variable_address(&format!("project `{name}`"))
    } else if templated(&files) {
        variable_address(&format!("file `{files}`"))
    } else {
        pin
    };
    if let (PinState::Pinned, Some(r)) = (&dep.pin, &reference) {
        dep.comment = comment_after(found.text, r.span.end);
    }
    dep.source = Some(Spanned::new(source, project.span));
    dep.version = reference;
    found.push_project(dep, files);
    Ok(())
}

fn no_ref() -> PinState {
    PinState::Unpinned(
        "no ref: the default branch's HEAD when the pipeline runs; pin a 40-hex commit".to_owned(),
    )
}

/// `file:`, a path or a list of paths, joined with `,` (leading `/` left
/// out: GitLab reads both spellings as the same file).
fn files(item: &Node, project: &str, prefix: &str) -> Result<String, ExtractError> {
    let subject = format!("{prefix}: file");
    let Some((_, node)) = item.get("file", prefix)? else {
        return Err(ExtractError::new(
            format!("{prefix}: the include of project {project} needs `file:`"),
            item.span.start,
        ));
    };
    if is_reference(node) {
        return Ok(reference_text(node));
    }
    let paths = match &node.kind {
        NodeKind::Seq(_) => node
            .items(&subject)?
            .iter()
            .map(|path| required(path, &subject))
            .collect::<Result<Vec<_>, _>>()?,
        _ => vec![required(node, &subject)?],
    };
    if paths.is_empty() {
        return Err(ExtractError::new(
            format!("{subject} is an empty list"),
            node.span.start,
        ));
    }
    let paths: Vec<&str> = paths
        .iter()
        .map(|p| p.value.trim().trim_start_matches('/'))
        .collect();
    Ok(paths.join(","))
}

/// This very project, written with GitLab's predefined variable (only
/// the variable itself: `evil/$CI_PROJECT_PATH` or
/// `${CI_PROJECT_PATH}-templates` are other projects).
pub(super) fn is_this_project(path: &str) -> bool {
    matches!(
        path.trim().trim_matches('/'),
        "$CI_PROJECT_PATH" | "${CI_PROJECT_PATH}"
    )
}

/// The GitLab instance that runs the pipeline, as a component's host.
const THIS_INSTANCE: &[&str] = &["$CI_SERVER_FQDN", "${CI_SERVER_FQDN}"];

/// Refs that name the commit the pipeline runs for: a file of this
/// project at one of them is the file of the tree being judged.
const SAME_TREE_REFS: &[&str] = &[
    "$CI_COMMIT_SHA",
    "${CI_COMMIT_SHA}",
    "$CI_COMMIT_REF_NAME",
    "${CI_COMMIT_REF_NAME}",
];

/// Whether a ref of this project (`None`: no ref, the pipeline's own
/// commit for an include of the project itself) is the tree being judged.
pub(super) fn same_tree(reference: Option<&str>) -> bool {
    reference.is_none_or(|r| SAME_TREE_REFS.contains(&r.trim()))
}

/// A project include's `ref` as written, `None` when there is none (or it
/// is not a string: then it is not the tree being judged either).
fn project_ref(item: &Node) -> Result<Option<String>, ExtractError> {
    Ok(match item.get("ref", "include")? {
        Some((_, node)) if is_reference(node) => Some(reference_text(node)),
        Some((_, node)) => Some(
            node.key_text()
                .map_or_else(|| "?".to_owned(), |r| r.trim().to_owned()),
        ),
        None => None,
    })
}

/// The name of a component of this very project
/// (`$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>`, without `@version`).
pub(super) fn this_project_component(path: &str) -> Option<&str> {
    let (host, rest) = path.trim().split_once('/')?;
    if !THIS_INSTANCE.contains(&host) {
        return None;
    }
    let (project, name) = rest.rsplit_once('/')?;
    (is_this_project(project) && !name.is_empty() && !templated(name)).then_some(name)
}

/// Where GitLab reads a component of this project from: `templates/<name>.yml`
/// or `templates/<name>/template.yml`.
pub(super) fn component_files(name: &str) -> [String; 2] {
    [
        format!("templates/{name}.yml"),
        format!("templates/{name}/template.yml"),
    ]
}

/// The pin of an include whose address holds a variable other than the
/// ones that name this project or this GitLab instance.
fn variable_address(what: &str) -> PinState {
    PinState::Unpinned(format!(
        "{what} holds a variable, which cannot be resolved statically: iacgate cannot know \
         what GitLab fetches; write the address out"
    ))
}

/// A file fetched over HTTP(S) when the pipeline is created.
fn remote(
    at: Span,
    url: Spanned<String>,
    integrity: Option<Spanned<String>>,
    prefix: &str,
    found: &mut Found,
) -> Result<(), ExtractError> {
    let written = url.value.trim();
    let normal = normalize_url(written);
    let mut dep = include(format!("{prefix}.remote.{normal}"), written, at);
    dep.pin = match &integrity {
        // An allowlist cannot judge a host known only at run time.
        _ if templated(written) => variable_address(&format!("remote `{written}`")),
        Some(hash) if is_sri_sha256(hash.value.trim()) => PinState::Pinned,
        Some(hash) => {
            return Err(ExtractError::new(
                format!(
                    "{prefix}: integrity {:?} is not `sha256-` and the base64 SHA-256 of the file",
                    hash.value
                ),
                hash.span.start,
            ))
        }
        None => PinState::Unpinned(
            "a remote include is fetched at run time; add `integrity: sha256-...`".to_owned(),
        ),
    };
    dep.source = Some(Spanned::new(normal, url.span));
    dep.version = integrity;
    found.push(dep);
    Ok(())
}

/// Scheme and host lowercased, the rest as written.
fn normalize_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// A Subresource Integrity SHA-256: `sha256-` and 44 base64 characters.
fn is_sri_sha256(value: &str) -> bool {
    value.strip_prefix("sha256-").is_some_and(|b64| {
        b64.len() == 44
            && b64.ends_with('=')
            && b64
                .bytes()
                .take(43)
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    })
}

/// `component: host/group/project/name@version`.
fn component(at: Span, value: &Node, prefix: &str, found: &mut Found) -> Result<(), ExtractError> {
    let subject = format!("{prefix}: component");
    let path = required(value, &subject)?;
    let text = path.value.as_str();
    let split = text
        .rfind('@')
        .filter(|&i| !text[i + 1..].trim().is_empty() && !text[..i].trim().is_empty());
    let Some(at_sign) = split else {
        return Err(ExtractError::new(
            format!(
                "{subject}: {:?} has no version; write `path@1.2.3`, `path@<40-hex commit>` or `path@~latest`",
                text.trim()
            ),
            path.span.start,
        ));
    };
    let (written, version) = (text[..at_sign].trim(), text[at_sign + 1..].trim());
    let this = this_project_component(written).is_some();
    if this && same_tree(Some(version)) {
        // Read from the tree being judged (see `pipeline`).
        return Ok(());
    }
    let source = lowercase_outside_variables(written);
    let mut dep = include(format!("{prefix}.component.{source}"), written, at);
    let host_variable = THIS_INSTANCE
        .iter()
        .find_map(|host| written.strip_prefix(host)?.strip_prefix('/'));
    let rest = if this {
        ""
    } else {
        host_variable.unwrap_or(written)
    };
    dep.pin = if templated(rest) {
        variable_address(&format!("component `{written}`"))
    } else {
        component_pin(version)
    };
    let version_span = value.sub_span(at_sign + 1..text.len());
    if dep.pin == PinState::Pinned {
        dep.comment = comment_after(found.text, version_span.end);
    }
    dep.source = Some(Spanned::new(source, value.sub_span(0..at_sign)));
    dep.version = Some(Spanned::new(version.to_owned(), version_span));
    found.push(dep);
    Ok(())
}

/// A component path lowercased (GitLab paths are case-insensitive), with
/// the names of variables (`$CI_SERVER_FQDN`) as written.
fn lowercase_outside_variables(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_variable = false;
    for c in path.chars() {
        if c == '$' {
            in_variable = true;
            out.push(c);
        } else if in_variable && (c.is_ascii_alphanumeric() || matches!(c, '_' | '{' | '}')) {
            out.push(c);
        } else {
            in_variable = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn templated(value: &str) -> bool {
    value.contains('$')
}

/// The pin of a project include's `ref`.
pub(super) fn ref_pin(reference: &str) -> PinState {
    if templated(reference) {
        PinState::Unpinned(format!(
            "ref `{reference}` is a variable, which cannot be resolved statically"
        ))
    } else if is_commit(reference) {
        PinState::Pinned
    } else if Version::parse(reference).is_ok() {
        PinState::Tagged(format!(
            "ref \"{reference}\" is a tag, and tags can be moved; pin the commit"
        ))
    } else {
        PinState::Unpinned(format!(
            "ref \"{reference}\" is a branch or a short commit, which can move; pin a 40-hex commit"
        ))
    }
}

/// The pin of a component's version (after `@`).
pub(super) fn component_pin(version: &str) -> PinState {
    if templated(version) {
        return PinState::Unpinned(format!(
            "version `{version}` is a variable, which cannot be resolved statically"
        ));
    }
    if is_commit(version) {
        return PinState::Pinned;
    }
    if version == "~latest" {
        return PinState::Unpinned(
            "version \"~latest\" is whatever release is newest when the pipeline runs".to_owned(),
        );
    }
    match Version::parse(version) {
        Ok(v) if v.parts == 3 => PinState::Tagged(format!(
            "version \"{version}\" is a release tag, and tags can be moved; pin the commit"
        )),
        Ok(_) => PinState::Unpinned(format!(
            "version \"{version}\" takes the newest matching release when the pipeline runs"
        )),
        Err(_) => PinState::Unpinned(format!(
            "version \"{version}\" is a branch or a short commit, which can move; pin a 40-hex commit"
        )),
    }
}
