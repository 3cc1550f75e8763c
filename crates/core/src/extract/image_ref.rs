//! Container image references (`nginx:1.27`, `ghcr.io/org/app@sha256:...`),
//! shared by every format that names images: Dockerfiles, compose files,
//! Kubernetes manifests, workflows (`docker://`), GitLab CI, Kustomize.
//!
//! | Written | Source (identity of the repository) | Version | Pin |
//! |---|---|---|---|
//! | `nginx` | `docker.io/library/nginx` | none | unpinned: no tag |
//! | `nginx:latest` | `docker.io/library/nginx` | `latest` | unpinned: `latest` moves |
//! | `nginx:1.27` | `docker.io/library/nginx` | `1.27` | tagged (pinned under `images = "tag"`) |
//! | `ghcr.io/org/app@sha256:<64 hex>` | `ghcr.io/org/app` | the digest | pinned |
//! | `ghcr.io/org/app:1.2@sha256:<64 hex>` | `ghcr.io/org/app` | the digest (the tag is the comment) | pinned |
//! | `${REGISTRY}/app:1.2`, `{{ .Values.image }}` | as written | none | unpinned: cannot be resolved statically |

use crate::model::{Dependency, Ecosystem, Kind, PinState, Span, Spanned};

/// An image reference split into its parts (all as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::extract) struct ImageRef {
    /// The repository with its registry, normalised as Docker does:
    /// `nginx` -> `docker.io/library/nginx`, `org/app` -> `docker.io/org/app`.
    pub repository: String,
    /// The repository as written (no tag, no digest).
    pub written: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Whether `value` is built from a variable or template that only the
/// tool running it can fill in.
pub(in crate::extract) fn is_templated(value: &str) -> bool {
    value.contains('$') || value.contains("{{") || value.contains("}}")
}

/// Splits a reference; `Err` with why for something that is no reference.
pub(in crate::extract) fn parse(reference: &str) -> Result<ImageRef, String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err("an empty image reference".to_owned());
    }
    if reference
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("\"{reference}\" is not an image reference"));
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest.to_owned())),
        None => (reference, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (written, tag) = match rest[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (&rest[..at], Some(rest[at + 1..].to_owned()))
        }
        None => (rest, None),
    };
    if written.is_empty() || written.ends_with('/') || tag.as_deref() == Some("") {
        return Err(format!("\"{reference}\" is not an image reference"));
    }
    let mut parts = written.splitn(2, '/');
    let first = parts.next().unwrap_or_default();
    let repository = match parts.next() {
        Some(_) if first.contains(['.', ':']) || first == "localhost" => written.to_owned(),
        Some(_) => format!("docker.io/{written}"),
        None => format!("docker.io/library/{written}"),
    };
    // `docker.io/nginx` and `index.docker.io/nginx` are `nginx` too.
    let repository = match repository
        .strip_prefix("index.docker.io/")
        .or_else(|| repository.strip_prefix("docker.io/"))
    {
        Some(rest) if !rest.contains('/') => format!("docker.io/library/{rest}"),
        Some(rest) => format!("docker.io/{rest}"),
        None => repository,
    };
    Ok(ImageRef {
        repository: repository.to_ascii_lowercase(),
        written: written.to_owned(),
        tag,
        digest,
    })
}

/// Whether `digest` names content: `sha256:` and 64 hex digits (or
/// `sha512:` and 128).
pub(in crate::extract) fn is_digest(digest: &str) -> bool {
    // OCI digests are lower-case hex.
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match digest.split_once(':') {
        Some(("sha256", h)) => hex(h, 64),
        Some(("sha512", h)) => hex(h, 128),
        _ => false,
    }
}

/// A dependency on the image `value` (spanned as written), identified by
/// `key` in its file. `span` is the declaration (a key, an instruction).
pub(in crate::extract) fn dependency(
    ecosystem: Ecosystem,
    key: String,
    span: Span,
    value: &Spanned<String>,
) -> Dependency {
    let written = value.value.trim();
    let mut dep = Dependency::new(ecosystem, Kind::Image, key, written.to_owned(), span);
    if is_templated(written) {
        dep.source = Some(value.clone());
        dep.pin = PinState::Unpinned(format!(
            "the image `{written}` is built from a variable, which cannot be resolved statically"
        ));
        return dep;
    }
    let parsed = match parse(written) {
        Ok(parsed) => parsed,
        Err(why) => {
            dep.source = Some(value.clone());
            dep.pin = PinState::Unpinned(why);
            return dep;
        }
    };
    dep.name = parsed.written.clone();
    dep.source = Some(Spanned::new(parsed.repository.clone(), value.span));
    dep.pin = match (&parsed.digest, &parsed.tag) {
        (Some(digest), _) if is_digest(digest) => PinState::Pinned,
        (Some(digest), _) => PinState::Unpinned(format!("\"{digest}\" is not a sha256 digest")),
        (None, None) => PinState::Unpinned(
            "no tag or digest: it is whatever `latest` is when pulled".to_owned(),
        ),
        (None, Some(tag)) if tag == "latest" => {
            PinState::Unpinned("tag \"latest\" moves with every release".to_owned())
        }
        (None, Some(tag)) => PinState::Tagged(format!(
            "tag \"{tag}\" can be moved; pin the digest: `@sha256:...`"
        )),
    };
    dep.version = parsed
        .digest
        .clone()
        .or(parsed.tag.clone())
        .map(|v| Spanned::new(v, value.span));
    if parsed.digest.is_some() {
        dep.comment = parsed.tag;
    }
    dep
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn dep(reference: &str) -> Dependency {
        let value = Spanned::new(reference.to_owned(), Span::new(0, reference.len()));
        dependency(Ecosystem::Container, "k".into(), Span::default(), &value)
    }

    #[test]
    fn references() {
        let p = parse("nginx").unwrap();
        assert_eq!(p.repository, "docker.io/library/nginx");
        assert_eq!((p.tag, p.digest), (None, None));
        let p = parse("org/app:1.2").unwrap();
        assert_eq!(p.repository, "docker.io/org/app");
        assert_eq!(p.tag.as_deref(), Some("1.2"));
        let p = parse("localhost:5000/app:1.2").unwrap();
        assert_eq!(p.repository, "localhost:5000/app");
        assert_eq!(p.tag.as_deref(), Some("1.2"));
        let p = parse(&format!("ghcr.io/Org/app:1.2@{DIGEST}")).unwrap();
        assert_eq!(p.repository, "ghcr.io/org/app");
        assert_eq!(p.written, "ghcr.io/Org/app");
        assert_eq!(p.digest.as_deref(), Some(DIGEST));
        for same in [
            "docker.io/nginx",
            "index.docker.io/nginx",
            "docker.io/library/nginx",
        ] {
            assert_eq!(
                parse(same).unwrap().repository,
                "docker.io/library/nginx",
                "{same}"
            );
        }
        assert!(parse("app:").is_err());
        assert!(parse("a b").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn pins() {
        assert_eq!(dep(&format!("nginx@{DIGEST}")).pin, PinState::Pinned);
        let d = dep(&format!("nginx:1.27@{DIGEST}"));
        assert_eq!(
            (d.version_str(), d.comment.as_deref()),
            (Some(DIGEST), Some("1.27"))
        );
        assert!(matches!(dep("nginx:1.27").pin, PinState::Tagged(_)));
        assert!(matches!(dep("nginx:latest").pin, PinState::Unpinned(_)));
        assert!(matches!(dep("nginx").pin, PinState::Unpinned(_)));
        assert!(matches!(dep("nginx@sha256:abc").pin, PinState::Unpinned(_)));
        let d = dep("${REGISTRY}/app:1.2");
        assert!(matches!(d.pin, PinState::Unpinned(ref why) if why.contains("variable")));
        assert_eq!(d.source_str(), Some("${REGISTRY}/app:1.2"));
        assert_eq!(
            dep("nginx:1.27").source_str(),
            Some("docker.io/library/nginx")
        );
    }
}
