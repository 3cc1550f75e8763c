//! GitLab CI: `.gitlab-ci.yml`, `*.gitlab-ci.yml` and the YAML files under
//! `.gitlab/` (where included CI files usually live).
//!
//! Every dependency is [`Ecosystem::GitLabCi`] and its pin is judged here.
//!
//! | Construct | Kind | Key | Source / version | Pinned when |
//! |---|---|---|---|---|
//! | `include: {project, ref, file}` | include | `include.project.<project>` (`:<files>` when the project is included more than once) | project path, lowercased / `ref` | `ref` is a 40-hex commit (a version-like ref is a tag) |
//! | `include: {remote, integrity}`, `include: https://...` | include | `include.remote.<URL>` | URL (scheme and host lowercased) / `integrity` | `integrity: sha256-...` is given |
//! | `include: {component: host/group/project/name@version}` | include | `include.component.<path>` | path, lowercased (variables as written) / after `@` | a 40-hex commit (an exact `1.2.3` is a tag) |
//! | `image:` at the top, in `default:`, in a job (hidden `.jobs` too) | image | `image`, `default.image`, `<job>.image` | see `image_ref` | `@sha256:` digest |
//! | `services:` entries, there too | image | `services.<image>`, `default.services.<image>`, `<job>.services.<image>` | see `image_ref` | `@sha256:` digest |
//! | `spec: include:` (a component's header) and a job's `trigger: include:` | include | `spec.include.…`, `<job>.trigger.include.…` | as `include:` | as `include:` |
//!
//! `<image>` in a service key is the repository as written, without tag or
//! digest, so that a new tag is a version change of the same service. A key
//! declared twice (a component included twice with other inputs, the same
//! service twice under two aliases) gets `#2`, `#3`, ... in file order.
//! The span of an include is its entry, of an image its `image` key, of a
//! service its list item; source and version spans are the values as written.
//!
//! Pins of refs and component versions: a 40-hex commit is pinned; a
//! version-like ref (`v1.2.3`, `2.0`) and an exact component version
//! (`1.2.3`) are tags, which their project can move; a partial component
//! version (`1`, `1.2`), `~latest`, a branch, a short commit, no `ref`
//! (the default branch) and any value built from a variable are unpinned.
//!
//! Any variable in an include's address (project, file, remote URL,
//! component path, a `local:` path) but `$CI_SERVER_FQDN` as a component's
//! host and `$CI_PROJECT_PATH` as the project makes it unpinned: what
//! GitLab fetches is known only when the pipeline runs, and no allowlist
//! can judge it. This very project at the commit the pipeline runs for
//! (`project: $CI_PROJECT_PATH` without `ref` or with `ref:
//! $CI_COMMIT_SHA` / `$CI_COMMIT_REF_NAME`, a component
//! `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA`) is the tree
//! being judged, followed as a local include (see [`pipeline`]); at any
//! other ref it is the remote include of another version, pinned only by a
//! 40-hex commit.
//!
//! A job's `trigger: include: [{artifact, job}]` is a child pipeline that
//! another job generates when the pipeline runs: unpinned (what it runs
//! cannot be read), accepted by the analysis under `[gitlab]
//! dynamic_child_pipelines = "allow"`.
//!
//! Skipped, as not third-party: `local:` includes and plain strings that
//! are not URLs, this very project at its own commit (followed as
//! above), and `template:` includes: GitLab's own templates
//! ship with the GitLab instance that runs the pipeline, are versioned with
//! it and have no ref to pin, so they are part of the platform, not a
//! dependency of the repository.
//!
//! Deliberately not resolved: `extends:` (an inherited image is reported
//! where it is written, in the hidden job), `!reference [...]` (an image,
//! service or include given by one is unpinned: cannot be resolved
//! statically; elsewhere the tag is ignored), variables and `$[[ inputs ]]`
//! (a value built from them is unpinned), `rules:` on includes (an include
//! counts even if its rules may skip it), images named in `variables:`,
//! multi-project `trigger: project:` (it runs the other project's own
//! pipeline), and CI steps (`run: - step:`). YAML anchors, aliases and
//! `<<` merge keys are resolved: a job that merges an image gets its own
//! dependency, spanned where the image is written.
//!
//! A file may hold a `spec:` header document and the configuration after
//! `---`. A root that is a list (`.gitlab/route-map.yml`) holds no pipeline
//! and yields nothing. Errors, at the offending byte: YAML that does not
//! parse, a root that is neither a mapping nor a list, a third document, an
//! include, image or service of the wrong shape, an include entry with none
//! or two of `local`/`project`/`remote`/`template`/`component`, a project
//! include without `file`, a component without `@version`, and an
//! `integrity` that is not `sha256-<base64>`.

mod include;
pub(crate) mod pipeline;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::extract::image_ref;
use crate::extract::yaml::{self as tree, Node, NodeKind};
use crate::extract::{comment_after, is_commit, number_repeated_keys};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// Top-level keys that are keywords, not jobs.
const GLOBAL_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "types",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

/// GitLab's tag that copies a value from elsewhere in the configuration.
const REFERENCE_TAG: &str = "!reference";

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let docs = tree::load_all(text)?;
    let (header, config) = match docs.as_slice() {
        [] => return Ok(Vec::new()),
        [config] => (None, config),
        [header, config] if has_spec(header) => (Some(header), config),
        [_, second] => {
            return Err(ExtractError::new(
                "a second YAML document (---) is only allowed after a `spec:` header",
                second.span.start,
            ))
        }
        [_, _, third, ..] => {
            return Err(ExtractError::new(
                "a third YAML document (---): a GitLab CI file holds a `spec:` header and one configuration",
                third.span.start,
            ))
        }
    };
    match &config.kind {
        NodeKind::Map(_) if config.tag.is_none() => {}
        // `.gitlab/route-map.yml` is a list of routes: no pipeline.
        NodeKind::Seq(_) if config.tag.is_none() => return Ok(Vec::new()),
        _ => {
            return Err(ExtractError::new(
                "a GitLab CI configuration must be a mapping of keywords and jobs",
                config.span.start,
            ))
        }
    }
    let mut found = Found::new(text);
    if let Some(header) = header.or(Some(config).filter(|c| has_spec(c))) {
        spec_includes(header, &mut found)?;
    }
    for (key, value) in config.entries("the file")? {
        let name = key.name("the file")?;
        match name {
            "include" => include::read(value, "include", &mut found)?,
            "image" => image(key.span, value, "image", &mut found)?,
            "services" => services(value, "services", &mut found)?,
            "default" => job(value, "default", &mut found)?,
            _ if GLOBAL_KEYWORDS.contains(&name) => {}
            _ => job(value, name, &mut found)?,
        }
    }
    Ok(found.finish())
}

fn has_spec(doc: &Node) -> bool {
    doc.is_map() && doc.tag.is_none() && matches!(doc.get("spec", "the header"), Ok(Some(_)))
}

/// `spec: include:` in a header: files the inputs come from.
fn spec_includes(header: &Node, found: &mut Found) -> Result<(), ExtractError> {
    let Some((_, spec)) = header.get("spec", "the header")? else {
        return Ok(());
    };
    if let Some((_, includes)) = spec.get("include", "spec")? {
        include::read(includes, "spec.include", found)?;
    }
    Ok(())
}

/// A job, a hidden job (a template for `extends:`), or `default:`: its
/// `image`, `services` and `trigger: include`. Anything that is not a
/// mapping (a hidden key holding a list for an anchor) is no job.
fn job(value: &Node, name: &str, found: &mut Found) -> Result<(), ExtractError> {
    if !value.is_map() || value.tag.is_some() {
        return Ok(());
    }
    for (key, value) in value.entries(name)? {
        match key.key_text() {
            Some("image") => image(key.span, value, &format!("{name}.image"), found)?,
            Some("services") => services(value, &format!("{name}.services"), found)?,
            Some("needs") => needs(value, &format!("{name}.needs"), found)?,
            Some("run") => run_steps(value, &format!("{name}.run"), found)?,
            Some("trigger") if value.is_map() && value.tag.is_none() => {
                let subject = format!("{name}.trigger");
                if let Some((_, includes)) = value.get("include", &subject)? {
                    include::read(includes, &format!("{subject}.include"), found)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `needs: [{project, job, ref, artifacts}]`: artifacts of another
/// project's pipeline at `ref`, downloaded into this job. (`artifacts:
/// false`, and needs of this pipeline's own jobs, bring nothing in.)
fn needs(list: &Node, subject: &str, found: &mut Found) -> Result<(), ExtractError> {
    if !matches!(list.kind, NodeKind::Seq(_)) || list.tag.is_some() {
        return Ok(());
    }
    for item in list.items(subject)? {
        if !item.is_map() || item.tag.is_some() {
            continue;
        }
        let Some((_, project)) = item.get("project", subject)? else {
            continue;
        };
        let Some(project) = project.string(&format!("{subject}.project"))? else {
            continue;
        };
        if include::is_this_project(project.value.trim()) {
            continue;
        }
        let artifacts = match item.get("artifacts", subject)? {
            Some((_, value)) => value.key_text() != Some("false"),
            None => true,
        };
        if !artifacts {
            continue;
        }
        let job = match item.get("job", subject)? {
            Some((_, job)) => job.string(&format!("{subject}.job"))?.map(|j| j.value),
            None => None,
        };
        let reference = match item.get("ref", subject)? {
            Some((_, r)) => r.string(&format!("{subject}.ref"))?,
            None => None,
        };
        let key = format!(
            "{subject}.{}:{}",
            project.value.trim(),
            job.as_deref().unwrap_or("")
        );
        let mut dep = Dependency::new(
            Ecosystem::GitLabCi,
            Kind::Include,
            key,
            project.value.trim().to_owned(),
            item.span,
        );
        dep.source = Some(project.clone());
        dep.pin = match &reference {
            Some(r) => include::ref_pin(r.value.trim()),
            None => PinState::Unpinned(
                "artifacts of another project's default branch, whatever its last pipeline made"
                    .to_owned(),
            ),
        };
        dep.version = reference;
        found.push(dep);
    }
    Ok(())
}

/// A job's `run:` CI steps: `step: <path>@<version>` is fetched when the
/// job runs, pinned only by a commit; a local `./` step is the tree's.
fn run_steps(list: &Node, subject: &str, found: &mut Found) -> Result<(), ExtractError> {
    if !matches!(list.kind, NodeKind::Seq(_)) || list.tag.is_some() {
        return Ok(());
    }
    for (index, item) in list.items(subject)?.iter().enumerate() {
        if !item.is_map() || item.tag.is_some() {
            continue;
        }
        let Some((_, step)) = item.get("step", subject)? else {
            continue;
        };
        let at = format!("{subject}[{index}].step");
        let Some(step) = step.string(&at)? else {
            continue;
        };
        let written = step.value.trim();
        if written.starts_with("./") || written.starts_with("../") {
            continue;
        }
        let (path, version) = match written.rsplit_once('@') {
            Some((path, version)) => (path, Some(version)),
            None => (written, None),
        };
        let mut dep = Dependency::new(
            Ecosystem::GitLabCi,
            Kind::Include,
            format!("{subject}.{path}"),
            path.to_owned(),
            item.span,
        );
        dep.source = Some(Spanned::new(path.to_owned(), step.span));
        dep.pin = match version {
            Some(v) => include::component_pin(v),
            None => PinState::Unpinned("a step without a version is its default branch".to_owned()),
        };
        dep.version = version.map(|v| Spanned::new(v.to_owned(), step.span));
        found.push(dep);
    }
    Ok(())
}

/// `image: name` or `image: {name, entrypoint, ...}`.
fn image(at: Span, value: &Node, key: &str, found: &mut Found) -> Result<(), ExtractError> {
    if value.is_null() {
        return Ok(());
    }
    match image_name(value, key)? {
        // The image an earlier job of this pipeline built from this very
        // commit and pushed to this project's own registry: code of the
        // repository, no third-party dependency.
        ImageName::Written(name) if own_build(&name.value) => {}
        ImageName::Written(name) => {
            found.push(image_ref::dependency(
                Ecosystem::GitLabCi,
                key.to_owned(),
                at,
                &name,
            ));
        }
        ImageName::Reference(node) => found.unresolved(Kind::Image, key.to_owned(), at, node),
    }
    Ok(())
}

/// `$CI_REGISTRY_IMAGE[/<path>]:$CI_COMMIT_SHA` (braces allowed): built
/// by this pipeline from this commit. Any other tag (a branch name, the
/// short sha, `latest`) can be pushed by another pipeline and is judged.
fn own_build(reference: &str) -> bool {
    let plain = reference.trim().replace(['{', '}'], "");
    let Some(rest) = plain.strip_prefix("$CI_REGISTRY_IMAGE") else {
        return false;
    };
    let Some((path, tag)) = rest.rsplit_once(':') else {
        return false;
    };
    tag == "$CI_COMMIT_SHA"
        && (path.is_empty()
            || path.strip_prefix('/').is_some_and(|p| {
                !p.is_empty()
                    && p.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.')
                    })
            }))
}

enum ImageName<'n> {
    Written(Spanned<String>),
    /// `!reference [...]`: known only once GitLab has merged the file.
    Reference(&'n Node),
}

/// The image of an `image` or `services` entry: a string, or a mapping's
/// `name`.
fn image_name<'n>(value: &'n Node, subject: &str) -> Result<ImageName<'n>, ExtractError> {
    let node = match &value.kind {
        NodeKind::Map(_) if value.tag.is_none() => match value.get("name", subject)? {
            Some((_, name)) => name,
            None => {
                return Err(ExtractError::new(
                    format!("{subject} needs a name: the image to run"),
                    value.span.start,
                ))
            }
        },
        _ => value,
    };
    if is_reference(node) {
        return Ok(ImageName::Reference(node));
    }
    match node.string(subject)? {
        Some(name) if !name.value.trim().is_empty() => Ok(ImageName::Written(name)),
        _ => Err(ExtractError::new(
            format!("{subject} is empty: name the image to run"),
            node.span.start,
        )),
    }
}

/// `services: [name | {name, alias, ...}]`.
fn services(value: &Node, prefix: &str, found: &mut Found) -> Result<(), ExtractError> {
    if is_reference(value) {
        found.unresolved(Kind::Image, prefix.to_owned(), value.span, value);
        return Ok(());
    }
    let subject = format!("{prefix} entry");
    for item in value.items(prefix)? {
        match image_name(item, &subject)? {
            ImageName::Written(name) => {
                let written = name.value.trim();
                let repository =
                    image_ref::parse(written).map_or(written.to_owned(), |r| r.written);
                let key = format!("{prefix}.{repository}");
                found.push(image_ref::dependency(
                    Ecosystem::GitLabCi,
                    key,
                    item.span,
                    &name,
                ));
            }
            ImageName::Reference(node) => {
                let key = format!("{prefix}.{}", reference_text(node));
                found.unresolved(Kind::Image, key, item.span, node);
            }
        }
    }
    Ok(())
}

fn is_reference(node: &Node) -> bool {
    node.tag.as_deref() == Some(REFERENCE_TAG)
}

/// `!reference [.job, image]`, rebuilt from its items.
fn reference_text(node: &Node) -> String {
    let path: Vec<&str> = match &node.kind {
        NodeKind::Seq(items) => items.iter().filter_map(Node::key_text).collect(),
        _ => Vec::new(),
    };
    format!("{REFERENCE_TAG} [{}]", path.join(", "))
}

/// The dependencies of one file, as they are found.
struct Found<'t> {
    text: &'t str,
    deps: Vec<Dependency>,
    /// Project includes: their index in `deps` and the files they include,
    /// which tell two includes of the same project apart.
    project_files: Vec<(usize, String)>,
}

impl<'t> Found<'t> {
    fn new(text: &'t str) -> Self {
        Found {
            text,
            deps: Vec::new(),
            project_files: Vec::new(),
        }
    }

    fn push(&mut self, dep: Dependency) {
        self.deps.push(dep);
    }

    fn push_project(&mut self, dep: Dependency, files: String) {
        self.project_files.push((self.deps.len(), files));
        self.deps.push(dep);
    }

    /// What a `!reference` gives where a dependency is declared.
    fn unresolved(&mut self, kind: Kind, key: String, at: Span, node: &Node) {
        let written = reference_text(node);
        let mut dep = Dependency::new(Ecosystem::GitLabCi, kind, key, written.clone(), at);
        dep.pin = PinState::Unpinned(format!("`{written}` cannot be resolved statically"));
        dep.source = Some(Spanned::new(written, node.span));
        self.push(dep);
    }

    /// The dependencies in file order, with keys made unique: a project
    /// included more than once gets `:<files>`, and a key still taken
    /// gets `#2`, `#3`, ...
    fn finish(mut self) -> Vec<Dependency> {
        let mut projects: HashMap<String, usize> = HashMap::new();
        for (index, _) in &self.project_files {
            if let Some(dep) = self.deps.get(*index) {
                *projects.entry(dep.key.clone()).or_default() += 1;
            }
        }
        for (index, files) in &self.project_files {
            if let Some(dep) = self.deps.get_mut(*index) {
                if projects.get(&dep.key).is_some_and(|&n| n > 1) {
                    dep.key = format!("{}:{files}", dep.key);
                }
            }
        }
        number_repeated_keys(&mut self.deps);
        self.deps
    }
}
