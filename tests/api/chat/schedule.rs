//! A room with a weekly meeting: closed for writing outside it (the refusal says when it
//! opens), opened and closed by a leader's hand, locked for all but the leaders; every
//! client hears each change at once.

use jiff::ToSpan;
use jiff::civil::Weekday;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Client, act, room};
use crate::backend_tests;
use crate::forum::Cast;
use crate::helpers::TestApp;

backend_tests!(
    outside_the_meeting_the_room_is_closed_until_a_leader_opens_it,
    a_room_without_a_schedule_stays_closed_once_a_leader_closes_it,
);

const ZONE: &str = "Europe/Amsterdam";

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "mon",
        Weekday::Tuesday => "tue",
        Weekday::Wednesday => "wed",
        Weekday::Thursday => "thu",
        Weekday::Friday => "fri",
        Weekday::Saturday => "sat",
        Weekday::Sunday => "sun",
    }
}

/// A notice of `kind` (skipping presence and the like), with the room's state in it.
async fn notice(client: &mut Client, kind: &str) -> Value {
    let notice = client.next_of("notice").await;
    assert_eq!(notice["kind"], kind, "{notice}");
    notice
}

async fn outside_the_meeting_the_room_is_closed_until_a_leader_opens_it(app: TestApp) {
    let cast = Cast::new(&app).await;
    cast.group(&app, "chat-rooster", "closed", Some("invite"), true)
        .await;
    // The meeting is three days from now (in the steunpunt's zone): not now, whatever the
    // hour.
    let tz = jiff::tz::TimeZone::get(ZONE).unwrap();
    let meeting_day = jiff::Zoned::now()
        .with_time_zone(tz.clone())
        .date()
        .checked_add(3.days())
        .unwrap();
    let schedule = format!("{} 10:00-11:00", day_name(meeting_day.weekday()));
    let room = room(
        &app,
        &cast.leader,
        "chat-rooster",
        json!({"name": "Bijeenkomst", "schedule": schedule}),
    )
    .await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let state = &member.ready()["room"];
    assert_eq!(
        (&state["open"], &state["time_zone"]),
        (&json!(false), &json!(ZONE))
    );
    let opens_at = state["opens_at"].as_str().expect("opens_at").to_string();
    let opens: jiff::Timestamp = opens_at.parse().unwrap();
    let local = opens.to_zoned(tz);
    assert_eq!(local.date(), meeting_day, "{opens_at}");
    assert_eq!((local.hour(), local.minute()), (10, 0), "{opens_at}");

    // Closed: refused, with the time it opens; for the leader too (a meeting is a meeting).
    let error = member.refused("Is er iemand?", "m-1").await;
    assert_eq!(error["error"], "room_closed", "{error}");
    assert_eq!(error["opens_at"], opens_at.as_str());
    assert_eq!(
        leader.refused("Nog niet", "l-1").await["error"],
        "room_closed"
    );

    // A leader opens the session by hand: everyone hears it, and members write.
    let session = format!("/api/v1/rooms/{room}/session");
    let status = act(
        &app,
        Method::POST,
        &session,
        &cast.leader,
        Some(json!({"open": true})),
    );
    assert_eq!(status.await, 200);
    for client in [&mut leader, &mut member] {
        let opened = notice(client, "opened").await;
        assert_eq!(opened["room"]["open"], true, "{opened}");
        assert_eq!(opened["room"]["by_hand"], true, "{opened}");
    }
    assert_eq!(member.say("Fijn dat het kan", "m-2").await["seq"], 1);
    assert_eq!(leader.next_of("message").await["seq"], 1);

    // Locked: the leaders write, the members are told why they cannot.
    let path = format!("/api/v1/rooms/{room}");
    let locked = act(
        &app,
        Method::PATCH,
        &path,
        &cast.leader,
        Some(json!({"locked": true})),
    );
    assert_eq!(locked.await, 200);
    for client in [&mut leader, &mut member] {
        assert_eq!(notice(client, "locked").await["room"]["locked"], true);
    }
    assert_eq!(
        member.refused("Mag ik?", "m-3").await["error"],
        "room_locked"
    );
    assert_eq!(leader.say("Even alleen de leiding", "l-2").await["seq"], 2);
    assert_eq!(member.next_of("message").await["seq"], 2);
    let unlocked = act(
        &app,
        Method::PATCH,
        &path,
        &cast.leader,
        Some(json!({"locked": false})),
    );
    assert_eq!(unlocked.await, 200);
    for client in [&mut leader, &mut member] {
        notice(client, "unlocked").await;
    }
    assert_eq!(member.say("Weer open", "m-4").await["seq"], 3);

    // Closed by hand: closed again, for everyone.
    let closed = act(
        &app,
        Method::POST,
        &session,
        &cast.leader,
        Some(json!({"open": false})),
    );
    assert_eq!(closed.await, 200);
    for client in [&mut leader, &mut member] {
        assert_eq!(notice(client, "closed").await["room"]["open"], false);
    }
    let error = member.refused("Nog eentje", "m-5").await;
    assert_eq!(error["error"], "room_closed");
    assert!(error["opens_at"].is_string(), "{error}");
    let shown = app.read_ok(Some(&cast.member), &path).await;
    assert_eq!(shown["open"], false);
    assert_eq!(app.db.rows_in("messages").len(), 3);
    // Members cannot open it themselves.
    let status = act(
        &app,
        Method::POST,
        &session,
        &cast.member,
        Some(json!({"open": true})),
    );
    assert_eq!(status.await, 403);
}

/// A room without a schedule is always open, until a leader closes it by hand: then it stays
/// closed until they open it again.
async fn a_room_without_a_schedule_stays_closed_once_a_leader_closes_it(app: TestApp) {
    let (cast, room) = super::meeting(&app, "chat-dicht-nu", "closed").await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    assert_eq!(member.ready()["room"]["open"], true);
    let session = format!("/api/v1/rooms/{room}/session");
    let closed = act(
        &app,
        Method::POST,
        &session,
        &cast.leader,
        Some(json!({"open": false})),
    );
    assert_eq!(closed.await, 200);
    assert_eq!(notice(&mut member, "closed").await["room"]["open"], false);
    // Not just for a moment.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let error = member.refused("Nog open?", "m-1").await;
    assert_eq!(error["error"], "room_closed", "{error}");
    let opened = act(
        &app,
        Method::POST,
        &session,
        &cast.leader,
        Some(json!({"open": true})),
    );
    assert_eq!(opened.await, 200);
    notice(&mut member, "opened").await;
    assert_eq!(member.say("Weer open", "m-2").await["seq"], 1);
}
