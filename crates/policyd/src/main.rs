//! `mail-policyd`: the mail-policy rules outside Rust.
//!
//! - `mail-policyd check MESSAGE [envelope flags] [--config FILE] [--json]`: walk one SMTP
//!   session through the facade's engine and print the verdict of every stage, the header
//!   edits and the explain trace.
//! - `mail-policyd serve [--config FILE] [--policy ADDR] [--milter ADDR] [--metrics ADDR]`:
//!   the daemon in front of Postfix (docs/operations.md).
//!
//! Exit status of `check`: 0 accepted (or discarded), 3 deferred, 4 rejected, 2 usage or
//! configuration error, 1 other errors.

#![forbid(unsafe_code)]

mod check;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The mail-policy rules (SPEC.md) for Postfix and other MTAs.
#[derive(Debug, Parser)]
#[command(name = "mail-policyd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate one message as if it arrived in an SMTP session, and print the verdict.
    Check(check::CheckArgs),
    /// Serve the rules to Postfix: policy delegation, milter, metrics (docs/operations.md).
    Serve(mail_policyd::serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check::run(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("mail-policyd check: {e}");
                ExitCode::from(e.exit_code())
            }
        },
        Command::Serve(args) => match mail_policyd::serve::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mail-policyd serve: {e}");
                ExitCode::from(2)
            }
        },
    }
}
