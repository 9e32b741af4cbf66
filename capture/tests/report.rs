//! `pcapscope report FILE --out DIR`: the page's charts drawn by the same functions into SVG
//! and PNG, and the summary JSON of `stats --json`.

mod support;

use pcapscope::render::{self, Chart, ChartOptions, Theme};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

fn system_font() -> bool {
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ]
    .iter()
    .any(|p| Path::new(p).is_file())
}

#[test]
fn report_writes_every_chart_as_svg_and_png_and_the_summary() {
    let input = fixture("http-get-ethernet.pcap");
    let out = test_dir("report").join("out");
    let run = pcapscope_cmd()
        .arg("report")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .args(["--utc", "--size", "640x360", "--scale", "1.5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");

    // The same summary as `stats --json`.
    let stats = pcapscope_cmd()
        .args(["stats", "--json"])
        .arg(&input)
        .output()
        .unwrap();
    let from_stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    let from_report: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(from_report, from_stats);

    // Every chart of the page, drawn by the page's function: byte for byte what
    // `render::svg` gives for the same snapshot.
    let analysis = pcapscope::analyze(std::fs::File::open(&input).unwrap()).unwrap();
    let opts = ChartOptions {
        theme: Theme::light(),
        tz_offset_s: 0,
        top_n: 10,
        dpr: 1.0,
    };
    let font = system_font();
    if !font {
        eprintln!("note: no system font: PNG files are not checked");
        assert!(err.contains("no system font"), "{err}");
    }
    for &chart in Chart::ALL {
        let svg = std::fs::read_to_string(out.join(format!("{}.svg", chart.name()))).unwrap();
        let (expected, _) = render::svg(chart, &analysis.snapshot, &opts, (640, 360)).unwrap();
        assert_eq!(svg, expected, "{}", chart.name());
        assert!(svg.starts_with("<svg"));
        if font {
            let png = std::fs::read(out.join(format!("{}.png", chart.name()))).unwrap();
            assert_eq!(png_size(&png), (960, 540), "{}", chart.name());
            // Drawn, not blank: many distinct colours in the picture's bytes.
            assert!(png.len() > 5_000, "{}: {} bytes", chart.name(), png.len());
        }
    }
    let text = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(text.contains("Packets:"), "{text}");
    assert!(text.contains(Chart::Talkers.title()), "{text}");
}

#[test]
fn report_of_a_damaged_capture_draws_what_came_before_and_exits_1() {
    let out = test_dir("report-damaged").join("out");
    let run = pcapscope_cmd()
        .arg("report")
        .arg(fixture("truncated-mid-record.pcap"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("reading stopped"), "{err}");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(doc["complete"], false);
    assert!(doc["packets"].as_u64().unwrap() > 0);
    assert!(out.join("timeline.svg").is_file());
}

#[test]
fn report_refuses_what_is_not_a_capture() {
    let out = test_dir("report-bad").join("out");
    let run = pcapscope_cmd()
        .arg("report")
        .arg(fixture("not-a-capture.txt"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(!out.join("summary.json").exists());
    let bad_size = pcapscope_cmd()
        .arg("report")
        .arg(fixture("http-get-ethernet.pcap"))
        .args(["--out", "/nonexistent/x", "--size", "10x10"])
        .output()
        .unwrap();
    assert_eq!(bad_size.status.code(), Some(2));
}
