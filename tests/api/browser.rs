//! In real Chromium: register, read the recovery codes, log out, log in, log out again,
//! switch language, regain access with a recovery code, all through the pages; and every
//! page on a phone-sized screen.

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
    connect_with(driver, None, true).await
}

/// A Chromium that runs no JavaScript at all (the pages must work without it). WebDriver
/// itself still reads the page.
async fn connect_without_js(driver: &Driver) -> Client {
    connect_with(driver, None, false).await
}

/// The width of the phone the pages must fit, in CSS pixels (an iPhone 12 to 15).
const PHONE_WIDTH: u64 = 390;

/// A Chromium that emulates a phone: a 390 px wide viewport that honours the page's
/// `<meta name="viewport">`, as a phone does. (A desktop window of 390 px is not that: the
/// window's size includes its frame, and desktop Chromium has a minimum width.)
async fn connect_phone(driver: &Driver) -> Client {
    let phone = serde_json::json!({
        "deviceMetrics": {"width": PHONE_WIDTH, "height": 844, "pixelRatio": 3.0, "touch": true}
    });
    connect_with(driver, Some(phone), true).await
}

async fn connect_with(
    driver: &Driver,
    mobile_emulation: Option<serde_json::Value>,
    javascript: bool,
) -> Client {
    connect_in(driver._profile.path(), driver, mobile_emulation, javascript).await
}

/// A Chromium with its own profile in `profile`: several of them at once are several people
/// (each with its own cookies), not tabs of one.
async fn connect_in(
    profile: &std::path::Path,
    driver: &Driver,
    mobile_emulation: Option<serde_json::Value>,
    javascript: bool,
) -> Client {
    let chromium = std::env::var("KRING_TEST_CHROMIUM").unwrap_or(CHROMIUM.into());
    let mut options = serde_json::json!({
        "binary": chromium,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.display()),
        ]
    });
    if let Some(emulation) = mobile_emulation {
        options["mobileEmulation"] = emulation;
    }
    if !javascript {
        options["prefs"] =
            serde_json::json!({"profile.managed_default_content_settings.javascript": 2});
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
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

/// Opens `url` and asserts that the page fits a phone (see [`assert_page_fits_phone`]).
pub async fn assert_fits_phone(c: &Client, url: &str) {
    c.goto(url).await.unwrap();
    let here = c.current_url().await.unwrap().to_string();
    assert_eq!(here, url, "{url} answered with another page");
    assert_page_fits_phone(c).await;
}

/// Asserts that the page now shown (in a [`connect_phone`] client) is no wider than the
/// phone: nothing sticks out to the right, so nobody has to scroll sideways.
pub async fn assert_page_fits_phone(c: &Client) {
    let measured = c
        .execute(
            r##"
            const phone = arguments[0];
            const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (typeof e.className === "string" && e.className
                    ? "." + e.className.trim().split(/\s+/).join(".") : "");
            const all = [...document.querySelectorAll("body *")];
            // Boxes that reach past the phone's edge, and boxes whose text spills out of them.
            const wide = all
                .filter(e => e.getBoundingClientRect().right > phone + 0.5)
                .map(e => name(e) + " to " + Math.round(e.getBoundingClientRect().right) + " px")
                .concat(all
                    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                        && getComputedStyle(e).overflowX === "visible")
                    .map(e => name(e) + " holds " + e.scrollWidth + " px in " + e.clientWidth))
                .slice(0, 8);
            return {
                scroll: document.documentElement.scrollWidth,
                inner: window.innerWidth,
                page: location.pathname + location.search,
                wide: wide,
            };
            "##,
            vec![PHONE_WIDTH.into()],
        )
        .await
        .unwrap();
    let page = measured["page"].as_str().unwrap_or_default();
    let scroll = measured["scroll"].as_u64().unwrap();
    let inner = measured["inner"].as_u64().unwrap();
    // A phone zooms out to show a page that is too wide: then innerWidth grows with it.
    assert_eq!(
        inner, PHONE_WIDTH,
        "{page}: the viewport is {inner} px, not the phone's {PHONE_WIDTH} px; too wide: {}",
        measured["wide"]
    );
    assert!(
        scroll <= inner,
        "{page} is {scroll} px wide on a {inner} px phone; too wide: {}",
        measured["wide"]
    );
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

/// Clicks the element once it is there and can take the click: on a loaded machine a page
/// may still be laying out (the element stale, or covered for a moment) when it appears.
async fn click(c: &Client, css: &str) {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match element(c, css).await.click().await {
            Ok(()) => return,
            Err(e) if std::time::Instant::now() < until => {
                eprintln!("{css}: click refused ({e}), trying again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
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
    let note = text(c, "#login-name").await;
    assert!(
        note.contains("vingerafdruk") && !note.contains("tuinier"),
        "{note}"
    );
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

/// Every page a visitor, a member, a leader, a steunpunt admin and an instance admin reach in
/// a fresh instance with one open and one closed group, on a phone.
async fn phone_journey(c: &Client, app: &TestApp) {
    use serde_json::json;
    let url = |path: &str| app.url(path);

    let sp = app.steunpunt_admin_as("staf_telefoon").await;
    app.register("beheer_telefoon").await;
    app.set_role("beheer_telefoon", "instance_admin").await;
    app.group(&sp, "open-kring", "open", None, true).await;
    // The closed group has no meeting place and no house rules yet.
    let created = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/groups",
            &sp,
            Some(&json!({
                "steunpunt": crate::helpers::HOME, "slug": "dichte-kring",
                "name": "Lotgenotengroep voor ouders van een kind met een zeldzame aandoening",
                "mode": "closed", "join_policy": "invite_and_approval", "listed": true,
                "theme": "mental_health", "region": "Regio Noordoost-Brabant en Land van Cuijk",
            })),
        )
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());

    app.register("leider_tel").await;
    let leader = app.login("leider_tel", crate::helpers::PASSWORD).await;
    let code = app.invite(&sp, "dichte-kring", "leader", 1).await;
    let joined = app
        .join(
            &leader,
            "dichte-kring",
            json!({"display_name": "Begeleider_Annemarie_van_Dijk", "invite_code": code}),
        )
        .await;
    assert_eq!(joined.status(), 201);
    let code = app.invite(&leader, "dichte-kring", "member", 10).await;

    app.register("lid_tel").await;
    let member = app.login("lid_tel", crate::helpers::PASSWORD).await;
    let joined = app
        .join(
            &member,
            "open-kring",
            json!({"display_name": "Wandelaar_uit_Oss_en_omgeving"}),
        )
        .await;
    assert_eq!(joined.status(), 201);
    let applied = app
        .join(
            &member,
            "dichte-kring",
            json!({
                "display_name": "Wandelaar_uit_Oss_en_omgeving",
                "invite_code": code,
                "introduction": "Ik las erover op https://www.zeldzameaandoeningen.example/lotgenotencontact/ouders-van-kinderen-met-een-zeldzame-aandoening en wil graag meedoen."
            }),
        )
        .await;
    assert_eq!(applied.status(), 202, "{}", applied.text().await.unwrap());

    // A visitor.
    for path in [
        "/",
        "/groepen",
        "/groepen?q=kring&theme=mental_health&region=Oss",
        "/g/open-kring",
        "/g/dichte-kring",
        "/login",
        "/register",
        "/recover",
        "/privacy",
        "/bestaat-niet",
    ] {
        assert_fits_phone(c, &url(path)).await;
    }
    // A newcomer registers and reads the recovery codes.
    c.goto(&url("/register")).await.unwrap();
    fill(c, "#login", "nieuwkomer_op_de_telefoon").await;
    fill(c, "#password", "een lange zin als wachtwoord").await;
    click(c, "form.stack button[type=submit]").await;
    heading_is(c, "Bewaar je herstelcodes").await;
    assert_page_fits_phone(c).await;
    click(c, "#codes-continue").await;
    heading_is(c, "Mijn account").await;
    assert_page_fits_phone(c).await;
    log_out(c).await;

    // A member of the open group, waiting to join the closed one.
    log_in(c, app, "lid_tel").await;
    for path in [
        "/account",
        "/g/open-kring",
        "/g/open-kring/leden",
        "/g/dichte-kring",
        "/groepen",
    ] {
        assert_fits_phone(c, &url(path)).await;
    }
    log_out(c).await;

    // The leader of the closed group, with a request waiting, makes an invite card.
    log_in(c, app, "leider_tel").await;
    for path in [
        "/g/dichte-kring",
        "/g/dichte-kring/leden",
        "/g/dichte-kring/beheer",
    ] {
        assert_fits_phone(c, &url(path)).await;
    }
    click(c, "#new-invite button[type=submit]").await;
    text(c, "#invite-code").await;
    assert_page_fits_phone(c).await;
    assert_fits_phone(c, &url("/g/dichte-kring/beheer")).await;
    log_out(c).await;

    // The steunpunt admin, and the leader invite card.
    log_in(c, app, "staf_telefoon").await;
    for path in [
        "/steunpunt/steunpunt",
        "/g/open-kring",
        "/g/dichte-kring/instellingen",
        "/g/open-kring/instellingen",
    ] {
        assert_fits_phone(c, &url(path)).await;
    }
    click(c, "#new-leader-invite button[type=submit]").await;
    text(c, "#invite-code").await;
    assert_page_fits_phone(c).await;
    log_out(c).await;

    // The instance admin.
    log_in(c, app, "beheer_telefoon").await;
    assert_fits_phone(c, &url("/beheer")).await;
    log_out(c).await;

    // English words are longer.
    click(c, "#switch-language").await;
    heading_is(c, "Welcome to Kring").await;
    for path in ["/", "/groepen", "/g/dichte-kring", "/register", "/privacy"] {
        assert_fits_phone(c, &url(path)).await;
    }
}

#[tokio::test]
async fn every_page_fits_a_phone_in_chromium() {
    let Some(driver) = driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = connect_phone(&driver).await;
    let result = tokio::time::timeout(Duration::from_secs(180), phone_journey(&client, &app)).await;
    let _ = client.close().await;
    result.expect("the phone journey finished in time");
}

/// A leader prints an invite card for an unlisted, invite-only group; a new visitor follows
/// the card's link on a phone, registers, comes back with the code still filled in, and
/// joins. Every page on the way fits the phone.
async fn invite_card_journey(c: &Client, app: &TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "stille-kring", "closed", Some("invite"), false)
        .await;
    app.register("leider_kaart").await;
    let leader = app.login("leider_kaart", crate::helpers::PASSWORD).await;
    let code = app.invite(&sp, "stille-kring", "leader", 1).await;
    let joined = app
        .join(
            &leader,
            "stille-kring",
            serde_json::json!({"display_name": "Leider", "invite_code": code}),
        )
        .await;
    assert_eq!(joined.status(), 201);

    // The leader makes the card for the meeting and reads its link.
    log_in(c, app, "leider_kaart").await;
    c.goto(&app.url("/g/stille-kring/beheer")).await.unwrap();
    click(c, "#new-invite button[type=submit]").await;
    let link = text(c, "#join-url").await;
    let code = text(c, "#invite-code").await;
    assert!(
        link.ends_with(&format!("/g/stille-kring?code={code}")),
        "{link}"
    );
    assert_page_fits_phone(c).await;
    log_out(c).await;

    // A new visitor follows the link: a neutral page that names no group.
    c.goto(&link).await.unwrap();
    heading_is(c, "Je uitnodigingscode").await;
    assert!(!c.source().await.unwrap().contains("Groep stille-kring"));
    assert_page_fits_phone(c).await;
    click(c, "#code-register").await;
    heading_is(c, "Account maken").await;
    assert_page_fits_phone(c).await;
    fill(c, "#login", "nieuw_lid").await;
    fill(c, "#password", "de lamp op de tafel brandt").await;
    click(c, "form.stack button[type=submit]").await;
    heading_is(c, "Bewaar je herstelcodes").await;
    assert_page_fits_phone(c).await;
    click(c, "#codes-continue").await;

    // Back where the link led, logged in, the code still filled in.
    heading_is(c, "Je uitnodigingscode").await;
    let filled = c
        .find(Locator::Css("#code"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(filled.as_deref(), Some(code.as_str()));
    click(c, "#code-form button[type=submit]").await;
    heading_is(c, "Groep stille-kring").await;
    assert_page_fits_phone(c).await;
    fill(c, "#display_name", "Nieuwkomer").await;
    click(c, "#accept_house_rules").await;
    click(c, "#join-form button[type=submit]").await;
    heading_is(c, "Groep stille-kring").await;
    assert_eq!(text(c, "#my-name").await, "Nieuwkomer");
    assert_page_fits_phone(c).await;
}

#[tokio::test]
async fn a_new_visitor_joins_an_unlisted_group_from_its_invite_card_on_a_phone() {
    let Some(driver) = driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = connect_phone(&driver).await;
    let result =
        tokio::time::timeout(Duration::from_secs(120), invite_card_journey(&client, &app)).await;
    let _ = client.close().await;
    result.expect("the invite card journey finished in time");
}

/// The group of the forum journeys, set up over the API: a leader, Anna and Bram (members),
/// an invite code for a member who joins later, and Anna's first topic already reported by
/// Bram as spam, so that the "I'm worried" report made later must overtake it in the queue.
struct ForumGroup {
    slug: &'static str,
    spam_topic: String,
    later_code: String,
    bram: String,
}

async fn forum_group(app: &TestApp) -> ForumGroup {
    use serde_json::{Value, json};
    let slug = "praatgroep";
    let sp = app.steunpunt_admin().await;
    app.group(&sp, slug, "closed", Some("invite"), true).await;
    let mut tokens: Vec<String> = vec![];
    for (login, name) in [
        ("leider_fien", "Begeleider_Fien"),
        ("anna", "Anna"),
        ("bram", "Bram"),
    ] {
        app.register(login).await;
        let token = app.login(login, crate::helpers::PASSWORD).await;
        // The steunpunt appoints the leader; the leader invites the members.
        let code = match tokens.first() {
            None => app.invite(&sp, slug, "leader", 1).await,
            Some(leader) => app.invite(leader, slug, "member", 1).await,
        };
        app.joined(
            &token,
            slug,
            json!({"display_name": name, "invite_code": code}),
        )
        .await;
        tokens.push(token);
    }
    let [leader, anna, bram] = <[String; 3]>::try_from(tokens).unwrap();
    let later_code = app.invite(&leader, slug, "member", 1).await;

    let posted = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/groups/{slug}/topics"),
            &anna,
            Some(&json!({"title": "Fietstocht zaterdag", "body": "Wie fietst er mee?"})),
        )
        .await;
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
    let posted: Value = posted.json().await.unwrap();
    let reported = app
        .send_json(
            reqwest::Method::POST,
            &format!(
                "/api/v1/posts/{}/reports",
                posted["post_id"].as_str().unwrap()
            ),
            &bram,
            Some(&json!({"reason": "spam"})),
        )
        .await;
    assert_eq!(reported.status(), 201, "{}", reported.text().await.unwrap());
    ForumGroup {
        slug,
        spam_topic: posted["topic_id"].as_str().unwrap().to_string(),
        later_code,
        bram,
    }
}

/// The text of every element that matches `css` (now, without waiting).
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = vec![];
    for element in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(element.text().await.unwrap());
    }
    out
}

async fn displayed(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .is_displayed()
        .await
        .unwrap()
}

/// Clicks `element` (a form's button) and waits until another page has replaced this one:
/// for forms that come back to the page they are on, where the heading does not change.
async fn click_to_reload(c: &Client, element: fantoccini::elements::Element) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    element.click().await.unwrap();
    for _ in 0..100 {
        if old.tag_name().await.is_err() {
            c.wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Css("footer.site"))
                .await
                .unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page did not change after the click");
}

async fn click_css_to_reload(c: &Client, css: &str) {
    click_to_reload(c, element(c, css).await).await;
}

/// The element `css` picks, once it is there (within 10 s).
async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// On a phone client: the page shown fits it.
async fn fits(c: &Client, phone: bool) {
    if phone {
        assert_page_fits_phone(c).await;
    }
}

/// A member posts with a content warning, another reports it as "worried", a leader sees it
/// first in the queue and hides it; with pre-moderation a new member's post is held and then
/// approved; a leader's announcement stands on the group page. With JavaScript or without
/// (`javascript`); on a phone (`phone`), where the topic and the review page must fit.
async fn forum_journey(c: &Client, app: &TestApp, javascript: bool, phone: bool) {
    let g = forum_group(app).await;
    let slug = g.slug;

    // Anna opens a topic with Markdown and a content warning.
    log_in(c, app, "anna").await;
    c.goto(&app.url(&format!("/g/{slug}/forum"))).await.unwrap();
    heading_is(c, "Forum").await;
    fill(c, "#title", "Een zware week").await;
    fill(
        c,
        "#body",
        "Het gaat **niet goed** met me.\n\n- slecht geslapen\n- veel gepiekerd",
    )
    .await;
    fill(c, "#content_warning", "gaat over somberheid").await;
    click(c, "#new-topic button[type=submit]").await;
    assert_eq!(text(c, "#topic-title").await, "Een zware week");
    let topic_url = c.current_url().await.unwrap().to_string();
    let post = c
        .find(Locator::Css("article.post"))
        .await
        .unwrap()
        .attr("data-post")
        .await
        .unwrap()
        .expect("the post has an id");
    let at = format!("#p-{post}");
    let summary = text(c, &format!("{at} details.cw summary")).await;
    assert!(summary.contains("Let op:"), "{summary}");
    assert!(summary.contains("gaat over somberheid"), "{summary}");
    assert!(
        !displayed(c, &format!("{at} details.cw .body")).await,
        "the body is folded away under its warning"
    );
    click(c, &format!("{at} details.cw summary")).await;
    assert!(displayed(c, &format!("{at} details.cw .body")).await);
    assert_eq!(
        text(c, &format!("{at} details.cw .body strong")).await,
        "niet goed"
    );
    assert_eq!(texts(c, &format!("{at} .body li")).await.len(), 2);
    fits(c, phone).await;
    // kring.js remembers what was read, in this browser only: proof of whether it ran.
    let seen = c
        .execute(
            "return localStorage.getItem('kring.seen.' + arguments[0])",
            vec![topic_url.rsplit('/').next().unwrap().into()],
        )
        .await
        .unwrap();
    assert_eq!(!seen.is_null(), javascript, "kring.js ran: {seen}");
    log_out(c).await;

    // Bram is worried about her and says so.
    log_in(c, app, "bram").await;
    c.goto(&topic_url).await.unwrap();
    click(c, &format!("{at} details.report summary")).await;
    click(c, &format!("{at} details.report input[value=worried]")).await;
    let label = text(
        c,
        &format!("{at} details.report label:has(input[value=worried])"),
    )
    .await;
    assert_eq!(label, "Ik maak me zorgen om deze persoon");
    fill(c, &format!("#note-{post}"), "Ze klinkt heel somber.").await;
    click(c, &format!("{at} details.report button[type=submit]")).await;
    assert!(
        text(c, "#notice")
            .await
            .contains("De begeleiders zien je melding"),
    );
    log_out(c).await;

    // The leader sees the worried mark at once, and the worry first in the queue.
    log_in(c, app, "leider_fien").await;
    c.goto(&app.url(&format!("/g/{slug}"))).await.unwrap();
    assert!(text(c, "#worried-mark").await.contains("zorgen om een lid"));
    click(c, "#worried-mark a").await;
    heading_is(c, "Wachtrij").await;
    fits(c, phone).await;
    let items = c.find_all(Locator::Css(".queue-item")).await.unwrap();
    assert_eq!(items.len(), 2, "the worry and the older spam report");
    let reasons = texts(c, ".queue-item .reason").await;
    assert_eq!(
        reasons,
        ["Ik maak me zorgen om deze persoon", "Reclame of spam"],
        "worried first, though reported later"
    );
    assert!(
        items[0]
            .text()
            .await
            .unwrap()
            .contains("Ze klinkt heel somber.")
    );
    assert_eq!(
        items[1]
            .find(Locator::Css("a"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .as_deref(),
        Some(format!("/t/{}", g.spam_topic).as_str())
    );
    let hide = items[0]
        .find(Locator::Css("button.hide-post"))
        .await
        .unwrap();
    click_to_reload(c, hide).await;
    heading_is(c, "Wachtrij").await;
    // Hiding the post settled the worry; the spam report still waits.
    assert_eq!(texts(c, ".queue-item .reason").await, ["Reclame of spam"]);
    assert!(c.find(Locator::Css("#worried-mark")).await.is_err());
    c.goto(&app.url(&format!("/g/{slug}"))).await.unwrap();
    heading_is(c, "Groep praatgroep").await;
    assert!(c.find(Locator::Css("#worried-mark")).await.is_err());

    // The leader still reads the post, marked hidden for members.
    c.goto(&topic_url).await.unwrap();
    assert_eq!(
        text(c, &format!("{at} .hidden-mark")).await,
        "Verborgen voor leden."
    );
    click(c, &format!("{at} details.cw summary")).await;
    assert!(
        text(c, &format!("{at} .body"))
            .await
            .contains("slecht geslapen")
    );
    c.goto(&app.url(&format!("/g/{slug}/beheer")))
        .await
        .unwrap();
    assert!(
        text(c, "#modlog")
            .await
            .contains("een bericht is verborgen door de begeleiders")
    );

    // From now on the first post of each new member waits for a leader.
    c.goto(&app.url(&format!("/g/{slug}/wachtrij")))
        .await
        .unwrap();
    click(c, "#premoderation-form input[value=first_posts]").await;
    fill(c, "#first_posts", "1").await;
    click_css_to_reload(c, "#premoderation-form button[type=submit]").await;
    heading_is(c, "Wachtrij").await;
    let checked = c
        .find(Locator::Css("#premoderation-form input[value=first_posts]"))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(checked.as_deref(), Some("true"), "the choice is kept");

    // ...and an announcement for the notice board.
    fill(c, "#a_title", "Bijeenkomst verplaatst").await;
    fill(c, "#a_body", "Dinsdag zitten we in **de bibliotheek**.").await;
    click_css_to_reload(c, "#new-announcement button[type=submit]").await;
    heading_is(c, "Wachtrij").await;
    assert!(
        text(c, "#prikbord-beheer .announcement h3")
            .await
            .contains("Bijeenkomst verplaatst")
    );
    log_out(c).await;

    // A new member joins and replies: the reply waits.
    app.register("cas").await;
    let cas = app.login("cas", crate::helpers::PASSWORD).await;
    app.joined(
        &cas,
        slug,
        serde_json::json!({"display_name": "Cas", "invite_code": g.later_code}),
    )
    .await;
    log_in(c, app, "cas").await;
    c.goto(&topic_url).await.unwrap();
    fill(c, "#reply-form #body", "Sterkte, Anna. Ik herken het.").await;
    click(c, "#reply-form button[type=submit]").await;
    assert!(
        text(c, "#notice")
            .await
            .contains("wacht nu op een begeleider")
    );
    let held = text(c, "article.post.held").await;
    assert!(held.contains("Sterkte, Anna."), "{held}");
    assert!(held.contains("wacht op een begeleider"), "{held}");
    log_out(c).await;

    // Bram sees neither the hidden post nor the waiting reply; he sees the announcement.
    log_in(c, app, "bram").await;
    c.goto(&topic_url).await.unwrap();
    assert_eq!(
        text(c, &format!("{at} .hidden-mark")).await,
        "Dit bericht is verborgen door de begeleiders."
    );
    assert!(c.find(Locator::Css(&format!("{at} .body"))).await.is_err());
    assert!(!text(c, "#posts").await.contains("Sterkte"));
    c.goto(&app.url(&format!("/g/{slug}"))).await.unwrap();
    assert!(c.find(Locator::Css("#worried-mark")).await.is_err());
    assert_eq!(
        text(c, "#prikbord .announcement h3").await,
        "Bijeenkomst verplaatst"
    );
    assert_eq!(text(c, "#prikbord strong").await, "de bibliotheek");
    // The log's summary for members: what happened and why, not to whom.
    let log: serde_json::Value = app
        .get(&format!("/api/v1/groups/{slug}/modlog"), &g.bram)
        .await
        .json()
        .await
        .unwrap();
    let hidden: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "post_hidden")
        .collect();
    assert_eq!(hidden.len(), 1, "{log}");
    assert_eq!(hidden[0]["category"], "worried", "{log}");
    assert!(hidden[0].get("target").is_none(), "{log}");
    log_out(c).await;

    // The leader approves the reply from the queue.
    log_in(c, app, "leider_fien").await;
    c.goto(&app.url(&format!("/g/{slug}/wachtrij")))
        .await
        .unwrap();
    let waiting = text(c, ".queue-item[data-kind=held_post]").await;
    assert!(waiting.contains("Sterkte, Anna."), "{waiting}");
    fits(c, phone).await;
    click_css_to_reload(c, ".queue-item[data-kind=held_post] button.approve").await;
    heading_is(c, "Wachtrij").await;
    assert!(
        c.find(Locator::Css(".queue-item[data-kind=held_post]"))
            .await
            .is_err()
    );
    log_out(c).await;

    // Now Bram reads it.
    log_in(c, app, "bram").await;
    c.goto(&topic_url).await.unwrap();
    assert!(text(c, "#posts").await.contains("Sterkte, Anna."));
    fits(c, phone).await;
    if phone {
        // English words are longer.
        click(c, "#switch-language").await;
        let mut heading = String::new();
        for _ in 0..100 {
            heading = text(c, "#reply-heading").await;
            if heading == "Reply" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(heading, "Reply");
        assert_eq!(
            text(c, &format!("{at} .hidden-mark")).await,
            "This post was hidden by the leaders."
        );
        assert_page_fits_phone(c).await;
    }
}

#[tokio::test]
async fn a_worry_is_seen_first_and_posts_wait_for_a_leader_on_a_phone_in_chromium() {
    let Some(driver) = driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = connect_phone(&driver).await;
    let result = tokio::time::timeout(
        Duration::from_secs(90),
        forum_journey(&client, &app, true, true),
    )
    .await;
    let _ = client.close().await;
    result.expect("the forum journey finished in time");
}

#[tokio::test]
async fn the_forum_works_without_javascript_in_chromium() {
    let Some(driver) = driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = connect_without_js(&driver).await;
    let result = tokio::time::timeout(
        Duration::from_secs(90),
        forum_journey(&client, &app, false, false),
    )
    .await;
    let _ = client.close().await;
    result.expect("the forum journey without JavaScript finished in time");
}

/// Waits until `script` (a function body over `args`) returns true in the page shown.
async fn until(c: &Client, what: &str, script: &str, args: Vec<serde_json::Value>) {
    for _ in 0..100 {
        if let Ok(serde_json::Value::Bool(true)) = c.execute(script, args.clone()).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let source = c.source().await.unwrap_or_default();
    panic!("{what}: still not so after 10 s:\n{source}");
}

/// Waits until the element `css` holds `needle` in its text.
async fn until_text(c: &Client, css: &str, needle: &str) {
    until(
        c,
        &format!("{css} holds {needle:?}"),
        "const e = document.querySelector(arguments[0]);
         return e !== null && e.textContent.includes(arguments[1]);",
        vec![css.into(), needle.into()],
    )
    .await;
}

/// The messages a room page shows (not those still on their way), as seq and text.
async fn messages_shown(c: &Client) -> Vec<(i64, String)> {
    let shown = c
        .execute(
            "return [...document.querySelectorAll('#messages li.message:not(.pending)')]
                 .map(li => [Number(li.dataset.seq), li.querySelector('.body').textContent.trim()]);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(shown).unwrap()
}

/// Waits until the room page shows exactly `expected` (texts in order), each once.
async fn until_messages(c: &Client, expected: &[&str]) {
    let mut shown = vec![];
    for _ in 0..100 {
        shown = messages_shown(c).await;
        let texts: Vec<&str> = shown.iter().map(|(_, text)| text.as_str()).collect();
        if texts == expected {
            let mut seqs: Vec<i64> = shown.iter().map(|(seq, _)| *seq).collect();
            seqs.dedup();
            assert_eq!(seqs.len(), shown.len(), "every seq once: {shown:?}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected the messages {expected:?}, the page shows {shown:?}");
}

async fn send_chat(c: &Client, body: &str) {
    fill(c, "#chat-body", body).await;
    click(c, "#chat-send").await;
}

async fn connected(c: &Client) {
    until_text(c, "#connection", "Verbonden").await;
}

async fn disabled(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("disabled")
        .await
        .unwrap()
        .as_deref()
        == Some("true")
}

/// A closed group with a leader and two members, set up over the API; their session tokens.
async fn chat_group(app: &TestApp, slug: &str) -> Vec<String> {
    use serde_json::json;
    let sp = app.steunpunt_admin().await;
    app.group(&sp, slug, "closed", Some("invite"), true).await;
    let mut tokens: Vec<String> = vec![];
    for (login, name) in [
        ("leider_chat", "Begeleider_Fien"),
        ("anna_chat", "Anna"),
        ("bram_chat", "Bram"),
    ] {
        app.register(login).await;
        let token = app.login(login, crate::helpers::PASSWORD).await;
        let code = match tokens.first() {
            None => app.invite(&sp, slug, "leader", 1).await,
            Some(leader) => app.invite(leader, slug, "member", 1).await,
        };
        app.joined(
            &token,
            slug,
            json!({"display_name": name, "invite_code": code}),
        )
        .await;
        tokens.push(token);
    }
    tokens
}

/// Puts a session from the API into the browser's cookie jar, as logging in on the page
/// would (the login form has journeys of its own; this one is about the chat).
async fn with_session(c: &Client, app: &TestApp, token: &str) {
    c.goto(&app.url("/privacy")).await.unwrap();
    let host = c
        .current_url()
        .await
        .unwrap()
        .host_str()
        .unwrap()
        .to_string();
    let cookie = fantoccini::cookies::Cookie::parse(format!(
        "{}={token}; Domain={host}; Path=/; HttpOnly; SameSite=Strict",
        kring::web::auth::SESSION_COOKIE
    ))
    .unwrap();
    c.add_cookie(cookie).await.unwrap();
}

/// An online meeting in Chromium, three people at once: the leader makes a room for another
/// day, so it is closed; the members see that and cannot write; the leader opens the session
/// by hand and both see it open. Anna writes and both others see it (announced to screen
/// readers); a leader deletes Bram's message and it goes for everyone; the leader mutes Bram,
/// who is told why and cannot send. Anna reloads: every message once, and the live feed goes
/// on from there. Bram is on a phone, in Dutch and English; when the leader leaves, the
/// members are told no leader is present.
async fn chat_journey(app: &TestApp, slug: &str, l: &Client, a: &Client, b: &Client) {
    // The leader makes a room for a meeting three days from now: closed today.
    let day = crate::helpers::another_day();
    l.goto(&app.url(&format!("/g/{slug}"))).await.unwrap();
    click(l, "#new-room summary").await;
    fill(l, "#room_name", "Avondkring").await;
    fill(l, "#room_schedule", "xx 20:00").await;
    click(l, "#new-room button[type=submit]").await;
    assert!(
        text(l, "#room-error").await.contains("als dag en tijd"),
        "a schedule that cannot be read is refused beside the form"
    );
    let typed = l
        .find(Locator::Css("#room_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("Avondkring"), "what was typed stays");
    fill(l, "#room_schedule", &format!("{day} 20:00-21:30")).await;
    click(l, "#new-room button[type=submit]").await;
    heading_is(l, "Avondkring").await;
    let room_url = l.current_url().await.unwrap().to_string();
    assert!(text(l, "#room-schedule").await.starts_with(day));
    assert!(
        text(l, "#room-open")
            .await
            .contains("De volgende bijeenkomst begint"),
    );
    connected(l).await;

    // The members find the room on the group page: closed, with its next meeting.
    for c in [a, b] {
        c.goto(&app.url(&format!("/g/{slug}"))).await.unwrap();
        assert!(text(c, "#chat-rooms li.room").await.contains("opent"));
        click(c, "#chat-rooms li.room a").await;
        heading_is(c, "Avondkring").await;
        connected(c).await;
        assert!(disabled(c, "#chat-send").await, "no writing while closed");
        assert!(text(c, "#chat-blocked").await.contains("gesloten"));
        assert!(
            !displayed(c, "#needs-js").await,
            "chat.js runs under the CSP"
        );
    }
    assert_page_fits_phone(b).await;

    // The leader opens the meeting by hand; both members see it open.
    click(l, "#room-tools summary").await;
    click(l, "#session-button").await;
    for c in [l, a, b] {
        until_text(c, "#room-open", "De bijeenkomst is nu open").await;
    }
    for c in [a, b] {
        until_text(c, "#chat-notice", "De bijeenkomst is begonnen").await;
        assert!(!disabled(c, "#chat-send").await);
        until_text(c, "#leader-presence", "Er is een begeleider aanwezig").await;
    }
    until_text(l, "#present", "Anna").await;
    until_text(l, "#present", "Bram").await;

    // Anna writes; all three see it once, and Bram's screen reader hears it.
    send_chat(a, "Hoi allemaal, fijn dat jullie er zijn.").await;
    for c in [l, a, b] {
        until_messages(c, &["Hoi allemaal, fijn dat jullie er zijn."]).await;
    }
    assert_eq!(text(a, "#messages li.message .author").await, "Anna");
    assert!(a.find(Locator::Css("li.pending")).await.is_err());
    until_text(b, "#chat-live", "Anna: Hoi allemaal").await;

    // Bram writes something that does not belong here; the leader deletes it.
    send_chat(b, "Dit hoort hier **niet**.").await;
    let both = [
        "Hoi allemaal, fijn dat jullie er zijn.",
        "Dit hoort hier niet.",
    ];
    for c in [l, a, b] {
        until_messages(c, &both).await;
    }
    assert_eq!(
        text(a, "#messages li.message strong:not(.author)").await,
        "niet"
    );
    let id = l
        .execute(
            "return [...document.querySelectorAll('#messages li.message')]
                 .find(li => li.textContent.includes('hoort hier')).dataset.id;",
            vec![],
        )
        .await
        .unwrap();
    let id = id.as_str().unwrap().to_string();
    click(l, &format!("#m-{id} form.delete-message button")).await;
    for c in [l, a, b] {
        until_messages(c, &["Hoi allemaal, fijn dat jullie er zijn."]).await;
    }

    // The leader mutes Bram: he is told why, and cannot send.
    let bram_here = "#present li.participant[data-name=Bram]";
    click(l, &format!("{bram_here} details summary")).await;
    fill(
        l,
        &format!("{bram_here} input[name=reason]"),
        "Even pauze, Bram.",
    )
    .await;
    click(l, &format!("{bram_here} button.mute")).await;
    until_text(b, "#chat-notice", "gedempt").await;
    until_text(b, "#chat-notice", "Even pauze, Bram.").await;
    until(
        b,
        "Bram cannot send",
        "return document.querySelector('#chat-send').disabled;",
        vec![],
    )
    .await;
    assert!(text(b, "#chat-blocked").await.contains("gedempt"));

    // Anna goes on; Bram still reads along.
    send_chat(a, "Tot volgende week!").await;
    let two = [
        "Hoi allemaal, fijn dat jullie er zijn.",
        "Tot volgende week!",
    ];
    for c in [l, a, b] {
        until_messages(c, &two).await;
    }

    // Anna reloads: every message once, then the live feed goes on from there.
    a.refresh().await.unwrap();
    heading_is(a, "Avondkring").await;
    connected(a).await;
    until_messages(a, &two).await;
    send_chat(l, "Welkom terug, Anna.").await;
    let three = [two[0], two[1], "Welkom terug, Anna."];
    for c in [l, a, b] {
        until_messages(c, &three).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    until_messages(a, &three).await;

    // On Bram's phone, in English too: the page fits, and it knows he is muted.
    assert_page_fits_phone(b).await;
    click(b, "#switch-language").await;
    until_text(b, "#chat-blocked", "You are muted in this room").await;
    until_messages(b, &three).await;
    assert_page_fits_phone(b).await;
    assert_eq!(b.current_url().await.unwrap().as_str(), room_url);

    // The leader leaves: the members are told, honestly.
    l.clone().close().await.unwrap();
    until_text(a, "#leader-presence", "Er is nu geen begeleider aanwezig").await;
    until_text(b, "#leader-presence", "No group leader is here right now").await;
}

async fn run_chat_journey(backend: Backend) {
    let Some(driver) = driver() else { return };
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let profiles: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let phone = serde_json::json!({
        "deviceMetrics": {"width": PHONE_WIDTH, "height": 844, "pixelRatio": 3.0, "touch": true}
    });
    let slug = "avondgroep";
    let (tokens, leader, anna, bram) = tokio::join!(
        chat_group(&app, slug),
        connect_in(profiles[0].path(), &driver, None, true),
        connect_in(profiles[1].path(), &driver, None, true),
        connect_in(profiles[2].path(), &driver, Some(phone), true),
    );
    let people = [&leader, &anna, &bram];
    let result = tokio::time::timeout(Duration::from_secs(120), async {
        for (c, token) in people.iter().zip(&tokens) {
            with_session(c, &app, token).await;
        }
        chat_journey(&app, slug, &leader, &anna, &bram).await
    })
    .await;
    for client in [leader, anna, bram] {
        let _ = client.close().await;
    }
    result.expect("the chat journey finished in time");
}

#[tokio::test]
async fn an_online_meeting_with_three_people_in_chromium_on_sqlite() {
    run_chat_journey(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_online_meeting_with_three_people_in_chromium_on_postgres() {
    run_chat_journey(Backend::Postgres).await;
}
