//! The pre-commit framework and lefthook, installed from PyPI into a venv
//! under target/, driving real commits and pushes in scratch repositories.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::util::{bin, Run, TestRepo};

const PRE_COMMIT: &str = "pre-commit==4.7.0";
const HUSKY: &str = "husky@9.1.7";
const LEFTHOOK: &str = "lefthook==2.2.2";

/// The venv's bin directory, made once per test run (reused across runs).
fn tools() -> &'static PathBuf {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tools-venv");
        let bin = venv.join("bin");
        if !(bin.join("pre-commit").exists() && bin.join("lefthook").exists()) {
            let status = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 is needed for the framework tests");
            assert!(status.success(), "python3 -m venv failed");
            let status = Command::new(bin.join("pip"))
                .args(["install", "-q", PRE_COMMIT, LEFTHOOK])
                .status()
                .expect("pip");
            assert!(
                status.success(),
                "pip install {PRE_COMMIT} {LEFTHOOK} failed"
            );
        }
        bin
    })
}

/// PATH with the built binary, then the venv's tools, then the rest.
fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![bin().parent().unwrap().to_path_buf(), tools().clone()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

fn run(repo: &TestRepo, program: &str, args: &[&str]) -> Run {
    let real_home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let mut cmd = repo.command(program);
    cmd.args(args)
        .env("PATH", path_with_tools())
        // The framework builds the hook with cargo: the machine's toolchain
        // and crate cache, whatever HOME the test gives git.
        .env(
            "CARGO_HOME",
            std::env::var_os("CARGO_HOME").unwrap_or_else(|| real_home.join(".cargo").into()),
        )
        .env(
            "RUSTUP_HOME",
            std::env::var_os("RUSTUP_HOME").unwrap_or_else(|| real_home.join(".rustup").into()),
        )
        .env(
            "PRE_COMMIT_HOME",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-home"),
        );
    Run::from(cmd.output().unwrap())
}

const UNPINNED: &str =
    "module \"a\" {\n  source = \"git::https://example.com/a.git?ref=main\"\n}\n";
const PINNED: &str = "module \"a\" {\n  source  = \"acme/a/aws\"\n  version = \"1.0.0\"\n}\n";

/// A bad commit is refused, a good one made, a bump without a trailer
/// refused at commit-msg, and a --no-verify bump refused at push.
fn exercise(repo: &TestRepo) {
    repo.write("main.tf", UNPINNED).stage(&["main.tf"]);
    let bad = run(repo, "git", &["commit", "-m", "unpinned"]);
    assert_ne!(bad.code, 0, "{}{}", bad.stdout, bad.stderr);
    assert!(format!("{}{}", bad.stdout, bad.stderr).contains("error[unpinned]"));

    repo.write("main.tf", PINNED).stage(&["main.tf"]);
    let good = run(repo, "git", &["commit", "-m", "pinned"]);
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);

    repo.write("main.tf", &PINNED.replace("1.0.0", "1.1.0"))
        .stage(&["main.tf"]);
    let unsigned = run(repo, "git", &["commit", "-m", "bump"]);
    assert_ne!(unsigned.code, 0, "{}{}", unsigned.stdout, unsigned.stderr);
    let signed = run(
        repo,
        "git",
        &[
            "commit",
            "-m",
            "bump",
            "--trailer",
            "Reviewed-by: Bob <bob@example.com>",
        ],
    );
    assert_eq!(signed.code, 0, "{}{}", signed.stdout, signed.stderr);

    let _bare = repo.bare_remote();
    let push = run(repo, "git", &["push", "origin", "main"]);
    assert_eq!(push.code, 0, "{}{}", push.stdout, push.stderr);
    repo.write("main.tf", &PINNED.replace("1.0.0", "1.2.0"));
    repo.git(&["commit", "-q", "--no-verify", "-am", "sneaky bump"]);
    let push = run(repo, "git", &["push", "origin", "main"]);
    assert_ne!(push.code, 0, "{}{}", push.stdout, push.stderr);
    let all = format!("{}{}", push.stdout, push.stderr);
    assert!(
        all.contains("error[version-change]") && all.contains("sneaky bump"),
        "{all}"
    );
}

#[test]
fn the_pre_commit_framework_runs_the_published_hooks() {
    let repo = TestRepo::new();
    let source = env!("CARGO_MANIFEST_DIR");
    let rev = Command::new("git")
        .args(["-C", source, "rev-parse", "HEAD"])
        .output()
        .unwrap();
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_owned();
    repo.write(
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n      - id: iacgate\n      - id: iacgate-commit-msg\n      - id: iacgate-pre-push\n"
        ),
    )
    .commit_all("pre-commit config");
    let install = run(
        &repo,
        "pre-commit",
        &[
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "commit-msg",
            "--hook-type",
            "pre-push",
        ],
    );
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
    exercise(&repo);
}

#[test]
fn lefthook_runs_the_documented_recipe() {
    let repo = TestRepo::new();
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/integrations.md"),
    )
    .unwrap();
    // The recipe as the docs give it.
    let recipe = doc
        .split("```yaml\n# lefthook.yml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/integrations.md has a lefthook.yml recipe");
    repo.write("lefthook.yml", recipe)
        .commit_all("lefthook config");
    let install = run(&repo, "lefthook", &["install"]);
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
    exercise(&repo);
}

/// husky's own `husky` command, installed from npm under target/.
fn husky() -> PathBuf {
    static HUSKY_BIN: OnceLock<PathBuf> = OnceLock::new();
    HUSKY_BIN
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("husky");
            let bin = dir.join("node_modules/.bin/husky");
            if !bin.exists() {
                std::fs::create_dir_all(&dir).unwrap();
                let status = Command::new("npm")
                    .args(["install", "-q", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&dir)
                    .arg(HUSKY)
                    .status()
                    .expect("npm is needed for the husky test");
                assert!(status.success(), "npm install {HUSKY} failed");
            }
            bin
        })
        .clone()
}

#[test]
fn husky_runs_the_documented_recipe() {
    let repo = TestRepo::new();
    let setup = run(&repo, &husky().display().to_string(), &[]);
    assert_eq!(setup.code, 0, "{}{}", setup.stdout, setup.stderr);
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/integrations.md"),
    )
    .unwrap();
    let recipe = doc
        .split("## husky")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("docs/integrations.md has a husky recipe");
    let made = run(&repo, "sh", &["-c", recipe]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    repo.commit_all("husky hooks");
    exercise(&repo);
}
