//! Helm: the `dependencies` of a chart's `Chart.yaml`, and its `Chart.lock`.
//!
//! | Construct | Kind | Key | Source | Version | Pinned when |
//! |---|---|---|---|---|---|
//! | `Chart.yaml` `dependencies[]` `{name, version, repository, alias}` | chart | `dependencies.<alias or name>` | `<repository>/<name>` | `version` | one exact version |
//! | `Chart.lock` `dependencies[]` `{name, repository, version}` | chart | `lock.<name>` (`lock.<name>@<repository>` when a name is locked twice) | `<repository>/<name>` | `version` | one exact version |
//!
//! The source is the repository, normalised, then `/` and the chart name:
//! `https://Charts.Bitnami.com/bitnami/` and `redis` give
//! `https://charts.bitnami.com/bitnami/redis` (scheme and host lowercased,
//! trailing `/` removed), `oci://registry-1.docker.io/bitnamicharts` and
//! `postgresql` give `oci://registry-1.docker.io/bitnamicharts/postgresql`
//! (the chart's OCI reference), and a repository added with `helm repo
//! add` and named as `@bitnami` or `alias:bitnami` is kept as written
//! (`@bitnami/redis`). The span of a dependency is its alias when it has one
//! (the alias is its identity), else its name; the source span is the
//! `repository` value, the version span the `version` value.
//!
//! A version is pinned when it names one release, as Helm's constraint
//! syntax (Masterminds semver) reads it: `1.2.3`, `v1.2.3`, `=1.2.3`, with
//! an optional prerelease or build. Ranges are not: `^1.2`, `~1.2.3`,
//! `1.x`, `8.4.*`, `>=1 <2`, `*`, and also `1.2`, which Helm reads as
//! `1.2.x`. No version takes the newest release. An exact version is
//! pinned like a Terraform registry module's: a repository could
//! republish it, which `Chart.lock`'s digest and `helm dependency build`
//! would notice.
//!
//! Skipped, as not third-party: `repository: file://...` (a chart in the same
//! repository) and an entry without a repository, or with an empty one (a
//! subchart under `charts/`). A `file://` path of `Chart.yaml` that may
//! leave the repository (absolute, or with `..`) is reported as a chart
//! with `local_path` set, placed by [`crate::local::place`]: kept,
//! unpinned, only where it does leave.
//!
//! Deliberately not resolved: a `repository` or `version` written as a
//! template or variable (`{{ .Values.repo }}`, `$REPO`; Helm does not
//! expand either in `Chart.yaml`) is unpinned, as it cannot be resolved
//! statically. `helm repo add` names (`@bitnami`) are not looked up. The
//! top-level `digest` of `Chart.lock` is not a dependency: it covers the
//! whole dependency list and so changes with any of them. `apiVersion: v1`
//! charts' `requirements.yaml` is not read.
//!
//! A file that is not a mapping, a `dependencies` that is not a list, an
//! entry that is not a mapping or has no name, a field that is not a
//! string, and (in `Chart.yaml`) two dependencies with one name or alias,
//! which Helm rejects, are errors at the offending value.

use std::collections::{HashMap, HashSet};

mod archive;
mod templates;
mod values;

pub(super) use archive::extract as extract_archive;
pub(super) use archive::unpacked as unpacked_subchart;
pub(crate) use archive::UNPACKED;
pub(super) use templates::extract as extract_template;
pub(super) use values::extract as extract_values;

use crate::extract::image_ref::is_templated;
use crate::extract::yaml::{self as tree, Node};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};
use crate::version::Version;

pub(super) fn extract_chart(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = root(text, "a Chart.yaml")? else {
        return Ok(Vec::new());
    };
    let Some((_, list)) = root.get("dependencies", "the file")? else {
        return Ok(Vec::new());
    };
    let mut deps = Vec::new();
    let mut identities = HashSet::new();
    for item in list.items("dependencies")? {
        let entry = Entry::read(item)?;
        let identity = entry.alias.as_ref().unwrap_or(&entry.name);
        // Helm rejects a repeat among local subcharts too.
        if !identities.insert(identity.value.clone()) {
            return Err(ExtractError::new(
                format!(
                    "more than one dependency with name or alias \"{}\" (give one an alias)",
                    identity.value
                ),
                identity.span.start,
            ));
        }
        let key = format!("dependencies.{}", identity.value);
        match chart(Ecosystem::Helm, key.clone(), identity.span, &entry) {
            Some(dep) => deps.push(dep),
            None => deps.extend(local_chart(key, identity.span, &entry)),
        }
    }
    Ok(deps)
}

/// A `Chart.yaml`'s `appVersion`, if it has one as a string.
pub(super) fn app_version(text: &str) -> Option<String> {
    let root = tree::load(text).ok()??;
    if !root.is_map() {
        return None;
    }
    let (_, node) = root.get("appVersion", "the file").ok()??;
    node.string("appVersion")
        .ok()?
        .map(|v| v.value)
        .filter(|v| !v.trim().is_empty())
}

pub(super) fn extract_lock(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = root(text, "a Chart.lock")? else {
        return Ok(Vec::new());
    };
    let Some((_, list)) = root.get("dependencies", "the file")? else {
        return Ok(Vec::new());
    };
    let mut locked = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for item in list.items("dependencies")? {
        let entry = Entry::read(item)?;
        let Some(dep) = chart(Ecosystem::Helm, String::new(), entry.name.span, &entry) else {
            continue;
        };
        *names.entry(dep.name.clone()).or_default() += 1;
        let repository = entry.repository.as_ref().map_or("", |r| r.value.as_str());
        locked.push((dep, normalise_repository(repository)));
    }
    // A name locked twice (from two repositories, or under two aliases) is
    // told apart by its repository, then by its order.
    let mut repeats = Repeats::default();
    let deps = locked.into_iter().map(|(mut dep, repository)| {
        let key = match names.get(&dep.name) {
            Some(&n) if n > 1 => format!("lock.{}@{repository}", dep.name),
            _ => format!("lock.{}", dep.name),
        };
        dep.key = repeats.unique(key);
        dep
    });
    Ok(deps.collect())
}

/// Keys made unique in file order: the second `k` is `k#2`, the third `k#3`.
#[derive(Default)]
pub(super) struct Repeats(HashMap<String, usize>);

impl Repeats {
    pub fn unique(&mut self, key: String) -> String {
        let count = self.0.entry(key.clone()).or_insert(0);
        *count += 1;
        match *count {
            1 => key,
            n => format!("{key}#{n}"),
        }
    }
}

/// The file's root mapping, `None` for a file with no document; `what`
/// names the file for errors.
fn root(text: &str, what: &str) -> Result<Option<Node>, ExtractError> {
    let Some(root) = tree::load(text)? else {
        return Ok(None);
    };
    if !root.is_map() {
        return Err(ExtractError::new(
            format!("{what} must be a YAML mapping (apiVersion: ..., dependencies: ...)"),
            root.span.start,
        ));
    }
    Ok(Some(root))
}

/// One `dependencies` entry, as written.
pub(super) struct Entry {
    pub name: Spanned<String>,
    pub alias: Option<Spanned<String>>,
    pub repository: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
}

impl Entry {
    fn read(item: &Node) -> Result<Entry, ExtractError> {
        if !item.is_map() {
            return Err(ExtractError::new(
                format!(
                    "each dependencies entry must be a mapping {{name, version, repository}}, \
                     not {}",
                    describe(item)
                ),
                item.span.start,
            ));
        }
        let name = required_name(item, "dependencies", "name")?;
        let subject = format!("dependencies.{}", name.value);
        Ok(Entry {
            alias: field(item, "alias", &subject)?,
            repository: field(item, "repository", &subject)?,
            version: field(item, "version", &subject)?,
            name,
        })
    }
}

/// What a node is, for a message.
pub(super) fn describe(node: &Node) -> &'static str {
    match node.kind {
        tree::NodeKind::Null => "null",
        tree::NodeKind::Seq(_) => "a list",
        tree::NodeKind::Map(_) => "a mapping",
        tree::NodeKind::Scalar(_) | tree::NodeKind::Bad => "a single value",
    }
}

/// `key` of a mapping as a string, if present and not null.
pub(super) fn field(
    item: &Node,
    key: &str,
    subject: &str,
) -> Result<Option<Spanned<String>>, ExtractError> {
    match item.get(key, subject)? {
        Some((_, node)) => node.string(&format!("{subject}: {key}")),
        None => Ok(None),
    }
}

/// `key` of a mapping as a non-empty string; an error at the mapping when
/// it is missing.
pub(super) fn required_name(
    item: &Node,
    section: &str,
    key: &str,
) -> Result<Spanned<String>, ExtractError> {
    match field(item, key, section)? {
        Some(name) if !name.value.trim().is_empty() => Ok(name),
        Some(name) => Err(ExtractError::new(
            format!("a {section} entry with an empty {key}"),
            name.span.start,
        )),
        None => Err(ExtractError::new(
            format!("a {section} entry without a {key}"),
            item.span.start,
        )),
    }
}

/// The chart dependency an entry declares, `None` for a local chart.
pub(super) fn chart(
    ecosystem: Ecosystem,
    key: String,
    span: Span,
    entry: &Entry,
) -> Option<Dependency> {
    let repository = entry.repository.as_ref()?;
    let written = repository.value.trim();
    if written.is_empty() || is_file_url(written) {
        return None;
    }
    let name = &entry.name.value;
    let mut dep = Dependency::new(ecosystem, Kind::Chart, key, name.clone(), span);
    dep.pin = if is_templated(written) {
        PinState::Unpinned(format!(
            "repository `{written}` is built from a template or variable, which cannot be \
             resolved statically"
        ))
    } else {
        version_pin(entry.version.as_ref().map(|v| v.value.as_str()))
    };
    dep.source = Some(Spanned::new(
        format!("{}/{name}", normalise_repository(written)),
        repository.span,
    ));
    dep.version = entry.version.clone();
    Some(dep)
}

/// A chart from a `file://` repository that may leave the repository
/// (placed once the file's path is known: [`crate::local::place`]).
fn local_chart(key: String, span: Span, entry: &Entry) -> Option<Dependency> {
    let repository = entry.repository.as_ref()?;
    let written = repository.value.trim();
    if !is_file_url(written) || !crate::local::may_leave(written) {
        return None;
    }
    let mut dep = Dependency::new(
        Ecosystem::Helm,
        Kind::Chart,
        key,
        entry.name.value.clone(),
        span,
    );
    dep.source = Some(Spanned::new(written.to_owned(), repository.span));
    dep.local_path = true;
    Some(dep)
}

fn is_file_url(repository: &str) -> bool {
    repository
        .get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file://"))
}

/// A chart repository as one place is written: scheme and host lowercased,
/// no trailing `/`; a `helm repo add` name (`@x`, `alias:x`) as written.
pub(super) fn normalise_repository(repository: &str) -> String {
    let repository = repository.trim().trim_end_matches('/');
    let Some((scheme, rest)) = repository.split_once("://") else {
        return repository.to_owned();
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    // Credentials in the URL (`https://user:token@host`) are no part of
    // where the chart comes from, and must not reach reports and CI logs.
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// Pinned when `version` names one release (see the module doc).
pub(super) fn version_pin(version: Option<&str>) -> PinState {
    let version = version.map(str::trim).unwrap_or_default();
    if version.is_empty() {
        PinState::Unpinned("no version: takes the newest release".to_owned())
    } else if is_templated(version) {
        PinState::Unpinned(format!(
            "version `{version}` is built from a template or variable, which cannot be resolved \
             statically"
        ))
    } else if is_exact(version) {
        PinState::Pinned
    } else if version.contains(['^', '~', '*', 'x', 'X', '<', '>', '|', ',', ' ', '!'])
        || Version::parse(version.trim_start_matches('=').trim()).is_ok()
    {
        PinState::Unpinned(format!("version {version:?} is a range"))
    } else {
        PinState::Unpinned(format!("version {version:?} is not one exact version"))
    }
}

/// One exact version: `1.2.3`, `v1.2.3`, `=1.2.3`, `= v1.2.3-rc.1+build`.
fn is_exact(version: &str) -> bool {
    let bare = version
        .strip_prefix('=')
        .map_or(version, str::trim_start)
        .trim();
    Version::parse(bare).is_ok_and(|v| v.parts == 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::line_col;

    const CHART: &str = include_str!("../../../../tests/fixtures/helm/Chart.yaml");
    const LOCK: &str = include_str!("../../../../tests/fixtures/helm/Chart.lock");

    type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, PinState);

    fn rows(deps: &[Dependency]) -> Vec<Row<'_>> {
        deps.iter()
            .map(|d| {
                assert_eq!((d.ecosystem, d.kind), (Ecosystem::Helm, Kind::Chart));
                (
                    d.key.as_str(),
                    d.name.as_str(),
                    d.source_str(),
                    d.version_str(),
                    d.pin.clone(),
                )
            })
            .collect()
    }

    fn unpinned(why: &str) -> PinState {
        PinState::Unpinned(why.to_owned())
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn chart_yaml() {
        let deps =
            crate::local::place(Some("charts/app/Chart.yaml"), extract_chart(CHART).unwrap());
        assert_eq!(
            rows(&deps),
            vec![
                (
                    "dependencies.postgresql",
                    "postgresql",
                    Some("oci://registry-1.docker.io/bitnamicharts/postgresql"),
                    Some("15.5.38"),
                    PinState::Pinned
                ),
                (
                    "dependencies.redis",
                    "redis",
                    Some("https://charts.bitnami.com/bitnami/redis"),
                    Some("^19.6.0"),
                    unpinned("version \"^19.6.0\" is a range")
                ),
                (
                    "dependencies.cache",
                    "redis",
                    Some("@bitnami/redis"),
                    Some("=19.6.4"),
                    PinState::Pinned
                ),
                (
                    "dependencies.ingress-nginx",
                    "ingress-nginx",
                    Some("https://kubernetes.github.io/ingress-nginx/ingress-nginx"),
                    Some("4.11.x"),
                    unpinned("version \"4.11.x\" is a range")
                ),
            ]
        );
        // Spans: the name (or alias), the repository and version as written.
        let redis = &deps[1];
        assert_eq!(at(CHART, redis.span), "redis");
        assert_eq!(line_col(CHART, redis.span.start), (12, 11));
        let source = redis.source.as_ref().unwrap();
        assert_eq!(
            at(CHART, source.span),
            "https://Charts.Bitnami.com/bitnami/"
        );
        let version = redis.version.as_ref().unwrap();
        assert_eq!(at(CHART, version.span), "^19.6.0");
        assert_eq!(line_col(CHART, version.span.start).0, 13);
        let cache = &deps[2];
        assert_eq!(at(CHART, cache.span), "cache");
        assert_eq!(line_col(CHART, cache.span.start).0, 22);
        assert_eq!(
            at(CHART, cache.version.as_ref().unwrap().span),
            "\"=19.6.4\""
        );
        assert_eq!(
            at(CHART, cache.source.as_ref().unwrap().span),
            "\"@bitnami\""
        );
    }

    #[test]
    fn chart_lock() {
        let deps = extract_lock(LOCK).unwrap();
        assert_eq!(
            rows(&deps),
            vec![
                (
                    "lock.postgresql",
                    "postgresql",
                    Some("oci://registry-1.docker.io/bitnamicharts/postgresql"),
                    Some("15.5.38"),
                    PinState::Pinned
                ),
                (
                    "lock.redis@https://charts.bitnami.com/bitnami",
                    "redis",
                    Some("https://charts.bitnami.com/bitnami/redis"),
                    Some("19.6.4"),
                    PinState::Pinned
                ),
                (
                    "lock.redis@@bitnami",
                    "redis",
                    Some("@bitnami/redis"),
                    Some("19.6.4"),
                    PinState::Pinned
                ),
                (
                    "lock.ingress-nginx",
                    "ingress-nginx",
                    Some("https://kubernetes.github.io/ingress-nginx/ingress-nginx"),
                    Some("4.11.3"),
                    PinState::Pinned
                ),
            ]
        );
        let nginx = &deps[3];
        assert_eq!(at(LOCK, nginx.span), "ingress-nginx");
        assert_eq!(line_col(LOCK, nginx.span.start), (17, 9));
        assert_eq!(at(LOCK, nginx.version.as_ref().unwrap().span), "4.11.3");
    }

    #[test]
    fn through_the_dispatcher_with_a_bom_and_crlf() {
        use crate::extract::{extract, FileKind};
        let text = "\u{feff}dependencies:\r\n  - name: pg\r\n    version: 1.2.3\r\n    repository: oci://r.io/charts\r\n";
        let deps = extract(FileKind::HelmChart, text.as_bytes()).unwrap();
        assert_eq!(at(text, deps[0].span), "pg");
        assert_eq!(line_col(text, deps[0].span.start), (2, 11));
        assert_eq!(at(text, deps[0].version.as_ref().unwrap().span), "1.2.3");
        let deps = extract(FileKind::HelmLock, text.as_bytes()).unwrap();
        assert_eq!(deps[0].key, "lock.pg");
        assert_eq!(
            at(text, deps[0].source.as_ref().unwrap().span),
            "oci://r.io/charts"
        );
    }

    #[test]
    fn lock_keys_for_repeats() {
        let text = "\
dependencies:
- {name: redis, repository: https://charts.bitnami.com/bitnami, version: 19.6.4}
- {name: redis, repository: https://charts.bitnami.com/bitnami, version: 19.5.0}
- {name: pg, repository: 'oci://r.io/charts', version: 1.0.0}
digest: sha256:00
";
        let keys: Vec<_> = extract_lock(text)
            .unwrap()
            .into_iter()
            .map(|d| d.key)
            .collect();
        assert_eq!(
            keys,
            [
                "lock.redis@https://charts.bitnami.com/bitnami",
                "lock.redis@https://charts.bitnami.com/bitnami#2",
                "lock.pg",
            ]
        );
    }

    #[test]
    fn versions() {
        for exact in [
            "1.2.3",
            "v1.2.3",
            "=1.2.3",
            "= 1.2.3",
            "=v1.2.3",
            "1.2.3-rc.1",
            "1.2.3+build.7",
            " 1.2.3 ",
        ] {
            assert_eq!(version_pin(Some(exact)), PinState::Pinned, "{exact}");
        }
        for range in [
            "^1.2",
            "~1.2.3",
            "1.x",
            "8.4.*",
            ">=1 <2",
            "*",
            "1.2",
            "1",
            ">= 1.0, < 2.0",
            "1.2.3 || 1.2.4",
            "~> 1.2",
            "1.2.3 - 1.4.0",
            "!=1.2.3",
        ] {
            assert_eq!(
                version_pin(Some(range)),
                PinState::Unpinned(format!("version {:?} is a range", range.trim())),
                "{range}"
            );
        }
        assert_eq!(
            version_pin(Some("latest")),
            unpinned("version \"latest\" is not one exact version")
        );
        assert_eq!(
            version_pin(None),
            unpinned("no version: takes the newest release")
        );
        assert_eq!(
            version_pin(Some("")),
            unpinned("no version: takes the newest release")
        );
        assert!(matches!(
            version_pin(Some("{{ .Values.v }}")),
            PinState::Unpinned(why) if why.contains("cannot be resolved statically")
        ));
    }

    #[test]
    fn repositories() {
        assert_eq!(
            normalise_repository("HTTPS://Charts.Example.COM/Path/"),
            "https://charts.example.com/Path"
        );
        assert_eq!(
            normalise_repository("oci://GHCR.io/org"),
            "oci://ghcr.io/org"
        );
        assert_eq!(normalise_repository("@Bitnami"), "@Bitnami");
        assert_eq!(normalise_repository("alias:bitnami"), "alias:bitnami");
        assert_eq!(
            normalise_repository("https://é.example"),
            "https://é.example"
        );
    }

    #[test]
    fn missing_version_and_templates() {
        let text = "\
apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: a
    repository: https://charts.example.com
  - name: b
    version: 1.0.0
    repository: '{{ .Values.repo }}'
  - name: c
    version: 1.0.0
    repository: $REPO
";
        let deps = extract_chart(text).unwrap();
        assert_eq!(
            deps[0].pin,
            unpinned("no version: takes the newest release")
        );
        assert_eq!(deps[0].version, None);
        for dep in &deps[1..] {
            assert!(
                matches!(&dep.pin, PinState::Unpinned(why) if why.contains("cannot be resolved statically")),
                "{dep:?}"
            );
        }
    }

    #[test]
    fn local_charts_that_leave_the_repository_are_unpinned() {
        let text = "dependencies:\n  - name: a\n    repository: file://../../../a\n  - name: b\n    repository: FILE:///charts/b\n";
        let deps = crate::local::place(Some("charts/app/Chart.yaml"), extract_chart(text).unwrap());
        let got: Vec<_> = deps
            .iter()
            .map(|d| (d.key.as_str(), d.kind, d.local_path))
            .collect();
        assert_eq!(
            got,
            [
                ("dependencies.a", Kind::Chart, true),
                ("dependencies.b", Kind::Chart, true)
            ]
        );
        assert!(deps.iter().all(|d| matches!(d.pin, PinState::Unpinned(_))));
        assert!(extract_lock(text).unwrap().is_empty());
    }

    #[test]
    fn local_charts_are_skipped() {
        for text in [
            "",
            "# nothing\n",
            "apiVersion: v2\nname: app\nversion: 1.0.0\n",
            "dependencies:\n",
            "dependencies: []\n",
            "dependencies:\n  - name: a\n    version: 1.0.0\n",
            "dependencies:\n  - name: a\n    version: 1.0.0\n    repository: ''\n",
            "dependencies:\n  - name: a\n    version: 1.0.0\n    repository: ~\n",
            "dependencies:\n  - name: a\n    repository: file://../a\n",
            "dependencies:\n  - name: a\n    repository: FILE://charts/a\n",
        ] {
            let placed = crate::local::place(Some("a/b/Chart.yaml"), extract_chart(text).unwrap());
            assert_eq!(placed, vec![], "{text:?}");
            assert_eq!(extract_lock(text).unwrap(), vec![], "{text:?}");
        }
    }

    #[test]
    fn merge_keys_inside_entries() {
        let text = "\
x-bitnami: &bitnami
  repository: https://charts.bitnami.com/bitnami
  version: 19.6.4
dependencies:
  - name: redis
    <<: *bitnami
";
        let deps = extract_chart(text).unwrap();
        assert_eq!(
            deps[0].source_str(),
            Some("https://charts.bitnami.com/bitnami/redis")
        );
        assert_eq!(at(text, deps[0].version.as_ref().unwrap().span), "19.6.4");
        let text = "x: &d\n  dependencies:\n    - {name: a, repository: oci://r.io/c, version: 1.0.0}\n<<: *d\n";
        assert_eq!(extract_chart(text).unwrap()[0].key, "dependencies.a");
    }

    #[test]
    fn malformed_fails_closed_at_the_offending_value() {
        let cases: &[(&str, &str, &str)] = &[
            ("- a\n- b\n", "- a", "must be a YAML mapping"),
            ("dependencies: redis\n", "redis", "must be a list"),
            ("dependencies:\n  redis: {}\n", "redis", "must be a list"),
            ("dependencies:\n  - redis\n", "redis", "must be a mapping"),
            ("dependencies:\n  - ~\n", "~", "must be a mapping"),
            (
                "dependencies:\n  - version: 1.0.0\n    repository: https://x.io\n",
                "version",
                "without a name",
            ),
            ("dependencies:\n  - name: ''\n", "''", "empty name"),
            ("dependencies:\n  - name: [a]\n", "[a]", "must be a string"),
            (
                "dependencies:\n  - name: a\n    version: [1]\n",
                "[1]",
                "version must be a string",
            ),
            (
                "dependencies:\n  - name: a\n    version: {v: 1}\n",
                "{v: 1}",
                "version must be a string",
            ),
            (
                "dependencies:\n  - name: a\n    repository: !Ref x\n",
                "!Ref",
                "tag",
            ),
            (
                "dependencies:\n  - name: a\n    version: 1.0.0\n    repository: https://x.io\n  - name: b\n    alias: a\n    version: 1.0.0\n    repository: https://x.io\n",
                "a\n    version: 1.0.0\n    repository: https://x.io\n",
                "more than one dependency",
            ),
            (
                "dependencies:\n  - name: a\n  - name: a\n    version: 1.0.0\n    repository: https://x.io\n",
                "a\n    version",
                "more than one dependency",
            ),
            ("dependencies: [\n", "", "YAML syntax error"),
            ("a: 1\n---\nb: 2\n", "b: 2", "second YAML document"),
        ];
        for (text, at, message) in cases {
            let err = extract_chart(text).unwrap_err();
            assert!(err.message.contains(message), "{text:?}: {err:?}");
            if !at.is_empty() {
                let want = text.rfind(at).unwrap();
                assert_eq!(
                    line_col(text, err.offset).0,
                    line_col(text, want).0,
                    "{text:?}: {err:?}"
                );
                assert!(
                    err.offset == want || text[err.offset..].starts_with(at),
                    "{text:?}: {err:?}, want offset {want} ({at:?})"
                );
            }
        }
        let err = extract_lock("dependencies:\n- name: a\n  version: [1]\n").unwrap_err();
        assert_eq!(
            line_col("dependencies:\n- name: a\n  version: [1]\n", err.offset),
            (3, 12)
        );
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn check(
            text: &str,
            result: Result<Vec<Dependency>, ExtractError>,
        ) -> Result<(), TestCaseError> {
            match result {
                Ok(deps) => {
                    for d in deps {
                        for span in [
                            Some(d.span),
                            d.source.map(|s| s.span),
                            d.version.map(|v| v.span),
                        ]
                        .into_iter()
                        .flatten()
                        {
                            prop_assert!(span.start <= span.end && span.end <= text.len());
                        }
                    }
                }
                Err(e) => prop_assert!(e.offset <= text.len()),
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn never_panics(text in "\\PC{0,200}") {
                check(&text, extract_chart(&text))?;
                check(&text, extract_lock(&text))?;
            }

            #[test]
            fn never_panics_on_chart_like_text(
                body in "[a-z0-9:/@=^~*.<>{}\\[\\]'\" \\n-]{0,120}",
            ) {
                let text = format!("dependencies:\n  - name: a\n    version: {body}\n  - name: b\n    repository: {body}\n");
                check(&text, extract_chart(&text))?;
                check(&text, extract_lock(&text))?;
            }
        }
    }
}
