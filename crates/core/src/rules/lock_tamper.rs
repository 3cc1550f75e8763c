//! `lock-tamper`: lock hashes removed or replaced while the version stayed.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::Dependency;

pub const RULE: Rule = Rule {
    name: "lock-tamper",
    level: Level::SignOff,
    summary: "a lock entry's hashes were removed or replaced while its version stayed",
    doc: rule_doc!("lock-tamper"),
};

/// Only call for the same version on both sides. Hashes only added (more
/// platforms) are normal.
pub fn check(file: &str, text: &str, old: &Dependency, new: &Dependency) -> Option<Finding> {
    let removed = old
        .hashes
        .iter()
        .filter(|h| !new.hashes.contains(h))
        .count();
    if removed == 0 {
        return None;
    }
    let added = new
        .hashes
        .iter()
        .filter(|h| !old.hashes.contains(h))
        .count();
    let version = new.version_str().unwrap_or("(no version)");
    let what = if added > 0 {
        format!("hashes replaced ({removed} removed, {added} added)")
    } else if removed == 1 {
        "1 hash removed".to_owned()
    } else {
        format!("{removed} hashes removed")
    };
    let span = new.version.as_ref().map_or(new.span, |v| v.span);
    Some(
        Finding::about(&RULE, file, text, Side::New, span, new)
            .with_message(format!(
                "lock entry {} {version} with {what} at the same version",
                new.name
            ))
            .with_label("same version, different hashes")
            .with_values(Some(version), Some(version)),
    )
}

/// `go.sum`: the entry of one module version (the version is in its key)
/// whose hashes changed at all. The go command accepts a module whose hash
/// is any one of those listed, so a hash added is as much a second
/// content as one replaced; one removed leaves the version unchecked.
pub fn check_any_change(
    file: &str,
    text: &str,
    old: &Dependency,
    new: &Dependency,
) -> Option<Finding> {
    if old.hashes == new.hashes {
        return None;
    }
    let removed = old
        .hashes
        .iter()
        .filter(|h| !new.hashes.contains(h))
        .count();
    let added = new
        .hashes
        .iter()
        .filter(|h| !old.hashes.contains(h))
        .count();
    if removed == 0 && added == 0 {
        return None;
    }
    let version = new.version_str().unwrap_or("(no version)");
    let span = new.span;
    Some(
        Finding::about(&RULE, file, text, Side::New, span, new)
            .with_message(format!(
                "go.sum entry {} {version}: hash changed at the same version ({removed} removed, \
                 {added} added); one module version has one content, and the go command accepts \
                 any hash listed",
                new.name
            ))
            .with_label("same version, different hash")
            .with_help(
                "restore the hash from the base (`git checkout <base> -- go.sum`) and let `go mod \
                 download` check it against sum.golang.org; if the module really changed, \
                 bump its version"
                    .to_owned(),
            )
            .with_values(Some(version), Some(version)),
    )
}

/// A lock entry that appeared while its provider's requirement did not
/// change: its hashes replace whatever was trusted before (an entry
/// deleted in one commit and re-added with other hashes in the next).
pub fn check_added(file: &str, text: &str, new: &Dependency) -> Finding {
    let version = new.version_str().unwrap_or("(no version)");
    let span = new.source.as_ref().map_or(new.span, |s| s.span);
    Finding::about(&RULE, file, text, Side::New, span, new)
        .with_message(format!(
            "lock entry {} {version} added while its provider requirement did not change",
            new.name
        ))
        .with_label("hashes nothing was compared with")
        .with_values(None, Some(version))
}

/// A lock entry removed while its provider is still required: the next
/// `terraform init` trusts whatever the registry serves, and the entry can
/// come back with other hashes without anything to compare them with.
pub fn check_removed(req: &super::lock_mismatch::Requirement) -> Finding {
    let dep = req.dep;
    let span = dep.source.as_ref().map_or(dep.span, |s| s.span);
    Finding::about(&RULE, req.file, req.text, Side::New, span, dep)
        .with_message(format!(
            "lock entry for provider \"{}\" ({}) removed while the provider is still required",
            dep.name, req.address
        ))
        .with_label("still required here")
}
