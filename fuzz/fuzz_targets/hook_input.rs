#![no_main]
//! Fuzz target: the pre-push and pre-receive standard-input parsers.

use iacgate_git::{parse_pre_push, parse_pre_receive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_pre_push(data);
    let _ = parse_pre_receive(data);
});
