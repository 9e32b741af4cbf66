//! `cargo xtask bench [FILE]`: the benchmark harness.
//!
//! Builds the release `pcapscope` binary, makes a large Ethernet pcap (>= 1 GiB by default) by
//! repeating real corpus traffic with timestamps shifted forward one round span at a time, and
//! measures in the same run, each as a child process: `cat` (the read ceiling), `pcapscope
//! stats --json` (three runs, best and median) and, when installed, `tshark -q -z conv,ip`.
//! Wall time, CPU time and peak RSS (from `wait4`'s rusage) go into one table.
//!
//! It never fails on speed: the targets (pcapscope >= 40x tshark's throughput, <= 48 bytes of
//! memory per packet plus the flow tables) are printed beside the numbers, not asserted.
//!
//! Environment:
//! - `PCAPSCOPE_BENCH_MB` — size of the generated file in MiB (default 1024).
//! - `PCAPSCOPE_BENCH_TSHARK=0` — skip tshark (it takes minutes on a 1 GiB file).
//! - `PCAPSCOPE_BENCH_RUNS` — pcapscope runs (default 3).
//! - `PCAPSCOPE_BENCH_KEEP=1` — keep the generated file (for profiling) instead of deleting it.
//!
//! Then the packet index (a release child process, `cargo run --release -p xtask`): the same
//! file decoded over and over, timestamps shifted, into one `PacketIndex` of at least 10
//! million entries, and the time of `view::select` (re-filtering and re-aggregating without
//! the file) and `view::sort` over it (`PCAPSCOPE_BENCH_INDEX=0` skips it,
//! `PCAPSCOPE_BENCH_INDEX_PACKETS` sets the size).
//!
//! After the native tables, the same file is loaded by the page in headless Chromium and a
//! second table printed (see `bench_browser`; `PCAPSCOPE_BENCH_BROWSER=0` skips it).

use anyhow::{bail, Context, Result};
use pcapscope::capture::{linktype, Reader};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Real Ethernet captures from `../shared/corpus` repeated into the big file: HTTP, TLS, QUIC,
/// SMB, a SYN scan (many small packets) and a nanosecond-resolution capture.
const SOURCES: &[&str] = &[
    "cs__http_espn.pcapng",
    "zeek__http_bro.org.pcap",
    "sv__tls-subjectaltname.pcap",
    "rp__wireshark_samples-test_nsec.pcapng",
    "cs__synscan.pcapng",
    "zeek__quic_firefox-blog-cloudflare-com.pcap",
    "zeek__smb_smb3_multichannel.pcap",
];

const MIB: u64 = 1024 * 1024;
const DEFAULT_MB: u64 = 1024;
/// Gap between one source's last frame and the next source's first, within a round.
const GAP_NS: i64 = 1_000_000;
/// The nanosecond-resolution pcap magic, written little-endian.
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
const SNAPLEN: u32 = 262_144;

/// Entry point: `file` is the optional FILE argument.
pub fn run(root: &Path, file: Option<&String>) -> Result<()> {
    let size_mb = env_u64("PCAPSCOPE_BENCH_MB", DEFAULT_MB)?;
    if let Some(into) = std::env::var_os(GENERATE_INTO) {
        let gen = generate(
            &root.join("../shared/corpus"),
            Path::new(&into),
            size_mb * MIB,
        )?;
        println!(
            "{} {} {} {}",
            gen.packets, gen.rounds, gen.round_packets, gen.round_span_ns
        );
        return Ok(());
    }
    if let Some(of) = std::env::var_os(INDEX_OF) {
        return index_bench(Path::new(&of));
    }
    let runs = env_u64("PCAPSCOPE_BENCH_RUNS", 3)?.max(1) as usize;
    let with_tshark = std::env::var("PCAPSCOPE_BENCH_TSHARK").map_or(true, |v| v != "0");
    let keep = std::env::var("PCAPSCOPE_BENCH_KEEP").is_ok_and(|v| v == "1");

    let binary = build_release(root)?;

    let work = WorkDir::create(keep)?;
    let (path, generated) = match file {
        Some(f) => (PathBuf::from(f), None),
        None => {
            let path = work.path.join("bench.pcap");
            let started = Instant::now();
            let gen = generate_in_child(&path, size_mb)?;
            eprintln!(
                "bench: wrote {} ({} packets, {} rounds of {} source packets) in {:.1} s",
                path.display(),
                group(gen.packets),
                gen.rounds,
                group(gen.round_packets),
                started.elapsed().as_secs_f64()
            );
            (path, Some(gen))
        }
    };
    let file_bytes = std::fs::metadata(&path)
        .with_context(|| format!("cannot stat {}", path.display()))?
        .len();
    let path_str = path.to_string_lossy().into_owned();

    // The read ceiling: the first cat also pulls the file into the page cache, so every tool
    // below reads from memory; the best of two is reported.
    eprintln!("bench: cat (2 runs)");
    let cat = best(
        (0..2)
            .map(|_| measure(Command::new("cat").arg(&path), None))
            .collect::<Result<Vec<_>>>()?,
    );

    eprintln!("bench: pcapscope stats --json ({runs} runs)");
    let json_out = work.path.join("stats.json");
    let mut ours = Vec::new();
    for _ in 0..runs {
        let mut cmd = Command::new(&binary);
        cmd.args(["stats", &path_str, "--json"]);
        let m = measure(&mut cmd, Some(&json_out))?;
        if !matches!(m.exit, Some(0) | Some(1)) {
            bail!(
                "pcapscope stats failed on {} (exit {:?}): {}",
                path.display(),
                m.exit,
                m.stderr_tail
            );
        }
        ours.push(m);
    }
    let packets = packets_from_json(&json_out)?;
    if let Some(gen) = &generated {
        if gen.packets != packets {
            eprintln!(
                "bench: warning: pcapscope counted {packets} packets, the generator wrote {}",
                gen.packets
            );
        }
    }
    ours.sort_by_key(|m| m.wall);
    let ours_best = ours.first().cloned();
    let ours_median = ours.get(ours.len() / 2).cloned();

    let tshark = if !with_tshark {
        eprintln!("bench: tshark skipped (PCAPSCOPE_BENCH_TSHARK=0)");
        None
    } else if !on_path("tshark") {
        eprintln!("bench: tshark not found on PATH, skipped");
        None
    } else {
        eprintln!("bench: tshark -n -r FILE -q -z conv,ip (this can take minutes)");
        let mut cmd = Command::new("tshark");
        cmd.args(["-n", "-r", &path_str, "-q", "-z", "conv,ip"]);
        let m = measure(&mut cmd, None)?;
        if m.exit != Some(0) {
            eprintln!(
                "bench: warning: tshark exited with {:?}: {}",
                m.exit, m.stderr_tail
            );
        }
        Some(m)
    };

    // The table.
    let mut out = String::new();
    let p = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    p(&mut out, String::new());
    p(&mut out, "pcapscope benchmark".to_string());
    p(&mut out, format!("  machine:   {}", machine()));
    p(&mut out, format!("  revision:  {}", revision(root)));
    p(
        &mut out,
        format!(
            "  file:      {}{}",
            path.display(),
            if generated.is_some() && !keep {
                " (generated, deleted after the run)"
            } else {
                ""
            }
        ),
    );
    p(
        &mut out,
        format!(
            "  size:      {} bytes ({:.1} MiB)",
            group(file_bytes),
            file_bytes as f64 / MIB as f64
        ),
    );
    p(
        &mut out,
        format!(
            "  packets:   {} (mean {:.0} bytes of file per packet)",
            group(packets),
            if packets > 0 {
                file_bytes as f64 / packets as f64
            } else {
                0.0
            }
        ),
    );
    if let Some(gen) = &generated {
        p(
            &mut out,
            format!(
                "  made of:   {} rounds of {} (timestamps shifted {:.3} s per round)",
                gen.rounds,
                SOURCES.join(", "),
                gen.round_span_ns as f64 / 1e9
            ),
        );
    }
    p(&mut out, String::new());
    p(
        &mut out,
        format!(
            "  {:<28} {:>9} {:>9} {:>10} {:>13} {:>12} {:>10}",
            "tool", "seconds", "cpu s", "MB/s", "packets/s", "peak RSS MiB", "RSS B/pkt"
        ),
    );
    p(
        &mut out,
        format!("  {}", "-".repeat(28 + 9 * 2 + 10 + 13 + 12 + 10 + 6)),
    );
    let row = |name: &str, m: &Measured, per_packet: bool| {
        format!(
            "  {:<28} {:>9.3} {:>9.3} {:>10.1} {:>13} {:>12.1} {:>10}",
            name,
            m.wall.as_secs_f64(),
            m.cpu.as_secs_f64(),
            mb_per_s(file_bytes, m.wall),
            group(per_second(packets, m.wall)),
            m.max_rss_kib as f64 / 1024.0,
            if per_packet && packets > 0 {
                format!("{:.2}", m.max_rss_kib as f64 * 1024.0 / packets as f64)
            } else {
                "-".to_string()
            }
        )
    };
    p(&mut out, row("cat FILE > /dev/null", &cat, false));
    if let Some(m) = &ours_best {
        p(
            &mut out,
            row(&format!("pcapscope stats (best of {runs})"), m, true),
        );
    }
    if let Some(m) = &ours_median {
        if runs > 1 {
            p(&mut out, row("pcapscope stats (median)", m, true));
        }
    }
    if let Some(m) = &tshark {
        p(&mut out, row("tshark -z conv,ip", m, true));
    }
    p(&mut out, String::new());
    if let (Some(best), Some(median)) = (&ours_best, &ours_median) {
        p(
            &mut out,
            format!(
                "  pcapscope / cat throughput:    {:.2} (best)",
                cat.wall.as_secs_f64() / best.wall.as_secs_f64()
            ),
        );
        match &tshark {
            Some(t) => {
                let ratio = |m: &Measured| t.wall.as_secs_f64() / m.wall.as_secs_f64();
                p(
                    &mut out,
                    format!(
                        "  pcapscope / tshark throughput: {:.1}x (best), {:.1}x (median); target >= 40x",
                        ratio(best),
                        ratio(median)
                    ),
                );
                p(
                    &mut out,
                    format!(
                        "  tshark / pcapscope peak RSS:   {:.1}x",
                        t.max_rss_kib as f64 / best.max_rss_kib.max(1) as f64
                    ),
                );
            }
            None => p(
                &mut out,
                "  pcapscope / tshark throughput: (tshark not run)".to_string(),
            ),
        }
        p(
            &mut out,
            format!(
                "  pcapscope peak RSS per packet: {:.2} bytes (target <= 48 plus the flow tables; \
                 `stats` builds no per-packet index)",
                best.max_rss_kib as f64 * 1024.0 / packets.max(1) as f64
            ),
        );
    }
    p(
        &mut out,
        "  (peak RSS is wait4's ru_maxrss; a child's includes the harness's own at spawn, so the \
         cat row is the floor)"
            .to_string(),
    );
    p(&mut out, String::new());
    p(&mut out, "  reproduce:".to_string());
    match file {
        Some(f) => p(&mut out, format!("    cargo xtask bench {f}")),
        None => p(
            &mut out,
            format!("    PCAPSCOPE_BENCH_MB={size_mb} cargo xtask bench"),
        ),
    }
    p(
        &mut out,
        format!(
            "    {} stats {path_str} --json > /dev/null",
            binary.display()
        ),
    );
    p(
        &mut out,
        format!("    tshark -n -r {path_str} -q -z conv,ip > /dev/null"),
    );
    print!("{out}");
    if std::env::var("PCAPSCOPE_BENCH_INDEX").map_or(true, |v| v != "0") {
        run_index_bench(root, &path)?;
    } else {
        eprintln!("bench: index skipped (PCAPSCOPE_BENCH_INDEX=0)");
    }
    crate::bench_browser::run(
        root,
        &crate::bench_browser::Bench {
            file: &path,
            file_bytes,
            packets,
            work: &work.path,
        },
    )?;
    if keep && generated.is_some() {
        eprintln!("bench: kept {} (PCAPSCOPE_BENCH_KEEP=1)", path.display());
    }
    Ok(())
}

fn env_u64(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .with_context(|| format!("{name}={v:?} is not a whole number")),
        Err(_) => Ok(default),
    }
}

/// `cargo build --release -p pcapscope-cli`; returns the binary's path.
fn build_release(root: &Path) -> Result<PathBuf> {
    eprintln!("bench: cargo build --release -p pcapscope-cli");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "pcapscope-cli"])
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build --release -p pcapscope-cli failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("release").join("pcapscope");
    if !binary.is_file() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}

/// The temporary directory, removed on drop unless asked to keep it.
struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    fn create(keep: bool) -> Result<Self> {
        let path = std::env::temp_dir().join(format!("pcapscope-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(WorkDir { path, keep })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            eprintln!("bench: cannot remove {}: {e}", self.path.display());
        }
    }
}

/// Set (to the output path) in the child process that generates the file.
const GENERATE_INTO: &str = "PCAPSCOPE_BENCH_GENERATE_INTO";

/// Generates the file in a child process (this program again, with [`GENERATE_INTO`] set).
///
/// A child's `ru_maxrss` starts from its parent's peak RSS (Linux folds the old address
/// space's high-water mark into it at `exec`, and `posix_spawn` shares the parent's), so this
/// process stays small: the source frames and write buffer live and die in the generator.
fn generate_in_child(path: &Path, size_mb: u64) -> Result<Generated> {
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    let out = Command::new(exe)
        .arg("bench")
        .env(GENERATE_INTO, path)
        .env("PCAPSCOPE_BENCH_MB", size_mb.to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the generator")?;
    if !out.status.success() {
        bail!("generating {} failed ({})", path.display(), out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<i64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("unexpected generator output {text:?}"))?;
    let [packets, rounds, round_packets, round_span_ns] = nums[..] else {
        bail!("unexpected generator output {text:?}");
    };
    Ok(Generated {
        packets: packets as u64,
        rounds: rounds as u64,
        round_packets: round_packets as u64,
        round_span_ns,
    })
}

/// One source frame, kept in memory for the rounds (the sources are a few MiB in all).
struct SourceFrame {
    /// Time relative to the start of the round.
    rel_ns: i64,
    orig_len: u32,
    data: Vec<u8>,
}

struct Generated {
    packets: u64,
    rounds: u64,
    round_packets: u64,
    round_span_ns: i64,
}

/// Writes `path`: an Ethernet pcap (nanosecond resolution) made of the sources' Ethernet frames,
/// one source after the other in each round, every round shifted forward by the round's span,
/// until the file holds at least `target` bytes.
fn generate(corpus: &Path, path: &Path, target: u64) -> Result<Generated> {
    let mut frames: Vec<SourceFrame> = Vec::new();
    // Each source's first frame starts where the previous source ended (plus a gap).
    let mut cursor: i64 = 0;
    for name in SOURCES {
        let src = corpus.join(name);
        let file = File::open(&src).with_context(|| format!("cannot open {}", src.display()))?;
        let mut reader = Reader::new(BufReader::new(file))
            .map_err(|e| anyhow::anyhow!("{}: {e}", src.display()))?;
        let mut first: Option<i64> = None;
        let mut last = 0i64;
        loop {
            let frame = match reader.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    eprintln!("bench: {}: stopped early: {e}", src.display());
                    break;
                }
            };
            if frame.link_type != linktype::ETHERNET {
                continue;
            }
            let base = *first.get_or_insert(frame.ts_ns);
            let rel = frame.ts_ns.saturating_sub(base).max(0);
            last = last.max(rel);
            frames.push(SourceFrame {
                rel_ns: cursor + rel,
                orig_len: frame.orig_len,
                data: frame.data.to_vec(),
            });
        }
        if first.is_none() {
            eprintln!("bench: {}: no Ethernet frames, skipped", src.display());
            continue;
        }
        cursor += last + GAP_NS;
    }
    if frames.is_empty() {
        bail!(
            "no Ethernet frames in the sources under {} (is the reader finished?)",
            corpus.display()
        );
    }
    let round_span_ns = cursor;
    // The corpus's own first time (2010) as the base keeps the timestamps plausible.
    let base_ns: i64 = 1_270_661_369_782_934_000;

    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(4 << 20, file);
    let mut header = Vec::with_capacity(24);
    header.extend_from_slice(&PCAP_MAGIC_NS.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    header.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    header.extend_from_slice(&SNAPLEN.to_le_bytes());
    header.extend_from_slice(&linktype::ETHERNET.to_le_bytes());
    w.write_all(&header)?;
    let mut written = header.len() as u64;
    let mut packets = 0u64;
    let mut rounds = 0u64;
    let mut record = [0u8; 16];
    'rounds: loop {
        let shift = base_ns + rounds as i64 * round_span_ns;
        rounds += 1;
        for f in &frames {
            let ts = shift + f.rel_ns;
            let secs = u32::try_from(ts / 1_000_000_000)
                .context("timestamps passed the pcap format's 32-bit seconds")?;
            let nanos = (ts % 1_000_000_000) as u32;
            let cap = f.data.len() as u32;
            record[0..4].copy_from_slice(&secs.to_le_bytes());
            record[4..8].copy_from_slice(&nanos.to_le_bytes());
            record[8..12].copy_from_slice(&cap.to_le_bytes());
            record[12..16].copy_from_slice(&f.orig_len.to_le_bytes());
            w.write_all(&record)?;
            w.write_all(&f.data)?;
            written += 16 + f.data.len() as u64;
            packets += 1;
            if written >= target {
                break 'rounds;
            }
        }
    }
    w.flush()?;
    w.into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()
        .context("cannot sync the generated file")?;
    Ok(Generated {
        packets,
        rounds,
        round_packets: frames.len() as u64,
        round_span_ns,
    })
}

/// Set (to the capture's path) in the release child process that measures the index.
const INDEX_OF: &str = "PCAPSCOPE_BENCH_INDEX_OF";
/// Entries the index benchmark builds at least.
const INDEX_PACKETS: u64 = 10_000_000;

/// Runs the index benchmark on `file` in a release build of this program.
fn run_index_bench(root: &Path, file: &Path) -> Result<()> {
    eprintln!("bench: index (cargo run --release -p xtask)");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench"])
        .env(INDEX_OF, file)
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the index benchmark failed ({status})");
    }
    Ok(())
}

/// CPU time this thread has run (Linux's `/proc/thread-self/schedstat`), to tell the work
/// from waiting for a core on a loaded machine.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// One measured operation: best and median wall time of its runs, and the CPU time of the
/// fastest run (when the system tells it).
#[derive(Debug, Clone, Copy)]
struct Timing {
    best: Duration,
    median: Duration,
    cpu: Option<Duration>,
}

/// Runs `f` `runs` times (at least once); returns the timing and what the last run returned.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut times: Vec<(Duration, Option<Duration>)> = Vec::new();
    let mut run = || {
        let cpu = thread_cpu();
        let started = Instant::now();
        let out = std::hint::black_box(f());
        let wall = started.elapsed();
        let cpu = cpu.zip(thread_cpu()).map(|(a, b)| b.saturating_sub(a));
        times.push((wall, cpu));
        out
    };
    let mut last = run();
    for _ in 1..runs {
        last = run();
    }
    times.sort_by_key(|t| t.0);
    let best = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).map_or(best.0, |t| t.0);
    (
        Timing {
            best: best.0,
            median,
            cpu: best.1,
        },
        last,
    )
}

/// The index benchmark (in the release child): builds an index of at least
/// `PCAPSCOPE_BENCH_INDEX_PACKETS` entries from `file` and times selections and sorts.
fn index_bench(file: &Path) -> Result<()> {
    use pcapscope::decode::Decoder;
    use pcapscope::filter::compile;
    use pcapscope::index::{PacketIndex, SortKey};
    use pcapscope::stats::Limits;
    use pcapscope::view;

    let target = env_u64("PCAPSCOPE_BENCH_INDEX_PACKETS", INDEX_PACKETS)?.max(1);
    let runs = 3;
    let file_len = std::fs::metadata(file)
        .with_context(|| format!("cannot stat {}", file.display()))?
        .len();
    let started = Instant::now();
    let mut index = PacketIndex::default();
    let mut decoder = Decoder::new();
    let mut passes = 0u64;
    let mut span: Option<i64> = None;
    while (index.len() as u64) < target {
        let f = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        let mut reader = Reader::new(BufReader::with_capacity(1 << 20, f))
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        // Each pass after the first is shifted past the one before, as if the capture went on.
        let shift = span.unwrap_or(0).saturating_mul(passes as i64);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        let before = index.len();
        while let Ok(Some(frame)) = reader.next_frame() {
            let mut rec = decoder.decode(&frame);
            lo = lo.min(rec.ts_ns);
            hi = hi.max(rec.ts_ns);
            rec.ts_ns = rec.ts_ns.saturating_add(shift);
            index.push_record(frame.data_offset + passes * file_len, &rec);
            if index.len() as u64 >= target {
                break;
            }
        }
        if index.len() == before {
            bail!("{} holds no frames", file.display());
        }
        span.get_or_insert(hi.saturating_sub(lo).saturating_add(1_000_000));
        passes += 1;
    }
    let built = started.elapsed();
    let n = index.len() as u64;

    // (operation, timing, rows it went over, note).
    let mut rows: Vec<(String, Timing, u64, String)> = Vec::new();
    for text in [
        "",
        "tcp.port == 443",
        "ip.addr == 10.0.0.0/8 && frame.len > 1000",
        "dns",
    ] {
        let filter = compile(text).map_err(|e| anyhow::anyhow!("{text}: {e}"))?;
        let (timing, sel) = timed(runs, || {
            view::select(&index, &filter, &decoder, Limits::default())
        });
        let (snap, _) = timed(runs, || sel.stats.snapshot(Some(10)));
        rows.push((
            if text.is_empty() {
                "select (empty filter)".to_string()
            } else {
                format!("select `{text}`")
            },
            timing,
            n,
            format!(
                "{} match; then snapshot {:.1} ms",
                group(sel.len()),
                snap.best.as_secs_f64() * 1e3
            ),
        ));
    }
    if std::env::var_os("PCAPSCOPE_BENCH_INDEX_NAIVE").is_some() {
        // For comparison: a whole record per entry, pushed into the record aggregator.
        let (timing, _) = timed(1, || {
            let mut agg = pcapscope::stats::Aggregator::default();
            for i in 0..index.len() {
                if let Some(r) = index.record(i) {
                    agg.push(&r);
                }
            }
            agg.packets()
        });
        rows.push((
            "(naive: index.record(i) + Aggregator::push, all)".to_string(),
            timing,
            n,
            String::new(),
        ));
    }
    for (name, key, descending) in [
        ("Source", SortKey::Source, false),
        ("Destination", SortKey::Destination, false),
        ("Length", SortKey::Length, false),
        ("Length, descending", SortKey::Length, true),
        ("Protocol", SortKey::Protocol, false),
        ("Time", SortKey::Time, false),
    ] {
        let all: Vec<u32> = (0..n as u32).collect();
        let (timing, _) = timed(runs, || {
            let mut order = all.clone();
            view::sort(&index, &mut order, key, descending);
            order.len()
        });
        rows.push((format!("sort all rows by {name}"), timing, n, String::new()));
    }
    let filter = compile("tcp.port == 443").map_err(|e| anyhow::anyhow!("{e}"))?;
    let sel = view::select(&index, &filter, &decoder, Limits::default());
    let some = sel.positions.unwrap_or_default();
    let (timing, _) = timed(runs, || {
        let mut order = some.clone();
        view::sort(&index, &mut order, SortKey::Source, false);
        order.len()
    });
    rows.push((
        "sort the rows of `tcp.port == 443` by Source".to_string(),
        timing,
        some.len() as u64,
        String::new(),
    ));

    let mut out = String::new();
    let p = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    p(&mut out, String::new());
    p(
        &mut out,
        "pcapscope index benchmark (native, release)".to_string(),
    );
    p(
        &mut out,
        format!(
            "  index:     {} entries: {} passes over {} (timestamps shifted), built in {:.1} s",
            group(n),
            passes,
            file.display(),
            built.as_secs_f64()
        ),
    );
    p(
        &mut out,
        format!(
            "  memory:    {:.1} bytes/entry (columns, side columns, interners; {} addresses); \
             dense columns at their narrowest: {} bytes",
            index.heap_bytes() as f64 / n.max(1) as f64,
            group(index.addresses() as u64),
            PacketIndex::BYTES_PER_PACKET
        ),
    );
    p(&mut out, String::new());
    p(
        &mut out,
        format!(
            "  {:<52} {:>9} {:>9} {:>9} {:>10}  {}",
            "operation (3 runs)", "best ms", "median ms", "cpu ms", "M rows/s", ""
        ),
    );
    p(&mut out, format!("  {}", "-".repeat(52 + 9 * 3 + 10 + 4)));
    for (name, t, count, note) in rows {
        p(
            &mut out,
            format!(
                "  {:<52} {:>9.1} {:>9.1} {:>9} {:>10.1}  {}",
                name,
                t.best.as_secs_f64() * 1e3,
                t.median.as_secs_f64() * 1e3,
                t.cpu
                    .map_or("-".to_string(), |c| format!("{:.1}", c.as_secs_f64() * 1e3)),
                count as f64 / t.best.as_secs_f64().max(1e-9) / 1e6,
                note
            ),
        );
    }
    p(
        &mut out,
        "  (cpu ms: the CPU time of the best run; on a loaded machine wall time is longer)"
            .to_string(),
    );
    p(
        &mut out,
        "  (target: re-aggregating 10 M packets in under 1 s; select includes the aggregation)"
            .to_string(),
    );
    p(&mut out, String::new());
    p(&mut out, "  reproduce:".to_string());
    p(
        &mut out,
        "    PCAPSCOPE_BENCH_TSHARK=0 PCAPSCOPE_BENCH_BROWSER=0 cargo xtask bench".to_string(),
    );
    p(
        &mut out,
        format!(
            "    {INDEX_OF}=FILE cargo run --release -p xtask -- bench   (the index part alone)"
        ),
    );
    print!("{out}");
    Ok(())
}

/// One child process, measured.
#[derive(Clone, Debug)]
struct Measured {
    wall: Duration,
    /// User + system CPU time.
    cpu: Duration,
    max_rss_kib: u64,
    /// Exit status, or `None` when killed by a signal.
    exit: Option<i32>,
    stderr_tail: String,
}

fn best(mut ms: Vec<Measured>) -> Measured {
    ms.sort_by_key(|m| m.wall);
    ms.swap_remove(0)
}

/// Runs `cmd` with stdout to `stdout` (or /dev/null), stderr captured to a temp file, and waits
/// for it with `wait4` to get its own rusage (peak RSS, CPU).
fn measure(cmd: &mut Command, stdout: Option<&Path>) -> Result<Measured> {
    let out = match stdout {
        Some(p) => Stdio::from(File::create(p)?),
        None => Stdio::null(),
    };
    let err_path =
        std::env::temp_dir().join(format!("pcapscope-bench-{}-stderr.txt", std::process::id()));
    let err = File::create(&err_path)?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    let (status, usage) = wait4(child.id())?;
    let wall = started.elapsed();
    // The child was reaped by wait4: `child` must not be waited on again (dropping it does not).
    drop(child);
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&err_path);
    let tail: String = stderr
        .lines()
        .rev()
        .take(5)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" | ");
    Ok(Measured {
        wall,
        cpu: usage.cpu,
        max_rss_kib: usage.max_rss_kib,
        exit: status,
        stderr_tail: tail,
    })
}

struct Usage {
    cpu: Duration,
    max_rss_kib: u64,
}

#[cfg(unix)]
fn wait4(pid: u32) -> Result<(Option<i32>, Usage)> {
    let pid = libc::pid_t::try_from(pid).context("pid out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; zeroed is a valid value, and wait4 only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pointers to live locals; `pid` is our own unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4");
        }
    }
    let exit = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    // ru_maxrss is in KiB on Linux (bytes on macOS).
    let maxrss = usage.ru_maxrss.max(0) as u64;
    let max_rss_kib = if cfg!(target_os = "macos") {
        maxrss / 1024
    } else {
        maxrss
    };
    Ok((
        exit,
        Usage {
            cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
            max_rss_kib,
        },
    ))
}

#[cfg(not(unix))]
fn wait4(_pid: u32) -> Result<(Option<i32>, Usage)> {
    bail!("cargo xtask bench measures peak memory with wait4 and needs a Unix system")
}

fn packets_from_json(path: &Path) -> Result<u64> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("pcapscope stats --json printed no JSON: {text:.200}"))?;
    doc.get("packets")
        .and_then(serde_json::Value::as_u64)
        .context("no `packets` in pcapscope's JSON")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn mb_per_s(bytes: u64, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64().max(1e-9)
}

fn per_second(n: u64, t: Duration) -> u64 {
    (n as f64 / t.as_secs_f64().max(1e-9)).round() as u64
}

/// 1234567 -> "1,234,567".
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let tshark = Command::new("tshark")
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "no tshark".to_string());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string());
    format!("{cpu}, {cores} cores, load average {load} at the end; {tshark}")
}

fn revision(root: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{rev} (with uncommitted changes)")
            } else {
                rev
            }
        }
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
