//! GitHub Actions: workflows (`.github/workflows/*.yml`) and action metadata
//! (`action.yml`).
//!
//! Every dependency is [`Ecosystem::GitHubActions`](crate::model::Ecosystem)
//! and its pin is judged here. Its span is the `uses:` (`runs.image:`,
//! `container: image`) entry, from the key to the end of the value (a
//! trailing comment excluded), or the key of a service or of a container
//! mapping; the source span is the `owner/repo[/path]` part of the value
//! (the image reference after `docker://`) and the version span the ref
//! after `@`, exactly when the value is written without escapes (else the
//! whole value).
//!
//! | Construct | Kind | Key | Source / version | Pinned when |
//! |---|---|---|---|---|
//! | step `uses: owner/repo[/path]@ref` | action | `jobs.<job>.steps.<id>`, else `jobs.<job>.<owner/repo[/path]>` (`#2`, `#3` from its 2nd use in the job) | `owner/repo[/path]` lowercased / the ref | the ref is a 40-hex commit |
//! | job `uses: owner/repo/.github/workflows/x.yml@ref` (reusable workflow) | action | `jobs.<job>` | as a step's | as a step's |
//! | step `uses: docker://image` | image | as a step's, with `docker://<repository>` | the image repository / tag or digest | `@sha256:` digest |
//! | `jobs.<job>.container` (a string or `image:`) | image | `jobs.<job>.container` | as above | as above |
//! | `jobs.<job>.services.<name>.image` | image | `jobs.<job>.services.<name>` | as above | as above |
//! | `action.yml` composite `runs.steps[].uses` | action / image | `runs.steps.<id>`, else `runs.<owner/repo[/path]>[#n]` | as a workflow step's | as a workflow step's |
//! | `action.yml` Docker `runs.image: docker://image` | image | `runs.image` | as above | as above |
//!
//! Pins of a ref: a full 40-hex commit is pinned; a version-like tag (`v4`,
//! `v4.1.1`, `1.2.3`, `v1.2.3-beta`) is tagged (pinned only where the policy
//! accepts tags for actions); anything else is unpinned: a branch (`main`,
//! `release/x`), an abbreviated 7-39 hex commit, no `@ref`, and a value with
//! a `${{ }}` expression (an image too), which cannot be resolved
//! statically. A comment after the value on its line
//! (`uses: actions/checkout@<sha> # v4.2.2`) is the dependency's comment:
//! its first word that looks like a version, else the whole comment.
//!
//! Keys do not depend on positions: inserting or reordering steps keeps
//! them, except that the `#n` of an action used several times in one job
//! (by steps without an `id`) counts its uses in file order.
//!
//! Facts for `pipeline-permissions` (kind `file`, named by the sentence the
//! user sees, versioned by the risky value): `permissions: write-all`
//! (`permissions:workflow`, `permissions:jobs.<job>`), each scope set to
//! `write` (`permissions:workflow:<scope>`, `permissions:jobs.<job>:<scope>`),
//! no top-level `permissions:` while a job has none either
//! (`permissions:default`; not for a workflow only triggered by
//! `workflow_call`, which runs with its caller's token), a checkout of the
//! pull request's or triggering run's head (`with.ref` or
//! `with.repository`, evaluated by [`expr`] through `env:`, step and job
//! outputs) under `pull_request_target`, `workflow_run` or a comment event
//! (`pwn-request:jobs.<job>.<step key>`), and `secrets: inherit` to a
//! third-party reusable workflow (`secrets-inherit:jobs.<job>`).
//!
//! Skipped, as not third-party: local actions and workflows (`./path`,
//! `../path`), a
//! Docker action's `runs.image: Dockerfile`, JavaScript actions (no
//! dependencies), an empty service or container image (`''`, a matrix's way
//! to turn one off).
//!
//! Deliberately not resolved: expressions other than a checkout's `ref` and
//! `repository` (`${{ matrix.image }}`, a `uses:` built from inputs), and
//! what a `pull_request_target` job's `if:` excludes; checkouts of the
//! head by code a script calls (`./fetch.sh`); the actions that a used
//! action itself uses. A `run:` or `actions/github-script` script that
//! fetches the head (`pwn-request:jobs.<job>.steps[<i>].run`,
//! `….with.script`), also through a variable `env:` sets to it, and code
//! run after downloading another run's artifacts
//! (`artifact-run:jobs.<job>.steps[<i>].run`) are facts too. Keys are matched
//! case-sensitively, as
//! GitHub does; YAML merge keys (`<<: *base`) are resolved.
//!
//! Errors (fail closed, at the offending byte): YAML that does not parse; a
//! root, `jobs`, a job, a step or a service that is not a mapping; a
//! service or container mapping without an `image`; a
//! `uses:` that is not a string or not `owner/repo[/path]@ref`,
//! `./path` or `docker://image`; a reusable workflow that is an image; a
//! `permissions:` value GitHub rejects; two steps of a job with one `id`.

mod expr;
mod facts;
mod scalar;
mod steps;
mod uses;
mod workflow;

#[cfg(test)]
mod tests;

use crate::extract::yaml;
use crate::extract::Deps;
use crate::model::{Dependency, ExtractError, Span};

/// `.github/workflows/*.yml` / `*.yaml`.
pub(super) fn extract_workflow(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    workflow::extract(text)
}

/// `action.yml` / `action.yaml`: a composite action's steps and a Docker
/// action's `docker://` image.
pub(super) fn extract_action(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = yaml::load(text)? else {
        return Ok(Vec::new());
    };
    if !root.is_map() {
        return Err(ExtractError::new(
            "action metadata must be a YAML mapping (name:, runs:)",
            root.span.start,
        ));
    }
    let Some((_, runs)) = root.get("runs", "the action")? else {
        return Ok(Vec::new());
    };
    if !runs.is_map() {
        return Err(ExtractError::new(
            "runs must be a mapping (using: with steps: or image:)",
            runs.span.start,
        ));
    }
    let mut deps = Deps::default();
    if let Some((_, list)) = runs.get("steps", "runs")? {
        steps::steps(text, list, "runs", &mut deps)?;
    }
    if let Some((key, image)) = runs.get("image", "runs")? {
        let written = image.string("runs.image")?;
        // `Dockerfile` (or another path) is built from the action's own files.
        if written.is_some_and(|w| w.value.trim_start().starts_with("docker://")) {
            let entry = Span::new(key.span.start, scalar::end(text, image));
            let parsed = uses::Uses::parse(text, image, "runs.image")?;
            if let Some(dep) = parsed.dependency(text, "runs.image".to_owned(), entry) {
                deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
            }
        }
    }
    Ok(in_file_order(deps))
}

/// The dependencies in the order they are declared.
fn in_file_order(deps: Deps) -> Vec<Dependency> {
    let mut list = deps.finish();
    list.sort_by_key(|d| d.span.start);
    list
}
