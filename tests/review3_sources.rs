//! Review 3, routes 51-53: files the consuming tool loads, or reads
//! differently, than iacgate did: a compose `.env`'s `COMPOSE_FILE`, pip's
//! case-insensitive keys and yarn classic's `.yarnrc`, pnpm overrides in
//! `pnpm-workspace.yaml` and under selector keys.

use crate::util::{check_staged, TestRepo};

/// (rule, file, line) of each finding.
type Rules = Vec<(String, String, u64)>;

/// Commit `base`, then write `change` (a `None` deletes) and stage it all:
/// the staged findings, then (committed with `--no-verify`) the same
/// change as CI's `check --range` sees it, which must agree; and the
/// staged exit code.
fn judged_both_ways(base: &[(&str, &str)], change: &[(&str, Option<&str>)]) -> (Rules, i32) {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    for (p, text) in base {
        repo.write(p, text);
    }
    repo.commit_all("before");
    for (p, text) in change {
        match text {
            Some(text) => {
                repo.write(p, text);
            }
            None => {
                repo.git(&["rm", "-q", p]);
            }
        }
    }
    repo.git(&["add", "-A"]);
    let staged = check_staged(&repo);
    repo.git(&["commit", "-q", "--no-verify", "-m", "change"]);
    let range = repo.iacgate(&["check", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(staged.rules(), range.rules(), "{}", range.stdout);
    assert_eq!(staged.code, range.code, "{}", range.stdout);
    (staged.rules(), staged.code)
}

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
