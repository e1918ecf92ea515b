//! `pusher-lite-server`: run the reference server.
//!
//! With no options it serves one demo organization (`acme-inc`) and app on
//! 127.0.0.1:6001, in memory, and prints their credentials.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pusher_lite_server::Server;
use pusher_lite_server::config::{self, FileConfig, ServerConfig};

#[derive(Parser)]
#[command(
    name = "pusher-lite-server",
    version,
    about = "PusherLite reference server (Pusher Channels protocol 7)"
)]
struct Cli {
    /// Address to listen on.
    #[arg(long)]
    host: Option<String>,
    /// Port to listen on (0 picks a free one).
    #[arg(long)]
    port: Option<u16>,
    /// An app as ID:KEY:SECRET (repeatable).
    #[arg(long = "app", value_name = "ID:KEY:SECRET")]
    apps: Vec<String>,
    /// A Lite organization as NAME:SECRET_TOKEN (repeatable; apps join the first).
    #[arg(long = "org", value_name = "NAME:SECRET_TOKEN")]
    orgs: Vec<String>,
    /// A TOML file with organizations, apps, limits, webhooks and allowed origins.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where `/js/pusher.js` and `/js/jquery.min.js` are served from (`cargo xtask dist` puts them there).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../npm/dist"))]
    static_dir: PathBuf,
}

fn load(cli: Cli) -> Result<ServerConfig, config::ConfigError> {
    let file = match &cli.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let apps = cli
        .apps
        .iter()
        .map(|a| config::parse_app_flag(a))
        .collect::<Result<_, _>>()?;
    let orgs = cli
        .orgs
        .iter()
        .map(|o| config::parse_org_flag(o))
        .collect::<Result<_, _>>()?;
    ServerConfig::build(file, cli.host, cli.port, apps, orgs, cli.static_dir)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        () = terminate => {}
    }
}

fn print_banner(config: &ServerConfig, port: u16) {
    let host = if config.host.contains(':') {
        format!("[{}]", config.host)
    } else {
        config.host.clone()
    };
    println!("pusher-lite-server listening on http://{host}:{port}");
    println!("  chat page        http://{host}:{port}/");
    println!("  WebSocket        ws://{host}:{port}/app/<key>?protocol=7");
    for org in &config.organizations {
        println!(
            "  organization     {}  secret token {}",
            org.name, org.secret_token
        );
    }
    for app in &config.apps {
        println!(
            "  app              id {}  key {}  secret {}  (organization {})",
            app.id,
            app.key,
            app.secret,
            app.organization.as_deref().unwrap_or("-")
        );
    }
    if let (Some(app), Some(org)) = (config.apps.first(), config.organizations.first()) {
        println!("\nFor the pusher-lite CLI and SDKs:");
        println!(
            "  export PUSHER_LITE_HOST={host}:{port} PUSHER_LITE_APP_ID={} PUSHER_LITE_APP_KEY={} PUSHER_LITE_APP_SECRET={} PUSHER_LITE_ORGANIZATION={} PUSHER_LITE_SECRET_TOKEN={}",
            app.id, app.key, app.secret, org.name, org.secret_token
        );
    }
    if config.generated_credentials {
        println!(
            "\n(The demo credentials above were generated for this run and live in memory only.)"
        );
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PUSHER_LITE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match load(cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("pusher-lite-server: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pusher-lite-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        print_banner(&config, port);
        let server = Server::new(config).map_err(|e| e.to_string())?;
        server
            .serve(listener, shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pusher-lite-server: {e}");
            ExitCode::FAILURE
        }
    }
}
