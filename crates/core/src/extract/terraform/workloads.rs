//! Terraform resources that fetch third-party artifacts when applied:
//! `helm_release` (a chart from a repository at a version), containers of
//! the Kubernetes provider's workloads (`container { image = "…" }`) and
//! `aws_ecs_task_definition` `container_definitions` (`jsonencode` of
//! literal maps, or a literal JSON string).
//!
//! Only literal values are judged: a chart, version or image taken from a
//! variable, a local or a data source is the deployment's choice, as for
//! CloudFormation parameters.

use hcl::edit::expr::{Expression, ObjectKey};
use hcl::edit::structure::{Block, Body};

use super::{header_span, span_of};
use crate::extract::{helm, image_ref, Deps};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// Container block names of the Kubernetes provider's pod specs.
const CONTAINERS: &[&str] = &["container", "init_container", "ephemeral_container"];

/// Bounds the walk through nested blocks.
const MAX_DEPTH: usize = 32;

pub(super) fn resource(block: &Block, deps: &mut Deps) -> Result<(), ExtractError> {
    let [kind, name] = block.labels.as_slice() else {
        return Ok(());
    };
    let (kind, name) = (kind.as_str(), name.as_str());
    let address = format!("{kind}.{name}");
    if kind == "helm_release" {
        return helm_release(block, &address, deps);
    }
    if kind == "aws_ecs_task_definition" {
        return ecs(block, &address, deps);
    }
    if kind.starts_with("kubernetes_") {
        let mut found = Vec::new();
        containers(&block.body, &address, 0, &mut found);
        for dep in found {
            push(deps, dep)?;
        }
    }
    Ok(())
}

fn push(deps: &mut Deps, dep: Dependency) -> Result<(), ExtractError> {
    deps.push(dep, |dep| format!("{} is declared twice", dep.key))
}

/// A literal string attribute; `None` when absent or not a literal.
fn literal(body: &Body, key: &str) -> Option<Spanned<String>> {
    let attr = body.get_attribute(key)?;
    match &attr.value {
        Expression::String(s) => Some(Spanned::new(
            s.as_str().to_owned(),
            span_of(&attr.value, Span::default()),
        )),
        _ => None,
    }
}

fn helm_release(block: &Block, address: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    let body = &block.body;
    let Some(chart) = literal(body, "chart") else {
        return Ok(());
    };
    // A version from a variable is the deployment's choice.
    let version = match body.get_attribute("version") {
        None => None,
        Some(_) => match literal(body, "version") {
            Some(v) => Some(v),
            None => return Ok(()),
        },
    };
    let repository = match body.get_attribute("repository") {
        None => None,
        Some(_) => match literal(body, "repository") {
            Some(r) if !r.value.trim().is_empty() => Some(r),
            Some(_) => None,
            None => return Ok(()),
        },
    };
    let written = chart.value.trim();
    let mut dep = Dependency::new(
        Ecosystem::Terraform,
        Kind::Chart,
        address.to_owned(),
        written.to_owned(),
        header_span(block),
    );
    let lower = written.to_ascii_lowercase();
    let url = lower.contains("://");
    match repository {
        None if !url => {
            // A chart directory or archive of the machine (Helm reads a
            // bare name without `repository` as a path too): the tree's
            // own, unless it leaves the repository.
            if !crate::local::may_leave(written) {
                return Ok(());
            }
            dep.source = Some(chart);
            dep.local_path = true;
            dep.pin = PinState::Derived;
            return push(deps, dep);
        }
        None if lower.starts_with("oci://") => {
            dep.source = Some(Spanned::new(
                helm::normalise_repository(digestless(written)),
                chart.span,
            ));
            dep.pin = oci_pin(written, version.as_ref());
        }
        None => {
            // A chart archive URL: whatever it serves.
            dep.source = Some(Spanned::new(written.to_owned(), chart.span));
            dep.pin = PinState::Unpinned(format!(
                "chart archive URL {written}: what it serves can change"
            ));
        }
        Some(repository) => {
            let base = helm::normalise_repository(&repository.value);
            dep.source = Some(Spanned::new(
                format!("{base}/{}", digestless(written)),
                repository.span,
            ));
            dep.pin = if base.to_ascii_lowercase().starts_with("oci://") {
                oci_pin(written, version.as_ref())
            } else {
                helm::version_pin(version.as_ref().map(|v| v.value.as_str()))
            };
        }
    }
    dep.version = version;
    push(deps, dep)
}

/// `oci://host/chart@sha256:<hex>` without the digest.
fn digestless(chart: &str) -> &str {
    chart.split_once("@sha256:").map_or(chart, |(name, _)| name)
}

/// An OCI chart: pinned by a digest in the reference (or the version),
/// else judged by its version.
fn oci_pin(chart: &str, version: Option<&Spanned<String>>) -> PinState {
    let digest = |s: &str| {
        s.rsplit_once('@')
            .map(|(_, d)| d)
            .or(s.strip_prefix("sha256:").map(|_| s))
            .is_some_and(image_ref::is_digest)
    };
    if digest(chart) || version.is_some_and(|v| digest(v.value.trim())) {
        return PinState::Pinned;
    }
    helm::version_pin(version.map(|v| v.value.as_str()))
}

/// `container { image = "…" }` blocks anywhere in a Kubernetes resource.
fn containers(body: &Body, prefix: &str, depth: usize, found: &mut Vec<Dependency>) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for block in body.blocks() {
        let ident = block.ident.as_str();
        if CONTAINERS.contains(&ident) {
            let Some(image) = literal(&block.body, "image") else {
                continue;
            };
            let label = literal(&block.body, "name").map_or_else(
                || {
                    let n = counts.entry(ident.to_owned()).or_default();
                    *n += 1;
                    format!("#{n}")
                },
                |n| n.value,
            );
            let key = format!("{prefix}.{ident}.{label}");
            found.push(image_ref::dependency(
                Ecosystem::Terraform,
                key,
                span_of(block, Span::default()),
                &image,
            ));
        } else if ident != "dynamic" {
            containers(&block.body, prefix, depth + 1, found);
        }
    }
}

/// `container_definitions`: `jsonencode([...])` of literal maps, or a
/// literal JSON string. Other values (a `file()`, a variable, a template)
/// are the deployment's choice.
fn ecs(block: &Block, address: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    let Some(attr) = block.body.get_attribute("container_definitions") else {
        return Ok(());
    };
    let mut images: Vec<(Option<String>, Spanned<String>)> = Vec::new();
    match &attr.value {
        Expression::FuncCall(call)
            if !call.name.is_namespaced() && call.name.name.as_str() == "jsonencode" =>
        {
            if let Some(Expression::Array(list)) = call.args.iter().next() {
                for item in list.iter() {
                    let Expression::Object(object) = item else {
                        continue;
                    };
                    let mut name = None;
                    let mut image = None;
                    for (key, value) in object.iter() {
                        let key = match key {
                            ObjectKey::Ident(ident) => ident.as_str(),
                            ObjectKey::Expression(Expression::String(s)) => s.as_str(),
                            ObjectKey::Expression(_) => continue,
                        };
                        if let Expression::String(s) = value.expr() {
                            let spanned = Spanned::new(
                                s.as_str().to_owned(),
                                span_of(value.expr(), Span::default()),
                            );
                            match key {
                                "name" => name = Some(spanned.value),
                                "image" => image = Some(spanned),
                                _ => {}
                            }
                        }
                    }
                    if let Some(image) = image {
                        images.push((name, image));
                    }
                }
            }
        }
        Expression::String(s) => {
            let at = span_of(&attr.value, Span::default());
            let Ok(serde_json::Value::Array(list)) = serde_json::from_str(s.as_str()) else {
                return Err(ExtractError::new(
                    format!(
                        "resource \"{address}\": container_definitions is not a JSON array of \
                         container definitions"
                    ),
                    at.start,
                ));
            };
            for item in &list {
                if let Some(image) = item.get("image").and_then(|i| i.as_str()) {
                    let name = item.get("name").and_then(|n| n.as_str()).map(str::to_owned);
                    images.push((name, Spanned::new(image.to_owned(), at)));
                }
            }
        }
        _ => {}
    }
    for (index, (name, image)) in images.into_iter().enumerate() {
        let label = name.unwrap_or_else(|| format!("#{}", index + 1));
        let key = format!("{address}.container.{label}");
        push(
            deps,
            image_ref::dependency(Ecosystem::Terraform, key, image.span, &image),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Kind, PinState};

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn deps(text: &str) -> Vec<(String, Kind, Option<String>, bool)> {
        super::super::extract(text)
            .unwrap()
            .into_iter()
            .filter(|d| matches!(d.kind, Kind::Chart | Kind::Image))
            .map(|d| {
                let pinned = d.pin == PinState::Pinned;
                let source = d.source_str().map(str::to_owned);
                (d.key, d.kind, source, pinned)
            })
            .collect()
    }

    #[test]
    fn helm_releases() {
        let text = format!(
            "resource \"helm_release\" \"a\" {{\n  repository = \"HTTPS://Charts.Example.com/\"\n  chart = \"a\"\n  version = \"1.2.3\"\n}}\n\
             resource \"helm_release\" \"b\" {{\n  repository = \"https://c.example.com\"\n  chart = \"b\"\n}}\n\
             resource \"helm_release\" \"c\" {{\n  chart = \"oci://ghcr.io/x/c@{DIGEST}\"\n}}\n\
             resource \"helm_release\" \"d\" {{\n  repository = \"oci://ghcr.io/x\"\n  chart = \"d\"\n  version = \"^1\"\n}}\n\
             resource \"helm_release\" \"e\" {{\n  chart = \"./charts/e\"\n}}\n\
             resource \"helm_release\" \"f\" {{\n  chart = \"https://x.example.com/f-1.0.0.tgz\"\n}}\n\
             resource \"helm_release\" \"g\" {{\n  repository = \"https://c.example.com\"\n  chart = \"g\"\n  version = var.v\n}}\n"
        );
        assert_eq!(
            deps(&text),
            vec![
                (
                    "helm_release.a".into(),
                    Kind::Chart,
                    Some("https://charts.example.com/a".into()),
                    true
                ),
                (
                    "helm_release.b".into(),
                    Kind::Chart,
                    Some("https://c.example.com/b".into()),
                    false
                ),
                (
                    "helm_release.c".into(),
                    Kind::Chart,
                    Some("oci://ghcr.io/x/c".into()),
                    true
                ),
                (
                    "helm_release.d".into(),
                    Kind::Chart,
                    Some("oci://ghcr.io/x/d".into()),
                    false
                ),
                (
                    "helm_release.f".into(),
                    Kind::Chart,
                    Some("https://x.example.com/f-1.0.0.tgz".into()),
                    false
                ),
            ]
        );
    }

    #[test]
    fn container_images() {
        let text = format!(
            "resource \"kubernetes_cron_job_v1\" \"j\" {{\n  spec {{\n    job_template {{\n      spec {{\n        template {{\n          spec {{\n            init_container {{\n              image = \"busybox\"\n            }}\n            container {{\n              name = \"m\"\n              image = \"m@{DIGEST}\"\n            }}\n            container {{\n              name = \"v\"\n              image = var.x\n            }}\n          }}\n        }}\n      }}\n    }}\n  }}\n}}\n\
             resource \"aws_ecs_task_definition\" \"t\" {{\n  container_definitions = jsonencode([{{ name = \"a\", image = \"a:1.0\" }}, {{ \"image\" = \"b@{DIGEST}\" }}])\n}}\n\
             resource \"aws_ecs_task_definition\" \"s\" {{\n  container_definitions = \"[{{\\\"image\\\": \\\"c\\\"}}]\"\n}}\n"
        );
        let got: Vec<_> = deps(&text).into_iter().map(|(k, _, _, p)| (k, p)).collect();
        assert_eq!(
            got,
            vec![
                (
                    "kubernetes_cron_job_v1.j.init_container.#1".to_owned(),
                    false
                ),
                ("kubernetes_cron_job_v1.j.container.m".to_owned(), true),
                ("aws_ecs_task_definition.t.container.a".to_owned(), false),
                ("aws_ecs_task_definition.t.container.#2".to_owned(), true),
                ("aws_ecs_task_definition.s.container.#1".to_owned(), false),
            ]
        );
        // A literal string that is no JSON array fails closed.
        let bad =
            "resource \"aws_ecs_task_definition\" \"x\" {\n  container_definitions = \"{\"\n}\n";
        assert!(super::super::extract(bad).is_err());
    }
}
