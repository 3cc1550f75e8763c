//! What the consumer really loads, when the blob says something else: Git
//! LFS pointers, requirement options and `replace` directives that move
//! where a pinned package comes from, and pull-request-target checkouts of
//! the head written in ways a text match misses.

use crate::util::{check_staged, Run, TestRepo};

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
