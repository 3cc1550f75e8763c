//! A submodule is a supply chain too: its gitlink names one commit of
//! another repository, `.gitmodules` which repository.

use crate::util::TestRepo;

/// A repository with two commits to point a submodule at.
fn library() -> (TestRepo, String, String) {
    let lib = TestRepo::new();
    lib.write("main.tf", "# v1\n").commit_all("v1");
    let first = lib.git(&["rev-parse", "HEAD"]).trim().to_owned();
    lib.write("main.tf", "# v2\n").commit_all("v2");
    let second = lib.git(&["rev-parse", "HEAD"]).trim().to_owned();
    (lib, first, second)
}

fn add_submodule(repo: &TestRepo, lib: &TestRepo, at: &str) {
    let url = format!("file://{}", lib.path().display());
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "vendor/lib",
    ]);
    repo.git(&["-C", "vendor/lib", "checkout", "-q", at]);
    repo.git(&["add", "vendor/lib", ".gitmodules"]);
}

#[test]
fn a_submodule_added_moved_or_repointed_is_judged() {
    let (lib, first, second) = library();
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");

    add_submodule(&repo, &lib, &first);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.rules(),
        [("new-dependency".into(), ".gitmodules".into(), 2)]
    );
    assert_eq!(run.json()["findings"][0]["ecosystem"], "git");
    repo.git(&["commit", "-q", "--no-verify", "-m", "add lib"]);

    // The gitlink moves: a version change that needs a sign-off.
    repo.git(&["-C", "vendor/lib", "checkout", "-q", &second]);
    repo.git(&["add", "vendor/lib"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rule_names(), ["version-change"]);
    assert!(run.messages()[0].contains(&first) && run.messages()[0].contains(&second));
    repo.git(&["commit", "-q", "--no-verify", "-m", "bump lib"]);
    // The same, judged in CI.
    let run = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(run.rule_names(), ["version-change"], "{}", run.stdout);

    // The URL in .gitmodules changes: a source change.
    let text = repo.read(".gitmodules");
    let url_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("url"))
        .unwrap();
    repo.write(
        ".gitmodules",
        &text.replace(url_line, "\turl = https://github.com/evil/lib.git"),
    )
    .stage(&[".gitmodules"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.rule_names(), ["source-change"], "{}", run.stdout);
}

#[test]
fn a_url_given_later_is_still_checked_against_the_allowlist() {
    let (lib, first, _) = library();
    let repo = TestRepo::new();
    repo.write(
        ".iacgate.toml",
        "[allow]\nmodules = [\"github.com/acme/*\"]\n",
    )
    .commit_all("policy");
    // The gitlink alone first, the URL in a later commit.
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{first},vendor/lib"),
    ]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "gitlink"]);
    repo.write(
        ".gitmodules",
        "[Submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://evil.example/lib.git\n",
    )
    .stage(&[".gitmodules"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.rule_names(), ["not-allowed"]);
    drop(lib);
}

/// A `.gitmodules` section header left unclosed whose last character is
/// more than one byte is a file git rejects, like any other broken header:
/// a `parse-error` at it, and nothing crashes (found by the `gitmodules`
/// fuzz target: tests/fixtures/fuzz/gitmodules/unclosed-header-multibyte).
#[test]
fn an_unclosed_section_header_ending_in_a_multibyte_character_is_read() {
    let (lib, first, _) = library();
    let repo = TestRepo::new();
    repo.write("README.md", "x\n").commit_all("start");
    add_submodule(&repo, &lib, &first);
    let text = repo.read(".gitmodules");
    repo.write(".gitmodules", &format!("{text}[submodule \"vendö\n"));
    repo.git(&["add", ".gitmodules"]);
    let run = repo.iacgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.rules()
            .contains(&("parse-error".into(), ".gitmodules".into(), 4)),
        "{}",
        run.stdout
    );
}
