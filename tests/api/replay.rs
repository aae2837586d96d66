//! Allocation is replayable: recomputing every stored decision from empty state chooses
//! the same dealers, and a tampered history is caught.

use dealerloop::services::allocation::replay::replay;
use dealerloop::services::api_tokens;
use dealerloop::services::audit::Actor;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn replaying_the_stored_decisions_gives_the_same_choices_and_catches_tampering() {
    let app = spawn_app().await;
    for code in ["MI-01", "MI-02", "MI-03"] {
        app.create_dealer(code);
    }
    app.sql("UPDATE dealers SET capacity = 1000");
    // MI-03 also covers Bergamo, so eligibility differs from lead to lead.
    app.sql("INSERT INTO dealer_territories (dealer_id, country, postcode_prefix, region) SELECT id, 'IT', '24', NULL FROM dealers WHERE code = 'MI-03'");
    let token = api_tokens::issue(&mut app.conn(), &Actor::cli(), "marketing", "")
        .unwrap()
        .secret;
    let leads: Vec<Value> = (0..40)
        .map(|i| {
            json!({
                "external_id": format!("RP-{i}"),
                "received_at": "2026-11-20T09:30:00Z",
                "contact": { "name": "Cliente", "email": "c@example.it" },
                "location": { "country": "IT", "postcode": if i % 3 == 0 { "24121" } else { "20121" } },
                "product_line": "lathes",
                "consent": { "share_with_dealers": true }
            })
        })
        .collect();
    reqwest::Client::new()
        .post(format!("{}/api/v1/leads", app.address))
        .bearer_auth(&token)
        .json(&json!({ "leads": leads }))
        .send()
        .await
        .unwrap();

    let (replayed, mismatches) = replay(&mut app.conn()).unwrap();
    assert_eq!(replayed, 40);
    assert_eq!(mismatches, vec![]);

    // Someone edits one stored decision: the replay points at it.
    let (decision, other) = {
        use dealerloop::schema::allocation_decisions::dsl::*;
        use diesel::prelude::*;
        let rows: Vec<(i64, Option<i64>, String)> = allocation_decisions
            .order(id.desc())
            .select((id, chosen_dealer_id, candidates))
            .load(&mut *app.conn())
            .unwrap();
        let (decision, chosen, stored) = rows
            .into_iter()
            .find(|(_, _, c)| serde_json::from_str::<Vec<Value>>(c).unwrap().len() > 1)
            .expect("a decision with a choice");
        let other = serde_json::from_str::<Vec<Value>>(&stored)
            .unwrap()
            .iter()
            .map(|c| c["dealer_id"].as_i64().unwrap())
            .find(|d| Some(*d) != chosen)
            .unwrap();
        (decision, other)
    };
    app.sql(&format!(
        "UPDATE allocation_decisions SET chosen_dealer_id = {other} WHERE id = {decision}"
    ));
    let (_, mismatches) = replay(&mut app.conn()).unwrap();
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    assert_eq!(mismatches[0].decision_id, decision);
    assert_eq!(mismatches[0].stored_choice, Some(other));
}
