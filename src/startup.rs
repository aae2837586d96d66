//! Building and running the application: connect, migrate, bind, serve, and the
//! background workers (mail delivery, session clean-up).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::email::{MailQueue, Mailer, MemoryMailbox};
use crate::error::AppError;
use crate::services::allocation::region_keys;
use crate::services::auth;
use crate::web::{AppState, csrf, error_pages, headers, observability, request_context};

/// Largest request body accepted for forms (CSV uploads get their own limit later).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// A built application, bound to its port but not yet running.
pub struct Application {
    port: u16,
    server: Server,
    /// The separate metrics listener (`DEALERLOOP_METRICS_ADDR`) and the port it bound.
    metrics_server: Option<(u16, Server)>,
    state: AppState,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Connects to the database (migrating it), binds `host:port` (port 0 picks a free
    /// one) and prepares the server and workers.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let url = settings.database_url.clone();
        let (pool_size, writer_wait) = (settings.db_pool_size, settings.db_writer_wait);
        let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
            let db = Db::connect_with(&url, pool_size, writer_wait)?;
            let applied = db::run_migrations(&mut *db.write_conn()?)?;
            if !applied.is_empty() {
                tracing::info!(?applied, "migrations applied");
            }
            let keyed = region_keys::fill_missing(&mut *db.write_conn()?)?;
            if keyed > 0 {
                tracing::info!(keyed, "region keys written for rows stored before them");
            }
            Ok(db)
        })
        .await??;

        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let base_url = settings.base_url(port);
        let mailer = Mailer::from_settings(&settings.email)?;
        let mail = MailQueue::new(db.clone(), mailer, settings.email_from.clone());
        let state = AppState {
            db,
            mail,
            metrics: Arc::default(),
            base_url: base_url.into(),
            settings: Arc::new(settings),
            fragments: Arc::default(),
            history_charts: Arc::default(),
            dealer_pages: Arc::default(),
        };
        let workers = state.settings.workers;
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(app_state.clone()))
                .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
                .app_data(web::FormConfig::default().limit(MAX_FORM_BYTES))
                .app_data(web::JsonConfig::default().limit(MAX_FORM_BYTES))
                // A path segment that does not parse (`/leads/abc` where an id is expected)
                // names nothing: 404, as an unknown id would.
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .configure(crate::routes::configure)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(AppError::NotFound)
                }))
                .wrap(from_fn(csrf::protect))
                .wrap(from_fn(request_context::load))
                .wrap(from_fn(error_pages::render))
                .wrap(from_fn(headers::secure))
                .wrap(Compress::default())
                .wrap(from_fn(observability::observe))
        })
        .workers(workers)
        .shutdown_timeout(20)
        .listen(listener)?
        .run();
        let metrics_server = match state.settings.metrics_addr {
            Some(addr) => Some(metrics_listener(addr, &state.metrics)?),
            None => None,
        };
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics listener, when `DEALERLOOP_METRICS_ADDR` is set
    /// (port 0 there picks a free one).
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    pub fn base_url(&self) -> String {
        self.state.base_url.to_string()
    }

    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// The in-memory mailbox, when the memory email backend is configured.
    pub fn mailbox(&self) -> Option<MemoryMailbox> {
        self.state.mail.mailer().memory()
    }

    /// The mail queue (tests deliver through it directly).
    pub fn mail_queue(&self) -> MailQueue {
        self.state.mail.clone()
    }

    /// Serves until the server stops (SIGINT/SIGTERM finish in-flight requests first).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        if self.state.settings.run_workers {
            spawn_workers(&self.state, self.shutdown.subscribe());
        }
        let metrics = self.metrics_server.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        let _ = self.shutdown.send(true);
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        result.context("server error")
    }
}

/// A second, small server on `addr` that serves only `/metrics`, from the same counters as
/// the portal, so metrics can stay on the monitoring network. It follows the portal's
/// lifetime (stopped when the portal stops) and reports the port it bound.
fn metrics_listener(
    addr: std::net::SocketAddr,
    metrics: &Arc<observability::Metrics>,
) -> anyhow::Result<(u16, Server)> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("cannot listen for metrics on {addr}"))?;
    let port = listener.local_addr()?.port();
    let metrics = web::Data::from(metrics.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .configure(crate::routes::ops::configure_metrics_listener)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(5)
    .listen(listener)?
    .run();
    Ok((port, server))
}

fn spawn_workers(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(state.mail.clone().run(shutdown.clone()));
    let (db, policy) = (state.db.clone(), state.offer_policy());
    let feedback_policy = state.feedback_policy();
    // Mail these runs queue wakes the mail queue when their writes commit (`OutboxSignal`).
    every(Duration::from_secs(30), shutdown.clone(), move || {
        let (db, policy, feedback_policy) = (db.clone(), policy.clone(), feedback_policy.clone());
        async move {
            let result = db
                .write(move |conn| {
                    crate::services::deadlines::process_due(conn, &policy, crate::db::now())
                })
                .await;
            let feedback = db
                .write(move |conn| {
                    crate::services::feedback::process_due(conn, &feedback_policy, crate::db::now())
                })
                .await;
            match feedback {
                Ok(run) if run.opened + run.reminded > 0 => tracing::info!(
                    opened = run.opened,
                    reminded = run.reminded,
                    "feedback requests"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "feedback requests"),
            }
            match result {
                Ok(run) if run.reminded + run.expired > 0 => tracing::info!(
                    reminded = run.reminded,
                    expired = run.expired,
                    "offer deadlines"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "offer deadlines"),
            }
        }
    });
    if state.db.backend == crate::db::Backend::Sqlite {
        let db = state.db.clone();
        every(Duration::from_secs(1), shutdown.clone(), move || {
            let db = db.clone();
            async move {
                let checkpoint = db
                    .read(|conn| -> Result<(), AppError> { Ok(crate::db::checkpoint_wal(conn)?) });
                if let Err(e) = checkpoint.await {
                    tracing::error!(error = ?e, "WAL checkpoint");
                }
            }
        });
    }
    spawn_scoring(state, shutdown.clone());
    spawn_attribution(state, shutdown.clone());
    spawn_digest(state, shutdown.clone());
    let (db, policy) = (state.db.clone(), state.session_policy());
    every(Duration::from_secs(300), shutdown, move || {
        let db = db.clone();
        async move {
            let result = db
                .write(move |conn| auth::purge_expired(conn, policy))
                .await;
            if let Err(e) = result {
                tracing::error!(error = ?e, "session clean-up");
            }
        }
    });
}

/// Keeps dealer scores current: every minute the dealers that had a feedback request
/// close unanswered are recomputed; every hour (and at start) every dealer is, for
/// ageing. The full recomputation reads outside the writer and writes in one short
/// transaction.
fn spawn_scoring(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    use crate::services::dealer_score::store;
    spawn_dealer_figures(state, shutdown.clone());
    let (db, rule) = (state.db.clone(), state.score_rule());
    let since = std::sync::Arc::new(std::sync::Mutex::new(crate::db::now()));
    let last_all = std::sync::Arc::new(std::sync::Mutex::new(None::<std::time::Instant>));
    // Every minute, the dealers whose history changed are read again; every hour, every
    // score is recomputed from the kept evidence (aged); once a day, from the history.
    every(Duration::from_secs(60), shutdown, move || {
        let (db, since, last_all) = (db.clone(), since.clone(), last_all.clone());
        async move {
            let now = crate::db::now();
            let all_due = last_all
                .lock()
                .map(|l| l.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)))
                .unwrap_or(true);
            if all_due {
                match recompute_every_score(&db, rule, now).await {
                    Ok(done) => {
                        tracing::info!(
                            dealers = done.dealers,
                            reread = done.reread,
                            snapshots = done.snapshots,
                            "dealer scores"
                        );
                        if let Ok(mut l) = last_all.lock() {
                            *l = Some(std::time::Instant::now());
                        }
                    }
                    Err(e) => tracing::error!(error = ?e, "dealer scores"),
                }
            }
            let from = since.lock().map(|s| *s).unwrap_or(now);
            let changed = db
                .write(move |conn| -> Result<_, AppError> {
                    Ok(store::refresh_changed(conn, &rule, from, now)?)
                })
                .await;
            match changed {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(dealers = n, "dealer scores after changes");
                    }
                    if let Ok(mut s) = since.lock() {
                        *s = now;
                    }
                }
                Err(e) => tracing::error!(error = ?e, "dealer scores after changes"),
            }
        }
    });
}

/// Every dealer's score at `now`: from the kept evidence (the changed dealers read again)
/// in one write, or, when the full pass is due, read from the history on a reading
/// connection and then written in one short transaction.
async fn recompute_every_score(
    db: &crate::db::Db,
    rule: crate::services::dealer_score::ScoreRule,
    now: chrono::NaiveDateTime,
) -> Result<crate::services::dealer_score::store::Recomputed, AppError> {
    use crate::services::dealer_score::{gather, store};
    let full = db
        .read(move |conn| -> Result<_, AppError> { Ok(store::full_due(conn, now)?) })
        .await?;
    if !full {
        return db
            .write(move |conn| store::recompute_all(conn, &rule, now))
            .await;
    }
    let evidence = db
        .read(move |conn| -> Result<_, AppError> {
            Ok(gather::gather(conn, gather::Scope::Network, &rule, now)?)
        })
        .await?;
    db.write(move |conn| -> Result<_, AppError> {
        Ok(store::store_network(conn, &evidence, &rule, now)?)
    })
    .await
}

/// The dealer table's figures (`services::dealers::stats`), every 10 minutes: read on a
/// reading connection, then written in one short transaction.
fn spawn_dealer_figures(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    use crate::services::dealers::stats;
    let db = state.db.clone();
    every(Duration::from_secs(600), shutdown, move || {
        let db = db.clone();
        async move {
            let now = crate::db::now();
            let figures = db
                .read(move |conn| -> Result<_, AppError> { Ok(stats::compute(conn, now)?) })
                .await;
            let stored = match figures {
                Ok(figures) => {
                    let dealers = figures.dealers();
                    db.write(move |conn| -> Result<_, AppError> {
                        Ok(stats::store(conn, &figures)?)
                    })
                    .await
                    .map(|()| dealers)
                }
                Err(e) => Err(e),
            };
            match stored {
                Ok(dealers) => tracing::info!(dealers, "dealer table figures"),
                Err(e) => tracing::error!(error = ?e, "dealer table figures"),
            }
        }
    });
}

/// The data-driven attribution model, run again every hour (checked every 10 minutes, so
/// a restart does not run it again before it is due): read and solved on a reading
/// connection, then stored in one transaction.
fn spawn_attribution(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    use crate::services::attribution::runs;
    let (db, settings) = (state.db.clone(), state.attribution());
    every(Duration::from_secs(600), shutdown, move || {
        let db = db.clone();
        async move {
            let now = crate::db::now();
            let due = db
                .read(move |conn| -> Result<_, AppError> { runs::due(conn, now) })
                .await;
            match due {
                Ok(false) => return,
                Ok(true) => {}
                Err(e) => {
                    tracing::error!(error = ?e, "attribution run");
                    return;
                }
            }
            match runs::run(&db, settings, "schedule".into()).await {
                Ok((id, solved)) => tracing::info!(
                    run = id,
                    journeys = solved.journeys,
                    conversions = solved.conversions,
                    states = solved.states,
                    seconds = solved.seconds,
                    "attribution run"
                ),
                Err(e) => tracing::error!(error = ?e, "attribution run"),
            }
        }
    });
}

/// The weekly digest to channel managers: checked every 10 minutes from 10 minutes after
/// start, sent once on Monday morning (the week is claimed in the same transaction that
/// queues the mail).
fn spawn_digest(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    use crate::services::attribution::digest;
    let (db, settings) = (state.db.clone(), state.attribution());
    let (tz, base_url) = (state.settings.timezone, state.base_url.to_string());
    let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    every(Duration::from_secs(600), shutdown, move || {
        let (db, base_url, started) = (db.clone(), base_url.clone(), started.clone());
        async move {
            // Not at start: a portal restarted on Monday morning waits its first period.
            if !started.swap(true, std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            let sent = db
                .write(move |conn| {
                    crate::db::transaction_retrying(conn, |conn| {
                        digest::send_due(conn, &settings, tz, &base_url, crate::db::now())
                    })
                })
                .await;
            match sent {
                Ok(0) => {}
                Ok(n) => tracing::info!(recipients = n, "weekly digest"),
                Err(e) => tracing::error!(error = ?e, "weekly digest"),
            }
        }
    });
}

/// Runs `tick` now and then every `period` after the previous run ended, until shutdown.
fn every<F, Fut>(period: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>, tick: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            tick().await;
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                _ = shutdown.changed() => return,
            }
        }
    });
}
