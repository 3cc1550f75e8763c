//! Module sources in files iacgate used to leave unread: Terraform test
//! files, Terraform Stacks, Terragrunt's JSON form; and the Terraform code
//! a Terragrunt `generate` block writes into the module at run time.

use crate::util::{check_staged, judge_added, judge_change, Run, TestRepo, SHA};

const SHA2: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn rules(run: &Run) -> Vec<(String, String, u64)> {
    let mut rules = run.rules();
    rules.sort();
    rules
}

fn blocks_with(run: &Run, want: &[(&str, &str, u64)]) {
    assert_eq!(run.code, 1, "{}", run.stdout);
    let want: Vec<(String, String, u64)> = want
        .iter()
        .map(|(r, f, l)| ((*r).to_owned(), (*f).to_owned(), *l))
        .collect();
    assert_eq!(rules(run), want, "{}", run.stdout);
}

fn warns_new_dependency(run: &Run) {
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"], "{}", run.stdout);
}

// ----- `*.tftest.hcl`, `*.tofutest.hcl`: `run { module { source } }` -----

fn test_file(source: &str, version: Option<&str>) -> String {
    let version = version.map_or(String::new(), |v| format!("    version = \"{v}\"\n"));
    format!(
        "run \"setup\" {{\n  command = apply\n\n  module {{\n    source = \"{source}\"\n{version}  }}\n}}\n\nrun \"check\" {{\n  assert {{\n    condition     = true\n    error_message = \"x\"\n  }}\n}}\n"
    )
}

#[test]
fn a_test_file_whose_run_module_is_on_a_branch_blocks() {
    const PATH: &str = "tests/vpc.tftest.hcl";
    let run = judge_added(
        PATH,
        &test_file(
            "git::https://github.com/acme/fixtures.git//vpc?ref=main",
            None,
        ),
    );
    blocks_with(&run, &[("unpinned", PATH, 5)]);
    let run = judge_added(
        PATH,
        &test_file(
            &format!("git::https://github.com/acme/fixtures.git//vpc?ref={SHA}"),
            None,
        ),
    );
    warns_new_dependency(&run);
    // The JSON form too.
    let run = judge_added(
        "tests/vpc.tftest.json",
        "{\n  \"run\": {\n    \"setup\": {\n      \"module\": {\n        \"source\": \"git::https://github.com/acme/fixtures.git//vpc?ref=v1.0.0\"\n      }\n    }\n  }\n}\n",
    );
    blocks_with(&run, &[("unpinned", "tests/vpc.tftest.json", 5)]);
    // A local module (the usual `./tests/setup`) is not third-party.
    let run = judge_added(PATH, &test_file("./tests/setup", None));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn a_bump_of_a_test_files_registry_module_is_a_version_change() {
    const PATH: &str = "tests/vpc.tofutest.hcl";
    let source = "terraform-aws-modules/vpc/aws";
    let run = judge_change(
        PATH,
        &test_file(source, Some("5.4.0")),
        &test_file(source, Some("5.5.0")),
    );
    blocks_with(&run, &[("version-change", PATH, 6)]);
    // Another assertion, the same module: silent.
    let before = test_file(source, Some("5.4.0"));
    let run = judge_change(
        PATH,
        &before,
        &before.replace("condition     = true", "condition     = 1 == 1"),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

// ----- Terraform Stacks: `component` blocks -----

fn components(source: &str, version: &str) -> String {
    format!(
        "required_providers {{\n  aws = {{\n    source  = \"hashicorp/aws\"\n    version = \"~> 5.7.0\"\n  }}\n}}\n\ncomponent \"vpc\" {{\n  source  = \"{source}\"\n  version = \"{version}\"\n\n  inputs = {{\n    name = var.name\n  }}\n  providers = {{\n    aws = provider.aws.this\n  }}\n}}\n"
    )
}

#[test]
fn a_stack_component_on_a_tag_blocks_and_a_bump_is_a_version_change() {
    for path in ["stack/components.tfcomponent.hcl", "stack/main.tfstack.hcl"] {
        let run = judge_added(
            path,
            &components("git::https://github.com/acme/vpc.git?ref=v1.2.0", "")
                .replace("  version = \"\"\n", ""),
        );
        assert_eq!(run.code, 1, "{path}: {}", run.stdout);
        assert_eq!(
            rules(&run),
            [
                ("new-dependency".to_owned(), path.to_owned(), 3),
                ("unpinned".to_owned(), path.to_owned(), 9),
            ],
            "{}",
            run.stdout
        );
        let run = judge_change(
            path,
            &components("terraform-aws-modules/vpc/aws", "5.4.0"),
            &components("terraform-aws-modules/vpc/aws", "5.5.0"),
        );
        blocks_with(&run, &[("version-change", path, 10)]);
    }
}

#[test]
fn a_pinned_stack_component_is_silent_and_a_deployment_file_names_no_source() {
    const PATH: &str = "stack/components.tfcomponent.hcl";
    let pinned = components("terraform-aws-modules/vpc/aws", "5.4.0");
    let repo = TestRepo::new();
    repo.write(PATH, &pinned).commit_all("stack");
    repo.write(PATH, &pinned.replace("var.name", "\"vpc\""))
        .write(
            "stack/deployments.tfdeploy.hcl",
            "identity_token \"aws\" {\n  audience = [\"aws.workload.identity\"]\n}\n\ndeployment \"prod\" {\n  inputs = {\n    name = \"prod\"\n  }\n}\n\nupstream_input \"network\" {\n  type   = \"stack\"\n  source = \"app.terraform.io/acme/infra/network\"\n}\n",
        )
        .stage(&["stack"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    // A deployment file that does not parse fails closed.
    repo.write("stack/deployments.tfdeploy.hcl", "deployment \"prod\" {\n")
        .stage(&["stack"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["parse-error"], "{}", run.stdout);
}

// ----- `terragrunt.hcl.json` -----

#[test]
fn a_terragrunt_json_unit_on_a_tag_blocks() {
    const PATH: &str = "live/prod/vpc/terragrunt.hcl.json";
    let run = judge_added(
        PATH,
        "{\n  \"terraform\": {\n    \"source\": \"git::https://github.com/acme/modules.git//vpc?ref=v1.2.0\"\n  },\n  \"inputs\": {\"name\": \"prod\"}\n}\n",
    );
    blocks_with(&run, &[("unpinned", PATH, 3)]);
    let run = judge_added(
        PATH,
        &format!("{{\"terraform\": {{\"source\": \"git::https://github.com/acme/modules.git//vpc?ref={SHA}\"}}}}\n"),
    );
    warns_new_dependency(&run);
}

#[test]
fn a_bump_in_a_file_a_terragrunt_json_unit_includes_is_a_version_change() {
    const PATH: &str = "live/prod/vpc/terragrunt.hcl.json";
    let repo = TestRepo::new();
    repo.write("root.hcl", &format!("locals {{\n  ref = \"{SHA}\"\n}}\n"))
        .write(
            PATH,
            "{\n  \"include\": {\n    \"root\": {\n      \"path\": \"${find_in_parent_folders(\\\"root.hcl\\\")}\",\n      \"expose\": true\n    }\n  },\n  \"terraform\": {\n    \"source\": \"git::https://github.com/acme/modules.git//vpc?ref=${include.root.locals.ref}\"\n  }\n}\n",
        )
        .commit_all("unit");
    // Judged through the unit: the shared file moved the ref.
    repo.write("root.hcl", &format!("locals {{\n  ref = \"{SHA2}\"\n}}\n"))
        .stage(&["root.hcl"]);
    let run = check_staged(&repo);
    blocks_with(&run, &[("version-change", PATH, 9)]);
    // The unit itself, edited where nothing resolves differently: silent.
    repo.git(&["reset", "-q", "--", "root.hcl"]);
    repo.write("root.hcl", &format!("locals {{\n  ref = \"{SHA}\"\n}}\n"));
    let text = repo.read(PATH).replace(
        "\"expose\": true",
        "\"expose\": true, \"merge_strategy\": \"shallow\"",
    );
    repo.write(PATH, &text).stage(&[PATH]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    // Not JSON at all: fails closed.
    repo.write(PATH, "{\"terraform\": ").stage(&[PATH]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["parse-error"], "{}", run.stdout);
}

// ----- Terragrunt `generate`: Terraform code written at run time -----

const UNIT: &str = "live/prod/app/terragrunt.hcl";

fn unit(generate: &str) -> String {
    format!(
        "locals {{\n  region = \"eu-west-1\"\n}}\n\nterraform {{\n  source = \"git::https://github.com/acme/modules.git//app?ref={SHA}\"\n}}\n{generate}"
    )
}

fn generate(name: &str, path: &str, code: &str) -> String {
    format!(
        "\ngenerate \"{name}\" {{\n  path      = \"{path}\"\n  if_exists = \"overwrite\"\n  contents  = <<EOF\n{code}EOF\n}}\n"
    )
}

/// A unit, committed, with `generate` blocks staged on top.
fn staged_unit(before: &str, after: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(UNIT, &unit(before)).commit_all("unit");
    repo.write(UNIT, &unit(after)).stage(&[UNIT]);
    repo
}

#[test]
fn a_generate_that_writes_a_module_on_a_branch_blocks_at_pre_commit() {
    let code = "module \"extra\" {\n  source = \"git::https://github.com/evil/modules.git//x?ref=main\"\n}\n";
    let repo = staged_unit("", &generate("extra", "main_override.tf", code));
    // The unit's own lines, then the generate block: `source` is line 14.
    let run = check_staged(&repo);
    blocks_with(&run, &[("unpinned", UNIT, 14)]);
    let run = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // Committed, and judged as a range.
    repo.commit_all("extra module");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    blocks_with(&run, &[("unpinned", UNIT, 14)]);
}

#[test]
fn a_generated_provider_block_without_a_source_change_is_silent() {
    let provider = generate(
        "provider",
        "provider.tf",
        "provider \"aws\" {\n  region = \"${local.region}\"\n  default_tags {\n    tags = { team = \"${get_env(\"TEAM\", \"x\")}\" }\n  }\n}\n",
    );
    let repo = staged_unit("", &provider);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    let run = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Overwriting a file of the module, or generating one that is no
    // Terraform file, adds nothing either.
    let repo = staged_unit(
        &provider,
        &format!(
            "{}{}",
            provider.replace("provider.tf\"", "main.tf\""),
            generate("vars", "terraform.tfvars", "name = \"x\"\n")
        ),
    );
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn a_bump_inside_generate_contents_is_a_version_change() {
    let code = |version: &str, aws: &str| {
        format!("module \"vpc\" {{\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"{version}\"\n}}\n\nterraform {{\n  required_providers {{\n    aws = {{\n      source  = \"hashicorp/aws\"\n      version = \"{aws}\"\n    }}\n  }}\n}}\n")
    };
    let repo = staged_unit(
        &generate("modules", "modules.tf", &code("5.4.0", "~> 5.0")),
        &generate("modules", "modules.tf", &code("5.5.0", "~> 5.0")),
    );
    let run = check_staged(&repo);
    blocks_with(&run, &[("version-change", UNIT, 15)]);
    let repo = staged_unit(
        &generate("modules", "modules.tf", &code("5.4.0", "~> 5.0")),
        &generate("modules", "modules.tf", &code("5.4.0", "~> 6.0")),
    );
    let run = check_staged(&repo);
    blocks_with(&run, &[("version-change", UNIT, 22)]);
}

#[test]
fn generated_terraform_code_iacgate_cannot_read_blocks_until_it_is_literal() {
    let unreadable = [
        "\ngenerate \"extra\" {\n  path     = \"extra.tf\"\n  contents = file(\"templates/extra.tf\")\n}\n".to_owned(),
        generate(
            "extra",
            "extra.tf",
            "%{ if true }module \"x\" {\n  source = \"./x\"\n}\n%{ endif }\n",
        ),
        generate(
            "extra",
            "extra.tf",
            "module \"x\" {\n  source = \"git::https://github.com/acme/m.git?ref=${get_env(\"REF\")}\"\n}\n",
        ),
    ];
    for block in &unreadable {
        let repo = staged_unit("", block);
        let run = check_staged(&repo);
        assert_eq!(run.code, 1, "{block}: {}", run.stdout);
        assert_eq!(run.rule_names(), ["unpinned"], "{block}: {}", run.stdout);
        // Left as it is while the unit changes elsewhere: silent.
        repo.commit_all("extra");
        let text = repo.read(UNIT).replace("eu-west-1", "eu-west-2");
        repo.write(UNIT, &text).stage(&[UNIT]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 0, "{block}: {}", run.stdout);
        assert!(run.rules().is_empty(), "{block}: {}", run.stdout);
    }
}

#[test]
fn a_generate_block_a_unit_includes_from_a_file_of_any_name_is_judged_at_the_unit() {
    let code = |reference: &str| {
        generate(
            "extra",
            "extra.tf",
            &format!("module \"extra\" {{\n  source = \"git::https://github.com/acme/m.git?ref={reference}\"\n}}\n"),
        )
    };
    let repo = TestRepo::new();
    repo.write("common.inc", &code(SHA))
        .write(
            UNIT,
            &unit("\ninclude \"common\" {\n  path = find_in_parent_folders(\"common.inc\")\n}\n"),
        )
        .commit_all("unit");
    repo.write("common.inc", &code("main"))
        .stage(&["common.inc"]);
    let run = check_staged(&repo);
    // At the unit's `include`, which brings the code in.
    blocks_with(&run, &[("unpinned", UNIT, 9), ("version-change", UNIT, 9)]);
    // A comment in the included file generates the same code: silent.
    repo.write("common.inc", &format!("# shared\n{}", code(SHA)))
        .stage(&["common.inc"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    // A `root.hcl` is judged itself, once, not again at every unit.
    let repo = TestRepo::new();
    repo.write("root.hcl", &code(SHA))
        .write(
            UNIT,
            &unit("\ninclude \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n"),
        )
        .commit_all("unit");
    repo.write("root.hcl", &code("main")).stage(&["root.hcl"]);
    let run = check_staged(&repo);
    blocks_with(
        &run,
        &[
            ("unpinned", "root.hcl", 7),
            ("version-change", "root.hcl", 7),
        ],
    );
}

#[test]
fn generated_code_read_from_a_template_file_is_judged_and_so_is_a_change_to_it() {
    let template = |reference: &str| {
        format!("module \"extra\" {{\n  source = \"git::https://github.com/acme/m.git?ref={reference}\"\n  name   = \"${{name}}\"\n}}\n")
    };
    let block = "\ngenerate \"extra\" {\n  path     = \"extra.tf\"\n  contents = templatefile(\"${get_terragrunt_dir()}/extra.tftpl\", { name = \"x\" })\n}\n";
    let repo = TestRepo::new();
    repo.write(UNIT, &unit("")).commit_all("unit");
    repo.write("live/prod/app/extra.tftpl", &template(SHA))
        .write(UNIT, &unit(block))
        .stage(&["live"]);
    let run = check_staged(&repo);
    // Pinned: a new dependency, at the call.
    warns_new_dependency(&run);
    assert_eq!(run.rules()[0].2, 11, "{}", run.stdout);
    repo.commit_all("extra");
    // The template alone moves the module to a branch: judged at the unit.
    repo.write("live/prod/app/extra.tftpl", &template("main"))
        .stage(&["live"]);
    let run = check_staged(&repo);
    blocks_with(
        &run,
        &[("unpinned", UNIT, 11), ("version-change", UNIT, 11)],
    );
    repo.commit_all("branch");
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    blocks_with(
        &run,
        &[("unpinned", UNIT, 11), ("version-change", UNIT, 11)],
    );
}
