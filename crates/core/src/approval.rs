//! Signed approvals (docs/approvals.md): the canonical bytes of "the delta"
//! a reviewer signs, the `Iacgate-Approval:` trailer that carries the
//! signature, and how those trailers pair with the reviewer's
//! `Approved-by:` trailer.
//!
//! The signature itself is made and checked by `ssh-keygen` in
//! `iacgate-git`; this module only says which bytes are signed and how a
//! trailer is read, so the reviewer's machine and every gate agree on both.

use crate::finding::Finding;
use crate::model::{short_id, Kind};

/// The SSH signature namespace (`ssh-keygen -Y sign -n`): a signature made
/// for anything else (a git commit, a file) is not an approval.
pub const NAMESPACE: &str = "iacgate-approval";

/// The trailer key that carries the signature, compared case-insensitively.
pub const TRAILER: &str = "Iacgate-Approval";

/// The first line of the signed bytes: names the format, so a later
/// version of it can never be mistaken for this one.
pub const HEADER: &str = "iacgate-approval v1";

/// The version word that starts a trailer value.
const TOKEN_VERSION: &str = "v1";

/// A trailer value longer than this is not read: a real one is about 500
/// bytes (an Ed25519 signature and a few locators).
pub const MAX_TRAILER_BYTES: usize = 16 * 1024;

/// `SSHSIG`, the magic at the start of every SSH signature blob, in base64.
const SSHSIG_BASE64: &str = "U1NIU0lH";

/// Where the content of a changed file is named in the delta: its git blob
/// ids before and after the change (`None` for a side that does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentIds {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One finding as the approval covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaEntry {
    /// The canonical line, without its newline.
    pub line: String,
    /// The same finding for people: `versions.tf: provider aws ~> 5.0 ->
    /// ~> 6.0 (hashicorp/aws) [version-change]`.
    pub summary: String,
}

/// The findings of one change that need a sign-off, in canonical order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    entries: Vec<DeltaEntry>,
}

impl Delta {
    /// The delta of one change: every finding that needs a sign-off and is
    /// not suppressed. `content` names a file's contents before and after
    /// the change (the cli passes git blob ids); it is asked for the
    /// findings whose values do not say everything that changed (see
    /// [`needs_content`]).
    pub fn of<'f>(
        findings: impl IntoIterator<Item = &'f Finding>,
        content: impl Fn(&str) -> ContentIds,
    ) -> Delta {
        let mut entries: Vec<DeltaEntry> = findings
            .into_iter()
            .filter(|f| f.needs_signoff() && !f.suppressed)
            .map(|f| {
                let ids = needs_content(f).then(|| content(&f.file));
                entry(f, ids.as_ref())
            })
            .collect();
        entries.sort_by(|a, b| a.line.as_bytes().cmp(b.line.as_bytes()));
        Delta { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[DeltaEntry] {
        &self.entries
    }

    /// The exact bytes that are signed: the header line, then one line per
    /// entry, each ending in `\n`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(
            HEADER.len() + 1 + self.entries.iter().map(|e| e.line.len() + 1).sum::<usize>(),
        );
        out.push_str(HEADER);
        out.push('\n');
        for entry in &self.entries {
            out.push_str(&entry.line);
            out.push('\n');
        }
        out.into_bytes()
    }

    /// The locator of every entry, in order (see [`locator`]).
    pub fn locators(&self) -> Vec<String> {
        self.entries.iter().map(|e| locator(&e.line)).collect()
    }
}

/// Whether a finding's values (name, source, old, new) leave out part of
/// what changed, so the file's contents must be named as well: a lock
/// entry's hashes, a policy file's text, a file fact such as a workflow's
/// permissions. A dependency reference (module, provider, action, image,
/// ...) is fully described by its source and its version or ref.
pub fn needs_content(finding: &Finding) -> bool {
    matches!(finding.kind, Kind::Lock | Kind::Policy | Kind::File)
}

fn entry(f: &Finding, content: Option<&ContentIds>) -> DeltaEntry {
    let (old, new) = match content {
        Some(ids) => (ids.old.as_deref(), ids.new.as_deref()),
        None => (f.old.as_deref(), f.new.as_deref()),
    };
    let fields = [
        Some(f.rule.name),
        Some(f.file.as_str()),
        f.ecosystem.map(|e| e.as_str()),
        Some(f.kind.as_str()),
        Some(f.name.as_str()),
        f.source.as_deref(),
        old,
        new,
    ];
    let line = fields.map(field).join("\t");
    let values = match (f.old.as_deref(), f.new.as_deref()) {
        (Some(old), Some(new)) => format!(" {old} -> {new}"),
        (None, Some(new)) => format!(" (new) -> {new}"),
        (Some(old), None) => format!(" {old} -> (removed)"),
        (None, None) => String::new(),
    };
    let source = f
        .source
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let contents = match content {
        Some(ids) => format!(
            " (contents {} -> {})",
            ids.old.as_deref().map_or("none", short_id),
            ids.new.as_deref().map_or("none", short_id)
        ),
        None => String::new(),
    };
    DeltaEntry {
        summary: format!(
            "{}: {} {}{values}{source}{contents} [{}]",
            f.file,
            f.kind.as_str(),
            f.name,
            f.rule.name
        ),
        line,
    }
}

/// One field of a canonical line: `-` when absent; otherwise the value
/// with `\` `\t` `\n` `\r` escaped as two characters, other control
/// characters as `\xHH`, and a value that is exactly `-` written `\-`.
pub fn field(value: Option<&str>) -> String {
    let Some(value) = value else {
        return "-".to_owned();
    };
    if value == "-" {
        return "\\-".to_owned();
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A short, unsigned name for one canonical line (FNV-1a, 32 bits, as 8
/// hex digits). The trailer lists the locators of the entries it was made
/// for, so that a signature that does not verify can be explained: which
/// findings it does not cover. They decide nothing: only the signature
/// over the whole delta does.
pub fn locator(line: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in line.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// The value of an `Iacgate-Approval:` trailer: `v1 <locators> <signature>`,
/// the locators comma-separated, the signature the base64 body of an
/// armored SSH signature (`ssh-keygen -Y sign`) on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalToken {
    pub locators: Vec<String>,
    /// Base64, without whitespace.
    pub signature: String,
}

impl ApprovalToken {
    /// A token from `ssh-keygen -Y sign`'s armored output.
    pub fn from_armored(locators: Vec<String>, armored: &str) -> Result<ApprovalToken, String> {
        let mut lines = armored.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next() != Some("-----BEGIN SSH SIGNATURE-----") {
            return Err("ssh-keygen's output is not an armored SSH signature".to_owned());
        }
        let mut body = String::new();
        for line in lines {
            if line == "-----END SSH SIGNATURE-----" {
                return ApprovalToken::checked(locators, body);
            }
            body.push_str(line);
        }
        Err("ssh-keygen's signature has no END line".to_owned())
    }

    /// Reads a trailer value. Whitespace inside the signature (a value
    /// folded over several lines) is ignored.
    pub fn parse(value: &str) -> Result<ApprovalToken, String> {
        if value.len() > MAX_TRAILER_BYTES {
            return Err(format!(
                "is {} bytes long, over the {MAX_TRAILER_BYTES} an approval can be",
                value.len()
            ));
        }
        let mut words = value.split_ascii_whitespace();
        match words.next() {
            Some(TOKEN_VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "starts with `{}`, not `{TOKEN_VERSION}`: not an approval this version of iacgate reads",
                    other.chars().take(16).collect::<String>()
                ))
            }
            None => return Err("is empty".to_owned()),
        }
        let locators: Vec<String> = words
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::to_owned)
            .collect();
        let is_locator = |l: &String| l.len() == 8 && l.bytes().all(|b| b.is_ascii_hexdigit());
        if !locators.iter().all(is_locator) {
            return Err(
                "has no list of the findings it covers (8 hex digits each, comma-separated)"
                    .to_owned(),
            );
        }
        ApprovalToken::checked(locators, words.collect())
    }

    fn checked(locators: Vec<String>, signature: String) -> Result<ApprovalToken, String> {
        let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        let body = signature.trim_end_matches('=');
        let valid = !signature.is_empty()
            && signature.as_bytes().chunks(4).all(|quad| quad.len() == 4)
            && signature.len() - body.len() <= 2
            && body.bytes().all(base64);
        if !valid {
            return Err("holds no base64 signature".to_owned());
        }
        if !signature.starts_with(SSHSIG_BASE64) {
            return Err("holds no SSH signature (`ssh-keygen -Y sign`)".to_owned());
        }
        Ok(ApprovalToken {
            locators,
            signature,
        })
    }

    /// The trailer value.
    pub fn render(&self) -> String {
        format!(
            "{TOKEN_VERSION} {} {}",
            self.locators.join(","),
            self.signature
        )
    }

    /// The signature armored again, as `ssh-keygen -Y verify -s` reads it.
    pub fn armored(&self) -> String {
        let mut out = String::from("-----BEGIN SSH SIGNATURE-----\n");
        // ssh-keygen wraps at 70 columns; the body is ASCII.
        for chunk in self.signature.as_bytes().chunks(70) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END SSH SIGNATURE-----\n");
        out
    }
}

/// A reviewer's trailer paired with the `Iacgate-Approval:` trailer right
/// after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The reviewer's trailer as written: `Approved-by: Bob <bob@x.io>`.
    pub reviewer: String,
    /// The email in it, when there is one.
    pub email: Option<String>,
    pub token: Result<ApprovalToken, String>,
}

/// The trailers read as approvals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    pub claims: Vec<Claim>,
    /// Reviewer trailers with no `Iacgate-Approval:` after them.
    pub unsigned: Vec<String>,
    /// `Iacgate-Approval:` trailers with no reviewer trailer before them.
    pub stray: usize,
}

/// Pairs each `Iacgate-Approval:` trailer with the trailer right before
/// it, which must be one of `reviewer_keys` (the policy's `trailers`):
/// `approve` prints the two in that order and `git commit --trailer`
/// appends them in that order.
pub fn claims(trailers: &[(String, String)], reviewer_keys: &[String]) -> Claims {
    let is_reviewer = |key: &str| reviewer_keys.iter().any(|k| k.eq_ignore_ascii_case(key));
    let mut out = Claims::default();
    let mut previous: Option<&(String, String)> = None;
    for (i, trailer) in trailers.iter().enumerate() {
        let (key, value) = trailer;
        if key.eq_ignore_ascii_case(TRAILER) {
            match previous.take() {
                Some((rkey, rvalue)) => out.claims.push(Claim {
                    reviewer: format!("{rkey}: {rvalue}"),
                    email: crate::signoff::email_of(rvalue).map(str::to_owned),
                    token: ApprovalToken::parse(value),
                }),
                None => out.stray += 1,
            }
            continue;
        }
        if let Some((rkey, rvalue)) = previous.take() {
            out.unsigned.push(format!("{rkey}: {rvalue}"));
        }
        if is_reviewer(key) {
            previous = Some(&trailers[i]);
        }
    }
    if let Some((rkey, rvalue)) = previous {
        out.unsigned.push(format!("{rkey}: {rvalue}"));
    }
    out
}

/// Whether `email` can be handed to `ssh-keygen -I` as a principal: an
/// address, nothing that reads as an option or an allowed-signers pattern.
pub fn is_principal(email: &str) -> bool {
    !email.is_empty()
        && email.len() <= 320
        && !email.starts_with('-')
        && email.contains('@')
        && !email.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ',' | '*' | '?' | '!' | '"' | '\\')
        })
}

/// What checking one approval's signature over the delta found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Made with a key the allowed signers list for that email, over
    /// exactly this delta; the key's fingerprint, when known.
    Verified(Option<String>),
    /// A good signature over this delta, by a key the allowed signers do not
    /// list for that email (or list with restrictions that exclude it).
    KeyNotListed(String),
    /// The signature does not verify over this delta: it was made for other
    /// findings, or altered.
    DoesNotVerify(String),
    /// The check could not be made (no allowed signers file at the base).
    Unavailable(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Side};
    use crate::model::{Ecosystem, Span};
    use crate::rules;

    fn bump(file: &str, name: &str, old: &str, new: &str) -> Finding {
        let mut f = Finding::at(
            &rules::version_change::RULE,
            file,
            "",
            Side::New,
            Span::default(),
            Kind::Module,
            name,
        )
        .with_values(Some(old), Some(new));
        f.ecosystem = Some(Ecosystem::Terraform);
        f.source = Some("terraform-aws-modules/vpc/aws".to_owned());
        f.line = 12;
        f
    }

    fn no_content(_: &str) -> ContentIds {
        ContentIds::default()
    }

    #[test]
    fn the_canonical_form_is_exact() {
        let delta = Delta::of(
            &[
                bump("stacks/net/main.tf", "vpc", "5.4.0", "5.5.0"),
                bump("a.tf", "eks", "20.1.0", "20.2.0"),
            ],
            no_content,
        );
        assert_eq!(
            String::from_utf8(delta.to_bytes()).unwrap(),
            "iacgate-approval v1\n\
             version-change\ta.tf\tterraform\tmodule\teks\tterraform-aws-modules/vpc/aws\t20.1.0\t20.2.0\n\
             version-change\tstacks/net/main.tf\tterraform\tmodule\tvpc\tterraform-aws-modules/vpc/aws\t5.4.0\t5.5.0\n"
        );
        assert_eq!(
            delta.entries()[1].summary,
            "stacks/net/main.tf: module vpc 5.4.0 -> 5.5.0 (terraform-aws-modules/vpc/aws) [version-change]"
        );
    }

    #[test]
    fn order_lines_and_commits_do_not_matter() {
        let a = bump("a.tf", "x", "1", "2");
        let b = bump("b.tf", "y", "1", "2");
        let mut moved = b.clone();
        moved.line = 40;
        moved.commit = Some("0123".into());
        moved.message = "other words".into();
        assert_eq!(
            Delta::of(&[a.clone(), b], no_content),
            Delta::of(&[moved, a], no_content)
        );
    }

    #[test]
    fn only_findings_that_need_a_signoff_count() {
        let mut suppressed = bump("a.tf", "x", "1", "2");
        suppressed.suppressed = true;
        let mut warning = bump("b.tf", "y", "1", "2");
        warning.level = rules::Level::Warn;
        assert!(Delta::of(&[suppressed, warning], no_content).is_empty());
    }

    #[test]
    fn escaping_keeps_one_finding_on_one_line() {
        assert_eq!(field(None), "-");
        assert_eq!(field(Some("-")), "\\-");
        assert_eq!(field(Some("")), "");
        assert_eq!(field(Some("a\tb\nc\rd\\e")), "a\\tb\\nc\\rd\\\\e");
        assert_eq!(field(Some("\u{1}\u{7f}é")), "\\x01\\x7fé");
        let odd = bump("we\tird\n.tf", "-", "1", "2");
        let bytes = Delta::of(&[odd], no_content).to_bytes();
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 2);
        assert_eq!(bytes.iter().filter(|&&b| b == b'\t').count(), 7);
    }

    #[test]
    fn contents_name_what_the_values_leave_out() {
        let policy = Finding::at(
            &rules::policy_change::RULE,
            ".iacgate.toml",
            "",
            Side::New,
            Span::default(),
            Kind::Policy,
            ".iacgate.toml",
        );
        let ids = |path: &str| ContentIds {
            old: Some(format!("{path}-old")),
            new: None,
        };
        let delta = Delta::of(&[policy, bump("a.tf", "x", "1", "2")], ids);
        let text = String::from_utf8(delta.to_bytes()).unwrap();
        assert!(text.contains(
            "policy-change\t.iacgate.toml\t-\tpolicy\t.iacgate.toml\t-\t.iacgate.toml-old\t-\n"
        ));
        assert!(
            text.contains("\t1\t2\n"),
            "a module keeps its values: {text}"
        );
    }

    #[test]
    fn locators_are_stable() {
        assert_eq!(locator(""), "811c9dc5");
        assert_eq!(locator("a"), "e40c292c");
        let delta = Delta::of(&[bump("a.tf", "x", "1", "2")], no_content);
        assert_eq!(delta.locators(), vec![locator(&delta.entries()[0].line)]);
    }

    const SIG: &str = "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgmCSE18GbbaySJRVZRO8ffFF5220BB4n8oYTPMbDUN/UAAAAQaWFjZ2F0ZS1hcHByb3ZhbAAAAAAAAAAGc2hhNTEyAAAAUwAAAAtzc2gtZWQyNTUxOQAAAEDV3jG0S+GcnRbhsleI6ONAZyjzRNEO+qXdMJoHMleCaUQKjyeI4NbU3Z4teAbeAOxlDTqI55mO7QNg5/NXzZwL";

    #[test]
    fn tokens_round_trip_through_armor_and_trailer() {
        let token = ApprovalToken::parse(&format!("v1 0123abcd,ffffffff {SIG}")).unwrap();
        assert_eq!(token.locators, ["0123abcd", "ffffffff"]);
        assert_eq!(ApprovalToken::parse(&token.render()).unwrap(), token);
        let armored = token.armored();
        assert!(armored
            .lines()
            .all(|l| l.len() <= 70 || l.starts_with("-----")));
        assert_eq!(
            ApprovalToken::from_armored(token.locators.clone(), &armored).unwrap(),
            token
        );
        // Folded by a mail client or an editor: the spaces go.
        let (head, tail) = SIG.split_at(100);
        let folded = ApprovalToken::parse(&format!("v1 0123abcd {head} {tail}")).unwrap();
        assert_eq!(folded.signature, SIG);
    }

    #[test]
    fn hostile_tokens_are_refused_with_a_reason() {
        let cases = [
            "",
            "v2 0123abcd U1NIU0lH",
            "v1",
            "v1 nothex!! U1NIU0lH",
            "v1 0123abcd",
            "v1 0123abcd not*base64",
            "v1 0123abcd QUFBQQ==",
            "v1 0123abcd U1NIU0lH===",
            "v1 0123abcd -oProxyCommand=x",
        ];
        for case in cases {
            assert!(ApprovalToken::parse(case).is_err(), "{case:?}");
        }
        let huge = format!("v1 0123abcd {}", "A".repeat(MAX_TRAILER_BYTES));
        assert!(ApprovalToken::parse(&huge).unwrap_err().contains("over"));
        assert!(ApprovalToken::from_armored(vec![], "garbage").is_err());
        assert!(
            ApprovalToken::from_armored(vec![], "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n")
                .is_err()
        );
    }

    fn t(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn approvals_pair_with_the_reviewer_trailer_right_before_them() {
        let keys = ["Reviewed-by".to_owned(), "Approved-by".to_owned()];
        let value = format!("v1 0123abcd {SIG}");
        let c = claims(
            &t(&[
                ("Signed-off-by", "Alice <a@x.io>"),
                ("Approved-by", "Bob <bob@x.io>"),
                ("iacgate-approval", &value),
                ("Reviewed-by", "Cy <cy@x.io>"),
                ("Iacgate-Approval", "v1 garbage"),
                ("Reviewed-by", "Di <di@x.io>"),
                ("Acked-by", "Ed <ed@x.io>"),
                ("Iacgate-Approval", &value),
                ("Approved-by", "Fay <fay@x.io>"),
            ]),
            &keys,
        );
        assert_eq!(c.claims.len(), 2);
        assert_eq!(c.claims[0].reviewer, "Approved-by: Bob <bob@x.io>");
        assert_eq!(c.claims[0].email.as_deref(), Some("bob@x.io"));
        assert!(c.claims[0].token.is_ok());
        assert_eq!(c.claims[1].email.as_deref(), Some("cy@x.io"));
        assert!(c.claims[1].token.is_err());
        assert_eq!(
            c.unsigned,
            ["Reviewed-by: Di <di@x.io>", "Approved-by: Fay <fay@x.io>"]
        );
        assert_eq!(c.stray, 1, "after Acked-by, which is no reviewer key");
    }

    #[test]
    fn principals_cannot_be_options_or_patterns() {
        assert!(is_principal("bob@example.com"));
        for bad in ["", "-I@x", "a b@x", "*@x", "a,b@x", "bob", "a\n@x", "x@y!"] {
            assert!(!is_principal(bad), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::{claims, field, ApprovalToken};

    proptest! {
        #[test]
        fn parsing_never_panics(value in "(.|\n){0,600}") {
            let _ = ApprovalToken::parse(&value);
            let _ = ApprovalToken::from_armored(Vec::new(), &value);
        }

        #[test]
        fn fields_stay_on_one_line_without_tabs(value in "(.|\n|\t|\r){0,60}") {
            let escaped = field(Some(&value));
            prop_assert!(!escaped.contains(['\n', '\t', '\r']));
        }

        #[test]
        fn pairing_never_panics(
            keys in prop::collection::vec(prop::sample::select(vec!["Approved-by", "Iacgate-Approval", "Reviewed-by", "X"]), 0..8),
            value in "[ -~]{0,40}",
        ) {
            let trailers: Vec<(String, String)> = keys.iter().map(|k| (k.to_string(), value.clone())).collect();
            let _ = claims(&trailers, &["Approved-by".to_owned(), "Reviewed-by".to_owned()]);
        }
    }
}
