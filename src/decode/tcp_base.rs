//! Per-connection TCP numbering context, gathered in the one streaming pass, so that a single
//! packet re-read later (in any order) can be shown as Wireshark shows it by default: relative
//! sequence and acknowledgement numbers (`Seq=1 Ack=1`) and the window scaled by the factor
//! the handshake agreed (`Win=5888`).
//!
//! [`TcpBases::push`] takes every frame's [`PacketRecord`] in capture order and follows
//! Wireshark's TCP analysis (tshark 4.0, `packet-tcp.c`, with its default preferences
//! `tcp.analyze_sequence_numbers` and `tcp.relative_sequence_numbers` on):
//!
//! - A connection is the pair of endpoints (innermost IP addresses and TCP ports), both
//!   directions together, as Wireshark's conversations are (no VLAN, no interface).
//! - Each direction's base is the sequence number of its SYN, or one less than the first
//!   sequence number seen in that direction, so that relative numbers start at 1 when the
//!   handshake was not captured. The other direction's base, while unknown, is taken from the
//!   first acknowledgement number seen (minus one).
//! - Port reuse: a SYN (without ACK) whose sequence number is not its direction's base starts a
//!   new generation of the connection ("TCP Port numbers reused", a new `tcp.stream`), with
//!   bases and window scaling learnt afresh. A SYN/ACK whose sequence number is not its
//!   direction's base replaces that base (Wireshark's handling of issue 16944).
//! - Window scaling: a window scale option (on any segment, its shift capped at 14) sets its
//!   direction's shift. A SYN or SYN/ACK without one means no scaling for both directions
//!   (factor -2), and a SYN/ACK answering a SYN that had none does not scale either. Until
//!   then a direction's factor is unknown (-1) and its windows are shown as sent. SYN segments
//!   are never scaled.
//!
//! What a frame shows depends on the state when Wireshark reached it; states change only at a
//! few frames per connection. Each connection keeps a short chain of versions, each valid from
//! a frame number on; a change that would alter what an earlier frame of the same version
//! showed starts a new version, any other change is made in place. So [`TcpBases::lookup`]
//! answers for any frame, in any order, exactly as the pass saw it.
//!
//! Memory: one version is 20 bytes and each connection adds one hash-map entry (44 bytes and a
//! control byte, the map at most 7/8 full): 70 to 145 bytes a connection with the spare
//! capacity of the map and the vector. At most [`TCP_BASES_MAX`] versions are kept.
//! When the table is full, new connections are not tracked (their frames keep the raw
//! numbers, as a one-packet view shows them), connections already tracked keep being followed,
//! and one that would need another version is marked untracked from that frame on (at most one
//! such marker per connection). Nothing is evicted: evicting a connection would make its later
//! frames restart from wrong bases, and it would lose the answer for its earlier frames.
//!
//! Frames must be pushed in increasing frame-number order; frame numbers above `u32::MAX - 1`
//! are not tracked. Records carry no TCP header quoted inside an ICMP error, and IP fragments
//! reach TCP only on the frame that completes the datagram, as with Wireshark's default IP
//! reassembly.

use super::record::{PacketRecord, TcpInfo};
use crate::hashing::{flow_map, FlowMap};
use std::net::IpAddr;

/// The most connection versions tracked (a version per connection, plus one per port reuse or
/// late change of window scaling): 131,072, 14 MiB when full of connections (16 MiB with
/// their end markers). Captures with more TCP connections than that are mostly scans, whose
/// later connections then keep their raw numbers; a page holding a capture that large
/// already spends more than that on its packet index.
pub const TCP_BASES_MAX: usize = 1 << 17;

/// No version (end of a chain).
const NONE: u32 = u32::MAX;

/// Flag bits of a [`Version`], per direction `[0, 1]`.
const BASE_SET: [u8; 2] = [0x01, 0x02];
/// A frame of the direction was shown with this version (it used the version's bases).
const SEEN: [u8; 2] = [0x04, 0x08];
/// A frame of the direction that is not a SYN was shown (it used the direction's window scale).
const SEEN_WIN: [u8; 2] = [0x10, 0x20];
/// The connection is not tracked from this version's first frame on.
const END: u8 = 0x40;

/// Window scale shift not known yet (Wireshark's -1).
const SCALE_UNKNOWN: i8 = -1;
/// No window scaling in this connection (Wireshark's -2).
const SCALE_NONE: i8 = -2;

/// The numbering state of one connection from frame `start` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    /// First frame number this version answers for.
    start: u32,
    /// The version before it, [`NONE`] for the first one.
    prev: u32,
    /// Base sequence number of each direction.
    base: [u32; 2],
    /// Window scale shift of each direction: 0..=14, [`SCALE_UNKNOWN`] or [`SCALE_NONE`].
    scale: [i8; 2],
    /// [`BASE_SET`], [`SEEN`], [`SEEN_WIN`], [`END`].
    flags: u8,
}

impl Version {
    fn fresh(start: u32, prev: u32) -> Self {
        Version {
            start,
            prev,
            base: [0; 2],
            scale: [SCALE_UNKNOWN; 2],
            flags: 0,
        }
    }
}

/// A connection, its endpoints in a fixed order so that both directions find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ConnKey {
    a: IpAddr,
    b: IpAddr,
    port_a: u16,
    port_b: u16,
}

/// The connection of a segment and the segment's direction in it (0 or 1). Both directions of
/// a connection from an endpoint to itself are direction 0, as in Wireshark.
fn conn_key(src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> (ConnKey, usize) {
    if (src, sport) <= (dst, dport) {
        let k = ConnKey {
            a: src,
            b: dst,
            port_a: sport,
            port_b: dport,
        };
        (k, 0)
    } else {
        let k = ConnKey {
            a: dst,
            b: src,
            port_a: dport,
            port_b: sport,
        };
        (k, 1)
    }
}

/// Wireshark's window size scaling factor for a direction (`tcp.window_size_scalefactor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowScale {
    /// Not known (yet): the handshake was not seen. Wireshark shows `-1 (unknown)` and the
    /// window as sent.
    Unknown,
    /// The handshake agreed on no scaling: `-2 (no window scaling used)`.
    NotUsed,
    /// Windows are shifted left by this count (0..=14): factor `1 << shift`.
    Shift(u8),
}

impl WindowScale {
    fn from_raw(v: i8) -> Self {
        match u8::try_from(v) {
            Ok(s) => WindowScale::Shift(s.min(14)),
            Err(_) if v == SCALE_NONE => WindowScale::NotUsed,
            Err(_) => WindowScale::Unknown,
        }
    }

    /// The factor as Wireshark's field holds it: `1 << shift`, -1 or -2.
    pub fn factor(self) -> i32 {
        match self {
            WindowScale::Unknown => -1,
            WindowScale::NotUsed => -2,
            WindowScale::Shift(s) => 1i32 << s.min(14),
        }
    }

    /// The window a segment advertises, its header field scaled (`tcp.window_size`); SYN
    /// segments are never scaled.
    pub fn apply(self, window: u16, syn: bool) -> u32 {
        match self {
            WindowScale::Shift(s) if !syn => u32::from(window) << s.min(14),
            _ => u32::from(window),
        }
    }
}

/// What Wireshark knew about a frame's connection when it showed the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpFrameBase {
    /// Base of the frame's own direction: relative `tcp.seq` is the raw one minus this.
    pub seq_base: u32,
    /// Base of the other direction (relative `tcp.ack` and SACK edges are the raw ones minus
    /// this); `None` while unknown (only for a frame without the ACK flag).
    pub ack_base: Option<u32>,
    /// Window scaling of the frame's own direction.
    pub window: WindowScale,
}

/// The per-connection TCP numbering table (see the module documentation): fed with every
/// frame's record in order, then asked about any frame.
#[derive(Debug, Clone)]
pub struct TcpBases {
    /// Each connection's latest version.
    conns: FlowMap<ConnKey, u32>,
    versions: Vec<Version>,
    /// Versions counted against `cap` (all but end markers).
    counted: usize,
    cap: usize,
}

impl Default for TcpBases {
    fn default() -> Self {
        Self::new()
    }
}

impl TcpBases {
    /// An empty table holding at most [`TCP_BASES_MAX`] versions.
    pub fn new() -> Self {
        Self::with_cap(TCP_BASES_MAX)
    }

    /// An empty table holding at most `cap` versions (plus one end marker per connection once
    /// full); for tests of the full table.
    pub fn with_cap(cap: usize) -> Self {
        TcpBases {
            conns: flow_map(),
            versions: Vec::new(),
            counted: 0,
            // Versions and end markers stay below `NONE`, so their indices fit in a `u32`.
            cap: cap.min((NONE / 2) as usize),
        }
    }

    /// Versions held, end markers included.
    pub fn len(&self) -> usize {
        self.versions.len()
    }

    /// Whether no TCP segment was tracked.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Connections tracked (each counted once however many times its ports were reused).
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// Whether the table is full: new connections are no longer tracked.
    pub fn is_full(&self) -> bool {
        self.counted >= self.cap
    }

    /// Bytes of heap the table holds: versions, and the map's buckets (an entry and a control
    /// byte each; the map keeps at least one bucket in eight free).
    pub fn heap_bytes(&self) -> usize {
        let cap = self.conns.capacity();
        let buckets = match cap {
            0 => 0,
            1..=7 => cap + 1,
            _ => (cap / 7 * 8).next_power_of_two(),
        };
        self.versions.capacity() * std::mem::size_of::<Version>()
            + buckets * (std::mem::size_of::<(ConnKey, u32)>() + 1)
    }

    /// Takes the next frame in capture order (`number` from 1); frames without TCP are
    /// ignored.
    pub fn push(&mut self, number: u64, rec: &PacketRecord) {
        let (Some(t), Some(ip)) = (rec.tcp, rec.inner_ip()) else {
            return;
        };
        // A version made after a frame starts at the next frame, which must fit too.
        let Some(n) = u32::try_from(number).ok().filter(|n| *n < NONE - 1) else {
            return;
        };
        let (key, d) = conn_key(ip.src, rec.src_port, ip.dst, rec.dst_port);
        let o = 1 - d;
        let syn = t.flags & TcpInfo::SYN != 0;
        let ack = t.flags & TcpInfo::ACK != 0;
        let mut i = match self.conns.get(&key) {
            Some(&i) => i,
            None => {
                if self.is_full() {
                    return;
                }
                let i = self.versions.len() as u32;
                self.versions.push(Version::fresh(n, NONE));
                self.counted += 1;
                self.conns.insert(key, i);
                i
            }
        };
        let Some(v) = self.get(i) else { return };
        if v.flags & END != 0 {
            return;
        }
        // Port reuse: a SYN that does not repeat its direction's base opens a new connection.
        if syn && !ack && v.flags & BASE_SET[d] != 0 && t.seq != v.base[d] {
            let Some(j) = self.add(key, Version::fresh(n, i)) else {
                return;
            };
            i = j;
        }
        // A SYN/ACK that does not repeat its direction's base replaces it.
        if let Some(v) = self.get(i) {
            if syn && ack && v.flags & BASE_SET[d] != 0 && t.seq != v.base[d] {
                let seen = v.flags & (SEEN[0] | SEEN[1]) != 0;
                let Some(j) = self.edit(key, i, n, seen) else {
                    return;
                };
                i = j;
                if let Some(v) = self.get_mut(i) {
                    v.base[d] = t.seq;
                }
            }
        }
        // The sequence analysis: bases learnt from the first segment of each direction.
        if let Some(v) = self.get_mut(i) {
            if v.flags & BASE_SET[d] == 0 {
                v.base[d] = if syn { t.seq } else { t.seq.wrapping_sub(1) };
                v.flags |= BASE_SET[d];
            }
            if ack && v.flags & BASE_SET[o] == 0 {
                v.base[o] = t.ack.wrapping_sub(1);
                v.flags |= BASE_SET[o];
            }
            // The frame is shown now; later changes must not alter what it used.
            v.flags |= SEEN[d];
            if !syn {
                v.flags |= SEEN_WIN[d];
            }
        }
        // Options come after: the window scale option, then the check of a SYN's scaling.
        if let Some(shift) = t.wscale {
            let shift = shift.min(14) as i8;
            let Some(j) = self.set_scale(key, i, n, d, shift) else {
                return;
            };
            i = j;
        }
        if syn {
            let Some(v) = self.get(i) else { return };
            if v.scale[d] == SCALE_UNKNOWN {
                let Some(j) = self.set_scale(key, i, n, d, SCALE_NONE) else {
                    return;
                };
                let _ = self.set_scale(key, j, n, o, SCALE_NONE);
            } else if ack && v.scale[o] == SCALE_NONE {
                let _ = self.set_scale(key, i, n, d, SCALE_NONE);
            }
        }
    }

    /// What Wireshark knew when showing frame `number`, a TCP segment from `src`:`sport` to
    /// `dst`:`dport`; `None` when the frame's connection is not tracked (or the frame was not
    /// pushed as TCP).
    pub fn lookup(
        &self,
        number: u64,
        src: IpAddr,
        sport: u16,
        dst: IpAddr,
        dport: u16,
    ) -> Option<TcpFrameBase> {
        let n = u32::try_from(number).ok()?;
        let (key, d) = conn_key(src, sport, dst, dport);
        let o = 1 - d;
        let mut i = *self.conns.get(&key)?;
        // Versions are appended, so each chain link points backwards and the walk ends.
        let v = loop {
            let v = self.get(i)?;
            if v.start <= n {
                break v;
            }
            if v.prev >= i {
                return None;
            }
            i = v.prev;
        };
        if v.flags & END != 0 || v.flags & BASE_SET[d] == 0 {
            return None;
        }
        Some(TcpFrameBase {
            seq_base: v.base[d],
            ack_base: (v.flags & BASE_SET[o] != 0).then_some(v.base[o]),
            window: WindowScale::from_raw(v.scale[d]),
        })
    }

    fn get(&self, i: u32) -> Option<Version> {
        self.versions.get(i as usize).copied()
    }

    fn get_mut(&mut self, i: u32) -> Option<&mut Version> {
        self.versions.get_mut(i as usize)
    }

    /// Appends `v` as the connection's latest version; when full, an end marker instead (and
    /// `None`).
    fn add(&mut self, key: ConnKey, v: Version) -> Option<u32> {
        let i = self.versions.len() as u32;
        if self.is_full() {
            self.versions.push(Version {
                flags: END,
                ..Version::fresh(v.start, v.prev)
            });
            self.conns.insert(key, i);
            return None;
        }
        self.versions.push(v);
        self.counted += 1;
        self.conns.insert(key, i);
        Some(i)
    }

    /// The version to change for frames from `start` on: `i` itself when no frame shown with
    /// it used what changes (`used` false), else a copy of it starting at `start`.
    fn edit(&mut self, key: ConnKey, i: u32, start: u32, used: bool) -> Option<u32> {
        let v = self.get(i)?;
        if !used || v.start >= start {
            return Some(i);
        }
        self.add(
            key,
            Version {
                start,
                prev: i,
                flags: v.flags & (BASE_SET[0] | BASE_SET[1]),
                ..v
            },
        )
    }

    /// Sets direction `dir`'s window scale after frame `n` was shown.
    fn set_scale(&mut self, key: ConnKey, i: u32, n: u32, dir: usize, shift: i8) -> Option<u32> {
        let v = self.get(i)?;
        if v.scale[dir] == shift {
            return Some(i);
        }
        let j = self.edit(key, i, n + 1, v.flags & SEEN_WIN[dir] != 0)?;
        if let Some(v) = self.get_mut(j) {
            v.scale[dir] = shift;
        }
        Some(j)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decode::IpPair;

    const C: [u8; 4] = [10, 0, 0, 1];
    const S: [u8; 4] = [10, 0, 0, 2];
    const SYN: u16 = TcpInfo::SYN;
    const ACK: u16 = TcpInfo::ACK;
    const SA: u16 = TcpInfo::SYN | TcpInfo::ACK;

    /// A segment from `src` to the other of C and S, `ports` (source, destination).
    fn seg(
        src: [u8; 4],
        ports: (u16, u16),
        flags: u16,
        seq: u32,
        ack: u32,
        window: u16,
        wscale: Option<u8>,
    ) -> PacketRecord {
        let dst = if src == C { S } else { C };
        PacketRecord {
            ip: Some(IpPair {
                src: IpAddr::from(src),
                dst: IpAddr::from(dst),
            }),
            ip_proto: 6,
            src_port: ports.0,
            dst_port: ports.1,
            tcp: Some(TcpInfo {
                flags,
                seq,
                ack,
                window,
                payload_len: 0,
                wscale,
            }),
            ..PacketRecord::default()
        }
    }

    /// Relative seq, relative ack (raw without ACK), calculated window and scale factor of each
    /// frame, as the table answers after the whole pass.
    fn shown(t: &TcpBases, frames: &[PacketRecord]) -> Vec<(u32, u32, u32, i32)> {
        frames
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let ip = r.ip.unwrap();
                let tcp = r.tcp.unwrap();
                let b = t
                    .lookup(k as u64 + 1, ip.src, r.src_port, ip.dst, r.dst_port)
                    .unwrap();
                let syn = tcp.flags & SYN != 0;
                let ack = if tcp.flags & ACK != 0 {
                    tcp.ack.wrapping_sub(b.ack_base.unwrap())
                } else {
                    tcp.ack
                };
                (
                    tcp.seq.wrapping_sub(b.seq_base),
                    ack,
                    b.window.apply(tcp.window, syn),
                    if syn { 0 } else { b.window.factor() },
                )
            })
            .collect()
    }

    fn table(frames: &[PacketRecord]) -> TcpBases {
        let mut t = TcpBases::new();
        for (k, r) in frames.iter().enumerate() {
            t.push(k as u64 + 1, r);
        }
        t
    }

    #[test]
    fn handshake_gives_relative_numbers_and_scaled_windows() {
        // tshark 4.0 on cs__http_espn.pcapng frames 3-5: Win=5888 (92 × 64) after WS=64 / WS=1.
        let f = [
            seg(C, (52166, 80), SYN, 168077069, 0, 5840, Some(6)),
            seg(S, (80, 52166), SA, 3274825746, 168077070, 4140, Some(0)),
            seg(C, (52166, 80), ACK, 168077070, 3274825747, 92, None),
            seg(S, (80, 52166), ACK, 3274825747, 168077449, 4519, None),
        ];
        let t = table(&f);
        assert_eq!(
            shown(&t, &f),
            [
                (0, 0, 5840, 0),
                (0, 1, 4140, 0),
                (1, 1, 5888, 64),
                (1, 380, 4519, 1)
            ]
        );
        assert_eq!((t.len(), t.connections()), (1, 1));
    }

    #[test]
    fn mid_stream_starts_at_one_and_learns_the_other_base_from_the_ack() {
        // The RST of frame 2 comes from a direction whose base was set by frame 1's ack.
        let f = [
            seg(C, (2000, 80), ACK, 1000, 7000, 100, None),
            seg(S, (80, 2000), ACK, 7000, 1004, 200, None),
            seg(C, (2006, 80), TcpInfo::RST, 555, 0, 0, None),
            seg(S, (80, 2006), TcpInfo::RST | ACK, 0, 556, 0, None),
        ];
        let t = table(&f);
        assert_eq!(
            shown(&t, &f),
            [
                (1, 1, 100, -1),
                (1, 5, 200, -1),
                (1, 0, 0, -1),
                (1, 2, 0, -1)
            ]
        );
    }

    #[test]
    fn scaling_needs_both_options() {
        // As tshark 4.0 shows them: SYN without WS, then SYN/ACK with WS=32: no scaling.
        let f = [
            seg(C, (1000, 80), SYN, 7777, 0, 500, None),
            seg(S, (80, 1000), SA, 1234, 7778, 600, Some(5)),
            seg(C, (1000, 80), ACK, 7778, 1235, 10, None),
            seg(S, (80, 1000), ACK, 1235, 7778, 10, None),
        ];
        assert_eq!(shown(&table(&f), &f)[2..], [(1, 1, 10, -2), (1, 1, 10, -2)]);
        // SYN with WS and no SYN/ACK seen: that direction scales, the other is unknown.
        let f = [
            seg(C, (2001, 80), SYN, 50, 0, 500, Some(3)),
            seg(C, (2001, 80), ACK, 51, 9000, 10, None),
            seg(S, (80, 2001), ACK, 9000, 51, 10, None),
        ];
        assert_eq!(shown(&table(&f), &f)[1..], [(1, 1, 80, 8), (1, 1, 10, -1)]);
        // Shifts above 14 count as 14.
        let f = [
            seg(C, (2003, 80), SYN, 50, 0, 500, Some(20)),
            seg(S, (80, 2003), SA, 80, 51, 500, Some(15)),
            seg(C, (2003, 80), ACK, 51, 81, 1, None),
        ];
        assert_eq!(shown(&table(&f), &f)[2], (1, 1, 16384, 16384));
    }

    #[test]
    fn a_late_window_scale_option_leaves_earlier_frames_as_shown() {
        // tshark 4.0: Win=10 (-1), Win=11 (-1, the option comes after), then Win=192 (× 16).
        let f = [
            seg(C, (2002, 80), ACK, 10, 20, 10, None),
            seg(C, (2002, 80), ACK, 10, 20, 11, Some(4)),
            seg(C, (2002, 80), ACK, 10, 20, 12, None),
        ];
        let t = table(&f);
        assert_eq!(
            shown(&t, &f),
            [(1, 1, 10, -1), (1, 1, 11, -1), (1, 1, 192, 16)]
        );
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn port_reuse_starts_a_new_generation() {
        // The sequence of /tmp captures checked against tshark 4.0.17: the same ISN after a
        // FIN is the same connection; another ISN is a new one, also from the other side; a
        // SYN/ACK with another sequence number replaces its direction's base.
        let f = [
            seg(C, (1000, 80), SYN, 100, 0, 500, Some(7)),
            seg(S, (80, 1000), SA, 5000, 101, 600, Some(2)),
            seg(C, (1000, 80), ACK | TcpInfo::FIN, 101, 5001, 10, None),
            seg(C, (1000, 80), SYN, 100, 0, 500, Some(3)),
            seg(S, (80, 1000), SA, 9000, 101, 600, Some(1)),
            seg(C, (1000, 80), ACK, 101, 9001, 10, None),
            seg(S, (80, 1000), SYN, 42, 0, 700, Some(1)),
            seg(C, (1000, 80), SA, 900, 43, 800, Some(1)),
            seg(C, (1000, 80), ACK, 901, 43, 10, None),
            seg(S, (80, 1000), ACK, 43, 901, 10, None),
        ];
        let t = table(&f);
        assert_eq!(
            shown(&t, &f),
            [
                (0, 0, 500, 0),
                (0, 1, 600, 0),
                (1, 1, 1280, 128),
                (0, 0, 500, 0),
                (0, 1, 600, 0),
                (1, 1, 80, 8),
                (0, 0, 700, 0),
                (0, 1, 800, 0),
                (1, 1, 20, 2),
                (1, 1, 20, 2),
            ]
        );
        assert_eq!(t.connections(), 1);
        // Frame 3 is still answered from the first generation.
        let b = t
            .lookup(3, IpAddr::from(C), 1000, IpAddr::from(S), 80)
            .unwrap();
        assert_eq!((b.seq_base, b.ack_base), (100, Some(5000)));
    }

    #[test]
    fn data_before_the_syn_keeps_its_unknown_scale() {
        // tshark 4.0: frame 1 Win=9 (-1); SYN and SYN/ACK with WS=4 each; frame 4 Win=36.
        let f = [
            seg(C, (2005, 80), ACK, 101, 0, 9, None),
            seg(C, (2005, 80), SYN, 100, 0, 500, Some(2)),
            seg(S, (80, 2005), SA, 300, 101, 500, Some(2)),
            seg(C, (2005, 80), ACK, 101, 301, 9, None),
        ];
        let t = table(&f);
        assert_eq!(
            shown(&t, &f),
            [(1, 1, 9, -1), (0, 0, 500, 0), (0, 1, 500, 0), (1, 1, 36, 4)]
        );
    }

    #[test]
    fn frames_and_connections_not_pushed_are_not_answered() {
        let f = [seg(C, (1, 2), SYN, 5, 0, 1, None)];
        let t = table(&f);
        let (c, s) = (IpAddr::from(C), IpAddr::from(S));
        assert!(t.lookup(1, c, 1, s, 3).is_none());
        // The other direction has no base yet.
        assert!(t.lookup(1, s, 2, c, 1).is_none());
        assert!(t.lookup(1, c, 1, s, 2).is_some());
        let mut t = TcpBases::new();
        t.push(u64::MAX, &f[0]);
        assert!(t.is_empty());
    }

    #[test]
    fn a_full_table_tracks_no_new_connection_and_ends_reused_ones() {
        let mut t = TcpBases::with_cap(2);
        let f = [
            seg(C, (1, 80), SYN, 5, 0, 1, None),
            seg(C, (2, 80), SYN, 5, 0, 1, None),
            seg(C, (3, 80), SYN, 5, 0, 1, None),
            seg(C, (1, 80), ACK, 6, 9, 1, None),
            seg(C, (1, 80), SYN, 77, 0, 1, None),
            seg(C, (1, 80), ACK, 78, 9, 1, None),
        ];
        for (k, r) in f.iter().enumerate() {
            t.push(k as u64 + 1, r);
        }
        let (c, s) = (IpAddr::from(C), IpAddr::from(S));
        assert!(t.is_full());
        assert_eq!(t.connections(), 2);
        assert!(t.lookup(3, c, 3, s, 80).is_none());
        assert_eq!(t.lookup(4, c, 1, s, 80).unwrap().seq_base, 5);
        // The reuse at frame 5 would need a third version: frames from 5 on are not answered.
        assert!(t.lookup(5, c, 1, s, 80).is_none());
        assert!(t.lookup(6, c, 1, s, 80).is_none());
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn a_full_table_stays_within_its_memory_budget() {
        // Every connection a new one (new ports), every one reused once when full.
        let mut t = TcpBases::new();
        let mut n = 0u64;
        for round in 0..2u32 {
            for k in 0..TCP_BASES_MAX as u32 + 10 {
                let ip = [10, (k >> 16) as u8, (k >> 8) as u8, k as u8];
                let mut r = seg(ip, (1000, 80), SYN, 1 + round, 0, 1, None);
                r.ip = r.ip.map(|p| IpPair {
                    src: IpAddr::from(ip),
                    ..p
                });
                n += 1;
                t.push(n, &r);
            }
        }
        assert!(t.is_full());
        assert_eq!(t.connections(), TCP_BASES_MAX);
        assert_eq!(t.len(), 2 * TCP_BASES_MAX);
        assert!(t.heap_bytes() <= 17 << 20, "{} bytes", t.heap_bytes());
    }

    #[test]
    fn version_is_small() {
        assert_eq!(std::mem::size_of::<Version>(), 20);
        assert!(std::mem::size_of::<(ConnKey, u32)>() <= 44);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used)]
mod props {
    use super::*;
    use crate::decode::IpPair;
    use proptest::prelude::*;

    fn record() -> impl Strategy<Value = PacketRecord> {
        (
            0u8..4,
            0u8..4,
            0u16..4,
            0u16..4,
            any::<u16>(),
            0u32..8,
            0u32..8,
            any::<u16>(),
            proptest::option::of(any::<u8>()),
            any::<bool>(),
        )
            .prop_map(|(a, b, pa, pb, flags, seq, ack, window, wscale, v6)| {
                let addr = |x: u8| {
                    if v6 {
                        IpAddr::from([0xfe80, 0, 0, 0, 0, 0, 0, u16::from(x)])
                    } else {
                        IpAddr::from([10, 0, 0, x])
                    }
                };
                PacketRecord {
                    ip: Some(IpPair {
                        src: addr(a),
                        dst: addr(b),
                    }),
                    src_port: pa,
                    dst_port: pb,
                    tcp: Some(TcpInfo {
                        flags: flags & 0x1ff,
                        seq: seq.wrapping_mul(0x4000_0001),
                        ack: ack.wrapping_mul(0x4000_0001),
                        window,
                        payload_len: 0,
                        wscale,
                    }),
                    ..PacketRecord::default()
                }
            })
    }

    proptest! {
        /// Whatever the segments (and in whatever frame order), the table stays within its
        /// cap (plus one end marker per connection) and never panics; every lookup answers.
        #[test]
        fn never_grows_past_its_cap(
            cap in 0usize..12,
            frames in proptest::collection::vec((0u64..200, record()), 0..300),
            sorted in any::<bool>(),
        ) {
            let mut frames = frames;
            if sorted {
                frames.sort_by_key(|f| f.0);
            }
            let mut t = TcpBases::with_cap(cap);
            for (n, r) in &frames {
                t.push(*n, r);
                prop_assert!(t.counted <= cap);
                prop_assert!(t.len() <= cap + t.connections());
                prop_assert!(t.connections() <= cap);
            }
            for (n, r) in &frames {
                let ip = r.ip.unwrap();
                let _ = t.lookup(*n, ip.src, r.src_port, ip.dst, r.dst_port);
                let _ = t.lookup(*n + 1, ip.dst, r.dst_port, ip.src, r.src_port);
            }
        }

        /// Answers after the pass equal what the table said when each frame was pushed: later
        /// frames never change what an earlier frame shows.
        #[test]
        fn answers_never_change_after_the_frame(
            frames in proptest::collection::vec(record(), 0..200),
        ) {
            let mut t = TcpBases::new();
            let mut at_the_time = Vec::new();
            for (k, r) in frames.iter().enumerate() {
                let n = k as u64 + 1;
                t.push(n, r);
                let ip = r.ip.unwrap();
                let b = t.lookup(n, ip.src, r.src_port, ip.dst, r.dst_port);
                at_the_time.push(b);
            }
            for (k, r) in frames.iter().enumerate() {
                let ip = r.ip.unwrap();
                let b = t.lookup(k as u64 + 1, ip.src, r.src_port, ip.dst, r.dst_port);
                let then = at_the_time[k];
                // What the frame uses: its own base, the other one when it acknowledges, its
                // direction's window scale unless it is a SYN.
                let flags = r.tcp.unwrap().flags;
                let used = |b: Option<TcpFrameBase>| {
                    b.map(|b| {
                        (
                            b.seq_base,
                            b.ack_base.filter(|_| flags & TcpInfo::ACK != 0),
                            (flags & TcpInfo::SYN == 0).then_some(b.window),
                        )
                    })
                };
                prop_assert_eq!(used(b), used(then));
            }
        }
    }
}
