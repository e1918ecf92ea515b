//! TLS for every connection the SDK makes: rustls with the ring provider and
//! the Mozilla root certificates, configured explicitly so the host
//! application's process-wide rustls settings are neither needed nor touched.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;

use crate::Error;

/// The shared client configuration (built once).
pub(crate) fn client_config() -> Result<Arc<ClientConfig>, Error> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))
}

/// Fills `buf` with random bytes from the operating system (via ring), for
/// encryption nonces and reconnect jitter seeds.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(buf)
        .map_err(|_| Error::Config("the operating system's random source failed".into()))
}
