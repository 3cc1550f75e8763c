//! Terragrunt, CloudFormation/SAM and Pulumi through real repositories:
//! for each, an unpinned addition, a version change, a source swap, a
//! refactor that changes nothing, and malformed input.

use crate::util::{check_staged as check, judge_added as added, judge_change as change, Run};
use crate::util::{TestRepo, SHA};

fn rules(run: &Run) -> Vec<String> {
    run.sorted_rules()
}

const SHA2: &str = "89abcdef0123456789abcdef0123456789abcdef";

mod terragrunt {
    use super::*;

    fn unit(source: &str) -> String {
        format!("include \"root\" {{\n  path = find_in_parent_folders(\"root.hcl\")\n}}\n\nterraform {{\n  source = \"{source}\"\n}}\n\ninputs = {{\n  name = \"vpc\"\n}}\n")
    }

    #[test]
    fn an_unpinned_source_is_blocked() {
        let run = added(
            "live/prod/vpc/terragrunt.hcl",
            &unit("git::https://github.com/acme/modules.git//vpc?ref=main"),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [("unpinned".into(), "live/prod/vpc/terragrunt.hcl".into(), 6)]
        );
        let f = &run.json()["findings"][0];
        assert_eq!(f["ecosystem"], "terragrunt");
    }

    #[test]
    fn a_ref_change_needs_a_signoff_and_a_repo_change_is_a_source_change() {
        let path = "live/prod/vpc/terragrunt.hcl";
        let base = format!("git::https://github.com/acme/modules.git//vpc?ref={SHA}");
        let run = change(path, &unit(&base), &unit(&base.replace(SHA, SHA2)));
        assert_eq!(run.code, 1);
        assert_eq!(rules(&run), ["version-change"]);
        let run = change(
            path,
            &unit(&base),
            &unit(&base.replace("acme/modules", "acme-forks/modules")),
        );
        assert_eq!(rules(&run), ["source-change"]);
    }

    #[test]
    fn tfr_ranges_are_unpinned() {
        let run = added(
            "live/dev/vpc/terragrunt.hcl",
            &unit("tfr:///terraform-aws-modules/vpc/aws?version=~> 5.0"),
        );
        assert_eq!(rules(&run), ["unpinned"]);
        let run = added(
            "live/dev/vpc/terragrunt.hcl",
            &unit("tfr:///terraform-aws-modules/vpc/aws?version=5.4.0"),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
    }

    #[test]
    fn moving_a_source_into_a_local_is_silent() {
        let path = "live/prod/vpc/terragrunt.hcl";
        let literal = unit(&format!(
            "git::https://github.com/acme/modules.git//vpc?ref={SHA}"
        ));
        let refactored = format!(
            "locals {{\n  modules = \"git::https://github.com/acme/modules.git\"\n}}\n\n{}",
            unit(&format!("${{local.modules}}//vpc?ref={SHA}"))
        );
        let run = change(path, &literal, &refactored);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    #[test]
    fn what_cannot_be_resolved_is_reported_not_guessed() {
        let run = added(
            "live/prod/vpc/terragrunt.hcl",
            &unit("${include.root.locals.modules}//vpc?ref=v1"),
        );
        assert_eq!(run.code, 1);
        assert_eq!(rules(&run), ["unpinned"]);
        assert!(
            run.stdout.contains("cannot be resolved statically"),
            "{}",
            run.stdout
        );
    }

    /// A repository in the `_envcommon` layout: the module's address and
    /// ref live in a shared file that two units include.
    fn envcommon(reference: &str) -> TestRepo {
        let repo = TestRepo::new();
        repo.write("root.hcl", "locals {\n  region = \"eu-west-1\"\n}\n");
        repo.write(
            "_envcommon/vpc.hcl",
            &format!("locals {{\n  url = \"git::https://github.com/acme/modules.git//vpc\"\n  ref = \"{reference}\"\n}}\n"),
        );
        for env in ["dev", "prod"] {
            repo.write(
                &format!("live/{env}/vpc/terragrunt.hcl"),
                &envcommon_unit(
                    "${include.envcommon.locals.url}?ref=${include.envcommon.locals.ref}",
                ),
            );
        }
        repo
    }

    fn envcommon_unit(source: &str) -> String {
        format!("include \"root\" {{\n  path = find_in_parent_folders(\"root.hcl\")\n}}\n\ninclude \"envcommon\" {{\n  path   = \"${{dirname(find_in_parent_folders(\"root.hcl\"))}}/_envcommon/vpc.hcl\"\n  expose = true\n}}\n\nterraform {{\n  source = \"{source}\"\n}}\n")
    }

    #[test]
    fn sources_resolve_through_included_files() {
        let repo = envcommon(SHA);
        repo.stage(&["."]);
        let run = check(&repo);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let found = run.json()["findings"][0]["message"].to_string();
        assert!(found.contains(SHA), "{found}");

        // A tag in the shared file: every unit that uses it is unpinned.
        let repo = envcommon("v1.2.0");
        repo.stage(&["."]);
        let run = check(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [
                ("unpinned".into(), "live/dev/vpc/terragrunt.hcl".into(), 11),
                ("unpinned".into(), "live/prod/vpc/terragrunt.hcl".into(), 11),
            ]
        );
    }

    #[test]
    fn a_bump_in_an_included_file_is_judged_in_every_unit_that_uses_it() {
        let repo = envcommon(SHA);
        repo.commit_all("units");
        let shared = "_envcommon/vpc.hcl";
        let text = repo.read(shared).replace(SHA, SHA2);
        repo.write(shared, &text).stage(&[shared]);
        let run = check(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [
                (
                    "version-change".into(),
                    "live/dev/vpc/terragrunt.hcl".into(),
                    11
                ),
                (
                    "version-change".into(),
                    "live/prod/vpc/terragrunt.hcl".into(),
                    11
                ),
            ]
        );
        // The same change, committed, and judged as a range.
        repo.commit_all("bump the shared module");
        let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.rule_names(), ["version-change", "version-change"]);
        // Anything else in the shared file changes nothing.
        let text = repo.read(shared) + "\n# reviewed\n";
        repo.write(shared, &text).stage(&[shared]);
        let run = check(&repo);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    /// Gruntwork's layout: the unit has no `terraform` block; it inherits
    /// `_envcommon/vpc.hcl`'s, whose ref comes from the unit's `env.hcl`.
    #[test]
    fn an_inherited_source_is_judged_at_each_unit() {
        let repo = TestRepo::new();
        repo.write("root.hcl", "locals {}\n");
        repo.write(
            "_envcommon/vpc.hcl",
            "locals {\n  env = read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))\n}\n\nterraform {\n  source = \"git::https://github.com/acme/modules.git//vpc?ref=${local.env.locals.vpc_ref}\"\n}\n",
        );
        for env in ["dev", "prod"] {
            repo.write(
                &format!("live/{env}/env.hcl"),
                &format!("locals {{\n  vpc_ref = \"{SHA}\"\n}}\n"),
            );
            repo.write(
                &format!("live/{env}/vpc/terragrunt.hcl"),
                "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n\ninclude \"envcommon\" {\n  path = \"${dirname(find_in_parent_folders(\"root.hcl\"))}/_envcommon/vpc.hcl\"\n}\n",
            );
        }
        repo.commit_all("units");
        let env = "live/prod/env.hcl";
        let text = repo.read(env).replace(SHA, SHA2);
        repo.write(env, &text).stage(&[env]);
        let run = check(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [(
                "version-change".into(),
                "live/prod/vpc/terragrunt.hcl".into(),
                5
            )]
        );
        // Moving a unit under another environment changes what it deploys.
        repo.write(env, &text.replace(SHA2, SHA)).stage(&[env]);
        repo.write("live/stage/env.hcl", "locals {\n  vpc_ref = \"main\"\n}\n")
            .commit_all("stage env");
        repo.git(&["mv", "live/prod/vpc", "live/stage/vpc"]);
        let run = check(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.sorted_rules().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
    }

    #[test]
    fn inlining_an_included_value_is_silent() {
        let repo = envcommon(SHA);
        repo.commit_all("units");
        let path = "live/prod/vpc/terragrunt.hcl";
        let inlined = envcommon_unit(&format!(
            "git::https://github.com/acme/modules.git//vpc?ref={SHA}"
        ));
        repo.write(path, &inlined).stage(&[path]);
        let run = check(&repo);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    #[test]
    fn malformed_hcl_fails_closed_at_the_line() {
        let run = added(
            "live/prod/vpc/terragrunt.hcl",
            "terraform {\n  source = \"x\n}\n",
        );
        assert_eq!(run.code, 1);
        assert_eq!(run.rules()[0].0, "parse-error");
        assert_eq!(run.rules()[0].2, 2, "{}", run.stdout);
    }
}

mod cloudformation {
    use super::*;

    fn template(url: &str) -> String {
        format!("AWSTemplateFormatVersion: '2010-09-09'\nDescription: network\nResources:\n  Network:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n      Parameters:\n        Cidr: 10.0.0.0/16\n")
    }

    const URL: &str = "https://templates.s3.eu-west-1.amazonaws.com/network/vpc.yaml";

    #[test]
    fn a_nested_stack_without_version_id_is_blocked() {
        let run = added("stacks/network.yaml", &template(URL));
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [("unpinned".into(), "stacks/network.yaml".into(), 7)]
        );
        assert_eq!(run.json()["findings"][0]["ecosystem"], "cloudformation");
    }

    #[test]
    fn a_version_id_change_needs_a_signoff_and_a_bucket_change_is_a_source_change() {
        let pinned = format!("{URL}?versionId=3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
        let run = change(
            "stacks/network.yaml",
            &template(&pinned),
            &template(&pinned.replace("3sL4", "9zZ9")),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(rules(&run), ["version-change"]);
        let run = change(
            "stacks/network.yaml",
            &template(&pinned),
            &template(&pinned.replace("templates.s3", "templatez.s3")),
        );
        assert_eq!(rules(&run), ["source-change"]);
    }

    #[test]
    fn reformatting_a_template_is_silent() {
        let pinned = format!("{URL}?versionId=3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
        let flow = format!("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Network: {{Type: \"AWS::CloudFormation::Stack\", Properties: {{Parameters: {{Cidr: 10.0.0.0/16}}, TemplateURL: \"{pinned}\"}}}}\nDescription: network\n");
        let run = change("stacks/network.yaml", &template(&pinned), &flow);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    #[test]
    fn an_intrinsic_function_is_reported_as_unresolved() {
        let run = added(
            "stacks/network.yaml",
            &template("!Sub 'https://${Bucket}.s3.amazonaws.com/vpc.yaml'"),
        );
        assert_eq!(run.code, 1);
        assert!(
            run.stdout.contains("cannot be resolved statically"),
            "{}",
            run.stdout
        );
    }

    #[test]
    fn other_yaml_is_not_a_template() {
        let run = added(".github/dependabot.yml", "version: 2\nupdates: []\n");
        assert_eq!(run.code, 0);
        assert!(run.rule_names().is_empty());
    }

    #[test]
    fn a_broken_template_fails_closed_at_the_line() {
        let run = added(
            "stacks/network.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: AWS::S3::Bucket\n  B: {Type: AWS::S3::Bucket\n  C:\n    Type: AWS::S3::Bucket\n",
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        // The unclosed `{` of line 5 is found where the next key starts.
        assert_eq!(
            run.rules(),
            [("parse-error".into(), "stacks/network.yaml".into(), 6)]
        );
    }
}

mod pulumi {
    use super::*;

    fn project(aws: &str) -> String {
        format!("name: infra\nruntime: yaml\nplugins:\n  providers:\n    - name: aws\n      version: {aws}\nresources:\n  bucket:\n    type: aws:s3:Bucket\n")
    }

    #[test]
    fn a_plugin_without_an_exact_version_is_blocked() {
        let run = added("Pulumi.yaml", &project("\">=6.0.0\""));
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(rules(&run), ["unpinned"]);
        assert_eq!(run.json()["findings"][0]["ecosystem"], "pulumi");
    }

    #[test]
    fn a_provider_package_bump_needs_a_signoff() {
        let before = "{\n  \"name\": \"infra\",\n  \"dependencies\": {\n    \"@pulumi/aws\": \"6.0.0\",\n    \"left-pad\": \"^1.0.0\"\n  }\n}\n";
        let run = change("package.json", before, &before.replace("6.0.0", "6.1.0"));
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [("version-change".into(), "package.json".into(), 4)]
        );
        assert_eq!(run.json()["findings"][0]["kind"], "provider");
        let run = change(
            "package.json",
            before,
            &before.replace("\"6.0.0\"", "\"^6.0.0\""),
        );
        assert_eq!(rules(&run), ["unpinned", "version-change"]);
    }

    #[test]
    fn a_package_source_swap() {
        let before = "name: infra\nruntime: yaml\npackages:\n  netbox: https://github.com/acme/pulumi-netbox@v1.2.0\n";
        let pinned = before.replace("v1.2.0", SHA);
        let run = change(
            "Pulumi.yaml",
            &pinned,
            &pinned.replace("acme/", "acme-fork/"),
        );
        assert!(
            rules(&run).contains(&"source-change".to_owned()),
            "{}",
            run.stdout
        );
    }

    #[test]
    fn reordering_keys_is_silent() {
        let reordered = "runtime: yaml\nresources:\n  bucket:\n    type: aws:s3:Bucket\nplugins:\n  providers:\n    - version: 6.0.0\n      name: aws\nname: infra\n";
        let run = change("Pulumi.yaml", &project("6.0.0"), reordered);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    #[test]
    fn a_broken_project_fails_closed() {
        let run = added(
            "Pulumi.yaml",
            "name: infra\nruntime: yaml\nplugins:\n  providers:\n    - name: aws\n      version: [6.0.0\n",
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        // The unclosed `[` of the last line is found at the end of the file.
        assert_eq!(
            run.rules(),
            [("parse-error".into(), "Pulumi.yaml".into(), 7)]
        );
    }
}

#[test]
fn stacks_and_plugins_have_their_own_allowlists() {
    let repo = TestRepo::new();
    repo.write(
        ".iacgate.toml",
        "[allow]\nstacks = [\"https://templates.s3.eu-west-1.amazonaws.com/*\"]\nplugins = [\"providers/aws\"]\n",
    )
    .commit_all("policy");
    repo.write(
        "Pulumi.yaml",
        "name: infra\nruntime: yaml\nplugins:\n  providers:\n    - name: gcp\n      version: 7.0.0\n",
    )
    .write(
        "stacks/net.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://evil.s3.amazonaws.com/vpc.yaml?versionId=abc\n",
    )
    .stage(&["Pulumi.yaml", "stacks/net.yaml"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let not_allowed: Vec<String> = run
        .rules()
        .into_iter()
        .filter(|r| r.0 == "not-allowed")
        .map(|r| r.1)
        .collect();
    assert_eq!(not_allowed, ["Pulumi.yaml", "stacks/net.yaml"]);
}

#[test]
fn ordinary_files_that_mention_resources_are_not_judged() {
    let files: &[(&str, &str)] = &[
        (
            "chart/templates/deploy.yaml",
            "# Resources for the worker pod\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: w\n          {{- with .Values.resources }}\n          resources: {{ toYaml . | nindent 12 }}\n          {{- end }}\n",
        ),
        (
            "tsconfig.json",
            "{\n  \"compilerOptions\": {\n    \"paths\": { \"@Resources/*\": [\"src/res/*\"] } // i18n\n  },\n}\n",
        ),
        (
            ".github/workflows/ci.yml",
            "# Resources: see docs. Why ? because\npermissions:\n  contents: read\nenv: &env\n  A: 1\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env: *env\n    steps:\n      - run: echo ok\n",
        ),
        ("consul/agent.hcl", "\"datacenter\" = \"dc1\"\ndata_dir = \"/a\"\ndata_dir = \"/b\"\n"),
    ];
    for (path, text) in files {
        let run = added(path, text);
        assert_eq!(run.code, 0, "{path}: {}", run.stdout);
        assert!(run.rule_names().is_empty(), "{path}: {}", run.stdout);
    }
}

#[test]
fn a_pin_lost_without_a_visible_version_change_is_caught() {
    let url = "https://acme-cfn.s3.eu-west-1.amazonaws.com/network.yaml?versionId=AAA";
    let template = |url: &str| {
        format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n")
    };
    let run = change(
        "stacks/net.yaml",
        &template(url),
        &template(&format!("{url}&versionId=BBB")),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rule_names().contains(&"unpinned".to_owned()),
        "{}",
        run.stdout
    );
}

#[test]
fn a_swapped_requirement_hash_is_a_change() {
    let before =
        "pulumi-aws @ https://example.com/pulumi_aws-6.54.2-py3-none-any.whl --hash=sha256:aaaa\n";
    let run = change("requirements.txt", before, &before.replace("aaaa", "bbbb"));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(!run.rule_names().is_empty(), "{}", run.stdout);
}

/// terraform-aws-eks shipped a `locals` map that repeated a key (Dec 2022):
/// Terraform keeps the last value and plans; a parse-error there would
/// block every commit that touches the file. Where the repeat is in what
/// iacgate reads, the last value is the one judged, as Terraform uses it.
#[test]
fn an_object_that_repeats_a_key_is_read_as_terraform_reads_it() {
    let module = |version: &str| {
        format!(
            "locals {{\n  rules = {{\n    webhook = {{ port = 4443 }}\n    webhook = {{ port = 8443 }}\n  }}\n}}\n\nmodule \"vpc\" {{\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"{version}\"\n}}\n"
        )
    };
    let touched = module("5.1.0").replace("8443", "9443");
    assert_eq!(
        rules(&change("main.tf", &module("5.1.0"), &touched)),
        Vec::<String>::new()
    );
    let bump = change("main.tf", &module("5.1.0"), &module("5.2.0"));
    assert_eq!(rules(&bump), vec!["version-change"]);

    let providers = |last: &str| {
        format!(
            "terraform {{\n  required_providers {{\n    aws = {{ source = \"hashicorp/aws\", version = \"5.0.0\" }}\n  }}\n}}\nlocals {{\n  x = {{ a = \"1\", a = \"{last}\" }}\n}}\n"
        )
    };
    assert_eq!(
        rules(&change("versions.tf", &providers("2"), &providers("3"))),
        Vec::<String>::new()
    );
}
