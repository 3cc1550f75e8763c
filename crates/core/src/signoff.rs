//! Reviewer sign-off: do a commit's trailers clear the findings that need one?

use crate::finding::Finding;
use crate::policy::SignoffPolicy;

/// What is known about the commit whose change is judged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitContext {
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

pub fn evaluate(policy: &SignoffPolicy, context: &CommitContext) -> SignoffVerdict {
    let author = context
        .author_email
        .as_deref()
        .map(|a| a.trim().trim_end_matches('.').to_ascii_lowercase());
    let mut verdict = SignoffVerdict::default();
    for (key, value) in &context.trailers {
        if !policy.trailers.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        let Some(email) = email_of(value) else {
            verdict
                .rejected
                .push(format!("`{key}: {value}` has no <email>"));
            continue;
        };
        let email = email.to_ascii_lowercase();
        if policy.distinct_from_author && author.as_deref() == Some(email.as_str()) {
            verdict.rejected.push(format!(
                "`{key}: {value}` names the commit author, who cannot review their own change"
            ));
            continue;
        }
        if !policy.reviewer_allowed(&email) {
            verdict.rejected.push(format!(
                "`{key}: {value}` is not an allowed reviewer ([signoff] reviewers = {:?})",
                policy.reviewers
            ));
            continue;
        }
        if !verdict.reviewers.contains(&email) {
            verdict.reviewers.push(email);
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
    verdict
}

/// `Jane Doe <jane@example.com>` -> `jane@example.com`.
fn email_of(value: &str) -> Option<&str> {
    let start = value.find('<')? + 1;
    let end = start + value[start..].find('>')?;
    // A trailing dot names the same mail domain: `bob@example.com.`.
    let email = value[start..end].trim().trim_end_matches('.');
    (email.contains('@') && !email.contains(char::is_whitespace)).then_some(email)
}

/// Mark the findings that need a sign-off as signed off, pending or
/// missing, say so at the end of their message, and give each the exact fix.
pub fn apply(findings: &mut [Finding], stage: &Stage, policy: &SignoffPolicy) {
    let trailer = format!(
        "{}: Name <email>",
        policy
            .trailers
            .first()
            .map_or("Reviewed-by", String::as_str)
    );
    let verdict = match stage {
        Stage::Message { context, .. } => Some(evaluate(policy, context)),
        _ => None,
    };
    for finding in findings.iter_mut().filter(|f| f.needs_signoff()) {
        match &verdict {
            Some(v) if v.satisfied => {
                finding.message = format!(
                    "{}, signed off by {}",
                    finding.message,
                    v.reviewers.join(", ")
                );
            }
            _ => finding.message.push_str(" needs a reviewer sign-off"),
        }
        match (stage, &verdict) {
            (Stage::PreCommit, _) => {
                finding.signoff_pending = true;
                finding.help = format!(
                    "needs a reviewer sign-off: commit with `git commit --trailer \"{trailer}\"`"
                );
            }
            (_, Some(v)) if v.satisfied => {
                finding.signed_off = true;
                finding.help.clear();
            }
            (
                Stage::Message {
                    existing_commit, ..
                },
                Some(v),
            ) => {
                let mut help = if *existing_commit {
                    format!(
                        "add a reviewer sign-off: `git commit --amend --trailer \"{trailer}\"` (an older commit: `git rebase -i` and reword it)"
                    )
                } else {
                    format!("add a reviewer sign-off: `git commit --trailer \"{trailer}\"`")
                };
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
            _ => {
                finding.help = format!(
                    "needs a reviewer sign-off: pass the message with `--message FILE`, or commit with `git commit --trailer \"{trailer}\"`"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(author: &str, trailers: &[(&str, &str)]) -> CommitContext {
        CommitContext {
            author_email: Some(author.to_owned()),
            trailers: trailers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            signature: CommitSignature::Unsigned,
        }
    }

    #[test]
    fn a_required_signature_is_part_of_the_verdict() {
        let mut policy = SignoffPolicy::default();
        let mut ctx = context("a@x.io", &[("Reviewed-by", "Bo <bo@x.io>")]);
        assert!(
            evaluate(&policy, &ctx).satisfied,
            "not required: unsigned is fine"
        );
        policy.require_signed_commit = true;
        let v = evaluate(&policy, &ctx);
        assert!(!v.satisfied);
        assert!(v.rejected[0].contains("not signed"));
        ctx.signature = CommitSignature::Bad("No principal matched".into());
        assert!(evaluate(&policy, &ctx).rejected[0].contains("No principal matched"));
        ctx.signature = CommitSignature::Good;
        assert!(evaluate(&policy, &ctx).satisfied);
        ctx.signature = CommitSignature::NotYetMade;
        assert!(
            evaluate(&policy, &ctx).satisfied,
            "checked where the commit exists"
        );
    }

    #[test]
    fn a_reviewer_other_than_the_author_counts() {
        let v = evaluate(
            &SignoffPolicy::default(),
            &context("a@x.io", &[("reviewed-by", "Bo <bo@x.io>")]),
        );
        assert!(v.satisfied);
        assert_eq!(v.reviewers, ["bo@x.io"]);
    }

    #[test]
    fn the_author_cannot_sign_off_alone() {
        let v = evaluate(
            &SignoffPolicy::default(),
            &context("A@x.io", &[("Reviewed-by", "Me <a@X.io>")]),
        );
        assert!(!v.satisfied);
        assert!(v.rejected[0].contains("commit author"));
    }

    #[test]
    fn other_trailers_and_bare_names_do_not_count() {
        let v = evaluate(
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
        assert!(!evaluate(&policy, &twice).satisfied);
        let dotted = context(
            "a@x.io",
            &[
                ("Reviewed-by", "Bo <bo@x.io>"),
                ("Approved-by", "Bo <bo@x.io.>"),
            ],
        );
        assert!(!evaluate(&policy, &dotted).satisfied);
        let two = context(
            "a@x.io",
            &[
                ("Reviewed-by", "Bo <bo@x.io>"),
                ("Approved-by", "Cy <cy@x.io>"),
            ],
        );
        assert!(evaluate(&policy, &two).satisfied);
    }
}
