//! Link layers: Ethernet II / 802.3 with LLC/SNAP, VLAN tags, MPLS, PPPoE, VN-Tag, Linux
//! cooked capture v1/v2, raw IP, BSD loopback, PPP, Cisco HDLC, NFLOG, 802.11 and radiotap.

use super::bytes::{be16, be32, le16, le32, prefix, rest, u8_at};
use super::{Layer, Proto, Walk};
use crate::capture::linktype as lt;
use etherparse::{Ethernet2HeaderSlice, SingleVlanHeaderSlice};

/// Ethertypes (and GRE protocol types, which share the numbering).
pub(super) mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const TEB: u16 = 0x6558;
    pub const RARP: u16 = 0x8035;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86dd;
    pub const PPP: u16 = 0x880b;
    pub const MPLS: u16 = 0x8847;
    pub const MPLS_MC: u16 = 0x8848;
    pub const PPPOE_DISC: u16 = 0x8863;
    pub const PPPOE_SESS: u16 = 0x8864;
    pub const EAPOL: u16 = 0x888e;
    pub const QINQ: u16 = 0x88a8;
    pub const VNTAG: u16 = 0x8926;
    pub const QINQ_OLD: u16 = 0x9100;
    pub const QINQ_OLD2: u16 = 0x9200;
}

/// BSD address families seen in loopback headers.
const AF_INET: u32 = 2;
const AF_INET6_BSD: u32 = 24;
const AF_INET6_FREEBSD: u32 = 28;
const AF_INET6_DARWIN: u32 = 30;

impl Walk<'_> {
    /// Decodes a frame of the given link type.
    pub(super) fn link(&mut self, link_type: u32, d: &[u8]) {
        match link_type {
            lt::ETHERNET => self.ethernet(d),
            lt::NULL => self.null(d, false),
            lt::LOOP => self.null(d, true),
            lt::PPP => self.ppp_hdlc(d),
            lt::RAW | 12 | 14 => self.raw_ip(d),
            lt::IPV4 => self.ipv4(d),
            lt::IPV6 => self.ipv6(d),
            lt::C_HDLC => self.chdlc(d),
            lt::IEEE802_11 => self.wlan(d, false),
            lt::IEEE802_11_RADIOTAP => self.radiotap(d),
            lt::LINUX_SLL => self.sll(d),
            lt::LINUX_SLL2 => self.sll2(d),
            lt::NFLOG => self.nflog(d),
            _ => {}
        }
    }

    /// Ethernet II, or IEEE 802.3 with an LLC header when the type field is a length.
    pub(super) fn ethernet(&mut self, d: &[u8]) {
        self.ins(Proto::Ethernet);
        let h = match Ethernet2HeaderSlice::from_slice(d) {
            Ok(h) => h,
            Err(_) => return self.damaged(Layer::Link),
        };
        if self.live() && self.rec.eth.is_none() {
            self.rec.eth = Some((h.source(), h.destination()));
        }
        let et = h.ether_type().0;
        let payload = rest(d, 14);
        self.type_or_length(et, payload);
    }

    /// Dispatches on a field that is an 802.3 length (≤ 1500) or an ethertype (≥ 0x600).
    fn type_or_length(&mut self, et: u16, payload: &[u8]) {
        if et <= 1500 {
            let p = prefix(payload, usize::from(et));
            // Novell "raw" 802.3 carries IPX straight after the length.
            if !p.starts_with(&[0xff, 0xff]) {
                self.llc(p);
            }
        } else if et >= 0x600 {
            self.ethertype(et, payload);
        }
    }

    /// Dispatches on an ethertype (also used for GRE protocol types, SLL and C-HDLC).
    pub(super) fn ethertype(&mut self, et: u16, d: &[u8]) {
        use ethertype as e;
        if !self.enter() {
            return;
        }
        match et {
            e::IPV4 => self.ipv4(d),
            e::IPV6 => self.ipv6(d),
            e::ARP | e::RARP => self.arp(d),
            e::VLAN | e::QINQ | e::QINQ_OLD | e::QINQ_OLD2 => self.vlan(d),
            e::MPLS | e::MPLS_MC => self.mpls(d),
            e::PPPOE_DISC => self.ins(Proto::Pppoe),
            e::PPPOE_SESS => self.pppoe_session(d),
            e::VNTAG => self.vntag(d),
            e::TEB => self.ethernet(d),
            e::PPP => self.ppp_hdlc(d),
            e::EAPOL => self.ins(Proto::Eapol),
            _ => {}
        }
        self.leave();
    }

    /// IEEE 802.2 LLC, with SNAP.
    pub(super) fn llc(&mut self, d: &[u8]) {
        self.ins(Proto::Llc);
        let (Some(dsap), Some(ssap), Some(ctrl)) = (u8_at(d, 0), u8_at(d, 1), u8_at(d, 2)) else {
            return self.damaged(Layer::Link);
        };
        if dsap == 0xaa && ssap == 0xaa {
            // SNAP: OUI and protocol id after a one-byte control field.
            let (Some(oui), Some(pid)) = (be32(d, 2), be16(d, 6)) else {
                return self.damaged(Layer::Link);
            };
            let oui = oui & 0x00ff_ffff;
            if oui == 0 || oui == 0x0000_00f8 {
                self.ethertype(pid, rest(d, 8));
            } else if oui == 0x0000_000c && pid == 0x010b {
                // Cisco PVST+.
                self.ins(Proto::Stp);
            }
            return;
        }
        let hl = if ctrl & 3 == 3 { 3 } else { 4 };
        if d.len() < hl {
            return self.damaged(Layer::Link);
        }
        match dsap & 0xfe {
            0x42 => self.ins(Proto::Stp),
            0xf0 => self.ins(Proto::Netbios),
            0x06 => self.ipv4(rest(d, hl)),
            _ => {}
        }
    }

    fn vlan(&mut self, d: &[u8]) {
        self.ins(Proto::Vlan);
        let h = match SingleVlanHeaderSlice::from_slice(d) {
            Ok(h) => h,
            Err(_) => return self.damaged(Layer::Link),
        };
        let id = h.vlan_identifier().value();
        if self.live() && !self.vlan_seen {
            self.rec.vlan = id;
            self.vlan_seen = true;
        }
        self.vlan_inner = id;
        self.type_or_length(h.ether_type().0, rest(d, 4));
    }

    /// Cisco VN-Tag: a 4-byte tag, then an ethertype.
    fn vntag(&mut self, d: &[u8]) {
        self.ins(Proto::Vntag);
        match be16(d, 4) {
            Some(et) => self.type_or_length(et, rest(d, 6)),
            None => self.damaged(Layer::Link),
        }
    }

    /// MPLS label stack, then the payload by its first nibble (RFC 4928).
    fn mpls(&mut self, d: &[u8]) {
        self.ins(Proto::Mpls);
        let mut off = 0;
        loop {
            let Some(entry) = be32(d, off) else {
                return self.damaged(Layer::Link);
            };
            off += 4;
            if entry & 0x100 != 0 {
                break;
            }
        }
        let p = rest(d, off);
        match p.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(p),
            Some(6) => self.ipv6(p),
            // A pseudowire control word, then Ethernet.
            Some(0) if p.len() >= 4 + 14 => self.ethernet(rest(p, 4)),
            _ => {}
        }
    }

    fn pppoe_session(&mut self, d: &[u8]) {
        self.ins(Proto::Pppoe);
        let Some(len) = be16(d, 4) else {
            return self.damaged(Layer::Link);
        };
        self.ppp(prefix(rest(d, 6), usize::from(len)));
    }

    /// PPP possibly in HDLC-like framing (address 0xff, control 0x03); a Cisco HDLC address
    /// means Cisco HDLC, as Wireshark decides for link type 9.
    pub(super) fn ppp_hdlc(&mut self, d: &[u8]) {
        match d.first() {
            Some(0x0f | 0x8f) => {
                self.ins(Proto::Ppp);
                self.chdlc(d)
            }
            Some(0xff) => {
                self.ins(Proto::Ppp);
                if d.len() < 2 {
                    return self.damaged(Layer::Link);
                }
                self.ppp(rest(d, 2));
            }
            _ => self.ppp(d),
        }
    }

    /// A PPP protocol field (one byte when compressed) and what it carries.
    fn ppp(&mut self, d: &[u8]) {
        self.ins(Proto::Ppp);
        let Some(&b0) = d.first() else {
            return self.damaged(Layer::Link);
        };
        let (proto, hl) = if b0 & 1 == 1 {
            (u16::from(b0), 1)
        } else {
            match be16(d, 0) {
                Some(p) => (p, 2),
                None => return self.damaged(Layer::Link),
            }
        };
        let p = rest(d, hl);
        match proto {
            0x0021 => self.ipv4(p),
            0x0057 => self.ipv6(p),
            0x0281 | 0x0283 if self.enter() => {
                self.mpls(p);
                self.leave();
            }
            _ => {}
        }
    }

    /// Cisco HDLC: address, control, then an ethertype.
    pub(super) fn chdlc(&mut self, d: &[u8]) {
        self.ins(Proto::Chdlc);
        match be16(d, 2) {
            Some(0x8035) => {} // SLARP
            Some(et) => self.ethertype(et, rest(d, 4)),
            None => self.damaged(Layer::Link),
        }
    }

    /// Linux cooked capture v1 (16-byte header).
    fn sll(&mut self, d: &[u8]) {
        self.ins(Proto::Sll);
        match (be16(d, 2), be16(d, 14)) {
            (Some(hatype), Some(proto)) => self.sll_payload(hatype, proto, rest(d, 16)),
            _ => self.damaged(Layer::Link),
        }
    }

    /// Linux cooked capture v2 (20-byte header).
    fn sll2(&mut self, d: &[u8]) {
        self.ins(Proto::Sll);
        match (be16(d, 0), be16(d, 8)) {
            (Some(proto), Some(hatype)) if d.len() >= 20 => {
                self.sll_payload(hatype, proto, rest(d, 20))
            }
            _ => self.damaged(Layer::Link),
        }
    }

    fn sll_payload(&mut self, hatype: u16, proto: u16, d: &[u8]) {
        const ARPHRD_IPGRE: u16 = 778;
        const ARPHRD_IEEE80211_RADIOTAP: u16 = 803;
        const ARPHRD_NETLINK: u16 = 824;
        match hatype {
            ARPHRD_NETLINK => {}
            ARPHRD_IEEE80211_RADIOTAP => self.radiotap(d),
            ARPHRD_IPGRE => self.ethertype(proto, d),
            _ => match proto {
                0x0001 | 0x0002 | 0x000c | 0x000d | 0x000f => {} // IPX, AX.25, CAN ...
                0x0004 => self.llc(d),
                0x0007 => self.ppp_hdlc(d),
                et => self.ethertype(et, d),
            },
        }
    }

    /// BSD loopback: a 4-byte address family, in the capturing host's byte order for
    /// `NULL` (guessed as Wireshark does) and in network order for `LOOP`.
    fn null(&mut self, d: &[u8], network_order: bool) {
        self.ins(Proto::Null);
        if be16(d, 0) == Some(0xff03) {
            return self.ppp_hdlc(d);
        }
        let value = if network_order {
            be32(d, 0)
        } else {
            le32(d, 0)
        };
        let Some(mut af) = value else {
            return self.damaged(Layer::Link);
        };
        if !network_order && af & 0xffff_0000 != 0 {
            af = if af & 0xff00_0000 == 0 && af & 0x00ff_0000 < 0x0006_0000 {
                af >> 16
            } else {
                af.swap_bytes()
            };
        }
        let p = rest(d, 4);
        if af > 1500 {
            // Some systems put an ethertype there.
            self.ethertype(af as u16, p);
            return;
        }
        match af {
            AF_INET => self.ipv4(p),
            AF_INET6_BSD | AF_INET6_FREEBSD | AF_INET6_DARWIN => self.ipv6(p),
            _ => {}
        }
    }

    /// Raw IP: the version nibble decides.
    fn raw_ip(&mut self, d: &[u8]) {
        match d.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(d),
            Some(6) => self.ipv6(d),
            _ if be16(d, 0) == Some(0xff03) => self.ppp_hdlc(d),
            _ => self.damaged(Layer::Network),
        }
    }

    /// Linux NFLOG: a 4-byte header (family, version, resource id), then TLVs in host byte
    /// order; the packet is in `NFULA_PAYLOAD` (type 9).
    fn nflog(&mut self, d: &[u8]) {
        const NFULA_PAYLOAD: u16 = 9;
        self.ins(Proto::Nflog);
        let Some(family) = u8_at(d, 0) else {
            return self.damaged(Layer::Link);
        };
        if d.len() < 4 {
            return self.damaged(Layer::Link);
        }
        // The byte order is the capturing host's: take the one that makes the first TLV fit.
        let le = match (le16(d, 4), be16(d, 4)) {
            (Some(l), _) if l >= 4 && usize::from(l) <= d.len() - 4 => true,
            (_, Some(b)) if b >= 4 && usize::from(b) <= d.len() - 4 => false,
            _ => true,
        };
        let read = |at| if le { le16(d, at) } else { be16(d, at) };
        let mut off = 4usize;
        while off < d.len() {
            let (Some(len), Some(ty)) = (read(off), read(off + 2)) else {
                return self.damaged(Layer::Link);
            };
            let len = usize::from(len);
            if len < 4 {
                return self.damaged(Layer::Link);
            }
            if ty & 0x7fff == NFULA_PAYLOAD {
                let p = d
                    .get(off + 4..off + len)
                    .unwrap_or_else(|| rest(d, off + 4));
                match family {
                    2 => self.ipv4(p),
                    10 => self.ipv6(p),
                    _ => match p.first().map(|b| b >> 4) {
                        Some(4) => self.ipv4(p),
                        Some(6) => self.ipv6(p),
                        _ => {}
                    },
                }
                return;
            }
            off += (len + 3) & !3;
        }
    }

    /// Radiotap header, then 802.11 (with a trailing FCS when the flags field says so).
    fn radiotap(&mut self, d: &[u8]) {
        let (Some(len), Some(present)) = (le16(d, 2), le32(d, 4)) else {
            self.ins(Proto::Wlan);
            return self.damaged(Layer::Link);
        };
        let len = usize::from(len);
        if len < 8 || len > d.len() {
            self.ins(Proto::Wlan);
            return self.damaged(Layer::Link);
        }
        // Skip the chain of presence words to the first field.
        let mut off = 8;
        let mut word = present;
        while word & 0x8000_0000 != 0 {
            match le32(d, off) {
                Some(w) if off + 4 <= len => {
                    word = w;
                    off += 4;
                }
                _ => {
                    self.ins(Proto::Wlan);
                    return self.damaged(Layer::Link);
                }
            }
        }
        let mut fcs = false;
        if present & 0b10 != 0 {
            if present & 0b01 != 0 {
                // TSFT: 8 bytes, aligned to 8.
                off = ((off + 7) & !7) + 8;
            }
            if let Some(flags) = u8_at(d, off).filter(|_| off < len) {
                fcs = flags & 0x10 != 0;
            }
        }
        self.wlan(rest(d, len), fcs);
    }

    /// An A-MSDU: subframes of destination, source, length, then an LLC-framed MSDU,
    /// each padded to 4 bytes.
    fn amsdu(&mut self, mut body: &[u8]) {
        const MAX_SUBFRAMES: usize = 64;
        for _ in 0..MAX_SUBFRAMES {
            if body.is_empty() {
                return;
            }
            let Some(len) = be16(body, 12) else {
                return self.damaged(Layer::Link);
            };
            let len = usize::from(len);
            self.llc(prefix(rest(body, 14), len));
            body = rest(body, (14 + len + 3) & !3);
        }
    }

    /// IEEE 802.11: data frames carry LLC/SNAP; management and control frames stop here.
    fn wlan(&mut self, d: &[u8], fcs: bool) {
        self.ins(Proto::Wlan);
        let (Some(fc0), Some(fc1)) = (u8_at(d, 0), u8_at(d, 1)) else {
            return self.damaged(Layer::Link);
        };
        let ftype = (fc0 >> 2) & 3;
        let subtype = fc0 >> 4;
        if ftype != 2 {
            return;
        }
        let mut hl = 24;
        if fc1 & 3 == 3 {
            hl += 6; // fourth address (WDS)
        }
        let qos_at = hl;
        let qos = subtype & 0x8 != 0;
        if qos {
            hl += 2;
            if fc1 & 0x80 != 0 {
                hl += 4; // HT control
            }
        }
        if d.len() < hl {
            return self.damaged(Layer::Link);
        }
        if subtype & 0x4 != 0 || fc1 & 0x40 != 0 {
            // Null function (no body) or protected (encrypted body).
            return;
        }
        let end = if fcs {
            d.len().saturating_sub(4)
        } else {
            d.len()
        };
        let body = d.get(hl..end).unwrap_or(&[]);
        if qos && u8_at(d, qos_at).is_some_and(|q| q & 0x80 != 0) {
            return self.amsdu(body);
        }
        if body.is_empty() || body.starts_with(&[0xff, 0xff]) {
            return;
        }
        self.llc(body);
    }
}
