//! Values a Terragrunt file reads from other files of its tree.
//!
//! With the tree at hand, these resolve the way Terragrunt resolves them:
//!
//! - `include.NAME.locals.X...`: local `X` of the file that the
//!   `include "NAME"` block's `path` names. Terragrunt evaluates an included
//!   file's functions for the including unit, so its `get_terragrunt_dir()`
//!   and `find_in_parent_folders()` start from the unit's directory.
//! - `read_terragrunt_config(PATH).locals.X...` (usually through a local:
//!   `local.env.locals.X`): local `X` of the file at `PATH`, whose own
//!   functions start from its own directory.
//! - Paths: string literals and templates (relative to the unit's
//!   directory), `find_in_parent_folders()` (`terragrunt.hcl.json`, else
//!   `terragrunt.hcl`, in each parent) and
//!   `find_in_parent_folders(NAME)` (the nearest `NAME` above the unit's
//!   directory, in the tree), `dirname(...)`, `get_terragrunt_dir()` and
//!   `get_repo_root()`.
//!
//! A value that leaves the repository, a file the tree does not have, one
//! that does not parse, and chains of files read from files deeper than
//! [`MAX_NESTED`] are unresolvable, with a note that says which.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use hcl::edit::expr::{Expression, FuncCall, Traversal};
use hcl::edit::structure::Body;

use super::{excerpt, Resolved, Scope, Step, Unresolved};
use crate::analysis::dir_of;
use crate::extract::terraform::parse_shallow;
use crate::extract::Tree;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// Marks a path value as rooted at the repository's top directory: what
/// `get_repo_root()` and `get_terragrunt_dir()` return. A module source that
/// holds it is a directory of the repository itself.
pub(in crate::extract) const ROOT: char = '\u{0}';

/// Files read through files read through ... the unit.
const MAX_NESTED: usize = 4;

/// Distinct files one side of a change may read this way (a monorepo of
/// thousands of units, each with its own `env.hcl`, stays well under it;
/// lookups of files that are not there do not count).
const MAX_FILES: usize = 100_000;

/// Files of a tree that Terragrunt files read, each read and parsed once.
pub struct TreeFiles<'t> {
    tree: &'t dyn Tree,
    files: RefCell<HashMap<String, Rc<File>>>,
    /// Files read so far (lookups of missing files aside).
    read: std::cell::Cell<usize>,
}

/// A file of the tree, as Terragrunt would read it.
enum File {
    Missing,
    Unreadable(String),
    Parsed { text: String, body: Body },
}

impl<'t> TreeFiles<'t> {
    /// The bytes of a file of the tree, as stored: not cached, not counted
    /// as read by a unit (for formats other than Terragrunt's: a chart's
    /// values, a compose file's `.env` and Dockerfiles).
    pub(crate) fn bytes(&self, path: &str) -> Option<Vec<u8>> {
        self.tree.read(path)
    }

    /// The files directly in `dir` (see [`Tree::list`]).
    pub(crate) fn list(&self, dir: &str) -> Option<Vec<String>> {
        self.tree.list(dir)
    }

    pub fn new(tree: &'t dyn Tree) -> TreeFiles<'t> {
        TreeFiles {
            tree,
            files: RefCell::new(HashMap::new()),
            read: std::cell::Cell::new(0),
        }
    }

    /// Every path looked up so far, whether the tree has a file there or
    /// not (a file added where `find_in_parent_folders` looks changes what
    /// it finds).
    pub fn paths_read(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.files.borrow().keys().cloned().collect();
        paths.sort();
        paths
    }

    /// The bytes of a file a unit reads as text (`file()`,
    /// `templatefile()`), looked up like any other so that a change to it
    /// is a change to the unit.
    fn raw(&self, path: &str) -> Option<Vec<u8>> {
        if matches!(*self.get(path), File::Missing) {
            return None;
        }
        self.tree.read(path)
    }

    fn get(&self, path: &str) -> Rc<File> {
        if let Some(file) = self.files.borrow().get(path) {
            return Rc::clone(file);
        }
        let file = if self.read.get() >= MAX_FILES {
            File::Unreadable(format!(
                "more than {MAX_FILES} files are read from other files"
            ))
        } else {
            match self.tree.read(path) {
                None => File::Missing,
                Some(bytes) => {
                    self.read.set(self.read.get() + 1);
                    read(path, bytes)
                }
            }
        };
        let file = Rc::new(file);
        self.files
            .borrow_mut()
            .insert(path.to_owned(), Rc::clone(&file));
        file
    }
}

fn read(path: &str, bytes: Vec<u8>) -> File {
    if bytes.len() > crate::analysis::MAX_FILE_BYTES {
        return File::Unreadable("it is over the size limit for IaC files".to_owned());
    }
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    if let Some(why) = crate::extract::lfs_pointer(&bytes) {
        return File::Unreadable(format!("it is {why}"));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return File::Unreadable("it is not UTF-8 text".to_owned());
    };
    // Terragrunt reads a `.json` file as the native syntax it stands for
    // (`terragrunt.hcl.json`, included or found by `find_in_parent_folders()`).
    let text = match path.ends_with(".json") {
        true => match super::json::to_native(&text) {
            Ok(native) => native.text,
            Err(e) => return File::Unreadable(e.message),
        },
        false => text,
    };
    match parse_shallow(&text) {
        None => File::Unreadable("it is nested too deeply".to_owned()),
        Some(Err(e)) => File::Unreadable(e.message),
        Some(Ok(body)) => File::Parsed { text, body },
    }
}

/// Parses `text` and walks it here, unless it nests too deeply to parse on
/// this thread's stack (`None`: no real Terragrunt file does).
pub(super) fn with_shallow_body<R>(
    text: &str,
    walk: impl FnOnce(&Body) -> Result<R, ExtractError>,
) -> Option<Result<R, ExtractError>> {
    Some(parse_shallow(text)?.and_then(|body| walk(&body)))
}

/// Where a file's functions are evaluated, and the tree to read from.
#[derive(Clone)]
pub(super) struct Ctx<'b> {
    /// The unit's directory (repository-relative, "" at the top).
    dir: String,
    files: &'b TreeFiles<'b>,
    /// How many files were read to get to this one.
    nested: usize,
}

impl<'b> Ctx<'b> {
    pub(super) fn of_file(path: &str, files: &'b TreeFiles<'b>) -> Ctx<'b> {
        Ctx {
            dir: dir_of(path).to_owned(),
            files,
            nested: 0,
        }
    }
}

/// `dir` as a rooted path value.
fn rooted(dir: &str) -> String {
    if dir.is_empty() {
        ROOT.to_string()
    } else {
        format!("{ROOT}/{dir}")
    }
}

/// A path value as a repository path: rooted, or relative to `dir`.
/// `None` when it leaves the repository (or is absolute elsewhere).
pub(super) fn repo_path(value: &str, dir: &str) -> Option<String> {
    let (start, rest) = match value.strip_prefix(ROOT) {
        Some(rest) => ("", rest),
        None if value.starts_with('/') || value.contains(ROOT) => return None,
        None => (dir, value),
    };
    if rest.contains(ROOT) || rest.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = start.split('/').filter(|p| !p.is_empty()).collect();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// A rooted path value as written in Terragrunt: `${get_repo_root()}/x`.
pub(super) fn shown(value: &str) -> String {
    value.replace(ROOT, "${get_repo_root()}")
}

/// Why a module source rooted at the repository (`${get_terragrunt_dir()}
/// /../../x`) leaves it; `None` when it stays inside, or is not simply a
/// path from the top.
pub(super) fn outside_repository(value: &str) -> Option<String> {
    if !value.starts_with(ROOT) || repo_path(value, "").is_some() {
        return None;
    }
    Some(format!(
        "source {:?} climbs out of the repository: what it loads is in no commit here and no \
         review sees it (vendor it into the repository, or use a pinned remote source)",
        shown(value)
    ))
}

/// Go's `filepath.Dir` on a path value.
fn dirname(value: &str) -> String {
    match value.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) if !value.starts_with(ROOT) => "/".to_owned(),
        Some((parent, _)) => parent.to_owned(),
        None if value.starts_with(ROOT) => ROOT.to_string(),
        None => ".".to_owned(),
    }
}

impl<'b> Scope<'b> {
    /// A function call in a path: the functions of the module docs.
    pub(super) fn call(&mut self, call: &'b FuncCall, whole: &'b Expression) -> Resolved {
        let Some(ctx) = self.ctx.clone() else {
            return Err(self.unresolved(whole, None));
        };
        if call.name.is_namespaced() || call.args.expand_final() {
            return Err(self.unresolved(whole, None));
        }
        let args: Vec<&'b Expression> = call.args.iter().collect();
        match (call.name.name.as_str(), args.as_slice()) {
            ("get_terragrunt_dir", []) => Ok(rooted(&ctx.dir)),
            ("get_repo_root", []) => Ok(ROOT.to_string()),
            ("dirname", [arg]) => Ok(dirname(&self.string(arg)?)),
            // Terragrunt's `GetDefaultConfigPath` in each parent: its JSON
            // form first (see `units::PRECEDENCE`).
            ("find_in_parent_folders", []) => {
                self.find_up(&ctx, &["terragrunt.hcl.json", "terragrunt.hcl"], whole)
            }
            ("find_in_parent_folders", [name]) => {
                let name = self.string(name)?;
                self.find_up(&ctx, &[name.as_str()], whole)
            }
            _ => Err(self.unresolved(whole, None)),
        }
    }

    /// The repository path and the text of the file a path expression
    /// names, relative to the unit (`file("x.tf")`); `Err` with why not.
    pub(super) fn read_text(&mut self, path: &'b Expression) -> Result<(String, String), String> {
        let Some(ctx) = self.ctx.clone() else {
            return Err("it reads a file, and the tree is not at hand".to_owned());
        };
        let value = self
            .string_of(path)
            .map_err(|()| "it reads a file whose path iacgate cannot resolve".to_owned())?;
        let Some(file) = repo_path(&value, &ctx.dir) else {
            return Err(format!("it reads {value:?}, outside the repository"));
        };
        let Some(bytes) = ctx.files.raw(&file) else {
            return Err(format!("it reads {file}, which the tree does not have"));
        };
        let text = String::from_utf8(bytes).map_err(|_| format!("{file} is not UTF-8 text"))?;
        Ok((file, text))
    }

    /// `find_in_parent_folders(name)`: the nearest `name` above the unit
    /// (of `names`, the first there in the nearest directory that has one).
    fn find_up(&self, ctx: &Ctx, names: &[&str], whole: &Expression) -> Resolved {
        let mut dir = ctx.dir.as_str();
        'up: while !dir.is_empty() {
            dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
            for name in names {
                let Some(path) = repo_path(name, dir) else {
                    break 'up;
                };
                if !matches!(*ctx.files.get(&path), File::Missing) {
                    return Ok(rooted(&path));
                }
            }
        }
        let name = names.join(" or ");
        let note = format!("there is no {name} above {}/ in the repository", ctx.dir);
        Err(self.unresolved(whole, Some(note)))
    }

    /// `include.NAME` followed by `path`.
    pub(super) fn included(&mut self, name: &str, path: &[Step], at: &Traversal) -> Resolved {
        let Some(ctx) = self.ctx.clone() else {
            return Err(self.unresolved(at, None));
        };
        let Some(local) = locals_key(path) else {
            let note = "only the locals of an included file are resolved".to_owned();
            return Err(self.unresolved(at, Some(note)));
        };
        let mut blocks = self.body.blocks().filter(|b| {
            b.ident.as_str() == "include"
                && matches!(b.labels.as_slice(), [label] if label.as_str() == name)
        });
        let (Some(block), None) = (blocks.next(), blocks.next()) else {
            let note = format!("there is no one include \"{name}\" block in this file");
            return Err(self.unresolved(at, Some(note)));
        };
        let Some(attr) = block.body.get_attribute("path") else {
            let note = format!("include \"{name}\" has no path");
            return Err(self.unresolved(at, Some(note)));
        };
        let value = self.string(&attr.value)?;
        let Some(file) = repo_path(&value, &ctx.dir) else {
            let note = format!("include \"{name}\" is outside the repository");
            return Err(self.unresolved(at, Some(note)));
        };
        // An included file's functions are the unit's.
        self.in_file(&ctx, file, ctx.dir.clone(), local, &path[2..], at)
    }

    /// Each `include` whose `path`, and each `dependency` whose
    /// `config_path`, resolves outside the repository (or to an absolute
    /// path): what an include merges into the unit (the `terraform` source,
    /// `inputs`, `generate` blocks), and the unit a dependency runs to read
    /// its outputs, is in no commit here. Only with the tree at hand, which
    /// places the file.
    pub(super) fn includes_outside(&mut self) -> Vec<Dependency> {
        let Some(ctx) = self.ctx.clone() else {
            return Vec::new();
        };
        let mut deps: Vec<Dependency> = Vec::new();
        for block in self.body.blocks() {
            let (kind, attribute, what) = match block.ident.as_str() {
                "include" => (
                    Kind::Include,
                    "path",
                    "what it merges into the unit (the terraform source, inputs, generate \
                     blocks)",
                ),
                "dependency" => (
                    Kind::Module,
                    "config_path",
                    "the unit Terragrunt runs there to read its outputs",
                ),
                _ => continue,
            };
            let Some(attr) = block.body.get_attribute(attribute) else {
                continue;
            };
            let Ok(value) = self.string(&attr.value) else {
                continue;
            };
            if repo_path(&value, &ctx.dir).is_some() {
                continue;
            }
            let ident = block.ident.as_str();
            let name = match block.labels.as_slice() {
                [label] => label.as_str().to_owned(),
                _ => ident.to_owned(),
            };
            let key = match block.labels.as_slice() {
                [label] => format!("{ident}.{}", label.as_str()),
                _ => ident.to_owned(),
            };
            if deps.iter().any(|d| d.key == key) {
                continue;
            }
            let shown = shown(&value);
            let span = super::span_of(&attr.value, super::header_span(block));
            let mut dep = Dependency::new(
                Ecosystem::Terragrunt,
                kind,
                key,
                name,
                super::header_span(block),
            );
            dep.source = Some(Spanned::new(shown.clone(), span));
            dep.pin = PinState::Unpinned(format!(
                "{ident} reads {shown:?}, outside the repository: {what} is in no commit here \
                 and no review sees it (keep it inside the repository)"
            ));
            dep.local_path = true;
            deps.push(dep);
        }
        deps
    }

    /// The `terraform { source }` a unit without a `terraform` block of its
    /// own inherits from its includes (the last that has one wins, as
    /// Terragrunt merges them in order; `merge_strategy = "no_merge"` gives
    /// nothing), evaluated for the unit. Spanned at the include block.
    pub(super) fn inherited_source(&mut self) -> Option<Dependency> {
        let ctx = self.ctx.clone()?;
        let body = self.body;
        let mut inherited = None;
        for block in body.blocks().filter(|b| b.ident.as_str() == "include") {
            let no_merge = block.body.get_attribute("merge_strategy").is_some_and(
                |a| matches!(&a.value, Expression::String(s) if s.as_str() == "no_merge"),
            );
            let Some(attr) = block.body.get_attribute("path") else {
                continue;
            };
            if no_merge {
                continue;
            }
            let Ok(value) = self.string(&attr.value) else {
                continue;
            };
            let Some(file) = repo_path(&value, &ctx.dir) else {
                continue;
            };
            let parsed = ctx.files.get(&file);
            let (text, included) = match &*parsed {
                File::Parsed { text, body } => (text, body),
                // Terragrunt fails on an include it cannot find.
                File::Missing => continue,
                // One it reads while iacgate cannot (a Git LFS pointer,
                // say) may hold the unit's source: not judged, not passed.
                File::Unreadable(why) => {
                    let span = super::header_span(block);
                    let mut dep = Dependency::new(
                        Ecosystem::Terragrunt,
                        Kind::Module,
                        "terraform.source".to_owned(),
                        "terraform".to_owned(),
                        span,
                    );
                    dep.source = Some(Spanned::new(file.clone(), span));
                    dep.pin = PinState::Unpinned(format!(
                        "source may be inherited from {file}, which cannot be read: {why}"
                    ));
                    inherited = Some(dep);
                    continue;
                }
            };
            let source = included
                .blocks()
                .filter(|b| b.ident.as_str() == "terraform" && b.labels.is_empty())
                .find_map(|b| b.body.get_attribute("source"));
            let Some(source) = source else {
                continue;
            };
            let span = super::header_span(block);
            let mut scope = Scope::new(
                included,
                Some(Ctx {
                    dir: ctx.dir.clone(),
                    files: ctx.files,
                    nested: ctx.nested + 1,
                }),
            );
            let mut dep = Dependency::new(
                Ecosystem::Terragrunt,
                Kind::Module,
                "terraform.source".to_owned(),
                "terraform".to_owned(),
                span,
            );
            match scope.string(&source.value) {
                Ok(value) if value.contains(ROOT) => {
                    inherited = outside_repository(&value).map(|why| {
                        dep.source = Some(Spanned::new(shown(&value), span));
                        dep.pin = PinState::Unpinned(why);
                        dep.local_path = true;
                        dep
                    });
                    continue;
                }
                Ok(value) => dep.source = Some(Spanned::new(value, span)),
                Err(why) => {
                    let expr = super::span_of(&source.value, Span::default());
                    let written = text.get(expr.start..expr.end).unwrap_or_default();
                    let culprit =
                        excerpt(text.get(why.culprit.start..why.culprit.end).unwrap_or(""));
                    let mut reason = format!(
                        "source is inherited from {file}, where `{culprit}` cannot be resolved statically for this unit"
                    );
                    if let Some(note) = why.note {
                        reason.push_str(&format!(" ({note})"));
                    }
                    dep.source = Some(Spanned::new(written.to_owned(), span));
                    dep.pin = PinState::Unpinned(reason);
                }
            }
            inherited = Some(dep);
        }
        inherited
    }

    /// The `generate` blocks a unit takes from the files it includes
    /// (Terragrunt merges them in, a block of the unit's own replacing one
    /// of the same name), evaluated for the unit, spanned at the `include`.
    /// Only from files that are not judged on their own: a `root.hcl` is a
    /// Terragrunt file whose own `generate` blocks are judged there, once,
    /// while a `common.inc` is read only through the units.
    pub(super) fn inherited_generates(
        &mut self,
        own: &std::collections::HashSet<&str>,
    ) -> Vec<Dependency> {
        let Some(ctx) = self.ctx.clone() else {
            return Vec::new();
        };
        let mut deps = Vec::new();
        let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
        for block in self.body.blocks().filter(|b| b.ident.as_str() == "include") {
            let no_merge = block.body.get_attribute("merge_strategy").is_some_and(
                |a| matches!(&a.value, Expression::String(s) if s.as_str() == "no_merge"),
            );
            let Some(attr) = block.body.get_attribute("path").filter(|_| !no_merge) else {
                continue;
            };
            let Ok(value) = self.string(&attr.value) else {
                continue;
            };
            let Some(file) = repo_path(&value, &ctx.dir) else {
                continue;
            };
            if crate::extract::FileKind::classify(&file).is_some() {
                continue;
            }
            let span = super::header_span(block);
            let parsed = ctx.files.get(&file);
            let File::Parsed { body: included, .. } = &*parsed else {
                // Unreadable: what it may generate is not judged here; the
                // unit's source through it is reported unreadable already
                // when it has none of its own.
                continue;
            };
            let mut scope = Scope::new(
                included,
                Some(Ctx {
                    dir: ctx.dir.clone(),
                    files: ctx.files,
                    nested: ctx.nested + 1,
                }),
            );
            for generate in included.blocks().filter(|b| {
                b.ident.as_str() == "generate"
                    && b.labels.first().is_some_and(|label| {
                        !own.contains(label.as_str()) && taken.insert(label.as_str().to_owned())
                    })
            }) {
                let found = match super::generate::read(generate, &mut scope) {
                    Ok(super::generate::Output::Code(code)) => code.at(span),
                    Ok(super::generate::Output::Unreadable(dep)) => vec![dep],
                    Ok(super::generate::Output::Nothing) => Vec::new(),
                    Err(e) => {
                        let mut dep = Dependency::new(
                            Ecosystem::Terragrunt,
                            Kind::Module,
                            format!("include.{file}.generate"),
                            "generate".to_owned(),
                            span,
                        );
                        dep.source = Some(Spanned::new(file.clone(), span));
                        dep.pin = PinState::Unpinned(format!(
                            "a generate block of {file} cannot be read: {}",
                            e.message
                        ));
                        vec![dep]
                    }
                };
                deps.extend(found.into_iter().map(|mut dep| {
                    dep.span = span;
                    if let Some(source) = &mut dep.source {
                        source.span = span;
                    }
                    if let Some(version) = &mut dep.version {
                        version.span = span;
                    }
                    dep
                }));
            }
        }
        deps
    }

    /// `read_terragrunt_config(PATH[, DEFAULT])` followed by `path`.
    pub(super) fn read_config(
        &mut self,
        call: &'b FuncCall,
        path: &[Step],
        at: &Traversal,
    ) -> Resolved {
        let whole = || span_of_call(call);
        let Some(ctx) = self.ctx.clone() else {
            return Err(self.unresolved(at, None));
        };
        let args: Vec<&'b Expression> = call.args.iter().collect();
        let (true, [config, ..], false) = (
            call.name.name.as_str() == "read_terragrunt_config" && !call.name.is_namespaced(),
            args.as_slice(),
            call.args.expand_final(),
        ) else {
            return Err(self.unresolved_at(whole(), None));
        };
        let Some(local) = locals_key(path) else {
            let note = "only the locals of a file read_terragrunt_config reads are resolved";
            return Err(self.unresolved(at, Some(note.to_owned())));
        };
        let value = self.string(config)?;
        let Some(file) = repo_path(&value, &ctx.dir) else {
            let note = "read_terragrunt_config reads a file outside the repository".to_owned();
            return Err(self.unresolved_at(whole(), Some(note)));
        };
        let dir = dir_of(&file).to_owned();
        self.in_file(&ctx, file, dir, local, &path[2..], at)
    }

    /// Local `local` of `file` followed by `rest`, its functions evaluated
    /// in `dir`.
    fn in_file(
        &mut self,
        ctx: &Ctx<'b>,
        file: String,
        dir: String,
        local: &str,
        rest: &[Step],
        at: &Traversal,
    ) -> Resolved {
        if ctx.nested >= MAX_NESTED {
            let note = format!("{file} is read through more than {MAX_NESTED} files");
            return Err(self.elsewhere(at, note));
        }
        let parsed = ctx.files.get(&file);
        let (text, body) = match &*parsed {
            File::Missing => {
                let note = format!("{file} is not in the repository");
                return Err(self.elsewhere(at, note));
            }
            File::Unreadable(why) => {
                let note = format!("{file} cannot be read: {why}");
                return Err(self.elsewhere(at, note));
            }
            File::Parsed { text, body } => (text.as_str(), body),
        };
        let sub_ctx = Ctx {
            dir,
            files: ctx.files,
            nested: ctx.nested + 1,
        };
        let mut scope = Scope::new(body, Some(sub_ctx));
        if !scope.locals.contains_key(local) {
            let note = format!("{file} has no local.{local}");
            return Err(self.elsewhere(at, note));
        }
        scope.steps = self.steps;
        scope.depth = self.depth;
        let sub_at = Traversal::new(Expression::from(false), Vec::new());
        let value = scope.local(local, rest, &sub_at);
        self.steps = scope.steps;
        value.map_err(|why| {
            if why.elsewhere {
                return Unresolved {
                    elsewhere: true,
                    ..self.unresolved(at, why.note)
                };
            }
            let culprit = excerpt(text.get(why.culprit.start..why.culprit.end).unwrap_or(""));
            let mut note = if culprit.is_empty() {
                format!("in {file}")
            } else {
                format!("in {file}, `{culprit}` cannot be resolved statically")
            };
            if let Some(inner) = why.note {
                note.push_str(&format!(": {inner}"));
            }
            Unresolved {
                elsewhere: true,
                ..self.unresolved(at, Some(note))
            }
        })
    }

    /// Unresolvable for a reason about another file.
    fn elsewhere(&self, at: &Traversal, note: String) -> Unresolved {
        Unresolved {
            elsewhere: true,
            ..self.unresolved(at, Some(note))
        }
    }

    fn unresolved_at(&self, span: Span, note: Option<String>) -> Unresolved {
        Unresolved {
            expr: span,
            culprit: span,
            note,
            elsewhere: false,
        }
    }
}

/// `.locals.X` at the start of `path`: `X`.
fn locals_key(path: &[Step]) -> Option<&str> {
    match path {
        [Step::Key(locals), Step::Key(local), ..] if locals == "locals" => Some(local),
        _ => None,
    }
}

fn span_of_call(call: &FuncCall) -> Span {
    super::span_of(call, Span::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(repo_path("\u{0}/a/b/../c", "x"), Some("a/c".to_owned()));
        assert_eq!(repo_path("../c.hcl", "x/y"), Some("x/c.hcl".to_owned()));
        assert_eq!(repo_path("../../../c.hcl", "x/y"), None);
        assert_eq!(repo_path("/etc/c.hcl", "x"), None);
        assert_eq!(repo_path("\u{0}", "x"), Some(String::new()));
        assert_eq!(dirname("\u{0}/a/b.hcl"), "\u{0}/a");
        assert_eq!(dirname("\u{0}/a"), "\u{0}");
        assert_eq!(dirname("\u{0}"), "\u{0}");
        assert_eq!(dirname("a/b"), "a");
        assert_eq!(dirname("a"), ".");
    }
}
