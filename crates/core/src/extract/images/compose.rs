//! Compose files: the `image` of each service, and what its `build`
//! brings in: an inline Dockerfile's base images, a remote build context.

use std::collections::HashMap;

use super::shell::{self, Scope};
use super::{dockerfile, image};
use crate::extract::yaml::{self, Node, NodeKind};
use crate::extract::{dir_of, Deps, FileKind, TreeFiles};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// What the compose file's directory gives it: the variables of its
/// `.env`, and the tree to read the Dockerfiles it builds from.
struct Project<'a> {
    dir: String,
    tree: &'a TreeFiles<'a>,
    env: HashMap<String, String>,
}

pub(super) fn extract(
    text: &str,
    at: Option<(&str, &TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    let project = at.map(|(path, tree)| {
        let dir = dir_of(path).to_owned();
        let env = tree
            .bytes(&join(&dir, ".env").unwrap_or_default())
            .map(|bytes| dotenv(&String::from_utf8_lossy(&bytes)))
            .unwrap_or_default();
        Project { dir, tree, env }
    });
    extract_in(text, project.as_ref())
}

/// A `.env`'s `COMPOSE_FILE` (Compose reads its `COMPOSE_*` settings from
/// the `.env` of the directory it runs in): the files, split at
/// `COMPOSE_PATH_SEPARATOR` (or at `:` and at `;`, the separators of the
/// platforms), that Compose loads as compose files *instead of* the
/// default names, relative to the `.env`'s directory. One with a compose
/// file's name is judged as itself. Any other iacgate cannot judge as
/// Compose reads it (its name is no compose file's, so iacgate does not
/// read it, nor follow a change to it; or it is outside the repository,
/// or named by a variable): each such entry is an `unpinned` include, so
/// adding or changing it blocks, with why.
pub(super) fn extract_env(text: &str, path: Option<&str>) -> Vec<Dependency> {
    let env = dotenv(text);
    let Some((value, span)) = env_value(text, "COMPOSE_FILE") else {
        return Vec::new();
    };
    let dir = path.map(dir_of).unwrap_or_default();
    let seps: Vec<char> = match env.get("COMPOSE_PATH_SEPARATOR") {
        Some(sep) if !sep.is_empty() => sep.chars().collect(),
        _ => vec![':', ';'],
    };
    let mut deps: Vec<Dependency> = Vec::new();
    for entry in value
        .split(&seps[..])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let resolved = join(dir, entry);
        let why = if entry.contains('$') {
            format!("COMPOSE_FILE names {entry}, through a variable: which file Compose loads cannot be told")
        } else {
            match &resolved {
                None => format!(
                    "COMPOSE_FILE names {entry}, outside the repository: Compose loads it as a compose file, and no review sees it"
                ),
                Some(file) if FileKind::classify(file) == Some(FileKind::Compose) => continue,
                Some(file) => format!(
                    "COMPOSE_FILE makes Compose load {file} as a compose file, but iacgate reads compose files only under \
                     their names (compose*.yaml, docker-compose*.yml) and would not judge it or a change to it: rename it"
                ),
            }
        };
        let key = format!("COMPOSE_FILE:{}", resolved.as_deref().unwrap_or(entry));
        if deps.iter().any(|d| d.key == key) {
            continue;
        }
        let mut dep = Dependency::new(
            Ecosystem::Container,
            Kind::Include,
            key,
            entry.to_owned(),
            span,
        );
        dep.source = Some(Spanned::new(entry.to_owned(), span));
        dep.pin = PinState::Unpinned(why);
        deps.push(dep);
    }
    deps
}

/// The value (as [`dotenv`] reads it) and its span, of the last line of
/// `.env` text that sets `key`.
fn env_value(text: &str, key: &str) -> Option<(String, Span)> {
    let mut found = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let values = dotenv(body);
        if let Some(value) = values.get(key) {
            let lead = body.len() - body.trim_start().len();
            let end = body.trim_end().len().max(lead);
            found = Some((value.clone(), Span::new(start + lead, start + end)));
        }
    }
    found
}

/// `.env` as Compose reads it: `KEY=VALUE` lines (`export ` allowed),
/// `#` comments, values in single or double quotes, or bare (a ` #`
/// starts a comment).
fn dotenv(text: &str) -> HashMap<String, String> {
    let mut env = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or_default(),
            _ => value.split(" #").next().unwrap_or_default().trim_end(),
        };
        env.insert(key.trim().to_owned(), value.to_owned());
    }
    env
}

/// `dir/rel` with `.` and `..` resolved; `None` when it leaves the tree
/// or is absolute.
fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The names of the variables `value` interpolates (`$X`, `${X}`,
/// `${X:-d}`); `$$` is a literal `$`.
fn variables(value: &str) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let start = if bytes.get(i + 1) == Some(&b'{') {
            i + 2
        } else {
            i + 1
        };
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        out.push(&value[start..end]);
        i = end.max(i + 1);
    }
    out
}

/// `value` with the variables the `.env` sets put in, when it sets every
/// one it uses (a default, `${X:-d}`, is not taken: the environment of
/// whoever runs Compose can set `X`); `None` otherwise.
fn resolve_env(value: &str, project: Option<&Project>) -> Option<String> {
    let project = project?;
    let names = variables(value);
    if names.is_empty() || value.contains("$$") {
        return None;
    }
    if !names.iter().all(|n| project.env.contains_key(*n)) {
        return None;
    }
    let scope: Scope = project
        .env
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    shell::expand(value, &scope, '\\').filter(|v| !v.contains('$'))
}

fn extract_in(text: &str, project: Option<&Project>) -> Result<Vec<Dependency>, ExtractError> {
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
        build(&subject, service, project, &mut deps)?;
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
        // A variable the `.env` beside the file sets: that value is used.
        let value = match resolve_env(&value.value, project) {
            Some(resolved) => Spanned::new(resolved, value.span),
            None => value,
        };
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
fn build(
    subject: &str,
    service: &Node,
    project: Option<&Project>,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let Some((key, node)) = service.get("build", subject)? else {
        return Ok(());
    };
    let subject = format!("{subject}.build");
    if let Some(project) = project {
        build_args(&subject, node, project, deps)?;
    }
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
    for (name, value) in additional_contexts(node, &subject)? {
        let key = format!("{subject}.additional_contexts.{name}");
        let url = value.value.trim();
        if let Some(reference) = url.strip_prefix("docker-image://") {
            let reference = Spanned::new(reference.to_owned(), value.span);
            let mut dep = image(key, value.span, &reference);
            dep.span = value.span;
            deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
        } else if url.starts_with("service:") || url.starts_with("target:") {
            // Another service's or stage's image, built here.
        } else if let Some(dep) = remote_context(key, value.span, &value) {
            deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
        }
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
        // `env_file` / `project_directory`: the environment the included
        // file is interpolated with, which iacgate does not apply.
        let mut environment: Vec<(String, Span)> = Vec::new();
        match &item.kind {
            NodeKind::Scalar(_) => paths.extend(item.string(&subject)?),
            NodeKind::Map(_) => {
                for field in ["env_file", "project_directory"] {
                    if let Some((name, value)) = item.get(field, &subject)? {
                        let what = format!("{subject}.{field}");
                        let mut values = Vec::new();
                        match &value.kind {
                            NodeKind::Seq(_) => {
                                for v in value.items(&what)? {
                                    values.extend(v.string(&what)?.map(|v| v.value));
                                }
                            }
                            _ => values.extend(value.string(&what)?.map(|v| v.value)),
                        }
                        environment.push((
                            format!("{field}: {}", values.join(", ")),
                            Span::new(name.span.start, value.span.end),
                        ));
                    }
                }
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
        for path in &paths {
            let Some((_, span)) = environment.first() else {
                break;
            };
            let setting: Vec<&str> = environment.iter().map(|(v, _)| v.as_str()).collect();
            let setting = setting.join("; ");
            let mut dep = Dependency::new(
                Ecosystem::Container,
                Kind::Include,
                format!("include.{}.environment", path.value.trim()),
                path.value.trim().to_owned(),
                *span,
            );
            dep.source = Some(Spanned::new(path.value.trim().to_owned(), path.span));
            dep.version = Some(Spanned::new(setting.clone(), *span));
            dep.pin = PinState::Unpinned(format!(
                "{subject} gives {} its own environment ({setting}): Compose interpolates \
                 its images with those variables, which iacgate does not apply, so what it \
                 runs cannot be judged; set the variables in the .env beside it",
                path.value.trim()
            ));
            deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
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

/// `build.args` that replace the default of a global `ARG` the built
/// Dockerfile's `FROM` (or `COPY --from`, `RUN --mount from=`) uses: the
/// image built from is the one with the arg's value, judged here as
/// `<build>.<key in the Dockerfile>` at the arg. Args whose value the
/// `.env` sets are resolved; one with a variable it does not set (or no
/// value: taken from the environment) cannot be known and is judged as
/// written, unpinned. A Dockerfile the tree does not have, or that does not
/// parse (judged on its own), resolves nothing here.
fn build_args(
    subject: &str,
    node: &Node,
    project: &Project,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    if !node.is_map() {
        return Ok(());
    }
    let Some(args_node) = service_field(node, "args", subject)? else {
        return Ok(());
    };
    let what = format!("{subject}.args");
    let mut args: Vec<(String, String, Span)> = Vec::new();
    match &args_node.kind {
        NodeKind::Map(_) => {
            for (name, value) in args_node.entries(&what)? {
                let name = name.name(&what)?.to_owned();
                let (text, span) = match value.string(&what)? {
                    Some(v) => (v.value, v.span),
                    None if value.is_null() => (format!("${{{name}}}"), value.span),
                    None => continue,
                };
                args.push((name, text, span));
            }
        }
        NodeKind::Seq(_) => {
            for item in args_node.items(&what)? {
                let Some(entry) = item.string(&what)? else {
                    continue;
                };
                let (name, text) = match entry.value.split_once('=') {
                    Some((n, v)) => (n.trim().to_owned(), v.to_owned()),
                    None => (
                        entry.value.trim().to_owned(),
                        format!("${{{}}}", entry.value.trim()),
                    ),
                };
                args.push((name, text, entry.span));
            }
        }
        _ => return Ok(()),
    }
    if args.is_empty() {
        return Ok(());
    }
    let context = match &node.kind {
        NodeKind::Map(_) => service_field(node, "context", subject)?
            .map(|c| c.string(subject))
            .transpose()?
            .flatten()
            .map(|c| c.value),
        _ => None,
    }
    .unwrap_or_else(|| ".".to_owned());
    let file = service_field(node, "dockerfile", subject)?
        .map(|f| f.string(subject))
        .transpose()?
        .flatten()
        .map_or_else(|| "Dockerfile".to_owned(), |f| f.value);
    if context.contains(['$', ':', '#']) || file.contains('$') {
        return Ok(());
    }
    let Some(path) = join(&project.dir, &context).and_then(|c| join(&c, &file)) else {
        return Ok(());
    };
    let Some(bytes) = project.tree.bytes(&path) else {
        return Ok(());
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(());
    };
    let resolved: Vec<(String, String, Span)> = args
        .into_iter()
        .map(|(name, value, span)| {
            let value = resolve_env(&value, Some(project)).unwrap_or(value);
            (name, value, span)
        })
        .collect();
    let (Ok(defaults), Ok(built)) = (
        dockerfile::extract(text),
        dockerfile::extract_with_args(
            text,
            &resolved
                .iter()
                .map(|(n, v, _)| (n.clone(), v.clone()))
                .collect(),
        ),
    ) else {
        return Ok(());
    };
    for dep in built {
        let default = defaults.iter().find(|d| d.key == dep.key);
        if default.is_some_and(|d| crate::diff::same_values(d, &dep)) {
            continue;
        }
        // The arg that makes the difference, for the finding's place.
        let span = resolved
            .iter()
            .find(|(name, value, _)| {
                let one = HashMap::from([(name.clone(), value.clone())]);
                dockerfile::extract_with_args(text, &one).is_ok_and(|deps| {
                    deps.iter()
                        .any(|d| d.key == dep.key && crate::diff::same_values(d, &dep))
                })
            })
            .or(resolved.first())
            .map(|(_, _, span)| *span)
            .unwrap_or(args_node.span);
        let mut dep = dep;
        dep.key = format!("{subject}.{}", dep.key);
        dep.span = span;
        if let Some(source) = dep.source.as_mut() {
            source.span = span;
        }
        if let Some(version) = dep.version.as_mut() {
            version.span = span;
        }
        deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
    }
    Ok(())
}

/// `build.additional_contexts`: named build contexts, as a map or a list
/// of `name=value`, with their values.
fn additional_contexts(
    node: &Node,
    subject: &str,
) -> Result<Vec<(String, Spanned<String>)>, ExtractError> {
    let Some(list) = service_field(node, "additional_contexts", subject)? else {
        return Ok(Vec::new());
    };
    let what = format!("{subject}.additional_contexts");
    let mut out = Vec::new();
    match &list.kind {
        NodeKind::Map(_) => {
            for (name, value) in list.entries(&what)? {
                let name = name.name(&what)?.to_owned();
                if let Some(value) = value.string(&what)? {
                    out.push((name, value));
                }
            }
        }
        NodeKind::Seq(_) => {
            for item in list.items(&what)? {
                if let Some(entry) = item.string(&what)? {
                    if let Some((name, value)) = entry.value.split_once('=') {
                        out.push((
                            name.trim().to_owned(),
                            Spanned::new(value.to_owned(), entry.span),
                        ));
                    }
                }
            }
        }
        _ if list.is_null() => {}
        _ => {
            return Err(ExtractError::new(
                format!("{what} must be a mapping or a list"),
                list.span.start,
            ))
        }
    }
    Ok(out)
}

/// The names of the build contexts that the services of a compose file
/// (at `compose_dir`) which build the Dockerfile at `dockerfile` give it
/// (`build.additional_contexts`): what a `FROM` or `--from` of that name
/// then is, judged in the compose file. Nothing for a file that does not
/// parse.
pub(super) fn named_contexts(text: &str, compose_dir: &str, dockerfile: &str) -> Vec<String> {
    let Ok(Some(root)) = yaml::load(text) else {
        return Vec::new();
    };
    let Ok(Some((_, services))) = root.get("services", "the compose file") else {
        return Vec::new();
    };
    let Ok(entries) = services.entries("services") else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for (_, service) in entries {
        let Ok(Some((_, build))) = service.get("build", "service") else {
            continue;
        };
        if !build.is_map() {
            continue;
        }
        let field = |name: &str| {
            service_field(build, name, "build")
                .ok()
                .flatten()
                .and_then(|n| n.string("build").ok().flatten())
                .map(|v| v.value)
        };
        let context = field("context").unwrap_or_else(|| ".".to_owned());
        let file = field("dockerfile").unwrap_or_else(|| "Dockerfile".to_owned());
        if join(compose_dir, &context)
            .and_then(|c| join(&c, &file))
            .as_deref()
            != Some(dockerfile)
        {
            continue;
        }
        if let Ok(contexts) = additional_contexts(build, "build") {
            names.extend(contexts.into_iter().map(|(name, _)| name));
        }
    }
    names
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

    #[test]
    fn compose_file_in_env_names_files_to_judge() {
        let text = "COMPOSE_PROJECT_NAME=app\nCOMPOSE_FILE=compose.yaml:compose.local\n";
        let deps = super::extract_env(text, Some("app/.env"));
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "COMPOSE_FILE:app/compose.local");
        assert!(
            matches!(&deps[0].pin, crate::model::PinState::Unpinned(why) if why.contains("rename"))
        );
        assert_eq!(
            &text[deps[0].span.start..deps[0].span.end],
            "COMPOSE_FILE=compose.yaml:compose.local"
        );
        // Compose names only: each is judged as itself.
        assert!(super::extract_env(
            "COMPOSE_FILE=compose.yaml:compose.prod.yaml\n",
            Some("app/.env")
        )
        .is_empty());
        // Another separator; outside the repository; a variable.
        let deps = super::extract_env(
            "COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=\"compose.yaml,../../x.yml,/etc/c.yml,${F}\"\n",
            Some("app/.env"),
        );
        let keys: Vec<_> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "COMPOSE_FILE:../../x.yml",
                "COMPOSE_FILE:/etc/c.yml",
                "COMPOSE_FILE:app/${F}"
            ]
        );
        assert!(super::extract_env("IMG=nginx\n", None).is_empty());
        // The last one set wins.
        let deps = super::extract_env("COMPOSE_FILE=a.txt\nCOMPOSE_FILE=compose.yaml\n", None);
        assert!(deps.is_empty());
    }
    use super::*;
    use crate::model::{line_col, Ecosystem, Kind, PinState, Span};

    const COMPOSE: &str = include_str!("../../../../../tests/fixtures/images/compose.yaml");

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn err_line(text: &str) -> (String, usize) {
        let e = extract(text, None).expect_err("should be rejected");
        (e.message, line_col(text, e.offset).0)
    }

    #[test]
    fn fixture() {
        let deps = extract(COMPOSE, None).unwrap();
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
        assert_eq!(extract(text, None).unwrap(), []);
        assert_eq!(extract("", None).unwrap(), []);
        assert_eq!(extract("name: x\nvolumes: {}\n", None).unwrap(), []);
    }

    #[test]
    fn keys_survive_reordering_and_merge_keys() {
        let a = "x-base: &base\n  image: nginx:1.27\nservices:\n  web:\n    <<: *base\n  db:\n    image: postgres\n";
        let b = "services:\n  db:\n    image: postgres\n  web:\n    image: nginx:1.27\n";
        let mut ka: Vec<_> = extract(a, None)
            .unwrap()
            .into_iter()
            .map(|d| (d.key, d.source.unwrap().value, d.version.map(|v| v.value)))
            .collect();
        let mut kb: Vec<_> = extract(b, None)
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
                    match extract(&text, None) {
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
                if let Err(e) = extract(&text, None) {
                    prop_assert!(e.offset <= text.len());
                }
            }
        }
    }

    struct Files(Vec<(&'static str, String)>);

    impl crate::extract::Tree for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.0
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.clone().into_bytes())
        }
    }

    fn in_tree(files: Vec<(&'static str, String)>, path: &str, text: &str) -> Vec<Dependency> {
        let tree = Files(files);
        let tree = TreeFiles::new(&tree);
        extract(text, Some((path, &tree))).unwrap()
    }

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn dotenv_values_resolve_images() {
        let env = format!("# x\nexport IMG='nginx@{DIGEST}'\nTAG=1.27 # comment\n");
        let compose = "services:\n  a:\n    image: ${IMG}\n  b:\n    image: nginx:${TAG}\n  c:\n    image: ${NOPE:-nginx}\n";
        let deps = in_tree(vec![("app/.env", env)], "app/compose.yaml", compose);
        assert_eq!(deps[0].pin, PinState::Pinned);
        assert_eq!(deps[1].version_str(), Some("1.27"));
        assert!(matches!(&deps[2].pin, PinState::Unpinned(why) if why.contains("variable")));
        // Without the tree, as written.
        assert!(matches!(
            extract(compose, None).unwrap()[0].pin,
            PinState::Unpinned(_)
        ));
        assert_eq!(variables("$A-${B:-x}$$C"), ["A", "B"]);
        assert_eq!(join("a/b", "../c/./d").as_deref(), Some("a/c/d"));
        assert_eq!(join("", "../x"), None);
    }

    #[test]
    fn include_with_its_own_environment_is_unpinned() {
        let text = "include:\n  - path: ./sub/compose.yaml\n    env_file: ./deploy.env\n  - path: [a/compose.yaml]\n    project_directory: .\n  - ./b/compose.yaml\n";
        let deps = extract(text, None).unwrap();
        let keys: Vec<_> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "include../sub/compose.yaml.environment",
                "include.a/compose.yaml.environment"
            ]
        );
        assert!(matches!(&deps[0].pin, PinState::Unpinned(why) if why.contains("deploy.env")));
        assert_eq!(deps[0].version_str(), Some("env_file: ./deploy.env"));
        assert_eq!(at(text, deps[0].span), "env_file: ./deploy.env");
        let (msg, _) = err_line("include:\n  - path: x/compose.yaml\n    env_file: {a: b}\n");
        assert!(msg.contains("env_file"), "{msg}");
    }

    #[test]
    fn additional_contexts_are_judged() {
        let text = format!("services:\n  web:\n    build:\n      context: .\n      additional_contexts:\n        tools: docker-image://acme/tools@{DIGEST}\n        moving: docker-image://evil/tools:latest\n        src: https://github.com/acme/src.git#main\n        local: ../shared\n        base: service:base\n");
        let deps = extract(&text, None).unwrap();
        let keys: Vec<_> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "services.web.build.additional_contexts.tools",
                "services.web.build.additional_contexts.moving",
                "services.web.build.additional_contexts.src"
            ]
        );
        assert_eq!(deps[0].pin, PinState::Pinned);
        assert_eq!(deps[0].source_str(), Some("docker.io/acme/tools"));
        assert!(matches!(deps[1].pin, PinState::Unpinned(_)));
        assert!(matches!(deps[2].pin, PinState::Unpinned(_)));
        assert_eq!(
            named_contexts(&text, "app", "app/Dockerfile"),
            ["tools", "moving", "src", "local", "base"]
        );
        assert!(named_contexts(&text, "app", "other/Dockerfile").is_empty());
        let list = "services:\n  web:\n    build:\n      context: .\n      additional_contexts: [\"x=docker-image://alpine:latest\"]\n";
        assert!(matches!(
            extract(list, None).unwrap()[0].pin,
            PinState::Unpinned(_)
        ));
    }

    #[test]
    fn build_args_that_reach_from() {
        let dockerfile = format!("ARG BASE=alpine@{DIGEST}\nARG V=1\nFROM ${{BASE}}\n");
        let compose = "services:\n  a:\n    build:\n      context: ./img\n      dockerfile: Dockerfile.prod\n      args:\n        V: \"2\"\n        BASE: alpine:latest\n";
        let deps = in_tree(
            vec![("img/Dockerfile.prod", dockerfile.clone())],
            "compose.yaml",
            compose,
        );
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "services.a.build.stage#0");
        assert!(matches!(deps[0].pin, PinState::Unpinned(_)));
        assert_eq!(line_col(compose, deps[0].span.start).0, 8);
        // An arg with no value comes from the environment: unknown.
        let compose = "services:\n  a:\n    build:\n      context: img\n      dockerfile: Dockerfile.prod\n      args: [BASE]\n";
        let deps = in_tree(
            vec![("img/Dockerfile.prod", dockerfile)],
            "compose.yaml",
            compose,
        );
        assert!(matches!(&deps[0].pin, PinState::Unpinned(why) if why.contains("variable")));
        // No Dockerfile in the tree: nothing to resolve.
        assert!(in_tree(vec![], "compose.yaml", compose).is_empty());
    }
}
