#![no_main]
//! Fuzz target: pin rewriting (`iacgate pin`). A file is extracted, its
//! git refs found (`pin::ref_sites`), and every ref rewritten to a commit
//! (`pin::rewrite`), as `pin` does with what the remote answered. Each
//! site's ref must be written as-is at its span; a rewrite that succeeds
//! must read back with every edited ref at its commit and comment; `range_sites`
//! and `verify` must accept whatever the file holds.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iacgate_fuzz::targets::pin::run(data));
