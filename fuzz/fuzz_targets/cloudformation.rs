#![no_main]
//! Fuzz target: YAML/JSON: CloudFormation templates and Kubernetes manifests. Any input must give dependencies or an error,
//! never a panic, a hang or unbounded memory, and every span and error
//! offset must lie in the input, on a character boundary
//! (`iacgate_fuzz::check`).

use iacgate_core::extract::{extract, FileKind};
use iacgate_fuzz::check;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::extracted(data, &extract(FileKind::CloudFormation, data));
});
