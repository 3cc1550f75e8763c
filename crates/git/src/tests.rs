//! Tests against real temporary repositories and the real git.

use super::*;
use std::io::Write;
use std::sync::Once;

/// Variables from the environment of the test process that must not leak
/// into the test repositories (tests may themselves run under a git hook).
const SCRUB: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "EMAIL",
];

pub(crate) struct Fixture {
    _tmp: tempfile::TempDir,
    pub(crate) home: PathBuf,
    pub(crate) dir: PathBuf,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture::with_init(&["init", "-q"])
    }

    pub(crate) fn with_init(init: &[&str]) -> Fixture {
        isolate_libgit2_config();
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test Author\n\temail = author@example.com\n",
        )
        .unwrap();
        let fx = Fixture {
            _tmp: tmp,
            home,
            dir,
        };
        let mut args: Vec<&str> = init.to_vec();
        let dir = fx.dir.to_str().unwrap().to_owned();
        args.push(&dir);
        fx.git_in(fx.home.as_path(), &args, &[]);
        // libgit2 does not see the test global config; give it the identity
        // through the repository config.
        fx.git(&["config", "user.name", "Test Author"]);
        fx.git(&["config", "user.email", "author@example.com"]);
        fx
    }

    pub(crate) fn env(&self) -> Vec<EnvOverride> {
        let mut env: Vec<EnvOverride> = SCRUB.iter().map(|k| (OsString::from(k), None)).collect();
        env.push(("HOME".into(), Some(self.home.clone().into())));
        env.push(("GIT_CONFIG_NOSYSTEM".into(), Some("1".into())));
        env.push((
            "GIT_CONFIG_GLOBAL".into(),
            Some(self.home.join(".gitconfig").into()),
        ));
        env
    }

    pub(crate) fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.dir, args, &[])
    }

    pub(crate) fn git_env(&self, args: &[&str], extra: &[(&str, &OsStr)]) -> String {
        self.git_in(&self.dir, args, extra)
    }

    pub(crate) fn git_in(&self, cwd: &Path, args: &[&str], extra: &[(&str, &OsStr)]) -> String {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(cwd);
        for (k, v) in self.env() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    pub(crate) fn write(&self, path: &str, contents: &str) {
        let p = self.dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub(crate) fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    pub(crate) fn repo(&self) -> Repo {
        Repo::open_with_env(&self.dir, self.env()).unwrap()
    }

    pub(crate) fn repo_with(&self, extra: &[(&str, Option<&OsStr>)]) -> Repo {
        let mut env = self.env();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| (OsString::from(k), v.map(OsString::from))),
        );
        Repo::open_with_env(&self.dir, env).unwrap()
    }
}

/// libgit2 reads global/system config from process-wide search paths; point
/// them at an empty directory so the developer's config does not leak in.
fn isolate_libgit2_config() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let empty = std::env::temp_dir().join(format!("iacgate-git-tests-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: runs once, before any test touches libgit2 (every
            // libgit2-using test starts with a Fixture).
            unsafe { git2::opts::set_search_path(level, empty.as_os_str()).unwrap() };
        }
    });
}

pub(crate) const TF: &[&str] = &[":(glob)**/*.tf", ":(glob)**/.terraform.lock.hcl"];

pub(crate) fn by_path(changes: &[FileChange], path: &str) -> FileChange {
    changes
        .iter()
        .find(|c| c.path() == path)
        .unwrap_or_else(|| panic!("no change for {path} in {changes:#?}"))
        .clone()
}

pub(crate) fn text(bytes: &Option<Vec<u8>>) -> Option<&str> {
    bytes.as_deref().map(|b| std::str::from_utf8(b).unwrap())
}

#[test]
fn staged_added_modified_deleted() {
    let fx = Fixture::new();
    fx.write("stacks/net/main.tf", "module \"vpc\" {}\n");
    fx.write("stacks/net/old.tf", "old\n");
    fx.write("README.md", "readme\n");
    fx.commit("init");

    fx.write("stacks/net/main.tf", "module \"vpc\" { version = \"1\" }\n");
    fx.write("stacks/app/new.tf", "new\n");
    fx.write("stacks/app/.terraform.lock.hcl", "lock\n");
    fx.write("README.md", "changed\n");
    std::fs::remove_file(fx.dir.join("stacks/net/old.tf")).unwrap();
    fx.git(&["add", "-A"]);

    let repo = fx.repo();
    assert!(!repo.is_unborn());
    let changes = repo.staged_changes(TF).unwrap();
    let mut paths: Vec<&str> = changes.iter().map(FileChange::path).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "stacks/app/.terraform.lock.hcl",
            "stacks/app/new.tf",
            "stacks/net/main.tf",
            "stacks/net/old.tf"
        ]
    );

    let m = by_path(&changes, "stacks/net/main.tf");
    assert_eq!(m.status, ChangeStatus::Modified);
    assert_eq!(m.old_path.as_deref(), Some("stacks/net/main.tf"));
    assert_eq!(text(&m.old), Some("module \"vpc\" {}\n"));
    assert_eq!(text(&m.new), Some("module \"vpc\" { version = \"1\" }\n"));
    assert_eq!((m.old_mode, m.new_mode), (0o100644, 0o100644));
    assert!(!m.is_pure_rename());

    let a = by_path(&changes, "stacks/app/new.tf");
    assert_eq!(a.status, ChangeStatus::Added);
    assert_eq!(a.old_path, None);
    assert_eq!(a.old, None);
    assert_eq!(a.old_id, None);
    assert_eq!(a.old_mode, 0);
    assert_eq!(text(&a.new), Some("new\n"));
    assert_eq!(
        a.new_id.as_deref(),
        Some(fx.git(&["rev-parse", ":stacks/app/new.tf"]).as_str())
    );

    let d = by_path(&changes, "stacks/net/old.tf");
    assert_eq!(d.status, ChangeStatus::Deleted);
    assert_eq!(d.new_path, None);
    assert_eq!(d.new, None);
    assert_eq!(d.new_mode, 0);
    assert_eq!(text(&d.old), Some("old\n"));

    // No pathspec: everything.
    assert_eq!(repo.staged_changes(&[]).unwrap().len(), 5);
}

#[test]
fn nothing_matched_is_empty() {
    let fx = Fixture::new();
    fx.write("main.tf", "a\n");
    fx.commit("init");
    fx.write("README.md", "x\n");
    fx.git(&["add", "-A"]);
    let repo = fx.repo();
    assert!(repo.staged_changes(TF).unwrap().is_empty());
    fx.commit("docs");
    assert!(repo.commit_changes("HEAD", TF).unwrap().is_empty());
}

#[test]
fn renames_pure_and_edited() {
    let fx = Fixture::new();
    let body: String = (0..40).map(|i| format!("line {i}\n")).collect();
    fx.write("a/moved.tf", &body);
    fx.write("a/edited.tf", &body.replace("line", "row"));
    fx.commit("init");

    std::fs::create_dir(fx.dir.join("b")).unwrap();
    fx.git(&["mv", "a/moved.tf", "b/moved.tf"]);
    fx.git(&["mv", "a/edited.tf", "b/edited.tf"]);
    fx.write("b/edited.tf", &(body.replace("line", "row") + "one more\n"));
    fx.git(&["add", "-A"]);

    let changes = fx.repo().staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 2, "{changes:#?}");

    let pure = by_path(&changes, "b/moved.tf");
    assert_eq!(pure.status, ChangeStatus::Renamed { score: 100 });
    assert_eq!(pure.old_path.as_deref(), Some("a/moved.tf"));
    assert!(pure.is_pure_rename());
    assert_eq!(pure.old, pure.new);

    let edited = by_path(&changes, "b/edited.tf");
    let ChangeStatus::Renamed { score } = edited.status else {
        panic!("not a rename: {edited:?}")
    };
    assert!((50..100).contains(&score), "{score}");
    assert!(!edited.is_pure_rename());
    assert_eq!(edited.old_path.as_deref(), Some("a/edited.tf"));
    assert!(text(&edited.new).unwrap().ends_with("one more\n"));
}

#[test]
fn unborn_head_initial_commit() {
    let fx = Fixture::new();
    let repo = fx.repo();
    assert!(repo.is_unborn());
    assert!(repo.staged_changes(TF).unwrap().is_empty());

    fx.write("main.tf", "terraform {}\n");
    fx.write("mod/x.tf", "x\n");
    fx.write("notes.txt", "n\n");
    fx.git(&["add", "-A"]);
    let repo = fx.repo();
    assert!(repo.is_unborn());
    let changes = repo.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c.status == ChangeStatus::Added));
    assert_eq!(
        text(&by_path(&changes, "main.tf").new),
        Some("terraform {}\n")
    );
    assert!(matches!(
        repo.file_at("HEAD", "main.tf"),
        Err(GitError::Revision { .. })
    ));
}

#[test]
fn partial_staging_reads_the_index_blob() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    fx.commit("init");

    // Stage a blob that is not in the work tree (as `git add -p` does).
    let staged = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(staged.path(), "v2 staged\n").unwrap();
    let sha = fx.git(&["hash-object", "-w", staged.path().to_str().unwrap()]);
    fx.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{sha},main.tf"),
    ]);
    fx.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{sha},only-in-index.tf"),
    ]);
    fx.write("main.tf", "v3 unstaged work tree\n");

    let repo = fx.repo();
    let changes = repo.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 2);
    let m = by_path(&changes, "main.tf");
    assert_eq!(text(&m.new), Some("v2 staged\n"));
    assert_eq!(text(&m.old), Some("v1\n"));
    assert_eq!(m.new_id.as_deref(), Some(sha.as_str()));
    assert_eq!(
        repo.index_file("main.tf").unwrap().as_deref(),
        Some(&b"v2 staged\n"[..])
    );
}

#[test]
fn custom_index_file() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    fx.write("other.tf", "o1\n");
    fx.commit("init");
    // The default index stages one change...
    fx.write("other.tf", "o2 in default index\n");
    fx.git(&["add", "other.tf"]);

    // ...a second index, as `git commit -a` / `git commit <paths>` make,
    // stages another.
    let alt = fx.dir.join(".git").join("alt-index");
    let alt_env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", alt.as_os_str())];
    fx.git_env(&["read-tree", "HEAD"], &alt_env);
    fx.write("main.tf", "v2 in alt index\n");
    fx.git_env(&["update-index", "--add", "main.tf"], &alt_env);

    let repo = fx.repo_with(&[("GIT_INDEX_FILE", Some(alt.as_os_str()))]);
    let changes = repo.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].path(), "main.tf");
    assert_eq!(text(&changes[0].new), Some("v2 in alt index\n"));
    assert_eq!(
        repo.index_file("main.tf").unwrap().as_deref(),
        Some(&b"v2 in alt index\n"[..])
    );
    assert_eq!(
        repo.index_file("other.tf").unwrap().as_deref(),
        Some(&b"o1\n"[..])
    );

    let default = fx.repo();
    let changes = default.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path(), "other.tf");
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed() {
    let fx = Fixture::new();
    fx.write("real.tf", "real contents\n");
    fx.commit("init");
    std::os::unix::fs::symlink("real.tf", fx.dir.join("x.tf")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", fx.dir.join("y.tf")).unwrap();
    fx.git(&["add", "-A"]);

    let repo = fx.repo();
    let changes = repo.staged_changes(TF).unwrap();
    let x = by_path(&changes, "x.tf");
    assert_eq!(x.new_mode, MODE_SYMLINK);
    assert_eq!(text(&x.new), Some("real.tf"));
    let y = by_path(&changes, "y.tf");
    assert_eq!(text(&y.new), Some("/etc/passwd"));
    assert_eq!(
        repo.index_file("y.tf").unwrap().as_deref(),
        Some(&b"/etc/passwd"[..])
    );

    let id = fx.commit("links");
    assert_eq!(
        repo.file_at(&id, "x.tf").unwrap().as_deref(),
        Some(&b"real.tf"[..])
    );
    let changes = repo.commit_changes(&id, TF).unwrap();
    assert_eq!(by_path(&changes, "x.tf").new_mode, MODE_SYMLINK);
}

#[test]
fn submodule_gitlink_has_no_blob() {
    let fx = Fixture::new();
    let head = fx.commit("init");
    fx.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{head},vendor/mod.tf"),
    ]);
    let repo = fx.repo();
    let changes = repo.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].status, ChangeStatus::Added);
    assert_eq!(changes[0].new_mode, MODE_GITLINK);
    assert_eq!(changes[0].new_id.as_deref(), Some(head.as_str()));
    assert_eq!(changes[0].new, None);
    assert_eq!(repo.index_file("vendor/mod.tf").unwrap(), None);
    assert!(repo.index_dir_files("vendor").unwrap().is_empty());
}

#[test]
fn odd_paths() {
    let fx = Fixture::new();
    fx.commit("init");
    for name in [
        "sp ace.tf",
        "tab\there.tf",
        "new\nline.tf",
        "ünï.tf",
        "-dash.tf",
    ] {
        fx.write(name, name);
    }
    fx.git(&["add", "-A"]);
    let changes = fx.repo().staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 5);
    for name in [
        "sp ace.tf",
        "tab\there.tf",
        "new\nline.tf",
        "ünï.tf",
        "-dash.tf",
    ] {
        assert_eq!(text(&by_path(&changes, name).new), Some(name));
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_paths_are_lossy() {
    use std::os::unix::ffi::OsStrExt;
    let fx = Fixture::new();
    fx.commit("init");
    let sha = fx.git(&["hash-object", "-w", "--stdin"]);
    let mut cmd = Command::new("git");
    cmd.current_dir(&fx.dir)
        .args(["update-index", "--add", "--cacheinfo", "100644"]);
    cmd.arg(&sha).arg(OsStr::from_bytes(b"bad\xffname.tf"));
    for (k, v) in fx.env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    assert!(cmd.status().unwrap().success());
    let changes = fx.repo().staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path(), "bad\u{fffd}name.tf");
    assert_eq!(changes[0].new.as_deref(), Some(&b""[..]));
}

#[test]
fn unmerged_paths() {
    let fx = Fixture::new();
    fx.write("main.tf", "base\n");
    fx.commit("init");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.write("main.tf", "side\n");
    fx.commit("side");
    fx.git(&["checkout", "-q", "main"]);
    fx.write("main.tf", "main\n");
    fx.commit("main");
    let out = Command::new("git")
        .current_dir(&fx.dir)
        .args(["merge", "-q", "side"])
        .envs(fx.env().into_iter().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .unwrap();
    assert!(!out.status.success(), "merge should conflict");

    let repo = fx.repo();
    let changes = repo.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].status, ChangeStatus::Unmerged);
    assert_eq!(text(&changes[0].old), Some("main\n"));
    assert_eq!(changes[0].new, None);
    assert_eq!(repo.index_file("main.tf").unwrap(), None);
    assert!(repo.index_dir_files("").unwrap().is_empty());
}

#[test]
fn commit_changes_root_normal_and_merge() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    fx.write("x.txt", "x\n");
    let root = fx.commit("root");
    fx.write("main.tf", "v2\n");
    fx.write("lock/.terraform.lock.hcl", "l\n");
    let second = fx.commit("second");

    let repo = fx.repo();
    let changes = repo.commit_changes(&root, TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].status, ChangeStatus::Added);
    assert_eq!(text(&changes[0].new), Some("v1\n"));

    let changes = repo.commit_changes("HEAD", TF).unwrap();
    assert_eq!(changes.len(), 2);
    let m = by_path(&changes, "main.tf");
    assert_eq!(m.status, ChangeStatus::Modified);
    assert_eq!((text(&m.old), text(&m.new)), (Some("v1\n"), Some("v2\n")));
    assert!(by_path(&changes, "lock/.terraform.lock.hcl").old.is_none());
    assert_eq!(repo.commit_changes(&second[..12], TF).unwrap(), changes);

    // A merge is compared with its first parent.
    fx.git(&["checkout", "-q", "-b", "side", &root]);
    fx.write("side.tf", "s\n");
    fx.commit("side");
    fx.git(&["checkout", "-q", "main"]);
    fx.git(&["merge", "-q", "--no-edit", "side"]);
    let changes = repo.commit_changes("HEAD", TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path(), "side.tf");

    // Revisions are resolved by libgit2, never handed to git as options.
    for bad in ["--output=/tmp/x", "nope", "HEAD~99", ""] {
        assert!(
            matches!(repo.commit_changes(bad, TF), Err(GitError::Revision { .. })),
            "{bad}"
        );
    }
}

#[test]
fn bare_repository() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    fx.commit("root");
    fx.write("main.tf", "v2\n");
    fx.commit("second");
    let bare = fx.home.join("bare.git");
    fx.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    let repo = Repo::open_with_env(&bare, fx.env()).unwrap();
    assert_eq!(repo.workdir(), None);
    let changes = repo.commit_changes("HEAD", TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(text(&changes[0].new), Some("v2\n"));
    assert_eq!(
        repo.file_at("HEAD~1", "main.tf").unwrap().as_deref(),
        Some(&b"v1\n"[..])
    );
}

#[test]
fn commit_info_fields() {
    let fx = Fixture::new();
    fx.write("main.tf", "x\n");
    fx.git(&["add", "-A"]);
    let message = "Bump vpc\n\nBody line.\n\nReviewed-by: Rev <rev@example.com>\n";
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(message.as_bytes()).unwrap();
    fx.git_env(
        &[
            "commit",
            "-q",
            "--cleanup=verbatim",
            "-F",
            file.path().to_str().unwrap(),
        ],
        &[
            ("GIT_AUTHOR_NAME", OsStr::new("Ann Author")),
            ("GIT_AUTHOR_EMAIL", OsStr::new("ann@example.com")),
            ("GIT_COMMITTER_NAME", OsStr::new("Carl Committer")),
            ("GIT_COMMITTER_EMAIL", OsStr::new("carl@example.com")),
        ],
    );
    let head = fx.git(&["rev-parse", "HEAD"]);
    let info = fx.repo().commit_info("HEAD").unwrap();
    assert_eq!(info.id, head);
    assert_eq!(info.summary, "Bump vpc");
    assert_eq!(info.message, message);
    assert_eq!(
        info.author,
        Identity {
            name: "Ann Author".into(),
            email: "ann@example.com".into()
        }
    );
    assert_eq!(info.committer.email, "carl@example.com");
    assert_eq!(
        parse_trailers(&info.message, '#'),
        vec![Trailer {
            key: "Reviewed-by".into(),
            value: "Rev <rev@example.com>".into()
        }]
    );
    assert!(matches!(
        fx.repo().commit_info("nope"),
        Err(GitError::Revision { .. })
    ));
}

#[test]
fn reading_files_and_dirs() {
    let fx = Fixture::new();
    fx.write(".iacgate.toml", "policy = 1\n");
    fx.write("stacks/net/main.tf", "main\n");
    fx.write("stacks/net/.terraform.lock.hcl", "lock\n");
    fx.write("stacks/net/sub/deep.tf", "deep\n");
    fx.write("stacks/netx/other.tf", "other\n");
    let base = fx.commit("base");
    fx.write(".iacgate.toml", "policy = 2\n");
    fx.write("stacks/net/vars.tf", "vars\n");
    fx.git(&["add", "-A"]);

    let repo = fx.repo();
    // At a revision.
    assert_eq!(
        repo.file_at("HEAD", ".iacgate.toml").unwrap().as_deref(),
        Some(&b"policy = 1\n"[..])
    );
    assert_eq!(
        repo.file_at(&base, "./stacks/net/main.tf")
            .unwrap()
            .as_deref(),
        Some(&b"main\n"[..])
    );
    assert_eq!(repo.file_at("HEAD", "missing.tf").unwrap(), None);
    assert_eq!(repo.file_at("HEAD", "stacks/net").unwrap(), None);
    assert_eq!(repo.file_at("HEAD", "stacks/net/main.tf/x").unwrap(), None);
    assert_eq!(repo.file_at("HEAD", "").unwrap(), None);
    assert_eq!(
        repo.dir_files_at("HEAD", "stacks/net").unwrap(),
        ["stacks/net/.terraform.lock.hcl", "stacks/net/main.tf"]
    );
    assert_eq!(
        repo.dir_files_at("HEAD", "stacks/net/").unwrap(),
        ["stacks/net/.terraform.lock.hcl", "stacks/net/main.tf"]
    );
    assert_eq!(repo.dir_files_at("HEAD", "").unwrap(), [".iacgate.toml"]);
    assert!(repo.dir_files_at("HEAD", "nope").unwrap().is_empty());
    assert!(repo
        .dir_files_at("HEAD", "stacks/net/main.tf")
        .unwrap()
        .is_empty());
    assert!(matches!(
        repo.dir_files_at("nope", ""),
        Err(GitError::Revision { .. })
    ));

    // In the index.
    assert_eq!(
        repo.index_file(".iacgate.toml").unwrap().as_deref(),
        Some(&b"policy = 2\n"[..])
    );
    assert_eq!(repo.index_file("missing.tf").unwrap(), None);
    assert_eq!(repo.index_file("stacks/net").unwrap(), None);
    assert_eq!(
        repo.index_dir_files("stacks/net").unwrap(),
        [
            "stacks/net/.terraform.lock.hcl",
            "stacks/net/main.tf",
            "stacks/net/vars.tf"
        ]
    );
    assert_eq!(repo.index_dir_files("").unwrap(), [".iacgate.toml"]);
    assert_eq!(
        repo.index_dir_files("stacks/netx").unwrap(),
        ["stacks/netx/other.tf"]
    );
    assert!(repo.index_dir_files("stacks").unwrap().is_empty());
    assert!(repo.index_dir_files("zzz").unwrap().is_empty());

    // Intent-to-add entries have no staged contents yet.
    fx.write("ita.tf", "later\n");
    fx.git(&["add", "-N", "ita.tf"]);
    let repo = fx.repo();
    assert_eq!(repo.index_file("ita.tf").unwrap(), None);
    assert!(!repo.index_dir_files("").unwrap().contains(&"ita.tf".into()));
    assert!(repo
        .staged_changes(TF)
        .unwrap()
        .iter()
        .all(|c| c.path() != "ita.tf"));
}

#[test]
fn pending_author_and_comment_char() {
    let fx = Fixture::new();
    let repo = fx.repo();
    assert_eq!(
        repo.pending_author(),
        Some(Identity {
            name: "Test Author".into(),
            email: "author@example.com".into()
        })
    );
    let repo = fx.repo_with(&[
        ("GIT_AUTHOR_NAME", Some(OsStr::new("Env Name"))),
        ("GIT_AUTHOR_EMAIL", Some(OsStr::new("env@example.com"))),
    ]);
    assert_eq!(
        repo.pending_author(),
        Some(Identity {
            name: "Env Name".into(),
            email: "env@example.com".into()
        })
    );
    fx.git(&["config", "author.email", "cfg-author@example.com"]);
    assert_eq!(
        fx.repo().pending_author().unwrap().email,
        "cfg-author@example.com"
    );
    fx.git(&["config", "--unset", "author.email"]);
    fx.git(&["config", "--unset", "user.email"]);
    fx.git(&["config", "--unset", "user.name"]);
    assert_eq!(fx.repo().pending_author(), None);

    assert_eq!(fx.repo().comment_char(), '#');
    fx.git(&["config", "core.commentChar", "auto"]);
    assert_eq!(fx.repo().comment_char(), '#');
    fx.git(&["config", "core.commentChar", ";"]);
    assert_eq!(fx.repo().comment_char(), ';');
}

#[test]
fn errors_name_what_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Repo::open_with_env(tmp.path(), Vec::new()).unwrap_err();
    assert!(matches!(err, GitError::Open { .. }));
    assert!(err
        .to_string()
        .starts_with("cannot open the git repository"));

    let fx = Fixture::new();
    fx.write("main.tf", "x\n");
    fx.commit("init");
    let repo = fx.repo();
    let err = repo.staged_changes(&[":(bogus)x"]).unwrap_err();
    let GitError::Command {
        command, stderr, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        command.starts_with("git -c core.quotepath=off"),
        "{command}"
    );
    assert!(command.ends_with("-- :(bogus)x"), "{command}");
    assert!(stderr.contains("bogus"), "{stderr}");
    assert!(err.to_string().contains(":(bogus)x"));

    let err = repo.commit_info("does-not-exist").unwrap_err();
    assert!(err.to_string().contains("`does-not-exist`"), "{err}");
}
