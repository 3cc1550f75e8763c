//! rustc-style diagnostics: rule, file:line:col, the source line, the old
//! and new value, one line of help. Colours come from annotate-snippets and
//! are stripped by anstream when the output is not a terminal or NO_COLOR
//! is set.

use std::io::Write;

use annotate_snippets::{AnnotationKind, Element, Group, Level, Renderer, Snippet};
use iacgate_core::finding::Finding;

use super::{short_id, Report};

pub fn write(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let renderer = Renderer::styled();
    // commit-msg after pre-commit: quiet unless there is something new.
    if report.shown == super::Shown::SignOffAndBlocking && report.shown().next().is_none() {
        return Ok(());
    }
    // Each finding shows its line: looked up in an index per file, not by
    // walking the file once per finding.
    let _lines = iacgate_core::model::LineScope::new(report.sources.texts());
    let mut current_commit: Option<&str> = None;
    for finding in report.shown() {
        if let Some(id) = finding.commit.as_deref() {
            if current_commit != Some(id) {
                current_commit = Some(id);
                let summary = report
                    .commits
                    .iter()
                    .find(|c| c.id == id)
                    .map_or("", |c| c.summary.as_str());
                let header = anstyle::Style::new().bold();
                writeln!(out, "{header}commit {} {summary}{header:#}\n", short_id(id))?;
            }
        }
        let text = report.sources.text_of(finding);
        let groups = diagnostic(finding, text);
        writeln!(out, "{}\n", renderer.render(&groups))?;
    }
    for u in report.unchecked.unwrap_or_default() {
        let note = anstyle::Style::new().bold();
        writeln!(
            out,
            "{note}note{note:#}: {}:{}:{}: {} ({}) was not checked: {}",
            u.file, u.line, u.column, u.name, u.remote, u.reason
        )?;
    }
    summary(report, out)
}

fn diagnostic<'a>(finding: &'a Finding, text: Option<&'a str>) -> Vec<Group<'a>> {
    let level = if finding.is_blocking() {
        Level::ERROR
    } else if finding.signed_off {
        Level::NOTE.with_name(Some("signed off"))
    } else if finding.needs_signoff() {
        Level::WARNING.with_name(Some("needs sign-off"))
    } else {
        Level::WARNING
    };
    let mut elements: Vec<Element> = Vec::new();
    match text.and_then(|t| source_line(t, finding)) {
        Some((line, range)) => {
            let label = (!finding.label.is_empty()).then_some(finding.label.as_str());
            elements.push(
                Snippet::source(line)
                    .line_start(finding.line)
                    .path(finding.file.as_str())
                    .annotation(AnnotationKind::Primary.span(range).label(label))
                    .into(),
            );
        }
        None => {
            elements.push(
                annotate_snippets::Origin::path(finding.file.as_str())
                    .line(finding.line)
                    .char_column(finding.column.saturating_sub(1))
                    .into(),
            );
        }
    }
    if let (Some(old), Some(new)) = (&finding.old, &finding.new) {
        if old != new {
            elements.push(
                Level::NOTE
                    .with_name(Some("diff"))
                    .message(format!("- {old}\n+ {new}"))
                    .into(),
            );
        }
    }
    if !finding.help.is_empty() {
        elements.push(Level::HELP.message(finding.help.as_str()).into());
    }
    vec![level
        .primary_title(finding.message.as_str())
        .id(finding.rule.name)
        .elements(elements)]
}

/// The line a finding points at, and its span within that line (clamped to
/// the line: a span that runs on is shown up to the line's end).
fn source_line<'t>(text: &'t str, finding: &Finding) -> Option<(&'t str, std::ops::Range<usize>)> {
    let line = iacgate_core::model::nth_line(text, finding.line)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    // A byte-order mark is invisible and would shift the caret.
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let line_start = line.as_ptr() as usize - text.as_ptr() as usize;
    let floor = |i: usize| {
        let mut i = i.min(line.len());
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(finding.span.start.saturating_sub(line_start));
    let end = floor(finding.span.end.saturating_sub(line_start)).max(start);
    Some((line, start..end))
}

fn summary(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let count = |pred: &dyn Fn(&&Finding) -> bool| report.findings.iter().filter(pred).count();
    let blocking = count(&|f| f.is_blocking());
    let pending = count(&|f| !f.is_blocking() && f.signoff_pending && !f.suppressed);
    let warnings =
        count(&|f| !f.is_blocking() && !f.needs_signoff() && !f.suppressed && !f.signed_off);
    let mut files = plural(report.files_checked, "IaC file");
    if !report.commits.is_empty() {
        let mut bad: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.is_blocking())
            .filter_map(|f| f.commit.as_deref())
            .collect();
        bad.dedup();
        let commits = report.commits.len();
        files = if blocking > 0 {
            format!("{} of {}", bad.len(), plural(commits, "commit"))
        } else {
            format!("{}, {files}", plural(commits, "commit"))
        };
    }
    if blocking > 0 {
        writeln!(
            out,
            "iacgate: blocked: {} in {files} (`iacgate explain RULE` tells more)",
            plural(blocking, "problem")
        )?;
    } else if pending > 0 {
        writeln!(
            out,
            "iacgate: {} {} a reviewer sign-off in the commit message, as each says above (the commit-msg hook enforces it)",
            plural(pending, "change"),
            if pending == 1 { "needs" } else { "need" }
        )?;
    } else if warnings > 0 {
        writeln!(
            out,
            "iacgate: ok with {} in {files}",
            plural(warnings, "warning")
        )?;
    } else {
        writeln!(out, "iacgate: ok ({files})")?;
    }
    suppressed(report, out)
}

/// How many findings `iacgate:allow` markers kept quiet, and where the
/// markers are: a suppression is never silent.
fn suppressed(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    const LISTED: usize = 10;
    let quiet: Vec<&Finding> = report.findings.iter().filter(|f| f.suppressed).collect();
    if quiet.is_empty() {
        return Ok(());
    }
    let mut places: Vec<String> = quiet
        .iter()
        .take(LISTED)
        .map(|f| {
            let at = report
                .sources
                .text_of(f)
                .and_then(|text| iacgate_core::suppress::apply_marker(&mut (*f).clone(), text))
                .unwrap_or(f.line);
            format!("{}:{at} [{}]", f.file, f.rule.name)
        })
        .collect();
    if quiet.len() > LISTED {
        places.push(format!(
            "and {} more (`--format json` lists them)",
            quiet.len() - LISTED
        ));
    }
    writeln!(
        out,
        "iacgate: {} suppressed by `iacgate:allow` markers: {}",
        plural(quiet.len(), "finding"),
        places.join(", ")
    )
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
