//! Filtering, colouring and re-aggregating over the packet index give exactly what they give
//! over freshly decoded records, on the real captures in `../shared/corpus/`:
//!
//! - every entry's [`PacketIndex::record`] equals the decoded record (but for the TCP fields
//!   the index does not keep), and so does its colouring;
//! - [`view::select`] with each filter of `tests/filter_corpus.rs` (its tables are read from
//!   that file) matches the count there (tshark's, or ours where the table notes a known
//!   difference), the same frames as the filter over decoded records, and aggregates them into
//!   the same snapshot;
//! - a filter on every field of the language selects the same frames from the index as from
//!   decoded records, on every corpus file;
//! - `view::select` with the empty filter gives the engine's own snapshot, on every file;
//! - the `tcp.analysis.*` flags the index keeps select exactly the frames tshark 4.0's filters
//!   keep (`tcp.analysis.retransmission`, `tcp.analysis.duplicate_ack`, ... from
//!   `tests/data/tcp_analysis_tshark.tsv`; `tcp.analysis.flags` and the "Bad TCP" colouring
//!   rule from `tests/data/tcp_flags_tshark.tsv`, made once by `tests/data/tcp_flags_tshark.sh`),
//!   on every file, and an index built without the TCP analysis refuses those filters.
//!
//! And a tool, natively and in WebAssembly (Node): the speed of `view::select` and
//! `view::sort` over a synthetic index of 10 million entries (see [`speed`]).

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The corpus checks: native only, they read files.
#[cfg(not(target_arch = "wasm32"))]
mod corpus {

    use pcapscope::analyze::{analyze_with, Options};
    use pcapscope::capture::{Frame, Reader};
    use pcapscope::decode::{Decoder, PacketRecord, Proto, TcpInfo};
    use pcapscope::dissect::dissect;
    use pcapscope::filter::{compile, fields::FieldType, EvalContext, Field, Filter};
    use pcapscope::health::{tcp::TcpFlags, Health};
    use pcapscope::index::PacketIndex;
    use pcapscope::stats::{Aggregator, Limits};
    use pcapscope::view::{self, protocol_column, Coloring};
    use std::fs::File;
    use std::io::BufReader;
    use std::path::{Path, PathBuf};

    fn corpus_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
    }

    fn corpus_missing(dir: &Path) -> bool {
        if dir.is_dir() {
            return false;
        }
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the index's corpus checks did not run !!!!!!!!\n",
            dir.display()
        );
        true
    }

    /// The tables of `tests/filter_corpus.rs`, read from its source: (file, filter, expected
    /// count over decoded records).
    fn filter_table() -> Vec<(String, String, u64)> {
        let src = include_str!("filter_corpus.rs");
        let mut out = Vec::new();
        // CASES: (file, filter, tshark's count); DIFFERENCES: (file, filter, tshark's, ours, why).
        for (name, ours) in [("const CASES", 2), ("const DIFFERENCES", 3)] {
            let start = src
                .find(name)
                .unwrap_or_else(|| panic!("{name} not in filter_corpus.rs"));
            let body = &src[start..];
            let open = body.find("= &[").expect("table start") + 4;
            let tuples = tuples(&body[open..]);
            assert!(!tuples.is_empty(), "{name} is empty");
            for t in tuples {
                let (Some(Tok::Str(file)), Some(Tok::Str(filter)), Some(Tok::Int(n))) =
                    (t.first(), t.get(1), t.get(ours))
                else {
                    panic!("unexpected row in {name}: {t:?}");
                };
                out.push((file.clone(), filter.clone(), *n));
            }
        }
        out
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Str(String),
        Int(u64),
    }

    /// The tuples of a Rust array literal of string and integer tuples, up to its closing `];`.
    fn tuples(s: &str) -> Vec<Vec<Tok>> {
        let b: Vec<char> = s.chars().collect();
        let mut out = Vec::new();
        let mut cur: Option<Vec<Tok>> = None;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match c {
                '/' if b.get(i + 1) == Some(&'/') => {
                    while i < b.len() && b[i] != '\n' {
                        i += 1;
                    }
                }
                '(' => cur = Some(Vec::new()),
                ')' => out.extend(cur.take()),
                ']' if cur.is_none() => break,
                '"' => {
                    let mut text = String::new();
                    i += 1;
                    while i < b.len() && b[i] != '"' {
                        if b[i] == '\\' {
                            i += 1;
                            match b.get(i) {
                                Some('n') => text.push('\n'),
                                Some('t') => text.push('\t'),
                                Some('\n') => {
                                    // A line continuation: the newline and the next line's indent go.
                                    while b.get(i + 1).is_some_and(|c| c.is_whitespace()) {
                                        i += 1;
                                    }
                                }
                                Some(&c) => text.push(c),
                                None => {}
                            }
                        } else {
                            text.push(b[i]);
                        }
                        i += 1;
                    }
                    if let Some(t) = cur.as_mut() {
                        t.push(Tok::Str(text));
                    }
                }
                d if d.is_ascii_digit() => {
                    let mut n = 0u64;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == '_') {
                        if let Some(v) = b[i].to_digit(10) {
                            n = n * 10 + u64::from(v);
                        }
                        i += 1;
                    }
                    i -= 1;
                    if let Some(t) = cur.as_mut() {
                        t.push(Tok::Int(n));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        out
    }

    /// Every capture file of the corpus (from its manifest).
    fn corpus_files(dir: &Path) -> Vec<String> {
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
        manifest
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .filter(|n| !n.is_empty())
            .map(String::from)
            .collect()
    }

    /// A file read twice: by the engine with an index and the health analyses, and frame by
    /// frame into fresh records (given their `tcp.analysis.*` flags by a [`Health`] of their
    /// own).
    struct Loaded {
        analysis: pcapscope::Analysis,
        records: Vec<PacketRecord>,
        /// (data offset, link type, bytes) of each frame.
        frames: Vec<(u64, u32, Vec<u8>)>,
        first_ts: Option<i64>,
        decoder: Decoder,
    }

    fn load(path: &Path) -> Option<Loaded> {
        let open = || BufReader::new(File::open(path).unwrap());
        let analysis = analyze_with(
            open(),
            Options {
                index: true,
                health: true,
                ..Options::default()
            },
        )
        .ok()?;
        let mut reader = Reader::new(open()).ok()?;
        let mut decoder = Decoder::new();
        let mut health = Health::new();
        let mut records = Vec::new();
        let mut frames = Vec::new();
        let mut first_ts = None;
        // Damaged files: both passes stop at the same frame.
        while let Ok(Some(frame)) = reader.next_frame() {
            let frame: Frame<'_> = frame;
            if frame.number == 1 {
                first_ts = frame.timestamp();
            }
            let mut r = decoder.decode(&frame);
            r.tcp_analysis = health.push(frame.number, &r).0;
            records.push(r);
            frames.push((frame.data_offset, frame.link_type, frame.data.to_vec()));
        }
        Some(Loaded {
            analysis,
            records,
            frames,
            first_ts,
            decoder,
        })
    }

    impl Loaded {
        fn index(&self) -> &PacketIndex {
            self.analysis.engine.index().expect("an index")
        }

        /// Frame positions `filter` matches over the decoded records, and their aggregates.
        fn matches(&self, filter: &Filter) -> (Vec<u32>, Aggregator) {
            let mut agg = Aggregator::default();
            let mut positions = Vec::new();
            for (i, r) in self.records.iter().enumerate() {
                let ctx = EvalContext {
                    number: i as u64 + 1,
                    first_ts_ns: self.first_ts,
                    names: &self.decoder,
                };
                if filter.matches(r, &ctx) {
                    agg.push(r);
                    positions.push(i as u32);
                }
            }
            (positions, agg)
        }

        fn select(&self, filter: &Filter) -> view::Selection {
            view::select(
                self.index(),
                filter,
                self.analysis.engine.decoder(),
                Limits::default(),
            )
        }
    }

    /// What the index keeps of a record: all but TCP's sequence and acknowledgement numbers and
    /// window scale.
    fn kept(r: &PacketRecord) -> PacketRecord {
        PacketRecord {
            tcp: r.tcp.map(|t| TcpInfo {
                flags: t.flags,
                window: t.window,
                payload_len: t.payload_len,
                ..TcpInfo::default()
            }),
            ..*r
        }
    }

    #[test]
    fn filter_table_matches_over_the_index() {
        let dir = corpus_dir();
        if corpus_missing(&dir) {
            return;
        }
        let table = filter_table();
        assert!(
            table.len() >= 41,
            "only {} filters in the table",
            table.len()
        );
        let mut files: Vec<&str> = table.iter().map(|c| c.0.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        let mut failures = Vec::new();
        for file in files {
            let l = load(&dir.join(file)).unwrap_or_else(|| panic!("{file} cannot be read"));
            for (_, text, want) in table.iter().filter(|c| c.0 == file) {
                let f = compile(text).unwrap();
                let sel = l.select(&f);
                let (positions, agg) = l.matches(&f);
                if sel.len() != *want {
                    failures.push(format!(
                        "{file}: '{text}': index {}, table {want}",
                        sel.len()
                    ));
                }
                if sel.positions.as_deref() != Some(&positions[..]) {
                    failures.push(format!("{file}: '{text}': not the frames of the records"));
                }
                if sel.stats.snapshot(None) != agg.snapshot(None) {
                    failures.push(format!("{file}: '{text}': aggregates differ"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A filter that tests `f` (exists), and one that compares it with a value.
    fn field_filters(f: Field) -> Vec<String> {
        let n = f.name();
        let cmp = match f.ty() {
            // Labels are only tested for presence.
            FieldType::Label => return vec![n.to_string(), format!("!{n}"), format!("tcp && {n}")],
            FieldType::Bool => format!("{n} == 1"),
            FieldType::UInt { bits } if bits <= 8 => format!("{n} >= 3"),
            FieldType::UInt { .. } => format!("{n} > 100"),
            FieldType::RelTime => format!("{n} > 0.5"),
            FieldType::Ipv4 => format!("{n} == 10.0.0.0/8 || {n} == 192.168.0.0/16"),
            FieldType::Ipv6 => format!("{n} == fe80::/10"),
            FieldType::Mac => format!("{n} == ff:ff:ff:ff:ff:ff"),
            FieldType::Str => format!("{n} contains \"a\""),
        };
        vec![n.to_string(), cmp, format!("!({n} != {n})")]
    }

    #[test]
    fn every_corpus_file_indexes_every_field_and_aggregate() {
        let dir = corpus_dir();
        if corpus_missing(&dir) {
            return;
        }
        let mut filters: Vec<(String, Filter)> = Field::ALL
            .iter()
            .flat_map(|f| field_filters(*f))
            .filter_map(|t| compile(&t).ok().map(|f| (t, f)))
            .collect();
        for t in [
            "tcp",
            "not arp",
            "frame.number <= 5",
            "ip.proto == 6 && vlan",
        ] {
            filters.push((t.to_string(), compile(t).unwrap()));
        }
        let everything = compile("").unwrap();
        let mut failures = Vec::new();
        let mut files = 0;
        let (mut frames, mut heap) = (0usize, 0usize);
        let (mut names, mut named) = (0usize, 0usize);
        for file in corpus_files(&dir) {
            let Some(l) = load(&dir.join(&file)) else {
                continue;
            };
            files += 1;
            let index = l.index();
            assert_eq!(index.len(), l.records.len(), "{file}: entries");
            frames += index.len();
            heap += index.heap_bytes();
            if index.len() >= 10_000 {
                println!(
                    "{file}: {} frames, index {:.1} bytes/frame",
                    index.len(),
                    index.heap_bytes() as f64 / index.len() as f64
                );
            }
            for (i, (r, (offset, link_type, bytes))) in l.records.iter().zip(&l.frames).enumerate()
            {
                let got = index.record(i).unwrap();
                if got != kept(r) {
                    failures.push(format!("{file}: frame {}: {got:?} != {r:?}", i + 1));
                    break;
                }
                if Coloring::of(&got) != Coloring::of(r) {
                    failures.push(format!("{file}: frame {}: colouring", i + 1));
                }
                let e = index.get(i).unwrap();
                let inner = r.inner_ip();
                let want = (
                    i as u64 + 1,
                    r.ts_ns,
                    *offset,
                    r.orig_len,
                    r.cap_len,
                    *link_type,
                    inner.map(|p| p.src),
                    inner.map(|p| p.dst),
                );
                let have = (
                    e.number,
                    e.ts_ns,
                    e.data_offset,
                    e.orig_len,
                    e.cap_len,
                    e.link_type,
                    e.src,
                    e.dst,
                );
                if have != want {
                    failures.push(format!(
                        "{file}: frame {}: entry {have:?} != {want:?}",
                        i + 1
                    ));
                }
                // The Protocol column, as far as the index can tell without the bytes.
                let shown = dissect(*link_type, bytes, r.orig_len).protocol;
                let shown = if shown.starts_with("TLS") || shown.starts_with("SSL") {
                    "TLS"
                } else if shown.starts_with("HTTP") {
                    "HTTP"
                } else {
                    &shown
                };
                // Fragments and reassembled PDUs aside, where the two cannot agree.
                if !r.protocols.contains(Proto::Fragment) {
                    names += 1;
                    named += usize::from(protocol_column(&got) == shown);
                }
            }
            for (text, f) in &filters {
                let sel = l.select(f);
                let (positions, _) = l.matches(f);
                if sel.positions.as_deref() != Some(&positions[..]) {
                    failures.push(format!(
                        "{file}: '{text}': index {} frames, records {}",
                        sel.len(),
                        positions.len()
                    ));
                }
            }
            let all = l.select(&everything);
            assert!(all.positions.is_none());
            if all.stats.snapshot(None) != l.analysis.snapshot {
                failures.push(format!(
                    "{file}: empty filter: snapshot differs from the engine's"
                ));
            }
            if all.stats.snapshot(Some(10)) != l.analysis.engine.snapshot(Some(10)) {
                failures.push(format!("{file}: empty filter: top-10 snapshot differs"));
            }
        }
        assert!(files >= 50, "only {files} corpus files read");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        let share = named as f64 / names.max(1) as f64;
        println!(
            "{files} files, {frames} frames: index {:.1} bytes/frame (all columns, side tables, \
             interners); Protocol column as the dissector's on {:.1}% of unfragmented frames",
            heap as f64 / frames.max(1) as f64,
            100.0 * share
        );
        assert!(
            share > 0.9,
            "protocol column agrees on {:.1}%",
            100.0 * share
        );
    }

    /// The "Bad TCP" colouring rule of Wireshark, as the tables spell it.
    const BAD_TCP: &str = "tcp.analysis.flags && !tcp.analysis.window_update && \
                           !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack";

    /// tshark's frames (numbers from 1) per (file, filter), from
    /// `tests/data/tcp_analysis_tshark.tsv` (its `flag` rows, as `tcp.analysis.FLAG`) and
    /// `tests/data/tcp_flags_tshark.tsv`.
    fn tshark_flag_frames() -> std::collections::BTreeMap<(String, String), Vec<u64>> {
        let mut out = std::collections::BTreeMap::new();
        let frames = |list: Option<&str>| -> Vec<u64> {
            list.unwrap_or("")
                .split(',')
                .filter(|x| !x.is_empty())
                .map(|x| x.parse().expect("a frame number"))
                .collect()
        };
        let single = include_str!("data/tcp_analysis_tshark.tsv");
        for line in single.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.get(1) != Some(&"flag") || cols.get(2) == Some(&"reset") {
                continue;
            }
            let (Some(file), Some(flag), Some(count)) = (cols.first(), cols.get(2), cols.get(3))
            else {
                panic!("bad row: {line}");
            };
            let list = frames(cols.get(4).copied());
            assert_eq!(list.len().to_string(), *count, "{line}");
            out.insert((file.to_string(), format!("tcp.analysis.{flag}")), list);
        }
        let combined = include_str!("data/tcp_flags_tshark.tsv");
        for line in combined.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(file), Some(filter), Some(count)) = (cols.first(), cols.get(1), cols.get(2))
            else {
                panic!("bad row: {line}");
            };
            let list = frames(cols.get(3).copied());
            assert_eq!(list.len().to_string(), *count, "{line}");
            out.insert((file.to_string(), filter.to_string()), list);
        }
        out
    }

    #[test]
    fn tcp_analysis_filters_over_the_index_match_tshark() {
        let dir = corpus_dir();
        if corpus_missing(&dir) {
            return;
        }
        let table = tshark_flag_frames();
        let mut filters: Vec<String> = TcpFlags::NAMES
            .iter()
            .map(|(_, n)| format!("tcp.analysis.{n}"))
            .collect();
        filters.push("tcp.analysis.flags".into());
        filters.push(BAD_TCP.into());
        // The brief's eight, at least, must be in the tables.
        for n in [
            "retransmission",
            "duplicate_ack",
            "zero_window",
            "flags",
            "out_of_order",
            "fast_retransmission",
            "lost_segment",
            "window_update",
        ] {
            assert!(filters.contains(&format!("tcp.analysis.{n}")));
        }
        let files = corpus_files(&dir);
        let mut failures = Vec::new();
        let (mut checked, mut flagged) = (0usize, 0u64);
        let mut totals = vec![0u64; filters.len()];
        for file in &files {
            let Some(l) = load(&dir.join(file)) else {
                continue;
            };
            let index = l.index();
            assert!(index.has_tcp_analysis(), "{file}");
            let all = l.select(&compile("").unwrap());
            for (k, text) in filters.iter().enumerate() {
                let Some(want) = table.get(&(file.clone(), text.clone())) else {
                    failures.push(format!("{file}: '{text}' not in the tshark tables"));
                    continue;
                };
                checked += 1;
                totals[k] += want.len() as u64;
                let f = compile(text).unwrap();
                let sel =
                    view::try_select(index, &f, l.analysis.engine.decoder(), Limits::default())
                        .unwrap_or_else(|e| panic!("{file}: '{text}': {e}"));
                let got: Vec<u64> = sel
                    .positions
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(|&p| u64::from(p) + 1)
                    .collect();
                if sel.len() != want.len() as u64 || got != *want {
                    let extra: Vec<_> = got.iter().filter(|x| !want.contains(x)).collect();
                    let missing: Vec<_> = want.iter().filter(|x| !got.contains(x)).collect();
                    failures.push(format!(
                        "{file}: '{text}': index {}, tshark {} (ours only {extra:?}, \
                         tshark only {missing:?})",
                        sel.len(),
                        want.len()
                    ));
                }
                // The counts among all packets, as the selection gives them.
                let name = text.strip_prefix("tcp.analysis.").unwrap_or("");
                if let Some(n) = all.tcp_analysis.get(name) {
                    if n != want.len() as u64 {
                        failures.push(format!(
                            "{file}: count of '{text}' {n}, tshark {}",
                            want.len()
                        ));
                    }
                }
                if text == BAD_TCP {
                    let coloured: Vec<u64> = (0..index.len())
                        .filter(|&i| Coloring::of(&index.record(i).unwrap()) == Coloring::BadTcp)
                        .map(|i| i as u64 + 1)
                        .collect();
                    if coloured != *want {
                        failures.push(format!(
                            "{file}: Bad TCP colouring on {} frames, tshark's rule {}",
                            coloured.len(),
                            want.len()
                        ));
                    }
                }
            }
            flagged += all.tcp_analysis.flagged;
        }
        assert!(checked >= 50 * filters.len(), "only {checked} checks");
        assert!(flagged > 500, "only {flagged} flagged frames in the corpus");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        let summary: Vec<String> = filters
            .iter()
            .zip(&totals)
            .map(|(f, n)| {
                let name = if f == BAD_TCP {
                    "Bad TCP"
                } else {
                    f.strip_prefix("tcp.analysis.").unwrap_or(f)
                };
                format!("{name}: {n}")
            })
            .collect();
        println!(
            "{} files: frames as tshark's: {}",
            files.len(),
            summary.join(", ")
        );
    }

    #[test]
    fn an_index_without_the_tcp_analysis_refuses_its_filters() {
        let dir = corpus_dir();
        if corpus_missing(&dir) {
            return;
        }
        let file = dir.join("cs__tcp_retransmissions.pcapng");
        let analysis = analyze_with(
            BufReader::new(File::open(file).unwrap()),
            Options {
                index: true,
                ..Options::default()
            },
        )
        .unwrap();
        let index = analysis.engine.index().unwrap();
        assert!(!index.has_tcp_analysis());
        let names = analysis.engine.decoder();
        let f = compile("tcp && tcp.analysis.retransmission").unwrap();
        let e = view::try_select(index, &f, names, Limits::default()).unwrap_err();
        assert_eq!(e.column, 8);
        assert!(
            e.to_string()
                .starts_with("tcp.analysis fields need the TCP analysis"),
            "{e}"
        );
        // Other filters still run.
        let f = compile("tcp").unwrap();
        let sel = view::try_select(index, &f, names, Limits::default()).unwrap();
        assert_eq!(sel.len(), 6);
        assert_eq!(sel.tcp_analysis.flagged, 0);
    }

    #[test]
    fn the_table_parser_reads_escapes_and_continuations() {
        let t = tuples(
            "(\"a\", \"x \\\"q\\\" y\", 1_000),\n // (\"c\", \"d\", 9),\n (\"b\", \"long \\\n     text\", 2, 3, \"z\"),\n];",
        );
        assert_eq!(
            t,
            vec![
                vec![
                    Tok::Str("a".into()),
                    Tok::Str("x \"q\" y".into()),
                    Tok::Int(1000)
                ],
                vec![
                    Tok::Str("b".into()),
                    Tok::Str("long text".into()),
                    Tok::Int(2),
                    Tok::Int(3),
                    Tok::Str("z".into())
                ],
            ]
        );
    }
}

/// Speed of selecting and sorting over a synthetic index (a measurement, never asserted):
///
/// ```text
/// cargo test --release --test index_filter -- --ignored speed --nocapture
/// cargo test --release --target wasm32-unknown-unknown --test index_filter -- --include-ignored
/// ```
///
/// (the second runs in Node through wasm-bindgen-test-runner).
mod speed {
    use pcapscope::decode::{AppProto, DnsInfo, IpPair, PacketRecord, Proto, Protocols, TcpInfo};
    use pcapscope::filter::{compile, NoNames};
    use pcapscope::index::{PacketIndex, SortKey};
    use pcapscope::stats::Limits;
    use pcapscope::view;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    #[cfg(target_arch = "wasm32")]
    fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn now_ms() -> f64 {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1e3
    }

    /// Entries of the synthetic index.
    const N: u32 = 10_000_000;

    /// Frame `i` of a synthetic office network: 2,000 hosts talking to 300 servers, over
    /// connections of about 32 frames (64 open at a time), mostly TCP to 443 and 80, DNS and
    /// other UDP, some IPv6, ARP and ICMP; 10,000 frames a second.
    fn record(i: u32) -> PacketRecord {
        let mix = |x: u32| {
            let x = x.wrapping_mul(2_654_435_761);
            x ^ (x >> 15)
        };
        let per_packet = mix(i ^ 0x5bd1_e995);
        // The connection: 64 open in each window of 2,048 frames.
        let h = mix((i / 2048) * 64 + per_packet % 64);
        let host = |x: u32| -> IpAddr {
            if x % 16 == 0 {
                IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, (x % 2000) as u16))
            } else {
                IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (x % 2000)))
            }
        };
        let server = |x: u32| -> IpAddr {
            if x % 16 == 0 {
                IpAddr::V6(Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    (x % 300) as u16,
                ))
            } else {
                IpAddr::V4(Ipv4Addr::from(0x5db8_0000 | (x % 300)))
            }
        };
        let mut p = Protocols::default();
        p.insert(Proto::Ethernet);
        let kind = h % 100;
        let (a, b) = (host(h >> 8), server(h >> 12));
        let v6 = a.is_ipv6() || b.is_ipv6();
        let (a, b) = if v6 {
            (host(16 * (h >> 8)), server(16 * (h >> 12)))
        } else {
            (a, b)
        };
        let up = per_packet & 1 == 0;
        let pair = if up {
            IpPair { src: a, dst: b }
        } else {
            IpPair { src: b, dst: a }
        };
        let mut r = PacketRecord {
            ts_ns: 1_700_000_000_000_000_000 + i64::from(i) * 100_000,
            orig_len: 60 + (per_packet >> 3) % 1455,
            cap_len: 0,
            link_type: 1,
            eth: Some(([2, 0, 0, 0, (h % 7) as u8, 1], [2, 0, 0, 0, 0, 254])),
            ttl: if up { 64 } else { 52 },
            ..PacketRecord::default()
        };
        if kind < 2 {
            p.insert(Proto::Arp);
            r.orig_len = 60;
        } else {
            p.insert(if v6 { Proto::Ipv6 } else { Proto::Ipv4 });
            r.ip = Some(pair);
            let eph = 32_768 + (h >> 9) % 28_000;
            let sp = |svc: u16| {
                if up {
                    (eph as u16, svc)
                } else {
                    (svc, eph as u16)
                }
            };
            match kind {
                2..=3 => {
                    p.insert(if v6 { Proto::Icmpv6 } else { Proto::Icmp });
                    r.ip_proto = if v6 { 58 } else { 1 };
                    r.icmp = Some((if v6 { 128 } else { 8 }, 0));
                }
                4..=13 => {
                    p.insert(Proto::Udp);
                    p.insert(Proto::Dns);
                    r.ip_proto = 17;
                    (r.src_port, r.dst_port) = sp(53);
                    r.app = AppProto::Known(Proto::Dns);
                    r.dns = Some(DnsInfo {
                        id: h as u16,
                        response: !up,
                        rcode: 0,
                        qtype: 1,
                        answers: u16::from(!up),
                    });
                }
                14..=19 => {
                    p.insert(Proto::Udp);
                    r.ip_proto = 17;
                    (r.src_port, r.dst_port) = sp(if h % 3 == 0 { 123 } else { 443 });
                }
                _ => {
                    p.insert(Proto::Tcp);
                    r.ip_proto = 6;
                    let svc = if kind < 80 { 443 } else { 80 };
                    (r.src_port, r.dst_port) = sp(svc);
                    if svc == 443 && h % 10 == 0 {
                        p.insert(Proto::Tls);
                        r.app = AppProto::Known(Proto::Tls);
                    }
                    r.tcp = Some(TcpInfo {
                        flags: if per_packet % 50 == 0 { 0x02 } else { 0x18 },
                        window: 502,
                        payload_len: r.orig_len.saturating_sub(66),
                        ..TcpInfo::default()
                    });
                }
            }
        }
        r.protocols = p;
        r.cap_len = r.orig_len;
        r
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[ignore = "a tool: prints the speed of select and sort"]
    fn speed() {
        let t = now_ms();
        let mut sum = 0u64;
        for i in 0..N {
            sum = sum.wrapping_add(u64::from(std::hint::black_box(record(i)).orig_len));
        }
        let generated = now_ms() - t;
        let t = now_ms();
        let mut index = PacketIndex::default();
        for i in 0..N {
            index.push_record(u64::from(i) * 800, &record(i));
        }
        let built = now_ms() - t;
        let t = now_ms();
        let mut stats = pcapscope::stats::Aggregator::default();
        for i in 0..N {
            stats.push(&record(i));
        }
        let aggregated = now_ms() - t - generated;
        let t = now_ms();
        let mut health = pcapscope::health::Health::new();
        for i in 0..N {
            health.push(u64::from(i) + 1, &record(i));
        }
        let analysed = now_ms() - t - generated;
        let mut lines = vec![format!(
            "per record, beyond making it: aggregates {:.0} ns, health analyses {:.0} ns",
            aggregated * 1e6 / f64::from(N),
            analysed * 1e6 / f64::from(N)
        )];
        lines.push(format!(
            "{} entries built in {built:.0} ms (of which making the records {generated:.0} ms; \
             {sum}), {:.1} bytes/entry",
            index.len(),
            index.heap_bytes() as f64 / index.len() as f64
        ));
        for text in [
            "",
            "tcp.port == 443",
            "ip.addr == 10.0.0.0/8 && frame.len > 1000",
            "dns",
        ] {
            let f = compile(text).unwrap();
            let t = now_ms();
            let sel = view::select(&index, &f, &NoNames, Limits::default());
            let ms = now_ms() - t;
            lines.push(format!("select {text:?}: {ms:.0} ms ({} match)", sel.len()));
        }
        for (name, key) in [("Source", SortKey::Source), ("Length", SortKey::Length)] {
            let mut order: Vec<u32> = (0..index.len() as u32).collect();
            let t = now_ms();
            view::sort(&index, &mut order, key, false);
            let ms = now_ms() - t;
            lines.push(format!("sort all rows by {name}: {ms:.0} ms"));
        }
        for l in lines {
            #[cfg(target_arch = "wasm32")]
            wasm_bindgen_test::console_log!("{l}");
            #[cfg(not(target_arch = "wasm32"))]
            println!("{l}");
        }
    }
}
