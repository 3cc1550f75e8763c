#![no_main]
//! Fuzz target: `.gitmodules` (`submodules::parse`) and the findings of
//! gitlinks that change, which point into it. Every entry's span and
//! every finding's must lie in the text, on character boundaries.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iacgate_fuzz::targets::gitmodules::run(data));
