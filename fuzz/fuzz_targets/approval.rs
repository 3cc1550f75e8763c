#![no_main]
//! Fuzz target: approvals and trailers matching. A commit message's
//! trailers (`parse_trailers`) are paired into approvals
//! (`approval::claims`) and judged by `signoff::evaluate`, with and
//! without signed approvals. Every approval token read must render back to
//! itself (`v1 <locators> <signature>`, and armored), and a verdict may be
//! satisfied only by reviewers that the trailers name.

use iacgate_core::approval::{self, ApprovalToken, Delta, SignatureCheck};
use iacgate_core::policy::SignoffPolicy;
use iacgate_core::signoff::{evaluate, CommitContext};
use iacgate_git::parse_trailers;
use libfuzzer_sys::fuzz_target;

fn round_trips(token: &ApprovalToken) {
    assert_eq!(
        ApprovalToken::parse(&token.render()).as_ref(),
        Ok(token),
        "render does not read back"
    );
    assert_eq!(
        ApprovalToken::from_armored(token.locators.clone(), &token.armored()).as_ref(),
        Ok(token),
        "armored does not read back"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let message = String::from_utf8_lossy(rest);
    let trailers: Vec<(String, String)> = parse_trailers(&message, '#')
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    // Every trailer value as a token, whatever its key.
    for (_, value) in &trailers {
        if let Ok(token) = ApprovalToken::parse(value) {
            round_trips(&token);
        }
    }
    let mut policy = SignoffPolicy::default();
    policy.require_signature = first & 1 != 0;
    policy.distinct_from_author = first & 2 != 0;
    policy.required = usize::from(first >> 2 & 3).max(1);
    let claims = approval::claims(&trailers, &policy.trailers);
    for claim in &claims.claims {
        if let Ok(token) = &claim.token {
            round_trips(token);
        }
    }
    let context = CommitContext {
        id: None,
        author_email: Some("author@example.com".to_owned()),
        trailers: trailers.clone(),
        ..CommitContext::default()
    };
    let delta = Delta::default();
    let signed = delta.to_bytes();
    // A signature "verifies" when its first locator is the delta's: what a
    // checker would do with a real one, without ssh-keygen.
    let verdict = evaluate(&policy, &context, &delta, |email, token, bytes| {
        assert!(
            approval::is_principal(email),
            "{email:?} handed to ssh-keygen"
        );
        assert_eq!(bytes, signed.as_slice());
        Ok::<_, ()>(match token.locators.first().map(String::as_str) {
            Some("00000000") => SignatureCheck::Verified(None),
            Some("ffffffff") => SignatureCheck::KeyNotListed("SHA256:x".to_owned()),
            _ => SignatureCheck::DoesNotVerify("no".to_owned()),
        })
    });
    let Ok(verdict) = verdict else {
        return;
    };
    if verdict.satisfied {
        assert!(verdict.reviewers.len() >= policy.required, "{verdict:?}");
    }
    for reviewer in &verdict.reviewers {
        assert!(
            trailers
                .iter()
                .any(|(_, value)| value.to_ascii_lowercase().contains(reviewer.as_str())),
            "reviewer {reviewer:?} is in no trailer"
        );
        if policy.distinct_from_author {
            assert_ne!(reviewer, "author@example.com");
        }
    }
});
