//! Every fixture in `fixtures/` reads to exactly what `fixtures/README.md` says: frames, bytes,
//! earliest/latest time, link types, and for damaged files the error kind, byte offset and
//! frame number. The same results must come out whatever the buffer size and however the
//! source splits its reads.

// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]
use pcapscope::capture::{ErrorKind, Format, Reader};
use std::io::Read;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// One row of the README's table.
#[derive(Debug)]
struct Row {
    file: String,
    format: String,
    link_types: String,
    frames: u64,
    orig: u64,
    cap: u64,
    first: String,
    last: String,
    result: String,
}

fn readme_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(fixtures_dir().join("README.md"))
        .expect("fixtures/README.md (run `cargo xtask fixtures`)");
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let c: Vec<&str> = l
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(str::trim)
                .collect();
            assert_eq!(c.len(), 9, "README row: {l}");
            Row {
                file: c[0].trim_matches('`').to_string(),
                format: c[1].to_string(),
                link_types: c[2].to_string(),
                frames: c[3].parse().unwrap(),
                orig: c[4].parse().unwrap(),
                cap: c[5].parse().unwrap(),
                first: c[6].to_string(),
                last: c[7].to_string(),
                result: c[8].to_string(),
            }
        })
        .collect();
    assert!(
        rows.len() >= 40,
        "README lists only {} fixtures",
        rows.len()
    );
    rows
}

fn fmt_ts(ts: Option<i64>) -> String {
    match ts {
        Some(ns) => format!(
            "{}.{:09}",
            ns.div_euclid(1_000_000_000),
            ns.rem_euclid(1_000_000_000)
        ),
        None => "-".into(),
    }
}

/// A source that hands out at most `chunk` bytes per `read`, as a browser reading a `File`
/// slice by slice might (and as no buffer-filling shortcut may assume otherwise).
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// number, ts_ns, orig_len, cap_len, link_type, interface_id, data_offset, data digest
type FrameFields = (u64, i64, u32, u32, u32, u32, u64, u64);

/// What reading gives, as the README's columns show it, plus every frame's fields.
#[derive(Debug, PartialEq)]
struct Outcome {
    format: String,
    link_types: String,
    frames: u64,
    orig: u64,
    cap: u64,
    first: String,
    last: String,
    result: String,
    per_frame: Vec<FrameFields>,
}

fn read_all<R: Read>(input: R, buffer: usize) -> Outcome {
    let mut reader = match Reader::with_buffer_size(input, buffer) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                format: "-".into(),
                link_types: "-".into(),
                frames: 0,
                orig: 0,
                cap: 0,
                first: "-".into(),
                last: "-".into(),
                result: format!("`{:?}` at byte {}, frame {}", e.kind, e.offset, e.frame),
                per_frame: Vec::new(),
            }
        }
    };
    let mut o = Outcome {
        format: String::new(),
        link_types: String::new(),
        frames: 0,
        orig: 0,
        cap: 0,
        first: String::new(),
        last: String::new(),
        result: "clean".into(),
        per_frame: Vec::new(),
    };
    let (mut min, mut max): (Option<i64>, Option<i64>) = (None, None);
    loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                assert_eq!(f.data.len(), f.cap_len as usize);
                o.frames += 1;
                o.orig += u64::from(f.orig_len);
                o.cap += u64::from(f.cap_len);
                if let Some(t) = f.timestamp() {
                    min = Some(min.map_or(t, |m| m.min(t)));
                    max = Some(max.map_or(t, |m| m.max(t)));
                }
                // A cheap digest of the data, so that every split gives the same bytes.
                let digest = f.data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
                o.per_frame.push((
                    f.number,
                    f.ts_ns,
                    f.orig_len,
                    f.cap_len,
                    f.link_type,
                    f.interface_id,
                    f.data_offset,
                    digest,
                ));
            }
            Ok(None) => break,
            Err(e) => {
                o.result = format!("`{:?}` at byte {}, frame {}", e.kind, e.offset, e.frame);
                assert!(
                    matches!(reader.next_frame(), Ok(None)),
                    "after an error: Ok(None)"
                );
                break;
            }
        }
    }
    o.format = format!(
        "{}{}",
        reader.format().as_str(),
        if reader.is_gzip() { "+gzip" } else { "" }
    );
    o.link_types = if reader.link_types().is_empty() {
        "-".into()
    } else {
        let v: Vec<String> = reader.link_types().iter().map(|l| l.to_string()).collect();
        v.join(",")
    };
    o.first = fmt_ts(min);
    o.last = fmt_ts(max);
    o
}

fn read_file(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_reads_as_the_readme_says() {
    let dir = fixtures_dir();
    let mut problems = Vec::new();
    for row in readme_rows() {
        let bytes = read_file(&dir.join(&row.file));
        let got = read_all(&bytes[..], 1 << 20);
        let format_ok = if got.result.contains("at byte 0, frame 1") && got.frames == 0 {
            true // Reader::new refused it: no format to compare
        } else {
            got.format == row.format
        };
        let want = (
            row.link_types.as_str(),
            row.frames,
            row.orig,
            row.cap,
            row.first.as_str(),
            row.last.as_str(),
            row.result.as_str(),
        );
        let have = (
            got.link_types.as_str(),
            got.frames,
            got.orig,
            got.cap,
            got.first.as_str(),
            got.last.as_str(),
            got.result.as_str(),
        );
        if !format_ok || want != have {
            problems.push(format!(
                "{}:\n    README {:?} {want:?}\n    reader {:?} {have:?}",
                row.file, row.format, got.format
            ));
        }
        // Frames in a plain (not compressed) file: data_offset points at the data.
        if !row.format.ends_with("+gzip") {
            let mut reader = match Reader::new(&bytes[..]) {
                Ok(r) => r,
                Err(_) => continue,
            };
            while let Ok(Some(f)) = reader.next_frame() {
                let at = f.data_offset as usize;
                if bytes.get(at..at + f.data.len()) != Some(f.data) {
                    problems.push(format!(
                        "{}: frame {} data_offset {at} is wrong",
                        row.file, f.number
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "fixtures disagree with README:\n{}",
        problems.join("\n")
    );
}

#[test]
fn any_buffer_size_and_any_read_split_give_the_same_frames() {
    let dir = fixtures_dir();
    for row in readme_rows() {
        let bytes = read_file(&dir.join(&row.file));
        let reference = read_all(&bytes[..], 1 << 20);
        for (buffer, chunk) in [(64, 1), (64, 7), (100, 4096), (4096, 3), (1 << 16, 1 << 20)] {
            let got = read_all(
                Trickle {
                    data: &bytes,
                    chunk,
                },
                buffer,
            );
            assert_eq!(
                got, reference,
                "{} with buffer {buffer}, reads of {chunk}",
                row.file
            );
        }
    }
}

#[test]
fn damaged_files_stop_with_exact_typed_errors() {
    // The README's table is checked above; these spell out the main cases in code.
    let dir = fixtures_dir();
    let first_error = |name: &str| {
        let bytes = read_file(&dir.join(name));
        let mut reader = match Reader::new(&bytes[..]) {
            Ok(r) => r,
            Err(e) => return (0, e),
        };
        let mut n = 0;
        loop {
            match reader.next_frame() {
                Ok(Some(_)) => n += 1,
                Ok(None) => panic!("{name} read cleanly"),
                Err(e) => return (n, e),
            }
        }
    };
    let (n, e) = first_error("truncated-mid-record.pcap");
    assert_eq!((n, &e.kind, e.frame), (9, &ErrorKind::Truncated, 10));
    let (n, e) = first_error("huge-record-length.pcap");
    assert_eq!(n, 4);
    assert_eq!(e.kind, ErrorKind::RecordTooLarge { len: 0xFFFF_FF00 });
    let (_, e) = first_error("bogus-block-length.pcapng");
    assert_eq!(
        (e.kind, e.frame),
        (ErrorKind::BadBlockLength { len: 19 }, 3)
    );
    let (_, e) = first_error("huge-block-length.pcapng");
    assert_eq!(e.kind, ErrorKind::BlockTooLarge { len: 0x7FFF_FFF0 });
    let (n, e) = first_error("packet-before-idb.pcapng");
    assert_eq!(
        (n, e.kind, e.offset, e.frame),
        (0, ErrorKind::UnknownInterface { id: 0 }, 28, 1)
    );
    let (_, e) = first_error("not-a-capture.txt");
    assert_eq!((e.kind, e.offset, e.frame), (ErrorKind::NotACapture, 0, 1));
    let (n, e) = first_error("truncated-gzip-trailer.pcap.gz");
    assert_eq!((n, e.kind), (10, ErrorKind::Truncated));
}

#[test]
fn formats_and_link_types_are_reported_before_the_first_frame() {
    let dir = fixtures_dir();
    let bytes = read_file(&dir.join("multi-interface-linktypes.pcapng"));
    let r = Reader::new(&bytes[..]).unwrap();
    assert_eq!(r.format(), Format::Pcapng);
    assert_eq!(r.link_types(), &[1, 228, 276, 127]);
    let bytes = read_file(&dir.join("http-get-ethernet.pcap.gz"));
    let r = Reader::new(&bytes[..]).unwrap();
    assert!(r.is_gzip());
    assert_eq!(r.format(), Format::Pcap);
    assert!(r.source_bytes_read() > 0 && r.source_bytes_read() <= bytes.len() as u64);
}

#[test]
fn source_bytes_read_reaches_the_file_size() {
    let dir = fixtures_dir();
    for name in [
        "tcp-handshake-ns.pcapng",
        "http-get-ethernet.pcap.gz",
        "loopback-64k-frames.pcapng.gz",
    ] {
        let bytes = read_file(&dir.join(name));
        let mut r = Reader::with_buffer_size(
            Trickle {
                data: &bytes,
                chunk: 100,
            },
            64,
        )
        .unwrap();
        let mut last = r.source_bytes_read();
        while r.next_frame().unwrap().is_some() {
            let now = r.source_bytes_read();
            assert!(now >= last, "{name}: progress went backwards");
            last = now;
        }
        assert_eq!(r.source_bytes_read(), bytes.len() as u64, "{name}");
    }
}
