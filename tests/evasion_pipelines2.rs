//! Routes of issue 18 left open in pipelines and lock files: a pwn request
//! through `actions/github-script`, an `env:` value or another run's
//! artifacts (route 34), a GitLab child pipeline generated at run time
//! (route 37), providers implied by a resource type (route 38) and a
//! `go.sum` hash replaced at an unchanged version (route 32).

use crate::util::{check_staged, judge_added, judge_change, Run, TestRepo, SHA};

const WORKFLOW: &str = ".github/workflows/preview.yml";

fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() as u64 + 1
}

fn assert_rule_at(run: &Run, rule: &str, path: &str, line: u64) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rules().contains(&(rule.into(), path.into(), line)),
        "want {rule} at {path}:{line}: {}",
        run.stdout
    );
}

fn assert_silent(run: &Run) {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

/// Commit `before` (if any) at `path`, commit `after` with `--no-verify`,
/// and judge the range.
fn judge_range(path: &str, before: Option<&str>, after: &str) -> Run {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    if let Some(before) = before {
        repo.write(path, before);
    }
    repo.commit_all("before");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write(path, after).stage(&[path]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "after"]);
    repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ])
}

fn workflow(trigger: &str, env: &str, steps: &str) -> String {
    format!(
        "on: {trigger}\npermissions:\n  contents: read\n{env}jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n{steps}"
    )
}

fn github_script(script: &str) -> String {
    format!(
        "      - uses: actions/github-script@{SHA}\n        with:\n          script: |\n            {script}\n      - run: make\n"
    )
}

const FETCH_BY_API: &str = "const pr = await github.rest.pulls.get({owner: context.repo.owner, repo: context.repo.repo, pull_number: context.issue.number});\n            await exec.exec('git', ['fetch', 'origin', pr.data.head.sha]);\n            await exec.exec('git', ['checkout', 'FETCH_HEAD']);";

#[test]
fn a_github_script_that_fetches_the_head_is_blocked_at_pre_commit() {
    for script in [
        FETCH_BY_API,
        "await exec.exec('git', ['fetch', 'origin', `pull/${context.issue.number}/head:pr`]);",
        "require('child_process').execSync(`gh pr checkout ${context.issue.number}`);",
    ] {
        let text = workflow("issue_comment", "", &github_script(script));
        let run = judge_added(WORKFLOW, &text);
        assert_rule_at(
            &run,
            "pipeline-permissions",
            WORKFLOW,
            line_of(&text, "script: |") + 1,
        );
    }
}

#[test]
fn a_github_script_that_fetches_the_head_is_blocked_in_a_range() {
    let before = workflow("pull_request_target", "", "      - run: make\n");
    let after = workflow("pull_request_target", "", &github_script(FETCH_BY_API));
    let run = judge_range(WORKFLOW, Some(&before), &after);
    assert_rule_at(
        &run,
        "pipeline-permissions",
        WORKFLOW,
        line_of(&after, "script: |") + 1,
    );
}

#[test]
fn a_github_script_that_only_reads_the_head_or_runs_unprivileged_stays_silent() {
    let comment = "const pr = await github.rest.pulls.get({owner: context.repo.owner, repo: context.repo.repo, pull_number: context.issue.number});\n            core.setOutput('sha', pr.data.head.sha);";
    assert_silent(&judge_added(
        WORKFLOW,
        &workflow("pull_request_target", "", &github_script(comment)),
    ));
    assert_silent(&judge_added(
        WORKFLOW,
        &workflow("pull_request", "", &github_script(FETCH_BY_API)),
    ));
    // Unchanged: a commit that introduced nothing stays silent.
    let text = workflow("pull_request_target", "", &github_script(FETCH_BY_API));
    let changed = text.replace("- run: make", "- run: make all");
    assert_silent(&judge_change(WORKFLOW, &text, &changed));
}

const HEAD_ENV: &str = "env:\n  HEAD: ${{ github.event.pull_request.head.sha }}\n";

#[test]
fn the_head_through_env_is_blocked_at_pre_commit_and_in_a_range() {
    let step_env = "      - run: git fetch origin \"$PR_SHA\" && git checkout FETCH_HEAD\n        env:\n          PR_SHA: ${{ github.event.pull_request.head.sha }}\n      - run: make\n";
    let job_env = "      - run: git fetch origin ${HEAD}\n      - run: make\n";
    let checkout = format!(
        "      - uses: actions/checkout@{SHA}\n        with:\n          ref: ${{{{ env.HEAD }}}}\n      - run: make\n"
    );
    for (env, steps, needle) in [
        ("", step_env, "- run: git fetch"),
        (HEAD_ENV, job_env, "- run: git fetch"),
        (HEAD_ENV, checkout.as_str(), "ref: ${{ env.HEAD }}"),
    ] {
        let text = workflow("pull_request_target", env, steps);
        let at = line_of(&text, needle);
        assert_rule_at(
            &judge_added(WORKFLOW, &text),
            "pipeline-permissions",
            WORKFLOW,
            at,
        );
        assert_rule_at(
            &judge_range(WORKFLOW, None, &text),
            "pipeline-permissions",
            WORKFLOW,
            at,
        );
    }
}

#[test]
fn env_values_of_the_base_or_unprivileged_triggers_stay_silent() {
    for (trigger, env, steps) in [
        (
            "pull_request_target",
            "env:\n  BASE: ${{ github.event.pull_request.base.sha }}\n",
            "      - run: git fetch origin $BASE\n",
        ),
        (
            "pull_request_target",
            HEAD_ENV,
            "      - run: echo \"$HEAD\" > head.txt\n",
        ),
        (
            "pull_request",
            HEAD_ENV,
            "      - run: git fetch origin $HEAD\n",
        ),
    ] {
        assert_silent(&judge_added(WORKFLOW, &workflow(trigger, env, steps)));
    }
}

fn artifact_workflow(download: &str, run: &str) -> String {
    format!(
        "on:\n  workflow_run:\n    workflows: [ci]\n    types: [completed]\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n{download}      - run: {run}\n"
    )
}

fn dawidd6() -> String {
    format!(
        "      - uses: dawidd6/action-download-artifact@{SHA}\n        with:\n          run_id: ${{{{ github.event.workflow_run.id }}}}\n          name: build\n"
    )
}

fn download_by_run_id() -> String {
    format!(
        "      - uses: actions/download-artifact@{SHA}\n        with:\n          name: build\n          run-id: ${{{{ github.event.workflow_run.id }}}}\n          github-token: ${{{{ secrets.GITHUB_TOKEN }}}}\n"
    )
}

#[test]
fn code_run_after_downloading_the_triggering_runs_artifacts_is_blocked_at_pre_commit() {
    for download in [dawidd6(), download_by_run_id()] {
        for run in [
            "./dist/deploy.sh",
            "make deploy",
            "terraform apply -auto-approve",
        ] {
            let text = artifact_workflow(&download, run);
            let at = line_of(&text, &format!("- run: {run}"));
            assert_rule_at(
                &judge_added(WORKFLOW, &text),
                "pipeline-permissions",
                WORKFLOW,
                at,
            );
        }
    }
}

#[test]
fn code_run_after_downloading_the_triggering_runs_artifacts_is_blocked_in_a_range() {
    let before = artifact_workflow("", "make deploy");
    let after = artifact_workflow(&dawidd6(), "make deploy");
    let run = judge_range(WORKFLOW, Some(&before), &after);
    assert_rule_at(
        &run,
        "pipeline-permissions",
        WORKFLOW,
        line_of(&after, "- run: make deploy"),
    );
}

#[test]
fn reading_an_artifact_or_this_runs_own_artifacts_stays_silent() {
    // The classic safe pattern: the artifact is data, read and commented.
    let comment =
        "|\n          unzip pr.zip\n          gh pr comment \"$(cat ./NR)\" --body 'preview ready'";
    assert_silent(&judge_added(
        WORKFLOW,
        &artifact_workflow(&dawidd6(), comment),
    ));
    // No run-id: this run's own artifacts, built by this workflow.
    let own = format!(
        "      - uses: actions/download-artifact@{SHA}\n        with:\n          name: build\n"
    );
    assert_silent(&judge_added(
        WORKFLOW,
        &artifact_workflow(&own, "make deploy"),
    ));
    // An unchanged download and run: a commit that touches something else.
    let text = artifact_workflow(&dawidd6(), "make deploy");
    let changed = text.replace("types: [completed]", "types: [completed, requested]");
    assert_silent(&judge_change(WORKFLOW, &text, &changed));
}

const GITLAB: &str = ".gitlab-ci.yml";

fn gitlab(artifact: &str, job: &str) -> String {
    format!(
        "gen:\n  script: ./generate.sh > child.yml\n  artifacts:\n    paths: [child.yml, other.yml]\nchild:\n  trigger:\n    include:\n      - artifact: {artifact}\n        job: {job}\n    strategy: depend\n"
    )
}

#[test]
fn a_generated_child_pipeline_is_blocked_at_pre_commit_and_in_a_range() {
    let text = gitlab("child.yml", "gen");
    let at = line_of(&text, "- artifact: child.yml");
    let run = judge_added(GITLAB, &text);
    assert_rule_at(&run, "unpinned", GITLAB, at);
    assert!(
        run.messages()
            .iter()
            .any(|m| m.contains("dynamic_child_pipelines")),
        "the message names the switch: {}",
        run.stdout
    );
    // Another job or artifact is a changed trigger.
    let before = "gen:\n  script: ./generate.sh\n".to_owned();
    assert_rule_at(
        &judge_range(GITLAB, Some(&before), &text),
        "unpinned",
        GITLAB,
        at,
    );
    let moved = gitlab("other.yml", "gen");
    assert_rule_at(
        &judge_range(GITLAB, Some(&text), &moved),
        "unpinned",
        GITLAB,
        at,
    );
}

#[test]
fn an_unchanged_or_allowed_generated_child_pipeline_stays_silent() {
    // Unchanged trigger, another job edited: nothing new is introduced.
    let text = gitlab("child.yml", "gen");
    let edited = text.replace("./generate.sh", "./generate.sh --all");
    assert_silent(&judge_change(GITLAB, &text, &edited));
    // Allowed by the policy of the base.
    let repo = TestRepo::new();
    repo.write(
        ".iacgate.toml",
        "[gitlab]\ndynamic_child_pipelines = \"allow\"\n",
    )
    .commit_all("policy");
    repo.write(GITLAB, &text).stage(&[GITLAB]);
    let run = check_staged(&repo);
    assert_silent(&run);
    assert!(!run.rule_names().contains(&"unpinned".to_owned()));
}

const POLICY: &str = "[allow]\nproviders = [\"hashicorp/aws\", \"hashicorp/null\"]\n";
const VERSIONS: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\" }\n  }\n}\n";
const RANDOM: &str = "resource \"random_password\" \"db\" {\n  length = 16\n}\n";

/// A repository with the provider allowlist and a module in `stack/`.
fn allowlisted_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", POLICY)
        .write("stack/versions.tf", VERSIONS)
        .write("stack/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")
        .commit_all("base");
    repo
}

#[test]
fn a_provider_implied_by_a_resource_outside_the_allowlist_is_blocked_at_pre_commit() {
    let repo = allowlisted_repo();
    let main = format!("resource \"aws_s3_bucket\" \"b\" {{}}\n{RANDOM}");
    repo.write("stack/main.tf", &main).stage(&["stack/main.tf"]);
    let run = check_staged(&repo);
    assert_rule_at(&run, "not-allowed", "stack/main.tf", 2);
    assert!(
        run.messages()
            .iter()
            .any(|m| m.contains("hashicorp/random") && m.contains("random_password.db")),
        "{}",
        run.stdout
    );
    // A data source likewise, in a new file of the module.
    let repo = allowlisted_repo();
    repo.write(
        "stack/ip.tf",
        "data \"http\" \"ip\" {\n  url = \"https://ifconfig.me\"\n}\n",
    )
    .stage(&["stack/ip.tf"]);
    assert_rule_at(&check_staged(&repo), "not-allowed", "stack/ip.tf", 1);
}

#[test]
fn a_provider_implied_by_a_resource_outside_the_allowlist_is_blocked_in_a_range() {
    let repo = allowlisted_repo();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("stack/random.tf", RANDOM)
        .stage(&["stack/random.tf"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "random"]);
    let run = repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ]);
    assert_rule_at(&run, "not-allowed", "stack/random.tf", 1);
}

#[test]
fn implied_providers_inside_the_allowlist_declared_or_unchanged_stay_silent() {
    // Allowed: `null` is in the list, `aws` is declared and allowed.
    let repo = allowlisted_repo();
    repo.write(
        "stack/more.tf",
        "resource \"null_resource\" \"n\" {}\nresource \"aws_instance\" \"i\" {}\n",
    )
    .stage(&["stack/more.tf"]);
    assert!(!check_staged(&repo)
        .rule_names()
        .contains(&"not-allowed".to_owned()));
    // Declared in another file of the module (judged by its entry).
    let repo = TestRepo::new();
    repo.write(
        ".iacgate.toml",
        "[allow]\nproviders = [\"hashicorp/*\", \"acme/*\"]\n",
    )
    .write(
        "stack/versions.tf",
        "terraform {\n  required_providers {\n    random = { source = \"acme/random\" }\n  }\n}\n",
    )
    .commit_all("base");
    repo.write("stack/random.tf", RANDOM)
        .stage(&["stack/random.tf"]);
    assert!(!check_staged(&repo)
        .rule_names()
        .contains(&"not-allowed".to_owned()));
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[allow]\nproviders = [\"acme/*\"]\n")
        .write(
            "stack/versions.tf",
            "terraform {\n  required_providers {\n    random = { source = \"acme/random\" }\n  }\n}\n",
        )
        .commit_all("base");
    repo.write("stack/random.tf", RANDOM)
        .stage(&["stack/random.tf"]);
    assert!(!check_staged(&repo)
        .rule_names()
        .contains(&"not-allowed".to_owned()));
    // An existing resource, its file edited elsewhere: nothing new.
    let repo = allowlisted_repo();
    repo.write("stack/random.tf", RANDOM)
        .commit_all("random, before the list mattered");
    repo.write("stack/random.tf", &RANDOM.replace("16", "32"))
        .stage(&["stack/random.tf"]);
    assert_silent(&check_staged(&repo));
    // No allowlist: nothing to judge against.
    assert_silent(&judge_added("stack/random.tf", RANDOM));
}

const GO_SUM: &str = "infra/go.sum";
const AWS_SUM: &str = "github.com/pulumi/pulumi-aws/sdk/v6 v6.1.0 h1:q8dJp5cDhKhOq6jdzKBaMKPBlGb6fQ1xCKtA8Vg1fYg=\ngithub.com/pulumi/pulumi-aws/sdk/v6 v6.1.0/go.mod h1:Ym2SO1nYtN7w3bVR2AvBYK6H0d2UcRMbn1Gm0l7vUys=\ngolang.org/x/net v0.20.0 h1:aCL9BSgETF1k+blQaYUBx9hJ9LOGP3gAVemcZlf1Kpo=\n";

#[test]
fn a_go_sum_hash_replaced_at_the_same_version_is_a_lock_tamper_at_pre_commit() {
    let tampered = AWS_SUM.replace(
        "q8dJp5cDhKhOq6jdzKBaMKPBlGb6fQ1xCKtA8Vg1fYg=",
        "ZZZZp5cDhKhOq6jdzKBaMKPBlGb6fQ1xCKtA8Vg1fYg=",
    );
    let run = judge_change(GO_SUM, AWS_SUM, &tampered);
    assert_rule_at(&run, "lock-tamper", GO_SUM, 1);
    // A second hash for the same version: another content go accepts.
    let added = format!(
        "{AWS_SUM}golang.org/x/net v0.20.0 h1:EVILBSgETF1k+blQaYUBx9hJ9LOGP3gAVemcZlf1Kpo=\n"
    );
    assert_rule_at(
        &judge_change(GO_SUM, AWS_SUM, &added),
        "lock-tamper",
        GO_SUM,
        3,
    );
}

#[test]
fn a_go_sum_hash_replaced_at_the_same_version_is_a_lock_tamper_in_a_range() {
    let tampered = AWS_SUM.replace(
        "Ym2SO1nYtN7w3bVR2AvBYK6H0d2UcRMbn1Gm0l7vUys=",
        "EVILO1nYtN7w3bVR2AvBYK6H0d2UcRMbn1Gm0l7vUys=",
    );
    let run = judge_range(GO_SUM, Some(AWS_SUM), &tampered);
    assert_rule_at(&run, "lock-tamper", GO_SUM, 2);
}

#[test]
fn go_sum_lines_that_come_and_go_with_versions_stay_silent() {
    // A bump: the old version's lines go, the new version's come.
    let bumped = AWS_SUM
        .replace("v6.1.0 h1:q8dJp5", "v6.2.0 h1:NEWJp5")
        .replace("v6.1.0/go.mod h1:Ym2", "v6.2.0/go.mod h1:NEW");
    assert_silent(&judge_change(GO_SUM, AWS_SUM, &bumped));
    // `go mod tidy` dropping a module and adding another.
    let tidied = AWS_SUM.replace(
        "golang.org/x/net v0.20.0 h1:aCL9BSgETF1k+blQaYUBx9hJ9LOGP3gAVemcZlf1Kpo=\n",
        "golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n",
    );
    assert_silent(&judge_change(GO_SUM, AWS_SUM, &tidied));
    // A new go.sum.
    assert_silent(&judge_added(GO_SUM, AWS_SUM));
    // Vendored code changed at an unchanged version: in the reviewer's diff.
    let repo = TestRepo::new();
    repo.write(GO_SUM, AWS_SUM)
        .write(
            "infra/vendor/modules.txt",
            "# github.com/pulumi/pulumi-aws/sdk/v6 v6.1.0\n",
        )
        .write(
            "infra/vendor/github.com/pulumi/pulumi-aws/sdk/v6/go/aws/provider.go",
            "package aws\n",
        )
        .commit_all("vendored");
    repo.write(
        "infra/vendor/github.com/pulumi/pulumi-aws/sdk/v6/go/aws/provider.go",
        "package aws\n\nfunc init() {}\n",
    )
    .stage(&["infra"]);
    assert_silent(&check_staged(&repo));
}

#[test]
fn a_malformed_go_sum_fails_closed() {
    let run = judge_change(
        GO_SUM,
        AWS_SUM,
        &format!("{AWS_SUM}golang.org/x/net v0.21.0\n"),
    );
    assert_rule_at(&run, "parse-error", GO_SUM, 4);
}

#[test]
fn a_merge_that_takes_a_resource_from_its_branch_is_not_judged_twice() {
    let repo = allowlisted_repo();
    repo.git(&["checkout", "-q", "-b", "feat"]);
    repo.write("stack/random.tf", RANDOM)
        .stage(&["stack/random.tf"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "random"]);
    let feat = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["checkout", "-q", "-"]);
    repo.write("README.md", "y\n").commit_all("other");
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-verify",
        "-m",
        "merge",
        "feat",
    ]);
    let merge = repo.iacgate(&["check", "--commit", "HEAD", "--format", "json"]);
    assert!(
        !merge.rule_names().contains(&"not-allowed".to_owned()),
        "judged on the branch: {}",
        merge.stdout
    );
    let branch = repo.iacgate(&["check", "--commit", &feat, "--format", "json"]);
    assert_rule_at(&branch, "not-allowed", "stack/random.tf", 1);
}

#[test]
fn the_head_written_to_github_env_is_blocked_at_pre_commit_and_in_a_range() {
    let steps = format!(
        "      - run: echo \"PR_HEAD=${{{{ github.event.pull_request.head.sha }}}}\" >> \"$GITHUB_ENV\"\n      - uses: actions/checkout@{SHA}\n        with:\n          ref: ${{{{ env.PR_HEAD }}}}\n      - run: make\n"
    );
    let text = workflow("pull_request_target", "", &steps);
    let at = line_of(&text, "ref: ${{ env.PR_HEAD }}");
    assert_rule_at(
        &judge_added(WORKFLOW, &text),
        "pipeline-permissions",
        WORKFLOW,
        at,
    );
    let before = workflow("pull_request_target", "", "      - run: make\n");
    assert_rule_at(
        &judge_range(WORKFLOW, Some(&before), &text),
        "pipeline-permissions",
        WORKFLOW,
        at,
    );
}
