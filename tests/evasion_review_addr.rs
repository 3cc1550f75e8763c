//! Routes the adversarial review found in how addresses are read (issue
//! 18): `.gitmodules` read otherwise than git reads it (route 15), and
//! local paths that leave the repository (route 19).

use crate::util::{check_staged, Run, TestRepo};

// ---- Route 15: `.gitmodules` with git-config semantics ----

const EVIL: &str = "https://github.com/evil/lib.git";

/// A repository whose submodule `lib` (at `vendor/lib`) comes from a local
/// bare repository, committed; and the URL `.gitmodules` gives it.
fn with_submodule(policy: Option<&str>) -> (TestRepo, TestRepo, String) {
    let lib = TestRepo::new();
    lib.write("main.tf", "# v1\n").commit_all("v1");
    // A bare repository (inside the library's directory, so that it lives
    // as long as the library).
    let bare = lib.path().join("bare.git");
    lib.git(&["clone", "-q", "--bare", ".", &bare.display().to_string()]);
    let url = format!("file://{}", bare.display());
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    if let Some(policy) = policy {
        repo.write(".iacgate.toml", policy);
    }
    repo.commit_all("start");
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        "--name",
        "lib",
        &url,
        "vendor/lib",
    ]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "add lib"]);
    let text = repo.read(".gitmodules");
    assert!(
        text.contains("[submodule \"lib\"]") && text.contains(&url),
        "{text}"
    );
    (repo, lib, url)
}

fn stage_gitmodules(repo: &TestRepo, text: &str) {
    repo.write(".gitmodules", text).stage(&[".gitmodules"]);
}

fn assert_blocks(run: &Run, rule: &str) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rules()
            .iter()
            .any(|(r, f, _)| r == rule && f == ".gitmodules"),
        "want {rule} in .gitmodules: {}",
        run.stdout
    );
}

fn assert_silent(run: &Run) {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.rule_names(), Vec::<String>::new(), "{}", run.stdout);
}

/// The ways git lets a `.gitmodules` give `lib` the URL `to` while the
/// first section still reads `url`.
fn respelled(url: &str, to: &str) -> Vec<String> {
    vec![
        // A second section of the same name, merged by git.
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n[submodule \"lib\"]\n\turl = {to}\n"),
        // Case-insensitive section and key names.
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n[Submodule \"lib\"]\n\tURL = {to}\n"),
        // The old `[submodule.NAME]` form.
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n[submodule.lib]\n\tUrl = {to}\n"),
        // A continuation line and quotes.
        format!(
            "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = \"{}\\\n{}\" ; was {url}\n",
            &to[..10],
            &to[10..]
        ),
    ]
}

#[test]
fn a_submodule_url_changed_through_git_config_syntax_is_a_source_change_at_pre_commit() {
    let (repo, _lib, url) = with_submodule(None);
    for text in respelled(&url, EVIL) {
        stage_gitmodules(&repo, &text);
        let run = check_staged(&repo);
        assert_blocks(&run, "source-change");
        assert!(run.messages()[0].contains("evil/lib"), "{}", run.stdout);
    }
}

#[test]
fn a_submodule_url_changed_through_git_config_syntax_is_not_allowed_under_the_allowlist() {
    let (repo, _lib, url) = with_submodule(Some("[allow]\nmodules = [\"file:///**\"]\n"));
    for text in respelled(&url, EVIL) {
        stage_gitmodules(&repo, &text);
        assert_blocks(&check_staged(&repo), "not-allowed");
    }
}

#[test]
fn a_second_url_for_one_submodule_is_refused() {
    // git reads the last value from the work tree but the first from a
    // commit: what is fetched cannot be told, whichever comes first.
    let (repo, _lib, url) = with_submodule(None);
    for text in [
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = {url}\n[submodule \"lib\"]\n\turl = {EVIL}\n"),
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = {EVIL}\n\tURL = {url}\n"),
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = {url}\n[submodule.lib]\n\turl = {EVIL}\n"),
        // Another name with the same path.
        format!("[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = {url}\n[submodule \"lib2\"]\n\tpath = vendor/lib\n\turl = {EVIL}\n"),
    ] {
        stage_gitmodules(&repo, &text);
        assert_blocks(&check_staged(&repo), "parse-error");
    }
}

#[test]
fn a_submodule_url_changed_through_git_config_syntax_is_a_source_change_in_a_range() {
    let (repo, _lib, url) = with_submodule(None);
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    stage_gitmodules(&repo, &respelled(&url, EVIL)[2]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "old form"]);
    let range = format!("{base}..HEAD");
    let run = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_blocks(&run, "source-change");
}

#[test]
fn the_same_submodule_url_respelled_stays_silent() {
    let (repo, _lib, url) = with_submodule(None);
    let mut texts = respelled(&url, &url);
    texts.extend([
        format!("\u{feff}[SUBMODULE \"lib\"] PATH = \"vendor/lib\"\r\n  url = {url} # the library\r\n"),
        format!("; libraries\n[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = {url}\n[submodule \"lib\"]\n\turl = {url}\n[include]\n\tpath = other\n"),
    ]);
    for text in texts {
        stage_gitmodules(&repo, &text);
        assert_silent(&check_staged(&repo));
    }
}
