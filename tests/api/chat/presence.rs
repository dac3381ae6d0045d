//! Who is in the room: the group's members see names and whether a leader is there; a guest
//! of an open group sees only how many. Guests write in open groups under a nickname, marked
//! as guests.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Client, act, meeting, refused};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(members_see_names_guests_see_a_count_and_guests_write_marked_as_guests);

/// The next presence frame that counts `count` people (`client.present` is who they are).
async fn presence(client: &mut Client, count: u64) -> Value {
    loop {
        let frame = client.next_of("presence").await;
        if frame["count"] == count {
            return frame;
        }
    }
}

async fn members_see_names_guests_see_a_count_and_guests_write_marked_as_guests(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-open", "open").await;
    let leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let mut guest = Client::connect(&app, &room, None, "?nickname=Bezoeker")
        .await
        .expect("a guest with a nickname comes in");
    assert_eq!(guest.ready()["you"]["guest"], true);
    assert_eq!(guest.ready()["you"]["name"], "Bezoeker");

    let seen = presence(&mut member, 3).await;
    assert_eq!(seen["leader_present"], true);
    let names: Vec<(&str, bool, bool)> = member
        .present
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["leader"].as_bool().unwrap(),
                p["guest"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("Leider", true, false),
            ("Bezoeker", false, true),
            ("Lid", false, false)
        ]
    );
    let counted = presence(&mut guest, 3).await;
    assert!(guest.present.is_empty(), "a guest sees no names: {counted}");
    assert!(
        guest.seen.iter().all(|f| f["type"] != "presence"
            || f["present"].as_array().is_none_or(|p| p.is_empty())
                && f["joined"].as_array().is_none_or(|p| p.is_empty())),
        "no frame names anyone to a guest: {:?}",
        guest.seen
    );
    assert_eq!(counted["leader_present"], true);

    // The guest writes under its nickname, marked as a guest.
    let said = guest.say("Hallo, ik kijk even mee", "g-1").await;
    assert_eq!(
        (&said["author"], &said["author_kind"], &said["author_id"]),
        (&json!("Bezoeker"), &json!("guest"), &Value::Null)
    );
    assert_eq!(member.next_of("message").await["author_kind"], "guest");
    // A guest without a nickname reads, but is asked for one before writing; a member's
    // name is not for a guest to take.
    let mut anonymous = Client::connect(&app, &room, None, "").await.unwrap();
    let error = anonymous.refused("Hoi", "a-1").await;
    assert_eq!(error["error"], "nickname_required", "{error}");
    assert_eq!(
        refused(&app, &room, None, "?nickname=Lid").await,
        (409, "display_name_taken".to_string())
    );
    drop(anonymous);

    // The leader leaves: everyone sees that no leader is there now.
    drop(leader);
    let seen = presence(&mut member, 2).await;
    assert_eq!(seen["leader_present"], false, "{seen}");
    assert_eq!(presence(&mut guest, 2).await["leader_present"], false);

    // A leader may send a guest away: its connection closes.
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let path = format!("/api/v1/rooms/{room}/participants/{}/remove", guest.you());
    let body = json!({"reason": "Alleen voor leden vanavond"});
    assert_eq!(
        act(&app, Method::POST, &path, &cast.leader, Some(body)).await,
        204
    );
    let notice = guest.next_of("notice").await;
    assert_eq!(
        (&notice["kind"], &notice["reason"]),
        (&json!("removed"), &json!("Alleen voor leden vanavond"))
    );
    assert_eq!(guest.closed().await.0, 4003);
    // A guest cannot be muted (only removed).
    let mute = format!("/api/v1/rooms/{room}/participants/guest:iemand/mute");
    assert_eq!(
        act(&app, Method::POST, &mute, &cast.leader, None).await,
        409
    );
    assert_eq!(presence(&mut leader, 2).await["leader_present"], true);
}
