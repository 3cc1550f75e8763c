//! `comment-mismatch`: a commit pin's version comment names a tag that
//! does not point to the pinned commit, while other tags do (`iacgate
//! verify`).

use super::tag_moved::{at_site, short};
use super::{rule_doc, Level, Rule};
use crate::finding::Finding;
use crate::pin::RefSite;

pub const RULE: Rule = Rule {
    name: "comment-mismatch",
    level: Level::Block,
    summary: "a commit pin's version comment names a tag that is not that commit (iacgate verify)",
    doc: rule_doc!("comment-mismatch"),
};

/// The comment of the pin at `site` says `tag`, which names `now` (or
/// nothing); the pinned commit is tagged `others`.
pub fn check(
    file: &str,
    text: &str,
    site: &RefSite,
    tag: &str,
    now: Option<&str>,
    others: &[String],
) -> Finding {
    let pinned = &site.reference.value;
    let what = match now {
        Some(now) => format!("tag {tag:?} points to {}", short(now)),
        None => format!("{} has no tag or branch {tag:?}", site.remote),
    };
    let really = match others {
        [] => "no tag of it names the pinned commit".to_owned(),
        [one] => format!("the pinned commit is {one:?}"),
        many => format!("the pinned commit is tagged {}", many.join(", ")),
    };
    let help = match others.first() {
        Some(first) => format!(
            "make the comment say what is pinned (`# {first}`), or pin the commit of {tag} if that is what was reviewed"
        ),
        None => format!(
            "pin the commit of a release and name it in the comment (`iacgate pin` does both), or remove the comment if {} is not a release",
            short(pinned)
        ),
    };
    at_site(&RULE, file, text, site)
        .with_message(format!(
            "{} \"{}\": the comment says {tag}, but {what}; {really}",
            site.kind.as_str(),
            site.name,
        ))
        .with_label(format!("not {tag}"))
        .with_help(help)
        .with_values(Some(pinned), now)
}
