//! GitHub Actions expressions (`${{ ... }}`), read far enough to tell
//! whether a value can name code a stranger controls: the head of a pull
//! request, of the run that triggered this one, or a ref a stranger picks.
//!
//! The expression language is parsed (literals, contexts with property,
//! index and `*` access, function calls, `!`, comparisons, `&&`, `||`), and
//! evaluated symbolically: a value is the texts it can have, with the parts
//! that are not literals as placeholders, and what it derives from. Context
//! names and properties are matched case-insensitively, as GitHub does.
//! `env.X` is followed through the step's, the job's and the workflow's
//! `env:`, `steps.<id>.outputs.X` to what that step runs or is given, and
//! `needs.<job>.outputs.X` to that job's `outputs:`. Every walk is bounded
//! (nesting, indirections, work); past a bound the value is unknown.

use std::cell::Cell;

use crate::extract::yaml::{Node, NodeKind};

/// Properties of the event that strangers set: the head of a pull request
/// or of the triggering run, and text they write (a ref in a comment).
/// A path that is a prefix of one of these (`github.event`, written whole
/// into `toJSON`) contains it.
const UNTRUSTED: &[&[&str]] = &[
    &["github", "head_ref"],
    &["github", "event", "pull_request", "head"],
    &["github", "event", "pull_request", "merge_commit_sha"],
    &["github", "event", "pull_request", "title"],
    &["github", "event", "pull_request", "body"],
    &["github", "event", "workflow_run", "head_sha"],
    &["github", "event", "workflow_run", "head_branch"],
    &["github", "event", "workflow_run", "head_commit"],
    &["github", "event", "workflow_run", "head_repository"],
    &["github", "event", "workflow_run", "pull_requests"],
    &["github", "event", "workflow_run", "display_title"],
    &["github", "event", "comment"],
    &["github", "event", "review"],
    &["github", "event", "review_comment"],
    &["github", "event", "issue", "title"],
    &["github", "event", "issue", "body"],
    &["github", "event", "discussion"],
    &["github", "event", "discussion_comment"],
    // Who opened or pushed the pull request: `${{ github.actor }}/repo` is
    // their fork.
    &["github", "actor"],
    &["github", "triggering_actor"],
    &["github", "event", "sender"],
    &["github", "event", "pull_request", "user"],
    &["github", "event", "workflow_run", "actor"],
    &["github", "event", "workflow_run", "triggering_actor"],
    // The pull request's head after a push to it (`synchronize`).
    &["github", "event", "after"],
];

/// The part of [`UNTRUSTED`] that names the head's code itself (a commit,
/// a ref, a repository), not text a stranger wrote: passed on to another
/// workflow or action, it is what that one may check out.
const HEAD_CODE: &[&[&str]] = &[
    &["github", "head_ref"],
    &["github", "event", "pull_request", "head"],
    &["github", "event", "pull_request", "merge_commit_sha"],
    &["github", "event", "workflow_run", "head_sha"],
    &["github", "event", "workflow_run", "head_branch"],
    &["github", "event", "workflow_run", "head_commit"],
    &["github", "event", "workflow_run", "head_repository"],
    &["github", "event", "workflow_run", "pull_requests"],
    &["github", "actor"],
    &["github", "triggering_actor"],
    &["github", "event", "sender"],
    &["github", "event", "pull_request", "user"],
    &["github", "event", "workflow_run", "actor"],
    &["github", "event", "workflow_run", "triggering_actor"],
    &["github", "event", "after"],
];

/// Stands for a part of a value that is no literal (a commit id, a number).
const OPAQUE: char = '\u{1}';

/// How far an expression nests, and how much a value may be followed.
const MAX_DEPTH: usize = 64;
const MAX_INDIRECTIONS: usize = 12;
const MAX_WORK: usize = 20_000;
const MAX_ALTERNATIVES: usize = 16;
const MAX_TEXT: usize = 4096;

/// What a value can be.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Value {
    /// The texts it can have, lower-cased, [`OPAQUE`] for what is not known.
    texts: Vec<String>,
    /// Derived from something a stranger controls.
    untrusted: bool,
    /// Derived from the head's code itself ([`HEAD_CODE`], a pull ref).
    code: bool,
    /// What could not be followed (an action's outputs), the first one.
    unknown: Option<String>,
}

impl Value {
    fn text(s: &str) -> Value {
        Value {
            texts: vec![s.to_ascii_lowercase()],
            ..Value::default()
        }
    }

    fn opaque() -> Value {
        Value::text(&OPAQUE.to_string())
    }

    fn untrusted(code: bool) -> Value {
        Value {
            untrusted: true,
            code,
            ..Value::opaque()
        }
    }

    fn unknown(what: String) -> Value {
        Value {
            unknown: Some(what),
            ..Value::opaque()
        }
    }

    /// Either of two values.
    fn or(mut self, other: Value) -> Value {
        self.texts.extend(other.texts);
        self.untrusted |= other.untrusted;
        self.code |= other.code;
        self.unknown = self.unknown.or(other.unknown);
        self.bounded()
    }

    /// One value after the other.
    fn then(self, other: Value) -> Value {
        let mut texts = Vec::new();
        for a in &self.texts {
            for b in &other.texts {
                texts.push(format!("{a}{b}"));
            }
        }
        Value {
            texts,
            untrusted: self.untrusted || other.untrusted,
            code: self.code || other.code,
            unknown: self.unknown.or(other.unknown),
        }
        .bounded()
    }

    /// Marks a value whose text names a pull request's ref as untrusted,
    /// then keeps it small: too many or too long texts become one opaque
    /// text (what they named is already recorded).
    fn bounded(mut self) -> Value {
        if self.texts.iter().any(|t| names_pull_ref(t)) {
            self.untrusted = true;
            self.code = true;
        }
        if self.texts.is_empty() {
            self.texts.push(String::new());
        }
        if self.texts.len() > MAX_ALTERNATIVES || self.texts.iter().any(|t| t.len() > MAX_TEXT) {
            self.texts = vec![OPAQUE.to_string()];
        }
        self
    }

    /// A value that is only a truth or a number, whatever it was made of.
    fn flag(&self) -> Value {
        Value::opaque()
    }

    pub(super) fn is_untrusted(&self) -> bool {
        self.untrusted
    }

    /// Names the head's commit, ref or repository (not only text a
    /// stranger wrote).
    pub(super) fn is_head_code(&self) -> bool {
        self.code
    }

    pub(super) fn unknown_part(&self) -> Option<&str> {
        self.unknown.as_deref()
    }
}

/// `refs/pull/<n>/head` or `/merge`: the pull request's code, whoever
/// wrote the number.
fn names_pull_ref(text: &str) -> bool {
    text.find("refs/pull/").is_some_and(|at| {
        let rest = &text[at + "refs/pull/".len()..];
        rest.contains("/head") || rest.contains("/merge")
    })
}

// ---------------------------------------------------------------- parsing

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Number(String),
    Str(String),
    Punct(&'static str),
}

fn tokenize(src: &str) -> Option<Vec<Token>> {
    const PUNCT: [&str; 16] = [
        "==", "!=", "<=", ">=", "&&", "||", ".", "[", "]", "(", ")", ",", "!", "<", ">", "*",
    ];
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'\'' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                let rest = src.get(j..)?;
                let close = rest.find('\'')?;
                s.push_str(&rest[..close]);
                j += close + 1;
                if bytes.get(j) == Some(&b'\'') {
                    s.push('\'');
                    j += 1;
                } else {
                    break;
                }
            }
            out.push(Token::Str(s));
            i = j;
        } else if c.is_ascii_digit()
            || (c == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
            {
                i += 1;
            }
            out.push(Token::Number(src[start..i].to_owned()));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            {
                i += 1;
            }
            out.push(Token::Ident(src[start..i].to_owned()));
        } else {
            let p = PUNCT.iter().find(|p| src[i..].starts_with(**p))?;
            out.push(Token::Punct(p));
            i += p.len();
        }
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Literal(String),
    Ident(String),
    /// `a.b`, `a['b']`, `a.*`, `a[expr]`.
    Member(Box<Expr>, Member),
    Call(String, Vec<Expr>),
    /// `!a`, `a == b`, `a < b`: a truth.
    Truth(Vec<Expr>),
    /// `a && b`, `a || b`: one of the two.
    Either(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Member {
    Name(String),
    Star,
    Index(Box<Expr>),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, punct: &str) -> bool {
        if matches!(self.peek(), Some(Token::Punct(p)) if *p == punct) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn deeper(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    // Every operator and member access nests the tree one level deeper
    // (evaluating and dropping it recurse), so each one counts.
    fn expr(&mut self) -> Option<Expr> {
        let depth = self.depth;
        self.deeper()?;
        let mut left = self.and()?;
        while self.eat("||") {
            self.deeper()?;
            left = Expr::Either(Box::new(left), Box::new(self.and()?));
        }
        self.depth = depth;
        Some(left)
    }

    fn and(&mut self) -> Option<Expr> {
        let depth = self.depth;
        let mut left = self.comparison()?;
        while self.eat("&&") {
            self.deeper()?;
            left = Expr::Either(Box::new(left), Box::new(self.comparison()?));
        }
        self.depth = depth;
        Some(left)
    }

    fn comparison(&mut self) -> Option<Expr> {
        let left = self.unary()?;
        let mut operands = vec![left];
        while ["==", "!=", "<=", ">=", "<", ">"]
            .iter()
            .any(|op| self.eat(op))
        {
            operands.push(self.unary()?);
        }
        Some(match operands.len() {
            1 => operands.pop()?,
            _ => Expr::Truth(operands),
        })
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.eat("!") {
            self.deeper()?;
            let operand = self.unary()?;
            self.depth -= 1;
            return Some(Expr::Truth(vec![operand]));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Expr> {
        let depth = self.depth;
        let mut e = self.primary()?;
        loop {
            if matches!(self.peek(), Some(Token::Punct("." | "["))) {
                self.deeper()?;
            }
            if self.eat(".") {
                let member = match self.tokens.get(self.at)? {
                    Token::Ident(name) => Member::Name(name.clone()),
                    Token::Punct("*") => Member::Star,
                    _ => return None,
                };
                self.at += 1;
                e = Expr::Member(Box::new(e), member);
            } else if self.eat("[") {
                let member = if self.eat("*") {
                    Member::Star
                } else {
                    Member::Index(Box::new(self.expr()?))
                };
                if !self.eat("]") {
                    return None;
                }
                e = Expr::Member(Box::new(e), member);
            } else {
                self.depth = depth;
                return Some(e);
            }
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        let token = self.tokens.get(self.at)?.clone();
        self.at += 1;
        match token {
            Token::Str(s) | Token::Number(s) => Some(Expr::Literal(s)),
            Token::Punct("(") => {
                let e = self.expr()?;
                self.eat(")").then_some(e)
            }
            Token::Ident(name) if self.eat("(") => {
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(")") {
                            break;
                        }
                        if !self.eat(",") {
                            return None;
                        }
                    }
                }
                Some(Expr::Call(name.to_ascii_lowercase(), args))
            }
            Token::Ident(name) => match name.to_ascii_lowercase().as_str() {
                "true" | "false" | "null" => Some(Expr::Literal(String::new())),
                _ => Some(Expr::Ident(name)),
            },
            Token::Punct(_) => None,
        }
    }
}

/// One expression (what is inside `${{ }}`); `None` for one GitHub would
/// not accept (or this parser does not know).
fn parse(src: &str) -> Option<Expr> {
    let mut parser = Parser {
        tokens: tokenize(src)?,
        at: 0,
        depth: 0,
    };
    let e = parser.expr()?;
    (parser.at == parser.tokens.len()).then_some(e)
}

/// The parts of a string: literal text and the `${{ }}` expressions in it.
fn template_parts(s: &str) -> Vec<(bool, &str)> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("${{") {
        let body = &rest[open + 3..];
        // The closing `}}` outside a string literal.
        let mut quoted = false;
        let mut close = None;
        let b = body.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\'' => quoted = !quoted,
                b'}' if !quoted && b.get(i + 1) == Some(&b'}') => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let Some(close) = close else { break };
        parts.push((false, &rest[..open]));
        parts.push((true, &body[..close]));
        rest = &body[close + 2..];
    }
    parts.push((false, rest));
    parts
}

// ------------------------------------------------------------- the workflow

/// `key: value` strings of a mapping (what is not a string is left out).
fn strings(node: Option<&Node>) -> Vec<(String, String)> {
    let Some(node) = node else {
        return Vec::new();
    };
    node.entries("")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| {
            let value = v.string("").ok().flatten()?.value;
            Some((k.key_text()?.to_owned(), value))
        })
        .collect()
}

fn child<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.get(key, "").ok().flatten().map(|(_, v)| v)
}

/// Every string under a node (a matrix's values).
fn all_strings(node: &Node, out: &mut Vec<String>, budget: &mut usize) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    match &node.kind {
        NodeKind::Scalar(_) => out.extend(node.string("").ok().flatten().map(|s| s.value)),
        NodeKind::Seq(items) => items.iter().for_each(|n| all_strings(n, out, budget)),
        NodeKind::Map(_) => node
            .entries("")
            .unwrap_or_default()
            .into_iter()
            .for_each(|(_, v)| all_strings(v, out, budget)),
        _ => {}
    }
}

/// `name: value` strings of an `env:`, `with:` or `outputs:` mapping.
type Vars = Vec<(String, String)>;

struct StepFacts {
    id: Option<String>,
    env: Vec<(String, String)>,
    run: Option<String>,
    uses: Option<String>,
    with: Vec<(String, String)>,
}

struct JobFacts {
    id: String,
    env: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
    matrix: Vec<String>,
    steps: Vec<StepFacts>,
}

/// What values of a workflow can be followed to.
pub(super) struct Workflow {
    env: Vec<(String, String)>,
    jobs: Vec<JobFacts>,
    work: Cell<usize>,
}

/// Where a value is evaluated: a job and one of its steps (by index), or
/// the job or workflow level.
#[derive(Clone, Copy, Default)]
pub(super) struct Scope {
    job: Option<usize>,
    step: Option<usize>,
}

impl Workflow {
    /// Reads what it needs from the workflow's root mapping; what does not
    /// have the expected shape is simply not there (the extractor reports
    /// shapes).
    pub(super) fn read(root: &Node) -> Workflow {
        let mut jobs = Vec::new();
        if let Some(list) = child(root, "jobs") {
            for (key, job) in list.entries("").unwrap_or_default() {
                let Some(id) = key.key_text() else { continue };
                let mut matrix = Vec::new();
                if let Some(strategy) = child(job, "strategy") {
                    all_strings(strategy, &mut matrix, &mut 1000);
                }
                let steps = child(job, "steps")
                    .and_then(|s| s.items("").ok())
                    .unwrap_or_default()
                    .iter()
                    .map(|step| {
                        let text = |key| {
                            child(step, key)
                                .and_then(|n| n.string("").ok().flatten())
                                .map(|s| s.value)
                        };
                        StepFacts {
                            id: text("id").map(|id| id.trim().to_owned()),
                            env: strings(child(step, "env")),
                            run: text("run"),
                            uses: text("uses"),
                            with: strings(child(step, "with")),
                        }
                    })
                    .collect();
                jobs.push(JobFacts {
                    id: id.to_owned(),
                    env: strings(child(job, "env")),
                    outputs: strings(child(job, "outputs")),
                    matrix,
                    steps,
                });
            }
        }
        Workflow {
            env: strings(child(root, "env")),
            jobs,
            work: Cell::new(0),
        }
    }

    /// The scope of step `step` (its index in `steps:`) of job `job`.
    pub(super) fn step_scope(&self, job: &str, step: usize) -> Scope {
        let job = self.jobs.iter().position(|j| j.id == job);
        Scope {
            job,
            step: job.map(|_| step),
        }
    }

    /// The scope of job `job` itself (its `with:`, `env:`).
    pub(super) fn job_scope(&self, job: &str) -> Scope {
        Scope {
            job: self.jobs.iter().position(|j| j.id == job),
            step: None,
        }
    }

    /// What a string of the workflow (with `${{ }}` in it) can be, in a scope.
    pub(super) fn evaluate(&self, scope: Scope, value: &str) -> Value {
        self.template(scope, value, 0)
    }

    /// The names of the environment variables a step's script sees whose
    /// value names the head's code (`env: {HEAD: ${{ ...head.sha }}}` at
    /// the step, job or workflow level, the nearest level winning), and
    /// the runner's own `GITHUB_HEAD_REF`: `git fetch origin $HEAD`.
    pub(super) fn head_env(&self, scope: Scope) -> Vec<String> {
        let job = scope.job.and_then(|j| self.jobs.get(j));
        let step = job.zip(scope.step).and_then(|(j, s)| j.steps.get(s));
        let mut seen: Vec<String> = Vec::new();
        let mut head = vec!["GITHUB_HEAD_REF".to_owned()];
        let levels: [(Option<&Vars>, Scope); 3] = [
            (
                step.map(|s| &s.env),
                Scope {
                    job: scope.job,
                    step: None,
                },
            ),
            (job.map(|j| &j.env), Scope::default()),
            (Some(&self.env), Scope::default()),
        ];
        for (vars, outer) in levels {
            for (key, value) in vars.into_iter().flatten() {
                if seen.contains(key) {
                    continue;
                }
                seen.push(key.clone());
                if self.template(outer, value, 1).is_head_code() {
                    head.push(key.clone());
                }
            }
        }
        head
    }

    fn spend(&self) -> bool {
        let used = self.work.get() + 1;
        self.work.set(used);
        used <= MAX_WORK
    }

    fn template(&self, scope: Scope, value: &str, hops: usize) -> Value {
        let mut out = Value::text("");
        for (is_expr, part) in template_parts(value) {
            let part_value = if is_expr {
                match parse(part) {
                    Some(e) => self.eval(scope, &e, hops),
                    // Not an expression GitHub runs (or one this parser
                    // misses): what it names as text still counts.
                    None => {
                        let mut v = Value::unknown(format!("the expression `{}`", part.trim()));
                        v.untrusted = names_untrusted_text(part, UNTRUSTED);
                        v.code = names_untrusted_text(part, HEAD_CODE);
                        v
                    }
                }
            } else {
                Value::text(part)
            };
            out = out.then(part_value);
        }
        out
    }

    fn eval(&self, scope: Scope, e: &Expr, hops: usize) -> Value {
        if !self.spend() {
            return Value::unknown("a value too costly to follow".to_owned());
        }
        match e {
            Expr::Literal(s) => Value::text(s),
            Expr::Truth(operands) => {
                // Evaluated for the work bound only: a truth names no ref.
                operands.iter().for_each(|o| {
                    self.eval(scope, o, hops);
                });
                Value::opaque()
            }
            Expr::Either(a, b) => self.eval(scope, a, hops).or(self.eval(scope, b, hops)),
            Expr::Call(name, args) => self.call(scope, name, args, hops),
            Expr::Ident(_) | Expr::Member(..) => match path(e) {
                Some(path) => self.context(scope, &path, hops),
                // `fromJSON(x).y`, `x[0]` of a computed value: what the
                // base is.
                None => match e {
                    Expr::Member(base, _) => self.eval(scope, base, hops),
                    _ => Value::opaque(),
                },
            },
        }
    }

    fn call(&self, scope: Scope, name: &str, args: &[Expr], hops: usize) -> Value {
        let values: Vec<Value> = args.iter().map(|a| self.eval(scope, a, hops)).collect();
        match name {
            "format" => {
                let Some((fmt, rest)) = values.split_first() else {
                    return Value::opaque();
                };
                let mut out: Option<Value> = None;
                for text in &fmt.texts {
                    let one = format_one(text, rest);
                    out = Some(match out {
                        Some(v) => v.or(one),
                        None => one,
                    });
                }
                let mut out = out.unwrap_or_default();
                out.untrusted |= fmt.untrusted;
                out.code |= fmt.code;
                out.unknown = out.unknown.or(fmt.unknown.clone());
                out.bounded()
            }
            "contains" | "startswith" | "endswith" | "success" | "always" | "failure"
            | "cancelled" | "hashfiles" => values.first().map_or_else(Value::opaque, Value::flag),
            // `join`, `toJSON`, `fromJSON`, `case` and functions GitHub may
            // add: what their arguments are.
            _ => values
                .into_iter()
                .reduce(Value::or)
                .unwrap_or_else(Value::opaque),
        }
    }

    fn context(&self, scope: Scope, path: &[String], hops: usize) -> Value {
        if hops >= MAX_INDIRECTIONS {
            return Value::unknown("a value passed on too many times".to_owned());
        }
        let seg = |i: usize| path.get(i).map(String::as_str);
        if matches(path, UNTRUSTED) {
            return Value::untrusted(matches(path, HEAD_CODE));
        }
        match seg(0) {
            Some("env") => self.env(scope, seg(1), hops + 1),
            Some("steps") => match (seg(1), seg(2)) {
                (Some(id), Some("outputs") | None) => self.step_output(scope, id, hops + 1),
                _ => Value::opaque(),
            },
            Some("needs") => match (seg(1), seg(2)) {
                (Some(job), Some("outputs") | None) => {
                    self.needs_output(job, seg(3).unwrap_or("*"), hops + 1)
                }
                _ => Value::opaque(),
            },
            Some("matrix") => {
                let Some(job) = scope.job.and_then(|j| self.jobs.get(j)) else {
                    return Value::opaque();
                };
                let outer = Scope {
                    job: scope.job,
                    step: None,
                };
                job.matrix
                    .iter()
                    .map(|m| self.template(outer, m, hops + 1))
                    .fold(Value::opaque(), Value::or)
            }
            _ => Value::opaque(),
        }
    }

    /// `env.<name>`: the step's, else the job's, else the workflow's; each
    /// read in the scope around it.
    fn env(&self, scope: Scope, name: Option<&str>, hops: usize) -> Value {
        let job = scope.job.and_then(|j| self.jobs.get(j));
        let step = job.zip(scope.step).and_then(|(j, s)| j.steps.get(s));
        let levels: [(Option<&Vars>, Scope); 3] = [
            (
                step.map(|s| &s.env),
                Scope {
                    job: scope.job,
                    step: None,
                },
            ),
            (
                job.map(|j| &j.env),
                Scope {
                    job: None,
                    step: None,
                },
            ),
            (
                Some(&self.env),
                Scope {
                    job: None,
                    step: None,
                },
            ),
        ];
        let mut all = Value::opaque();
        for (vars, outer) in levels {
            let Some(vars) = vars else { continue };
            for (key, value) in vars {
                match name {
                    Some(n) if n != "*" => {
                        if key.eq_ignore_ascii_case(n) {
                            return self.template(outer, value, hops);
                        }
                    }
                    _ => all = all.or(self.template(outer, value, hops)),
                }
            }
        }
        // Not set: GitHub gives an empty string (a variable of the runner's
        // own environment is no `env.` value).
        all
    }

    /// `steps.<id>.outputs.*`: what that step of the job can write.
    fn step_output(&self, scope: Scope, id: &str, hops: usize) -> Value {
        let Some(j) = scope.job else {
            return Value::opaque();
        };
        let Some(job) = self.jobs.get(j) else {
            return Value::opaque();
        };
        let mut found = Value::opaque();
        for (index, step) in job.steps.iter().enumerate() {
            let matches = step
                .id
                .as_deref()
                .is_some_and(|s| id == "*" || s.eq_ignore_ascii_case(id));
            if !matches {
                continue;
            }
            let inner = Scope {
                job: Some(j),
                step: Some(index),
            };
            // A script can write anything it reads: its expressions, the
            // variables of its step, job and workflow, the event payload.
            let mut v = Value::opaque();
            for (_, value) in step.env.iter().chain(&job.env).chain(&self.env) {
                v = v.or(self.template(inner, value, hops));
            }
            if let Some(run) = &step.run {
                v = v.or(self.template(inner, run, hops));
                if names_untrusted_shell(run) {
                    v.untrusted = true;
                    v.code = true;
                }
            }
            for (_, value) in &step.with {
                v = v.or(self.template(inner, value, hops));
            }
            if let (Some(uses), false) = (&step.uses, v.untrusted) {
                v = v.or(Value::unknown(format!(
                    "the outputs of step \"{}\" ({})",
                    step.id.as_deref().unwrap_or_default(),
                    uses.trim()
                )));
            }
            found = found.or(v);
        }
        found
    }

    /// `needs.<job>.outputs.<name>`: that job's `outputs:` entry, read in
    /// that job.
    fn needs_output(&self, job: &str, name: &str, hops: usize) -> Value {
        let mut found = Value::opaque();
        for (j, facts) in self.jobs.iter().enumerate() {
            if job != "*" && !facts.id.eq_ignore_ascii_case(job) {
                continue;
            }
            let scope = Scope {
                job: Some(j),
                step: None,
            };
            for (key, value) in &facts.outputs {
                if name == "*" || key.eq_ignore_ascii_case(name) {
                    found = found.or(self.template(scope, value, hops));
                }
            }
        }
        found
    }
}

/// `{0}`, `{1}` of a `format()` string replaced by its arguments; `{{` and
/// `}}` are braces.
fn format_one(fmt: &str, args: &[Value]) -> Value {
    let mut out = Value::text("");
    let mut literal = String::new();
    let mut chars = fmt.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if fmt[i + 1..].starts_with('{') => {
                literal.push('{');
                chars.next();
            }
            '}' if fmt[i + 1..].starts_with('}') => {
                literal.push('}');
                chars.next();
            }
            '{' => {
                let digits: String = fmt[i + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let closes = fmt[i + 1 + digits.len()..].starts_with('}');
                match digits.parse::<usize>().ok().filter(|_| closes) {
                    Some(n) => {
                        out = out.then(Value::text(&std::mem::take(&mut literal)));
                        out = out.then(args.get(n).cloned().unwrap_or_else(Value::opaque));
                        for _ in 0..=digits.len() {
                            chars.next();
                        }
                    }
                    None => literal.push('{'),
                }
            }
            c => literal.push(c),
        }
    }
    out.then(Value::text(&literal))
}

/// A context path (`github.event.pull_request.head.sha`), lower-cased,
/// `*` for `.*`, `[*]` and indexes that are not literals.
fn path(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Ident(name) => Some(vec![name.to_ascii_lowercase()]),
        Expr::Member(base, member) => {
            let mut p = path(base)?;
            p.push(match member {
                Member::Name(name) => name.to_ascii_lowercase(),
                Member::Index(index) => match index.as_ref() {
                    Expr::Literal(s) => s.to_ascii_lowercase(),
                    _ => "*".to_owned(),
                },
                Member::Star => "*".to_owned(),
            });
            Some(p)
        }
        _ => None,
    }
}

/// A path that names (or contains, or may be) one of `list`.
fn matches(path: &[String], list: &[&[&str]]) -> bool {
    list.iter()
        .any(|u| path.iter().zip(u.iter()).all(|(p, u)| p == "*" || p == u))
}

/// Text of an expression that could not be parsed, matched by name.
fn names_untrusted_text(text: &str, list: &[&[&str]]) -> bool {
    let text = text.to_ascii_lowercase();
    list.iter().any(|u| text.contains(&u.join(".")))
}

/// A shell script that reads the head from the runner's environment or
/// the event payload (`$GITHUB_HEAD_REF`, `$GITHUB_EVENT_PATH`), asks for
/// it (`gh pr view`, `gh pr checkout`), or builds a pull request's ref.
fn names_untrusted_shell(run: &str) -> bool {
    let run = run.to_ascii_lowercase();
    [
        "github_head_ref",
        "github_event_path",
        "gh pr ",
        "refs/pull/",
    ]
    .iter()
    .any(|s| run.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(value: &str) -> Value {
        let workflow = Workflow {
            env: Vec::new(),
            jobs: Vec::new(),
            work: Cell::new(0),
        };
        workflow.evaluate(
            Scope {
                job: None,
                step: None,
            },
            value,
        )
    }

    #[test]
    fn the_heads_in_every_spelling() {
        for value in [
            "${{ github.event.pull_request.head.sha }}",
            "${{ github.event['pull_request']['head']['sha'] }}",
            "${{ github['event'].pull_request['HEAD'] }}x",
            "${{ GitHub.Event.Pull_Request.Head.Ref }}",
            "${{ github.event.pull_request.head.repo.full_name }}",
            "${{ github.head_ref }}",
            "${{ github.event.workflow_run.head_sha }}",
            "${{ github.event.workflow_run.head_branch }}",
            "${{ github.event.pull_request.merge_commit_sha }}",
            "refs/pull/${{ github.event.number }}/merge",
            "REFS/PULL/${{ github.event.pull_request.number }}/HEAD",
            "${{ format('refs/pull/{0}/head', github.event.number) }}",
            "${{ format('refs/{0}/{1}/merge', 'pull', github.event.issue.number) }}",
            "${{ github.event.pull_request.* }}",
            "${{ github.event.pull_request[matrix.part].sha }}",
            "${{ toJSON(github.event) }}",
            "${{ fromJSON(toJSON(github.event.pull_request.head)).sha }}",
            "${{ github.event_name == 'push' && github.sha || github.event.pull_request.head.sha }}",
            "${{ (github.head_ref) }}",
            "${{ github.event.comment.body }}",
            "${{ join(github.event.workflow_run.pull_requests.*.head.sha, '') }}",
        ] {
            assert!(eval(value).is_untrusted(), "{value}");
        }
    }

    #[test]
    fn the_base_is_trusted() {
        for value in [
            "${{ github.event.pull_request.base.sha }}",
            "${{ github.sha }}",
            "${{ github.ref }}",
            "${{ github.event.number }}",
            "refs/heads/main",
            "${{ contains(github.head_ref, 'x') && 'main' || 'dev' }}",
            "${{ format('{{0}}', github.event.pull_request.head.sha) == 'x' }}",
            "refs/pull/${{ github.event.number }}",
            "${{ 'refs/pull/' }}",
            "",
            "${{ }}",
        ] {
            let v = eval(value);
            assert!(!v.is_untrusted(), "{value}: {v:?}");
        }
    }

    #[test]
    fn the_parser_is_bounded_and_never_panics() {
        let deep = format!(
            "${{{{ {}github.head_ref{} }}}}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        let _ = eval(&deep);
        let bang = format!("${{{{ {}a }}}}", "!".repeat(10_000));
        let _ = eval(&bang);
        for long in [
            format!("${{{{ a{} }}}}", ".b".repeat(100_000)),
            format!("${{{{ a{} }}}}", "['b']".repeat(100_000)),
            format!("${{{{ a{} }}}}", " || a".repeat(100_000)),
            format!("${{{{ a{} }}}}", " && a".repeat(100_000)),
            format!("${{{{ a{} }}}}", " == a".repeat(100_000)),
            format!("${{{{ {}a{} }}}}", "f(".repeat(10_000), ")".repeat(10_000)),
            "${{ github.head_ref }}".repeat(10_000),
        ] {
            let _ = eval(&long);
        }
        for src in [
            "a[",
            "'x",
            "a.",
            "f(a,",
            "a ==",
            "1..2",
            "a[*",
            "!",
            "é",
            "${{ 'a'' }}",
        ] {
            let _ = eval(&format!("${{{{ {src} }}}}"));
            let _ = parse(src);
        }
        assert!(parse("a.b['c'] || f(1, 'x''y')").is_some());
    }

    #[test]
    fn templates_split_outside_strings() {
        assert_eq!(
            template_parts("a${{ 'x}}' }}b${{ c }}"),
            [
                (false, "a"),
                (true, " 'x}}' "),
                (false, "b"),
                (true, " c "),
                (false, "")
            ]
        );
        assert_eq!(template_parts("a${{ b"), [(false, "a${{ b")]);
    }

    proptest::proptest! {
        #[test]
        fn any_expression_text_is_safe(src in "[a-z.\\[\\]()'!=<>&|*, 0-9{}$-]{0,80}") {
            let _ = eval(&format!("${{{{ {src} }}}}"));
            let _ = eval(&src);
        }
    }
}
