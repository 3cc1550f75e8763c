//! Review 3, Helm and Pulumi YAML read as their consumer reads them:
//! `requirements.yaml` / `requirements.lock` (F18), a values `digest` the
//! chart's templates never read (F23), Pulumi's built-in `pulumi` package
//! (F27), `image` keys in free-form values maps (F28), and unquoted
//! numeric image tags as Helm renders them (F33).

use crate::util::{blocks, head, staged_then_range, Run, TestRepo};

const D1: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn silent(run: &Run) {
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), vec![], "{}", run.stdout);
}

// ----- F27: Pulumi's built-in `pulumi` package is no plugin -----

const PULUMI_BASE: &str =
    "name: p\nruntime: yaml\nresources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: 6.0.0\n";

#[test]
fn f27_a_stack_reference_needs_no_plugin() {
    let repo = TestRepo::new();
    repo.write("p/Pulumi.yaml", PULUMI_BASE).commit_all("base");
    let base = head(&repo);
    repo.write(
        "p/Pulumi.yaml",
        &format!("{PULUMI_BASE}  network:\n    type: pulumi:pulumi:StackReference\n    properties:\n      name: acme/network/prod\n  stash:\n    type: pulumi:index:Stash\n    properties:\n      input: x\n"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    silent(&staged);
    silent(&range);
}

#[test]
fn f27_another_unversioned_package_still_blocks() {
    let repo = TestRepo::new();
    repo.write("p/Pulumi.yaml", PULUMI_BASE).commit_all("base");
    let base = head(&repo);
    repo.write(
        "p/Pulumi.yaml",
        &format!("{PULUMI_BASE}  network:\n    type: pulumi:pulumi:StackReference\n    properties:\n      name: acme/network/prod\n  pet:\n    type: random:RandomPet\n"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "unpinned", "p/Pulumi.yaml");
        assert!(
            !run.stdout.contains("plugin \\\"pulumi\\\""),
            "{}",
            run.stdout
        );
    }
}

// ----- F18: requirements.yaml / requirements.lock -----

const V1_CHART: &str = "apiVersion: v1\nname: c\nversion: 1.0.0\n";
const REQUIREMENTS: &str = "dependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.bitnami.com/bitnami\n";

#[test]
fn f18_an_unpinned_requirements_yaml_dependency_blocks() {
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", V1_CHART)
        .write("chart/requirements.yaml", REQUIREMENTS)
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/requirements.yaml",
        "dependencies:\n  - name: redis\n    version: \"*\"\n    repository: https://evil.example.com/charts\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "unpinned", "chart/requirements.yaml");
        blocks(run, "source-change", "chart/requirements.yaml");
    }
}

#[test]
fn f18_a_requirements_lock_swap_is_seen() {
    let lock = |version: &str| {
        format!("dependencies:\n- name: redis\n  repository: https://charts.bitnami.com/bitnami\n  version: {version}\ndigest: sha256:00\n")
    };
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", V1_CHART)
        .write("chart/requirements.yaml", REQUIREMENTS)
        .write("chart/requirements.lock", &lock("17.0.0"))
        .commit_all("base");
    let base = head(&repo);
    repo.write("chart/requirements.lock", &lock("16.0.0"));
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "version-change", "chart/requirements.lock");
    }
}

#[test]
fn f18_a_chart_yaml_added_beside_requirements_judges_them() {
    let repo = TestRepo::new();
    repo.write(
        "chart/requirements.yaml",
        "dependencies:\n  - name: redis\n    repository: https://evil.example.com/charts\n",
    )
    .commit_all("base");
    let base = head(&repo);
    repo.write("chart/Chart.yaml", V1_CHART);
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "unpinned", "chart/requirements.yaml");
    }
}

#[test]
fn f18_a_pinned_requirements_bump_with_a_lock_is_only_a_version_change() {
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", V1_CHART)
        .write("chart/requirements.yaml", REQUIREMENTS)
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/requirements.yaml",
        &REQUIREMENTS.replace("17.0.0", "17.0.1"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
    }
    // Another tool's lock and Ansible's requirements, with no chart: silent.
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("base");
    let base = head(&repo);
    repo.write("py/requirements.lock", "# generated by rye\nboto3==1.34.0\n")
        .write("roles/requirements.yaml", "- src: https://github.com/acme/role.git\n  version: 0123456789abcdef0123456789abcdef01234567\n  scm: git\n");
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert!(
            !run.rules()
                .iter()
                .any(|(r, ..)| r == "parse-error" || r == "unpinned"),
            "{}",
            run.stdout
        );
    }
}

// ----- F33: an unquoted numeric tag, as Helm renders it -----

const CHART: &str = "apiVersion: v2\nname: c\nversion: 1.0.0\nappVersion: \"1.0\"\n";

fn tag_policy_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[pinning]\nimages = \"tag\"\n")
        .commit_all("policy");
    repo.write("chart/Chart.yaml", CHART)
        .write(
            "chart/values.yaml",
            "image:\n  repository: nginx\n  tag: \"1.10\"\n",
        )
        .commit_all("base");
    repo
}

#[test]
fn f33_unquoting_a_tag_that_helm_renders_otherwise_is_a_version_change() {
    let repo = tag_policy_repo();
    let base = head(&repo);
    repo.write(
        "chart/values.yaml",
        "image:\n  repository: nginx\n  tag: 1.10\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "version-change", "chart/values.yaml");
        let messages = run.messages().join("\n");
        assert!(messages.contains("1.10 -> 1.1"), "{messages}");
        assert!(messages.contains("renders `1.1`"), "{messages}");
    }
}

#[test]
fn f33_an_unquoted_tag_that_renders_as_written_is_silent() {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[pinning]\nimages = \"tag\"\n")
        .commit_all("policy");
    repo.write("chart/Chart.yaml", CHART)
        .write(
            "chart/values.yaml",
            "image:\n  repository: nginx\n  tag: \"1.25\"\n",
        )
        .commit_all("base");
    let base = head(&repo);
    // `1.25` renders `1.25`: the same tag.
    repo.write(
        "chart/values.yaml",
        "image:\n  repository: nginx\n  tag: 1.25\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    silent(&staged);
    silent(&range);
}

// ----- F23: a digest the chart's templates never read -----

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"c.fullname\" . }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {{ .Chart.Name }}\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n";

fn digest_values(tag: &str, digest: &str) -> String {
    format!("image:\n  repository: nginx\n  tag: {tag}\n  digest: {digest}\n")
}

#[test]
fn f23_an_unread_digest_does_not_pin_the_tag() {
    let repo = TestRepo::new();
    repo.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\nappVersion: \"1.25.3\"\n",
    )
    .write("chart/templates/deployment.yaml", DEPLOYMENT)
    .write("chart/values.yaml", &digest_values("\"1.25.3\"", D1))
    .commit_all("base");
    let base = head(&repo);
    repo.write("chart/values.yaml", &digest_values("latest", D1));
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "unpinned", "chart/values.yaml");
        blocks(run, "version-change", "chart/values.yaml");
        let messages = run.messages().join("\n");
        assert!(messages.contains("never read its `digest`"), "{messages}");
    }
}

#[test]
fn f23_a_template_that_stops_reading_the_digest_rejudges_the_values() {
    let reads = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: \"{{ .Values.image.repository }}@{{ .Values.image.digest }}\"\n";
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", CHART)
        .write("chart/templates/pod.yaml", reads)
        .write("chart/values.yaml", &digest_values("latest", D1))
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/templates/pod.yaml",
        &reads.replace("@{{ .Values.image.digest }}", ":{{ .Values.image.tag }}"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(
            run.rules().iter().any(|(_, f, _)| f == "chart/values.yaml"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn f23_charts_that_deploy_digests_stay_silent() {
    const D2: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    // Bitnami: the whole map handed to the common library's helper.
    let bitnami = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: {{ include \"common.images.image\" (dict \"imageRoot\" .Values.image \"global\" .Values.global) }}\n";
    let digest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: \"{{ .Values.image.repository }}@{{ .Values.image.digest }}\"\n";
    for template in [bitnami, digest] {
        let repo = TestRepo::new();
        repo.write("chart/Chart.yaml", CHART)
            .write("chart/templates/pod.yaml", template)
            .write("chart/values.yaml", &digest_values("1.25.3", D1))
            .commit_all("base");
        let base = head(&repo);
        // Nothing about the image changes: silent.
        repo.write(
            "chart/values.yaml",
            &format!("{}replicaCount: 2\n", digest_values("1.25.3", D1)),
        );
        let (staged, range) = staged_then_range(&repo, &base);
        silent(&staged);
        silent(&range);
        // A bump of tag and digest is a version change only.
        let base = head(&repo);
        repo.write("chart/values.yaml", &digest_values("1.25.4", D2));
        let (staged, range) = staged_then_range(&repo, &base);
        for run in [&staged, &range] {
            assert!(
                !run.rules().iter().any(|(r, ..)| r == "unpinned"),
                "{}",
                run.stdout
            );
        }
    }
}

// ----- F28: `image` keys in free-form maps -----

#[test]
fn f28_an_annotation_named_image_is_no_image() {
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", CHART)
        .write(
            "chart/values.yaml",
            &format!("image:\n  repository: nginx\n  digest: {D1}\n"),
        )
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/values.yaml",
        &format!("image:\n  repository: nginx\n  digest: {D1}\npodAnnotations:\n  image: \"built-by-ci\"\npodLabels:\n  image: web\n"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    silent(&staged);
    silent(&range);
}

#[test]
fn f28_an_image_beside_annotations_still_blocks() {
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", CHART)
        .write(
            "chart/values.yaml",
            "podAnnotations:\n  image: built-by-ci\n",
        )
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/values.yaml",
        "podAnnotations:\n  image: built-by-ci\nsidecar:\n  image: evil/miner:latest\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        blocks(run, "unpinned", "chart/values.yaml");
    }
}
