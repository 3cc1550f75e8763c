//! Problems in a policy file: every one, each at `FILE:LINE:COL`.

use std::io::Write;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use iacgate_core::policy::PolicyError;

pub fn errors(
    label: &str,
    text: &str,
    errors: &[PolicyError],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let renderer = Renderer::styled();
    for error in errors {
        let end = error.span.end.clamp(error.span.start, text.len());
        let start = error.span.start.min(end);
        let (start, end) = (floor(text, start), floor(text, end));
        let report = [Level::ERROR.primary_title(error.message.as_str()).element(
            Snippet::source(text)
                .path(label)
                .annotation(AnnotationKind::Primary.span(start..end)),
        )];
        writeln!(out, "{}\n", renderer.render(&report))?;
    }
    let n = errors.len();
    writeln!(
        out,
        "iacgate: the policy {label} has {n} problem{}; nothing was checked (docs/configuration.md lists every key)",
        if n == 1 { "" } else { "s" }
    )
}

fn floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
