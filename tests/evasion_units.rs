//! The unit the consumer loads, not the one file a change touches: a
//! module directory as OpenTofu and Terraform each read it, a Terragrunt
//! unit with every file it reads, a GitLab pipeline with all its includes.

use crate::util::{check_staged, Run, TestRepo, SHA};

fn sorted_rules(run: &Run) -> Vec<(String, String, u64)> {
    let mut rules = run.rules();
    rules.sort();
    rules
}

const VPC_540: &str =
    "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";

fn tf_stack() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("net/main.tf", VPC_540).commit_all("stack");
    repo
}

// ----- OpenTofu: `x.tofu` replaces `x.tf` -----

#[test]
fn a_tofu_file_that_redeclares_a_module_at_another_version_needs_signoff() {
    let repo = tf_stack();
    repo.write("net/main.tofu", &VPC_540.replace("5.4.0", "5.5.0"))
        .stage(&["net"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [("version-change".into(), "net/main.tofu".into(), 3)]
    );
    // Touching `main.tf` in the same commit changes nothing.
    repo.write("net/main.tf", &format!("# vpc\n{VPC_540}"))
        .stage(&["net"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [("version-change".into(), "net/main.tofu".into(), 3)]
    );
    // Committed, and judged as a range.
    repo.commit_all("tofu");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["version-change"]);
}

#[test]
fn a_tofu_json_file_that_swaps_a_module_source_needs_signoff() {
    let repo = TestRepo::new();
    repo.write(
        "net/vpc.tf.json",
        "{\"module\": {\"vpc\": {\"source\": \"terraform-aws-modules/vpc/aws\", \"version\": \"5.4.0\"}}}\n",
    )
    .commit_all("stack");
    repo.write(
        "net/vpc.tofu.json",
        "{\"module\": {\"vpc\": {\"source\": \"terraform-aws-module/vpc/aws\", \"version\": \"5.4.0\"}}}\n",
    )
    .stage(&["net"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["source-change"], "{}", run.stdout);
    assert_eq!(run.rules()[0].1, "net/vpc.tofu.json");
}

#[test]
fn removing_a_tofu_file_judges_the_tf_file_it_hid() {
    let repo = tf_stack();
    repo.write("net/main.tofu", VPC_540).commit_all("tofu copy");
    // While hidden from OpenTofu, `main.tf` moved on; Terraform's change
    // was judged then. Removing `main.tofu` brings it to OpenTofu.
    repo.write("net/main.tf", &VPC_540.replace("5.4.0", "5.6.0"))
        .commit_all("terraform bump");
    repo.git(&["rm", "-q", "net/main.tofu"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [("version-change".into(), "net/main.tf".into(), 3)]
    );
}

#[test]
fn a_tofu_copy_of_the_tf_file_is_silent() {
    let repo = tf_stack();
    repo.write("net/main.tofu", VPC_540).stage(&["net"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    // A `.tofu` file of another name shadows nothing: its module is new.
    repo.git(&["rm", "-q", "--cached", "net/main.tofu"]);
    repo.write("net/extra.tofu", &VPC_540.replace("\"vpc\"", "\"vpc2\""))
        .stage(&["net/extra.tofu"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"]);
}

// ----- GitLab: a pipeline is `.gitlab-ci.yml` with all it includes -----

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// `.gitlab-ci.yml` -> `ci/a.yml` -> `ci/b.yml`, whose job image is
/// pinned by digest.
fn nested_pipeline() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".gitlab-ci.yml", "include:\n  - local: ci/a.yml\n")
        .write("ci/a.yml", "include:\n  - local: /ci/b.yml\n")
        .write(
            "ci/b.yml",
            &format!("build:\n  image: alpine@{DIGEST}\n  script: [make]\n"),
        )
        .commit_all("pipeline");
    repo
}

#[test]
fn a_file_included_by_an_included_file_is_judged() {
    let repo = nested_pipeline();
    repo.write(
        "ci/b.yml",
        "build:\n  image: alpine:3.19\n  script: [make]\n",
    )
    .stage(&["ci/b.yml"]);
    let judged: Vec<(String, String, u64)> = vec![
        ("unpinned".into(), "ci/b.yml".into(), 2),
        ("version-change".into(), "ci/b.yml".into(), 2),
    ];
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(sorted_rules(&run), judged);
    // Committed: the range, and a scan of the tree.
    repo.commit_all("unpin");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(sorted_rules(&run), judged);
    let run = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rules(), [("unpinned".into(), "ci/b.yml".into(), 2)]);
}

#[test]
fn including_a_file_that_was_already_there_judges_what_it_brings() {
    let repo = nested_pipeline();
    repo.write("ci/old.yml", "lint:\n  image: node:latest\n")
        .commit_all("an unused file");
    repo.write(
        "ci/a.yml",
        "include:\n  - local: /ci/b.yml\n  - local: ci/old.yml\n",
    )
    .stage(&["ci/a.yml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rules(), [("unpinned".into(), "ci/old.yml".into(), 2)]);
}

#[test]
fn includes_that_loop_block() {
    let repo = nested_pipeline();
    repo.write(
        "ci/b.yml",
        &format!(
            "build:\n  image: alpine@{DIGEST}\n  script: [make]\ninclude:\n  - local: ci/a.yml\n"
        ),
    )
    .stage(&["ci/b.yml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rules(), [("parse-error".into(), "ci/b.yml".into(), 5)]);
    assert!(run.messages()[0].contains("loops back"), "{}", run.stdout);
}

#[test]
fn nested_includes_that_change_nothing_are_silent() {
    let repo = nested_pipeline();
    // Another script, and a file included twice (a diamond, not a loop).
    repo.write(
        "ci/b.yml",
        &format!("build:\n  image: alpine@{DIGEST}\n  script: [make all]\n"),
    )
    .write(
        ".gitlab-ci.yml",
        "include:\n  - local: ci/a.yml\n  - local: ci/b.yml\n",
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    repo.commit_all("script");
    let run = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

// ----- Terragrunt: every file a unit reads, whatever its name -----

const SHA2: &str = "89abcdef0123456789abcdef0123456789abcdef";

const UNIT: &str = "include \"common\" {\n  path   = find_in_parent_folders(\"common.inc\")\n  expose = true\n}\n\nlocals {\n  env = read_terragrunt_config(\"env.vars\")\n}\n\nterraform {\n  source = \"git::https://github.com/acme/modules.git//vpc?ref=${include.common.locals.ref}\"\n}\n";

/// A unit whose ref comes from `common.inc`, a file of no IaC name.
fn unit_with_common_inc() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("common.inc", &format!("locals {{\n  ref = \"{SHA}\"\n}}\n"))
        .write("live/prod/vpc/env.vars", "locals {\n  name = \"prod\"\n}\n")
        .write("live/prod/vpc/terragrunt.hcl", UNIT)
        .write("README.md", "units\n")
        .commit_all("unit");
    repo
}

#[test]
fn a_bump_in_an_included_file_of_any_name_is_judged_at_the_unit() {
    let repo = unit_with_common_inc();
    let text = repo.read("common.inc").replace(SHA, SHA2);
    repo.write("common.inc", &text).stage(&["common.inc"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [(
            "version-change".into(),
            "live/prod/vpc/terragrunt.hcl".into(),
            11
        )]
    );
    // The commit-msg hook blocks it without a sign-off.
    repo.write(".git/MSG", "bump\n");
    let run = repo.iacgate(&["hook", "commit-msg", ".git/MSG"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // Committed, and judged as a range.
    repo.commit_all("bump the shared ref");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["version-change"]);
}

#[test]
fn a_tag_in_a_file_read_by_read_terragrunt_config_blocks() {
    let repo = unit_with_common_inc();
    repo.write(
        "live/prod/vpc/terragrunt.hcl",
        &UNIT.replace("include.common.locals.ref", "local.env.locals.ref"),
    )
    .write(
        "live/prod/vpc/env.vars",
        &format!("locals {{\n  ref = \"{SHA}\"\n}}\n"),
    )
    .commit_all("ref from env.vars");
    repo.write("live/prod/vpc/env.vars", "locals {\n  ref = \"main\"\n}\n")
        .stage(&["live/prod/vpc/env.vars"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [
            ("unpinned".into(), "live/prod/vpc/terragrunt.hcl".into(), 11),
            (
                "version-change".into(),
                "live/prod/vpc/terragrunt.hcl".into(),
                11
            ),
        ]
    );
}

#[test]
fn files_no_unit_reads_and_changes_that_resolve_the_same_are_silent() {
    let repo = unit_with_common_inc();
    repo.write("README.md", "units, documented\n")
        .stage(&["README.md"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    let text = repo.read("common.inc") + "\n# reviewed\n";
    repo.write("common.inc", &text).stage(&["common.inc"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    let run = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn files_a_wildcard_include_matches_are_judged() {
    let repo = TestRepo::new();
    repo.write(".gitlab-ci.yml", "include:\n  - local: 'ci/**.yml'\n")
        .write(
            "ci/jobs/build.yml",
            &format!("build:\n  image: alpine@{DIGEST}\n"),
        )
        .commit_all("pipeline");
    repo.write("ci/jobs/build.yml", "build:\n  image: alpine:edge\n")
        .stage(&["ci"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [
            ("unpinned".into(), "ci/jobs/build.yml".into(), 2),
            ("version-change".into(), "ci/jobs/build.yml".into(), 2),
        ]
    );
    repo.commit_all("edge");
    let run = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "ci/jobs/build.yml".into(), 2)]
    );
}

// ----- GitLab: this project's files named by variable, and addresses
// that are not known until the pipeline runs -----

/// `.gitlab-ci.yml` that includes `templates/jobs.yml` of this very
/// project, and a component of it, through GitLab's predefined variables.
fn self_including_pipeline() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        ".gitlab-ci.yml",
        "include:\n  - project: $CI_PROJECT_PATH\n    ref: $CI_COMMIT_SHA\n    file: /templates/jobs.yml\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/lint@$CI_COMMIT_SHA\n",
    )
    .write(
        "templates/jobs.yml",
        &format!("build:\n  image: alpine@{DIGEST}\n  script: [make]\n"),
    )
    .write(
        "templates/lint/template.yml",
        &format!("lint:\n  image: node@{DIGEST}\n  script: [npm run lint]\n"),
    )
    .commit_all("pipeline");
    repo
}

#[test]
fn a_tag_in_a_file_included_through_ci_project_path_blocks() {
    let repo = self_including_pipeline();
    repo.write(
        "templates/jobs.yml",
        "build:\n  image: alpine:3.19\n  script: [make]\n",
    )
    .stage(&["templates"]);
    let judged: Vec<(String, String, u64)> = vec![
        ("unpinned".into(), "templates/jobs.yml".into(), 2),
        ("version-change".into(), "templates/jobs.yml".into(), 2),
    ];
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(sorted_rules(&run), judged);
    // The pre-commit hook blocks it.
    let run = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // Committed, and judged as a range.
    repo.commit_all("unpin");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(sorted_rules(&run), judged);
}

#[test]
fn a_tag_in_a_component_of_this_project_blocks() {
    let repo = self_including_pipeline();
    repo.write(
        "templates/lint/template.yml",
        "lint:\n  image: node:22\n  script: [npm run lint]\n",
    )
    .stage(&["templates"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [
            ("unpinned".into(), "templates/lint/template.yml".into(), 2),
            (
                "version-change".into(),
                "templates/lint/template.yml".into(),
                2
            ),
        ]
    );
}

#[test]
fn this_project_at_another_ref_is_judged_as_the_remote_include_it_is() {
    let repo = self_including_pipeline();
    repo.write(
        ".gitlab-ci.yml",
        "include:\n  - project: $CI_PROJECT_PATH\n    ref: release\n    file: /templates/jobs.yml\n",
    )
    .stage(&[".gitlab-ci.yml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // At the ref.
    assert_eq!(
        run.rules(),
        [("unpinned".into(), ".gitlab-ci.yml".into(), 3)]
    );
    repo.write(
        ".gitlab-ci.yml",
        &format!("include:\n  - project: $CI_PROJECT_PATH\n    ref: {SHA}\n    file: /templates/jobs.yml\n"),
    )
    .stage(&[".gitlab-ci.yml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"], "{}", run.stdout);
}

#[test]
fn an_include_whose_address_holds_a_variable_blocks() {
    let repo = TestRepo::new();
    repo.write(".gitlab-ci.yml", "stages: [build]\n")
        .commit_all("pipeline");
    for include in [
        "  - remote: https://$HOST/x.yml\n".to_owned(),
        format!("  - project: $TEMPLATES_GROUP/ci\n    ref: {SHA}\n    file: /x.yml\n"),
        format!("  - project: platform/ci\n    ref: {SHA}\n    file: /$ENV.yml\n"),
        format!("  - component: gitlab.com/$GROUP/lint/lint@{SHA}\n"),
        "  - local: /ci/$CI_ENVIRONMENT_NAME.yml\n".to_owned(),
    ] {
        repo.write(
            ".gitlab-ci.yml",
            &format!("stages: [build]\ninclude:\n{include}"),
        )
        .stage(&[".gitlab-ci.yml"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 1, "{include}: {}", run.stdout);
        assert_eq!(run.rule_names(), ["unpinned"], "{include}");
        assert_eq!(run.rules()[0].1, ".gitlab-ci.yml");
        assert!(run.messages()[0].contains("variable"), "{}", run.stdout);
    }
}

#[test]
fn includes_without_variables_and_self_includes_that_change_nothing_are_silent() {
    let repo = self_including_pipeline();
    let pinned = format!(
        "  - project: platform/ci\n    ref: {SHA}\n    file: /x.yml\n  - component: $CI_SERVER_FQDN/components/lint/lint@{SHA}\n"
    );
    let root = repo.read(".gitlab-ci.yml");
    repo.write(".gitlab-ci.yml", &format!("{root}{pinned}"))
        .commit_all("more includes");
    // Another script in an included file, a comment in the root.
    repo.write(
        "templates/jobs.yml",
        &format!("build:\n  image: alpine@{DIGEST}\n  script: [make all]\n"),
    )
    .write(".gitlab-ci.yml", &format!("# the pipeline\n{root}{pinned}"))
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    let run = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    repo.commit_all("script");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let run = repo.iacgate(&["scan", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}
