//! One document tree for both template syntaxes, with byte spans.
//!
//! YAML goes through saphyr's marked loader (which checks duplicate keys and
//! budgets alias expansion); JSON through jsonc-parser in strict mode. Either
//! way the result is a [`Node`] whose scalars keep the text they were written
//! as (`1.10` stays `"1.10"`), whose YAML tags (`!Ref`, `!Sub`) are kept, and
//! whose spans are byte offsets into the text.

use std::collections::{HashMap, HashSet};

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar as YamlScalar, ScanError, Tag, YamlData};

use super::super::one_line;
use crate::model::{ExtractError, Span};

/// How deep [`from_yaml`] and [`from_json`] recurse before giving up. The
/// textual guards keep real input far below this; it is a backstop.
const MAX_DEPTH: usize = 4_000;

/// A YAML or JSON node.
#[derive(Debug)]
pub(super) struct Node {
    /// The whole node as written, YAML tag and anchor included.
    pub span: Span,
    /// The YAML tag as written in short form: `!Ref`, `!!str`.
    pub tag: Option<String>,
    pub shape: Shape,
}

#[derive(Debug)]
pub(super) enum Shape {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug)]
pub(super) struct Scalar {
    /// The string value; for numbers and booleans the text as written.
    pub value: String,
    /// `null`, `~` or nothing at all.
    pub null: bool,
    /// Where `value` appears verbatim in the text, when it does (no escapes,
    /// no folding): lets a part of the value get its own span.
    pub at: Option<usize>,
}

impl Node {
    /// The value of a non-null scalar, whatever its tag.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.shape {
            Shape::Scalar(s) if !s.null => Some(s),
            _ => None,
        }
    }

    /// A non-null scalar without a local tag (`!Ref x` is not a string).
    pub fn as_str(&self) -> Option<&str> {
        if self.local_tag().is_some() {
            return None;
        }
        self.scalar().map(|s| s.value.as_str())
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.shape, Shape::Scalar(s) if s.null) && self.local_tag().is_none()
    }

    /// `Ref` for `!Ref`: a tag with the primary handle, not a core `!!` tag.
    pub fn local_tag(&self) -> Option<&str> {
        let tag = self.tag.as_deref()?;
        let name = tag.strip_prefix('!')?;
        (!name.starts_with('!') && !name.is_empty()).then_some(name)
    }

    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.shape {
            Shape::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match &self.shape {
            Shape::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entry whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.scalar().is_some_and(|s| s.value == key))
            .map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }
}

/// Parses a YAML stream into its documents.
pub(super) fn from_yaml(text: &str) -> Result<Vec<Node>, ExtractError> {
    let offsets = Offsets::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| scan_error(text, &offsets, &e))?;
    let mut conv = YamlConv {
        text,
        offsets,
        anchors: HashMap::new(),
    };
    docs.iter().map(|doc| conv.node(doc, 0)).collect()
}

fn scan_error(text: &str, offsets: &Offsets, e: &ScanError) -> ExtractError {
    let offset = offsets.byte(e.marker().index()).min(text.len());
    ExtractError::new(format!("YAML syntax error: {}", one_line(e.info())), offset)
}

/// saphyr's markers count characters; spans count bytes.
struct Offsets(Option<Vec<usize>>);

impl Offsets {
    fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets(None);
        }
        let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        table.push(text.len());
        Offsets(Some(table))
    }

    fn byte(&self, index: usize) -> usize {
        match &self.0 {
            None => index,
            Some(table) => table
                .get(index)
                .copied()
                .unwrap_or_else(|| table.last().copied().unwrap_or(0)),
        }
    }
}

struct YamlConv<'t> {
    text: &'t str,
    offsets: Offsets,
    /// Anchor name -> the content span of the node it was last set on.
    anchors: HashMap<String, Span>,
}

/// What precedes a node's content: its tag and anchor, or that it is an alias.
struct Props<'t> {
    anchor: Option<&'t str>,
    alias: Option<&'t str>,
    content: usize,
}

impl<'t> YamlConv<'t> {
    fn node(&mut self, m: &MarkedYaml, depth: usize) -> Result<Node, ExtractError> {
        let len = self.text.len();
        let start = self.offsets.byte(m.span.start.index()).min(len);
        let marked_end = self.offsets.byte(m.span.end.index()).clamp(start, len);
        if depth > MAX_DEPTH {
            return Err(ExtractError::new("YAML nested too deeply", start));
        }
        let (tag, data) = match &m.data {
            YamlData::Tagged(tag, inner) => (Some(tag_text(tag)), &inner.data),
            data => (None, data),
        };
        let props = self.props(start);
        if let Some(alias) = props.alias {
            // An alias is a copy of its anchor's node, spanning the `*name`.
            let end = start + 1 + alias.len();
            let raw = self.anchors.get(alias).map(|s| &self.text[s.start..s.end]);
            let shape = match data {
                YamlData::Sequence(items) => Shape::Seq(self.children(items, depth)?),
                YamlData::Mapping(map) => Shape::Map(self.pairs(map, depth)?),
                data => Shape::Scalar(scalar(data, raw.unwrap_or(""), None)),
            };
            return Ok(Node {
                span: Span::new(start, end),
                tag,
                shape,
            });
        }
        let content = props.content.min(len);
        let (shape, end) = match data {
            YamlData::Sequence(items) => {
                let items = self.children(items, depth)?;
                let end =
                    self.collection_end(content, marked_end, items.last().map(|n| n.span.end));
                (Shape::Seq(items), end)
            }
            YamlData::Mapping(map) => {
                let pairs = self.pairs(map, depth)?;
                let last = pairs.last().map(|(k, v)| k.span.end.max(v.span.end));
                let end = self.collection_end(content, marked_end, last);
                (Shape::Map(pairs), end)
            }
            data => {
                // An empty tagged scalar (`Key: !Ref`) has no content: what
                // follows its tag belongs to the next node.
                let content = content.min(marked_end);
                let end = marked_end;
                let raw = self.text[content..end].trim_end();
                (
                    Shape::Scalar(scalar(data, raw, Some(content))),
                    content + raw.len(),
                )
            }
        };
        let end = end.max(start);
        if let Some(anchor) = props.anchor {
            self.anchors
                .insert(anchor.to_owned(), Span::new(content.min(end), end));
        }
        Ok(Node {
            span: Span::new(start, end),
            tag,
            shape,
        })
    }

    fn children(&mut self, items: &[MarkedYaml], depth: usize) -> Result<Vec<Node>, ExtractError> {
        items
            .iter()
            .map(|item| self.node(item, depth + 1))
            .collect()
    }

    fn pairs(
        &mut self,
        map: &saphyr::AnnotatedMapping<'_, MarkedYaml>,
        depth: usize,
    ) -> Result<Vec<(Node, Node)>, ExtractError> {
        map.iter()
            .map(|(k, v)| Ok((self.node(k, depth + 1)?, self.node(v, depth + 1)?)))
            .collect()
    }

    /// A flow collection ends after its closing bracket (saphyr's end marker
    /// is on it); a block collection ends with its last child (saphyr's end
    /// marker is wherever the next token is, past comments and blank lines).
    fn collection_end(
        &self,
        content: usize,
        marked_end: usize,
        last_child: Option<usize>,
    ) -> usize {
        let bytes = self.text.as_bytes();
        match bytes.get(content) {
            Some(b'[' | b'{') => match bytes.get(marked_end) {
                Some(b']' | b'}') => marked_end + 1,
                _ => marked_end.max(last_child.unwrap_or(content)),
            },
            _ => last_child.unwrap_or(content).max(content),
        }
    }

    /// Reads the tag and anchor tokens (or an alias) at the start of a node.
    fn props(&self, start: usize) -> Props<'t> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut props = Props {
            anchor: None,
            alias: None,
            content: start,
        };
        if bytes.get(start) == Some(&b'*') {
            props.alias = Some(&text[start + 1..token_end(bytes, start)]);
            return props;
        }
        let mut i = start;
        while matches!(bytes.get(i), Some(b'!' | b'&')) {
            let end = token_end(bytes, i);
            if bytes[i] == b'&' {
                props.anchor = Some(&text[i + 1..end]);
            }
            // The separation after a property, comments included.
            i = end;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                    b'#' => {
                        while bytes.get(i).is_some_and(|&b| b != b'\n') {
                            i += 1;
                        }
                    }
                    _ => break,
                }
            }
        }
        props.content = i;
        props
    }
}

/// The end of a tag, anchor or alias token starting at `i`.
fn token_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(&b) = bytes.get(j) {
        if matches!(
            b,
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
        ) {
            break;
        }
        j += 1;
    }
    j
}

fn tag_text(tag: &Tag) -> String {
    match tag.handle.as_str() {
        "!" => format!("!{}", tag.suffix),
        "tag:yaml.org,2002:" | "!!" => format!("!!{}", tag.suffix),
        handle => format!("{handle}{}", tag.suffix),
    }
}

/// A scalar from saphyr's parsed value and the text it was written as.
fn scalar<'a>(data: &YamlData<'a, MarkedYaml<'a>>, raw: &str, content: Option<usize>) -> Scalar {
    let (value, null) = match data {
        YamlData::Value(YamlScalar::String(s)) => (s.to_string(), false),
        YamlData::Value(YamlScalar::Null) => (String::new(), true),
        YamlData::Representation(v, _, _) => (v.to_string(), false),
        _ => (raw.to_owned(), raw.is_empty()),
    };
    let at = content.and_then(|at| verbatim(raw, &value, at));
    Scalar { value, null, at }
}

/// Where `value` appears verbatim in `raw` (written at `at`): as all of it,
/// or between its quotes.
fn verbatim(raw: &str, value: &str, at: usize) -> Option<usize> {
    if raw == value {
        return Some(at);
    }
    let quoted = raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    (quoted && &raw[1..raw.len() - 1] == value).then_some(at + 1)
}

/// A JSON document, and the first repeated key in it (which is an error
/// only in a template: an ordinary JSON file is not ours to judge).
pub(super) struct JsonDoc {
    pub root: Node,
    pub duplicate: Option<ExtractError>,
}

pub(super) fn from_json(text: &str) -> Result<JsonDoc, ExtractError> {
    let parsed = super::super::parse_strict_json(text)?;
    let Some(value) = &parsed else {
        return Err(ExtractError::new("empty JSON file", 0));
    };
    let mut conv = JsonConv {
        text,
        duplicate: None,
    };
    let root = conv.node(value, 0)?;
    Ok(JsonDoc {
        root,
        duplicate: conv.duplicate,
    })
}

struct JsonConv<'t> {
    text: &'t str,
    duplicate: Option<ExtractError>,
}

impl JsonConv<'_> {
    fn node(&mut self, value: &Value, depth: usize) -> Result<Node, ExtractError> {
        let span = Span::new(value.start(), value.end());
        if depth > MAX_DEPTH {
            return Err(ExtractError::new("JSON nested too deeply", span.start));
        }
        let shape = match value {
            Value::StringLit(lit) => Shape::Scalar(self.string(&lit.value, span)),
            Value::NumberLit(n) => Shape::Scalar(Scalar {
                value: n.value.to_owned(),
                null: false,
                at: Some(span.start),
            }),
            Value::BooleanLit(b) => Shape::Scalar(Scalar {
                value: b.value.to_string(),
                null: false,
                at: Some(span.start),
            }),
            Value::NullKeyword(_) => Shape::Scalar(Scalar {
                value: String::new(),
                null: true,
                at: None,
            }),
            Value::Array(array) => Shape::Seq(
                array
                    .elements
                    .iter()
                    .map(|v| self.node(v, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(object) => {
                let mut seen = HashSet::new();
                let mut pairs = Vec::with_capacity(object.properties.len());
                for prop in &object.properties {
                    let (name, key_span) = match &prop.name {
                        ObjectPropName::String(lit) => {
                            (lit.value.as_ref(), Span::new(lit.start(), lit.end()))
                        }
                        ObjectPropName::Word(word) => {
                            (word.value, Span::new(word.start(), word.end()))
                        }
                    };
                    if !seen.insert(name) && self.duplicate.is_none() {
                        self.duplicate = Some(ExtractError::new(
                            format!("duplicate key \"{name}\" (CloudFormation takes one of them silently: write it once)"),
                            key_span.start,
                        ));
                    }
                    let key = Node {
                        span: key_span,
                        tag: None,
                        shape: Shape::Scalar(self.string(name, key_span)),
                    };
                    pairs.push((key, self.node(&prop.value, depth + 1)?));
                }
                Shape::Map(pairs)
            }
        };
        Ok(Node {
            span,
            tag: None,
            shape,
        })
    }

    fn string(&self, value: &str, span: Span) -> Scalar {
        let raw = &self.text[span.start..span.end];
        Scalar {
            value: value.to_owned(),
            null: false,
            at: verbatim(raw, value, span.start),
        }
    }
}
