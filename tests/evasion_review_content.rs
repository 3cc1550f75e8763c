//! Routes the adversarial review found in what a privileged workflow
//! checks out (issue 18): the head named through the event's `after`, the
//! pusher's name as the repository, and the head handed to a local
//! composite action or reusable workflow, which checks it out in the same
//! privileged context.

use crate::util::{judge_added, Run, TestRepo, SHA};

const PATH: &str = ".github/workflows/preview.yml";

fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() as u64 + 1
}

fn assert_pwn(run: &Run, line: u64) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rules()
            .contains(&("pipeline-permissions".into(), PATH.into(), line)),
        "want pipeline-permissions at {PATH}:{line}: {}",
        run.stdout
    );
}

fn assert_silent(run: &Run) {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        !run.rule_names()
            .contains(&"pipeline-permissions".to_owned()),
        "{}",
        run.stdout
    );
}

fn checkout(trigger: &str, with: &str) -> String {
    format!(
        "on: {trigger}\npermissions:\n  contents: read\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n        with:\n{with}      - run: terraform plan\n"
    )
}

#[test]
fn the_head_through_event_after_or_the_pushers_fork_is_blocked() {
    for with in [
        "          ref: ${{ github.event.after }}\n",
        "          repository: ${{ github.actor }}/infra\n",
        "          repository: ${{ format('{0}/infra', github.event.pull_request.user.login) }}\n",
        "          repository: ${{ github.triggering_actor }}/infra\n",
    ] {
        let text = checkout("pull_request_target", with);
        let run = judge_added(PATH, &text);
        assert_pwn(&run, line_of(&text, with.trim()));
    }
}

fn local_step(trigger: &str, with: &str) -> String {
    format!(
        "on: {trigger}\npermissions:\n  contents: read\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n      - uses: ./.github/actions/plan\n        with:\n{with}"
    )
}

fn local_workflow(trigger: &str, with: &str) -> String {
    format!(
        "on: {trigger}\npermissions:\n  contents: read\njobs:\n  plan:\n    uses: ./.github/workflows/plan.yml\n    with:\n{with}"
    )
}

#[test]
fn the_head_passed_to_a_local_action_or_workflow_is_blocked_at_pre_commit() {
    let cases = [
        local_step(
            "pull_request_target",
            "          ref: ${{ github.event.pull_request.head.sha }}\n",
        ),
        // Whatever the input is called, the head's repository is code.
        local_step(
            "pull_request_target",
            "          target: ${{ github.event.pull_request.head.repo.full_name }}\n",
        ),
        local_workflow(
            "pull_request_target",
            "      head: ${{ github.head_ref }}\n",
        ),
        local_workflow(
            "workflow_run",
            "      sha: ${{ github.event.workflow_run.head_sha }}\n",
        ),
    ];
    for text in cases {
        let needle = text.lines().last().unwrap().trim().to_owned();
        let run = judge_added(PATH, &text);
        assert_pwn(&run, line_of(&text, &needle));
    }
}

#[test]
fn the_head_passed_to_a_local_workflow_is_blocked_in_a_range() {
    let repo = TestRepo::new();
    let before = local_workflow(
        "pull_request_target",
        "      sha: ${{ github.event.pull_request.base.sha }}\n",
    );
    repo.write(PATH, &before).commit_all("preview");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let after = before.replace("pull_request.base.sha", "pull_request.head.sha");
    repo.write(PATH, &after).stage(&[PATH]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "head"]);
    let run = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_pwn(&run, line_of(&after, "sha: "));
}

#[test]
fn text_the_base_or_an_unprivileged_trigger_passed_to_a_local_action_stay_silent() {
    let cases = [
        // Text a stranger wrote is no ref, under an input that picks none.
        local_step(
            "pull_request_target",
            "          title: ${{ github.event.pull_request.title }}\n",
        ),
        local_step(
            "pull_request_target",
            "          ref: ${{ github.event.pull_request.base.sha }}\n",
        ),
        local_workflow(
            "pull_request_target",
            "      number: ${{ github.event.pull_request.number }}\n",
        ),
        // Under pull_request the head runs without the base's secrets.
        local_step(
            "pull_request",
            "          ref: ${{ github.event.pull_request.head.sha }}\n",
        ),
        checkout("pull_request", "          ref: ${{ github.event.after }}\n"),
    ];
    for text in cases {
        assert_silent(&judge_added(PATH, &text));
    }
}

// Route 21: what a Compose build and a Go workspace bring in.

const COMPOSE: &str = "compose.yaml";

fn compose_build(build: &str) -> String {
    format!("services:\n  app:\n    build:\n{build}")
}

fn assert_blocks_at(run: &Run, rule: &str, path: &str) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rules().iter().any(|(r, p, _)| r == rule && p == path),
        "want {rule} at {path}: {}",
        run.stdout
    );
}

#[test]
fn an_inline_dockerfile_on_a_tag_is_blocked_at_pre_commit_and_in_a_range() {
    let text = compose_build(
        "      context: .\n      dockerfile_inline: |\n        FROM alpine:3.20\n        RUN apk add curl\n",
    );
    assert_blocks_at(&judge_added(COMPOSE, &text), "unpinned", COMPOSE);

    let repo = TestRepo::new();
    let pinned = compose_build(&format!(
        "      dockerfile_inline: |\n        FROM alpine@sha256:{}\n",
        "a".repeat(64)
    ));
    repo.write(COMPOSE, &pinned).commit_all("pinned");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write(
        COMPOSE,
        &compose_build("      dockerfile_inline: |\n        FROM alpine:latest\n"),
    )
    .stage(&[COMPOSE]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "tag"]);
    let run = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn an_inline_dockerfile_on_a_digest_stays_silent() {
    let text = compose_build(&format!(
        "      dockerfile_inline: |\n        FROM alpine@sha256:{}\n        RUN true\n",
        "b".repeat(64)
    ));
    let run = judge_added(COMPOSE, &text);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn a_dockerfile_under_a_name_iacgate_does_not_read_is_refused() {
    for name in ["build.txt", "docker/${FLAVOUR}.Dockerfile"] {
        let text = compose_build(&format!("      context: .\n      dockerfile: {name}\n"));
        let run = judge_added(COMPOSE, &text);
        assert_blocks_at(&run, "parse-error", COMPOSE);
        assert!(run.stdout.contains("dockerfile"), "{}", run.stdout);
    }
    // The names iacgate reads as Dockerfiles are judged where they are.
    let text = compose_build("      context: .\n      dockerfile: docker/Dockerfile.prod\n");
    assert_eq!(judge_added(COMPOSE, &text).code, 0);
}

#[test]
fn a_remote_build_context_is_pinned_only_by_a_commit() {
    for context in [
        "https://github.com/acme/app.git",
        "https://github.com/acme/app.git#main",
        "git@github.com:acme/app.git#v1.2:docker",
    ] {
        let run = judge_added(
            COMPOSE,
            &compose_build(&format!("      context: {context}\n")),
        );
        assert_blocks_at(&run, "unpinned", COMPOSE);
    }
    let pinned = compose_build(&format!(
        "      context: https://github.com/acme/app.git#{SHA}:docker\n"
    ));
    assert_eq!(judge_added(COMPOSE, &pinned).code, 0);
}

#[test]
fn a_go_module_that_calls_itself_a_provider_or_a_workspace_outside_the_repo_is_blocked() {
    let gomod = "module github.com/pulumi/pulumi-aws/sdk/v6\n\ngo 1.22\n";
    assert_blocks_at(
        &judge_added("vendor/aws/go.mod", gomod),
        "unpinned",
        "vendor/aws/go.mod",
    );
    for dir in ["/tmp/aws", "../../aws"] {
        let gowork = format!("go 1.22\n\nuse (\n\t./infra\n\t{dir}\n)\n");
        assert_blocks_at(&judge_added("go.work", &gowork), "unpinned", "go.work");
    }
    // A workspace of this repository's own modules stays silent.
    let gowork = "go 1.22\n\nuse (\n\t.\n\t./infra\n\t./tools/gen\n)\n";
    assert_eq!(judge_added("go.work", gowork).code, 0);
    let own = "module github.com/acme/infra\n\ngo 1.22\n";
    assert_eq!(judge_added("infra/go.mod", own).code, 0);
}

// The second review: the head fetched by a run: script, no actions/checkout.

fn script(trigger: &str, run: &str) -> String {
    format!(
        "on: {trigger}\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n      - run: {run}\n      - run: make\n"
    )
}

#[test]
fn a_script_that_fetches_the_head_is_blocked() {
    for run in [
        "git fetch origin pull/${{ github.event.pull_request.number }}/head:pr && git checkout pr",
        "git fetch origin refs/pull/${{ github.event.number }}/merge",
        "gh pr checkout ${{ github.event.pull_request.number }}",
        "git fetch origin ${{ github.event.pull_request.head.sha }} && git checkout FETCH_HEAD",
        "git clone https://github.com/${{ github.event.pull_request.head.repo.full_name }} pr",
    ] {
        let text = script(
            "pull_request_target",
            &format!("\"{}\"", run.replace('"', "\\\"")),
        );
        let run_at = line_of(&text, "- run: \"");
        assert_pwn(&judge_added(PATH, &text), run_at);
    }
    let text = script(
        "workflow_run",
        "git fetch origin ${{ github.event.workflow_run.head_sha }}",
    );
    assert_pwn(&judge_added(PATH, &text), line_of(&text, "- run: git"));
}

#[test]
fn a_script_that_fetches_the_base_or_runs_unprivileged_stays_silent() {
    for (trigger, run) in [
        (
            "pull_request_target",
            "git fetch origin ${{ github.event.pull_request.base.ref }}",
        ),
        (
            "pull_request_target",
            "echo ${{ github.event.pull_request.head.sha }} > sha.txt",
        ),
        ("pull_request_target", "git log -1 --format=%H"),
        (
            "pull_request",
            "git fetch origin pull/${{ github.event.pull_request.number }}/head",
        ),
        ("push", "gh pr checkout 12"),
    ] {
        assert_silent(&judge_added(PATH, &script(trigger, run)));
    }
}

#[test]
fn compose_includes_and_extends_are_judged_or_refused() {
    let digest = "a".repeat(64);
    let service = format!("services:\n  app:\n    image: alpine@sha256:{digest}\n");
    // Remote includes: pinned only by a digest or a commit.
    for include in [
        "include:\n  - oci://ghcr.io/acme/stack:latest\n".to_owned(),
        "include:\n  - path: https://github.com/acme/stack.git#main:compose.yaml\n".to_owned(),
    ] {
        let run = judge_added(COMPOSE, &format!("{include}{service}"));
        assert_blocks_at(&run, "unpinned", COMPOSE);
    }
    let pinned = format!("include:\n  - oci://ghcr.io/acme/stack@sha256:{digest}\n{service}");
    assert_eq!(judge_added(COMPOSE, &pinned).code, 0);
    // Local files: judged where iacgate reads them, refused elsewhere.
    for text in [
        format!("include:\n  - stack/db.yml\n{service}"),
        format!("include:\n  - path: [compose.db.yaml, other.yml]\n{service}"),
        "services:\n  app:\n    extends:\n      file: common.yml\n      service: x\n".to_owned(),
    ] {
        let run = judge_added(COMPOSE, &text);
        assert_blocks_at(&run, "parse-error", COMPOSE);
    }
    for text in [
        format!("include:\n  - ../shared/compose.db.yaml\n{service}"),
        "services:\n  app:\n    extends:\n      file: compose.base.yaml\n      service: x\n  b:\n    extends: app\n".to_owned(),
    ] {
        let run = judge_added(COMPOSE, &text);
        assert_eq!(run.code, 0, "{text}\n{}", run.stdout);
    }
}

/// The review's false alarm: `container: ${{ matrix.img }}` over a
/// literal matrix of digest-pinned images blocked as unresolvable. Each
/// image of the list is judged instead.
#[test]
fn a_container_from_a_literal_matrix_is_judged_image_by_image() {
    let digest = |c: &str| format!("sha256:{}", c.repeat(64));
    let flow = |matrix: &str| {
        format!("on: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n{matrix}    container: ${{{{ matrix.img }}}}\n    steps:\n      - run: make test\n")
    };
    let pinned = flow(&format!(
        "        img: [\"alpine@{}\", \"debian@{}\"]\n        include:\n          - img: \"busybox@{}\"\n",
        digest("a"),
        digest("b"),
        digest("c")
    ));
    let run = judge_added(PATH, &pinned);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let tagged = flow(&format!(
        "        img: [\"alpine@{}\", \"debian:12\"]\n",
        digest("a")
    ));
    let run = judge_added(PATH, &tagged);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.rule_names().contains(&"unpinned".to_owned()));
    let dynamic = flow("        img: ${{ fromJSON(vars.IMAGES) }}\n");
    assert_eq!(judge_added(PATH, &dynamic).code, 1);
}

#[test]
fn a_script_that_fetches_the_head_in_other_spellings_is_blocked() {
    for run in [
        "git -c protocol.version=2 fetch origin pull/${{ github.event.pull_request.number }}/head:pr",
        "git  fetch origin refs/pull/${{ github.event.number }}/head",
        "curl -L https://github.com/${{ github.event.pull_request.head.repo.full_name }}/archive/${{ github.event.pull_request.head.sha }}.tar.gz | tar xz",
        "gh  pr checkout 1",
        "gh pr diff 1 | git apply",
    ] {
        let text = script("pull_request_target", &format!("'{run}'"));
        assert_pwn(&judge_added(PATH, &text), line_of(&text, "- run: '"));
    }
    // Printing the diff runs nothing of the head.
    assert_silent(&judge_added(
        PATH,
        &script("pull_request_target", "gh pr diff 1 > diff.txt"),
    ));
}
