//! Cross-check of `filter` against tshark 4.0 on the real captures in `../shared/corpus/`:
//! for each filter of [`CASES`], the number of frames of the file it matches must equal the
//! number of frames tshark displays with the same display filter.
//!
//! Where the record cannot hold what a filter asks about (fields of headers quoted in ICMP
//! errors, outer ports and inner Ethernet headers of tunnels, inner VLAN tags, DNS header
//! fields of mDNS, SSDP's Host, the case of names), the filter is in [`DIFFERENCES`] with
//! both counts and the reason.
//!
//! For a filter not in the tables:
//! `PCAPSCOPE_FILTER='FILE:FILTER' cargo test --test filter_corpus -- --ignored count --nocapture`
//! prints our count, to set beside `tshark -n -r ../shared/corpus/FILE -Y 'FILTER' | wc -l`.

// Native only: these tests read files.
#![cfg(not(target_arch = "wasm32"))]
use pcapscope::capture::Reader;
use pcapscope::decode::Decoder;
use pcapscope::filter::{compile, EvalContext, Filter};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// (file in `../shared/corpus`, filter, frames tshark displays). Every count was made with
/// TShark 4.0.17 (Debian 12) as
/// `tshark -n -r ../shared/corpus/FILE -Y 'FILTER' | wc -l`.
const CASES: &[(&str, &str, u64)] = &[
    // An HTTP browsing session over IPv4: DNS, many TCP connections.
    ("cs__http_espn.pcapng", "tcp", 928),
    ("cs__http_espn.pcapng", "udp && dns", 28),
    ("cs__http_espn.pcapng", "ip.addr == 4.2.2.1", 28),
    // Wireshark 4.0's `!=`: no address equals, and the packet has one (the DNS frames go).
    ("cs__http_espn.pcapng", "ip.addr != 4.2.2.1", 928),
    (
        "cs__http_espn.pcapng",
        "ip.src == 172.16.0.122 && tcp.port == 80",
        444,
    ),
    ("cs__http_espn.pcapng", "ip.dst == 205.234.218.0/24", 313),
    (
        "cs__http_espn.pcapng",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        25,
    ),
    ("cs__http_espn.pcapng", "tcp.flags & 0x12 == 0x12", 25),
    ("cs__http_espn.pcapng", "frame.len > 1000", 395),
    (
        "cs__http_espn.pcapng",
        "tcp.dstport in {80, 443, 1024..1100}",
        444,
    ),
    ("cs__http_espn.pcapng", "dns.qry.name contains \"espn\"", 20),
    ("cs__http_espn.pcapng", "http.host == \"a.espncdn.com\"", 31),
    ("cs__http_espn.pcapng", "frame.time_relative > 1.5", 111),
    ("cs__http_espn.pcapng", "ip.ttl < 64", 443),
    ("cs__http_espn.pcapng", "eth.src == 00:21:70:c0:56:f0", 458),
    (
        "cs__http_espn.pcapng",
        "dns.flags.response == 1 and dns.count.answers > 2",
        9,
    ),
    // ARP spoofing on a LAN: ARP, Ethernet addresses, a broadcast.
    ("cs__arppoison.pcapng", "not arp", 161),
    ("cs__arppoison.pcapng", "eth.src == 00:25:b3:bf:91:ee", 51),
    ("cs__arppoison.pcapng", "eth.addr == ff:ff:ff:ff:ff:ff", 1),
    // `not in` is `!(... in ...)`: it also matches the frames without TCP.
    ("cs__arppoison.pcapng", "tcp.port not in {80, 443}", 58),
    ("cs__arppoison.pcapng", "ip.addr == 172.16.0.0/12", 161),
    // HTTP over IPv4 and IPv6.
    ("cs__http_ip4and6.pcapng", "ipv6", 10),
    (
        "cs__http_ip4and6.pcapng",
        "ipv6.src == 2001:db8::/32 && tcp.flags.syn == 1",
        2,
    ),
    ("cs__http_ip4and6.pcapng", "http.host contains \"2001\"", 1),
    // TLS with SNI, DNS, a little IPv6.
    (
        "sv__tls-subjectaltname.pcap",
        "tls.handshake.extensions_server_name",
        40,
    ),
    (
        "sv__tls-subjectaltname.pcap",
        "tls.handshake.extensions_server_name contains \"google\"",
        8,
    ),
    (
        "sv__tls-subjectaltname.pcap",
        "dns.qry.name contains \"google\"",
        14,
    ),
    (
        "sv__tls-subjectaltname.pcap",
        "tcp.port == 443 && tcp.flags.reset == 1",
        11,
    ),
    ("zeek__tls_tls-1.2-stream-keylog.pcap", "tls", 60),
    (
        "zeek__tls_tls-1.2-stream-keylog.pcap",
        "tls.handshake.extensions_server_name == \"www.heise.de\"",
        1,
    ),
    // Traceroute: ICMP echo and time-exceeded.
    ("cs__icmp_traceroute.pcapng", "icmp", 54),
    ("cs__icmp_traceroute.pcapng", "icmp.type == 11", 24),
    // A mixed LAN capture: IPv6 link-local, mDNS, SSDP, broadcasts.
    (
        "rp__wireshark_samples-test_nsec.pcapng",
        "ipv6.addr == fe80::/10",
        237,
    ),
    ("rp__wireshark_samples-test_nsec.pcapng", "icmpv6", 68),
    (
        "rp__wireshark_samples-test_nsec.pcapng",
        "mdns && dns.qry.name contains \"local\"",
        206,
    ),
    (
        "rp__wireshark_samples-test_nsec.pcapng",
        "udp.srcport == udp.dstport",
        1889,
    ),
    // A SYN scan.
    (
        "cs__synscan.pcapng",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        1994,
    ),
    ("cs__synscan.pcapng", "tcp.dstport in {1..1024}", 305),
    // GRE: the tunnelled header's addresses count.
    ("zeek__tunnels_gre-sample.pcap", "ip.addr == 172.28.2.3", 34),
    // QinQ: the outer tag (see DIFFERENCES for the inner one).
    ("zeek__vlan-pcp-dei.pcapng", "vlan.id == 10", 3),
    // gzip-compressed, 82,582 frames on loopback.
    (
        "zeek__echo-connections.pcap.gz",
        "ip.addr == 127.0.0.1 && tcp.srcport in {7000, 38000..38999}",
        57601,
    ),
];

/// Filters on which our count differs from tshark's, because the record does not keep what
/// the filter asks about: (file, filter, tshark's count, ours, why). Asserted like [`CASES`],
/// with our count, so that a change on either side shows.
const DIFFERENCES: &[(&str, &str, u64, u64, &str)] = &[
    (
        "cs__icmp_traceroute.pcapng",
        "ip.ttl < 64",
        54,
        30,
        "the IP header quoted inside an ICMP time-exceeded has its own ip.ttl (1, 2, ...) in \
         Wireshark; the record keeps only the outer header's TTL",
    ),
    (
        "cs__icmp_traceroute.pcapng",
        "icmp.type == 8",
        51,
        27,
        "the echo request quoted inside an ICMP time-exceeded adds a second icmp.type (8) in \
         Wireshark; the record keeps only the outer ICMP header",
    ),
    (
        "zeek__tunnels_gre-sample.pcap",
        "udp.port == 53",
        4,
        2,
        "two ICMP port-unreachable errors quote a DNS datagram, whose udp.port Wireshark \
         shows; the record keeps no fields of quoted headers",
    ),
    (
        "zeek__tunnels_gre-sample.pcap",
        "ip.proto == 47",
        40,
        0,
        "ip.proto of the outer header (GRE) is not kept: the record's ip_proto is the \
         innermost header's transport",
    ),
    (
        "zeek__tunnels_Teredo.pcap",
        "udp.port == 3544",
        4,
        0,
        "the outer UDP ports of a tunnel (Teredo) are not kept: the record's ports are the \
         innermost transport's",
    ),
    (
        "zeek__tunnels_vxlan-encapsulated-http.pcap",
        "udp.port == 4789",
        12,
        0,
        "the outer UDP ports of a tunnel (VXLAN) are not kept",
    ),
    (
        "zeek__tunnels_vxlan-encapsulated-http.pcap",
        "eth.addr == 48:f1:7f:a3:b6:ff",
        12,
        0,
        "only the outermost Ethernet header's addresses are kept, not those inside VXLAN",
    ),
    (
        "zeek__vlan-pcp-dei.pcapng",
        "vlan.id == 20",
        6,
        3,
        "only the outermost VLAN tag is kept; three frames carry 20 as the inner tag of QinQ",
    ),
    (
        "rp__wireshark_samples-test_nsec.pcapng",
        "dns.id",
        260,
        54,
        "the DNS header fields are kept for DNS only; Wireshark shows them on the 206 mDNS \
         frames too (dns.qry.name is kept for mDNS and LLMNR, and matches)",
    ),
    (
        "rp__wireshark_samples-test_nsec.pcapng",
        "http.host",
        1021,
        0,
        "SSDP is HTTP over UDP and Wireshark shows http.host on it; the decoder keeps no Host \
         for SSDP",
    ),
    (
        "zeek__wikipedia.pcap",
        "dns.qry.name contains \"BRW\"",
        8,
        0,
        "the decoder keeps names in lowercase (LLMNR queries for BRWC0CB383D1F42), and text \
         comparisons are case-sensitive as in Wireshark",
    ),
    (
        "sv__tls-subjectaltname.pcap",
        "tls",
        604,
        608,
        "a decoder difference, not the filter's: TCP port reuse with a reused ISN (see \
         OTHER_ALLOWANCES in tests/decode_corpus.rs)",
    ),
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

/// Frames of `path` that `filters` match, one count per filter, decoding the file once.
fn count(path: &Path, filters: &[&Filter]) -> Result<Vec<u64>, String> {
    let file = File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    let mut reader = Reader::new(BufReader::new(file)).map_err(|e| format!("reader: {e:?}"))?;
    let mut dec = Decoder::new();
    let mut counts = vec![0u64; filters.len()];
    let mut first_ts = None;
    loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                if frame.number == 1 {
                    first_ts = frame.timestamp();
                }
                let rec = dec.decode(&frame);
                let ctx = EvalContext {
                    number: frame.number,
                    first_ts_ns: first_ts,
                    names: &dec,
                };
                for (n, f) in counts.iter_mut().zip(filters) {
                    *n += u64::from(f.matches(&rec, &ctx));
                }
            }
            Ok(None) => break,
            // Damaged files: tshark's counts are also what it read before the damage.
            Err(_) => break,
        }
    }
    Ok(counts)
}

#[test]
fn matching_frames_equal_tshark() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the filter's tshark cross-check did not run !!!!!!!!\n",
            dir.display()
        );
        return;
    }
    // (file, filter, expected count, what the expectation is).
    let mut all: Vec<(&str, &str, u64, String)> = CASES
        .iter()
        .map(|&(f, t, n)| (f, t, n, format!("tshark {n}")))
        .collect();
    all.extend(DIFFERENCES.iter().map(|&(f, t, ts, ours, _)| {
        (
            f,
            t,
            ours,
            format!("known difference: tshark {ts}, ours was {ours}"),
        )
    }));
    let mut files: Vec<&str> = all.iter().map(|c| c.0).collect();
    files.sort_unstable();
    files.dedup();
    let mut failures = Vec::new();
    for file in files {
        let cases: Vec<_> = all.iter().filter(|c| c.0 == file).collect();
        let filters: Vec<Filter> = cases
            .iter()
            .map(|(_, text, _, _)| compile(text).unwrap_or_else(|e| panic!("{text}: {e}")))
            .collect();
        let refs: Vec<&Filter> = filters.iter().collect();
        let counts = match count(&dir.join(file), &refs) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{file}: {e}"));
                continue;
            }
        };
        for ((_, text, want, what), got) in cases.iter().zip(counts) {
            if got != *want {
                failures.push(format!("{file}: '{text}': {what}, now {got}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} filters changed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// Every filter of the tables prints as text that compiles to the same filter.
#[test]
fn table_filters_round_trip() {
    let texts = CASES
        .iter()
        .map(|c| c.1)
        .chain(DIFFERENCES.iter().map(|c| c.1));
    for text in texts {
        let f = compile(text).unwrap();
        let again = compile(&f.to_string()).unwrap();
        assert_eq!(f, again, "{text} -> {f}");
    }
}

/// A measurement, not a check (speed is never asserted):
/// `cargo test --release --test filter_corpus -- --ignored speed --nocapture` prints the time
/// per record of some filters over the records of one capture, decoded beforehand.
#[test]
#[ignore = "a tool: prints nanoseconds per record"]
fn speed() {
    let path = corpus_dir().join("rp__wireshark_samples-test_nsec.pcapng");
    let Ok(file) = File::open(&path) else {
        eprintln!("{} is missing", path.display());
        return;
    };
    let Ok(mut reader) = Reader::new(BufReader::new(file)) else {
        return;
    };
    let mut dec = Decoder::new();
    let mut recs = Vec::new();
    while let Ok(Some(frame)) = reader.next_frame() {
        recs.push(dec.decode(&frame));
    }
    let first_ts = recs.first().map(|r| r.ts_ns);
    for text in [
        "",
        "tcp",
        "not arp",
        "ip.addr == 192.168.1.1",
        "ip.addr == 192.168.0.0/16 && udp.port in {53, 137, 138, 1900}",
        "ipv6.addr == fe80::/10 || eth.dst == ff:ff:ff:ff:ff:ff",
        "frame.time_relative > 1.5 && frame.len > 100",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        "dns.qry.name contains \"local\"",
    ] {
        let Ok(f) = compile(text) else {
            continue;
        };
        let rounds = 10_000_000 / recs.len().max(1) + 1;
        let start = std::time::Instant::now();
        let mut n = 0u64;
        for _ in 0..rounds {
            for (i, rec) in recs.iter().enumerate() {
                let ctx = EvalContext {
                    number: i as u64 + 1,
                    first_ts_ns: first_ts,
                    names: &dec,
                };
                n += u64::from(f.matches(std::hint::black_box(rec), &ctx));
            }
        }
        let per = start.elapsed().as_nanos() as f64 / (rounds * recs.len()) as f64;
        println!(
            "{text:<66} {per:6.1} ns/record ({} of {} match)",
            n / rounds as u64,
            recs.len()
        );
    }
}

#[test]
#[ignore = "a tool: prints the count for PCAPSCOPE_FILTER='FILE:FILTER'"]
fn count_one() {
    let Ok(spec) = std::env::var("PCAPSCOPE_FILTER") else {
        eprintln!("set PCAPSCOPE_FILTER='FILE:FILTER'");
        return;
    };
    for spec in spec.split(";;") {
        let Some((file, text)) = spec.split_once(':') else {
            eprintln!("PCAPSCOPE_FILTER must be FILE:FILTER");
            return;
        };
        match compile(text) {
            Ok(f) => {
                let n = count(&corpus_dir().join(file), &[&f]).unwrap();
                println!("{:<62} {:>6}", text, n[0]);
            }
            Err(e) => println!("{text:<62} error: {e}"),
        }
    }
}
