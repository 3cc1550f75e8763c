//! One `Finding` type for every rule; renderers live in the binary.

use crate::model::{line_col, Dependency, Ecosystem, Kind, Span};
use crate::rules::{Level, Rule};

/// Which version of a file a finding points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Old,
    New,
}

/// How a finding ended up after sign-offs and suppressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The level in force (the rule's default unless the policy changes it).
    pub level: Level,
    pub file: String,
    pub side: Side,
    pub span: Span,
    /// 1-based, in the file of `side`.
    pub line: usize,
    pub column: usize,
    /// Where the span ends on its line (exclusive, 1-based), when it ends
    /// on the line it starts on.
    pub end_column: Option<usize>,
    pub ecosystem: Option<Ecosystem>,
    pub kind: Kind,
    pub name: String,
    pub source: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub commit: Option<String>,
    /// One sentence: what is wrong.
    pub message: String,
    /// A few words shown under the source span.
    pub label: String,
    /// One line: exactly what to do.
    pub help: String,
    /// Set by [`crate::signoff::apply`].
    pub signed_off: bool,
    /// Set when an `iacgate:allow` comment with a reason covers it.
    pub suppressed: bool,
    /// Set when the commit message is not known yet (pre-commit stage).
    pub signoff_pending: bool,
}

impl Finding {
    /// A finding about `dep`, pointing at `span` in `text`.
    pub fn about(
        rule: &'static Rule,
        file: &str,
        text: &str,
        side: Side,
        span: Span,
        dep: &Dependency,
    ) -> Finding {
        let mut finding = Finding::at(rule, file, text, side, span, dep.kind, &dep.name);
        finding.ecosystem = Some(dep.ecosystem);
        finding.source = dep.source_str().map(str::to_owned);
        finding
    }

    /// A finding at `span` in `text`, not tied to one dependency.
    pub fn at(
        rule: &'static Rule,
        file: &str,
        text: &str,
        side: Side,
        span: Span,
        kind: Kind,
        name: &str,
    ) -> Finding {
        let (line, column) = line_col(text, span.start);
        let (end_line, end_column) = line_col(text, span.end);
        Finding {
            rule,
            level: rule.level,
            file: file.to_owned(),
            side,
            span,
            line,
            column,
            end_column: (end_line == line && end_column > column).then_some(end_column),
            ecosystem: None,
            kind,
            name: name.to_owned(),
            source: None,
            old: None,
            new: None,
            commit: None,
            message: String::new(),
            label: String::new(),
            help: String::new(),
            signed_off: false,
            suppressed: false,
            signoff_pending: false,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Finding {
        self.message = message.into();
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Finding {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = help.into();
        self
    }

    pub fn with_values(mut self, old: Option<&str>, new: Option<&str>) -> Finding {
        self.old = old.map(str::to_owned);
        self.new = new.map(str::to_owned);
        self
    }

    /// A sign-off can clear it.
    pub fn needs_signoff(&self) -> bool {
        self.level == Level::SignOff
    }

    /// Fails the hook.
    pub fn is_blocking(&self) -> bool {
        if self.suppressed {
            return false;
        }
        match self.level {
            Level::Block => true,
            Level::SignOff => !self.signed_off && !self.signoff_pending,
            Level::Warn => false,
        }
    }

    pub fn severity(&self) -> Severity {
        if self.is_blocking() {
            Severity::Error
        } else if self.suppressed || self.signed_off {
            Severity::Note
        } else {
            Severity::Warning
        }
    }
}
