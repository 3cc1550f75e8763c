//! A `steps:` list (a workflow job's, a composite action's) and the keys
//! that identify its steps whatever their position.

use std::collections::HashMap;

use super::scalar;
use super::uses::Uses;
use crate::extract::yaml::Node;
use crate::extract::Deps;
use crate::model::{ExtractError, Span};

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
            continue;
        }
        let identity = uses.identity();
        let key = match step_id(step, &subject)? {
            Some(id) => format!("steps.{id}"),
            None => {
                let count = uses_count.entry(identity.clone()).or_default();
                *count += 1;
                match *count {
                    1 => identity.clone(),
                    n => format!("{identity}#{n}"),
                }
            }
        };
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

fn step_id(step: &Node, subject: &str) -> Result<Option<String>, ExtractError> {
    let Some((_, id)) = step.get("id", subject)? else {
        return Ok(None);
    };
    Ok(id
        .string(&format!("{subject}.id"))?
        .map(|id| id.value.trim().to_owned())
        .filter(|id| !id.is_empty()))
}
