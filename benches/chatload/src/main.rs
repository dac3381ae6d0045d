//! `chatload`: Kring's chat benchmark.
//!
//! - `chatload bare` is the bare broadcast server, the baseline ([`bare`]).
//! - `chatload load` is the open-loop load generator ([`load`]).
//! - `chatload all` is the scenario runner ([`runner`]): it builds Kring in release, starts
//!   `kring serve` processes (SQLite, and PostgreSQL for the two-process scenario), seeds them
//!   through the real API ([`kring`]), runs every scenario against Kring and against the bare
//!   server in the same run, and writes the `## Chat` section of `benches/RESULTS.md`.
//!
//! `cargo run --release -p chatload -- all` is the full run; `-- all --quick` a short one.

mod bare;
mod frame;
mod kring;
mod load;
mod runner;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "chatload", about = "Kring's chat benchmark harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The bare broadcast server (the baseline).
    Bare(bare::BareArgs),
    /// The load generator, against any websocket URL.
    Load(load::LoadArgs),
    /// Every scenario against Kring and the bare server; writes benches/RESULTS.md.
    All(Box<runner::RunArgs>),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Bare(args) => bare::run(args).map_err(|e| e.to_string()),
        Command::Load(args) => load::run(args).map_err(|e| e.to_string()),
        Command::All(args) => runner::run(*args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chatload: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Raises this process's open-file limit (inherited by the servers the runner starts): as
/// far as root may, else to the hard limit. Returns the soft limit now in force.
pub fn raise_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        let wanted = 65_536.max(limit.rlim_cur);
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: wanted.max(limit.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    limit.rlim_cur
}
