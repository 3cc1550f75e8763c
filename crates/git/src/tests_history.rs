//! Pushes, ranges, per-commit changes, signatures and the amend/merge
//! helpers, against real temporary repositories and the real git.

use super::tests::{by_path, text, Fixture, TF};
use super::*;

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// git in `fx.dir` with the fixture's environment, whatever its status.
fn git_status(fx: &Fixture, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("git");
    cmd.current_dir(&fx.dir).args(args);
    for (k, v) in fx.env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.output().unwrap()
}

/// A bare repository next to the fixture's, registered as `origin`, with
/// `main` pushed to it.
fn with_origin(fx: &Fixture) -> PathBuf {
    let bare = fx.home.join("origin.git");
    fx.git(&["init", "-q", "--bare", bare.to_str().unwrap()]);
    fx.git(&["remote", "add", "origin", bare.to_str().unwrap()]);
    fx.git(&["push", "-q", "origin", "main"]);
    bare
}

fn ids(fx: &Fixture, range: &str) -> Vec<String> {
    let out = fx.git(&["rev-list", "--reverse", "--topo-order", range]);
    out.lines().map(str::to_owned).collect()
}

#[test]
fn new_commits_new_branch_excludes_the_remotes_refs() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    let c0 = fx.commit("c0");
    fx.write("main.tf", "v2\n");
    let c1 = fx.commit("c1");
    with_origin(&fx);

    fx.git(&["checkout", "-q", "-b", "feature"]);
    fx.write("main.tf", "v3\n");
    let f1 = fx.commit("f1");
    fx.write("other.tf", "o\n");
    let f2 = fx.commit("f2");

    let repo = fx.repo();
    assert_eq!(
        repo.new_commits("feature", Known::RemoteRefs("origin"))
            .unwrap(),
        [f1.clone(), f2.clone()]
    );
    assert_eq!(
        repo.new_commits(&f2, Known::RemoteRefs("origin")).unwrap(),
        [f1.clone(), f2.clone()]
    );
    // Nothing new on main.
    assert!(repo
        .new_commits("main", Known::RemoteRefs("origin"))
        .unwrap()
        .is_empty());

    // Another remote's refs are not this remote's, even with a common prefix.
    let bare = fx.home.join("origin.git");
    fx.git(&["remote", "add", "ori", bare.to_str().unwrap()]);
    assert_eq!(
        repo.new_commits("feature", Known::RemoteRefs("ori"))
            .unwrap(),
        [c0.clone(), c1.clone(), f1.clone(), f2.clone()]
    );
    assert_eq!(
        repo.new_commits("feature", Known::Nothing).unwrap(),
        [c0, c1, f1.clone(), f2.clone()]
    );
    // Nested remote-tracking refs count too.
    fx.git(&["push", "-q", "origin", &format!("{f1}:refs/heads/team/x")]);
    fx.git(&["fetch", "-q", "origin"]);
    assert_eq!(
        repo.new_commits("feature", Known::RemoteRefs("origin"))
            .unwrap(),
        [f2]
    );

    for bad in ["", "or*", "o?", "[o]", "-x", "a b"] {
        assert!(
            matches!(
                repo.new_commits("feature", Known::RemoteRefs(bad)),
                Err(GitError::Argument { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        repo.new_commits("nope", Known::Nothing),
        Err(GitError::Revision { .. })
    ));
    assert!(matches!(
        repo.new_commits("--all", Known::Nothing),
        Err(GitError::Revision { .. })
    ));
}

#[test]
fn new_commits_after_a_known_old_tip_parents_first() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    let c0 = fx.commit("c0");
    with_origin(&fx);
    fx.write("main.tf", "v2\n");
    let c1 = fx.commit("c1");
    fx.git(&["checkout", "-q", "-b", "side", &c0]);
    fx.write("side.tf", "s\n");
    let s1 = fx.commit("s1");
    fx.git(&["checkout", "-q", "main"]);
    fx.git(&["merge", "-q", "--no-edit", "side"]);
    let merge = fx.git(&["rev-parse", "HEAD"]);
    fx.write("main.tf", "v3\n");
    let c2 = fx.commit("c2");

    let repo = fx.repo();
    let new = repo.new_commits("HEAD", Known::Commit(&c0)).unwrap();
    assert_eq!(new.len(), 4, "{new:?}");
    assert_eq!(new, ids(&fx, &format!("{c0}..HEAD")));
    let pos = |id: &str| new.iter().position(|n| n == id).unwrap();
    assert!(pos(&c1) < pos(&merge) && pos(&s1) < pos(&merge) && pos(&merge) < pos(&c2));
    assert_eq!(new.last(), Some(&c2));

    // A revision works as well as an id; the tip itself known: nothing new.
    assert_eq!(
        repo.new_commits("HEAD", Known::Commit("main~1")).unwrap(),
        [c2]
    );
    assert!(repo
        .new_commits("HEAD", Known::Commit("HEAD"))
        .unwrap()
        .is_empty());
    // A force push: only what the old tip lacks.
    assert_eq!(repo.new_commits(&s1, Known::Commit(&c1)).unwrap(), [s1]);
}

#[test]
fn new_commits_old_tip_missing_locally_falls_back_to_remote_refs() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    let c0 = fx.commit("c0");
    let repo = fx.repo();
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let zero = "0000000000000000000000000000000000000000";
    // No remote-tracking refs: nothing is known.
    assert_eq!(
        repo.new_commits("HEAD", Known::Commit(missing)).unwrap(),
        [c0.as_str()]
    );

    with_origin(&fx);
    fx.write("main.tf", "v2\n");
    let c1 = fx.commit("c1");
    // The remote moved on (someone else pushed): its tip is not here.
    let other = fx.home.join("other");
    fx.git(&[
        "clone",
        "-q",
        fx.home.join("origin.git").to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    std::fs::write(other.join("theirs.tf"), "t\n").unwrap();
    let mut add = Command::new("git");
    add.current_dir(&other).args(["add", "-A"]);
    add.envs(fx.env().into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    run_ok(&mut add);
    let mut commit = Command::new("git");
    commit
        .current_dir(&other)
        .args(["commit", "-q", "-m", "theirs"]);
    commit.envs(fx.env().into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    run_ok(&mut commit);
    let mut push = Command::new("git");
    push.current_dir(&other)
        .args(["push", "-q", "origin", "main"]);
    push.envs(fx.env().into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    run_ok(&mut push);
    let mut head = Command::new("git");
    head.current_dir(&other).args(["rev-parse", "HEAD"]);
    head.envs(fx.env().into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    let theirs = run_ok(&mut head);
    assert_eq!(repo.resolve(&theirs).unwrap(), None);

    for old in [theirs.as_str(), missing, zero] {
        assert_eq!(
            repo.new_commits("HEAD", Known::Commit(old)).unwrap(),
            [c1.as_str()],
            "{old}"
        );
    }
    // A revision that exists but is no commit is an error, not a fallback.
    let blob = fx.git(&["rev-parse", "HEAD:main.tf"]);
    assert!(matches!(
        repo.new_commits("HEAD", Known::Commit(&blob)),
        Err(GitError::Revision { .. })
    ));
}

#[test]
fn new_commits_all_refs_for_a_new_ref_on_the_server() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    let c0 = fx.commit("c0");
    fx.write("main.tf", "v2\n");
    fx.commit("c1");
    // Commits no ref points to yet, as received objects are in pre-receive.
    let tree = fx.git(&["rev-parse", "HEAD^{tree}"]);
    let d1 = fx.git(&["commit-tree", &tree, "-p", "HEAD", "-m", "d1"]);
    let d2 = fx.git(&["commit-tree", &tree, "-p", &d1, "-m", "d2"]);
    let repo = fx.repo();
    assert_eq!(
        repo.new_commits(&d2, Known::AllRefs).unwrap(),
        [d1, d2.clone()]
    );
    fx.git(&["branch", "old", &c0]);
    assert_eq!(
        repo.new_commits(&c0, Known::AllRefs).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn range_commits_as_users_write_them() {
    let fx = Fixture::new();
    fx.write("main.tf", "v1\n");
    let c0 = fx.commit("c0");
    fx.write("main.tf", "v2\n");
    let c1 = fx.commit("c1");
    fx.write("main.tf", "v3\n");
    let c2 = fx.commit("c2");
    let repo = fx.repo();

    assert_eq!(
        repo.range_commits(&format!("{c0}..{c2}")).unwrap(),
        [c1.clone(), c2.clone()]
    );
    assert_eq!(
        repo.range_commits("main~2..main").unwrap(),
        [c1.clone(), c2.clone()]
    );
    assert_eq!(repo.range_commits("HEAD~1..").unwrap(), [c2.as_str()]);
    assert!(repo.range_commits("..HEAD~1").unwrap().is_empty());
    assert!(repo.range_commits("HEAD..HEAD").unwrap().is_empty());
    assert!(repo
        .range_commits(&format!("{c2}..{c0}"))
        .unwrap()
        .is_empty());

    for bad in [
        "HEAD~2...HEAD",
        "HEAD~2....HEAD",
        "HEAD",
        "",
        "..",
        "a..b..c",
    ] {
        let err = repo.range_commits(bad).unwrap_err();
        assert!(matches!(err, GitError::Range { .. }), "{bad:?}: {err:?}");
        assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
    }
    let err = repo.range_commits("HEAD~2...HEAD").unwrap_err().to_string();
    assert!(err.contains("symmetric difference"), "{err}");
    for bad in ["nope..HEAD", "HEAD..nope", "HEAD~9..HEAD", "--all..HEAD"] {
        assert!(
            matches!(repo.range_commits(bad), Err(GitError::Revision { .. })),
            "{bad}"
        );
    }
}

#[test]
fn commits_changes_linear_root_merge_and_untouched() {
    let fx = Fixture::new();
    fx.write("README.md", "only docs\n");
    let root = fx.commit("root: no tf");
    fx.write("main.tf", "v1\n");
    fx.write("x.txt", "x\n");
    let add = fx.commit("add main.tf");
    fx.write("main.tf", "v2\n");
    fx.write("lock/.terraform.lock.hcl", "l\n");
    let modify = fx.commit("modify");
    fx.write("x.txt", "y\n");
    let docs = fx.commit("docs only");
    let body: String = (0..40).map(|i| format!("line {i}\n")).collect();
    fx.write("net/vpc.tf", &body);
    fx.commit("vpc");
    fx.git(&["mv", "net/vpc.tf", "net/network.tf"]);
    let rename = fx.commit("rename");

    // side branch merged into main: only main's first-parent diff counts.
    fx.git(&["checkout", "-q", "-b", "side", &docs]);
    fx.write("side.tf", "s\n");
    let side = fx.commit("side");
    fx.git(&["checkout", "-q", "main"]);
    fx.write("main.tf", "v3\n");
    let before_merge = fx.commit("main moves on");
    fx.git(&["merge", "-q", "--no-edit", "side"]);
    let merge = fx.git(&["rev-parse", "HEAD"]);
    // A merge that changes nothing against its first parent.
    fx.git(&["checkout", "-q", "-b", "side2", &before_merge]);
    fx.write("side2.tf", "t\n");
    fx.commit("side2");
    fx.git(&["checkout", "-q", "main"]);
    fx.git(&["merge", "-q", "--no-edit", "-s", "ours", "side2"]);
    let ours = fx.git(&["rev-parse", "HEAD"]);
    // A merge identical to its second parent on the tf files.
    fx.git(&["checkout", "-q", "-b", "side3"]);
    fx.write("side3.tf", "3\n");
    let side3 = fx.commit("side3");
    fx.git(&["checkout", "-q", "main"]);
    fx.git(&["merge", "-q", "--no-ff", "--no-edit", "side3"]);
    let ff_like = fx.git(&["rev-parse", "HEAD"]);

    let repo = fx.repo();
    let all = ids(&fx, "HEAD");
    let got = repo.commits_changes(&all, TF).unwrap();
    assert_eq!(got.len(), all.len());
    for (c, id) in got.iter().zip(&all) {
        assert_eq!(&c.info.id, id);
        assert_eq!(c.info, repo.commit_info(id).unwrap());
        // The same as one diff-tree per commit.
        assert_eq!(c.changes, repo.commit_changes(id, TF).unwrap(), "{id}");
    }
    let of = |id: &str| got.iter().find(|c| c.info.id == id).unwrap();

    assert!(of(&root).changes.is_empty());
    assert!(of(&root).info.parents.is_empty());
    let a = &of(&add).changes;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].status, ChangeStatus::Added);
    assert_eq!(text(&a[0].new), Some("v1\n"));
    let m = &of(&modify).changes;
    assert_eq!(m.len(), 2);
    assert_eq!(
        (
            text(&by_path(m, "main.tf").old),
            text(&by_path(m, "main.tf").new)
        ),
        (Some("v1\n"), Some("v2\n"))
    );
    assert!(of(&docs).changes.is_empty());
    let r = &of(&rename).changes;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, ChangeStatus::Renamed { score: 100 });
    assert_eq!(r[0].old_path.as_deref(), Some("net/vpc.tf"));
    assert_eq!(r[0].new_path.as_deref(), Some("net/network.tf"));
    assert!(r[0].is_pure_rename());
    assert_eq!(of(&side).changes.len(), 1);
    let mg = &of(&merge).changes;
    assert_eq!(mg.len(), 1, "{mg:#?}");
    assert_eq!(mg[0].path(), "side.tf");
    assert_eq!(of(&merge).info.parents.len(), 2);
    assert!(of(&ours).changes.is_empty());
    assert_eq!(of(&ff_like).changes.len(), 1);
    assert_eq!(of(&ff_like).changes[0].path(), "side3.tf");
    assert_eq!(of(&side3).changes[0].path(), "side3.tf");

    // No pathspec: every path.
    let docs_all = repo
        .commits_changes(std::slice::from_ref(&docs), &[])
        .unwrap();
    assert_eq!(docs_all[0].changes.len(), 1);
    assert_eq!(docs_all[0].changes[0].path(), "x.txt");
}

#[test]
fn commits_changes_keeps_the_order_given_and_checks_ids() {
    let fx = Fixture::new();
    fx.write("a.tf", "1\n");
    let c0 = fx.commit("c0");
    fx.write("a.tf", "2\n");
    let c1 = fx.commit("c1");
    fx.write("b.txt", "b\n");
    let c2 = fx.commit("c2");
    let repo = fx.repo();

    let order = [c2.clone(), c0.clone(), c1.clone(), c0.clone()];
    let got = repo.commits_changes(&order, TF).unwrap();
    let got_ids: Vec<&str> = got.iter().map(|c| c.info.id.as_str()).collect();
    assert_eq!(
        got_ids,
        order.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(got[0].changes.is_empty());
    assert_eq!(got[1], got[3]);
    assert_eq!(text(&got[2].changes[0].new), Some("2\n"));

    // Revisions are resolved with libgit2 first.
    let short = repo
        .commits_changes(&["HEAD~1".to_owned(), c0[..10].to_owned()], TF)
        .unwrap();
    assert_eq!(short[0].info.id, c1);
    assert_eq!(short[1].info.id, c0);
    assert!(repo.commits_changes(&[], TF).unwrap().is_empty());
    for bad in ["nope", "--all", "", "HEAD:a.tf"] {
        assert!(
            matches!(
                repo.commits_changes(&[c0.clone(), bad.to_owned()], TF),
                Err(GitError::Revision { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn commits_changes_odd_paths_and_config() {
    let fx = Fixture::new();
    fx.commit("init");
    // Paths holding the bytes the parser keys on.
    for name in ["\u{1}x.tf", "new\nline.tf", ":colon.tf", "sp ace.tf"] {
        fx.write(name, name);
    }
    let id = fx.commit("odd");
    // Configuration that would change git log's output must not.
    for (k, v) in [
        ("log.showSignature", "true"),
        ("log.showRoot", "false"),
        ("log.decorate", "full"),
        ("color.ui", "always"),
        ("diff.relative", "true"),
        ("diff.external", "false"),
        ("core.quotepath", "true"),
        ("format.pretty", "fuller"),
    ] {
        fx.git(&["config", k, v]);
    }
    let repo = fx.repo();
    let got = repo
        .commits_changes(&ids(&fx, "HEAD"), &[":(glob)**/*.tf"])
        .unwrap();
    assert_eq!(got.len(), 2);
    assert!(got[0].changes.is_empty());
    assert_eq!(got[1].info.id, id);
    let mut paths: Vec<&str> = got[1].changes.iter().map(FileChange::path).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["\u{1}x.tf", ":colon.tf", "new\nline.tf", "sp ace.tf"]
    );
    for c in &got[1].changes {
        assert_eq!(text(&c.new), Some(c.path()));
    }
}

#[test]
fn verify_commit_ssh_good_bad_unsigned() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("ssh-keygen not found: SSH signature test skipped");
        return;
    }
    let fx = Fixture::new();
    let keygen = |name: &str| {
        let path = fx.home.join(name);
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(&path),
        );
        path
    };
    let good_key = keygen("good");
    let other_key = keygen("other");
    let allowed = fx.home.join("allowed_signers");
    let public = std::fs::read_to_string(good_key.with_extension("pub")).unwrap();
    std::fs::write(&allowed, format!("reviewer@example.com {public}")).unwrap();
    fx.git(&["config", "gpg.format", "ssh"]);
    fx.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ]);

    fx.write("main.tf", "v1\n");
    fx.git(&["add", "-A"]);
    fx.git(&[
        "-c",
        &format!("user.signingkey={}", good_key.display()),
        "commit",
        "-q",
        "-S",
        "-m",
        "good",
    ]);
    let good = fx.git(&["rev-parse", "HEAD"]);
    fx.git(&[
        "-c",
        &format!("user.signingkey={}", other_key.display()),
        "commit",
        "-q",
        "--allow-empty",
        "-S",
        "-m",
        "bad",
    ]);
    let bad = fx.git(&["rev-parse", "HEAD"]);
    fx.git(&["commit", "-q", "--allow-empty", "-m", "unsigned"]);
    let unsigned = fx.git(&["rev-parse", "HEAD"]);

    let repo = fx.repo();
    assert_eq!(
        repo.verify_commit(&good).unwrap(),
        SignatureStatus::Good {
            signer: "reviewer@example.com".into()
        }
    );
    assert_eq!(
        repo.verify_commit(&bad).unwrap(),
        SignatureStatus::Bad {
            reason: "No principal matched.".into()
        }
    );
    assert_eq!(
        repo.verify_commit(&unsigned).unwrap(),
        SignatureStatus::Unsigned
    );
    assert_eq!(
        repo.verify_commit("HEAD~2").unwrap(),
        repo.verify_commit(&good).unwrap()
    );

    // Without the allowed signers file nothing verifies.
    fx.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        fx.home.join("missing").to_str().unwrap(),
    ]);
    let SignatureStatus::Bad { reason } = fx.repo().verify_commit(&good).unwrap() else {
        panic!("verified without allowed signers")
    };
    assert!(reason.contains("allowed keys file"), "{reason}");

    assert!(matches!(
        repo.verify_commit("nope"),
        Err(GitError::Revision { .. })
    ));
}

/// Stops the gpg-agent a test's GNUPGHOME started.
struct GpgAgent(PathBuf);

impl Drop for GpgAgent {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.0)
            .output();
    }
}

#[test]
fn verify_commit_gpg_good_and_no_public_key() {
    if Command::new("gpg").arg("--version").output().is_err() {
        eprintln!("gpg not found: OpenPGP signature test skipped");
        return;
    }
    let fx = Fixture::new();
    let gnupg = fx.home.join("gnupg");
    std::fs::create_dir(&gnupg).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let _agent = GpgAgent(gnupg.clone());
    let generated = Command::new("gpg")
        .args(["--batch", "--quiet", "--passphrase", "", "--quick-gen-key"])
        .args(["Gee Pee <gp@example.com>", "ed25519", "sign", "never"])
        .env("GNUPGHOME", &gnupg)
        .output()
        .unwrap();
    if !generated.status.success() {
        eprintln!(
            "gpg cannot generate a key here ({}): OpenPGP signature test skipped",
            String::from_utf8_lossy(&generated.stderr).trim()
        );
        return;
    }
    let home: [(&str, &OsStr); 1] = [("GNUPGHOME", gnupg.as_os_str())];
    fx.git_env(
        &[
            "-c",
            "user.signingkey=gp@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-S",
            "-m",
            "signed",
        ],
        &home,
    );

    let repo = fx.repo_with(&[("GNUPGHOME", Some(gnupg.as_os_str()))]);
    assert_eq!(
        repo.verify_commit("HEAD").unwrap(),
        SignatureStatus::Good {
            signer: "Gee Pee <gp@example.com>".into()
        }
    );
    let empty = fx.home.join("empty-gnupg");
    std::fs::create_dir(&empty).unwrap();
    let _agent2 = GpgAgent(empty.clone());
    let repo = fx.repo_with(&[("GNUPGHOME", Some(empty.as_os_str()))]);
    let SignatureStatus::Bad { reason } = repo.verify_commit("HEAD").unwrap() else {
        panic!("verified without the public key")
    };
    assert!(
        reason.starts_with("Can't check signature: No public key "),
        "{reason}"
    );
}

#[test]
fn merge_heads_during_a_merge() {
    let fx = Fixture::new();
    fx.write("main.tf", "base\n");
    fx.commit("base");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.write("side.tf", "s\n");
    let side = fx.commit("side");
    fx.git(&["checkout", "-q", "main"]);
    fx.write("other.tf", "o\n");
    fx.commit("main");
    assert!(fx.repo().merge_heads().is_empty());

    fx.git(&["merge", "-q", "--no-commit", "--no-ff", "side"]);
    let repo = fx.repo();
    assert_eq!(repo.merge_heads(), [side.as_str()]);
    // The staged change of the merge commit is judged against HEAD.
    let changes = repo.staged_changes(TF).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path(), "side.tf");
    fx.git(&["commit", "-q", "--no-edit"]);
    assert!(repo.merge_heads().is_empty());

    // A conflicted merge.
    fx.git(&["checkout", "-q", "-b", "side2", &side]);
    fx.write("main.tf", "side2\n");
    let side2 = fx.commit("side2");
    fx.git(&["checkout", "-q", "main"]);
    fx.write("main.tf", "main2\n");
    fx.commit("main2");
    assert!(!git_status(&fx, &["merge", "-q", "side2"]).status.success());
    assert_eq!(repo.merge_heads(), [side2]);
}

#[test]
fn staged_changes_against_for_an_amend() {
    let fx = Fixture::new();
    fx.write("a.tf", "a1\n");
    let root = fx.commit("root");
    let repo = fx.repo();
    // Amending a root commit: everything against the empty tree.
    fx.write("b.tf", "b0\n");
    fx.git(&["add", "-A"]);
    let changes = repo.staged_changes_against(None, TF).unwrap();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c.status == ChangeStatus::Added));
    fx.git(&["commit", "-q", "--amend", "--no-edit"]);

    fx.write("a.tf", "a2\n");
    fx.write("c.tf", "c1\n");
    fx.commit("second");
    // The amend adds a change to c.tf and a new d.tf.
    fx.write("c.tf", "c2 staged\n");
    fx.write("d.tf", "d\n");
    fx.git(&["add", "-A"]);

    let against_head = repo.staged_changes(TF).unwrap();
    assert_eq!(against_head.len(), 2);
    let amended = repo.staged_changes_against(Some("HEAD~1"), TF).unwrap();
    let mut paths: Vec<&str> = amended.iter().map(FileChange::path).collect();
    paths.sort();
    assert_eq!(paths, ["a.tf", "c.tf", "d.tf"]);
    let a = by_path(&amended, "a.tf");
    assert_eq!((text(&a.old), text(&a.new)), (Some("a1\n"), Some("a2\n")));
    let c = by_path(&amended, "c.tf");
    assert_eq!(c.status, ChangeStatus::Added);
    assert_eq!(text(&c.new), Some("c2 staged\n"));
    assert_eq!(
        repo.staged_changes_against(Some("HEAD"), TF).unwrap(),
        against_head
    );
    assert_ne!(root, fx.git(&["rev-parse", "HEAD~1"]), "root was amended");
    assert!(matches!(
        repo.staged_changes_against(Some("nope"), TF),
        Err(GitError::Revision { .. })
    ));
    // With GIT_INDEX_FILE (git commit -a --amend).
    let alt = fx.dir.join(".git").join("alt-index");
    let alt_env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", alt.as_os_str())];
    fx.git_env(&["read-tree", "HEAD"], &alt_env);
    let repo = fx.repo_with(&[("GIT_INDEX_FILE", Some(alt.as_os_str()))]);
    let amended = repo.staged_changes_against(Some("HEAD~1"), TF).unwrap();
    assert_eq!(amended.len(), 2, "{amended:#?}");
}

#[test]
fn resolve_author_date_state_path_and_bare() {
    let fx = Fixture::new();
    let repo = fx.repo();
    assert_eq!(repo.resolve("HEAD").unwrap(), None, "unborn");
    fx.write("a.tf", "a\n");
    fx.git(&["add", "-A"]);
    fx.git_env(
        &["commit", "-q", "-m", "dated"],
        &[("GIT_AUTHOR_DATE", OsStr::new("@1700000000 +0530"))],
    );
    let head = fx.git(&["rev-parse", "HEAD"]);
    fx.git(&["tag", "-a", "-m", "annotated", "v1"]);
    let repo = fx.repo();
    assert_eq!(
        repo.resolve("HEAD").unwrap().as_deref(),
        Some(head.as_str())
    );
    assert_eq!(
        repo.resolve(&head[..8]).unwrap().as_deref(),
        Some(head.as_str())
    );
    assert_eq!(repo.resolve("v1").unwrap().as_deref(), Some(head.as_str()));
    for missing in [
        "nope",
        "HEAD~5",
        "0000000000000000000000000000000000000000",
        "0123456789abcdef0123456789abcdef01234567",
        "refs/remotes/origin/main",
    ] {
        assert_eq!(repo.resolve(missing).unwrap(), None, "{missing}");
    }
    assert!(repo.resolve("HEAD:a.tf").is_err());

    assert_eq!(repo.author_date_raw("HEAD").unwrap(), "@1700000000 +0530");
    fx.git_env(
        &["commit", "-q", "--allow-empty", "-m", "west"],
        &[("GIT_AUTHOR_DATE", OsStr::new("@1700000001 -0745"))],
    );
    assert_eq!(repo.author_date_raw("HEAD").unwrap(), "@1700000001 -0745");
    // What it returns, git takes back unchanged.
    let raw = repo.author_date_raw("HEAD").unwrap();
    fx.git_env(
        &["commit", "-q", "--amend", "--allow-empty", "--no-edit"],
        &[("GIT_AUTHOR_DATE", OsStr::new(&raw))],
    );
    assert_eq!(
        fx.git(&["log", "-1", "--format=%ad", "--date=raw"]),
        "1700000001 -0745"
    );
    assert!(matches!(
        repo.author_date_raw("nope"),
        Err(GitError::Revision { .. })
    ));

    assert!(!repo.is_bare());
    let git_dir = fx.dir.join(".git").canonicalize().unwrap();
    let state = repo.state_path("msg");
    assert_eq!(state, repo.git_dir().join("iacgate").join("msg"));
    assert_eq!(repo.git_dir().canonicalize().unwrap(), git_dir);
    assert!(!state.parent().unwrap().exists(), "nothing is created");

    // A linked worktree keeps its own state.
    let wt = fx.home.join("wt");
    fx.git(&["worktree", "add", "-q", wt.to_str().unwrap()]);
    let wt_repo = Repo::open_with_env(&wt, fx.env()).unwrap();
    let wt_state = wt_repo.state_path("msg");
    assert_eq!(
        wt_state
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .canonicalize()
            .unwrap(),
        git_dir.join("worktrees/wt")
    );

    let bare = fx.home.join("bare.git");
    fx.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    let bare_repo = Repo::open_with_env(&bare, fx.env()).unwrap();
    assert!(bare_repo.is_bare());
    assert_eq!(
        bare_repo
            .state_path("x")
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .canonicalize()
            .unwrap(),
        bare.canonicalize().unwrap()
    );
}

/// What git really writes to the hooks' standard input parses.
#[cfg(unix)]
#[test]
fn real_hook_input_parses() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    fx.write("a.tf", "a\n");
    let c0 = fx.commit("c0");
    let bare = with_origin(&fx);
    fx.git(&["push", "-q", "origin", "main:refs/heads/doomed"]);
    let capture = |hook_dir: &Path, name: &str| {
        let hook = hook_dir.join("hooks").join(name);
        let out = fx.home.join(format!("{name}.stdin"));
        std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
        std::fs::write(&hook, format!("#!/bin/sh\ncat > '{}'\n", out.display())).unwrap();
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        out
    };
    let pre_push = capture(&fx.dir.join(".git"), "pre-push");
    let pre_receive = capture(&bare, "pre-receive");

    fx.write("a.tf", "b\n");
    let c1 = fx.commit("c1");
    fx.git(&["branch", "feature"]);
    fx.git(&[
        "push",
        "-q",
        "origin",
        "main",
        "feature",
        ":refs/heads/doomed",
    ]);

    let mut pushed = parse_pre_push(&std::fs::read(&pre_push).unwrap()).unwrap();
    pushed.sort_by(|a, b| a.remote_ref.cmp(&b.remote_ref));
    assert_eq!(pushed.len(), 3, "{pushed:#?}");
    assert!(pushed[0].is_deletion());
    assert_eq!(pushed[0].remote_ref, "refs/heads/doomed");
    assert_eq!(pushed[0].remote_id, c0);
    assert!(pushed[1].is_new_ref());
    assert_eq!(pushed[1].local_id, c1);
    assert_eq!(pushed[1].remote_ref, "refs/heads/feature");
    assert_eq!(
        (pushed[2].local_id.as_str(), pushed[2].remote_id.as_str()),
        (c1.as_str(), c0.as_str())
    );

    let mut received = parse_pre_receive(&std::fs::read(&pre_receive).unwrap()).unwrap();
    received.sort_by(|a, b| a.ref_name.cmp(&b.ref_name));
    assert_eq!(received.len(), 3, "{received:#?}");
    assert!(received[0].is_deletion());
    assert!(received[1].is_new_ref());
    assert_eq!(received[2].old_id, c0);
    assert_eq!(received[2].new_id, c1);
}
