use super::include::{component_pin, ref_pin};
use super::*;
use crate::model::line_col;

const FIXTURE: &str = include_str!("../../../../../tests/fixtures/gitlab/.gitlab-ci.yml");

const SHA: &str = "3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";

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

/// The line an error points at, and its message.
fn error(text: &str) -> (usize, String) {
    let err = extract(text).expect_err("an error");
    (line_col(text, err.offset).0, err.message)
}

fn is_tagged(pin: &PinState) -> bool {
    matches!(pin, PinState::Tagged(_))
}

fn unpinned_why(pin: &PinState) -> &str {
    match pin {
        PinState::Unpinned(why) => why,
        other => panic!("expected unpinned, got {other:?}"),
    }
}

#[test]
fn fixture_keys_in_file_order() {
    let deps = deps(FIXTURE);
    assert_eq!(
        keys(&deps),
        [
            "include.project.platform/ci-templates",
            "include.project.platform/security:sast.yml,secrets.yml",
            "include.project.platform/security:dast.yml",
            "include.project.platform/shared",
            "include.remote.https://example.com/ci/lint.yml",
            "include.remote.https://example.com/ci/pinned.yml",
            "include.remote.https://gitlab.example.com/group/raw/-/raw/main/extra.yml",
            "include.component.$CI_SERVER_FQDN/components/opentofu/full-pipeline",
            "include.component.gitlab.com/components/sast/sast",
            "include.component.gitlab.com/components/secret-detection/secret-detection",
            "include.component.gitlab.com/components/code-quality/code-quality",
            "image",
            "default.image",
            "default.services.postgres",
            ".docker.image",
            "build.image",
            ".docker.services.docker",
            "build.services.docker",
            ".node.image",
            "test.image",
            "test.services.redis",
            "test.services.!reference [.docker, services]",
            "lint.image",
            "deploy.trigger.include.project.platform/deploy",
            // Generated at run time: unpinned (see `[gitlab]`).
            "deploy.trigger.include.artifact.generated.yml",
        ]
    );
    assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::GitLabCi));
    let includes = deps.iter().filter(|d| d.kind == Kind::Include).count();
    assert_eq!(includes, 13);
}

#[test]
fn fixture_skips_local_templates_and_this_project() {
    let deps = deps(FIXTURE);
    for skipped in [
        "lint.gitlab-ci.yml",
        "build.yml",
        "Auto-DevOps",
        "CI_PROJECT_PATH",
        "my-component",
    ] {
        assert!(
            deps.iter().all(|d| !d.key.contains(skipped)
                && !d.source_str().unwrap_or_default().contains(skipped)),
            "{skipped} should be skipped"
        );
    }
}

#[test]
fn project_includes() {
    let deps = deps(FIXTURE);
    let pinned = by_key(&deps, "include.project.platform/ci-templates");
    assert_eq!(pinned.kind, Kind::Include);
    assert_eq!(pinned.name, "Platform/CI-Templates");
    assert_eq!(pinned.source_str(), Some("platform/ci-templates"));
    assert_eq!(spanned(FIXTURE, &pinned.source), "Platform/CI-Templates");
    assert_eq!(pinned.version_str(), Some(SHA));
    assert_eq!(spanned(FIXTURE, &pinned.version), SHA);
    assert_eq!(pinned.pin, PinState::Pinned);
    assert_eq!(pinned.comment.as_deref(), Some("v2.4.0"));
    assert_eq!(line(FIXTURE, pinned.span), 7);

    let tagged = by_key(
        &deps,
        "include.project.platform/security:sast.yml,secrets.yml",
    );
    assert_eq!(tagged.version_str(), Some("v1.4.2"));
    assert!(is_tagged(&tagged.pin), "{:?}", tagged.pin);
    assert_eq!(tagged.comment, None);
    assert_eq!(line(FIXTURE, tagged.span), 10);

    let branch = by_key(&deps, "include.project.platform/security:dast.yml");
    assert!(unpinned_why(&branch.pin).contains("\"main\" is a branch"));

    let no_ref = by_key(&deps, "include.project.platform/shared");
    assert_eq!(no_ref.version, None);
    assert!(unpinned_why(&no_ref.pin).starts_with("no ref"));
}

#[test]
fn remote_includes() {
    let deps = deps(FIXTURE);
    let bare = by_key(&deps, "include.remote.https://example.com/ci/lint.yml");
    assert_eq!(bare.name, "https://Example.COM/ci/lint.yml");
    assert_eq!(
        spanned(FIXTURE, &bare.source),
        "https://Example.COM/ci/lint.yml"
    );
    assert!(unpinned_why(&bare.pin).contains("integrity"));
    assert_eq!(line(FIXTURE, bare.span), 23);

    let hashed = by_key(&deps, "include.remote.https://example.com/ci/pinned.yml");
    assert_eq!(hashed.pin, PinState::Pinned);
    assert_eq!(
        hashed.version_str(),
        Some("sha256-BozLjE+uzwZJEC5jBWZoJ+ZfvcTiBlj80d0CsVi+ZsI=")
    );
    assert_eq!(line(FIXTURE, hashed.version.as_ref().unwrap().span), 25);

    let string = by_key(
        &deps,
        "include.remote.https://gitlab.example.com/group/raw/-/raw/main/extra.yml",
    );
    assert!(matches!(string.pin, PinState::Unpinned(_)));
    assert_eq!(line(FIXTURE, string.span), 26);
}

#[test]
fn component_includes() {
    let deps = deps(FIXTURE);
    let tofu = by_key(
        &deps,
        "include.component.$CI_SERVER_FQDN/components/opentofu/full-pipeline",
    );
    assert_eq!(
        spanned(FIXTURE, &tofu.source),
        "$CI_SERVER_FQDN/components/opentofu/full-pipeline"
    );
    assert_eq!(spanned(FIXTURE, &tofu.version), "0.42.0");
    assert_eq!(line(FIXTURE, tofu.version.as_ref().unwrap().span), 27);
    assert!(is_tagged(&tofu.pin), "{:?}", tofu.pin);

    let partial = by_key(&deps, "include.component.gitlab.com/components/sast/sast");
    assert!(unpinned_why(&partial.pin).contains("newest matching"));
    let latest = by_key(
        &deps,
        "include.component.gitlab.com/components/secret-detection/secret-detection",
    );
    assert!(unpinned_why(&latest.pin).contains("~latest"));
    let commit = by_key(
        &deps,
        "include.component.gitlab.com/components/code-quality/code-quality",
    );
    assert_eq!(commit.pin, PinState::Pinned);
    assert_eq!(commit.version_str().map(str::len), Some(40));
}

#[test]
fn component_comment_and_case() {
    let text = format!(
        "include:\n  - component: GitLab.com/Org/Proj/Lint@{SHA}  # 1.3.0\n  - component: \"$CI_SERVER_FQDN/Org/X/y@1.0.0\"\n"
    );
    let deps = deps(&text);
    assert_eq!(
        keys(&deps),
        [
            "include.component.gitlab.com/org/proj/lint",
            "include.component.$CI_SERVER_FQDN/org/x/y"
        ]
    );
    assert_eq!(deps[0].name, "GitLab.com/Org/Proj/Lint");
    assert_eq!(deps[0].comment.as_deref(), Some("1.3.0"));
    assert_eq!(spanned(&text, &deps[1].version), "1.0.0");
    assert_eq!(spanned(&text, &deps[1].source), "$CI_SERVER_FQDN/Org/X/y");
}

#[test]
fn images_and_services() {
    let deps = deps(FIXTURE);
    let top = by_key(&deps, "image");
    assert_eq!(top.kind, Kind::Image);
    assert_eq!(top.source_str(), Some("docker.io/library/ruby"));
    assert!(is_tagged(&top.pin));
    assert_eq!(line(FIXTURE, top.span), 40);

    let default = by_key(&deps, "default.image");
    assert_eq!(default.pin, PinState::Pinned);
    assert_eq!(line(FIXTURE, default.span), 43);
    assert_eq!(line(FIXTURE, default.source.as_ref().unwrap().span), 44);

    let service = by_key(&deps, "default.services.postgres");
    assert_eq!(service.version_str(), Some("15.6"));
    assert_eq!(spanned(FIXTURE, &service.source), "postgres:15.6");

    // The merged image is the anchor's, spanned where it is written.
    let hidden = by_key(&deps, ".docker.image");
    let merged = by_key(&deps, "build.image");
    assert_eq!(hidden.span, merged.span);
    assert_eq!(line(FIXTURE, merged.span), 50);
    let dind = by_key(&deps, "build.services.docker");
    assert_eq!(dind.version_str(), Some("24.0.7-dind"));
    assert_eq!(line(FIXTURE, dind.span), 52);

    let variable = by_key(&deps, "test.image");
    assert!(unpinned_why(&variable.pin).contains("cannot be resolved statically"));
    let untagged = by_key(&deps, "test.services.redis");
    assert!(unpinned_why(&untagged.pin).contains("latest"));
}

#[test]
fn references_are_unresolved_not_errors() {
    let deps = deps(FIXTURE);
    let image = by_key(&deps, "lint.image");
    assert_eq!(image.kind, Kind::Image);
    assert_eq!(image.name, "!reference [.node, image]");
    assert!(unpinned_why(&image.pin).contains("cannot be resolved statically"));
    assert_eq!(line(FIXTURE, image.span), 78);
    let service = by_key(&deps, "test.services.!reference [.docker, services]");
    assert_eq!(line(FIXTURE, service.span), 71);

    let text = "job:\n  script: [a]\n  services: !reference [.x, services]\n  image:\n    name: !reference [.x, image]\n.y:\n  services:\n    - name: !reference [.x, name]\ninclude: !reference [.z, include]\n";
    let deps = super::extract(text).unwrap();
    assert_eq!(
        keys(&deps),
        [
            "job.services",
            "job.image",
            ".y.services.!reference [.x, name]",
            "include"
        ]
    );
    assert!(deps
        .iter()
        .all(|d| unpinned_why(&d.pin).contains("cannot be resolved statically")));
    assert_eq!(deps[3].kind, Kind::Include);

    let text = "include:\n  - project: !reference [.p, project]\n    file: a.yml\n  - project: g/p\n    ref: !reference [.p, ref]\n    file: !reference [.p, file]\n  - remote: !reference [.p, url]\n  - local: !reference [.p, local]\n";
    let deps = super::extract(text).unwrap();
    assert_eq!(
        keys(&deps),
        [
            "include.project.!reference [.p, project]",
            "include.project.g/p",
            "include.remote.!reference [.p, url]"
        ]
    );
    assert!(deps
        .iter()
        .all(|d| unpinned_why(&d.pin).contains("cannot be resolved statically")));
    assert_eq!(deps[1].version_str(), Some("!reference [.p, ref]"));
}

#[test]
fn trigger_include() {
    let deps = deps(FIXTURE);
    let child = by_key(&deps, "deploy.trigger.include.project.platform/deploy");
    assert_eq!(child.kind, Kind::Include);
    assert!(is_tagged(&child.pin));
    assert_eq!(line(FIXTURE, child.span), 85);
    let text = "bridge:\n  trigger:\n    project: other/project\n    branch: main\n";
    assert!(super::extract(text).unwrap().is_empty());
}

#[test]
fn include_shapes() {
    let one = deps("include: https://example.com/a.yml\n");
    assert_eq!(keys(&one), ["include.remote.https://example.com/a.yml"]);
    let mapping = deps("include:\n  project: g/p\n  file: a.yml\n  ref: main\n");
    assert_eq!(keys(&mapping), ["include.project.g/p"]);
    assert_eq!(mapping[0].version_str(), Some("main"));
    assert!(deps("include:\n").is_empty());
    assert!(deps("include: ci/local.yml\n").is_empty());
    assert!(deps("include: [{local: a.yml}, {template: Jobs/SAST.gitlab-ci.yml}]\n").is_empty());
    let variable = deps("include: $TEMPLATES_URL/ci.yml\n");
    assert_eq!(keys(&variable), ["include.$TEMPLATES_URL/ci.yml"]);
    assert!(unpinned_why(&variable[0].pin).contains("cannot be resolved statically"));
    let with_rules = deps(
        "include:\n  - remote: https://x.test/a.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH\n",
    );
    assert_eq!(with_rules.len(), 1);
}

#[test]
fn keys_of_repeated_includes() {
    let text = "include:\n  - component: gitlab.com/c/d/e@1.0.0\n    inputs: {stage: a}\n  - component: gitlab.com/c/d/e@1.0.0\n    inputs: {stage: b}\n  - project: g/p\n    file: [/a.yml]\n  - project: G/P\n    file: a.yml\n";
    let deps = deps(text);
    assert_eq!(
        keys(&deps),
        [
            "include.component.gitlab.com/c/d/e",
            "include.component.gitlab.com/c/d/e#2",
            "include.project.g/p:a.yml",
            "include.project.g/p:a.yml#2",
        ]
    );
    let text = "job:\n  script: [x]\n  services: [postgres:14, {name: postgres:15, alias: db2}]\n";
    assert_eq!(
        keys(&super::extract(text).unwrap()),
        ["job.services.postgres", "job.services.postgres#2"]
    );
}

#[test]
fn spec_header() {
    let text = "spec:\n  inputs:\n    stage:\n      default: test\n  include:\n    - remote: https://example.com/inputs.yml\n---\n$[[ inputs.stage ]]-job:\n  image: alpine:$[[ inputs.version ]]\n  script: [x]\n";
    let found = deps(text);
    assert_eq!(
        keys(&found),
        [
            "spec.include.remote.https://example.com/inputs.yml",
            "$[[ inputs.stage ]]-job.image"
        ]
    );
    assert_eq!(line(text, found[0].span), 6);
    assert!(unpinned_why(&found[1].pin).contains("cannot be resolved statically"));
    // A header alone.
    assert!(deps("spec:\n  inputs: {}\n---\n").is_empty());
}

#[test]
fn files_that_hold_no_pipeline() {
    assert!(deps("").is_empty());
    assert!(deps("# nothing\n").is_empty());
    // `.gitlab/route-map.yml`
    assert!(deps("- source: /content/(.+)\\.md/\n  public: '\\1.html'\n").is_empty());
    // `.gitlab/agents/<name>/config.yaml`
    assert!(deps("ci_access:\n  projects:\n    - id: g/p\n").is_empty());
    // Hidden keys that hold anchors, not jobs.
    assert!(deps(".scripts: &s [echo]\n.name: &n value\nstages: [a]\n").is_empty());
}

#[test]
fn errors_at_the_place() {
    let cases: &[(&str, usize, &str)] = &[
        ("just a string\n", 1, "must be a mapping"),
        ("a: 1\n---\nb: 2\n", 3, "spec"),
        ("spec: {}\n---\na: 1\n---\nb: 2\n", 5, "third"),
        ("include:\n  - [a.yml]\n", 2, "not a list"),
        ("include:\n  - foo: bar\n", 2, "needs one of"),
        (
            "include:\n  - local: a.yml\n    remote: https://x.test/a.yml\n",
            3,
            "not both local and remote",
        ),
        (
            "include:\n  - project: g/p\n    ref: main\n",
            2,
            "needs `file:`",
        ),
        (
            "include:\n  - project: g/p\n    file: []\n",
            3,
            "empty list",
        ),
        (
            "include:\n  - project:\n    file: a.yml\n",
            2,
            "project is empty",
        ),
        (
            "include:\n  - component: gitlab.com/a/b/c\n",
            2,
            "has no version",
        ),
        (
            "include:\n  - component: gitlab.com/a/b/c@\n",
            2,
            "has no version",
        ),
        (
            "include:\n  - remote: https://x.test/a.yml\n    integrity: md5-abc\n",
            3,
            "integrity",
        ),
        ("include:\n  -\n", 2, "empty entry"),
        (
            "include: {project: [g/p], file: a.yml}\n",
            1,
            "must be a string",
        ),
        (
            "job:\n  script: [x]\n  image: [alpine]\n",
            3,
            "must be a string",
        ),
        (
            "job:\n  script: [x]\n  image:\n    entrypoint: [sh]\n",
            4,
            "needs a name",
        ),
        ("default:\n  image: {name: ''}\n", 2, "is empty"),
        ("job:\n  services: {name: x}\n", 2, "must be a list"),
        ("job:\n  services:\n    - [x]\n", 3, "must be a string"),
        ("job:\n  services:\n    -\n", 3, "is empty"),
        ("job:\n  image: !custom x\n", 2, "tag"),
        ("image: a\nimage: b\n", 2, ""),
        ("job: [\n", 2, "YAML syntax error"),
        ("{a: 1}: x\n", 1, "key must be a string"),
    ];
    for (text, want_line, want) in cases {
        let (line, message) = error(text);
        assert_eq!(line, *want_line, "{text:?}: {message}");
        assert!(message.contains(want), "{text:?}: {message}");
    }
}

#[test]
fn pins() {
    assert_eq!(ref_pin(SHA), PinState::Pinned);
    assert!(is_tagged(&ref_pin("v1.2.3")));
    assert!(is_tagged(&ref_pin("2.0")));
    assert!(unpinned_why(&ref_pin("main")).contains("branch"));
    assert!(unpinned_why(&ref_pin("3f1c2b0")).contains("short commit"));
    assert!(unpinned_why(&ref_pin("$REF")).contains("cannot be resolved statically"));
    assert_eq!(component_pin(SHA), PinState::Pinned);
    assert!(is_tagged(&component_pin("1.2.3")));
    assert!(is_tagged(&component_pin("1.2.3-rc.1")));
    for moving in ["1", "1.2", "~latest", "main", "$[[ inputs.v ]]"] {
        assert!(
            matches!(component_pin(moving), PinState::Unpinned(_)),
            "{moving}"
        );
    }
}

#[test]
fn through_the_dispatcher_with_bom_and_crlf() {
    use crate::extract::{extract as by_kind, FileKind};
    let text = "\u{feff}include:\r\n  - project: g/p\r\n    ref: main\r\n    file: a.yml\r\nimage: alpine:3.20\r\n";
    let deps = by_kind(FileKind::GitLabCi, text.as_bytes()).unwrap();
    assert_eq!(keys(&deps), ["include.project.g/p", "image"]);
    assert_eq!(spanned(text, &deps[0].version), "main");
    assert_eq!(spanned(text, &deps[1].source), "alpine:3.20");
}

mod props {
    use super::super::extract;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// No input panics, and every span lies inside the input.
        #[test]
        fn never_panics(text in "[a-z:@$!#/.{}\\[\\]\\n ,'\"~-]{0,200}") {
            let texts = [
                text.clone(),
                format!("include:\n  - {text}\n"),
                format!("include:\n  - component: {text}\n  - project: {text}\n    ref: {text}\n    file: {text}\n"),
                format!("job:\n  image: {text}\n  services:\n    - {text}\n"),
                format!("spec:\n  include: {text}\n---\n.x: &x\n  image: {text}\ny:\n  <<: *x\n  trigger:\n    include: {text}\n"),
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

#[test]
fn the_image_this_pipeline_built_from_this_commit_is_no_dependency() {
    let text = "build:\n  script: [make]\ntest:\n  image: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\n  script: [make test]\ne2e:\n  image: ${CI_REGISTRY_IMAGE}/e2e:${CI_COMMIT_SHA}\n  script: [make e2e]\nlatest:\n  image: $CI_REGISTRY_IMAGE:latest\n  script: [x]\nbranch:\n  image: $CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG\n  script: [x]\nother:\n  image: $OTHER_IMAGE:$CI_COMMIT_SHA\n  script: [x]\n";
    let keys: Vec<String> = deps(text).into_iter().map(|d| d.key).collect();
    assert_eq!(keys, ["latest.image", "branch.image", "other.image"]);
}

#[test]
fn this_project_at_its_own_commit_is_followed_elsewhere_judged() {
    // Followed by the pipeline walk: nothing to judge here.
    let same = "include:\n  - project: $CI_PROJECT_PATH\n    file: /x.yml\n  - project: $CI_PROJECT_PATH\n    ref: ${CI_COMMIT_SHA}\n    file: /y.yml\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/lint@$CI_COMMIT_REF_NAME\n";
    assert!(deps(same).is_empty(), "{:?}", deps(same));
    // Another version of this project is a remote include.
    let other = format!(
        "include:\n  - project: $CI_PROJECT_PATH\n    ref: main\n    file: /x.yml\n  - project: $CI_PROJECT_PATH\n    ref: {SHA}\n    file: /y.yml\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/lint@1.0.0\n"
    );
    let found = deps(&other);
    assert_eq!(
        keys(&found),
        [
            "include.project.$CI_PROJECT_PATH:x.yml",
            "include.project.$CI_PROJECT_PATH:y.yml",
            "include.component.$CI_SERVER_FQDN/$CI_PROJECT_PATH/lint",
        ]
    );
    assert!(unpinned_why(&found[0].pin).contains("branch"));
    assert_eq!(found[1].pin, PinState::Pinned);
    assert!(is_tagged(&found[2].pin));
}

#[test]
fn any_other_variable_in_an_include_address_is_unpinned() {
    let texts = [
        format!("include:\n  - project: $GROUP/templates\n    ref: {SHA}\n    file: /x.yml\n"),
        format!("include:\n  - project: g/p\n    ref: {SHA}\n    file: /ci/$ENV.yml\n"),
        format!("include:\n  - project: $CI_PROJECT_PATH\n    ref: {SHA}\n    file: [a.yml, $X.yml]\n"),
        "include:\n  - remote: https://$HOST/x.yml\n    integrity: sha256-BozLjE+uzwZJEC5jBWZoJ+ZfvcTiBlj80d0CsVi+ZsI=\n".to_owned(),
        "include: https://${HOST}/x.yml\n".to_owned(),
        format!("include:\n  - component: gitlab.com/$GROUP/c/lint@{SHA}\n"),
        format!("include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/$NAME@{SHA}\n"),
        format!("include:\n  - component: $HOST/g/c/lint@{SHA}\n"),
        "include:\n  - local: /ci/$ENV.yml\n".to_owned(),
        "include:\n  - project: $CI_PROJECT_PATH\n    file: /ci/$ENV.yml\n".to_owned(),
        "include: /ci/${ENV}.yml\n".to_owned(),
    ];
    for text in &texts {
        let found = deps(text);
        assert_eq!(found.len(), 1, "{text}");
        let why = unpinned_why(&found[0].pin);
        assert!(why.contains("variable"), "{text}: {why}");
    }
    // The instance itself names no unknown host.
    let fine = format!("include:\n  - component: $CI_SERVER_FQDN/g/c/lint@{SHA}\n");
    assert_eq!(deps(&fine)[0].pin, PinState::Pinned);
}

#[test]
fn a_child_pipeline_generated_at_run_time_is_unpinned() {
    let text = "gen:\n  script: ./gen.sh > child.yml\n  artifacts:\n    paths: [child.yml]\nchild:\n  trigger:\n    include:\n      - artifact: child.yml\n        job: gen\n    strategy: depend\n";
    let deps = deps(text);
    let child = by_key(&deps, "child.trigger.include.artifact.child.yml");
    assert_eq!(child.kind, Kind::Include);
    assert!(
        matches!(&child.pin, PinState::Unpinned(why) if why.contains("dynamic_child_pipelines"))
    );
    assert_eq!(child.version_str(), Some("child.yml of job gen"));
    assert_eq!(line(text, child.span), 8);
    assert!(crate::extract::is_generated_child_pipeline(child));
    // Another job writing it is another version.
    let other = deps_of_job(&text.replace("job: gen", "job: other"));
    assert_eq!(other.as_deref(), Some("child.yml of job other"));
    // A plain `include: local` child is read, not a generated one.
    let local = "child:\n  trigger:\n    include: ci/child.yml\n";
    assert!(super::extract(local).unwrap().is_empty());
}

fn deps_of_job(text: &str) -> Option<String> {
    deps(text)
        .into_iter()
        .find(|d| d.key.contains(".artifact."))
        .and_then(|d| d.version_str().map(str::to_owned))
}
