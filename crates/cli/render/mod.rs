//! Renderers: one module per output format, all reading the same findings.

pub mod github;
pub mod human;
pub mod json;
pub mod policy;
pub mod rules;
pub mod sarif;

use std::collections::HashMap;

use iacgate_core::finding::{Finding, Side};

/// One judged commit of a multi-commit run (`--range`, pre-push,
/// pre-receive), for headers in human output.
pub struct CommitHeader {
    pub id: String,
    pub summary: String,
}

/// File contents by `(commit id or "", path)`: the new side of each change,
/// for the source lines of human output, decoded once per file.
#[derive(Default)]
pub struct Sources {
    texts: HashMap<(String, String), String>,
}

impl Sources {
    pub fn insert(&mut self, commit: Option<&str>, path: &str, bytes: &[u8]) {
        self.texts
            .entry((commit.unwrap_or_default().to_owned(), path.to_owned()))
            .or_insert_with(|| String::from_utf8_lossy(bytes).into_owned());
    }

    pub fn text_of(&self, finding: &Finding) -> Option<&str> {
        if finding.side != Side::New {
            return None;
        }
        let key = (
            finding.commit.clone().unwrap_or_default(),
            finding.file.clone(),
        );
        self.texts.get(&key).map(String::as_str)
    }

    /// Every text, for a [`LineScope`](iacgate_core::model::LineScope).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.texts.values().map(String::as_str)
    }
}

/// Print `report` in `format`: human output on standard error (it is for
/// people, and hooks' standard output is not always shown), the machine
/// formats on standard output.
pub fn emit(report: &Report, format: crate::args::Format) -> std::io::Result<()> {
    use crate::args::Format;
    match format {
        Format::Human => human::write(report, &mut anstream::stderr()),
        Format::Json => json::write(report, &mut std::io::stdout()),
        Format::Sarif => sarif::write(report, &mut std::io::stdout()),
        Format::Github => github::write(report, &mut std::io::stdout()),
    }
}

/// What every renderer needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub files_checked: usize,
    pub sources: &'a Sources,
    /// Commits judged, in order; empty for a staged change.
    pub commits: &'a [CommitHeader],
    pub shown: Shown,
    /// `verify`: the pins it could not check (none for the other commands,
    /// whose reports have no such list).
    pub unchecked: Option<&'a [Unchecked]>,
}

/// A pin `iacgate verify` could not check, and why.
pub struct Unchecked {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub name: String,
    pub remote: String,
    pub reason: String,
}

/// Which findings a human sees: later hooks leave out what an earlier one
/// already showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Everything but suppressed findings.
    All,
    /// What blocks or what a sign-off clears (commit-msg, after pre-commit).
    SignOffAndBlocking,
    /// What blocks (pre-push, pre-receive: the commits were made already).
    Blocking,
}

impl Report<'_> {
    /// The findings a human should see.
    pub fn shown(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| {
            !f.suppressed
                && match self.shown {
                    Shown::All => true,
                    Shown::SignOffAndBlocking => f.is_blocking() || f.needs_signoff(),
                    Shown::Blocking => f.is_blocking(),
                }
        })
    }
}

pub use iacgate_core::model::short_id;
