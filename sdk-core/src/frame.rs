//! The frame codec: one WebSocket text frame is one JSON object
//! `{event, channel?, data?, user_id?}`.
//!
//! [`Frame`] is the envelope; [`ServerMessage`] and [`ClientMessage`] are the typed
//! views a client and a server act on. Decoding validates the whole text and
//! returns a [`DecodeError`] for anything malformed; it never panics. The event
//! `data` is handed on as [`Data`] without being parsed: when the frame carries
//! the protocol's double-encoded string, `Data::String` holds its content, which
//! front ends parse with their own (fastest) JSON parser.
//!
//! Encoders write the exact byte shapes the reference implementations send:
//! client frames in pusher-js's `JSON.stringify` member order, server frames with
//! `data` double-encoded.

use std::borrow::Cow;

use crate::batching;
use crate::json::{self, JsonError, Value};
use crate::protocol::events;

/// The `data` member of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// A JSON string; this is its decoded content (usually JSON itself).
    String(String),
    /// Any other JSON value, as its raw text.
    Json(String),
}

impl Data {
    /// The text a receiver parses: a string's content, or another value's JSON.
    /// pusher-js's rule applies — parse it as JSON if you can, else keep the text.
    pub fn as_text(&self) -> &str {
        match self {
            Data::String(s) | Data::Json(s) => s,
        }
    }

    /// Wraps a string payload (as the HTTP API carries it).
    pub fn string(s: impl Into<String>) -> Data {
        Data::String(s.into())
    }

    /// Wraps raw JSON text. The caller vouches that `raw` is valid JSON.
    pub fn json(raw: impl Into<String>) -> Data {
        Data::Json(raw.into())
    }

    /// Appends this value as JSON to `out`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Data::String(s) => json::write_str(out, s),
            Data::Json(raw) => out.push_str(raw),
        }
    }

    /// Size in bytes of the payload as the limits count it (the string content).
    pub fn len(&self) -> usize {
        self.as_text().len()
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.as_text().is_empty()
    }

    fn from_value(value: Value<'_>) -> Data {
        match value {
            Value::String(s) => Data::String(s.into_owned()),
            other => Data::Json(other.to_json().into_owned()),
        }
    }
}

/// A frame that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The text is not JSON.
    #[error("frame is not valid JSON: {0}")]
    Json(#[from] JsonError),
    /// The JSON is not an object.
    #[error("frame is not a JSON object")]
    NotAnObject,
    /// No `event` member, or not a string.
    #[error("frame has no `event` string")]
    MissingEvent,
    /// A member has the wrong type or is missing.
    #[error("`{field}` of a `{event}` frame must be {expected}")]
    Field {
        /// The frame's event name.
        event: String,
        /// The member that was wrong.
        field: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
}

/// The envelope of every frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Event name.
    pub event: String,
    /// Channel the event belongs to, if any.
    pub channel: Option<String>,
    /// Payload, if present (`null` is present, as `Data::Json("null")`).
    pub data: Option<Data>,
    /// Sender of a client event on a presence channel.
    pub user_id: Option<String>,
}

impl Frame {
    /// Decodes a frame's envelope.
    ///
    /// ```
    /// use pusher_lite_core::frame::{Data, Frame};
    /// let f = Frame::decode(r#"{"event":"new","channel":"general","data":"{\"a\":1}"}"#).unwrap();
    /// assert_eq!(f.event, "new");
    /// assert_eq!(f.channel.as_deref(), Some("general"));
    /// assert_eq!(f.data, Some(Data::String(r#"{"a":1}"#.into())));
    /// ```
    pub fn decode(text: &str) -> Result<Frame, DecodeError> {
        // One pass over the text: it is read as an object straight away (this
        // runs for every message, and unescaping the double-encoded data twice
        // was most of its cost); anything else is told apart only to name the error.
        let members = if text.trim_start().starts_with('{') {
            json::parse_object(text)?
        } else {
            json::parse(text)?;
            return Err(DecodeError::NotAnObject);
        };
        Frame::from_members(members)
    }

    /// Decodes the envelope, leaving a string `data` undecoded: it is returned
    /// as its raw JSON text between the quotes (validated, escapes intact) and the
    /// frame's `data` is `None`. For a front end that reads the data from the
    /// frame's text with its own parser (the browser's `JSON.parse`). Any other
    /// `data` value is decoded as [`decode`](Self::decode) does.
    pub fn decode_with_raw_data(text: &str) -> Result<(Frame, Option<&str>), DecodeError> {
        if !text.trim_start().starts_with('{') {
            json::parse(text)?;
            return Err(DecodeError::NotAnObject);
        }
        let (members, raw) = json::parse_object_raw_string(text, "data")?;
        Ok((Frame::from_members(members)?, raw))
    }

    fn from_members(members: json::Members<'_>) -> Result<Frame, DecodeError> {
        let mut event = None;
        let mut channel = None;
        let mut data = None;
        let mut user_id = None;
        // Later duplicates overwrite earlier ones, as JSON.parse does.
        for (key, value) in members {
            match key.as_ref() {
                "event" => event = Some(value),
                "channel" => channel = Some(value),
                "data" => data = Some(value),
                "user_id" => user_id = Some(value),
                _ => {}
            }
        }
        let event = match event {
            Some(Value::String(s)) => s.into_owned(),
            _ => return Err(DecodeError::MissingEvent),
        };
        let channel = match channel {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.into_owned()),
            Some(_) => return Err(field_error(&event, "channel", "a string")),
        };
        let user_id = match user_id {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.into_owned()),
            Some(Value::Number(n)) => Some(n.to_owned()),
            Some(_) => return Err(field_error(&event, "user_id", "a string")),
        };
        Ok(Frame {
            event,
            channel,
            data: data.map(Data::from_value),
            user_id,
        })
    }

    /// Encodes the envelope as `{"event","channel","data","user_id"}`, omitting
    /// absent members.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(
            32 + self.event.len()
                + self.channel.as_ref().map_or(0, String::len)
                + self.data.as_ref().map_or(0, |d| d.len() + d.len() / 8),
        );
        out.push_str("{\"event\":");
        json::write_str(&mut out, &self.event);
        if let Some(channel) = &self.channel {
            out.push_str(",\"channel\":");
            json::write_str(&mut out, channel);
        }
        if let Some(data) = &self.data {
            out.push_str(",\"data\":");
            data.write_json(&mut out);
        }
        if let Some(user_id) = &self.user_id {
            out.push_str(",\"user_id\":");
            json::write_str(&mut out, user_id);
        }
        out.push('}');
        out
    }

    /// The data's members, for protocol events whose data is an object (sent as
    /// an object or double-encoded). `None` data reads as an empty object.
    fn data_members(&self) -> Result<Vec<(Cow<'_, str>, Value<'_>)>, DecodeError> {
        match &self.data {
            None => Ok(Vec::new()),
            Some(data) => json::parse_object(data.as_text())
                .map_err(|_| field_error(&self.event, "data", "a JSON object")),
        }
    }

    fn require_channel(&self) -> Result<String, DecodeError> {
        self.channel
            .clone()
            .ok_or_else(|| field_error(&self.event, "channel", "present"))
    }
}

fn field_error(event: &str, field: &'static str, expected: &'static str) -> DecodeError {
    DecodeError::Field {
        event: event.to_owned(),
        field,
        expected,
    }
}

fn string_member(
    event: &str,
    members: &[(Cow<'_, str>, Value<'_>)],
    field: &'static str,
) -> Result<String, DecodeError> {
    match json::member(members, field) {
        Some(Value::String(s)) => Ok(s.to_string()),
        _ => Err(field_error(event, field, "a string")),
    }
}

fn optional_string_member(
    event: &str,
    members: &[(Cow<'_, str>, Value<'_>)],
    field: &'static str,
) -> Result<Option<String>, DecodeError> {
    match json::member(members, field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.to_string())),
        Some(_) => Err(field_error(event, field, "a string")),
    }
}

/// A user id as presence data carries it: a string, or a number written as text.
fn user_id_member(
    event: &str,
    members: &[(Cow<'_, str>, Value<'_>)],
) -> Result<String, DecodeError> {
    match json::member(members, "user_id") {
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Number(n)) => Ok((*n).to_owned()),
        _ => Err(field_error(event, "user_id", "a string or number")),
    }
}

/// One member of a presence channel as the protocol carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberData {
    /// The user's id.
    pub user_id: String,
    /// The user's info as raw JSON, if any.
    pub user_info: Option<String>,
}

impl MemberData {
    /// Parses `{"user_id":…,"user_info":…}` (a presence `channel_data`).
    pub fn parse(text: &str) -> Result<MemberData, DecodeError> {
        let members = json::parse_object(text)
            .map_err(|_| field_error("channel_data", "channel_data", "a JSON object"))?;
        let user_id = user_id_member("channel_data", &members)?;
        let user_info = json::member(&members, "user_info").map(|v| v.to_json().into_owned());
        Ok(MemberData { user_id, user_info })
    }

    /// Encodes `{"user_id":…,"user_info":…}`.
    pub fn encode(&self) -> String {
        let mut out = String::from("{\"user_id\":");
        json::write_str(&mut out, &self.user_id);
        if let Some(info) = &self.user_info {
            out.push_str(",\"user_info\":");
            out.push_str(info);
        }
        out.push('}');
        out
    }
}

/// The member list a presence subscription starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PresenceData {
    /// Members in the order of the `hash` object, with raw JSON info.
    pub members: Vec<(String, Option<String>)>,
    /// The `count` the server reported.
    pub count: u64,
}

impl PresenceData {
    /// Parses `{"presence":{"ids":[…],"hash":{…},"count":n}}`.
    pub fn parse(text: &str) -> Result<PresenceData, DecodeError> {
        let event = events::INTERNAL_SUBSCRIPTION_SUCCEEDED;
        let outer =
            json::parse_object(text).map_err(|_| field_error(event, "data", "a JSON object"))?;
        let presence = match json::member(&outer, "presence") {
            Some(Value::Object(raw)) => json::parse_object(raw)?,
            _ => return Err(field_error(event, "presence", "an object")),
        };
        let members = match json::member(&presence, "hash") {
            Some(Value::Object(raw)) => json::parse_object(raw)?
                .into_iter()
                .map(|(id, info)| {
                    let info = match info {
                        Value::Null => None,
                        other => Some(other.to_json().into_owned()),
                    };
                    (id.into_owned(), info)
                })
                .collect(),
            None => Vec::new(),
            Some(_) => return Err(field_error(event, "hash", "an object")),
        };
        let count = match json::member(&presence, "count") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| field_error(event, "count", "a count"))?,
            None => members.len() as u64,
        };
        Ok(PresenceData { members, count })
    }

    /// Encodes `{"presence":{"ids":[…],"hash":{…},"count":n}}`.
    pub fn encode(&self) -> String {
        let mut out = String::from("{\"presence\":{\"ids\":[");
        for (i, (id, _)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_str(&mut out, id);
        }
        out.push_str("],\"hash\":{");
        for (i, (id, info)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_str(&mut out, id);
            out.push(':');
            out.push_str(info.as_deref().unwrap_or("null"));
        }
        out.push_str("},\"count\":");
        out.push_str(&self.count.to_string());
        out.push_str("}}");
        out
    }
}

/// One entry of a `pusher_internal:watchlist_events` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchlistEvent {
    /// `online` or `offline`.
    pub name: String,
    /// The users it concerns.
    pub user_ids: Vec<String>,
}

/// Everything a server sends, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// `pusher:connection_established`.
    ConnectionEstablished {
        /// The connection's socket id.
        socket_id: String,
        /// Seconds of silence after which the client should ping (protocol 7).
        activity_timeout: Option<u64>,
        /// The server may batch frames on this connection (the Lite extension
        /// in [`batching`](crate::batching), acknowledged only when asked for).
        batching: bool,
    },
    /// `pusher:error`.
    Error {
        /// The protocol error code, if any.
        code: Option<u16>,
        /// A description for people.
        message: String,
    },
    /// `pusher:ping`.
    Ping,
    /// `pusher:pong`.
    Pong,
    /// `pusher_internal:subscription_succeeded`.
    SubscriptionSucceeded {
        /// The channel.
        channel: String,
        /// Presence channels carry the member list here.
        data: Option<Data>,
    },
    /// `pusher_internal:subscription_count`.
    SubscriptionCount {
        /// The channel.
        channel: String,
        /// How many connections are subscribed.
        subscription_count: u64,
    },
    /// `pusher_internal:member_added`.
    MemberAdded {
        /// The presence channel.
        channel: String,
        /// Who joined.
        member: MemberData,
    },
    /// `pusher_internal:member_removed`.
    MemberRemoved {
        /// The presence channel.
        channel: String,
        /// Who left.
        user_id: String,
    },
    /// `pusher:signin_success`.
    SigninSuccess {
        /// The JSON-encoded user data the server accepted.
        user_data: String,
    },
    /// `pusher_internal:watchlist_events`.
    WatchlistEvents(Vec<WatchlistEvent>),
    /// Any other event: channel events, client events, `pusher:cache_miss`, …
    Event(Frame),
}

impl ServerMessage {
    /// Decodes a frame a server sent.
    pub fn decode(text: &str) -> Result<ServerMessage, DecodeError> {
        ServerMessage::from_frame(Frame::decode(text)?)
    }

    /// Types a decoded envelope.
    pub fn from_frame(frame: Frame) -> Result<ServerMessage, DecodeError> {
        let event = frame.event.as_str();
        Ok(match event {
            events::CONNECTION_ESTABLISHED => {
                let members = frame.data_members()?;
                let socket_id = string_member(event, &members, "socket_id")?;
                let activity_timeout = match json::member(&members, "activity_timeout") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(v.as_u64().ok_or_else(|| {
                        field_error(event, "activity_timeout", "a number of seconds")
                    })?),
                };
                let batching =
                    json::member(&members, batching::ACKNOWLEDGEMENT) == Some(&Value::Bool(true));
                ServerMessage::ConnectionEstablished {
                    socket_id,
                    activity_timeout,
                    batching,
                }
            }
            events::ERROR => {
                let members = frame.data_members().unwrap_or_default();
                let code = json::member(&members, "code")
                    .and_then(Value::as_u64)
                    .and_then(|c| u16::try_from(c).ok());
                let message = json::member(&members, "message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                ServerMessage::Error { code, message }
            }
            events::PING => ServerMessage::Ping,
            events::PONG => ServerMessage::Pong,
            events::INTERNAL_SUBSCRIPTION_SUCCEEDED => ServerMessage::SubscriptionSucceeded {
                channel: frame.require_channel()?,
                data: frame.data,
            },
            events::INTERNAL_SUBSCRIPTION_COUNT => {
                let members = frame.data_members()?;
                let subscription_count = json::member(&members, "subscription_count")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| field_error(event, "subscription_count", "a count"))?;
                ServerMessage::SubscriptionCount {
                    channel: frame.require_channel()?,
                    subscription_count,
                }
            }
            events::INTERNAL_MEMBER_ADDED => {
                let members = frame.data_members()?;
                let user_id = user_id_member(event, &members)?;
                let user_info = match json::member(&members, "user_info") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(v.to_json().into_owned()),
                };
                ServerMessage::MemberAdded {
                    channel: frame.require_channel()?,
                    member: MemberData { user_id, user_info },
                }
            }
            events::INTERNAL_MEMBER_REMOVED => {
                let members = frame.data_members()?;
                ServerMessage::MemberRemoved {
                    user_id: user_id_member(event, &members)?,
                    channel: frame.require_channel()?,
                }
            }
            events::SIGNIN_SUCCESS => {
                let members = frame.data_members()?;
                ServerMessage::SigninSuccess {
                    user_data: string_member(event, &members, "user_data")?,
                }
            }
            events::INTERNAL_WATCHLIST_EVENTS => {
                let members = frame.data_members()?;
                let list = match json::member(&members, "events") {
                    Some(Value::Array(raw)) => json::parse_array(raw)?,
                    _ => return Err(field_error(event, "events", "an array")),
                };
                let mut parsed = Vec::with_capacity(list.len());
                for item in list {
                    let Value::Object(raw) = item else {
                        return Err(field_error(event, "events", "an array of objects"));
                    };
                    let entry = json::parse_object(raw)?;
                    let name = string_member(event, &entry, "name")?;
                    let user_ids = match json::member(&entry, "user_ids") {
                        Some(Value::Array(ids)) => json::parse_array(ids)?
                            .into_iter()
                            .map(|v| v.into_text().into_owned())
                            .collect(),
                        _ => return Err(field_error(event, "user_ids", "an array")),
                    };
                    parsed.push(WatchlistEvent { name, user_ids });
                }
                ServerMessage::WatchlistEvents(parsed)
            }
            _ => ServerMessage::Event(frame),
        })
    }

    /// Encodes the message as a server sends it (`data` double-encoded, except
    /// `pusher:error`, whose data is an object as the protocol documents).
    pub fn encode(&self) -> String {
        fn frame(event: &str, channel: Option<&str>, data: Option<String>) -> String {
            Frame {
                event: event.to_owned(),
                channel: channel.map(str::to_owned),
                data: data.map(Data::String),
                user_id: None,
            }
            .encode()
        }
        match self {
            ServerMessage::ConnectionEstablished {
                socket_id,
                activity_timeout,
                batching,
            } => {
                let mut data = String::from("{\"socket_id\":");
                json::write_str(&mut data, socket_id);
                if let Some(t) = activity_timeout {
                    data.push_str(",\"activity_timeout\":");
                    data.push_str(&t.to_string());
                }
                if *batching {
                    data.push_str(",\"");
                    data.push_str(batching::ACKNOWLEDGEMENT);
                    data.push_str("\":true");
                }
                data.push('}');
                frame(events::CONNECTION_ESTABLISHED, None, Some(data))
            }
            ServerMessage::Error { code, message } => {
                let mut out = String::from("{\"event\":\"pusher:error\",\"data\":{\"code\":");
                match code {
                    Some(c) => out.push_str(&c.to_string()),
                    None => out.push_str("null"),
                }
                out.push_str(",\"message\":");
                json::write_str(&mut out, message);
                out.push_str("}}");
                out
            }
            ServerMessage::Ping => frame(events::PING, None, Some("{}".into())),
            ServerMessage::Pong => frame(events::PONG, None, Some("{}".into())),
            ServerMessage::SubscriptionSucceeded { channel, data } => Frame {
                event: events::INTERNAL_SUBSCRIPTION_SUCCEEDED.to_owned(),
                channel: Some(channel.clone()),
                data: Some(data.clone().unwrap_or_else(|| Data::String("{}".into()))),
                user_id: None,
            }
            .encode(),
            ServerMessage::SubscriptionCount {
                channel,
                subscription_count,
            } => frame(
                events::INTERNAL_SUBSCRIPTION_COUNT,
                Some(channel),
                Some(format!("{{\"subscription_count\":{subscription_count}}}")),
            ),
            ServerMessage::MemberAdded { channel, member } => frame(
                events::INTERNAL_MEMBER_ADDED,
                Some(channel),
                Some(member.encode()),
            ),
            ServerMessage::MemberRemoved { channel, user_id } => {
                let mut data = String::from("{\"user_id\":");
                json::write_str(&mut data, user_id);
                data.push('}');
                frame(events::INTERNAL_MEMBER_REMOVED, Some(channel), Some(data))
            }
            ServerMessage::SigninSuccess { user_data } => {
                let mut data = String::from("{\"user_data\":");
                json::write_str(&mut data, user_data);
                data.push('}');
                frame(events::SIGNIN_SUCCESS, None, Some(data))
            }
            ServerMessage::WatchlistEvents(list) => {
                let mut data = String::from("{\"events\":[");
                for (i, event) in list.iter().enumerate() {
                    if i > 0 {
                        data.push(',');
                    }
                    data.push_str("{\"name\":");
                    json::write_str(&mut data, &event.name);
                    data.push_str(",\"user_ids\":[");
                    for (j, id) in event.user_ids.iter().enumerate() {
                        if j > 0 {
                            data.push(',');
                        }
                        json::write_str(&mut data, id);
                    }
                    data.push_str("]}");
                }
                data.push_str("]}");
                frame(events::INTERNAL_WATCHLIST_EVENTS, None, Some(data))
            }
            ServerMessage::Event(f) => f.encode(),
        }
    }
}

/// Everything a client sends, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `pusher:subscribe`.
    Subscribe {
        /// The channel.
        channel: String,
        /// `key:signature`, a Lite session JWT, or empty for public channels
        /// (pusher-js sends `""`; a missing member reads as empty).
        auth: String,
        /// Presence member data (JSON text, signed byte for byte).
        channel_data: Option<String>,
    },
    /// `pusher:unsubscribe`.
    Unsubscribe {
        /// The channel.
        channel: String,
    },
    /// `pusher:ping`.
    Ping,
    /// `pusher:pong`.
    Pong,
    /// `pusher:signin`.
    Signin {
        /// `key:signature` over the user data.
        auth: String,
        /// JSON-encoded user data.
        user_data: String,
    },
    /// Any other frame: client events (`client-*`, or Lite events), and unknown
    /// `pusher:` events, which a server answers with an error.
    Event(Frame),
}

impl ClientMessage {
    /// Decodes a frame a client sent.
    pub fn decode(text: &str) -> Result<ClientMessage, DecodeError> {
        ClientMessage::from_frame(Frame::decode(text)?)
    }

    /// Types a decoded envelope.
    pub fn from_frame(frame: Frame) -> Result<ClientMessage, DecodeError> {
        let event = frame.event.as_str();
        Ok(match event {
            events::SUBSCRIBE => {
                let members = frame.data_members()?;
                ClientMessage::Subscribe {
                    channel: string_member(event, &members, "channel")?,
                    auth: optional_string_member(event, &members, "auth")?.unwrap_or_default(),
                    channel_data: match json::member(&members, "channel_data") {
                        None | Some(Value::Null) => None,
                        Some(v) => Some(v.clone().into_text().into_owned()),
                    },
                }
            }
            events::UNSUBSCRIBE => {
                let members = frame.data_members()?;
                ClientMessage::Unsubscribe {
                    channel: string_member(event, &members, "channel")?,
                }
            }
            events::PING => ClientMessage::Ping,
            events::PONG => ClientMessage::Pong,
            events::SIGNIN => {
                let members = frame.data_members()?;
                ClientMessage::Signin {
                    auth: string_member(event, &members, "auth")?,
                    user_data: string_member(event, &members, "user_data")?,
                }
            }
            _ => ClientMessage::Event(frame),
        })
    }

    /// Encodes the message exactly as pusher-js sends it.
    pub fn encode(&self) -> String {
        match self {
            ClientMessage::Subscribe {
                channel,
                auth,
                channel_data,
            } => {
                let mut out = String::from("{\"event\":\"pusher:subscribe\",\"data\":{\"auth\":");
                json::write_str(&mut out, auth);
                if let Some(cd) = channel_data {
                    out.push_str(",\"channel_data\":");
                    json::write_str(&mut out, cd);
                }
                out.push_str(",\"channel\":");
                json::write_str(&mut out, channel);
                out.push_str("}}");
                out
            }
            ClientMessage::Unsubscribe { channel } => {
                let mut out =
                    String::from("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":");
                json::write_str(&mut out, channel);
                out.push_str("}}");
                out
            }
            ClientMessage::Ping => "{\"event\":\"pusher:ping\",\"data\":{}}".to_owned(),
            ClientMessage::Pong => "{\"event\":\"pusher:pong\",\"data\":{}}".to_owned(),
            ClientMessage::Signin { auth, user_data } => {
                let mut out = String::from("{\"event\":\"pusher:signin\",\"data\":{\"auth\":");
                json::write_str(&mut out, auth);
                out.push_str(",\"user_data\":");
                json::write_str(&mut out, user_data);
                out.push_str("}}");
                out
            }
            ClientMessage::Event(frame) => {
                encode_client_event(&frame.event, frame.data.as_ref(), frame.channel.as_deref())
            }
        }
    }
}

/// Encodes an event a client sends, in pusher-js's member order
/// (`{"event","data","channel"}`). `data` of `None` is omitted, as
/// `JSON.stringify` drops `undefined`.
pub fn encode_client_event(event: &str, data: Option<&Data>, channel: Option<&str>) -> String {
    let mut out = String::with_capacity(32 + event.len() + data.map_or(0, Data::len));
    out.push_str("{\"event\":");
    json::write_str(&mut out, event);
    if let Some(data) = data {
        out.push_str(",\"data\":");
        data.write_json(&mut out);
    }
    if let Some(channel) = channel {
        out.push_str(",\"channel\":");
        json::write_str(&mut out, channel);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_connection_established() {
        let msg = ServerMessage::decode(
            r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":120}"}"#,
        )
        .unwrap();
        assert_eq!(
            msg,
            ServerMessage::ConnectionEstablished {
                socket_id: "123.456".into(),
                activity_timeout: Some(120),
                batching: false,
            }
        );
        assert_eq!(ServerMessage::decode(&msg.encode()).unwrap(), msg);
    }

    #[test]
    fn connection_established_carries_the_batching_acknowledgement() {
        let hello = ServerMessage::ConnectionEstablished {
            socket_id: "1.2".into(),
            activity_timeout: Some(120),
            batching: true,
        };
        let text = hello.encode();
        assert!(text.contains(r#"\"lite_batch\":true"#), "{text}");
        assert_eq!(ServerMessage::decode(&text).unwrap(), hello);
        // Any other value is no acknowledgement.
        let other = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":120,\"lite_batch\":1}"}"#;
        assert!(matches!(
            ServerMessage::decode(other).unwrap(),
            ServerMessage::ConnectionEstablished {
                batching: false,
                ..
            }
        ));
    }

    #[test]
    fn error_frames_tolerate_a_missing_or_null_code() {
        assert_eq!(
            ServerMessage::decode(r#"{"event":"pusher:error","data":{"code":null,"message":"x"}}"#)
                .unwrap(),
            ServerMessage::Error {
                code: None,
                message: "x".into()
            }
        );
        assert_eq!(
            ServerMessage::decode(
                r#"{"event":"pusher:error","data":"{\"code\":4001,\"message\":\"no app\"}"}"#
            )
            .unwrap(),
            ServerMessage::Error {
                code: Some(4001),
                message: "no app".into()
            }
        );
    }

    #[test]
    fn presence_data_round_trips_in_order() {
        let data = r#"{"presence":{"ids":["2","1"],"hash":{"2":{"name":"b"},"1":null},"count":2}}"#;
        let parsed = PresenceData::parse(data).unwrap();
        assert_eq!(
            parsed.members,
            vec![
                ("2".into(), Some(r#"{"name":"b"}"#.into())),
                ("1".into(), None)
            ]
        );
        assert_eq!(parsed.count, 2);
        assert_eq!(PresenceData::parse(&parsed.encode()).unwrap(), parsed);
    }

    #[test]
    fn numeric_user_ids_become_text() {
        let m = MemberData::parse(r#"{"user_id":10,"user_info":{"name":"Mr. Channels"}}"#).unwrap();
        assert_eq!(m.user_id, "10");
        assert_eq!(m.user_info.as_deref(), Some(r#"{"name":"Mr. Channels"}"#));
    }

    #[test]
    fn client_frames_match_pusher_js_bytes() {
        let sub = ClientMessage::Subscribe {
            channel: "presence-x".into(),
            auth: "k:s".into(),
            channel_data: Some(r#"{"user_id":"1"}"#.into()),
        };
        assert_eq!(
            sub.encode(),
            r#"{"event":"pusher:subscribe","data":{"auth":"k:s","channel_data":"{\"user_id\":\"1\"}","channel":"presence-x"}}"#
        );
        assert_eq!(ClientMessage::decode(&sub.encode()).unwrap(), sub);
        assert_eq!(
            encode_client_event(
                "client-a",
                Some(&Data::json(r#"{"x":1}"#)),
                Some("private-c")
            ),
            r#"{"event":"client-a","data":{"x":1},"channel":"private-c"}"#
        );
    }

    #[test]
    fn malformed_frames_are_typed_errors() {
        assert!(matches!(Frame::decode("nope"), Err(DecodeError::Json(_))));
        assert_eq!(Frame::decode("[1]"), Err(DecodeError::NotAnObject));
        assert_eq!(
            Frame::decode(r#"{"data":1}"#),
            Err(DecodeError::MissingEvent)
        );
        assert!(matches!(
            Frame::decode(r#"{"event":"e","channel":5}"#),
            Err(DecodeError::Field {
                field: "channel",
                ..
            })
        ));
        assert!(matches!(
            ServerMessage::decode(r#"{"event":"pusher:connection_established","data":"{}"}"#),
            Err(DecodeError::Field {
                field: "socket_id",
                ..
            })
        ));
        assert!(matches!(
            ClientMessage::decode(r#"{"event":"pusher:subscribe","data":"not json"}"#),
            Err(DecodeError::Field { field: "data", .. })
        ));
    }
}
