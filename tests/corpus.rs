//! Cross-check against tshark 4.0 on the real captures in `../shared/corpus/`: the
//! `pcapscope stats --json` code path (analyze + report) on every file, compared with the
//! ground truth beside it (`*.truth.json`, made by the corpus's `truth.py`).
//!
//! Exact: packets, bytes, captured bytes, earliest and latest time, completeness. Protocol
//! counts: within 0.5% per file, with every exception listed in `ALLOWANCES` and explained.
//! IP conversations: every IPv4/IPv6 pair in tshark's top 10 whose exact byte sum is known must
//! be ours too, with the same frames and bytes.

// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]
use pcapscope::report::stats_json;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "\n\n!!!! ../shared/corpus is missing: the tshark cross-check did NOT run !!!!\n"
        );
        None
    }
}

/// Per-file protocol-count exceptions: (file, protocol in the truth's names, our count,
/// why it differs from tshark).
const ALLOWANCES: &[(&str, &str, u64, &str)] = &[];

/// Epoch seconds as a decimal string ("1270661369.782934000", or Python's "0E-9") to integer
/// nanoseconds.
fn parse_ns(s: &str) -> i128 {
    let (mantissa, exp) = match s.split_once(['E', 'e']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap()),
        None => (s, 0),
    };
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: i128 = format!("{int}{frac}").parse().unwrap();
    // value = digits * 10^(exp - frac.len()); in ns: * 10^9.
    let scale = exp - frac.len() as i32 + 9;
    let v = if scale >= 0 {
        digits * 10i128.pow(scale as u32)
    } else {
        digits / 10i128.pow((-scale) as u32)
    };
    if neg {
        -v
    } else {
        v
    }
}

fn json_ns(v: &Value) -> Option<i128> {
    match v {
        Value::Null => None,
        Value::Number(n) => Some(parse_ns(&n.to_string())),
        Value::String(s) => panic!("time as string {s}"),
        other => panic!("time is not a number: {other}"),
    }
}

#[test]
fn stats_json_matches_tshark_on_every_corpus_file() {
    let Some(dir) = corpus_dir() else { return };
    let mut truths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
        .collect();
    truths.sort();
    assert!(
        truths.len() >= 60,
        "expected the 62-file corpus, found {}",
        truths.len()
    );

    let mut failures = Vec::new();
    let mut checked_convs = 0;
    for truth_path in &truths {
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(truth_path).unwrap()).unwrap();
        let name = truth["file"].as_str().unwrap().to_string();
        let file = std::fs::File::open(dir.join(&name)).unwrap();
        let analysis = match pcapscope::analyze(std::io::BufReader::new(file)) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: not read at all: {e}"));
                continue;
            }
        };
        let doc = stats_json(&analysis);
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));

        for (ours, theirs) in [
            ("packets", "packets"),
            ("bytes", "bytes_frame_len_sum"),
            ("captured_bytes", "bytes_cap_len_sum"),
        ] {
            if doc[ours].as_u64() != truth[theirs].as_u64() {
                fail(format!(
                    "{ours} = {} but tshark says {}",
                    doc[ours], truth[theirs]
                ));
            }
        }
        for (ours, theirs) in [
            ("first_time", "min_ts_epoch"),
            ("last_time", "max_ts_epoch"),
        ] {
            let want = truth[theirs].as_str().map(parse_ns);
            let got = json_ns(&doc[ours]);
            if got != want {
                fail(format!("{ours} = {got:?} ns but tshark says {want:?} ns"));
            }
        }
        let tshark_clean = truth["tshark_rc"].as_i64() == Some(0);
        if doc["complete"].as_bool() != Some(tshark_clean) {
            fail(format!(
                "complete = {} but tshark rc = {} ({})",
                doc["complete"], truth["tshark_rc"], truth["tshark_stderr"]
            ));
        }

        for (theirs, ours) in [
            ("ip", "ipv4"),
            ("ipv6", "ipv6"),
            ("tcp", "tcp"),
            ("udp", "udp"),
            ("icmp", "icmp"),
            ("icmpv6", "icmpv6"),
            ("arp", "arp"),
            ("dns", "dns"),
        ] {
            let want = truth["frame_counts"][theirs].as_u64().unwrap();
            let got = doc["protocols"][ours].as_u64().unwrap();
            let allowed = ALLOWANCES
                .iter()
                .find(|(f, p, _, _)| *f == name && *p == theirs);
            match allowed {
                Some((_, _, n, _)) if *n == got => {}
                Some((_, _, n, why)) => fail(format!(
                    "{theirs}: {got} frames, allowance expects {n} ({why}); tshark {want}"
                )),
                None => {
                    let tolerance = want as f64 * 0.005;
                    if (got as f64 - want as f64).abs() > tolerance {
                        fail(format!("{theirs}: {got} frames but tshark says {want}"));
                    }
                }
            }
        }

        let ours: Vec<&Value> = doc["ip_conversations"].as_array().unwrap().iter().collect();
        for key in ["conv_ipv4_top10_by_bytes", "conv_ipv6_top10_by_bytes"] {
            for c in truth[key].as_array().unwrap() {
                let Some(bytes) = c["bytes_exact"].as_u64() else {
                    continue;
                };
                let (a, b) = (c["a"].as_str().unwrap(), c["b"].as_str().unwrap());
                let found = ours.iter().find(|o| {
                    let (oa, ob) = (o["a"].as_str().unwrap(), o["b"].as_str().unwrap());
                    (oa == a && ob == b) || (oa == b && ob == a)
                });
                checked_convs += 1;
                match found {
                    None => fail(format!("conversation {a} <-> {b} missing")),
                    Some(o) => {
                        if o["bytes"].as_u64() != Some(bytes)
                            || o["packets"].as_u64() != c["frames"].as_u64()
                        {
                            fail(format!(
                                "conversation {a} <-> {b}: {} frames / {} bytes, tshark {} / {bytes}",
                                o["packets"], o["bytes"], c["frames"]
                            ));
                        }
                    }
                }
            }
        }
        // Our list is ordered by bytes, as the contract says, with `a` the lower address.
        for w in ours.windows(2) {
            if w[0]["bytes"].as_u64() < w[1]["bytes"].as_u64() {
                fail("ip_conversations not in descending byte order".into());
                break;
            }
        }
    }
    eprintln!(
        "checked {} files, {checked_convs} conversations",
        truths.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches with tshark:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
