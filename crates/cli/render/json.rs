//! The JSON report, version 1 (design.md, "JSON report").

use std::io::Write;

use iacgate_core::finding::Finding;
use serde::Serialize;

use super::Report;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    /// `verify` only: the pins that could not be checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    unchecked: Option<Vec<JsonUnchecked<'a>>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonUnchecked<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    name: &'a str,
    remote: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    blocking: bool,
    needs_signoff: bool,
    signed_off: bool,
    suppressed: bool,
    file: &'a str,
    line: usize,
    column: usize,
    ecosystem: Option<&'static str>,
    kind: &'static str,
    name: &'a str,
    source: Option<&'a str>,
    old: Option<&'a str>,
    new: Option<&'a str>,
    commit: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    blocking: usize,
    warnings: usize,
    files_checked: usize,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            rule: f.rule.name,
            severity: f.severity().as_str(),
            blocking: f.is_blocking(),
            needs_signoff: f.needs_signoff(),
            signed_off: f.signed_off,
            suppressed: f.suppressed,
            file: &f.file,
            line: f.line,
            column: f.column,
            ecosystem: f.ecosystem.map(|e| e.as_str()),
            kind: f.kind.as_str(),
            name: &f.name,
            source: f.source.as_deref(),
            old: f.old.as_deref(),
            new: f.new.as_deref(),
            commit: f.commit.as_deref(),
            message: &f.message,
        }
    }
}

pub fn write(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let findings: Vec<JsonFinding> = report.findings.iter().map(JsonFinding::from).collect();
    let blocking = findings.iter().filter(|f| f.blocking).count();
    let warnings = findings
        .iter()
        .filter(|f| !f.blocking && !f.suppressed && !f.signed_off)
        .count();
    let json = JsonReport {
        version: 1,
        tool: Tool {
            name: "iacgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        unchecked: report.unchecked.map(|list| {
            list.iter()
                .map(|u| JsonUnchecked {
                    file: &u.file,
                    line: u.line,
                    column: u.column,
                    name: &u.name,
                    remote: &u.remote,
                    reason: &u.reason,
                })
                .collect()
        }),
        summary: Summary {
            blocking,
            warnings,
            files_checked: report.files_checked,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}
