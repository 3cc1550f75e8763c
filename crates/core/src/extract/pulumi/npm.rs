//! `package.json`: the `@pulumi/*` and `@pulumiverse/*` provider packages.

use std::collections::HashSet;

use jsonc_parser::ast::{Object, ObjectProp, ObjectPropName, Value};
use jsonc_parser::common::Ranged;

use super::{dependency, in_file_order, is_commit, no_version, PinState};
use crate::extract::{yaml, Deps};
use crate::model::{Dependency, ExtractError, Kind, Span, Spanned};
use crate::version::Version;

/// The sections whose packages npm installs.
const SECTIONS: &[&str] = &["dependencies", "devDependencies", "optionalDependencies"];

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let parsed = super::super::parse_strict_json(text)?;
    let root = match &parsed {
        Some(Value::Object(root)) => root,
        Some(other) => {
            return Err(ExtractError::new(
                "package.json must hold one JSON object",
                other.start(),
            ))
        }
        None => {
            return Err(ExtractError::new(
                "empty file: package.json must hold one JSON object",
                0,
            ))
        }
    };
    let mut deps = Deps::default();
    for section in unique_props(root, "package.json")? {
        let section_name = name(section);
        if !SECTIONS.contains(&section_name) {
            continue;
        }
        let Value::Object(packages) = &section.value else {
            return Err(ExtractError::new(
                format!("package.json: {section_name} must be an object"),
                section.value.start(),
            ));
        };
        for prop in unique_props(packages, section_name)? {
            let package = name(prop);
            if !is_pulumi_package(package) {
                continue;
            }
            let key = format!("{section_name}.{package}");
            let Value::StringLit(spec) = &prop.value else {
                return Err(ExtractError::new(
                    format!("package.json: {key} must be a string"),
                    prop.value.start(),
                ));
            };
            let name_span = name_span(prop);
            let spec_span = Span::new(spec.start(), spec.end());
            let mut dep = dependency(Kind::Provider, key.clone(), package.to_owned(), name_span);
            let Some((source, version, pin)) = classify(package, &spec.value) else {
                // A local spec (`file:`, `link:`, `portal:`, a path): the
                // package is whatever that directory holds. Its source is the
                // spec, so a registry version replaced by one is a
                // `source-change`; one that may leave the repository is
                // placed (unpinned where it does leave, `crate::local`), one
                // that stays is the tree's own content.
                let Some(path) = local_spec_path(&spec.value) else {
                    continue;
                };
                dep.source = Some(Spanned::new(path.to_owned(), spec_span));
                dep.local_path = true;
                dep.pin = if crate::local::may_leave(path) {
                    PinState::Derived
                } else {
                    PinState::Pinned
                };
                deps.push(dep, |_| format!("package.json: {key} is given twice"))?;
                continue;
            };
            let source_span = if source == package {
                name_span
            } else {
                spec_span
            };
            dep.source = Some(Spanned::new(source, source_span));
            dep.version = version.map(|v| Spanned::new(v, spec_span));
            dep.pin = pin;
            deps.push(dep, |_| format!("package.json: {key} is given twice"))?;
        }
    }
    let mut list = in_file_order(deps);
    overrides(root, &mut list)?;
    list.sort_by_key(|d| d.span.start);
    Ok(list)
}

/// npm `overrides`, yarn `resolutions` and pnpm `pnpm.overrides` (also a
/// top-level `pnpm` key's): they replace the version (or the source) of a
/// package wherever it is installed. One for a judged package that the
/// file also depends on directly, with no parent in its selector
/// (`"@pulumi/aws"`, yarn's `"**/@pulumi/aws"`, and with a version range,
/// `"@pulumi/aws@>=6 <7"`, `"@pulumi/aws@6.0.0"`, which iacgate does not
/// evaluate against the direct spec: it may apply, so it is taken to), is
/// what that dependency installs: its spec takes the override's place, so
/// adding or changing one is a version or source change of the dependency;
/// two that disagree leave it unpinned. Any other one (a transitive
/// override, `"a>@pulumi/aws"`, `"a/@pulumi/aws"`, npm's nested objects) is
/// a dependency of its own, `<section>.<selector>`, unpinned when it
/// installs another package or source (`npm:evil@1.0.0`, a git or tarball
/// URL). npm's `$name` refers to the direct dependency's own spec and
/// changes nothing.
fn overrides(root: &Object, deps: &mut Vec<Dependency>) -> Result<(), ExtractError> {
    let mut found: Vec<Override> = Vec::new();
    for section in unique_props(root, "package.json")? {
        match name(section) {
            "overrides" | "resolutions" => collect_overrides(
                &section.value,
                name(section),
                name(section),
                0,
                false,
                &mut found,
            )?,
            "pnpm" => {
                let Value::Object(pnpm) = &section.value else {
                    continue;
                };
                for prop in unique_props(pnpm, "pnpm")? {
                    if name(prop) == "overrides" {
                        collect_overrides(
                            &prop.value,
                            "pnpm.overrides",
                            "pnpm.overrides",
                            0,
                            false,
                            &mut found,
                        )?;
                    }
                }
            }
            _ => {}
        }
    }
    // The overrides that replaced a direct dependency's spec, by its key.
    let mut applied: Vec<(String, String)> = Vec::new();
    for o in found {
        if o.spec.starts_with('$') {
            continue;
        }
        let Some((source, version, pin)) = classify(&o.package, o.spec) else {
            continue;
        };
        let package = o.package.as_str();
        let direct = deps.iter_mut().find(|d| {
            d.name == package && SECTIONS.iter().any(|s| d.key == format!("{s}.{package}"))
        });
        let source_span = if source == package {
            o.name_span
        } else {
            o.spec_span
        };
        match direct {
            Some(dep) if o.direct => {
                let earlier: Vec<&str> = applied
                    .iter()
                    .filter(|(k, spec)| *k == dep.key && spec != o.spec)
                    .map(|(_, spec)| spec.as_str())
                    .collect();
                dep.source = Some(Spanned::new(source, source_span));
                dep.version = version.map(|v| Spanned::new(v, o.spec_span));
                dep.pin = match earlier.first() {
                    Some(other) => PinState::Unpinned(format!(
                        "overrides disagree on {package} ({other}, {}): which one applies \
                         depends on their selectors and the version resolved",
                        o.spec
                    )),
                    None => pin,
                };
                applied.push((dep.key.clone(), o.spec.to_owned()));
            }
            _ => {
                if deps.iter().any(|d| d.key == o.key) {
                    return Err(ExtractError::new(
                        format!("package.json: {} is given twice", o.key),
                        o.name_span.start,
                    ));
                }
                let pin = match pin {
                    PinState::Pinned if source != package => PinState::Unpinned(format!(
                        "{} installs {source} in place of {package}: another package or \
                         source, wherever {package} is installed",
                        o.key
                    )),
                    pin => pin,
                };
                let mut dep = dependency(Kind::Provider, o.key, package.to_owned(), o.name_span);
                dep.source = Some(Spanned::new(source, source_span));
                dep.version = version.map(|v| Spanned::new(v, o.spec_span));
                dep.pin = pin;
                deps.push(dep);
            }
        }
    }
    Ok(())
}

/// One override of a judged package: its key (`<section>.<selector>`),
/// the package, the spec, where the selector and the spec are, and
/// whether it applies to a direct dependency of that package (no parent).
pub(super) struct Override<'a> {
    pub(super) key: String,
    pub(super) package: String,
    pub(super) spec: &'a str,
    pub(super) name_span: Span,
    pub(super) spec_span: Span,
    pub(super) direct: bool,
}

/// pnpm's split of a selector into parent and target
/// (`parsePkgAndParentSelector`): at the first `>` that follows a
/// character other than ` `, `|` or `@` (so `@pulumi/aws@>=6 <7` has no
/// parent).
fn pnpm_parent(selector: &str) -> (Option<&str>, &str) {
    let bytes = selector.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i] == b'>' && !matches!(bytes[i - 1], b' ' | b'|' | b'@') {
            return (Some(&selector[..i]), &selector[i + 1..]);
        }
    }
    (None, selector)
}

/// A target selector split into package and version range:
/// `@pulumi/aws@6` -> (`@pulumi/aws`, `6`), `left-pad` -> (`left-pad`, ``).
fn name_and_range(target: &str) -> (&str, &str) {
    let cut = if let Some(rest) = target.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        target.find('@')
    };
    match cut {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, ""),
    }
}

/// Whether a top-level selector of `section` names its package with no
/// parent: the overrides of every install of it, the direct one included.
fn is_direct_selector(selector: &str, section: &str) -> bool {
    let target = match section {
        "resolutions" => selector.strip_prefix("**/").unwrap_or(selector),
        "overrides" => selector,
        _ => match pnpm_parent(selector) {
            (None, target) => target,
            (Some(_), _) => return false,
        },
    };
    let (package, _) = name_and_range(target);
    // yarn's `a/@pulumi/aws`, `a/b`: a parent path.
    let slashes = package.matches('/').count();
    !package.is_empty() && slashes == usize::from(package.starts_with('@'))
}

/// The package an override selector names: its last package, without a
/// version range (`a>@pulumi/aws@<6`, `**/@pulumi/aws`, `@pulumi/aws@6`,
/// `@pulumi/aws@>=6 <7`).
fn selector_package(selector: &str) -> &str {
    let (_, last) = pnpm_parent(selector);
    let last = match pnpm_parent(last) {
        (Some(_), rest) => rest,
        (None, last) => last,
    };
    // yarn's `a/@pulumi/aws`, `**/@pulumi/aws`: the part from the last scope.
    let last = match last.rfind('@') {
        Some(at) if at > 0 && last[..at].ends_with('/') => &last[at..],
        _ => last,
    };
    let (package, _) = name_and_range(last);
    if package.starts_with('@') {
        package
    } else {
        package.rsplit('/').next().unwrap_or(package)
    }
}

fn collect_overrides<'a>(
    value: &'a Value<'a>,
    key: &str,
    section: &str,
    depth: usize,
    parent_direct: bool,
    found: &mut Vec<Override<'a>>,
) -> Result<(), ExtractError> {
    let Value::Object(object) = value else {
        return Err(ExtractError::new(
            format!("package.json: {key} must be an object"),
            value.start(),
        ));
    };
    if depth > 32 {
        return Err(ExtractError::new(
            format!("package.json: {key} is nested too deeply"),
            value.start(),
        ));
    }
    for prop in unique_props(object, key)? {
        let selector = name(prop);
        let package = selector_package(selector);
        let here = format!("{key}.{selector}");
        let direct = depth == 0 && is_direct_selector(selector, section);
        match &prop.value {
            Value::StringLit(spec) => {
                // npm's `"." : spec` inside a nested object is the parent's.
                let (package, entry, direct) = if selector == "." {
                    (
                        selector_package(key.rsplit('.').next().unwrap_or(key)),
                        key.to_owned(),
                        depth == 1 && parent_direct,
                    )
                } else {
                    (package, here, direct)
                };
                if is_pulumi_package(package) {
                    found.push(Override {
                        key: entry,
                        package: package.to_owned(),
                        spec: &spec.value,
                        name_span: name_span(prop),
                        spec_span: Span::new(spec.start(), spec.end()),
                        direct,
                    });
                }
            }
            Value::Object(_) if section == "overrides" => {
                collect_overrides(&prop.value, &here, section, depth + 1, direct, found)?
            }
            other => {
                return Err(ExtractError::new(
                    format!("package.json: {here} must be a string"),
                    other.start(),
                ))
            }
        }
    }
    Ok(())
}

/// `pnpm-workspace.yaml`: pnpm (10 and later) reads `overrides` there too,
/// for every package of the workspace, over whatever each `package.json`
/// pins. iacgate does not join the two files, so such an override of a
/// judged package is unpinned, with the reason: write it in the
/// `package.json`'s `pnpm.overrides`, where it is judged as the spec of the
/// dependency it replaces. Anything else in the file is not read; YAML
/// that does not parse, or an `overrides` that is not a mapping of
/// strings, fails closed.
pub(super) fn workspace(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let what = "pnpm-workspace.yaml";
    let Some(root) = yaml::load(text)? else {
        return Ok(Vec::new());
    };
    if root.is_null() {
        return Ok(Vec::new());
    }
    if !root.is_map() {
        return Err(ExtractError::new(
            format!("{what} must be a mapping"),
            root.span.start,
        ));
    }
    let mut deps = Deps::default();
    let Some((_, overrides)) = root.get("overrides", what)? else {
        return Ok(Vec::new());
    };
    if overrides.is_null() {
        return Ok(Vec::new());
    }
    for (key, value) in overrides.entries("overrides")? {
        let selector = key.name("overrides")?;
        let package = selector_package(selector);
        if !is_pulumi_package(package) {
            continue;
        }
        let entry = format!("pnpm-workspace.overrides.{selector}");
        let Some(spec) = value.string(&entry)? else {
            return Err(ExtractError::new(
                format!("{what}: {entry} must be a string"),
                value.span.start,
            ));
        };
        let (source, version) = match classify(package, &spec.value) {
            Some((source, version, _)) => (source, version),
            None => (spec.value.clone(), None),
        };
        let mut dep = dependency(Kind::Provider, entry.clone(), package.to_owned(), key.span);
        dep.source = Some(Spanned::new(source.clone(), spec.span));
        dep.version = version.map(|v| Spanned::new(v, spec.span));
        dep.pin = PinState::Unpinned(format!(
            "pnpm-workspace.yaml overrides {package} with {} for every package of the \
             workspace, whatever their package.json pins; put the override in the \
             package.json's pnpm.overrides",
            spec.value
        ));
        deps.push(dep, |_| format!("{what}: {entry} is given twice"))?;
    }
    Ok(in_file_order(deps))
}

/// `package-lock.json` (lockfile v1 to v3): each locked `@pulumi/*` or
/// `@pulumiverse/*` package, with where it was resolved from (the
/// registry and package, without the tarball's file name) and its
/// `integrity` hash. The same version resolved from another registry is a
/// `source-change`; another hash at the same version is `lock-tamper`.
pub(super) fn lock(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let parsed = super::super::parse_strict_json(text)?;
    let Some(Value::Object(root)) = &parsed else {
        return Err(ExtractError::new(
            "package-lock.json must hold one JSON object",
            parsed.as_ref().map_or(0, |v| v.start()),
        ));
    };
    let mut deps = Deps::default();
    for section in unique_props(root, "package-lock.json")? {
        match name(section) {
            "packages" => {
                let Value::Object(packages) = &section.value else {
                    return Err(ExtractError::new(
                        "package-lock.json: packages must be an object",
                        section.value.start(),
                    ));
                };
                for prop in unique_props(packages, "packages")? {
                    let path = name(prop);
                    let Some(at) = path.rfind("node_modules/") else {
                        continue;
                    };
                    let package = &path[at + "node_modules/".len()..];
                    locked(&mut deps, format!("packages.{path}"), package, prop)?;
                }
            }
            "dependencies" => lock_v1(&mut deps, &section.value, "dependencies", 0)?,
            _ => {}
        }
    }
    Ok(in_file_order(deps))
}

fn lock_v1(deps: &mut Deps, value: &Value, key: &str, depth: usize) -> Result<(), ExtractError> {
    let Value::Object(object) = value else {
        return Err(ExtractError::new(
            format!("package-lock.json: {key} must be an object"),
            value.start(),
        ));
    };
    if depth > 64 {
        return Err(ExtractError::new(
            format!("package-lock.json: {key} is nested too deeply"),
            value.start(),
        ));
    }
    for prop in unique_props(object, key)? {
        let package = name(prop);
        let here = format!("{key}.{package}");
        locked(deps, here.clone(), package, prop)?;
        if let Value::Object(entry) = &prop.value {
            for inner in &entry.properties {
                if name(inner) == "dependencies" {
                    lock_v1(
                        deps,
                        &inner.value,
                        &format!("{here}.dependencies"),
                        depth + 1,
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn locked(
    deps: &mut Deps,
    key: String,
    package: &str,
    prop: &ObjectProp,
) -> Result<(), ExtractError> {
    if !is_pulumi_package(package) {
        return Ok(());
    }
    let Value::Object(entry) = &prop.value else {
        return Err(ExtractError::new(
            format!("package-lock.json: {key} must be an object"),
            prop.value.start(),
        ));
    };
    let mut dep = dependency(
        Kind::Provider,
        key.clone(),
        package.to_owned(),
        name_span(prop),
    );
    dep.pin = PinState::Pinned;
    for field in unique_props(entry, &key)? {
        let Value::StringLit(s) = &field.value else {
            continue;
        };
        let span = Span::new(s.start(), s.end());
        match name(field) {
            "version" => dep.version = Some(Spanned::new(s.value.to_string(), span)),
            "resolved" => {
                // `<registry>/<package>/-/<file>.tgz`: the file name carries
                // the version, which is judged as the version.
                let origin = match s.value.find("/-/") {
                    Some(i) => &s.value[..i],
                    None => &s.value,
                };
                // From the default registry: the package by name, as
                // `package.json` names it (and the allowlist matches it).
                let default = [
                    "https://registry.npmjs.org/",
                    "https://registry.yarnpkg.com/",
                ]
                .iter()
                .any(|r| origin.strip_prefix(r) == Some(package));
                let source = if default { package } else { origin };
                dep.source = Some(Spanned::new(source.to_owned(), span));
            }
            "integrity" => dep.hashes = s.value.split_whitespace().map(str::to_owned).collect(),
            _ => {}
        }
    }
    if dep.source.is_none() {
        dep.source = Some(Spanned::new(package.to_owned(), dep.span));
    }
    deps.push(dep, |_| format!("package-lock.json: {key} is given twice"))
}

fn name<'p>(prop: &'p ObjectProp) -> &'p str {
    match &prop.name {
        ObjectPropName::String(lit) => &lit.value,
        ObjectPropName::Word(word) => word.value,
    }
}

fn name_span(prop: &ObjectProp) -> Span {
    match &prop.name {
        ObjectPropName::String(lit) => Span::new(lit.start(), lit.end()),
        ObjectPropName::Word(word) => Span::new(word.start(), word.end()),
    }
}

/// An object's properties; a repeated name is an error (which one npm
/// would use is not something to leave to chance).
fn unique_props<'o, 'a>(
    object: &'o Object<'a>,
    owner: &str,
) -> Result<&'o [ObjectProp<'a>], ExtractError> {
    let mut seen = HashSet::new();
    for prop in &object.properties {
        if !seen.insert(name(prop)) {
            return Err(ExtractError::new(
                format!("package.json: \"{}\" is given twice in {owner}", name(prop)),
                name_span(prop).start,
            ));
        }
    }
    Ok(&object.properties)
}

/// A Pulumi provider package: `@pulumi/<x>` or `@pulumiverse/<x>`, but not
/// the SDK `@pulumi/pulumi` itself.
fn is_pulumi_package(name: &str) -> bool {
    ["@pulumi/", "@pulumiverse/"].iter().any(|scope| {
        name.strip_prefix(scope)
            .is_some_and(|rest| !rest.is_empty())
    }) && name != "@pulumi/pulumi"
}

/// An npm dependency spec -> (source, version, pin), or `None` for a local
/// one (`file:`, `link:`, `workspace:`, a path).
fn classify(package: &str, spec: &str) -> Option<(String, Option<String>, PinState)> {
    let s = spec.trim();
    const LOCAL: &[&str] = &[
        "file:",
        "link:",
        "workspace:",
        "portal:",
        "./",
        "../",
        "/",
        "~/",
    ];
    if LOCAL.iter().any(|p| s.starts_with(p)) {
        return None;
    }
    if let Some(target) = s.strip_prefix("npm:") {
        // An alias: `npm:@scope/other@1.2.3` installs another package.
        return Some(match target.rfind('@').filter(|&at| at > 0) {
            Some(at) => (
                target[..at].to_owned(),
                Some(s.to_owned()),
                range_pin(&target[at + 1..]),
            ),
            None => (target.to_owned(), Some(s.to_owned()), no_version()),
        });
    }
    if is_git(s) {
        let commit = s.rsplit_once('#').map(|(_, r)| r);
        let pin = match commit {
            Some(c) if is_commit(c) => PinState::Pinned,
            _ => PinState::Unpinned(format!(
                "git dependency {s} is not pinned to a 40-hex commit"
            )),
        };
        return Some((s.to_owned(), commit.map(str::to_owned), pin));
    }
    if s.starts_with("http://") || s.starts_with("https://") {
        return Some((
            s.to_owned(),
            None,
            PinState::Unpinned(format!("tarball URL {s}: what it serves can change")),
        ));
    }
    Some((package.to_owned(), Some(spec.to_owned()), range_pin(s)))
}

/// The path of a local npm spec that installs a directory or tarball of the
/// machine (`file:`, `link:`, `portal:`, or a bare path); `None` for a
/// `workspace:` spec (a package of this repository's workspace, by name)
/// and for anything else.
fn local_spec_path(spec: &str) -> Option<&str> {
    let s = spec.trim();
    for scheme in ["file:", "link:", "portal:"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            // `file://x` and `file:x` both name the path `x`.
            return Some(rest.strip_prefix("//").unwrap_or(rest));
        }
    }
    ["./", "../", "/", "~/"]
        .iter()
        .any(|p| s.starts_with(p))
        .then_some(s)
}

fn is_git(s: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "git+",
        "git:",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ];
    if PREFIXES.iter().any(|p| s.starts_with(p)) {
        return true;
    }
    // The GitHub shorthand `owner/repo#ref`.
    let head = s.split('#').next().unwrap_or(s);
    let mut parts = head.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(owner), Some(repo), None)
            if !owner.is_empty() && !repo.is_empty() && !owner.starts_with('@')
                && !s.contains(':') && !s.contains(' ')
    )
}

/// Pinned iff the range is one exact version (`1.2.3`, `=1.2.3`, `v1.2.3`).
fn range_pin(range: &str) -> PinState {
    let r = range.trim();
    if r.is_empty() {
        return no_version();
    }
    let bare = r.strip_prefix('=').unwrap_or(r).trim_start();
    if Version::parse(bare).is_ok_and(|v| v.parts == 3) {
        return PinState::Pinned;
    }
    if r.starts_with(|c: char| c.is_ascii_alphabetic())
        && !r.starts_with(['v', 'x', 'X'])
        && !r.contains(' ')
    {
        return PinState::Unpinned(format!(
            "npm dist-tag {r}: takes whatever release it points to"
        ));
    }
    PinState::Unpinned(format!("npm range {r}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../../tests/fixtures/pulumi/package.json");

    #[test]
    fn fixture() {
        let deps = extract(FIXTURE).unwrap();
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.source_str().unwrap(),
                    d.version_str(),
                    d.pin.clone(),
                )
            })
            .collect();
        let unpinned = |r: &str| PinState::Unpinned(r.to_owned());
        assert_eq!(
            got,
            vec![
                (
                    "dependencies.@pulumi/aws",
                    "@pulumi/aws",
                    Some("6.54.2"),
                    PinState::Pinned
                ),
                (
                    "dependencies.@pulumi/awsx",
                    "@pulumi/awsx",
                    Some("^2.16.1"),
                    unpinned("npm range ^2.16.1")
                ),
                (
                    "dependencies.@pulumi/random",
                    "@pulumi/random",
                    Some("~4.16.7"),
                    unpinned("npm range ~4.16.7")
                ),
                (
                    "dependencies.@pulumiverse/grafana",
                    "@pulumiverse/grafana",
                    Some("latest"),
                    unpinned("npm dist-tag latest: takes whatever release it points to")
                ),
                (
                    "dependencies.@pulumi/kubernetes",
                    "@pulumi/kubernetes",
                    Some(">=4.18.0"),
                    unpinned("npm range >=4.18.0")
                ),
                (
                    "dependencies.@pulumi/tls",
                    "github:pulumi/pulumi-tls#9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
                    Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"),
                    PinState::Pinned
                ),
                (
                    "dependencies.@pulumi/gcp",
                    "@acme/gcp-fork",
                    Some("npm:@acme/gcp-fork@8.3.0"),
                    PinState::Pinned
                ),
                (
                    "dependencies.@pulumi/local-provider",
                    "../providers/local",
                    None,
                    PinState::Derived
                ),
                (
                    "devDependencies.@pulumi/command",
                    "@pulumi/command",
                    Some("*"),
                    unpinned("npm range *")
                ),
                (
                    "devDependencies.@pulumi/docker",
                    "@pulumi/docker",
                    Some("=4.5.5"),
                    PinState::Pinned
                ),
            ]
        );
        let aws = &deps[0];
        let v = aws.version.as_ref().unwrap();
        assert_eq!(&FIXTURE[v.span.start..v.span.end], "\"6.54.2\"");
        assert_eq!(&FIXTURE[aws.span.start..aws.span.end], "\"@pulumi/aws\"");
    }

    #[test]
    fn specs() {
        let unpinned = |r: &str| PinState::Unpinned(r.to_owned());
        assert_eq!(range_pin("1.2"), unpinned("npm range 1.2"));
        assert_eq!(range_pin("1.x"), unpinned("npm range 1.x"));
        assert_eq!(range_pin("x"), unpinned("npm range x"));
        assert_eq!(range_pin("v1.2.3"), PinState::Pinned);
        assert_eq!(range_pin("1.2.3 - 2"), unpinned("npm range 1.2.3 - 2"));
        assert_eq!(range_pin(""), no_version());
        assert!(classify("@pulumi/aws", "file:../aws").is_none());
        assert_eq!(local_spec_path("file:../aws"), Some("../aws"));
        assert_eq!(local_spec_path(" link:/opt/evil"), Some("/opt/evil"));
        assert_eq!(local_spec_path("portal:./x"), Some("./x"));
        assert_eq!(local_spec_path("workspace:*"), None);
        assert!(classify("@pulumi/aws", "workspace:*").is_none());
        let (_, _, pin) = classify("@pulumi/aws", "pulumi/pulumi-aws#v6.54.2").unwrap();
        assert!(matches!(pin, PinState::Unpinned(r) if r.contains("40-hex")));
        let (source, _, pin) =
            classify("@pulumi/aws", "https://example.com/aws-6.54.2.tgz").unwrap();
        assert_eq!(source, "https://example.com/aws-6.54.2.tgz");
        assert!(matches!(pin, PinState::Unpinned(_)));
        assert!(!is_pulumi_package("@pulumi/pulumi"));
        assert!(!is_pulumi_package("@pulumi/"));
        assert!(!is_pulumi_package("pulumi-aws"));
    }

    #[test]
    fn local_specs_of_judged_packages_are_dependencies() {
        let text = r#"{"dependencies": {"@pulumi/aws": "file:../../../../opt/cache/aws", "@pulumi/gcp": "link:./vendor/gcp", "@pulumi/azure": "workspace:*", "left-pad": "file:/x"}}"#;
        let deps = crate::local::place(Some("js/package.json"), extract(text).unwrap());
        assert_eq!(deps.len(), 2, "{deps:?}");
        assert_eq!(deps[0].source_str(), Some("../../../../opt/cache/aws"));
        assert!(matches!(&deps[0].pin, PinState::Unpinned(why) if why.contains("climbs out")));
        assert_eq!(deps[1].source_str(), Some("./vendor/gcp"));
        assert_eq!(deps[1].pin, PinState::Pinned);
        assert!(deps.iter().all(|d| d.local_path));
    }

    #[test]
    fn malformed() {
        let cases: &[(&str, usize)] = &[
            ("", 0),
            ("[]", 0),
            ("{\"dependencies\": {\"@pulumi/aws\": \"1.0.0\",}}", 40),
            ("{\"dependencies\": []}", 17),
            ("{\"dependencies\": {\"@pulumi/aws\": 1}}", 33),
            (
                "{\"dependencies\": {\"@pulumi/aws\": \"1\", \"@pulumi/aws\": \"2\"}}",
                38,
            ),
            ("{\"dependencies\": {}, \"dependencies\": {}}", 21),
        ];
        for (text, offset) in cases {
            assert_eq!(extract(text).unwrap_err().offset, *offset, "{text}");
        }
        // Other packages and sections are not read.
        let text = r#"{"name": "x", "dependencies": {"left-pad": 1}, "peerDependencies": {"@pulumi/aws": "*"}}"#;
        assert_eq!(extract(text).unwrap(), vec![]);
    }
}

#[cfg(test)]
mod override_tests {
    use super::*;

    #[test]
    fn an_override_of_a_direct_dependency_is_its_spec() {
        let text =
            r#"{"dependencies": {"@pulumi/aws": "6.54.2"}, "overrides": {"@pulumi/aws": "6.0.0"}}"#;
        let deps = extract(text).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "dependencies.@pulumi/aws");
        assert_eq!(deps[0].version_str(), Some("6.0.0"));
        let text = r#"{"dependencies": {"@pulumi/aws": "6.54.2"}, "resolutions": {"**/@pulumi/aws": "^6"}}"#;
        let deps = extract(text).unwrap();
        assert_eq!(deps[0].version_str(), Some("^6"));
        assert!(matches!(deps[0].pin, PinState::Unpinned(_)));
        let text = r#"{"dependencies": {"@pulumi/aws": "6.54.2"}, "overrides": {"@pulumi/aws": "$@pulumi/aws"}}"#;
        assert_eq!(extract(text).unwrap()[0].version_str(), Some("6.54.2"));
    }

    #[test]
    fn other_overrides_are_their_own() {
        let text = r#"{"pnpm": {"overrides": {"foo>@pulumi/aws": "https://evil.example/aws.tgz", "left-pad": "1.0.0"}}, "overrides": {"@pulumi/awsx": {"@pulumi/aws": "6.1.0"}}}"#;
        let deps = extract(text).unwrap();
        let keys: Vec<_> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "pnpm.overrides.foo>@pulumi/aws",
                "overrides.@pulumi/awsx.@pulumi/aws"
            ]
        );
        assert_eq!(selector_package("a>@pulumi/aws@<6"), "@pulumi/aws");
        assert_eq!(selector_package("x/@pulumi/aws"), "@pulumi/aws");
        assert!(extract(r#"{"overrides": []}"#).is_err());
    }

    #[test]
    fn a_selector_with_a_range_applies_to_the_direct_dependency() {
        let text = r#"{"dependencies": {"@pulumi/aws": "6.0.0"}, "pnpm": {"overrides": {"@pulumi/aws@>=6.0.0 <7": "npm:evil-aws@6.0.0"}}}"#;
        let deps = extract(text).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "dependencies.@pulumi/aws");
        assert_eq!(deps[0].source.as_ref().unwrap().value, "evil-aws");
        let text = r#"{"dependencies": {"@pulumi/aws": "6.0.0"}, "pnpm": {"overrides": {"@pulumi/aws@6": "5.0.0"}}}"#;
        assert_eq!(extract(text).unwrap()[0].version_str(), Some("5.0.0"));
        let text = r#"{"dependencies": {"@pulumi/aws": "6.0.0"}, "resolutions": {"@pulumi/aws@6.0.0": "5.0.0"}}"#;
        assert_eq!(extract(text).unwrap()[0].version_str(), Some("5.0.0"));
        let text = r#"{"dependencies": {"@pulumi/aws": "6.0.0"}, "overrides": {"@pulumi/aws@6": {".": "5.0.0"}}}"#;
        assert_eq!(extract(text).unwrap()[0].version_str(), Some("5.0.0"));
        // Two that disagree: unpinned.
        let text = r#"{"dependencies": {"@pulumi/aws": "6.0.0"}, "pnpm": {"overrides": {"@pulumi/aws": "6.0.0", "@pulumi/aws@6": "5.0.0"}}}"#;
        assert!(matches!(
            extract(text).unwrap()[0].pin,
            PinState::Unpinned(_)
        ));
        assert_eq!(
            pnpm_parent("@pulumi/aws@>=6 <7"),
            (None, "@pulumi/aws@>=6 <7")
        );
        assert_eq!(
            pnpm_parent("foo@1>@pulumi/aws"),
            (Some("foo@1"), "@pulumi/aws")
        );
        assert_eq!(selector_package("@pulumi/aws@>=6.0.0 <7"), "@pulumi/aws");
        assert_eq!(selector_package("foo>@pulumi/aws@>=6"), "@pulumi/aws");
        assert!(!is_direct_selector("a/@pulumi/aws", "resolutions"));
        assert!(is_direct_selector("**/@pulumi/aws@6", "resolutions"));
        assert!(!is_direct_selector("foo>@pulumi/aws", "pnpm.overrides"));
    }

    #[test]
    fn a_transitive_override_to_another_package_is_unpinned() {
        let text = r#"{"pnpm": {"overrides": {"foo>@pulumi/aws": "npm:evil-aws@6.0.0", "bar>@pulumi/gcp": "7.0.0"}}}"#;
        let deps = extract(text).unwrap();
        assert!(matches!(&deps[0].pin, PinState::Unpinned(why) if why.contains("evil-aws")));
        assert_eq!(deps[1].pin, PinState::Pinned);
    }

    #[test]
    fn pnpm_workspace_overrides_are_unpinned() {
        let text = "packages:\n  - js\noverrides:\n  \"@pulumi/aws\": \"npm:evil-aws@6.0.0\"\n  left-pad: 1.0.0\n  \"foo>@pulumi/gcp\": 7.0.0\n";
        let deps = workspace(text).unwrap();
        let keys: Vec<_> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "pnpm-workspace.overrides.@pulumi/aws",
                "pnpm-workspace.overrides.foo>@pulumi/gcp"
            ]
        );
        assert!(deps.iter().all(|d| matches!(d.pin, PinState::Unpinned(_))));
        assert_eq!(deps[0].source.as_ref().unwrap().value, "evil-aws");
        assert!(workspace("packages:\n  - js\n").unwrap().is_empty());
        assert!(workspace("overrides: [\n").is_err());
        assert!(workspace("overrides:\n  \"@pulumi/aws\": [1]\n").is_err());
    }

    #[test]
    fn lock_entries() {
        let text = r#"{"lockfileVersion": 3, "packages": {"": {"dependencies": {"@pulumi/aws": "6.54.2"}}, "node_modules/@pulumi/aws": {"version": "6.54.2", "resolved": "https://registry.npmjs.org/@pulumi/aws/-/aws-6.54.2.tgz", "integrity": "sha512-abc"}, "node_modules/left-pad": {"version": "1.0.0"}}}"#;
        let deps = lock(text).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "packages.node_modules/@pulumi/aws");
        assert_eq!(deps[0].source_str(), Some("@pulumi/aws"));
        let moved = text.replace("registry.npmjs.org", "npm.evil.example");
        assert_eq!(
            lock(&moved).unwrap()[0].source_str(),
            Some("https://npm.evil.example/@pulumi/aws")
        );
        assert_eq!(deps[0].hashes, vec!["sha512-abc".to_owned()]);
        let v1 = r#"{"dependencies": {"@pulumi/aws": {"version": "6.54.2", "dependencies": {"@pulumi/random": {"version": "4.0.0"}}}}}"#;
        assert_eq!(lock(v1).unwrap().len(), 2);
        assert!(lock("[]").is_err());
        assert!(lock(r#"{"packages": {"node_modules/@pulumi/aws": 1}}"#).is_err());
    }
}
