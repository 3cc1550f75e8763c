#![no_main]
//! Fuzz target: path classification. The input is `PATH\0CONTENTS`. Any
//! git path must classify without a panic; a path `FileKind::classify`
//! accepts must be selected by `extract::PATHSPECS` (the staged check asks
//! git for changes under those pathspecs alone, so a classified path
//! outside them would never be judged); `units::tofu_shadowed` must name a
//! Terraform file of the same directory; and the contents, extracted as
//! the kind the path gives, must give spans inside them.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iacgate_fuzz::targets::classify::run(data));
