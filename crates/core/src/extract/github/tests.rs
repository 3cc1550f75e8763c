use super::{extract_action, extract_workflow};
use crate::extract::{extract, FileKind};
use crate::model::{line_col, Dependency, Ecosystem, ExtractError, Kind, PinState, Span};

const TERRAFORM_YML: &str =
    include_str!("../../../../../tests/fixtures/github/.github/workflows/terraform.yml");
const RELEASE_YML: &str =
    include_str!("../../../../../tests/fixtures/github/.github/workflows/release.yml");
const ACTION_YML: &str =
    include_str!("../../../../../tests/fixtures/github/.github/actions/setup-tools/action.yml");

const SHA: &str = "11bd71901bbe5b1630ceea73d27597364c9af683";

fn workflow(text: &str) -> Vec<Dependency> {
    extract_workflow(text).unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
}

fn action(text: &str) -> Vec<Dependency> {
    extract_action(text).unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
}

fn workflow_err(text: &str) -> (ExtractError, (usize, usize)) {
    let e = extract_workflow(text).expect_err("should be rejected");
    let at = line_col(text, e.offset);
    (e, at)
}

fn at(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

fn keys(deps: &[Dependency]) -> Vec<&str> {
    deps.iter().map(|d| d.key.as_str()).collect()
}

fn get<'d>(deps: &'d [Dependency], key: &str) -> &'d Dependency {
    deps.iter()
        .find(|d| d.key == key)
        .unwrap_or_else(|| panic!("no {key} in {:?}", keys(deps)))
}

fn facts(deps: &[Dependency]) -> Vec<&Dependency> {
    deps.iter().filter(|d| d.kind == Kind::File).collect()
}

fn fact_keys(deps: &[Dependency]) -> Vec<&str> {
    facts(deps).into_iter().map(|d| d.key.as_str()).collect()
}

/// A workflow with `permissions: {}` and one job with `steps`.
fn job_steps(steps: &str) -> String {
    format!("on: push\npermissions: {{}}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
}

fn only_action(text: &str) -> Dependency {
    let deps: Vec<_> = workflow(text)
        .into_iter()
        .filter(|d| d.kind != Kind::File)
        .collect();
    assert_eq!(deps.len(), 1, "{deps:#?}");
    deps.into_iter().next().unwrap()
}

fn uses(value: &str) -> Dependency {
    only_action(&job_steps(&format!("      - uses: {value}\n")))
}

#[test]
fn terraform_workflow_keys_in_file_order() {
    let deps = workflow(TERRAFORM_YML);
    assert_eq!(
        keys(&deps),
        [
            "jobs.lint",
            "permissions:jobs.plan:pull-requests",
            "permissions:jobs.plan:id-token",
            "jobs.plan.container",
            "jobs.plan.services.localstack",
            "jobs.plan.actions/checkout",
            "jobs.plan.hashicorp/setup-terraform",
            "jobs.plan.steps.aws",
            "jobs.plan.docker://ghcr.io/terraform-linters/tflint",
            "jobs.plan.actions/upload-artifact",
            "permissions:jobs.apply:id-token",
            "jobs.apply.actions/checkout",
            "jobs.apply.hashicorp/setup-terraform",
            "jobs.apply.aws-actions/configure-aws-credentials",
            "jobs.apply.actions/download-artifact",
        ]
    );
    assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::GitHubActions));
}

#[test]
fn sha_pinned_step_with_its_version_comment() {
    let deps = workflow(TERRAFORM_YML);
    let checkout = get(&deps, "jobs.plan.actions/checkout");
    assert_eq!(checkout.kind, Kind::Action);
    assert_eq!(checkout.name, "actions/checkout");
    assert_eq!(checkout.pin, PinState::Pinned);
    assert_eq!(checkout.comment.as_deref(), Some("v4.2.2"));
    assert_eq!(
        at(TERRAFORM_YML, checkout.span),
        format!("uses: actions/checkout@{SHA}")
    );
    assert_eq!(line_col(TERRAFORM_YML, checkout.span.start), (45, 9));
    let source = checkout.source.as_ref().unwrap();
    assert_eq!(source.value, "actions/checkout");
    assert_eq!(at(TERRAFORM_YML, source.span), "actions/checkout");
    assert_eq!(line_col(TERRAFORM_YML, source.span.start), (45, 15));
    let version = checkout.version.as_ref().unwrap();
    assert_eq!(version.value, SHA);
    assert_eq!(at(TERRAFORM_YML, version.span), SHA);
    assert_eq!(line_col(TERRAFORM_YML, version.span.start), (45, 32));
}

#[test]
fn tagged_step_and_step_with_id() {
    let deps = workflow(TERRAFORM_YML);
    let terraform = get(&deps, "jobs.plan.hashicorp/setup-terraform");
    assert_eq!(
        terraform.pin,
        PinState::Tagged("tag \"v3\" can be moved; pin the commit sha".into())
    );
    assert_eq!(terraform.version_str(), Some("v3"));
    assert_eq!(terraform.comment, None);
    assert_eq!(line_col(TERRAFORM_YML, terraform.span.start), (46, 9));

    let aws = get(&deps, "jobs.plan.steps.aws");
    assert_eq!(aws.name, "aws-actions/configure-aws-credentials");
    assert_eq!(aws.pin, PinState::Pinned);
    assert_eq!(aws.comment.as_deref(), Some("v4.0.2"));
    assert_eq!(line_col(TERRAFORM_YML, aws.span.start), (52, 9));

    let apply_aws = get(&deps, "jobs.apply.aws-actions/configure-aws-credentials");
    assert!(matches!(apply_aws.pin, PinState::Tagged(_)));
}

#[test]
fn reusable_workflow_call() {
    let deps = workflow(TERRAFORM_YML);
    let lint = get(&deps, "jobs.lint");
    assert_eq!(lint.kind, Kind::Action);
    assert_eq!(
        lint.name,
        "acme-corp/platform-workflows/.github/workflows/tflint.yml"
    );
    assert_eq!(
        lint.source_str(),
        Some("acme-corp/platform-workflows/.github/workflows/tflint.yml")
    );
    assert_eq!(lint.pin, PinState::Pinned);
    assert_eq!(lint.comment.as_deref(), Some("v2.3.0"));
    assert_eq!(line_col(TERRAFORM_YML, lint.span.start), (23, 5));
    assert_eq!(
        at(TERRAFORM_YML, lint.version.as_ref().unwrap().span),
        "0b93f5a7e9b1d2c3f4a5b6c7d8e9f0a1b2c3d4e5"
    );
}

#[test]
fn docker_step_container_and_service_images() {
    let deps = workflow(TERRAFORM_YML);
    let tflint = get(&deps, "jobs.plan.docker://ghcr.io/terraform-linters/tflint");
    assert_eq!(tflint.kind, Kind::Image);
    assert_eq!(tflint.name, "ghcr.io/terraform-linters/tflint");
    assert_eq!(
        tflint.source_str(),
        Some("ghcr.io/terraform-linters/tflint")
    );
    assert_eq!(
        at(TERRAFORM_YML, tflint.source.as_ref().unwrap().span),
        "ghcr.io/terraform-linters/tflint:v0.53.0"
    );
    assert_eq!(tflint.version_str(), Some("v0.53.0"));
    assert!(matches!(tflint.pin, PinState::Tagged(_)));
    assert_eq!(line_col(TERRAFORM_YML, tflint.span.start), (57, 9));

    let container = get(&deps, "jobs.plan.container");
    assert_eq!(container.kind, Kind::Image);
    assert_eq!(
        container.source_str(),
        Some("ghcr.io/acme-corp/terraform-runner")
    );
    assert_eq!(container.version_str(), Some("1.9.8"));
    assert_eq!(line_col(TERRAFORM_YML, container.span.start), (34, 5));
    assert_eq!(
        at(TERRAFORM_YML, container.source.as_ref().unwrap().span),
        "ghcr.io/acme-corp/terraform-runner:1.9.8"
    );

    let localstack = get(&deps, "jobs.plan.services.localstack");
    assert_eq!(localstack.kind, Kind::Image);
    assert_eq!(
        localstack.source_str(),
        Some("docker.io/localstack/localstack")
    );
    assert_eq!(localstack.pin, PinState::Pinned);
    assert_eq!(line_col(TERRAFORM_YML, localstack.span.start), (40, 7));
}

#[test]
fn terraform_workflow_permission_facts() {
    let deps = workflow(TERRAFORM_YML);
    let id_token = get(&deps, "permissions:jobs.apply:id-token");
    assert_eq!(id_token.kind, Kind::File);
    assert_eq!(
        id_token.name,
        "job \"apply\" grants its token id-token: write"
    );
    assert_eq!(at(TERRAFORM_YML, id_token.span), "id-token");
    let version = id_token.version.as_ref().unwrap();
    assert_eq!(version.value, "write");
    assert_eq!(at(TERRAFORM_YML, version.span), "write");
    assert_eq!(line_col(TERRAFORM_YML, version.span.start), (77, 17));
    // Top-level `permissions:` is set: no default fact; `read` is no fact.
    assert_eq!(
        fact_keys(&deps),
        [
            "permissions:jobs.plan:pull-requests",
            "permissions:jobs.plan:id-token",
            "permissions:jobs.apply:id-token",
        ]
    );
}

#[test]
fn release_workflow_risky_patterns() {
    let deps = workflow(RELEASE_YML);
    assert_eq!(
        fact_keys(&deps),
        [
            "permissions:workflow",
            "pwn-request:jobs.preview.actions/checkout",
            "permissions:jobs.publish:contents",
            "permissions:jobs.publish:packages",
            "secrets-inherit:jobs.publish",
        ]
    );
    let all = get(&deps, "permissions:workflow");
    assert_eq!(
        all.name,
        "the workflow grants its token every permission (permissions: write-all)"
    );
    assert_eq!(at(RELEASE_YML, all.span), "permissions");
    assert_eq!(
        at(RELEASE_YML, all.version.as_ref().unwrap().span),
        "write-all"
    );
    assert_eq!(line_col(RELEASE_YML, all.span.start), (8, 1));

    let pwn = get(&deps, "pwn-request:jobs.preview.actions/checkout");
    assert_eq!(
        pwn.name,
        "job \"preview\" checks out the pull request's head under pull_request_target: the \
         stranger's code runs with the base repository's token and secrets"
    );
    assert_eq!(
        at(RELEASE_YML, pwn.span),
        "ref: ${{ github.event.pull_request.head.sha }}"
    );
    assert_eq!(line_col(RELEASE_YML, pwn.span.start), (16, 11));
    assert_eq!(
        pwn.version_str(),
        Some("${{ github.event.pull_request.head.sha }}")
    );

    let inherit = get(&deps, "secrets-inherit:jobs.publish");
    assert_eq!(
        inherit.name,
        "job \"publish\" passes every secret (secrets: inherit) to the third-party workflow \
         acme-corp/release-workflows/.github/workflows/publish.yml"
    );
    assert_eq!(at(RELEASE_YML, inherit.span), "secrets");
    assert_eq!(inherit.version_str(), Some("inherit"));
    assert_eq!(line_col(RELEASE_YML, inherit.span.start), (33, 5));
}

#[test]
fn release_workflow_actions() {
    let deps = workflow(RELEASE_YML);
    let actions: Vec<_> = deps
        .iter()
        .filter(|d| d.kind == Kind::Action)
        .map(|d| (d.key.as_str(), d.pin.clone(), d.comment.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            (
                "jobs.preview.actions/checkout",
                PinState::Tagged("tag \"v4\" can be moved; pin the commit sha".into()),
                None
            ),
            (
                "jobs.preview.actions/setup-node",
                PinState::Unpinned("ref \"main\" looks like a branch".into()),
                None
            ),
            (
                "jobs.preview.softprops/action-gh-release",
                PinState::Pinned,
                Some("v2.0.8")
            ),
            (
                "jobs.publish",
                PinState::Unpinned("ref \"main\" looks like a branch".into()),
                None
            ),
        ]
    );
    // The commented-out `# - uses: evil/exfiltrate@main` and the local
    // `./.github/workflows/notify.yml` are no dependencies.
    assert!(deps.iter().all(|d| !d.key.contains("evil")));
    assert!(deps.iter().all(|d| !d.key.starts_with("jobs.notify")));
}

#[test]
fn composite_action() {
    let deps = action(ACTION_YML);
    assert_eq!(
        keys(&deps),
        [
            "runs.hashicorp/setup-terraform",
            "runs.steps.tflint",
            "runs.actions/cache",
            "runs.actions/cache#2",
            "runs.docker://alpine",
        ]
    );
    let cache2 = get(&deps, "runs.actions/cache#2");
    assert_eq!(cache2.pin, PinState::Pinned);
    assert_eq!(cache2.comment.as_deref(), Some("v4.2.0"));
    assert_eq!(line_col(ACTION_YML, cache2.span.start), (20, 7));
    let tflint = get(&deps, "runs.steps.tflint");
    assert_eq!(tflint.name, "terraform-linters/setup-tflint");
    assert!(matches!(tflint.pin, PinState::Tagged(_)));
    let alpine = get(&deps, "runs.docker://alpine");
    assert_eq!(alpine.kind, Kind::Image);
    assert_eq!(alpine.source_str(), Some("docker.io/library/alpine"));
    assert_eq!(alpine.version_str(), Some("3.20"));
}

#[test]
fn docker_and_javascript_actions() {
    let docker = "name: x\nruns:\n  using: docker\n  image: docker://ghcr.io/org/tool@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef # 1.4.0\n";
    let deps = action(docker);
    assert_eq!(keys(&deps), ["runs.image"]);
    assert_eq!(deps[0].kind, Kind::Image);
    assert_eq!(deps[0].pin, PinState::Pinned);
    assert_eq!(deps[0].source_str(), Some("ghcr.io/org/tool"));
    assert_eq!(deps[0].comment.as_deref(), Some("1.4.0"));
    assert!(at(docker, deps[0].source.as_ref().unwrap().span).starts_with("ghcr.io/org/tool@"));
    assert!(at(docker, deps[0].span).starts_with("image: docker://"));

    let dockerfile = "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  args: [a]\n";
    assert_eq!(action(dockerfile), vec![]);
    let javascript = "name: x\nruns:\n  using: node20\n  main: dist/index.js\n";
    assert_eq!(action(javascript), vec![]);
    assert_eq!(action("name: not an action\n"), vec![]);
    assert_eq!(action(""), vec![]);
    assert!(extract_action("- a\n").is_err());
    assert!(extract_action("runs: node20\n").is_err());
    let err = extract_action("runs:\n  using: composite\n  steps:\n    - uses: 3\n").unwrap_err();
    assert!(err.message.contains("runs.steps[0].uses"), "{err:?}");
}

#[test]
fn keys_are_stable_when_a_step_is_inserted() {
    let before = job_steps(&format!(
        "      - uses: actions/checkout@{SHA}\n\
         \x20     - uses: actions/cache@v4\n\
         \x20     - id: build\n        uses: docker://node:20\n\
         \x20     - uses: actions/cache@v4\n"
    ));
    let after = job_steps(&format!(
        "      - uses: actions/setup-go@v5\n\
         \x20     - run: echo inserted\n\
         \x20     - uses: actions/checkout@{SHA}\n\
         \x20     - uses: actions/cache@v4\n\
         \x20     - id: lint\n        uses: actions/cache@v3\n\
         \x20     - id: build\n        uses: docker://node:20\n\
         \x20     - uses: actions/cache@v4\n"
    ));
    let old = workflow(&before);
    let new = workflow(&after);
    assert_eq!(
        keys(&old),
        [
            "jobs.build.actions/checkout",
            "jobs.build.actions/cache",
            "jobs.build.steps.build",
            "jobs.build.actions/cache#2",
        ]
    );
    for dep in &old {
        let moved = get(&new, &dep.key);
        assert!(crate::diff::same_values(dep, moved), "{}", dep.key);
    }
    assert_eq!(
        crate::diff::diff(&old, &new)
            .iter()
            .filter(|c| !matches!(c, crate::diff::DependencyChange::Added(_)))
            .count(),
        0
    );
}

#[test]
fn version_comments() {
    let comment = |tail: &str| uses(&format!("actions/checkout@{SHA}{tail}")).comment;
    assert_eq!(comment(" # v4.1.1"), Some("v4.1.1".into()));
    assert_eq!(comment("   #v4.1.1   "), Some("v4.1.1".into()));
    assert_eq!(comment(" # tag=v4.1.1"), Some("v4.1.1".into()));
    assert_eq!(comment(" # pin@v4.1.1"), Some("v4.1.1".into()));
    assert_eq!(
        comment(" # release v4.1.1 (2024-03-01)"),
        Some("v4.1.1".into())
    );
    assert_eq!(comment(" # latest stable"), Some("latest stable".into()));
    assert_eq!(comment(" #"), None);
    assert_eq!(comment(""), None);
    // The comment of the next line is not this value's.
    let text = job_steps(&format!(
        "      - uses: actions/checkout@{SHA}\n        # v4.1.1\n"
    ));
    assert_eq!(only_action(&text).comment, None);
}

/// saphyr ends a quoted scalar after the comment that follows it: the
/// spans here are the value's own.
#[test]
fn quoted_values_with_comments() {
    let text = job_steps(&format!(
        "      - uses: \"actions/checkout@{SHA}\"   # v4.2.2\n      - uses: 'org/x@v1' # it''s v1\n"
    ));
    let deps = workflow(&text);
    assert_eq!(deps.len(), 2);
    let checkout = &deps[0];
    assert_eq!(checkout.comment.as_deref(), Some("v4.2.2"));
    assert_eq!(
        at(&text, checkout.span),
        format!("uses: \"actions/checkout@{SHA}\"")
    );
    assert_eq!(
        at(&text, checkout.source.as_ref().unwrap().span),
        "actions/checkout"
    );
    assert_eq!(at(&text, checkout.version.as_ref().unwrap().span), SHA);
    let x = &deps[1];
    assert_eq!(at(&text, x.span), "uses: 'org/x@v1'");
    assert_eq!(at(&text, x.version.as_ref().unwrap().span), "v1");
    assert_eq!(x.comment.as_deref(), Some("v1"));

    let text = "on: pull_request_target\npermissions:\n  contents: 'write' # for tags\njobs:\n  a:\n    container: \"node:20\" # lts\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: \"${{ github.head_ref }}\" # the PR\n";
    let deps = workflow(text);
    let contents = get(&deps, "permissions:workflow:contents");
    assert_eq!(at(text, contents.version.as_ref().unwrap().span), "'write'");
    assert_eq!(contents.version_str(), Some("write"));
    let container = get(&deps, "jobs.a.container");
    assert_eq!(at(text, container.span), "container: \"node:20\"");
    assert_eq!(at(text, container.source.as_ref().unwrap().span), "node:20");
    let pwn = get(&deps, "pwn-request:jobs.a.actions/checkout");
    assert_eq!(at(text, pwn.span), "ref: \"${{ github.head_ref }}\"");
}

#[test]
fn ref_pins() {
    let pin = |reference: &str| uses(&format!("org/action@{reference}")).pin;
    assert_eq!(pin(SHA), PinState::Pinned);
    assert!(matches!(pin(&SHA.to_uppercase()), PinState::Unpinned(_)));
    for tag in [
        "v4",
        "v4.1.1",
        "1.2.3",
        "v1.2.3-beta",
        "V2",
        "v1.0.0-rc.1+build.5",
    ] {
        assert_eq!(
            pin(tag),
            PinState::Tagged(format!("tag \"{tag}\" can be moved; pin the commit sha")),
        );
    }
    for branch in [
        "main",
        "master",
        "release/x",
        "v4-branch-x_y",
        "feature/v1.2",
    ] {
        assert_eq!(
            pin(branch),
            PinState::Unpinned(format!("ref \"{branch}\" looks like a branch")),
        );
    }
    assert_eq!(
        pin("11bd719"),
        PinState::Unpinned(
            "ref \"11bd719\" is an abbreviated commit sha; pin the full 40-hex sha".into()
        )
    );
    assert!(matches!(pin(&SHA[..39]), PinState::Unpinned(w) if w.contains("abbreviated")));
    assert!(matches!(pin(&format!("{SHA}0")), PinState::Unpinned(w) if w.contains("branch")));
    let bare = uses("actions/checkout");
    assert_eq!(
        bare.pin,
        PinState::Unpinned("no @ref; pin the commit sha".into())
    );
    assert_eq!(bare.version, None);
    assert_eq!(bare.source_str(), Some("actions/checkout"));
}

#[test]
fn names_as_written_sources_lowercased_paths_kept() {
    let text = job_steps("      - uses: Azure/Login/sub/dir@v2\n");
    let dep = only_action(&text);
    assert_eq!(dep.name, "Azure/Login/sub/dir");
    assert_eq!(dep.source_str(), Some("azure/login/sub/dir"));
    assert_eq!(
        at(&text, dep.source.as_ref().unwrap().span),
        "Azure/Login/sub/dir"
    );
    assert_eq!(at(&text, dep.version.as_ref().unwrap().span), "v2");
    assert_eq!(dep.key, "jobs.build.azure/login/sub/dir");
}

#[test]
fn expressions_cannot_be_resolved() {
    let whole = uses("${{ matrix.action }}");
    assert_eq!(whole.name, "${{ matrix.action }}");
    assert_eq!(
        whole.pin,
        PinState::Unpinned(
            "`${{ matrix.action }}` is built from a GitHub expression (${{ }}), which cannot be \
             resolved statically"
                .into()
        )
    );
    assert_eq!(whole.version, None);
    let in_ref = uses("actions/checkout@${{ inputs.ref }}");
    assert_eq!(in_ref.name, "actions/checkout");
    assert_eq!(in_ref.version_str(), Some("${{ inputs.ref }}"));
    assert!(matches!(&in_ref.pin, PinState::Unpinned(w) if w.contains("cannot be resolved")));

    let text = "on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    container: ${{ matrix.container }}\n    services:\n      db:\n        image: ${{ matrix.db }}\n";
    let deps = workflow(text);
    assert_eq!(keys(&deps), ["jobs.t.container", "jobs.t.services.db"]);
    for dep in &deps {
        assert_eq!(dep.kind, Kind::Image);
        assert!(
            matches!(&dep.pin, PinState::Unpinned(w) if w.contains("GitHub expression") && w.contains("cannot be resolved statically")),
            "{:?}",
            dep.pin
        );
    }
}

#[test]
fn containers_in_every_shape() {
    let text = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    container: node:20\n  b:\n    runs-on: x\n    container:\n      image: 'docker://postgres:16'\n  c:\n    runs-on: x\n    container:\n    services:\n      off:\n        image: ''\n";
    let deps = workflow(text);
    assert_eq!(keys(&deps), ["jobs.a.container", "jobs.b.container"]);
    assert_eq!(deps[0].source_str(), Some("docker.io/library/node"));
    assert_eq!(at(text, deps[0].span), "container: node:20");
    assert_eq!(deps[1].source_str(), Some("docker.io/library/postgres"));
    assert_eq!(
        at(text, deps[1].source.as_ref().unwrap().span),
        "postgres:16"
    );
    let (e, at_) = workflow_err("on: push\njobs:\n  a:\n    container:\n      options: --cpus 1\n");
    assert!(e.message.contains("jobs.a.container has no image"), "{e:?}");
    assert_eq!(at_, (5, 7));
    let (e, _) = workflow_err("on: push\njobs:\n  a:\n    services:\n      db: postgres\n");
    assert!(e.message.contains("jobs.a.services.db"), "{e:?}");
}

#[test]
fn local_actions_and_workflows_are_skipped() {
    let text = "on: push\npermissions: {}\njobs:\n  a:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n  b:\n    runs-on: x\n    steps:\n      - uses: ./\n      - uses: ./.github/actions/y\n      - uses: actions/checkout@v4\n";
    let deps = workflow(text);
    assert_eq!(keys(&deps), ["jobs.b.actions/checkout"]);
}

#[test]
fn write_all_and_write_scopes() {
    let text = "on: push\npermissions:\n  contents: write\n  issues: read\n  pages: none\njobs:\n  deploy:\n    permissions: write-all\n    runs-on: x\n  read:\n    permissions: read-all\n    runs-on: x\n  nothing:\n    permissions: {}\n    runs-on: x\n";
    let deps = workflow(text);
    assert_eq!(
        fact_keys(&deps),
        ["permissions:workflow:contents", "permissions:jobs.deploy"]
    );
    let contents = get(&deps, "permissions:workflow:contents");
    assert_eq!(
        contents.name,
        "the workflow grants its token contents: write"
    );
    assert_eq!(line_col(text, contents.span.start), (3, 3));
    let deploy = get(&deps, "permissions:jobs.deploy");
    assert_eq!(
        deploy.name,
        "job \"deploy\" grants its token every permission (permissions: write-all)"
    );
    assert_eq!(at(text, deploy.span), "permissions");
    assert_eq!(at(text, deploy.version.as_ref().unwrap().span), "write-all");
    assert_eq!(line_col(text, deploy.span.start), (8, 5));
}

#[test]
fn bad_permissions_are_errors() {
    let (e, at_) = workflow_err("on: push\npermissions: admin\njobs: {}\n");
    assert!(e.message.contains("read-all, write-all"), "{e:?}");
    assert_eq!(at_, (2, 14));
    let (e, at_) = workflow_err("on: push\njobs:\n  a:\n    permissions:\n      contents: Write\n");
    assert_eq!(
        e.message,
        "jobs.a.permissions.contents must be read, write or none"
    );
    assert_eq!(at_, (5, 17));
    let (e, _) = workflow_err("on: push\npermissions: [contents]\njobs: {}\n");
    assert!(e.message.contains("permissions"), "{e:?}");
}

#[test]
fn default_permissions() {
    let text = "on: push\njobs:\n  a:\n    permissions:\n      contents: read\n    runs-on: x\n  b:\n    runs-on: x\n  c:\n    runs-on: x\n";
    let deps = workflow(text);
    assert_eq!(fact_keys(&deps), ["permissions:default"]);
    let fact = &deps[0];
    assert_eq!(
        fact.name,
        "the workflow sets no permissions:, so jobs without their own get the repository's \
         default token permissions (which may be write-all)"
    );
    assert_eq!(fact.version_str(), Some("default"));
    assert_eq!(at(text, fact.span), "b");
    assert_eq!(line_col(text, fact.span.start), (7, 3));

    // Every job sets its own: no fact.
    let text = "on: push\njobs:\n  a:\n    permissions: read-all\n    runs-on: x\n";
    assert_eq!(fact_keys(&workflow(text)), Vec::<&str>::new());
    // A reusable workflow runs with its caller's token.
    let text = "on: workflow_call\njobs:\n  a:\n    runs-on: x\n";
    assert_eq!(fact_keys(&workflow(text)), Vec::<&str>::new());
    let text = "on: [workflow_call, push]\njobs:\n  a:\n    runs-on: x\n";
    assert_eq!(fact_keys(&workflow(text)), ["permissions:default"]);
    // No jobs, nothing runs.
    assert_eq!(workflow("on: push\njobs: {}\n"), vec![]);
    assert_eq!(workflow("on: push\n"), vec![]);
}

fn pwn(on: &str, with: &str) -> Vec<String> {
    let text = format!(
        "on: {on}\npermissions: read-all\njobs:\n  build:\n    runs-on: x\n    steps:\n      - id: co\n        uses: actions/checkout@{SHA}\n        with:\n{with}      - uses: actions/checkout@v4\n"
    );
    workflow(&text)
        .into_iter()
        .filter(|d| d.kind == Kind::File)
        .map(|d| format!("{} | {}", d.key, d.name))
        .collect()
}

#[test]
fn pwn_request_triggers_and_refs() {
    let head = "          ref: ${{ github.event.pull_request.head.sha }}\n";
    let expected =
        "pwn-request:jobs.build.steps.co | job \"build\" checks out the pull request's head \
                    under pull_request_target: the stranger's code runs with the base repository's \
                    token and secrets";
    assert_eq!(pwn("pull_request_target", head), [expected]);
    assert_eq!(pwn("[push, pull_request_target]", head), [expected]);
    assert_eq!(
        pwn("\n  pull_request_target:\n    types: [labeled]", head),
        [expected]
    );
    assert_eq!(pwn("pull_request", head), Vec::<String>::new());
    assert_eq!(pwn("push", head), Vec::<String>::new());
    for reference in [
        "${{ github.event.pull_request.head.ref }}",
        "${{ github.head_ref }}",
        "refs/pull/${{ github.event.number }}/merge",
        "refs/pull/${{ github.event.pull_request.number }}/head",
        "${{ GITHUB.EVENT.PULL_REQUEST.HEAD.SHA }}",
    ] {
        let with = format!("          ref: \"{reference}\"\n");
        assert_eq!(pwn("pull_request_target", &with).len(), 1, "{reference}");
    }
    let base = "          ref: ${{ github.event.pull_request.base.sha }}\n";
    assert_eq!(pwn("pull_request_target", base), Vec::<String>::new());
    let fork = "          repository: ${{ github.event.pull_request.head.repo.full_name }}\n";
    assert_eq!(pwn("pull_request_target", fork).len(), 1);

    let run = "          ref: ${{ github.event.workflow_run.head_sha }}\n";
    let found = pwn(
        "\n  workflow_run:\n    workflows: [ci]\n    types: [completed]",
        run,
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0].contains("checks out the triggering run's head under workflow_run"),
        "{found:?}"
    );
    let branch = "          ref: ${{ github.event.workflow_run.head_branch }}\n";
    assert_eq!(pwn("workflow_run", branch).len(), 1);
}

#[test]
fn pwn_request_span_and_key_without_id() {
    let text = "on: pull_request_target\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.head_ref }}\n";
    let deps = workflow(text);
    let fact = get(&deps, "pwn-request:jobs.t.actions/checkout#2");
    assert_eq!(at(text, fact.span), "ref: ${{ github.head_ref }}");
    assert_eq!(line_col(text, fact.span.start), (10, 11));
    assert_eq!(
        at(text, fact.version.as_ref().unwrap().span),
        "${{ github.head_ref }}"
    );
}

#[test]
fn secrets_inherit_only_to_third_party_workflows() {
    let text = "on: push\npermissions: {}\njobs:\n  call:\n    uses: org/repo/.github/workflows/x.yml@v1\n    secrets: inherit\n  explicit:\n    uses: org/repo/.github/workflows/x.yml@v1\n    secrets:\n      token: ${{ secrets.TOKEN }}\n  local:\n    uses: ./.github/workflows/y.yml\n    secrets: inherit\n";
    let deps = workflow(text);
    assert_eq!(fact_keys(&deps), ["secrets-inherit:jobs.call"]);
    assert_eq!(
        get(&deps, "secrets-inherit:jobs.call").name,
        "job \"call\" passes every secret (secrets: inherit) to the third-party workflow \
         org/repo/.github/workflows/x.yml"
    );
    assert_eq!(keys(&deps).len(), 3);
}

#[test]
fn errors_point_at_the_offending_byte() {
    let (e, at_) = workflow_err("on: push\njobs:\n  a: [\n");
    assert!(e.message.starts_with("YAML syntax error"), "{e:?}");
    assert!(at_.0 >= 3, "{at_:?}");
    let (e, at_) = workflow_err("- on: push\n");
    assert_eq!(e.message, "a workflow must be a YAML mapping (on:, jobs:)");
    assert_eq!(at_, (1, 1));
    let (e, at_) = workflow_err("on: push\njobs:\n  - build\n");
    assert_eq!(e.message, "jobs must be a mapping of job ids to jobs");
    assert_eq!(at_, (3, 3));
    let (e, at_) = workflow_err("on: push\njobs:\n  build: ubuntu\n");
    assert!(
        e.message.starts_with("jobs.build must be a mapping"),
        "{e:?}"
    );
    assert_eq!(at_, (3, 10));
    let (e, at_) = workflow_err("on: push\njobs:\n  build:\n    steps: run\n");
    assert!(
        e.message.contains("jobs.build.steps must be a list"),
        "{e:?}"
    );
    assert_eq!(at_, (4, 12));
    let (e, at_) = workflow_err(
        "on: push\njobs:\n  build:\n    steps:\n      - run: a\n      - actions/checkout@v4\n",
    );
    assert_eq!(
        e.message,
        "jobs.build.steps[1]: a step must be a mapping (with uses: or run:)"
    );
    assert_eq!(at_, (6, 9));
    let (e, at_) =
        workflow_err("on: push\njobs:\n  build:\n    steps:\n      - uses: [actions/checkout]\n");
    assert_eq!(
        e.message,
        "jobs.build.steps[0].uses must be a string, not a list"
    );
    assert_eq!(at_, (5, 15));
    let (e, at_) = workflow_err("on: push\njobs:\n  build:\n    steps:\n      - uses:\n");
    assert!(e.message.contains("is empty"), "{e:?}");
    assert_eq!(at_.0, 5);
    for bad in [
        "checkout@v4",
        "actions/checkout@",
        "a/b@v1@v2",
        "actions/@v4",
        "docker://",
    ] {
        let text = format!("on: push\njobs:\n  build:\n    steps:\n      - uses: {bad}\n");
        let (e, at_) = workflow_err(&text);
        assert!(
            e.message.starts_with("jobs.build.steps[0].uses"),
            "{bad}: {e:?}"
        );
        assert_eq!(at_, (5, 15), "{bad}");
    }
    let (e, at_) = workflow_err("on: push\njobs:\n  build:\n    uses: docker://alpine:3\n");
    assert!(e.message.contains("not an image"), "{e:?}");
    assert_eq!(at_, (4, 11));
    let (e, at_) = workflow_err(
        "on: push\njobs:\n  build:\n    steps:\n      - id: x\n        uses: a/b@v1\n      - id: x\n        uses: a/c@v1\n",
    );
    assert_eq!(e.message, "jobs.build: two steps have the id \"x\"");
    assert_eq!(at_, (8, 9));
    let (e, _) = workflow_err("on: push\njobs:\n  a:\n    runs-on: x\n  a:\n    runs-on: y\n");
    assert!(e.offset > 0, "{e:?}");
}

#[test]
fn empty_and_comment_only_files_declare_nothing() {
    assert_eq!(workflow(""), vec![]);
    assert_eq!(workflow("# nothing yet\n"), vec![]);
    assert_eq!(workflow("---\n"), vec![]);
}

#[test]
fn dispatch_and_bom() {
    let text = format!("\u{feff}on: push\npermissions: {{}}\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@{SHA} # v4.2.2\n");
    let deps = extract(FileKind::GitHubWorkflow, text.as_bytes()).unwrap();
    assert_eq!(deps.len(), 1);
    let version = deps[0].version.as_ref().unwrap();
    assert_eq!(at(&text, version.span), SHA);
    assert_eq!(deps[0].comment.as_deref(), Some("v4.2.2"));
    let deps = extract(FileKind::GitHubAction, ACTION_YML.as_bytes()).unwrap();
    assert_eq!(deps.len(), 5);
}

#[test]
fn json_and_flow_style_workflows() {
    let json = format!(
        "{{\"on\": \"push\", \"permissions\": {{}}, \"jobs\": {{\"a\": {{\"steps\": [{{\"uses\": \"actions/checkout@{SHA}\"}}]}}}}}}"
    );
    let dep = only_action(&json);
    assert_eq!(
        at(&json, dep.source.as_ref().unwrap().span),
        "actions/checkout"
    );
    assert_eq!(at(&json, dep.version.as_ref().unwrap().span), SHA);
    let flow = job_steps("      - {uses: actions/checkout@v4, with: {fetch-depth: 0}} # v4\n");
    let dep = only_action(&flow);
    assert_eq!(at(&flow, dep.version.as_ref().unwrap().span), "v4");
    assert_eq!(dep.comment, None);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn check(text: &str) -> Result<(), TestCaseError> {
        for result in [extract_workflow(text), extract_action(text)] {
            match result {
                Ok(deps) => {
                    for d in deps {
                        prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                        for s in [&d.source, &d.version].into_iter().flatten() {
                            prop_assert!(s.span.start <= s.span.end && s.span.end <= text.len());
                            prop_assert!(text.is_char_boundary(s.span.start));
                            prop_assert!(text.is_char_boundary(s.span.end));
                        }
                    }
                }
                Err(e) => prop_assert!(e.offset <= text.len()),
            }
        }
        Ok(())
    }

    const HEADS: [&str; 4] = [
        "on: pull_request_target\njobs:\n  a:\n    steps:\n      - uses: ",
        "jobs:\n  a:\n    uses: ",
        "jobs:\n  a:\n    container: ",
        "runs:\n  using: composite\n  steps:\n    - uses: ",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let text = String::from_utf8_lossy(&bytes);
            check(&text)?;
            for head in HEADS {
                check(&format!("{head}{text}"))?;
            }
        }

        #[test]
        fn never_panics_on_yaml_like_text(
            text in "[a-zA-Z0-9:@/#&*!|>'\"\\[\\]{},.$ \n-]{0,200}",
            head in 0..4usize,
        ) {
            check(&format!("{}{text}", HEADS[head]))?;
            check(&format!("on: push\njobs:\n  a:\n{text}"))?;
        }

        #[test]
        fn never_panics_on_uses_values(value in "[a-zA-Z0-9./@:${} é_-]{0,60}", comment in "[ #a-z0-9.=@-]{0,20}") {
            check(&format!("{}{value}{comment}\n", HEADS[0]))?;
            check(&format!("{}\"{value}\"{comment}\n", HEADS[3]))?;
        }
    }
}

#[test]
fn quoted_scalars_end_at_their_closing_quote() {
    use super::scalar;
    let text = "a: \"x\\\"y # z\" # c\nb: 'it''s' # d\nc: !!str \"q\"   # e\nd: plain # f\n";
    let root = crate::extract::yaml::load(text).unwrap().unwrap();
    let ends: Vec<&str> = root
        .entries("t")
        .unwrap()
        .into_iter()
        .map(|(_, v)| &text[v.span.start..scalar::end(text, v)])
        .collect();
    assert_eq!(ends, ["\"x\\\"y # z\"", "'it''s'", "!!str \"q\"", "plain"]);
    let (_, b) = root.get("b", "t").unwrap().unwrap();
    let value = scalar::string(text, b, "b").unwrap().unwrap();
    assert_eq!(value.value, "it's");
    assert_eq!(&text[value.span.start..value.span.end], "'it''s'");
    // Not byte for byte in the file: the whole value.
    assert_eq!(scalar::sub_span(text, b, "it's", 0..2), value.span);
}

fn pwn_in(text: &str) -> Vec<String> {
    workflow(text)
        .into_iter()
        .filter(|d| d.key.starts_with("pwn-request:"))
        .map(|d| format!("{} | {}", d.key, d.name))
        .collect()
}

/// A `pull_request_target` workflow with `env` at the workflow, `job_env`
/// at the job, `steps` before the checkout, and the checkout's own `with`
/// and `env`.
fn flow(env: &str, job_env: &str, steps: &str, with: &str) -> String {
    format!(
        "on: pull_request_target\npermissions: read-all\nenv:\n  X: 1\n{env}jobs:\n  build:\n    runs-on: x\n    env:\n      Y: 2\n{job_env}    steps:\n{steps}      - id: co\n        uses: actions/checkout@{SHA}\n        with:\n{with}"
    )
}

#[test]
fn pwn_request_through_env_and_outputs() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // Index syntax.
        ("", "", "", "          ref: ${{ github.event['pull_request']['head']['sha'] }}\n"),
        // Workflow, job and step env, any case.
        ("  HEAD: ${{ github.event.pull_request.head.sha }}\n", "", "", "          ref: ${{ env.HEAD }}\n"),
        ("", "      HEAD: ${{ github.head_ref }}\n", "", "          ref: ${{ env.head }}\n"),
        (
            "  N: ${{ github.event.number }}\n",
            "      R: refs/pull/${{ env.N }}/merge\n",
            "",
            "          ref: ${{ env.R }}\n",
        ),
        // A step's output, written by a script from an expression or from
        // the runner's environment.
        (
            "",
            "",
            "      - id: sha\n        run: echo \"sha=${{ github.event.pull_request.head.sha }}\" >> \"$GITHUB_OUTPUT\"\n",
            "          ref: ${{ steps.sha.outputs.sha }}\n",
        ),
        (
            "",
            "",
            "      - id: sha\n        run: echo \"ref=$GITHUB_HEAD_REF\" >> \"$GITHUB_OUTPUT\"\n",
            "          ref: ${{ steps.SHA.outputs.ref }}\n",
        ),
        (
            "",
            "",
            "      - id: sha\n        env:\n          H: ${{ github.event.pull_request.head.sha }}\n        run: echo \"sha=$H\" >> \"$GITHUB_OUTPUT\"\n",
            "          ref: ${{ steps['sha'].outputs['sha'] }}\n",
        ),
        (
            "",
            "",
            "",
            "          repository: ${{ format('{0}', github.event.pull_request.head.repo.full_name) }}\n",
        ),
        ("", "", "", "          ref: ${{ format('refs/pull/{0}/head', github.event.number) }}\n"),
    ];
    let expected = "pwn-request:jobs.build.steps.co | job \"build\" checks out the pull request's \
                    head under pull_request_target: the stranger's code runs with the base \
                    repository's token and secrets";
    for (env, job_env, steps, with) in cases {
        let text = flow(env, job_env, steps, with);
        assert_eq!(pwn_in(&text), [expected], "{text}");
    }
    // An env value of the checkout step itself.
    let text = flow("", "", "", "          ref: ${{ env.REF }}\n")
        + "        env:\n          REF: ${{ github.event.pull_request.head.ref }}\n";
    assert_eq!(pwn_in(&text), [expected]);
    // The outputs of an action cannot be followed: reported as such.
    let text = flow(
        "",
        "",
        "      - id: branch\n        uses: xt0rted/pull-request-comment-branch@v2\n",
        "          ref: ${{ steps.branch.outputs.head_sha }}\n",
    );
    let found = pwn_in(&text);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].contains(
            "checks out what the outputs of step \"branch\" (xt0rted/pull-request-comment-branch@v2) \
             gives, which iacgate cannot follow"
        ),
        "{found:?}"
    );
}

#[test]
fn pwn_request_through_a_job_output() {
    let text = format!(
        "on: pull_request_target\npermissions: read-all\njobs:\n  meta:\n    runs-on: x\n    outputs:\n      sha: ${{{{ steps.s.outputs.sha }}}}\n    steps:\n      - id: s\n        run: echo \"sha=${{{{ github.event.pull_request.head.sha }}}}\" >> \"$GITHUB_OUTPUT\"\n  build:\n    needs: meta\n    runs-on: x\n    steps:\n      - id: co\n        uses: actions/checkout@{SHA}\n        with:\n          ref: ${{{{ needs.meta.outputs.sha }}}}\n"
    );
    assert_eq!(pwn_in(&text).len(), 1, "{text}");
    let safe = text.replace("pull_request.head.sha", "pull_request.base.sha");
    assert_eq!(pwn_in(&safe), Vec::<String>::new());
}

#[test]
fn pwn_request_benign_values_stay_silent() {
    for (env, steps, with) in [
        (
            "  BASE: ${{ github.event.pull_request.base.sha }}\n",
            "",
            "          ref: ${{ env.BASE }}\n",
        ),
        (
            "  HEAD: ${{ github.head_ref }}\n",
            "",
            "          ref: ${{ env.OTHER }}\n",
        ),
        (
            "",
            "      - id: v\n        run: echo \"v=$(cat VERSION)\" >> \"$GITHUB_OUTPUT\"\n",
            "          ref: ${{ steps.v.outputs.v }}\n",
        ),
        (
            "",
            "",
            "          ref: ${{ github.sha }}\n          fetch-depth: 0\n",
        ),
        ("", "", "          ref: main\n"),
        (
            "",
            "",
            "          ref: refs/pull/${{ github.event.number }}\n",
        ),
    ] {
        let text = flow(env, "", steps, with);
        assert_eq!(pwn_in(&text), Vec::<String>::new(), "{text}");
    }
    // Self-reference and long chains end.
    let text = flow(
        "  A: ${{ env.B }}${{ env.B }}\n  B: ${{ env.A }}${{ env.A }}\n",
        "",
        "",
        "          ref: ${{ env.A }}\n",
    );
    let _ = pwn_in(&text);
}

fn risky_keys(text: &str) -> Vec<String> {
    workflow(text)
        .into_iter()
        .filter(|d| d.kind == Kind::File && !d.key.starts_with("permissions"))
        .map(|d| d.key)
        .collect()
}

fn privileged_steps(trigger: &str, env: &str, steps: &str) -> String {
    format!(
        "on: {trigger}\npermissions:\n  contents: read\n{env}jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    )
}

#[test]
fn a_head_value_passed_through_env_to_a_script_is_a_pwn_request() {
    let head = "${{ github.event.pull_request.head.sha }}";
    for (env, steps) in [
        (
            format!("env:\n  HEAD: {head}\n"),
            "      - run: git fetch origin $HEAD\n".to_owned(),
        ),
        (
            String::new(),
            format!("      - run: git fetch origin \"${{HEAD}}\"\n        env:\n          HEAD: {head}\n"),
        ),
        (
            String::new(),
            "      - run: git fetch origin $GITHUB_HEAD_REF\n".to_owned(),
        ),
    ] {
        let text = privileged_steps("pull_request_target", &env, &steps);
        assert_eq!(risky_keys(&text), ["pwn-request:jobs.b.steps[0].run"], "{text}");
    }
    // A variable of the base, a longer name, or printing the head: nothing.
    for steps in [
        "      - run: git fetch origin $BASE\n        env:\n          BASE: ${{ github.event.pull_request.base.sha }}\n",
        "      - run: git fetch origin $HEAD_X\n        env:\n          HEAD: ${{ github.head_ref }}\n",
        "      - run: echo $HEAD\n        env:\n          HEAD: ${{ github.head_ref }}\n",
    ] {
        let text = privileged_steps("pull_request_target", "", steps);
        assert!(risky_keys(&text).is_empty(), "{text}");
    }
}

#[test]
fn a_github_script_that_fetches_the_head_is_a_pwn_request() {
    for script in [
        "const pr = await github.rest.pulls.get({owner, repo, pull_number: context.issue.number});\n            await exec.exec('git', ['fetch', 'origin', pr.data.head.sha]);",
        "await exec.exec('git', ['fetch', 'origin', `pull/${context.issue.number}/head:pr`]);",
        "require('child_process').execSync(`git checkout ${process.env.HEAD}`)",
        "await exec.exec('gh', ['pr', 'checkout', String(context.issue.number)])",
    ] {
        let steps = format!(
            "      - uses: actions/github-script@{SHA}\n        env:\n          HEAD: ${{{{ github.event.pull_request.head.ref }}}}\n        with:\n          script: |\n            {script}\n"
        );
        let text = privileged_steps("issue_comment", "", &steps);
        assert_eq!(
            risky_keys(&text),
            ["pwn-request:jobs.b.steps[0].with.script"],
            "{text}"
        );
        // Unprivileged: nothing.
        let text = privileged_steps("pull_request", "", &steps);
        assert!(risky_keys(&text).is_empty(), "{text}");
    }
    let comment = format!(
        "      - uses: actions/github-script@{SHA}\n        with:\n          script: |\n            const pr = await github.rest.pulls.get({{owner, repo, pull_number: 1}});\n            await github.rest.issues.createComment({{owner, repo, issue_number: 1, body: pr.data.head.sha}});\n"
    );
    assert!(risky_keys(&privileged_steps("pull_request_target", "", &comment)).is_empty());
}

#[test]
fn code_run_after_downloading_another_runs_artifacts_is_a_fact() {
    let download = [
        format!("      - uses: dawidd6/action-download-artifact@{SHA}\n        with:\n          run_id: ${{{{ github.event.workflow_run.id }}}}\n"),
        format!("      - uses: actions/download-artifact@{SHA}\n        with:\n          run-id: ${{{{ github.event.workflow_run.id }}}}\n          github-token: ${{{{ secrets.GITHUB_TOKEN }}}}\n"),
        "      - run: gh run download ${{ github.event.workflow_run.id }}\n".to_owned(),
    ];
    for dl in &download {
        for run in [
            "make",
            "./build.sh",
            "cd out && npm ci",
            "sudo bash install.sh",
        ] {
            let text = privileged_steps("workflow_run", "", &format!("{dl}      - run: {run}\n"));
            assert_eq!(
                risky_keys(&text),
                ["artifact-run:jobs.b.steps[1].run"],
                "{text}"
            );
        }
        // Reading the artifact's data runs nothing of it.
        let text = privileged_steps(
            "workflow_run",
            "",
            &format!("{dl}      - run: |\n          unzip pr.zip\n          gh pr comment $(cat NR) --body ok\n"),
        );
        assert!(risky_keys(&text).is_empty(), "{text}");
        // Unprivileged, or the code ran before the download: nothing.
        let text = privileged_steps("push", "", &format!("{dl}      - run: make\n"));
        assert!(risky_keys(&text).is_empty(), "{text}");
        let text = privileged_steps("workflow_run", "", &format!("      - run: make\n{dl}"));
        assert!(risky_keys(&text).is_empty(), "{text}");
    }
    // This run's own artifacts (no run-id, or its own): what this workflow built.
    let own = format!("      - uses: actions/download-artifact@{SHA}\n      - run: make\n");
    assert!(risky_keys(&privileged_steps("workflow_run", "", &own)).is_empty());
    let own = format!("      - uses: actions/download-artifact@{SHA}\n        with:\n          run-id: ${{{{ github.run_id }}}}\n      - run: make\n");
    assert!(risky_keys(&privileged_steps("workflow_run", "", &own)).is_empty());
}

#[test]
fn a_head_value_written_to_github_env_is_followed_into_later_steps() {
    let export =
        "      - run: echo \"HEAD=${{ github.event.pull_request.head.sha }}\" >> \"$GITHUB_ENV\"\n";
    let text = privileged_steps(
        "pull_request_target",
        "",
        &format!("{export}      - run: git fetch origin \"$HEAD\"\n"),
    );
    assert_eq!(
        risky_keys(&text),
        ["pwn-request:jobs.b.steps[1].run"],
        "{text}"
    );
    let text = privileged_steps(
        "pull_request_target",
        "",
        &format!("{export}      - uses: actions/checkout@{SHA}\n        with:\n          ref: ${{{{ env.HEAD }}}}\n"),
    );
    assert_eq!(
        risky_keys(&text),
        ["pwn-request:jobs.b.actions/checkout"],
        "{text}"
    );
    // The base written there, or the variable read before it is written.
    let base = "      - run: echo \"BASE=${{ github.event.pull_request.base.sha }}\" >> $GITHUB_ENV\n      - run: git fetch origin $BASE\n";
    assert!(risky_keys(&privileged_steps("pull_request_target", "", base)).is_empty());
    let before = format!("      - run: git fetch origin $HEAD\n{export}");
    assert!(risky_keys(&privileged_steps("pull_request_target", "", &before)).is_empty());
}

#[test]
fn local_actions_inside_another_repositorys_checkout_are_its_actions() {
    let wf = |with: &str, local: &str| {
        format!(
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@{SHA}\n        with:\n{with}      - uses: {local}\n"
        )
    };
    let other = |deps: &[Dependency]| -> Option<(String, PinState)> {
        deps.iter()
            .find(|d| d.source_str() == Some("evil/shared"))
            .map(|d| (d.name.clone(), d.pin.clone()))
    };
    // A branch, no ref, an expression path: unpinned.
    for with in [
        "          repository: evil/shared\n          ref: main\n          path: shared\n",
        "          repository: evil/shared\n          path: shared\n",
        "          repository: evil/shared\n          ref: main\n          path: ${{ inputs.dir }}\n",
        "          repository: evil/shared\n          ref: main\n",
    ] {
        let deps = workflow(&wf(with, "./shared/deploy"));
        let (name, pin) = other(&deps).unwrap_or_else(|| panic!("{with}: {deps:?}"));
        assert!(name.starts_with("evil/shared"), "{name}");
        assert!(matches!(pin, PinState::Unpinned(_)), "{with}: {pin:?}");
    }
    let deps = workflow(&wf(
        "          repository: evil/shared\n          ref: main\n          path: shared\n",
        "./shared/deploy",
    ));
    assert_eq!(other(&deps).unwrap().0, "evil/shared/deploy");
    // A full commit: pinned; a tag: tagged.
    let with = format!(
        "          repository: evil/shared\n          ref: {SHA}\n          path: shared\n"
    );
    assert_eq!(
        other(&workflow(&wf(&with, "./shared/deploy"))).unwrap().1,
        PinState::Pinned
    );
    let with = "          repository: evil/shared\n          ref: v1.2.3\n          path: shared\n";
    assert!(matches!(
        other(&workflow(&wf(with, "./shared/x"))).unwrap().1,
        PinState::Tagged(_)
    ));
    // Outside the checkout, or this repository checked out: no dependency.
    let with = "          repository: evil/shared\n          ref: main\n          path: shared\n";
    assert!(other(&workflow(&wf(with, "./sharedx/deploy"))).is_none());
    assert!(other(&workflow(&wf(with, "./.github/actions/x"))).is_none());
    let with = "          repository: ${{ github.repository }}\n          ref: main\n          path: shared\n";
    assert!(workflow(&wf(with, "./shared/deploy"))
        .iter()
        .all(|d| d.source_str() != Some("evil/shared")));
}
