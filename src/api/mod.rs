//! The JSON API under `/api/v1`, and its OpenAPI document.
//!
//! Handlers parse and validate at the edge, call the service layer, and shape the answer.
//! They hold no business rules of their own.

mod accounts;
mod chat;
mod doc;
mod forum;
mod groups;
mod me;
mod sessions;
mod steunpunten;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use crate::error::ErrorBody;
use crate::web::routes::{self, Access};
use doc::CommonResponses;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kring API",
        description = "Forum and chat for self-help groups, under pseudonyms. Errors are `{\"error\":\"code\",\"message\":\"text\"}`. Authenticate with `Authorization: Bearer <token>` or the session cookie (then unsafe requests must carry Kring's Origin)."
    ),
    paths(
        accounts::register,
        accounts::recover,
        sessions::login,
        sessions::logout,
        sessions::logout_everywhere,
        me::me,
        me::export,
        me::erase,
        me::change_password,
        me::renew_recovery_codes,
        steunpunten::create,
        steunpunten::appoint_admin,
        steunpunten::groups,
        steunpunten::create_staff,
        groups::directory,
        groups::create,
        groups::show,
        groups::update,
        groups::join,
        groups::members,
        groups::rename,
        groups::leave,
        groups::ban,
        groups::unban,
        groups::mute,
        groups::unmute,
        groups::leaders,
        groups::remove_leader,
        groups::own_request,
        groups::join_requests,
        groups::decide,
        groups::create_invite,
        groups::list_invites,
        groups::revoke_invite,
        groups::modlog,
        groups::choose_name,
        groups::proposal,
        groups::accept_proposal,
        groups::drop_proposal,
        forum::list,
        forum::create,
        forum::show,
        forum::change,
        forum::delete_topic,
        forum::reply,
        forum::edit,
        forum::delete_post,
        forum::hide,
        forum::unhide,
        forum::review,
        forum::report,
        forum::queue,
        forum::settle,
        forum::announcements,
        forum::create_announcement,
        forum::delete_announcement,
        forum::show_premoderation,
        forum::set_premoderation,
        forum::escalated,
        forum::dismiss_rejection,
        chat::list,
        chat::create,
        chat::show,
        chat::change,
        chat::delete,
        chat::set_session,
        chat::history,
        chat::socket,
        chat::delete_message,
        chat::mute,
        chat::unmute,
        chat::remove,
    ),
    components(schemas(ErrorBody)),
    modifiers(&CommonResponses)
)]
pub struct ApiDoc;

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::policy::MemberAction as MA;
    use Access::*;
    use actix_web::http::Method as M;
    let v1 = |path: &str| format!("/api/v1{path}");
    routes::add(cfg, M::GET, &v1("/openapi.json"), &[Public], openapi_json);
    routes::add(
        cfg,
        M::POST,
        &v1("/accounts"),
        &[Public],
        accounts::register,
    );
    routes::add(cfg, M::POST, &v1("/recovery"), &[Public], accounts::recover);
    routes::add(cfg, M::POST, &v1("/sessions"), &[Public], sessions::login);
    routes::add(
        cfg,
        M::DELETE,
        &v1("/sessions"),
        &[OwnAccount],
        sessions::logout_everywhere,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/sessions/current"),
        &[OwnAccount],
        sessions::logout,
    );
    routes::add(cfg, M::GET, &v1("/me"), &[OwnAccount], me::me);
    routes::add(cfg, M::DELETE, &v1("/me"), &[OwnAccount], me::erase);
    routes::add(cfg, M::GET, &v1("/me/export"), &[OwnAccount], me::export);
    routes::add(
        cfg,
        M::PUT,
        &v1("/me/password"),
        &[OwnAccount],
        me::change_password,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/me/recovery-codes"),
        &[OwnAccount],
        me::renew_recovery_codes,
    );

    use crate::policy::{Action as A, SteunpuntAction as S};
    routes::add(
        cfg,
        M::POST,
        &v1("/steunpunten"),
        &[Steunpunt(S::CreateSteunpunt)],
        steunpunten::create,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/steunpunten/{slug}/admins"),
        &[Steunpunt(S::AppointSteunpuntAdmin)],
        steunpunten::appoint_admin,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/steunpunten/{slug}/groups"),
        &[Steunpunt(S::Administer)],
        steunpunten::groups,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/staff-accounts"),
        &[Steunpunt(S::AppointSteunpuntAdmin)],
        steunpunten::create_staff,
    );

    routes::add(
        cfg,
        M::GET,
        &v1("/groups"),
        &[Group(A::SeeInDirectory)],
        groups::directory,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups"),
        &[Steunpunt(S::CreateGroup)],
        groups::create,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}"),
        &[Group(A::ViewGroup)],
        groups::show,
    );
    routes::add(
        cfg,
        M::PATCH,
        &v1("/groups/{slug}"),
        &[
            Group(A::EditDirectoryEntry),
            Group(A::EditHouseRules),
            Group(A::MakeMoreClosed),
            Group(A::SetAccessFreely),
            Group(A::ProposeMoreOpen),
        ],
        groups::update,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/members"),
        &[Group(A::Join), Group(A::JoinWithInvite)],
        groups::join,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/members"),
        &[Group(A::ListMembers)],
        groups::members,
    );
    routes::add(
        cfg,
        M::PATCH,
        &v1("/groups/{slug}/members/me"),
        &[Group(A::ChangeDisplayName)],
        groups::rename,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/groups/{slug}/members/me"),
        &[Group(A::Leave)],
        groups::leave,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/members/{id}/ban"),
        &[Member(MA::Ban)],
        groups::ban,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/groups/{slug}/members/{id}/ban"),
        &[Member(MA::LiftSanction)],
        groups::unban,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/members/{id}/mute"),
        &[Member(MA::Mute)],
        groups::mute,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/groups/{slug}/members/{id}/mute"),
        &[Member(MA::LiftSanction)],
        groups::unmute,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/leaders"),
        &[Group(A::ViewLeaders)],
        groups::leaders,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/groups/{slug}/leaders/{id}"),
        &[Member(MA::RemoveLeaderRole)],
        groups::remove_leader,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/join-request"),
        &[Group(A::ViewOwnJoinRequest)],
        groups::own_request,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/join-requests"),
        &[Group(A::ViewJoinRequests)],
        groups::join_requests,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/join-requests/{id}/decision"),
        &[Group(A::DecideJoinRequest)],
        groups::decide,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/invites"),
        &[Group(A::ManageInvites), Group(A::AppointLeader)],
        groups::create_invite,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/invites"),
        &[Group(A::ManageInvites), Group(A::AppointLeader)],
        groups::list_invites,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/groups/{slug}/invites/{id}"),
        &[Group(A::ManageInvites), Group(A::AppointLeader)],
        groups::revoke_invite,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/modlog"),
        &[Group(A::ViewModlogSummary), Group(A::ViewModlog)],
        groups::modlog,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/join-request/name"),
        &[Group(A::ViewOwnJoinRequest)],
        groups::choose_name,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/access-proposal"),
        &[Group(A::SeeProposal)],
        groups::proposal,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/access-proposal/accept"),
        &[Group(A::AcceptProposal)],
        groups::accept_proposal,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/groups/{slug}/access-proposal"),
        &[Group(A::SeeProposal)],
        groups::drop_proposal,
    );
    forum_routes(cfg);
    chat_routes(cfg);
}

/// The forum's routes, each with the forum action that governs it.
fn chat_routes(cfg: &mut web::ServiceConfig) {
    use crate::policy::ChatAction as C;
    use Access::Chat;
    use actix_web::http::Method as M;
    let v1 = |path: &str| format!("/api/v1{path}");
    routes::add(cfg, M::GET, &v1("/groups/{slug}/rooms"), &[Chat(C::ReadRoom)], chat::list);
    routes::add(cfg, M::POST, &v1("/groups/{slug}/rooms"), &[Chat(C::ManageRooms)], chat::create);
    routes::add(cfg, M::GET, &v1("/rooms/{id}"), &[Chat(C::ReadRoom)], chat::show);
    routes::add(cfg, M::PATCH, &v1("/rooms/{id}"), &[Chat(C::ManageRooms)], chat::change);
    routes::add(cfg, M::DELETE, &v1("/rooms/{id}"), &[Chat(C::ManageRooms)], chat::delete);
    routes::add(
        cfg,
        M::POST,
        &v1("/rooms/{id}/session"),
        &[Chat(C::ManageRooms)],
        chat::set_session,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/rooms/{id}/messages"),
        &[Chat(C::ReadRoom)],
        chat::history,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/rooms/{id}/ws"),
        &[Chat(C::ReadRoom), Chat(C::SendMessage)],
        chat::socket,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/messages/{id}"),
        &[Chat(C::DeleteMessage)],
        chat::delete_message,
    );
    let participant = v1("/rooms/{id}/participants/{participant}");
    routes::add(
        cfg,
        M::POST,
        &format!("{participant}/mute"),
        &[Chat(C::ModerateParticipant)],
        chat::mute,
    );
    routes::add(
        cfg,
        M::DELETE,
        &format!("{participant}/mute"),
        &[Chat(C::ModerateParticipant)],
        chat::unmute,
    );
    routes::add(
        cfg,
        M::POST,
        &format!("{participant}/remove"),
        &[Chat(C::ModerateParticipant)],
        chat::remove,
    );
}

fn forum_routes(cfg: &mut web::ServiceConfig) {
    use crate::policy::{ForumAction as F, SteunpuntAction};
    use Access::*;
    use actix_web::http::Method as M;
    let v1 = |path: &str| format!("/api/v1{path}");
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/topics"),
        &[Forum(F::ReadForum)],
        forum::list,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/topics"),
        &[Forum(F::StartTopic)],
        forum::create,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/topics/{id}"),
        &[Forum(F::ReadForum)],
        forum::show,
    );
    routes::add(
        cfg,
        M::PATCH,
        &v1("/topics/{id}"),
        &[Forum(F::ModerateTopic)],
        forum::change,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/topics/{id}"),
        &[Forum(F::ModerateTopic)],
        forum::delete_topic,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/topics/{id}/posts"),
        &[Forum(F::Reply)],
        forum::reply,
    );
    routes::add(
        cfg,
        M::PATCH,
        &v1("/posts/{id}"),
        &[Forum(F::EditPost)],
        forum::edit,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/posts/{id}"),
        &[Forum(F::DeletePost)],
        forum::delete_post,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/posts/{id}/hide"),
        &[Forum(F::HidePost)],
        forum::hide,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/posts/{id}/hide"),
        &[Forum(F::HidePost)],
        forum::unhide,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/posts/{id}/review"),
        &[Forum(F::ReviewPost)],
        forum::review,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/posts/{id}/reports"),
        &[Forum(F::ReportPost)],
        forum::report,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/review"),
        &[Forum(F::ViewReviewQueue)],
        forum::queue,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/reports/{id}/decision"),
        &[Forum(F::SettleReport)],
        forum::settle,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/announcements"),
        &[Forum(F::ReadForum)],
        forum::announcements,
    );
    routes::add(
        cfg,
        M::POST,
        &v1("/groups/{slug}/announcements"),
        &[Forum(F::ManageAnnouncements)],
        forum::create_announcement,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/announcements/{id}"),
        &[Forum(F::ManageAnnouncements)],
        forum::delete_announcement,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/groups/{slug}/premoderation"),
        &[Forum(F::SetPremoderation)],
        forum::show_premoderation,
    );
    routes::add(
        cfg,
        M::PUT,
        &v1("/groups/{slug}/premoderation"),
        &[Forum(F::SetPremoderation)],
        forum::set_premoderation,
    );
    routes::add(
        cfg,
        M::GET,
        &v1("/steunpunten/{slug}/reports"),
        &[Steunpunt(SteunpuntAction::Administer)],
        forum::escalated,
    );
    routes::add(
        cfg,
        M::DELETE,
        &v1("/post-rejections/{id}"),
        &[OwnAccount],
        forum::dismiss_rejection,
    );
}
