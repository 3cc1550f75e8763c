//! Python lock files that install what they record, whatever the
//! manifest says: `uv.lock` (`uv sync --frozen`) and `Pipfile.lock`
//! (`pipenv sync`, `install --deploy`). Each locked Pulumi provider package
//! is a dependency, as a `package-lock.json` entry is: its version, where
//! it comes from, and its hashes. Another source at the same version is a
//! `source-change`, other hashes at the same version `lock-tamper`.

use jsonc_parser::common::Ranged;
use toml::de::{DeTable, DeValue};
use toml::Spanned as TomlSpanned;

use super::python::{is_provider, normalize};
use super::{dependency, in_file_order, PinState};
use crate::extract::registry_default as is_default_index;
use crate::extract::{one_line, parse_strict_json, Deps};
use crate::model::{Dependency, ExtractError, Kind, Span, Spanned};

type Value<'i> = TomlSpanned<DeValue<'i>>;

fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn string<'t>(table: &'t DeTable, key: &str) -> Option<(&'t str, Span)> {
    match get(table, key).map(|v| (v.get_ref(), Span::from(v.span()))) {
        Some((DeValue::String(s), span)) => Some((s.as_ref(), span)),
        _ => None,
    }
}

/// `uv.lock`: `[[package]]` entries with `name`, `version`, `source`
/// (`registry`, `git`, `url`; a `path`, `directory`, `editable` or
/// `virtual` one is the tree's) and the `hash` of the `sdist` and of each
/// of the `wheels`.
pub(super) fn uv_lock(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let root = DeTable::parse(text).map_err(|err| {
        ExtractError::new(
            format!("uv.lock: TOML syntax error: {}", one_line(err.message())),
            err.span().map_or(0, |s| s.start),
        )
    })?;
    let root = root.get_ref();
    let mut deps = Deps::default();
    let Some(packages) = get(root, "package") else {
        return Ok(Vec::new());
    };
    let DeValue::Array(packages) = packages.get_ref() else {
        return Err(ExtractError::new(
            "uv.lock: package must be an array of tables ([[package]])",
            Span::from(packages.span()).start,
        ));
    };
    for entry in packages {
        let at = Span::from(entry.span());
        let DeValue::Table(entry) = entry.get_ref() else {
            return Err(ExtractError::new(
                "uv.lock: a [[package]] entry must be a table",
                at.start,
            ));
        };
        let Some((name, name_span)) = string(entry, "name") else {
            return Err(ExtractError::new(
                "uv.lock: a [[package]] entry without a name",
                at.start,
            ));
        };
        let normalized = normalize(name);
        if !is_provider(&normalized) {
            continue;
        }
        let mut dep = dependency(
            Kind::Provider,
            format!("package.{normalized}"),
            normalized.clone(),
            name_span,
        );
        dep.pin = PinState::Pinned;
        dep.version = string(entry, "version").map(|(v, s)| Spanned::new(v.to_owned(), s));
        let source = match get(entry, "source") {
            Some(value) => match value.get_ref() {
                DeValue::Table(source) => {
                    let kind = source.iter().next().map(|(k, _)| k.get_ref().to_string());
                    match kind.as_deref() {
                        Some("path" | "directory" | "editable" | "virtual") => continue,
                        Some(kind @ ("registry" | "git" | "url")) => {
                            let (url, span) = string(source, kind).ok_or_else(|| {
                                ExtractError::new(
                                    format!(
                                        "uv.lock: {normalized}: source.{kind} must be a string"
                                    ),
                                    Span::from(value.span()).start,
                                )
                            })?;
                            let shown = if kind == "registry" && is_default_index("uv", url) {
                                normalized.clone()
                            } else {
                                format!("{kind}+{url}")
                            };
                            Spanned::new(shown, span)
                        }
                        _ => {
                            return Err(ExtractError::new(
                                format!("uv.lock: {normalized}: a source iacgate cannot read"),
                                Span::from(value.span()).start,
                            ))
                        }
                    }
                }
                _ => {
                    return Err(ExtractError::new(
                        format!("uv.lock: {normalized}: source must be a table"),
                        Span::from(value.span()).start,
                    ))
                }
            },
            None => Spanned::new(normalized.clone(), name_span),
        };
        dep.source = Some(source);
        let mut hashes = Vec::new();
        if let Some(value) = get(entry, "sdist") {
            if let DeValue::Table(sdist) = value.get_ref() {
                hashes.extend(string(sdist, "hash").map(|(h, _)| h.to_owned()));
            }
        }
        if let Some(value) = get(entry, "wheels") {
            if let DeValue::Array(wheels) = value.get_ref() {
                for wheel in wheels {
                    if let DeValue::Table(wheel) = wheel.get_ref() {
                        hashes.extend(string(wheel, "hash").map(|(h, _)| h.to_owned()));
                    }
                }
            }
        }
        hashes.sort();
        hashes.dedup();
        dep.hashes = hashes;
        // Forked resolutions lock one package at several versions.
        if deps.has(&dep.key) {
            dep.key = format!("{}@{}", dep.key, dep.version_str().unwrap_or_default());
        }
        deps.push(dep, |dep| format!("uv.lock: {} is locked twice", dep.key))?;
    }
    Ok(in_file_order(deps))
}

/// `Pipfile.lock`: `default` and `develop` map each package to its
/// `version` (`==x`), `hashes`, and `index` (a name of
/// `_meta.sources`, whose `url` is where it is downloaded from; the first
/// source without one), or a `git` / `file` reference.
pub(super) fn pipfile_lock(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    use jsonc_parser::ast::{ObjectPropName, Value as J};
    let parsed = parse_strict_json(text)?;
    let Some(J::Object(root)) = &parsed else {
        return Err(ExtractError::new(
            "Pipfile.lock must hold one JSON object",
            parsed.as_ref().map_or(0, |v| v.start()),
        ));
    };
    let name = |p: &jsonc_parser::ast::ObjectProp| -> String {
        match &p.name {
            ObjectPropName::String(s) => s.value.to_string(),
            ObjectPropName::Word(w) => w.value.to_owned(),
        }
    };
    let name_span = |p: &jsonc_parser::ast::ObjectProp| match &p.name {
        ObjectPropName::String(s) => Span::new(s.start(), s.end()),
        ObjectPropName::Word(w) => Span::new(w.start(), w.end()),
    };
    let str_of = |o: &jsonc_parser::ast::Object, key: &str| -> Option<(String, Span)> {
        o.properties
            .iter()
            .find(|p| name(p) == key)
            .and_then(|p| match &p.value {
                J::StringLit(s) => Some((s.value.to_string(), Span::new(s.start(), s.end()))),
                _ => None,
            })
    };
    // `_meta.sources`: name -> url, in order.
    let mut sources: Vec<(String, String)> = Vec::new();
    if let Some(meta) = root.properties.iter().find(|p| name(p) == "_meta") {
        if let J::Object(meta) = &meta.value {
            if let Some(list) = meta.properties.iter().find(|p| name(p) == "sources") {
                if let J::Array(list) = &list.value {
                    for item in &list.elements {
                        if let J::Object(item) = item {
                            let n = str_of(item, "name").map(|(v, _)| v).unwrap_or_default();
                            let u = str_of(item, "url").map(|(v, _)| v).unwrap_or_default();
                            sources.push((n, u));
                        }
                    }
                }
            }
        }
    }
    let mut deps = Deps::default();
    for section in ["default", "develop"] {
        let Some(prop) = root.properties.iter().find(|p| name(p) == section) else {
            continue;
        };
        let J::Object(packages) = &prop.value else {
            return Err(ExtractError::new(
                format!("Pipfile.lock: {section} must be an object"),
                prop.value.start(),
            ));
        };
        for package in &packages.properties {
            let normalized = normalize(&name(package));
            if !is_provider(&normalized) {
                continue;
            }
            let J::Object(entry) = &package.value else {
                return Err(ExtractError::new(
                    format!("Pipfile.lock: {section}.{normalized} must be an object"),
                    package.value.start(),
                ));
            };
            if str_of(entry, "path").is_some() {
                continue;
            }
            let at = name_span(package);
            let mut dep = dependency(
                Kind::Provider,
                format!("{section}.{normalized}"),
                normalized.clone(),
                at,
            );
            dep.pin = PinState::Pinned;
            dep.version = str_of(entry, "version")
                .map(|(v, s)| Spanned::new(v.trim_start_matches("==").to_owned(), s))
                .or_else(|| str_of(entry, "ref").map(|(v, s)| Spanned::new(v, s)));
            let source = if let Some((url, span)) =
                str_of(entry, "git").or_else(|| str_of(entry, "file"))
            {
                Spanned::new(url, span)
            } else {
                let index = str_of(entry, "index");
                let url = match &index {
                    Some((n, _)) => sources
                        .iter()
                        .find(|(name, _)| name == n)
                        .map(|(_, u)| u.clone()),
                    None => sources.first().map(|(_, u)| u.clone()),
                };
                let span = index.as_ref().map_or(at, |(_, s)| *s);
                match url {
                    Some(url) if !is_default_index("pip", &url) => Spanned::new(url, span),
                    Some(_) | None if index.is_none() || url.is_some() => {
                        Spanned::new(normalized.clone(), span)
                    }
                    _ => {
                        return Err(ExtractError::new(
                            format!(
                                "Pipfile.lock: {section}.{normalized} names an index that _meta.sources does not have"
                            ),
                            span.start,
                        ))
                    }
                }
            };
            dep.source = Some(source);
            if let Some(hashes) = entry.properties.iter().find(|p| name(p) == "hashes") {
                if let J::Array(list) = &hashes.value {
                    let mut found: Vec<String> = list
                        .elements
                        .iter()
                        .filter_map(|h| match h {
                            J::StringLit(s) => Some(s.value.to_string()),
                            _ => None,
                        })
                        .collect();
                    found.sort();
                    found.dedup();
                    dep.hashes = found;
                }
            }
            deps.push(dep, |dep| {
                format!("Pipfile.lock: {} is given twice", dep.key)
            })?;
        }
    }
    Ok(in_file_order(deps))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UV: &str = "version = 1\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"pulumi\"\nversion = \"3.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[[package]]\nname = \"pulumi-aws\"\nversion = \"6.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\nsdist = { url = \"https://files.pythonhosted.org/packages/pulumi_aws-6.0.0.tar.gz\", hash = \"sha256:1111\" }\nwheels = [{ url = \"https://x/w.whl\", hash = \"sha256:2222\" }]\n\n[[package]]\nname = \"infra\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n";

    #[test]
    fn uv_lock_entries_of_providers() {
        let deps = uv_lock(UV).unwrap();
        assert_eq!(deps.len(), 1);
        let d = &deps[0];
        assert_eq!(d.key, "package.pulumi-aws");
        assert_eq!(d.source_str(), Some("pulumi-aws"));
        assert_eq!(d.version_str(), Some("6.0.0"));
        assert_eq!(d.hashes, ["sha256:1111", "sha256:2222"]);
        let evil = UV.replace(
            "name = \"pulumi-aws\"\nversion = \"6.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }",
            "name = \"pulumi-aws\"\nversion = \"6.0.0\"\nsource = { registry = \"https://evil.example.com/simple\" }",
        );
        let deps = uv_lock(&evil).unwrap();
        assert_eq!(
            deps[0].source_str(),
            Some("registry+https://evil.example.com/simple")
        );
        assert!(uv_lock("[[package]\n").is_err());
        assert!(uv_lock("package = 1\n").is_err());
        assert!(
            uv_lock("[[package]]\nname = \"pulumi-aws\"\nsource = { custom = \"x\" }\n").is_err()
        );
        assert_eq!(uv_lock("version = 1\n").unwrap(), []);
    }

    #[test]
    fn pipfile_lock_entries_of_providers() {
        let text = r#"{"_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}, {"name": "evil", "url": "https://evil.example/simple"}]},
 "default": {"pulumi-aws": {"hashes": ["sha256:22", "sha256:11"], "index": "pypi", "version": "==6.0.0"}, "requests": {"version": "==2.0.0"}},
 "develop": {"pulumi_gcp": {"index": "evil", "version": "==7.0.0", "hashes": []}}}"#;
        let deps = pipfile_lock(text).unwrap();
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[0].key, "default.pulumi-aws");
        assert_eq!(deps[0].source_str(), Some("pulumi-aws"));
        assert_eq!(deps[0].version_str(), Some("6.0.0"));
        assert_eq!(deps[0].hashes, ["sha256:11", "sha256:22"]);
        assert_eq!(deps[1].source_str(), Some("https://evil.example/simple"));
        assert!(pipfile_lock("[]").is_err());
        assert!(pipfile_lock(r#"{"default": {"pulumi-aws": {"index": "nope"}}}"#).is_err());
    }
}
