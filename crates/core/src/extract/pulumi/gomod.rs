//! `go.mod`: the `github.com/pulumi/pulumi-*` (and `pulumiverse`) provider
//! SDK modules, required or replaced.

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
    Other,
}

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    let mut deps = Deps::default();
    let mut block: Option<(Verb, usize)> = None;
    let mut offset = 0;
    for physical in text.split_inclusive('\n') {
        let base = offset;
        offset += physical.len();
        let line = physical.trim_end_matches(['\n', '\r']);
        let toks = tokens(line, base)?;
        let Some(first) = toks.first() else { continue };
        match block {
            Some((verb, _)) => {
                if first.text == ")" {
                    block = None;
                } else {
                    entry(verb, &toks, &mut deps)?;
                }
            }
            None => {
                let verb = match first.text {
                    "require" => Verb::Require,
                    "replace" => Verb::Replace,
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
                    }
                    _ => entry(verb, &toks[1..], &mut deps)?,
                }
            }
        }
    }
    if let Some((_, open)) = block {
        return Err(ExtractError::new("go.mod: this ( is never closed", open));
    }
    Ok(in_file_order(deps))
}

fn entry(verb: Verb, toks: &[Token], deps: &mut Deps) -> Result<(), ExtractError> {
    match verb {
        Verb::Require => require(toks, deps),
        Verb::Replace => replace(toks, deps),
        Verb::Other => Ok(()),
    }
}

/// `module version`.
fn require(toks: &[Token], deps: &mut Deps) -> Result<(), ExtractError> {
    let Some(module) = toks.first() else {
        return Ok(());
    };
    if !is_provider(module.text) {
        return Ok(());
    }
    let version = match toks {
        [_, version] => version,
        _ => {
            return Err(ExtractError::new(
                format!("go.mod: require {} needs exactly one version", module.text),
                module.span.start,
            ))
        }
    };
    let key = format!("require.{}", module.text);
    let mut dep = dependency(
        Kind::Provider,
        key.clone(),
        module.text.to_owned(),
        module.span,
    );
    dep.source = Some(Spanned::new(module.text.to_owned(), module.span));
    dep.version = Some(Spanned::new(version.text.to_owned(), version.span));
    // A go.mod version is always one exact version (pseudo-versions name a
    // commit), and go.sum holds its hash.
    dep.pin = PinState::Pinned;
    deps.push(dep, |_| {
        format!("go.mod: {} is required twice", module.text)
    })
}

/// `module [version] => target [version]`.
fn replace(toks: &[Token], deps: &mut Deps) -> Result<(), ExtractError> {
    let Some(module) = toks.first() else {
        return Ok(());
    };
    if !is_provider(module.text) {
        return Ok(());
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
    let local = [".", "/"].iter().any(|p| target.text.starts_with(p));
    if local {
        // A directory of this machine or repository: not third-party.
        return Ok(());
    }
    let Some(target_version) = target_version else {
        return Err(ExtractError::new(
            format!(
                "go.mod: replacing {} with module {} needs its version",
                module.text, target.text
            ),
            target.span.start,
        ));
    };
    let mut key = format!("replace.{}", module.text);
    if arrow == 2 {
        key.push('@');
        key.push_str(toks[1].text);
    }
    let mut dep = dependency(
        Kind::Provider,
        key.clone(),
        module.text.to_owned(),
        module.span,
    );
    dep.source = Some(Spanned::new(target.text.to_owned(), target.span));
    dep.version = Some(Spanned::new(
        target_version.text.to_owned(),
        target_version.span,
    ));
    dep.pin = PinState::Pinned;
    deps.push(dep, |_| format!("go.mod: {key} is given twice"))
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
                (
                    "require.github.com/pulumi/pulumi-aws/sdk/v6",
                    "github.com/pulumi/pulumi-aws/sdk/v6",
                    "github.com/pulumi/pulumi-aws/sdk/v6",
                    "v6.54.2",
                    &PinState::Pinned
                ),
                (
                    "require.github.com/pulumi/pulumi-random/sdk/v4",
                    "github.com/pulumi/pulumi-random/sdk/v4",
                    "github.com/pulumi/pulumi-random/sdk/v4",
                    "v4.16.7",
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
                (
                    "replace.github.com/pulumi/pulumi-random/sdk/v4",
                    "github.com/pulumi/pulumi-random/sdk/v4",
                    "github.com/acme/pulumi-random/sdk/v4",
                    "v4.16.8-acme.1",
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
