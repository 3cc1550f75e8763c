//! Collections: `namespace.name[:spec]` lines and `{name, version,
//! source, type}`.

use super::{
    collection_pin, dependency, git_pin, is_local, normalize_git, normalize_url, part_of,
    repository_name, string_field, url_pin, Found,
};
use crate::extract::yaml::{Node, NodeKind};
use crate::model::{ExtractError, Kind, Span, Spanned};

/// One collection entry.
struct Collection<'n> {
    at: Span,
    /// `name` and the node it is written in (the entry itself for a string).
    name: (Spanned<String>, &'n Node),
    version: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    source: Option<(Spanned<String>, &'n Node)>,
}

pub(super) fn read(list: &Node, found: &mut Found) -> Result<(), ExtractError> {
    for item in list.items("collections")? {
        let collection = match &item.kind {
            NodeKind::Map(_) => collection_mapping(item)?,
            _ => collection_line(item)?,
        };
        collection_dependency(collection, found)?;
    }
    Ok(())
}

/// `ns.name`, `ns.name:>=1.0.0`, or a URL or path.
fn collection_line(item: &Node) -> Result<Collection<'_>, ExtractError> {
    let Some(line) = item.string("a collection")? else {
        return Err(ExtractError::new(
            "an empty collection entry; write `namespace.name` or a mapping with `name`",
            item.span.start,
        ));
    };
    let text = line.value.as_str();
    let (name, version) = match text.find(':') {
        Some(colon) if !is_pointer(text) => (
            Spanned::new(text[..colon].trim().to_owned(), item.sub_span(0..colon)),
            part_of(item, text, colon + 1..text.len()),
        ),
        _ => (line.clone(), None),
    };
    Ok(Collection {
        at: item.span,
        name: (name, item),
        version,
        kind: None,
        source: None,
    })
}

/// `{name, version, source, type}`.
fn collection_mapping(item: &Node) -> Result<Collection<'_>, ExtractError> {
    let field = |key: &str| string_field(item, key, "a collection");
    let Some(name) = field("name")? else {
        return Err(ExtractError::new(
            "a collection needs a `name`",
            item.span.start,
        ));
    };
    Ok(Collection {
        at: item.span,
        name,
        version: field("version")?.map(|(version, _)| version),
        kind: field("type")?.map(|(kind, _)| kind),
        source: field("source")?,
    })
}

/// How a collection is fetched.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fetch {
    Galaxy,
    Git,
    Url,
    Local,
}

fn collection_dependency(collection: Collection, found: &mut Found) -> Result<(), ExtractError> {
    let (name, _) = &collection.name;
    let written = name.value.trim();
    match fetch_of(&collection)? {
        Fetch::Local => {}
        Fetch::Galaxy => {
            if !is_collection_name(written) {
                return Err(ExtractError::new(
                    format!("{written:?} is not a collection name: write `namespace.name`"),
                    name.span.start,
                ));
            }
            let key = format!("collections.{written}");
            let mut dep = dependency(Kind::Collection, key, written.to_owned(), collection.at);
            dep.pin = collection_pin(collection.version.as_ref().map(|v| v.value.trim()));
            let server = collection.source.as_ref().map(|(s, _)| s.value.trim());
            dep.source = Some(Spanned::new(galaxy_source(server, written), name.span));
            found.push(dep, collection.version);
        }
        Fetch::Git => git_collection(collection, found),
        Fetch::Url => {
            let (label, url) = match &collection.source {
                Some((url, _)) => (written.to_owned(), url),
                None => (normalize_url(written), name),
            };
            let key = format!("collections.{label}");
            let mut dep = dependency(Kind::Collection, key, label, collection.at);
            dep.pin = url_pin(&url.value);
            dep.source = Some(Spanned::new(normalize_url(url.value.trim()), url.span));
            found.push(dep, collection.version);
        }
    }
    Ok(())
}

fn fetch_of(collection: &Collection) -> Result<Fetch, ExtractError> {
    if let Some(kind) = &collection.kind {
        return match kind.value.trim() {
            "galaxy" => Ok(Fetch::Galaxy),
            "git" => Ok(Fetch::Git),
            "url" => Ok(Fetch::Url),
            "file" | "dir" | "subdirs" => Ok(Fetch::Local),
            other => Err(ExtractError::new(
                format!(
                    "collection type {other:?} is not one of galaxy, git, url, file, dir, subdirs"
                ),
                kind.span.start,
            )),
        };
    }
    // Without a type, ansible-galaxy judges by the name alone (a `source`
    // is then a Galaxy server).
    let (name, _) = &collection.name;
    match name.value.trim() {
        s if s.starts_with("git+") || s.starts_with("git@") => Ok(Fetch::Git),
        s if s.starts_with("http://") || s.starts_with("https://") => Ok(Fetch::Url),
        s if is_collection_name(s) => Ok(Fetch::Galaxy),
        s if is_local(s) || s.contains('/') || s.ends_with(".tar.gz") => Ok(Fetch::Local),
        s => Err(ExtractError::new(
            format!("{s:?} is not a collection name (namespace.name), a URL or a path"),
            name.span.start,
        )),
    }
}

/// `git+https://host/org/repo.git[#/subdir][,ref]`, in `name` or `source`.
fn git_collection(collection: Collection, found: &mut Found) {
    let (url, node) = collection.source.as_ref().unwrap_or(&collection.name);
    let text = url.value.as_str();
    let (path, reference) = match text.find(',') {
        Some(comma) => (&text[..comma], part_of(node, text, comma + 1..text.len())),
        None => (text, None),
    };
    let path = path.trim();
    let path = path.strip_prefix("git+").unwrap_or(path);
    let version = collection
        .version
        .clone()
        .filter(|v| v.value.trim() != "*")
        .or(reference);
    let label = match &collection.source {
        Some(_) => collection.name.0.value.trim().to_owned(),
        None => git_repository_name(path),
    };
    let key = format!("collections.{label}");
    let mut dep = dependency(Kind::Collection, key, label, collection.at);
    dep.pin = git_pin(version.as_ref().map(|v| v.value.trim()));
    let source_span = match text.find(',') {
        Some(comma) => node.sub_span(0..comma),
        None => url.span,
    };
    dep.source = Some(Spanned::new(normalize_git(path), source_span));
    found.push(dep, version);
}

/// The collection name `ansible-galaxy` derives from a git URL.
pub(super) fn git_repository_name(path: &str) -> String {
    let path = path.split('#').next().unwrap_or(path);
    if let Some(parent) = path.strip_suffix("/.git") {
        return parent.rsplit('/').next().unwrap_or(parent).to_owned();
    }
    repository_name(path)
}

/// `namespace.name`, each part a Python identifier.
fn is_collection_name(name: &str) -> bool {
    let part = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    matches!(name.split_once('.'), Some((ns, n)) if part(ns) && part(n))
}

/// Something `ansible-galaxy` installs as it is: a URL or a path.
fn is_pointer(s: &str) -> bool {
    s.starts_with("git+")
        || s.starts_with("git@")
        || s.starts_with("http://")
        || s.starts_with("https://")
        || is_local(s)
}

/// The Galaxy server and the collection: only the name for the public
/// Galaxy (the default).
pub(super) fn galaxy_source(server: Option<&str>, name: &str) -> String {
    let name = name.to_ascii_lowercase();
    let Some(server) = server else {
        return name;
    };
    let server = server.split_once("://").map_or(server, |(_, rest)| rest);
    let server = server.trim_end_matches('/');
    let server = server
        .strip_suffix("/api")
        .unwrap_or(server)
        .to_ascii_lowercase();
    if server == "galaxy.ansible.com" {
        name
    } else {
        format!("{server}/{name}")
    }
}
