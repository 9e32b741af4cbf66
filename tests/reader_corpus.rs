//! Cross-check of `capture::Reader` against tshark 4.0 on the real captures in
//! `../shared/corpus/`: frame count, sums of original and captured lengths, earliest and
//! latest timestamp (to the nanosecond), a clean read where tshark read cleanly, and the
//! declared link types from `MANIFEST.tsv`. Every mismatch is collected, then reported at once.

// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]
use pcapscope::capture::Reader;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

/// `"1270661369.782934000"` -> 1270661369782934000 (integer nanoseconds, no floating point).
/// Also Python's `Decimal` exponent form, e.g. `"0E-9"`.
fn parse_epoch_ns(s: &str) -> Option<i64> {
    let (mantissa, exp) = match s.split_once(['E', 'e']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (neg, body) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // value = digits * 10^(exp - frac.len()); in ns: digits * 10^(9 + exp - frac.len()).
    let scale = 9 + exp - i32::try_from(frac.len()).ok()?;
    let mut ns: i128 = digits.parse().ok()?;
    if scale >= 0 {
        ns = ns.checked_mul(10i128.checked_pow(scale as u32)?)?;
    } else {
        let div = 10i128.checked_pow(scale.unsigned_abs())?;
        if ns % div != 0 {
            return None; // finer than a nanosecond
        }
        ns /= div;
    }
    i64::try_from(if neg { -ns } else { ns }).ok()
}

/// The `linktypes(file header/IDBs)` column: `1:EN10MB`, `1:EN10MBx2`,
/// `1:EN10MBx105;113:LINUX_SLLx5;274:?x16` -> the distinct numbers.
fn parse_manifest_linktypes(col: &str) -> Option<Vec<u32>> {
    let mut out: Vec<u32> = col
        .split(';')
        .map(|part| part.split(':').next().unwrap_or("").trim().parse().ok())
        .collect::<Option<_>>()?;
    out.sort_unstable();
    out.dedup();
    Some(out)
}

fn manifest_linktypes(dir: &Path) -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        return HashMap::new();
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let Some(col) = header
        .iter()
        .position(|h| h.starts_with("linktypes(file header/IDBs)"))
    else {
        return HashMap::new();
    };
    lines
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            Some((cells.first()?.to_string(), cells.get(col)?.to_string()))
        })
        .collect()
}

#[derive(Default, Debug)]
struct Totals {
    packets: u64,
    orig: u64,
    cap: u64,
    min_ts: Option<i64>,
    max_ts: Option<i64>,
    error: Option<String>,
    link_types: Vec<u32>,
}

fn read_totals(path: &Path) -> Result<Totals, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut reader = Reader::new(BufReader::new(file)).map_err(|e| format!("Reader::new: {e}"))?;
    let mut t = Totals::default();
    let mut expected_number = 1;
    loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                if f.number != expected_number {
                    return Err(format!(
                        "frame numbered {} (expected {expected_number})",
                        f.number
                    ));
                }
                if f.data.len() != f.cap_len as usize {
                    return Err(format!("frame {}: data.len() != cap_len", f.number));
                }
                expected_number += 1;
                t.packets += 1;
                t.orig += u64::from(f.orig_len);
                t.cap += u64::from(f.cap_len);
                // Frames without a timestamp (Simple Packet Blocks) have no frame.time_epoch
                // in tshark's output either.
                if let Some(ts) = f.timestamp() {
                    t.min_ts = Some(t.min_ts.map_or(ts, |m| m.min(ts)));
                    t.max_ts = Some(t.max_ts.map_or(ts, |m| m.max(ts)));
                }
            }
            Ok(None) => break,
            Err(e) => {
                t.error = Some(e.to_string());
                break;
            }
        }
    }
    if !matches!(reader.next_frame(), Ok(None)) {
        return Err("next_frame after the end did not return Ok(None)".into());
    }
    t.link_types = reader.link_types().to_vec();
    Ok(t)
}

#[test]
fn reader_matches_tshark_on_corpus() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "\n\n!!!!! WARNING: corpus directory {} is missing: reader_corpus checked NOTHING !!!!!\n",
            dir.display()
        );
        return;
    };
    let manifest = manifest_linktypes(&dir);
    let mut truths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
        .collect();
    truths.sort();
    assert!(!truths.is_empty(), "no *.truth.json in {}", dir.display());

    let mut problems = Vec::new();
    let mut checked = 0;
    for truth_path in &truths {
        let name = truth_path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".truth.json"))
            .unwrap_or_default()
            .to_string();
        let truth: serde_json::Value = match std::fs::read_to_string(truth_path)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: cannot read truth: {e}"));
                continue;
            }
        };
        let got = match read_totals(&dir.join(&name)) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        checked += 1;
        let mut mismatch = |what: &str, want: String, got: String| {
            if want != got {
                problems.push(format!("{name}: {what}: tshark {want}, reader {got}"));
            }
        };
        let num = |key: &str| truth.get(key).and_then(|v| v.as_u64());
        mismatch(
            "packets",
            format!("{:?}", num("packets")),
            format!("{:?}", Some(got.packets)),
        );
        mismatch(
            "sum of frame.len",
            format!("{:?}", num("bytes_frame_len_sum")),
            format!("{:?}", Some(got.orig)),
        );
        mismatch(
            "sum of frame.cap_len",
            format!("{:?}", num("bytes_cap_len_sum")),
            format!("{:?}", Some(got.cap)),
        );
        let ts = |key: &str| {
            truth
                .get(key)
                .and_then(|v| v.as_str())
                .and_then(parse_epoch_ns)
        };
        mismatch(
            "min ts (ns)",
            format!("{:?}", ts("min_ts_epoch")),
            format!("{:?}", got.min_ts),
        );
        mismatch(
            "max ts (ns)",
            format!("{:?}", ts("max_ts_epoch")),
            format!("{:?}", got.max_ts),
        );
        if truth.get("tshark_rc").and_then(|v| v.as_i64()) == Some(0) {
            if let Some(e) = &got.error {
                problems.push(format!(
                    "{name}: tshark reads it cleanly, reader stopped: {e}"
                ));
            }
        }
        if let Some(want) = manifest
            .get(&name)
            .and_then(|c| parse_manifest_linktypes(c))
        {
            let mut have = got.link_types.clone();
            have.sort_unstable();
            if have != want {
                problems.push(format!(
                    "{name}: link types: manifest {want:?}, reader {:?}",
                    got.link_types
                ));
            }
            if got.link_types.len() != want.len() {
                problems.push(format!(
                    "{name}: link types not deduplicated: {:?}",
                    got.link_types
                ));
            }
        }
    }
    eprintln!(
        "reader_corpus: checked {checked} of {} captures",
        truths.len()
    );
    assert!(
        problems.is_empty(),
        "{} mismatch(es) against tshark:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn epoch_parsing() {
    assert_eq!(
        parse_epoch_ns("1270661369.782934000"),
        Some(1_270_661_369_782_934_000)
    );
    assert_eq!(parse_epoch_ns("1.5"), Some(1_500_000_000));
    assert_eq!(parse_epoch_ns("0.000000001"), Some(1));
    assert_eq!(parse_epoch_ns("-1.5"), Some(-1_500_000_000));
    assert_eq!(parse_epoch_ns("12"), Some(12_000_000_000));
    assert_eq!(parse_epoch_ns("x.1"), None);
    assert_eq!(parse_epoch_ns("0E-9"), Some(0));
    assert_eq!(parse_epoch_ns("1.5E+1"), Some(15_000_000_000));
    assert_eq!(
        parse_manifest_linktypes("1:EN10MBx105;113:LINUX_SLLx5;274:?x16"),
        Some(vec![1, 113, 274])
    );
    assert_eq!(parse_manifest_linktypes("0:NULL(loopback)"), Some(vec![0]));
}
