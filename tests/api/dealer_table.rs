//! The channel manager's views of the dealer score: the dealer table (sorted, paged,
//! filtered, exported as CSV), a dealer's page with its score history as a chart and as a
//! table, and the network page's funnel. Dealer users see none of them.
//!
//! Scores are stored through the scoring service's own recomputation
//! (`store::store_network`) from evidence written here, and the table's figures through
//! `stats::refresh_all` — the two runs the portal makes on its ticks, called directly.

use chrono::{TimeDelta, Utc};
use dealerloop::services::audit::Actor;
use dealerloop::services::dealer_score::gather::{Answers, DealerEvidence, NetworkEvidence};
use dealerloop::services::dealer_score::{Evidence, Observation, ScoreRule, store};
use dealerloop::services::dealers::{self, DealerForm, stats};

use crate::helpers::{Browser, LeadBody, PASSWORD, TestApp, spawn_app};

/// Creates a dealer in `region` selling `line`, named `name`.
fn dealer_in(app: &TestApp, code: &str, name: &str, region: &str, line: &str) -> i64 {
    let form = DealerForm {
        code: code.into(),
        name: name.into(),
        contact_email: format!("{}@dealers.example.it", code.to_lowercase()),
        capacity: "25".into(),
        postcodes: String::new(),
        regions: format!("IT {region}"),
        product_lines: line.into(),
        active: Some("on".into()),
    };
    dealers::save(&mut app.conn(), &Actor::cli(), None, &form).expect("valid dealer saved")
}

/// Evidence of `forms` feedback forms of completeness `completeness`, and answers with
/// `unreached` of them marked "never reached".
fn forms(completeness: f64, forms: u32, unreached: u32) -> DealerEvidence {
    let observations: Vec<Observation> = (0..forms)
        .map(|_| Observation::Feedback {
            completeness,
            age_days: 1.0,
        })
        .collect();
    DealerEvidence {
        evidence: Evidence::of(&observations, &ScoreRule::default()),
        answers: Answers {
            submissions: forms,
            unreached,
            ..Answers::default()
        },
        ..DealerEvidence::default()
    }
}

/// Recomputes every score from `evidence`, then the table's figures.
fn score_and_refresh(app: &TestApp, evidence: &NetworkEvidence) {
    let now = dealerloop::db::now();
    store::store_network(&mut app.conn(), evidence, &ScoreRule::default(), now).unwrap();
    stats::refresh_all(&mut app.conn(), now).unwrap();
}

async fn manager(app: &TestApp) -> Browser {
    app.create_user("canale@example.it", "manager", None);
    let mut browser = app.browser_with_language("en");
    browser.login("canale@example.it", PASSWORD).await;
    browser
}

/// The dealer ids of the table's rows, in order.
fn rows(page: &crate::helpers::Page) -> Vec<i64> {
    page.all("data-dealer-row")
        .iter()
        .map(|id| id.parse().unwrap())
        .collect()
}

/// The address the "next page" link of `page` points to.
fn next_page_link(page: &crate::helpers::Page) -> String {
    let rest = page
        .html
        .split("id=\"page-next\" href=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("a next page link on:\n{}", page.html));
    rest.split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_best_scored_dealer_comes_first_and_the_second_page_holds_the_rest() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 0..52 {
        ids.push(app.create_dealer(&format!("MI-{n:02}")));
    }
    let best = ids[17];
    let mut evidence = NetworkEvidence::default();
    for &id in &ids {
        evidence.insert(id, forms(0.3, 10, 0));
    }
    evidence.insert(best, forms(1.0, 30, 0));
    score_and_refresh(&app, &evidence);
    let mut desk = manager(&app).await;

    let first = desk.get("/dealers?sort=score").await;
    let second = desk.get(&next_page_link(&first)).await;

    assert_eq!(first.status, 200);
    assert_eq!(first.count("dealers-count"), 52);
    let (first_rows, second_rows) = (rows(&first), rows(&second));
    assert_eq!(first_rows.len(), 50);
    assert_eq!(first_rows[0], best, "the best score first");
    assert_eq!(second_rows.len(), 2);
    let mut all: Vec<i64> = first_rows.iter().chain(&second_rows).copied().collect();
    all.sort_unstable();
    assert_eq!(all, ids, "every dealer once, on one page or the other");
    let ascending = rows(&desk.get("/dealers?sort=score&dir=asc&page=2").await);
    assert_eq!(
        ascending.last(),
        Some(&best),
        "the other way round it comes last"
    );
}

#[tokio::test]
async fn the_table_narrows_to_a_region_a_score_band_and_a_flag() {
    let app = spawn_app().await;
    let milan = dealer_in(&app, "MI-01", "Officina Milano", "Lombardia", "lathes");
    let bologna = dealer_in(
        &app,
        "BO-01",
        "Officina Bologna",
        "Emilia-Romagna",
        "presses",
    );
    let turin = dealer_in(&app, "TO-01", "Officina Torino", "Piemonte", "lathes");
    let mut evidence = NetworkEvidence::default();
    evidence.insert(milan, forms(1.0, 40, 0));
    evidence.insert(bologna, forms(0.0, 40, 36));
    evidence.insert(turin, forms(0.5, 40, 0));
    score_and_refresh(&app, &evidence);
    let mut desk = manager(&app).await;

    let everyone = desk.get("/dealers").await;
    let emilia = desk.get("/dealers?region=emilia-romagna").await;
    let presses = desk.get("/dealers?line=presses").await;
    let anomalies = desk.get("/dealers?flag=anomaly").await;
    // Milan's band (20 points wide), and who else the table shows in it.
    let scores: Vec<(i64, f64)> = rows(&everyone)
        .into_iter()
        .zip(everyone.all("data-score"))
        .map(|(id, s)| (id, s.parse::<f64>().unwrap()))
        .collect();
    let band = |score: f64| ((score / 20.0).floor() * 20.0).min(80.0);
    let milan_band = band(scores.iter().find(|(id, _)| *id == milan).unwrap().1);
    let mut in_band: Vec<i64> = scores
        .iter()
        .filter(|(_, s)| band(*s) == milan_band)
        .map(|(id, _)| *id)
        .collect();
    in_band.sort_unstable();
    let mut banded = rows(&desk.get(&format!("/dealers?band={milan_band}")).await);
    banded.sort_unstable();

    assert_eq!(rows(&emilia), [bologna]);
    assert_eq!(rows(&presses), [bologna]);
    assert_eq!(banded, in_band);
    assert!(
        !banded.contains(&bologna),
        "the worst score is in a lower band"
    );
    assert_eq!(rows(&anomalies), [bologna]);
    assert!(anomalies.has("data-flag", "unreached"));
    assert_eq!(scores.len(), 3);
    assert!(
        everyone.has("id", "figures-computed") && everyone.has("data-computed", "yes"),
        "the page says when the figures were computed"
    );
}

#[tokio::test]
async fn a_weight_set_by_hand_shows_as_a_flag_in_the_table_at_once() {
    let app = spawn_app().await;
    let dealer = app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    stats::refresh_all(&mut app.conn(), dealerloop::db::now()).unwrap();
    let mut desk = manager(&app).await;
    let until = (Utc::now() + TimeDelta::days(10))
        .format("%Y-%m-%d")
        .to_string();
    desk.get(&format!("/dealers/{dealer}/weight")).await;
    // The same table seen before: it is not shown again once the weight is set.
    let before = desk.get("/dealers?flag=override").await;

    let set = desk
        .post(
            &format!("/dealers/{dealer}/weight"),
            &[
                ("weight", "1.5"),
                ("reason", "Product launch"),
                ("until", &until),
            ],
        )
        .await;
    let flagged = desk.get("/dealers?flag=override").await;
    desk.post(&format!("/dealers/{dealer}/weight/end"), &[])
        .await;
    let after_end = desk.get("/dealers?flag=override").await;

    assert!(rows(&before).is_empty());
    assert!(set.has_notice("notice-override-set"), "{}", set.html);
    assert_eq!(rows(&flagged), [dealer]);
    assert!(flagged.has("data-flag", "override"));
    assert!(rows(&after_end).is_empty());
}

#[tokio::test]
async fn the_csv_export_holds_every_matching_dealer_with_formulas_defused() {
    let app = spawn_app().await;
    let sly = dealer_in(
        &app,
        "EV-01",
        "=HYPERLINK(\"http://x\")",
        "Lombardia",
        "lathes",
    );
    dealer_in(&app, "OK-01", "Officina Onesta", "Lombardia", "lathes");
    let mut evidence = NetworkEvidence::default();
    evidence.insert(sly, forms(0.9, 10, 0));
    score_and_refresh(&app, &evidence);
    let mut desk = manager(&app).await;

    let csv = desk.get("/dealers.csv?sort=name").await;

    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.html.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two dealers:\n{}", csv.html);
    assert!(lines[0].starts_with("code,name,"));
    assert!(
        csv.html.contains("EV-01,\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{}",
        csv.html
    );
    assert!(!csv.html.contains(",=HYPERLINK"));
    assert!(csv.html.contains("OK-01,Officina Onesta,"));
}

#[tokio::test]
async fn a_dealers_page_charts_its_score_history_with_a_table_of_the_same_points() {
    let app = spawn_app().await;
    let dealer = app.create_dealer("MI-01");
    let mut evidence = NetworkEvidence::default();
    evidence.insert(dealer, forms(0.8, 12, 0));
    score_and_refresh(&app, &evidence);
    let mut desk = manager(&app).await;

    let page = desk.get(&format!("/dealers/{dealer}")).await;

    assert_eq!(page.status, 200);
    let score = page.all("data-score");
    assert_eq!(score.len(), 1, "the score card shows the score");
    assert!(page.contains("<svg class=\"chart\""), "a chart is drawn");
    assert!(page.has("id", "history-table"), "with a table beside it");
    assert_eq!(
        page.all("data-history-score"),
        score,
        "the table holds the history point"
    );
    assert!(page.has("id", "recent-leads") && page.has("id", "recent-feedback"));

    // The charts are kept rendered; a new point of the history shows all the same.
    evidence.insert(dealer, forms(0.2, 12, 0));
    score_and_refresh(&app, &evidence);
    let again = desk.get(&format!("/dealers/{dealer}")).await;
    let points = again.all("data-history-score");
    assert_eq!(points.len(), 2, "{points:?}");
    assert_eq!(
        points[1..],
        again.all("data-score")[..],
        "the newest point is the score"
    );
}

#[tokio::test]
async fn a_dealers_page_shows_each_new_offer_and_answer_as_soon_as_it_happens() {
    let app = crate::attribution::portal().await;
    let milan: i64 = {
        use dealerloop::schema::dealers::dsl::*;
        use diesel::prelude::*;
        dealers
            .filter(code.eq("MI-01"))
            .select(id)
            .first(&mut app.conn())
            .unwrap()
    };
    let mut desk = crate::attribution::logged_in(&app, "canale@example.it").await;
    let empty = desk.get(&format!("/dealers/{milan}")).await;
    assert!(empty.all("data-offer-status").is_empty(), "{}", empty.html);
    // Seen again with nothing changed: the same page.
    assert_eq!(
        desk.get(&format!("/dealers/{milan}")).await.html,
        empty.html
    );

    let lead = crate::attribution::push_lead(&app, "PAGE-1").await;
    let offered = desk.get(&format!("/dealers/{milan}")).await;
    assert_eq!(
        offered.all("data-offer-status"),
        ["open"],
        "{}",
        offered.html
    );

    let mut phone = crate::attribution::logged_in(&app, "uno@example.it").await;
    let offer = phone.offer_on_lead_page(lead).await;
    phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    let accepted = desk.get(&format!("/dealers/{milan}")).await;
    assert_eq!(accepted.all("data-offer-status"), ["accepted"]);

    // A manager's weight for the dealer shows on its page at once.
    let until = (Utc::now() + TimeDelta::days(20))
        .format("%Y-%m-%d")
        .to_string();
    desk.get(&format!("/dealers/{milan}/weight")).await;
    let set = desk
        .post(
            &format!("/dealers/{milan}/weight"),
            &[
                ("weight", "1,5"),
                ("reason", "Lancio"),
                ("until", until.as_str()),
            ],
        )
        .await;
    assert!(set.has_notice("notice-override-set"), "{}", set.html);
    let weighted = desk.get(&format!("/dealers/{milan}")).await;
    assert!(weighted.has("data-flag", "override"), "{}", weighted.html);
    // Another dealer's page is its own.
    let dealer = app.create_dealer("TO-01");
    let other = desk.get(&format!("/dealers/{dealer}")).await;
    assert!(other.all("data-offer-status").is_empty());
}

#[tokio::test]
async fn the_network_funnel_counts_the_leads_at_each_stage() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    let token = app.api_token();
    let received = (Utc::now() - TimeDelta::hours(2)).to_rfc3339();
    let mut leads = Vec::new();
    for n in 0..3 {
        let body = app
            .push_lead(
                &token,
                &LeadBody::new(&format!("F-{n}")).received_at(&received),
            )
            .await;
        leads.push(body["id"].as_i64().unwrap());
    }
    // Nobody covers Sicily: received, never offered.
    app.push_lead(
        &token,
        &LeadBody::new("F-SICILY")
            .received_at(&received)
            .postcode("90121"),
    )
    .await;
    let mut phone = app.browser_with_language("en");
    phone.login("uno@example.it", PASSWORD).await;
    for &lead in &leads[..2] {
        let offer = phone.offer_on_lead_page(lead).await;
        phone
            .post(&format!("/dealer/offers/{offer}/accept"), &[])
            .await;
    }
    phone
        .post(
            &format!("/dealer/leads/{}/status", leads[0]),
            &[("status", "won")],
        )
        .await;
    stats::refresh_all(&mut app.conn(), dealerloop::db::now()).unwrap();
    let mut desk = manager(&app).await;

    let network = desk.get("/network?period=30").await;

    assert_eq!(network.status, 200);
    let stage = |name: &str| -> i64 {
        let marker = format!("data-stage=\"{name}\" data-leads=\"");
        let rest = network
            .html
            .split(&marker)
            .nth(1)
            .unwrap_or_else(|| panic!("{name} on {}", network.html));
        rest.split('"').next().unwrap().parse().unwrap()
    };
    assert_eq!(stage("received"), 4);
    assert_eq!(stage("offered"), 3);
    assert_eq!(stage("accepted"), 2);
    assert_eq!(stage("contacted"), 1, "a won lead was contacted");
    assert_eq!(stage("quote_sent"), 1);
    assert_eq!(stage("won"), 1);
}

#[tokio::test]
async fn a_dealer_user_is_refused_the_managers_views() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    let mut phone = app.browser();
    phone.login("uno@example.it", PASSWORD).await;

    for path in ["/dealers", "/dealers.csv", "/network", "/manager"] {
        let page = phone.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(!page.contains("data-dealer-row"), "{path}");
    }
}
