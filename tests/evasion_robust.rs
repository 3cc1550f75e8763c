//! Hostile bytes and sizes: they are findings, never a crash or a stall.

use crate::util::TestRepo;

/// Invalid UTF-8 followed by a NUL: the offset of the NUL in the raw bytes
/// is not a character boundary of the lossily decoded text. It used to
/// panic in the parse-error rule (exit 2, no report).
const BAD: &[u8] = b"module \"a\" {\xff\xfe\x00 source = \"x\"\n}\n";

#[test]
fn invalid_utf8_then_nul_is_a_parse_error_in_every_format() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    repo.write_bytes("net/main.tf", BAD)
        .write_bytes(".github/workflows/ci.yml", BAD)
        .write_bytes("Dockerfile", BAD)
        .stage(&["."]);
    for format in ["human", "json", "sarif"] {
        let run = repo.iacgate(&["check", "--staged", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
        let report = format!("{}{}", run.stdout, run.stderr);
        assert!(report.contains("parse-error"), "{format}: {report}");
    }
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    let mut rules = run.rules();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("parse-error".into(), ".github/workflows/ci.yml".into(), 1),
            ("parse-error".into(), "Dockerfile".into(), 1),
            ("parse-error".into(), "net/main.tf".into(), 1),
        ]
    );
    assert!(
        run.messages().iter().all(|m| m.contains("UTF-8")),
        "{:?}",
        run.messages()
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "bad"]);
    let scan = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(scan.code, 1, "{}{}", scan.stdout, scan.stderr);
    assert!(scan.stdout.contains("parse-error"), "{}", scan.stdout);
    let sbom = repo.iacgate(&["sbom"]);
    assert!(!sbom.stderr.contains("internal error"), "{}", sbom.stderr);
}

/// A file that makes the HCL parser backtrack (found by fuzzing).
const SLOW_HCL: &str = include_str!("fixtures/fuzz/hcl/slow-operators-373.tf");

/// Twenty hostile files used to cost twenty parse deadlines (100 s) and
/// left twenty parses spinning. One budget now bounds the whole run: every
/// file still fails closed, and the run ends in seconds (the benchmark and
/// `docs/threat-model.md` give the figures; tests do not time).
#[test]
fn many_slow_hcl_files_all_fail_closed_within_one_budget() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    for i in 0..20 {
        repo.write(&format!("stack{i:02}/main.tf"), SLOW_HCL);
    }
    repo.stage(&["."]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let rules = run.rules();
    assert_eq!(rules.len(), 20, "{rules:?}");
    assert!(
        rules.iter().all(|(rule, _, _)| rule == "parse-error"),
        "{rules:?}"
    );
    let messages = run.messages();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("did not finish") || m.contains("too slow")),
        "{messages:?}"
    );
}
