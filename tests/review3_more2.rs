//! Review 3, more dependencies read as their consumer fetches them: branch
//! namespaces under `[pinning] git = "tag"` (F39), Terraform resources that
//! fetch charts and images (F42), a local action inside another
//! repository's checkout (F44), and npm `file:`/`link:` specs (F45).

use crate::util::{blocks, head, staged_then_range, Run, TestRepo, SHA};

fn assert_quiet(run: &Run) {
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let blocking = run.json()["summary"]["blocking"].as_u64();
    assert_eq!(blocking, Some(0), "{}", run.stdout);
}

// ----- F39: branch namespaces are no version tags -----

fn tag_policy_repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[pinning]\ngit = \"tag\"\n")
        .commit_all("policy");
    let base = head(&repo);
    (repo, base)
}

fn module(reference: &str) -> String {
    format!(
        "module \"m\" {{\n  source = \"git::https://github.com/acme/m.git?ref={reference}\"\n}}\n"
    )
}

#[test]
fn a_remote_branch_ref_is_no_tag_under_tag_pinning() {
    for reference in ["origin/v1.2.3", "refs/heads/v1.2.3", "heads/v1.2.3"] {
        let (repo, base) = tag_policy_repo();
        repo.write("main.tf", &module(reference));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            blocks(run, "unpinned", "main.tf");
        }
    }
}

#[test]
fn a_version_tag_stays_pinned_under_tag_pinning() {
    for reference in ["v1.2.3", "refs/tags/v1.2.3"] {
        let (repo, base) = tag_policy_repo();
        repo.write("main.tf", &module(reference));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            assert_quiet(run);
            assert!(
                !run.rule_names().contains(&"unpinned".to_owned()),
                "{}",
                run.stdout
            );
        }
    }
    let _ = SHA;
}

// ----- F45: npm `file:` / `link:` specs of judged packages -----

fn package_json(spec: &str) -> String {
    format!("{{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{{\"@pulumi/aws\":\"{spec}\"}}}}\n")
}

#[test]
fn an_npm_local_spec_that_leaves_the_repository_blocks() {
    for spec in [
        "file:../../../../opt/cache/pulumi-aws",
        "link:/opt/evil",
        "portal:../../x",
    ] {
        let repo = TestRepo::new();
        repo.write("js/package.json", &package_json("6.0.0"))
            .commit_all("base");
        let base = head(&repo);
        repo.write("js/package.json", &package_json(spec));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            blocks(run, "unpinned", "js/package.json");
            blocks(run, "source-change", "js/package.json");
        }
    }
}

#[test]
fn an_npm_local_spec_inside_the_repository_is_a_source_change() {
    let repo = TestRepo::new();
    repo.write("js/package.json", &package_json("6.0.0"))
        .commit_all("base");
    let base = head(&repo);
    repo.write("js/package.json", &package_json("file:./vendor/aws"));
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "source-change", "js/package.json");
        assert!(
            !run.rule_names().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn an_npm_local_spec_inside_the_repository_added_or_kept_is_silent() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("base");
    let base = head(&repo);
    repo.write("js/package.json", &package_json("file:./vendor/aws"));
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_quiet(run);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }
    // An unrelated edit beside an existing one that leaves: nothing new.
    let repo = TestRepo::new();
    repo.write("js/package.json", &package_json("file:../../outside"))
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "js/package.json",
        "{\"name\":\"app\",\"version\":\"1.0.1\",\"dependencies\":{\"@pulumi/aws\":\"file:../../outside\"}}\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_quiet(run);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }
}

// ----- F44: a local action inside another repository's checkout -----

fn workflow(checkout_with: &str, local: &str) -> String {
    format!(
        "on: push\npermissions: {{}}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n      - uses: actions/checkout@{SHA}\n        with:\n{checkout_with}      - uses: {local}\n"
    )
}

const WF: &str = ".github/workflows/ci.yml";

#[test]
fn a_local_action_in_a_checkout_of_another_repository_at_a_branch_blocks() {
    for with in [
        "          repository: evil/shared-actions\n          ref: main\n          path: shared\n",
        "          repository: evil/shared-actions\n          path: ./shared/\n",
        "          repository: evil/shared-actions\n          ref: refs/heads/v4\n          path: shared\n",
    ] {
        let repo = TestRepo::new();
        repo.write("README.md", "x\n").commit_all("base");
        let base = head(&repo);
        repo.write(WF, &workflow(with, "./shared/deploy"));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            blocks(run, "unpinned", WF);
            assert!(run.stdout.contains("evil/shared-actions"), "{}", run.stdout);
        }
    }
}

#[test]
fn a_local_action_of_this_repository_or_a_pinned_checkout_does_not_block() {
    // The local action is this repository's own, beside another checkout.
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("base");
    let base = head(&repo);
    let with =
        "          repository: evil/shared-actions\n          ref: main\n          path: shared\n";
    repo.write(WF, &workflow(with, "./.github/actions/build"))
        .write(
            ".github/actions/build/action.yml",
            "name: b\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n",
        );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_quiet(run);
        assert!(
            !run.rule_names().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
    }
    // The other repository at a full commit sha: pinned, only a warning.
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("base");
    let base = head(&repo);
    let with = format!(
        "          repository: acme/shared-actions\n          ref: {SHA}\n          path: shared\n"
    );
    repo.write(WF, &workflow(&with, "./shared/deploy"));
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_quiet(run);
        assert!(
            !run.rule_names().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
    }
}

// ----- F42: Terraform resources that fetch charts and images -----

const VERSIONS_TF: &str = "terraform {\n  required_providers {\n    helm = {\n      source  = \"hashicorp/helm\"\n      version = \"~> 2.12\"\n    }\n  }\n}\n";
const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

const WORKLOADS: &str = r#"resource "helm_release" "redis" {
  name       = "redis"
  repository = "https://charts.evil.example.com"
  chart      = "redis"
}
resource "kubernetes_deployment" "web" {
  metadata { name = "web" }
  spec {
    template {
      metadata { labels = { app = "web" } }
      spec {
        container {
          name  = "web"
          image = "evil/web:latest"
        }
      }
    }
  }
}
resource "aws_ecs_task_definition" "t" {
  family                = "t"
  container_definitions = jsonencode([{ name = "a", image = "evil/ecs:latest" }])
}
resource "aws_ecs_task_definition" "s" {
  family                = "s"
  container_definitions = "[{\"name\": \"b\", \"image\": \"evil/json\"}]"
}
"#;

#[test]
fn terraform_charts_and_images_that_move_block() {
    let repo = TestRepo::new();
    repo.write("tf/versions.tf", VERSIONS_TF).commit_all("base");
    let base = head(&repo);
    repo.write("tf/main.tf", WORKLOADS);
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "unpinned", "tf/main.tf");
        let unpinned = run
            .rules()
            .iter()
            .filter(|(r, f, _)| r == "unpinned" && f == "tf/main.tf")
            .count();
        assert_eq!(unpinned, 4, "{}", run.stdout);
        for what in ["redis", "evil/web", "evil/ecs", "evil/json"] {
            assert!(run.stdout.contains(what), "{what}: {}", run.stdout);
        }
    }
    // A chart version range and an OCI chart without a digest or version.
    let repo = TestRepo::new();
    repo.write("tf/versions.tf", VERSIONS_TF).commit_all("base");
    let base = head(&repo);
    repo.write(
        "tf/main.tf",
        "resource \"helm_release\" \"a\" {\n  name = \"a\"\n  repository = \"https://charts.example.com\"\n  chart = \"a\"\n  version = \"~> 1.2\"\n}\nresource \"helm_release\" \"b\" {\n  name = \"b\"\n  chart = \"oci://ghcr.io/acme/charts/b\"\n}\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        let unpinned = run
            .rules()
            .iter()
            .filter(|(r, _, _)| r == "unpinned")
            .count();
        assert_eq!(unpinned, 2, "{}", run.stdout);
    }
}

#[test]
fn terraform_charts_and_images_pinned_or_from_variables_do_not_block() {
    let repo = TestRepo::new();
    repo.write("tf/versions.tf", VERSIONS_TF).commit_all("base");
    let base = head(&repo);
    let text = format!(
        r#"resource "helm_release" "redis" {{
  name       = "redis"
  repository = "https://charts.bitnami.com/bitnami"
  chart      = "redis"
  version    = "18.1.2"
}}
resource "helm_release" "oci" {{
  name  = "oci"
  chart = "oci://ghcr.io/acme/charts/app@{DIGEST}"
}}
resource "helm_release" "local" {{
  name  = "local"
  chart = "./charts/app"
}}
resource "helm_release" "var" {{
  name       = "var"
  repository = var.repository
  chart      = "x"
}}
resource "kubernetes_deployment" "web" {{
  spec {{
    template {{
      spec {{
        container {{
          name  = "web"
          image = "nginx@{DIGEST}"
        }}
        container {{
          name  = "side"
          image = var.sidecar_image
        }}
      }}
    }}
  }}
}}
resource "aws_ecs_task_definition" "t" {{
  family                = "t"
  container_definitions = jsonencode([{{ name = "a", image = var.image }}])
}}
resource "aws_ecs_task_definition" "f" {{
  family                = "f"
  container_definitions = file("defs.json")
}}
"#
    );
    repo.write("tf/main.tf", &text);
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_quiet(run);
        assert!(
            !run.rule_names().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
    }
    // An edit elsewhere in the file introduces nothing.
    let base = head(&repo);
    repo.write(
        "tf/main.tf",
        &text.replace("family                = \"t\"", "family = \"t2\""),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_quiet(run);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }
}

#[test]
fn a_terraform_image_or_chart_swap_needs_a_sign_off() {
    let repo = TestRepo::new();
    let text = format!(
        "resource \"kubernetes_pod\" \"p\" {{\n  spec {{\n    container {{\n      name  = \"p\"\n      image = \"nginx@{DIGEST}\"\n    }}\n  }}\n}}\n"
    );
    repo.write("tf/main.tf", &text).commit_all("base");
    let base = head(&repo);
    repo.write("tf/main.tf", &text.replace("nginx@", "evil/nginx@"));
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "source-change", "tf/main.tf");
    }
}
