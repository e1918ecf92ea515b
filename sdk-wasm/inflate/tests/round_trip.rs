//! The decoder against an independent encoder (miniz_oxide) at every level —
//! stored, fixed and dynamic blocks — and against malformed streams.

use miniz_oxide::deflate::compress_to_vec;
use proptest::prelude::*;
use pusher_lite_inflate::{Error, inflate};

fn unpack(packed: &[u8], size: usize) -> Result<Vec<u8>, Error> {
    let mut output = vec![0; size];
    let written = inflate(packed, &mut output)?;
    output.truncate(written);
    Ok(output)
}

/// Text with long repeats and a stretch of noise, like a module's mix of code and data.
fn sample() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..4000u32 {
        data.extend_from_slice(
            format!(
                "event-{} pusher:subscribe {{\"channel\":\"c{}\"}}\n",
                i % 97,
                i % 13
            )
            .as_bytes(),
        );
    }
    let mut state = 0x2545_f491_u32;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        data.push(state as u8);
    }
    data
}

#[test]
fn every_level_of_an_independent_encoder_round_trips() {
    let data = sample();
    for level in 0..=10 {
        let packed = compress_to_vec(&data, level);
        assert_eq!(
            unpack(&packed, data.len()).as_deref(),
            Ok(&data[..]),
            "level {level}"
        );
    }
}

#[test]
fn an_empty_stream_is_cut_short() {
    assert_eq!(unpack(&[], 10), Err(Error::UnexpectedEnd));
}

#[test]
fn a_truncated_stream_is_cut_short() {
    let data = sample();
    let packed = compress_to_vec(&data, 6);
    for cut in [1, packed.len() / 2, packed.len() - 1] {
        assert_eq!(
            unpack(&packed[..cut], data.len()),
            Err(Error::UnexpectedEnd),
            "cut at {cut}"
        );
    }
}

#[test]
fn block_type_three_is_refused() {
    // BFINAL=1, BTYPE=11.
    assert_eq!(unpack(&[0b111], 10), Err(Error::InvalidBlockType));
}

#[test]
fn a_stored_length_without_its_complement_is_refused() {
    assert_eq!(
        unpack(&[0x01, 0x02, 0x00, 0x00, 0x00, b'h', b'i'], 10),
        Err(Error::StoredLengthMismatch)
    );
}

#[test]
fn output_that_does_not_fit_is_refused() {
    let data = sample();
    let packed = compress_to_vec(&data, 6);
    assert_eq!(unpack(&packed, data.len() - 1), Err(Error::OutputFull));
    let stored = compress_to_vec(&data[..100], 0);
    assert_eq!(unpack(&stored, 99), Err(Error::OutputFull));
}

#[test]
fn a_match_before_the_start_is_refused() {
    // Fixed block: length symbol 257 (7 bits 0000001), distance code 0 (5 bits 00000),
    // with nothing written yet.
    let mut bits: Vec<u8> = vec![1, 1, 0]; // BFINAL=1, BTYPE=01 (lowest bit first)
    bits.extend([0, 0, 0, 0, 0, 0, 1]); // Huffman codes are sent most significant bit first
    bits.extend([0, 0, 0, 0, 0]);
    assert_eq!(unpack(&pack_bits(&bits), 10), Err(Error::DistanceTooFar));
}

#[test]
fn an_oversubscribed_code_is_refused() {
    // Dynamic block: HLIT=0, HDIST=0, HCLEN=0 (4 code-length lengths), each 1 bit:
    // four 1-bit codes cannot exist.
    let mut bits: Vec<u8> = vec![1, 0, 1]; // BFINAL=1, BTYPE=10
    bits.extend([0; 5]);
    bits.extend([0; 5]);
    bits.extend([0; 4]);
    for _ in 0..4 {
        bits.extend([1, 0, 0]);
    }
    assert_eq!(
        unpack(&pack_bits(&bits), 10),
        Err(Error::OversubscribedCode)
    );
}

#[test]
fn errors_name_what_was_wrong() {
    assert_eq!(
        Error::DistanceTooFar.to_string(),
        "a match points before the start of the output"
    );
}

/// Bits (lowest first within each byte) to bytes.
fn pack_bits(bits: &[u8]) -> Vec<u8> {
    bits.chunks(8)
        .map(|byte| {
            byte.iter()
                .enumerate()
                .fold(0, |acc, (i, &bit)| acc | (bit << i))
        })
        .collect()
}

proptest! {
    #[test]
    fn any_bytes_at_any_level_round_trip(data in proptest::collection::vec(any::<u8>(), 0..3000), level in 0u8..=10) {
        let packed = compress_to_vec(&data, level);
        prop_assert_eq!(unpack(&packed, data.len()), Ok(data));
    }

    #[test]
    fn garbage_gives_an_error_or_bytes_but_never_a_panic(noise in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = unpack(&noise, 1000);
    }
}
