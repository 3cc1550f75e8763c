//! The third adversarial review: a pure `git mv` was never judged in its
//! new place, though the new name or directory can change what Terraform
//! and OpenTofu load there (a `.tofu` file hides a `.tf` file, an override
//! file rewrites a module); a stack directory replaced by a symlink; a
//! range with an empty side; a committed Terraform CLI configuration.

use crate::util::{check_staged, TestRepo};

const A1: &str = "1111111111111111111111111111111111111111";
const A3: &str = "5555555555555555555555555555555555555555";

fn module(org: &str, rev: &str) -> String {
    format!(
        "module \"net\" {{\n  source = \"git::https://github.com/{org}/net.git?ref={rev}\"\n}}\n"
    )
}

fn base() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("prod/main.tf", &module("acme", A1))
        .write("legacy/main.tofu", &module("fork", A3))
        .write("legacy/net.tf", &module("fork", A3))
        .commit_all("base");
    repo
}

#[test]
fn a_tofu_file_moved_next_to_a_tf_file_is_judged_where_it_now_loads() {
    let repo = base();
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["mv", "legacy/main.tofu", "prod/main.tofu"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let rules = run.rule_names();
    assert!(rules.contains(&"source-change".to_owned()), "{rules:?}");
    repo.git(&["commit", "-q", "--no-verify", "-m", "move"]);
    let range = repo.iacgate(&[
        "check",
        "--range",
        &format!("{head}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(range.code, 1, "{}", range.stdout);
}

#[test]
fn a_file_renamed_to_an_override_is_judged_as_one() {
    let repo = base();
    repo.git(&["mv", "legacy/net.tf", "prod/net_override.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rule_names().contains(&"source-change".to_owned()),
        "{}",
        run.stdout
    );
}

#[test]
fn moving_a_whole_stack_or_renaming_a_file_in_its_role_stays_silent() {
    let repo = base();
    repo.git(&["mv", "prod", "stacks-prod"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
    repo.git(&["commit", "-q", "--no-verify", "-m", "move the stack"]);
    repo.git(&["mv", "stacks-prod/main.tf", "stacks-prod/network.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn a_stack_directory_replaced_by_a_symlink_is_refused() {
    for target in ["legacy", "/opt/shared/stacks/prod"] {
        let repo = base();
        let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
        repo.git(&["rm", "-q", "-r", "prod"]);
        std::os::unix::fs::symlink(target, repo.path().join("prod")).unwrap();
        repo.git(&["add", "-A"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 1, "{target}: {}", run.stdout);
        assert!(
            run.rules()
                .contains(&("parse-error".into(), "prod".into(), 1)),
            "{}",
            run.stdout
        );
        repo.git(&["commit", "-q", "--no-verify", "-m", "prod follows legacy"]);
        let range = repo.iacgate(&[
            "check",
            "--range",
            &format!("{head}..HEAD"),
            "--format",
            "json",
        ]);
        assert_eq!(range.code, 1, "{}", range.stdout);
    }
    // Removing a stack outright is no finding.
    let repo = base();
    repo.git(&["rm", "-q", "-r", "prod"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_range_with_an_empty_side_is_refused_and_an_empty_range_says_so() {
    let repo = base();
    repo.write(
        "app.tf",
        "module \"app\" {\n  source = \"git::https://github.com/acme/app.git?ref=main\"\n}\n",
    )
    .commit_all("unpinned");
    for range in ["..HEAD", "HEAD~1..", ".."] {
        let run = repo.iacgate(&["check", "--range", range]);
        assert_eq!(run.code, 2, "{range}: {}", run.stderr);
        assert!(run.stderr.contains("leaves a side empty"), "{}", run.stderr);
    }
    let run = repo.iacgate(&["check", "--range", "HEAD..HEAD~1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("names no commits"), "{}", run.stderr);
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_committed_terraform_cli_config_that_installs_providers_is_refused() {
    let repo = base();
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write(
        "infra/ci.tfrc",
        "provider_installation {\n  dev_overrides {\n    \"hashicorp/aws\" = \"/home/runner/work/repo/repo/tools/bin\"\n  }\n  direct {}\n}\n",
    );
    repo.stage(&["infra/ci.tfrc"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rules()
            .contains(&("parse-error".into(), "infra/ci.tfrc".into(), 1)),
        "{}",
        run.stdout
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "cli config"]);
    let range = repo.iacgate(&[
        "check",
        "--range",
        &format!("{head}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(range.code, 1, "{}", range.stdout);
    // Credentials and hosts say nothing about where providers come from.
    let repo = base();
    repo.write(
        ".terraformrc",
        "# no provider_installation here\ncredentials \"app.terraform.io\" {\n  token = \"x\"\n}\n",
    );
    repo.stage(&[".terraformrc"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn an_excluded_module_that_a_judged_stack_loads_is_judged() {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[paths]\nexclude = [\"examples/**\"]\n")
        .write(
            "prod/main.tf",
            "module \"net\" {\n  source = \"../examples/complete\"\n}\n",
        )
        .write(
            "examples/complete/main.tf",
            "output \"x\" {\n  value = 1\n}\n",
        )
        .write("examples/other/main.tf", "output \"y\" {\n  value = 1\n}\n")
        .commit_all("base");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let evil = "module \"y\" {\n  source = \"git::https://github.com/evil/y.git?ref=main\"\n}\n";
    repo.write("examples/complete/main.tf", evil);
    repo.stage(&["examples/complete/main.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rule_names().contains(&"unpinned".to_owned()),
        "{}",
        run.stdout
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "example"]);
    let range = repo.iacgate(&[
        "check",
        "--range",
        &format!("{head}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(range.code, 1, "{}", range.stdout);
    // An excluded example nothing loads stays excluded.
    repo.write("examples/other/main.tf", evil);
    repo.stage(&["examples/other/main.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
