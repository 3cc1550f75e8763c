//! `go.mod`: the `github.com/pulumi/pulumi-*` (and `pulumiverse`) provider
//! SDK modules, required or replaced.

use std::collections::HashSet;

use super::{dependency, in_file_order, PinState};
use crate::extract::Deps;
use crate::model::{Dependency, ExtractError, Kind, Span, Spanned};

/// A Pulumi provider SDK module (not the Pulumi SDK `github.com/pulumi/pulumi/...`).
fn is_provider(module: &str) -> bool {
    [
        "github.com/pulumi/pulumi-",
        "github.com/pulumiverse/pulumi-",
    ]
    .iter()
    .any(|p| module.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

/// A token of a go.mod line: its text (quotes removed) and its span.
#[derive(Clone)]
struct Token<'t> {
    text: &'t str,
    span: Span,
}

/// The tokens of one line, up to a `//` comment. Quoted tokens (`"..."`,
/// `` `...` ``) keep their quotes in the span only.
fn tokens(line: &str, base: usize) -> Result<Vec<Token<'_>>, ExtractError> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if bytes[i..].starts_with(b"//") {
            break;
        } else if c == b'"' || c == b'`' {
            let close = line[i + 1..]
                .find(c as char)
                .ok_or_else(|| ExtractError::new("go.mod: unterminated quoted string", base + i))?;
            let end = i + 1 + close + 1;
            out.push(Token {
                text: &line[i + 1..end - 1],
                span: Span::new(base + i, base + end),
            });
            i = end;
        } else if matches!(c, b'(' | b')') {
            out.push(Token {
                text: &line[i..i + 1],
                span: Span::new(base + i, base + i + 1),
            });
            i += 1;
        } else {
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'(' | b')')
                && !bytes[i..].starts_with(b"//")
            {
                i += 1;
            }
            out.push(Token {
                text: &line[start..i],
                span: Span::new(base + start, base + i),
            });
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Verb {
    Require,
    Replace,
    Module,
    Use,
    Other,
}

/// A `replace` of a provider module, read and checked.
struct Replace<'t> {
    module: Token<'t>,
    /// `module v1.2.3 => ...` applies to that version only.
    old_version: Option<Token<'t>>,
    target: Token<'t>,
    /// Absent for a directory target (`=> ../fork`).
    target_version: Option<Token<'t>>,
    used: bool,
}

impl Replace<'_> {
    fn is_local(&self) -> bool {
        is_local(self.target.text)
    }
}

/// A directory of this machine or repository (Go's rule: `./`, `../`, `/`,
/// and on Windows a drive letter; `.` alone too).
fn is_local(target: &str) -> bool {
    target == "."
        || target == ".."
        || ["./", "../", "/", ".\\", "..\\"]
            .iter()
            .any(|p| target.starts_with(p))
        || target.as_bytes().get(1) == Some(&b':')
}

/// A go.work `use` directory that is not under the go.work's own: an
/// absolute path, a drive, or one that climbs out with `..`. go.work is
/// read without its place in the tree, so any climb counts as leaving.
fn leaves_the_repository(dir: &str) -> bool {
    let dir = dir.replace('\\', "/");
    dir.starts_with('/')
        || dir.starts_with('~')
        || dir.as_bytes().get(1) == Some(&b':')
        || dir.split('/').any(|part| part == "..")
}

/// Every `require` of a provider module, as the Go toolchain loads it:
/// a `replace` of the module (the one for its required version, else the
/// one for every version) is where its code comes from, so the require's
/// source and version are the replacement's (a directory keeps the
/// required version). A replace that no require uses stays a dependency of
/// its own.
#[derive(Default)]
struct Directives<'t> {
    requires: Vec<(Token<'t>, Token<'t>)>,
    replaces: Vec<Replace<'t>>,
    /// The path `module` declares.
    module: Option<Token<'t>>,
    /// The directories a go.work `use`s.
    uses: Vec<Token<'t>>,
}

/// The `require` and `replace` directives of provider modules, in file order.
fn directives(text: &str) -> Result<Directives<'_>, ExtractError> {
    let mut found = Directives::default();
    let mut block: Option<(Verb, usize)> = None;
    let mut offset = 0;
    for physical in text.split_inclusive('\n') {
        let base = offset;
        offset += physical.len();
        let line = physical.trim_end_matches(['\n', '\r']);
        let toks = tokens(line, base)?;
        let Some(first) = toks.first() else { continue };
        let entry = match block {
            Some((verb, _)) => {
                if first.text == ")" {
                    block = None;
                    continue;
                }
                Some((verb, &toks[..]))
            }
            None => {
                let verb = match first.text {
                    "require" => Verb::Require,
                    "replace" => Verb::Replace,
                    "module" => Verb::Module,
                    "use" => Verb::Use,
                    _ => Verb::Other,
                };
                match toks.get(1) {
                    Some(open) if open.text == "(" => {
                        if toks.len() > 2 {
                            return Err(ExtractError::new(
                                "go.mod: nothing may follow ( on its line",
                                toks[2].span.start,
                            ));
                        }
                        block = Some((verb, open.span.start));
                        None
                    }
                    _ => Some((verb, &toks[1..])),
                }
            }
        };
        match entry {
            Some((Verb::Require, toks)) => found.requires.extend(require(toks)?),
            Some((Verb::Replace, toks)) => found.replaces.extend(replace(toks)?),
            Some((Verb::Module, toks)) => found.module = toks.first().cloned(),
            Some((Verb::Use, toks)) => found.uses.extend(toks.first().cloned()),
            _ => {}
        }
    }
    if let Some((_, open)) = block {
        return Err(ExtractError::new("go.mod: this ( is never closed", open));
    }
    Ok(found)
}

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Directives {
        requires,
        mut replaces,
        module,
        ..
    } = directives(text)?;
    let mut deps = Deps::default();
    // A module of this repository that calls itself a provider's module:
    // a go.work that `use`s its directory builds it in place of the
    // provider every go.mod of the workspace requires, pins or not.
    if let Some(module) = module.filter(|m| is_provider(m.text)) {
        let mut dep = dependency(
            Kind::Provider,
            format!("module.{}", module.text),
            module.text.to_owned(),
            module.span,
        );
        dep.source = Some(Spanned::new(module.text.to_owned(), module.span));
        dep.pin = PinState::Unpinned(format!(
            "this go.mod declares the provider module {}: a go.work that uses its directory \
             builds this copy instead of the released provider; require the provider, and \
             replace it in the go.mod that requires it if a fork is meant",
            module.text
        ));
        deps.push(dep, |_| "go.mod: module is given twice".to_owned())?;
    }
    let mut replaced: HashSet<String> = HashSet::new();
    for r in &replaces {
        let key = replace_key(r);
        if !replaced.insert(key.clone()) {
            return Err(ExtractError::new(
                format!("go.mod: {key} is given twice"),
                r.module.span.start,
            ));
        }
    }
    for (module, version) in requires {
        let key = format!("require.{}", module.text);
        let mut dep = dependency(
            Kind::Provider,
            key.clone(),
            module.text.to_owned(),
            module.span,
        );
        dep.source = Some(Spanned::new(module.text.to_owned(), module.span));
        dep.version = Some(Spanned::new(version.text.to_owned(), version.span));
        let applies = |r: &Replace, exact: bool| {
            r.module.text == module.text
                && match &r.old_version {
                    Some(v) => exact && v.text == version.text,
                    None => !exact,
                }
        };
        let found = replaces
            .iter()
            .position(|r| applies(r, true))
            .or_else(|| replaces.iter().position(|r| applies(r, false)));
        // Every replace of a required module is judged through the
        // require: one that does not apply now does when its version does.
        for r in replaces.iter_mut().filter(|r| r.module.text == module.text) {
            r.used = true;
        }
        if let Some(i) = found {
            let r = &replaces[i];
            dep.source = Some(Spanned::new(r.target.text.to_owned(), r.target.span));
            if let Some(v) = &r.target_version {
                dep.version = Some(Spanned::new(v.text.to_owned(), v.span));
            }
        }
        // A go.mod version is always one exact version (pseudo-versions
        // name a commit), and go.sum holds its hash; a directory is part
        // of the tree.
        dep.pin = PinState::Pinned;
        deps.push(dep, |_| {
            format!("go.mod: {} is required twice", module.text)
        })?;
    }
    for r in replaces.iter().filter(|r| !r.used && !r.is_local()) {
        let Some(target_version) = &r.target_version else {
            continue;
        };
        let key = replace_key(r);
        let mut dep = dependency(
            Kind::Provider,
            key.clone(),
            r.module.text.to_owned(),
            r.module.span,
        );
        dep.source = Some(Spanned::new(r.target.text.to_owned(), r.target.span));
        dep.version = Some(Spanned::new(
            target_version.text.to_owned(),
            target_version.span,
        ));
        dep.pin = PinState::Pinned;
        deps.push(dep, |_| format!("go.mod: {key} is given twice"))?;
    }
    Ok(in_file_order(deps))
}

/// `go.work`: a `replace` there wins over every `go.mod` of the workspace
/// (the modules its `use` lists), for every module the build loads. iacgate
/// does not join the two files, so such a replace of a provider module is
/// unpinned, with the reason: write it in the `go.mod` that requires the
/// module, where it is judged as that module's source.
pub(super) fn extract_work(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let Directives { replaces, uses, .. } = directives(text)?;
    let mut deps = Deps::default();
    // A workspace module outside the repository is code no review sees,
    // and it replaces any module of the same path the build requires.
    for dir in uses.iter().filter(|d| leaves_the_repository(d.text)) {
        let key = format!("go.work.use.{}", dir.text);
        let mut dep = dependency(Kind::Provider, key.clone(), dir.text.to_owned(), dir.span);
        dep.source = Some(Spanned::new(dir.text.to_owned(), dir.span));
        dep.pin = PinState::Unpinned(format!(
            "go.work uses {}, a directory outside the repository: its module, whatever path it \
             declares, is built instead of any module of that path the workspace requires",
            dir.text
        ));
        deps.push(dep, |_| format!("go.work: {key} is given twice"))?;
    }
    for r in &replaces {
        let key = format!("go.work.{}", replace_key(r));
        let mut dep = dependency(
            Kind::Provider,
            key.clone(),
            r.module.text.to_owned(),
            r.module.span,
        );
        dep.source = Some(Spanned::new(r.target.text.to_owned(), r.target.span));
        dep.version = r
            .target_version
            .as_ref()
            .map(|v| Spanned::new(v.text.to_owned(), v.span));
        dep.pin = PinState::Unpinned(format!(
            "go.work replaces {} with {} for every module of the workspace, whatever their \
             go.mod pins; put the replace in the go.mod that requires it",
            r.module.text, r.target.text
        ));
        deps.push(dep, |_| format!("go.work: {key} is given twice"))?;
    }
    Ok(in_file_order(deps))
}

fn replace_key(r: &Replace) -> String {
    match &r.old_version {
        Some(v) => format!("replace.{}@{}", r.module.text, v.text),
        None => format!("replace.{}", r.module.text),
    }
}

/// `module version`, for a provider module.
fn require<'t>(toks: &[Token<'t>]) -> Result<Option<(Token<'t>, Token<'t>)>, ExtractError> {
    let Some(module) = toks.first() else {
        return Ok(None);
    };
    if !is_provider(module.text) {
        return Ok(None);
    }
    match toks {
        [module, version] => Ok(Some((module.clone(), version.clone()))),
        _ => Err(ExtractError::new(
            format!("go.mod: require {} needs exactly one version", module.text),
            module.span.start,
        )),
    }
}

/// `module [version] => target [version]`, for a provider module.
fn replace<'t>(toks: &[Token<'t>]) -> Result<Option<Replace<'t>>, ExtractError> {
    let Some(module) = toks.first() else {
        return Ok(None);
    };
    if !is_provider(module.text) {
        return Ok(None);
    }
    let malformed = || {
        ExtractError::new(
            format!(
                "go.mod: replace {} must read `module [version] => target [version]`",
                module.text
            ),
            module.span.start,
        )
    };
    let arrow = toks
        .iter()
        .position(|t| t.text == "=>")
        .filter(|&i| i == 1 || i == 2)
        .ok_or_else(malformed)?;
    let (target, target_version) = match &toks[arrow + 1..] {
        [target] => (target, None),
        [target, version] => (target, Some(version)),
        _ => return Err(malformed()),
    };
    if is_local(target.text) {
        if let Some(version) = target_version {
            return Err(ExtractError::new(
                format!(
                    "go.mod: replacing {} with the directory {} takes no version",
                    module.text, target.text
                ),
                version.span.start,
            ));
        }
    } else if target_version.is_none() {
        return Err(ExtractError::new(
            format!(
                "go.mod: replacing {} with module {} needs its version",
                module.text, target.text
            ),
            target.span.start,
        ));
    }
    Ok(Some(Replace {
        module: module.clone(),
        old_version: (arrow == 2).then(|| toks[1].clone()),
        target: target.clone(),
        target_version: target_version.cloned(),
        used: false,
    }))
}

/// `go.sum`: one lock entry per module version, hashes of the module's
/// files (`<module> <version> h1:...`) and of its go.mod alone
/// (`<module> <version>/go.mod h1:...`) as two entries, keyed by module
/// and version. Every module is read, not only providers: a Pulumi
/// program's build runs all of them with its credentials. A version
/// change is a new key (the old one removed), so only the same version
/// with other hashes compares as a change. A line that is not three
/// fields is an error: the go command refuses such a file too.
pub(super) fn extract_sum(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let mut entries: Vec<Dependency> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let base = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<(usize, &str)> = line
            .split([' ', '\t'])
            .scan(0usize, |at, field| {
                let start = *at;
                *at += field.len() + 1;
                Some((start, field))
            })
            .filter(|(_, f)| !f.is_empty())
            .collect();
        let [(_, module), (version_at, version), (_, hash)] = fields.as_slice() else {
            return Err(ExtractError::new(
                format!(
                    "go.sum: a line must be `<module> <version> <hash>`, found {} fields",
                    fields.len()
                ),
                base,
            ));
        };
        let key = format!("go.sum.{module}@{version}");
        let span = Span::new(base, base + line.len());
        match index.get(&key) {
            // Listed twice: the go command accepts any of the hashes.
            Some(&at) => entries[at].hashes.push((*hash).to_owned()),
            None => {
                let mut dep = dependency(Kind::Lock, key.clone(), (*module).to_owned(), span);
                let version_span = Span::new(base + version_at, base + version_at + version.len());
                dep.version = Some(Spanned::new((*version).to_owned(), version_span));
                dep.hashes.push((*hash).to_owned());
                dep.pin = PinState::Pinned;
                index.insert(key, entries.len());
                entries.push(dep);
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../../tests/fixtures/pulumi/go.mod");

    #[test]
    fn fixture() {
        let deps = extract(FIXTURE).unwrap();
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.name.as_str(),
                    d.source_str().unwrap(),
                    d.version_str().unwrap(),
                    &d.pin,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                // `replace ... v6.54.2 => ../forks/...`: a directory, at
                // the required version.
                (
                    "require.github.com/pulumi/pulumi-aws/sdk/v6",
                    "github.com/pulumi/pulumi-aws/sdk/v6",
                    "../forks/pulumi-aws/sdk",
                    "v6.54.2",
                    &PinState::Pinned
                ),
                // Replaced by a fork: the fork's module and version.
                (
                    "require.github.com/pulumi/pulumi-random/sdk/v4",
                    "github.com/pulumi/pulumi-random/sdk/v4",
                    "github.com/acme/pulumi-random/sdk/v4",
                    "v4.16.8-acme.1",
                    &PinState::Pinned
                ),
                (
                    "require.github.com/pulumiverse/pulumi-grafana/sdk",
                    "github.com/pulumiverse/pulumi-grafana/sdk",
                    "github.com/pulumiverse/pulumi-grafana/sdk",
                    "v0.4.2",
                    &PinState::Pinned
                ),
                (
                    "require.github.com/pulumi/pulumi-tls/sdk/v5",
                    "github.com/pulumi/pulumi-tls/sdk/v5",
                    "github.com/pulumi/pulumi-tls/sdk/v5",
                    "v5.0.10-0.20241015123456-9f86d081884c",
                    &PinState::Pinned
                ),
                (
                    "require.github.com/pulumi/pulumi-command/sdk",
                    "github.com/pulumi/pulumi-command/sdk",
                    "github.com/pulumi/pulumi-command/sdk",
                    "v1.0.1",
                    &PinState::Pinned
                ),
            ]
        );
        for d in &deps {
            let v = d.version.as_ref().unwrap();
            assert_eq!(&FIXTURE[v.span.start..v.span.end], v.value);
            let s = d.source.as_ref().unwrap();
            assert_eq!(&FIXTURE[s.span.start..s.span.end], s.value);
        }
    }

    fn sources(text: &str) -> Vec<(String, String, String)> {
        extract(text)
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d.key.clone(),
                    d.source_str().unwrap().to_owned(),
                    d.version_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn row(key: &str, source: &str, version: &str) -> (String, String, String) {
        (key.to_owned(), source.to_owned(), version.to_owned())
    }

    #[test]
    fn a_replace_is_where_the_required_module_comes_from() {
        const AWS: &str = "github.com/pulumi/pulumi-aws/sdk/v6";
        let require = format!("module x\n\nrequire {AWS} v6.54.2\n");
        assert_eq!(
            sources(&require),
            [row(&format!("require.{AWS}"), AWS, "v6.54.2")]
        );
        let cases: &[(&str, &str, &str)] = &[
            ("replace {AWS} => github.com/evil/aws/sdk/v6 v6.54.2", "github.com/evil/aws/sdk/v6", "v6.54.2"),
            ("replace {AWS} v6.54.2 => ../fork", "../fork", "v6.54.2"),
            ("replace (\n\t{AWS} => ./vendor/aws\n)", "./vendor/aws", "v6.54.2"),
            ("replace {AWS} => {AWS} v6.99.0", AWS, "v6.99.0"),
            // The version-specific replace wins over the general one.
            (
                "replace {AWS} => github.com/a/b v1.0.0\nreplace {AWS} v6.54.2 => github.com/c/d v2.0.0",
                "github.com/c/d",
                "v2.0.0",
            ),
        ];
        for (line, source, version) in cases {
            let text = format!("{require}{}\n", line.replace("{AWS}", AWS));
            assert_eq!(
                sources(&text),
                [row(&format!("require.{AWS}"), source, version)],
                "{text}"
            );
        }
        // A replace of another version does not apply.
        let text = format!("{require}replace {AWS} v6.0.0 => github.com/a/b v1.0.0\n");
        assert_eq!(
            sources(&text),
            [row(&format!("require.{AWS}"), AWS, "v6.54.2")]
        );
        // A replace of a module this file does not require is its own.
        let text = format!("module x\nreplace {AWS} => github.com/a/b v1.0.0\n");
        assert_eq!(
            sources(&text),
            [row(&format!("replace.{AWS}"), "github.com/a/b", "v1.0.0")]
        );
        let err = extract(&format!("{require}replace {AWS} => ../x v1.0.0\n")).unwrap_err();
        assert!(err.message.contains("takes no version"), "{err:?}");
        let twice = format!("{require}replace {AWS} => ../x\nreplace {AWS} => ../y\n");
        assert!(extract(&twice).unwrap_err().message.contains("given twice"));
        // The replacement's span is what a finding points at.
        let text = format!("{require}replace {AWS} => ../fork\n");
        let dep = &extract(&text).unwrap()[0];
        let source = dep.source.as_ref().unwrap();
        assert_eq!(&text[source.span.start..source.span.end], "../fork");
    }

    #[test]
    fn a_go_work_replace_of_a_provider_is_unpinned() {
        let text = "go 1.22\n\nuse (\n\t./infra\n)\n\nreplace github.com/pulumi/pulumi-aws/sdk/v6 => github.com/evil/aws v1.0.0\nreplace github.com/pkg/errors => ../errors\n";
        let deps = extract_work(text).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(
            deps[0].key,
            "go.work.replace.github.com/pulumi/pulumi-aws/sdk/v6"
        );
        assert_eq!(deps[0].source_str(), Some("github.com/evil/aws"));
        assert!(
            matches!(&deps[0].pin, PinState::Unpinned(why) if why.contains("go.work replaces"))
        );
        assert_eq!(extract_work("go 1.22\nuse ./infra\n").unwrap(), vec![]);
        assert!(extract_work("replace (\n").is_err());
    }

    #[test]
    fn malformed() {
        let cases: &[(&str, &str)] = &[
            ("module x\nrequire (\n\tgithub.com/a/b v1.0.0\n", "("),
            ("require github.com/pulumi/pulumi-aws/sdk/v6\n", "github.com"),
            (
                "require github.com/pulumi/pulumi-aws/sdk/v6 v6.0.0\nrequire github.com/pulumi/pulumi-aws/sdk/v6 v6.1.0\n",
                "github.com/pulumi/pulumi-aws/sdk/v6 v6.1.0",
            ),
            ("replace github.com/pulumi/pulumi-aws/sdk/v6 github.com/x/y v1\n", "github.com"),
            (
                "replace github.com/pulumi/pulumi-aws/sdk/v6 => github.com/x/y\n",
                "github.com/x/y",
            ),
            ("require \"github.com/pulumi/pulumi-aws/sdk/v6 v1\n", "\"github"),
            ("require (\n\tgithub.com/pulumi/pulumi-é/sdk//x\n)\n", "github.com"),
        ];
        for (text, at) in cases {
            let err = extract(text).unwrap_err();
            assert_eq!(err.offset, text.find(at).unwrap(), "{text:?}: {err:?}");
        }
        // Other modules and directives are not read.
        let text = "module x\n\ngo 1.22\n\nrequire github.com/a/b\nexclude (\n\tgithub.com/pulumi/pulumi-aws/sdk/v6 v6.0.0\n)\n\
                    replace github.com/pulumi/pulumi-aws/sdk/v6 => ../pulumi-aws/sdk\n";
        assert_eq!(extract(text).unwrap(), vec![]);
    }
}

#[cfg(test)]
mod sum_tests {
    use super::extract_sum;

    const SUM: &str = "github.com/pulumi/pulumi-aws/sdk/v6 v6.1.0 h1:AAA=\n\
                       github.com/pulumi/pulumi-aws/sdk/v6 v6.1.0/go.mod h1:BBB=\n\
                       \n\
                       golang.org/x/net v0.1.0 h1:CCC=\r\n";

    #[test]
    fn go_sum_lines_are_lock_entries_by_module_and_version() {
        let deps = extract_sum(SUM).unwrap();
        let got: Vec<(&str, Option<&str>, &[String])> = deps
            .iter()
            .map(|d| (d.key.as_str(), d.version_str(), d.hashes.as_slice()))
            .collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0].0,
            "go.sum.github.com/pulumi/pulumi-aws/sdk/v6@v6.1.0"
        );
        assert_eq!(got[1].1, Some("v6.1.0/go.mod"));
        assert_eq!(got[2].2, ["h1:CCC=".to_owned()]);
        let v = deps[0].version.as_ref().unwrap().span;
        assert_eq!(&SUM[v.start..v.end], "v6.1.0");
        // The same version twice: one entry, both hashes.
        let twice = "m v1.0.0 h1:A=\nm v1.0.0 h1:B=\n";
        let deps = extract_sum(twice).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].hashes, ["h1:A=", "h1:B="]);
    }

    #[test]
    fn a_malformed_go_sum_line_is_an_error() {
        let e = extract_sum("m v1.0.0 h1:A=\nm v1.0.0\n").unwrap_err();
        assert_eq!(e.offset, 15);
        assert!(e.message.contains("<module> <version> <hash>"));
        assert!(extract_sum("a b c d\n").is_err());
    }
}
