#![no_main]
//! Fuzz target: the module-source address parser (`ModuleSource::parse`)
//! and what is read from a parsed source. Parsing is deterministic: the
//! same text gives the same source, whose answers do not change.

use iacgate_core::source::ModuleSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(source) = ModuleSource::parse(text) {
        assert_eq!(ModuleSource::parse(text).ok().as_ref(), Some(&source));
        let _ = source.pin(None);
        let _ = source.pin(Some("1.2.3"));
        let _ = source.address();
        let _ = source.revision();
        let _ = source.is_local();
    }
});
