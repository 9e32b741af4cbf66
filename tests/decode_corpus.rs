//! Cross-check of `decode::Decoder` against tshark 4.0 on the real captures in
//! `../shared/corpus/`:
//!
//! - for every file, the number of frames in which each of ip (our ipv4), ipv6, tcp, udp,
//!   icmp, icmpv6, arp and dns appears at any layer must equal `frame_counts` in the file's
//!   `*.truth.json` (tshark's `frame.protocols`), within 0.5% per file (exactly on small
//!   files); known, explained differences would go in [`ALLOWANCES`] (there are none: every
//!   frame of the corpus matches);
//! - the same for some 35 other protocols (link layers, tunnels, application protocols),
//!   against counts kept in [`OTHER_COUNTS`] with the command that made them, and the
//!   explained differences in [`OTHER_ALLOWANCES`].
//!
//! Every mismatch is collected, then reported at once. For a frame-by-frame comparison,
//! `PCAPSCOPE_DECODE_DUMP=DIR cargo test --test decode_corpus -- --ignored dump` writes per
//! file one line per frame (protocols, outer and tunnelled IP pair, ports) to
//! `DIR/NAME.protos`, to set beside `tshark -T fields -e frame.number -e frame.protocols`;
//! `PCAPSCOPE_DECODE_TRACE=FILE:FROM-TO ... -- --ignored trace --nocapture` prints whole
//! records.

// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]
use pcapscope::capture::Reader;
use pcapscope::decode::{Decoder, PacketRecord, Proto};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// tshark's protocol names in `frame_counts`, and ours.
const COMPARED: &[(&str, Proto)] = &[
    ("ip", Proto::Ipv4),
    ("ipv6", Proto::Ipv6),
    ("tcp", Proto::Tcp),
    ("udp", Proto::Udp),
    ("icmp", Proto::Icmp),
    ("icmpv6", Proto::Icmpv6),
    ("arp", Proto::Arp),
    ("dns", Proto::Dns),
];

/// Documented differences from tshark: (file, tshark protocol name, our count, why).
const ALLOWANCES: &[(&str, &str, u64, &str)] = &[];

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"))
}

/// `NAME.truth.json` -> `NAME`.
fn capture_name(truth: &Path) -> String {
    truth
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_end_matches(".truth.json")
                .to_string()
        })
        .unwrap_or_default()
}

fn truth_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Decodes every frame of `path`, calling `each` with the frame number and the record.
fn decode_file(path: &Path, mut each: impl FnMut(u64, &PacketRecord)) -> Result<u64, String> {
    let file = File::open(path).map_err(|e| format!("open: {e}"))?;
    let mut reader = Reader::new(BufReader::new(file)).map_err(|e| format!("reader: {e:?}"))?;
    let mut dec = Decoder::new();
    let mut n = 0;
    loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                n += 1;
                let rec = dec.decode(&frame);
                each(frame.number, &rec);
            }
            Ok(None) => break,
            // Damaged files: tshark's counts are also what it read before the damage.
            Err(_) => break,
        }
    }
    Ok(n)
}

#[test]
fn protocol_frame_counts_match_tshark() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the decoder's tshark cross-check did not run !!!!!!!!\n",
            dir.display()
        );
        return;
    }
    let files = truth_files(&dir);
    assert!(!files.is_empty(), "no *.truth.json in {}", dir.display());
    let mut failures = Vec::new();
    let mut used_allowances = 0;
    for truth_path in &files {
        let name = capture_name(truth_path);
        let truth: serde_json::Value = match std::fs::read_to_string(truth_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            Some(v) => v,
            None => {
                failures.push(format!("{name}: unreadable truth file"));
                continue;
            }
        };
        let mut ours = [0u64; COMPARED.len()];
        let result = decode_file(&dir.join(&name), |_, rec| {
            for (i, (_, p)) in COMPARED.iter().enumerate() {
                if rec.protocols.contains(*p) {
                    ours[i] += 1;
                }
            }
        });
        let frames = match result {
            Ok(n) => n,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if let Some(want) = truth["packets"].as_u64() {
            if want != frames {
                failures.push(format!(
                    "{name}: read {frames} frames, tshark {want} (reader problem)"
                ));
            }
        }
        let mut line = format!("{name:<56}");
        for (i, (tname, _)) in COMPARED.iter().enumerate() {
            let Some(want) = truth["frame_counts"][*tname].as_u64() else {
                failures.push(format!("{name}: truth has no frame_counts.{tname}"));
                continue;
            };
            let got = ours[i];
            line.push_str(&format!(" {tname}={got}"));
            if let Some(&(_, _, allowed, why)) = ALLOWANCES
                .iter()
                .find(|(f, p, _, _)| *f == name && p == tname)
            {
                used_allowances += 1;
                if got != allowed {
                    failures.push(format!(
                        "{name}: {tname}: ours {got}, allowance says {allowed} (tshark {want}; {why})"
                    ));
                }
                continue;
            }
            let tolerance = (want as f64 * 0.005).floor() as u64;
            if got.abs_diff(want) > tolerance {
                failures.push(format!("{name}: {tname}: ours {got}, tshark {want}"));
            }
        }
        eprintln!("{line}");
    }
    assert_eq!(
        used_allowances,
        ALLOWANCES.len(),
        "an allowance names a file or protocol that is not in the corpus"
    );
    assert!(
        failures.is_empty(),
        "{} mismatch(es) against tshark:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Frames per protocol for the protocols beyond `frame_counts`, from tshark 4.0.17:
/// `tshark -n -r FILE -T fields -e frame.number -e frame.protocols`, counting the frames in
/// whose `frame.protocols` each name appears (`eth`->ethernet, `pppoes`/`pppoed`->pppoe,
/// `smb`/`smb2`->smb, `nbns`/`nbdgm`/`nbss`->netbios). Protocols not listed for a file
/// count 0 there.
const OTHER_COUNTS: &[(&str, &str)] = &[
    ("cs__3e80211_wpaauth.pcapng", "eapol=4 llc=4 wlan=12"),
    ("cs__80211beacon.pcapng", "wlan=1"),
    ("cs__arppoison.pcapng", "ethernet=165 http=30"),
    (
        "cs__dhcp6_outlease_acquisition.pcapng",
        "dhcpv6=4 ethernet=4",
    ),
    (
        "cs__dhcp_nolease_initialization.pcapng",
        "dhcp=4 ethernet=4",
    ),
    ("cs__dns_tcp.pcapng", "ethernet=14"),
    ("cs__http_espn.pcapng", "ethernet=956 http=121"),
    ("cs__http_ip4and6.pcapng", "ethernet=20 http=4"),
    ("cs__icmp_traceroute.pcapng", "ethernet=54"),
    ("cs__ip_frag_source.pcapng", "ethernet=6"),
    ("cs__ipv6_fragments.pcapng", "ethernet=22"),
    ("cs__synscan.pcapng", "ethernet=2011"),
    ("cs__tcp_dupack.pcapng", "ethernet=9 http=1"),
    ("cs__tcp_retransmissions.pcapng", "ethernet=6"),
    ("rp__err-buffertoosmall.pcapng", "ethernet=27 tls=13"),
    ("rp__modified-format_kuznetzov.pcap", "ethernet=1"),
    ("rp__test016-be_options.pcapng", "dhcp=4 ethernet=4"),
    (
        "rp__wireshark_samples-test_nsec.pcapng",
        "dhcpv6=6 ethernet=5898 igmp=84 llc=3 mdns=206 netbios=13 ntp=2 smb=8 ssdp=1021 teredo=13",
    ),
    ("sv__decode-chdlc-01.pcap", "chdlc=17 http=2"),
    ("sv__decode-sll2-02.pcap", "http=2 sll=159"),
    ("sv__defrag-af-confusion-spray-h8.pcap", "ethernet=16384"),
    ("sv__ipv6-dos-ext-headers-6.pcap", "ethernet=39838 ntp=2"),
    ("sv__nfs3-01_bigendian.pcap", "ethernet=128 rpc=128"),
    (
        "sv__tls-subjectaltname.pcap",
        "ethernet=3138 http=86 llc=48 llmnr=2 netbios=28 smb=14 stp=48 tls=604",
    ),
    ("zeek__dhcp_dhcp.pcap", "dhcp=9 ethernet=9"),
    ("zeek__echo-connections.pcap.gz", "ethernet=82582"),
    ("zeek__http-qinq-0.pcap", "ethernet=14 http=2 vlan=14"),
    ("zeek__http-vlan-0.pcap", "ethernet=14 http=2 vlan=14"),
    (
        "zeek__http_1000-requests-one-dropped-response.pcap.gz",
        "ethernet=4102 http=2000",
    ),
    ("zeek__http_bro.org.pcap", "ethernet=751 http=61"),
    ("zeek__http_get-to-ssh-server_nsec.pcap", "ethernet=9 ssh=2"),
    ("zeek__icmp6-mldv2_linktype-ipv6.pcap", ""),
    ("zeek__icmp_icmp6-nd-options.pcap", "ethernet=20"),
    ("zeek__ipv4_fragmented-3.pcap", "ethernet=5"),
    ("zeek__ipv6-fragmented-dns.pcap", "ethernet=8"),
    ("zeek__ipv6-http-atomic-frag.pcap", "ethernet=38"),
    ("zeek__ldap_issue-32_sll_nsec.pcapng", "ldap=2 sll=6"),
    (
        "zeek__ldap_modify-request_multi-idb.pcapng",
        "ethernet=17 ldap=7 vlan=17",
    ),
    ("zeek__linux_dlt_sll2.pcap", "sll=6"),
    ("zeek__linuxsll-arp.pcap", "sll=12"),
    (
        "zeek__mixed-vlan-mpls.pcap",
        "ethernet=47 http=6 mpls=11 telnet=5 vlan=14",
    ),
    ("zeek__nflog-http.pcap", "http=2 nflog=13"),
    ("zeek__pcapng-multi-interface.pcapng", "ethernet=6"),
    ("zeek__ppp_quic-interop-retry.pcap", "ppp=26 quic=22 tls=2"),
    ("zeek__pppoe.pcap", "dhcpv6=4 ethernet=65 ppp=61 pppoe=65"),
    (
        "zeek__quic_firefox-blog-cloudflare-com.pcap",
        "ethernet=608 quic=608 tls=2",
    ),
    ("zeek__radiotap.pcap", "llc=3 mdns=1 wlan=3"),
    ("zeek__rotation_linktype-raw.pcap", ""),
    (
        "zeek__smb_smb3_multichannel.pcap",
        "ethernet=1448 netbios=796 smb=796",
    ),
    ("zeek__tcp-syslog_linktype-ipv4.pcap", ""),
    (
        "zeek__tls_tls-1.2-stream-keylog.pcap",
        "ethernet=237 tls=60",
    ),
    (
        "zeek__trunc_ipv4-truncated-broken-header.pcap",
        "ethernet=1",
    ),
    ("zeek__trunc_trunc-hdr_snaplen8.pcap", "ethernet=1"),
    (
        "zeek__tunnels_Teredo.pcap",
        "dhcp=1 ethernet=78 http=4 netbios=5 smb=2 teredo=4",
    ),
    (
        "zeek__tunnels_gre-sample.pcap",
        "ethernet=40 gre=40 ntp=6 ssh=8",
    ),
    (
        "zeek__tunnels_socks_null-loopback.pcap",
        "http=2 null=18 socks=5",
    ),
    (
        "zeek__tunnels_vxlan-encapsulated-http.pcap",
        "ethernet=12 http=2 vxlan=12",
    ),
    ("zeek__vlan-pcp-dei.pcapng", "ethernet=9 vlan=6"),
    ("zeek__vntag_nsec.pcap", "ethernet=3 vlan=3 vntag=3"),
    (
        "zeek__wikipedia.pcap",
        "ethernet=136 http=30 llc=4 llmnr=8 mdns=4 netbios=8 stp=4",
    ),
    ("zeek__wlanmon.pcap", "llc=3 mdns=1 wlan=3"),
];

/// Our names for the protocols in [`OTHER_COUNTS`].
const OTHER_PROTOS: &[Proto] = &[
    Proto::Chdlc,
    Proto::Dhcp,
    Proto::Dhcpv6,
    Proto::Eapol,
    Proto::Ethernet,
    Proto::Gre,
    Proto::Http,
    Proto::Igmp,
    Proto::Ldap,
    Proto::Llc,
    Proto::Llmnr,
    Proto::Mdns,
    Proto::Mpls,
    Proto::Netbios,
    Proto::Nflog,
    Proto::Ntp,
    Proto::Null,
    Proto::Ppp,
    Proto::Pppoe,
    Proto::Quic,
    Proto::Rpc,
    Proto::Sll,
    Proto::Smb,
    Proto::Socks,
    Proto::Ssdp,
    Proto::Ssh,
    Proto::Stp,
    Proto::Telnet,
    Proto::Teredo,
    Proto::Tls,
    Proto::Vlan,
    Proto::Vntag,
    Proto::Vxlan,
    Proto::Wlan,
];

/// Documented differences in [`OTHER_COUNTS`]: (file, protocol, our count, why).
const OTHER_ALLOWANCES: &[(&str, &str, u64, &str)] = &[
    (
        "sv__tls-subjectaltname.pcap",
        "tls",
        608,
        "tshark 604: TCP port reuse with a reused client ISN (streams 3, 35) makes tshark treat \
         a new connection's server data as retransmissions of the old one and skip it, and it \
         dissects 2 retransmitted segments that fill holes of records we consider lost",
    ),
    (
        "sv__tls-subjectaltname.pcap",
        "http",
        89,
        "tshark 86: the same port-reuse streams, and out-of-order segments at the end of a \
         response (stream 27) that tshark does not add to the message",
    ),
];

#[test]
fn other_protocol_frame_counts_match_tshark() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "\n\n!!!!!!!! WARNING: {} is missing: the decoder's tshark cross-check did not run !!!!!!!!\n",
            dir.display()
        );
        return;
    }
    let mut failures = Vec::new();
    let mut used_allowances = 0;
    for (name, counts) in OTHER_COUNTS {
        let want: BTreeMap<&str, u64> = counts
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
            .collect();
        let mut ours = [0u64; OTHER_PROTOS.len()];
        let result = decode_file(&dir.join(name), |_, rec| {
            for (i, p) in OTHER_PROTOS.iter().enumerate() {
                if rec.protocols.contains(*p) {
                    ours[i] += 1;
                }
            }
        });
        if let Err(e) = result {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        for (i, p) in OTHER_PROTOS.iter().enumerate() {
            let expected = want.get(p.name()).copied().unwrap_or(0);
            let got = ours[i];
            let allowed = OTHER_ALLOWANCES
                .iter()
                .find(|(f, q, _, _)| f == name && *q == p.name());
            match allowed {
                Some(&(_, _, count, why)) => {
                    used_allowances += 1;
                    if got != count {
                        failures.push(format!(
                            "{name}: {}: ours {got}, allowance says {count} (tshark {expected}; {why})",
                            p.name()
                        ));
                    }
                }
                None if got != expected => {
                    failures.push(format!(
                        "{name}: {}: ours {got}, tshark {expected}",
                        p.name()
                    ));
                }
                None => {}
            }
        }
    }
    assert_eq!(
        used_allowances,
        OTHER_ALLOWANCES.len(),
        "an allowance names nothing"
    );
    assert!(
        failures.is_empty(),
        "{} mismatch(es) against tshark:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Prints whole records of a frame range: `PCAPSCOPE_DECODE_TRACE=FILE:FROM-TO`.
#[test]
#[ignore]
fn trace() {
    let Some(spec) = std::env::var("PCAPSCOPE_DECODE_TRACE").ok() else {
        eprintln!("set PCAPSCOPE_DECODE_TRACE=FILE:FROM-TO");
        return;
    };
    let (file, range) = spec.rsplit_once(':').unwrap_or((&spec, "1-999999999"));
    let (from, to) = range.split_once('-').unwrap_or((range, range));
    let (from, to): (u64, u64) = (from.parse().unwrap_or(1), to.parse().unwrap_or(u64::MAX));
    let _ = decode_file(&corpus_dir().join(file), |n, rec| {
        if (from..=to).contains(&n) {
            let names: Vec<&str> = rec.protocols.iter().map(Proto::name).collect();
            eprintln!("{n}\t{}\t{rec:?}", names.join(":"));
        }
    });
}

/// Writes our protocol list per frame, for a frame-by-frame comparison with tshark.
#[test]
#[ignore]
fn dump() {
    let Some(out) = std::env::var_os("PCAPSCOPE_DECODE_DUMP") else {
        eprintln!("set PCAPSCOPE_DECODE_DUMP=DIR");
        return;
    };
    let out = PathBuf::from(out);
    // Another directory of captures (every file in it) instead of the corpus.
    let (dir, names): (PathBuf, Vec<String>) = match std::env::var_os("PCAPSCOPE_DECODE_SRC") {
        Some(src) => {
            let src = PathBuf::from(src);
            let mut names: Vec<String> = std::fs::read_dir(&src)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().to_string())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            (src, names)
        }
        None => {
            let dir = corpus_dir();
            let names = truth_files(&dir).iter().map(|p| capture_name(p)).collect();
            (dir, names)
        }
    };
    let _ = std::fs::create_dir_all(&out);
    for name in names {
        let mut text = String::new();
        let mut malformed: BTreeMap<String, u64> = BTreeMap::new();
        let _ = decode_file(&dir.join(&name), |n, rec| {
            let names: Vec<&str> = rec.protocols.iter().map(Proto::name).collect();
            let pair = |p: Option<pcapscope::decode::IpPair>| {
                p.map(|p| format!("{}>{}", p.src, p.dst))
                    .unwrap_or_default()
            };
            text.push_str(&format!(
                "{n}\t{}\t{}\t{}\t{}:{}\n",
                names.join(":"),
                pair(rec.ip),
                pair(rec.tunnel_ip),
                rec.src_port,
                rec.dst_port
            ));
            if let Some(l) = rec.malformed {
                *malformed.entry(format!("{l:?}")).or_default() += 1;
            }
        });
        let _ = std::fs::write(out.join(format!("{name}.protos")), text);
        if !malformed.is_empty() {
            eprintln!("{name}: malformed {malformed:?}");
        }
    }
}

/// Decode-only throughput over the corpus (frames loaded first), printed per file, never
/// asserted: `cargo test --release --test decode_corpus -- --ignored throughput --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let dir = corpus_dir();
    let (mut all_frames, mut all_bytes, mut all_secs) = (0usize, 0usize, 0f64);
    for truth_path in truth_files(&dir) {
        let name = capture_name(&truth_path);
        let Ok(file) = File::open(dir.join(&name)) else {
            continue;
        };
        let Ok(mut reader) = Reader::new(BufReader::new(file)) else {
            continue;
        };
        let mut frames: Vec<(u32, Vec<u8>)> = Vec::new();
        while let Ok(Some(f)) = reader.next_frame() {
            frames.push((f.link_type, f.data.to_vec()));
        }
        if frames.is_empty() {
            continue;
        }
        let bytes: usize = frames.iter().map(|(_, d)| d.len()).sum();
        let rounds = (2_000_000 / frames.len()).clamp(1, 200);
        let start = std::time::Instant::now();
        let mut sink = 0u64;
        for _ in 0..rounds {
            let mut dec = Decoder::new();
            for (lt, d) in &frames {
                let f = pcapscope::capture::Frame {
                    number: 0,
                    ts_ns: 0,
                    orig_len: d.len() as u32,
                    cap_len: d.len() as u32,
                    link_type: *lt,
                    data_offset: 0,
                    interface_id: 0,
                    data: d,
                };
                sink = sink.wrapping_add(dec.decode(&f).protocols.0);
            }
        }
        let secs = start.elapsed().as_secs_f64() / rounds as f64;
        all_frames += frames.len();
        all_bytes += bytes;
        all_secs += secs;
        eprintln!(
            "{name:<56} {:>7} frames {:>6.0} ns/frame {:>6.2} GB/s ({})",
            frames.len(),
            secs * 1e9 / frames.len() as f64,
            bytes as f64 / secs / 1e9,
            sink & 1
        );
    }
    eprintln!(
        "total: {all_frames} frames, {all_bytes} bytes: {:.0} ns/frame, {:.2} GB/s",
        all_secs * 1e9 / all_frames as f64,
        all_bytes as f64 / all_secs / 1e9
    );
}
