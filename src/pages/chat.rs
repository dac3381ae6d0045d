//! The chat's pages: a room (`/c/{id}`) with its schedule, whether it is open, the latest
//! messages and the leaders' buttons, and the rooms on the group page with the form that
//! makes one. Without JavaScript the room page reads like a page (and the leaders' forms
//! post and come back); `frontend/static/chat.js` makes it live over the websocket, with
//! the texts and facts this page hands it in a JSON block.
//!
//! Like every page these call the chat's services (`chat::rooms`, `chat::messages`), which
//! ask the policy; the templates show what the policy's decisions allowed.

use std::collections::BTreeMap;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::{Layout, error_page, render, see_other};
use crate::chat::MessageView;
use crate::chat::messages;
use crate::chat::rooms::{self, NewRoom, RoomChange, RoomView};
use crate::chat::schedule;
use crate::error::AppError;
use crate::forum::AuthorKind;
use crate::groups::access::{GroupAccess, GroupRef, reading_by};
use crate::i18n::Catalogue;
use crate::policy::{ChatAction, Decision, RoomFacts};
use crate::state::AppState;
use crate::web::auth::{Asker, PageSession};
use crate::web::routes::{self, Access};

/// Messages the room page shows without JavaScript (the live page goes on from the last).
pub const RECENT: i64 = 50;

/// Slow mode choices a leader's form offers, in seconds.
const SLOW_CHOICES: [i32; 5] = [0, 10, 30, 60, 120];

fn zoned(rfc3339: &str, tz: &TimeZone) -> Option<jiff::Zoned> {
    let at: jiff::Timestamp = rfc3339.parse().ok()?;
    Some(at.to_zoned(tz.clone()))
}

fn clock(z: &jiff::Zoned) -> String {
    format!("{:02}:{:02}", z.hour(), z.minute())
}

/// "dinsdag 8 december om 20:00", in the steunpunt's time zone (the schedule's).
fn day_and_time(t: &Catalogue, rfc3339: &str, tz: &TimeZone) -> String {
    let Some(z) = zoned(rfc3339, tz) else {
        return rfc3339.to_string();
    };
    let weekday = t
        .get("chat.weekdays")
        .split(' ')
        .nth(z.weekday().to_monday_zero_offset() as usize)
        .unwrap_or_default();
    let month = t
        .get("chat.months")
        .split(' ')
        .nth(z.month() as usize - 1)
        .unwrap_or_default();
    t.get("chat.at_day")
        .replace("{weekday}", weekday)
        .replace("{day}", &z.day().to_string())
        .replace("{month}", month)
        .replace("{time}", &clock(&z))
}

/// A stored schedule ("tue 20:00-21:30, thu 19:00-20:30") with the days in the visitor's
/// language; "always open" for none.
fn schedule_text(t: &Catalogue, canonical: &str) -> String {
    if canonical.trim().is_empty() {
        return t.get("chat.always_open").to_string();
    }
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let names: Vec<&str> = t.get("chat.days_short").split(' ').collect();
    canonical
        .split(", ")
        .map(|slot| match slot.split_once(' ') {
            Some((day, times)) => {
                let name = DAYS
                    .iter()
                    .position(|d| *d == day)
                    .and_then(|i| names.get(i))
                    .unwrap_or(&day);
                format!("{name} {times}")
            }
            None => slot.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the room is open, until or from when, in one sentence.
fn state_line(t: &Catalogue, room: &RoomView, tz: &TimeZone) -> String {
    match (room.open, &room.closes_at, &room.opens_at) {
        (true, Some(until), _) => match zoned(until, tz) {
            Some(z) => t.get("chat.state_open_until").replace("{time}", &clock(&z)),
            None => t.get("chat.state_open").to_string(),
        },
        (true, None, _) => t.get("chat.state_open").to_string(),
        (false, _, Some(next)) => t
            .get("chat.state_closed_next")
            .replace("{when}", &day_and_time(t, next, tz)),
        (false, _, None) => t.get("chat.state_closed").to_string(),
    }
}

/// A room in the group page's list.
pub struct RoomLine {
    pub r: RoomView,
    pub schedule: String,
    /// "open now", "opens tuesday 8 december at 20:00", or "closed".
    pub status: String,
}

pub(crate) fn room_lines(t: &Catalogue, rooms: Vec<RoomView>) -> Vec<RoomLine> {
    rooms
        .into_iter()
        .map(|r| {
            let tz = schedule::time_zone(&r.time_zone);
            let status = match (r.open, &r.opens_at) {
                (true, _) => t.get("chat.open_now").to_string(),
                (false, Some(next)) => {
                    format!("{} {}", t.get("chat.opens"), day_and_time(t, next, &tz))
                }
                (false, None) => t.get("chat.closed").to_string(),
            };
            RoomLine {
                schedule: schedule_text(t, &r.schedule),
                status,
                r,
            }
        })
        .collect()
}

/// The group page's chat section: the rooms the asker may see, and whether they may make
/// one. `None` when the asker may not read the group's content.
pub(crate) fn rooms_of(
    conn: &mut crate::db::DbConnection,
    access: &GroupAccess,
) -> Result<Option<(Vec<RoomView>, bool)>, AppError> {
    if !access.may(crate::policy::Action::ReadContent) {
        return Ok(None);
    }
    let manage = crate::policy::decide_on_room(
        &access.actor,
        &access.facts,
        RoomFacts::OPEN,
        ChatAction::ManageRooms,
    );
    Ok(Some((rooms::list(conn, access)?, manage.is_allowed())))
}

/// What a leader typed into the new room form, kept when it is refused.
#[derive(Default)]
pub struct RoomTyped {
    pub submitted: bool,
    pub name: String,
    pub schedule: String,
    pub retention_hours: String,
    pub leaders_only: bool,
}

/// A message with what the template shows around it.
pub struct MessageItem {
    pub m: MessageView,
    pub author: String,
    pub note: String,
    pub time: String,
    pub leader: bool,
    pub deletable: bool,
}

/// The author's name and mark ("group leader", "guest"), as the page and the script show
/// them.
fn author_of(t: &Catalogue, m: &MessageView) -> (String, String) {
    let note = match m.author_kind {
        AuthorKind::Leader => t.get("chat.leader_badge"),
        AuthorKind::Guest => t.get("chat.guest_badge"),
        AuthorKind::Member | AuthorKind::FormerMember => "",
    };
    let author = match m.author_kind {
        AuthorKind::FormerMember => t.get("chat.former_member").to_string(),
        _ => m.author.clone(),
    };
    (author, note.to_string())
}

/// What the script needs to know about the asker: decided by the policy here, so the
/// script compares no roles itself.
#[derive(Serialize)]
struct Me {
    /// The asker's membership id (their own messages), if a member.
    id: Option<String>,
    /// No account: a guest, who chooses a nickname to write (open groups).
    guest: bool,
    /// Sees who is present by name.
    names: bool,
    manage: bool,
    moderate: bool,
    delete_any: bool,
    delete_own: bool,
    muted: bool,
    /// Still writes when a leader locks the room.
    writes_when_locked: bool,
    /// Why the asker may not write whatever the room's state (not a member, leaders only,
    /// muted in the group): an error code; none when only the room's state decides.
    write_denied: Option<String>,
}

#[derive(Serialize)]
struct ChatData<'a> {
    room: &'a RoomView,
    lang: &'a str,
    me: Me,
    max_chars: usize,
    texts: BTreeMap<&'a str, &'a str>,
}

/// The JSON block for the script, safe inside `<script type="application/json">`: no `<`
/// can close the element early.
fn json_block(data: &ChatData) -> Result<String, AppError> {
    let json = serde_json::to_string(data).map_err(AppError::internal)?;
    Ok(json.replace('<', "\\u003c"))
}

#[derive(Template)]
#[template(path = "room.html")]
struct RoomPage {
    layout: Layout,
    slug: String,
    group_name: String,
    room: RoomView,
    schedule: String,
    state: String,
    kept: String,
    slow_line: String,
    messages: Vec<MessageItem>,
    manage: bool,
    slow_choices: Vec<(i32, String)>,
    data: String,
}

struct Loaded {
    access: GroupAccess,
    room: RoomView,
    messages: Vec<(MessageView, bool)>,
    me: Me,
}

async fn room_page(
    req: &HttpRequest,
    state: &AppState,
    asker: Asker,
    room_id: String,
) -> HttpResponse {
    let key = GroupRef::Room(room_id.clone());
    let loaded = reading_by(state, asker, key, None, move |conn, access| {
        let ra = rooms::with_access(conn, access.clone(), &room_id)?;
        ra.check(ChatAction::ReadRoom)?;
        let own = |m: &MessageView| {
            m.author_id.is_some() && m.author_id.as_deref() == ra.access.membership_id()
        };
        let may_delete = |own: bool| {
            ra.decide_on(RoomFacts { own, ..ra.facts }, ChatAction::DeleteMessage)
                .is_allowed()
        };
        let messages = messages::recent(conn, &room_id, RECENT)?
            .into_iter()
            .map(|m| {
                let deletable = may_delete(own(&m));
                (m, deletable)
            })
            .collect();
        // Whatever the room's state: is the asker one who may write here at all?
        let regardless = RoomFacts {
            open: true,
            locked: false,
            muted_here: false,
            ..ra.facts
        };
        let write_denied = match ra.decide_on(regardless, ChatAction::SendMessage) {
            Decision::Allow => None,
            Decision::Deny(d) => Some(AppError::from(d).code().to_string()),
        };
        let locked = RoomFacts {
            locked: true,
            ..regardless
        };
        let writes_when_locked = ra.decide_on(locked, ChatAction::SendMessage).is_allowed();
        let me = Me {
            id: ra.access.membership_id().map(str::to_string),
            guest: ra.access.account_id.is_none(),
            names: ra.may(ChatAction::SeePresence),
            manage: ra.may(ChatAction::ManageRooms),
            moderate: ra.may(ChatAction::ModerateParticipant),
            delete_any: may_delete(false),
            delete_own: may_delete(true),
            muted: ra.facts.muted_here,
            writes_when_locked,
            write_denied,
        };
        Ok(Loaded {
            access: ra.access.clone(),
            room: ra.view.clone(),
            messages,
            me,
        })
    })
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, loaded)) => (session.is_some(), loaded),
        Err(e) => (false, Err(e)),
    };
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return error_page(req, state, logged_in, &e),
    };
    let group = &loaded.access.group;
    let layout = Layout::for_group(req, state, logged_in, group);
    let t = layout.t;
    let tz = schedule::time_zone(&loaded.room.time_zone);
    let messages = loaded
        .messages
        .into_iter()
        .map(|(m, deletable)| {
            let (author, note) = author_of(t, &m);
            MessageItem {
                time: zoned(&m.sent_at, &tz)
                    .map(|z| clock(&z))
                    .unwrap_or_default(),
                leader: m.author_kind == AuthorKind::Leader,
                author,
                note,
                deletable,
                m,
            }
        })
        .collect();
    let texts = t
        .keys()
        .filter_map(|k| k.strip_prefix("chatjs.").map(|short| (short, t.get(k))))
        .collect();
    let room = loaded.room;
    let manage = loaded.me.manage;
    let data = ChatData {
        room: &room,
        lang: layout.lang.code(),
        me: loaded.me,
        max_chars: state.settings.chat.max_message_chars,
        texts,
    };
    let data = match json_block(&data) {
        Ok(data) => data,
        Err(e) => return error_page(req, state, logged_in, &e),
    };
    let page = RoomPage {
        slug: group.slug.clone(),
        group_name: group.name.clone(),
        schedule: schedule_text(t, &room.schedule),
        state: state_line(t, &room, &tz),
        kept: t
            .get("chat.kept")
            .replace("{hours}", &room.retention_hours.to_string()),
        slow_line: t
            .get("chat.state_slow")
            .replace("{secs}", &room.slow_mode_secs.to_string()),
        slow_choices: SLOW_CHOICES
            .iter()
            .copied()
            .chain((!SLOW_CHOICES.contains(&room.slow_mode_secs)).then_some(room.slow_mode_secs))
            .map(|s| {
                let label = match s {
                    0 => t.get("chat.slow_off").to_string(),
                    s => t.get("chat.slow_secs").replace("{secs}", &s.to_string()),
                };
                (s, label)
            })
            .collect(),
        messages,
        manage,
        data,
        room,
        layout,
    };
    render(StatusCode::OK, &page)
}

async fn room(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    id: web::Path<String>,
) -> HttpResponse {
    room_page(&req, &state, asker, id.into_inner()).await
}

#[derive(Deserialize)]
struct NewRoomForm {
    name: String,
    schedule: Option<String>,
    retention_hours: Option<String>,
    leaders_only: Option<String>,
}

/// A leader makes a room from the group page; to the new room, or back to the group page
/// with what was typed and why it was refused.
async fn create_room(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<NewRoomForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let typed = RoomTyped {
        submitted: true,
        name: form.name.clone(),
        schedule: form.schedule.clone().unwrap_or_default(),
        retention_hours: form.retention_hours.clone().unwrap_or_default(),
        leaders_only: form.leaders_only.is_some(),
    };
    let hours = match form.retention_hours.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(h) => h.parse::<u32>().map(Some).map_err(|_| {
            AppError::invalid("invalid_field", "retention_hours is a number of hours.")
        }),
    };
    let result = match hours {
        Ok(retention_hours) => {
            let new = NewRoom {
                name: form.name,
                leaders_only: form.leaders_only.is_some(),
                schedule: form.schedule.unwrap_or_default(),
                retention_hours,
                slow_mode_secs: 0,
            };
            rooms::create(&state.clone().into_inner(), &session, &slug, new).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(room) => see_other(&format!("/c/{}", room.id)),
        Err(e) => super::groups::room_refused(&req, &state, session, &slug, typed, &e).await,
    }
}

#[derive(Deserialize)]
struct SessionForm {
    /// `yes` opens the meeting now, anything else closes it.
    open: String,
}

async fn set_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<SessionForm>,
) -> HttpResponse {
    let open = form.open == "yes";
    match rooms::set_session(&state.clone().into_inner(), &session, &id, open).await {
        Ok(room) => see_other(&format!("/c/{}", room.id)),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

#[derive(Deserialize)]
struct ModerateForm {
    /// `yes` or `no`.
    locked: Option<String>,
    slow_mode_secs: Option<u32>,
}

/// A leader locks or unlocks the room, or sets slow mode.
async fn moderate_room(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<ModerateForm>,
) -> HttpResponse {
    let change = RoomChange {
        locked: form.locked.as_deref().map(|l| l == "yes"),
        slow_mode_secs: form.slow_mode_secs,
        ..RoomChange::default()
    };
    match rooms::change(&state.clone().into_inner(), &session, &id, change).await {
        Ok(room) => see_other(&format!("/c/{}", room.id)),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    /// The room the message was in, to come back to.
    room: String,
}

async fn delete_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<DeleteForm>,
) -> HttpResponse {
    let back = super::local_path(Some(format!("/c/{}", form.room).as_str())).to_string();
    match messages::delete(&state.clone().into_inner(), &session, &id).await {
        Ok(()) => see_other(&back),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Access::Chat;
    use ChatAction as C;
    use Method as M;
    routes::add(cfg, M::GET, "/c/{id}", &[Chat(C::ReadRoom)], room);
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/chat",
        &[Chat(C::ManageRooms)],
        create_room,
    );
    routes::add(
        cfg,
        M::POST,
        "/c/{id}/session",
        &[Chat(C::ManageRooms)],
        set_session,
    );
    routes::add(
        cfg,
        M::POST,
        "/c/{id}/moderate",
        &[Chat(C::ManageRooms)],
        moderate_room,
    );
    routes::add(
        cfg,
        M::POST,
        "/m/{id}/delete",
        &[Chat(C::DeleteMessage)],
        delete_message,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn schedules_and_times_read_in_the_visitors_language() {
        let tz = schedule::time_zone("Europe/Amsterdam");
        let nl = Lang::Nl.catalogue();
        let en = Lang::En.catalogue();
        assert_eq!(
            schedule_text(nl, "tue 20:00-21:30, thu 19:00-20:30"),
            "di 20:00-21:30, do 19:00-20:30"
        );
        assert_eq!(schedule_text(en, "tue 20:00-21:30"), "Tue 20:00-21:30");
        assert_eq!(schedule_text(nl, ""), "altijd open");
        // 19:00 UTC is 20:00 in Amsterdam in winter.
        assert_eq!(
            day_and_time(nl, "2026-12-08T19:00:00Z", &tz),
            "dinsdag 8 december om 20:00"
        );
        assert_eq!(
            day_and_time(en, "2026-12-08T19:00:00Z", &tz),
            "Tuesday 8 December at 20:00"
        );
    }

    #[test]
    fn the_json_block_cannot_close_its_script_element() {
        let room = RoomView {
            id: "r".into(),
            group: "g".into(),
            name: "</script><script>alert(1)</script>".into(),
            leaders_only: false,
            schedule: String::new(),
            time_zone: "Europe/Amsterdam".into(),
            retention_hours: 24,
            locked: false,
            slow_mode_secs: 0,
            open: true,
            opens_at: None,
            closes_at: None,
            by_hand: false,
        };
        let data = ChatData {
            room: &room,
            lang: "nl",
            me: Me {
                id: None,
                guest: true,
                names: false,
                manage: false,
                moderate: false,
                delete_any: false,
                delete_own: false,
                muted: false,
                writes_when_locked: false,
                write_denied: None,
            },
            max_chars: 2000,
            texts: BTreeMap::new(),
        };
        let block = json_block(&data).unwrap();
        assert!(!block.contains('<'), "{block}");
        let back: serde_json::Value = serde_json::from_str(&block).unwrap();
        assert_eq!(back["room"]["name"], room.name);
    }

    /// Every text the script asks for (`t("key")`) is in both catalogues.
    #[test]
    fn every_text_the_script_uses_exists() {
        let script = include_str!("../../frontend/static/chat.js");
        let mut used = 0;
        for (at, _) in script.match_indices("t(\"") {
            // `t(` itself, not the end of `split(` or `select(`.
            let before = script[..at].chars().next_back().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' || before == '.' {
                continue;
            }
            let rest = &script[at + 3..];
            let Some(key) = rest.split('"').next() else {
                continue;
            };
            used += 1;
            for lang in [Lang::Nl, Lang::En] {
                let full = format!("chatjs.{key}");
                assert_ne!(
                    lang.catalogue().get(&full),
                    full,
                    "{full} missing in {lang:?}"
                );
            }
        }
        assert!(used > 20, "found only {used} texts in chat.js");
    }
}
