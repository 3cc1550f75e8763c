#![no_main]
//! Fuzz target: the whole path from bytes to a report. The first byte
//! picks a file (its path gives its kind) and how it is shown; the rest is
//! the file's new side, or `OLD\0NEW`. The change is analysed to findings
//! (`Analysis::new(...).findings`), every finding's span and line checked
//! against its side's text, and the findings rendered as human output,
//! JSON, SARIF and GitHub annotations by the binary's own renderers
//! (crates/cli/render/, compiled in here); the file's dependencies go into
//! a CycloneDX and an SPDX SBOM. JSON, SARIF and both SBOMs must parse
//! back as JSON. A `.iacgate.toml` that does not parse is rendered as the
//! policy errors `check` prints.

// The renderers, as the binary has them: `render/mod.rs` names
// `crate::args::Format` (for `emit`) and `rules.rs` names
// `crate::EXIT_OK`, which stand here for the binary's.
#[allow(dead_code)]
#[path = "../../crates/cli/render/mod.rs"]
mod render;

#[allow(dead_code)]
mod args {
    #[derive(Clone, Copy)]
    pub enum Format {
        Human,
        Json,
        Sarif,
        Github,
    }
}

#[allow(dead_code)]
const EXIT_OK: u8 = 0;

use iacgate_core::analysis::{Analysis, FileInput};
use iacgate_core::approval::{ContentIds, Delta};
use iacgate_core::extract::{extract, FileKind};
use iacgate_core::policy::{Policy, POLICY_FILE};
use iacgate_core::sbom::{self, FileDeps, Subject};
use iacgate_fuzz::check;
use libfuzzer_sys::fuzz_target;
use render::{CommitHeader, Report, Shown, Sources, Unchecked};

/// One path of each kind of file.
const PATHS: &[&str] = &[
    "main.tf",
    "main.tofu.json",
    ".terraform.lock.hcl",
    "live/terragrunt.hcl",
    "template.yaml",
    "Pulumi.yaml",
    "Main.json",
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "go.mod",
    "go.work",
    ".github/workflows/ci.yml",
    "action.yml",
    ".gitlab-ci.yml",
    "Chart.yaml",
    "Chart.lock",
    "kustomization.yaml",
    "Dockerfile",
    "compose.yaml",
    "requirements.yml",
    ".gitattributes",
    ".terraform/modules/x/main.tf",
    POLICY_FILE,
];

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn json(what: &str, bytes: &[u8]) {
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes) {
        panic!(
            "{what} is not JSON ({e}): {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(first) % PATHS.len()];
    let options = usize::from(first) / PATHS.len();
    let (old, new) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let old_text = old.map(check::text_of);
    let new_text = check::text_of(new);

    let policy = Policy::default();
    let inputs = [FileInput {
        old_path: old.map(|_| path),
        new_path: Some(path),
        old,
        new: Some(new),
        ..FileInput::default()
    }];
    let analysis = Analysis::new(&inputs, &policy);
    let mut findings = analysis.findings(&[]);
    for finding in &findings {
        if finding.file == path {
            check::finding(finding, old_text.as_deref(), Some(&new_text));
        }
    }
    let delta = Delta::of(&findings, |_| ContentIds::default());
    let _ = (delta.to_bytes(), delta.locators());

    // Shown as one commit of a range, or as the staged change.
    let commits = [CommitHeader {
        id: COMMIT.to_owned(),
        summary: String::from_utf8_lossy(&new[..new.len().min(72)]).into_owned(),
    }];
    if options & 1 != 0 {
        for finding in &mut findings {
            finding.commit = Some(COMMIT.to_owned());
        }
    }
    let mut sources = Sources::default();
    sources.insert((options & 1 != 0).then_some(COMMIT), path, new);
    let unchecked: Vec<Unchecked> = findings
        .iter()
        .take(1)
        .map(|f| Unchecked {
            file: f.file.clone(),
            line: f.line,
            column: f.column,
            name: f.name.clone(),
            remote: f.source.clone().unwrap_or_default(),
            reason: f.message.clone(),
        })
        .collect();
    let report = Report {
        findings: &findings,
        files_checked: analysis.files_checked(),
        sources: &sources,
        commits: if options & 1 != 0 { &commits } else { &[] },
        shown: match options >> 1 & 3 {
            0 => Shown::All,
            1 => Shown::SignOffAndBlocking,
            _ => Shown::Blocking,
        },
        unchecked: (options & 8 != 0).then_some(unchecked.as_slice()),
    };
    let mut out = Vec::new();
    render::human::write(&report, &mut out).expect("human output");
    out.clear();
    render::github::write(&report, &mut out).expect("github output");
    out.clear();
    render::json::write(&report, &mut out).expect("JSON output");
    json("the JSON report", &out);
    out.clear();
    render::sarif::write(&report, &mut out).expect("SARIF output");
    json("the SARIF log", &out);

    if path == POLICY_FILE {
        if let Err(errors) = Policy::parse(&new_text) {
            out.clear();
            render::policy::errors(path, &new_text, &errors, &mut out).expect("policy errors");
        }
        return;
    }
    let Some(kind) = FileKind::classify(path) else {
        return;
    };
    let extracted = extract(kind, new);
    check::extracted(new, &extracted);
    let Ok(deps) = extracted else {
        return;
    };
    let files = [FileDeps { path, deps: &deps }];
    let subject = Subject {
        name: "repo",
        commit: Some(COMMIT),
        tool_version: "0.1.0",
        created: Some("2026-01-01T00:00:00Z"),
    };
    json(
        "the CycloneDX SBOM",
        sbom::cyclonedx(&subject, &files).as_bytes(),
    );
    json("the SPDX SBOM", sbom::spdx(&subject, &files).as_bytes());
});
