//! Counters for `/metrics`, in Prometheus' text format.
//!
//! Counts only: no pseudonyms, no login names, no group names, no addresses.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
pub struct Metrics {
    pub requests_2xx: Counter,
    pub requests_3xx: Counter,
    pub requests_4xx: Counter,
    pub requests_5xx: Counter,
    pub rate_limited: Counter,
    pub registrations: Counter,
    pub logins: Counter,
    pub logins_failed: Counter,
    /// Chat frames received from clients, and their trips to the blocking pool (one each).
    pub chat_frames: Counter,
    pub chat_frame_trips: Counter,
    /// Chat connections cut loose because their queue was full.
    pub chat_cut: Counter,
    /// Per route pattern (never a filled-in path): (requests, trips to the blocking pool).
    trips: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl Metrics {
    pub fn record_status(&self, status: u16) {
        match status {
            200..=299 => self.requests_2xx.inc(),
            300..=399 => self.requests_3xx.inc(),
            429 => {
                self.rate_limited.inc();
                self.requests_4xx.inc()
            }
            400..=499 => self.requests_4xx.inc(),
            _ => self.requests_5xx.inc(),
        }
    }

    /// One request to the route `pattern` made `trips` trips to the blocking pool.
    pub fn record_trips(&self, method: &str, pattern: &str, trips: u32) {
        let mut all = self.trips.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all.entry(format!("{method} {pattern}")).or_default();
        entry.0 += 1;
        entry.1 += u64::from(trips);
    }

    /// Renders every counter; `hash_permits_free` is the password hasher's spare capacity.
    pub fn render(&self, hash_permits_free: usize) -> String {
        let mut out = String::new();
        {
            let all = self.trips.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(
                out,
                "# HELP kring_route_requests_total Requests by route pattern.\n# TYPE kring_route_requests_total counter"
            );
            for (route, (requests, _)) in all.iter() {
                let _ = writeln!(
                    out,
                    "kring_route_requests_total{{route=\"{route}\"}} {requests}"
                );
            }
            let _ = writeln!(
                out,
                "# HELP kring_blocking_trips_total Trips to the blocking pool (database, hashing) by route pattern.\n# TYPE kring_blocking_trips_total counter"
            );
            for (route, (_, trips)) in all.iter() {
                let _ = writeln!(
                    out,
                    "kring_blocking_trips_total{{route=\"{route}\"}} {trips}"
                );
            }
        }
        let mut counter = |name: &str, help: &str, labels: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (label, value) in labels {
                let _ = writeln!(out, "{name}{label} {value}");
            }
        };
        counter(
            "kring_http_responses_total",
            "HTTP responses by status class.",
            &[
                ("{class=\"2xx\"}", self.requests_2xx.get()),
                ("{class=\"3xx\"}", self.requests_3xx.get()),
                ("{class=\"4xx\"}", self.requests_4xx.get()),
                ("{class=\"5xx\"}", self.requests_5xx.get()),
            ],
        );
        counter(
            "kring_rate_limited_total",
            "Requests refused by a rate limit.",
            &[("", self.rate_limited.get())],
        );
        counter(
            "kring_registrations_total",
            "Accounts registered.",
            &[("", self.registrations.get())],
        );
        counter(
            "kring_logins_total",
            "Login attempts by result.",
            &[
                ("{result=\"ok\"}", self.logins.get()),
                ("{result=\"failed\"}", self.logins_failed.get()),
            ],
        );
        counter(
            "kring_chat_frames_total",
            "Chat frames received from clients.",
            &[("", self.chat_frames.get())],
        );
        counter(
            "kring_chat_frame_trips_total",
            "Trips to the blocking pool made for chat frames (one per frame).",
            &[("", self.chat_frame_trips.get())],
        );
        counter(
            "kring_chat_cut_total",
            "Chat connections cut loose because they fell too far behind.",
            &[("", self.chat_cut.get())],
        );
        let _ = writeln!(
            out,
            "# HELP kring_password_hash_permits_free Password hashes that could start right now.\n# TYPE kring_password_hash_permits_free gauge\nkring_password_hash_permits_free {hash_permits_free}"
        );
        out
    }
}
