//! The policy that judges a change. This version knows the defaults of
//! design.md; the `.iacgate.toml` file that changes them is its own issue.

/// Who may sign off a change that needs a second pair of eyes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignoffPolicy {
    /// Trailer keys that count, compared case-insensitively.
    pub trailers: Vec<String>,
    /// How many distinct reviewers are needed.
    pub required: usize,
    /// A reviewer whose email is the commit author's does not count.
    pub distinct_from_author: bool,
}

impl Default for SignoffPolicy {
    fn default() -> Self {
        SignoffPolicy {
            trailers: vec!["Reviewed-by".to_owned(), "Approved-by".to_owned()],
            required: 1,
            distinct_from_author: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub signoff: SignoffPolicy,
}

/// Where the policy lives in a repository.
pub const POLICY_FILE: &str = ".iacgate.toml";
