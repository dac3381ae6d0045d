//! What every request handler shares: settings, the database, the password hasher, the
//! rate limits, the counters and the home steunpunt. Built once at start-up.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
use crate::accounts::login_key::{self, LoginKey, LoginKeyError};
use crate::configuration::Settings;
use crate::db::{Db, DbError};
use crate::error::AppError;
use crate::limits::RateLimits;
use crate::metrics::Metrics;
use crate::steunpunten::{self, Steunpunt};

pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub hasher: PasswordHasher,
    /// What login names are stored under.
    pub login_key: LoginKey,
    pub limits: RateLimits,
    pub metrics: Metrics,
    /// The steunpunt whose name and crisis text the pages show.
    pub home: Steunpunt,
    /// Chat: this process's connections and its line to the other processes.
    pub chat: crate::chat::Chat,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    App(#[from] AppError),
    #[error(transparent)]
    LoginKey(#[from] LoginKeyError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

impl AppState {
    /// Connects, migrates and makes sure the default steunpunt exists (blocking).
    pub fn build(settings: Settings) -> Result<AppState, StartupError> {
        let db = Db::connect(&settings.database)?;
        db.migrate()?;
        let (home, login_key) = {
            let mut conn = db.get_blocking()?;
            let (login_key, brought) =
                login_key::prepare(&mut conn, &settings.accounts.login_key_path)?;
            if brought > 0 {
                tracing::info!(
                    accounts = brought,
                    "login names now stored under the login key"
                );
            }
            let home = steunpunten::ensure_default(&mut conn, &settings.steunpunt)?;
            (home, login_key)
        };
        let postgres = matches!(db.backend(), crate::db::Backend::Postgres { .. });
        Ok(AppState {
            chat: crate::chat::Chat::new(postgres),
            hasher: PasswordHasher::new(&settings.passwords)?,
            login_key,
            limits: RateLimits::new(&settings.limits),
            metrics: Metrics::default(),
            settings: Arc::new(settings),
            db,
            home,
        })
    }
}
