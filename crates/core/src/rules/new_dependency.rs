//! `new-dependency`: a pinned third-party dependency was added.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::Dependency;

pub const RULE: Rule = Rule {
    name: "new-dependency",
    level: Level::Warn,
    summary: "a pinned third-party dependency was added",
    doc: rule_doc!("new-dependency"),
};

/// `address` is the normalised source shown to the reader, `version` the
/// version, constraint or git ref it is pinned to.
pub fn check(
    file: &str,
    text: &str,
    dep: &Dependency,
    address: &str,
    version: Option<&str>,
) -> Finding {
    let span = dep.source.as_ref().map_or(dep.span, |s| s.span);
    let at = version.map(|v| format!(" at {v}")).unwrap_or_default();
    Finding::about(&RULE, file, text, Side::New, span, dep)
        .with_message(format!(
            "new {} \"{}\" from {address}{at}",
            dep.kind.as_str(),
            dep.name
        ))
        .with_label("new dependency")
        .with_help("check that the source is the one you meant to trust; this is a warning and does not block")
        .with_values(None, version)
}
