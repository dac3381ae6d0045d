//! Retention: the scheduled purge of what Kring no longer may keep.
//!
//! Owns deciding what has expired and deleting it for real (rows deleted, SQLite's WAL
//! checkpointed so the old pages are overwritten). Runs in the background and from
//! `kring purge`.

use std::time::Duration;

use diesel::prelude::*;

use crate::accounts;
use crate::configuration::Settings;
use crate::db::Db;
use crate::db::schema::accounts as accounts_table;
use crate::error::AppError;
use crate::sessions;
use crate::time;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub sessions: usize,
    pub accounts: usize,
    pub declined_requests: usize,
}

/// Runs every purge once (blocking: call from a blocking thread or the CLI).
pub fn purge_blocking(db: &Db, settings: &Settings) -> Result<PurgeReport, AppError> {
    let mut conn = db.get_blocking().map_err(AppError::internal)?;
    let idle = settings.sessions.idle_timeout().as_secs() as i64;
    let sessions = sessions::purge_expired(&mut conn, idle)?;
    let declined_requests = crate::groups::requests::purge_declined(
        &mut conn,
        settings.retention.declined_request_days,
    )?;
    let cutoff = time::days_ago(settings.retention.inactive_account_days);
    let inactive: Vec<String> = accounts_table::table
        .filter(accounts_table::last_seen_on.lt(cutoff))
        .select(accounts_table::id)
        .load(&mut *conn)?;
    for id in &inactive {
        crate::db::write(&mut conn, |conn| accounts::erase_blocking(conn, id))?;
    }
    drop(conn);
    db.checkpoint_blocking().map_err(AppError::internal)?;
    Ok(PurgeReport {
        sessions,
        accounts: inactive.len(),
        declined_requests,
    })
}

/// Purges now and then every `retention.purge_interval_minutes`, until the process ends.
pub async fn run_periodically(db: Db, settings: std::sync::Arc<Settings>) {
    let every = Duration::from_secs(settings.retention.purge_interval_minutes * 60);
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let (db, settings) = (db.clone(), settings.clone());
        match tokio::task::spawn_blocking(move || purge_blocking(&db, &settings)).await {
            Ok(Ok(report)) => tracing::info!(
                sessions = report.sessions,
                accounts = report.accounts,
                "retention purge done"
            ),
            Ok(Err(e)) => tracing::error!(error = %e, "retention purge failed"),
            Err(e) => tracing::error!(error = %e, "retention purge panicked"),
        }
    }
}
