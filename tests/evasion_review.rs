//! Routes an adversarial review of the binary found (issue 18): bytes git
//! checks out differently from the blob judged, and caches the tools load
//! instead of what the configuration names.

use crate::util::TestRepo;

const PINNED: &str = "module \"net\" {\n  source = \"git::https://github.com/acme/net.git?ref=17f1585f64f7d775cdf6f36ca37b25bbc06d05f3\"\n}\n";

fn stack() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("net/main.tf", PINNED).commit_all("stack");
    repo
}

fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

#[test]
fn a_working_tree_encoding_for_iac_files_blocks_at_pre_commit_and_in_a_range() {
    let repo = stack();
    let base = head(&repo);
    // An override written in ISO-2022-JP is harmless HCL as the blob and
    // other HCL as checked out (the review showed Terraform then fetching
    // a branch tip); whatever the file, the attribute blocks.
    repo.write(".gitattributes", "*.tf working-tree-encoding=ISO-2022-JP\n")
        .write("net/main_override.tf", "locals {\n  a = 1\n}\n")
        .stage(&["."]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [("parse-error".into(), ".gitattributes".into(), 1)]
    );
    assert!(
        run.messages()[0].contains("other bytes"),
        "{:?}",
        run.messages()
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "encoding"]);
    let range = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(range.code, 1, "{}{}", range.stdout, range.stderr);
    assert!(
        range.rule_names().contains(&"parse-error".to_owned()),
        "{}",
        range.stdout
    );
}

#[test]
fn gitattributes_that_leave_iac_bytes_alone_are_silent() {
    let repo = stack();
    repo.write(
        ".gitattributes",
        "* text=auto eol=lf\n*.ps1 working-tree-encoding=UTF-16LE\n*.png binary\n",
    )
    .stage(&["."]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn a_committed_terraform_cache_blocks_at_pre_commit_and_in_a_range() {
    let repo = stack();
    let base = head(&repo);
    repo.write(
        "net/.terraform/modules/net/main.tf",
        "output \"who\" { value = \"EVIL-committed-cache\" }\n",
    )
    .write(
        "net/.terraform/modules/modules.json",
        "{\"Modules\":[{\"Key\":\"net\",\"Source\":\"x\",\"Dir\":\".terraform/modules/net\"}]}\n",
    )
    .write_bytes(
        "net/terraform.d/plugins/example.com/acme/null/1.0.0/linux_amd64/terraform-provider-null",
        b"#!/bin/sh\n\x00\x01",
    );
    repo.git(&["add", "-f", "."]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let mut rules = run.rules();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("parse-error".into(), "net/.terraform/modules/modules.json".into(), 1),
            ("parse-error".into(), "net/.terraform/modules/net/main.tf".into(), 1),
            (
                "parse-error".into(),
                "net/terraform.d/plugins/example.com/acme/null/1.0.0/linux_amd64/terraform-provider-null".into(),
                1
            ),
        ]
    );
    assert!(
        run.messages().iter().all(|m| m.contains("cache")),
        "{:?}",
        run.messages()
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "cache"]);
    let range = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(range.code, 1, "{}{}", range.stdout, range.stderr);
    // Removing it again is no finding.
    repo.git(&["rm", "-rq", "--cached", "net/.terraform", "net/terraform.d"]);
    let removal = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(removal.code, 0, "{}{}", removal.stdout, removal.stderr);
}

#[test]
fn the_cache_terraform_init_leaves_on_disk_is_not_scanned() {
    let repo = stack();
    repo.write(".gitignore", ".terraform/\n")
        .write(
            "net/.terraform/modules/net/main.tf",
            "module \"x\" {\n  source = \"git::https://example.com/x.git?ref=main\"\n}\n",
        )
        .commit_all("ignore");
    let run = repo.iacgate(&["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let git = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(git.code, 0, "{}{}", git.stdout, git.stderr);
}
