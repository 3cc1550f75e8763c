//! `version-change`: an existing dependency's version, ref or constraint changed.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::{Dependency, Span};
use crate::version::{direction, Direction};

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

/// A pin's version comments (`@<sha> # v4.1.1`), old and new, woven into
/// the finding: the direction is read from them, and a pin that moved while
/// its comment stayed, or a comment that goes backwards, is called out (a
/// sync bot that downgrades pins is a real pattern).
pub fn with_comments(mut finding: Finding, old: Option<&str>, new: Option<&str>) -> Finding {
    let (Some(old), Some(new)) = (old, new) else {
        // A note on how the new value is read (a Helm tag as Helm renders
        // it), not a version of its own.
        if let Some(note) = new.filter(|note| note.starts_with("the tag is written")) {
            finding.message = format!("{} ({note})", finding.message);
        }
        return finding;
    };
    let (from, to) = (
        finding.old.as_deref().unwrap_or("(none)"),
        finding.new.as_deref().unwrap_or("(none)"),
    );
    let what = finding
        .message
        .split(" version ")
        .next()
        .unwrap_or_default()
        .to_owned();
    finding.message = if old == new {
        format!(
            "{what} version {from} -> {to}, but its comment still says {new}: the pin moved \
             and its comment did not (is {to} really {new}?)"
        )
    } else {
        let way = direction(old, new);
        let warning = match way {
            Direction::Downgrade => ": the comment moves backwards",
            _ => "",
        };
        format!(
            "{what} version {from} ({old}) -> {to} ({new}) ({}){warning}",
            way.as_str()
        )
    };
    finding
}
