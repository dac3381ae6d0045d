//! Sessions: 256-bit random tokens of which only the SHA-256 is stored.
//!
//! A session ends when idle for `sessions.idle_timeout_minutes`, at the latest
//! `sessions.absolute_timeout_days` after login, at logout, or with "log out everywhere".

use diesel::prelude::*;

use crate::accounts::{Account, AccountRow};
use crate::db::DbConnection;
use crate::db::schema::{accounts, sessions};
use crate::error::AppError;
use crate::secrets;
use crate::state::AppState;
use crate::time;

/// Session times are kept to the hour: enough for expiry, too coarse to trace activity. It
/// also means at most one write an hour per session instead of one per request.
const GRAIN_SECS: i64 = 3600;

fn hour_floor(t: i64) -> i64 {
    t - t.rem_euclid(GRAIN_SECS)
}

/// A fresh session: the raw token goes to the client once and is never stored.
pub struct NewSession {
    pub token: String,
    pub expires_at: i64,
}

/// A live session, resolved from a token.
#[derive(Insertable)]
#[diesel(table_name = sessions)]
struct SessionRow<'a> {
    token_hash: String,
    account_id: &'a str,
    last_used_at: i64,
    expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub token_hash: String,
    pub expires_at: i64,
}

pub async fn start(state: &AppState, account_id: &str) -> Result<NewSession, AppError> {
    let token = secrets::new_token();
    let now = hour_floor(time::now());
    let expires_at = now + state.settings.sessions.absolute_timeout().as_secs() as i64;
    let (hash, id) = (secrets::sha256_hex(&token), account_id.to_string());
    state
        .db
        .run(move |conn| {
            diesel::insert_into(sessions::table)
                .values(SessionRow {
                    token_hash: hash,
                    account_id: &id,
                    last_used_at: now,
                    expires_at,
                })
                .execute(conn)?;
            touch_account(conn, &id)?;
            Ok(())
        })
        .await?;
    Ok(NewSession { token, expires_at })
}

fn touch_account(conn: &mut DbConnection, account_id: &str) -> Result<(), AppError> {
    let today = time::today();
    diesel::update(
        accounts::table
            .find(account_id)
            .filter(accounts::last_seen_on.ne(&today)),
    )
    .set(accounts::last_seen_on.eq(&today))
    .execute(conn)?;
    Ok(())
}

/// The live session for `token`, if any. Expired sessions are deleted on sight.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<Session>, AppError> {
    let (token, idle) = (token.to_string(), idle_secs(state));
    state
        .db
        .run(move |conn| resolve_in(conn, &token, idle))
        .await
}

/// The idle timeout in seconds, as [`resolve_in`] takes it.
pub fn idle_secs(state: &AppState) -> i64 {
    state.settings.sessions.idle_timeout().as_secs() as i64
}

/// [`resolve`] on a connection that a trip to the blocking pool already holds, so a hot
/// read path can look the session up in the same trip as the rest.
pub fn resolve_in(
    conn: &mut DbConnection,
    token: &str,
    idle: i64,
) -> Result<Option<Session>, AppError> {
    if token.len() != 43 {
        return Ok(None);
    }
    resolve_hash_in(conn, &secrets::sha256_hex(token), idle)
}

/// [`resolve_in`] by the token's hash: whether a session held since earlier (an open chat
/// connection) is still alive, as it is now. Keeps it alive like any use does.
pub fn resolve_hash_in(
    conn: &mut DbConnection,
    hash: &str,
    idle: i64,
) -> Result<Option<Session>, AppError> {
    let hash = hash.to_string();
    let found = sessions::table
        .inner_join(accounts::table)
        .filter(sessions::token_hash.eq(&hash))
        .select((
            sessions::last_used_at,
            sessions::expires_at,
            AccountRow::as_select(),
        ))
        .first::<(i64, i64, AccountRow)>(conn)
        .optional()?;
    let Some((last_used_at, expires_at, row)) = found else {
        return Ok(None);
    };
    let now = time::now();
    if now >= expires_at || now >= last_used_at + idle {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(None);
    }
    let account = Account::from(row);
    if hour_floor(now) > last_used_at {
        diesel::update(sessions::table.find(&hash))
            .set(sessions::last_used_at.eq(hour_floor(now)))
            .execute(conn)?;
        touch_account(conn, &account.id)?;
    }
    Ok(Some(Session {
        account,
        token_hash: hash,
        expires_at,
    }))
}

/// Ends the session a raw token belongs to, if any (a new login replaces the old one).
pub async fn end_token(state: &AppState, token: &str) -> Result<(), AppError> {
    end(state, &secrets::sha256_hex(token)).await
}

/// Ends one session; its open chat connections close (on every process).
pub async fn end(state: &AppState, token_hash: &str) -> Result<(), AppError> {
    let hash = token_hash.to_string();
    let account: Option<String> = state
        .db
        .run(move |conn| {
            let account = sessions::table
                .find(&hash)
                .select(sessions::account_id)
                .first(conn)
                .optional()?;
            diesel::delete(sessions::table.find(&hash)).execute(conn)?;
            Ok(account)
        })
        .await?;
    if let Some(account) = account {
        crate::chat::bus::tell_account(state, &account, "logged_out").await;
    }
    Ok(())
}

/// Ends every session of an account ("log out everywhere"), and its chat connections.
pub async fn end_all(state: &AppState, account_id: &str) -> Result<(), AppError> {
    let id = account_id.to_string();
    state
        .db
        .run(move |conn| {
            diesel::delete(sessions::table.filter(sessions::account_id.eq(id))).execute(conn)?;
            Ok(())
        })
        .await?;
    crate::chat::bus::tell_account(state, account_id, "logged_out").await;
    Ok(())
}

/// Deletes sessions past their absolute or idle expiry. Returns how many went.
pub fn purge_expired(conn: &mut DbConnection, idle_secs: i64) -> Result<usize, AppError> {
    let now = time::now();
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_used_at.le(now - idle_secs)),
        ),
    )
    .execute(conn)?)
}
