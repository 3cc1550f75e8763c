//! Terragrunt (`terragrunt.hcl`, the `*.hcl` files it includes such as
//! `root.hcl` and `_envcommon/*.hcl`, and `terragrunt.stack.hcl`): the
//! `terraform { source = ... }` of a unit, and the `source` of each `unit`
//! and `stack` block of a stack file.
//!
//! # Sources built by interpolation
//!
//! Terragrunt sources are often assembled: `"${local.base}?ref=v1"`. What
//! can be worked out from the file alone is: string literals, heredocs,
//! string templates mixing literals and interpolations, and `local.NAME`
//! references to this file's `locals` (which may refer to other locals,
//! through object attributes and list elements too). A source built only
//! from those is resolved to the string Terragrunt will see, so the
//! dependency's `source` is the same value however it is spelt: moving part
//! of a source into a local, inlining a local, or renaming one is a
//! syntactic refactor that leaves the dependency unchanged, and no rule
//! fires.
//!
//! When the tree the file is in is at hand ([`super::extract_in`]), values
//! from other files are resolved too, the way Terragrunt reads them:
//! `include.NAME.locals.x` (the `locals` of the file an `include` block
//! names) and `read_terragrunt_config(PATH).locals.x`, with paths built
//! from literals, `find_in_parent_folders(NAME)`, `dirname(...)`,
//! `get_terragrunt_dir()` and `get_repo_root()` (see [`include`]). A source
//! that resolves into the repository itself is local: no dependency.
//!
//! Anything else is deliberately not resolved, never guessed: other
//! function calls (`get_env(...)`, `get_parent_terragrunt_dir()`),
//! `include.x.inputs`, `dependency.x.outputs`, `var.*`, `values.*`,
//! conditionals, operators, `for` expressions, template directives
//! (`%{ if }`), numbers and booleans, and locals that are undefined, defined
//! twice or cyclic. Such a source is kept exactly as written (the
//! expression's text) and reported unpinned, naming the first part that
//! could not be resolved.
//!
//! `generate` blocks that write a Terraform file are judged as that file
//! of the unit (see [`generate`]). Everything else in the file (`inputs`,
//! `remote_state`, `dependency` and `include` blocks) declares no
//! dependency here, and an
//! `*.hcl` file of some other tool simply yields none. A syntax error is an
//! error: the file fails closed.

use std::collections::HashMap;

use hcl::edit::expr::{Expression, Object, ObjectKey, Traversal, TraversalOperator};
use hcl::edit::structure::{Block, Body};
use hcl::edit::template::{Element, Template};

use super::terraform::{header_span, span_of, with_body};
use super::Deps;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};
use crate::source::{ModuleSource, Pin, Unpinned};

mod generate;
mod include;
mod json;
pub use include::TreeFiles;
use include::{Ctx, ROOT};

/// Terragrunt HCL -> dependencies (offsets into `text`), in file order.
///
/// Keys and names: `terraform.source` (name `terraform`, span the `source`
/// attribute), `unit.NAME` and `stack.NAME` (name `NAME`, span the block
/// header). `source` spans the value expression. Units and the unit's own
/// `terraform.source` are [`Kind::Module`] with [`PinState::Derived`] (the
/// rules read the source as a module source); stacks are [`Kind::Stack`]
/// with the pin judged here, and a stack from a local path is no
/// dependency. An unresolvable source is [`PinState::Unpinned`] either way.
#[cfg(test)]
fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    extract_in(text, None)
}

/// [`extract`], with the file's repository path and the tree it is in, to
/// resolve values read from other files.
pub(super) fn extract_in(
    text: &str,
    at: Option<(&str, &TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    let walked = match at {
        Some((path, files)) => {
            include::with_shallow_body(text, |body| walk(body, Some(Ctx::of_file(path, files))))
        }
        None => None,
    };
    let (mut found, generated) =
        match walked.unwrap_or_else(|| with_body(text, |body| walk(body, None))) {
            Ok(found) => found,
            // Other tools' `.hcl` (Consul's HCL1, say) need not parse as HCL2;
            // a file with none of Terragrunt's blocks is not ours to judge.
            Err(_) if !looks_like_terragrunt(text) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
    for code in generated {
        found.extend(code.located(text).into_iter().map(|dep| (dep, None)));
    }
    Ok(found
        .into_iter()
        .filter_map(|(dep, unresolved)| match unresolved {
            Some(unresolved) => {
                let dep = unresolved.report(dep, text);
                (!dep.source_str().is_some_and(is_in_repository)).then_some(dep)
            }
            None => Some(dep),
        })
        .collect())
}

/// `terragrunt.hcl.json`: the native syntax it stands for (see [`json`]),
/// judged as a `terragrunt.hcl` in its place, spans in the JSON text.
pub(super) fn extract_json(
    text: &str,
    at: Option<(&str, &TreeFiles)>,
) -> Result<Vec<Dependency>, ExtractError> {
    let native = json::to_native(text)?;
    let span = |span: Span| {
        let start = floor_boundary(text, native.map(span.start));
        let end = ceil_boundary(text, native.map(span.end.saturating_sub(1)) + 1);
        Span::new(start, end.max(start))
    };
    match extract_in(&native.text, at) {
        Ok(mut deps) => {
            for dep in &mut deps {
                dep.span = span(dep.span);
                if let Some(source) = &mut dep.source {
                    source.span = span(source.span);
                }
                if let Some(version) = &mut dep.version {
                    version.span = span(version.span);
                }
            }
            Ok(deps)
        }
        Err(e) => Err(ExtractError {
            offset: floor_boundary(text, native.map(e.offset)),
            ..e
        }),
    }
}

/// The nearest character boundary of `text` at or before `i`.
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The nearest character boundary of `text` at or after `i`.
fn ceil_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Whether a file has a top-level block or attribute only Terragrunt uses.
fn looks_like_terragrunt(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "terraform",
        "unit",
        "stack",
        "locals",
        "include",
        "dependency",
        "dependencies",
        "inputs",
        "remote_state",
        "generate",
    ];
    text.lines().any(|line| {
        WORDS.iter().any(|word| {
            line.strip_prefix(word)
                .is_some_and(|rest| rest.starts_with([' ', '{', '=', '\t', '"']) || rest.is_empty())
        })
    })
}

/// Terragrunt's functions that name a directory of the repository itself:
/// a source that starts with one (`"${get_repo_root()}/modules/vpc"`) is a
/// local path, not a third-party dependency, even though its value is not
/// known statically.
const REPOSITORY_DIRS: &[&str] = &[
    "get_repo_root()",
    "get_terragrunt_dir()",
    "get_parent_terragrunt_dir()",
    "get_original_terragrunt_dir()",
    "path_relative_from_include()",
];

fn is_in_repository(written: &str) -> bool {
    let inner = written.trim().trim_start_matches('"');
    REPOSITORY_DIRS.iter().any(|f| {
        inner
            .strip_prefix("${")
            .and_then(|rest| rest.strip_prefix(f))
            .is_some_and(|rest| rest.starts_with("}/"))
    })
}

/// A dependency, and why its source could not be resolved if it could not
/// (its text is filled in once the text is at hand).
type Found = (Dependency, Option<Unresolved>);

/// A file's dependencies, and the Terraform code its `generate` blocks
/// write (spans into the rendered code, located once the text is at hand).
type Walked = (Vec<Found>, Vec<generate::Generated>);

fn walk<'b>(body: &'b Body, ctx: Option<Ctx<'b>>) -> Result<Walked, ExtractError> {
    let mut scope = Scope::new(body, ctx);
    let mut deps = Deps::default();
    let mut unresolved = Vec::new();
    let mut generated = Vec::new();
    let mut generate_names = std::collections::HashSet::new();
    for block in body.blocks() {
        let found = match (block.ident.as_str(), block.labels.as_slice()) {
            ("terraform", []) => terraform(block, &mut scope),
            ("generate", labels) => {
                if let Some(label) = labels.first() {
                    if !generate_names.insert(label.as_str()) {
                        return Err(ExtractError::new(
                            format!(
                                "duplicate generate \"{}\": a generate block name must be unique \
                                 (Terragrunt rejects this)",
                                label.as_str()
                            ),
                            header_span(block).start,
                        ));
                    }
                }
                match generate::read(block, &mut scope)? {
                    generate::Output::Nothing => None,
                    generate::Output::Code(code) => {
                        generated.push(code);
                        None
                    }
                    generate::Output::Unreadable(dep) => Some((dep, None)),
                }
            }
            ("engine", []) => engine(block, &mut scope),
            ("unit", [label]) => unit_or_stack(block, label.as_str(), Kind::Module, &mut scope)?,
            ("stack", [label]) => unit_or_stack(block, label.as_str(), Kind::Stack, &mut scope)?,
            // Not Terragrunt's (or not a dependency): nothing to report.
            _ => None,
        };
        let Some((dep, why)) = found else {
            continue;
        };
        deps.push(dep, |dep| duplicate(block.ident.as_str(), &dep.name))?;
        unresolved.push(why);
    }
    let mut found: Vec<Found> = deps.finish().into_iter().zip(unresolved).collect();
    // A unit without a `terraform` block of its own deploys the one its
    // includes merge in (`_envcommon/vpc.hcl`), evaluated for the unit.
    let has_terraform = body
        .blocks()
        .any(|b| b.ident.as_str() == "terraform" && b.labels.is_empty());
    if !has_terraform {
        if let Some(dep) = scope.inherited_source() {
            found.push((dep, None));
        }
    }
    let inherited = scope.inherited_generates(&generate_names);
    found.extend(inherited.into_iter().map(|dep| (dep, None)));
    found.extend(scope.includes_outside().into_iter().map(|dep| (dep, None)));
    Ok((found, generated))
}

/// Why a second dependency with the same key is an error.
fn duplicate(what: &str, name: &str) -> String {
    match what {
        "terraform" => "duplicate terraform source: a second terraform block sets `source` \
                        (Terragrunt rejects this)"
            .to_owned(),
        _ => format!(
            "duplicate {what} \"{name}\": a {what} name must be unique in its stack file \
             (Terragrunt rejects this)"
        ),
    }
}

/// `terraform { source = ... }`: the module a unit deploys.
fn terraform<'b>(block: &'b Block, scope: &mut Scope<'b>) -> Option<Found> {
    let attr = block.body.get_attribute("source")?;
    let mut dep = Dependency::new(
        Ecosystem::Terragrunt,
        Kind::Module,
        "terraform.source".to_owned(),
        "terraform".to_owned(),
        span_of(attr, header_span(block)),
    );
    let (source, why) = scope.source(&attr.value);
    if source.value.contains(ROOT) {
        // A directory of the repository itself, unless it climbs out.
        let why = include::outside_repository(&source.value)?;
        dep.source = Some(Spanned::new(include::shown(&source.value), source.span));
        dep.pin = PinState::Unpinned(why);
        dep.local_path = true;
        return Some((dep, None));
    }
    dep.source = Some(source);
    Some((dep, why))
}

/// `engine { source = ... version = ... }`: Terragrunt downloads the
/// engine plugin (a release of `source`) and runs it in place of the
/// `tofu`/`terraform` binary. A release tag is what pins it at best (its
/// assets can be replaced, as an Action's tag can be moved); no version, or
/// a branch, is the latest.
fn engine<'b>(block: &'b Block, scope: &mut Scope<'b>) -> Option<Found> {
    let attr = block.body.get_attribute("source")?;
    let mut dep = Dependency::new(
        Ecosystem::Terragrunt,
        Kind::Plugin,
        "engine".to_owned(),
        "engine".to_owned(),
        span_of(attr, header_span(block)),
    );
    let (source, why) = scope.source(&attr.value);
    let version = block
        .body
        .get_attribute("version")
        .map(|a| scope.source(&a.value));
    dep.pin = match (&why, &version) {
        (Some(_), _) => {
            PinState::Unpinned("the engine's source cannot be resolved statically".to_owned())
        }
        (None, None) => PinState::Unpinned(
            "no version: Terragrunt takes the engine's latest release".to_owned(),
        ),
        (None, Some((_, Some(_)))) => {
            PinState::Unpinned("the engine's version cannot be resolved statically".to_owned())
        }
        (None, Some((v, None))) if release_tag(&v.value) => PinState::Tagged(format!(
            "release tag \"{}\": its assets can be replaced",
            v.value
        )),
        (None, Some((v, None))) => {
            PinState::Unpinned(format!("version \"{}\" is not a release tag", v.value))
        }
    };
    dep.source = Some(source);
    dep.version = version.map(|(v, _)| v);
    Some((dep, None))
}

/// `v1.2.3` (or `1.2.3`), with an optional pre-release.
fn release_tag(tag: &str) -> bool {
    let core = tag.strip_prefix('v').unwrap_or(tag);
    let core = core.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `unit "NAME" { source = ... }` or `stack "NAME" { source = ... }` of a
/// stack file. Blocks without a `source` are not Terragrunt's.
fn unit_or_stack<'b>(
    block: &'b Block,
    name: &str,
    kind: Kind,
    scope: &mut Scope<'b>,
) -> Result<Option<Found>, ExtractError> {
    let Some(attr) = block.body.get_attribute("source") else {
        return Ok(None);
    };
    let what = block.ident.as_str();
    let mut dep = Dependency::new(
        Ecosystem::Terragrunt,
        kind,
        format!("{what}.{name}"),
        name.to_owned(),
        header_span(block),
    );
    let (source, why) = scope.source(&attr.value);
    if source.value.contains(ROOT) {
        // A directory of the repository itself, unless it climbs out.
        let Some(why) = include::outside_repository(&source.value) else {
            return Ok(None);
        };
        dep.source = Some(Spanned::new(include::shown(&source.value), source.span));
        dep.pin = PinState::Unpinned(why);
        dep.local_path = true;
        return Ok(Some((dep, None)));
    }
    if kind == Kind::Stack && why.is_none() {
        // The rules judge module sources; a stack's pin is judged here.
        dep.pin = match ModuleSource::parse(&source.value) {
            Ok(parsed) => match parsed.pin(None) {
                Pin::Local => return Ok(None),
                Pin::Pinned => PinState::Pinned,
                // A tag is pinned under `[pinning] git = "tag"`.
                Pin::Unpinned(why @ Unpinned::TagLike(_)) => PinState::Tagged(why.to_string()),
                Pin::Unpinned(why) => PinState::Unpinned(why.to_string()),
            },
            Err(e) => {
                return Err(ExtractError::new(
                    format!("{what} \"{name}\": {e}"),
                    source.span.start,
                ))
            }
        };
    }
    dep.source = Some(source);
    Ok(Some((dep, why)))
}

/// Why an expression has no static value: the part that has none (a span
/// into the text), and sometimes a few words more.
#[derive(Debug, Clone)]
struct Unresolved {
    /// The whole expression that was to be resolved.
    expr: Span,
    /// The first part of it (or of a local it uses) that cannot be resolved.
    culprit: Span,
    note: Option<String>,
    /// The note tells the whole story, from another file.
    elsewhere: bool,
}

impl Unresolved {
    /// The dependency with its source as written and the reason unpinned.
    fn report(self, mut dep: Dependency, text: &str) -> Dependency {
        let written = text.get(self.expr.start..self.expr.end).unwrap_or("");
        dep.source = Some(Spanned::new(written.to_owned(), self.expr));
        let what = excerpt(text.get(self.culprit.start..self.culprit.end).unwrap_or(""));
        let mut why = format!("source is built from `{what}`, which cannot be resolved statically");
        if let Some(note) = self.note {
            why.push_str(&format!(" ({note})"));
        }
        dep.pin = PinState::Unpinned(why);
        dep
    }
}

/// An expression's text on one line, control characters escaped, and cut
/// short when long.
fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for (i, c) in one_line.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A resolved string can be no longer than this: a longer one is no
/// module address, and the limit bounds the work a hostile file can cause.
const MAX_LEN: usize = 4096;
/// Evaluation steps per source, and nested evaluations at any one time.
const MAX_STEPS: usize = 10_000;
const MAX_DEPTH: usize = 128;

/// One step into a local's value: `.name` / `["name"]`, or `[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(u64),
}

/// A local as the `locals` blocks define it.
#[derive(Clone, Copy)]
enum Local<'b> {
    Defined(&'b Expression),
    /// In more than one `locals` block: which value Terragrunt takes is not
    /// ours to guess.
    Twice,
}

/// The file's locals and what has been worked out from them.
struct Scope<'b> {
    body: &'b Body,
    /// Where the file is, when other files can be read.
    ctx: Option<Ctx<'b>>,
    locals: HashMap<&'b str, Local<'b>>,
    /// Whole values of locals already resolved.
    memo: HashMap<&'b str, String>,
    /// Locals being resolved, outermost first (to name a cycle).
    active: Vec<&'b str>,
    depth: usize,
    steps: usize,
}

type Resolved = Result<String, Unresolved>;

impl<'b> Scope<'b> {
    fn new(body: &'b Body, ctx: Option<Ctx<'b>>) -> Scope<'b> {
        let mut locals = HashMap::new();
        let blocks = body.blocks().filter(|b| b.ident.as_str() == "locals");
        for attr in blocks.flat_map(|b| b.body.attributes()) {
            locals
                .entry(attr.key.as_str())
                .and_modify(|local| *local = Local::Twice)
                .or_insert(Local::Defined(&attr.value));
        }
        Scope {
            body,
            ctx,
            locals,
            memo: HashMap::new(),
            active: Vec::new(),
            depth: 0,
            steps: 0,
        }
    }

    /// A `source` value: resolved, or (until the text is at hand) its span
    /// and why it could not be.
    fn source(&mut self, expr: &'b Expression) -> (Spanned<String>, Option<Unresolved>) {
        let span = span_of(expr, Span::default());
        self.steps = 0;
        match self.string(expr) {
            Ok(value) => (Spanned::new(value, span), None),
            Err(mut why) => {
                why.expr = span;
                (Spanned::new(String::new(), span), Some(why))
            }
        }
    }

    fn unresolved(&self, at: &impl hcl::edit::Span, note: Option<String>) -> Unresolved {
        let span = span_of(at, Span::default());
        Unresolved {
            expr: span,
            culprit: span,
            note,
            elsewhere: false,
        }
    }

    /// Counts one nested evaluation; `Err` when over a limit.
    fn enter(&mut self, at: &impl hcl::edit::Span) -> Result<(), Unresolved> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.unresolved(at, Some("too complex to resolve".to_owned())));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.unresolved(at, Some("nested too deeply".to_owned())));
        }
        self.depth += 1;
        Ok(())
    }

    /// The string value of an expression of its own (not a source), or
    /// `Err` when it has none that can be worked out.
    fn string_of(&mut self, expr: &'b Expression) -> Result<String, ()> {
        self.steps = 0;
        self.string(expr).map_err(|_| ())
    }

    /// The string value of `expr`.
    fn string(&mut self, expr: &'b Expression) -> Resolved {
        self.enter(expr)?;
        let value = match expr {
            Expression::String(s) => Ok(s.as_str().to_owned()),
            Expression::StringTemplate(t) => self.template(t, expr),
            Expression::HeredocTemplate(h) => self.template(&h.template, expr),
            Expression::Parenthesis(p) => self.string(p.inner()),
            Expression::Traversal(t) => self.traversal(t, &[]),
            Expression::FuncCall(call) if self.ctx.is_some() => self.call(call, expr),
            _ => Err(self.unresolved(expr, None)),
        };
        self.depth -= 1;
        let value = value?;
        if value.len() > MAX_LEN {
            return Err(self.unresolved(expr, Some("too long to be a source".to_owned())));
        }
        Ok(value)
    }

    /// A template without directives: its literals (less what `~` strip
    /// markers strip) and the values of its interpolations, in order.
    fn template(&mut self, template: &'b Template, whole: &Expression) -> Resolved {
        let elements: Vec<&Element> = template.iter().collect();
        let strips = |i: usize, after: bool| match elements.get(i) {
            Some(Element::Interpolation(interp)) if after => interp.strip.strip_end(),
            Some(Element::Interpolation(interp)) => interp.strip.strip_start(),
            _ => false,
        };
        let mut out = String::new();
        for (i, element) in elements.iter().enumerate() {
            match element {
                Element::Literal(literal) => {
                    let mut s = literal.as_str();
                    if i > 0 && strips(i - 1, true) {
                        s = s.trim_start();
                    }
                    if strips(i + 1, false) {
                        s = s.trim_end();
                    }
                    out.push_str(s);
                }
                Element::Interpolation(interp) => out.push_str(&self.string(&interp.expr)?),
                Element::Directive(directive) => {
                    let span = span_of(&**directive, span_of(whole, Span::default()));
                    return Err(Unresolved {
                        expr: span,
                        culprit: span,
                        note: None,
                        elsewhere: false,
                    });
                }
            }
            if out.len() > MAX_LEN {
                return Err(self.unresolved(whole, Some("too long to be a source".to_owned())));
            }
        }
        Ok(out)
    }

    /// `local.NAME...` followed by `then`; with the tree at hand also
    /// `include.NAME.locals...` and `read_terragrunt_config(...).locals...`;
    /// anything else (`var.x`, `dependency.x`, a function's result) is
    /// unresolvable.
    fn traversal(&mut self, traversal: &'b Traversal, then: &[Step]) -> Resolved {
        let unresolvable = |scope: &Self| Err(scope.unresolved(traversal, None));
        let variable = match &traversal.expr {
            Expression::Variable(v) => v.as_str(),
            Expression::FuncCall(_) if self.ctx.is_some() => "",
            _ => return unresolvable(self),
        };
        let mut operators = traversal.operators.iter().map(|op| op.value()).peekable();
        let name = match (variable, operators.peek()) {
            ("local" | "include", Some(TraversalOperator::GetAttr(name))) => {
                operators.next();
                name.as_str()
            }
            ("", _) => "",
            _ => return unresolvable(self),
        };
        let mut path = Vec::new();
        for operator in operators {
            path.push(match operator {
                TraversalOperator::GetAttr(key) => Step::Key(key.as_str().to_owned()),
                TraversalOperator::LegacyIndex(i) => Step::Index(*i.value()),
                TraversalOperator::Index(Expression::String(key)) => {
                    Step::Key(key.as_str().to_owned())
                }
                TraversalOperator::Index(Expression::Number(n)) => match n.value().as_u64() {
                    Some(i) => Step::Index(i),
                    None => return unresolvable(self),
                },
                _ => return unresolvable(self),
            });
        }
        path.extend_from_slice(then);
        match variable {
            "local" => self.local(name, &path, traversal),
            "include" if self.ctx.is_some() => self.included(name, &path, traversal),
            "" => self.at_path(&traversal.expr, &path, traversal),
            _ => unresolvable(self),
        }
    }

    /// The value at `path` in local `name`, referred to at `at`.
    fn local(&mut self, name: &'b str, path: &[Step], at: &Traversal) -> Resolved {
        let expr = match self.locals.get(name) {
            Some(Local::Defined(expr)) => *expr,
            Some(Local::Twice) => {
                let note = format!("local.{name} is defined more than once");
                return Err(self.unresolved(at, Some(note)));
            }
            None => {
                let note = format!("there is no local.{name} in this file");
                return Err(self.unresolved(at, Some(note)));
            }
        };
        if let Some(first) = self.active.iter().position(|n| *n == name) {
            let chain: Vec<String> = self.active[first..]
                .iter()
                .chain([&name])
                .map(|n| format!("local.{n}"))
                .collect();
            let note = format!("a cycle: {}", chain.join(" -> "));
            return Err(self.unresolved(at, Some(note)));
        }
        if path.is_empty() {
            if let Some(known) = self.memo.get(name) {
                return Ok(known.clone());
            }
        }
        self.active.push(name);
        let value = self.at_path(expr, path, at);
        self.active.pop();
        // Only values: why one is unresolvable can depend on where its
        // resolution started (a cycle's entry, the depth limit).
        if let (true, Ok(value)) = (path.is_empty(), &value) {
            self.memo.insert(name, value.clone());
        }
        value
    }

    /// The string at `path` inside the value of `expr`: through object and
    /// tuple constructors, and through other locals.
    fn at_path(&mut self, expr: &'b Expression, path: &[Step], at: &Traversal) -> Resolved {
        let Some((step, rest)) = path.split_first() else {
            return self.string(expr);
        };
        self.enter(expr)?;
        let value = match (expr, step) {
            (Expression::Parenthesis(p), _) => self.at_path(p.inner(), path, at),
            (Expression::Traversal(t), _) => self.traversal(t, path),
            (Expression::FuncCall(call), _) if self.ctx.is_some() => {
                self.read_config(call, path, at)
            }
            (Expression::Object(object), Step::Key(key)) => match attribute(object, key) {
                Ok(Some(value)) => self.at_path(value, rest, at),
                Ok(None) => {
                    let note = format!("it has no attribute {key:?}");
                    Err(self.unresolved(at, Some(note)))
                }
                Err(()) => Err(self.unresolved(expr, None)),
            },
            (Expression::Array(array), Step::Index(i)) => {
                match usize::try_from(*i).ok().and_then(|i| array.get(i)) {
                    Some(value) => self.at_path(value, rest, at),
                    None => {
                        let note = format!("it has no element {i}");
                        Err(self.unresolved(at, Some(note)))
                    }
                }
            }
            (Expression::Object(_) | Expression::Array(_), _) => Err(self.unresolved(at, None)),
            _ => Err(self.unresolved(expr, None)),
        };
        self.depth -= 1;
        value
    }
}

/// The value of attribute `key` of an object constructor; `Err` when a key
/// is computed (it might be `key`) or `key` is given twice.
fn attribute<'b>(object: &'b Object, key: &str) -> Result<Option<&'b Expression>, ()> {
    let mut found = None;
    for (object_key, value) in object.iter() {
        let name = match object_key {
            ObjectKey::Ident(ident) => ident.as_str(),
            ObjectKey::Expression(Expression::String(s)) => s.as_str(),
            ObjectKey::Expression(_) => return Err(()),
        };
        if name == key {
            if found.is_some() {
                return Err(());
            }
            found = Some(value.expr());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::line_col;

    const TERRAGRUNT_HCL: &str =
        include_str!("../../../../tests/fixtures/terragrunt/terragrunt.hcl");
    const ROOT_HCL: &str = include_str!("../../../../tests/fixtures/terragrunt/root.hcl");
    const ENVCOMMON_VPC_HCL: &str =
        include_str!("../../../../tests/fixtures/terragrunt/_envcommon/vpc.hcl");
    const ENVCOMMON_CONSUMER_HCL: &str =
        include_str!("../../../../tests/fixtures/terragrunt/live/prod/vpc/terragrunt.hcl");
    const STACK_HCL: &str =
        include_str!("../../../../tests/fixtures/terragrunt/terragrunt.stack.hcl");
    const VAULT_HCL: &str = include_str!("../../../../tests/fixtures/terragrunt/vault.hcl");

    const SHA: &str = "3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";
    const SHA2: &str = "89abcdef0123456789abcdef0123456789abcdef";

    fn deps(text: &str) -> Vec<Dependency> {
        extract(text).unwrap_or_else(|e| panic!("{e} at {:?}", line_col(text, e.offset)))
    }

    fn err(text: &str) -> (ExtractError, (usize, usize)) {
        let e = extract(text).expect_err("should be rejected");
        let at = line_col(text, e.offset);
        (e, at)
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    /// The one dependency of `text`.
    fn only(text: &str) -> Dependency {
        let mut deps = deps(text);
        assert_eq!(deps.len(), 1, "{deps:#?}");
        deps.remove(0)
    }

    fn unpinned_why(dep: &Dependency) -> &str {
        match &dep.pin {
            PinState::Unpinned(why) => why,
            other => panic!("expected unpinned, got {other:?}"),
        }
    }

    fn unit(body: &str) -> String {
        format!(
            "include \"root\" {{\n  path = find_in_parent_folders(\"root.hcl\")\n}}\n\n{body}\n"
        )
    }

    #[test]
    fn generated_terraform_code_is_read_where_it_is_written() {
        let text = "generate \"m\" {\n  path     = \"m.tf\"\n  contents = <<-EOF\n    module \"vpc\" {\n      source  = \"terraform-aws-modules/vpc/aws\"\n      version = \"5.4.0\"\n    }\n  EOF\n}\ngenerate \"j\" {\n  path     = \"j.tf.json\"\n  contents = \"{\\\"module\\\": {\\\"k\\\": {\\\"source\\\": \\\"acme/k/aws\\\", \\\"version\\\": \\\"1.0.0\\\"}}}\"\n}\ngenerate \"off\" {\n  path     = \"x.tf\"\n  disable  = true\n  contents = file(\"x.tf\")\n}\ngenerate \"other\" {\n  path     = \"x.sh\"\n  contents = file(\"x.sh\")\n}\n";
        let deps = deps(text);
        let keys: Vec<&str> = deps.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["generate.m/module.vpc", "generate.j/module.k"]);
        assert_eq!(deps[0].ecosystem, Ecosystem::Terraform);
        assert_eq!(deps[0].pin, PinState::Derived);
        let version = deps[0].version.as_ref().unwrap();
        assert_eq!(line_col(text, version.span.start).0, 6);
        assert_eq!(line_col(text, deps[0].span.start).0, 4);
        assert_eq!(line_col(text, deps[1].span.start).0, 12);
        // A generated lock file is refused.
        let text = "generate \"l\" {\n  path     = \".terraform.lock.hcl\"\n  contents = \"\"\n}\n";
        assert!(unpinned_why(&only(text)).contains("lock file"));
        // An override of a module without its source cannot be judged.
        let text = "generate \"o\" {\n  path     = \"main_override.tf\"\n  contents = \"module \\\"vpc\\\" {\\n  version = \\\"6.0.0\\\"\\n}\\n\"\n}\n";
        assert!(unpinned_why(&only(text)).contains("override"));
        // A duplicate name is an error, as in Terragrunt.
        let text = "generate \"a\" {\n  path = \"a.tf\"\n  contents = \"\"\n}\ngenerate \"a\" {\n  path = \"b.tf\"\n  contents = \"\"\n}\n";
        assert!(err(text).0.message.contains("duplicate generate"));
    }

    #[test]
    fn terraform_source_through_chained_locals() {
        let dep = only(TERRAGRUNT_HCL);
        assert_eq!(dep.ecosystem, Ecosystem::Terragrunt);
        assert_eq!(dep.kind, Kind::Module);
        assert_eq!(dep.key, "terraform.source");
        assert_eq!(dep.name, "terraform");
        assert_eq!(dep.pin, PinState::Derived);
        assert_eq!(dep.version, None);
        assert_eq!(
            dep.source_str(),
            Some(
                format!(
                    "git::https://github.com/acme/terraform-aws-modules.git//modules/eks?ref={SHA}"
                )
                .as_str()
            )
        );
        let source = dep.source.as_ref().unwrap();
        assert_eq!(
            at(TERRAGRUNT_HCL, source.span),
            "\"${local.module}?ref=${local.catalog_ref}\""
        );
        assert_eq!(line_col(TERRAGRUNT_HCL, source.span.start), (16, 12));
        assert!(at(TERRAGRUNT_HCL, dep.span).starts_with("source = \"${local.module}"));
        assert_eq!(line_col(TERRAGRUNT_HCL, dep.span.start), (16, 3));
    }

    #[test]
    fn root_hcl_declares_nothing() {
        // locals, generate, remote_state, a terraform block without a source
        // and inputs: configuration, not dependencies.
        assert_eq!(deps(ROOT_HCL), vec![]);
    }

    #[test]
    fn envcommon_tfr_source() {
        let dep = only(ENVCOMMON_VPC_HCL);
        assert_eq!(dep.key, "terraform.source");
        assert_eq!(dep.pin, PinState::Derived);
        assert_eq!(
            dep.source_str(),
            Some("tfr:///terraform-aws-modules/vpc/aws?version=5.5.0")
        );
        // The unresolvable local `env` is not used by the source: no matter.
        assert_eq!(line_col(ENVCOMMON_VPC_HCL, dep.span.start), (11, 3));
    }

    #[test]
    fn an_include_reference_is_reported_not_guessed() {
        let dep = only(ENVCOMMON_CONSUMER_HCL);
        assert_eq!(dep.key, "terraform.source");
        let written = "\"${include.envcommon.locals.base_source_url}?version=5.5.0\"";
        let source = dep.source.as_ref().unwrap();
        assert_eq!(source.value, written);
        assert_eq!(at(ENVCOMMON_CONSUMER_HCL, source.span), written);
        assert_eq!(
            unpinned_why(&dep),
            "source is built from `include.envcommon.locals.base_source_url`, which cannot be resolved statically"
        );
    }

    /// A tree of files in memory.
    struct Files(Vec<(&'static str, String)>);

    impl crate::extract::Tree for Files {
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            let file = self.0.iter().find(|(p, _)| *p == path)?;
            Some(file.1.clone().into_bytes())
        }
    }

    fn fixture_tree(more: &[(&'static str, &str)]) -> Files {
        let mut files = vec![
            ("root.hcl", ROOT_HCL.to_owned()),
            ("_envcommon/vpc.hcl", ENVCOMMON_VPC_HCL.to_owned()),
            (
                "live/prod/vpc/terragrunt.hcl",
                ENVCOMMON_CONSUMER_HCL.to_owned(),
            ),
        ];
        files.extend(more.iter().map(|(p, t)| (*p, (*t).to_owned())));
        Files(files)
    }

    fn deps_in(tree: &Files, path: &str, text: &str) -> Vec<Dependency> {
        let files = TreeFiles::new(tree);
        extract_in(text, Some((path, &files))).unwrap()
    }

    #[test]
    fn include_locals_resolve_from_the_included_file() {
        let tree = fixture_tree(&[]);
        let deps = deps_in(
            &tree,
            "live/prod/vpc/terragrunt.hcl",
            ENVCOMMON_CONSUMER_HCL,
        );
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].pin, PinState::Derived);
        assert_eq!(
            deps[0].source_str(),
            Some("tfr:///terraform-aws-modules/vpc/aws?version=5.5.0")
        );
        // The span is still the expression as written in the unit.
        let source = deps[0].source.as_ref().unwrap();
        assert_eq!(
            at(ENVCOMMON_CONSUMER_HCL, source.span),
            "\"${include.envcommon.locals.base_source_url}?version=5.5.0\""
        );
    }

    #[test]
    fn read_terragrunt_config_locals_resolve() {
        let env = "locals {\n  catalog = \"git::https://github.com/acme/catalog.git\"\n  ref = \"v1.2.0\"\n}\n";
        let unit = "locals {\n  env = read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))\n}\n\
                    terraform {\n  source = \"${local.env.locals.catalog}//vpc?ref=${local.env.locals.ref}\"\n}\n";
        let tree = fixture_tree(&[
            ("live/prod/env.hcl", env),
            ("live/prod/vpc/terragrunt.hcl", unit),
        ]);
        let dep = &deps_in(&tree, "live/prod/vpc/terragrunt.hcl", unit)[0];
        assert_eq!(
            dep.source_str(),
            Some("git::https://github.com/acme/catalog.git//vpc?ref=v1.2.0")
        );
        // The same file, one directory up: no env.hcl above it.
        let dep = &deps_in(&tree, "live/vpc/terragrunt.hcl", unit)[0];
        assert_eq!(
            unpinned_why(dep),
            "source is built from `find_in_parent_folders(\"env.hcl\")`, which cannot be \
             resolved statically (there is no env.hcl above live/vpc/ in the repository)"
        );
    }

    #[test]
    fn repository_paths_are_no_dependency() {
        let tree = fixture_tree(&[]);
        for source in [
            "\"${get_repo_root()}/modules/vpc\"",
            "\"${get_terragrunt_dir()}/../../../modules/vpc\"",
            "\"${dirname(find_in_parent_folders(\"root.hcl\"))}/modules/vpc\"",
        ] {
            let text = format!("terraform {{\n  source = {source}\n}}\n");
            assert_eq!(
                deps_in(&tree, "live/prod/vpc/terragrunt.hcl", &text),
                vec![],
                "{source}"
            );
        }
        // One that leaves the repository loads what no commit holds.
        let text = "terraform {\n  source = \"${get_terragrunt_dir()}/../../../../x\"\n}\n";
        let deps = deps_in(&tree, "live/prod/vpc/terragrunt.hcl", text);
        assert_eq!(deps.len(), 1);
        assert!(deps[0].local_path);
        assert!(unpinned_why(&deps[0]).contains("climbs out of the repository"));
        assert_eq!(
            deps[0].source_str(),
            Some("${get_repo_root()}/live/prod/vpc/../../../../x")
        );
        // So does an include of a file outside it.
        for path in [
            "\"/etc/root.hcl\"",
            "\"${get_terragrunt_dir()}/../../../../root.hcl\"",
        ] {
            let text = format!("include \"root\" {{\n  path = {path}\n}}\n");
            let deps = deps_in(&tree, "live/prod/vpc/terragrunt.hcl", &text);
            assert_eq!(deps.len(), 1, "{path}");
            assert_eq!(
                (deps[0].kind, deps[0].key.as_str()),
                (Kind::Include, "include.root")
            );
            assert!(unpinned_why(&deps[0]).contains("outside the repository"));
        }
        let text = "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n";
        assert_eq!(deps_in(&tree, "live/prod/vpc/terragrunt.hcl", text), vec![]);
        // A dependency on a unit outside runs it.
        let text = "dependency \"vpc\" {\n  config_path = \"../../../../vpc\"\n}\ndependency \"dns\" {\n  config_path = \"../dns\"\n}\n";
        let deps = deps_in(&tree, "live/prod/vpc/terragrunt.hcl", text);
        assert_eq!(deps.len(), 1);
        assert_eq!(
            (deps[0].kind, deps[0].key.as_str()),
            (Kind::Module, "dependency.vpc")
        );
        assert!(unpinned_why(&deps[0]).contains("outside the repository"));
    }

    #[test]
    fn what_other_files_cannot_give_is_named() {
        let unit = |include: &str, source: &str| {
            format!("include \"common\" {{\n  path = {include}\n}}\nterraform {{\n  source = \"${{{source}}}\"\n}}\n")
        };
        let common = "locals {\n  env = get_env(\"ENV\")\n  src = \"git::https://e.com/m.git?ref=${local.env}\"\n}\n";
        let tree = fixture_tree(&[("_envcommon/app.hcl", common), ("loop.hcl", "locals {\n  x = read_terragrunt_config(\"${get_repo_root()}/loop.hcl\").locals.x\n}\n")]);
        let cases = [
            (
                unit(
                    "\"../../../_envcommon/app.hcl\"",
                    "include.common.locals.src",
                ),
                "(in _envcommon/app.hcl, `get_env(\"ENV\")` cannot be resolved statically)",
            ),
            (
                unit(
                    "\"../../../_envcommon/app.hcl\"",
                    "include.common.locals.nope",
                ),
                "(_envcommon/app.hcl has no local.nope)",
            ),
            (
                unit(
                    "\"../../../_envcommon/gone.hcl\"",
                    "include.common.locals.src",
                ),
                "(_envcommon/gone.hcl is not in the repository)",
            ),
            (
                unit(
                    "\"../../../_envcommon/app.hcl\"",
                    "include.other.locals.src",
                ),
                "(there is no one include \"other\" block in this file)",
            ),
            (
                unit(
                    "\"../../../_envcommon/app.hcl\"",
                    "include.common.inputs.src",
                ),
                "(only the locals of an included file are resolved)",
            ),
            (
                unit("\"/etc/app.hcl\"", "include.common.locals.src"),
                "(include \"common\" is outside the repository)",
            ),
            (
                unit("\"../../../loop.hcl\"", "include.common.locals.x"),
                "(loop.hcl is read through more than 4 files)",
            ),
        ];
        for (text, note) in cases {
            let dep = &deps_in(&tree, "live/prod/vpc/terragrunt.hcl", &text)[0];
            assert!(
                unpinned_why(dep).ends_with(note),
                "{text}\n{}",
                unpinned_why(dep)
            );
        }
    }

    #[test]
    fn stack_file() {
        let deps = deps(STACK_HCL);
        let got: Vec<_> = deps
            .iter()
            .map(|d| (d.kind, d.key.as_str(), d.name.as_str(), d.source_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Kind::Module, "unit.vpc", "vpc", Some("git::https://github.com/acme/infrastructure-catalog.git//units/vpc?ref=v1.4.0")),
                (Kind::Module, "unit.database", "database", Some(format!("github.com/acme/infrastructure-catalog//units/rds?ref={SHA2}").as_str())),
                (Kind::Module, "unit.app", "app", Some("../../catalog/units/app")),
                // unit "dns" is under get_repo_root(): local, no dependency.
                (Kind::Stack, "stack.observability", "observability", Some(format!("git::https://github.com/acme/infrastructure-catalog.git//stacks/observability?ref={SHA2}").as_str())),
                (Kind::Stack, "stack.edge", "edge", Some("github.com/acme/edge-stacks//stacks/edge?ref=v2.0.1")),
                // stack "shared" is a local path: no dependency.
                (Kind::Stack, "stack.team", "team", Some("\"${local.catalog}//stacks/team?ref=${values.team_ref}\"")),
            ]
        );
        assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Terragrunt));
        // Units are module sources the rules judge; stacks are judged here.
        for unit in &deps[..3] {
            assert_eq!(unit.pin, PinState::Derived, "{}", unit.key);
        }
        assert_eq!(deps[3].pin, PinState::Pinned);
        // A tag: pinned only under `[pinning] git = "tag"`.
        assert_eq!(
            deps[4].pin,
            PinState::Tagged("ref \"v2.0.1\" is a tag, and tags can be moved".to_owned())
        );
        assert_eq!(
            unpinned_why(&deps[5]),
            "source is built from `values.team_ref`, which cannot be resolved statically"
        );
        let vpc = &deps[0];
        assert_eq!(at(STACK_HCL, vpc.span), "unit \"vpc\"");
        assert_eq!(line_col(STACK_HCL, vpc.span.start), (8, 1));
        let source = vpc.source.as_ref().unwrap();
        assert_eq!(
            at(STACK_HCL, source.span),
            "\"${local.catalog}//units/vpc?ref=${local.catalog_ref}\""
        );
        assert_eq!(line_col(STACK_HCL, source.span.start), (9, 12));
        assert_eq!(at(STACK_HCL, deps[3].span), "stack \"observability\"");
    }

    #[test]
    fn other_tools_hcl_declares_nothing() {
        assert_eq!(deps(VAULT_HCL), vec![]);
        // Blocks that are not Terragrunt's shape are not Terragrunt's.
        let text = "terraform \"x\" {\n  source = \"git::https://e.com/a.git\"\n}\n\
                    unit {\n  source = \"git::https://e.com/a.git\"\n}\n\
                    stack \"a\" \"b\" {\n  source = \"git::https://e.com/a.git\"\n}\n\
                    unit \"no_source\" {\n  path = \"x\"\n}\n\
                    resource \"x\" \"y\" {\n  terraform {\n    source = var.x\n  }\n}\n";
        assert_eq!(deps(text), vec![]);
        assert_eq!(deps(""), vec![]);
    }

    #[test]
    fn literal_and_plain_local_sources() {
        let text = unit(
            "terraform {\n  source = \"git::https://github.com/acme/m.git//vpc?ref=v1.2.0\"\n}",
        );
        assert_eq!(
            only(&text).source_str(),
            Some("git::https://github.com/acme/m.git//vpc?ref=v1.2.0")
        );
        let text =
            "locals {\n  src = \"../modules/vpc\"\n}\nterraform {\n  source = local.src\n}\n";
        let dep = only(text);
        assert_eq!(dep.source_str(), Some("../modules/vpc"));
        assert_eq!(dep.pin, PinState::Derived);
        assert_eq!(at(text, dep.source.unwrap().span), "local.src");
    }

    #[test]
    fn tfr_sources_keep_their_version_query() {
        for version in ["5.5.0", "~> 5.0", ">= 5.0, < 6.0"] {
            let text = format!(
                "locals {{\n  registry = \"tfr://registry.terraform.io\"\n}}\n\
                 terraform {{\n  source = \"${{local.registry}}/terraform-aws-modules/vpc/aws//modules/vpc-endpoints?version={version}\"\n}}\n"
            );
            let dep = only(&text);
            assert_eq!(
                dep.source_str().unwrap(),
                format!("tfr://registry.terraform.io/terraform-aws-modules/vpc/aws//modules/vpc-endpoints?version={version}")
            );
            assert_eq!(dep.pin, PinState::Derived);
        }
    }

    #[test]
    fn objects_lists_heredocs_and_strip_markers() {
        let text = r#"locals {
  modules = {
    repo = "git::https://github.com/acme/modules.git"
    refs = ["v1.0.0", "v2.0.0"]
    "dirs" = { "vpc" = "//vpc" }
  }
}
terraform {
  source = "${local.modules.repo}${local.modules.dirs["vpc"]}?ref=${local.modules["refs"][1]}"
}
"#;
        assert_eq!(
            only(text).source_str(),
            Some("git::https://github.com/acme/modules.git//vpc?ref=v2.0.0")
        );
        let text = "locals {\n  a = { b = local.c }\n  c = { d = \"x/y/aws\" }\n}\nterraform {\n  source = local.a.b.d\n}\n";
        assert_eq!(only(text).source_str(), Some("x/y/aws"));
        let text =
            "terraform {\n  source = <<-EOT\n    git::https://e.com/a.git?ref=v1\n    EOT\n}\n";
        assert_eq!(
            only(text).source_str(),
            Some("git::https://e.com/a.git?ref=v1\n")
        );
        let text = "locals {\n  r = \"v1\"\n}\nterraform {\n  source = \"git::https://e.com/a.git?ref=  ${~ local.r ~}  \"\n}\n";
        assert_eq!(
            only(text).source_str(),
            Some("git::https://e.com/a.git?ref=v1")
        );
        let text = "terraform {\n  source = (\"git::https://e.com/a.git?ref=$${v}\\u0031\")\n}\n";
        assert_eq!(
            only(text).source_str(),
            Some("git::https://e.com/a.git?ref=${v}1")
        );
    }

    /// Each of these cannot be resolved: the source stays as written, and
    /// the reason names the first part that cannot be.
    #[test]
    fn unresolvable_sources_name_the_culprit() {
        let cases = [
            (
                "source = \"${get_env(\"MODULES\", \"x\")}//vpc\"",
                "get_env(\"MODULES\", \"x\")",
                None,
            ),
            (
                "source = \"${dependency.vpc.outputs.repo}\"",
                "dependency.vpc.outputs.repo",
                None,
            ),
            ("source = var.source", "var.source", None),
            (
                "source = \"${local.a}${var.b}${include.c.locals.d}\"",
                "var.b",
                None,
            ),
            (
                "source = \"${local.missing}?ref=v1\"",
                "local.missing",
                Some("there is no local.missing in this file"),
            ),
            (
                "source = local.env_source",
                "read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))",
                None,
            ),
            (
                "source = local.cfg.nope",
                "local.cfg.nope",
                Some("it has no attribute \"nope\""),
            ),
            (
                "source = local.list[5]",
                "local.list[5]",
                Some("it has no element 5"),
            ),
            ("source = local.list[*]", "local.list[*]", None),
            ("source = local.dynamic.x", "{ (local.a) = \"x\" }", None),
            (
                "source = \"%{ if true }x%{ endif }\"",
                "%{ if true }x%{ endif }",
                None,
            ),
            (
                "source = true ? local.a : \"b\"",
                "true ? local.a : \"b\"",
                None,
            ),
            ("source = \"${1}\"", "1", None),
            ("source = local", "local", None),
            (
                "source = local.twice",
                "local.twice",
                Some("local.twice is defined more than once"),
            ),
            ("source = null", "null", None),
        ];
        let locals = "locals {\n  a = \"git::https://e.com/a.git\"\n  env_vars = read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))\n  env_source = local.env_vars.locals.source\n  cfg = { yes = \"x\" }\n  list = [\"a\"]\n  dynamic = { (local.a) = \"x\" }\n  twice = \"a\"\n}\nlocals {\n  twice = \"b\"\n}\n";
        for (attr, culprit, note) in cases {
            let text = format!("{locals}terraform {{\n  {attr}\n}}\n");
            let dep = only(&text);
            let written = attr.strip_prefix("source = ").unwrap();
            assert_eq!(dep.source_str(), Some(written), "{attr}");
            assert_eq!(at(&text, dep.source.as_ref().unwrap().span), written);
            let mut want =
                format!("source is built from `{culprit}`, which cannot be resolved statically");
            if let Some(note) = note {
                want.push_str(&format!(" ({note})"));
            }
            assert_eq!(unpinned_why(&dep), want, "{attr}");
        }
    }

    #[test]
    fn other_tools_hcl1_is_not_a_parse_error() {
        let consul = "\"datacenter\" = \"dc1\"\ndata_dir = \"/a\"\ndata_dir = \"/b\"\n";
        assert_eq!(extract(consul), Ok(vec![]));
        assert!(extract("terraform {\n  source = \"x\n}\n").is_err());
    }

    #[test]
    fn sources_inside_the_repository_are_local() {
        for source in [
            "\"${get_repo_root()}/modules/vpc\"",
            "\"${get_terragrunt_dir()}/../modules/vpc\"",
        ] {
            assert!(
                deps(&format!("terraform {{\n  source = {source}\n}}\n")).is_empty(),
                "{source}"
            );
        }
        // Elsewhere such a function still leaves the source unknown.
        let dep = only("terraform {\n  source = \"git::${get_env(\"X\")}?ref=v1\"\n}\n");
        assert!(unpinned_why(&dep).contains("get_env"));
    }

    #[test]
    fn cycles_are_unresolvable_not_endless() {
        let text = "locals {\n  a = \"${local.b}/x\"\n  b = local.c\n  c = \"${local.a}\"\n}\nterraform {\n  source = \"${local.a}?ref=v1\"\n}\n";
        let dep = only(text);
        assert_eq!(dep.source_str(), Some("\"${local.a}?ref=v1\""));
        assert_eq!(
            unpinned_why(&dep),
            "source is built from `local.a`, which cannot be resolved statically \
             (a cycle: local.a -> local.b -> local.c -> local.a)"
        );
        let text = "locals {\n  a = local.a\n}\nunit \"x\" {\n  source = local.a\n}\nstack \"y\" {\n  source = local.a\n}\n";
        let deps = deps(text);
        assert_eq!(deps.len(), 2);
        for dep in &deps {
            assert!(
                unpinned_why(dep).contains("a cycle: local.a -> local.a"),
                "{dep:?}"
            );
        }
    }

    #[test]
    fn blowups_are_bounded() {
        // Each local doubles the one before: 2^40 bytes if nothing stopped it.
        let mut text = String::from("locals {\n  l0 = \"ab\"\n");
        for i in 1..=40 {
            text.push_str(&format!(
                "  l{i} = \"${{local.l{}}}${{local.l{}}}\"\n",
                i - 1,
                i - 1
            ));
        }
        text.push_str("}\nterraform {\n  source = local.l40\n}\n");
        let dep = only(&text);
        assert!(unpinned_why(&dep).contains("too long"), "{:?}", dep.pin);
        // A long chain of locals.
        let mut text = String::from("locals {\n  l0 = \"x/y/aws\"\n");
        for i in 1..=2000 {
            text.push_str(&format!("  l{i} = local.l{}\n", i - 1));
        }
        text.push_str("}\nterraform {\n  source = local.l2000\n}\n");
        let dep = only(&text);
        assert!(
            unpinned_why(&dep).contains("nested too deeply"),
            "{:?}",
            dep.pin
        );
        // Shorter chains resolve.
        let text = text.replace("source = local.l2000", "source = local.l40");
        assert_eq!(only(&text).source_str(), Some("x/y/aws"));
    }

    /// A syntactic refactor (same resolved value) gives the same `source`
    /// value, so the diff of the two versions is empty.
    #[test]
    fn refactors_resolve_to_the_same_source() {
        let url = format!("git::https://github.com/acme/modules.git//vpc?ref={SHA}");
        let spellings = [
            format!("terraform {{\n  source = \"{url}\"\n}}\n"),
            format!("locals {{\n  repo = \"git::https://github.com/acme/modules.git\"\n}}\nterraform {{\n  source = \"${{local.repo}}//vpc?ref={SHA}\"\n}}\n"),
            format!("locals {{\n  repo = \"git::https://github.com/acme/modules.git\"\n  ref  = \"{SHA}\"\n  src  = \"${{local.repo}}//vpc?ref=${{local.ref}}\"\n}}\n\nterraform {{\n  # the same, spelt differently\n  source = local.src\n}}\n"),
            format!("locals {{\n  m = {{ repo = \"git::https://github.com/acme/modules.git\", dirs = [\"//vpc\"] }}\n}}\nterraform {{\n  source = (\"${{local.m.repo}}${{local.m.dirs[0]}}?ref={SHA}\")\n}}\n"),
            format!("terraform {{\n  source = <<-EOT\n    {url}\n    EOT\n}}\n"),
        ];
        let first = only(&spellings[0]);
        for text in &spellings[1..4] {
            let dep = only(text);
            assert_eq!(dep.source_str(), first.source_str(), "{text}");
            assert!(crate::diff::same_values(&first, &dep), "{text}");
            assert_eq!(dep.pin, PinState::Derived);
        }
        // A heredoc keeps its final newline: a different string, as in HCL.
        assert_eq!(
            only(&spellings[4]).source_str(),
            Some(format!("{url}\n").as_str())
        );
    }

    #[test]
    fn duplicates_are_errors_at_the_second() {
        let text =
            "unit \"vpc\" {\n  source = \"./a\"\n}\n\nunit \"vpc\" {\n  source = \"./b\"\n}\n";
        let (e, at) = err(text);
        assert!(
            e.message.contains("duplicate unit \"vpc\""),
            "{}",
            e.message
        );
        assert_eq!(at, (5, 1));
        let text = "stack \"s\" {\n  source = \"git::https://e.com/a.git?ref=v1\"\n}\nstack \"s\" {\n  source = \"git::https://e.com/b.git?ref=v1\"\n}\n";
        let (e, at) = err(text);
        assert!(e.message.contains("duplicate stack \"s\""), "{}", e.message);
        assert_eq!(at, (4, 1));
        let text = "terraform {\n  source = \"./a\"\n}\nterraform {\n  source = \"./b\"\n}\n";
        let (e, at) = err(text);
        assert!(
            e.message.contains("duplicate terraform source"),
            "{}",
            e.message
        );
        assert_eq!(at, (5, 3));
        // A unit and a stack of the same name are different things.
        let text = "unit \"x\" {\n  source = \"./a\"\n}\nstack \"x\" {\n  source = \"git::https://e.com/a.git?ref=v1\"\n}\n";
        assert_eq!(deps(text).len(), 2);
    }

    #[test]
    fn unreadable_stack_sources_are_errors() {
        let text = "stack \"s\" {\n  source = \"nope::x\"\n}\n";
        let (e, at) = err(text);
        assert!(
            e.message.starts_with("stack \"s\": unknown getter"),
            "{}",
            e.message
        );
        assert_eq!(at, (2, 12));
        // Units are judged by the rules, like Terraform module sources.
        let text = "unit \"u\" {\n  source = \"nope::x\"\n}\n";
        assert_eq!(only(text).source_str(), Some("nope::x"));
    }

    #[test]
    fn syntax_errors_name_the_right_line() {
        let text = "locals {\n  a = \"x\"\n}\nterraform {\n  source = \"x\n}\n";
        let (e, at) = err(text);
        assert!(e.message.starts_with("HCL syntax error: "), "{}", e.message);
        assert_eq!(at.0, 5, "{}", e.message);
        let text = "terraform {\n  source = \"./a\"\n  source = \"./b\"\n}\n";
        assert_eq!(err(text).1, (3, 3));
        let text = "unit \"a\" {\n  source = \n}\n";
        assert_eq!(err(text).1 .0, 2);
        let text = "locals {\n  \"quoted\" = \"x\"\n}\n";
        assert_eq!(err(text).1, (2, 3));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 10_000;
        let open = |c: &str| c.repeat(depth);
        for text in [
            format!(
                "terraform {{\n  source = {}\"x\"{}\n}}\n",
                open("("),
                open(")")
            ),
            format!("terraform {{\n  source = \"{}\"\n}}\n", open("${\"")),
            format!("locals {{\n  a = {}\n}}\n", open("{a = ")),
            open("unit \"a\" {\n"),
            // Within the parser's limit, as deep as it goes.
            format!(
                "terraform {{\n  source = {}\"x\"{}\n}}\n",
                "(".repeat(60),
                ")".repeat(60)
            ),
            format!(
                "terraform {{\n  source = \"{}x{}\"\n}}\n",
                "${\"".repeat(30),
                "\"}".repeat(30)
            ),
        ] {
            let _ = extract(&text);
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            /// No input panics, and every span lies inside the input.
            #[test]
            fn never_panics(text in "[a-z\"{}=()\\[\\]\\n $#/.*%~<>:?-]{0,200}") {
                let texts = [
                    text.clone(),
                    format!("locals {{\n a = {text}\n}}\nterraform {{\n source = {text}\n}}\n"),
                    format!("locals {{\n a = \"{text}\"\n b = local.a\n}}\nunit \"u\" {{\n source = \"${{local.b}}{text}\"\n}}\nstack \"s\" {{\n source = {text}\n}}\n"),
                ];
                for text in texts {
                    match extract(&text) {
                        Ok(deps) => for d in deps {
                            prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
                            let source = d.source.unwrap();
                            prop_assert!(source.span.end <= text.len());
                        },
                        Err(e) => prop_assert!(e.offset <= text.len()),
                    }
                }
            }

            #[test]
            fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
                let text = String::from_utf8_lossy(&bytes);
                if let Err(e) = extract(&text) {
                    prop_assert!(e.offset <= text.len());
                }
            }

            /// Splitting a source between a local (or two) and a literal
            /// never changes its value.
            #[test]
            fn splitting_into_locals_changes_nothing(
                source in "[a-zA-Z0-9:/._?=&@+-]{1,80}",
                cut in 0usize..80,
                cut2 in 0usize..80,
            ) {
                let cut = cut.min(source.len());
                let cut2 = cut2.min(cut);
                let (head, tail) = source.split_at(cut);
                let (head1, head2) = head.split_at(cut2);
                let literal = format!("terraform {{\n  source = \"{source}\"\n}}\n");
                let split = format!(
                    "locals {{\n  h1 = \"{head1}\"\n  head = \"${{local.h1}}{head2}\"\n}}\n\
                     terraform {{\n  source = \"${{local.head}}{tail}\"\n}}\n"
                );
                let (a, b) = (only(&literal), only(&split));
                prop_assert_eq!(a.source_str(), Some(source.as_str()));
                prop_assert_eq!(a.source_str(), b.source_str());
                prop_assert_eq!(&a.pin, &b.pin);
            }
        }
    }
}
