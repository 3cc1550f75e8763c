//! `parse-error`: a changed IaC file cannot be read, so we fail closed.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::{floor_char_boundary, Kind, Span};

pub const RULE: Rule = Rule {
    name: "parse-error",
    level: Level::Block,
    summary: "a changed IaC file cannot be parsed",
    doc: rule_doc!("parse-error"),
};

pub fn check(file: &str, text: &str, offset: usize, problem: &str) -> Finding {
    // An offset from a parser is a byte of the file; the text may be its
    // lossy decoding. Never slice inside a character.
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let end = text[offset..]
        .char_indices()
        .nth(1)
        .map_or(offset, |(i, _)| offset + i);
    Finding::at(&RULE, file, text, Side::New, Span::new(offset, end), Kind::File, file)
        .with_message(format!("cannot read {file}: {problem}"))
        .with_label("here")
        .with_help("fix the file (`terraform validate` shows the same problem); iacgate blocks what it cannot read")
}
