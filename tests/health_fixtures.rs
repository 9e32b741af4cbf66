//! The health findings on the project's own fixtures (`fixtures/`, made by `cargo xtask
//! fixtures`, ground truth in `fixtures/README.md`, checked with tshark 4.0.17): a login brute
//! force and retransmissions to a slow server are found, with filters that select exactly
//! the packets behind them, and the other health fixtures do not raise these findings.

use pcapscope::analyze::{analyze_with, Analysis, Options};
use pcapscope::filter::compile;
use pcapscope::health::detect::{Finding, FindingKind, Severity, Thresholds};
use pcapscope::health::tcp::Handshake;
use pcapscope::health::HealthReport;
use pcapscope::render::{svg_health, ChartOptions, HealthChart, HealthView, Theme};
use pcapscope::stats::Limits;
use pcapscope::view::try_select;
use std::net::IpAddr;
use std::path::Path;

fn analyze(name: &str) -> (Analysis, HealthReport) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let bytes = std::fs::read(&path).expect("fixture (run `cargo xtask fixtures`)");
    let a = analyze_with(
        &bytes[..],
        Options {
            health: true,
            index: true,
            ..Default::default()
        },
    )
    .expect("a capture");
    assert!(a.complete(), "{name}");
    let h = a
        .engine
        .health(&a.snapshot, &Thresholds::default())
        .expect("health ran");
    (a, h)
}

/// The frame numbers `filter` selects.
fn matched(a: &Analysis, filter: &str) -> Vec<u64> {
    let f = compile(filter).unwrap_or_else(|e| panic!("{filter:?}: {e}"));
    let index = a.engine.index().expect("an index");
    let sel = try_select(index, &f, a.engine.decoder(), Limits::default())
        .unwrap_or_else(|e| panic!("{filter:?}: {e}"));
    match sel.positions {
        Some(p) => p.iter().map(|i| u64::from(*i) + 1).collect(),
        None => (1..=index.len() as u64).collect(),
    }
}

fn of_kind(h: &HealthReport, kind: FindingKind) -> Vec<&Finding> {
    h.findings.iter().filter(|f| f.kind == kind).collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

/// Every health chart draws from the report and the capture's timeline.
/// The SVGs go to `target/render-artifacts/health-fixture-*.svg` for a look.
fn draws(name: &str, a: &Analysis, h: &HealthReport) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/render-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    let first = a.snapshot.summary.first_ns;
    let view = HealthView::new(h, &a.snapshot.timeline).with_time_zero(first);
    for chart in HealthChart::ALL {
        for theme in [Theme::light(), Theme::dark()] {
            let opts = ChartOptions {
                theme,
                ..ChartOptions::default()
            };
            let (svg, layout) = svg_health(*chart, &view, &opts, (800, 400)).expect("drawn");
            assert!(!svg.contains("NaN"), "{}", chart.name());
            let stem = name.trim_end_matches(".pcap");
            let file = format!("health-fixture-{stem}-{}-{}.svg", chart.name(), theme.name);
            let _ = std::fs::write(dir.join(file), &svg);
            for hit in &layout.hits {
                if let Some(f) = &hit.filter {
                    assert!(!matched(a, f).is_empty(), "{}: {f}", chart.name());
                }
            }
        }
    }
}

#[test]
fn a_login_brute_force() {
    let (a, h) = analyze("ssh-brute-force-ethernet.pcap");
    let bf = of_kind(&h, FindingKind::BruteForce);
    assert_eq!(bf.len(), 1, "{:#?}", h.findings);
    let f = bf[0];
    assert_eq!(f.hosts, vec![ip("203.0.113.66"), ip("192.168.1.10")]);
    assert_eq!(f.count, 30);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.metrics["short"], 30.0);
    assert_eq!(f.metrics["completed"], 30.0);
    assert!(f.summary.contains("SSH"), "{}", f.summary);
    assert_eq!(
        matched(&a, &f.filter).len(),
        240,
        "every frame of the 30 connections"
    );
    for kind in [
        FindingKind::PortScan,
        FindingKind::HostScan,
        FindingKind::FailedConnections,
        FindingKind::Retransmissions,
        FindingKind::RttOutlier,
        FindingKind::Beaconing,
    ] {
        assert!(of_kind(&h, kind).is_empty(), "{kind:?}: {:#?}", h.findings);
    }
    // The series: 30 handshakes of 1.1 ms, keyed by their SYNs (frames 1, 9, 17 ...).
    let rtt = &h.series.rtt.items;
    assert_eq!(rtt.len(), 30);
    assert!(rtt.iter().all(|r| (r.rtt_us - 1_100.0).abs() < 1e-6));
    let syns: Vec<u64> = rtt.iter().map(|r| r.frame).collect();
    assert_eq!(syns, (0..30).map(|k| 8 * k + 1).collect::<Vec<_>>());
    assert!(h
        .series
        .connections
        .items
        .iter()
        .all(|c| c.handshake == Handshake::Completed));
    // Thresholds move it.
    let th = Thresholds {
        brute_force_min_connections: 31,
        ..Thresholds::default()
    };
    let strict = a.engine.health(&a.snapshot, &th).expect("health ran");
    assert!(of_kind(&strict, FindingKind::BruteForce).is_empty());
    draws("ssh-brute-force-ethernet.pcap", &a, &h);
}

#[test]
fn retransmissions_to_a_slow_server() {
    let (a, h) = analyze("slow-server-retransmissions-ethernet.pcap");
    let (client, slow) = (ip("192.168.1.23"), ip("198.51.100.80"));

    let rt = of_kind(&h, FindingKind::Retransmissions);
    assert_eq!(rt.len(), 1, "{:#?}", h.findings);
    let f = rt[0];
    assert_eq!(f.hosts, vec![client, slow]);
    assert_eq!(f.count, 14);
    assert_eq!(f.metrics["data_frames"], 126.0);
    assert!((f.metrics["share"] - 14.0 / 126.0).abs() < 1e-12);
    assert_eq!(f.severity, Severity::Medium);
    // Exactly the frames tshark 4.0.17 flags `tcp.analysis.retransmission`.
    assert_eq!(
        matched(&a, &f.filter),
        [108, 119, 130, 144, 158, 169, 183, 197, 208, 222, 236, 250, 264, 278]
    );

    let slow_rtt = of_kind(&h, FindingKind::RttOutlier);
    assert_eq!(slow_rtt.len(), 1, "{:#?}", h.findings);
    let f = slow_rtt[0];
    assert_eq!(f.hosts, vec![slow, client]);
    assert_eq!(f.count, 4);
    assert_eq!(f.severity, Severity::Low, "every handshake with it is slow");
    assert_eq!(f.metrics["capture_median_us"], 2_100.0);
    assert_eq!(f.metrics["threshold_us"], 52_100.0);
    assert_eq!(f.metrics["outlier_median_us"], 400_200.0);
    // Its filter shows the SYN and SYN/ACK of the four connections.
    assert_eq!(matched(&a, &f.filter).len(), 8);

    // Twenty short HTTPS connections are no brute force; nothing failed.
    for kind in [
        FindingKind::BruteForce,
        FindingKind::FailedConnections,
        FindingKind::PortScan,
        FindingKind::Beaconing,
    ] {
        assert!(of_kind(&h, kind).is_empty(), "{kind:?}: {:#?}", h.findings);
    }

    // The series, and a view of the retransmissions only.
    let ev = &h.series.tcp_events.items;
    assert_eq!(ev.iter().filter(|e| e.is_retransmission()).count(), 14);
    assert_eq!(ev.iter().filter(|e| e.is_duplicate_ack()).count(), 14);
    assert_eq!(h.series.rtt.items.len(), 24);
    let kept = matched(&a, "tcp.analysis.retransmission");
    let view = h.restrict(|n| kept.binary_search(&n).is_ok());
    assert_eq!(view.series.tcp_events.items.len(), 14);
    assert!(view.series.rtt.items.is_empty());
    draws("slow-server-retransmissions-ethernet.pcap", &a, &h);
}

#[test]
fn the_other_health_fixtures_raise_none_of_these() {
    for name in [
        "tcp-analysis-ethernet.pcap",
        "syn-scan-ethernet.pcap",
        "dns-failures-ethernet.pcap",
        "beacon-30s-ethernet.pcap",
    ] {
        let (a, h) = analyze(name);
        for kind in [
            FindingKind::BruteForce,
            FindingKind::Retransmissions,
            FindingKind::RttOutlier,
        ] {
            assert!(
                of_kind(&h, kind).is_empty(),
                "{name}: {kind:?}: {:#?}",
                h.findings
            );
        }
        draws(name, &a, &h);
    }
}
