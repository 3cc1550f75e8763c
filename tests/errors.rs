//! Every way a run can fail ends with a defined exit code (2 for a tool
//! error, never a panic's 101) and a message that names what failed.

use std::process::Command;

use crate::util::{bin, TestRepo};

#[test]
fn tool_errors_exit_2_and_name_what_failed() {
    let repo = TestRepo::new();
    repo.write("main.tf", "# x\n").commit_all("start");
    let cases: &[(&[&str], &str)] = &[
        (&["check", "--commit", "no-such-rev"], "no-such-rev"),
        (&["check", "--range", "no-such..HEAD"], "no-such"),
        (&["check", "--config", "missing.toml"], "missing.toml"),
        (&["scan", "no-such-dir"], "no-such-dir"),
        (&["scan", "--rev", "no-such-rev"], "no-such-rev"),
        (
            &["sbom", "--rev", "no-such-rev", "--format", "spdx"],
            "no-such-rev",
        ),
        (&["explain", "no-such-rule"], "no-such-rule"),
        (&["check", "--format", "yaml"], "yaml"),
    ];
    for (args, named) in cases {
        let run = repo.iacgate(args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(named),
            "{args:?} does not name {named}: {}",
            run.stderr
        );
    }
}

#[test]
fn outside_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["check", "--staged"])
        .current_dir(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("repository"), "{stderr}");
}

#[test]
fn unreadable_iac_files_block_and_name_the_file() {
    let deep = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: &[(&str, &[u8], &str)] = &[
        ("bin/main.tf", b"module \"a\" {\0\0}", "binary"),
        ("utf8/main.tf", b"# caf\xe9\nmodule \"a\" {}\n", "UTF-8"),
        ("deep/main.tf", deep.as_bytes(), "nested"),
        ("ci/.gitlab-ci.yml", b"a: &a [*a, *a, *a]\nb: [", "YAML"),
    ];
    for (path, bytes, why) in cases {
        let repo = TestRepo::new();
        repo.write("README.md", "x\n").commit_all("start");
        repo.write_bytes(path, bytes).stage(&[path]);
        let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
        assert_eq!(run.code, 1, "{path}: {}{}", run.stdout, run.stderr);
        let findings = run.json()["findings"].as_array().unwrap().clone();
        assert_eq!(findings[0]["rule"], "parse-error", "{path}");
        assert_eq!(findings[0]["file"], *path);
        let message = findings[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{path}: {message}");
    }
}

#[test]
fn a_yaml_alias_bomb_fails_closed_fast() {
    let mut bomb = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    let path = ".github/workflows/bomb.yml";
    repo.write(path, &bomb).stage(&[path]);
    let started = std::time::Instant::now();
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rules()[0].0, "parse-error");
    assert_eq!(run.rules()[0].1, path);
}

#[test]
fn a_path_that_is_not_utf8_is_judged_and_named() {
    use std::os::unix::ffi::OsStrExt;
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.tf");
    std::fs::write(
        repo.path().join(name),
        "module \"a\" {\n  source = \"git::https://example.com/a.git?ref=main\"\n}\n",
    )
    .unwrap();
    repo.git(&["add", "-A"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [("unpinned".into(), "caf\u{fffd}.tf".into(), 2)]
    );
}

#[test]
fn deep_json_and_yaml_fail_closed_without_overflowing() {
    let deep_json = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_yaml = format!(
        "on: push\njobs: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for (path, text) in [
        ("stacks/deep.json", deep_json.as_str()),
        (".github/workflows/deep.yml", deep_yaml.as_str()),
    ] {
        let repo = TestRepo::new();
        repo.write("README.md", "x\n").commit_all("start");
        repo.write(path, text).stage(&[path]);
        let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
        assert_eq!(run.code, 1, "{path}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.rules()[0].0, "parse-error", "{path}");
        assert_eq!(run.rules()[0].1, path);
    }
}

#[test]
fn crlf_files_are_read_with_the_right_lines() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    repo.write(
        "main.tf",
        "# stack\r\nmodule \"a\" {\r\n  source = \"git::https://example.com/a.git?ref=main\"\r\n}\r\n",
    )
    .stage(&["main.tf"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.rules(), [("unpinned".into(), "main.tf".into(), 3)]);
    assert_eq!(run.json()["findings"][0]["column"], 12);
}

#[test]
fn huge_hook_input_is_refused_not_read() {
    use std::io::Write;
    let repo = TestRepo::new();
    repo.write("main.tf", "# x\n").commit_all("start");
    for hook in ["pre-push", "pre-receive"] {
        let mut child = repo
            .command(bin())
            .args(["hook", hook])
            .args(if hook == "pre-push" {
                &["origin", "x"][..]
            } else {
                &[][..]
            })
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // 20 MiB of one endless line, written while iacgate reads.
        let writer = std::thread::spawn(move || {
            let chunk = vec![b'a'; 1024 * 1024];
            for _ in 0..20 {
                if stdin.write_all(&chunk).is_err() {
                    break;
                }
            }
        });
        let out = child.wait_with_output().unwrap();
        let _ = writer.join();
        assert_eq!(out.status.code(), Some(2), "{hook}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(hook) && stderr.contains("MiB"),
            "{hook}: {stderr}"
        );
    }
}

#[test]
fn a_linked_json_that_is_no_template_is_not_judged() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    std::fs::create_dir_all(repo.path().join(".vscode")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", repo.path().join(".vscode/settings.json")).unwrap();
    repo.git(&["add", "-A"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}
