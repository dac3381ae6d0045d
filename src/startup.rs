//! Building and running the HTTP server.
//!
//! `Application::build` connects, migrates and binds (port 0 works: tests use it);
//! `run_until_stopped` serves until a signal or `stop`, then checkpoints SQLite.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::configuration::Settings;
use crate::error::AppError;
use crate::state::{AppState, StartupError};
use crate::{api, names, operations, pages, scheduler, telemetry, web as kweb};

/// A response body that comes in parts (a chat connection's frames) is written out once this
/// much waits, instead of actix-http's 32 KiB, so that a connection's write buffer keeps the
/// 8 KiB it starts with. Above a page's headers, which go out with the start of its body in
/// one write (a page comes whole and is written whole either way).
pub const WRITE_BUFFER_BYTES: usize = 4 * 1024;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    chat: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let bind = settings.server.bind.clone();
        let state = crate::blocking::run(move || {
            let state = AppState::build(settings)?;
            // After the migrations: keys computed by an older rule are brought up to date.
            names::refresh_display_keys(&mut *state.db.get_blocking()?)?;
            Ok::<_, StartupError>(state)
        })
        .await
        .map_err(AppError::internal)??;
        let state = web::Data::new(state);
        let chat = crate::chat::bus::start(&state.clone().into_inner()).await;
        let listener = TcpListener::bind(&bind).map_err(|source| StartupError::Bind {
            addr: bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr: bind, source })?
            .port();
        let server = serve(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
            chat,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped; background jobs run alongside. Checkpoints SQLite at the end.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let jobs = scheduler::Scheduler::start(self.state.clone().into_inner());
        let result = self.server.await;
        jobs.stop();
        crate::chat::bus::stop(&self.state.clone().into_inner(), self.chat).await;
        let db = self.state.db.clone();
        let _ = crate::blocking::run(move || {
            if let Err(e) = db.checkpoint_blocking() {
                tracing::error!(error = %e, "checkpoint at shutdown failed");
            }
        })
        .await;
        tracing::info!("stopped");
        result
    }
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> Result<Server, StartupError> {
    let settings = state.settings.clone();
    let https = settings.server.public_url.starts_with("https://");
    let max_body = settings.server.max_body_bytes;
    let address = listener.local_addr().ok();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(|cfg| kweb::extractor_config(cfg, max_body))
            .wrap(from_fn(kweb::refuse_nul))
            .wrap(from_fn(kweb::security::check_origin))
            .wrap(kweb::security::headers(https))
            .wrap(from_fn(telemetry::log_request))
            .configure(operations::configure)
            .configure(api::configure)
            .configure(pages::configure)
            .default_service(web::to(kweb::routes::fallback))
    })
    .shutdown_timeout(10)
    .client_request_timeout(Duration::from_secs(10))
    .h1_write_buffer_size(WRITE_BUFFER_BYTES);
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    // Each worker has its own blocking pool (512 ÷ CPUs threads by default): together no more
    // threads than database connections, or they queue on the pool and cost 17 % of a page.
    let workers = match settings.server.workers {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    server = server
        .worker_max_blocking_threads((settings.database.pool_size as usize).div_ceil(workers));
    let server = server
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: settings.server.bind.clone(),
            source,
        })?
        .run();
    if let Some(address) = address {
        tracing::info!(%address, backend = state_backend(&settings), "listening");
        if !address.ip().is_loopback() && settings.server.public_url.is_empty() {
            tracing::warn!(
                "listening beyond this machine without server.public_url: set it to the \
                 address people use (https://...), so cookies and Origin checks fit it"
            );
        }
    }
    Ok(server)
}

fn state_backend(settings: &Settings) -> &'static str {
    crate::db::Backend::from_url(&settings.database.url)
        .map(|b| b.name())
        .unwrap_or("unknown")
}
