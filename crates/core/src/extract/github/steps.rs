//! A `steps:` list (a workflow job's, a composite action's) and the keys
//! that identify its steps whatever their position.

use std::collections::HashMap;

use super::scalar;
use super::uses::{ref_pin, Uses};
use crate::extract::yaml::Node;
use crate::extract::Deps;
use crate::model::{Dependency, Ecosystem, ExtractError, Kind, PinState, Span, Spanned};

/// A step that uses a third-party action or image.
pub(super) struct Step<'n> {
    /// The step's key under its job: `steps.<id>`, or the identity of what
    /// it uses (`actions/checkout`), `#2`, `#3` from its second use on.
    pub key: String,
    /// `owner/repo[/path]` or `docker://<repository>`, lowercased.
    pub identity: String,
    pub node: &'n Node,
    /// Its position in `steps:`.
    pub index: usize,
}

/// Pushes the dependency of every step of `list` that uses something
/// third-party; `prefix` (`jobs.<job>`, `runs`) starts their keys.
pub(super) fn steps<'n>(
    text: &str,
    list: &'n Node,
    prefix: &str,
    deps: &mut Deps,
) -> Result<Vec<Step<'n>>, ExtractError> {
    let mut uses_count: HashMap<String, usize> = HashMap::new();
    let mut found = Vec::new();
    let mut checkouts: Vec<Checkout> = Vec::new();
    for (index, step) in list.items(&format!("{prefix}.steps"))?.iter().enumerate() {
        let subject = format!("{prefix}.steps[{index}]");
        if !step.is_map() {
            return Err(ExtractError::new(
                format!("{subject}: a step must be a mapping (with uses: or run:)"),
                step.span.start,
            ));
        }
        let Some((uses_key, uses_node)) = step.get("uses", &subject)? else {
            continue;
        };
        let uses = Uses::parse(text, uses_node, &format!("{subject}.uses"))?;
        if matches!(uses, Uses::Local) {
            let Some(local) = uses_node.string(&subject)? else {
                continue;
            };
            let entry = Span::new(uses_key.span.start, scalar::end(text, uses_node));
            if let Some(dep) = local_in_checkout(&checkouts, &local.value, entry) {
                let identity = dep.name.to_ascii_lowercase();
                let key = step_key(step, &subject, &identity, &mut uses_count)?;
                let mut dep = dep;
                dep.key = format!("{prefix}.{key}");
                deps.push(dep, |dep| format!("{} is declared twice", dep.key))?;
            }
            continue;
        }
        let identity = uses.identity();
        if identity == "actions/checkout" {
            checkout(text, step, &subject, &mut checkouts)?;
        }
        let key = step_key(step, &subject, &identity, &mut uses_count)?;
        let entry = Span::new(uses_key.span.start, scalar::end(text, uses_node));
        if let Some(dep) = uses.dependency(text, format!("{prefix}.{key}"), entry) {
            deps.push(dep, |dep| match key.strip_prefix("steps.") {
                Some(id) => format!("{prefix}: two steps have the id \"{id}\""),
                None => format!("{} is declared twice", dep.key),
            })?;
        }
        found.push(Step {
            key,
            identity,
            node: step,
            index,
        });
    }
    Ok(found)
}

fn step_key(
    step: &Node,
    subject: &str,
    identity: &str,
    uses_count: &mut HashMap<String, usize>,
) -> Result<String, ExtractError> {
    Ok(match step_id(step, subject)? {
        Some(id) => format!("steps.{id}"),
        None => {
            let count = uses_count.entry(identity.to_owned()).or_default();
            *count += 1;
            match *count {
                1 => identity.to_owned(),
                n => format!("{identity}#{n}"),
            }
        }
    })
}

/// Another repository that an `actions/checkout` step put in the
/// workspace: `with: repository:` at `with: ref:` (none: its default
/// branch) under `with: path:`.
struct Checkout {
    /// The workspace directory, normalised (`""`: the workspace itself);
    /// `None` when it is an expression, which may be any directory.
    path: Option<String>,
    repository: Spanned<String>,
    reference: Option<Spanned<String>>,
}

/// Records what an `actions/checkout` step puts where: another
/// repository, or this one (which replaces what was checked out there).
fn checkout(
    text: &str,
    step: &Node,
    subject: &str,
    checkouts: &mut Vec<Checkout>,
) -> Result<(), ExtractError> {
    let with = match step.get("with", subject)? {
        Some((_, with)) if with.is_map() => Some(with),
        _ => None,
    };
    let input = |name: &str| -> Result<Option<Spanned<String>>, ExtractError> {
        let Some(with) = with else {
            return Ok(None);
        };
        let subject = format!("{subject}.with.{name}");
        match with.get(name, &subject)? {
            Some((_, node)) => Ok(scalar::string(text, node, &subject)?
                .map(|v| Spanned::new(v.value.trim().to_owned(), v.span))
                .filter(|v| !v.value.is_empty())),
            None => Ok(None),
        }
    };
    let repository = input("repository")?;
    let reference = input("ref")?;
    let path = match input("path")? {
        Some(p) if p.value.contains("${{") => None,
        Some(p) => crate::local::normal_path(&p.value),
        None => Some(String::new()),
    };
    // What is checked out at a directory replaces what was under it.
    if let Some(at) = &path {
        checkouts.retain(|c| c.path.as_deref().is_some_and(|p| !under(p, at)));
    }
    let this_repository = repository.as_ref().is_none_or(|r| {
        let compact: String = r.value.split_whitespace().collect();
        compact.eq_ignore_ascii_case("${{github.repository}}")
    });
    if let (false, Some(repository)) = (this_repository, repository) {
        checkouts.push(Checkout {
            path,
            repository,
            reference,
        });
    }
    Ok(())
}

/// Whether `path` is `dir` or lies under it (`dir` `""`: the workspace).
fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// A `uses: ./<path>` inside another repository's checkout is that
/// repository's action at the checkout's ref: a dependency, pinned only by
/// a full commit sha. The deepest checkout that holds the path wins; an
/// expression `path:` may hold any.
fn local_in_checkout(checkouts: &[Checkout], local: &str, entry: Span) -> Option<Dependency> {
    let path = crate::local::normal_path(local.trim());
    let holds = |c: &&Checkout| match (&c.path, &path) {
        (Some(dir), Some(path)) => under(path, dir),
        _ => true,
    };
    let checkout = checkouts
        .iter()
        .rev()
        .filter(holds)
        .max_by_key(|c| c.path.as_ref().map_or(usize::MAX, String::len))?;
    let inner = match (&checkout.path, &path) {
        (Some(dir), Some(path)) => path
            .strip_prefix(dir.as_str())
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_owned(),
        _ => local.trim().to_owned(),
    };
    let repository = &checkout.repository;
    let name = if inner.is_empty() {
        repository.value.clone()
    } else {
        format!("{}/{inner}", repository.value)
    };
    let mut dep = Dependency::new(
        Ecosystem::GitHubActions,
        Kind::Action,
        String::new(),
        name,
        entry,
    );
    dep.source = Some(Spanned::new(
        repository.value.to_ascii_lowercase(),
        repository.span,
    ));
    dep.pin = match &checkout.reference {
        _ if repository.value.contains("${{") => PinState::Unpinned(format!(
            "`{local}` runs an action of the repository `{}` that an earlier step checked out, \
             which is built from a GitHub expression and cannot be resolved statically",
            repository.value
        )),
        Some(reference) => match ref_pin(&reference.value) {
            PinState::Pinned => PinState::Pinned,
            PinState::Tagged(why) => PinState::Tagged(format!(
                "`{local}` runs an action of {} checked out by an earlier step: {why}",
                repository.value
            )),
            PinState::Unpinned(why) => PinState::Unpinned(format!(
                "`{local}` runs an action of {} checked out by an earlier step: {why}",
                repository.value
            )),
            PinState::Derived => PinState::Derived,
        },
        None => PinState::Unpinned(format!(
            "`{local}` runs an action of {} checked out by an earlier step without `ref:` \
             (its default branch); check it out at a 40-hex commit sha",
            repository.value
        )),
    };
    dep.version = checkout.reference.clone();
    Some(dep)
}

fn step_id(step: &Node, subject: &str) -> Result<Option<String>, ExtractError> {
    let Some((_, id)) = step.get("id", subject)? else {
        return Ok(None);
    };
    Ok(id
        .string(&format!("{subject}.id"))?
        .map(|id| id.value.trim().to_owned())
        .filter(|id| !id.is_empty()))
}
