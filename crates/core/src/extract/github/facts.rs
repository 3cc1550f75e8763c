//! What gives a workflow power, as facts for `pipeline-permissions`:
//! [`Kind::File`] dependencies whose name is the sentence shown to the user
//! and whose version is the risky value as written (a fact whose value does
//! not change is silent). Only risky states are facts.

use super::expr::{Scope, Workflow};
use super::scalar;
use super::steps::Step;
use crate::extract::yaml::{Node, NodeKind};
use crate::extract::Deps;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, Span, Spanned};

/// Whose `permissions:` these are.
#[derive(Clone, Copy)]
pub(super) enum Level<'a> {
    Workflow,
    Job(&'a str),
}

impl Level<'_> {
    fn key(self) -> String {
        match self {
            Level::Workflow => "workflow".to_owned(),
            Level::Job(job) => format!("jobs.{job}"),
        }
    }

    fn who(self) -> String {
        match self {
            Level::Workflow => "the workflow".to_owned(),
            Level::Job(job) => format!("job \"{job}\""),
        }
    }
}

fn fact(key: String, name: String, span: Span, value: Spanned<String>) -> Dependency {
    let mut dep = Dependency::new(Ecosystem::GitHubActions, Kind::File, key, name, span);
    dep.version = Some(value);
    dep
}

fn push(deps: &mut Deps, dep: Dependency) -> Result<(), ExtractError> {
    deps.push(dep, |dep| format!("{} is declared twice", dep.key))
}

/// `permissions: write-all` and every scope set to `write`; `read-all`,
/// `read`, `none` and `{}` are no facts. Anything else GitHub rejects.
pub(super) fn permissions(
    text: &str,
    key: &Node,
    value: &Node,
    level: Level,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let subject = match level {
        Level::Workflow => "permissions".to_owned(),
        Level::Job(job) => format!("jobs.{job}.permissions"),
    };
    match &value.kind {
        NodeKind::Null => Ok(()),
        NodeKind::Map(_) => {
            for (scope_key, access) in value.entries(&subject)? {
                let scope = scope_key.name(&subject)?;
                let access_subject = format!("{subject}.{scope}");
                let written = scalar::string(text, access, &access_subject)?;
                match written {
                    Some(written) if written.value.trim() == "write" => push(
                        deps,
                        fact(
                            format!("permissions:{}:{scope}", level.key()),
                            format!("{} grants its token {scope}: write", level.who()),
                            scope_key.span,
                            written,
                        ),
                    )?,
                    Some(written) if matches!(written.value.trim(), "read" | "none") => {}
                    _ => {
                        return Err(ExtractError::new(
                            format!("{access_subject} must be read, write or none"),
                            access.span.start,
                        ))
                    }
                }
            }
            Ok(())
        }
        _ => match scalar::string(text, value, &subject)? {
            Some(written) if written.value.trim() == "write-all" => push(
                deps,
                fact(
                    format!("permissions:{}", level.key()),
                    format!(
                        "{} grants its token every permission (permissions: write-all)",
                        level.who()
                    ),
                    key.span,
                    written,
                ),
            ),
            Some(written) if written.value.trim() == "read-all" => Ok(()),
            _ => Err(ExtractError::new(
                format!(
                    "{subject} must be read-all, write-all or a mapping of scopes to read, \
                     write or none"
                ),
                value.span.start,
            )),
        },
    }
}

/// No top-level `permissions:` and a job (`job_key`, the first) without its own.
pub(super) fn default_permissions(job_key: &Node, deps: &mut Deps) -> Result<(), ExtractError> {
    push(
        deps,
        fact(
            "permissions:default".to_owned(),
            "the workflow sets no permissions:, so jobs without their own get the repository's \
             default token permissions (which may be write-all)"
                .to_owned(),
            job_key.span,
            Spanned::new("default".to_owned(), job_key.span),
        ),
    )
}

/// The events under which a workflow runs with the base repository's token
/// and secrets while it can be made to run someone else's code.
/// Events whose workflows run with the base repository's token and
/// secrets while a stranger controls what they react to: `/deploy`
/// comment commands (`issue_comment`, `pull_request_review_comment`) are
/// the classic way in, next to `pull_request_target` and `workflow_run`.
const PRIVILEGED_TRIGGERS: [&str; 4] = [
    "pull_request_target",
    "workflow_run",
    "issue_comment",
    "pull_request_review_comment",
];

/// The privileged events among a workflow's `triggers`.
fn privileged(triggers: &[String]) -> Vec<&'static str> {
    PRIVILEGED_TRIGGERS
        .into_iter()
        .filter(|t| triggers.iter().any(|e| e == t))
        .collect()
}

/// The events of `on:` (a string, a list, or a mapping's keys).
pub(super) fn triggers(root: &Node) -> Result<Vec<String>, ExtractError> {
    let Some((_, on)) = root.get("on", "the workflow")? else {
        return Ok(Vec::new());
    };
    let events = match &on.kind {
        NodeKind::Scalar(_) => on.key_text().into_iter().collect(),
        NodeKind::Seq(items) => items.iter().filter_map(Node::key_text).collect(),
        NodeKind::Map(_) => on
            .entries("on")?
            .into_iter()
            .filter_map(|(key, _)| key.key_text())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    Ok(events.into_iter().map(|e| e.trim().to_owned()).collect())
}

/// A checkout of the pull request's (or triggering run's) head in a workflow
/// triggered by `pull_request_target`, `workflow_run` or a comment: its
/// `ref` or `repository` evaluated as GitHub would ([`Workflow`]), through
/// `env:`, step outputs and job outputs. A value that comes from something
/// iacgate cannot follow (an action's outputs) is reported too: it may be
/// the head.
pub(super) fn pwn_requests(
    text: &str,
    job: &str,
    (list, steps): (&Node, &[Step]),
    (triggers, flow): (&[String], &Workflow),
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let privileged = privileged(triggers);
    if privileged.is_empty() {
        return Ok(());
    }
    let exported = exported_head_vars(text, job, list, flow)?;
    let whose = if privileged.contains(&"workflow_run") && privileged.len() == 1 {
        "the triggering run's head"
    } else {
        "the pull request's head"
    };
    for step in steps.iter().filter(|s| s.identity == "actions/checkout") {
        let subject = format!("jobs.{job}.{}", step.key);
        let Some((_, with)) = step.node.get("with", &subject)? else {
            continue;
        };
        let with_subject = format!("{subject}.with");
        let scope = flow.step_scope(job, step.index);
        let mut found: Option<(bool, String, usize, Spanned<String>)> = None;
        for input in ["ref", "repository"] {
            let Some((key, node)) = with.get(input, &with_subject)? else {
                continue;
            };
            let Some(value) = scalar::string(text, node, &format!("{with_subject}.{input}"))?
            else {
                continue;
            };
            let evaluated = flow.evaluate(scope, &value.value);
            // `${{ env.HEAD }}` that an earlier step wrote to $GITHUB_ENV.
            let compact: String = value.value.split_whitespace().collect();
            let from_env = exported
                .iter()
                .filter(|(at, _)| *at < step.index)
                .any(|(_, name)| {
                    let needle = format!("env.{}", name.to_ascii_lowercase());
                    let lower = compact.to_ascii_lowercase();
                    lower.match_indices(&needle).any(|(at, _)| {
                        !lower[at + needle.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                });
            let what = if evaluated.is_untrusted() || from_env {
                format!("checks out {whose}")
            } else if let Some(unknown) = evaluated.unknown_part() {
                format!(
                    "checks out what {unknown} gives, which iacgate cannot follow and may be \
                     {whose},"
                )
            } else {
                continue;
            };
            let untrusted = evaluated.is_untrusted() || from_env;
            // The head wins over a value that cannot be followed.
            if found.as_ref().is_none_or(|(u, ..)| !u && untrusted) {
                found = Some((untrusted, what, key.span.start, value));
            }
        }
        let Some((_, what, start, value)) = found else {
            continue;
        };
        push(
            deps,
            fact(
                format!("pwn-request:jobs.{job}.{}", step.key),
                format!(
                    "job \"{job}\" {what} under {}: the stranger's code runs with the base \
                     repository's token and secrets",
                    privileged.join(" and ")
                ),
                Span::new(start, value.span.end),
                value,
            ),
        )?;
    }
    Ok(())
}

/// Inputs whose name says they choose what gets checked out.
fn ref_like(input: &str) -> bool {
    let input = input.to_ascii_lowercase();
    [
        "ref", "sha", "head", "commit", "branch", "repo", "fork", "checkout",
    ]
    .iter()
    .any(|w| input.contains(w))
}

/// A value of the head passed in `with:` to a local composite action
/// (`uses: ./...` on a step of `list`) or, when `list` is `None`, to the
/// local reusable workflow `job_node` calls: that action or workflow runs
/// in this privileged context, and what it checks out is the head.
/// Flagged when the value names the head's code, or is anything a stranger
/// wrote and the input's name says it picks a ref or repository.
pub(super) fn head_passed_on(
    text: &str,
    job: &str,
    job_node: &Node,
    list: Option<&Node>,
    (triggers, flow): (&[String], &Workflow),
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let privileged = privileged(triggers);
    if privileged.is_empty() {
        return Ok(());
    }
    let prefix = format!("jobs.{job}");
    let mut callers: Vec<(String, &Node, Scope)> = Vec::new();
    match list {
        Some(list) => {
            for (index, step) in list.items(&format!("{prefix}.steps"))?.iter().enumerate() {
                let subject = format!("{prefix}.steps[{index}]");
                if !step.is_map() {
                    continue;
                }
                callers.push((subject, step, flow.step_scope(job, index)));
            }
        }
        None => callers.push((prefix.clone(), job_node, flow.job_scope(job))),
    }
    for (subject, node, scope) in callers {
        let Some((_, uses)) = node.get("uses", &subject)? else {
            continue;
        };
        let Some(uses) = scalar::string(text, uses, &format!("{subject}.uses"))? else {
            continue;
        };
        let target = uses.value.trim();
        if !target.starts_with("./") {
            continue;
        }
        let Some((_, with)) = node.get("with", &subject)? else {
            continue;
        };
        if !with.is_map() {
            continue;
        }
        let with_subject = format!("{subject}.with");
        for (key, value) in with.entries(&with_subject)? {
            let Some(input) = key.key_text() else {
                continue;
            };
            if !matches!(value.kind, NodeKind::Scalar(_)) {
                continue;
            }
            let Some(value) = scalar::string(text, value, &format!("{with_subject}.{input}"))?
            else {
                continue;
            };
            let evaluated = flow.evaluate(scope, &value.value);
            if !(evaluated.is_head_code() || evaluated.is_untrusted() && ref_like(input)) {
                continue;
            }
            let start = key.span.start;
            push(
                deps,
                fact(
                    format!("pwn-request:{prefix}.{target}.with.{input}"),
                    format!(
                        "job \"{job}\" passes the pull request's head to {target} (input \
                         \"{input}\") under {}: what that local action or workflow checks out \
                         runs with the base repository's token and secrets",
                        privileged.join(" and ")
                    ),
                    Span::new(start, value.span.end),
                    value,
                ),
            )?;
        }
    }
    Ok(())
}

/// A `run:` script that fetches the head itself, without
/// `actions/checkout`: `git fetch origin pull/<n>/head`, `refs/pull/...`,
/// `gh pr checkout`, or a git command given the head's sha, ref or
/// repository. Under a privileged trigger the script goes on to run what it
/// fetched with the base repository's token and secrets.
pub(super) fn head_fetched_by_scripts(
    text: &str,
    job: &str,
    list: &Node,
    (triggers, flow): (&[String], &Workflow),
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let privileged = privileged(triggers);
    if privileged.is_empty() {
        return Ok(());
    }
    let prefix = format!("jobs.{job}");
    let exported = exported_head_vars(text, job, list, flow)?;
    for (index, step) in list.items(&format!("{prefix}.steps"))?.iter().enumerate() {
        let subject = format!("{prefix}.steps[{index}]");
        if !step.is_map() {
            continue;
        }
        let scope = flow.step_scope(job, index);
        let mut head_vars = flow.head_env(scope);
        head_vars.extend(
            exported
                .iter()
                .filter(|(at, _)| *at < index)
                .map(|(_, name)| name.clone()),
        );
        if let Some((key, script)) = github_script(text, step, &subject)? {
            let evaluated = flow.evaluate(scope, &script.value);
            if js_fetches_the_head(&script.value, evaluated.is_head_code(), &head_vars) {
                push(
                    deps,
                    fact(
                        format!("pwn-request:{subject}.with.script"),
                        format!(
                            "job \"{job}\" fetches the pull request's head in an \
                             actions/github-script script under {}: the stranger's code runs \
                             with the base repository's token and secrets",
                            privileged.join(" and ")
                        ),
                        Span::new(key.span.start, script.span.end),
                        script,
                    ),
                )?;
            }
            continue;
        }
        let Some((key, script)) = run_script(text, step, &subject)? else {
            continue;
        };
        let evaluated = flow.evaluate(scope, &script.value);
        if !fetches_the_head(&script.value, evaluated.is_head_code(), &head_vars) {
            continue;
        }
        push(
            deps,
            fact(
                format!("pwn-request:{subject}.run"),
                format!(
                    "job \"{job}\" fetches the pull request's head in a run: script under {}: \
                     the stranger's code runs with the base repository's token and secrets",
                    privileged.join(" and ")
                ),
                Span::new(key.span.start, script.span.end),
                script,
            ),
        )?;
    }
    Ok(())
}

/// Variables that a step's script writes to `$GITHUB_ENV` with a value
/// that names the head (`echo "HEAD=${{ ...head.sha }}" >> $GITHUB_ENV`):
/// (the step's index, the name). Later steps of the job see them.
pub(super) fn exported_head_vars(
    text: &str,
    job: &str,
    list: &Node,
    flow: &Workflow,
) -> Result<Vec<(usize, String)>, ExtractError> {
    let prefix = format!("jobs.{job}");
    let mut out: Vec<(usize, String)> = Vec::new();
    for (index, step) in list.items(&format!("{prefix}.steps"))?.iter().enumerate() {
        let subject = format!("{prefix}.steps[{index}]");
        if !step.is_map() {
            continue;
        }
        let Some((_, script)) = run_script(text, step, &subject)? else {
            continue;
        };
        let scope = flow.step_scope(job, index);
        let mut vars = flow.head_env(scope);
        vars.extend(out.iter().map(|(_, n)| n.clone()));
        for line in script.value.lines() {
            if !line.to_ascii_lowercase().contains("github_env") {
                continue;
            }
            let head = flow.evaluate(scope, line).is_head_code() || reads_variable(line, &vars);
            if !head {
                continue;
            }
            // `NAME=value`: the first word with `=` after `echo`/`printf`.
            let name = line
                .split_whitespace()
                .map(|w| w.trim_start_matches(['"', '\'']))
                .find_map(|w| w.split_once('=').map(|(n, _)| n))
                .filter(|n| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                });
            if let Some(name) = name {
                out.push((index, name.to_owned()));
            }
        }
    }
    Ok(out)
}

/// A step's `run:` script, with its key.
fn run_script<'n>(
    text: &str,
    step: &'n Node,
    subject: &str,
) -> Result<Option<(&'n Node, Spanned<String>)>, ExtractError> {
    let Some((key, run)) = step.get("run", subject)? else {
        return Ok(None);
    };
    if !matches!(run.kind, NodeKind::Scalar(_)) {
        return Ok(None);
    }
    Ok(scalar::string(text, run, &format!("{subject}.run"))?.map(|s| (key, s)))
}

/// What a step `uses:`, lower-cased and without its `@ref`.
fn used_action(step: &Node, subject: &str) -> Result<Option<String>, ExtractError> {
    let Some((_, uses)) = step.get("uses", subject)? else {
        return Ok(None);
    };
    if !matches!(uses.kind, NodeKind::Scalar(_)) {
        return Ok(None);
    }
    Ok(uses.string(subject)?.map(|u| {
        let u = u.value.trim().to_ascii_lowercase();
        u.split_once('@').map_or(u.clone(), |(a, _)| a.to_owned())
    }))
}

/// A step's `with:` input `input` as a string, with its key.
fn with_input<'n>(
    text: &str,
    step: &'n Node,
    subject: &str,
    input: &str,
) -> Result<Option<(&'n Node, Spanned<String>)>, ExtractError> {
    let Some((_, with)) = step.get("with", subject)? else {
        return Ok(None);
    };
    if !with.is_map() {
        return Ok(None);
    }
    let with_subject = format!("{subject}.with");
    let Some((key, value)) = with.get(input, &with_subject)? else {
        return Ok(None);
    };
    if !matches!(value.kind, NodeKind::Scalar(_)) {
        return Ok(None);
    }
    Ok(scalar::string(text, value, &format!("{with_subject}.{input}"))?.map(|s| (key, s)))
}

/// The `script:` of an `actions/github-script` step, with its key.
fn github_script<'n>(
    text: &str,
    step: &'n Node,
    subject: &str,
) -> Result<Option<(&'n Node, Spanned<String>)>, ExtractError> {
    if used_action(step, subject)?.as_deref() != Some("actions/github-script") {
        return Ok(None);
    }
    with_input(text, step, subject, "script")
}

/// The words of a script: split at white space, shell operators and (for
/// JavaScript) quotes, brackets and commas, lower-cased.
fn script_words(text: &str, js: bool) -> Vec<String> {
    let lower = without_expressions(&text.to_ascii_lowercase());
    lower
        .split(|c: char| {
            c.is_whitespace()
                || matches!(c, ';' | '&' | '|' | '(' | ')' | '`')
                || (js && matches!(c, '\'' | '"' | ',' | '[' | ']' | '{' | '}' | '+' | '='))
        })
        .map(|w| w.trim_matches(['"', '\'']))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `line` reads one of `vars` as a shell (`$HEAD`, `${HEAD}`,
/// `$env:HEAD`) or JavaScript (`process.env.HEAD`) variable.
fn reads_variable(line: &str, vars: &[String]) -> bool {
    vars.iter().any(|var| {
        ["$", "${", "$env:", "process.env."].iter().any(|lead| {
            let needle = format!("{lead}{var}");
            line.match_indices(&needle).any(|(at, _)| {
                !line[at + needle.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
    })
}

/// Whether an `actions/github-script` script fetches a pull request's head:
/// git run through `exec`/`child_process` with a fetching command and the
/// head named anywhere in the script (`pr.data.head.sha`, a pull ref, an
/// expression or variable that names it), `gh pr checkout`, or the head's
/// archive downloaded through the API.
fn js_fetches_the_head(script: &str, head_code: bool, head_vars: &[String]) -> bool {
    let words = script_words(script, true);
    let lower = script.to_ascii_lowercase();
    let git = words.iter().enumerate().any(|(i, w)| {
        (w == "git" || w.ends_with("/git"))
            && words[i + 1..]
                .iter()
                .any(|v| GIT_FETCHING.contains(&v.as_str()))
    });
    let gh_checkout = words
        .windows(3)
        .any(|w| w[0] == "gh" && w[1] == "pr" && w[2] == "checkout");
    let archive = [
        "downloadtarballarchive",
        "downloadzipballarchive",
        "downloadarchive",
    ]
    .iter()
    .any(|a| lower.contains(a));
    let head = head_code
        || reads_variable(script, head_vars)
        || HEAD_PROPERTIES
            .iter()
            .any(|h| words.iter().any(|w| w.contains(h)))
        || lower.contains("refs/pull/")
        || lower.match_indices("pull/").any(|(at, _)| {
            let rest = &lower[at..];
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | ','))
                .unwrap_or(rest.len());
            rest[..end].contains("/head") || rest[..end].contains("/merge")
        });
    gh_checkout || ((git || archive) && head)
}

/// Git commands that bring commits into the work tree or the object store.
const GIT_FETCHING: &[&str] = &[
    "fetch", "checkout", "clone", "pull", "switch", "worktree", "reset", "merge",
];

/// Properties that name the head's code in a script's own JavaScript
/// (`pr.data.head.sha`) or an expression.
const HEAD_PROPERTIES: &[&str] = &[
    "head.sha",
    "head.ref",
    "head_ref",
    "head.repo",
    "head_sha",
    "head_branch",
    "head.label",
];

/// Actions that download the artifacts of another workflow run: always
/// (`dawidd6/action-download-artifact`), or given a `run-id`
/// (`actions/download-artifact`).
fn downloads_another_runs_artifacts(
    text: &str,
    step: &Node,
    subject: &str,
) -> Result<Option<String>, ExtractError> {
    if let Some(action) = used_action(step, subject)? {
        return Ok(match action.as_str() {
            "dawidd6/action-download-artifact" => Some(action),
            // `run-id: ${{ github.run_id }}` is this run's own.
            "actions/download-artifact" => with_input(text, step, subject, "run-id")?
                .filter(|(_, v)| {
                    let id: String = v.value.split_whitespace().collect();
                    !id.is_empty() && !id.eq_ignore_ascii_case("${{github.run_id}}")
                })
                .map(|_| action),
            "actions/github-script" => with_input(text, step, subject, "script")?
                .filter(|(_, v)| v.value.to_ascii_lowercase().contains("downloadartifact"))
                .map(|_| format!("{action} (downloadArtifact)")),
            _ => None,
        });
    }
    Ok(run_script(text, step, subject)?
        .filter(|(_, s)| {
            script_words(&s.value, false)
                .windows(3)
                .any(|w| w[0] == "gh" && w[1] == "run" && w[2] == "download")
        })
        .map(|_| "gh run download".to_owned()))
}

/// Commands that run code from the files around them: interpreters, build
/// and deployment tools that read the work tree, and a script by path.
const CODE_RUNNERS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "pwsh",
    "source",
    ".",
    "eval",
    "python",
    "python3",
    "node",
    "deno",
    "bun",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "make",
    "cmake",
    "go",
    "cargo",
    "terraform",
    "tofu",
    "terragrunt",
    "pulumi",
    "docker",
    "pip",
    "pip3",
    "pipx",
    "poetry",
    "uv",
    "bundle",
    "ruby",
    "rake",
    "perl",
    "php",
    "java",
    "mvn",
    "gradle",
    "dotnet",
    "helm",
    "kubectl",
    "ansible-playbook",
    "chmod",
];

/// The first command of a script that runs code (see [`CODE_RUNNERS`]),
/// or a file by path (`./build.sh`).
fn runs_code(script: &str) -> Option<String> {
    for line in script.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        for command in line.split(['&', '|', ';', '(', ')', '`']) {
            let mut words = command
                .split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']))
                .skip_while(|w| {
                    matches!(*w, "sudo" | "env" | "time" | "exec" | "then" | "do" | "!")
                        || (w.contains('=') && !w.starts_with('-'))
                });
            let Some(first) = words.next() else { continue };
            let program = first.rsplit('/').next().unwrap_or(first);
            if CODE_RUNNERS.contains(&program)
                || first.starts_with("./")
                || first.starts_with("../")
            {
                return Some(first.to_owned());
            }
        }
    }
    None
}

/// `workflow_run` (or another privileged trigger) with the artifacts of
/// another run downloaded (what a pull request's workflow built, from the
/// pull request's code) and a later `run:` step of the job that runs code:
/// an interpreter, a build tool or a script by path, which may be what the
/// artifact brought or read files it overwrote. Only reading the
/// artifact's data (`cat pr/number`, `unzip`, `gh pr comment`) is silent.
pub(super) fn artifacts_run(
    text: &str,
    job: &str,
    list: &Node,
    triggers: &[String],
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let privileged = privileged(triggers);
    if privileged.is_empty() {
        return Ok(());
    }
    let prefix = format!("jobs.{job}");
    let mut downloaded: Option<(usize, String)> = None;
    for (index, step) in list.items(&format!("{prefix}.steps"))?.iter().enumerate() {
        let subject = format!("{prefix}.steps[{index}]");
        if !step.is_map() {
            continue;
        }
        if let Some((at, how)) = &downloaded {
            if let Some((key, script)) = run_script(text, step, &subject)? {
                if let Some(command) = runs_code(&script.value) {
                    push(
                        deps,
                        fact(
                            format!("artifact-run:{subject}.run"),
                            format!(
                                "job \"{job}\" runs `{command}` after downloading another \
                                 run's artifacts (steps[{at}], {how}) under {}: what that run \
                                 built, from a pull request's code, runs with the base \
                                 repository's token and secrets",
                                privileged.join(" and ")
                            ),
                            Span::new(key.span.start, script.span.end),
                            script,
                        ),
                    )?;
                }
            }
        }
        if downloaded.is_none() {
            if let Some(how) = downloads_another_runs_artifacts(text, step, &subject)? {
                downloaded = Some((index, how));
            }
        }
    }
    Ok(())
}

/// Whether a script's lines fetch a pull request's head: a pull ref with a
/// git command, `gh pr checkout`, or a git command on a line that names
/// the head's code (`head_code`: the script's expressions do).
fn fetches_the_head(script: &str, head_code: bool, head_vars: &[String]) -> bool {
    // Commands that download by URL: given the head's repository or sha,
    // they bring its code in as git would.
    const DOWNLOADERS: &[&str] = &["curl", "wget", "gh", "svn"];
    script.lines().any(|line| {
        let lower = without_expressions(&line.to_ascii_lowercase());
        // Words, whatever the spacing and quoting: `git -c x=y  fetch`.
        let words: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`'))
            .map(|w| w.trim_matches(['"', '\'']))
            .filter(|w| !w.is_empty())
            .collect();
        let git = words.iter().enumerate().any(|(i, w)| {
            (*w == "git" || w.ends_with("/git"))
                && words[i + 1..].iter().any(|v| GIT_FETCHING.contains(v))
        });
        let downloads = words.iter().any(|w| DOWNLOADERS.contains(w));
        let pull_ref = lower.contains("refs/pull/")
            || lower.find("pull/").is_some_and(|at| {
                let rest = &lower[at..];
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                rest[..end].contains("/head") || rest[..end].contains("/merge")
            });
        let gh_pr = |verb: &str| {
            words
                .windows(3)
                .any(|w| w[0] == "gh" && w[1] == "pr" && w[2] == verb)
        };
        // `gh pr diff | git apply` puts the head's changes in the tree.
        let applies = words
            .windows(2)
            .any(|w| (w[0] == "git" || w[0].ends_with("/git")) && w[1] == "apply");
        (git && pull_ref)
            || gh_pr("checkout")
            || (gh_pr("diff") && applies)
            || ((git || downloads) && head_code && names_head(line))
            || ((git || downloads) && reads_variable(line, head_vars))
    })
}

/// `line` with each `${{ ... }}` replaced by `x`, so that the words around
/// an expression stay one word (`pull/${{ n }}/head`).
fn without_expressions(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        match rest[at..].find("}}") {
            Some(end) => {
                out.push('x');
                rest = &rest[at + end + 2..];
            }
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A line that holds an expression naming the head's code.
fn names_head(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.contains("${{") && HEAD_PROPERTIES.iter().any(|h| lower.contains(h))
}

/// `secrets: inherit` on a job that calls a third-party reusable workflow
/// (`workflow`, as written).
pub(super) fn secrets_inherit(
    text: &str,
    job: &str,
    job_node: &Node,
    workflow: &str,
    deps: &mut Deps,
) -> Result<(), ExtractError> {
    let Some((key, value)) = job_node.get("secrets", &format!("jobs.{job}"))? else {
        return Ok(());
    };
    if !matches!(value.kind, NodeKind::Scalar(_)) {
        return Ok(());
    }
    let Some(written) = scalar::string(text, value, &format!("jobs.{job}.secrets"))? else {
        return Ok(());
    };
    if written.value.trim() != "inherit" {
        return Ok(());
    }
    push(
        deps,
        fact(
            format!("secrets-inherit:jobs.{job}"),
            format!(
                "job \"{job}\" passes every secret (secrets: inherit) to the third-party \
                 workflow {workflow}"
            ),
            key.span,
            written,
        ),
    )
}
