#![no_main]
//! Fuzz target: Terraform JSON syntax. Any input must give dependencies or an error,
//! never a panic, a hang or unbounded memory.

use iacgate_core::extract::{extract, FileKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in [
        FileKind::TerraformJson,
        FileKind::TerraformTest,
        FileKind::TerragruntJson,
    ] {
        let _ = extract(kind, data);
    }
});
