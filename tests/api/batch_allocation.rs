//! A large intake batch is offered from an in-memory snapshot of the network (one read
//! per batch instead of queries per lead): it must make exactly the choices, and store
//! exactly the decisions, that offering the same leads one by one makes.

use dealerloop::services::allocation::replay::replay;
use dealerloop::services::intake::SNAPSHOT_FROM;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Five dealers whose territories, product lines and capacities overlap unevenly; one is
/// inactive and one fills up during the batch.
fn network(app: &TestApp) {
    for code in ["MI-01", "MI-02", "BG-01", "LO-01", "OFF-01"] {
        app.create_dealer(code);
    }
    app.sql("UPDATE dealers SET capacity = 10");
    app.sql("UPDATE dealers SET capacity = 3 WHERE code = 'MI-02'");
    app.sql("UPDATE dealers SET active = false WHERE code = 'OFF-01'");
    app.sql(
        "DELETE FROM dealer_territories WHERE dealer_id IN \
         (SELECT id FROM dealers WHERE code IN ('BG-01', 'LO-01'))",
    );
    app.sql(
        "INSERT INTO dealer_territories (dealer_id, country, postcode_prefix, region) \
         SELECT id, 'IT', '24', NULL FROM dealers WHERE code = 'BG-01'",
    );
    app.sql(
        "INSERT INTO dealer_territories (dealer_id, country, postcode_prefix, region) \
         SELECT id, 'IT', '201', NULL FROM dealers WHERE code = 'BG-01'",
    );
    app.sql(
        "INSERT INTO dealer_territories (dealer_id, country, postcode_prefix, region) \
         SELECT id, 'IT', NULL, 'Lombardia' FROM dealers WHERE code = 'LO-01'",
    );
    app.sql(
        "INSERT INTO dealer_product_lines (dealer_id, product_line) \
         SELECT id, 'grinding' FROM dealers WHERE code = 'LO-01'",
    );
}

/// 150 leads: covered by one to four dealers, by postcode or region, some in no
/// territory, some for a product line nobody handles, some without consent, and a
/// re-send of an earlier lead.
fn leads() -> Vec<Value> {
    let mut leads: Vec<Value> = (0..150)
        .map(|i| {
            let postcode = ["20121", "24121", "20100", "90121", "24100"][i % 5];
            let line = ["lathes", "milling", "grinding", "saws"][i % 4];
            json!({
                "external_id": format!("SNAP-{i}"),
                "received_at": "2026-11-20T09:30:00Z",
                "contact": { "name": format!("Cliente {i}"), "email": "c@example.it" },
                "location": {
                    "country": "IT",
                    "postcode": postcode,
                    "region": if i % 7 == 0 { Value::Null } else { json!("Lombardia") }
                },
                "product_line": line,
                "consent": { "share_with_dealers": i % 11 != 0 },
                "touchpoints": [{ "occurred_at": "2026-11-01T10:00:00Z", "channel": "paid_search" }]
            })
        })
        .collect();
    leads.push(leads[3].clone());
    leads
}

/// What allocation left behind, in a form both databases can be compared by.
fn allocation_record(app: &TestApp) -> (Vec<String>, Vec<String>, Vec<String>) {
    use dealerloop::schema::{allocation_decisions as d, dealer_allocation_state as s, leads as l};
    use diesel::prelude::*;
    let mut conn = app.conn();
    let leads: Vec<(String, String, Option<i64>, Option<String>)> = l::table
        .select((
            l::external_id,
            l::status,
            l::dealer_id,
            l::unallocated_reason,
        ))
        .order(l::external_id)
        .load(&mut conn)
        .unwrap();
    let decisions: Vec<(String, Option<i64>, String, String)> = d::table
        .inner_join(l::table)
        .select((
            l::external_id,
            d::chosen_dealer_id,
            d::reason,
            d::candidates,
        ))
        .order(d::id)
        .load(&mut conn)
        .unwrap();
    let states: Vec<(i64, i64, i64)> = s::table
        .select((s::dealer_id, s::entitled, s::received))
        .order(s::dealer_id)
        .load(&mut conn)
        .unwrap();
    (
        leads.iter().map(|r| format!("{r:?}")).collect(),
        decisions.iter().map(|r| format!("{r:?}")).collect(),
        states.iter().map(|r| format!("{r:?}")).collect(),
    )
}

#[tokio::test]
async fn a_large_batch_is_offered_exactly_as_the_same_leads_one_by_one() {
    let leads = leads();
    assert!(leads.len() >= SNAPSHOT_FROM);
    let batch = spawn_app().await;
    let one_by_one = spawn_app().await;
    network(&batch);
    network(&one_by_one);

    let token = batch.marketing_token("marketing");
    let answer = batch.push_lead(&token, &json!({ "leads": leads })).await;
    let token = one_by_one.marketing_token("marketing");
    let mut answers_alone = Vec::new();
    for lead in &leads {
        answers_alone.push(one_by_one.push_lead(&token, lead).await);
    }

    assert_eq!(answer["summary"]["created"], 150, "{}", answer["summary"]);
    assert_eq!(answer["summary"]["duplicate"], 1);
    // Each lead's answer says what was stored, the same either way.
    let said = |a: &Value| {
        format!(
            "{} {} {} {} {}",
            a["external_id"],
            a["result"],
            a["status"],
            a["dealer"]["code"],
            a["unallocated_reason"]
        )
    };
    let batch_said: Vec<String> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(said)
        .collect();
    assert_eq!(
        batch_said,
        answers_alone.iter().map(said).collect::<Vec<_>>()
    );
    let (batch_leads, batch_decisions, batch_states) = allocation_record(&batch);
    let (leads_alone, decisions_alone, states_alone) = allocation_record(&one_by_one);
    assert_eq!(batch_leads, leads_alone);
    assert_eq!(batch_decisions, decisions_alone);
    assert_eq!(batch_states, states_alone);
    // The batch covered every case: offered, waiting for each reason, withheld.
    let all = batch_leads.join("\n");
    for expected in [
        "\"offered\"",
        "no_territory_match",
        "no_dealer_for_product_line",
        "all_at_capacity",
        "\"withheld\"",
    ] {
        assert!(all.contains(expected), "no lead ended {expected}:\n{all}");
    }
    // The small dealer was filled and never over-filled.
    let full: i64 = {
        use dealerloop::schema::{dealers, offers};
        use diesel::prelude::*;
        offers::table
            .inner_join(dealers::table)
            .filter(dealers::code.eq("MI-02"))
            .count()
            .get_result(&mut batch.conn())
            .unwrap()
    };
    assert_eq!(full, 3);
    let (replayed, mismatches) = replay(&mut batch.conn()).unwrap();
    assert_eq!(
        replayed, 33,
        "every seat of the four active dealers was offered"
    );
    assert_eq!(mismatches, vec![]);
    // Every offer went out by email.
    assert_eq!(batch.sent_emails().await.len(), 33);
}
