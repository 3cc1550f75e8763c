//! Dockerfiles, read as BuildKit reads them: see the parent module for
//! what is extracted and what is resolved.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::shell::{self, Scope};
use super::{image, image_ref};
use crate::extract::Deps;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    extract_with_args(text, &HashMap::new())
}

/// [`extract`] as built with `--build-arg`s (compose `build.args`): each
/// replaces the default of a global `ARG` of that name, as BuildKit does
/// (an arg the file does not declare changes nothing).
pub(super) fn extract_with_args(
    text: &str,
    build_args: &HashMap<String, String>,
) -> Result<Vec<Dependency>, ExtractError> {
    let file = parse(text)?;
    let mut walk = Walk::new(&file);
    walk.build_args = build_args.clone();
    if let Some((value, span)) = &file.syntax {
        walk.push(image("syntax".to_owned(), *span, value))?;
    }
    for ins in &file.instructions {
        match ins.command().to_ascii_lowercase().as_str() {
            "arg" => walk.arg(ins),
            "from" => walk.from(ins)?,
            "copy" => walk.copy(ins)?,
            "add" => walk.add(ins)?,
            "run" => walk.run(ins)?,
            _ => {}
        }
    }
    Ok(walk.deps.finish())
}

/// A Dockerfile split into instructions.
struct Dockerfile {
    /// The escape character: `\`, or `` ` `` with `# escape=`.
    escape: char,
    /// The `# syntax=` directive's image, and the directive's line.
    syntax: Option<(Spanned<String>, Span)>,
    instructions: Vec<Instruction>,
}

/// One instruction, its continuation lines joined.
#[derive(Default)]
struct Instruction {
    /// The instruction without its line-continuation escapes and the
    /// comment and empty lines between its lines.
    text: String,
    /// The file offset of each byte of `text`.
    offsets: Vec<usize>,
    /// From its first to its last byte in the file.
    span: Span,
}

impl Instruction {
    /// Appends one physical line starting at `start`; whether the next
    /// line continues it.
    fn push_line(&mut self, line: &str, start: usize, escape: char) -> bool {
        if self.offsets.is_empty() {
            self.span.start = start;
        }
        self.span.end = start + line.len();
        let body = line.trim_end_matches([' ', '\t']);
        let continued = body.strip_suffix(escape).filter(|before| {
            // An escaped escape character (`\\`) at the end is no continuation.
            before.is_empty() || !before.ends_with(escape)
        });
        let kept = continued.unwrap_or(line);
        self.text.push_str(kept);
        self.offsets.extend((0..kept.len()).map(|i| start + i));
        continued.is_some()
    }

    /// Where the instruction's name is in `text`.
    fn command_range(&self) -> Range<usize> {
        split_whitespace(&self.text, 0..self.text.len())
            .into_iter()
            .next()
            .unwrap_or(0..0)
    }

    fn command(&self) -> &str {
        self.text.get(self.command_range()).unwrap_or_default()
    }

    /// The arguments: everything after the name.
    fn args(&self) -> Range<usize> {
        self.command_range().end..self.text.len()
    }

    fn get(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    /// The file span of `text[range]`.
    fn span_of(&self, range: &Range<usize>) -> Span {
        let start = self.offsets.get(range.start).copied();
        let last = range
            .end
            .checked_sub(1)
            .and_then(|i| self.offsets.get(i))
            .copied();
        match (start, last) {
            (Some(start), Some(last)) if range.start < range.end => Span::new(start, last + 1),
            (Some(start), _) => Span::new(start, start),
            _ => Span::new(self.span.end, self.span.end),
        }
    }
}

/// The lines of `text` with their offsets, line endings removed.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        out.push((start, piece.trim_end_matches(['\r', '\n'])));
        start += piece.len();
    }
    out
}

fn parse(text: &str) -> Result<Dockerfile, ExtractError> {
    let lines = lines(text);
    let mut directives = Directives::default();
    let mut instructions = Vec::new();
    let mut next = 0;
    while let Some(&(start, raw)) = lines.get(next) {
        next += 1;
        let trimmed = raw.trim_start();
        let at = start + (raw.len() - trimmed.len());
        directives.read(trimmed, at)?;
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let escape = directives.escape;
        let mut ins = Instruction::default();
        let mut continued = ins.push_line(trimmed, at, escape);
        while continued {
            let Some(&(start, raw)) = lines.get(next) else {
                break;
            };
            next += 1;
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            continued = ins.push_line(raw, start, escape);
        }
        if ins.command().is_empty() {
            continue;
        }
        next = skip_heredocs(&ins, &lines, next)?;
        instructions.push(ins);
    }
    Ok(Dockerfile {
        escape: directives.escape,
        syntax: directives.syntax,
        instructions,
    })
}

/// Parser directives: `# name=value` lines before anything else.
struct Directives {
    escape: char,
    syntax: Option<(Spanned<String>, Span)>,
    seen: HashSet<String>,
    done: bool,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            escape: '\\',
            syntax: None,
            seen: HashSet::new(),
            done: false,
        }
    }
}

impl Directives {
    /// Reads `line` (starting at `at`, leading whitespace removed). The
    /// first line that is no known directive ends the directives, as it
    /// does for BuildKit: an empty line, a comment, an instruction, or an
    /// unknown directive.
    fn read(&mut self, line: &str, at: usize) -> Result<(), ExtractError> {
        if self.done {
            return Ok(());
        }
        let Some((name, value)) = directive(line) else {
            self.done = true;
            return Ok(());
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "escape" | "syntax" | "check") {
            self.done = true;
            return Ok(());
        }
        if !self.seen.insert(name.clone()) {
            return Err(ExtractError::new(
                format!("a second `# {name}=` parser directive: only one is allowed"),
                at,
            ));
        }
        let written = line.get(value.clone()).unwrap_or_default();
        match name.as_str() {
            "escape" => {
                self.escape = match written {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err(ExtractError::new(
                            format!("invalid escape character \"{written}\": expected \\ or `"),
                            at + value.start,
                        ))
                    }
                }
            }
            "syntax" => {
                let span = Span::new(at + value.start, at + value.end);
                self.syntax = Some((
                    Spanned::new(written.to_owned(), span),
                    Span::new(at, at + line.len()),
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// `# name = value` (BuildKit's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`):
/// the name and the range of the value in `line`.
fn directive(line: &str) -> Option<(&str, Range<usize>)> {
    let rest = line.strip_prefix('#')?;
    let name_at = line.len() - rest.trim_start_matches(is_space).len();
    let name_len = line[name_at..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(line.len() - name_at);
    let name = &line[name_at..name_at + name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = line[name_at + name_len..].trim_start_matches(is_space);
    let value = after.strip_prefix('=')?.trim_start_matches(is_space);
    let value_at = line.len() - value.len();
    let value = value.trim_end_matches(is_space);
    (!value.is_empty()).then_some((name, value_at..value_at + value.len()))
}

/// `\s` of Go's regular expressions.
fn is_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// Plain whitespace-separated words of `text[range]`, as ranges of `text`.
fn split_whitespace(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let Some(part) = text.get(range.clone()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in part.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(range.start + s..range.start + i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(range.start + s..range.end);
    }
    out
}

/// Skips the bodies of the heredocs an instruction opens (`RUN <<EOF`,
/// `COPY <<-EOT /dst`), whose lines are no instructions; returns the index
/// of the line after the last terminator.
fn skip_heredocs(
    ins: &Instruction,
    lines: &[(usize, &str)],
    mut next: usize,
) -> Result<usize, ExtractError> {
    for (name, chomp) in heredocs(ins) {
        loop {
            let Some(&(_, line)) = lines.get(next) else {
                return Err(ExtractError::new(
                    format!("the heredoc <<{name} is not terminated by a line \"{name}\""),
                    ins.span.start,
                ));
            };
            next += 1;
            let line = if chomp {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if line == name {
                break;
            }
        }
    }
    Ok(next)
}

/// The heredocs of a `RUN`, `COPY` or `ADD` (also after `ONBUILD`) in
/// shell form: words matching `^(\d*)<<(-?)([^<]*)$`, with the terminator
/// unquoted and whether leading tabs are stripped from its line.
fn heredocs(ins: &Instruction) -> Vec<(String, bool)> {
    let mut args = ins.args();
    if ins.command().eq_ignore_ascii_case("onbuild") {
        let Some(inner) = split_whitespace(&ins.text, args.clone()).into_iter().next() else {
            return Vec::new();
        };
        if !matches!(
            ins.get(&inner).to_ascii_lowercase().as_str(),
            "run" | "copy" | "add"
        ) {
            return Vec::new();
        }
        args = inner.end..args.end;
    } else if !matches!(
        ins.command().to_ascii_lowercase().as_str(),
        "run" | "copy" | "add"
    ) {
        return Vec::new();
    }
    let text = ins.get(&args);
    let trimmed = text.trim();
    if trimmed.starts_with('[') && trimmed.ends_with(']') {
        return Vec::new();
    }
    let mut out = Vec::new();
    for word in shell::words(text, '\\') {
        let word = text.get(word).unwrap_or_default();
        let Some(rest) = word
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .strip_prefix("<<")
        else {
            continue;
        };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        if rest.contains('<') {
            continue;
        }
        let name: String = rest.chars().filter(|c| !"\"'\\".contains(*c)).collect();
        if !name.is_empty() {
            out.push((name, chomp));
        }
    }
    out
}

/// `--name=value` flags at the start of `range`: each name with the range
/// of its value (quotes removed when they enclose it), and where the
/// arguments after them start.
fn flags(ins: &Instruction, range: Range<usize>) -> (Vec<(&str, Range<usize>)>, usize) {
    let part = ins.get(&range);
    let mut out = Vec::new();
    for word in shell::words(part, '\\') {
        let at = range.start + word.start;
        let text = part.get(word.clone()).unwrap_or_default();
        let Some(flag) = text.strip_prefix("--") else {
            return (out, at);
        };
        if flag.is_empty() {
            return (out, range.start + word.end);
        }
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => {
                let end = range.start + word.end;
                (name, unquoted(ins, end - value.len()..end))
            }
            None => (flag, range.start + word.end..range.start + word.end),
        };
        out.push((name, value));
    }
    (out, range.end)
}

/// `range` without the quotes that enclose it, if any.
fn unquoted(ins: &Instruction, range: Range<usize>) -> Range<usize> {
    let text = ins.get(&range);
    let quoted = text.len() >= 2
        && ((text.starts_with('"') && text.ends_with('"'))
            || (text.starts_with('\'') && text.ends_with('\'')));
    if quoted {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// Stage names are `[a-z][a-z0-9-_.]*`, compared in lower case.
fn valid_stage_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// The instructions in order, with what is in scope.
struct Walk {
    escape: char,
    /// Every stage name of the file (`COPY --from` may name a later stage).
    all_stages: HashSet<String>,
    /// The stage names declared so far (`FROM` names an earlier stage).
    earlier: HashSet<String>,
    /// The `ARG`s before the first `FROM`.
    global: Scope,
    stage: Option<Stage>,
    stages: usize,
    /// The references already reported under each `--from` key.
    from_refs: HashMap<String, Vec<String>>,
    deps: Deps,
    /// Values given at build time for global `ARG`s.
    build_args: HashMap<String, String>,
}

struct Stage {
    key: String,
    scope: Scope,
}

impl Walk {
    fn new(file: &Dockerfile) -> Self {
        let all_stages = file
            .instructions
            .iter()
            .filter(|ins| ins.command().eq_ignore_ascii_case("from"))
            .filter_map(|ins| {
                let words = split_whitespace(&ins.text, flags(ins, ins.args()).1..ins.text.len());
                match words.as_slice() {
                    [_, as_, name] if ins.get(as_).eq_ignore_ascii_case("as") => {
                        Some(ins.get(name).to_ascii_lowercase())
                    }
                    _ => None,
                }
            })
            .collect();
        Walk {
            escape: file.escape,
            all_stages,
            earlier: HashSet::new(),
            global: Scope::new(),
            stage: None,
            stages: 0,
            from_refs: HashMap::new(),
            deps: Deps::default(),
            build_args: HashMap::new(),
        }
    }

    fn push(&mut self, dep: Dependency) -> Result<(), ExtractError> {
        self.deps
            .push(dep, |dep| format!("{} is declared twice", dep.key))
    }

    /// `ARG NAME[=default] ...`: before the first `FROM` a global, else a
    /// stage variable (`ARG NAME` alone takes the global's default).
    fn arg(&mut self, ins: &Instruction) {
        let args = ins.args();
        let text = ins.get(&args);
        for word in shell::words(text, self.escape) {
            let word = text.get(word).unwrap_or_default();
            let (name, default) = match word.split_once('=') {
                Some((name, default)) => (name, Some(default)),
                None => (word, None),
            };
            match &mut self.stage {
                None => {
                    let value = match self.build_args.get(name) {
                        Some(given) => Some(given.clone()),
                        None => default.and_then(|d| shell::expand(d, &self.global, self.escape)),
                    };
                    self.global.insert(name.to_owned(), value);
                }
                Some(stage) => {
                    let value = match default {
                        Some(d) => shell::expand(d, &stage.scope, self.escape),
                        None => self.global.get(name).cloned().flatten(),
                    };
                    stage.scope.insert(name.to_owned(), value);
                }
            }
        }
    }

    /// `FROM [--platform=...] <image> [AS <name>]`.
    fn from(&mut self, ins: &Instruction) -> Result<(), ExtractError> {
        let (_, rest) = flags(ins, ins.args());
        let words = split_whitespace(&ins.text, rest..ins.text.len());
        let (written, name) = match words.as_slice() {
            [] => {
                return Err(ExtractError::new(
                    "FROM without an image: expected FROM <image> [AS <name>]",
                    ins.span.start,
                ))
            }
            [image] => (image, None),
            [image, as_, name] if ins.get(as_).eq_ignore_ascii_case("as") => (image, Some(name)),
            [_, extra, ..] => {
                return Err(ExtractError::new(
                    format!(
                        "FROM takes an image and optionally AS <name>, not \"{}\"",
                        ins.get(&(extra.start..ins.text.len())).trim()
                    ),
                    ins.span_of(extra).start,
                ))
            }
        };
        let index = self.stages;
        self.stages += 1;
        let key = match name {
            Some(range) => format!("stage.{}", self.stage_name(ins, range)?),
            None => format!("stage#{index}"),
        };
        let resolved =
            shell::expand(ins.get(written), &self.global, self.escape).filter(|v| !v.is_empty());
        let base = resolved.as_deref().map(str::to_ascii_lowercase);
        let is_stage = base.as_ref().is_some_and(|b| self.earlier.contains(b));
        let is_scratch = base.as_deref() == Some("scratch");
        if let Some(range) = name {
            self.earlier.insert(ins.get(range).to_ascii_lowercase());
        }
        self.stage = Some(Stage {
            key: key.clone(),
            scope: Scope::new(),
        });
        if is_stage || is_scratch {
            return Ok(());
        }
        let value = Spanned::new(
            resolved.unwrap_or_else(|| ins.get(written).to_owned()),
            ins.span_of(written),
        );
        self.push(image(key, ins.span, &value))
    }

    /// A new stage's name, lower case; invalid and repeated names are errors.
    fn stage_name(&self, ins: &Instruction, range: &Range<usize>) -> Result<String, ExtractError> {
        let name = ins.get(range).to_ascii_lowercase();
        let at = ins.span_of(range).start;
        if !valid_stage_name(&name) {
            return Err(ExtractError::new(
                format!(
                    "invalid stage name \"{}\": a letter, then letters, digits, '-', '_' or '.'",
                    ins.get(range)
                ),
                at,
            ));
        }
        if self.earlier.contains(&name) {
            return Err(ExtractError::new(
                format!("a second stage named \"{name}\""),
                at,
            ));
        }
        Ok(name)
    }

    /// `COPY --from=<stage|index|image>`.
    fn copy(&mut self, ins: &Instruction) -> Result<(), ExtractError> {
        let (flags, _) = flags(ins, ins.args());
        for (_, value) in flags.into_iter().filter(|(name, _)| *name == "from") {
            self.flag_image(ins, value, "copy-from")?;
        }
        Ok(())
    }

    /// `ADD [--checksum=<hash>] [--keep-git-dir] <src>... <dest>`: a git
    /// repository or an HTTP(S) download is third-party content fetched at
    /// build time.
    fn add(&mut self, ins: &Instruction) -> Result<(), ExtractError> {
        let (flags, rest) = flags(ins, ins.args());
        let Some(stage) = &self.stage else {
            return Ok(());
        };
        let checksum = flags
            .iter()
            .rev()
            .find(|(name, _)| *name == "checksum")
            .map(|(_, value)| {
                let written = ins.get(value);
                shell::expand(written, &stage.scope, self.escape)
                    .unwrap_or_else(|| written.to_owned())
            });
        let args = rest..ins.text.len();
        let span = ins.span_of(&args);
        let sources: Vec<(String, Span)> = if ins.get(&args).trim_start().starts_with('[') {
            match serde_json::from_str::<Vec<String>>(ins.get(&args).trim()) {
                Ok(mut list) => {
                    list.pop();
                    list.into_iter().map(|s| (s, span)).collect()
                }
                Err(_) => Vec::new(),
            }
        } else {
            let mut words = split_whitespace(&ins.text, args);
            words.pop();
            words
                .iter()
                .map(|w| {
                    (
                        ins.get(&unquoted(ins, w.clone())).to_owned(),
                        ins.span_of(w),
                    )
                })
                .collect()
        };
        let mut found = Vec::new();
        for (written, at) in sources {
            if written.starts_with("<<") {
                continue;
            }
            let value = shell::expand(&written, &stage.scope, self.escape).unwrap_or(written);
            if let Some(dep) = fetched(&stage.key, &value, checksum.as_deref(), ins.span, at) {
                found.push(dep);
            }
        }
        for mut dep in found {
            let refs = self.from_refs.entry(dep.key.clone()).or_default();
            let seen = dep.source_str().unwrap_or_default().to_owned()
                + "#"
                + dep.version_str().unwrap_or_default();
            if refs.contains(&seen) {
                continue;
            }
            refs.push(seen);
            if refs.len() > 1 {
                dep.key = format!("{}#{}", dep.key, refs.len());
            }
            self.push(dep)?;
        }
        Ok(())
    }

    /// `RUN --mount=type=...,from=<stage|index|image>,...`.
    fn run(&mut self, ins: &Instruction) -> Result<(), ExtractError> {
        let (flags, _) = flags(ins, ins.args());
        for (_, value) in flags.into_iter().filter(|(name, _)| *name == "mount") {
            let mut at = value.start;
            for field in ins.get(&value).split(',') {
                let range = unquoted(ins, at..at + field.len());
                at += field.len() + 1;
                let text = ins.get(&range);
                if let Some((key, from)) = text.split_once('=') {
                    if key.trim().eq_ignore_ascii_case("from") {
                        let end = range.end;
                        self.flag_image(ins, end - from.len()..end, "mount-from")?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The image a `--from` names, unless it names a stage.
    fn flag_image(
        &mut self,
        ins: &Instruction,
        range: Range<usize>,
        what: &str,
    ) -> Result<(), ExtractError> {
        // Before the first FROM Docker rejects the file; nothing to report.
        let Some(stage) = &self.stage else {
            return Ok(());
        };
        let written = ins.get(&range);
        let value =
            shell::expand(written, &stage.scope, self.escape).unwrap_or_else(|| written.to_owned());
        let is_index = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        if value.is_empty() || is_index || self.all_stages.contains(&value.to_ascii_lowercase()) {
            return Ok(());
        }
        let repository = image_ref::parse(&value).map_or_else(|_| value.clone(), |r| r.repository);
        let mut key = format!("{}.{what}.{repository}", stage.key);
        // The same image again is one dependency; another reference to the
        // same repository in the stage is a second one.
        let refs = self.from_refs.entry(key.clone()).or_default();
        if refs.contains(&value) {
            return Ok(());
        }
        refs.push(value.clone());
        if refs.len() > 1 {
            key = format!("{key}#{}", refs.len());
        }
        let value = Spanned::new(value, ins.span_of(&range));
        self.push(image(key, ins.span, &value))
    }
}

/// What `ADD <value>` fetches from outside the build context: a git
/// repository (as BuildKit tells one: `git@host:…`, `git://`, `ssh://`, or
/// an HTTP(S) URL whose path ends in `.git`), pinned only by a full commit
/// (`#<commit>[:dir]`, `?ref=`, `?commit=`/`?checksum=`, or
/// `--checksum=<commit>`); or any other HTTP(S) URL, pinned only by
/// `--checksum=sha256:…`. `None` for a local source.
fn fetched(
    stage: &str,
    value: &str,
    checksum: Option<&str>,
    declared: Span,
    at: Span,
) -> Option<Dependency> {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    let (address, fragment) = value.split_once('#').unwrap_or((value, ""));
    let (base, query) = address.split_once('?').unwrap_or((address, ""));
    let git = lower.starts_with("git://")
        || lower.starts_with("ssh://")
        || (!lower.contains("://") && scp_like(value))
        || (http
            && base
                .trim_end_matches('/')
                .to_ascii_lowercase()
                .ends_with(".git"));
    if !git && !http {
        return None;
    }
    let key = format!("{stage}.add.{}", base.to_ascii_lowercase());
    let mut dep = Dependency::new(
        Ecosystem::Container,
        Kind::Module,
        key,
        base.to_owned(),
        declared,
    );
    dep.source = Some(Spanned::new(base.to_owned(), at));
    if !git {
        let pinned = checksum.is_some_and(image_ref::is_digest)
            || checksum.is_some_and(|c| {
                c.split_once(':').is_some_and(|(alg, hex)| {
                    alg == "sha384" && hex.len() == 96 && hex.bytes().all(|b| b.is_ascii_hexdigit())
                })
            });
        if let Some(checksum) = checksum {
            dep.version = Some(Spanned::new(checksum.to_owned(), at));
        }
        dep.pin = match checksum {
            _ if pinned => PinState::Pinned,
            Some(c) => PinState::Unpinned(format!(
                "ADD of a URL with --checksum={c}, which is not a sha256 digest"
            )),
            None => PinState::Unpinned(
                "ADD of a URL without --checksum=sha256:…: whatever the server sends at build time"
                    .to_owned(),
            ),
        };
        return Some(dep);
    }
    let is_commit =
        |s: &str| matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut named = fragment.split(':').next().unwrap_or_default().to_owned();
    let mut pinned = is_commit(&named);
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "ref" | "branch" | "tag" if named.is_empty() => named = v.to_owned(),
            "ref" if is_commit(v) => pinned = true,
            "checksum" | "commit" if is_commit(v) => pinned = true,
            _ => {}
        }
    }
    if checksum.is_some_and(is_commit) {
        pinned = true;
    }
    let shown = match checksum {
        Some(c) if is_commit(c) => c.to_owned(),
        _ => named.clone(),
    };
    if !shown.is_empty() {
        dep.version = Some(Spanned::new(shown, at));
    }
    dep.pin = if pinned {
        PinState::Pinned
    } else if named.is_empty() {
        PinState::Unpinned("ADD of a git repository at its default branch".to_owned())
    } else {
        PinState::Unpinned(format!(
            "ADD of a git repository at \"{named}\", not a full commit"
        ))
    };
    Some(dep)
}

/// `user@host:path`, git's scp-like syntax.
fn scp_like(value: &str) -> bool {
    let Some((user_host, _)) = value.split_once(':') else {
        return false;
    };
    let Some((user, host)) = user_host.split_once('@') else {
        return false;
    };
    let plain = |s: &str| !s.is_empty() && !s.contains(['/', '@', ' ']);
    plain(user) && plain(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{line_col, Ecosystem, Kind, PinState};

    const DOCKERFILE: &str = include_str!("../../../../../tests/fixtures/images/Dockerfile");
    const DIGEST: &str = "sha256:9a8b7c6d5e4f30211f0e9d8c7b6a59483726150f0e1d2c3b4a5968778695a4b3";

    fn deps(text: &str) -> Vec<Dependency> {
        extract(text).unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
    }

    fn keys(text: &str) -> Vec<String> {
        deps(text).into_iter().map(|d| d.key).collect()
    }

    /// Each dependency's key and source.
    fn sources(text: &str) -> Vec<(String, String)> {
        deps(text)
            .into_iter()
            .map(|d| (d.key, d.source.map(|s| s.value).unwrap_or_default()))
            .collect()
    }

    fn err(text: &str) -> (String, (usize, usize)) {
        let e = extract(text).expect_err("should be rejected");
        let at = line_col(text, e.offset);
        (e.message, at)
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn line(text: &str, span: Span) -> usize {
        line_col(text, span.start).0
    }

    #[test]
    fn multi_stage_fixture() {
        let deps = deps(DOCKERFILE);
        let keys: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "syntax",
                "stage.builder",
                "stage.builder.mount-from.ghcr.io/org/protos",
                "stage.certs",
                "stage.runtime",
                "stage.runtime.copy-from.ghcr.io/org/tool",
            ]
        );
        assert!(deps
            .iter()
            .all(|d| d.ecosystem == Ecosystem::Container && d.kind == Kind::Image));

        let syntax = &deps[0];
        assert_eq!(syntax.source_str(), Some("docker.io/docker/dockerfile"));
        assert_eq!(syntax.version_str(), Some("1.7"));
        assert_eq!(
            at(DOCKERFILE, syntax.span),
            "# syntax=docker/dockerfile:1.7"
        );
        assert!(matches!(syntax.pin, PinState::Tagged(_)));

        // Resolved from the global ARG; spans point at the value as written.
        let builder = &deps[1];
        assert_eq!(builder.name, "golang");
        assert_eq!(builder.source_str(), Some("docker.io/library/golang"));
        assert_eq!(builder.version_str(), Some("1.22-bookworm"));
        let source = builder.source.as_ref().unwrap();
        assert_eq!(at(DOCKERFILE, source.span), "golang:${GO_VERSION}-bookworm");
        assert_eq!(line(DOCKERFILE, builder.span), 7);
        assert!(at(DOCKERFILE, builder.span).starts_with("FROM --platform"));

        // A mount flag on a continuation line, after a comment line.
        let protos = &deps[2];
        assert_eq!(protos.version_str(), Some("2.3"));
        let source = protos.source.as_ref().unwrap();
        assert_eq!(at(DOCKERFILE, source.span), "ghcr.io/org/protos:2.3");
        assert_eq!(line(DOCKERFILE, source.span), 12);
        assert_eq!(line(DOCKERFILE, protos.span), 10);

        // FROM split over three lines; the heredoc body before it is skipped.
        let certs = &deps[3];
        assert_eq!(certs.source_str(), Some("docker.io/library/alpine"));
        let source = certs.source.as_ref().unwrap();
        assert_eq!(at(DOCKERFILE, source.span), "alpine:3.20");
        assert_eq!(line(DOCKERFILE, source.span), 20);
        assert_eq!(line(DOCKERFILE, certs.span), 19);
        assert!(at(DOCKERFILE, certs.span).ends_with("AS certs"));

        let runtime = &deps[4];
        assert_eq!(runtime.pin, PinState::Pinned);
        assert_eq!(runtime.source_str(), Some("docker.io/library/python"));
        assert_eq!(runtime.version_str(), Some(DIGEST));
        assert_eq!(runtime.comment.as_deref(), Some("3.12-slim"));
        assert_eq!(
            at(DOCKERFILE, runtime.source.as_ref().unwrap().span),
            "${BASE}"
        );

        let tool = &deps[5];
        assert_eq!(tool.name, "ghcr.io/org/tool");
        assert_eq!(tool.version_str(), Some("1.2"));
        assert_eq!(
            at(DOCKERFILE, tool.source.as_ref().unwrap().span),
            "ghcr.io/org/tool:1.2"
        );
        assert!(at(DOCKERFILE, tool.span).starts_with("COPY --from=ghcr.io"));
    }

    #[test]
    fn stage_references_and_scratch_are_no_images() {
        let text = "FROM golang:1.22 AS Build\n\
                    FROM build AS test\n\
                    FROM BUILD\n\
                    COPY --from=0 /a /a\n\
                    COPY --from=Test /b /b\n\
                    COPY --from=later /c /c\n\
                    RUN --mount=type=bind,from=build,target=/x true\n\
                    RUN --mount=from=1 true\n\
                    FROM Scratch AS later\n\
                    COPY --from= /d /d\n";
        assert_eq!(keys(text), ["stage.build"]);
        // A FROM names only earlier stages: `alpine` is the image here.
        let text = "FROM alpine:3.20 AS alpine\nFROM alpine\n";
        assert_eq!(keys(text), ["stage.alpine"]);
    }

    #[test]
    fn unnamed_stages_are_numbered() {
        let text = "FROM node:20 AS deps\nFROM node:20-slim\nCOPY --from=ghcr.io/a/b:1 / /\nFROM nginx:1.27\n";
        assert_eq!(
            keys(text),
            [
                "stage.deps",
                "stage#1",
                "stage#1.copy-from.ghcr.io/a/b",
                "stage#2"
            ]
        );
    }

    #[test]
    fn keys_are_stable_under_unrelated_edits() {
        let a = "FROM golang:1.22 AS build\nRUN make\nFROM alpine:3.20 AS run\nCOPY --from=build /app /app\n";
        let b =
            "# comment\nARG X=1\nFROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN make\n\n\
                 FROM   alpine:3.20   as   RUN\nLABEL a=b\nCOPY --from=build /app /app\n";
        assert_eq!(sources(a), sources(b));
    }

    #[test]
    fn same_image_copied_twice_is_one_dependency() {
        let text = "FROM alpine:3.20\n\
                    COPY --from=ghcr.io/org/tool:1.2 /a /a\n\
                    COPY --from=ghcr.io/org/tool:1.2 /b /b\n\
                    COPY --from=ghcr.io/org/tool:1.3 /c /c\n\
                    RUN --mount=type=bind,from=ghcr.io/org/tool:1.2,target=/t true\n";
        let deps = deps(text);
        let got: Vec<(&str, Option<&str>)> = deps
            .iter()
            .map(|d| (d.key.as_str(), d.version_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("stage#0", Some("3.20")),
                ("stage#0.copy-from.ghcr.io/org/tool", Some("1.2")),
                ("stage#0.copy-from.ghcr.io/org/tool#2", Some("1.3")),
                ("stage#0.mount-from.ghcr.io/org/tool", Some("1.2")),
            ]
        );
    }

    #[test]
    fn global_args_resolve_from() {
        let text = "ARG REGISTRY=ghcr.io/org\n\
                    ARG IMAGE=\"${REGISTRY}/app:1.2\"\n\
                    ARG TAG\n\
                    FROM $IMAGE AS a\n\
                    FROM ${REGISTRY}/base:${TAG} AS b\n\
                    FROM ${REGISTRY}/base:${TAG:-1.0} AS c\n\
                    ARG LATE=nginx:1.27\n\
                    FROM ${LATE} AS d\n\
                    FROM golang:1.22-${TARGETARCH} AS e\n";
        let deps = deps(text);
        let a = &deps[0];
        assert_eq!(a.source_str(), Some("ghcr.io/org/app"));
        assert_eq!(a.version_str(), Some("1.2"));
        for dep in &deps[1..] {
            assert!(
                matches!(&dep.pin, PinState::Unpinned(why) if why.contains("cannot be resolved statically")),
                "{dep:?}"
            );
        }
        // Unresolved: the value as written.
        assert_eq!(deps[1].source_str(), Some("${REGISTRY}/base:${TAG}"));
        assert_eq!(deps[3].source_str(), Some("${LATE}"));
    }

    #[test]
    fn an_arg_may_name_a_stage() {
        let text = "ARG FROM_STAGE=build\nFROM golang:1.22 AS build\nFROM ${FROM_STAGE}\n";
        assert_eq!(keys(text), ["stage.build"]);
        let text = "ARG BASE=scratch\nFROM $BASE\n";
        assert_eq!(keys(text), Vec::<String>::new());
        let text = "ARG EMPTY=\nFROM ${EMPTY}\n";
        assert_eq!(sources(text), [("stage#0".into(), "${EMPTY}".into())]);
    }

    #[test]
    fn stage_args_resolve_from_flags() {
        let text = "ARG TOOL=ghcr.io/org/tool:1.2\n\
                    ARG STAGE=build\n\
                    FROM alpine:3.20 AS build\n\
                    FROM alpine:3.20 AS run\n\
                    ARG TOOL\n\
                    ARG STAGE\n\
                    ARG OTHER=ghcr.io/org/other:2.0\n\
                    COPY --from=$TOOL / /\n\
                    COPY --from=${STAGE} / /\n\
                    COPY --from=${OTHER} / /\n";
        let got = sources(text);
        assert_eq!(
            got[2..],
            [
                (
                    "stage.run.copy-from.ghcr.io/org/tool".into(),
                    "ghcr.io/org/tool".into()
                ),
                (
                    "stage.run.copy-from.ghcr.io/org/other".into(),
                    "ghcr.io/org/other".into()
                ),
            ]
        );
        // Globals are not in a stage's scope until declared there again.
        let text = "ARG TOOL=ghcr.io/org/tool:1.2\nFROM alpine:3.20\nCOPY --from=$TOOL / /\n";
        assert_eq!(sources(text)[1].1, "$TOOL");
    }

    #[test]
    fn continuations_comments_and_crlf() {
        let text = "FROM \\\r\n  # a comment inside\r\n\r\n  alpine:3.20 \\  \r\n  AS base\r\nRUN echo \\\\\r\nFROM nginx:1.27\r\n";
        let deps = deps(text);
        assert_eq!(deps.len(), 2);
        let source = deps[0].source.as_ref().unwrap();
        assert_eq!(at(text, source.span), "alpine:3.20");
        assert_eq!(line(text, source.span), 4);
        assert_eq!(deps[0].key, "stage.base");
        // `\\` at a line end is an escaped escape, not a continuation.
        assert_eq!(line(text, deps[1].span), 7);
        assert_eq!(at(text, deps[1].span), "FROM nginx:1.27");
    }

    #[test]
    fn backtick_escape_directive() {
        let text = "# escape=`\n\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 `\n    AS base\nRUN dir C:\\ \nFROM base\n";
        let deps = deps(text);
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "stage.base");
        assert_eq!(
            deps[0].source_str(),
            Some("mcr.microsoft.com/windows/servercore")
        );
        // Without the directive a trailing backslash continues the line.
        let text = "FROM alpine:3.20 AS a\nRUN dir C:\\\nFROM nginx:1.27\n";
        assert_eq!(keys(text), ["stage.a"]);
    }

    #[test]
    fn directives_only_at_the_top() {
        let text = "FROM alpine:3.20\n# syntax=docker/dockerfile:1\n";
        assert_eq!(keys(text), ["stage#0"]);
        let text = "# a comment\n# syntax=docker/dockerfile:1\nFROM alpine:3.20\n";
        assert_eq!(keys(text), ["stage#0"]);
        let text = "#check=error=true\n#  SYNTAX = docker/dockerfile:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \nFROM alpine:3.20\n";
        let deps = deps(text);
        assert_eq!(deps[0].key, "syntax");
        assert_eq!(deps[0].pin, PinState::Pinned);
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let text = "FROM alpine:3.20\n\
                    RUN <<-EOT bash\n\
                    \tFROM evil:1\n\
                    \tEOT\n\
                    COPY <<\"ONE\" <<'TWO' /dst/\n\
                    FROM evil:2\n\
                    ONE\n\
                    FROM evil:3\n\
                    TWO\n\
                    run 3<<x cat\n\
                    FROM evil:4\n\
                    x\n\
                    RUN [\"sh\", \"-c\", \"cat <<EOF\"]\n\
                    FROM nginx:1.27\n";
        assert_eq!(
            sources(text),
            [
                ("stage#0".into(), "docker.io/library/alpine".into()),
                ("stage#1".into(), "docker.io/library/nginx".into()),
            ]
        );
        let (msg, (line, _)) = err("FROM alpine:3.20\nRUN <<EOF\necho hi\n");
        assert!(msg.contains("heredoc <<EOF"), "{msg}");
        assert_eq!(line, 2);
    }

    #[test]
    fn instructions_are_case_insensitive_and_unknown_ones_ignored() {
        let text = "from alpine:3.20 as A\nfrobnicate --from=x\nCopy --from=ghcr.io/x/y:1 / /\n";
        assert_eq!(keys(text), ["stage.a", "stage.a.copy-from.ghcr.io/x/y"]);
        assert_eq!(keys(""), Vec::<String>::new());
        assert_eq!(keys("# only a comment\n\n   \n"), Vec::<String>::new());
    }

    #[test]
    fn add_of_a_git_repository_or_a_url() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "FROM alpine@{DIGEST}\nADD https://github.com/evil/tools.git#main /opt/tools\n\
             ADD https://evil.example.com/agent.tar.gz /opt/\n\
             ADD --checksum=sha256:{hex} https://example.com/ok.tgz /opt/\n\
             ADD https://github.com/acme/lib.git#{sha}:sub /opt/lib\n\
             ADD --keep-git-dir=true git@github.com:acme/x.git /x\n\
             ADD https://github.com/acme/y.git?tag=v1&checksum={sha} /y\n\
             ADD --checksum={sha} https://github.com/acme/z.git /z\n\
             ADD https://github.com/acme/w.git#v1.2.3 /w\n\
             ADD [\"https://e.example/a b.sh\", \"/a\"]\n\
             ADD local.tgz ./dir /dest/\nADD <<EOF /x\nhi\nEOF\n",
            hex = &DIGEST[7..]
        );
        let deps = deps(&text);
        let got: Vec<(&str, bool)> = deps
            .iter()
            .skip(1)
            .map(|d| (d.key.as_str(), d.pin == PinState::Pinned))
            .collect();
        assert_eq!(
            got,
            [
                ("stage#0.add.https://github.com/evil/tools.git", false),
                ("stage#0.add.https://evil.example.com/agent.tar.gz", false),
                ("stage#0.add.https://example.com/ok.tgz", true),
                ("stage#0.add.https://github.com/acme/lib.git", true),
                ("stage#0.add.git@github.com:acme/x.git", false),
                ("stage#0.add.https://github.com/acme/y.git", true),
                ("stage#0.add.https://github.com/acme/z.git", true),
                ("stage#0.add.https://github.com/acme/w.git", false),
                ("stage#0.add.https://e.example/a b.sh", false),
            ]
        );
        assert!(deps[1..].iter().all(|d| d.kind == Kind::Module));
        assert!(matches!(&deps[1].pin, PinState::Unpinned(why) if why.contains("\"main\"")));
        assert_eq!(deps[1].version_str(), Some("main"));
        assert_eq!(line(&text, deps[2].span), 3);
        // A short commit checksum is a prefix, not a pin.
        let short = format!("FROM scratch\nADD --checksum=0123456 https://github.com/a/b.git /b\n");
        assert!(matches!(self::deps(&short)[0].pin, PinState::Unpinned(_)));
    }

    #[test]
    fn pins() {
        let text = "FROM nginx\nFROM nginx:latest\nFROM nginx:1.27\n";
        let deps = deps(text);
        assert!(matches!(deps[0].pin, PinState::Unpinned(_)));
        assert!(matches!(deps[1].pin, PinState::Unpinned(_)));
        assert!(matches!(deps[2].pin, PinState::Tagged(_)));
    }

    #[test]
    fn malformed_instructions_fail_closed() {
        let cases = [
            ("FROM alpine:3.20\nFROM\n", 2, "FROM without an image"),
            ("FROM --platform=linux/amd64\n", 1, "FROM without an image"),
            ("\n\nFROM alpine as\n", 3, "FROM takes"),
            ("FROM alpine AS a b\n", 1, "FROM takes"),
            ("FROM alpine:3.20 \\\n  AT base\n", 2, "FROM takes"),
            ("FROM alpine AS 1st\n", 1, "invalid stage name"),
            (
                "FROM alpine AS a\nFROM alpine AS A\n",
                2,
                "a second stage named \"a\"",
            ),
            ("# escape=x\nFROM alpine\n", 1, "invalid escape"),
            (
                "# syntax=a\n# syntax=b\nFROM alpine\n",
                2,
                "a second `# syntax=`",
            ),
        ];
        for (text, want_line, want) in cases {
            let (msg, (line, _)) = err(text);
            assert!(msg.contains(want), "{text:?}: {msg}");
            assert_eq!(line, want_line, "{text:?}: {msg}");
        }
    }

    mod props {
        use super::super::extract;
        use proptest::prelude::*;

        fn check(text: &str) -> Result<(), TestCaseError> {
            match extract(text) {
                Ok(deps) => {
                    for d in deps {
                        prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                        let source = d.source.unwrap();
                        prop_assert!(source.span.start <= source.span.end);
                        prop_assert!(source.span.end <= text.len());
                    }
                }
                Err(e) => prop_assert!(e.offset <= text.len()),
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn never_panics(text in "[a-zA-Z0-9 :/.@=${}\"'`\\\\#<\\-\\n\\r\t,é]{0,200}") {
                check(&text)?;
                check(&format!("ARG A={text}\nFROM {text} AS s\nCOPY --from={text} / /\nRUN --mount={text} <<E\n{text}\nE\n"))?;
                check(&format!("# escape=`\n{text}"))?;
            }

            #[test]
            fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                check(&String::from_utf8_lossy(&bytes))?;
            }
        }
    }
}
