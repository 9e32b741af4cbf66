//! Network health: what looks wrong in a capture, computed in the one pass and over views.
//!
//! - [`tcp`]: per-connection TCP analysis with Wireshark's `tcp.analysis.*` definitions
//!   (handshakes and their RTT, retransmissions, duplicate ACKs, zero windows, resets).
//! - [`dns`]: DNS queries paired with their responses (response time, rcodes, unanswered).
//! - [`detect`]: findings over the aggregates: traffic spikes, beaconing, unusual ports and
//!   cleartext protocols, DNS failure bursts; the findings' common types and [`Thresholds`].
//! - [`scan`]: port scans, host scans and failed connections, from connection attempts.
//! - [`connections`]: login brute force, retransmissions and slow handshakes, from the TCP
//!   analysis's connections.
//! - [`series`]: the events behind the health charts, keyed by frame number so that a view
//!   keeps its own ([`HealthReport::restrict`]).
//!
//! This module only wires them together: [`Health`] feeds every frame to each analysis in
//! the one pass, and [`Health::report`] gathers their summaries, findings and series.

pub mod connections;
pub mod detect;
pub mod dns;
pub mod scan;
pub mod series;
pub mod tcp;

use crate::decode::PacketRecord;
use crate::filter::Names;
use crate::stats::Snapshot;
use detect::{Finding, Thresholds};
use dns::{DnsEvent, DnsSummary, DnsTracker};
use serde::{Deserialize, Serialize};
use series::{
    DnsSample, HealthSeries, Sampled, TcpEvent, DNS_SERIES_MAX, TCP_EVENTS_MAX, TCP_EVENT_FLAGS,
};
use tcp::{TcpAnalyzer, TcpSummary};

/// Names kept in the DNS summary's top lists.
const TOP_NAMES: usize = 20;
/// Clients named in a DNS failure finding.
const TOP_FAILING_CLIENTS: usize = 5;

/// The health analyses, fed one frame at a time in file order during the one pass.
#[derive(Debug)]
pub struct Health {
    tcp: TcpAnalyzer,
    dns: DnsTracker,
    beacons: detect::BeaconTracker,
    scans: scan::ScanTracker,
    dns_times: Sampled<DnsSample>,
    tcp_events: Sampled<TcpEvent>,
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
    /// The events behind the health charts, keyed by frame number (capture-wide, or a view's
    /// after [`HealthReport::restrict`]). Large: `stats --json` leaves it out.
    #[serde(default)]
    pub series: HealthSeries,
}

impl HealthReport {
    /// This report for a view: the chart series cut to the frames `keep` accepts (frame
    /// numbers from 1). The summaries and findings stay capture-wide (a scan is a scan
    /// whatever the filter shows).
    pub fn restrict(&self, keep: impl Fn(u64) -> bool) -> HealthReport {
        HealthReport {
            tcp_analysis: self.tcp_analysis.clone(),
            dns: self.dns.clone(),
            findings: self.findings.clone(),
            series: self.series.restrict(keep),
        }
    }
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
            scans: scan::ScanTracker::new(),
            dns_times: Sampled::default(),
            tcp_events: Sampled::default(),
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
        if flags.0 & TCP_EVENT_FLAGS != 0 {
            self.tcp_events.push(
                TcpEvent {
                    frame: number,
                    ts_ns: record.ts_ns,
                    flags: flags.0 & TCP_EVENT_FLAGS,
                },
                TCP_EVENTS_MAX,
            );
        }
        if let Some(DnsEvent::Response { time_ns, .. }) = self.dns.push(number, record) {
            self.dns_times.push(
                DnsSample {
                    frame: number,
                    ts_ns: record.ts_ns,
                    time_us: time_ns as f64 / 1000.0,
                    rcode: record.dns.map_or(0, |d| d.rcode & 0x0f),
                },
                DNS_SERIES_MAX,
            );
        }
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
        let mut findings = self.scans.findings(th);
        let spikes = detect::series_from_timeline(&snapshot.timeline);
        findings.extend(detect::traffic_spikes(
            &spikes,
            snapshot.timeline.bucket_ns,
            time_zero_ns,
            th,
        ));
        findings.extend(detect::beaconing(
            &self.beacons.series(th.sanitized().beacon_min_intervals + 1),
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
        findings.extend(scan::failed_connections(&tcp_analysis, th));
        let services = self.tcp.service_stats();
        findings.extend(connections::brute_force(&services, th));
        findings.extend(connections::retransmissions(&services, th));
        findings.extend(connections::rtt_outliers(self.tcp.rtt_series(), th));
        detect::sort_findings(&mut findings);
        HealthReport {
            tcp_analysis,
            dns: self.dns.summary(names, TOP_NAMES),
            findings,
            series: HealthSeries {
                rtt: self.tcp.rtt_series().clone(),
                dns: self.dns_times.clone(),
                connections: self.tcp.connection_outcomes(),
                tcp_events: self.tcp_events.clone(),
            },
        }
    }
}

/// What the health tests share.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testing {
    use super::detect::Finding;
    use crate::analyze::{analyze_with, Analysis, Options};
    use crate::filter::compile;

    /// A capture analysed with the health pass on.
    pub(crate) fn analyzed(bytes: &[u8]) -> Analysis {
        let options = Options {
            health: true,
            ..Default::default()
        };
        analyze_with(bytes, options).unwrap()
    }

    /// Findings people can read: a summary, finite metrics, a filter that compiles, JSON.
    pub(crate) fn assert_sane(findings: &[Finding]) {
        for f in findings {
            assert!(!f.summary.is_empty());
            assert!(f.metrics.values().all(|v| v.is_finite()), "{f:?}");
            if let Err(e) = compile(&f.filter) {
                panic!("filter {:?} does not compile: {e}", f.filter);
            }
            serde_json::to_string(f).unwrap();
        }
    }

    /// [`assert_sane`] for property tests (an empty summary is allowed), no NaN or infinity
    /// in the summary either.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn check_findings(
        findings: &[Finding],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prop_assert;
        for f in findings {
            prop_assert!(f.metrics.values().all(|v| v.is_finite()), "{:?}", f);
            prop_assert!(compile(&f.filter).is_ok(), "{}", f.filter);
            prop_assert!(
                !f.summary.contains("NaN") && !f.summary.contains("inf"),
                "{}",
                f.summary
            );
            prop_assert!(serde_json::to_string(f).is_ok());
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn report(bytes: &[u8]) -> HealthReport {
        let a = testing::analyzed(bytes);
        a.engine
            .health(&a.snapshot, &Thresholds::default())
            .unwrap()
    }

    #[test]
    fn the_series_hold_the_events_of_the_pass() {
        let h = report(include_bytes!("../../fixtures/tcp-analysis-ethernet.pcap"));
        let s = &h.series;
        assert_eq!(s.rtt.items.len(), 1);
        let rtt = &s.rtt.items[0];
        assert_eq!(rtt.frame, 1, "keyed by the SYN");
        assert!((rtt.rtt_us - 12_545.0).abs() < 1e-6, "{rtt:?}");
        assert_eq!(rtt.port, 80);
        assert_eq!(s.connections.items.len(), 1);
        assert_eq!(s.connections.items[0].handshake, tcp::Handshake::Completed);
        // Frames 10-12 duplicate ACKs, 13 and 16 retransmissions, 17 zero window.
        let frames: Vec<u64> = s.tcp_events.items.iter().map(|e| e.frame).collect();
        assert_eq!(frames, vec![10, 11, 12, 13, 16, 17]);
        assert!(s.dns.items.is_empty());
        // A view of the first 12 frames keeps the SYN's events and the duplicate ACKs.
        let v = h.restrict(|f| f <= 12);
        assert_eq!(v.series.rtt.items.len(), 1);
        assert_eq!(v.series.tcp_events.items.len(), 3);
        assert_eq!(v.findings, h.findings);
        let none = h.restrict(|f| f > 1);
        assert!(none.series.rtt.items.is_empty());
        assert!(none.series.connections.items.is_empty());

        let d = report(include_bytes!("../../fixtures/dns-failures-ethernet.pcap"));
        let times: Vec<(f64, u8)> = d
            .series
            .dns
            .items
            .iter()
            .map(|x| (x.time_us, x.rcode))
            .collect();
        assert_eq!(
            times,
            vec![
                (8_250.0, 0),
                (20_125.0, 3),
                (250_000.0, 2),
                (9_750.0, 0),
                (31_000.0, 0)
            ]
        );
    }

    #[test]
    fn a_report_without_series_still_reads() {
        let h = report(include_bytes!("../../fixtures/syn-scan-ethernet.pcap"));
        assert_eq!(h.series.connections.items.len(), 50);
        let mut v = serde_json::to_value(&h).unwrap();
        v.as_object_mut().unwrap().remove("series");
        let back: HealthReport = serde_json::from_value(v).unwrap();
        assert!(back.series.is_empty());
        assert_eq!(back.findings, h.findings);
    }
}
