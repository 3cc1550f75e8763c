//! A push or a range judged as a whole. Each commit is judged against its
//! parent, and that alone lets a push walk around a sign-off: remove a
//! dependency in one commit, add it back at another version or source in
//! the next, and the commits show only a removal and an addition. So the
//! net change from the push's base to its tip is judged too, and what it
//! shows that the commits did not is decided here.
//!
//! A net finding needs no second look when the commits already decided it:
//! the same finding was reported by a commit, or a chain of commits' findings
//! of the same rule about the same dependency leads from its old value to
//! its new one (5.4 -> 5.5 in one commit, 5.5 -> 5.6 in the next), each
//! signed off or blocking on its own. What is left needs a sign-off that
//! saw where the dependency ends: a reviewer trailer on the last commit of
//! the range whose own findings name it (the commit that re-added it), or, under
//! `require_signature`, a signed approval of exactly the net delta on any
//! commit of the range (`iacgate approve --range`).

use crate::approval::{ApprovalToken, Delta, SignatureCheck};
use crate::finding::Finding;
use crate::model::short_id;
use crate::policy::SignoffPolicy;
use crate::signoff::{self, Stage};

/// Whether two findings are about the same dependency.
fn same_dependency(a: &Finding, b: &Finding) -> bool {
    a.file == b.file && a.ecosystem == b.ecosystem && a.kind == b.kind && a.name == b.name
}

/// Whether the commits' own findings already account for `net`: the same
/// rule about the same dependency, in one step or in a chain of steps from
/// `net.old` to `net.new`.
fn explained(net: &Finding, per_commit: &[Finding]) -> bool {
    let steps: Vec<(&Option<String>, &Option<String>)> = per_commit
        .iter()
        .filter(|f| f.rule.name == net.rule.name && same_dependency(f, net))
        .map(|f| (&f.old, &f.new))
        .collect();
    let mut reached = vec![&net.old];
    let mut next = 0;
    while let Some(&at) = reached.get(next) {
        next += 1;
        for &(old, new) in &steps {
            if old == at && !reached.contains(&new) {
                reached.push(new);
            }
        }
    }
    reached.contains(&&net.new)
}

/// The net findings that need a decision of their own: those that need a
/// sign-off and that the commits' findings do not already account for.
pub fn unexplained(net: Vec<Finding>, per_commit: &[Finding]) -> Vec<Finding> {
    net.into_iter()
        .filter(|f| f.needs_signoff() && !f.suppressed)
        .filter(|f| !explained(f, per_commit))
        .collect()
}

/// The commit of the range that gave the dependency of `net` its final
/// value: the last whose own findings name it (the commit that added it
/// back). Its reviewer saw where the dependency ends; a reviewer of an
/// earlier step saw only a value it no longer has.
pub fn witnesses<'f>(net: &Finding, per_commit: &'f [Finding]) -> Vec<&'f str> {
    per_commit
        .iter()
        .rev()
        .filter(|f| same_dependency(f, net))
        .find_map(|f| f.commit.as_deref())
        .into_iter()
        .collect()
}

/// The range a net judgement covers, for its messages.
#[derive(Debug, Clone, Copy)]
pub struct Span<'a> {
    pub base: &'a str,
    pub tip: &'a str,
}

/// Decides the net findings of a range: drops what the commits decided
/// already ([`unexplained`]) and signs off the rest where a commit of the
/// range may cover it. `stages` holds each commit of the range with the
/// stage it was judged at (its message, author and signature); `delta` is
/// the delta of the findings this returns, over which signed approvals are
/// checked (`verify`, as in [`signoff::evaluate`]).
pub fn decide<E>(
    net: Vec<Finding>,
    per_commit: &[Finding],
    stages: &[(String, Stage)],
    policy: &SignoffPolicy,
    delta: &Delta,
    span: Span,
    mut verify: impl FnMut(&str, &ApprovalToken, &[u8]) -> Result<SignatureCheck, E>,
) -> Result<Vec<Finding>, E> {
    let mut kept = unexplained(net, per_commit);
    for finding in &mut kept {
        let seen = witnesses(finding, per_commit);
        let candidates = stages
            .iter()
            .filter(|(id, _)| policy.require_signature || seen.iter().any(|seen| seen == id));
        let mut decided = None;
        for (_, stage) in candidates {
            let mut one = [finding.clone()];
            signoff::apply(&mut one, stage, policy, delta, &mut verify)?;
            let [one] = one;
            if one.signed_off || matches!(stage, Stage::PreCommit | Stage::NoMessage) {
                decided = Some(one);
                break;
            }
        }
        let range = format!("{}..{}", short_id(span.base), short_id(span.tip));
        match decided {
            Some(one) => {
                *finding = one;
                finding.message = format!("the range {range} as a whole: {}", finding.message);
            }
            None => {
                finding.message = format!(
                    "the range {range} as a whole: {}, which no commit of it signs off",
                    finding.message
                );
                finding.help = help(policy, &seen, &range);
            }
        }
    }
    Ok(kept)
}

/// What to do about a net finding nobody signed off.
fn help(policy: &SignoffPolicy, seen: &[&str], range: &str) -> String {
    if policy.require_signature {
        return format!(
            "ask a reviewer to run `iacgate approve --range {range}` and add the two trailers it prints for the range to one of its commits (`git rebase -i` and reword it)"
        );
    }
    let trailer = policy
        .trailers
        .first()
        .map_or("Reviewed-by", String::as_str);
    let commits = match seen {
        [] => "the commit of the range that adds it".to_owned(),
        _ => seen
            .iter()
            .map(|id| short_id(id))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "the commits in between hide this change: add `{trailer}: Name <email>` to the commit of the range that last changes this dependency ({commits}) with `git rebase -i` and reword it"
    )
}

/// The deletion of a protected ref at the server (policy `[push]
/// protected`; by default the repository's default branch): every
/// dependency it held is gone from it, and a branch deleted and pushed
/// again at an older commit would put them all back to older versions. It
/// needs a sign-off, given as push options (`git push -o "Reviewed-by: Name
/// <email>"`), since there is no commit to carry a trailer. `None` when
/// the policy switches `policy-change` off.
pub fn deletion(refname: &str, old: &str, policy: &crate::policy::Policy) -> Option<Finding> {
    use crate::rules::policy_change;
    let level = policy.level(&policy_change::RULE)?;
    let mut finding = Finding::at(
        &policy_change::RULE,
        refname,
        "",
        crate::finding::Side::Old,
        crate::model::Span::new(0, 0),
        crate::model::Kind::Policy,
        refname,
    );
    finding.level = level;
    finding.old = Some(old.to_owned());
    finding.message = format!(
        "the deletion of the protected ref {refname} (at {}; pushed again at an older commit, it would bring old dependencies back)",
        short_id(old)
    );
    finding.label = "deleted".to_owned();
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ecosystem, Kind, Span as TextSpan};
    use crate::rules::{Level, Rule};
    use crate::signoff::CommitContext;

    fn rule(name: &str) -> &'static Rule {
        crate::rules::ALL
            .iter()
            .copied()
            .find(|r| r.name == name)
            .expect("a rule of that name")
    }

    fn finding(rule_name: &str, old: &str, new: &str, commit: Option<&str>) -> Finding {
        let mut f = Finding::at(
            rule(rule_name),
            "main.tf",
            "module \"vpc\" {}\n",
            crate::finding::Side::New,
            TextSpan::new(0, 6),
            Kind::Module,
            "vpc",
        );
        f.ecosystem = Some(Ecosystem::Terraform);
        f.old = Some(old.to_owned());
        f.new = Some(new.to_owned());
        f.commit = commit.map(str::to_owned);
        f.level = rule(rule_name).level;
        f
    }

    fn signed(id: &str, reviewer: Option<&str>) -> (String, Stage) {
        let trailers = reviewer
            .map(|r| vec![("Reviewed-by".to_owned(), format!("R <{r}>"))])
            .unwrap_or_default();
        (
            id.to_owned(),
            Stage::Message {
                context: CommitContext {
                    id: Some(id.to_owned()),
                    author_email: Some("author@example.com".to_owned()),
                    trailers,
                    ..CommitContext::default()
                },
                existing_commit: true,
            },
        )
    }

    fn decide_plain(
        net: Vec<Finding>,
        per_commit: &[Finding],
        stages: &[(String, Stage)],
    ) -> Vec<Finding> {
        let policy = SignoffPolicy::default();
        let delta = Delta::of(&net, |_| Default::default());
        let span = Span {
            base: "b".repeat(40).leak(),
            tip: "t".repeat(40).leak(),
        };
        decide(net, per_commit, stages, &policy, &delta, span, |_, _, _| {
            Ok::<_, ()>(SignatureCheck::Verified(None))
        })
        .unwrap()
    }

    #[test]
    fn a_change_the_commits_reported_is_not_reported_again() {
        let per_commit = [finding("version-change", "5.4.0", "5.5.0", Some("c1"))];
        let net = vec![finding("version-change", "5.4.0", "5.5.0", None)];
        assert!(decide_plain(net, &per_commit, &[signed("c1", None)]).is_empty());
    }

    #[test]
    fn a_chain_of_steps_accounts_for_the_whole() {
        let per_commit = [
            finding("version-change", "5.4.0", "5.5.0", Some("c1")),
            finding("version-change", "5.5.0", "5.6.0", Some("c2")),
        ];
        let net = vec![finding("version-change", "5.4.0", "5.6.0", None)];
        assert!(unexplained(net, &per_commit).is_empty());
        // A chain that does not reach the net value does not account for it.
        let net = vec![finding("version-change", "5.4.0", "9.9.9", None)];
        assert_eq!(unexplained(net, &per_commit).len(), 1);
    }

    #[test]
    fn a_removal_and_re_addition_needs_a_sign_off_on_the_commit_that_saw_it() {
        let mut added = finding("new-dependency", "", "6.0.0", Some("c2"));
        added.level = Level::Warn;
        let per_commit = [added];
        let net = || vec![finding("version-change", "5.4.0", "6.0.0", None)];
        // Nobody signed: it blocks, and says which commit may carry the trailer.
        let stages = [signed("c1", None), signed("c2", None)];
        let out = decide_plain(net(), &per_commit, &stages);
        assert_eq!(out.len(), 1);
        assert!(out[0].is_blocking());
        assert!(out[0].help.contains("c2"), "{}", out[0].help);
        assert!(out[0].message.contains("as a whole"), "{}", out[0].message);
        // A sign-off on a commit that never named the dependency does not count.
        let stages = [signed("c1", Some("rev@example.com")), signed("c2", None)];
        assert!(decide_plain(net(), &per_commit, &stages)[0].is_blocking());
        // On the commit that re-added it, it does.
        let stages = [signed("c1", None), signed("c2", Some("rev@example.com"))];
        let out = decide_plain(net(), &per_commit, &stages);
        assert!(out[0].signed_off && !out[0].is_blocking());
    }

    #[test]
    fn a_sign_off_of_an_earlier_step_does_not_cover_where_the_dependency_ends() {
        // c1 bumps 5.4 -> 5.5 (signed), c2 removes it, c3 adds it at 6.0.
        let mut bump = finding("version-change", "5.4.0", "5.5.0", Some("c1"));
        bump.signed_off = true;
        let mut added = finding("new-dependency", "", "6.0.0", Some("c3"));
        added.level = Level::Warn;
        let per_commit = [bump, added];
        let net = vec![finding("version-change", "5.4.0", "6.0.0", None)];
        let stages = [
            signed("c1", Some("rev@example.com")),
            signed("c2", None),
            signed("c3", None),
        ];
        let out = decide_plain(net, &per_commit, &stages);
        assert!(out[0].is_blocking(), "{}", out[0].message);
    }
}
