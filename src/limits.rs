//! Rate limits for logins, registrations and recovery, per source address and per account.
//!
//! Held in memory only: neither the addresses nor the login names used as keys are ever
//! written anywhere. Login names are kept as a truncated hash, addresses as IPv4 or an IPv6
//! /64 prefix. `limits.scale` multiplies every limit.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::configuration::{LimitSettings, RateLimit};
use crate::error::AppError;

/// Where a request comes from, reduced to what a limit needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceKey([u8; 16]);

impl SourceKey {
    pub fn from_ip(ip: Option<IpAddr>) -> SourceKey {
        let mut key = [0u8; 16];
        match ip {
            Some(IpAddr::V4(v4)) => key[12..].copy_from_slice(&v4.octets()),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => key[12..].copy_from_slice(&v4.octets()),
                // One household or phone usually holds a whole /64.
                None => key[..8].copy_from_slice(&v6.octets()[..8]),
            },
            None => {}
        }
        SourceKey(key)
    }
}

type AccountKey = [u8; 16];

fn account_key(login_key: &str) -> AccountKey {
    let digest = Sha256::digest(login_key.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Login,
    Register,
    Recover,
    /// A logged-in account proving its password again.
    Reauth,
    /// An invite code tried.
    Invite,
    /// A forum post or topic written (guests by source, accounts by account too).
    Post,
    /// A post reported.
    Report,
    /// A guest joining a chat room (a connection opened without an account).
    ChatGuest,
}

pub struct RateLimits {
    login_source: DefaultKeyedRateLimiter<SourceKey>,
    login_account: DefaultKeyedRateLimiter<AccountKey>,
    register_source: DefaultKeyedRateLimiter<SourceKey>,
    recover_source: DefaultKeyedRateLimiter<SourceKey>,
    recover_account: DefaultKeyedRateLimiter<AccountKey>,
    reauth_account: DefaultKeyedRateLimiter<AccountKey>,
    invite_source: DefaultKeyedRateLimiter<SourceKey>,
    invite_account: DefaultKeyedRateLimiter<AccountKey>,
    post_source: DefaultKeyedRateLimiter<SourceKey>,
    post_account: DefaultKeyedRateLimiter<AccountKey>,
    report_account: DefaultKeyedRateLimiter<AccountKey>,
    chat_guest_source: DefaultKeyedRateLimiter<SourceKey>,
}

fn quota(limit: RateLimit, scale: f64) -> Quota {
    let max = (f64::from(limit.max) * scale).round().clamp(1.0, 1e9) as u32;
    let max = NonZeroU32::new(max).unwrap_or(NonZeroU32::MIN);
    let period =
        (Duration::from_secs(limit.window_seconds) / max.get()).max(Duration::from_nanos(1));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(max))
        .allow_burst(max)
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::rate_limited(wait.as_secs() + 1)
    })
}

impl RateLimits {
    pub fn new(settings: &LimitSettings) -> RateLimits {
        let s = settings.scale;
        RateLimits {
            login_source: DefaultKeyedRateLimiter::keyed(quota(settings.login_per_source, s)),
            login_account: DefaultKeyedRateLimiter::keyed(quota(settings.login_per_account, s)),
            register_source: DefaultKeyedRateLimiter::keyed(quota(settings.register_per_source, s)),
            recover_source: DefaultKeyedRateLimiter::keyed(quota(settings.recover_per_source, s)),
            recover_account: DefaultKeyedRateLimiter::keyed(quota(settings.recover_per_account, s)),
            reauth_account: DefaultKeyedRateLimiter::keyed(quota(settings.reauth_per_account, s)),
            invite_source: DefaultKeyedRateLimiter::keyed(quota(settings.invite_per_source, s)),
            invite_account: DefaultKeyedRateLimiter::keyed(quota(settings.invite_per_account, s)),
            post_source: DefaultKeyedRateLimiter::keyed(quota(settings.post_per_source, s)),
            post_account: DefaultKeyedRateLimiter::keyed(quota(settings.post_per_account, s)),
            report_account: DefaultKeyedRateLimiter::keyed(quota(settings.report_per_account, s)),
            chat_guest_source: DefaultKeyedRateLimiter::keyed(quota(
                settings.chat_guests_per_source,
                s,
            )),
        }
    }

    /// Counts one attempt from `source` (and for `login_key`, where the attempt names an
    /// account); refuses with 429 and a Retry-After when a limit is spent.
    pub fn check(
        &self,
        attempt: Attempt,
        source: SourceKey,
        login_key: Option<&str>,
    ) -> Result<(), AppError> {
        let (by_source, by_account) = match attempt {
            Attempt::Login => (&self.login_source, Some(&self.login_account)),
            Attempt::Register => (&self.register_source, None),
            Attempt::Recover => (&self.recover_source, Some(&self.recover_account)),
            Attempt::Reauth => (&self.login_source, Some(&self.reauth_account)),
            Attempt::Invite => (&self.invite_source, Some(&self.invite_account)),
            Attempt::Post => (&self.post_source, Some(&self.post_account)),
            Attempt::Report => (&self.post_source, Some(&self.report_account)),
            Attempt::ChatGuest => (&self.chat_guest_source, None),
        };
        check(by_source, &source)?;
        if let (Some(limiter), Some(login)) = (by_account, login_key) {
            check(limiter, &account_key(login))?;
        }
        Ok(())
    }

    /// Forgets keys whose limits have fully refilled (run now and then in the background).
    pub fn forget_idle(&self) {
        for limiter in [
            &self.login_source,
            &self.register_source,
            &self.recover_source,
            &self.invite_source,
            &self.post_source,
            &self.chat_guest_source,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in [
            &self.login_account,
            &self.recover_account,
            &self.reauth_account,
            &self.invite_account,
            &self.post_account,
            &self.report_account,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::Settings;

    fn limits(scale: f64) -> RateLimits {
        let mut settings = Settings::load_from(None, &[]).unwrap().limits;
        settings.scale = scale;
        settings.login_per_account = RateLimit {
            max: 3,
            window_seconds: 3600,
        };
        RateLimits::new(&settings)
    }

    #[test]
    fn an_account_limit_holds_across_sources() {
        let l = limits(1.0);
        for i in 0..3u8 {
            let source = SourceKey::from_ip(Some(IpAddr::from([10, 0, 0, i])));
            l.check(Attempt::Login, source, Some("anna")).unwrap();
        }
        let err = l
            .check(Attempt::Login, SourceKey::from_ip(None), Some("anna"))
            .unwrap_err();
        assert_eq!(err.code(), "rate_limited");
        l.check(Attempt::Login, SourceKey::from_ip(None), Some("bert"))
            .unwrap();
    }

    #[test]
    fn scale_multiplies_limits() {
        let l = limits(2.0);
        for _ in 0..6 {
            l.check(Attempt::Login, SourceKey::from_ip(None), Some("anna"))
                .unwrap();
        }
        assert!(
            l.check(Attempt::Login, SourceKey::from_ip(None), Some("anna"))
                .is_err()
        );
    }

    #[test]
    fn ipv6_neighbours_share_a_key() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(SourceKey::from_ip(Some(a)), SourceKey::from_ip(Some(b)));
        assert_ne!(SourceKey::from_ip(Some(a)), SourceKey::from_ip(Some(c)));
    }
}
