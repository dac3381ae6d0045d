//! Registration, login, sessions, password change, recovery codes, export and erasure.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, assert_error};

backend_tests!(
    register_login_me_logout,
    login_names_are_normalised_and_unique_case_insensitively,
    bad_login_names_and_passwords_are_refused_with_reasons,
    wrong_name_and_wrong_password_get_the_same_answer,
    each_login_gets_a_fresh_token_and_logout_kills_only_that_one,
    logout_everywhere_kills_every_session,
    change_password_keeps_this_session_and_ends_others,
    recovery_code_sets_a_new_password_once,
    recovery_codes_can_be_renewed,
    export_holds_only_what_is_stored,
    erase_removes_the_account,
);

async fn register_login_me_logout(app: TestApp) {
    let codes = app.register("Anna").await;
    assert_eq!(codes.len(), 8);
    assert!(codes.iter().all(|c| c.len() == 19));

    let token = app.login("anna", PASSWORD).await;
    assert_eq!(token.len(), 43);
    let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
    // The login name is stored only as a keyed hash, so no answer can hold it.
    assert!(me["account"].get("login_name").is_none(), "{me}");
    assert!(!me.to_string().contains("anna"), "{me}");
    assert_eq!(me["account"]["role"], "member");
    assert_eq!(me["account"]["created_on"].as_str().unwrap().len(), 10);

    let out = app
        .send_json(Method::DELETE, "/api/v1/sessions/current", &token, None)
        .await;
    assert_eq!(out.status(), 204);
    assert_error(app.get("/api/v1/me", &token).await, 401, "unauthorized").await;
}

async fn login_names_are_normalised_and_unique_case_insensitively(app: TestApp) {
    app.register("Ｍarieke").await; // full-width M becomes M under NFKC
    let again = app
        .post_json(
            "/api/v1/accounts",
            &json!({"login": "MARIEKE", "password": PASSWORD}),
        )
        .await;
    assert_error(again, 409, "login_taken").await;
    app.login("marieke", PASSWORD).await;
    app.login("  MaRiEkE ", PASSWORD).await;
}

async fn bad_login_names_and_passwords_are_refused_with_reasons(app: TestApp) {
    for (login, password, code) in [
        ("ab", PASSWORD, "login_name_length"),
        ("een naam", PASSWORD, "login_name_characters"),
        ("anna\u{202E}", PASSWORD, "login_name_invisible"),
        ("an\u{200B}na", PASSWORD, "login_name_invisible"),
        ("anna", "kort", "password_length"),
        ("anna", "password123", "password_common"),
        ("anna_de_vries", "Anna_De_Vries", "password_is_login"),
    ] {
        let response = app
            .post_json(
                "/api/v1/accounts",
                &json!({"login": login, "password": password}),
            )
            .await;
        assert_error(response, 422, code).await;
    }
    let too_long = "x".repeat(129);
    let response = app
        .post_json(
            "/api/v1/accounts",
            &json!({"login": "anna", "password": too_long}),
        )
        .await;
    assert_error(response, 422, "password_length").await;
}

async fn wrong_name_and_wrong_password_get_the_same_answer(app: TestApp) {
    app.register("bert").await;
    let wrong_password = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": "bert", "password": "niet goed genoeg"}),
        )
        .await;
    let wrong_name = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": "niemand", "password": PASSWORD}),
        )
        .await;
    let invalid_name = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": "x", "password": PASSWORD}),
        )
        .await;
    let mut bodies = vec![];
    for response in [wrong_password, wrong_name, invalid_name] {
        assert_eq!(response.status(), 401);
        bodies.push(response.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
}

async fn each_login_gets_a_fresh_token_and_logout_kills_only_that_one(app: TestApp) {
    app.register("carla").await;
    let first = app.login("carla", PASSWORD).await;
    let second = app.login("carla", PASSWORD).await;
    assert_ne!(first, second);
    app.send_json(Method::DELETE, "/api/v1/sessions/current", &first, None)
        .await;
    assert_eq!(app.get("/api/v1/me", &first).await.status(), 401);
    assert_eq!(app.get("/api/v1/me", &second).await.status(), 200);
}

async fn logout_everywhere_kills_every_session(app: TestApp) {
    app.register("daan").await;
    let first = app.login("daan", PASSWORD).await;
    let second = app.login("daan", PASSWORD).await;
    let out = app
        .send_json(Method::DELETE, "/api/v1/sessions", &second, None)
        .await;
    assert_eq!(out.status(), 204);
    assert_eq!(app.get("/api/v1/me", &first).await.status(), 401);
    assert_eq!(app.get("/api/v1/me", &second).await.status(), 401);
}

async fn change_password_keeps_this_session_and_ends_others(app: TestApp) {
    app.register("eva").await;
    let here = app.login("eva", PASSWORD).await;
    let elsewhere = app.login("eva", PASSWORD).await;
    let wrong = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            &here,
            Some(&json!({"current_password": "dit klopt niet", "new_password": "zon zee strand duin"})),
        )
        .await;
    assert_error(wrong, 403, "wrong_password").await;
    let weak = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            &here,
            Some(&json!({"current_password": PASSWORD, "new_password": "1234567890"})),
        )
        .await;
    assert_error(weak, 422, "password_common").await;
    let ok = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            &here,
            Some(&json!({"current_password": PASSWORD, "new_password": "zon zee strand duin"})),
        )
        .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(app.get("/api/v1/me", &here).await.status(), 200);
    assert_eq!(app.get("/api/v1/me", &elsewhere).await.status(), 401);
    app.login("eva", "zon zee strand duin").await;
    let old = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": "eva", "password": PASSWORD}),
        )
        .await;
    assert_error(old, 401, "invalid_credentials").await;
}

async fn recovery_code_sets_a_new_password_once(app: TestApp) {
    let codes = app.register("femke").await;
    let old_session = app.login("femke", PASSWORD).await;
    let sloppy = codes[0].to_lowercase().replace('-', " ");
    let recovered = app
        .post_json(
            "/api/v1/recovery",
            &json!({"login": "Femke", "recovery_code": sloppy, "new_password": "nieuwe lente nieuw geluid"}),
        )
        .await;
    assert_eq!(recovered.status(), 201);
    let body: Value = recovered.json().await.unwrap();
    assert_eq!(body["recovery_codes_left"], 7);
    let token = body["token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", token).await.status(), 200);
    assert_eq!(app.get("/api/v1/me", &old_session).await.status(), 401);
    app.login("femke", "nieuwe lente nieuw geluid").await;

    let reused = app
        .post_json(
            "/api/v1/recovery",
            &json!({"login": "femke", "recovery_code": codes[0], "new_password": "weer een ander wachtwoord"}),
        )
        .await;
    assert_error(reused, 401, "invalid_recovery_code").await;
    let unknown = app
        .post_json(
            "/api/v1/recovery",
            &json!({"login": "niemand", "recovery_code": codes[1], "new_password": "weer een ander wachtwoord"}),
        )
        .await;
    assert_error(unknown, 401, "invalid_recovery_code").await;
}

async fn recovery_codes_can_be_renewed(app: TestApp) {
    let old = app.register("gijs").await;
    let token = app.login("gijs", PASSWORD).await;
    let renewed = app
        .send_json(
            Method::POST,
            "/api/v1/me/recovery-codes",
            &token,
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(renewed.status(), 201);
    let new: Value = renewed.json().await.unwrap();
    let new_code = new["recovery_codes"][0].as_str().unwrap().to_string();
    let stale = app
        .post_json(
            "/api/v1/recovery",
            &json!({"login": "gijs", "recovery_code": old[0], "new_password": "nog een ander wachtwoord"}),
        )
        .await;
    assert_error(stale, 401, "invalid_recovery_code").await;
    let fresh = app
        .post_json(
            "/api/v1/recovery",
            &json!({"login": "gijs", "recovery_code": new_code, "new_password": "nog een ander wachtwoord"}),
        )
        .await;
    assert_eq!(fresh.status(), 201);
}

async fn export_holds_only_what_is_stored(app: TestApp) {
    let (login, token) = app.member().await;
    let export: Value = app
        .get("/api/v1/me/export", &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !export.to_string().contains(&login.to_lowercase()),
        "the login name is not stored, so not exported"
    );
    assert_eq!(export["recovery_codes_left"], 8);
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    let text = export.to_string();
    assert!(
        !text.contains(&token),
        "the raw token is not stored, so not exported"
    );
    assert!(!text.contains("argon2"), "hashes are not exported");
}

async fn erase_removes_the_account(app: TestApp) {
    let (login, token) = app.member().await;
    let wrong = app
        .send_json(
            Method::DELETE,
            "/api/v1/me",
            &token,
            Some(&json!({"password": "helemaal fout!", "posts": "delete"})),
        )
        .await;
    assert_error(wrong, 403, "wrong_password").await;
    let bad_choice = app
        .send_json(
            Method::DELETE,
            "/api/v1/me",
            &token,
            Some(&json!({"password": PASSWORD, "posts": "keep"})),
        )
        .await;
    assert_error(bad_choice, 400, "invalid_json").await;
    let erased = app
        .send_json(
            Method::DELETE,
            "/api/v1/me",
            &token,
            Some(&json!({"password": PASSWORD, "posts": "anonymise"})),
        )
        .await;
    assert_eq!(erased.status(), 204);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 401);
    let again = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": login, "password": PASSWORD}),
        )
        .await;
    assert_error(again, 401, "invalid_credentials").await;
    // The name is free again: nothing of the old account is left to collide with.
    app.register(&login).await;
}
