//! `comment-mismatch`: a commit pin's version comment does not describe the
//! pinned commit (`iacgate verify`).

use super::tag_moved::at_site;
use super::{rule_doc, Level, Rule};
use crate::finding::Finding;
use crate::model::short_id;
use crate::pin::{printable, RefSite};

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
    let tag = printable(tag);
    let what = match now {
        Some(now) => format!("tag {tag:?} points to {}", short_id(now)),
        None => format!("{} has no tag or branch {tag:?}", printable(&site.remote)),
    };
    let others: Vec<String> = others.iter().map(|t| printable(t)).collect();
    let really = match others.as_slice() {
        [] => "no tag names the pinned commit".to_owned(),
        [one] => format!("the pinned commit is {one:?}"),
        many => format!("the pinned commit is tagged {}", many.join(", ")),
    };
    let help = match most_specific(&others) {
        Some(best) => format!(
            "make the comment say what is pinned (`# {best}`), or pin the commit of {tag} if that is what was reviewed"
        ),
        None => format!(
            "pin the commit of a release and name it in the comment (`iacgate pin` does both), or remove the comment if {} is not a release",
            short_id(pinned)
        ),
    };
    at_site(&RULE, file, text, site)
        .with_message(format!(
            "{} {:?}: the comment says {tag}, but {what}; {really}",
            site.kind.as_str(),
            site.name,
        ))
        .with_label(format!("not {tag}"))
        .with_help(help)
        .with_values(Some(pinned), now)
}

/// The floating tag `tag` (`v2`) moved on to a newer release, as such tags
/// do; `release` (`v2.0.0`) names the pinned commit. A warning: the pin is
/// what was reviewed, only the comment is stale.
pub fn floating(file: &str, text: &str, site: &RefSite, tag: &str, release: &str) -> Finding {
    let (tag, release) = (printable(tag), printable(release));
    let mut finding = at_site(&RULE, file, text, site)
        .with_message(format!(
            "{} {:?}: the comment says {tag}, a tag that moves with each release and has moved on; the pinned commit is {release}",
            site.kind.as_str(),
            site.name,
        ))
        .with_label(format!("{release}, not the current {tag}"))
        .with_help(format!(
            "write the release the pin is (`# {release}`), which stays true"
        ))
        .with_values(Some(&site.reference.value), None);
    finding.level = Level::Warn;
    finding
}

/// The tag with the most version parts (`v1.2.3` over `v1` and `latest`).
fn most_specific(tags: &[String]) -> Option<&String> {
    tags.iter().max_by_key(|t| {
        (
            t.matches('.').count(),
            t.bytes().any(|b| b.is_ascii_digit()),
        )
    })
}
