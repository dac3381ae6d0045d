//! `/api/v1/groups/...` and `/api/v1/join-requests/...`: the directory, group settings,
//! memberships, join requests, invites, bans and mutes, the moderation log.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, ErrorBody};
use crate::groups::access::reading_with;
use crate::groups::invites::{self, CreatedInvite, InviteView, NewInvite};
use crate::groups::joining::{self, JoinRequestBody, Joined};
use crate::groups::members::{self, MemberView, Sanction, SanctionKind};
use crate::groups::modlog::{self, ModlogEntry};
use crate::groups::requests::{self, Decided, Decision, OwnRequest, PendingRequest};
use crate::groups::settings::{self, Changed, ProposalView};
use crate::groups::{
    self, DirectoryEntry, DirectoryFilter, GroupChange, GroupView, NewGroup, OwnMembership,
    with_access,
};
use crate::state::AppState;
use crate::web::auth::{Asker, Authenticated, MaybeAuthenticated};
use crate::web::client;

/// The directory (sociale kaart): every group you may see, filtered.
#[utoipa::path(get, path = "/api/v1/groups", params(DirectoryFilter),
    security((), ("bearer" = [])),
    responses((status = 200, body = [DirectoryEntry], description = "The groups, by name."),
        (status = 400, body = ErrorBody, description = "`invalid_query`: an unknown filter or \
            a value that is not one of the listed ones.")))]
pub async fn directory(
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    filter: web::Query<DirectoryFilter>,
) -> Result<HttpResponse, AppError> {
    let entries = groups::directory(&state, session.as_ref(), filter.into_inner()).await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// Create a group (steunpunt admin).
#[utoipa::path(post, path = "/api/v1/groups", operation_id = "create_group",
    request_body = NewGroup, security(("bearer" = [])),
    responses((status = 201, body = DirectoryEntry, description = "Created."),
        (status = 403, body = ErrorBody, description = "`forbidden`: admins of that steunpunt \
            only."),
        (status = 404, body = ErrorBody, description = "`not_found`: no such steunpunt."),
        (status = 409, body = ErrorBody, description = "`slug_taken`."),
        (status = 422, body = ErrorBody, description = "`invalid_slug`, `invalid_field` or \
            `join_policy_required`.")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    if body.steunpunt.contains('\0') {
        // No steunpunt has a NUL in its slug, and PostgreSQL cannot even look for one.
        return Err(AppError::not_found());
    }
    let entry = groups::create(&state, &session, body).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// A group's directory entry, house rules and what you may do there.
#[utoipa::path(get, path = "/api/v1/groups/{slug}", operation_id = "show_group",
    params(("slug" = String, Path, description = "The group's slug.")), security((), ("bearer" = [])),
    responses((status = 200, body = GroupView, description = "The group as the asker may see \
        it.")))]
pub async fn show(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // One trip to the blocking pool: the session and the group's facts together.
    let view = reading_with(&state, asker, &slug, None, settings::view)
        .await?
        .1?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change a group: directory data (steunpunt admin), house rules (leaders), access (more
/// closed: leaders; more open: steunpunt admin, with `confirm_wider_audience`).
#[utoipa::path(patch, path = "/api/v1/groups/{slug}", operation_id = "update_group",
    request_body = GroupChange, params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 200, body = Changed, description = "Changed."),
        (status = 202, body = Changed, description = "More open: proposed, waiting for a \
            leader to accept."),
        (status = 403, body = ErrorBody, description = "`forbidden`: not yours to change."),
        (status = 422, body = ErrorBody, description = "`invalid_field`.")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<GroupChange>,
) -> Result<HttpResponse, AppError> {
    let changed = groups::update(&state, &session, &slug, body.into_inner()).await?;
    Ok(match changed.proposal {
        Some(_) => HttpResponse::Accepted().json(changed),
        None => HttpResponse::Ok().json(changed),
    })
}

/// Join: 201 when you are a member, 202 when a leader decides first.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/members", request_body = JoinRequestBody,
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 201, body = Joined, description = "A member now."),
        (status = 202, body = Joined, description = "Waiting for a leader's decision."),
        (status = 403, body = ErrorBody, description = "`forbidden` (banned), \
            `invite_required` or `staff_account`."),
        (status = 409, body = ErrorBody, description = "`already_member`, `already_pending` or \
            `display_name_taken`."),
        (status = 422, body = ErrorBody, description = "`display_name_length`, \
            `display_name_characters`, `display_name_invisible`, `house_rules_not_accepted`, \
            `invalid_field` (introduction) or `invalid_invite`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many invite codes \
            tried.")))]
pub async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<JoinRequestBody>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let joined = joining::join(&state, &session, source, &slug, body.into_inner()).await?;
    Ok(match joined {
        Joined::Active { .. } => HttpResponse::Created().json(joined),
        Joined::Pending { .. } => HttpResponse::Accepted().json(joined),
    })
}

/// The members (members and leaders only). Ids are per membership.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/members", params(("slug" = String, Path, description = "The group's slug.")),
    security((), ("bearer" = [])),
    responses((status = 200, body = [MemberView], description = "The members, by name."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`: members only.")))]
pub async fn members(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // One trip to the blocking pool: the session and the group's facts together.
    let list = reading_with(&state, asker, &slug, None, members::list)
        .await?
        .1?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    /// The new display name: the same rules as when joining (3-32 letters, digits, `_` or
    /// `-`, after trimming and NFKC normalisation).
    #[schema(min_length = 3, max_length = 32, example = "Zonnebloem")]
    pub display_name: String,
}

/// Change my display name in this group.
#[utoipa::path(patch, path = "/api/v1/groups/{slug}/members/me", request_body = Rename,
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 200, body = OwnMembership, description = "Renamed."),
        (status = 403, body = ErrorBody, description = "`forbidden`: members only."),
        (status = 409, body = ErrorBody, description = "`display_name_taken`."),
        (status = 422, body = ErrorBody, description = "`display_name_length`, \
            `display_name_characters` or `display_name_invisible`.")))]
pub async fn rename(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<Rename>,
) -> Result<HttpResponse, AppError> {
    let own = joining::rename(&state, &session, &slug, &body.display_name).await?;
    Ok(HttpResponse::Ok().json(own))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LeaveQuery {
    /// What happens to what I wrote here: `delete`, or `anonymise` (the default: kept under
    /// "former member").
    pub posts: Option<crate::forum::erasure::PostsChoice>,
}

/// Leave the group: my membership (or waiting request) is erased, and what I wrote is
/// deleted or kept under "former member".
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/members/me", params(("slug" = String, Path, description = "The group's slug."), LeaveQuery),
    security(("bearer" = [])),
    responses((status = 204, description = "Left."),
        (status = 400, body = ErrorBody, description = "`invalid_query`."),
        (status = 403, body = ErrorBody, description = "`forbidden`: not a member, or muted.")))]
pub async fn leave(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    query: web::Query<LeaveQuery>,
) -> Result<HttpResponse, AppError> {
    let posts = query
        .posts
        .unwrap_or(crate::forum::erasure::PostsChoice::Anonymise);
    joining::leave(&state, &session, &slug, posts).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn sanction(
    state: web::Data<AppState>,
    session: crate::sessions::Session,
    path: web::Path<(String, String)>,
    kind: SanctionKind,
    body: Sanction,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let view = members::sanction(&state, &session, &slug, &id, kind, body).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Ban a member (leaders), for a time or for good.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/members/{id}/ban", request_body = Sanction,
    params(("slug" = String, Path, description = "The group's slug."), ("id" = String, Path, description = "A membership id (per group; opaque).")), security(("bearer" = [])),
    responses((status = 200, body = MemberView, description = "Banned."),
        (status = 403, body = ErrorBody, description = "`forbidden` (leaders only) or \
            `cannot_sanction_leader`."),
        (status = 422, body = ErrorBody, description = "`invalid_field` (reason) or \
            `invalid_until`.")))]
pub async fn ban(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<Sanction>,
) -> Result<HttpResponse, AppError> {
    sanction(state, session, path, SanctionKind::Ban, body.into_inner()).await
}

/// Mute a member (leaders): they read but cannot write.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/members/{id}/mute", request_body = Sanction,
    params(("slug" = String, Path, description = "The group's slug."), ("id" = String, Path, description = "A membership id (per group; opaque).")), security(("bearer" = [])),
    responses((status = 200, body = MemberView, description = "Muted."),
        (status = 403, body = ErrorBody, description = "`forbidden` (leaders only) or \
            `cannot_sanction_leader`."),
        (status = 422, body = ErrorBody, description = "`invalid_field` (reason) or \
            `invalid_until`.")))]
pub async fn mute(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<Sanction>,
) -> Result<HttpResponse, AppError> {
    sanction(state, session, path, SanctionKind::Mute, body.into_inner()).await
}

/// Lift a ban.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/members/{id}/ban",
    params(("slug" = String, Path, description = "The group's slug."), ("id" = String, Path, description = "A membership id (per group; opaque).")), security(("bearer" = [])),
    responses((status = 204, description = "The ban is lifted (or there was none)."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn unban(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    members::lift(&state, &session, &slug, &id, SanctionKind::Ban).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lift a mute.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/members/{id}/mute",
    params(("slug" = String, Path, description = "The group's slug."), ("id" = String, Path, description = "A membership id (per group; opaque).")), security(("bearer" = [])),
    responses((status = 204, description = "The mute is lifted (or there was none)."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn unmute(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    members::lift(&state, &session, &slug, &id, SanctionKind::Mute).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The group's leaders (steunpunt admin).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/leaders", params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 200, body = [MemberView], description = "The leaders."),
        (status = 403, body = ErrorBody, description = "`forbidden`: the steunpunt's admins \
            only.")))]
pub async fn leaders(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, Some(&session), &slug, members::leaders).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Remove a leader (steunpunt admin); they stay a member.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/leaders/{id}",
    params(("slug" = String, Path, description = "The group's slug."), ("id" = String, Path, description = "The leader's membership id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "A member again."),
        (status = 403, body = ErrorBody, description = "`forbidden`: the steunpunt's admins \
            only."),
        (status = 409, body = ErrorBody, description = "`not_a_leader`.")))]
pub async fn remove_leader(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    members::remove_leader(&state, &session, &slug, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My own join request: pending, or declined with the leader's reason (shown once).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/join-request", params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 200, body = OwnRequest, description = "My request."),
        (status = 404, body = ErrorBody, description = "`not_found`: no such group, or no \
            request of mine (any more).")))]
pub async fn own_request(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match with_access(&state, Some(&session), &slug, requests::own).await? {
        Some(request) => Ok(HttpResponse::Ok().json(request)),
        None => Err(AppError::not_found()),
    }
}

/// Waiting join requests with their introductions (leaders).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/join-requests", params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 200, body = [PendingRequest], description = "Waiting requests."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn join_requests(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, Some(&session), &slug, requests::pending).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Approve or decline a join request (leaders). A decline needs a reason.
#[utoipa::path(post, path = "/api/v1/join-requests/{id}/decision", request_body = Decision,
    params(("id" = String, Path, description = "The join request's id.")),
    security(("bearer" = [])),
    responses((status = 200, body = Decided, description = "Decided."),
        (status = 404, body = ErrorBody, description = "`not_found`: no such waiting request, \
            or not one this account may decide."),
        (status = 409, body = ErrorBody, description = "`already_member` or \
            `display_name_taken`, when someone joined or took the name at the same moment."),
        (status = 422, body = ErrorBody, description = "`invalid_field`: a decline needs a \
            reason of 3-500 characters.")))]
pub async fn decide(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<Decision>,
) -> Result<HttpResponse, AppError> {
    let decided = requests::decide(&state, &session, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(decided))
}

/// Make an invite code: `member` (leaders) or `leader` (steunpunt admin).
#[utoipa::path(post, path = "/api/v1/groups/{slug}/invites", request_body = NewInvite,
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 201, body = CreatedInvite, description = "Made; the code is shown only \
            now."),
        (status = 403, body = ErrorBody, description = "`forbidden`: member invites are for \
            leaders, leader invites for the steunpunt's admins."),
        (status = 422, body = ErrorBody, description = "`invalid_max_uses` or \
            `invalid_expiry`.")))]
pub async fn create_invite(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<NewInvite>,
) -> Result<HttpResponse, AppError> {
    let invite = invites::create(&state, &session, &slug, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(invite))
}

/// The invites you may manage (no codes: only their hashes are kept).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/invites", params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 200, body = [InviteView], description = "The invites, newest expiry \
            first."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders and the \
            steunpunt's admins only.")))]
pub async fn list_invites(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, Some(&session), &slug, invites::list).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Revoke an invite.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/invites/{id}",
    params(("slug" = String, Path, description = "The group's slug."), ("id" = String, Path, description = "The invite's id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Revoked."),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an invite you \
            manage.")))]
pub async fn revoke_invite(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    invites::revoke(&state, &session, &slug, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The moderation log: in full for leaders, a neutral summary for members.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/modlog", params(("slug" = String, Path, description = "The group's slug.")),
    security((), ("bearer" = [])),
    responses((status = 200, body = [ModlogEntry], description = "The newest entries."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`: members only.")))]
pub async fn modlog(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // One trip to the blocking pool: the session and the group's facts together.
    let entries = reading_with(&state, asker, &slug, None, modlog::list)
        .await?
        .1?;
    Ok(HttpResponse::Ok().json(entries))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewName {
    /// The new display name (3-32 letters, digits, `_` or `-`, after trimming and NFKC
    /// normalisation).
    #[schema(min_length = 3, max_length = 32, example = "Zonnebloem")]
    pub display_name: String,
}

/// Choose another display name after a leader approved my request but my first choice was
/// taken: 201 and I am a member.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/join-request/name", request_body = NewName,
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 201, body = OwnMembership, description = "A member now."),
        (status = 409, body = ErrorBody, description = "`no_name_to_choose` (no approved \
            request waits for a name) or `display_name_taken`."),
        (status = 422, body = ErrorBody, description = "`display_name_length`, \
            `display_name_characters` or `display_name_invisible`.")))]
pub async fn choose_name(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, AppError> {
    let name = joining::display_name(&body.display_name)?;
    let member = requests::choose_name(&state, &session, &slug, name).await?;
    Ok(HttpResponse::Created().json(member))
}

/// The steunpunt's waiting proposal to make the group more open (leaders, steunpunt admin).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/access-proposal", params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 200, body = ProposalView, description = "The waiting proposal."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders and the \
            steunpunt's admins only."),
        (status = 404, body = ErrorBody, description = "`not_found`: no such group, or no \
            proposal waiting.")))]
pub async fn proposal(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = with_access(&state, Some(&session), &slug, |conn, access| {
        access.check(crate::policy::Action::SeeProposal)?;
        settings::proposal(conn, access)
    })
    .await?;
    found
        .map(|p| HttpResponse::Ok().json(p))
        .ok_or_else(AppError::not_found)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Must be true: earlier content then reaches a wider audience than it was written for.
    #[serde(default)]
    pub confirm_wider_audience: bool,
}

/// A leader accepts the proposal, and the group becomes as open as proposed.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/access-proposal/accept",
    request_body = Acceptance, params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 200, body = DirectoryEntry, description = "Accepted: the group is as \
            open as proposed."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 409, body = ErrorBody, description = "`no_proposal` or \
            `confirmation_required`.")))]
pub async fn accept_proposal(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, AppError> {
    let confirm = body.confirm_wider_audience;
    let entry = settings::accept_proposal(&state, &session, &slug, confirm).await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// A leader declines the proposal, or the steunpunt withdraws it.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/access-proposal", params(("slug" = String, Path, description = "The group's slug.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Declined or withdrawn."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders and the \
            steunpunt's admins only."),
        (status = 409, body = ErrorBody, description = "`no_proposal`.")))]
pub async fn drop_proposal(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    settings::drop_proposal(&state, &session, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
