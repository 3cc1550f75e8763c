//! Pipelines and packages through real repositories: GitHub Actions (pins
//! and permissions), GitLab CI, Helm, Kustomize, container images and
//! Ansible. For each: an unpinned addition, a version change, a source
//! change, and what must stay silent.

use crate::util::{check_staged, judge_added as added, judge_change as change, TestRepo, SHA};

const SHA2: &str = "89abcdef0123456789abcdef0123456789abcdef";
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const DIGEST2: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

mod github_actions {
    use super::*;

    const PATH: &str = ".github/workflows/terraform.yml";

    fn workflow(steps: &str) -> String {
        format!(
            "name: terraform\non:\n  pull_request:\npermissions:\n  contents: read\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
        )
    }

    fn step(uses: &str) -> String {
        format!("      - uses: {uses}\n")
    }

    #[test]
    fn an_action_on_a_branch_or_tag_is_blocked_and_a_sha_is_not() {
        let run = added(PATH, &workflow(&step("hashicorp/setup-terraform@main")));
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rules(),
            [("unpinned".into(), PATH.into(), 10)],
            "{}",
            run.stdout
        );
        assert_eq!(run.json()["findings"][0]["ecosystem"], "github-actions");
        assert_eq!(run.json()["findings"][0]["kind"], "action");

        let run = added(PATH, &workflow(&step("actions/checkout@v4")));
        assert_eq!(run.sorted_rules(), ["unpinned"], "{}", run.stdout);

        let run = added(
            PATH,
            &workflow(&step(&format!("actions/checkout@{SHA} # v4.2.2"))),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert_eq!(run.sorted_rules(), ["new-dependency"]);
    }

    #[test]
    fn tags_are_accepted_when_the_policy_says_so() {
        let repo = TestRepo::new();
        repo.write(".iacgate.toml", "[pinning]\nactions = \"tag\"\n")
            .commit_all("policy");
        repo.write(PATH, &workflow(&step("actions/checkout@v4")))
            .stage(&[PATH]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 0, "{}", run.stdout);
        // A branch is never a tag.
        repo.write(PATH, &workflow(&step("actions/checkout@main")))
            .stage(&[PATH]);
        assert_eq!(check_staged(&repo).code, 1);
    }

    #[test]
    fn a_sha_bump_needs_a_signoff_and_names_its_comments() {
        let before = workflow(&step(&format!("actions/checkout@{SHA} # v4.1.0")));
        let after = workflow(&step(&format!("actions/checkout@{SHA2} # v4.2.2")));
        let run = change(PATH, &before, &after);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.sorted_rules(), ["version-change"]);
        let message = &run.messages()[0];
        assert!(
            message.contains("(v4.1.0)") && message.contains("(upgrade)"),
            "{message}"
        );

        // The pin moved and the comment did not: called out.
        let after = workflow(&step(&format!("actions/checkout@{SHA2} # v4.1.0")));
        let run = change(PATH, &before, &after);
        assert!(
            run.messages()[0].contains("still says v4.1.0"),
            "{}",
            run.stdout
        );

        // The comment moves backwards: called out.
        let after = workflow(&step(&format!("actions/checkout@{SHA2} # v3.6.0")));
        let run = change(PATH, &before, &after);
        assert!(run.messages()[0].contains("backwards"), "{}", run.stdout);
    }

    #[test]
    fn a_reusable_workflow_from_another_repository_is_a_source_change() {
        let job = |uses: &str| {
            format!("name: deploy\non: push\npermissions:\n  contents: read\njobs:\n  deploy:\n    uses: {uses}\n")
        };
        let run = change(
            PATH,
            &job(&format!("acme/workflows/.github/workflows/tf.yml@{SHA}")),
            &job(&format!(
                "acme-evil/workflows/.github/workflows/tf.yml@{SHA}"
            )),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.sorted_rules(), ["source-change"]);
    }

    #[test]
    fn a_swap_that_also_changes_the_identity_still_needs_a_signoff() {
        let before = workflow(&step(&format!("actions/checkout@{SHA}")));
        // A look-alike owner: the step's identity (its action) changes too.
        let after = workflow(&step(&format!("actlons/checkout@{SHA}")));
        let run = change(PATH, &before, &after);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.sorted_rules(), ["source-change"]);
        // An id given to the step in the same commit as a new commit.
        let after = workflow(&format!(
            "      - id: checkout\n        uses: actions/checkout@{SHA2}\n"
        ));
        let run = change(PATH, &before, &after);
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
        // Renaming the step's job, nothing else: a refactor.
        let renamed = before.replace("  plan:\n", "  terraform-plan:\n");
        let run = change(PATH, &before, &renamed);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    #[test]
    fn local_actions_and_commented_out_steps_are_silent() {
        let steps = format!(
            "{}{}      # - uses: evil/exfiltrate@main\n",
            step("./.github/actions/setup"),
            step(&format!("actions/checkout@{SHA} # v4.2.2"))
        );
        let before = workflow(&step(&format!("actions/checkout@{SHA} # v4.2.2")));
        let run = change(PATH, &before, &workflow(&steps));
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty(), "{}", run.stdout);
    }

    #[test]
    fn inserting_a_step_changes_no_identity() {
        let one = step(&format!("actions/checkout@{SHA}"));
        let two = format!(
            "{}{one}",
            step(&format!("hashicorp/setup-terraform@{SHA2}"))
        );
        let run = change(PATH, &workflow(&one), &workflow(&two));
        assert_eq!(run.sorted_rules(), ["new-dependency"], "{}", run.stdout);
    }

    #[test]
    fn a_composite_action_is_read_too() {
        let action = |uses: &str| {
            format!("name: setup\nruns:\n  using: composite\n  steps:\n    - uses: {uses}\n")
        };
        let run = added(
            ".github/actions/setup/action.yml",
            &action("aws-actions/configure-aws-credentials@v4"),
        );
        assert_eq!(run.sorted_rules(), ["unpinned"], "{}", run.stdout);
    }

    mod permissions {
        use super::*;

        fn judged(before: &str, after: &str) -> Vec<(String, String, u64)> {
            let run = change(PATH, before, after);
            run.rules()
        }

        const BASE: &str = "on: push\npermissions:\n  contents: read\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - run: terraform plan\n";

        #[test]
        fn write_all_is_blocked() {
            let after = BASE.replace(
                "permissions:\n  contents: read\n",
                "permissions: write-all\n",
            );
            assert_eq!(
                judged(BASE, &after),
                [("pipeline-permissions".into(), PATH.into(), 2)]
            );
        }

        #[test]
        fn a_new_write_scope_on_a_job_is_blocked_and_an_old_one_is_not() {
            let after = BASE.replace(
                "    runs-on: ubuntu-latest\n",
                "    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n",
            );
            let found = judged(BASE, &after);
            assert_eq!(found, [("pipeline-permissions".into(), PATH.into(), 8)]);
            // Already there: silent when something else changes.
            let again = after.replace("terraform plan", "terraform plan -lock=false");
            assert!(judged(&after, &again).is_empty());
        }

        #[test]
        fn a_workflow_without_permissions_is_blocked() {
            let without = BASE.replace("permissions:\n  contents: read\n", "");
            let run = added(PATH, &without);
            assert_eq!(run.code, 1, "{}", run.stdout);
            assert_eq!(run.sorted_rules(), ["pipeline-permissions"]);
        }

        #[test]
        fn a_pull_request_target_checkout_of_the_head_is_blocked() {
            let pwn = format!(
                "on: pull_request_target\npermissions:\n  contents: read\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n        with:\n          ref: ${{{{ github.event.pull_request.head.sha }}}}\n      - run: terraform plan\n"
            );
            let run = added(PATH, &pwn);
            assert_eq!(run.code, 1, "{}", run.stdout);
            assert!(
                run.rules()
                    .contains(&("pipeline-permissions".into(), PATH.into(), 10)),
                "{}",
                run.stdout
            );
            // The same checkout under pull_request is fine.
            let safe = pwn.replace("pull_request_target", "pull_request");
            let run = added(PATH, &safe);
            assert_eq!(run.code, 0, "{}", run.stdout);
        }

        #[test]
        fn a_comment_command_checking_out_the_pull_request_is_blocked() {
            let pwn = format!(
                "on: issue_comment\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n        with:\n          ref: refs/pull/${{{{ github.event.issue.number }}}}/head\n"
            );
            let run = added(PATH, &pwn);
            assert_eq!(run.code, 1, "{}", run.stdout);
            assert!(
                run.rules()
                    .contains(&("pipeline-permissions".into(), PATH.into(), 10)),
                "{}",
                run.stdout
            );
        }

        #[test]
        fn secrets_inherit_to_another_repository_is_blocked() {
            let call = format!("on: push\npermissions:\n  contents: read\njobs:\n  deploy:\n    uses: acme/workflows/.github/workflows/tf.yml@{SHA}\n    secrets: inherit\n");
            let run = added(PATH, &call);
            assert_eq!(run.code, 1, "{}", run.stdout);
            assert!(run
                .sorted_rules()
                .contains(&"pipeline-permissions".to_owned()));
            let local = call.replace(
                &format!("acme/workflows/.github/workflows/tf.yml@{SHA}"),
                "./.github/workflows/tf.yml",
            );
            assert_eq!(added(PATH, &local).code, 0);
        }

        #[test]
        fn a_suppression_with_a_reason_clears_it() {
            let after = BASE.replace(
                "permissions:\n  contents: read\n",
                "permissions:\n  # iacgate:allow pipeline-permissions -- the release job tags the repo\n  contents: write\n",
            );
            // The suppression is the change's own: a reviewer signs it.
            let run = change(PATH, BASE, &after);
            assert_eq!(run.code, 1, "{}", run.stdout);
            let mut rules = run.sorted_rules();
            rules.dedup();
            assert_eq!(rules, ["pipeline-permissions", "policy-change"]);
            assert!(run.json()["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "pipeline-permissions" && f["suppressed"] == true));
        }
    }
}

mod gitlab_ci {
    use super::*;

    const PATH: &str = ".gitlab-ci.yml";

    fn ci(include: &str) -> String {
        format!("include:\n{include}\nstages: [plan]\nplan:\n  stage: plan\n  image: {}\n  script: [terraform plan]\n", format_args!("hashicorp/terraform@{DIGEST}"))
    }

    #[test]
    fn an_include_on_a_branch_is_blocked() {
        let run = added(
            PATH,
            &ci("  - project: acme/ci-templates\n    ref: main\n    file: /terraform.yml"),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.json()["findings"][0]["ecosystem"], "gitlab-ci");
        assert!(run.sorted_rules().contains(&"unpinned".to_owned()));
    }

    #[test]
    fn a_ref_change_needs_a_signoff_and_a_project_change_is_a_source_change() {
        let include = |project: &str, r: &str| {
            ci(&format!(
                "  - project: {project}\n    ref: {r}\n    file: /terraform.yml"
            ))
        };
        let run = change(PATH, &include("acme/ci", SHA), &include("acme/ci", SHA2));
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
        let remote = |integrity: &str| {
            ci(&format!(
                "  - remote: https://example.com/ci.yml\n    integrity: sha256-{integrity}"
            ))
        };
        let run = change(
            PATH,
            &remote("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
            &remote("n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="),
        );
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
        let image = |image: &str| format!("build:\n  image: {image}\n  script: [make]\n");
        let run = change(
            PATH,
            &image(&format!("hashicorp/terraform@{DIGEST}")),
            &image(&format!("hashicorp-evil/terraform@{DIGEST}")),
        );
        assert_eq!(run.sorted_rules(), ["source-change"], "{}", run.stdout);
    }

    #[test]
    fn only_this_very_project_is_skipped() {
        let run = added(
            PATH,
            &ci("  - project: $CI_PROJECT_PATH-templates\n    ref: main\n    file: /x.yml"),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        // This project at its own commit is followed, as a local include.
        let run = added(
            PATH,
            &ci("  - project: $CI_PROJECT_PATH\n    ref: $CI_COMMIT_SHA\n    file: /x.yml"),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        // At a branch it is another version of it, fetched when the
        // pipeline runs: unpinned.
        let run = added(
            PATH,
            &ci("  - project: $CI_PROJECT_PATH\n    ref: main\n    file: /x.yml"),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(
            run.rule_names(),
            ["unpinned", "new-dependency"],
            "{}",
            run.stdout
        );
    }

    #[test]
    fn a_locally_included_file_is_read_wherever_it_lives() {
        let repo = TestRepo::new();
        repo.write(PATH, "include:\n  - local: /ci/jobs.yml\nstages: [plan]\n")
            .write(
                "ci/jobs.yml",
                &format!(
                    "plan:\n  image: hashicorp/terraform@{DIGEST}\n  script: [terraform plan]\n"
                ),
            )
            .commit_all("ci");
        repo.write(
            "ci/jobs.yml",
            "include:\n  - project: grp/ci2\n    file: /x.yml\nplan:\n  image: evil/img:latest\n  script: [terraform plan]\n",
        )
        .stage(&["ci/jobs.yml"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.rules().iter().all(|r| r.1 == "ci/jobs.yml"),
            "{}",
            run.stdout
        );
        assert!(
            run.sorted_rules().contains(&"unpinned".to_owned()),
            "{}",
            run.stdout
        );
        // And in a whole-tree scan.
        repo.git(&["commit", "-q", "--no-verify", "-m", "jobs"]);
        let scan = repo.iacgate(&["scan", "--format", "json"]);
        assert!(
            scan.rules().iter().any(|r| r.1 == "ci/jobs.yml"),
            "{}",
            scan.stdout
        );
    }

    #[test]
    fn local_includes_are_silent() {
        let run = added(PATH, &ci("  - local: /ci/plan.yml"));
        assert_eq!(run.code, 0, "{}", run.stdout);
    }
}

mod helm {
    use super::*;

    const PATH: &str = "charts/app/Chart.yaml";

    fn chart(deps: &str) -> String {
        format!("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n{deps}")
    }

    #[test]
    fn a_range_is_blocked_and_an_exact_version_is_not() {
        let run = added(
            PATH,
            &chart("  - name: redis\n    version: ^18.1\n    repository: https://charts.bitnami.com/bitnami\n"),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.rules(), [("unpinned".into(), PATH.into(), 6)]);
        assert_eq!(run.json()["findings"][0]["kind"], "chart");
        let run = added(
            PATH,
            &chart("  - name: redis\n    version: 18.1.5\n    repository: https://charts.bitnami.com/bitnami\n"),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
    }

    #[test]
    fn a_bump_needs_a_signoff_and_a_repository_swap_is_a_source_change() {
        let dep = |version: &str, repo: &str| {
            chart(&format!(
                "  - name: redis\n    version: {version}\n    repository: {repo}\n"
            ))
        };
        let bitnami = "https://charts.bitnami.com/bitnami";
        let run = change(PATH, &dep("18.1.5", bitnami), &dep("18.2.0", bitnami));
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
        let run = change(
            PATH,
            &dep("18.1.5", bitnami),
            &dep("18.1.5", "https://charts.example.com"),
        );
        assert_eq!(run.sorted_rules(), ["source-change"], "{}", run.stdout);
    }

    #[test]
    fn a_local_subchart_is_silent() {
        let run = added(
            PATH,
            &chart("  - name: common\n    version: \"*\"\n    repository: file://../common\n"),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty());
    }
}

mod kustomize {
    use super::*;

    const PATH: &str = "overlays/prod/kustomization.yaml";

    fn kustomization(resources: &str) -> String {
        format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n{resources}")
    }

    #[test]
    fn a_remote_without_a_commit_is_blocked() {
        let run = added(
            PATH,
            &kustomization("  - https://github.com/acme/k8s//base?ref=main\n"),
        );
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.rules(), [("unpinned".into(), PATH.into(), 5)]);
    }

    #[test]
    fn a_ref_change_and_an_image_swap() {
        let remote =
            |r: &str| kustomization(&format!("  - https://github.com/acme/k8s//base?ref={r}\n"));
        let run = change(PATH, &remote(SHA), &remote(SHA2));
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
        let images = |name: &str| {
            format!("resources:\n  - base\nimages:\n  - name: app\n    newName: {name}\n    digest: {DIGEST}\n")
        };
        let run = change(
            PATH,
            &images("ghcr.io/acme/app"),
            &images("ghcr.io/acme-evil/app"),
        );
        assert_eq!(run.sorted_rules(), ["source-change"], "{}", run.stdout);
    }

    #[test]
    fn local_resources_are_silent() {
        let run = added(PATH, &kustomization("  - deployment.yaml\n"));
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.rule_names().is_empty());
    }
}

mod images {
    use super::*;

    #[test]
    fn dockerfile_tags_are_blocked_digests_pass_and_stages_are_not_images() {
        let dockerfile = |base: &str| {
            format!("FROM {base} AS build\nRUN make\n\nFROM scratch\nCOPY --from=build /app /app\n")
        };
        let run = added("Dockerfile", &dockerfile("golang:1.23"));
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.rules(), [("unpinned".into(), "Dockerfile".into(), 1)]);
        assert_eq!(run.json()["findings"][0]["kind"], "image");
        let run = added("Dockerfile", &dockerfile(&format!("golang:1.23@{DIGEST}")));
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert_eq!(run.sorted_rules(), ["new-dependency"]);
        let run = change(
            "Dockerfile",
            &dockerfile(&format!("golang:1.23@{DIGEST}")),
            &dockerfile(&format!("golang:1.23@{DIGEST2}")),
        );
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
    }

    #[test]
    fn dockerfiles_and_compose_files_by_their_usual_names() {
        for path in [
            "Dockerfile-prod",
            "build/prod-Dockerfile",
            "Containerfile.dev",
        ] {
            let run = added(path, "FROM alpine:3.20\n");
            assert_eq!(run.rules(), [("unpinned".into(), path.into(), 1)], "{path}");
        }
        for path in ["docker-compose-dev.yml", "ci/compose-prod.yaml"] {
            let run = added(path, "services:\n  db:\n    image: postgres\n");
            assert_eq!(run.rules(), [("unpinned".into(), path.into(), 3)], "{path}");
        }
    }

    #[test]
    fn latest_is_never_pinned_even_under_tag_pinning() {
        let repo = TestRepo::new();
        repo.write(".iacgate.toml", "[pinning]\nimages = \"tag\"\n")
            .commit_all("policy");
        let compose = |image: &str| format!("services:\n  db:\n    image: {image}\n");
        repo.write("compose.yaml", &compose("postgres:16.4"))
            .stage(&["compose.yaml"]);
        assert_eq!(check_staged(&repo).code, 0);
        repo.write("compose.yaml", &compose("postgres:latest"))
            .stage(&["compose.yaml"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.rules(), [("unpinned".into(), "compose.yaml".into(), 3)]);
    }

    #[test]
    fn kubernetes_manifests_are_found_by_content() {
        let manifest = |image: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: {image}\n")
        };
        let run = added("deploy/api.yaml", &manifest("ghcr.io/acme/api:1.4"));
        assert_eq!(
            run.rules(),
            [("unpinned".into(), "deploy/api.yaml".into(), 10)]
        );
        let run = change(
            "deploy/api.yaml",
            &manifest(&format!("ghcr.io/acme/api@{DIGEST}")),
            &manifest(&format!("ghcr.io/evil/api@{DIGEST}")),
        );
        assert_eq!(run.sorted_rules(), ["source-change"], "{}", run.stdout);
        // A Helm template is not a manifest we can read: not judged.
        let run = added(
            "charts/app/templates/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: {{ .Values.image }}\n",
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
    }

    #[test]
    fn the_allowlist_covers_images() {
        let repo = TestRepo::new();
        repo.write(".iacgate.toml", "[allow]\nimages = [\"ghcr.io/acme/*\"]\n")
            .commit_all("policy");
        repo.write("Dockerfile", &format!("FROM ghcr.io/evil/base@{DIGEST}\n"))
            .stage(&["Dockerfile"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(run.sorted_rules().contains(&"not-allowed".to_owned()));
    }
}

mod ansible {
    use super::*;

    const PATH: &str = "requirements.yml";

    #[test]
    fn a_collection_without_a_version_is_blocked() {
        let run = added(PATH, "collections:\n  - name: community.general\n");
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.rules(), [("unpinned".into(), PATH.into(), 2)]);
        assert_eq!(run.json()["findings"][0]["kind"], "collection");
    }

    #[test]
    fn a_version_change_and_a_role_source_change() {
        let collection =
            |v: &str| format!("collections:\n  - name: community.general\n    version: {v}\n");
        let run = change(PATH, &collection("8.5.0"), &collection("9.0.0"));
        assert_eq!(run.sorted_rules(), ["version-change"], "{}", run.stdout);
        let role = |src: &str| {
            format!("roles:\n  - name: docker\n    src: {src}\n    version: {SHA}\n    scm: git\n")
        };
        let run = change(
            PATH,
            &role("https://github.com/acme/ansible-role-docker"),
            &role("https://github.com/acme-evil/ansible-role-docker"),
        );
        assert_eq!(run.sorted_rules(), ["source-change"], "{}", run.stdout);
    }
}
