//! Reviewer sign-off: do a commit's trailers clear the findings that need one?

use crate::approval::{self, ApprovalToken, Delta, SignatureCheck};
use crate::finding::Finding;
use crate::model::short_id;
use crate::policy::SignoffPolicy;

/// What is known about the commit whose change is judged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitContext {
    /// The commit's id; `None` for the commit being made.
    pub id: Option<String>,
    pub author_email: Option<String>,
    /// `(key, value)` pairs as git parses them from the message.
    pub trailers: Vec<(String, String)>,
    /// Only read when the policy says `require_signed_commit`.
    pub signature: CommitSignature,
}

/// The commit's own signature, as far as it can be known where the check
/// runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CommitSignature {
    /// Not checked: the commit does not exist yet (commit-msg) and git is
    /// set up to sign it; the push, server and CI gates verify it.
    #[default]
    NotYetMade,
    /// The commit being made will not be signed (`commit.gpgsign` is off).
    WillNotBeSigned,
    /// `git verify-commit` accepts it.
    Good,
    /// Signed, but `git verify-commit` rejects it, with its reason.
    Bad(String),
    Unsigned,
}

/// When the judgement happens, which decides what a missing sign-off means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// pre-commit: the message does not exist yet, so sign-off findings are
    /// reported as pending and do not fail.
    PreCommit,
    /// The message is known: a commit being made (commit-msg, or
    /// `check --staged --message`), or an existing commit.
    Message {
        context: CommitContext,
        existing_commit: bool,
    },
    /// `check --staged` without `--message`: nobody signed anything.
    NoMessage,
}

/// The outcome of reading a commit's trailers against the policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignoffVerdict {
    /// Emails of the reviewers that count.
    pub reviewers: Vec<String>,
    /// Trailers that looked like sign-offs but do not count, with why.
    pub rejected: Vec<String>,
    pub satisfied: bool,
}

/// Reads the trailers of `context` under `policy`. Under `require_signature`
/// only approvals whose signature verifies over `delta` count: `verify`
/// checks one (principal, approval, signed bytes) with `ssh-keygen`, which
/// the caller runs, and `E` is why it could not run. Otherwise every
/// reviewer trailer counts and `verify` is not called.
/// The most approval pairs read from one message: a reviewer needs one,
/// `required` a few; each costs ssh-keygen runs.
const MAX_APPROVALS: usize = 16;

pub fn evaluate<E>(
    policy: &SignoffPolicy,
    context: &CommitContext,
    delta: &Delta,
    mut verify: impl FnMut(&str, &ApprovalToken, &[u8]) -> Result<SignatureCheck, E>,
) -> Result<SignoffVerdict, E> {
    let author = context
        .author_email
        .as_deref()
        .map(|a| a.trim().trim_end_matches('.').to_ascii_lowercase());
    let mut verdict = SignoffVerdict::default();
    // Whether `email` (from `trailer`) may count at all: the rules that
    // hold with or without signatures.
    let admissible = |verdict: &mut SignoffVerdict, trailer: &str, email: &str| {
        if policy.distinct_from_author && author.as_deref() == Some(email) {
            verdict.rejected.push(format!(
                "`{trailer}` names the commit author, who cannot review their own change"
            ));
            return false;
        }
        if !policy.reviewer_allowed(email) {
            verdict.rejected.push(format!(
                "`{trailer}` is not an allowed reviewer ([signoff] reviewers = {:?})",
                policy.reviewers
            ));
            return false;
        }
        true
    };
    if policy.require_signature {
        let claims = approval::claims(&context.trailers, &policy.trailers);
        let message = delta.to_bytes();
        if claims.claims.len() > MAX_APPROVALS {
            verdict.rejected.push(format!(
                "the message carries {} approvals; only the first {MAX_APPROVALS} are read",
                claims.claims.len()
            ));
        }
        let mut keys: Vec<String> = Vec::new();
        let mut seen: Vec<(String, String)> = Vec::new();
        for claim in claims.claims.into_iter().take(MAX_APPROVALS) {
            // Enough reviewers: the rest need no ssh-keygen run.
            if verdict.reviewers.len() >= policy.required {
                break;
            }
            let reviewer = claim.reviewer;
            let Some(email) = claim.email.filter(|e| approval::is_principal(e)) else {
                verdict.rejected.push(format!(
                    "`{reviewer}` has no <email> an approval can be checked for"
                ));
                continue;
            };
            let token = match claim.token {
                Ok(token) => token,
                Err(why) => {
                    verdict.rejected.push(format!(
                        "the `{}:` trailer after `{reviewer}` {why}",
                        approval::TRAILER
                    ));
                    continue;
                }
            };
            let lower = email.to_ascii_lowercase();
            if !admissible(&mut verdict, &reviewer, &lower) {
                continue;
            }
            let pair = (lower.clone(), token.render());
            if seen.contains(&pair) {
                continue;
            }
            seen.push(pair);
            match verify(&email, &token, &message)? {
                SignatureCheck::Verified(key) => {
                    // One key is one reviewer, whatever emails it is
                    // listed for.
                    if let Some(key) = key {
                        if keys.contains(&key) {
                            verdict.rejected.push(format!(
                                "the approval of `{reviewer}` is signed with a key that already approved as another reviewer ({key}): one key counts once"
                            ));
                            continue;
                        }
                        keys.push(key);
                    }
                    if !verdict.reviewers.contains(&lower) {
                        verdict.reviewers.push(lower);
                    }
                }
                SignatureCheck::KeyNotListed(why) => verdict.rejected.push(format!(
                    "the approval of `{reviewer}` is signed with a key that is not listed for {email}: {why}"
                )),
                SignatureCheck::DoesNotVerify(why) => {
                    verdict.rejected.push(match not_covered(delta, &token) {
                        Some(difference) => format!(
                            "the approval of `{reviewer}` covers a different delta: {difference}"
                        ),
                        None => format!(
                            "the signature of the approval of `{reviewer}` does not verify ({why}): it was altered, or not made by that key"
                        ),
                    })
                }
                SignatureCheck::Unavailable(why) => verdict.rejected.push(format!(
                    "the approval of `{reviewer}` cannot be checked: {why}"
                )),
            }
        }
        for reviewer in claims.unsigned {
            verdict.rejected.push(format!(
                "`{reviewer}` is not a signed approval ([signoff] require_signature = true): \
                 the `{}:` trailer `iacgate approve` prints must follow it",
                approval::TRAILER
            ));
        }
        if claims.stray > 0 {
            verdict.rejected.push(format!(
                "an `{}:` trailer must come right after the reviewer's `Approved-by: Name <email>` trailer",
                approval::TRAILER
            ));
        }
    } else {
        // A message of tens of thousands of trailers is read once, in
        // linear time, and no further than the reviewers the policy needs.
        let mut seen = std::collections::HashSet::new();
        for (key, value) in &context.trailers {
            if verdict.reviewers.len() >= policy.required.max(1) {
                break;
            }
            if !policy.trailers.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                continue;
            }
            let trailer = format!("{key}: {value}");
            let Some(email) = email_of(value) else {
                if verdict.rejected.len() < MAX_APPROVALS {
                    verdict.rejected.push(format!("`{trailer}` has no <email>"));
                }
                continue;
            };
            let email = email.to_ascii_lowercase();
            if seen.contains(&email) {
                continue;
            }
            let mut rejected = std::mem::take(&mut verdict.rejected);
            let ok = admissible(&mut verdict, &trailer, &email);
            if verdict.rejected.len() + rejected.len() <= MAX_APPROVALS {
                rejected.append(&mut verdict.rejected);
            }
            verdict.rejected = rejected;
            seen.insert(email.clone());
            if ok {
                verdict.reviewers.push(email);
            }
        }
    }
    verdict.satisfied = verdict.reviewers.len() >= policy.required.max(1);
    if policy.require_signed_commit {
        let problem = match &context.signature {
            CommitSignature::NotYetMade | CommitSignature::Good => None,
            CommitSignature::WillNotBeSigned => Some(
                "the policy requires a signed commit and this one will not be signed (set `git config commit.gpgsign true`)".to_owned(),
            ),
            CommitSignature::Unsigned => {
                Some("the policy requires a signed commit and this one is not signed".to_owned())
            }
            CommitSignature::Bad(reason) => Some(format!(
                "the policy requires a signed commit and `git verify-commit` rejects this one: {reason}"
            )),
        };
        if let Some(problem) = problem {
            verdict.satisfied = false;
            verdict.rejected.insert(0, problem);
        }
    }
    Ok(verdict)
}

/// How an approval's locators differ from the delta's: the findings it does
/// not cover, and how many it covers that the change no longer has. `None`
/// when they name the same findings.
fn not_covered(delta: &Delta, token: &ApprovalToken) -> Option<String> {
    let expected = delta.locators();
    if token.locators == expected {
        return None;
    }
    let missing: Vec<&str> = delta
        .entries()
        .iter()
        .zip(&expected)
        .filter(|(_, locator)| !token.locators.contains(locator))
        .map(|(entry, _)| entry.summary.as_str())
        .collect();
    let gone = token
        .locators
        .iter()
        .filter(|l| !expected.contains(l))
        .count();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("not covered: {}", missing.join("; ")));
    }
    if gone > 0 {
        parts.push(format!(
            "it approves {gone} finding{} this change does not have",
            if gone == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        parts.push("the same findings in another order or number".to_owned());
    }
    Some(parts.join("; "))
}

/// `Jane Doe <jane@example.com>` -> `jane@example.com`.
pub(crate) fn email_of(value: &str) -> Option<&str> {
    let start = value.find('<')? + 1;
    let end = start + value[start..].find('>')?;
    // A trailing dot names the same mail domain: `bob@example.com.`.
    let email = value[start..end].trim().trim_end_matches('.');
    (email.contains('@') && !email.contains(char::is_whitespace)).then_some(email)
}

/// Mark the findings that need a sign-off as signed off, pending or
/// missing, say so at the end of their message, and give each the exact fix.
/// `delta` is the change's [`Delta`], over which approvals must be signed
/// under `require_signature` (see [`evaluate`] for `verify`).
pub fn apply<E>(
    findings: &mut [Finding],
    stage: &Stage,
    policy: &SignoffPolicy,
    delta: &Delta,
    verify: impl FnMut(&str, &ApprovalToken, &[u8]) -> Result<SignatureCheck, E>,
) -> Result<(), E> {
    if !findings.iter().any(Finding::needs_signoff) {
        return Ok(());
    }
    let verdict = match stage {
        Stage::Message { context, .. } => Some(evaluate(policy, context, delta, verify)?),
        _ => None,
    };
    let fix = Fix::new(policy, stage);
    for finding in findings.iter_mut().filter(|f| f.needs_signoff()) {
        match &verdict {
            Some(v) if v.satisfied => {
                finding.message = format!(
                    "{}, {} {}",
                    finding.message,
                    fix.done,
                    v.reviewers.join(", ")
                );
            }
            _ => finding.message.push_str(fix.needed),
        }
        match (stage, &verdict) {
            (Stage::PreCommit, _) => {
                finding.signoff_pending = true;
                finding.help = fix.pending.clone();
            }
            (_, Some(v)) if v.satisfied => {
                finding.signed_off = true;
                finding.help.clear();
            }
            (Stage::Message { .. }, Some(v)) => {
                let mut help = fix.missing.clone();
                if let Some(reason) = v.rejected.first() {
                    help.push_str(&format!(" ({reason})"));
                } else if policy.required > 1 {
                    help.push_str(&format!(
                        " ({} distinct reviewers needed, {} found)",
                        policy.required,
                        v.reviewers.len()
                    ));
                }
                finding.help = help;
            }
            _ => finding.help = fix.no_message.clone(),
        }
    }
    Ok(())
}

/// The words that say what a finding that needs a sign-off still needs,
/// and how to add it: a reviewer's trailer, or under `require_signature`
/// the two trailers `iacgate approve` prints.
struct Fix {
    needed: &'static str,
    done: &'static str,
    pending: String,
    missing: String,
    no_message: String,
}

impl Fix {
    fn new(policy: &SignoffPolicy, stage: &Stage) -> Fix {
        let existing = match stage {
            Stage::Message {
                existing_commit: true,
                context,
            } => Some(context.id.as_deref().map_or("<sha>", short_id)),
            _ => None,
        };
        if !policy.require_signature {
            let trailer = format!(
                "{}: Name <email>",
                policy
                    .trailers
                    .first()
                    .map_or("Reviewed-by", String::as_str)
            );
            return Fix {
                needed: " needs a reviewer sign-off",
                done: "signed off by",
                pending: format!(
                    "needs a reviewer sign-off: commit with `git commit --trailer \"{trailer}\"`"
                ),
                missing: match existing {
                    Some(_) => format!(
                        "add a reviewer sign-off: `git commit --amend --trailer \"{trailer}\"` (an older commit: `git rebase -i` and reword it)"
                    ),
                    None => format!("add a reviewer sign-off: `git commit --trailer \"{trailer}\"`"),
                },
                no_message: format!(
                    "needs a reviewer sign-off: pass the message with `--message FILE`, or commit with `git commit --trailer \"{trailer}\"`"
                ),
            };
        }
        let trailers = format!(
            "--trailer \"{}: Name <email>\" --trailer \"{}: ...\"",
            approval_key(policy),
            approval::TRAILER
        );
        Fix {
            needed: " needs a reviewer's signed approval",
            done: "approved with a verified signature by",
            pending: format!(
                "needs a reviewer's signed approval: a reviewer runs `iacgate approve --staged` on this change (or `--commit <sha>` once it is committed), then commit with `git commit {trailers}`"
            ),
            missing: match existing {
                Some(id) => format!(
                    "ask a reviewer to run `iacgate approve --commit {id}` and add the two trailers it prints: `git commit --amend --no-edit {trailers}` (an older commit: `git rebase -i` and reword it)"
                ),
                None => format!(
                    "ask a reviewer to run `iacgate approve --staged` on this change (or `--commit <sha>` once it is committed) and add the two trailers it prints: `git commit {trailers}`"
                ),
            },
            no_message: "needs a reviewer's signed approval: pass the message with `--message FILE`; a reviewer makes one with `iacgate approve` (docs/approvals.md)".to_owned(),
        }
    }
}

/// The reviewer trailer `iacgate approve` prints: `Approved-by` when the
/// policy counts it, else the first key it counts.
pub fn approval_key(policy: &SignoffPolicy) -> &str {
    policy
        .trailers
        .iter()
        .find(|k| k.eq_ignore_ascii_case("Approved-by"))
        .or(policy.trailers.first())
        .map_or("Approved-by", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(author: &str, trailers: &[(&str, &str)]) -> CommitContext {
        CommitContext {
            id: None,
            author_email: Some(author.to_owned()),
            trailers: trailers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            signature: CommitSignature::Unsigned,
        }
    }

    /// The verdict without signed approvals: `verify` is never called.
    fn plain(policy: &SignoffPolicy, context: &CommitContext) -> SignoffVerdict {
        let never = |_: &str, _: &ApprovalToken, _: &[u8]| -> Result<SignatureCheck, ()> {
            unreachable!("no signature is checked")
        };
        evaluate(policy, context, &Delta::default(), never).unwrap()
    }

    #[test]
    fn a_required_signature_is_part_of_the_verdict() {
        let mut policy = SignoffPolicy::default();
        let mut ctx = context("a@x.io", &[("Reviewed-by", "Bo <bo@x.io>")]);
        assert!(
            plain(&policy, &ctx).satisfied,
            "not required: unsigned is fine"
        );
        policy.require_signed_commit = true;
        let v = plain(&policy, &ctx);
        assert!(!v.satisfied);
        assert!(v.rejected[0].contains("not signed"));
        ctx.signature = CommitSignature::Bad("No principal matched".into());
        assert!(plain(&policy, &ctx).rejected[0].contains("No principal matched"));
        ctx.signature = CommitSignature::Good;
        assert!(plain(&policy, &ctx).satisfied);
        ctx.signature = CommitSignature::NotYetMade;
        assert!(
            plain(&policy, &ctx).satisfied,
            "checked where the commit exists"
        );
    }

    #[test]
    fn tens_of_thousands_of_trailers_are_read_once() {
        // The review: matching each reviewer against every other made a
        // message of 40,000 trailers hold the server hook for 25 s.
        let values: Vec<String> = (0..50_000).map(|i| format!("R{i} <r{i}@x.io>")).collect();
        let trailers: Vec<(&str, &str)> =
            values.iter().map(|v| ("Reviewed-by", v.as_str())).collect();
        let mut policy = SignoffPolicy::default();
        policy.required = 3;
        let v = plain(&policy, &context("a@x.io", &trailers));
        assert!(v.satisfied);
        assert_eq!(v.reviewers.len(), 3);
        // Repeated and rejected trailers do not pile up messages either.
        let same: Vec<(&str, &str)> = (0..50_000).map(|_| ("Reviewed-by", "A <a@x.io>")).collect();
        let v = plain(&SignoffPolicy::default(), &context("a@x.io", &same));
        assert!(!v.satisfied);
        assert_eq!(v.rejected.len(), 1, "{:?}", v.rejected.len());
    }

    #[test]
    fn a_reviewer_other_than_the_author_counts() {
        let v = plain(
            &SignoffPolicy::default(),
            &context("a@x.io", &[("reviewed-by", "Bo <bo@x.io>")]),
        );
        assert!(v.satisfied);
        assert_eq!(v.reviewers, ["bo@x.io"]);
    }

    #[test]
    fn the_author_cannot_sign_off_alone() {
        let v = plain(
            &SignoffPolicy::default(),
            &context("A@x.io", &[("Reviewed-by", "Me <a@X.io>")]),
        );
        assert!(!v.satisfied);
        assert!(v.rejected[0].contains("commit author"));
    }

    #[test]
    fn other_trailers_and_bare_names_do_not_count() {
        let v = plain(
            &SignoffPolicy::default(),
            &context(
                "a@x.io",
                &[("Signed-off-by", "Bo <bo@x.io>"), ("Approved-by", "Bo")],
            ),
        );
        assert!(!v.satisfied);
        assert_eq!(v.rejected.len(), 1);
    }

    #[test]
    fn required_counts_distinct_reviewers() {
        let mut policy = SignoffPolicy::default();
        policy.required = 2;
        let twice = context(
            "a@x.io",
            &[
                ("Reviewed-by", "Bo <bo@x.io>"),
                ("Approved-by", "B <BO@x.io>"),
            ],
        );
        assert!(!plain(&policy, &twice).satisfied);
        let dotted = context(
            "a@x.io",
            &[
                ("Reviewed-by", "Bo <bo@x.io>"),
                ("Approved-by", "Bo <bo@x.io.>"),
            ],
        );
        assert!(!plain(&policy, &dotted).satisfied);
        let two = context(
            "a@x.io",
            &[
                ("Reviewed-by", "Bo <bo@x.io>"),
                ("Approved-by", "Cy <cy@x.io>"),
            ],
        );
        assert!(plain(&policy, &two).satisfied);
    }
}

#[cfg(test)]
mod signed_tests {
    use super::*;
    use crate::approval::{ContentIds, Delta};
    use crate::finding::Side;
    use crate::model::{Kind, Span};
    use crate::rules;

    const SIG: &str = "U1NIU0lH";

    fn bump(name: &str) -> Finding {
        Finding::at(
            &rules::version_change::RULE,
            "main.tf",
            "",
            Side::New,
            Span::default(),
            Kind::Module,
            name,
        )
        .with_values(Some("1.0.0"), Some("1.1.0"))
    }

    fn delta(findings: &[Finding]) -> Delta {
        Delta::of(findings, |_| ContentIds::default())
    }

    fn signed_policy() -> SignoffPolicy {
        let mut policy = SignoffPolicy::default();
        policy.require_signature = true;
        policy.allowed_signers = Some(".iacgate/allowed_signers".to_owned());
        policy
    }

    /// An approval trailer pair for `who`, made for the findings of `over`.
    fn approval(who: &str, over: &Delta) -> [(String, String); 2] {
        [
            ("Approved-by".to_owned(), format!("R <{who}>")),
            (
                "Iacgate-Approval".to_owned(),
                format!("v1 {} {SIG}", over.locators().join(",")),
            ),
        ]
    }

    fn context(trailers: Vec<(String, String)>) -> CommitContext {
        CommitContext {
            id: Some("0123456789abcdef0123".to_owned()),
            author_email: Some("alice@x.io".to_owned()),
            trailers,
            signature: CommitSignature::Unsigned,
        }
    }

    /// Stands in for ssh-keygen: bob's key is listed and signed exactly
    /// `signed`; mallory's key is listed for nobody.
    fn verifier(
        signed: Vec<u8>,
    ) -> impl FnMut(&str, &ApprovalToken, &[u8]) -> Result<SignatureCheck, ()> {
        move |who, _, message| {
            Ok(match who {
                "mallory@x.io" => SignatureCheck::KeyNotListed("no principal matched".into()),
                _ if message == signed.as_slice() => {
                    SignatureCheck::Verified(Some(format!("SHA256:{who}")))
                }
                _ => SignatureCheck::DoesNotVerify("incorrect signature".into()),
            })
        }
    }

    #[test]
    fn a_verified_approval_counts_and_a_plain_trailer_does_not() {
        let d = delta(&[bump("vpc")]);
        let mut trailers = vec![("Reviewed-by".to_owned(), "Cy <cy@x.io>".to_owned())];
        trailers.extend(approval("bob@x.io", &d));
        let v = evaluate(
            &signed_policy(),
            &context(trailers),
            &d,
            verifier(d.to_bytes()),
        )
        .unwrap();
        assert!(v.satisfied, "{v:?}");
        assert_eq!(v.reviewers, ["bob@x.io"]);
        assert!(
            v.rejected[0].contains("`Reviewed-by: Cy <cy@x.io>` is not a signed approval"),
            "{v:?}"
        );
    }

    #[test]
    fn each_failure_says_which_it_is() {
        let approved = delta(&[bump("vpc")]);
        let now = delta(&[bump("vpc"), bump("eks")]);
        // A second bump slipped in after the approval.
        let v = evaluate(
            &signed_policy(),
            &context(approval("bob@x.io", &approved).to_vec()),
            &now,
            verifier(approved.to_bytes()),
        )
        .unwrap();
        assert!(!v.satisfied);
        assert_eq!(
            v.rejected,
            [
                "the approval of `Approved-by: R <bob@x.io>` covers a different delta: \
              not covered: main.tf: module eks 1.0.0 -> 1.1.0 [version-change]"
            ]
        );
        // The right findings, but the signature is not bob's over them.
        let v = evaluate(
            &signed_policy(),
            &context(approval("bob@x.io", &now).to_vec()),
            &now,
            verifier(b"something else".to_vec()),
        )
        .unwrap();
        assert!(v.rejected[0].contains("does not verify (incorrect signature)"));
        // A good signature by a key not listed for the email.
        let v = evaluate(
            &signed_policy(),
            &context(approval("mallory@x.io", &now).to_vec()),
            &now,
            verifier(now.to_bytes()),
        )
        .unwrap();
        assert!(v.rejected[0].contains("signed with a key that is not listed for mallory@x.io"));
    }

    #[test]
    fn the_other_rules_still_apply_to_approvers() {
        let d = delta(&[bump("vpc")]);
        let mut policy = signed_policy();
        let calls = std::cell::Cell::new(0);
        let counting = |_: &str, _: &ApprovalToken, _: &[u8]| -> Result<SignatureCheck, ()> {
            calls.set(calls.get() + 1);
            Ok(SignatureCheck::Verified(None))
        };
        let own = context(approval("alice@x.io", &d).to_vec());
        let v = evaluate(&policy, &own, &d, counting).unwrap();
        assert!(!v.satisfied);
        assert!(v.rejected[0].contains("names the commit author"));
        assert_eq!(calls.get(), 0, "no signature is checked for an author");

        policy.required = 2;
        let mut two = approval("bob@x.io", &d).to_vec();
        two.extend(approval("cy@x.io", &d));
        let v = evaluate(&policy, &context(two.clone()), &d, verifier(d.to_bytes())).unwrap();
        assert!(v.satisfied);
        two.truncate(2);
        let v = evaluate(&policy, &context(two), &d, verifier(d.to_bytes())).unwrap();
        assert!(!v.satisfied);
    }

    #[test]
    fn malformed_approvals_are_named() {
        let d = delta(&[bump("vpc")]);
        let trailers = vec![
            ("Approved-by".to_owned(), "Bob".to_owned()),
            ("Iacgate-Approval".to_owned(), format!("v1 00000000 {SIG}")),
            ("Approved-by".to_owned(), "Bob <bob@x.io>".to_owned()),
            ("Iacgate-Approval".to_owned(), "v1 00000000 %%%".to_owned()),
            ("Iacgate-Approval".to_owned(), format!("v1 00000000 {SIG}")),
        ];
        let v = evaluate(
            &signed_policy(),
            &context(trailers),
            &d,
            verifier(d.to_bytes()),
        )
        .unwrap();
        assert_eq!(v.rejected.len(), 3, "{v:?}");
        assert!(v.rejected[0].contains("has no <email>"));
        assert!(v.rejected[1].contains("holds no base64 signature"));
        assert!(v.rejected[2].contains("must come right after"));
    }

    #[test]
    fn the_fix_names_the_approve_command() {
        let findings = [bump("vpc")];
        let d = delta(&findings);
        let stage = Stage::Message {
            context: context(Vec::new()),
            existing_commit: true,
        };
        let mut judged = findings.to_vec();
        apply(
            &mut judged,
            &stage,
            &signed_policy(),
            &d,
            verifier(d.to_bytes()),
        )
        .unwrap();
        assert!(judged[0].is_blocking());
        assert!(
            judged[0]
                .help
                .starts_with("ask a reviewer to run `iacgate approve --commit 0123456789ab`"),
            "{}",
            judged[0].help
        );
        let stage = Stage::Message {
            context: context(approval("bob@x.io", &d).to_vec()),
            existing_commit: true,
        };
        let mut judged = findings.to_vec();
        apply(
            &mut judged,
            &stage,
            &signed_policy(),
            &d,
            verifier(d.to_bytes()),
        )
        .unwrap();
        assert!(!judged[0].is_blocking());
        assert!(judged[0]
            .message
            .ends_with("approved with a verified signature by bob@x.io"));
    }

    #[test]
    fn one_key_counts_once_and_many_approvals_are_not_all_read() {
        let d = delta(&[bump("vpc")]);
        let mut policy = signed_policy();
        policy.required = 2;
        // The same key, listed for two emails.
        let mut trailers = approval("bob@x.io", &d).to_vec();
        trailers.extend(approval("bob.alt@x.io", &d));
        let same_key = |_: &str, _: &ApprovalToken, _: &[u8]| -> Result<SignatureCheck, ()> {
            Ok(SignatureCheck::Verified(Some("SHA256:bobkey".to_owned())))
        };
        let v = evaluate(&policy, &context(trailers), &d, same_key).unwrap();
        assert!(!v.satisfied, "{v:?}");
        assert!(
            v.rejected.iter().any(|r| r.contains("one key counts once")),
            "{v:?}"
        );

        // 40 pairs: at most MAX_APPROVALS are checked, and none once enough.
        let mut trailers = Vec::new();
        for _ in 0..40 {
            trailers.extend(approval("bob@x.io", &d));
        }
        let mut runs = 0;
        let counting = |_: &str, _: &ApprovalToken, _: &[u8]| -> Result<SignatureCheck, ()> {
            runs += 1;
            Ok(SignatureCheck::DoesNotVerify("incorrect signature".into()))
        };
        let v = evaluate(&signed_policy(), &context(trailers), &d, counting).unwrap();
        assert!(!v.satisfied);
        assert!(runs <= 1, "identical pairs are checked once: {runs}");
        assert!(
            v.rejected.iter().any(|r| r.contains("only the first 16")),
            "{v:?}"
        );
    }
}
