//! `/api/v1/.../rooms`, `/messages`, and the websocket: a group's chat rooms.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::chat::messages::{self, History};
use crate::chat::moderation::{self, ParticipantSanction, RoomSanction};
use crate::chat::rooms::{self, NewRoom, RoomChange, RoomView};
use crate::chat::socket::{self, SocketQuery};
use crate::error::{AppError, ErrorBody};
use crate::groups::access::{GroupRef, reading_by};
use crate::policy::ChatAction;
use crate::state::AppState;
use crate::web::auth::{Asker, Authenticated};

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomList {
    pub rooms: Vec<RoomView>,
}

/// The group's rooms the asker may see, with whether each is open now.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/rooms", operation_id = "list_rooms",
    params(("slug" = String, Path, description = "The group's slug.")),
    security((), ("bearer" = [])),
    responses((status = 200, body = RoomList, description = "The rooms."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn list(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = GroupRef::Slug(slug.into_inner());
    let list = reading_by(&state, asker, key, None, move |conn, access| {
        access.check(crate::policy::Action::ReadContent)?;
        Ok(RoomList {
            rooms: rooms::list(conn, access)?,
        })
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(list))
}

/// Create a room (leaders): a name, an optional weekly schedule, retention, slow mode, and
/// whether it is for the group's leaders only.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/rooms", operation_id = "create_room",
    request_body = NewRoom,
    params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 201, body = RoomView, description = "Created."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 409, body = ErrorBody, description = "`too_many_rooms`."),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `invalid_schedule`, \
            `invisible_characters`.")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<NewRoom>,
) -> Result<HttpResponse, AppError> {
    let room = rooms::create(&state.into_inner(), &session, &slug, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(room))
}

/// A room: its schedule and whether it is open now.
#[utoipa::path(get, path = "/api/v1/rooms/{id}", operation_id = "show_room",
    params(("id" = String, Path, description = "The room's id.")),
    security((), ("bearer" = [])),
    responses((status = 200, body = RoomView, description = "The room."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn show(
    state: web::Data<AppState>,
    asker: Asker,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let room_id = id.into_inner();
    let key = GroupRef::Room(room_id.clone());
    let view = reading_by(&state, asker, key, None, move |conn, access| {
        let ra = rooms::with_access(conn, access.clone(), &room_id)?;
        ra.check(ChatAction::ReadRoom)?;
        Ok(ra.view)
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change a room (leaders): only the fields given change. Locking and slow mode reach
/// everyone in the room at once.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}", operation_id = "change_room",
    request_body = RoomChange,
    params(("id" = String, Path, description = "The room's id.")),
    security(("bearer" = [])),
    responses((status = 200, body = RoomView, description = "Changed."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 422, body = ErrorBody, description = "`invalid_field`, `invalid_schedule`.")))]
pub async fn change(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<RoomChange>,
) -> Result<HttpResponse, AppError> {
    let room = rooms::change(&state.into_inner(), &session, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(room))
}

/// Delete a room and its messages (leaders); whoever is in it is disconnected.
#[utoipa::path(delete, path = "/api/v1/rooms/{id}", operation_id = "delete_room",
    params(("id" = String, Path, description = "The room's id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn delete(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    rooms::delete(&state.into_inner(), &session, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionChange {
    /// true: open the meeting now (for `chat.session_hours`); false: close it now.
    pub open: bool,
}

/// Open or close the room's meeting by hand (leaders), whatever its schedule says.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/session", operation_id = "set_room_session",
    request_body = SessionChange,
    params(("id" = String, Path, description = "The room's id.")),
    security(("bearer" = [])),
    responses((status = 200, body = RoomView, description = "The room's state now."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn set_session(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<SessionChange>,
) -> Result<HttpResponse, AppError> {
    let room = rooms::set_session(&state.into_inner(), &session, &id, body.open).await?;
    Ok(HttpResponse::Ok().json(room))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SinceQuery {
    /// Messages after this `seq` (default 0: from the oldest kept).
    #[param(minimum = 0)]
    pub since: Option<i64>,
}

/// History after `since`, oldest first, up to 200 at a time (`more` says whether to ask
/// again from the last `seq`).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/messages", operation_id = "room_messages",
    params(("id" = String, Path, description = "The room's id."), SinceQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = History, description = "The messages."),
        (status = 400, body = ErrorBody, description = "`invalid_query`."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn history(
    state: web::Data<AppState>,
    asker: Asker,
    id: web::Path<String>,
    query: web::Query<SinceQuery>,
) -> Result<HttpResponse, AppError> {
    let since = query.since.unwrap_or(0);
    if since < 0 {
        return Err(AppError::bad_request(
            "invalid_query",
            "since must be 0 or more.",
        ));
    }
    let room_id = id.into_inner();
    let key = GroupRef::Room(room_id.clone());
    let history = reading_by(&state, asker, key, None, move |conn, access| {
        let ra = rooms::with_access(conn, access.clone(), &room_id)?;
        messages::read_history(conn, &ra, since)
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(history))
}

/// The room's websocket (see the Chat section of the docs for its frames).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/ws", operation_id = "room_socket",
    params(("id" = String, Path, description = "The room's id."), SocketQuery),
    security((), ("bearer" = [])),
    responses((status = 101, description = "Switching to the websocket."),
        (status = 400, body = ErrorBody, description = "`websocket_expected`, `invalid_query`."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`, `origin_mismatch`."),
        (status = 409, body = ErrorBody, description = "`room_full`, `display_name_taken` \
            (a guest's nickname)."),
        (status = 422, body = ErrorBody, description = "A nickname that breaks the rules.")))]
pub async fn socket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<SocketQuery>,
) -> Result<HttpResponse, AppError> {
    socket::handshake(req, body, state, id.into_inner(), query.into_inner()).await
}

/// Delete a chat message: one's own, or any as a leader. It disappears for everyone at once.
#[utoipa::path(delete, path = "/api/v1/messages/{id}", operation_id = "delete_message",
    params(("id" = String, Path, description = "The message's id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn delete_message(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    messages::delete(&state.into_inner(), &session, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn sanction_body(bytes: &[u8]) -> Result<ParticipantSanction, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ParticipantSanction::default());
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        AppError::bad_request("invalid_body", format!("The body could not be read: {e}"))
    })?;
    if !value.is_object() {
        return Err(AppError::bad_request(
            "invalid_body",
            "The body must be a JSON object.",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        AppError::bad_request("invalid_body", format!("The body could not be read: {e}"))
    })
}

/// Mute a participant in this room for a while (leaders); they are told at once, with the
/// reason.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/participants/{participant}/mute",
    operation_id = "mute_participant", request_body = ParticipantSanction,
    params(("id" = String, Path, description = "The room's id."),
        ("participant" = String, Path, description = "A membership id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Muted."),
        (status = 403, body = ErrorBody, description = "`forbidden`; `cannot_sanction_leader`."),
        (status = 409, body = ErrorBody, description = "`guest_participant`: remove guests."),
        (status = 422, body = ErrorBody, description = "`invalid_field`: minutes out of \
            1-10080, or a reason that breaks the rules.")))]
pub async fn mute(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (room, participant) = path.into_inner();
    let body = sanction_body(&body)?;
    moderation::sanction(
        &state.into_inner(),
        &session,
        &room,
        &participant,
        RoomSanction::Mute,
        body,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lift a participant's mute or removal in this room (leaders).
#[utoipa::path(delete, path = "/api/v1/rooms/{id}/participants/{participant}/mute",
    operation_id = "unmute_participant",
    params(("id" = String, Path, description = "The room's id."),
        ("participant" = String, Path, description = "A membership id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Lifted."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn unmute(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (room, participant) = path.into_inner();
    moderation::lift(&state.into_inner(), &session, &room, &participant).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a participant from this room for a while (leaders): their connection is told why
/// and closed. A guest (`guest:` and its connection id) is disconnected.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/participants/{participant}/remove",
    operation_id = "remove_participant", request_body = ParticipantSanction,
    params(("id" = String, Path, description = "The room's id."),
        ("participant" = String, Path, description = "A membership id, or `guest:` and a \
            guest connection's id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed."),
        (status = 403, body = ErrorBody, description = "`forbidden`; `cannot_sanction_leader`."),
        (status = 422, body = ErrorBody, description = "`invalid_field`: minutes out of \
            1-10080, or a reason that breaks the rules.")))]
pub async fn remove(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (room, participant) = path.into_inner();
    let body = sanction_body(&body)?;
    moderation::sanction(
        &state.into_inner(),
        &session,
        &room,
        &participant,
        RoomSanction::Remove,
        body,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
