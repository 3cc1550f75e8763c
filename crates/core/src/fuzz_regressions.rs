//! Inputs the fuzz targets (`fuzz/`, docs/fuzzing.md) found or that guard a
//! limit, replayed through the same functions on every test run:
//! `tests/fixtures/fuzz/<target>/*`. Each must give a result, never a panic,
//! and pass the targets' own checks on what it gives (`fuzz/src/check.rs`:
//! spans inside the input, on character boundaries). The targets whose code
//! is all in this crate run here exactly as under libFuzzer
//! (`fuzz/src/targets.rs`).

use std::path::PathBuf;

use crate::extract::{extract, FileKind, Manifest};
use crate::policy::Policy;
use crate::source::ModuleSource;
use crate::version::{direction, Constraints, Version};

#[path = "../../../fuzz/src/check.rs"]
mod check;
#[path = "../../../fuzz/src/targets.rs"]
mod targets;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("a fixture");
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

/// The file kinds of the extractor targets, as the targets pick them.
fn kinds(target: &str) -> Vec<FileKind> {
    match target {
        "hcl" => vec![
            FileKind::TerraformHcl,
            FileKind::TerraformTest,
            FileKind::TerraformStack,
        ],
        "terraform_json" => vec![
            FileKind::TerraformJson,
            FileKind::TerraformTest,
            FileKind::TerragruntJson,
        ],
        "lockfile" => vec![FileKind::TerraformLock],
        "terragrunt" => vec![FileKind::Terragrunt],
        "cloudformation" => vec![FileKind::CloudFormation],
        "pulumi" => vec![
            FileKind::PulumiProject,
            FileKind::PulumiProgram,
            FileKind::PulumiPackages(Manifest::PackageJson),
            FileKind::PulumiPackages(Manifest::Requirements),
            FileKind::PulumiPackages(Manifest::PyProject),
            FileKind::PulumiPackages(Manifest::GoMod),
            FileKind::PulumiPackages(Manifest::GoWork),
            FileKind::PulumiPackages(Manifest::GoSum),
        ],
        "workflow" => vec![
            FileKind::GitHubWorkflow,
            FileKind::GitHubAction,
            FileKind::GitLabCi,
        ],
        "chart" => vec![FileKind::HelmChart, FileKind::HelmLock],
        "kustomization" => vec![FileKind::Kustomization, FileKind::AnsibleRequirements],
        "dockerfile" => vec![FileKind::Dockerfile, FileKind::Compose],
        _ => Vec::new(),
    }
}

#[test]
fn extractor_inputs_never_panic() {
    for target in [
        "hcl",
        "terraform_json",
        "lockfile",
        "terragrunt",
        "cloudformation",
        "pulumi",
        "workflow",
        "chart",
        "kustomization",
        "dockerfile",
    ] {
        for (path, bytes) in inputs(target) {
            if path.to_string_lossy().contains("slow-") {
                continue;
            }
            // Every kind of the target, so that an input needs no selector.
            for kind in kinds(target) {
                check::extracted(&bytes, &extract(kind, &bytes));
            }
            // And exactly as the target saw it: the first byte picks.
            let kinds = kinds(target);
            if let (Some((&first, rest)), true) = (bytes.split_first(), kinds.len() > 1) {
                check::extracted(
                    rest,
                    &extract(kinds[usize::from(first) % kinds.len()], rest),
                );
            }
            eprintln!("ok: {}", path.display());
        }
    }
}

/// Inputs that make the HCL parser backtrack for minutes fail closed at
/// the parse deadline, naming the reason.
#[test]
fn slow_hcl_fails_closed_in_time() {
    for (target, kind) in [
        ("hcl", FileKind::TerraformHcl),
        ("lockfile", FileKind::TerraformLock),
    ] {
        for (path, bytes) in inputs(target) {
            if !path.to_string_lossy().contains("slow-") {
                continue;
            }
            let started = std::time::Instant::now();
            let result = extract(kind, &bytes);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(8),
                "{}",
                path.display()
            );
            if let Err(err) = result {
                assert!(
                    err.message.contains("did not finish")
                        || err.message.contains("too slow to parse")
                        || err.message.contains("syntax error"),
                    "{}: {}",
                    path.display(),
                    err.message
                );
            }
        }
    }
}

#[test]
fn parser_inputs_never_panic() {
    for (_, bytes) in inputs("module_source") {
        if let Ok(source) = ModuleSource::parse(&String::from_utf8_lossy(&bytes)) {
            let _ = (source.pin(None), source.address(), source.revision());
        }
    }
    for (_, bytes) in inputs("version_constraint") {
        let text = String::from_utf8_lossy(&bytes);
        let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
        if let (Ok(c), Ok(v)) = (Constraints::parse(a), Version::parse(b)) {
            let _ = c.matches(&v);
        }
        let _ = direction(a, b);
    }
    for (_, bytes) in inputs("policy") {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(errors) = Policy::parse(&text) {
            for error in &errors {
                check::span(&text, error.span, &error.message);
            }
        }
    }
}

/// The targets whose code is all here, run as libFuzzer runs them.
#[test]
fn core_target_inputs_pass_their_checks() {
    type Target = (&'static str, fn(&[u8]));
    let targets: [Target; 5] = [
        ("suppress", targets::suppress::run),
        ("gitmodules", targets::gitmodules::run),
        ("include", targets::include::run),
        ("pin", targets::pin::run),
        ("classify", targets::classify::run),
    ];
    for (target, run) in targets {
        for (path, bytes) in inputs(target) {
            run(&bytes);
            eprintln!("ok: {}", path.display());
        }
    }
}
