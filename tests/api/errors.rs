//! Bad input gets a clear 4xx with `{"error","message"}`; never a 500.

use reqwest::Method;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error, unique_source};

backend_tests!(
    malformed_json_wrong_type_and_unknown_fields,
    oversized_bodies_are_refused,
    unknown_paths_and_methods,
    garbage_never_causes_a_server_error,
    odd_tokens_are_just_unauthorized,
    nul_characters_never_reach_the_database,
);

async fn malformed_json_wrong_type_and_unknown_fields(app: TestApp) {
    let post = |body: &'static str, content_type: &'static str| {
        app.api
            .post(app.url("/api/v1/accounts"))
            .header("content-type", content_type)
            .header("x-forwarded-for", unique_source())
            .body(body)
            .send()
    };
    assert_error(
        post("{not json", "application/json").await.unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_error(
        post(
            r#"{"login":"anna","password":"paard batterij nietje"}"#,
            "text/plain",
        )
        .await
        .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    assert_error(
        post(
            r#"{"login":"anna","password":"paard batterij nietje","admin":true}"#,
            "application/json",
        )
        .await
        .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_error(
        post(r#"{"login":"anna"}"#, "application/json")
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_error(
        post(r#"[]"#, "application/json").await.unwrap(),
        400,
        "invalid_json",
    )
    .await;
}

async fn oversized_bodies_are_refused(app: TestApp) {
    let huge = "a".repeat(200_000);
    let response = app
        .post_json(
            "/api/v1/accounts",
            &json!({"login": "anna", "password": huge}),
        )
        .await;
    assert_error(response, 413, "payload_too_large").await;
    let form = app
        .api
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login=anna&password={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 413);
}

async fn unknown_paths_and_methods(app: TestApp) {
    assert_error(
        app.api.get(app.url("/api/v1/nope")).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.api
            .patch(app.url("/api/v1/sessions"))
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    assert_error(
        app.api
            .get(app.url("/api/v1/accounts"))
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    let page = app.api.get(app.url("/bestaat-niet")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Deze pagina bestaat niet")
    );
}

async fn garbage_never_causes_a_server_error(app: TestApp) {
    let (_, token) = app.member().await;
    let bodies = [
        "",
        "null",
        "0",
        "\"\"",
        "{}",
        "{\"login\":null,\"password\":null}",
        "{\"login\":\"\\u0000\\u0000\\u0000\",\"password\":\"\\u0000aaaaaaaaaaa\"}",
        "{\"login\":\"𝕬𝖓𝖓𝖆\",\"password\":\"\\ud800 not valid\"}",
        "{\"login\":[1,2],\"password\":{}}",
        "{\"password\":\"paard batterij nietje\",\"current_password\":1,\"new_password\":2,\"posts\":3}",
    ];
    let endpoints = [
        (Method::POST, "/api/v1/accounts"),
        (Method::POST, "/api/v1/sessions"),
        (Method::POST, "/api/v1/recovery"),
        (Method::PUT, "/api/v1/me/password"),
        (Method::POST, "/api/v1/me/recovery-codes"),
        (Method::DELETE, "/api/v1/me"),
        (Method::POST, "/login"),
        (Method::POST, "/register"),
        (Method::POST, "/recover"),
    ];
    for (method, path) in endpoints {
        for body in bodies {
            for content_type in ["application/json", "application/x-www-form-urlencoded"] {
                let response = app
                    .api
                    .request(method.clone(), app.url(path))
                    .bearer_auth(&token)
                    .header("content-type", content_type)
                    .header("x-forwarded-for", unique_source())
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    response.status().is_client_error() || response.status().is_success(),
                    "{method} {path} {content_type} {body:?} answered {}",
                    response.status()
                );
            }
        }
    }
    assert_eq!(
        app.get("/api/v1/me", &token).await.status(),
        200,
        "the account survived"
    );
}

async fn odd_tokens_are_just_unauthorized(app: TestApp) {
    for header in [
        "Bearer ",
        "Bearer x",
        "Bearer ../../etc/passwd",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let response = app
            .api
            .get(app.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_error(response, 401, "unauthorized").await;
    }
}

/// PostgreSQL cannot compare text with a NUL in it (a 500 there, a quiet miss on SQLite): a
/// NUL in a path is a 404, in a query a 400, in a steunpunt slug in a body a 404.
async fn nul_characters_never_reach_the_database(app: TestApp) {
    let (_, token) = app.member().await;
    for path in [
        "/api/v1/groups/%00",
        "/api/v1/groups/a%00b/members",
        "/api/v1/join-requests/%00/decision",
        "/api/v1/steunpunten/%00/groups",
        "/g/%00",
    ] {
        let response = app.get(path, &token).await;
        assert_eq!(response.status(), 404, "GET {path}");
    }
    assert_error(
        app.get("/api/v1/groups?steunpunt=%00", &token).await,
        400,
        "invalid_query",
    )
    .await;
    let admin = app.steunpunt_admin().await;
    let created = app
        .send_json(
            Method::POST,
            "/api/v1/groups",
            &admin,
            Some(&json!({
                "steunpunt": "stunt\u{0}", "slug": "nul-groep", "name": "Groep",
                "mode": "open", "listed": true, "theme": "somatic"
            })),
        )
        .await;
    assert_error(created, 404, "not_found").await;
}
