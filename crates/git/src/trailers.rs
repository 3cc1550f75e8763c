//! Commit message trailers (`Key: value` lines in the last paragraph), parsed
//! the way git does.
//!
//! This is a port of git's `trailer.c` (`git interpret-trailers --parse`),
//! with the semantics git itself uses for commit messages: `git log
//! --format=%(trailers)`, `git commit --trailer` and the sequencer all parse
//! without the patch divider, i.e. a `---` line does *not* end the message
//! (`--no-divider`). Differences from `git interpret-trailers`: trailer
//! configuration (`trailer.<token>.key`, extra separators) is not consulted,
//! so only `Signed-off-by: ` and `(cherry picked from commit ` count as
//! git-generated lines.

/// One trailer: `key` as written in the message (trimmed), `value` trimmed
/// and with continuation lines folded into one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

/// Lines that git itself writes; a block with one of them only needs 25%
/// trailer lines.
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

const CUT_LINE: &[u8] = b"------------------------ >8 ------------------------\n";

/// Parses the trailers of a commit message as git does: comment lines
/// (starting with `comment_char`) and everything from the scissors line
/// (`<comment_char> ------------------------ >8 ------------------------`)
/// on are ignored; the trailer block is the last paragraph (never the first
/// one, which is the title) when all its lines are `Token: value` lines or
/// continuation lines, or when it holds a git-generated line
/// (`Signed-off-by: `) and at least 25% trailer lines. Non-trailer lines of
/// such a block are skipped. Continuation lines (starting with whitespace)
/// are folded into the previous value with a single space. Keys are returned
/// as written; compare them case-insensitively.
pub fn parse_trailers(message: &str, comment_char: char) -> Vec<Trailer> {
    let mut buf = [0u8; 4];
    parse_trailers_commented(message, comment_char.encode_utf8(&mut buf))
}

/// [`parse_trailers`] with comment lines starting with `comment`, which
/// `core.commentString` may make longer than one character.
pub fn parse_trailers_commented(message: &str, comment: &str) -> Vec<Trailer> {
    let comment = if comment.is_empty() { "#" } else { comment };
    let bytes = message.as_bytes();
    // git handles the message as a C string.
    let buf = match bytes.iter().position(|&b| b == 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    };
    // Like `git interpret-trailers`, complete a last line without newline
    // (it matters for the scissors and `Conflicts:` lines).
    let completed;
    let buf = if buf.is_empty() || buf.ends_with(b"\n") {
        buf
    } else {
        completed = [buf, b"\n"].concat();
        &completed[..]
    };
    let comment = comment.as_bytes();

    let end = buf.len() - ignored_log_message_bytes(buf, buf.len(), comment);
    let start = find_trailer_block_start(buf, end, comment);
    if start >= end {
        return Vec::new();
    }

    // Split the block into lines (keeping the '\n'), folding continuation
    // lines into the trailer before them.
    let mut items: Vec<Vec<u8>> = Vec::new();
    let mut last: Option<usize> = None;
    for line in buf[start..end].split_inclusive(|&b| b == b'\n') {
        if let Some(i) = last {
            if line.first().is_some_and(|&b| is_space(b)) {
                items[i].extend_from_slice(line);
                continue;
            }
        }
        last = (find_separator(line) >= 1).then_some(items.len());
        items.push(line.to_vec());
    }

    let mut trailers = Vec::new();
    for item in &items {
        if item.starts_with(comment) {
            continue;
        }
        let sep = find_separator(item);
        if sep < 1 {
            continue;
        }
        let sep = sep as usize;
        let key = trim(&item[..sep]);
        let value = unfold(trim(&item[sep + 1..]));
        trailers.push(Trailer {
            key: String::from_utf8_lossy(key).into_owned(),
            value: String::from_utf8_lossy(&value).into_owned(),
        });
    }
    trailers
}

/// git's `isspace` (`sane_ctype`): space, tab, LF, CR.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Folds continuation lines: a newline and the whitespace after it become one
/// space.
fn unfold(val: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(val.len());
    let mut i = 0;
    while i < val.len() {
        let c = val[i];
        i += 1;
        if c == b'\n' {
            while i < val.len() && is_space(val[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

/// Position of the `:` ending a `Token:` / `Token :` prefix, or -1. The token
/// is `[A-Za-z0-9-]+`, optionally followed by blanks.
fn find_separator(line: &[u8]) -> isize {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return i as isize;
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    -1
}

/// Start of the line after the one at `pos` (or the end of the buffer).
fn next_line(buf: &[u8], pos: usize) -> usize {
    match buf[pos.min(buf.len())..].iter().position(|&b| b == b'\n') {
        Some(i) => pos + i + 1,
        None => buf.len(),
    }
}

/// Start of the last line of `buf[..len]` (a final '\n' belongs to that
/// line), or None when `len` is 0.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => Some(
            buf[..len - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1),
        ),
    }
}

fn is_blank_line(buf: &[u8], pos: usize) -> bool {
    buf[pos.min(buf.len())..]
        .iter()
        .find(|&&b| !(b != b'\n' && is_space(b)))
        .is_none_or(|&b| b == b'\n')
}

/// git's `wt_status_locate_end`: where the scissors line starts, or `len`.
fn locate_scissors(buf: &[u8], len: usize, comment: &[u8]) -> usize {
    let mut pattern = Vec::with_capacity(2 + comment.len() + CUT_LINE.len());
    pattern.push(b'\n');
    pattern.extend_from_slice(comment);
    pattern.push(b' ');
    pattern.extend_from_slice(CUT_LINE);
    if buf.starts_with(&pattern[1..]) {
        return 0;
    }
    match buf.windows(pattern.len()).position(|w| w == pattern) {
        Some(p) => (p + 1).min(len),
        None => len,
    }
}

/// git's `ignored_log_message_bytes`: the scissors section and trailing
/// comments, blank lines and an old-style `Conflicts:` block.
fn ignored_log_message_bytes(buf: &[u8], len: usize, comment: &[u8]) -> usize {
    let mut boc = 0;
    let mut bol = 0;
    let mut in_old_conflicts_block = false;
    let cutoff = locate_scissors(buf, len, comment);

    while bol < cutoff {
        let next = match buf[bol..len].iter().position(|&b| b == b'\n') {
            Some(i) => bol + i + 1,
            None => len,
        };
        if buf[bol..cutoff].starts_with(comment) || buf[bol] == b'\n' {
            if boc == 0 {
                boc = bol;
            }
        } else if buf[bol..].starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && buf[bol] == b'\t' {
            // A path in the conflicts block.
        } else if boc != 0 {
            boc = 0;
            in_old_conflicts_block = false;
        }
        bol = next;
    }
    if boc != 0 {
        len - boc
    } else {
        len - cutoff
    }
}

/// git's `find_trailer_block_start`: where the trailer block of
/// `buf[..len]` starts, or `len` when there is none.
fn find_trailer_block_start(buf: &[u8], len: usize, comment: &[u8]) -> usize {
    // The first paragraph is the title and cannot be trailers.
    let mut s = 0;
    while s < len {
        if buf[s..len].starts_with(comment) {
            s = next_line(buf, s);
            continue;
        }
        if is_blank_line(buf, s) {
            break;
        }
        s = next_line(buf, s);
    }
    let end_of_title = s;

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut possible_continuation_lines = 0usize;

    let mut l = last_line(buf, len);
    while let Some(bol) = l.filter(|&bol| bol >= end_of_title) {
        l = last_line(buf, bol);
        if buf[bol..len].starts_with(comment) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(buf, bol) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return next_line(buf, bol);
            }
            return len;
        }
        only_spaces = false;

        let line = &buf[bol..];
        if GIT_GENERATED_PREFIXES.iter().any(|p| line.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }
        if find_separator(line) >= 1 && !is_space(line[0]) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if is_space(line[0]) {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn t(key: &str, value: &str) -> Trailer {
        Trailer {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }

    /// What real git says, as (key, value) pairs.
    fn git_parse(message: &str, comment_char: char, no_divider: bool) -> Vec<Trailer> {
        let mut cmd = Command::new("git");
        cmd.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_CONFIG_PARAMETERS")
            .env_remove("GIT_CONFIG_COUNT")
            .arg("-c")
            .arg(format!("core.commentChar={comment_char}"))
            .args(["interpret-trailers", "--parse"]);
        if no_divider {
            cmd.arg("--no-divider");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run git interpret-trailers");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(message.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\n')
            .map(|line| {
                let (key, value) = line.split_once(':').expect("key: value");
                t(key, value.strip_prefix(' ').unwrap_or(value))
            })
            .collect()
    }

    const CASES: &[(&str, &str)] = &[
        ("empty", ""),
        ("subject only", "Add vpc module\n"),
        ("subject only, no newline", "Add vpc module"),
        ("trailer-looking subject", "Reviewed-by: A <a@x>\n"),
        (
            "one paragraph with trailer-looking lines",
            "Subject\nReviewed-by: A <a@x>\n",
        ),
        (
            "subject and body without trailers",
            "Subject\n\nSome body text.\nMore text.\n",
        ),
        (
            "simple trailers",
            "Subject\n\nBody\n\nReviewed-by: Alice <alice@example.com>\nApproved-by: Bob <bob@example.com>\n",
        ),
        (
            "trailers right after the subject",
            "Subject\n\nReviewed-by: Alice <alice@example.com>\n",
        ),
        (
            "continuation lines",
            "Subject\n\nBody\n\nReviewed-by: Alice\n  <alice@example.com>\n\tmore\nAcked-by: B\n",
        ),
        (
            "continuation with trailing blanks",
            "Subject\n\nBody\n\nReviewed-by: Alice  \n   cont  \n",
        ),
        (
            "lowercase keys",
            "Subject\n\nBody\n\nreviewed-by: a <a@x>\nAPPROVED-BY: b <b@x>\n",
        ),
        (
            "comments inside the block",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>\n# a comment\nAcked-by: B\n# trailing comment\n",
        ),
        (
            "comment before a continuation line",
            "Subject\n\nBody\n\nReviewed-by: A\n# c\n  cont\n",
        ),
        (
            "scissors with fake trailers after it",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>\n# ------------------------ >8 ------------------------\n# Do not modify\n\nFake-by: x\n\nFake2: y\n",
        ),
        (
            "scissors right after the body",
            "Subject\n\nBody\n# ------------------------ >8 ------------------------\n\nReviewed-by: fake\n",
        ),
        (
            "scissors at the start",
            "# ------------------------ >8 ------------------------\nSubject\n\nReviewed-by: fake\n",
        ),
        (
            "commit template comments",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>\n\n# Please enter the commit message for your changes.\n# Lines starting with '#' will be ignored.\n#\n# On branch main\n",
        ),
        (
            "CRLF line endings",
            "Subject\r\n\r\nBody\r\n\r\nReviewed-by: A <a@x>\r\nAcked-by: B\r\n",
        ),
        (
            "CRLF with continuation",
            "Subject\r\n\r\nBody\r\n\r\nReviewed-by: A\r\n  <a@x>\r\n",
        ),
        (
            "trailers in the middle paragraph only",
            "Subject\n\nReviewed-by: A <a@x>\nAcked-by: B\n\nJust a closing paragraph.\n",
        ),
        (
            "one non-trailer line mixed in",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>\nthis is not a trailer\n",
        ),
        (
            "space before the colon",
            "Subject\n\nBody\n\nReviewed-by : A <a@x>\nKey\t:value\n",
        ),
        (
            "space inside the key",
            "Subject\n\nBody\n\nReviewed by: A <a@x>\n",
        ),
        (
            "leading space on the first line",
            "Subject\n\nBody\n\n Reviewed-by: A <a@x>\n",
        ),
        (
            "signed-off-by with 25% rule",
            "Subject\n\nBody\n\nSigned-off-by: A <a@x>\nnot a trailer\nmore text\nReviewed-by: B <b@x>\n",
        ),
        (
            "signed-off-by below 25%",
            "Subject\n\nBody\n\nSigned-off-by: A <a@x>\nnot a trailer\nmore text\nand more\nmore\n",
        ),
        (
            "cherry picked line",
            "Subject\n\nBody\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\nReviewed-by: A <a@x>\n",
        ),
        (
            "trailing blank lines",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>\n\n\n\n",
        ),
        (
            "whitespace-only lines at the end",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>\n   \n",
        ),
        (
            "empty value",
            "Subject\n\nBody\n\nReviewed-by:\nAcked-by: B\n",
        ),
        (
            "url-like line",
            "Subject\n\nBody\n\nhttps://example.com/x\n",
        ),
        (
            "old conflicts block",
            "Merge x\n\nReviewed-by: A <a@x>\n\nConflicts:\n\tmain.tf\n",
        ),
        (
            "no trailing newline",
            "Subject\n\nBody\n\nReviewed-by: A <a@x>",
        ),
        (
            "comment lines in the title",
            "# comment\nSubject\n# more\n\nReviewed-by: A <a@x>\n",
        ),
        (
            "only comments and blanks",
            "# a\n\n# b\n",
        ),
        (
            "non-ASCII",
            "Sujet é\n\nCorps\n\nReviewed-by: Zoë <zoe@exämple.com>\n",
        ),
        (
            "NUL byte",
            "Subject\n\nReviewed-by: A\0\nAcked-by: B\n",
        ),
    ];

    #[test]
    fn matches_git_interpret_trailers() {
        for (name, message) in CASES {
            let ours = parse_trailers(message, '#');
            let theirs = git_parse(message, '#', true);
            assert_eq!(ours, theirs, "case {name:?}: {message:?}");
            // Without a `---` line the patch divider makes no difference.
            assert_eq!(
                theirs,
                git_parse(message, '#', false),
                "case {name:?} (divider)"
            );
        }
    }

    #[test]
    fn dashes_do_not_end_the_message() {
        // git log %(trailers) and `git commit --trailer` parse commit messages
        // without the patch divider; so do we.
        let message = "Subject\n\nBody\n---\n\nReviewed-by: A <a@x>\n";
        let ours = parse_trailers(message, '#');
        assert_eq!(ours, vec![t("Reviewed-by", "A <a@x>")]);
        assert_eq!(ours, git_parse(message, '#', true));
    }

    #[test]
    fn expected_values() {
        assert!(parse_trailers("Subject\n", '#').is_empty());
        assert_eq!(
            parse_trailers(
                "Subject\n\nBody\n\nReviewed-by: A\n  <a@x>\n# c\nreviewed-by : b <b@x>\n",
                '#'
            ),
            vec![t("Reviewed-by", "A <a@x>"), t("reviewed-by", "b <b@x>")]
        );
        assert!(parse_trailers("Subject\n\nReviewed-by: A\nnot one\n", '#').is_empty());
    }

    #[test]
    fn other_comment_chars() {
        let semicolon = "Subject\n\nBody\n\nReviewed-by: A <a@x>\n; comment\n; ------------------------ >8 ------------------------\nFake: y\n";
        let hash = "Subject\n\nBody\n\nReviewed-by: A <a@x>\n# not a comment under ';'\n";
        for message in [semicolon, hash] {
            for c in [';', '#'] {
                assert_eq!(
                    parse_trailers(message, c),
                    git_parse(message, c, true),
                    "{c} {message:?}"
                );
            }
        }
        assert_eq!(
            parse_trailers(semicolon, ';'),
            vec![t("Reviewed-by", "A <a@x>")]
        );
        assert!(parse_trailers(semicolon, '#').is_empty());
        assert!(parse_trailers(hash, ';').is_empty());
        assert_eq!(parse_trailers(hash, '#').len(), 1);
    }

    /// Random messages built from tricky lines, checked against git.
    #[test]
    fn differential_against_git() {
        let lines = [
            "Subject",
            "",
            "",
            "   ",
            "Body text.",
            "Reviewed-by: A <a@x>",
            "reviewed-by : b <b@x>",
            "Signed-off-by: S <s@x>",
            "(cherry picked from commit 0123abc)",
            "  continued",
            "\tcontinued with tab",
            "# comment",
            "#",
            "# ------------------------ >8 ------------------------",
            "Conflicts:",
            "\tmain.tf",
            "not a trailer",
            "Key x: y",
            "Key:",
            ":no key",
            "Acked-by: C\r",
            "\r",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        for _ in 0..150 {
            let count = 1 + next(8);
            let mut message = String::new();
            for _ in 0..count {
                message.push_str(lines[next(lines.len())]);
                message.push('\n');
            }
            if next(4) == 0 {
                message.pop();
            }
            assert_eq!(
                parse_trailers(&message, '#'),
                git_parse(&message, '#', true),
                "{message:?}"
            );
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let pieces = [
            "",
            "\n",
            "\r\n",
            " ",
            "\t",
            "#",
            "# ",
            ":",
            "a:",
            "Key: v",
            "  c",
            "---",
            "\0",
            "é",
            "Signed-off-by: ",
            "(cherry picked from commit ",
            "# ------------------------ >8 ------------------------\n",
            "Conflicts:\n",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let message = format!("{a}\n{b}\n\n{c}{a}\n{b}");
                    let _ = parse_trailers(&message, '#');
                    let message = format!("{a}{b}{c}");
                    let _ = parse_trailers(&message, '#');
                }
            }
        }
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::parse_trailers;

    proptest! {
        #[test]
        fn never_panics(message in "(.|\n){0,400}", comment in prop::sample::select(vec!['#', ';', '*'])) {
            let _ = parse_trailers(&message, comment);
        }

        #[test]
        fn trailer_like_messages_never_panic(
            lines in prop::collection::vec("([A-Za-z-]{1,12}: [^\n]{0,30}|[ \t]+[^\n]{0,20}|# [^\n]{0,20}|)", 0..12)
        ) {
            let message = format!("Subject\n\n{}", lines.join("\n"));
            let _ = parse_trailers(&message, '#');
        }
    }
}
