//! `Pulumi.yaml` and Pulumi YAML programs (`Main.yaml`, `Main.json`).

use super::{dependency, is_commit, no_version, version_pin, PinState};
use crate::extract::yaml::{self as tree, Node, NodeKind};
use crate::extract::Deps;
use crate::model::{Dependency, ExtractError, Kind, Span, Spanned};
use crate::version::Version;

/// A version another file of the program gives a package: the project
/// file's `packages` and `plugins.providers` for a `Main.*` program.
pub(in crate::extract) type Pin = (String, Spanned<String>);

#[cfg(test)]
pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    extract_with(text, Program::Project, &[])
}

/// Which file a program is in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in crate::extract) enum Program {
    /// `Pulumi.yaml`: a YAML program only under `runtime: yaml`.
    Project,
    /// `Main.yaml` / `Main.json`: always a YAML program.
    Main,
    /// `Pulumi.yaml` beside a `Main.*` program: Pulumi YAML runs that one,
    /// so only the project file's `plugins` and `packages` count.
    ProjectOnly,
}

/// [`extract`], for a program in `which` file, with the versions other
/// files of the program give its packages.
pub(in crate::extract) fn extract_with(
    text: &str,
    which: Program,
    pins: &[Pin],
) -> Result<Vec<Dependency>, ExtractError> {
    let mut used = Vec::new();
    let mut deps = extract_deps(text, &mut used, which != Program::ProjectOnly)?;
    let yaml = which == Program::Main || (which == Program::Project && runtime_is_yaml(text));
    if yaml && !used.is_empty() {
        let implied = plugin_sets(&deps, &used, pins);
        deps.extend(implied);
        deps.sort_by_key(|d| d.span.start);
    }
    Ok(deps)
}

/// The versions a package is given anywhere in the program, as a
/// dependency per package its resources use (key `plugin.<package>`).
/// Pulumi YAML asks the engine for one plugin per package, at the first
/// version any resource or invoke gives (`GetReferencedPlugins`), and
/// the default provider of a resource without `options.version` takes that
/// one; a package no resource, invoke, `packages` or `plugins` entry gives
/// a version is the newest plugin there is.
fn plugin_sets(deps: &[Dependency], used: &[Spanned<String>], pins: &[Pin]) -> Vec<Dependency> {
    let mut out: Vec<Dependency> = Vec::new();
    for package in used {
        if out.iter().any(|d| d.name == package.value) {
            continue;
        }
        let given = deps
            .iter()
            .filter(|d| d.name == package.value)
            .filter(|d| {
                d.key.ends_with(".version")
                    || d.key.starts_with("packages.")
                    || d.key.starts_with("plugins.providers.")
            })
            .filter_map(|d| d.version.clone())
            .chain(
                pins.iter()
                    .filter(|(name, _)| *name == package.value)
                    .map(|(_, v)| Spanned::new(v.value.clone(), package.span)),
            );
        let mut versions: Vec<Spanned<String>> = Vec::new();
        for version in given {
            if !version.value.trim().is_empty()
                && !versions
                    .iter()
                    .any(|v| v.value.trim() == version.value.trim())
            {
                versions.push(version);
            }
        }
        let key = format!("plugin.{}", package.value);
        let mut dep = dependency(Kind::Plugin, key, package.value.clone(), package.span);
        dep.source = Some(package.clone());
        match versions.as_slice() {
            [] => {
                dep.pin = PinState::Unpinned(format!(
                    "no version: no resource or invoke gives options.version for package `{}` and no \
                     packages or plugins entry pins it, so Pulumi takes the newest plugin",
                    package.value
                ));
            }
            [one] => dep.version = Some(one.clone()),
            [_, second, ..] => {
                let all: Vec<&str> = versions.iter().map(|v| v.value.trim()).collect();
                dep.version = Some(Spanned::new(all.join(", "), second.span));
            }
        }
        out.push(dep);
    }
    out
}

/// Whether a project file runs its program with the YAML runtime
/// (`runtime: yaml` or `runtime: {name: yaml}`).
fn runtime_is_yaml(text: &str) -> bool {
    let Ok(Some(root)) = tree::load(text) else {
        return false;
    };
    let Ok(Some((_, runtime))) = root.get("runtime", "the file") else {
        return false;
    };
    let name = match &runtime.kind {
        NodeKind::Map(_) => runtime
            .get("name", "runtime")
            .ok()
            .flatten()
            .and_then(|(_, n)| n.string("runtime.name").ok().flatten()),
        _ => runtime.string("runtime").ok().flatten(),
    };
    name.is_some_and(|n| n.value.trim() == "yaml")
}

/// The versions a project file gives packages (`packages`, `plugins.providers`).
pub(in crate::extract) fn project_pins(text: &str) -> Vec<Pin> {
    let mut used = Vec::new();
    extract_deps(text, &mut used, false)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.key.starts_with("packages.") || d.key.starts_with("plugins.providers."))
        .filter_map(|d| Some((d.name, d.version?)))
        .collect()
}

/// `program`: read the Pulumi YAML sections too (`resources`, ...).
fn extract_deps(
    text: &str,
    used: &mut Vec<Spanned<String>>,
    program: bool,
) -> Result<Vec<Dependency>, ExtractError> {
    let Some(root) = tree::load(text)? else {
        return Ok(Vec::new());
    };
    if !root.is_map() {
        return Err(ExtractError::new(
            "a Pulumi project or program must be a YAML mapping (name: ..., resources: ...)",
            root.span.start,
        ));
    }
    let mut deps = Deps::default();
    for (key, value) in root.entries("the file")? {
        let Some(name) = key.key_text() else { continue };
        // The project file's own sections, which the project schema spells exactly.
        match name {
            "plugins" => plugins(value, &mut deps)?,
            "packages" => packages(value, &mut deps)?,
            _ => {}
        }
        if !program {
            continue;
        }
        // Pulumi YAML sections, whose keys Pulumi YAML matches case-insensitively.
        let section = name.to_ascii_lowercase();
        match section.as_str() {
            "resources" => resources(value, "resources", &mut deps, used)?,
            "components" => {
                for (component, body) in value.entries("components")? {
                    let component = component.name("components")?;
                    let prefix = format!("components.{component}");
                    if let Some((_, found)) = body.get_ci("resources", &prefix)? {
                        resources(found, &format!("{prefix}.resources"), &mut deps, used)?;
                    }
                }
            }
            _ => {}
        }
        if matches!(
            section.as_str(),
            "variables" | "resources" | "outputs" | "components"
        ) {
            let mut path = section;
            invokes(value, &mut path, &mut deps)?;
        }
    }
    Ok(super::in_file_order(deps))
}

/// `plugins: {providers|languages|analyzers: [{name, version, path}]}`.
fn plugins(value: &Node, deps: &mut Deps) -> Result<(), ExtractError> {
    for (key, list) in value.entries("plugins")? {
        let section = key.name("plugins")?;
        if !matches!(section, "providers" | "languages" | "analyzers") {
            continue;
        }
        let subject = format!("plugins.{section}");
        for item in list.items(&subject)? {
            if !item.is_map() {
                return Err(ExtractError::new(
                    format!("each {subject} entry must be a mapping {{name, version, path}}"),
                    item.span.start,
                ));
            }
            let name = match item.get("name", &subject)? {
                Some((_, node)) => node.string(&format!("{subject}: name"))?,
                None => None,
            };
            let Some(name) = name else {
                return Err(ExtractError::new(
                    format!("a {subject} entry without a name"),
                    item.span.start,
                ));
            };
            let owner = format!("{subject}.{}", name.value);
            let path = match item.get("path", &owner)? {
                Some((_, node)) => node.string(&format!("{owner}: path"))?,
                None => None,
            };
            if path.is_some() {
                // A plugin binary from the repository or the machine: not third-party.
                continue;
            }
            let version = match item.get("version", &owner)? {
                Some((_, node)) => node.string(&format!("{owner}: version"))?,
                None => None,
            };
            let mut dep = dependency(Kind::Plugin, owner.clone(), name.value.clone(), name.span);
            dep.source = Some(Spanned::new(format!("{section}/{}", name.value), name.span));
            dep.pin = version
                .as_ref()
                .map_or_else(no_version, |v| version_pin(&v.value));
            dep.version = version;
            deps.push(dep, |_| format!("{owner} is declared twice"))?;
        }
    }
    Ok(())
}

/// `packages: {name: "source@version" | {source, version, parameters}}`.
fn packages(value: &Node, deps: &mut Deps) -> Result<(), ExtractError> {
    for (key, spec) in value.entries("packages")? {
        let name = key.name("packages")?;
        let owner = format!("packages.{name}");
        let (source, version) = match &spec.kind {
            NodeKind::Map(_) => {
                let source = match spec.get("source", &owner)? {
                    Some((_, node)) => node.string(&format!("{owner}: source"))?.map(|s| (s, node)),
                    None => None,
                };
                let Some((source, source_node)) = source else {
                    return Err(ExtractError::new(
                        format!("{owner} has no source"),
                        spec.span.start,
                    ));
                };
                match spec.get("version", &owner)? {
                    Some((_, node)) => match node.string(&format!("{owner}: version"))? {
                        Some(version) => (source, Some(version)),
                        None => split_at_version(&source, source_node),
                    },
                    None => split_at_version(&source, source_node),
                }
            }
            _ => match spec.string(&owner)? {
                Some(source) => split_at_version(&source, spec),
                None => {
                    return Err(ExtractError::new(
                        format!("{owner} has no source"),
                        spec.span.start,
                    ))
                }
            },
        };
        if is_local_path(&source.value) {
            continue;
        }
        let mut dep = dependency(Kind::Plugin, owner.clone(), name.to_owned(), key.span);
        dep.pin = package_pin(&source.value, version.as_ref().map(|v| v.value.as_str()));
        dep.source = Some(source);
        dep.version = version;
        deps.push(dep, |_| format!("{owner} is declared twice"))?;
    }
    Ok(())
}

/// `source@version` -> source and version, at the last `@` when what
/// follows it looks like a version or ref (no `/`, no `:`), so that
/// `git@github.com:org/repo` keeps its user.
fn split_at_version(
    written: &Spanned<String>,
    node: &Node,
) -> (Spanned<String>, Option<Spanned<String>>) {
    let text = &written.value;
    match text.rfind('@') {
        Some(at) if at > 0 && at + 1 < text.len() && !text[at + 1..].contains(['/', ':']) => (
            Spanned::new(text[..at].to_owned(), node.sub_span(0..at)),
            Some(Spanned::new(
                text[at + 1..].to_owned(),
                node.sub_span(at + 1..text.len()),
            )),
        ),
        _ => (written.clone(), None),
    }
}

fn is_local_path(source: &str) -> bool {
    let s = source.trim();
    s == "."
        || s == ".."
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("~/")
        || s.starts_with("file:")
        || s.starts_with(".\\")
        || s.starts_with("..\\")
        || (s.len() > 2 && s.as_bytes()[1] == b':' && matches!(s.as_bytes()[2], b'\\' | b'/'))
}

/// A source fetched with git: a URL, `git@host:...`, or a path whose first
/// segment is a host name (`github.com/org/repo`).
fn is_git_source(source: &str) -> bool {
    source.contains("://")
        || source.starts_with("git@")
        || source
            .split('/')
            .next()
            .is_some_and(|first| first.contains('.') && source.contains('/'))
}

fn package_pin(source: &str, version: Option<&str>) -> PinState {
    let Some(version) = version else {
        return no_version();
    };
    if is_commit(version) {
        PinState::Pinned
    } else if is_git_source(source) {
        PinState::Unpinned(format!(
            "git ref {version} is a tag or branch, which can be moved: pin a 40-hex commit"
        ))
    } else {
        version_pin(version)
    }
}

/// `resources: {name: {type, options: {version, pluginDownloadURL}}}`.
fn resources(
    value: &Node,
    prefix: &str,
    deps: &mut Deps,
    used: &mut Vec<Spanned<String>>,
) -> Result<(), ExtractError> {
    for (key, resource) in value.entries(prefix)? {
        let name = key.name(prefix)?;
        let owner = format!("{prefix}.{name}");
        if !resource.is_map() {
            return Err(ExtractError::new(
                format!("{owner} must be a mapping with a type"),
                resource.span.start,
            ));
        }
        // The package every resource loads, versioned or not; a type
        // Pulumi cannot read fails the program there, not here.
        if let Ok(Some((_, type_node))) = resource.get_ci("type", &owner) {
            if let Ok(package) = package_of(type_node, &owner, ResourceOrFunction::Type) {
                used.push(package);
            }
        }
        let Some((_, options)) = resource.get_ci("options", &owner)? else {
            continue;
        };
        let subject = format!("{owner}: options");
        if !options.is_map() && !options.is_null() {
            return Err(ExtractError::new(
                format!("{subject} must be a mapping"),
                options.span.start,
            ));
        }
        let found = options_of(options, &subject)?;
        if found.version.is_none() && found.url.is_none() {
            continue;
        }
        let Some((_, type_node)) = resource.get_ci("type", &owner)? else {
            return Err(ExtractError::new(
                format!("{owner} has options.version or options.pluginDownloadURL but no type"),
                resource.span.start,
            ));
        };
        let package = package_of(
            type_node,
            &format!("{owner}: type"),
            ResourceOrFunction::Type,
        )?;
        found.push(&owner, &package, key.span, deps)?;
    }
    Ok(())
}

struct Options {
    version: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
}

fn options_of(options: &Node, subject: &str) -> Result<Options, ExtractError> {
    let read = |key: &str| -> Result<Option<Spanned<String>>, ExtractError> {
        match options.get_ci(key, subject)? {
            Some((_, node)) => node.string(&format!("{subject}.{key}")),
            None => Ok(None),
        }
    };
    Ok(Options {
        version: read("version")?,
        url: read("pluginDownloadURL")?,
    })
}

impl Options {
    /// The provider version and download URL of `owner` as dependencies.
    fn push(
        self,
        owner: &str,
        package: &Spanned<String>,
        at: Span,
        deps: &mut Deps,
    ) -> Result<(), ExtractError> {
        if let Some(version) = self.version {
            let key = format!("{owner}.version");
            let mut dep = dependency(Kind::Provider, key.clone(), package.value.clone(), at);
            dep.source = Some(package.clone());
            dep.pin = match interpolated(&version.value) {
                true => PinState::Unpinned(format!(
                    "version {} is an interpolation, not resolved statically",
                    version.value
                )),
                false => version_pin(&version.value),
            };
            dep.version = Some(version);
            deps.push(dep, |_| format!("{key} is declared twice"))?;
        }
        if let Some(url) = self.url {
            let key = format!("{owner}.pluginDownloadURL");
            let mut dep = dependency(Kind::Plugin, key.clone(), package.value.clone(), at);
            dep.pin = download_url_pin(&url.value);
            dep.source = Some(url);
            deps.push(dep, |_| format!("{key} is declared twice"))?;
        }
        Ok(())
    }
}

/// A plugin download URL names a server that serves every version of a
/// plugin by name: it is pinned only when the URL itself names one release,
/// by a 40-hex commit or an exact `x.y.z` version as one of its path or
/// query segments. What the server returns is not verified by iacgate.
fn download_url_pin(url: &str) -> PinState {
    if interpolated(url) {
        return PinState::Unpinned(format!(
            "plugin download URL {url} is an interpolation, not resolved statically"
        ));
    }
    // A 40-hex segment names a commit only on a forge that serves by commit
    // (crate::address::forge_commit); elsewhere it is just a name.
    let names_release = crate::address::forge_commit(url).is_some()
        || url
            .split(['/', '?', '&', '=', '#', '@'])
            .any(|segment| Version::parse(segment).is_ok_and(|v| v.parts == 3));
    if names_release {
        PinState::Pinned
    } else {
        PinState::Unpinned(format!(
            "plugin download URL {url} names a server, not one release: what it serves can change"
        ))
    }
}

/// A Pulumi YAML interpolation (`${config.version}`); `$${` is a literal.
fn interpolated(value: &str) -> bool {
    value.replace("$${", "").contains("${")
}

#[derive(Clone, Copy)]
enum ResourceOrFunction {
    Type,
    Function,
}

/// The provider package of a type token, as Pulumi YAML resolves it:
/// `aws:s3:Bucket` -> `aws`, `pulumi:providers:aws` -> `aws`.
fn package_of(
    node: &Node,
    subject: &str,
    what: ResourceOrFunction,
) -> Result<Spanned<String>, ExtractError> {
    let Some(token) = node.string(subject)? else {
        return Err(ExtractError::new(
            format!("{subject} is missing"),
            node.span.start,
        ));
    };
    let parts: Vec<&str> = token.value.split(':').collect();
    let example = match what {
        ResourceOrFunction::Type => "aws:s3:Bucket",
        ResourceOrFunction::Function => "aws:ec2:getAmi",
    };
    if interpolated(&token.value)
        || !(2..=3).contains(&parts.len())
        || parts.iter().any(|p| p.is_empty())
    {
        return Err(ExtractError::new(
            format!(
                "{subject}: {:?} is not a Pulumi type token like {example}",
                token.value
            ),
            token.span.start,
        ));
    }
    let (start, package) = if parts.len() == 3 && parts[0] == "pulumi" && parts[1] == "providers" {
        (token.value.len() - parts[2].len(), parts[2])
    } else {
        (0, parts[0])
    };
    Ok(Spanned::new(
        package.to_owned(),
        node.sub_span(start..start + package.len()),
    ))
}

/// `fn::invoke: {function, arguments, options: {version, pluginDownloadURL}}`
/// anywhere under the program's sections; the key is the path to the
/// mapping that holds `fn::invoke` (`variables.ami.version`).
fn invokes(node: &Node, path: &mut String, deps: &mut Deps) -> Result<(), ExtractError> {
    match &node.kind {
        NodeKind::Map(_) => {
            let entries = node.entries(path)?;
            if let [(key, call)] = entries.as_slice() {
                if key
                    .key_text()
                    .is_some_and(|k| k.eq_ignore_ascii_case("fn::invoke"))
                {
                    invoke(key.span, call, path, deps)?;
                }
            }
            for (key, value) in entries {
                let len = path.len();
                path.push('.');
                path.push_str(key.key_text().unwrap_or("?"));
                invokes(value, path, deps)?;
                path.truncate(len);
            }
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                invokes(item, path, deps)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

fn invoke(at: Span, call: &Node, path: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    let subject = format!("{path}: fn::invoke");
    if !call.is_map() {
        // Pulumi YAML reports it; nothing here names a provider version.
        return Ok(());
    }
    let Some((_, options)) = call.get_ci("options", &subject)? else {
        return Ok(());
    };
    let options_subject = format!("{subject}: options");
    if !options.is_map() && !options.is_null() {
        return Err(ExtractError::new(
            format!("{options_subject} must be a mapping"),
            options.span.start,
        ));
    }
    let found = options_of(options, &options_subject)?;
    if found.version.is_none() && found.url.is_none() {
        return Ok(());
    }
    let Some((_, function)) = call.get_ci("function", &subject)? else {
        return Err(ExtractError::new(
            format!("{subject} has options.version or options.pluginDownloadURL but no function"),
            call.span.start,
        ));
    };
    let package = package_of(
        function,
        &format!("{subject}: function"),
        ResourceOrFunction::Function,
    )?;
    found.push(path, &package, at, deps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ecosystem;

    const PROJECT: &str = include_str!("../../../../../tests/fixtures/pulumi/Pulumi.yaml");
    const MAIN_YAML: &str = include_str!("../../../../../tests/fixtures/pulumi/Main.yaml");
    const MAIN_JSON: &str = include_str!("../../../../../tests/fixtures/pulumi/Main.json");

    type Row<'a> = (
        Kind,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        PinState,
    );

    fn rows(deps: &[Dependency]) -> Vec<Row<'_>> {
        deps.iter()
            .map(|d| {
                (
                    d.kind,
                    d.key.as_str(),
                    d.name.as_str(),
                    d.source_str(),
                    d.version_str(),
                    d.pin.clone(),
                )
            })
            .collect()
    }

    fn unpinned(reason: &str) -> PinState {
        PinState::Unpinned(reason.to_owned())
    }

    /// Every span is the value's bytes (quotes included), in bounds.
    fn check_spans(text: &str, deps: &[Dependency]) {
        for d in deps {
            assert_eq!(d.ecosystem, Ecosystem::Pulumi);
            for spanned in [&d.source, &d.version].into_iter().flatten() {
                let written = &text[spanned.span.start..spanned.span.end];
                assert!(
                    written
                        .trim_matches(['"', '\''])
                        .contains(spanned.value.as_str())
                        || d.kind == Kind::Plugin && d.key.starts_with("plugins.")
                        || d.key.starts_with("plugin."),
                    "{}: {written:?} vs {:?}",
                    d.key,
                    spanned.value
                );
            }
        }
    }

    #[test]
    fn plugins_the_resources_of_a_yaml_program_load() {
        let sets = |text: &str, which, pins: &[Pin]| -> Vec<(String, Option<String>, bool)> {
            extract_with(text, which, pins)
                .unwrap()
                .into_iter()
                .filter(|d| d.key.starts_with("plugin."))
                .map(|d| {
                    let unpinned = matches!(d.pin, PinState::Unpinned(_));
                    (d.key, d.version.map(|v| v.value), unpinned)
                })
                .collect()
        };
        let text = "runtime: yaml\nresources:\n  a:\n    type: aws:s3:Bucket\n  b:\n    type: aws:s3:Bucket\n    options: {version: 6.54.2}\n  p:\n    type: random:RandomPet\n  k:\n    type: pulumi:providers:kubernetes\n";
        assert_eq!(
            sets(text, Program::Project, &[]),
            [
                ("plugin.aws".to_owned(), Some("6.54.2".to_owned()), false),
                ("plugin.random".to_owned(), None, true),
                ("plugin.kubernetes".to_owned(), None, true),
            ]
        );
        // Not a YAML program: nothing implied.
        let nodejs = text.replace("runtime: yaml", "runtime: nodejs");
        assert_eq!(sets(&nodejs, Program::Project, &[]), []);
        assert_eq!(
            sets(
                &text.replace("runtime: yaml", "runtime: {name: yaml}"),
                Program::Project,
                &[]
            )
            .len(),
            3
        );
        // packages, plugins and the project's pins count; two versions are listed.
        let text = "runtime: yaml\npackages:\n  random: random@4.16.7\nplugins:\n  providers:\n    - name: kubernetes\n      version: 4.18.1\nresources:\n  p:\n    type: random:RandomPet\n  k:\n    type: kubernetes:core/v1:Namespace\n  a:\n    type: aws:s3:Bucket\n    options: {version: 6.54.2}\n  b:\n    type: aws:s3:Bucket\n    options: {version: 6.60.0}\n";
        assert_eq!(
            sets(text, Program::Project, &[]),
            [
                ("plugin.random".to_owned(), Some("4.16.7".to_owned()), false),
                (
                    "plugin.kubernetes".to_owned(),
                    Some("4.18.1".to_owned()),
                    false
                ),
                (
                    "plugin.aws".to_owned(),
                    Some("6.54.2, 6.60.0".to_owned()),
                    false
                ),
            ]
        );
        let main = "resources:\n  a:\n    type: aws:s3:Bucket\n";
        let pin = (
            "aws".to_owned(),
            Spanned::new("6.54.2".to_owned(), Span::new(0, 0)),
        );
        assert_eq!(
            sets(main, Program::Main, &[pin]),
            [("plugin.aws".to_owned(), Some("6.54.2".to_owned()), false)]
        );
        assert_eq!(
            sets(main, Program::Main, &[]),
            [("plugin.aws".to_owned(), None, true)]
        );
        assert_eq!(
            project_pins("packages:\n  aws: aws@6.54.2\n"),
            [(
                "aws".to_owned(),
                Spanned::new("6.54.2".to_owned(), Span::new(21, 27))
            )]
        );
    }

    #[test]
    fn project_file() {
        let deps: Vec<Dependency> = extract(PROJECT)
            .unwrap()
            .into_iter()
            .filter(|d| !d.key.starts_with("plugin."))
            .collect();
        check_spans(PROJECT, &deps);
        assert_eq!(
            rows(&deps),
            vec![
                (
                    Kind::Plugin,
                    "plugins.providers.aws",
                    "aws",
                    Some("providers/aws"),
                    Some("6.54.2"),
                    PinState::Pinned
                ),
                (
                    Kind::Plugin,
                    "plugins.providers.kubernetes",
                    "kubernetes",
                    Some("providers/kubernetes"),
                    Some("v4.18.1"),
                    PinState::Pinned
                ),
                (
                    Kind::Plugin,
                    "plugins.providers.random",
                    "random",
                    Some("providers/random"),
                    None,
                    unpinned("no version: takes the newest release")
                ),
                (
                    Kind::Plugin,
                    "plugins.languages.yaml",
                    "yaml",
                    Some("languages/yaml"),
                    Some(">=1.10.0"),
                    unpinned("version >=1.10.0 is not one exact version")
                ),
                (
                    Kind::Plugin,
                    "plugins.analyzers.policy",
                    "policy",
                    Some("analyzers/policy"),
                    Some("1.13.0"),
                    PinState::Pinned
                ),
                (
                    Kind::Plugin,
                    "packages.random",
                    "random",
                    Some("terraform-provider"),
                    Some("0.8.1"),
                    PinState::Pinned
                ),
                (
                    Kind::Plugin,
                    "packages.vpc",
                    "vpc",
                    Some("https://github.com/acme/pulumi-vpc"),
                    Some("v1.2.0"),
                    unpinned(
                        "git ref v1.2.0 is a tag or branch, which can be moved: pin a 40-hex commit"
                    )
                ),
                (
                    Kind::Plugin,
                    "packages.network",
                    "network",
                    Some("github.com/acme/components/network"),
                    Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"),
                    PinState::Pinned
                ),
                (
                    Kind::Plugin,
                    "packages.tls",
                    "tls",
                    Some("terraform-provider"),
                    Some("0.10.0"),
                    PinState::Pinned
                ),
                (
                    Kind::Plugin,
                    "packages.aws-tags",
                    "aws-tags",
                    Some("git@github.com:acme/aws-tags"),
                    None,
                    unpinned("no version: takes the newest release")
                ),
                (
                    Kind::Plugin,
                    "packages.cloudflare",
                    "cloudflare",
                    Some("terraform-provider"),
                    Some("~0.9"),
                    unpinned("version ~0.9 is not one exact version")
                ),
                (
                    Kind::Provider,
                    "resources.bucket.version",
                    "aws",
                    Some("aws"),
                    Some("6.54.2"),
                    PinState::Pinned
                ),
                (
                    Kind::Provider,
                    "resources.east.version",
                    "aws",
                    Some("aws"),
                    Some("6.x"),
                    unpinned("version 6.x is not one exact version")
                ),
            ]
        );
        // Sub-spans point into the string form exactly.
        let vpc = deps.iter().find(|d| d.key == "packages.vpc").unwrap();
        let v = vpc.version.as_ref().unwrap();
        assert_eq!(&PROJECT[v.span.start..v.span.end], "v1.2.0");
        let s = vpc.source.as_ref().unwrap();
        assert_eq!(
            &PROJECT[s.span.start..s.span.end],
            "https://github.com/acme/pulumi-vpc"
        );
        let east = deps
            .iter()
            .find(|d| d.key == "resources.east.version")
            .unwrap();
        let s = east.source.as_ref().unwrap();
        assert_eq!(&PROJECT[s.span.start..s.span.end], "aws");
        assert_eq!(&PROJECT[east.span.start..east.span.end], "east");
    }

    fn program_rows() -> Vec<Row<'static>> {
        vec![
            (
                Kind::Provider,
                "resources.bucket.version",
                "aws",
                Some("aws"),
                Some("6.54.2"),
                PinState::Pinned,
            ),
            (
                Kind::Provider,
                "resources.euProvider.version",
                "aws",
                Some("aws"),
                Some("^6.54.0"),
                unpinned("version ^6.54.0 is not one exact version"),
            ),
            (
                Kind::Provider,
                "resources.record.version",
                "cloudflare",
                Some("cloudflare"),
                Some("5.40.0"),
                PinState::Pinned,
            ),
            (
                Kind::Plugin,
                "resources.record.pluginDownloadURL",
                "cloudflare",
                Some("github://api.github.com/pulumi/pulumi-cloudflare"),
                None,
                unpinned(
                    "plugin download URL github://api.github.com/pulumi/pulumi-cloudflare names \
                     a server, not one release: what it serves can change",
                ),
            ),
            (
                Kind::Plugin,
                "resources.dashboard.pluginDownloadURL",
                "grafana",
                Some("https://github.com/pulumiverse/pulumi-grafana/releases/download/v0.4.2/"),
                None,
                PinState::Pinned,
            ),
            (
                Kind::Provider,
                "resources.password.version",
                "random",
                Some("random"),
                Some("${randomVersion}"),
                unpinned("version ${randomVersion} is an interpolation, not resolved statically"),
            ),
            (
                Kind::Provider,
                "variables.ami.version",
                "aws",
                Some("aws"),
                Some("6.54.2"),
                PinState::Pinned,
            ),
        ]
    }

    #[test]
    fn yaml_program() {
        let deps = extract(MAIN_YAML).unwrap();
        check_spans(MAIN_YAML, &deps);
        assert_eq!(rows(&deps), program_rows());
        let bucket = &deps[0];
        let v = bucket.version.as_ref().unwrap();
        assert_eq!(&MAIN_YAML[v.span.start..v.span.end], "6.54.2");
        let provider = &deps[1];
        let s = provider.source.as_ref().unwrap();
        assert_eq!(&MAIN_YAML[s.span.start..s.span.end], "aws");
        assert_eq!(
            &MAIN_YAML[provider.span.start..provider.span.end],
            "euProvider"
        );
    }

    #[test]
    fn json_program_reads_the_same() {
        let deps = extract(MAIN_JSON).unwrap();
        check_spans(MAIN_JSON, &deps);
        assert_eq!(rows(&deps), program_rows());
        let v = deps[0].version.as_ref().unwrap();
        assert_eq!(&MAIN_JSON[v.span.start..v.span.end], "\"6.54.2\"");
    }

    #[test]
    fn merge_keys_and_case_variants() {
        let text = "\
x-pin: &pin
  version: 6.54.2
Resources:
  bucket:
    Type: aws:s3:Bucket
    Options:
      <<: *pin
components:
  Site:
    resources:
      cert:
        type: tls:PrivateKey
        options: {version: 5.0.9}
";
        let deps = extract(text).unwrap();
        let got: Vec<_> = deps
            .iter()
            .map(|d| (d.key.as_str(), d.name.as_str(), d.version_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("resources.bucket.version", "aws", "6.54.2"),
                ("components.Site.resources.cert.version", "tls", "5.0.9"),
            ]
        );
        // The merged value's span is where it is written, under the anchor.
        let v = deps[0].version.as_ref().unwrap();
        assert_eq!(&text[v.span.start..v.span.end], "6.54.2");
    }

    #[test]
    fn nothing_to_report() {
        for text in [
            "",
            "name: app\nruntime: yaml\n",
            "resources:\n  b:\n    type: aws:s3:Bucket\n",
            "resources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      protect: true\n",
            "plugins:\n  providers:\n    - name: aws\n      path: ../bin\n",
            "packages:\n  local: ./sdk\n  other:\n    source: ../other\n",
            "resources: {}\nplugins: ~\npackages: {}\n",
        ] {
            assert_eq!(extract(text).unwrap(), vec![], "{text}");
        }
    }

    #[test]
    fn malformed_fails_closed_at_the_offending_value() {
        let cases: &[(&str, &str)] = &[
            ("name: a: b\n", ": b"),
            ("- a\n- b\n", "- a"),
            ("resources:\n  b: 3\n", "3\n"),
            ("resources:\n  b:\n    options:\n      version: 1.0.0\n", "options"),
            (
                "resources:\n  b:\n    type: aws\n    options:\n      version: 1.0.0\n",
                "aws\n",
            ),
            (
                "resources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: [1]\n",
                "[1]",
            ),
            (
                "resources:\n  b:\n    type: aws:s3:Bucket\n    options: yes\n",
                "yes",
            ),
            (
                "resources:\n  b:\n    type: aws:s3:Bucket\n    options:\n      version: !Ref v\n",
                "!Ref",
            ),
            ("plugins:\n  providers:\n    - version: 1.0.0\n", "version"),
            ("plugins:\n  providers: aws\n", "aws\n"),
            ("packages:\n  x:\n    version: 1.0.0\n", "version"),
            ("packages:\n  x: ~\n", "~"),
            (
                "plugins:\n  providers:\n    - name: aws\n      version: 1.0.0\n    - name: aws\n      version: 2.0.0\n",
                "aws\n      version: 2",
            ),
            ("a: 1\n---\nb: 2\n", "b: 2"),
            (
                "resources:\n  b:\n    type: aws:s3:Bucket\n    options: &o\n      version: *o\n",
                "*o",
            ),
        ];
        for (text, at) in cases {
            let err = extract(text).unwrap_err();
            let want = text.find(at).unwrap();
            // Block mappings start at their first key; collections report
            // where they begin.
            assert!(
                err.offset == want || text[err.offset..].starts_with(at),
                "{text:?}: {err:?}, want offset {want} ({at:?})"
            );
        }
    }

    #[test]
    fn package_sources() {
        let cases: &[(&str, Option<&str>, Option<&str>, PinState)] = &[
            ("aws@6.54.2", Some("aws"), Some("6.54.2"), PinState::Pinned),
            (
                "aws@v6.54.2",
                Some("aws"),
                Some("v6.54.2"),
                PinState::Pinned,
            ),
            (
                "aws",
                Some("aws"),
                None,
                unpinned("no version: takes the newest release"),
            ),
            (
                "github.com/acme/repo@main",
                Some("github.com/acme/repo"),
                Some("main"),
                unpinned(
                    "git ref main is a tag or branch, which can be moved: pin a 40-hex commit",
                ),
            ),
            (
                "git@github.com:acme/repo",
                Some("git@github.com:acme/repo"),
                None,
                unpinned("no version: takes the newest release"),
            ),
            (
                "pulumi/random@4.16.7",
                Some("pulumi/random"),
                Some("4.16.7"),
                PinState::Pinned,
            ),
            ("./sdks/local@1.0.0", None, None, PinState::Derived),
            ("C:\\plugins\\x", None, None, PinState::Derived),
        ];
        for (spec, source, version, pin) in cases {
            let text = format!("packages:\n  p: \"{}\"\n", spec.replace('\\', "\\\\"));
            let deps = extract(&text).unwrap();
            match source {
                None => assert!(deps.is_empty(), "{spec}"),
                Some(source) => {
                    assert_eq!(deps[0].source_str(), Some(*source), "{spec}");
                    assert_eq!(deps[0].version_str(), *version, "{spec}");
                    assert_eq!(&deps[0].pin, pin, "{spec}");
                }
            }
        }
    }

    #[test]
    fn download_urls() {
        assert_eq!(
            download_url_pin(
                "https://raw.githubusercontent.com/o/r/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b/plugins/"
            ),
            PinState::Pinned
        );
        assert!(matches!(
            download_url_pin(
                "https://example.com/plugins/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b/"
            ),
            PinState::Unpinned(_)
        ));
        assert_eq!(
            download_url_pin("https://example.com/releases/1.2.3"),
            PinState::Pinned
        );
        assert!(matches!(
            download_url_pin("https://example.com/v1/plugins"),
            PinState::Unpinned(_)
        ));
        assert!(matches!(
            download_url_pin("https://example.com/${version}/"),
            PinState::Unpinned(r) if r.contains("interpolation")
        ));
    }
}
