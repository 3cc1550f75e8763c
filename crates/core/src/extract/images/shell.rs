//! The part of BuildKit's shell-word lexer that image references go
//! through: words split at unquoted whitespace, quotes removed, `ARG`
//! variables expanded (`$NAME`, `${NAME}`, `${NAME:-word}` and the other
//! `-`/`+` forms). Anything it cannot evaluate makes the word unresolved.

use std::collections::HashMap;
use std::ops::Range;

/// Variables in scope: each name with its value, or `None` when it has
/// no value we can know (declared without a default, or with one that
/// could not be resolved).
pub(super) type Scope = HashMap<String, Option<String>>;

/// The words of `text` as byte ranges: split at whitespace outside quotes;
/// `escape` escapes the next character (not inside single quotes).
pub(super) fn words(text: &str, escape: char) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == escape && q == '"' {
                escaped = true;
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(s..i);
            }
            continue;
        }
        start.get_or_insert(i);
        if c == escape {
            escaped = true;
        } else if c == '"' || c == '\'' {
            quote = Some(c);
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// `word` with its quotes and escapes removed and its variables replaced
/// from `scope`; `None` when a variable has no known value, uses an
/// operator other than `-`, `:-`, `+`, `:+`, or a quote is not closed.
pub(super) fn expand(word: &str, scope: &Scope, escape: char) -> Option<String> {
    let mut lexer = Lexer {
        chars: word.chars().collect(),
        pos: 0,
        scope,
        escape,
        broken: false,
        depth: 0,
    };
    let value = lexer.word(None);
    if lexer.broken || lexer.pos < lexer.chars.len() {
        return None;
    }
    value
}

struct Lexer<'s> {
    chars: Vec<char>,
    pos: usize,
    scope: &'s Scope,
    escape: char,
    /// A syntax error: the whole word is unresolved.
    broken: bool,
    /// How many `${` the lexer is inside.
    depth: usize,
}

/// Deepest nesting of `${...${...}}` expanded (the lexer recurses per level).
const MAX_DEPTH: usize = 32;

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads up to the end or to an unquoted `stop` (left unread). Always
    /// consumes its text, so an unresolved part does not end the parse:
    /// `${A:-$UNSET}` is still `A` when `A` has a value.
    fn word(&mut self, stop: Option<char>) -> Option<String> {
        let mut out = Some(String::new());
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                break;
            }
            self.pos += 1;
            let part = match c {
                '\'' => self.single_quoted(),
                '"' => self.double_quoted(),
                '$' => self.variable(),
                c if c == self.escape => self.next().map(String::from).or(Some(String::new())),
                c => Some(c.to_string()),
            };
            out = out.zip(part).map(|(mut s, p)| {
                s.push_str(&p);
                s
            });
        }
        out
    }

    fn single_quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            match self.next() {
                Some('\'') => return Some(out),
                Some(c) => out.push(c),
                None => {
                    self.broken = true;
                    return None;
                }
            }
        }
    }

    fn double_quoted(&mut self) -> Option<String> {
        let mut out = Some(String::new());
        loop {
            let part = match self.next() {
                Some('"') => return out,
                None => {
                    self.broken = true;
                    return None;
                }
                Some('$') => self.variable(),
                Some(c) if c == self.escape => match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.pos += 1;
                        Some(n.to_string())
                    }
                    _ => Some(c.to_string()),
                },
                Some(c) => Some(c.to_string()),
            };
            out = out.zip(part).map(|(mut s, p)| {
                s.push_str(&p);
                s
            });
        }
    }

    /// After a `$`.
    fn variable(&mut self) -> Option<String> {
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                self.braced()
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.name();
                self.lookup(&name)
            }
            // `$1`, `$@`, ...: shell parameters no build defines.
            Some(c) if c.is_ascii_digit() || "@*#?!$-".contains(c) => {
                self.pos += 1;
                None
            }
            _ => Some("$".to_owned()),
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            name.push(c);
            self.pos += 1;
        }
        name
    }

    /// After `${`: `NAME}`, or `NAME<op>word}` with `-`, `:-`, `+`, `:+`.
    fn braced(&mut self) -> Option<String> {
        self.depth += 1;
        let value = self.braced_inner();
        self.depth -= 1;
        value
    }

    fn braced_inner(&mut self) -> Option<String> {
        if self.depth > MAX_DEPTH {
            self.broken = true;
            self.pos = self.chars.len();
            return None;
        }
        let name = self.name();
        if name.is_empty() {
            self.broken = true;
            return None;
        }
        let value = self.lookup(&name);
        let colon = self.peek() == Some(':');
        if colon {
            self.pos += 1;
        }
        let op = match self.next() {
            Some('}') if !colon => return value,
            Some(op @ ('-' | '+')) => op,
            // `:?`, `#`, `%`, `/`, substrings: not evaluated here.
            Some(_) => {
                self.skip_to_brace();
                return None;
            }
            None => {
                self.broken = true;
                return None;
            }
        };
        let word = self.word(Some('}'));
        if self.next() != Some('}') {
            self.broken = true;
            return None;
        }
        // Only a variable with a value gets here resolved: an unset one
        // is unresolved, whatever its default, since a build argument can
        // set it.
        let value = value?;
        let set = !colon || !value.is_empty();
        match (op, set) {
            ('-', true) => Some(value),
            ('-', false) => word,
            ('+', true) => word,
            _ => Some(String::new()),
        }
    }

    fn skip_to_brace(&mut self) {
        let mut depth = 1;
        while let Some(c) = self.next() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
        self.broken = true;
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.scope.get(name).cloned().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope::from([
            ("BASE".to_owned(), Some("python:3.12".to_owned())),
            ("EMPTY".to_owned(), Some(String::new())),
            ("UNSET".to_owned(), None),
        ])
    }

    fn ex(word: &str) -> Option<String> {
        expand(word, &scope(), '\\')
    }

    #[test]
    fn splits_words_outside_quotes() {
        let text = r#"--from="a b" 'c d'  e\ f x"#;
        let got: Vec<&str> = words(text, '\\').into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, [r#"--from="a b""#, "'c d'", r"e\ f", "x"]);
        let text = "a`\tb c";
        let got: Vec<&str> = words(text, '`').into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, ["a`\tb", "c"]);
        assert!(words("   ", '\\').is_empty());
    }

    #[test]
    fn expands_variables_with_values() {
        assert_eq!(ex("$BASE").as_deref(), Some("python:3.12"));
        assert_eq!(ex("${BASE}-slim").as_deref(), Some("python:3.12-slim"));
        assert_eq!(ex("\"${BASE}\"").as_deref(), Some("python:3.12"));
        assert_eq!(ex("'$BASE'").as_deref(), Some("$BASE"));
        assert_eq!(ex(r"\$BASE").as_deref(), Some("$BASE"));
        assert_eq!(ex("${BASE:-x}").as_deref(), Some("python:3.12"));
        assert_eq!(ex("${BASE:-$UNSET}").as_deref(), Some("python:3.12"));
        assert_eq!(ex("${EMPTY:-x}").as_deref(), Some("x"));
        assert_eq!(ex("${EMPTY-x}").as_deref(), Some(""));
        assert_eq!(ex("${BASE:+y}").as_deref(), Some("y"));
        assert_eq!(ex("${EMPTY:+y}").as_deref(), Some(""));
        assert_eq!(ex("${EMPTY+y}").as_deref(), Some("y"));
        assert_eq!(ex("a$").as_deref(), Some("a$"));
        assert_eq!(ex("a$/b").as_deref(), Some("a$/b"));
    }

    #[test]
    fn unknown_values_and_operators_are_unresolved() {
        for word in [
            "$UNSET",
            "${UNSET:-x}",
            "$NOPE",
            "${BASE%:*}",
            "${BASE:?x}",
            "${BASE",
            "${}",
            "\"open",
            "'open",
            "$1",
            "${BASE:-x",
        ] {
            assert_eq!(ex(word), None, "{word}");
        }
    }

    #[test]
    fn deep_nesting_is_unresolved_not_a_stack_overflow() {
        let deep = format!("{}x{}", "${BASE:-".repeat(100_000), "}".repeat(100_000));
        assert_eq!(ex(&deep), None);
        let ok = format!("{}x{}", "${EMPTY:-".repeat(10), "}".repeat(10));
        assert_eq!(ex(&ok).as_deref(), Some("x"));
    }
}
