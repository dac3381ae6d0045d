//! Settings: the embedded `config/default.toml`, an optional file, then `KRING_*` variables.
//!
//! Owns parsing and validating configuration. It must not reach for globals: the settings are
//! built once and handed to whoever needs them.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The strongest argon2id parameters production may go below: OWASP's recommendation.
pub const OWASP_MEMORY_KIB: u32 = 19_456;
pub const OWASP_ITERATIONS: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: cannot read {path}: {source}")]
    SecretFile {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub steunpunt: SteunpuntSettings,
    pub accounts: AccountSettings,
    pub passwords: PasswordSettings,
    pub sessions: SessionSettings,
    pub retention: RetentionSettings,
    pub limits: LimitSettings,
    pub chat: ChatSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub trusted_proxies: Vec<IpAddr>,
    pub workers: usize,
    pub metrics_token: String,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub busy_timeout_ms: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SteunpuntSettings {
    pub slug: String,
    pub name: String,
    pub crisis_text: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// The file holding the key login names are stored under (see `accounts::login_key`).
    pub login_key_path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub max_concurrent: usize,
    pub queue_timeout_ms: u64,
    /// Lets test builds use cheap hashing. Not reachable from any file or variable.
    #[serde(skip)]
    pub weak_for_tests: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    pub idle_timeout_minutes: u64,
    pub absolute_timeout_days: u64,
}

impl SessionSettings {
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_minutes * 60)
    }
    pub fn absolute_timeout(&self) -> Duration {
        Duration::from_secs(self.absolute_timeout_days * 24 * 3600)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    pub purge_interval_seconds: u64,
    pub inactive_account_days: u32,
    pub declined_request_days: u32,
    /// A join request no leader decided on goes (with its introduction) after this long.
    pub pending_request_days: u32,
    /// A report, open or sent on to the steunpunt, goes after this long.
    pub report_days: u32,
    pub modlog_days: u32,
    pub held_post_days: u32,
    /// SQLite: how often (seconds) the write-ahead log is truncated, so that deleted text
    /// leaves the files (the privacy page promises within five minutes).
    pub scrub_interval_seconds: u64,
    /// How long a new group keeps forum posts (its leaders change it, within the bound).
    pub default_post_days: u32,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub max: u32,
    pub window_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub scale: f64,
    pub login_per_source: RateLimit,
    pub login_per_account: RateLimit,
    pub register_per_source: RateLimit,
    pub recover_per_source: RateLimit,
    pub recover_per_account: RateLimit,
    pub reauth_per_account: RateLimit,
    pub invite_per_source: RateLimit,
    pub invite_per_account: RateLimit,
    pub post_per_source: RateLimit,
    pub post_per_account: RateLimit,
    pub report_per_account: RateLimit,
    pub chat_messages_per_connection: RateLimit,
    pub chat_guests_per_source: RateLimit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    pub max_frame_bytes: usize,
    pub max_message_chars: usize,
    pub outbound_queue: usize,
    pub heartbeat_seconds: u64,
    pub heartbeat_timeout_seconds: u64,
    pub default_retention_hours: u32,
    pub max_retention_hours: u32,
    pub session_hours: u32,
    pub max_connections_per_room: usize,
    pub max_connections_per_account: usize,
}

impl ChatSettings {
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_seconds)
    }
    pub fn heartbeat_timeout(&self) -> Duration {
        Duration::from_secs(self.heartbeat_timeout_seconds)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// `KRING_*` variables that name settings (`KRING_CONFIG` names the file instead).
fn is_setting(key: &str) -> bool {
    key.starts_with("KRING_") && key != "KRING_CONFIG"
}

impl Settings {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(file, &env)
    }

    /// Like [`Settings::load`], with the environment passed in (so tests need not touch it).
    pub fn load_from(
        file: Option<&Path>,
        env: &[(String, String)],
    ) -> Result<Settings, ConfigError> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(PathBuf::from(path)).required(true));
        }
        let plain: config::Map<String, String> = env
            .iter()
            .filter(|(k, _)| is_setting(k) && !k.ends_with("_FILE"))
            .cloned()
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("KRING")
                .prefix_separator("_")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("server.trusted_proxies")
                .try_parsing(true)
                .source(Some(plain)),
        );
        for (key, path) in env.iter().filter(|(k, _)| is_setting(k)) {
            let Some(name) = key
                .strip_suffix("_FILE")
                .filter(|n| n.len() > "KRING_".len())
            else {
                continue;
            };
            let secret =
                std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
                    path: path.clone(),
                    source,
                })?;
            let config_key = name["KRING_".len()..].to_lowercase().replace("__", ".");
            builder = builder.set_override(config_key, secret.trim_end().to_string())?;
        }
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.server.bind.parse::<SocketAddr>().is_err() {
            return invalid("server.bind must be ADDR:PORT, e.g. 127.0.0.1:8080");
        }
        let url = &self.server.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return invalid("server.public_url must start with http:// or https://");
        }
        if self.server.max_body_bytes < 1024 {
            return invalid("server.max_body_bytes must be at least 1024");
        }
        if self.database.pool_size == 0 {
            return invalid("database.pool_size must be at least 1");
        }
        let p = &self.passwords;
        if !p.weak_for_tests && (p.memory_kib < OWASP_MEMORY_KIB || p.iterations < OWASP_ITERATIONS)
        {
            return invalid(
                "passwords: memory_kib must be at least 19456 and iterations at least 2 (OWASP)",
            );
        }
        if p.parallelism == 0 || p.max_concurrent == 0 {
            return invalid(
                "passwords.parallelism and passwords.max_concurrent must be at least 1",
            );
        }
        if self.sessions.idle_timeout_minutes == 0 || self.sessions.absolute_timeout_days == 0 {
            return invalid("sessions: timeouts must be at least 1");
        }
        if self.retention.purge_interval_seconds == 0 {
            return invalid("retention.purge_interval_seconds must be at least 1");
        }
        if !(1..=300).contains(&self.retention.scrub_interval_seconds) {
            return invalid("retention.scrub_interval_seconds must be 1 to 300");
        }
        for (key, days) in [
            ("pending_request_days", self.retention.pending_request_days),
            ("report_days", self.retention.report_days),
        ] {
            if !(1..=3650).contains(&days) {
                return invalid(&format!("retention.{key} must be 1 to 3650"));
            }
        }
        if self.retention.default_post_days == 0 || self.retention.default_post_days > 36_500 {
            return invalid("retention.default_post_days must be 1 to 36500");
        }
        if !(self.limits.scale.is_finite() && self.limits.scale > 0.0) {
            return invalid("limits.scale must be a positive number");
        }
        let l = &self.limits;
        for limit in [
            l.login_per_source,
            l.login_per_account,
            l.register_per_source,
            l.recover_per_source,
            l.recover_per_account,
            l.reauth_per_account,
            l.invite_per_source,
            l.invite_per_account,
            l.post_per_source,
            l.post_per_account,
            l.report_per_account,
            l.chat_messages_per_connection,
            l.chat_guests_per_source,
        ] {
            if limit.max == 0 || limit.window_seconds == 0 {
                return invalid("limits: every max and window_seconds must be at least 1");
            }
        }
        let c = &self.chat;
        if c.max_frame_bytes < 1024 || c.max_message_chars == 0 || c.outbound_queue == 0 {
            return invalid(
                "chat: max_frame_bytes must be at least 1024, max_message_chars and \
                 outbound_queue at least 1",
            );
        }
        if c.heartbeat_seconds == 0 || c.heartbeat_timeout_seconds <= c.heartbeat_seconds {
            return invalid(
                "chat: heartbeat_seconds must be at least 1 and heartbeat_timeout_seconds larger",
            );
        }
        if c.default_retention_hours == 0
            || c.default_retention_hours > c.max_retention_hours
            || c.session_hours == 0
            || c.max_connections_per_room == 0
            || c.max_connections_per_account == 0
        {
            return invalid(
                "chat: retention hours 1 <= default_retention_hours <= max_retention_hours; \
                 session_hours, max_connections_per_room and max_connections_per_account at \
                 least 1",
            );
        }
        Ok(())
    }

    /// Settings for tests: the defaults with cheap password hashing and the given database.
    pub fn for_tests(database_url: &str) -> Settings {
        let mut settings = Settings::load_from(None, &[]).expect("the embedded defaults are valid");
        settings.database.url = database_url.to_string();
        settings.database.pool_size = 4;
        settings.server.bind = "127.0.0.1:0".into();
        settings.server.workers = 1;
        settings.passwords.weak_for_tests = true;
        settings.passwords.memory_kib = 1024;
        settings.passwords.iterations = 1;
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_and_are_production_strength() {
        let s = Settings::load_from(None, &[]).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://data/kring.db");
        assert_eq!(s.passwords.memory_kib, OWASP_MEMORY_KIB);
        assert!(!s.passwords.weak_for_tests);
    }

    #[test]
    fn environment_overrides_nested_keys() {
        let s = Settings::load_from(
            None,
            &env(&[
                ("KRING_DATABASE__URL", "postgres://x@localhost/y"),
                ("KRING_LIMITS__SCALE", "50"),
                ("KRING_SERVER__TRUSTED_PROXIES", "127.0.0.1,::1"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://x@localhost/y");
        assert_eq!(s.limits.scale, 50.0);
        assert_eq!(s.server.trusted_proxies.len(), 2);
    }

    #[test]
    fn secrets_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("url");
        std::fs::write(&path, "postgres://secret@db/kring\n").unwrap();
        let s = Settings::load_from(
            None,
            &env(&[("KRING_DATABASE__URL_FILE", path.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://secret@db/kring");
    }

    /// `KRING_X_FILE` means "read X from this file", so a setting whose own name ended in
    /// `_file` could never be set from the environment (`KRING_ACCOUNTS__LOGIN_KEY_FILE`
    /// would be read as the login key's *contents*). Settings naming a file say `_path`.
    #[test]
    fn no_setting_is_named_like_a_secret_file() {
        let defaults: toml::Table = DEFAULT_TOML.parse().unwrap();
        for (section, table) in &defaults {
            for key in table.as_table().into_iter().flat_map(|t| t.keys()) {
                assert!(
                    !key.ends_with("_file"),
                    "{section}.{key}: a setting may not end in _file"
                );
            }
        }
        let s = Settings::load_from(
            None,
            &env(&[("KRING_ACCOUNTS__LOGIN_KEY_PATH", "/srv/kring/login.key")]),
        )
        .unwrap();
        assert_eq!(s.accounts.login_key_path, Path::new("/srv/kring/login.key"));
    }

    #[test]
    fn the_config_file_variable_and_odd_names_are_not_settings() {
        let s = Settings::load_from(
            None,
            &env(&[
                ("KRING_CONFIG", "/nonexistent.toml"),
                ("KRING_FILE", "/etc/hostname"),
            ]),
        );
        assert!(s.is_ok(), "{:?}", s.err());
    }

    #[test]
    fn weak_hashing_is_refused() {
        let err = Settings::load_from(None, &env(&[("KRING_PASSWORDS__MEMORY_KIB", "1024")]))
            .unwrap_err();
        assert!(err.to_string().contains("OWASP"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        for (k, v) in [
            ("KRING_SERVER__BIND", "nonsense"),
            ("KRING_LIMITS__SCALE", "0"),
            ("KRING_SERVER__PUBLIC_URL", "ftp://x"),
        ] {
            assert!(
                Settings::load_from(None, &env(&[(k, v)])).is_err(),
                "{k}={v}"
            );
        }
    }
}
