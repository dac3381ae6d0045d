//! What every request handler shares: settings, the database, the password hasher, the
//! rate limits, the counters and the home steunpunt. Built once at start-up.

use std::sync::Arc;

use crate::accounts::PasswordHasher;
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
        let home = {
            let mut conn = db.get_blocking()?;
            steunpunten::ensure_default(&mut conn, &settings.steunpunt)?
        };
        let postgres = matches!(db.backend(), crate::db::Backend::Postgres { .. });
        Ok(AppState {
            chat: crate::chat::Chat::new(postgres),
            hasher: PasswordHasher::new(&settings.passwords)?,
            limits: RateLimits::new(&settings.limits),
            metrics: Metrics::default(),
            settings: Arc::new(settings),
            db,
            home,
        })
    }
}
