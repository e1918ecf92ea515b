//! The decoder against an independent encoder (lzma-rust2, a port of XZ for
//! Java) at every preset and literal setting, with and without an end marker,
//! and against malformed streams.

use std::io::Write;

use lzma_rust2::{LzmaOptions, LzmaWriter};
use proptest::prelude::*;
use pusher_lite_unpack::{Error, unpack};

/// `data` as a `.lzma` stream: the size in the header, or (`end_marker`)
/// "unknown" in the header and an end marker after the data.
fn pack(data: &[u8], options: &LzmaOptions, end_marker: bool) -> Vec<u8> {
    let size = (!end_marker).then_some(data.len() as u64);
    let mut writer = LzmaWriter::new_use_header(Vec::new(), options, size).expect("encoder");
    writer.write_all(data).expect("encode");
    writer.finish().expect("finish")
}

fn preset(level: u32) -> LzmaOptions {
    let mut options = LzmaOptions::with_preset(level);
    // Our inputs are small; a small dictionary keeps the encoder quick.
    options.dict_size = options.dict_size.min(1 << 20);
    options
}

fn unpack_to(packed: &[u8], size: usize) -> Result<Vec<u8>, Error> {
    let mut output = vec![0; size];
    let written = unpack(packed, &mut output)?;
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
fn every_preset_round_trips_with_a_size_or_an_end_marker() {
    let data = sample();
    for level in 0..=9 {
        for end_marker in [false, true] {
            let packed = pack(&data, &preset(level), end_marker);
            let room = data.len() + usize::from(end_marker) * 100;
            assert_eq!(
                unpack_to(&packed, room).as_deref(),
                Ok(&data[..]),
                "preset {level}, end marker {end_marker}"
            );
        }
    }
}

#[test]
fn every_literal_and_position_setting_round_trips() {
    let data = sample();
    for lc in 0..=4 {
        for lp in 0..=4 - lc {
            for pb in 0..=4 {
                let mut options = preset(6);
                (options.lc, options.lp, options.pb) = (lc, lp, pb);
                let packed = pack(&data, &options, false);
                assert_eq!(
                    unpack_to(&packed, data.len()).as_deref(),
                    Ok(&data[..]),
                    "lc {lc}, lp {lp}, pb {pb}"
                );
            }
        }
    }
}

#[test]
fn xz_utils_output_unpacks() {
    // `printf hello | xz --format=lzma`: end marker, size unknown.
    let packed = [
        0x5d, 0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x34,
        0x19, 0x49, 0xee, 0x8e, 0x68, 0x21, 0xff, 0xff, 0xff, 0xb9, 0xe0, 0x00, 0x00,
    ];
    assert_eq!(unpack_to(&packed, 64).as_deref(), Ok(&b"hello"[..]));
}

#[test]
fn an_empty_input_or_a_cut_header_is_cut_short() {
    assert_eq!(unpack_to(&[], 10), Err(Error::UnexpectedEnd));
    let packed = pack(b"hello", &preset(6), false);
    assert_eq!(unpack_to(&packed[..12], 5), Err(Error::UnexpectedEnd));
    assert_eq!(unpack_to(&packed[..15], 5), Err(Error::UnexpectedEnd));
}

#[test]
fn a_truncated_stream_is_cut_short() {
    let data = sample();
    for end_marker in [false, true] {
        let packed = pack(&data, &preset(6), end_marker);
        for cut in [20, packed.len() / 2, packed.len() - 1] {
            assert_eq!(
                unpack_to(&packed[..cut], data.len() + 100 * usize::from(end_marker)),
                Err(Error::UnexpectedEnd),
                "cut at {cut}, end marker {end_marker}"
            );
        }
    }
}

#[test]
fn properties_out_of_range_are_refused() {
    let mut packed = pack(b"hello", &preset(6), false);
    packed[0] = 225; // pb would be 5
    assert_eq!(unpack_to(&packed, 5), Err(Error::UnsupportedProperties));
    packed[0] = 4 + 9; // lc 4, lp 1: more context than the model keeps
    assert_eq!(unpack_to(&packed, 5), Err(Error::UnsupportedProperties));
}

#[test]
fn a_size_other_than_the_outputs_is_refused() {
    let packed = pack(b"hello", &preset(6), false);
    assert_eq!(unpack_to(&packed, 4), Err(Error::SizeMismatch));
    assert_eq!(unpack_to(&packed, 6), Err(Error::SizeMismatch));
}

#[test]
fn range_coded_data_must_start_with_zero() {
    let mut packed = pack(b"hello", &preset(6), false);
    packed[13] = 1;
    assert_eq!(unpack_to(&packed, 5), Err(Error::InvalidStart));
}

#[test]
fn an_end_marker_before_the_declared_size_is_refused() {
    let mut packed = pack(b"hello", &preset(6), true);
    packed[5..13].copy_from_slice(&8u64.to_le_bytes());
    assert_eq!(unpack_to(&packed, 8), Err(Error::EndedEarly));
}

#[test]
fn output_that_does_not_fit_is_refused() {
    let data = sample();
    let packed = pack(&data, &preset(6), true);
    assert_eq!(unpack_to(&packed, data.len() - 1), Err(Error::OutputFull));
}

#[test]
fn matches_before_the_start_are_refused() {
    let header = [
        0x5d, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];
    // A code at the top of the range: "match", then "repeat the last distance",
    // with nothing written yet.
    let mut rep = header.to_vec();
    rep.extend([0, 0xff, 0xff, 0xff, 0xff]);
    rep.extend([0xff; 16]);
    assert_eq!(unpack_to(&rep, 10), Err(Error::DistanceTooFar));
    // A code exactly at the first bit's bound: "match"; then all zeros: a new
    // match, length 2, distance 1, with nothing written yet.
    let mut new = header.to_vec();
    new.extend([0, 0x7f, 0xff, 0xfc, 0x00]);
    new.extend([0; 16]);
    assert_eq!(unpack_to(&new, 10), Err(Error::DistanceTooFar));
}

#[test]
fn errors_name_what_was_wrong() {
    assert_eq!(
        Error::DistanceTooFar.to_string(),
        "a match points before the start of the output"
    );
}

proptest! {
    #[test]
    fn any_bytes_round_trip(
        data in proptest::collection::vec(any::<u8>(), 0..3000),
        level in 0u32..=9,
        end_marker: bool,
    ) {
        let packed = pack(&data, &preset(level), end_marker);
        prop_assert_eq!(unpack_to(&packed, data.len()), Ok(data));
    }

    #[test]
    fn garbage_gives_an_error_or_bytes_but_never_a_panic(
        properties in 0u8..=255,
        size in prop_oneof![Just(u64::MAX), Just(1000u64)],
        noise in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut packed = vec![properties, 0, 0, 1, 0];
        packed.extend(size.to_le_bytes());
        packed.push(0);
        packed.extend(noise);
        let _ = unpack_to(&packed, 1000);
    }
}
