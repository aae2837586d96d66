//! The `dealerloop` command: `serve` (the default), `migrate`, `demo`, `user`, `token`,
//! `import`, `generate`, `scores` and `simulate`.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// A faster allocator than the system one for the many small allocations of page rendering.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use dealerloop::config::Settings;
use dealerloop::db::{self, Contention, Db, DbConnection};
use dealerloop::error::AppError;
use dealerloop::fixtures::{demo, scale};
use dealerloop::models::api_token::ApiToken;
use dealerloop::services::allocation::region_keys;
use dealerloop::services::audit::Actor;
use dealerloop::services::simulation::Simulation;
use dealerloop::services::{api_tokens, users};
use dealerloop::startup::Application;

#[path = "cli/attribution.rs"]
mod attribution_cli;
use attribution_cli::{attribute_file, evaluate_attribution, run_attribution};
#[path = "cli/scores.rs"]
mod scores_cli;
use scores_cli::{recompute_scores, simulate};

#[derive(Parser)]
#[command(name = "dealerloop", version, about = "The dealer-network portal")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web portal (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// Revert the newest migration instead.
        #[arg(long)]
        revert_last: bool,
    },
    /// Load a realistic demo dealer network and its leads (safe to run twice).
    Demo {
        /// How many demo leads to load (over the last six months).
        #[arg(long, default_value_t = 5000)]
        leads: usize,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the API tokens of machine clients (the marketing system).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Build a large synthetic network for benchmarks (5,000 dealers and 1,000,000 leads
    /// by default), with the dealer user `carico@dealerloop.demo`.
    Generate {
        #[arg(long, default_value_t = 5000)]
        dealers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        leads: usize,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Recompute every dealer's score and allocation weight now, and the dealer table's
    /// figures (the portal does both on its own), printing how long each took. Without
    /// --full: the dealers whose history changed are read again and every other score is
    /// aged from its kept evidence (what the portal does every hour); a day after the last
    /// full pass this reads everything, as --full does.
    Scores {
        /// Read every dealer's evidence from the history (what the portal does daily).
        #[arg(long)]
        full: bool,
    },
    /// Run the data-driven (Markov) attribution model over every decided journey now (the
    /// portal runs it every hour), print each channel's removal effect and share, and
    /// rewrite every won outcome's Markov credits.
    Attribution {
        /// First rewrite every won outcome's credits under the heuristic models (for
        /// outcomes recorded before attribution, or after its settings changed).
        #[arg(long)]
        recredit: bool,
        /// Instead of a run: read every decided journey, credit each converted one under
        /// all eight models, print each channel's totals per model and how long reading
        /// and computing took. Writes nothing.
        #[arg(long)]
        evaluate: bool,
        /// With --evaluate: also write the journeys as ChannelAttribution reads them (one
        /// row per distinct path: path, total_conversions, total_conversion_value,
        /// total_null), for benches/attribution_reference.py.
        #[arg(long, requires = "evaluate")]
        export: Option<std::path::PathBuf>,
        /// With --evaluate: print the totals and times as JSON.
        #[arg(long, requires = "evaluate")]
        json: bool,
    },
    /// Attribute a file of journeys with the models' pure functions and print each
    /// channel's totals as JSON (first, last and linear touch, and the Markov chain's
    /// removal effects): the cross-check against ChannelAttribution in
    /// `benches/attribution_reference.py` runs this.
    Attribute {
        /// A JSON array of journeys: `{"channels": [...], "converted": bool,
        /// "revenue_cents": n}`.
        #[arg(long)]
        journeys: std::path::PathBuf,
        /// The Markov chain's order (1 to 3).
        #[arg(long, default_value_t = 1)]
        order: usize,
    },
    /// Run a synthetic dealer network through the real services on a simulated clock, on
    /// a throwaway SQLite database, and print per week each feedback-habit group's share
    /// of the leads and mean score (with an SVG chart).
    Simulate {
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[arg(long, default_value_t = 200)]
        dealers: usize,
        #[arg(long, default_value_t = 400)]
        leads_per_day: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write the chart.
        #[arg(long, default_value = "simulation.svg")]
        chart: std::path::PathBuf,
        /// Keep the simulated database in this SQLite file (it must not exist yet)
        /// instead of deleting it.
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import leads from a CSV file (the format of the upload page, `,` or `;` separated);
    /// invalid rows are listed with their line and reason, and importing again changes nothing.
    Leads {
        /// The CSV file (UTF-8).
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an active user with a password read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// admin, manager or dealer
        #[arg(long)]
        role: String,
        /// The dealer's code (dealer users only).
        #[arg(long)]
        dealer: Option<String>,
        /// it or en
        #[arg(long)]
        locale: Option<String>,
        /// Display name (defaults to the email).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable a user; their sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (the last line of standard output); it is shown only once.
    Add {
        /// A name to recognise the client by: 2 to 60 letters, digits, dots, dashes or underscores.
        #[arg(long)]
        name: String,
        /// The lead source the client writes as (defaults to marketing).
        #[arg(long)]
        source: Option<String>,
    },
    /// Revoke a token; requests with it are refused from now on.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dealerloop: {e}");
            return ExitCode::from(2);
        }
    };
    dealerloop::telemetry::init(settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate { revert_last } => migrate(&settings, revert_last),
        Command::Demo { leads } => load_demo(&settings, leads),
        Command::User { command } => user(&settings, command),
        Command::Token { command } => token(&settings, command),
        Command::Generate { dealers, leads } => generate(&settings, dealers, leads),
        Command::Import {
            command: ImportCommand::Leads { file },
        } => import_leads(&settings, &file),
        Command::Scores { full } => recompute_scores(&settings, full),
        Command::Attribution {
            evaluate: true,
            export,
            json,
            ..
        } => evaluate_attribution(&settings, export.as_deref(), json),
        Command::Attribution { recredit, .. } => run_attribution(&settings, recredit),
        Command::Attribute { journeys, order } => attribute_file(&journeys, order),
        Command::Simulate {
            days,
            dealers,
            leads_per_day,
            seed,
            chart,
            keep,
        } => simulate(
            Simulation {
                days,
                dealers,
                leads_per_day,
                seed,
                rule: settings.score_rule,
            },
            &chart,
            keep.as_deref(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dealerloop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let database = settings.database_url.redacted();
        let app = Application::build(settings).await?;
        tracing::info!(url = %app.base_url(), %database, "dealerloop is listening");
        println!(
            "dealerloop is running at {} (database: {database})",
            app.base_url()
        );
        app.run_until_stopped().await
    })
}

/// How long a command waits for the database writer (on SQLite the file's write lock, on
/// PostgreSQL a row or table lock) before it gives up.
const CLI_WRITER_WAIT: Duration = Duration::from_secs(120);

/// Demo leads loaded per transaction (a fraction of a second of the writer each).
const DEMO_LEADS_PER_TRANSACTION: usize = 100;

/// How long a command waits for the writer before it says what it is waiting for.
const CLI_WAIT_NOTICE: Duration = Duration::from_secs(2);

/// Connects as a command does: writes wait up to [`CLI_WRITER_WAIT`] for the writer.
fn connect(settings: &Settings, pool_size: u32) -> anyhow::Result<Db> {
    Db::connect_with(&settings.database_url, pool_size, CLI_WRITER_WAIT)
}

fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = connect(settings, 2)?;
    db::run_migrations(&mut *db.write_conn()?)?;
    as_writer(&db, |conn| Ok(region_keys::fill_missing(conn)?))?;
    Ok(db)
}

/// Runs `work` as the database writer, like a request of the portal does
/// ([`Db::write_blocking`]): beside a running portal it waits for the portal's write to end
/// instead of failing with `database is locked`, and says on standard error what it is
/// waiting for once that takes more than a moment.
fn as_writer<T>(
    db: &Db,
    work: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut next_notice = CLI_WAIT_NOTICE;
    db.write_blocking(
        &mut |waited| {
            if waited >= next_notice {
                eprintln!(
                    "dealerloop: waiting for the database writer: another process (such as \
                     the running portal) is writing; {} s so far, giving up after {} s…",
                    waited.as_secs(),
                    CLI_WRITER_WAIT.as_secs()
                );
                next_notice = waited + Duration::from_secs(10);
            }
        },
        work,
    )
    .map_err(|e| match e.downcast_ref::<AppError>() {
        Some(AppError::Busy(Contention::WriterHeld)) => anyhow::anyhow!(
            "gave up after {} s waiting for the database writer: another process kept \
             writing; try again when it has finished",
            CLI_WRITER_WAIT.as_secs()
        ),
        _ => e,
    })
}

fn migrate(settings: &Settings, revert_last: bool) -> anyhow::Result<()> {
    let db = connect(settings, 1)?;
    if revert_last {
        let reverted = as_writer(&db, db::revert_last_migration)?;
        println!("reverted {reverted}");
        return Ok(());
    }
    let applied = db::run_migrations(&mut *db.write_conn()?)?;
    as_writer(&db, |conn| Ok(region_keys::fill_missing(conn)?))?;
    if applied.is_empty() {
        println!("the database is up to date");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(())
}

fn load_demo(settings: &Settings, lead_count: usize) -> anyhow::Result<()> {
    let db = open(settings)?;
    let summary = as_writer(&db, demo::load)?;
    let base_url = settings.base_url(settings.port);
    // A chunk per transaction: a portal running beside this command gets the writer
    // between chunks instead of waiting for the whole load.
    let mut loader = demo::DemoLeads::new(lead_count, &base_url);
    as_writer(&db, |conn| loader.load_campaigns(conn))?;
    while as_writer(&db, |conn| {
        loader.load_next(conn, DEMO_LEADS_PER_TRANSACTION)
    })? {}
    let leads = loader.summary();
    println!(
        "demo network ready: {} dealers and {} users created",
        summary.dealers_created, summary.users_created
    );
    println!(
        "demo leads: {} created ({} accepted, {} declined, {} left to expire), {} campaigns with monthly spend",
        leads.created, leads.accepted, leads.declined, leads.expired, leads.campaigns
    );
    println!(
        "demo feedback: {} forms submitted, {} outcomes sent to the outbox, every dealer's score recomputed {} times (weekly history)",
        leads.forms_submitted, leads.outcome_events, leads.score_recomputations
    );
    println!(
        "log in at http://{}:{} with password {}",
        settings.host,
        settings.port,
        demo::DEMO_PASSWORD
    );
    println!("  admin:           {}", demo::DEMO_ADMIN);
    println!("  channel manager: {}", demo::DEMO_MANAGER);
    println!("  dealer user:     {}", demo::first_dealer_user());
    Ok(())
}

fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    match command {
        UserCommand::Add {
            email,
            role,
            dealer,
            locale,
            name,
            password_stdin: _,
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let form = users::UserForm {
                name: name.unwrap_or_else(|| email.clone()),
                email,
                role,
                dealer_code: dealer.unwrap_or_default(),
                locale: locale.unwrap_or_default(),
            };
            let id = as_writer(&db, |conn| {
                users::create_with_password(conn, &Actor::cli(), &form, password)
            })?;
            println!("created user {id} ({})", form.email.trim().to_lowercase());
        }
        UserCommand::Disable { email } => {
            as_writer(&db, |conn| {
                users::disable_by_email(conn, &Actor::cli(), &email)
            })?;
            println!("disabled {email}; their sessions have ended");
        }
    }
    Ok(())
}

fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    match command {
        TokenCommand::Add { name, source } => {
            let source = source.unwrap_or_default();
            let issued = as_writer(&db, |conn| {
                Ok(api_tokens::issue(conn, &Actor::cli(), &name, &source)?)
            })?;
            eprintln!(
                "created API token {} ({}); copy it now: it will not be shown again",
                issued.id,
                name.trim()
            );
            println!("{}", issued.secret);
        }
        TokenCommand::Revoke { name } => {
            let name = name.trim();
            let revoked = as_writer(&db, |conn| {
                let token = ApiToken::find_by_name(conn, name)?
                    .ok_or_else(|| anyhow::anyhow!("no API token named {name}"))?;
                if token.revoked_at.is_some() {
                    return Ok(false);
                }
                api_tokens::revoke(conn, &Actor::cli(), token.id)?;
                Ok(true)
            })?;
            if revoked {
                println!("revoked the API token {name}; requests with it are refused");
            } else {
                println!("the API token {name} was already revoked");
            }
        }
    }
    Ok(())
}

fn generate(settings: &Settings, dealers: usize, leads: usize) -> anyhow::Result<()> {
    drop(open(settings)?);
    // Hundreds of transactions, each starting with a write: on a connection whose statements
    // wait as long as a command does for another process's lock, rather than in one
    // transaction holding the writer for minutes.
    let mut conn = settings
        .database_url
        .establish_waiting(CLI_WRITER_WAIT)
        .map_err(|e| anyhow::anyhow!("cannot connect: {e}"))?;
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(leads as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} leads ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let done = scale::generate(&mut conn, dealers, leads, &mut |n| {
        bar.set_position(n as u64);
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!(
        "generated {} dealers, {} leads, {} offers and {} touchpoints in {:.0} s",
        done.dealers,
        done.leads,
        done.offers,
        done.touchpoints,
        started.elapsed().as_secs_f64()
    );
    println!(
        "dealer user: {} (password {})",
        scale::LOAD_USER,
        demo::DEMO_PASSWORD
    );
    // Every lead's journey row, then its outcomes credited under every model, as the
    // portal would have done at each one.
    let started = std::time::Instant::now();
    let journeys = dealerloop::models::journey::JourneyRow::rebuild_all(&mut conn)?;
    println!(
        "wrote {journeys} journey rows in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    run_attribution(settings, true)
}

fn import_leads(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    use dealerloop::services::csv_import;

    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if bytes.len() > csv_import::MAX_FILE_BYTES {
        anyhow::bail!(
            "{}: the file is larger than {} MB",
            file.display(),
            csv_import::MAX_FILE_BYTES / (1024 * 1024)
        );
    }
    let parsed = csv_import::parse_csv(&bytes, db::now())
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let db = open(settings)?;
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(parsed.rows.len() as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let policy = dealerloop::services::allocation::OfferPolicy::from_settings(
        settings,
        settings.base_url(settings.port),
    );
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    // One transaction per chunk, the writer released between them, so a portal running
    // beside the command keeps serving; a run that stops midway keeps whole chunks.
    let mut summary = csv_import::ImportSummary::default();
    for chunk in csv_import::chunks(parsed.rows) {
        let done = as_writer(&db, |conn| {
            Ok(csv_import::import_chunk(conn, &chunk, &policy)?)
        })?;
        summary.add(done);
        bar.set_position(summary.rows as u64);
    }
    as_writer(&db, |conn| {
        Ok(csv_import::record_import(
            conn,
            &Actor::cli(),
            &name,
            &summary,
        )?)
    })?;
    bar.finish_and_clear();
    println!(
        "{}: {} rows: {} imported, {} already imported (unchanged), {} conflicts, {} invalid",
        file.display(),
        summary.rows,
        summary.created,
        summary.duplicate,
        summary.conflicts.len(),
        summary.invalid_rows
    );
    for problem in summary.problems() {
        println!("{problem}");
    }
    Ok(())
}
