//! Fuzzes every decoder a peer's bytes reach: frames (both directions), presence
//! data, auth responses, encrypted payloads and session tokens. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pusher_lite_core::auth::{ChannelAuthorization, UserAuthentication};
use pusher_lite_core::encryption::SealedPayload;
use pusher_lite_core::frame::{ClientMessage, PresenceData, ServerMessage};
use pusher_lite_core::jwt;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(message) = ServerMessage::decode(&text) {
        // Whatever decodes must re-encode to something that decodes again.
        let _ = ServerMessage::decode(&message.encode()).expect("re-encoded server frame decodes");
    }
    if let Ok(message) = ClientMessage::decode(&text) {
        let _ = ClientMessage::decode(&message.encode()).expect("re-encoded client frame decodes");
    }
    let _ = PresenceData::parse(&text);
    let _ = ChannelAuthorization::from_json(&text);
    let _ = UserAuthentication::from_json(&text);
    let _ = SealedPayload::parse(&text);
    let _ = jwt::decode_session(&text, "secret", 1_700_000_000);
    let _ = jwt::peek_subject(&text);
});
