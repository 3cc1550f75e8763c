//! The rules: one module each, with the documentation that `iacgate explain`
//! prints living in `docs/rules/<name>.md` and compiled in here.

pub mod comment_mismatch;
pub mod lock_mismatch;
pub mod lock_tamper;
pub mod new_dependency;
pub mod not_allowed;
pub mod parse_error;
pub mod pipeline_permissions;
pub mod policy_change;
pub mod source_change;
pub mod tag_moved;
pub mod unpinned;
pub mod version_change;

use serde::Serialize;

/// What a rule does when it fires, before sign-offs and suppressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Fails the hook.
    Block,
    /// Fails the hook unless the commit carries a valid reviewer sign-off.
    SignOff,
    /// Reported, never fails.
    Warn,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Block => "block",
            Level::SignOff => "sign-off",
            Level::Warn => "warn",
        }
    }
}

/// A rule's permanent name, default level and documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub level: Level,
    pub summary: &'static str,
    /// The Markdown page `docs/rules/<name>.md`.
    pub doc: &'static str,
}

macro_rules! rule_doc {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/rules/",
            $name,
            ".md"
        ))
    };
}
pub(crate) use rule_doc;

pub const PIPELINE_PERMISSIONS: Rule = Rule {
    name: "pipeline-permissions",
    level: Level::Block,
    summary: "a CI workflow gains write permissions or an unsafe trigger/checkout pattern",
    doc: rule_doc!("pipeline-permissions"),
};

/// Every rule, in the order of design.md's table.
pub const ALL: &[&Rule] = &[
    &unpinned::RULE,
    &version_change::RULE,
    &source_change::RULE,
    &new_dependency::RULE,
    &lock_tamper::RULE,
    &lock_mismatch::RULE,
    &not_allowed::RULE,
    &policy_change::RULE,
    &parse_error::RULE,
    &PIPELINE_PERMISSIONS,
    &tag_moved::RULE,
    &comment_mismatch::RULE,
];

/// The controls a rule serves (docs/compliance.md says what each rule does
/// and does not prove for them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    /// NIST SP 800-218 (SSDF 1.1) tasks.
    pub ssdf: &'static [&'static str],
    /// CIS Software Supply Chain Security Guide 1.0 recommendations.
    pub cis: &'static [&'static str],
}

/// The controls of a rule, by name.
pub fn controls(name: &str) -> Controls {
    let (ssdf, cis): (&[&str], &[&str]) = match name {
        "unpinned" => (&["PW.4.1", "PW.4.4"], &["2.4.2", "3.1.7"]),
        "version-change" => (&["PS.1.1", "PW.4.4"], &["1.1.3", "3.1.1"]),
        "source-change" => (&["PW.4.1", "PW.4.4"], &["1.1.3", "3.1.5"]),
        "new-dependency" => (&["PW.4.1"], &["3.1.1"]),
        "lock-tamper" => (&["PW.4.4"], &["2.4.2", "3.1.1"]),
        "lock-mismatch" => (&["PW.4.4"], &["2.4.2"]),
        "not-allowed" => (&["PW.4.1"], &["3.1.5"]),
        "policy-change" => (&["PO.4.1", "PS.1.1"], &["1.1.3", "1.1.6"]),
        "parse-error" => (&["PW.4.4"], &["3.1.1"]),
        "pipeline-permissions" => (&["PO.3.2", "PO.5.1", "PS.1.1"], &["2.3.5", "2.3.6"]),
        "tag-moved" => (&["PW.4.4"], &["3.1.1", "3.1.7"]),
        "comment-mismatch" => (&["PW.4.4"], &["3.1.1", "3.1.7"]),
        _ => (&[], &[]),
    };
    Controls { ssdf, cis }
}

pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_serves_controls_and_the_compliance_page_says_so() {
        let page = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/compliance.md"
        ));
        for rule in ALL {
            let c = controls(rule.name);
            assert!(!c.ssdf.is_empty() && !c.cis.is_empty(), "{}", rule.name);
            let row = page
                .lines()
                .find(|l| l.starts_with(&format!("| [`{}`]", rule.name)))
                .unwrap_or_else(|| panic!("docs/compliance.md has no row for {}", rule.name));
            for id in c.ssdf.iter().chain(c.cis) {
                assert!(row.contains(id), "{}: the row lacks {id}", rule.name);
            }
        }
    }

    #[test]
    fn names_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in ALL {
            assert!(seen.insert(rule.name), "duplicate rule {}", rule.name);
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                rule.name
            );
            assert!(
                rule.doc.starts_with(&format!("# {}\n", rule.name)),
                "docs/rules/{}.md must start with its name",
                rule.name
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(rule.doc.contains(section), "{} lacks {section}", rule.name);
            }
        }
    }
}
