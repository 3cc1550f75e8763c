#![no_main]
//! Fuzz target: pipelines: GitHub workflows and actions, GitLab CI. The first byte picks the file kind; any input
//! must give dependencies or an error, never a panic, a hang or unbounded
//! memory.

use iacgate_core::extract::{extract, FileKind};
use libfuzzer_sys::fuzz_target;

const KINDS: &[FileKind] = &[
    FileKind::GitHubWorkflow,
    FileKind::GitHubAction,
    FileKind::GitLabCi,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let _ = extract(KINDS[usize::from(first) % KINDS.len()], rest);
});
