//! Subscribes and prints events: `subscriber CHANNEL [COUNT]`. Private and
//! presence channels are authorized through the auth endpoint named by
//! `AUTH_ENDPOINT` (see the `auth_endpoint` example), as the user named by
//! `AUTH_USER` (sent as the `X-User` header, the demo's stand-in for a session).
use futures_util::StreamExt;
use pusher_lite::{ChannelAuthorizer, Client, EnvConfig, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let channel = args.next().unwrap_or_else(|| "general".to_owned());
    let count: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);

    let env = EnvConfig::from_env();
    let host = env
        .host
        .ok_or_else(|| Error::Config("set PUSHER_LITE_HOST".into()))?;
    let key = env
        .app_key
        .ok_or_else(|| Error::Config("set PUSHER_LITE_APP_KEY".into()))?;
    let mut builder = Client::builder(&key).address(&host)?;
    if let Ok(url) = std::env::var("AUTH_ENDPOINT") {
        let headers = std::env::var("AUTH_USER")
            .map(|user| vec![("X-User".to_owned(), user)])
            .unwrap_or_default();
        builder = builder.channel_authorizer(ChannelAuthorizer::Endpoint {
            url,
            headers,
            params: Vec::new(),
        });
    }
    let client = builder.build()?;
    client.connect();
    let subscription = client.subscribe(&channel).await?;
    let mut events = subscription.events();
    let mut seen = 0;
    while let Some(event) = events.next().await {
        if event.name == "pusher:subscription_error" {
            return Err(Error::Config(format!(
                "not allowed on {channel}: {:?}",
                event.data
            )));
        }
        println!(
            "{} {} {}",
            event.name,
            event.data.unwrap_or_default(),
            event.user_id.unwrap_or_default()
        );
        if !event.name.starts_with("pusher:") {
            seen += 1;
            if seen >= count {
                break;
            }
        }
    }
    client.disconnect().await
}
