//! The command line (`iacgate --help`).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::check::{Request, Target};

#[derive(Debug, Parser)]
#[command(
    name = "iacgate",
    version = env!("IACGATE_VERSION"),
    about = "Git hooks that guard an Infrastructure-as-Code supply chain.",
    long_about = "Git hooks that guard an Infrastructure-as-Code supply chain.\n\n\
        iacgate reads what a change does to third-party dependencies (Terraform and \
        OpenTofu modules, providers and lock files, Terragrunt, CloudFormation, Pulumi, \
        GitHub Actions, GitLab CI, Helm, Kustomize, container images, Ansible Galaxy) \
        and blocks what is unsafe: \
        new dependencies on mutable references, silent version or source swaps, provider \
        bumps without a reviewer's sign-off trailer, lock-file hash tampering, and \
        dependencies outside the policy's allowlist.",
    after_help = "Exit codes: 0 nothing blocking, 1 blocking findings, 2 usage, policy or internal error.\n\
        Start with `iacgate check`; `iacgate rules` lists what is checked; \
        docs/configuration.md documents .iacgate.toml."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge a change: the staged files (default), one commit, or a range of commits.
    #[command(after_help = "Examples:\n  \
            iacgate check                              the staged change, sign-offs required\n  \
            iacgate check --staged --message MSG       the staged change, trailers read from MSG\n  \
            iacgate check --commit HEAD                the last commit, trailers from its message\n  \
            iacgate check --range origin/main..HEAD    every commit of a pull request (CI)\n  \
            iacgate check --range A..B --format sarif  for code scanning\n  \
            iacgate check --config try.toml            judge with a policy you are trying out")]
    Check(CheckArgs),
    /// Audit a whole tree: every dependency judged as it is now (unpinned,
    /// not-allowed, lock-mismatch, pipeline-permissions, parse-error).
    #[command(after_help = "Examples:\n  \
            iacgate scan                          the repository as staged (the index)\n  \
            iacgate scan --rev origin/main        a commit's tree; works in a bare repository\n  \
            iacgate scan ./vendor/infra           a directory, in or outside a repository\n  \
            iacgate scan --format sarif > iacgate.sarif\n\n\
            The policy is .iacgate.toml of the same tree (or directory), or --config FILE.")]
    Scan(ScanArgs),
    /// Write a software bill of materials of a commit's third-party IaC
    /// dependencies: CycloneDX 1.6 or SPDX 2.3 JSON (docs/sbom.md).
    #[command(after_help = "Examples:\n  \
            iacgate sbom --format cyclonedx > sbom.cdx.json\n  \
            iacgate sbom --rev v1.4.0 --format spdx -o sbom.spdx.json\n\n\
            The same commit always gives the same bytes (sorted, no timestamps but the \
            commit's date), so SBOMs of two commits can be diffed. Works in bare repositories.")]
    Sbom {
        /// The commit whose tree is listed.
        #[arg(long, value_name = "REV", default_value = "HEAD")]
        rev: String,
        /// The document format.
        #[arg(long, value_enum)]
        format: SbomFormat,
        /// Write the document to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Pin git refs to commits: every Terraform/Terragrunt git module
    /// source, Kustomize remote and GitHub Action on a tag or branch is
    /// rewritten to the full commit the ref names now, with the tag or
    /// branch kept as a trailing `# v1.2.3` comment. Asks each remote once
    /// with `git ls-remote` (your git config and credentials apply).
    #[command(after_help = "Examples:\n  \
            iacgate pin                                every IaC file under the current directory\n  \
            iacgate pin stacks/net .github/workflows   these directories and files only\n  \
            iacgate pin --dry-run                      show the diff, write nothing\n  \
            iacgate pin --registry                     also report the newest version of each registry range\n\n\
            Only the ref's bytes change (and the comment is added); everything else in the \
            file stays byte for byte, and each rewritten file is read back before it is \
            written. An annotated tag is pinned to the commit it points to. Exit codes: 0 \
            every ref pinned (or nothing to pin), 1 some refs could not be pinned (each is \
            listed with why), 2 usage error.")]
    Pin(PinArgs),
    /// Check commit pins against their version comments: for every
    /// dependency pinned to a commit with a `# v1.2.3` comment, ask the
    /// remote (`git ls-remote`) whether the tag still points to that
    /// commit (tag-moved) and whether it ever named it (comment-mismatch).
    #[command(after_help = "Examples:\n  \
            iacgate verify                           the repository as staged (the index)\n  \
            iacgate verify --rev origin/main         a commit's tree; works in a bare repository\n  \
            iacgate verify --offline                 list what would be checked, ask nobody\n  \
            iacgate verify --format sarif > verify.sarif\n\n\
            Each remote is asked once, with a timeout. A pin whose remote cannot be reached \
            is listed as not checked and does not fail the run; a moved tag or a wrong \
            comment does (exit 1). This and `pin` are the only commands that use the network.")]
    Verify(VerifyArgs),
    /// Sign, as a reviewer, the findings that need a sign-off in a change:
    /// prints the `Approved-by:` and `Iacgate-Approval:` trailers the author
    /// adds to the commit (docs/approvals.md).
    #[command(after_help = "Examples:\n  \
            iacgate approve --commit 1a2b3c4           one commit, e.g. fetched from the author's branch\n  \
            iacgate approve --range origin/main..HEAD  every commit of a branch, one approval each\n  \
            iacgate approve --staged                   the staged change, on the machine it is staged on\n  \
            iacgate approve --commit HEAD --yes --key ~/.ssh/id_ed25519\n\n\
            The delta it shows is what is signed: each finding's rule, file, kind, name, source, \
            old and new value, without line numbers or commit ids, so the approval survives a rebase \
            of the same change and no other change. It is signed with ssh-keygen in the namespace \
            iacgate-approval, with --key or git's user.signingkey (gpg.format=ssh), as git's \
            user.name <user.email>. The gates accept it when the policy sets \
            [signoff] require_signature = true and its allowed_signers file lists your key for \
            that email.\n\n\
            Exit codes: 0 signed (or nothing needs approval), 1 declined at the prompt, or signed but refused by the base's allowed signers (a warning says why), 2 error.")]
    Approve(ApproveArgs),
    /// Entry points for git hooks (installed as shims in the hooks directory).
    Hook {
        #[command(subcommand)]
        hook: HookName,
    },
    /// Install the hooks into this repository's hooks directory (it
    /// honours core.hooksPath and worktrees). A hook already there is kept
    /// as NAME.local and still runs first; one managed by another hook
    /// manager is left alone, with what to add to that manager instead.
    #[command(
        after_help = "Hooks: pre-commit, prepare-commit-msg, commit-msg and pre-push by default;
        pre-receive by default in a bare repository (a server)."
    )]
    Install {
        /// Install only this hook (repeatable).
        #[arg(long = "hook", value_name = "NAME")]
        hooks: Vec<String>,
        /// Also take over a hook managed by another manager (kept as NAME.local).
        #[arg(long)]
        force: bool,
    },
    /// Remove iacgate's hooks and put back the ones they replaced.
    Uninstall {
        /// Uninstall only this hook (repeatable).
        #[arg(long = "hook", value_name = "NAME")]
        hooks: Vec<String>,
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
    #[arg(long, conflicts_with_all = ["commit", "range"])]
    pub staged: bool,
    /// Judge one existing commit against its first parent; sign-off
    /// trailers are read from its message.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    pub commit: Option<String>,
    /// Judge every commit in A..B (reachable from B, not from A), each
    /// against its first parent with its own message; the policy is read
    /// from A. Works in bare repositories.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Read sign-off trailers (Reviewed-by:, Approved-by:) from this commit
    /// message file. Without it, `--staged` treats findings that need a
    /// sign-off as blocking.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["commit", "range"])]
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
    pub fn into_request(self) -> Request {
        let target = match (self.commit, self.range) {
            (Some(rev), _) => Target::Commit(rev),
            (_, Some(range)) => Target::Range(range),
            _ => Target::Staged,
        };
        Request {
            target,
            message_file: self.message,
            config: self.config,
            pre_commit: false,
            hook: false,
            approving: false,
            prefetched: None,
            format: self.format,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["staged", "commit", "range"])))]
pub struct ApproveArgs {
    /// Approve the staged change (what `git commit` would record now).
    #[arg(long)]
    pub staged: bool,
    /// Approve one commit, judged against its first parent.
    #[arg(long, value_name = "REV")]
    pub commit: Option<String>,
    /// Approve every commit in A..B that needs a sign-off: one approval
    /// per commit, since each commit is judged with its own message.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Sign without asking (required when standard input is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// The SSH key to sign with: a private key, or a public key whose
    /// private key is in ssh-agent. Default: git's user.signingkey when
    /// gpg.format is ssh.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Output format of the trailers.
    #[arg(long, value_enum, default_value_t = ApproveFormat::Human)]
    pub format: ApproveFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApproveFormat {
    /// The trailers, one per line, on standard output.
    Human,
    /// `{"version": 1, "approvals": [{"commit", "summary", "delta", "trailers"}]}`.
    Json,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// A directory to scan on disk (never leaving it) instead of the
    /// repository's index.
    #[arg(value_name = "PATH", conflicts_with = "rev")]
    pub path: Option<PathBuf>,
    /// Scan the tree of this revision (a commit, branch or tag).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Judge with this policy file instead of the tree's .iacgate.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl ScanArgs {
    pub fn scope(&self) -> crate::scan::Scope {
        crate::scan::Scope::of(self.path.as_ref(), self.rev.as_ref())
    }
}

#[derive(Debug, Args)]
pub struct PinArgs {
    /// Files and directories to pin (directories are searched for IaC
    /// files, never leaving them). Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print the changes as a unified diff on standard output; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for each remote.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Also ask Terraform module registries (HTTPS) for the newest version
    /// that satisfies each registry module's version range, and print it.
    /// Off by default: without it, pin asks only git remotes.
    #[arg(long)]
    pub registry: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A directory to check on disk instead of the repository's index.
    #[arg(value_name = "PATH", conflicts_with = "rev")]
    pub path: Option<PathBuf>,
    /// Check the tree of this revision (a commit, branch or tag).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Ask no remote: list the pins that would be checked, as not checked.
    #[arg(long)]
    pub offline: bool,
    /// Seconds to wait for each remote.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Judge with this policy file instead of the tree's .iacgate.toml
    /// (its `[rules]` levels apply).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl VerifyArgs {
    pub fn scope(&self) -> crate::scan::Scope {
        crate::scan::Scope::of(self.path.as_ref(), self.rev.as_ref())
    }
}

#[derive(Debug, Subcommand)]
pub enum HookName {
    /// Judge the staged change; findings that need a sign-off are reported
    /// but do not fail, because the message does not exist yet.
    PreCommit,
    /// Remember whether the commit being made amends HEAD, for commit-msg.
    PrepareCommitMsg {
        /// The message file git passes to the hook.
        message_file: PathBuf,
        /// Where the message comes from: message, template, merge, squash or commit.
        source: Option<String>,
        /// With `commit`: the commit whose message is reused (HEAD when amending).
        commit: Option<String>,
    },
    /// Judge the staged change with the message git is about to record:
    /// sign-off trailers clear the findings that need them.
    CommitMsg {
        /// The message file git passes to the hook.
        message_file: PathBuf,
    },
    /// Judge every commit being pushed (ref lines on standard input), each
    /// with its own message. Under the pre-commit framework, which gives no
    /// input, PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF say what is pushed.
    PrePush {
        /// The remote's name (default: PRE_COMMIT_REMOTE_NAME).
        remote: Option<String>,
        /// The remote's URL.
        url: Option<String>,
    },
    /// On a server: judge every commit a push brings (ref lines on standard
    /// input); a blocking finding rejects the whole push.
    PreReceive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with the source line (colours on a terminal, never with NO_COLOR).
    Human,
    /// The JSON report, version 1 (fields listed in the README).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations (::error file=...::).
    Github,
}
