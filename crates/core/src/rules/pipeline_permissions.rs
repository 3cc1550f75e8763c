//! `pipeline-permissions`: a CI workflow gains write permissions or an
//! unsafe trigger/checkout pattern.
//!
//! The workflow extractor reports what gives a pipeline power as facts
//! ([`Kind::File`](crate::model::Kind::File) dependencies: a write scope, `write-all`, no
//! `permissions:` at all, a checkout of a pull request's head under
//! `pull_request_target` or `workflow_run`, `secrets: inherit` to a
//! third-party workflow), each named by a sentence. A fact that is new, or
//! whose value changed, is a finding; one that was already there is not.

use super::{Rule, PIPELINE_PERMISSIONS};
use crate::finding::{Finding, Side};
use crate::model::Dependency;

pub const RULE: &Rule = &PIPELINE_PERMISSIONS;

/// `old` is the fact before the change, if there was one.
pub fn check(
    file: &str,
    text: &str,
    old: Option<&Dependency>,
    new: &Dependency,
) -> Option<Finding> {
    if old.is_some_and(|old| old.version_str() == new.version_str()) {
        return None;
    }
    let span = new.version.as_ref().map_or(new.span, |v| v.span);
    Some(
        Finding::about(RULE, file, text, Side::New, span, new)
            .with_message(new.name.clone())
            .with_label("more power for the pipeline")
            .with_help(
                "grant the least that works: `permissions: contents: read` at the top and a write \
                 scope only on the job that needs it; never run a pull request's code with the \
                 base repository's token (`iacgate explain pipeline-permissions`)",
            )
            .with_values(old.and_then(|o| o.version_str()), new.version_str()),
    )
}
