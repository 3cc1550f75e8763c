//! Registry and index configuration of the package managers whose packages
//! iacgate judges: where every package of their scope is downloaded from.
//!
//! A pinned version names a release *on a registry*; a file that moves the
//! registry moves the source of every package it applies to, without
//! touching the manifest. Each setting is one dependency whose source is
//! the URL (or list) as written, with a key that starts with
//! [`crate::model::REGISTRY_KEY`]; the rules judge it as part of the source
//! of the packages (see `Judge::registry` in [`crate::analysis`]).
//!
//! | File | Settings |
//! |---|---|
//! | `.npmrc` | `registry`, `@scope:registry` |
//! | `.yarnrc.yml` | `npmRegistryServer`, `npmScopes.<scope>.npmRegistryServer` |
//! | `pip.conf`, `pip.ini` | `index-url`, `extra-index-url`, `find-links` in any section |
//! | `uv.toml` | `index-url`, `extra-index-url`, `find-links`, `[[index]]` `url`, `[pip]` likewise |
//! | `ansible.cfg` | `[galaxy]` `server`, `server_list`; `[galaxy_server.<name>]` `url` |
//!
//! (`requirements.txt` options and `pyproject.toml` `[tool.uv]`,
//! `[tool.poetry] source`, `[tool.pdm] source` are part of the source of
//! each requirement of that file already.)

use std::collections::HashSet;

use toml::de::{DeTable, DeValue};
use toml::Spanned as TomlSpanned;

use super::{one_line, yaml};
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, Span, Spanned, REGISTRY_KEY};

/// Which registry configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryFile {
    Npmrc,
    Yarnrc,
    /// yarn classic's `.yarnrc`.
    YarnClassic,
    PipConf,
    UvToml,
    AnsibleCfg,
}

impl RegistryFile {
    pub fn of(name: &str) -> Option<RegistryFile> {
        Some(match name {
            ".npmrc" => RegistryFile::Npmrc,
            ".yarnrc.yml" | ".yarnrc.yaml" => RegistryFile::Yarnrc,
            ".yarnrc" => RegistryFile::YarnClassic,
            "pip.conf" | "pip.ini" => RegistryFile::PipConf,
            "uv.toml" => RegistryFile::UvToml,
            "ansible.cfg" => RegistryFile::AnsibleCfg,
            _ => return None,
        })
    }

    fn tool(self) -> &'static str {
        match self {
            RegistryFile::Npmrc => "npm",
            RegistryFile::Yarnrc | RegistryFile::YarnClassic => "yarn",
            RegistryFile::PipConf => "pip",
            RegistryFile::UvToml => "uv",
            RegistryFile::AnsibleCfg => "ansible-galaxy",
        }
    }
}

/// The public registry a tool uses when nothing is configured: setting it
/// explicitly moves nothing.
pub(crate) fn is_default(tool: &str, url: &str) -> bool {
    let url = url.trim().trim_end_matches('/').to_ascii_lowercase();
    let defaults: &[&str] = match tool {
        "npm" | "yarn" => &["https://registry.npmjs.org", "https://registry.yarnpkg.com"],
        "pip" | "uv" => &["https://pypi.org/simple", "https://pypi.python.org/simple"],
        "ansible-galaxy" => &[
            "https://galaxy.ansible.com",
            "https://galaxy.ansible.com/api",
        ],
        _ => &[],
    };
    defaults.contains(&url.as_str())
}

pub(super) fn extract(file: RegistryFile, text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let settings = match file {
        RegistryFile::Npmrc => npmrc(text)?,
        RegistryFile::Yarnrc => yarnrc(text)?,
        RegistryFile::YarnClassic => yarnrc_classic(text)?,
        RegistryFile::PipConf => ini(text, file, pip_key, |_, key| {
            matches!(
                key,
                "index-url" | "extra-index-url" | "find-links" | "i" | "f"
            )
        })?,
        RegistryFile::UvToml => uv_toml(text)?,
        RegistryFile::AnsibleCfg => ini(text, file, str::to_lowercase, |section, key| {
            (section == "galaxy" && matches!(key, "server" | "server_list"))
                || (section.starts_with("galaxy_server.") && key == "url")
        })?,
    };
    let (ecosystem, kind) = match file {
        RegistryFile::AnsibleCfg => (Ecosystem::Ansible, Kind::Collection),
        _ => (Ecosystem::Pulumi, Kind::Plugin),
    };
    let mut seen = HashSet::new();
    let mut deps = Vec::new();
    for (setting, value, span) in settings {
        // A scope's registry moves only the packages of that scope: none
        // that iacgate judges, but for the Pulumi scopes.
        if scope_of(&setting).is_some_and(|scope| !JUDGED_SCOPES.contains(&scope)) {
            continue;
        }
        let key = format!("{REGISTRY_KEY}{}:{setting}", file.tool());
        // The last one given is the one the tool uses.
        if !seen.insert(key.clone()) {
            deps.retain(|d: &Dependency| d.key != key);
        }
        let mut dep = Dependency::new(
            ecosystem,
            kind,
            key,
            format!("{} {setting}", file.tool()),
            span,
        );
        dep.source = Some(Spanned::new(value, span));
        dep.pin = crate::model::PinState::Pinned;
        deps.push(dep);
    }
    deps.sort_by_key(|d| d.span.start);
    Ok(deps)
}

type Setting = (String, String, Span);

/// The npm scopes (without `@`) whose packages iacgate judges.
const JUDGED_SCOPES: &[&str] = &["pulumi", "pulumiverse"];

/// The scope (without `@`) an npm or yarn setting applies to
/// (`@acme:registry`, `--@acme:registry`, `npmScopes.acme.npmRegistryServer`);
/// `None` for one that applies to every package.
fn scope_of(setting: &str) -> Option<&str> {
    if let Some(rest) = setting.strip_prefix("npmScopes.") {
        return rest.strip_suffix(".npmRegistryServer");
    }
    let name = setting.trim_start_matches("--");
    let scoped = name.rsplit('.').next().unwrap_or(name);
    scoped
        .strip_suffix(":registry")
        .and_then(|s| s.strip_prefix('@'))
}

/// The value part of `key = value` on a line that starts at `at`.
fn value_of(line: &str, at: usize, eq: usize) -> (String, Span) {
    let raw = &line[eq + 1..];
    let lead = raw.len() - raw.trim_start().len();
    let value = raw.trim();
    let start = at + eq + 1 + lead;
    (value.to_owned(), Span::new(start, start + value.len()))
}

/// `.npmrc`: `key=value` lines (ini), `;` and `#` comments.
fn npmrc(text: &str) -> Result<Vec<Setting>, ExtractError> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if trimmed.is_empty() || trimmed.starts_with([';', '#']) || trimmed.starts_with('[') {
            continue;
        }
        let Some(eq) = body.find('=') else {
            continue;
        };
        let key = body[..eq].trim();
        if key == "registry" || key.ends_with(":registry") {
            let (value, span) = value_of(body, start, eq);
            let value = value.trim_matches('"').to_owned();
            out.push((key.to_owned(), value, span));
        }
    }
    Ok(out)
}

/// `.yarnrc.yml`: `npmRegistryServer` and `npmScopes.<scope>.npmRegistryServer`.
fn yarnrc(text: &str) -> Result<Vec<Setting>, ExtractError> {
    let mut out = Vec::new();
    let Some(root) = yaml::load(text)? else {
        return Ok(out);
    };
    if root.is_null() {
        return Ok(out);
    }
    let what = ".yarnrc.yml";
    if let Some((_, value)) = root.get("npmRegistryServer", what)? {
        if let Some(s) = value.string("npmRegistryServer")? {
            out.push(("npmRegistryServer".to_owned(), s.value, s.span));
        }
    }
    if let Some((_, scopes)) = root.get("npmScopes", what)? {
        if !scopes.is_null() {
            for (name, scope) in scopes.entries("npmScopes")? {
                let name = name.name("npmScopes")?;
                if scope.is_null() {
                    continue;
                }
                if let Some((_, value)) = scope.get("npmRegistryServer", "npmScopes")? {
                    if let Some(s) = value.string("npmRegistryServer")? {
                        out.push((
                            format!("npmScopes.{name}.npmRegistryServer"),
                            s.value,
                            s.span,
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// yarn classic's `.yarnrc`, read as yarn v1 reads it (its lockfile
/// syntax): one `key value` per line, either part bare or a JSON-quoted
/// string, an optional `:` after the key, `#` comment lines. `registry`,
/// `@scope:registry` and the command-line forms `--registry`,
/// `--<command>.registry` set where packages come from. A line yarn
/// cannot read as that (an unterminated string) fails closed.
fn yarnrc_classic(text: &str) -> Result<Vec<Setting>, ExtractError> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let lead = body.len() - body.trim_start().len();
        let rest = &body[lead..];
        if rest.trim().is_empty() || rest.starts_with('#') {
            continue;
        }
        let Some((key, after)) = yarn_token(rest, start + lead, true)? else {
            continue;
        };
        let after_key = &rest[after..];
        let skip = after_key.len() - after_key.trim_start_matches([' ', '\t', ':']).len();
        let value_at = after + skip;
        let value = match yarn_token(&rest[value_at..], start + lead + value_at, false)? {
            Some((value, end)) => (value, end),
            None => continue,
        };
        let name = key.trim_start_matches("--");
        let name = name.rsplit('.').next().unwrap_or(name);
        if name == "registry" || name.ends_with(":registry") {
            let span = Span::new(start + lead + value_at, start + lead + value_at + value.1);
            out.push((key, value.0, span));
        }
    }
    Ok(out)
}

/// One token of a `.yarnrc` line at its start: a JSON-quoted string
/// (unquoted) or a bare word, with the offset just past it.
fn yarn_token(text: &str, at: usize, key: bool) -> Result<Option<(String, usize)>, ExtractError> {
    if let Some(rest) = text.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let raw = &text[..i + 2];
                    let value: String = serde_json::from_str(raw).map_err(|_| {
                        ExtractError::new("yarn: a string that is not valid JSON", at)
                    })?;
                    return Ok(Some((value, i + 2)));
                }
                _ => escaped = false,
            }
        }
        return Err(ExtractError::new("yarn: an unterminated string", at));
    }
    // A bare key ends at its `:` (`registry:"x"`), as yarn reads it; a
    // bare value is taken whole (yarn itself stops it at a `:` and then
    // fails on the rest).
    let end = text
        .find(|c: char| c.is_whitespace() || c == ',' || (key && c == ':'))
        .unwrap_or(text.len());
    if end == 0 {
        return Ok(None);
    }
    Ok(Some((text[..end].to_owned(), end)))
}

/// An INI file (`pip.conf`, `ansible.cfg`) as Python's `configparser`
/// reads it, which both tools use: `[section]` headers, `key = value` or
/// `key: value` (the first `=` or `:`), `#`/`;` comment lines (indented
/// too), and continuation lines, indented deeper than their option's line
/// (pip's multi-line `extra-index-url`); a line indented no deeper is an
/// option or a header of its own. Option names are case-insensitive
/// (`optionxform` lower-cases them); `key` further normalises a name as
/// the tool does (pip: `_` is `-`, a leading `--` dropped), and
/// `wanted(section, key)` selects on the normalised name.
fn ini(
    text: &str,
    file: RegistryFile,
    key: impl Fn(&str) -> String,
    wanted: impl Fn(&str, &str) -> bool,
) -> Result<Vec<Setting>, ExtractError> {
    let mut out: Vec<Setting> = Vec::new();
    let mut section = String::new();
    let mut at = 0;
    // The indentation of the last option's line, and the setting it
    // opened when it is one we read, for continuation lines.
    let mut option: Option<(usize, Option<usize>)> = None;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        if let Some((level, open)) = option {
            if indent > level {
                if let Some(i) = open {
                    let setting = &mut out[i];
                    setting.1 = format!("{} {trimmed}", setting.1).trim().to_owned();
                    setting.2.end = start + body.trim_end().len();
                }
                continue;
            }
        }
        option = None;
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(end) = rest.rfind(']') else {
                return Err(ExtractError::new(
                    format!("{}: a section header without `]`", file.tool()),
                    start + indent,
                ));
            };
            section = rest[..end].to_owned();
            continue;
        }
        let Some(eq) = body.find(['=', ':']) else {
            continue;
        };
        let name = key(body[..eq].trim());
        if wanted(&section, &name) {
            let (value, span) = value_of(body, start, eq);
            option = Some((indent, Some(out.len())));
            out.push((format!("{section}.{name}"), value, span));
        } else {
            option = Some((indent, None));
        }
    }
    Ok(out)
}

/// pip's `_normalize_name`: the name lower-cased, `_` as `-`, without a
/// leading `--` (`INDEX_URL`, `--index-url` and `index-url` are one).
fn pip_key(name: &str) -> String {
    let name = name.to_lowercase().replace('_', "-");
    match name.strip_prefix("--") {
        Some(rest) => rest.to_owned(),
        None => name,
    }
}

/// `uv.toml`: the index settings at the top and under `[pip]`.
fn uv_toml(text: &str) -> Result<Vec<Setting>, ExtractError> {
    let root = DeTable::parse(text).map_err(|err| {
        ExtractError::new(
            format!("TOML syntax error: {}", one_line(err.message())),
            err.span().map_or(0, |s| s.start),
        )
    })?;
    let root = root.get_ref();
    let mut out = Vec::new();
    let keys = ["index-url", "extra-index-url", "find-links", "index"];
    let mut read = |table: &DeTable, prefix: &str| {
        for (key, value) in table {
            let key = key.get_ref().as_ref();
            if keys.contains(&key) {
                let span = Span::from(value.span());
                let rendered = match default_index(key, value.get_ref()) {
                    Some(url) => url,
                    None => render(value.get_ref()),
                };
                out.push((format!("{prefix}{key}"), rendered, span));
            }
        }
    };
    read(root, "");
    if let Some((_, pip)) = root.iter().find(|(k, _)| k.get_ref().as_ref() == "pip") {
        if let DeValue::Table(pip) = pip.get_ref() {
            read(pip, "pip.");
        }
    }
    Ok(out)
}

/// `[[index]]` entries that all name PyPI (uv's default index, written
/// in its current syntax): that URL, which moves nothing. Any other index
/// (uv asks the `[[index]]` entries before the default) is `None`.
fn default_index(key: &str, value: &DeValue) -> Option<String> {
    let DeValue::Array(items) = value else {
        return None;
    };
    if key != "index" || items.is_empty() {
        return None;
    }
    let mut url = None;
    for item in items {
        let DeValue::Table(table) = item.get_ref() else {
            return None;
        };
        for (k, v) in table {
            match (k.get_ref().as_ref(), v.get_ref()) {
                ("url", DeValue::String(u)) if is_default("uv", u) => url = Some(u.to_string()),
                ("url", _) => return None,
                // Naming, marking default or explicit, or the format of
                // PyPI itself changes where nothing comes from.
                ("name" | "default" | "explicit" | "format" | "authenticate", _) => {}
                _ => return None,
            }
        }
    }
    url
}

/// A TOML value on one line, in a stable form.
fn render(value: &DeValue) -> String {
    fn go(value: &DeValue, depth: usize) -> String {
        if depth > 16 {
            return "...".to_owned();
        }
        match value {
            DeValue::String(s) => s.to_string(),
            DeValue::Array(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|v: &TomlSpanned<DeValue>| go(v.get_ref(), depth + 1))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            DeValue::Table(t) => {
                let mut parts: Vec<String> = t
                    .iter()
                    .map(|(k, v)| format!("{} = {}", k.get_ref(), go(v.get_ref(), depth + 1)))
                    .collect();
                parts.sort();
                format!("{{{}}}", parts.join(", "))
            }
            DeValue::Integer(i) => i.to_string(),
            DeValue::Float(f) => f.to_string(),
            DeValue::Boolean(b) => b.to_string(),
            DeValue::Datetime(d) => d.to_string(),
        }
    }
    go(value, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(file: RegistryFile, text: &str) -> Vec<(String, String)> {
        extract(file, text)
            .unwrap()
            .into_iter()
            .map(|d| (d.key, d.source.unwrap().value))
            .collect()
    }

    #[test]
    fn npmrc_registries() {
        let text = "; comment\nregistry = https://npm.evil.example/\n@pulumi:registry=https://npm.acme.example\n//npm.acme.example/:_authToken=${TOKEN}\n";
        assert_eq!(
            sources(RegistryFile::Npmrc, text),
            vec![
                (
                    "registry:npm:registry".to_owned(),
                    "https://npm.evil.example/".to_owned()
                ),
                (
                    "registry:npm:@pulumi:registry".to_owned(),
                    "https://npm.acme.example".to_owned()
                ),
            ]
        );
        let deps = extract(RegistryFile::Npmrc, text).unwrap();
        let span = deps[0].source.as_ref().unwrap().span;
        assert_eq!(&text[span.start..span.end], "https://npm.evil.example/");
        assert!(sources(RegistryFile::Npmrc, "# registry=https://x\n").is_empty());
    }

    #[test]
    fn scope_registries_of_unjudged_scopes_and_pypi_indexes_are_nothing() {
        let text = "@acme:registry=https://npm.pkg.github.com\n@pulumi:registry=https://npm.evil.example\n";
        assert_eq!(
            sources(RegistryFile::Npmrc, text),
            vec![(
                "registry:npm:@pulumi:registry".to_owned(),
                "https://npm.evil.example".to_owned()
            )]
        );
        let yarn = "npmScopes:\n  acme:\n    npmRegistryServer: https://x.example\n  pulumiverse:\n    npmRegistryServer: https://y.example\n";
        assert_eq!(sources(RegistryFile::Yarnrc, yarn).len(), 1);
        assert!(sources(
            RegistryFile::YarnClassic,
            "\"@acme:registry\" \"https://x\"\n"
        )
        .is_empty());
        let uv = "[[index]]\nurl = \"https://pypi.org/simple\"\ndefault = true\n";
        let found = sources(RegistryFile::UvToml, uv);
        assert_eq!(found[0].1, "https://pypi.org/simple");
        assert!(is_default("uv", &found[0].1));
        let uv = "[[index]]\nurl = \"https://pypi.org/simple\"\n[[index]]\nurl = \"https://evil.example/simple\"\n";
        assert!(!is_default("uv", &sources(RegistryFile::UvToml, uv)[0].1));
    }

    #[test]
    fn yarnrc_registries() {
        let text = "npmRegistryServer: \"https://npm.evil.example\"\nnpmScopes:\n  pulumi:\n    npmRegistryServer: https://npm.acme.example\n    npmAlwaysAuth: true\n";
        assert_eq!(
            sources(RegistryFile::Yarnrc, text),
            vec![
                (
                    "registry:yarn:npmRegistryServer".to_owned(),
                    "https://npm.evil.example".to_owned()
                ),
                (
                    "registry:yarn:npmScopes.pulumi.npmRegistryServer".to_owned(),
                    "https://npm.acme.example".to_owned()
                ),
            ]
        );
        assert!(sources(RegistryFile::Yarnrc, "nodeLinker: node-modules\n").is_empty());
        assert!(extract(RegistryFile::Yarnrc, "npmScopes: [\n").is_err());
    }

    #[test]
    fn pip_conf_and_ansible_cfg() {
        let text = "[global]\nindex-url = https://pypi.evil.example/simple\nextra-index-url =\n    https://a.example/simple\n    https://b.example/simple\ntimeout = 60\n";
        assert_eq!(
            sources(RegistryFile::PipConf, text),
            vec![
                (
                    "registry:pip:global.index-url".to_owned(),
                    "https://pypi.evil.example/simple".to_owned()
                ),
                (
                    "registry:pip:global.extra-index-url".to_owned(),
                    "https://a.example/simple https://b.example/simple".to_owned()
                ),
            ]
        );
        let cfg = "[defaults]\nroles_path = roles\n[galaxy]\nserver_list = mine, release\n\n[galaxy_server.mine]\nurl=https://galaxy.evil.example/\ntoken=x\n";
        assert_eq!(
            sources(RegistryFile::AnsibleCfg, cfg),
            vec![
                (
                    "registry:ansible-galaxy:galaxy.server_list".to_owned(),
                    "mine, release".to_owned()
                ),
                (
                    "registry:ansible-galaxy:galaxy_server.mine.url".to_owned(),
                    "https://galaxy.evil.example/".to_owned()
                ),
            ]
        );
        assert!(extract(RegistryFile::AnsibleCfg, "[galaxy\nserver=x\n").is_err());
    }

    #[test]
    fn pip_conf_keys_as_pip_reads_them() {
        // configparser lower-cases option names, pip turns `_` into `-`.
        for key in ["INDEX-URL", "Index_Url", "index_url", "--index-url"] {
            let text = format!("[global]\n{key} = https://evil.example/simple\n");
            assert_eq!(
                sources(RegistryFile::PipConf, &text),
                vec![(
                    "registry:pip:global.index-url".to_owned(),
                    "https://evil.example/simple".to_owned()
                )],
                "{key}"
            );
        }
        // Any section (a command's: `[install]`), an indented option that
        // continues nothing, an indented comment.
        let text = "[install]\n  ; note\n  extra_index_url: https://x.example\n";
        assert_eq!(
            sources(RegistryFile::PipConf, text),
            vec![(
                "registry:pip:install.extra-index-url".to_owned(),
                "https://x.example".to_owned()
            )]
        );
        // A deeper-indented line continues the option; one at its level
        // is a new option.
        let text = "[global]\n timeout = 5\n index-url = https://evil.example\n";
        assert_eq!(sources(RegistryFile::PipConf, text).len(), 1);
        let cfg = "[GALAXY]\nserver = x\n[galaxy]\nSERVER = https://evil.example\n";
        assert_eq!(
            sources(RegistryFile::AnsibleCfg, cfg),
            vec![(
                "registry:ansible-galaxy:galaxy.server".to_owned(),
                "https://evil.example".to_owned()
            )]
        );
    }

    #[test]
    fn yarn_classic_yarnrc() {
        let text = "# yarn lockfile v1\nregistry \"https://evil.example/\"\n\"@pulumi:registry\" \"https://npm.acme.example\"\n--install.registry https://i.example\nregistry: \"https://last.example\"\nyarn-path \".yarn/releases/yarn-1.22.22.cjs\"\n";
        assert_eq!(
            sources(RegistryFile::YarnClassic, text),
            vec![
                (
                    "registry:yarn:@pulumi:registry".to_owned(),
                    "https://npm.acme.example".to_owned()
                ),
                (
                    "registry:yarn:--install.registry".to_owned(),
                    "https://i.example".to_owned()
                ),
                (
                    "registry:yarn:registry".to_owned(),
                    "https://last.example".to_owned()
                ),
            ]
        );
        let deps = extract(
            RegistryFile::YarnClassic,
            "registry \"https://e.example\"\n",
        )
        .unwrap();
        let span = deps[0].source.as_ref().unwrap().span;
        assert_eq!(span, Span::new(9, 28));
        assert!(extract(RegistryFile::YarnClassic, "registry \"https://e\n").is_err());
        assert!(sources(RegistryFile::YarnClassic, "network-timeout 600000\n").is_empty());
        assert_eq!(RegistryFile::of(".yarnrc"), Some(RegistryFile::YarnClassic));
    }

    #[test]
    fn uv_toml_indexes() {
        let text = "index-url = \"https://pypi.evil.example/simple\"\n[[index]]\nname = \"acme\"\nurl = \"https://acme.example/simple\"\n[pip]\nextra-index-url = [\"https://x.example\"]\n";
        assert_eq!(
            sources(RegistryFile::UvToml, text),
            vec![
                (
                    "registry:uv:index-url".to_owned(),
                    "https://pypi.evil.example/simple".to_owned()
                ),
                (
                    "registry:uv:index".to_owned(),
                    "[{name = acme, url = https://acme.example/simple}]".to_owned()
                ),
                (
                    "registry:uv:pip.extra-index-url".to_owned(),
                    "[https://x.example]".to_owned()
                ),
            ]
        );
        assert!(extract(RegistryFile::UvToml, "index-url = [").is_err());
    }

    #[test]
    fn defaults() {
        assert!(is_default("npm", "https://registry.npmjs.org/"));
        assert!(is_default("pip", "https://pypi.org/simple"));
        assert!(!is_default("npm", "https://npm.evil.example"));
    }

    mod props {
        use super::super::super::{extract, FileKind};
        use super::super::RegistryFile;
        use proptest::prelude::*;

        const FILES: [RegistryFile; 6] = [
            RegistryFile::Npmrc,
            RegistryFile::Yarnrc,
            RegistryFile::YarnClassic,
            RegistryFile::PipConf,
            RegistryFile::UvToml,
            RegistryFile::AnsibleCfg,
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            /// No input panics, and every span lies inside the input, on a
            /// character boundary.
            #[test]
            fn never_panics(text in "[a-z@:/.=\\[\\]\"' #;_\n\t-]{0,160}|\\PC{0,80}") {
                for file in FILES {
                    let bytes = text.as_bytes();
                    match extract(FileKind::RegistryConfig(file), bytes) {
                        Ok(deps) => {
                            for d in deps {
                                let s = d.source.unwrap().span;
                                prop_assert!(s.start <= s.end && s.end <= bytes.len());
                                prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                            }
                        }
                        Err(e) => prop_assert!(e.offset <= bytes.len()),
                    }
                }
            }
        }
    }
}
