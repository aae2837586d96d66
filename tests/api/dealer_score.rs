//! The dealer score at work: a complete feedback form raises the dealer's score and the
//! weight its next allocation uses; a manager's temporary weight override takes over until
//! it expires or is ended; a submission excluded from scoring stops counting. Scores and
//! weights are read where people see them: the weight page, and the decision record on
//! the lead page.

use chrono::TimeDelta;
use dealerloop::services::allocation::OfferPolicy;
use dealerloop::services::dealer_score::{ScoreRule, store};
use serde_json::json;

use crate::helpers::{Browser, LeadBody, PASSWORD, Page, TestApp, spawn_app};

/// Two Milan dealers covering the same leads, MI-01 (`uno@`) and MI-02 (`due@`), and a
/// channel manager.
async fn two_dealers() -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    let first = app.create_dealer("MI-01");
    let second = app.create_dealer("MI-02");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    app.create_user("canale@example.it", "manager", None);
    (app, first, second)
}

async fn logged_in(app: &TestApp, email: &str) -> Browser {
    let mut browser = app.browser_with_language("en");
    browser.login(email, PASSWORD).await;
    browser
}

async fn push(app: &TestApp, external_id: &str) -> (i64, i64) {
    let lead = LeadBody::new(external_id)
        .received_at("2026-10-01T09:30:00Z")
        .region("Lombardia")
        .touchpoint(json!({ "occurred_at": "2026-09-20T10:00:00Z", "channel": "trade_fair" }));
    let body = app.push_lead(&app.api_token(), &lead).await;
    (
        body["id"].as_i64().expect("a lead id"),
        body["dealer"]["id"].as_i64().expect("offered"),
    )
}

/// The dealer user accepts its offer of `lead`, marks it won and submits the whole form.
async fn accept_win_and_report(phone: &mut Browser, lead: i64) {
    let offer = phone.offer_on_lead_page(lead).await;
    let accepted = phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    assert!(accepted.has("data-status", "accepted"), "{}", accepted.html);
    phone
        .post(
            &format!("/dealer/leads/{lead}/status"),
            &[("status", "won")],
        )
        .await;
    let request = phone.newest_feedback_request().await;
    let done = submit_complete_form(phone, request).await;
    assert!(
        done.has_notice("notice-feedback-submitted"),
        "{}",
        done.html
    );
}

/// Submits the whole feedback form of `request` (a won sale, every field answered).
async fn submit_complete_form(phone: &mut Browser, request: i64) -> Page {
    phone
        .post(
            &format!("/feedback/{request}"),
            &[
                ("outcome", "won"),
                ("close_date", "2026-11-10"),
                ("revenue", "48500"),
                ("currency", "EUR"),
                ("products", "lathes"),
                ("decision_factors", "price"),
                ("first_heard", "trade_fair"),
                ("lead_quality", "4"),
                ("notes", "Cliente soddisfatto"),
                ("action", "submit"),
            ],
        )
        .await
}

/// What the manager's weight page says of `dealer`: its score's weight and the override.
async fn weight_page(desk: &mut Browser, dealer: i64) -> Page {
    desk.get(&format!("/dealers/{dealer}/weight")).await
}

fn marker(page: &Page, attr: &str) -> f64 {
    let value = page.all(attr).into_iter().next().unwrap_or_default();
    value.replace(',', ".").parse().unwrap_or(f64::NAN)
}

/// The candidates of the newest decision on the lead page: (dealer code shown, weight,
/// score) as the manager reads them.
async fn newest_decision(desk: &mut Browser, lead: i64) -> (Vec<f64>, Vec<String>) {
    let page = desk.get(&format!("/leads/{lead}")).await;
    assert_eq!(page.status, 200);
    let weights = page
        .all("data-weight")
        .iter()
        .map(|w| w.replace(',', ".").parse().unwrap_or(f64::NAN))
        .collect();
    (weights, page.all("data-score"))
}

/// Lets the offer of `lead` to its dealer run out, as the deadline worker would two days
/// later (the time is the point: the test cannot wait 48 hours).
fn let_offer_expire(app: &TestApp) {
    let policy = OfferPolicy {
        base_url: app.address.clone(),
        ..OfferPolicy::default()
    };
    dealerloop::services::deadlines::process_due(
        &mut app.conn(),
        &policy,
        dealerloop::db::now() + TimeDelta::days(3),
    )
    .unwrap();
}

#[tokio::test]
async fn a_complete_form_raises_the_dealers_score_and_the_weight_of_its_next_allocation() {
    let (app, first, second) = two_dealers().await;
    let mut desk = logged_in(&app, "canale@example.it").await;
    // MI-01 gets the first lead and answers at once; MI-02 lets the second expire.
    let (won, to) = push(&app, "SC-1").await;
    assert_eq!(to, first);
    let mut phone = logged_in(&app, "uno@example.it").await;
    let offer = phone.offer_on_lead_page(won).await;
    phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    let (_, to) = push(&app, "SC-2").await;
    assert_eq!(to, second);
    let_offer_expire(&app);
    // The hourly recomputation of every dealer (run here rather than waited for).
    store::recompute_all(
        &mut app.conn(),
        &ScoreRule::default(),
        dealerloop::db::now(),
    )
    .unwrap();
    let before = weight_page(&mut desk, first).await;
    let (score_before, weight_before) = (
        marker(&before, "data-score"),
        marker(&before, "data-score-weight"),
    );
    let slow = weight_page(&mut desk, second).await;
    assert!(
        marker(&slow, "data-score") < score_before,
        "the dealer who let its offer expire scores lower: {} vs {score_before}",
        marker(&slow, "data-score")
    );

    // MI-01 reports the sale with a complete form.
    phone
        .post(&format!("/dealer/leads/{won}/status"), &[("status", "won")])
        .await;
    let request = phone.newest_feedback_request().await;
    let done = submit_complete_form(&mut phone, request).await;
    assert!(
        done.has_notice("notice-feedback-submitted"),
        "{}",
        done.html
    );

    let after = weight_page(&mut desk, first).await;
    let (score_after, weight_after) = (
        marker(&after, "data-score"),
        marker(&after, "data-score-weight"),
    );
    assert!(
        score_after > score_before,
        "{score_after} after, {score_before} before"
    );
    assert!(
        weight_after > weight_before,
        "{weight_after} after, {weight_before} before"
    );
    assert!(weight_after > 1.0 && marker(&slow, "data-score-weight") < 1.0);
    // The next lead's decision used those weights and recorded the scores beside them.
    let (next, _) = push(&app, "SC-3").await;
    let (weights, scores) = newest_decision(&mut desk, next).await;
    assert!(
        weights.iter().any(|w| (w - weight_after).abs() < 0.001),
        "{weights:?} should hold MI-01's weight {weight_after}"
    );
    assert_eq!(scores.len(), 2, "both candidates' scores: {scores:?}");
    assert!(scores.iter().all(|s| !s.is_empty()));
}

#[tokio::test]
async fn a_managers_override_sets_the_weight_until_it_is_ended_and_is_audited() {
    let (app, first, _) = two_dealers().await;
    let mut desk = logged_in(&app, "canale@example.it").await;
    desk.get(&format!("/dealers/{first}/weight")).await;

    let refused = desk
        .post(
            &format!("/dealers/{first}/weight"),
            &[("weight", "40"), ("reason", ""), ("until", "2020-01-01")],
        )
        .await;
    assert_eq!(refused.status, 422);
    for field in ["weight", "reason", "until"] {
        assert!(
            crate::helpers::field_error(&refused, field).is_some(),
            "{field}: {}",
            refused.html
        );
    }
    let until = (dealerloop::db::now() + TimeDelta::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let set = desk
        .post(
            &format!("/dealers/{first}/weight"),
            &[
                ("weight", "2,5"),
                ("reason", "Nuovo concessionario: lancio"),
                ("until", until.as_str()),
            ],
        )
        .await;
    assert!(set.has_notice("notice-override-set"), "{}", set.html);
    assert_eq!(marker(&set, "data-override-weight"), 2.5);

    // The next allocation uses it, and its decision says so.
    let (lead, _) = push(&app, "OV-1").await;
    let page = desk.get(&format!("/leads/{lead}")).await;
    assert!(!page.all("data-override").is_empty(), "{}", page.html);
    assert!(
        page.all("data-weight")
            .iter()
            .any(|w| w == "2.500" || w == "2,500"),
        "{:?}",
        page.all("data-weight")
    );

    let ended = desk
        .post(&format!("/dealers/{first}/weight/end"), &[])
        .await;
    assert!(ended.has_notice("notice-override-ended"), "{}", ended.html);
    assert!(ended.has("data-override-weight", "none"));
    assert!(ended.has("data-state", "ended"));
    let (lead, _) = push(&app, "OV-2").await;
    let page = desk.get(&format!("/leads/{lead}")).await;
    assert!(page.all("data-override").is_empty(), "{}", page.html);
    let actions = app.audit_actions();
    assert!(
        actions.contains(&"weight_override_set".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"weight_override_ended".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_override_stops_at_its_expiry_without_anyone_ending_it() {
    use dealerloop::services::dealer_score::weights::Weights;
    let (app, first, _) = two_dealers().await;
    let mut desk = logged_in(&app, "canale@example.it").await;
    desk.get(&format!("/dealers/{first}/weight")).await;
    let until = (dealerloop::db::now() + TimeDelta::days(2))
        .format("%Y-%m-%d")
        .to_string();
    desk.post(
        &format!("/dealers/{first}/weight"),
        &[
            ("weight", "3"),
            ("reason", "launch"),
            ("until", until.as_str()),
        ],
    )
    .await;

    // What allocation reads now, and four days from now (a clock cannot be waited for).
    let now = dealerloop::db::now();
    let today = Weights::load(&mut app.conn(), None, now).unwrap();
    let later = Weights::load(&mut app.conn(), None, now + TimeDelta::days(4)).unwrap();

    assert_eq!(today.of(first).weight, 3.0);
    assert!(today.of(first).override_id.is_some());
    assert_eq!(
        later.of(first).weight,
        1.0,
        "back to the score's weight (unscored: 1)"
    );
    assert_eq!(later.of(first).override_id, None);
}

#[tokio::test]
async fn a_submission_excluded_by_a_manager_stops_counting_and_can_count_again() {
    let (app, first, _) = two_dealers().await;
    let mut desk = logged_in(&app, "canale@example.it").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    let (lead, _) = push(&app, "EX-1").await;
    accept_win_and_report(&mut phone, lead).await;
    // MI-02 takes the next lead, reports it lost, and then leaves its form unanswered
    // until the window closes: the recomputation runs as of three weeks later.
    let (other, to) = push(&app, "EX-2").await;
    assert_ne!(to, first);
    let mut second_phone = logged_in(&app, "due@example.it").await;
    let offer = second_phone.offer_on_lead_page(other).await;
    second_phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    second_phone
        .post(
            &format!("/dealer/leads/{other}/status"),
            &[("status", "lost")],
        )
        .await;
    store::recompute_all(
        &mut app.conn(),
        &ScoreRule::default(),
        dealerloop::db::now() + TimeDelta::days(21),
    )
    .unwrap();
    let counted = marker(&weight_page(&mut desk, first).await, "data-score");

    let review = desk.get("/feedback").await;
    let request = review
        .all("data-request")
        .into_iter()
        .next()
        .expect("the submission");
    let no_reason = desk
        .post(&format!("/feedback/{request}/exclude"), &[("reason", " ")])
        .await;
    assert_eq!(no_reason.status, 400);
    let excluded = desk
        .post(
            &format!("/feedback/{request}/exclude"),
            &[("reason", "Risposte copiate")],
        )
        .await;
    assert!(
        excluded.has_notice("notice-feedback-excluded"),
        "{}",
        excluded.html
    );
    assert!(excluded.has("data-excluded", "true"));
    let without = marker(&weight_page(&mut desk, first).await, "data-score");
    assert!(
        without < counted,
        "{without} without the form, {counted} with it"
    );

    let included = desk
        .post(&format!("/feedback/{request}/include"), &[])
        .await;
    assert!(
        included.has_notice("notice-feedback-included"),
        "{}",
        included.html
    );
    let again = marker(&weight_page(&mut desk, first).await, "data-score");
    // Counted again (now as of today rather than three weeks on: within a point).
    assert!(
        again > without && (again - counted).abs() < 1.0,
        "{again} vs {counted}"
    );
    let actions = app.audit_actions();
    assert!(
        actions.contains(&"feedback_excluded_from_score".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"feedback_included_in_score".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn dealers_cannot_reach_weights_or_exclusions() {
    let (app, first, _) = two_dealers().await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    let page = phone.get(&format!("/dealers/{first}/weight")).await;
    assert!(page.status == 403 || page.status == 404, "{}", page.status);
    let page = phone
        .post(
            &format!("/dealers/{first}/weight"),
            &[("weight", "9"), ("reason", "x"), ("until", "2030-01-01")],
        )
        .await;
    assert!(page.status == 403 || page.status == 404, "{}", page.status);
}

/// The numbers on a dealer's home score card: (score, the lever's kind).
async fn home_card(phone: &mut Browser) -> (f64, String, Page) {
    let home = phone.get("/dealer").await;
    assert_eq!(home.status, 200);
    let kind = home
        .all("data-lever")
        .into_iter()
        .next()
        .unwrap_or_default();
    (marker(&home, "data-score"), kind, home)
}

/// The score and caught-up score "what would raise it" names: (from, to), parsed from
/// the sentence "… raises your score from X to Y."
fn raise_from_to(page: &Page) -> (f64, f64) {
    let text = page
        .html
        .split("raises your score from ")
        .nth(1)
        .unwrap_or_else(|| panic!("no lever sentence on:\n{}", page.html));
    let mut numbers = text.split(['.', ' ']).filter_map(|w| w.parse::<f64>().ok());
    (numbers.next().expect("from"), numbers.next().expect("to"))
}

#[tokio::test]
async fn a_dealer_sees_its_own_score_and_what_would_raise_it_and_filling_in_delivers_it() {
    let (app, first, second) = two_dealers().await;
    let mut desk = logged_in(&app, "canale@example.it").await;
    let mut uno = logged_in(&app, "uno@example.it").await;
    let mut due = logged_in(&app, "due@example.it").await;
    // Before any scoring, nobody sees a card, and the score page says how it will start.
    let (_, kind, home) = home_card(&mut uno).await;
    assert!(kind.is_empty() && !home.contains("data-score-card"));
    let explained = uno.get("/dealer/score").await;
    assert!(
        explained.has("data-score-card", "none"),
        "{}",
        explained.html
    );

    // MI-01 accepts and wins a lead (its feedback form is now open); MI-02 lets its
    // offer expire.
    let (won, to) = push(&app, "HS-1").await;
    assert_eq!(to, first);
    let offer = uno.offer_on_lead_page(won).await;
    uno.post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    uno.post(&format!("/dealer/leads/{won}/status"), &[("status", "won")])
        .await;
    let (_, to) = push(&app, "HS-2").await;
    assert_eq!(to, second);
    let_offer_expire(&app);
    store::recompute_all(
        &mut app.conn(),
        &ScoreRule::default(),
        dealerloop::db::now(),
    )
    .unwrap();

    // Each dealer's home shows its own score, the one the manager sees for it.
    let managers_view = |page: &Page| marker(page, "data-score");
    let first_score = managers_view(&weight_page(&mut desk, first).await);
    let second_score = managers_view(&weight_page(&mut desk, second).await);
    assert!((first_score - second_score).abs() > 1.0);
    let (uno_score, uno_kind, uno_home) = home_card(&mut uno).await;
    let (due_score, _, due_home) = home_card(&mut due).await;
    assert_eq!(uno_score, first_score);
    assert_eq!(due_score, second_score);
    assert!(!due_home.contains(&format!("data-score=\"{first_score}\"")));
    assert!(uno_home.contains("data-share"));
    // MI-01's open form is what would raise its score, with the numbers.
    assert_eq!(uno_kind, "catch-up", "{}", uno_home.html);
    let (from, promised) = raise_from_to(&uno_home);
    assert_eq!(from, first_score.round());
    assert!(promised > from, "{promised} should be above {from}");
    let page = uno.get("/dealer/score").await;
    assert_eq!(page.status, 200);
    assert_eq!(marker(&page, "data-score"), first_score);
    assert_eq!(page.all("data-part").len(), 4, "{}", page.html);
    assert!(page.contains("id=\"rule\""));
    // The rule's numbers are the configured ones: floor 0.5 ×, cap 2 ×.
    assert!(
        page.contains("0.50") && page.contains("2.00"),
        "{}",
        page.html
    );
    // The other dealer's page holds its own score only.
    let theirs = due.get("/dealer/score").await;
    assert_eq!(marker(&theirs, "data-score"), second_score);
    assert!(!theirs.contains(&format!("data-score=\"{first_score}\"")));

    // Filling in the form delivers the score that was promised.
    let request = uno.newest_feedback_request().await;
    let done = submit_complete_form(&mut uno, request).await;
    assert!(
        done.has_notice("notice-feedback-submitted"),
        "{}",
        done.html
    );
    let (after, kind, _) = home_card(&mut uno).await;
    assert!(
        (after - promised).abs() < 1.0,
        "promised {promised}, delivered {after}"
    );
    assert_ne!(kind, "catch-up", "nothing is waiting any more");
}

/// Every hour every score is recomputed from the evidence kept with it, aged, after the
/// dealers whose history changed since are read again: the scores are the ones reading
/// the whole history gives.
#[tokio::test]
async fn scores_aged_from_their_kept_evidence_are_the_scores_the_history_gives() {
    use dealerloop::models::dealer_score::{DealerScoreRow, KeptEvidence};
    let (app, first, _) = two_dealers().await;
    let rule = ScoreRule::default();
    let phone_of = |dealer: i64| {
        if dealer == first {
            "uno@example.it"
        } else {
            "due@example.it"
        }
    };
    // One dealer wins a lead and reports it in full; an hour later every score is read
    // from the history.
    let (won, to) = push(&app, "KE-1").await;
    accept_win_and_report(&mut logged_in(&app, phone_of(to)).await, won).await;
    let read_at = dealerloop::db::now() + TimeDelta::hours(1);
    store::recompute_full(&mut app.conn(), &rule, read_at).unwrap();
    // An hour after that pass, a dealer answers an offer: its history changed.
    let (lead, to) = push(&app, "KE-3").await;
    let offer = logged_in(&app, phone_of(to))
        .await
        .offer_on_lead_page(lead)
        .await;
    dealerloop::services::offers::accept_at(
        &mut app.conn(),
        to,
        offer,
        &dealerloop::services::audit::Actor::anonymous("127.0.0.1"),
        read_at + TimeDelta::hours(1),
    )
    .unwrap();

    // Two hours later, the hourly recomputation.
    let later = read_at + TimeDelta::hours(3);
    store::recompute_all(&mut app.conn(), &rule, later).unwrap();
    let aged = DealerScoreRow::all(&mut app.conn()).unwrap();
    let kept = KeptEvidence::all(&mut app.conn()).unwrap();
    let answered = kept.iter().find(|r| r.dealer_id == to).unwrap();
    assert!(
        answered.gathered_at.get() > read_at,
        "the dealer who answered is read again"
    );
    let untouched = kept.iter().find(|r| r.dealer_id != to).unwrap();
    assert_eq!(untouched.gathered_at.get(), read_at, "the other is aged");

    store::recompute_full(&mut app.conn(), &rule, later).unwrap();
    let read = DealerScoreRow::all(&mut app.conn()).unwrap();
    assert_eq!(aged.len(), read.len());
    for (a, r) in aged.iter().zip(&read) {
        for (what, x, y) in [
            ("score", a.score, r.score),
            ("weight", a.weight, r.weight),
            ("completeness", a.completeness, r.completeness),
            ("timeliness", a.timeliness, r.timeliness),
            ("responsiveness", a.responsiveness, r.responsiveness),
            (
                "outcome reporting",
                a.outcome_reporting,
                r.outcome_reporting,
            ),
            (
                "evidence",
                a.evidence_responsiveness,
                r.evidence_responsiveness,
            ),
            ("caught-up score", a.caught_up_score, r.caught_up_score),
        ] {
            assert!(
                (x - y).abs() < 1e-9,
                "dealer {}: {what} aged {x}, read {y}",
                a.dealer_id
            );
        }
        assert_eq!(
            (a.open_forms, a.unreported_outcomes, a.offers_30d),
            (r.open_forms, r.unreported_outcomes, r.offers_30d)
        );
    }
}
