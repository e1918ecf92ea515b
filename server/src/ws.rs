//! The WebSocket endpoint `/app/{key}`: one task per connection reads frames
//! and hands them to the app's hub; a writer task drains the connection's
//! queue. The server pings a silent client and closes with 4201 when no pong
//! comes; a malformed or oversized frame gets a `pusher:error` and the
//! connection carries on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use pusher_lite_core::batching;
use pusher_lite_core::frame::{ClientMessage, ServerMessage};
use pusher_lite_core::protocol::{codes, events};
use pusher_lite_core::server::{Refusal, check_protocol};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::Server;
use crate::hub::{AppHub, CloseRequest, ConnId, Outbound, error_frame};

/// Frames larger than this are refused by the WebSocket layer itself.
const MAX_WEBSOCKET_MESSAGE: usize = 256 * 1024;
/// Envelope allowance on top of the event data limit for one frame.
const FRAME_OVERHEAD: usize = 4 * 1024;

/// `GET /app/{key}` upgrade.
pub async fn upgrade(
    State(server): State<Arc<Server>>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    // Small socket buffers: tungstenite's 128 KiB defaults would cost that much
    // per connection, and frames here are a few KiB at most.
    ws.max_message_size(MAX_WEBSOCKET_MESSAGE)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| connection(server, key, query, socket))
}

/// Lite frame batching: `first` and the events already queued behind it, up
/// to [`batching::MAX_BATCH_BYTES`], as one message (never waiting for more),
/// and the next outbound item taken from the queue that could not join it (a
/// protocol frame or a close), to be sent after it.
fn next_batch(
    first: Utf8Bytes,
    rx: &mut mpsc::Receiver<Outbound>,
) -> (Utf8Bytes, Option<Outbound>) {
    let started = || {
        let mut message = String::with_capacity(first.len() * 4);
        batching::append(&mut message, first.as_str());
        message
    };
    // Alone, a frame still must not carry a raw line feed.
    let mut batch = first.as_str().contains(batching::SEPARATOR).then(started);
    let mut left = None;
    if batching::may_share_a_message(first.as_str()) {
        while batch.as_ref().map_or(first.len(), String::len) < batching::MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(Outbound::Text(text)) if batching::may_share_a_message(text.as_str()) => {
                    batching::append(batch.get_or_insert_with(started), text.as_str());
                }
                Ok(other) => {
                    left = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
    }
    (batch.map_or(first, Utf8Bytes::from), left)
}

/// Refuses a connection the way the protocol says: `pusher:error` with the
/// code, then a close frame with the same code.
async fn refuse(mut socket: WebSocket, refusal: Refusal) {
    let code = refusal.code.unwrap_or(codes::UNAUTHORIZED);
    tracing::info!(code, reason = %refusal.message, "refused a connection");
    let _ = socket
        .send(Message::Text(Utf8Bytes::from(error_frame(&refusal, None))))
        .await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(refusal.message),
        })))
        .await;
}

fn socket_id() -> String {
    format!(
        "{}.{}",
        rand::random::<u32>() % 1_000_000_000,
        rand::random::<u32>() % 1_000_000_000
    )
}

async fn connection(
    server: Arc<Server>,
    key: String,
    query: HashMap<String, String>,
    socket: WebSocket,
) {
    let app = match server.app_by_key(&key) {
        Some(app) if app.config.enabled => app,
        Some(_) => {
            return refuse(
                socket,
                Refusal::new(codes::APP_DISABLED, format!("App {key} is disabled")),
            )
            .await;
        }
        None => {
            return refuse(
                socket,
                Refusal::new(
                    codes::APP_NOT_FOUND,
                    format!("App key {key} does not exist on this server"),
                ),
            )
            .await;
        }
    };
    if let Err(refusal) = check_protocol(query.get("protocol").map(String::as_str)) {
        return refuse(socket, refusal).await;
    }
    let batching = batching::requested(query.get(batching::QUERY_PARAMETER).map(String::as_str));
    let id = server.next_connection_id();
    let (tx, mut rx) = mpsc::channel(server.config.max_queued_frames);
    let close_request = Arc::new(CloseRequest::default());
    let activity = Duration::from_secs(server.config.activity_timeout_secs);
    let pong_timeout = Duration::from_secs(server.config.pong_timeout_secs);
    server.metrics.connection_opened();
    let sid = socket_id();
    tracing::debug!(app = %app.config.id, socket_id = %sid, "connection opened");
    let (mut sink, mut stream) = socket.split();
    app.connect(
        id,
        sid.clone(),
        tx.clone(),
        close_request.clone(),
        server.config.activity_timeout_secs,
        batching,
    );

    let writer = tokio::spawn(async move {
        // An item taken from the queue that could not join the batch before it.
        let mut left: Option<Outbound> = None;
        loop {
            let out = match left.take() {
                Some(out) => out,
                None => match rx.recv().await {
                    Some(out) => out,
                    None => break,
                },
            };
            let text = match out {
                Outbound::Text(text) if batching => {
                    let (message, rest) = next_batch(text, &mut rx);
                    left = rest;
                    message
                }
                Outbound::Text(text) => text,
                Outbound::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: Utf8Bytes::from(reason),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
            };
            if sink.send(Message::Text(text)).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });

    let mut shutdown = server.shutdown_signal();
    let mut last_heard = Instant::now();
    let mut ping_sent: Option<Instant> = None;
    let close = |code: u16, reason: &str| {
        let _ = tx.try_send(Outbound::Close(code, reason.to_owned()));
    };
    loop {
        let deadline = match ping_sent {
            Some(sent) => sent + pong_timeout,
            None => last_heard + activity,
        };
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    ping_sent = None;
                    server.metrics.message_in();
                    handle_text(&server, &app, id, text.as_str());
                }
                Some(Ok(Message::Binary(_))) => {
                    last_heard = Instant::now();
                    app.send_error(id, &Refusal::plain("binary frames are not supported: send JSON text frames"), None);
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    last_heard = Instant::now();
                    ping_sent = None;
                }
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "connection read failed");
                    close(1009, "frame too large or malformed");
                    break;
                }
            },
            () = tokio::time::sleep_until(deadline) => {
                if ping_sent.is_none() {
                    let _ = tx.try_send(Outbound::Text(Utf8Bytes::from(ServerMessage::Ping.encode())));
                    ping_sent = Some(Instant::now());
                } else {
                    close(codes::PONG_NOT_RECEIVED, "Pong reply not received");
                    break;
                }
            }
            (code, reason) = close_request.requested() => {
                close(code, &reason);
                break;
            }
            _ = shutdown.changed() => {
                close(codes::RECONNECT_IMMEDIATELY, "Server shutting down; reconnect");
                break;
            }
        }
    }
    app.disconnect(id);
    drop(tx);
    server.metrics.connection_closed();
    tracing::debug!(app = %app.config.id, socket_id = %sid, "connection closed");
    // Let the writer flush the close frame, briefly.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
}

fn handle_text(server: &Server, app: &AppHub, id: ConnId, text: &str) {
    let limit = app.limits().max_event_data_bytes + FRAME_OVERHEAD;
    if text.len() > limit {
        let refusal = Refusal::plain(format!(
            "frame of {} bytes is over the {limit}-byte limit; it was ignored",
            text.len()
        ));
        return app.send_error(id, &refusal, None);
    }
    let message = match ClientMessage::decode(text) {
        Ok(message) => message,
        Err(e) => {
            return app.send_error(
                id,
                &Refusal::plain(format!("could not read the frame: {e}")),
                None,
            );
        }
    };
    match message {
        ClientMessage::Subscribe {
            channel,
            auth,
            channel_data,
        } => {
            if let Err(refusal) = app.subscribe(
                id,
                &channel,
                &auth,
                channel_data.as_deref(),
                server.unix_secs(),
            ) {
                app.send_error(id, &refusal, Some(&channel));
            }
        }
        ClientMessage::Unsubscribe { channel } => app.unsubscribe(id, &channel),
        ClientMessage::Ping => app.pong(id),
        ClientMessage::Pong => {}
        ClientMessage::Signin { auth, user_data } => {
            if let Err(refusal) = app.signin(id, &auth, &user_data) {
                app.send_error(id, &refusal, None);
            }
        }
        ClientMessage::Event(frame) => {
            if frame.event.starts_with(events::PUSHER_PREFIX)
                || frame.event.starts_with(events::INTERNAL_PREFIX)
            {
                let refusal = Refusal::plain(format!("unsupported event {}", frame.event));
                return app.send_error(id, &refusal, frame.channel.as_deref());
            }
            let channel = frame.channel.clone();
            if let Err(refusal) = app.client_event(id, frame, server.monotonic_ms()) {
                app.send_error(id, &refusal, channel.as_deref());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize) -> Utf8Bytes {
        Utf8Bytes::from(format!(
            r#"{{"event":"tick","channel":"c","data":"{{\"n\":{n}}}"}}"#
        ))
    }

    fn queue(items: Vec<Outbound>) -> mpsc::Receiver<Outbound> {
        let (tx, rx) = mpsc::channel(items.len().max(1));
        for item in items {
            tx.try_send(item).unwrap();
        }
        rx
    }

    #[test]
    fn events_queued_behind_an_event_join_it_up_to_a_protocol_frame() {
        let count = r#"{"event":"pusher_internal:subscription_count","channel":"c","data":"{\"subscription_count\":2}"}"#;
        let lines = "{\"event\":\"client-x\",\n\"channel\":\"c\",\"data\":{}}";
        let mut rx = queue(vec![
            Outbound::Text(event(1)),
            Outbound::Text(Utf8Bytes::from(lines)),
            Outbound::Text(Utf8Bytes::from(count)),
            Outbound::Text(event(2)),
        ]);
        let (message, left) = next_batch(event(0), &mut rx);
        let frames: Vec<&str> = message.as_str().split('\n').collect();
        assert_eq!(
            frames,
            [
                event(0).as_str(),
                event(1).as_str(),
                "{\"event\":\"client-x\", \"channel\":\"c\",\"data\":{}}"
            ]
        );
        // The protocol frame goes alone, then the event behind it.
        let Some(Outbound::Text(next)) = left else {
            panic!("the protocol frame is left over: {left:?}")
        };
        assert_eq!(next.as_str(), count);
        let (alone, left) = next_batch(next, &mut rx);
        assert_eq!(alone.as_str(), count);
        assert!(left.is_none());
        let Ok(Outbound::Text(behind)) = rx.try_recv() else {
            panic!("the event behind the protocol frame is queued")
        };
        let (last, left) = next_batch(behind, &mut rx);
        assert_eq!(last, event(2));
        assert!(left.is_none());
    }

    #[test]
    fn a_batch_stops_at_its_size_and_before_a_close() {
        let mut items: Vec<Outbound> = (1..1000).map(|n| Outbound::Text(event(n))).collect();
        items.push(Outbound::Close(4100, "slow".into()));
        let mut rx = queue(items);
        let (message, left) = next_batch(event(0), &mut rx);
        assert!(message.len() >= batching::MAX_BATCH_BYTES);
        assert!(message.len() < batching::MAX_BATCH_BYTES + 100);
        assert!(left.is_none());
        // Drain the events; the close is handed back, not lost.
        let mut left = None;
        while let Ok(out) = rx.try_recv() {
            match out {
                Outbound::Text(text) => left = next_batch(text, &mut rx).1,
                close => left = Some(close),
            }
            if left.is_some() {
                break;
            }
        }
        assert!(matches!(left, Some(Outbound::Close(4100, _))), "{left:?}");
    }
}
