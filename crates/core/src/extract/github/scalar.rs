//! Where a scalar's value sits in the file. saphyr ends a quoted scalar's
//! span after the spaces and the comment that follow it on its line
//! (`"a@v1" # v1.2.3`), so quoted values are narrowed here to their own
//! bytes: the spans users see, and the start of the trailing comment.

use crate::extract::yaml::Node;
use crate::model::{ExtractError, Span, Spanned};

/// The opening and closing quote of a quoted scalar (`close` is past it).
fn quotes(text: &str, node: &Node) -> Option<(usize, usize)> {
    let start = node.span.start;
    let bytes = text.get(start..node.span.end)?.as_bytes();
    let mut i = 0;
    // Past the anchor (`&a`) and tag (`!!str`).
    loop {
        match bytes.get(i)? {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'&' | b'!' => {
                while bytes.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    let quote = *bytes.get(i)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut j = i + 1;
    while let Some(&b) = bytes.get(j) {
        // `\"` escapes a quote in double quotes, `''` in single quotes.
        let escape = if quote == b'"' {
            b == b'\\'
        } else {
            b == quote && bytes.get(j + 1) == Some(&quote)
        };
        if escape {
            j += 2;
        } else if b == quote {
            return Some((start + i, start + j + 1));
        } else {
            j += 1;
        }
    }
    None
}

/// Where `node`'s value ends: past a quoted scalar's closing quote.
pub(super) fn end(text: &str, node: &Node) -> usize {
    quotes(text, node).map_or(node.span.end, |(_, close)| close)
}

/// `node` as a string (see [`Node::string`]), spanned on the value as
/// written, quotes included and a trailing comment not.
pub(super) fn string(
    text: &str,
    node: &Node,
    subject: &str,
) -> Result<Option<Spanned<String>>, ExtractError> {
    Ok(node.string(subject)?.map(|value| {
        let span = match quotes(text, node) {
            Some((open, close)) => Span::new(open, close),
            None => value.span,
        };
        Spanned::new(value.value, span)
    }))
}

/// The span of `value[range]`, `value` being `node`'s string: exact when
/// the value is in the file byte for byte, else the whole value.
pub(super) fn sub_span(
    text: &str,
    node: &Node,
    value: &str,
    range: std::ops::Range<usize>,
) -> Span {
    let Some((open, close)) = quotes(text, node) else {
        return node.sub_span(range);
    };
    let inner = open + 1..close.saturating_sub(1);
    let verbatim = inner.start <= inner.end && text.get(inner.clone()) == Some(value);
    if verbatim && range.start <= range.end && range.end <= value.len() {
        Span::new(inner.start + range.start, inner.start + range.end)
    } else {
        Span::new(open, close)
    }
}
