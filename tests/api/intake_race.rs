//! Concurrent intake as the marketing system sends it: two instances of the portal on one
//! database, 16 clients at once, batches and single leads, the same external ids sent to
//! both instances at the same moment. No request fails, every acknowledged lead is stored
//! exactly once, and no lead has two open offers. And the safety net: a transaction that
//! PostgreSQL fails to break a deadlock is run again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use dealerloop::db::{self, DatabaseUrl, DbConnection};
use dealerloop::error::AppError;
use dealerloop::services::audit::Actor;
use dealerloop::services::dealers::{self, DealerForm};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{LeadBody, TestApp, spawn_app};

/// Clients sending at once; even ones to the first instance, odd ones to the second.
const CLIENTS: usize = 16;
/// Distinct external ids the clients draw from (so most are sent more than once).
const IDS: usize = 120;
const BATCH: usize = 20;

/// Dealers whose territories overlap in different ways, so that leads have different
/// sets of candidates.
fn add_dealers(app: &TestApp) {
    let territories = [
        "IT 20",
        "IT 201",
        "IT 2012\nIT 21",
        "IT 21",
        "IT 20\nIT 21",
        "IT 2010",
        "IT 211\nIT 2019",
        "IT 2",
    ];
    for (i, postcodes) in territories.iter().enumerate() {
        let code = format!("RC-{:02}", i + 1);
        let form = DealerForm {
            code: code.clone(),
            name: format!("Officina {code}"),
            contact_email: format!("rc{i}@dealers.example.it"),
            capacity: "1000".into(),
            postcodes: (*postcodes).into(),
            regions: String::new(),
            product_lines: if i % 3 == 2 {
                "milling".into()
            } else {
                "lathes, milling".into()
            },
            active: Some("on".into()),
        };
        dealers::save(&mut app.conn(), &Actor::cli(), None, &form).unwrap();
    }
}

/// Whether the two clients sending external id number `n` send different content for it.
fn contested(n: usize) -> bool {
    n.is_multiple_of(4)
}

/// Lead number `n` as client `client` sends it: for a contested id, the content depends on
/// which instance the client talks to.
fn lead(n: usize, client: usize) -> Value {
    let postcodes = [
        "20121", "20100", "21100", "20190", "21050", "20105", "29100",
    ];
    let variant = if contested(n) { client % 2 } else { 0 };
    LeadBody::new(&format!("RACE-{n:03}"))
        .name(&format!("Cliente {n} v{variant}"))
        .email(&format!("c{n}@example.it"))
        .postcode(postcodes[n % postcodes.len()])
        .product_line(if n.is_multiple_of(2) {
            "lathes"
        } else {
            "milling"
        })
        .consent(!n.is_multiple_of(11))
        .json()
}

/// One answer to one submitted lead.
#[derive(Debug)]
struct Acknowledged {
    n: usize,
    client: usize,
    result: String,
    id: i64,
}

/// Sends client `client`'s requests one after another: a batch, a single lead, a batch,
/// a single lead. Clients `2k` and `2k + 1` send the same ids to the two instances.
async fn run_client(
    address: String,
    token: String,
    client: usize,
) -> Vec<(u16, Value, Vec<usize>)> {
    let pair = client / 2;
    let http = reqwest::Client::new();
    let mut answers = Vec::new();
    for round in 0..2 {
        let batch: Vec<usize> = (0..BATCH)
            .map(|i| (pair * 17 + round * 9 + i) % IDS)
            .collect();
        let single = vec![(pair * 13 + round * 5 + 3) % IDS];
        for ids in [batch, single] {
            let body = if ids.len() == 1 {
                lead(ids[0], client)
            } else {
                json!({ "leads": ids.iter().map(|&n| lead(n, client)).collect::<Vec<_>>() })
            };
            let response = http
                .post(format!("{address}/api/v1/leads"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            answers.push((status, body, ids));
        }
    }
    answers
}

#[tokio::test]
async fn concurrent_intake_on_two_instances_answers_every_request_and_stores_each_lead_once() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    add_dealers(&first);
    let token = first.api_token();

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let address = if client % 2 == 0 {
                first.address.clone()
            } else {
                second.address.clone()
            };
            tokio::spawn(run_client(address, token.clone(), client))
        })
        .collect();
    let mut acknowledged = Vec::new();
    let mut failures = Vec::new();
    for (client, handle) in clients.into_iter().enumerate() {
        for (status, body, ids) in handle.await.unwrap() {
            let results: Vec<Value> = match (ids.len(), status) {
                (1, 200 | 201 | 409) => vec![body.clone()],
                (_, 200) if ids.len() > 1 => {
                    body["results"].as_array().cloned().unwrap_or_default()
                }
                _ => {
                    failures.push(format!("{status} for {} lead(s): {body}", ids.len()));
                    continue;
                }
            };
            assert_eq!(results.len(), ids.len(), "{body}");
            for (&n, result) in ids.iter().zip(&results) {
                acknowledged.push(Acknowledged {
                    n,
                    client,
                    result: result["result"].as_str().unwrap_or_default().to_owned(),
                    id: result["id"].as_i64().unwrap_or_default(),
                });
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
    // A race test: every lead must be stored exactly once, and each have one open offer,
    // which only the stored rows can tell.
    let stored: Vec<(i64, String, String)> = {
        use dealerloop::schema::leads::dsl::*;
        leads
            .filter(source.eq("marketing"))
            .select((id, external_id, contact_name))
            .load(&mut *first.conn())
            .unwrap()
    };
    let by_external_id: HashMap<&str, &(i64, String, String)> =
        stored.iter().map(|row| (row.1.as_str(), row)).collect();
    let mut created: HashMap<usize, usize> = HashMap::new();
    for ack in &acknowledged {
        let external_id = format!("RACE-{:03}", ack.n);
        let (stored_id, _, stored_name) = by_external_id
            .get(external_id.as_str())
            .unwrap_or_else(|| panic!("{external_id} was acknowledged but not stored"));
        assert_eq!(ack.id, *stored_id, "{ack:?}");
        let sent_as_stored = lead(ack.n, ack.client)["contact"]["name"] == *stored_name;
        let expected: &[&str] = if sent_as_stored {
            &["created", "duplicate"]
        } else {
            &["conflict"]
        };
        assert!(expected.contains(&ack.result.as_str()), "{ack:?}");
        if ack.result == "created" {
            *created.entry(ack.n).or_default() += 1;
        }
    }
    let sent: std::collections::HashSet<usize> = acknowledged.iter().map(|a| a.n).collect();
    assert_eq!(
        stored.len(),
        sent.len(),
        "one stored lead per external id sent"
    );
    for n in &sent {
        assert_eq!(created.get(n), Some(&1), "RACE-{n:03} created exactly once");
    }
    let open_offers: Vec<(i64, i64)> = {
        use dealerloop::schema::offers::dsl::*;
        offers
            .filter(status.eq("open"))
            .group_by(lead_id)
            .select((lead_id, diesel::dsl::count_star()))
            .load(&mut *first.conn())
            .unwrap()
    };
    assert!(
        open_offers.iter().all(|(_, open)| *open == 1),
        "a lead with two open offers: {:?}",
        open_offers
            .iter()
            .filter(|(_, n)| *n > 1)
            .collect::<Vec<_>>()
    );
    assert!(!open_offers.is_empty(), "leads were offered");
}

/// Adds one to counter `id` of the test's own table.
fn bump(conn: &mut DbConnection, id: i64) -> Result<(), AppError> {
    diesel::sql_query(format!("UPDATE counters SET n = n + 1 WHERE id = {id}")).execute(conn)?;
    Ok(())
}

#[tokio::test]
async fn a_transaction_picked_to_break_a_deadlock_runs_again_and_both_commit() {
    let app = spawn_app().await;
    app.sql(
        "CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); \
         INSERT INTO counters (id, n) VALUES (1, 0), (2, 0)",
    );
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    // Each takes one counter, waits (briefly) until the other holds its own, then takes
    // the other's: on PostgreSQL a deadlock, broken by failing one of them.
    let transfer = |first: i64, second: i64, tell: Sender<()>, hear: Receiver<()>| {
        let (url, runs) = (url.clone(), runs.clone());
        std::thread::spawn(move || {
            let mut conn = url.establish().unwrap();
            db::transaction_retrying(&mut conn, |conn| {
                runs.fetch_add(1, Ordering::SeqCst);
                bump(conn, first)?;
                let _ = tell.send(());
                let _ = hear.recv_timeout(Duration::from_millis(500));
                bump(conn, second)
            })
        })
    };
    let (to_b, from_a) = channel();
    let (to_a, from_b) = channel();

    let a = transfer(1, 2, to_b, from_b);
    let b = transfer(2, 1, to_a, from_a);
    let (a, b) = (a.join().unwrap(), b.join().unwrap());

    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    let counters: Vec<i64> = {
        #[derive(QueryableByName)]
        struct Counter {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT n FROM counters ORDER BY id")
            .load::<Counter>(&mut *app.conn())
            .unwrap()
            .into_iter()
            .map(|c| c.n)
            .collect()
    };
    assert_eq!(counters, vec![2, 2], "both transactions committed once");
    if url.backend == db::Backend::Postgres {
        assert_eq!(runs.load(Ordering::SeqCst), 3, "the one picked ran again");
    }
}
