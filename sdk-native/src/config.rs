//! Where a server is, and configuration from the environment: the Ex Pusher
//! Lite variables (`PUSHER_LITE_HOST`, `PUSHER_LITE_ORGANIZATION`,
//! `PUSHER_LITE_APP_KEY`, `PUSHER_LITE_SECRET_TOKEN`) plus `PUSHER_LITE_APP_ID`,
//! `PUSHER_LITE_APP_SECRET` and `PUSHER_LITE_ENCRYPTION_MASTER_KEY` (base64).

use pusher_lite_core::client::Endpoint;

use crate::Error;

/// A server's host, port and whether it speaks TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// HTTPS / WSS.
    pub use_tls: bool,
}

impl ServerAddress {
    /// Reads `host`, `host:port`, `[v6]:port`, or a URL with scheme
    /// `http`/`https`/`ws`/`wss`. Without a scheme the address is plain
    /// (no TLS) unless the port is 443; the default port follows the scheme.
    ///
    /// ```
    /// use pusher_lite::ServerAddress;
    /// let a = ServerAddress::parse("localhost:4000").unwrap();
    /// assert_eq!((a.host.as_str(), a.port, a.use_tls), ("localhost", 4000, false));
    /// let b = ServerAddress::parse("https://realtime.example.com").unwrap();
    /// assert_eq!((b.port, b.use_tls), (443, true));
    /// ```
    pub fn parse(text: &str) -> Result<ServerAddress, Error> {
        let bad = |why: &str| Error::Config(format!("invalid server address {text:?}: {why}"));
        let text_trimmed = text.trim();
        let (scheme_tls, rest) = match text_trimmed.split_once("://") {
            Some(("http" | "ws", rest)) => (Some(false), rest),
            Some(("https" | "wss", rest)) => (Some(true), rest),
            Some((scheme, _)) => return Err(bad(&format!("unknown scheme {scheme:?}"))),
            None => (None, text_trimmed),
        };
        let authority = rest.split('/').next().unwrap_or("");
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| bad("the port is not a number from 1 to 65535"))
            })
            .transpose()?;
        let use_tls = scheme_tls.unwrap_or(port == Some(443));
        let port = port.unwrap_or(if use_tls { 443 } else { 80 });
        if port == 0 {
            return Err(bad("port 0"));
        }
        Ok(ServerAddress {
            host: host.to_owned(),
            port,
            use_tls,
        })
    }

    /// Pusher's hosted HTTP API for a cluster (`api-{cluster}.pusher.com`).
    pub fn pusher_api(cluster: &str) -> ServerAddress {
        ServerAddress {
            host: format!("api-{cluster}.pusher.com"),
            port: 443,
            use_tls: true,
        }
    }

    /// `http[s]://host:port`, for HTTP requests.
    pub fn http_base(&self) -> String {
        let scheme = if self.use_tls { "https" } else { "http" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }

    /// The WebSocket endpoint on the same address.
    pub fn ws_endpoint(&self) -> Endpoint {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        Endpoint::host(host, self.port, self.use_tls)
    }
}

/// Configuration read from `PUSHER_LITE_*` environment variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvConfig {
    /// `PUSHER_LITE_HOST`.
    pub host: Option<String>,
    /// `PUSHER_LITE_ORGANIZATION`.
    pub organization: Option<String>,
    /// `PUSHER_LITE_SECRET_TOKEN` (the organization's secret token).
    pub secret_token: Option<String>,
    /// `PUSHER_LITE_APP_ID`.
    pub app_id: Option<String>,
    /// `PUSHER_LITE_APP_KEY`.
    pub app_key: Option<String>,
    /// `PUSHER_LITE_APP_SECRET`.
    pub app_secret: Option<String>,
    /// `PUSHER_LITE_ENCRYPTION_MASTER_KEY` (base64, 32 bytes).
    pub encryption_master_key: Option<String>,
}

impl EnvConfig {
    /// Reads the process environment; empty variables count as unset.
    pub fn from_env() -> EnvConfig {
        EnvConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (for tests and embedding).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> EnvConfig {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        EnvConfig {
            host: get("PUSHER_LITE_HOST"),
            organization: get("PUSHER_LITE_ORGANIZATION"),
            secret_token: get("PUSHER_LITE_SECRET_TOKEN"),
            app_id: get("PUSHER_LITE_APP_ID"),
            app_key: get("PUSHER_LITE_APP_KEY"),
            app_secret: get("PUSHER_LITE_APP_SECRET"),
            encryption_master_key: get("PUSHER_LITE_ENCRYPTION_MASTER_KEY"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = ServerAddress::parse("http://127.0.0.1:6001/ignored/path").unwrap();
        assert_eq!(a.http_base(), "http://127.0.0.1:6001");
        let b = ServerAddress::parse("wss://[::1]:7000").unwrap();
        assert_eq!((b.host.as_str(), b.port, b.use_tls), ("::1", 7000, true));
        assert_eq!(b.http_base(), "https://[::1]:7000");
        assert!(ServerAddress::parse("example.com:443").unwrap().use_tls);
        assert_eq!(ServerAddress::parse("example.com").unwrap().port, 80);
        for bad in ["", "ftp://x", "host:99999", "host:x", "[::1", "host:0"] {
            assert!(ServerAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn environment() {
        let env = EnvConfig::from_lookup(|name| match name {
            "PUSHER_LITE_HOST" => Some("localhost:6001".into()),
            "PUSHER_LITE_APP_KEY" => Some("key".into()),
            "PUSHER_LITE_APP_SECRET" => Some("  ".into()),
            _ => None,
        });
        assert_eq!(env.host.as_deref(), Some("localhost:6001"));
        assert_eq!(env.app_key.as_deref(), Some("key"));
        assert_eq!(env.app_secret, None, "blank counts as unset");
    }
}
