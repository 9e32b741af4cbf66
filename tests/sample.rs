//! `www/sample.pcapng`, the page's "Open sample capture", reads completely and gives every
//! chart something to show. It is made by `cargo xtask sample`; the generator's own tests
//! (`cargo test -p xtask`) check that the committed file is what it makes now.

// Native only: the test reads a file, which does not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]

use pcapscope::decode::Proto;
use std::path::PathBuf;

fn sample() -> pcapscope::Analysis {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/www/sample.pcapng"));
    let file = std::fs::File::open(&path).expect("www/sample.pcapng (run `cargo xtask sample`)");
    pcapscope::analyze(std::io::BufReader::new(file)).expect("the sample is a capture")
}

#[test]
fn sample_reads_completely_and_is_small() {
    let a = sample();
    assert!(a.complete(), "stopped early: {:?}", a.error);
    assert_eq!(a.format, pcapscope::capture::Format::Pcapng);
    assert_eq!(a.link_types, vec![pcapscope::capture::linktype::ETHERNET]);
    let s = &a.snapshot.summary;
    assert!(
        (3_000..=6_000).contains(&s.packets),
        "{} packets",
        s.packets
    );
    let secs = s.duration_ns() as f64 / 1e9;
    assert!((120.0..=300.0).contains(&secs), "{secs} s");
    assert_eq!(s.out_of_order, 0, "timestamps only increase");
    assert_eq!(s.bytes, s.captured_bytes, "nothing is truncated");
    let m = s.malformed;
    assert_eq!(
        (m.link, m.network, m.transport, m.application),
        (0, 0, 0, 0),
        "malformed packets"
    );
}

#[test]
fn sample_has_every_protocol_the_page_charts() {
    let s = sample().snapshot;
    for p in [
        Proto::Ethernet,
        Proto::Arp,
        Proto::Ipv4,
        Proto::Ipv6,
        Proto::Icmp,
        Proto::Icmpv6,
        Proto::Tcp,
        Proto::Udp,
        Proto::Dns,
        Proto::Mdns,
        Proto::Dhcp,
        Proto::Http,
        Proto::Tls,
        Proto::Quic,
        Proto::Ntp,
        Proto::Ssh,
        Proto::Smb,
    ] {
        assert!(s.protocol_packets(p) > 0, "no {} packets", p.name());
    }
    assert!(
        s.protocol_packets(Proto::Tcp) > s.protocol_packets(Proto::Udp),
        "mostly TCP, as an office network is"
    );
}

#[test]
fn sample_has_talkers_destinations_ports_sizes_and_a_timeline() {
    let s = sample().snapshot;
    assert!(s.top_sources.len() >= 5, "{} sources", s.top_sources.len());
    assert!(
        s.top_destinations.len() >= 5,
        "{} destinations",
        s.top_destinations.len()
    );
    assert!(s.endpoints.len() >= 25, "{} addresses", s.endpoints.len());
    assert!(
        s.ip_conversations.len() >= 20,
        "{} conversations",
        s.ip_conversations.len()
    );
    assert!(s.ports.len() >= 10, "{} ports", s.ports.len());
    for port in [22, 53, 80, 123, 443, 445] {
        assert!(
            s.ports.iter().any(|p| p.port == port),
            "no traffic on port {port}"
        );
    }
    // Packet sizes from a 42-byte ARP to full 1514-byte frames, in many bins.
    let bins = s.sizes.iter().filter(|b| b.count.packets > 0).count();
    assert!(bins >= 5, "{bins} packet-size bins used");

    let buckets = &s.timeline.buckets;
    let busy = buckets.iter().filter(|b| b.packets > 0).count();
    assert!(busy > 20, "{busy} non-empty timeline buckets");
    // The download about a minute in stands out.
    let bytes: Vec<u64> = buckets.iter().map(|b| b.bytes).collect();
    let peak = bytes.iter().copied().max().unwrap_or(0);
    let mut sorted = bytes.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    assert!(peak > 5 * median.max(1), "peak {peak} vs median {median}");
    let at = bytes.iter().position(|&b| b == peak).unwrap_or(0) as i64;
    let peak_s = (s.timeline.start_ns + at * s.timeline.bucket_ns
        - s.summary.first_ns.unwrap_or(0))
        / 1_000_000_000;
    assert!((45..=80).contains(&peak_s), "the peak is at {peak_s} s");
}
