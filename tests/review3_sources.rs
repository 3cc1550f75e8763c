//! Review 3, routes 51-53: files the consuming tool loads, or reads
//! differently, than iacgate did: a compose `.env`'s `COMPOSE_FILE`, pip's
//! case-insensitive keys and yarn classic's `.yarnrc`, pnpm overrides in
//! `pnpm-workspace.yaml` and under selector keys.

use crate::util::judged_both_ways;

fn rule(name: &str, path: &str, line: u64) -> (String, String, u64) {
    (name.to_owned(), path.to_owned(), line)
}

// ---- F7 (route 52): registry settings as pip and yarn classic read them.

const PACKAGE_JSON: &str = "{\"dependencies\": {\"@pulumi/aws\": \"6.54.2\"}}\n";
const REQUIREMENTS: &str = "pulumi-aws==6.54.2\n";

#[test]
fn pip_conf_keys_in_any_case_or_spelling_are_read() {
    for key in ["INDEX-URL", "Index_Url", "--index-url"] {
        let conf = format!("[global]\n{key} = https://evil.example.com/simple\n");
        let (rules, code) = judged_both_ways(
            &[("py/requirements.txt", REQUIREMENTS)],
            &[("py/pip.conf", Some(&conf))],
        );
        assert_eq!(
            rules,
            vec![rule("source-change", "py/pip.conf", 2)],
            "{key}"
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn pip_conf_key_respelled_with_the_same_url_is_silent() {
    let (rules, code) = judged_both_ways(
        &[
            ("py/requirements.txt", REQUIREMENTS),
            ("py/pip.conf", "[global]\nindex-url = https://pypi.acme.example/simple\n"),
        ],
        &[(
            "py/pip.conf",
            Some("[global]\n# one spelling\nINDEX_URL = https://pypi.acme.example/simple\ntimeout = 60\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn a_yarn_classic_yarnrc_registry_is_a_source_change() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", PACKAGE_JSON)],
        &[(
            "js/.yarnrc",
            Some("registry \"https://evil.example.com/\"\n"),
        )],
    );
    assert_eq!(rules, vec![rule("source-change", "js/.yarnrc", 1)]);
    assert_eq!(code, 1);
    let (rules, _) = judged_both_ways(
        &[
            ("js/package.json", PACKAGE_JSON),
            (
                "js/.yarnrc",
                "\"@pulumi:registry\" \"https://npm.acme.example/\"\n",
            ),
        ],
        &[(
            "js/.yarnrc",
            Some("# yarn lockfile v1\n\"@pulumi:registry\" \"https://npm.evil.example/\"\n"),
        )],
    );
    assert_eq!(rules, vec![rule("source-change", "js/.yarnrc", 2)]);
}

#[test]
fn a_yarnrc_that_moves_no_registry_is_silent() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", PACKAGE_JSON)],
        &[(
            "js/.yarnrc",
            Some("network-timeout 600000\nregistry \"https://registry.yarnpkg.com\"\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

// ---- F8 (route 53): pnpm overrides where and as pnpm applies them.

const AWS_600: &str =
    "{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{\"@pulumi/aws\":\"6.0.0\"}}\n";

fn package_json_with(overrides: &str) -> String {
    format!(
        "{{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{{\"@pulumi/aws\":\"6.0.0\"}},\"pnpm\":{{\"overrides\":{overrides}}}}}\n"
    )
}

#[test]
fn a_pnpm_workspace_override_blocks() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", AWS_600)],
        &[(
            "js/pnpm-workspace.yaml",
            Some("overrides:\n  \"@pulumi/aws\": \"npm:evil-aws@6.0.0\"\n"),
        )],
    );
    assert_eq!(rules, vec![rule("unpinned", "js/pnpm-workspace.yaml", 2)]);
    assert_eq!(code, 1);
}

#[test]
fn a_pnpm_workspace_without_overrides_of_judged_packages_is_silent() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", AWS_600)],
        &[(
            "js/pnpm-workspace.yaml",
            Some("packages:\n  - \"apps/*\"\noverrides:\n  left-pad: 1.3.0\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

#[test]
fn a_range_selector_override_replaces_the_direct_dependency() {
    // F8 (c): an alias to another package under a range selector.
    let (rules, code) = judged_both_ways(
        &[("js/package.json", AWS_600)],
        &[(
            "js/package.json",
            Some(&package_json_with(
                "{\"@pulumi/aws@>=6.0.0 <7\":\"npm:evil-aws@6.0.0\"}",
            )),
        )],
    );
    let names: Vec<&str> = rules.iter().map(|(r, ..)| r.as_str()).collect();
    assert!(names.contains(&"source-change"), "{rules:?}");
    assert_eq!(code, 1);
    // F8 (b): a downgrade under a version selector.
    let (rules, code) = judged_both_ways(
        &[("js/package.json", AWS_600)],
        &[(
            "js/package.json",
            Some(&package_json_with("{\"@pulumi/aws@6\":\"5.0.0\"}")),
        )],
    );
    assert_eq!(rules, vec![rule("version-change", "js/package.json", 1)]);
    assert_eq!(code, 1);
}

#[test]
fn a_transitive_override_to_another_package_is_unpinned() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", AWS_600)],
        &[(
            "js/package.json",
            Some(&package_json_with(
                "{\"foo>@pulumi/gcp\":\"npm:evil-gcp@7.0.0\"}",
            )),
        )],
    );
    assert_eq!(rules, vec![rule("unpinned", "js/package.json", 1)]);
    assert_eq!(code, 1);
}

#[test]
fn an_override_that_restates_the_direct_spec_is_silent() {
    let (rules, code) = judged_both_ways(
        &[("js/package.json", AWS_600)],
        &[(
            "js/package.json",
            Some(&package_json_with(
                "{\"@pulumi/aws@6\":\"6.0.0\",\"left-pad\":\"1.3.0\"}",
            )),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}

// ---- F6 (route 51): a compose `.env`'s COMPOSE_FILE.

const COMPOSE: &str = "services:\n  web:\n    image: nginx@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";

#[test]
fn compose_file_naming_a_file_iacgate_does_not_read_blocks() {
    let (rules, code) = judged_both_ways(
        &[("app/compose.yaml", COMPOSE)],
        &[
            (
                "app/.env",
                Some("COMPOSE_FILE=compose.yaml:compose.local\nCOMPOSE_PROJECT_NAME=app\n"),
            ),
            (
                "app/compose.local",
                Some("services:\n  web:\n    image: evil/miner:latest\n"),
            ),
        ],
    );
    assert_eq!(rules, vec![rule("unpinned", "app/.env", 1)]);
    assert_eq!(code, 1);
}

#[test]
fn compose_file_naming_compose_files_judges_them_and_is_otherwise_silent() {
    // Named compose files are judged as themselves: the override is.
    let (rules, code) = judged_both_ways(
        &[("app/compose.yaml", COMPOSE)],
        &[
            (
                "app/.env",
                Some("COMPOSE_FILE=compose.yaml:compose.local.yaml\n"),
            ),
            (
                "app/compose.local.yaml",
                Some("services:\n  web:\n    image: evil/miner:latest\n"),
            ),
        ],
    );
    assert_eq!(rules, vec![rule("unpinned", "app/compose.local.yaml", 3)]);
    assert_eq!(code, 1);
    // Benign: a COMPOSE_FILE of compose names, other variables changed.
    let (rules, code) = judged_both_ways(
        &[
            ("app/compose.yaml", COMPOSE),
            (
                "app/.env",
                "COMPOSE_FILE=compose.yaml:compose.local\nTAG=1\n",
            ),
        ],
        &[(
            "app/.env",
            Some("COMPOSE_FILE=compose.yaml:compose.local\nTAG=2\n"),
        )],
    );
    assert_eq!(
        rules,
        Vec::new(),
        "an unchanged COMPOSE_FILE introduces nothing"
    );
    assert_eq!(code, 0);
    let (rules, code) = judged_both_ways(
        &[("app/compose.yaml", COMPOSE)],
        &[(
            "app/.env",
            Some("COMPOSE_FILE=compose.yaml\nCOMPOSE_PROJECT_NAME=app\n"),
        )],
    );
    assert_eq!(rules, Vec::new());
    assert_eq!(code, 0);
}
