//! Which dealers may take a lead is decided by one rule on every path: a large intake
//! batch is offered from an in-memory snapshot of the network (one read per batch instead
//! of queries per lead), a single lead from the dealers a query pre-selects, and both
//! must make exactly the same choices, and store exactly the same decisions. Regions match
//! whatever their case, accents (composed or not) and spacing; postcodes whatever their
//! spaces.

use dealerloop::services::allocation::replay::replay;
use dealerloop::services::audit::Actor;
use dealerloop::services::dealers::{self, DealerForm};
use dealerloop::services::intake::SNAPSHOT_FROM;
use serde_json::{Value, json};

use crate::helpers::{LeadBody, TestApp, spawn_app};

/// A dealer of the test network, created through the admin pages' service.
struct NetworkDealer {
    code: &'static str,
    capacity: u32,
    active: bool,
    /// One `COUNTRY PREFIX` per line, as an admin types them.
    postcodes: &'static str,
    /// One `COUNTRY Region` per line, as an admin types them.
    regions: &'static str,
    product_lines: &'static str,
}

impl NetworkDealer {
    fn create(&self, app: &TestApp) {
        let form = DealerForm {
            code: self.code.into(),
            name: format!("Officina {}", self.code),
            contact_email: format!("{}@dealers.example.it", self.code.to_lowercase()),
            capacity: self.capacity.to_string(),
            postcodes: self.postcodes.into(),
            regions: self.regions.into(),
            product_lines: self.product_lines.into(),
            active: self.active.then(|| "on".into()),
        };
        dealers::save(&mut app.conn(), &Actor::cli(), None, &form).expect("valid dealer saved");
    }
}

/// Eight dealers whose territories, product lines and capacities overlap unevenly; one is
/// inactive and one fills up early. Their regions are written as people write them.
const NETWORK: &[NetworkDealer] = &[
    NetworkDealer {
        code: "MI-01",
        capacity: 10,
        active: true,
        postcodes: "IT 20",
        regions: "IT Lombardia",
        product_lines: "lathes, milling",
    },
    NetworkDealer {
        code: "MI-02",
        capacity: 3,
        active: true,
        postcodes: "IT 20",
        regions: "IT Lombardia",
        product_lines: "lathes, milling",
    },
    NetworkDealer {
        code: "BG-01",
        capacity: 10,
        active: true,
        postcodes: "IT 24\nIT 201",
        regions: "",
        product_lines: "lathes, milling",
    },
    NetworkDealer {
        code: "LO-01",
        capacity: 10,
        active: true,
        postcodes: "",
        regions: "IT Lombardia",
        product_lines: "lathes, milling, grinding",
    },
    NetworkDealer {
        code: "OFF-01",
        capacity: 10,
        active: false,
        postcodes: "IT 20",
        regions: "IT Lombardia",
        product_lines: "lathes, milling",
    },
    NetworkDealer {
        code: "ER-01",
        capacity: 10,
        active: true,
        postcodes: "",
        regions: "IT Émilie-Romagna\nIT Valle d'Aosta",
        product_lines: "lathes, milling, grinding",
    },
    NetworkDealer {
        code: "FR-01",
        capacity: 10,
        active: true,
        postcodes: "",
        regions: "FR Île-de-France",
        product_lines: "lathes, milling",
    },
    NetworkDealer {
        code: "GB-01",
        capacity: 10,
        active: true,
        postcodes: "GB SW1A",
        regions: "",
        product_lines: "lathes, milling",
    },
];

fn network(app: &TestApp) {
    for dealer in NETWORK {
        dealer.create(app);
    }
}

/// Where a lead is, as the marketing system sends it, and the dealers covering it.
#[derive(Debug)]
struct Place {
    country: &'static str,
    postcode: Option<&'static str>,
    region: Option<&'static str>,
    covered_by: &'static [&'static str],
}

const fn place(
    country: &'static str,
    postcode: Option<&'static str>,
    region: Option<&'static str>,
    covered_by: &'static [&'static str],
) -> Place {
    Place {
        country,
        postcode,
        region,
        covered_by,
    }
}

/// Where the leads are: regions in any case, with accents composed or not and stray
/// spaces; postcodes with spaces; regions alone.
const PLACES: &[Place] = &[
    place(
        "IT",
        Some("20121"),
        Some("Lombardia"),
        &["MI-01", "MI-02", "BG-01", "LO-01"],
    ),
    place(
        "IT",
        Some("24121"),
        Some("  Lombardia  "),
        &["MI-01", "MI-02", "BG-01", "LO-01"],
    ),
    place("IT", Some("20 121"), None, &["MI-01", "MI-02", "BG-01"]),
    place("IT", None, Some("LOMBARDIA"), &["MI-01", "MI-02", "LO-01"]),
    place("IT", None, Some("ÉMILIE-ROMAGNA"), &["ER-01"]),
    place("IT", None, Some("émilie-romagna"), &["ER-01"]),
    // "É" written as "E" and a combining acute accent.
    place("IT", None, Some("E\u{301}milie-Romagna"), &["ER-01"]),
    place("IT", None, Some("VALLE   D'AOSTA"), &["ER-01"]),
    place("FR", Some("75001"), Some("ÎLE-DE-FRANCE"), &["FR-01"]),
    place("FR", None, Some("île-de-france"), &["FR-01"]),
    place("GB", Some("SW1A 1AA"), None, &["GB-01"]),
    place("IT", Some("90121"), Some("Sicilia"), &[]),
];

/// The product line of each round of [`PLACES`]: nobody handles saws.
const LINES: [&str; 4] = ["lathes", "milling", "grinding", "saws"];

/// 150 leads, round after round of [`PLACES`] with a product line per round: covered by
/// one to four dealers, by postcode or region, some in no territory, some for a product
/// line nobody handles, some without consent, and a re-send of an earlier lead.
fn leads() -> Vec<Value> {
    let mut leads: Vec<Value> = (0..150)
        .map(|i| {
            let place = &PLACES[i % PLACES.len()];
            LeadBody::new(&format!("SNAP-{i}"))
                .name(&format!("Cliente {i}"))
                .email("c@example.it")
                .country(place.country)
                .postcode(place.postcode)
                .region(place.region)
                .product_line(LINES[(i / PLACES.len()) % LINES.len()])
                .consent(i % 13 != 0)
                .touchpoint(
                    json!({ "occurred_at": "2026-11-01T10:00:00Z", "channel": "paid_search" }),
                )
                .json()
        })
        .collect();
    leads.push(leads[3].clone());
    leads
}

/// What allocation left behind, in a form both databases can be compared by. Read from
/// storage: the test compares the stored allocation state of two runs row for row.
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
    let batch = spawn_app().await;
    let one_by_one = spawn_app().await;
    network(&batch);
    network(&one_by_one);
    batch_matches_one_by_one(&batch, &one_by_one).await;
}

/// Gives the network's dealers different weights the way the portal does: scores stored
/// by the score service from their (here: made up) history, and a manager's override.
fn weigh(app: &TestApp) {
    use dealerloop::services::dealer_score::gather::{DealerEvidence, NetworkEvidence};
    use dealerloop::services::dealer_score::overrides::{self, OverrideForm};
    use dealerloop::services::dealer_score::{Evidence, Observation, ScoreRule, store};
    let rule = ScoreRule::default();
    let now = dealerloop::db::now();
    let forms = |completeness: f64, n: usize| DealerEvidence {
        evidence: Evidence::of(
            &vec![
                Observation::Feedback {
                    completeness,
                    age_days: 1.0
                };
                n
            ],
            &rule,
        ),
        ..Default::default()
    };
    let id_of = |code: &str| -> i64 {
        use dealerloop::schema::dealers;
        use diesel::prelude::*;
        dealers::table
            .filter(dealers::code.eq(code))
            .select(dealers::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let mut evidence = NetworkEvidence::default();
    evidence.insert(id_of("MI-01"), forms(1.0, 20));
    evidence.insert(id_of("MI-02"), forms(0.0, 20));
    evidence.insert(id_of("BG-01"), forms(0.6, 5));
    store::store_network(&mut app.conn(), &evidence, &rule, now).unwrap();
    let form = OverrideForm {
        weight: "1.7".into(),
        reason: "launch".into(),
        until: (now + chrono::TimeDelta::days(30))
            .format("%Y-%m-%d")
            .to_string(),
    };
    let launched = id_of("GB-01");
    overrides::set(
        &mut app.conn(),
        &Actor::cli(),
        launched,
        &form,
        chrono_tz::Europe::Rome,
        now,
    )
    .unwrap();
}

#[tokio::test]
async fn with_real_weights_a_large_batch_is_offered_exactly_as_the_same_leads_one_by_one() {
    let batch = spawn_app().await;
    let one_by_one = spawn_app().await;
    network(&batch);
    network(&one_by_one);
    weigh(&batch);
    weigh(&one_by_one);

    batch_matches_one_by_one(&batch, &one_by_one).await;

    // The decisions used the unequal weights, with each dealer's score (and the override)
    // recorded beside its weight.
    let (_, decisions, _) = allocation_record(&batch);
    let all = decisions.join("\n");
    for expected in [
        "\\\"score\\\":",
        "\\\"override_id\\\":",
        "\\\"weight\\\":1.7,",
    ] {
        assert!(all.contains(expected), "no decision has {expected}:\n{all}");
    }
}

async fn batch_matches_one_by_one(batch: &TestApp, one_by_one: &TestApp) {
    let leads = leads();
    assert!(leads.len() >= SNAPSHOT_FROM);

    let token = batch.api_token();
    let answer = batch.push_lead(&token, &json!({ "leads": leads })).await;
    let token = one_by_one.api_token();
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
    let results = answer["results"].as_array().unwrap();
    let batch_said: Vec<String> = results.iter().map(said).collect();
    assert_eq!(
        batch_said,
        answers_alone.iter().map(said).collect::<Vec<_>>()
    );
    let (batch_leads, batch_decisions, batch_states) = allocation_record(batch);
    let (leads_alone, decisions_alone, states_alone) = allocation_record(one_by_one);
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
    // Every place a dealer covers had leads offered, and only to the dealers covering it:
    // regions matched whatever their case, accents and spacing, postcodes whatever their
    // spaces.
    for (n, place) in PLACES.iter().enumerate() {
        let offered_to: Vec<&str> = results
            .iter()
            .take(150)
            .skip(n)
            .step_by(PLACES.len())
            .filter(|r| r["status"] == "offered")
            .filter_map(|r| r["dealer"]["code"].as_str())
            .collect();
        assert!(
            offered_to
                .iter()
                .all(|code| place.covered_by.contains(code))
                && offered_to.is_empty() == place.covered_by.is_empty(),
            "{place:?}: offered to {offered_to:?}"
        );
    }
    // The small dealer was filled and never over-filled (offer rows across all leads,
    // counted in storage).
    let offers_to = |code: &str| -> i64 {
        use dealerloop::schema::{dealers, offers};
        use diesel::prelude::*;
        offers::table
            .inner_join(dealers::table)
            .filter(dealers::code.eq(code))
            .count()
            .get_result(&mut batch.conn())
            .unwrap()
    };
    assert_eq!(offers_to("MI-02"), 3);
    let offers: i64 = NETWORK.iter().map(|d| offers_to(d.code)).sum();
    let (replayed, mismatches) = replay(&mut batch.conn()).unwrap();
    assert_eq!(
        replayed as i64, offers,
        "every offer's decision was replayed"
    );
    assert_eq!(mismatches, vec![]);
    // Every offer went out by email (delivered 50 at a time).
    let mut sent = 0;
    loop {
        let now = batch.sent_emails().await.len();
        if now == sent {
            break;
        }
        sent = now;
    }
    assert_eq!(sent as i64, offers);
}

#[tokio::test]
async fn a_single_lead_whose_region_is_in_capitals_with_accents_is_offered_to_the_dealer_of_that_region()
 {
    let app = spawn_app().await;
    NetworkDealer {
        code: "ER-01",
        capacity: 10,
        active: true,
        postcodes: "",
        regions: "IT Émilie-Romagna",
        product_lines: "lathes",
    }
    .create(&app);
    let token = app.api_token();

    let answer = app
        .push_lead(
            &token,
            &LeadBody::new("ER-1")
                .name("Cliente")
                .email("c@example.it")
                .no_postcode()
                .region("ÉMILIE-ROMAGNA"),
        )
        .await;

    assert_eq!(answer["status"], "offered", "{answer}");
    assert_eq!(answer["dealer"]["code"], "ER-01");
}

#[tokio::test]
async fn regions_stored_before_they_had_keys_are_keyed_when_the_portal_starts() {
    let app = spawn_app().await;
    let token = app.api_token();
    let lead = |external_id: &str| {
        LeadBody::new(external_id)
            .name("Cliente")
            .email("c@example.it")
            .no_postcode()
            .region("ÉMILIE-ROMAGNA")
    };
    app.push_lead(&token, &lead("ER-1")).await;
    NetworkDealer {
        code: "ER-01",
        capacity: 10,
        active: true,
        postcodes: "",
        regions: "IT Émilie-Romagna",
        product_lines: "lathes",
    }
    .create(&app);
    // As the migration that added the keys left the rows already stored.
    app.sql("UPDATE dealer_territories SET region_key = NULL");
    app.sql("UPDATE leads SET region_key = NULL");

    let restarted = app.second_instance().await;
    let answer = restarted.push_lead(&token, &lead("ER-2")).await;

    assert_eq!(answer["status"], "offered", "{answer}");
    assert_eq!(answer["dealer"]["code"], "ER-01");
    // The stored key is what this test is about (a start-up fix of old rows): read it.
    let stored: Vec<Option<String>> = {
        use dealerloop::schema::leads;
        use diesel::prelude::*;
        leads::table
            .select(leads::region_key)
            .order(leads::external_id)
            .load(&mut restarted.conn())
            .unwrap()
    };
    assert_eq!(stored, vec![Some("émilie-romagna".to_owned()); 2]);
}
