//! Findings: what looks wrong in a capture, each with how bad it is, the hosts involved, a
//! sentence for people and a display filter that shows the packets behind it.
//!
//! Every detector is a plain function of plain inputs (a series, a slice of flows, the
//! session starts of host pairs), so it runs the same natively and in the browser, over the
//! whole capture or over a filtered view, and is tested with hand-made inputs:
//!
//! | kind | detector | input |
//! |---|---|---|
//! | `traffic-spike` | [`traffic_spikes`] | bytes and packets per time bucket ([`series_from_timeline`]) |
//! | `beaconing` | [`beaconing`] | session starts per host pair ([`BeaconTracker`], fed with every record) |
//! | `unusual-port` | [`unusual_ports`] | TCP/UDP conversations ([`crate::stats::Snapshot::flows`]) |
//! | `cleartext-protocol` | [`cleartext_protocols`] | the same conversations |
//! | `dns-failures` | [`dns_failures`] | failed DNS responses per time bucket ([`crate::health::dns::DnsTracker::failure_series`]) |
//!
//! Beside them, [`crate::health::scan`] finds `port-scan`, `host-scan` and
//! `failed-connections`, and [`crate::health::connections`] finds `brute-force`,
//! `retransmissions` and `rtt-outlier` (their thresholds are fields of [`Thresholds`] too).
//!
//! Every threshold is a field of [`Thresholds`] (serde, with defaults that are named
//! constants explaining their value), so that the page can adjust them. No detector panics or
//! yields a NaN or an infinity, whatever its input (a property test checks this), and every
//! filter it writes compiles in [`crate::filter`]'s language.
//!
//! # Times in filters
//!
//! Filters that select a time window use `frame.time_relative`, which counts from the first
//! frame of the capture (in file order, as in Wireshark); detectors that write one take that
//! frame's time as `time_zero_ns` and leave the window out when it is `None`.
//!
//! # Severity
//!
//! - `traffic-spike`: `high` when the peak bucket is at least 50 times the baseline (the
//!   median of the trailing window), `medium` from 10 times, `low` below.
//! - `beaconing`: `info` when the port is one of a service that is periodic by design (NTP,
//!   DHCP, NetBIOS, SNMP, syslog, SSDP, mDNS, LLMNR, STUN); `low` when the destination is a
//!   local address (private, loopback, link-local, shared 100.64/10, IPv6 unique-local or
//!   link-local); `high` when it is a public address and the beacon is very regular (jitter
//!   at most 5 % of the period over at least 20 sessions); `medium` otherwise.
//! - `unusual-port` and `cleartext-protocol`: the severity of the port's row in the tables
//!   below (for example telnet `high`, FTP `medium`, HTTP `low`; a backdoor's port `high`, a
//!   rarely used well-known port `info`).
//! - `dns-failures`: `high` from 100 failed responses in the burst, or when at least 20 failed
//!   and most were `SERVFAIL` (the resolver itself is failing); `medium` from 20; `low` below.

use crate::decode::{PacketRecord, TcpInfo};
use crate::hashing::{flow_map, FlowMap};
use crate::health::dns::{ClientFailures, DnsFailureSeries};
use crate::health::{connections, scan};
use crate::stats::{addr_cmp, service_port, Flow, TimelineView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

/// What a finding is about. The names (kebab-case) are those of CONTRACTS.md section 3,
/// used as `data-anomaly` on the page and as `kind` in `stats --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// One source probing many ports of a host (TCP analysis).
    PortScan,
    /// One source probing many hosts (TCP analysis).
    HostScan,
    /// Many failed attempts at a login service (TCP analysis).
    BruteForce,
    /// Connection attempts refused or never answered (TCP analysis).
    FailedConnections,
    /// Host pairs whose sessions start at regular intervals ([`beaconing`]).
    Beaconing,
    /// Time buckets far above the rolling baseline ([`traffic_spikes`]).
    TrafficSpike,
    /// Traffic on a port used by backdoors, C2, Tor, or a rarely used well-known port
    /// ([`unusual_ports`]).
    UnusualPort,
    /// Protocols that carry credentials or content in clear text ([`cleartext_protocols`]).
    CleartextProtocol,
    /// Many TCP retransmissions (TCP analysis).
    Retransmissions,
    /// Handshake round-trip times far above the others (TCP analysis).
    RttOutlier,
    /// Bursts of failed DNS lookups ([`dns_failures`]).
    DnsFailures,
}

impl FindingKind {
    /// Every kind.
    pub const ALL: [FindingKind; 11] = [
        FindingKind::PortScan,
        FindingKind::HostScan,
        FindingKind::BruteForce,
        FindingKind::FailedConnections,
        FindingKind::Beaconing,
        FindingKind::TrafficSpike,
        FindingKind::UnusualPort,
        FindingKind::CleartextProtocol,
        FindingKind::Retransmissions,
        FindingKind::RttOutlier,
        FindingKind::DnsFailures,
    ];

    /// The kebab-case name (`"traffic-spike"`), as serialized.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::PortScan => "port-scan",
            FindingKind::HostScan => "host-scan",
            FindingKind::BruteForce => "brute-force",
            FindingKind::FailedConnections => "failed-connections",
            FindingKind::Beaconing => "beaconing",
            FindingKind::TrafficSpike => "traffic-spike",
            FindingKind::UnusualPort => "unusual-port",
            FindingKind::CleartextProtocol => "cleartext-protocol",
            FindingKind::Retransmissions => "retransmissions",
            FindingKind::RttOutlier => "rtt-outlier",
            FindingKind::DnsFailures => "dns-failures",
        }
    }
}

/// How bad a finding is (ordered: `Info` < `Low` < `Medium` < `High`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing wrong as such.
    Info,
    /// Probably harmless, or a weak sign.
    Low,
    /// Worth a look.
    Medium,
    /// Look now.
    High,
}

/// One thing that looks wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What it is.
    pub kind: FindingKind,
    /// How bad.
    pub severity: Severity,
    /// The hosts involved, most involved first (for a port: servers, then clients).
    pub hosts: Vec<IpAddr>,
    /// How many of what the finding counts: packets in a spike, sessions of a beacon,
    /// conversations on a port, failed DNS responses.
    pub count: u64,
    /// What, and how bad, for people.
    pub summary: String,
    /// A display filter that shows the packets behind it.
    pub filter: String,
    /// Earliest time concerned, ns since the epoch.
    pub first_ns: Option<i64>,
    /// Latest time concerned, ns since the epoch.
    pub last_ns: Option<i64>,
    /// The numbers behind the finding (for example `period_s`, `jitter_s`), all finite.
    pub metrics: BTreeMap<String, f64>,
}

/// Sorts findings most severe first, then by kind, then by time.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.first_ns.cmp(&b.first_ns))
            .then(b.count.cmp(&a.count))
    });
}

// ---------------------------------------------------------------------------------------------
// Thresholds

/// Findings of one kind reported at most (the most severe, then the largest): a page lists
/// findings for a person, and past a screenful more rows of one kind add nothing.
pub const MAX_FINDINGS_PER_KIND: usize = 20;
/// Hosts listed in one finding at most (its filter still shows them all).
pub const MAX_HOSTS: usize = 8;
/// Trailing buckets a traffic bucket is compared with: long enough that the median ignores a
/// burst of a few buckets, short enough to follow the slow swing of a day (with a day's
/// capture in 2-minute buckets, one hour).
pub const SPIKE_WINDOW: usize = 30;
/// Buckets needed before the first can be judged: a median of fewer says little.
pub const SPIKE_MIN_HISTORY: usize = 8;
/// Robust z-score ((value − median) / (1.4826 × MAD)) a spike must reach. Iglewicz and
/// Hoaglin call 3.5 an outlier; 6 keeps only far ones, so ordinary burstiness (a page load,
/// TCP slow start) is not reported.
pub const SPIKE_Z: f64 = 6.0;
/// A spike is also at least this many times the baseline median: on a very steady link the
/// MAD is tiny and a z-score alone would flag a small rise.
pub const SPIKE_MIN_RATIO: f64 = 4.0;
/// Packets a spike bucket holds at least: a few packets after silence are not a spike.
pub const SPIKE_MIN_PACKETS: u64 = 100;
/// Intervals between sessions a beacon needs (nine sessions): fewer regular intervals happen
/// by chance (a person reloading a page every minute for a few minutes).
pub const BEACON_MIN_INTERVALS: usize = 8;
/// Shortest beacon period, seconds: faster repetition is polling or streaming inside one
/// session, and it must exceed the session gap ([`SESSION_GAP_NS`], 1 s).
pub const BEACON_MIN_PERIOD_S: f64 = 2.0;
/// Largest jitter (scaled MAD of the intervals) as a share of the period. Irregular traffic
/// has jitter about equal to its period (exactly so for random, Poisson, arrivals); implants
/// that randomise their sleep usually stay within a few tens of percent.
pub const BEACON_MAX_JITTER_RATIO: f64 = 0.15;
/// An interval within this share of the period counts as regular.
pub const BEACON_TOLERANCE: f64 = 0.2;
/// Share of regular intervals a beacon needs: a few missed or extra sessions are tolerated.
pub const BEACON_MIN_REGULAR_SHARE: f64 = 0.7;
/// Packets a conversation needs to count for a port: a refused or scanned TCP connection is
/// two or three packets (SYN, RST or SYN, SYN/ACK, RST), a used one is the handshake plus
/// data.
pub const PORT_MIN_PACKETS: u64 = 4;
/// Failed DNS responses a time bucket needs to be part of a burst: one or two failures are
/// normal (search-domain suffixes, a typo).
pub const DNS_BUCKET_MIN_FAILURES: u64 = 5;
/// Share of a bucket's (or the capture's) responses that must have failed.
pub const DNS_MIN_FAILURE_RATIO: f64 = 0.5;
/// Failed responses over the whole capture that make a finding even without a burst (a
/// steadily failing resolver).
pub const DNS_MIN_FAILURES: u64 = 20;

/// Every detector's thresholds; the defaults are the named constants of this module and of
/// [`scan`] and [`connections`].
/// Deserializing fills missing fields with defaults, and detectors replace values that make
/// no sense (negative, NaN) by defaults too.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// [`MAX_FINDINGS_PER_KIND`].
    pub max_findings_per_kind: usize,
    /// [`MAX_HOSTS`].
    pub max_hosts: usize,
    /// [`SPIKE_WINDOW`].
    pub spike_window: usize,
    /// [`SPIKE_MIN_HISTORY`].
    pub spike_min_history: usize,
    /// [`SPIKE_Z`].
    pub spike_z: f64,
    /// [`SPIKE_MIN_RATIO`].
    pub spike_min_ratio: f64,
    /// [`SPIKE_MIN_PACKETS`].
    pub spike_min_packets: u64,
    /// [`BEACON_MIN_INTERVALS`].
    pub beacon_min_intervals: usize,
    /// [`BEACON_MIN_PERIOD_S`].
    pub beacon_min_period_s: f64,
    /// [`BEACON_MAX_JITTER_RATIO`].
    pub beacon_max_jitter_ratio: f64,
    /// [`BEACON_TOLERANCE`].
    pub beacon_tolerance: f64,
    /// [`BEACON_MIN_REGULAR_SHARE`].
    pub beacon_min_regular_share: f64,
    /// [`PORT_MIN_PACKETS`].
    pub port_min_packets: u64,
    /// [`DNS_BUCKET_MIN_FAILURES`].
    pub dns_bucket_min_failures: u64,
    /// [`DNS_MIN_FAILURE_RATIO`].
    pub dns_min_failure_ratio: f64,
    /// [`DNS_MIN_FAILURES`].
    pub dns_min_failures: u64,
    /// [`scan::PORT_SCAN_MIN_PORTS`].
    pub port_scan_min_ports: usize,
    /// [`scan::HOST_SCAN_MIN_HOSTS`].
    pub host_scan_min_hosts: usize,
    /// [`scan::SCAN_MIN_FAILED_SHARE`] (0 to 1).
    pub scan_min_failed_share: f64,
    /// [`scan::FAILED_CONNECTIONS_MIN`].
    pub failed_connections_min: usize,
    /// [`connections::BRUTE_FORCE_MIN_CONNECTIONS`].
    pub brute_force_min_connections: u64,
    /// [`connections::BRUTE_FORCE_MIN_CONNECTIONS_WEB`].
    pub brute_force_min_connections_web: u64,
    /// [`connections::BRUTE_FORCE_MIN_SHORT_SHARE`] (0 to 1).
    pub brute_force_min_short_share: f64,
    /// [`connections::BRUTE_FORCE_MIN_ANSWERED_SHARE`] (0 to 1).
    pub brute_force_min_answered_share: f64,
    /// [`connections::BRUTE_FORCE_MIN_RATE_PER_MIN`].
    pub brute_force_min_rate_per_min: f64,
    /// [`connections::RETRANS_MIN_DATA_FRAMES`].
    pub retrans_min_data_frames: u64,
    /// [`connections::RETRANS_MIN_COUNT`].
    pub retrans_min_count: u64,
    /// [`connections::RETRANS_MIN_SHARE`] (0 to 1).
    pub retrans_min_share: f64,
    /// [`connections::RTT_OUTLIER_FACTOR`] (at least 1).
    pub rtt_outlier_factor: f64,
    /// [`connections::RTT_OUTLIER_FLOOR_MS`].
    pub rtt_outlier_floor_ms: f64,
    /// [`connections::RTT_OUTLIER_MIN_SAMPLES`].
    pub rtt_outlier_min_samples: usize,
    /// [`connections::RTT_OUTLIER_MIN_CONNECTIONS`].
    pub rtt_outlier_min_connections: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_findings_per_kind: MAX_FINDINGS_PER_KIND,
            max_hosts: MAX_HOSTS,
            spike_window: SPIKE_WINDOW,
            spike_min_history: SPIKE_MIN_HISTORY,
            spike_z: SPIKE_Z,
            spike_min_ratio: SPIKE_MIN_RATIO,
            spike_min_packets: SPIKE_MIN_PACKETS,
            beacon_min_intervals: BEACON_MIN_INTERVALS,
            beacon_min_period_s: BEACON_MIN_PERIOD_S,
            beacon_max_jitter_ratio: BEACON_MAX_JITTER_RATIO,
            beacon_tolerance: BEACON_TOLERANCE,
            beacon_min_regular_share: BEACON_MIN_REGULAR_SHARE,
            port_min_packets: PORT_MIN_PACKETS,
            dns_bucket_min_failures: DNS_BUCKET_MIN_FAILURES,
            dns_min_failure_ratio: DNS_MIN_FAILURE_RATIO,
            dns_min_failures: DNS_MIN_FAILURES,
            port_scan_min_ports: scan::PORT_SCAN_MIN_PORTS,
            host_scan_min_hosts: scan::HOST_SCAN_MIN_HOSTS,
            scan_min_failed_share: scan::SCAN_MIN_FAILED_SHARE,
            failed_connections_min: scan::FAILED_CONNECTIONS_MIN,
            brute_force_min_connections: connections::BRUTE_FORCE_MIN_CONNECTIONS,
            brute_force_min_connections_web: connections::BRUTE_FORCE_MIN_CONNECTIONS_WEB,
            brute_force_min_short_share: connections::BRUTE_FORCE_MIN_SHORT_SHARE,
            brute_force_min_answered_share: connections::BRUTE_FORCE_MIN_ANSWERED_SHARE,
            brute_force_min_rate_per_min: connections::BRUTE_FORCE_MIN_RATE_PER_MIN,
            retrans_min_data_frames: connections::RETRANS_MIN_DATA_FRAMES,
            retrans_min_count: connections::RETRANS_MIN_COUNT,
            retrans_min_share: connections::RETRANS_MIN_SHARE,
            rtt_outlier_factor: connections::RTT_OUTLIER_FACTOR,
            rtt_outlier_floor_ms: connections::RTT_OUTLIER_FLOOR_MS,
            rtt_outlier_min_samples: connections::RTT_OUTLIER_MIN_SAMPLES,
            rtt_outlier_min_connections: connections::RTT_OUTLIER_MIN_CONNECTIONS,
        }
    }
}

impl Thresholds {
    /// These thresholds with every value that makes no sense (a NaN, an infinity, a negative
    /// number, a zero window) replaced by its default.
    pub fn sanitized(&self) -> Thresholds {
        let d = Thresholds::default();
        let f = |v: f64, def: f64| if v.is_finite() && v >= 0.0 { v } else { def };
        // A share is a fraction: above 1 it can never be met, so it is clamped to 1.
        let share = |v: f64, def: f64| f(v, def).min(1.0);
        Thresholds {
            max_findings_per_kind: self.max_findings_per_kind,
            max_hosts: self.max_hosts,
            spike_window: if self.spike_window == 0 {
                d.spike_window
            } else {
                self.spike_window
            },
            spike_min_history: self.spike_min_history.max(1),
            spike_z: f(self.spike_z, d.spike_z),
            spike_min_ratio: f(self.spike_min_ratio, d.spike_min_ratio),
            spike_min_packets: self.spike_min_packets,
            beacon_min_intervals: self.beacon_min_intervals.max(1),
            beacon_min_period_s: f(self.beacon_min_period_s, d.beacon_min_period_s),
            beacon_max_jitter_ratio: f(self.beacon_max_jitter_ratio, d.beacon_max_jitter_ratio),
            beacon_tolerance: f(self.beacon_tolerance, d.beacon_tolerance),
            beacon_min_regular_share: f(self.beacon_min_regular_share, d.beacon_min_regular_share),
            port_min_packets: self.port_min_packets,
            dns_bucket_min_failures: self.dns_bucket_min_failures,
            dns_min_failure_ratio: f(self.dns_min_failure_ratio, d.dns_min_failure_ratio),
            dns_min_failures: self.dns_min_failures,
            port_scan_min_ports: self.port_scan_min_ports.max(1),
            host_scan_min_hosts: self.host_scan_min_hosts.max(1),
            scan_min_failed_share: share(self.scan_min_failed_share, d.scan_min_failed_share),
            failed_connections_min: self.failed_connections_min.max(1),
            brute_force_min_connections: self.brute_force_min_connections.max(2),
            brute_force_min_connections_web: self.brute_force_min_connections_web.max(2),
            brute_force_min_short_share: share(
                self.brute_force_min_short_share,
                d.brute_force_min_short_share,
            ),
            brute_force_min_answered_share: share(
                self.brute_force_min_answered_share,
                d.brute_force_min_answered_share,
            ),
            brute_force_min_rate_per_min: f(
                self.brute_force_min_rate_per_min,
                d.brute_force_min_rate_per_min,
            ),
            retrans_min_data_frames: self.retrans_min_data_frames.max(1),
            retrans_min_count: self.retrans_min_count,
            retrans_min_share: share(self.retrans_min_share, d.retrans_min_share),
            rtt_outlier_factor: f(self.rtt_outlier_factor, d.rtt_outlier_factor).max(1.0),
            rtt_outlier_floor_ms: f(self.rtt_outlier_floor_ms, d.rtt_outlier_floor_ms),
            rtt_outlier_min_samples: self.rtt_outlier_min_samples.max(1),
            rtt_outlier_min_connections: self.rtt_outlier_min_connections.max(1),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers: statistics, text, filters

/// The median of finite values (the mean of the two middle ones for an even count); 0 when
/// empty. Reorders `v`.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let hi = v.get(n / 2).copied().unwrap_or(0.0);
    if n % 2 == 1 {
        hi
    } else {
        let lo = v.get(n / 2 - 1).copied().unwrap_or(0.0);
        lo + (hi - lo) / 2.0
    }
}

/// 1.4826 × MAD: the median absolute deviation from `center`, scaled to equal the standard
/// deviation for normally distributed values.
const MAD_SCALE: f64 = 1.4826;

fn mad(v: &[f64], center: f64) -> f64 {
    let mut d: Vec<f64> = v.iter().map(|x| (x - center).abs()).collect();
    median(&mut d)
}

/// `x` if finite, else 0.
fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

pub(crate) fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), finite(*v)))
        .collect()
}

/// A time difference in seconds with up to nine decimals, for a filter (`-0.5`, `12`,
/// `3.000000001`).
fn filter_secs(ns: i64) -> String {
    let neg = ns < 0;
    let abs = ns.unsigned_abs();
    let (s, frac) = (abs / 1_000_000_000, abs % 1_000_000_000);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let _ = write!(out, "{s}");
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

/// `frame.time_relative >= a && frame.time_relative < b` for `[start, end)`, or `None`
/// without a time zero.
fn time_filter(start_ns: i64, end_ns: i64, time_zero_ns: Option<i64>) -> Option<String> {
    let t0 = time_zero_ns?;
    let a = start_ns.saturating_sub(t0);
    let b = end_ns.saturating_sub(t0);
    Some(format!(
        "frame.time_relative >= {} && frame.time_relative < {}",
        filter_secs(a),
        filter_secs(b)
    ))
}

/// `ip.addr == X` or `ipv6.addr == X`.
pub(crate) fn addr_filter(a: &IpAddr) -> String {
    match a {
        IpAddr::V4(v) => format!("ip.addr == {v}"),
        IpAddr::V6(v) => format!("ipv6.addr == {v}"),
    }
}

/// A duration for people: `850 ms`, `30.0 s`, `2.5 min`, `1.2 h`, `3.0 days`.
pub(crate) fn human_secs(s: f64) -> String {
    let s = finite(s);
    let a = s.abs();
    if a < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if a < 120.0 {
        format!("{s:.1} s")
    } else if a < 7_200.0 {
        format!("{:.1} min", s / 60.0)
    } else if a < 172_800.0 {
        format!("{:.1} h", s / 3_600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

/// A size for people, in binary units: `512 B`, `1.5 KiB`, `12.3 MiB`.
fn human_bytes(b: f64) -> String {
    let b = finite(b).max(0.0);
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if b < 1024.0 {
        return format!("{b:.0} B");
    }
    let mut v = b / 1024.0;
    let mut unit = UNITS[0];
    for u in UNITS.iter().skip(1) {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// Seconds from `t0` for a summary (`at 81.0 s`), or nothing without one.
fn at(ns: i64, time_zero_ns: Option<i64>) -> String {
    match time_zero_ns {
        Some(t0) => format!(
            " at {}",
            human_secs(ns.saturating_sub(t0) as f64 / 1e9).trim_end()
        ),
        None => String::new(),
    }
}

/// Whether an address is local: private, loopback, link-local, shared (100.64/10),
/// unspecified, IPv6 unique-local or link-local.
pub fn is_local(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            v.is_loopback()
                || v.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || v.to_ipv4_mapped().is_some_and(|m| is_local(&IpAddr::V4(m)))
        }
    }
}

/// Whether an address is multicast or the IPv4 limited broadcast.
fn is_group(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.is_multicast() || v.is_broadcast(),
        IpAddr::V6(v) => v.is_multicast(),
    }
}

/// Keeps the `max` most severe, then largest, findings.
pub(crate) fn cap_findings(mut v: Vec<Finding>, max: usize) -> Vec<Finding> {
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.first_ns.cmp(&b.first_ns))
    });
    v.truncate(max);
    v
}

// ---------------------------------------------------------------------------------------------
// traffic-spike

/// One time bucket of a traffic series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Start of the bucket, ns since the epoch.
    pub start_ns: i64,
    /// Bytes in the bucket.
    pub bytes: u64,
    /// Packets in the bucket.
    pub packets: u64,
}

/// The traffic timeline as a series for [`traffic_spikes`] (with its bucket width,
/// `view.bucket_ns`).
pub fn series_from_timeline(view: &TimelineView) -> Vec<SeriesPoint> {
    view.buckets
        .iter()
        .enumerate()
        .map(|(i, b)| SeriesPoint {
            start_ns: view
                .start_ns
                .saturating_add((i as i64).saturating_mul(view.bucket_ns)),
            bytes: b.bytes,
            packets: b.packets,
        })
        .collect()
}

/// How far `x` is above the values of `window`: (robust z-score, ratio to the median,
/// median).
///
/// The scale is 1.4826 × MAD; where most of the window is one value (MAD = 0) it falls back
/// to 1.2533 × the mean absolute deviation (the usual substitute), then to 5 % of the median,
/// then to 1, so that it is never zero.
fn robust_score(x: f64, window: &[f64]) -> (f64, f64, f64) {
    let mut w = window.to_vec();
    let med = median(&mut w);
    let m = mad(window, med);
    let mean_ad = if window.is_empty() {
        0.0
    } else {
        window.iter().map(|v| (v - med).abs()).sum::<f64>() / window.len() as f64
    };
    let scale = (MAD_SCALE * m)
        .max(1.2533 * mean_ad)
        .max(0.05 * med)
        .max(1.0);
    let z = (x - med) / scale;
    let ratio = x / med.max(1.0);
    (finite(z), finite(ratio), finite(med))
}

/// One bucket found far above its baseline.
#[derive(Debug, Clone, Copy)]
struct SpikeHit {
    index: usize,
    /// Value over the trailing median.
    ratio: f64,
    /// Robust z-score.
    z: f64,
    /// The trailing median.
    baseline: f64,
    /// Whether bytes (rather than packets) made it a spike.
    in_bytes: bool,
}

/// Time buckets far above the rolling baseline (see [`Thresholds`]: the robust z-score of
/// the bucket's bytes or packets against the trailing [`SPIKE_WINDOW`] buckets reaches
/// [`SPIKE_Z`], the value is at least [`SPIKE_MIN_RATIO`] times the trailing median, and the
/// bucket holds at least [`SPIKE_MIN_PACKETS`] packets). Consecutive spike buckets make one
/// finding. `series` is consecutive buckets of width `bucket_ns`.
pub fn traffic_spikes(
    series: &[SeriesPoint],
    bucket_ns: i64,
    time_zero_ns: Option<i64>,
    th: &Thresholds,
) -> Vec<Finding> {
    let th = th.sanitized();
    let bytes: Vec<f64> = series.iter().map(|p| p.bytes as f64).collect();
    let packets: Vec<f64> = series.iter().map(|p| p.packets as f64).collect();
    let mut hits: Vec<SpikeHit> = Vec::new();
    for (i, p) in series.iter().enumerate() {
        let from = i.saturating_sub(th.spike_window);
        let (Some(wb), Some(wp)) = (bytes.get(from..i), packets.get(from..i)) else {
            continue;
        };
        if wb.len() < th.spike_min_history || p.packets < th.spike_min_packets {
            continue;
        }
        let (zb, rb, mb) = robust_score(p.bytes as f64, wb);
        let (zp, rp, mp) = robust_score(p.packets as f64, wp);
        let by_bytes = zb >= th.spike_z && rb >= th.spike_min_ratio;
        let by_packets = zp >= th.spike_z && rp >= th.spike_min_ratio;
        if by_bytes && (!by_packets || rb >= rp) {
            hits.push(SpikeHit {
                index: i,
                ratio: rb,
                z: zb,
                baseline: mb,
                in_bytes: true,
            });
        } else if by_packets {
            hits.push(SpikeHit {
                index: i,
                ratio: rp,
                z: zp,
                baseline: mp,
                in_bytes: false,
            });
        }
    }
    // Runs of consecutive buckets.
    let mut runs: Vec<Vec<SpikeHit>> = Vec::new();
    for h in hits {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|l| l.index + 1 == h.index) => run.push(h),
            _ => runs.push(vec![h]),
        }
    }
    let width = bucket_ns.max(1);
    let mut out = Vec::new();
    for run in runs {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            continue;
        };
        let Some(pts) = series.get(first.index..=last.index) else {
            continue;
        };
        let (Some(p0), Some(p1)) = (pts.first(), pts.last()) else {
            continue;
        };
        let packets: u64 = pts.iter().fold(0u64, |a, p| a.saturating_add(p.packets));
        let total_bytes: u64 = pts.iter().fold(0u64, |a, p| a.saturating_add(p.bytes));
        let peak = run
            .iter()
            .copied()
            .fold(*first, |a, h| if h.ratio > a.ratio { h } else { a });
        let peak_bytes = pts.iter().map(|p| p.bytes).max().unwrap_or(0);
        let peak_packets = pts.iter().map(|p| p.packets).max().unwrap_or(0);
        let start = p0.start_ns;
        let end = p1.start_ns.saturating_add(width);
        let severity = if peak.ratio >= 50.0 {
            Severity::High
        } else if peak.ratio >= 10.0 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let secs = end.saturating_sub(start) as f64 / 1e9;
        let usual = if peak.in_bytes {
            human_bytes(peak.baseline)
        } else {
            format!("{:.0} packets", peak.baseline)
        };
        let summary = format!(
            "Traffic spike{}: {} in {} packets over {}, up to {:.0} times the usual {} per {} bucket",
            at(start, time_zero_ns),
            human_bytes(total_bytes as f64),
            packets,
            human_secs(secs),
            peak.ratio,
            usual,
            human_secs(width as f64 / 1e9),
        );
        out.push(Finding {
            kind: FindingKind::TrafficSpike,
            severity,
            hosts: Vec::new(),
            count: packets,
            summary,
            filter: time_filter(start, end, time_zero_ns).unwrap_or_else(|| "frame".into()),
            first_ns: Some(start),
            last_ns: Some(end),
            metrics: metrics(&[
                ("ratio", peak.ratio),
                ("z", peak.z),
                (
                    if peak.in_bytes {
                        "baseline_bytes"
                    } else {
                        "baseline_packets"
                    },
                    peak.baseline,
                ),
                ("peak_bytes", peak_bytes as f64),
                ("peak_packets", peak_packets as f64),
                ("buckets", run.len() as f64),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

// ---------------------------------------------------------------------------------------------
// beaconing

/// Silence after which a UDP or ICMP packet starts a new session, and the least time
/// between two TCP connections counted as separate sessions: a request and its reply, or the
/// connections a program opens together, fall within a second, while a beacon's period is
/// longer ([`BEACON_MIN_PERIOD_S`]).
pub const SESSION_GAP_NS: i64 = 1_000_000_000;
/// Host pairs followed at once. When full, pairs with two sessions or fewer are dropped
/// (they cannot be beacons yet, and a scan makes thousands of them); if that frees nothing,
/// new pairs are not followed ([`BeaconTracker::untracked`]).
pub const BEACON_MAX_PAIRS: usize = 4_096;
/// Session starts kept per pair (the latest ones): 64 intervals measure a period well, and
/// cover half an hour of a 30-second beacon. At most 2 MiB over all pairs.
pub const BEACON_RING: usize = 64;

/// Session starts from one source to one destination service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeaconSeries {
    /// Who starts the sessions.
    pub src: IpAddr,
    /// Whom they go to.
    pub dst: IpAddr,
    /// IP protocol (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
    pub proto: u8,
    /// Destination port (0 for ICMP).
    pub port: u16,
    /// The latest session starts (at most [`BEACON_RING`]), ns since the epoch, ascending.
    pub starts: Vec<i64>,
    /// Every session start seen.
    pub total: u64,
    /// The first session start seen.
    pub first_ns: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PairKey {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    port: u16,
}

#[derive(Debug, Clone, Default)]
struct PairState {
    ring: Vec<i64>,
    /// Where the next start goes once the ring is full.
    head: usize,
    total: u64,
    first_ns: i64,
    /// Last session start (TCP) or last packet (UDP, ICMP).
    last_ns: i64,
    /// Source port and sequence number of the last SYN (TCP), to skip its retransmissions.
    last_syn: Option<(u16, u32)>,
}

impl PairState {
    fn start(&mut self, ts: i64) {
        if self.total == 0 {
            self.first_ns = ts;
        }
        self.total += 1;
        if self.ring.len() < BEACON_RING {
            self.ring.push(ts);
        } else if let Some(slot) = self.ring.get_mut(self.head) {
            *slot = ts;
            self.head = (self.head + 1) % BEACON_RING;
        }
    }
}

/// Collects session starts per (source, destination, protocol, destination port), with
/// bounded memory, for [`beaconing`]. A session start is:
///
/// - TCP: a SYN without ACK that is not a retransmission of the pair's previous SYN (same
///   source port and sequence number) and comes at least [`SESSION_GAP_NS`] after the pair's
///   previous session start;
/// - UDP: a packet towards the service port ([`crate::stats::service_port`]) after at least
///   [`SESSION_GAP_NS`] without one;
/// - ICMP: an echo request after the same silence.
///
/// Traffic to multicast and broadcast addresses is left out (announcements are periodic by
/// design and never a host's command channel). Addresses are the innermost IP header's.
#[derive(Debug, Clone)]
pub struct BeaconTracker {
    pairs: FlowMap<PairKey, PairState>,
    untracked: u64,
    /// New pairs refused since the last pruning.
    refused_since_prune: usize,
    pruned: bool,
}

impl Default for BeaconTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl BeaconTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        BeaconTracker {
            pairs: flow_map(),
            untracked: 0,
            refused_since_prune: 0,
            pruned: false,
        }
    }

    /// Takes one record (in file order).
    pub fn push(&mut self, rec: &PacketRecord) {
        let Some(ip) = rec.inner_ip() else {
            return;
        };
        if is_group(&ip.dst) {
            return;
        }
        let ts = rec.ts_ns;
        let (key, syn) = match rec.ip_proto {
            6 => {
                let Some(tcp) = rec.tcp else {
                    return;
                };
                if tcp.flags & TcpInfo::SYN == 0 || tcp.flags & TcpInfo::ACK != 0 {
                    return;
                }
                (
                    PairKey {
                        src: ip.src,
                        dst: ip.dst,
                        proto: 6,
                        port: rec.dst_port,
                    },
                    Some((rec.src_port, tcp.seq)),
                )
            }
            17 => {
                if rec.dst_port != service_port(rec.src_port, rec.dst_port) {
                    return;
                }
                (
                    PairKey {
                        src: ip.src,
                        dst: ip.dst,
                        proto: 17,
                        port: rec.dst_port,
                    },
                    None,
                )
            }
            p @ (1 | 58) => {
                let echo = if p == 1 { 8 } else { 128 };
                if rec.icmp.map(|(t, _)| t) != Some(echo) {
                    return;
                }
                (
                    PairKey {
                        src: ip.src,
                        dst: ip.dst,
                        proto: p,
                        port: 0,
                    },
                    None,
                )
            }
            _ => return,
        };
        // Below the cap one hash lookup does (the entry); at it, a new pair needs room first.
        if self.pairs.len() >= BEACON_MAX_PAIRS
            && !self.pairs.contains_key(&key)
            && !self.make_room()
        {
            self.untracked += 1;
            return;
        }
        let st = self.pairs.entry(key).or_default();
        let is_new = st.total == 0;
        let gap_ok = is_new || ts.saturating_sub(st.last_ns) >= SESSION_GAP_NS;
        match syn {
            Some(s) => {
                if st.last_syn == Some(s) {
                    return;
                }
                st.last_syn = Some(s);
                if gap_ok {
                    st.last_ns = ts;
                    st.start(ts);
                }
            }
            None => {
                st.last_ns = ts;
                if gap_ok {
                    st.start(ts);
                }
            }
        }
    }

    /// Whether a new pair may be added, pruning pairs with two starts or fewer when full (at
    /// most once per quarter of the cap refused, so the cost stays O(1) per packet amortized).
    fn make_room(&mut self) -> bool {
        if self.pairs.len() < BEACON_MAX_PAIRS {
            return true;
        }
        if !self.pruned || self.refused_since_prune >= BEACON_MAX_PAIRS / 4 {
            self.pairs.retain(|_, s| s.total > 2);
            self.pruned = true;
            self.refused_since_prune = 0;
            if self.pairs.len() < BEACON_MAX_PAIRS {
                return true;
            }
        }
        self.refused_since_prune += 1;
        false
    }

    /// Session starts that were not followed because the pair table was full.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// Pairs followed.
    pub fn pairs(&self) -> usize {
        self.pairs.len()
    }

    /// The pairs with at least `min_starts` session starts kept, for [`beaconing`] (in a
    /// stable order: source, destination, protocol, port).
    pub fn series(&self, min_starts: usize) -> Vec<BeaconSeries> {
        let mut v: Vec<BeaconSeries> = self
            .pairs
            .iter()
            .filter(|(_, s)| s.ring.len() >= min_starts.max(1))
            .map(|(k, s)| {
                let mut starts = s.ring.clone();
                starts.sort_unstable();
                BeaconSeries {
                    src: k.src,
                    dst: k.dst,
                    proto: k.proto,
                    port: k.port,
                    starts,
                    total: s.total,
                    first_ns: s.first_ns,
                }
            })
            .collect();
        v.sort_by(|a, b| {
            addr_cmp(&a.src, &b.src)
                .then_with(|| addr_cmp(&a.dst, &b.dst))
                .then(a.proto.cmp(&b.proto))
                .then(a.port.cmp(&b.port))
        });
        v
    }
}

/// The regularity of a series of session starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BeaconStats {
    /// Intervals between consecutive starts.
    pub intervals: usize,
    /// The median interval, seconds.
    pub period_s: f64,
    /// The jitter, seconds: 1.4826 × the median absolute deviation of the intervals from the
    /// period (the scaled MAD), which equals the standard deviation for normally distributed
    /// intervals and is not thrown off by a few missed or extra sessions.
    pub jitter_s: f64,
    /// Share of the intervals within [`Thresholds::beacon_tolerance`] of the period.
    pub regular_share: f64,
}

/// Period, jitter and regularity of `starts` (ns, any order); `None` with fewer than two.
pub fn beacon_stats(starts: &[i64], tolerance: f64) -> Option<BeaconStats> {
    let mut s = starts.to_vec();
    s.sort_unstable();
    let intervals: Vec<f64> = s
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => Some((i128::from(*b) - i128::from(*a)) as f64 / 1e9),
            _ => None,
        })
        .collect();
    if intervals.is_empty() {
        return None;
    }
    let mut sorted = intervals.clone();
    let period = median(&mut sorted);
    let jitter = MAD_SCALE * mad(&intervals, period);
    let tol = finite(tolerance).max(0.0) * period;
    let regular = intervals
        .iter()
        .filter(|d| (*d - period).abs() <= tol)
        .count();
    Some(BeaconStats {
        intervals: intervals.len(),
        period_s: finite(period),
        jitter_s: finite(jitter),
        regular_share: regular as f64 / intervals.len() as f64,
    })
}

/// Ports of services that are periodic by design: NTP, DHCP, NetBIOS name and datagram,
/// SNMP and traps, syslog, SSDP, STUN, mDNS, LLMNR.
const PERIODIC_SERVICES: &[u16] = &[123, 67, 68, 137, 138, 161, 162, 514, 1900, 3478, 5353, 5355];

fn proto_name(proto: u8) -> &'static str {
    match proto {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        _ => "ip",
    }
}

/// Host pairs whose sessions start at regular intervals: at least
/// [`BEACON_MIN_INTERVALS`] intervals, a period (median interval) of at least
/// [`BEACON_MIN_PERIOD_S`], a jitter (scaled MAD, see [`BeaconStats::jitter_s`]) of at most
/// [`BEACON_MAX_JITTER_RATIO`] of the period, and at least [`BEACON_MIN_REGULAR_SHARE`] of
/// the intervals within [`BEACON_TOLERANCE`] of the period.
pub fn beaconing(series: &[BeaconSeries], th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let mut out = Vec::new();
    for s in series {
        let Some(st) = beacon_stats(&s.starts, th.beacon_tolerance) else {
            continue;
        };
        if st.intervals < th.beacon_min_intervals
            || st.period_s < th.beacon_min_period_s
            || st.period_s <= 0.0
            || st.jitter_s > th.beacon_max_jitter_ratio * st.period_s
            || st.regular_share < th.beacon_min_regular_share
        {
            continue;
        }
        let jitter_ratio = finite(st.jitter_s / st.period_s);
        let severity = if PERIODIC_SERVICES.contains(&s.port) && s.proto == 17 {
            Severity::Info
        } else if is_local(&s.dst) {
            Severity::Low
        } else if jitter_ratio <= 0.05 && s.total >= 20 {
            Severity::High
        } else {
            Severity::Medium
        };
        let service = match s.proto {
            1 | 58 => format!("ping ({})", proto_name(s.proto)),
            p => format!("{}/{}", s.port, proto_name(p)),
        };
        let last = s.starts.last().copied().unwrap_or(s.first_ns);
        let summary = format!(
            "{} contacted {} on {} {} times, every {} (jitter {}, {:.0} % of intervals within {:.0} %), over {}",
            s.src,
            s.dst,
            service,
            s.total,
            human_secs(st.period_s),
            human_secs(st.jitter_s),
            st.regular_share * 100.0,
            th.beacon_tolerance * 100.0,
            human_secs(last.saturating_sub(s.first_ns) as f64 / 1e9),
        );
        let transport = match s.proto {
            6 => format!("tcp.port == {}", s.port),
            17 => format!("udp.port == {}", s.port),
            58 => "icmpv6".to_string(),
            1 => "icmp".to_string(),
            p => format!("ip.proto == {p}"),
        };
        let filter = format!(
            "{} && {} && {}",
            addr_filter(&s.src),
            addr_filter(&s.dst),
            transport
        );
        out.push(Finding {
            kind: FindingKind::Beaconing,
            severity,
            hosts: vec![s.src, s.dst],
            count: s.total,
            summary,
            filter,
            first_ns: Some(s.first_ns),
            last_ns: Some(last),
            metrics: metrics(&[
                ("period_s", st.period_s),
                ("jitter_s", st.jitter_s),
                ("regular_share", st.regular_share),
                ("intervals", st.intervals as f64),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

// ---------------------------------------------------------------------------------------------
// unusual-port and cleartext-protocol

/// One row of a port table: transport (6 TCP, 17 UDP; `None` = both), first and last port,
/// name, severity, why it matters.
pub type PortRow = (Option<u8>, u16, u16, &'static str, Severity, &'static str);

/// Protocols that carry credentials or content in clear text, by service port.
#[rustfmt::skip]
pub const CLEARTEXT_PORTS: &[PortRow] = &[
    (Some(6), 23, 23, "Telnet", Severity::High, "logins and everything typed cross the network in clear text"),
    (Some(6), 2323, 2323, "Telnet (port 2323)", Severity::High, "logins and everything typed cross the network in clear text"),
    (Some(6), 512, 512, "rexec", Severity::High, "the password crosses the network in clear text"),
    (Some(6), 513, 513, "rlogin", Severity::High, "a remote shell without encryption"),
    (Some(6), 514, 514, "rsh", Severity::High, "a remote shell without encryption or passwords"),
    (Some(6), 21, 21, "FTP", Severity::Medium, "user names and passwords cross in clear text unless the session is upgraded with AUTH TLS"),
    (Some(6), 110, 110, "POP3", Severity::Medium, "mailbox passwords cross in clear text unless the session is upgraded with STLS"),
    (Some(6), 143, 143, "IMAP", Severity::Medium, "mailbox passwords cross in clear text unless the session is upgraded with STARTTLS"),
    (Some(17), 161, 161, "SNMP", Severity::Medium, "SNMPv1/v2c community strings are passwords in clear text"),
    (Some(17), 69, 69, "TFTP", Severity::Medium, "files move without authentication or encryption"),
    (Some(6), 5900, 5903, "VNC", Severity::Medium, "the screen and keystrokes of a remote desktop, usually unencrypted"),
    (Some(6), 80, 80, "HTTP", Severity::Low, "pages, cookies and any Basic authentication are readable in transit"),
    (Some(6), 8080, 8080, "HTTP (port 8080)", Severity::Low, "pages, cookies and any Basic authentication are readable in transit"),
    (Some(6), 25, 25, "SMTP", Severity::Low, "mail crosses in clear text unless the session is upgraded with STARTTLS"),
    (Some(6), 389, 389, "LDAP", Severity::Low, "directory queries and simple binds cross in clear text unless signed or upgraded"),
    (Some(17), 162, 162, "SNMP traps", Severity::Low, "SNMPv1/v2c community strings are passwords in clear text"),
];

/// Ports used by backdoors, command-and-control, anonymity networks and exposed remote
/// access, and legacy services, by service port.
#[rustfmt::skip]
pub const UNUSUAL_PORTS: &[PortRow] = &[
    (None, 4444, 4444, "port 4444", Severity::High, "Metasploit's default handler port, often a reverse shell"),
    (None, 31337, 31337, "port 31337", Severity::High, "the 'elite' port of Back Orifice and other backdoors"),
    (None, 1337, 1337, "port 1337", Severity::High, "a port favoured by backdoors"),
    (None, 12345, 12346, "NetBus", Severity::High, "the NetBus remote-control trojan's ports"),
    (None, 27374, 27374, "SubSeven", Severity::High, "the SubSeven trojan's port"),
    (None, 6660, 6669, "IRC", Severity::Medium, "IRC, long used for botnet command and control"),
    (None, 6697, 6697, "IRC over TLS", Severity::Medium, "IRC, long used for botnet command and control"),
    (None, 9001, 9001, "Tor", Severity::Medium, "a Tor relay port (traffic leaves through an anonymity network)"),
    (None, 9030, 9030, "Tor", Severity::Medium, "a Tor directory port"),
    (None, 9050, 9051, "Tor", Severity::Medium, "the Tor client's SOCKS and control ports"),
    (None, 9150, 9150, "Tor Browser", Severity::Medium, "the Tor Browser's SOCKS port"),
    (None, 5555, 5555, "ADB", Severity::Medium, "Android Debug Bridge: a remote shell on a device"),
    (None, 4899, 4899, "Radmin", Severity::Medium, "Radmin remote control"),
    (None, 3333, 3333, "Stratum", Severity::Medium, "a port of cryptocurrency mining pools"),
    (None, 14444, 14444, "Stratum", Severity::Medium, "a port of cryptocurrency mining pools"),
    (None, 5554, 5554, "Sasser", Severity::Medium, "the Sasser worm's FTP port"),
    (None, 9996, 9996, "Sasser", Severity::Medium, "the Sasser worm's shell port"),
    (Some(17), 11211, 11211, "memcached", Severity::Medium, "memcached over UDP, abused for amplification attacks"),
    (Some(6), 3389, 3389, "RDP", Severity::Low, "remote desktop, a common way in when exposed"),
    (None, 1080, 1080, "SOCKS", Severity::Low, "a proxy: what goes through it is hidden from this capture"),
    (None, 6881, 6889, "BitTorrent", Severity::Low, "peer-to-peer file sharing"),
    (None, 7, 7, "echo", Severity::Low, "a legacy test service, abused for reflection"),
    (None, 9, 9, "discard", Severity::Low, "a legacy test service"),
    (None, 13, 13, "daytime", Severity::Low, "a legacy test service, abused for reflection"),
    (None, 17, 17, "qotd", Severity::Low, "a legacy test service, abused for amplification"),
    (None, 19, 19, "chargen", Severity::Low, "a legacy test service, abused for amplification"),
    (None, 37, 37, "time", Severity::Low, "a legacy time service"),
    (None, 79, 79, "finger", Severity::Low, "reveals user names"),
];

/// Well-known ports (below 1024) commonly seen on networks: any other well-known port that
/// is not in [`CLEARTEXT_PORTS`] or [`UNUSUAL_PORTS`] is reported as rarely used (`info`).
pub const COMMON_WELL_KNOWN_PORTS: &[u16] = &[
    20, 21, 22, 23, 25, 53, 67, 68, 69, 80, 88, 110, 111, 119, 123, 135, 137, 138, 139, 143, 161,
    162, 179, 389, 427, 443, 445, 464, 465, 500, 514, 515, 520, 546, 547, 548, 554, 563, 587, 593,
    631, 636, 853, 873, 902, 989, 990, 993, 995,
];

fn lookup(table: &'static [PortRow], proto: u8, port: u16) -> Option<&'static PortRow> {
    table
        .iter()
        .find(|(p, lo, hi, ..)| p.is_none_or(|p| p == proto) && (*lo..=*hi).contains(&port))
}

/// Conversations on one service port.
#[derive(Debug, Default)]
struct PortUse {
    flows: u64,
    packets: u64,
    bytes: u64,
    servers: Vec<IpAddr>,
    clients: Vec<IpAddr>,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
}

fn push_unique(v: &mut Vec<IpAddr>, a: IpAddr, max: usize) {
    if v.len() < max && !v.contains(&a) {
        v.push(a);
    }
}

/// Used conversations ([`PORT_MIN_PACKETS`]; for TCP, packets both ways) grouped by
/// (transport, service port).
fn port_uses(flows: &[Flow], th: &Thresholds) -> BTreeMap<(u8, u16), PortUse> {
    let mut m: BTreeMap<(u8, u16), PortUse> = BTreeMap::new();
    for f in flows {
        let k = &f.key;
        if k.proto != 6 && k.proto != 17 {
            continue;
        }
        let t = &f.traffic;
        let packets = t.packets_ab.saturating_add(t.packets_ba);
        let bytes = t.bytes_ab.saturating_add(t.bytes_ba);
        if packets < th.port_min_packets
            || (k.proto == 6 && (t.packets_ab == 0 || t.packets_ba == 0))
        {
            continue;
        }
        let port = service_port(k.a_port, k.b_port);
        let (server, client) = if k.b_port == port {
            (k.b, k.a)
        } else {
            (k.a, k.b)
        };
        let u = m.entry((k.proto, port)).or_default();
        u.flows += 1;
        u.packets = u.packets.saturating_add(packets);
        u.bytes = u.bytes.saturating_add(bytes);
        push_unique(&mut u.servers, server, 64);
        push_unique(&mut u.clients, client, 64);
        u.first_ns = Some(u.first_ns.map_or(t.first_ns, |x| x.min(t.first_ns)));
        u.last_ns = Some(u.last_ns.map_or(t.last_ns, |x| x.max(t.last_ns)));
    }
    m
}

fn port_finding(
    kind: FindingKind,
    (proto, port): (u8, u16),
    u: &PortUse,
    (name, severity, why): (&str, Severity, &str),
    th: &Thresholds,
) -> Finding {
    let mut hosts = Vec::new();
    for a in u.servers.iter().chain(u.clients.iter()) {
        push_unique(&mut hosts, *a, th.max_hosts);
    }
    let servers: Vec<String> = u.servers.iter().take(3).map(|a| a.to_string()).collect();
    let more = if u.servers.len() > 3 {
        " and others"
    } else {
        ""
    };
    let conversations = if u.flows == 1 {
        "1 conversation".to_string()
    } else {
        format!("{} conversations", u.flows)
    };
    let summary = format!(
        "{name} on {port}/{}: {conversations}, {} packets, {} with {}{more}: {why}",
        proto_name(proto),
        u.packets,
        human_bytes(u.bytes as f64),
        servers.join(", "),
    );
    Finding {
        kind,
        severity,
        hosts,
        count: u.flows,
        summary,
        filter: format!("{}.port == {port}", proto_name(proto)),
        first_ns: u.first_ns,
        last_ns: u.last_ns,
        metrics: metrics(&[
            ("port", f64::from(port)),
            ("packets", u.packets as f64),
            ("bytes", u.bytes as f64),
            ("servers", u.servers.len() as f64),
            ("clients", u.clients.len() as f64),
        ]),
    }
}

/// Traffic to ports used by backdoors, command-and-control, Tor and exposed remote access
/// ([`UNUSUAL_PORTS`], with their severities), and to well-known ports (below 1024) that are
/// rarely used ([`COMMON_WELL_KNOWN_PORTS`]; `info`). One finding per transport and service
/// port ([`crate::stats::service_port`]), counting the conversations that were used
/// ([`PORT_MIN_PACKETS`] packets, both ways for TCP: a scan is another finding). Protocols in
/// [`CLEARTEXT_PORTS`] are left to [`cleartext_protocols`].
pub fn unusual_ports(flows: &[Flow], th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let mut out = Vec::new();
    for ((proto, port), u) in port_uses(flows, &th) {
        if lookup(CLEARTEXT_PORTS, proto, port).is_some() {
            continue;
        }
        let (name, severity, why) = match lookup(UNUSUAL_PORTS, proto, port) {
            Some((_, _, _, name, sev, why)) => (*name, *sev, *why),
            None if port < 1024 && !COMMON_WELL_KNOWN_PORTS.contains(&port) => (
                "a rarely used well-known port",
                Severity::Info,
                "no common service uses it",
            ),
            None => continue,
        };
        out.push(port_finding(
            FindingKind::UnusualPort,
            (proto, port),
            &u,
            (name, severity, why),
            &th,
        ));
    }
    cap_findings(out, th.max_findings_per_kind)
}

/// Conversations of protocols that carry credentials or content in clear text, by service
/// port ([`CLEARTEXT_PORTS`], with their severities): telnet, r-services, FTP, POP3, IMAP,
/// SNMP, TFTP, VNC, HTTP, SMTP, LDAP. The decoder does not look inside HTTP requests for
/// Basic authentication, nor see a STARTTLS upgrade, so this is by port: one finding per
/// protocol and port, counting the used conversations ([`PORT_MIN_PACKETS`]).
pub fn cleartext_protocols(flows: &[Flow], th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let mut out = Vec::new();
    for ((proto, port), u) in port_uses(flows, &th) {
        let Some((_, _, _, name, severity, why)) = lookup(CLEARTEXT_PORTS, proto, port) else {
            continue;
        };
        out.push(port_finding(
            FindingKind::CleartextProtocol,
            (proto, port),
            &u,
            (name, *severity, why),
            &th,
        ));
    }
    cap_findings(out, th.max_findings_per_kind)
}

// ---------------------------------------------------------------------------------------------
// dns-failures

/// Bursts of failed DNS lookups: runs of consecutive buckets of `series` in each of which at
/// least [`DNS_BUCKET_MIN_FAILURES`] responses failed and at least [`DNS_MIN_FAILURE_RATIO`]
/// of the responses failed, one finding per run. Without any burst, a capture in which at
/// least [`DNS_MIN_FAILURES`] responses failed, at least [`DNS_MIN_FAILURE_RATIO`] of them,
/// gives one finding over the whole series (a resolver failing steadily). `clients` (the
/// clients with the most failures, [`crate::health::dns::DnsTracker::top_failing_clients`])
/// become the hosts of every finding.
pub fn dns_failures(
    series: &DnsFailureSeries,
    clients: &[ClientFailures],
    time_zero_ns: Option<i64>,
    th: &Thresholds,
) -> Vec<Finding> {
    let th = th.sanitized();
    let width = series.bucket_ns.max(1);
    let failing = |failures: u64, responses: u64| {
        failures as f64 >= th.dns_min_failure_ratio * responses as f64
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, b) in series.buckets.iter().enumerate() {
        let hot =
            b.failures >= th.dns_bucket_min_failures.max(1) && failing(b.failures, b.responses);
        if !hot {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.1 + 1 == i => r.1 = i,
            _ => runs.push((i, i)),
        }
    }
    let mut burst = true;
    if runs.is_empty() {
        let failures = series
            .buckets
            .iter()
            .fold(0u64, |a, b| a.saturating_add(b.failures));
        let responses = series
            .buckets
            .iter()
            .fold(0u64, |a, b| a.saturating_add(b.responses));
        let first = series.buckets.iter().position(|b| b.failures > 0);
        let last = series.buckets.iter().rposition(|b| b.failures > 0);
        if let (Some(a), Some(b)) = (first, last) {
            if failures >= th.dns_min_failures.max(1) && failing(failures, responses) {
                runs.push((a, b));
                burst = false;
            }
        }
    }
    let hosts: Vec<IpAddr> = clients.iter().take(th.max_hosts).map(|c| c.addr).collect();
    let mut out = Vec::new();
    for (a, b) in runs {
        let Some(bs) = series.buckets.get(a..=b) else {
            continue;
        };
        let sum = |f: fn(&crate::health::dns::DnsBucket) -> u64| -> u64 {
            bs.iter().fold(0u64, |acc, x| acc.saturating_add(f(x)))
        };
        let failures = sum(|x| x.failures);
        let responses = sum(|x| x.responses);
        let nxdomain = sum(|x| x.nxdomain);
        let servfail = sum(|x| x.servfail);
        let start = bs.first().map_or(0, |x| x.start_ns);
        let end = bs.last().map_or(0, |x| x.start_ns).saturating_add(width);
        let severity =
            if failures >= 100 || (failures >= 20 && servfail.saturating_mul(2) > failures) {
                Severity::High
            } else if failures >= 20 {
                Severity::Medium
            } else {
                Severity::Low
            };
        let mut summary = if burst {
            format!(
                "Burst of DNS failures{}: {failures} of {responses} responses failed within {}",
                at(start, time_zero_ns),
                human_secs(end.saturating_sub(start) as f64 / 1e9)
            )
        } else {
            format!("DNS failing throughout: {failures} of {responses} responses failed")
        };
        let _ = write!(
            summary,
            " ({nxdomain} NXDOMAIN, {servfail} SERVFAIL, {} other)",
            failures.saturating_sub(nxdomain).saturating_sub(servfail)
        );
        if let Some(c) = clients.first() {
            let _ = write!(
                summary,
                "; most for {} ({} failures in the capture)",
                c.addr, c.failures
            );
        }
        let mut filter = "dns.flags.response == 1 && dns.flags.rcode != 0".to_string();
        if burst {
            if let Some(t) = time_filter(start, end, time_zero_ns) {
                filter = format!("{filter} && {t}");
            }
        }
        out.push(Finding {
            kind: FindingKind::DnsFailures,
            severity,
            hosts: hosts.clone(),
            count: failures,
            summary,
            filter,
            first_ns: Some(start),
            last_ns: Some(end),
            metrics: metrics(&[
                ("responses", responses as f64),
                ("failures", failures as f64),
                ("nxdomain", nxdomain as f64),
                ("servfail", servfail as f64),
                (
                    "failure_ratio",
                    if responses > 0 {
                        failures as f64 / responses as f64
                    } else {
                        0.0
                    },
                ),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::decode::{IpPair, Proto, Protocols};
    use crate::filter::{compile, EvalContext, NoNames};
    use crate::health::dns::DnsBucket;
    use crate::health::testing::assert_sane;
    use crate::stats::{FlowKey, Traffic};
    use std::net::{Ipv4Addr, Ipv6Addr};

    const S: i64 = 1_000_000_000;
    const T0: i64 = 1_700_000_000 * S;

    /// A small deterministic generator (xorshift64*), for noise and jitter.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        /// Uniform in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Standard normal (Box-Muller).
        fn normal(&mut self) -> f64 {
            let u = self.unit().max(1e-12);
            let v = self.unit();
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    fn flat(n: usize, bytes: u64, packets: u64) -> Vec<SeriesPoint> {
        (0..n)
            .map(|i| SeriesPoint {
                start_ns: T0 + i as i64 * S,
                bytes,
                packets,
            })
            .collect()
    }

    #[test]
    fn a_spike_in_a_flat_series_is_found() {
        let mut s = flat(100, 10_000, 100);
        s[60].bytes = 1_000_000;
        s[60].packets = 5_000;
        let f = traffic_spikes(&s, S, Some(T0), &Thresholds::default());
        assert_sane(&f);
        assert_eq!(f.len(), 1, "{f:?}");
        let f = &f[0];
        assert_eq!(f.kind, FindingKind::TrafficSpike);
        assert_eq!(f.first_ns, Some(T0 + 60 * S));
        assert_eq!(f.last_ns, Some(T0 + 61 * S));
        assert_eq!(f.count, 5_000);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.filter,
            "frame.time_relative >= 60 && frame.time_relative < 61"
        );
        assert!(f.metrics["ratio"] >= 50.0);
        assert!(
            f.summary.contains("Traffic spike at 60.0 s"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn consecutive_spike_buckets_make_one_finding() {
        let mut s = flat(100, 10_000, 100);
        for p in &mut s[40..43] {
            p.bytes = 80_000;
            p.packets = 700;
        }
        let f = traffic_spikes(&s, S, Some(T0 + S / 2), &Thresholds::default());
        assert_sane(&f);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].count, 2_100);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].metrics["buckets"], 3.0);
        assert_eq!(
            f[0].filter,
            "frame.time_relative >= 39.5 && frame.time_relative < 42.5"
        );
    }

    #[test]
    fn no_spike_in_noise() {
        let mut rng = Rng(7);
        let uniform: Vec<SeriesPoint> = (0..1_000)
            .map(|i| SeriesPoint {
                start_ns: T0 + i * S,
                bytes: 5_000 + rng.next() % 10_000,
                packets: 50 + rng.next() % 100,
            })
            .collect();
        assert_eq!(
            traffic_spikes(&uniform, S, Some(T0), &Thresholds::default()),
            vec![]
        );
        let normal: Vec<SeriesPoint> = (0..1_000)
            .map(|i| SeriesPoint {
                start_ns: T0 + i * S,
                bytes: (100_000.0 + 20_000.0 * rng.normal()).max(0.0) as u64,
                packets: (1_000.0 + 200.0 * rng.normal()).max(0.0) as u64,
            })
            .collect();
        assert_eq!(
            traffic_spikes(&normal, S, Some(T0), &Thresholds::default()),
            vec![]
        );
        // Mostly idle, a few packets now and then: nothing is a spike.
        let sparse: Vec<SeriesPoint> = (0..500)
            .map(|i| SeriesPoint {
                start_ns: T0 + i * S,
                bytes: if i % 17 == 0 { 600 } else { 0 },
                packets: if i % 17 == 0 { 6 } else { 0 },
            })
            .collect();
        assert_eq!(
            traffic_spikes(&sparse, S, Some(T0), &Thresholds::default()),
            vec![]
        );
    }

    #[test]
    fn spikes_from_a_timeline_view() {
        let mut t = crate::stats::Timeline::default();
        for i in 0..200i64 {
            let n = if i == 150 { 2_000 } else { 100 };
            for k in 0..n {
                t.add(T0 + i * S + k * 1000, 100, crate::stats::TrafficClass::Udp);
            }
        }
        let view = t.view();
        let series = series_from_timeline(&view);
        assert_eq!(series.len(), view.buckets.len());
        let f = traffic_spikes(&series, view.bucket_ns, Some(T0), &Thresholds::default());
        assert_sane(&f);
        assert_eq!(f.len(), 1);
        assert!(f[0].first_ns.unwrap() <= T0 + 150 * S && f[0].last_ns.unwrap() > T0 + 150 * S);
    }

    /// A TCP SYN from `src`:`sport` to `dst`:`dport`.
    fn syn(ts: i64, src: IpAddr, sport: u16, dst: IpAddr, dport: u16, seq: u32) -> PacketRecord {
        let mut p = Protocols::default();
        for x in [Proto::Ethernet, Proto::Ipv4, Proto::Tcp] {
            p.insert(x);
        }
        PacketRecord {
            ts_ns: ts,
            protocols: p,
            ip: Some(IpPair { src, dst }),
            ip_proto: 6,
            src_port: sport,
            dst_port: dport,
            tcp: Some(TcpInfo {
                flags: TcpInfo::SYN,
                seq,
                ..TcpInfo::default()
            }),
            ..PacketRecord::default()
        }
    }

    fn udp(ts: i64, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> PacketRecord {
        let mut p = Protocols::default();
        for x in [Proto::Ethernet, Proto::Ipv4, Proto::Udp] {
            p.insert(x);
        }
        PacketRecord {
            ts_ns: ts,
            protocols: p,
            ip: Some(IpPair { src, dst }),
            ip_proto: 17,
            src_port: sport,
            dst_port: dport,
            ..PacketRecord::default()
        }
    }

    #[test]
    fn a_30_second_beacon_with_1_second_jitter_is_found() {
        let (c, srv) = (v4(10, 0, 0, 5), v4(203, 0, 113, 7));
        let mut rng = Rng(42);
        let mut tr = BeaconTracker::new();
        let mut t = T0;
        let mut n = 0;
        while t < T0 + 20 * 60 * S {
            n += 1;
            // Each connection: a SYN, retransmitted once a second later (not a new session),
            // plus unrelated chatter from another host.
            tr.push(&syn(t, c, 40_000 + n, srv, 443, n.into()));
            tr.push(&syn(t + S, c, 40_000 + n, srv, 443, n.into()));
            tr.push(&syn(t + 7 * S, v4(10, 0, 0, 6), 50_000 + n, srv, 443, 9));
            t += 30 * S + (rng.normal() * S as f64) as i64;
        }
        let series = tr.series(2);
        let mine: Vec<_> = series.iter().filter(|s| s.src == c).collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].total, u64::from(n));
        let f = beaconing(&series, &Thresholds::default());
        assert_sane(&f);
        let f: Vec<_> = f.iter().filter(|f| f.hosts[0] == c).collect();
        assert_eq!(f.len(), 1, "{f:?}");
        let f = f[0];
        assert_eq!(f.kind, FindingKind::Beaconing);
        assert_eq!(f.hosts, vec![c, srv]);
        assert_eq!(f.count, u64::from(n));
        assert!((f.metrics["period_s"] - 30.0).abs() < 0.5, "{f:?}");
        let j = f.metrics["jitter_s"];
        assert!((0.6..1.5).contains(&j), "jitter {j}");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.filter,
            "ip.addr == 10.0.0.5 && ip.addr == 203.0.113.7 && tcp.port == 443"
        );
        assert!(
            f.summary.contains(&format!("on 443/tcp {n} times, every ")),
            "{}",
            f.summary
        );
    }

    #[test]
    fn beacon_stats_of_uniform_jitter() {
        // Each beacon up to 1 s early or late around a 30 s grid.
        let mut rng = Rng(3);
        let starts: Vec<i64> = (0..40)
            .map(|i| i * 30 * S + ((rng.unit() * 2.0 - 1.0) * S as f64) as i64)
            .collect();
        let st = beacon_stats(&starts, BEACON_TOLERANCE).unwrap();
        assert_eq!(st.intervals, 39);
        assert!((st.period_s - 30.0).abs() < 0.5);
        assert!(st.jitter_s > 0.3 && st.jitter_s < 1.5, "{st:?}");
        assert_eq!(st.regular_share, 1.0);
        assert_eq!(beacon_stats(&[5], 0.2), None);
        assert_eq!(beacon_stats(&[], 0.2), None);
    }

    #[test]
    fn random_times_are_not_a_beacon() {
        let mut rng = Rng(99);
        let (c, srv) = (v4(10, 0, 0, 5), v4(198, 51, 100, 1));
        let mut series = Vec::new();
        for trial in 0..50 {
            // Poisson arrivals, one every 30 s on average, over 20 minutes.
            let mut t = T0;
            let mut starts = Vec::new();
            while t < T0 + 20 * 60 * S {
                starts.push(t);
                t += (-(rng.unit().max(1e-9)).ln() * 30.0 * S as f64) as i64 + S;
            }
            series.push(BeaconSeries {
                src: c,
                dst: srv,
                proto: 6,
                port: 1000 + trial,
                total: starts.len() as u64,
                first_ns: T0,
                starts: starts.clone(),
            });
            // Uniformly random times over the same span.
            let mut u: Vec<i64> = (0..40)
                .map(|_| T0 + (rng.unit() * 1200.0 * S as f64) as i64)
                .collect();
            u.sort_unstable();
            series.push(BeaconSeries {
                src: c,
                dst: srv,
                proto: 17,
                port: 2000 + trial,
                total: 40,
                first_ns: T0,
                starts: u,
            });
        }
        assert_eq!(beaconing(&series, &Thresholds::default()), vec![]);
    }

    #[test]
    fn udp_sessions_start_after_silence_and_only_towards_the_service() {
        let (c, srv) = (v4(192, 168, 1, 20), v4(192, 168, 1, 1));
        let mut tr = BeaconTracker::new();
        for i in 0..12i64 {
            let t = T0 + i * 60 * S;
            // A request, its reply, and a second request within the same second.
            tr.push(&udp(t, c, 50_000, srv, 5_000));
            tr.push(&udp(t + S / 10, srv, 5_000, c, 50_000));
            tr.push(&udp(t + S / 5, c, 50_000, srv, 5_000));
            // Multicast announcements are never a beacon.
            tr.push(&udp(t, c, 5353, v4(224, 0, 0, 251), 5353));
        }
        let s = tr.series(1);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(
            (s[0].src, s[0].dst, s[0].port, s[0].total),
            (c, srv, 5_000, 12)
        );
        let f = beaconing(&s, &Thresholds::default());
        assert_sane(&f);
        assert_eq!(f.len(), 1);
        // A local destination.
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].metrics["period_s"], 60.0);
        assert_eq!(f[0].metrics["jitter_s"], 0.0);
        assert_eq!(
            f[0].filter,
            "ip.addr == 192.168.1.20 && ip.addr == 192.168.1.1 && udp.port == 5000"
        );
    }

    #[test]
    fn the_pair_table_is_bounded_and_scans_do_not_crowd_out_beacons() {
        let mut tr = BeaconTracker::new();
        let scanner = v4(10, 9, 9, 9);
        let beacon = (v4(10, 0, 0, 5), v4(203, 0, 113, 80));
        for i in 0..40i64 {
            // 1,000 scanned hosts per round, then the beacon.
            for k in 0..1_000u32 {
                let d = IpAddr::V4(Ipv4Addr::from(0x0a14_0000 + (i as u32) * 1_000 + k));
                tr.push(&syn(T0 + i * 30 * S, scanner, 40_000, d, 22, k));
            }
            tr.push(&syn(
                T0 + i * 30 * S + S,
                beacon.0,
                30_000 + i as u16,
                beacon.1,
                8443,
                1,
            ));
            assert!(tr.pairs() <= BEACON_MAX_PAIRS);
        }
        let s = tr.series(BEACON_MIN_INTERVALS + 1);
        let b: Vec<_> = s.iter().filter(|s| s.src == beacon.0).collect();
        assert_eq!(b.len(), 1);
        assert!(b[0].starts.len() >= 30, "{}", b[0].starts.len());
        assert!(b[0].starts.len() <= BEACON_RING);
        let f = beaconing(&s, &Thresholds::default());
        assert!(f.iter().any(|f| f.hosts == vec![beacon.0, beacon.1]));
    }

    fn flow(proto: u8, a: IpAddr, ap: u16, b: IpAddr, bp: u16, ab: u64, ba: u64) -> Flow {
        Flow {
            key: FlowKey {
                proto,
                a,
                a_port: ap,
                b,
                b_port: bp,
            },
            traffic: Traffic {
                packets_ab: ab,
                bytes_ab: ab * 100,
                packets_ba: ba,
                bytes_ba: ba * 1000,
                first_ns: T0,
                last_ns: T0 + 10 * S,
            },
        }
    }

    #[test]
    fn unusual_ports_are_found_and_scans_and_common_ports_are_not() {
        let (c, s, x) = (v4(10, 0, 0, 5), v4(198, 51, 100, 4), v4(10, 0, 0, 99));
        let flows = vec![
            flow(6, c, 51_000, s, 4444, 10, 12),
            flow(6, c, 51_001, s, 4444, 3, 2),
            // A scan: SYN and RST.
            flow(6, c, 51_002, s, 31337, 1, 1),
            flow(6, c, 51_003, s, 443, 50, 60),
            flow(17, c, 51_004, x, 7, 5, 5),
            flow(6, c, 51_005, s, 600, 6, 6),
            flow(6, c, 51_006, s, 23, 30, 30),
            flow(17, c, 51_007, x, 53, 2, 2),
            // IPv6 to a Tor port.
            flow(
                6,
                IpAddr::V6(Ipv6Addr::LOCALHOST),
                9050,
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
                52_000,
                20,
                20,
            ),
        ];
        let f = unusual_ports(&flows, &Thresholds::default());
        assert_sane(&f);
        let ports: Vec<(u16, Severity, u64)> = f
            .iter()
            .map(|f| (f.metrics["port"] as u16, f.severity, f.count))
            .collect();
        assert_eq!(
            ports,
            vec![
                (4444, Severity::High, 2),
                (9050, Severity::Medium, 1),
                (7, Severity::Low, 1),
                (600, Severity::Info, 1),
            ]
        );
        assert_eq!(f[0].hosts, vec![s, c]);
        assert_eq!(f[0].filter, "tcp.port == 4444");
        assert_eq!(f[2].filter, "udp.port == 7");
        assert!(f[0].summary.contains("Metasploit"), "{}", f[0].summary);
        assert!(f.iter().all(|f| f.kind == FindingKind::UnusualPort));
    }

    #[test]
    fn cleartext_protocols_are_found_by_port() {
        let (c, s) = (v4(10, 0, 0, 5), v4(10, 0, 0, 1));
        let flows = vec![
            flow(6, c, 51_000, s, 23, 40, 40),
            flow(6, s, 80, c, 51_001, 10, 10),
            flow(6, c, 51_002, s, 80, 10, 10),
            flow(6, c, 51_003, s, 21, 8, 8),
            flow(17, c, 51_004, s, 161, 2, 2),
            // Refused: not a used conversation.
            flow(6, c, 51_005, s, 110, 1, 1),
            flow(6, c, 51_006, s, 443, 100, 100),
        ];
        let f = cleartext_protocols(&flows, &Thresholds::default());
        assert_sane(&f);
        let got: Vec<(u16, Severity, u64)> = f
            .iter()
            .map(|f| (f.metrics["port"] as u16, f.severity, f.count))
            .collect();
        assert_eq!(
            got,
            vec![
                (23, Severity::High, 1),
                (21, Severity::Medium, 1),
                (161, Severity::Medium, 1),
                (80, Severity::Low, 2),
            ]
        );
        assert!(
            f[0].summary.starts_with("Telnet on 23/tcp"),
            "{}",
            f[0].summary
        );
        assert_eq!(f[0].filter, "tcp.port == 23");
        // None of them is also an unusual port.
        assert_eq!(unusual_ports(&flows, &Thresholds::default()), vec![]);
    }

    fn dns_series(per_bucket: impl Fn(usize) -> (u64, u64, u64)) -> DnsFailureSeries {
        DnsFailureSeries {
            bucket_ns: S,
            buckets: (0..600)
                .map(|i| {
                    let (responses, nx, sf) = per_bucket(i);
                    DnsBucket {
                        start_ns: T0 + i as i64 * S,
                        responses,
                        failures: nx + sf,
                        nxdomain: nx,
                        servfail: sf,
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn a_burst_of_nxdomain_is_found() {
        let s = dns_series(|i| {
            if (300..305).contains(&i) {
                (10, 8, 0)
            } else if i % 50 == 0 {
                (10, 1, 0)
            } else {
                (10, 0, 0)
            }
        });
        let clients = [ClientFailures {
            addr: v4(10, 0, 0, 5),
            failures: 52,
        }];
        let f = dns_failures(&s, &clients, Some(T0), &Thresholds::default());
        assert_sane(&f);
        assert_eq!(f.len(), 1, "{f:?}");
        let f = &f[0];
        assert_eq!(f.kind, FindingKind::DnsFailures);
        assert_eq!(f.count, 40);
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.hosts, vec![v4(10, 0, 0, 5)]);
        assert_eq!(
            (f.first_ns, f.last_ns),
            (Some(T0 + 300 * S), Some(T0 + 305 * S))
        );
        assert_eq!(
            f.filter,
            "dns.flags.response == 1 && dns.flags.rcode != 0 && frame.time_relative >= 300 && frame.time_relative < 305"
        );
        assert!(f.summary.contains("40 NXDOMAIN"), "{}", f.summary);
    }

    #[test]
    fn occasional_failures_are_not_a_burst() {
        let s = dns_series(|i| if i % 7 == 0 { (10, 1, 1) } else { (10, 0, 0) });
        assert_eq!(
            dns_failures(&s, &[], Some(T0), &Thresholds::default()),
            vec![]
        );
        assert_eq!(
            dns_failures(
                &DnsFailureSeries::default(),
                &[],
                None,
                &Thresholds::default()
            ),
            vec![]
        );
    }

    #[test]
    fn a_steadily_failing_resolver_is_one_finding() {
        let s = dns_series(|i| if i % 2 == 0 { (2, 0, 2) } else { (0, 0, 0) });
        let f = dns_failures(&s, &[], Some(T0), &Thresholds::default());
        assert_sane(&f);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].count, 600);
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].summary.starts_with("DNS failing throughout"),
            "{}",
            f[0].summary
        );
        assert_eq!(
            f[0].filter,
            "dns.flags.response == 1 && dns.flags.rcode != 0"
        );
    }

    #[test]
    fn kinds_and_severities_serialize_as_the_contract_says() {
        for k in FindingKind::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
        let names: Vec<&str> = FindingKind::ALL.iter().map(|k| k.name()).collect();
        for want in [
            "port-scan",
            "host-scan",
            "brute-force",
            "failed-connections",
            "beaconing",
            "traffic-spike",
            "unusual-port",
            "cleartext-protocol",
            "retransmissions",
            "rtt-outlier",
            "dns-failures",
        ] {
            assert!(names.contains(&want), "{want}");
        }
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
        assert!(Severity::Info < Severity::Low && Severity::Medium < Severity::High);
        let t: Thresholds = serde_json::from_str("{\"spike_z\": 3.5}").unwrap();
        assert_eq!(t.spike_z, 3.5);
        assert_eq!(t.spike_window, SPIKE_WINDOW);
        let back: Thresholds =
            serde_json::from_str(&serde_json::to_string(&Thresholds::default()).unwrap()).unwrap();
        assert_eq!(back, Thresholds::default());
        let bad = Thresholds {
            spike_z: f64::NAN,
            beacon_tolerance: -1.0,
            spike_window: 0,
            ..Thresholds::default()
        }
        .sanitized();
        assert_eq!(bad, Thresholds::default());
    }

    #[test]
    fn filters_select_the_packets_behind_the_finding() {
        let (c, srv) = (v4(10, 0, 0, 5), v4(203, 0, 113, 7));
        let series = vec![BeaconSeries {
            src: c,
            dst: srv,
            proto: 6,
            port: 443,
            starts: (0..20).map(|i| T0 + i * 30 * S).collect(),
            total: 20,
            first_ns: T0,
        }];
        let f = beaconing(&series, &Thresholds::default());
        let filter = compile(&f[0].filter).unwrap();
        let ctx = EvalContext {
            number: 1,
            first_ts_ns: Some(T0),
            names: &NoNames,
        };
        assert!(filter.matches(&syn(T0, c, 40_000, srv, 443, 1), &ctx));
        assert!(!filter.matches(&syn(T0, c, 40_000, srv, 80, 1), &ctx));
        assert!(!filter.matches(&syn(T0, c, 40_000, v4(1, 1, 1, 1), 443, 1), &ctx));
        // A spike's window.
        let mut s = flat(100, 10_000, 100);
        s[60].packets = 5_000;
        let f = traffic_spikes(&s, S, Some(T0), &Thresholds::default());
        let filter = compile(&f[0].filter).unwrap();
        assert!(filter.matches(&udp(T0 + 60 * S, c, 1, srv, 2), &ctx));
        assert!(filter.matches(&udp(T0 + 61 * S - 1, c, 1, srv, 2), &ctx));
        assert!(!filter.matches(&udp(T0 + 61 * S, c, 1, srv, 2), &ctx));
        assert!(!filter.matches(&udp(T0 + 60 * S - 1, c, 1, srv, 2), &ctx));
    }

    #[test]
    fn helpers() {
        assert_eq!(filter_secs(0), "0");
        assert_eq!(filter_secs(-500_000_000), "-0.5");
        assert_eq!(filter_secs(3_000_000_001), "3.000000001");
        assert_eq!(filter_secs(i64::MIN), "-9223372036.854775808");
        assert!(compile(&format!(
            "frame.time_relative >= {} && frame.time_relative < {}",
            filter_secs(i64::MIN),
            filter_secs(i64::MAX)
        ))
        .is_ok());
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0), "3.0 MiB");
        assert_eq!(human_secs(0.25), "250 ms");
        assert_eq!(human_secs(30.04), "30.0 s");
        assert_eq!(human_secs(600.0), "10.0 min");
        assert!(is_local(&v4(192, 168, 0, 1)));
        assert!(is_local(&v4(100, 64, 1, 1)));
        assert!(!is_local(&v4(100, 128, 1, 1)));
        assert!(!is_local(&v4(8, 8, 8, 8)));
        assert!(is_local(&"fd00::1".parse().unwrap()));
        assert!(is_local(&"fe80::1".parse().unwrap()));
        assert!(!is_local(&"2001:db8::1".parse().unwrap()));
        let mut v = vec![3.0, 1.0, 2.0, 10.0];
        assert_eq!(median(&mut v), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}

/// Detectors never panic, never produce a NaN or an infinity, and always write filters that
/// compile, whatever their input.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod props {
    use super::*;
    use crate::health::dns::DnsBucket;
    use crate::health::testing::check_findings as check;
    use crate::stats::{FlowKey, Traffic};
    use proptest::prelude::*;
    use std::net::Ipv6Addr;

    fn any_addr() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|v| IpAddr::V4(v.into())),
            any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
            Just(IpAddr::V4([10, 0, 0, 1].into())),
        ]
    }

    fn any_thresholds() -> impl Strategy<Value = Thresholds> {
        (
            0usize..50,
            any::<f64>(),
            any::<f64>(),
            0u64..1000,
            any::<f64>(),
            any::<f64>(),
            0u64..20,
            any::<f64>(),
        )
            .prop_map(|(w, z, ratio, pk, jr, tol, fails, fr)| Thresholds {
                spike_window: w,
                spike_z: z,
                spike_min_ratio: ratio,
                spike_min_packets: pk,
                beacon_max_jitter_ratio: jr,
                beacon_tolerance: tol,
                dns_bucket_min_failures: fails,
                dns_min_failure_ratio: fr,
                ..Thresholds::default()
            })
    }

    fn small_or_any() -> impl Strategy<Value = u64> {
        prop_oneof![0u64..2_000, any::<u64>()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn spikes(
            pts in prop::collection::vec((any::<i64>(), small_or_any(), small_or_any()), 0..120),
            flat in 0u64..5_000,
            bucket_ns in any::<i64>(),
            t0 in any::<Option<i64>>(),
            th in prop_oneof![Just(Thresholds::default()), any_thresholds()],
        ) {
            let series: Vec<SeriesPoint> = pts
                .iter()
                .map(|&(start_ns, bytes, packets)| SeriesPoint { start_ns, bytes, packets })
                .collect();
            check(&traffic_spikes(&series, bucket_ns, t0, &th))?;
            // A flat series with the arbitrary points appended.
            let mut s2: Vec<SeriesPoint> = (0..40)
                .map(|i| SeriesPoint { start_ns: i * 1_000, bytes: flat, packets: flat })
                .collect();
            s2.extend(series);
            check(&traffic_spikes(&s2, 1_000, t0, &th))?;
        }

        #[test]
        fn beacons(
            starts in prop::collection::vec(
                prop_oneof![any::<i64>(), (0i64..10_000).prop_map(|i| i * 1_000_000_000)],
                0..80,
            ),
            src in any_addr(),
            dst in any_addr(),
            proto in prop_oneof![Just(6u8), Just(17u8), Just(1u8), Just(58u8), any::<u8>()],
            port in any::<u16>(),
            th in prop_oneof![Just(Thresholds::default()), any_thresholds()],
        ) {
            if let Some(st) = beacon_stats(&starts, th.beacon_tolerance) {
                prop_assert!(st.period_s.is_finite() && st.jitter_s.is_finite());
                prop_assert!((0.0..=1.0).contains(&st.regular_share));
            }
            let mut sorted = starts.clone();
            sorted.sort_unstable();
            let s = BeaconSeries {
                src,
                dst,
                proto,
                port,
                total: starts.len() as u64,
                first_ns: sorted.first().copied().unwrap_or(0),
                starts: sorted,
            };
            check(&beaconing(&[s], &th))?;
            // A perfect beacon is always found with the default thresholds.
            let b = BeaconSeries {
                src,
                dst,
                proto,
                port,
                starts: (0..20).map(|i| i * 60_000_000_000).collect(),
                total: 20,
                first_ns: 0,
            };
            let f = beaconing(&[b], &Thresholds::default());
            prop_assert_eq!(f.len(), 1);
            check(&f)?;
        }

        #[test]
        fn tracker(
            recs in prop::collection::vec(
                (any::<i64>(), any_addr(), any_addr(), any::<u8>(), any::<u16>(), any::<u16>(), any::<u16>(), any::<u32>(), any::<Option<(u8, u8)>>()),
                0..200,
            ),
        ) {
            let mut tr = BeaconTracker::new();
            for (ts, src, dst, proto, sp, dp, flags, seq, icmp) in recs {
                let rec = PacketRecord {
                    ts_ns: ts,
                    ip: Some(crate::decode::IpPair { src, dst }),
                    ip_proto: proto,
                    src_port: sp,
                    dst_port: dp,
                    tcp: (proto == 6).then_some(TcpInfo { flags, seq, ..TcpInfo::default() }),
                    icmp,
                    ..PacketRecord::default()
                };
                tr.push(&rec);
            }
            for s in tr.series(1) {
                prop_assert!(s.starts.len() <= BEACON_RING);
                prop_assert!(s.starts.windows(2).all(|w| w[0] <= w[1]));
            }
            check(&beaconing(&tr.series(2), &Thresholds::default()))?;
        }

        #[test]
        fn ports(
            flows in prop::collection::vec(
                (prop_oneof![Just(6u8), Just(17u8), any::<u8>()], any_addr(), any::<u16>(), any_addr(), prop_oneof![any::<u16>(), Just(4444u16), Just(23u16), 0u16..1024], small_or_any(), small_or_any(), any::<i64>(), any::<i64>()),
                0..60,
            ),
            th in prop_oneof![Just(Thresholds::default()), any_thresholds()],
        ) {
            let flows: Vec<Flow> = flows
                .into_iter()
                .map(|(proto, a, a_port, b, b_port, ab, ba, t1, t2)| Flow {
                    key: FlowKey { proto, a, a_port, b, b_port },
                    traffic: Traffic {
                        packets_ab: ab,
                        bytes_ab: ab.wrapping_mul(3),
                        packets_ba: ba,
                        bytes_ba: ba,
                        first_ns: t1.min(t2),
                        last_ns: t1.max(t2),
                    },
                })
                .collect();
            check(&unusual_ports(&flows, &th))?;
            check(&cleartext_protocols(&flows, &th))?;
        }

        #[test]
        fn dns(
            buckets in prop::collection::vec((small_or_any(), small_or_any(), small_or_any(), small_or_any()), 0..100),
            bucket_ns in any::<i64>(),
            start in any::<i64>(),
            t0 in any::<Option<i64>>(),
            clients in prop::collection::vec((any_addr(), any::<u64>()), 0..5),
            th in prop_oneof![Just(Thresholds::default()), any_thresholds()],
        ) {
            let series = DnsFailureSeries {
                bucket_ns,
                buckets: buckets
                    .iter()
                    .enumerate()
                    .map(|(i, &(responses, failures, nxdomain, servfail))| DnsBucket {
                        start_ns: start.saturating_add((i as i64).saturating_mul(bucket_ns)),
                        responses,
                        failures,
                        nxdomain,
                        servfail,
                    })
                    .collect(),
            };
            let clients: Vec<ClientFailures> = clients
                .into_iter()
                .map(|(addr, failures)| ClientFailures { addr, failures })
                .collect();
            check(&dns_failures(&series, &clients, t0, &th))?;
        }
    }
}
