//! Network layer: IPv4 (options, fragments), IPv6 (extension headers, fragments), ARP, and
//! what IP carries directly: ICMP/ICMPv6 (with the headers quoted in errors), GRE, IP-in-IP
//! and the protocols only counted (IGMP, ESP/AH, OSPF, SCTP, VRRP).

use super::bytes::{be16, prefix, rest, u8_at};
use super::state::FragKey;
use super::{AppProto, IpPair, Layer, Proto, Walk};
use etherparse::{
    IpAuthHeaderSlice, Ipv4HeaderSlice, Ipv6FragmentHeaderSlice, Ipv6HeaderSlice,
    Ipv6RawExtHeaderSlice,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol numbers.
mod ipproto {
    pub const HOPOPTS: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const IGMP: u8 = 2;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const GRE: u8 = 47;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const ICMPV6: u8 = 58;
    pub const NONE: u8 = 59;
    pub const DSTOPTS: u8 = 60;
    pub const OSPF: u8 = 89;
    pub const VRRP: u8 = 112;
    pub const SCTP: u8 = 132;
}

/// IPv6 extension headers followed before giving up.
const MAX_IPV6_EXTENSIONS: usize = 64;

fn v4_key(a: [u8; 4]) -> [u8; 16] {
    Ipv4Addr::from(a).to_ipv6_mapped().octets()
}

/// Private or link-local (Wireshark then adds the VLAN id to the reassembly key).
fn v4_local(a: [u8; 4]) -> bool {
    let a = Ipv4Addr::from(a);
    a.is_private() || a.is_link_local()
}

impl Walk<'_> {
    /// A new IP header: the first one is the outer pair, a later one (outside ICMP quotes)
    /// is the tunnelled pair, and the transport fields start over for it.
    fn on_ip(&mut self, src: IpAddr, dst: IpAddr, ttl: u8, proto: u8) {
        if !self.live() {
            return;
        }
        let pair = IpPair { src, dst };
        if self.rec.ip.is_none() {
            self.rec.ip = Some(pair);
            self.rec.ttl = ttl;
        } else {
            self.rec.tunnel_ip = Some(pair);
        }
        self.rec.ip_proto = proto;
        self.rec.src_port = 0;
        self.rec.dst_port = 0;
        self.rec.tcp = None;
        self.rec.icmp = None;
        self.rec.dns = None;
        self.rec.app = AppProto::None;
    }

    pub(super) fn ipv4(&mut self, d: &[u8]) {
        self.ins(Proto::Ipv4);
        let Some(&b0) = d.first() else {
            return self.damaged(Layer::Network);
        };
        match b0 >> 4 {
            4 => {}
            // Wireshark's "ip" dissector hands version 6 to IPv6.
            6 => return self.ipv6(d),
            _ => return self.damaged(Layer::Network),
        }
        let hlen = usize::from(b0 & 0xf) * 4;
        let Some(total) = be16(d, 2) else {
            return self.damaged(Layer::Network);
        };
        if hlen < 20 {
            return self.damaged(Layer::Network);
        }
        let mut total = usize::from(total);
        if total < hlen {
            if total == 0 && d.len() > hlen {
                // Captured before TCP segmentation offload filled in the length.
                total = d.len();
            } else {
                return self.damaged(Layer::Network);
            }
        }
        let h = match Ipv4HeaderSlice::from_slice(d) {
            Ok(h) => h,
            Err(_) => {
                // Header (or its options) cut short: keep the addresses if they are there.
                if let (Some(s), Some(t)) = (d.get(12..16), d.get(16..20)) {
                    let (mut src, mut dst) = ([0u8; 4], [0u8; 4]);
                    src.copy_from_slice(s);
                    dst.copy_from_slice(t);
                    let ttl = u8_at(d, 8).unwrap_or(0);
                    let proto = u8_at(d, 9).unwrap_or(0);
                    self.on_ip(src.into(), dst.into(), ttl, proto);
                }
                return self.damaged(Layer::Network);
            }
        };
        let (src, dst, proto) = (h.source(), h.destination(), h.protocol().0);
        self.on_ip(src.into(), dst.into(), h.ttl(), proto);
        let complete = d.len() >= total;
        let payload = d.get(hlen..total.min(d.len())).unwrap_or(&[]);
        let reported = (total - hlen) as u32;
        let more = h.more_fragments();
        let offset = u32::from(h.fragments_offset().value()) * 8;
        if more || offset != 0 {
            // Wireshark reassembles whenever the fragment's data is all there, also inside
            // the header quoted by an ICMP error.
            if complete && total > hlen {
                let key = FragKey {
                    v6: false,
                    src: v4_key(src),
                    dst: v4_key(dst),
                    id: u32::from(h.identification()),
                    proto,
                    vlan: if v4_local(src) || v4_local(dst) {
                        self.vlan_inner
                    } else {
                        0
                    },
                };
                match self.st.frags.add(key, offset, payload, more) {
                    Some(r) => self.ip_payload(proto, &r.head, r.total),
                    None => self.ins(Proto::Fragment),
                }
                return;
            }
            if offset != 0 {
                return self.ins(Proto::Fragment);
            }
            // A first fragment that cannot be reassembled: decode what it holds.
        }
        self.ip_payload(proto, payload, reported);
    }

    pub(super) fn ipv6(&mut self, d: &[u8]) {
        self.ins(Proto::Ipv6);
        let h = match Ipv6HeaderSlice::from_slice(d) {
            Ok(h) => h,
            Err(_) => return self.damaged(Layer::Network),
        };
        let (src, dst) = (h.source(), h.destination());
        let nxt = h.next_header().0;
        self.on_ip(
            Ipv6Addr::from(src).into(),
            Ipv6Addr::from(dst).into(),
            h.hop_limit(),
            nxt,
        );
        let body = rest(d, 40);
        let plen = usize::from(h.payload_length());
        let (body, reported) = if plen == 0 {
            // A jumbogram, or nothing: take what is there.
            (body, body.len())
        } else {
            (prefix(body, plen), plen)
        };
        self.ipv6_chain(nxt, body, reported as u32, src, dst);
    }

    /// The IPv6 extension header chain, then the upper layer.
    fn ipv6_chain(
        &mut self,
        mut nxt: u8,
        mut d: &[u8],
        mut reported: u32,
        src: [u8; 16],
        dst: [u8; 16],
    ) {
        use ipproto::*;
        for _ in 0..MAX_IPV6_EXTENSIONS {
            match nxt {
                HOPOPTS | ROUTING | DSTOPTS => match Ipv6RawExtHeaderSlice::from_slice(d) {
                    Ok(x) => {
                        let l = x.slice().len();
                        nxt = x.next_header().0;
                        d = rest(d, l);
                        reported = reported.saturating_sub(l as u32);
                    }
                    Err(_) => return self.damaged(Layer::Network),
                },
                FRAGMENT => {
                    let f = match Ipv6FragmentHeaderSlice::from_slice(d) {
                        Ok(f) => f,
                        Err(_) => return self.damaged(Layer::Network),
                    };
                    let next = f.next_header().0;
                    let offset = u32::from(f.fragment_offset().value()) * 8;
                    let more = f.more_fragments();
                    let id = f.identification();
                    d = rest(d, 8);
                    reported = reported.saturating_sub(8);
                    if offset == 0 && !more {
                        // An atomic fragment: the rest follows as if unfragmented.
                        nxt = next;
                        continue;
                    }
                    if d.len() as u64 >= u64::from(reported) {
                        let key = FragKey {
                            v6: true,
                            src,
                            dst,
                            id,
                            proto: 0,
                            vlan: 0,
                        };
                        if let Some(r) =
                            self.st
                                .frags
                                .add(key, offset, prefix(d, reported as usize), more)
                        {
                            if self.enter() {
                                self.ipv6_chain(next, &r.head, r.total, src, dst);
                                self.leave();
                            }
                            return;
                        }
                    }
                    return self.ins(Proto::Fragment);
                }
                AH => {
                    self.ins(Proto::Ipsec);
                    match IpAuthHeaderSlice::from_slice(d) {
                        Ok(a) => {
                            let l = a.slice().len();
                            nxt = a.next_header().0;
                            d = rest(d, l);
                            reported = reported.saturating_sub(l as u32);
                        }
                        Err(_) => return self.damaged(Layer::Network),
                    }
                }
                ESP => return self.ins(Proto::Ipsec),
                NONE => return,
                _ => {
                    if self.live() {
                        self.rec.ip_proto = nxt;
                    }
                    return self.ip_payload(nxt, d, reported);
                }
            }
        }
    }

    /// What an IP header carries. `reported` is its length according to the IP header(s),
    /// which may exceed the captured `d`.
    fn ip_payload(&mut self, proto: u8, d: &[u8], reported: u32) {
        use ipproto::*;
        if !self.enter() {
            return;
        }
        match proto {
            ICMP => self.icmp(d),
            IGMP => self.ins(Proto::Igmp),
            IPIP => self.ipv4(d),
            TCP => self.tcp(d, reported),
            UDP => self.udp(d, reported),
            IPV6 => self.ipv6(d),
            GRE => self.gre(d),
            ESP => self.ins(Proto::Ipsec),
            AH => {
                self.ins(Proto::Ipsec);
                match IpAuthHeaderSlice::from_slice(d) {
                    Ok(a) => {
                        let l = a.slice().len();
                        self.ip_payload(
                            a.next_header().0,
                            rest(d, l),
                            reported.saturating_sub(l as u32),
                        );
                    }
                    Err(_) => self.damaged(Layer::Network),
                }
            }
            ICMPV6 => self.icmpv6(d),
            OSPF => self.ins(Proto::Ospf),
            VRRP => self.ins(Proto::Vrrp),
            SCTP => self.ins(Proto::Sctp),
            _ => {}
        }
        self.leave();
    }

    pub(super) fn arp(&mut self, d: &[u8]) {
        self.ins(Proto::Arp);
        if d.len() < 8 {
            self.damaged(Layer::Network);
        }
    }

    /// ICMP; error messages quote the offending IP header and the start of its payload.
    fn icmp(&mut self, d: &[u8]) {
        self.ins(Proto::Icmp);
        let (Some(ty), Some(code)) = (u8_at(d, 0), u8_at(d, 1)) else {
            return self.damaged(Layer::Transport);
        };
        if self.live() {
            self.rec.icmp = Some((ty, code));
        }
        // Unreachable, source quench, redirect, time exceeded, parameter problem.
        if matches!(ty, 3 | 4 | 5 | 11 | 12) && d.len() > 8 {
            self.quoted += 1;
            self.ipv4(rest(d, 8));
            self.quoted -= 1;
        }
    }

    /// ICMPv6; error messages (types 1-4) quote the offending IPv6 packet.
    fn icmpv6(&mut self, d: &[u8]) {
        self.ins(Proto::Icmpv6);
        let (Some(ty), Some(code)) = (u8_at(d, 0), u8_at(d, 1)) else {
            return self.damaged(Layer::Transport);
        };
        if self.live() {
            self.rec.icmp = Some((ty, code));
        }
        let quoted = rest(d, 8);
        if (1..=4).contains(&ty) && quoted.first().is_some_and(|b| b >> 4 == 6) {
            self.quoted += 1;
            self.ipv6(quoted);
            self.quoted -= 1;
        }
    }

    /// GRE (RFC 2784/2890, and version 1 as PPTP uses it), then the protocol it carries.
    fn gre(&mut self, d: &[u8]) {
        self.ins(Proto::Gre);
        let (Some(flags), Some(proto)) = (be16(d, 0), be16(d, 2)) else {
            return self.damaged(Layer::Transport);
        };
        if flags & 0x4000 != 0 {
            // Source routing (RFC 1701): not followed.
            return;
        }
        let mut hl = 4;
        if flags & 0x8000 != 0 {
            hl += 4; // checksum + reserved
        }
        if flags & 0x2000 != 0 {
            hl += 4; // key
        }
        if flags & 0x1000 != 0 {
            hl += 4; // sequence number
        }
        if flags & 0x0007 == 1 && flags & 0x0080 != 0 {
            hl += 4; // acknowledgement (version 1)
        }
        if d.len() < hl {
            return self.damaged(Layer::Transport);
        }
        let p = rest(d, hl);
        match proto {
            // ERSPAN type II: an 8-byte header, then Ethernet.
            0x88be => {
                if p.len() >= 8 {
                    self.ethernet(rest(p, 8));
                }
            }
            _ => self.ethertype(proto, p),
        }
    }
}
