//! Findings over TCP connections: login brute force, retransmissions, slow handshakes.
//!
//! | kind | detector | input |
//! |---|---|---|
//! | `brute-force` | [`brute_force`] | connections per (client, server, port) ([`ServiceTally`], kept by the TCP analysis) |
//! | `retransmissions` | [`retransmissions`] | the same tally, summed per host pair |
//! | `rtt-outlier` | [`rtt_outliers`] | handshake RTT samples ([`crate::health::series::HealthSeries::rtt`]) |
//!
//! The decision thresholds are fields of [`Thresholds`], whose defaults are the constants
//! here. What makes a connection "short" ([`SHORT_MAX_PACKETS`], [`SHORT_MAX_BYTES`],
//! [`SHORT_MAX_NS`]) is decided once, when the connection ends during the pass, so those three
//! are fixed.
//!
//! # Severity
//!
//! - `brute-force`: `high` from five times the minimum number of connections (100 to a login
//!   service by default); `medium` below that for a login service; `low` for a web service.
//! - `retransmissions`: `high` from 20 % of the data segments retransmitted, `medium` from
//!   10 %, `low` below.
//! - `rtt-outlier`: `high` when the slow handshakes took a second or more (the median of
//!   them): that is a SYN or SYN/ACK timeout, not a slow path; `medium` when they are a
//!   minority of the server's handshakes (usually fast, sometimes very slow: a queue or an
//!   overloaded server); `low` when most of its handshakes are slow (a distant or
//!   consistently slow server).

use super::detect::{
    addr_filter, cap_findings, human_secs, median, metrics, Finding, FindingKind, Severity,
    Thresholds,
};
use super::series::{RttSample, Sampled};
use super::tcp::{Handshake, TcpConnection};
use crate::hashing::{flow_map, FlowMap};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

// ---------------------------------------------------------------------------------------------
// Thresholds

/// Connections from one client to one login service (SSH, RDP, FTP, telnet, mail, databases)
/// that can be a brute force: a person who mistypes a password tries three to five times;
/// guessing tools (hydra, medusa, ncrack) open dozens to thousands of connections.
pub const BRUTE_FORCE_MIN_CONNECTIONS: u64 = 20;
/// The same for a web port (80, 443, 8080, 8443): browsers and API clients open many short
/// connections to one server without anything being wrong (without keep-alive, one per
/// request), so it takes far more.
pub const BRUTE_FORCE_MIN_CONNECTIONS_WEB: u64 = 100;
/// Share of those connections that must be short or failed: a login attempt is a handshake,
/// a banner, one or a few password tries and a close; interactive sessions and transfers are
/// longer.
pub const BRUTE_FORCE_MIN_SHORT_SHARE: f64 = 0.8;
/// Share of the connections whose handshake must have completed: a password can be guessed
/// only at a service that answers. Connections mostly refused or unanswered are a
/// `failed-connections` finding instead.
pub const BRUTE_FORCE_MIN_ANSWERED_SHARE: f64 = 0.5;
/// Connections per minute (over the time from the first to the last, at least one minute) a
/// brute force makes: guessing tools try several passwords a second, while monitoring that
/// logs in on a schedule (a check every minute) stays below this.
pub const BRUTE_FORCE_MIN_RATE_PER_MIN: f64 = 3.0;
/// Frames (both ways) a completed connection has at most to be short: a failed SSH login
/// (key exchange, a few password tries, close) takes 20 to 40, a failed FTP or HTTP login
/// fewer; an interactive session or a transfer takes more.
pub const SHORT_MAX_PACKETS: u64 = 60;
/// Bytes (frame lengths, both ways) of a short connection at most: an SSH key exchange with
/// its host key and a few tries is 5 to 10 KiB, an RDP/TLS handshake about 10 KiB.
pub const SHORT_MAX_BYTES: u64 = 32 * 1024;
/// Duration of a short connection at most, first to last frame: servers close a failed
/// login after a few seconds (OpenSSH's `LoginGraceTime` is 2 minutes, but a failed try ends
/// at once); 30 s leaves room for slow links.
pub const SHORT_MAX_NS: i64 = 30_000_000_000;
/// Data segments (with payload or FIN, without SYN) between two hosts needed before their
/// retransmission share means anything: below a hundred, one or two losses already make
/// several per cent.
pub const RETRANS_MIN_DATA_FRAMES: u64 = 100;
/// Retransmitted data segments needed, whatever the share: a handful is ordinary.
pub const RETRANS_MIN_COUNT: u64 = 10;
/// Share of data segments retransmitted that makes a finding: loss on the Internet and busy
/// links usually stays below 1-2 %, and TCP's throughput falls with the square root of the
/// loss rate (Mathis et al.), so past 5 % a connection is visibly slow and the path or a
/// host is in trouble.
pub const RETRANS_MIN_SHARE: f64 = 0.05;
/// How many times the capture's median handshake RTT makes a handshake an outlier: paths and
/// servers vary by a factor of two or three from one connection to the next (jitter, a busy
/// moment); five times is another path, a queue, or a struggling server.
pub const RTT_OUTLIER_FACTOR: f64 = 5.0;
/// How far above the median (ms) an outlier must also be: on a LAN the median is below a
/// millisecond, and five times that is still nothing a person notices; 50 ms is the RTT of a
/// long continental path.
pub const RTT_OUTLIER_FLOOR_MS: f64 = 50.0;
/// Handshakes in the capture needed for a median to compare with.
pub const RTT_OUTLIER_MIN_SAMPLES: usize = 20;
/// Slow handshakes with one server needed for a finding: one or two are chance (a lost SYN/ACK
/// on a busy Wi-Fi).
pub const RTT_OUTLIER_MIN_CONNECTIONS: usize = 3;
/// Median RTT of a server's slow handshakes (µs) from which the finding is `high`: a second
/// is TCP's initial retransmission timeout (RFC 6298), so these handshakes lost a SYN or a
/// SYN/ACK.
pub const RTT_OUTLIER_HIGH_US: f64 = 1_000_000.0;

/// (client, server, port) entries the tally keeps: about 2 MiB when full.
pub const SERVICE_TALLY_MAX: usize = 16_384;

// ---------------------------------------------------------------------------------------------
// The tally

/// Connections from one client to one service (server address and port), summed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServiceStats {
    /// The client.
    pub client: IpAddr,
    /// The server.
    pub server: IpAddr,
    /// The server's port.
    pub port: u16,
    /// Connections.
    pub connections: u64,
    /// Connections whose handshake completed.
    pub completed: u64,
    /// Connections refused, unanswered, or whose SYN/ACK was never acknowledged.
    pub failed: u64,
    /// Completed connections that closed within [`SHORT_MAX_NS`] after at most
    /// [`SHORT_MAX_PACKETS`] frames and [`SHORT_MAX_BYTES`] bytes.
    pub short: u64,
    /// Data segments: frames with payload or FIN and without SYN.
    pub data_frames: u64,
    /// Data segments flagged `tcp.analysis.retransmission`.
    pub data_retransmissions: u64,
    /// Frames, both ways.
    pub packets: u64,
    /// Bytes (frame lengths), both ways.
    pub bytes: u64,
    /// First frame time of the first connection, ns since the epoch.
    pub first_ns: Option<i64>,
    /// Last frame time of the last connection.
    pub last_ns: Option<i64>,
}

impl ServiceStats {
    fn new(c: &TcpConnection) -> Self {
        ServiceStats {
            client: c.client,
            server: c.server,
            port: c.server_port,
            connections: 0,
            completed: 0,
            failed: 0,
            short: 0,
            data_frames: 0,
            data_retransmissions: 0,
            packets: 0,
            bytes: 0,
            first_ns: None,
            last_ns: None,
        }
    }

    fn add(&mut self, c: &TcpConnection) {
        self.connections += 1;
        match c.handshake {
            Handshake::Completed => {
                self.completed += 1;
                if is_short(c) {
                    self.short += 1;
                }
            }
            Handshake::Refused | Handshake::Unanswered | Handshake::Incomplete => {
                self.failed += 1;
            }
            Handshake::NoHandshake => {}
        }
        self.data_frames = self.data_frames.saturating_add(c.data_frames);
        self.data_retransmissions = self
            .data_retransmissions
            .saturating_add(c.data_retransmissions);
        let packets = c.packets_to_server.saturating_add(c.packets_to_client);
        self.packets = self.packets.saturating_add(packets);
        self.bytes = self.bytes.saturating_add(c.bytes());
        if let Some(f) = c.first_ns {
            self.first_ns = Some(self.first_ns.map_or(f, |x| x.min(f)));
        }
        if let Some(l) = c.last_ns {
            self.last_ns = Some(self.last_ns.map_or(l, |x| x.max(l)));
        }
    }

    /// Whether nothing in it can make a finding on its own yet (pruned first when full).
    fn is_minor(&self) -> bool {
        self.connections <= 2 && self.data_retransmissions == 0
    }
}

/// A completed connection that closed quickly after a few frames: the shape of a login try.
fn is_short(c: &TcpConnection) -> bool {
    let packets = c.packets_to_server.saturating_add(c.packets_to_client);
    let duration = match (c.first_ns, c.last_ns) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    c.closed
        && packets <= SHORT_MAX_PACKETS
        && c.bytes() <= SHORT_MAX_BYTES
        && duration <= SHORT_MAX_NS
}

/// Connections per (client, server, port), with bounded memory: at most
/// [`SERVICE_TALLY_MAX`] entries. When full, entries with at most two connections and no
/// retransmission are dropped (a scan makes thousands of them, and none can be a finding
/// yet); if that frees nothing, new entries are not kept ([`ServiceTally::untracked`]).
#[derive(Debug, Clone)]
pub struct ServiceTally {
    map: FlowMap<(IpAddr, IpAddr, u16), ServiceStats>,
    untracked: u64,
    pruned: bool,
    /// New entries refused since the last pruning.
    refused_since_prune: usize,
}

impl Default for ServiceTally {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceTally {
    /// An empty tally.
    pub fn new() -> Self {
        ServiceTally {
            map: flow_map(),
            untracked: 0,
            pruned: false,
            refused_since_prune: 0,
        }
    }

    /// Adds one ended (or, at report time, current) connection.
    pub fn add(&mut self, c: &TcpConnection) {
        let key = (c.client, c.server, c.server_port);
        if !self.map.contains_key(&key) && !self.make_room() {
            self.untracked += 1;
            return;
        }
        self.map
            .entry(key)
            .or_insert_with(|| ServiceStats::new(c))
            .add(c);
    }

    fn make_room(&mut self) -> bool {
        if self.map.len() < SERVICE_TALLY_MAX {
            return true;
        }
        // Pruning scans the table: at most once per eighth of a table of refused entries.
        if self.pruned && self.refused_since_prune < SERVICE_TALLY_MAX / 8 {
            self.refused_since_prune += 1;
            return false;
        }
        self.map.retain(|_, s| !s.is_minor());
        self.pruned = true;
        self.refused_since_prune = 0;
        self.map.len() < SERVICE_TALLY_MAX
    }

    /// Connections not tallied because the table was full.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// Every entry, by client, server and port.
    pub fn stats(&self) -> Vec<ServiceStats> {
        let mut v: Vec<ServiceStats> = self.map.values().copied().collect();
        v.sort_by_key(|s| (s.client, s.server, s.port));
        v
    }
}

// ---------------------------------------------------------------------------------------------
// brute-force

/// Login services by port: name, and whether it is a web port (with the higher threshold,
/// [`BRUTE_FORCE_MIN_CONNECTIONS_WEB`]).
#[rustfmt::skip]
pub const LOGIN_SERVICES: &[(u16, &str, bool)] = &[
    (21, "FTP", false),
    (22, "SSH", false),
    (2222, "SSH (port 2222)", false),
    (23, "Telnet", false),
    (2323, "Telnet (port 2323)", false),
    (25, "SMTP", false),
    (465, "SMTP submission (TLS)", false),
    (587, "SMTP submission", false),
    (110, "POP3", false),
    (995, "POP3S", false),
    (143, "IMAP", false),
    (993, "IMAPS", false),
    (389, "LDAP", false),
    (636, "LDAPS", false),
    (445, "SMB", false),
    (1433, "Microsoft SQL Server", false),
    (3306, "MySQL", false),
    (5432, "PostgreSQL", false),
    (3389, "RDP", false),
    (5900, "VNC", false),
    (5901, "VNC", false),
    (6379, "Redis", false),
    (27017, "MongoDB", false),
    (80, "HTTP", true),
    (443, "HTTPS", true),
    (8080, "HTTP (port 8080)", true),
    (8443, "HTTPS (port 8443)", true),
];

/// Many short or failed connections from one client to one login service: at least
/// [`BRUTE_FORCE_MIN_CONNECTIONS`] ([`BRUTE_FORCE_MIN_CONNECTIONS_WEB`] for a web port) to one
/// server and port of [`LOGIN_SERVICES`], of which at least [`BRUTE_FORCE_MIN_SHORT_SHARE`]
/// short or failed and at least [`BRUTE_FORCE_MIN_ANSWERED_SHARE`] completed, at
/// [`BRUTE_FORCE_MIN_RATE_PER_MIN`] connections a minute or faster.
pub fn brute_force(stats: &[ServiceStats], th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let mut out = Vec::new();
    for s in stats {
        let Some(&(_, name, web)) = LOGIN_SERVICES.iter().find(|(p, ..)| *p == s.port) else {
            continue;
        };
        let min = if web {
            th.brute_force_min_connections_web
        } else {
            th.brute_force_min_connections
        }
        .max(2);
        if s.connections < min {
            continue;
        }
        let n = s.connections as f64;
        let attempts = s.short.saturating_add(s.failed);
        let short_share = attempts as f64 / n;
        let answered_share = s.completed as f64 / n;
        let span_ns = match (s.first_ns, s.last_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a).max(0),
            _ => 0,
        };
        let minutes = (span_ns as f64 / 60e9).max(1.0);
        let rate = n / minutes;
        if short_share < th.brute_force_min_short_share
            || answered_share < th.brute_force_min_answered_share
            || rate < th.brute_force_min_rate_per_min
        {
            continue;
        }
        let severity = if s.connections >= min.saturating_mul(5) {
            Severity::High
        } else if web {
            Severity::Low
        } else {
            Severity::Medium
        };
        let summary = format!(
            "{} opened {} connections to {name} on {} port {} within {}: {} short and {} failed \
             ({:.0} %), as password guessing does",
            s.client,
            s.connections,
            s.server,
            s.port,
            human_secs(span_ns as f64 / 1e9),
            s.short,
            s.failed,
            short_share * 100.0,
        );
        out.push(Finding {
            kind: FindingKind::BruteForce,
            severity,
            hosts: vec![s.client, s.server],
            count: s.connections,
            summary,
            filter: format!(
                "{} && {} && tcp.port == {}",
                addr_filter(&s.client),
                addr_filter(&s.server),
                s.port
            ),
            first_ns: s.first_ns,
            last_ns: s.last_ns,
            metrics: metrics(&[
                ("connections", n),
                ("completed", s.completed as f64),
                ("short", s.short as f64),
                ("failed", s.failed as f64),
                ("short_share", short_share),
                ("per_minute", rate),
                ("port", f64::from(s.port)),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

// ---------------------------------------------------------------------------------------------
// retransmissions

/// A host pair's data segments and retransmissions, summed over its connections.
#[derive(Debug, Default)]
struct PairRetrans {
    data_frames: u64,
    retransmissions: u64,
    connections: u64,
    ports: Vec<u16>,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
}

/// Host pairs (client, server) with a high retransmission share: at least
/// [`RETRANS_MIN_DATA_FRAMES`] data segments, at least [`RETRANS_MIN_COUNT`] of them
/// retransmitted, and at least [`RETRANS_MIN_SHARE`] of them. Retransmitted SYNs are left
/// out (an unanswered SYN is a failed connection, not loss on a working one).
pub fn retransmissions(stats: &[ServiceStats], th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let mut pairs: BTreeMap<(IpAddr, IpAddr), PairRetrans> = BTreeMap::new();
    for s in stats {
        let p = pairs.entry((s.client, s.server)).or_default();
        p.data_frames = p.data_frames.saturating_add(s.data_frames);
        p.retransmissions = p.retransmissions.saturating_add(s.data_retransmissions);
        p.connections += s.connections;
        if s.data_retransmissions > 0 && p.ports.len() < 8 && !p.ports.contains(&s.port) {
            p.ports.push(s.port);
        }
        if let Some(f) = s.first_ns {
            p.first_ns = Some(p.first_ns.map_or(f, |x| x.min(f)));
        }
        if let Some(l) = s.last_ns {
            p.last_ns = Some(p.last_ns.map_or(l, |x| x.max(l)));
        }
    }
    let mut out = Vec::new();
    for ((client, server), p) in pairs {
        if p.data_frames < th.retrans_min_data_frames.max(1)
            || p.retransmissions < th.retrans_min_count
        {
            continue;
        }
        let share = p.retransmissions as f64 / p.data_frames as f64;
        if share < th.retrans_min_share {
            continue;
        }
        let severity = if share >= 0.2 {
            Severity::High
        } else if share >= 0.1 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let ports: Vec<String> = p.ports.iter().map(u16::to_string).collect();
        let summary = format!(
            "{:.1} % of the data segments between {client} and {server} (port {}) were \
             retransmitted: {} of {} over {} connection(s)",
            share * 100.0,
            ports.join(", "),
            p.retransmissions,
            p.data_frames,
            p.connections,
        );
        out.push(Finding {
            kind: FindingKind::Retransmissions,
            severity,
            hosts: vec![client, server],
            count: p.retransmissions,
            summary,
            filter: format!(
                "tcp.analysis.retransmission && {} && {}",
                addr_filter(&client),
                addr_filter(&server)
            ),
            first_ns: p.first_ns,
            last_ns: p.last_ns,
            metrics: metrics(&[
                ("share", share),
                ("retransmissions", p.retransmissions as f64),
                ("data_frames", p.data_frames as f64),
                ("connections", p.connections as f64),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

// ---------------------------------------------------------------------------------------------
// rtt-outlier

/// A round-trip time for people, three significant digits: `850 µs`, `2.5 ms`, `412 ms`,
/// `1.02 s`.
fn human_us(us: f64) -> String {
    let us = if us.is_finite() { us.max(0.0) } else { 0.0 };
    let (v, unit) = if us < 1e3 {
        (us, "µs")
    } else if us < 1e6 {
        (us / 1e3, "ms")
    } else {
        (us / 1e6, "s")
    };
    let decimals = if v >= 99.95 {
        0
    } else if v >= 9.995 {
        1
    } else {
        2
    };
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text} {unit}")
}

/// The RTT (µs) above which a handshake is an outlier, given the capture's median: the larger
/// of `factor` times the median and the median plus `floor_ms`.
pub fn rtt_outlier_threshold_us(median_us: f64, th: &Thresholds) -> f64 {
    let th = th.sanitized();
    (th.rtt_outlier_factor * median_us).max(median_us + th.rtt_outlier_floor_ms * 1e3)
}

/// Servers with handshakes far slower than the capture's typical one: with at least
/// [`RTT_OUTLIER_MIN_SAMPLES`] handshake RTTs in `rtt`, the handshakes above
/// [`rtt_outlier_threshold_us`] of their median ([`RTT_OUTLIER_FACTOR`] times it, and at
/// least [`RTT_OUTLIER_FLOOR_MS`] more), at least [`RTT_OUTLIER_MIN_CONNECTIONS`] of them
/// with one server. Over a subsample ([`Sampled::stride`] above 1) counts are estimates.
pub fn rtt_outliers(rtt: &Sampled<RttSample>, th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let samples = &rtt.items;
    if samples.len() < th.rtt_outlier_min_samples.max(1) {
        return Vec::new();
    }
    let mut all: Vec<f64> = samples.iter().map(|s| s.rtt_us).collect();
    let med = median(&mut all);
    let limit = rtt_outlier_threshold_us(med, &th);
    let mut per_server: BTreeMap<IpAddr, Vec<&RttSample>> = BTreeMap::new();
    for s in samples {
        per_server.entry(s.server).or_default().push(s);
    }
    let mut out = Vec::new();
    for (server, v) in per_server {
        let slow: Vec<&RttSample> = v.iter().copied().filter(|s| s.rtt_us > limit).collect();
        if slow.len() < th.rtt_outlier_min_connections.max(1) {
            continue;
        }
        let mut slow_rtt: Vec<f64> = slow.iter().map(|s| s.rtt_us).collect();
        let slow_median = median(&mut slow_rtt);
        let max = slow_rtt.iter().copied().fold(0.0, f64::max);
        let mut server_rtt: Vec<f64> = v.iter().map(|s| s.rtt_us).collect();
        let server_median = median(&mut server_rtt);
        let share = slow.len() as f64 / v.len() as f64;
        let severity = if slow_median >= RTT_OUTLIER_HIGH_US {
            Severity::High
        } else if share < 0.5 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut clients: Vec<IpAddr> = Vec::new();
        for s in &slow {
            if clients.len() + 1 < th.max_hosts.max(1) && !clients.contains(&s.client) {
                clients.push(s.client);
            }
        }
        let mut hosts = vec![server];
        hosts.extend(clients);
        let mut ports: Vec<u16> = slow.iter().map(|s| s.port).collect();
        ports.sort_unstable();
        ports.dedup();
        let ports: Vec<String> = ports.iter().take(4).map(u16::to_string).collect();
        let summary = format!(
            "{} of {} handshakes with {server} (port {}) took over {} (median of those {}, up \
             to {}), against a capture median of {}",
            rtt.scale(slow.len() as u64),
            rtt.scale(v.len() as u64),
            ports.join(", "),
            human_us(limit),
            human_us(slow_median),
            human_us(max),
            human_us(med),
        );
        out.push(Finding {
            kind: FindingKind::RttOutlier,
            severity,
            hosts,
            count: rtt.scale(slow.len() as u64),
            summary,
            filter: format!("{} && tcp.flags.syn == 1", addr_filter(&server)),
            first_ns: slow.iter().map(|s| s.ts_ns).min(),
            last_ns: slow.iter().map(|s| s.ts_ns).max(),
            metrics: metrics(&[
                ("outliers", rtt.scale(slow.len() as u64) as f64),
                ("handshakes", rtt.scale(v.len() as u64) as f64),
                ("outlier_share", share),
                ("outlier_median_us", slow_median),
                ("max_us", max),
                ("server_median_us", server_median),
                ("capture_median_us", med),
                ("threshold_us", limit),
                ("stride", rtt.stride as f64),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::health::testing::assert_sane;
    use std::net::Ipv4Addr;

    const S: i64 = 1_000_000_000;
    const T0: i64 = 1_700_000_000 * S;

    fn v4(d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, d))
    }

    /// A connection from 10.0.0.`client` to 10.0.0.`server`:`port`.
    fn conn(client: u8, server: u8, port: u16, at: i64) -> TcpConnection {
        TcpConnection {
            stream: 0,
            client: v4(client),
            client_port: 40_000,
            server: v4(server),
            server_port: port,
            client_known: true,
            handshake: Handshake::Completed,
            initial_rtt_ns: Some(1_000_000),
            syn_to_synack_ns: None,
            synack_to_ack_ns: None,
            first_ns: Some(at),
            last_ns: Some(at + 2 * S),
            packets_to_server: 12,
            bytes_to_server: 2_000,
            packets_to_client: 10,
            bytes_to_client: 3_000,
            syns: 1,
            resets: 0,
            retransmissions: 0,
            closed: true,
            first_frame: 1,
            data_frames: 8,
            data_retransmissions: 0,
        }
    }

    #[test]
    fn short_connections_to_ssh_are_a_brute_force() {
        let mut t = ServiceTally::new();
        for i in 0..30 {
            t.add(&conn(66, 10, 22, T0 + i * S));
        }
        // A few ordinary connections elsewhere.
        for i in 0..5 {
            t.add(&conn(23, 10, 22, T0 + i * 60 * S));
        }
        let th = Thresholds::default();
        let f = brute_force(&t.stats(), &th);
        assert_sane(&f);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::BruteForce);
        assert_eq!(f[0].hosts, vec![v4(66), v4(10)]);
        assert_eq!(f[0].count, 30);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].metrics["short"], 30.0);
        assert!(f[0].summary.contains("SSH"), "{}", f[0].summary);
        // Stricter thresholds: none.
        let strict = Thresholds {
            brute_force_min_connections: 31,
            ..th
        };
        assert!(brute_force(&t.stats(), &strict).is_empty());
    }

    #[test]
    fn long_sessions_slow_pollers_and_web_browsing_are_not() {
        let th = Thresholds::default();
        // Long SSH sessions: not short.
        let mut t = ServiceTally::new();
        for i in 0..30 {
            let mut c = conn(66, 10, 22, T0 + i * S);
            c.packets_to_server = 500;
            t.add(&c);
        }
        assert!(brute_force(&t.stats(), &th).is_empty());
        // A monitoring check every minute for an hour: too slow.
        let mut t = ServiceTally::new();
        for i in 0..60 {
            t.add(&conn(66, 10, 22, T0 + i * 60 * S));
        }
        assert!(brute_force(&t.stats(), &th).is_empty());
        // 50 short HTTPS connections: below the web threshold.
        let mut t = ServiceTally::new();
        for i in 0..50 {
            t.add(&conn(66, 10, 443, T0 + i * S));
        }
        assert!(brute_force(&t.stats(), &th).is_empty());
        // A port that is no login service.
        let mut t = ServiceTally::new();
        for i in 0..50 {
            t.add(&conn(66, 10, 9999, T0 + i * S));
        }
        assert!(brute_force(&t.stats(), &th).is_empty());
        // Mostly refused: failed connections, not a brute force.
        let mut t = ServiceTally::new();
        for i in 0..30 {
            let mut c = conn(66, 10, 22, T0 + i * S);
            if i >= 5 {
                c.handshake = Handshake::Refused;
            }
            t.add(&c);
        }
        assert!(brute_force(&t.stats(), &th).is_empty());
    }

    #[test]
    fn web_brute_force_needs_many_more() {
        let mut t = ServiceTally::new();
        for i in 0..120 {
            t.add(&conn(66, 10, 443, T0 + i * S / 2));
        }
        let f = brute_force(&t.stats(), &Thresholds::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn a_lossy_pair_is_a_retransmission_finding() {
        let mut t = ServiceTally::new();
        let mut c = conn(23, 80, 80, T0);
        c.data_frames = 200;
        c.data_retransmissions = 24;
        t.add(&c);
        // A healthy pair.
        let mut ok = conn(23, 81, 443, T0);
        ok.data_frames = 10_000;
        ok.data_retransmissions = 30;
        t.add(&ok);
        // Lossy but too small.
        let mut small = conn(23, 82, 443, T0);
        small.data_frames = 40;
        small.data_retransmissions = 10;
        t.add(&small);
        let th = Thresholds::default();
        let f = retransmissions(&t.stats(), &th);
        assert_sane(&f);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].hosts, vec![v4(23), v4(80)]);
        assert_eq!(f[0].count, 24);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!((f[0].metrics["share"] - 0.12).abs() < 1e-9);
        assert!(f[0].filter.starts_with("tcp.analysis.retransmission && "));
        let lax = Thresholds {
            retrans_min_data_frames: 10,
            ..th
        };
        assert_eq!(retransmissions(&t.stats(), &lax).len(), 2);
    }

    fn rtt(frame: u64, server: u8, rtt_ms: f64) -> RttSample {
        RttSample {
            frame,
            ts_ns: T0 + frame as i64 * S,
            client: v4(23),
            server: v4(server),
            port: 443,
            rtt_us: rtt_ms * 1e3,
        }
    }

    #[test]
    fn slow_handshakes_with_one_server_are_an_outlier() {
        let mut s = Sampled::default();
        for i in 0..30 {
            s.push(rtt(i, 80 + (i % 3) as u8, 2.0 + (i % 5) as f64 * 0.5), 1024);
        }
        // Usually fast, three times very slow: medium.
        for i in 30..33 {
            s.push(rtt(i, 80, 400.0), 1024);
        }
        // Always slow: low.
        for i in 33..37 {
            s.push(rtt(i, 99, 300.0), 1024);
        }
        // Two slow: not enough.
        for i in 37..39 {
            s.push(rtt(i, 98, 900.0), 1024);
        }
        let th = Thresholds::default();
        let f = rtt_outliers(&s, &th);
        assert_sane(&f);
        assert_eq!(f.len(), 2, "{f:?}");
        let by = |d: u8| f.iter().find(|x| x.hosts[0] == v4(d)).unwrap();
        assert_eq!(by(80).count, 3);
        assert_eq!(by(80).severity, Severity::Medium);
        assert_eq!(by(99).count, 4);
        assert_eq!(by(99).severity, Severity::Low);
        assert!(
            by(80).summary.contains("capture median"),
            "{}",
            by(80).summary
        );
        // Too few samples for a median.
        let few = Thresholds {
            rtt_outlier_min_samples: 100,
            ..th
        };
        assert!(rtt_outliers(&s, &few).is_empty());
        // The threshold: max(5 x median, median + 50 ms).
        assert_eq!(rtt_outlier_threshold_us(1_000.0, &th), 51_000.0);
        assert_eq!(rtt_outlier_threshold_us(100_000.0, &th), 500_000.0);
        assert_eq!(human_us(850.0), "850 µs");
        assert_eq!(human_us(2_500.0), "2.5 ms");
        assert_eq!(human_us(412_000.0), "412 ms");
        assert_eq!(human_us(1_020_000.0), "1.02 s");
        assert_eq!(human_us(f64::NAN), "0 µs");
    }

    #[test]
    fn timeouts_are_high() {
        let mut s = Sampled::default();
        for i in 0..30 {
            s.push(rtt(i, 80, 20.0), 1024);
        }
        for i in 30..34 {
            s.push(rtt(i, 81, 1_020.0), 1024);
        }
        let f = rtt_outliers(&s, &Thresholds::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn the_tally_is_bounded() {
        let mut t = ServiceTally::new();
        // A scan: one connection per port, far more than the table holds.
        for p in 0..(SERVICE_TALLY_MAX as u32 + 1_000) {
            let mut c = conn(66, 10, (p % 60_000) as u16, T0);
            c.server = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + p));
            t.add(&c);
        }
        assert!(t.stats().len() <= SERVICE_TALLY_MAX);
        // A brute force after it is still counted (the scan's entries were pruned).
        for i in 0..30 {
            t.add(&conn(66, 10, 22, T0 + i * S));
        }
        let f = brute_force(&t.stats(), &Thresholds::default());
        assert_eq!(f.len(), 1);
        assert!(t.stats().len() <= SERVICE_TALLY_MAX);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used)]
mod props {
    use super::*;
    use crate::health::testing::check_findings as check;
    use proptest::prelude::*;
    use std::net::Ipv6Addr;

    fn any_addr() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            (0u8..4).prop_map(|v| IpAddr::V4([10, 0, 0, v].into())),
            any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
        ]
    }

    fn any_thresholds() -> impl Strategy<Value = Thresholds> {
        (
            any::<u64>(),
            any::<f64>(),
            any::<f64>(),
            any::<f64>(),
            any::<u64>(),
            any::<f64>(),
            any::<f64>(),
            any::<f64>(),
        )
            .prop_map(
                |(n, share, answered, rate, frames, rs, k, floor)| Thresholds {
                    brute_force_min_connections: n % 50,
                    brute_force_min_short_share: share,
                    brute_force_min_answered_share: answered,
                    brute_force_min_rate_per_min: rate,
                    retrans_min_data_frames: frames % 500,
                    retrans_min_share: rs,
                    rtt_outlier_factor: k,
                    rtt_outlier_floor_ms: floor,
                    rtt_outlier_min_samples: 1,
                    ..Thresholds::default()
                },
            )
    }

    fn any_stats() -> impl Strategy<Value = ServiceStats> {
        (
            any_addr(),
            any_addr(),
            prop_oneof![Just(22u16), Just(443u16), any::<u16>()],
            any::<[u16; 4]>(),
            any::<(u64, u64)>(),
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<i64>()),
        )
            .prop_map(
                |(client, server, port, c, (df, dr), first, last)| ServiceStats {
                    client,
                    server,
                    port,
                    connections: u64::from(c[0]),
                    completed: u64::from(c[1]),
                    failed: u64::from(c[2]),
                    short: u64::from(c[3]),
                    data_frames: df,
                    data_retransmissions: dr,
                    packets: df,
                    bytes: dr,
                    first_ns: first,
                    last_ns: last,
                },
            )
    }

    proptest! {
        #[test]
        fn connection_detectors_never_panic_and_stay_finite(
            stats in proptest::collection::vec(any_stats(), 0..40),
            rtts in proptest::collection::vec((any_addr(), any::<f64>(), any::<i64>()), 0..80),
            th in prop_oneof![Just(Thresholds::default()), any_thresholds()],
        ) {
            check(&brute_force(&stats, &th))?;
            check(&retransmissions(&stats, &th))?;
            let mut s = Sampled::default();
            for (i, (server, rtt_us, ts_ns)) in rtts.into_iter().enumerate() {
                s.push(
                    RttSample { frame: i as u64 + 1, ts_ns, client: server, server, port: 443, rtt_us },
                    64,
                );
            }
            check(&rtt_outliers(&s, &th))?;
        }
    }
}
