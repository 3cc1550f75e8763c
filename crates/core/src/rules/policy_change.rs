//! `policy-change`: the policy file itself changed.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::{Kind, Span};
use crate::policy::POLICY_FILE;

pub const RULE: Rule = Rule {
    name: "policy-change",
    level: Level::SignOff,
    summary: "the policy file itself changed",
    doc: rule_doc!("policy-change"),
};

/// `old`/`new` are None when the policy is added/removed. Points at the
/// first changed line.
pub fn check(old: Option<&str>, new: Option<&str>) -> Finding {
    check_file(POLICY_FILE, "the policy file", old, new)
}

/// The allowed signers file the policy names (`[signoff]
/// allowed_signers`): it says whose signed approvals count, so changing it
/// is changing the policy.
pub fn check_allowed_signers(path: &str, old: Option<&str>, new: Option<&str>) -> Finding {
    check_file(path, "the allowed signers file", old, new)
}

/// A suppression marker (`iacgate:allow RULE -- reason`) that the change
/// adds, on line `line` (1-based) of `text`, and that suppresses a finding
/// of `rule`: the author's comment turns a rule off, so a reviewer signs.
pub fn check_suppression(path: &str, text: &str, line: usize, rule: &str) -> Finding {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let start = start.min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Finding::at(
        &RULE,
        path,
        text,
        Side::New,
        Span::new(start, end),
        Kind::Policy,
        path,
    )
    .with_message(format!(
        "a suppression of {rule} that this change adds to {path} (it turns a rule off, as a \
         policy change does)"
    ))
    .with_label("suppression added here")
    .with_help(
        "ask a reviewer to sign off (a `Reviewed-by:` trailer, docs/signoff.md), or fix what the \
         suppressed finding reports instead",
    )
}

fn check_file(path: &str, what_file: &str, old: Option<&str>, new: Option<&str>) -> Finding {
    let (what, side, text, start) = match (old, new) {
        (Some(old), Some(new)) => {
            let same: usize = old
                .split_inclusive('\n')
                .zip(new.split_inclusive('\n'))
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a.len())
                .sum();
            ("change to", Side::New, new, same.min(new.len()))
        }
        (None, Some(new)) => ("addition of", Side::New, new, 0),
        (Some(old), None) => ("removal of", Side::Old, old, 0),
        (None, None) => ("change to", Side::New, "", 0),
    };
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Finding::at(
        &RULE,
        path,
        text,
        side,
        Span::new(start, end),
        Kind::Policy,
        path,
    )
    .with_message(format!("{what} {what_file} {path}"))
    .with_label("first changed line")
}
