//! Unit tests on hand-built packets, and property tests: no bytes make dissection panic, and
//! every node's byte range lies within the frame.

use super::*;
use crate::capture::linktype;
use etherparse::PacketBuilder;

const MAC_A: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
const MAC_B: [u8; 6] = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];

fn d(data: &[u8]) -> Dissection {
    dissect(linktype::ETHERNET, data, data.len() as u32)
}

/// The value of the first node with this field name ("" when absent).
fn val<'a>(d: &'a Dissection, abbrev: &str) -> &'a str {
    d.find(abbrev).map_or("", |n| n.value.as_str())
}

fn filt<'a>(d: &'a Dissection, abbrev: &str) -> &'a str {
    d.find(abbrev)
        .and_then(|n| n.filter.as_deref())
        .unwrap_or("")
}

fn layer_names(d: &Dissection) -> Vec<&str> {
    d.layers
        .iter()
        .filter(|l| l.kind == NodeKind::Layer)
        .filter_map(|l| l.abbrev.as_deref())
        .collect()
}

fn tcp_packet(flags: &[&str], payload: &[u8], options: &[u8]) -> Vec<u8> {
    tcp_ports(51234, 443, flags, payload, options)
}

fn tcp_ports(sp: u16, dp: u16, flags: &[&str], payload: &[u8], options: &[u8]) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(sp, dp, 1000, 65535);
    for f in flags {
        b = match *f {
            "syn" => b.syn(),
            "ack" => b.ack(2000),
            "psh" => b.psh(),
            "fin" => b.fin(),
            "rst" => b.rst(),
            _ => b,
        };
    }
    if !options.is_empty() {
        b = b.options_raw(options).unwrap_or_else(|_| panic!("options"));
    }
    let mut out = Vec::new();
    b.write(&mut out, payload)
        .unwrap_or_else(|_| panic!("write"));
    out
}

fn udp_packet(sp: u16, dp: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(sp, dp);
    let mut out = Vec::new();
    b.write(&mut out, payload)
        .unwrap_or_else(|_| panic!("write"));
    out
}

fn name(s: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for l in s.split('.').filter(|l| !l.is_empty()) {
        v.push(l.len() as u8);
        v.extend_from_slice(l.as_bytes());
    }
    v.push(0);
    v
}

/// A DNS message: header, one question for `qname`/A, and the given answer records (already
/// encoded).
fn dns_msg(id: u16, flags: u16, qname: &str, qtype: u16, answers: &[Vec<u8>]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    m.extend(name(qname));
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    for a in answers {
        m.extend_from_slice(a);
    }
    m
}

/// A resource record whose name is a pointer to the question name (offset 12).
fn rr(ty: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut r = vec![0xc0, 12];
    r.extend_from_slice(&ty.to_be_bytes());
    r.extend_from_slice(&1u16.to_be_bytes());
    r.extend_from_slice(&ttl.to_be_bytes());
    r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    r.extend_from_slice(rdata);
    r
}

#[test]
fn tcp_syn_ack_tree_and_info() {
    // MSS 1460, NOP, WS 7, SACK_PERM, TS 100/200, then NOP NOP to pad to 20 bytes.
    let opts = [
        2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 200,
    ];
    let p = tcp_packet(&["syn", "ack"], &[], &opts);
    let x = d(&p);
    assert_eq!(layer_names(&x), ["frame", "eth", "ip", "tcp"]);
    assert_eq!(x.protocol, "TCP");
    assert_eq!(
        x.info,
        "51234 → 443 [SYN, ACK] Seq=1000 Ack=2000 Win=65535 Len=0 MSS=1460 WS=128 SACK_PERM TSval=100 TSecr=200"
    );
    assert_eq!(val(&x, "ip.src"), "10.0.0.1");
    assert_eq!(filt(&x, "ip.src"), "ip.src == 10.0.0.1");
    assert_eq!(val(&x, "ip.ttl"), "64");
    assert!(val(&x, "ip.checksum").ends_with("[correct]"));
    assert!(val(&x, "tcp.checksum").ends_with("[correct]"));
    assert_eq!(filt(&x, "tcp.srcport"), "tcp.srcport == 51234");
    assert_eq!(filt(&x, "tcp.flags.syn"), "tcp.flags.syn == 1");
    assert_eq!(filt(&x, "tcp.flags.fin"), "tcp.flags.fin == 0");
    assert_eq!(filt(&x, "tcp.flags"), "tcp.flags == 0x012");
    let ack = x.find("tcp.flags.ack").map(Node::label).unwrap_or_default();
    assert_eq!(ack, ".... ...1 .... = Acknowledgment: Set");
    assert_eq!(val(&x, "tcp.options.mss_val"), "1460");
    assert_eq!(val(&x, "tcp.options.wscale.multiplier"), "128");
    assert_eq!(val(&x, "eth.src"), "00:11:22:33:44:55");
    assert_eq!(val(&x, "frame.protocols"), "eth:ethertype:ip:tcp");
    let ip = &x.layers[2];
    assert_eq!(
        ip.label(),
        "Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2"
    );
    assert_eq!(ip.range(), 14..34);
    assert_eq!(x.layers[3].range(), 34..74);
    assert!(x.stop.is_none());
}

/// Ethernet + IPv4 + TCP from 10.0.0.`a`:`sp` to 10.0.0.`b`:`dp`, with raw options.
#[allow(clippy::too_many_arguments)]
fn tcp_seg(
    (a, sp): (u8, u16),
    (b, dp): (u8, u16),
    syn: bool,
    seq: u32,
    ack: Option<u32>,
    win: u16,
    options: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let mut p = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, a], [10, 0, 0, b], 64)
        .tcp(sp, dp, seq, win);
    if syn {
        p = p.syn();
    }
    if let Some(n) = ack {
        p = p.ack(n);
    }
    if !options.is_empty() {
        p = p.options_raw(options).unwrap_or_else(|_| panic!("options"));
    }
    let mut out = Vec::new();
    p.write(&mut out, payload)
        .unwrap_or_else(|_| panic!("write"));
    out
}

/// The TCP numbering table of these frames, numbered from 1, as the engine builds it.
fn tcp_table(frames: &[Vec<u8>]) -> crate::decode::TcpBases {
    let mut decoder = crate::decode::Decoder::new();
    let mut t = crate::decode::TcpBases::new();
    for (i, f) in frames.iter().enumerate() {
        let frame = crate::capture::Frame {
            number: i as u64 + 1,
            ts_ns: 0,
            orig_len: f.len() as u32,
            cap_len: f.len() as u32,
            link_type: linktype::ETHERNET,
            data_offset: 0,
            interface_id: 0,
            data: f,
        };
        t.push(frame.number, &decoder.decode(&frame));
    }
    t
}

/// The labels of the TCP layer's lines.
fn tcp_lines(d: &Dissection) -> Vec<String> {
    d.layers
        .iter()
        .find(|l| l.abbrev.as_deref() == Some("tcp"))
        .map(|l| l.children.iter().map(Node::label).collect())
        .unwrap_or_default()
}

#[test]
fn tcp_with_context_numbers_as_wireshark() {
    // SYN with WS=7, SYN/ACK with WS=7, then an ACK with a SACK block and 4 bytes of data
    // (cs__http_espn.pcapng frame 5 shows the same lines in tshark 4.0).
    let frames = vec![
        tcp_seg(
            (1, 40000),
            (2, 80),
            true,
            1000,
            None,
            64240,
            &[3, 3, 7, 1],
            &[],
        ),
        tcp_seg(
            (2, 80),
            (1, 40000),
            true,
            5000,
            Some(1001),
            65160,
            &[3, 3, 7, 1],
            &[],
        ),
        tcp_seg(
            (1, 40000),
            (2, 80),
            false,
            1001,
            Some(5001),
            502,
            &[1, 1, 5, 10, 0, 0, 0x13, 0x89, 0, 0, 0x13, 0x8b],
            b"abcd",
        ),
    ];
    let table = tcp_table(&frames);
    let with = |n: u64| {
        let f = &frames[n as usize - 1];
        dissect_with(
            linktype::ETHERNET,
            f,
            f.len() as u32,
            &DissectContext::new(n, Some(&table)),
        )
    };
    let x = with(3);
    assert_eq!(
        x.info,
        "40000 → 80 [ACK] Seq=1 Ack=1 Win=64256 Len=4 SLE=1 SRE=3"
    );
    let lines = tcp_lines(&x);
    let want = [
        "Source Port: 40000",
        "Destination Port: 80",
        "[TCP Segment Len: 4]",
        "Sequence Number: 1    (relative sequence number)",
        "Sequence Number (raw): 1001",
        "[Next Sequence Number: 5    (relative sequence number)]",
        "Acknowledgment Number: 1    (relative ack number)",
        "Acknowledgment number (raw): 5001",
        "1000 .... = Header Length: 32 bytes (8)",
    ];
    assert_eq!(lines[..want.len()], want);
    let at = lines.iter().position(|l| l == "Window: 502").unwrap_or(0);
    assert_eq!(
        lines[at..at + 3],
        [
            "Window: 502",
            "[Calculated window size: 64256]",
            "[Window size scaling factor: 128]"
        ]
    );
    for (abbrev, f) in [
        ("tcp.seq", "tcp.seq == 1"),
        ("tcp.seq_raw", "tcp.seq_raw == 1001"),
        ("tcp.nxtseq", "tcp.nxtseq == 5"),
        ("tcp.ack", "tcp.ack == 1"),
        ("tcp.ack_raw", "tcp.ack_raw == 5001"),
        ("tcp.window_size_value", "tcp.window_size_value == 502"),
        ("tcp.window_size", "tcp.window_size == 64256"),
        (
            "tcp.window_size_scalefactor",
            "tcp.window_size_scalefactor == 128",
        ),
        ("tcp.options.sack_le", "tcp.options.sack_le == 1"),
        ("tcp.options.sack.count", "tcp.options.sack.count == 1"),
    ] {
        assert_eq!(filt(&x, abbrev), f);
    }
    assert_eq!(val(&x, "tcp.options.sack_re"), "3 (relative)");
    let tcp = x.layers.iter().find(|l| l.abbrev.as_deref() == Some("tcp"));
    assert_eq!(
        tcp.map(|l| l.value.as_str()),
        Some("Src Port: 40000, Dst Port: 80, Seq: 1, Ack: 1, Len: 4")
    );
    // The SYN/ACK: relative numbers, its window as sent, no scaling factor line.
    let x = with(2);
    assert_eq!(
        x.info,
        "80 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 WS=128"
    );
    assert_eq!(val(&x, "tcp.window_size"), "65160");
    assert!(x.find("tcp.window_size_scalefactor").is_none());
    assert_eq!(val(&x, "tcp.nxtseq"), "1    (relative sequence number)");
    // The SYN: no ACK flag, the acknowledgement number as it is.
    let x = with(1);
    assert_eq!(x.info, "40000 → 80 [SYN] Seq=0 Win=64240 Len=0 WS=128");
    assert_eq!(filt(&x, "tcp.ack"), "tcp.ack == 0");
    assert_eq!(val(&x, "tcp.ack"), "0");
    // Without the context, or with a frame number the table does not know: raw numbers.
    let f = &frames[2];
    let raw = dissect(linktype::ETHERNET, f, f.len() as u32);
    assert_eq!(
        raw.info,
        "40000 → 80 [ACK] Seq=1001 Ack=5001 Win=502 Len=4 SLE=5001 SRE=5003"
    );
    assert!(raw.find("tcp.seq").is_none() && raw.find("tcp.window_size").is_none());
    let ctx = DissectContext::new(0, Some(&table));
    assert_eq!(
        dissect_with(linktype::ETHERNET, f, f.len() as u32, &ctx),
        raw
    );
    let ctx = DissectContext::new(3, None);
    assert_eq!(
        dissect_with(linktype::ETHERNET, f, f.len() as u32, &ctx),
        raw
    );
}

#[test]
fn tcp_context_is_not_used_for_fragments_and_short_segments() {
    let frames = vec![tcp_seg(
        (1, 40000),
        (2, 80),
        false,
        1001,
        Some(5001),
        502,
        &[],
        b"abcd",
    )];
    let table = tcp_table(&frames);
    let ctx = DissectContext::new(1, Some(&table));
    // More fragments: the TCP header is in a first fragment.
    let mut frag = frames[0].clone();
    frag[20] = 0x20;
    let fix = |p: &mut Vec<u8>| {
        p[24] = 0;
        p[25] = 0;
        let mut acc = 0u32;
        for c in p[14..34].chunks(2) {
            acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
        }
        while acc > 0xffff {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        let c = !(acc as u16);
        p[24..26].copy_from_slice(&c.to_be_bytes());
    };
    fix(&mut frag);
    let x = dissect_with(linktype::ETHERNET, &frag, frag.len() as u32, &ctx);
    assert!(x.info.contains("Seq=1001 Ack=5001"), "{}", x.info);
    assert!(x.find("tcp.seq").is_none());
    // A header cut by the capture still shows its raw numbers and stops where the bytes do.
    let cut = &frames[0][..14 + 20 + 10];
    let x = dissect_with(linktype::ETHERNET, cut, frames[0].len() as u32, &ctx);
    assert_eq!(val(&x, "tcp.seq_raw"), "1001");
    assert!(x.find("tcp.seq").is_none());
}

#[test]
fn bad_checksums_are_reported() {
    let mut p = tcp_packet(&["ack"], b"hello", &[]);
    // TCP checksum at 34 + 16.
    p[50] ^= 0xff;
    // IPv4 header checksum at 24.
    p[24] ^= 0x01;
    let x = d(&p);
    assert!(
        val(&x, "tcp.checksum").contains("incorrect, should be"),
        "{}",
        val(&x, "tcp.checksum")
    );
    assert_eq!(val(&x, "tcp.checksum.status"), "Bad");
    assert!(val(&x, "ip.checksum").contains("incorrect"));
    assert_eq!(filt(&x, "ip.checksum.status"), "ip.checksum.status == 0");
}

#[test]
fn udp_checksum_and_zero_checksum() {
    let p = udp_packet(5000, 9999, b"abcdef");
    let x = d(&p);
    assert_eq!(x.info, "5000 → 9999 Len=6");
    assert!(val(&x, "udp.checksum").ends_with("[correct]"));
    assert_eq!(layer_names(&x), ["frame", "eth", "ip", "udp", "data"]);
    let mut z = p.clone();
    z[40] = 0;
    z[41] = 0;
    let x = d(&z);
    assert_eq!(val(&x, "udp.checksum"), "0x0000 [zero-value ignored]");
}

#[test]
fn dns_query_and_response() {
    let q = dns_msg(0x1a2b, 0x0100, "example.com", 1, &[]);
    let x = d(&udp_packet(51000, 53, &q));
    assert_eq!(x.protocol, "DNS");
    assert_eq!(x.info, "Standard query 0x1a2b A example.com");
    assert_eq!(val(&x, "dns.qry.name"), "example.com");
    assert_eq!(filt(&x, "dns.qry.name"), "dns.qry.name == \"example.com\"");
    assert_eq!(filt(&x, "dns.id"), "dns.id == 0x1a2b");
    let dns = x.layers.iter().find(|l| l.abbrev.as_deref() == Some("dns"));
    assert_eq!(
        dns.map(|l| l.name.as_str()),
        Some("Domain Name System (query)")
    );

    let answers = vec![
        rr(5, 300, &name("web.example.net")),
        rr(1, 60, &[93, 184, 216, 34]),
        rr(
            28,
            60,
            &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ),
        rr(15, 60, &[0, 10, 0xc0, 12]),
        rr(16, 60, b"\x05hello\x05world"),
        rr(12, 60, &name("host.example.com")),
    ];
    let r = dns_msg(0x1a2b, 0x8180, "example.com", 1, &answers);
    let x = d(&udp_packet(53, 51000, &r));
    assert_eq!(
        x.info,
        "Standard query response 0x1a2b A example.com CNAME web.example.net A 93.184.216.34 \
         AAAA 2001:db8::1 MX 10 example.com TXT PTR host.example.com"
    );
    assert_eq!(x.values("dns.a"), ["93.184.216.34"]);
    assert_eq!(x.values("dns.aaaa"), ["2001:db8::1"]);
    assert_eq!(x.values("dns.cname"), ["web.example.net"]);
    assert_eq!(x.values("dns.mx.mail_exchange"), ["example.com"]);
    assert_eq!(x.values("dns.txt"), ["hello", "world"]);
    assert_eq!(x.values("dns.ptr.domain_name"), ["host.example.com"]);
    assert_eq!(x.values("dns.resp.ttl")[0], "300 (5 minutes)");
    assert_eq!(x.values("dns.resp.name")[0], "example.com");
    assert!(x.stop.is_none());

    let nx = dns_msg(7, 0x8183, "nope.example", 28, &[]);
    assert_eq!(
        d(&udp_packet(53, 5, &nx)).info,
        "Standard query response 0x0007 No such name AAAA nope.example"
    );
}

#[test]
fn dns_compression_loop_is_malformed_and_ends() {
    let mut m = dns_msg(1, 0x8180, "a.b", 1, &[]);
    // An answer whose name points at itself.
    let at = m.len() as u8;
    m.extend_from_slice(&[0xc0, at, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
    m[7] = 1;
    let x = d(&udp_packet(53, 1000, &m));
    let stop = x.stop.clone().unwrap_or_else(|| panic!("no stop"));
    assert_eq!(stop.kind, StopKind::Malformed);
    assert!(stop.reason.contains("loop"), "{stop:?}");
    assert!(x.info.ends_with("[Malformed Packet]"), "{}", x.info);
    let note = x.layers.last().map(Node::label).unwrap_or_default();
    assert!(
        note.starts_with("[Malformed packet: DNS: name compression loop at byte "),
        "{note}"
    );
}

#[test]
fn dns_over_tcp_and_mdns() {
    let q = dns_msg(0xbeef, 0x0100, "example.org", 255, &[]);
    let mut seg = (q.len() as u16).to_be_bytes().to_vec();
    seg.extend_from_slice(&q);
    let p = tcp_ports(40000, 53, &["psh", "ack"], &seg, &[]);
    let x = d(&p);
    assert_eq!(x.info, "Standard query 0xbeef ANY example.org");
    assert_eq!(val(&x, "dns.length"), q.len().to_string());
    // A message longer than the segment: shown up to the end, not malformed.
    let mut long = seg.clone();
    long[1] = long[1].wrapping_add(50);
    let x = d(&tcp_ports(40000, 53, &["ack"], &long, &[]));
    assert_eq!(x.stop.map(|s| s.kind), Some(StopKind::Unreassembled));

    let m = dns_msg(0, 0, "_ipp._tcp.local", 12, &[]);
    let x = d(&udp_packet(5353, 5353, &m));
    assert_eq!(x.protocol, "MDNS");
    assert_eq!(
        x.info,
        "Standard query 0x0000 PTR _ipp._tcp.local, \"QM\" question"
    );
}

/// A TLS ClientHello record with SNI and supported_versions.
fn client_hello(sni: &str) -> Vec<u8> {
    let mut exts = Vec::new();
    let n = sni.as_bytes();
    let mut sni_ext = Vec::new();
    sni_ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
    sni_ext.push(0);
    sni_ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
    sni_ext.extend_from_slice(n);
    exts.extend_from_slice(&0u16.to_be_bytes());
    exts.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
    exts.extend_from_slice(&sni_ext);
    exts.extend_from_slice(&[0, 43, 0, 5, 4, 3, 4, 3, 3]);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 4, 0x13, 0x01, 0xc0, 0x2f]);
    body.extend_from_slice(&[1, 0]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn tls_client_hello_server_hello_app_data() {
    let x = d(&tcp_packet(
        &["psh", "ack"],
        &client_hello("example.com"),
        &[],
    ));
    assert_eq!(x.protocol, "TLSv1");
    assert_eq!(x.info, "Client Hello (SNI=example.com)");
    assert_eq!(
        val(&x, "tls.handshake.extensions_server_name"),
        "example.com"
    );
    assert_eq!(
        filt(&x, "tls.handshake.extensions_server_name"),
        "tls.handshake.extensions_server_name == \"example.com\""
    );
    assert_eq!(val(&x, "tls.handshake.type"), "Client Hello (1)");
    assert_eq!(
        x.values("tls.handshake.extensions.supported_version"),
        ["TLS 1.3 (0x0304)", "TLS 1.2 (0x0303)"]
    );
    assert_eq!(
        x.values("tls.handshake.ciphersuite")[0],
        "TLS_AES_128_GCM_SHA256 (0x1301)"
    );
    let rec = x.find("tls.record").map(Node::label).unwrap_or_default();
    assert_eq!(rec, "TLSv1 Record Layer: Handshake Protocol: Client Hello");

    // ServerHello selecting TLS 1.3, then CCS, then application data.
    let mut sh_body = vec![3, 3];
    sh_body.extend_from_slice(&[9; 32]);
    sh_body.push(0);
    sh_body.extend_from_slice(&[0x13, 0x01, 0]);
    sh_body.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
    let mut seg = vec![
        22,
        3,
        3,
        0,
        (sh_body.len() + 4) as u8,
        2,
        0,
        0,
        sh_body.len() as u8,
    ];
    seg.extend_from_slice(&sh_body);
    seg.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
    seg.extend_from_slice(&[23, 3, 3, 0, 4, 1, 2, 3, 4]);
    let x = d(&tcp_packet(&["ack"], &seg, &[]));
    assert_eq!(x.protocol, "TLSv1.3");
    assert_eq!(x.info, "Server Hello, Change Cipher Spec, Application Data");

    // A record that continues in the next segment: shown, not malformed.
    let x = d(&tcp_packet(&["ack"], &[23, 3, 3, 0x10, 0, 1, 2, 3], &[]));
    assert_eq!(x.stop.map(|s| s.kind), Some(StopKind::Unreassembled));
}

#[test]
fn http_request_and_response() {
    let req = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
    let x = d(&tcp_packet(&["psh", "ack"], req, &[]));
    assert_eq!(x.protocol, "HTTP");
    assert_eq!(x.info, "GET /index.html HTTP/1.1 ");
    assert_eq!(val(&x, "http.host"), "example.com");
    assert_eq!(filt(&x, "http.host"), "http.host == \"example.com\"");
    assert_eq!(val(&x, "http.request.method"), "GET");
    assert_eq!(val(&x, "http.request.uri"), "/index.html");
    assert_eq!(
        val(&x, "http.request.full_uri"),
        "http://example.com/index.html"
    );
    let host = x.find("http.host").map(Node::range).unwrap_or_default();
    assert_eq!(
        p_str(&tcp_packet(&["psh", "ack"], req, &[])[host]),
        "Host: example.com\r\n"
    );

    let resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html>";
    let x = d(&tcp_packet(&["psh", "ack"], resp, &[]));
    assert_eq!(x.info, "HTTP/1.1 200 OK  (text/html)");
    assert_eq!(filt(&x, "http.response.code"), "http.response.code == 200");
    let resp = b"HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\n";
    assert_eq!(
        d(&tcp_packet(&["ack"], resp, &[])).info,
        "HTTP/1.1 404 Not Found "
    );
}

fn p_str(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn arp(op: u16, sha: [u8; 6], spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&[0xff; 6]);
    p.extend_from_slice(&sha);
    p.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4]);
    p.extend_from_slice(&op.to_be_bytes());
    p.extend_from_slice(&sha);
    p.extend_from_slice(&spa);
    p.extend_from_slice(&tha);
    p.extend_from_slice(&tpa);
    p.extend_from_slice(&[0; 18]);
    p
}

#[test]
fn arp_info() {
    let x = d(&arp(1, MAC_A, [10, 0, 0, 2], [0; 6], [10, 0, 0, 1]));
    assert_eq!(x.protocol, "ARP");
    assert_eq!(x.info, "Who has 10.0.0.1? Tell 10.0.0.2");
    assert_eq!(
        filt(&x, "arp.dst.proto_ipv4"),
        "arp.dst.proto_ipv4 == 10.0.0.1"
    );
    assert_eq!(x.layers[2].name, "Address Resolution Protocol (request)");
    // The padding after the ARP packet belongs to Ethernet.
    assert_eq!(
        val(&x, "eth.padding"),
        "000000000000000000000000000000000000"
    );
    let x = d(&arp(2, MAC_B, [10, 0, 0, 1], MAC_A, [10, 0, 0, 2]));
    assert_eq!(x.info, "10.0.0.1 is at aa:bb:cc:dd:ee:ff");
    let x = d(&arp(1, MAC_A, [10, 0, 0, 9], [0; 6], [10, 0, 0, 9]));
    assert_eq!(x.info, "ARP Announcement for 10.0.0.9");
    let x = d(&arp(1, MAC_A, [0, 0, 0, 0], [0; 6], [10, 0, 0, 9]));
    assert_eq!(x.info, "Who has 10.0.0.9? (ARP Probe)");
}

#[test]
fn icmp_echo_and_unreachable_with_quote() {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .icmpv4_echo_request(1, 1);
    let mut p = Vec::new();
    b.write(&mut p, &[0x61; 32])
        .unwrap_or_else(|_| panic!("write"));
    let x = d(&p);
    assert_eq!(x.protocol, "ICMP");
    assert_eq!(x.info, "Echo (ping) request  id=0x0001, seq=1/256, ttl=64");
    assert!(val(&x, "icmp.checksum").ends_with("[correct]"));

    // Port unreachable, quoting the UDP datagram it answers.
    let quoted = udp_packet(40000, 53, b"query");
    let b = PacketBuilder::ethernet2(MAC_B, MAC_A)
        .ipv4([10, 0, 0, 2], [10, 0, 0, 1], 64)
        .icmpv4_raw(3, 3, [0; 4]);
    let mut p = Vec::new();
    b.write(&mut p, &quoted[14..])
        .unwrap_or_else(|_| panic!("write"));
    let x = d(&p);
    assert_eq!(x.info, "Destination unreachable (Port unreachable)");
    let icmp = x
        .layers
        .iter()
        .find(|l| l.abbrev.as_deref() == Some("icmp"));
    let inner: Vec<&str> = icmp
        .map(|l| {
            l.children
                .iter()
                .filter(|c| c.kind == NodeKind::Layer)
                .filter_map(|c| c.abbrev.as_deref())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(inner, ["ip", "udp", "data"]);
    // tshark's -e lists quoted fields too.
    assert_eq!(x.values("ip.src"), ["10.0.0.2", "10.0.0.1"]);
    assert_eq!(
        val(&x, "frame.protocols"),
        "eth:ethertype:ip:icmp:ip:udp:data"
    );
    // The quoted UDP checksum is not verified (the datagram is cut), and quoted DNS is not
    // dissected.
    assert!(x.values("udp.checksum")[0].ends_with("[unverified]"));
    assert!(x.stop.is_none());
}

#[test]
fn icmpv6_echo_and_neighbor_solicitation() {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
            64,
        )
        .icmpv6_echo_request(0x1234, 7);
    let mut p = Vec::new();
    b.write(&mut p, b"ping").unwrap_or_else(|_| panic!("write"));
    let x = d(&p);
    assert_eq!(x.protocol, "ICMPv6");
    assert_eq!(x.info, "Echo (ping) request id=0x1234, seq=7, hop limit=64");
    assert!(
        val(&x, "icmpv6.checksum").ends_with("[correct]"),
        "{}",
        val(&x, "icmpv6.checksum")
    );
    assert_eq!(filt(&x, "ipv6.src"), "ipv6.src == fe80::1");

    // Neighbor solicitation for fe80::2 with a source link-layer address option.
    let mut body = vec![0; 4];
    body.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    body.extend_from_slice(&[1, 1]);
    body.extend_from_slice(&MAC_A);
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2],
            255,
        )
        .icmpv6_raw(135, 0, [0; 4]);
    let mut p = Vec::new();
    b.write(&mut p, &body[4..])
        .unwrap_or_else(|_| panic!("write"));
    let x = d(&p);
    assert_eq!(
        x.info,
        "Neighbor Solicitation for fe80::2 from 00:11:22:33:44:55"
    );
}

#[test]
fn ipv6_extension_headers_and_fragments() {
    // Hop-by-hop (PadN to 8 bytes), then UDP.
    let mut ip = vec![0x60, 0, 0, 0];
    let udp = [0x13, 0x88, 0x27, 0x0f, 0, 10, 0, 0, b'h', b'i'];
    ip.extend_from_slice(&((8 + udp.len()) as u16).to_be_bytes());
    ip.extend_from_slice(&[0, 64]);
    ip.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    ip.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    ip.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
    ip.extend_from_slice(&udp);
    let x = dissect(linktype::RAW, &ip, ip.len() as u32);
    assert_eq!(layer_names(&x), ["frame", "raw", "ipv6", "udp", "data"]);
    assert_eq!(val(&x, "ipv6.hopopts.nxt"), "UDP (17)");
    assert_eq!(val(&x, "frame.protocols"), "raw:ipv6:ipv6.hopopts:udp:data");
    assert_eq!(x.info, "5000 → 9999 Len=2");

    // A non-first fragment: nothing above IPv6.
    let mut f = ip.clone();
    f[6] = 44;
    f[40..48].copy_from_slice(&[17, 0, 0, 0xb9, 0, 0, 0, 7]);
    let x = dissect(linktype::RAW, &f, f.len() as u32);
    assert_eq!(
        x.info,
        "IPv6 fragment (off=184 more=y ident=0x00000007 nxt=17)"
    );
    assert_eq!(layer_names(&x), ["frame", "raw", "ipv6", "data"]);
}

#[test]
fn ipv4_fragments() {
    let mut p = udp_packet(1000, 2000, &[0; 20]);
    // More fragments, offset 0: the UDP header is dissected, no checksum verified.
    p[20] = 0x20;
    fix_ip_checksum(&mut p);
    let x = d(&p);
    assert_eq!(x.info, "1000 → 2000 Len=20");
    assert!(val(&x, "udp.checksum").ends_with("[unverified]"));
    // Offset 1480.
    p[20] = 0x00;
    p[21] = 185;
    fix_ip_checksum(&mut p);
    let x = d(&p);
    assert_eq!(
        x.info,
        "Fragmented IP protocol (proto=UDP 17, off=1480, ID=0000)"
    );
    assert!(val(&x, "ip.checksum").ends_with("[correct]"));
}

fn fix_ip_checksum(p: &mut [u8]) {
    p[24] = 0;
    p[25] = 0;
    let mut s = 0u32;
    for c in p[14..34].chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    let c = !(s as u16);
    p[24..26].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn vlan_and_linux_sll() {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .single_vlan(etherparse::VlanId::try_new(100).unwrap_or_else(|_| panic!("vlan")))
        .ipv4([192, 168, 1, 1], [192, 168, 1, 2], 32)
        .udp(1, 2);
    let mut p = Vec::new();
    b.write(&mut p, b"x").unwrap_or_else(|_| panic!("write"));
    let x = d(&p);
    assert_eq!(
        layer_names(&x),
        ["frame", "eth", "vlan", "ip", "udp", "data"]
    );
    assert_eq!(filt(&x, "vlan.id"), "vlan.id == 100");
    assert_eq!(
        x.layers[2].label(),
        "802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 100"
    );

    let mut s = vec![0, 0, 0, 1, 0, 6];
    s.extend_from_slice(&MAC_A);
    s.extend_from_slice(&[0, 0, 0x08, 0x00]);
    s.extend_from_slice(&p[18..]);
    let x = dissect(linktype::LINUX_SLL, &s, s.len() as u32);
    assert_eq!(layer_names(&x), ["frame", "sll", "ip", "udp", "data"]);
    assert_eq!(val(&x, "sll.src.eth"), "00:11:22:33:44:55");
    assert_eq!(val(&x, "sll.etype"), "IPv4 (0x0800)");
}

#[test]
fn truncations_keep_layers_and_say_where() {
    let p = tcp_packet(&["psh", "ack"], b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", &[]);
    for cut in 0..p.len() {
        let data = &p[..cut];
        // Cut on the wire: damage.
        let x = dissect(linktype::ETHERNET, data, cut as u32);
        if cut < 54 {
            let s = x
                .stop
                .clone()
                .unwrap_or_else(|| panic!("cut {cut}: no stop"));
            assert_eq!(s.kind, StopKind::Malformed, "cut {cut}");
            let note = x.layers.last().map(Node::label).unwrap_or_default();
            assert!(
                note.starts_with("[Malformed packet: ")
                    && note.ends_with(&format!("at byte {}]", s.offset)),
                "{note}"
            );
        }
        // Cut by the snapshot length: not damage.
        let x = dissect(linktype::ETHERNET, data, p.len() as u32);
        if let Some(s) = &x.stop {
            assert_eq!(s.kind, StopKind::Truncated, "cut {cut}: {s:?}");
        }
        for n in x.nodes() {
            assert!(
                n.end as usize <= cut,
                "cut {cut}: {} ends at {}",
                n.label(),
                n.end
            );
        }
    }
    // A TCP header cut at 40 bytes keeps Ethernet and IPv4 whole.
    let x = dissect(linktype::ETHERNET, &p[..40], p.len() as u32);
    assert_eq!(layer_names(&x), ["frame", "eth", "ip", "tcp"]);
    assert_eq!(val(&x, "tcp.srcport"), "51234");
    assert!(x
        .layers
        .last()
        .map(Node::label)
        .unwrap_or_default()
        .starts_with("[Packet size limited during capture: TCP truncated at byte "));
}

#[test]
fn unknown_link_type_and_empty_frame() {
    let x = dissect(147, &[1, 2, 3], 3);
    assert_eq!(layer_names(&x), ["frame", "data"]);
    assert_eq!(x.info, "Unknown link type 147 (not dissected)");
    let x = dissect(linktype::ETHERNET, &[], 0);
    assert_eq!(x.stop.map(|s| s.kind), Some(StopKind::Malformed));
    assert_eq!(info(linktype::ETHERNET, &[], 0), "[Malformed Packet]");
}

#[test]
fn frame_number_and_serde_roundtrip() {
    let mut x = d(&tcp_packet(&["syn"], &[], &[]));
    x.set_frame_number(12);
    assert_eq!(
        x.layers[0].label(),
        "Frame 12: 54 bytes on wire (432 bits), 54 bytes captured (432 bits)"
    );
    assert_eq!(filt(&x, "frame.number"), "frame.number == 12");
    let json = serde_json::to_string(&x).unwrap_or_default();
    let back: Dissection = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(back, x);
}

#[test]
fn hex_rows_layout_and_spans() {
    let data: Vec<u8> = (0u8..20).chain(*b"AB\x7f").collect();
    let rows = hex_rows(&data);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].offset_text(), "0000");
    assert_eq!(
        rows[0].hex,
        "00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f"
    );
    assert_eq!(rows[0].ascii, "................");
    assert_eq!(rows[1].offset, 16);
    assert_eq!(rows[1].hex, "10 11 12 13 41 42 7f");
    assert_eq!(rows[1].ascii, "....AB.");
    // Bytes 6..10 straddle the gap in the middle of the first row.
    assert_eq!(rows[0].hex_span(6..10), Some(18..30));
    assert_eq!(&rows[0].hex[18..30], "06 07  08 09");
    assert_eq!(rows[0].ascii_span(6..10), Some(6..10));
    assert_eq!(rows[1].overlap(0..10), None);
    assert_eq!(rows[1].overlap(14..18), Some(0..2));
    assert!(hex_rows(&[]).is_empty());
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    const LINK_TYPES: &[u32] = &[
        0,
        1,
        9,
        12,
        14,
        101,
        104,
        105,
        108,
        113,
        127,
        228,
        229,
        239,
        276,
        147,
        u32::MAX,
    ];

    /// A real header stack with random bytes spliced in, so deep layers get fuzzed too.
    fn packetish() -> impl Strategy<Value = Vec<u8>> {
        let dns = dns_msg(
            1,
            0x8180,
            "a.example",
            1,
            &[rr(1, 1, &[1, 2, 3, 4]), rr(5, 1, &[0xc0, 12])],
        );
        let mut dns_tcp = (dns.len() as u16).to_be_bytes().to_vec();
        dns_tcp.extend_from_slice(&dns);
        let base = prop_oneof![
            Just(tcp_packet(
                &["psh", "ack"],
                b"GET / HTTP/1.1\r\nHost: h\r\n\r\nbody",
                &[2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0]
            )),
            Just(tcp_packet(&["ack"], &client_hello("example.com"), &[])),
            Just(tcp_ports(53, 4000, &["ack"], &dns_tcp, &[])),
            Just(udp_packet(53, 1000, &dns)),
            Just(udp_packet(5353, 5353, &dns)),
            Just(arp(1, MAC_A, [1, 2, 3, 4], [0; 6], [5, 6, 7, 8])),
            Just(vec![]),
        ];
        (
            base,
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 0..64),
        )
            .prop_map(|(mut base, at, noise)| {
                if base.is_empty() {
                    return noise;
                }
                let at = at.index(base.len());
                let end = (at + noise.len()).min(base.len());
                base.splice(at..end, noise);
                base
            })
    }

    fn check(x: &Dissection, len: usize) {
        for n in x.nodes() {
            assert!(
                n.start <= n.end && n.end as usize <= len,
                "{} at {}..{} of {len}",
                n.label(),
                n.start,
                n.end
            );
        }
        assert!(!x.layers.is_empty());
    }

    proptest! {
        // PROPTEST_CASES raises the count for a longer run.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(3000)
        ))]

        #[test]
        fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..300), extra in 0u32..100) {
            for &lt in LINK_TYPES {
                let x = dissect(lt, &data, data.len() as u32 + extra);
                check(&x, data.len());
            }
        }

        #[test]
        fn mutated_packets_never_panic(data in packetish(), cut in any::<prop::sample::Index>(), snap in any::<bool>()) {
            let cut = cut.index(data.len() + 1);
            let part = &data[..cut];
            let orig = if snap { data.len() } else { cut } as u32;
            for &lt in &[linktype::ETHERNET, linktype::RAW, linktype::LINUX_SLL] {
                let x = dissect(lt, part, orig);
                check(&x, part.len());
            }
            let x = dissect(linktype::ETHERNET, part, orig);
            let json = serde_json::to_string(&x).unwrap_or_default();
            let back: Dissection = serde_json::from_str(&json).unwrap_or_default();
            prop_assert_eq!(back, x);
        }

        /// A capture of mutated TCP segments between two hosts, read into the TCP numbering
        /// table, then each frame dissected with it (and with frame numbers it does not know).
        #[test]
        fn packets_with_tcp_context_never_panic(
            segs in prop::collection::vec(
                (any::<bool>(), any::<bool>(), 0u32..4, any::<u16>(), prop::collection::vec(any::<u8>(), 0..12), prop::collection::vec(any::<u8>(), 0..8)),
                1..12,
            ),
            noise_at in any::<prop::sample::Index>(),
            noise in prop::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut frames: Vec<Vec<u8>> = segs
                .iter()
                .map(|(client, syn, seq, win, opts, payload)| {
                    let (a, b) = if *client { ((1, 4000), (2, 80)) } else { ((2, 80), (1, 4000)) };
                    let ack = (!*syn || !*client).then_some(seq.wrapping_mul(0x9e37_79b9));
                    let mut f = tcp_seg(a, b, *syn, seq.wrapping_mul(0x7fff_ffff), ack, *win, &[], payload);
                    // Raw TCP options in place of the first payload bytes, the data offset
                    // raised to cover them.
                    let o = opts.len() / 4 * 4;
                    if o > 0 && f.len() >= 54 + o {
                        f[54..54 + o].copy_from_slice(&opts[..o]);
                        f[46] = (((20 + o) / 4) as u8) << 4;
                    }
                    f
                })
                .collect();
            if let Some(f) = frames.first_mut() {
                let at = noise_at.index(f.len());
                let end = (at + noise.len()).min(f.len());
                f.splice(at..end, noise);
            }
            let table = tcp_table(&frames);
            for (i, f) in frames.iter().enumerate() {
                for n in [i as u64 + 1, 0, u64::MAX] {
                    let ctx = DissectContext::new(n, Some(&table));
                    let x = dissect_with(linktype::ETHERNET, f, f.len() as u32, &ctx);
                    check(&x, f.len());
                }
            }
        }
    }
}
