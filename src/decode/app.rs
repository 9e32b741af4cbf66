//! Application protocols, by port (the lower port first, as Wireshark's UDP and TCP
//! dissectors try them) and by content where that is cheap: DNS (and mDNS, LLMNR), DHCP,
//! HTTP, TLS, QUIC, SSH, SMB, ONC-RPC and the rest of [`Proto`]'s application protocols; and
//! the UDP tunnels Teredo, VXLAN, Geneve, L2TP and GTP-U.

use super::bytes::{be16, be32, rest, starts_with_ci, u8_at};
use super::state::MAX_NAME_LEN;
use super::stream::{http_start, tls_record_start, FlowKey, Framing};
use super::{DnsInfo, Layer, Proto, TcpInfo, Walk};

/// Bytes of an HTTP request searched for the Host header.
const HTTP_HEADER_SCAN: usize = 4096;

/// A QUIC packet: a long header with a known version, or (on port 443) a short header.
fn looks_quic(p: &[u8], on_443: bool) -> bool {
    let Some(&b0) = p.first() else {
        return false;
    };
    if b0 & 0x80 != 0 {
        match be32(p, 1) {
            // Version negotiation, v1, v2, IETF drafts, Google QUIC.
            Some(0 | 1 | 0x6b33_43cf) => p.len() >= 7,
            Some(v) if v & 0xffff_ff00 == 0xff00_0000 => true,
            Some(v) if v >> 8 == 0x0051_3030 || v >> 8 == 0x0054_3035 => true,
            _ => false,
        }
    } else {
        on_443 && b0 & 0x40 != 0 && p.len() >= 9
    }
}

/// A QUIC long-header Initial packet (v1 and drafts: type 0; v2: type 1).
fn quic_initial(p: &[u8]) -> bool {
    let (Some(&b0), Some(version)) = (p.first(), be32(p, 1)) else {
        return false;
    };
    if b0 & 0x80 == 0 || version == 0 {
        return false;
    }
    let ty = (b0 >> 4) & 3;
    match version {
        1 => ty == 0,
        0x6b33_43cf => ty == 1,
        v if v & 0xffff_ff00 == 0xff00_0000 => ty == 0,
        _ => false,
    }
}

/// An ONC-RPC program Wireshark knows (portmap, NFS, mount, NLM, status, NIS ...).
fn known_rpc_program(prog: u32) -> bool {
    (100_000..=100_999).contains(&prog) || (150_000..=150_010).contains(&prog)
}

/// The framing of the protocol Wireshark registers on one of the ports (lower port first).
fn port_framing(sport: u16, dport: u16) -> Option<Framing> {
    let by = |port: u16| match port {
        53 => Some(Framing::Dns),
        139 => Some(Framing::Nbss),
        445 => Some(Framing::SmbDirect),
        80 | 1900 | 2710 | 2869 | 3128 | 3132 | 5985 | 8080 | 8088 | 11371 => Some(Framing::Http),
        // SOCKS: the tunnelled stream is followed as HTTP (shown when it is).
        1080 => Some(Framing::Http),
        389 | 3268 => Some(Framing::Ldap),
        88 => Some(Framing::Kerberos),
        443 | 465 | 563 | 636 | 853 | 989 | 990 | 992 | 993 | 994 | 995 | 5061 => {
            Some(Framing::Tls)
        }
        _ => None,
    };
    let (lo, hi) = if sport <= dport {
        (sport, dport)
    } else {
        (dport, sport)
    };
    by(lo).or_else(|| by(hi))
}

fn smb_magic(p: &[u8]) -> bool {
    matches!(p.get(..4), Some(b"\xffSMB" | b"\xfeSMB" | b"\xfdSMB"))
}

impl Walk<'_> {
    /// UDP payload: ports (lower first), then heuristics.
    pub(super) fn udp_app(&mut self, sport: u16, dport: u16, p: &[u8]) {
        let (lo, hi) = if sport <= dport {
            (sport, dport)
        } else {
            (dport, sport)
        };
        for port in [lo, hi] {
            if port != 0 && self.udp_port(port, sport, dport, p) {
                return;
            }
        }
        if self.rpc(p) {
            return;
        }
        if looks_quic(p, false) {
            self.quic(sport, dport, p);
        } else if p.starts_with(b"SIP/2.0 ") {
            self.app(Proto::Sip);
        }
    }

    fn udp_port(&mut self, port: u16, sport: u16, dport: u16, p: &[u8]) -> bool {
        match port {
            53 => self.dns(p, Proto::Dns),
            5353 => self.dns(p, Proto::Mdns),
            5355 => self.dns(p, Proto::Llmnr),
            67 | 68 => self.app(Proto::Dhcp),
            546 | 547 => self.app(Proto::Dhcpv6),
            123 => self.app(Proto::Ntp),
            137 => self.app(Proto::Netbios),
            138 => {
                self.app(Proto::Netbios);
                // Datagram header (14 bytes) and two encoded names (34 each), then SMB.
                if smb_magic(rest(p, 82)) {
                    self.app(Proto::Smb);
                }
            }
            161 | 162 => self.app(Proto::Snmp),
            514 => self.app(Proto::Syslog),
            1900 => self.app(Proto::Ssdp),
            3544 => self.teredo(p),
            4789 => self.vxlan(p),
            1701 => self.l2tp(p),
            2152 => self.gtp_u(p),
            6081 => self.geneve(p),
            5060 => self.app(Proto::Sip),
            88 => self.app(Proto::Kerberos),
            389 => self.app(Proto::Ldap),
            111 => return self.rpc(p),
            443 => {
                if !looks_quic(p, true) {
                    return false;
                }
                self.quic(sport, dport, p);
            }
            _ => return false,
        }
        true
    }

    /// QUIC. Wireshark decrypts Initial packets (their keys follow from the connection id)
    /// and shows the TLS handshake inside the first one of each direction; later Initials
    /// repeat or continue that CRYPTO data and show none.
    fn quic(&mut self, sport: u16, dport: u16, p: &[u8]) {
        self.app(Proto::Quic);
        let Some(pair) = self.rec.tunnel_ip.or(self.rec.ip) else {
            return;
        };
        if !self.live() || !quic_initial(p) {
            return;
        }
        let key = FlowKey {
            src: pair.src,
            dst: pair.dst,
            sport,
            dport,
        };
        if self.st.quic_initials.get(&key).is_none() {
            self.st.quic_initials.get_or_insert_with(key, || ());
            self.ins(Proto::Tls);
        }
    }

    /// TCP payload. Connections of the protocols Wireshark reassembles (DNS, TLS, NetBIOS
    /// session/SMB, HTTP) are followed PDU by PDU, by port or once their content is
    /// recognised; the rest goes by port (lower first), then by content.
    pub(super) fn tcp_app(
        &mut self,
        sport: u16,
        dport: u16,
        seq: u32,
        flags: u16,
        seg_len: u32,
        p: &[u8],
    ) {
        let pair = self.rec.tunnel_ip.or(self.rec.ip);
        let (true, Some(pair)) = (self.live(), pair) else {
            // Inside an ICMP quote (no state is touched) or without an IP pair.
            return self.tcp_stateless(sport, dport, seg_len, p);
        };
        let key = FlowKey {
            src: pair.src,
            dst: pair.dst,
            sport,
            dport,
        };
        let has_payload = seg_len > 0 && !p.is_empty();
        let framing = match port_framing(sport, dport).or_else(|| self.st.streams.framing(&key)) {
            Some(f) => f,
            None if !has_payload => return,
            // A protocol registered on one of the ports wins over content (an HTTP request
            // sent to an SSH server is SSH to Wireshark).
            None if self.tcp_port(sport.min(dport), p) || self.tcp_port(sport.max(dport), p) => {
                return;
            }
            None if http_start(p) => Framing::Http,
            None if tls_record_start(p) => Framing::Tls,
            None => return self.tcp_heuristics(p),
        };
        if has_payload && (sport == 1080 || dport == 1080) {
            self.app(Proto::Socks);
        }
        let syn = flags & TcpInfo::SYN != 0;
        let fin = flags & TcpInfo::FIN != 0;
        let progress = self
            .st
            .streams
            .segment(key, framing, seq, syn, fin, seg_len, p);
        if !progress.shown(framing) {
            return;
        }
        let done = std::mem::take(&mut self.st.streams.done);
        match framing {
            Framing::Dns => {
                self.app(Proto::Dns);
                if progress.completed > 0 {
                    self.dns_fields(rest(&done, 2), Proto::Dns);
                }
            }
            Framing::Tls => {
                self.app(Proto::Tls);
                if let Some(sni) = client_hello_sni(&done).filter(|s| !s.is_empty()) {
                    self.intern_bytes(sni);
                }
            }
            Framing::Nbss | Framing::SmbDirect => {
                self.app(Proto::Netbios);
                if progress.completed > 0 && smb_magic(rest(&done, 4)) {
                    self.app(Proto::Smb);
                }
            }
            Framing::Ldap => self.app(Proto::Ldap),
            Framing::Kerberos => self.app(Proto::Kerberos),
            Framing::Http => {
                self.app(Proto::Http);
                let host = std::mem::take(&mut self.st.streams.host);
                if !host.is_empty() {
                    self.intern_bytes(&host);
                }
                self.st.streams.host = host;
            }
        }
        self.st.streams.done = done;
    }

    /// TCP payload without stream state: by port, then by content.
    fn tcp_stateless(&mut self, sport: u16, dport: u16, seg_len: u32, p: &[u8]) {
        if seg_len == 0 || p.is_empty() {
            return;
        }
        let (lo, hi) = if sport <= dport {
            (sport, dport)
        } else {
            (dport, sport)
        };
        if self.tcp_port(lo, p) || self.tcp_port(hi, p) {
            return;
        }
        self.tcp_heuristics(p);
    }

    /// TCP payload recognised by content alone.
    fn tcp_heuristics(&mut self, p: &[u8]) {
        if http_start(p) {
            self.http(p);
        } else if tls_record_start(p) {
            self.tls(p);
        } else if p.starts_with(b"SSH-") {
            self.app(Proto::Ssh);
        } else if p.first() == Some(&0) && smb_magic(rest(p, 4)) {
            self.nbss(p);
        } else if p.starts_with(b"SIP/2.0 ") {
            self.app(Proto::Sip);
        } else if p.first().is_some_and(|b| b & 0x80 != 0) {
            // ONC-RPC record marking: a 4-byte fragment header.
            self.rpc(rest(p, 4));
        }
    }

    fn tcp_port(&mut self, port: u16, p: &[u8]) -> bool {
        match port {
            53 => self.app(Proto::Dns),
            22 => self.app(Proto::Ssh),
            21 => self.app(Proto::Ftp),
            23 => self.app(Proto::Telnet),
            25 | 587 => self.app(Proto::Smtp),
            110 => self.app(Proto::Pop3),
            143 => self.app(Proto::Imap),
            389 | 3268 => self.app(Proto::Ldap),
            88 => self.app(Proto::Kerberos),
            3389 => self.app(Proto::Rdp),
            5060 => self.app(Proto::Sip),
            139 | 445 => self.nbss(p),
            1080 => {
                self.app(Proto::Socks);
                if http_start(p) {
                    self.http(p);
                }
            }
            111 | 2049 => {
                // Record marking: a 4-byte fragment header before each RPC message.
                return self.rpc(rest(p, 4));
            }
            _ => return false,
        }
        true
    }

    /// NetBIOS session service, carrying SMB / SMB2 when the magic says so.
    fn nbss(&mut self, p: &[u8]) {
        self.app(Proto::Netbios);
        if p.first() == Some(&0) && smb_magic(rest(p, 4)) {
            self.app(Proto::Smb);
        }
    }

    /// A DNS-format message (DNS, mDNS, LLMNR) on UDP.
    fn dns(&mut self, p: &[u8], kind: Proto) {
        self.app(kind);
        self.dns_fields(p, kind);
    }

    fn dns_fields(&mut self, p: &[u8], kind: Proto) {
        if !self.live() {
            return;
        }
        let (Some(id), Some(flags), Some(qd), Some(an)) =
            (be16(p, 0), be16(p, 2), be16(p, 4), be16(p, 6))
        else {
            return self.damaged(Layer::Application);
        };
        if p.len() < 12 {
            return self.damaged(Layer::Application);
        }
        let mut qtype = 0;
        if qd > 0 {
            if let Some(end) = self.dns_name(p, 12) {
                qtype = be16(p, end).unwrap_or(0);
                self.intern_scratch();
            }
        }
        if kind == Proto::Dns {
            self.rec.dns = Some(DnsInfo {
                id,
                response: flags & 0x8000 != 0,
                rcode: (flags & 0xf) as u8,
                qtype,
                answers: an,
            });
        }
    }

    /// Reads a (possibly compressed) domain name at `off` into the scratch buffer; returns
    /// the offset just after the name as it appears at `off`.
    fn dns_name(&mut self, p: &[u8], mut off: usize) -> Option<usize> {
        let s = &mut self.st.scratch;
        s.clear();
        let mut end = None;
        for _ in 0..128 {
            let len = *p.get(off)?;
            match len & 0xc0 {
                0 if len == 0 => return end.or(Some(off + 1)),
                0 => {
                    let label = p.get(off + 1..off + 1 + usize::from(len))?;
                    if s.len() + label.len() + 1 > MAX_NAME_LEN {
                        return None;
                    }
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.extend(label.iter().map(|&b| {
                        if b.is_ascii_graphic() {
                            char::from(b.to_ascii_lowercase())
                        } else {
                            '?'
                        }
                    }));
                    off += 1 + usize::from(len);
                }
                0xc0 => {
                    let ptr = usize::from(be16(p, off)? & 0x3fff);
                    end.get_or_insert(off + 2);
                    off = ptr;
                }
                _ => return None,
            }
        }
        None
    }

    /// Puts the scratch buffer into the name side table and the record.
    fn intern_scratch(&mut self) {
        let st = &mut *self.st;
        if st.scratch.is_empty() {
            return;
        }
        let id = st.names.intern(&st.scratch);
        self.rec.name = id;
    }

    /// Copies printable ASCII of `b` into the scratch buffer and interns it.
    fn intern_bytes(&mut self, b: &[u8]) {
        let b = b.get(..MAX_NAME_LEN).unwrap_or(b);
        let s = &mut self.st.scratch;
        s.clear();
        s.extend(b.iter().map(|&c| {
            if c.is_ascii_graphic() {
                char::from(c.to_ascii_lowercase())
            } else {
                '?'
            }
        }));
        self.intern_scratch();
    }

    /// HTTP: the Host header of a request goes into the name table.
    fn http(&mut self, p: &[u8]) {
        self.app(Proto::Http);
        if !self.live() || p.starts_with(b"HTTP/") {
            return;
        }
        let head = p.get(..HTTP_HEADER_SCAN).unwrap_or(p);
        let mut lines = head.split(|&b| b == b'\n').skip(1);
        let host = lines.find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                return Some(None);
            }
            starts_with_ci(line, b"host:").then(|| Some(rest(line, 5)))
        });
        if let Some(Some(v)) = host {
            let v = v.trim_ascii();
            if !v.is_empty() {
                self.intern_bytes(v);
            }
        }
    }

    /// TLS: a ClientHello's server name (SNI) goes into the name table.
    fn tls(&mut self, p: &[u8]) {
        self.app(Proto::Tls);
        if !self.live() {
            return;
        }
        if let Some(sni) = client_hello_sni(p) {
            if !sni.is_empty() {
                self.intern_bytes(sni);
            }
        }
    }

    /// ONC-RPC by content: a call to a known program, or the reply to a call seen.
    fn rpc(&mut self, p: &[u8]) -> bool {
        let (Some(xid), Some(kind), Some(w2)) = (be32(p, 0), be32(p, 4), be32(p, 8)) else {
            return false;
        };
        match kind {
            0 if w2 == 2 && be32(p, 12).is_some_and(known_rpc_program) => {
                if self.live() {
                    self.st.rpc.call(xid);
                }
            }
            1 if w2 <= 1 && self.st.rpc.contains(xid) => {}
            _ => return false,
        }
        self.app(Proto::Rpc);
        true
    }

    /// Teredo (UDP 3544): optional authentication and origin indication, then IPv6.
    fn teredo(&mut self, p: &[u8]) {
        self.ins(Proto::Teredo);
        let mut off = 0usize;
        if be16(p, 0) == Some(1) {
            let (Some(id_len), Some(auth_len)) = (u8_at(p, 2), u8_at(p, 3)) else {
                return self.damaged(Layer::Application);
            };
            // Header, client id, authentication value, nonce (8), confirmation (1).
            off = 4 + usize::from(id_len) + usize::from(auth_len) + 9;
        }
        if be16(p, off) == Some(0) {
            off += 8; // origin indication
        }
        if self.enter() {
            self.ipv6(rest(p, off));
            self.leave();
        }
    }

    /// L2TP version 2 (UDP 1701): data messages carry PPP (in HDLC-like framing).
    fn l2tp(&mut self, p: &[u8]) {
        self.ins(Proto::L2tp);
        let Some(flags) = be16(p, 0) else {
            return self.damaged(Layer::Application);
        };
        if flags & 0x000f != 2 || flags & 0x8000 != 0 {
            // Not version 2, or a control message.
            return;
        }
        let mut off = 2;
        if flags & 0x4000 != 0 {
            off += 2; // length
        }
        off += 4; // tunnel and session ids
        if flags & 0x0800 != 0 {
            off += 4; // Ns, Nr
        }
        if flags & 0x0200 != 0 {
            match be16(p, off) {
                Some(pad) => off += 2 + usize::from(pad),
                None => return self.damaged(Layer::Application),
            }
        }
        if p.len() < off {
            return self.damaged(Layer::Application);
        }
        if self.enter() {
            self.ppp_hdlc(rest(p, off));
            self.leave();
        }
    }

    /// GTP version 1 user plane (UDP 2152): G-PDUs carry IP.
    fn gtp_u(&mut self, p: &[u8]) {
        self.ins(Proto::Gtp);
        let (Some(flags), Some(ty)) = (u8_at(p, 0), u8_at(p, 1)) else {
            return self.damaged(Layer::Application);
        };
        if flags >> 5 != 1 || ty != 255 {
            return;
        }
        let mut off = 8;
        if flags & 0x07 != 0 {
            // Sequence number, N-PDU number, next extension header type.
            off += 4;
            if flags & 0x04 != 0 {
                // Extension headers: a length in 4-byte units, then the next type.
                let mut next = u8_at(p, off - 1).unwrap_or(0);
                while next != 0 {
                    let Some(units) = u8_at(p, off).filter(|&u| u > 0) else {
                        return self.damaged(Layer::Application);
                    };
                    off += usize::from(units) * 4;
                    next = u8_at(p, off - 1).unwrap_or(0);
                }
            }
        }
        let inner = rest(p, off);
        if self.enter() {
            match inner.first().map(|b| b >> 4) {
                Some(4) => self.ipv4(inner),
                Some(6) => self.ipv6(inner),
                _ => {}
            }
            self.leave();
        }
    }

    /// Geneve (UDP 6081): options, then the protocol by ethertype (usually Ethernet).
    fn geneve(&mut self, p: &[u8]) {
        self.ins(Proto::Geneve);
        let (Some(b0), Some(proto)) = (u8_at(p, 0), be16(p, 2)) else {
            return self.damaged(Layer::Application);
        };
        let hl = 8 + usize::from(b0 & 0x3f) * 4;
        if p.len() < hl {
            return self.damaged(Layer::Application);
        }
        self.ethertype(proto, rest(p, hl));
    }

    /// VXLAN (UDP 4789): an 8-byte header, then Ethernet.
    fn vxlan(&mut self, p: &[u8]) {
        self.ins(Proto::Vxlan);
        if p.len() < 8 {
            return self.damaged(Layer::Application);
        }
        self.ethernet(rest(p, 8));
    }
}

/// The server name of a TLS ClientHello that starts in `p`.
fn client_hello_sni(p: &[u8]) -> Option<&[u8]> {
    if u8_at(p, 0)? != 22 || u8_at(p, 5)? != 1 {
        return None;
    }
    let hs = rest(p, 5);
    // Handshake header (4), client version (2), random (32).
    let mut o = 4 + 2 + 32;
    o += 1 + usize::from(u8_at(hs, o)?);
    o += 2 + usize::from(be16(hs, o)?);
    o += 1 + usize::from(u8_at(hs, o)?);
    let ext_end = o + 2 + usize::from(be16(hs, o)?);
    o += 2;
    while o + 4 <= ext_end {
        let (ty, len) = (be16(hs, o)?, usize::from(be16(hs, o + 2)?));
        o += 4;
        if ty == 0 {
            // server_name_list: length (2), then entries of type (1), length (2), name.
            if u8_at(hs, o + 2)? != 0 {
                return None;
            }
            let n = usize::from(be16(hs, o + 3)?);
            return hs.get(o + 5..o + 5 + n);
        }
        o += len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_checks() {
        assert!(http_start(b"GET / HTTP/1.1\r\n"));
        assert!(http_start(b"HTTP/1.0 200 OK\r\n"));
        assert!(!http_start(b"GETX"));
        assert!(tls_record_start(&[22, 3, 1, 0, 5]));
        assert!(!tls_record_start(&[22, 3, 1, 0, 0]));
        assert!(!tls_record_start(&[25, 3, 1, 0, 5]));
        assert!(looks_quic(&[0xc0, 0, 0, 0, 1, 8, 0], false));
        assert!(!looks_quic(&[0x40, 1, 2, 3, 4, 5, 6, 7, 8], false));
        assert!(looks_quic(&[0x40, 1, 2, 3, 4, 5, 6, 7, 8], true));
        assert!(smb_magic(b"\xfeSMB...."));
    }
}
