//! The `kring` command line: serve (the default), migrate, purge, admin tasks.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::{self, Role};
use crate::configuration::Settings;
use crate::db::Db;
use crate::retention;
use crate::startup::Application;
use crate::state::AppState;
use crate::telemetry;

#[derive(Parser, Debug)]
#[command(name = "kring", version, about = "Forum and chat for self-help groups")]
pub struct Cli {
    /// A TOML file with settings on top of the defaults (see config/default.toml).
    #[arg(long, global = true, env = "KRING_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the site and the API (the default).
    Serve {
        /// Where to listen, ADDR:PORT (else server.bind / KRING_SERVER__BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Run retention now: purge everything past its time, and print what went.
    Purge,
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an instance admin; the password is read from standard input.
    CreateAdmin { login: String },
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("kring: {message}");
    ExitCode::FAILURE
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => return fail(e),
    };
    if let Some(Command::Serve {
        bind: Some(bind), ..
    }) = &cli.command
    {
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return fail("--bind must be ADDR:PORT, e.g. 127.0.0.1:8080");
        }
        settings.server.bind = bind.clone();
    }
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(e),
    };
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { bind: None }) {
            Command::Serve { .. } => serve(settings).await,
            Command::Migrate => migrate(settings).await,
            Command::Purge => purge(settings).await,
            Command::Admin {
                command: AdminCommand::CreateAdmin { login },
            } => create_admin(settings, login).await,
        }
    })
}

async fn serve(settings: Settings) -> ExitCode {
    match Application::build(settings).await {
        Ok(app) => match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        },
        Err(e) => fail(e),
    }
}

async fn migrate(settings: Settings) -> ExitCode {
    let result = crate::blocking::run(move || {
        let db = Db::connect(&settings.database)?;
        db.migrate()
    })
    .await;
    match result {
        Ok(Ok(())) => {
            println!("migrations applied");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn purge(settings: Settings) -> ExitCode {
    let result = crate::blocking::run(move || {
        let state = AppState::build(settings).map_err(|e| e.to_string())?;
        retention::purge_blocking(&state.db, &state.settings).map_err(|e| e.to_string())
    })
    .await;
    match result {
        Ok(Ok(report)) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn create_admin(settings: Settings, login: String) -> ExitCode {
    let mut password = String::new();
    if let Err(e) = std::io::stdin().lock().read_line(&mut password) {
        return fail(format!("cannot read the password from standard input: {e}"));
    }
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let state = match crate::blocking::run(move || AppState::build(settings)).await {
        Ok(Ok(state)) => state,
        Ok(Err(e)) => return fail(e),
        Err(e) => return fail(e),
    };
    match accounts::create(&state, &login, password, Role::InstanceAdmin).await {
        Ok(registered) => {
            println!("instance admin created. Recovery codes (shown once, keep them safe):");
            for code in registered.recovery_codes {
                println!("  {code}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
