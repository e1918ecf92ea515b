//! # pusher-lite-inflate
//!
//! Owns one job: unpacking the WebAssembly module that `npm/dist/pusher.js`
//! carries, a raw DEFLATE stream (RFC 1951).
//!
//! Why the bundle carries the module deflated: the bundle must be ASCII, so the
//! module's bytes are in base64, and gzip cannot find the module's repetitions
//! through base64 — deflating first makes the whole bundle about a fifth smaller
//! after gzip. Why the decoder is a module of its own, in Rust: `new Pusher(...)`
//! must work on the line after the `<script>` tag, so the unpacking is
//! synchronous (`DecompressionStream` is not), and a decoder in JavaScript runs
//! once, cold, before the engine has optimised it — 6 to 18 ms for our module in
//! Chromium, against well under a millisecond for this one.
//!
//! Each Huffman code becomes a lookup table indexed by the next input bits, so
//! a symbol costs one lookup (decoding bit by bit took as long as the
//! JavaScript decoder). It has no panic path — indexes go through masks or
//! `get` — so the module carries none of the formatting code a panic message
//! drags in (a third of its size before). It allocates nothing — the tables
//! live on its stack — and on `wasm32` the crate is `no_std` and
//! exports one function, `inflate(input, input_len, output, output_len)`,
//! which returns the unpacked length or a negative [`Error`] code.
//!
//! ```
//! // A stored block ("hello"), then a fixed-Huffman block holding nothing.
//! let packed = [0x00, 0x05, 0x00, 0xfa, 0xff, b'h', b'e', b'l', b'l', b'o', 0x03, 0x00];
//! let mut output = [0u8; 5];
//! assert_eq!(pusher_lite_inflate::inflate(&packed, &mut output), Ok(5));
//! assert_eq!(&output, b"hello");
//! ```
#![cfg_attr(target_arch = "wasm32", no_std)]

use core::fmt;

/// Why a stream could not be unpacked. The discriminant, negated, is what the
/// WebAssembly export returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Error {
    /// The stream ended inside a block.
    UnexpectedEnd = 1,
    /// A block header named block type 3, which does not exist.
    InvalidBlockType = 2,
    /// A stored block's length and its one's complement disagree.
    StoredLengthMismatch = 3,
    /// A block's code lengths describe more codes than their bit lengths allow.
    OversubscribedCode = 4,
    /// The input holds a bit pattern that is no code of the block's Huffman code.
    InvalidCode = 5,
    /// A dynamic block declares more literal/length or distance codes than exist,
    /// or its code lengths run past the count it declared.
    InvalidCodeLengths = 6,
    /// A dynamic block gives the end-of-block symbol no code.
    NoEndOfBlock = 7,
    /// A match points before the start of the output.
    DistanceTooFar = 8,
    /// The unpacked data does not fit in the output buffer.
    OutputFull = 9,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::UnexpectedEnd => "the deflate stream ends inside a block",
            Error::InvalidBlockType => "a deflate block header names block type 3",
            Error::StoredLengthMismatch => "a stored block's length and its complement disagree",
            Error::OversubscribedCode => "a block's Huffman code lengths are over-subscribed",
            Error::InvalidCode => "the input holds a bit pattern that is no Huffman code",
            Error::InvalidCodeLengths => "a dynamic block's code lengths are out of range",
            Error::NoEndOfBlock => "a dynamic block has no end-of-block code",
            Error::DistanceTooFar => "a match points before the start of the output",
            Error::OutputFull => "the unpacked data does not fit the output buffer",
        })
    }
}

impl core::error::Error for Error {}

/// Length symbols 257..=285: the base length and how many extra bits follow.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distance symbols 0..=29: the base distance and how many extra bits follow.
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which a dynamic block sends the code lengths of its code-length code.
const CODE_LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];
/// Literal/length codes a block may use (286 and 287 never occur), and distance codes.
const MAX_LITERAL_CODES: usize = 286;
const MAX_DISTANCE_CODES: usize = 30;
/// The longest Huffman code, in bits.
const MAX_BITS: usize = 15;

/// Unpacks the raw DEFLATE stream `input` into `output`; returns how many bytes
/// it wrote. Input after the final block is ignored.
pub fn inflate(input: &[u8], output: &mut [u8]) -> Result<usize, Error> {
    let mut bits = Bits {
        input,
        at: 0,
        held: 0,
        count: 0,
    };
    // Lookup tables for the block being read, reused from block to block.
    let mut literal_entries = [0u16; 1 << MAX_BITS];
    let mut distance_entries = [0u16; 1 << MAX_BITS];
    let mut written = 0;
    loop {
        let last = bits.take(1)? == 1;
        let (literals, distances) = match bits.take(2)? {
            0 => {
                stored(&mut bits, output, &mut written)?;
                if last {
                    return Ok(written);
                }
                continue;
            }
            1 => {
                let mut lengths = [8u8; 288];
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                (
                    Table::new(&lengths, &mut literal_entries)?,
                    Table::new(&[5; MAX_DISTANCE_CODES], &mut distance_entries)?,
                )
            }
            2 => dynamic_codes(&mut bits, &mut literal_entries, &mut distance_entries)?,
            _ => return Err(Error::InvalidBlockType),
        };
        codes(&mut bits, &literals, &distances, output, &mut written)?;
        if last {
            return Ok(written);
        }
    }
}

/// The input read as a little-endian bit stream, lowest bit first.
struct Bits<'a> {
    input: &'a [u8],
    /// The next byte to read; past the end of the input, reads give zero bytes
    /// (a lookup may look ahead further than the stream goes).
    at: usize,
    /// Bits read but not yet used, lowest first.
    held: u32,
    count: u32,
}

impl Bits<'_> {
    /// Makes sure at least `need` (at most 24) bits are held.
    fn fill(&mut self, need: u32) {
        while self.count < need {
            let byte = self.input.get(self.at).copied().unwrap_or(0);
            self.at += 1;
            self.held |= u32::from(byte) << self.count;
            self.count += 8;
        }
    }

    /// Uses `used` held bits; fails if they went past the end of the input.
    fn consume(&mut self, used: u32) -> Result<(), Error> {
        self.held >>= used;
        self.count -= used;
        let past_end = self.at.saturating_sub(self.input.len());
        if past_end * 8 > self.count as usize {
            return Err(Error::UnexpectedEnd);
        }
        Ok(())
    }

    /// The next `need` (at most 16) bits as a number, the first bit lowest.
    fn take(&mut self, need: u32) -> Result<u32, Error> {
        self.fill(need);
        let value = self.held & ((1 << need) - 1);
        self.consume(need)?;
        Ok(value)
    }

    /// Reads one symbol of `table`'s code: one lookup by the next bits.
    fn decode(&mut self, table: &Table<'_>) -> Result<u16, Error> {
        self.fill(table.width);
        let index = (self.held & ((1 << table.width) - 1)) as usize;
        let entry = table.entries.get(index).copied().unwrap_or(0);
        // 0 is no entry: every code is at least one bit long.
        let length = u32::from(entry & 15);
        if length == 0 {
            return Err(Error::InvalidCode);
        }
        self.consume(length)?;
        Ok(entry >> 4)
    }
}

/// A canonical Huffman code as a lookup table indexed by the next `width`
/// input bits (the code's longest length): each entry is the symbol whose code
/// those bits start with, `symbol << 4 | code length`, or 0 if none does.
struct Table<'a> {
    entries: &'a [u16],
    width: u32,
}

impl<'a> Table<'a> {
    /// The code in which symbol `i` has a code of `lengths[i]` bits (0: none),
    /// built in `entries`.
    fn new(lengths: &[u8], entries: &'a mut [u16]) -> Result<Table<'a>, Error> {
        let mut count = [0u16; MAX_BITS + 1];
        // (Lengths are at most MAX_BITS: the masks only tell the compiler so,
        // which keeps panic paths, and the formatting code they pull in, out
        // of the module.)
        for &length in lengths {
            count[usize::from(length) & MAX_BITS] += 1;
        }
        count[0] = 0;
        // Each length may use at most the codes the shorter ones left free;
        // codes of one length are consecutive numbers, after the shorter ones'.
        let mut left: i32 = 1;
        let mut next = [0u16; MAX_BITS + 1];
        let mut width = 1;
        for length in 1..=MAX_BITS {
            left = (left << 1) - i32::from(count[length]);
            if left < 0 {
                return Err(Error::OversubscribedCode);
            }
            next[length] = (next[length - 1] + count[length - 1]) << 1;
            if count[length] != 0 {
                width = length as u32;
            }
        }
        let entries = entries
            .get_mut(..1 << width)
            .ok_or(Error::InvalidCodeLengths)?;
        entries.fill(0);
        for (symbol, &length) in (0u16..).zip(lengths) {
            if length == 0 {
                continue;
            }
            let code = next[usize::from(length) & MAX_BITS];
            next[usize::from(length) & MAX_BITS] += 1;
            // Codes arrive most significant bit first, the table is indexed
            // lowest bit first: the entry sits at the reversed code, and at
            // every index that continues it with longer bits.
            let reversed = usize::from(code.reverse_bits() >> (16 - u32::from(length)));
            for entry in entries.iter_mut().skip(reversed).step_by(1 << length) {
                *entry = symbol << 4 | u16::from(length);
            }
        }
        Ok(Table { entries, width })
    }
}

/// A stored block: byte-aligned length, its complement, then the bytes.
fn stored(bits: &mut Bits<'_>, output: &mut [u8], written: &mut usize) -> Result<(), Error> {
    // Drop the rest of the current byte; whole bytes read ahead go back.
    bits.at -= (bits.count / 8) as usize;
    bits.held = 0;
    bits.count = 0;
    let header = bits
        .input
        .get(bits.at..)
        .and_then(<[u8]>::first_chunk::<4>)
        .ok_or(Error::UnexpectedEnd)?;
    let length = u16::from_le_bytes([header[0], header[1]]);
    if length != !u16::from_le_bytes([header[2], header[3]]) {
        return Err(Error::StoredLengthMismatch);
    }
    let start = bits.at + 4;
    let end = start + usize::from(length);
    let data = bits.input.get(start..end).ok_or(Error::UnexpectedEnd)?;
    output
        .get_mut(*written..*written + data.len())
        .ok_or(Error::OutputFull)?
        .copy_from_slice(data);
    bits.at = end;
    *written += data.len();
    Ok(())
}

/// A dynamic block's header: the code-length code, then the literal/length and
/// distance codes' lengths written in it.
fn dynamic_codes<'a>(
    bits: &mut Bits<'_>,
    literal_entries: &'a mut [u16],
    distance_entries: &'a mut [u16],
) -> Result<(Table<'a>, Table<'a>), Error> {
    let literal_count = bits.take(5)? as usize + 257;
    let distance_count = bits.take(5)? as usize + 1;
    let code_length_count = bits.take(4)? as usize + 4;
    if literal_count > MAX_LITERAL_CODES || distance_count > MAX_DISTANCE_CODES {
        return Err(Error::InvalidCodeLengths);
    }
    let mut code_lengths = [0u8; 19];
    for &symbol in CODE_LENGTH_ORDER.iter().take(code_length_count) {
        if let Some(length) = code_lengths.get_mut(symbol) {
            *length = bits.take(3)? as u8;
        }
    }
    let mut code_length_entries = [0u16; 1 << 7];
    let code_length_code = Table::new(&code_lengths, &mut code_length_entries)?;
    let total = literal_count + distance_count;
    let mut lengths = [0u8; MAX_LITERAL_CODES + MAX_DISTANCE_CODES];
    let mut filled = 0;
    while filled < total {
        let symbol = bits.decode(&code_length_code)?;
        let (length, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = *filled
                    .checked_sub(1)
                    .and_then(|i| lengths.get(i))
                    .ok_or(Error::InvalidCodeLengths)?;
                (previous, 3 + bits.take(2)? as usize)
            }
            17 => (0, 3 + bits.take(3)? as usize),
            _ => (0, 11 + bits.take(7)? as usize),
        };
        lengths
            .get_mut(filled..filled + repeat)
            .filter(|_| filled + repeat <= total)
            .ok_or(Error::InvalidCodeLengths)?
            .fill(length);
        filled += repeat;
    }
    if lengths[256] == 0 {
        return Err(Error::NoEndOfBlock);
    }
    let (literal_lengths, rest) = lengths
        .split_at_checked(literal_count)
        .ok_or(Error::InvalidCodeLengths)?;
    let distance_lengths = rest
        .get(..distance_count)
        .ok_or(Error::InvalidCodeLengths)?;
    Ok((
        Table::new(literal_lengths, literal_entries)?,
        Table::new(distance_lengths, distance_entries)?,
    ))
}

/// A compressed block's data: literals and (length, distance) matches up to
/// the end-of-block symbol.
fn codes(
    bits: &mut Bits<'_>,
    literals: &Table<'_>,
    distances: &Table<'_>,
    output: &mut [u8],
    written: &mut usize,
) -> Result<(), Error> {
    loop {
        let symbol = bits.decode(literals)?;
        match symbol {
            0..=255 => {
                *output.get_mut(*written).ok_or(Error::OutputFull)? = symbol as u8;
                *written += 1;
            }
            256 => return Ok(()),
            _ => {
                let index = usize::from(symbol - 257);
                let (&base, &extra) = LENGTH_BASE
                    .get(index)
                    .zip(LENGTH_EXTRA.get(index))
                    .ok_or(Error::InvalidCode)?;
                let length = usize::from(base) + bits.take(u32::from(extra))? as usize;
                let index = usize::from(bits.decode(distances)?);
                let (&base, &extra) = DISTANCE_BASE
                    .get(index)
                    .zip(DISTANCE_EXTRA.get(index))
                    .ok_or(Error::InvalidCode)?;
                let distance = usize::from(base) + bits.take(u32::from(extra))? as usize;
                if distance > *written {
                    return Err(Error::DistanceTooFar);
                }
                if *written + length > output.len() {
                    return Err(Error::OutputFull);
                }
                // Byte by byte: a match may overlap the bytes it is writing.
                for at in *written..*written + length {
                    let byte = output.get(at - distance).copied().unwrap_or(0);
                    if let Some(slot) = output.get_mut(at) {
                        *slot = byte;
                    }
                }
                *written += length;
            }
        }
    }
}

/// The WebAssembly export the bundle's loader calls (`npm/build.mjs`).
#[cfg(target_arch = "wasm32")]
mod export {
    /// Unpacks `input_len` bytes at `input` into the `output_len` bytes at
    /// `output`; returns the unpacked length, or an [`Error`](super::Error)
    /// code negated.
    ///
    /// # Safety
    /// Both ranges lie in this module's memory and do not overlap.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inflate(
        input: *const u8,
        input_len: usize,
        output: *mut u8,
        output_len: usize,
    ) -> i32 {
        // SAFETY: the caller's contract above.
        let (input, output) = unsafe {
            (
                core::slice::from_raw_parts(input, input_len),
                core::slice::from_raw_parts_mut(output, output_len),
            )
        };
        match super::inflate(input, output) {
            Ok(written) => written as i32,
            Err(error) => -(error as i32),
        }
    }

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}
