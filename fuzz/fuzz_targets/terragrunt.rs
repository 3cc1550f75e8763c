#![no_main]
//! Fuzz target: Terragrunt HCL. Any input must give dependencies or an error,
//! never a panic, a hang or unbounded memory.

use iacgate_core::extract::{extract, FileKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = extract(FileKind::Terragrunt, data);
});
