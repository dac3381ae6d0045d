//! Accounts: registration, login checks, passwords, recovery codes, export and erasure.
//!
//! An account holds its login name's keyed hash (the name itself is never stored: see
//! [`login_key`]), an argon2id hash, hashed recovery codes, a role, a creation day and a
//! last-seen day. Nothing else. This module is
//! the service layer that both the pages and the API call; it never sees HTTP.

pub mod login_key;
pub mod password;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{accounts, recovery_codes, sessions};
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::limits::{Attempt, SourceKey};
use crate::names::{self, NameKind};
use crate::secrets;
use crate::state::AppState;
use crate::time;

pub use password::{NewPassword, PasswordHasher};

/// How many one-time recovery codes an account gets.
pub const RECOVERY_CODE_COUNT: usize = 8;

/// What kind of account this is; the policy decides what each kind may do.
pub use crate::policy::AccountRole as Role;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: String,
    pub role: Role,
    /// Day of registration (UTC), `YYYY-MM-DD`.
    pub created_on: String,
    /// Last day the account was used (UTC), `YYYY-MM-DD`.
    pub last_seen_on: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub(crate) struct AccountRow {
    id: String,
    login_hash: String,
    password_hash: String,
    role: Role,
    created_on: String,
    last_seen_on: String,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Account {
        Account {
            id: row.id,
            role: row.role,
            created_on: row.created_on,
            last_seen_on: row.last_seen_on,
        }
    }
}

/// A new account and the recovery codes to show its owner, once.
pub struct Registered {
    pub account: Account,
    pub recovery_codes: Vec<String>,
}

fn invalid_credentials() -> AppError {
    AppError::client(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "That login name and password do not match.",
    )
}

fn wrong_password() -> AppError {
    AppError::forbidden("wrong_password", "That is not your current password.")
}

/// Checks a logged-in account's password again (limited, so a stolen session cannot guess).
async fn reauthenticate(
    state: &AppState,
    source: SourceKey,
    account_id: &str,
    password: String,
) -> Result<AccountRow, AppError> {
    state
        .limits
        .check(Attempt::Reauth, source, Some(account_id))?;
    let row = find_by_id(&state.db, account_id.to_string()).await?;
    let (ok, _) = state
        .hasher
        .verify(password, Some(row.password_hash.clone()))
        .await?;
    if ok { Ok(row) } else { Err(wrong_password()) }
}

/// The key a typed login name is looked up by, and the key its rate limit counts under.
/// A name that breaks the rules cannot exist and is not looked up; it is still limited and
/// hashed against, so the answer takes as long.
fn lookup_key(login: &str) -> (Option<String>, String) {
    match names::check(login) {
        Ok(name) => (Some(name.key.clone()), name.key),
        Err(_) => (None, login.trim().to_lowercase()),
    }
}

fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODE_COUNT)
        .map(|_| secrets::new_code(4))
        .collect()
}

fn store_recovery_codes(
    conn: &mut DbConnection,
    account_id: &str,
    codes: &[String],
) -> Result<(), AppError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id)))
        .execute(conn)?;
    // One row at a time: the multi-backend connection has no batch insert.
    for code in codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::account_id.eq(account_id),
                recovery_codes::code_hash.eq(secrets::sha256_hex(&secrets::normalise_code(code))),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Registers from a request: rate-limited per source.
pub async fn register(
    state: &AppState,
    source: SourceKey,
    login: &str,
    password: String,
) -> Result<Registered, AppError> {
    state.limits.check(Attempt::Register, source, None)?;
    let registered = create(state, login, password, Role::Member).await?;
    state.metrics.registrations.inc();
    Ok(registered)
}

/// Creates an account with `role` (also used by `kring admin create-admin`).
pub async fn create(
    state: &AppState,
    login: &str,
    password: String,
    role: Role,
) -> Result<Registered, AppError> {
    let name = names::check(login).map_err(|e| e.into_app_error(NameKind::Login))?;
    let password = NewPassword::parse(password, &name.key)?;
    let password_hash = state.hasher.hash(password).await?;
    let login_hash = state.login_key.hash(&name.key);
    let codes = new_recovery_codes();
    let stored_codes = codes.clone();
    let account = state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let taken: i64 = accounts::table
                    .filter(accounts::login_hash.eq(&login_hash))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(login_taken());
                }
                let today = time::today();
                let row = AccountRow {
                    id: secrets::new_id(),
                    login_hash,
                    password_hash,
                    role,
                    created_on: today.clone(),
                    last_seen_on: today,
                };
                diesel::insert_into(accounts::table)
                    .values(&row)
                    .execute(conn)
                    .map_err(|e| db::on_unique_violation(e, login_taken))?;
                store_recovery_codes(conn, &row.id, &stored_codes)?;
                Ok(Account::from(row))
            })
        })
        .await?;
    Ok(Registered {
        account,
        recovery_codes: codes,
    })
}

fn login_taken() -> AppError {
    AppError::conflict(
        "login_taken",
        "This login name is already in use. Choose another one.",
    )
}

async fn find_by_login(db: &Db, login_hash: String) -> Result<Option<AccountRow>, AppError> {
    db.run(move |conn| {
        Ok(accounts::table
            .filter(accounts::login_hash.eq(login_hash))
            .select(AccountRow::as_select())
            .first(conn)
            .optional()?)
    })
    .await
}

async fn find_by_id(db: &Db, id: String) -> Result<AccountRow, AppError> {
    db.run(move |conn| {
        accounts::table
            .find(id)
            .select(AccountRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(AppError::unauthorized)
    })
    .await
}

async fn set_password_hash(db: &Db, account_id: String, hash: String) -> Result<(), AppError> {
    db.run(move |conn| {
        diesel::update(accounts::table.find(account_id))
            .set(accounts::password_hash.eq(hash))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// Checks a login name and password. A wrong name and a wrong password get the same answer
/// after the same work.
pub async fn authenticate(
    state: &AppState,
    source: SourceKey,
    login: &str,
    password: String,
) -> Result<Account, AppError> {
    let (key, limit_key) = lookup_key(login);
    state
        .limits
        .check(Attempt::Login, source, Some(&limit_key))?;
    let row = match key {
        Some(key) => find_by_login(&state.db, state.login_key.hash(&key)).await?,
        None => None,
    };
    let (ok, rehash) = state
        .hasher
        .verify(password, row.as_ref().map(|r| r.password_hash.clone()))
        .await?;
    let Some(row) = row.filter(|_| ok) else {
        state.metrics.logins_failed.inc();
        return Err(invalid_credentials());
    };
    if let Some(hash) = rehash {
        set_password_hash(&state.db, row.id.clone(), hash).await?;
    }
    state.metrics.logins.inc();
    Ok(Account::from(row))
}

/// Changes the password after checking the current one; every other session ends.
pub async fn change_password(
    state: &AppState,
    source: SourceKey,
    account_id: &str,
    keep_session: &str,
    current: String,
    new: String,
) -> Result<(), AppError> {
    let login_hash = find_by_id(&state.db, account_id.to_string())
        .await?
        .login_hash;
    let new = NewPassword::parse_with(new, |typed| state.login_key.hash(typed) == login_hash)?;
    let row = reauthenticate(state, source, account_id, current).await?;
    let hash = state.hasher.hash(new).await?;
    let (id, keep) = (row.id, keep_session.to_string());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                diesel::update(accounts::table.find(&id))
                    .set(accounts::password_hash.eq(hash))
                    .execute(conn)?;
                diesel::delete(
                    sessions::table
                        .filter(sessions::account_id.eq(&id))
                        .filter(sessions::token_hash.ne(keep)),
                )
                .execute(conn)?;
                Ok(())
            })
        })
        .await
}

/// Replaces all recovery codes with fresh ones, after checking the password.
pub async fn renew_recovery_codes(
    state: &AppState,
    source: SourceKey,
    account_id: &str,
    password: String,
) -> Result<Vec<String>, AppError> {
    let row = reauthenticate(state, source, account_id, password).await?;
    let codes = new_recovery_codes();
    let stored = codes.clone();
    state
        .db
        .run(move |conn| db::write(conn, |conn| store_recovery_codes(conn, &row.id, &stored)))
        .await?;
    Ok(codes)
}

/// Regains access with a one-time recovery code: sets a new password, spends the code and
/// ends every session. Returns the account and how many codes are left.
pub async fn recover(
    state: &AppState,
    source: SourceKey,
    login: &str,
    code: &str,
    new_password: String,
) -> Result<(Account, usize), AppError> {
    let (key, limit_key) = lookup_key(login);
    state
        .limits
        .check(Attempt::Recover, source, Some(&limit_key))?;
    let password = NewPassword::parse(new_password, &limit_key)?;
    // Hash before looking anything up, so unknown names and wrong codes take as long.
    let hash = state.hasher.hash(password).await?;
    let code_hash = secrets::sha256_hex(&secrets::normalise_code(code));
    let login_hash = key.map(|key| state.login_key.hash(&key));
    let recovered = state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let invalid = || {
                    AppError::client(
                        actix_web::http::StatusCode::UNAUTHORIZED,
                        "invalid_recovery_code",
                        "That login name and recovery code do not match.",
                    )
                };
                let Some(login_hash) = login_hash else {
                    return Err(invalid());
                };
                let row = accounts::table
                    .filter(accounts::login_hash.eq(&login_hash))
                    .select(AccountRow::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(invalid)?;
                let spent = diesel::delete(
                    recovery_codes::table
                        .filter(recovery_codes::account_id.eq(&row.id))
                        .filter(recovery_codes::code_hash.eq(&code_hash)),
                )
                .execute(conn)?;
                if spent != 1 {
                    return Err(invalid());
                }
                diesel::update(accounts::table.find(&row.id))
                    .set(accounts::password_hash.eq(&hash))
                    .execute(conn)?;
                diesel::delete(sessions::table.filter(sessions::account_id.eq(&row.id)))
                    .execute(conn)?;
                let left: i64 = recovery_codes::table
                    .filter(recovery_codes::account_id.eq(&row.id))
                    .count()
                    .get_result(conn)?;
                Ok((Account::from(row), usize::try_from(left).unwrap_or(0)))
            })
        })
        .await?;
    // Every session ended: so do the account's chat connections.
    crate::chat::bus::tell_account(state, &recovered.0.id, "logged_out").await;
    Ok(recovered)
}

/// Everything Kring stores about an account, for its owner. Secrets are kept only as hashes,
/// and those are not exported (they are useless to anyone, the owner included).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountExport {
    pub account: Account,
    pub recovery_codes_left: i64,
    /// Open sessions: only their times (tokens are stored as hashes and not exported).
    pub sessions: Vec<SessionExport>,
    /// My memberships, with the name I use in each, my role and any ban or mute.
    pub memberships: Vec<MembershipExport>,
    /// My join requests: waiting (with my introduction), or decided (with a decline's reason).
    pub join_requests: Vec<JoinRequestExport>,
    /// Moderation log lines that name one of my memberships.
    pub moderation_log: Vec<crate::groups::modlog::LineAboutMe>,
    /// The steunpunten I administer (staff accounts).
    pub steunpunten: Vec<String>,
    /// What I wrote in the forums: posts, topics I opened, reports, rejected posts' reasons.
    pub forum: crate::forum::erasure::ForumExport,
    /// What I wrote in chat rooms, and leaders' mutes and removals of me there.
    pub chat: crate::chat::erasure::ChatExport,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionExport {
    pub last_used_at: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MembershipExport {
    pub id: String,
    /// The group's slug.
    pub group: String,
    pub display_name: String,
    pub role: crate::policy::MemberRole,
    pub banned_until: Option<String>,
    pub ban_reason: Option<String>,
    pub muted_until: Option<String>,
    pub mute_reason: Option<String>,
    /// How many of my posts were published (decides pre-moderation; never shown).
    pub approved_posts: i32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JoinRequestExport {
    pub id: String,
    /// The group's slug.
    pub group: String,
    pub display_name: String,
    pub introduction: Option<String>,
    pub state: crate::groups::requests::RequestState,
    pub reason: Option<String>,
    pub decided_at: Option<String>,
    /// The day I asked (`YYYY-MM-DD`): a request nobody decides on lapses after
    /// `retention.pending_request_days`.
    pub requested_on: String,
}

fn until(t: Option<i64>) -> Option<String> {
    t.map(|t| match t {
        crate::groups::members::FOREVER => "forever".to_string(),
        t => time::rfc3339(t),
    })
}

pub use crate::forum::erasure::PostsChoice;

pub async fn export(state: &AppState, account_id: &str) -> Result<AccountExport, AppError> {
    let id = account_id.to_string();
    state.db.run(move |conn| export_in(conn, &id)).await
}

pub(crate) fn export_in(conn: &mut DbConnection, id: &str) -> Result<AccountExport, AppError> {
    use crate::db::schema::{groups, join_requests, memberships, steunpunt_admins, steunpunten};
    use crate::groups::MembershipRow;
    let row = accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::unauthorized)?;
    let recovery_codes_left = recovery_codes::table
        .filter(recovery_codes::account_id.eq(id))
        .count()
        .get_result(conn)?;
    let sessions = sessions::table
        .filter(sessions::account_id.eq(id))
        .select((sessions::last_used_at, sessions::expires_at))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .map(|(last_used_at, expires_at)| SessionExport {
            last_used_at: time::rfc3339(last_used_at),
            expires_at: time::rfc3339(expires_at),
        })
        .collect();
    let memberships: Vec<MembershipExport> = memberships::table
        .inner_join(groups::table)
        .filter(memberships::account_id.eq(id))
        .select((MembershipRow::as_select(), groups::slug))
        .load::<(MembershipRow, String)>(conn)?
        .into_iter()
        .map(|(m, group)| MembershipExport {
            id: m.id,
            group,
            display_name: m.display_name,
            role: m.role,
            banned_until: until(m.banned_until),
            ban_reason: m.ban_reason,
            muted_until: until(m.muted_until),
            mute_reason: m.mute_reason,
            approved_posts: m.approved_posts,
        })
        .collect();
    let join_requests = join_requests::table
        .inner_join(groups::table)
        .filter(join_requests::account_id.eq(id))
        .select((
            join_requests::id,
            groups::slug,
            join_requests::display_name,
            join_requests::introduction,
            join_requests::state,
            join_requests::reason,
            join_requests::decided_at,
            join_requests::requested_on,
        ))
        .load::<(
            String,
            String,
            String,
            Option<String>,
            crate::groups::requests::RequestState,
            Option<String>,
            Option<i64>,
            String,
        )>(conn)?
        .into_iter()
        .map(
            |(id, group, display_name, introduction, state, reason, decided_at, requested_on)| {
                JoinRequestExport {
                    id,
                    group,
                    display_name,
                    introduction,
                    state,
                    reason,
                    decided_at: decided_at.map(time::rfc3339),
                    requested_on,
                }
            },
        )
        .collect();
    let ids: Vec<String> = memberships.iter().map(|m| m.id.clone()).collect();
    let steunpunten = steunpunten::table
        .inner_join(steunpunt_admins::table.on(steunpunt_admins::steunpunt_id.eq(steunpunten::id)))
        .filter(steunpunt_admins::account_id.eq(id))
        .select(steunpunten::slug)
        .load(conn)?;
    Ok(AccountExport {
        account: Account::from(row),
        recovery_codes_left,
        sessions,
        moderation_log: crate::groups::modlog::about(conn, &ids)?,
        forum: crate::forum::erasure::export(conn, &ids)?,
        chat: crate::chat::erasure::export(conn, &ids)?,
        memberships,
        join_requests,
        steunpunten,
    })
}

/// Erases the account and everything hanging off it, after checking the password.
pub async fn erase(
    state: &AppState,
    source: SourceKey,
    account_id: &str,
    password: String,
    posts: PostsChoice,
) -> Result<(), AppError> {
    let row = reauthenticate(state, source, account_id, password).await?;
    let id = row.id;
    state
        .db
        .run(move |conn| db::write(conn, |conn| erase_blocking(conn, &id, posts).map(drop)))
        .await?;
    // The account's chat connections check again now (and close, its sessions being gone);
    // they would otherwise read on until they next send.
    crate::chat::bus::tell_account(state, account_id, "erased").await;
    Ok(())
}

/// Deletes an account's rows (children first, so no backend depends on cascades); answers
/// the ids of the memberships that went.
pub(crate) fn erase_blocking(
    conn: &mut DbConnection,
    account_id: &str,
    posts: PostsChoice,
) -> Result<Vec<String>, AppError> {
    use crate::db::schema::{join_requests, memberships, steunpunt_admins};
    // The moderation log stops naming the memberships that go.
    let mine: Vec<String> = memberships::table
        .filter(memberships::account_id.eq(account_id))
        .select(memberships::id)
        .load(conn)?;
    crate::forum::erasure::erase(conn, &mine, posts)?;
    crate::chat::erasure::erase(conn, &mine, posts)?;
    crate::groups::modlog::forget_memberships(conn, &mine)?;
    diesel::delete(memberships::table.filter(memberships::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(join_requests::table.filter(join_requests::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(steunpunt_admins::table.filter(steunpunt_admins::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id))).execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(accounts::table.find(account_id)).execute(conn)?;
    Ok(mine)
}
