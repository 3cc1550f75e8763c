//! Terraform/OpenTofu native syntax (`*.tf`, `*.tofu`): module calls,
//! `required_providers` entries and legacy `provider` blocks with a `version`.

use hcl::edit::expr::{Expression, Object, ObjectKey};
use hcl::edit::structure::{Block, Body};
use hcl::edit::Span as _;

use super::{one_line, Deps};

mod repeated_keys;
mod workloads;
use crate::model::{floor_char_boundary, Dependency, Ecosystem, ExtractError, Kind, Span, Spanned};

/// Terraform native syntax -> dependencies (offsets into `text`).
pub(super) fn extract(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    with_body(text, walk)
}

fn walk(body: &Body) -> Result<Vec<Dependency>, ExtractError> {
    let mut deps = Deps::default();
    for block in body.blocks() {
        match block.ident.as_str() {
            "module" => module(block, &mut deps)?,
            "terraform" => terraform(block, &mut deps)?,
            "provider" => provider(block, &mut deps)?,
            "resource" => workloads::resource(block, &mut deps)?,
            _ => {}
        }
    }
    Ok(deps.finish())
}

/// A `resource` or `data` block and the provider (local name) it uses:
/// the `provider` meta-argument's first name, else its type's prefix
/// (`random_password` uses `random`). Terraform implies `hashicorp/<name>`
/// for a local name no `required_providers` of the module declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUse {
    /// `random_password.x`, `data.http.x`.
    pub address: String,
    pub local: String,
    /// The type label.
    pub span: Span,
}

/// Every `resource` and `data` block of a file, with the provider it uses.
/// The built-in `terraform` provider (`terraform_data`) is left out.
pub(super) fn provider_uses(text: &str) -> Result<Vec<ProviderUse>, ExtractError> {
    with_body(text, |body| {
        let mut uses = Vec::new();
        for block in body.blocks() {
            let data = match block.ident.as_str() {
                "resource" => false,
                "data" => true,
                _ => continue,
            };
            let [kind, name] = block.labels.as_slice() else {
                continue;
            };
            let (kind, name) = (kind.as_str(), name.as_str());
            let written = block.body.get_attribute("provider").and_then(|attr| {
                let raw = match &attr.value {
                    Expression::String(s) => s.as_str().to_owned(),
                    other => other.to_string(),
                };
                let first = raw
                    .trim()
                    .trim_matches('"')
                    .split('.')
                    .next()?
                    .trim()
                    .to_owned();
                (!first.is_empty()).then_some(first)
            });
            let local = written.unwrap_or_else(|| {
                kind.split_once('_')
                    .map_or(kind, |(prefix, _)| prefix)
                    .to_owned()
            });
            if local == "terraform"
                || !local
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                continue;
            }
            let label = block
                .labels
                .first()
                .map_or(header_span(block), |l| span_of(l, header_span(block)));
            uses.push(ProviderUse {
                address: format!("{}{kind}.{name}", if data { "data." } else { "" }),
                local,
                span: label,
            });
        }
        Ok(uses)
    })
}

/// Parses `text` as an HCL body and hands it to `walk`.
///
/// hcl-edit's recursive-descent parser stops at 64 nested levels, but 64
/// levels of some constructs (`[for x in [for ...`) take about 2 MiB of stack
/// in a debug build and 0.7 MiB in a release build: more than a small thread
/// has. Input that could nest deeper than [`INLINE_NESTING`] levels (see
/// [`nesting_estimate`], which only over-estimates) is therefore parsed on a
/// thread of its own with a large stack; everything else, which is every
/// real-world file, inline.
pub(super) fn with_body<R: Send>(
    text: &str,
    walk: fn(&Body) -> Result<R, ExtractError>,
) -> Result<R, ExtractError> {
    let run = move || parse(text).and_then(|body| walk(&body));
    if nesting_estimate(text) <= INLINE_NESTING {
        return run();
    }
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("iacgate-hcl".to_owned())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, run);
        match thread {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: the best we can do is parse here.
            Err(_) => run(),
        }
    })
}

/// Nesting up to which HCL is parsed on the caller's stack: at most ~0.5 MiB
/// (debug build) for the bracketed levels plus ~0.6 MiB for the 48 unary or
/// conditional levels the estimate does not count.
const INLINE_NESTING: usize = 16;

/// Stack for deeply nested input: 64 levels need ~2.1 MiB in a debug build.
const DEEP_STACK: usize = 16 << 20;

/// Parses `text` on this thread, unless it could nest deeper than
/// [`INLINE_NESTING`] levels (`None`).
pub(super) fn parse_shallow(text: &str) -> Option<Result<Body, ExtractError>> {
    (nesting_estimate(text) <= INLINE_NESTING).then(|| parse(text))
}

/// How long the HCL parser may take with one file. Real files take
/// milliseconds; some short inputs make hcl-edit's parser backtrack
/// exponentially (found by fuzzing: 273 bytes of operators and unclosed
/// brackets ran for minutes), which in a server's pre-receive hook would
/// hold every push.
const PARSE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// What one parse may take before the time counts against the run's
/// budget: far more than any real file needs (8 MiB parse in about 1 s
/// in a release build), far less than a hostile one.
const PARSE_GRACE: std::time::Duration = std::time::Duration::from_millis(250);

/// The budget for slow parses of a whole run (a check, a range, a scan),
/// shared by every file and thread: the time parses take beyond
/// [`PARSE_GRACE`], summed. Twenty hostile files must not cost twenty
/// deadlines.
const RUN_BUDGET: std::time::Duration = PARSE_DEADLINE;

/// Helpers left behind with a parse that did not finish: they cannot be
/// stopped from outside, so no more than this many are ever started; past
/// it, a slow file fails closed without a new helper.
const MAX_ABANDONED: usize = 2;

/// What a run has spent: nanoseconds of [`RUN_BUDGET`], and helpers left
/// behind.
#[derive(Default)]
struct Budget {
    spent: std::sync::atomic::AtomicU64,
    abandoned: std::sync::atomic::AtomicUsize,
}

/// A run is a process: every thread of it shares one budget.
#[cfg(not(test))]
fn with_budget<R>(f: impl FnOnce(&Budget) -> R) -> R {
    static BUDGET: Budget = Budget {
        spent: std::sync::atomic::AtomicU64::new(0),
        abandoned: std::sync::atomic::AtomicUsize::new(0),
    };
    f(&BUDGET)
}

/// A test process runs many tests at once, each a run of its own.
#[cfg(test)]
fn with_budget<R>(f: impl FnOnce(&Budget) -> R) -> R {
    thread_local! {
        static BUDGET: Budget = Budget::default();
    }
    BUDGET.with(f)
}

/// How long this parse may wait: the grace, plus what is left of the run's
/// budget, never more than one file's deadline.
fn parse_wait() -> std::time::Duration {
    let spent = with_budget(|b| b.spent.load(std::sync::atomic::Ordering::Relaxed));
    (PARSE_GRACE + RUN_BUDGET.saturating_sub(std::time::Duration::from_nanos(spent)))
        .min(PARSE_DEADLINE)
}

fn charge(took: std::time::Duration) {
    let over = took.saturating_sub(PARSE_GRACE);
    let nanos = u64::try_from(over.as_nanos()).unwrap_or(u64::MAX);
    with_budget(|b| {
        b.spent
            .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed)
    });
}

/// Parses an HCL body within the time [`parse_wait`] gives; a syntax error
/// becomes an [`ExtractError`] at the byte the parser stopped on.
///
/// The parse runs on a helper thread that each calling thread keeps for
/// the next parse (a thread per file cost a range check over 1,000 commits
/// a third of its time). A parse that does not finish in time is left
/// behind with its helper (the process ends soon after, in a hook), the
/// next parse gets a new helper, up to [`MAX_ABANDONED`], and the file
/// fails closed.
fn parse(text: &str) -> Result<Body, ExtractError> {
    type Job = (String, std::sync::mpsc::Sender<Result<Body, ExtractError>>);
    thread_local! {
        static HELPER: std::cell::RefCell<Option<std::sync::mpsc::Sender<Job>>> =
            const { std::cell::RefCell::new(None) };
    }
    let too_slow = |why: String| Err(ExtractError::new(why, 0));
    if with_budget(|b| b.abandoned.load(std::sync::atomic::Ordering::Relaxed)) >= MAX_ABANDONED {
        return too_slow(format!(
            "not parsed: {MAX_ABANDONED} other files of this run were too slow to parse, \
             so no more time is given to HCL parsing"
        ));
    }
    let helper = HELPER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let (jobs, queue) = std::sync::mpsc::channel::<Job>();
            let spawned = std::thread::Builder::new()
                .name("iacgate-hcl-parse".to_owned())
                .stack_size(DEEP_STACK)
                .spawn(move || {
                    for (text, reply) in queue {
                        let _ = reply.send(parse_here(&text));
                    }
                });
            if spawned.is_ok() {
                *slot = Some(jobs);
            }
        }
        slot.clone()
    });
    let Some(helper) = helper else {
        // No thread to be had: parse here, without a deadline.
        return parse_here(text);
    };
    let (reply, answer) = std::sync::mpsc::channel();
    if helper.send((text.to_owned(), reply)).is_err() {
        HELPER.with(|cell| cell.borrow_mut().take());
        return parse_here(text);
    }
    let started = std::time::Instant::now();
    let wait = parse_wait();
    let result = answer.recv_timeout(wait);
    charge(started.elapsed());
    match result {
        Ok(parsed) => parsed,
        Err(error) => {
            // The helper is stuck (or gone): the next parse gets a new one.
            HELPER.with(|cell| cell.borrow_mut().take());
            with_budget(|b| {
                b.abandoned
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            });
            match error {
                std::sync::mpsc::RecvTimeoutError::Timeout if wait >= PARSE_DEADLINE => {
                    too_slow(format!(
                        "the HCL parser did not finish within {} s: no real file takes that long, \
                         this one is built to be slow to parse",
                        PARSE_DEADLINE.as_secs()
                    ))
                }
                std::sync::mpsc::RecvTimeoutError::Timeout => too_slow(format!(
                    "the HCL parser did not finish in {} ms, and this run's {} s for slow \
                     parses is spent: no real file takes that long, this one is built to be \
                     slow to parse",
                    wait.as_millis(),
                    RUN_BUDGET.as_secs()
                )),
                std::sync::mpsc::RecvTimeoutError::Disconnected => {
                    too_slow("the HCL parser failed on this file".to_owned())
                }
            }
        }
    }
}

fn parse_here(text: &str) -> Result<Body, ExtractError> {
    repeated_keys::parse(text).map_err(|err| {
        ExtractError::new(
            format!("HCL syntax error: {}", one_line(err.message())),
            // hcl-edit reports the byte it stopped at, which may be inside
            // a character: the offset is that character's.
            floor_char_boundary(text, err.location().offset().min(text.len())),
        )
    })
}

/// An upper bound on how deeply hcl-edit nests while parsing `text`, from a
/// single pass over the bytes: brackets, string templates (`${`, and `%{`
/// counted twice since a directive opens a template level too) and heredocs.
///
/// It only needs to be an upper bound for the bracketed constructs, so every
/// doubt goes one way: a region (string, heredoc) is entered no later and left
/// no earlier than the parser does, openers count everywhere, and closers
/// inside a region never take the count below where the region began.
/// Comments are skipped: the parser and this scan agree on where they are.
fn nesting_estimate(text: &str) -> usize {
    enum Frame<'t> {
        Bracket,
        Interpolation,
        Quoted { floor: usize },
        Heredoc { delimiter: &'t [u8], floor: usize },
    }
    fn is_ident(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80
    }
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut stack: Vec<Frame> = Vec::new();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let floor = match stack.last() {
            Some(Frame::Quoted { floor }) => Some(*floor),
            Some(Frame::Heredoc { floor, .. }) => Some(*floor),
            _ => None,
        };
        match floor {
            // Expression context (top level, brackets, interpolations).
            None => match c {
                b'"' => stack.push(Frame::Quoted { floor: depth }),
                b'#' => i = line_end(b, i),
                b'/' if at(i + 1) == b'/' => i = line_end(b, i),
                b'/' if at(i + 1) == b'*' => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(b.len(), |end| i + 2 + end + 1);
                }
                b'<' if at(i + 1) == b'<' => {
                    let start = i + 2 + usize::from(at(i + 2) == b'-');
                    let mut end = start;
                    while end < b.len() && is_ident(b[end]) {
                        end += 1;
                    }
                    if end > start {
                        stack.push(Frame::Heredoc {
                            delimiter: &b[start..end],
                            floor: depth,
                        });
                        // The body starts on the next line.
                        i = line_end(b, end);
                    } else {
                        i += 1;
                    }
                }
                b'{' | b'[' | b'(' => {
                    depth += 1;
                    stack.push(Frame::Bracket);
                }
                b'}' | b']' | b')' => {
                    let closed = stack.pop().is_some();
                    depth = depth.saturating_sub(usize::from(closed));
                }
                _ => {}
            },
            Some(floor) => {
                let quoted = matches!(stack.last(), Some(Frame::Quoted { .. }));
                match c {
                    b'\\' if quoted => i += 1,
                    b'"' if quoted => {
                        stack.pop();
                    }
                    b'$' | b'%' if at(i + 1) == c && at(i + 2) == b'{' => i += 2,
                    b'$' | b'%' if at(i + 1) == b'{' => {
                        depth += if c == b'%' { 2 } else { 1 };
                        stack.push(Frame::Interpolation);
                        i += 1;
                    }
                    b'{' | b'[' | b'(' => depth += 1,
                    b'}' | b']' | b')' => depth = depth.saturating_sub(1).max(floor),
                    b'\n' if !quoted => {
                        if let Some(&Frame::Heredoc { delimiter, .. }) = stack.last() {
                            let mut k = i + 1;
                            while matches!(at(k), b' ' | b'\t') {
                                k += 1;
                            }
                            if b[k..].starts_with(delimiter) && !is_ident(at(k + delimiter.len())) {
                                stack.pop();
                                i = k + delimiter.len() - 1;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        max = max.max(depth);
        i += 1;
    }
    max
}

/// The index of the `\n` ending the line that `i` is on (or the end).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |n| i + n)
}

/// The byte range of anything hcl-edit parsed (parsed nodes always carry a
/// span; `fallback` only guards against a node that does not).
pub(super) fn span_of(node: &impl hcl::edit::Span, fallback: Span) -> Span {
    node.span().map_or(fallback, Span::from)
}

/// `ident "label" ...`: from the block type to the end of its last label.
pub(super) fn header_span(block: &Block) -> Span {
    let whole = span_of(block, Span::default());
    let start = block.ident.span().map_or(whole.start, |r| r.start);
    let end = block
        .labels
        .last()
        .and_then(|label| label.span())
        .or_else(|| block.ident.span())
        .map_or(whole.end, |r| r.end);
    Span::new(start, end)
}

/// The block's only label and its span; `what` names the block in errors.
pub(super) fn single_label<'b>(
    block: &'b Block,
    what: &str,
) -> Result<(&'b str, Span), ExtractError> {
    let header = header_span(block);
    match block.labels.as_slice() {
        [label] => Ok((label.as_str(), span_of(label, header))),
        labels => Err(ExtractError::new(
            format!(
                "a {what} block needs exactly one label, found {}",
                labels.len()
            ),
            header.start,
        )),
    }
}

/// A string literal value; anything else (template with interpolation,
/// heredoc, reference, function call, number, null, ...) is an error at the
/// value. `subject` is e.g. `module "vpc": source`.
pub(super) fn literal(expr: &Expression, subject: &str) -> Result<Spanned<String>, ExtractError> {
    let at = span_of(expr, Span::default());
    match expr {
        Expression::String(s) => Ok(Spanned::new(s.as_str().to_owned(), at)),
        Expression::HeredocTemplate(_) => Err(ExtractError::new(
            format!("{subject} must be a literal string in double quotes (a heredoc is not allowed here)"),
            at.start,
        )),
        _ => Err(ExtractError::new(
            format!(
                "{subject} must be a literal string (Terraform does not allow expressions here)"
            ),
            at.start,
        )),
    }
}

/// The literal string value of attribute `key` of `body`, if present.
pub(super) fn body_literal(
    body: &Body,
    key: &str,
    owner: &str,
) -> Result<Option<Spanned<String>>, ExtractError> {
    body.get_attribute(key)
        .map(|attr| literal(&attr.value, &format!("{owner}: {key}")))
        .transpose()
}

fn module(block: &Block, deps: &mut Deps) -> Result<(), ExtractError> {
    let (name, _) = single_label(block, "module")?;
    let owner = format!("module \"{name}\"");
    let mut dep = Dependency::new(
        Ecosystem::Terraform,
        Kind::Module,
        format!("module.{name}"),
        name.to_owned(),
        header_span(block),
    );
    dep.source = body_literal(&block.body, "source", &owner)?;
    dep.version = body_literal(&block.body, "version", &owner)?;
    deps.push(dep, |_| {
        format!("duplicate module \"{name}\": a module call name must be unique (Terraform rejects this)")
    })
}

fn terraform(block: &Block, deps: &mut Deps) -> Result<(), ExtractError> {
    for requirements in block.body.get_blocks("required_providers") {
        required_providers(requirements, deps)?;
    }
    Ok(())
}

/// A test file (`*.tftest.hcl`, `*.tofutest.hcl`) -> the module of each
/// `run "NAME" { module { source = ... version = ... } }`: `terraform
/// test` fetches and runs it, as `init` fetches a module call.
pub(super) fn extract_test(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    with_body(text, walk_test)
}

fn walk_test(body: &Body) -> Result<Vec<Dependency>, ExtractError> {
    let mut deps = Deps::default();
    for block in body.blocks().filter(|b| b.ident.as_str() == "run") {
        let (name, _) = single_label(block, "run")?;
        let mut modules = block.body.get_blocks("module");
        let Some(module) = modules.next() else {
            continue;
        };
        if let Some(second) = modules.next() {
            return Err(ExtractError::new(
                format!("run \"{name}\": a second module block (Terraform rejects this)"),
                header_span(second).start,
            ));
        }
        let owner = format!("run \"{name}\": module");
        let mut dep = Dependency::new(
            Ecosystem::Terraform,
            Kind::Module,
            format!("run.{name}.module"),
            format!("run.{name}"),
            header_span(module),
        );
        dep.source = body_literal(&module.body, "source", &owner)?;
        dep.version = body_literal(&module.body, "version", &owner)?;
        deps.push(dep, |_| {
            format!("duplicate run \"{name}\": a run block name must be unique in its test file (Terraform rejects this)")
        })?;
    }
    Ok(deps.finish())
}

/// A Terraform Stacks file -> dependencies. Component files
/// (`*.tfcomponent.hcl`, and `*.tfstack.hcl` from before the rename):
/// each `component "NAME"` and embedded `stack "NAME"` with its `source`
/// and `version`, judged as a module call, and the top-level
/// `required_providers` entries. Deployment files (`*.tfdeploy.hcl`) name
/// no source code (`deployment`, `upstream_input` of other HCP stacks,
/// `store`, `identity_token`): they are parsed, and yield nothing.
pub(super) fn extract_stack(text: &str) -> Result<Vec<Dependency>, ExtractError> {
    with_body(text, walk_stack)
}

fn walk_stack(body: &Body) -> Result<Vec<Dependency>, ExtractError> {
    let mut deps = Deps::default();
    let mut removed = 0;
    for block in body.blocks() {
        let what = block.ident.as_str();
        match what {
            "component" | "stack" => {
                let (name, _) = single_label(block, what)?;
                let owner = format!("{what} \"{name}\"");
                let mut dep = Dependency::new(
                    Ecosystem::Terraform,
                    Kind::Module,
                    format!("{what}.{name}"),
                    format!("{what}.{name}"),
                    header_span(block),
                );
                dep.source = body_literal(&block.body, "source", &owner)?;
                dep.version = body_literal(&block.body, "version", &owner)?;
                if dep.source.is_none() {
                    return Err(ExtractError::new(
                        format!("{owner} needs a source"),
                        header_span(block).start,
                    ));
                }
                deps.push(dep, |_| {
                    format!("duplicate {what} \"{name}\": the name must be unique in its stack (Terraform rejects this)")
                })?;
            }
            "required_providers" => required_providers(block, &mut deps)?,
            // `removed { from = component.x  source = ... }`: the module
            // that destroys what the component left is fetched too.
            "removed" if block.body.get_attribute("source").is_some() => {
                removed += 1;
                let mut dep = Dependency::new(
                    Ecosystem::Terraform,
                    Kind::Module,
                    format!("removed#{removed}"),
                    format!("removed#{removed}"),
                    header_span(block),
                );
                dep.source = body_literal(&block.body, "source", "removed")?;
                dep.version = body_literal(&block.body, "version", "removed")?;
                deps.push(dep, |_| String::new())?;
            }
            _ => {}
        }
    }
    Ok(deps.finish())
}

/// The entries of a `required_providers` block.
fn required_providers(requirements: &Block, deps: &mut Deps) -> Result<(), ExtractError> {
    for attr in requirements.body.attributes() {
        let name = attr.key.as_str();
        let owner = format!("required_providers \"{name}\"");
        let key_span = span_of(&attr.key, span_of(attr, Span::default()));
        let mut dep = Dependency::new(
            Ecosystem::Terraform,
            Kind::Provider,
            format!("provider.{name}"),
            name.to_owned(),
            key_span,
        );
        match &attr.value {
            // Legacy shorthand `aws = "~> 5.0"`: a version constraint only.
            Expression::String(_) => {
                dep.version = Some(literal(&attr.value, &format!("{owner}: version"))?);
            }
            Expression::Object(object) => {
                dep.source = object_literal(object, "source", &owner)?;
                dep.version = object_literal(object, "version", &owner)?;
            }
            other => {
                return Err(ExtractError::new(
                    format!(
                        "{owner} must be an object {{ source = \"...\", version = \"...\" }} \
                             or a version string"
                    ),
                    span_of(other, key_span).start,
                ))
            }
        }
        deps.push(dep, |_| {
            format!("duplicate required provider \"{name}\" (Terraform rejects this)")
        })?;
    }
    Ok(())
}

/// Attribute `key` of a `required_providers` entry object. Keys must be names
/// (`source` or `"source"`); a key given twice is an error.
fn object_literal(
    object: &Object,
    key: &str,
    owner: &str,
) -> Result<Option<Spanned<String>>, ExtractError> {
    let mut found = None;
    for (object_key, value) in object.iter() {
        let key_span = span_of(object_key, span_of(object, Span::default()));
        let name = match object_key {
            ObjectKey::Ident(ident) => ident.as_str(),
            ObjectKey::Expression(Expression::String(s)) => s.as_str(),
            ObjectKey::Expression(_) => {
                return Err(ExtractError::new(
                    format!("{owner}: keys must be plain names"),
                    key_span.start,
                ))
            }
        };
        if name != key {
            continue;
        }
        if found.is_some() {
            return Err(ExtractError::new(
                format!("{owner}: {key} is given twice"),
                key_span.start,
            ));
        }
        found = Some(literal(value.expr(), &format!("{owner}: {key}"))?);
    }
    Ok(found)
}

/// A legacy `provider "aws" { version = "..." }` configuration block. Blocks
/// without a `version` declare no dependency and are skipped.
fn provider(block: &Block, deps: &mut Deps) -> Result<(), ExtractError> {
    let Some(version) = block.body.get_attribute("version") else {
        return Ok(());
    };
    let (name, _) = single_label(block, "provider")?;
    let owner = format!("provider \"{name}\"");
    let version = literal(&version.value, &format!("{owner}: version"))?;
    let alias = body_literal(&block.body, "alias", &owner)?;
    let key = match &alias {
        Some(alias) => format!("provider-block.{name}.{}", alias.value),
        None => format!("provider-block.{name}"),
    };
    let mut dep = Dependency::new(
        Ecosystem::Terraform,
        Kind::Provider,
        key,
        name.to_owned(),
        header_span(block),
    );
    dep.version = Some(version);
    deps.push(dep, |_| match &alias {
        Some(alias) => format!(
            "duplicate provider configuration \"{name}\" with alias \"{}\" (Terraform rejects this)",
            alias.value
        ),
        None => format!("duplicate default provider configuration \"{name}\" (Terraform rejects this)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::line_col;

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

    #[test]
    fn test_files_and_stacks() {
        let test = "run \"a\" {\n  module {\n    source  = \"acme/x/aws\"\n    version = \"1.0.0\"\n  }\n}\nrun \"b\" {}\n";
        let deps = extract_test(test).unwrap();
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].key, "run.a.module");
        assert_eq!(deps[0].version_str(), Some("1.0.0"));
        for bad in [
            "run \"a\" {\n  module {\n    source = var.x\n  }\n}\n",
            "run \"a\" {\n  module {\n    source = \"./x\"\n  }\n  module {\n    source = \"./y\"\n  }\n}\n",
            "run \"a\" {\n  module {\n    source = \"./x\"\n  }\n}\nrun \"a\" {\n  module {\n    source = \"./x\"\n  }\n}\n",
            "run {\n}\n",
        ] {
            assert!(extract_test(bad).is_err(), "{bad}");
        }
        let stack = "required_providers {\n  aws = {\n    source  = \"hashicorp/aws\"\n    version = \"~> 5.7\"\n  }\n}\ncomponent \"vpc\" {\n  source = \"./vpc\"\n}\nstack \"net\" {\n  source  = \"app.terraform.io/acme/net/aws\"\n  version = \"1.0.0\"\n}\nremoved {\n  from   = component.old\n  source = \"acme/old/aws\"\n  version = \"2.0.0\"\n}\n";
        let keys: Vec<String> = extract_stack(stack)
            .unwrap()
            .into_iter()
            .map(|d| d.key)
            .collect();
        assert_eq!(
            keys,
            ["provider.aws", "component.vpc", "stack.net", "removed#1"]
        );
        for bad in [
            "component \"a\" {\n  inputs = {}\n}\n",
            "component \"a\" {\n  source = local.x\n}\n",
            "component \"a\" {\n  source = \"./a\"\n}\ncomponent \"a\" {\n  source = \"./a\"\n}\n",
        ] {
            assert!(extract_stack(bad).is_err(), "{bad}");
        }
        let deploy = "deployment \"prod\" {\n  inputs = { a = 1 }\n}\norchestrate \"auto_approve\" \"x\" {\n  check {\n    condition = true\n    reason    = \"y\"\n  }\n}\n";
        assert_eq!(extract_stack(deploy).unwrap(), vec![]);
    }

    const VERSIONS_TF: &str = r#"terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.95, < 6.0.0"
    }
    kubernetes = {
      source                = "hashicorp/kubernetes"
      version               = "~> 2.23"
      configuration_aliases = [kubernetes.eks]
    }
    kubectl = {
      source = "gavinbunney/kubectl"
    }
    random = "~> 3.6"
    # iacgate:allow unpinned -- internal mirror
    internal = {
      "source"  = "registry.example.com/acme/internal"
      "version" = "=1.2.3"
    }
  }

  backend "s3" {
    bucket = "acme-tfstate"
    key    = "network/terraform.tfstate"
    region = "eu-west-1"
  }
}
"#;

    #[test]
    fn versions_tf() {
        let deps = deps(VERSIONS_TF);
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.kind,
                    d.key.as_str(),
                    d.name.as_str(),
                    d.source_str(),
                    d.version_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Kind::Provider,
                    "provider.aws",
                    "aws",
                    Some("hashicorp/aws"),
                    Some(">= 5.95, < 6.0.0")
                ),
                (
                    Kind::Provider,
                    "provider.kubernetes",
                    "kubernetes",
                    Some("hashicorp/kubernetes"),
                    Some("~> 2.23")
                ),
                (
                    Kind::Provider,
                    "provider.kubectl",
                    "kubectl",
                    Some("gavinbunney/kubectl"),
                    None
                ),
                (
                    Kind::Provider,
                    "provider.random",
                    "random",
                    None,
                    Some("~> 3.6")
                ),
                (
                    Kind::Provider,
                    "provider.internal",
                    "internal",
                    Some("registry.example.com/acme/internal"),
                    Some("=1.2.3")
                ),
            ]
        );
        let aws = &deps[0];
        assert_eq!(at(VERSIONS_TF, aws.span), "aws");
        assert_eq!(line_col(VERSIONS_TF, aws.span.start), (5, 5));
        let source = aws.source.as_ref().unwrap();
        assert_eq!(at(VERSIONS_TF, source.span), "\"hashicorp/aws\"");
        assert_eq!(line_col(VERSIONS_TF, source.span.start), (6, 17));
        let random = &deps[3];
        assert_eq!(
            at(VERSIONS_TF, random.version.as_ref().unwrap().span),
            "\"~> 3.6\""
        );
        assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Terraform
            && d.hashes.is_empty()
            && d.constraints.is_none()));
    }

    const MAIN_TF: &str = r#"locals {
  name = "acme-prod"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.5.0"

  name = local.name
  cidr = "10.0.0.0/16"
  azs  = ["eu-west-1a", "eu-west-1b"]
}

module "eks" {
  source = "git::https://github.com/acme/terraform-aws-eks.git//modules/cluster?ref=3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"

  cluster_name = "${local.name}-eks"
  vpc_id       = module.vpc.vpc_id
}

module "dns" {
  source = "github.com/acme/terraform-dns?ref=v1.4.0"
}

module "labels" {
  source = "git@github.com:acme/labels.git?ref=main"
}

module "bucket" {
  source = "./modules/bucket"
  count  = 2
}

module "archive" {
  source = "https://example.com/modules/vpc.zip"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"

  module "not_a_module" {
    source = var.whatever
  }
}

provider "aws" {
  region = "eu-west-1"
}

output "vpc_id" {
  value = module.vpc.vpc_id
}
"#;

    #[test]
    fn main_tf_modules() {
        let deps = deps(MAIN_TF);
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.kind,
                    d.key.as_str(),
                    d.name.as_str(),
                    d.source_str(),
                    d.version_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Kind::Module, "module.vpc", "vpc", Some("terraform-aws-modules/vpc/aws"), Some("5.5.0")),
                (Kind::Module, "module.eks", "eks", Some("git::https://github.com/acme/terraform-aws-eks.git//modules/cluster?ref=3f1c2b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"), None),
                (Kind::Module, "module.dns", "dns", Some("github.com/acme/terraform-dns?ref=v1.4.0"), None),
                (Kind::Module, "module.labels", "labels", Some("git@github.com:acme/labels.git?ref=main"), None),
                (Kind::Module, "module.bucket", "bucket", Some("./modules/bucket"), None),
                (Kind::Module, "module.archive", "archive", Some("https://example.com/modules/vpc.zip"), None),
            ]
        );
        let vpc = &deps[0];
        assert_eq!(at(MAIN_TF, vpc.span), "module \"vpc\"");
        assert_eq!(line_col(MAIN_TF, vpc.span.start), (5, 1));
        let version = vpc.version.as_ref().unwrap();
        assert_eq!(at(MAIN_TF, version.span), "\"5.5.0\"");
        assert_eq!(line_col(MAIN_TF, version.span.start), (7, 13));
        let source = vpc.source.as_ref().unwrap();
        assert_eq!(line_col(MAIN_TF, source.span.start), (6, 13));
        assert_eq!(line_col(MAIN_TF, deps[1].span.start), (14, 1));
    }

    #[test]
    fn legacy_provider_blocks() {
        let text = r#"
provider "aws" {
  region  = "eu-west-1"
  version = "~> 2.0"
}

provider "aws" {
  alias   = "us_east_1"
  region  = "us-east-1"
  version = "~> 2.0"
}

provider "google" {
  project = "acme"
}
"#;
        let deps = deps(text);
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.kind,
                    d.key.as_str(),
                    d.name.as_str(),
                    d.source_str(),
                    d.version_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Kind::Provider,
                    "provider-block.aws",
                    "aws",
                    None,
                    Some("~> 2.0")
                ),
                (
                    Kind::Provider,
                    "provider-block.aws.us_east_1",
                    "aws",
                    None,
                    Some("~> 2.0")
                ),
            ]
        );
        assert_eq!(at(text, deps[1].span), "provider \"aws\"");
        assert_eq!(line_col(text, deps[1].span.start), (7, 1));
    }

    #[test]
    fn several_terraform_blocks_and_bare_labels() {
        let text = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n\
                    terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n  }\n}\n\
                    module vpc {\n  source = \"./vpc\"\n}\n";
        let keys: Vec<_> = deps(text).into_iter().map(|d| d.key).collect();
        assert_eq!(keys, ["provider.aws", "provider.null", "module.vpc"]);
    }

    #[test]
    fn one_line_blocks_and_comments() {
        let text = "module \"a\" { source = \"./a\" }\n/* module \"b\" { source = \"./b\" } */\n// module \"c\" {}\n";
        let deps = deps(text);
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].source_str(), Some("./a"));
    }

    #[test]
    fn escapes_are_decoded() {
        let text =
            "module \"a\" {\n  source = \"git::https://example.com/a.git?ref=\\u0076\\u0031\"\n}\n";
        assert_eq!(
            deps(text)[0].source_str(),
            Some("git::https://example.com/a.git?ref=v1")
        );
    }

    #[test]
    fn non_literal_values_are_errors() {
        let cases = [
            ("module \"vpc\" {\n  source = \"${var.src}\"\n}\n", "module \"vpc\": source must be a literal string", (2, 12)),
            ("module \"vpc\" {\n  source  = \"./vpc\"\n  version = var.v\n}\n", "module \"vpc\": version must be a literal string", (3, 13)),
            ("module \"vpc\" {\n  source = format(\"%s/vpc\", local.x)\n}\n", "module \"vpc\": source must be a literal string", (2, 12)),
            ("module \"vpc\" {\n  source = \"a\" # ok\n  version = \"1.0.${local.patch}\"\n}\n", "module \"vpc\": version must be a literal string", (3, 13)),
            ("module \"vpc\" {\n  source = <<EOT\n./vpc\nEOT\n}\n", "heredoc", (2, 12)),
            ("module \"vpc\" {\n  source = null\n}\n", "module \"vpc\": source must be a literal string", (2, 12)),
            ("module \"vpc\" {\n  source = \"%{if true}x%{endif}\"\n}\n", "must be a literal string", (2, 12)),
            ("terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = var.v }\n  }\n}\n", "required_providers \"aws\": version must be a literal string", (3, 49)),
            ("terraform {\n  required_providers {\n    aws = var.aws\n  }\n}\n", "required_providers \"aws\" must be an object", (3, 11)),
            ("terraform {\n  required_providers {\n    aws = { source = \"a/b\", \"source\" = \"c/d\" }\n  }\n}\n", "source is given twice", (3, 29)),
            ("terraform {\n  required_providers {\n    aws = { (local.k) = \"c/d\" }\n  }\n}\n", "keys must be plain names", (3, 13)),
            ("provider \"aws\" {\n  version = \"${var.v}\"\n}\n", "provider \"aws\": version must be a literal string", (2, 13)),
            ("provider \"aws\" {\n  alias = var.a\n  version = \"1.0\"\n}\n", "provider \"aws\": alias must be a literal string", (2, 11)),
        ];
        for (text, message, line_column) in cases {
            let (e, at) = err(text);
            assert!(e.message.contains(message), "{text}: {}", e.message);
            assert_eq!(at, line_column, "{text}: {}", e.message);
        }
        let (e, _) = err(cases[0].0);
        assert_eq!(
            e.message,
            "module \"vpc\": source must be a literal string (Terraform does not allow expressions here)"
        );
    }

    #[test]
    fn duplicates_are_errors_at_the_second() {
        let text =
            "module \"vpc\" {\n  source = \"./a\"\n}\n\nmodule \"vpc\" {\n  source = \"./b\"\n}\n";
        let (e, at) = err(text);
        assert!(
            e.message.contains("duplicate module \"vpc\""),
            "{}",
            e.message
        );
        assert_eq!(at, (5, 1));

        let text = "terraform {\n  required_providers {\n    aws = \"~> 5.0\"\n  }\n}\nterraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n";
        let (e, at) = err(text);
        assert!(
            e.message.contains("duplicate required provider \"aws\""),
            "{}",
            e.message
        );
        assert_eq!(at, (8, 5));

        let text =
            "provider \"aws\" {\n  version = \"1\"\n}\nprovider \"aws\" {\n  version = \"2\"\n}\n";
        assert_eq!(err(text).1, (4, 1));
    }

    #[test]
    fn label_count_is_checked() {
        let (e, at) = err("\nmodule {\n  source = \"./a\"\n}\n");
        assert!(e.message.contains("exactly one label"), "{}", e.message);
        assert_eq!(at, (2, 1));
        assert!(extract("module \"a\" \"b\" {\n}\n").is_err());
    }

    #[test]
    fn syntax_errors_name_the_right_line() {
        let text =
            "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \n}\n";
        let (e, at) = err(text);
        assert!(e.message.starts_with("HCL syntax error: "), "{}", e.message);
        assert!(!e.message.contains('\n'));
        assert_eq!(at.0, 3, "{}", e.message);

        let text = "module \"vpc\" {\n  source = \"./vpc\"\n\n";
        assert!(extract(text).is_err());

        let text = "module \"vpc\" {\r\n  source = \"./vpc\"\r\n  source = \"./other\"\r\n}\r\n";
        let (e, at) = err(text);
        assert_eq!(at, (3, 3), "{}", e.message);

        let text = "module \"vpc\" {\n  source = \"unterminated\n}\n";
        assert_eq!(err(text).1 .0, 2);
    }

    #[test]
    fn nesting_estimate_is_small_for_real_files() {
        for text in [VERSIONS_TF, MAIN_TF] {
            let estimate = nesting_estimate(text);
            assert!((2..=INLINE_NESTING / 2).contains(&estimate), "{estimate}");
        }
        let text = "x = <<-EOT\n  {\"a\": [${jsonencode({b = [1]})}]}\n  EOT\ny = \"(${f(\"}\")})\" # ((((\n/* [[[[ */ z = 1\n";
        assert_eq!(nesting_estimate(text), 6);
    }

    #[test]
    fn nesting_estimate_bounds_what_the_parser_does() {
        let depth = 100;
        let open = |c: &str| c.repeat(depth);
        let cases = [
            format!("x = {}1{}\n", open("["), open("]")),
            format!("x = {}\n", open("[for x in ")),
            format!("x = {}\n", open("{for k, v in x : k => ")),
            format!("x = {}1{}\n", open("f("), open(")")),
            open("a {\n"),
            format!("x = \"{}\"\n", open("${\"")),
            format!("x = \"{}\"\n", open("%{ if a }")),
            format!("x = <<EOT\n{}\nEOT\n", open("${<<EOT\n")),
            // Closers hidden in strings, comments and heredocs do not count.
            format!("x = {}\n", open("[for x in \")]}\" # )]}\n")),
            format!("x = {}\n", open("[ /* ]]] */ ")),
            format!("x = {}\n", open("[<<EOT\n]]]\nEOT\n,")),
            format!("x = {}\n", open("[\"\\\"]]\", ")),
            format!("x = {}\n", open("[\"$${ ]]\", ")),
        ];
        for text in cases {
            assert!(nesting_estimate(&text) >= depth, "{text:.60}");
            assert!(extract(&text).is_err(), "{text:.60}");
        }
    }

    #[test]
    fn blocks_elsewhere_are_ignored() {
        let text = "resource \"x\" \"y\" {\n  module \"m\" {\n    source = var.x\n  }\n  provider \"p\" {\n    version = var.v\n  }\n}\n\
                    data \"terraform_remote_state\" \"x\" {\n  terraform {\n    required_providers {\n      a = var.b\n    }\n  }\n}\n\
                    variable \"v\" {\n  default = \"${x}\"\n}\n";
        assert_eq!(deps(text), vec![]);
    }

    #[test]
    fn resources_and_data_sources_name_the_provider_they_use() {
        let text = "resource \"random_password\" \"db\" {\n  length = 16\n}\n\
                    data \"http\" \"ip\" {\n  url = \"https://x\"\n}\n\
                    resource \"aws_instance\" \"w\" {\n  provider = awsx.west\n}\n\
                    resource \"terraform_data\" \"t\" {}\nresource \"broken\" {}\n";
        let uses = super::provider_uses(text).unwrap();
        let got: Vec<(&str, &str)> = uses
            .iter()
            .map(|u| (u.address.as_str(), u.local.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("random_password.db", "random"),
                ("data.http.ip", "http"),
                ("aws_instance.w", "awsx"),
            ]
        );
        assert_eq!(
            &text[uses[0].span.start..uses[0].span.end],
            "\"random_password\""
        );
        assert!(super::provider_uses("resource \"x\" {").is_err());
    }
}
