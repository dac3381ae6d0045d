//! What a client may send: a frame too large ends the connection (1009); a message too long,
//! a frame that is not one, and one message too many are answered with an error frame and
//! the connection stays.

use kring::configuration::{RateLimit, Settings};

use super::{Client, meeting};
use crate::backend_tests;
use crate::helpers::TestApp;

const FRAME_BYTES: usize = 1024;
const MESSAGE_CHARS: usize = 100;
const PER_CONNECTION: u32 = 5;

fn small_limits(settings: &mut Settings) {
    settings.chat.max_frame_bytes = FRAME_BYTES;
    settings.chat.max_message_chars = MESSAGE_CHARS;
    settings.limits.chat_messages_per_connection = RateLimit {
        max: PER_CONNECTION,
        window_seconds: 600,
    };
}

backend_tests!(
    settings = small_limits;
    an_oversized_frame_closes_the_connection,
    bad_frames_and_long_messages_are_answered_and_the_connection_stays,
    the_per_connection_rate_limit_answers_rate_limited,
);

async fn an_oversized_frame_closes_the_connection(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-groot", "closed").await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    // Within the frame limit (a message too long for the room, but a frame that fits).
    let fits = "x".repeat(FRAME_BYTES - 100);
    assert_eq!(member.refused(&fits, "m-1").await["error"], "body_too_long");
    let body = "x".repeat(FRAME_BYTES + 1);
    member.send(&body, "m-2").await;
    let (code, reason) = member.closed().await;
    assert_eq!((code, reason.as_str()), (1009, "frame_too_large"));
    assert!(app.db.rows_in("messages").is_empty());
}

async fn bad_frames_and_long_messages_are_answered_and_the_connection_stays(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-fout", "closed").await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let long = "é".repeat(MESSAGE_CHARS + 1);
    let error = member.refused(&long, "m-1").await;
    assert_eq!(error["error"], "body_too_long", "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("100")));
    // Exactly at the limit (in characters, not bytes) is fine.
    let just = "é".repeat(MESSAGE_CHARS);
    assert_eq!(member.say(&just, "m-2").await["seq"], 1);
    for text in [
        "geen json",
        r#"{"type":"shout","body":"hallo"}"#,
        r#"{"type":"send"}"#,
        r#"{"type":"send","body":"hallo","extra":1}"#,
        "[1,2,3]",
    ] {
        member.send_text(text).await;
        let error = member.next_of("error").await;
        assert_eq!(error["error"], "invalid_frame", "{text}: {error}");
    }
    assert_eq!(member.refused("   ", "m-3").await["error"], "body_empty");
    member.send("hallo", "niet geldig!").await;
    assert_eq!(member.next_of("error").await["error"], "invalid_field");
    // Still connected, and still heard.
    assert_eq!(member.say("Nog steeds hier", "m-4").await["seq"], 2);
    assert_eq!(app.db.rows_in("messages").len(), 2);
}

async fn the_per_connection_rate_limit_answers_rate_limited(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-snel", "closed").await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    for i in 1..=PER_CONNECTION {
        let sent = member.say(&format!("Bericht {i}"), &format!("m-{i}")).await;
        assert_eq!(sent["seq"], i64::from(i));
    }
    let error = member.refused("Een te veel", "m-extra").await;
    assert_eq!(error["error"], "rate_limited", "{error}");
    assert!(
        error["retry_after"].as_u64().is_some_and(|s| s >= 1),
        "{error}"
    );
    // The connection stays and reads on; the limit is this connection's, not the room's.
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    leader.say("De leider praat", "l-1").await;
    assert_eq!(member.next_of("message").await["seq"], 6);
    assert_eq!(app.db.rows_in("messages").len(), 6);
}
