//! Table definitions shared by both backends (kept in step with `migrations/*`).

diesel::table! {
    accounts (id) {
        id -> Text,
        login_name -> Text,
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
    }
}

diesel::joinable!(recovery_codes -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(accounts, recovery_codes, sessions, steunpunten);
