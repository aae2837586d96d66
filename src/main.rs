//! The `dealerloop` command: `serve` (the default), `migrate`, `demo`, `user` and `token`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A faster allocator than the system one for the many small allocations of page rendering.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use dealerloop::config::Settings;
use dealerloop::db::{self, Db};
use dealerloop::i18n::Locale;
use dealerloop::models::api_token::ApiToken;
use dealerloop::services::audit::Actor;
use dealerloop::services::{api_tokens, demo, users};
use dealerloop::startup::Application;

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
    /// Load a realistic demo dealer network (safe to run twice).
    Demo,
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
        Command::Demo => load_demo(&settings),
        Command::User { command } => user(&settings, command),
        Command::Token { command } => token(&settings, command),
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

fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url, 2)?;
    db::run_migrations(&mut *db.write_conn()?)?;
    Ok(db)
}

fn migrate(settings: &Settings, revert_last: bool) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url, 1)?;
    let mut conn = db.write_conn()?;
    if revert_last {
        println!("reverted {}", db::revert_last_migration(&mut conn)?);
        return Ok(());
    }
    let applied = db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("the database is up to date");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(())
}

fn load_demo(settings: &Settings) -> anyhow::Result<()> {
    let db = open(settings)?;
    let summary = demo::load(&mut *db.write_conn()?)?;
    println!(
        "demo network ready: {} dealers and {} users created",
        summary.dealers_created, summary.users_created
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
    let mut conn = db.write_conn()?;
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
            let id = users::create_with_password(&mut conn, &Actor::cli(), &form, password)?;
            println!("created user {id} ({})", form.email.trim().to_lowercase());
        }
        UserCommand::Disable { email } => {
            users::disable_by_email(&mut conn, &Actor::cli(), &email)?;
            println!("disabled {email}; their sessions have ended");
        }
    }
    Ok(())
}

fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    let mut conn = db.write_conn()?;
    match command {
        TokenCommand::Add { name, source } => {
            let source = source.unwrap_or_default();
            let issued =
                api_tokens::issue(&mut conn, &Actor::cli(), &name, &source)?.map_err(|errors| {
                    let list: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, Locale::En.t(e.key)))
                        .collect();
                    anyhow::anyhow!(list.join("; "))
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
            let token = ApiToken::find_by_name(&mut conn, name)?
                .ok_or_else(|| anyhow::anyhow!("no API token named {name}"))?;
            if token.revoked_at.is_some() {
                println!("the API token {name} was already revoked");
            } else {
                api_tokens::revoke(&mut conn, &Actor::cli(), token.id)?;
                println!("revoked the API token {name}; requests with it are refused");
            }
        }
    }
    Ok(())
}
