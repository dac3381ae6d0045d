//! The requester's address, used only as a key for in-memory rate limits.
//!
//! `X-Forwarded-For` is believed only when the peer is a configured trusted proxy; then the
//! right-most address that is not itself a trusted proxy is the client. Forwarding headers
//! from any other peer are ignored, and said once in the log: behind a proxy that is not
//! configured, every visitor would look like the proxy.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::HttpRequest;

use crate::limits::SourceKey;

/// Headers in which a proxy names the client it forwards for.
const FORWARDING_HEADERS: [&str; 3] = ["x-forwarded-for", "forwarded", "x-real-ip"];

/// Whether this process has already warned about forwarding headers from an untrusted peer.
static UNTRUSTED_FORWARDING_NOTICED: AtomicBool = AtomicBool::new(false);

/// Does the request carry a header in which a proxy (or someone posing as one) names a client?
pub fn carries_forwarding_header(req: &HttpRequest) -> bool {
    FORWARDING_HEADERS
        .iter()
        .any(|name| req.headers().contains_key(*name))
}

/// Warns the first time (per `noticed`) a request from an untrusted peer carries a forwarding
/// header; returns whether it warned now. The line names no address and no header value.
fn notice_untrusted_forwarding(req: &HttpRequest, noticed: &AtomicBool) -> bool {
    if !carries_forwarding_header(req) || noticed.swap(true, Ordering::Relaxed) {
        return false;
    }
    tracing::warn!(
        "a request carried X-Forwarded-For, Forwarded or X-Real-IP from a peer that is not in \
         server.trusted_proxies; Kring ignores those headers from it. If Kring runs behind a \
         reverse proxy, every visitor now shares the proxy's rate limits: set \
         server.trusted_proxies (KRING_SERVER__TRUSTED_PROXIES) to the proxy's address. \
         Said once per process."
    );
    true
}

pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies.contains(&peer) {
        notice_untrusted_forwarding(req, &UNTRUSTED_FORWARDING_NOTICED);
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted_proxies.contains(ip))
            .unwrap_or(peer),
    )
}

pub fn source_key(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> SourceKey {
    SourceKey::from_ip(client_ip(req, trusted_proxies))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::sync::{Arc, Mutex};

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "1.1.1.1, 203.0.113.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, &[proxy]),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(client_ip(&req, &[]), Some(proxy));

        let spoofed = TestRequest::default()
            .peer_addr("198.51.100.9:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "203.0.113.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&spoofed, &[proxy]),
            Some("198.51.100.9".parse().unwrap())
        );
    }

    #[test]
    fn every_forwarding_header_counts() {
        for (name, value) in [
            ("X-Forwarded-For", "203.0.113.7"),
            ("Forwarded", "for=203.0.113.7;proto=https"),
            ("X-Real-IP", "203.0.113.7"),
        ] {
            let req = TestRequest::default()
                .insert_header((name, value))
                .to_http_request();
            assert!(carries_forwarding_header(&req), "{name}");
        }
        let plain = TestRequest::default()
            .insert_header(("Host", "kring.example"))
            .to_http_request();
        assert!(!carries_forwarding_header(&plain));
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_untrusted_proxy_is_warned_about_once_without_addresses() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let noticed = AtomicBool::new(false);
        let from = |header: Option<(&'static str, &'static str)>| {
            let mut req = TestRequest::default().peer_addr("127.0.0.1:4000".parse().unwrap());
            if let Some(header) = header {
                req = req.insert_header(header);
            }
            req.to_http_request()
        };
        tracing::subscriber::with_default(subscriber, || {
            assert!(!notice_untrusted_forwarding(&from(None), &noticed));
            assert!(
                !noticed.load(Ordering::Relaxed),
                "no header, nothing noticed"
            );
            let proxied = from(Some(("X-Real-IP", "203.0.113.77")));
            assert!(notice_untrusted_forwarding(&proxied, &noticed));
            assert!(!notice_untrusted_forwarding(&proxied, &noticed), "once");
            let other = from(Some(("Forwarded", "for=198.51.100.23")));
            assert!(!notice_untrusted_forwarding(&other, &noticed), "once");
        });
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("server.trusted_proxies").count(), 2, "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        for leak in ["127.0.0.1", "203.0.113.77", "198.51.100.23"] {
            assert!(!text.contains(leak), "{text}");
        }
    }
}
