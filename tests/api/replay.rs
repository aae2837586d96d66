//! Allocation is replayable: recomputing every stored decision from empty state chooses
//! the same dealers, and a tampered history is caught.

use dealerloop::services::allocation::replay::replay;
use serde_json::Value;

use crate::helpers::{LeadBody, spawn_app};

#[tokio::test]
async fn replaying_the_stored_decisions_gives_the_same_choices_and_catches_tampering() {
    let app = spawn_app().await;
    for code in ["MI-01", "MI-02", "MI-03"] {
        app.create_dealer(code);
    }
    app.sql("UPDATE dealers SET capacity = 1000");
    // MI-03 also covers Bergamo, so eligibility differs from lead to lead.
    app.sql("INSERT INTO dealer_territories (dealer_id, country, postcode_prefix, region) SELECT id, 'IT', '24', NULL FROM dealers WHERE code = 'MI-03'");
    let leads = (0..40).map(|i| {
        LeadBody::new(&format!("RP-{i}"))
            .name("Cliente")
            .email("c@example.it")
            .postcode(if i % 3 == 0 { "24121" } else { "20121" })
    });
    app.post_to_intake(&app.api_token(), &LeadBody::batch(leads))
        .await;

    let (replayed, mismatches) = replay(&mut app.conn()).unwrap();
    assert_eq!(replayed, 40);
    assert_eq!(mismatches, vec![]);

    // Someone edits one stored decision: the replay points at it. (This part is about
    // storage, so it reads and edits the stored decisions directly.)
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
