//! Byte-to-text encodings the protocol uses: base64 (standard, padded) for
//! encrypted payloads and shared secrets, base64url (unpadded) for JWTs, and
//! lowercase hex for signatures and `body_md5`.

/// A base64 or hex text that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeTextError {
    /// A character outside the alphabet, at this byte offset.
    #[error("invalid character at offset {0}")]
    InvalidCharacter(usize),
    /// The length cannot be a valid encoding.
    #[error("invalid length {0}")]
    InvalidLength(usize),
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

fn sextet(c: u8, url_safe: bool) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' if !url_safe => Some(62),
        b'/' if !url_safe => Some(63),
        b'-' if url_safe => Some(62),
        b'_' if url_safe => Some(63),
        _ => None,
    }
}

fn decode_with(text: &str, url_safe: bool) -> Result<Vec<u8>, DecodeTextError> {
    let bytes = text.as_bytes();
    let unpadded = bytes.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let padding = bytes.len() - unpadded;
    if padding > 2 || (padding > 0 && !bytes.len().is_multiple_of(4)) || unpadded % 4 == 1 {
        return Err(DecodeTextError::InvalidLength(bytes.len()));
    }
    let mut out = Vec::with_capacity(unpadded * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for (i, &c) in bytes[..unpadded].iter().enumerate() {
        let v = sextet(c, url_safe).ok_or(DecodeTextError::InvalidCharacter(i))?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Standard base64 with padding, as tweetnacl-util and the Pusher libraries write it.
pub fn base64_encode(bytes: &[u8]) -> String {
    encode_with(bytes, STANDARD, true)
}

/// Decodes standard base64; padding is optional.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, DecodeTextError> {
    decode_with(text, false)
}

/// base64url without padding, as JWTs use.
pub fn base64url_encode(bytes: &[u8]) -> String {
    encode_with(bytes, URL_SAFE, false)
}

/// Decodes base64url; padding is optional.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, DecodeTextError> {
    decode_with(text, true)
}

/// Lowercase hex.
pub fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
    out
}

/// Decodes hex of either case.
pub fn hex_decode(text: &str) -> Result<Vec<u8>, DecodeTextError> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeTextError::InvalidLength(bytes.len()));
    }
    let nibble = |i: usize| -> Result<u8, DecodeTextError> {
        match bytes[i] {
            c @ b'0'..=b'9' => Ok(c - b'0'),
            c @ b'a'..=b'f' => Ok(c - b'a' + 10),
            c @ b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(DecodeTextError::InvalidCharacter(i)),
        }
    };
    (0..bytes.len() / 2)
        .map(|i| Ok((nibble(2 * i)? << 4) | nibble(2 * i + 1)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes());
            assert_eq!(
                base64_decode(encoded.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
        }
    }

    #[test]
    fn url_safe_alphabet() {
        let bytes = [0xfb, 0xff, 0xbf];
        assert_eq!(base64_encode(&bytes), "+/+/");
        assert_eq!(base64url_encode(&bytes), "-_-_");
        assert_eq!(base64url_decode("-_-_").unwrap(), bytes);
        assert!(base64url_decode("+/+/").is_err());
    }

    #[test]
    fn rejects_bad_base64() {
        assert_eq!(base64_decode("Zg="), Err(DecodeTextError::InvalidLength(3)));
        assert_eq!(base64_decode("Z"), Err(DecodeTextError::InvalidLength(1)));
        assert_eq!(
            base64_decode("Zm9v!A=="),
            Err(DecodeTextError::InvalidCharacter(4))
        );
        assert_eq!(
            base64_decode("Zm9v!"),
            Err(DecodeTextError::InvalidLength(5))
        );
        assert!(base64_decode("Zg===").is_err());
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex_encode(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(hex_decode("00AB10").unwrap(), vec![0, 0xab, 0x10]);
        assert!(hex_decode("abc").is_err());
        assert!(hex_decode("zz").is_err());
    }
}
