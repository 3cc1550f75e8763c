//! Review 3, file precedence and formats read as their consumer reads them:
//! literal images in Helm chart templates (F3), an unpacked subchart in
//! place of its vendored archive (F4), a Pulumi `Main.yaml` that replaces
//! the program in `Pulumi.yaml` (F5), and an `action.yml` that replaces
//! `action.yaml` (F11).

use crate::util::{head, staged_then_range, Run, TestRepo};

const D1: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn names(run: &Run) -> Vec<String> {
    run.sorted_rules()
}

// ----- F3: literal images in chart templates with actions -----

const CHART: &str = "apiVersion: v2\nname: c\nversion: 1.0.0\n";

fn deployment(prefix: &str, image: &str) -> String {
    format!(
        "{prefix}apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: {image}\n"
    )
}

#[test]
fn a_literal_template_image_behind_an_action_blocks() {
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", CHART)
        .write(
            "chart/templates/deploy.yaml",
            &deployment("", &format!("\"nginx@{D1}\"")),
        )
        .commit_all("base");
    let base = head(&repo);
    // A Helm comment makes the file no YAML; the image went to `latest`.
    repo.write(
        "chart/templates/deploy.yaml",
        &deployment("{{/* web tier */}}\n", "evil/miner:latest"),
    )
    // A new template wrapped in an `if`.
    .write(
        "chart/templates/job.yaml",
        "{{- if .Values.enabled }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-init\nspec:\n  template:\n    spec:\n      containers:\n        - name: init\n          image: evil/miner:latest\n{{- end }}\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        let rules = run.rules();
        for file in ["chart/templates/deploy.yaml", "chart/templates/job.yaml"] {
            assert!(
                rules.iter().any(|(r, f, _)| r == "unpinned" && f == file),
                "{file}: {rules:?}"
            );
        }
        assert!(
            rules.iter().any(|(r, f, l)| r == "source-change"
                && f == "chart/templates/deploy.yaml"
                && *l == 11),
            "{rules:?}"
        );
    }
}

#[test]
fn template_edits_that_change_no_literal_image_are_silent() {
    let values_image =
        "\"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"";
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", CHART)
        .write(
            "chart/templates/deploy.yaml",
            &deployment("{{/* web */}}\n", values_image),
        )
        .write(
            "chart/templates/tests/test.yaml",
            &format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{{{ .Release.Name }}}}-test\"\nspec:\n  containers:\n    - name: t\n      image: busybox@{D1}\n"),
        )
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/templates/deploy.yaml",
        &(deployment("{{/* web tier, documented */}}\n{{- if .Values.on }}\n", values_image)
            + "{{- end }}\n"),
    )
    .write(
        "chart/templates/tests/test.yaml",
        &format!("{{{{/* a test */}}}}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{{{ .Release.Name }}}}-test\"\n  labels: {{{{- include \"c.labels\" . | nindent 4 }}}}\nspec:\n  containers:\n    - name: t\n      image: busybox@{D1}\n"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(names(run), Vec::<String>::new(), "{}", run.stdout);
    }
}

// ----- F4: an unpacked subchart in place of its archive -----

const PARENT: &str = "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 17.0.0\n    repository: https://charts.bitnami.com/bitnami\n";

#[test]
fn an_archive_replaced_by_an_unpacked_subchart_needs_a_sign_off() {
    let repo = TestRepo::new();
    repo.write("chart/Chart.yaml", PARENT)
        .write_bytes(
            "chart/charts/redis-17.0.0.tgz",
            &[0x1f, 0x8b, 8, 0, 1, 2, 3, 4],
        )
        .commit_all("base");
    let base = head(&repo);
    repo.git(&["rm", "-q", "chart/charts/redis-17.0.0.tgz"]);
    repo.write(
        "chart/charts/redis/Chart.yaml",
        "apiVersion: v2\nname: redis\nversion: 17.0.0\n",
    )
    .write(
        "chart/charts/redis/templates/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-init\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: init\n          image: evil/miner:latest\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        let rules = run.rules();
        assert!(
            rules
                .iter()
                .any(|(r, f, _)| r == "lock-tamper" && f == "chart/charts/redis/Chart.yaml"),
            "{rules:?}"
        );
        assert!(
            rules
                .iter()
                .any(|(r, f, _)| r == "unpinned" && f == "chart/charts/redis/templates/job.yaml"),
            "{rules:?}"
        );
    }
    // And back: the archive in place of the directory.
    let base = head(&repo);
    repo.git(&["rm", "-q", "-r", "chart/charts/redis"]);
    repo.write_bytes("chart/charts/redis-17.0.0.tgz", &[0x1f, 0x8b, 8, 0, 9, 9]);
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(
            names(run).contains(&"lock-tamper".to_owned()),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn an_unpacked_subchart_with_no_archive_before_is_judged_by_its_files() {
    let repo = TestRepo::new();
    repo.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    )
    .commit_all("base");
    let base = head(&repo);
    repo.write(
        "chart/charts/common/Chart.yaml",
        "apiVersion: v2\nname: common\nversion: 2.0.0\ntype: library\n",
    )
    .write(
        "chart/charts/common/templates/_labels.yaml",
        "{{- define \"common.labels\" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(names(run), Vec::<String>::new(), "{}", run.stdout);
    }
    // A later edit of the directory's version is its own business too.
    let base = head(&repo);
    repo.write(
        "chart/charts/common/Chart.yaml",
        "apiVersion: v2\nname: common\nversion: 2.1.0\ntype: library\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(names(run), Vec::<String>::new(), "{}", run.stdout);
    }
}

// ----- F5: Pulumi `Main.yaml` in place of the inline program -----

#[test]
fn a_main_yaml_beside_an_inline_program_is_judged_as_its_replacement() {
    let repo = TestRepo::new();
    repo.write(
        "p/Pulumi.yaml",
        "name: p\nruntime: yaml\nresources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: 6.0.0\n",
    )
    .commit_all("base");
    let base = head(&repo);
    repo.write(
        "p/Main.yaml",
        "resources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: 5.0.0\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        let rules = run.rules();
        assert!(
            rules
                .iter()
                .any(|(r, f, _)| r == "version-change" && f == "p/Main.yaml"),
            "{rules:?}"
        );
        assert!(
            !rules.iter().any(|(r, _, _)| r == "new-dependency"),
            "{rules:?}"
        );
        assert!(
            run.messages().iter().any(|m| m.contains("downgrade")),
            "{:?}",
            run.messages()
        );
    }
    // Removing Main.yaml brings the inline program back: the same again.
    let base = head(&repo);
    repo.git(&["rm", "-q", "p/Main.yaml"]);
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(
            run.rules()
                .iter()
                .any(|(r, f, _)| r == "version-change" && f == "p/Pulumi.yaml"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_main_yaml_in_a_project_without_an_inline_program_only_adds() {
    let repo = TestRepo::new();
    repo.write("p/Pulumi.yaml", "name: p\nruntime: yaml\n")
        .commit_all("base");
    let base = head(&repo);
    repo.write(
        "p/Main.yaml",
        "resources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: 6.0.0\n",
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        let rules = run.rules();
        assert!(
            rules
                .iter()
                .all(|(r, f, _)| r == "new-dependency" && f == "p/Main.yaml"),
            "{rules:?}"
        );
    }
}

// ----- F11: `action.yml` in place of `action.yaml` -----

const S1: &str = "b4ffde65f46336ab88eb53be808477a3936bae11";
const S2: &str = "692973e3d937129bcbf40652eb9f2f61becf3332";

fn action(uses: &str) -> String {
    format!("name: setup\nruns:\n  using: composite\n  steps:\n    - uses: {uses} # v4\n")
}

fn action_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        ".github/workflows/ci.yml",
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/setup\n",
    )
    .write(
        ".github/actions/setup/action.yaml",
        &action(&format!("actions/setup-node@{S1}")),
    )
    .commit_all("base");
    repo
}

#[test]
fn an_action_yml_beside_action_yaml_is_judged_as_its_replacement() {
    let repo = action_repo();
    let base = head(&repo);
    repo.write(
        ".github/actions/setup/action.yml",
        &action(&format!("evil/setup-node@{S2}")),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        let rules = run.rules();
        for rule in ["source-change", "version-change"] {
            assert!(
                rules
                    .iter()
                    .any(|(r, f, _)| r == rule && f == ".github/actions/setup/action.yml"),
                "{rule}: {rules:?}"
            );
        }
        assert!(
            !rules.iter().any(|(r, _, _)| r == "new-dependency"),
            "{rules:?}"
        );
    }
}

#[test]
fn an_action_yml_alone_is_a_new_action_and_a_hidden_action_yaml_is_not_read() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("base");
    let base = head(&repo);
    repo.write(
        ".github/actions/setup/action.yml",
        &action(&format!("actions/setup-node@{S1}")),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(names(run), ["new-dependency"], "{}", run.stdout);
    }
    // An `action.yaml` beside it is never loaded: whatever it says.
    let base = head(&repo);
    repo.write(
        ".github/actions/setup/action.yaml",
        &action("evil/setup-node@main"),
    );
    let (staged, range) = staged_then_range(&repo, &base);
    for run in [&staged, &range] {
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert_eq!(names(run), Vec::<String>::new(), "{}", run.stdout);
    }
}
