//! GitHub Actions workflow commands: each finding becomes an annotation on
//! the pull request's diff.

use std::io::Write;

use iacgate_core::finding::Severity;

use super::{short_id, Report};

/// Workflow command data: `%`, CR and LF are escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties additionally escape `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    for f in report.findings.iter().filter(|f| !f.suppressed) {
        let command = match f.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = f.message.clone();
        if let Some(id) = &f.commit {
            message = format!("{message} (commit {})", short_id(id));
        }
        if !f.help.is_empty() {
            message = format!("{message}\n{}", f.help);
        }
        let end = f
            .end_column
            .map(|end| format!(",endColumn={end}"))
            .unwrap_or_default();
        writeln!(
            out,
            "::{command} file={},line={},col={}{end},title={}::{}",
            escape_property(&f.file),
            f.line,
            f.column,
            escape_property(&format!("iacgate {}", f.rule.name)),
            escape_data(&message)
        )?;
    }
    for u in report.unchecked.unwrap_or_default() {
        writeln!(
            out,
            "::notice file={},line={},col={},title={}::{}",
            escape_property(&u.file),
            u.line,
            u.column,
            escape_property("iacgate verify"),
            escape_data(&format!(
                "{} ({}) was not checked: {}",
                u.name, u.remote, u.reason
            ))
        )?;
    }
    let blocking = report.findings.iter().filter(|f| f.is_blocking()).count();
    writeln!(
        out,
        "iacgate: {blocking} blocking finding(s), {} IaC file(s) checked",
        report.files_checked
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a\nb\r"), "50%25 a%0Ab%0D");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
