//! In real Chromium: register, read the recovery codes, log out, log in, log out again,
//! switch language, regain access with a recovery code, all through the pages.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{Backend, TestApp, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium and ChromeDriver, if installed. In CI their absence is a failure.
fn driver() -> Option<Driver> {
    let chromium = std::env::var("KRING_TEST_CHROMIUM").unwrap_or(CHROMIUM.into());
    let chromedriver = std::env::var("KRING_TEST_CHROMEDRIVER").unwrap_or(CHROMEDRIVER.into());
    if !std::path::Path::new(&chromium).exists() || !std::path::Path::new(&chromedriver).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true: Chromium and ChromeDriver are required ({chromium}, {chromedriver})");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: Chromium/ChromeDriver not found: the browser test is SKIPPED \
             (apt-get install chromium chromium-driver).\n"
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: tempfile::tempdir().unwrap(),
    })
}

async fn connect(driver: &Driver) -> Client {
    let chromium = std::env::var("KRING_TEST_CHROMIUM").unwrap_or(CHROMIUM.into());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ]
        }),
    );
    let mut last_error = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls connector")
            .capabilities(caps.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => return client,
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("cannot reach chromedriver: {last_error:?}");
}

async fn text(c: &Client, css: &str) -> String {
    match c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element.text().await.unwrap(),
        Err(e) => {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let source = c.source().await.unwrap_or_default();
            panic!("{css}: {e} at {url}:\n{source}")
        }
    }
}

/// Waits until the page's heading reads `expected` (pages change under a click).
async fn heading_is(c: &Client, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(element) = c.find(Locator::Css("h1")).await
            && let Ok(text) = element.text().await
        {
            if text == expected {
                return;
            }
            seen = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let source = c.source().await.unwrap_or_default();
    panic!("expected the heading {expected:?}, saw {seen:?}:\n{source}");
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn journey(c: &Client, app: &TestApp) {
    let password = "mijn fiets staat in de schuur";
    c.goto(&app.url("/")).await.unwrap();
    heading_is(c, "Welkom bij Kring").await;
    assert!(text(c, ".crisis").await.contains("113"));
    let css_loaded = c
        .execute("return getComputedStyle(document.body).display", vec![])
        .await
        .unwrap();
    assert_eq!(css_loaded, "flex", "the stylesheet loads under the CSP");

    // English and back.
    click(c, "#switch-language").await;
    heading_is(c, "Welcome to Kring").await;
    click(c, "#switch-language").await;
    heading_is(c, "Welkom bij Kring").await;

    // Register and read the recovery codes.
    click(c, "#cta-register").await;
    fill(c, "#login", "Tuinier_42").await;
    fill(c, "#password", password).await;
    click(c, "form.stack button[type=submit]").await;
    heading_is(c, "Bewaar je herstelcodes").await;
    let codes = c
        .find_all(Locator::Css("#recovery-codes code"))
        .await
        .unwrap();
    assert_eq!(codes.len(), 8);
    let first_code = codes[0].text().await.unwrap();
    assert_eq!(first_code.len(), 19);
    let print_shown = c
        .execute(
            "return !document.querySelector('[data-print]').hidden",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(print_shown, true, "kring.js runs under the CSP");

    // My account, then log out.
    click(c, "#codes-continue").await;
    assert_eq!(text(c, "#login-name").await, "tuinier_42");
    click(c, "#logout").await;
    heading_is(c, "Welkom bij Kring").await;
    c.goto(&app.url("/account")).await.unwrap();
    heading_is(c, "Inloggen").await;

    // A wrong password, then the right one.
    fill(c, "#login", "tuinier_42").await;
    fill(c, "#password", "dit is niet mijn wachtwoord").await;
    click(c, "form.stack button[type=submit]").await;
    assert!(
        text(c, "#form-error")
            .await
            .contains("horen niet bij elkaar")
    );
    fill(c, "#password", password).await;
    click(c, "form.stack button[type=submit]").await;
    heading_is(c, "Mijn account").await;

    // Log out again, from the header this time.
    click(c, "header form button").await;
    heading_is(c, "Welkom bij Kring").await;
    assert!(c.find(Locator::Css("#cta-login")).await.is_ok());

    // Forgot the password: back in with a recovery code.
    c.goto(&app.url("/recover")).await.unwrap();
    fill(c, "#login", "Tuinier_42").await;
    fill(c, "#recovery_code", &first_code.to_lowercase()).await;
    fill(c, "#new_password", "een nieuw begin in de tuin").await;
    click(c, "form.stack button[type=submit]").await;
    assert_eq!(text(c, "#codes-left").await, "7");
    click(c, "main a.button").await;
    heading_is(c, "Mijn account").await;
}

#[tokio::test]
async fn a_newcomer_registers_logs_out_and_in_in_chromium() {
    let Some(driver) = driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = connect(&driver).await;
    let result = tokio::time::timeout(Duration::from_secs(120), journey(&client, &app)).await;
    let _ = client.close().await;
    result.expect("the browser journey finished in time");
}

async fn log_in(c: &Client, app: &TestApp, login: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#login", login).await;
    fill(c, "#password", crate::helpers::PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;
    heading_is(c, "Mijn account").await;
}

async fn log_out(c: &Client) {
    click(c, "header form button").await;
    heading_is(c, "Welkom bij Kring").await;
}

async fn group_journey(c: &Client, app: &TestApp) {
    app.steunpunt_admin_as("staf_noord").await;
    for login in ["noor", "merel", "sterre"] {
        app.register(login).await;
    }

    // The steunpunt admin creates a closed group and a leader invite.
    log_in(c, app, "staf_noord").await;
    click(c, "a.steunpunt-admin").await;
    heading_is(c, "Steunpunt: groepen beheren").await;
    fill(c, "#name", "Rouwgroep Noord").await;
    fill(c, "#slug", "rouw-noord").await;
    fill(c, "#region", "Groningen").await;
    click(c, "#new-group button[type=submit]").await;
    heading_is(c, "Groep instellen").await;
    click(c, "#new-leader-invite button[type=submit]").await;
    heading_is(c, "Rouwgroep Noord").await;
    let leader_code = text(c, "#invite-code").await;
    let leader_link = text(c, "#join-url").await;
    assert!(
        leader_link.ends_with(&format!("?code={leader_code}")),
        "{leader_link}"
    );
    log_out(c).await;

    // The leader follows the link, logs in on the way, and joins with the code.
    c.goto(&leader_link).await.unwrap();
    heading_is(c, "Rouwgroep Noord").await;
    click(c, "#login-to-join").await;
    fill(c, "#login", "noor").await;
    fill(c, "#password", crate::helpers::PASSWORD).await;
    click(c, "form.stack button[type=submit]").await;
    heading_is(c, "Rouwgroep Noord").await;
    let prefilled = c
        .find(Locator::Css("#invite_code"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(prefilled.as_deref(), Some(leader_code.as_str()));
    fill(c, "#display_name", "Begeleider_Noor").await;
    click(c, "#accept_house_rules").await;
    click(c, "#join-form button[type=submit]").await;
    assert_eq!(text(c, "#my-name").await, "Begeleider_Noor");

    // ...and prints an invite card for the meeting.
    click(c, "#to-leaders-page").await;
    heading_is(c, "Begeleiden").await;
    click(c, "#new-invite button[type=submit]").await;
    heading_is(c, "Rouwgroep Noord").await;
    let member_code = text(c, "#invite-code").await;
    let member_link = text(c, "#join-url").await;
    assert!(
        c.find(Locator::Css("#invite-qr svg")).await.is_ok(),
        "a QR code on the card"
    );
    let print = c.find(Locator::Css("#print-card")).await.unwrap();
    assert!(
        print.is_displayed().await.unwrap(),
        "the print button shows"
    );
    assert_ne!(member_code, leader_code);
    log_out(c).await;

    // A member joins with the code from the card.
    log_in(c, app, "merel").await;
    c.goto(&member_link).await.unwrap();
    heading_is(c, "Rouwgroep Noord").await;
    fill(c, "#display_name", "Merel").await;
    click(c, "#accept_house_rules").await;
    click(c, "#join-form button[type=submit]").await;
    assert_eq!(text(c, "#my-name").await, "Merel");
    log_out(c).await;

    // Another applicant introduces herself...
    log_in(c, app, "sterre").await;
    c.goto(&app.url("/g/rouw-noord")).await.unwrap();
    fill(c, "#display_name", "Sterre").await;
    fill(
        c,
        "#introduction",
        "Mijn vader is vorig jaar overleden en ik zoek mensen die dat kennen.",
    )
    .await;
    click(c, "#accept_house_rules").await;
    click(c, "#join-form button[type=submit]").await;
    assert!(text(c, "#pending").await.contains("verstuurd"));
    log_out(c).await;

    // ...the leader declines with a reason...
    log_in(c, app, "noor").await;
    c.goto(&app.url("/g/rouw-noord/beheer")).await.unwrap();
    assert!(text(c, "#join-requests blockquote").await.contains("vader"));
    fill(
        c,
        "#join-requests textarea",
        "De groep is vol; de rouwgroep in Zuid heeft nog plek.",
    )
    .await;
    click(c, "#join-requests form.decline button").await;
    heading_is(c, "Begeleiden").await;
    assert!(
        text(c, "#join-requests")
            .await
            .contains("Er wachten geen aanvragen")
    );
    log_out(c).await;

    // ...and the applicant sees the reason, once.
    log_in(c, app, "sterre").await;
    c.goto(&app.url("/g/rouw-noord")).await.unwrap();
    assert!(
        text(c, "#decline-reason")
            .await
            .contains("rouwgroep in Zuid")
    );
    c.goto(&app.url("/g/rouw-noord")).await.unwrap();
    heading_is(c, "Rouwgroep Noord").await;
    assert!(
        c.find(Locator::Css("#declined")).await.is_err(),
        "shown once"
    );
    assert!(
        c.find(Locator::Css("#join-form")).await.is_ok(),
        "she may try again"
    );
}

#[tokio::test]
async fn a_steunpunt_leader_member_and_applicant_in_chromium() {
    let Some(driver) = driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = connect(&driver).await;
    let result = tokio::time::timeout(Duration::from_secs(180), group_journey(&client, &app)).await;
    let _ = client.close().await;
    result.expect("the browser journey finished in time");
}
