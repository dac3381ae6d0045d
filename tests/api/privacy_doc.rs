//! docs/privacy.md tells someone who seizes the server what they would find, column by
//! column. This keeps that page honest against the migrated database's own catalogue, on
//! SQLite and on PostgreSQL: every column of every table needs a line there (a `### table`
//! heading under "What the database holds", then a bullet beginning with `` - `column` ``),
//! and every table and column the page names must still exist.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp};

backend_tests!(every_column_has_a_line_in_the_privacy_doc);

const DOC: &str = include_str!("../../docs/privacy.md");
const SECTION: &str = "What the database holds";

/// What the page describes: its table headings, and `table.column` for each column bullet.
#[derive(Default)]
struct Described {
    tables: BTreeSet<String>,
    columns: BTreeSet<String>,
    twice: Vec<String>,
}

fn described(doc: &str) -> Described {
    let mut out = Described::default();
    let (mut in_section, mut table) = (false, None::<String>);
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            in_section = heading.trim() == SECTION;
            table = None;
        } else if let Some(name) = line.strip_prefix("### ").filter(|_| in_section) {
            let name = name.trim().trim_matches('`').to_string();
            out.tables.insert(name.clone());
            table = Some(name);
        } else if let (Some(table), Some(rest)) = (&table, line.strip_prefix("- `")) {
            let column = format!("{table}.{}", rest.split('`').next().unwrap_or_default());
            if !out.columns.insert(column.clone()) {
                out.twice.push(column);
            }
        }
    }
    out
}

/// `table.column` for every column of every table of the database, diesel's own excepted.
fn catalogue(app: &TestApp) -> BTreeSet<String> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let columns: Vec<Column> = match app.db.backend {
        Backend::Sqlite => {
            let path = app.db.url.trim_start_matches("sqlite://");
            let mut conn = SqliteConnection::establish(path).unwrap();
            diesel::sql_query(
                "SELECT t.name || '.' || c.name AS name \
                 FROM sqlite_master t, pragma_table_info(t.name) c \
                 WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%' \
                 AND t.name <> '__diesel_schema_migrations'",
            )
            .load(&mut conn)
            .unwrap()
        }
        Backend::Postgres => {
            let mut conn = PgConnection::establish(&app.db.url).unwrap();
            diesel::sql_query(
                "SELECT table_name::text || '.' || column_name::text AS name \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name <> '__diesel_schema_migrations'",
            )
            .load(&mut conn)
            .unwrap()
        }
    };
    columns.into_iter().map(|c| c.name).collect()
}

async fn every_column_has_a_line_in_the_privacy_doc(app: TestApp) {
    let stored = catalogue(&app);
    let tables: BTreeSet<String> = stored
        .iter()
        .filter_map(|c| c.split_once('.').map(|(t, _)| t.to_string()))
        .collect();
    assert!(
        tables.contains("accounts"),
        "the catalogue was read: {stored:?}"
    );
    let doc = described(DOC);
    let undescribed: Vec<&String> = stored.difference(&doc.columns).collect();
    let stale_columns: Vec<&String> = doc.columns.difference(&stored).collect();
    let stale_tables: Vec<&String> = doc.tables.difference(&tables).collect();
    assert!(
        undescribed.is_empty()
            && stale_columns.is_empty()
            && stale_tables.is_empty()
            && doc.twice.is_empty(),
        "docs/privacy.md, section \"{SECTION}\", is out of step with the database \
         ({backend:?}).\n\
         In the database but without a line (under `### table`, add: - `column`: what it \
         is, who sees it, how long it stays.): {undescribed:?}\n\
         Described but no longer in the database: {stale_columns:?}\n\
         Table headings with no such table: {stale_tables:?}\n\
         Described twice: {twice:?}",
        backend = app.db.backend,
        twice = doc.twice,
    );
}
