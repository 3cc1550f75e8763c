#![no_main]
//! Fuzz target: the version and version-constraint parsers, and ordering.

use iacgate_core::version::{direction, Constraints, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(constraints) = Constraints::parse(a) {
        let _ = constraints.lower_bound();
        if let Ok(version) = Version::parse(b) {
            let _ = constraints.matches(&version);
        }
    }
    let _ = direction(a, b);
});
