//! `requirements.txt` and `pyproject.toml`: the `pulumi-*` (and
//! `pulumiverse-*`) provider packages.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned as TomlSpanned;

use super::{dependency, in_file_order, is_commit, no_version, PinState};
use crate::extract::{one_line, Deps};
use crate::model::{Dependency, ExtractError, Kind, Span, Spanned};

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` as one `-`.
pub(super) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A Pulumi provider package (normalised name), not the SDK `pulumi`.
pub(super) fn is_provider(normalized: &str) -> bool {
    ["pulumi-", "pulumiverse-"].iter().any(|p| {
        normalized
            .strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty())
    })
}

/// The length of a PEP 508 name at the start of `s` (0 if none).
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphanumeric) {
        return 0;
    }
    b.iter()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
        .unwrap_or(b.len())
}

/// The parts of a named requirement after its name, as ranges of the
/// requirement string.
struct Parts {
    url: Option<Range<usize>>,
    specs: Option<Range<usize>>,
    markers: Option<Range<usize>>,
}

const OPERATORS: &[&str] = &["===", "==", "!=", "<=", ">=", "~=", "<", ">"];

/// The rest of `name[extras] (specs | @ url) [; markers]` from `at`.
fn parse_parts(s: &str, at: usize) -> Result<Parts, String> {
    let skip_ws = |mut i: usize| {
        while s.as_bytes().get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(at);
    if s.as_bytes().get(i) == Some(&b'[') {
        let close = s[i..]
            .find(']')
            .ok_or_else(|| "an extras list [ without its ]".to_owned())?;
        i = skip_ws(i + close + 1);
    }
    let trimmed = |r: Range<usize>| {
        let text = &s[r.clone()];
        let start = r.start + (text.len() - text.trim_start().len());
        let end = r.end - (text.len() - text.trim_end().len());
        (start < end).then_some(start..end)
    };
    if s.as_bytes().get(i) == Some(&b'@') {
        // `name @ url ; markers`: the marker separator needs a space before it.
        let rest = &s[i + 1..];
        let end = rest
            .char_indices()
            .find(|&(j, c)| c == ';' && j > 0 && rest[..j].ends_with(char::is_whitespace))
            .map_or(s.len(), |(j, _)| i + 1 + j);
        let url = trimmed(i + 1..end).ok_or_else(|| "@ without a URL".to_owned())?;
        let markers = (end < s.len()).then(|| trimmed(end + 1..s.len())).flatten();
        return Ok(Parts {
            url: Some(url),
            specs: None,
            markers,
        });
    }
    let end = s[i..].find(';').map_or(s.len(), |j| i + j);
    let markers = (end < s.len()).then(|| trimmed(end + 1..s.len())).flatten();
    let mut specs = trimmed(i..end);
    if let Some(r) = specs.clone() {
        if s[r.clone()].starts_with('(') {
            if !s[r.clone()].ends_with(')') {
                return Err("a ( without its )".to_owned());
            }
            specs = trimmed(r.start + 1..r.end - 1);
        }
    }
    if let Some(r) = &specs {
        for piece in s[r.clone()].split(',') {
            let piece = piece.trim();
            let version = OPERATORS
                .iter()
                .find_map(|op| piece.strip_prefix(op))
                .map(str::trim)
                .filter(|v| {
                    !v.is_empty()
                        && v.bytes().all(|b| {
                            b.is_ascii_alphanumeric()
                                || matches!(b, b'.' | b'*' | b'+' | b'!' | b'-' | b'_')
                        })
                });
            if version.is_none() {
                return Err(format!("cannot read the version specifier {piece:?}"));
            }
        }
    }
    Ok(Parts {
        url: None,
        specs,
        markers,
    })
}

/// Pinned iff the only specifier is `===x` or `==x` without a wildcard.
fn specifier_pin(specs: Option<&str>) -> PinState {
    let Some(specs) = specs else {
        return no_version();
    };
    let pieces: Vec<&str> = specs.split(',').map(str::trim).collect();
    if let [piece] = pieces.as_slice() {
        if piece.starts_with("===") {
            return PinState::Pinned;
        }
        if piece.strip_prefix("==").is_some_and(|v| !v.contains('*')) {
            return PinState::Pinned;
        }
    }
    PinState::Unpinned(format!("version {specs} is not one exact version"))
}

/// The VCS ref of a direct URL (`git+https://host/repo@<ref>#...`).
fn url_ref(url: &str) -> Option<&str> {
    let base = url.split('#').next().unwrap_or(url);
    let after_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    let (_, path) = after_scheme.split_once('/')?;
    path.rsplit_once('@')
        .map(|(_, r)| r)
        .filter(|r| !r.is_empty())
}

fn url_pin(url: &str, hashed: bool) -> PinState {
    // `@<commit>` selects a commit only for a VCS URL (`git+https://…`); in
    // a plain download URL it is part of the path, which names a commit only
    // on a forge that serves by commit.
    let vcs = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| url.trim().to_ascii_lowercase().starts_with(p));
    let commit = match vcs {
        true => url_ref(url).is_some_and(is_commit),
        false => crate::address::forge_commit(url).is_some(),
    };
    if hashed || commit {
        PinState::Pinned
    } else {
        PinState::Unpinned(format!(
            "direct URL {url} is pinned by neither a 40-hex commit nor a --hash"
        ))
    }
}

/// One requirement string, wherever it was written.
struct Requirement<'a> {
    text: &'a str,
    /// The file span of `text[range]`.
    span_of: &'a dyn Fn(Range<usize>) -> Span,
    /// `--hash` options follow it (requirements.txt).
    hashed: bool,
}

/// A `name...` requirement of a Pulumi provider -> its dependency; `None`
/// for every other package.
fn named(req: &Requirement, section: &str) -> Result<Option<Dependency>, ExtractError> {
    let len = name_len(req.text);
    let normalized = normalize(&req.text[..len]);
    if len == 0 || !is_provider(&normalized) {
        return Ok(None);
    }
    let parts = parse_parts(req.text, len).map_err(|reason| {
        ExtractError::new(
            format!(
                "{section}: cannot read the requirement {:?}: {reason}",
                req.text
            ),
            (req.span_of)(0..req.text.len()).start,
        )
    })?;
    let name_span = (req.span_of)(0..len);
    let mut key = format!("{section}.{normalized}");
    if let Some(markers) = &parts.markers {
        key.push(';');
        key.push_str(&one_line(&req.text[markers.clone()]));
    }
    let mut dep = dependency(Kind::Provider, key, normalized.clone(), name_span);
    match parts.url {
        Some(url) => {
            let written = &req.text[url.clone()];
            let span = (req.span_of)(url);
            dep.pin = url_pin(written, req.hashed);
            dep.version = url_ref(written).map(|r| Spanned::new(r.to_owned(), span));
            dep.source = Some(Spanned::new(written.to_owned(), span));
        }
        None => {
            dep.source = Some(Spanned::new(normalized, name_span));
            dep.pin = specifier_pin(parts.specs.clone().map(|r| &req.text[r]));
            dep.version = parts
                .specs
                .map(|r| Spanned::new(req.text[r.clone()].to_owned(), (req.span_of)(r)));
        }
    }
    Ok(Some(dep))
}

/// A logical line of requirements.txt (`\` continuations joined), with the
/// file offset of each of its bytes.
struct Line {
    text: String,
    offsets: Vec<usize>,
}

impl Line {
    fn span(&self, range: Range<usize>) -> Span {
        let at = |i: usize| self.offsets.get(i).copied().unwrap_or_default();
        if range.start >= range.end {
            Span::new(at(range.start), at(range.start))
        } else {
            Span::new(at(range.start), at(range.end - 1) + 1)
        }
    }
}

fn logical_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current = Line {
        text: String::new(),
        offsets: Vec::new(),
    };
    let mut start = 0;
    for physical in text.split_inclusive('\n') {
        let body = physical.trim_end_matches(['\n', '\r']);
        let (body, continued) = match body.strip_suffix('\\') {
            Some(rest) => (rest, true),
            None => (body, false),
        };
        current.text.push_str(body);
        current.offsets.extend(start..start + body.len());
        start += physical.len();
        if !continued {
            current.offsets.push(start.min(text.len()));
            lines.push(std::mem::replace(
                &mut current,
                Line {
                    text: String::new(),
                    offsets: Vec::new(),
                },
            ));
        }
    }
    if !current.text.is_empty() {
        current.offsets.push(text.len());
        lines.push(current);
    }
    lines
}

/// Where a `#` comment starts: at the line start or after whitespace.
fn comment_start(line: &str) -> usize {
    line.char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
        .map_or(line.len(), |(i, _)| i)
}

fn is_url(s: &str) -> bool {
    [
        "git+", "hg+", "svn+", "bzr+", "http://", "https://", "file:",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// Global options of a requirements file that change where pip looks for
/// every requirement in it (wherever they are written), by their long
/// names: another index, more indexes, more places for archives, files
/// whose own options and requirements join this file's, hosts whose
/// certificate is not checked.
const SOURCE_OPTIONS: &[(&str, Option<&str>)] = &[
    ("--index-url", Some("-i")),
    ("--extra-index-url", None),
    ("--find-links", Some("-f")),
    ("--no-index", None),
    ("--trusted-host", None),
    ("--requirement", Some("-r")),
    ("--constraint", Some("-c")),
];

/// An option line -> the source option it sets (`--index-url URL`), by its
/// long name, whichever spelling was written (`-i URL`, `-iURL`,
/// `--index-url=URL`); `None` for other options.
fn source_option(content: &str) -> Option<String> {
    let (word, rest) = content
        .split_once(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or((content, ""));
    for (long, short) in SOURCE_OPTIONS {
        let value = if word == *long {
            rest.trim()
        } else if let Some(short) = short.filter(|s| content.starts_with(s)) {
            content[short.len()..]
                .trim_start_matches([' ', '\t', '='])
                .trim()
        } else {
            continue;
        };
        return Some(match value {
            "" => (*long).to_owned(),
            value => format!("{long} {}", one_line(value)),
        });
    }
    None
}

/// A requirement that is a path (`./sdk`, `/wheels/x.whl`, `.`) rather than
/// a name.
fn is_path(s: &str) -> bool {
    let len = name_len(s);
    let named = len > 0
        && s[len..]
            .trim_start()
            .starts_with(['@', '[', '=', '<', '>', '~', '!', ';', '(']);
    let located = s.starts_with(['.', '/', '~', '\\'])
        || s.split(['#', ' ', ';'])
            .next()
            .is_some_and(|p| p.contains('/') || p.contains('\\') || archive_name(p).is_some());
    !named && located
}

/// The project an archive's file name names: `pulumi_aws-6.54.2-py3-none-any.whl`
/// and `pulumi-aws-6.54.2.tar.gz` are `pulumi-aws`.
fn archive_name(location: &str) -> Option<String> {
    let file = location
        .split(['#', '?'])
        .next()?
        .rsplit(['/', '\\'])
        .next()?;
    let stem = [".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))?;
    // The name ends where a `-` is followed by the version's first digit.
    let end = stem
        .char_indices()
        .find(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map_or(stem.len(), |(i, _)| i);
    (end > 0).then(|| normalize(&stem[..end]))
}

/// The project a direct reference names: its `#egg=`, else its wheel's
/// file name.
fn direct_name(location: &str) -> Option<String> {
    let egg = location
        .split_once('#')
        .and_then(|(_, fragment)| fragment.split('&').find_map(|p| p.strip_prefix("egg=")))
        .map(|egg| normalize(&egg[..name_len(egg)]))
        .filter(|name| !name.is_empty());
    // Only a wheel's file name is checked against what it holds (pip
    // refuses a wheel whose metadata names another project); a downloaded
    // sdist is named by its metadata once built, whatever the file is
    // called, so its name is not known here. (A local archive is part of
    // the tree, and read by its name.)
    let remote = ["http://", "https://"]
        .iter()
        .any(|p| location.starts_with(p));
    let wheel = location
        .split(['#', '?'])
        .next()
        .is_some_and(|l| l.ends_with(".whl"));
    egg.or_else(|| (!remote || wheel).then(|| archive_name(location)).flatten())
}

pub(super) fn requirements(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let mut deps = Deps::default();
    // What changes where every requirement of the file comes from: the
    // source options, and direct references pip names only once it has
    // fetched them (`-e .`, `git+https://host/repo`), which may be any
    // project, a Pulumi provider included.
    let mut options: BTreeSet<String> = BTreeSet::new();
    for line in logical_lines(text) {
        let content_end = comment_start(&line.text);
        let raw = &line.text[..content_end];
        let start = raw.len() - raw.trim_start().len();
        let content = raw.trim();
        if content.is_empty() {
            continue;
        }
        // `-e <url or path>` is a requirement; the source options change
        // where all of them come from; other option lines do not.
        let (start, content, editable) = match ["--editable", "-e"]
            .iter()
            .find_map(|p| content.strip_prefix(p))
        {
            Some(rest) if rest.starts_with([' ', '\t', '=']) => {
                let rest_trimmed = rest.trim_start_matches([' ', '\t', '=']);
                (
                    start + content.len() - rest_trimmed.len(),
                    rest_trimmed,
                    true,
                )
            }
            _ if content.starts_with('-') => {
                options.extend(source_option(content));
                continue;
            }
            _ => (start, content, false),
        };
        // Per-requirement options (`--hash=...`) follow the requirement.
        let options_at = content
            .char_indices()
            .find(|&(i, c)| c == '-' && i > 0 && content[..i].ends_with(char::is_whitespace))
            .map_or(content.len(), |(i, _)| i);
        let hashed = content[options_at..].contains("--hash");
        let requirement = content[..options_at].trim_end();
        let span_of = |r: Range<usize>| line.span(start + r.start..start + r.end);
        let req = Requirement {
            text: requirement,
            span_of: &span_of,
            hashed,
        };
        let dep = if is_url(requirement) || is_path(requirement) {
            match direct_name(requirement) {
                Some(name) => direct(&req, name),
                None => {
                    let flag = if editable { "--editable " } else { "" };
                    options.insert(format!("{flag}{}", one_line(requirement)));
                    None
                }
            }
        } else {
            named(&req, "requirements")?
        };
        if let Some(mut dep) = dep {
            // The hashes are what pins a hashed requirement: a swapped hash
            // is a change even when the version text stays.
            let hashes: Vec<String> = content[options_at..]
                .split_whitespace()
                .filter_map(|o| {
                    o.strip_prefix("--hash=")
                        .or_else(|| o.strip_prefix("--hash"))
                })
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect();
            dep.hashes = hashes;
            let key = dep.key.clone();
            deps.push(dep, |_| {
                format!("requirements.txt: {key} is required twice")
            })?;
        }
    }
    let mut list = in_file_order(deps);
    if !options.is_empty() {
        let from = options.into_iter().collect::<Vec<_>>().join(", ");
        // A requirement by name is looked up where the options say; a
        // direct reference is fetched from where it says.
        for dep in list.iter_mut().filter(|d| d.source_str() == Some(&d.name)) {
            if let Some(source) = &mut dep.source {
                source.value = format!("{} from {from}", dep.name);
            }
        }
    }
    Ok(list)
}

/// A URL or path requirement that names a Pulumi provider (`#egg=`, or an
/// archive's file name); a directory or file of the tree is pinned by the
/// commit, a URL as [`url_pin`] says.
fn direct(req: &Requirement, normalized: String) -> Option<Dependency> {
    if !is_provider(&normalized) {
        return None;
    }
    let span = (req.span_of)(0..req.text.len());
    let mut dep = dependency(
        Kind::Provider,
        format!("requirements.{normalized}"),
        normalized,
        span,
    );
    dep.pin = if is_url(req.text) && !req.text.starts_with("file:") {
        url_pin(req.text, req.hashed)
    } else {
        PinState::Pinned
    };
    dep.version = url_ref(req.text).map(|r| Spanned::new(r.to_owned(), span));
    dep.source = Some(Spanned::new(req.text.to_owned(), span));
    Some(dep)
}

type Value<'i> = TomlSpanned<DeValue<'i>>;

fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn span_of<T>(value: &TomlSpanned<T>) -> Span {
    Span::from(value.span())
}

fn table<'t, 'i>(value: &'t Value<'i>, what: &str) -> Result<&'t DeTable<'i>, ExtractError> {
    match value.get_ref() {
        DeValue::Table(t) => Ok(t),
        other => Err(ExtractError::new(
            format!(
                "pyproject.toml: {what} must be a table, not {}",
                other.type_str()
            ),
            span_of(value).start,
        )),
    }
}

pub(super) fn pyproject(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let root = DeTable::parse(text).map_err(|err| {
        ExtractError::new(
            format!("TOML syntax error: {}", one_line(err.message())),
            err.span().map_or(0, |s| s.start),
        )
    })?;
    let root = root.get_ref();
    let mut deps = Deps::default();
    if let Some(project) = get(root, "project") {
        let project = table(project, "[project]")?;
        if let Some(list) = get(project, "dependencies") {
            pep508_list(text, list, "project.dependencies", &mut deps)?;
        }
        if let Some(extras) = get(project, "optional-dependencies") {
            for (extra, list) in table(extras, "[project.optional-dependencies]")? {
                let section = format!("project.optional-dependencies.{}", extra.get_ref());
                pep508_list(text, list, &section, &mut deps)?;
            }
        }
    }
    if let Some(groups) = get(root, "dependency-groups") {
        for (group, list) in table(groups, "[dependency-groups]")? {
            let section = format!("dependency-groups.{}", group.get_ref());
            pep508_list(text, list, &section, &mut deps)?;
        }
    }
    let poetry = match get(root, "tool") {
        Some(tool) => get(table(tool, "[tool]")?, "poetry"),
        None => None,
    };
    if let Some(poetry) = poetry {
        let poetry = table(poetry, "[tool.poetry]")?;
        for section in ["dependencies", "dev-dependencies"] {
            if let Some(value) = get(poetry, section) {
                poetry_section(value, &format!("tool.poetry.{section}"), &mut deps)?;
            }
        }
        if let Some(groups) = get(poetry, "group") {
            for (group, body) in table(groups, "[tool.poetry.group]")? {
                let owner = format!("tool.poetry.group.{}", group.get_ref());
                if let Some(value) = get(table(body, &format!("[{owner}]"))?, "dependencies") {
                    poetry_section(value, &format!("{owner}.dependencies"), &mut deps)?;
                }
            }
        }
    }
    let mut list = in_file_order(deps);
    tool_sources(root, &mut list);
    Ok(list)
}

/// The settings of Poetry, uv and PDM that move where every package of the
/// file is looked up (their indexes and sources), and uv's per-package
/// `[tool.uv.sources]`: part of the source of each requirement by name, as
/// `<name> from <setting = value>, ...`.
fn tool_sources(root: &DeTable, deps: &mut [Dependency]) {
    let Some(tool) = get(root, "tool").and_then(|t| match t.get_ref() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }) else {
        return;
    };
    let section = |name: &str| match get(tool, name).map(TomlSpanned::get_ref) {
        Some(DeValue::Table(t)) => Some(t),
        _ => None,
    };
    let mut shared: BTreeSet<String> = BTreeSet::new();
    let mut per_package: Vec<(String, String)> = Vec::new();
    for (owner, keys) in [
        ("poetry", &["source"][..]),
        ("pdm", &["source"][..]),
        (
            "uv",
            &[
                "index",
                "index-url",
                "extra-index-url",
                "find-links",
                "no-index",
            ][..],
        ),
    ] {
        let Some(settings) = section(owner) else {
            continue;
        };
        for key in keys {
            if let Some(value) = get(settings, key) {
                shared.insert(format!(
                    "tool.{owner}.{key} = {}",
                    render(value.get_ref(), 0)
                ));
            }
        }
    }
    if let Some(DeValue::Table(sources)) = section("uv")
        .and_then(|uv| get(uv, "sources"))
        .map(TomlSpanned::get_ref)
    {
        for (name, value) in sources {
            per_package.push((
                normalize(name.get_ref()),
                format!("tool.uv.sources = {}", render(value.get_ref(), 0)),
            ));
        }
    }
    for dep in deps {
        let Some(source) = &mut dep.source else {
            continue;
        };
        // A requirement by name (a URL or git source says where it is).
        let by_name =
            source.value == dep.name || source.value.starts_with(&format!("{} from ", dep.name));
        if !by_name {
            continue;
        }
        let mut from: Vec<String> = source
            .value
            .strip_prefix(&format!("{} from ", dep.name))
            .map(|rest| vec![rest.to_owned()])
            .unwrap_or_default();
        from.extend(
            per_package
                .iter()
                .filter(|(name, _)| *name == dep.name)
                .map(|(_, s)| s.clone()),
        );
        from.extend(shared.iter().cloned());
        if !from.is_empty() {
            source.value = format!("{} from {}", dep.name, from.join(", "));
        }
    }
}

/// A TOML value on one line, in a stable form (tables by key).
fn render(value: &DeValue, depth: usize) -> String {
    if depth > 16 {
        return "...".to_owned();
    }
    match value {
        DeValue::String(s) => format!("{:?}", s.as_ref()),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => f.to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| render(v.get_ref(), depth + 1))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DeValue::Table(t) => format!(
            "{{{}}}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", k.get_ref(), render(v.get_ref(), depth + 1)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Where a TOML string's value starts in the file, when it is written
/// there byte for byte between single quotes or double quotes.
fn verbatim_start(text: &str, span: Span, value: &str) -> Option<usize> {
    let written = text.get(span.start..span.end)?;
    let inner = written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .or_else(|| {
            written
                .strip_prefix('\'')
                .and_then(|w| w.strip_suffix('\''))
        })?;
    (inner == value).then_some(span.start + 1)
}

/// An array of PEP 508 strings (`{include-group = ...}` tables are skipped).
fn pep508_list(
    text: &str,
    list: &Value,
    section: &str,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let DeValue::Array(items) = list.get_ref() else {
        return Err(ExtractError::new(
            format!("pyproject.toml: {section} must be an array of requirement strings"),
            span_of(list).start,
        ));
    };
    for item in items {
        let value = match item.get_ref() {
            DeValue::String(s) => s,
            DeValue::Table(_) if section.starts_with("dependency-groups.") => continue,
            other => {
                return Err(ExtractError::new(
                    format!(
                        "pyproject.toml: {section} must hold requirement strings, not {}",
                        other.type_str()
                    ),
                    span_of(item).start,
                ))
            }
        };
        let whole = span_of(item);
        let base = verbatim_start(text, whole, value);
        let leading = value.len() - value.trim_start().len();
        let span_of = |r: Range<usize>| match base {
            Some(base) => Span::new(base + leading + r.start, base + leading + r.end),
            None => whole,
        };
        let req = Requirement {
            text: value.trim(),
            span_of: &span_of,
            hashed: false,
        };
        if let Some(dep) = named(&req, section)? {
            let key = dep.key.clone();
            deps.push(dep, |_| format!("pyproject.toml: {key} is required twice"))?;
        }
    }
    Ok(())
}

/// A Poetry dependency table: `name = "constraint"` or a table.
fn poetry_section(value: &Value, section: &str, deps: &mut Deps) -> Result<(), ExtractError> {
    for (name, spec) in table(value, &format!("[{section}]"))? {
        let normalized = normalize(name.get_ref());
        if !is_provider(&normalized) {
            continue;
        }
        let key = format!("{section}.{normalized}");
        let name_span = span_of(name);
        let mut dep = dependency(Kind::Provider, key.clone(), normalized.clone(), name_span);
        dep.source = Some(Spanned::new(normalized, name_span));
        let string = |field: &str, t: &DeTable| -> Result<Option<Spanned<String>>, ExtractError> {
            match get(t, field) {
                Some(v) => match v.get_ref() {
                    DeValue::String(s) => Ok(Some(Spanned::new(s.to_string(), span_of(v)))),
                    other => Err(ExtractError::new(
                        format!(
                            "pyproject.toml: {key}: {field} must be a string, not {}",
                            other.type_str()
                        ),
                        span_of(v).start,
                    )),
                },
                None => Ok(None),
            }
        };
        match spec.get_ref() {
            DeValue::String(s) => {
                dep.pin = poetry_pin(s);
                dep.version = Some(Spanned::new(s.to_string(), span_of(spec)));
            }
            DeValue::Table(t) => {
                if get(t, "path").is_some() {
                    continue;
                }
                if let Some(git) = string("git", t)? {
                    let reference = match string("rev", t)? {
                        Some(rev) => Some(rev),
                        None => match string("tag", t)? {
                            Some(tag) => Some(tag),
                            None => string("branch", t)?,
                        },
                    };
                    dep.pin = match &reference {
                        Some(r) if is_commit(&r.value) => PinState::Pinned,
                        _ => PinState::Unpinned(format!(
                            "git dependency {} is not pinned to a 40-hex rev",
                            git.value
                        )),
                    };
                    dep.version = reference;
                    dep.source = Some(git);
                } else if let Some(url) = string("url", t)? {
                    dep.pin = url_pin(&url.value, false);
                    dep.source = Some(url);
                } else {
                    let version = string("version", t)?;
                    dep.pin = version
                        .as_ref()
                        .map_or_else(no_version, |v| poetry_pin(&v.value));
                    dep.version = version;
                    // A named source of `[[tool.poetry.source]]`.
                    if let (Some(from), Some(source)) = (string("source", t)?, &mut dep.source) {
                        source.value = format!("{} from source {:?}", source.value, from.value);
                    }
                }
            }
            DeValue::Array(_) => {
                dep.pin = PinState::Unpinned(
                    "several constraints (a list) are not resolved statically".to_owned(),
                );
            }
            other => {
                return Err(ExtractError::new(
                    format!(
                        "pyproject.toml: {key} must be a version string or a table, not {}",
                        other.type_str()
                    ),
                    span_of(spec).start,
                ))
            }
        }
        deps.push(dep, |_| format!("pyproject.toml: {key} is given twice"))?;
    }
    Ok(())
}

/// Poetry: a bare `x.y.z` or `==x.y.z` is exact; `^`, `~`, `*`, ranges are not.
fn poetry_pin(constraint: &str) -> PinState {
    let t = constraint.trim();
    if t.is_empty() {
        return no_version();
    }
    let bare = t
        .strip_prefix("==")
        .or_else(|| t.strip_prefix('='))
        .unwrap_or(t)
        .trim();
    let exact = bare.starts_with(|c: char| c.is_ascii_digit())
        && bare
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'!' | b'-' | b'_'));
    if exact {
        PinState::Pinned
    } else {
        PinState::Unpinned(format!("version {t} is not one exact version"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIREMENTS: &str =
        include_str!("../../../../../tests/fixtures/pulumi/requirements.txt");
    const PYPROJECT: &str = include_str!("../../../../../tests/fixtures/pulumi/pyproject.toml");

    fn unpinned(reason: &str) -> PinState {
        PinState::Unpinned(reason.to_owned())
    }

    type Row = (String, String, Option<String>, Option<String>, PinState);

    fn rows(deps: &[Dependency]) -> Vec<Row> {
        deps.iter()
            .map(|d| {
                (
                    d.key.clone(),
                    d.name.clone(),
                    d.source_str().map(str::to_owned),
                    d.version_str().map(str::to_owned),
                    d.pin.clone(),
                )
            })
            .collect()
    }

    fn row(key: &str, name: &str, source: &str, version: Option<&str>, pin: PinState) -> Row {
        (
            key.to_owned(),
            name.to_owned(),
            Some(source.to_owned()),
            version.map(str::to_owned),
            pin,
        )
    }

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

    #[test]
    fn requirements_fixture() {
        let deps = requirements(REQUIREMENTS).unwrap();
        // The file's `--extra-index-url` and `-r` change where every
        // requirement by name is looked up.
        let from = |name: &str| {
            format!(
                "{name} from --extra-index-url https://pypi.example.com/simple, \
                 --requirement requirements-dev.txt"
            )
        };
        let git =
            format!("git+https://github.com/pulumi/pulumi-tls.git@{SHA}#subdirectory=sdk/python");
        assert_eq!(
            rows(&deps),
            vec![
                row("requirements.pulumi-aws", "pulumi-aws", &from("pulumi-aws"), Some("==6.54.2"), PinState::Pinned),
                row(
                    "requirements.pulumi-random",
                    "pulumi-random",
                    &from("pulumi-random"),
                    Some(">=4.16,<5"),
                    unpinned("version >=4.16,<5 is not one exact version")
                ),
                row(
                    "requirements.pulumi-kubernetes",
                    "pulumi-kubernetes",
                    &from("pulumi-kubernetes"),
                    Some("~=4.18.1"),
                    unpinned("version ~=4.18.1 is not one exact version")
                ),
                row(
                    "requirements.pulumi-gcp",
                    "pulumi-gcp",
                    &from("pulumi-gcp"),
                    None,
                    unpinned("no version: takes the newest release")
                ),
                row(
                    "requirements.pulumiverse-grafana",
                    "pulumiverse-grafana",
                    &from("pulumiverse-grafana"),
                    Some("==0.4.*"),
                    unpinned("version ==0.4.* is not one exact version")
                ),
                row(
                    "requirements.pulumi-azure-native",
                    "pulumi-azure-native",
                    &from("pulumi-azure-native"),
                    Some("==2.64.3"),
                    PinState::Pinned
                ),
                row("requirements.pulumi-tls", "pulumi-tls", &git, Some(SHA), PinState::Pinned),
                row(
                    "requirements.pulumi-command;sys_platform == \"linux\"",
                    "pulumi-command",
                    &from("pulumi-command"),
                    Some("==1.0.1"),
                    PinState::Pinned
                ),
                row(
                    "requirements.pulumi-docker",
                    "pulumi-docker",
                    "git+https://github.com/pulumi/pulumi-docker@v4.5.5#egg=pulumi_docker",
                    Some("v4.5.5"),
                    unpinned(
                        "direct URL git+https://github.com/pulumi/pulumi-docker@v4.5.5#egg=pulumi_docker \
                         is pinned by neither a 40-hex commit nor a --hash"
                    )
                ),
                row(
                    "requirements.pulumi-local",
                    "pulumi-local",
                    "./sdks/local#egg=pulumi-local",
                    None,
                    PinState::Pinned
                ),
            ]
        );
        let aws = &deps[0];
        let v = aws.version.as_ref().unwrap();
        assert_eq!(&REQUIREMENTS[v.span.start..v.span.end], "==6.54.2");
        assert_eq!(&REQUIREMENTS[aws.span.start..aws.span.end], "pulumi_aws");
        // Across a `\` continuation the span covers both physical lines.
        let azure = &deps[5];
        let v = azure.version.as_ref().unwrap();
        assert_eq!(&REQUIREMENTS[v.span.start..v.span.end], "==2.64.3");
    }

    #[test]
    fn requirements_edge_cases() {
        assert_eq!(requirements("").unwrap(), vec![]);
        assert_eq!(
            requirements("# only\n\n-r base.txt\n--index-url https://x\nrequests>=2\n").unwrap(),
            vec![]
        );
        // A Pulumi requirement pip cannot read is an error at its line.
        let text = "requests\npulumi-aws=6.0.0\n";
        let err = requirements(text).unwrap_err();
        assert_eq!(err.offset, 9);
        let err = requirements("pulumi-aws[extra==1\n").unwrap_err();
        assert_eq!(err.offset, 0);
        // Others' malformed lines are not our business.
        assert_eq!(requirements("requests=2\n").unwrap(), vec![]);
        let err = requirements("pulumi-aws==1.0.0\npulumi_aws==2.0.0\n").unwrap_err();
        assert_eq!(err.offset, 18);
        // A URL pinned by a hash; a local editable path is the tree's.
        let deps = requirements(
            "pulumi-aws @ https://files.example.com/pulumi_aws-6.54.2.tar.gz --hash=sha256:abc\n-e ./sdk#egg=pulumi-local\n",
        )
        .unwrap();
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[1].source_str(), Some("./sdk#egg=pulumi-local"));
        assert_eq!(deps[0].pin, PinState::Pinned);
        assert_eq!(
            deps[0].source_str(),
            Some("https://files.example.com/pulumi_aws-6.54.2.tar.gz")
        );
        assert_eq!(normalize("Pulumi__AWS.native"), "pulumi-aws-native");
        assert!(!is_provider("pulumi"));
        assert!(!is_provider("pulumi-"));
    }

    /// Where pip looks for a pinned name is part of its source: another
    /// index, more indexes or archive places, included files, or a direct
    /// reference that may turn out to be the same project.
    #[test]
    fn source_options_are_part_of_a_named_requirement_source() {
        let source = |text: &str| {
            let deps = requirements(text).unwrap();
            assert_eq!(deps.len(), 1, "{text}");
            deps[0].source_str().unwrap().to_owned()
        };
        assert_eq!(source("pulumi-aws==6.54.2\n"), "pulumi-aws");
        assert_eq!(
            source("requests==2\n--no-binary :all:\n--pre\npulumi-aws==6.54.2\n"),
            "pulumi-aws"
        );
        let cases: &[(&str, &str)] = &[
            (
                "-i https://evil.example/simple",
                "--index-url https://evil.example/simple",
            ),
            (
                "-ihttps://evil.example/simple",
                "--index-url https://evil.example/simple",
            ),
            (
                "--index-url=https://evil.example/simple",
                "--index-url https://evil.example/simple",
            ),
            (
                "--index-url https://evil.example/simple",
                "--index-url https://evil.example/simple",
            ),
            (
                "--extra-index-url https://x/simple",
                "--extra-index-url https://x/simple",
            ),
            ("-f ./wheels", "--find-links ./wheels"),
            (
                "--find-links=https://x/wheels",
                "--find-links https://x/wheels",
            ),
            ("--no-index", "--no-index"),
            ("--trusted-host evil.example", "--trusted-host evil.example"),
            ("-r other.txt", "--requirement other.txt"),
            ("-c constraints.txt", "--constraint constraints.txt"),
            ("-e .", "--editable ."),
            ("./vendor/sdk", "./vendor/sdk"),
            (
                "git+https://github.com/evil/x.git@0123456789abcdef0123456789abcdef01234567",
                "git+https://github.com/evil/x.git@0123456789abcdef0123456789abcdef01234567",
            ),
        ];
        for (line, option) in cases {
            // Before or after the requirement: pip reads options first.
            for text in [
                format!("{line}\npulumi-aws==6.54.2\n"),
                format!("pulumi-aws==6.54.2\n{line}  # why\n"),
            ] {
                assert_eq!(source(&text), format!("pulumi-aws from {option}"), "{text}");
            }
        }
        // Several, in one order whatever the file's.
        assert_eq!(
            source("--trusted-host h\npulumi-aws==6.54.2\n-i https://m/simple\n"),
            "pulumi-aws from --index-url https://m/simple, --trusted-host h"
        );
        // A direct reference is fetched from where it says.
        let text = "-i https://m/simple\npulumi-aws @ https://h/pulumi_aws-6.54.2.tar.gz\n";
        assert_eq!(source(text), "https://h/pulumi_aws-6.54.2.tar.gz");
    }

    #[test]
    fn direct_references_name_their_project() {
        let keys = |text: &str| -> Vec<(String, String, PinState)> {
            requirements(text)
                .unwrap()
                .into_iter()
                .map(|d| (d.key, d.source.unwrap().value, d.pin))
                .collect()
        };
        let key = |k: &str, s: &str, p: PinState| (k.to_owned(), s.to_owned(), p);
        assert_eq!(
            keys("./wheels/pulumi_aws-6.54.2-py3-none-any.whl\n"),
            [key(
                "requirements.pulumi-aws",
                "./wheels/pulumi_aws-6.54.2-py3-none-any.whl",
                PinState::Pinned
            )]
        );
        assert_eq!(
            keys("pulumi_aws-6.54.2.tar.gz\n"),
            [key(
                "requirements.pulumi-aws",
                "pulumi_aws-6.54.2.tar.gz",
                PinState::Pinned
            )]
        );
        assert_eq!(
            keys("-e ../forks/aws#egg=pulumi_aws\n"),
            [key(
                "requirements.pulumi-aws",
                "../forks/aws#egg=pulumi_aws",
                PinState::Pinned
            )]
        );
        let url = "https://evil.example/pulumi_aws-6.54.2-py3-none-any.whl";
        assert_eq!(
            keys(&format!("{url}\n")),
            [key(
                "requirements.pulumi-aws",
                url,
                PinState::Unpinned(format!(
                    "direct URL {url} is pinned by neither a 40-hex commit nor a --hash"
                ))
            )]
        );
        assert_eq!(keys("./wheels/requests-2.0-py3-none-any.whl\n"), []);
        assert_eq!(
            keys("pulumi-aws[x]@https://h/p.tar.gz\n")[0].1,
            "https://h/p.tar.gz"
        );
        assert_eq!(
            archive_name("a/b/pulumi-azure-native-2.64.3.zip").as_deref(),
            Some("pulumi-azure-native")
        );
        assert_eq!(archive_name("x.txt"), None);
    }

    #[test]
    fn pyproject_fixture() {
        let deps = pyproject(PYPROJECT).unwrap();
        assert_eq!(
            rows(&deps),
            vec![
                row(
                    "project.dependencies.pulumi-aws",
                    "pulumi-aws",
                    "pulumi-aws",
                    Some("==6.54.2"),
                    PinState::Pinned
                ),
                row(
                    "project.dependencies.pulumi-random",
                    "pulumi-random",
                    "pulumi-random",
                    Some(">= 4.16"),
                    unpinned("version >= 4.16 is not one exact version")
                ),
                row(
                    "project.dependencies.pulumi-gcp",
                    "pulumi-gcp",
                    "pulumi-gcp",
                    None,
                    unpinned("no version: takes the newest release")
                ),
                row(
                    "project.optional-dependencies.k8s.pulumi-kubernetes",
                    "pulumi-kubernetes",
                    "pulumi-kubernetes",
                    Some("==4.18.1"),
                    PinState::Pinned
                ),
                row(
                    "dependency-groups.dev.pulumi-command",
                    "pulumi-command",
                    "pulumi-command",
                    Some("~=1.0"),
                    unpinned("version ~=1.0 is not one exact version")
                ),
                row(
                    "tool.poetry.dependencies.pulumi-aws",
                    "pulumi-aws",
                    "pulumi-aws",
                    Some("6.54.2"),
                    PinState::Pinned
                ),
                row(
                    "tool.poetry.dependencies.pulumi-random",
                    "pulumi-random",
                    "pulumi-random",
                    Some("^4.16.7"),
                    unpinned("version ^4.16.7 is not one exact version")
                ),
                row(
                    "tool.poetry.dependencies.pulumi-tls",
                    "pulumi-tls",
                    "https://github.com/pulumi/pulumi-tls.git",
                    Some(SHA),
                    PinState::Pinned
                ),
                row(
                    "tool.poetry.dependencies.pulumi-docker",
                    "pulumi-docker",
                    "https://github.com/pulumi/pulumi-docker.git",
                    Some("v4.5.5"),
                    unpinned(
                        "git dependency https://github.com/pulumi/pulumi-docker.git is not pinned \
                         to a 40-hex rev"
                    )
                ),
                row(
                    "tool.poetry.dependencies.pulumi-kubernetes",
                    "pulumi-kubernetes",
                    "pulumi-kubernetes",
                    Some("==4.18.1"),
                    PinState::Pinned
                ),
                row(
                    "tool.poetry.group.dev.dependencies.pulumi-command",
                    "pulumi-command",
                    "pulumi-command",
                    Some("*"),
                    unpinned("version * is not one exact version")
                ),
            ]
        );
        let aws = &deps[0];
        let v = aws.version.as_ref().unwrap();
        assert_eq!(&PYPROJECT[v.span.start..v.span.end], "==6.54.2");
        let poetry_aws = &deps[5];
        let v = poetry_aws.version.as_ref().unwrap();
        assert_eq!(&PYPROJECT[v.span.start..v.span.end], "\"6.54.2\"");
    }

    #[test]
    fn tool_indexes_are_part_of_a_named_requirement_source() {
        let source = |text: &str| {
            let deps = pyproject(text).unwrap();
            deps.iter()
                .map(|d| d.source_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let project = "[project]\ndependencies = [\"pulumi-aws==6.54.2\"]\n";
        assert_eq!(source(project), ["pulumi-aws"]);
        assert_eq!(
            source(&format!(
                "{project}[[tool.uv.index]]\nurl = \"https://evil/simple\"\ndefault = true\n"
            )),
            ["pulumi-aws from tool.uv.index = [{default = true, url = \"https://evil/simple\"}]"]
        );
        assert_eq!(
            source(&format!("{project}[tool.uv.sources]\npulumi_aws = {{ git = \"https://github.com/evil/x\" }}\nother = {{ path = \"x\" }}\n")),
            ["pulumi-aws from tool.uv.sources = {git = \"https://github.com/evil/x\"}"]
        );
        assert_eq!(
            source(&format!(
                "{project}[tool.uv]\nextra-index-url = [\"https://x/simple\"]\n"
            )),
            ["pulumi-aws from tool.uv.extra-index-url = [\"https://x/simple\"]"]
        );
        let poetry = "[tool.poetry.dependencies]\npulumi-aws = { version = \"6.54.2\", source = \"evil\" }\n\n[[tool.poetry.source]]\nname = \"evil\"\nurl = \"https://evil/simple\"\npriority = \"explicit\"\n";
        assert_eq!(
            source(poetry),
            ["pulumi-aws from source \"evil\", tool.poetry.source = [{name = \"evil\", priority = \"explicit\", url = \"https://evil/simple\"}]"]
        );
        // A git source says where it is.
        let git = "[tool.poetry.dependencies]\npulumi-aws = { git = \"https://github.com/pulumi/pulumi-aws.git\", rev = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b\" }\n[tool.pdm]\nsource = [{ url = \"https://x\" }]\n";
        assert_eq!(source(git), ["https://github.com/pulumi/pulumi-aws.git"]);
    }

    #[test]
    fn pyproject_errors() {
        let cases: &[(&str, &str)] = &[
            ("[project\n", "\n"),
            (
                "[project]\ndependencies = \"pulumi-aws\"\n",
                "\"pulumi-aws\"",
            ),
            ("[project]\ndependencies = [1]\n", "1]"),
            (
                "[project]\ndependencies = [\"pulumi-aws=1\"]\n",
                "pulumi-aws=1",
            ),
            ("project = 1\n", "1"),
            ("[tool.poetry.dependencies]\npulumi-aws = 1\n", "1"),
            ("[tool.poetry.dependencies]\npulumi-aws = {git = 1}\n", "1}"),
        ];
        for (text, at) in cases {
            let err = pyproject(text).unwrap_err();
            let want = text.find(at).unwrap();
            assert!(
                err.offset == want || err.offset + 1 == want,
                "{text:?}: {err:?}, want {want}"
            );
        }
        assert_eq!(pyproject("").unwrap(), vec![]);
        assert_eq!(
            pyproject("[tool.poetry.dependencies]\npython = \"^3.11\"\nlocal = {path = \"../x\"}\npulumi-local = {path = \"../y\"}\n")
                .unwrap(),
            vec![]
        );
    }

    #[test]
    fn poetry_pins() {
        assert_eq!(poetry_pin("1.2.3"), PinState::Pinned);
        assert_eq!(poetry_pin("==1.2.3rc1"), PinState::Pinned);
        assert_eq!(poetry_pin(""), no_version());
        for range in ["^1.2", "~1.2", ">=1,<2", "1.*", "*", "1.2 || 1.3"] {
            assert!(
                matches!(poetry_pin(range), PinState::Unpinned(_)),
                "{range}"
            );
        }
    }
}
