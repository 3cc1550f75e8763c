//! The third adversarial review, images and extensions that were never
//! read: Tekton and Argo Workflows images (and pod image volumes),
//! Kustomize inline patches, Dockerfile `ADD` of a URL, CloudFormation
//! extension registration.

use crate::util::{check_staged, TestRepo};

const D: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// Commit `base`, write `change`, and check that it is blocked as
/// `unpinned` both staged and as a committed range. Returns the messages.
fn blocked(base: &[(&str, &str)], change: &[(&str, &str)]) -> Vec<String> {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    for (path, text) in base {
        repo.write(path, text);
    }
    repo.commit_all("base");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    for (path, text) in change {
        repo.write(path, text);
    }
    repo.git(&["add", "-A"]);
    let staged = check_staged(&repo);
    assert_eq!(staged.code, 1, "{}\n{}", staged.stdout, staged.stderr);
    assert!(
        staged.rule_names().contains(&"unpinned".to_owned()),
        "{}",
        staged.stdout
    );
    repo.git(&["commit", "-q", "--no-verify", "-m", "change"]);
    let range = repo.iacgate(&[
        "check",
        "--range",
        &format!("{head}..HEAD"),
        "--format",
        "json",
    ]);
    assert_eq!(range.code, 1, "{}\n{}", range.stdout, range.stderr);
    assert!(
        range.rule_names().contains(&"unpinned".to_owned()),
        "{}",
        range.stdout
    );
    staged.messages()
}

/// The same, for a change that must pass with no blocking finding.
fn silent(base: &[(&str, &str)], change: &[(&str, &str)]) {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    for (path, text) in base {
        repo.write(path, text);
    }
    repo.commit_all("base");
    for (path, text) in change {
        repo.write(path, text);
    }
    repo.git(&["add", "-A"]);
    let staged = check_staged(&repo);
    assert_eq!(staged.code, 0, "{}\n{}", staged.stdout, staged.stderr);
    let rules = staged.rule_names();
    assert!(
        rules.iter().all(|r| r == "new-dependency"),
        "{}",
        staged.stdout
    );
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}\n";

fn tekton_task(image: &str) -> String {
    format!("apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n    - name: s\n      image: {image}\n  sidecars:\n    - name: d\n      image: docker@{D}\n")
}

fn argo_workflow(image: &str) -> String {
    format!("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: x-\nspec:\n  entrypoint: main\n  templates:\n    - name: main\n      container:\n        image: {image}\n    - name: s\n      script:\n        image: python@{D}\n        source: print(1)\n")
}

#[test]
fn f13_tekton_and_argo_images_are_judged() {
    let messages = blocked(
        &[("k8s/cm.yaml", CM)],
        &[
            ("k8s/task.yaml", &tekton_task("evil/x:latest")),
            ("k8s/wf.yaml", &argo_workflow("evil/y:latest")),
        ],
    );
    assert!(
        messages.iter().any(|m| m.contains("evil/x")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("evil/y")),
        "{messages:?}"
    );
}

#[test]
fn f13_a_pod_image_volume_is_judged() {
    let pod = format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: nginx@{D}\n  volumes:\n    - name: tools\n      image:\n        reference: evil/tools:latest\n");
    let messages = blocked(&[("k/cm.yaml", CM)], &[("k/pod.yaml", &pod)]);
    assert!(
        messages.iter().any(|m| m.contains("evil/tools")),
        "{messages:?}"
    );
}

#[test]
fn f13_pinned_tekton_and_argo_images_stay_silent() {
    silent(
        &[("k8s/cm.yaml", CM)],
        &[
            ("k8s/task.yaml", &tekton_task(&format!("alpine@{D}"))),
            ("k8s/wf.yaml", &argo_workflow(&format!("alpine@{D}"))),
        ],
    );
    // Restating a task unchanged but reordered introduces nothing.
    let task = tekton_task("alpine:3.20");
    let moved = task.replace(
        "kind: Task\nmetadata:\n  name: t\n",
        "metadata:\n  name: t\nkind: Task\n",
    );
    let repo = TestRepo::new();
    repo.write("k8s/task.yaml", &task).commit_all("base");
    repo.write("k8s/task.yaml", &moved)
        .stage(&["k8s/task.yaml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

fn pod() -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: nginx@{D}\n")
}

const KUSTOMIZATION: &str = "resources:\n  - pod.yaml\n";

fn json_patch(image: &str) -> String {
    format!("resources:\n  - pod.yaml\npatches:\n  - patch: |-\n      - op: replace\n        path: /spec/containers/0/image\n        value: {image}\n    target:\n      kind: Pod\n")
}

fn merge_patch(image: &str) -> String {
    format!("resources:\n  - pod.yaml\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: Pod\n      metadata:\n        name: x\n      spec:\n        containers:\n          - name: a\n            image: {image}\n")
}

#[test]
fn f15_kustomize_inline_json6902_patch_image_is_judged() {
    let pod = pod();
    let messages = blocked(
        &[
            ("k/pod.yaml", &pod),
            ("k/kustomization.yaml", KUSTOMIZATION),
        ],
        &[("k/kustomization.yaml", &json_patch("evil/miner:latest"))],
    );
    assert!(
        messages.iter().any(|m| m.contains("evil/miner")),
        "{messages:?}"
    );
}

#[test]
fn f15_kustomize_inline_strategic_merge_patch_image_is_judged() {
    let pod = pod();
    let messages = blocked(
        &[
            ("k/pod.yaml", &pod),
            ("k/kustomization.yaml", KUSTOMIZATION),
        ],
        &[("k/kustomization.yaml", &merge_patch("evil/x:latest"))],
    );
    assert!(
        messages.iter().any(|m| m.contains("evil/x")),
        "{messages:?}"
    );
    let inline = "resources:\n  - pod.yaml\npatchesStrategicMerge:\n  - |-\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: x\n    spec:\n      containers:\n        - name: a\n          image: evil/y:latest\n";
    let messages = blocked(
        &[
            ("k/pod.yaml", &pod),
            ("k/kustomization.yaml", KUSTOMIZATION),
        ],
        &[("k/kustomization.yaml", inline)],
    );
    assert!(
        messages.iter().any(|m| m.contains("evil/y")),
        "{messages:?}"
    );
}

#[test]
fn f15_pinned_or_imageless_inline_patches_stay_silent() {
    let pod = pod();
    let base = [
        ("k/pod.yaml", pod.as_str()),
        ("k/kustomization.yaml", KUSTOMIZATION),
    ];
    silent(
        &base,
        &[(
            "k/kustomization.yaml",
            &json_patch(&format!("ghcr.io/acme/app@{D}")),
        )],
    );
    silent(
        &base,
        &[("k/kustomization.yaml", &merge_patch(&format!("nginx@{D}")))],
    );
    let labels = "resources:\n  - pod.yaml\npatches:\n  - patch: |-\n      - op: add\n        path: /metadata/labels/team\n        value: web\n    target:\n      kind: Pod\n";
    let repo = TestRepo::new();
    repo.write("k/pod.yaml", &pod)
        .write("k/kustomization.yaml", KUSTOMIZATION)
        .commit_all("base");
    repo.write("k/kustomization.yaml", labels)
        .stage(&["k/kustomization.yaml"]);
    let run = check_staged(&repo);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.rule_names().is_empty(), "{}", run.stdout);
}

fn dockerfile(adds: &str) -> String {
    format!("FROM alpine@{D}\n{adds}RUN echo hi\n")
}

#[test]
fn f16_dockerfile_add_of_a_branch_or_an_unchecked_url_is_judged() {
    let base = dockerfile("");
    let messages = blocked(
        &[("app/Dockerfile", &base)],
        &[(
            "app/Dockerfile",
            &dockerfile(
                "ADD https://github.com/evil/tools.git#main /opt/tools\nADD https://evil.example.com/agent.tar.gz /opt/\n",
            ),
        )],
    );
    assert!(
        messages.iter().any(|m| m.contains("evil/tools.git")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("agent.tar.gz")),
        "{messages:?}"
    );
}

#[test]
fn f16_dockerfile_add_pinned_by_commit_or_checksum_stays_silent() {
    let base = dockerfile("");
    let hex = &D[7..];
    silent(
        &[("app/Dockerfile", &base)],
        &[(
            "app/Dockerfile",
            &dockerfile(&format!(
                "ADD https://github.com/acme/tools.git#{} /opt/tools\nADD --checksum=sha256:{hex} https://example.com/agent.tar.gz /opt/\nADD local.tgz /opt/\n",
                crate::util::SHA
            )),
        )],
    );
}

const CFN_BASE: &str =
    "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n";

#[test]
fn f19_cloudformation_extension_packages_and_auto_updating_types_are_judged() {
    let template = format!(
        "{CFN_BASE}  Handler:\n    Type: AWS::CloudFormation::ResourceVersion\n    Properties:\n      \
         TypeName: Acme::Tools::Thing\n      SchemaHandlerPackage: s3://vendor-bucket/acme-tools-thing.zip\n  \
         Mod:\n    Type: AWS::CloudFormation::ModuleVersion\n    Properties:\n      ModuleName: Acme::Net::Vpc::MODULE\n      \
         ModulePackage: s3://vendor-bucket/vpc-module.zip\n  Ext:\n    Type: AWS::CloudFormation::TypeActivation\n    \
         Properties:\n      PublicTypeArn: arn:aws:cloudformation:us-east-1::type/resource/0123456789abcdef/Vendor-Tools-Thing\n      \
         AutoUpdate: true\n"
    );
    let messages = blocked(
        &[("cf/template.yaml", CFN_BASE)],
        &[("cf/template.yaml", &template)],
    );
    for what in ["plugin \"Handler\"", "module \"Mod\"", "AutoUpdate"] {
        assert!(
            messages.iter().any(|m| m.contains(what)),
            "{what}: {messages:?}"
        );
    }
}

#[test]
fn f19_versioned_packages_and_a_fixed_activation_stay_silent() {
    let template = format!(
        "{CFN_BASE}  Handler:\n    Type: AWS::CloudFormation::ResourceVersion\n    Properties:\n      \
         TypeName: Acme::Tools::Thing\n      SchemaHandlerPackage: s3://vendor-bucket/thing.zip?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY\n  \
         Ext:\n    Type: AWS::CloudFormation::TypeActivation\n    Properties:\n      \
         PublicTypeArn: arn:aws:cloudformation:us-east-1::type/resource/0123456789abcdef/Vendor-Tools-Thing\n      \
         AutoUpdate: false\n      MajorVersion: 2\n"
    );
    silent(
        &[("cf/template.yaml", CFN_BASE)],
        &[("cf/template.yaml", &template)],
    );
}
