use serde_json::Value;

use super::*;
use crate::extract::extract;
use crate::model::{PinState, Span, Spanned};

const SHA: &str = "3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const NETWORK_MAIN: &str = r#"module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.5.0"
}

module "eks" {
  source = "git::https://github.com/Acme/terraform-aws-eks.git//modules/cluster?ref=3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"
}

module "labels" {
  source = "./modules/labels"
}

module "tags" {
  source = "git@github.com:acme/tags.git?ref=main"
}
"#;

const NETWORK_VERSIONS: &str = r#"terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = "~> 3.6"
  }
}
"#;

const NETWORK_LOCK: &str = r#"# This file is maintained automatically by "terraform init".
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
    "zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
    "zh:2FE4884CB9642F48A5889F8DFF8F5F511418A18537A9DFA77ADA3BCDAD391E4E",
  ]
}
"#;

const DNS_MAIN: &str = r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.20" }
    cloudflare = { source = "cloudflare/cloudflare", version = "~> 4.0" }
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.5.0"
}

module "zone" {
  source = "github.com/acme/terraform-dns?ref=v1.4.0"
}
"#;

const DNS_LOCK: &str = r#"provider "registry.terraform.io/hashicorp/aws" {
  version = "5.31.0"
  hashes = [
    "h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
    "zh:36d8bdd72fe61d816d0049c179f495bc6f1e54d8d7b07c45b62e5e1696882a89",
  ]
}
"#;

const LEGACY_MAIN: &str = r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 4.0" }
  }
}
"#;

const LEGACY_LOCK: &str = r#"provider "registry.terraform.io/hashicorp/aws" {
  version = "4.67.0"
  hashes = [
    "zh:0843017ecc24385f2b45f2c5fce79dc25b258e50d516877b3affee3bef34f060",
  ]
}
"#;

const TERRAGRUNT: &str = r#"terraform {
  source = "tfr:///terraform-aws-modules/vpc/aws?version=5.5.0"
}
"#;

const PACKAGE_JSON: &str = r#"{
  "name": "infra",
  "dependencies": {
    "@pulumi/pulumi": "3.100.0",
    "@pulumi/aws": "6.54.2",
    "@pulumi/random": "^4.16.0"
  }
}
"#;

const REQUIREMENTS: &str = "pulumi>=3.0.0\npulumi_aws==6.54.2\n";

fn extracted(path: &str, text: &str) -> Vec<Dependency> {
    let kind = FileKind::classify(path).unwrap_or_else(|| panic!("{path} is no IaC file"));
    extract(kind, text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn spanned(value: &str) -> Option<Spanned<String>> {
    Some(Spanned::new(value.to_owned(), Span::default()))
}

/// A dependency as the pipeline, image, chart and Galaxy extractors make
/// them: the source normalised, the version as written.
fn declared(
    ecosystem: Ecosystem,
    kind: Kind,
    name: &str,
    source: &str,
    version: Option<&str>,
) -> Dependency {
    let mut dep = Dependency::new(
        ecosystem,
        kind,
        name.to_owned(),
        name.to_owned(),
        Span::default(),
    );
    dep.source = spanned(source);
    dep.version = version.and_then(spanned);
    dep.pin = PinState::Pinned;
    dep
}

fn workflow() -> Vec<Dependency> {
    let mut checkout = declared(
        Ecosystem::GitHubActions,
        Kind::Action,
        "actions/checkout",
        "actions/checkout",
        Some(SHA),
    );
    checkout.comment = Some("v4.1.1".to_owned());
    let reusable = declared(
        Ecosystem::GitHubActions,
        Kind::Action,
        "Acme/workflows/.github/workflows/tf+plan.yml",
        "acme/workflows/.github/workflows/tf+plan.yml",
        Some("v2"),
    );
    let mut fact = declared(
        Ecosystem::GitHubActions,
        Kind::File,
        "the workflow grants its token contents: write",
        "",
        Some("write"),
    );
    fact.source = None;
    let mut image = declared(
        Ecosystem::GitHubActions,
        Kind::Image,
        "ghcr.io/acme/terraform",
        "ghcr.io/acme/terraform",
        Some(DIGEST),
    );
    image.comment = Some("1.7".to_owned());
    let codeql = declared(
        Ecosystem::GitHubActions,
        Kind::Action,
        "github/codeql-action/analyze",
        "github/codeql-action/analyze",
        Some("v3"),
    );
    vec![checkout, reusable, fact, image, codeql]
}

fn compose() -> Vec<Dependency> {
    vec![
        declared(
            Ecosystem::Container,
            Kind::Image,
            "nginx",
            "docker.io/library/nginx",
            Some("1.27"),
        ),
        declared(
            Ecosystem::Container,
            Kind::Image,
            "bitnami/redis",
            "docker.io/bitnami/redis",
            Some(DIGEST),
        ),
        declared(
            Ecosystem::Container,
            Kind::Image,
            "ghcr.io/acme/app",
            "ghcr.io/acme/app",
            Some("1.2"),
        ),
    ]
}

fn chart() -> Vec<Dependency> {
    let bitnami = "https://charts.bitnami.com/bitnami";
    vec![
        declared(
            Ecosystem::Helm,
            Kind::Chart,
            "redis",
            bitnami,
            Some("18.1.5"),
        ),
        declared(
            Ecosystem::Helm,
            Kind::Chart,
            "postgresql",
            bitnami,
            Some("^13.2"),
        ),
    ]
}

fn galaxy() -> Vec<Dependency> {
    vec![
        declared(
            Ecosystem::Ansible,
            Kind::Collection,
            "community.general",
            "community.general",
            Some("9.0.0"),
        ),
        declared(
            Ecosystem::Ansible,
            Kind::Role,
            "docker",
            "git+https://github.com/geerlingguy/ansible-role-docker.git",
            Some("7.1.0"),
        ),
    ]
}

/// A small monorepo: two Terraform stacks sharing a module and a locked
/// provider, an unlocked provider, a Terragrunt unit, Pulumi manifests,
/// a workflow, a compose file, a chart and Galaxy requirements.
fn tree() -> Vec<(String, Vec<Dependency>)> {
    vec![
        (
            "stacks/network/main.tf".into(),
            extracted("stacks/network/main.tf", NETWORK_MAIN),
        ),
        (
            "stacks/network/versions.tf".into(),
            extracted("stacks/network/versions.tf", NETWORK_VERSIONS),
        ),
        (
            "stacks/network/.terraform.lock.hcl".into(),
            extracted("stacks/network/.terraform.lock.hcl", NETWORK_LOCK),
        ),
        (
            "stacks/dns/main.tf".into(),
            extracted("stacks/dns/main.tf", DNS_MAIN),
        ),
        (
            "stacks/dns/.terraform.lock.hcl".into(),
            extracted("stacks/dns/.terraform.lock.hcl", DNS_LOCK),
        ),
        (
            "stacks/legacy/main.tf".into(),
            extracted("stacks/legacy/main.tf", LEGACY_MAIN),
        ),
        (
            "stacks/legacy/.terraform.lock.hcl".into(),
            extracted("stacks/legacy/.terraform.lock.hcl", LEGACY_LOCK),
        ),
        (
            "live/prod/vpc/terragrunt.hcl".into(),
            extracted("live/prod/vpc/terragrunt.hcl", TERRAGRUNT),
        ),
        (
            "pulumi/package.json".into(),
            extracted("pulumi/package.json", PACKAGE_JSON),
        ),
        (
            "pulumi/go.mod".into(),
            extracted(
                "pulumi/go.mod",
                include_str!("../../../../tests/fixtures/pulumi/go.mod"),
            ),
        ),
        (
            "pulumi/Pulumi.yaml".into(),
            extracted(
                "pulumi/Pulumi.yaml",
                include_str!("../../../../tests/fixtures/pulumi/Pulumi.yaml"),
            ),
        ),
        (
            "pulumi/Main.yaml".into(),
            extracted(
                "pulumi/Main.yaml",
                include_str!("../../../../tests/fixtures/pulumi/Main.yaml"),
            ),
        ),
        (
            "cfn/nested-stacks.yaml".into(),
            extracted(
                "cfn/nested-stacks.yaml",
                include_str!("../../../../tests/fixtures/cloudformation/nested-stacks.yaml"),
            ),
        ),
        (
            "cfn/sam-app.yaml".into(),
            extracted(
                "cfn/sam-app.yaml",
                include_str!("../../../../tests/fixtures/cloudformation/sam-app.yaml"),
            ),
        ),
        (
            "pulumi/requirements.txt".into(),
            extracted("pulumi/requirements.txt", REQUIREMENTS),
        ),
        (".github/workflows/ci.yml".into(), workflow()),
        ("compose.yaml".into(), compose()),
        ("charts/app/Chart.yaml".into(), chart()),
        ("ansible/requirements.yml".into(), galaxy()),
    ]
}

fn files(tree: &[(String, Vec<Dependency>)]) -> Vec<FileDeps<'_>> {
    tree.iter()
        .map(|(path, deps)| FileDeps { path, deps })
        .collect()
}

const SUBJECT: Subject = Subject {
    name: "infra",
    commit: Some("0123456789abcdef0123456789abcdef01234567"),
    tool_version: "0.1.0",
    created: None,
};

fn cdx(tree: &[(String, Vec<Dependency>)]) -> Value {
    serde_json::from_str(&cyclonedx(&SUBJECT, &files(tree))).expect("CycloneDX is JSON")
}

fn spdx_json(tree: &[(String, Vec<Dependency>)]) -> Value {
    serde_json::from_str(&spdx(&SUBJECT, &files(tree))).expect("SPDX is JSON")
}

/// The CycloneDX component named `name` (and version, when given).
fn find<'v>(bom: &'v Value, name: &str, version: Option<&str>) -> &'v Value {
    let found: Vec<&Value> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == name && version.is_none_or(|v| c["version"] == v))
        .collect();
    assert_eq!(found.len(), 1, "{name} {version:?}: {found:#?}");
    found[0]
}

fn locations(component: &Value) -> Vec<&str> {
    component["evidence"]["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["location"].as_str().unwrap())
        .collect()
}

fn property<'v>(component: &'v Value, name: &str) -> Vec<&'v str> {
    component["properties"]
        .as_array()
        .map(|props| {
            props
                .iter()
                .filter(|p| p["name"] == name)
                .map(|p| p["value"].as_str().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_dependency_in_many_files_is_one_component_with_every_file() {
    let bom = cdx(&tree());
    let in_ecosystem = |ecosystem: &str| -> Vec<&Value> {
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == "terraform-aws-modules/vpc/aws")
            .filter(|c| property(c, "iacgate:ecosystem") == [ecosystem])
            .collect()
    };
    let [vpc] = in_ecosystem("terraform")[..] else {
        panic!("one Terraform component for the module");
    };
    assert_eq!(vpc["version"], "5.5.0");
    assert_eq!(
        locations(vpc),
        ["stacks/dns/main.tf", "stacks/network/main.tf"]
    );
    assert_eq!(
        vpc["purl"],
        "pkg:terraform/terraform-aws-modules/vpc/aws@5.5.0"
    );
    assert_eq!(vpc["type"], "library");
    // The same module through Terragrunt is another ecosystem's component.
    let [unit] = in_ecosystem("terragrunt")[..] else {
        panic!("one Terragrunt component for the module");
    };
    assert_eq!(locations(unit), ["live/prod/vpc/terragrunt.hcl"]);
    assert_eq!(unit["purl"], vpc["purl"]);
}

#[test]
fn local_modules_and_file_facts_are_no_components() {
    let bom = cdx(&tree());
    let names: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(!names.iter().any(|n| n.contains("labels")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("token")), "{names:?}");
    // `@pulumi/pulumi` is the SDK, which the Pulumi extractor skips.
    assert!(!names.contains(&"@pulumi/pulumi"), "{names:?}");
}

#[test]
fn a_locked_provider_is_one_component_with_its_requirements() {
    let bom = cdx(&tree());
    let aws = find(&bom, "registry.terraform.io/hashicorp/aws", Some("5.31.0"));
    assert_eq!(
        locations(aws),
        [
            "stacks/dns/.terraform.lock.hcl",
            "stacks/dns/main.tf",
            "stacks/network/.terraform.lock.hcl",
            "stacks/network/versions.tf",
        ]
    );
    assert_eq!(aws["purl"], "pkg:terraform/hashicorp/aws@5.31.0");
    // zh: hashes of both lock files, lowercased; h1: is no checksum.
    let hashes: Vec<(&str, &str)> = aws["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["alg"].as_str().unwrap(), h["content"].as_str().unwrap()))
        .collect();
    assert_eq!(
        hashes,
        [
            (
                "SHA-256",
                "0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d"
            ),
            (
                "SHA-256",
                "2fe4884cb9642f48a5889f8dff8f5f511418a18537a9dfa77ada3bcdad391e4e"
            ),
            (
                "SHA-256",
                "36d8bdd72fe61d816d0049c179f495bc6f1e54d8d7b07c45b62e5e1696882a89"
            ),
        ]
    );
    assert_eq!(
        property(aws, "iacgate:h1"),
        ["h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA="]
    );
    assert_eq!(property(aws, "iacgate:constraint"), [">= 5.20", "~> 5.0"]);
    assert_eq!(property(aws, "iacgate:kind"), ["provider"]);

    // Another directory locks another version: another component.
    let legacy = find(&bom, "registry.terraform.io/hashicorp/aws", Some("4.67.0"));
    assert_eq!(
        locations(legacy),
        ["stacks/legacy/.terraform.lock.hcl", "stacks/legacy/main.tf"]
    );
    // Declared but locked nowhere: no version, merged across directories.
    let random = find(&bom, "registry.terraform.io/hashicorp/random", None);
    assert!(random.get("version").is_none());
    assert_eq!(random["purl"], "pkg:terraform/hashicorp/random");
    assert_eq!(locations(random), ["stacks/network/versions.tf"]);
    let cloudflare = find(&bom, "registry.terraform.io/cloudflare/cloudflare", None);
    assert_eq!(cloudflare["purl"], "pkg:terraform/cloudflare/cloudflare");
}

#[test]
fn spdx_packages_carry_checksums_evidence_and_purls() {
    let doc = spdx_json(&tree());
    let packages = doc["packages"].as_array().unwrap();
    let aws = packages
        .iter()
        .find(|p| {
            p["name"] == "registry.terraform.io/hashicorp/aws" && p["versionInfo"] == "5.31.0"
        })
        .unwrap();
    let checksums: Vec<&str> = aws["checksums"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|c| assert_eq!(c["algorithm"], "SHA256"))
        .map(|c| c["checksumValue"].as_str().unwrap())
        .collect();
    assert_eq!(checksums.len(), 3);
    assert!(aws["comment"]
        .as_str()
        .unwrap()
        .contains("iacgate:h1: h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA="));
    assert_eq!(
        aws["sourceInfo"],
        "declared in stacks/dns/.terraform.lock.hcl, stacks/dns/main.tf, \
         stacks/network/.terraform.lock.hcl, stacks/network/versions.tf"
    );
    assert_eq!(
        aws["externalRefs"][0],
        serde_json::json!({
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": "pkg:terraform/hashicorp/aws@5.31.0",
        })
    );
    let eks = packages
        .iter()
        .find(|p| p["name"] == "github.com/Acme/terraform-aws-eks//modules/cluster")
        .unwrap();
    assert_eq!(
        eks["downloadLocation"],
        format!("git+https://github.com/Acme/terraform-aws-eks.git@{SHA}#modules/cluster")
    );
}

#[test]
fn purls_of_every_kind() {
    let bom = cdx(&tree());
    let purl = |name: &str, version: Option<&str>| {
        find(&bom, name, version)["purl"]
            .as_str()
            .map(str::to_owned)
    };
    let cases: &[(&str, Option<&str>, Option<String>)] = &[
        (
            "github.com/Acme/terraform-aws-eks//modules/cluster",
            None,
            Some(format!("pkg:github/acme/terraform-aws-eks@{SHA}#modules/cluster")),
        ),
        (
            "github.com/acme/terraform-dns",
            None,
            Some("pkg:github/acme/terraform-dns@v1.4.0".into()),
        ),
        ("@pulumi/aws", None, Some("pkg:npm/%40pulumi/aws@6.54.2".into())),
        // A range names no one version.
        ("@pulumi/random", None, Some("pkg:npm/%40pulumi/random".into())),
        ("pulumi-aws", None, Some("pkg:pypi/pulumi-aws@6.54.2".into())),
        ("actions/checkout", None, Some(format!("pkg:github/actions/checkout@{SHA}"))),
        (
            "acme/workflows/.github/workflows/tf+plan.yml",
            None,
            Some("pkg:github/acme/workflows@v2#.github/workflows/tf%2Bplan.yml".into()),
        ),
        ("docker.io/library/nginx", None, Some("pkg:docker/nginx@1.27".into())),
        (
            "docker.io/bitnami/redis",
            None,
            Some(format!("pkg:docker/bitnami/redis@{DIGEST}")),
        ),
        (
            "ghcr.io/acme/app",
            None,
            Some("pkg:docker/acme/app@1.2?repository_url=ghcr.io".into()),
        ),
        (
            "ghcr.io/acme/terraform",
            None,
            Some(format!("pkg:oci/terraform@{DIGEST}?repository_url=ghcr.io%2Facme%2Fterraform")),
        ),
        (
            "redis",
            None,
            Some("pkg:generic/redis@18.1.5?repository_url=https:%2F%2Fcharts.bitnami.com%2Fbitnami".into()),
        ),
        (
            "postgresql",
            None,
            Some("pkg:generic/postgresql?repository_url=https:%2F%2Fcharts.bitnami.com%2Fbitnami".into()),
        ),
        ("community.general", None, Some("pkg:generic/community.general@9.0.0".into())),
        (
            "docker",
            None,
            Some("pkg:github/geerlingguy/ansible-role-docker@7.1.0".into()),
        ),
        // A `replace` by a directory is the directory, in no registry.
        (
            "../forks/pulumi-aws/sdk",
            None,
            Some("pkg:generic/../forks/pulumi-aws/sdk@v6.54.2".into()),
        ),
        // A `replace` by a fork is the fork.
        (
            "github.com/acme/pulumi-random/sdk/v4",
            None,
            Some("pkg:golang/github.com/acme/pulumi-random/sdk/v4@v4.16.8-acme.1".into()),
        ),
        (
            "github.com/acme/components/network",
            None,
            Some("pkg:github/acme/components@9f86d081884c7d659a2feaa0c55ad015a3bf4f1b#network".into()),
        ),
        (
            "https://github.com/pulumiverse/pulumi-grafana/releases/download/v0.4.2/",
            None,
            Some("pkg:generic/grafana?download_url=https:%2F%2Fgithub.com%2Fpulumiverse%2Fpulumi-grafana%2Freleases%2Fdownload%2Fv0.4.2%2F".into()),
        ),
        (
            "https://acme-cfn-templates.s3.eu-west-1.amazonaws.com/network/v3/network.yaml",
            None,
            Some("pkg:generic/network.yaml@3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY?download_url=https:%2F%2Facme-cfn-templates.s3.eu-west-1.amazonaws.com%2Fnetwork%2Fv3%2Fnetwork.yaml".into()),
        ),
        ("!Ref DataTemplateUrl", None, None),
        ("github.com/acme/tags", None, Some("pkg:github/acme/tags@main".into())),
        (
            "github/codeql-action/analyze",
            None,
            Some("pkg:github/github/codeql-action@v3#analyze".into()),
        ),
    ];
    for (name, version, expected) in cases {
        assert_eq!(&purl(name, *version), expected, "{name}");
    }
    let image = find(&bom, "ghcr.io/acme/terraform", None);
    assert_eq!(image["type"], "container");
    assert_eq!(property(image, "iacgate:version-comment"), ["1.7"]);
    let redis = find(&bom, "redis", None);
    assert_eq!(
        property(redis, "iacgate:source"),
        ["https://charts.bitnami.com/bitnami"]
    );
}

#[test]
fn purl_encoding_and_source_forms() {
    use super::purl;
    assert_eq!(
        purl::encode("a b/c@d?e#f%g:h~i"),
        "a%20b%2Fc%40d%3Fe%23f%25g:h~i"
    );
    assert_eq!(purl::encode("é"), "%C3%A9");
    let module = |source: &str, version: Option<&str>| {
        purl::module(&ModuleSource::parse(source).unwrap(), version)
    };
    assert_eq!(
        module(
            "app.terraform.io/acme/vpc/aws//modules/private",
            Some("= 1.2.0")
        ),
        Some(
            "pkg:terraform/acme/vpc/aws@1.2.0?repository_url=app.terraform.io#modules/private"
                .into()
        )
    );
    assert_eq!(
        module("terraform-aws-modules/vpc/aws", Some("~> 5.0")),
        Some("pkg:terraform/terraform-aws-modules/vpc/aws".into())
    );
    assert_eq!(
        module("git::https://gitlab.com/acme/modules.git//net?ref=v1.2.0", Some("v1.2.0")),
        Some("pkg:generic/modules@v1.2.0?vcs_url=git%2Bhttps:%2F%2Fgitlab.com%2Facme%2Fmodules.git%40v1.2.0#net".into())
    );
    assert_eq!(
        module("git@github.com:Acme/Labels.git?ref=main", Some("main")),
        Some("pkg:github/acme/labels@main".into())
    );
    // What is fetched, not what is written.
    assert_eq!(
        module(
            &format!("git::https://github.com/acme/../evil/net.git?ref={SHA}"),
            None
        ),
        Some(format!("pkg:github/evil/net@{SHA}"))
    );
    assert_eq!(
        module(
            "git::ssh://git@gitlab.com:22/acme/x/../modules.git?ref=v1",
            None
        ),
        Some(
            "pkg:generic/modules@v1?vcs_url=git%2Bssh:%2F%2Fgitlab.com%2Facme%2Fmodules.git%40v1"
                .into()
        )
    );
    assert_eq!(
        module(
            "https://example.com/vpc.zip?checksum=SHA256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
            None
        ),
        Some("pkg:generic/vpc.zip?checksum=sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789&download_url=https:%2F%2Fexample.com%2Fvpc.zip".into())
    );
    assert_eq!(module("./local", None), None);
    assert_eq!(
        purl::terraform_provider("registry.opentofu.org/integrations/github", Some("6.2.1")),
        Some("pkg:terraform/integrations/github@6.2.1?repository_url=registry.opentofu.org".into())
    );
    assert_eq!(
        purl::terraform_provider("hashicorp/aws", Some("5.0.0")),
        None
    );
    assert_eq!(purl::image("${REGISTRY}/app:1.2", None), None);
    assert_eq!(
        purl::image("localhost:5000/team/app", Some(DIGEST)),
        Some(format!(
            "pkg:oci/app@{DIGEST}?repository_url=localhost:5000%2Fteam%2Fapp"
        ))
    );
    assert_eq!(
        purl::image("docker.io/library/nginx", None),
        Some("pkg:docker/nginx".into())
    );
    assert_eq!(purl::github_action("${{ matrix.action }}", None), None);
    assert_eq!(
        purl::golang("github.com/pulumi/pulumi-aws/sdk/v6", Some("v6.54.2")),
        Some("pkg:golang/github.com/pulumi/pulumi-aws/sdk/v6@v6.54.2".into())
    );
    assert_eq!(
        purl::generic(
            "https://acme-cfn.s3.eu-west-1.amazonaws.com/network.yaml",
            None,
            Some("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
        ),
        Some("pkg:generic/network.yaml@3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY?download_url=https:%2F%2Facme-cfn.s3.eu-west-1.amazonaws.com%2Fnetwork.yaml".into())
    );
    assert_eq!(
        purl::generic("!Sub https://${Bucket}.s3.amazonaws.com/x.yaml", None, None),
        None
    );
}

#[test]
fn unresolved_sources_are_components_without_purl() {
    let mut dep = declared(
        Ecosystem::Terragrunt,
        Kind::Module,
        "terraform.source",
        "${get_env(\"MODULES\")}//vpc?ref=v1",
        None,
    );
    dep.pin = PinState::Unpinned("cannot be resolved statically".into());
    let tree = vec![("live/terragrunt.hcl".to_owned(), vec![dep])];
    let bom = cdx(&tree);
    let unit = find(&bom, "${get_env(\"MODULES\")}//vpc?ref=v1", None);
    assert!(unit.get("purl").is_none());
}

#[test]
fn the_root_depends_on_every_component() {
    let bom = cdx(&tree());
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["version"], 1);
    assert!(bom.get("serialNumber").is_none());
    let root = &bom["metadata"]["component"];
    assert_eq!(root["type"], "application");
    assert_eq!(root["name"], "infra");
    assert_eq!(root["version"], SUBJECT.commit.unwrap());
    assert_eq!(
        bom["metadata"]["tools"]["components"][0],
        serde_json::json!({"type": "application", "name": "iacgate", "version": "0.1.0"})
    );
    let refs: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let mut unique = refs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), refs.len(), "bom-refs are unique");
    let graph = bom["dependencies"].as_array().unwrap();
    assert_eq!(graph.len(), 1);
    assert_eq!(graph[0]["ref"], root["bom-ref"]);
    let depends_on: Vec<&str> = graph[0]["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(depends_on, refs);
}

#[test]
fn spdx_has_the_required_fields_and_relationships() {
    let doc = spdx_json(&tree());
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["dataLicense"], "CC0-1.0");
    assert_eq!(doc["SPDXID"], "SPDXRef-DOCUMENT");
    assert_eq!(doc["name"], "infra");
    assert_eq!(
        doc["documentNamespace"],
        "https://spdx.org/spdxdocs/iacgate/infra-0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(doc["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    assert_eq!(doc["creationInfo"]["creators"][0], "Tool: iacgate-0.1.0");
    let packages = doc["packages"].as_array().unwrap();
    let ids: Vec<&str> = packages
        .iter()
        .map(|p| p["SPDXID"].as_str().unwrap())
        .collect();
    for p in packages {
        let id = p["SPDXID"].as_str().unwrap();
        let tail = id.strip_prefix("SPDXRef-").unwrap();
        assert!(
            tail.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
            "{id}"
        );
        for field in [
            "name",
            "downloadLocation",
            "licenseConcluded",
            "licenseDeclared",
            "copyrightText",
        ] {
            assert!(p[field].is_string(), "{id}: {field}");
        }
        assert_eq!(p["filesAnalyzed"], false);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    let relationships = doc["relationships"].as_array().unwrap();
    assert_eq!(
        relationships[0],
        serde_json::json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-Repository",
        })
    );
    assert_eq!(relationships.len(), packages.len());
    assert!(relationships[1..].iter().all(
        |r| r["spdxElementId"] == "SPDXRef-Repository" && r["relationshipType"] == "DEPENDS_ON"
    ));
}

#[test]
fn spdx_created_and_namespace_without_a_commit() {
    let tree = tree();
    let subject = Subject {
        commit: None,
        created: Some("2024-05-01T12:00:00Z"),
        ..SUBJECT
    };
    let doc: Value = serde_json::from_str(&spdx(&subject, &files(&tree))).unwrap();
    assert_eq!(doc["creationInfo"]["created"], "2024-05-01T12:00:00Z");
    let namespace = doc["documentNamespace"].as_str().unwrap();
    assert!(
        namespace.starts_with("https://spdx.org/spdxdocs/iacgate/infra-content-"),
        "{namespace}"
    );
    // Another tree, another namespace.
    let smaller = &tree[..3];
    let other: Value = serde_json::from_str(&spdx(&subject, &files(smaller))).unwrap();
    assert_ne!(other["documentNamespace"], namespace);
    assert!(doc["packages"][0].get("versionInfo").is_none());
}

#[test]
fn output_is_deterministic_whatever_the_input_order() {
    let tree = tree();
    let mut reversed: Vec<(String, Vec<Dependency>)> = tree
        .iter()
        .rev()
        .map(|(path, deps)| (path.clone(), deps.iter().rev().cloned().collect()))
        .collect();
    // A file listed twice changes nothing either.
    reversed.push(tree[0].clone());
    for render in [cyclonedx, spdx] {
        let once = render(&SUBJECT, &files(&tree));
        assert_eq!(once, render(&SUBJECT, &files(&tree)));
        assert_eq!(once, render(&SUBJECT, &files(&reversed)));
        assert!(once.ends_with("}\n"));
    }
}

#[test]
fn two_lock_entries_for_one_provider_in_one_directory_do_not_depend_on_order() {
    let lock = |version: &str| {
        let mut dep = declared(
            Ecosystem::Terraform,
            Kind::Lock,
            "hashicorp/aws",
            "registry.terraform.io/hashicorp/aws",
            Some(version),
        );
        dep.pin = PinState::Derived;
        dep
    };
    let requirement = extracted("a/versions.tf", LEGACY_MAIN);
    let forward = vec![
        (
            "a/.terraform.lock.hcl".to_owned(),
            vec![lock("4.67.0"), lock("4.60.0")],
        ),
        ("a/versions.tf".to_owned(), requirement.clone()),
    ];
    let backward = vec![
        ("a/versions.tf".to_owned(), requirement),
        (
            "a/.terraform.lock.hcl".to_owned(),
            vec![lock("4.60.0"), lock("4.67.0")],
        ),
    ];
    assert_eq!(cdx(&forward), cdx(&backward));
    let bom = cdx(&forward);
    let aws = find(&bom, "registry.terraform.io/hashicorp/aws", Some("4.60.0"));
    assert_eq!(locations(aws), ["a/.terraform.lock.hcl", "a/versions.tf"]);
}

#[test]
fn an_empty_tree_is_a_valid_empty_document() {
    let bom: Value = serde_json::from_str(&cyclonedx(&SUBJECT, &[])).unwrap();
    assert_eq!(bom["components"], serde_json::json!([]));
    assert_eq!(bom["dependencies"][0]["dependsOn"], serde_json::json!([]));
    let doc: Value = serde_json::from_str(&spdx(&SUBJECT, &[])).unwrap();
    assert_eq!(doc["packages"].as_array().unwrap().len(), 1);
}

/// Writes the sample tree's documents for the official validators:
/// `IACGATE_SBOM_SAMPLES=/tmp/sbom cargo test -p iacgate-core sbom -- --ignored`.
#[test]
#[ignore]
fn write_samples() {
    let Ok(dir) = std::env::var("IACGATE_SBOM_SAMPLES") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let tree = tree();
    std::fs::write(
        dir.join("sample.cdx.json"),
        cyclonedx(&SUBJECT, &files(&tree)),
    )
    .unwrap();
    std::fs::write(dir.join("sample.spdx.json"), spdx(&SUBJECT, &files(&tree))).unwrap();
    let no_commit = Subject {
        commit: None,
        ..SUBJECT
    };
    std::fs::write(dir.join("empty.cdx.json"), cyclonedx(&no_commit, &[])).unwrap();
    std::fs::write(dir.join("empty.spdx.json"), spdx(&no_commit, &[])).unwrap();
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    const ECOSYSTEMS: [Ecosystem; 10] = [
        Ecosystem::Terraform,
        Ecosystem::Terragrunt,
        Ecosystem::CloudFormation,
        Ecosystem::Pulumi,
        Ecosystem::GitHubActions,
        Ecosystem::GitLabCi,
        Ecosystem::Helm,
        Ecosystem::Kustomize,
        Ecosystem::Container,
        Ecosystem::Ansible,
    ];
    const KINDS: [Kind; 13] = [
        Kind::Module,
        Kind::Provider,
        Kind::Lock,
        Kind::Stack,
        Kind::Plugin,
        Kind::Action,
        Kind::Image,
        Kind::Chart,
        Kind::Role,
        Kind::Collection,
        Kind::Include,
        Kind::Policy,
        Kind::File,
    ];
    const PATHS: [&str; 6] = [
        "main.tf",
        "a/.terraform.lock.hcl",
        "a/versions.tf",
        "package.json",
        "x/requirements.txt",
        "go.mod",
    ];

    fn dependency() -> impl Strategy<Value = (usize, Dependency)> {
        let value = "[a-zA-Z0-9@:/.?=&#%~^<>, _${}!|+-]{0,40}|\\PC{0,12}";
        (
            0..PATHS.len(),
            0..ECOSYSTEMS.len(),
            0..KINDS.len(),
            value,
            proptest::option::of(value),
            proptest::option::of(value),
            proptest::collection::vec(value, 0..3),
        )
            .prop_map(|(path, ecosystem, kind, name, source, version, hashes)| {
                let mut dep = Dependency::new(
                    ECOSYSTEMS[ecosystem],
                    KINDS[kind],
                    name.clone(),
                    name,
                    Span::default(),
                );
                dep.source = source.and_then(|s| spanned(&s));
                dep.version = version.and_then(|v| spanned(&v));
                dep.hashes = hashes;
                (path, dep)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any dependencies give JSON documents, the same for any order.
        #[test]
        fn never_panics(deps in proptest::collection::vec(dependency(), 0..12)) {
            let mut by_path: Vec<(String, Vec<Dependency>)> =
                PATHS.iter().map(|p| ((*p).to_owned(), Vec::new())).collect();
            for (path, dep) in deps {
                by_path[path].1.push(dep);
            }
            let reversed: Vec<(String, Vec<Dependency>)> = by_path
                .iter()
                .rev()
                .map(|(p, d)| (p.clone(), d.iter().rev().cloned().collect()))
                .collect();
            for render in [cyclonedx, spdx] {
                let text = render(&SUBJECT, &files(&by_path));
                prop_assert!(serde_json::from_str::<Value>(&text).is_ok());
                prop_assert_eq!(&text, &render(&SUBJECT, &files(&reversed)));
            }
        }
    }
}
