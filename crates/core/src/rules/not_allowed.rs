//! `not-allowed`: a dependency from outside the policy's allowlist.

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::Dependency;
use crate::policy::Allowlist;

pub const RULE: Rule = Rule {
    name: "not-allowed",
    level: Level::Block,
    summary: "a dependency's source or provider is outside the policy allowlist",
    doc: rule_doc!("not-allowed"),
};

/// `list` is `[allow] modules` or `[allow] providers`; `address` the
/// dependency's source address.
pub fn check(
    file: &str,
    text: &str,
    dep: &Dependency,
    address: &str,
    list: &Allowlist,
    list_name: &str,
) -> Option<Finding> {
    if list.allows(address) {
        return None;
    }
    let span = dep.source.as_ref().map_or(dep.span, |s| s.span);
    let repository = address.split_once("://").map_or(address, |(_, rest)| rest);
    let repository = repository.split_once("//").map_or(repository, |(a, _)| a);
    let (message, help) = match list.look_alike(address) {
        _ if crate::address::is_suspicious(repository) => (
            format!(
                "{} \"{}\" comes from {address}, whose `.`/`..` segments or escapes may be read as \
                 another place than the text says, so no allowlist pattern matches it",
                dep.kind.as_str(),
                dep.name
            ),
            "write the address without dot segments or escaped `.`, `/` and `\\`".to_owned(),
        ),
        Some(allowed) => (
            format!(
                "{} \"{}\" comes from {address}, which is not allowed and looks like the allowed `{allowed}`",
                dep.kind.as_str(),
                dep.name
            ),
            format!("check the spelling against `{allowed}`: a look-alike name is how typosquatting works"),
        ),
        None => (
            format!(
                "{} \"{}\" comes from {address}, which is not in the allowlist",
                dep.kind.as_str(),
                dep.name
            ),
            format!(
                "use an allowed source, or add a pattern to `[allow] {list_name}` in .iacgate.toml in a change of its own (it needs a sign-off)"
            ),
        ),
    };
    Some(
        Finding::about(&RULE, file, text, Side::New, span, dep)
            .with_message(message)
            .with_label("not allowed")
            .with_help(help),
    )
}
