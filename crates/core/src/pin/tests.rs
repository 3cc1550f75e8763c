use super::*;

const SHA: &str = "d8c14baa7c18aa97e3e5bb706250c9096af79979";
const OTHER: &str = "261dbd2858030b29b190a1ef5f310c6f5c461de2";
const TAG_OBJECT: &str = "6cbde66223c9a134fffc2a8ae516dcfc55085833";

fn sites_of(kind: FileKind, text: &str) -> (Vec<RefSite>, Vec<Unreachable>) {
    let deps = extract(kind, text.as_bytes()).unwrap();
    ref_sites(text, &deps)
}

fn pin_all(kind: FileKind, text: &str) -> Result<String, RewriteError> {
    let deps = extract(kind, text.as_bytes()).unwrap();
    let (sites, _) = ref_sites(text, &deps);
    let edits: Vec<PinEdit> = sites
        .iter()
        .map(|site| PinEdit {
            site,
            commit: SHA.to_owned(),
            label: site.reference.value.clone(),
        })
        .collect();
    rewrite(kind, text, &deps, &edits)
}

#[test]
fn finds_git_refs_of_terraform_modules_and_where_they_are() {
    let text = "module \"net\" {\n  source = \"git::https://example.com/org/net.git//vpc?depth=1&ref=v1.2.3\"\n}\n\
                module \"gh\" {\n  source = \"github.com/org/gh?ref=main\" # keep\n}\n\
                module \"reg\" {\n  source  = \"org/x/aws\"\n  version = \"1.0.0\"\n}\n";
    let (sites, unreachable) = sites_of(FileKind::TerraformHcl, text);
    assert!(unreachable.is_empty());
    assert_eq!(sites.len(), 2, "the registry module has no git ref");
    let net = &sites[0];
    assert_eq!(net.remote, "https://example.com/org/net.git");
    assert_eq!(net.reference.value, "v1.2.3");
    assert_eq!(
        &text[net.reference.span.start..net.reference.span.end],
        "v1.2.3"
    );
    assert_eq!((net.line, net.column), (2, 67));
    let gh = &sites[1];
    assert_eq!(gh.remote, "https://github.com/org/gh.git");
    assert_eq!(gh.comment(), Some("keep"));
}

#[test]
fn rewrites_only_the_ref_and_adds_the_version_comment() {
    let text = "# header\r\nmodule \"net\" {\r\n  source = \"github.com/org/net?ref=v1.2.3\"\r\n  count  = 1\r\n}\r\n";
    let out = pin_all(FileKind::TerraformHcl, text).unwrap();
    assert_eq!(
        out,
        format!("# header\r\nmodule \"net\" {{\r\n  source = \"github.com/org/net?ref={SHA}\" # v1.2.3\r\n  count  = 1\r\n}}\r\n")
    );
}

#[test]
fn an_existing_comment_stays_after_the_version() {
    let text = "module \"a\" {\n  source = \"github.com/org/a?ref=v1\" # owned by net team\n}\n\
                module \"b\" {\n  source = \"github.com/org/b?ref=v2\" # v2\n}\n";
    let out = pin_all(FileKind::TerraformHcl, text).unwrap();
    assert!(
        out.contains(&format!("?ref={SHA}\" # v1 # owned by net team\n")),
        "{out}"
    );
    assert!(out.contains(&format!("?ref={SHA}\" # v2\n")), "{out}");
}

#[test]
fn a_value_sharing_its_line_is_refused() {
    let text = "module \"a\" { source = \"github.com/org/a?ref=v1\" }\n";
    assert_eq!(
        pin_all(FileKind::TerraformHcl, text),
        Err(RewriteError::SharedLine { line: 1 })
    );
}

#[test]
fn actions_and_kustomize_remotes() {
    let workflow = "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: \"org/tool/sub@main\"\n      - uses: ./local\n";
    let (sites, _) = sites_of(FileKind::GitHubWorkflow, workflow);
    let remotes: Vec<_> = sites.iter().map(|s| s.remote.as_str()).collect();
    assert_eq!(
        remotes,
        [
            "https://github.com/actions/checkout",
            "https://github.com/org/tool"
        ]
    );
    let out = pin_all(FileKind::GitHubWorkflow, workflow).unwrap();
    assert!(
        out.contains(&format!("- uses: actions/checkout@{SHA} # v4\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!("- uses: \"org/tool/sub@{SHA}\" # main\n")),
        "{out}"
    );

    let kustomization = "resources:\n  - github.com/org/repo/deploy?ref=v1.0.0&timeout=90s\n  - git@example.com:org/other.git//base?ref=v2\n  - ./local\n";
    let (sites, _) = sites_of(FileKind::Kustomization, kustomization);
    let remotes: Vec<_> = sites.iter().map(|s| s.remote.as_str()).collect();
    assert_eq!(
        remotes,
        [
            "https://github.com/org/repo",
            "git@example.com:org/other.git"
        ]
    );
    let out = pin_all(FileKind::Kustomization, kustomization).unwrap();
    assert!(
        out.contains(&format!("deploy?ref={SHA}&timeout=90s # v1.0.0\n")),
        "{out}"
    );
}

#[test]
fn computed_sources_are_reported_not_rewritten() {
    let text = "locals {\n  v = \"v1\"\n}\nterraform {\n  source = \"github.com/org/a?ref=${local.v}\"\n}\n";
    let (sites, unreachable) = sites_of(FileKind::Terragrunt, text);
    assert!(sites.is_empty(), "{sites:?}");
    assert_eq!(unreachable.len(), 1, "{unreachable:?}");
    assert_eq!(unreachable[0].line, 5);
}

fn refs() -> RemoteRefs {
    RemoteRefs::new([
        ("refs/heads/main", OTHER),
        ("refs/tags/v1.0.0", SHA),
        ("refs/tags/v1.1.0", TAG_OBJECT),
        ("refs/tags/v1.1.0^{}", OTHER),
        ("refs/tags/main", SHA),
    ])
}

#[test]
fn resolves_tags_peeled_branches_and_ambiguity() {
    let refs = refs();
    assert_eq!(
        refs.resolve("v1.1.0"),
        Resolved::Tag {
            commit: OTHER.to_owned(),
            annotated: true
        }
    );
    assert_eq!(
        refs.resolve("refs/heads/main"),
        Resolved::Branch {
            commit: OTHER.to_owned()
        }
    );
    assert_eq!(
        refs.resolve("main"),
        Resolved::Ambiguous {
            tag: SHA.to_owned(),
            branch: OTHER.to_owned()
        }
    );
    assert_eq!(refs.resolve("v9"), Resolved::Missing);
    assert_eq!(refs.tags_at(OTHER), ["v1.1.0"]);
}

#[test]
fn verdicts() {
    let refs = refs();
    assert_eq!(verify(SHA, "v1.0.0", &refs), Verdict::Holds);
    assert_eq!(verify(OTHER, "v1.1.0", &refs), Verdict::Holds);
    // A release tag that names another commit moved, whatever other tags
    // still name the pin.
    assert_eq!(
        verify(SHA, "v1.1.0", &refs),
        Verdict::TagMoved {
            now: OTHER.to_owned(),
            others: vec!["main".to_owned(), "v1.0.0".to_owned()]
        }
    );
    let moved = RemoteRefs::new([("refs/tags/v1.0.0", OTHER)]);
    assert_eq!(
        verify(SHA, "v1.0.0", &moved),
        Verdict::TagMoved {
            now: OTHER.to_owned(),
            others: vec![]
        }
    );
    assert_eq!(
        verify(SHA, "v3", &moved),
        Verdict::CommentMismatch {
            now: None,
            others: vec![]
        }
    );
    let branch = RemoteRefs::new([("refs/heads/dev", OTHER)]);
    assert_eq!(verify(SHA, "dev", &branch), Verdict::Branch);
    assert_eq!(verify(SHA, "refs/heads/dev", &branch), Verdict::Branch);
}

#[test]
fn floating_tags_move_on_and_are_written_as_the_release_they_name() {
    let refs = RemoteRefs::new([
        ("refs/tags/v2.0.0", SHA),
        ("refs/tags/v2.0", SHA),
        ("refs/tags/v2", TAG_OBJECT),
        ("refs/tags/v2^{}", OTHER),
        ("refs/tags/v2.1.0", OTHER),
        ("refs/tags/v3", SHA),
    ]);
    assert!(is_floating("v2") && is_floating("2.1") && !is_floating("v2.1.0"));
    assert!(!is_floating("stable") && !is_floating("v2-rc"));
    assert_eq!(comment_label("v2", SHA, &refs), "v2.0.0");
    assert_eq!(comment_label("v2.1.0", OTHER, &refs), "v2.1.0");
    assert_eq!(
        comment_label("v3", SHA, &refs),
        "v3",
        "no v3.x.y release there"
    );
    // v2 moved on to v2.1.0; the pin is v2.0.0.
    assert_eq!(
        verify(SHA, "v2", &refs),
        Verdict::FloatingMoved {
            release: "v2.0.0".to_owned()
        }
    );
    // v3 is not at OTHER, and no v3.x.y release is.
    assert_eq!(
        verify(OTHER, "v3", &refs),
        Verdict::CommentMismatch {
            now: Some(SHA.to_owned()),
            others: vec!["v2".to_owned(), "v2.1.0".to_owned()]
        }
    );
}

#[test]
fn printable_escapes_control_characters() {
    assert_eq!(printable("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
    assert_eq!(printable("x\u{202e}y\r"), "x\\u{202e}y\\u{d}");
}

#[test]
fn version_comments() {
    assert_eq!(version_comment("v1.2.3"), Some("v1.2.3"));
    assert_eq!(version_comment("tag=v1.2.3 reviewed"), Some("v1.2.3"));
    assert_eq!(version_comment("  "), None);
}

#[test]
fn file_urls_are_remotes_too() {
    let text =
        "module \"b\" {\n  source = \"git::file:///tmp/up.git//sub?ref=v1.1.0\" # annotated\n}\n";
    let (sites, unreachable) = sites_of(FileKind::TerraformHcl, text);
    assert!(unreachable.is_empty(), "{unreachable:?}");
    assert_eq!(sites[0].remote, "file:///tmp/up.git");
}

#[test]
fn registry_ranges_and_the_newest_version_that_satisfies_them() {
    let text = "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"~> 5.1\"\n}\n\
                module \"exact\" {\n  source  = \"app.example.com/org/x/aws\"\n  version = \"1.0.0\"\n}\n\
                module \"private\" {\n  source  = \"app.example.com/org/y/aws\"\n  version = \">= 2.0, < 3.0\"\n}\n";
    let deps = extract(FileKind::TerraformHcl, text.as_bytes()).unwrap();
    let sites = range_sites(text, &deps);
    let found: Vec<_> = sites
        .iter()
        .map(|s| (s.name.as_str(), s.host.as_str(), s.package.as_str(), s.line))
        .collect();
    assert_eq!(
        found,
        [
            (
                "vpc",
                "registry.terraform.io",
                "terraform-aws-modules/vpc/aws",
                3
            ),
            ("private", "app.example.com", "org/y/aws", 11)
        ]
    );
    let versions = ["5.0.9", "5.1.0", "5.8.1", "5.9.0-beta1", "6.0.0"];
    assert_eq!(
        newest_satisfying("~> 5.1", versions).as_deref(),
        Some("5.8.1")
    );
    assert_eq!(newest_satisfying(">= 7", versions), None);
}

#[test]
fn registry_documents() {
    assert_eq!(
        modules_endpoint("https://r.example", br#"{"modules.v1":"/v1/modules/"}"#).unwrap(),
        "https://r.example/v1/modules/"
    );
    assert_eq!(
        modules_endpoint(
            "https://r.example",
            br#"{"modules.v1":"https://m.example/api"}"#
        )
        .unwrap(),
        "https://m.example/api/"
    );
    assert!(modules_endpoint("https://r.example", br#"{"providers.v1":"/v1/"}"#).is_err());
    assert!(modules_endpoint("https://r.example", b"<html>").is_err());
    let body = br#"{"modules":[{"versions":[{"version":"1.0.0"},{"version":"1.2.0"}]}]}"#;
    assert_eq!(module_versions(body).unwrap(), ["1.0.0", "1.2.0"]);
    assert!(module_versions(br#"{"modules":[]}"#).is_err());
}

#[test]
fn commit_pins_against_the_remotes_refs() {
    let c = "0123456789abcdef0123456789abcdef01234567";
    let other = "89abcdef0123456789abcdef0123456789abcdef";
    let refs = RemoteRefs::new([("refs/heads/main", c), ("refs/tags/v1", other)]);
    assert_eq!(check_commit(c, &refs), CommitCheck::Exists);
    assert_eq!(check_commit(other, &refs), CommitCheck::Exists);
    let refs = RemoteRefs::new([("refs/heads/main", other)]);
    assert_eq!(check_commit(c, &refs), CommitCheck::Unknown);
    // A branch or tag named by the hex shadows the commit.
    let upper = c.to_ascii_uppercase();
    let head = format!("refs/heads/{c}");
    let tag = format!("refs/tags/{upper}");
    let refs = RemoteRefs::new([
        ("refs/heads/main", c),
        (head.as_str(), other),
        (tag.as_str(), other),
    ]);
    assert_eq!(
        check_commit(c, &refs),
        CommitCheck::Named(vec![
            format!("refs/heads/{c}"),
            format!("refs/tags/{upper}")
        ])
    );
}
