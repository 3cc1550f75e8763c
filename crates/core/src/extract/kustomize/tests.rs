use super::*;
use crate::model::{line_col, PinState, Span};

/// The extractor, local paths placed for a kustomization deep enough that
/// none of these leaves the repository.
fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    super::extract(text).map(|deps| crate::local::place(Some("a/b/c/d/kustomization.yaml"), deps))
}

#[test]
fn local_paths_that_may_leave_are_placed() {
    let text = "resources:\n  - ../../base\n  - /srv/base\n  - file:///srv/x\n  - base\nbases:\n  - ../b\n";
    let raw = super::extract(text).unwrap();
    let got: Vec<_> = raw
        .iter()
        .map(|d| (d.key.as_str(), d.local_path, &d.pin))
        .collect();
    assert_eq!(
        got,
        vec![
            ("resources.../../base", true, &PinState::Derived),
            ("resources./srv/base", true, &PinState::Derived),
            ("resources.file:///srv/x", true, &PinState::Derived),
            ("bases.../b", true, &PinState::Derived),
        ]
    );
    let placed = crate::local::place(Some("k/kustomization.yaml"), raw);
    let kept: Vec<_> = placed.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        kept,
        [
            "resources.../../base",
            "resources./srv/base",
            "resources.file:///srv/x"
        ]
    );
    assert!(placed
        .iter()
        .all(|d| matches!(d.pin, PinState::Unpinned(_))));
    assert_eq!(
        at(text, placed[0].source.as_ref().unwrap().span),
        "../../base"
    );
}

const KUSTOMIZATION: &str =
    include_str!("../../../../../tests/fixtures/kustomize/kustomization.yaml");

const SHA: &str = "7c0e2b5d9a4f1e3c6b8d0a2f4e6c8b0d1a3f5e7c";
const RAW_SHA: &str = "3b2b6c4e8f0a1d3c5e7f9a1b3d5f7a9c1e3b5d7f";
const DIGEST: &str = "sha256:0f04e4f646a3f14bf31d8bc8d885b6c951fdcf42589d06845f64d18aec6a3c4d";

type Row = (
    Kind,
    String,
    String,
    Option<String>,
    Option<String>,
    PinState,
);

fn rows(deps: &[Dependency]) -> Vec<Row> {
    deps.iter()
        .map(|d| {
            assert_eq!(d.ecosystem, Ecosystem::Kustomize);
            (
                d.kind,
                d.key.clone(),
                d.name.clone(),
                d.source_str().map(str::to_owned),
                d.version_str().map(str::to_owned),
                d.pin.clone(),
            )
        })
        .collect()
}

fn row(
    kind: Kind,
    key: &str,
    name: &str,
    source: &str,
    version: Option<&str>,
    pin: PinState,
) -> Row {
    (
        kind,
        key.to_owned(),
        name.to_owned(),
        Some(source.to_owned()),
        version.map(str::to_owned),
        pin,
    )
}

fn at(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

fn unpinned(why: &str) -> PinState {
    PinState::Unpinned(why.to_owned())
}

fn tagged(why: &str) -> PinState {
    PinState::Tagged(why.to_owned())
}

#[test]
fn fixture() {
    let deps = extract(KUSTOMIZATION).unwrap();
    let raw = format!(
        "https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/{RAW_SHA}/manifests/base/rbac.yaml"
    );
    let crds =
        "https://github.com/cert-manager/cert-manager/releases/download/v1.15.3/cert-manager.crds.yaml";
    assert_eq!(
        rows(&deps),
        vec![
            row(
                Kind::Module,
                "resources.github.com/acme/platform-manifests//monitoring/base",
                "https://github.com/acme/platform-manifests//monitoring/base",
                "github.com/acme/platform-manifests//monitoring/base",
                Some(SHA),
                PinState::Pinned
            ),
            row(
                Kind::Module,
                "resources.github.com/acme/platform-manifests//ingress",
                "github.com/acme/platform-manifests/ingress",
                "github.com/acme/platform-manifests//ingress",
                Some("v1.4.2"),
                tagged("ref \"v1.4.2\" is a tag, and tags can be moved")
            ),
            row(
                Kind::Module,
                "resources.gitlab.com/acme/network-policies//default-deny",
                "git@gitlab.com:acme/network-policies.git//default-deny",
                "gitlab.com/acme/network-policies//default-deny",
                None,
                unpinned("no ref: the default branch at build time")
            ),
            row(
                Kind::Module,
                &format!("resources.{raw}"),
                &raw,
                &raw,
                Some(RAW_SHA),
                PinState::Pinned
            ),
            row(
                Kind::Module,
                &format!("resources.{crds}"),
                crds,
                crds,
                Some("v1.15.3"),
                tagged(
                    "the URL names version \"v1.15.3\", a tag or release that can be moved; use a \
                     URL with a commit"
                )
            ),
            row(
                Kind::Module,
                "components.github.com/acme/kustomize-components//pdb",
                "ssh://git@github.com/acme/kustomize-components.git//pdb",
                "github.com/acme/kustomize-components//pdb",
                Some("main"),
                unpinned("ref \"main\" is a branch name")
            ),
            row(
                Kind::Chart,
                "helmCharts.cache",
                "redis",
                "https://charts.bitnami.com/bitnami/redis",
                Some("19.6.4"),
                PinState::Pinned
            ),
            row(
                Kind::Chart,
                "helmCharts.ingress",
                "ingress-nginx",
                "https://kubernetes.github.io/ingress-nginx/ingress-nginx",
                Some("~4.11.0"),
                unpinned("version \"~4.11.0\" is a range")
            ),
            row(
                Kind::Image,
                "images.shop-frontend",
                "ghcr.io/acme/shop-frontend",
                "ghcr.io/acme/shop-frontend",
                Some("2.14.0"),
                tagged("tag \"2.14.0\" can be moved; pin the digest: `@sha256:...`")
            ),
            row(
                Kind::Image,
                "images.nginx",
                "nginx",
                "docker.io/library/nginx",
                Some(DIGEST),
                PinState::Pinned
            ),
            row(
                Kind::Image,
                "images.busybox",
                "registry.acme.internal/mirror/busybox",
                "registry.acme.internal/mirror/busybox",
                None,
                unpinned("no tag or digest: it is whatever `latest` is when pulled")
            ),
        ]
    );
}

#[test]
fn fixture_spans() {
    let deps = extract(KUSTOMIZATION).unwrap();
    let find = |key: &str| deps.iter().find(|d| d.key.starts_with(key)).unwrap();
    let text = KUSTOMIZATION;

    let monitoring = find("resources.github.com/acme/platform-manifests//monitoring");
    assert_eq!(line_col(text, monitoring.span.start), (9, 5));
    assert!(at(text, monitoring.span).ends_with(SHA));
    assert_eq!(
        at(text, monitoring.source.as_ref().unwrap().span),
        "https://github.com/acme/platform-manifests//monitoring/base"
    );
    assert_eq!(at(text, monitoring.version.as_ref().unwrap().span), SHA);

    let ingress = find("resources.github.com/acme/platform-manifests//ingress");
    assert_eq!(at(text, ingress.version.as_ref().unwrap().span), "v1.4.2");
    assert_eq!(line_col(text, ingress.span.start).0, 10);

    let raw = find("resources.https://raw.");
    assert_eq!(at(text, raw.version.as_ref().unwrap().span), RAW_SHA);
    assert_eq!(line_col(text, raw.span.start).0, 12);

    let pdb = find("components.");
    assert_eq!(at(text, pdb.version.as_ref().unwrap().span), "main");
    assert_eq!(line_col(text, pdb.span.start).0, 17);

    let cache = find("helmCharts.cache");
    assert_eq!(at(text, cache.span), "cache");
    assert_eq!(
        at(text, cache.source.as_ref().unwrap().span),
        "https://charts.bitnami.com/bitnami"
    );
    assert_eq!(at(text, cache.version.as_ref().unwrap().span), "19.6.4");

    let frontend = find("images.shop-frontend");
    assert_eq!(at(text, frontend.span), "shop-frontend");
    assert_eq!(line_col(text, frontend.span.start).0, 31);
    assert_eq!(at(text, frontend.version.as_ref().unwrap().span), "2.14.0");
    let nginx = find("images.nginx");
    assert_eq!(at(text, nginx.version.as_ref().unwrap().span), DIGEST);
    let busybox = find("images.busybox");
    assert_eq!(
        at(text, busybox.source.as_ref().unwrap().span),
        "registry.acme.internal/mirror/busybox"
    );
}

#[test]
fn through_the_dispatcher_with_a_bom_and_crlf() {
    use crate::extract::{extract, FileKind};
    let text = format!("\u{feff}resources:\r\n  - github.com/org/repo/app?ref={SHA}\r\nimages:\r\n  - name: app\r\n    newTag: \"1.0\"\r\n");
    let deps = extract(FileKind::Kustomization, text.as_bytes()).unwrap();
    assert_eq!(at(&text, deps[0].version.as_ref().unwrap().span), SHA);
    assert_eq!(line_col(&text, deps[0].span.start), (2, 5));
    assert_eq!(at(&text, deps[1].span), "app");
    assert_eq!(at(&text, deps[1].version.as_ref().unwrap().span), "\"1.0\"");
}

#[test]
fn repeated_keys_get_a_count() {
    let text = "\
resources:
  - https://github.com/org/repo//a?ref=v1
  - github.com/org/repo/a?ref=v2
  - https://GitHub.com/org/repo//a
helmCharts:
  - {name: redis, repo: https://charts.bitnami.com/bitnami, version: 1.0.0}
  - {name: redis, repo: https://charts.bitnami.com/bitnami, version: 2.0.0}
images:
  - {name: app, newTag: '1'}
  - {name: app, newTag: '2'}
";
    let keys: Vec<_> = extract(text).unwrap().into_iter().map(|d| d.key).collect();
    assert_eq!(
        keys,
        [
            "resources.github.com/org/repo//a",
            "resources.github.com/org/repo//a#2",
            "resources.github.com/org/repo//a#3",
            "helmCharts.redis",
            "helmCharts.redis#2",
            "images.app",
            "images.app#2",
        ]
    );
}

#[test]
fn one_place_written_differently_is_one_source() {
    let spellings = [
        format!("https://github.com/org/repo//deploy?ref={SHA}"),
        format!("github.com/org/repo/deploy?ref={SHA}"),
        format!("git@github.com:org/repo.git//deploy?ref={SHA}"),
        format!("ssh://git@github.com/org/repo.git/deploy?ref={SHA}"),
        format!("git::https://github.com/org/repo.git//deploy/?version={SHA}"),
    ];
    for spelling in spellings {
        let text = format!("resources:\n- \"{spelling}\"\n");
        let deps = extract(&text).unwrap();
        assert_eq!(deps.len(), 1, "{spelling}");
        assert_eq!(deps[0].key, "resources.github.com/org/repo//deploy");
        assert_eq!(deps[0].source_str(), Some("github.com/org/repo//deploy"));
        assert_eq!(deps[0].pin, PinState::Pinned, "{spelling}");
        assert_eq!(at(&text, deps[0].version.as_ref().unwrap().span), SHA);
    }
}

#[test]
fn images() {
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "{name: nginx, newTag: '1.27'}",
            "docker.io/library/nginx",
            Some("1.27"),
            "'1.27'",
        ),
        (
            "{name: nginx, newTag: 1.27}",
            "docker.io/library/nginx",
            Some("1.27"),
            "1.27",
        ),
        (
            "{name: nginx, newTag: latest}",
            "docker.io/library/nginx",
            Some("latest"),
            "latest",
        ),
        (
            "{name: nginx, newName: ghcr.io/org/nginx, newTag: x, digest: DIGEST}",
            "ghcr.io/org/nginx",
            Some(DIGEST),
            DIGEST,
        ),
        (
            "{name: nginx, newName: Quay.io/Org/nginx}",
            "quay.io/org/nginx",
            None,
            "Quay.io/Org/nginx",
        ),
        (
            "{name: nginx, digest: 'sha256:abc'}",
            "docker.io/library/nginx",
            Some("sha256:abc"),
            "'sha256:abc'",
        ),
    ];
    for (entry, source, version, span) in cases {
        let entry = entry.replace("DIGEST", DIGEST);
        let text = format!("images:\n  - {entry}\n");
        let deps = extract(&text).unwrap();
        let dep = &deps[0];
        assert_eq!(dep.kind, Kind::Image);
        assert_eq!(dep.source_str(), Some(*source), "{entry}");
        assert_eq!(dep.version_str(), *version, "{entry}");
        assert_eq!(
            at(&text, dep.source.as_ref().unwrap().span),
            *span,
            "{entry}"
        );
        assert_eq!(at(&text, dep.span), "nginx");
    }
    let pins: Vec<_> = [
        "{name: a, newTag: '1.2'}",
        "{name: a, newTag: latest}",
        "{name: a, digest: DIGEST}",
        "{name: a, digest: 'sha256:abc'}",
        "{name: a, newName: b}",
    ]
    .iter()
    .map(|entry| {
        let text = format!("images:\n  - {}\n", entry.replace("DIGEST", DIGEST));
        match &extract(&text).unwrap()[0].pin {
            PinState::Pinned => "pinned",
            PinState::Tagged(_) => "tagged",
            PinState::Unpinned(_) => "unpinned",
            PinState::Derived => "derived",
        }
    })
    .collect();
    assert_eq!(
        pins,
        ["tagged", "unpinned", "pinned", "unpinned", "unpinned"]
    );
}

#[test]
fn nothing_to_report() {
    for text in [
        "",
        "# empty\n",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
        "resources:\n",
        "resources: []\ncomponents: ~\nbases: []\nhelmCharts: []\nimages: []\n",
        "resources:\n  - deployment.yaml\n  - ../base\n  - ./overlays/prod\n  - file://../srv/base\n",
        "bases:\n  - ../../base\n",
        "helmCharts:\n  - name: local-chart\n    version: 1.0.0\n",
        "images:\n  - name: nginx\n",
        "patches:\n  - path: patch.yaml\n  - patch: x\n",
        "generators:\n  - ./gen\n  - {apiVersion: v1, kind: X}\n",
    ] {
        assert_eq!(extract(text).unwrap(), vec![], "{text:?}");
    }
}

#[test]
fn bases_and_components_are_read_like_resources() {
    let text = format!(
        "kind: Component\nbases:\n  - github.com/org/base?ref={SHA}\ncomponents:\n  - https://gitlab.com/org/comp.git\n"
    );
    let deps = extract(&text).unwrap();
    assert_eq!(deps[0].key, "bases.github.com/org/base");
    assert_eq!(deps[0].pin, PinState::Pinned);
    assert_eq!(deps[1].key, "components.gitlab.com/org/comp");
    assert_eq!(deps[1].name, "https://gitlab.com/org/comp.git");
}

#[test]
fn raw_urls() {
    let cases: &[(&str, &str)] = &[
        ("https://raw.githubusercontent.com/org/repo/main/deploy.yaml", "unpinned"),
        ("https://raw.githubusercontent.com/org/repo/refs/tags/v2.0.1/deploy.yaml", "tagged"),
        (
            "https://gist.githubusercontent.com/u/0123456789abcdef0123456789abcdef/raw/3b2b6c4e8f0a1d3c5e7f9a1b3d5f7a9c1e3b5d7f/x.json",
            "pinned",
        ),
        ("http://example.com/x.yml?token=secret", "unpinned"),
    ];
    for (url, want) in cases {
        let text = format!("resources:\n  - {url}\n");
        let dep = &extract(&text).unwrap()[0];
        let got = match &dep.pin {
            PinState::Pinned => "pinned",
            PinState::Tagged(_) => "tagged",
            _ => "unpinned",
        };
        assert_eq!(got, *want, "{url}");
        assert!(!dep.key.contains("secret") && !dep.name.contains("secret"));
        assert!(!dep.source_str().unwrap().contains('?'));
    }
}

#[test]
fn merge_keys() {
    let text = "\
x-chart: &chart
  repo: oci://ghcr.io/org/charts
  version: 1.2.3
helmCharts:
  - name: app
    <<: *chart
";
    let deps = extract(text).unwrap();
    assert_eq!(deps[0].source_str(), Some("oci://ghcr.io/org/charts/app"));
    assert_eq!(deps[0].pin, PinState::Pinned);
    assert_eq!(at(text, deps[0].version.as_ref().unwrap().span), "1.2.3");
}

#[test]
fn malformed_fails_closed_at_the_offending_value() {
    let cases: &[(&str, &str, &str)] = &[
        ("- a\n- b\n", "- a", "must be a YAML mapping"),
        (
            "resources: deployment.yaml\n",
            "deployment.yaml",
            "must be a list",
        ),
        ("resources:\n  a: b\n", "a: b", "must be a list"),
        ("components:\n  - ~\n", "~", "not null"),
        ("bases:\n  - {path: x}\n", "{path: x}", "must be a string"),
        ("resources:\n  - [a]\n", "[a]", "must be a string"),
        ("resources:\n  - s3://bucket/x\n", "s3://", "not s3://"),
        (
            "resources:\n  - https://github.com/org/repo?ref=a&ref=b\n",
            "https://github.com/org/repo?ref=a&ref=b",
            "more than once",
        ),
        ("resources:\n  - https:///x\n", "https:///x", "host"),
        ("helmCharts: {name: x}\n", "{name: x}", "must be a list"),
        ("helmCharts:\n  - redis\n", "redis", "must be a mapping"),
        (
            "helmCharts:\n  - repo: https://x.io\n",
            "repo",
            "without a name",
        ),
        (
            "helmCharts:\n  - name: a\n    repo: https://x.io\n    version: [1]\n",
            "[1]",
            "must be a string",
        ),
        (
            "helmCharts:\n  - name: a\n    releaseName: {x: 1}\n",
            "{x: 1}",
            "must be a string",
        ),
        ("images: nginx\n", "nginx", "must be a list"),
        (
            "images:\n  - nginx:1.27\n",
            "nginx:1.27",
            "must be a mapping",
        ),
        ("images:\n  - newTag: '1.0'\n", "newTag", "without a name"),
        (
            "images:\n  - name: ''\n    newTag: '1'\n",
            "''",
            "empty name",
        ),
        (
            "images:\n  - name: a\n    newTag: [1]\n",
            "[1]",
            "must be a string",
        ),
        ("images:\n  - name: a\n    digest: !sha x\n", "!sha", "tag"),
        ("resources: [\n", "", "YAML syntax error"),
        (
            "resources: []\nresources: []\n",
            "resources: []\n",
            "duplicate",
        ),
    ];
    for (text, at, message) in cases {
        let err = extract(text).unwrap_err();
        assert!(
            err.message.to_lowercase().contains(&message.to_lowercase()),
            "{text:?}: {err:?}"
        );
        if !at.is_empty() {
            let want = text.rfind(at).unwrap();
            assert_eq!(
                line_col(text, err.offset).0,
                line_col(text, want).0,
                "{text:?}: {err:?}"
            );
            assert!(
                err.offset == want || text[err.offset..].starts_with(at),
                "{text:?}: {err:?}, want offset {want} ({at:?})"
            );
        }
    }
}

mod props {
    use super::super::*;
    use proptest::prelude::*;

    fn check(text: &str) -> Result<(), TestCaseError> {
        match extract(text) {
            Ok(deps) => {
                for d in deps {
                    for span in [
                        Some(d.span),
                        d.source.map(|s| s.span),
                        d.version.map(|v| v.span),
                    ]
                    .into_iter()
                    .flatten()
                    {
                        prop_assert!(span.start <= span.end && span.end <= text.len());
                        prop_assert!(text.is_char_boundary(span.start));
                        prop_assert!(text.is_char_boundary(span.end));
                    }
                }
            }
            Err(e) => prop_assert!(e.offset <= text.len()),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics(text in "\\PC{0,200}") {
            check(&text)?;
        }

        #[test]
        fn never_panics_on_urls(url in "(git::|https://|ssh://|git@|github\\.com/|file://)?[a-zA-Zé0-9.:/@?=&_%-]{0,80}") {
            check(&format!("resources:\n  - \"{url}\"\ncomponents:\n  - {url}\n"))?;
        }

        #[test]
        fn never_panics_on_entries(
            value in "[a-z0-9:/@=^~*.<>{}\\[\\]'\" \\n-]{0,60}",
        ) {
            check(&format!(
                "helmCharts:\n  - name: a\n    repo: {value}\n    version: {value}\nimages:\n  - name: a\n    newTag: {value}\n    digest: {value}\n"
            ))?;
        }
    }
}

#[test]
fn plugins_patches_crds_and_configurations_are_read_like_resources() {
    let text = format!(
        "resources:\n  - deploy.yaml\ntransformers:\n  - https://github.com/evil/tr//y?ref=main\n  - labels.yaml\n  - apiVersion: builtin\n    kind: LabelTransformer\n    metadata: {{name: l}}\ngenerators:\n  - github.com/acme/gen?ref={SHA}\nvalidators:\n  - https://github.com/evil/val?ref=v1.2.3\npatches:\n  - path: https://raw.githubusercontent.com/evil/p/main/patch.yaml\n  - path: local-patch.yaml\n  - patch: |-\n      - op: remove\n        path: /spec\npatchesStrategicMerge:\n  - https://raw.githubusercontent.com/evil/p/{RAW_SHA}/psm.yaml\ncrds:\n  - https://example.com/crd.yaml\nconfigurations:\n  - conf.yaml\n"
    );
    let deps = extract(&text).unwrap();
    let keys: Vec<(&str, bool)> = deps
        .iter()
        .map(|d| (d.key.as_str(), matches!(d.pin, PinState::Pinned)))
        .collect();
    assert_eq!(
        keys,
        [
            ("transformers.github.com/evil/tr//y", false),
            ("generators.github.com/acme/gen", true),
            ("validators.github.com/evil/val", false),
            ("patches.https://raw.githubusercontent.com/evil/p/main/patch.yaml", false),
            (
                &*format!("patchesStrategicMerge.https://raw.githubusercontent.com/evil/p/{RAW_SHA}/psm.yaml"),
                true
            ),
            ("crds.https://example.com/crd.yaml", false),
        ]
    );
}

#[test]
fn inline_patches_set_images() {
    let d = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let text = format!(
        "resources:\n  - pod.yaml\npatches:\n  - patch: |-\n      - op: replace\n        path: /spec/containers/0/image\n        \
         value: evil/miner:latest\n      - op: add\n        path: /spec/template/spec/initContainers/-\n        value:\n          \
         name: init\n          image: busybox@{d}\n      - op: replace\n        path: /metadata/annotations/image\n        value: x\n      \
         - op: remove\n        path: /spec/containers/1\n    target:\n      kind: Pod\n      name: x\n  \
         - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        \
         template:\n          spec:\n            containers:\n              - name: app\n                image: evil/x:latest\n\
         patchesJson6902:\n  - target: {{kind: Deployment, name: web}}\n    patch: '[{{\"op\": \"replace\", \"path\": \
         \"/spec/template/spec/containers/0/image\", \"value\": \"nginx:1.27\"}}]'\n\
         patchesStrategicMerge:\n  - patch.yaml\n  - |-\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: p\n    \
         spec:\n      containers:\n        - name: a\n          image: https://x\n"
    );
    let deps = extract(&text).unwrap();
    let got: Vec<(&str, Option<&str>)> = deps
        .iter()
        .map(|d| (d.key.as_str(), d.source_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "patches.Pod/x:/spec/containers/0/image",
                Some("docker.io/evil/miner")
            ),
            (
                "patches.Pod/x:/spec/template/spec/initContainers/-",
                Some("docker.io/library/busybox")
            ),
            (
                "patches.Deployment//web:containers.app",
                Some("docker.io/evil/x")
            ),
            (
                "patchesJson6902.Deployment/web:/spec/template/spec/containers/0/image",
                Some("docker.io/library/nginx")
            ),
            (
                "patchesStrategicMerge.Pod//p:containers.a",
                Some("https://x")
            ),
        ]
    );
    assert!(matches!(deps[0].pin, PinState::Unpinned(_)));
    assert_eq!(deps[1].pin, PinState::Pinned);
    assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Kustomize));
    assert_eq!(
        line_col(&text, deps[0].span.start).0,
        5,
        "{:?}",
        at(&text, deps[0].span)
    );
    // A patch that sets no image names nothing; one that does not parse
    // fails closed.
    let text = "patches:\n  - patch: |-\n      - op: add\n        path: /metadata/labels/a\n        value: b\n";
    assert_eq!(extract(text).unwrap(), vec![]);
    let err = extract("patches:\n  - patch: \"- op: [\"\n").unwrap_err();
    assert!(err.message.contains("does not parse"), "{}", err.message);
}
