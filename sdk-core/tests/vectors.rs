//! Checks the core against the shared vectors in `tests/vectors/` — Pusher's
//! published worked examples and values computed by independent implementations
//! (Node crypto, tweetnacl). Other languages' tests read the same files.

use pusher_lite_core::auth::{Credentials, channel_string_to_sign, user_string_to_sign};
use pusher_lite_core::encryption::{self, ChannelKey, EncryptionError, MasterKey};
use pusher_lite_core::http_api;
use pusher_lite_core::jwt::{self, JwtError, SessionClaims};
use pusher_lite_core::webhook;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn credentials(v: &Value) -> Credentials {
    Credentials::new(s(&v["app_id"]), s(&v["key"]), s(&v["secret"]))
}

#[test]
fn channel_and_user_signatures() {
    let vectors = load("signatures.json");
    let app = credentials(&vectors["credentials"]);
    let master = MasterKey::from_base64(s(&load("encryption.json")["master_key_base64"])).unwrap();
    let mut docs = 0;
    for case in vectors["channel_auth"].as_array().unwrap() {
        let channel_data = case["channel_data"].as_str();
        let (socket_id, channel) = (s(&case["socket_id"]), s(&case["channel"]));
        assert_eq!(
            channel_string_to_sign(socket_id, channel, channel_data),
            s(&case["string_to_sign"])
        );
        assert_eq!(
            app.auth_string(s(&case["string_to_sign"])),
            s(&case["auth"]),
            "{case}"
        );
        assert!(
            app.verify_channel_auth(socket_id, channel, channel_data, s(&case["auth"]))
                .is_ok()
        );
        assert!(
            app.verify_channel_auth(
                socket_id,
                &format!("{channel}x"),
                channel_data,
                s(&case["auth"])
            )
            .is_err()
        );
        if let Some(shared) = case["shared_secret"].as_str() {
            let auth = app
                .authorize_channel(socket_id, channel, None, Some(&master))
                .unwrap();
            assert_eq!(auth.shared_secret.as_deref(), Some(shared));
            assert_eq!(auth.auth, s(&case["auth"]));
        }
        docs += usize::from(case["source"] == "pusher-docs");
    }
    for case in vectors["user_auth"].as_array().unwrap() {
        let (socket_id, user_data) = (s(&case["socket_id"]), s(&case["user_data"]));
        assert_eq!(
            user_string_to_sign(socket_id, user_data),
            s(&case["string_to_sign"])
        );
        let auth = app.authenticate_user(socket_id, user_data).unwrap();
        assert_eq!(auth.auth, s(&case["auth"]));
        assert!(
            app.verify_user_auth(socket_id, user_data, &auth.auth)
                .is_ok()
        );
        docs += usize::from(case["source"] == "pusher-docs");
    }
    assert_eq!(
        docs, 3,
        "the docs' private, presence and user examples are all present"
    );
}

#[test]
fn http_api_request_signatures() {
    let vectors = load("signatures.json");
    let app = credentials(&vectors["credentials"]);
    let mut docs = 0;
    for case in vectors["http_api"].as_array().unwrap() {
        let query: Vec<(String, String)> = case["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|kv| (s(&kv[0]).to_owned(), s(&kv[1]).to_owned()))
            .collect();
        let body = s(&case["body"]).as_bytes();
        let timestamp = case["timestamp"].as_u64().unwrap();
        let (method, path) = (s(&case["method"]), s(&case["path"]));
        if let Some(md5) = case["body_md5"].as_str() {
            assert_eq!(http_api::body_md5(body), md5);
        }
        let signed = http_api::sign_request(&app, method, path, &query, body, timestamp).unwrap();
        let (name, signature) = signed.last().unwrap();
        assert_eq!(name, "auth_signature");
        assert_eq!(signature, s(&case["auth_signature"]), "{case}");
        assert_eq!(
            http_api::string_to_sign(method, path, &signed[..signed.len() - 1]),
            s(&case["string_to_sign"])
        );
        assert!(
            http_api::verify_request(&app, method, path, &signed, body, timestamp + 599).is_ok()
        );
        assert!(
            http_api::verify_request(&app, method, path, &signed, body, timestamp + 601).is_err()
        );
        docs += usize::from(case["source"] == "pusher-docs");
    }
    assert_eq!(docs, 1, "the docs' worked HTTP API example is present");
}

#[test]
fn webhook_signatures() {
    let vectors = load("signatures.json");
    let app = credentials(&vectors["credentials"]);
    for case in vectors["webhooks"].as_array().unwrap() {
        let body = s(&case["body"]);
        assert_eq!(webhook::sign(&app.secret, body), s(&case["signature"]));
        let parsed =
            webhook::verify(&app, s(&case["key"]), s(&case["signature"]), body, 0, None).unwrap();
        assert!(!parsed.events.is_empty());
        assert_eq!(
            webhook::verify(
                &app,
                s(&case["key"]),
                s(&case["signature"]),
                &body.replace("u1", "u2"),
                0,
                None
            ),
            Err(webhook::WebhookError::BadSignature)
        );
    }
}

#[test]
fn session_tokens() {
    let vectors = load("jwt.json");
    let secret = s(&vectors["secret"]);
    for case in vectors["valid"].as_array().unwrap() {
        let expected: SessionClaims = serde_json::from_value(case["claims"].clone()).unwrap();
        let decoded =
            jwt::decode_session(s(&case["token"]), secret, case["now"].as_u64().unwrap()).unwrap();
        assert_eq!(decoded, expected);
        assert_eq!(
            jwt::encode_session(&expected, secret),
            s(&case["token"]),
            "our encoder writes the same bytes"
        );
        assert_eq!(jwt::peek_subject(s(&case["token"])), expected.sub);
    }
    for case in vectors["invalid"].as_array().unwrap() {
        let err = jwt::decode_session(s(&case["token"]), secret, case["now"].as_u64().unwrap())
            .unwrap_err();
        let kind = match err {
            JwtError::Expired { .. } => "expired",
            JwtError::NotYetValid { .. } => "not_yet_valid",
            JwtError::Signature => "signature",
            JwtError::Algorithm => "algorithm",
            JwtError::Malformed(_) => "malformed",
            JwtError::Claims(_) => "claims",
        };
        assert_eq!(kind, s(&case["error"]), "{case}");
    }
    for case in vectors["patterns"].as_array().unwrap() {
        assert_eq!(
            jwt::pattern_matches(s(&case[0]), s(&case[1])),
            case[2].as_bool().unwrap(),
            "{case}"
        );
    }
}

#[test]
fn encrypted_payloads() {
    let vectors = load("encryption.json");
    let master = MasterKey::from_base64(s(&vectors["master_key_base64"])).unwrap();
    for case in vectors["sealed"].as_array().unwrap() {
        let key = encryption::shared_secret(s(&case["channel"]), &master);
        assert_eq!(key.to_base64(), s(&case["shared_secret"]));
        let plain = encryption::decrypt(&key, s(&case["data"])).unwrap();
        assert_eq!(plain, s(&case["plaintext"]).as_bytes());
        // Our encryption with the same nonce produces tweetnacl's ciphertext.
        let nonce: Value = serde_json::from_str(s(&case["data"])).unwrap();
        let nonce: [u8; 24] = pusher_lite_core::encoding::base64_decode(s(&nonce["nonce"]))
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            encryption::encrypt(&key, &nonce, plain.as_slice()),
            s(&case["data"])
        );
    }
    for case in vectors["refused"].as_array().unwrap() {
        let key: ChannelKey = encryption::shared_secret(s(&case["key_of"]), &master);
        let err = encryption::decrypt(&key, s(&case["data"])).unwrap_err();
        let kind = match err {
            EncryptionError::Authentication => "authentication",
            EncryptionError::NonceLength(_) => "nonce_length",
            EncryptionError::CiphertextLength(_) => "ciphertext_length",
            EncryptionError::PayloadFormat => "format",
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(kind, s(&case["error"]), "{case}");
    }
}
