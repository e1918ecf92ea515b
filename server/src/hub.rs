//! One app's live state: its connections, channels, presence rosters and
//! signed-in users, and the fan-out of frames to subscribers. Every protocol
//! decision is the core's (`pusher_lite_core::server`); this module keeps the
//! books and sends. Frames are encoded once and shared by every recipient.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use pusher_lite_core::auth::Credentials;
use pusher_lite_core::frame::{Data, Frame, ServerMessage, WatchlistEvent};
use pusher_lite_core::json;
use pusher_lite_core::protocol::{ChannelKind, events, is_cache_channel};
use pusher_lite_core::server::{
    self as rules, Joined, PresenceRoster, RateLimiter, Refusal, Subscription,
};
use pusher_lite_core::webhook::WebhookEvent;
use tokio::sync::{Notify, mpsc};

use crate::config::{AppConfig, OrgConfig};
use crate::metrics::Metrics;
use crate::webhooks::WebhookQueue;

/// A connection's number inside the server.
pub type ConnId = u64;

/// What a connection's writer sends.
#[derive(Debug)]
pub enum Outbound {
    /// A text frame.
    Text(Utf8Bytes),
    /// A close frame, after which the writer stops.
    Close(u16, String),
}

/// How the hub asks a connection's task to close it: the task ends at once,
/// without waiting for the client to complete the close handshake.
#[derive(Debug, Default)]
pub struct CloseRequest {
    notify: Notify,
    reason: Mutex<Option<(u16, String)>>,
}

impl CloseRequest {
    /// Asks for a close with `code` and `reason` (the first request wins).
    pub fn request(&self, code: u16, reason: &str) {
        let mut slot = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some((code, reason.to_owned()));
        }
        self.notify.notify_one();
    }

    /// Waits for a request and returns it.
    pub async fn requested(&self) -> (u16, String) {
        loop {
            self.notify.notified().await;
            if let Some(request) = self
                .reason
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
            {
                return request;
            }
        }
    }
}

/// Channels with more subscribers than this get no `subscription_count` on
/// every change (Pusher throttles them too).
const SUBSCRIPTION_COUNT_MAX: usize = 100;

struct Connection {
    socket_id: String,
    tx: mpsc::Sender<Outbound>,
    close: Arc<CloseRequest>,
    subscriptions: HashMap<String, Subscription>,
    user_id: Option<String>,
    watchlist: Vec<String>,
    rate: RateLimiter,
}

#[derive(Default)]
struct Channel {
    subscribers: HashSet<ConnId>,
    roster: Option<PresenceRoster<ConnId>>,
    /// Last event, for cache channels.
    cached: Option<Utf8Bytes>,
}

#[derive(Default)]
struct State {
    connections: HashMap<ConnId, Connection>,
    channels: HashMap<String, Channel>,
    /// Signed-in users and their connections.
    users: HashMap<String, HashSet<ConnId>>,
    /// Who watches each user id.
    watchers: HashMap<String, HashSet<ConnId>>,
}

/// Attributes of a channel for the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelStats {
    /// Connections subscribed.
    pub subscription_count: u64,
    /// Distinct presence users.
    pub user_count: u64,
}

/// One app and its live state.
pub struct AppHub {
    /// Its configuration.
    pub config: AppConfig,
    /// Its credentials.
    pub credentials: Credentials,
    /// Its organization (Lite), if any.
    pub org: Option<OrgConfig>,
    limits: pusher_lite_core::limits::Limits,
    metrics: Arc<Metrics>,
    webhooks: WebhookQueue,
    state: Mutex<State>,
}

fn text(frame: String) -> Utf8Bytes {
    Utf8Bytes::from(frame)
}

impl AppHub {
    /// An app with no connections.
    pub fn new(
        config: AppConfig,
        org: Option<OrgConfig>,
        limits: pusher_lite_core::limits::Limits,
        metrics: Arc<Metrics>,
        webhooks: WebhookQueue,
    ) -> AppHub {
        AppHub {
            credentials: Credentials::new(&config.id, &config.key, &config.secret),
            config,
            org,
            limits,
            metrics,
            webhooks,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would be a bug; keep serving rather than cascade.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The server's limits.
    pub fn limits(&self) -> &pusher_lite_core::limits::Limits {
        &self.limits
    }

    fn webhook(&self, event: WebhookEvent) {
        if !self.config.webhooks.is_empty() {
            self.webhooks.enqueue(&self.config, event);
        }
    }

    /// Queues `frame` for one connection; a full queue marks it too slow.
    fn send_to(&self, conn: &Connection, frame: Utf8Bytes) {
        match conn.tx.try_send(Outbound::Text(frame)) {
            Ok(()) => self.metrics.message_out(),
            Err(mpsc::error::TrySendError::Full(_)) => conn.close.request(
                pusher_lite_core::protocol::codes::OVER_CAPACITY,
                "The connection could not keep up with its messages; reconnect after a pause",
            ),
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn broadcast(
        &self,
        state: &State,
        channel: &str,
        frame: &Utf8Bytes,
        except: Option<ConnId>,
    ) -> usize {
        let Some(ch) = state.channels.get(channel) else {
            return 0;
        };
        let mut sent = 0;
        for id in &ch.subscribers {
            if Some(*id) == except {
                continue;
            }
            if let Some(conn) = state.connections.get(id) {
                self.send_to(conn, frame.clone());
                sent += 1;
            }
        }
        sent
    }

    /// Registers a new connection and sends it `connection_established`
    /// (acknowledging Lite frame batching when the connection asked for it and
    /// its writer will batch).
    pub fn connect(
        &self,
        id: ConnId,
        socket_id: String,
        tx: mpsc::Sender<Outbound>,
        close: Arc<CloseRequest>,
        activity_timeout: u64,
        batching: bool,
    ) {
        let hello = ServerMessage::ConnectionEstablished {
            socket_id: socket_id.clone(),
            activity_timeout: Some(activity_timeout),
            batching,
        }
        .encode();
        let conn = Connection {
            socket_id,
            tx,
            close,
            subscriptions: HashMap::new(),
            user_id: None,
            watchlist: Vec::new(),
            rate: RateLimiter::new(self.limits.max_client_events_per_second),
        };
        self.send_to(&conn, text(hello));
        self.lock().connections.insert(id, conn);
    }

    /// Sends a `pusher:error` to one connection (with the channel it concerns).
    pub fn send_error(&self, id: ConnId, refusal: &Refusal, channel: Option<&str>) {
        self.metrics.error();
        let state = self.lock();
        if let Some(conn) = state.connections.get(&id) {
            self.send_to(conn, text(error_frame(refusal, channel)));
        }
    }

    /// Answers a client's `pusher:ping`.
    pub fn pong(&self, id: ConnId) {
        let state = self.lock();
        if let Some(conn) = state.connections.get(&id) {
            self.send_to(conn, text(ServerMessage::Pong.encode()));
        }
    }

    /// Handles `pusher:subscribe`: authorization by the core, then the books.
    pub fn subscribe(
        &self,
        id: ConnId,
        channel: &str,
        auth: &str,
        channel_data: Option<&str>,
        now_secs: u64,
    ) -> Result<(), Refusal> {
        let mut state = self.lock();
        let (socket_id, signed_in) = match state.connections.get(&id) {
            Some(c) => (c.socket_id.clone(), c.user_id.clone()),
            None => return Ok(()),
        };
        let org = self.org.as_ref().map(|o| rules::LiteOrg {
            name: &o.name,
            secret_token: &o.secret_token,
        });
        let request = rules::SubscribeRequest {
            socket_id: &socket_id,
            channel,
            auth,
            channel_data,
            signed_in_user: signed_in.as_deref(),
        };
        let subscription = rules::authorize_subscription(
            &self.credentials,
            org,
            &request,
            &self.limits,
            now_secs,
        )?;
        let kind = ChannelKind::of(channel);
        let ch = state.channels.entry(channel.to_owned()).or_default();
        let first = ch.subscribers.is_empty();
        let mut member_added = None;
        if let Some(member) = &subscription.member {
            let roster = ch.roster.get_or_insert_with(PresenceRoster::default);
            match roster.join(id, member, self.limits.max_presence_members) {
                Joined::Full => {
                    if first {
                        state.channels.remove(channel);
                    }
                    return Err(Refusal::plain(format!(
                        "{channel} is full: presence channels hold at most {} members",
                        self.limits.max_presence_members
                    )));
                }
                Joined::NewMember => member_added = Some(member.clone()),
                Joined::SameUser => {}
            }
        }
        ch.subscribers.insert(id);
        let presence = ch
            .roster
            .as_ref()
            .filter(|_| kind == ChannelKind::Presence)
            .map(|r| r.presence_data());
        let cached = ch.cached.clone();
        let count = ch.subscribers.len();
        if let Some(conn) = state.connections.get_mut(&id) {
            conn.subscriptions.insert(channel.to_owned(), subscription);
        }
        let data = presence.map(|p| Data::String(p.encode()));
        let succeeded = ServerMessage::SubscriptionSucceeded {
            channel: channel.to_owned(),
            data,
        }
        .encode();
        if let Some(conn) = state.connections.get(&id) {
            self.send_to(conn, text(succeeded));
            if is_cache_channel(channel) {
                match cached {
                    Some(frame) => self.send_to(conn, frame),
                    None => {
                        let miss = Frame {
                            event: events::CACHE_MISS.to_owned(),
                            channel: Some(channel.to_owned()),
                            data: None,
                            user_id: None,
                        };
                        self.send_to(conn, text(miss.encode()));
                        self.webhook(WebhookEvent::CacheMiss {
                            channel: channel.to_owned(),
                        });
                    }
                }
            }
        }
        if let Some(member) = member_added {
            let added = ServerMessage::MemberAdded {
                channel: channel.to_owned(),
                member: member.clone(),
            };
            self.broadcast(&state, channel, &text(added.encode()), Some(id));
            self.webhook(WebhookEvent::MemberAdded {
                channel: channel.to_owned(),
                user_id: member.user_id,
            });
        }
        if first {
            self.webhook(WebhookEvent::ChannelOccupied {
                channel: channel.to_owned(),
            });
        }
        self.announce_count(&state, channel, kind, count);
        Ok(())
    }

    fn announce_count(&self, state: &State, channel: &str, kind: ChannelKind, count: usize) {
        if self.config.subscription_count
            && kind != ChannelKind::Presence
            && count > 0
            && count <= SUBSCRIPTION_COUNT_MAX
        {
            let frame = ServerMessage::SubscriptionCount {
                channel: channel.to_owned(),
                subscription_count: count as u64,
            };
            self.broadcast(state, channel, &text(frame.encode()), None);
        }
    }

    /// Handles `pusher:unsubscribe` (and each channel of a closing connection).
    pub fn unsubscribe(&self, id: ConnId, channel: &str) {
        let mut state = self.lock();
        self.leave(&mut state, id, channel);
    }

    fn leave(&self, state: &mut State, id: ConnId, channel: &str) {
        if let Some(conn) = state.connections.get_mut(&id) {
            conn.subscriptions.remove(channel);
        }
        let Some(ch) = state.channels.get_mut(channel) else {
            return;
        };
        if !ch.subscribers.remove(&id) {
            return;
        }
        let left = ch.roster.as_mut().and_then(|r| r.leave(&id));
        let count = ch.subscribers.len();
        let cached = ch.cached.is_some();
        if count == 0 && !cached {
            state.channels.remove(channel);
        }
        if let Some(user_id) = left {
            let removed = ServerMessage::MemberRemoved {
                channel: channel.to_owned(),
                user_id: user_id.clone(),
            };
            self.broadcast(state, channel, &text(removed.encode()), None);
            self.webhook(WebhookEvent::MemberRemoved {
                channel: channel.to_owned(),
                user_id,
            });
        }
        if count == 0 {
            self.webhook(WebhookEvent::ChannelVacated {
                channel: channel.to_owned(),
            });
        } else {
            self.announce_count(state, channel, ChannelKind::of(channel), count);
        }
    }

    /// Removes a closed connection: every channel, the user, the watchlist.
    pub fn disconnect(&self, id: ConnId) {
        let mut state = self.lock();
        let Some(conn) = state.connections.get(&id) else {
            return;
        };
        let channels: Vec<String> = conn.subscriptions.keys().cloned().collect();
        let user = conn.user_id.clone();
        let watchlist = conn.watchlist.clone();
        for channel in channels {
            self.leave(&mut state, id, &channel);
        }
        for watched in watchlist {
            if let Some(set) = state.watchers.get_mut(&watched) {
                set.remove(&id);
                if set.is_empty() {
                    state.watchers.remove(&watched);
                }
            }
        }
        if let Some(user_id) = user
            && let Some(set) = state.users.get_mut(&user_id)
        {
            set.remove(&id);
            if set.is_empty() {
                state.users.remove(&user_id);
                self.notify_watchers(&state, &user_id, "offline");
            }
        }
        state.connections.remove(&id);
    }

    fn notify_watchers(&self, state: &State, user_id: &str, name: &str) {
        let Some(watchers) = state.watchers.get(user_id) else {
            return;
        };
        let frame = text(
            ServerMessage::WatchlistEvents(vec![WatchlistEvent {
                name: name.to_owned(),
                user_ids: vec![user_id.to_owned()],
            }])
            .encode(),
        );
        for id in watchers {
            if let Some(conn) = state.connections.get(id) {
                self.send_to(conn, frame.clone());
            }
        }
    }

    /// Handles `pusher:signin`: verify, associate the user, watchlist.
    pub fn signin(&self, id: ConnId, auth: &str, user_data: &str) -> Result<(), Refusal> {
        let mut state = self.lock();
        let Some(conn) = state.connections.get(&id) else {
            return Ok(());
        };
        self.credentials
            .verify_user_auth(&conn.socket_id, user_data, auth)
            .map_err(|e| {
                Refusal::new(
                    pusher_lite_core::protocol::codes::UNAUTHORIZED,
                    format!("sign-in refused: {e}"),
                )
            })?;
        let user_id = pusher_lite_core::auth::user_data_id(user_data).ok_or_else(|| {
            Refusal::new(
                pusher_lite_core::protocol::codes::UNAUTHORIZED,
                "sign-in refused: user_data must be a JSON object with a non-empty string id",
            )
        })?;
        pusher_lite_core::limits::validate_user_id(&user_id)
            .map_err(|e| Refusal::plain(e.to_string()))?;
        if let Some(existing) = &conn.user_id
            && existing != &user_id
        {
            return Err(Refusal::plain(format!(
                "this connection is already signed in as {existing}; open a new connection to sign in as {user_id}"
            )));
        }
        let watchlist = watchlist_of(user_data);
        if watchlist.len() > pusher_lite_core::limits::MAX_WATCHLIST_IDS {
            return Err(Refusal::new(
                pusher_lite_core::protocol::codes::WATCHLIST_LIMIT,
                format!(
                    "the watchlist holds {} ids; the limit is {}",
                    watchlist.len(),
                    pusher_lite_core::limits::MAX_WATCHLIST_IDS
                ),
            ));
        }
        let came_online = state.users.get(&user_id).is_none_or(HashSet::is_empty);
        state.users.entry(user_id.clone()).or_default().insert(id);
        for watched in &watchlist {
            state
                .watchers
                .entry(watched.clone())
                .or_default()
                .insert(id);
        }
        let online: Vec<String> = watchlist
            .iter()
            .filter(|w| state.users.contains_key(*w))
            .cloned()
            .collect();
        if let Some(conn) = state.connections.get_mut(&id) {
            conn.user_id = Some(user_id.clone());
            conn.watchlist = watchlist;
        }
        if let Some(conn) = state.connections.get(&id) {
            self.send_to(
                conn,
                text(
                    ServerMessage::SigninSuccess {
                        user_data: user_data.to_owned(),
                    }
                    .encode(),
                ),
            );
            if !online.is_empty() {
                let events = vec![WatchlistEvent {
                    name: "online".to_owned(),
                    user_ids: online,
                }];
                self.send_to(conn, text(ServerMessage::WatchlistEvents(events).encode()));
            }
        }
        if came_online {
            self.notify_watchers(&state, &user_id, "online");
        }
        Ok(())
    }

    /// Handles a client event (`client-*`, or a Lite event) from a connection.
    pub fn client_event(&self, id: ConnId, frame: Frame, now_ms: u64) -> Result<(), Refusal> {
        let channel = frame
            .channel
            .clone()
            .ok_or_else(|| Refusal::plain(format!("{} needs a channel", frame.event)))?;
        let data_len = frame.data.as_ref().map_or(0, Data::len);
        if data_len > self.limits.max_event_data_bytes {
            return Err(Refusal::plain(format!(
                "event data is {data_len} bytes; the limit is {}",
                self.limits.max_event_data_bytes
            )));
        }
        let mut state = self.lock();
        let Some(conn) = state.connections.get_mut(&id) else {
            return Ok(());
        };
        let delivery = rules::client_event_policy(
            &channel,
            &frame.event,
            conn.subscriptions.get(&channel),
            self.config.client_events,
        )?;
        if !conn.rate.allow(now_ms) {
            return Err(rules::rate_limited(
                self.limits.max_client_events_per_second,
            ));
        }
        let socket_id = conn.socket_id.clone();
        let user_id = if ChannelKind::of(&channel) == ChannelKind::Presence {
            delivery.user_id.clone()
        } else {
            None
        };
        let out = Frame {
            event: frame.event.clone(),
            channel: Some(channel.clone()),
            data: frame.data.clone(),
            user_id: user_id.clone(),
        };
        let except = if delivery.echo { None } else { Some(id) };
        self.broadcast(&state, &channel, &text(out.encode()), except);
        self.webhook(WebhookEvent::ClientEvent {
            channel,
            event: frame.event,
            data: frame
                .data
                .map(|d| d.as_text().to_owned())
                .unwrap_or_default(),
            socket_id,
            user_id,
        });
        Ok(())
    }

    /// Publishes an event from the HTTP API or the Lite REST endpoint; returns
    /// the number of connections it was queued for.
    pub fn publish(
        &self,
        channel: &str,
        event: &str,
        data: Data,
        except_socket: Option<&str>,
    ) -> usize {
        let frame = text(
            Frame {
                event: event.to_owned(),
                channel: Some(channel.to_owned()),
                data: Some(data),
                user_id: None,
            }
            .encode(),
        );
        let mut state = self.lock();
        if is_cache_channel(channel) {
            state.channels.entry(channel.to_owned()).or_default().cached = Some(frame.clone());
        }
        let except = except_socket.and_then(|sid| {
            state
                .connections
                .iter()
                .find(|(_, c)| c.socket_id == sid)
                .map(|(id, _)| *id)
        });
        self.broadcast(&state, channel, &frame, except)
    }

    /// Attributes of one channel.
    pub fn channel_stats(&self, channel: &str) -> ChannelStats {
        let state = self.lock();
        state.channels.get(channel).map_or(
            ChannelStats {
                subscription_count: 0,
                user_count: 0,
            },
            |ch| ChannelStats {
                subscription_count: ch.subscribers.len() as u64,
                user_count: ch.roster.as_ref().map_or(0, |r| r.user_count() as u64),
            },
        )
    }

    /// Occupied channels with `prefix`, sorted, with their attributes.
    pub fn channels(&self, prefix: &str) -> Vec<(String, ChannelStats)> {
        let state = self.lock();
        let mut list: Vec<(String, ChannelStats)> = state
            .channels
            .iter()
            .filter(|(name, ch)| {
                !ch.subscribers.is_empty() && name.starts_with(prefix) && !name.starts_with('#')
            })
            .map(|(name, ch)| {
                (
                    name.clone(),
                    ChannelStats {
                        subscription_count: ch.subscribers.len() as u64,
                        user_count: ch.roster.as_ref().map_or(0, |r| r.user_count() as u64),
                    },
                )
            })
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// User ids on a presence channel, in join order.
    pub fn users(&self, channel: &str) -> Vec<String> {
        let state = self.lock();
        state
            .channels
            .get(channel)
            .and_then(|ch| ch.roster.as_ref())
            .map_or_else(Vec::new, |r| r.user_ids())
    }

    /// Closes every connection of a signed-in user; returns how many.
    pub fn terminate_user(&self, user_id: &str) -> usize {
        let state = self.lock();
        let Some(ids) = state.users.get(user_id) else {
            return 0;
        };
        for id in ids {
            if let Some(conn) = state.connections.get(id) {
                conn.close.request(
                    pusher_lite_core::protocol::codes::UNAUTHORIZED,
                    "Connection terminated by the application",
                );
            }
        }
        ids.len()
    }

    /// Live connections and occupied channels.
    pub fn sizes(&self) -> (usize, usize) {
        let state = self.lock();
        (
            state.connections.len(),
            state
                .channels
                .values()
                .filter(|c| !c.subscribers.is_empty())
                .count(),
        )
    }
}

/// A `pusher:error` frame, naming the channel it concerns (pusher-js then
/// also emits it on that channel).
pub fn error_frame(refusal: &Refusal, channel: Option<&str>) -> String {
    let mut data = String::from("{\"code\":");
    match refusal.code {
        Some(code) => data.push_str(&code.to_string()),
        None => data.push_str("null"),
    }
    data.push_str(",\"message\":");
    json::write_str(&mut data, &refusal.message);
    data.push('}');
    Frame {
        event: events::ERROR.to_owned(),
        channel: channel.map(str::to_owned),
        data: Some(Data::Json(data)),
        user_id: None,
    }
    .encode()
}

fn watchlist_of(user_data: &str) -> Vec<String> {
    let Ok(members) = json::parse_object(user_data) else {
        return Vec::new();
    };
    match json::member(&members, "watchlist") {
        Some(json::Value::Array(raw)) => json::parse_array(raw)
            .map(|ids| {
                ids.into_iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
