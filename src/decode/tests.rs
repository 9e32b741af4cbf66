//! Unit tests over hand-built packets: every link type, network and transport protocol,
//! tunnels, ICMP quotes, fragments, TCP PDU tracking and the application protocols.

use super::*;
use crate::capture::{linktype, Frame};
use etherparse::{IpNumber, PacketBuilder};
use std::net::IpAddr;

fn frame(link_type: u32, data: &[u8]) -> Frame<'_> {
    Frame {
        number: 1,
        ts_ns: 7,
        orig_len: data.len() as u32,
        cap_len: data.len() as u32,
        link_type,
        data_offset: 0,
        interface_id: 0,
        data,
    }
}

fn decode(link_type: u32, data: &[u8]) -> PacketRecord {
    Decoder::new().decode(&frame(link_type, data))
}

fn names(r: &PacketRecord) -> Vec<&'static str> {
    r.protocols.iter().map(Proto::name).collect()
}

fn has(r: &PacketRecord, list: &[Proto]) -> bool {
    list.iter().all(|p| r.protocols.contains(*p))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

const MAC_A: [u8; 6] = [0, 1, 2, 3, 4, 5];
const MAC_B: [u8; 6] = [6, 7, 8, 9, 10, 11];

fn eth_udp4(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(sport, dport);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn eth_tcp4(sport: u16, dport: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(sport, dport, seq, 1000)
        .ack(77)
        .psh();
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn ip4_udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv4(src, dst, 9).udp(sport, dport);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn ip6_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv6([0x20; 16], [0x30; 16], 33).udp(sport, dport);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn ip4_tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ipv4(src, dst, 9)
        .tcp(sport, dport, 5, 100)
        .syn();
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn ether(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&MAC_B);
    v.extend_from_slice(&MAC_A);
    v.extend_from_slice(&ethertype.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// An IPv4 header (no options) in front of `payload`; `frag` holds flags and offset.
fn ipv4_hdr(proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut v = vec![0x45, 0];
    v.extend_from_slice(&total.to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&frag.to_be_bytes());
    v.extend_from_slice(&[64, proto, 0, 0]);
    v.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 2]);
    v.extend_from_slice(payload);
    v
}

/// An IPv6 header in front of `payload`.
fn ipv6_hdr(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x60, 0, 0, 0];
    v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    v.extend_from_slice(&[next, 64]);
    v.extend_from_slice(&[0x20, 1, 0xd, 0xb8]);
    v.extend_from_slice(&[0; 11]);
    v.push(1);
    v.extend_from_slice(&[0x20, 1, 0xd, 0xb8]);
    v.extend_from_slice(&[0; 11]);
    v.push(2);
    v.extend_from_slice(payload);
    v
}

fn udp_hdr(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    v
}

/// A DNS query for `name` (type A), or a response with one answer.
fn dns_msg(id: u16, response: bool, rcode: u8, name: &str) -> Vec<u8> {
    let flags: u16 = if response {
        0x8180 | u16::from(rcode)
    } else {
        0x0100
    };
    let mut v = Vec::new();
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&flags.to_be_bytes());
    v.extend_from_slice(&[0, 1, 0, u8::from(response), 0, 0, 0, 0]);
    for label in name.split('.') {
        v.push(label.len() as u8);
        v.extend_from_slice(label.as_bytes());
    }
    v.extend_from_slice(&[0, 0, 1, 0, 1]);
    if response {
        v.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]);
    }
    v
}

// ---------------------------------------------------------------- link layers

#[test]
fn empty_ethernet_frame_is_link_damage() {
    let r = decode(linktype::ETHERNET, &[]);
    assert_eq!(names(&r), ["ethernet"]);
    assert_eq!(r.malformed, Some(Layer::Link));
    assert_eq!(r.ts_ns, 7);
}

#[test]
fn ethernet_ipv4_tcp_fields() {
    let pkt = eth_tcp4(40000, 5001, 1234, b"hello");
    let r = decode(linktype::ETHERNET, &pkt);
    assert_eq!(names(&r), ["ethernet", "ipv4", "tcp"]);
    assert_eq!(r.eth, Some((MAC_A, MAC_B)));
    assert_eq!(
        r.ip,
        Some(IpPair {
            src: ip("10.0.0.1"),
            dst: ip("10.0.0.2")
        })
    );
    assert_eq!(r.tunnel_ip, None);
    assert_eq!(
        (r.ttl, r.ip_proto, r.src_port, r.dst_port),
        (64, 6, 40000, 5001)
    );
    let t = r.tcp.unwrap_or_default();
    assert_eq!(t.flags, TcpInfo::PSH | TcpInfo::ACK);
    assert_eq!((t.seq, t.ack, t.window, t.payload_len), (1234, 77, 1000, 5));
    assert_eq!(r.malformed, None);
    assert_eq!(r.top_proto(), Some(Proto::Tcp));
    assert_eq!(r.orig_len as usize, pkt.len());
}

#[test]
fn ethernet_trailer_is_ignored() {
    let mut pkt = eth_udp4(1000, 53, &dns_msg(1, false, 0, "a.example"));
    pkt.extend_from_slice(&[0; 6]);
    let r = decode(linktype::ETHERNET, &pkt);
    assert!(has(&r, &[Proto::Udp, Proto::Dns]));
    assert_eq!(r.malformed, None);
}

#[test]
fn vlan_and_qinq() {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .double_vlan(
            0x123.try_into().unwrap_or_default(),
            0x45.try_into().unwrap_or_default(),
        )
        .ipv4([1, 1, 1, 1], [2, 2, 2, 2], 5)
        .udp(5, 6);
    let mut pkt = Vec::new();
    b.write(&mut pkt, &[0; 4]).ok();
    let r = decode(linktype::ETHERNET, &pkt);
    assert_eq!(names(&r), ["ethernet", "vlan", "ipv4", "udp"]);
    assert_eq!(r.vlan, 0x123);
    // 0x9100 (old QinQ) is a VLAN tag too.
    let inner = [
        &[0, 7, 0x08, 0x00][..],
        &ipv4_hdr(17, 1, 0, &udp_hdr(1, 2, &[])),
    ]
    .concat();
    let r = decode(linktype::ETHERNET, &ether(0x9100, &inner));
    assert_eq!(r.vlan, 7);
    assert!(has(&r, &[Proto::Vlan, Proto::Ipv4, Proto::Udp]));
}

#[test]
fn ieee_802_3_llc_and_snap() {
    // Spanning tree: 802.3 length, LLC 42 42 03.
    let mut stp = vec![0x42, 0x42, 0x03];
    stp.extend_from_slice(&[0; 35]);
    let mut pkt = MAC_B.to_vec();
    pkt.extend_from_slice(&MAC_A);
    pkt.extend_from_slice(&(stp.len() as u16).to_be_bytes());
    pkt.extend_from_slice(&stp);
    let r = decode(linktype::ETHERNET, &pkt);
    assert_eq!(names(&r), ["ethernet", "llc", "stp"]);
    // SNAP with an ethertype.
    let mut snap = vec![0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06];
    snap.extend_from_slice(&[0; 28]);
    let mut pkt = MAC_B.to_vec();
    pkt.extend_from_slice(&MAC_A);
    pkt.extend_from_slice(&(snap.len() as u16).to_be_bytes());
    pkt.extend_from_slice(&snap);
    let r = decode(linktype::ETHERNET, &pkt);
    assert_eq!(names(&r), ["ethernet", "llc", "arp"]);
}

#[test]
fn arp_and_rarp() {
    let r = decode(linktype::ETHERNET, &ether(0x0806, &[0; 28]));
    assert_eq!(names(&r), ["ethernet", "arp"]);
    assert_eq!(r.top_proto(), Some(Proto::Arp));
    let r = decode(linktype::ETHERNET, &ether(0x8035, &[0; 28]));
    assert!(has(&r, &[Proto::Arp]));
    let r = decode(linktype::ETHERNET, &ether(0x0806, &[0; 4]));
    assert_eq!(r.malformed, Some(Layer::Network));
}

#[test]
fn mpls_stack_then_ip() {
    let ip4 = ipv4_hdr(17, 1, 0, &udp_hdr(9, 9, &[]));
    let payload = [&[0, 0x10, 0x00, 0x40, 0, 0x20, 0x01, 0x40][..], &ip4].concat();
    let r = decode(linktype::ETHERNET, &ether(0x8847, &payload));
    assert_eq!(names(&r), ["ethernet", "mpls", "ipv4", "udp"]);
    // A stack that never ends is damage.
    let r = decode(linktype::ETHERNET, &ether(0x8847, &[0, 0, 0, 0x40]));
    assert_eq!(r.malformed, Some(Layer::Link));
}

#[test]
fn pppoe_session_ppp_ipv6() {
    let ip6 = ipv6_hdr(17, &udp_hdr(546, 547, &[1, 0, 0, 0]));
    let mut sess = vec![0x11, 0, 0, 1];
    sess.extend_from_slice(&((ip6.len() + 2) as u16).to_be_bytes());
    sess.extend_from_slice(&[0x00, 0x57]);
    sess.extend_from_slice(&ip6);
    let r = decode(linktype::ETHERNET, &ether(0x8864, &sess));
    assert_eq!(
        names(&r),
        ["ethernet", "ppp", "pppoe", "ipv6", "udp", "dhcpv6"]
    );
    let r = decode(linktype::ETHERNET, &ether(0x8863, &[0x11, 9, 0, 0, 0, 0]));
    assert_eq!(names(&r), ["ethernet", "pppoe"]);
}

#[test]
fn vntag() {
    let ip4 = ipv4_hdr(1, 1, 0, &[8, 0, 0, 0, 0, 0, 0, 0]);
    let payload = [&[0x80, 0x01, 0x00, 0x02, 0x08, 0x00][..], &ip4].concat();
    let r = decode(linktype::ETHERNET, &ether(0x8926, &payload));
    assert_eq!(names(&r), ["ethernet", "ipv4", "icmp", "vntag"]);
}

#[test]
fn linux_cooked_v1_and_v2() {
    let mut sll = vec![0, 0, 0, 1, 0, 6];
    sll.extend_from_slice(&[1, 2, 3, 4, 5, 6, 0, 0]);
    sll.extend_from_slice(&[0x08, 0x06]);
    sll.extend_from_slice(&[0; 28]);
    let r = decode(linktype::LINUX_SLL, &sll);
    assert_eq!(names(&r), ["sll", "arp"]);
    assert_eq!(r.eth, None);

    let mut sll2 = vec![0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6];
    sll2.extend_from_slice(&[1, 2, 3, 4, 5, 6, 0, 0]);
    sll2.extend_from_slice(&ipv6_hdr(58, &[128, 0, 0, 0, 0, 1, 0, 1]));
    let r = decode(linktype::LINUX_SLL2, &sll2);
    assert_eq!(names(&r), ["sll", "ipv6", "icmpv6"]);
    assert_eq!(r.icmp, Some((128, 0)));
    let r = decode(linktype::LINUX_SLL2, &sll2[..10]);
    assert_eq!(r.malformed, Some(Layer::Link));
}

#[test]
fn raw_ip_link_types() {
    let v4 = ip4_udp([1, 2, 3, 4], [5, 6, 7, 8], 1, 2, &[]);
    let v6 = ip6_udp(1, 2, &[]);
    for lt in [linktype::RAW, 12, 14] {
        assert_eq!(names(&decode(lt, &v4)), ["ipv4", "udp"]);
        assert_eq!(names(&decode(lt, &v6)), ["ipv6", "udp"]);
    }
    assert_eq!(names(&decode(linktype::IPV4, &v4)), ["ipv4", "udp"]);
    assert_eq!(names(&decode(linktype::IPV6, &v6)), ["ipv6", "udp"]);
    assert_eq!(
        decode(linktype::RAW, &[0x10, 0]).malformed,
        Some(Layer::Network)
    );
}

#[test]
fn bsd_loopback_in_either_byte_order() {
    let v4 = ip4_tcp([127, 0, 0, 1], [127, 0, 0, 1], 1, 2, &[]);
    let le = [&2u32.to_le_bytes()[..], &v4].concat();
    assert_eq!(names(&decode(linktype::NULL, &le)), ["ipv4", "tcp", "null"]);
    // Written by a big-endian host: swapped back.
    let be = [&2u32.to_be_bytes()[..], &v4].concat();
    assert_eq!(names(&decode(linktype::NULL, &be)), ["ipv4", "tcp", "null"]);
    let v6 = ip6_udp(1, 2, &[]);
    for af in [24u32, 28, 30] {
        let p = [&af.to_le_bytes()[..], &v6].concat();
        assert!(has(&decode(linktype::NULL, &p), &[Proto::Ipv6]));
        let p = [&af.to_be_bytes()[..], &v6].concat();
        assert!(has(&decode(linktype::LOOP, &p), &[Proto::Ipv6]));
    }
}

#[test]
fn ppp_with_and_without_hdlc_framing() {
    let v4 = ip4_udp([1, 1, 1, 1], [2, 2, 2, 2], 123, 123, &[0x1b; 48]);
    let plain = [&[0x00, 0x21][..], &v4].concat();
    assert_eq!(
        names(&decode(linktype::PPP, &plain)),
        ["ppp", "ipv4", "udp", "ntp"]
    );
    let hdlc = [&[0xff, 0x03, 0x00, 0x21][..], &v4].concat();
    assert_eq!(
        names(&decode(linktype::PPP, &hdlc)),
        ["ppp", "ipv4", "udp", "ntp"]
    );
    // Protocol field compression: one odd byte.
    let pfc = [&[0x21][..], &v4].concat();
    assert!(has(&decode(linktype::PPP, &pfc), &[Proto::Ipv4]));
    // LCP: PPP only.
    assert_eq!(
        names(&decode(linktype::PPP, &[0xc0, 0x21, 1, 1, 0, 4])),
        ["ppp"]
    );
}

#[test]
fn cisco_hdlc() {
    let v4 = ip4_tcp([1, 1, 1, 1], [2, 2, 2, 2], 1, 80, &[]);
    let pkt = [&[0x0f, 0x00, 0x08, 0x00][..], &v4].concat();
    assert_eq!(
        names(&decode(linktype::C_HDLC, &pkt)),
        ["ipv4", "tcp", "chdlc"]
    );
    // The same frame under link type PPP is recognised by its address byte.
    assert!(has(
        &decode(linktype::PPP, &pkt),
        &[Proto::Chdlc, Proto::Tcp]
    ));
}

#[test]
fn nflog_payload_tlv() {
    let v4 = ip4_tcp([1, 1, 1, 1], [2, 2, 2, 2], 1, 80, &[]);
    let mut p = vec![2, 0, 0, 5];
    // A prefix TLV (type 10), padded, then the payload (type 9), little-endian.
    p.extend_from_slice(&[7, 0, 10, 0, b'a', b'b', b'c', 0]);
    p.extend_from_slice(&((v4.len() + 4) as u16).to_le_bytes());
    p.extend_from_slice(&9u16.to_le_bytes());
    p.extend_from_slice(&v4);
    let r = decode(linktype::NFLOG, &p);
    assert_eq!(names(&r), ["ipv4", "tcp", "nflog"]);
    assert_eq!(
        decode(linktype::NFLOG, &p[..6]).malformed,
        Some(Layer::Link)
    );
}

fn wlan_data(body: &[u8]) -> Vec<u8> {
    // Data frame, ToDS, 3 addresses + sequence control.
    let mut v = vec![0x08, 0x01, 0, 0];
    v.extend_from_slice(&[1; 18]);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(body);
    v
}

#[test]
fn wlan_data_frames_carry_llc_snap() {
    let v4 = ip4_udp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        5000,
        53,
        &dns_msg(9, false, 0, "w.example"),
    );
    let body = [&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00][..], &v4].concat();
    let r = decode(linktype::IEEE802_11, &wlan_data(&body));
    assert_eq!(names(&r), ["wlan", "llc", "ipv4", "udp", "dns"]);
    // A beacon: wlan only.
    let mut beacon = vec![0x80, 0, 0, 0];
    beacon.extend_from_slice(&[0xff; 20]);
    beacon.extend_from_slice(&[0; 16]);
    assert_eq!(names(&decode(linktype::IEEE802_11, &beacon)), ["wlan"]);
    // Protected data: not decoded.
    let mut prot = wlan_data(&body);
    prot[1] |= 0x40;
    assert_eq!(names(&decode(linktype::IEEE802_11, &prot)), ["wlan"]);
}

#[test]
fn wlan_amsdu_subframes() {
    let arp = [&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06][..], &[0; 28][..]].concat();
    let v4 = ip4_udp([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, &[]);
    let ip = [&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00][..], &v4].concat();
    let mut body = Vec::new();
    for msdu in [&arp, &ip] {
        body.extend_from_slice(&[2; 12]);
        body.extend_from_slice(&(msdu.len() as u16).to_be_bytes());
        body.extend_from_slice(msdu);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    // QoS data (subtype 8) with the A-MSDU bit in the QoS control field.
    let mut f = vec![0x88, 0x01, 0, 0];
    f.extend_from_slice(&[1; 18]);
    f.extend_from_slice(&[0, 0, 0x80, 0]);
    f.extend_from_slice(&body);
    let r = decode(linktype::IEEE802_11, &f);
    assert_eq!(names(&r), ["wlan", "llc", "arp", "ipv4", "udp"]);
}

#[test]
fn radiotap_with_fcs() {
    let v6 = ip6_udp(5353, 5353, &dns_msg(0, false, 0, "printer.local"));
    let body = [&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd][..], &v6].concat();
    let mut frame80211 = wlan_data(&body);
    frame80211.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]); // FCS
                                                             // Radiotap: version, pad, length 18, present = TSFT | Flags; TSFT (8 bytes), then the
                                                             // flags byte (0x10: frame ends with an FCS) and a pad byte.
    let mut pkt2 = vec![0, 0, 18, 0, 0x03, 0, 0, 0];
    pkt2.extend_from_slice(&[0; 8]);
    pkt2.extend_from_slice(&[0x10, 0]);
    pkt2.extend_from_slice(&frame80211);
    let r = decode(linktype::IEEE802_11_RADIOTAP, &pkt2);
    assert_eq!(names(&r), ["wlan", "llc", "ipv6", "udp", "mdns"]);
    assert_eq!(r.malformed, None);
    let bad = [0u8, 0, 200, 0, 0, 0, 0, 0];
    assert_eq!(
        decode(linktype::IEEE802_11_RADIOTAP, &bad).malformed,
        Some(Layer::Link)
    );
}

#[test]
fn unknown_link_type_decodes_nothing() {
    let r = decode(147, &[1, 2, 3]);
    assert_eq!(r.protocols, Protocols::default());
    assert_eq!(r.malformed, None);
}

// ---------------------------------------------------------------- network layer

#[test]
fn ipv4_with_options() {
    let udp = udp_hdr(1, 2, &[]);
    let mut h = ipv4_hdr(17, 1, 0, &udp);
    h[0] = 0x46;
    h.splice(20..20, [1, 1, 1, 0]); // NOP NOP NOP EOL
    h[3] += 4;
    let r = decode(linktype::RAW, &h);
    assert_eq!(names(&r), ["ipv4", "udp"]);
    assert_eq!(r.src_port, 1);
}

#[test]
fn ipv4_damage() {
    // Header length below 20.
    let mut h = ipv4_hdr(6, 1, 0, &[]);
    h[0] = 0x44;
    assert_eq!(decode(linktype::RAW, &h).malformed, Some(Layer::Network));
    // Total length below the header length (and not the TSO zero).
    let mut h = ipv4_hdr(6, 1, 0, &[]);
    h[3] = 10;
    let r = decode(linktype::RAW, &h);
    assert_eq!(
        (names(&r), r.malformed),
        (vec!["ipv4"], Some(Layer::Network))
    );
    // Options cut short (by the capture): the addresses are kept.
    let mut h = ipv4_hdr(6, 1, 0, &[]);
    h[0] = 0x4f;
    h[3] = 60;
    let r = decode(linktype::RAW, &h);
    assert_eq!(r.malformed, Some(Layer::Network));
    assert_eq!(r.ip.map(|p| p.src), Some(ip("192.0.2.1")));
}

#[test]
fn ipv4_total_length_zero_is_tso() {
    let mut h = ipv4_hdr(17, 1, 0, &udp_hdr(7, 9, &[1, 2, 3]));
    h[2] = 0;
    h[3] = 0;
    let r = decode(linktype::RAW, &h);
    assert_eq!(names(&r), ["ipv4", "udp"]);
    assert_eq!(r.malformed, None);
}

#[test]
fn ipv4_fragments_reassemble_on_the_completing_frame() {
    let dns = dns_msg(0x1234, false, 0, "frag.example");
    let udp = udp_hdr(3333, 53, &dns);
    let (a, b) = udp.split_at(16);
    let f1 = ipv4_hdr(17, 99, 0x2000, a); // MF, offset 0
    let f2 = ipv4_hdr(17, 99, 2, b); // offset 16
    let mut d = Decoder::new();
    let r1 = d.decode(&frame(linktype::RAW, &f1));
    assert_eq!(names(&r1), ["ipv4", "ip_fragment"]);
    assert_eq!((r1.src_port, r1.ip_proto), (0, 17));
    let r2 = d.decode(&frame(linktype::RAW, &f2));
    assert_eq!(names(&r2), ["ipv4", "udp", "dns"]);
    assert_eq!((r2.src_port, r2.dst_port), (3333, 53));
    assert_eq!(r2.dns.map(|x| x.id), Some(0x1234));
    assert_eq!(d.name(r2.name), Some("frag.example"));
    // Arriving in reverse order works too; a lone non-first fragment stays a fragment.
    let mut d = Decoder::new();
    assert_eq!(
        names(&d.decode(&frame(linktype::RAW, &f2))),
        ["ipv4", "ip_fragment"]
    );
    assert!(has(
        &d.decode(&frame(linktype::RAW, &f1)),
        &[Proto::Udp, Proto::Dns]
    ));
}

#[test]
fn ipv4_first_fragment_cut_short_is_decoded() {
    let udp = udp_hdr(3333, 53, &dns_msg(1, false, 0, "x.example"));
    let f1 = ipv4_hdr(17, 7, 0x2000, &udp);
    // The capture kept only part of it: no reassembly, the first fragment is decoded.
    let r = decode(linktype::RAW, &f1[..f1.len() - 4]);
    assert!(has(&r, &[Proto::Udp, Proto::Dns]));
}

#[test]
fn ipv6_extension_headers() {
    let tcp = ip4_tcp([0; 4], [0; 4], 1, 2, &[]);
    let tcp = &tcp[20..];
    // Hop-by-hop (8) -> destination options (8) -> routing (24) -> TCP.
    let mut ext = vec![60, 0, 1, 4, 0, 0, 0, 0];
    ext.extend_from_slice(&[43, 0, 1, 4, 0, 0, 0, 0]);
    ext.extend_from_slice(&[6, 2, 0, 0, 0, 0, 0, 0]);
    ext.extend_from_slice(&[0; 16]);
    ext.extend_from_slice(tcp);
    let r = decode(linktype::IPV6, &ipv6_hdr(0, &ext));
    assert_eq!(names(&r), ["ipv6", "tcp"]);
    assert_eq!((r.ip_proto, r.src_port), (6, 1));
    // An atomic fragment (offset 0, M = 0) is followed like no fragment.
    let atomic = [&[6, 0, 0, 0, 0, 0, 0, 1][..], tcp].concat();
    assert_eq!(
        names(&decode(linktype::IPV6, &ipv6_hdr(44, &atomic))),
        ["ipv6", "tcp"]
    );
    // Extension header cut short.
    let r = decode(linktype::IPV6, &ipv6_hdr(0, &[6, 1, 0, 0]));
    assert_eq!(r.malformed, Some(Layer::Network));
    // AH, then UDP; ESP stops.
    let mut ah = vec![17, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
    ah.extend_from_slice(&[0; 12]);
    ah.extend_from_slice(&udp_hdr(5, 6, &[]));
    assert_eq!(
        names(&decode(linktype::IPV6, &ipv6_hdr(51, &ah))),
        ["ipv6", "udp", "ipsec"]
    );
    assert_eq!(
        names(&decode(linktype::IPV6, &ipv6_hdr(50, &[0; 16]))),
        ["ipv6", "ipsec"]
    );
}

#[test]
fn ipv6_fragments_reassemble() {
    let udp = udp_hdr(1000, 53, &dns_msg(5, true, 3, "v6.example"));
    let (a, b) = udp.split_at(24);
    let frag = |off: u16, more: bool, data: &[u8]| {
        let mut v = vec![17, 0];
        v.extend_from_slice(&(off | u16::from(more)).to_be_bytes());
        v.extend_from_slice(&0xabcd_u32.to_be_bytes());
        v.extend_from_slice(data);
        ipv6_hdr(44, &v)
    };
    let mut d = Decoder::new();
    let r1 = d.decode(&frame(linktype::IPV6, &frag(0, true, a)));
    assert_eq!(names(&r1), ["ipv6", "ip_fragment"]);
    let r2 = d.decode(&frame(linktype::IPV6, &frag(24, false, b)));
    assert_eq!(names(&r2), ["ipv6", "udp", "dns"]);
    let info = r2.dns.unwrap_or_default();
    assert_eq!(
        (info.id, info.response, info.rcode, info.answers),
        (5, true, 3, 1)
    );
}

#[test]
fn ip_in_ip_is_a_tunnel() {
    let inner = ip4_tcp([10, 9, 9, 9], [10, 8, 8, 8], 1111, 22, &[]);
    let outer = ipv4_hdr(4, 1, 0, &inner);
    let r = decode(linktype::RAW, &outer);
    assert_eq!(names(&r), ["ipv4", "tcp"]);
    assert_eq!(r.ip.map(|p| p.src), Some(ip("192.0.2.1")));
    assert_eq!(r.tunnel_ip.map(|p| p.src), Some(ip("10.9.9.9")));
    assert_eq!(r.inner_ip(), r.tunnel_ip);
    assert_eq!((r.src_port, r.ip_proto, r.ttl), (1111, 6, 64));
    // IPv6 in IPv4 (protocol 41).
    let v6 = ip6_udp(1, 2, &[]);
    let r = decode(linktype::RAW, &ipv4_hdr(41, 1, 0, &v6));
    assert_eq!(names(&r), ["ipv4", "ipv6", "udp"]);
    assert!(r.tunnel_ip.is_some_and(|p| p.src.is_ipv6()));
}

// ---------------------------------------------------------------- ICMP

#[test]
fn icmp_echo() {
    let r = decode(
        linktype::RAW,
        &ipv4_hdr(1, 1, 0, &[8, 0, 0, 0, 0, 1, 0, 1, 9, 9]),
    );
    assert_eq!(names(&r), ["ipv4", "icmp"]);
    assert_eq!(r.icmp, Some((8, 0)));
    assert_eq!(r.top_proto(), Some(Proto::Icmp));
}

#[test]
fn icmp_errors_quote_headers_without_changing_the_record() {
    let quoted = ip4_udp(
        [10, 1, 1, 1],
        [10, 2, 2, 2],
        4444,
        53,
        &dns_msg(3, false, 0, "q.example"),
    );
    let icmp = [&[3, 3, 0, 0, 0, 0, 0, 0][..], &quoted].concat();
    let r = decode(linktype::RAW, &ipv4_hdr(1, 1, 0, &icmp));
    assert_eq!(names(&r), ["ipv4", "icmp", "udp", "dns"]);
    assert_eq!(r.ip.map(|p| p.src), Some(ip("192.0.2.1")));
    assert_eq!(r.tunnel_ip, None);
    assert_eq!((r.src_port, r.dst_port, r.ip_proto), (0, 0, 1));
    assert_eq!(r.icmp, Some((3, 3)));
    assert_eq!((r.dns, r.name, r.app), (None, NameId(0), AppProto::None));
    // A quoted TCP header is only 8 bytes long: that is no damage.
    let tcp = ip4_tcp([10, 1, 1, 1], [10, 2, 2, 2], 1, 2, &[]);
    let icmp = [&[11, 0, 0, 0, 0, 0, 0, 0][..], &tcp[..28]].concat();
    let r = decode(linktype::RAW, &ipv4_hdr(1, 1, 0, &icmp));
    assert_eq!(names(&r), ["ipv4", "icmp", "tcp"]);
    assert_eq!((r.malformed, r.tcp), (None, None));
}

#[test]
fn icmpv6_errors_quote_headers() {
    let quoted = ip6_udp(123, 123, &[0x1b; 48]);
    let icmp = [&[1, 4, 0, 0, 0, 0, 0, 0][..], &quoted].concat();
    let r = decode(linktype::IPV6, &ipv6_hdr(58, &icmp));
    assert_eq!(names(&r), ["ipv6", "icmpv6", "udp", "ntp"]);
    assert_eq!((r.icmp, r.src_port), (Some((1, 4)), 0));
    // Something that is not IPv6 after the header is not followed.
    let icmp = [&[1, 4, 0, 0, 0, 0, 0, 0][..], &[0x45; 40][..]].concat();
    assert_eq!(
        names(&decode(linktype::IPV6, &ipv6_hdr(58, &icmp))),
        ["ipv6", "icmpv6"]
    );
}

// ---------------------------------------------------------------- tunnels

#[test]
fn gre_carries_ip_and_ethernet() {
    let inner = ip4_tcp([10, 0, 0, 5], [10, 0, 0, 6], 2000, 3000, &[]);
    // Key and sequence number present.
    let gre = [
        &[0x30, 0x00, 0x08, 0x00, 0, 0, 0, 1, 0, 0, 0, 2][..],
        &inner,
    ]
    .concat();
    let r = decode(
        linktype::ETHERNET,
        &ether(0x0800, &ipv4_hdr(47, 1, 0, &gre)),
    );
    assert_eq!(names(&r), ["ethernet", "ipv4", "tcp", "gre"]);
    assert_eq!(r.tunnel_ip.map(|p| p.dst), Some(ip("10.0.0.6")));
    assert_eq!((r.src_port, r.ip_proto), (2000, 6));
    // Transparent Ethernet bridging.
    let eth = ether(0x0806, &[0; 28]);
    let gre = [&[0, 0, 0x65, 0x58][..], &eth].concat();
    let r = decode(linktype::RAW, &ipv4_hdr(47, 1, 0, &gre));
    assert_eq!(names(&r), ["ethernet", "arp", "ipv4", "gre"]);
    assert_eq!(r.eth, Some((MAC_A, MAC_B)));
    // Cut short.
    assert_eq!(
        decode(linktype::RAW, &ipv4_hdr(47, 1, 0, &[0x30, 0, 8, 0, 0])).malformed,
        Some(Layer::Transport)
    );
}

#[test]
fn teredo_and_vxlan() {
    let v6 = ipv6_hdr(59, &[]);
    let teredo = udp_hdr(3544, 40000, &v6);
    let r = decode(linktype::RAW, &ipv4_hdr(17, 1, 0, &teredo));
    assert_eq!(names(&r), ["ipv4", "ipv6", "udp", "teredo"]);
    assert!(r.tunnel_ip.is_some_and(|p| p.src.is_ipv6()));
    assert_eq!((r.src_port, r.ip_proto), (0, 59));
    // With an origin indication.
    let with_origin = [&[0, 0, 1, 2, 3, 4, 5, 6][..], &v6].concat();
    let r = decode(
        linktype::RAW,
        &ipv4_hdr(17, 1, 0, &udp_hdr(40000, 3544, &with_origin)),
    );
    assert!(has(&r, &[Proto::Teredo, Proto::Ipv6]));
    assert_eq!(r.malformed, None);

    let inner = eth_tcp4(
        51000,
        80,
        1,
        b"GET / HTTP/1.1\r\nHost: inner.example\r\n\r\n",
    );
    let vx = [&[0x08, 0, 0, 0, 0, 0, 0x2a, 0][..], &inner].concat();
    let outer = eth_udp4(12345, 4789, &vx);
    let mut d = Decoder::new();
    let r = d.decode(&frame(linktype::ETHERNET, &outer));
    assert_eq!(
        names(&r),
        ["ethernet", "ipv4", "tcp", "udp", "vxlan", "http"]
    );
    assert_eq!((r.src_port, r.dst_port), (51000, 80));
    assert_eq!(r.tunnel_ip.map(|p| p.src), Some(ip("10.0.0.1")));
    assert_eq!(d.name(r.name), Some("inner.example"));
    assert_eq!(r.app, AppProto::Known(Proto::Http));
}

#[test]
fn l2tp_gtp_and_geneve_tunnels() {
    let inner = ip4_tcp([10, 7, 7, 7], [10, 8, 8, 8], 3000, 4000, &[]);
    // L2TPv2 data message with length and sequence numbers, then PPP in HDLC framing.
    let l2tp = [
        &[
            0x48, 0x02, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0xff, 0x03, 0x00, 0x21,
        ][..],
        &inner,
    ]
    .concat();
    let r = decode(
        linktype::RAW,
        &ipv4_hdr(17, 1, 0, &udp_hdr(1701, 1701, &l2tp)),
    );
    assert_eq!(names(&r), ["ppp", "ipv4", "tcp", "udp", "l2tp"]);
    assert_eq!(r.tunnel_ip.map(|p| p.src), Some(ip("10.7.7.7")));
    // GTP-U G-PDU with a sequence number.
    let mut gtp = vec![0x32, 0xff];
    gtp.extend_from_slice(&((inner.len() + 4) as u16).to_be_bytes());
    gtp.extend_from_slice(&[0, 0, 0, 1, 0, 7, 0, 0]);
    gtp.extend_from_slice(&inner);
    let r = decode(
        linktype::RAW,
        &ipv4_hdr(17, 1, 0, &udp_hdr(2152, 2152, &gtp)),
    );
    assert_eq!(names(&r), ["ipv4", "tcp", "udp", "gtp"]);
    assert_eq!((r.src_port, r.dst_port), (3000, 4000));
    // Geneve carrying Ethernet, with one 4-byte option.
    let eth = ether(0x0800, &inner);
    let geneve = [&[0x01, 0, 0x65, 0x58, 0, 0, 1, 0, 1, 2, 3, 4][..], &eth].concat();
    let r = decode(
        linktype::RAW,
        &ipv4_hdr(17, 1, 0, &udp_hdr(50000, 6081, &geneve)),
    );
    assert_eq!(names(&r), ["ethernet", "ipv4", "tcp", "udp", "geneve"]);
}

// ---------------------------------------------------------------- transport

#[test]
fn tcp_and_udp_damage() {
    let r = decode(linktype::RAW, &ipv4_hdr(6, 1, 0, &[0, 80, 1]));
    assert_eq!(
        (names(&r), r.malformed),
        (vec!["ipv4", "tcp"], Some(Layer::Transport))
    );
    // Data offset below 5.
    let mut t = ip4_tcp([1; 4], [2; 4], 1, 2, &[]);
    t[32] = 0x40;
    let r = decode(linktype::RAW, &t);
    assert_eq!(r.malformed, Some(Layer::Transport));
    assert_eq!(r.src_port, 1);
    // UDP length below 8.
    let mut u = ip4_udp([1; 4], [2; 4], 1, 2, &[]);
    u[25] = 4;
    assert_eq!(decode(linktype::RAW, &u).malformed, Some(Layer::Transport));
}

#[test]
fn tcp_payload_length_comes_from_the_ip_header() {
    let pkt = eth_tcp4(1, 2, 3, &[0; 100]);
    let mut f = frame(linktype::ETHERNET, &pkt[..80]);
    f.orig_len = pkt.len() as u32;
    let r = Decoder::new().decode(&f);
    assert_eq!(r.tcp.map(|t| t.payload_len), Some(100));
    // A cut payload is not damage.
    assert_eq!(r.malformed, None);
}

#[test]
fn counted_ip_protocols() {
    for (proto, p) in [
        (2u8, Proto::Igmp),
        (89, Proto::Ospf),
        (112, Proto::Vrrp),
        (132, Proto::Sctp),
        (50, Proto::Ipsec),
    ] {
        let r = decode(linktype::RAW, &ipv4_hdr(proto, 1, 0, &[0; 16]));
        assert_eq!(names(&r), ["ipv4", p.name()], "protocol {proto}");
        assert_eq!(r.ip_proto, proto);
    }
}

// ---------------------------------------------------------------- applications

#[test]
fn dns_fields_and_names() {
    let mut d = Decoder::new();
    let r = d.decode(&frame(
        linktype::ETHERNET,
        &eth_udp4(53, 33000, &dns_msg(77, true, 3, "NX.Example.com")),
    ));
    assert_eq!(names(&r), ["ethernet", "ipv4", "udp", "dns"]);
    let info = r.dns.unwrap_or_default();
    assert_eq!(
        (info.id, info.response, info.rcode, info.qtype, info.answers),
        (77, true, 3, 1, 1)
    );
    assert_eq!(d.name(r.name), Some("nx.example.com"));
    assert_eq!(r.app, AppProto::Known(Proto::Dns));
    // The same name again: the same id, no new entry.
    let r2 = d.decode(&frame(
        linktype::ETHERNET,
        &eth_udp4(33000, 53, &dns_msg(78, false, 0, "nx.example.com")),
    ));
    assert_eq!((r2.name, d.name_count()), (r.name, 1));
    // A header cut short on port 53 is application damage, DNS is still counted.
    let r = decode(linktype::ETHERNET, &eth_udp4(1, 53, &[0, 1, 2]));
    assert_eq!(
        (r.protocols.contains(Proto::Dns), r.malformed),
        (true, Some(Layer::Application))
    );
}

#[test]
fn mdns_and_llmnr_are_not_dns() {
    let r = decode(
        linktype::ETHERNET,
        &eth_udp4(5353, 5353, &dns_msg(0, false, 0, "a.local")),
    );
    assert_eq!(names(&r), ["ethernet", "ipv4", "udp", "mdns"]);
    assert_eq!(r.dns, None);
    let r = decode(
        linktype::ETHERNET,
        &eth_udp4(50000, 5355, &dns_msg(1, false, 0, "host")),
    );
    assert_eq!(names(&r), ["ethernet", "ipv4", "udp", "llmnr"]);
}

#[test]
fn udp_ports_lower_first() {
    let cases: &[(u16, u16, Proto)] = &[
        (68, 67, Proto::Dhcp),
        (546, 547, Proto::Dhcpv6),
        (123, 40000, Proto::Ntp),
        (137, 137, Proto::Netbios),
        (161, 50000, Proto::Snmp),
        (514, 514, Proto::Syslog),
        (40000, 1900, Proto::Ssdp),
        (5060, 5060, Proto::Sip),
        (88, 40000, Proto::Kerberos),
        (40000, 389, Proto::Ldap),
    ];
    for &(s, t, p) in cases {
        let r = decode(linktype::ETHERNET, &eth_udp4(s, t, &[1; 20]));
        assert_eq!(r.app, AppProto::Known(p), "{s} -> {t}");
    }
    // 53 against 5353: the lower port (DNS) wins.
    let r = decode(
        linktype::ETHERNET,
        &eth_udp4(5353, 53, &dns_msg(1, false, 0, "x")),
    );
    assert_eq!(r.app, AppProto::Known(Proto::Dns));
}

#[test]
fn netbios_datagram_with_smb() {
    let mut p = vec![0x11, 0x02, 0, 1, 10, 0, 0, 1, 0, 138, 0, 100, 0, 0];
    p.extend_from_slice(&[0x20; 68]);
    p.extend_from_slice(b"\xffSMB%");
    let r = decode(linktype::ETHERNET, &eth_udp4(138, 138, &p));
    assert!(has(&r, &[Proto::Netbios, Proto::Smb]));
}

#[test]
fn quic_long_and_short_headers() {
    let mut initial = vec![0xc3, 0, 0, 0, 1, 8];
    initial.extend_from_slice(&[0xaa; 40]);
    let mut d = Decoder::new();
    let r = d.decode(&frame(linktype::ETHERNET, &eth_udp4(50000, 443, &initial)));
    assert_eq!(names(&r), ["ethernet", "ipv4", "udp", "tls", "quic"]);
    // The next Initial in the same direction carries no new TLS handshake.
    let r = d.decode(&frame(linktype::ETHERNET, &eth_udp4(50000, 443, &initial)));
    assert_eq!(names(&r), ["ethernet", "ipv4", "udp", "quic"]);
    let short = [0x41u8; 30];
    assert!(has(
        &decode(linktype::ETHERNET, &eth_udp4(443, 50000, &short)),
        &[Proto::Quic]
    ));
    assert!(!has(
        &decode(linktype::ETHERNET, &eth_udp4(9000, 50000, &short)),
        &[Proto::Quic]
    ));
    // A long header with a known version is QUIC on any port.
    assert!(has(
        &decode(linktype::ETHERNET, &eth_udp4(9000, 50000, &initial)),
        &[Proto::Quic]
    ));
}

#[test]
fn onc_rpc_calls_and_replies() {
    let mut d = Decoder::new();
    let mut call = Vec::new();
    for w in [0x1234_5678u32, 0, 2, 100_003, 3, 1] {
        call.extend_from_slice(&w.to_be_bytes());
    }
    let r = d.decode(&frame(linktype::ETHERNET, &eth_udp4(800, 2049, &call)));
    assert!(has(&r, &[Proto::Rpc]));
    let mut reply = Vec::new();
    for w in [0x1234_5678u32, 1, 0, 0, 0, 0] {
        reply.extend_from_slice(&w.to_be_bytes());
    }
    let r = d.decode(&frame(linktype::ETHERNET, &eth_udp4(2049, 800, &reply)));
    assert!(has(&r, &[Proto::Rpc]));
    // A reply to no call seen is not RPC.
    reply[3] = 0;
    let r = d.decode(&frame(linktype::ETHERNET, &eth_udp4(2049, 800, &reply)));
    assert!(!has(&r, &[Proto::Rpc]));
}

fn client_hello(sni: &str) -> Vec<u8> {
    let mut ext = Vec::new();
    let name = sni.as_bytes();
    ext.extend_from_slice(&[0, 0]);
    ext.extend_from_slice(&((name.len() + 5) as u16).to_be_bytes());
    ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
    ext.extend_from_slice(name);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x11; 32]);
    body.push(0); // session id
    body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
    body.extend_from_slice(&[1, 0]); // null compression
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn tls_client_hello_server_name() {
    let mut d = Decoder::new();
    let r = d.decode(&frame(
        linktype::ETHERNET,
        &eth_tcp4(50000, 443, 1, &client_hello("secure.example.org")),
    ));
    assert_eq!(names(&r), ["ethernet", "ipv4", "tcp", "tls"]);
    assert_eq!(d.name(r.name), Some("secure.example.org"));
    // On any port, recognised by its record header.
    let r = d.decode(&frame(
        linktype::ETHERNET,
        &eth_tcp4(50001, 8444, 1, &client_hello("other.example")),
    ));
    assert_eq!(d.name(r.name), Some("other.example"));
    assert_eq!(d.name(NameId(0)), None);
    assert_eq!(d.name(NameId(99)), None);
}

#[test]
fn tls_record_split_across_segments() {
    let mut rec = vec![23, 3, 3, 0x03, 0xe8];
    rec.extend_from_slice(&[0x55; 1000]);
    let mut d = Decoder::new();
    let mut seq = 1u32;
    let mut shown = Vec::new();
    for chunk in rec.chunks(400) {
        let r = d.decode(&frame(
            linktype::ETHERNET,
            &eth_tcp4(443, 50000, seq, chunk),
        ));
        shown.push(r.protocols.contains(Proto::Tls));
        seq += chunk.len() as u32;
    }
    // Shown where the record starts and where it ends, as Wireshark does.
    assert_eq!(shown, [true, false, true]);
}

#[test]
fn dns_over_tcp_counts_where_a_message_ends() {
    let msg = dns_msg(9, true, 0, "tcp.example");
    let mut stream = (msg.len() as u16).to_be_bytes().to_vec();
    stream.extend_from_slice(&msg);
    let mut d = Decoder::new();
    let b = |seq: u32, p: &[u8]| eth_tcp4(53, 40000, seq, p);
    let r = d.decode(&frame(linktype::ETHERNET, &b(100, &stream[..1])));
    assert!(!has(&r, &[Proto::Dns]));
    let r = d.decode(&frame(linktype::ETHERNET, &b(101, &stream[1..10])));
    assert!(!has(&r, &[Proto::Dns]));
    let r = d.decode(&frame(linktype::ETHERNET, &b(110, &stream[10..])));
    assert!(has(&r, &[Proto::Dns]));
    assert_eq!(r.dns.map(|x| (x.id, x.answers)), Some((9, 1)));
    assert_eq!(d.name(r.name), Some("tcp.example"));
}

#[test]
fn http_messages_and_host() {
    let mut d = Decoder::new();
    let req = b"GET /x HTTP/1.1\r\nUser-Agent: t\r\nHOST:  www.Example.com \r\n\r\n";
    let r = d.decode(&frame(linktype::ETHERNET, &eth_tcp4(50000, 80, 1, req)));
    assert_eq!(names(&r), ["ethernet", "ipv4", "tcp", "http"]);
    assert_eq!(d.name(r.name), Some("www.example.com"));
    // A response whose body arrives later shows on the frame that completes it.
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234";
    let r = d.decode(&frame(linktype::ETHERNET, &eth_tcp4(80, 50000, 1, head)));
    assert!(!has(&r, &[Proto::Http]));
    let r = d.decode(&frame(
        linktype::ETHERNET,
        &eth_tcp4(80, 50000, 1 + head.len() as u32, b"56789"),
    ));
    assert!(has(&r, &[Proto::Http]));
    // An HTTP request on another port is recognised by content.
    let r = d.decode(&frame(linktype::ETHERNET, &eth_tcp4(50002, 9999, 1, req)));
    assert!(has(&r, &[Proto::Http]));
}

#[test]
fn port_registration_wins_over_content() {
    // An HTTP request sent to an SSH server is SSH, as in Wireshark.
    let r = decode(
        linktype::ETHERNET,
        &eth_tcp4(50000, 22, 1, b"GET / HTTP/1.1\r\n\r\n"),
    );
    assert_eq!(r.app, AppProto::Known(Proto::Ssh));
    assert!(!has(&r, &[Proto::Http]));
    let r = decode(
        linktype::ETHERNET,
        &eth_tcp4(50000, 2222, 1, b"SSH-2.0-OpenSSH_9.0\r\n"),
    );
    assert_eq!(r.app, AppProto::Known(Proto::Ssh));
}

#[test]
fn smb_over_direct_tcp() {
    let mut msg = vec![0, 0, 0, 68];
    msg.extend_from_slice(b"\xfeSMB");
    msg.extend_from_slice(&[0; 64]);
    let r = decode(linktype::ETHERNET, &eth_tcp4(50000, 445, 1, &msg));
    assert!(has(&r, &[Proto::Netbios, Proto::Smb]));
    assert_eq!(r.app, AppProto::Known(Proto::Smb));
    assert_eq!(r.top_proto(), Some(Proto::Smb));
}

#[test]
fn other_tcp_ports() {
    for (port, p) in [
        (21u16, Proto::Ftp),
        (23, Proto::Telnet),
        (25, Proto::Smtp),
        (110, Proto::Pop3),
        (143, Proto::Imap),
        (3389, Proto::Rdp),
    ] {
        let r = decode(linktype::ETHERNET, &eth_tcp4(50000, port, 1, b"hello\r\n"));
        assert_eq!(r.app, AppProto::Known(p), "port {port}");
    }
    let r = decode(linktype::ETHERNET, &eth_tcp4(1080, 50000, 1, &[5, 0]));
    assert_eq!(r.app, AppProto::Known(Proto::Socks));
}

#[test]
fn ipv6_transport_and_ttl() {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6([1; 16], [2; 16], 17)
        .tcp(443, 1, 1, 10)
        .syn();
    let mut pkt = Vec::new();
    b.write(&mut pkt, &[]).ok();
    let r = decode(linktype::ETHERNET, &pkt);
    assert_eq!(names(&r), ["ethernet", "ipv6", "tcp"]);
    assert_eq!((r.ttl, r.ip_proto), (17, 6));
    assert_eq!(r.tcp.map(|t| t.flags), Some(TcpInfo::SYN));
    let v = PacketBuilder::ipv6([1; 16], [2; 16], 3);
    let mut raw = Vec::new();
    v.write(&mut raw, IpNumber::IPV6_NO_NEXT_HEADER, &[]).ok();
    assert_eq!(names(&decode(linktype::IPV6, &raw)), ["ipv6"]);
}

#[test]
fn deep_nesting_is_bounded() {
    // 200 VLAN tags: decoding stops at the depth limit without damage to the stack.
    let mut payload = Vec::new();
    for _ in 0..200 {
        payload.extend_from_slice(&[0, 1, 0x81, 0x00]);
    }
    let r = decode(linktype::ETHERNET, &ether(0x8100, &payload));
    assert!(has(&r, &[Proto::Vlan]));
    // IP-in-IP 100 times.
    let mut pkt = ip4_udp([1; 4], [2; 4], 1, 2, &[]);
    for _ in 0..100 {
        pkt = ipv4_hdr(4, 1, 0, &pkt);
    }
    let r = decode(linktype::RAW, &pkt);
    assert!(has(&r, &[Proto::Ipv4]));
}

/// A TCP header with the given flags and options (padded to a multiple of 4 with NOPs) and
/// no payload, in IPv4, for `linktype::RAW`.
fn raw_tcp_with_options(flags: u8, opts: &[u8]) -> Vec<u8> {
    let mut o = opts.to_vec();
    while o.len() % 4 != 0 {
        o.push(1);
    }
    let hl = 20 + o.len();
    let mut t = Vec::new();
    t.extend_from_slice(&1000u16.to_be_bytes());
    t.extend_from_slice(&80u16.to_be_bytes());
    t.extend_from_slice(&7u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.push(((hl / 4) as u8) << 4);
    t.push(flags);
    t.extend_from_slice(&[0x10, 0, 0, 0, 0, 0]);
    t.extend_from_slice(&o);
    ipv4_hdr(6, 1, 0, &t)
}

#[test]
fn tcp_window_scale_option() {
    let ws = |opts: &[u8]| {
        decode(linktype::RAW, &raw_tcp_with_options(0x02, opts))
            .tcp
            .and_then(|t| t.wscale)
    };
    assert_eq!(ws(&[2, 4, 5, 0xb4, 1, 3, 3, 7]), Some(7));
    assert_eq!(ws(&[3, 3, 20]), Some(20));
    assert_eq!(ws(&[]), None);
    // A wrong length is not used; End of Option List and a bad length end the list (tshark
    // 4.0: no `WS=` after an End of Option List, "Non-zero header padding").
    assert_eq!(ws(&[3, 4, 7, 0]), None);
    assert_eq!(ws(&[0, 3, 3, 7]), None);
    assert_eq!(ws(&[8, 1, 3, 3, 7]), None);
    // The last one counts.
    assert_eq!(ws(&[3, 3, 2, 3, 3, 9]), Some(9));
    // Options cut short by the capture: those captured still count.
    let mut cut = raw_tcp_with_options(0x02, &[3, 3, 5, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    cut.truncate(cut.len() - 6);
    let r = Decoder::new().decode(&Frame {
        orig_len: cut.len() as u32 + 6,
        ..frame(linktype::RAW, &cut)
    });
    assert_eq!(r.tcp.and_then(|t| t.wscale), Some(5));
}

#[test]
fn packet_record_stays_small() {
    // Held per packet while decoding and passed by value: keep it within 160 bytes.
    assert!(std::mem::size_of::<PacketRecord>() <= 160);
    assert!(std::mem::size_of::<Option<TcpInfo>>() <= 20);
}
