//! `iacgate pin` and `iacgate verify` against real remotes: bare
//! repositories on disk, reached through `file://` URLs and the
//! `url.<base>.insteadOf` rewrites a user would configure.

use crate::util::TestRepo;

/// An upstream module repository: a bare repository `<dir>/net.git` fed
/// from a work repository, so tests can tag, branch and move tags.
struct Upstream {
    work: TestRepo,
    dir: tempfile::TempDir,
}

impl Upstream {
    fn new() -> Upstream {
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
        let upstream = Upstream { work, dir };
        upstream.commit("first");
        upstream
    }

    /// The directory holding `net.git`, as a URL prefix.
    fn base(&self) -> String {
        format!("file://{}/", self.dir.path().display())
    }

    /// A new commit on main, pushed; its id.
    fn commit(&self, message: &str) -> String {
        self.work
            .git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.work
            .git(&["push", "-q", "origin", "HEAD:refs/heads/main"]);
        self.work.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    fn tag(&self, name: &str) {
        self.work.git(&["tag", name]);
        self.work
            .git(&["push", "-q", "origin", &format!("refs/tags/{name}")]);
    }

    fn annotated_tag(&self, name: &str) {
        self.work.git(&["tag", "-a", name, "-m", "release"]);
        self.work
            .git(&["push", "-q", "origin", &format!("refs/tags/{name}")]);
    }

    /// Force-moves a tag to the current commit, as an attacker would.
    fn move_tag(&self, name: &str) {
        self.work.git(&["tag", "-f", name]);
        self.work
            .git(&["push", "-q", "-f", "origin", &format!("refs/tags/{name}")]);
    }

    fn id(&self, rev: &str) -> String {
        self.work.git(&["rev-parse", rev]).trim().to_owned()
    }
}

/// A clone whose git config sends `https://github.com/acme/` to the
/// upstream's directory, as a mirror or test setup would.
fn infra(upstream: &Upstream) -> TestRepo {
    let repo = TestRepo::new();
    repo.git(&[
        "config",
        &format!("url.{}.insteadOf", upstream.base()),
        "https://github.com/acme/",
    ]);
    repo
}

const MODULES: &str = "\
# Networking for the shop.\r
module \"vpc\" {\r
  source   = \"github.com/acme/net.git//vpc?ref=v1.0.0\"\r
  cidr     =   \"10.0.0.0/16\"   # odd spacing stays\r
}\r
\r
module \"dns\" {\r
  source = \"git::https://github.com/acme/net.git?ref=main\" # tracks main\r
}\r
\r
module \"peer\" {\r
  source = \"github.com/acme/net.git//peer?ref=v1.1.0\"\r
}\r
";

#[test]
fn pins_tags_branches_and_annotated_tags_to_commits_and_nothing_else_changes() {
    let upstream = Upstream::new();
    let v1 = upstream.id("HEAD");
    upstream.tag("v1.0.0");
    let main_tip = upstream.commit("second");
    upstream.annotated_tag("v1.1.0");
    let tag_object = upstream.id("refs/tags/v1.1.0");
    assert_eq!(upstream.id("v1.1.0^{commit}"), main_tip);
    assert_ne!(
        tag_object, main_tip,
        "an annotated tag is an object of its own"
    );

    let repo = infra(&upstream);
    repo.write("net/main.tf", MODULES);
    let run = repo.iacgate(&["pin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = MODULES
        .replace("vpc?ref=v1.0.0\"\r", &format!("vpc?ref={v1}\" # v1.0.0\r"))
        .replace(
            "ref=main\" # tracks main",
            &format!("ref={main_tip}\" # main # tracks main"),
        )
        .replace(
            "peer?ref=v1.1.0\"\r",
            &format!("peer?ref={main_tip}\" # v1.1.0\r"),
        );
    assert_eq!(repo.read("net/main.tf"), expected);
    assert!(!repo.read("net/main.tf").contains(&tag_object));
    assert!(run.stderr.contains("(annotated tag)"), "{}", run.stderr);
    assert!(
        run.stderr.contains("pinned 3 ref(s) in 1 file"),
        "{}",
        run.stderr
    );

    // Pinned files judge clean: the tags still name the commits.
    let verify = repo.iacgate(&["verify", ".", "--format", "json"]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert!(verify.rules().is_empty(), "{}", verify.stdout);
    let unchecked = verify.json()["unchecked"].as_array().expect("list").clone();
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert!(unchecked[0]["reason"].as_str().unwrap().contains("branch"));

    // A second run has nothing left to do.
    let again = repo.iacgate(&["pin"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("pinned 0 ref(s)"), "{}", again.stderr);
    assert_eq!(repo.read("net/main.tf"), expected);
}

#[test]
fn pins_actions_and_kustomize_remotes_and_dry_run_writes_nothing() {
    let upstream = Upstream::new();
    upstream.tag("v2");
    let v2 = upstream.id("HEAD");
    let repo = infra(&upstream);
    let workflow = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/net@v2\n      - uses: \"acme/net/sub@v2\"   # the sub-action\n";
    let kustomization = "resources:\n  - https://github.com/acme/net//deploy?ref=v2&timeout=90s\n";
    repo.write(".github/workflows/ci.yml", workflow);
    repo.write("k8s/kustomization.yaml", kustomization);

    let dry = repo.iacgate(&["pin", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains(&format!("+      - uses: acme/net@{v2} # v2\n")),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("--- a/.github/workflows/ci.yml"),
        "{}",
        dry.stdout
    );
    assert_eq!(repo.read(".github/workflows/ci.yml"), workflow);
    assert_eq!(repo.read("k8s/kustomization.yaml"), kustomization);

    let run = repo.iacgate(&["pin", "k8s", ".github/workflows/ci.yml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("pinned 3 ref(s) in 2 files"),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.read(".github/workflows/ci.yml"),
        workflow
            .replace("acme/net@v2\n", &format!("acme/net@{v2} # v2\n"))
            .replace(
                "\"acme/net/sub@v2\"   # the",
                &format!("\"acme/net/sub@{v2}\"   # v2 # the")
            )
    );
    assert_eq!(
        repo.read("k8s/kustomization.yaml"),
        format!("resources:\n  - https://github.com/acme/net//deploy?ref={v2}&timeout=90s # v2\n")
    );
}

#[test]
fn pins_terragrunt_sources_and_leaves_json_alone() {
    let upstream = Upstream::new();
    upstream.tag("v3");
    let v3 = upstream.id("HEAD");
    let repo = infra(&upstream);
    let unit = "include \"root\" {\n  path = find_in_parent_folders()\n}\n\nterraform {\n  source = \"git::https://github.com/acme/net.git//app?ref=v3\"\n}\n";
    let json = "{\"module\": {\"x\": {\"source\": \"github.com/acme/net.git?ref=v3\"}}}\n";
    repo.write("live/app/terragrunt.hcl", unit);
    repo.write("json/main.tf.json", json);
    let run = repo.iacgate(&["pin"]);
    assert_eq!(
        run.code, 1,
        "the JSON file cannot carry a comment: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("json/main.tf.json:1:58: module \"x\": not pinned: JSON has no comments"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read("json/main.tf.json"), json);
    assert_eq!(
        repo.read("live/app/terragrunt.hcl"),
        unit.replace("app?ref=v3\"", &format!("app?ref={v3}\" # v3"))
    );
}

#[test]
fn verify_catches_a_moved_tag_and_a_comment_that_names_another_release() {
    let upstream = Upstream::new();
    upstream.tag("v1.0.0");
    let pinned = upstream.id("HEAD");
    upstream.commit("second");
    upstream.tag("v1.1.0");
    let repo = infra(&upstream);
    repo.write(
        "main.tf",
        "module \"a\" {\n  source = \"github.com/acme/net.git?ref=v1.0.0\"\n}\n",
    );
    assert_eq!(repo.iacgate(&["pin"]).code, 0);
    repo.commit_all("pin");
    assert_eq!(repo.iacgate(&["verify"]).code, 0);

    // Someone with push access moves v1.0.0 to a commit of their own.
    let evil = upstream.commit("evil");
    upstream.move_tag("v1.0.0");
    let run = repo.iacgate(&["verify", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), [("tag-moved".into(), "main.tf".into(), 2)]);
    let finding = &run.json()["findings"][0];
    assert_eq!(finding["old"], pinned.as_str());
    assert_eq!(finding["new"], evil.as_str());

    // A release tag that moved away from the pin is reported as moved
    // even while another tag still names the pinned commit.
    upstream.tag("v1.0");
    let _ = upstream.commit("more");
    let second = upstream.id("v1.1.0");
    upstream.move_tag("v1.1.0");
    repo.write(
        "main.tf",
        &format!(
            "module \"a\" {{\n  source = \"github.com/acme/net.git?ref={second}\" # v1.1.0\n}}\n"
        ),
    );
    let run = repo.iacgate(&["verify", "--format", "json"]);
    assert_eq!(
        run.messages().len(),
        1,
        "verify reads the index, which has the v1.0.0 pin: {}",
        run.stdout
    );
    repo.stage(&["main.tf"]);
    let run = repo.iacgate(&["verify", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rule_names(), ["tag-moved"]);

    // A comment naming a release the remote does not have.
    let text = repo.read("main.tf").replace("# v1.1.0", "# v1.0.1");
    repo.write("main.tf", &text);
    repo.stage(&["main.tf"]);
    let run = repo.iacgate(&["verify", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rule_names(), ["comment-mismatch"]);
    assert!(
        run.messages()[0].contains("the comment says v1.0.1")
            && run.messages()[0].contains("has no tag or branch \"v1.0.1\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_floating_tag_is_pinned_as_its_release_and_moving_on_only_warns() {
    let upstream = Upstream::new();
    upstream.tag("v2.0.0");
    upstream.annotated_tag("v2");
    let release = upstream.id("HEAD");
    let repo = infra(&upstream);
    let workflow = "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: acme/net@v2\n";
    repo.write(".github/workflows/ci.yml", workflow);
    let run = repo.iacgate(&["pin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("written as v2.0.0"), "{}", run.stderr);
    assert_eq!(
        repo.read(".github/workflows/ci.yml"),
        workflow.replace("acme/net@v2\n", &format!("acme/net@{release} # v2.0.0\n"))
    );

    // An old-style `# v2` comment, after v2 moved on to v2.1.0: a warning
    // that names the release the pin is, not a block.
    repo.write(
        ".github/workflows/ci.yml",
        &workflow.replace("acme/net@v2\n", &format!("acme/net@{release} # v2\n")),
    );
    upstream.commit("next");
    upstream.tag("v2.1.0");
    upstream.move_tag("v2");
    let run = repo.iacgate(&["verify", ".", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let finding = &run.json()["findings"][0];
    assert_eq!(finding["rule"], "comment-mismatch");
    assert_eq!(finding["severity"], "warning");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("the pinned commit is v2.0.0"),
        "{finding}"
    );
}

#[test]
fn refs_pin_cannot_make_work_are_refused_and_counted() {
    let upstream = Upstream::new();
    upstream.tag("v1");
    upstream.work.git(&["branch", "v1"]);
    upstream
        .work
        .git(&["push", "-q", "origin", "refs/heads/v1"]);
    upstream.commit("later");
    upstream
        .work
        .git(&["push", "-q", "-f", "origin", "HEAD:refs/heads/v1"]);
    let repo = infra(&upstream);
    let text = "module \"shallow\" {\n  source = \"git::https://github.com/acme/net.git?depth=1&ref=v1\"\n}\n\
                module \"ambiguous\" {\n  source = \"github.com/acme/net.git?ref=v1\"\n}\n\
                module \"branch\" {\n  source = \"github.com/acme/net.git?ref=refs/heads/v1\"\n}\n";
    repo.write("main.tf", text);
    repo.write(
        "live/terragrunt.hcl",
        "locals {\n  v = \"v1\"\n}\nterraform {\n  source = \"github.com/acme/net.git?ref=${local.v}\"\n}\n",
    );
    let run = repo.iacgate(&["pin"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("remove depth= and pin again"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("has a tag and a branch named \"v1\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("pin it where it is written"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("pinned 1 ref(s) in 1 file; 3 could not be pinned"),
        "{}",
        run.stderr
    );
    let pinned = repo.read("main.tf");
    assert!(pinned.contains("# refs/heads/v1\n"), "{pinned}");

    // The branch comment pin wrote reads back as a branch: not checked.
    repo.stage(&["main.tf"]);
    let run = repo.iacgate(&["verify", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let unchecked = run.json()["unchecked"].clone();
    assert!(
        unchecked
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["reason"].as_str().unwrap().contains("branch")),
        "{unchecked}"
    );
}

#[test]
fn an_unreachable_remote_is_reported_and_the_others_still_pinned_and_verified() {
    let upstream = Upstream::new();
    upstream.tag("v1.0.0");
    let v1 = upstream.id("HEAD");
    let repo = infra(&upstream);
    let gone = format!("file://{}/gone.git", upstream.dir.path().display());
    repo.write(
        "main.tf",
        &format!(
            "module \"a\" {{\n  source = \"github.com/acme/net.git?ref=v1.0.0\"\n}}\n\
             module \"b\" {{\n  source = \"git::{gone}?ref=v1.0.0\"\n}}\n"
        ),
    );
    let run = repo.iacgate(&["pin"]);
    assert_eq!(run.code, 1, "one ref could not be pinned: {}", run.stderr);
    assert!(
        run.stderr.contains("module \"b\": not pinned"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("gone.git"), "{}", run.stderr);
    let text = repo.read("main.tf");
    assert!(text.contains(&format!("?ref={v1}\" # v1.0.0\n")), "{text}");
    assert!(text.contains("gone.git?ref=v1.0.0\"\n"), "{text}");

    // Pin b by hand, then lose its remote: verify checks a, lists b.
    let text = text.replace(
        "gone.git?ref=v1.0.0\"",
        &format!("gone.git?ref={v1}\" # v1.0.0"),
    );
    repo.write("main.tf", &text);
    let moved = upstream.commit("moved");
    upstream.move_tag("v1.0.0");
    let run = repo.iacgate(&["verify", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rule_names(), ["tag-moved"]);
    assert_eq!(run.json()["findings"][0]["new"], moved.as_str());
    let unchecked = run.json()["unchecked"].clone();
    assert_eq!(unchecked.as_array().map(Vec::len), Some(1), "{unchecked}");
    assert_eq!(unchecked[0]["name"], "b");
    assert!(unchecked[0]["reason"]
        .as_str()
        .unwrap()
        .contains("gone.git"));

    // Offline: nothing is asked, everything is listed.
    let offline = repo.iacgate(&["verify", ".", "--offline", "--format", "json"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(
        offline.json()["unchecked"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn verify_reads_a_revision_of_a_bare_repository_and_honours_suppressions() {
    let upstream = Upstream::new();
    upstream.tag("v1.0.0");
    let pinned = upstream.id("HEAD");
    upstream.commit("second");
    upstream.move_tag("v1.0.0");
    let repo = infra(&upstream);
    repo.write(
        "main.tf",
        &format!(
            "module \"a\" {{\n  source = \"github.com/acme/net.git?ref={pinned}\" # v1.0.0\n}}\n\
             module \"b\" {{\n  # iacgate:allow tag-moved -- kept as reviewed, OPS-311\n  source = \"github.com/acme/net.git?ref={pinned}\" # v1.0.0\n}}\n"
        ),
    );
    repo.commit_all("pins");
    let server = repo.bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    let bare = TestRepo::new();
    let out = bare
        .command("git")
        .current_dir(server.path())
        .args([
            "config",
            &format!("url.{}.insteadOf", upstream.base()),
            "https://github.com/acme/",
        ])
        .status()
        .expect("git config");
    assert!(out.success());
    let out = bare
        .command(crate::util::bin())
        .current_dir(server.path())
        .args(["verify", "--rev", "main", "--format", "json"])
        .output()
        .expect("run");
    let run = crate::util::Run::from(out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["suppressed"], false);
    assert_eq!(findings[1]["suppressed"], true);
    assert_eq!(findings[0]["old"], pinned.as_str());
}

/// A module registry on 127.0.0.1: service discovery and one module's
/// versions, answered by a thread of the test. Its address.
fn local_registry() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or_default();
            let (status, body) = match path {
                "/.well-known/terraform.json" => ("200 OK", r#"{"modules.v1":"/api/modules/"}"#),
                "/api/modules/acme/vpc/aws/versions" => (
                    "200 OK",
                    r#"{"modules":[{"versions":[{"version":"5.0.9"},{"version":"5.8.1"},{"version":"5.9.0-rc1"},{"version":"6.0.0"}]}]}"#,
                ),
                _ => ("404 Not Found", "{}"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}

#[test]
fn registry_ranges_are_looked_up_only_when_asked() {
    let registry = local_registry();
    let repo = TestRepo::new();
    let text = format!(
        "module \"vpc\" {{\n  source  = \"{registry}/acme/vpc/aws\"\n  version = \"~> 5.1\"\n}}\n\
         module \"gone\" {{\n  source  = \"{registry}/acme/gone/aws\"\n  version = \">= 1.0\"\n}}\n"
    );
    repo.write("main.tf", &text);

    let offline = repo.iacgate(&["pin"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert!(
        offline
            .stderr
            .contains("2 registry module(s) have a version range; `iacgate pin --registry`"),
        "{}",
        offline.stderr
    );

    let run = repo.iacgate(&["pin", "--registry"]);
    assert_eq!(
        run.code, 1,
        "one module could not be looked up: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "main.tf:3:13: module \"vpc\": version \"~> 5.1\": the newest release that satisfies it is 5.8.1; pin it with version = \"5.8.1\""
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("module \"gone\": version \">= 1.0\": not looked up: GET http://"),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.read("main.tf"),
        text,
        "ranges are reported, not rewritten"
    );
}
