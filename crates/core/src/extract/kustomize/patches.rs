//! Inline patches (`patches[].patch`, `patchesJson6902[].patch`, and
//! multi-line `patchesStrategicMerge` entries): the images they set, which
//! kustomize writes into the rendered resources.
//!
//! A JSON 6902 patch (a list of operations) sets an image with `add` or
//! `replace` at a path that ends in `/image` (or `/image/reference`, an
//! image volume), or by adding a whole container (a mapping with `image`,
//! or a list of them) under a `containers`, `initContainers`,
//! `ephemeralContainers`, `steps` or `sidecars` path. A strategic-merge
//! patch is a partial manifest: its images are read as a manifest's are.
//! Every image is spanned at the patch (its text is a block scalar, whose
//! offsets are not the file's).

use super::Found;
use crate::extract::image_ref;
use crate::extract::yaml::{self as tree, Node, NodeKind};
use crate::model::{Ecosystem, ExtractError, Span, Spanned};

/// Sections under which a list holds containers.
const CONTAINER_LISTS: [&str; 5] = [
    "containers",
    "initContainers",
    "ephemeralContainers",
    "steps",
    "sidecars",
];

pub(super) fn inline(
    section: &str,
    node: &Node,
    text: &str,
    target: Option<&Node>,
    found: &mut Found,
) -> Result<(), ExtractError> {
    let at = |message: String| ExtractError::new(message, node.span.start);
    let docs = tree::load_all(text).map_err(|e| {
        at(format!(
            "{section}: the inline patch does not parse: {}",
            e.message
        ))
    })?;
    let json6902 = matches!(docs.first().map(|d| &d.kind), Some(NodeKind::Seq(_)));
    if json6902 {
        let target = describe_target(target);
        for doc in &docs {
            operations(section, doc, node.span, &target, found).map_err(|e| at(e.message))?;
        }
        return Ok(());
    }
    let deps = crate::extract::images::extract_manifests(text)
        .map_err(|e| at(format!("{section}: in the inline patch: {}", e.message)))?;
    for mut dep in deps {
        dep.ecosystem = Ecosystem::Kustomize;
        dep.key = format!("{section}.{}", dep.key);
        dep.span = node.span;
        if let Some(source) = dep.source.as_mut() {
            source.span = node.span;
        }
        if let Some(version) = dep.version.as_mut() {
            version.span = node.span;
        }
        found.push(dep);
    }
    Ok(())
}

/// `<kind>/<name>` of a patch's `target` (empty parts for what it leaves
/// open), the identity of the images its operations set.
fn describe_target(target: Option<&Node>) -> String {
    let field = |key: &str| -> String {
        target
            .and_then(|t| t.get(key, "target").ok().flatten())
            .and_then(|(_, v)| v.string("target").ok().flatten())
            .map(|s| s.value)
            .unwrap_or_default()
    };
    format!("{}/{}", field("kind"), field("name"))
}

fn operations(
    section: &str,
    doc: &Node,
    span: Span,
    target: &str,
    found: &mut Found,
) -> Result<(), ExtractError> {
    let subject = format!("{section} patch");
    for op in doc.items(&subject)? {
        if !op.is_map() {
            return Err(ExtractError::new(
                format!("{subject}: each operation must be a mapping (op, path, value)"),
                op.span.start,
            ));
        }
        let text = |key: &str| -> Result<Option<String>, ExtractError> {
            match op.get(key, &subject)? {
                Some((_, v)) => Ok(v.string(&format!("{subject} {key}"))?.map(|s| s.value)),
                None => Ok(None),
            }
        };
        let kind = text("op")?.unwrap_or_default();
        if !matches!(kind.as_str(), "add" | "replace") {
            continue;
        }
        let Some(path) = text("path")? else {
            continue;
        };
        let Some((_, value)) = op.get("value", &subject)? else {
            continue;
        };
        let segments: Vec<String> = path
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let key = format!("{section}.{target}:{path}");
        let last = segments.last().map(String::as_str).unwrap_or_default();
        let before = segments
            .len()
            .checked_sub(2)
            .and_then(|i| segments.get(i))
            .map(String::as_str);
        if last == "image" || (last == "reference" && before == Some("image")) {
            if segments.iter().any(|s| s == "metadata") {
                continue;
            }
            image(value, &key, &subject, span, found)?;
            continue;
        }
        // A whole container (`/containers/0`, `/containers/-`) or list.
        let in_list = |name: Option<&str>| name.is_some_and(|n| CONTAINER_LISTS.contains(&n));
        if in_list(Some(last)) {
            for (index, item) in value.items(&subject).unwrap_or(&[]).iter().enumerate() {
                container(item, &format!("{key}/{index}"), &subject, span, found)?;
            }
        } else if in_list(before) {
            container(value, &key, &subject, span, found)?;
        }
    }
    Ok(())
}

fn container(
    item: &Node,
    key: &str,
    subject: &str,
    span: Span,
    found: &mut Found,
) -> Result<(), ExtractError> {
    if !item.is_map() {
        return Ok(());
    }
    match item.get("image", subject)? {
        Some((_, value)) => image(value, key, subject, span, found),
        None => Ok(()),
    }
}

fn image(
    value: &Node,
    key: &str,
    subject: &str,
    span: Span,
    found: &mut Found,
) -> Result<(), ExtractError> {
    let Some(reference) = value.string(&format!("{subject} image"))? else {
        return Ok(());
    };
    let reference = Spanned::new(reference.value, span);
    found.push(image_ref::dependency(
        Ecosystem::Kustomize,
        key.to_owned(),
        span,
        &reference,
    ));
    Ok(())
}
