//! What the fuzz targets check on what they get back (docs/fuzzing.md).
//!
//! A violation panics, which libFuzzer reports as a crash: it is a bug
//! even when nothing else would have crashed, because every caller slices
//! or locates text with these spans.
//!
//! The convention (crates/core/src/extract/mod.rs, `extract`): a
//! dependency's spans and an error's offset are byte offsets into the
//! bytes given, which are UTF-8 whenever a dependency is returned. An
//! error offset may come from a file that is not UTF-8: it is then an
//! offset into the file's lossy decoding, the text `parse-error` shows
//! (`Analysis` keeps `String::from_utf8_lossy` of each new side), which
//! is the same text as the bytes up to the first invalid byte.

use std::borrow::Cow;

use iacgate_core::finding::{Finding, Side};
use iacgate_core::model::{line_col, Dependency, ExtractError, Span};

/// The text spans into `bytes` refer to.
pub fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// `span` lies in `text`, in order, on character boundaries.
pub fn span(text: &str, span: Span, what: &dyn std::fmt::Display) {
    assert!(
        span.start <= span.end,
        "{what}: span {}..{} ends before it starts",
        span.start,
        span.end
    );
    assert!(
        span.end <= text.len(),
        "{what}: span {}..{} ends past the text ({} bytes)",
        span.start,
        span.end,
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {}..{} is not on character boundaries",
        span.start,
        span.end
    );
}

/// An offset (an error's) lies in `text`, on a character boundary.
pub fn offset(text: &str, offset: usize, what: &dyn std::fmt::Display) {
    span(text, Span::new(offset, offset), what);
}

/// Every span of one dependency of `text`.
pub fn dependency(text: &str, dep: &Dependency) {
    span(text, dep.span, &format_args!("{} span", dep.key));
    if let Some(source) = &dep.source {
        span(text, source.span, &format_args!("{} source span", dep.key));
    }
    if let Some(version) = &dep.version {
        span(
            text,
            version.span,
            &format_args!("{} version span", dep.key),
        );
    }
}

/// What `extract` (or `extract_in`) gave for `bytes`.
pub fn extracted(bytes: &[u8], result: &Result<Vec<Dependency>, ExtractError>) {
    let text = text_of(bytes);
    match result {
        Ok(deps) => {
            if !deps.is_empty() {
                assert!(
                    std::str::from_utf8(bytes).is_ok(),
                    "dependencies read from bytes that are not UTF-8"
                );
            }
            for dep in deps {
                dependency(&text, dep);
            }
        }
        Err(err) => {
            assert!(!err.message.is_empty(), "an error without a message");
            offset(&text, err.offset, &format_args!("error {:?}", err.message));
        }
    }
}

/// A finding about the file whose two sides are `old` and `new` (lossy
/// text): its span lies in the text of its side, and its line and column
/// are where that span starts.
pub fn finding(finding: &Finding, old: Option<&str>, new: Option<&str>) {
    let text = match finding.side {
        Side::Old => old,
        Side::New => new,
    };
    let what = format_args!("{} finding {:?}", finding.rule.name, finding.message);
    assert!(
        finding.line >= 1 && finding.column >= 1,
        "{what}: line or column 0"
    );
    assert!(!finding.message.is_empty(), "{what}: no message");
    let Some(text) = text else {
        return;
    };
    span(text, finding.span, &what);
    assert_eq!(
        (finding.line, finding.column),
        line_col(text, finding.span.start),
        "{what}: line and column are not where the span starts"
    );
}
