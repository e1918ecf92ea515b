//! Lite frame batching: several protocol frames in one WebSocket message.
//!
//! A browser pays for every WebSocket message it delivers (a task, a
//! `MessageEvent`, a string), far more than for parsing a small frame, so under
//! load the message count, not the client, bounds how many events a page can
//! take. A client that opts in with the query parameter `lite_batch=1` may
//! receive, from a server that acknowledges it (`"lite_batch":true` in the
//! `pusher:connection_established` data), messages holding several frames
//! separated by `\n`. Nothing changes for anyone else: a server that does not
//! know the parameter ignores it and never acknowledges, and a client that did
//! not ask is never sent a batch.
//!
//! A frame is JSON, where a raw line feed can only be whitespace between tokens
//! (inside strings it is escaped), so the server turns any raw line feed of a
//! frame into a space — the same JSON — and `\n` then only ever separates
//! frames. The server batches only frames already queued for the connection
//! (it never waits for more), so a quiet connection sees one frame per message
//! and no added latency.
//!
//! Only events share a message ([`may_share_a_message`]): protocol frames (the
//! handshake, subscription results, counts, members, errors, pings) each keep
//! one, so a page sees every connection and subscription change in a task of
//! its own, as with pusher-js. The events of one message are handed to the
//! application one after another in one task (no timer runs between them).
//!
//! ```
//! use pusher_lite_core::batching;
//! let mut message = String::new();
//! batching::append(&mut message, r#"{"event":"a","data":"1"}"#);
//! batching::append(&mut message, "{\"event\":\"b\",\n\"data\":\"2\"}");
//! let frames: Vec<_> = batching::frames(&message).map(|(_, frame)| frame).collect();
//! assert_eq!(frames, [r#"{"event":"a","data":"1"}"#, r#"{"event":"b", "data":"2"}"#]);
//! ```

/// The connection URL's query parameter a client opts in with (value `1`).
pub const QUERY_PARAMETER: &str = "lite_batch";

/// The member of the `pusher:connection_established` data by which a server
/// acknowledges (`true`) that it may batch frames on this connection.
pub const ACKNOWLEDGEMENT: &str = "lite_batch";

/// Separates frames within one message.
pub const SEPARATOR: char = '\n';

/// A server adds frames to a message while it is shorter than this, so one
/// message never holds more than this plus one frame.
pub const MAX_BATCH_BYTES: usize = 16 * 1024;

/// Whether a connection URL's `lite_batch` query value asks for batching.
pub fn requested(value: Option<&str>) -> bool {
    value == Some("1")
}

/// Whether the server may put `frame` in a message with others: an event, not
/// a `pusher:` or `pusher_internal:` frame. Frames are read as the server
/// encodes them (`{"event":"` first); anything else goes alone.
///
/// ```
/// use pusher_lite_core::batching::may_share_a_message;
/// assert!(may_share_a_message(r#"{"event":"tick","channel":"a","data":"1"}"#));
/// assert!(!may_share_a_message(r#"{"event":"pusher_internal:subscription_succeeded","channel":"a","data":"{}"}"#));
/// assert!(!may_share_a_message(r#"{"channel":"a","event":"tick","data":"1"}"#));
/// ```
pub fn may_share_a_message(frame: &str) -> bool {
    frame.strip_prefix(r#"{"event":""#).is_some_and(|rest| {
        !rest.starts_with(crate::protocol::events::PUSHER_PREFIX)
            && !rest.starts_with(crate::protocol::events::INTERNAL_PREFIX)
    })
}

/// Appends `frame` (one JSON frame) to the batch `message`, its raw line feeds
/// turned into spaces (the same JSON) so that `\n` only separates frames.
pub fn append(message: &mut String, frame: &str) {
    if !message.is_empty() {
        message.push(SEPARATOR);
    }
    if frame.contains(SEPARATOR) {
        message.extend(frame.chars().map(|c| if c == SEPARATOR { ' ' } else { c }));
    } else {
        message.push_str(frame);
    }
}

/// The frames of a batched message with their positions (counting every
/// `\n`-separated piece from 0, so a front end that splits the message text
/// itself finds frame `i` at index `i`); empty pieces are skipped.
pub fn frames(message: &str) -> impl Iterator<Item = (u32, &str)> {
    message
        .split(SEPARATOR)
        .enumerate()
        .filter(|(_, frame)| !frame.is_empty())
        .map(|(i, frame)| (u32::try_from(i).unwrap_or(u32::MAX), frame))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Frame;

    #[test]
    fn a_frame_with_raw_line_feeds_stays_the_same_json() {
        let frame = "{\n  \"event\": \"client-x\",\n  \"data\": {\"text\": \"a\\nb\"}\n}";
        let mut message = String::new();
        append(&mut message, frame);
        assert!(!message.contains('\n'));
        let original = Frame::decode(frame).unwrap_or_else(|e| panic!("{e}"));
        let batched = Frame::decode(&message).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(original, batched);
    }

    #[test]
    fn positions_count_every_piece() {
        let found: Vec<_> = frames("a\n\nb\n").collect();
        assert_eq!(found, [(0, "a"), (2, "b")]);
        let split: Vec<_> = "a\n\nb\n".split('\n').collect();
        assert_eq!(split[2], "b");
    }

    #[test]
    fn only_the_value_1_requests_batching() {
        assert!(requested(Some("1")));
        assert!(!requested(Some("true")));
        assert!(!requested(None));
    }
}
