//! End-to-end encrypted channels (`private-encrypted-*`).
//!
//! A publisher holds a 32-byte master key. Each channel's key is
//! `SHA256(channel_name ‖ master_key)`; the auth endpoint hands it to authorized
//! subscribers as `shared_secret` (base64). Event data travels as the JSON text
//! `{"nonce": b64(24 bytes), "ciphertext": b64}`, sealed with XSalsa20-Poly1305
//! (NaCl `secretbox`), exactly as tweetnacl and the official libraries do it.
//! Nonces come from the caller: this crate has no randomness of its own.

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Nonce, XSalsa20Poly1305};
use sha2::{Digest, Sha256};

use crate::encoding::{base64_decode, base64_encode};
use crate::json;

/// Bytes in a master key and in a channel key.
pub const KEY_LEN: usize = 32;
/// Bytes in a nonce.
pub const NONCE_LEN: usize = 24;
/// Bytes the Poly1305 tag adds to a ciphertext.
pub const TAG_LEN: usize = 16;

/// Why encryption material was refused or a payload could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptionError {
    /// A key that is not 32 bytes of base64.
    #[error("encryption key must be 32 bytes encoded as base64 (got {0} bytes)")]
    KeyLength(usize),
    /// A key that is not base64 at all.
    #[error("encryption key is not valid base64")]
    KeyEncoding,
    /// The payload is not `{"nonce","ciphertext"}` JSON with base64 members.
    #[error("encrypted payload must be JSON with base64 `nonce` and `ciphertext` members")]
    PayloadFormat,
    /// The nonce is not 24 bytes.
    #[error("nonce must be 24 bytes, got {0}")]
    NonceLength(usize),
    /// The ciphertext is shorter than its authentication tag.
    #[error("ciphertext must be at least 16 bytes, got {0}")]
    CiphertextLength(usize),
    /// The tag does not verify: wrong key, or tampered data.
    #[error("payload did not decrypt with this channel's key")]
    Authentication,
}

/// A publisher's encryption master key (32 bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; KEY_LEN]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        MasterKey(bytes)
    }

    /// Reads `encryptionMasterKeyBase64` as the official libraries take it.
    pub fn from_base64(text: &str) -> Result<Self, EncryptionError> {
        let bytes = base64_decode(text.trim()).map_err(|_| EncryptionError::KeyEncoding)?;
        let len = bytes.len();
        let array: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| EncryptionError::KeyLength(len))?;
        Ok(MasterKey(array))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// One channel's key.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelKey([u8; KEY_LEN]);

impl std::fmt::Debug for ChannelKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChannelKey(<redacted>)")
    }
}

impl ChannelKey {
    /// Reads the base64 `shared_secret` of an auth response.
    pub fn from_base64(text: &str) -> Result<Self, EncryptionError> {
        MasterKey::from_base64(text).map(|k| ChannelKey(k.0))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Base64, as `shared_secret` carries it.
    pub fn to_base64(&self) -> String {
        base64_encode(&self.0)
    }
}

/// The key of `channel` under `master`: `SHA256(channel ‖ master)`.
pub fn shared_secret(channel: &str, master: &MasterKey) -> ChannelKey {
    let mut hasher = Sha256::new();
    hasher.update(channel.as_bytes());
    hasher.update(master.0);
    ChannelKey(hasher.finalize().into())
}

/// Seals `plaintext` and returns the event `data` text
/// `{"nonce":"…","ciphertext":"…"}`.
pub fn encrypt(key: &ChannelKey, nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> String {
    let cipher = XSalsa20Poly1305::new(&key.0.into());
    // Encryption with a valid key and nonce cannot fail for in-memory buffers.
    let sealed = cipher
        .encrypt(Nonce::from_slice(nonce), plaintext)
        .unwrap_or_else(|_| unreachable!());
    let mut out = String::from("{\"nonce\":");
    json::write_str(&mut out, &base64_encode(nonce));
    out.push_str(",\"ciphertext\":");
    json::write_str(&mut out, &base64_encode(&sealed));
    out.push('}');
    out
}

/// A payload's parts, checked for shape but not yet opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPayload {
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl SealedPayload {
    /// Parses and checks `{"nonce","ciphertext"}` the way pusher-js does before opening.
    pub fn parse(data: &str) -> Result<SealedPayload, EncryptionError> {
        let members = json::parse_object(data).map_err(|_| EncryptionError::PayloadFormat)?;
        let field = |name| {
            json::member(&members, name)
                .and_then(json::Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or(EncryptionError::PayloadFormat)
                .and_then(|s| base64_decode(s).map_err(|_| EncryptionError::PayloadFormat))
        };
        let ciphertext = field("ciphertext")?;
        let nonce = field("nonce")?;
        if ciphertext.len() < TAG_LEN {
            return Err(EncryptionError::CiphertextLength(ciphertext.len()));
        }
        let nonce_len = nonce.len();
        let nonce: [u8; NONCE_LEN] = nonce
            .get(..NONCE_LEN)
            .and_then(|n| n.try_into().ok())
            .ok_or(EncryptionError::NonceLength(nonce_len))?;
        Ok(SealedPayload { nonce, ciphertext })
    }

    /// Opens the payload with `key`.
    pub fn open(&self, key: &ChannelKey) -> Result<Vec<u8>, EncryptionError> {
        XSalsa20Poly1305::new(&key.0.into())
            .decrypt(Nonce::from_slice(&self.nonce), self.ciphertext.as_slice())
            .map_err(|_| EncryptionError::Authentication)
    }
}

/// Parses and opens an encrypted event's `data` text.
pub fn decrypt(key: &ChannelKey, data: &str) -> Result<Vec<u8>, EncryptionError> {
    SealedPayload::parse(data)?.open(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let master = MasterKey::from_bytes([7; 32]);
        let key = shared_secret("private-encrypted-a", &master);
        let data = encrypt(&key, &[1; 24], br#"{"hello":"world"}"#);
        assert_eq!(decrypt(&key, &data).unwrap(), br#"{"hello":"world"}"#);
        let other = shared_secret("private-encrypted-b", &master);
        assert_eq!(decrypt(&other, &data), Err(EncryptionError::Authentication));
        assert_eq!(decrypt(&key, "{}"), Err(EncryptionError::PayloadFormat));
        assert_eq!(
            decrypt(
                &key,
                r#"{"nonce":"AAAA","ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#
            ),
            Err(EncryptionError::NonceLength(3))
        );
    }

    #[test]
    fn master_key_must_be_32_bytes() {
        assert_eq!(
            MasterKey::from_base64("AAAA"),
            Err(EncryptionError::KeyLength(3))
        );
        assert_eq!(
            MasterKey::from_base64("!!"),
            Err(EncryptionError::KeyEncoding)
        );
        assert!(MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_ok());
    }
}
