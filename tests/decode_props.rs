//! Property tests for `decode::Decoder`: arbitrary bytes under every link type never panic
//! (one frame at a time and as a stream sharing decoder state), and every truncation of a
//! valid packet keeps the layers that fit and marks the layer where the damage is.

// Native only: these tests read files and use proptest, which do not exist in the browser.
#![cfg(not(target_arch = "wasm32"))]
use etherparse::PacketBuilder;
use pcapscope::capture::{linktype, Frame};
use pcapscope::decode::{Decoder, Layer, PacketRecord, Proto};
use proptest::prelude::*;

/// Every link type the decoder knows, and a few it does not.
const LINK_TYPES: &[u32] = &[
    linktype::NULL,
    linktype::ETHERNET,
    linktype::PPP,
    12,
    14,
    linktype::RAW,
    linktype::C_HDLC,
    linktype::IEEE802_11,
    linktype::LOOP,
    linktype::LINUX_SLL,
    linktype::IEEE802_11_RADIOTAP,
    linktype::IPV4,
    linktype::IPV6,
    linktype::NFLOG,
    linktype::LINUX_SLL2,
    147,
    u32::MAX,
];

fn frame(link_type: u32, data: &[u8], orig_len: usize) -> Frame<'_> {
    Frame {
        number: 1,
        ts_ns: 0,
        orig_len: orig_len as u32,
        cap_len: data.len() as u32,
        link_type,
        data_offset: 0,
        interface_id: 0,
        data,
    }
}

/// Bytes that look enough like packets to get past the first checks often: a random
/// prefix spliced onto a real header stack, so deep layers get fuzzed too.
fn packetish() -> impl Strategy<Value = Vec<u8>> {
    let base = prop_oneof![
        Just(eth_ipv4_tcp(1, 80, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")),
        Just(eth_ipv4_udp(53, 53, &[0; 40])),
        Just(eth_ipv4_udp(3544, 4789, &[0x60; 60])),
        Just(eth_ipv6_udp(5353, 443, &[0xc3, 0, 0, 0, 1, 8, 0, 0])),
        Just(eth_ipv4_tcp(
            445,
            139,
            &[0, 0, 0, 8, 0xfe, b'S', b'M', b'B']
        )),
        Just(vec![]),
    ];
    (
        base,
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<u8>(), 0..96),
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(
        lt in prop::sample::select(LINK_TYPES),
        data in prop::collection::vec(any::<u8>(), 0..1600),
    ) {
        let rec = Decoder::new().decode(&frame(lt, &data, data.len()));
        prop_assert_eq!(rec.cap_len as usize, data.len());
        prop_assert_eq!(rec.link_type, lt);
    }

    #[test]
    fn packet_like_bytes_never_panic(
        lt in prop::sample::select(LINK_TYPES),
        data in packetish(),
    ) {
        let _ = Decoder::new().decode(&frame(lt, &data, data.len()));
    }

    /// A stream of frames through one decoder exercises fragment reassembly and TCP
    /// stream state with hostile input.
    #[test]
    fn streams_of_frames_never_panic(
        frames in prop::collection::vec(
            (prop::sample::select(LINK_TYPES), packetish()),
            1..40,
        ),
    ) {
        let mut dec = Decoder::new();
        for (lt, data) in &frames {
            let _ = dec.decode(&frame(*lt, data, data.len()));
        }
    }
}

fn eth_ipv4_tcp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(sport, dport, 1000, 512)
        .ack(1);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn eth_ipv4_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(sport, dport);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn eth_ipv6_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv6([0x20; 16], [0x30; 16], 64)
        .udp(sport, dport);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

fn eth_vlan_ipv6_tcp(vlan: u16, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .single_vlan(vlan.try_into().unwrap_or_default())
        .ipv6([0x20; 16], [0x30; 16], 64)
        .tcp(sport, dport, 7, 512);
    let mut v = Vec::new();
    b.write(&mut v, payload).ok();
    v
}

/// Layers of a packet: (protocol, the byte offset where its header starts, where it ends).
type Layers = Vec<(Proto, Layer, usize, usize)>;

/// Decodes every prefix of `pkt` from `from` bytes on and checks each against the layers
/// that fit in it.
fn check_truncations(
    lt: u32,
    pkt: &[u8],
    from: usize,
    layers: &Layers,
) -> Result<(), TestCaseError> {
    let full = Decoder::new().decode(&frame(lt, pkt, pkt.len()));
    for (p, _, _, _) in layers {
        prop_assert!(full.protocols.contains(*p), "full packet lacks {:?}", p);
    }
    prop_assert!(
        matches!(full.malformed, None | Some(Layer::Application)),
        "full packet damaged: {:?}",
        full.malformed
    );
    for cut in from..pkt.len() {
        let data = &pkt[..cut];
        // A fresh decoder: a cut segment must not lean on stream state.
        let rec: PacketRecord = Decoder::new().decode(&frame(lt, data, pkt.len()));
        prop_assert_eq!(rec.orig_len as usize, pkt.len());
        // Nothing appears that the whole packet does not have.
        prop_assert_eq!(
            rec.protocols.0 & !full.protocols.0,
            0,
            "cut {} adds {:?}",
            cut,
            rec.protocols
        );
        // Every layer whose header started is there; the first one cut short is the damage.
        let mut damage = None;
        for &(p, layer, start, end) in layers {
            if cut >= start {
                prop_assert!(
                    rec.protocols.contains(p),
                    "cut {}: {:?} missing (header at {}..{})",
                    cut,
                    p,
                    start,
                    end
                );
            }
            if damage.is_none() && cut >= start && cut < end {
                damage = Some(layer);
            }
        }
        match damage {
            Some(layer) => prop_assert_eq!(rec.malformed, Some(layer), "cut {}", cut),
            None => prop_assert!(
                matches!(rec.malformed, None | Some(Layer::Application)),
                "cut {}: {:?} after all headers",
                cut,
                rec.malformed
            ),
        }
    }
    Ok(())
}

/// Ports that have no application protocol, so that the payload is free.
fn plain_port() -> impl Strategy<Value = u16> {
    20000u16..30000
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn truncated_ethernet_ipv4_tcp(
        sport in plain_port(),
        dport in plain_port(),
        payload in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let pkt = eth_ipv4_tcp(sport, dport, &payload);
        let layers = vec![
            (Proto::Ethernet, Layer::Link, 0, 14),
            (Proto::Ipv4, Layer::Network, 14, 34),
            (Proto::Tcp, Layer::Transport, 34, 54),
        ];
        check_truncations(linktype::ETHERNET, &pkt, 0, &layers)?;
        // The fields of the layers that fit.
        let rec = Decoder::new().decode(&frame(linktype::ETHERNET, &pkt[..38], pkt.len()));
        prop_assert_eq!((rec.src_port, rec.dst_port), (sport, dport));
        prop_assert!(rec.ip.is_some());
        prop_assert_eq!(rec.tcp, None);
    }

    #[test]
    fn truncated_ethernet_vlan_ipv6_tcp(
        vlan in 1u16..4095,
        sport in plain_port(),
        dport in plain_port(),
        payload in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let pkt = eth_vlan_ipv6_tcp(vlan, sport, dport, &payload);
        let layers = vec![
            (Proto::Ethernet, Layer::Link, 0, 14),
            (Proto::Vlan, Layer::Link, 14, 18),
            (Proto::Ipv6, Layer::Network, 18, 58),
            (Proto::Tcp, Layer::Transport, 58, 78),
        ];
        check_truncations(linktype::ETHERNET, &pkt, 0, &layers)?;
        let rec = Decoder::new().decode(&frame(linktype::ETHERNET, &pkt[..20], pkt.len()));
        prop_assert_eq!(rec.vlan, vlan);
    }

    #[test]
    fn truncated_raw_ipv4_udp_dns(
        sport in plain_port(),
        id in any::<u16>(),
    ) {
        let mut dns = id.to_be_bytes().to_vec();
        dns.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1]);
        let b = PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 9).udp(sport, 53);
        let mut pkt = Vec::new();
        b.write(&mut pkt, &dns).ok();
        let layers = vec![
            (Proto::Ipv4, Layer::Network, 0, 20),
            (Proto::Udp, Layer::Transport, 20, 28),
            // DNS shows once a byte of it is there (no payload, no application protocol).
            (Proto::Dns, Layer::Application, 29, 40),
        ];
        // Raw IP needs its first byte to tell IPv4 from IPv6.
        check_truncations(linktype::RAW, &pkt, 1, &layers)?;
        let rec = Decoder::new().decode(&frame(linktype::RAW, &pkt, pkt.len()));
        prop_assert_eq!(rec.dns.map(|d| d.id), Some(id));
    }

    #[test]
    fn truncated_linux_sll_ipv4_udp(
        sport in plain_port(),
        dport in plain_port(),
        payload in prop::collection::vec(any::<u8>(), 0..20),
    ) {
        let mut pkt = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
        let b = PacketBuilder::ipv4([1, 1, 1, 1], [2, 2, 2, 2], 9).udp(sport, dport);
        b.write(&mut pkt, &payload).ok();
        let layers = vec![
            (Proto::Sll, Layer::Link, 0, 16),
            (Proto::Ipv4, Layer::Network, 16, 36),
            (Proto::Udp, Layer::Transport, 36, 44),
        ];
        check_truncations(linktype::LINUX_SLL, &pkt, 0, &layers)?;
    }
}
