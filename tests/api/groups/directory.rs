//! The directory (sociale kaart): filters, and unlisted groups never shown.

use serde_json::Value;

use crate::backend_tests;
use crate::helpers::{HOME, TestApp, assert_error};

backend_tests!(directory_filters_and_never_shows_unlisted_groups,);

async fn directory_filters_and_never_shows_unlisted_groups(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "rouw-eindhoven", "open", None, true).await;
    app.group(&sp, "angst-online", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "verborgen", "closed", Some("invite"), false)
        .await;
    let slugs = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| g["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let guest: Value = app
        .api
        .get(app.url("/api/v1/groups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&guest), ["angst-online", "rouw-eindhoven"]);
    let closed: Value = app
        .api
        .get(app.url("/api/v1/groups?mode=closed&q=angst"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&closed), ["angst-online"]);
    assert_eq!(closed[0]["join_policy"], "approval");
    let none: Value = app
        .api
        .get(app.url("/api/v1/groups?theme=addiction"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.as_array().unwrap().is_empty());
    let region: Value = app
        .api
        .get(app.url("/api/v1/groups?region=eindhoven"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(region.as_array().unwrap().len(), 2);
    let bad = app
        .api
        .get(app.url("/api/v1/groups?mode=half-open"))
        .send()
        .await
        .unwrap();
    assert_error(bad, 400, "invalid_query").await;
    // The steunpunt admin sees the unlisted group; outsiders get 404 for it.
    let admin_view: Value = app
        .get(&format!("/api/v1/steunpunten/{HOME}/groups"), &sp)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&admin_view).len(), 3);
    let (_, outsider) = app.member().await;
    assert_error(
        app.get("/api/v1/groups/verborgen", &outsider).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.api
            .get(app.url("/api/v1/groups/verborgen"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let outsiders: Value = app
        .get("/api/v1/groups", &outsider)
        .await
        .json()
        .await
        .unwrap();
    assert!(!slugs(&outsiders).contains(&"verborgen".to_string()));
    // No counts of any kind in the directory.
    let text = guest.to_string();
    assert!(
        !text.contains("count") && !text.contains("members"),
        "{text}"
    );
}
