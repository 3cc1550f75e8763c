//! A chart's templates (`<chart>/templates/**/*.yaml`), read line by line
//! without rendering: Helm renders them into manifests, and a template
//! with any `{{ … }}` action is not YAML until it is rendered.
//!
//! Every line whose key is `image:` (after any `- ` list markers) and whose
//! value is written out, with no template action in it, is an image, judged
//! like any other: `image: nginx:latest` is unpinned whatever the actions
//! around it (`{{- if .Values.enabled }}`, a `{{/* comment */}}`). A value
//! built with actions (`image: "{{ .Values.image.repository }}:{{ .Chart.AppVersion }}"`)
//! is skipped: it comes from the values, which are judged themselves. So
//! are lines inside a Go template comment (`{{/* … */}}` over several
//! lines) and YAML comment lines.
//!
//! Key: `template.image.<name>`, `<name>` the literal `name:` of the same
//! mapping (the container's name), else `template.image`; a key given
//! again is numbered (`#2`) in file order.

use crate::extract::image_ref;
use crate::model::{Dependency, Ecosystem, Span, Spanned};

/// One line of a template: where it starts, the column of its key (after
/// list markers), whether a list marker opens it, and its key and value.
struct Line<'t> {
    column: usize,
    item: bool,
    key: &'t str,
    key_at: usize,
    value: &'t str,
    value_at: usize,
}

fn line_of(start: usize, raw: &str) -> Option<Line<'_>> {
    let body = raw.trim_end_matches(['\n', '\r']);
    let mut rest = body.trim_start_matches([' ', '\t']);
    let mut item = false;
    while let Some(after) = rest.strip_prefix('-') {
        if !(after.starts_with([' ', '\t'])) {
            break;
        }
        item = true;
        rest = after.trim_start_matches([' ', '\t']);
    }
    if rest.starts_with('#') || rest.is_empty() {
        return None;
    }
    let column = body.len() - rest.len();
    let (key, after_key) = if let Some(quoted) = rest.strip_prefix('"') {
        let end = quoted.find('"')?;
        (&quoted[..end], &quoted[end + 1..])
    } else if let Some(quoted) = rest.strip_prefix('\'') {
        let end = quoted.find('\'')?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = rest.find(':')?;
        (&rest[..end], &rest[end..])
    };
    let after_colon = after_key.strip_prefix(':')?;
    if !(after_colon.is_empty() || after_colon.starts_with([' ', '\t'])) {
        return None;
    }
    let value = after_colon.trim_start_matches([' ', '\t']);
    // A comment after the value (` #`), outside quotes.
    let value = match value.chars().next() {
        // Up to the closing quote (a comment may follow).
        Some(q @ ('"' | '\'')) => match value[1..].find(q) {
            Some(end) => &value[..end + 2],
            None => value,
        },
        _ => match value.find(" #").or_else(|| value.find("\t#")) {
            Some(at) => &value[..at],
            None => value,
        },
    };
    let value = value.trim_end();
    let key_at = start + column + usize::from(rest.starts_with(['"', '\'']));
    let value_at = start + (body.len() - after_colon.trim_start_matches([' ', '\t']).len());
    Some(Line {
        column,
        item,
        key,
        key_at,
        value,
        value_at,
    })
}

/// The literal value of a line, unquoted, with its span; `None` for one
/// that is empty, built with template actions, or not a plain scalar.
fn literal(line: &Line) -> Option<Spanned<String>> {
    let value = line.value;
    if value.is_empty() || value.contains("{{") || value.contains("}}") {
        return None;
    }
    let (inner, at) = match value.chars().next()? {
        q @ ('"' | '\'') => {
            let inner = value.strip_prefix(q)?.strip_suffix(q)?;
            (inner, line.value_at + 1)
        }
        // Flow collections, anchors, aliases, tags, block scalars.
        '{' | '[' | '&' | '*' | '!' | '|' | '>' => return None,
        _ => (value, line.value_at),
    };
    let inner = inner.trim();
    if inner.is_empty() || inner.contains(char::is_whitespace) {
        return None;
    }
    Some(Spanned::new(
        inner.to_owned(),
        Span::new(at, at + inner.len()),
    ))
}

/// The images a chart template writes out.
pub(in crate::extract) fn extract(text: &str) -> Vec<Dependency> {
    let mut lines: Vec<Option<Line>> = Vec::new();
    let mut offset = 0;
    let mut in_comment = false;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        if in_comment {
            if raw.contains("*/") {
                in_comment = false;
            }
            lines.push(None);
            continue;
        }
        // A Go template comment left open on this line.
        let open = raw.rfind("{{/*").or_else(|| raw.rfind("{{- /*"));
        if open.is_some_and(|open| !raw[open..].contains("*/")) {
            in_comment = true;
            lines.push(None);
            continue;
        }
        lines.push(line_of(start, raw));
    }
    let mut deps = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(line) = line else { continue };
        if line.key != "image" {
            continue;
        }
        let Some(value) = literal(line) else { continue };
        let key = match container_name(&lines, i) {
            Some(name) => format!("template.image.{name}"),
            None => "template.image".to_owned(),
        };
        let span = Span::new(line.key_at, line.key_at + "image".len());
        deps.push(image_ref::dependency(
            Ecosystem::Container,
            key,
            span,
            &value,
        ));
    }
    crate::extract::number_repeated_keys(&mut deps);
    deps
}

/// The literal `name:` of the mapping the `image:` line at `at` is in.
fn container_name(lines: &[Option<Line>], at: usize) -> Option<String> {
    let column = lines[at].as_ref()?.column;
    let name_of = |line: &Line| {
        (line.column == column && line.key == "name")
            .then(|| literal(line))
            .flatten()
            .map(|v| v.value)
    };
    // Back to the start of the item.
    let mut i = at;
    loop {
        let Some(line) = &lines[i] else {
            if i == 0 {
                break;
            }
            i -= 1;
            continue;
        };
        if line.column < column {
            break;
        }
        if let Some(name) = name_of(line) {
            return Some(name);
        }
        if line.column == column && line.item {
            break;
        }
        if i == 0 {
            break;
        }
        i -= 1;
    }
    // On to its end.
    for line in lines.iter().skip(at + 1).flatten() {
        if line.column < column || (line.column == column && line.item) {
            break;
        }
        if let Some(name) = name_of(line) {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PinState;

    const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn literal_images_are_read_whatever_the_actions_around_them() {
        let text = format!(
            "{{{{/* web tier */}}}}\n{{{{- if .Values.enabled }}}}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: evil/miner:latest\n        - image: \"nginx@{DIGEST}\" # pinned\n          name: side\n{{{{- end }}}}\n"
        );
        let deps = extract(&text);
        assert_eq!(deps.len(), 2, "{deps:?}");
        assert_eq!(deps[0].key, "template.image.web");
        assert!(matches!(deps[0].pin, PinState::Unpinned(_)));
        let source = deps[0].source.as_ref().unwrap();
        assert_eq!(
            &text[source.span.start..source.span.end],
            "evil/miner:latest"
        );
        assert_eq!(deps[1].key, "template.image.side");
        assert_eq!(deps[1].pin, PinState::Pinned);
        assert_eq!(&text[deps[1].span.start..deps[1].span.end], "image");
    }

    #[test]
    fn values_built_from_actions_and_comments_are_skipped() {
        let text = "{{/*\nimage: commented/out:latest\n*/}}\n# image: also:latest\ncontainers:\n  - name: a\n    image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n  - name: b\n    image: {{ include \"x.image\" . }}\n  - name: c\n    image:\n      repository: x\n    imagePullPolicy: Always\n";
        assert_eq!(extract(text), vec![]);
    }

    #[test]
    fn unnamed_images_are_numbered_in_file_order() {
        let text = "a:\n  image: busybox:1.36\nb:\n  image: busybox:1.37\n";
        let keys: Vec<String> = extract(text).into_iter().map(|d| d.key).collect();
        assert_eq!(keys, ["template.image", "template.image#2"]);
    }
}
