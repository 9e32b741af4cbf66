//! Traffic over time, in one pass, with a bucket width chosen from the capture's span.
//!
//! The span is not known until the end, so buckets start fine (1 ms) and are merged into the
//! next width of a ladder whenever there would be more than [`MAX_BUCKETS`]. Each width of the
//! ladder is a whole multiple of the one before, so merging is exact, and each is a round
//! number a person reads easily on an axis (10 ms, 1 s, 1 min, 1 h ...).

use serde::{Deserialize, Serialize};

const MS: i64 = 1_000_000;
const S: i64 = 1_000 * MS;

/// Bucket widths in nanoseconds, each a multiple of the previous.
pub const LADDER: &[i64] = &[
    MS,
    2 * MS,
    10 * MS,
    20 * MS,
    100 * MS,
    200 * MS,
    S,
    2 * S,
    10 * S,
    20 * S,
    60 * S,
    120 * S,
    600 * S,
    1_200 * S,
    3_600 * S,
    7_200 * S,
    86_400 * S,
    7 * 86_400 * S,
    28 * 86_400 * S,
    364 * 86_400 * S,
];

/// At most this many buckets are kept; more would merge into the next width.
pub const MAX_BUCKETS: usize = 1_000;

/// Number of traffic classes a bucket splits its bytes into (see [`TrafficClass`]).
pub const CLASSES: usize = 6;

/// The classes a timeline bucket stacks bytes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrafficClass {
    /// TCP.
    Tcp = 0,
    /// UDP.
    Udp = 1,
    /// ICMP and ICMPv6.
    Icmp = 2,
    /// ARP.
    Arp = 3,
    /// Other IP traffic.
    OtherIp = 4,
    /// Everything else (non-IP link traffic).
    Other = 5,
}

impl TrafficClass {
    /// Every class, in index order.
    pub const ALL: [TrafficClass; CLASSES] = [
        TrafficClass::Tcp,
        TrafficClass::Udp,
        TrafficClass::Icmp,
        TrafficClass::Arp,
        TrafficClass::OtherIp,
        TrafficClass::Other,
    ];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            TrafficClass::Tcp => "TCP",
            TrafficClass::Udp => "UDP",
            TrafficClass::Icmp => "ICMP",
            TrafficClass::Arp => "ARP",
            TrafficClass::OtherIp => "other IP",
            TrafficClass::Other => "other",
        }
    }
}

/// One time bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Frames in the bucket.
    pub packets: u64,
    /// Bytes (original lengths) in the bucket.
    pub bytes: u64,
    /// Bytes per [`TrafficClass`].
    pub class_bytes: [u64; CLASSES],
}

impl Bucket {
    fn merge(&mut self, o: &Bucket) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        for (a, b) in self.class_bytes.iter_mut().zip(o.class_bytes.iter()) {
            *a += b;
        }
    }
}

/// A plain-data copy of the series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineView {
    /// Start of the first bucket, ns since the epoch.
    pub start_ns: i64,
    /// Width of each bucket in ns.
    pub bucket_ns: i64,
    /// The buckets, consecutive from `start_ns`.
    pub buckets: Vec<Bucket>,
}

/// The accumulating series.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    rung: usize,
    /// Bucket number (ts / width) of `buckets[0]`.
    first: i64,
    buckets: Vec<Bucket>,
    /// The last bucket added to: its time range `[lo, hi)` and index. Consecutive frames
    /// mostly fall into the same bucket, which then costs no division.
    hot: (i64, i64, usize),
}

impl Timeline {
    /// Current bucket width in ns.
    pub fn width(&self) -> i64 {
        LADDER.get(self.rung).copied().unwrap_or(i64::MAX)
    }

    /// Adds one frame.
    #[inline]
    pub fn add(&mut self, ts_ns: i64, bytes: u64, class: TrafficClass) {
        let (lo, hi, hot) = self.hot;
        if lo <= ts_ns && ts_ns < hi {
            if let Some(b) = self.buckets.get_mut(hot) {
                b.packets += 1;
                b.bytes += bytes;
                b.class_bytes[class as usize] += bytes;
                return;
            }
        }
        self.hot = (0, 0, 0);
        let mut n = ts_ns.div_euclid(self.width());
        if self.buckets.is_empty() {
            self.first = n;
            self.buckets.push(Bucket::default());
        } else if n < self.first || n >= self.first + self.buckets.len() as i64 {
            // Out of the current range: widen until the whole range fits, then extend.
            loop {
                let lo = self.first.min(n);
                let hi = (self.first + self.buckets.len() as i64 - 1).max(n);
                if (hi - lo) < MAX_BUCKETS as i64 || self.rung + 1 >= LADDER.len() {
                    break;
                }
                self.coarsen();
                n = ts_ns.div_euclid(self.width());
            }
            if n < self.first {
                let extra = (self.first - n) as usize;
                self.buckets
                    .splice(0..0, std::iter::repeat_n(Bucket::default(), extra));
                self.first = n;
            }
            let need = (n - self.first) as usize + 1;
            if need > self.buckets.len() {
                self.buckets.resize(need, Bucket::default());
            }
        }
        let i = (n - self.first) as usize;
        if let Some(b) = self.buckets.get_mut(i) {
            b.packets += 1;
            b.bytes += bytes;
            b.class_bytes[class as usize] += bytes;
            // The bucket's range, or a part of it where it does not fit an i64.
            let w = self.width();
            self.hot = (
                n.saturating_mul(w),
                n.saturating_add(1).saturating_mul(w),
                i,
            );
        }
    }

    fn coarsen(&mut self) {
        let old_w = self.width();
        self.rung += 1;
        let new_w = self.width();
        let mut merged: Vec<Bucket> = Vec::new();
        let mut new_first = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            let start_ns = (self.first + i as i64).saturating_mul(old_w);
            let m = start_ns.div_euclid(new_w);
            if merged.is_empty() {
                new_first = m;
            }
            let j = (m - new_first) as usize;
            if j >= merged.len() {
                merged.resize(j + 1, Bucket::default());
            }
            if let Some(t) = merged.get_mut(j) {
                t.merge(b);
            }
        }
        self.first = new_first;
        self.buckets = merged;
    }

    /// A plain-data copy.
    pub fn view(&self) -> TimelineView {
        TimelineView {
            start_ns: self.first.saturating_mul(self.width()),
            bucket_ns: self.width(),
            buckets: self.buckets.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn widens_to_fit_the_span_and_keeps_totals() {
        let mut t = Timeline::default();
        let base = 1_600_000_000 * S;
        for i in 0..10_000i64 {
            t.add(base + i * 7 * MS, 100, TrafficClass::Tcp);
        }
        let v = t.view();
        assert!(v.buckets.len() <= MAX_BUCKETS);
        assert_eq!(v.buckets.iter().map(|b| b.packets).sum::<u64>(), 10_000);
        assert_eq!(v.buckets.iter().map(|b| b.bytes).sum::<u64>(), 1_000_000);
        // 70 s span needs 100 ms buckets (700 of them).
        assert_eq!(v.bucket_ns, 100 * MS);
        assert_eq!(v.start_ns % v.bucket_ns, 0);
    }

    #[test]
    fn out_of_order_and_far_apart_timestamps() {
        let mut t = Timeline::default();
        t.add(10 * S, 1, TrafficClass::Udp);
        t.add(5 * S, 1, TrafficClass::Udp);
        t.add(0, 1, TrafficClass::Udp);
        t.add(40 * 365 * 86_400 * S, 1, TrafficClass::Other);
        t.add(-3 * S, 1, TrafficClass::Other);
        let v = t.view();
        assert!(v.buckets.len() <= MAX_BUCKETS);
        assert_eq!(v.buckets.iter().map(|b| b.packets).sum::<u64>(), 5);
    }
}
