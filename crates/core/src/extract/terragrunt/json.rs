//! `terragrunt.hcl.json`: Terragrunt's JSON form of a unit, read by
//! rewriting it as the native syntax it stands for and judging that as a
//! `terragrunt.hcl`, with every span mapped back into the JSON text.
//!
//! HCL's JSON syntax needs the schema to tell blocks from attributes; this
//! is Terragrunt's: `terraform`, `locals`, `remote_state`, `dependencies`,
//! `exclude`, `errors`, `engine` and `catalog` are blocks, `include`,
//! `dependency`, `generate`, `feature`, `unit` and `stack` are blocks with
//! one label (an object of label -> body, or an array of such objects; an
//! `include` whose object has a string `path` is the old unlabeled form),
//! and everything else is an attribute. Inside a block every key is an
//! attribute (`extra_arguments` and the hooks of `terraform` become
//! attributes holding objects, which declare nothing). A string is a
//! template, as HCL's JSON syntax reads it: `${...}` interpolations and
//! `%{...}` directives keep their meaning.

use jsonc_parser::ast::{ObjectProp, ObjectPropName, Value};
use jsonc_parser::common::Ranged;

use crate::extract::parse_strict_json;
use crate::model::ExtractError;

/// Blocks without a label.
const BLOCKS: &[&str] = &[
    "terraform",
    "locals",
    "remote_state",
    "dependencies",
    "exclude",
    "errors",
    "engine",
    "catalog",
];

/// Blocks with one label.
const LABELED: &[&str] = &[
    "include",
    "dependency",
    "generate",
    "feature",
    "unit",
    "stack",
];

/// The native text, and where each piece of it was written in the JSON:
/// `(native start, native end, JSON start, JSON end)`, in native order.
pub(super) struct Native {
    pub text: String,
    pieces: Vec<(usize, usize, usize, usize)>,
}

impl Native {
    /// The JSON offset of a native offset: inside a piece, as far into the
    /// JSON token (at most its last byte); between pieces, the start of the
    /// piece before.
    pub fn map(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.0 <= offset);
        match i.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(start, _, json_start, json_end)) => {
                (json_start + (offset - start)).min(json_end.saturating_sub(1).max(json_start))
            }
            None => 0,
        }
    }
}

/// The native syntax `text` (a JSON object) stands for.
pub(super) fn to_native(text: &str) -> Result<Native, ExtractError> {
    let root = match parse_strict_json(text)? {
        Some(Value::Object(root)) => root,
        Some(other) => {
            return Err(ExtractError::new(
                "terragrunt.hcl.json must hold one JSON object",
                other.start(),
            ))
        }
        None => {
            return Err(ExtractError::new(
                "empty file: terragrunt.hcl.json must hold one JSON object",
                0,
            ))
        }
    };
    let mut out = Native {
        text: String::new(),
        pieces: Vec::new(),
    };
    for prop in props(&root.properties) {
        let key = name(prop);
        if BLOCKS.contains(&key) {
            for body in objects(&prop.value, key)? {
                block(&mut out, prop, &[], body)?;
            }
        } else if LABELED.contains(&key) {
            for labels in objects(&prop.value, key)? {
                let old_include = key == "include"
                    && props(labels).any(|p| name(p) == "path" && is_string(&p.value));
                if old_include {
                    block(&mut out, prop, &[], labels)?;
                    continue;
                }
                for labeled in props(labels) {
                    for body in objects(&labeled.value, key)? {
                        block(&mut out, prop, &[labeled], body)?;
                    }
                }
            }
        } else {
            attribute(&mut out, prop)?;
        }
    }
    Ok(out)
}

fn name<'p>(prop: &'p ObjectProp) -> &'p str {
    match &prop.name {
        ObjectPropName::String(lit) => &lit.value,
        ObjectPropName::Word(word) => word.value,
    }
}

fn name_range(prop: &ObjectProp) -> (usize, usize) {
    match &prop.name {
        ObjectPropName::String(lit) => (lit.start(), lit.end()),
        ObjectPropName::Word(word) => (word.start(), word.end()),
    }
}

fn is_string(value: &Value) -> bool {
    matches!(value, Value::StringLit(_))
}

/// Properties that are not `"//"` comments.
fn props<'o, 'a>(properties: &'o [ObjectProp<'a>]) -> impl Iterator<Item = &'o ObjectProp<'a>> {
    properties.iter().filter(|prop| name(prop) != "//")
}

/// A block's value: an object, or an array of objects; their properties.
fn objects<'v, 'a>(
    value: &'v Value<'a>,
    what: &str,
) -> Result<Vec<&'v [ObjectProp<'a>]>, ExtractError> {
    let not_object = |v: &Value| {
        ExtractError::new(
            format!("`{what}` must be an object (or an array of objects)"),
            v.start(),
        )
    };
    match value {
        Value::Object(object) => Ok(vec![object.properties.as_slice()]),
        Value::Array(array) => array
            .elements
            .iter()
            .map(|element| match element {
                Value::Object(object) => Ok(object.properties.as_slice()),
                other => Err(not_object(other)),
            })
            .collect(),
        other => Err(not_object(other)),
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Native {
    fn piece(&mut self, json: (usize, usize), write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        self.pieces.push((start, self.text.len(), json.0, json.1));
    }

    /// A key as a native name, or an error at it.
    fn name(&mut self, prop: &ObjectProp) -> Result<(), ExtractError> {
        let key = name(prop);
        let range = name_range(prop);
        if !is_identifier(key) {
            return Err(ExtractError::new(
                format!("`{key}` is not a name Terragrunt accepts as an attribute or block"),
                range.0,
            ));
        }
        self.piece(range, |out| out.push_str(key));
        Ok(())
    }
}

/// `ident "label" { attributes }`.
fn block(
    out: &mut Native,
    ident: &ObjectProp,
    labels: &[&ObjectProp],
    body: &[ObjectProp],
) -> Result<(), ExtractError> {
    out.name(ident)?;
    for label in labels {
        out.text.push(' ');
        let range = name_range(label);
        out.piece(range, |text| quoted(text, name(label), false));
    }
    out.text.push_str(" {\n");
    for prop in props(body) {
        attribute(out, prop)?;
    }
    out.text.push_str("}\n");
    Ok(())
}

/// `key = value`.
fn attribute(out: &mut Native, prop: &ObjectProp) -> Result<(), ExtractError> {
    out.name(prop)?;
    out.text.push_str(" = ");
    value(out, &prop.value)?;
    out.text.push('\n');
    Ok(())
}

fn value(out: &mut Native, value: &Value) -> Result<(), ExtractError> {
    let range = (value.start(), value.end());
    match value {
        Value::StringLit(lit) => out.piece(range, |text| quoted(text, &lit.value, true)),
        Value::NumberLit(number) => out.piece(range, |text| text.push_str(number.value)),
        Value::BooleanLit(b) => out.piece(range, |text| {
            text.push_str(if b.value { "true" } else { "false" })
        }),
        Value::NullKeyword(_) => out.piece(range, |text| text.push_str("null")),
        Value::Array(array) => {
            out.piece((range.0, range.0 + 1), |text| text.push('['));
            for (i, element) in array.elements.iter().enumerate() {
                if i > 0 {
                    out.text.push_str(", ");
                }
                self::value(out, element)?;
            }
            out.text.push(']');
        }
        Value::Object(object) => {
            out.piece((range.0, range.0 + 1), |text| text.push_str("{\n"));
            for prop in props(&object.properties) {
                let key = name_range(prop);
                out.piece(key, |text| quoted(text, name(prop), false));
                out.text.push_str(" = ");
                self::value(out, &prop.value)?;
                out.text.push('\n');
            }
            out.text.push('}');
        }
    }
    Ok(())
}

/// A JSON string as a native quoted string. With `template`, what is
/// inside `${...}` and `%{...}` is an expression, written as is (its own
/// quotes unescaped); everything else is escaped. Without, `${` is
/// escaped too (a label or an object key is no template).
fn quoted(out: &mut String, value: &str, template: bool) {
    out.push('"');
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < value.len() {
        let rest = &value[i..];
        let opens = rest.starts_with("${") || rest.starts_with("%{");
        if opens && template {
            // An escaped `$${` / `%%{` was written out below already.
            let end = interpolation_end(bytes, i + 2);
            out.push_str(&value[i..end]);
            i = end;
            continue;
        }
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push_str(&rest[..3]);
            i += 3;
            continue;
        }
        let Some(c) = rest.chars().next() else {
            break;
        };
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if !template && rest[1..].starts_with('{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
        i += c.len_utf8();
    }
    out.push('"');
}

/// Where the interpolation whose body starts at `from` ends (past its
/// `}`), counting nested braces and skipping quoted strings; the end of
/// the text when it does not close (the native parser then reports it).
fn interpolation_end(bytes: &[u8], from: usize) -> usize {
    let mut depth = 1usize;
    let mut in_string = false;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'{' if !in_string => depth += 1,
            b'}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_labels_attributes_and_templates() {
        let json = r#"{
  "//": "generated",
  "include": {"root": {"path": "${find_in_parent_folders(\"root.hcl\")}", "expose": true}},
  "locals": {"ref": "v1.2.3", "n": 2, "list": ["a", null]},
  "terraform": {"source": "git::https://x.test/m.git?ref=${local.ref}"},
  "inputs": {"name": "a \"b\"", "x-y": {"z": false}}
}"#;
        let native = to_native(json).unwrap();
        assert_eq!(
            native.text,
            "include \"root\" {\npath = \"${find_in_parent_folders(\"root.hcl\")}\"\nexpose = true\n}\nlocals {\nref = \"v1.2.3\"\nn = 2\nlist = [\"a\", null]\n}\nterraform {\nsource = \"git::https://x.test/m.git?ref=${local.ref}\"\n}\ninputs = {\n\"name\" = \"a \\\"b\\\"\"\n\"x-y\" = {\n\"z\" = false\n}\n}\n"
        );
        let at = native.text.find("\"git::").unwrap();
        assert_eq!(native.map(at), json.find("\"git::").unwrap());
        assert!(hcl::edit::parser::parse_body(&native.text).is_ok());
    }

    #[test]
    fn the_old_include_and_arrays_of_blocks() {
        let json = r#"{"include": {"path": "../root.hcl"}, "dependency": [{"vpc": {"config_path": "../vpc"}}, {"db": [{"config_path": "../db"}]}]}"#;
        let native = to_native(json).unwrap();
        assert_eq!(
            native.text,
            "include {\npath = \"../root.hcl\"\n}\ndependency \"vpc\" {\nconfig_path = \"../vpc\"\n}\ndependency \"db\" {\nconfig_path = \"../db\"\n}\n"
        );
    }

    #[test]
    fn generate_blocks_in_json_are_read_at_their_place() {
        let json = "{\n  \"generate\": {\n    \"extra\": {\n      \"path\": \"extra.tf\",\n      \"contents\": \"module \\\"x\\\" {\\n  source = \\\"git::https://x.test/m.git?ref=main\\\"\\n}\\n\"\n    }\n  }\n}\n";
        let deps = super::super::extract_json(json, None).unwrap();
        assert_eq!(deps.len(), 1, "{deps:?}");
        assert_eq!(deps[0].key, "generate.extra/module.x");
        assert_eq!(
            deps[0].source_str(),
            Some("git::https://x.test/m.git?ref=main")
        );
        let line = crate::model::line_col(json, deps[0].source.as_ref().unwrap().span.start).0;
        assert_eq!(line, 5);
    }

    #[test]
    fn what_is_no_terragrunt_json_is_an_error() {
        for bad in ["[]", "", "{\"terraform\": 1}", "{\"a b\": 1}", "{\"x\": }"] {
            assert!(to_native(bad).is_err(), "{bad}");
        }
    }
}
