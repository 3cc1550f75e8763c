//! Route 26: images a chart's `values.yaml` sets, and vendored subchart
//! archives (`charts/<name>-<version>.tgz`), which Helm loads as they are.
//! Route 33: Pulumi YAML programs whose provider plugin has no version
//! (Pulumi then takes the newest), or two versions.

use crate::util::{check_staged, commit, head, range, Run, TestRepo};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn sorted(run: &Run) -> Vec<(String, String, u64)> {
    let mut rules = run.rules();
    rules.sort();
    rules
}

// ----- route 26: Helm values images -----

const CHART: &str = "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: \"2.4.0\"\n";

fn chart_repo(values: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("charts/web/Chart.yaml", CHART)
        .write("charts/web/values.yaml", values)
        .commit_all("chart");
    repo
}

fn pinned_values() -> String {
    format!(
        "replicaCount: 1\nimage:\n  repository: ghcr.io/acme/web\n  tag: \"\"\n  digest: {DIGEST}\nworker:\n  image: ghcr.io/acme/worker@{DIGEST}\n"
    )
}

#[test]
fn a_values_image_on_a_moving_tag_blocks_at_pre_commit_and_in_a_range() {
    let repo = chart_repo(&pinned_values());
    let base = head(&repo);
    // The digest dropped: the chart now runs whatever `latest` is.
    repo.write(
        "charts/web/values.yaml",
        &format!("replicaCount: 1\nimage:\n  repository: ghcr.io/acme/web\n  tag: latest\nworker:\n  image: ghcr.io/acme/worker@{DIGEST}\n"),
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        sorted(&run),
        [
            ("unpinned".into(), "charts/web/values.yaml".into(), 4),
            ("version-change".into(), "charts/web/values.yaml".into(), 4),
        ]
    );
    commit(&repo, "latest");
    let run = range(&repo, &base);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().contains(&"unpinned".to_owned()),
        "{}",
        run.stdout
    );
}

#[test]
fn a_values_image_string_and_a_nested_component_image_are_judged() {
    let repo = chart_repo("replicaCount: 1\n");
    repo.write(
        "charts/web/values.yaml",
        "replicaCount: 1\ncomponents:\n  api:\n    image: nginx:latest\n  cache:\n    image:\n      registry: docker.io\n      repository: bitnami/redis\n      tag: 7.2.5\n",
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // A tag is not a pin under the default `images = "digest"`.
    assert_eq!(
        sorted(&run),
        [
            ("unpinned".into(), "charts/web/values.yaml".into(), 4),
            ("unpinned".into(), "charts/web/values.yaml".into(), 9),
        ]
    );
    let json = run.json();
    assert_eq!(json["findings"][0]["kind"], "image");
}

#[test]
fn an_empty_tag_is_the_charts_app_version_and_a_bump_of_it_is_a_version_change() {
    let repo = TestRepo::new();
    repo.write("charts/web/Chart.yaml", CHART)
        .write(
            "charts/web/values.yaml",
            "image:\n  repository: ghcr.io/acme/web\n  tag: \"\"\n",
        )
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "unpinned", "{}", run.stdout);
    assert_eq!(finding["new"], "2.4.0", "{}", run.stdout);
    commit(&repo, "chart");
    let base = head(&repo);
    // Only Chart.yaml changes; the image the values name moves with it.
    repo.write("charts/web/Chart.yaml", &CHART.replace("2.4.0", "2.5.0"))
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().contains(&"version-change".to_owned()),
        "{}",
        run.stdout
    );
    commit(&repo, "bump");
    let run = range(&repo, &base);
    assert!(
        run.rule_names().contains(&"version-change".to_owned()),
        "{}",
        run.stdout
    );
}

#[test]
fn digest_pinned_values_and_values_of_no_chart_stay_silent() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("readme");
    let base = head(&repo);
    repo.write(
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    )
    .write("charts/web/values.yaml", &pinned_values())
    // No Chart.yaml beside it: not a chart's values.
    .write("config/values.yaml", "image: nginx:latest\n")
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().iter().all(|r| r == "new-dependency"),
        "{}",
        run.stdout
    );
    commit(&repo, "chart");
    // Unrelated edits to the values and a README change nothing.
    repo.write(
        "charts/web/values.yaml",
        &pinned_values().replace("replicaCount: 1", "replicaCount: 3"),
    )
    .write("README.md", "y\n")
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
    commit(&repo, "scale");
    let run = range(&repo, &base);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

// ----- route 26: vendored chart archives -----

fn archive_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 19.6.4\n    repository: https://charts.bitnami.com/bitnami\n",
    )
    .write_bytes("charts/web/charts/redis-19.6.4.tgz", b"\x1f\x8b\x08\x00\x00first archive")
    .commit_all("chart");
    repo
}

#[test]
fn an_archive_replaced_at_the_same_version_needs_signoff_at_pre_commit_and_in_a_range() {
    let repo = archive_repo();
    let base = head(&repo);
    repo.write_bytes(
        "charts/web/charts/redis-19.6.4.tgz",
        b"\x1f\x8b\x08\x00\x00other bytes\x00\xff",
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [(
            "lock-tamper".into(),
            "charts/web/charts/redis-19.6.4.tgz".into(),
            1
        )]
    );
    assert_eq!(run.json()["findings"][0]["needs_signoff"], true);
    commit(&repo, "swap");
    let run = range(&repo, &base);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().contains(&"lock-tamper".to_owned()),
        "{}",
        run.stdout
    );
    // With a reviewer's sign-off it passes.
    let run = repo.iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-verify",
        "-m",
        "swap\n\nReviewed-by: Rev <rev@example.com>",
    ]);
    let run = repo.iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_new_archive_with_its_dependency_bump_is_a_version_change() {
    let repo = archive_repo();
    repo.git(&["rm", "-q", "charts/web/charts/redis-19.6.4.tgz"]);
    repo.write(
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 19.6.5\n    repository: https://charts.bitnami.com/bitnami\n",
    )
    .write_bytes("charts/web/charts/redis-19.6.5.tgz", b"\x1f\x8b\x08\x00\x00the next release")
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let names = run.sorted_rules();
    assert!(
        names.iter().all(|r| r == "version-change"),
        "{}",
        run.stdout
    );
    assert!(!names.is_empty());
}

#[test]
fn an_unchanged_archive_and_a_readme_change_stay_silent() {
    let repo = archive_repo();
    let base = head(&repo);
    repo.write("charts/web/README.md", "docs\n")
        .write("README.md", "x\n")
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
    commit(&repo, "docs");
    let run = range(&repo, &base);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
}

// ----- route 33: Pulumi YAML programs -----

fn program(resources: &str) -> String {
    format!("name: site\nruntime: yaml\nresources:\n{resources}")
}

const BUCKET_PINNED: &str =
    "  bucket:\n    type: aws:s3:Bucket\n    options:\n      version: 6.54.2\n";
const BUCKET_BARE: &str = "  bucket:\n    type: aws:s3:Bucket\n";

fn pulumi_repo(text: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("infra/Pulumi.yaml", text).commit_all("program");
    repo
}

#[test]
fn a_provider_version_removed_blocks_at_pre_commit_and_in_a_range() {
    let repo = pulumi_repo(&program(BUCKET_PINNED));
    let base = head(&repo);
    repo.write("infra/Pulumi.yaml", &program(BUCKET_BARE))
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "infra/Pulumi.yaml".into(), 5)]
    );
    assert!(run.messages()[0].contains("newest"), "{:?}", run.messages());
    assert_eq!(run.json()["findings"][0]["kind"], "plugin");
    commit(&repo, "unpin");
    let run = range(&repo, &base);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().contains(&"unpinned".to_owned()),
        "{}",
        run.stdout
    );
}

#[test]
fn a_provider_never_given_a_version_blocks() {
    let repo = pulumi_repo(&program(BUCKET_PINNED));
    repo.write(
        "infra/Pulumi.yaml",
        &program(&format!(
            "{BUCKET_PINNED}  pet:\n    type: random:index:RandomPet\n"
        )),
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "infra/Pulumi.yaml".into(), 9)]
    );
    // A new program in Main.yaml, beside its project file, likewise.
    let repo = TestRepo::new();
    repo.write("app/Pulumi.yaml", "name: app\nruntime: yaml\n")
        .write("app/Main.yaml", &format!("resources:\n{BUCKET_BARE}"))
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "app/Main.yaml".into(), 3)]
    );
}

#[test]
fn a_second_resource_at_another_version_is_a_version_change() {
    let repo = pulumi_repo(&program(BUCKET_PINNED));
    let base = head(&repo);
    repo.write(
        "infra/Pulumi.yaml",
        &program(&format!(
            "{BUCKET_PINNED}  logs:\n    type: aws:s3:Bucket\n    options:\n      version: 6.60.0\n"
        )),
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        sorted(&run),
        [
            ("new-dependency".into(), "infra/Pulumi.yaml".into(), 9),
            ("version-change".into(), "infra/Pulumi.yaml".into(), 11),
        ]
    );
    commit(&repo, "second");
    let run = range(&repo, &base);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rule_names().contains(&"version-change".to_owned()),
        "{}",
        run.stdout
    );
    // A plain bump of the one version is one version-change.
    let repo = pulumi_repo(&program(BUCKET_PINNED));
    repo.write(
        "infra/Pulumi.yaml",
        &program(&BUCKET_PINNED.replace("6.54.2", "6.60.0")),
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(
        run.rules(),
        [("version-change".into(), "infra/Pulumi.yaml".into(), 7)]
    );
}

#[test]
fn resources_whose_provider_is_pinned_elsewhere_and_a_readme_stay_silent() {
    let repo = pulumi_repo(&program(BUCKET_PINNED));
    let base = head(&repo);
    // Another resource of the pinned package, without a version of its own.
    repo.write(
        "infra/Pulumi.yaml",
        &program(&format!(
            "{BUCKET_PINNED}  logs:\n    type: aws:s3:Bucket\n"
        )),
    )
    .write("README.md", "x\n")
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
    commit(&repo, "logs");
    let run = range(&repo, &base);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
    // The project file's packages pin what Main.yaml's resources use.
    let repo = TestRepo::new();
    repo.write(
        "app/Pulumi.yaml",
        "name: app\nruntime: yaml\npackages:\n  aws: aws@6.54.2\n",
    )
    .commit_all("project");
    repo.write("app/Main.yaml", &format!("resources:\n{BUCKET_BARE}"))
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
    // A program in another language's project file has no YAML resources.
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("readme");
    repo.write(
        "ts/Pulumi.yaml",
        &format!("name: ts\nruntime: nodejs\nresources:\n{BUCKET_BARE}"),
    )
    .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [], "{}", run.stdout);
}

#[test]
fn removing_the_project_files_package_pin_re_judges_its_main_program() {
    let repo = TestRepo::new();
    repo.write(
        "app/Pulumi.yaml",
        "name: app\nruntime: yaml\npackages:\n  aws: aws@6.54.2\n",
    )
    .write("app/Main.yaml", &format!("resources:\n{BUCKET_BARE}"))
    .commit_all("program");
    repo.write("app/Pulumi.yaml", "name: app\nruntime: yaml\n")
        .stage(&["."]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rules()
            .contains(&("unpinned".into(), "app/Main.yaml".into(), 3)),
        "{}",
        run.stdout
    );
}
