//! The charts drawn into SVG: titles, labels, empty states, hit regions, and no label drawn over
//! another or outside its area. Every SVG is written to `target/render-artifacts/` for looking
//! at (`rsvg-convert -o x.png x.svg`).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]

use pcapscope::decode::{IpPair, PacketRecord, Proto, Protocols, TcpInfo};
use pcapscope::render::{self, format, Chart, ChartLayout, ChartOptions, Theme};
use pcapscope::stats::{Aggregator, Snapshot};
use plotters::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

const SEC: i64 = 1_000_000_000;
/// 2010-04-07 18:49:29 UTC.
const T0: i64 = 1_270_666_169 * SEC;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

const LONG_V6: &str = "2001:db8:85a3:1234:5678:8a2e:370:7334";

fn protos(list: &[Proto]) -> Protocols {
    let mut p = Protocols::default();
    for x in list {
        p.insert(*x);
    }
    p
}

#[allow(clippy::too_many_arguments)]
fn ip_rec(
    ts: i64,
    len: u32,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    sport: u16,
    dport: u16,
    extra: &[Proto],
) -> PacketRecord {
    let mut list = vec![
        Proto::Ethernet,
        if src.is_ipv4() {
            Proto::Ipv4
        } else {
            Proto::Ipv6
        },
    ];
    match proto {
        6 => list.push(Proto::Tcp),
        17 => list.push(Proto::Udp),
        1 => list.push(Proto::Icmp),
        _ => {}
    }
    list.extend_from_slice(extra);
    PacketRecord {
        ts_ns: ts,
        orig_len: len,
        cap_len: len,
        protocols: protos(&list),
        ip: Some(IpPair { src, dst }),
        ip_proto: proto,
        src_port: sport,
        dst_port: dport,
        tcp: (proto == 6).then(TcpInfo::default),
        ..PacketRecord::default()
    }
}

fn arp(ts: i64) -> PacketRecord {
    PacketRecord {
        ts_ns: ts,
        orig_len: 42,
        cap_len: 42,
        protocols: protos(&[Proto::Ethernet, Proto::Arp]),
        ..PacketRecord::default()
    }
}

/// Three seconds of web, DNS, ping and ARP traffic between a handful of hosts, one of them with
/// a long IPv6 address.
fn synthetic() -> Snapshot {
    let mut agg = Aggregator::default();
    let server = v4(93, 184, 216, 34);
    let client = v4(192, 168, 1, 23);
    let v6 = IpAddr::V6(LONG_V6.parse::<Ipv6Addr>().unwrap());
    let v6b = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    let resolver = v4(192, 168, 1, 1);
    for i in 0..3000i64 {
        let ts = T0 + i * SEC / 1000;
        // A download that ramps up and down.
        let burst = (i / 300) % 3 != 1;
        if burst {
            agg.push(&ip_rec(
                ts,
                1514,
                server,
                client,
                6,
                80,
                51_000,
                &[Proto::Http],
            ));
            if i % 2 == 0 {
                agg.push(&ip_rec(ts, 66, client, server, 6, 51_000, 80, &[]));
            }
        }
        if i % 7 == 0 {
            agg.push(&ip_rec(ts, 900, v6, v6b, 6, 52_000, 443, &[Proto::Tls]));
        }
        if i % 50 == 0 {
            agg.push(&ip_rec(
                ts,
                80,
                client,
                resolver,
                17,
                53_000 + i as u16 % 100,
                53,
                &[Proto::Dns],
            ));
            agg.push(&ip_rec(
                ts,
                240,
                resolver,
                client,
                17,
                53,
                53_000 + i as u16 % 100,
                &[Proto::Dns],
            ));
        }
        if i % 200 == 0 {
            agg.push(&ip_rec(ts, 98, client, v4(8, 8, 8, 8), 1, 0, 0, &[]));
            agg.push(&arp(ts));
        }
        if i % 300 == 0 {
            agg.push(&ip_rec(
                ts,
                6000,
                v4(10, 0, 0, 5),
                v4(10, 0, 0, 6),
                17,
                4789,
                4789,
                &[],
            ));
        }
    }
    agg.snapshot(Some(10))
}

fn empty() -> Snapshot {
    Aggregator::default().snapshot(Some(10))
}

fn arp_only() -> Snapshot {
    let mut agg = Aggregator::default();
    for i in 0..20 {
        agg.push(&arp(T0 + i * SEC));
    }
    agg.snapshot(Some(10))
}

/// Edge cases: a single frame at the epoch, a frame far in the future, giant frames.
fn extremes() -> Snapshot {
    let mut agg = Aggregator::default();
    agg.push(&ip_rec(
        0,
        u32::MAX,
        v4(1, 1, 1, 1),
        v4(2, 2, 2, 2),
        6,
        1,
        2,
        &[],
    ));
    agg.push(&ip_rec(
        0,
        0,
        v4(1, 1, 1, 1),
        v4(2, 2, 2, 2),
        17,
        65_535,
        65_535,
        &[],
    ));
    agg.push(&ip_rec(
        40 * 365 * 86_400 * SEC,
        60,
        v4(1, 1, 1, 1),
        v4(2, 2, 2, 2),
        6,
        1,
        2,
        &[],
    ));
    agg.snapshot(Some(10))
}

fn single_frame() -> Snapshot {
    let mut agg = Aggregator::default();
    agg.push(&ip_rec(
        T0,
        60,
        v4(10, 0, 0, 1),
        v4(10, 0, 0, 2),
        6,
        40_000,
        22,
        &[Proto::Ssh],
    ));
    agg.snapshot(Some(10))
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("render-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn draw_svg(
    chart: Chart,
    snap: &Snapshot,
    size: (u32, u32),
    opts: &ChartOptions,
) -> (String, ChartLayout) {
    let mut svg = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let layout =
            render::draw_with_text_scale(chart, &area, snap, opts, render::SVG_TEXT_SCALE).unwrap();
        area.present().unwrap();
        layout
    };
    (svg, layout)
}

/// One `<text>` element of the SVG, with its estimated box.
#[derive(Debug, Clone)]
struct TextBox {
    text: String,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every text element with its box, estimated the way the charts lay text out.
fn texts(svg: &str) -> Vec<TextBox> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let close = rest.find('>').unwrap();
        let tag = &rest[..close];
        let end = rest.find("</text>").unwrap();
        let text = unescape(rest[close + 1..end].trim());
        rest = &rest[end..];
        let x: f64 = attr(tag, "x").unwrap().parse().unwrap();
        let y: f64 = attr(tag, "y").unwrap().parse().unwrap();
        // plotters writes font-size = size / 1.24; the charts asked for size × 1.24.
        let px: f64 = attr(tag, "font-size").unwrap().parse().unwrap();
        let bold = attr(tag, "font-weight").is_some();
        let w = render::text_width(&text, px, bold);
        let (x0, x1) = match attr(tag, "text-anchor").as_deref() {
            Some("middle") => (x - w / 2.0, x + w / 2.0),
            Some("end") => (x - w, x),
            _ => (x, x + w),
        };
        // Glyphs span about 0.9 em from ascender to baseline plus a little descent.
        let (y0, y1) = match attr(tag, "dy").as_deref() {
            Some("0.76em") => (y, y + px),
            Some("-0.5ex") => (y - px, y),
            _ => (y - px / 2.0, y + px / 2.0),
        };
        assert!(attr(tag, "transform").is_none(), "no rotated text: {tag}");
        out.push(TextBox {
            text,
            x0,
            y0,
            x1,
            y1,
        });
    }
    out
}

/// The checks every drawing must pass.
fn check_drawing(name: &str, svg: &str, layout: &ChartLayout, size: (u32, u32)) {
    let (w, h) = (f64::from(size.0), f64::from(size.1));
    for bad in ["NaN", "inf\"", "\"-inf", "2147483647", "-2147483648"] {
        assert!(!svg.contains(bad), "{name}: {bad} in the SVG");
    }
    let boxes = texts(svg);
    assert!(!boxes.is_empty(), "{name}: no text at all");
    for b in &boxes {
        assert!(!b.text.is_empty(), "{name}: empty text element");
        assert!(
            b.x0 >= -0.5 && b.x1 <= w + 0.5 && b.y0 >= -0.5 && b.y1 <= h + 0.5,
            "{name}: text {:?} outside the {w}x{h} area: {b:?}",
            b.text
        );
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let overlap_x = a.x0.max(b.x0) < a.x1.min(b.x1) - 0.5;
            let overlap_y = a.y0.max(b.y0) < a.y1.min(b.y1) - 0.5;
            assert!(
                !(overlap_x && overlap_y),
                "{name}: {:?} overlaps {:?}\n{a:?}\n{b:?}",
                a.text,
                b.text
            );
        }
    }
    for r in &layout.hits {
        assert!(r.x0.is_finite() && r.x1.is_finite() && r.y0.is_finite() && r.y1.is_finite());
        assert!(
            r.x0 >= 0.0 && r.x1 <= w && r.x0 < r.x1,
            "{name}: hit region x outside: {r:?}"
        );
        assert!(
            r.y0 >= 0.0 && r.y1 <= h && r.y0 < r.y1,
            "{name}: hit region y outside: {r:?}"
        );
        assert!(!r.label.is_empty());
        let (cx, cy) = ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0);
        assert_eq!(
            layout.hit(cx, cy).map(|x| &x.label),
            Some(&r.label),
            "{name}: hit() at a region's centre"
        );
    }
    let p = layout.plot;
    assert!(
        p.x0 >= 0.0 && p.x1 <= w && p.y0 >= 0.0 && p.y1 <= h && p.x0 <= p.x1 && p.y0 <= p.y1,
        "{name}: plot {p:?}"
    );
}

const SIZES: [(u32, u32); 2] = [(800, 400), (400, 300)];

fn themes() -> [Theme; 2] {
    [Theme::light(), Theme::dark()]
}

/// Draws every chart of `snap` at both sizes in both themes, checks each, writes them out, and
/// returns them keyed by (chart, width, theme).
fn draw_all(
    tag: &str,
    snap: &Snapshot,
    tz: i32,
) -> Vec<(Chart, u32, &'static str, String, ChartLayout)> {
    let dir = artifacts();
    let mut out = Vec::new();
    for &chart in Chart::ALL {
        for size in SIZES {
            for theme in themes() {
                let opts = ChartOptions {
                    theme,
                    tz_offset_s: tz,
                    ..ChartOptions::default()
                };
                let (svg, layout) = draw_svg(chart, snap, size, &opts);
                let name = format!(
                    "{tag}-{}-{}x{}-{}",
                    chart.name(),
                    size.0,
                    size.1,
                    theme.name
                );
                std::fs::write(dir.join(format!("{name}.svg")), &svg).unwrap();
                check_drawing(&name, &svg, &layout, size);
                assert!(
                    svg.to_lowercase().contains(&theme.background.css()),
                    "{name}: background colour"
                );
                out.push((chart, size.0, theme.name, svg, layout));
            }
        }
    }
    out
}

#[test]
fn synthetic_capture_draws_every_chart() {
    let snap = synthetic();
    let all = draw_all("synthetic", &snap, 7200);
    for (chart, width, _theme, svg, layout) in &all {
        if *width == 800 {
            assert!(
                svg.contains(chart.title()),
                "{chart:?}: full title at 800 px"
            );
        }
        assert!(layout.empty.is_none(), "{chart:?} is not empty");
        assert!(!layout.hits.is_empty(), "{chart:?} has hit regions");
        match chart {
            Chart::Timeline => {
                assert!(svg.contains("UTC+02:00"), "time zone named");
                assert!(svg.contains("20:49:3"), "local time of day on the axis");
                assert!(svg.contains("bit/s ("), "rate unit with bucket width");
                assert!(svg.contains("packets per 10"), "packet axis unit");
                assert!(
                    svg.contains(">\nTCP\n<") && svg.contains(">\nUDP\n<"),
                    "legend"
                );
                let axis = layout.time_axis.unwrap();
                assert!(axis.t0_ns <= T0 && axis.t1_ns >= T0 + 2 * SEC);
                let h = layout
                    .hit(
                        axis.x_at(T0 + 150 * SEC / 1000),
                        (layout.plot.y0 + layout.plot.y1) / 2.0,
                    )
                    .unwrap();
                assert!(h.label.contains("20:49:29."), "{}", h.label);
                assert!(
                    h.label.contains("bit/s") && h.label.contains("packets"),
                    "{}",
                    h.label
                );
                let (a, z) = h.time_ns.unwrap();
                assert!(a <= T0 + 150 * SEC / 1000 && T0 + 150 * SEC / 1000 < z);
                // Buckets are at least two pixels wide.
                assert!(
                    layout.hits.iter().all(|r| r.x1 - r.x0 >= 1.9),
                    "bucket width"
                );
            }
            Chart::Talkers => {
                assert!(svg.contains("93.184.216.34"), "top talker");
                let first = &layout.hits[0];
                assert!(
                    first.label.starts_with("93.184.216.34 — "),
                    "{}",
                    first.label
                );
                assert!(
                    first.label.contains("MiB sent") && first.label.contains("frames)"),
                    "{}",
                    first.label
                );
                let hit = layout
                    .hit(layout.plot.x0 + 2.0, (first.y0 + first.y1) / 2.0)
                    .unwrap();
                assert_eq!(hit.label, first.label);
                assert_eq!(hit.filter.as_deref(), Some("ip.src == 93.184.216.34"));
                // The long IPv6 address is shortened with an ellipsis where room is short.
                if *width == 400 {
                    assert!(
                        !svg.contains(LONG_V6) && svg.contains('…'),
                        "IPv6 shortened"
                    );
                }
                assert!(
                    layout.hits.iter().any(|h| h.label.contains(LONG_V6)),
                    "full address on hover"
                );
            }
            Chart::Destinations => {
                assert!(svg.contains("192.168.1.23"), "top destination");
                assert!(svg.contains("<circle"), "lollipop dots");
                assert!(layout.hits[0].label.contains("received"));
            }
            Chart::Protocols => {
                for l in [
                    "Ethernet", "IPv4", "TCP", "HTTP", "UDP", "DNS", "ARP", "ICMP",
                ] {
                    assert!(svg.contains(&format!(">\n{l}\n<")), "{l} label");
                }
                // Sorted by frames: Ethernet (every frame) first.
                assert!(
                    layout.hits[0].label.starts_with("Ethernet — "),
                    "{}",
                    layout.hits[0].label
                );
                assert!(layout.hits[0].label.contains("(100 %)"));
            }
            Chart::Ports => {
                assert!(svg.contains("tcp/80 (http)"));
                assert!(svg.contains("udp/53 (dns)"));
                assert!(svg.contains("tcp/443 (https)"));
                assert_eq!(layout.hits[0].filter.as_deref(), Some("tcp.port == 80"));
            }
            Chart::Sizes => {
                assert!(svg.contains("frame length (bytes)"));
                assert!(
                    svg.contains(">\n5120") && svg.contains(">\n0"),
                    "first and last bin labelled"
                );
                if *width == 800 {
                    assert!(
                        svg.contains(">\n0-19\n<") && svg.contains(">\n1280-2559\n<"),
                        "range labels"
                    );
                }
                let big = layout
                    .hits
                    .iter()
                    .find(|h| h.label.starts_with("1280-2559 bytes"))
                    .unwrap();
                assert!(big.label.contains("frames"));
            }
        }
    }
}

#[test]
fn empty_snapshot_says_why() {
    let snap = empty();
    for (chart, _, _, svg, layout) in draw_all("empty", &snap, 0) {
        assert!(svg.contains(render::NO_PACKETS), "{chart:?}");
        assert_eq!(layout.empty.as_deref(), Some(render::NO_PACKETS));
        assert!(layout.hits.is_empty());
        assert!(layout.hit(10.0, 10.0).is_none());
        assert!(render::text_alternative(chart, &snap).contains(render::NO_PACKETS));
    }
}

#[test]
fn non_ip_capture_says_there_is_no_ip_traffic() {
    let snap = arp_only();
    for (chart, _, _, svg, _) in draw_all("arp-only", &snap, -18_000) {
        match chart {
            Chart::Talkers | Chart::Destinations => {
                assert!(svg.contains(render::NO_IP), "{chart:?}")
            }
            Chart::Ports => assert!(svg.contains(render::NO_TCP_UDP)),
            Chart::Protocols => assert!(svg.contains(">\nARP\n<")),
            Chart::Timeline => assert!(svg.contains("UTC-05:00")),
            Chart::Sizes => assert!(svg.contains(">\n20\n<"), "20 frames of 42 bytes"),
        }
    }
}

#[test]
fn extreme_values_and_single_frames_draw() {
    draw_all("extremes", &extremes(), i32::MAX / 2);
    let all = draw_all("single", &single_frame(), 3600);
    let (_, _, _, svg, layout) = all.iter().find(|x| x.0 == Chart::Ports).unwrap();
    assert!(svg.contains("tcp/22 (ssh)"));
    assert_eq!(layout.hits.len(), 1);
    // Very small areas never panic.
    for &chart in Chart::ALL {
        for size in [(1, 1), (60, 40), (150, 90)] {
            let (_, layout) = draw_svg(chart, &synthetic(), size, &ChartOptions::default());
            assert!(layout.hits.iter().all(|r| r.x1 <= f64::from(size.0)));
        }
    }
}

#[test]
fn hidpi_scales_everything() {
    let snap = synthetic();
    let base = ChartOptions::default();
    let hi = ChartOptions { dpr: 2.0, ..base };
    for &chart in Chart::ALL {
        let (_, one) = draw_svg(chart, &snap, (800, 400), &base);
        let (svg, two) = draw_svg(chart, &snap, (1600, 800), &hi);
        let name = format!("synthetic-{}-1600x800-dpr2", chart.name());
        std::fs::write(artifacts().join(format!("{name}.svg")), &svg).unwrap();
        check_drawing(&format!("{}-dpr2", chart.name()), &svg, &two, (1600, 800));
        assert_eq!(
            one.hits.len(),
            two.hits.len(),
            "{chart:?}: same marks at 2x"
        );
        assert!(
            (two.plot.x0 - 2.0 * one.plot.x0).abs() <= 2.0,
            "{chart:?}: {:?} vs {:?}",
            one.plot,
            two.plot
        );
        let r = &one.hits[0];
        let css = ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0);
        assert_eq!(
            two.hit_css(css.0, css.1).map(|h| &h.label),
            Some(&r.label),
            "{chart:?}"
        );
        assert!(
            svg.contains("font-size=\"22\"") && !svg.contains("font-size=\"11\""),
            "fonts scaled by dpr"
        );
    }
}

#[test]
fn text_alternatives_carry_the_numbers() {
    let snap = synthetic();
    let opts = ChartOptions {
        tz_offset_s: 7200,
        ..ChartOptions::default()
    };
    let t = render::text_alternative_with(Chart::Timeline, &snap, &opts);
    assert!(
        t.contains("2010-04-07 20:49:29") && t.contains("UTC+02:00") && t.contains("peak"),
        "{t}"
    );
    assert!(t.contains(&format::thousands(snap.summary.packets)), "{t}");
    let t = render::text_alternative_with(Chart::Talkers, &snap, &opts);
    assert!(
        t.starts_with("Top sources by bytes sent: 1. 93.184.216.34 — "),
        "{t}"
    );
    let t = render::text_alternative_with(Chart::Ports, &snap, &opts);
    assert!(t.contains("tcp/80 (http)"), "{t}");
    let t = render::text_alternative_with(Chart::Protocols, &snap, &opts);
    assert!(t.contains("Ethernet — "), "{t}");
    let t = render::text_alternative_with(Chart::Sizes, &snap, &opts);
    assert!(t.contains("1280-2559 bytes"), "{t}");
    let t = render::text_alternative_with(Chart::Talkers, &arp_only(), &opts);
    assert!(t.contains(render::NO_IP), "{t}");
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

#[test]
fn http_espn_capture() {
    let path = corpus().join("cs__http_espn.pcapng");
    if !path.exists() {
        eprintln!("skipped: {} not found", path.display());
        return;
    }
    let analysis = pcapscope::analyze(std::fs::File::open(&path).unwrap()).unwrap();
    let snap = analysis.engine.snapshot(Some(10));
    let all = draw_all("http_espn", &snap, 7200);
    let top = snap.top_sources[0].addr.to_string();
    let talkers = all
        .iter()
        .find(|x| x.0 == Chart::Talkers && x.1 == 800)
        .unwrap();
    assert!(talkers.3.contains(&top), "top talker {top}");
    assert!(talkers.4.hits[0].label.starts_with(&format!("{top} — ")));
    let ports = all
        .iter()
        .find(|x| x.0 == Chart::Ports && x.1 == 800)
        .unwrap();
    assert!(ports.3.contains("tcp/80 (http)"));
    assert!(ports.3.contains("udp/53 (dns)"));
    let timeline = all
        .iter()
        .find(|x| x.0 == Chart::Timeline && x.1 == 800)
        .unwrap();
    // 2010-04-07 17:29:29 UTC is 19:29:29 at UTC+02:00.
    assert!(timeline.3.contains("19:29:"), "local times on the axis");
    assert!(timeline.3.contains("time of day on 2010-04-07 (UTC+02:00)"));
    let frames: u64 = timeline
        .4
        .hits
        .iter()
        .map(|h| {
            let n = h
                .label
                .split(" · ")
                .nth(2)
                .unwrap()
                .trim_end_matches(" packets")
                .replace(',', "");
            n.parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(
        frames, snap.summary.packets,
        "the readouts add up to every frame"
    );
}

/// Every capture of the corpus draws every chart without a collision, at the page's usual
/// size; the SVGs land in `target/render-artifacts/corpus/`.
#[test]
fn whole_corpus_draws_cleanly() {
    let dir = corpus();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no corpus at {}", dir.display());
        return;
    };
    let out = artifacts().join("corpus");
    std::fs::create_dir_all(&out).unwrap();
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".pcap") || n.ends_with(".pcapng") || n.ends_with(".pcap.gz")
        })
        .collect();
    files.sort();
    let mut drawn = 0;
    for path in files {
        let Ok(analysis) = pcapscope::analyze(std::fs::File::open(&path).unwrap()) else {
            continue;
        };
        let snap = analysis.engine.snapshot(Some(10));
        let stem = path.file_name().unwrap().to_string_lossy().to_string();
        for &chart in Chart::ALL {
            let opts = ChartOptions::default();
            let (svg, layout) = draw_svg(chart, &snap, (640, 320), &opts);
            let name = format!("{stem}-{}", chart.name());
            check_drawing(&name, &svg, &layout, (640, 320));
            std::fs::write(out.join(format!("{name}.svg")), &svg).unwrap();
            drawn += 1;
        }
    }
    assert!(drawn > 0);
}
