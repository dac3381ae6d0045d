//! A group's own page: what the group is, its house rules, its chat rooms (and, for leaders,
//! the form that makes one), the join form, one's own membership or request; the neutral
//! page that asks for an invite code; the member list.
//!
//! A link with `?code=` to a group the visitor cannot see (hidden, or not there at all)
//! shows the same neutral page either way: it never names or confirms the group before a
//! valid code is used. Checking the code is a POST, counted by the invite rate limit.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Card, card, empty_to_none, or_error_page};
use crate::error::AppError;
use crate::groups::OwnMembership;
use crate::groups::access::{self, GroupAccess};
use crate::groups::joining::{self, JoinRequestBody};
use crate::groups::members::{self, MemberView};
use crate::groups::requests::{self, OwnRequest, RequestState};
use crate::groups::settings;
use crate::markdown::SanitizedHtml;
use crate::pages::{Layout, error_status, render, see_other};
use crate::policy::{self, Action, Content, Decision, Denial, ForumAction, JoinPath};
use crate::state::AppState;
use crate::web::auth::{Asker, PageSession};
use crate::web::client;
use crate::web::routes::{self, Access};

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    layout: Layout,
    card: Card,
    house_rules: SanitizedHtml,
    /// How long the group keeps what is written in it, in words.
    retention: String,
    has_house_rules: bool,
    me: Option<OwnMembership>,
    own_request: Option<OwnRequest>,
    /// The join form is shown (the visitor may join, or may join with a code).
    join_form: bool,
    asks_introduction: bool,
    asks_code: bool,
    /// A staff account: it does not join groups.
    staff: bool,
    code: String,
    display_name: String,
    introduction: String,
    is_leader: bool,
    is_steunpunt_admin: bool,
    can_list_members: bool,
    proposal_waiting: bool,
    error: Option<String>,
    /// The notice board and the newest topics, for whoever may read the forum.
    announcements: Vec<crate::pages::forum::AnnouncementItem>,
    topics: Vec<crate::pages::forum::TopicLine>,
    reads_forum: bool,
    worried: i64,
    /// The group's chat rooms, for whoever may read the group's content.
    rooms: Option<Vec<crate::pages::chat::RoomLine>>,
    /// The new room form (leaders), with what was typed when it was refused.
    may_create_room: bool,
    room: crate::pages::chat::RoomTyped,
    room_error: Option<String>,
    default_retention_hours: u32,
}

#[derive(Template)]
#[template(path = "invite_code.html")]
struct CodePage {
    layout: Layout,
    slug: String,
    code: String,
    /// Where logging in or registering returns to.
    back: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

#[derive(Default)]
struct JoinFormValues {
    code: String,
    display_name: String,
    introduction: String,
    /// The new room form, when that was what was sent.
    room: crate::pages::chat::RoomTyped,
}

/// What the page shows, gathered in one trip: the facts, one's own request, a proposal,
/// the notice board, the newest topics and (for leaders) whether someone is worried.
struct Loaded {
    access: GroupAccess,
    own_request: Option<OwnRequest>,
    proposal_waiting: bool,
    forum: Option<crate::forum::topics::TopicList>,
    worried: i64,
    rooms: Option<(Vec<crate::chat::rooms::RoomView>, bool)>,
}

/// The group page. `code` is an invite code already counted by the rate limit (it opens a
/// hidden group to the one who holds it).
async fn group_page(
    req: &HttpRequest,
    state: &AppState,
    asker: Asker,
    slug: &str,
    values: JoinFormValues,
    code: Option<String>,
    error: Option<&AppError>,
) -> (bool, Result<HttpResponse, AppError>) {
    // Reading one's own request shows a decline once; only do that on a plain visit.
    let read_request = error.is_none();
    let loaded = access::reading_with(state, asker, slug, code, move |conn, access| {
        access.check(Action::ViewGroup)?;
        let own_request = match (&access.membership, &access.account_id) {
            (None, Some(_)) if read_request => requests::own(conn, access)?,
            _ => None,
        };
        let proposal_waiting = settings::proposal(conn, access)?.is_some();
        let forum = match access.may_forum(Content::NONE, ForumAction::ReadForum) {
            true => Some(crate::forum::topics::list(conn, access, 1)?),
            false => None,
        };
        Ok(Loaded {
            access: access.clone(),
            own_request,
            proposal_waiting,
            forum,
            worried: crate::forum::reports::worried_count(conn, access)?,
            rooms: crate::pages::chat::rooms_of(conn, access)?,
        })
    })
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, Ok(loaded))) => (session.is_some(), loaded),
        Ok((session, Err(e))) => return (session.is_some(), Err(e)),
        Err(e) => return (false, Err(e)),
    };
    let access = &loaded.access;
    let layout = Layout::for_group(req, state, logged_in, &access.group);
    let join = access.decide(Action::Join);
    let with_invite = access.may(Action::JoinWithInvite);
    let settled = access.membership.is_some()
        || matches!(
            loaded.own_request.as_ref().map(|r| r.state),
            Some(RequestState::Pending | RequestState::ChooseName)
        );
    let form = policy::join_form(&access.facts, !values.code.is_empty());
    let asks_introduction = match &access.invite {
        Some((_, role)) => policy::join_path(&access.facts, Some(*role)) == JoinPath::Introduction,
        None => form.asks_introduction,
    };
    let status = error.map(error_status).unwrap_or(StatusCode::OK);
    // A refused room is said beside its form, not at the top.
    let (error, room_error) = match error {
        Some(e) if values.room.submitted => (None, Some(layout.t.error(e.code()).to_string())),
        other => (other, None),
    };
    let (rooms, may_create_room) = match loaded.rooms {
        Some((rooms, manage)) => (
            Some(crate::pages::chat::room_lines(layout.t, rooms)),
            manage,
        ),
        None => (None, false),
    };
    let page = GroupPage {
        rooms,
        may_create_room,
        room_error,
        default_retention_hours: access.group.chat_retention_hours.max(1) as u32,
        card: card(layout.t, access.group.entry()),
        house_rules: access.group.house_rules_html(),
        retention: retention_words(layout.t, access.group.retention()),
        has_house_rules: !access.group.house_rules.trim().is_empty(),
        me: access.membership.as_ref().map(|m| m.own()),
        join_form: !settled
            && (join.is_allowed() || join == Decision::Deny(Denial::InviteRequired) || with_invite),
        asks_introduction,
        asks_code: form.asks_code || with_invite,
        staff: join == Decision::Deny(Denial::StaffAccount),
        is_leader: access.may(Action::ViewJoinRequests),
        is_steunpunt_admin: access.may(Action::EditDirectoryEntry),
        can_list_members: access.may(Action::ListMembers),
        proposal_waiting: loaded.proposal_waiting && access.may(Action::AcceptProposal),
        error: error.map(|e| layout.t.error(e.code()).to_string()),
        reads_forum: loaded.forum.is_some(),
        announcements: loaded
            .forum
            .as_ref()
            .map(|f| crate::pages::forum::announcement_items(f.announcements.clone()))
            .unwrap_or_default(),
        topics: loaded
            .forum
            .map(|f| crate::pages::forum::topic_lines(layout.t, f.topics, 5))
            .unwrap_or_default(),
        worried: loaded.worried,
        own_request: loaded.own_request,
        code: values.code,
        display_name: values.display_name,
        introduction: values.introduction,
        room: values.room,
        layout,
    };
    (logged_in, Ok(render(status, &page)))
}

/// The neutral page that asks for an invite code: the same for a hidden group and for one
/// that does not exist.
fn code_page(
    req: &HttpRequest,
    state: &AppState,
    logged_in: bool,
    slug: &str,
    code: &str,
    error: Option<&AppError>,
) -> HttpResponse {
    let layout = Layout::new(req, state, logged_in);
    let status = error.map(error_status).unwrap_or(StatusCode::OK);
    let page = CodePage {
        error: error.map(|e| layout.t.error(e.code()).to_string()),
        back: format!("/g/{slug}?code={}", urlencode(code)),
        slug: slug.to_string(),
        code: code.to_string(),
        layout,
    };
    render(status, &page)
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A code that does not open this group, for the neutral page: a hidden group, a missing
/// one and a bad code all read the same.
fn code_refused(error: &AppError) -> bool {
    matches!(error.code(), "not_found" | "invalid_invite")
}

/// The group page: one trip to the blocking pool, the session included.
async fn group(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
    query: web::Query<CodeQuery>,
) -> HttpResponse {
    let code = query.into_inner().code.unwrap_or_default();
    let values = JoinFormValues {
        code: code.clone(),
        ..Default::default()
    };
    let (logged_in, page) = group_page(&req, &state, asker, &slug, values, None, None).await;
    match page {
        Ok(page) => page,
        Err(e) if e.code() == "not_found" && !code.trim().is_empty() => {
            code_page(&req, &state, logged_in, &slug, &code, None)
        }
        Err(e) => or_error_page(&req, &state, logged_in, Err(e)),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

/// Checks a code (rate-limited) and, when it is good, shows the group to its holder.
async fn use_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    let Some(code) = joining::presented_code(Some(&form.code)) else {
        let empty = AppError::from(Denial::InvalidInvite);
        return code_page(&req, &state, true, &slug, "", Some(&empty));
    };
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let checked = joining::with_code(&state, &session, source, &slug, code.clone()).await;
    let result = match checked {
        Ok(_) => {
            let values = JoinFormValues {
                code: code.clone(),
                ..Default::default()
            };
            let asker = Asker::Resolved(Some(session.clone()));
            group_page(&req, &state, asker, &slug, values, Some(code), None)
                .await
                .1
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(page) => page,
        Err(e) if code_refused(&e) => {
            let refused = AppError::from(Denial::InvalidInvite);
            code_page(&req, &state, true, &slug, &form.code, Some(&refused))
        }
        Err(e) if e.code() == "rate_limited" => {
            code_page(&req, &state, true, &slug, &form.code, Some(&e))
        }
        Err(e) => or_error_page(&req, &state, true, Err(e)),
    }
}

#[derive(Deserialize)]
struct JoinForm {
    display_name: String,
    introduction: Option<String>,
    invite_code: Option<String>,
    accept_house_rules: Option<String>,
}

async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<JoinForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let code = empty_to_none(&form.invite_code);
    let body = JoinRequestBody {
        display_name: form.display_name.clone(),
        introduction: empty_to_none(&form.introduction),
        invite_code: code.clone(),
        accept_house_rules: form.accept_house_rules.is_some(),
    };
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let error = match joining::join(&state, &session, source, &slug, body).await {
        Ok(_) => return see_other(&format!("/g/{slug}")),
        Err(error) => error,
    };
    if code.is_some() && (code_refused(&error) || error.code() == "rate_limited") {
        let typed = form.invite_code.unwrap_or_default();
        let shown = match error.code() {
            "rate_limited" => error,
            _ => AppError::from(Denial::InvalidInvite),
        };
        return code_page(&req, &state, true, &slug, &typed, Some(&shown));
    }
    let values = JoinFormValues {
        code: form.invite_code.clone().unwrap_or_default(),
        display_name: form.display_name,
        introduction: form.introduction.unwrap_or_default(),
        ..Default::default()
    };
    // The join counted this code before anything else: the page may use it (once more in
    // the same attempt) to show a hidden group to the one who holds the code.
    let had_code = code.is_some();
    let typed = form.invite_code.clone().unwrap_or_default();
    let asker = Asker::Resolved(Some(session.clone()));
    let (_, result) = group_page(&req, &state, asker, &slug, values, code, Some(&error)).await;
    match result {
        // The code does not open this group (or there is none): the neutral page again.
        Err(e) if had_code && code_refused(&e) => {
            let refused = AppError::from(Denial::InvalidInvite);
            code_page(&req, &state, true, &slug, &typed, Some(&refused))
        }
        result => or_error_page(&req, &state, true, result),
    }
}

#[derive(Deserialize)]
struct NameForm {
    display_name: String,
}

/// An approved applicant whose name was taken chooses another.
async fn choose_name(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<NameForm>,
) -> HttpResponse {
    let result = async {
        let name = joining::display_name(&form.display_name)?;
        requests::choose_name(&state, &session, &slug, name).await
    }
    .await;
    match result {
        Ok(_) => see_other(&format!("/g/{slug}")),
        Err(error) => {
            let values = JoinFormValues {
                display_name: form.into_inner().display_name,
                ..Default::default()
            };
            let asker = Asker::Resolved(Some(session.clone()));
            let (_, page) =
                group_page(&req, &state, asker, &slug, values, None, Some(&error)).await;
            or_error_page(&req, &state, true, page)
        }
    }
}

#[derive(Deserialize)]
struct LeaveForm {
    posts: Option<String>,
}

async fn leave(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<LeaveForm>,
) -> HttpResponse {
    let posts = crate::pages::account::posts_choice(form.posts.as_deref());
    let result = joining::leave(&state, &session, &slug, posts)
        .await
        .map(|_| see_other(&format!("/g/{slug}")));
    or_error_page(&req, &state, true, result)
}

async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<NameForm>,
) -> HttpResponse {
    let result = joining::rename(&state, &session, &slug, &form.display_name)
        .await
        .map(|_| see_other(&format!("/g/{slug}")));
    or_error_page(&req, &state, true, result)
}

/// The group page again after a refused new room: what was typed, and why, beside the form.
pub(crate) async fn room_refused(
    req: &HttpRequest,
    state: &AppState,
    session: crate::sessions::Session,
    slug: &str,
    typed: crate::pages::chat::RoomTyped,
    error: &AppError,
) -> HttpResponse {
    let values = JoinFormValues {
        room: typed,
        ..Default::default()
    };
    let asker = Asker::Resolved(Some(session));
    let (_, page) = group_page(req, state, asker, slug, values, None, Some(error)).await;
    or_error_page(req, state, true, page)
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    layout: Layout,
    card: Card,
    members: Vec<MemberView>,
}

async fn members(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> HttpResponse {
    let loaded = access::reading_with(&state, asker, &slug, None, |conn, access| {
        Ok((access.group.clone(), members::list(conn, access)?))
    })
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, loaded)) => (session.is_some(), loaded),
        Err(e) => (false, Err(e)),
    };
    let result = async {
        let (group, members) = loaded?;
        let layout = Layout::for_group(&req, &state, logged_in, &group);
        Ok(render(
            StatusCode::OK,
            &MembersPage {
                card: card(layout.t, group.entry()),
                members,
                layout,
            },
        ))
    }
    .await;
    or_error_page(&req, &state, logged_in, result)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Access::Group;
    use Action as A;
    use Method as M;
    routes::add(cfg, M::GET, "/g/{slug}", &[Group(A::ViewGroup)], group);
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/code",
        &[Group(A::JoinWithInvite)],
        use_code,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/join",
        &[Group(A::Join), Group(A::JoinWithInvite)],
        join,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/naam",
        &[Group(A::ViewOwnJoinRequest)],
        choose_name,
    );
    routes::add(cfg, M::POST, "/g/{slug}/leave", &[Group(A::Leave)], leave);
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/rename",
        &[Group(A::ChangeDisplayName)],
        rename,
    );
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/leden",
        &[Group(A::ListMembers)],
        members,
    );
}

/// The group's retention as its page says it.
pub(crate) fn retention_words(
    t: &crate::i18n::Catalogue,
    kept: crate::retention::GroupRetention,
) -> String {
    t.get("group.retention")
        .replace("{post_days}", &kept.post_days.to_string())
        .replace("{pinned_days}", &kept.pinned_days.to_string())
        .replace("{chat_hours}", &kept.chat_hours.to_string())
}
