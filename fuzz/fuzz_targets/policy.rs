#![no_main]
//! Fuzz target: the policy parser (`.iacgate.toml`). Every error's span
//! must lie in the text, on character boundaries (the policy renderer
//! shows it as a snippet).

use iacgate_core::policy::Policy;
use iacgate_fuzz::check;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(errors) = Policy::parse(text) {
            assert!(!errors.is_empty(), "an error list with no error");
            for error in &errors {
                assert!(
                    !error.message.is_empty(),
                    "a policy error without a message"
                );
                check::span(
                    text,
                    error.span,
                    &format_args!("policy error {:?}", error.message),
                );
            }
        }
    }
});
