//! The decisions a Pusher server makes, as pure functions and small state
//! types (no I/O, no clock: time is passed in): which protocol versions to
//! accept, whether a subscription is authorized (signature or Lite session
//! token) and as which presence member, whether a client event may be sent
//! and to whom, client-event rate limits, and presence rosters where one user
//! with several connections is one member.

use std::collections::{BTreeMap, HashMap};

use crate::auth::{AuthError, Credentials};
use crate::frame::{MemberData, PresenceData};
use crate::jwt::{self, SessionClaims};
use crate::limits::{self, Limits};
use crate::protocol::{ChannelKind, codes, events};

/// Why a server refuses something: the `pusher:error` code (if any) and a
/// message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// Protocol error code, when one applies.
    pub code: Option<u16>,
    /// What was wrong.
    pub message: String,
}

impl Refusal {
    /// A refusal with a code.
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Refusal {
            code: Some(code),
            message: message.into(),
        }
    }

    /// A refusal without a code.
    pub fn plain(message: impl Into<String>) -> Self {
        Refusal {
            code: None,
            message: message.into(),
        }
    }
}

/// Checks the `protocol` query parameter of a WebSocket connection: versions
/// 5–7 are served (they differ only in what clients must do).
pub fn check_protocol(protocol: Option<&str>) -> Result<u32, Refusal> {
    let text = protocol.ok_or_else(|| {
        Refusal::new(
            codes::NO_PROTOCOL,
            "No protocol version supplied (add ?protocol=7)",
        )
    })?;
    let version: u32 = text.parse().map_err(|_| {
        Refusal::new(
            codes::INVALID_VERSION,
            format!("Invalid protocol version {text:?}"),
        )
    })?;
    if (5..=7).contains(&version) {
        Ok(version)
    } else {
        Err(Refusal::new(
            codes::UNSUPPORTED_PROTOCOL,
            format!("Unsupported protocol version {version}; this server speaks 5 to 7"),
        ))
    }
}

/// What a Lite organization contributes to authorizing its apps' subscriptions.
#[derive(Debug, Clone, Copy)]
pub struct LiteOrg<'a> {
    /// The organization's name (the `org` claim must match).
    pub name: &'a str,
    /// Its secret token (signs session tokens).
    pub secret_token: &'a str,
}

/// A subscription the server accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The presence member it joins as.
    pub member: Option<MemberData>,
    /// Claims of the Lite session token that authorized it, if one did.
    pub session: Option<SessionClaims>,
}

impl Subscription {
    /// Whether Lite client events (any non-reserved name, echoed) are allowed
    /// on `channel` for this subscription.
    pub fn can_publish_lite(&self, channel: &str) -> bool {
        self.session
            .as_ref()
            .is_some_and(|claims| claims.can_publish(channel))
    }
}

/// What a `pusher:subscribe` carried.
#[derive(Debug, Clone, Copy)]
pub struct SubscribeRequest<'a> {
    /// The connection's socket id.
    pub socket_id: &'a str,
    /// The channel.
    pub channel: &'a str,
    /// `key:signature`, a Lite session token, or empty.
    pub auth: &'a str,
    /// Presence member data, for signature auth.
    pub channel_data: Option<&'a str>,
    /// The user this connection signed in as, if any.
    pub signed_in_user: Option<&'a str>,
}

/// Whether `auth` looks like a session token rather than `key:signature`.
pub fn is_session_token(auth: &str) -> bool {
    !auth.contains(':') && auth.matches('.').count() == 2
}

fn unauthorized(message: impl Into<String>) -> Refusal {
    Refusal::new(codes::UNAUTHORIZED, message)
}

/// Decides a subscription: channel name, then signature or Lite session token,
/// then presence member data and limits. `now` is in seconds.
pub fn authorize_subscription(
    app: &Credentials,
    org: Option<LiteOrg<'_>>,
    request: &SubscribeRequest<'_>,
    limits: &Limits,
    now: u64,
) -> Result<Subscription, Refusal> {
    let channel = request.channel;
    let kind = ChannelKind::of(channel);
    if kind == ChannelKind::Reserved {
        let own = request
            .signed_in_user
            .is_some_and(|user| channel == crate::protocol::server_to_user_channel(user));
        return if own {
            Ok(Subscription {
                member: None,
                session: None,
            })
        } else {
            Err(unauthorized(format!(
                "{channel} is reserved: only the user it names may subscribe, after signing in"
            )))
        };
    }
    limits::validate_channel_name(channel).map_err(|e| Refusal::plain(e.to_string()))?;

    if is_session_token(request.auth) {
        let org = org.ok_or_else(|| {
            unauthorized("this app belongs to no organization, so session tokens are not accepted")
        })?;
        let claims = jwt::decode_session(request.auth, org.secret_token, now)
            .map_err(|e| unauthorized(e.to_string()))?;
        if claims.org != org.name {
            return Err(unauthorized(format!(
                "the session token is for organization {:?}, not {:?}",
                claims.org, org.name
            )));
        }
        if !claims.can_listen(channel) {
            return Err(unauthorized(format!(
                "the session token does not allow listening on {channel}"
            )));
        }
        let member = if kind == ChannelKind::Presence {
            let user_id = claims.sub.clone().ok_or_else(|| {
                unauthorized(format!(
                    "{channel} is a presence channel: the session token needs a user (sub)"
                ))
            })?;
            let member = MemberData {
                user_id,
                user_info: claims.user_info.as_ref().map(|v| v.to_string()),
            };
            limits::validate_member(&member, limits).map_err(|e| unauthorized(e.to_string()))?;
            Some(member)
        } else {
            None
        };
        return Ok(Subscription {
            member,
            session: Some(claims),
        });
    }

    if !kind.needs_auth() {
        return Ok(Subscription {
            member: None,
            session: None,
        });
    }
    if request.auth.is_empty() {
        return Err(unauthorized(format!(
            "{channel} needs authorization: the subscription carried no auth"
        )));
    }
    let channel_data = if kind == ChannelKind::Presence {
        Some(request.channel_data.ok_or_else(|| {
            unauthorized(format!(
                "{channel} is a presence channel: the subscription needs channel_data"
            ))
        })?)
    } else {
        None
    };
    app.verify_channel_auth(request.socket_id, channel, channel_data, request.auth)
        .map_err(|e| match e {
            AuthError::BadSignature(_) => unauthorized(format!(
                "Invalid signature for {channel}: expected HMAC-SHA256 of \"{}:{channel}{}\" with the app secret",
                request.socket_id,
                if channel_data.is_some() { ":<channel_data>" } else { "" }
            )),
            other => unauthorized(other.to_string()),
        })?;
    let member = match channel_data {
        Some(cd) => {
            let member = MemberData::parse(cd)
                .map_err(|e| unauthorized(format!("invalid channel_data: {e}")))?;
            limits::validate_member(&member, limits).map_err(|e| unauthorized(e.to_string()))?;
            Some(member)
        }
        None => None,
    };
    Ok(Subscription {
        member,
        session: None,
    })
}

/// How a client event is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientEventDelivery {
    /// Whether the sender receives it too (Lite events) or not (Pusher `client-`).
    pub echo: bool,
    /// The `user_id` to attach (presence channels).
    pub user_id: Option<String>,
}

/// Decides whether a connection may send `event` on `channel`.
/// `subscription` is the connection's subscription to it, if any.
pub fn client_event_policy(
    channel: &str,
    event: &str,
    subscription: Option<&Subscription>,
    client_events_enabled: bool,
) -> Result<ClientEventDelivery, Refusal> {
    if event.starts_with(events::PUSHER_PREFIX) || event.starts_with(events::INTERNAL_PREFIX) {
        return Err(Refusal::plain(format!("{event} is a reserved event name")));
    }
    limits::validate_event_name(event).map_err(|e| Refusal::plain(e.to_string()))?;
    let subscription = subscription.ok_or_else(|| {
        Refusal::plain(format!(
            "cannot send {event} on {channel}: not subscribed to it"
        ))
    })?;
    let user_id = subscription.member.as_ref().map(|m| m.user_id.clone());
    if event.starts_with(events::CLIENT_PREFIX) && !subscription.can_publish_lite(channel) {
        let kind = ChannelKind::of(channel);
        if !matches!(
            kind,
            ChannelKind::Private | ChannelKind::Presence | ChannelKind::PrivateEncrypted
        ) {
            return Err(Refusal::plain(format!(
                "client events are only allowed on private and presence channels, not {channel}"
            )));
        }
        if !client_events_enabled {
            return Err(Refusal::plain("client events are disabled for this app"));
        }
        return Ok(ClientEventDelivery {
            echo: false,
            user_id,
        });
    }
    if subscription.can_publish_lite(channel) {
        return Ok(ClientEventDelivery {
            echo: true,
            user_id,
        });
    }
    Err(Refusal::plain(format!(
        "cannot send {event} on {channel}: client events must start with client- (or use a session token that allows publishing there)"
    )))
}

/// Client events per connection per second (a fixed one-second window).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_second: u32,
    window_start_ms: u64,
    used: u32,
}

impl RateLimiter {
    /// A limiter allowing `per_second` events per second.
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second,
            window_start_ms: 0,
            used: 0,
        }
    }

    /// Whether one more event is allowed at `now_ms`; counts it if so.
    pub fn allow(&mut self, now_ms: u64) -> bool {
        if now_ms.saturating_sub(self.window_start_ms) >= 1000 {
            self.window_start_ms = now_ms;
            self.used = 0;
        }
        if self.used < self.per_second {
            self.used += 1;
            true
        } else {
            false
        }
    }
}

/// The refusal for a rate-limited client event.
pub fn rate_limited(limit: u32) -> Refusal {
    Refusal::new(
        codes::CLIENT_EVENT_RATE_LIMITED,
        format!(
            "Client event rejected: more than {limit} client events per second on this connection"
        ),
    )
}

/// A presence channel's members: one member per user id, however many
/// connections that user subscribed with. Generic over the connection id.
#[derive(Debug, Clone)]
pub struct PresenceRoster<C> {
    by_connection: HashMap<C, String>,
    users: BTreeMap<String, (Option<String>, usize, u64)>,
    next_seq: u64,
}

impl<C> Default for PresenceRoster<C> {
    fn default() -> Self {
        PresenceRoster {
            by_connection: HashMap::new(),
            users: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

/// What joining a roster did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// A user not present before: announce `member_added`.
    NewMember,
    /// Another connection of a present user: nothing to announce.
    SameUser,
    /// The channel is full.
    Full,
}

impl<C: std::hash::Hash + Eq + Clone> PresenceRoster<C> {
    /// Adds `connection` as `member`, unless the roster holds `max_members`
    /// other users already.
    pub fn join(&mut self, connection: C, member: &MemberData, max_members: usize) -> Joined {
        if let Some(entry) = self.users.get_mut(&member.user_id) {
            if self
                .by_connection
                .insert(connection, member.user_id.clone())
                .is_none()
            {
                entry.1 += 1;
            }
            entry.0 = member.user_info.clone();
            return Joined::SameUser;
        }
        if self.users.len() >= max_members {
            return Joined::Full;
        }
        self.by_connection
            .insert(connection, member.user_id.clone());
        self.users.insert(
            member.user_id.clone(),
            (member.user_info.clone(), 1, self.next_seq),
        );
        self.next_seq += 1;
        Joined::NewMember
    }

    /// Removes `connection`; returns the user id when it was that user's last
    /// connection (announce `member_removed`).
    pub fn leave(&mut self, connection: &C) -> Option<String> {
        let user_id = self.by_connection.remove(connection)?;
        let entry = self.users.get_mut(&user_id)?;
        entry.1 -= 1;
        if entry.1 == 0 {
            self.users.remove(&user_id);
            Some(user_id)
        } else {
            None
        }
    }

    /// Distinct users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// User ids in join order.
    pub fn user_ids(&self) -> Vec<String> {
        let mut users: Vec<(&String, u64)> = self
            .users
            .iter()
            .map(|(id, (_, _, seq))| (id, *seq))
            .collect();
        users.sort_by_key(|(_, seq)| *seq);
        users.into_iter().map(|(id, _)| id.clone()).collect()
    }

    /// The `subscription_succeeded` data for a new subscriber.
    pub fn presence_data(&self) -> PresenceData {
        let ids = self.user_ids();
        PresenceData {
            members: ids
                .into_iter()
                .map(|id| {
                    let info = self.users.get(&id).and_then(|(info, _, _)| info.clone());
                    (id, info)
                })
                .collect(),
            count: self.users.len() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Credentials {
        Credentials::new("1", "key", "secret")
    }

    const ORG: LiteOrg<'static> = LiteOrg {
        name: "acme-inc",
        secret_token: "org-secret",
    };

    fn request<'a>(
        channel: &'a str,
        auth: &'a str,
        channel_data: Option<&'a str>,
    ) -> SubscribeRequest<'a> {
        SubscribeRequest {
            socket_id: "1.2",
            channel,
            auth,
            channel_data,
            signed_in_user: None,
        }
    }

    #[test]
    fn protocol_versions() {
        assert_eq!(check_protocol(Some("7")), Ok(7));
        assert_eq!(check_protocol(None).unwrap_err().code, Some(4008));
        assert_eq!(check_protocol(Some("x")).unwrap_err().code, Some(4006));
        assert_eq!(check_protocol(Some("4")).unwrap_err().code, Some(4007));
    }

    #[test]
    fn signature_subscriptions() {
        let limits = Limits::default();
        assert!(
            authorize_subscription(&app(), None, &request("news", "", None), &limits, 0).is_ok()
        );
        let auth = app()
            .authorize_channel("1.2", "private-a", None, None)
            .unwrap()
            .auth;
        assert!(
            authorize_subscription(&app(), None, &request("private-a", &auth, None), &limits, 0)
                .is_ok()
        );
        let refused =
            authorize_subscription(&app(), None, &request("private-b", &auth, None), &limits, 0)
                .unwrap_err();
        assert_eq!(refused.code, Some(4009));
        assert!(refused.message.contains("Invalid signature"));
        assert!(
            authorize_subscription(&app(), None, &request("private-a", "", None), &limits, 0)
                .is_err()
        );
        let member = MemberData {
            user_id: "u1".into(),
            user_info: Some(r#"{"n":1}"#.into()),
        };
        let presence = app()
            .authorize_channel("1.2", "presence-a", Some(&member), None)
            .unwrap();
        let ok = authorize_subscription(
            &app(),
            None,
            &request(
                "presence-a",
                &presence.auth,
                presence.channel_data.as_deref(),
            ),
            &limits,
            0,
        )
        .unwrap();
        assert_eq!(ok.member, Some(member));
        assert!(
            authorize_subscription(
                &app(),
                None,
                &request("presence-a", &presence.auth, None),
                &limits,
                0
            )
            .is_err()
        );
        assert!(
            authorize_subscription(&app(), None, &request("bad name", "", None), &limits, 0)
                .is_err()
        );
    }

    #[test]
    fn session_token_subscriptions_and_lite_events() {
        let limits = Limits::default();
        let mut claims = SessionClaims::new("acme-inc", 1000, 60);
        claims.listen = vec!["general".into(), "presence-*".into()];
        claims.publish = vec!["general".into()];
        claims.sub = Some("u9".into());
        let token = jwt::encode_session(&claims, "org-secret");
        assert!(is_session_token(&token));
        let general = authorize_subscription(
            &app(),
            Some(ORG),
            &request("general", &token, None),
            &limits,
            1001,
        )
        .unwrap();
        assert!(general.can_publish_lite("general"));
        let room = authorize_subscription(
            &app(),
            Some(ORG),
            &request("presence-room", &token, None),
            &limits,
            1001,
        )
        .unwrap();
        assert_eq!(room.member.map(|m| m.user_id), Some("u9".into()));
        assert_eq!(
            authorize_subscription(
                &app(),
                Some(ORG),
                &request("other", &token, None),
                &limits,
                1001
            )
            .unwrap_err()
            .code,
            Some(4009)
        );
        assert!(
            authorize_subscription(
                &app(),
                Some(ORG),
                &request("general", &token, None),
                &limits,
                1060
            )
            .is_err()
        );
        assert!(
            authorize_subscription(
                &app(),
                None,
                &request("general", &token, None),
                &limits,
                1001
            )
            .is_err()
        );

        // Lite events: any name, echoed; client- events keep Pusher's rules.
        let lite = client_event_policy("general", "new_message", Some(&general), false).unwrap();
        assert!(lite.echo);
        assert!(client_event_policy("general", "pusher:x", Some(&general), true).is_err());
        let plain = Subscription {
            member: None,
            session: None,
        };
        assert!(client_event_policy("general", "new_message", Some(&plain), true).is_err());
        assert!(client_event_policy("news", "client-x", Some(&plain), true).is_err());
        assert!(client_event_policy("private-a", "client-x", Some(&plain), false).is_err());
        assert!(
            !client_event_policy("private-a", "client-x", Some(&plain), true)
                .unwrap()
                .echo
        );
        assert!(client_event_policy("private-a", "client-x", None, true).is_err());
    }

    #[test]
    fn reserved_channels_are_for_their_signed_in_user() {
        let limits = Limits::default();
        let mut req = request("#server-to-user-u1", "", None);
        assert!(authorize_subscription(&app(), None, &req, &limits, 0).is_err());
        req.signed_in_user = Some("u1");
        assert!(authorize_subscription(&app(), None, &req, &limits, 0).is_ok());
        req.signed_in_user = Some("u2");
        assert!(authorize_subscription(&app(), None, &req, &limits, 0).is_err());
    }

    #[test]
    fn rate_limiter_windows() {
        let mut limiter = RateLimiter::new(10);
        assert!((0..10).all(|_| limiter.allow(5000)));
        assert!(!limiter.allow(5999));
        assert!(limiter.allow(6000));
    }

    #[test]
    fn roster_counts_users_not_connections() {
        let mut roster: PresenceRoster<u32> = PresenceRoster::default();
        let ada = MemberData {
            user_id: "ada".into(),
            user_info: None,
        };
        let bob = MemberData {
            user_id: "bob".into(),
            user_info: Some("{}".into()),
        };
        assert_eq!(roster.join(1, &ada, 100), Joined::NewMember);
        assert_eq!(roster.join(2, &ada, 100), Joined::SameUser);
        assert_eq!(roster.join(3, &bob, 2), Joined::NewMember);
        assert_eq!(
            roster.join(
                4,
                &MemberData {
                    user_id: "cy".into(),
                    user_info: None
                },
                2
            ),
            Joined::Full
        );
        assert_eq!(roster.user_count(), 2);
        assert_eq!(roster.user_ids(), ["ada", "bob"]);
        assert_eq!(roster.leave(&1), None);
        assert_eq!(roster.leave(&2), Some("ada".into()));
        assert_eq!(roster.leave(&2), None);
        assert_eq!(
            roster.presence_data().members,
            vec![("bob".into(), Some("{}".into()))]
        );
    }
}
