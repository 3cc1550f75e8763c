#![no_main]
//! Fuzz target: the commit-message trailer parser (sign-offs). Each
//! trailer's key is a non-empty token as written (no separator, no line
//! break) and its value one line.

use iacgate_git::parse_trailers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let message = String::from_utf8_lossy(rest);
    let comment = if first % 2 == 0 { '#' } else { ';' };
    for trailer in parse_trailers(&message, comment) {
        assert!(
            !trailer.key.is_empty(),
            "a trailer without a key: {trailer:?}"
        );
        assert!(
            !trailer.key.contains(['\n', ':']) && !trailer.value.contains('\n'),
            "a trailer over lines: {trailer:?}"
        );
        assert_eq!(
            trailer.key,
            trailer.key.trim(),
            "an untrimmed key: {trailer:?}"
        );
    }
});
