// Native only: these tests read files and the tshark table from disk.
#![cfg(not(target_arch = "wasm32"))]
//! Wireshark's TCP analysis over the real captures in `../shared/corpus/` and over the
//! project's own fixtures.
//!
//! Every capture listed in the corpus `MANIFEST.tsv` is read with [`Reader`], decoded, and fed
//! frame by frame to a [`TcpAnalyzer`]. The expected values are in
//! `tests/data/tcp_analysis_tshark.tsv`, made once by `tests/data/tcp_analysis_tshark.sh`
//! (whose header gives the exact tshark 4.0.17 commands; tshark's default preferences, one
//! pass); this test never runs tshark. For every capture:
//!
//! - for each flag (`tcp.analysis.retransmission`, which also matches fast and spurious
//!   retransmissions, `fast_retransmission`, `spurious_retransmission`, `out_of_order`,
//!   `lost_segment`, `ack_lost_segment`, `duplicate_ack`, `zero_window`,
//!   `zero_window_probe`, `zero_window_probe_ack`, `keep_alive`, `keep_alive_ack`,
//!   `window_update`, `window_full`, `reused_ports`) and for `tcp.flags.reset == 1`, the
//!   frames we flag must be exactly the frames tshark's filter keeps (the count must then be
//!   equal too; known differences would go in [`ALLOWED`] with their reason: there are none);
//! - every duplicate ACK's number and the frame it duplicates must be tshark's;
//! - for every stream that shows `tcp.analysis.initial_rtt`, our initial RTT at the first
//!   frame tshark shows it on must be within 1 µs of tshark's (it is exact: both are
//!   differences of the same timestamps).
//!
//! Every mismatch is collected, then reported at once; the table of counts (ours / tshark)
//! is printed with `--nocapture`.

use pcapscope::capture::Reader;
use pcapscope::decode::{Decoder, TcpInfo};
use pcapscope::health::tcp::{Handshake, TcpAnalyzer, TcpFrameAnalysis, TcpSummary};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Flags compared, as tshark names them after `tcp.analysis.`, then `reset`.
const FLAGS: [&str; 16] = [
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "lost_segment",
    "ack_lost_segment",
    "duplicate_ack",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
    "keep_alive",
    "keep_alive_ack",
    "window_update",
    "window_full",
    "reused_ports",
    "reset",
];

/// Documented differences from tshark: (file, flag, frame, why). None so far.
const ALLOWED: &[(&str, &str, u64, &str)] = &[];

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// What one frame says: its TCP analysis and whether it has RST.
#[derive(Default, Clone, Copy)]
struct Frame {
    tcp: Option<TcpFrameAnalysis>,
    rst: bool,
}

/// Reads `path` to its end (or to the damage, where tshark stops too) through an analyzer.
fn analyze(path: &Path) -> Result<(Vec<Frame>, TcpSummary), String> {
    let file = File::open(path).map_err(|e| format!("open: {e}"))?;
    let mut reader = Reader::new(BufReader::new(file)).map_err(|e| format!("reader: {e:?}"))?;
    let mut dec = Decoder::new();
    let mut tcp = TcpAnalyzer::new();
    let mut frames = vec![Frame::default()]; // frame numbers start at 1
                                             // Damaged files: tshark also stops at the damage.
    while let Ok(Some(frame)) = reader.next_frame() {
        let rec = dec.decode(&frame);
        let analysis = tcp.push(frame.number, &rec);
        frames.push(Frame {
            tcp: analysis,
            rst: rec.tcp.is_some_and(|t| t.flags & TcpInfo::RST != 0),
        });
    }
    Ok((frames, tcp.summary()))
}

/// tshark's answers for one file.
#[derive(Default)]
struct Expected {
    flags: BTreeMap<String, Vec<u64>>,
    dupacks: Vec<(u64, u32, u32)>,
    /// (stream, frame, initial RTT in ns)
    irtt: Vec<(u64, u64, i64)>,
}

/// "0.012545000" -> 12545000.
fn seconds_to_ns(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<9}");
    Some(int.parse::<i64>().ok()? * 1_000_000_000 + frac.get(..9)?.parse::<i64>().ok()?)
}

fn expected() -> BTreeMap<String, Expected> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/tcp_analysis_tshark.tsv"
    );
    let text = std::fs::read_to_string(path).expect("tests/data/tcp_analysis_tshark.tsv");
    let mut all: BTreeMap<String, Expected> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let e = all.entry(cols[0].to_string()).or_default();
        match cols[1] {
            "flag" => {
                let frames: Vec<u64> = cols
                    .get(4)
                    .map(|f| f.split(',').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or_default();
                let count: usize = cols[3].parse().expect("count");
                assert_eq!(frames.len(), count, "{line}");
                e.flags.insert(cols[2].to_string(), frames);
            }
            "dupack" => e.dupacks.push((
                cols[2].parse().expect("frame"),
                cols[3].parse().expect("num"),
                cols[4].parse().expect("dup frame"),
            )),
            "irtt" => e.irtt.push((
                cols[2].parse().expect("stream"),
                cols[3].parse().expect("frame"),
                seconds_to_ns(cols[4]).expect("irtt"),
            )),
            other => panic!("unknown row kind {other}"),
        }
    }
    all
}

fn ours_for(frames: &[Frame], flag: &str) -> Vec<u64> {
    frames
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            if flag == "reset" {
                f.rst
            } else {
                f.tcp.is_some_and(|t| t.flags.matches(flag))
            }
        })
        .map(|(i, _)| i as u64)
        .collect()
}

#[test]
fn tcp_analysis_matches_tshark() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the TCP analysis tshark cross-check did not run !!!!!!!!\n",
            dir.display()
        );
        return;
    }
    let expected = expected();
    assert!(
        expected.len() >= 50,
        "the tshark table lists {} files",
        expected.len()
    );
    let mut failures = Vec::new();
    let mut table = Vec::new();
    let mut totals = [(0usize, 0usize); FLAGS.len()];
    let (mut irtt_checked, mut allowed_used) = (0, 0);
    for (name, want) in &expected {
        let (frames, summary) = match analyze(&dir.join(name)) {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let mut row = Vec::new();
        for (k, flag) in FLAGS.iter().enumerate() {
            let theirs = want.flags.get(*flag).cloned().unwrap_or_default();
            let ours = ours_for(&frames, flag);
            totals[k].0 += ours.len();
            totals[k].1 += theirs.len();
            if ours.len() + theirs.len() > 0 {
                row.push(format!("{flag} {}/{}", ours.len(), theirs.len()));
            }
            for f in ours.iter().filter(|f| !theirs.contains(f)) {
                if ALLOWED
                    .iter()
                    .any(|a| a.0 == name && a.1 == *flag && a.2 == *f)
                {
                    allowed_used += 1;
                    continue;
                }
                failures.push(format!(
                    "{name}: frame {f} flagged {flag} by us, not by tshark"
                ));
            }
            for f in theirs.iter().filter(|f| !ours.contains(f)) {
                if ALLOWED
                    .iter()
                    .any(|a| a.0 == name && a.1 == *flag && a.2 == *f)
                {
                    allowed_used += 1;
                    continue;
                }
                failures.push(format!(
                    "{name}: frame {f} flagged {flag} by tshark, not by us"
                ));
            }
        }
        // The summary counts the same frames.
        let s = &summary;
        for (flag, n) in [
            ("retransmission", s.retransmissions),
            ("fast_retransmission", s.fast_retransmissions),
            ("duplicate_ack", s.duplicate_acks),
            ("zero_window", s.zero_windows),
            ("out_of_order", s.out_of_order),
            ("lost_segment", s.lost_segments),
            ("reset", s.resets),
        ] {
            let ours = ours_for(&frames, flag).len() as u64;
            if n != ours {
                failures.push(format!("{name}: summary {flag} {n}, frames {ours}"));
            }
        }
        for &(frame, num, dup_of) in &want.dupacks {
            let got = frames
                .get(frame as usize)
                .and_then(|f| f.tcp)
                .map(|t| (t.dup_ack_num, t.dup_ack_frame));
            if got != Some((num, dup_of)) {
                failures.push(format!(
                    "{name}: frame {frame}: duplicate ACK #{num} of frame {dup_of} in tshark, ours {got:?}"
                ));
            }
        }
        for &(stream, frame, ns) in &want.irtt {
            irtt_checked += 1;
            let got = frames
                .get(frame as usize)
                .and_then(|f| f.tcp)
                .and_then(|t| t.initial_rtt_ns);
            match got {
                Some(v) if (v - ns).abs() <= 1_000 => {}
                _ => failures.push(format!(
                    "{name}: stream {stream} frame {frame}: initial RTT {ns} ns in tshark, ours {got:?}"
                )),
            }
        }
        let c = &s.connections;
        if !row.is_empty() || c.total > 0 {
            table.push(format!(
                "{name}: {} | connections {} (completed {}, refused {}, unanswered {}, incomplete {}, no handshake {}), iRTT streams {}",
                row.join(", "),
                c.total,
                c.completed,
                c.refused,
                c.unanswered,
                c.incomplete,
                c.no_handshake,
                want.irtt.len()
            ));
        }
    }
    println!("ours/tshark per capture:\n{}", table.join("\n"));
    let tot: Vec<String> = FLAGS
        .iter()
        .zip(totals)
        .map(|(f, (o, t))| format!("{f} {o}/{t}"))
        .collect();
    println!("totals: {}", tot.join(", "));
    println!("initial RTTs checked: {irtt_checked}; allowances used: {allowed_used}");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        allowed_used,
        ALLOWED.len(),
        "an allowance is no longer needed"
    );
}

/// The flagged frames of `frames`, as `frame:name,name`.
fn flagged(frames: &[Frame]) -> Vec<String> {
    frames
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let t = f.tcp?;
            (!t.flags.is_empty())
                .then(|| format!("{i}:{}", t.flags.names().collect::<Vec<_>>().join(",")))
        })
        .collect()
}

#[test]
fn fixture_tcp_analysis_is_as_designed() {
    let (frames, s) = analyze(&fixtures_dir().join("tcp-analysis-ethernet.pcap")).unwrap();
    assert_eq!(frames.len() - 1, 21);
    assert_eq!(
        flagged(&frames),
        [
            "10:duplicate_ack",
            "11:duplicate_ack",
            "12:duplicate_ack",
            "13:fast_retransmission",
            "16:retransmission",
            "17:zero_window",
            "18:window_update"
        ]
    );
    let dups: Vec<(u32, u32)> = (10..=12)
        .map(|i| {
            frames[i]
                .tcp
                .map(|t| (t.dup_ack_num, t.dup_ack_frame))
                .unwrap()
        })
        .collect();
    assert_eq!(dups, [(1, 9), (2, 9), (3, 9)]);
    // SYN at t, SYN/ACK at t + 12.345 ms, ACK at t + 12.545 ms.
    assert_eq!(frames[3].tcp.unwrap().initial_rtt_ns, Some(12_545_000));
    assert_eq!(frames[2].tcp.unwrap().initial_rtt_ns, None);
    assert_eq!(
        (
            s.retransmissions,
            s.fast_retransmissions,
            s.duplicate_acks,
            s.zero_windows
        ),
        (2, 1, 3, 1)
    );
    assert_eq!(
        (s.window_updates, s.out_of_order, s.lost_segments, s.resets),
        (1, 0, 0, 0)
    );
    assert_eq!((s.connections.total, s.connections.completed), (1, 1));
    assert_eq!(s.handshake_rtt_us.samples, 1);
    assert_eq!(s.handshake_rtt_us.median, Some(12_545.0));
    assert_eq!(s.handshake_rtt_us.p95, Some(12_545.0));
    let c = &s.top_connections[0];
    assert_eq!(c.handshake, Handshake::Completed);
    assert_eq!(c.initial_rtt_ns, Some(12_545_000));
    assert_eq!(c.syn_to_synack_ns, Some(12_345_000));
    assert_eq!(c.synack_to_ack_ns, Some(200_000));
    assert_eq!(
        (c.client.to_string(), c.client_port),
        ("192.168.1.23".into(), 51_600)
    );
    assert_eq!(
        (c.server.to_string(), c.server_port),
        ("93.184.216.34".into(), 80)
    );
    assert_eq!((c.packets_to_server, c.packets_to_client), (11, 10));
    assert_eq!(c.retransmissions, 2);
    assert!(c.closed);
}

#[test]
fn fixture_syn_scan_is_as_designed() {
    let (frames, s) = analyze(&fixtures_dir().join("syn-scan-ethernet.pcap")).unwrap();
    assert_eq!(frames.len() - 1, 103);
    assert_eq!(
        flagged(&frames),
        (99..=103)
            .map(|i| format!("{i}:retransmission"))
            .collect::<Vec<_>>()
    );
    let n = s.connections;
    assert_eq!(
        (
            n.total,
            n.completed,
            n.refused,
            n.unanswered,
            n.incomplete,
            n.no_handshake
        ),
        (50, 0, 42, 5, 3, 0)
    );
    assert_eq!((s.resets, s.retransmissions), (45, 5));
    assert_eq!(s.handshake_rtt_us.samples, 0);
    assert_eq!(s.handshake_rtt_us.median, None);
    assert_eq!(s.failed_connections.len(), 47);
    let unanswered: Vec<u16> = s
        .failed_connections
        .iter()
        .filter(|c| c.handshake == Handshake::Unanswered)
        .map(|c| c.server_port)
        .collect();
    assert_eq!(unanswered, [25, 139, 445, 1433, 3389]);
    assert!(s
        .failed_connections
        .iter()
        .all(|c| c.client.to_string() == "192.168.1.66" && c.client_port == 40_404));
    assert!(s.failed_connections.iter().all(|c| c.syns
        == if c.handshake == Handshake::Unanswered {
            2
        } else {
            1
        }));
}

#[test]
fn fixture_beacon_connections_all_complete() {
    let (frames, s) = analyze(&fixtures_dir().join("beacon-30s-ethernet.pcap")).unwrap();
    assert!(flagged(&frames).is_empty(), "{:?}", flagged(&frames));
    let n = s.connections;
    assert_eq!(n.completed, n.total);
    let beacons: Vec<u32> = frames
        .iter()
        .filter_map(|f| f.tcp)
        .map(|t| t.stream)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(beacons.len() as u64 == n.total && n.total >= 40);
    // 48 ms SYN -> SYN/ACK, 0.2 ms to the ACK for the beacons; 17 ms + 41 µs for the rest.
    assert_eq!(s.handshake_rtt_us.median, Some(48_200.0));
}

/// `PCAPSCOPE_TCP_DUMP=FILE cargo test --test tcp_analysis_corpus -- --ignored dump --nocapture`
/// prints every TCP frame of FILE (a corpus name or a path): number, stream, flags,
/// duplicate-ACK number and frame, initial RTT; to set beside `tshark -T fields -e
/// frame.number -e tcp.stream ...`.
#[test]
#[ignore]
fn dump() {
    let Ok(name) = std::env::var("PCAPSCOPE_TCP_DUMP") else {
        return;
    };
    let path = if Path::new(&name).exists() {
        PathBuf::from(&name)
    } else {
        corpus_dir().join(&name)
    };
    let (frames, summary) = analyze(&path).unwrap();
    for (i, f) in frames.iter().enumerate() {
        if let Some(t) = f.tcp {
            let names: Vec<_> = t.flags.names().collect();
            println!(
                "{i}\t{}\t{}\t{}\t{}\t{:?}",
                t.stream,
                names.join(","),
                t.dup_ack_num,
                t.dup_ack_frame,
                t.initial_rtt_ns
            );
        }
    }
    println!("{}", serde_json::to_string_pretty(&summary).unwrap());
}

/// `cargo test --release --test tcp_analysis_corpus -- --ignored throughput --nocapture`:
/// the analyzer alone over the decoded records of the largest TCP capture of the corpus
/// (a measurement to read, never an assertion on speed).
#[test]
#[ignore]
fn throughput() {
    let path = corpus_dir().join("zeek__echo-connections.pcap.gz");
    let Ok(file) = File::open(&path) else {
        return;
    };
    let mut reader = Reader::new(BufReader::new(file)).unwrap();
    let mut dec = Decoder::new();
    let mut recs = Vec::new();
    let mut bytes = 0u64;
    while let Ok(Some(frame)) = reader.next_frame() {
        bytes += u64::from(frame.orig_len);
        recs.push(dec.decode(&frame));
    }
    let rounds = 20;
    let start = std::time::Instant::now();
    let mut flagged = 0u64;
    for _ in 0..rounds {
        let mut tcp = TcpAnalyzer::new();
        for (i, r) in recs.iter().enumerate() {
            if tcp
                .push(i as u64 + 1, r)
                .is_some_and(|t| !t.flags.is_empty())
            {
                flagged += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let frames = (recs.len() * rounds) as f64;
    println!(
        "{} frames x {rounds}: {:.1} ns/frame, {:.0} Mframes/s, {:.2} GB/s of frames ({flagged} flagged)",
        recs.len(),
        secs * 1e9 / frames,
        frames / secs / 1e6,
        (bytes * rounds as u64) as f64 / secs / 1e9
    );
}
