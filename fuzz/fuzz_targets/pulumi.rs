#![no_main]
//! Fuzz target: Pulumi: Pulumi.yaml, Main.json, the language manifests, package-lock.json and the registry configuration files. The first byte picks the file kind; any input
//! must give dependencies or an error, never a panic, a hang or unbounded
//! memory, and every span and error offset must lie in the input, on a
//! character boundary (`iacgate_fuzz::check`).

use iacgate_core::extract::{extract, FileKind, Manifest, RegistryFile};
use iacgate_fuzz::check;
use libfuzzer_sys::fuzz_target;

const KINDS: &[FileKind] = &[
    FileKind::PulumiProject,
    FileKind::PulumiProgram,
    FileKind::PulumiPackages(Manifest::PackageJson),
    FileKind::PulumiPackages(Manifest::Requirements),
    FileKind::PulumiPackages(Manifest::PyProject),
    FileKind::PulumiPackages(Manifest::GoMod),
    FileKind::PulumiPackages(Manifest::GoWork),
    FileKind::PulumiPackages(Manifest::PackageLock),
    FileKind::RegistryConfig(RegistryFile::Npmrc),
    FileKind::RegistryConfig(RegistryFile::Yarnrc),
    FileKind::RegistryConfig(RegistryFile::PipConf),
    FileKind::RegistryConfig(RegistryFile::UvToml),
    FileKind::RegistryConfig(RegistryFile::AnsibleCfg),
    FileKind::PulumiPackages(Manifest::GoSum),
    FileKind::PulumiPackages(Manifest::PnpmWorkspace),
    FileKind::RegistryConfig(RegistryFile::YarnClassic),
    FileKind::PulumiPackages(Manifest::UvLock),
    FileKind::PulumiPackages(Manifest::PipfileLock),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    check::extracted(
        rest,
        &extract(KINDS[usize::from(first) % KINDS.len()], rest),
    );
});
