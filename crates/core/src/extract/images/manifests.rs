//! Kubernetes manifests: the images of the containers of every pod spec.

use super::{image, workflows};
use crate::extract::yaml::{self, Node};
use crate::extract::Deps;
use crate::model::{Dependency, ExtractError};

/// The container lists of a pod spec.
const SECTIONS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Where custom resources keep a pod spec, when they have one.
const POD_SPEC_PATHS: [&[&str]; 4] = [
    &["spec"],
    &["template", "spec"],
    &["spec", "template", "spec"],
    &["spec", "jobTemplate", "spec", "template", "spec"],
];

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    if !(text.contains("apiVersion") && text.contains("kind")) {
        return Ok(Vec::new());
    }
    let docs = match yaml::load_all(text) {
        Ok(docs) => docs,
        Err(err) if clearly_a_manifest(text) && !fails_at_a_template(text, &err) => {
            return Err(err)
        }
        Err(_) => return Ok(Vec::new()),
    };
    let mut deps = Deps::default();
    for doc in &docs {
        match resource(doc, &mut deps) {
            Ok(()) => {}
            // A template that happens to parse (`image: {{ .Values.x }}` is
            // a flow mapping) is not a manifest with a wrong shape.
            Err(_) if text.contains("{{") => return Ok(Vec::new()),
            Err(err) => return Err(err),
        }
    }
    let mut list = deps.finish();
    list.sort_by_key(|dep| dep.span.start);
    Ok(list)
}

/// A file that can only be a manifest, so one that does not parse is a
/// broken one: top-level `apiVersion:` and `kind:` lines, and no template
/// markers (a Helm template is not YAML until rendered).
fn clearly_a_manifest(text: &str) -> bool {
    let has_line = |prefix: &str| text.lines().any(|line| line.starts_with(prefix));
    !text.contains("{{") && has_line("apiVersion:") && has_line("kind:")
}

/// A Terraform template (`templatefile`, `${...}` and `%{...}`) of a
/// manifest is not YAML until Terraform renders it, and no tool applies it
/// as it is: the module that renders it is what is judged. A file that
/// fails to parse on a line that holds such a marker, or the line before,
/// is taken for one.
fn fails_at_a_template(text: &str, err: &ExtractError) -> bool {
    let mut at = err.offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let from = text[..line_start.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let to = text[at..].find('\n').map_or(text.len(), |i| at + i);
    text.get(from..to)
        .is_some_and(|lines| lines.contains("${") || lines.contains("%{"))
}

/// A resource's `apiVersion` and `kind`, when `doc` is one.
fn api_and_kind(doc: &Node) -> Option<(&str, &str)> {
    let text = |key: &str| -> Option<&str> {
        let (_, value) = doc.get(key, "the manifest").ok()??;
        value.tag.is_none().then(|| value.key_text()).flatten()
    };
    if !doc.is_map() {
        return None;
    }
    Some((text("apiVersion")?, text("kind")?))
}

/// The Kubernetes API groups whose workloads we know the shape of; their
/// resources fail closed, custom resources are read when they fit.
fn is_builtin(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    matches!(group, "" | "apps" | "batch" | "extensions")
        && matches!(
            kind,
            "List"
                | "Pod"
                | "PodTemplate"
                | "ReplicationController"
                | "ReplicaSet"
                | "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "Job"
                | "CronJob"
        )
}

fn resource(doc: &Node, deps: &mut Deps) -> Result<(), ExtractError> {
    let Some((api_version, kind)) = api_and_kind(doc) else {
        return Ok(());
    };
    if is_builtin(api_version, kind) {
        return read(doc, kind, true, deps);
    }
    if let Some(engine) = workflows::engine(api_version, kind) {
        let id = identity(doc, kind)?;
        return workflows::read(engine, doc, kind, &id, deps, resource);
    }
    // A custom resource: what fits a pod spec is read, the rest ignored.
    let mut found = Deps::default();
    if read(doc, kind, false, &mut found).is_err() {
        return Ok(());
    }
    for dep in found.finish() {
        deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
    }
    Ok(())
}

fn read(doc: &Node, kind: &str, strict: bool, deps: &mut Deps) -> Result<(), ExtractError> {
    if kind.ends_with("List") {
        if let Some((_, items)) = doc.get("items", kind)? {
            for item in items.items(&format!("{kind} items"))? {
                resource(item, deps)?;
            }
        }
        return Ok(());
    }
    let id = identity(doc, kind)?;
    let paths: &[&[&str]] = match (strict, kind) {
        (false, _) => &POD_SPEC_PATHS,
        (true, "Pod") => &POD_SPEC_PATHS[..1],
        (true, "PodTemplate") => &POD_SPEC_PATHS[1..2],
        (true, "CronJob") => &POD_SPEC_PATHS[3..],
        (true, _) => &POD_SPEC_PATHS[2..3],
    };
    for path in paths {
        if let Some(spec) = at_path(doc, path, &id)? {
            pod_spec(spec, &id, strict, deps)?;
        }
    }
    Ok(())
}

/// `<kind>/<namespace>/<name>` (`generateName` when there is no name).
fn identity(doc: &Node, kind: &str) -> Result<String, ExtractError> {
    let subject = format!("{kind} metadata");
    let Some((_, metadata)) = doc.get("metadata", kind)? else {
        return Ok(format!("{kind}//"));
    };
    let field = |key: &str| -> Result<String, ExtractError> {
        Ok(match metadata.get(key, &subject)? {
            Some((_, node)) => node
                .string(&format!("{subject}.{key}"))?
                .map(|s| s.value)
                .unwrap_or_default(),
            None => String::new(),
        })
    };
    let mut name = field("name")?;
    if name.is_empty() {
        name = field("generateName")?;
    }
    Ok(format!("{kind}/{}/{name}", field("namespace")?))
}

fn at_path<'n>(doc: &'n Node, path: &[&str], id: &str) -> Result<Option<&'n Node>, ExtractError> {
    let mut node = doc;
    for (depth, key) in path.iter().enumerate() {
        let subject = match depth {
            0 => id.to_owned(),
            _ => format!("{id} {}", path[..depth].join(".")),
        };
        match node.get(key, &subject)? {
            Some((_, value)) => node = value,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

fn pod_spec(spec: &Node, id: &str, strict: bool, deps: &mut Deps) -> Result<(), ExtractError> {
    for section in SECTIONS {
        let Some((_, list)) = spec.get(section, id)? else {
            continue;
        };
        let subject = format!("{id} {section}");
        for (index, item) in list.items(&subject)?.iter().enumerate() {
            if !item.is_map() {
                return Err(ExtractError::new(
                    format!("{subject}: each container must be a mapping (name, image, ...)"),
                    item.span.start,
                ));
            }
            let name = match item.get("name", &subject)? {
                Some((_, node)) => node.string(&format!("{subject} name"))?,
                None => None,
            };
            let name = match name {
                Some(name) => name.value,
                // Custom resources (Knative, ...) may leave names out.
                None if !strict => format!("#{index}"),
                None => {
                    return Err(ExtractError::new(
                        format!("{subject}: a container without a name"),
                        item.span.start,
                    ))
                }
            };
            let owner = format!("{id}:{section}.{name}");
            let Some((_, node)) = item.get("image", &owner)? else {
                continue;
            };
            let Some(value) = node.string(&format!("{owner} image"))? else {
                continue;
            };
            // Filled in by a template engine: the chart's values, not this file.
            if value.value.contains("{{") || value.value.contains("}}") {
                continue;
            }
            deps.push(image(owner, item.span, &value), |dep| {
                format!("{} is declared twice", dep.key)
            })?;
        }
    }
    image_volumes(spec, id, strict, deps)
}

/// `volumes[].image.reference`: an OCI image whose files the kubelet pulls
/// and mounts into the pod (the ImageVolume feature).
fn image_volumes(spec: &Node, id: &str, strict: bool, deps: &mut Deps) -> Result<(), ExtractError> {
    let Some((_, list)) = spec.get("volumes", id)? else {
        return Ok(());
    };
    let subject = format!("{id} volumes");
    for (index, item) in list.items(&subject)?.iter().enumerate() {
        if !item.is_map() {
            if strict {
                return Err(ExtractError::new(
                    format!("{subject}: each volume must be a mapping (name, ...)"),
                    item.span.start,
                ));
            }
            continue;
        }
        let Some((_, volume)) = item.get("image", &subject)? else {
            continue;
        };
        let name = match item.get("name", &subject)? {
            Some((_, node)) => node.string(&format!("{subject} name"))?.map(|s| s.value),
            None => None,
        }
        .unwrap_or_else(|| format!("#{index}"));
        let owner = format!("{id}:volumes.{name}");
        let Some((_, node)) = volume.get("reference", &owner)? else {
            continue;
        };
        let Some(value) = node.string(&format!("{owner} image reference"))? else {
            continue;
        };
        if value.value.contains("{{") || value.value.contains("}}") {
            continue;
        }
        deps.push(image(owner, item.span, &value), |dep| {
            format!("{} is declared twice", dep.key)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{line_col, Ecosystem, Kind, PinState, Span};

    const DEPLOYMENT: &str =
        include_str!("../../../../../tests/fixtures/images/k8s/deployment.yaml");
    const HELM_TEMPLATE: &str =
        include_str!("../../../../../tests/fixtures/images/k8s/helm-template.yaml");

    fn deps(text: &str) -> Vec<Dependency> {
        extract(text).unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
    }

    fn keys(text: &str) -> Vec<String> {
        deps(text).into_iter().map(|d| d.key).collect()
    }

    fn err(text: &str) -> (String, usize) {
        let e = extract(text).expect_err("should be rejected");
        (e.message, line_col(text, e.offset).0)
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn pod(containers: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{containers}"
        )
    }

    #[test]
    fn multi_document_fixture() {
        let deps = deps(DEPLOYMENT);
        let keys: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Deployment/shop/web:initContainers.migrate",
                "Deployment/shop/web:containers.web",
                "Deployment/shop/web:containers.sidecar",
                "CronJob/shop/nightly-report:containers.report",
            ]
        );
        assert!(deps
            .iter()
            .all(|d| d.ecosystem == Ecosystem::Container && d.kind == Kind::Image));
        let migrate = &deps[0];
        assert_eq!(migrate.source_str(), Some("ghcr.io/example/migrate"));
        assert_eq!(migrate.version_str(), Some("1.4.0"));
        assert!(matches!(migrate.pin, PinState::Tagged(_)));
        assert_eq!(line_col(DEPLOYMENT, migrate.span.start).0, 16);
        assert!(at(DEPLOYMENT, migrate.span).starts_with("name: migrate"));
        let source = migrate.source.as_ref().unwrap();
        assert_eq!(at(DEPLOYMENT, source.span), "ghcr.io/example/migrate:1.4.0");
        assert_eq!(line_col(DEPLOYMENT, source.span.start).0, 17);

        assert_eq!(deps[1].pin, PinState::Pinned);
        assert_eq!(deps[2].source_str(), Some("docker.io/envoyproxy/envoy"));
        let report = &deps[3];
        assert_eq!(report.source_str(), Some("docker.io/library/busybox"));
        assert!(matches!(report.pin, PinState::Unpinned(_)));
        assert_eq!(line_col(DEPLOYMENT, report.span.start).0, 39);
    }

    #[test]
    fn helm_templates_yield_nothing() {
        assert_eq!(deps(HELM_TEMPLATE), []);
        // One that happens to parse: templated images are the chart's,
        // literal ones are still read.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"{{ .Release.Name }}\"\n\
                    spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          \
                    image: \"{{ .Values.image }}\"\n        - name: shell\n          image: busybox:1.36\n";
        assert_eq!(
            keys(text),
            ["Deployment//{{ .Release.Name }}:containers.shell"]
        );
    }

    #[test]
    fn files_that_are_no_manifests_yield_nothing() {
        for text in [
            "",
            "{\"compilerOptions\": {\"strict\": true}}",
            "{\n  // a comment\n  \"compilerOptions\": {}\n}\n",
            "name: ci\non: [push]\n",
            "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
            "kind: Config\nitems: [\n",
            "  apiVersion: v1\n  kind: Pod\n  spec: [\n",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  alert: \"{{ $labels.instance }}\"\n",
            "- apiVersion: v1\n  kind: Pod\n",
            "apiVersion: [v1]\nkind: Pod\nspec:\n  containers:\n    - image: x\n",
        ] {
            assert_eq!(extract(text), Ok(vec![]), "{text:?}");
        }
    }

    #[test]
    fn terraform_templates_of_manifests_yield_nothing() {
        // aws-ia/terraform-aws-eks-blueprints: a Karpenter provisioner
        // rendered by templatefile().
        let text = "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nspec:\n  requirements:\n    - key: zone\n      operator: In\n      values: [${azs}]\n";
        assert_eq!(extract(text), Ok(vec![]));
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n%{ for c in cs ~}\n    - name: ${c}\n%{ endfor ~}\n  x: [\n";
        assert!(extract(text).is_ok());
        // A marker elsewhere does not excuse a broken line.
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  a: 1\n  containers: [\n";
        assert!(extract(text).is_err());
    }

    #[test]
    fn broken_manifests_fail_closed() {
        let (msg, line) = err("apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n");
        assert!(msg.starts_with("YAML syntax error"), "{msg}");
        assert!(line >= 4, "{line}");
        let (msg, line) = err(&pod("    - name: a\n      image:\n        repo: nginx\n"));
        assert!(msg.contains("image must be a string"), "{msg}");
        assert_eq!(line, 9);
        let (msg, line) = err(&pod("    - image: nginx:1.27\n"));
        assert!(msg.contains("without a name"), "{msg}");
        assert_eq!(line, 7);
        let (msg, line) = err(&pod("    - nginx:1.27\n"));
        assert!(msg.contains("must be a mapping"), "{msg}");
        assert_eq!(line, 7);
        let (msg, line) = err("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template: [a]\n");
        assert!(msg.contains("must be a mapping"), "{msg}");
        assert_eq!(line, 4);
        let (msg, line) = err(&pod(
            "    - name: a\n      image: nginx:1.27\n    - name: a\n      image: nginx:1.28\n",
        ));
        assert!(msg.contains("declared twice"), "{msg}");
        assert_eq!(line, 9);
    }

    #[test]
    fn pods_templates_and_lists() {
        let text =
            pod("    - name: app\n      image: nginx:1.27\n      ports: [{containerPort: 80}]\n")
                + "  ephemeralContainers:\n    - name: debug\n      image: busybox\n";
        assert_eq!(
            keys(&text),
            ["Pod//p:containers.app", "Pod//p:ephemeralContainers.debug"]
        );
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: PodTemplate\n    \
                    metadata: {name: t, namespace: ns}\n    template:\n      spec:\n        containers:\n          \
                    - {name: c, image: 'nginx:1.27'}\n  - apiVersion: batch/v1\n    kind: Job\n    \
                    metadata: {generateName: job-}\n    spec:\n      template:\n        spec:\n          \
                    containers: [{name: j, image: alpine}]\n  - {apiVersion: v1, kind: Service, metadata: {name: s}}\n";
        assert_eq!(
            keys(text),
            ["PodTemplate/ns/t:containers.c", "Job//job-:containers.j"]
        );
        // JSON manifests too.
        let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "nginx:1.27"}]}}"#;
        let deps = deps(text);
        assert_eq!(deps[0].key, "Pod//p:containers.a");
        assert_eq!(
            at(text, deps[0].source.as_ref().unwrap().span),
            "\"nginx:1.27\""
        );
    }

    #[test]
    fn custom_resources_are_read_when_they_fit() {
        let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  \
                       template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n";
        assert_eq!(keys(rollout), ["Rollout//r:containers.app"]);
        let knative =
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: k\nspec:\n  \
                       template:\n    spec:\n      containers:\n        - image: ghcr.io/a/b:1\n";
        assert_eq!(keys(knative), ["Service//k:containers.#0"]);
        // A shape we do not know: nothing, no error.
        let other = "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  \
                     containers:\n    size: 3\n";
        assert_eq!(keys(other), Vec::<String>::new());
    }

    #[test]
    fn tekton_steps_sidecars_and_inline_specs() {
        let task = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  params:\n    \
                    - name: IMG\n      default: alpine:3.20\n  stepTemplate:\n    image: busybox:1.36\n  steps:\n    \
                    - name: s\n      image: evil/x:latest\n    - image: $(params.IMG)\n    - name: u\n      \
                    image: $(params.OTHER)\n  sidecars:\n    - name: docker\n      image: docker:dind\n";
        let deps = self::deps(task);
        let found: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            found,
            [
                "Task//t:stepTemplate",
                "Task//t:steps.s",
                "Task//t:steps.#1",
                "Task//t:steps.u",
                "Task//t:sidecars.docker",
            ]
        );
        assert!(matches!(deps[1].pin, PinState::Unpinned(_)));
        assert_eq!(deps[2].source_str(), Some("docker.io/library/alpine"));
        assert!(matches!(deps[2].pin, PinState::Tagged(_)));
        assert!(matches!(deps[3].pin, PinState::Unpinned(ref why) if why.contains("variable")));
        let pipeline = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks:\n    \
                        - name: build\n      taskSpec:\n        steps:\n          - name: b\n            image: golang:1.22\n    \
                        - name: ref\n      taskRef:\n        name: other\n  finally:\n    - name: notify\n      \
                        taskSpec:\n        steps:\n          - name: n\n            image: curlimages/curl\n";
        assert_eq!(
            keys(pipeline),
            [
                "Pipeline//p:tasks.build:steps.b",
                "Pipeline//p:finally.notify:steps.n"
            ]
        );
        let run = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: r-\nspec:\n  \
                   pipelineSpec:\n    tasks:\n      - name: a\n        taskSpec:\n          steps:\n            \
                   - image: alpine\n";
        assert_eq!(keys(run), ["PipelineRun//r-:pipelineSpec:tasks.a:steps.#0"]);
        let trigger = "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerTemplate\nmetadata:\n  name: tt\nspec:\n  \
                       resourcetemplates:\n    - apiVersion: tekton.dev/v1\n      kind: TaskRun\n      metadata:\n        \
                       generateName: x-\n      spec:\n        taskSpec:\n          steps:\n            - image: alpine\n";
        assert_eq!(keys(trigger), ["TaskRun//x-:taskSpec:steps.#0"]);
        let action = "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata:\n  name: a\nspec:\n  image: alpine:3.20\n";
        assert_eq!(keys(action), ["StepAction//a:image"]);
        // The wrong shape in a kind we know fails closed.
        let (msg, _) = err("apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n    - name: s\n      image: [a]\n");
        assert!(msg.contains("must be a string"), "{msg}");
    }

    #[test]
    fn argo_workflow_templates() {
        let wf = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: x-\nspec:\n  \
                  entrypoint: main\n  templates:\n    - name: main\n      container:\n        image: evil/x:latest\n    \
                  - name: s\n      script:\n        image: python:3.12\n        source: print(1)\n    \
                  - name: set\n      containerSet:\n        containers:\n          - name: a\n            image: alpine\n      \
                  sidecars:\n        - name: db\n          image: postgres:16\n    \
                  - name: steps\n      steps:\n        - - name: x\n            template: main\n    \
                  - name: param\n      container:\n        image: \"{{inputs.parameters.img}}\"\n";
        let deps = self::deps(wf);
        let found: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            found,
            [
                "Workflow//x-:templates.main.container",
                "Workflow//x-:templates.s.script",
                "Workflow//x-:templates.set.containerSet:containers.a",
                "Workflow//x-:templates.set:sidecars.db",
            ]
        );
        assert!(matches!(deps[0].pin, PinState::Unpinned(_)));
        let cron = "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata:\n  name: c\nspec:\n  \
                    schedule: '* * * * *'\n  workflowSpec:\n    templates:\n      - name: m\n        container:\n          \
                    image: alpine:3.20\n";
        assert_eq!(keys(cron), ["CronWorkflow//c:templates.m.container"]);
        // Argo CD and Rollouts still go through the pod-spec reader.
        let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  project: default\n";
        assert_eq!(keys(app), Vec::<String>::new());
    }

    #[test]
    fn image_volumes_are_images() {
        let text = pod("    - name: a\n      image: nginx:1.27\n")
            + "  volumes:\n    - name: data\n      emptyDir: {}\n    - name: tools\n      image:\n        \
               reference: evil/tools:latest\n        pullPolicy: IfNotPresent\n";
        let deps = deps(&text);
        assert_eq!(deps[1].key, "Pod//p:volumes.tools");
        assert!(matches!(deps[1].pin, PinState::Unpinned(_)));
    }

    #[test]
    fn keys_survive_reordering() {
        let a =
            pod("    - name: a\n      image: nginx:1.27\n    - name: b\n      image: redis:7\n");
        let b =
            pod("    - image: redis:7\n      name: b\n    - name: a\n      image: nginx:1.27\n");
        let mut ka = keys(&a);
        let mut kb = keys(&b);
        ka.sort();
        kb.sort();
        assert_eq!(ka, kb);
    }

    mod props {
        use super::super::extract;
        use proptest::prelude::*;

        fn check(text: &str) -> Result<(), TestCaseError> {
            match extract(text) {
                Ok(deps) => {
                    for d in deps {
                        prop_assert!(d.span.end <= text.len());
                        prop_assert!(d.source.unwrap().span.end <= text.len());
                    }
                }
                Err(e) => prop_assert!(e.offset <= text.len()),
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn never_panics(text in "[a-z:\\-\\n {}\\[\\]\"'&*$@]{0,160}") {
                check(&text)?;
                check(&format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {text}\nspec:\n  containers:\n    - name: a\n      image: {text}\n{text}"))?;
                check(&format!("apiVersion: v1\nkind: List\nitems:\n{text}"))?;
            }

            #[test]
            fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                let text = format!("apiVersion: v1\nkind: Pod\n{}", String::from_utf8_lossy(&bytes));
                check(&text)?;
            }
        }
    }
}
