//! Fuzzes the client state machine with arbitrary frames from a server at
//! arbitrary times, interleaved with subscriptions, closes and timers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pusher_lite_core::client::{Client, ClientConfig, Endpoint, Output, SocketHandle};

fuzz_target!(|bytes: &[u8]| {
    let mut client: Client<u8> = Client::new(ClientConfig::new("key", Endpoint::host("127.0.0.1", 6001, false)));
    let mut now = 0u64;
    let mut socket = SocketHandle(0);
    client.connect(now);
    for chunk in bytes.split(|b| *b == 0xff) {
        now += u64::from(chunk.first().copied().unwrap_or(1)) * 997;
        match chunk.first().map(|b| b % 8) {
            Some(0) => client.handle_timeout(now),
            Some(1) => client.handle_close(now, socket, u16::from_le_bytes([chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)]), ""),
            Some(2) => { let _ = client.subscribe(now, &String::from_utf8_lossy(&chunk[1..])); }
            Some(3) => client.unsubscribe(now, &String::from_utf8_lossy(&chunk[1..])),
            Some(4) => client.handle_open(now, socket),
            _ => client.handle_message(now, socket, &String::from_utf8_lossy(chunk)),
        }
        while let Some(output) = client.poll() {
            if let Output::Open { socket: s, .. } = output {
                socket = s;
            }
        }
    }
});
