//! Country lookups against the bundled database, the world's shapes, traffic by country, and
//! the map drawn to SVG.
//!
//! The data files are not in the repository: `cargo xtask geodata` fetches them from the npm
//! registry at pinned versions (checked against pinned checksums) into `target/geodata/`, and
//! the site build copies them from there. Without them these tests fail, saying so.
//!
//! The pinned database (`@ip-location-db/geo-whois-asn-country-mmdb` 2.3.2026061719, built
//! 2026-06-17) places 1.1.1.1 in Australia (APNIC's registration of 1.1.1.0/24, which
//! Cloudflare operates worldwide), 8.8.8.8 in the US; the assertions below are what that
//! version says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pcapscope::analyze::{analyze_with, Options};
use pcapscope::decode::{IpPair, PacketRecord, Proto, Protocols};
use pcapscope::filter::{compile, NoNames};
use pcapscope::geo::{self, DbSource, GeoDb, GeoOptions, WorldShapes};
use pcapscope::index::PacketIndex;
use pcapscope::render::map::svg_map;
use pcapscope::render::{ChartOptions, Theme};
use pcapscope::stats::{Count, Limits};
use pcapscope::traffic::{self, AddrClass, GraphOptions};
use pcapscope::view;
use std::net::IpAddr;
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/geodata")).join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `cargo xtask geodata` to fetch the map's data files \
             from the npm registry",
            path.display()
        )
    })
}

fn db() -> GeoDb {
    GeoDb::bundled(data("geo-whois-asn-country.mmdb")).unwrap()
}

fn world() -> WorldShapes {
    WorldShapes::from_topojson(&data("countries-110m.json")).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn well_known_public_addresses() {
    let db = db();
    for (addr, want) in [
        ("8.8.8.8", Some("US")),
        ("8.8.4.4", Some("US")),
        ("1.1.1.1", Some("AU")),
        ("9.9.9.9", Some("US")),
        ("193.0.6.139", Some("NL")),
        ("133.242.0.3", Some("JP")),
        ("81.2.69.142", Some("GB")),
        ("194.0.0.1", Some("DE")),
        ("2001:4860:4860::8888", Some("US")),
        ("2606:4700:4700::1111", Some("US")),
        // IPv4-mapped: looked up as the IPv4 address.
        ("::ffff:8.8.8.8", Some("US")),
        // Special ranges never have a country.
        ("10.0.0.1", None),
        ("192.168.1.1", None),
        ("127.0.0.1", None),
        ("fe80::1", None),
        ("224.0.0.251", None),
        ("192.0.2.1", None),
    ] {
        assert_eq!(db.country(ip(addr)).as_deref(), want, "{addr}");
    }
    let info = db.info();
    assert_eq!(info.source, DbSource::Bundled);
    assert_eq!(info.kind, "country ipvAll");
    assert_eq!(info.date, "2026-06-17");
    assert_eq!(info.ip_version, 6);
    assert!(info.warning.is_none());
    assert!(info.licence.contains("CC0") && info.licence.contains("nro.net"));
    assert_eq!(db.lookup(ip("8.8.8.8")).unwrap().lat_lon, None);
}

#[test]
fn a_dropped_file_replaces_the_database() {
    let user = GeoDb::user(data("geo-whois-asn-country.mmdb"), "mine.mmdb").unwrap();
    assert_eq!(user.info().source, DbSource::User);
    assert!(user.info().name.starts_with("mine.mmdb"));
    assert!(user.info().licence.contains("supplied by you"));
    assert_eq!(user.country(ip("1.1.1.1")).as_deref(), Some("AU"));
    let err = GeoDb::user(b"not a database".to_vec(), "x.mmdb").unwrap_err();
    assert!(err.to_string().contains("not a MaxMind DB"), "{err}");
    assert!(GeoDb::user(Vec::new(), "empty.mmdb").is_err());
}

#[test]
fn world_shapes() {
    let w = world();
    assert_eq!(w.countries.len(), 177);
    let us = w.by_code("US").unwrap();
    assert_eq!(us.name, "United States of America");
    let (lon, lat) = us.anchor;
    assert!(
        (-110.0..-85.0).contains(&lon) && (33.0..45.0).contains(&lat),
        "{lon} {lat}"
    );
    let fr = w.by_code("FR").unwrap();
    let (lon, lat) = fr.anchor;
    assert!(
        (-1.0..6.0).contains(&lon) && (44.0..49.0).contains(&lat),
        "mainland: {lon} {lat}"
    );
    assert!(w.by_code("XK").is_some(), "Kosovo has no numeric code");
    assert!(w.by_code("SG").is_none(), "too small at 1:110m");
    assert!(w.anchor("SG").is_some(), "the country table places it");
    // Largest first (in projected area): Russia, cut at the antimeridian into pieces that
    // each stay within ±180°.
    assert_eq!(w.countries[0].code, Some("RU"));
    let ru = w.by_code("RU").unwrap();
    for poly in &ru.polygons {
        let (lo, hi) = poly[0]
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &(x, _)| (l.min(x), h.max(x)));
        assert!(hi - lo < 180.0 || lo > 0.0, "a piece spans {lo}..{hi}");
    }
    let (lon, lat) = ru.anchor;
    assert!(
        (40.0..140.0).contains(&lon) && (50.0..70.0).contains(&lat),
        "{lon} {lat}"
    );
    for c in &w.countries {
        for poly in &c.polygons {
            for ring in poly {
                assert!(ring
                    .iter()
                    .all(|&(lon, lat)| lon.abs() <= 180.0 && lat.abs() <= 90.0));
            }
        }
    }
}

/// A home network: A (private) talks to B (8.8.8.8, US) and C (1.1.1.1, AU); D (private) to A.
fn fixture() -> PacketIndex {
    let frame = |t: i64, s: &str, d: &str, len: u32| {
        let mut p = Protocols::default();
        p.insert(Proto::Ethernet);
        p.insert(Proto::Ipv4);
        p.insert(Proto::Udp);
        PacketRecord {
            ts_ns: 1_700_000_000_000_000_000 + t * 1_000_000,
            orig_len: len,
            cap_len: len,
            link_type: 1,
            protocols: p,
            ip: Some(IpPair {
                src: ip(s),
                dst: ip(d),
            }),
            ip_proto: 17,
            src_port: 40_000,
            dst_port: 53,
            ..PacketRecord::default()
        }
    };
    let mut index = PacketIndex::default();
    for r in [
        frame(0, "10.0.0.1", "8.8.8.8", 100),
        frame(500, "8.8.8.8", "10.0.0.1", 200),
        frame(1_200, "10.0.0.1", "1.1.1.1", 1_000),
        frame(1_300, "1.1.1.1", "10.0.0.1", 1_500),
        frame(2_900, "192.168.1.5", "10.0.0.1", 300),
        frame(3_500, "10.0.0.1", "8.8.8.8", 100),
        frame(3_600, "fe80::1", "ff02::fb", 90),
    ] {
        index.push_record(0, &r);
    }
    index
}

fn count(packets: u64, bytes: u64) -> Count {
    Count { packets, bytes }
}

fn select(index: &PacketIndex, filter: &str) -> u64 {
    let f = compile(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    view::select(index, &f, &NoNames, Limits::default()).len()
}

#[test]
fn traffic_by_country_by_hand() {
    let index = fixture();
    let db = db();
    let g = geo::geo_view(&index, None, Some(&db), &GeoOptions::default());
    assert_eq!(g.total, count(7, 3_290));
    let rows: Vec<(&str, Count, u64)> = g
        .countries
        .iter()
        .map(|c| (c.code.as_str(), c.count, c.hosts))
        .collect();
    assert_eq!(rows, [("AU", count(2, 2_500), 1), ("US", count(3, 400), 1)]);
    assert_eq!(g.countries[0].name, "Australia");
    assert_eq!(g.countries[1].filter, "ip.addr == 8.8.8.8");
    assert_eq!(g.located, count(5, 2_900));
    let apart: Vec<(AddrClass, Count, u64)> = g
        .apart
        .iter()
        .map(|a| (a.class, a.count, a.hosts))
        .collect();
    assert_eq!(
        apart,
        [
            (AddrClass::Private, count(6, 3_200), 2),
            (AddrClass::LinkLocal, count(1, 90), 1),
            (AddrClass::Multicast, count(1, 90), 1),
        ]
    );
    assert_eq!(g.apart[0].filter, "ip.addr in {10.0.0.1 192.168.1.5}");
    for c in &g.countries {
        assert_eq!(select(&index, &c.filter), c.count.packets, "{}", c.filter);
    }
    for a in &g.apart {
        assert_eq!(select(&index, &a.filter), a.count.packets, "{}", a.filter);
    }
    let flows: Vec<(IpAddr, IpAddr, Option<&str>, Count)> = g
        .flows
        .iter()
        .map(|f| (f.a, f.b, f.b_country.as_deref(), f.count))
        .collect();
    assert_eq!(
        flows[..3],
        [
            (ip("1.1.1.1"), ip("10.0.0.1"), None, count(2, 2_500)),
            (ip("8.8.8.8"), ip("10.0.0.1"), None, count(3, 400)),
            (ip("10.0.0.1"), ip("192.168.1.5"), None, count(1, 300)),
        ]
    );
    assert_eq!(g.flows[0].a_country.as_deref(), Some("AU"));
    assert!(g
        .csv()
        .contains("country,AU,Australia,1,2,2500,ip.addr == 1.1.1.1\r\n"));

    // Without a database every public address is unknown, and still counted.
    let none = geo::geo_view(&index, None, None, &GeoOptions::default());
    assert!(none.countries.is_empty() && none.db.is_none());
    let unknown = none.apart.last().unwrap();
    assert_eq!(
        (unknown.class, unknown.count, unknown.hosts),
        (AddrClass::Public, count(5, 2_900), 2)
    );

    // The graph coloured by country.
    let mut graph = traffic::graph(&index, None, &GraphOptions::default());
    db.annotate_graph(&mut graph);
    let c: Vec<Option<&str>> = graph.nodes.iter().map(|n| n.country.as_deref()).collect();
    assert_eq!(c[..3], [None, Some("AU"), Some("US")]);
}

#[test]
fn map_renders_to_svg() {
    let index = fixture();
    let db = db();
    let w = world();
    let g = geo::geo_view(&index, None, Some(&db), &GeoOptions::default());
    for opts in [
        ChartOptions::default(),
        ChartOptions {
            theme: Theme::dark(),
            dpr: 2.0,
            ..ChartOptions::default()
        },
    ] {
        let k = opts.dpr as u32;
        for size in [(900 * k, 480 * k), (420 * k, 600 * k)] {
            let (svg, layout) = svg_map(&g, &w, &opts, size).unwrap();
            assert!(svg.starts_with("<svg") && !svg.contains("NaN"));
            assert!(svg.contains("Not on the map") && svg.contains("private"));
            let au = layout
                .hits
                .iter()
                .find(|h| h.filter.as_deref() == Some("ip.addr == 1.1.1.1"))
                .expect("Australia has a readout");
            assert!(au.label.starts_with("Australia (AU)"), "{}", au.label);
            assert!(svg.contains("bytes per country (log)"));
        }
        // No shapes loaded yet, no database, no traffic: each says so.
        let (svg, _) = svg_map(&g, &WorldShapes::default(), &opts, (900 * k, 480 * k)).unwrap();
        assert!(svg.contains("country shapes not loaded"));
        let bare = geo::geo_view(&index, None, None, &GeoOptions::default());
        let (svg, _) = svg_map(&bare, &w, &opts, (900 * k, 480 * k)).unwrap();
        assert!(svg.contains("no country database loaded"));
        let empty = geo::geo_view(&index, Some(&[]), Some(&db), &GeoOptions::default());
        let (_, layout) = svg_map(&empty, &w, &opts, (900 * k, 480 * k)).unwrap();
        assert!(layout.empty.is_some());
    }
}

#[test]
fn a_corpus_capture_with_public_addresses() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/cs__http_espn.pcapng"
    ));
    let Ok(file) = std::fs::File::open(&path) else {
        eprintln!(
            "\n!!!! WARNING: {} is missing: the corpus check did not run !!!!\n",
            path.display()
        );
        return;
    };
    let a = analyze_with(
        std::io::BufReader::new(file),
        Options {
            index: true,
            ..Options::default()
        },
    )
    .unwrap();
    let index = a.engine.index().unwrap();
    let g = geo::geo_view(index, None, Some(&db()), &GeoOptions::default());
    assert_eq!(g.total.packets, a.snapshot.summary.packets);
    assert!(!g.countries.is_empty(), "ESPN's servers are somewhere");
    assert!(g.countries.iter().any(|c| c.code == "US"));
    // Every IP frame touches a country or a class apart (or both).
    assert!(
        g.located.packets + g.apart.iter().map(|x| x.count.packets).sum::<u64>() >= g.total.packets
    );
    let (svg, _) = svg_map(&g, &world(), &ChartOptions::default(), (960, 520)).unwrap();
    assert!(!svg.contains("NaN"));
}

#[test]
fn the_view_survives_the_trip_to_the_page() {
    let index = fixture();
    let g = geo::geo_view(&index, None, Some(&db()), &GeoOptions::default());
    let back: geo::GeoView = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
    assert_eq!(back, g);
}
