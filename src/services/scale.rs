//! A large synthetic network for benchmarks: thousands of dealers with overlapping
//! postcode territories and a million leads with offers and touchpoints, written in bulk
//! (multi-row inserts in large transactions) so that building it takes a minute, not an
//! afternoon. The rows are what the portal itself writes; the allocation history of the
//! generated leads is not replayable (they are written as already offered or accepted).

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::AppError;
use crate::services::audit::Actor;
use crate::services::users::{self, UserForm};

/// The dealer user `generate` creates (password [`super::demo::DEMO_PASSWORD`]); it
/// belongs to the first generated dealer.
pub const LOAD_USER: &str = "carico@dealerloop.demo";

/// Rows per multi-row insert.
const CHUNK: usize = 1_000;

/// The first five of the demo's product lines.
const LINES: &[&str] = super::demo::PRODUCT_LINES.split_at(5).0;
const CHANNELS: &[(&str, &str)] = &[
    ("paid_search", "torni-autunno"),
    ("linkedin", "linkedin-decisori"),
    ("trade_fair", "emo-2026"),
    ("email_nurturing", "nurturing-q4"),
    ("webinar", "webinar-cnc"),
];

/// What `generate` wrote.
#[derive(Debug, Default)]
pub struct Generated {
    pub dealers: usize,
    pub leads: usize,
    pub offers: usize,
    pub touchpoints: usize,
}

/// Postcode prefix (three digits) number `n` covers; dealer `i` covers two of them, so
/// every prefix has about `2 × dealers / 1000` dealers.
fn prefixes_of(dealer: usize) -> [usize; 2] {
    [dealer % 1000, (dealer * 7 + 3) % 1000]
}

fn ts(t: chrono::NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

/// Adds `dealers` dealers (codes `B-00001`…) and `leads` leads (`GEN-…`) to the
/// database, with the dealer user [`LOAD_USER`]. Calls `progress` with the leads written
/// so far. Refuses to run twice on the same database.
pub fn generate(
    conn: &mut DbConnection,
    dealers: usize,
    leads: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Generated, AppError> {
    use crate::schema::dealers as d;

    if dealers == 0 {
        return Err(AppError::BadRequest("at least one dealer is needed".into()));
    }
    let existing: i64 = d::table
        .filter(d::code.like("B-%"))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(AppError::BadRequest(
            "this database already holds a generated network".into(),
        ));
    }
    let now = crate::db::now();
    let stamp = ts(now);
    let mut out = Generated::default();

    // Dealers, their territories, product lines and allocation state.
    conn.transaction(|conn| -> Result<(), AppError> {
        for start in (0..dealers).step_by(CHUNK) {
            let end = (start + CHUNK).min(dealers);
            let rows: Vec<String> = (start..end)
                .map(|i| {
                    format!(
                        "('B-{:05}', 'Officina Benchmark {i}', 'b{i}@dealers.example.it', 100000, TRUE, {stamp}, {stamp})",
                        i + 1
                    )
                })
                .collect();
            conn.batch_execute(&format!(
                "INSERT INTO dealers (code, name, contact_email, capacity, active, created_at, updated_at) VALUES {}",
                rows.join(",")
            ))?;
        }
        let ids: Vec<(i64, String)> = d::table
            .filter(d::code.like("B-%"))
            .select((d::id, d::code))
            .order(d::code)
            .load(conn)?;
        for chunk in ids.chunks(CHUNK) {
            let mut territories = Vec::new();
            let mut lines = Vec::new();
            let mut states = Vec::new();
            for (id, code) in chunk {
                let i: usize = code[2..].parse::<usize>().unwrap_or(1) - 1;
                for p in prefixes_of(i) {
                    territories.push(format!("({id}, 'IT', '{p:03}', NULL)"));
                }
                for (n, line) in LINES.iter().enumerate() {
                    if (i + n) % 5 != 4 {
                        lines.push(format!("({id}, '{line}')"));
                    }
                }
                states.push(format!("({id}, 0, 0)"));
            }
            conn.batch_execute(&format!(
                "INSERT INTO dealer_territories (dealer_id, country, postcode_prefix, region) VALUES {};
                 INSERT INTO dealer_product_lines (dealer_id, product_line) VALUES {};
                 INSERT INTO dealer_allocation_state (dealer_id, entitled, received) VALUES {};",
                territories.join(","),
                lines.join(","),
                states.join(",")
            ))?;
        }
        out.dealers = ids.len();
        Ok(())
    })?;
    let dealer_ids: Vec<i64> = d::table
        .filter(d::code.like("B-%"))
        .select(d::id)
        .order(d::code)
        .load(conn)?;
    users::create_with_password(
        conn,
        &Actor::cli(),
        &UserForm {
            email: LOAD_USER.into(),
            name: "Carico Benchmark".into(),
            role: "dealer".into(),
            dealer_code: "B-00001".into(),
            locale: String::new(),
        },
        super::demo::DEMO_PASSWORD,
    )?;

    // Leads, in transactions of 50 chunks, each with one offer and two touchpoints.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut written = 0;
    while written < leads {
        conn.transaction(|conn| -> Result<(), AppError> {
            for _ in 0..50 {
                if written >= leads {
                    break;
                }
                let end = (written + CHUNK).min(leads);
                let mut rows = Vec::with_capacity(end - written);
                let mut plan = Vec::with_capacity(end - written);
                for n in written..end {
                    let r = next();
                    let dealer_index = usize::try_from(r % dealer_ids.len() as u64).unwrap_or(0);
                    let prefix = prefixes_of(dealer_index)[usize::from(r & 64 != 0)];
                    let line = LINES[usize::try_from((r >> 8) % LINES.len() as u64).unwrap_or(0)];
                    let minutes = i64::try_from((r >> 16) % (180 * 24 * 60)).unwrap_or(0);
                    let received = now - chrono::TimeDelta::minutes(minutes + 60);
                    // Leads older than 25 days have their outcome (as their feedback would
                    // have given it); recent ones are still offered or being worked.
                    let status = if minutes > 25 * 24 * 60 {
                        if (r >> 40) % 100 < 55 { "won" } else { "lost" }
                    } else {
                        match (r >> 40) % 100 {
                            0..=9 => "offered",
                            10..=44 => "accepted",
                            45..=74 => "contacted",
                            _ => "quote_sent",
                        }
                    };
                    let dealer_id = dealer_ids[dealer_index];
                    rows.push(format!(
                        "('generator', 'GEN-{n:07}', 'g{n}', {received}, {received}, 'Cliente {n}', 'cliente{n}@example.it', '+39 02 {n:07}', 'Azienda {n} S.r.l.', 'IT', '{prefix:03}{:02}', NULL, '{line}', 'B', 70, TRUE, '{status}', {dealer_id}, NULL, {received})",
                        (r >> 48) % 100,
                        received = ts(received),
                    ));
                    plan.push((dealer_id, status, received, r));
                }
                conn.batch_execute(&format!(
                    "INSERT INTO leads (source, external_id, payload_hash, received_at, created_at, contact_name, contact_email, contact_phone, contact_company, country, postcode, region, product_line, grade, score, consent_share, status, dealer_id, unallocated_reason, status_changed_at) VALUES {}",
                    rows.join(",")
                ))?;
                let first = format!("GEN-{written:07}");
                let last = format!("GEN-{:07}", end - 1);
                let ids: Vec<i64> = {
                    use crate::schema::leads as l;
                    l::table
                        .filter(l::source.eq("generator"))
                        .filter(l::external_id.between(&first, &last))
                        .order(l::external_id)
                        .select(l::id)
                        .load(conn)?
                };
                let mut offers = Vec::with_capacity(ids.len());
                let mut touches = Vec::with_capacity(ids.len() * 2);
                for (lead_id, (dealer_id, status, received, r)) in ids.iter().zip(&plan) {
                    let offered = *received + chrono::TimeDelta::minutes(5);
                    if *status == "offered" {
                        let deadline = now + chrono::TimeDelta::hours(24);
                        offers.push(format!(
                            "({lead_id}, {dealer_id}, 'open', {}, {}, {}, NULL)",
                            ts(now),
                            ts(now + chrono::TimeDelta::hours(18)),
                            ts(deadline)
                        ));
                    } else {
                        offers.push(format!(
                            "({lead_id}, {dealer_id}, 'accepted', {o}, {o}, {o}, {o})",
                            o = ts(offered)
                        ));
                    }
                    for k in 0..2u64 {
                        let (channel, campaign) =
                            CHANNELS[usize::try_from((r >> (20 + k * 3)) % CHANNELS.len() as u64).unwrap_or(0)];
                        let at = *received - chrono::TimeDelta::days(i64::try_from(2 - k).unwrap_or(1) * 3);
                        touches.push(format!(
                            "({lead_id}, {k}, {}, '{channel}', NULL, NULL, '{campaign}', NULL, {})",
                            ts(at),
                            if k == 1 { "'conversion'" } else { "NULL" }
                        ));
                    }
                }
                conn.batch_execute(&format!(
                    "INSERT INTO offers (lead_id, dealer_id, status, offered_at, reminder_at, deadline_at, responded_at) VALUES {};
                     INSERT INTO touchpoints (lead_id, position, occurred_at, channel, source, medium, campaign, content, kind) VALUES {};",
                    offers.join(","),
                    touches.join(",")
                ))?;
                out.leads += ids.len();
                out.offers += offers.len();
                out.touchpoints += touches.len();
                written = end;
            }
            Ok(())
        })?;
        progress(written);
    }
    Ok(out)
}
