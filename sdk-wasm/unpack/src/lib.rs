//! # pusher-lite-unpack
//!
//! Owns one job: unpacking the WebAssembly module that `npm/dist/pusher.js`
//! carries, an LZMA stream in the `.lzma` format (13-byte header: properties,
//! dictionary size, unpacked size; then the range-coded data).
//!
//! Why the bundle carries the module packed: the bundle must be ASCII, so the
//! module's bytes are in base64, and gzip cannot find the module's repetitions
//! through base64. Why LZMA: for our module it is 11 % smaller than the best
//! DEFLATE stream (Zopfli's), and the decoder is smaller than an inflater. Why the
//! decoder is a module of its own, in Rust: `new Pusher(...)` must work on the
//! line after the `<script>` tag, so the unpacking is synchronous
//! (`DecompressionStream` is not), and a decoder in JavaScript runs once, cold,
//! before the engine has optimised it.
//!
//! It allocates nothing — its probability model lives on its stack — and on
//! `wasm32` the crate is `no_std` and exports one function,
//! `unpack(input, input_len, output, output_len)`, which returns the unpacked
//! length or a negative [`Error`] code.
//!
//! ```
//! // "hello", as `xz --format=lzma` writes it (size unknown, so an end marker).
//! let packed = [
//!     0x5d, 0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
//!     0x34, 0x19, 0x49, 0xee, 0x8e, 0x68, 0x21, 0xff, 0xff, 0xff, 0xb9, 0xe0, 0x00, 0x00,
//! ];
//! let mut output = [0u8; 16];
//! assert_eq!(pusher_lite_unpack::unpack(&packed, &mut output), Ok(5));
//! assert_eq!(&output[..5], b"hello");
//! ```
#![cfg_attr(target_arch = "wasm32", no_std)]

use core::fmt;

/// Why a stream could not be unpacked. The discriminant, negated, is what the
/// WebAssembly export returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Error {
    /// The input ends before the stream does (or inside its header).
    UnexpectedEnd = 1,
    /// The properties byte is out of range, or asks for more literal context
    /// (`lc + lp > 4`) than this decoder keeps a model for.
    UnsupportedProperties = 2,
    /// The header's unpacked size is not the output buffer's length.
    SizeMismatch = 3,
    /// The range-coded data does not start with a zero byte.
    InvalidStart = 4,
    /// A match points before the start of the output.
    DistanceTooFar = 5,
    /// The unpacked data does not fit in the output buffer.
    OutputFull = 6,
    /// An end marker came before the size the header declared.
    EndedEarly = 7,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::UnexpectedEnd => "the LZMA stream is cut short",
            Error::UnsupportedProperties => {
                "the LZMA properties byte is invalid or asks for lc + lp > 4"
            }
            Error::SizeMismatch => "the LZMA header's unpacked size is not the output's length",
            Error::InvalidStart => "the LZMA range-coded data does not start with a zero byte",
            Error::DistanceTooFar => "a match points before the start of the output",
            Error::OutputFull => "the unpacked data does not fit the output buffer",
            Error::EndedEarly => "the LZMA end marker comes before the declared size",
        })
    }
}

impl core::error::Error for Error {}

/// Length of the `.lzma` header: properties, dictionary size, unpacked size.
const HEADER: usize = 13;
/// Shortest match.
const MIN_MATCH: usize = 2;
/// States after which the next symbol is a literal, not a match (0..=6).
const LITERAL_STATES: usize = 7;
/// A probability is an 11-bit fraction; this is one half.
const HALF: u16 = 1 << 10;

// Every table below has a power-of-two length and is indexed through a mask:
// the compiler then sees that no index can be out of bounds, and the module
// carries no panic path (and none of the formatting code a panic message drags in).

/// The range decoder: the arithmetic-coding half of LZMA.
struct Range<'a> {
    input: &'a [u8],
    at: usize,
    range: u32,
    code: u32,
    /// Whether a byte past the end was asked for (read as zero meanwhile, so
    /// the hot path has no early exit; reported once decoding stops).
    overrun: bool,
}

impl<'a> Range<'a> {
    fn new(input: &'a [u8]) -> Result<Self, Error> {
        let mut range = Range {
            input,
            at: 0,
            range: u32::MAX,
            code: 0,
            overrun: false,
        };
        if range.byte() != 0 {
            return Err(Error::InvalidStart);
        }
        for _ in 0..4 {
            range.code = range.code << 8 | u32::from(range.byte());
        }
        if range.overrun {
            return Err(Error::UnexpectedEnd);
        }
        Ok(range)
    }

    fn byte(&mut self) -> u8 {
        match self.input.get(self.at) {
            Some(&byte) => {
                self.at += 1;
                byte
            }
            None => {
                self.overrun = true;
                0
            }
        }
    }

    #[inline(always)]
    fn normalize(&mut self) {
        if self.range < 1 << 24 {
            self.range <<= 8;
            self.code = self.code << 8 | u32::from(self.byte());
        }
    }

    /// One bit coded with `probability` (the chance of a 0), which adapts.
    /// Kept out of line: inlined at its call sites it made the module 70 %
    /// larger and unpacked no faster (V8 runs most of it before optimising it).
    #[inline(never)]
    fn bit(&mut self, probability: &mut u16) -> usize {
        let bound = (self.range >> 11) * u32::from(*probability);
        let bit = if self.code < bound {
            self.range = bound;
            *probability += (2 * HALF - *probability) >> 5;
            0
        } else {
            self.range -= bound;
            self.code -= bound;
            *probability -= *probability >> 5;
            1
        };
        self.normalize();
        bit
    }

    /// `count` bits with even odds, most significant first.
    fn direct(&mut self, count: usize) -> usize {
        let mut value = 0;
        for _ in 0..count {
            self.range >>= 1;
            let bit = usize::from(self.code >= self.range);
            if bit == 1 {
                self.code -= self.range;
            }
            value = value << 1 | bit;
            self.normalize();
        }
        value
    }

    /// A number below `N` (a power of two) coded by a binary tree of
    /// probabilities, most significant bit first.
    fn tree<const N: usize>(&mut self, tree: &mut [u16; N]) -> usize {
        let mut node = 1;
        while node < N {
            node = node << 1 | self.bit(&mut tree[node]);
        }
        node - N
    }

    /// A `bits`-bit number coded by the tree at `offset` in `probabilities`,
    /// least significant bit first.
    fn reverse_tree<const N: usize>(
        &mut self,
        probabilities: &mut [u16; N],
        offset: usize,
        bits: usize,
    ) -> usize {
        let mut node = 1;
        let mut value = 0;
        for i in 0..bits {
            let bit = self.bit(&mut probabilities[(offset + node) & (N - 1)]);
            node = node << 1 | bit;
            value |= bit << i;
        }
        value
    }
}

/// The probabilities of a match length (0-based: 0..=271).
struct Lengths {
    choice: u16,
    choice2: u16,
    low: [[u16; 8]; 16],
    mid: [[u16; 8]; 16],
    high: [u16; 256],
}

impl Lengths {
    fn new() -> Self {
        Lengths {
            choice: HALF,
            choice2: HALF,
            low: [[HALF; 8]; 16],
            mid: [[HALF; 8]; 16],
            high: [HALF; 256],
        }
    }

    fn decode(&mut self, range: &mut Range<'_>, pos_state: usize) -> usize {
        if range.bit(&mut self.choice) == 0 {
            range.tree(&mut self.low[pos_state & 15])
        } else if range.bit(&mut self.choice2) == 0 {
            8 + range.tree(&mut self.mid[pos_state & 15])
        } else {
            16 + range.tree(&mut self.high)
        }
    }
}

/// Every adaptive probability of the stream, all starting at one half. Tables
/// by state have 16 rows for the 12 states (see the note on masks above).
struct Model {
    is_match: [[u16; 16]; 16],
    is_rep: [u16; 16],
    is_rep_g0: [u16; 16],
    is_rep_g1: [u16; 16],
    is_rep_g2: [u16; 16],
    is_rep0_long: [[u16; 16]; 16],
    /// The top six bits of a distance, by match length (2, 3, 4, 5 and more).
    slot: [[u16; 64]; 4],
    /// The low bits of distances below 128 (114 used).
    special: [u16; 128],
    /// The low four bits of longer distances.
    align: [u16; 16],
    lengths: Lengths,
    rep_lengths: Lengths,
    /// One coder per context of `lc + lp` bits (at most 4); 0x300 entries used.
    literal: [[u16; 0x400]; 16],
}

impl Model {
    fn new() -> Self {
        Model {
            is_match: [[HALF; 16]; 16],
            is_rep: [HALF; 16],
            is_rep_g0: [HALF; 16],
            is_rep_g1: [HALF; 16],
            is_rep_g2: [HALF; 16],
            is_rep0_long: [[HALF; 16]; 16],
            slot: [[HALF; 64]; 4],
            special: [HALF; 128],
            align: [HALF; 16],
            lengths: Lengths::new(),
            rep_lengths: Lengths::new(),
            literal: [[HALF; 0x400]; 16],
        }
    }

    /// A match's distance (0-based), or `u32::MAX` as `usize` for the end marker.
    fn distance(&mut self, range: &mut Range<'_>, length: usize) -> usize {
        let slot = range.tree(&mut self.slot[length.min(3)]);
        if slot < 4 {
            return slot;
        }
        let bits = (slot >> 1) - 1;
        let base = (2 | (slot & 1)) << bits;
        if slot < 14 {
            base + range.reverse_tree(&mut self.special, base - slot, bits)
        } else {
            base + (range.direct(bits - 4) << 4) + range.reverse_tree(&mut self.align, 0, 4)
        }
    }
}

/// Unpacks the `.lzma` stream `input` into `output`, returning how many bytes
/// it wrote: all of `output` when the header declares a size (which must be
/// `output.len()`), else up to the stream's end marker.
pub fn unpack(input: &[u8], output: &mut [u8]) -> Result<usize, Error> {
    let (header, data) = input
        .split_first_chunk::<HEADER>()
        .ok_or(Error::UnexpectedEnd)?;
    let mut properties = usize::from(header[0]);
    if properties >= 9 * 5 * 5 {
        return Err(Error::UnsupportedProperties);
    }
    let lc = properties % 9;
    properties /= 9;
    let lp = properties % 5;
    let pb = properties / 5;
    if lc + lp > 4 {
        return Err(Error::UnsupportedProperties);
    }
    let mut size = [0; 8];
    size.copy_from_slice(&header[5..]);
    let declared = match u64::from_le_bytes(size) {
        u64::MAX => None,
        size if size == output.len() as u64 => Some(output.len()),
        _ => return Err(Error::SizeMismatch),
    };

    let range = &mut Range::new(data)?;
    let decoded = decode(range, (lc, lp, pb), declared, output);
    if range.overrun {
        // Zeros read past the end steered whatever came after: the cause is the cut.
        return Err(Error::UnexpectedEnd);
    }
    decoded
}

/// The symbols after the header: literals, matches, repeated matches.
fn decode(
    range: &mut Range<'_>,
    (lc, lp, pb): (usize, usize, usize),
    declared: Option<usize>,
    output: &mut [u8],
) -> Result<usize, Error> {
    let model = &mut Model::new();
    let (pb_mask, lp_mask) = ((1 << pb) - 1, (1 << lp) - 1);
    let mut state = 0;
    let mut reps = [0usize; 4];
    let mut written = 0;
    // The byte `distance + 1` back from the end of the output.
    let back = |output: &[u8], written: usize, distance: usize| {
        written
            .checked_sub(distance + 1)
            .and_then(|at| output.get(at).copied())
            .ok_or(Error::DistanceTooFar)
    };
    while declared != Some(written) {
        let pos_state = written & pb_mask & 15;
        if range.bit(&mut model.is_match[state & 15][pos_state]) == 0 {
            let previous = back(output, written, 0).unwrap_or(0);
            let context = ((written & lp_mask) << lc) + (usize::from(previous) >> (8 - lc));
            let coder = &mut model.literal[context & 15];
            let mut symbol = 1;
            if state >= LITERAL_STATES {
                // After a match, the byte the match would have continued with
                // steers the coder until the first bit that differs from it.
                let mut matched = usize::from(back(output, written, reps[0])?);
                while symbol < 0x100 {
                    let match_bit = (matched >> 7) & 1;
                    matched <<= 1;
                    let bit = range.bit(&mut coder[(((1 + match_bit) << 8) + symbol) & 0x3ff]);
                    symbol = symbol << 1 | bit;
                    if bit != match_bit {
                        break;
                    }
                }
            }
            while symbol < 0x100 {
                symbol = symbol << 1 | range.bit(&mut coder[symbol]);
            }
            *output.get_mut(written).ok_or(Error::OutputFull)? = symbol as u8;
            written += 1;
            state = match state {
                0..=3 => 0,
                4..=9 => state - 3,
                _ => state - 6,
            };
            continue;
        }

        let state_row = state & 15;
        let length = if range.bit(&mut model.is_rep[state_row]) == 1 {
            if range.bit(&mut model.is_rep_g0[state_row]) == 0 {
                if range.bit(&mut model.is_rep0_long[state_row][pos_state]) == 0 {
                    // A "short rep": one byte from the last distance.
                    state = if state < LITERAL_STATES { 9 } else { 11 };
                    let byte = back(output, written, reps[0])?;
                    *output.get_mut(written).ok_or(Error::OutputFull)? = byte;
                    written += 1;
                    continue;
                }
            } else {
                // The distance used moves to the front, the ones before it back.
                let distance = if range.bit(&mut model.is_rep_g1[state_row]) == 0 {
                    reps[1]
                } else {
                    let distance = if range.bit(&mut model.is_rep_g2[state_row]) == 0 {
                        reps[2]
                    } else {
                        let distance = reps[3];
                        reps[3] = reps[2];
                        distance
                    };
                    reps[2] = reps[1];
                    distance
                };
                reps[1] = reps[0];
                reps[0] = distance;
            }
            state = if state < LITERAL_STATES { 8 } else { 11 };
            model.rep_lengths.decode(range, pos_state)
        } else {
            reps = [0, reps[0], reps[1], reps[2]];
            let length = model.lengths.decode(range, pos_state);
            state = if state < LITERAL_STATES { 7 } else { 10 };
            reps[0] = model.distance(range, length);
            if reps[0] == u32::MAX as usize {
                return match declared {
                    Some(_) => Err(Error::EndedEarly),
                    None => Ok(written),
                };
            }
            length
        } + MIN_MATCH;

        // Byte by byte: a match may overlap the bytes it writes.
        for _ in 0..length {
            let byte = back(output, written, reps[0])?;
            *output.get_mut(written).ok_or(Error::OutputFull)? = byte;
            written += 1;
        }
    }
    Ok(written)
}

/// The WebAssembly export the bundle's loader calls (`npm/src/unpack.mjs`).
#[cfg(target_arch = "wasm32")]
mod export {
    /// Unpacks the `input_len` bytes at `input` into the `output_len` bytes at
    /// `output`; returns the unpacked length, or an [`Error`](super::Error)
    /// code negated.
    ///
    /// # Safety
    /// Both ranges lie in this module's memory and do not overlap.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn unpack(
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
        match super::unpack(input, output) {
            Ok(written) => written as i32,
            Err(error) => -(error as i32),
        }
    }

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}
