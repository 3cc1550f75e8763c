#![no_main]
//! Fuzz target: the commit-message trailer parser (sign-offs).

use iacgate_git::parse_trailers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let message = String::from_utf8_lossy(rest);
    let comment = if first % 2 == 0 { '#' } else { ';' };
    let _ = parse_trailers(&message, comment);
});
