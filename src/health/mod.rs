//! Network health: what looks wrong in a capture, computed in the one pass and over views.
//!
//! - [`tcp`]: per-connection TCP analysis with Wireshark's `tcp.analysis.*` definitions
//!   (handshakes and their RTT, retransmissions, duplicate ACKs, zero windows, resets).
//! - [`dns`]: DNS queries paired with their responses (response time, rcodes, unanswered).
//! - [`detect`]: findings over the aggregates: traffic spikes, beaconing, unusual ports and
//!   cleartext protocols, DNS failure bursts.

pub mod detect;
pub mod dns;
pub mod tcp;

use crate::decode::PacketRecord;
use crate::filter::Names;
use crate::stats::Snapshot;
use detect::{Finding, Thresholds};
use dns::{DnsSummary, DnsTracker};
use serde::{Deserialize, Serialize};
use tcp::{TcpAnalyzer, TcpSummary};

/// Names kept in the DNS summary's top lists.
const TOP_NAMES: usize = 20;
/// Clients named in a DNS failure finding.
const TOP_FAILING_CLIENTS: usize = 5;

/// Distinct ports on one host a client must try, mostly in vain, to be reported as a port
/// scan: ordinary clients open a handful of ports per server (80 and 443, a few services);
/// nmap's default scan tries 1,000.
pub const PORT_SCAN_MIN_PORTS: usize = 20;
/// Distinct hosts a client must try on one port, mostly in vain, to be a host scan (a sweep):
/// a client talking to 20 servers on one port that mostly do not answer is probing, not
/// browsing.
pub const HOST_SCAN_MIN_HOSTS: usize = 20;
/// Share of a client's attempts that must fail (refused or unanswered) for a scan: a busy
/// but legitimate client gets answers.
pub const SCAN_MIN_FAILED_SHARE: f64 = 0.6;
/// Refused or unanswered connections to one service (host and port) that make a
/// `failed-connections` finding: one or two failures are a restart or a typo; five are a
/// service that is down or a client retrying in vain.
pub const FAILED_CONNECTIONS_MIN: usize = 5;

/// Targets remembered per client, and clients remembered, for scan detection (memory bound:
/// at most about 1,024 x 4,096 targets).
const SCAN_TARGETS_PER_CLIENT: usize = 4096;
const SCAN_CLIENTS: usize = 1024;

/// Connection attempts per client: which (host, port) it sent SYNs to, and which answered
/// with SYN/ACK.
#[derive(Debug)]
struct ScanTracker {
    clients: crate::hashing::FlowMap<std::net::IpAddr, Attempts>,
}

#[derive(Debug)]
struct Attempts {
    targets: crate::hashing::FlowMap<(std::net::IpAddr, u16), bool>,
    first_ns: i64,
    last_ns: i64,
}

impl Default for ScanTracker {
    fn default() -> Self {
        ScanTracker {
            clients: crate::hashing::flow_map(),
        }
    }
}

impl ScanTracker {
    fn push(&mut self, r: &PacketRecord) {
        let (Some(t), Some(ip)) = (r.tcp, r.inner_ip()) else {
            return;
        };
        let syn = t.flags & crate::decode::TcpInfo::SYN != 0;
        let ack = t.flags & crate::decode::TcpInfo::ACK != 0;
        if syn && !ack {
            if !self.clients.contains_key(&ip.src) && self.clients.len() >= SCAN_CLIENTS {
                return;
            }
            let a = self.clients.entry(ip.src).or_insert_with(|| Attempts {
                targets: crate::hashing::flow_map(),
                first_ns: r.ts_ns,
                last_ns: r.ts_ns,
            });
            a.last_ns = a.last_ns.max(r.ts_ns);
            if a.targets.len() < SCAN_TARGETS_PER_CLIENT {
                a.targets.entry((ip.dst, r.dst_port)).or_insert(false);
            }
        } else if syn && ack {
            // The answer goes back to the client.
            if let Some(a) = self.clients.get_mut(&ip.dst) {
                if let Some(answered) = a.targets.get_mut(&(ip.src, r.src_port)) {
                    *answered = true;
                }
            }
        }
    }

    fn findings(&self) -> Vec<Finding> {
        use std::collections::{BTreeMap, BTreeSet};
        let mut out = Vec::new();
        for (client, a) in &self.clients {
            let total = a.targets.len();
            if total == 0 {
                continue;
            }
            let failed = a.targets.values().filter(|ok| !**ok).count();
            let share = failed as f64 / total as f64;
            if share < SCAN_MIN_FAILED_SHARE {
                continue;
            }
            let mut ports_per_host: BTreeMap<std::net::IpAddr, BTreeSet<u16>> = BTreeMap::new();
            let mut hosts_per_port: BTreeMap<u16, BTreeSet<std::net::IpAddr>> = BTreeMap::new();
            for (host, port) in a.targets.keys() {
                ports_per_host.entry(*host).or_default().insert(*port);
                hosts_per_port.entry(*port).or_default().insert(*host);
            }
            let mut metrics = BTreeMap::new();
            metrics.insert("failed_share".to_string(), share);
            metrics.insert("attempts".to_string(), total as f64);
            for (host, ports) in &ports_per_host {
                if ports.len() >= PORT_SCAN_MIN_PORTS {
                    let severity = if ports.len() >= 200 {
                        detect::Severity::High
                    } else {
                        detect::Severity::Medium
                    };
                    out.push(Finding {
                        kind: detect::FindingKind::PortScan,
                        severity,
                        hosts: vec![*client, *host],
                        count: ports.len() as u64,
                        summary: format!(
                            "{client} tried {} ports on {host}; {:.0}% of its connection attempts failed",
                            ports.len(),
                            share * 100.0
                        ),
                        filter: format!(
                            "ip.addr == {client} && ip.addr == {host} && tcp"
                        ),
                        first_ns: Some(a.first_ns),
                        last_ns: Some(a.last_ns),
                        metrics: metrics.clone(),
                    });
                }
            }
            for (port, hosts) in &hosts_per_port {
                if hosts.len() >= HOST_SCAN_MIN_HOSTS {
                    out.push(Finding {
                        kind: detect::FindingKind::HostScan,
                        severity: detect::Severity::Medium,
                        hosts: vec![*client],
                        count: hosts.len() as u64,
                        summary: format!(
                            "{client} tried port {port} on {} hosts; {:.0}% of its connection attempts failed",
                            hosts.len(),
                            share * 100.0
                        ),
                        filter: format!("ip.src == {client} && tcp.dstport == {port}"),
                        first_ns: Some(a.first_ns),
                        last_ns: Some(a.last_ns),
                        metrics: metrics.clone(),
                    });
                }
            }
        }
        out
    }
}

/// The health analyses, fed one frame at a time in file order during the one pass.
#[derive(Debug)]
pub struct Health {
    tcp: TcpAnalyzer,
    dns: DnsTracker,
    beacons: detect::BeaconTracker,
    scans: ScanTracker,
}

/// Everything the health analyses found, for `stats --json` and the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// Per-connection TCP analysis, capture-wide.
    pub tcp_analysis: TcpSummary,
    /// DNS queries and responses, capture-wide.
    pub dns: DnsSummary,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl Health {
    /// Empty analyses.
    pub fn new() -> Self {
        Health {
            tcp: TcpAnalyzer::new(),
            dns: DnsTracker::new(),
            beacons: detect::BeaconTracker::new(),
            scans: ScanTracker::default(),
        }
    }

    /// Feeds frame `number` (from 1); returns its `tcp.analysis.*` flags (empty when the
    /// frame has no TCP).
    #[inline]
    pub fn push(&mut self, number: u64, record: &PacketRecord) -> tcp::TcpFlags {
        let flags = self
            .tcp
            .push(number, record)
            .map(|a| a.flags)
            .unwrap_or_default();
        self.dns.push(number, record);
        self.beacons.push(record);
        self.scans.push(record);
        flags
    }

    /// The report: the analyses' summaries and the findings over them and over `snapshot`
    /// (the aggregates of the same frames). `time_zero_ns` is the first frame's time, the
    /// zero of the findings' `frame.time_relative` filters.
    pub fn report(
        &self,
        snapshot: &Snapshot,
        names: &dyn Names,
        time_zero_ns: Option<i64>,
        th: &Thresholds,
    ) -> HealthReport {
        let mut findings = self.scans.findings();
        let series = detect::series_from_timeline(&snapshot.timeline);
        findings.extend(detect::traffic_spikes(
            &series,
            snapshot.timeline.bucket_ns,
            time_zero_ns,
            th,
        ));
        findings.extend(detect::beaconing(
            &self.beacons.series(th.beacon_min_intervals + 1),
            th,
        ));
        findings.extend(detect::unusual_ports(&snapshot.flows, th));
        findings.extend(detect::cleartext_protocols(&snapshot.flows, th));
        findings.extend(detect::dns_failures(
            &self.dns.failure_series(),
            &self.dns.top_failing_clients(TOP_FAILING_CLIENTS),
            time_zero_ns,
            th,
        ));
        let tcp_analysis = self.tcp.summary();
        findings.extend(failed_connections(&tcp_analysis));
        detect::sort_findings(&mut findings);
        HealthReport {
            tcp_analysis,
            dns: self.dns.summary(names, TOP_NAMES),
            findings,
        }
    }
}

/// Services (host, port) with at least [`FAILED_CONNECTIONS_MIN`] refused or unanswered
/// connections (from [`TcpSummary::failed_connections`], which keeps the first 256).
fn failed_connections(t: &TcpSummary) -> Vec<Finding> {
    use std::collections::BTreeMap;
    let mut by_service: BTreeMap<(std::net::IpAddr, u16), Vec<&tcp::TcpConnection>> =
        BTreeMap::new();
    for c in &t.failed_connections {
        by_service
            .entry((c.server, c.server_port))
            .or_default()
            .push(c);
    }
    let mut out = Vec::new();
    for ((server, port), conns) in by_service {
        if conns.len() < FAILED_CONNECTIONS_MIN {
            continue;
        }
        let refused = conns
            .iter()
            .filter(|c| c.handshake == tcp::Handshake::Refused)
            .count();
        let mut clients: Vec<std::net::IpAddr> = conns.iter().map(|c| c.client).collect();
        clients.sort_unstable();
        clients.dedup();
        let severity = if conns.len() >= 50 {
            detect::Severity::High
        } else if conns.len() >= 20 {
            detect::Severity::Medium
        } else {
            detect::Severity::Low
        };
        let mut hosts = vec![server];
        hosts.extend(clients.iter().take(5));
        let mut metrics = BTreeMap::new();
        metrics.insert("refused".to_string(), refused as f64);
        metrics.insert("unanswered".to_string(), (conns.len() - refused) as f64);
        out.push(Finding {
            kind: detect::FindingKind::FailedConnections,
            severity,
            hosts,
            count: conns.len() as u64,
            summary: format!(
                "{} connections to {server} port {port} failed ({refused} refused, {} unanswered) from {} client(s)",
                conns.len(),
                conns.len() - refused,
                clients.len()
            ),
            filter: format!(
                "ip.addr == {server} && tcp.port == {port} && (tcp.flags.syn == 1 || tcp.flags.reset == 1)"
            ),
            first_ns: conns.iter().filter_map(|c| c.first_ns).min(),
            last_ns: conns.iter().filter_map(|c| c.last_ns).max(),
            metrics,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_syn_scan_fixture_is_a_port_scan_and_its_filter_compiles() {
        let bytes = include_bytes!("../../fixtures/syn-scan-ethernet.pcap");
        let a = crate::analyze::analyze_with(
            &bytes[..],
            crate::analyze::Options {
                health: true,
                ..Default::default()
            },
        )
        .unwrap();
        let h = a
            .engine
            .health(&a.snapshot, &Thresholds::default())
            .unwrap();
        let scan = h
            .findings
            .iter()
            .find(|f| f.kind == detect::FindingKind::PortScan)
            .unwrap();
        assert_eq!(scan.count, 50, "50 ports tried");
        assert_eq!(scan.hosts.len(), 2);
        crate::filter::compile(&scan.filter).unwrap();
        assert!(!h
            .findings
            .iter()
            .any(|f| f.kind == detect::FindingKind::HostScan));
        // One failure per port: a scan, not a failing service.
        assert!(!h
            .findings
            .iter()
            .any(|f| f.kind == detect::FindingKind::FailedConnections));
    }

    #[test]
    fn repeated_failures_to_one_service_are_a_finding() {
        use std::net::{IpAddr, Ipv4Addr};
        let server = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        let mut t = TcpSummary::default();
        for i in 0..7u8 {
            t.failed_connections.push(tcp::TcpConnection {
                client: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1 + i % 2)),
                client_port: 40000 + u16::from(i),
                server,
                server_port: 5432,
                handshake: if i < 3 {
                    tcp::Handshake::Refused
                } else {
                    tcp::Handshake::Unanswered
                },
                first_ns: Some(i64::from(i)),
                last_ns: Some(i64::from(i) + 1),
                stream: u32::from(i),
                client_known: true,
                initial_rtt_ns: None,
                syn_to_synack_ns: None,
                synack_to_ack_ns: None,
                packets_to_server: 1,
                bytes_to_server: 60,
                packets_to_client: 0,
                bytes_to_client: 0,
                syns: 1,
                resets: 0,
                retransmissions: 0,
                closed: false,
            });
        }
        let f = failed_connections(&t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].count, 7);
        assert_eq!(f[0].hosts.len(), 3, "the server and its two clients");
        assert_eq!(f[0].metrics["refused"], 3.0);
        assert_eq!((f[0].first_ns, f[0].last_ns), (Some(0), Some(7)));
        crate::filter::compile(&f[0].filter).unwrap();
        t.failed_connections.truncate(4);
        assert!(failed_connections(&t).is_empty());
    }
}
