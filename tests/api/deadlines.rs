//! Offer deadlines: the reminder at 75 %, expiry to the next dealer, the unallocated queue
//! after the last offer, and races (two workers, an answer at the deadline).

use chrono::TimeDelta;
use dealerloop::services::allocation::OfferPolicy;
use dealerloop::services::audit::Actor;
use dealerloop::services::deadlines::process_due;
use dealerloop::services::offers::{self, Answer};
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::{LeadBody, TestApp, spawn_app};

async fn push_lead(app: &TestApp, token: &str, external_id: &str) -> Value {
    app.push_lead(
        token,
        &LeadBody::new(external_id)
            .name("Paolo Verdi")
            .email("paolo@verdi.it"),
    )
    .await
}

/// Every offer of every lead, oldest first. Read from storage: the race tests below are
/// about each offer row being handled exactly once across all leads.
fn offer_statuses(app: &TestApp) -> Vec<(i64, String)> {
    use dealerloop::schema::offers::dsl::*;
    offers
        .order(id)
        .select((dealer_id, status))
        .load(&mut *app.conn())
        .unwrap()
}

fn policy(app: &TestApp) -> OfferPolicy {
    OfferPolicy {
        base_url: app.address.clone(),
        ..OfferPolicy::default()
    }
}

fn now() -> chrono::NaiveDateTime {
    dealerloop::db::now()
}

#[tokio::test]
async fn a_reminder_goes_once_at_three_quarters_of_the_time_to_answer() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    push_lead(&app, &app.api_token(), "D-1").await;
    let first_mail = app.emails_to("uno@example.it").await;
    assert_eq!(first_mail.len(), 1, "the offer email");
    assert!(first_mail[0].subject.contains("Nuovo lead: lathes"));

    let early = process_due(&mut app.conn(), &policy(&app), now() + TimeDelta::hours(30)).unwrap();
    let due = process_due(&mut app.conn(), &policy(&app), now() + TimeDelta::hours(37)).unwrap();
    let again = process_due(&mut app.conn(), &policy(&app), now() + TimeDelta::hours(38)).unwrap();

    assert_eq!((early.reminded, due.reminded, again.reminded), (0, 1, 0));
    let mails = app.emails_to("uno@example.it").await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].subject.starts_with("Promemoria"),
        "{}",
        mails[1].subject
    );
    assert!(mails[1].text.contains("/dealer/leads/"));
}

#[tokio::test]
async fn at_the_deadline_the_offer_expires_and_the_lead_goes_to_the_next_dealer() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    let token = app.api_token();
    let body = push_lead(&app, &token, "D-2").await;
    let first = body["dealer"]["id"].as_i64().unwrap();

    let run = process_due(&mut app.conn(), &policy(&app), now() + TimeDelta::hours(49)).unwrap();

    assert_eq!(run.expired, 1);
    let statuses = app.assignments(&token, "D-2").await;
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0], (first, "expired".to_owned()));
    assert_ne!(
        statuses[1].0, first,
        "never back to the dealer who let it expire"
    );
    assert_eq!(statuses[1].1, "open");
}

#[tokio::test]
async fn after_the_last_allowed_offer_the_lead_waits_in_the_unallocated_queue() {
    let app = spawn_app().await;
    for code in ["MI-01", "MI-02", "MI-03"] {
        app.create_dealer(code);
    }
    let token = app.api_token();
    push_lead(&app, &token, "D-3").await;
    let strict = OfferPolicy {
        max_offers: 2,
        ..policy(&app)
    };

    process_due(&mut app.conn(), &strict, now() + TimeDelta::hours(49)).unwrap();
    process_due(&mut app.conn(), &strict, now() + TimeDelta::hours(98)).unwrap();

    let lead = app.lead_via_api(&token, "D-3").await;
    assert_eq!(lead["status"], "unallocated", "{lead}");
    assert_eq!(lead["unallocated_reason"], "max_offers_reached");
    assert_eq!(
        app.assignments(&token, "D-3")
            .await
            .iter()
            .filter(|(_, s)| s == "expired")
            .count(),
        2
    );
}

#[tokio::test]
async fn two_workers_racing_on_expiries_handle_each_offer_exactly_once() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.sql("UPDATE dealers SET capacity = 1000");
    let token = app.api_token();
    for i in 0..30 {
        push_lead(&app, &token, &format!("R-{i}")).await;
    }
    // Two workers at once, each on its own connection (on PostgreSQL they really overlap;
    // SQLite's single writer takes them in turn).
    let later = now() + TimeDelta::hours(49);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (db, policy) = (app.db.clone(), policy(&app));
            tokio::spawn(async move {
                db.write(move |conn| process_due(conn, &policy, later))
                    .await
                    .unwrap()
                    .expired
            })
        })
        .collect();
    let mut expired = 0;
    for worker in workers {
        expired += worker.await.unwrap();
    }

    assert_eq!(
        expired, 30,
        "each of the 30 offers expired once, by one worker"
    );
    let statuses = offer_statuses(&app);
    assert_eq!(statuses.iter().filter(|(_, s)| s == "expired").count(), 30);
    assert_eq!(
        statuses.iter().filter(|(_, s)| s == "open").count(),
        30,
        "each lead offered once more"
    );
}

#[tokio::test]
async fn accepting_as_the_deadline_passes_has_exactly_one_winner() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    let token = app.api_token();
    let body = push_lead(&app, &token, "D-5").await;
    let dealer = body["dealer"]["id"].as_i64().unwrap();
    // The race is between the service call and the worker, below the pages: the offer id
    // comes from storage.
    let offer_id: i64 = {
        use dealerloop::schema::offers::dsl::*;
        offers.select(id).first(&mut *app.conn()).unwrap()
    };
    // The deadline is this very moment.
    app.sql(&format!(
        "UPDATE offers SET deadline_at = '{}'",
        (now() + TimeDelta::milliseconds(300)).format("%Y-%m-%d %H:%M:%S%.6f")
    ));
    let (db1, db2, p) = (app.db.clone(), app.db.clone(), policy(&app));
    let answer = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        db1.write(move |conn| offers::accept(conn, dealer, offer_id, &Actor::system()))
            .await
            .unwrap()
    });
    let worker = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        db2.write(move |conn| process_due(conn, &p, now()))
            .await
            .unwrap()
            .expired
    });
    let (answer, expired) = (answer.await.unwrap(), worker.await.unwrap());
    let statuses = app.assignments(&token, "D-5").await;
    let first = statuses[0].1.clone();
    match answer.0 {
        Answer::Done => {
            assert_eq!(first, "accepted");
            assert_eq!(expired, 0);
            assert_eq!(statuses.len(), 1, "no second offer");
        }
        Answer::TooLate => {
            assert_eq!(first, "expired");
            assert_eq!(statuses.len(), 2, "offered to the next dealer");
        }
    }
}
