//! Money in the attribution reports: revenue in another currency converted at its close
//! month's rate, or left out and said so; exchange rates an admin enters; campaign spend
//! imported from a CSV file with every refused row named.

use crate::attribution::{PERIOD, logged_in, portal, push_lead, revenue_by, win, win_in};
use crate::helpers::{Browser, PASSWORD};

/// The report's CSV under the linear model.
async fn report_csv(desk: &Browser) -> String {
    desk.client
        .get(desk.url(&format!("/attribution.csv?model=linear&{PERIOD}")))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn revenue_in_another_currency_is_left_out_until_an_admin_enters_its_rate_then_converted() {
    let app = portal().await;
    let (euro_lead, franc_lead) = (
        push_lead(&app, "CUR-1").await,
        push_lead(&app, "CUR-2").await,
    );
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, euro_lead, "1000").await;
    // Closed on 10 November 2026, in Swiss francs.
    win_in(&mut phone, franc_lead, "940", "CHF").await;
    let mut desk = logged_in(&app, "canale@example.it").await;

    // No rate yet: only the euro sale is in the figures, and the page says what is not.
    let (rows, total, page) = revenue_by(&mut desk, &format!("model=linear&{PERIOD}")).await;
    assert_eq!(total, 100_000, "{}", page.html);
    assert_eq!(rows.iter().map(|(_, c)| c).sum::<i64>(), total);
    assert!(page.has("data-currency-note", "left-out"), "{}", page.html);
    assert!(!page.has("data-currency-note", "converted"));
    assert!(page.contains("940 CHF in 2026-11"), "{}", page.html);
    let csv = report_csv(&desk).await;
    let left_out = csv
        .lines()
        .find(|l| l.starts_with("(left out: no exchange rate)"))
        .expect(&csv);
    assert!(left_out.contains("940.00 CHF in 2026-11"), "{left_out}");

    // Rates are an admin's: a channel manager cannot enter one.
    let refused = desk
        .post(
            "/admin/exchange-rates",
            &[("month", "2026-11"), ("currency", "CHF"), ("rate", "0.94")],
        )
        .await;
    assert!(
        refused.status == 403 || refused.status == 404,
        "{}",
        refused.status
    );

    let (admin_email, _) = app.admin();
    let mut admin = app.browser_with_language("en");
    admin.login(&admin_email, PASSWORD).await;
    let rates = admin.get("/admin/exchange-rates").await;
    assert_eq!(rates.status, 200);
    assert!(rates.has("data-missing", "2026-11/CHF"), "{}", rates.html);

    // Mistakes are named field by field, and nothing is stored.
    let wrong = admin
        .post(
            "/admin/exchange-rates",
            &[("month", "2026-13"), ("currency", "EUR"), ("rate", "0,9.4")],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.html);
    for key in [
        "rates-error-month",
        "rates-error-currency-base",
        "rates-error-rate-format",
    ] {
        assert!(wrong.has("data-error", key), "{key}: {}", wrong.html);
    }
    assert!(!wrong.has("data-rate", "2026-11/CHF"));

    // 1 EUR = 0,94 CHF in November (typed the Italian way): 940 CHF is 1,000 EUR.
    let saved = admin
        .post(
            "/admin/exchange-rates",
            &[("month", "2026-11"), ("currency", "CHF"), ("rate", "0,94")],
        )
        .await;
    assert!(saved.has_notice("notice-rate-saved"), "{}", saved.html);
    assert!(saved.has("data-rate", "2026-11/CHF"), "{}", saved.html);
    assert!(!saved.has("data-missing", "2026-11/CHF"));
    assert!(
        app.audit_actions()
            .contains(&"exchange_rate_set".to_owned())
    );

    let (rows, total, page) = revenue_by(&mut desk, &format!("model=linear&{PERIOD}")).await;
    assert_eq!(total, 200_000, "{}", page.html);
    assert_eq!(
        rows.iter().map(|(_, c)| c).sum::<i64>(),
        total,
        "the converted credits still sum exactly"
    );
    assert!(page.has("data-currency-note", "converted"), "{}", page.html);
    assert!(!page.has("data-currency-note", "left-out"), "{}", page.html);
    assert!(
        !report_csv(&desk)
            .await
            .contains("(left out: no exchange rate)")
    );

    // A rate removed leaves the sale out again.
    let removed = admin
        .post(
            "/admin/exchange-rates/remove",
            &[("month", "2026-11"), ("currency", "CHF")],
        )
        .await;
    assert!(
        removed.has_notice("notice-rate-removed"),
        "{}",
        removed.html
    );
    let (_, total, _) = revenue_by(&mut desk, &format!("model=linear&{PERIOD}")).await;
    assert_eq!(total, 100_000);
}

#[tokio::test]
async fn spend_comes_in_from_a_csv_file_and_every_refused_row_is_named() {
    let app = portal().await;
    let lead = push_lead(&app, "SPEND-1").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "3000").await;
    let mut desk = logged_in(&app, "canale@example.it").await;
    desk.post(
        "/campaigns",
        &[
            ("code", "autumn-26"),
            ("channel", "email"),
            ("name", "Autumn mailing"),
        ],
    )
    .await;

    // Finance's export: a semicolon file with a byte-order mark, a good row, a row in
    // dollars, and four mistakes.
    let file = "\u{feff}campaign;month;amount;currency\r\n\
                autumn-26;2026-09;500.00;\r\n\
                autumn-26;2026-10;300;USD\r\n\
                spring-27;2026-09;100;\r\n\
                autumn-26;2026-13;100;\r\n\
                autumn-26;2026-08;-5;\r\n\
                autumn-26;2026-09;600;\r\n";
    let done = desk
        .upload(
            "/campaigns",
            "/campaigns/spend/import",
            "spend.csv",
            file.as_bytes(),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert_eq!(done.text_of("count-rows"), "6", "{}", done.html);
    assert_eq!(done.text_of("count-created"), "2");
    assert_eq!(done.text_of("count-refused"), "4");
    for (line, column, key) in [
        ("4", "campaign", "spend-error-campaign-unknown"),
        ("5", "month", "rates-error-month"),
        ("6", "amount", "spend-error-amount"),
        ("7", "month", "spend-error-repeated"),
    ] {
        assert!(
            done.html.contains(&format!(
                "data-line=\"{line}\" data-column=\"{column}\" data-error=\"{key}\""
            )),
            "line {line}: {}",
            done.html
        );
    }
    assert!(done.contains("set it up on the campaigns page first"));

    // The same file again changes nothing.
    let again = desk
        .upload(
            "/campaigns",
            "/campaigns/spend/import",
            "spend.csv",
            file.as_bytes(),
        )
        .await;
    assert_eq!(again.text_of("count-created"), "0", "{}", again.html);
    assert_eq!(again.text_of("count-unchanged"), "2");
    let audited = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "campaign_spend_imported")
        .count();
    assert_eq!(audited, 2);

    // The euro spend counts (ROI 500 % on the email's 3,000 €); the dollars, without a
    // rate, are left out and the report says so.
    let page = desk
        .get(&format!("/attribution?model=last_non_direct&{PERIOD}"))
        .await;
    assert!(page.contains("500.0 %"), "{}", page.html);
    assert!(page.has("data-currency-note", "left-out"), "{}", page.html);
    assert!(page.contains("300 USD in 2026-10"), "{}", page.html);

    // A file that is not the format is refused whole, with the columns it needs.
    let wrong = desk
        .upload(
            "/campaigns",
            "/campaigns/spend/import",
            "wrong.csv",
            b"code,amount\nautumn-26,5\n",
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.html);
    assert!(wrong.has("id", "spend-import-error"), "{}", wrong.html);
    assert!(wrong.contains("campaign,month,amount,currency"));
}

/// Every journey row as stored, in lead order.
fn journey_rows(app: &crate::helpers::TestApp) -> Vec<dealerloop::models::journey::JourneyRow> {
    dealerloop::models::journey::JourneyRow::all(&mut app.conn()).expect("journey rows")
}

#[tokio::test]
async fn every_journey_row_stays_what_the_tables_it_summarises_say() {
    let app = portal().await;
    let (won, unreached, open) = (
        push_lead(&app, "JRN-1").await,
        push_lead(&app, "JRN-2").await,
        push_lead(&app, "JRN-3").await,
    );
    let mut phone = logged_in(&app, "uno@example.it").await;
    // A touchpoint added after handover, a dealer's visit, a won sale in francs.
    let (status, _) = crate::attribution::post_touchpoints(
        &app,
        "JRN-1",
        &serde_json::json!({
            "touchpoint_id": "web-1",
            "occurred_at": "2026-10-20T15:00:00.250Z",
            "channel": "webinar; live",
        }),
    )
    .await;
    assert_eq!(status, 201);
    win_in(&mut phone, won, "940", "CHF").await;
    phone
        .post(
            &format!("/dealer/leads/{won}/touches"),
            &[("kind", "visit")],
        )
        .await;
    // The second lead accepted, then "never reached"; the third only offered.
    let offer = phone.offer_on_lead_page(unreached).await;
    phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    crate::attribution::report_unreached(&mut phone, unreached).await;

    let kept = journey_rows(&app);
    assert_eq!(kept.len(), 3, "one row per lead");
    let by_lead = |id: i64| kept.iter().find(|r| r.lead_id == id).expect("a row");
    let w = by_lead(won);
    assert_eq!(w.outcome.map(|o| o.as_str()), Some("won"));
    assert_eq!(w.revenue_cents, Some(94_000));
    assert!(w.converted_us.is_some() && w.accepted_us.is_some());
    let path = dealerloop::services::attribution::journeys::decode(&w.path).expect("a path");
    assert_eq!(
        path.len(),
        5,
        "three at intake, one added, the dealer's visit"
    );
    assert!(path.iter().any(|t| t.channel == "webinar; live"));
    assert!(by_lead(unreached).unreached);
    assert!(by_lead(open).accepted_us.is_none());

    // Each row is what the tables say now, read in Rust…
    let mut conn = app.conn();
    for row in &kept {
        let lead = dealerloop::models::lead::LeadRow::find(&mut conn, row.lead_id).unwrap();
        let now = dealerloop::services::attribution::journeys::current(&mut conn, &lead).unwrap();
        assert_eq!(&now, row);
    }
    // …and by the statement that fills the table from scratch (the migration's).
    dealerloop::models::journey::JourneyRow::rebuild_all(&mut conn).unwrap();
    drop(conn);
    assert_eq!(journey_rows(&app), kept);
}
