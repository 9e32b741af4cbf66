#![cfg(not(target_arch = "wasm32"))]
//! Wireshark's TCP numbering over the real captures in `../shared/corpus/`: every frame with
//! TCP (not quoted in an ICMP error) of every capture, read in one pass by an [`Engine`] with
//! [`Options::tcp_context`], then dissected alone with [`dissect_with`], shows the relative
//! `tcp.seq`, `tcp.ack` and `tcp.nxtseq`, the calculated `tcp.window_size`, the
//! `tcp.window_size_scalefactor` and the Info column that tshark 4.0 shows by default.
//!
//! The expected values are in `tests/data/tcp_info_tshark.tsv`, whose first lines give the
//! tshark command that made it. tshark ran with its default TCP analysis
//! (`tcp.analyze_sequence_numbers` and `tcp.relative_sequence_numbers` on: turning the
//! analysis off turns relative numbers off too) and, as for the other corpus cross-checks,
//! without TCP and IP reassembly (`-o tcp.desegment_tcp_streams:FALSE -o ip.defragment:FALSE
//! -o ipv6.defragment:FALSE`), which is what one packet shows: no `[TCP segment of a
//! reassembled PDU]` suffix, application protocols dissected segment by segment. No corpus
//! capture has TCP in an IP fragment, so IP reassembly changes no TCP numbering here.
//!
//! Two more preferences keep other issues' work out of the comparison:
//! `tcp.no_subdissector_on_error:FALSE`, because by default Wireshark leaves the payload of a
//! segment its analysis calls a retransmission or out-of-order undissected (knowing that is
//! the sequence analysis' work, which a one-packet view does not do), and
//! `f5ethtrailer.info_type:None`, because the F5 Ethernet trailers of
//! `zeek__mixed-vlan-mpls.pcap` otherwise put `OUT s1/tmm1 : ` in front of the Info column.
//!
//! The sequence analysis also writes its findings in front of the Info column (`[TCP
//! Retransmission] `, `[TCP Dup ACK 12#1] `, `[TCP Window Update] `, `[TCP Keep-Alive] `,
//! `[TCP Port numbers reused] `, `[Continuation to #22] `, ...) and an application dissector
//! that runs out of bytes without reassembly appends `[BoundErrorUnreassembled Packet]`; those
//! are other issues' work, so the comparison strips them from tshark's Info
//! ([`strip_analysis`]).
//!
//! Numbers and the scaling factor are compared on every frame. The Info column is compared
//! where tshark's Protocol column says `TCP`: elsewhere it is an application protocol's
//! (HTTP, TLS, DNS, SMB ...), checked by `tests/dissect_corpus.rs` where a one-packet view can
//! agree. Allowances, each explained, are in [`ALLOWED`].

use pcapscope::analyze::{analyze_with, Engine, Options};
use pcapscope::capture::Reader;
use pcapscope::dissect::{dissect_with, Dissection};
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

/// One frame's bytes, as the worker re-reads them.
struct Owned {
    link_type: u32,
    orig_len: u32,
    data: Vec<u8>,
}

/// A capture read the way the page reads it: one pass through an engine with the TCP
/// context, and every frame's bytes by number.
struct Capture {
    engine: Engine,
    frames: HashMap<u64, Owned>,
}

fn read(path: &Path) -> Option<Capture> {
    let options = Options {
        tcp_context: true,
        ..Options::default()
    };
    let engine = analyze_with(BufReader::new(File::open(path).ok()?), options)
        .ok()?
        .engine;
    let mut r = Reader::new(BufReader::new(File::open(path).ok()?)).ok()?;
    let mut frames = HashMap::new();
    while let Ok(Some(f)) = r.next_frame() {
        frames.insert(
            f.number,
            Owned {
                link_type: f.link_type,
                orig_len: f.orig_len,
                data: f.data.to_vec(),
            },
        );
    }
    Some(Capture { engine, frames })
}

/// tshark's Info without the notes of the sequence analysis and of reassembly: leading `[TCP
/// ...] ` and `[Continuation to #N] ` groups, and a trailing `[...Unreassembled Packet]` (an
/// application dissector ran out of bytes of a segment that was not reassembled, as on the 1-byte
/// segments to port 7000, Gryphon, of `zeek__echo-connections.pcap.gz`).
fn strip_analysis(info: &str) -> &str {
    let mut s = info;
    while s.starts_with("[TCP ") || s.starts_with("[Continuation to #") {
        match s.find("] ") {
            Some(i) => s = &s[i + 2..],
            None => break,
        }
    }
    if s.ends_with("Unreassembled Packet]") {
        if let Some(i) = s.rfind('[') {
            s = &s[..i];
        }
    }
    s
}

/// A field as tshark's `-T fields` prints it: every occurrence's value, from the right-hand
/// side of its filter (so that "Copy as filter" is checked too), joined by commas.
fn field(d: &Dissection, abbrev: &str) -> String {
    d.nodes()
        .filter(|n| n.abbrev.as_deref() == Some(abbrev))
        .map(|n| {
            n.filter
                .as_deref()
                .and_then(|f| f.split_once(" == "))
                .map_or(n.value.clone(), |(_, v)| v.to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The columns of `tests/data/tcp_info_tshark.tsv` after the file name and frame number.
const FIELDS: &[&str] = &[
    "tcp.seq",
    "tcp.ack",
    "tcp.nxtseq",
    "tcp.window_size",
    "tcp.window_size_scalefactor",
];

/// Known differences, each `(file, frame, column, why)`; `column` is a field name, or
/// `"info"` for the Info column.
const ALLOWED: &[(&str, u64, &str, &str)] = &[];

#[test]
fn tcp_numbers_and_info_match_tshark() {
    let dir = corpus_dir();
    if !dir.exists() {
        eprintln!(
            "WARNING: {} is missing: the TCP numbering cross-check checks nothing",
            dir.display()
        );
        return;
    }
    let table = include_str!("data/tcp_info_tshark.tsv");
    let mut captures: HashMap<&str, Option<Capture>> = HashMap::new();
    let (mut frames, mut values, mut infos) = (0usize, 0usize, 0usize);
    let mut mismatches = Vec::new();
    let mut allowed_seen = 0usize;
    let mut per_column: HashMap<&str, (usize, usize)> = HashMap::new();
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, number) = (cols[0], cols[1].parse::<u64>().unwrap_or(0));
        let capture = captures
            .entry(file)
            .or_insert_with(|| read(&dir.join(file)));
        let Some(c) = capture.as_ref() else {
            mismatches.push(format!("{file}: not read"));
            continue;
        };
        let Some(f) = c.frames.get(&number) else {
            mismatches.push(format!("{file} frame {number}: not read"));
            continue;
        };
        let d = dissect_with(
            f.link_type,
            &f.data,
            f.orig_len,
            &c.engine.dissect_context(number),
        );
        frames += 1;
        let mut check = |column: &'static str, ours: &str, theirs: &str| {
            let e = per_column.entry(column).or_default();
            e.0 += 1;
            if ours == theirs {
                return;
            }
            e.1 += 1;
            if ALLOWED
                .iter()
                .any(|a| a.0 == file && a.1 == number && a.2 == column)
            {
                allowed_seen += 1;
                return;
            }
            mismatches.push(format!(
                "{file} frame {number} {column}: ours {ours:?}, tshark {theirs:?}"
            ));
        };
        for (i, name) in FIELDS.iter().enumerate() {
            values += 1;
            check(
                name,
                &field(&d, name),
                cols.get(i + 2).copied().unwrap_or(""),
            );
        }
        let protocol = cols.get(7).copied().unwrap_or("");
        let info = cols.get(8).copied().unwrap_or("");
        if protocol == "TCP" {
            infos += 1;
            check("info", &d.info, strip_analysis(info));
        }
    }
    let mut rates: Vec<String> = per_column
        .iter()
        .map(|(c, (n, bad))| format!("{c}: {}/{n} match", n - bad))
        .collect();
    rates.sort();
    let (conns, versions, heap) = captures
        .values()
        .flatten()
        .filter_map(|c| c.engine.tcp_context())
        .fold((0, 0, 0), |(c, v, h), t| {
            (c + t.connections(), v + t.len(), h + t.heap_bytes())
        });
    eprintln!(
        "{frames} TCP frames, {values} values, {infos} Info columns compared; {}; \
         {conns} connections, {versions} versions, {heap} bytes of tables",
        rates.join(", ")
    );
    assert!(frames > 10_000, "only {frames} frames compared");
    assert_eq!(
        allowed_seen,
        ALLOWED.len(),
        "an allowance no longer applies"
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(200)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn analysis_notes_are_stripped() {
    assert_eq!(
        strip_analysis("[TCP Dup ACK 12#1] [TCP ACKed unseen segment] 80 → 1 [ACK] Seq=1"),
        "80 → 1 [ACK] Seq=1"
    );
    assert_eq!(strip_analysis("80 → 1 [ACK] Seq=1"), "80 → 1 [ACK] Seq=1");
    assert_eq!(strip_analysis("[TCP Keep-Alive]"), "[TCP Keep-Alive]");
    assert_eq!(
        strip_analysis(
            "[Continuation to #22] 445 → 1 [ACK] Seq=9 Len=2[BoundErrorUnreassembled Packet]"
        ),
        "445 → 1 [ACK] Seq=9 Len=2"
    );
}

/// The TCP lines of `cs__http_espn.pcapng` frame 5 in the tree, as `tshark -V` 4.0 prints them
/// (the lines a one-packet view has: not the stream index, conversation completeness,
/// timestamps and SEQ/ACK analysis; the checksum is verified here, where tshark leaves it
/// unverified).
#[test]
fn tree_lines_match_tshark() {
    let path = corpus_dir().join("cs__http_espn.pcapng");
    let Some(c) = read(&path) else {
        eprintln!(
            "WARNING: {} is missing: the tree lines are not checked",
            path.display()
        );
        return;
    };
    let Some(f) = c.frames.get(&5) else {
        panic!("frame 5 not read");
    };
    let d = dissect_with(
        f.link_type,
        &f.data,
        f.orig_len,
        &c.engine.dissect_context(5),
    );
    let tcp = d
        .layers
        .iter()
        .find(|l| l.abbrev.as_deref() == Some("tcp"))
        .map(|l| {
            std::iter::once(l.label())
                .chain(
                    l.children
                        .iter()
                        .map(|n| n.label())
                        .filter(|l| !l.contains("Checksum")),
                )
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let tshark = [
        "Transmission Control Protocol, Src Port: 52166, Dst Port: 80, Seq: 1, Ack: 1, Len: 0",
        "Source Port: 52166",
        "Destination Port: 80",
        "[TCP Segment Len: 0]",
        "Sequence Number: 1    (relative sequence number)",
        "Sequence Number (raw): 168077070",
        "[Next Sequence Number: 1    (relative sequence number)]",
        "Acknowledgment Number: 1    (relative ack number)",
        "Acknowledgment number (raw): 3274825747",
        "1000 .... = Header Length: 32 bytes (8)",
        "Flags: 0x010 (ACK)",
        "Window: 92",
        "[Calculated window size: 5888]",
        "[Window size scaling factor: 64]",
        "Urgent Pointer: 0",
        "Options: (12 bytes), No-Operation (NOP), No-Operation (NOP), Timestamps",
    ];
    assert_eq!(tcp, tshark);
}
