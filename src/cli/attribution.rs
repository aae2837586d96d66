//! The attribution commands: `dealerloop attribution` (the Markov run, or `--evaluate`:
//! every model over every journey) and `dealerloop attribute` (the pure models over a file
//! of journeys, for the ChannelAttribution cross-check).

use dealerloop::config::Settings;
use dealerloop::db;

use super::{as_writer, open};

pub fn attribute_file(path: &std::path::Path, order: usize) -> anyhow::Result<()> {
    use dealerloop::services::attribution::markov::{Path, removal_effects};
    use dealerloop::services::attribution::models::{Journey, Model, Touch, shares};
    use dealerloop::services::attribution::split::largest_remainder;
    #[derive(serde::Deserialize)]
    struct Input {
        channels: Vec<String>,
        converted: bool,
        revenue_cents: i64,
    }
    let journeys: Vec<Input> = serde_json::from_slice(&std::fs::read(path)?)?;
    let mut names: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let paths: Vec<Path> = journeys
        .iter()
        .map(|j| Path {
            channels: j
                .channels
                .iter()
                .map(|c| {
                    *index.entry(c.clone()).or_insert_with(|| {
                        names.push(c.clone());
                        u32::try_from(names.len() - 1).unwrap_or(u32::MAX)
                    })
                })
                .collect(),
            converted: j.converted,
        })
        .collect();
    let at = chrono::NaiveDateTime::default();
    let mut heuristic = serde_json::Map::new();
    let mut cents = serde_json::Map::new();
    let started = std::time::Instant::now();
    for model in [Model::FirstTouch, Model::LastTouch, Model::Linear] {
        let mut value = vec![0.0f64; names.len()];
        let mut credited = vec![0i64; names.len()];
        for (j, p) in journeys.iter().zip(&paths).filter(|(j, _)| j.converted) {
            let touches: Vec<Touch> = j
                .channels
                .iter()
                .map(|c| Touch {
                    occurred_at: at,
                    channel: c.clone(),
                })
                .collect();
            let journey = Journey {
                touches: &touches,
                received_at: at,
                accepted_at: None,
                converted_at: at,
            };
            let s = shares(model, &journey, &Default::default());
            for ((share, c), part) in s
                .iter()
                .zip(&p.channels)
                .zip(largest_remainder(j.revenue_cents, &s))
            {
                value[*c as usize] += share * j.revenue_cents as f64;
                credited[*c as usize] += part;
            }
        }
        let by_name = |v: &[f64]| -> serde_json::Value { per_channel(&names, v).into() };
        heuristic.insert(model.as_str().into(), by_name(&value));
        cents.insert(
            model.as_str().into(),
            names
                .iter()
                .cloned()
                .zip(credited.iter().map(|c| serde_json::Value::from(*c)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        );
    }
    let heuristic_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let removal = removal_effects(&paths, names.len(), order)?;
    let markov_seconds = started.elapsed().as_secs_f64();
    let shares = removal.shares();
    let out = serde_json::json!({
        "channels": names,
        "heuristic": heuristic,
        "cents": cents,
        "markov": {
            "order": order,
            "states": removal.states,
            "conversion_probability": removal.conversion_probability,
            "removal_effects": per_channel(&names, &removal.effects),
            "shares": per_channel(&names, &shares),
        },
        "seconds": { "heuristic": heuristic_seconds, "markov": markov_seconds },
    });
    println!("{out}");
    Ok(())
}

/// `{channel: value}` for the JSON of `dealerloop attribute`.
fn per_channel(names: &[String], values: &[f64]) -> serde_json::Map<String, serde_json::Value> {
    names
        .iter()
        .cloned()
        .zip(values.iter().map(|v| serde_json::Value::from(*v)))
        .collect()
}

/// Every model over every decided journey, from one read; prints the totals per channel.
pub fn evaluate_attribution(
    settings: &Settings,
    export: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<()> {
    use dealerloop::services::attribution::runs;
    let db = open(settings)?;
    let started = std::time::Instant::now();
    let evaluation = {
        let mut conn = db.read_conn()?;
        runs::evaluate(&mut conn, &settings.attribution, db::now())?
    };
    let all = started.elapsed();
    if let Some(path) = export {
        let mut conn = db.read_conn()?;
        let written = runs::export_paths(&mut conn, &settings.attribution, db::now(), path)?;
        eprintln!("wrote {written} distinct paths to {}", path.display());
    }
    if json {
        let per_channel = |values: &dyn Fn(usize) -> serde_json::Value| {
            evaluation
                .channels
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), values(i)))
                .collect::<serde_json::Map<_, _>>()
        };
        let models: serde_json::Map<String, serde_json::Value> = evaluation
            .models
            .iter()
            .map(|m| {
                (
                    m.model.as_str().to_owned(),
                    serde_json::json!({
                        "revenue_cents": per_channel(&|i| m.revenue_cents[i].into()),
                        "conversions": per_channel(&|i| m.conversions[i].into()),
                    }),
                )
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "journeys": evaluation.journeys,
                "conversions": evaluation.conversions,
                "models": models,
                "markov_shares": per_channel(&|i| evaluation.markov_shares[i].into()),
                "seconds": {
                    "reading": evaluation.reading.as_secs_f64(),
                    "computing": evaluation.computing.as_secs_f64(),
                    "all": all.as_secs_f64(),
                },
            })
        );
        return Ok(());
    }
    println!(
        "evaluated {} journeys ({} converted) under {} models: {:.0} ms reading, {:.0} ms computing, {:.0} ms in all",
        evaluation.journeys,
        evaluation.conversions,
        evaluation.models.len(),
        evaluation.reading.as_secs_f64() * 1000.0,
        evaluation.computing.as_secs_f64() * 1000.0,
        all.as_secs_f64() * 1000.0
    );
    print!("{:<20}", "channel (EUR)");
    for m in &evaluation.models {
        print!(" {:>16}", m.model.as_str());
    }
    println!();
    for (i, channel) in evaluation.channels.iter().enumerate() {
        print!("{channel:<20}");
        for m in &evaluation.models {
            print!(" {:>16.2}", m.revenue_cents[i] as f64 / 100.0);
        }
        println!();
    }
    print!("{:<20}", "conversions");
    println!();
    for (i, channel) in evaluation.channels.iter().enumerate() {
        print!("{channel:<20}");
        for m in &evaluation.models {
            print!(" {:>16.4}", m.conversions[i]);
        }
        println!();
    }
    for (currency, month, cents) in &evaluation.currencies.left_out {
        println!(
            "left out for lack of an exchange rate: {:.2} {currency} in {month}",
            *cents as f64 / 100.0
        );
    }
    Ok(())
}

pub fn run_attribution(settings: &Settings, recredit: bool) -> anyhow::Result<()> {
    use dealerloop::services::attribution::{credits, runs};
    let db = open(settings)?;
    let attribution = settings.attribution;
    if recredit {
        let started = std::time::Instant::now();
        let (mut after, mut done) = (0, 0usize);
        while let Some(last) = as_writer(&db, |conn| {
            Ok(credits::recredit_after(conn, after, 500, &attribution)?)
        })? {
            after = last;
            done += 500;
        }
        println!(
            "credited every won outcome under the heuristic models in {:.0} ms (about {done} outcomes)",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let started_at = db::now();
    let started = std::time::Instant::now();
    let gathered = {
        let mut conn = db.read_conn()?;
        runs::gather(&mut conn, &attribution, started_at)?
    };
    let read = started.elapsed();
    let solved = runs::solve(&gathered, &attribution)?;
    let mut credited = 0;
    for range in runs::chunks(&solved) {
        credited += as_writer(&db, |conn| {
            Ok(db::transaction_retrying(conn, |conn| {
                runs::store_chunk(conn, &solved, range)
            })?)
        })?;
    }
    let id = as_writer(&db, |conn| {
        Ok(db::transaction_retrying(conn, |conn| {
            runs::finish(
                conn,
                &solved,
                credited,
                "command line",
                started_at,
                db::now(),
            )
        })?)
    })?;
    println!(
        "attribution run {id}: {} journeys, {} converted, {} states (order {}), conversion probability {:.4}; {:.0} ms reading, {:.0} ms solving, {:.0} ms in all",
        solved.journeys,
        solved.conversions,
        solved.states,
        solved.order,
        solved.conversion_probability,
        read.as_secs_f64() * 1000.0,
        solved.seconds * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "{:<24} {:>9} {:>8} {:>8} {:>14}",
        "channel", "journeys", "removal", "share", "credited EUR"
    );
    let mut channels = solved.channels.clone();
    channels.sort_by(|a, b| b.share.total_cmp(&a.share));
    for c in channels {
        println!(
            "{:<24} {:>9} {:>8.4} {:>7.2}% {:>14.2}",
            c.channel,
            c.journeys,
            c.removal_effect,
            c.share * 100.0,
            c.credited_cents as f64 / 100.0
        );
    }
    Ok(())
}
