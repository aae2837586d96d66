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
        region_key -> Nullable<Text>,
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
        weekly_digest -> Bool,
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
    api_tokens,
    leads,
    touchpoints,
    offers,
    allocation_decisions,
    dealer_allocation_state,
    lead_events,
    offer_links,
    campaigns,
    campaign_spend,
    feedback_requests,
    feedback_links,
    feedback_sessions,
    feedback,
    sale_outcomes,
    outcome_events,
    dealer_scores,
    dealer_score_history,
    dealer_score_network,
    dealer_weight_overrides,
    feedback_exclusions,
    dealer_stats,
    network_funnel,
    network_lead_share,
    attribution_credits,
    attribution_runs,
    attribution_run_channels,
    digest_weeks,
    exchange_rates,
    attribution_journeys,
    digest_links,
);

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        source -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    leads (id) {
        id -> BigInt,
        source -> Text,
        external_id -> Text,
        payload_hash -> Text,
        received_at -> Timestamp,
        created_at -> Timestamp,
        contact_name -> Text,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_company -> Nullable<Text>,
        country -> Text,
        postcode -> Nullable<Text>,
        region -> Nullable<Text>,
        product_line -> Text,
        grade -> Nullable<Text>,
        score -> Nullable<Integer>,
        consent_share -> Bool,
        status -> Text,
        dealer_id -> Nullable<BigInt>,
        unallocated_reason -> Nullable<Text>,
        status_changed_at -> Timestamp,
        region_key -> Nullable<Text>,
        quote_cents -> Nullable<BigInt>,
    }
}

diesel::table! {
    touchpoints (id) {
        id -> BigInt,
        lead_id -> BigInt,
        position -> Integer,
        occurred_at -> Timestamp,
        channel -> Text,
        source -> Nullable<Text>,
        medium -> Nullable<Text>,
        campaign -> Nullable<Text>,
        content -> Nullable<Text>,
        kind -> Nullable<Text>,
        client_key -> Nullable<Text>,
        payload_hash -> Nullable<Text>,
        added_by -> Text,
    }
}

diesel::table! {
    offers (id) {
        id -> BigInt,
        lead_id -> BigInt,
        dealer_id -> BigInt,
        status -> Text,
        offered_at -> Timestamp,
        reminder_at -> Timestamp,
        deadline_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        responded_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
        decline_note -> Nullable<Text>,
    }
}

diesel::table! {
    allocation_decisions (id) {
        id -> BigInt,
        lead_id -> BigInt,
        decided_at -> Timestamp,
        kind -> Text,
        actor -> Text,
        chosen_dealer_id -> Nullable<BigInt>,
        reason -> Text,
        candidates -> Text,
    }
}

diesel::table! {
    dealer_allocation_state (dealer_id) {
        dealer_id -> BigInt,
        entitled -> BigInt,
        received -> BigInt,
    }
}

diesel::table! {
    lead_events (id) {
        id -> BigInt,
        lead_id -> BigInt,
        occurred_at -> Timestamp,
        status -> Text,
        dealer_id -> Nullable<BigInt>,
        actor -> Text,
        note -> Text,
    }
}

diesel::table! {
    offer_links (id) {
        id -> BigInt,
        offer_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        code -> Text,
        channel -> Text,
        name -> Text,
    }
}

diesel::table! {
    campaign_spend (campaign_id, month) {
        campaign_id -> BigInt,
        month -> Text,
        amount_cents -> BigInt,
        currency -> Text,
    }
}

diesel::table! {
    feedback_requests (id) {
        id -> BigInt,
        lead_id -> BigInt,
        dealer_id -> BigInt,
        opened_by -> Text,
        opened_at -> Timestamp,
        closes_at -> Timestamp,
        open_lead_id -> Nullable<BigInt>,
        reminders_sent -> Integer,
        submitted_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    feedback_links (id) {
        id -> BigInt,
        request_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    feedback_sessions (id_hash) {
        id_hash -> Text,
        request_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    feedback (request_id) {
        request_id -> BigInt,
        outcome -> Nullable<Text>,
        close_date -> Nullable<Date>,
        revenue_cents -> Nullable<BigInt>,
        currency -> Text,
        products -> Text,
        products_other -> Text,
        lost_reason -> Nullable<Text>,
        competitor -> Text,
        decision_factors -> Text,
        first_heard -> Nullable<Text>,
        lead_quality -> Nullable<Integer>,
        notes -> Text,
        completeness_permille -> Nullable<Integer>,
        answered -> Integer,
        applicable -> Integer,
        response_seconds -> Nullable<BigInt>,
        saved_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sale_outcomes (lead_id) {
        lead_id -> BigInt,
        dealer_id -> BigInt,
        outcome -> Text,
        revenue_cents -> Nullable<BigInt>,
        currency -> Text,
        close_date -> Nullable<Date>,
        lost_reason -> Nullable<Text>,
        competitor -> Nullable<Text>,
        recorded_at -> Timestamp,
        updated_at -> Timestamp,
        last_event_id -> Text,
    }
}

diesel::table! {
    outcome_events (id) {
        id -> BigInt,
        event_id -> Text,
        lead_id -> BigInt,
        kind -> Text,
        corrects_event_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(feedback_requests -> leads (lead_id));
diesel::joinable!(feedback_requests -> dealers (dealer_id));
diesel::joinable!(feedback_links -> feedback_requests (request_id));
diesel::joinable!(feedback_sessions -> feedback_requests (request_id));
diesel::joinable!(feedback -> feedback_requests (request_id));
diesel::joinable!(sale_outcomes -> leads (lead_id));
diesel::joinable!(outcome_events -> leads (lead_id));
diesel::joinable!(campaign_spend -> campaigns (campaign_id));
diesel::joinable!(offer_links -> offers (offer_id));
diesel::joinable!(leads -> dealers (dealer_id));
diesel::joinable!(touchpoints -> leads (lead_id));
diesel::joinable!(offers -> leads (lead_id));
diesel::joinable!(offers -> dealers (dealer_id));
diesel::joinable!(allocation_decisions -> leads (lead_id));
diesel::joinable!(dealer_allocation_state -> dealers (dealer_id));
diesel::joinable!(lead_events -> leads (lead_id));

diesel::table! {
    dealer_scores (dealer_id) {
        dealer_id -> BigInt,
        score -> Double,
        completeness -> Double,
        timeliness -> Double,
        responsiveness -> Double,
        outcome_reporting -> Double,
        evidence_completeness -> Double,
        evidence_timeliness -> Double,
        evidence_responsiveness -> Double,
        evidence_outcome_reporting -> Double,
        submissions -> BigInt,
        unreached -> BigInt,
        rated -> BigInt,
        rated_lowest -> BigInt,
        offers_30d -> BigInt,
        weight -> Double,
        computed_at -> Timestamp,
        snapshot_at -> Timestamp,
        open_forms -> BigInt,
        overdue_forms -> BigInt,
        unreported_outcomes -> BigInt,
        caught_up_score -> Double,
        caught_up_weight -> Double,
    }
}

diesel::table! {
    dealer_score_history (dealer_id, recorded_at) {
        dealer_id -> BigInt,
        recorded_at -> Timestamp,
        score -> Double,
        completeness -> Double,
        timeliness -> Double,
        responsiveness -> Double,
        outcome_reporting -> Double,
        weight -> Double,
    }
}

diesel::table! {
    dealer_score_network (id) {
        id -> Integer,
        completeness -> Double,
        timeliness -> Double,
        responsiveness -> Double,
        outcome_reporting -> Double,
        unreached_rate -> Double,
        rated_lowest_rate -> Double,
        mean_score -> Double,
        dealers -> BigInt,
        offers_30d -> BigInt,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    dealer_weight_overrides (id) {
        id -> BigInt,
        dealer_id -> BigInt,
        weight -> Double,
        reason -> Text,
        starts_at -> Timestamp,
        expires_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    feedback_exclusions (request_id) {
        request_id -> BigInt,
        reason -> Text,
        excluded_by -> Text,
        excluded_at -> Timestamp,
    }
}

diesel::joinable!(dealer_scores -> dealers (dealer_id));
diesel::joinable!(dealer_score_history -> dealers (dealer_id));
diesel::joinable!(dealer_weight_overrides -> dealers (dealer_id));
diesel::joinable!(feedback_exclusions -> feedback_requests (request_id));

diesel::table! {
    dealer_stats (period, dealer_id) {
        period -> Integer,
        dealer_id -> BigInt,
        scored -> Bool,
        score -> Double,
        completeness -> Double,
        timeliness -> Double,
        responsiveness -> Double,
        outcome_reporting -> Double,
        weight -> Double,
        override_weight -> Nullable<Double>,
        unreached_rate -> Double,
        rated_lowest_rate -> Double,
        flag_unreached -> Bool,
        flag_rated_lowest -> Bool,
        offered -> BigInt,
        accepted -> BigInt,
        won -> BigInt,
        revenue_cents -> BigInt,
        acceptance_rate -> Double,
        win_rate -> Double,
        overdue -> BigInt,
        answered -> BigInt,
        answer_seconds -> Double,
        forms -> BigInt,
        form_completeness -> Double,
        trend -> Text,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    network_funnel (period) {
        period -> Integer,
        received -> BigInt,
        offered -> BigInt,
        accepted -> BigInt,
        contacted -> BigInt,
        quote_sent -> BigInt,
        won -> BigInt,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    network_lead_share (week_start, quintile) {
        week_start -> Timestamp,
        quintile -> Integer,
        offers -> BigInt,
    }
}

diesel::joinable!(dealer_stats -> dealers (dealer_id));

diesel::table! {
    figures_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    dealer_evidence (dealer_id) {
        dealer_id -> BigInt,
        gathered_at -> Timestamp,
        weight_completeness -> Double,
        weight_timeliness -> Double,
        weight_responsiveness -> Double,
        weight_outcome_reporting -> Double,
        value_completeness -> Double,
        value_timeliness -> Double,
        value_responsiveness -> Double,
        value_outcome_reporting -> Double,
        caught_up_weight_completeness -> Double,
        caught_up_weight_timeliness -> Double,
        caught_up_weight_responsiveness -> Double,
        caught_up_weight_outcome_reporting -> Double,
        caught_up_value_completeness -> Double,
        caught_up_value_timeliness -> Double,
        caught_up_value_responsiveness -> Double,
        caught_up_value_outcome_reporting -> Double,
        submissions -> BigInt,
        unreached -> BigInt,
        rated -> BigInt,
        rated_lowest -> BigInt,
        offers_30d -> BigInt,
        open_forms -> BigInt,
        overdue_forms -> BigInt,
        unreported_outcomes -> BigInt,
    }
}

diesel::table! {
    attribution_credits (lead_id, model, slot) {
        lead_id -> BigInt,
        model -> Text,
        slot -> Integer,
        touchpoint_id -> Nullable<BigInt>,
        cents -> BigInt,
    }
}

diesel::table! {
    attribution_runs (id) {
        id -> BigInt,
        requested_by -> Text,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        markov_order -> Integer,
        journeys -> BigInt,
        conversions -> BigInt,
        states -> BigInt,
        conversion_probability -> Double,
        credited_outcomes -> BigInt,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    attribution_run_channels (run_id, channel) {
        run_id -> BigInt,
        channel -> Text,
        journeys -> BigInt,
        removal_effect -> Double,
        share -> Double,
        credited_cents -> BigInt,
    }
}

diesel::table! {
    digest_weeks (week_start) {
        week_start -> Date,
        sent_at -> Timestamp,
        recipients -> BigInt,
    }
}

diesel::table! {
    attribution_journeys (lead_id) {
        lead_id -> BigInt,
        received_us -> BigInt,
        accepted_us -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        unreached -> Bool,
        converted_us -> Nullable<BigInt>,
        revenue_cents -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        last_event_id -> Nullable<Text>,
        path -> Text,
    }
}

diesel::table! {
    digest_links (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exchange_rates (month, currency) {
        month -> Text,
        currency -> Text,
        per_base_micros -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(attribution_credits -> leads (lead_id));
diesel::joinable!(attribution_journeys -> leads (lead_id));
diesel::joinable!(digest_links -> users (user_id));
diesel::joinable!(attribution_credits -> touchpoints (touchpoint_id));
diesel::joinable!(attribution_run_channels -> attribution_runs (run_id));
