//! The second adversarial review (issue 18): an `iacgate:allow` comment
//! that the change itself adds cleared every blocking rule, a pwn request,
//! a `.gitattributes` re-encoding and a module outside the allowlist, with
//! no reviewer. design.md: such a suppression needs a sign-off, like a
//! policy change.

use crate::util::{check_staged, Run, TestRepo, SHA};

const POLICY: &str = "[allow]\nmodules = [\"github.com/acme/*\"]\n";

fn evil_module() -> String {
    "module \"b\" {\n  # iacgate:allow not-allowed -- vendor module\n  source = \"git::https://github.com/evil/net.git?ref=main\" # iacgate:allow unpinned -- protected branch\n}\n".to_owned()
}

fn base() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", POLICY)
        .write(
            "main.tf",
            &format!("module \"a\" {{\n  source = \"git::https://github.com/acme/net.git?ref={SHA}\"\n}}\n"),
        )
        .commit_all("base");
    repo
}

fn suppressed(run: &Run) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == true)
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_suppression_the_change_adds_needs_a_signoff_at_pre_commit_and_in_a_range() {
    let repo = base();
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("b.tf", &evil_module()).stage(&["b.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // Each marker that suppresses something is a policy-change at its line.
    let rules = run.rules();
    for line in [2, 3] {
        assert!(
            rules.contains(&("policy-change".into(), "b.tf".into(), line)),
            "want policy-change at b.tf:{line}: {}",
            run.stdout
        );
    }
    let mut quiet = suppressed(&run);
    quiet.sort();
    assert_eq!(quiet, ["not-allowed", "unpinned"]);

    // Without a reviewer the range blocks; a reviewer's trailer clears it.
    repo.git(&["commit", "-q", "--no-verify", "-m", "vendor b"]);
    let range = format!("{head}..HEAD");
    let unsigned = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_eq!(unsigned.code, 1, "{}", unsigned.stdout);
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-verify",
        "-m",
        "vendor b\n\nReviewed-by: Rita Reviewer <rita@example.com>",
    ]);
    let signed = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_eq!(signed.code, 0, "{}\n{}", signed.stdout, signed.stderr);
}

#[test]
fn a_suppression_added_to_a_workflow_or_gitattributes_is_no_way_around_the_block() {
    let repo = base();
    repo.write(
        ".gitattributes",
        "# iacgate:allow parse-error -- legacy\n*.tf working-tree-encoding=ISO-2022-JP\n",
    )
    .write(
        ".github/workflows/ci.yml",
        &format!("on: pull_request_target\npermissions:\n  contents: read\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n        with:\n          # iacgate:allow pipeline-permissions -- needed\n          ref: ${{{{ github.event.pull_request.head.sha }}}}\n      - run: make\n"),
    )
    .stage(&[".gitattributes", ".github/workflows/ci.yml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let rules = run.rules();
    assert!(
        rules.contains(&("policy-change".into(), ".gitattributes".into(), 1)),
        "{}",
        run.stdout
    );
    assert!(
        rules.contains(&(
            "policy-change".into(),
            ".github/workflows/ci.yml".into(),
            10
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_suppression_already_in_the_base_keeps_suppressing_without_a_signoff() {
    let repo = base();
    let marked = |r: &str| {
        format!("module \"b\" {{\n  # iacgate:allow unpinned -- our own release branch\n  source = \"git::https://github.com/acme/tools.git?ref={r}\"\n}}\n")
    };
    repo.write("b.tf", &marked("main")).stage(&["b.tf"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "tools\n\nReviewed-by: Rita Reviewer <rita@example.com>",
    ]);
    // A line added elsewhere, and the marker copied nowhere: nothing new.
    repo.write(
        "b.tf",
        &format!("{}\nvariable \"x\" {{}}\n", marked("main")),
    )
    .stage(&["b.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.rule_names().contains(&"policy-change".to_owned()));
    // The ref moves under the old marker: the marker now covers a line the
    // base never had, so it is the change's suppression, signed with the
    // version-change.
    repo.write("b.tf", &marked("release")).stage(&["b.tf"]);
    let run = check_staged(&repo);
    assert!(
        run.rule_names().contains(&"policy-change".to_owned()),
        "{}",
        run.stdout
    );
    assert!(
        suppressed(&run).contains(&"unpinned".to_owned()),
        "{}",
        run.stdout
    );
}

/// A marker the base has, reused for another dependency slipped in under
/// it, is the change's suppression.
#[test]
fn a_dependency_put_under_an_existing_marker_needs_a_signoff() {
    let repo = base();
    let legacy = |repo_name: &str| {
        format!("module \"legacy\" {{\n  # iacgate:allow unpinned -- vendored fork, OPS-12\n  source = \"git::https://github.com/acme/{repo_name}.git?ref=main\"\n}}\n")
    };
    repo.write("b.tf", &legacy("legacy")).stage(&["b.tf"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "legacy\n\nReviewed-by: Rita Reviewer <rita@example.com>",
    ]);
    repo.write("b.tf", &legacy("evil")).stage(&["b.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rules()
            .contains(&("policy-change".into(), "b.tf".into(), 2)),
        "{}",
        run.stdout
    );
}

/// The review: a root module whose source is `./node_modules/net` loaded
/// code iacgate never read, since node_modules was skipped whole.
#[test]
fn a_module_or_action_under_node_modules_is_judged() {
    let repo = TestRepo::new();
    repo.write("main.tf", "variable \"x\" {}\n")
        .commit_all("base");
    repo.write(
        "main.tf",
        "variable \"x\" {}\nmodule \"a\" {\n  source = \"./node_modules/net\"\n}\n",
    )
    .write(
        "node_modules/net/main.tf",
        "module \"b\" {\n  source = \"git::https://github.com/evil/net.git?ref=main\"\n}\n",
    )
    .write(
        "node_modules/act/action.yml",
        "name: a\nruns:\n  using: composite\n  steps:\n    - uses: evil/act@main\n",
    )
    // A JavaScript package's own files stay unread.
    .write(
        "node_modules/left-pad/package.json",
        "{\"name\": \"left-pad\", \"dependencies\": {\"@pulumi/aws\": \"^6\"}}\n",
    )
    .write("node_modules/left-pad/.eslintrc.yml", "root: true\n")
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let files: Vec<String> = run.rules().into_iter().map(|(_, f, _)| f).collect();
    assert!(
        files.contains(&"node_modules/net/main.tf".to_owned()),
        "{}",
        run.stdout
    );
    assert!(
        files.contains(&"node_modules/act/action.yml".to_owned()),
        "{}",
        run.stdout
    );
    assert!(
        !files.iter().any(|f| f.contains("left-pad")),
        "{}",
        run.stdout
    );
}

const REQUIRES: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n";
const LOCK: &str = "provider \"registry.terraform.io/hashicorp/aws\" {\n  version     = \"5.1.0\"\n  constraints = \"~> 5.0\"\n  hashes = [\n    \"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\n  ]\n}\n";

/// The review: `git mv .terraform.lock.hcl old/` left the root module
/// unlocked (`init` takes the newest 5.x, unchecked) and was silent, while
/// deleting the file was a lock-tamper.
#[test]
fn a_lock_file_moved_out_of_its_module_is_a_lock_tamper_but_a_moved_stack_is_silent() {
    let repo = TestRepo::new();
    repo.write("main.tf", REQUIRES)
        .write(".terraform.lock.hcl", LOCK)
        .commit_all("base");
    std::fs::create_dir_all(repo.path().join("old")).unwrap();
    repo.git(&["mv", ".terraform.lock.hcl", "old/.terraform.lock.hcl"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().contains(&"lock-tamper".to_owned()),
        "{}",
        run.stdout
    );

    repo.git(&["reset", "-q", "--hard"]);
    std::fs::create_dir_all(repo.path().join("stacks")).unwrap();
    repo.git(&["mv", "main.tf", "stacks/main.tf"]);
    repo.git(&["mv", ".terraform.lock.hcl", "stacks/.terraform.lock.hcl"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

/// The review's false alarm: the same version written another way asked
/// for a sign-off as a "sideways" version-change.
#[test]
fn the_same_version_respelled_is_no_version_change_but_a_tag_respelled_is() {
    use crate::util::judge_change;
    let silent = [
        (
            "requirements.yml",
            "collections:\n  - name: community.general\n    version: 8.0.0\n",
            "collections:\n  - name: community.general\n    version: \"==8.0.0\"\n",
        ),
        (
            "Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.bitnami.com/bitnami\n",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: v17.0.0\n    repository: https://charts.bitnami.com/bitnami\n",
        ),
        (
            "main.tf",
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.1.0\"\n}\n",
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"= 5.1.0\"\n}\n",
        ),
    ];
    for (path, before, after) in silent {
        let run = judge_change(path, before, after);
        assert_eq!(run.code, 0, "{path}: {}\n{}", run.stdout, run.stderr);
        assert!(
            !run.rule_names().contains(&"version-change".to_owned()),
            "{path}: {}",
            run.stdout
        );
    }
    // A module's git ref: v1.2 and 1.2 are two tags.
    let git = |r: &str| {
        format!(
            "module \"a\" {{\n  source = \"git::https://github.com/acme/net.git?ref={r}\"\n}}\n"
        )
    };
    let run = judge_change("main.tf", &git("v1.2.0"), &git("1.2.0"));
    assert!(
        run.rule_names().contains(&"version-change".to_owned()),
        "{}",
        run.stdout
    );
}

/// The review: remote transformers, generators and patch files at a
/// branch were silent, while the same remote under `resources` blocked.
#[test]
fn kustomize_plugins_and_patches_from_a_branch_block() {
    use crate::util::judge_change;
    let base = "resources:\n  - deploy.yaml\n";
    for extra in [
        "transformers:\n  - https://github.com/evil/tr//y?ref=main\n",
        "patches:\n  - path: https://raw.githubusercontent.com/evil/p/main/patch.yaml\n",
        "validators:\n  - github.com/evil/v?ref=main\n",
    ] {
        let run = judge_change("kustomization.yaml", base, &format!("{base}{extra}"));
        assert_eq!(run.code, 1, "{extra}: {}", run.stdout);
        assert!(
            run.rule_names().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
    }
    let local = format!("{base}transformers:\n  - labels.yaml\npatches:\n  - path: p.yaml\n");
    assert_eq!(judge_change("kustomization.yaml", base, &local).code, 0);
}

/// The review: a data directory of another name (`TF_DATA_DIR: .tfdata`
/// in the workflow) was committed with its module manifest, silently.
#[test]
fn a_committed_data_directory_of_any_name_blocks() {
    let repo = TestRepo::new();
    repo.write("main.tf", "variable \"x\" {}\n")
        .commit_all("base");
    repo.write(
        ".tfdata/modules/modules.json",
        "{\"Modules\":[{\"Key\":\"a\",\"Source\":\"git::https://github.com/acme/net.git\",\"Dir\":\".tfdata/modules/a\"}]}",
    )
    .write(
        ".tfdata/providers/registry.terraform.io/hashicorp/aws/5.0.0/linux_amd64/terraform-provider-aws_v5.0.0",
        "\u{7f}ELF",
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let files: Vec<String> = run
        .rules()
        .into_iter()
        .filter(|(r, ..)| r == "parse-error")
        .map(|(_, f, _)| f)
        .collect();
    assert!(
        files.contains(&".tfdata/modules/modules.json".to_owned()),
        "{}",
        run.stdout
    );
    assert!(
        files.iter().any(|f| f.contains("terraform-provider-aws")),
        "{}",
        run.stdout
    );
}

/// The review: an ECS task definition ran evil/app:latest and a StackSet
/// deployed an unversioned S3 template, both silently.
#[test]
fn cloudformation_images_and_stack_sets_are_judged() {
    let text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: app\n          Image: evil/app:latest\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      TemplateURL: https://acme.s3.amazonaws.com/x.yaml\n";
    let run = crate::util::judge_added("template.yaml", text);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let rules = run.rules();
    assert!(
        rules.contains(&("unpinned".into(), "template.yaml".into(), 8)),
        "{}",
        run.stdout
    );
    assert!(
        rules.contains(&("unpinned".into(), "template.yaml".into(), 12)),
        "{}",
        run.stdout
    );
}

/// The review: `?checksum=md5:` counted as a pin, though chosen-prefix
/// collisions let the server swap the archive.
#[test]
fn an_md5_or_sha1_checksum_pins_nothing() {
    let module = |checksum: &str| {
        format!(
            "module \"a\" {{\n  source = \"https://example.com/mod.zip?checksum={checksum}\"\n}}\n"
        )
    };
    for weak in [
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
        // go-getter guesses the type from the length: md5 and sha1.
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ] {
        let run = crate::util::judge_added("main.tf", &module(weak));
        assert!(
            run.rule_names().contains(&"unpinned".to_owned()),
            "{weak}: {}",
            run.stdout
        );
    }
    // Typed, or bare at a SHA-256 or SHA-512 length (the review's false
    // alarm: go-getter reads a bare 64-hex value as SHA-256).
    for strong in [
        format!("sha256:{}", "e3".repeat(32)),
        "e3".repeat(32),
        "e3".repeat(64),
    ] {
        let run = crate::util::judge_added("main.tf", &module(&strong));
        assert!(
            !run.rule_names().contains(&"unpinned".to_owned()),
            "{strong}: {}",
            run.stdout
        );
    }
}

/// The review: an override file that loosened a registry module's version
/// to a range needed only a sign-off; in main.tf it is also `unpinned`.
#[test]
fn an_override_that_loosens_a_module_version_to_a_range_is_unpinned() {
    let repo = TestRepo::new();
    repo.write(
        "main.tf",
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.1.0\"\n}\n",
    )
    .commit_all("base");
    repo.write(
        "override.tf",
        "module \"vpc\" {\n  version = \">= 5.0\"\n}\n",
    )
    .stage(&["override.tf"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let mut rules = run.sorted_rules();
    rules.dedup();
    assert_eq!(rules, ["unpinned", "version-change"]);
    // An exact version there is a version change to sign, no more.
    repo.write(
        "override.tf",
        "module \"vpc\" {\n  version = \"5.2.0\"\n}\n",
    )
    .stage(&["override.tf"]);
    assert_eq!(check_staged(&repo).sorted_rules(), ["version-change"]);
}

/// The review: `engine { source, version = "main" }` was silent, and
/// Terragrunt downloads and runs that engine in place of tofu.
#[test]
fn a_terragrunt_engine_is_a_plugin_judged_by_its_release() {
    let unit = |engine: &str| {
        format!("terraform {{\n  source = \"git::https://github.com/acme/m.git?ref={SHA}\"\n}}\n{engine}")
    };
    for engine in [
        "engine {\n  source  = \"github.com/evil/terragrunt-engine-opentofu\"\n  version = \"main\"\n}\n",
        "engine {\n  source = \"github.com/gruntwork-io/terragrunt-engine-opentofu\"\n}\n",
        // A release tag's assets can be replaced: a tag, not a pin.
        "engine {\n  source  = \"github.com/gruntwork-io/terragrunt-engine-opentofu\"\n  version = \"v0.0.4\"\n}\n",
    ] {
        let run = crate::util::judge_added("live/terragrunt.hcl", &unit(engine));
        assert!(run.rule_names().contains(&"unpinned".to_owned()), "{engine}: {}", run.stdout);
    }
    // Where the policy accepts tags, a release tag passes (a new-dependency).
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[pinning]\ngit = \"tag\"\n")
        .commit_all("policy");
    repo.write(
        "live/terragrunt.hcl",
        &unit("engine {\n  source  = \"github.com/gruntwork-io/terragrunt-engine-opentofu\"\n  version = \"v0.0.4\"\n}\n"),
    )
    .stage(&["live/terragrunt.hcl"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// The review: a nameless sdist URL in requirements.txt was read by its
/// file name (`abc`), though pip names it by the metadata it builds, which
/// may be `pulumi-aws` and so take the place of the pinned release.
#[test]
fn a_downloaded_sdist_of_unknown_name_moves_the_pinned_packages() {
    use crate::util::judge_change;
    let before = "pulumi==3.100.0\npulumi-aws==6.18.0\n";
    let after = format!("{before}https://evil.example.com/dl/abc-1.0.tar.gz\n");
    let run = judge_change("requirements.txt", before, &after);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rule_names().contains(&"source-change".to_owned()),
        "{}",
        run.stdout
    );
    // A wheel's name is checked by pip: one of another project moves nothing.
    let wheel = format!("{before}https://files.example.com/requests-2.31.0-py3-none-any.whl\n");
    let run = judge_change("requirements.txt", before, &wheel);
    assert!(
        !run.rule_names().contains(&"source-change".to_owned()),
        "{}",
        run.stdout
    );
}

/// The review: artifacts of another project's pipeline at `main`, and a
/// CI step at `main`, both run in the job and were silent.
#[test]
fn gitlab_cross_project_artifacts_and_steps_are_judged() {
    let job = |body: &str| format!("build:\n  script: [make]\n{body}");
    for body in [
        "  needs:\n    - project: acme/other\n      job: compile\n      ref: main\n      artifacts: true\n",
        "  run:\n    - name: hello\n      step: gitlab.com/evil/steps/echo@main\n",
    ] {
        let run = crate::util::judge_added(".gitlab-ci.yml", &job(body));
        assert!(run.rule_names().contains(&"unpinned".to_owned()), "{body}: {}", run.stdout);
    }
    for body in [
        format!("  needs:\n    - project: acme/other\n      job: compile\n      ref: {SHA}\n"),
        "  needs:\n    - project: acme/other\n      job: compile\n      ref: main\n      artifacts: false\n    - job: test\n".to_owned(),
        format!("  run:\n    - name: hello\n      step: gitlab.com/acme/steps/echo@{SHA}\n    - name: local\n      step: ./steps/lint\n"),
    ] {
        let run = crate::util::judge_added(".gitlab-ci.yml", &job(&body));
        assert!(!run.rule_names().contains(&"unpinned".to_owned()), "{body}: {}", run.stdout);
    }
}
