//! Passwords: what a new password must be, and argon2id hashing off the async workers.
//!
//! Hashing runs behind a small semaphore so a flood of logins waits in line (or is told
//! "busy") instead of starving every other request of CPU. Each hash allocates its
//! `memory_kib` in one block; `src/main.rs` makes glibc give that back to the OS afterwards.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use crate::configuration::PasswordSettings;
use crate::error::AppError;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// A password someone wants to start using, checked against the rules. No composition rules:
/// length, not among the most common passwords, not the login name.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: String, login_key: &str) -> Result<NewPassword, AppError> {
        NewPassword::parse_with(raw, |typed| typed == login_key)
    }

    /// As [`NewPassword::parse`], for when the login name is known only by its hash:
    /// `is_login` answers whether the lowercased, trimmed password is the login name.
    pub fn parse_with(
        raw: String,
        is_login: impl FnOnce(&str) -> bool,
    ) -> Result<NewPassword, AppError> {
        let count = raw.chars().count();
        if !(MIN_CHARS..=MAX_CHARS).contains(&count) {
            return Err(AppError::invalid(
                "password_length",
                "A password has 10 to 128 characters. A few words in a row work well.",
            ));
        }
        let lower = raw.to_lowercase();
        if COMMON.contains(lower.as_str()) || lower.chars().all(|c| lower.starts_with(c)) {
            return Err(AppError::invalid(
                "password_common",
                "This password is one of the most used ones and easy to guess. Pick another.",
            ));
        }
        if is_login(lower.trim()) {
            return Err(AppError::invalid(
                "password_is_login",
                "Your password may not be your login name.",
            ));
        }
        Ok(NewPassword(raw))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// argon2id with the configured parameters, at most `max_concurrent` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    queue_timeout: Duration,
    /// Verified against when a login name does not exist, so both answers take as long.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(settings: &PasswordSettings) -> Result<PasswordHasher, AppError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(AppError::internal)?;
        let dummy_hash = hash_blocking(&params, "kring-dummy-password-for-timing")?;
        Ok(PasswordHasher {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent)),
            queue_timeout: Duration::from_millis(settings.queue_timeout_ms),
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    pub async fn hash(&self, password: NewPassword) -> Result<String, AppError> {
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &password.0)).await
    }

    /// Checks `password` against `stored`; with no stored hash, spends the same time and
    /// answers no. The second value is a fresh hash when the stored one used weaker
    /// parameters than today's.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<(bool, Option<String>), AppError> {
        let params = self.params.clone();
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.as_str().to_string());
        self.run(move || {
            let parsed = PasswordHash::new(&stored).map_err(AppError::internal)?;
            let ok = argon2(&params)
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
                && exists;
            let weaker = Params::try_from(&parsed)
                .map(|p| p.m_cost() < params.m_cost() || p.t_cost() < params.t_cost())
                .unwrap_or(true);
            let rehash = if ok && weaker {
                Some(hash_blocking(&params, &password)?)
            } else {
                None
            };
            Ok((ok, rehash))
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AppError::busy())?
            .map_err(AppError::internal)?;
        crate::blocking::run(move || {
            let result = work();
            drop(permit);
            result
        })
        .await?
    }

    /// How many hashes wait for a permit right now (for `/metrics`).
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_blocking(params: &Params, password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2(params)
        .hash_password(password.as_bytes(), &salt)
        .map_err(AppError::internal)?
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_the_only_composition_rule() {
        assert!(NewPassword::parse("kort".into(), "anna").is_err());
        assert!(NewPassword::parse("a".repeat(129), "anna").is_err());
        assert!(NewPassword::parse("paard batterij nietje".into(), "anna").is_ok());
        assert!(NewPassword::parse("ééééééééé€".into(), "anna").is_ok());
    }

    #[test]
    fn common_passwords_and_the_login_name_are_refused() {
        for common in [
            "password123",
            "Qwertyuiop",
            "1234567890",
            "wachtwoord123",
            "zzzzzzzzzzzz",
        ] {
            let err = NewPassword::parse(common.into(), "anna").unwrap_err();
            assert_eq!(err.code(), "password_common", "{common}");
        }
        let err = NewPassword::parse("Lange_Naam_1".into(), "lange_naam_1").unwrap_err();
        assert_eq!(err.code(), "password_is_login");
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_answer_no() {
        let settings = crate::configuration::Settings::for_tests("sqlite://x").passwords;
        let hasher = PasswordHasher::new(&settings).unwrap();
        let hash = hasher
            .hash(NewPassword::parse("een lang wachtwoord".into(), "anna").unwrap())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            hasher
                .verify("een lang wachtwoord".into(), Some(hash.clone()))
                .await
                .unwrap()
                .0
        );
        assert!(!hasher.verify("fout".into(), Some(hash)).await.unwrap().0);
        assert!(
            !hasher
                .verify("een lang wachtwoord".into(), None)
                .await
                .unwrap()
                .0
        );
    }
}
