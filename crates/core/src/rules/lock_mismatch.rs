//! `lock-mismatch`: the lock file and the constraints disagree.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::Dependency;
use crate::version::{Constraints, Version};

pub const RULE: Rule = Rule {
    name: "lock-mismatch",
    level: Level::Warn,
    summary: "the lock file and the constraints disagree",
    doc: rule_doc!("lock-mismatch"),
};

/// A `required_providers` entry of one directory, with where it is written.
pub struct Requirement<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub dep: &'a Dependency,
    /// Host-less registry address, `hashicorp/aws`.
    pub address: String,
}

/// The directory's lock file, as it will be committed.
pub struct LockFile<'a> {
    pub file: &'a str,
    /// Lock entries keyed by host-less address.
    pub entries: Vec<(String, &'a Dependency)>,
}

/// Check one requirement against the lock file of its directory.
pub fn check(req: &Requirement, lock: &LockFile) -> Option<Finding> {
    let dep = req.dep;
    let Some((_, entry)) = lock.entries.iter().find(|(a, _)| *a == req.address) else {
        let span = dep.source.as_ref().map_or(dep.span, |s| s.span);
        return Some(
            Finding::about(&RULE, req.file, req.text, Side::New, span, dep)
                .with_message(format!(
                    "provider \"{}\" ({}) has no entry in {}",
                    dep.name, req.address, lock.file
                ))
                .with_label("not in the lock file")
                .with_help(init_help(lock.file)),
        );
    };
    let constraint = dep.version.as_ref()?;
    let locked = entry.version_str()?;
    let (Ok(constraints), Ok(version)) = (
        Constraints::parse(&constraint.value),
        Version::parse(locked),
    ) else {
        return None;
    };
    if constraints.matches(&version) {
        return None;
    }
    Some(
        Finding::about(&RULE, req.file, req.text, Side::New, constraint.span, dep)
            .with_message(format!(
                "provider \"{}\" requires \"{}\" but {} locks {locked}",
                dep.name, constraint.value, lock.file
            ))
            .with_label(format!("locked: {locked}"))
            .with_help(init_help(lock.file))
            .with_values(Some(locked), Some(&constraint.value)),
    )
}

fn init_help(lock_file: &str) -> String {
    format!("run `terraform init -upgrade` (or `tofu init -upgrade`) and commit {lock_file}")
}
