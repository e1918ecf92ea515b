//! A small, validating JSON reader and a string writer.
//!
//! The protocol codec only needs the top-level members of a frame and the raw
//! text of nested values, so it reads with this module instead of building a
//! `serde_json::Value` per frame. That keeps the browser build small and hands
//! the double-encoded `data` string on untouched for the front end's own parser.
//! The reader validates the whole text (RFC 8259 grammar), bounds nesting depth
//! so hostile input cannot exhaust the stack, and never panics.

use std::borrow::Cow;

/// Deepest nesting the reader accepts; deeper input is rejected, not recursed into.
pub const MAX_DEPTH: usize = 64;

/// Why a text is not valid JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {reason}")]
pub struct JsonError {
    /// Byte offset of the problem in the input.
    pub offset: usize,
    /// What was wrong there.
    pub reason: &'static str,
}

/// An object's members in order, as [`parse_object`] returns them.
pub type Members<'a> = Vec<(Cow<'a, str>, Value<'a>)>;

/// One JSON value as the reader saw it. Containers and numbers stay raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string, unescaped. Borrowed when it held no escapes.
    String(Cow<'a, str>),
    /// An object, as its raw text including braces.
    Object(&'a str),
    /// An array, as its raw text including brackets.
    Array(&'a str),
}

impl<'a> Value<'a> {
    /// The string content, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a non-negative integer, if it is one (`12`, `12.0` are; `1.5`, `-1` are not).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => integral(n),
            _ => None,
        }
    }

    /// The raw JSON text of this value (strings re-encoded).
    pub fn to_json(&self) -> Cow<'a, str> {
        match self {
            Value::Null => Cow::Borrowed("null"),
            Value::Bool(true) => Cow::Borrowed("true"),
            Value::Bool(false) => Cow::Borrowed("false"),
            Value::Number(n) | Value::Object(n) | Value::Array(n) => Cow::Borrowed(n),
            Value::String(s) => {
                let mut out = String::with_capacity(s.len() + 2);
                write_str(&mut out, s);
                Cow::Owned(out)
            }
        }
    }

    /// A string's content or any other value's JSON text: what a front end should
    /// try to parse as JSON, keeping the text as it is when that fails.
    pub fn into_text(self) -> Cow<'a, str> {
        match self {
            Value::String(s) => s,
            other => other.to_json(),
        }
    }
}

/// Parses `src` as one JSON value, rejecting trailing content.
pub fn parse(src: &str) -> Result<Value<'_>, JsonError> {
    let mut reader = Reader::new(src);
    reader.skip_ws();
    let value = reader.value(0)?;
    reader.skip_ws();
    if reader.pos != reader.bytes.len() {
        return Err(reader.error("unexpected content after the value"));
    }
    Ok(value)
}

/// Parses `src` as a JSON object and returns its members in order. Duplicate keys
/// are kept; callers take the last one, as `JSON.parse` does.
pub fn parse_object(src: &str) -> Result<Members<'_>, JsonError> {
    object(src, None).map(|(members, _)| members)
}

/// As [`parse_object`], except that string values of members named `raw_key`
/// are not unescaped: they are left out of the members and the last one is
/// returned as its raw text between the quotes (validated, escapes intact).
/// Lets a front end that parses such a value itself skip the work here.
pub fn parse_object_raw_string<'a>(
    src: &'a str,
    raw_key: &str,
) -> Result<(Members<'a>, Option<&'a str>), JsonError> {
    object(src, Some(raw_key))
}

fn object<'a>(
    src: &'a str,
    raw_key: Option<&str>,
) -> Result<(Members<'a>, Option<&'a str>), JsonError> {
    let mut reader = Reader::new(src);
    reader.skip_ws();
    if reader.peek() != Some(b'{') {
        return Err(reader.error("expected an object"));
    }
    let found = reader.members(0, raw_key)?;
    reader.skip_ws();
    if reader.pos != reader.bytes.len() {
        return Err(reader.error("unexpected content after the object"));
    }
    Ok(found)
}

/// Parses `src` as a JSON array and returns its elements.
pub fn parse_array(src: &str) -> Result<Vec<Value<'_>>, JsonError> {
    let mut reader = Reader::new(src);
    reader.skip_ws();
    if reader.peek() != Some(b'[') {
        return Err(reader.error("expected an array"));
    }
    reader.pos += 1;
    let mut items = Vec::new();
    reader.skip_ws();
    if reader.peek() == Some(b']') {
        reader.pos += 1;
    } else {
        loop {
            reader.skip_ws();
            items.push(reader.value(1)?);
            reader.skip_ws();
            match reader.next_byte() {
                Some(b',') => continue,
                Some(b']') => break,
                _ => return Err(reader.error("expected ',' or ']' in array")),
            }
        }
    }
    reader.skip_ws();
    if reader.pos != reader.bytes.len() {
        return Err(reader.error("unexpected content after the array"));
    }
    Ok(items)
}

/// Looks up the last member named `key` (as `JSON.parse` keeps the last duplicate).
pub fn member<'m, 'a>(
    members: &'m [(Cow<'a, str>, Value<'a>)],
    key: &str,
) -> Option<&'m Value<'a>> {
    members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Appends `s` to `out` as a quoted JSON string, escaped as `JSON.stringify` does.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `s` as a quoted JSON string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

/// The value of a JSON number that is a non-negative integer, read exactly
/// (`12`, `12.0`, `1.2e1`, `-0`), without float parsing (small in WebAssembly).
fn integral(number: &str) -> Option<u64> {
    let (negative, number) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (mantissa, exponent) = match number.find(['e', 'E']) {
        Some(i) => (&number[..i], number[i + 1..].parse::<i32>().ok()?),
        None => (number, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut exponent = i64::from(exponent) - frac.len() as i64;
    while exponent < 0 {
        match digits.pop() {
            Some(b'0') => exponent += 1,
            Some(_) => return None,
            None => break,
        }
    }
    let mut value: u64 = 0;
    for d in digits {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(d.checked_sub(b'0')?))?;
    }
    for _ in 0..exponent {
        if value == 0 {
            break;
        }
        value = value.checked_mul(10)?;
    }
    (!negative || value == 0).then_some(value)
}

struct Reader<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str) -> Self {
        Reader {
            src,
            bytes: src.as_bytes(),
            pos: 0,
        }
    }

    fn error(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'"') => self.string().map(Value::String),
            Some(b'{') => {
                let start = self.pos;
                self.object_members(depth)?;
                Ok(Value::Object(&self.src[start..self.pos]))
            }
            Some(b'[') => {
                let start = self.pos;
                self.skip_array(depth)?;
                Ok(Value::Array(&self.src[start..self.pos]))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn literal(&mut self, word: &'static str, value: Value<'a>) -> Result<Value<'a>, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        Ok(Value::Number(&self.src[start..self.pos]))
    }

    fn object_members(&mut self, depth: usize) -> Result<Members<'a>, JsonError> {
        self.members(depth, None).map(|(members, _)| members)
    }

    /// Reads an object's members; string values of `raw_key` are validated but
    /// not unescaped, and the last one is returned raw instead of as a member.
    fn members(
        &mut self,
        depth: usize,
        raw_key: Option<&str>,
    ) -> Result<(Members<'a>, Option<&'a str>), JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.pos += 1; // '{'
        let mut members = Vec::new();
        let mut raw = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok((members, raw));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.next_byte() != Some(b':') {
                return Err(self.error("expected ':' after key"));
            }
            self.skip_ws();
            if raw_key.is_some_and(|raw_key| key == raw_key) {
                // A later duplicate wins, as in JSON.parse.
                members.retain(|(k, _): &(Cow<'_, str>, Value<'_>)| *k != key);
                raw = None;
                if self.peek() == Some(b'"') {
                    raw = Some(self.raw_string()?);
                } else {
                    members.push((key, self.value(depth + 1)?));
                }
            } else {
                members.push((key, self.value(depth + 1)?));
            }
            self.skip_ws();
            match self.next_byte() {
                Some(b',') => continue,
                Some(b'}') => return Ok((members, raw)),
                _ => return Err(self.error("expected ',' or '}' in object")),
            }
        }
    }

    fn skip_array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.pos += 1; // '['
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(depth + 1)?;
            self.skip_ws();
            match self.next_byte() {
                Some(b',') => continue,
                Some(b']') => return Ok(()),
                _ => return Err(self.error("expected ',' or ']' in array")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("truncated \\u escape"))?;
        let mut code = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.error("invalid hex digit in \\u escape")),
            };
            code = code * 16 + u32::from(v);
        }
        self.pos += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        let bytes = self.bytes;
        // Fast path: no escapes, borrow the slice.
        let mut i = plain_run_end(bytes, start);
        match bytes.get(i) {
            None => {
                self.pos = i;
                return Err(self.error("unterminated string"));
            }
            Some(b'"') => {
                self.pos = i + 1;
                return Ok(Cow::Borrowed(&self.src[start..i]));
            }
            Some(b'\\') => {}
            Some(_) => {
                self.pos = i;
                return Err(self.error("control character in string"));
            }
        }
        // Escapes: copy each run of plain bytes whole (event data arrives
        // double-encoded, so its strings are full of `\"`).
        let mut out = String::with_capacity(i - start + 16);
        let mut run = start;
        loop {
            i = plain_run_end(bytes, i);
            match bytes.get(i) {
                None => {
                    self.pos = i;
                    return Err(self.error("unterminated string"));
                }
                Some(b'"') => {
                    out.push_str(&self.src[run..i]);
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(&self.src[run..i]);
                    self.pos = i + 2;
                    let unescaped = match bytes.get(i + 1) {
                        None => {
                            self.pos = i + 1;
                            return Err(self.error("unterminated escape"));
                        }
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let unit = self.hex4()?;
                            self.code_point(unit)?
                        }
                        Some(_) => {
                            self.pos = i + 1;
                            return Err(self.error("invalid escape"));
                        }
                    };
                    out.push(unescaped);
                    i = self.pos;
                    run = i;
                }
                Some(_) => {
                    self.pos = i;
                    return Err(self.error("control character in string"));
                }
            }
        }
    }

    /// Validates a string without unescaping it; returns the text between the quotes.
    fn raw_string(&mut self) -> Result<&'a str, JsonError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        let bytes = self.bytes;
        loop {
            self.pos = plain_run_end(bytes, self.pos);
            match bytes.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    let raw = &self.src[start..self.pos];
                    self.pos += 1;
                    return Ok(raw);
                }
                Some(b'\\') => match bytes.get(self.pos + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 2,
                    Some(b'u') => {
                        self.pos += 2;
                        self.hex4()?;
                    }
                    Some(_) => {
                        self.pos += 1;
                        return Err(self.error("invalid escape"));
                    }
                    None => return Err(self.error("unterminated escape")),
                },
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    /// Turns a `\u` unit (and, for a high surrogate, the pair's second half) into a char.
    /// Lone surrogates, which `JSON.parse` allows but Rust strings cannot hold, become U+FFFD.
    fn code_point(&mut self, unit: u32) -> Result<char, JsonError> {
        if (0xD800..0xDC00).contains(&unit) {
            if self.bytes[self.pos..].starts_with(b"\\u") {
                let save = self.pos;
                self.pos += 2;
                let low = self.hex4()?;
                if (0xDC00..0xE000).contains(&low) {
                    let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
                }
                self.pos = save;
            }
            return Ok('\u{FFFD}');
        }
        Ok(char::from_u32(unit).unwrap_or('\u{FFFD}'))
    }
}

/// Where the plain run of string content that starts at `from` ends: the index
/// of the first quote, backslash or control character, or the length. Eight
/// bytes at a time (a word-wide test for those three), since event data comes
/// as long plain runs; byte by byte for the rest.
fn plain_run_end(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // Non-zero when some byte of `word` is below `n` (n <= 0x80); bytes of
    // 0x80 and above (UTF-8 sequences) never count.
    let has_byte_below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let special = has_byte_below(word ^ (ONES * u64::from(b'"')), 1)
            | has_byte_below(word ^ (ONES * u64::from(b'\\')), 1)
            | has_byte_below(word, 0x20);
        if special != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_in_order_with_raw_nested_values() {
        let members = parse_object(r#"{"a":1,"b":{"c":[1,2]},"d":"x\"y","e":null}"#).unwrap();
        assert_eq!(members.len(), 4);
        assert_eq!(members[0], (Cow::Borrowed("a"), Value::Number("1")));
        assert_eq!(members[1].1, Value::Object(r#"{"c":[1,2]}"#));
        assert_eq!(members[2].1.as_str(), Some("x\"y"));
        assert_eq!(members[3].1, Value::Null);
    }

    #[test]
    fn last_duplicate_wins() {
        let members = parse_object(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(member(&members, "a"), Some(&Value::Number("2")));
    }

    #[test]
    fn unescapes_unicode_and_surrogate_pairs() {
        assert_eq!(
            parse(r#""\u00e9\ud83d\ude00""#).unwrap().as_str(),
            Some("é😀")
        );
        assert_eq!(parse(r#""\ud800x""#).unwrap().as_str(), Some("\u{FFFD}x"));
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "[1,]",
            "01",
            "1.",
            "-",
            "\"\\x\"",
            "tru",
            "{} x",
            "\"a\nb\"",
            "{'a':1}",
            "[1 2]",
            "\"\\u12G4\"",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn bounds_nesting_depth() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err().reason, "nesting too deep");
        let ok = "[".repeat(MAX_DEPTH - 1) + &"]".repeat(MAX_DEPTH - 1);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn writes_strings_like_json_stringify() {
        assert_eq!(quote("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\u0001é""#);
        let round = quote("tab\tquote\"ctl\u{1f}");
        assert_eq!(
            parse(&round).unwrap().as_str(),
            Some("tab\tquote\"ctl\u{1f}")
        );
    }

    proptest::proptest! {
        /// The word-wide scan stops where a byte-by-byte one does, from any start.
        #[test]
        fn plain_runs_end_where_a_bytewise_scan_does(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'"', b'\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff]),
                0..48,
            )
        ) {
            for from in 0..=bytes.len() {
                let bytewise = (from..bytes.len())
                    .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f))
                    .unwrap_or(bytes.len());
                proptest::prop_assert_eq!(plain_run_end(&bytes, from), bytewise);
            }
        }

        /// A string is accepted or refused as serde_json does, and read the same.
        #[test]
        fn strings_read_as_serde_json_reads_them(
            body in r#"([a-z"/ ]|\\[nrtbf"\\/x]|\\u00[0-9a-f]{2}|\\u[0-9]{3}|[\u{0}-\u{1f}]|é|😀){0,40}"#
        ) {
            let text = format!("\"{body}\"");
            let ours = parse(&text).ok().map(|v| v.as_str().map(str::to_owned));
            let theirs = serde_json::from_str::<String>(&text).ok().map(Some);
            proptest::prop_assert_eq!(ours, theirs, "{}", text);
            let object = format!("{{\"data\":{text}}}");
            let raw = parse_object_raw_string(&object, "data");
            proptest::prop_assert_eq!(raw.is_ok(), serde_json::from_str::<String>(&text).is_ok());
        }
    }

    #[test]
    fn integers_from_numbers() {
        assert_eq!(Value::Number("120").as_u64(), Some(120));
        assert_eq!(Value::Number("120.0").as_u64(), Some(120));
        assert_eq!(Value::Number("1.5").as_u64(), None);
        assert_eq!(Value::Number("-3").as_u64(), None);
        assert_eq!(Value::Number("1.2e1").as_u64(), Some(12));
        let (members, raw) = parse_object_raw_string(
            r#"{"data":"x","event":"e","data":"{\"a\":\"\u00e9\"}"}"#,
            "data",
        )
        .unwrap();
        assert_eq!(raw, Some(r#"{\"a\":\"\u00e9\"}"#));
        assert_eq!(members.len(), 1);
        let (members, raw) =
            parse_object_raw_string(r#"{"data":"x","data":{"b":1}}"#, "data").unwrap();
        assert_eq!(
            (members[0].1.clone(), raw),
            (Value::Object(r#"{"b":1}"#), None)
        );
        for bad in [
            r#"{"data":"\x"}"#,
            r#"{"data":"\u12"}"#,
            "{\"data\":\"a\u{1}\"}",
            r#"{"data":"a"} x"#,
        ] {
            assert!(
                parse_object_raw_string(bad, "data").is_err(),
                "accepted {bad:?}"
            );
        }
        assert_eq!(Value::Number("12E-1").as_u64(), None);
        assert_eq!(Value::Number("1200e-2").as_u64(), Some(12));
        assert_eq!(Value::Number("-0").as_u64(), Some(0));
        assert_eq!(Value::Number("0.000").as_u64(), Some(0));
        assert_eq!(
            Value::Number("18446744073709551615").as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(Value::Number("18446744073709551616").as_u64(), None);
        assert_eq!(Value::Number("1e400").as_u64(), None);
    }
}
