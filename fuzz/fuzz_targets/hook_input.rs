#![no_main]
//! Fuzz target: the pre-push and pre-receive standard-input parsers. What
//! they accept must be full lowercase hex ids of one length, one update
//! per line at most.

use iacgate_git::{parse_pre_push, parse_pre_receive};
use libfuzzer_sys::fuzz_target;

fn ids_ok<'a>(ids: impl Iterator<Item = &'a str>) {
    let mut len = None;
    for id in ids {
        assert!(
            matches!(id.len(), 40 | 64)
                && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "accepted id {id:?}"
        );
        assert!(
            *len.get_or_insert(id.len()) == id.len(),
            "ids of two lengths"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    if let Ok(updates) = parse_pre_push(data) {
        assert!(updates.len() <= lines);
        ids_ok(
            updates
                .iter()
                .flat_map(|u| [u.local_id.as_str(), u.remote_id.as_str()]),
        );
    }
    if let Ok(updates) = parse_pre_receive(data) {
        assert!(updates.len() <= lines);
        ids_ok(
            updates
                .iter()
                .flat_map(|u| [u.old_id.as_str(), u.new_id.as_str()]),
        );
    }
});
