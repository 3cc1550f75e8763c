//! `source-change`: an existing dependency now comes from somewhere else.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::{Dependency, Span};
use crate::source::looks_alike;

pub const RULE: Rule = Rule {
    name: "source-change",
    level: Level::SignOff,
    summary: "an existing dependency's source address changed",
    doc: rule_doc!("source-change"),
};

/// `old`/`new` are normalised addresses, so spelling variants of one
/// address never get here.
pub fn check(
    file: &str,
    text: &str,
    dep: &Dependency,
    span: Span,
    old: &str,
    new: &str,
) -> Finding {
    let alike = if looks_alike(old, new) {
        " (a look-alike of the old address)"
    } else {
        ""
    };
    Finding::about(&RULE, file, text, Side::New, span, dep)
        .with_message(format!(
            "{} \"{}\" source {old} -> {new}{alike}",
            dep.kind.as_str(),
            dep.name
        ))
        .with_label(format!("was {old}"))
        .with_values(Some(old), Some(new))
}
