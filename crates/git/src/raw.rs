//! Parser for git's `--raw -z` diff output.
//!
//! Each record is
//! `:<old mode> <new mode> <old oid> <new oid> <status>[<score>]\0<path>\0`,
//! and rename (`R`) and copy (`C`) records carry a second path:
//! `...\0<old path>\0<new path>\0`.

use crate::ChangeStatus;

/// One record of `--raw -z` output, before any blob is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub old_mode: u32,
    pub new_mode: u32,
    pub old_id: String,
    pub new_id: String,
    pub status: ChangeStatus,
    /// Source path for renames and copies, the only path otherwise.
    pub src: Vec<u8>,
    /// Destination path for renames and copies.
    pub dst: Option<Vec<u8>>,
}

/// Parses the whole output. The error is a short description of what was
/// malformed, for the caller to wrap with the command that produced it.
pub fn parse_raw(out: &[u8]) -> Result<Vec<RawEntry>, String> {
    let mut entries = Vec::new();
    let mut fields = out.split(|&b| b == 0);
    while let Some(header) = fields.next() {
        // Records are NUL-terminated, so the output ends with an empty field.
        // Tolerate a stray newline as well.
        if header.is_empty() || header == b"\n" {
            continue;
        }
        entries.push(parse_record(header, &mut fields)?);
    }
    Ok(entries)
}

/// Parses one record whose header field (starting with `:`) is `header`,
/// taking its path field(s) from `fields`.
pub(crate) fn parse_record<'a>(
    header: &[u8],
    fields: &mut impl Iterator<Item = &'a [u8]>,
) -> Result<RawEntry, String> {
    let header_text = String::from_utf8_lossy(header);
    let Some(rest) = header.strip_prefix(b":") else {
        return Err(format!("expected a raw diff record, got `{header_text}`"));
    };
    let rest = std::str::from_utf8(rest)
        .map_err(|_| format!("raw diff header is not ASCII: `{header_text}`"))?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [old_mode, new_mode, old_id, new_id, status] = parts[..] else {
        return Err(format!("raw diff header has not 5 fields: `{header_text}`"));
    };
    let old_mode = parse_mode(old_mode)?;
    let new_mode = parse_mode(new_mode)?;
    let old_id = parse_id(old_id)?;
    let new_id = parse_id(new_id)?;
    let status = parse_status(status)?;
    let src = match fields.next() {
        Some(path) if !path.is_empty() => path.to_vec(),
        _ => return Err(format!("raw diff record `{header_text}` has no path")),
    };
    let dst = if matches!(
        status,
        ChangeStatus::Renamed { .. } | ChangeStatus::Copied { .. }
    ) {
        match fields.next() {
            Some(path) if !path.is_empty() => Some(path.to_vec()),
            _ => {
                return Err(format!(
                    "raw diff record `{header_text}` has no destination path"
                ))
            }
        }
    } else {
        None
    };
    Ok(RawEntry {
        old_mode,
        new_mode,
        old_id,
        new_id,
        status,
        src,
        dst,
    })
}

fn parse_mode(s: &str) -> Result<u32, String> {
    if s.is_empty() || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(format!("bad file mode `{s}`"));
    }
    u32::from_str_radix(s, 8).map_err(|_| format!("bad file mode `{s}`"))
}

fn parse_id(s: &str) -> Result<String, String> {
    // SHA-1 (40) or SHA-256 (64) hex; --no-abbrev gives the full id.
    if (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!("bad object id `{s}`"))
    }
}

fn parse_status(s: &str) -> Result<ChangeStatus, String> {
    let mut chars = s.chars();
    let Some(letter) = chars.next() else {
        return Err("empty status".to_owned());
    };
    let score_text = chars.as_str();
    let score = if score_text.is_empty() {
        None
    } else {
        match score_text.parse::<u8>() {
            Ok(n) => Some(n),
            Err(_) => return Err(format!("bad status `{s}`")),
        }
    };
    Ok(match letter {
        'A' => ChangeStatus::Added,
        'M' => ChangeStatus::Modified,
        'D' => ChangeStatus::Deleted,
        'R' => ChangeStatus::Renamed {
            score: score.unwrap_or(0),
        },
        'C' => ChangeStatus::Copied {
            score: score.unwrap_or(0),
        },
        'T' => ChangeStatus::TypeChanged,
        'U' => ChangeStatus::Unmerged,
        _ => ChangeStatus::Unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: &str = "0000000000000000000000000000000000000000";
    const A: &str = "78981922613b2afb6025042ff6bd878ac1994e85";

    #[test]
    fn parses_added_and_renamed() {
        let out = format!(
            ":000000 100644 {Z} {A} A\0a b.tf\0:100644 100755 {A} {A} R087\0old.tf\0new.tf\0"
        );
        let entries = parse_raw(out.as_bytes()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].status, ChangeStatus::Added);
        assert_eq!(entries[0].old_mode, 0);
        assert_eq!(entries[0].new_mode, 0o100644);
        assert_eq!(entries[0].src, b"a b.tf");
        assert_eq!(entries[0].dst, None);
        assert_eq!(entries[1].status, ChangeStatus::Renamed { score: 87 });
        assert_eq!(entries[1].new_mode, 0o100755);
        assert_eq!(entries[1].src, b"old.tf");
        assert_eq!(entries[1].dst.as_deref(), Some(&b"new.tf"[..]));
    }

    #[test]
    fn empty_output_is_no_changes() {
        assert!(parse_raw(b"").unwrap().is_empty());
    }

    #[test]
    fn paths_may_contain_newlines_tabs_and_colons() {
        let out = format!(":100644 100644 {A} {A} M\0:x\n\ty.tf\0");
        let entries = parse_raw(out.as_bytes()).unwrap();
        assert_eq!(entries[0].src, b":x\n\ty.tf");
    }

    #[test]
    fn malformed_output_is_an_error_not_a_panic() {
        for bad in [
            "garbage\0".to_owned(),
            ":100644\0x\0".to_owned(),
            format!(":100644 100644 {A} {A} M\0"),
            format!(":100644 100644 {A} {A} R100\0only-one\0"),
            format!(":100644 100644 {A} {A} R999\0a\0b\0"),
            format!(":1006x4 100644 {A} {A} M\0a\0"),
            format!(":100644 100644 {A} abc M\0a\0"),
            format!(":100644 100644 {A} {A} \0a\0"),
            format!(":100644 100644 {A} {A} M extra\0a\0"),
            ":\u{e9} 1 2 3 4\0a\0".to_owned(),
        ] {
            assert!(parse_raw(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse_raw(b":\xff\xfe\0").is_err());
    }

    #[test]
    fn unknown_status_letters_are_kept_as_unknown() {
        let out = format!(":100644 100644 {A} {A} X\0a\0:100644 100644 {A} {A} B050\0b\0");
        let entries = parse_raw(out.as_bytes()).unwrap();
        assert_eq!(entries[0].status, ChangeStatus::Unknown);
        assert_eq!(entries[1].status, ChangeStatus::Unknown);
    }
}
