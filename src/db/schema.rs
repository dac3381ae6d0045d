//! Table definitions shared by both backends (kept in step with `migrations/*`).

diesel::table! {
    accounts (id) {
        id -> Text,
        login_hash -> Text,
        password_hash -> Text,
        role -> Text,
        created_on -> Text,
        last_seen_on -> Text,
    }
}

diesel::table! {
    recovery_codes (account_id, code_hash) {
        account_id -> Text,
        code_hash -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        last_used_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    steunpunten (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        crisis_text -> Text,
        created_on -> Text,
        time_zone -> Text,
        post_retention_days_max -> Integer,
        chat_retention_hours_max -> Integer,
    }
}

diesel::joinable!(recovery_codes -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));

diesel::table! {
    steunpunt_admins (steunpunt_id, account_id) {
        steunpunt_id -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    groups (id) {
        id -> Text,
        steunpunt_id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        theme -> Text,
        region -> Text,
        meeting_rhythm -> Text,
        meeting_place -> Text,
        online_only -> Bool,
        status -> Text,
        mode -> Text,
        join_policy -> Text,
        listed -> Bool,
        house_rules -> Text,
        premoderation -> Text,
        premoderation_posts -> Integer,
        hold_guest_posts -> Bool,
        post_retention_days -> Integer,
        pinned_retention_days -> Integer,
        chat_retention_hours -> Integer,
    }
}

diesel::table! {
    memberships (id) {
        id -> Text,
        group_id -> Text,
        account_id -> Text,
        display_name -> Text,
        display_key -> Text,
        role -> Text,
        banned_until -> Nullable<BigInt>,
        ban_reason -> Nullable<Text>,
        muted_until -> Nullable<BigInt>,
        mute_reason -> Nullable<Text>,
        approved_posts -> Integer,
    }
}

diesel::table! {
    join_requests (id) {
        id -> Text,
        group_id -> Text,
        account_id -> Text,
        display_name -> Text,
        display_key -> Text,
        introduction -> Nullable<Text>,
        state -> Text,
        reason -> Nullable<Text>,
        role -> Text,
        decided_at -> Nullable<BigInt>,
        requested_on -> Text,
    }
}

diesel::table! {
    invites (id) {
        id -> Text,
        group_id -> Text,
        code_hash -> Text,
        role -> Text,
        max_uses -> Integer,
        uses -> Integer,
        expires_at -> BigInt,
        revoked -> Bool,
    }
}

diesel::table! {
    modlog (id) {
        id -> Text,
        group_id -> Text,
        action -> Text,
        target_name -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_on -> Text,
        target_membership -> Nullable<Text>,
        category -> Nullable<Text>,
    }
}

diesel::table! {
    access_proposals (group_id) {
        group_id -> Text,
        mode -> Text,
        join_policy -> Text,
        listed -> Bool,
        proposed_on -> Text,
    }
}

diesel::table! {
    topics (id) {
        id -> Text,
        group_id -> Text,
        title -> Text,
        pinned -> Bool,
        locked -> Bool,
        held -> Bool,
        author_membership -> Nullable<Text>,
        created_at -> BigInt,
        last_post_at -> BigInt,
    }
}

diesel::table! {
    posts (id) {
        id -> Text,
        topic_id -> Text,
        group_id -> Text,
        author_membership -> Nullable<Text>,
        guest_name -> Nullable<Text>,
        body_markdown -> Text,
        body_html -> Text,
        content_warning -> Nullable<Text>,
        state -> Text,
        created_at -> BigInt,
        edited -> Bool,
        position -> BigInt,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        post_id -> Text,
        group_id -> Text,
        reporter_membership -> Nullable<Text>,
        reason -> Text,
        note -> Nullable<Text>,
        escalated -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    announcements (id) {
        id -> Text,
        group_id -> Text,
        title -> Text,
        body_html -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    post_rejections (id) {
        id -> Text,
        membership_id -> Text,
        group_id -> Text,
        topic_title -> Text,
        reason -> Text,
        created_on -> Text,
    }
}

diesel::table! {
    rooms (id) {
        id -> Text,
        group_id -> Text,
        name -> Text,
        leaders_only -> Bool,
        schedule -> Text,
        retention_hours -> Integer,
        locked -> Bool,
        slow_mode_secs -> Integer,
        opened_until -> Nullable<BigInt>,
        closed_until -> Nullable<BigInt>,
        last_seq -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    messages (id) {
        id -> Text,
        room_id -> Text,
        seq -> BigInt,
        author_membership -> Nullable<Text>,
        guest_name -> Nullable<Text>,
        guest_key -> Nullable<Text>,
        client_msg_id -> Nullable<Text>,
        body_html -> Text,
        sent_at -> BigInt,
        session_ends_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    message_deletions (room_id, seq) {
        room_id -> Text,
        seq -> BigInt,
        deleted_at -> BigInt,
    }
}

diesel::table! {
    room_sanctions (room_id, membership_id, kind) {
        room_id -> Text,
        membership_id -> Text,
        kind -> Text,
        until -> BigInt,
    }
}

diesel::table! {
    room_presence (connection_id) {
        connection_id -> Text,
        room_id -> Text,
        process_id -> Text,
        membership_id -> Nullable<Text>,
        guest_name -> Nullable<Text>,
        leader -> Bool,
        seen_at -> BigInt,
    }
}

diesel::table! {
    chat_processes (process_id) {
        process_id -> Text,
        seen_at -> BigInt,
    }
}

diesel::joinable!(rooms -> groups (group_id));
diesel::joinable!(messages -> rooms (room_id));
diesel::joinable!(message_deletions -> rooms (room_id));
diesel::joinable!(room_presence -> rooms (room_id));
diesel::joinable!(groups -> steunpunten (steunpunt_id));
diesel::joinable!(topics -> groups (group_id));
diesel::joinable!(posts -> topics (topic_id));
diesel::joinable!(reports -> posts (post_id));
diesel::joinable!(announcements -> groups (group_id));
diesel::joinable!(memberships -> groups (group_id));
diesel::joinable!(join_requests -> groups (group_id));
diesel::joinable!(invites -> groups (group_id));
diesel::joinable!(modlog -> groups (group_id));
diesel::joinable!(access_proposals -> groups (group_id));
diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    recovery_codes,
    sessions,
    groups,
    memberships,
    join_requests,
    invites,
    modlog,
    access_proposals,
    steunpunten,
    steunpunt_admins,
    topics,
    posts,
    reports,
    announcements,
    post_rejections,
    rooms,
    messages,
    message_deletions,
    room_sanctions,
    room_presence,
    chat_processes
);
