//! The standard input git gives the `pre-push` and `pre-receive` hooks.
//!
//! Both are one line per ref update, and every line counts: a push of two
//! refs where only the second is bad must be judged on both. Parsing fails
//! closed: a malformed line is an error naming its line number, never
//! skipped. Ids must be full lowercase hex object ids, 40 digits (SHA-1) or
//! 64 (SHA-256), the same length throughout. Ref names may hold any byte but
//! space and newline; they are turned into `String`s lossily (U+FFFD for
//! invalid UTF-8). A CR before the LF is tolerated, so is a last line
//! without LF.

use std::io::Read;

use crate::GitError;

/// Largest hook input accepted, in bytes.
pub const MAX_HOOK_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Most lines accepted in a hook input.
pub const MAX_HOOK_INPUT_LINES: usize = 100_000;

/// One line of pre-push stdin:
/// `<local ref> SP <local id> SP <remote ref> SP <remote id> LF`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PushUpdate {
    /// `(delete)` when the remote ref is being deleted.
    pub local_ref: String,
    pub local_id: String,
    pub remote_ref: String,
    pub remote_id: String,
}

impl PushUpdate {
    /// The remote ref is being deleted (the local id is all zeros).
    pub fn is_deletion(&self) -> bool {
        is_zero_id(&self.local_id)
    }

    /// The remote ref does not exist yet (the remote id is all zeros).
    pub fn is_new_ref(&self) -> bool {
        is_zero_id(&self.remote_id)
    }
}

/// One line of pre-receive (and post-receive) stdin:
/// `<old id> SP <new id> SP <ref name> LF`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefUpdate {
    pub old_id: String,
    pub new_id: String,
    pub ref_name: String,
}

impl RefUpdate {
    /// The ref is being deleted (the new id is all zeros).
    pub fn is_deletion(&self) -> bool {
        is_zero_id(&self.new_id)
    }

    /// The ref does not exist yet (the old id is all zeros).
    pub fn is_new_ref(&self) -> bool {
        is_zero_id(&self.old_id)
    }
}

/// The null object id of either hash: 40 or 64 `0`s.
pub fn is_zero_id(id: &str) -> bool {
    (id.len() == 40 || id.len() == 64) && id.bytes().all(|b| b == b'0')
}

/// Reads a hook's standard input, refusing more than
/// [`MAX_HOOK_INPUT_BYTES`] without reading (much) further. `hook` names the
/// hook in the error.
pub fn read_hook_input(reader: impl Read, hook: &'static str) -> Result<Vec<u8>, GitError> {
    let mut input = Vec::new();
    reader
        .take(MAX_HOOK_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut input)
        .map_err(|e| GitError::HookInput {
            hook,
            line: None,
            reason: format!("cannot read standard input: {e}"),
        })?;
    check_size(&input, hook)?;
    Ok(input)
}

/// Parses pre-push stdin. Empty input is no update.
pub fn parse_pre_push(input: &[u8]) -> Result<Vec<PushUpdate>, GitError> {
    const HOOK: &str = "pre-push";
    let mut ids = IdLength::default();
    lines(input, HOOK)?
        .map(|(n, line)| {
            let err = |reason: String| GitError::HookInput {
                hook: HOOK,
                line: Some(n),
                reason,
            };
            let [local_ref, local_id, remote_ref, remote_id] = fields(line).map_err(|count| {
                err(format!(
                    "expected `<local ref> <local id> <remote ref> <remote id>`, \
                     got {count} field(s) in `{}`",
                    shown(line)
                ))
            })?;
            let local_id = ids.check(local_id, "local id").map_err(err)?;
            let remote_id = ids.check(remote_id, "remote id").map_err(err)?;
            Ok(PushUpdate {
                local_ref: name(local_ref),
                local_id,
                remote_ref: name(remote_ref),
                remote_id,
            })
        })
        .collect()
}

/// Parses pre-receive (or post-receive) stdin. Empty input is no update.
pub fn parse_pre_receive(input: &[u8]) -> Result<Vec<RefUpdate>, GitError> {
    const HOOK: &str = "pre-receive";
    let mut ids = IdLength::default();
    lines(input, HOOK)?
        .map(|(n, line)| {
            let err = |reason: String| GitError::HookInput {
                hook: HOOK,
                line: Some(n),
                reason,
            };
            let [old_id, new_id, ref_name] = fields(line).map_err(|count| {
                err(format!(
                    "expected `<old id> <new id> <ref name>`, got {count} field(s) in `{}`",
                    shown(line)
                ))
            })?;
            let old_id = ids.check(old_id, "old id").map_err(err)?;
            let new_id = ids.check(new_id, "new id").map_err(err)?;
            Ok(RefUpdate {
                old_id,
                new_id,
                ref_name: name(ref_name),
            })
        })
        .collect()
}

fn check_size(input: &[u8], hook: &'static str) -> Result<(), GitError> {
    if input.len() > MAX_HOOK_INPUT_BYTES {
        return Err(GitError::HookInput {
            hook,
            line: None,
            reason: format!(
                "more than {} MiB of standard input",
                MAX_HOOK_INPUT_BYTES / (1024 * 1024)
            ),
        });
    }
    Ok(())
}

/// The numbered (1-based) lines of `input`, without LF or CRLF, after the
/// size and line-count limits were checked. Every line is returned, empty
/// ones included (they are then malformed), except the empty remainder
/// after a final LF.
fn lines<'a>(
    input: &'a [u8],
    hook: &'static str,
) -> Result<impl Iterator<Item = (usize, &'a [u8])>, GitError> {
    check_size(input, hook)?;
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    let count = if input.is_empty() {
        0
    } else {
        body.iter().filter(|&&b| b == b'\n').count() + 1
    };
    if count > MAX_HOOK_INPUT_LINES {
        return Err(GitError::HookInput {
            hook,
            line: None,
            reason: format!("more than {MAX_HOOK_INPUT_LINES} lines of standard input"),
        });
    }
    Ok(body
        .split(|&b| b == b'\n')
        .take(count)
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .enumerate()
        .map(|(i, line)| (i + 1, line)))
}

/// Exactly `N` non-empty space-separated fields; otherwise the number of
/// fields found.
fn fields<const N: usize>(line: &[u8]) -> Result<[&[u8]; N], usize> {
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let count = if line.is_empty() { 0 } else { parts.len() };
    if parts.len() != N || parts.iter().any(|p| p.is_empty()) {
        return Err(count);
    }
    parts.try_into().map_err(|_| count)
}

/// Checks that every id of one input is full lowercase hex of one length.
#[derive(Default)]
struct IdLength {
    first: Option<usize>,
}

impl IdLength {
    fn check(&mut self, id: &[u8], what: &str) -> Result<String, String> {
        let hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        if !(id.len() == 40 || id.len() == 64) || !id.iter().all(hex) {
            return Err(format!(
                "{what} `{}` is not a full lowercase hex object id (40 or 64 digits)",
                shown(id)
            ));
        }
        match self.first {
            Some(len) if len != id.len() => {
                return Err(format!(
                    "{what} `{}` has {} digits where earlier ids have {len}",
                    shown(id),
                    id.len()
                ))
            }
            _ => self.first = Some(id.len()),
        }
        // Checked ASCII above.
        Ok(String::from_utf8_lossy(id).into_owned())
    }
}

fn name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Hostile input must not turn into a megabyte error message.
fn shown(bytes: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z1: &str = "0000000000000000000000000000000000000000";
    const A1: &str = "78981922613b2afb6025042ff6bd878ac1994e85";
    const B1: &str = "61780798228d17af2d34fce4cfbdf35556832472";
    const Z2: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    const A2: &str = "6d3c4b5a2f1e0d9c8b7a69584736251403f2e1d0c9b8a79685746352413f2e1d";

    fn line_of(err: GitError) -> Option<usize> {
        match err {
            GitError::HookInput { line, .. } => line,
            other => panic!("not a HookInput error: {other:?}"),
        }
    }

    #[test]
    fn zero_ids() {
        assert!(is_zero_id(Z1));
        assert!(is_zero_id(Z2));
        assert!(!is_zero_id(A1));
        assert!(!is_zero_id(""));
        assert!(!is_zero_id("0000"));
        assert!(!is_zero_id(&"0".repeat(41)));
    }

    #[test]
    fn pre_push_every_line() {
        let input = format!(
            "refs/heads/main {A1} refs/heads/main {B1}\n\
             refs/heads/new {B1} refs/heads/new {Z1}\r\n\
             (delete) {Z1} refs/heads/old {A1}\n\
             HEAD {A1} refs/heads/x\u{e9}y {B1}"
        );
        let updates = parse_pre_push(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 4);
        assert_eq!(
            updates[0],
            PushUpdate {
                local_ref: "refs/heads/main".into(),
                local_id: A1.into(),
                remote_ref: "refs/heads/main".into(),
                remote_id: B1.into(),
            }
        );
        assert!(!updates[0].is_deletion() && !updates[0].is_new_ref());
        assert!(updates[1].is_new_ref() && !updates[1].is_deletion());
        assert_eq!(updates[1].remote_id, Z1, "CR stripped");
        assert!(updates[2].is_deletion() && !updates[2].is_new_ref());
        assert_eq!(updates[2].local_ref, "(delete)");
        assert_eq!(updates[3].remote_ref, "refs/heads/x\u{e9}y");

        assert!(parse_pre_push(b"").unwrap().is_empty());
    }

    #[test]
    fn pre_push_sha256_and_lossy_names() {
        let mut input = format!("refs/heads/a {A2} refs/heads/a {Z2}\n").into_bytes();
        input.extend_from_slice(b"refs/heads/\xff\xfe ");
        input.extend_from_slice(format!("{Z2} refs/heads/b {A2}\n").as_bytes());
        let updates = parse_pre_push(&input).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].is_new_ref());
        assert!(updates[1].is_deletion());
        assert_eq!(updates[1].local_ref, "refs/heads/\u{fffd}\u{fffd}");
    }

    #[test]
    fn pre_push_malformed_lines_are_errors_with_their_number() {
        let good = format!("refs/heads/main {A1} refs/heads/main {B1}\n");
        for (bad, line) in [
            (format!("{good}garbage\n"), 2),
            (format!("{good}\n{good}"), 2),
            (format!("refs/heads/main {A1} refs/heads/main\n{good}"), 1),
            (format!("{good}{good}a {A1} b {B1} extra\n"), 3),
            (format!("a  {A1} b {B1}\n"), 1),
            (format!(" {A1} b {B1}\n"), 1),
            (format!("a {A1} b {B1} \n"), 1),
            (format!("a\t{A1} b {B1}\n"), 1),
            (format!("a {} b {B1}\n", A1.to_uppercase()), 1),
            (format!("a {} b {B1}\n", &A1[..39]), 1),
            (format!("a {A1}0 b {B1}\n"), 1),
            (format!("a {A1} b {A2}\n"), 1),
            (format!("{good}a {A2} b {A2}\n"), 2),
            (format!("a g{} b {B1}\n", &A1[1..]), 1),
            ("\n".to_owned(), 1),
            ("\r\n".to_owned(), 1),
        ] {
            let err = parse_pre_push(bad.as_bytes()).unwrap_err();
            let text = err.to_string();
            assert_eq!(line_of(err), Some(line), "{bad:?}: {text}");
            assert!(text.contains(&format!("line {line}")), "{text}");
        }
        let err = parse_pre_push(format!("a {} b {B1}\n", "x".repeat(5000)).as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.len() < 400, "{err}");
    }

    #[test]
    fn pre_receive_every_line() {
        let input = format!(
            "{A1} {B1} refs/heads/main\n\
             {Z1} {A1} refs/heads/new\r\n\
             {B1} {Z1} refs/tags/gone\n"
        );
        let updates = parse_pre_receive(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 3);
        assert_eq!(
            updates[0],
            RefUpdate {
                old_id: A1.into(),
                new_id: B1.into(),
                ref_name: "refs/heads/main".into(),
            }
        );
        assert!(!updates[0].is_new_ref() && !updates[0].is_deletion());
        assert!(updates[1].is_new_ref() && !updates[1].is_deletion());
        assert_eq!(updates[1].ref_name, "refs/heads/new");
        assert!(updates[2].is_deletion() && !updates[2].is_new_ref());

        let sha256 = parse_pre_receive(format!("{Z2} {A2} refs/heads/x").as_bytes()).unwrap();
        assert!(sha256[0].is_new_ref());
        assert_eq!(sha256[0].new_id, A2);

        assert!(parse_pre_receive(b"").unwrap().is_empty());
    }

    #[test]
    fn pre_receive_malformed_lines_are_errors_with_their_number() {
        let good = format!("{A1} {B1} refs/heads/main\n");
        for (bad, line) in [
            (format!("{good}{A1} {B1}\n"), 2),
            (format!("{good}{good}{A1} {B1} refs/heads/a b\n"), 3),
            (format!("{A1} {B1} \n"), 1),
            (format!("refs/heads/main {A1} {B1}\n"), 1),
            (format!("{Z2} {A1} refs/heads/x\n"), 1),
            (format!("{good}\n"), 2),
            (format!("{} {B1} r\n", A1.to_uppercase()), 1),
        ] {
            let err = parse_pre_receive(bad.as_bytes()).unwrap_err();
            let text = err.to_string();
            assert_eq!(line_of(err), Some(line), "{bad:?}: {text}");
            assert!(text.starts_with("malformed pre-receive input"), "{text}");
        }
        // A pre-push line is not a pre-receive line.
        assert!(parse_pre_receive(format!("a {A1} b {B1}\n").as_bytes()).is_err());
    }

    #[test]
    fn hostile_sizes_are_refused() {
        let line = format!("{A1} {B1} refs/heads/main\n");
        let many = line.repeat(MAX_HOOK_INPUT_LINES);
        assert_eq!(parse_pre_receive(many.as_bytes()).unwrap().len(), 100_000);
        let too_many = line.repeat(MAX_HOOK_INPUT_LINES + 1);
        let err = parse_pre_receive(too_many.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("more than 100000 lines"), "{err}");
        assert_eq!(line_of(err), None);

        let huge = vec![b'a'; MAX_HOOK_INPUT_BYTES + 1];
        let err = parse_pre_push(&huge).unwrap_err();
        assert!(err.to_string().contains("more than 16 MiB"), "{err}");

        let err = read_hook_input(std::io::repeat(b'x'), "pre-push").unwrap_err();
        assert!(err.to_string().contains("more than 16 MiB"), "{err}");
        let read = read_hook_input(line.as_bytes(), "pre-receive").unwrap();
        assert_eq!(parse_pre_receive(&read).unwrap().len(), 1);
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::{parse_pre_push, parse_pre_receive};

    proptest! {
        #[test]
        fn never_panics(input in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_pre_push(&input);
            let _ = parse_pre_receive(&input);
        }

        #[test]
        fn line_like_input_never_panics(
            lines in prop::collection::vec("[0-9a-f]{0,41} ?[ -~]{0,30} ?[0-9a-f]{0,41}( [ -~]{0,20})?", 0..6)
        ) {
            let input = lines.join("\n");
            let _ = parse_pre_push(input.as_bytes());
            let _ = parse_pre_receive(input.as_bytes());
        }
    }
}
