#![no_main]
//! Fuzz target: inline suppression markers (`# iacgate:allow RULE --
//! reason`). The problems they are reported as must point into the text;
//! a finding on any line is suppressed only when a marker naming its rule
//! stands on that line or the line above.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iacgate_fuzz::targets::suppress::run(data));
