#![cfg(not(target_arch = "wasm32"))]
//! `dissect` over the real captures in `../shared/corpus/`: every frame of every file dissects
//! without panic with node ranges inside the frame, and field values and Info columns agree
//! with tshark 4.0 where a one-packet view can agree.

use pcapscope::capture::Reader;
use pcapscope::dissect::{dissect, hex_rows, Dissection};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

/// One frame as the worker would re-read it.
struct Owned {
    number: u64,
    link_type: u32,
    orig_len: u32,
    data: Vec<u8>,
}

/// Every frame of a capture (up to the first damage).
fn frames(path: &Path) -> Vec<Owned> {
    let Ok(f) = File::open(path) else {
        return Vec::new();
    };
    let Ok(mut r) = Reader::new(BufReader::new(f)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while let Ok(Some(fr)) = r.next_frame() {
        out.push(Owned {
            number: fr.number,
            link_type: fr.link_type,
            orig_len: fr.orig_len,
            data: fr.data.to_vec(),
        });
    }
    out
}

fn dissect_owned(f: &Owned) -> Dissection {
    dissect(f.link_type, &f.data, f.orig_len)
}

/// Prints every frame's Protocol and Info columns (and with `PCAPSCOPE_DUMP_TREE`, the tree)
/// of the capture named by `PCAPSCOPE_DUMP`, for comparing by eye with tshark.
#[test]
#[ignore = "a tool: PCAPSCOPE_DUMP=FILE cargo test --test dissect_corpus dump -- --ignored --nocapture"]
fn dump() {
    let Ok(name) = std::env::var("PCAPSCOPE_DUMP") else {
        return;
    };
    let tree = std::env::var("PCAPSCOPE_DUMP_TREE").is_ok();
    let path = if Path::new(&name).exists() {
        PathBuf::from(&name)
    } else {
        corpus_dir().join(&name)
    };
    for f in frames(&path) {
        let d = dissect_owned(&f);
        println!("{}\t{}\t{}", f.number, d.protocol, d.info);
        if tree {
            for l in &d.layers {
                print_node(l, 1);
            }
        }
    }
}

fn print_node(n: &pcapscope::dissect::Node, depth: usize) {
    println!(
        "{:indent$}{}   [{}..{}] {}",
        "",
        n.label(),
        n.start,
        n.end,
        n.filter.as_deref().unwrap_or(""),
        indent = depth * 2
    );
    for c in &n.children {
        print_node(c, depth + 1);
    }
}

#[test]
fn every_corpus_frame_dissects() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "WARNING: {} is missing: the dissect corpus test checks nothing",
            dir.display()
        );
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            !n.ends_with(".json")
                && !n.ends_with(".py")
                && !n.ends_with(".md")
                && !n.ends_with(".tsv")
        })
        .collect();
    files.sort();
    let mut total = 0;
    for p in &files {
        for f in frames(p) {
            let d = dissect_owned(&f);
            total += 1;
            let len = f.data.len();
            for n in d.nodes() {
                assert!(
                    n.start <= n.end && n.end as usize <= len,
                    "{} frame {}: node {:?} has range {}..{} outside {len} bytes",
                    p.display(),
                    f.number,
                    n.label(),
                    n.start,
                    n.end
                );
            }
            assert!(
                !d.info.is_empty(),
                "{} frame {}: empty Info",
                p.display(),
                f.number
            );
            assert_eq!(hex_rows(&f.data).len(), len.div_ceil(16));
        }
    }
    assert!(total > 0, "no frames read from {}", dir.display());
}

/// The fields compared, in the order of the columns of `tests/data/dissect_tshark_fields.tsv`
/// after the file name and frame number.
const FIELDS: &[&str] = &[
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "udp.dstport",
    "icmp.type",
    "dns.qry.name",
    "dns.a",
    "http.host",
    "http.request.uri",
    "tls.handshake.extensions_server_name",
];

/// A field's value as tshark's `-T fields` prints it: the right-hand side of the node's
/// filter (unquoted for strings), so the "Copy as filter" text is checked too.
fn raw_value(n: &pcapscope::dissect::Node) -> String {
    let Some(f) = n.filter.as_deref() else {
        return n.value.clone();
    };
    let Some((_, rhs)) = f.split_once(" == ") else {
        return n.value.clone();
    };
    match rhs.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => rhs.to_string(),
    }
}

/// Every occurrence of a field (quoted packets in ICMP errors too), joined as tshark joins
/// them.
fn tshark_style(d: &Dissection, abbrev: &str) -> String {
    d.nodes()
        .filter(|n| n.abbrev.as_deref() == Some(abbrev))
        .map(raw_value)
        .collect::<Vec<_>>()
        .join(",")
}

/// Field values of ~300 frames of 7 captures (DNS, mDNS, HTTP, TLS, ICMP with quoted
/// packets) against tshark 4.0, from `tests/data/dissect_tshark_fields.tsv`, whose first
/// lines give the command that made it. tshark ran without TCP and IP reassembly, which is
/// what one packet shows.
#[test]
fn fields_match_tshark() {
    let dir = corpus_dir();
    if !dir.exists() {
        eprintln!(
            "WARNING: {} is missing: the tshark field cross-check checks nothing",
            dir.display()
        );
        return;
    }
    let table = include_str!("data/dissect_tshark_fields.tsv");
    let mut cache: std::collections::HashMap<&str, Vec<Owned>> = std::collections::HashMap::new();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, number) = (cols[0], cols[1].parse::<u64>().unwrap_or(0));
        let frames = cache.entry(file).or_insert_with(|| frames(&dir.join(file)));
        let Some(f) = frames.iter().find(|f| f.number == number) else {
            mismatches.push(format!("{file} frame {number}: not read"));
            continue;
        };
        let d = dissect_owned(f);
        for (i, field) in FIELDS.iter().enumerate() {
            let want = cols.get(i + 2).copied().unwrap_or("");
            let got = tshark_style(&d, field);
            compared += 1;
            if got != want {
                mismatches.push(format!(
                    "{file} frame {number} {field}: ours {got:?}, tshark {want:?}"
                ));
            }
        }
    }
    assert!(compared > 2000, "only {compared} values compared");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Protocol and Info columns of frames where a one-packet view writes what tshark 4.0 writes:
///
/// ```text
/// tshark -n -r ../shared/corpus/FILE -o tcp.relative_sequence_numbers:FALSE \
///   -o tcp.desegment_tcp_streams:FALSE -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
///   -Y frame.number==N -T fields -e _ws.col.Protocol -e _ws.col.Info
/// ```
///
/// Differences that remain by design are in [`info_differs_from_tshark_by_design`].
const SAME_INFO: &[(&str, u64, &str, &str)] = &[
    ("cs__http_espn.pcapng", 1, "DNS", "Standard query 0x9a6b A www.espn.com"),
    ("cs__http_espn.pcapng", 2, "DNS", "Standard query response 0x9a6b A www.espn.com A 199.181.132.250"),
    ("cs__http_espn.pcapng", 4, "TCP", "80 → 52166 [SYN, ACK] Seq=3274825746 Ack=168077070 Win=4140 Len=0 MSS=1380 WS=1 TSval=3646029290 TSecr=343715279"),
    ("cs__http_espn.pcapng", 6, "HTTP", "GET / HTTP/1.1 "),
    ("cs__http_espn.pcapng", 7, "HTTP", "HTTP/1.1 301 Moved Permanently  (text/html)"),
    ("cs__http_espn.pcapng", 22, "DNS", "Standard query response 0x49f3 A a.espncdn.com CNAME a.espncdn.com.edgesuite.net CNAME a1831.g.akamai.net A 205.234.218.129 A 205.234.218.82"),
    ("cs__arppoison.pcapng", 2, "DNS", "Standard query response 0x18cd A www.google.com CNAME www.l.google.com A 74.125.95.147 A 74.125.95.99 A 74.125.95.103 A 74.125.95.104 A 74.125.95.105 A 74.125.95.106 NS ns3.google.com NS ns4.google.com NS ns1.google.com NS ns2.google.com A 216.239.32.10 A 216.239.34.10 A 216.239.36.10 A 216.239.38.10"),
    ("cs__dns_tcp.pcapng", 6, "DNS", "Standard query 0xb4c3 ANY ripe.net"),
    ("cs__icmp_traceroute.pcapng", 1, "ICMP", "Echo (ping) request  id=0x0500, seq=14336/56, ttl=1"),
    ("cs__icmp_traceroute.pcapng", 2, "ICMP", "Time-to-live exceeded (Time to live exceeded in transit)"),
    ("cs__ip_frag_source.pcapng", 2, "IPv4", "Fragmented IP protocol (proto=ICMP 1, off=1480, ID=7474)"),
    ("zeek__ipv6-fragmented-dns.pcap", 4, "IPv6", "IPv6 fragment (off=2896 more=n ident=0x00000001 nxt=17)"),
    ("zeek__icmp_icmp6-nd-options.pcap", 1, "ICMPv6", "Neighbor Solicitation for fe80::c000:54ff:fef5:0"),
    ("zeek__icmp_icmp6-nd-options.pcap", 2, "ICMPv6", "Neighbor Advertisement fe80::c000:54ff:fef5:0 (rtr, ovr) is at c2:00:54:f5:00:00"),
    ("zeek__icmp_icmp6-nd-options.pcap", 3, "ICMPv6", "Router Advertisement from c2:00:54:f5:00:00"),
    ("zeek__icmp_icmp6-nd-options.pcap", 4, "ICMPv6", "Multicast Listener Report Message v2"),
    ("zeek__linuxsll-arp.pcap", 1, "ARP", "Who has 192.168.22.160? Tell 192.168.22.1"),
    ("zeek__linuxsll-arp.pcap", 5, "ARP", "ARP Announcement for 192.168.22.81"),
    ("zeek__tls_tls-1.2-stream-keylog.pcap", 6, "TLSv1.2", "Server Hello"),
    ("zeek__tls_tls-1.2-stream-keylog.pcap", 10, "TLSv1.2", "Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message"),
    ("zeek__tls_tls-1.2-stream-keylog.pcap", 14, "TLSv1.2", "Application Data"),
    ("zeek__wikipedia.pcap", 2, "MDNS", "Standard query response 0x0000 SRV, cache flush 0 0 22 gemini.local AAAA, cache flush fe80::217:f2ff:fed7:cf65 A, cache flush 141.142.220.50 NSEC, cache flush gemini._sftp-ssh._tcp.local NSEC, cache flush gemini.local"),
    ("cs__synscan.pcapng", 11, "TCP", "53 → 36050 [SYN, ACK] Seq=1117405124 Ack=3713172249 Win=5840 Len=0 MSS=1380"),
    ("zeek__linux_dlt_sll2.pcap", 1, "ICMP", "Echo (ping) request  id=0x0008, seq=1/256, ttl=64"),
    ("zeek__http-qinq-0.pcap", 4, "HTTP", "GET /download/CHANGES.bro-aux.txt HTTP/1.1 "),
    ("zeek__tunnels_gre-sample.pcap", 1, "ICMP", "Echo (ping) request  id=0xcb68, seq=256/1, ttl=64"),
    ("zeek__dhcp_dhcp.pcap", 1, "DHCP", "DHCP Discover - Transaction ID 0x7c0"),
    ("zeek__trunc_trunc-hdr_snaplen8.pcap", 1, "Ethernet", "[Packet size limited during capture]"),
];

fn info_of(
    cache: &mut std::collections::HashMap<String, Vec<Owned>>,
    file: &str,
    number: u64,
) -> Option<Dissection> {
    let frames = cache
        .entry(file.to_string())
        .or_insert_with(|| frames(&corpus_dir().join(file)));
    frames
        .iter()
        .find(|f| f.number == number)
        .map(dissect_owned)
}

#[test]
fn info_matches_tshark() {
    if !corpus_dir().exists() {
        eprintln!(
            "WARNING: {} is missing: the Info cross-check checks nothing",
            corpus_dir().display()
        );
        return;
    }
    let mut cache = std::collections::HashMap::new();
    let mut bad = Vec::new();
    for &(file, number, proto, info) in SAME_INFO {
        match info_of(&mut cache, file, number) {
            Some(d) if d.protocol == proto && d.info == info => {}
            Some(d) => bad.push(format!(
                "{file} {number}: ours {:?} {:?}, tshark {proto:?} {info:?}",
                d.protocol, d.info
            )),
            None => bad.push(format!("{file} {number}: not read")),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Where our Info differs from tshark 4.0's on purpose (each with tshark's text):
#[test]
fn info_differs_from_tshark_by_design() {
    if !corpus_dir().exists() {
        return;
    }
    let mut cache = std::collections::HashMap::new();
    let cases: &[(&str, u64, &str)] = &[
        // Window scaling needs the SYNs of the connection: tshark "Win=5888" (92 × 64).
        ("cs__http_espn.pcapng", 5, "52166 → 80 [ACK] Seq=168077070 Ack=3274825747 Win=92 Len=0 TSval=343715294 TSecr=3646029290"),
        // The SNI, as Wireshark 4.2 writes it: tshark 4.0 "Client Hello".
        ("zeek__tls_tls-1.2-stream-keylog.pcap", 4, "Client Hello (SNI=www.heise.de)"),
        // Request/response matching needs other packets: tshark adds " (request in 1)".
        ("cs__ip_frag_source.pcapng", 4, "Echo (ping) reply    id=0x0001, seq=57/14592, ttl=127"),
        // Data in the middle of an HTTP body: tshark (without reassembly) "Continuation".
        ("cs__http_espn.pcapng", 17, "80 → 44955 [ACK] Seq=3681589174 Ack=170936692 Win=4518 Len=1368 TSval=3646030823 TSecr=343715331"),
    ];
    for &(file, number, ours) in cases {
        let d = info_of(&mut cache, file, number)
            .map(|d| d.info)
            .unwrap_or_default();
        assert_eq!(d, ours, "{file} {number}");
    }
}

/// Every field and protocol name in the trees of the corpus is one tshark knows (`tshark -G
/// fields`), so "Copy as filter" gives filters Wireshark accepts.
#[test]
fn field_names_are_wiresharks() {
    let out = match std::process::Command::new("tshark")
        .args(["-G", "fields"])
        .output()
    {
        Ok(o) if o.status.success() => o.stdout,
        _ => {
            eprintln!("WARNING: tshark is not installed: field names are not checked");
            return;
        }
    };
    let known: std::collections::HashSet<String> = String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.split('\t').nth(2).map(str::to_string))
        .collect();
    let Ok(entries) = std::fs::read_dir(corpus_dir()) else {
        eprintln!(
            "WARNING: {} is missing: field names are not checked",
            corpus_dir().display()
        );
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    for e in entries.flatten() {
        // The first 2,000 frames of each file cover every kind of packet in it.
        for f in frames(&e.path()).iter().take(2000) {
            for n in dissect_owned(f).nodes() {
                if let Some(a) = &n.abbrev {
                    seen.insert(a.clone());
                }
            }
        }
    }
    assert!(seen.len() > 200, "only {} names seen", seen.len());
    let unknown: Vec<&String> = seen.iter().filter(|a| !known.contains(*a)).collect();
    assert!(unknown.is_empty(), "not Wireshark field names: {unknown:?}");
}
