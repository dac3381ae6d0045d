//! Bad input is refused with a reason, never with a 500: invisible and direction-changing
//! characters in titles, empty and oversized bodies, unknown fields, pages out of range,
//! ids that do not exist.

use reqwest::Method;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    bad_input_is_refused_with_a_reason,
    a_body_of_optional_fields_must_be_an_object,
);

async fn bad_input_is_refused_with_a_reason(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "open", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (topic, post) = app
        .published(&leader, "kring", "Geldig", "Geldig bericht.")
        .await;

    for title in ["Omgekeerd \u{202E}txet", "Onzicht\u{200B}baar"] {
        let refused = app.topic(Some(&leader), "kring", title, "Tekst.").await;
        assert_error(refused, 422, "invisible_characters").await;
        let renamed = app
            .call(
                Method::PATCH,
                &format!("/api/v1/posts/{post}"),
                Some(&leader),
                Some(&json!({"title": title})),
            )
            .await;
        assert_error(renamed, 422, "invisible_characters").await;
    }
    let untitled = app.topic(Some(&leader), "kring", "   ", "Tekst.").await;
    assert_eq!(untitled.status(), 422);
    let long_title = app
        .topic(Some(&leader), "kring", &"t".repeat(121), "Tekst.")
        .await;
    assert_eq!(long_title.status(), 422);
    for body in ["", "  \n\t "] {
        let empty = app.topic(Some(&leader), "kring", "Leeg", body).await;
        assert_error(empty, 422, "body_empty").await;
        let empty = app.reply(Some(&leader), &topic, body).await;
        assert_error(empty, 422, "body_empty").await;
    }
    let max = kring::markdown::MAX_BODY_BYTES;
    let fits = app.reply(Some(&leader), &topic, &"a".repeat(max)).await;
    assert_eq!(fits.status(), 201, "exactly 16 KiB fits");
    for too_long in ["a".repeat(max + 1), "é".repeat(max / 2 + 1)] {
        let refused = app.reply(Some(&leader), &topic, &too_long).await;
        assert_error(refused, 422, "body_too_long").await;
        let refused = app.topic(Some(&leader), "kring", "Lang", &too_long).await;
        assert_error(refused, 422, "body_too_long").await;
    }
    let control = app.reply(Some(&leader), &topic, "bel\u{7}").await;
    assert_error(control, 422, "invalid_field").await;
    let unknown = app
        .topic_with(
            Some(&leader),
            "kring",
            json!({"title": "Extra", "body": "Tekst.", "author": "iemand anders"}),
        )
        .await;
    assert_error(unknown, 400, "invalid_json").await;
    let unknown = app
        .reply_with(
            Some(&leader),
            &topic,
            json!({"body": "Tekst.", "pinned": true}),
        )
        .await;
    assert_error(unknown, 400, "invalid_json").await;
    let wrong_type = app
        .topic_with(
            Some(&leader),
            "kring",
            json!({"title": 5, "body": "Tekst."}),
        )
        .await;
    assert_error(wrong_type, 400, "invalid_json").await;

    for query in ["page=0", "page=1001", "page=-1", "page=een", "pagina=2"] {
        for path in [
            format!("/api/v1/groups/kring/topics?{query}"),
            format!("/api/v1/topics/{topic}?{query}"),
        ] {
            let refused = app.read(Some(&leader), &path).await;
            assert_error(refused, 400, "invalid_query").await;
        }
    }
    let last = app
        .read_ok(Some(&leader), "/api/v1/groups/kring/topics?page=1000")
        .await;
    assert_eq!(last["topics"], json!([]), "a page past the end is empty");
    assert_eq!(last["page"], 1000);

    // Ids and slugs that do not exist: 404, whatever the route.
    let nothing = "00000000-0000-0000-0000-000000000000";
    for (method, path) in [
        (Method::GET, format!("/api/v1/topics/{nothing}")),
        (Method::POST, format!("/api/v1/topics/{nothing}/posts")),
        (Method::PATCH, format!("/api/v1/posts/{nothing}")),
        (Method::DELETE, format!("/api/v1/posts/{nothing}")),
        (Method::POST, format!("/api/v1/posts/{nothing}/review")),
        (Method::POST, format!("/api/v1/posts/{nothing}/reports")),
        (Method::POST, format!("/api/v1/reports/{nothing}/decision")),
        (Method::DELETE, format!("/api/v1/announcements/{nothing}")),
        (Method::GET, "/api/v1/groups/geen-groep/topics".to_string()),
        (Method::POST, "/api/v1/groups/geen-groep/topics".to_string()),
    ] {
        let body = match path.as_str() {
            p if p.ends_with("/review") => json!({"approve": true}),
            p if p.ends_with("/reports") => json!({"reason": "spam"}),
            p if p.ends_with("/decision") => json!({"action": "dismiss"}),
            p if p.ends_with("/topics") => json!({"title": "Titel", "body": "Tekst."}),
            _ => json!({"body": "Tekst."}),
        };
        let body = (method != Method::DELETE).then_some(body);
        let response = app
            .call(method.clone(), &path, Some(&leader), body.as_ref())
            .await;
        assert_error(response, 404, "not_found").await;
    }
    // Odd but well-formed things are stored and shown safely.
    // A line that opens with <script> is an HTML block: shown as text. The link and the image
    // on their own line are parsed, and defused.
    let hostile =
        "<script>alert(1)</script>\n\n[klik](javascript:alert(1)) ![x](http://evil/x.png)";
    let id = app.replied(&leader, &topic, hostile).await;
    let page = app.topic_page(None, &topic).await;
    let html = super::post(&page, &id)["body_html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains("&lt;script&gt;"), "shown as text: {html}");
    assert!(
        !html.contains("<script") && !html.contains("href=\"javascript"),
        "{html}"
    );
    assert!(!html.contains("<img"), "no remote images: {html}");
}

/// Regression (found by schemathesis): serde reads a struct from an array, so `[null, null]`
/// was a change of nothing that answered 200 (and marked a post as edited).
async fn a_body_of_optional_fields_must_be_an_object(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "open", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (topic, post) = app
        .published(&leader, "kring", "Geldig", "Geldig bericht.")
        .await;
    for (method, path) in [
        (Method::PATCH, format!("/api/v1/topics/{topic}")),
        (Method::PATCH, format!("/api/v1/posts/{post}")),
        (Method::POST, format!("/api/v1/posts/{post}/hide")),
        (Method::DELETE, format!("/api/v1/posts/{post}")),
    ] {
        let code = if method == Method::DELETE {
            "invalid_body"
        } else {
            "invalid_json"
        };
        let refused = app
            .call(method, &path, Some(&leader), Some(&json!([null, null])))
            .await;
        assert_error(refused, 400, code).await;
    }
    let page = app.topic_page(None, &topic).await;
    assert_eq!(super::post(&page, &post)["edited"], false);
    assert_eq!(super::post(&page, &post)["state"], "visible");
}
