//! Every read route of a group, for every role, in every kind of group, answers as the policy
//! decides for the access rule the route declares in the inventory. Ties what the inventory
//! says to what the handlers do. Forum routes are decided by `policy::decide_on_content`
//! with no facts about content (`Content::NONE`); a topic's page is swept with a topic of
//! each group.

use std::collections::HashMap;

use kring::policy::{
    self, AccessSettings, AccountRole, Actor, Content, Decision, Denial, GroupFacts, JoinPolicy,
    Mode, Relation, Stage,
};
use kring::web::routes::{self, Access};
use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(every_group_read_route_answers_as_the_policy_decides);

struct Role {
    name: &'static str,
    token: Option<String>,
    actor: Actor,
}

fn account(relation: Relation) -> Actor {
    Actor {
        relation,
        ..Actor::account(AccountRole::Member)
    }
}

fn status_of(denial: Denial) -> u16 {
    match denial {
        Denial::LoginRequired => 401,
        Denial::Forbidden
        | Denial::InviteRequired
        | Denial::StaffAccount
        | Denial::TargetIsLeader
        | Denial::TopicLocked
        | Denial::RoomLocked => 403,
        Denial::NotFound => 404,
        Denial::MembershipRequired
        | Denial::AlreadyMember
        | Denial::AlreadyPending
        | Denial::TargetNotLeader
        | Denial::LeaderMustAccept
        | Denial::PostHeld
        | Denial::NotHeld
        | Denial::RoomClosed => 409,
        Denial::InvalidInvite | Denial::TargetNotStaff => 422,
    }
}

async fn every_group_read_route_answers_as_the_policy_decides(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    let instance = app.instance_admin().await;
    let groups = [
        ("sweep-open", Mode::Open, JoinPolicy::Approval, true),
        (
            "sweep-registered",
            Mode::Registered,
            JoinPolicy::Approval,
            true,
        ),
        ("sweep-closed", Mode::Closed, JoinPolicy::Approval, true),
        ("sweep-hidden", Mode::Closed, JoinPolicy::Invite, false),
    ];
    let (_, member) = app.member().await;
    let (_, banned) = app.member().await;
    let (_, outsider) = app.member().await;
    let leader_login = "sweep_leader";
    app.register(leader_login).await;
    let leader = app.login(leader_login, crate::helpers::PASSWORD).await;
    // A topic in each group, for the routes of one topic.
    let mut topics: HashMap<&str, String> = HashMap::new();
    for (slug, mode, policy, listed) in groups {
        let policy_name = (mode == Mode::Closed).then_some(policy.as_str());
        app.group(&sp, slug, mode.as_str(), policy_name, listed)
            .await;
        let code = app.invite(&sp, slug, "leader", 1).await;
        let joined = app
            .join(
                &leader,
                slug,
                json!({"display_name": "Leider", "invite_code": code}),
            )
            .await;
        assert_eq!(joined.status(), 201);
        for (token, name) in [(&member, "Lid"), (&banned, "Geweerd")] {
            let code = app.invite(&leader, slug, "member", 1).await;
            let joined: Value = app
                .join(
                    token,
                    slug,
                    json!({"display_name": name, "invite_code": code}),
                )
                .await
                .json()
                .await
                .unwrap();
            if name == "Geweerd" {
                let id = joined["membership"]["id"].as_str().unwrap();
                let ban = app
                    .send_json(
                        Method::POST,
                        &format!("/api/v1/groups/{slug}/members/{id}/ban"),
                        &leader,
                        Some(&json!({"reason": "voor de test"})),
                    )
                    .await;
                assert_eq!(ban.status(), 200);
            }
        }
        let (topic, _) = app
            .published(&leader, slug, "Sweep", "Een onderwerp om te lezen.")
            .await;
        topics.insert(slug, topic);
    }
    let roles = [
        Role {
            name: "guest",
            token: None,
            actor: Actor::GUEST,
        },
        Role {
            name: "account",
            token: Some(outsider),
            actor: account(Relation::None),
        },
        Role {
            name: "member",
            token: Some(member),
            actor: account(Relation::Member),
        },
        Role {
            name: "leader",
            token: Some(leader),
            actor: account(Relation::Leader),
        },
        Role {
            name: "banned",
            token: Some(banned),
            actor: Actor {
                banned: true,
                ..account(Relation::Member)
            },
        },
        Role {
            name: "steunpunt admin",
            token: Some(sp),
            actor: Actor {
                steunpunt_admin: true,
                ..Actor::account(AccountRole::Staff)
            },
        },
        Role {
            name: "instance admin",
            token: Some(instance),
            actor: Actor::account(AccountRole::InstanceAdmin),
        },
    ];
    let reads: Vec<_> = routes::inventory()
        .into_iter()
        .filter(|r| r.method == actix_web::http::Method::GET)
        .filter(|r| {
            (r.path.contains("{slug}")
                && r.path.matches('{').count() == 1
                && (r.path.starts_with("/api/v1/groups/") || r.path.starts_with("/g/")))
                || r.path == "/api/v1/topics/{id}"
        })
        .collect();
    assert!(reads.len() >= 15, "only {} group read routes", reads.len());
    let forum_reads = reads
        .iter()
        .filter(|r| r.access.iter().any(|a| matches!(a, Access::Forum(_))))
        .count();
    assert!(forum_reads >= 5, "only {forum_reads} forum read routes");
    let mut failures = vec![];
    let mut checked = 0;
    for route in &reads {
        let rules: Vec<Access> = route
            .access
            .iter()
            .filter(|a| matches!(a, Access::Group(_) | Access::Forum(_) | Access::Chat(_)))
            .copied()
            .collect();
        assert!(
            !rules.is_empty(),
            "{} declares no group or forum action",
            route.path
        );
        for (slug, mode, join_policy, listed) in groups {
            let facts = GroupFacts {
                access: AccessSettings {
                    mode,
                    join_policy,
                    listed,
                },
                stage: Stage::Led,
            };
            let path = route
                .path
                .replace("{slug}", slug)
                .replace("{id}", &topics[slug]);
            for role in &roles {
                let decisions: Vec<Decision> = rules
                    .iter()
                    .map(|rule| match rule {
                        Access::Group(action) => policy::decide(&role.actor, &facts, *action),
                        Access::Forum(action) => {
                            policy::decide_on_content(&role.actor, &facts, Content::NONE, *action)
                        }
                        Access::Chat(action) => policy::decide_on_room(
                            &role.actor,
                            &facts,
                            policy::RoomFacts::OPEN,
                            *action,
                        ),
                        _ => unreachable!(),
                    })
                    .collect();
                let mut request = app.api.get(app.url(&path));
                if let Some(token) = &role.token {
                    request = request.bearer_auth(token);
                }
                let status = request.send().await.unwrap().status().as_u16();
                // What the same person gets for a group that does not exist at all.
                let mut missing = app.api.get(
                    app.url(
                        &route
                            .path
                            .replace("{slug}", "no-such-group")
                            .replace("{id}", "no-such-topic"),
                    ),
                );
                if let Some(token) = &role.token {
                    missing = missing.bearer_auth(token);
                }
                let missing_status = missing.send().await.unwrap().status().as_u16();
                checked += 1;
                let allowed = decisions.iter().any(|d| d.is_allowed());
                let ok = if allowed {
                    // Allowed: served (one's own join request may simply not exist).
                    status == 200
                        || ((path.ends_with("/join-request") || path.ends_with("/access-proposal"))
                            && status == 404)
                } else {
                    let denials: Vec<u16> = decisions
                        .iter()
                        .filter_map(|d| match d {
                            Decision::Deny(denial) => Some(status_of(*denial)),
                            Decision::Allow => None,
                        })
                        .collect();
                    // Pages send a guest to the login page instead of a bare 401; and a hidden
                    // group may answer anything, as long as it is what a group that does not
                    // exist answers (e.g. "log in first" on a route for accounts only).
                    denials.contains(&status)
                        || (route.path.starts_with("/g/")
                            && denials.contains(&401)
                            && status == 303)
                        || (denials.contains(&404) && status == missing_status)
                };
                if !ok {
                    failures.push(format!(
                        "{} as {}: got {status}, policy says {decisions:?}",
                        path, role.name
                    ));
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} checks");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
