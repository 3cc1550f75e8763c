//! `.github/workflows/*.yml`: jobs, their steps, containers and services,
//! and the facts about the workflow's token.

use super::expr::Workflow;
use super::facts::{self, Level};
use super::scalar;
use super::steps::steps;
use super::uses::{image_dependency, Uses};
use crate::extract::yaml::{self, Node, NodeKind};
use crate::extract::Deps;
use crate::model::{Dependency, ExtractError, Span, Spanned};

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = yaml::load(text)? else {
        return Ok(Vec::new());
    };
    if !root.is_map() {
        return Err(ExtractError::new(
            "a workflow must be a YAML mapping (on:, jobs:)",
            root.span.start,
        ));
    }
    let mut deps = Deps::default();
    let triggers = facts::triggers(&root)?;
    let flow = Workflow::read(&root);
    let top_permissions = root.get("permissions", "the workflow")?;
    if let Some((key, value)) = top_permissions {
        facts::permissions(text, key, value, Level::Workflow, &mut deps)?;
    }
    let Some((_, jobs)) = root.get("jobs", "the workflow")? else {
        return Ok(super::in_file_order(deps));
    };
    if !jobs.is_map() && !jobs.is_null() {
        return Err(ExtractError::new(
            "jobs must be a mapping of job ids to jobs",
            jobs.span.start,
        ));
    }
    let mut without_permissions = None;
    for (job_key, job_node) in jobs.entries("jobs")? {
        let id = job_key.name("jobs")?;
        if !job_node.is_map() {
            return Err(ExtractError::new(
                format!("jobs.{id} must be a mapping (runs-on: and steps:, or uses:)"),
                job_node.span.start,
            ));
        }
        let has_permissions = job(text, id, job_node, (&triggers, &flow), &mut deps)?;
        if !has_permissions && without_permissions.is_none() {
            without_permissions = Some(job_key);
        }
    }
    // A workflow only ever called by others runs with its caller's token.
    let called_only = triggers.iter().all(|t| t == "workflow_call") && !triggers.is_empty();
    if let (None, Some(job_key), false) = (top_permissions, without_permissions, called_only) {
        facts::default_permissions(job_key, &mut deps)?;
    }
    Ok(super::in_file_order(deps))
}

/// One job's dependencies and facts; whether it sets `permissions:`.
fn job(
    text: &str,
    id: &str,
    job: &Node,
    (triggers, flow): (&[String], &Workflow),
    deps: &mut Deps,
) -> Result<bool, ExtractError> {
    let prefix = format!("jobs.{id}");
    let permissions = job.get("permissions", &prefix)?;
    if let Some((key, value)) = permissions {
        facts::permissions(text, key, value, Level::Job(id), deps)?;
    }
    if let Some((key, value)) = job.get("uses", &prefix)? {
        reusable_workflow(text, id, job, key, value, deps)?;
        facts::head_passed_on(text, id, job, None, (triggers, flow), deps)?;
    }
    if let Some((_, list)) = job.get("steps", &prefix)? {
        let found = steps(text, list, &prefix, deps)?;
        facts::pwn_requests(text, id, (list, &found), (triggers, flow), deps)?;
        facts::head_passed_on(text, id, job, Some(list), (triggers, flow), deps)?;
        facts::head_fetched_by_scripts(text, id, list, (triggers, flow), deps)?;
        facts::artifacts_run(text, id, list, triggers, deps)?;
    }
    if let Some((key, value)) = job.get("container", &prefix)? {
        container(text, &prefix, job, key, value, deps)?;
    }
    if let Some((_, services)) = job.get("services", &prefix)? {
        let subject = format!("{prefix}.services");
        for (key, service) in services.entries(&subject)? {
            let name = key.name(&subject)?;
            let subject = format!("{subject}.{name}");
            if !service.is_map() {
                return Err(ExtractError::new(
                    format!("{subject} must be a mapping with an image"),
                    service.span.start,
                ));
            }
            let Some((_, image)) = service.get("image", &subject)? else {
                return Err(ExtractError::new(
                    format!("{subject} has no image"),
                    service.span.start,
                ));
            };
            push_image(text, subject, key.span, image, deps)?;
        }
    }
    Ok(permissions.is_some())
}

/// `jobs.<job>.uses: owner/repo/.github/workflows/x.yml@ref`, and
/// `secrets: inherit` passed to it.
fn reusable_workflow(
    text: &str,
    id: &str,
    job: &Node,
    key: &Node,
    value: &Node,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let subject = format!("jobs.{id}.uses");
    let uses = Uses::parse(text, value, &subject)?;
    let workflow = match &uses {
        Uses::Local => return Ok(()),
        Uses::Image { .. } => {
            return Err(ExtractError::new(
                format!(
                    "{subject} must name a reusable workflow \
                     (owner/repo/.github/workflows/x.yml@ref), not an image"
                ),
                value.span.start,
            ))
        }
        Uses::Action { name, .. } => name.value.clone(),
    };
    let entry = Span::new(key.span.start, scalar::end(text, value));
    if let Some(dep) = uses.dependency(text, format!("jobs.{id}"), entry) {
        deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
    }
    facts::secrets_inherit(text, id, job, &workflow, deps)
}

/// `container: image` or `container: {image: ...}`.
fn container(
    text: &str,
    prefix: &str,
    job: &Node,
    key: &Node,
    value: &Node,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let subject = format!("{prefix}.container");
    let image = match &value.kind {
        NodeKind::Null => return Ok(()),
        NodeKind::Map(_) => match value.get("image", &subject)? {
            Some((_, image)) => image,
            None => {
                return Err(ExtractError::new(
                    format!("{subject} has no image"),
                    value.span.start,
                ))
            }
        },
        _ => value,
    };
    // `container: ${{ matrix.img }}` over a literal list: each image of
    // the list is the job's container in one of its runs.
    if let Some(values) = matrix_images(job, image, &subject)? {
        for (i, node) in values.into_iter().enumerate() {
            push_image(text, format!("{subject}[{i}]"), node.span, node, deps)?;
        }
        return Ok(());
    }
    // `container: image` is one entry; a mapping is declared by its key.
    let entry = match value.is_map() {
        true => key.span,
        false => Span::new(key.span.start, scalar::end(text, value)),
    };
    push_image(text, subject, entry, image, deps)
}

/// The values of `strategy.matrix.<name>` (and of `include:` entries that
/// set it) when `image` is exactly `${{ matrix.<name> }}` and every one of
/// them is a literal string; `None` otherwise (the image is then judged as
/// written, which cannot be resolved statically).
fn matrix_images<'n>(
    job: &'n Node,
    image: &Node,
    subject: &str,
) -> Result<Option<Vec<&'n Node>>, ExtractError> {
    let Some(written) = image.string(&format!("{subject}.image"))? else {
        return Ok(None);
    };
    let Some(name) = written
        .value
        .trim()
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map(str::trim)
        .and_then(|expr| expr.strip_prefix("matrix."))
        .filter(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
    else {
        return Ok(None);
    };
    let Some((_, strategy)) = job.get("strategy", subject)? else {
        return Ok(None);
    };
    let Some((_, matrix)) = strategy.get("matrix", subject)?.filter(|(_, m)| m.is_map()) else {
        return Ok(None);
    };
    let literal = |n: &Node| {
        matches!(n.kind, NodeKind::Scalar(_))
            && n.string(subject)
                .ok()
                .flatten()
                .is_some_and(|v| !v.value.contains("${{"))
    };
    let mut values: Vec<&Node> = Vec::new();
    if let Some((_, list)) = matrix.get(name, subject)? {
        if !matches!(list.kind, NodeKind::Seq(_)) {
            return Ok(None);
        }
        for item in list.items(subject)? {
            if !literal(item) {
                return Ok(None);
            }
            values.push(item);
        }
    }
    if let Some((_, include)) = matrix.get("include", subject)? {
        if !matches!(include.kind, NodeKind::Seq(_)) {
            return Ok(None);
        }
        for entry in include.items(subject)? {
            if !entry.is_map() {
                return Ok(None);
            }
            if let Some((_, value)) = entry.get(name, subject)? {
                if !literal(value) {
                    return Ok(None);
                }
                values.push(value);
            }
        }
    }
    Ok((!values.is_empty()).then_some(values))
}

/// An image named by `node`, identified by `key` and declared at `entry`;
/// an empty one means none (GitHub skips a service whose image is `''`, as
/// matrices use to turn one off).
fn push_image(
    text: &str,
    key: String,
    entry: Span,
    node: &Node,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let Some(written) = node.string(&format!("{key}.image"))? else {
        return Ok(());
    };
    let raw = written.value.as_str();
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(());
    }
    let lead = raw.len() - raw.trim_start().len();
    // `docker://` (a step's spelling) names the same image.
    let skip = match trimmed.strip_prefix("docker://") {
        Some(rest) if !rest.is_empty() => trimmed.len() - rest.len(),
        _ => 0,
    };
    let image = Spanned::new(
        trimmed[skip..].to_owned(),
        scalar::sub_span(text, node, raw, lead + skip..lead + trimmed.len()),
    );
    let dep = image_dependency(key, entry, &image);
    deps.push(dep, |dep| format!("{} is declared twice", dep.key))
}
