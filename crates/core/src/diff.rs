//! Old vs new dependencies of one file, matched by identity.

use std::collections::HashMap;

use crate::model::Dependency;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyChange<'a> {
    Added(&'a Dependency),
    Removed(&'a Dependency),
    Changed {
        old: &'a Dependency,
        new: &'a Dependency,
    },
}

/// Pair up dependencies by key. Only values count: spans, quoting and
/// formatting do not, so a reformat or a moved block yields nothing.
/// Output order: the new file's order, then removals in the old file's order.
pub fn diff<'a>(old: &'a [Dependency], new: &'a [Dependency]) -> Vec<DependencyChange<'a>> {
    let old_by_key: HashMap<&str, &Dependency> = old.iter().map(|d| (d.key.as_str(), d)).collect();
    let new_keys: HashMap<&str, ()> = new.iter().map(|d| (d.key.as_str(), ())).collect();
    let mut changes = Vec::new();
    for dep in new {
        match old_by_key.get(dep.key.as_str()) {
            None => changes.push(DependencyChange::Added(dep)),
            Some(old) if !same_values(old, dep) => {
                changes.push(DependencyChange::Changed { old, new: dep })
            }
            Some(_) => {}
        }
    }
    for dep in old {
        if !new_keys.contains_key(dep.key.as_str()) {
            changes.push(DependencyChange::Removed(dep));
        }
    }
    changes
}

/// Whether two dependencies say the same thing (spans aside). A pin that
/// changed without a visible change of source or version (a hash dropped
/// from a requirement, a second versionId) is a change too.
pub fn same_values(a: &Dependency, b: &Dependency) -> bool {
    a.kind == b.kind
        && a.source_str() == b.source_str()
        && a.version_str() == b.version_str()
        && a.constraints == b.constraints
        && a.hashes == b.hashes
        && a.pin == b.pin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ecosystem, Kind, Span, Spanned};

    fn module(label: &str, source: &str, version: Option<&str>, at: usize) -> Dependency {
        let mut d = Dependency::new(
            Ecosystem::Terraform,
            Kind::Module,
            format!("module.{label}"),
            label.to_owned(),
            Span::new(at, at + 1),
        );
        d.source = Some(Spanned::new(source.to_owned(), Span::new(at, at + 5)));
        d.version = version.map(|v| Spanned::new(v.to_owned(), Span::new(at + 9, at + 12)));
        d
    }

    #[test]
    fn moved_or_reformatted_blocks_are_not_changes() {
        let old = [
            module("a", "x/y/aws", Some("1.0.0"), 0),
            module("b", "./b", None, 40),
        ];
        let new = [
            module("b", "./b", None, 3),
            module("a", "x/y/aws", Some("1.0.0"), 100),
        ];
        assert!(diff(&old, &new).is_empty());
    }

    #[test]
    fn added_changed_removed() {
        let old = [
            module("a", "x/y/aws", Some("1.0.0"), 0),
            module("gone", "./g", None, 9),
        ];
        let new = [
            module("a", "x/y/aws", Some("1.1.0"), 0),
            module("c", "./c", None, 9),
        ];
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 3);
        assert!(matches!(changes[0], DependencyChange::Changed { new, .. } if new.name == "a"));
        assert!(matches!(changes[1], DependencyChange::Added(d) if d.name == "c"));
        assert!(matches!(changes[2], DependencyChange::Removed(d) if d.name == "gone"));
    }
}
