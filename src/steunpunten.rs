//! Steunpunten: the support centres that host groups. For now: the default one, created on
//! first start from `[steunpunt]` in the configuration.

use diesel::prelude::*;

use crate::configuration::SteunpuntSettings;
use crate::db::DbConnection;
use crate::db::schema::steunpunten;
use crate::error::AppError;
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
            .values((
                steunpunten::id.eq(&steunpunt.id),
                steunpunten::slug.eq(&steunpunt.slug),
                steunpunten::name.eq(&steunpunt.name),
                steunpunten::crisis_text.eq(&steunpunt.crisis_text),
                steunpunten::created_on.eq(time::today()),
            ))
            .execute(conn)?;
        tracing::info!("created the default steunpunt");
        Ok(steunpunt)
    })
}
