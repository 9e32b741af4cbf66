//! Transport layer: TCP and UDP headers, handing the payload to the application layer.

use super::bytes::{be16, be32, prefix, rest, u8_at};
use super::{Layer, Proto, TcpInfo, Walk};
use etherparse::{TcpHeaderSlice, UdpHeaderSlice};

impl Walk<'_> {
    /// TCP. `seg_total` is the segment's length (header + payload) from the IP header.
    pub(super) fn tcp(&mut self, d: &[u8], seg_total: u32) {
        self.ins(Proto::Tcp);
        let (Some(sport), Some(dport)) = (be16(d, 0), be16(d, 2)) else {
            return self.damaged(Layer::Transport);
        };
        if self.live() {
            self.rec.src_port = sport;
            self.rec.dst_port = dport;
        }
        let h = match TcpHeaderSlice::from_slice(d) {
            Ok(h) => h,
            Err(_) => {
                // Options cut short: the fixed fields are still good when the data offset is.
                if let (Some(seq), Some(ack), Some(off), Some(fl), Some(win)) = (
                    be32(d, 4),
                    be32(d, 8),
                    u8_at(d, 12),
                    u8_at(d, 13),
                    be16(d, 14),
                ) {
                    let hl = u32::from(off >> 4) * 4;
                    if hl >= 20 && self.live() {
                        self.rec.tcp = Some(TcpInfo {
                            flags: (u16::from(off & 1) << 8) | u16::from(fl),
                            seq,
                            ack,
                            window: win,
                            payload_len: seg_total.saturating_sub(hl),
                            wscale: wscale_option(prefix(rest(d, 20), hl as usize - 20)),
                        });
                    }
                }
                return self.damaged(Layer::Transport);
            }
        };
        let hl = h.slice().len();
        let payload_len = seg_total.saturating_sub(hl as u32);
        let flags = (u16::from(h.ns()) << 8) | u16::from(u8_at(d, 13).unwrap_or(0));
        let seq = h.sequence_number();
        if self.live() {
            self.rec.tcp = Some(TcpInfo {
                flags,
                seq,
                ack: h.acknowledgment_number(),
                window: h.window_size(),
                payload_len,
                wscale: wscale_option(h.options()),
            });
        }
        let payload = prefix(rest(d, hl), payload_len as usize);
        self.tcp_app(sport, dport, seq, flags, payload_len, payload);
    }

    /// UDP. `reported` is the IP payload length (used for jumbograms, length 0).
    pub(super) fn udp(&mut self, d: &[u8], reported: u32) {
        self.ins(Proto::Udp);
        let h = match UdpHeaderSlice::from_slice(d) {
            Ok(h) => h,
            Err(_) => {
                if let (Some(s), Some(t)) = (be16(d, 0), be16(d, 2)) {
                    if self.live() {
                        self.rec.src_port = s;
                        self.rec.dst_port = t;
                    }
                }
                return self.damaged(Layer::Transport);
            }
        };
        let (sport, dport) = (h.source_port(), h.destination_port());
        if self.live() {
            self.rec.src_port = sport;
            self.rec.dst_port = dport;
        }
        let ulen = match u32::from(h.length()) {
            0 => reported,
            l => l,
        };
        if ulen < 8 {
            return self.damaged(Layer::Transport);
        }
        let payload = prefix(rest(d, 8), (ulen - 8) as usize);
        // No payload, no application protocol (as in Wireshark, also for a quoted datagram
        // whose payload was not quoted).
        if payload.is_empty() {
            return;
        }
        self.udp_app(sport, dport, payload);
    }
}

/// The shift count of the last well-formed window scale option (kind 3, length 3) among TCP
/// options, read as Wireshark reads them: End of Option List ends the list (what follows is
/// padding), a length below 2 or past the end stops it, and a window scale option of another
/// length is not used.
fn wscale_option(opts: &[u8]) -> Option<u8> {
    let mut found = None;
    let mut i = 0usize;
    while let Some(&kind) = opts.get(i) {
        match kind {
            0 => break,
            1 => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let Some(&len) = opts.get(i + 1) else { break };
        let len = usize::from(len);
        if len < 2 || i + len > opts.len() {
            break;
        }
        if kind == 3 && len == 3 {
            found = opts.get(i + 2).copied();
        }
        i += len;
    }
    found
}
