//! Triggers one event: `publisher CHANNEL EVENT DATA`.
use pusher_lite::Publisher;

#[tokio::main]
async fn main() -> Result<(), pusher_lite::Error> {
    let mut args = std::env::args().skip(1);
    let channel = args.next().unwrap_or_else(|| "general".to_owned());
    let event = args.next().unwrap_or_else(|| "new_message".to_owned());
    let data = args
        .next()
        .unwrap_or_else(|| r#"{"name":"rust example","message":"hello"}"#.to_owned());

    let publisher = Publisher::from_env()?;
    let response = publisher
        .trigger(&[channel.as_str()], &event, &data)
        .await?;
    println!("triggered {event} on {channel}: {response:?}");
    Ok(())
}
