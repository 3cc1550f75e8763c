#![no_main]
//! Fuzz target: the parser of git's `--raw -z` diff output
//! (`iacgate_git::parse_raw`), which the staged check reads. What it
//! accepts must be well formed: full lowercase object ids, octal modes,
//! a path, and a second path exactly for renames and copies.

use iacgate_git::{parse_raw, ChangeStatus};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(entries) = parse_raw(data) else {
        return;
    };
    assert!(entries.len() <= data.iter().filter(|&&b| b == b':').count());
    for entry in &entries {
        for id in [&entry.old_id, &entry.new_id] {
            assert!(
                matches!(id.len(), 40 | 64)
                    && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "accepted id {id:?}"
            );
        }
        assert!(!entry.src.is_empty(), "an entry without a path");
        let two_paths = matches!(
            entry.status,
            ChangeStatus::Renamed { .. } | ChangeStatus::Copied { .. }
        );
        assert_eq!(two_paths, entry.dst.is_some(), "{entry:?}");
        if let Some(dst) = &entry.dst {
            assert!(!dst.is_empty(), "an empty destination path");
        }
        assert!(!entry.src.contains(&0));
    }
});
