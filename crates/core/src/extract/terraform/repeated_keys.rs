//! An object constructor that repeats a key (`{ a = 1, a = 2 }`): Terraform
//! and OpenTofu accept it and keep the last value (hclsyntax builds the
//! object item by item, a later key overwriting an earlier one), while
//! hcl-edit refuses it as a syntax error. Real modules ship such objects
//! (a copied map entry in a `locals` block), so refusing them blocks
//! commits that Terraform plans without complaint.
//!
//! The file is parsed as Terraform reads it: each repeated key is renamed in
//! a copy of the text to a placeholder of the same length (so that every
//! offset stays the original's), the copy is parsed, and then each
//! placeholder's value replaces the value of the key it repeats, and the
//! placeholder is removed. What is left is the object Terraform evaluates,
//! with spans into the original text.

use hcl::edit::expr::{Expression, Object, ObjectKey};
use hcl::edit::parser::{parse_body, Error};
use hcl::edit::structure::Body;
use hcl::edit::visit_mut::{self, VisitMut};
use hcl::edit::Span as _;

/// At most this many repeated keys in one file; past it the file fails as
/// hcl-edit reports it (each costs one more parse).
const MAX_REPEATS: usize = 64;

const REFUSAL: &str = "redefined object key";

/// The body of `text` as Terraform reads it, repeated object keys included.
pub(super) fn parse(text: &str) -> Result<Body, Error> {
    let first = match parse_body(text) {
        Ok(body) => return Ok(body),
        Err(err) if err.message().contains(REFUSAL) => err,
        Err(err) => return Err(err),
    };
    let mut work = text.to_owned();
    // (start of the renamed key, the key's name, how many placeholders it tried)
    let mut renamed: Vec<(usize, String, usize)> = Vec::new();
    let mut err = first.clone();
    loop {
        let at = err.location().offset();
        let Some(token) = key_at(&work, at) else {
            return Err(first);
        };
        let tries = match renamed.iter_mut().find(|(start, ..)| *start == at) {
            // The placeholder itself is taken in this object: the next one.
            Some((_, _, tries)) => {
                *tries += 1;
                *tries
            }
            None => {
                if renamed.len() == MAX_REPEATS {
                    return Err(first);
                }
                let Some(name) = token.name(text) else {
                    return Err(first);
                };
                renamed.push((at, name, 0));
                0
            }
        };
        let Some(placeholder) = token.placeholder(tries) else {
            return Err(first);
        };
        work.replace_range(token.start..token.end, &placeholder);
        match parse_body(&work) {
            Ok(mut body) => {
                LastWins { renamed: &renamed }.visit_body_mut(&mut body);
                return Ok(body);
            }
            Err(next) if next.message().contains(REFUSAL) => err = next,
            // Another problem: report it (its offset is the original's).
            Err(next) => return Err(next),
        }
    }
}

/// An object key as written: an identifier, or a quoted string without
/// escapes or templates.
struct Token {
    start: usize,
    end: usize,
    quoted: bool,
}

fn key_at(text: &str, at: usize) -> Option<Token> {
    if !text.is_char_boundary(at) {
        return None;
    }
    let bytes = text.as_bytes();
    let first = *bytes.get(at)?;
    if first == b'"' {
        let close = text[at + 1..].find(['"', '\\', '\n', '$', '%'])? + at + 1;
        if bytes[close] != b'"' || close == at + 1 {
            return None;
        }
        return Some(Token {
            start: at,
            end: close + 1,
            quoted: true,
        });
    }
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80;
    if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
        return None;
    }
    let end = bytes[at..]
        .iter()
        .position(|&b| !ident(b))
        .map_or(bytes.len(), |n| at + n);
    Some(Token {
        start: at,
        end,
        quoted: false,
    })
}

impl Token {
    /// The key's name in the original text.
    fn name(&self, text: &str) -> Option<String> {
        let raw = text.get(self.start..self.end)?;
        Some(if self.quoted {
            raw[1..raw.len() - 1].to_owned()
        } else {
            raw.to_owned()
        })
    }

    /// A key no real file writes, of the token's length in bytes: `_` and
    /// then the try number in digits, padded with `_`.
    fn placeholder(&self, tries: usize) -> Option<String> {
        let len = self.end - self.start - if self.quoted { 2 } else { 0 };
        let mut inner = format!("_{tries}");
        if inner.len() > len {
            // A one-character key: `_`, then the letters.
            let letters = b"_QXZJKVWYqxzjkvwy";
            inner = (*letters.get(tries)? as char).to_string();
            if len != 1 {
                return None;
            }
        }
        while inner.len() < len {
            inner.push('_');
        }
        Some(if self.quoted {
            format!("\"{inner}\"")
        } else {
            inner
        })
    }
}

/// The name of an object key that is an identifier or a plain string.
fn key_name(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.as_str()),
        ObjectKey::Expression(_) => None,
    }
}

/// Moves each placeholder's value onto the key it repeats, in file order,
/// so the last value wins, and drops the placeholder.
struct LastWins<'r> {
    renamed: &'r [(usize, String, usize)],
}

impl VisitMut for LastWins<'_> {
    fn visit_object_mut(&mut self, object: &mut Object) {
        visit_mut::visit_object_mut(self, object);
        let repeats: Vec<(ObjectKey, &str)> = object
            .iter()
            .filter_map(|(key, _)| {
                let start = key.span()?.start;
                let (_, name, _) = self.renamed.iter().find(|(s, ..)| *s == start)?;
                Some((key.clone(), name.as_str()))
            })
            .collect();
        for (placeholder, name) in repeats {
            let Some(value) = object.remove(&placeholder) else {
                continue;
            };
            let target = object
                .iter()
                .find(|(key, _)| key_name(key) == Some(name))
                .map(|(key, _)| key.clone());
            if let Some(slot) = target.and_then(|key| object.get_mut(&key)) {
                *slot = value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::edit::structure::Attribute;

    fn object_of<'b>(body: &'b Body, attr: &str) -> &'b Object {
        let found: Option<&Attribute> = body.get_attribute(attr);
        match found.map(|a| &a.value) {
            Some(Expression::Object(o)) => o,
            other => panic!("no object {attr}: {other:?}"),
        }
    }

    fn entries(object: &Object, text: &str) -> Vec<(String, String)> {
        object
            .iter()
            .map(|(k, v)| {
                let span = v.expr().span().unwrap();
                (key_name(k).unwrap().to_owned(), text[span].to_owned())
            })
            .collect()
    }

    #[test]
    fn a_repeated_key_keeps_the_last_value_with_the_original_spans() {
        let text = "m = {\n  a = 1\n  b = 2\n  a = 3\n  \"r3.large\" = false\n  \"r3.large\" = true\n  a = 4\n}\n";
        let body = parse(text).unwrap();
        assert_eq!(
            entries(object_of(&body, "m"), text),
            vec![
                ("a".to_owned(), "4".to_owned()),
                ("b".to_owned(), "2".to_owned()),
                ("r3.large".to_owned(), "true".to_owned()),
            ]
        );
    }

    #[test]
    fn one_letter_keys_and_nested_objects() {
        let text = "m = { x = { y = 1, y = 2 }, x = { z = 3 } }\n";
        let body = parse(text).unwrap();
        let m = object_of(&body, "m");
        assert_eq!(
            entries(m, text),
            vec![("x".to_owned(), "{ z = 3 }".to_owned())]
        );
    }

    #[test]
    fn other_syntax_errors_still_fail_where_they_are() {
        let text = "m = { a = 1, a = 2 }\nbroken = \n";
        let err = parse(text).unwrap_err();
        assert!(!err.message().contains(REFUSAL), "{}", err.message());
        assert!(parse("m = { \"a\\n\" = 1, \"a\\n\" = 2 }\n").is_err());
        let many: String = (0..=MAX_REPEATS).map(|i| format!("k = {i}\n")).collect();
        assert!(parse(&format!("m = {{\n{many}}}\n")).is_err());
    }
}
