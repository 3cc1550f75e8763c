//! Inline suppression: `# iacgate:allow RULE -- reason` on the line of a
//! finding or the line above. The reason is required.

use crate::finding::Finding;

const MARKER: &str = "iacgate:allow";

pub fn apply(finding: &mut Finding, text: &str) {
    // The line above, then the line itself.
    let line = finding.line;
    let candidates = text
        .lines()
        .skip(line.saturating_sub(2))
        .take(if line >= 2 { 2 } else { 1 });
    for candidate in candidates {
        match parse(candidate, finding.rule.name) {
            Some(Ok(())) => {
                finding.suppressed = true;
                return;
            }
            Some(Err(())) => {
                finding.help.push_str(&format!(
                    " (the `{MARKER} {}` comment is ignored: add ` -- <reason>`)",
                    finding.rule.name
                ));
            }
            None => {}
        }
    }
}

/// `None`: no suppression of `rule` on this line; `Some(Err)`: one without
/// a reason.
fn parse(line: &str, rule: &str) -> Option<Result<(), ()>> {
    let at = line.find(MARKER)?;
    let rest = line[at + MARKER.len()..].trim_start();
    let rest = rest.strip_prefix(rule)?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let reason = rest.trim_start().strip_prefix("--").map(str::trim);
    match reason {
        Some(r) if !r.is_empty() && r != "*/" => Some(Ok(())),
        _ => Some(Err(())),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reason_is_required() {
        assert_eq!(
            parse("# iacgate:allow unpinned -- vendored fork", "unpinned"),
            Some(Ok(()))
        );
        assert_eq!(
            parse(
                "  source = \"x\" // iacgate:allow unpinned -- ok",
                "unpinned"
            ),
            Some(Ok(()))
        );
        assert_eq!(parse("# iacgate:allow unpinned", "unpinned"), Some(Err(())));
        assert_eq!(
            parse("# iacgate:allow unpinned --   ", "unpinned"),
            Some(Err(()))
        );
        assert_eq!(parse("# iacgate:allow unpinned-x -- r", "unpinned"), None);
        assert_eq!(
            parse("# iacgate:allow version-change -- r", "unpinned"),
            None
        );
    }
}
