//! Routes the adversarial review found in how addresses are read (issue
//! 18): `.gitmodules` read otherwise than git reads it (route 15), and
//! local paths that leave the repository (route 19).

use crate::util::{check_staged, judge_added, judge_change, Run, TestRepo};

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

/// git's own reading of `.gitmodules`: every value of `submodule.lib.KEY`,
/// or `None` when git rejects the file.
fn git_values(repo: &TestRepo, key: &str) -> Option<Vec<String>> {
    let out = repo
        .command("git")
        .args(["config", "-f", ".gitmodules", "--get-all"])
        .arg(format!("submodule.lib.{key}"))
        .output()
        .expect("git config");
    match out.status.code() {
        Some(0) => Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned)
                .collect(),
        ),
        // The key is not set.
        Some(1) => Some(Vec::new()),
        _ => None,
    }
}

#[test]
fn submodule_urls_are_judged_as_git_reads_them() {
    let (repo, _lib, url) = with_submodule(None);
    let headers = [
        "[submodule \"lib\"]",
        "[Submodule \"lib\"]",
        "[submodule.lib]",
        "[SubModule.LIB]",
        "[submodule \"lib\" ]",
    ];
    let keys = ["url", "URL", "uRl"];
    let values = [
        |u: &str| u.to_owned(),
        |u: &str| format!("\"{u}\""),
        |u: &str| format!("{u} # comment"),
        |u: &str| format!("\"{}\\\n{}\" ; c", &u[..8], &u[8..]),
        |u: &str| format!("\"{u}\"   ; \"x\""),
    ];
    let mut judged = 0;
    for (i, header) in headers.iter().enumerate() {
        for (j, key) in keys.iter().enumerate() {
            for (k, value) in values.iter().enumerate() {
                // One in three combinations, so every part is met.
                if (i + j + k) % 3 != 0 {
                    continue;
                }
                let to = if (i + k) % 2 == 0 { url.as_str() } else { EVIL };
                let eol = if j == 1 { "\r\n" } else { "\n" };
                let text = format!(
                    "[submodule \"lib\"]{eol}\tpath = vendor/lib{eol}{header}{eol}\t{key} = {}{eol}",
                    value(to)
                );
                stage_gitmodules(&repo, &text);
                let run = check_staged(&repo);
                let urls = git_values(&repo, "url");
                let want = match urls.as_deref() {
                    None => Some("parse-error"),
                    Some([one]) if *one == url => None,
                    Some([_]) => Some("source-change"),
                    Some(_) => Some("parse-error"),
                };
                let got = run.rule_names();
                let ok = match want {
                    None => run.code == 0 && got.is_empty(),
                    Some(rule) => run.code == 1 && got.iter().any(|r| r == rule),
                };
                assert!(
                    ok,
                    "{text:?}: git reads {urls:?}, want {want:?}, got {got:?}"
                );
                judged += 1;
            }
        }
    }
    assert!(judged >= 20, "{judged}");
}

// ---- Route 19: local paths that leave the repository ----

fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() as u64 + 1
}

fn assert_unpinned_at(run: &Run, path: &str, line: u64) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.rules()
            .contains(&("unpinned".into(), path.into(), line)),
        "want unpinned at {path}:{line}: {}",
        run.stdout
    );
    assert!(
        run.messages().iter().any(|m| [
            "out of the repository",
            "outside the repository",
            "absolute path"
        ]
        .iter()
        .any(|why| m.contains(why))),
        "{}",
        run.stdout
    );
}

fn module(source: &str) -> String {
    format!("module \"x\" {{\n  source = \"{source}\"\n}}\n")
}

const TF: &str = "stacks/net/main.tf";

#[test]
fn a_terraform_module_from_outside_the_repository_is_blocked_at_pre_commit() {
    for source in [
        "../../../../tmp/x",
        "../../../x",
        "/abs/x",
        "file::/srv/modules/x",
        "./../../../x",
    ] {
        let text = module(source);
        assert_unpinned_at(&judge_added(TF, &text), TF, 2);
    }
    // The JSON syntax too.
    let json = "{\"module\": {\"x\": {\"source\": \"../../../x\"}}}\n";
    let run = judge_added("stacks/net/main.tf.json", json);
    assert_unpinned_at(&run, "stacks/net/main.tf.json", 1);
    // A remote source that becomes a path outside.
    let remote = module(&format!(
        "git::https://github.com/acme/x.git?ref={}",
        crate::util::SHA
    ));
    let run = judge_change(TF, &remote, &module("../../../x"));
    assert_unpinned_at(&run, TF, 2);
    // A path inside that becomes one outside.
    let run = judge_change(TF, &module("../../modules/x"), &module("../../../x"));
    assert_unpinned_at(&run, TF, 2);
}

#[test]
fn a_terraform_module_from_outside_the_repository_is_blocked_in_a_range() {
    let repo = TestRepo::new();
    repo.write(TF, &module("../../modules/x"))
        .commit_all("inside");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write(TF, &module("../../../../tmp/x")).stage(&[TF]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "outside"]);
    let range = format!("{base}..HEAD");
    let run = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_unpinned_at(&run, TF, 2);
}

#[test]
fn local_paths_that_stay_inside_the_repository_stay_silent() {
    for source in ["../modules/x", "../../modules/x", "./x", "../net/../dns"] {
        assert_silent(&judge_added(TF, &module(source)));
    }
    assert_silent(&judge_change(
        TF,
        &module("../modules/x"),
        &module("../../modules/y"),
    ));
    // A path outside that was there before is not introduced by the change.
    let outside = module("../../../x");
    let both = format!("{outside}module \"y\" {{\n  source = \"../modules/y\"\n}}\n");
    assert_silent(&judge_change(TF, &outside, &both));
}

const KUSTOMIZATION: &str = "deploy/overlays/prod/kustomization.yaml";
const CHART: &str = "charts/app/Chart.yaml";
const UNIT: &str = "live/prod/vpc/terragrunt.hcl";

#[test]
fn kustomize_helm_and_terragrunt_paths_outside_the_repository_are_blocked_at_pre_commit() {
    for (section, entry) in [
        ("resources", "../../../../../tmp/x"),
        ("bases", "/srv/base"),
        ("components", "../../../../elsewhere/c"),
        ("resources", "file:///srv/base"),
    ] {
        let text = match section {
            "resources" => format!("resources:\n  - ../../base\n  - {entry}\n"),
            _ => format!("resources:\n  - ../../base\n{section}:\n  - {entry}\n"),
        };
        let run = judge_added(KUSTOMIZATION, &text);
        assert_unpinned_at(&run, KUSTOMIZATION, line_of(&text, entry));
    }
    for repository in ["file://../../../x", "file:///srv/charts/x"] {
        let text = format!(
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 1.0.0\n    repository: {repository}\n"
        );
        let run = judge_added(CHART, &text);
        assert_unpinned_at(&run, CHART, line_of(&text, repository));
    }
    for text in [
        "terraform {\n  source = \"../../../../tmp/x\"\n}\n",
        "terraform {\n  source = \"${get_terragrunt_dir()}/../../../../tmp/x\"\n}\n",
        "terraform {\n  source = \"/opt/modules/vpc\"\n}\n",
    ] {
        assert_unpinned_at(&judge_added(UNIT, text), UNIT, 2);
    }
    for path in [
        "\"/etc/terragrunt/root.hcl\"",
        "\"${get_repo_root()}/../root.hcl\"",
    ] {
        let text = format!("include \"root\" {{\n  path = {path}\n}}\n");
        assert_unpinned_at(&judge_added(UNIT, &text), UNIT, 2);
        // A dependency's unit, which Terragrunt runs to read its outputs.
        let text = format!("dependency \"vpc\" {{\n  config_path = {path}\n}}\n");
        assert_unpinned_at(&judge_added(UNIT, &text), UNIT, 2);
    }
}

#[test]
fn a_kustomize_base_outside_the_repository_is_blocked_in_a_range() {
    let repo = TestRepo::new();
    let before = "resources:\n  - ../../base\n";
    repo.write(KUSTOMIZATION, before).commit_all("inside");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let after = "resources:\n  - ../../../../../base\n";
    repo.write(KUSTOMIZATION, after).stage(&[KUSTOMIZATION]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "outside"]);
    let range = format!("{base}..HEAD");
    let run = repo.iacgate(&["check", "--range", &range, "--format", "json"]);
    assert_unpinned_at(&run, KUSTOMIZATION, 2);
}

#[test]
fn kustomize_helm_and_terragrunt_paths_inside_the_repository_stay_silent() {
    let text = "resources:\n  - deployment.yaml\n  - ../../base\n  - ../../../components/x\nbases:\n  - ../base\ncomponents:\n  - ../../../deploy/c\n";
    assert_silent(&judge_added(KUSTOMIZATION, text));
    let text = "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 1.0.0\n    repository: file://../common\n";
    assert_silent(&judge_added(CHART, text));
    let repo = TestRepo::new();
    repo.write("root.hcl", "locals {\n  x = 1\n}\n");
    repo.write("modules/vpc/main.tf", "# vpc\n");
    repo.commit_all("root");
    for text in [
        "terraform {\n  source = \"../../../modules/vpc\"\n}\n",
        "terraform {\n  source = \"${get_terragrunt_dir()}/../../../modules/vpc\"\n}\n",
        "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n",
        "include \"root\" {\n  path = \"${get_repo_root()}/root.hcl\"\n}\n",
        "dependency \"dns\" {\n  config_path = \"../dns\"\n}\n",
    ] {
        repo.write(UNIT, text).stage(&[UNIT]);
        assert_silent(&check_staged(&repo));
    }
}

fn nested_stack(url: &str) -> String {
    format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n"
    )
}

#[test]
fn a_nested_template_from_outside_the_repository_is_blocked() {
    const TEMPLATE: &str = "stacks/app/template.yaml";
    for url in ["../../../tmp/net.yaml", "/srv/templates/net.yaml"] {
        let run = judge_added(TEMPLATE, &nested_stack(url));
        assert_unpinned_at(&run, TEMPLATE, 6);
    }
    for url in ["./net.yaml", "../shared/net.yaml", "../../net.yaml"] {
        assert_silent(&judge_added(TEMPLATE, &nested_stack(url)));
    }
}
