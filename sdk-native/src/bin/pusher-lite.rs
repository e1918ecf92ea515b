//! `pusher-lite`: trigger events, subscribe, mint sessions and query channels
//! from a terminal. Configuration comes from flags or the `PUSHER_LITE_*`
//! environment variables. Exit codes: 0 success, 1 failure, 2 usage error.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use futures_util::StreamExt;
use pusher_lite::{
    ChannelAuthorizer, Client, EnvConfig, Error, MemberData, Publisher, SessionRequest, State,
    TriggerOptions,
};

#[derive(Parser)]
#[command(
    name = "pusher-lite",
    version,
    about = "Pusher Channels from the command line (PusherLite)"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct ConfigArgs {
    /// Server: host, host:port or URL.
    #[arg(long, env = "PUSHER_LITE_HOST", global = true)]
    host: Option<String>,
    /// App id (signed HTTP API).
    #[arg(long, env = "PUSHER_LITE_APP_ID", global = true)]
    app_id: Option<String>,
    /// App key.
    #[arg(long, env = "PUSHER_LITE_APP_KEY", global = true)]
    app_key: Option<String>,
    /// App secret (signed HTTP API, channel authorization).
    #[arg(
        long,
        env = "PUSHER_LITE_APP_SECRET",
        global = true,
        hide_env_values = true
    )]
    app_secret: Option<String>,
    /// Lite organization.
    #[arg(long, env = "PUSHER_LITE_ORGANIZATION", global = true)]
    organization: Option<String>,
    /// The organization's secret token (Lite sessions).
    #[arg(
        long,
        env = "PUSHER_LITE_SECRET_TOKEN",
        global = true,
        hide_env_values = true
    )]
    secret_token: Option<String>,
    /// Encryption master key, base64 (private-encrypted- channels).
    #[arg(
        long,
        env = "PUSHER_LITE_ENCRYPTION_MASTER_KEY",
        global = true,
        hide_env_values = true
    )]
    encryption_master_key: Option<String>,
}

impl ConfigArgs {
    fn env(&self) -> EnvConfig {
        EnvConfig {
            host: self.host.clone(),
            organization: self.organization.clone(),
            secret_token: self.secret_token.clone(),
            app_id: self.app_id.clone(),
            app_key: self.app_key.clone(),
            app_secret: self.app_secret.clone(),
            encryption_master_key: self.encryption_master_key.clone(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Trigger an event (signed HTTP API with the app secret; else the Lite
    /// event endpoint with a session minted from the organization token).
    Trigger {
        /// Channel (repeatable; up to 100).
        #[arg(long = "channel", short = 'c', required = true)]
        channels: Vec<String>,
        /// Event name.
        #[arg(long, short = 'e')]
        event: String,
        /// Event data (JSON text).
        #[arg(long, short = 'd', default_value = "{}")]
        data: String,
        /// Leave out this socket id.
        #[arg(long)]
        socket_id: Option<String>,
        /// Channel attributes to return (user_count, subscription_count).
        #[arg(long)]
        info: Option<String>,
    },
    /// Subscribe and print events as JSON lines until Ctrl-C or --count.
    Subscribe {
        /// Channel (repeatable).
        #[arg(long = "channel", short = 'c', required = true)]
        channels: Vec<String>,
        /// Only this event name.
        #[arg(long, short = 'e')]
        event: Option<String>,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<u64>,
        /// User id on presence channels.
        #[arg(long, default_value = "pusher-lite-cli")]
        user_id: String,
        /// Also print protocol events (pusher:…).
        #[arg(long)]
        all: bool,
    },
    /// Print a Lite session token.
    Session {
        /// User id (presence membership).
        #[arg(long)]
        user_id: Option<String>,
        /// Channel patterns to listen on (repeatable).
        #[arg(long)]
        listen: Vec<String>,
        /// Channel patterns to publish on (repeatable).
        #[arg(long)]
        publish: Vec<String>,
        /// Lifetime in seconds.
        #[arg(long)]
        ttl: Option<u64>,
        /// Ask the server (POST /api/sessions) instead of minting locally.
        #[arg(long)]
        remote: bool,
    },
    /// List occupied channels as JSON.
    Channels {
        /// Only channels with this prefix.
        #[arg(long)]
        prefix: Option<String>,
        /// Attributes (user_count needs a presence- prefix).
        #[arg(long)]
        info: Option<String>,
    },
    /// List the users of a presence channel as JSON.
    Users {
        /// The presence channel.
        #[arg(long, short = 'c')]
        channel: String,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("PUSHER_LITE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pusher-lite: {e}");
            ExitCode::FAILURE
        }
    }
}

fn session_request(
    user_id: Option<String>,
    listen: Vec<String>,
    publish: Vec<String>,
    ttl: Option<u64>,
) -> SessionRequest {
    SessionRequest {
        user_id,
        user_info: None,
        listen: (!listen.is_empty()).then_some(listen),
        publish: (!publish.is_empty()).then_some(publish),
        ttl_secs: ttl,
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let env = cli.config.env();
    match cli.command {
        Command::Trigger {
            channels,
            event,
            data,
            socket_id,
            info,
        } => {
            let publisher = Publisher::from_config(&env)?;
            if env.app_secret.is_some() {
                let response = publisher
                    .trigger_with(
                        &channels,
                        &event,
                        &data,
                        &TriggerOptions { socket_id, info },
                    )
                    .await?;
                println!("{}", serde_json::to_string(&response).unwrap_or_default());
            } else {
                let token = publisher.mint_session(&SessionRequest::default())?;
                for channel in &channels {
                    publisher
                        .lite_trigger(&token, channel, &event, &data)
                        .await?;
                }
                println!("{{}}");
            }
        }
        Command::Subscribe {
            channels,
            event,
            count,
            user_id,
            all,
        } => subscribe(&env, channels, event, count, user_id, all).await?,
        Command::Session {
            user_id,
            listen,
            publish,
            ttl,
            remote,
        } => {
            let publisher = Publisher::from_config(&env)?;
            let request = session_request(user_id, listen, publish, ttl);
            let token = if remote {
                publisher.request_session(&request).await?
            } else {
                publisher.mint_session(&request)?
            };
            println!("{token}");
        }
        Command::Channels { prefix, info } => {
            let response = Publisher::from_config(&env)?
                .channels(prefix.as_deref(), info.as_deref())
                .await?;
            println!("{}", serde_json::to_string(&response).unwrap_or_default());
        }
        Command::Users { channel } => {
            let users = Publisher::from_config(&env)?.users(&channel).await?;
            println!("{}", serde_json::json!({ "users": users }));
        }
    }
    Ok(())
}

async fn subscribe(
    env: &EnvConfig,
    channels: Vec<String>,
    only_event: Option<String>,
    count: Option<u64>,
    user_id: String,
    all: bool,
) -> Result<(), Error> {
    let host = env
        .host
        .as_deref()
        .ok_or_else(|| Error::Config("set --host or PUSHER_LITE_HOST".into()))?;
    let key = env
        .app_key
        .as_deref()
        .ok_or_else(|| Error::Config("set --app-key or PUSHER_LITE_APP_KEY".into()))?;
    let mut builder = Client::builder(key).address(host)?;
    let publisher = Publisher::from_config(env)?;
    if env.app_secret.is_some() && env.app_id.is_some() {
        let member = MemberData {
            user_id: user_id.clone(),
            user_info: None,
        };
        builder = builder.channel_authorizer(ChannelAuthorizer::publisher(publisher, Some(member)));
    } else if env.organization.is_some() && env.secret_token.is_some() {
        let request = SessionRequest {
            user_id: Some(user_id),
            ..SessionRequest::default()
        };
        builder = builder.session_token(publisher.mint_session(&request)?);
    }
    let client = builder.build()?;
    let mut events = client.events();
    let mut connection = client.connection_events();
    client.connect();
    for channel in &channels {
        client.subscribe(channel).await?;
    }
    let mut printed = 0u64;
    if count == Some(0) {
        return Ok(());
    }
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            Some(change) = connection.next() => {
                if let pusher_lite::ConnectionEvent::Error(error) = &change {
                    eprintln!("pusher-lite: connection error: {error:?}");
                }
                if client.state() == State::Disconnected {
                    return Err(Error::Config("the server refused the connection (check the app key)".into()));
                }
            }
            Some(event) = events.next() => {
                if event.name == "pusher:subscription_error" {
                    return Err(Error::Config(format!(
                        "subscription to {} refused: {}",
                        event.channel.as_deref().unwrap_or("?"),
                        event.data.as_deref().unwrap_or("")
                    )));
                }
                let protocol = event.name.starts_with("pusher:");
                if (protocol && !all) || only_event.as_deref().is_some_and(|e| e != event.name) {
                    continue;
                }
                let data = event
                    .data
                    .as_deref()
                    .map(|d| serde_json::from_str(d).unwrap_or_else(|_| serde_json::Value::String(d.to_owned())));
                println!(
                    "{}",
                    serde_json::json!({"channel": event.channel, "event": event.name, "data": data, "user_id": event.user_id})
                );
                printed += 1;
                if count.is_some_and(|c| printed >= c) {
                    break;
                }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), client.disconnect()).await;
    Ok(())
}
