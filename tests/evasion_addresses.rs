//! Addresses judged as the fetcher reads them (issue 18): dot segments,
//! escapes, default ports and user-info; refs as go-getter passes them to
//! git; which URLs a commit in the path really pins.

use crate::util::{check_staged, Run, TestRepo, SHA};

const ALLOW_ACME: &str = "[allow]\nmodules = [\"github.com/acme/*\"]\n";

/// A repository with `.iacgate.toml` allowing only acme's modules.
fn acme_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", ALLOW_ACME)
        .write("README.md", "x\n")
        .commit_all("policy");
    repo
}

fn module(source: &str) -> String {
    format!("module \"net\" {{\n  source = \"{source}\"\n}}\n")
}

fn staged(repo: &TestRepo, path: &str, text: &str) -> Run {
    repo.write(path, text).stage(&[path]);
    check_staged(repo)
}

fn has(run: &Run, rule: &str, file: &str, line: u64) -> bool {
    run.rules()
        .iter()
        .any(|(r, f, l)| r == rule && f == file && *l == line)
}

#[test]
fn a_dot_segment_out_of_the_allowed_namespace_is_not_allowed() {
    let repo = acme_repo();
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!(
            "git::https://github.com/acme/../evil/net.git?ref={SHA}"
        )),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(has(&run, "not-allowed", "main.tf", 2), "{}", run.stdout);
    assert!(
        run.messages()
            .iter()
            .any(|m| m.contains("github.com/evil/net")),
        "{}",
        run.stdout
    );
}

#[test]
fn an_escaped_dot_segment_blocks() {
    let repo = acme_repo();
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!(
            "git::https://github.com/acme/%2e%2e/evil/net.git?ref={SHA}"
        )),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(has(&run, "parse-error", "main.tf", 2), "{}", run.stdout);
}

#[test]
fn spellings_of_an_allowed_repository_are_allowed_and_silent() {
    let repo = acme_repo();
    let sources = [
        format!("git::ssh://git@github.com:22/acme/net?ref={SHA}"),
        format!("git@github.com:acme/net.git?ref={SHA}"),
        format!("git::https://GitHub.com:443/acme/./net.git?ref={SHA}"),
        format!("github.com/acme/net?ref={SHA}"),
    ];
    for (i, source) in sources.iter().enumerate() {
        let path = format!("m{i}.tf");
        let run = staged(&repo, &path, &module(source));
        // A new module is reported (new-dependency), but it is allowed.
        assert!(
            !run.rule_names().iter().any(|r| r == "not-allowed"),
            "{source}: {}",
            run.stdout
        );
        assert!(
            !run.rule_names().iter().any(|r| r == "unpinned"),
            "{source}: {}",
            run.stdout
        );
        repo.commit_all("module");
    }
}

#[test]
fn respelling_a_source_as_the_same_repository_is_silent() {
    let repo = acme_repo();
    repo.write(
        "main.tf",
        &module(&format!("git@github.com:acme/net.git?ref={SHA}")),
    )
    .commit_all("module");
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!("git::ssh://git@github.com:22/acme/net?ref={SHA}")),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rules().is_empty(), "{}", run.stdout);
}

#[test]
fn a_dot_segment_swap_is_a_source_change() {
    let repo = TestRepo::new();
    repo.write(
        "main.tf",
        &module(&format!("git::https://github.com/acme/net.git?ref={SHA}")),
    )
    .commit_all("module");
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!(
            "git::https://github.com/acme/net/../../evil/net.git?ref={SHA}"
        )),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(has(&run, "source-change", "main.tf", 2), "{}", run.stdout);
}

#[test]
fn a_commit_with_depth_is_unpinned_at_pre_commit() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("init");
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!(
            "git::https://github.com/acme/net.git?ref={SHA}&depth=1"
        )),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(has(&run, "unpinned", "main.tf", 2), "{}", run.stdout);
    let human = repo.iacgate(&["check", "--staged"]);
    let text = format!("{}{}", human.stdout, human.stderr);
    assert!(text.contains("drop `depth`"), "{text}");
}

#[test]
fn a_commit_without_depth_stays_pinned() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("init");
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!("git::https://github.com/acme/net.git?ref={SHA}")),
    );
    assert!(
        !run.rule_names().iter().any(|r| r == "unpinned"),
        "{}",
        run.stdout
    );
}

/// An upstream `acme/net` as a bare repository on disk, and an infra
/// repository whose git config sends `https://github.com/acme/` there.
struct Remote {
    work: TestRepo,
    infra: TestRepo,
    _dir: tempfile::TempDir,
}

impl Remote {
    fn new() -> Remote {
        let dir = tempfile::tempdir().expect("temp dir");
        let work = TestRepo::new();
        let bare = dir.path().join("net.git");
        let status = work
            .command("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&bare)
            .status()
            .expect("git init --bare");
        assert!(status.success());
        work.git(&[
            "remote",
            "add",
            "origin",
            &format!("file://{}", bare.display()),
        ]);
        let infra = TestRepo::new();
        infra.git(&[
            "config",
            &format!("url.file://{}/.insteadOf", dir.path().display()),
            "https://github.com/acme/",
        ]);
        let remote = Remote {
            work,
            infra,
            _dir: dir,
        };
        remote.commit("first");
        remote
    }

    fn commit(&self, message: &str) -> String {
        self.work
            .git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.work
            .git(&["push", "-q", "origin", "HEAD:refs/heads/main"]);
        self.work.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    fn verify(&self, text: &str) -> Run {
        self.infra.write("main.tf", text).stage(&["main.tf"]);
        self.infra.iacgate(&["verify", "--format", "json"])
    }
}

#[test]
fn verify_blocks_a_commit_pin_that_a_branch_of_the_same_name_shadows() {
    let remote = Remote::new();
    let pinned = remote.commit("pinned");
    let evil = remote.commit("evil");
    // A branch whose name is the pinned commit's hex, at another commit.
    remote.work.git(&[
        "push",
        "-q",
        "origin",
        &format!("{evil}:refs/heads/{pinned}"),
    ]);
    let run = remote.verify(&module(&format!(
        "git::https://github.com/acme/net.git?ref={pinned}"
    )));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [("unpinned".into(), "main.tf".into(), 2)]);
    assert!(run.messages()[0].contains("refs/heads/"), "{}", run.stdout);
}

#[test]
fn verify_blocks_a_commit_pin_the_remote_does_not_have() {
    let remote = Remote::new();
    remote.commit("second");
    let run = remote.verify(&module(&format!(
        "git::https://github.com/acme/net.git?ref={SHA}"
    )));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.rules(), [("unpinned".into(), "main.tf".into(), 2)]);
    assert!(
        run.messages()[0].contains("has no commit"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_is_silent_on_commits_the_remote_has_tip_or_not() {
    let remote = Remote::new();
    let old = remote.commit("old");
    let tip = remote.commit("tip");
    let text = format!(
        "{}\nmodule \"tip\" {{\n  source = \"github.com/acme/net?ref={tip}\"\n}}\n",
        module(&format!("git::https://github.com/acme/net.git?ref={old}"))
    );
    let run = remote.verify(&text);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.rules().is_empty(), "{}", run.stdout);
    let human = remote.infra.iacgate(&["verify"]);
    assert!(
        human
            .stderr
            .contains("2 of 2 commit pin(s) found to be commits"),
        "{}",
        human.stderr
    );
}

fn kustomization(entry: &str) -> String {
    format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {entry}\n")
}

#[test]
fn a_kustomize_remote_with_a_dot_segment_is_not_allowed() {
    let repo = acme_repo();
    let run = staged(
        &repo,
        "app/kustomization.yaml",
        &kustomization(&format!(
            "https://github.com/acme/../evil/net//base?ref={SHA}"
        )),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        has(&run, "not-allowed", "app/kustomization.yaml", 4),
        "{}",
        run.stdout
    );
}

#[test]
fn a_kustomize_remote_spelled_with_a_default_port_is_allowed() {
    let repo = acme_repo();
    let run = staged(
        &repo,
        "app/kustomization.yaml",
        &kustomization(&format!(
            "ssh://git@github.com:22/acme/net.git//base?ref={SHA}"
        )),
    );
    assert!(
        !run.rule_names()
            .iter()
            .any(|r| r == "not-allowed" || r == "unpinned"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_commit_like_path_on_a_plain_web_server_is_unpinned() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("init");
    let run = staged(
        &repo,
        "app/kustomization.yaml",
        &kustomization(&format!("https://example.com/{SHA}/install.yaml")),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        has(&run, "unpinned", "app/kustomization.yaml", 4),
        "{}",
        run.stdout
    );
}

#[test]
fn a_raw_forge_url_of_a_commit_stays_pinned() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("init");
    let run = staged(
        &repo,
        "app/kustomization.yaml",
        &kustomization(&format!(
            "https://raw.githubusercontent.com/acme/net/{SHA}/deploy/install.yaml"
        )),
    );
    assert!(
        !run.rule_names().iter().any(|r| r == "unpinned"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_ansible_archive_on_a_plain_web_server_is_unpinned_at_pre_push_range() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("init");
    repo.git(&["branch", "base"]);
    repo.write(
        "requirements.yml",
        &format!("roles:\n  - name: net\n    src: https://example.com/archive/{SHA}.tar.gz\n"),
    )
    .commit_all("role");
    let run = repo.iacgate(&["check", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        has(&run, "unpinned", "requirements.yml", 3),
        "{}",
        run.stdout
    );
}

#[test]
fn a_terragrunt_source_with_a_dot_segment_is_not_allowed() {
    let repo = acme_repo();
    let run = staged(
        &repo,
        "live/app/terragrunt.hcl",
        &format!(
            "terraform {{\n  source = \"git::https://github.com/acme/../evil/net.git//app?ref={SHA}\"\n}}\n"
        ),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        has(&run, "not-allowed", "live/app/terragrunt.hcl", 2),
        "{}",
        run.stdout
    );
}

#[test]
fn a_submodule_url_with_a_dot_segment_is_not_allowed() {
    let repo = acme_repo();
    let upstream = TestRepo::new();
    upstream.write("x", "x\n").commit_all("x");
    let commit = upstream.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write(
        ".gitmodules",
        "[submodule \"net\"]\n\tpath = vendor/net\n\turl = https://github.com/acme/../evil/net.git\n",
    );
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{commit},vendor/net"),
    ]);
    repo.stage(&[".gitmodules"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.rule_names().iter().any(|r| r == "not-allowed"),
        "{}",
        run.stdout
    );
    assert!(
        run.messages()
            .iter()
            .any(|m| m.contains("github.com/evil/net")),
        "{}",
        run.stdout
    );
}

#[test]
fn user_info_that_looks_like_the_host_is_not_the_host() {
    let repo = acme_repo();
    let run = staged(
        &repo,
        "main.tf",
        &module(&format!(
            "git::https://github.com@evil.example/acme/net.git?ref={SHA}"
        )),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(has(&run, "not-allowed", "main.tf", 2), "{}", run.stdout);
}

#[test]
fn a_gitlab_include_project_with_a_dot_segment_is_not_allowed() {
    let repo = TestRepo::new();
    repo.write(".iacgate.toml", "[allow]\nincludes = [\"acme/*\"]\n")
        .write("README.md", "x\n")
        .commit_all("policy");
    let run = staged(
        &repo,
        ".gitlab-ci.yml",
        &format!("include:\n  - project: acme/../evil/ci\n    ref: {SHA}\n    file: /tf.yml\n"),
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        has(&run, "not-allowed", ".gitlab-ci.yml", 2),
        "{}",
        run.stdout
    );
}
