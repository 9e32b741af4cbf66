//! Damage never panics and never hangs: every truncation of every fixture (and of a few small
//! corpus captures) gives the frames before the cut and then either a clean end (cut on a
//! record boundary) or a typed error; random byte flips and random bytes after a capture magic
//! give frames and/or a typed error. Each check runs under a watchdog.

// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]
use pcapscope::capture::{ErrorKind, Reader, MAX_RECORD_LEN};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// Small corpus captures cut at every byte as well (skipped if the corpus is absent).
const CORPUS_SMALL: &[&str] = &[
    "rp__modified-format_kuznetzov.pcap",
    "rp__test016-be_options.pcapng",
    "zeek__pcapng-multi-interface.pcapng",
    "zeek__ldap_issue-32_sll_nsec.pcapng",
    "zeek__vntag_nsec.pcap",
    "zeek__linux_dlt_sll2.pcap",
    "zeek__trunc_trunc-hdr_snaplen8.pcap",
    "cs__80211beacon.pcapng",
    "sv__nfs3-01_bigendian.pcap",
];

/// Files whose every prefix is read (decompressed size over this are sampled instead).
const EXHAUSTIVE_LIMIT: usize = 64 * 1024;

struct Input {
    name: String,
    bytes: Vec<u8>,
}

fn inputs() -> Vec<Input> {
    let mut v = Vec::new();
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"));
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/ (run `cargo xtask fixtures`)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) != Some("md"))
        .collect();
    names.sort();
    for p in names {
        v.push(Input {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            bytes: std::fs::read(&p).unwrap(),
        });
    }
    assert!(v.len() >= 40, "only {} fixtures", v.len());
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    for name in CORPUS_SMALL {
        match std::fs::read(corpus.join(name)) {
            Ok(bytes) => v.push(Input {
                name: format!("corpus/{name}"),
                bytes,
            }),
            Err(_) => eprintln!("WARNING: corpus file {name} missing; not truncation-tested"),
        }
    }
    v
}

/// One frame's identity, to compare a damaged read with the intact one.
type FrameKey = (u64, i64, u32, u32, u32, u32, u64, usize);

#[derive(Debug)]
struct Outcome {
    frames: Vec<FrameKey>,
    /// Stream offset just after each frame's record or block.
    ends: Vec<u64>,
    error: Option<pcapscope::capture::CaptureError>,
    from_new: bool,
}

/// Reads everything, checking the invariants every read must keep.
fn read(bytes: &[u8], buffer: usize) -> Outcome {
    let mut reader = match Reader::with_buffer_size(bytes, buffer) {
        Ok(r) => r,
        Err(e) => {
            assert_eq!(
                (e.offset, e.frame),
                (0, 1),
                "errors from new() are at the start"
            );
            return Outcome {
                frames: Vec::new(),
                ends: Vec::new(),
                error: Some(e),
                from_new: true,
            };
        }
    };
    let gzip = reader.is_gzip();
    let mut o = Outcome {
        frames: Vec::new(),
        ends: Vec::new(),
        error: None,
        from_new: false,
    };
    // A frame consumes at least 16 bytes of (decompressed) input: bound the loop so that a
    // reader that stopped consuming fails here instead of spinning.
    let max_frames = if gzip { 1 << 20 } else { bytes.len() / 16 + 1 };
    loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                assert_eq!(f.number, o.frames.len() as u64 + 1, "frame numbers");
                assert_eq!(f.data.len(), f.cap_len as usize);
                assert!(f.data.len() <= MAX_RECORD_LEN);
                if !gzip {
                    let at = f.data_offset as usize;
                    assert_eq!(
                        bytes.get(at..at + f.data.len()),
                        Some(f.data),
                        "data_offset"
                    );
                }
                o.frames.push((
                    f.number,
                    f.ts_ns,
                    f.orig_len,
                    f.cap_len,
                    f.link_type,
                    f.interface_id,
                    f.data_offset,
                    f.data.len(),
                ));
                o.ends.push(reader.stream_offset());
                assert!(
                    o.frames.len() <= max_frames,
                    "reader does not consume input"
                );
            }
            Ok(None) => break,
            Err(e) => {
                assert_eq!(e.frame, o.frames.len() as u64 + 1, "error frame number");
                assert!(
                    e.offset >= o.ends.last().copied().unwrap_or(0),
                    "error offset"
                );
                o.error = Some(e);
                break;
            }
        }
    }
    for _ in 0..3 {
        assert!(
            matches!(reader.next_frame(), Ok(None)),
            "after the end: Ok(None)"
        );
    }
    o
}

/// Runs `f` on another thread and fails if it does not finish within `secs`.
fn watchdog<F: FnOnce() + Send + 'static>(what: &str, secs: u64, f: F) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: re-raise its panic here.
            if let Err(p) = handle.join() {
                std::panic::resume_unwind(p);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no result after {secs} s (hang)"),
    }
}

/// Every prefix of `input` reads to a prefix of the intact result.
fn check_truncations(input: &Input) {
    let full = read(&input.bytes, 1 << 20);
    let gzip = input.bytes.starts_with(&[0x1f, 0x8b]);
    let n = input.bytes.len();
    let step = if gzip && full.ends.last().copied().unwrap_or(0) as usize > EXHAUSTIVE_LIMIT {
        // Large decompressed stream: every 7th cut and the last 64 bytes.
        7
    } else {
        1
    };
    let boundaries = if gzip {
        Vec::new()
    } else {
        boundaries(&input.bytes, &full)
    };
    for cut in (0..n).filter(|&c| c % step == 0 || c + 64 >= n) {
        let got = read(&input.bytes[..cut], 128);
        let k = got.frames.len();
        assert!(
            k <= full.frames.len(),
            "{} cut at {cut}: more frames than whole",
            input.name
        );
        assert_eq!(
            got.frames[..],
            full.frames[..k],
            "{} cut at {cut}: frames differ from the intact file",
            input.name
        );
        if gzip || full.error.is_some() {
            continue;
        }
        // An intact, uncompressed capture cut short: all frames whose record ends before
        // the cut, then a clean end exactly on a record/block boundary, else `Truncated`.
        let complete = full.ends.iter().filter(|&&e| e <= cut as u64).count();
        let on_boundary = boundaries.binary_search(&(cut as u64)).is_ok();
        match &got.error {
            None => {
                assert_eq!(k, complete, "{} cut at {cut}", input.name);
                assert!(
                    on_boundary,
                    "{} cut at {cut}: clean end inside a record",
                    input.name
                );
            }
            Some(e) if got.from_new => assert!(
                matches!(e.kind, ErrorKind::Truncated | ErrorKind::NotACapture),
                "{} cut at {cut}: {e:?}",
                input.name
            ),
            Some(e) => {
                assert_eq!(e.kind, ErrorKind::Truncated, "{} cut at {cut}", input.name);
                assert!(
                    !on_boundary,
                    "{} cut at {cut}: error on a boundary",
                    input.name
                );
                assert!(e.offset <= cut as u64, "{} cut at {cut}: {e:?}", input.name);
                assert_eq!(k, complete, "{} cut at {cut}", input.name);
            }
        }
    }
}

/// Offsets where a record or block ends (where a cut leaves a well-formed shorter file),
/// found by walking the intact file's structure independently of the reader.
fn boundaries(bytes: &[u8], full: &Outcome) -> Vec<u64> {
    let u32_at = |at: usize, be: bool| -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let mut v = Vec::new();
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let (mut at, mut be) = (0usize, false);
        while at < bytes.len() {
            if u32_at(at, false) == Some(0x0A0D_0D0A) {
                be = u32_at(at + 8, false) != Some(0x1A2B_3C4D);
            }
            let Some(len) = u32_at(at + 4, be) else { break };
            at += len as usize;
            v.push(at as u64);
        }
    } else {
        v.push(24);
        v.extend(full.ends.iter().copied());
    }
    v.sort_unstable();
    v
}

#[test]
fn every_truncation_of_every_input_is_a_prefix_then_an_end() {
    for input in inputs() {
        let name = input.name.clone();
        watchdog(&name, 60, move || check_truncations(&input));
    }
}

/// Inputs small enough for random mutation (compressed or not).
fn mutation_inputs() -> Vec<Input> {
    inputs()
        .into_iter()
        .filter(|i| i.bytes.len() <= 4096)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Random byte changes anywhere: frames and/or a typed error, never a panic or a hang.
    #[test]
    fn random_byte_flips_are_survived(
        which in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        buffer in prop::sample::select(vec![64usize, 300, 1 << 20]),
    ) {
        let inputs = mutation_inputs();
        let input = &inputs[which.index(inputs.len())];
        let mut bytes = input.bytes.clone();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value | 1;
        }
        watchdog(&input.name, 20, move || {
            read(&bytes, buffer);
        });
    }

    /// Arbitrary bytes after each capture magic.
    #[test]
    fn random_bodies_after_a_magic_are_survived(
        magic in prop::sample::select(vec![
            &b"\xd4\xc3\xb2\xa1"[..], b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
            b"\xa1\xb2\x3c\x4d", b"\x34\xcd\xb2\xa1", b"\xa1\xb2\xcd\x34",
            b"\x0a\x0d\x0d\x0a",
        ]),
        body in prop::collection::vec(any::<u8>(), 0..600),
        buffer in prop::sample::select(vec![64usize, 1 << 20]),
    ) {
        let mut bytes = magic.to_vec();
        if magic == b"\x0a\x0d\x0d\x0a" && body.len() >= 8 {
            // Give random pcapng a plausible header so that blocks get parsed at all.
            bytes.extend_from_slice(&[28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0]);
            bytes.extend_from_slice(&[0xff; 8]);
            bytes.extend_from_slice(&[28, 0, 0, 0]);
        }
        bytes.extend_from_slice(&body);
        watchdog("random body", 20, move || {
            read(&bytes, buffer);
        });
    }

    /// Well-formed pcapng block framing with random block types, lengths and contents.
    #[test]
    fn random_pcapng_blocks_are_survived(
        blocks in prop::collection::vec(
            (prop::sample::select(vec![1u32, 2, 3, 5, 6, 0xBAD, 0x0A0D0D0A, 0x1234]),
             prop::collection::vec(any::<u8>(), 0..80)),
            0..12),
    ) {
        let mut bytes = vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
        bytes.extend_from_slice(&[0xff; 8]);
        bytes.extend_from_slice(&[28, 0, 0, 0]);
        for (kind, mut body) in blocks {
            if kind == 0x0A0D0D0A && body.len() >= 4 {
                body[..4].copy_from_slice(&[0x4d, 0x3c, 0x2b, 0x1a]);
            }
            while body.len() % 4 != 0 {
                body.push(0);
            }
            let len = (body.len() + 12) as u32;
            bytes.extend_from_slice(&kind.to_le_bytes());
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&body);
            bytes.extend_from_slice(&len.to_le_bytes());
        }
        watchdog("random blocks", 20, move || {
            read(&bytes, 64);
        });
    }
}
