//! # pusher-lite-server
//!
//! The reference server: Pusher Channels protocol 7 over WebSocket at
//! `/app/{key}`, the Pusher HTTP API under `/apps/{app_id}`, the Lite routes
//! under `/api`, webhooks, `/up`, `/metrics`, the demo chat page at `/` and the
//! browser bundle at `/js/pusher.js`. Every protocol decision is taken by
//! `pusher-lite-core`; this crate keeps the live state and does the I/O.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use pusher_lite_server::{Server, config::{FileConfig, ServerConfig}};
//! let config = ServerConfig::build(FileConfig::default(), None, Some(6001), vec![], vec![], "npm/dist".into())?;
//! let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
//! Server::new(config)?.serve(listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod config;
pub mod hub;
pub mod lite;
pub mod metrics;
pub mod pages;
pub mod webhooks;
pub mod ws;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::config::{OrgConfig, ServerConfig};
use crate::hub::AppHub;
use crate::metrics::Metrics;
use crate::webhooks::WebhookQueue;

/// The running server's shared state.
pub struct Server {
    /// Its configuration.
    pub config: ServerConfig,
    /// Its counters.
    pub metrics: Arc<Metrics>,
    by_key: HashMap<String, Arc<AppHub>>,
    by_id: HashMap<String, Arc<AppHub>>,
    chat_app: Option<Arc<AppHub>>,
    next_connection: AtomicU64,
    shutdown: watch::Sender<bool>,
    started: std::time::Instant,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The webhook HTTP client could not be set up.
    #[error("cannot set up the webhook HTTP client: {0}")]
    Http(String),
    /// Serving failed.
    #[error("serving failed: {0}")]
    Serve(#[from] std::io::Error),
}

impl Server {
    /// Builds the server's state (and starts the webhook sender, so this must
    /// run inside a tokio runtime).
    pub fn new(config: ServerConfig) -> Result<Arc<Server>, StartError> {
        let metrics = Arc::new(Metrics::default());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| StartError::Http(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        })
        .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| StartError::Http(e.to_string()))?;
        let webhooks = WebhookQueue::start(metrics.clone(), http);
        let mut by_key = HashMap::new();
        let mut by_id = HashMap::new();
        let mut chat_app = None;
        for app in &config.apps {
            let org = config
                .organizations
                .iter()
                .find(|o| Some(&o.name) == app.organization.as_ref())
                .cloned();
            let hub = Arc::new(AppHub::new(
                app.clone(),
                org,
                config.limits,
                metrics.clone(),
                webhooks.clone(),
            ));
            if chat_app.is_none() && hub.org.is_some() {
                chat_app = Some(hub.clone());
            }
            by_key.insert(app.key.clone(), hub.clone());
            by_id.insert(app.id.clone(), hub);
        }
        Ok(Arc::new(Server {
            config,
            metrics,
            by_key,
            by_id,
            chat_app,
            next_connection: AtomicU64::new(1),
            shutdown: watch::channel(false).0,
            started: std::time::Instant::now(),
        }))
    }

    /// The app with this key.
    pub fn app_by_key(&self, key: &str) -> Option<Arc<AppHub>> {
        self.by_key.get(key).cloned()
    }

    /// The app with this id.
    pub fn app_by_id(&self, id: &str) -> Option<Arc<AppHub>> {
        self.by_id.get(id).cloned()
    }

    /// The app the chat page uses.
    pub fn chat_app(&self) -> Option<Arc<AppHub>> {
        self.chat_app.clone()
    }

    /// The organization with this name.
    pub fn org_by_name(&self, name: &str) -> Option<&OrgConfig> {
        self.config.organizations.iter().find(|o| o.name == name)
    }

    /// The organization whose secret token this is (compared in constant time).
    pub fn org_by_token(&self, token: &str) -> Option<&OrgConfig> {
        self.config.organizations.iter().find(|o| {
            o.secret_token.len() == token.len()
                && o.secret_token
                    .bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }

    /// A fresh connection number.
    pub fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Seconds since the Unix epoch (request signatures, session tokens).
    pub fn unix_secs(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
    }

    /// Milliseconds since the server started (rate limits).
    pub fn monotonic_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Occupied channels across apps.
    pub fn occupied_channels(&self) -> usize {
        self.by_id.values().map(|app| app.sizes().1).sum()
    }

    /// Changes to `true` when the server shuts down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// The HTTP routes.
    pub fn router(self: &Arc<Self>) -> Router {
        let api = Router::new()
            .route("/api/sessions", post(lite::sessions).options(|| async {}))
            .route(
                "/api/organizations/{org}/applications/{app_key}/event/{event}",
                post(lite::event).options(|| async {}),
            )
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                lite::cors,
            ));
        Router::new()
            .route("/", get(pages::chat))
            .route("/js/{name}", get(pages::script))
            .route("/up", get(pages::up))
            .route("/metrics", get(pages::metrics))
            .route("/app/{key}", get(ws::upgrade))
            .route("/apps/{app_id}/events", post(api::events))
            .route("/apps/{app_id}/batch_events", post(api::batch_events))
            .route("/apps/{app_id}/channels", get(api::channels))
            .route("/apps/{app_id}/channels/{channel}", get(api::channel))
            .route("/apps/{app_id}/channels/{channel}/users", get(api::users))
            .route(
                "/apps/{app_id}/users/{user_id}/terminate_connections",
                post(api::terminate),
            )
            .merge(api)
            .with_state(self.clone())
    }

    /// Serves until `shutdown` completes; then every WebSocket gets a
    /// 4200-range close (so clients reconnect elsewhere) and serving stops.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let server = self.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: closing connections with 4200");
            let _ = server.shutdown.send(true);
            // Give connections a moment to send their close frames.
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        axum::serve(listener, self.router())
            .with_graceful_shutdown(signal)
            .await?;
        Ok(())
    }
}
