//! iacgate: git hooks that guard an Infrastructure-as-Code supply chain.

mod approve;
mod args;
mod check;
mod init;
mod install;
mod pin;
mod registry;
mod remotes;
mod render;
mod sbom;
mod scan;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, HookName};

/// Nothing blocking.
const EXIT_OK: u8 = 0;
/// Blocking findings.
const EXIT_BLOCKED: u8 = 1;
/// Usage, policy or internal error.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    // A panic is a bug, but it must still fail closed with the documented
    // code, never 101.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(
            std::io::stderr(),
            "iacgate: internal error (this is a bug, please report it): {info}"
        );
    }));
    match std::panic::catch_unwind(run) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(err)) => {
            // A reader that went away (`iacgate scan | head`) needs no
            // message; the run still did not complete, so it is not a pass.
            let broken_pipe = err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
            if !broken_pipe {
                let _ = writeln!(anstream::stderr(), "iacgate: error: {err:#}");
            }
            ExitCode::from(EXIT_ERROR)
        }
        Err(_) => ExitCode::from(EXIT_ERROR),
    }
}

fn run() -> anyhow::Result<u8> {
    // The hook every commit runs: git is asked what is staged before
    // arguments are parsed or the repository is opened, so a commit that
    // touches no IaC file costs that one git process (design.md, "Speed").
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args == ["hook", "pre-commit"] {
        if let Some(raw) = check::staged_quick() {
            if raw.is_empty() {
                return Ok(EXIT_OK);
            }
            return check::run(check::Request {
                prefetched: Some(raw),
                ..check::Request::pre_commit()
            });
        }
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return Ok(code);
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args.into_request()),
        Command::Approve(args) => approve::run(args),
        Command::Sbom {
            rev,
            format,
            output,
        } => sbom::run(&rev, format, output.as_ref()),
        Command::Scan(args) => scan::run(args.scope(), args.format, args.config.as_deref()),
        Command::Pin(args) => pin::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Hook { hook } => match hook {
            HookName::PreCommit => check::run(check::Request::pre_commit()),
            HookName::PrepareCommitMsg { source, commit, .. } => {
                check::prepare_commit_msg(source.as_deref(), commit.as_deref())
            }
            HookName::CommitMsg { message_file } => {
                check::run(check::Request::commit_msg(message_file))
            }
            HookName::PrePush { remote, .. } => {
                let remote = remote
                    .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
                    .unwrap_or_default();
                check::run(check::Request::hook(check::Target::PrePush { remote }))
            }
            HookName::PreReceive => check::run(check::Request::hook(check::Target::PreReceive)),
        },
        Command::Init => init::run(),
        Command::Install { hooks, force } => install::install(&hooks, force),
        Command::Uninstall { hooks } => install::uninstall(&hooks),
        Command::Rules => {
            render::rules::list(&mut anstream::stdout())?;
            Ok(EXIT_OK)
        }
        Command::Explain { rule } => render::rules::explain(&rule, &mut anstream::stdout()),
    }
}
