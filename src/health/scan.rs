//! Port scans, host scans and failed connections: findings over connection attempts.
//!
//! | kind | detector | input |
//! |---|---|---|
//! | `port-scan`, `host-scan` | [`ScanTracker::findings`] | SYN attempts per client ([`ScanTracker`], fed with every record) |
//! | `failed-connections` | [`failed_connections`] | refused and unanswered connections ([`TcpSummary::failed_connections`]) |
//!
//! Thresholds are fields of [`Thresholds`], whose defaults are the constants here.

use super::detect::{
    addr_filter, cap_findings, metrics, Finding, FindingKind, Severity, Thresholds,
};
use super::tcp::{Handshake, TcpConnection, TcpSummary};
use crate::decode::{PacketRecord, TcpInfo};
use crate::hashing::{flow_map, FlowMap};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

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
/// Ports tried on one host from which a port scan is `high` rather than `medium`: past a few
/// hundred the scan is systematic (nmap's default top-1,000), not a look at a few services.
pub const PORT_SCAN_HIGH_PORTS: usize = 200;

/// Targets remembered per client, and clients remembered, for scan detection (memory bound:
/// at most about 1,024 x 4,096 targets).
const SCAN_TARGETS_PER_CLIENT: usize = 4096;
const SCAN_CLIENTS: usize = 1024;

/// Connection attempts per client: which (host, port) it sent SYNs to, and which answered
/// with SYN/ACK. Memory is bounded (at most 1,024 clients of 4,096 targets each).
#[derive(Debug)]
pub struct ScanTracker {
    clients: FlowMap<IpAddr, Attempts>,
}

#[derive(Debug)]
struct Attempts {
    targets: FlowMap<(IpAddr, u16), bool>,
    first_ns: i64,
    last_ns: i64,
}

impl Default for ScanTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl ScanTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        ScanTracker {
            clients: flow_map(),
        }
    }

    /// Takes one record (in file order).
    pub fn push(&mut self, r: &PacketRecord) {
        let (Some(t), Some(ip)) = (r.tcp, r.inner_ip()) else {
            return;
        };
        let syn = t.flags & TcpInfo::SYN != 0;
        let ack = t.flags & TcpInfo::ACK != 0;
        if syn && !ack {
            if !self.clients.contains_key(&ip.src) && self.clients.len() >= SCAN_CLIENTS {
                return;
            }
            let a = self.clients.entry(ip.src).or_insert_with(|| Attempts {
                targets: flow_map(),
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

    /// Port scans (a client trying at least [`PORT_SCAN_MIN_PORTS`] ports of one host) and
    /// host scans (at least [`HOST_SCAN_MIN_HOSTS`] hosts on one port), by clients at least
    /// [`SCAN_MIN_FAILED_SHARE`] of whose attempts got no SYN/ACK.
    pub fn findings(&self, th: &Thresholds) -> Vec<Finding> {
        let th = th.sanitized();
        let mut ports_out = Vec::new();
        let mut hosts_out = Vec::new();
        for (client, a) in &self.clients {
            let total = a.targets.len();
            if total == 0 {
                continue;
            }
            let failed = a.targets.values().filter(|ok| !**ok).count();
            let share = failed as f64 / total as f64;
            if share < th.scan_min_failed_share {
                continue;
            }
            let mut ports_per_host: BTreeMap<IpAddr, BTreeSet<u16>> = BTreeMap::new();
            let mut hosts_per_port: BTreeMap<u16, BTreeSet<IpAddr>> = BTreeMap::new();
            for (host, port) in a.targets.keys() {
                ports_per_host.entry(*host).or_default().insert(*port);
                hosts_per_port.entry(*port).or_default().insert(*host);
            }
            let m = metrics(&[("failed_share", share), ("attempts", total as f64)]);
            for (host, ports) in &ports_per_host {
                if ports.len() >= th.port_scan_min_ports.max(1) {
                    let severity = if ports.len() >= PORT_SCAN_HIGH_PORTS {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    ports_out.push(Finding {
                        kind: FindingKind::PortScan,
                        severity,
                        hosts: vec![*client, *host],
                        count: ports.len() as u64,
                        summary: format!(
                            "{client} tried {} ports on {host}; {:.0}% of its connection attempts failed",
                            ports.len(),
                            share * 100.0
                        ),
                        filter: format!("{} && {} && tcp", addr_filter(client), addr_filter(host)),
                        first_ns: Some(a.first_ns),
                        last_ns: Some(a.last_ns),
                        metrics: m.clone(),
                    });
                }
            }
            for (port, hosts) in &hosts_per_port {
                if hosts.len() >= th.host_scan_min_hosts.max(1) {
                    let src = match client {
                        IpAddr::V4(v) => format!("ip.src == {v}"),
                        IpAddr::V6(v) => format!("ipv6.src == {v}"),
                    };
                    hosts_out.push(Finding {
                        kind: FindingKind::HostScan,
                        severity: Severity::Medium,
                        hosts: vec![*client],
                        count: hosts.len() as u64,
                        summary: format!(
                            "{client} tried port {port} on {} hosts; {:.0}% of its connection attempts failed",
                            hosts.len(),
                            share * 100.0
                        ),
                        filter: format!("{src} && tcp.dstport == {port}"),
                        first_ns: Some(a.first_ns),
                        last_ns: Some(a.last_ns),
                        metrics: m.clone(),
                    });
                }
            }
        }
        let mut out = cap_findings(ports_out, th.max_findings_per_kind);
        out.extend(cap_findings(hosts_out, th.max_findings_per_kind));
        out
    }
}

/// Services (host, port) with at least [`FAILED_CONNECTIONS_MIN`] refused or unanswered
/// connections (from [`TcpSummary::failed_connections`], which keeps the first 256).
pub fn failed_connections(t: &TcpSummary, th: &Thresholds) -> Vec<Finding> {
    let th = th.sanitized();
    let mut by_service: BTreeMap<(IpAddr, u16), Vec<&TcpConnection>> = BTreeMap::new();
    for c in &t.failed_connections {
        by_service
            .entry((c.server, c.server_port))
            .or_default()
            .push(c);
    }
    let mut out = Vec::new();
    for ((server, port), conns) in by_service {
        if conns.len() < th.failed_connections_min.max(1) {
            continue;
        }
        let refused = conns
            .iter()
            .filter(|c| c.handshake == Handshake::Refused)
            .count();
        let mut clients: Vec<IpAddr> = conns.iter().map(|c| c.client).collect();
        clients.sort_unstable();
        clients.dedup();
        let severity = if conns.len() >= 50 {
            Severity::High
        } else if conns.len() >= 20 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut hosts = vec![server];
        hosts.extend(clients.iter().take(th.max_hosts.saturating_sub(1)));
        out.push(Finding {
            kind: FindingKind::FailedConnections,
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
                "{} && tcp.port == {port} && (tcp.flags.syn == 1 || tcp.flags.reset == 1)",
                addr_filter(&server)
            ),
            first_ns: conns.iter().filter_map(|c| c.first_ns).min(),
            last_ns: conns.iter().filter_map(|c| c.last_ns).max(),
            metrics: metrics(&[
                ("refused", refused as f64),
                ("unanswered", (conns.len() - refused) as f64),
            ]),
        });
    }
    cap_findings(out, th.max_findings_per_kind)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn the_syn_scan_fixture_is_a_port_scan_and_its_filter_compiles() {
        let a = crate::health::testing::analyzed(include_bytes!(
            "../../fixtures/syn-scan-ethernet.pcap"
        ));
        let h = a
            .engine
            .health(&a.snapshot, &Thresholds::default())
            .unwrap();
        let scan = h
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::PortScan)
            .unwrap();
        assert_eq!(scan.count, 50, "50 ports tried");
        assert_eq!(scan.hosts.len(), 2);
        crate::filter::compile(&scan.filter).unwrap();
        assert!(!h.findings.iter().any(|f| f.kind == FindingKind::HostScan));
        // One failure per port: a scan, not a failing service.
        assert!(!h
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::FailedConnections));
        // A higher threshold: no scan.
        let th = Thresholds {
            port_scan_min_ports: 51,
            ..Thresholds::default()
        };
        assert!(!a
            .engine
            .health(&a.snapshot, &th)
            .unwrap()
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::PortScan));
    }

    pub(crate) fn failed(i: u8, server: IpAddr, handshake: Handshake) -> TcpConnection {
        TcpConnection {
            client: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1 + i % 2)),
            client_port: 40000 + u16::from(i),
            server,
            server_port: 5432,
            handshake,
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
            first_frame: u64::from(i) + 1,
            data_frames: 0,
            data_retransmissions: 0,
        }
    }

    #[test]
    fn repeated_failures_to_one_service_are_a_finding() {
        let server = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        let mut t = TcpSummary::default();
        for i in 0..7u8 {
            let h = if i < 3 {
                Handshake::Refused
            } else {
                Handshake::Unanswered
            };
            t.failed_connections.push(failed(i, server, h));
        }
        let th = Thresholds::default();
        let f = failed_connections(&t, &th);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].count, 7);
        assert_eq!(f[0].hosts.len(), 3, "the server and its two clients");
        assert_eq!(f[0].metrics["refused"], 3.0);
        assert_eq!((f[0].first_ns, f[0].last_ns), (Some(0), Some(7)));
        crate::filter::compile(&f[0].filter).unwrap();
        t.failed_connections.truncate(4);
        assert!(failed_connections(&t, &th).is_empty());
        let lower = Thresholds {
            failed_connections_min: 4,
            ..th
        };
        assert_eq!(failed_connections(&t, &lower).len(), 1);
    }
}
