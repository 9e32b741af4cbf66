//! Cross-check of `decode::Decoder` against tshark 4.0 on the real captures in
//! `../shared/corpus/`: for every file, the number of frames in which each of ip (our ipv4),
//! ipv6, tcp, udp, icmp, icmpv6, arp and dns appears at any layer must equal `frame_counts`
//! in the file's `*.truth.json` (tshark's `frame.protocols`), within 0.5% per file (exactly on
//! small files). Known, explained differences are listed in [`ALLOWANCES`]. Every mismatch is
//! collected, then reported at once.
//!
//! `PCAPSCOPE_DECODE_DUMP=DIR cargo test --test decode_corpus -- --ignored dump` writes, per
//! file, one line per frame with the protocols decoded (`DIR/NAME.protos`), for a
//! frame-by-frame comparison with `tshark -T fields -e frame.number -e frame.protocols`.

use pcapscope::capture::Reader;
use pcapscope::decode::{Decoder, PacketRecord, Proto};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// tshark's protocol names in `frame_counts`, and ours.
const COMPARED: &[(&str, Proto)] = &[
    ("ip", Proto::Ipv4),
    ("ipv6", Proto::Ipv6),
    ("tcp", Proto::Tcp),
    ("udp", Proto::Udp),
    ("icmp", Proto::Icmp),
    ("icmpv6", Proto::Icmpv6),
    ("arp", Proto::Arp),
    ("dns", Proto::Dns),
];

/// Documented differences from tshark: (file, tshark protocol name, our count, why).
const ALLOWANCES: &[(&str, &str, u64, &str)] = &[];

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

fn truth_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Decodes every frame of `path`, calling `each` with the frame number and the record.
fn decode_file(path: &Path, mut each: impl FnMut(u64, &PacketRecord)) -> Result<u64, String> {
    let file = File::open(path).map_err(|e| format!("open: {e}"))?;
    let mut reader =
        Reader::new(BufReader::new(file)).map_err(|e| format!("reader: {e:?}"))?;
    let mut dec = Decoder::new();
    let mut n = 0;
    loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                n += 1;
                let rec = dec.decode(&frame);
                each(frame.number, &rec);
            }
            Ok(None) => break,
            // Damaged files: tshark's counts are also what it read before the damage.
            Err(_) => break,
        }
    }
    Ok(n)
}

#[test]
fn protocol_frame_counts_match_tshark() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the decoder's tshark cross-check did not run !!!!!!!!\n",
            dir.display()
        );
        return;
    }
    let files = truth_files(&dir);
    assert!(!files.is_empty(), "no *.truth.json in {}", dir.display());
    let mut failures = Vec::new();
    let mut used_allowances = 0;
    for truth_path in &files {
        let name = truth_path
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".truth.json").to_string())
            .unwrap_or_default();
        let truth: serde_json::Value = match std::fs::read_to_string(truth_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            Some(v) => v,
            None => {
                failures.push(format!("{name}: unreadable truth file"));
                continue;
            }
        };
        let mut ours = [0u64; COMPARED.len()];
        let result = decode_file(&dir.join(&name), |_, rec| {
            for (i, (_, p)) in COMPARED.iter().enumerate() {
                if rec.protocols.contains(*p) {
                    ours[i] += 1;
                }
            }
        });
        let frames = match result {
            Ok(n) => n,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if let Some(want) = truth["packets"].as_u64() {
            if want != frames {
                failures.push(format!(
                    "{name}: read {frames} frames, tshark {want} (reader problem)"
                ));
            }
        }
        let mut line = format!("{name:<56}");
        for (i, (tname, _)) in COMPARED.iter().enumerate() {
            let Some(want) = truth["frame_counts"][*tname].as_u64() else {
                failures.push(format!("{name}: truth has no frame_counts.{tname}"));
                continue;
            };
            let got = ours[i];
            line.push_str(&format!(" {tname}={got}"));
            if let Some(&(_, _, allowed, why)) = ALLOWANCES
                .iter()
                .find(|(f, p, _, _)| *f == name && p == tname)
            {
                used_allowances += 1;
                if got != allowed {
                    failures.push(format!(
                        "{name}: {tname}: ours {got}, allowance says {allowed} (tshark {want}; {why})"
                    ));
                }
                continue;
            }
            let tolerance = (want as f64 * 0.005).floor() as u64;
            if got.abs_diff(want) > tolerance {
                failures.push(format!("{name}: {tname}: ours {got}, tshark {want}"));
            }
        }
        eprintln!("{line}");
    }
    assert_eq!(
        used_allowances,
        ALLOWANCES.len(),
        "an allowance names a file or protocol that is not in the corpus"
    );
    assert!(
        failures.is_empty(),
        "{} mismatch(es) against tshark:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Prints whole records of a frame range: `PCAPSCOPE_DECODE_TRACE=FILE:FROM-TO`.
#[test]
#[ignore]
fn trace() {
    let Some(spec) = std::env::var("PCAPSCOPE_DECODE_TRACE").ok() else {
        eprintln!("set PCAPSCOPE_DECODE_TRACE=FILE:FROM-TO");
        return;
    };
    let (file, range) = spec.rsplit_once(':').unwrap_or((&spec, "1-999999999"));
    let (from, to) = range.split_once('-').unwrap_or((range, range));
    let (from, to): (u64, u64) = (from.parse().unwrap_or(1), to.parse().unwrap_or(u64::MAX));
    let _ = decode_file(&corpus_dir().join(file), |n, rec| {
        if (from..=to).contains(&n) {
            let names: Vec<&str> = rec.protocols.iter().map(Proto::name).collect();
            eprintln!("{n}\t{}\t{rec:?}", names.join(":"));
        }
    });
}

/// Writes our protocol list per frame, for a frame-by-frame comparison with tshark.
#[test]
#[ignore]
fn dump() {
    let Some(out) = std::env::var_os("PCAPSCOPE_DECODE_DUMP") else {
        eprintln!("set PCAPSCOPE_DECODE_DUMP=DIR");
        return;
    };
    let out = PathBuf::from(out);
    let dir = corpus_dir();
    let _ = std::fs::create_dir_all(&out);
    for truth_path in truth_files(&dir) {
        let name = truth_path
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".truth.json").to_string())
            .unwrap_or_default();
        let mut text = String::new();
        let mut malformed: BTreeMap<String, u64> = BTreeMap::new();
        let _ = decode_file(&dir.join(&name), |n, rec| {
            let names: Vec<&str> = rec.protocols.iter().map(Proto::name).collect();
            text.push_str(&format!("{n}\t{}\n", names.join(":")));
            if let Some(l) = rec.malformed {
                *malformed.entry(format!("{l:?}")).or_default() += 1;
            }
        });
        let _ = std::fs::write(out.join(format!("{name}.protos")), text);
        if !malformed.is_empty() {
            eprintln!("{name}: malformed {malformed:?}");
        }
    }
}
