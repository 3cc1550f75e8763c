//! `Repo::open_from_env` with the variables git sets for hooks. This file
//! holds a single test because it changes the process environment and the
//! current directory.

use std::path::Path;
use std::process::Command;

use iacgate_git::{ChangeStatus, Identity, Repo};

fn git(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

#[test]
fn honours_git_dir_work_tree_index_file_and_author_env() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();

    // Before anything (libgit2 included) reads the environment.
    for key in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "EMAIL",
    ] {
        std::env::remove_var(key);
    }
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_CONFIG_HOME", &home);
    std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
    std::env::set_var("GIT_CONFIG_GLOBAL", home.join(".gitconfig"));

    git(tmp.path(), &["init", "-q", "-b", "main", "repo"], &[]);
    git(&dir, &["config", "user.name", "Cfg Name"], &[]);
    git(&dir, &["config", "user.email", "cfg@example.com"], &[]);
    std::fs::write(dir.join("main.tf"), "v1\n").unwrap();
    std::fs::write(dir.join("sub/other.tf"), "o1\n").unwrap();
    git(&dir, &["add", "-A"], &[]);
    git(&dir, &["commit", "-q", "-m", "init"], &[]);

    // A temporary index such as `git commit -a` makes, staging main.tf.
    let alt = dir.join(".git/alt-index");
    git(&dir, &["read-tree", "HEAD"], &[("GIT_INDEX_FILE", &alt)]);
    std::fs::write(dir.join("main.tf"), "v2\n").unwrap();
    git(
        &dir,
        &["update-index", "--add", "main.tf"],
        &[("GIT_INDEX_FILE", &alt)],
    );
    // The default index stages sub/other.tf instead.
    std::fs::write(dir.join("sub/other.tf"), "o2\n").unwrap();
    git(&dir, &["add", "sub/other.tf"], &[]);

    // Run from a subdirectory with relative paths, as a hook might see them.
    std::env::set_current_dir(dir.join("sub")).unwrap();
    std::env::set_var("GIT_DIR", "../.git");
    std::env::set_var("GIT_WORK_TREE", "..");
    std::env::set_var("GIT_INDEX_FILE", "../.git/alt-index");

    let repo = Repo::open_from_env().unwrap();
    let changes = repo
        .staged_changes(&[":(glob)**/*.tf", ":(glob)**/.terraform.lock.hcl"])
        .unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].path(), "main.tf");
    assert_eq!(changes[0].status, ChangeStatus::Modified);
    assert_eq!(changes[0].new.as_deref(), Some(&b"v2\n"[..]));
    assert_eq!(
        repo.index_file("main.tf").unwrap().as_deref(),
        Some(&b"v2\n"[..])
    );
    assert_eq!(
        repo.index_file("sub/other.tf").unwrap().as_deref(),
        Some(&b"o1\n"[..])
    );
    assert_eq!(
        repo.index_dir_files("sub").unwrap(),
        ["sub/other.tf".to_owned()]
    );
    assert_eq!(
        repo.pending_author(),
        Some(Identity {
            name: "Cfg Name".into(),
            email: "cfg@example.com".into()
        })
    );

    // git exports the author to its hooks.
    std::env::set_var("GIT_AUTHOR_NAME", "Hook Author");
    std::env::set_var("GIT_AUTHOR_EMAIL", "hook@example.com");
    assert_eq!(
        repo.pending_author(),
        Some(Identity {
            name: "Hook Author".into(),
            email: "hook@example.com".into()
        })
    );

    // Without GIT_INDEX_FILE, the default index.
    std::env::remove_var("GIT_INDEX_FILE");
    let repo = Repo::open_from_env().unwrap();
    let changes = repo.staged_changes(&[":(glob)**/*.tf"]).unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].path(), "sub/other.tf");
    assert_eq!(changes[0].new.as_deref(), Some(&b"o2\n"[..]));

    // Discovery from the subdirectory, no GIT_DIR.
    std::env::remove_var("GIT_DIR");
    std::env::remove_var("GIT_WORK_TREE");
    let repo = Repo::open_from_env().unwrap();
    assert_eq!(
        repo.workdir().map(|p| p.canonicalize().unwrap()),
        Some(dir.canonicalize().unwrap())
    );
    assert_eq!(repo.staged_changes(&[":(glob)**/*.tf"]).unwrap().len(), 1);
    assert!(!repo.is_unborn());
    let head = repo.commit_info("HEAD").unwrap();
    assert_eq!(head.summary, "init");
    assert_eq!(head.author.email, "cfg@example.com");
}
