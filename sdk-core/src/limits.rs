//! The protocol's limits and the validation rules built on them: channel and
//! event names, payload sizes, channels per trigger, events per batch, socket
//! ids and presence member data. Servers enforce them; publishers check them
//! before a request leaves the machine, so both report the same errors.

/// Longest channel name.
pub const MAX_CHANNEL_NAME_LEN: usize = 164;
/// Longest event name (the server libraries' check).
pub const MAX_EVENT_NAME_LEN: usize = 200;
/// Largest event payload, in bytes (HTTP 413 above it).
pub const MAX_EVENT_DATA_BYTES: usize = 10 * 1024;
/// Most channels one trigger may name.
pub const MAX_CHANNELS_PER_TRIGGER: usize = 100;
/// Most events in one batch (multi-tenant clusters).
pub const MAX_EVENTS_PER_BATCH: usize = 10;
/// Most members a presence channel holds.
pub const MAX_PRESENCE_MEMBERS: usize = 100;
/// Largest presence `user_info`, in bytes.
pub const MAX_USER_INFO_BYTES: usize = 1024;
/// Longest presence `user_id`.
pub const MAX_USER_ID_LEN: usize = 128;
/// Client events one connection may send per second (4301 beyond).
pub const MAX_CLIENT_EVENTS_PER_SECOND: u32 = 10;
/// Most user ids in a sign-in watchlist (4302 beyond).
pub const MAX_WATCHLIST_IDS: usize = 100;

/// Limits a server enforces; the defaults are Pusher's. A self-hosted server may
/// raise them, which is why they are values and not only constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest event payload in bytes.
    pub max_event_data_bytes: usize,
    /// Most channels per trigger.
    pub max_channels_per_trigger: usize,
    /// Most events per batch.
    pub max_events_per_batch: usize,
    /// Most members per presence channel.
    pub max_presence_members: usize,
    /// Largest presence `user_info` in bytes.
    pub max_user_info_bytes: usize,
    /// Client events per connection per second.
    pub max_client_events_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_data_bytes: MAX_EVENT_DATA_BYTES,
            max_channels_per_trigger: MAX_CHANNELS_PER_TRIGGER,
            max_events_per_batch: MAX_EVENTS_PER_BATCH,
            max_presence_members: MAX_PRESENCE_MEMBERS,
            max_user_info_bytes: MAX_USER_INFO_BYTES,
            max_client_events_per_second: MAX_CLIENT_EVENTS_PER_SECOND,
        }
    }
}

/// A value that breaks a protocol rule. Each message names the offending thing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// Empty, too long, or a character outside `[A-Za-z0-9_\-=@,.;]`.
    #[error("invalid channel name {name:?}: {reason}")]
    ChannelName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Empty or too long.
    #[error("invalid event name {name:?}: {reason}")]
    EventName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Payload over the size limit.
    #[error("event data is {size} bytes; the limit is {limit}")]
    DataTooLarge {
        /// Bytes given.
        size: usize,
        /// Bytes allowed.
        limit: usize,
    },
    /// No channels, or more than allowed.
    #[error("a trigger names {count} channels; it must name between 1 and {limit}")]
    ChannelCount {
        /// Channels given.
        count: usize,
        /// Channels allowed.
        limit: usize,
    },
    /// Empty batch, or more events than allowed.
    #[error("a batch holds {count} events; it must hold between 1 and {limit}")]
    BatchSize {
        /// Events given.
        count: usize,
        /// Events allowed.
        limit: usize,
    },
    /// Not of the form `digits.digits`.
    #[error("invalid socket id {0:?}: expected digits, a dot, digits (e.g. \"123.456\")")]
    SocketId(String),
    /// Empty or too long.
    #[error("invalid user id {id:?}: {reason}")]
    UserId {
        /// The id given.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Presence `user_info` over its limit.
    #[error("user_info is {size} bytes; the limit is {limit}")]
    UserInfoTooLarge {
        /// Bytes given.
        size: usize,
        /// Bytes allowed.
        limit: usize,
    },
    /// A multi-channel trigger that includes an encrypted channel.
    #[error(
        "cannot trigger to several channels when one is encrypted ({channel}); trigger it on its own"
    )]
    EncryptedMultiChannel {
        /// The encrypted channel.
        channel: String,
    },
    /// An `info` attribute that does not exist or does not apply.
    #[error("invalid info attribute {attribute:?}: {reason}")]
    InfoAttribute {
        /// The attribute given.
        attribute: String,
        /// Why it is refused.
        reason: &'static str,
    },
}

impl ValidationError {
    /// The HTTP status the Pusher HTTP API answers this error with.
    pub fn http_status(&self) -> u16 {
        match self {
            ValidationError::DataTooLarge { .. } => 413,
            _ => 400,
        }
    }
}

fn is_channel_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=' | '@' | ',' | '.' | ';')
}

/// Checks a channel name a client or publisher may use. Names starting with `#`
/// are reserved for the server (see [`validate_server_channel_name`]).
pub fn validate_channel_name(name: &str) -> Result<(), ValidationError> {
    let err = |reason| {
        Err(ValidationError::ChannelName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return err("it is empty");
    }
    if name.len() > MAX_CHANNEL_NAME_LEN {
        return err("it is longer than 164 characters");
    }
    if name.starts_with('#') {
        return err("names starting with '#' are reserved");
    }
    if !name.chars().all(is_channel_char) {
        return err("only A-Z, a-z, 0-9 and _ - = @ , . ; are allowed");
    }
    Ok(())
}

/// Like [`validate_channel_name`], but also accepts the server's own
/// `#server-to-user-{id}` channels (for publishers sending to a user).
pub fn validate_server_channel_name(name: &str) -> Result<(), ValidationError> {
    match name.strip_prefix("#server-to-user-") {
        Some(user_id) => validate_user_id(user_id).map_err(|_| ValidationError::ChannelName {
            name: name.to_owned(),
            reason: "the user id after #server-to-user- is invalid",
        }),
        None => validate_channel_name(name),
    }
}

/// Checks an event name.
pub fn validate_event_name(name: &str) -> Result<(), ValidationError> {
    let err = |reason| {
        Err(ValidationError::EventName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return err("it is empty");
    }
    if name.len() > MAX_EVENT_NAME_LEN {
        return err("it is longer than 200 characters");
    }
    Ok(())
}

/// Checks a payload against a size limit.
pub fn validate_data_size(data: &str, limit: usize) -> Result<(), ValidationError> {
    if data.len() > limit {
        return Err(ValidationError::DataTooLarge {
            size: data.len(),
            limit,
        });
    }
    Ok(())
}

/// Checks a socket id (`^\d+\.\d+$`).
pub fn validate_socket_id(socket_id: &str) -> Result<(), ValidationError> {
    let valid = socket_id.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    if valid {
        Ok(())
    } else {
        Err(ValidationError::SocketId(socket_id.to_owned()))
    }
}

/// Checks a presence or sign-in user id.
pub fn validate_user_id(id: &str) -> Result<(), ValidationError> {
    let err = |reason| {
        Err(ValidationError::UserId {
            id: id.to_owned(),
            reason,
        })
    };
    if id.is_empty() {
        return err("it is empty");
    }
    if id.len() > MAX_USER_ID_LEN {
        return err("it is longer than 128 characters");
    }
    Ok(())
}

/// Checks presence member data against the user id and `user_info` limits.
pub fn validate_member(
    member: &crate::frame::MemberData,
    limits: &Limits,
) -> Result<(), ValidationError> {
    validate_user_id(&member.user_id)?;
    let size = member.user_info.as_ref().map_or(0, String::len);
    if size > limits.max_user_info_bytes {
        return Err(ValidationError::UserInfoTooLarge {
            size,
            limit: limits.max_user_info_bytes,
        });
    }
    Ok(())
}

/// Checks the channels of one trigger: count, names, and the encrypted-channel rule.
pub fn validate_trigger_channels<S: AsRef<str>>(
    channels: &[S],
    limits: &Limits,
) -> Result<(), ValidationError> {
    if channels.is_empty() || channels.len() > limits.max_channels_per_trigger {
        return Err(ValidationError::ChannelCount {
            count: channels.len(),
            limit: limits.max_channels_per_trigger,
        });
    }
    for channel in channels {
        validate_server_channel_name(channel.as_ref())?;
    }
    if channels.len() > 1
        && let Some(encrypted) = channels
            .iter()
            .find(|c| c.as_ref().starts_with("private-encrypted-"))
    {
        return Err(ValidationError::EncryptedMultiChannel {
            channel: encrypted.as_ref().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names() {
        assert!(validate_channel_name("private-foo_bar-=@,.;").is_ok());
        assert!(validate_channel_name(&"a".repeat(164)).is_ok());
        assert!(validate_channel_name(&"a".repeat(165)).is_err());
        assert!(validate_channel_name("").is_err());
        assert!(validate_channel_name("with space").is_err());
        assert!(validate_channel_name("#server-to-user-1").is_err());
        assert!(validate_server_channel_name("#server-to-user-1").is_ok());
        assert!(validate_server_channel_name("#server-to-user-").is_err());
    }

    #[test]
    fn sizes_and_counts() {
        assert!(validate_data_size(&"x".repeat(10240), MAX_EVENT_DATA_BYTES).is_ok());
        let err = validate_data_size(&"x".repeat(10241), MAX_EVENT_DATA_BYTES).unwrap_err();
        assert_eq!(err.http_status(), 413);
        let limits = Limits::default();
        let hundred: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        assert!(validate_trigger_channels(&hundred, &limits).is_ok());
        let too_many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
        assert_eq!(
            validate_trigger_channels(&too_many, &limits)
                .unwrap_err()
                .http_status(),
            400
        );
        assert!(validate_trigger_channels::<&str>(&[], &limits).is_err());
        assert!(matches!(
            validate_trigger_channels(&["a", "private-encrypted-b"], &limits),
            Err(ValidationError::EncryptedMultiChannel { .. })
        ));
        assert!(validate_trigger_channels(&["private-encrypted-b"], &limits).is_ok());
    }

    #[test]
    fn member_limits() {
        use crate::frame::MemberData;
        let limits = Limits::default();
        let member = |id: &str, info: Option<String>| MemberData {
            user_id: id.into(),
            user_info: info,
        };
        assert!(
            validate_member(
                &member("u1", Some(format!("\"{}\"", "x".repeat(1022)))),
                &limits
            )
            .is_ok()
        );
        assert!(matches!(
            validate_member(
                &member("u1", Some(format!("\"{}\"", "x".repeat(1023)))),
                &limits
            ),
            Err(ValidationError::UserInfoTooLarge { size: 1025, .. })
        ));
        assert!(validate_member(&member(&"u".repeat(129), None), &limits).is_err());
        assert!(validate_member(&member("", None), &limits).is_err());
    }

    #[test]
    fn socket_ids() {
        assert!(validate_socket_id("123.456").is_ok());
        for bad in ["", "123", "123.", ".456", "1.2.3", "a.1", "1.b"] {
            assert!(validate_socket_id(bad).is_err(), "{bad}");
        }
    }
}
