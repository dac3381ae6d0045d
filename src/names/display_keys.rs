//! Bringing stored display-name keys up to date when the way keys are computed changes.
//!
//! Owns only the `display_key` columns of memberships and join requests: it never changes a
//! shown name, and never gives a row a key that another name in its group already holds.
//! Logs counts only, never a name.

use std::collections::HashMap;

use diesel::prelude::*;

use super::display_key;
use crate::db::schema::{join_requests, memberships};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// What [`refresh_display_keys`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RefreshedKeys {
    /// Rows whose key was recomputed.
    pub updated: usize,
    /// Rows left as they were, because their new key is taken in their group.
    pub kept: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Memberships,
    JoinRequests,
}

struct Row {
    table: Table,
    id: String,
    group_id: String,
    key: String,
    fresh: String,
    /// Does this row hold its name in the group? Members do; requests never hold a name
    /// (a clash is settled when a leader approves).
    holds_name: bool,
}

fn load(conn: &mut DbConnection) -> Result<Vec<Row>, AppError> {
    let members = memberships::table
        .select((
            memberships::id,
            memberships::group_id,
            memberships::display_name,
            memberships::display_key,
        ))
        .order(memberships::id)
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, group_id, name, key)| Row {
            table: Table::Memberships,
            fresh: display_key(&name),
            id,
            group_id,
            key,
            holds_name: true,
        });
    let requests = join_requests::table
        .select((
            join_requests::id,
            join_requests::group_id,
            join_requests::display_name,
            join_requests::display_key,
        ))
        .order(join_requests::id)
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, group_id, name, key)| Row {
            table: Table::JoinRequests,
            fresh: display_key(&name),
            id,
            group_id,
            key,
            holds_name: false,
        });
    Ok(members.chain(requests).collect())
}

fn set_key(conn: &mut DbConnection, row: &Row) -> Result<(), AppError> {
    match row.table {
        Table::Memberships => diesel::update(memberships::table.find(&row.id))
            .filter(memberships::display_key.eq(&row.key))
            .set(memberships::display_key.eq(&row.fresh))
            .execute(conn)?,
        Table::JoinRequests => diesel::update(join_requests::table.find(&row.id))
            .filter(join_requests::display_key.eq(&row.key))
            .set(join_requests::display_key.eq(&row.fresh))
            .execute(conn)?,
    };
    Ok(())
}

/// Recomputes every stale `display_key` (memberships and join requests) with
/// [`display_key`], in one write transaction; rows already up to date are not touched. A row
/// whose new key another name in its group holds keeps its old key, with a warning.
pub fn refresh_display_keys(conn: &mut DbConnection) -> Result<RefreshedKeys, AppError> {
    // A read first: on most starts nothing is stale, and no write lock is needed.
    if load(conn)?.iter().all(|row| row.key == row.fresh) {
        return Ok(RefreshedKeys::default());
    }
    let refreshed = db::write(conn, |conn| {
        let rows = load(conn)?;
        let mut holders: HashMap<(String, String), usize> = HashMap::new();
        for row in rows.iter().filter(|row| row.holds_name) {
            *holders
                .entry((row.group_id.clone(), row.key.clone()))
                .or_default() += 1;
        }
        let mut stale: Vec<Row> = rows.into_iter().filter(|r| r.key != r.fresh).collect();
        let mut updated = 0;
        // Until nothing moves: a key freed by one row may be the one another row needs.
        loop {
            let before = stale.len();
            let mut blocked = Vec::new();
            for row in stale {
                if row.holds_name {
                    let new = (row.group_id.clone(), row.fresh.clone());
                    if holders.get(&new).is_some_and(|n| *n > 0) {
                        blocked.push(row);
                        continue;
                    }
                    let old = (row.group_id.clone(), row.key.clone());
                    if let Some(n) = holders.get_mut(&old) {
                        *n -= 1;
                    }
                    *holders.entry(new).or_default() += 1;
                }
                set_key(conn, &row)?;
                updated += 1;
            }
            stale = blocked;
            if stale.is_empty() || stale.len() == before {
                break;
            }
        }
        Ok(RefreshedKeys {
            updated,
            kept: stale.len(),
        })
    })?;
    if refreshed.updated > 0 {
        tracing::info!(
            rows = refreshed.updated,
            "display-name keys recomputed (look-alike names now count as the same)"
        );
    }
    if refreshed.kept > 0 {
        tracing::warn!(
            rows = refreshed.kept,
            "display names whose new key another name in their group already holds kept \
             their old key: those look-alike names stand side by side until one is changed"
        );
    }
    Ok(refreshed)
}
