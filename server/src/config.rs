//! Server configuration: listen address, organizations, apps, limits, webhooks
//! and allowed origins — from a TOML file, command-line flags, or the demo
//! defaults (organization `acme-inc` with one app, secrets generated at start).

use std::path::{Path, PathBuf};

use pusher_lite_core::limits::Limits;
use serde::Deserialize;

/// A configuration problem, naming the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// An organization (Lite): its name and the secret token that signs sessions.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    /// Name, e.g. `acme-inc`.
    pub name: String,
    /// Secret token (trade it for a session at `POST /api/sessions`).
    pub secret_token: String,
}

/// Where an app's webhooks go.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The receiving URL (http or https).
    pub url: String,
    /// Event names to send (`channel_occupied`, …); empty means all.
    #[serde(default)]
    pub events: Vec<String>,
}

fn yes() -> bool {
    true
}

/// One app.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// App id (HTTP API paths).
    pub id: String,
    /// Public key (WebSocket URL).
    pub key: String,
    /// Secret.
    pub secret: String,
    /// The organization it belongs to (Lite sessions); defaults to the first.
    #[serde(default)]
    pub organization: Option<String>,
    /// Whether clients may send `client-` events.
    #[serde(default = "yes")]
    pub client_events: bool,
    /// Whether subscribers get `pusher_internal:subscription_count`.
    #[serde(default = "yes")]
    pub subscription_count: bool,
    /// Whether the app accepts connections and requests at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Webhook receivers.
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
}

/// Limits that may be raised for a self-hosted server.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest event payload in bytes (10240).
    pub max_event_data_bytes: Option<usize>,
    /// Most channels per trigger (100).
    pub max_channels_per_trigger: Option<usize>,
    /// Most events per batch (10).
    pub max_events_per_batch: Option<usize>,
    /// Most members per presence channel (100).
    pub max_presence_members: Option<usize>,
    /// Largest presence `user_info` in bytes (1024).
    pub max_user_info_bytes: Option<usize>,
    /// Client events per connection per second (10).
    pub max_client_events_per_second: Option<u32>,
    /// Frames queued for one connection before it counts as too slow and is
    /// closed with 4100 (1024).
    pub max_queued_frames: Option<usize>,
}

/// Frames queued per connection before it counts as too slow (then it is
/// closed with 4100, so one slow reader never holds others back).
pub const DEFAULT_MAX_QUEUED_FRAMES: usize = 1024;

/// The TOML file's shape.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen host.
    pub host: Option<String>,
    /// Listen port.
    pub port: Option<u16>,
    /// Seconds of client silence before the server pings (120).
    pub activity_timeout: Option<u64>,
    /// Origins allowed to call the `/api` routes from browsers; empty means any.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Organizations.
    #[serde(default)]
    pub organizations: Vec<OrgConfig>,
    /// Apps.
    #[serde(default)]
    pub apps: Vec<AppConfig>,
    /// Limits.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// The complete, checked configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Listen host.
    pub host: String,
    /// Listen port (0 picks a free one).
    pub port: u16,
    /// Frames queued for one connection before it is closed with 4100.
    pub max_queued_frames: usize,
    /// Seconds of client silence before the server pings.
    pub activity_timeout_secs: u64,
    /// Seconds to wait for a pong before closing with 4201.
    pub pong_timeout_secs: u64,
    /// Allowed browser origins for `/api` (empty: any).
    pub allowed_origins: Vec<String>,
    /// Organizations.
    pub organizations: Vec<OrgConfig>,
    /// Apps, each with its organization resolved.
    pub apps: Vec<AppConfig>,
    /// Limits.
    pub limits: Limits,
    /// Where `/js/pusher.js` is served from.
    pub static_dir: PathBuf,
    /// Whether the credentials were generated for a demo (printed at start).
    pub generated_credentials: bool,
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// Parses `ID:KEY:SECRET`.
pub fn parse_app_flag(text: &str) -> Result<AppConfig, ConfigError> {
    let parts: Vec<&str> = text.splitn(3, ':').collect();
    match parts.as_slice() {
        [id, key, secret] if !id.is_empty() && !key.is_empty() && !secret.is_empty() => {
            Ok(AppConfig {
                id: (*id).to_owned(),
                key: (*key).to_owned(),
                secret: (*secret).to_owned(),
                organization: None,
                client_events: true,
                subscription_count: true,
                enabled: true,
                webhooks: Vec::new(),
            })
        }
        _ => Err(ConfigError::Invalid(format!(
            "--app {text:?}: expected ID:KEY:SECRET, all three non-empty"
        ))),
    }
}

/// Parses `NAME:SECRET_TOKEN`.
pub fn parse_org_flag(text: &str) -> Result<OrgConfig, ConfigError> {
    match text.split_once(':') {
        Some((name, token)) if !name.is_empty() && !token.is_empty() => Ok(OrgConfig {
            name: name.to_owned(),
            secret_token: token.to_owned(),
        }),
        _ => Err(ConfigError::Invalid(format!(
            "--org {text:?}: expected NAME:SECRET_TOKEN, both non-empty"
        ))),
    }
}

impl FileConfig {
    /// Reads and parses a TOML file.
    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

impl ServerConfig {
    /// Merges the file (if any) with flags; fills in the demo organization and
    /// app when none are configured; checks everything.
    pub fn build(
        file: FileConfig,
        host: Option<String>,
        port: Option<u16>,
        apps: Vec<AppConfig>,
        orgs: Vec<OrgConfig>,
        static_dir: PathBuf,
    ) -> Result<ServerConfig, ConfigError> {
        let mut organizations = file.organizations;
        organizations.extend(orgs);
        let mut all_apps = file.apps;
        all_apps.extend(apps);
        let mut generated = false;
        if organizations.is_empty() {
            organizations.push(OrgConfig {
                name: "acme-inc".to_owned(),
                secret_token: random_hex(16),
            });
            generated = true;
        }
        if all_apps.is_empty() {
            all_apps.push(AppConfig {
                id: format!("{}", 100_000 + rand::random::<u32>() % 900_000),
                key: random_hex(10),
                secret: random_hex(20),
                organization: None,
                client_events: true,
                subscription_count: true,
                enabled: true,
                webhooks: Vec::new(),
            });
            generated = true;
        }
        let first_org = organizations[0].name.clone();
        for app in &mut all_apps {
            let org = app.organization.get_or_insert_with(|| first_org.clone());
            if !organizations.iter().any(|o| &o.name == org) {
                return Err(ConfigError::Invalid(format!(
                    "app {} names organization {org:?}, which is not configured",
                    app.id
                )));
            }
            for hook in &app.webhooks {
                if !(hook.url.starts_with("http://") || hook.url.starts_with("https://")) {
                    return Err(ConfigError::Invalid(format!(
                        "app {}: webhook URL {:?} must start with http:// or https://",
                        app.id, hook.url
                    )));
                }
            }
        }
        for (i, app) in all_apps.iter().enumerate() {
            if all_apps[..i]
                .iter()
                .any(|a| a.id == app.id || a.key == app.key)
            {
                return Err(ConfigError::Invalid(format!(
                    "app {} (key {}) is configured twice: ids and keys must be unique",
                    app.id, app.key
                )));
            }
        }
        for (i, org) in organizations.iter().enumerate() {
            if organizations[..i].iter().any(|o| o.name == org.name) {
                return Err(ConfigError::Invalid(format!(
                    "organization {} is configured twice",
                    org.name
                )));
            }
        }
        let defaults = Limits::default();
        let l = &file.limits;
        let limits = Limits {
            max_event_data_bytes: l
                .max_event_data_bytes
                .unwrap_or(defaults.max_event_data_bytes),
            max_channels_per_trigger: l
                .max_channels_per_trigger
                .unwrap_or(defaults.max_channels_per_trigger),
            max_events_per_batch: l
                .max_events_per_batch
                .unwrap_or(defaults.max_events_per_batch),
            max_presence_members: l
                .max_presence_members
                .unwrap_or(defaults.max_presence_members),
            max_user_info_bytes: l
                .max_user_info_bytes
                .unwrap_or(defaults.max_user_info_bytes),
            max_client_events_per_second: l
                .max_client_events_per_second
                .unwrap_or(defaults.max_client_events_per_second),
        };
        Ok(ServerConfig {
            host: host.or(file.host).unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: port.or(file.port).unwrap_or(6001),
            activity_timeout_secs: file.activity_timeout.unwrap_or(120).max(1),
            pong_timeout_secs: 30,
            allowed_origins: file.allowed_origins,
            organizations,
            apps: all_apps,
            limits,
            max_queued_frames: l
                .max_queued_frames
                .unwrap_or(DEFAULT_MAX_QUEUED_FRAMES)
                .max(1),
            static_dir,
            generated_credentials: generated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_demo_defaults() {
        let app = parse_app_flag("1:key:sec:ret").unwrap();
        assert_eq!((app.id.as_str(), app.secret.as_str()), ("1", "sec:ret"));
        assert!(parse_app_flag("1:key").is_err());
        assert!(parse_org_flag("acme").is_err());
        let config = ServerConfig::build(
            FileConfig::default(),
            None,
            None,
            vec![],
            vec![],
            PathBuf::new(),
        )
        .unwrap();
        assert_eq!(config.organizations[0].name, "acme-inc");
        assert_eq!(config.apps.len(), 1);
        assert_eq!(config.apps[0].organization.as_deref(), Some("acme-inc"));
        assert!(config.generated_credentials);
        assert_eq!((config.host.as_str(), config.port), ("127.0.0.1", 6001));
        assert_eq!(config.max_queued_frames, DEFAULT_MAX_QUEUED_FRAMES);
    }

    #[test]
    fn file_config() {
        let file: FileConfig = toml::from_str(
            r#"
            port = 7000
            allowed_origins = ["http://localhost:3000"]
            [limits]
            max_event_data_bytes = 20000
            max_queued_frames = 5000
            [[organizations]]
            name = "globex"
            secret_token = "t"
            [[apps]]
            id = "9"
            key = "k"
            secret = "s"
            client_events = false
            webhooks = [{ url = "http://127.0.0.1:9/hooks", events = ["channel_occupied"] }]
            "#,
        )
        .unwrap();
        let config = ServerConfig::build(file, None, None, vec![], vec![], PathBuf::new()).unwrap();
        assert_eq!(config.port, 7000);
        assert_eq!(config.limits.max_event_data_bytes, 20000);
        assert_eq!(config.max_queued_frames, 5000);
        assert_eq!(config.apps[0].organization.as_deref(), Some("globex"));
        assert!(!config.apps[0].client_events);
        assert!(!config.generated_credentials);
        assert!(toml::from_str::<FileConfig>("bogus = 1").is_err());
        let twice = ServerConfig::build(
            FileConfig::default(),
            None,
            None,
            vec![
                parse_app_flag("1:a:b").unwrap(),
                parse_app_flag("1:c:d").unwrap(),
            ],
            vec![],
            PathBuf::new(),
        );
        assert!(twice.is_err());
    }
}
