//! TLS for every connection the SDK makes: rustls with the ring provider and
//! the Mozilla root certificates — plus any private CA a self-hosted server
//! uses — configured explicitly, so the host application's process-wide
//! rustls settings are neither needed nor touched.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::Error;

fn build(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, Error> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for root in extra_roots {
        roots
            .add(root.clone())
            .map_err(|e| Error::Config(format!("invalid root certificate: {e}")))?;
    }
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))
}

/// The configuration for `extra_roots` (the shared default when there are none).
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
) -> Result<Arc<ClientConfig>, Error> {
    if !extra_roots.is_empty() {
        return build(extra_roots);
    }
    static DEFAULT: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| build(&[]).map_err(|e| e.to_string()))
        .clone()
        .map_err(Error::Config)
}

/// Reads certificates from PEM text, or takes DER bytes as one certificate.
pub(crate) fn parse_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    if bytes.starts_with(b"-----BEGIN") {
        let certs = CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("invalid PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Config("the PEM text holds no certificate".into()));
        }
        Ok(certs)
    } else {
        Ok(vec![CertificateDer::from(bytes.to_vec())])
    }
}

/// Fills `buf` with random bytes from the operating system (via ring), for
/// encryption nonces and reconnect jitter seeds.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(buf)
        .map_err(|_| Error::Config("the operating system's random source failed".into()))
}
