//! Deleted text leaves the files: while the server runs (SQLite: the file and its log;
//! PostgreSQL: a dump), on the scheduler's own clock, and, on PostgreSQL, out of the pages'
//! tuples at the purge's VACUUM.

use diesel::prelude::*;

use super::{backdate, backdated_purge, patch_group, within_15_s};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    settings = every_second;
    the_scheduler_purges_on_time,
    deleted_text_leaves_the_files_while_the_server_runs
);

fn every_second(settings: &mut kring::configuration::Settings) {
    settings.retention.purge_interval_seconds = 1;
    settings.retention.scrub_interval_seconds = 1;
}

/// A post its author deletes is gone from every byte of the database files (SQLite:
/// the file and `-wal`; PostgreSQL: a dump) while the server keeps running.
async fn deleted_text_leaves_the_files_while_the_server_runs(app: TestApp) {
    const SENTINEL: &str = "WEG-UIT-DE-BESTANDEN-4711";
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "wissen", "registered", None, true).await;
    let (_, post) = app
        .published(
            &cast.member,
            "wissen",
            "Even iets",
            &format!("Tekst {SENTINEL}"),
        )
        .await;
    let stored = String::from_utf8_lossy(&app.db.dump()).contains(SENTINEL);
    assert!(stored, "sanity: the post is in the files first");
    author_deletes(&app, &cast.member, &post).await;
    within_15_s("the deleted post is still in the files", || {
        String::from_utf8_lossy(&app.db.dump()).contains(SENTINEL)
    })
    .await;
}

/// With a short interval the scheduler purges by itself: a post past its group's
/// retention is gone within seconds, without `kring purge`.
async fn the_scheduler_purges_on_time(app: TestApp) {
    use kring::db::schema::posts;
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "vlug", "registered", None, true).await;
    let change = serde_json::json!({"retention": {"post_days": 1}});
    assert_eq!(
        patch_group(&app, &cast.leader, "vlug", change)
            .await
            .status(),
        200
    );
    let (_, post) = app
        .published(&cast.member, "vlug", "Kort", "Niet voor lang")
        .await;
    let id = post.clone();
    backdate(&app, false, move |conn| {
        diesel::update(posts::table.find(&id))
            .set(posts::created_at.eq(kring::time::now() - 2 * 86_400))
            .execute(conn)
            .unwrap();
    })
    .await;
    within_15_s("the scheduler did not purge in 15 s", || {
        app.db
            .rows_in("posts")
            .iter()
            .any(|p| p["id"] == post.as_str())
    })
    .await;
}

/// PostgreSQL keeps a deleted row in its page as a dead tuple; the purge's VACUUM frees it.
/// Read with `pageinspect`, page by page: before the purge a dead tuple still holds the
/// deleted post's text, after it no tuple does. (The freed bytes may stay in the page's free
/// space until a new row takes it: `docs/privacy.md` says so, and this test prints what it
/// saw. Plain VACUUM promises no more, and Kring does not claim more.)
#[tokio::test]
async fn the_purge_vacuums_dead_tuples_away_on_postgres() {
    const SENTINEL: &str = "DOOD-TUPEL-7731";
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "vacuum", "registered", None, true).await;
    let (topic, _) = app
        .published(&cast.member, "vacuum", "Blijft", "Het openingsbericht")
        .await;
    let post = app
        .replied(&cast.member, &topic, &format!("Weg ermee {SENTINEL}"))
        .await;
    author_deletes(&app, &cast.member, &post).await;

    let url = app.db.url.clone();
    let in_pages = move || {
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            tuples: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            pages: i64,
        }
        let mut conn = PgConnection::establish(&url).unwrap();
        diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pageinspect")
            .execute(&mut conn)
            .unwrap();
        let found: Found = diesel::sql_query(
            "SELECT \
               (SELECT count(*) FROM generate_series(0, pg_relation_size('posts') / \
                    current_setting('block_size')::int - 1) AS b, \
                  heap_page_items(get_raw_page('posts', b::int)) AS item \
                WHERE position(convert_to($1, 'UTF8') IN item.t_data) > 0) AS tuples, \
               (SELECT count(*) FROM generate_series(0, pg_relation_size('posts') / \
                    current_setting('block_size')::int - 1) AS b \
                WHERE position(convert_to($1, 'UTF8') IN get_raw_page('posts', b::int)) > 0) \
                 AS pages",
        )
        .bind::<diesel::sql_types::Text, _>(SENTINEL)
        .get_result(&mut conn)
        .unwrap();
        (found.tuples, found.pages)
    };
    let check = in_pages.clone();
    let (before, _) = tokio::task::spawn_blocking(check).await.unwrap();
    assert!(
        before >= 1,
        "sanity: the deleted post is a dead tuple until vacuum"
    );
    let report = backdated_purge(&app, |_| {}).await;
    assert!(report.ran);
    let (after, pages) = tokio::task::spawn_blocking(in_pages).await.unwrap();
    assert_eq!(
        after, 0,
        "a tuple still holds the deleted post after the purge"
    );
    eprintln!(
        "after the purge's VACUUM: no tuple holds the deleted text; its bytes are still in \
         the free space of {pages} page(s) of `posts`"
    );
}

/// The post's author deletes it through the API (204).
async fn author_deletes(app: &TestApp, token: &str, post: &str) {
    let removed = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/posts/{post}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
}
