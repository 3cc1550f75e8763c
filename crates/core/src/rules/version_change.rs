//! `version-change`: an existing dependency's version, ref or constraint changed.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::{Dependency, Span};
use crate::version::direction;

pub const RULE: Rule = Rule {
    name: "version-change",
    level: Level::SignOff,
    summary: "an existing dependency's version, ref or constraint changed",
    doc: rule_doc!("version-change"),
};

/// `old`/`new` are the versions as the reader knows them (a module's
/// `version`, or its git ref; a provider's constraint; a lock version).
/// `span` points at where the new one is written.
pub fn check(
    file: &str,
    text: &str,
    dep: &Dependency,
    span: Span,
    old: Option<&str>,
    new: Option<&str>,
) -> Finding {
    let what = match dep.kind {
        crate::model::Kind::Lock => format!("lock entry {}", dep.name),
        kind => format!("{} \"{}\"", kind.as_str(), dep.name),
    };
    let way = match (old, new) {
        (Some(o), Some(n)) => direction(o, n).as_str(),
        _ => "sideways",
    };
    let shown = |v: Option<&str>| v.unwrap_or("(none)").to_owned();
    Finding::about(&RULE, file, text, Side::New, span, dep)
        .with_message(format!(
            "{what} version {} -> {} ({way})",
            shown(old),
            shown(new)
        ))
        .with_label(format!("was {}", shown(old)))
        .with_values(old, new)
}
