//! Steunpunten: the support centres that host groups. For now: the default one, created on
//! first start from `[steunpunt]` in the configuration.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::configuration::SteunpuntSettings;
use crate::db::DbConnection;
use crate::db::schema::steunpunten;
use crate::error::AppError;
use crate::policy::{
    AccountRole, SteunpuntAction, SteunpuntActor, decide_appointment, decide_steunpunt,
};
use crate::secrets;
use crate::time;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steunpunten)]
pub struct Steunpunt {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub crisis_text: String,
}

#[derive(Insertable)]
#[diesel(table_name = steunpunten)]
struct NewSteunpuntRow<'a> {
    id: &'a str,
    slug: &'a str,
    name: &'a str,
    crisis_text: &'a str,
    time_zone: &'a str,
    created_on: String,
}

/// An IANA time zone name Kring knows (its bundled database), like `Europe/Amsterdam`.
pub fn checked_time_zone(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.len() > 64 || jiff::tz::TimeZone::get(name).is_err() {
        return Err(AppError::invalid(
            "invalid_time_zone",
            "time_zone must be an IANA time zone, like Europe/Amsterdam.",
        ));
    }
    Ok(name.to_string())
}

/// The steunpunt named in the configuration; created when the instance has none yet.
pub fn ensure_default(
    conn: &mut DbConnection,
    settings: &SteunpuntSettings,
) -> Result<Steunpunt, AppError> {
    crate::db::write(conn, |conn| {
        let existing = steunpunten::table
            .order((
                steunpunten::slug.ne(&settings.slug),
                steunpunten::created_on,
            ))
            .select(Steunpunt::as_select())
            .first(conn)
            .optional()?;
        if let Some(steunpunt) = existing {
            return Ok(steunpunt);
        }
        let steunpunt = Steunpunt {
            id: secrets::new_id(),
            slug: settings.slug.clone(),
            name: settings.name.clone(),
            crisis_text: settings.crisis_text.clone(),
        };
        diesel::insert_into(steunpunten::table)
            .values(NewSteunpuntRow {
                id: &steunpunt.id,
                slug: &steunpunt.slug,
                name: &steunpunt.name,
                crisis_text: &steunpunt.crisis_text,
                time_zone: &checked_time_zone(&settings.time_zone)?,
                created_on: time::today(),
            })
            .execute(conn)?;
        tracing::info!("created the default steunpunt");
        Ok(steunpunt)
    })
}

/// A new steunpunt, from an instance admin.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSteunpunt {
    /// 3-48 lowercase letters, digits and dashes.
    #[schema(
        min_length = 3,
        max_length = 48,
        pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
        example = "steunpunt-zuid"
    )]
    pub slug: String,
    /// 3-120 characters after trimming; one line.
    #[schema(min_length = 3, max_length = 120, example = "Steunpunt Zelfhulp Zuid")]
    pub name: String,
    /// Crisis help shown on the steunpunt's pages, e.g. "Bel 113 of 0800-0113". 3-1000
    /// characters after trimming.
    #[schema(
        min_length = 3,
        max_length = 1000,
        example = "Bel 113 of gratis 0800-0113."
    )]
    pub crisis_text: String,
    /// The IANA time zone its groups' meeting schedules are read in [Europe/Amsterdam].
    #[schema(max_length = 64, example = "Europe/Amsterdam")]
    pub time_zone: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = steunpunten)]
pub struct SteunpuntView {
    pub slug: String,
    pub name: String,
    pub crisis_text: String,
    pub time_zone: String,
    /// The longest its groups may keep forum posts (days) and chat messages (hours).
    pub post_retention_days_max: i32,
    pub chat_retention_hours_max: i32,
}

/// A steunpunt admin's change to the steunpunt; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SteunpuntChange {
    /// An IANA time zone, e.g. "Europe/Amsterdam": chat schedules are read in it.
    pub time_zone: Option<String>,
    /// 1 to 3650 days. Groups that keep posts longer are brought down to it at once.
    #[schema(minimum = 1, maximum = 3650)]
    pub post_retention_days_max: Option<u32>,
    /// 1 to `chat.max_retention_hours` hours. Groups and rooms that keep messages longer
    /// are brought down to it at once.
    #[schema(minimum = 1)]
    pub chat_retention_hours_max: Option<u32>,
}

/// A steunpunt admin changes the steunpunt's time zone or its retention bounds; its groups
/// and rooms that kept content longer than a new bound keep it no longer from now on.
pub async fn update(
    state: &crate::state::AppState,
    session: &crate::sessions::Session,
    slug: &str,
    change: SteunpuntChange,
) -> Result<SteunpuntView, AppError> {
    use crate::db::schema::{groups, rooms};
    let time_zone = change
        .time_zone
        .as_deref()
        .map(checked_time_zone)
        .transpose()?;
    let bound = |field: &str, value: Option<u32>, max: u32| match value {
        Some(v) if v == 0 || v > max => Err(AppError::invalid(
            "invalid_field",
            format!("{field} must be 1 to {max}."),
        )),
        other => Ok(other.map(|v| v as i32)),
    };
    let post_max = bound(
        "post_retention_days_max",
        change.post_retention_days_max,
        3650,
    )?;
    let chat_max = bound(
        "chat_retention_hours_max",
        change.chat_retention_hours_max,
        state.settings.chat.max_retention_hours,
    )?;
    let (slug, session) = (slug.to_string(), session.clone());
    state
        .db
        .write(move |conn| {
            let id: String = steunpunten::table
                .filter(steunpunten::slug.eq(&slug))
                .select(steunpunten::id)
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            let actor = actor(conn, Some(&id), Some(&session))?;
            decide_steunpunt(&actor, SteunpuntAction::ChangeSettings).require()?;
            if let Some(tz) = &time_zone {
                diesel::update(steunpunten::table.find(&id))
                    .set(steunpunten::time_zone.eq(tz))
                    .execute(conn)?;
            }
            let own = groups::table
                .filter(groups::steunpunt_id.eq(&id))
                .select(groups::id);
            if let Some(max) = post_max {
                diesel::update(steunpunten::table.find(&id))
                    .set(steunpunten::post_retention_days_max.eq(max))
                    .execute(conn)?;
                diesel::update(groups::table.filter(groups::steunpunt_id.eq(&id)))
                    .filter(groups::post_retention_days.gt(max))
                    .set(groups::post_retention_days.eq(max))
                    .execute(conn)?;
                diesel::update(groups::table.filter(groups::steunpunt_id.eq(&id)))
                    .filter(groups::pinned_retention_days.gt(max))
                    .set(groups::pinned_retention_days.eq(max))
                    .execute(conn)?;
            }
            if let Some(max) = chat_max {
                diesel::update(steunpunten::table.find(&id))
                    .set(steunpunten::chat_retention_hours_max.eq(max))
                    .execute(conn)?;
                diesel::update(groups::table.filter(groups::steunpunt_id.eq(&id)))
                    .filter(groups::chat_retention_hours.gt(max))
                    .set(groups::chat_retention_hours.eq(max))
                    .execute(conn)?;
                diesel::update(rooms::table.filter(rooms::group_id.eq_any(own)))
                    .filter(rooms::retention_hours.gt(max))
                    .set(rooms::retention_hours.eq(max))
                    .execute(conn)?;
            }
            Ok(steunpunten::table
                .find(&id)
                .select(SteunpuntView::as_select())
                .first(conn)?)
        })
        .await
}

/// The policy's view of `session` for the steunpunt `steunpunt_id` (or the instance, for
/// `None`).
pub(crate) fn actor(
    conn: &mut DbConnection,
    steunpunt_id: Option<&str>,
    session: Option<&crate::sessions::Session>,
) -> Result<SteunpuntActor, AppError> {
    use crate::db::schema::steunpunt_admins;
    let Some(session) = session else {
        return Ok(SteunpuntActor {
            account: None,
            admin_here: false,
        });
    };
    let admin_here = match steunpunt_id {
        Some(id) => {
            let n: i64 = steunpunt_admins::table
                .filter(steunpunt_admins::steunpunt_id.eq(id))
                .filter(steunpunt_admins::account_id.eq(&session.account.id))
                .count()
                .get_result(conn)?;
            n > 0
        }
        None => false,
    };
    Ok(SteunpuntActor {
        account: Some(session.account.role),
        admin_here,
    })
}

/// The instance-wide actions need no database facts: the account's role says it all.
pub fn instance_actor(session: Option<&crate::sessions::Session>) -> SteunpuntActor {
    SteunpuntActor {
        account: session.map(|s| s.account.role),
        admin_here: false,
    }
}

pub async fn create(
    state: &crate::state::AppState,
    session: &crate::sessions::Session,
    new: NewSteunpunt,
) -> Result<SteunpuntView, AppError> {
    let slug = crate::groups::check_slug(&new.slug)?;
    let name = crate::text::checked("name", &new.name, 3, 120, false)?;
    let crisis_text = crate::text::checked("crisis_text", &new.crisis_text, 3, 1000, true)?;
    let time_zone = checked_time_zone(new.time_zone.as_deref().unwrap_or("Europe/Amsterdam"))?;
    let session = session.clone();
    state
        .db
        .run(move |conn| {
            let actor = actor(conn, None, Some(&session))?;
            decide_steunpunt(&actor, SteunpuntAction::CreateSteunpunt).require()?;
            crate::db::write(conn, |conn| {
                let taken: i64 = steunpunten::table
                    .filter(steunpunten::slug.eq(&slug))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(AppError::conflict(
                        "slug_taken",
                        "Another steunpunt has this slug.",
                    ));
                }
                diesel::insert_into(steunpunten::table)
                    .values(NewSteunpuntRow {
                        id: &secrets::new_id(),
                        slug: &slug,
                        name: &name,
                        crisis_text: &crisis_text,
                        time_zone: &time_zone,
                        created_on: time::today(),
                    })
                    .execute(conn)?;
                Ok(steunpunten::table
                    .filter(steunpunten::slug.eq(&slug))
                    .select(SteunpuntView::as_select())
                    .first(conn)?)
            })
        })
        .await
}

/// Makes a staff account an admin of the steunpunt `slug`.
pub async fn appoint_admin(
    state: &crate::state::AppState,
    session: &crate::sessions::Session,
    slug: &str,
    login: &str,
) -> Result<(), AppError> {
    use crate::db::schema::{accounts, steunpunt_admins};
    let key = crate::names::check(login)
        .map_err(|e| e.into_app_error(crate::names::NameKind::Login))?
        .key;
    let login_hash = state.login_key.hash(&key);
    let (slug, session) = (slug.to_string(), session.clone());
    state
        .db
        .run(move |conn| {
            let actor = actor(conn, None, Some(&session))?;
            decide_steunpunt(&actor, SteunpuntAction::AppointSteunpuntAdmin).require()?;
            let steunpunt_id: String = steunpunten::table
                .filter(steunpunten::slug.eq(&slug))
                .select(steunpunten::id)
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            let (account_id, role): (String, AccountRole) = accounts::table
                .filter(accounts::login_hash.eq(&login_hash))
                .select((accounts::id, accounts::role))
                .first(conn)
                .optional()?
                .ok_or_else(|| {
                    AppError::invalid("unknown_login", "There is no account with that login name.")
                })?;
            decide_appointment(&actor, role).require()?;
            crate::db::write(conn, |conn| {
                diesel::delete(
                    steunpunt_admins::table
                        .filter(steunpunt_admins::steunpunt_id.eq(&steunpunt_id))
                        .filter(steunpunt_admins::account_id.eq(&account_id)),
                )
                .execute(conn)?;
                diesel::insert_into(steunpunt_admins::table)
                    .values((
                        steunpunt_admins::steunpunt_id.eq(&steunpunt_id),
                        steunpunt_admins::account_id.eq(&account_id),
                    ))
                    .execute(conn)?;
                Ok(())
            })
        })
        .await
}

/// Steunpunten the account administers (slug and name).
pub async fn administered_by(
    state: &crate::state::AppState,
    account_id: &str,
) -> Result<Vec<(String, String)>, AppError> {
    use crate::db::schema::steunpunt_admins;
    let id = account_id.to_string();
    state
        .db
        .run(move |conn| {
            Ok(steunpunten::table
                .inner_join(
                    steunpunt_admins::table.on(steunpunt_admins::steunpunt_id.eq(steunpunten::id)),
                )
                .filter(steunpunt_admins::account_id.eq(&id))
                .select((steunpunten::slug, steunpunten::name))
                .order(steunpunten::name)
                .load(conn)?)
        })
        .await
}

/// Every group of a steunpunt, listed or not, for its admins (structure, not content): the
/// directory as the policy shows it to an admin of this steunpunt.
pub async fn groups_of(
    state: &crate::state::AppState,
    session: &crate::sessions::Session,
    slug: &str,
) -> Result<Vec<crate::groups::DirectoryEntry>, AppError> {
    let (sp_slug, owned) = (slug.to_string(), session.clone());
    state
        .db
        .run(move |conn| {
            let id: String = steunpunten::table
                .filter(steunpunten::slug.eq(&sp_slug))
                .select(steunpunten::id)
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            let actor = actor(conn, Some(&id), Some(&owned))?;
            Ok(decide_steunpunt(&actor, SteunpuntAction::Administer).require()?)
        })
        .await?;
    let filter = crate::groups::DirectoryFilter {
        steunpunt: Some(slug.to_string()),
        ..Default::default()
    };
    crate::groups::directory(state, Some(session), filter).await
}

/// Every steunpunt, for the instance admin's page.
pub async fn all(
    state: &crate::state::AppState,
    session: &crate::sessions::Session,
) -> Result<Vec<SteunpuntView>, AppError> {
    let session = session.clone();
    state
        .db
        .run(move |conn| {
            let actor = actor(conn, None, Some(&session))?;
            decide_steunpunt(&actor, SteunpuntAction::ManageInstance).require()?;
            Ok(steunpunten::table
                .order(steunpunten::name)
                .select(SteunpuntView::as_select())
                .load(conn)?)
        })
        .await
}

/// Creates a staff account (instance admin); returns its one-time recovery codes.
pub async fn create_staff(
    state: &crate::state::AppState,
    session: &crate::sessions::Session,
    login: &str,
    password: String,
) -> Result<Vec<String>, AppError> {
    decide_steunpunt(
        &instance_actor(Some(session)),
        SteunpuntAction::CreateStaffAccount,
    )
    .require()?;
    let created =
        crate::accounts::create(state, login, password, crate::accounts::Role::Staff).await?;
    Ok(created.recovery_codes)
}
