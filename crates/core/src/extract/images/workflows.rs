//! Pipelines that run on Kubernetes and keep their images outside a pod
//! spec: Tekton (`steps`, `sidecars`, `stepTemplate` of a task, inline in
//! pipelines and runs; `StepAction`) and Argo Workflows (`container`,
//! `script`, `containerSet`, `initContainers`, `sidecars` of each
//! template). Recognised by API group and kind, read strictly: an `image`
//! that is no string is an error.

use super::image;
use crate::extract::yaml::Node;
use crate::extract::Deps;
use crate::model::{ExtractError, Spanned};

/// Which engine reads `kind` in `api_version`, if it is one of these.
pub(super) fn engine(api_version: &str, kind: &str) -> Option<Engine> {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    match (group, kind) {
        (
            "tekton.dev",
            "Task" | "ClusterTask" | "TaskRun" | "Pipeline" | "PipelineRun" | "StepAction",
        ) => Some(Engine::Tekton),
        ("triggers.tekton.dev", "TriggerTemplate") => Some(Engine::TektonTrigger),
        (
            "argoproj.io",
            "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate" | "CronWorkflow",
        ) => Some(Engine::Argo),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Engine {
    Tekton,
    TektonTrigger,
    Argo,
}

type Resource = fn(&Node, &mut Deps) -> Result<(), ExtractError>;

pub(super) fn read(
    engine: Engine,
    doc: &Node,
    kind: &str,
    id: &str,
    deps: &mut Deps,
    resource: Resource,
) -> Result<(), ExtractError> {
    let Some((_, spec)) = doc.get("spec", id)? else {
        return Ok(());
    };
    match engine {
        Engine::Tekton => tekton(spec, kind, id, deps),
        Engine::TektonTrigger => {
            // The runs a trigger creates are resources of their own.
            if let Some((_, list)) = spec.get("resourcetemplates", id)? {
                for item in list.items(&format!("{id} resourcetemplates"))? {
                    resource(item, deps)?;
                }
            }
            Ok(())
        }
        Engine::Argo => {
            let spec = match kind {
                "CronWorkflow" => match spec.get("workflowSpec", id)? {
                    Some((_, spec)) => spec,
                    None => return Ok(()),
                },
                _ => spec,
            };
            argo(spec, id, deps)
        }
    }
}

fn tekton(spec: &Node, kind: &str, id: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    match kind {
        "Task" | "ClusterTask" => task_spec(spec, id, deps),
        "StepAction" => {
            let Some((_, node)) = spec.get("image", id)? else {
                return Ok(());
            };
            let params = Params::of(spec, id)?;
            push(deps, format!("{id}:image"), spec, node, &params, id)
        }
        "TaskRun" => match spec.get("taskSpec", id)? {
            Some((_, task)) => task_spec(task, &format!("{id}:taskSpec"), deps),
            None => Ok(()),
        },
        "Pipeline" => pipeline_spec(spec, id, deps),
        "PipelineRun" => match spec.get("pipelineSpec", id)? {
            Some((_, pipeline)) => pipeline_spec(pipeline, &format!("{id}:pipelineSpec"), deps),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn pipeline_spec(spec: &Node, id: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    for section in ["tasks", "finally"] {
        let Some((_, list)) = spec.get(section, id)? else {
            continue;
        };
        let subject = format!("{id} {section}");
        for (index, task) in list.items(&subject)?.iter().enumerate() {
            let name = name_or_index(task, &subject, index)?;
            let Some((_, inline)) = task.get("taskSpec", &subject)? else {
                continue;
            };
            task_spec(inline, &format!("{id}:{section}.{name}"), deps)?;
        }
    }
    Ok(())
}

/// A Tekton task spec: `steps[]`, `sidecars[]` and the `stepTemplate`
/// image that steps without one take.
fn task_spec(spec: &Node, id: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    let params = Params::of(spec, id)?;
    for section in ["steps", "sidecars"] {
        containers(spec, section, id, &params, deps)?;
    }
    if let Some((_, template)) = spec.get("stepTemplate", id)? {
        if let Some((_, node)) = template.get("image", id)? {
            let key = format!("{id}:stepTemplate");
            push(deps, key, template, node, &params, id)?;
        }
    }
    Ok(())
}

fn argo(spec: &Node, id: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    let none = Params::default();
    if let Some((_, defaults)) = spec.get("templateDefaults", id)? {
        template(defaults, &format!("{id}:templateDefaults"), &none, deps)?;
    }
    let Some((_, list)) = spec.get("templates", id)? else {
        return Ok(());
    };
    let subject = format!("{id} templates");
    for (index, item) in list.items(&subject)?.iter().enumerate() {
        let name = name_or_index(item, &subject, index)?;
        template(item, &format!("{id}:templates.{name}"), &none, deps)?;
    }
    Ok(())
}

fn template(item: &Node, id: &str, params: &Params, deps: &mut Deps) -> Result<(), ExtractError> {
    for single in ["container", "script"] {
        if let Some((_, body)) = item.get(single, id)? {
            if let Some((_, node)) = body.get("image", &format!("{id}.{single}"))? {
                push(deps, format!("{id}.{single}"), body, node, params, id)?;
            }
        }
    }
    if let Some((_, set)) = item.get("containerSet", id)? {
        containers(
            set,
            "containers",
            &format!("{id}.containerSet"),
            params,
            deps,
        )?;
    }
    for section in ["initContainers", "sidecars"] {
        containers(item, section, id, params, deps)?;
    }
    Ok(())
}

/// The images of the list `section` of `parent`; a container without a
/// name (Tekton allows it) is known by its position.
fn containers(
    parent: &Node,
    section: &str,
    id: &str,
    params: &Params,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let Some((_, list)) = parent.get(section, id)? else {
        return Ok(());
    };
    let subject = format!("{id} {section}");
    for (index, item) in list.items(&subject)?.iter().enumerate() {
        let name = name_or_index(item, &subject, index)?;
        let key = format!("{id}:{section}.{name}");
        if let Some((_, node)) = item.get("image", &key)? {
            push(deps, key.clone(), item, node, params, &key)?;
        }
    }
    Ok(())
}

fn name_or_index(item: &Node, subject: &str, index: usize) -> Result<String, ExtractError> {
    if !item.is_map() {
        return Err(ExtractError::new(
            format!("{subject}: each entry must be a mapping (name, image, ...)"),
            item.span.start,
        ));
    }
    Ok(match item.get("name", subject)? {
        Some((_, node)) => match node.string(&format!("{subject} name"))? {
            Some(name) if !name.value.is_empty() => name.value,
            _ => format!("#{index}"),
        },
        None => format!("#{index}"),
    })
}

fn push(
    deps: &mut Deps,
    key: String,
    owner: &Node,
    node: &Node,
    params: &Params,
    subject: &str,
) -> Result<(), ExtractError> {
    let Some(value) = node.string(&format!("{subject} image"))? else {
        return Ok(());
    };
    // Argo's own `{{inputs.parameters.x}}` and Helm's `{{ }}` alike are
    // filled in by a template engine, as in pod specs.
    if value.value.contains("{{") || value.value.contains("}}") {
        return Ok(());
    }
    let value = Spanned::new(params.substitute(&value.value), value.span);
    deps.push(image(key, owner.span, &value), |dep| {
        format!("{} is declared twice", dep.key)
    })
}

/// A Tekton task's string parameters with a default: `$(params.NAME)` in
/// an image is the default unless a run passes another value (the default
/// is what is checked, as with a Dockerfile `ARG`).
#[derive(Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn of(spec: &Node, id: &str) -> Result<Params, ExtractError> {
        let mut out = Vec::new();
        let Some((_, list)) = spec.get("params", id)? else {
            return Ok(Params(out));
        };
        let Ok(items) = list.items(id) else {
            return Ok(Params(out));
        };
        for item in items {
            if !item.is_map() {
                continue;
            }
            let text = |key: &str| match item.get(key, id) {
                Ok(Some((_, node))) => node.string(id).ok().flatten().map(|s| s.value),
                _ => None,
            };
            if let (Some(name), Some(default)) = (text("name"), text("default")) {
                out.push((name, default));
            }
        }
        Ok(Params(out))
    }

    /// `value` with every `$(params.NAME)`, `$(params['NAME'])` and
    /// `$(params["NAME"])` that has a default replaced by it; anything
    /// else stays as written (and is then unpinned).
    fn substitute(&self, value: &str) -> String {
        if self.0.is_empty() || !value.contains("$(") {
            return value.to_owned();
        }
        let mut out = value.to_owned();
        for (name, default) in &self.0 {
            if default.contains("$(") {
                continue;
            }
            for form in [
                format!("$(params.{name})"),
                format!("$(params['{name}'])"),
                format!("$(params[\"{name}\"])"),
            ] {
                out = out.replace(&form, default);
            }
        }
        out
    }
}
