//! The requester's address, used only as a key for in-memory rate limits.
//!
//! `X-Forwarded-For` is believed only when the peer is a configured trusted proxy; then the
//! right-most address that is not itself a trusted proxy is the client.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::limits::SourceKey;

pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies.contains(&peer) {
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
}
