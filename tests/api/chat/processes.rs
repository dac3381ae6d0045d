//! Two `kring serve` processes on one PostgreSQL database, as a national steunpunt runs it:
//! what a client of one process sends reaches a client of the other in order and exactly
//! once, also across a lost and regained listening connection (the messages committed
//! meanwhile are caught up from the database).

use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::{Client, bearer, meeting};
use crate::helpers::{Backend, ServerProcess, TestApp, TestDatabase};

/// The listening connection's `application_name` (`kring::chat::bus::LISTENER_NAME`).
const LISTENER: &str = kring::chat::bus::LISTENER_NAME;

#[derive(QueryableByName)]
struct ListenerRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The server processes of this database's chat listeners.
fn listeners(url: &str) -> Vec<i32> {
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "SELECT pid FROM pg_stat_activity \
         WHERE application_name = $1 AND datname = current_database() ORDER BY pid",
    )
    .bind::<diesel::sql_types::Text, _>(LISTENER)
    .load::<ListenerRow>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|b| b.pid)
    .collect()
}

/// Waits (briefly) until `check` holds for the listeners.
async fn until_listeners(url: &str, what: &str, check: impl Fn(&[i32]) -> bool) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = listeners(url);
        if check(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: listeners {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn serve(db: &TestDatabase) -> ServerProcess {
    ServerProcess::start(
        db.dir.path(),
        &[
            ("KRING_DATABASE__URL", db.url.as_str()),
            ("KRING_SERVER__TRUSTED_PROXIES", "127.0.0.1"),
        ],
        &["serve", "--bind", "127.0.0.1:0"],
    )
}

#[tokio::test]
async fn two_processes_share_a_room_and_survive_a_lost_listener() {
    let Some(db) = TestDatabase::new(Backend::Postgres) else {
        return;
    };
    let url = db.url.clone();
    // A first (it migrates), alone: the one listener there is is A's.
    let a = serve(&db);
    let a_listener = until_listeners(&url, "A listens", |l| l.len() == 1).await[0];
    let b = serve(&db);
    until_listeners(&url, "B listens", |l| l.len() == 2).await;
    let app = TestApp::external(&a.address, db);
    let (cast, room) = meeting(&app, "chat-landelijk", "closed").await;

    // A member on A, the leader on B.
    let mut on_a = Client::join(&app, &room, &cast.member).await;
    let mut on_b = Client::open(&b.address, &room, &[bearer(&cast.leader)], "")
        .await
        .expect("B takes the leader");
    for i in 1..=5 {
        on_b.say(&format!("Van B {i}"), &format!("b-{i}")).await;
    }
    assert_eq!(on_a.seqs_until(5).await, vec![1, 2, 3, 4, 5]);
    // And the other way.
    let from_a = on_a.say("Van A", "a-1").await;
    let heard = on_b.next_of("message").await;
    assert_eq!(
        (&heard["id"], &heard["seq"]),
        (&from_a["id"], &from_a["seq"])
    );
    assert_eq!(heard["body_html"], "Van A");

    // A's listening connection is cut: what B commits meanwhile, A hears nothing of...
    let mut conn = PgConnection::establish(&url).unwrap();
    diesel::sql_query("SELECT pg_terminate_backend($1)")
        .bind::<diesel::sql_types::Integer, _>(a_listener)
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let b_listener =
        until_listeners(&url, "A's listener is gone", |l| !l.contains(&a_listener)).await;
    assert_eq!(
        b_listener.len(),
        1,
        "A's listener came back before we looked"
    );
    for i in 7..=9 {
        on_b.say(&format!("Terwijl A doof is {i}"), &format!("b-{i}"))
            .await;
    }
    assert_eq!(
        listeners(&url),
        b_listener,
        "A's listener came back before the messages were sent; the test proved less"
    );
    // ...until it is back (it retries every 0.5 s) and catches every connection up.
    until_listeners(&url, "A listens again", |l| l.len() == 2).await;
    for i in 10..=11 {
        on_b.say(&format!("Weer gewoon {i}"), &format!("b-{i}"))
            .await;
    }
    // Exactly once, in order: 7 to 11, with nothing repeated before or after.
    assert_eq!(
        on_a.seqs_until(11).await,
        vec![7, 8, 9, 10, 11],
        "{:?}",
        on_a.seen
    );
    on_b.say("De laatste", "b-12").await;
    assert_eq!(on_a.next_of("message").await["seq"], 12, "{:?}", on_a.seen);
    // B's own client heard its own words once each, too.
    let b_seqs: Vec<i64> = on_b
        .seen
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(b_seqs, (1..=12).collect::<Vec<i64>>());

    drop((on_a, on_b));
    let (log_a, log_b) = (a.stop(), b.stop());
    assert!(log_a.contains("reconnecting"), "{log_a}");
    assert!(
        !log_b.contains("reconnecting"),
        "only A's listener was cut: {log_b}"
    );
    drop(app);
}
