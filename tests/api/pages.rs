//! The pages over plain HTTP: language, crisis text, forms without JavaScript.

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp};

backend_tests!(
    pages_speak_dutch_by_default_and_english_on_request,
    every_page_carries_the_crisis_text,
    register_shows_codes_once_and_logs_in,
    form_errors_are_shown_in_the_page,
);

const CRISIS: &str = "0800-0113";

async fn pages_speak_dutch_by_default_and_english_on_request(app: TestApp) {
    let browser = app.browser();
    let dutch = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dutch.contains("<html lang=\"nl\">") && dutch.contains("Welkom bij Kring"));
    let switch = browser
        .get(app.url("/lang/en?next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/login");
    let english = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Log in"));
    let escape = browser
        .get(app.url("/lang/en?next=//evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(escape.headers()["location"], "/");
    assert_eq!(
        browser
            .get(app.url("/lang/fr"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn every_page_carries_the_crisis_text(app: TestApp) {
    let browser = app.browser();
    for path in [
        "/",
        "/register",
        "/login",
        "/recover",
        "/privacy",
        "/does-not-exist",
    ] {
        let html = browser
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(CRISIS), "{path}");
    }
    app.register("uma").await;
    browser
        .post(app.url("/login"))
        .form(&[("login", "uma"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let account = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account.contains(CRISIS) && account.contains("Mijn account"));
}

async fn register_shows_codes_once_and_logs_in(app: TestApp) {
    let browser = app.browser();
    let response = browser
        .post(app.url("/register"))
        .form(&[("login", "Vera"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 8, "eight codes");
    assert!(html.contains("geen e-mail") || html.contains("e-mailadres"));
    let account = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), 200);
    let html = account.text().await.unwrap();
    assert!(
        html.contains(">vera<"),
        "the normalised login name is shown to its owner"
    );
    assert!(!html.contains("<code>"), "codes are not shown again");
}

async fn form_errors_are_shown_in_the_page(app: TestApp) {
    let browser = app.browser();
    let weak = browser
        .post(app.url("/register"))
        .form(&[("login", "wim"), ("password", "qwertyuiop")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    let html = weak.text().await.unwrap();
    assert!(html.contains("heel vaak gebruikt"), "{html}");
    assert!(html.contains("value=\"wim\""), "the login name is kept");
    let wrong = browser
        .post(app.url("/login"))
        .form(&[("login", "wim"), ("password", "zomaar iets fout")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("horen niet bij elkaar")
    );
    // Hostile input is escaped, never echoed raw.
    let hostile = browser
        .post(app.url("/login"))
        .form(&[
            ("login", "<script>alert(1)</script>"),
            ("password", "zomaar iets fout"),
        ])
        .send()
        .await
        .unwrap();
    let html = hostile.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}
