//! Review 3, routes 64-69: what Compose, npm, uv and pipenv really load
//! (named build contexts, `npm-shrinkwrap.json`, `include` environments,
//! `uv.lock` / `Pipfile.lock`, the file Compose prefers) and two false
//! alarms in registry settings.

use crate::util::{judged_both_ways, Rules};

fn names(rules: &Rules) -> Vec<&str> {
    let mut v: Vec<&str> = rules.iter().map(|r| r.0.as_str()).collect();
    v.sort_unstable();
    v
}

const D: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const E: &str = "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

// ---- F21 (route 65): npm-shrinkwrap.json, which npm prefers.

const AWS_JSON: &str = r#"{"name":"app","version":"1.0.0","dependencies":{"@pulumi/aws":"6.0.0"}}
"#;

fn npm_lock(registry: &str, integrity: &str) -> String {
    format!(
        r#"{{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{{"":{{"name":"app","version":"1.0.0","dependencies":{{"@pulumi/aws":"6.0.0"}}}},"node_modules/@pulumi/aws":{{"version":"6.0.0","resolved":"{registry}/@pulumi/aws/-/aws-6.0.0.tgz","integrity":"sha512-{integrity}"}}}}}}
"#
    )
}

const GOOD_INT: &str =
    "v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";
const EVIL_INT: &str =
    "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

#[test]
fn shrinkwrap_beside_package_lock_replaces_it() {
    let (rules, code) = judged_both_ways(
        &[
            ("js/package.json", AWS_JSON),
            (
                "js/package-lock.json",
                &npm_lock("https://registry.npmjs.org", GOOD_INT),
            ),
        ],
        &[(
            "js/npm-shrinkwrap.json",
            Some(&npm_lock("https://evil.example.com", EVIL_INT)),
        )],
    );
    assert_eq!(names(&rules), ["lock-tamper", "source-change"], "{rules:?}");
    assert!(rules.iter().all(|r| r.1 == "js/npm-shrinkwrap.json"));
    assert_eq!(code, 1);
}

#[test]
fn shrinkwrap_edited_like_package_lock_is_judged() {
    let (rules, code) = judged_both_ways(
        &[
            ("js/package.json", AWS_JSON),
            (
                "js/npm-shrinkwrap.json",
                &npm_lock("https://registry.npmjs.org", GOOD_INT),
            ),
        ],
        &[(
            "js/npm-shrinkwrap.json",
            Some(&npm_lock("https://evil.example.com", EVIL_INT)),
        )],
    );
    assert_eq!(names(&rules), ["lock-tamper", "source-change"], "{rules:?}");
    assert_eq!(code, 1);
}

#[test]
fn shrinkwrap_with_the_same_lock_is_silent() {
    let lock = npm_lock("https://registry.npmjs.org", GOOD_INT);
    let (rules, code) = judged_both_ways(
        &[
            ("js/package.json", AWS_JSON),
            ("js/package-lock.json", &lock),
        ],
        &[("js/npm-shrinkwrap.json", Some(&lock))],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

// ---- F32 (route 69): compose.yaml beside docker-compose.yml replaces it.

#[test]
fn compose_yaml_beside_docker_compose_yml_replaces_it() {
    let (rules, code) = judged_both_ways(
        &[(
            "app/docker-compose.yml",
            &format!("services:\n  web:\n    image: nginx@{D}\n"),
        )],
        &[(
            "app/compose.yaml",
            Some(&format!("services:\n  web:\n    image: evil/nginx@{E}\n")),
        )],
    );
    assert_eq!(
        names(&rules),
        ["source-change", "version-change"],
        "{rules:?}"
    );
    assert!(rules.iter().all(|r| r.1 == "app/compose.yaml"));
    assert_eq!(code, 1);
}

#[test]
fn compose_yaml_beside_docker_compose_yml_with_the_same_services_is_silent() {
    let text = format!("services:\n  web:\n    image: nginx@{D}\n");
    let (rules, code) = judged_both_ways(
        &[("app/docker-compose.yml", &text)],
        &[("app/compose.yaml", Some(&text))],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn a_shadowed_compose_file_is_not_judged_as_loaded() {
    // docker-compose.yml is left out while compose.yaml is there.
    let text = format!("services:\n  web:\n    image: nginx@{D}\n");
    let (rules, code) = judged_both_ways(
        &[("app/compose.yaml", &text)],
        &[(
            "app/docker-compose.yml",
            Some("services:\n  web:\n    image: nginx:latest\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
    // Removing compose.yaml makes Compose load it: judged then.
    let (rules, code) = judged_both_ways(
        &[
            ("app/compose.yaml", &text),
            (
                "app/docker-compose.yml",
                "services:\n  web:\n    image: nginx:latest\n",
            ),
        ],
        &[("app/compose.yaml", None)],
    );
    assert!(names(&rules).contains(&"unpinned"), "{rules:?}");
    assert_eq!(code, 1);
}

// ---- F29 (route 68): registry settings that move no judged package.

const APP_JSON: &str = r#"{"name":"app","version":"1.0.0","dependencies":{"@pulumi/aws":"6.0.0","@acme/util":"1.0.0"}}
"#;
const PYPROJECT: &str =
    "[project]\nname = \"infra\"\nversion = \"0.1.0\"\ndependencies = [\"pulumi-aws==6.0.0\"]\n";

#[test]
fn a_scope_registry_for_an_unjudged_scope_is_silent() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", APP_JSON)],
        &[(
            "js/.npmrc",
            Some("@acme:registry=https://npm.pkg.github.com\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn a_scope_registry_for_the_pulumi_scope_still_blocks() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", APP_JSON)],
        &[(
            "js/.npmrc",
            Some("@pulumi:registry=https://npm.evil.example\n"),
        )],
    );
    assert_eq!(names(&rules), ["source-change"]);
    assert_eq!(code, 1);
}

#[test]
fn a_uv_index_naming_pypi_is_silent() {
    let (rules, code) = judged_both_ways(
        &[("py/pyproject.toml", PYPROJECT)],
        &[(
            "py/uv.toml",
            Some("[[index]]\nurl = \"https://pypi.org/simple\"\ndefault = true\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
    let (rules, code) = judged_both_ways(
        &[("py/pyproject.toml", PYPROJECT)],
        &[(
            "py/uv.toml",
            Some("[[index]]\nurl = \"https://evil.example/simple\"\ndefault = true\n"),
        )],
    );
    assert_eq!(names(&rules), ["source-change"]);
    assert_eq!(code, 1);
}

// ---- F22 (route 66): an include that gives the included file another
// environment.

#[test]
fn an_include_with_its_own_env_file_blocks() {
    let base: Vec<(&str, String)> = vec![
        (
            "app/compose.yaml",
            "include:\n  - path: ./sub/compose.yaml\n".to_owned(),
        ),
        (
            "app/sub/compose.yaml",
            "services:\n  web:\n    image: ${IMG}\n".to_owned(),
        ),
        ("app/sub/.env", format!("IMG=nginx@{D}\n")),
    ];
    let base: Vec<(&str, &str)> = base.iter().map(|(p, t)| (*p, t.as_str())).collect();
    for include in [
        "include:\n  - path: ./sub/compose.yaml\n    env_file: ./deploy.env\n",
        "include:\n  - path: ./sub/compose.yaml\n    project_directory: .\n",
    ] {
        let (rules, code) = judged_both_ways(
            &base,
            &[
                ("app/compose.yaml", Some(include)),
                ("app/deploy.env", Some("IMG=evil/x:latest\n")),
                ("app/.env", Some("IMG=evil/x:latest\n")),
            ],
        );
        assert_eq!(
            rules,
            vec![("unpinned".to_owned(), "app/compose.yaml".to_owned(), 3)],
            "{include}"
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn an_unchanged_include_with_an_env_file_is_silent() {
    let include = "include:\n  - path: ./sub/compose.yaml\n    env_file: ./deploy.env\n";
    let sub = format!("services:\n  web:\n    image: nginx@{D}\n");
    let (rules, code) = judged_both_ways(
        &[
            ("app/compose.yaml", include),
            ("app/sub/compose.yaml", &sub),
        ],
        &[("app/compose.yaml", Some(&format!("# the stack\n{include}")))],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

// ---- F26 (route 67): uv.lock and Pipfile.lock.

const UV_LOCK: &str = r#"version = 1
requires-python = ">=3.9"

[[package]]
name = "pulumi-aws"
version = "6.0.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/pulumi_aws-6.0.0.tar.gz", hash = "sha256:1111111111111111111111111111111111111111111111111111111111111111" }

[[package]]
name = "requests"
version = "2.32.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/requests-2.32.0.tar.gz", hash = "sha256:3333333333333333333333333333333333333333333333333333333333333333" }
"#;

#[test]
fn uv_lock_repointed_to_another_index_blocks() {
    let evil = UV_LOCK
        .replacen(
            "https://pypi.org/simple",
            "https://evil.example.com/simple",
            1,
        )
        .replacen(
            "https://files.pythonhosted.org/packages",
            "https://evil.example.com/files",
            1,
        )
        .replace("sha256:1111", "sha256:2222");
    let (rules, code) = judged_both_ways(
        &[("py/pyproject.toml", PYPROJECT), ("py/uv.lock", UV_LOCK)],
        &[("py/uv.lock", Some(&evil))],
    );
    assert_eq!(names(&rules), ["lock-tamper", "source-change"], "{rules:?}");
    assert!(rules.iter().all(|r| r.1 == "py/uv.lock"));
    assert_eq!(code, 1);
}

#[test]
fn uv_lock_changes_of_unjudged_packages_are_silent() {
    let relocked = UV_LOCK
        .replace("2.32.0", "2.32.3")
        .replace("sha256:3333", "sha256:4444");
    let (rules, code) = judged_both_ways(
        &[("py/pyproject.toml", PYPROJECT), ("py/uv.lock", UV_LOCK)],
        &[("py/uv.lock", Some(&relocked))],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

fn pipfile_lock(index_url: &str, hash: &str) -> String {
    format!(
        r#"{{"_meta": {{"hash": {{"sha256": "x"}}, "pipfile-spec": 6, "requires": {{}}, "sources": [{{"name": "pypi", "url": "{index_url}", "verify_ssl": true}}]}},
 "default": {{"pulumi-aws": {{"hashes": ["sha256:{hash}"], "index": "pypi", "version": "==6.0.0"}}}},
 "develop": {{}}}}
"#
    )
}

#[test]
fn pipfile_lock_repointed_to_another_index_blocks() {
    let (rules, code) = judged_both_ways(
        &[(
            "py/Pipfile.lock",
            &pipfile_lock("https://pypi.org/simple", "1111"),
        )],
        &[(
            "py/Pipfile.lock",
            Some(&pipfile_lock("https://evil.example.com/simple", "2222")),
        )],
    );
    assert_eq!(names(&rules), ["lock-tamper", "source-change"], "{rules:?}");
    assert_eq!(code, 1);
    // Only the lock's own metadata moved: silent.
    let base = pipfile_lock("https://pypi.org/simple", "1111");
    let (rules, code) = judged_both_ways(
        &[("py/Pipfile.lock", &base)],
        &[(
            "py/Pipfile.lock",
            Some(&base.replace("\"sha256\": \"x\"", "\"sha256\": \"y\"")),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

// ---- F20 (route 64): compose build.additional_contexts.

fn tools_compose(context: &str) -> String {
    format!(
        "services:\n  web:\n    build:\n      context: .\n      additional_contexts:\n        tools: {context}\n"
    )
}

#[test]
fn a_named_build_context_is_not_a_docker_hub_image() {
    // The reviewer's base: silent now, the pinned context is judged in
    // the compose file (a new pinned image: a warning only).
    let (rules, code) = judged_both_ways(
        &[("README.md", "x\n")],
        &[
            (
                "app/Dockerfile",
                Some(&format!(
                    "FROM alpine@{D}\nCOPY --from=tools /bin/tool /usr/local/bin/tool\n"
                )),
            ),
            (
                "app/compose.yaml",
                Some(&tools_compose(&format!("docker-image://acme/tools@{D}"))),
            ),
        ],
    );
    assert!(rules.iter().all(|r| r.0 == "new-dependency"), "{rules:?}");
    assert_eq!(code, 0);
}

#[test]
fn a_named_build_context_moved_to_a_tag_blocks() {
    let dockerfile = format!("FROM alpine@{D}\nCOPY --from=tools /bin/tool /usr/local/bin/tool\n");
    let base = tools_compose(&format!("docker-image://acme/tools@{D}"));
    for moved in [
        "docker-image://evil/tools:latest",
        "https://github.com/evil/tools.git#main",
    ] {
        let (rules, code) = judged_both_ways(
            &[("app/Dockerfile", &dockerfile), ("app/compose.yaml", &base)],
            &[("app/compose.yaml", Some(&tools_compose(moved)))],
        );
        assert!(names(&rules).contains(&"unpinned"), "{moved}: {rules:?}");
        assert!(rules.iter().all(|r| r.1 == "app/compose.yaml"));
        assert_eq!(code, 1);
    }
    // A local directory or another service is no dependency.
    for local in ["../shared", "service:base"] {
        let (rules, code) = judged_both_ways(
            &[("app/Dockerfile", &dockerfile), ("app/compose.yaml", &base)],
            &[("app/compose.yaml", Some(&tools_compose(local)))],
        );
        assert_eq!(rules, Vec::new(), "{local}");
        assert_eq!(code, 0);
    }
}

// ---- F31 (route 73): Terragrunt prefers terragrunt.hcl.json.

const A1: &str = "1111111111111111111111111111111111111111";
const A3: &str = "5555555555555555555555555555555555555555";

fn tg_hcl(owner: &str, rev: &str) -> String {
    format!("terraform {{\n  source = \"git::https://github.com/{owner}/app.git?ref={rev}\"\n}}\n")
}

fn tg_json(owner: &str, rev: &str) -> String {
    format!(
        "{{\"terraform\":{{\"source\":\"git::https://github.com/{owner}/app.git?ref={rev}\"}}}}\n"
    )
}

const CHILD: &str = "include {\n  path = find_in_parent_folders()\n}\n";

#[test]
fn terragrunt_hcl_json_beside_a_unit_replaces_it() {
    let (rules, code) = judged_both_ways(
        &[("live/app/terragrunt.hcl", &tg_hcl("acme", A1))],
        &[("live/app/terragrunt.hcl.json", Some(&tg_json("fork", A3)))],
    );
    assert_eq!(
        names(&rules),
        ["source-change", "version-change"],
        "{rules:?}"
    );
    assert!(rules.iter().all(|r| r.1 == "live/app/terragrunt.hcl.json"));
    assert_eq!(code, 1);
}

#[test]
fn terragrunt_hcl_json_with_the_same_source_is_silent() {
    let (rules, code) = judged_both_ways(
        &[("live/app/terragrunt.hcl", &tg_hcl("acme", A1))],
        &[("live/app/terragrunt.hcl.json", Some(&tg_json("acme", A1)))],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
    // A terragrunt.hcl edited beside a terragrunt.hcl.json is not loaded.
    let (rules, code) = judged_both_ways(
        &[
            ("live/app/terragrunt.hcl", &tg_hcl("acme", A1)),
            ("live/app/terragrunt.hcl.json", &tg_json("acme", A1)),
        ],
        &[("live/app/terragrunt.hcl", Some(&tg_hcl("fork", A3)))],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn removing_terragrunt_hcl_json_judges_the_terragrunt_hcl_it_hid() {
    let (rules, code) = judged_both_ways(
        &[
            ("live/app/terragrunt.hcl", &tg_hcl("fork", A3)),
            ("live/app/terragrunt.hcl.json", &tg_json("acme", A1)),
        ],
        &[("live/app/terragrunt.hcl.json", None)],
    );
    assert_eq!(
        names(&rules),
        ["source-change", "version-change"],
        "{rules:?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn terragrunt_hcl_json_in_a_parent_find_in_parent_folders_reaches_blocks() {
    let base = [
        ("live/terragrunt.hcl", tg_hcl("acme", A1)),
        ("live/prod/app/terragrunt.hcl", CHILD.to_owned()),
    ];
    let base: Vec<(&str, &str)> = base.iter().map(|(p, t)| (*p, t.as_str())).collect();
    // Contrast: the HCL spelling, which was already judged.
    let (rules, code) = judged_both_ways(
        &base,
        &[("live/prod/terragrunt.hcl", Some(&tg_hcl("fork", A3)))],
    );
    assert!(names(&rules).contains(&"source-change"), "{rules:?}");
    assert_eq!(code, 1);
    let (rules, code) = judged_both_ways(
        &base,
        &[("live/prod/terragrunt.hcl.json", Some(&tg_json("fork", A3)))],
    );
    assert!(names(&rules).contains(&"source-change"), "{rules:?}");
    assert!(names(&rules).contains(&"version-change"), "{rules:?}");
    assert_eq!(code, 1);
    // The same source in a new parent: the unit is unchanged, and the new
    // file is judged as itself, in either spelling alike (a warning).
    let (hcl, hcl_code) = judged_both_ways(
        &base,
        &[("live/prod/terragrunt.hcl", Some(&tg_hcl("acme", A1)))],
    );
    let (rules, code) = judged_both_ways(
        &base,
        &[("live/prod/terragrunt.hcl.json", Some(&tg_json("acme", A1)))],
    );
    assert_eq!(names(&rules), names(&hcl), "{rules:?} {hcl:?}");
    assert_eq!(names(&rules), ["new-dependency"], "{rules:?}");
    assert!(rules.iter().all(|r| r.1 == "live/prod/terragrunt.hcl.json"));
    assert_eq!((code, hcl_code), (0, 0));
}

#[test]
fn a_parent_terragrunt_hcl_json_hides_the_terragrunt_hcl_beside_it() {
    // Both in one parent: find_in_parent_folders() takes the JSON form, so an
    // edit to the HCL one moves nothing; one to the JSON form is judged.
    let base = [
        ("live/terragrunt.hcl", tg_hcl("acme", A1)),
        ("live/terragrunt.hcl.json", tg_json("acme", A1)),
        ("live/prod/app/terragrunt.hcl", CHILD.to_owned()),
    ];
    let base: Vec<(&str, &str)> = base.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let (rules, code) =
        judged_both_ways(&base, &[("live/terragrunt.hcl", Some(&tg_hcl("fork", A3)))]);
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
    let (rules, code) = judged_both_ways(
        &base,
        &[("live/terragrunt.hcl.json", Some(&tg_json("fork", A3)))],
    );
    assert!(names(&rules).contains(&"source-change"), "{rules:?}");
    assert!(names(&rules).contains(&"version-change"), "{rules:?}");
    assert!(
        rules.iter().any(|r| r.1 == "live/prod/app/terragrunt.hcl"),
        "{rules:?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn a_hidden_terragrunt_hcl_is_still_judged_for_what_an_include_merges() {
    // Beside terragrunt.hcl.json it is no unit, but a unit may include it by
    // its path: a dependency that leaves the repository still blocks.
    let (rules, code) = judged_both_ways(
        &[
            ("live/app/terragrunt.hcl", &tg_hcl("acme", A1)),
            ("live/app/terragrunt.hcl.json", &tg_json("acme", A1)),
        ],
        &[(
            "live/app/terragrunt.hcl",
            Some(&format!(
                "{}dependency \"vpc\" {{\n  config_path = \"/opt/vpc\"\n}}\n",
                tg_hcl("acme", A1)
            )),
        )],
    );
    assert_eq!(names(&rules), ["unpinned"], "{rules:?}");
    assert_eq!(code, 1);
}
