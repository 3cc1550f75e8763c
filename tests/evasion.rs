//! Changes that try to slip a dependency change past the per-file view:
//! moves between files, lock-file games, symlinks, checksums, overrides.

use crate::util::{Run, TestRepo};

fn check(repo: &TestRepo) -> Run {
    repo.iacgate(&["check", "--staged", "--format", "json"])
}

fn sorted_rules(run: &Run) -> Vec<(String, String, u64)> {
    let mut rules = run.rules();
    rules.sort();
    rules
}

const MAIN: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n\nmodule \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n";

fn one_file_stack() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("net/main.tf", MAIN).commit_all("stack");
    repo
}

#[test]
fn moving_blocks_to_other_files_keeps_their_identity() {
    let repo = one_file_stack();
    repo.write("net/main.tf", "")
        .write(
            "net/versions.tf",
            "terraform {\n  required_providers {\n    aws = { source = \"hashicorp-evil/aws\", version = \"~> 6.0\" }\n  }\n}\n",
        )
        .write(
            "net/vpc.tf",
            "module \"vpc\" {\n  source  = \"terraform-aws-module/vpc/aws\"\n  version = \"5.5.0\"\n}\n",
        )
        .stage(&["net"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [
            ("source-change".into(), "net/versions.tf".into(), 3),
            ("source-change".into(), "net/vpc.tf".into(), 2),
            ("version-change".into(), "net/versions.tf".into(), 3),
            ("version-change".into(), "net/vpc.tf".into(), 3),
        ]
    );
}

#[test]
fn moving_blocks_unchanged_is_silent() {
    let repo = one_file_stack();
    let (providers, module) = MAIN.split_at(MAIN.find("module").unwrap());
    repo.write("net/main.tf", module)
        .write("net/versions.tf", providers)
        .stage(&["net"]);
    let run = check(&repo);
    assert_eq!(run.code, 0);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn converting_to_json_with_a_downgrade_is_a_version_change() {
    let repo = one_file_stack();
    repo.git(&["rm", "-q", "net/main.tf"]);
    repo.write(
        "net/main.tf.json",
        "{\"module\": {\"vpc\": {\"source\": \"terraform-aws-modules/vpc/aws\", \"version\": \"5.0.0\"}}}\n",
    )
    .stage(&["net/main.tf.json"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    let f = &run.json()["findings"][0];
    assert_eq!(f["rule"], "version-change");
    assert!(
        f["message"].as_str().unwrap().contains("(downgrade)"),
        "{f}"
    );
}

const LOCK: &str = "provider \"registry.terraform.io/hashicorp/aws\" {\n  version     = \"5.31.0\"\n  constraints = \"~> 5.0\"\n  hashes = [\n    \"h1:AAAA\",\n    \"zh:BBBB\",\n  ]\n}\n";

fn locked_stack() -> TestRepo {
    let repo = one_file_stack();
    repo.write("net/.terraform.lock.hcl", LOCK)
        .commit_all("lock");
    repo
}

#[test]
fn lock_entry_moved_to_another_registry_with_other_hashes() {
    let repo = locked_stack();
    repo.write(
        "net/.terraform.lock.hcl",
        &LOCK
            .replace("registry.terraform.io", "registry.opentofu.org")
            .replace("h1:AAAA", "h1:EVIL"),
    )
    .stage(&["net/.terraform.lock.hcl"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let rules: Vec<String> = sorted_rules(&run).into_iter().map(|r| r.0).collect();
    assert_eq!(rules, ["lock-tamper", "source-change"]);
}

#[test]
fn lock_entry_deleted_then_re_added_with_other_hashes() {
    let repo = locked_stack();
    repo.write("net/.terraform.lock.hcl", "# emptied\n")
        .stage(&["net/.terraform.lock.hcl"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        sorted_rules(&run),
        [("lock-tamper".into(), "net/main.tf".into(), 3)]
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "empty the lock"]);

    repo.write(
        "net/.terraform.lock.hcl",
        &LOCK.replace("h1:AAAA", "h1:EVIL"),
    )
    .stage(&["net/.terraform.lock.hcl"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [("lock-tamper".into(), "net/.terraform.lock.hcl".into(), 1)]
    );
}

#[test]
fn a_lock_entry_for_a_newly_required_provider_is_normal() {
    let repo = locked_stack();
    repo.write(
        "net/main.tf",
        &MAIN.replace("  }\n}\n\nmodule", "    random = { source = \"hashicorp/random\", version = \"3.6.0\" }\n  }\n}\n\nmodule"),
    )
    .write(
        "net/.terraform.lock.hcl",
        &format!("{LOCK}\nprovider \"registry.terraform.io/hashicorp/random\" {{\n  version = \"3.6.0\"\n  hashes = [\"h1:CCCC\"]\n}}\n"),
    )
    .stage(&["net"]);
    let run = check(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.rule_names(), ["new-dependency"]);
}

#[test]
fn provider_moved_to_another_registry_host() {
    let repo = one_file_stack();
    repo.write(
        "net/main.tf",
        &MAIN.replace(
            "\"hashicorp/aws\"",
            "\"registry.opentofu.org/hashicorp/aws\"",
        ),
    )
    .stage(&["net/main.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(run.rule_names(), ["source-change"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_is_judged_by_what_it_points_to() {
    let repo = one_file_stack();
    repo.write(
        "shared/app.tf",
        "module \"a\" {\n  source = \"git::https://example.com/a.git?ref=main\"\n}\n",
    );
    std::os::unix::fs::symlink("../shared/app.tf", repo.path().join("net/app.tf")).unwrap();
    repo.stage(&["shared/app.tf", "net/app.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        sorted_rules(&run),
        [
            ("unpinned".into(), "net/app.tf".into(), 2),
            ("unpinned".into(), "shared/app.tf".into(), 2)
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_file_that_is_not_iac_is_not_a_pass() {
    // Edits to evil.txt would never be checked, so the link itself blocks.
    let repo = one_file_stack();
    repo.write("evil.txt", "module \"a\" {\n  source = \"./a\"\n}\n");
    std::os::unix::fs::symlink("../evil.txt", repo.path().join("net/extra.tf")).unwrap();
    repo.stage(&["evil.txt", "net/extra.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("parse-error".into(), "net/extra.tf".into(), 1)]
    );
    assert!(run.stdout.contains("not an IaC file"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn the_policy_file_cannot_be_a_symlink() {
    let repo = TestRepo::new();
    repo.write("strict.toml", "[allow]\nmodules = [\"acme/*\"]\n")
        .write(".iacgate.toml", "[allow]\nmodules = [\"acme/*\"]\n")
        .commit_all("policy");
    std::fs::remove_file(repo.path().join(".iacgate.toml")).unwrap();
    std::os::unix::fs::symlink("strict.toml", repo.path().join(".iacgate.toml")).unwrap();
    repo.stage(&[".iacgate.toml"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("parse-error".into(), ".iacgate.toml".into(), 1)]
    );
}

#[test]
fn renaming_from_a_path_that_is_never_judged_is_an_addition() {
    let repo = TestRepo::new();
    let evil = "module \"e\" {\n  source = \"git::https://example.com/x.git?ref=main\"\n}\n";
    repo.write(".iacgate.toml", "[paths]\nexclude = [\"examples/**\"]\n")
        .write("net/.wip.tf", evil)
        .write("examples/demo/main.tf", evil)
        .commit_all("parked");
    repo.git(&["mv", "net/.wip.tf", "net/evil.tf"]);
    repo.git(&["mv", "examples/demo/main.tf", "net/demo.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    let rules = sorted_rules(&run);
    assert_eq!(
        rules,
        [
            ("unpinned".into(), "net/demo.tf".into(), 2),
            ("unpinned".into(), "net/evil.tf".into(), 2)
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_repository_is_not_a_pass() {
    let repo = one_file_stack();
    std::os::unix::fs::symlink("/etc/hostname", repo.path().join("net/extra.tf")).unwrap();
    std::os::unix::fs::symlink("../../outside.tf", repo.path().join("net/up.tf")).unwrap();
    repo.stage(&["net/extra.tf", "net/up.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    let rules = sorted_rules(&run);
    assert_eq!(
        rules,
        [
            ("parse-error".into(), "net/extra.tf".into(), 1),
            ("parse-error".into(), "net/up.tf".into(), 1)
        ]
    );
    assert!(
        run.stdout.contains("outside the repository"),
        "{}",
        run.stdout
    );
}

const DIGEST: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn archive_checksums_are_versions() {
    let repo = TestRepo::new();
    let with = |checksum: &str| {
        format!(
            "module \"m\" {{\n  source = \"s3::https://s3.amazonaws.com/b/m.zip{checksum}\"\n}}\n"
        )
    };
    repo.write("main.tf", &with(&format!("?checksum={DIGEST}")))
        .commit_all("m");

    repo.write("main.tf", &with("")).stage(&["main.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        sorted_rules(&run)
            .into_iter()
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        ["unpinned", "version-change"]
    );

    let other = DIGEST.replace("9f86", "0000");
    repo.write("main.tf", &with(&format!("?checksum={other}")))
        .stage(&["main.tf"]);
    assert_eq!(check(&repo).rule_names(), ["version-change"]);

    repo.write(
        "main.tf",
        &with("?checksum=file:https://s3.amazonaws.com/b/m.sha256"),
    )
    .stage(&["main.tf"]);
    let rules = sorted_rules(&check(&repo))
        .into_iter()
        .map(|r| r.0)
        .collect::<Vec<_>>();
    assert_eq!(rules, ["unpinned", "version-change"]);
}

#[test]
fn override_files_amend_the_base_module() {
    let repo = one_file_stack();
    repo.write(
        "net/vpc_override.tf",
        "module \"vpc\" {\n  version = \"5.9.9\"\n}\n",
    )
    .stage(&["net/vpc_override.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("version-change".into(), "net/vpc_override.tf".into(), 2)]
    );
    assert!(
        run.stdout.contains("override file sets module"),
        "{}",
        run.stdout
    );

    repo.write(
        "net/override.tf",
        "module \"vpc\" {\n  source = \"git::https://example.com/vpc.git?ref=main\"\n}\n",
    )
    .stage(&["net/override.tf"]);
    let rules: Vec<String> = sorted_rules(&check(&repo))
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(rules, ["source-change", "unpinned", "version-change"]);
}

#[test]
fn huge_files_are_reported_not_parsed() {
    let repo = TestRepo::new();
    let mut big = String::from("module \"a\" {\n  source = \"./a\"\n}\n");
    big.push_str(
        &"# padding padding padding padding padding padding padding padding\n".repeat(140_000),
    );
    repo.write("big.tf", &big).stage(&["big.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    let f = &run.json()["findings"][0];
    assert_eq!(f["rule"], "parse-error");
    assert!(f["message"].as_str().unwrap().contains("MiB limit"), "{f}");
}

#[test]
fn a_bom_does_not_shift_the_column() {
    let repo = TestRepo::new();
    repo.write(
        "main.tf",
        "\u{feff}module \"a\" { source = \"acme/a/aws\" }\n",
    )
    .stage(&["main.tf"]);
    let run = check(&repo);
    let f = &run.json()["findings"][0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(23)),
        "{f}"
    );
}

#[test]
fn deleting_the_lock_file_needs_a_signoff_and_a_first_lock_file_does_not() {
    let repo = locked_stack();
    repo.git(&["rm", "-q", "net/.terraform.lock.hcl"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(run.rule_names(), ["lock-tamper"]);
    assert!(run.stdout.contains("still required"), "{}", run.stdout);

    let repo = one_file_stack();
    repo.write("net/.terraform.lock.hcl", LOCK)
        .stage(&["net/.terraform.lock.hcl"]);
    let run = check(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

#[test]
fn override_files_amend_providers_too() {
    let repo = one_file_stack();
    repo.write(
        "net/p_override.tf",
        "terraform {\n  required_providers {\n    aws = { version = \"6.0.0\" }\n  }\n}\n",
    )
    .stage(&["net/p_override.tf"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("version-change".into(), "net/p_override.tf".into(), 3)]
    );

    repo.write(
        "net/p_override.tf",
        "terraform {\n  required_providers {\n    aws = { source = \"evil/aws\" }\n  }\n}\n",
    )
    .stage(&["net/p_override.tf"]);
    assert_eq!(check(&repo).rule_names(), ["source-change"]);
}

#[test]
fn a_module_moved_into_a_local_wrapper_keeps_its_identity() {
    let repo = one_file_stack();
    repo.write("net/main.tf", &MAIN.replace("\"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"", "\"./vpc\""))
        .write(
            "net/vpc/main.tf",
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"3.0.0\"\n}\n",
        )
        .stage(&["net"]);
    let run = check(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.rules(),
        [("version-change".into(), "net/vpc/main.tf".into(), 3)]
    );
    assert!(run.stdout.contains("(downgrade)"), "{}", run.stdout);
}
