#![cfg(not(target_arch = "wasm32"))]
//! DNS pairing ([`DnsTracker`]) against tshark 4.0 on every capture of `../shared/corpus/`
//! (`MANIFEST.tsv`): for each file, every frame that tshark shows as DNS proper (not mDNS or
//! LLMNR, not quoted inside an ICMP error) must be the same kind of event for us, with the same
//! request frame and a response time within 1 µs of `dns.time`; every other frame must be
//! nothing for us; and the totals (queries, responses, unanswered, rcodes, retransmissions,
//! unsolicited responses) and the median and 95th percentile of the response times (nearest
//! rank, within 1 µs) must be tshark's.
//!
//! The expected values are in `tests/data/dns_tshark.tsv`, made once by
//! `tests/data/dns_tshark.sh` (its first lines give the tshark version and the exact
//! commands). tshark's one pass gives each frame's `dns.time`, `dns.response_to`,
//! `dns.retransmit_request_in`, `dns.retransmit_response_in` and `dns.unsolicited`; its two
//! passes (`-2`) give each query's `dns.response_in`, and a query with neither
//! `dns.response_in` nor `dns.retransmit_request_in` is an unanswered transaction. This test
//! never runs tshark.

use pcapscope::capture::Reader;
use pcapscope::decode::Decoder;
use pcapscope::health::dns::{nearest_rank, rcode_name, DnsEvent, DnsSummary, DnsTracker};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

const TSV: &str = include_str!("data/dns_tshark.tsv");

/// One row of the TSV: one DNS frame as tshark saw it.
#[derive(Debug, Clone)]
struct Row {
    frame: u64,
    response: bool,
    rcode: u8,
    /// `dns.time` in ns.
    time_ns: Option<i64>,
    response_to: Option<u64>,
    retransmit_request_in: Option<u64>,
    retransmit_response_in: Option<u64>,
    unsolicited: bool,
    response_in: Option<u64>,
}

/// `"0.016037000"` (or negative) to nanoseconds.
fn parse_secs(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut frac = frac.to_string();
    if frac.len() > 9 {
        return None;
    }
    while frac.len() < 9 {
        frac.push('0');
    }
    let ns = int.parse::<i64>().ok()? * 1_000_000_000 + frac.parse::<i64>().ok()?;
    Some(if neg { -ns } else { ns })
}

fn opt_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().expect("a frame number"))
    }
}

fn expected() -> BTreeMap<String, Vec<Row>> {
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in TSV.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let c: Vec<&str> = line.split('\t').collect();
        assert_eq!(c.len(), 11, "bad TSV line {line:?}");
        assert!(
            !c[2].contains(','),
            "several DNS messages in one frame: {line:?}"
        );
        let row = Row {
            frame: c[1].parse().expect("frame number"),
            response: c[3] == "1",
            rcode: c[4].parse().unwrap_or(0),
            time_ns: (!c[5].is_empty()).then(|| parse_secs(c[5]).expect("a time")),
            response_to: opt_u64(c[6]),
            retransmit_request_in: opt_u64(c[7]),
            retransmit_response_in: opt_u64(c[8]),
            unsolicited: !c[9].is_empty(),
            response_in: opt_u64(c[10]),
        };
        out.entry(c[0].to_string()).or_default().push(row);
    }
    out
}

/// What tshark's row says our event should be.
fn expected_event(r: &Row) -> Option<DnsEvent> {
    Some(if !r.response {
        match r.retransmit_request_in {
            Some(original) => DnsEvent::RetransmittedQuery { original },
            None => DnsEvent::Query,
        }
    } else if let (Some(request), Some(time_ns)) = (r.response_to, r.time_ns) {
        DnsEvent::Response { request, time_ns }
    } else if let Some(original) = r.retransmit_response_in {
        DnsEvent::RetransmittedResponse { original }
    } else if r.unsolicited {
        DnsEvent::Unsolicited
    } else {
        return None;
    })
}

/// The totals tshark's rows add up to.
fn expected_totals(rows: &[Row]) -> DnsSummary {
    let mut s = DnsSummary::default();
    for r in rows {
        if r.response {
            s.responses += 1;
            *s.rcodes.entry(rcode_name(r.rcode).to_string()).or_default() += 1;
            if r.rcode != 0 {
                s.failures += 1;
            }
            if r.time_ns.is_some() {
                s.answered += 1;
            } else if r.retransmit_response_in.is_some() {
                s.retransmitted_responses += 1;
            } else if r.unsolicited {
                s.unsolicited += 1;
            }
        } else {
            s.queries += 1;
            if r.retransmit_request_in.is_some() {
                s.retransmitted_queries += 1;
            } else if r.response_in.is_none() {
                s.unanswered += 1;
            }
        }
    }
    s
}

fn manifest(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .expect("MANIFEST.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads `path` through the decoder into a tracker; every frame's event by number.
fn track(path: &Path) -> (DnsTracker, Decoder, HashMap<u64, DnsEvent>) {
    let mut tracker = DnsTracker::new();
    let mut dec = Decoder::new();
    let mut events = HashMap::new();
    let file = File::open(path).expect("open");
    let mut reader = Reader::new(BufReader::new(file)).expect("a capture");
    // Damaged files: tshark's rows are also what it read before the damage.
    while let Ok(Some(frame)) = reader.next_frame() {
        let rec = dec.decode(&frame);
        if let Some(e) = tracker.push(frame.number, &rec) {
            events.insert(frame.number, e);
        }
    }
    (tracker, dec, events)
}

#[test]
fn dns_pairing_matches_tshark() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the DNS tshark cross-check did not run !!!!!!!!\n",
            dir.display()
        );
        return;
    }
    let want_all = expected();
    let files = manifest(&dir);
    assert!(!files.is_empty());
    for name in want_all.keys() {
        assert!(files.contains(name), "{name} is in the TSV, not the corpus");
    }
    let mut failures = Vec::new();
    let mut with_dns = 0;
    let mut times_checked = 0;
    for name in &files {
        let rows = want_all.get(name).cloned().unwrap_or_default();
        let (tracker, dec, events) = track(&dir.join(name));
        let mut rows_by_frame = HashMap::new();
        for r in &rows {
            rows_by_frame.insert(r.frame, r);
            let want = expected_event(r);
            let got = events.get(&r.frame).copied();
            let same = match (want, got) {
                (
                    Some(DnsEvent::Response {
                        request: a,
                        time_ns: ta,
                    }),
                    Some(DnsEvent::Response {
                        request: b,
                        time_ns: tb,
                    }),
                ) => {
                    times_checked += 1;
                    a == b && ta.abs_diff(tb) <= 1_000
                }
                (w, g) => w == g,
            };
            if !same {
                failures.push(format!(
                    "{name} frame {}: tshark {want:?}, ours {got:?}",
                    r.frame
                ));
            }
        }
        for (frame, e) in &events {
            if !rows_by_frame.contains_key(frame) {
                failures.push(format!("{name} frame {frame}: tshark no DNS, ours {e:?}"));
            }
        }
        let want = expected_totals(&rows);
        let got = tracker.summary(&dec, 5);
        let pairs = [
            ("queries", want.queries, got.queries),
            ("responses", want.responses, got.responses),
            ("answered", want.answered, got.answered),
            ("unanswered", want.unanswered, got.unanswered),
            (
                "retransmitted_queries",
                want.retransmitted_queries,
                got.retransmitted_queries,
            ),
            (
                "retransmitted_responses",
                want.retransmitted_responses,
                got.retransmitted_responses,
            ),
            ("unsolicited", want.unsolicited, got.unsolicited),
            ("failures", want.failures, got.failures),
        ];
        for (what, w, g) in pairs {
            if w != g {
                failures.push(format!("{name}: {what}: tshark {w}, ours {g}"));
            }
        }
        if want.rcodes != got.rcodes {
            failures.push(format!(
                "{name}: rcodes: tshark {:?}, ours {:?}",
                want.rcodes, got.rcodes
            ));
        }
        if got.response_time_us.map_or(0, |p| p.samples) != want.answered {
            failures.push(format!("{name}: response-time samples differ"));
        }
        // Median and 95th percentile (nearest rank) of tshark's dns.time, within 1 µs.
        let mut times: Vec<i64> = rows.iter().filter_map(|r| r.time_ns).collect();
        times.sort_unstable();
        let tshark_pct = nearest_rank(&times, 50).zip(nearest_rank(&times, 95));
        let ours_pct = got.response_time_us.map(|p| (p.median, p.p95));
        let close = match (tshark_pct, ours_pct) {
            (None, None) => true,
            (Some((m, p)), Some((om, op))) => {
                (m as f64 / 1e3 - om).abs() <= 1.0 && (p as f64 / 1e3 - op).abs() <= 1.0
            }
            _ => false,
        };
        if !close {
            failures.push(format!(
                "{name}: response time median/p95: tshark {tshark_pct:?} ns, ours {ours_pct:?} µs"
            ));
        }
        if !rows.is_empty() {
            with_dns += 1;
            eprintln!(
                "{name:<44} queries={} responses={} unanswered={} rcodes={:?} median_us={:?}",
                got.queries,
                got.responses,
                got.unanswered,
                got.rcodes,
                got.response_time_us.map(|p| p.median)
            );
        }
    }
    assert!(with_dns >= 10, "only {with_dns} corpus files with DNS");
    assert!(times_checked >= 100, "only {times_checked} response times");
    assert!(
        failures.is_empty(),
        "{} mismatch(es) against tshark:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn the_tsv_says_how_it_was_made() {
    assert!(TSV.starts_with("# TShark (Wireshark) 4.0."));
    assert!(TSV.contains("tshark -r FILE -Y 'dns && !icmp && !icmpv6'"));
    assert!(TSV.contains("tshark -2 -r FILE"));
    assert_eq!(parse_secs("0.016037000"), Some(16_037_000));
    assert_eq!(parse_secs("-1.5"), Some(-1_500_000_000));
}

// ---------------------------------------------------------------------------------------------
// The project's own health fixtures (`cargo xtask fixtures`, described in fixtures/README.md),
// through `pcapscope::analyze` (aggregates) and a `Decoder` (records), into the DNS tracker,
// the beacon tracker and the detectors.

mod fixtures {
    use super::track;
    use pcapscope::capture::Reader;
    use pcapscope::decode::Decoder;
    use pcapscope::filter::compile;
    use pcapscope::health::detect::{
        beaconing, cleartext_protocols, dns_failures, series_from_timeline, traffic_spikes,
        unusual_ports, BeaconTracker, FindingKind, Severity, Thresholds,
    };
    use pcapscope::health::dns::DnsEvent;
    use std::fs::File;
    use std::io::BufReader;
    use std::net::IpAddr;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")).join(name)
    }

    #[test]
    fn dns_failures_fixture() {
        let path = fixture("dns-failures-ethernet.pcap");
        let (tracker, dec, events) = track(&path);
        // fixtures/README.md's ground truth, as tshark 4.0.17 shows it (dns.response_to,
        // dns.time).
        let ms = 1_000_000;
        for (frame, request, time_ns) in [
            (2, 1, 8_250_000),
            (4, 3, 20_125_000),
            (6, 5, 250 * ms),
            (8, 7, 9_750_000),
            (11, 10, 31 * ms),
        ] {
            assert_eq!(
                events.get(&frame),
                Some(&DnsEvent::Response { request, time_ns }),
                "frame {frame}"
            );
        }
        let s = tracker.summary(&dec, 10);
        assert_eq!((s.queries, s.responses, s.unanswered), (6, 5, 1));
        assert_eq!(s.failures, 2);
        assert_eq!(
            s.rcodes
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect::<Vec<_>>(),
            vec![("NOERROR", 3), ("NXDOMAIN", 1), ("SERVFAIL", 1)]
        );
        let rt = s.response_time_us.expect("times");
        // 8.25 9.75 20.125 31 250 ms: ranks 3 and 5.
        assert_eq!((rt.median, rt.p95, rt.samples), (20_125.0, 250_000.0, 5));
        let names: Vec<(&str, u64, u64)> = s
            .top_names
            .iter()
            .map(|n| (n.name.as_str(), n.queries, n.failed))
            .collect();
        assert_eq!(names[0], ("example.com", 2, 0));
        assert!(names.contains(&("nosuchhost.example", 1, 1)));
        assert!(names.contains(&("broken.example.net", 1, 1)));
        let client: IpAddr = "192.168.1.23".parse().expect("addr");
        assert_eq!(s.top_failing_clients.len(), 1);
        assert_eq!(s.top_failing_clients[0].addr, client);

        let series = tracker.failure_series();
        assert_eq!(series.buckets.iter().map(|b| b.failures).sum::<u64>(), 2);
        let t0 = Some(1_709_295_100_000_000_000);
        // Two failures in five seconds are no burst with the default thresholds ...
        assert!(
            dns_failures(&series, &s.top_failing_clients, t0, &Thresholds::default()).is_empty()
        );
        // ... but are with thresholds lowered, as the page can set them.
        let low = Thresholds {
            dns_min_failures: 2,
            dns_min_failure_ratio: 0.4,
            ..Thresholds::default()
        };
        let f = dns_failures(&series, &s.top_failing_clients, t0, &low);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::DnsFailures);
        assert_eq!(f[0].count, 2);
        assert_eq!(f[0].hosts, vec![client]);
        assert!(compile(&f[0].filter).is_ok());
        let burst = Thresholds {
            dns_bucket_min_failures: 1,
            ..Thresholds::default()
        };
        let f = dns_failures(&series, &s.top_failing_clients, t0, &burst);
        assert_eq!(f.iter().map(|f| f.count).sum::<u64>(), 2, "{f:?}");
    }

    #[test]
    fn beacon_fixture() {
        let path = fixture("beacon-30s-ethernet.pcap");
        let analysis =
            pcapscope::analyze(BufReader::new(File::open(&path).expect("open"))).expect("read");
        assert!(analysis.complete());
        let mut tracker = BeaconTracker::new();
        let mut dec = Decoder::new();
        let mut reader =
            Reader::new(BufReader::new(File::open(&path).expect("open"))).expect("pcap");
        let mut first_ns = None;
        while let Ok(Some(frame)) = reader.next_frame() {
            let rec = dec.decode(&frame);
            first_ns.get_or_insert(rec.ts_ns);
            tracker.push(&rec);
        }
        let th = Thresholds::default();
        let f = beaconing(&tracker.series(th.beacon_min_intervals + 1), &th);
        assert_eq!(f.len(), 1, "{f:#?}");
        let f = &f[0];
        let (c, s): (IpAddr, IpAddr) = (
            "192.168.1.23".parse().expect("addr"),
            "203.0.113.50".parse().expect("addr"),
        );
        assert_eq!(f.kind, FindingKind::Beaconing);
        assert_eq!(f.hosts, vec![c, s]);
        assert_eq!(f.count, 40);
        let (period, jitter) = (f.metrics["period_s"], f.metrics["jitter_s"]);
        assert!((29.5..30.5).contains(&period), "period {period}");
        assert!(jitter > 0.1 && jitter < 1.5, "jitter {jitter}");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.first_ns, Some(1_709_295_400_458_000_000));
        assert_eq!(f.last_ns, Some(1_709_296_570_468_000_000));
        assert_eq!(
            f.filter,
            "ip.addr == 192.168.1.23 && ip.addr == 203.0.113.50 && tcp.port == 443"
        );
        assert!(compile(&f.filter).is_ok());

        // Nothing else in it looks wrong.
        let snap = &analysis.snapshot;
        assert!(unusual_ports(&snap.flows, &th).is_empty());
        assert!(cleartext_protocols(&snap.flows, &th).is_empty());
        let series = series_from_timeline(&snap.timeline);
        assert!(traffic_spikes(&series, snap.timeline.bucket_ns, first_ns, &th).is_empty());
    }
}
