use super::collections::{galaxy_source, git_repository_name};
use super::*;
use crate::model::line_col;

const FIXTURE: &str = include_str!("../../../../../tests/fixtures/ansible/requirements.yml");

const SHA: &str = "8f3e2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f";

fn deps(text: &str) -> Vec<Dependency> {
    extract(text).unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
}

fn by_key<'d>(deps: &'d [Dependency], key: &str) -> &'d Dependency {
    deps.iter()
        .find(|d| d.key == key)
        .unwrap_or_else(|| panic!("no {key} in {:?}", keys(deps)))
}

fn keys(deps: &[Dependency]) -> Vec<&str> {
    deps.iter().map(|d| d.key.as_str()).collect()
}

fn line(text: &str, span: Span) -> usize {
    line_col(text, span.start).0
}

fn spanned<'t>(text: &'t str, value: &Option<Spanned<String>>) -> &'t str {
    let span = value.as_ref().expect("a value").span;
    &text[span.start..span.end]
}

fn error(text: &str) -> (usize, String) {
    let err = extract(text).expect_err("an error");
    (line_col(text, err.offset).0, err.message)
}

fn unpinned_why(pin: &PinState) -> &str {
    match pin {
        PinState::Unpinned(why) => why,
        other => panic!("expected unpinned, got {other:?}"),
    }
}

fn tagged_why(pin: &PinState) -> &str {
    match pin {
        PinState::Tagged(why) => why,
        other => panic!("expected tagged, got {other:?}"),
    }
}

#[test]
fn fixture_keys_in_file_order() {
    let deps = deps(FIXTURE);
    assert_eq!(
        keys(&deps),
        [
            "roles.geerlingguy.docker",
            "roles.geerlingguy.java",
            "roles.nginx",
            "roles.geerlingguy.pip",
            "roles.mysql",
            "roles.elastic.beats",
            "roles.ansible-role-base",
            "roles.ansible-role-users",
            "roles.hardening",
            "roles.motd",
            "roles.ntp",
            "collections.community.general",
            "collections.ansible.posix",
            "collections.amazon.aws",
            "collections.community.docker",
            "collections.kubernetes.core",
            "collections.community.crypto",
            "collections.cisco.ios",
            "collections.acme.private",
            "collections.community.vmware",
            "collections.acme.tools",
            "collections.acme.pinned",
            "collections.acme.branchy",
            "collections.https://example.com/collections/acme-web-1.0.0.tar.gz",
            "collections.https://github.com/acme/acme.archive/archive/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567.tar.gz",
        ]
    );
    assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Ansible));
    assert_eq!(deps.iter().filter(|d| d.kind == Kind::Role).count(), 11);
    for skipped in [
        "local",
        "site",
        "more-roles",
        "acme-local",
        "acme-build",
        "monorepo",
    ] {
        assert!(
            deps.iter().all(|d| !d.key.contains(skipped)),
            "{skipped} should be skipped"
        );
    }
}

#[test]
fn galaxy_roles() {
    let deps = deps(FIXTURE);
    let bare = by_key(&deps, "roles.geerlingguy.docker");
    assert_eq!(bare.kind, Kind::Role);
    assert_eq!(bare.source_str(), Some("geerlingguy.docker"));
    assert_eq!(bare.version, None);
    assert!(unpinned_why(&bare.pin).starts_with("no version"));
    assert_eq!(line(FIXTURE, bare.span), 5);

    let line_form = by_key(&deps, "roles.geerlingguy.java");
    assert_eq!(spanned(FIXTURE, &line_form.source), "geerlingguy.java");
    assert_eq!(spanned(FIXTURE, &line_form.version), "2.3.1");
    assert!(tagged_why(&line_form.pin).contains("git tag"));

    let renamed = by_key(&deps, "roles.nginx");
    assert_eq!(renamed.name, "nginx");
    assert_eq!(renamed.source_str(), Some("geerlingguy.nginx"));
    assert_eq!(renamed.version_str(), Some("3.2.0"));

    let mapping = by_key(&deps, "roles.geerlingguy.pip");
    assert_eq!(spanned(FIXTURE, &mapping.version), "\"2.2.0\"");
    assert_eq!(line(FIXTURE, mapping.version.as_ref().unwrap().span), 9);
    let aliased = by_key(&deps, "roles.mysql");
    assert_eq!(aliased.source_str(), Some("geerlingguy.mysql"));
    assert_eq!(by_key(&deps, "roles.elastic.beats").name, "elastic.beats");
}

#[test]
fn git_roles() {
    let deps = deps(FIXTURE);
    let tagged = by_key(&deps, "roles.ansible-role-base");
    assert_eq!(
        tagged.source_str(),
        Some("https://github.com/acme/ansible-role-base")
    );
    assert_eq!(
        spanned(FIXTURE, &tagged.source),
        "https://GitHub.com/acme/ansible-role-base.git"
    );
    assert_eq!(spanned(FIXTURE, &tagged.version), "v1.0.0");
    assert!(tagged_why(&tagged.pin).contains("\"v1.0.0\""));
    assert_eq!(line(FIXTURE, tagged.span), 14);

    let pinned = by_key(&deps, "roles.ansible-role-users");
    assert_eq!(pinned.pin, PinState::Pinned);
    assert_eq!(pinned.version_str(), Some(SHA));
    assert_eq!(pinned.comment.as_deref(), Some("v2.1.0"));
    assert_eq!(
        pinned.source_str(),
        Some("https://github.com/acme/ansible-role-users")
    );

    let branch = by_key(&deps, "roles.hardening");
    assert_eq!(
        branch.source_str(),
        Some("git@gitlab.example.com:ops/hardening")
    );
    assert!(unpinned_why(&branch.pin).contains("\"main\""));

    let head = by_key(&deps, "roles.motd");
    assert_eq!(head.source_str(), Some("ssh://git.example.com/ops/motd"));
    assert!(unpinned_why(&head.pin).contains("default branch"));

    let tarball = by_key(&deps, "roles.ntp");
    assert!(unpinned_why(&tarball.pin).contains("names no commit"));
}

#[test]
fn galaxy_collections() {
    let deps = deps(FIXTURE);
    let none = by_key(&deps, "collections.community.general");
    assert_eq!(none.kind, Kind::Collection);
    assert_eq!(none.source_str(), Some("community.general"));
    assert!(unpinned_why(&none.pin).starts_with("no version"));

    let range = by_key(&deps, "collections.ansible.posix");
    assert_eq!(spanned(FIXTURE, &range.source), "ansible.posix");
    assert_eq!(spanned(FIXTURE, &range.version), ">=1.5.0");
    assert!(unpinned_why(&range.pin).contains("not one exact version"));

    for exact in ["collections.amazon.aws", "collections.community.docker"] {
        assert_eq!(by_key(&deps, exact).pin, PinState::Pinned, "{exact}");
    }
    let aws = by_key(&deps, "collections.amazon.aws");
    assert_eq!(line(FIXTURE, aws.span), 35);
    assert_eq!(line(FIXTURE, aws.version.as_ref().unwrap().span), 36);
    for moving in [
        "collections.kubernetes.core",
        "collections.community.crypto",
        "collections.cisco.ios",
    ] {
        assert!(
            matches!(by_key(&deps, moving).pin, PinState::Unpinned(_)),
            "{moving}"
        );
    }

    let private = by_key(&deps, "collections.acme.private");
    assert_eq!(
        private.source_str(),
        Some("hub.example.com/api/galaxy/acme.private")
    );
    assert_eq!(private.pin, PinState::Pinned);
    let public = by_key(&deps, "collections.community.vmware");
    assert_eq!(public.source_str(), Some("community.vmware"));
}

#[test]
fn git_and_url_collections() {
    let deps = deps(FIXTURE);
    let tools = by_key(&deps, "collections.acme.tools");
    assert_eq!(
        tools.source_str(),
        Some("https://github.com/acme/acme.tools")
    );
    assert_eq!(
        spanned(FIXTURE, &tools.source),
        "git+https://github.com/acme/acme.tools.git"
    );
    assert_eq!(spanned(FIXTURE, &tools.version), "2.0.0");
    assert!(matches!(tools.pin, PinState::Tagged(_)));

    let pinned = by_key(&deps, "collections.acme.pinned");
    assert_eq!(pinned.pin, PinState::Pinned);
    assert_eq!(pinned.name, "acme.pinned");
    assert_eq!(
        spanned(FIXTURE, &pinned.source),
        "https://github.com/acme/acme.pinned.git"
    );

    let branchy = by_key(&deps, "collections.acme.branchy");
    assert_eq!(
        branchy.source_str(),
        Some("git@github.com:acme/acme.branchy")
    );
    assert!(unpinned_why(&branchy.pin).contains("default branch"));

    let tarball = by_key(
        &deps,
        "collections.https://example.com/collections/acme-web-1.0.0.tar.gz",
    );
    assert!(unpinned_why(&tarball.pin).contains("names no commit"));
    let archive = deps
        .iter()
        .find(|d| d.key.contains("acme.archive"))
        .unwrap();
    assert_eq!(archive.pin, PinState::Pinned);
}

#[test]
fn old_format_list_of_roles() {
    let text = "- src: https://github.com/acme/role-a\n  version: v2.0.0\n- acme.b,1.0.0\n- name: c\n  src: https://git.example.com/acme/c.git\n  scm: hg\n  version: 0123456789abcdef0123456789abcdef01234567\n";
    let deps = deps(text);
    assert_eq!(keys(&deps), ["roles.role-a", "roles.acme.b", "roles.c"]);
    assert!(matches!(deps[0].pin, PinState::Tagged(_)));
    assert_eq!(deps[2].pin, PinState::Pinned);
    assert_eq!(line(text, deps[2].span), 4);
}

#[test]
fn repeated_entries_get_distinct_keys() {
    let text = "roles:\n  - acme.a,1.0.0\n  - acme.a,2.0.0\ncollections:\n  - acme.c\n  - {name: acme.c, version: 1.0.0}\n";
    assert_eq!(
        keys(&deps(text)),
        [
            "roles.acme.a",
            "roles.acme.a#2",
            "collections.acme.c",
            "collections.acme.c#2"
        ]
    );
}

#[test]
fn files_that_are_not_requirements() {
    assert!(deps("").is_empty());
    assert!(deps("# nothing\n").is_empty());
    assert!(deps("name: app\ndependencies: [numpy]\n").is_empty());
    assert!(deps("just text\n").is_empty());
    assert!(deps("roles:\ncollections:\n").is_empty());
    assert!(deps("roles: []\n").is_empty());
}

#[test]
fn errors_at_the_place() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "roles: []\nplugins: []\n",
            2,
            "only `roles:` and `collections:`",
        ),
        ("roles:\n  a: b\n", 2, "must be a list"),
        ("roles:\n  - [a]\n", 2, "must be a string"),
        ("roles:\n  -\n", 2, "empty role entry"),
        ("roles:\n  - ''\n", 2, "empty role entry"),
        ("roles:\n  - ',1.0.0'\n", 2, "a `name` or a `src`"),
        ("roles:\n  - a.b,1,c,d\n", 2, "more than three fields"),
        ("roles:\n  - version: 1.0.0\n", 2, "a `name` or a `src`"),
        ("roles:\n  - role: a.b,1.0\n", 2, "old-style"),
        (
            "roles:\n  - src: https://x.test/r\n    scm: svn\n",
            3,
            "scm \"svn\"",
        ),
        ("roles:\n  - src: [a]\n", 2, "must be a string"),
        ("collections:\n  - version: 1.0.0\n", 2, "needs a `name`"),
        ("collections:\n  -\n", 2, "empty collection entry"),
        (
            "collections:\n  - name: acme.c\n    type: svn\n",
            3,
            "collection type",
        ),
        ("collections:\n  - general\n", 2, "not a collection name"),
        (
            "collections:\n  - name: general\n    type: galaxy\n",
            2,
            "not a collection name",
        ),
        (
            "collections:\n  - name: acme.c\n    version: [1]\n",
            3,
            "must be a string",
        ),
        ("collections: {a: b}\n", 1, "must be a list"),
        ("roles: [\n", 2, "YAML syntax error"),
        (
            "roles: []\n---\ncollections: []\n",
            3,
            "second YAML document",
        ),
    ];
    for (text, want_line, want) in cases {
        let (line, message) = error(text);
        assert_eq!(line, *want_line, "{text:?}: {message}");
        assert!(message.contains(want), "{text:?}: {message}");
    }
}

#[test]
fn pins() {
    assert_eq!(collection_pin(Some("1.2.3")), PinState::Pinned);
    assert_eq!(collection_pin(Some("==1.2.3")), PinState::Pinned);
    assert_eq!(collection_pin(Some("1.2.3-beta.1")), PinState::Pinned);
    assert_eq!(collection_pin(Some("1.0.0-dev1")), PinState::Pinned);
    for moving in [
        None,
        Some("*"),
        Some(">=1.0.0"),
        Some(">=1.0,<2.0"),
        Some("!=1.1"),
        Some("1.2"),
        Some("v1.2.3"),
    ] {
        assert!(
            matches!(collection_pin(moving), PinState::Unpinned(_)),
            "{moving:?}"
        );
    }
    assert_eq!(git_pin(Some(SHA)), PinState::Pinned);
    assert!(matches!(git_pin(Some("v1.2")), PinState::Tagged(_)));
    assert!(unpinned_why(&git_pin(Some("8f3e2a1"))).contains("short commit"));
    assert!(unpinned_why(&git_pin(Some("HEAD"))).contains("default branch"));
    assert!(matches!(galaxy_role_pin(Some("1.0")), PinState::Tagged(_)));
    assert!(unpinned_why(&galaxy_role_pin(Some(">=1.0"))).contains("not one release"));
    assert_eq!(
        url_pin(&format!("https://github.com/o/r/archive/{SHA}.tar.gz")),
        PinState::Pinned
    );
    // A plain web server serves whatever it likes under a commit-like path.
    assert!(matches!(
        url_pin(&format!("https://x.test/archive/{SHA}.tar.gz")),
        PinState::Unpinned(_)
    ));
}

#[test]
fn normalised_sources() {
    assert_eq!(
        normalize_git("git+HTTPS://GitHub.com/Org/Repo.git/"),
        "https://github.com/Org/Repo"
    );
    assert_eq!(
        normalize_git("git@GitHub.com:Org/repo.git"),
        "git@github.com:Org/repo"
    );
    assert_eq!(
        normalize_git("https://host/org/repo.git#/sub"),
        "https://host/org/repo#/sub"
    );
    assert_eq!(
        normalize_git("git+ssh://git@GitHub.com:22/acme/x/../role.git"),
        "ssh://github.com/acme/role"
    );
    assert_eq!(
        galaxy_source(Some("https://galaxy.ansible.com/api/"), "A.B"),
        "a.b"
    );
    assert_eq!(git_repository_name("https://host/org/coll/.git"), "coll");
    assert_eq!(
        git_repository_name("https://host/org/coll.git#/sub"),
        "coll"
    );
}

#[test]
fn through_the_dispatcher_with_bom_and_crlf() {
    use crate::extract::{extract as by_kind, FileKind};
    let text = "\u{feff}roles:\r\n  - acme.role,1.0.0\r\ncollections:\r\n  - acme.coll:1.2.3\r\n";
    let deps = by_kind(FileKind::AnsibleRequirements, text.as_bytes()).unwrap();
    assert_eq!(keys(&deps), ["roles.acme.role", "collections.acme.coll"]);
    assert_eq!(spanned(text, &deps[0].version), "1.0.0");
    assert_eq!(spanned(text, &deps[1].version), "1.2.3");
    assert_eq!(deps[1].pin, PinState::Pinned);
}

mod props {
    use super::super::extract;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// No input panics, and every span lies inside the input.
        #[test]
        fn never_panics(text in "[a-z0-9:@+,=<>!*#/.{}\\[\\]\\n '\"~-]{0,200}") {
            let texts = [
                text.clone(),
                format!("- {text}\n"),
                format!("roles:\n  - {text}\n  - src: {text}\n    version: {text}\n    name: {text}\ncollections:\n  - {text}\n"),
                format!("collections:\n  - name: {text}\n    version: {text}\n    type: git\n  - name: {text}\n    source: {text}\n    type: url\n"),
            ];
            for text in texts {
                match extract(&text) {
                    Ok(deps) => for d in deps {
                        prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                        for value in [&d.source, &d.version].into_iter().flatten() {
                            prop_assert!(value.span.start <= value.span.end && value.span.end <= text.len());
                        }
                    },
                    Err(e) => prop_assert!(e.offset <= text.len()),
                }
            }
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = extract(&text) {
                prop_assert!(e.offset <= text.len());
            }
        }
    }
}
