#![no_main]
//! Fuzz target: Pulumi: Pulumi.yaml, Main.json and the language manifests. The first byte picks the file kind; any input
//! must give dependencies or an error, never a panic, a hang or unbounded
//! memory.

use iacgate_core::extract::{extract, FileKind, Manifest};
use libfuzzer_sys::fuzz_target;

const KINDS: &[FileKind] = &[
    FileKind::PulumiProject,
    FileKind::PulumiProgram,
    FileKind::PulumiPackages(Manifest::PackageJson),
    FileKind::PulumiPackages(Manifest::Requirements),
    FileKind::PulumiPackages(Manifest::PyProject),
    FileKind::PulumiPackages(Manifest::GoMod),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let _ = extract(KINDS[usize::from(first) % KINDS.len()], rest);
});
