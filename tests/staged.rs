//! `iacgate check --staged` on real repositories.

use crate::util::{TestRepo, SHA};

const VERSIONS_TF: &str = r#"terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
"#;

const LOCK: &str = r#"# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
    "zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
    "zh:1dbfc6ff4c4e0ba5b63bd8c3ca1a9de35f5a3a1c43e3c3d7fbd4ca0d7b53d8b1",
  ]
}
"#;

/// A repository with one committed stack that has a module, a provider and
/// a lock file.
fn stack() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("stacks/net/versions.tf", VERSIONS_TF)
        .write(
            "stacks/net/main.tf",
            r#"module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.4.0"

  name = "main"
}
"#,
        )
        .write("stacks/net/.terraform.lock.hcl", LOCK)
        .commit_all("initial stack");
    repo
}

fn check_json(repo: &TestRepo) -> crate::util::Run {
    repo.iacgate(&["check", "--staged", "--format", "json"])
}

fn add_module(repo: &TestRepo, body: &str) -> crate::util::Run {
    repo.write("stacks/app/main.tf", body)
        .stage(&["stacks/app/main.tf"]);
    check_json(repo)
}

#[test]
fn module_on_a_branch_is_unpinned() {
    let repo = stack();
    let run = add_module(
        &repo,
        "module \"app\" {\n  source = \"git::https://github.com/acme/app.git?ref=main\"\n}\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "stacks/app/main.tf".into(), 2)]
    );
    let f = &run.json()["findings"][0];
    assert_eq!(f["column"], 12);
    assert_eq!(f["new"], "main");
    assert!(f["message"].as_str().unwrap().contains("branch"), "{f}");
}

#[test]
fn module_on_a_tag_is_unpinned() {
    let repo = stack();
    let run = add_module(
        &repo,
        "module \"app\" {\n  source = \"github.com/acme/app//modules/x?ref=v1.2.0\"\n}\n",
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.rule_names(), ["unpinned"]);
    assert!(run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("tag"));
}

#[test]
fn registry_module_with_a_range_is_unpinned_at_the_version() {
    let repo = stack();
    let run = add_module(
        &repo,
        "module \"app\" {\n  source  = \"acme/app/aws\"\n  version = \"~> 5.0\"\n}\n",
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "stacks/app/main.tf".into(), 3)]
    );
}

#[test]
fn registry_module_without_a_version_is_unpinned() {
    let repo = stack();
    let run = add_module(&repo, "module \"app\" {\n  source = \"acme/app/aws\"\n}\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.rule_names(), ["unpinned"]);
}

#[test]
fn exact_registry_version_is_a_new_dependency_warning() {
    let repo = stack();
    let run = add_module(
        &repo,
        "module \"app\" {\n  source  = \"acme/app/aws\"\n  version = \"1.2.3\"\n}\n",
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"]);
    assert_eq!(run.json()["findings"][0]["severity"], "warning");
}

#[test]
fn full_commit_with_subdir_is_pinned() {
    let repo = stack();
    let run = add_module(
        &repo,
        &format!(
            "module \"app\" {{\n  source = \"git::https://github.com/acme/app.git//modules/web?ref={SHA}\"\n}}\n"
        ),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"]);
    assert_eq!(
        run.json()["findings"][0]["source"],
        format!("git::https://github.com/acme/app.git//modules/web?ref={SHA}")
    );
}

#[test]
fn local_module_is_not_a_dependency() {
    let repo = stack();
    let run = add_module(
        &repo,
        "module \"app\" {\n  source = \"../../modules/app\"\n}\n",
    );
    assert_eq!(run.code, 0);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn module_version_change_needs_a_signoff() {
    let repo = stack();
    let main = std::fs::read_to_string(repo.path().join("stacks/net/main.tf")).unwrap();
    repo.write("stacks/net/main.tf", &main.replace("5.4.0", "5.5.0"))
        .stage(&["stacks/net/main.tf"]);

    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    let f = &run.json()["findings"][0];
    assert_eq!(
        run.rules(),
        [("version-change".into(), "stacks/net/main.tf".into(), 3)]
    );
    assert_eq!(
        (f["old"].as_str(), f["new"].as_str()),
        (Some("5.4.0"), Some("5.5.0"))
    );
    assert_eq!(f["needs_signoff"], true);
    assert!(f["message"].as_str().unwrap().contains("(upgrade)"));

    // The pre-commit hook reports it and lets the commit go on.
    let hook = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(hook.code, 0, "{}", hook.stderr);
    assert!(
        hook.stderr.contains("needs sign-off[version-change]"),
        "{}",
        hook.stderr
    );

    // A message signed off by someone else clears it; by the author, not.
    repo.write(
        "msg-ok",
        "Bump vpc\n\nReviewed-by: Bob Reviewer <bob@example.com>\n",
    );
    repo.write(
        "msg-self",
        "Bump vpc\n\nReviewed-by: Alice <alice@example.com>\n",
    );
    let ok = repo.iacgate(&[
        "check",
        "--staged",
        "--message",
        "msg-ok",
        "--format",
        "json",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert_eq!(ok.json()["findings"][0]["signed_off"], true);
    let own = repo.iacgate(&["check", "--staged", "--message", "msg-self"]);
    assert_eq!(own.code, 1);
    assert!(own.stderr.contains("commit author"), "{}", own.stderr);
}

#[test]
fn module_downgrade_is_called_a_downgrade() {
    let repo = stack();
    let main = std::fs::read_to_string(repo.path().join("stacks/net/main.tf")).unwrap();
    repo.write("stacks/net/main.tf", &main.replace("5.4.0", "5.1.0"))
        .stage(&["stacks/net/main.tf"]);
    let run = check_json(&repo);
    assert!(run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("5.4.0 -> 5.1.0 (downgrade)"));
}

#[test]
fn module_source_swap_to_a_look_alike() {
    let repo = stack();
    let main = std::fs::read_to_string(repo.path().join("stacks/net/main.tf")).unwrap();
    repo.write(
        "stacks/net/main.tf",
        &main.replace(
            "terraform-aws-modules/vpc/aws",
            "terraform-aws-module/vpc/aws",
        ),
    )
    .stage(&["stacks/net/main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.rules(),
        [("source-change".into(), "stacks/net/main.tf".into(), 2)]
    );
    let message = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("look-alike"), "{message}");
}

#[test]
fn provider_constraint_change_in_object_form() {
    let repo = stack();
    repo.write(
        "stacks/net/versions.tf",
        &VERSIONS_TF.replace("~> 5.0", "~> 6.0"),
    )
    .stage(&["stacks/net/versions.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    let rules = run.rules();
    assert!(rules.contains(&("version-change".into(), "stacks/net/versions.tf".into(), 6)));
    // The lock file still holds 5.31.0, outside the new constraint.
    assert!(rules.contains(&("lock-mismatch".into(), "stacks/net/versions.tf".into(), 6)));
    let f = &run.json()["findings"];
    let change = f
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "version-change")
        .unwrap();
    assert_eq!(change["kind"], "provider");
    assert!(change["message"].as_str().unwrap().contains("upgrade"));
}

#[test]
fn provider_constraint_change_in_legacy_string_form() {
    let repo = TestRepo::new();
    repo.write(
        "versions.tf",
        "terraform {\n  required_providers {\n    aws = \"~> 4.0\"\n  }\n}\n",
    )
    .commit_all("legacy");
    repo.write(
        "versions.tf",
        "terraform {\n  required_providers {\n    aws = \"~> 3.0\"\n  }\n}\n",
    )
    .stage(&["versions.tf"]);
    let run = check_json(&repo);
    assert_eq!(
        run.rules(),
        [("version-change".into(), "versions.tf".into(), 3)]
    );
    assert!(run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("downgrade"));
}

#[test]
fn legacy_provider_block_version_change() {
    let repo = TestRepo::new();
    repo.write("p.tf", "provider \"google\" {\n  version = \"3.1.0\"\n}\n")
        .commit_all("p");
    repo.write("p.tf", "provider \"google\" {\n  version = \"3.2.0\"\n}\n")
        .stage(&["p.tf"]);
    assert_eq!(
        check_json(&repo).rules(),
        [("version-change".into(), "p.tf".into(), 2)]
    );
}

#[test]
fn provider_source_swap() {
    let repo = TestRepo::new();
    let versions = "terraform {\n  required_providers {\n    kubectl = {\n      source  = \"gavinbunney/kubectl\"\n      version = \"1.14.0\"\n    }\n  }\n}\n";
    repo.write("versions.tf", versions).commit_all("k");
    repo.write("versions.tf", &versions.replace("gavinbunney", "alekc"))
        .stage(&["versions.tf"]);
    let run = check_json(&repo);
    assert_eq!(
        run.rules(),
        [("source-change".into(), "versions.tf".into(), 4)]
    );
    let f = &run.json()["findings"][0];
    assert_eq!(
        (f["old"].as_str(), f["new"].as_str()),
        (Some("gavinbunney/kubectl"), Some("alekc/kubectl"))
    );
}

#[test]
fn lock_version_change() {
    let repo = stack();
    let lock = LOCK.replace("5.31.0", "5.32.0").replace(
        "ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
        "AAAAuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
    );
    repo.write("stacks/net/.terraform.lock.hcl", &lock)
        .stage(&["stacks/net/.terraform.lock.hcl"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.rules(),
        [(
            "version-change".into(),
            "stacks/net/.terraform.lock.hcl".into(),
            5
        )]
    );
    assert_eq!(run.json()["findings"][0]["kind"], "lock");
}

#[test]
fn lock_hashes_replaced_at_the_same_version_is_tampering() {
    let repo = stack();
    let lock = LOCK.replace(
        "zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
        "zh:ffff9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
    );
    repo.write("stacks/net/.terraform.lock.hcl", &lock)
        .stage(&["stacks/net/.terraform.lock.hcl"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(run.rule_names(), ["lock-tamper"]);
    assert!(run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("replaced"));
}

#[test]
fn lock_hashes_only_added_is_fine() {
    let repo = stack();
    let lock = LOCK.replace(
        "  ]\n",
        "    \"zh:2222222222222222222222222222222222222222222222222222222222222222\",\n  ]\n",
    );
    repo.write("stacks/net/.terraform.lock.hcl", &lock)
        .stage(&["stacks/net/.terraform.lock.hcl"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 0);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn pure_rename_of_a_stack_is_silent() {
    let repo = stack();
    repo.git(&["mv", "stacks/net", "stacks/network"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 0);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn reformat_and_comments_are_silent() {
    let repo = stack();
    repo.write(
        "stacks/net/main.tf",
        "# The network.\nmodule \"vpc\" {\n  name = \"main\"\n  version = \"5.4.0\" # pinned\n  source = \"terraform-aws-modules/vpc/aws\"\n}",
    )
    .stage(&["stacks/net/main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 0);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn deleting_a_dependency_blocks_nothing() {
    let repo = stack();
    repo.git(&["rm", "-q", "stacks/net/main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 0);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn malformed_hcl_fails_closed_at_the_right_line() {
    let repo = stack();
    repo.write(
        "stacks/net/main.tf",
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\n}\n",
    )
    .stage(&["stacks/net/main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    let rules = run.rules();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].0, "parse-error");
    assert_eq!(rules[0].2, 3, "{}", run.stdout);
}

#[test]
fn module_source_from_a_variable_fails_closed() {
    let repo = stack();
    repo.write(
        "stacks/app/main.tf",
        "module \"app\" {\n  source = var.where\n}\n",
    )
    .stage(&["stacks/app/main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.rules(),
        [("parse-error".into(), "stacks/app/main.tf".into(), 2)]
    );
}

#[test]
fn terraform_json_files_are_checked() {
    let repo = TestRepo::new();
    repo.write(
        "main.tf.json",
        "{\n  \"module\": {\n    \"vpc\": {\n      \"source\": \"terraform-aws-modules/vpc/aws\",\n      \"version\": \"5.4.0\"\n    }\n  }\n}\n",
    )
    .commit_all("json");
    repo.write(
        "main.tf.json",
        "{\n  \"module\": {\n    \"vpc\": {\n      \"source\": \"terraform-aws-modules/vpc/aws\",\n      \"version\": \">= 5.4.0\"\n    }\n  }\n}\n",
    )
    .stage(&["main.tf.json"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    let mut rules = run.rules();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("unpinned".into(), "main.tf.json".into(), 5),
            ("version-change".into(), "main.tf.json".into(), 5)
        ]
    );
}

#[test]
fn tofu_files_are_checked() {
    let repo = TestRepo::new();
    repo.write(
        "main.tofu",
        "module \"x\" {\n  source = \"git::https://example.com/x.git\"\n}\n",
    )
    .stage(&["main.tofu"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(run.rules(), [("unpinned".into(), "main.tofu".into(), 2)]);
}

#[test]
fn initial_commit_is_checked_against_nothing() {
    let repo = TestRepo::new();
    repo.write("main.tf", "module \"x\" {\n  source = \"acme/x/aws\"\n}\n")
        .stage(&["main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(run.rules(), [("unpinned".into(), "main.tf".into(), 2)]);
}

#[test]
fn partial_staging_judges_the_index_not_the_work_tree() {
    // Staged: pinned. Work tree: unpinned. The commit would be fine.
    let repo = stack();
    repo.write(
        "stacks/app/main.tf",
        "module \"a\" {\n  source  = \"acme/a/aws\"\n  version = \"1.0.0\"\n}\n",
    )
    .stage(&["stacks/app/main.tf"]);
    repo.write(
        "stacks/app/main.tf",
        "module \"a\" {\n  source  = \"acme/a/aws\"\n  version = \"~> 1.0\"\n}\n",
    );
    let run = check_json(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"]);

    // Staged: unpinned. Work tree: pinned again. The commit would be bad.
    let repo = stack();
    repo.write(
        "stacks/app/main.tf",
        "module \"a\" {\n  source  = \"acme/a/aws\"\n  version = \"~> 1.0\"\n}\n",
    )
    .stage(&["stacks/app/main.tf"]);
    repo.write(
        "stacks/app/main.tf",
        "module \"a\" {\n  source  = \"acme/a/aws\"\n  version = \"1.0.0\"\n}\n",
    );
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(run.rule_names(), ["unpinned"]);
}

#[test]
fn a_custom_index_file_is_honoured() {
    let repo = stack();
    // The default index stays clean; a second index holds an unpinned module.
    let index = repo.path().join(".git/other-index");
    let mut read_tree = repo.command("git");
    read_tree
        .args(["read-tree", "HEAD"])
        .env("GIT_INDEX_FILE", &index);
    assert!(read_tree.status().unwrap().success());
    repo.write(
        "stacks/app/main.tf",
        "module \"a\" {\n  source = \"acme/a/aws\"\n}\n",
    );
    let mut add = repo.command("git");
    add.args(["add", "stacks/app/main.tf"])
        .env("GIT_INDEX_FILE", &index);
    assert!(add.status().unwrap().success());

    assert_eq!(check_json(&repo).code, 0, "the default index has no change");
    let out = repo
        .command(crate::util::bin())
        .args(["check", "--staged", "--format", "json"])
        .env("GIT_INDEX_FILE", &index)
        .output()
        .unwrap();
    let run = crate::util::Run::from(out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rule_names(), ["unpinned"]);
}

#[test]
fn non_iac_changes_print_nothing() {
    let repo = stack();
    repo.write("README.md", "hello\n")
        .write("app/main.py", "print(1)\n")
        .stage(&["README.md", "app/main.py"]);
    let run = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, "");
}

#[test]
fn suppression_needs_a_reason() {
    let repo = stack();
    repo.write(
        "stacks/app/main.tf",
        "module \"a\" {\n  # iacgate:allow unpinned -- vendored fork, tracked in OPS-12\n  source = \"git::https://example.com/a.git?ref=main\"\n}\nmodule \"b\" {\n  # iacgate:allow unpinned\n  source = \"git::https://example.com/b.git?ref=main\"\n}\n",
    )
    .stage(&["stacks/app/main.tf"]);
    let run = check_json(&repo);
    assert_eq!(run.code, 1);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    let summary: Vec<(&str, u64, bool, bool)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["suppressed"].as_bool().unwrap(),
                f["blocking"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            // The change adds the marker: a reviewer signs it.
            ("policy-change", 2, false, true),
            ("unpinned", 3, true, false),
            // A marker without a reason is an error of its own...
            ("parse-error", 6, false, true),
            // ...and suppresses nothing.
            ("unpinned", 7, false, true),
        ]
    );
    assert!(findings[2]["message"]
        .as_str()
        .unwrap()
        .contains("needs a reason"));
}

#[test]
fn json_report_has_the_design_fields() {
    let repo = stack();
    let main = std::fs::read_to_string(repo.path().join("stacks/net/main.tf")).unwrap();
    repo.write("stacks/net/main.tf", &main.replace("5.4.0", "5.5.0"))
        .stage(&["stacks/net/main.tf"]);
    let json = check_json(&repo).json();
    let expected = serde_json::json!({
        "version": 1,
        "tool": {"name": "iacgate", "version": env!("CARGO_PKG_VERSION")},
        "findings": [{
            "rule": "version-change", "severity": "error", "blocking": true,
            "needs_signoff": true, "signed_off": false, "suppressed": false,
            "file": "stacks/net/main.tf", "line": 3, "column": 13,
            "ecosystem": "terraform", "kind": "module", "name": "vpc",
            "source": "terraform-aws-modules/vpc/aws", "old": "5.4.0", "new": "5.5.0",
            "commit": null,
            "message": "module \"vpc\" version 5.4.0 -> 5.5.0 (upgrade) needs a reviewer sign-off"
        }],
        "summary": {"blocking": 1, "warnings": 0, "files_checked": 1}
    });
    assert_eq!(json, expected);
}
