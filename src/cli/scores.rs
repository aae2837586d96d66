//! The dealer score commands: `dealerloop scores` (every score recomputed, then the dealer
//! table's figures) and `dealerloop simulate` (the 90-day network on a throwaway database).

use dealerloop::config::Settings;
use dealerloop::db;
use dealerloop::services::simulation::Simulation;

use super::{as_writer, open};

pub fn recompute_scores(settings: &Settings, full: bool) -> anyhow::Result<()> {
    use dealerloop::services::dealer_score::{gather, store};
    let db = open(settings)?;
    let rule = settings.score_rule;
    let now = db::now();
    let started = std::time::Instant::now();
    let full = full || {
        let mut conn = db.read_conn()?;
        store::full_due(&mut conn, now)?
    };
    if full {
        let evidence = {
            let mut conn = db.read_conn()?;
            gather::gather(&mut conn, gather::Scope::Network, &rule, now)?
        };
        let read = started.elapsed();
        let done = as_writer(&db, |conn| {
            Ok(store::store_network(conn, &evidence, &rule, now)?)
        })?;
        let total = started.elapsed();
        println!(
            "recomputed {} dealer scores from the history (network mean {:.1}, {} history points) in {:.0} ms: {:.0} ms reading, {:.0} ms writing",
            done.dealers,
            done.mean_score,
            done.snapshots,
            total.as_secs_f64() * 1000.0,
            read.as_secs_f64() * 1000.0,
            (total - read).as_secs_f64() * 1000.0
        );
    } else {
        let done = as_writer(&db, |conn| Ok(store::recompute_all(conn, &rule, now)?))?;
        println!(
            "recomputed {} dealer scores from their kept evidence, {} read again from the history (network mean {:.1}, {} history points) in {:.0} ms",
            done.dealers,
            done.reread,
            done.mean_score,
            done.snapshots,
            started.elapsed().as_secs_f64() * 1000.0,
        );
    }
    let started = std::time::Instant::now();
    let figures = {
        let mut conn = db.read_conn()?;
        dealerloop::services::dealers::stats::compute(&mut conn, now)?
    };
    let read = started.elapsed();
    as_writer(&db, |conn| {
        Ok(dealerloop::services::dealers::stats::store(conn, &figures)?)
    })?;
    let total = started.elapsed();
    println!(
        "refreshed the dealer table's figures of {} dealers in {:.0} ms: {:.0} ms reading, {:.0} ms writing",
        figures.dealers(),
        total.as_secs_f64() * 1000.0,
        read.as_secs_f64() * 1000.0,
        (total - read).as_secs_f64() * 1000.0
    );
    Ok(())
}

/// A directory of the system's temporary directory, deleted with everything in it when
/// dropped (also when the simulation fails).
struct ThrowawayDir(std::path::PathBuf);

impl ThrowawayDir {
    fn create() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "dealerloop-simulation-{}-{}",
            std::process::id(),
            dealerloop::services::tokens::random_secret()
        ));
        std::fs::create_dir(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for ThrowawayDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn simulate(
    simulation: Simulation,
    chart: &std::path::Path,
    keep: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if simulation.days < 1 || simulation.dealers < 1 {
        anyhow::bail!("simulate at least one day and one dealer");
    }
    let temporary = match keep {
        Some(_) => None,
        None => Some(ThrowawayDir::create()?),
    };
    let file = match (keep, &temporary) {
        (Some(path), _) => {
            if path.exists() {
                anyhow::bail!("{}: the file exists already", path.display());
            }
            path.to_path_buf()
        }
        (None, Some(dir)) => dir.0.join("simulation.db"),
        (None, None) => anyhow::bail!("no database file for the simulation"),
    };
    let url = db::DatabaseUrl::parse(&format!("sqlite://{}", file.display()))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut conn = url
        .establish()
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    db::run_migrations(&mut conn)?;
    println!(
        "simulating {} days, {} dealers, {} leads a day, seed {}…",
        simulation.days, simulation.dealers, simulation.leads_per_day, simulation.seed
    );
    let started = std::time::Instant::now();
    let report = simulation.run(&mut conn)?;
    let elapsed = started.elapsed();
    drop(conn);
    print!("{}", report.table());
    println!("{}", report.summary());
    std::fs::write(chart, report.share_chart_svg())
        .map_err(|e| anyhow::anyhow!("{}: {e}", chart.display()))?;
    println!("chart: {}", chart.display());
    if let Some(path) = keep {
        println!("database kept: {}", path.display());
    }
    println!("simulated in {:.1} s", elapsed.as_secs_f64());
    Ok(())
}
