//! Values that may be intrinsic functions: recognising them in short
//! (`!Sub x`) and long (`{"Fn::Sub": x}`) form, resolving the few that are
//! static, and naming the rest canonically.

use super::tree::{Node, Shape};
use crate::model::Span;

/// An intrinsic function call: its short name (`Ref`, `Sub`, `GetAtt`) and
/// its argument.
pub(super) struct Call<'n> {
    pub name: &'n str,
    pub arg: Arg<'n>,
}

/// The argument of a call: for the short form the tagged node itself (its
/// tag aside), for the long form the value of the one key.
#[derive(Clone, Copy)]
pub(super) struct Arg<'n> {
    pub node: &'n Node,
    /// The node's own tag is the call: ignore it when reading the argument.
    pub untagged: bool,
}

/// `!Name arg`, or a mapping with exactly one key `Ref` or `Fn::Name`.
/// Any local tag counts, known or not: CloudFormation rejects tags it does
/// not know, and a value we cannot read must not pass for a plain string.
pub(super) fn call(node: &Node) -> Option<Call<'_>> {
    if let Some(name) = node.local_tag() {
        return Some(Call {
            name,
            arg: Arg {
                node,
                untagged: true,
            },
        });
    }
    match node.entries() {
        Some([(key, value)]) => {
            let key = key.as_str()?;
            let name = if key == "Ref" {
                key
            } else {
                // Not `Fn::ForEach::Name`, a key among resources.
                key.strip_prefix("Fn::")
                    .filter(|name| !name.is_empty() && !name.contains("::"))?
            };
            Some(Call {
                name,
                arg: Arg {
                    node: value,
                    untagged: false,
                },
            })
        }
        _ => None,
    }
}

impl<'n> Arg<'n> {
    /// A string argument (`!Sub "x"`, `Fn::Sub: x`).
    fn scalar(self) -> Option<&'n super::tree::Scalar> {
        if self.untagged {
            self.node.scalar()
        } else {
            self.node.as_str()?;
            self.node.scalar()
        }
    }

    fn items(self) -> Option<&'n [Node]> {
        if !self.untagged && call(self.node).is_some() {
            return None;
        }
        self.node.items()
    }
}

/// A string value known statically.
#[derive(Debug, Clone)]
pub(super) struct Lit {
    pub value: String,
    /// The whole value node.
    pub span: Span,
    /// Where `value` appears verbatim in the text, if it does.
    pub at: Option<usize>,
}

impl Lit {
    /// The span of `value[range]`: exact when the value is written
    /// verbatim, else the whole value.
    pub fn sub(&self, range: std::ops::Range<usize>) -> Span {
        match self.at {
            Some(at) => Span::new(at + range.start, at + range.end),
            None => self.span,
        }
    }
}

/// What a value is, as far as can be told without deploying the template.
pub(super) enum Val {
    Lit(Lit),
    /// An intrinsic function that cannot be resolved statically: its
    /// canonical text.
    Opaque {
        text: String,
        span: Span,
    },
    /// Not a string at all (null, a list, a mapping).
    NotString,
}

/// Pseudo parameters that are fixed for a given account and region: a
/// `Fn::Sub` that uses only these still has literal bucket, key, layer name
/// and version, so it can be judged.
const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::Partition",
    "AWS::Region",
    "AWS::URLSuffix",
];

pub(super) fn resolve(node: &Node) -> Val {
    let Some(call) = call(node) else {
        return match node.scalar() {
            Some(s) => Val::Lit(Lit {
                value: s.value.clone(),
                span: node.span,
                at: s.at,
            }),
            _ => Val::NotString,
        };
    };
    let resolved = match call.name {
        "Sub" => sub(call.arg, node.span),
        "Join" => join(call.arg, node.span),
        _ => None,
    };
    match resolved {
        Some(lit) => Val::Lit(lit),
        None => Val::Opaque {
            text: render(node),
            span: node.span,
        },
    }
}

/// `!Sub` of a string whose only variables are [`PSEUDO`] parameters (or
/// with no variables at all, a list form with an empty variable map
/// included): the string as written.
fn sub(arg: Arg, span: Span) -> Option<Lit> {
    let string = match arg.items() {
        Some([string, vars])
            if vars.entries().is_some_and(<[_]>::is_empty) && vars.tag.is_none() =>
        {
            Arg {
                node: string,
                untagged: false,
            }
        }
        Some(_) => return None,
        None => arg,
    };
    let scalar = string.scalar()?;
    let mut rest = scalar.value.as_str();
    while let Some(i) = rest.find("${") {
        rest = &rest[i + 2..];
        if let Some(escaped) = rest.strip_prefix('!') {
            rest = escaped;
            continue;
        }
        let end = rest.find('}')?;
        if !PSEUDO.contains(&rest[..end].trim()) {
            return None;
        }
        rest = &rest[end + 1..];
    }
    Some(Lit {
        value: scalar.value.clone(),
        span,
        at: scalar.at,
    })
}

/// `!Join [delimiter, [parts...]]` whose parts all resolve.
fn join(arg: Arg, span: Span) -> Option<Lit> {
    let [delimiter, parts] = arg.items()? else {
        return None;
    };
    let delimiter = delimiter.as_str()?;
    if call(parts).is_some() {
        return None;
    }
    let mut value = String::new();
    for (i, part) in parts.items()?.iter().enumerate() {
        let Val::Lit(part) = resolve(part) else {
            return None;
        };
        if i > 0 {
            value.push_str(delimiter);
        }
        value.push_str(&part.value);
    }
    Some(Lit {
        value,
        span,
        at: None,
    })
}

/// A canonical, one-line rendering: the short form whichever form was
/// written, so `!Sub x`, `Fn::Sub: x` and `{"Fn::Sub": "x"}` name the same
/// value and re-indenting a template changes nothing.
pub(super) fn render(node: &Node) -> String {
    let mut out = String::new();
    render_into(node, false, &mut out);
    out
}

fn render_into(node: &Node, untagged: bool, out: &mut String) {
    if !untagged {
        if let Some(call) = call(node) {
            out.push('!');
            out.push_str(call.name);
            out.push(' ');
            let getatt = (call.name == "GetAtt")
                .then(|| call.arg.items())
                .flatten()
                .and_then(|items| match items {
                    [a, b] => Some((a.as_str()?, b.as_str()?)),
                    _ => None,
                });
            match getatt {
                Some((resource, attribute)) => scalar_into(&format!("{resource}.{attribute}"), out),
                None => render_into(call.arg.node, call.arg.untagged, out),
            }
            return;
        }
    }
    match &node.shape {
        Shape::Scalar(s) if s.null => out.push_str("null"),
        Shape::Scalar(s) => scalar_into(&s.value, out),
        Shape::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(item, false, out);
            }
            out.push(']');
        }
        Shape::Map(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(key, false, out);
                out.push_str(": ");
                render_into(value, false, out);
            }
            out.push('}');
        }
    }
}

/// Plain when unambiguous, else a JSON string.
fn scalar_into(value: &str, out: &mut String) {
    let plain = !value.is_empty()
        && !value.starts_with([
            '!', '&', '*', '-', '?', '|', '>', '%', '@', '`', '{', '"', '\'',
        ])
        && !value.contains(|c: char| c.is_whitespace() || c.is_control() || ",[]\"'#".contains(c));
    if plain {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// At most `max` characters of `text` on one line, with an ellipsis when
/// cut.
pub(super) fn short(text: &str, max: usize) -> String {
    let one_line = super::super::one_line(text);
    match one_line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}
