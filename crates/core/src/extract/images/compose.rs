//! Compose files: the `image` of each service, and what its `build`
//! brings in: an inline Dockerfile's base images, a remote build context.

use super::{dockerfile, image};
use crate::extract::yaml::{self, Node, NodeKind};
use crate::extract::{Deps, FileKind};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = yaml::load(text)? else {
        return Ok(Vec::new());
    };
    if !root.is_map() {
        return Err(ExtractError::new(
            "a compose file must be a mapping (services: ...)",
            root.span.start,
        ));
    }
    let mut deps = Deps::default();
    if let Some((key, list)) = root.get("include", "the compose file")? {
        includes(key.span, list, &mut deps)?;
    }
    let Some((_, services)) = root.get("services", "the compose file")? else {
        return Ok(deps.finish());
    };
    for (key, service) in services.entries("services")? {
        let name = key.name("services")?;
        let subject = format!("services.{name}");
        if service.is_null() {
            continue;
        }
        if !service.is_map() {
            return Err(ExtractError::new(
                format!("{subject} must be a mapping (image: ..., build: ...)"),
                service.span.start,
            ));
        }
        build(&subject, service, &mut deps)?;
        if let Some((_, extends)) = service.get("extends", &subject)? {
            if extends.is_map() {
                if let Some(file) = service_field(extends, "file", &subject)? {
                    if let Some(path) = file.string(&format!("{subject}.extends.file"))? {
                        local_compose_file(&format!("{subject}.extends.file"), &path)?;
                    }
                }
            }
        }
        let Some((_, node)) = service.get("image", &subject)? else {
            continue;
        };
        let Some(value) = node.string(&format!("{subject}.image"))? else {
            continue;
        };
        if builds_its_image(service, &subject)? {
            continue;
        }
        deps.push(image(subject, key.span, &value), |dep| {
            format!("{} is declared twice", dep.key)
        })?;
    }
    Ok(deps.finish())
}

/// `build: <context>` or `build: {context, dockerfile, dockerfile_inline}`:
/// the base images of an inline Dockerfile are judged as a Dockerfile's
/// are; a Dockerfile under a name iacgate does not read as one is not
/// judged at all, so it is refused; a remote context (a git URL) is code
/// fetched at build time, pinned only by a commit after `#`.
fn build(subject: &str, service: &Node, deps: &mut Deps) -> Result<(), ExtractError> {
    let Some((key, node)) = service.get("build", subject)? else {
        return Ok(());
    };
    let subject = format!("{subject}.build");
    let context = match &node.kind {
        NodeKind::Scalar(_) => Some(node),
        NodeKind::Map(_) => service_field(node, "context", &subject)?,
        _ => None,
    };
    if let Some(context) = context {
        if let Some(value) = context.string(&format!("{subject}.context"))? {
            if let Some(dep) = remote_context(format!("{subject}.context"), key.span, &value) {
                deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
            }
        }
    }
    if !node.is_map() {
        return Ok(());
    }
    if let Some(file) = service_field(node, "dockerfile", &subject)? {
        if let Some(path) = file.string(&format!("{subject}.dockerfile"))? {
            let name = path
                .value
                .trim()
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default();
            let why = if name.contains('$') {
                Some("whose name iacgate cannot resolve statically")
            } else if FileKind::classify(name) != Some(FileKind::Dockerfile) {
                Some("which iacgate does not read as a Dockerfile")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(ExtractError::new(
                    format!(
                        "{subject}.dockerfile names \"{}\", {why}, so its base images would \
                         not be judged; name it Dockerfile, Dockerfile.<x> or <x>.Dockerfile",
                        path.value.trim()
                    ),
                    path.span.start,
                ));
            }
        }
    }
    let Some(inline) = service_field(node, "dockerfile_inline", &subject)? else {
        return Ok(());
    };
    let Some(inline_text) = inline.string(&format!("{subject}.dockerfile_inline"))? else {
        return Ok(());
    };
    let at = inline_text.span;
    let found = dockerfile::extract(&inline_text.value).map_err(|e| {
        ExtractError::new(
            format!("{subject}.dockerfile_inline: {}", e.message),
            at.start,
        )
    })?;
    // The inline text is unescaped and unindented, so its offsets are not
    // this file's: every dependency points at the inline Dockerfile.
    for mut dep in found {
        dep.key = format!("{subject}.dockerfile_inline.{}", dep.key);
        dep.span = at;
        if let Some(source) = dep.source.as_mut() {
            source.span = at;
        }
        if let Some(version) = dep.version.as_mut() {
            version.span = at;
        }
        deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
    }
    Ok(())
}

/// `include:` entries: a path (or a list of them under `path:`) of another
/// compose file, or a remote one (`oci://`, a git URL) that Compose
/// fetches.
fn includes(at: Span, list: &Node, deps: &mut Deps) -> Result<(), ExtractError> {
    for (index, item) in list.items("include")?.iter().enumerate() {
        let subject = format!("include[{index}]");
        let mut paths: Vec<Spanned<String>> = Vec::new();
        match &item.kind {
            NodeKind::Scalar(_) => paths.extend(item.string(&subject)?),
            NodeKind::Map(_) => {
                if let Some(path) = service_field(item, "path", &subject)? {
                    match &path.kind {
                        NodeKind::Seq(_) => {
                            for p in path.items(&format!("{subject}.path"))? {
                                paths.extend(p.string(&format!("{subject}.path"))?);
                            }
                        }
                        _ => paths.extend(path.string(&format!("{subject}.path"))?),
                    }
                }
            }
            _ => {
                return Err(ExtractError::new(
                    format!("{subject} must be a path or a mapping (path: ...)"),
                    item.span.start,
                ))
            }
        }
        for path in paths {
            let key = format!("include.{}", path.value.trim());
            if let Some(dep) = remote_include(key, at, &path) {
                deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
            } else {
                local_compose_file(&subject, &path)?;
            }
        }
    }
    Ok(())
}

/// A remote compose file: `oci://<ref>` is pinned by a digest, a git URL by
/// a commit after `#`.
fn remote_include(key: String, at: Span, value: &Spanned<String>) -> Option<Dependency> {
    let url = value.value.trim();
    if let Some(reference) = url.strip_prefix("oci://") {
        let mut dep = Dependency::new(
            Ecosystem::Container,
            Kind::Image,
            key,
            reference.to_owned(),
            at,
        );
        dep.source = Some(Spanned::new(reference.to_owned(), value.span));
        dep.pin = match reference.split_once("@sha256:") {
            Some((_, digest))
                if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                PinState::Pinned
            }
            _ => PinState::Unpinned(
                "an OCI compose artifact by tag: what it names can be pushed again".to_owned(),
            ),
        };
        return Some(dep);
    }
    remote_context(key, value.span, value).map(|mut dep| {
        if let PinState::Unpinned(why) = &mut dep.pin {
            *why = why.replace("a remote build context", "a remote compose file");
        }
        dep
    })
}

/// A local compose file another one pulls in: judged only if iacgate reads
/// it as a compose file, so any other name is refused.
fn local_compose_file(subject: &str, path: &Spanned<String>) -> Result<(), ExtractError> {
    let name = path
        .value
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let why = if path.value.contains('$') {
        "whose name iacgate cannot resolve statically"
    } else if FileKind::classify(name) != Some(FileKind::Compose) {
        "which iacgate does not read as a compose file"
    } else {
        return Ok(());
    };
    Err(ExtractError::new(
        format!(
            "{subject} names \"{}\", {why}, so its images would not be judged; name it \
             compose.<x>.yaml or docker-compose.<x>.yml",
            path.value.trim()
        ),
        path.span.start,
    ))
}

fn service_field<'n>(
    node: &'n Node,
    field: &str,
    subject: &str,
) -> Result<Option<&'n Node>, ExtractError> {
    Ok(node.get(field, subject)?.map(|(_, value)| value))
}

/// A build context that is a git repository (`https://host/x.git#ref:dir`,
/// `git@host:x.git`, `github.com/x/y`): a dependency, pinned by a commit.
fn remote_context(key: String, span: Span, value: &Spanned<String>) -> Option<Dependency> {
    let url = value.value.trim();
    let lower = url.to_ascii_lowercase();
    let remote = lower.contains("://")
        || lower.starts_with("git@")
        || lower.starts_with("github.com/")
        || lower.starts_with("gitlab.com/");
    if !remote {
        return None;
    }
    let (address, fragment) = url.split_once('#').unwrap_or((url, ""));
    let reference = fragment.split(':').next().unwrap_or_default();
    let mut dep = Dependency::new(
        Ecosystem::Container,
        Kind::Image,
        key,
        address.to_owned(),
        span,
    );
    dep.source = Some(Spanned::new(address.to_owned(), value.span));
    dep.pin = if reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        dep.version = Some(Spanned::new(reference.to_owned(), value.span));
        PinState::Pinned
    } else if reference.is_empty() {
        PinState::Unpinned("a remote build context at the default branch".to_owned())
    } else {
        dep.version = Some(Spanned::new(reference.to_owned(), value.span));
        PinState::Unpinned(format!(
            "a remote build context at \"{reference}\", not a commit"
        ))
    };
    Some(dep)
}

/// A service with `build` and `pull_policy: build` never pulls: its
/// `image` is the name of what it builds. Without that policy Compose
/// pulls the image first and builds only when it is missing, so the
/// image is a dependency.
fn builds_its_image(service: &Node, subject: &str) -> Result<bool, ExtractError> {
    if service.get("build", subject)?.is_none() {
        return Ok(false);
    }
    let policy = match service.get("pull_policy", subject)? {
        Some((_, node)) => node.string(&format!("{subject}.pull_policy"))?,
        None => None,
    };
    Ok(policy.is_some_and(|p| p.value == "build"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{line_col, Ecosystem, Kind, PinState, Span};

    const COMPOSE: &str = include_str!("../../../../../tests/fixtures/images/compose.yaml");

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn err_line(text: &str) -> (String, usize) {
        let e = extract(text).expect_err("should be rejected");
        (e.message, line_col(text, e.offset).0)
    }

    #[test]
    fn fixture() {
        let deps = extract(COMPOSE).unwrap();
        let keys: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "services.db",
                "services.cache",
                "services.proxy",
                "services.worker"
            ]
        );
        let db = &deps[0];
        assert_eq!((db.ecosystem, db.kind), (Ecosystem::Container, Kind::Image));
        assert_eq!(db.name, "postgres");
        assert_eq!(db.source_str(), Some("docker.io/library/postgres"));
        assert_eq!(db.version_str(), Some("16.3"));
        assert!(matches!(db.pin, PinState::Tagged(_)));
        assert_eq!(at(COMPOSE, db.span), "db");
        assert_eq!(
            at(COMPOSE, db.source.as_ref().unwrap().span),
            "postgres:16.3"
        );
        assert_eq!(line_col(COMPOSE, db.span.start).0, 4);

        let cache = &deps[1];
        assert_eq!(cache.pin, PinState::Pinned);
        assert_eq!(cache.comment.as_deref(), Some("7.2"));
        assert_eq!(cache.source_str(), Some("docker.io/library/redis"));

        let proxy = &deps[2];
        assert_eq!(proxy.source_str(), Some("${PROXY_IMAGE:-nginx:1.27}"));
        assert!(
            matches!(&proxy.pin, PinState::Unpinned(why) if why.contains("cannot be resolved statically"))
        );
        assert_eq!(proxy.version, None);

        // build + image without `pull_policy: build`: Compose pulls it first.
        assert_eq!(deps[3].source_str(), Some("ghcr.io/example/worker"));
    }

    #[test]
    fn services_without_an_image_or_that_build_it_are_skipped() {
        let text = "services:\n  app:\n    build: .\n  api:\n    build: ./api\n    image: example/api:dev\n    pull_policy: build\n  empty:\n  other:\n    image:\n";
        assert_eq!(extract(text).unwrap(), []);
        assert_eq!(extract("").unwrap(), []);
        assert_eq!(extract("name: x\nvolumes: {}\n").unwrap(), []);
    }

    #[test]
    fn keys_survive_reordering_and_merge_keys() {
        let a = "x-base: &base\n  image: nginx:1.27\nservices:\n  web:\n    <<: *base\n  db:\n    image: postgres\n";
        let b = "services:\n  db:\n    image: postgres\n  web:\n    image: nginx:1.27\n";
        let mut ka: Vec<_> = extract(a)
            .unwrap()
            .into_iter()
            .map(|d| (d.key, d.source.unwrap().value, d.version.map(|v| v.value)))
            .collect();
        let mut kb: Vec<_> = extract(b)
            .unwrap()
            .into_iter()
            .map(|d| (d.key, d.source.unwrap().value, d.version.map(|v| v.value)))
            .collect();
        ka.sort();
        kb.sort();
        assert_eq!(ka, kb);
    }

    #[test]
    fn wrong_shapes_fail_closed() {
        let (msg, line) = err_line("- services\n");
        assert!(msg.contains("must be a mapping"), "{msg}");
        assert_eq!(line, 1);
        let (msg, line) = err_line("version: '3'\nservices:\n  - web\n");
        assert!(msg.contains("services must be a mapping"), "{msg}");
        assert_eq!(line, 3);
        let (msg, line) = err_line("services:\n  web: nginx\n");
        assert!(msg.contains("services.web must be a mapping"), "{msg}");
        assert_eq!(line, 2);
        let (msg, line) = err_line("services:\n  web:\n    image:\n      name: nginx\n");
        assert!(msg.contains("services.web.image must be a string"), "{msg}");
        assert_eq!(line, 4);
        let (msg, line) = err_line("services:\n  web:\n    image: [nginx\n");
        assert!(msg.contains("YAML"), "{msg}");
        assert!(line >= 3);
        let (_, line) = err_line("services:\n  web:\n    image: a\n  web:\n    image: b\n");
        assert_eq!(line, 4);
    }

    mod props {
        use super::super::extract;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn never_panics(text in "[a-z:\\-\\n ${}@\"'\\[\\]&*<]{0,160}") {
                for text in [text.clone(), format!("services:\n  web:\n    image: {text}\n"), format!("services:\n{text}")] {
                    match extract(&text) {
                        Ok(deps) => for d in deps {
                            prop_assert!(d.span.end <= text.len());
                            prop_assert!(d.source.unwrap().span.end <= text.len());
                        },
                        Err(e) => prop_assert!(e.offset <= text.len()),
                    }
                }
            }

            #[test]
            fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                let text = String::from_utf8_lossy(&bytes);
                if let Err(e) = extract(&text) {
                    prop_assert!(e.offset <= text.len());
                }
            }
        }
    }
}
