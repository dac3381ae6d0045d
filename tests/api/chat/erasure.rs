//! A member who erases their account takes their chat messages with them ("delete"), or
//! leaves them behind without a name ("anonymise").

use serde_json::{Value, json};

use super::{Client, meeting};
use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, unique_source};

backend_tests!(erasing_an_account_deletes_or_anonymises_its_chat_messages);

async fn erase(app: &TestApp, token: &str, posts: &str) {
    let erased = app
        .api
        .delete(app.url("/api/v1/me"))
        .bearer_auth(token)
        .header("x-forwarded-for", unique_source())
        .json(&json!({"password": PASSWORD, "posts": posts}))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);
}

fn bodies(app: &TestApp) -> Vec<(String, Value, Value)> {
    let mut rows: Vec<(String, Value, Value)> = app
        .db
        .rows_in("messages")
        .into_iter()
        .map(|m| {
            (
                m["body_html"].as_str().unwrap().to_string(),
                m["author_membership"].clone(),
                m["client_msg_id"].clone(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

async fn erasing_an_account_deletes_or_anonymises_its_chat_messages(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-vergeten", "closed").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let mut other = Client::join(&app, &room, &cast.muted).await;
    let leader_id = leader.you();
    member.say("Woorden van het lid", "m-1").await;
    member.say("Nog meer van het lid", "m-2").await;
    leader.say("Woorden van de leider", "l-1").await;
    // The group-muted member is unmuted, says something, and will keep it without a name.
    let unmuted = app
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/v1/groups/chat-vergeten/members/{}/mute", other.you()),
            &cast.leader,
            None,
        )
        .await;
    assert_eq!(unmuted.status(), 204, "{}", unmuted.text().await.unwrap());
    other.next_of("notice").await;
    other.say("Woorden die blijven", "o-1").await;
    drop(member);

    erase(&app, &cast.member, "delete").await;
    assert_eq!(
        bodies(&app),
        vec![
            (
                "Woorden die blijven".into(),
                json!(cast_id(&app, "Stil")),
                json!("o-1")
            ),
            (
                "Woorden van de leider".into(),
                json!(leader_id),
                json!("l-1")
            ),
        ]
    );
    // Erased while still in the room: the connection goes with the account.
    erase(&app, &cast.muted, "anonymise").await;
    assert_eq!(other.closed().await.0, 4003, "{:?}", other.seen);
    assert_eq!(
        bodies(&app),
        vec![
            ("Woorden die blijven".into(), Value::Null, Value::Null),
            (
                "Woorden van de leider".into(),
                json!(leader_id),
                json!("l-1")
            ),
        ]
    );
    // History shows the kept words as a former member's.
    let history = app
        .read_ok(
            Some(&cast.leader),
            &format!("/api/v1/rooms/{room}/messages"),
        )
        .await;
    let kept = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body_html"] == "Woorden die blijven")
        .unwrap();
    assert_eq!(
        (&kept["author"], &kept["author_kind"], &kept["author_id"]),
        (&json!(""), &json!("former_member"), &Value::Null)
    );
    assert!(
        app.db
            .rows_in("room_presence")
            .iter()
            .all(|p| p["membership_id"] == leader_id.as_str())
    );
}

/// The membership id of the display name `name`, from the database.
fn cast_id(app: &TestApp, name: &str) -> String {
    app.db
        .rows_in("memberships")
        .into_iter()
        .find(|m| m["display_name"] == name)
        .map(|m| m["id"].as_str().unwrap().to_string())
        .unwrap()
}
