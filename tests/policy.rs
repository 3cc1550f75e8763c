//! `.iacgate.toml`: every key, every error path, the loosening attack,
//! `init`, `--config`.

use crate::util::{Run, TestRepo, SHA};

fn with_policy(policy: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", policy)
        .write(
            "main.tf",
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}\n",
        )
        .commit_all("policy");
    repo
}

fn check(repo: &TestRepo) -> Run {
    repo.iacgate(&["check", "--staged", "--format", "json"])
}

fn stage_module(repo: &TestRepo, body: &str) -> Run {
    repo.write("app/main.tf", body).stage(&["app/main.tf"]);
    check(repo)
}

#[test]
fn module_allowlist_blocks_others_and_names_look_alikes() {
    let repo =
        with_policy("[allow]\nmodules = [\"terraform-aws-modules/*\", \"github.com/acme/*\"]\n");
    let allowed = stage_module(
        &repo,
        &format!("module \"a\" {{\n  source = \"git::https://github.com/acme/net.git//modules/x?ref={SHA}\"\n}}\n"),
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stdout);
    assert_eq!(allowed.rule_names(), ["new-dependency"]);

    let other = stage_module(
        &repo,
        &format!("module \"a\" {{\n  source = \"github.com/evil/net?ref={SHA}\"\n}}\n"),
    );
    assert_eq!(other.code, 1);
    let mut rules = other.rule_names();
    rules.sort();
    assert_eq!(rules, ["new-dependency", "not-allowed"]);

    let look_alike = stage_module(
        &repo,
        "module \"a\" {\n  source  = \"terraform-aws-module/vpc/aws\"\n  version = \"5.4.0\"\n}\n",
    );
    assert_eq!(look_alike.code, 1);
    let finding = look_alike.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "not-allowed")
        .cloned()
        .expect("not-allowed");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("looks like the allowed `terraform-aws-modules/*`"),
        "{finding}"
    );
}

#[test]
fn provider_allowlist_in_either_spelling() {
    for pattern in ["hashicorp/*", "registry.terraform.io/hashicorp/*"] {
        let repo = with_policy(&format!("[allow]\nproviders = [\"{pattern}\"]\n"));
        let ok = stage_module(
            &repo,
            "terraform {\n  required_providers {\n    aws = { source = \"registry.terraform.io/hashicorp/aws\", version = \"~> 5.0\" }\n    random = \"~> 3.0\"\n  }\n}\n",
        );
        assert_eq!(ok.code, 0, "{pattern}: {}", ok.stdout);
        let bad = stage_module(
            &repo,
            "terraform {\n  required_providers {\n    kubectl = { source = \"alekc/kubectl\", version = \"2.0.4\" }\n  }\n}\n",
        );
        assert_eq!(bad.code, 1, "{pattern}");
        assert!(bad.rule_names().contains(&"not-allowed".to_owned()));
    }
}

#[test]
fn the_same_commit_cannot_loosen_the_policy_it_is_judged_by() {
    let repo = with_policy("[allow]\nmodules = [\"terraform-aws-modules/*\"]\n");
    repo.write(
        ".iacgate.toml",
        "[allow]\nmodules = [\"terraform-aws-modules/*\", \"evil/*\"]\n",
    )
    .write(
        "app/main.tf",
        "module \"x\" {\n  source  = \"evil/x/aws\"\n  version = \"1.0.0\"\n}\n",
    )
    .stage(&[".iacgate.toml", "app/main.tf"]);
    // Even with a reviewer's trailer for the policy change itself.
    repo.write("MSG", "Allow evil\n\nReviewed-by: Bob <bob@example.com>\n");
    let run = repo.iacgate(&["check", "--staged", "--message", "MSG", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let rules = run.rules();
    assert!(
        rules.contains(&("not-allowed".into(), "app/main.tf".into(), 2)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("policy-change".into(), ".iacgate.toml".into(), 2)),
        "{rules:?}"
    );
    let policy = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "policy-change")
        .cloned()
        .unwrap();
    assert_eq!(policy["signed_off"], true);
    assert_eq!(policy["blocking"], false);
}

#[test]
fn a_policy_change_needs_a_signoff() {
    let repo = with_policy("[rules]\nnew-dependency = \"warn\"\n");
    repo.write(".iacgate.toml", "[rules]\nnew-dependency = \"off\"\n")
        .stage(&[".iacgate.toml"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.rules(),
        [("policy-change".into(), ".iacgate.toml".into(), 2)]
    );
    let hook = repo.iacgate(&["hook", "pre-commit"]);
    assert_eq!(hook.code, 0);
    assert!(
        hook.stderr.contains("needs sign-off[policy-change]"),
        "{}",
        hook.stderr
    );
}

#[test]
fn a_broken_new_policy_is_blocked_before_it_lands() {
    let repo = with_policy("");
    repo.write(".iacgate.toml", "[pinning]\ngit = \"branch\"\n")
        .stage(&[".iacgate.toml"]);
    let run = check(&repo);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.rules(),
        [("parse-error".into(), ".iacgate.toml".into(), 2)]
    );
}

#[test]
fn pinning_git_tag_accepts_version_tags_but_never_branches() {
    let repo = with_policy("[pinning]\ngit = \"tag\"\n");
    let tag = stage_module(
        &repo,
        "module \"a\" {\n  source = \"github.com/acme/a?ref=v1.2.0\"\n}\n",
    );
    assert_eq!(tag.code, 0, "{}", tag.stdout);
    let branch = stage_module(
        &repo,
        "module \"a\" {\n  source = \"github.com/acme/a?ref=main\"\n}\n",
    );
    assert_eq!(branch.code, 1);
    assert_eq!(branch.rule_names(), ["unpinned"]);
}

#[test]
fn pinning_registry_range_accepts_constraints_but_not_no_version() {
    let repo = with_policy("[pinning]\nregistry = \"range\"\n");
    let range = stage_module(
        &repo,
        "module \"a\" {\n  source = \"acme/a/aws\"\n  version = \"~> 1.0\"\n}\n",
    );
    assert_eq!(range.code, 0, "{}", range.stdout);
    let none = stage_module(&repo, "module \"a\" {\n  source = \"acme/a/aws\"\n}\n");
    assert_eq!(none.code, 1);
}

#[test]
fn rule_levels_change_what_blocks() {
    let repo = with_policy(
        "[rules]\nunpinned = \"warn\"\nnew-dependency = \"off\"\nversion-change = \"error\"\n",
    );
    let run = stage_module(&repo, "module \"a\" {\n  source = \"acme/a/aws\"\n}\n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["findings"][0]["severity"], "warning");
    let pinned = stage_module(
        &repo,
        "module \"a\" {\n  source = \"acme/a/aws\"\n  version = \"1.0.0\"\n}\n",
    );
    assert!(
        pinned.rule_names().is_empty(),
        "new-dependency is off: {}",
        pinned.stdout
    );

    // version-change = "error": a sign-off no longer clears it.
    let main = std::fs::read_to_string(repo.path().join("main.tf")).unwrap();
    repo.git(&["rm", "-q", "--cached", "app/main.tf"]);
    repo.write("main.tf", &main.replace("5.4.0", "5.5.0"))
        .stage(&["main.tf"]);
    repo.write("MSG", "bump\n\nReviewed-by: Bob <bob@example.com>\n");
    let run = repo.iacgate(&["check", "--staged", "--message", "MSG", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.json()["findings"][0]["needs_signoff"], false);
}

#[test]
fn signoff_reviewers_and_required() {
    let repo = with_policy(
        "[signoff]\nreviewers = [\"*@acme.com\"]\nrequired = 2\ntrailers = [\"Approved-by\"]\n",
    );
    let main = std::fs::read_to_string(repo.path().join("main.tf")).unwrap();
    repo.write("main.tf", &main.replace("5.4.0", "5.5.0"))
        .stage(&["main.tf"]);
    let run_with = |message: &str| {
        repo.write("MSG", message);
        repo.iacgate(&["check", "--staged", "--message", "MSG"])
    };
    let outsider =
        run_with("bump\n\nApproved-by: Eve <eve@evil.com>\nApproved-by: Bo <bo@acme.com>\n");
    assert_eq!(outsider.code, 1);
    assert!(
        outsider.stderr.contains("not an allowed reviewer"),
        "{}",
        outsider.stderr
    );
    let wrong_key =
        run_with("bump\n\nReviewed-by: Cy <cy@acme.com>\nApproved-by: Bo <bo@acme.com>\n");
    assert_eq!(wrong_key.code, 1);
    let two = run_with("bump\n\nApproved-by: Cy <cy@ACME.com>\napproved-by: Bo <bo@acme.com>\n");
    assert_eq!(two.code, 0, "{}", two.stderr);
}

#[test]
fn distinct_from_author_can_be_relaxed() {
    let repo = with_policy("[signoff]\ndistinct_from_author = false\n");
    let main = std::fs::read_to_string(repo.path().join("main.tf")).unwrap();
    repo.write("main.tf", &main.replace("5.4.0", "5.5.0"))
        .stage(&["main.tf"]);
    repo.write("MSG", "bump\n\nReviewed-by: Alice <alice@example.com>\n");
    let run = repo.iacgate(&["check", "--staged", "--message", "MSG"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn paths_exclude_and_include() {
    let repo = with_policy("[paths]\nexclude = [\"examples/**\"]\n");
    repo.write(
        "examples/demo/main.tf",
        "module \"a\" {\n  source = \"acme/a/aws\"\n}\n",
    )
    .stage(&["examples/demo/main.tf"]);
    assert_eq!(check(&repo).code, 0);
    let repo = with_policy("[paths]\ninclude = [\"live/**\"]\n");
    repo.write(
        "sandbox/main.tf",
        "module \"a\" {\n  source = \"acme/a/aws\"\n}\n",
    )
    .write(
        "live/main.tf",
        "module \"a\" {\n  source = \"acme/a/aws\"\n}\n",
    )
    .stage(&["sandbox/main.tf", "live/main.tf"]);
    let run = check(&repo);
    assert_eq!(run.rules(), [("unpinned".into(), "live/main.tf".into(), 2)]);
}

#[test]
fn every_policy_problem_is_reported_at_once() {
    let repo = with_policy(
        "[pinning]\ngti = \"tag\"\nregistry = \"loose\"\n\n[allow]\nmodules = \"github.com/*\"\nproviders = [\"hashicorp/[\"]\n\n[signoff]\nrequired = 0\ndistinct_from_author = \"yes\"\n\n[rules]\nunpined = \"off\"\nparse-error = \"ignore\"\n\n[colour]\nx = 1\n",
    );
    repo.write("x.tf", "module \"a\" {\n  source = \"./a\"\n}\n")
        .stage(&["x.tf"]);
    let run = repo.iacgate(&["check", "--staged"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn a_toml_syntax_error_is_located() {
    let repo = with_policy("[allow\nmodules = []\n");
    repo.write("x.tf", "module \"a\" {\n  source = \"./a\"\n}\n")
        .stage(&["x.tf"]);
    let run = repo.iacgate(&["check", "--staged"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn config_flag_tries_a_policy_without_committing_it() {
    let repo = with_policy("");
    repo.write("try.toml", "[allow]\nmodules = [\"github.com/acme/*\"]\n");
    repo.write(
        "app/main.tf",
        "module \"a\" {\n  source = \"acme/a/aws\"\n  version = \"1.0.0\"\n}\n",
    )
    .stage(&["app/main.tf"]);
    assert_eq!(check(&repo).code, 0);
    let run = repo.iacgate(&[
        "check", "--staged", "--config", "try.toml", "--format", "json",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.rule_names().contains(&"not-allowed".to_owned()));
    let missing = repo.iacgate(&["check", "--staged", "--config", "nope.toml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.toml"), "{}", missing.stderr);
}

#[test]
fn init_allowlists_the_tree_and_check_then_passes() {
    let repo = TestRepo::new();
    repo.write(
        "stacks/net/main.tf",
        &format!("module \"vpc\" {{\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.4.0\"\n}}\nmodule \"core\" {{\n  source = \"git::https://github.com/acme/net.git//core?ref={SHA}\"\n}}\n"),
    )
    .write(
        "stacks/net/versions.tf",
        "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n",
    )
    .commit_all("stacks");
    let init = repo.iacgate(&["init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout.contains("2 module sources and 1 providers"),
        "{}",
        init.stdout
    );
    let again = repo.iacgate(&["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // Committing the policy needs a sign-off; with one it passes.
    repo.stage(&[".iacgate.toml"]);
    repo.write(
        "MSG",
        "Add iacgate policy\n\nReviewed-by: Bob <bob@example.com>\n",
    );
    let run = repo.iacgate(&["check", "--staged", "--message", "MSG"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    repo.git(&["commit", "-q", "-F", "MSG"]);
    assert_eq!(repo.iacgate(&["check", "--commit", "HEAD"]).code, 0);

    // The tree's own sources stay allowed; a new one is not.
    let same = stage_module(
        &repo,
        "module \"vpc2\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.5.0\"\n}\n",
    );
    assert_eq!(same.code, 0, "{}", same.stdout);
    let new = stage_module(
        &repo,
        "module \"eks\" {\n  source  = \"terraform-aws-modules/eks/aws\"\n  version = \"20.0.0\"\n}\n",
    );
    assert_eq!(new.code, 1);
    assert!(new.rule_names().contains(&"not-allowed".to_owned()));
}

#[test]
fn the_documented_complete_example_parses() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 6, "the doc has its toml examples");
    let repo = with_policy("");
    repo.write("x.tf", "module \"a\" {\n  source = \"./a\"\n}\n")
        .stage(&["x.tf"]);
    for block in blocks {
        repo.write("doc.toml", block);
        let run = repo.iacgate(&["check", "--staged", "--config", "doc.toml"]);
        assert_eq!(run.code, 0, "{block}\n{}", run.stderr);
    }
}

#[test]
fn the_file_size_limit_is_configurable() {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[limits]\nmax_file_mib = 1\n")
        .commit_all("policy");
    let big = format!(
        "module \"a\" {{\n  source  = \"acme/a/aws\"\n  version = \"1.0.0\"\n}}\n{}",
        "# padding\n".repeat(120_000)
    );
    repo.write("main.tf", &big).stage(&["main.tf"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [("parse-error".into(), "main.tf".into(), 1)]);
    assert!(
        run.messages()[0].contains("over the 1 MiB limit"),
        "{}",
        run.stdout
    );
    // Under the default (8 MiB) the same file is read.
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    repo.write("main.tf", &big).stage(&["main.tf"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.rule_names(), ["new-dependency"], "{}", run.stdout);
    // A limit out of range is a policy error, with its place.
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[limits]\nmax_file_mib = 1000\n")
        .commit_all("policy");
    repo.write("main.tf", "# x\n").stage(&["main.tf"]);
    let run = repo.iacgate(&["check", "--staged"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".iacgate.toml (at "), "{}", run.stderr);
    assert!(run.stderr.contains("at most 256"), "{}", run.stderr);
}
