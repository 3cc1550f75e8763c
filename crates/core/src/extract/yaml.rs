//! One document tree for YAML (and JSON) files, with byte spans: Pulumi
//! programs, workflows, charts, manifests and the other YAML formats.
//!
//! YAML is read with saphyr (aliases expanded under its node budget, so an
//! alias bomb is an error, not an allocation storm; duplicate keys are
//! errors, as they are for yaml.v3 and most tools). A file whose first character
//! is `{` is read as strict JSON first, since JSON that is not quite YAML
//! (a tab after a colon) is common in `Main.json`; if that fails it is read
//! as YAML (flow YAML, or JSON with trailing commas) and, if that fails too,
//! the error that got further into the file is reported.
//!
//! Depth is bounded twice. saphyr's loader recurses once per nested level,
//! so before parsing, [`nesting_estimate`] (an upper bound computed from
//! columns and brackets) decides whether the parse runs here or on a thread
//! with a stack sized for it, and refuses input it could not bound within
//! [`MAX_ESTIMATE`]. The resulting tree is then at most [`MAX_DEPTH`] levels
//! deep, so everything that walks it recurses a bounded amount.

use std::collections::HashSet;

use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
use jsonc_parser::common::Ranged;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar as YamlScalar, YamlData};

use crate::extract::one_line;
use crate::model::{ExtractError, Span, Spanned};

/// Deepest nesting of mappings and lists a YAML file may have.
pub(in crate::extract) const MAX_DEPTH: usize = 128;

/// Largest [`nesting_estimate`] we parse at all (it needs a 1 MiB + 8 KiB
/// per level stack: ~129 MiB of address space at this bound).
const MAX_ESTIMATE: usize = 16_384;

/// Estimates up to which saphyr runs on the caller's stack (~3.5 KiB per
/// level in a debug build).
const INLINE_ESTIMATE: usize = 48;

/// A node of the document.
#[derive(Debug)]
pub(in crate::extract) struct Node {
    /// The whole node, properties (anchor, tag) and quotes included.
    pub span: Span,
    /// A tag outside the YAML core schema (`!Ref`), if any.
    pub tag: Option<String>,
    pub kind: NodeKind,
}

#[derive(Debug)]
pub(in crate::extract) enum NodeKind {
    Null,
    /// A scalar that does not fit its core-schema tag (`!!int abc`).
    Bad,
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug)]
pub(in crate::extract) struct Scalar {
    /// The value: the decoded string, or a plain scalar's text as written
    /// (`5.10`, not the float 5.1).
    pub text: String,
    /// Written in quotes (only a plain `<<` is a merge key).
    pub quoted: bool,
    /// Given a tag that makes it a string (`!!str 1.10`), not quoted.
    pub str_tag: bool,
    /// Where `text` sits in the file when it is there byte for byte (no
    /// escapes, no line folding): sub-strings get exact spans.
    verbatim: Option<usize>,
}

impl Node {
    fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bad => "an unreadable value (one that does not fit its tag, or an alias inside its own anchor)",
            NodeKind::Scalar(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null) && self.tag.is_none()
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    /// A mapping key's text: any scalar (`1` and `"1"` alike).
    pub fn key_text(&self) -> Option<&str> {
        self.scalar().map(|s| s.text.as_str())
    }

    /// A mapping key as a name, or an error for a key that is a mapping or
    /// a list (legal YAML, but no name).
    pub fn name(&self, subject: &str) -> Result<&str, ExtractError> {
        self.key_text().ok_or_else(|| {
            ExtractError::new(
                format!("{subject}: a key must be a string, not {}", self.describe()),
                self.span.start,
            )
        })
    }

    fn is_merge_key(&self) -> bool {
        self.tag.is_none() && matches!(self.scalar(), Some(s) if !s.quoted && s.text == "<<")
    }

    /// The node as a string, `None` for null; anything else is an error.
    pub fn string(&self, subject: &str) -> Result<Option<Spanned<String>>, ExtractError> {
        if let Some(tag) = &self.tag {
            return Err(ExtractError::new(
                format!("{subject}: the YAML tag {tag} is not allowed here; write a plain string"),
                self.span.start,
            ));
        }
        match &self.kind {
            NodeKind::Null => Ok(None),
            NodeKind::Scalar(s) => Ok(Some(Spanned::new(s.text.clone(), self.span))),
            _ => Err(ExtractError::new(
                format!("{subject} must be a string, not {}", self.describe()),
                self.span.start,
            )),
        }
    }

    /// The span of `text[range]` of this scalar: exact when the scalar is
    /// in the file byte for byte, else the whole node.
    pub fn sub_span(&self, range: std::ops::Range<usize>) -> Span {
        match self.scalar() {
            Some(Scalar {
                verbatim: Some(start),
                text,
                ..
            }) if range.start <= range.end && range.end <= text.len() => {
                Span::new(start + range.start, start + range.end)
            }
            _ => self.span,
        }
    }

    /// A list's items (null is an empty list).
    pub fn items(&self, subject: &str) -> Result<&[Node], ExtractError> {
        self.no_tag(subject)?;
        match &self.kind {
            NodeKind::Seq(items) => Ok(items),
            NodeKind::Null => Ok(&[]),
            _ => Err(ExtractError::new(
                format!("{subject} must be a list, not {}", self.describe()),
                self.span.start,
            )),
        }
    }

    fn no_tag(&self, subject: &str) -> Result<(), ExtractError> {
        match &self.tag {
            Some(tag) => Err(ExtractError::new(
                format!("{subject}: the YAML tag {tag} is not allowed here"),
                self.span.start,
            )),
            None => Ok(()),
        }
    }

    /// A mapping's entries in file order, YAML merge keys (`<<: *base`)
    /// resolved as yaml.v3 does: keys written in the mapping win,
    /// then earlier merged mappings over later ones. Null is an empty
    /// mapping; anything else is an error.
    pub fn entries(&self, subject: &str) -> Result<Vec<(&Node, &Node)>, ExtractError> {
        self.no_tag(subject)?;
        let mut out = Vec::new();
        match &self.kind {
            NodeKind::Null => {}
            NodeKind::Map(_) => collect(self, subject, &mut out, &mut HashSet::new())?,
            _ => {
                return Err(ExtractError::new(
                    format!("{subject} must be a mapping, not {}", self.describe()),
                    self.span.start,
                ))
            }
        }
        Ok(out)
    }

    /// The value of `key` (exact), if present.
    pub fn get(&self, key: &str, subject: &str) -> Result<Option<(&Node, &Node)>, ExtractError> {
        self.lookup(subject, |k| k == key)
    }

    /// The value of `key` matched case-insensitively, as Pulumi YAML reads
    /// its own keys (`options`, `Version`); two spellings are an error.
    pub fn get_ci(&self, key: &str, subject: &str) -> Result<Option<(&Node, &Node)>, ExtractError> {
        self.lookup(subject, |k| k.eq_ignore_ascii_case(key))
    }

    fn lookup(
        &self,
        subject: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Option<(&Node, &Node)>, ExtractError> {
        let mut found: Option<(&Node, &Node)> = None;
        for (key, value) in self.entries(subject)? {
            if !key.key_text().is_some_and(&wanted) {
                continue;
            }
            if let Some((first, _)) = found {
                return Err(ExtractError::new(
                    format!(
                        "{subject}: {} and {} are the same key (keys are read \
                         case-insensitively)",
                        first.key_text().unwrap_or_default(),
                        key.key_text().unwrap_or_default()
                    ),
                    key.span.start,
                ));
            }
            found = Some((key, value));
        }
        Ok(found)
    }
}

fn collect<'n>(
    map: &'n Node,
    subject: &str,
    out: &mut Vec<(&'n Node, &'n Node)>,
    seen: &mut HashSet<&'n str>,
) -> Result<(), ExtractError> {
    let NodeKind::Map(pairs) = &map.kind else {
        return Err(ExtractError::new(
            format!(
                "{subject}: a merge key << needs a mapping or a list of mappings, not {}",
                map.describe()
            ),
            map.span.start,
        ));
    };
    let mut merged = Vec::new();
    for (key, value) in pairs {
        if key.is_merge_key() {
            merged.push(value);
            continue;
        }
        if let Some(text) = key.key_text() {
            seen.insert(text);
        }
        out.push((key, value));
    }
    for value in merged {
        let sources: Vec<&Node> = match &value.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![value],
        };
        for source in sources {
            let mut inner = Vec::new();
            collect(source, subject, &mut inner, &mut HashSet::new())?;
            for (key, value) in inner {
                match key.key_text() {
                    Some(text) if !seen.insert(text) => {}
                    _ => out.push((key, value)),
                }
            }
        }
    }
    Ok(())
}

/// Reads a YAML (or JSON) document; `None` for a file with no document.
pub(in crate::extract) fn load(text: &str) -> Result<Option<Node>, ExtractError> {
    if text.trim_start().starts_with('{') {
        let json_error = match load_json(text) {
            Ok(node) => return Ok(Some(node)),
            Err(err) => err,
        };
        return match load_yaml(text) {
            Ok(node) => Ok(node),
            Err(yaml_error) if yaml_error.offset > json_error.offset => Err(yaml_error),
            Err(_) => Err(json_error),
        };
    }
    load_yaml(text)
}

fn load_json(text: &str) -> Result<Node, ExtractError> {
    let parsed = super::parse_strict_json(text)?;
    match &parsed {
        Some(value) => json_node(text, value, 0),
        None => Err(ExtractError::new("empty JSON document", 0)),
    }
}

fn too_deep(offset: usize) -> ExtractError {
    ExtractError::new(
        format!("nested more than {MAX_DEPTH} levels deep: not a file iacgate will read"),
        offset,
    )
}

fn quoted_scalar(text: &str, value: String, span: Span) -> Scalar {
    let inner = span.start + 1..span.end.saturating_sub(1);
    let verbatim = (inner.start <= inner.end && text.get(inner.clone()) == Some(value.as_str()))
        .then_some(inner.start);
    Scalar {
        text: value,
        quoted: true,
        str_tag: false,
        verbatim,
    }
}

fn json_node(text: &str, value: &JsonValue, depth: usize) -> Result<Node, ExtractError> {
    let span = Span::new(value.start(), value.end());
    if depth > MAX_DEPTH {
        return Err(too_deep(span.start));
    }
    let plain = |raw: &str| Scalar {
        text: raw.to_owned(),
        quoted: false,
        str_tag: false,
        verbatim: Some(span.start),
    };
    let kind = match value {
        JsonValue::NullKeyword(_) => NodeKind::Null,
        JsonValue::BooleanLit(lit) => {
            NodeKind::Scalar(plain(if lit.value { "true" } else { "false" }))
        }
        JsonValue::NumberLit(lit) => NodeKind::Scalar(plain(lit.value)),
        JsonValue::StringLit(lit) => {
            NodeKind::Scalar(quoted_scalar(text, lit.value.to_string(), span))
        }
        JsonValue::Array(array) => NodeKind::Seq(
            array
                .elements
                .iter()
                .map(|element| json_node(text, element, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        JsonValue::Object(object) => {
            let mut seen = HashSet::new();
            let mut pairs = Vec::with_capacity(object.properties.len());
            for prop in &object.properties {
                let (name, key_span) = match &prop.name {
                    ObjectPropName::String(lit) => {
                        (lit.value.to_string(), Span::new(lit.start(), lit.end()))
                    }
                    ObjectPropName::Word(word) => {
                        (word.value.to_owned(), Span::new(word.start(), word.end()))
                    }
                };
                if !seen.insert(name.clone()) {
                    return Err(ExtractError::new(
                        format!("duplicate key \"{name}\" in a JSON object"),
                        key_span.start,
                    ));
                }
                let key = Node {
                    span: key_span,
                    tag: None,
                    kind: NodeKind::Scalar(quoted_scalar(text, name, key_span)),
                };
                pairs.push((key, json_node(text, &prop.value, depth + 1)?));
            }
            NodeKind::Map(pairs)
        }
    };
    Ok(Node {
        span,
        tag: None,
        kind,
    })
}

/// An upper bound on how many levels saphyr's loader recurses for `text`,
/// and the offset of the line that makes it so large.
///
/// In block context every nested level starts further right than its parent,
/// except a list written at its key's column (`key:\n- item`), so a level
/// at column `c` is at most `2c + 2` block levels deep; a line's first
/// column that is not indentation or an indicator (` `, tab, `-`, `?`, `:`)
/// bounds the columns of the nodes it starts. Flow levels need one `[` or `{`
/// each, and saphyr allows at most 255 of them.
pub(in crate::extract) fn nesting_estimate(text: &str) -> (usize, usize) {
    let (mut widest, mut widest_at) = (0usize, 0usize);
    let mut offset = 0;
    for line in text.split(['\n', '\r', '\0']) {
        let column = line
            .chars()
            .position(|c| !matches!(c, ' ' | '\t' | '-' | '?' | ':' | '\u{feff}'))
            .unwrap_or_else(|| line.chars().count());
        if column > widest {
            (widest, widest_at) = (column, offset);
        }
        offset += line.len() + 1;
    }
    let brackets = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    (
        widest.saturating_mul(2).saturating_add(2) + brackets.min(256),
        widest_at,
    )
}

/// Reads every document of a YAML stream (`---` separated), empty ones
/// left out; a file whose first character is `{` may be one JSON document.
pub(in crate::extract) fn load_all(text: &str) -> Result<Vec<Node>, ExtractError> {
    if text.trim_start().starts_with('{') {
        return Ok(load(text)?.into_iter().collect());
    }
    load_yaml_docs(text)
}

fn load_yaml(text: &str) -> Result<Option<Node>, ExtractError> {
    let mut docs = load_yaml_docs_limited(text, true)?.into_iter();
    Ok(docs.next())
}

fn load_yaml_docs(text: &str) -> Result<Vec<Node>, ExtractError> {
    load_yaml_docs_limited(text, false)
}

fn load_yaml_docs_limited(text: &str, one: bool) -> Result<Vec<Node>, ExtractError> {
    let (estimate, at) = nesting_estimate(text);
    if estimate <= INLINE_ESTIMATE {
        return parse_yaml(text, one);
    }
    if estimate > MAX_ESTIMATE {
        return Err(ExtractError::new(
            "YAML indented or nested too deeply for iacgate to read safely",
            at.min(text.len()),
        ));
    }
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("iacgate-yaml".to_owned())
            .stack_size((1 << 20) + estimate * (8 << 10))
            .spawn_scoped(scope, || parse_yaml(text, one));
        match thread {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => Err(ExtractError::new(
                "no thread with a stack large enough to read this deeply nested YAML",
                at.min(text.len()),
            )),
        }
    })
}

fn parse_yaml(text: &str, one: bool) -> Result<Vec<Node>, ExtractError> {
    let offsets = CharOffsets::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|err| {
        ExtractError::new(
            format!("YAML syntax error: {}", one_line(err.info())),
            offsets.byte(err.marker().index()),
        )
    })?;
    if let (true, Some(second)) = (one, docs.get(1)) {
        return Err(ExtractError::new(
            "a second YAML document (---): this file holds one",
            offsets.byte(second.span.start.index()),
        ));
    }
    let reader = YamlReader { text, offsets };
    let mut nodes = Vec::with_capacity(docs.len());
    for doc in &docs {
        let node = reader.node(doc, None, 0)?;
        if !node.is_null() {
            nodes.push(node);
        }
    }
    Ok(nodes)
}

struct YamlReader<'t> {
    text: &'t str,
    offsets: CharOffsets,
}

impl YamlReader<'_> {
    fn node(
        &self,
        yaml: &MarkedYaml,
        outer: Option<Span>,
        depth: usize,
    ) -> Result<Node, ExtractError> {
        let span = outer.unwrap_or_else(|| {
            Span::new(
                self.offsets.byte(yaml.span.start.index()),
                self.offsets.byte(yaml.span.end.index()),
            )
        });
        if depth > MAX_DEPTH {
            return Err(too_deep(span.start));
        }
        let span = match &yaml.data {
            YamlData::Value(YamlScalar::String(_)) => closing_quote(self.text, span),
            _ => span,
        };
        let kind = match &yaml.data {
            YamlData::Value(YamlScalar::Null) => NodeKind::Null,
            YamlData::Value(scalar) => NodeKind::Scalar(self.scalar(scalar, span)),
            YamlData::Representation(raw, ..) => NodeKind::Scalar(Scalar {
                text: raw.to_string(),
                quoted: false,
                str_tag: false,
                verbatim: None,
            }),
            YamlData::Sequence(items) => NodeKind::Seq(
                items
                    .iter()
                    .map(|item| self.node(item, None, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            YamlData::Mapping(pairs) => NodeKind::Map(
                pairs
                    .iter()
                    .map(|(key, value)| {
                        Ok((
                            self.node(key, None, depth + 1)?,
                            self.node(value, None, depth + 1)?,
                        ))
                    })
                    .collect::<Result<_, ExtractError>>()?,
            ),
            YamlData::Tagged(tag, inner) => {
                // A tagged scalar's inner node has no span of its own.
                let mut node = self.node(inner, Some(span), depth)?;
                node.tag = Some(format!("{}{}", tag.handle, tag.suffix));
                return Ok(node);
            }
            YamlData::Alias(_) => {
                return Err(ExtractError::new("unresolved YAML alias", span.start))
            }
            YamlData::BadValue => NodeKind::Bad,
        };
        Ok(Node {
            span,
            tag: None,
            kind,
        })
    }

    fn scalar(&self, scalar: &YamlScalar, span: Span) -> Scalar {
        let content = skip_properties(self.text, span);
        let raw = self.text.get(content..span.end).unwrap_or_default();
        let quoted = raw.starts_with(['"', '\'']);
        match scalar {
            YamlScalar::String(value) if quoted => {
                quoted_scalar(self.text, value.to_string(), Span::new(content, span.end))
            }
            YamlScalar::String(value) => Scalar {
                verbatim: (raw == value.as_ref()).then_some(content),
                text: value.to_string(),
                quoted: false,
                str_tag: self
                    .text
                    .get(span.start..content)
                    .is_some_and(|properties| properties.contains('!')),
            },
            // Numbers and booleans as written; an alias (`*v`) has only the value.
            other => {
                let as_written = !raw.is_empty() && !raw.starts_with('*') && !raw.contains('\n');
                let text = if as_written {
                    raw.to_owned()
                } else {
                    match other {
                        YamlScalar::Boolean(b) => b.to_string(),
                        YamlScalar::Integer(i) => i.to_string(),
                        YamlScalar::FloatingPoint(f) => f.to_string(),
                        _ => String::new(),
                    }
                };
                Scalar {
                    verbatim: as_written.then_some(content),
                    text,
                    quoted: false,
                    str_tag: false,
                }
            }
        }
    }
}

/// A quoted scalar's span ends at its closing quote: saphyr's end marker
/// can lie past the spaces and the comment that follow it on its line.
fn closing_quote(text: &str, span: Span) -> Span {
    let start = skip_properties(text, span);
    let bytes = text.as_bytes();
    let Some(&quote) = bytes.get(start).filter(|b| matches!(b, b'"' | b'\'')) else {
        return span;
    };
    let mut i = start + 1;
    while i < span.end.min(bytes.len()) {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Span::new(span.start, i + 1),
            _ => i += 1,
        }
    }
    span
}

/// The offset where a scalar's content starts: past its anchor (`&a`) and
/// tag (`!!str`), and the spaces and comments between them.
fn skip_properties(text: &str, span: Span) -> usize {
    let Some(region) = text.get(span.start..span.end) else {
        return span.start;
    };
    let bytes = region.as_bytes();
    let mut i = 0;
    loop {
        match bytes.get(i) {
            Some(b'&' | b'!') => {
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'#') if i > 0 && bytes[i - 1].is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    // Whitespace is ASCII, so `i` is on a character boundary.
    if i == 0 || !region.is_char_boundary(i) {
        span.start
    } else {
        span.start + i
    }
}

/// saphyr counts positions in characters; spans are bytes.
struct CharOffsets {
    /// Byte offset of each character, then the length; empty for ASCII.
    starts: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        };
        CharOffsets {
            starts,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.starts.is_empty() {
            char_index.min(self.len)
        } else {
            self.starts.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        load(text).unwrap().unwrap()
    }

    fn string_at(node: &Node, key: &str) -> Spanned<String> {
        node.get(key, "t")
            .unwrap()
            .unwrap()
            .1
            .string("t")
            .unwrap()
            .unwrap()
    }

    #[test]
    fn scalars_keep_their_text_and_spans() {
        let text =
            "a: 5.10\nb: \"x\\ty\"\nc: 'it''s'\nd: &anchor !!str 1.2.3\ne: é-ü\nf: *anchor\n";
        let doc = root(text);
        let a = string_at(&doc, "a");
        assert_eq!(a.value, "5.10");
        assert_eq!(&text[a.span.start..a.span.end], "5.10");
        let b = string_at(&doc, "b");
        assert_eq!(b.value, "x\ty");
        assert_eq!(&text[b.span.start..b.span.end], "\"x\\ty\"");
        assert_eq!(string_at(&doc, "c").value, "it's");
        let d = string_at(&doc, "d");
        assert_eq!(d.value, "1.2.3");
        let (_, d_node) = doc.get("d", "t").unwrap().unwrap();
        let sub = d_node.sub_span(2..5);
        assert_eq!(&text[sub.start..sub.end], "2.3");
        let (_, e_node) = doc.get("e", "t").unwrap().unwrap();
        let sub = e_node.sub_span(2..3);
        assert_eq!(&text[sub.start..sub.end], "-");
        assert_eq!(string_at(&doc, "f").value, "1.2.3");
    }

    #[test]
    fn merge_keys() {
        let text = "base: &base {version: 1.0.0, url: x}\nother: &other {pin: a, url: y}\n\
                    m:\n  <<: [*base, *other]\n  url: z\n";
        let doc = root(text);
        let (_, m) = doc.get("m", "t").unwrap().unwrap();
        let keys: Vec<_> = m
            .entries("m")
            .unwrap()
            .iter()
            .map(|(k, v)| (k.key_text().unwrap(), v.key_text().unwrap()))
            .collect();
        assert_eq!(keys, [("url", "z"), ("version", "1.0.0"), ("pin", "a")]);
        let bad = root("m:\n  <<: 3\n");
        let (_, m) = bad.get("m", "t").unwrap().unwrap();
        assert!(m.entries("m").unwrap_err().message.contains("merge key"));
    }

    #[test]
    fn case_insensitive_lookup_rejects_two_spellings() {
        let doc = root("options:\n  version: 1.0.0\n  Version: 2.0.0\n");
        let (_, options) = doc.get("options", "t").unwrap().unwrap();
        let err = options.get_ci("version", "options").unwrap_err();
        assert_eq!(err.offset, 28);
    }

    #[test]
    fn json_with_tabs_and_duplicates() {
        let doc = root("{\n\t\"a\":\t\"1.0.0\"\n}\n");
        assert_eq!(string_at(&doc, "a").value, "1.0.0");
        let err = load("{\"a\": 1, \"a\": 2}").unwrap_err();
        assert_eq!(err.offset, 9);
        // Not JSON, but flow YAML.
        let doc = root("{a: 1.0.0}");
        assert_eq!(string_at(&doc, "a").value, "1.0.0");
        // Neither: the error that got further.
        let err = load("{\"a\": [1, 2}").unwrap_err();
        assert!(err.offset >= 11, "{err:?}");
    }

    #[test]
    fn quoted_scalars_end_at_their_quote() {
        let text = "a: \"x\\\"y\"   # comment\nb: 'it''s'  # more\nc: plain # c\n";
        let doc = root(text);
        for (key, want) in [("a", "\"x\\\"y\""), ("b", "'it''s'"), ("c", "plain")] {
            let (_, value) = doc.get(key, "t").unwrap().unwrap();
            assert_eq!(&text[value.span.start..value.span.end], want);
        }
    }

    #[test]
    fn errors_and_limits() {
        assert!(load("").unwrap().is_none());
        assert!(load("# nothing\n").unwrap().is_none());
        assert!(load("~\n").unwrap().is_none());
        let err = load("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(err.message.contains("second YAML document"));
        let err = load("a: [1\nb: 2\n").unwrap_err();
        assert!(err.message.starts_with("YAML syntax error"), "{err:?}");
        let err = load("a: 1\na: 2\n").unwrap_err();
        assert!(err.offset >= 5, "{err:?}");
        // Non-ASCII before an error: the offset is in bytes.
        let err = load("é: ü\nb: [\n").unwrap_err();
        assert!(err.offset <= 13 && err.offset >= 9, "{err:?}");
        let deep = format!("{}x{}", "[".repeat(200), "]".repeat(200));
        assert!(load(&deep).unwrap_err().message.contains("nested"));
        let deep = format!("{}x\n", "- ".repeat(5000));
        assert!(load(&deep).is_err());
        let deep = format!("{}x\n", "- ".repeat(20_000));
        assert!(load(&deep).unwrap_err().message.contains("too deeply"));
        let bomb = (1..12).fold(
            "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned(),
            |s, i| {
                let p = format!("*a{}", i - 1);
                format!("{s}a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", "))
            },
        );
        assert!(load(&bomb).is_err());
        // An alias inside its own anchor: whatever saphyr makes of it, no hang.
        let _ = load("a: &a [*a, {b: *a}]\n");
    }
}
