//! `wss://` and `https://`: the Client and Publisher reach the server through a
//! TLS-terminating proxy whose certificate comes from a private CA, trusted
//! with `add_root_certificate`; without it, the connection is refused.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use pusher_lite::{Client, Publisher, State};
use pusher_lite_test_support::{APP_ID, APP_KEY, APP_SECRET, Server};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// Terminates TLS for "localhost" on a free port and forwards to `upstream`.
/// Returns the port and the certificate (PEM) to trust.
async fn tls_proxy(upstream: u16) -> (u16, String) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, cert.pem())
}

#[tokio::test]
async fn wss_and_https_through_a_private_ca() {
    let server = Server::start();
    let (port, ca) = tls_proxy(server.port).await;
    let address = format!("wss://localhost:{port}");

    let client = Client::builder(APP_KEY)
        .address(&address)
        .unwrap()
        .add_root_certificate(ca.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    client.connect();
    assert!(
        client
            .wait_for_state(State::Connected, Duration::from_secs(10))
            .await,
        "connects over wss"
    );
    let mut events = client.subscribe("secure").await.unwrap().events();

    let publisher = Publisher::builder()
        .address(&format!("https://localhost:{port}"))
        .unwrap()
        .app(APP_ID, APP_KEY, APP_SECRET)
        .add_root_certificate(ca.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    // The subscription must be live before the trigger.
    for _ in 0..100 {
        if publisher.channel("secure", None).await.unwrap().occupied == Some(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    publisher
        .trigger(&["secure"], "over-tls", r#"{"ok":true}"#)
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = events.next().await.unwrap();
            if e.name == "over-tls" {
                return e;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(got.data.as_deref(), Some(r#"{"ok":true}"#));

    // Without trusting the private CA: refused, never connected.
    let untrusting = Client::builder(APP_KEY)
        .address(&address)
        .unwrap()
        .build()
        .unwrap();
    untrusting.connect();
    assert!(
        !untrusting
            .wait_for_state(State::Connected, Duration::from_secs(2))
            .await
    );
    let err = Publisher::builder()
        .address(&format!("https://localhost:{port}"))
        .unwrap()
        .app(APP_ID, APP_KEY, APP_SECRET)
        .build()
        .unwrap()
        .trigger(&["secure"], "e", "{}")
        .await
        .unwrap_err();
    assert!(matches!(err, pusher_lite::Error::Transport { .. }), "{err}");
}
