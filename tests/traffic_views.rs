//! The views of issue 7 on small indexes built here: the heatmaps' and the matrix's numbers
//! against values computed by hand, the filters behind their cells selecting exactly the
//! frames counted, the host graph's layout (deterministic, finite, circles apart at 300
//! nodes), and every chart drawn to SVG in both themes, empty or not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pcapscope::decode::{IpPair, PacketRecord, Proto, Protocols, TcpInfo};
use pcapscope::filter::{compile, NoNames};
use pcapscope::index::PacketIndex;
use pcapscope::render::graph::{svg_graph, GraphView, NodeColor};
use pcapscope::render::heatmap::{svg_heatmap_matrix, svg_heatmap_time, LogScale};
use pcapscope::render::{ChartOptions, Theme};
use pcapscope::stats::{Count, Limits};
use pcapscope::traffic::{
    self, classify, AddrClass, GraphOptions, HeatOptions, HeatRows, MatrixOptions,
};
use pcapscope::view;
use std::net::{IpAddr, Ipv4Addr};

/// 2023-11-14 22:13:20 UTC, a whole second.
const T0: i64 = 1_700_000_000_000_000_000;
const MS: i64 = 1_000_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const A: &str = "10.0.0.1";
const B: &str = "8.8.8.8";
const C: &str = "1.1.1.1";
const D: &str = "192.168.1.5";

/// A TCP (6) or UDP (17) frame.
fn frame(
    t_ms: i64,
    src: &str,
    sport: u16,
    dst: &str,
    dport: u16,
    proto: u8,
    len: u32,
) -> PacketRecord {
    let mut p = Protocols::default();
    p.insert(Proto::Ethernet);
    let (s, d) = (ip(src), ip(dst));
    p.insert(if s.is_ipv4() {
        Proto::Ipv4
    } else {
        Proto::Ipv6
    });
    p.insert(if proto == 6 { Proto::Tcp } else { Proto::Udp });
    PacketRecord {
        ts_ns: T0 + t_ms * MS,
        orig_len: len,
        cap_len: len,
        link_type: 1,
        protocols: p,
        ip: Some(IpPair { src: s, dst: d }),
        ip_proto: proto,
        src_port: sport,
        dst_port: dport,
        tcp: (proto == 6).then(|| TcpInfo {
            flags: 0x18,
            ..TcpInfo::default()
        }),
        ..PacketRecord::default()
    }
}

fn arp(t_ms: i64) -> PacketRecord {
    let mut p = Protocols::default();
    p.insert(Proto::Ethernet);
    p.insert(Proto::Arp);
    PacketRecord {
        ts_ns: T0 + t_ms * MS,
        orig_len: 60,
        cap_len: 60,
        link_type: 1,
        protocols: p,
        ..PacketRecord::default()
    }
}

/// Seven frames: a DNS exchange A↔B, a TLS exchange A↔C, SSH from D to A, an ARP frame, and
/// one more DNS query.
fn fixture() -> PacketIndex {
    let recs = [
        frame(0, A, 50_000, B, 53, 17, 100),
        frame(500, B, 53, A, 50_000, 17, 200),
        frame(1_200, A, 50_001, C, 443, 6, 1_000),
        frame(1_300, C, 443, A, 50_001, 6, 1_500),
        frame(2_900, D, 40_000, A, 22, 6, 300),
        arp(3_000),
        frame(3_500, A, 50_002, B, 53, 17, 100),
    ];
    let mut index = PacketIndex::default();
    for (i, r) in recs.iter().enumerate() {
        index.push_record(i as u64 * 2_000, r);
    }
    index
}

fn count(packets: u64, bytes: u64) -> Count {
    Count { packets, bytes }
}

/// Frames a display filter keeps in the index.
fn select(index: &PacketIndex, filter: &str) -> u64 {
    let f = compile(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    view::select(index, &f, &NoNames, Limits::default()).len()
}

#[test]
fn host_time_heatmap_by_hand() {
    let index = fixture();
    let opts = HeatOptions {
        rows: HeatRows::Hosts,
        top_n: 3,
        max_columns: 4,
    };
    let h = traffic::host_time(&index, None, &opts);
    // 3.5 s in at most 4 columns: 1 s each, from T0.
    assert_eq!((h.start_ns, h.bucket_ns, h.columns), (T0, 1_000 * MS, 4));
    assert_eq!(h.first_ns, Some(T0));
    assert_eq!(h.total, count(6, 3_200));
    assert_eq!(h.keys, 4);
    let labels: Vec<&str> = h.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, [A, C, B], "D (300 B) is fourth");
    let a = &h.rows[0];
    assert_eq!(a.total, count(6, 3_200));
    assert_eq!(a.bytes, [300, 2_500, 300, 100]);
    assert_eq!(a.packets, [2, 2, 1, 1]);
    assert_eq!(a.peak, 1);
    assert_eq!(a.class, Some(AddrClass::Private));
    assert_eq!(h.rows[1].bytes, [0, 2_500, 0, 0]);
    assert_eq!(h.rows[2].bytes, [300, 0, 0, 100]);
    assert_eq!(h.rows[2].packets, [2, 0, 0, 1]);
    assert_eq!(h.max_cell_bytes, 2_500);

    // A cell's filter keeps exactly the frames it counts.
    let f = h.cell_filter(0, 1).unwrap();
    assert_eq!(
        f,
        "ip.addr == 10.0.0.1 && frame.time_relative >= 1 && frame.time_relative <= 1.999999999"
    );
    for (row, r) in h.rows.iter().enumerate() {
        assert_eq!(select(&index, &r.filter), r.total.packets, "{}", r.filter);
        for col in 0..h.columns {
            let f = h.cell_filter(row, col).unwrap();
            assert_eq!(select(&index, &f), r.packets[col], "{f}");
        }
    }
    assert!(h.cell_filter(3, 0).is_none() && h.cell_filter(0, 4).is_none());
    let csv = h.csv();
    assert!(csv.starts_with("host,class,packets,bytes,peak_start_ns,peak_bytes,peak_packets\r\n"));
    assert!(csv.contains(&format!(
        "10.0.0.1,private,6,3200,{},2500,2\r\n",
        T0 + 1_000 * MS
    )));
}

#[test]
fn host_time_over_a_selection_and_empty_views() {
    let index = fixture();
    // Only the frames of the filter `udp`.
    let f = compile("udp").unwrap();
    let sel = view::select(&index, &f, &NoNames, Limits::default());
    let pos = sel.positions.as_deref();
    assert_eq!(pos, Some(&[0u32, 1, 6][..]));
    let h = traffic::host_time(&index, pos, &HeatOptions::default());
    assert_eq!(h.total, count(3, 400));
    assert_eq!(h.rows.len(), 2);
    // 3.5 s in at most 96 columns: 100 ms each (20 ms would need 176).
    assert_eq!(h.bucket_ns, 100 * MS);
    assert_eq!(h.columns, 36);
    let sum: u64 = h.rows[0].bytes.iter().sum();
    assert_eq!(sum, 400);

    let none = traffic::host_time(&index, Some(&[]), &HeatOptions::default());
    assert!(none.rows.is_empty() && none.columns == 0);
    let arp_only = traffic::host_time(&index, Some(&[5]), &HeatOptions::default());
    assert!(arp_only.rows.is_empty());
    // Positions past the index are ignored.
    let past = traffic::host_time(&index, Some(&[0, 99]), &HeatOptions::default());
    assert_eq!(past.total, count(1, 100));
}

#[test]
fn port_time_heatmap_by_hand() {
    let index = fixture();
    let opts = HeatOptions {
        rows: HeatRows::Ports,
        top_n: 10,
        max_columns: 4,
    };
    let h = traffic::port_time(&index, None, &opts);
    let labels: Vec<&str> = h.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["tcp/443 (https)", "udp/53 (dns)", "tcp/22 (ssh)"]);
    assert_eq!(h.rows[0].bytes, [0, 2_500, 0, 0]);
    assert_eq!(h.rows[1].bytes, [300, 0, 0, 100]);
    assert_eq!(h.rows[1].total, count(3, 400));
    assert_eq!(h.rows[2].bytes, [0, 0, 300, 0]);
    assert_eq!(h.total, count(6, 3_200));
    assert_eq!(h.rows[0].filter, "tcp.port == 443");
    assert_eq!(h.rows[1].filter, "udp.port == 53");
    for (row, r) in h.rows.iter().enumerate() {
        for col in 0..h.columns {
            let f = h.cell_filter(row, col).unwrap();
            assert_eq!(select(&index, &f), r.packets[col], "{f}");
        }
    }
}

#[test]
fn matrix_by_hand() {
    let index = fixture();
    let m = traffic::matrix(
        &index,
        None,
        &MatrixOptions {
            top_n: 2,
            table_rows: 10,
        },
    );
    // Sources by bytes sent: C 1,500, A 1,200 (then D 300, B 200); in address order.
    let srcs: Vec<IpAddr> = m.sources.iter().map(|h| h.addr).collect();
    assert_eq!(srcs, [ip(C), ip(A)]);
    assert_eq!(m.sources[1].count, count(3, 1_200));
    assert_eq!(m.sources[1].filter, "ip.src == 10.0.0.1");
    // Destinations by bytes received: A 2,000, C 1,000.
    let dsts: Vec<IpAddr> = m.destinations.iter().map(|h| h.addr).collect();
    assert_eq!(dsts, [ip(C), ip(A)]);
    assert_eq!(m.destinations[1].count, count(3, 2_000));
    assert_eq!(m.cells.len(), 2);
    assert_eq!(m.cell(0, 1).unwrap().count, count(1, 1_500), "C → A");
    assert_eq!(m.cell(1, 0).unwrap().count, count(1, 1_000), "A → C");
    assert!(m.cell(0, 0).is_none() && m.cell(1, 1).is_none());
    assert_eq!(m.shown, count(2, 2_500));
    assert_eq!(m.total, count(6, 3_200));
    assert_eq!((m.hosts, m.pairs_total, m.max_cell_bytes), (4, 5, 1_500));
    let pairs: Vec<(IpAddr, IpAddr, Count)> =
        m.pairs.iter().map(|p| (p.src, p.dst, p.count)).collect();
    assert_eq!(
        pairs,
        [
            (ip(C), ip(A), count(1, 1_500)),
            (ip(A), ip(C), count(1, 1_000)),
            (ip(D), ip(A), count(1, 300)),
            (ip(A), ip(B), count(2, 200)),
            (ip(B), ip(A), count(1, 200)),
        ]
    );
    // Clicking a cell selects exactly its frames (the browser test's contract).
    assert_eq!(
        m.cell_filter(0, 1).unwrap(),
        "ip.src == 1.1.1.1 && ip.dst == 10.0.0.1"
    );
    for c in &m.cells {
        let f = m.cell_filter(c.row as usize, c.col as usize).unwrap();
        assert_eq!(select(&index, &f), c.count.packets, "{f}");
    }
    for p in &m.pairs {
        assert_eq!(select(&index, &p.filter), p.count.packets, "{}", p.filter);
    }
    assert!(m
        .csv()
        .contains("10.0.0.1,8.8.8.8,2,200,ip.src == 10.0.0.1 && ip.dst == 8.8.8.8\r\n"));
}

#[test]
fn graph_by_hand() {
    let index = fixture();
    let g = traffic::graph(
        &index,
        None,
        &GraphOptions {
            top_n: 3,
            ..GraphOptions::default()
        },
    );
    let nodes: Vec<(IpAddr, Count)> = g.nodes.iter().map(|n| (n.addr, n.count)).collect();
    assert_eq!(
        nodes,
        [
            (ip(A), count(6, 3_200)),
            (ip(C), count(2, 2_500)),
            (ip(B), count(3, 400)),
        ]
    );
    assert_eq!(g.nodes[0].sent, count(3, 1_200));
    assert_eq!(g.nodes[0].received, count(3, 2_000));
    let peers: Vec<(IpAddr, u64)> = g.nodes[0]
        .peers
        .iter()
        .map(|p| (p.addr, p.count.bytes))
        .collect();
    assert_eq!(peers, [(ip(C), 2_500), (ip(B), 400), (ip(D), 300)]);
    let edges: Vec<(u32, u32, Count, Count)> = g
        .edges
        .iter()
        .map(|e| (e.a, e.b, e.count, e.a_to_b))
        .collect();
    assert_eq!(
        edges,
        [
            (0, 1, count(2, 2_500), count(1, 1_000)),
            (0, 2, count(3, 400), count(2, 200)),
        ]
    );
    assert_eq!(
        g.edges[1].filter,
        "ip.addr == 10.0.0.1 && ip.addr == 8.8.8.8"
    );
    assert_eq!(select(&index, &g.edges[1].filter), 3);
    assert_eq!(select(&index, &g.nodes[2].filter), 3);
    assert_eq!((g.hosts, g.hidden_edges), (4, 0));
    // The largest node is the largest circle, and every circle is inside the bounds.
    assert!(g.nodes[0].r > g.nodes[2].r);
    for n in &g.nodes {
        assert!(n.x - n.r >= g.bounds.x0 - 1e-9 && n.x + n.r <= g.bounds.x1 + 1e-9);
        assert_eq!(
            g.node_at(n.x, n.y),
            Some(g.nodes.iter().position(|m| m == n).unwrap())
        );
    }
    assert!(g.csv().starts_with("host,class,country,packets,bytes"));
}

/// A network of `hosts` hosts: a gateway that talks to everyone, a few servers each with its
/// clients, and scattered pairs, all of different sizes.
fn network(hosts: u32) -> PacketIndex {
    let mut index = PacketIndex::default();
    let host = |i: u32| -> String {
        if i % 5 == 0 {
            format!(
                "{}.{}.{}.{}",
                20 + i % 180,
                (i * 7) % 250,
                (i * 13) % 250,
                1 + i % 250
            )
        } else {
            IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)).to_string()
        }
    };
    let names: Vec<String> = (0..hosts).map(host).collect();
    let mut t = 0;
    let mut push = |index: &mut PacketIndex, a: &str, b: &str, n: u32, len: u32| {
        for k in 0..n {
            let (s, d) = if k % 2 == 0 { (a, b) } else { (b, a) };
            t += 3;
            let r = frame(t, s, 40_000, d, 443, 6, len);
            index.push_record(0, &r);
        }
    };
    for i in 1..hosts {
        push(
            &mut index,
            &names[0],
            &names[i as usize],
            1 + i % 7,
            60 + i * 3,
        );
    }
    for i in 0..hosts {
        let server = 1 + (i % 6);
        push(
            &mut index,
            &names[server as usize],
            &names[i as usize],
            1 + (i * 11) % 5,
            100 + (i * 37) % 1_300,
        );
        let other = (i * 97 + 13) % hosts;
        if other != i {
            push(
                &mut index,
                &names[i as usize],
                &names[other as usize],
                1,
                80 + i,
            );
        }
    }
    index
}

#[test]
fn layout_at_300_nodes_is_deterministic_finite_and_apart() {
    let index = network(420);
    let opts = GraphOptions {
        top_n: 300,
        ..GraphOptions::default()
    };
    let g = traffic::graph(&index, None, &opts);
    assert_eq!(g.nodes.len(), 300);
    assert!(g.edges.len() > 300, "{}", g.edges.len());
    let again = traffic::graph(&index, None, &opts);
    assert_eq!(g, again, "the same capture gives the same layout");
    for n in &g.nodes {
        assert!(
            n.x.is_finite() && n.y.is_finite() && n.r.is_finite(),
            "{n:?}"
        );
        assert!(n.r >= traffic::layout::R_MIN && n.r <= traffic::layout::R_MAX);
    }
    let b = g.bounds;
    assert!([b.x0, b.y0, b.x1, b.y1].iter().all(|v| v.is_finite()));
    // No two circles overlap: centres are at least the sum of the radii apart (the layout
    // aims for that plus a gap; allow 2 % for the last sweep of the overlap removal).
    let mut worst = f64::INFINITY;
    for (i, a) in g.nodes.iter().enumerate() {
        for c in &g.nodes[i + 1..] {
            let d = ((a.x - c.x).powi(2) + (a.y - c.y).powi(2)).sqrt();
            worst = worst.min(d / (a.r + c.r));
        }
    }
    assert!(worst >= 0.98, "closest pair at {worst} of their radii");
    // Not spread thin either: the circles cover a fair share of the bounding box.
    let area: f64 = g
        .nodes
        .iter()
        .map(|n| std::f64::consts::PI * n.r * n.r)
        .sum();
    let boxed = (b.x1 - b.x0) * (b.y1 - b.y0);
    assert!(area / boxed > 0.02, "density {}", area / boxed);
    // The gateway, the largest host, sits well inside rather than at an edge.
    let gw = &g.nodes[0];
    assert!(gw.x > b.x0 + (b.x1 - b.x0) * 0.15 && gw.x < b.x1 - (b.x1 - b.x0) * 0.15);
    // And it is drawn: SVG at a zoom, no NaN.
    let (svg, layout) = svg_graph(
        &g,
        &GraphView::default().zoomed(1.5, 30.0, -10.0),
        &ChartOptions::default(),
        (900, 600),
    )
    .unwrap();
    assert!(!svg.contains("NaN") && !layout.hits.is_empty());
}

#[test]
fn special_ranges_are_classified() {
    for (a, want) in [
        ("10.1.2.3", AddrClass::Private),
        ("172.20.0.1", AddrClass::Private),
        ("192.168.0.1", AddrClass::Private),
        ("100.100.0.1", AddrClass::Shared),
        ("127.0.0.1", AddrClass::Loopback),
        ("169.254.9.9", AddrClass::LinkLocal),
        ("224.0.0.251", AddrClass::Multicast),
        ("255.255.255.255", AddrClass::Broadcast),
        ("192.0.2.1", AddrClass::Documentation),
        ("198.18.0.1", AddrClass::Benchmarking),
        ("0.0.0.0", AddrClass::Unspecified),
        ("240.0.0.1", AddrClass::Reserved),
        ("8.8.8.8", AddrClass::Public),
        ("::1", AddrClass::Loopback),
        ("fe80::1", AddrClass::LinkLocal),
        ("fd00::1", AddrClass::Private),
        ("ff02::fb", AddrClass::Multicast),
        ("2001:db8::1", AddrClass::Documentation),
        ("2606:4700::1111", AddrClass::Public),
    ] {
        assert_eq!(classify(ip(a)), want, "{a}");
    }
}

fn themes() -> [ChartOptions; 2] {
    [
        ChartOptions::default(),
        ChartOptions {
            theme: Theme::dark(),
            tz_offset_s: 3_600,
            top_n: 10,
            dpr: 2.0,
        },
    ]
}

fn well_formed(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(
        !svg.contains("NaN") && !svg.contains("inf"),
        "non-finite coordinate"
    );
}

#[test]
fn heatmaps_render_to_svg() {
    let index = fixture();
    for opts in themes() {
        let size = (800, 420);
        for rows in [HeatRows::Hosts, HeatRows::Ports] {
            let h = traffic::heatmap(
                &index,
                None,
                &HeatOptions {
                    rows,
                    ..HeatOptions::default()
                },
            );
            let (svg, layout) = svg_heatmap_time(&h, &opts, size).unwrap();
            well_formed(&svg);
            assert!(svg.to_lowercase().contains(&opts.theme.background.css()));
            assert!(layout.empty.is_none());
            // The busiest cell of the first row has a readout and a filter.
            let busy = layout
                .hits
                .iter()
                .find(|r| r.filter.as_deref() == h.cell_filter(0, h.rows[0].peak).as_deref())
                .expect("a hit region for the busiest cell");
            assert!(busy.label.contains(&h.rows[0].label), "{}", busy.label);
            assert!(busy.time_ns.is_some());
            // The legend names the scale.
            assert!(svg.contains("bytes per cell (log)"));
            assert!(!pcapscope::render::heatmap::text_alternative_time(&h, &opts).is_empty());
        }
        let m = traffic::matrix(&index, None, &MatrixOptions::default());
        let (svg, layout) = svg_heatmap_matrix(&m, &opts, size).unwrap();
        well_formed(&svg);
        let cell = layout
            .hits
            .iter()
            .find(|r| r.filter.as_deref() == Some("ip.src == 1.1.1.1 && ip.dst == 10.0.0.1"))
            .expect("the C → A cell");
        assert!(cell.label.contains("1.1.1.1 → 10.0.0.1"), "{}", cell.label);
        assert!(svg.contains("10.0.0.1"));

        // Empty states say why.
        let empty = traffic::host_time(&index, Some(&[5]), &HeatOptions::default());
        let (svg, layout) = svg_heatmap_time(&empty, &opts, size).unwrap();
        well_formed(&svg);
        assert_eq!(layout.empty.as_deref(), Some(pcapscope::render::NO_IP));
        let empty = traffic::matrix(&index, Some(&[]), &MatrixOptions::default());
        let (svg, layout) = svg_heatmap_matrix(&empty, &opts, size).unwrap();
        well_formed(&svg);
        assert!(layout.empty.is_some());
        // Too small to draw is said too, never a panic.
        let h = traffic::host_time(&index, None, &HeatOptions::default());
        let (svg, _) = svg_heatmap_time(&h, &opts, (60, 40)).unwrap();
        well_formed(&svg);
    }
}

#[test]
fn graph_renders_to_svg() {
    let index = fixture();
    let g = traffic::graph(&index, None, &GraphOptions::default());
    for opts in themes() {
        for color in [NodeColor::Class, NodeColor::Country] {
            let view = GraphView {
                color,
                focus: Some(0),
                ..GraphView::default()
            };
            let (svg, layout) = svg_graph(&g, &view, &opts, (700, 500)).unwrap();
            well_formed(&svg);
            assert!(svg.contains("10.0.0.1"), "the largest node is labelled");
            let hit = layout
                .hits
                .iter()
                .find(|h| h.filter.as_deref() == Some("ip.addr == 10.0.0.1"))
                .unwrap();
            assert!(hit.label.contains("top peers: 1.1.1.1"), "{}", hit.label);
        }
        // Panned far away: nothing inside, still no NaN.
        let away = GraphView::default().panned(1e5, 1e5);
        let (svg, layout) = svg_graph(&g, &away, &opts, (700, 500)).unwrap();
        well_formed(&svg);
        assert!(layout.hits.is_empty());
        let empty = traffic::graph(&index, Some(&[]), &GraphOptions::default());
        let (svg, layout) = svg_graph(&empty, &GraphView::default(), &opts, (700, 500)).unwrap();
        well_formed(&svg);
        assert!(layout.empty.is_some());
    }
}

#[test]
fn log_scale_and_its_legend() {
    let s = LogScale::new(10 * 1024 * 1024);
    assert_eq!(s.t(1), 0.0);
    assert_eq!(s.t(10 * 1024 * 1024), 1.0);
    assert!(s.t(1024) > 0.4 && s.t(1024) < 0.5);
    let ticks: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
    assert_eq!(ticks, ["1 B", "1 KiB", "1 MiB"]);
    let small: Vec<u64> = LogScale::new(300)
        .ticks()
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(small, [1, 4, 16, 64, 256]);
    // A range starting at the smallest cell uses the whole palette.
    let r = LogScale::range(60, 60 * 1024);
    assert_eq!((r.t(60), r.t(60 * 1024)), (0.0, 1.0));
    assert_eq!(r.t(1), 0.0);
    let ticks: Vec<u64> = r.ticks().into_iter().map(|t| t.0).collect();
    assert_eq!(ticks, [64, 256, 1_024, 4_096, 16_384]);
    // Too narrow for two powers of two (the range is widened to a factor 2): the ends.
    let ends: Vec<u64> = LogScale::range(100, 120)
        .ticks()
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(ends, [100, 200]);
    assert_ne!(s.color(1), s.color(1 << 20));
}

#[test]
fn results_survive_the_trip_to_the_page() {
    // The worker posts these to the page with serde: they must come back equal.
    let index = network(60);
    let h = traffic::host_time(&index, None, &HeatOptions::default());
    let back: traffic::HeatMap = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back, h);
    let m = traffic::matrix(&index, None, &MatrixOptions::default());
    let back: traffic::Matrix = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back, m);
    let g = traffic::graph(&index, None, &GraphOptions::default());
    let json = serde_json::to_string(&g).unwrap();
    let mut back: traffic::HostGraph = serde_json::from_str(&json).unwrap();
    // serde_json (without its float_roundtrip feature) may read a float back one ulp off;
    // the worker's transport (serde-wasm-bindgen) passes them as they are.
    for (a, b) in back.nodes.iter_mut().zip(&g.nodes) {
        for (x, y) in [(&mut a.x, b.x), (&mut a.y, b.y), (&mut a.r, b.r)] {
            assert!((*x - y).abs() <= 1e-12 * y.abs().max(1.0));
            *x = y;
        }
    }
    back.bounds = g.bounds;
    assert_eq!(back, g);
    // Display-sized: a 60-host graph is a few tens of KiB.
    assert!(json.len() < 200_000, "{}", json.len());
}
