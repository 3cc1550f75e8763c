//! The command line (design.md, "Command line").

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::check::{Request, Target};

#[derive(Debug, Parser)]
#[command(
    name = "iacgate",
    version,
    about = "Git hooks that guard an Infrastructure-as-Code supply chain.",
    long_about = "Git hooks that guard an Infrastructure-as-Code supply chain.\n\n\
        iacgate reads what a change does to third-party dependencies (Terraform and \
        OpenTofu modules, providers, .terraform.lock.hcl) and blocks what is unsafe: \
        new dependencies on mutable references, silent version or source swaps, provider \
        bumps without a reviewer's sign-off trailer, lock-file hash tampering.",
    after_help = "Exit codes: 0 nothing blocking, 1 blocking findings, 2 usage or internal error.\n\
        Start with `iacgate check --staged`; `iacgate rules` lists what is checked."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge a change: the staged files (default) or an existing commit.
    #[command(after_help = "Examples:\n  \
            iacgate check                         the staged change, sign-offs required\n  \
            iacgate check --staged --message MSG  the staged change, trailers read from MSG\n  \
            iacgate check --commit HEAD           the last commit, trailers from its message\n  \
            iacgate check --config try.toml       judge with a policy you are trying out\n  \
            iacgate check --format json           machine-readable report (version 1)")]
    Check(CheckArgs),
    /// Entry points for git hooks (installed as shims in .git/hooks).
    Hook {
        #[command(subcommand)]
        hook: HookName,
    },
    /// Write a starter .iacgate.toml that allowlists the module sources and
    /// providers the repository uses today (never overwrites one).
    Init,
    /// List every rule with its default level.
    Rules,
    /// Print a rule's documentation: what it catches, why, and how to clear it.
    Explain {
        /// A rule name, as `iacgate rules` lists them (e.g. unpinned).
        rule: String,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Judge the staged change, exactly as `git commit` would record it
    /// (the index, honouring GIT_INDEX_FILE). The default.
    #[arg(long, conflicts_with = "commit")]
    pub staged: bool,
    /// Judge one existing commit against its first parent; sign-off
    /// trailers are read from its message.
    #[arg(long, value_name = "REV")]
    pub commit: Option<String>,
    /// Read sign-off trailers (Reviewed-by:, Approved-by:) from this commit
    /// message file. Without it, `--staged` treats findings that need a
    /// sign-off as blocking.
    #[arg(long, value_name = "FILE", conflicts_with = "commit")]
    pub message: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Judge with this policy file instead of .iacgate.toml at the base
    /// revision: for trying a policy locally (hooks never take it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl CheckArgs {
    pub fn into_request(self) -> anyhow::Result<Request> {
        let target = match self.commit {
            Some(rev) => Target::Commit(rev),
            None => Target::Staged,
        };
        Ok(Request {
            target,
            message_file: self.message,
            config: self.config,
            pre_commit: false,
            hook: false,
            format: self.format,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum HookName {
    /// Judge the staged change; findings that need a sign-off are reported
    /// but do not fail, because the message does not exist yet.
    PreCommit,
    /// Judge the staged change with the message git is about to record:
    /// sign-off trailers clear the findings that need them.
    CommitMsg {
        /// The message file git passes to the hook.
        message_file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with the source line (colours on a terminal, never with NO_COLOR).
    Human,
    /// The JSON report, version 1 (see design.md).
    Json,
}
