//! `tag-moved`: a commit pin's version comment names a release tag that now
//! points elsewhere (`iacgate verify`).

use super::{rule_doc, Level, Rule};
use crate::finding::{Finding, Side};
use crate::model::short_id;
use crate::pin::{printable, RefSite};

pub const RULE: Rule = Rule {
    name: "tag-moved",
    level: Level::Block,
    summary:
        "a commit pin's version comment names a tag that now points elsewhere (iacgate verify)",
    doc: rule_doc!("tag-moved"),
};

/// The tag `tag` of the pin at `site` now names `now`; `others` still name
/// the pinned commit.
pub fn check(
    file: &str,
    text: &str,
    site: &RefSite,
    tag: &str,
    now: &str,
    others: &[String],
) -> Finding {
    let pinned = &site.reference.value;
    let tag = printable(tag);
    let still = match others {
        [] => "no tag names the pinned commit any more".to_owned(),
        tags => format!(
            "the pinned commit is still tagged {}, so either {tag} was moved or the comment \
             names the wrong release",
            tags.iter()
                .map(|t| printable(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    at_site(&RULE, file, text, site)
        .with_message(format!(
            "{} {:?}: tag {tag:?} of {} now points to {}, not to the pinned commit {}; {still}",
            site.kind.as_str(),
            site.name,
            printable(&site.remote),
            short_id(now),
            short_id(pinned),
        ))
        .with_label(format!("{tag} now points elsewhere"))
        .with_help(format!(
            "find out why the tag moved (compare {} and {} upstream); keep the pin until you know",
            short_id(pinned),
            short_id(now)
        ))
        .with_values(Some(pinned), Some(now))
}

/// A finding at a pin's ref.
pub(crate) fn at_site(rule: &'static Rule, file: &str, text: &str, site: &RefSite) -> Finding {
    let mut finding = Finding::at(
        rule,
        file,
        text,
        Side::New,
        site.reference.span,
        site.kind,
        &site.name,
    );
    finding.ecosystem = Some(site.ecosystem);
    finding.source = Some(site.source.clone());
    finding
}
