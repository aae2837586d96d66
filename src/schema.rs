//! Diesel table definitions, written by hand to match `migrations/sqlite` and
//! `migrations/postgres` (both backends share these portable column types).

diesel::table! {
    dealers (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        contact_email -> Text,
        capacity -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    dealer_territories (id) {
        id -> BigInt,
        dealer_id -> BigInt,
        country -> Text,
        postcode_prefix -> Nullable<Text>,
        region -> Nullable<Text>,
    }
}

diesel::table! {
    dealer_product_lines (dealer_id, product_line) {
        dealer_id -> BigInt,
        product_line -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        dealer_id -> Nullable<BigInt>,
        locale -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        password_changed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        client_ip -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        client_ip -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        detail -> Text,
        client_ip -> Text,
    }
}

diesel::table! {
    outbound_emails (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(dealer_territories -> dealers (dealer_id));
diesel::joinable!(dealer_product_lines -> dealers (dealer_id));
diesel::joinable!(users -> dealers (dealer_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    dealers,
    dealer_territories,
    dealer_product_lines,
    users,
    sessions,
    user_tokens,
    login_attempts,
    audit_events,
    outbound_emails,
);
