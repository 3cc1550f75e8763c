//! Cheap textual checks made before any parsing: whether a file may be a
//! template at all, and whether parsing it could blow up.

use crate::model::ExtractError;

/// The file says it may be a template: it mentions
/// `AWSTemplateFormatVersion` or `Resources` (anywhere: the key may be an
/// alias of an anchor set elsewhere). A file without either, such as a CI
/// config or a manifest, costs one scan.
pub(super) fn has_marker(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion") || text.contains("Resources")
}

/// A marker written as a top-level key: a YAML line that starts with
/// `AWSTemplateFormatVersion:` or `Resources:` (quoted or not), or a JSON
/// key `"AWSTemplateFormatVersion"` / `"Resources"` followed by `:`.
pub(super) fn has_top_level_marker(text: &str) -> bool {
    const KEYS: [&str; 2] = ["AWSTemplateFormatVersion", "Resources"];
    let yaml = text.lines().any(|line| {
        let line = line.trim_start_matches('\u{feff}');
        let unquoted = line
            .strip_prefix('"')
            .or_else(|| line.strip_prefix('\''))
            .unwrap_or(line);
        KEYS.iter().any(|key| {
            unquoted.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.trim_start_matches(['"', '\'']).trim_start();
                rest.starts_with(':')
            })
        })
    });
    yaml || KEYS.iter().any(|key| {
        text.match_indices(&format!("\"{key}\""))
            .any(|(i, m)| text[i + m.len()..].trim_start().starts_with(':'))
    })
}

/// The markers could be spelt with escapes that make letters: JSON and
/// double-quoted YAML `\u0073`, YAML `\x73` and `\U00000073`, or a YAML
/// escaped line break inside a word. Such a file is parsed too, but is ours
/// only if it turns out to be a template.
pub(super) fn may_hide_marker(text: &str) -> bool {
    text.match_indices('\\').any(|(i, _)| {
        matches!(
            text.as_bytes().get(i + 1),
            Some(b'u' | b'U' | b'x' | b'\r' | b'\n')
        )
    })
}

/// The deepest a block collection may start, in columns. saphyr's loader
/// and the tree it builds recurse once per level; a block level needs a
/// column of indentation (or a compact `- `, `? `, `: `), and flow levels
/// stop at 255 in saphyr's scanner, so this bounds the depth.
const MAX_COLUMNS: usize = 500;

/// Checks a YAML text can be loaded with bounded effort: no nesting deeper
/// than [`MAX_COLUMNS`], and no alias that could expand exponentially.
pub(super) fn check_yaml(text: &str) -> Result<(), ExtractError> {
    nesting(text)?;
    aliases(text)
}

fn nesting(text: &str) -> Result<(), ExtractError> {
    let mut line_start = 0;
    for line in text.split('\n') {
        let bytes = line.as_bytes();
        let mut i = 0;
        loop {
            while matches!(bytes.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            let indicator = matches!(bytes.get(i), Some(b'-' | b'?' | b':'));
            let separated = matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\r'));
            if indicator && separated && i < bytes.len() {
                i += 1;
            } else {
                break;
            }
        }
        if i > MAX_COLUMNS {
            return Err(ExtractError::new(
                format!("YAML nested or indented deeper than {MAX_COLUMNS} columns: not a template we can read safely"),
                line_start + MAX_COLUMNS,
            ));
        }
        line_start += line.len() + 1;
    }
    Ok(())
}

/// saphyr budgets the nodes an alias copies, but counts a mapping key as
/// one node whatever its size: aliases inside keys can still expand
/// exponentially (a billion laughs through keys). Templates have string
/// keys; a file that uses aliases and may also have a complex key (an
/// explicit `? ` key, an alias as a key, a flow collection as a key) is
/// refused.
fn aliases(text: &str) -> Result<(), ExtractError> {
    let bytes = text.as_bytes();
    let anchors: std::collections::HashSet<&str> =
        tokens(text, b'&').map(|(_, name)| name).collect();
    let mut aliases = tokens(text, b'*')
        .filter(|(_, name)| anchors.contains(name))
        .peekable();
    let Some(&(first, _)) = aliases.peek() else {
        return Ok(());
    };
    let refuse = |offset: usize| {
        Err(ExtractError::new(
            "YAML aliases together with a complex mapping key (an explicit `? ` key, an alias or a collection as a key): refused, as they can expand without bound",
            offset,
        ))
    };
    // An alias used as a key: `*a : x`.
    for (at, name) in aliases {
        let after = at + 1 + name.len();
        if name.ends_with(':')
            || text[after..]
                .trim_start_matches([' ', '\t'])
                .starts_with(':')
        {
            return refuse(at);
        }
    }
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            // An explicit key.
            b'?' if token_start(bytes, i)
                && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n')) =>
            {
                return refuse(i);
            }
            // A flow collection as a key, after an alias (which it may
            // contain); not the `}` of a `${Sub}` variable.
            b']' | b'}'
                if i > first
                    && text[i + 1..]
                        .trim_start_matches([' ', '\t'])
                        .starts_with(':')
                    && !closes_variable(bytes, i) =>
            {
                return refuse(i);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Tokens introduced by `sigil` (`&name`, `*name`) where a YAML node may
/// start, with their names.
fn tokens(text: &str, sigil: u8) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(move |&(i, &b)| b == sigil && token_start(bytes, i))
        .filter_map(move |(i, _)| {
            let mut end = i + 1;
            while bytes.get(end).is_some_and(|b| {
                !matches!(
                    b,
                    b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
                )
            }) {
                end += 1;
            }
            (end > i + 1).then(|| (i, &text[i + 1..end]))
        })
}

fn token_start(bytes: &[u8], i: usize) -> bool {
    i == 0
        || matches!(
            bytes[i - 1],
            b' ' | b'\t' | b'\r' | b'\n' | b'[' | b'{' | b','
        )
}

/// Whether the `}` at `i` closes a `${...}` on the same line.
fn closes_variable(bytes: &[u8], i: usize) -> bool {
    if bytes[i] != b'}' {
        return false;
    }
    for j in (0..i).rev() {
        match bytes[j] {
            b'{' => return j > 0 && bytes[j - 1] == b'$',
            b'}' | b'\n' => return false,
            _ => {}
        }
    }
    false
}
