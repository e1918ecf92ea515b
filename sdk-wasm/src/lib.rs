//! # pusher-lite-wasm
//!
//! The browser driver of the protocol core, built into `npm/dist/pusher.js`.
//! It adds only what a browser needs around [`pusher_lite_core::client::Client`]:
//!
//! - the transport: a web-sys `WebSocket` per connection attempt; its events
//!   come back as the `opened` / `message` / `closed` / `errored` inputs, wired
//!   by the facade's `watch` (plain JavaScript listeners: a message's text
//!   crosses into WebAssembly once, and stays in JavaScript for its data);
//! - the clock: `performance.now()` for `now`, one `setTimeout` armed at
//!   [`Client::poll_timeout`] (re-armed lazily: a deadline that only moved later
//!   is left alone and re-evaluated when the timer fires);
//! - the network: the window's `online` / `offline` events;
//! - a [`Host`] object from the JavaScript facade (`npm/src/`) that calls the
//!   user's handlers, runs auth transports (endpoint or custom handler), and logs.
//!
//! Every protocol decision is the core's. Handlers are `u32` ids the facade maps
//! to `(function, context)`; a [`Dispatch`] crosses into JavaScript once, as the
//! event name, a payload kind and text, and the ids to call. Event data stays text
//! until the browser's own `JSON.parse` reads it.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use pusher_lite_core::auth::{ChannelAuthorization, UserAuthentication};
use pusher_lite_core::client::{
    AuthFailure, Call, CallKind, Client, ClientConfig, ClientError, Dispatch, Endpoint, ErrorInfo,
    FramePosition, LogLevel, Metadata, Output, Payload, RequestId, SocketHandle, Target,
};
use pusher_lite_core::frame::Data;
use pusher_lite_core::json::write_str;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::WebSocket;

#[wasm_bindgen]
extern "C" {
    /// The facade's side of one client (see `npm/src/pusher.js`).
    pub type Host;

    /// Calls handlers: `calls` holds `id << 2 | how` (0: `fn(event, payload)`,
    /// 1: `fn(payload)`, 2: `fn(payload, metadata)`); `kind` says how to read
    /// `text` (see [`payload`]); `user_id` is the metadata's sender, if any.
    #[wasm_bindgen(method)]
    fn dispatch(this: &Host, event: &str, kind: u32, text: &str, calls: &[u32], user_id: &str);

    /// Calls handlers with the `data` of a frame of the message being handled
    /// (given to [`WasmClient::message`]): the whole message when `index` is
    /// `undefined`, else its `index`-th piece split at `\n` (a batched message,
    /// see [`pusher_lite_core::batching`]). Read with the browser's JSON.parse;
    /// `with_user` passes its `user_id` as metadata. Same `calls` as `dispatch`.
    #[wasm_bindgen(method, js_name = frameDispatch)]
    fn frame_dispatch(this: &Host, calls: &[u32], with_user: bool, index: Option<u32>);

    /// Listens to `socket`'s events, reporting them with `handle` to
    /// [`WasmClient::opened`], `message`, `closed` and `errored`.
    #[wasm_bindgen(method)]
    fn watch(this: &Host, socket: &WebSocket, handle: u32);

    /// Authorizes `channel` for `socket_id`, or authenticates the user when
    /// `channel` is `None`; answered by [`WasmClient::authorized`] /
    /// [`WasmClient::authenticated`].
    #[wasm_bindgen(method)]
    fn authorize(this: &Host, request: u32, channel: Option<String>, socket_id: &str);

    /// Writes a log line (`level`: 0 debug, 1 info, 2 warn, 3 error).
    #[wasm_bindgen(method)]
    fn log(this: &Host, level: u32, message: &str);

    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn perf_now() -> f64;

    // The global scope's timers and events, imported directly (no `Window`
    // lookup: smaller, and it works wherever these globals exist).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> i32;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: i32);

    #[wasm_bindgen(js_name = addEventListener)]
    fn add_event_listener(event: &str, callback: &js_sys::Function);
}

fn now() -> u64 {
    perf_now() as u64
}

type Callback = Closure<dyn FnMut(JsValue)>;

struct Socket {
    handle: SocketHandle,
    ws: WebSocket,
}

struct Inner {
    client: Client<u32>,
    host: Host,
    me: Weak<RefCell<Inner>>,
    sockets: Vec<Socket>,
    /// Whether a message is being handled (its text is in the facade).
    in_message: bool,
    /// The armed `setTimeout`: its id and the deadline (ms) it fires at.
    timer: Option<(i32, u64)>,
    on_timer: Option<Closure<dyn FnMut()>>,
    _on_network: Option<[Callback; 2]>,
}

type Shared = Rc<RefCell<Inner>>;

/// One client: the core's state machine with its browser I/O.
#[wasm_bindgen]
pub struct WasmClient(Shared);

#[wasm_bindgen]
impl WasmClient {
    /// A client in state `initialized`. `timeouts` are the activity, pong and
    /// unavailable timeouts in ms; `seed` seeds reconnect jitter; `token` is a
    /// Lite session JWT.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        key: &str,
        host: &str,
        ws_port: u16,
        wss_port: u16,
        path: &str,
        tls: bool,
        timeouts: &[u32],
        seed: &[u32],
        token: Option<String>,
        logging: bool,
        batching: bool,
        js: Host,
    ) -> WasmClient {
        let mut config = ClientConfig::new(key, endpoint(host, ws_port, wss_port, path, tls));
        config.client_name = "js".into();
        let timeout = |i: usize, default: u64| timeouts.get(i).map_or(default, |&t| t.into());
        config.activity_timeout_ms = timeout(0, config.activity_timeout_ms);
        config.pong_timeout_ms = timeout(1, config.pong_timeout_ms);
        config.unavailable_timeout_ms = timeout(2, config.unavailable_timeout_ms);
        config.random_seed = seed
            .iter()
            .fold(config.random_seed, |acc, &s| (acc << 32) ^ u64::from(s));
        config.session_token = token;
        config.log_level = logging.then_some(LogLevel::Debug);
        // Event data stays in the message text the facade holds (frameDispatch).
        config.data_by_reference = true;
        config.batching = batching;
        let shared = Rc::new_cyclic(|me| {
            RefCell::new(Inner {
                client: Client::new(config),
                host: js,
                me: me.clone(),
                sockets: Vec::new(),
                in_message: false,
                timer: None,
                on_timer: None,
                _on_network: None,
            })
        });
        {
            let mut inner = shared.borrow_mut();
            let me = inner.me.clone();
            inner.on_timer = Some(Closure::new(move || {
                if let Some(shared) = me.upgrade() {
                    shared.borrow_mut().timer = None;
                    input(&shared, |c, now| c.handle_timeout(now));
                }
            }));
            let listeners = [true, false].map(|online| network_callback(&inner.me, online));
            for (name, f) in ["online", "offline"].iter().zip(&listeners) {
                add_event_listener(name, f.as_ref().unchecked_ref());
            }
            inner._on_network = Some(listeners);
        }
        WasmClient(shared)
    }

    /// pusher-js `connect`.
    pub fn connect(&self) {
        input(&self.0, |c, now| c.connect(now));
    }

    /// pusher-js `disconnect`.
    pub fn disconnect(&self) {
        input(&self.0, |c, now| c.disconnect(now));
    }

    /// No usable transport was enabled: the state becomes `failed`.
    pub fn unsupported(&self) {
        input(&self.0, |c, now| c.handle_transport_unsupported(now));
    }

    /// Socket `handle` opened.
    pub fn opened(&self, handle: u32) {
        input(&self.0, |c, now| {
            c.handle_open(now, SocketHandle(handle.into()))
        });
    }

    /// A text message arrived on socket `handle` at `at` (the event's
    /// `timeStamp`, on the `performance.now()` clock: no clock read per message).
    pub fn message(&self, handle: u32, text: &str, at: f64) {
        self.0.borrow_mut().in_message = true;
        let socket = SocketHandle(handle.into());
        self.0
            .borrow_mut()
            .client
            .handle_message(at as u64, socket, text);
        drain(&self.0);
        self.0.borrow_mut().in_message = false;
    }

    /// Socket `handle` closed.
    pub fn closed(&self, handle: u32, code: u16, reason: &str) {
        let socket = SocketHandle(handle.into());
        self.0.borrow_mut().forget(socket);
        input(&self.0, |c, now| c.handle_close(now, socket, code, reason));
    }

    /// Socket `handle` reported an error.
    pub fn errored(&self, handle: u32) {
        input(&self.0, |c, now| {
            c.handle_error(now, SocketHandle(handle.into()), "WebSocket error")
        });
    }

    /// pusher-js `switchCluster`: a new key and endpoint, channels kept.
    #[wasm_bindgen(js_name = switchTo)]
    pub fn switch_to(
        &self,
        key: &str,
        host: &str,
        ws_port: u16,
        wss_port: u16,
        path: &str,
        tls: bool,
    ) {
        let endpoint = endpoint(host, ws_port, wss_port, path, tls);
        input(&self.0, |c, now| c.switch_endpoint(now, key, endpoint));
    }

    /// Subscribes; an error is `"Name\nmessage"` for the facade to throw.
    pub fn subscribe(&self, channel: &str) -> Option<String> {
        input(&self.0, |c, now| {
            c.subscribe(now, channel).err().map(error_text)
        })
    }

    /// Unsubscribes.
    pub fn unsubscribe(&self, channel: &str) {
        input(&self.0, |c, now| c.unsubscribe(now, channel));
    }

    /// The channel's flags, `0` when the client does not hold it: 1 held,
    /// 2 subscribed, 4 pending, 8 cancelled.
    pub fn flags(&self, channel: &str) -> u32 {
        let inner = self.0.borrow();
        inner.client.channel(channel).map_or(0, |c| {
            1 | u32::from(c.subscribed) << 1
                | u32::from(c.subscription_pending) << 2
                | u32::from(c.subscription_cancelled) << 3
        })
    }

    /// The last `subscription_count` of the channel.
    pub fn count(&self, channel: &str) -> Option<f64> {
        let inner = self.0.borrow();
        inner
            .client
            .channel(channel)
            .and_then(|c| c.subscription_count)
            .map(|n| n as f64)
    }

    /// Names of the channels held, in subscription order, `\n`-separated.
    pub fn names(&self) -> String {
        let inner = self.0.borrow();
        let mut out = String::new();
        for name in inner.client.channel_names() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(name);
        }
        out
    }

    /// A presence channel's members as JSON:
    /// `{"count","myID","me","list":[{"id","info"}…]}`.
    pub fn members(&self, channel: &str) -> Option<String> {
        let inner = self.0.borrow();
        let members = inner.client.members(channel)?;
        let mut out = String::from("{\"count\":");
        push_number(&mut out, members.count());
        out.push_str(",\"myID\":");
        push_opt_str(&mut out, members.my_id());
        out.push_str(",\"me\":");
        match members.me() {
            Some(me) => push_member(&mut out, &me.id, me.info.as_deref()),
            None => out.push_str("null"),
        }
        out.push_str(",\"list\":[");
        for (i, m) in members.each().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_member(&mut out, &m.id, m.info.as_deref());
        }
        out.push_str("]}");
        Some(out)
    }

    /// pusher-js `channel.trigger`: `"t"` sent, `"f"` not connected, else an error.
    pub fn trigger(&self, channel: &str, event: &str, data: Option<String>) -> String {
        input(&self.0, |c, now| {
            match c.trigger(now, channel, event, data.map(Data::json)) {
                Ok(true) => "t".into(),
                Ok(false) => "f".into(),
                Err(e) => error_text(e),
            }
        })
    }

    /// pusher-js `send_event`.
    pub fn send(&self, event: &str, data: Option<String>, channel: Option<String>) -> bool {
        input(&self.0, |c, _| {
            c.send_event(event, data.map(Data::json), channel.as_deref())
        })
    }

    /// pusher-js `signin`.
    pub fn signin(&self) {
        input(&self.0, |c, now| c.signin(now));
    }

    /// The connection state's name.
    pub fn state(&self) -> String {
        self.0.borrow().client.state().as_str().into()
    }

    /// The socket id of the current or last connection.
    #[wasm_bindgen(js_name = socketId)]
    pub fn socket_id(&self) -> Option<String> {
        self.0.borrow().client.socket_id().map(Into::into)
    }

    /// The signed-in user's data (JSON text).
    #[wasm_bindgen(js_name = userData)]
    pub fn user_data(&self) -> Option<String> {
        self.0.borrow().client.user_data().map(Into::into)
    }

    /// Whether the connection uses TLS.
    pub fn tls(&self) -> bool {
        self.0.borrow().client.is_using_tls()
    }

    /// Turns log lines on or off.
    pub fn logging(&self, on: bool) {
        let level = on.then_some(LogLevel::Debug);
        self.0.borrow_mut().client.set_log_level(level);
    }

    /// Binds handler `id` to `event` on `target` (see [`target`]).
    pub fn bind(&self, target_kind: u32, channel: &str, event: &str, id: u32) -> bool {
        let target = target(target_kind, channel);
        self.0.borrow_mut().client.bind(&target, event, id)
    }

    /// Binds global handler `id` on `target`.
    #[wasm_bindgen(js_name = bindGlobal)]
    pub fn bind_global(&self, target_kind: u32, channel: &str, id: u32) -> bool {
        let target = target(target_kind, channel);
        self.0.borrow_mut().client.bind_global(&target, id)
    }

    /// Unbinds `event` (every event when `None`), only handlers in `ids` (all
    /// when `None`); with neither, every per-event binding.
    pub fn unbind(
        &self,
        target_kind: u32,
        channel: &str,
        event: Option<String>,
        ids: Option<Vec<u32>>,
    ) {
        let target = target(target_kind, channel);
        let mut inner = self.0.borrow_mut();
        if let Some(d) = inner.client.dispatcher_mut(&target) {
            match ids {
                Some(ids) => d.unbind(event.as_deref(), Some(&mut |h: &u32| ids.contains(h))),
                None => d.unbind(event.as_deref(), None),
            }
        }
    }

    /// Unbinds global handlers in `ids`, or all of them.
    #[wasm_bindgen(js_name = unbindGlobal)]
    pub fn unbind_global(&self, target_kind: u32, channel: &str, ids: Option<Vec<u32>>) {
        let target = target(target_kind, channel);
        let mut inner = self.0.borrow_mut();
        if let Some(d) = inner.client.dispatcher_mut(&target) {
            match ids {
                Some(ids) => d.unbind_global(Some(&mut |h: &u32| ids.contains(h))),
                None => d.unbind_global(None),
            }
        }
    }

    /// The handlers `target` calls for `event`, encoded as `dispatch` gets them,
    /// the event's called with metadata when `with_metadata`: the facade's `emit`.
    pub fn handlers(
        &self,
        target_kind: u32,
        channel: &str,
        event: &str,
        with_metadata: bool,
    ) -> Vec<u32> {
        let target = target(target_kind, channel);
        let metadata = with_metadata.then(Metadata::default);
        let inner = self.0.borrow();
        let calls = inner.client.calls(&target, event, metadata);
        calls.iter().map(encode_call).collect()
    }

    /// The answer to a channel authorization: `error` set means it failed
    /// (`status` 0 when there was no HTTP status).
    pub fn authorized(
        &self,
        request: u32,
        auth: Option<String>,
        channel_data: Option<String>,
        shared_secret: Option<String>,
        status: u16,
        error: Option<String>,
    ) {
        let result = answer(auth, status, error).map(|auth| ChannelAuthorization {
            auth,
            channel_data,
            shared_secret,
        });
        input(&self.0, |c, now| {
            c.handle_channel_authorization(now, RequestId(request.into()), result)
        });
    }

    /// The answer to a user authentication.
    pub fn authenticated(
        &self,
        request: u32,
        auth: Option<String>,
        user_data: Option<String>,
        status: u16,
        error: Option<String>,
    ) {
        let result = answer(auth, status, error).and_then(|auth| match user_data {
            Some(user_data) => Ok(UserAuthentication { auth, user_data }),
            None => Err(AuthFailure {
                status: None,
                message: "user authentication response has no user_data".into(),
            }),
        });
        input(&self.0, |c, now| {
            c.handle_user_authentication(now, RequestId(request.into()), result)
        });
    }
}

fn endpoint(host: &str, ws_port: u16, wss_port: u16, path: &str, tls: bool) -> Endpoint {
    Endpoint {
        host: host.into(),
        ws_port,
        wss_port,
        path: path.into(),
        use_tls: tls,
    }
}

fn answer(auth: Option<String>, status: u16, error: Option<String>) -> Result<String, AuthFailure> {
    let status = (status != 0).then_some(status);
    match (error, auth) {
        (None, Some(auth)) => Ok(auth),
        (error, _) => Err(AuthFailure {
            status,
            message: error.unwrap_or_else(|| "auth response has no auth field".into()),
        }),
    }
}

fn error_text(e: ClientError) -> String {
    let (name, message) = match e {
        ClientError::BadChannelName(m) => ("BadChannelName", m),
        ClientError::BadEventName(m) => ("BadEventName", m),
        ClientError::UnsupportedFeature(m) => ("UnsupportedFeature", m),
    };
    let mut out = String::from(name);
    out.push('\n');
    out.push_str(&message);
    out
}

/// 0 global, 1 connection, 2 channel, 3 user, 4 watchlist.
fn target(kind: u32, channel: &str) -> Target {
    match kind {
        1 => Target::Connection,
        2 => Target::Channel(channel.into()),
        3 => Target::User,
        4 => Target::Watchlist,
        _ => Target::Global,
    }
}

/// Feeds one input to the client at `now`, then does what it asks.
fn input<R>(shared: &Shared, f: impl FnOnce(&mut Client<u32>, u64) -> R) -> R {
    let result = f(&mut shared.borrow_mut().client, now());
    drain(shared);
    result
}

/// Carries out the client's outputs. No borrow is held while JavaScript runs,
/// so handlers may call back into the client; their outputs join the same queue.
fn drain(shared: &Shared) {
    loop {
        let output = {
            let mut inner = shared.borrow_mut();
            match inner.client.poll() {
                Some(output) => output,
                None => {
                    inner.arm_timer();
                    return;
                }
            }
        };
        match output {
            Output::Dispatch(d) => deliver(shared, d),
            Output::Send { socket, text } => {
                let inner = shared.borrow();
                if let Some(s) = inner.sockets.iter().find(|s| s.handle == socket) {
                    let _ = s.ws.send_with_str(&text);
                }
            }
            Output::Open { socket, url } => open(shared, socket, &url),
            Output::Close {
                socket,
                code,
                reason,
            } => {
                let mut inner = shared.borrow_mut();
                if let Some(i) = inner.sockets.iter().position(|s| s.handle == socket) {
                    let s = inner.sockets.swap_remove(i);
                    let _ = s.ws.close_with_code_and_reason(code, &reason);
                }
            }
            Output::AuthorizeChannel {
                request,
                channel,
                socket_id,
            } => {
                let host = shared.borrow().host.clone().unchecked_into::<Host>();
                host.authorize(request.0 as u32, Some(channel), &socket_id);
            }
            Output::AuthenticateUser { request, socket_id } => {
                let host = shared.borrow().host.clone().unchecked_into::<Host>();
                host.authorize(request.0 as u32, None, &socket_id);
            }
            Output::Log { level, message } => {
                let host = shared.borrow().host.clone().unchecked_into::<Host>();
                host.log(level as u32, &message);
            }
        }
    }
}

fn open(shared: &Shared, handle: SocketHandle, url: &str) {
    let ws = match WebSocket::new(url) {
        Ok(ws) => ws,
        Err(_) => {
            // No WebSocket here (or a URL it refuses): nothing else to try.
            shared
                .borrow_mut()
                .client
                .handle_transport_unsupported(now());
            return;
        }
    };
    let host = shared.borrow().host.clone().unchecked_into::<Host>();
    // Socket handles count from 1 per client; they fit a u32 for ages.
    host.watch(&ws, handle.0 as u32);
    shared.borrow_mut().sockets.push(Socket { handle, ws });
}

/// A listener for the window's `online` / `offline` events.
fn network_callback(me: &Weak<RefCell<Inner>>, online: bool) -> Callback {
    let me = me.clone();
    Closure::new(move |_: JsValue| {
        if let Some(shared) = me.upgrade() {
            if online {
                input(&shared, |c, now| c.handle_online(now));
            } else {
                input(&shared, |c, now| c.handle_offline(now));
            }
        }
    })
}

impl Inner {
    fn forget(&mut self, socket: SocketHandle) {
        if let Some(i) = self.sockets.iter().position(|s| s.handle == socket) {
            self.sockets.swap_remove(i);
        }
    }

    /// Makes sure a timer fires no later than the client's next deadline.
    fn arm_timer(&mut self) {
        let Some(deadline) = self.client.poll_timeout() else {
            return;
        };
        if let Some((id, armed)) = self.timer {
            if armed <= deadline {
                return;
            }
            clear_timeout(id);
        }
        let Some(on_timer) = &self.on_timer else {
            return;
        };
        let delay = deadline.saturating_sub(now()).min(i32::MAX as u64) as i32;
        let id = set_timeout(on_timer.as_ref().unchecked_ref(), delay);
        self.timer = Some((id, deadline));
    }
}

/// Hands one event to the facade: the payload as a kind and a text, the
/// handlers as ids.
fn deliver(shared: &Shared, d: Dispatch<u32>) {
    let mut user_id = String::new();
    let calls: Vec<u32> = d
        .calls
        .iter()
        .map(|call| {
            if let CallKind::Event(Some(Metadata {
                user_id: Some(id), ..
            })) = &call.kind
            {
                user_id.clone_from(id);
            }
            encode_call(call)
        })
        .collect();
    let (host, in_message) = {
        let inner = shared.borrow();
        (
            inner.host.clone().unchecked_into::<Host>(),
            inner.in_message,
        )
    };
    if let (Some(position), true) = (d.from_frame, in_message) {
        // The data never comes back out of WebAssembly memory: the facade
        // parses it from the message it already has — the whole message, or
        // one line of a batched one.
        let index = match position {
            FramePosition::Whole => None,
            FramePosition::InBatch(index) => Some(index),
        };
        host.frame_dispatch(&calls, !user_id.is_empty(), index);
    } else {
        let (kind, text) = payload(d.payload, &d.source);
        host.dispatch(&d.event, kind, &text, &calls, &user_id);
    }
}

/// One handler as the facade calls it: `id << 2 | how` (see [`Host::dispatch`]).
fn encode_call(call: &Call<u32>) -> u32 {
    let how = match call.kind {
        CallKind::Global => 0,
        CallKind::Event(None) => 1,
        CallKind::Event(Some(_)) => 2,
    };
    call.handler << 2 | how
}

/// How the facade reads a payload: 0 `undefined`; 1 event data (`JSON.parse`
/// if it parses, else the text); 2 JSON built here; 3 the members of the
/// presence channel named by the text; 4 a frame, whose `data` is event data.
fn payload(payload: Payload, source: &Target) -> (u32, String) {
    let mut out = String::new();
    let kind = match payload {
        // Only dispatched while the message is being handled, and then read
        // from it by the facade (see `deliver`).
        Payload::None | Payload::FrameData => 0,
        Payload::Data(text) => return (1, text),
        Payload::Members => {
            if let Target::Channel(name) = source {
                out.push_str(name);
            }
            3
        }
        Payload::Message(frame) => return (4, frame.encode()),
        Payload::Member(m) => {
            push_member(&mut out, &m.id, m.info.as_deref());
            2
        }
        Payload::StateChange { previous, current } => {
            out.push_str("{\"previous\":\"");
            out.push_str(previous.as_str());
            out.push_str("\",\"current\":\"");
            out.push_str(current.as_str());
            out.push_str("\"}");
            2
        }
        Payload::Connected { socket_id } => {
            out.push_str("{\"socket_id\":");
            write_str(&mut out, &socket_id);
            out.push('}');
            2
        }
        Payload::ConnectingIn(seconds) => {
            push_number(&mut out, seconds);
            2
        }
        Payload::Error(error) => {
            push_error(&mut out, &error);
            2
        }
        Payload::AuthError { error, status } => {
            out.push_str("{\"type\":\"AuthError\",\"error\":");
            write_str(&mut out, &error);
            if let Some(status) = status {
                out.push_str(",\"status\":");
                push_number(&mut out, status.into());
            }
            out.push('}');
            2
        }
        Payload::Watchlist(event) => {
            out.push_str("{\"name\":");
            write_str(&mut out, &event.name);
            out.push_str(",\"user_ids\":[");
            for (i, id) in event.user_ids.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(&mut out, id);
            }
            out.push_str("]}");
            2
        }
    };
    (kind, out)
}

/// The shapes pusher-js gives `connection.bind('error')`.
fn push_error(out: &mut String, error: &ErrorInfo) {
    let pusher_error = |out: &mut String, code: Option<u16>, message: &str| {
        out.push_str("{\"type\":\"PusherError\",\"data\":{\"code\":");
        match code {
            Some(code) => push_number(out, code.into()),
            None => out.push_str("null"),
        }
        out.push_str(",\"message\":");
        write_str(out, message);
        out.push_str("}}");
    };
    match error {
        ErrorInfo::Pusher { code, message } => pusher_error(out, *code, message),
        ErrorInfo::WebSocketClose { code, message } => {
            out.push_str("{\"type\":\"WebSocketError\",\"error\":");
            pusher_error(out, *code, message);
            out.push('}');
        }
        ErrorInfo::WebSocketTransport { message } => {
            out.push_str("{\"type\":\"WebSocketError\",\"error\":{\"type\":\"error\",\"message\":");
            write_str(out, message);
            out.push_str("}}");
        }
        ErrorInfo::MessageParse { message, data } => {
            out.push_str("{\"type\":\"MessageParseError\",\"error\":");
            write_str(out, message);
            out.push_str(",\"data\":");
            write_str(out, data);
            out.push('}');
        }
        ErrorInfo::Handshake { message } => {
            out.push_str("{\"type\":\"HandshakeError\",\"error\":");
            write_str(out, message);
            out.push('}');
        }
    }
}

fn push_member(out: &mut String, id: &str, info: Option<&str>) {
    out.push_str("{\"id\":");
    write_str(out, id);
    if let Some(info) = info {
        out.push_str(",\"info\":");
        out.push_str(info);
    }
    out.push('}');
}

fn push_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.push_str("null"),
    }
}

/// Decimal digits without the formatting machinery.
fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// The glue, in a real browser (`wasm-bindgen-test-runner` with headless
/// Chromium): payload shapes as the browser's JSON.parse reads them, handler
/// call encoding, refusals, and a real WebSocket attempt driving the core.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use pusher_lite_core::client::{Call, Member, Metadata, State};
    use pusher_lite_core::frame::WatchlistEvent;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen(inline_js = "
        export function recordingHost() {
            const host = { calls: [], auth: [], logs: [] };
            host.dispatch = (event, kind, text, calls, userId) =>
                host.calls.push({ event, kind, text, calls: Array.from(calls), userId });
            host.authorize = (request, channel, socketId) => host.auth.push({ request, channel, socketId });
            host.log = (level, message) => host.logs.push(message);
            host.closes = [];
            host.watch = (ws, handle) => {
                ws.onclose = (event) => host.closes.push([handle, event.code, event.reason]);
            };
            return host;
        }
        export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
    ")]
    extern "C" {
        fn recordingHost() -> Host;
        fn sleep(ms: u32) -> js_sys::Promise;
    }

    fn get(value: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn parsed(kind_and_text: (u32, String)) -> JsValue {
        assert_eq!(kind_and_text.0, 2, "built JSON");
        js_sys::JSON::parse(&kind_and_text.1).expect("the browser parses what the glue builds")
    }

    fn json(value: &JsValue) -> String {
        js_sys::JSON::stringify(value)
            .map(String::from)
            .unwrap_or_default()
    }

    #[wasm_bindgen_test]
    fn payloads_parse_into_pusher_js_shapes() {
        let global = Target::Global;
        let member = Payload::Member(Member {
            id: "u\"1".into(),
            info: Some(r#"{"name":"Ann"}"#.into()),
        });
        assert_eq!(
            json(&parsed(payload(member, &global))),
            r#"{"id":"u\"1","info":{"name":"Ann"}}"#
        );
        let change = Payload::StateChange {
            previous: State::Connecting,
            current: State::Connected,
        };
        assert_eq!(
            json(&parsed(payload(change, &global))),
            r#"{"previous":"connecting","current":"connected"}"#
        );
        let auth = Payload::AuthError {
            error: "no\nway".into(),
            status: Some(403),
        };
        assert_eq!(
            json(&parsed(payload(auth, &global))),
            r#"{"type":"AuthError","error":"no\nway","status":403}"#
        );
        let refused = Payload::Error(ErrorInfo::WebSocketClose {
            code: Some(4001),
            message: "unknown app".into(),
        });
        assert_eq!(
            json(&parsed(payload(refused, &global))),
            r#"{"type":"WebSocketError","error":{"type":"PusherError","data":{"code":4001,"message":"unknown app"}}}"#
        );
        let watch = Payload::Watchlist(WatchlistEvent {
            name: "online".into(),
            user_ids: vec!["a".into(), "b".into()],
        });
        assert_eq!(
            json(&parsed(payload(watch, &global))),
            r#"{"name":"online","user_ids":["a","b"]}"#
        );
        assert_eq!(
            json(&parsed(payload(
                Payload::ConnectingIn(12345678901),
                &global
            ))),
            "12345678901"
        );
        // Event data stays text: the facade parses it with JSON.parse.
        assert_eq!(
            payload(Payload::Data("{\"a\":1}".into()), &global),
            (1, "{\"a\":1}".into())
        );
        let channel = Target::Channel("presence-room".into());
        assert_eq!(
            payload(Payload::Members, &channel),
            (3, "presence-room".into())
        );
        assert_eq!(payload(Payload::None, &global), (0, String::new()));
    }

    #[wasm_bindgen_test]
    fn handlers_cross_as_ids_with_their_call_shape() {
        let client = client_with(recordingHost());
        let host = client.0.borrow().host.clone();
        let dispatch = Dispatch {
            source: Target::Channel("presence-room".into()),
            event: "client-wave".into(),
            payload: Payload::Data("{}".into()),
            metadata: Some(Metadata {
                user_id: Some("bob".into()),
            }),
            calls: vec![
                Call {
                    handler: 7,
                    kind: CallKind::Global,
                },
                Call {
                    handler: 8,
                    kind: CallKind::Event(Some(Metadata {
                        user_id: Some("bob".into()),
                    })),
                },
                Call {
                    handler: 9,
                    kind: CallKind::Event(None),
                },
            ],
            from_frame: None,
        };
        deliver(&client.0, dispatch);
        let calls = get(&host, "calls");
        assert_eq!(
            json(&calls),
            r#"[{"event":"client-wave","kind":1,"text":"{}","calls":[28,34,37],"userId":"bob"}]"#
        );
    }

    fn client_with(host: Host) -> WasmClient {
        WasmClient::new(
            "key",
            "127.0.0.1",
            1,
            1,
            "",
            false,
            &[1000, 1000, 1000],
            &[1, 2],
            None,
            true,
            true,
            host,
        )
    }

    #[wasm_bindgen_test]
    fn refusals_come_back_as_named_errors() {
        let client = client_with(recordingHost());
        assert_eq!(
            client.subscribe("#server-to-user-1").as_deref(),
            Some("BadChannelName\nCannot create a channel with name \"#server-to-user-1\".")
        );
        assert!(!client.bind(2, "public-a", "e", 1), "no channel yet");
        assert_eq!(client.subscribe("public-a"), None);
        assert_eq!(
            client.flags("public-a"),
            1,
            "held, not subscribed (not connected)"
        );
        assert!(client.bind(2, "public-a", "e", 1));
        assert!(
            client
                .trigger("public-a", "e", None)
                .starts_with("BadEventName\n")
        );
        assert!(
            client
                .trigger("private-encrypted-a", "client-e", None)
                .starts_with("UnsupportedFeature\n")
        );
        assert_eq!(
            client.trigger("public-a", "client-e", Some("{}".into())),
            "f",
            "not connected"
        );
        assert_eq!(client.names(), "public-a");
        assert_eq!(client.members("public-a"), None);
    }

    #[wasm_bindgen_test]
    async fn a_refused_socket_is_retried_with_a_delay() {
        let host = recordingHost();
        let client = client_with(host.clone().unchecked_into());
        client.bind(1, "", "connecting_in", 5);
        client.connect();
        assert_eq!(client.state(), "connecting");
        // Port 1 refuses: the browser closes the socket; fed back to the
        // client (as the facade's `watch` does), the core schedules a retry.
        let mut closes = js_sys::Array::new();
        for _ in 0..100 {
            closes = get(&host, "closes").unchecked_into();
            if closes.length() > 0 {
                break;
            }
            let _ = wasm_bindgen_futures::JsFuture::from(sleep(20)).await;
        }
        let close: js_sys::Array = closes.get(0).unchecked_into();
        let handle = close.get(0).as_f64().unwrap_or(0.0) as u32;
        let code = close.get(1).as_f64().unwrap_or(0.0) as u16;
        assert_eq!((handle, code), (1, 1006), "socket 1 closed abnormally");
        client.closed(handle, code, &close.get(2).as_string().unwrap_or_default());
        let calls = json(&get(&host, "calls"));
        assert!(
            calls.contains(r#""event":"connecting_in","kind":2"#),
            "{calls}"
        );
        assert!(
            calls.contains(r#""calls":[21]"#),
            "handler 5 called as fn(payload): {calls}"
        );
        assert!(json(&get(&host, "logs")).contains("connecting to ws://127.0.0.1:1/app/key"));
        client.disconnect();
        assert_eq!(client.state(), "disconnected");
    }
}

/// Talc instead of Rust's default wasm32 allocator (dlmalloc): a smaller module
/// (134.9 → 128.0 KB before deflate), and it grows the memory as dlmalloc does.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
