//! Storage: one diesel connection type over SQLite and PostgreSQL, a pool, migrations.
//!
//! Owns choosing the backend from the URL, per-connection setup, and moving every blocking
//! database call off the async workers (`Db::run`). Backend differences stay inside this
//! module; handlers and services never match on the backend.

pub mod schema;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::configuration::DatabaseSettings;
use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// Serialises migrations when several processes start against one PostgreSQL database.
const MIGRATION_LOCK_KEY: i64 = 0x006b_7269_6e67; // "kring"

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which engine a database URL names. Never guessed: an unknown scheme is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "database.url must start with sqlite:// or postgres:// (got a URL starting with {0:?})"
    )]
    UnknownScheme(String),
    #[error("database.url names no SQLite file")]
    EmptySqlitePath,
    #[error("cannot create the folder for the SQLite file {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database migrations failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(DbError::EmptySqlitePath);
            }
            return Ok(Backend::Sqlite {
                path: PathBuf::from(path),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres {
                url: url.to_string(),
            });
        }
        let scheme: String = url.chars().take_while(|c| *c != ':').take(20).collect();
        Err(DbError::UnknownScheme(scheme))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }
}

/// Opens connections of the configured backend, and only that one.
#[derive(Debug)]
pub struct ConnectionManager {
    backend: Backend,
    busy_timeout_ms: u32,
}

/// Page cache per pooled SQLite connection, in KiB, instead of SQLite's 2 MiB default: pages
/// the operating system's file cache holds anyway need not sit in every pooled connection's
/// heap too. A fresh server's VmRSS went from 23.1 to 19.5 MiB with it (benches/RESULTS.md,
/// scenario 1 spot checks).
const SQLITE_CACHE_KIB: u32 = 1024;

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.backend {
            Backend::Postgres { url } => Ok(DbConnection::Postgres(
                PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?,
            )),
            Backend::Sqlite { path } => {
                enable_query_planner_stability();
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA foreign_keys = ON;
                     PRAGMA secure_delete = ON;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA wal_autocheckpoint = 0;
                     PRAGMA journal_size_limit = 0;
                     PRAGMA cache_size = -{};",
                    self.busy_timeout_ms, SQLITE_CACHE_KIB
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        r2d2::R2D2Connection::is_broken(conn)
    }
}

/// Query-planner stability (`SQLITE_DBCONFIG_ENABLE_QPSG`) on every SQLite connection this
/// process opens from now on. Without it SQLite (built with STAT4) re-plans a cached statement
/// whenever a rebound key or `LIMIT` might change the plan: 17 % of a topic page's throughput.
/// diesel gives no handle to its `sqlite3*`, so this goes through SQLite's auto extension,
/// which runs for each connection as it opens.
fn enable_query_planner_stability() {
    use libsqlite3_sys as ffi;
    use std::os::raw::{c_char, c_int};
    unsafe extern "C" fn on_open(
        db: *mut ffi::sqlite3,
        _error: *mut *mut c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: `db` is the connection being opened; this op takes an int and an int*.
        unsafe {
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                std::ptr::null_mut::<c_int>(),
            )
        }
    }
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a function with the signature SQLite calls it with.
        unsafe {
            ffi::sqlite3_auto_extension(Some(on_open));
        }
    });
}

/// Runs `work` in a write transaction. On SQLite the write lock is taken up front
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails at once with
/// "database is locked" when another writer got in between, instead of waiting.
pub fn write<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        unreachable!("the backend of a connection does not change")
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

/// Inside a write transaction: serialises writes to one group. SQLite's `BEGIN IMMEDIATE`
/// already holds the database's write lock; PostgreSQL locks the group's row, so facts read
/// after this call cannot change before the transaction ends. A missing slug locks nothing
/// and costs the same statement.
pub fn lock_group(conn: &mut DbConnection, slug: &str) -> Result<(), AppError> {
    if let DbConnection::Postgres(pg) = conn {
        schema::groups::table
            .filter(schema::groups::slug.eq(slug))
            .select(schema::groups::id)
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// A unique-constraint violation as the client error `conflict()` makes; other errors as they
/// are. For inserts whose "already there?" check can lose a race.
pub fn on_unique_violation(
    error: diesel::result::Error,
    conflict: impl FnOnce() -> AppError,
) -> AppError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => conflict(),
        other => other.into(),
    }
}

/// The pool, cheap to clone. All database work goes through [`Db::run`].
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    busy_timeout_ms: u32,
}

impl Db {
    /// Opens the pool (creating the SQLite file and its folder if needed). Does not migrate.
    pub fn connect(settings: &DatabaseSettings) -> Result<Db, DbError> {
        let backend = Backend::from_url(&settings.url)?;
        if let Backend::Sqlite { path } = &backend
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: path.display().to_string(),
                source,
            })?;
        }
        let manager = ConnectionManager {
            backend: backend.clone(),
            busy_timeout_ms: settings.busy_timeout_ms,
        };
        let pool = Pool::builder()
            .max_size(settings.pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        let db = Db {
            pool,
            backend,
            busy_timeout_ms: settings.busy_timeout_ms,
        };
        if let Backend::Sqlite { .. } = db.backend {
            // WAL lives in the file, so once is enough.
            db.pool.get()?.batch_execute("PRAGMA journal_mode = WAL;")?;
        }
        Ok(db)
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Applies pending migrations (blocking; call at start-up or from `kring migrate`).
    pub fn migrate(&self) -> Result<(), DbError> {
        let mut conn = self.pool.get()?;
        let result = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            DbConnection::Postgres(c) => {
                diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                    .execute(c)?;
                let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                    .execute(c)?;
                result
            }
        };
        result.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// A blocking connection for start-up and CLI work (never on an async worker).
    pub fn get_blocking(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs `work` with a pooled connection on the blocking pool (`crate::blocking`): the one
    /// trip a request makes there.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        crate::blocking::run(move || {
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "no database connection available");
                AppError::busy()
            })?;
            work(&mut conn)
        })
        .await?
    }

    /// Like [`Db::run`], inside a write transaction ([`write`]).
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.run(move |conn| write(conn, work)).await
    }

    /// Runs `work` (blocking) unless another process holds `key`. On PostgreSQL a
    /// transaction-level advisory lock, tried, never waited for, and released by the end of
    /// the transaction whatever `work` does (an error, even a panic, cannot leave it held on
    /// a pooled connection). On SQLite one process owns the file, and its write
    /// transactions serialise anyway. `None` when another process holds the lock.
    pub fn exclusive<T>(
        &self,
        key: i64,
        work: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
    ) -> Result<Option<T>, AppError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| AppError::internal(DbError::Pool(e)))?;
        if let DbConnection::Sqlite(_) = &mut *conn {
            return work(&mut conn).map(Some);
        }
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            locked: bool,
        }
        let conn: &mut DbConnection = &mut conn;
        conn.transaction(|conn| {
            let DbConnection::Postgres(pg) = &mut *conn else {
                unreachable!("the backend of a connection does not change")
            };
            let got: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .bind::<diesel::sql_types::BigInt, _>(key)
                .get_result(pg)?;
            if !got.locked {
                return Ok(None);
            }
            work(conn).map(Some)
        })
    }

    /// Is the database reachable? For `/readyz`.
    pub async fn ping(&self) -> bool {
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(AppError::internal))
            .await
            .is_ok()
    }

    /// Folds what the SQLite write-ahead log holds back into the file, without waiting for
    /// readers or writers (a background job, every few seconds). Connections do not do it
    /// themselves (`wal_autocheckpoint = 0`): SQLite would otherwise checkpoint, fsync
    /// included, inside whichever commit crossed the threshold, and a chat message waiting
    /// behind that commit would wait for the disk. A no-op on PostgreSQL.
    pub fn checkpoint_passive_blocking(&self) -> Result<(), DbError> {
        if let Backend::Sqlite { .. } = self.backend {
            let mut conn = self.pool.get()?;
            conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);")?;
        }
        Ok(())
    }

    /// The minute's scrub (see `scheduler`): [`Db::checkpoint_blocking`] without waiting,
    /// so that no write waits behind it; when a reader or writer is busy it says so, and the
    /// next write after a complete checkpoint empties the log anyway (`journal_size_limit =
    /// 0`). Answers whether the log was truncated. A no-op on PostgreSQL.
    pub fn scrub_blocking(&self) -> Result<bool, DbError> {
        #[derive(QueryableByName)]
        struct Checkpoint {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            busy: i32,
        }
        if let Backend::Sqlite { .. } = self.backend {
            let mut conn = self.pool.get()?;
            conn.batch_execute("PRAGMA busy_timeout = 0;")?;
            let done = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .get_result::<Checkpoint>(&mut *conn);
            conn.batch_execute(&format!("PRAGMA busy_timeout = {};", self.busy_timeout_ms))?;
            return Ok(done?.busy == 0);
        }
        Ok(true)
    }

    /// Folds the SQLite write-ahead log back into the file and truncates it, so deleted
    /// content does not linger in `-wal`. A no-op on PostgreSQL.
    pub fn checkpoint_blocking(&self) -> Result<(), DbError> {
        if let Backend::Sqlite { .. } = self.backend {
            let mut conn = self.pool.get()?;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        Ok(())
    }

    /// PostgreSQL: a deleted row stays in its page as a dead tuple until vacuum; after a
    /// purge, the tables that hold what people wrote and who they are are vacuumed at once
    /// (plain VACUUM: it frees the tuples for reuse and does not lock out readers or
    /// writers). A no-op on SQLite, where `secure_delete` overwrites at delete time.
    pub fn vacuum_content_blocking(&self) -> Result<(), DbError> {
        if let Backend::Postgres { .. } = self.backend {
            let mut conn = self.pool.get()?;
            conn.batch_execute(&format!("VACUUM {};", CONTENT_TABLES.join(", ")))?;
        }
        Ok(())
    }
}

/// The tables that hold what people wrote, who they are, and how they got in.
pub const CONTENT_TABLES: [&str; 15] = [
    "accounts",
    "sessions",
    "recovery_codes",
    "memberships",
    "join_requests",
    "invites",
    "modlog",
    "topics",
    "posts",
    "reports",
    "announcements",
    "post_rejections",
    "messages",
    "room_sanctions",
    "room_presence",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/kring.db").unwrap(),
            Backend::Sqlite {
                path: "data/kring.db".into()
            }
        );
        assert_eq!(
            Backend::from_url("sqlite:///var/lib/kring.db").unwrap(),
            Backend::Sqlite {
                path: "/var/lib/kring.db".into()
            }
        );
        assert!(matches!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres { .. }
        ));
        for bad in [
            "postgress://u@h/db",
            "mysql://x",
            "data/kring.db",
            "",
            "sqlite://",
        ] {
            assert!(Backend::from_url(bad).is_err(), "{bad}");
        }
    }
}
