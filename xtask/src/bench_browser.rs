//! The in-browser half of `cargo xtask bench`: the built page (`dist/`) in headless Chromium
//! loads the benchmark capture through its file input, and the browser's raw read rate of the
//! same `File` is measured in the same run. The driver is `e2e/bench/browser-bench.mjs`
//! (playwright-core and Debian's `/usr/bin/chromium`); this module runs it and prints the
//! second table, with each figure against its target. It never fails on speed.
//!
//! Targets (from the issue): analysis throughput >= 85% of the raw read rate, first chart
//! < 300 ms after the file is set, no main-thread task > 50 ms, Wasm memory <= 64 MiB + 48
//! bytes per packet.
//!
//! Environment:
//! - `PCAPSCOPE_BENCH_BROWSER=0` — skip the browser figures.
//! - `PCAPSCOPE_BENCH_BROWSER_RUNS` — loads of each kind (default 3), raw read and pcapscope
//!   alternately, each in a fresh page.
//! - `PCAPSCOPE_BENCH_TRACE=FILE` — write a Chrome trace (chrome://tracing, Perfetto) of the
//!   first pcapscope load.
//! - `CHROMIUM` — the browser (default `/usr/bin/chromium`), as in the end-to-end tests.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const MIB: f64 = 1024.0 * 1024.0;
/// Targets.
const MIN_RATIO: f64 = 0.85;
const MAX_FIRST_CHART_MS: f64 = 300.0;
const MAX_TASK_MS: f64 = 50.0;
const MEMORY_BASE: f64 = 64.0 * MIB;
const MEMORY_PER_PACKET: f64 = 48.0;

/// What the native half knows about the file.
pub struct Bench<'a> {
    /// The capture.
    pub file: &'a Path,
    /// Its size in bytes.
    pub file_bytes: u64,
    /// Packets, as `pcapscope stats` counted them.
    pub packets: u64,
    /// A scratch directory that lives until the end of the run.
    pub work: &'a Path,
}

/// Measures and prints the browser table (or says why it is skipped).
pub fn run(root: &Path, bench: &Bench<'_>) -> Result<()> {
    println!();
    println!("pcapscope in the browser");
    if std::env::var("PCAPSCOPE_BENCH_BROWSER").is_ok_and(|v| v == "0") {
        println!("  skipped (PCAPSCOPE_BENCH_BROWSER=0)");
        return Ok(());
    }
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let dist = root.join("dist");
    let script = root.join("e2e/bench/browser-bench.mjs");
    let missing = if !chromium.is_file() {
        Some(format!(
            "no Chromium at {} (install Debian's chromium, or set CHROMIUM)",
            chromium.display()
        ))
    } else if !dist.join("index.html").is_file() {
        Some("dist/ is missing: run `cargo xtask dist` first".to_string())
    } else if !root.join("node_modules/playwright-core").is_dir() {
        Some("node_modules/playwright-core is missing: run `npm ci`".to_string())
    } else if Command::new("node").arg("--version").output().is_err() {
        Some("node is not installed".to_string())
    } else {
        None
    };
    if let Some(why) = missing {
        println!("  skipped: {why}");
        eprintln!("bench: browser figures skipped: {why}");
        return Ok(());
    }
    let stale = stale_dist(root, &dist);
    if let Some(newer) = &stale {
        eprintln!(
            "bench: warning: {newer} is newer than dist/: the browser figures are of an older \
             build (run `cargo xtask dist`)"
        );
    }
    let runs = match std::env::var("PCAPSCOPE_BENCH_BROWSER_RUNS") {
        Ok(v) => v
            .trim()
            .parse::<u32>()
            .with_context(|| format!("PCAPSCOPE_BENCH_BROWSER_RUNS={v:?} is not a whole number"))?
            .max(1),
        Err(_) => 3,
    };
    let out = bench.work.join("browser.json");
    let mut cmd = Command::new("node");
    cmd.arg(&script)
        .arg(bench.file)
        .args(["--runs", &runs.to_string(), "--out"])
        .arg(&out)
        .current_dir(root);
    let trace = std::env::var_os("PCAPSCOPE_BENCH_TRACE");
    if let Some(t) = &trace {
        cmd.arg("--trace").arg(t);
    }
    eprintln!("bench: the page in headless Chromium ({runs} loads, and as many raw reads)");
    let status = cmd.status().context("cannot run node")?;
    if !status.success() {
        bail!(
            "the browser benchmark failed ({status}); rerun it alone with `node {} {}`",
            script.display(),
            bench.file.display()
        );
    }
    let text =
        std::fs::read_to_string(&out).with_context(|| format!("cannot read {}", out.display()))?;
    let doc: Value = serde_json::from_str(&text).context("the browser benchmark wrote no JSON")?;
    print!("{}", table(&doc, bench, runs, stale.as_deref()));
    if let Some(t) = &trace {
        println!("  trace of the first load: {}", Path::new(t).display());
    }
    println!(
        "  reproduce (`cargo xtask dist` first; a generated file is deleted after the run unless \
         PCAPSCOPE_BENCH_KEEP=1):"
    );
    println!(
        "    node e2e/bench/browser-bench.mjs {} --runs {runs} [--trace TRACE.json] [--profile-canvas]",
        bench.file.display()
    );
    Ok(())
}

/// The newest of the page's sources, if it is newer than `dist/index.html`.
fn stale_dist(root: &Path, dist: &Path) -> Option<String> {
    let built = std::fs::metadata(dist.join("index.html"))
        .and_then(|m| m.modified())
        .ok()?;
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    let mut stack = vec![
        root.join("src"),
        root.join("www"),
        root.join("Cargo.toml"),
        root.join("Cargo.lock"),
    ];
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if let Ok(t) = meta.modified() {
            if newest.as_ref().is_none_or(|(n, _)| t > *n) {
                newest = Some((t, p));
            }
        }
    }
    let (t, p) = newest?;
    (t > built).then(|| {
        p.strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned()
    })
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    let mut v = v;
    for k in path {
        v = v.get(*k)?;
    }
    v.as_f64()
}

fn runs_of<'a>(doc: &'a Value, key: &str) -> Vec<&'a Value> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// Best, median and worst of some figures; `higher_is_better` orders them.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Spread {
    best: f64,
    median: f64,
    worst: f64,
}

fn spread(mut xs: Vec<f64>, higher_is_better: bool) -> Option<Spread> {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    let (lo, hi) = (xs[0], xs[n - 1]);
    Some(if higher_is_better {
        Spread {
            best: hi,
            median,
            worst: lo,
        }
    } else {
        Spread {
            best: lo,
            median,
            worst: hi,
        }
    })
}

/// The run whose total time is the median one (for the "where the time goes" lines).
fn median_run<'a>(runs: &[&'a Value]) -> Option<&'a Value> {
    let mut v: Vec<&Value> = runs.to_vec();
    v.sort_by(|a, b| {
        let t = |x: &Value| num(x, &["open_to_done_ms"]).unwrap_or(f64::INFINITY);
        t(a).total_cmp(&t(b))
    });
    v.get(v.len().saturating_sub(1) / 2).copied()
}

fn tick(ok: bool) -> &'static str {
    if ok {
        "✓"
    } else {
        "✗"
    }
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

fn table(doc: &Value, bench: &Bench<'_>, runs: u32, stale: Option<&str>) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let size = bench.file_bytes as f64;
    let mbps = |ms: f64| size / 1e6 / (ms / 1000.0);
    let raw = runs_of(doc, "raw");
    let ours = runs_of(doc, "pcapscope");
    let browser = doc.get("browser").and_then(Value::as_str).unwrap_or("?");
    let dpr = ours
        .first()
        .and_then(|r| num(r, &["device_pixel_ratio"]))
        .unwrap_or(1.0);
    let (vw, vh) = (
        num(doc, &["viewport", "width"]).unwrap_or(0.0),
        num(doc, &["viewport", "height"]).unwrap_or(0.0),
    );
    line(format!(
        "  browser:   {browser}, headless, {vw}x{vh} viewport at device pixel ratio {dpr}"
    ));
    if let Some(s) = doc.get("set_input_files") {
        let mib = |k: &str| num(s, &[k]).map_or("?".to_string(), |v| format!("{:+.1}", v / MIB));
        line(format!(
            "  file:      set by path (playwright-core -> CDP DOM.setFileInputFiles: a disk-backed \
             File, nothing copied; on an idle input it took {:.0} ms, node {} MiB, Chromium {} MiB)",
            num(s, &["ms"]).unwrap_or(f64::NAN),
            mib("node_rss_delta"),
            mib("chromium_rss_delta"),
        ));
    }
    line(format!(
        "  runs:      {runs} of each, raw read and pcapscope alternately, each in a fresh page; \
         the file is in the page cache"
    ));
    if let Some(newer) = stale {
        line(format!(
            "  WARNING:   {newer} is newer than dist/: these are the figures of an older build"
        ));
    }
    line(String::new());

    let raw_mbps = spread(
        raw.iter()
            .filter_map(|r| num(r, &["pageMs"]))
            .map(mbps)
            .collect(),
        true,
    );
    let our_mbps = spread(
        ours.iter()
            .filter_map(|r| num(r, &["open_to_done_ms"]))
            .map(mbps)
            .collect(),
        true,
    );
    let total_s = spread(
        ours.iter()
            .filter_map(|r| num(r, &["open_to_done_ms"]))
            .map(|ms| ms / 1000.0)
            .collect(),
        false,
    );
    let first_chart = spread(
        ours.iter()
            .filter_map(|r| num(r, &["first_chart_ms"]))
            .collect(),
        false,
    );
    let longest = spread(
        ours.iter()
            .filter_map(|r| num(r, &["longest_task_ms"]))
            .collect(),
        false,
    );
    let over = spread(
        ours.iter()
            .filter_map(|r| num(r, &["tasks_over_50ms"]))
            .collect(),
        false,
    );
    let memory = spread(
        ours.iter()
            .filter_map(|r| num(r, &["wasm_memory"]))
            .map(|b| b / MIB)
            .collect(),
        false,
    );
    let page_packets = ours.iter().find_map(|r| num(r, &["packets"]));
    let packets = bench.packets as f64;
    let allowed = (MEMORY_BASE + MEMORY_PER_PACKET * packets) / MIB;

    line(format!(
        "  {:<40} {:>9} {:>9} {:>9}   {}",
        "measure",
        "best",
        "median",
        "worst",
        "target (checked on the median; tasks on the worst run)"
    ));
    line(format!("  {}", "-".repeat(40 + 3 * 10 + 3 + 52)));
    let row = |name: &str, s: Option<Spread>, prec: usize, check: String| -> String {
        match s {
            Some(s) => format!(
                "  {:<40} {:>9.p$} {:>9.p$} {:>9.p$}   {}",
                name,
                s.best,
                s.median,
                s.worst,
                check,
                p = prec
            ),
            None => format!(
                "  {:<40} {:>9} {:>9} {:>9}   {}",
                name, "-", "-", "-", check
            ),
        }
    };
    line(row(
        "raw read MB/s (worker, FileReaderSync)",
        raw_mbps,
        1,
        format!(
            "the ceiling: {} MiB File.slice chunks, no parsing",
            num(doc, &["chunk"]).map_or(16.0, |c| c / MIB)
        ),
    ));
    // Each pcapscope figure against the raw read's median.
    let ratio = match (our_mbps, raw_mbps) {
        (Some(o), Some(r)) => Some(Spread {
            best: o.best / r.median * 100.0,
            median: o.median / r.median * 100.0,
            worst: o.worst / r.median * 100.0,
        }),
        _ => None,
    };
    line(row(
        "pcapscope MB/s (open to done)",
        our_mbps,
        1,
        match (our_mbps, raw_mbps) {
            (Some(o), Some(r)) => format!(
                "{} >= {:.1} (85% of the raw read's median)",
                tick(o.median >= MIN_RATIO * r.median),
                MIN_RATIO * r.median
            ),
            _ => "? (no figures)".to_string(),
        },
    ));
    line(row(
        "  % of the raw read's median",
        ratio,
        1,
        match ratio {
            Some(r) => format!("{} >= 85%", tick(r.median >= MIN_RATIO * 100.0)),
            None => "?".to_string(),
        },
    ));
    let source = ours
        .iter()
        .find_map(|r| r.get("first_chart_source").and_then(Value::as_str));
    line(row(
        "time to first chart, ms after open",
        first_chart,
        0,
        match first_chart {
            Some(f) => format!(
                "{} < {MAX_FIRST_CHART_MS:.0}{}",
                tick(f.median < MAX_FIRST_CHART_MS),
                if source == Some("probe") {
                    " (no pcapscope-first-chart mark: end of the first data draw)"
                } else {
                    ""
                }
            ),
            None => "? (no chart was drawn with data)".to_string(),
        },
    ));
    line(row("total time to done, s", total_s, 3, String::new()));
    line(row(
        "longest main-thread task, ms",
        longest,
        0,
        match longest {
            Some(l) => format!(
                "{} <= {MAX_TASK_MS:.0} in every run",
                tick(l.worst <= MAX_TASK_MS)
            ),
            None => "?".to_string(),
        },
    ));
    line(row(
        "main-thread tasks > 50 ms",
        over,
        0,
        match over {
            Some(o) => format!("{} 0 in every run", tick(o.worst == 0.0)),
            None => "?".to_string(),
        },
    ));
    line(row(
        "Wasm memory at the end, MiB",
        memory,
        1,
        match memory {
            Some(m) => format!(
                "{} <= {allowed:.1} allowed (64 MiB + 48 B x {} packets)",
                tick(m.worst <= allowed),
                group(bench.packets)
            ),
            None => "? (the page reported none)".to_string(),
        },
    ));
    line(
        "  (the Long Tasks API reports only tasks over 50 ms: a longest task of 0 means none)"
            .to_string(),
    );
    if let Some(p) = page_packets {
        if p != packets {
            line(format!(
                "  WARNING: the page counted {} packets, pcapscope stats {}",
                p as u64,
                group(bench.packets)
            ));
        }
    }
    let errors: Vec<&str> = ours
        .iter()
        .filter_map(|r| r.get("page_errors").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !errors.is_empty() {
        line(format!("  page errors: {}", errors.join(" | ")));
    }
    if let Some(m) = median_run(&ours) {
        line(String::new());
        where_time_goes(m, &mut line);
    }
    out
}

/// A few lines from the probes of the median run: where the time to done and to the first
/// chart goes, and what the longest main-thread work is.
fn where_time_goes(r: &Value, line: &mut impl FnMut(String)) {
    let f = |path: &[&str]| num(r, path).unwrap_or(f64::NAN);
    line(
        "  where the time goes (median run, from the probes in e2e/bench/browser-bench.mjs):"
            .into(),
    );
    if r.get("worker").is_some_and(|w| !w.is_null()) {
        let span = f(&["worker", "first_read_to_done_ms"]);
        line(format!(
            "    worker: up {:.0} ms after open, Ready at {:.0}, first read at {:.0}; then {:.0} ms to Done = \
             engine {:.0} + waiting for reads {:.0} ({} waits) + pauses {:.0} ({}) + synchronous reads {:.0} ({}) \
             + posting {:.0}",
            f(&["worker", "started_ms"]),
            f(&["worker_ready_ms"]),
            f(&["worker", "first_read_ms"]),
            span,
            f(&["worker", "engine_ms"]),
            f(&["worker", "load", "wait_ms"]),
            f(&["worker", "load", "waits"]),
            f(&["worker", "load", "pause_ms"]),
            f(&["worker", "load", "pauses"]),
            f(&["worker", "read_ms"]),
            f(&["worker", "reads"]),
            f(&["worker", "post_ms"]),
        ));
        let mbps = |bytes: f64, ms: f64| bytes / 1e6 / (ms / 1000.0);
        line(format!(
            "    reads: {} by the reading helper (a BYOB stream reader on its own thread), {:.1} MB at {:.0} MB/s \
             while reading; {} Blob.arrayBuffer() on the engine's thread, {:.1} MB at {:.0} MB/s while in flight",
            f(&["worker", "helper_reads"]),
            f(&["worker", "helper_read_bytes"]) / 1e6,
            mbps(f(&["worker", "helper_read_bytes"]), f(&["worker", "helper_read_ms"])),
            f(&["worker", "fetches"]),
            f(&["worker", "fetch_bytes"]) / 1e6,
            mbps(f(&["worker", "fetch_bytes"]), f(&["worker", "fetch_ms"])),
        ));
    }
    if let Some(cpu) = r.get("cpu_ms").and_then(Value::as_object) {
        let total: f64 = cpu.values().filter_map(Value::as_f64).sum();
        let top: Vec<String> = cpu
            .iter()
            .take(5)
            .map(|(k, v)| format!("{k} {:.2}", v.as_f64().unwrap_or(0.0) / 1000.0))
            .collect();
        line(format!(
            "    CPU: {:.2} s over {:.2} s (of {} cores): {}",
            total / 1000.0,
            f(&["open_to_done_ms"]) / 1000.0,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            top.join(", ")
        ));
    }
    if let Some(d) = r.get("first_draw_message").filter(|d| !d.is_null()) {
        let charts: Vec<String> = d
            .get("charts")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_f64)
                    .map(|c| format!("{c:.0}"))
                    .collect()
            })
            .unwrap_or_default();
        line(format!(
            "    first chart: first Progress handled at {:.0} ms; charts first drawn with data by the {} at {:.0} ms: \
             {:.0} ms = deserialize {:.0} + DOM {:.0} + draw {:.0} (per chart {})",
            f(&["first_progress_ms"]),
            d.get("kind").and_then(Value::as_str).unwrap_or("?"),
            num(d, &["at"]).unwrap_or(f64::NAN),
            num(d, &["total"]).unwrap_or(f64::NAN),
            num(d, &["deserialize"]).unwrap_or(f64::NAN),
            num(d, &["dom"]).unwrap_or(f64::NAN),
            num(d, &["draw"]).unwrap_or(f64::NAN),
            charts.join("/")
        ));
    }
    if let Some(kinds) = r.get("messages").and_then(Value::as_object) {
        let parts: Vec<String> = kinds
            .iter()
            .filter(|(k, _)| k.starts_with("Progress") || k.starts_with("Done"))
            .map(|(k, v)| {
                format!(
                    "{} x{} median {:.1} max {:.1} ms",
                    k,
                    num(v, &["count"]).unwrap_or(0.0),
                    num(v, &["total", "median"]).unwrap_or(f64::NAN),
                    num(v, &["total", "max"]).unwrap_or(f64::NAN)
                )
            })
            .collect();
        line(format!(
            "    main thread, per worker message: {}",
            parts.join("; ")
        ));
    }
    if let Some(tasks) = r.get("long_tasks").and_then(Value::as_array) {
        for t in tasks.iter().take(5) {
            let inside: Vec<String> = t
                .get("inside")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|m| {
                            format!(
                                "{} handler {:.0} ms (deserialize {:.0}, DOM {:.0}, draw {})",
                                m.get("kind").and_then(Value::as_str).unwrap_or("?"),
                                num(m, &["total"]).unwrap_or(f64::NAN),
                                num(m, &["deserialize"]).unwrap_or(f64::NAN),
                                num(m, &["dom"]).unwrap_or(f64::NAN),
                                num(m, &["draw"]).map_or("-".to_string(), |d| format!("{d:.0}"))
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            line(format!(
                "    long task at {:.0} ms: {:.0} ms{}",
                num(t, &["at"]).unwrap_or(f64::NAN),
                num(t, &["duration"]).unwrap_or(f64::NAN),
                if inside.is_empty() {
                    String::new()
                } else {
                    format!(": {}", inside.join(", "))
                }
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_orders_by_what_is_better() {
        let s = spread(vec![3.0, 1.0, 2.0], true).unwrap();
        assert_eq!((s.best, s.median, s.worst), (3.0, 2.0, 1.0));
        let s = spread(vec![3.0, 1.0, 2.0, 10.0], false).unwrap();
        assert_eq!((s.best, s.median, s.worst), (1.0, 2.5, 10.0));
        assert!(spread(vec![f64::NAN], true).is_none());
    }
}
