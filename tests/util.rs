//! A throwaway git repository and a way to run the real `iacgate` in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct TestRepo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

/// Environment that makes git deterministic and blind to the machine's
/// own configuration.
fn isolate(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice Author")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Author")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_iacgate"))
}

impl TestRepo {
    /// An empty repository on branch `main`.
    pub fn new() -> TestRepo {
        TestRepo::with_init(&[])
    }

    /// An empty repository whose objects are named by SHA-256.
    pub fn new_sha256() -> TestRepo {
        TestRepo::with_init(&["--object-format=sha256"])
    }

    fn with_init(options: &[&str]) -> TestRepo {
        let repo = TestRepo {
            dir: tempfile::tempdir().expect("temp dir"),
            home: tempfile::tempdir().expect("temp home"),
        };
        let mut init = vec!["init", "-q", "-b", "main"];
        init.extend(options);
        repo.git(&init);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, contents: &str) -> &Self {
        self.write_bytes(path, contents.as_bytes())
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).expect("read")
    }

    pub fn write_bytes(&self, path: &str, contents: &[u8]) -> &Self {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, contents).expect("write");
        self
    }

    /// A command in the repository, with the built binary first on PATH so
    /// that installed hooks run this build (never one installed elsewhere).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path());
        isolate(&mut cmd, self.home.path());
        let dir = bin().parent().expect("bin dir").to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![dir];
        paths.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).expect("PATH"));
        cmd
    }

    /// Run git; panics (failing the test) when git fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.command("git").args(args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stage everything and commit it.
    pub fn commit_all(&self, message: &str) -> &Self {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
        self
    }

    pub fn stage(&self, paths: &[&str]) -> &Self {
        let mut args = vec!["add", "--"];
        args.extend(paths);
        self.git(&args);
        self
    }

    pub fn iacgate(&self, args: &[&str]) -> Run {
        Run::from(
            self.command(bin())
                .args(args)
                .output()
                .expect("run iacgate"),
        )
    }

    /// Install the repository's own hook shims, with the built binary on PATH.
    pub fn install_hooks(&self) {
        let hooks = self.path().join(".git/hooks");
        for name in ["pre-commit", "prepare-commit-msg", "commit-msg", "pre-push"] {
            let shim = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("hooks")
                .join(name);
            std::fs::copy(&shim, hooks.join(name)).expect("copy hook");
        }
    }

    /// Run git with the built binary on PATH, so installed hooks find it.
    pub fn git_with_hooks(&self, args: &[&str]) -> Run {
        Run::from(self.command("git").args(args).output().expect("run git"))
    }

    /// A bare repository next to this one (of the same object format),
    /// added as remote `origin`.
    pub fn bare_remote(&self) -> tempfile::TempDir {
        let bare = tempfile::tempdir().expect("temp dir");
        let format = self.git(&["rev-parse", "--show-object-format"]);
        let status = self
            .command("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(format!("--object-format={}", format.trim()))
            .arg(bare.path())
            .status()
            .expect("git init --bare");
        assert!(status.success());
        let url = format!("file://{}", bare.path().display());
        self.git(&["remote", "add", "origin", &url]);
        bare
    }
}

/// The outcome of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The findings of a `--format json` run.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// `(rule, file, line)` of every finding of a `--format json` run.
    pub fn rules(&self) -> Vec<(String, String, u64)> {
        self.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().expect("rule").to_owned(),
                    f["file"].as_str().expect("file").to_owned(),
                    f["line"].as_u64().expect("line"),
                )
            })
            .collect()
    }

    pub fn rule_names(&self) -> Vec<String> {
        self.rules().into_iter().map(|(r, ..)| r).collect()
    }

    /// The rule names, sorted.
    pub fn sorted_rules(&self) -> Vec<String> {
        let mut rules = self.rule_names();
        rules.sort();
        rules
    }

    /// The message of every finding of a `--format json` run.
    pub fn messages(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// `check --staged --format json` in `repo`.
pub fn check_staged(repo: &TestRepo) -> Run {
    repo.iacgate(&["check", "--staged", "--format", "json"])
}

/// Commit `before` at `path`, stage `after`, and judge the change.
pub fn judge_change(path: &str, before: &str, after: &str) -> Run {
    let repo = TestRepo::new();
    repo.write(path, before).commit_all("before");
    repo.write(path, after).stage(&[path]);
    check_staged(&repo)
}

/// Stage a new file at `path` on top of an unrelated commit, and judge it.
pub fn judge_added(path: &str, text: &str) -> Run {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("before");
    repo.write(path, text).stage(&[path]);
    check_staged(&repo)
}

/// A 40-hex commit id that looks real.
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// (rule, file, line) of each finding, as [`Run::rules`] gives them.
pub type Rules = Vec<(String, String, u64)>;

/// The full id of HEAD.
pub fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

/// Stage everything and commit it with the hooks skipped.
pub fn commit(repo: &TestRepo, message: &str) {
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", message]);
}

/// `check --range BASE..HEAD --format json`, as CI runs it.
pub fn range(repo: &TestRepo, base: &str) -> Run {
    repo.iacgate(&[
        "check",
        "--range",
        &format!("{base}..HEAD"),
        "--format",
        "json",
    ])
}

/// Stage everything, check at pre-commit, commit, check the range: both
/// runs, for the caller to judge.
pub fn staged_then_range(repo: &TestRepo, base: &str) -> (Run, Run) {
    repo.git(&["add", "-A"]);
    let staged = check_staged(repo);
    commit(repo, "change");
    (staged, range(repo, base))
}

/// `run` blocks, with `rule` among its findings in `file`.
pub fn blocks(run: &Run, rule: &str, file: &str) {
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let rules = run.rules();
    assert!(
        rules.iter().any(|(r, f, _)| r == rule && f == file),
        "{rule} in {file}: {rules:?}"
    );
}

/// Commit `base`, then write `change` (a `None` deletes) and stage it all:
/// the staged findings and exit code, checked to agree with CI's
/// `check --range` over the same change committed with `--no-verify`.
pub fn judged_both_ways(base: &[(&str, &str)], change: &[(&str, Option<&str>)]) -> (Rules, i32) {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    for (p, text) in base {
        repo.write(p, text);
    }
    repo.commit_all("before");
    for (p, text) in change {
        match text {
            Some(text) => {
                repo.write(p, text);
            }
            None => {
                repo.git(&["rm", "-q", p]);
            }
        }
    }
    repo.git(&["add", "-A"]);
    let staged = check_staged(&repo);
    repo.git(&["commit", "-q", "--no-verify", "-m", "change"]);
    let range = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(staged.rules(), range.rules(), "{}", range.stdout);
    assert_eq!(staged.code, range.code, "{}", range.stdout);
    (staged.rules(), staged.code)
}
