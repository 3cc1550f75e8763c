#![no_main]
//! Fuzz target: the version and version-constraint parsers, and ordering.
//! Version order must be a total order: antisymmetric, and equal exactly
//! when `==` says so.

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
    if let (Ok(x), Ok(y)) = (Version::parse(a), Version::parse(b)) {
        assert_eq!(
            x.cmp(&y),
            y.cmp(&x).reverse(),
            "{a:?} and {b:?} order both ways"
        );
        assert_eq!(
            x.cmp(&x),
            std::cmp::Ordering::Equal,
            "{a:?} is not equal to itself"
        );
    }
    let _ = direction(a, b);
});
