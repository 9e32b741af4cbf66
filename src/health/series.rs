//! Chart data that follows a display filter: the health pass's events, each keyed by the
//! number of the frame it belongs to, so that a view keeps the events of its frames
//! ([`HealthSeries::restrict`]) and draws its charts from them.
//!
//! | series | one event per | frame number of |
//! |---|---|---|
//! | [`HealthSeries::rtt`] | completed TCP handshake with an initial RTT | its first frame (the SYN) |
//! | [`HealthSeries::dns`] | DNS response paired with its query | the response |
//! | [`HealthSeries::connections`] | TCP connection, with how its handshake went | its first frame (the SYN, when seen) |
//! | [`HealthSeries::tcp_events`] | frame with a retransmission, duplicate-ACK or zero-window flag | the frame |
//!
//! # Memory
//!
//! Every series is a [`Sampled`] list with a cap (the constants below). Past the cap every
//! other event is dropped and only every second (fourth, ...) later one is kept, as for the
//! RTT percentiles: the list is then a regular subsample, [`Sampled::stride`] says how
//! sparse, and [`Sampled::estimate`] scales counts back up. Charts over a sample say so.
//!
//! Retransmission events can also be rebuilt for a view from the packet index's per-frame
//! flags ([`tcp_events_from`]), with the same cap.

use super::tcp::{Handshake, TcpFlags};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Handshake RTT samples kept: enough for a smooth histogram and a readable scatter plot
/// (about 1 MiB, and what the page receives with every report).
pub const RTT_SERIES_MAX: usize = 1 << 14;
/// DNS response-time samples kept (about 0.5 MiB).
pub const DNS_SERIES_MAX: usize = 1 << 14;
/// Connection outcomes kept (about 0.75 MiB): a scan makes one per port tried.
pub const CONNECTIONS_SERIES_MAX: usize = 1 << 15;
/// Retransmission, duplicate-ACK and zero-window frames kept (about 0.75 MiB).
pub const TCP_EVENTS_MAX: usize = 1 << 15;

/// The `tcp.analysis.*` flags that make a frame a [`TcpEvent`].
pub const TCP_EVENT_FLAGS: u16 = TcpFlags::RETRANSMISSION
    | TcpFlags::FAST_RETRANSMISSION
    | TcpFlags::SPURIOUS_RETRANSMISSION
    | TcpFlags::DUPLICATE_ACK
    | TcpFlags::ZERO_WINDOW;

/// A bounded list of events, decimated past its cap (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sampled<T> {
    /// The events kept, in the order they came.
    pub items: Vec<T>,
    /// Events offered; after [`Sampled::retain`], the estimate of those kept.
    pub seen: u64,
    /// One event in `stride` is kept (1: every event).
    pub stride: u64,
}

impl<T> Default for Sampled<T> {
    fn default() -> Self {
        Sampled {
            items: Vec::new(),
            seen: 0,
            stride: 1,
        }
    }
}

impl<T> Sampled<T> {
    /// Offers one event; `cap` (at least 2) bounds the list.
    pub fn push(&mut self, item: T, cap: usize) {
        let k = self.seen;
        self.seen = self.seen.saturating_add(1);
        let stride = self.stride.max(1);
        if k % stride != 0 {
            return;
        }
        self.items.push(item);
        if self.items.len() >= cap.max(2) {
            let mut i = 0usize;
            self.items.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride = stride.saturating_mul(2);
        }
    }

    /// Decimates the list as [`Sampled::push`] does until it holds fewer than `cap` (at least
    /// 2) items: every other item is dropped and the stride doubles, each time.
    pub fn thin(&mut self, cap: usize) {
        while self.items.len() >= cap.max(2) {
            let mut i = 0usize;
            self.items.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride = self.stride.max(1).saturating_mul(2);
        }
    }

    /// Whether every event is kept.
    pub fn is_exact(&self) -> bool {
        self.stride <= 1
    }

    /// Events these items stand for: their number times [`Sampled::stride`].
    pub fn estimate(&self) -> u64 {
        (self.items.len() as u64).saturating_mul(self.stride.max(1))
    }

    /// `n` kept items scaled to the events they stand for.
    pub fn scale(&self, n: u64) -> u64 {
        n.saturating_mul(self.stride.max(1))
    }

    /// Keeps the items `keep` accepts; `seen` becomes the estimate of the events kept.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
        self.seen = self.estimate();
    }
}

/// One completed handshake.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RttSample {
    /// The connection's first frame (its SYN).
    pub frame: u64,
    /// Time of that frame, ns since the epoch.
    pub ts_ns: i64,
    /// The client (sender of the SYN).
    pub client: IpAddr,
    /// The server.
    pub server: IpAddr,
    /// The server's port.
    pub port: u16,
    /// Wireshark's `tcp.analysis.initial_rtt`, µs.
    pub rtt_us: f64,
}

/// One DNS response paired with its query.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DnsSample {
    /// The response's frame.
    pub frame: u64,
    /// Its time, ns since the epoch.
    pub ts_ns: i64,
    /// Response time (Wireshark's `dns.time`), µs.
    pub time_us: f64,
    /// The response code (0 NoError, 2 ServFail, 3 NXDomain ...).
    pub rcode: u8,
}

/// One TCP connection and how its handshake went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConnOutcome {
    /// The connection's first frame (its SYN, when one was seen).
    pub frame: u64,
    /// Time of that frame, ns since the epoch (`None` without a timestamp).
    pub ts_ns: Option<i64>,
    /// How the handshake went.
    pub handshake: Handshake,
}

/// One frame with a retransmission, duplicate-ACK or zero-window flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpEvent {
    /// The frame.
    pub frame: u64,
    /// Its time, ns since the epoch.
    pub ts_ns: i64,
    /// Its `tcp.analysis.*` flags ([`TcpFlags`] bits), among [`TCP_EVENT_FLAGS`].
    pub flags: u16,
}

impl TcpEvent {
    /// `tcp.analysis.retransmission` (plain, fast or spurious).
    pub fn is_retransmission(&self) -> bool {
        TcpFlags(self.flags).is_retransmission()
    }

    /// `tcp.analysis.duplicate_ack`.
    pub fn is_duplicate_ack(&self) -> bool {
        TcpFlags(self.flags).contains(TcpFlags::DUPLICATE_ACK)
    }
}

/// The health pass's events, for charts that follow the view (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthSeries {
    /// Handshake RTTs.
    pub rtt: Sampled<RttSample>,
    /// DNS response times.
    pub dns: Sampled<DnsSample>,
    /// Connection outcomes, by first frame.
    pub connections: Sampled<ConnOutcome>,
    /// Retransmission, duplicate-ACK and zero-window frames.
    pub tcp_events: Sampled<TcpEvent>,
}

impl HealthSeries {
    /// The events of the frames `keep` accepts (`keep` takes a frame number, from 1).
    pub fn restrict(&self, keep: impl Fn(u64) -> bool) -> HealthSeries {
        let mut s = self.clone();
        s.rtt.retain(|e| keep(e.frame));
        s.dns.retain(|e| keep(e.frame));
        s.connections.retain(|e| keep(e.frame));
        s.tcp_events.retain(|e| keep(e.frame));
        s
    }

    /// Every list thinned below `cap` items ([`Sampled::thin`]): what a chart needs, small
    /// enough to post to the page.
    pub fn thin(&mut self, cap: usize) {
        self.rtt.thin(cap);
        self.dns.thin(cap);
        self.connections.thin(cap);
        self.tcp_events.thin(cap);
    }

    /// Whether there is no event at all.
    pub fn is_empty(&self) -> bool {
        self.rtt.items.is_empty()
            && self.dns.items.is_empty()
            && self.connections.items.is_empty()
            && self.tcp_events.items.is_empty()
    }
}

/// Retransmission, duplicate-ACK and zero-window events from per-frame flags: `frames` gives
/// (frame number, time ns, flags) for the frames of a view, for example from the packet index.
pub fn tcp_events_from(
    frames: impl IntoIterator<Item = (u64, i64, TcpFlags)>,
) -> Sampled<TcpEvent> {
    let mut s = Sampled::default();
    for (frame, ts_ns, flags) in frames {
        let bits = flags.0 & TCP_EVENT_FLAGS;
        if bits != 0 {
            s.push(
                TcpEvent {
                    frame,
                    ts_ns,
                    flags: bits,
                },
                TCP_EVENTS_MAX,
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_halves_past_the_cap_and_estimates() {
        let mut s = Sampled::default();
        for i in 0..10u64 {
            s.push(i, 4);
        }
        // 0..3 kept; at 4 items halve to [0, 2] (stride 2); 4 -> [0,2,4]; 6 -> [0,2,4,6] ->
        // halve to [0, 4] (stride 4); 8 -> [0, 4, 8].
        assert_eq!(s.items, vec![0, 4, 8]);
        assert_eq!(s.stride, 4);
        assert_eq!(s.seen, 10);
        assert_eq!(s.estimate(), 12);
        assert!(!s.is_exact());
        s.retain(|x| *x > 0);
        assert_eq!(s.seen, 8);
        let exact: Sampled<u8> = Sampled::default();
        assert!(exact.is_exact());
        assert_eq!(exact.estimate(), 0);
    }

    #[test]
    fn restrict_keeps_the_events_of_kept_frames() {
        let mut h = HealthSeries::default();
        for f in 1..=10u64 {
            h.tcp_events.push(
                TcpEvent {
                    frame: f,
                    ts_ns: f as i64,
                    flags: TcpFlags::RETRANSMISSION,
                },
                TCP_EVENTS_MAX,
            );
            h.connections.push(
                ConnOutcome {
                    frame: f,
                    ts_ns: Some(f as i64),
                    handshake: Handshake::Completed,
                },
                CONNECTIONS_SERIES_MAX,
            );
        }
        let r = h.restrict(|f| f % 2 == 0);
        assert_eq!(r.tcp_events.items.len(), 5);
        assert_eq!(r.connections.seen, 5);
        assert!(r.tcp_events.items.iter().all(|e| e.frame % 2 == 0));
        assert!(h.restrict(|_| false).is_empty());
        // Serde round trip, and missing fields default.
        let json = serde_json::to_string(&r).unwrap_or_default();
        let back: HealthSeries = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, r);
        let empty: HealthSeries = serde_json::from_str("{}").unwrap_or_default();
        assert_eq!(empty.rtt.stride, 1);
    }

    #[test]
    fn thinning_keeps_every_other_and_scales() {
        let mut s = Sampled::default();
        for i in 0..100u64 {
            s.push(i, 1 << 10);
        }
        s.thin(30);
        assert_eq!(s.items, (0..100).step_by(4).collect::<Vec<_>>());
        assert_eq!((s.stride, s.estimate()), (4, 100));
        s.thin(1000);
        assert_eq!(s.items.len(), 25, "already below the cap");
    }

    #[test]
    fn tcp_events_from_flags() {
        let frames = [
            (1u64, 10i64, TcpFlags(0)),
            (2, 20, TcpFlags(TcpFlags::DUPLICATE_ACK)),
            (3, 30, TcpFlags(TcpFlags::WINDOW_UPDATE)),
            (4, 40, TcpFlags(TcpFlags::FAST_RETRANSMISSION)),
        ];
        let s = tcp_events_from(frames);
        assert_eq!(s.items.len(), 2);
        assert!(s.items[0].is_duplicate_ack() && !s.items[0].is_retransmission());
        assert!(s.items[1].is_retransmission());
    }
}
