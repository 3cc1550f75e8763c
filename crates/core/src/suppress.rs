//! Inline suppression: `# iacgate:allow RULE -- reason` (or `//`) on the
//! line of a finding or the line above. The reason is required: a marker
//! without one, or naming no rule, is itself an error.

use crate::finding::Finding;
use crate::model::nth_line;
use crate::rules::{self, parse_error};

const MARKER: &str = "iacgate:allow";

/// A marker as written on one line.
#[derive(Debug, PartialEq, Eq)]
struct Marker<'l> {
    rule: &'l str,
    reason: Option<&'l str>,
    /// Byte offset of the marker in its line.
    at: usize,
}

fn marker(line: &str) -> Option<Marker<'_>> {
    let at = line.find(MARKER)?;
    let rest = line[at + MARKER.len()..].trim_start();
    let rule_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    let (rule, rest) = rest.split_at(rule_end);
    let reason = rest
        .trim_start()
        .strip_prefix("--")
        .map(|r| r.trim().trim_end_matches("*/").trim())
        .filter(|r| !r.is_empty());
    Some(Marker { rule, reason, at })
}

/// Mark `finding` suppressed when a valid marker for its rule stands on its
/// line or the line above.
pub fn apply(finding: &mut Finding, text: &str) {
    apply_marker(finding, text);
}

/// [`apply`], telling the line (1-based) of the marker that suppressed it.
pub fn apply_marker(finding: &mut Finding, text: &str) -> Option<usize> {
    let line = finding.line;
    let candidates = [line.saturating_sub(1), line]
        .into_iter()
        .filter(|&n| n >= 1)
        .filter_map(|n| nth_line(text, n).map(|l| (n, l)));
    for (n, candidate) in candidates {
        if let Some(m) = marker(candidate) {
            if m.rule == finding.rule.name && m.reason.is_some() {
                finding.suppressed = true;
                return Some(n);
            }
        }
    }
    None
}

/// Whether `text` has `lines` (trimmed) one after the other: a marker and
/// the line it covers that the base already had together is the base's
/// suppression; a marker that now covers another line (a dependency added
/// under it) is the change's.
pub fn has_lines(text: &str, lines: &[&str]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    let old: Vec<&str> = text.lines().map(str::trim).collect();
    old.iter().enumerate().any(|(i, l)| {
        *l == first.trim()
            && lines
                .iter()
                .enumerate()
                .all(|(k, want)| old.get(i + k).is_some_and(|o| *o == want.trim()))
    })
}

/// Markers in `text` that cannot suppress anything: no reason, or no such
/// rule. Reported as `parse-error` so that they are fixed, not ignored.
pub fn problems(file: &str, text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(m) = marker(line) {
            let problem = if rules::find(m.rule).is_none() {
                Some(format!(
                    "`{MARKER} {}` names no rule (`iacgate rules` lists them)",
                    m.rule
                ))
            } else if m.reason.is_none() {
                Some(format!(
                    "`{MARKER} {}` needs a reason: `# {MARKER} {} -- <why this is acceptable>`",
                    m.rule, m.rule
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                found.push(parse_error::check(file, text, offset + m.at, &problem));
            }
        }
        offset += line.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let m = marker("# iacgate:allow unpinned -- vendored fork").unwrap();
        assert_eq!((m.rule, m.reason), ("unpinned", Some("vendored fork")));
        let m = marker("  source = \"x\" // iacgate:allow unpinned -- ok").unwrap();
        assert_eq!((m.rule, m.reason), ("unpinned", Some("ok")));
        assert_eq!(marker("# iacgate:allow unpinned").unwrap().reason, None);
        assert_eq!(
            marker("# iacgate:allow unpinned --   ").unwrap().reason,
            None
        );
        assert_eq!(
            marker("/* iacgate:allow unpinned -- */").unwrap().reason,
            None
        );
        assert_eq!(
            marker("# iacgate:allow unpinned-x -- r").unwrap().rule,
            "unpinned-x"
        );
        assert_eq!(marker("# nothing here"), None);
    }

    #[test]
    fn problems_point_at_the_marker() {
        let text = "a = 1\n# iacgate:allow unpinned\n# iacgate:allow nope -- r\n# iacgate:allow unpinned -- fine\n";
        let found = problems("x.tf", text);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].column), (2, 3));
        assert!(found[0].message.contains("needs a reason"));
        assert_eq!(found[1].line, 3);
        assert!(found[1].message.contains("names no rule"));
    }
}
