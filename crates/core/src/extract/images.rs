//! Container images: Dockerfiles, compose files and Kubernetes manifests.
//!
//! Every dependency is an [`Ecosystem::Container`] image built by
//! [`image_ref::dependency`]: its source is the image repository
//! (`nginx` -> `docker.io/library/nginx`), its version the digest or tag,
//! and it is pinned by a `sha256` digest, tagged by a tag, unpinned by
//! `latest`, no tag, or a value that cannot be resolved statically. The
//! declaration span is the instruction (Dockerfile), the service key
//! (compose) or the container (manifest); source and version spans are the
//! image as written.
//!
//! | Construct | Key | Skipped |
//! |---|---|---|
//! | Dockerfile `FROM [--platform=..] <image> [AS <name>]` | `stage.<name>`; an unnamed stage `stage#<n>`, n its 0-based index among all stages (as in `--from=<n>`) | `scratch`, an earlier stage's name |
//! | Dockerfile `COPY --from=<image>` | `<stage key>.copy-from.<repository>` | a stage name (any stage), a stage index |
//! | Dockerfile `RUN --mount=...,from=<image>` | `<stage key>.mount-from.<repository>` | as `COPY --from` |
//! | Dockerfile `# syntax=<image>` parser directive (the BuildKit frontend) | `syntax` | |
//! | Dockerfile `ADD <git URL or http(s) URL> <dest>` (a module: pinned by a full commit, or by `--checksum=sha256:`) | `<stage key>.add.<URL without fragment and query>` | a local source, a heredoc |
//! | compose `services.<name>.image` | `services.<name>` | a service without `image`, or with `build` and `pull_policy: build` |
//! | manifest `containers[]`, `initContainers[]`, `ephemeralContainers[]` of a pod spec | `<kind>/<namespace>/<name>:<section>.<container>` | an image written with `{{ }}` |
//! | manifest `volumes[].image.reference` of a pod spec | `<kind>/<namespace>/<name>:volumes.<volume>` | as above |
//! | Tekton `steps`, `sidecars`, `stepTemplate`, Argo Workflows `templates[]` images (see `workflows`) | `<kind>/<namespace>/<name>:<path>` | as above |
//!
//! Dockerfiles are read the way BuildKit reads them: parser directives
//! (`# escape=`, `# syntax=`), line continuations (`\`, or the escape
//! character), comment and empty lines inside continuations, heredoc bodies
//! (`RUN <<EOF`) skipped, instructions in any case. A `FROM` image is
//! expanded with the global `ARG`s (those before the first `FROM`) that
//! have a default, and the `--from` of `COPY` and `RUN --mount` with the
//! stage's `ARG`s; anything else (`ARG` without a default, build-time
//! built-ins such as `$TARGETARCH`, `ENV`) is left unresolved and the image
//! is reported as written, unpinned. A `--build-arg` overriding a default
//! at build time is outside the file: the default is what is checked.
//!
//! Kubernetes manifests are recognised by their content: this extractor
//! sees every YAML and JSON file that is nothing else, and a document is a
//! manifest when its top level has `apiVersion` and `kind` strings. Pod
//! specs are read at `spec` (`Pod`), `template.spec` (`PodTemplate`),
//! `spec.template.spec` (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, and custom resources that follow that
//! shape) and `spec.jobTemplate.spec.template.spec` (CronJob); `kind: List`
//! (and `*List`) items are read one by one.
//!
//! With the tree at hand, a compose file's `image:` variables that the
//! `.env` beside it sets are resolved, and `build.args` that replace a
//! global `ARG` of the built Dockerfile are judged as the image that
//! Dockerfile is then built from (`services.<name>.build.<key>`).
//!
//! Deliberately not resolved: other compose variables (`${TAG:-1.2}` is
//! reported as written, unpinned; the default is not taken as the value), compose
//! `extends`, `include` and remote `build` contexts; Dockerfile `ONBUILD`
//! triggers and named build contexts (`--build-context`
//! can replace any image or `--from` at build time; the file's value is
//! what is checked); Helm templates (a file that does not parse as
//! YAML yields nothing unless it clearly is a plain manifest, and an image
//! written with `{{ }}` is the chart's, not this file's).
//!
//! Failing closed: a Dockerfile `FROM` without an image, with extra words
//! or an invalid stage name, a repeated stage name, an invalid or repeated
//! parser directive, an unterminated heredoc; a compose file whose root,
//! `services` or a service is not a mapping or whose `image` is not a
//! string; a manifest that does not parse when it clearly is one (top-level
//! `apiVersion:` and `kind:` lines, no `{{`), and in a built-in workload a
//! pod spec of the wrong shape or a container without a name or with an
//! `image` that is not a string. Each is an error at the offending byte.

mod compose;
mod dockerfile;
mod manifests;
mod shell;
mod workflows;

use super::image_ref;
use crate::model::{Dependency, Ecosystem, ExtractError, Span, Spanned};

/// `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.Dockerfile`, at
/// `path` of a tree when known: a `FROM` or `--from` that names a
/// build context which a compose file beside it gives the build
/// (`build.additional_contexts`) is that context, judged in the compose
/// file, not a Docker Hub image of that name.
pub(super) fn extract_dockerfile_in(
    text: &str,
    at: Option<(&str, &crate::extract::TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    let deps = dockerfile::extract(text)?;
    let Some((path, tree)) = at else {
        return Ok(deps);
    };
    let dir = crate::extract::dir_of(path);
    let mut names: Vec<String> = Vec::new();
    let compose = crate::units::PRECEDENCE.iter().filter(|group| {
        matches!(
            group.consumer,
            crate::units::Consumer::Compose | crate::units::Consumer::ComposeOverride
        )
    });
    for group in compose {
        for file in group.names() {
            let compose = if dir.is_empty() {
                (*file).to_owned()
            } else {
                format!("{dir}/{file}")
            };
            if let Some(bytes) = tree.bytes(&compose) {
                names.extend(compose::named_contexts(
                    &String::from_utf8_lossy(&bytes),
                    dir,
                    path,
                ));
            }
        }
    }
    if names.is_empty() {
        return Ok(deps);
    }
    Ok(deps
        .into_iter()
        .filter(|dep| {
            let written = dep
                .source
                .as_ref()
                .and_then(|s| text.get(s.span.start..s.span.end));
            !written.is_some_and(|w| names.iter().any(|n| n == w))
        })
        .collect())
}

/// `compose.yaml`, `docker-compose.yml`, `compose.*.yaml`, ...
pub(super) fn extract_compose(
    text: &str,
    at: Option<(&str, &crate::extract::TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    compose::extract(text, at)
}

/// A compose `.env`: the files its `COMPOSE_FILE` makes Compose load.
pub(super) fn extract_compose_env(
    text: &str,
    path: Option<&str>,
) -> Result<Vec<Dependency>, ExtractError> {
    Ok(compose::extract_env(text, path))
}

/// Any other YAML or JSON file: the images of the Kubernetes manifests in
/// it, nothing for anything else.
pub(super) fn extract_manifests(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    manifests::extract(text)
}

/// The image `value` (resolved, spanned as written), declared at `span`.
fn image(key: String, span: Span, value: &Spanned<String>) -> Dependency {
    image_ref::dependency(Ecosystem::Container, key, span, value)
}

#[cfg(test)]
mod tests {
    use crate::extract::{extract, FileKind};
    use crate::model::{Ecosystem, PinState};

    #[test]
    fn dispatch_by_file_kind() {
        let cases: &[(FileKind, &[u8], &str)] = &[
            (FileKind::Dockerfile, b"FROM nginx:1.27\n", "stage#0"),
            (
                FileKind::Compose,
                b"services:\n  web:\n    image: nginx:1.27\n",
                "services.web",
            ),
            (
                FileKind::CloudFormation,
                b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx:1.27}]\n",
                "Pod//p:containers.a",
            ),
        ];
        for (kind, bytes, key) in cases {
            let deps = extract(*kind, bytes).unwrap();
            assert_eq!(deps.len(), 1, "{kind:?}");
            assert_eq!(deps[0].key, *key);
            assert_eq!(deps[0].ecosystem, Ecosystem::Container);
            assert!(matches!(deps[0].pin, PinState::Tagged(_)));
        }
    }

    #[test]
    fn bom_keeps_spans_in_the_original_bytes() {
        for (kind, text) in [
            (FileKind::Dockerfile, "FROM \\\r\n  nginx:1.27\r\n"),
            (FileKind::Compose, "services:\r\n  web:\r\n    image: nginx:1.27\r\n"),
            (
                FileKind::CloudFormation,
                "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n    - name: a\r\n      image: nginx:1.27\r\n",
            ),
        ] {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend_from_slice(text.as_bytes());
            let deps = extract(kind, &bytes).unwrap();
            let source = deps[0].source.as_ref().unwrap();
            assert_eq!(&bytes[source.span.start..source.span.end], b"nginx:1.27");
        }
    }

    /// Deeply nested input must come back as a value, never a stack overflow.
    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 10_000;
        let inputs = [
            (
                FileKind::Dockerfile,
                format!("FROM {}x{}\n", "${A:-".repeat(depth), "}".repeat(depth)),
            ),
            (
                FileKind::Dockerfile,
                format!("ARG A={}\nFROM $A\n", "\"${A:-".repeat(depth)),
            ),
            (
                FileKind::Compose,
                format!("services:\n  web:\n    image: {}", "[".repeat(depth)),
            ),
            (
                FileKind::CloudFormation,
                format!("apiVersion: v1\nkind: List\nitems:\n{}", "- ".repeat(depth)),
            ),
            (
                FileKind::CloudFormation,
                "apiVersion: v1\nkind: List\nitems:\n".to_owned()
                    + &(0..60)
                        .map(|i| {
                            let pad = "  ".repeat(2 * i);
                            format!("{pad}- apiVersion: v1\n{pad}  kind: List\n{pad}  items:\n")
                        })
                        .collect::<String>(),
            ),
        ];
        for (kind, input) in inputs {
            let _ = extract(kind, input.as_bytes());
        }
    }
}
