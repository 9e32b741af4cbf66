//! Per-connection TCP analysis with Wireshark's definitions.
//!
//! [`TcpAnalyzer::push`] takes every frame's [`PacketRecord`] in file order, with its frame
//! number, and returns what Wireshark 4.0's TCP sequence analysis (`packet-tcp.c`,
//! `tcp_analyze_sequence_number`, default preferences) says of the frame: its
//! `tcp.analysis.*` flags ([`TcpFlags`]), the duplicate-ACK number and the frame it
//! duplicates, the stream (connection) it belongs to, and the connection's initial RTT as
//! known after the frame. [`TcpAnalyzer::summary`] gives the totals and the notable
//! connections at any moment ([`TcpSummary`]).
//!
//! # What follows Wireshark, and how
//!
//! - A connection is the pair of endpoints (innermost IP addresses and TCP ports), both
//!   directions together, as Wireshark's conversations are (no VLAN, no interface). Each
//!   direction keeps Wireshark's state: base sequence number, `nextseq` (the highest sequence
//!   number seen plus the length), `maxseqtobeacked` (the end of the contiguous data seen),
//!   the last acknowledgement number, window and their times, the duplicate-ACK counter, the
//!   window scale, and whether its last segment was a keep-alive or a zero-window probe.
//! - The checks run in Wireshark's order: zero-window probe, zero window, previous segment
//!   not captured (`lost_segment`), keep-alive, window update, window full, keep-alive ACK,
//!   zero-window-probe ACK, duplicate ACK, ACKed unseen segment (`ack_lost_segment`), then for
//!   segments with data, SYN or FIN: spurious retransmission (all of it already acknowledged),
//!   fast retransmission (at least two duplicate ACKs for this sequence number, the last one
//!   less than 20 ms ago: `tcp.fastrt_supersedes_ooo` is on by default), out-of-order (less
//!   than the initial RTT, or 3 ms when there is none, since the highest sequence number was
//!   sent) and plain retransmission. Sequence numbers compare modulo 2^32 (Wireshark's
//!   `GT_SEQ`/`LT_SEQ`), and every sum wraps as in C.
//! - Filters: `tcp.analysis.retransmission` matches fast and spurious retransmissions too
//!   (Wireshark adds the retransmission expert item to both), so [`TcpSummary::retransmissions`]
//!   counts frames with any of the three ([`TcpFlags::is_retransmission`]).
//! - Port reuse: a SYN (without ACK) whose sequence number is not its direction's base starts
//!   a new connection (a new `tcp.stream`, flagged `reused_ports`); a SYN with the same
//!   sequence number (a retransmitted SYN) restores its direction's `nextseq` to
//!   `maxseqtobeacked`; a SYN/ACK with another sequence number replaces its direction's base
//!   and is flagged `reused_ports` (same stream).
//! - Initial RTT (`tcp.analysis.initial_rtt`): on the first segment with ACK and without SYN
//!   (in either direction) after a SYN, the time since the most recent SYN. As in Wireshark, a
//!   SYN at time 0 (the Unix epoch) counts as no SYN, and an RTT of exactly 0 counts as none.
//! - Window scaling: a window scale option sets its direction's shift (capped at 14); a SYN
//!   without one turns scaling off both ways, a SYN/ACK with one answering a SYN without
//!   does not scale. `window_full` uses the receiver's scaled window, unscaled until the
//!   receiver's first pure ACK after its SYN.
//!
//! Behaviour that experiments with tshark 4.0.17 and the corpus cross-check
//! (`tests/tcp_analysis_corpus.rs`) established where Wireshark's sources differ between
//! versions: duplicate-ACK counters restart when the acknowledgement number changes (not on
//! every segment that is not a duplicate ACK); a retransmitted SYN is not flagged
//! `reused_ports`; a FIN retransmitted soon after the first is a retransmission, not
//! out-of-order (the FIN counts in the expected end); spurious retransmissions are checked
//! before fast retransmissions and out-of-order; an ACKed unseen segment is flagged when the
//! other direction left a gap (`maxseqtobeacked` before its `nextseq`, modulo 2^32; the gap
//! is then closed), and otherwise only if that direction's duplicate-ACK counter is 0, which
//! is then set to -1 (so a stalled direction is reported once until its acknowledgement
//! number changes).
//!
//! Not reproduced (none of it occurs in the corpus): Wireshark stops adding a direction's
//! segments to its unacknowledged list past 10,000 of them, and a FIN then does not advance
//! `nextseq`; TCP headers quoted in ICMP errors (records do not carry them) can create or
//! reset Wireshark conversations; segments whose header length is below 20 bytes are analysed
//! by Wireshark with an odd length and skipped here; MPTCP.
//!
//! # Connections, and memory
//!
//! Besides the flags, each connection records its handshake ([`Handshake`]), the client
//! (the sender of the first SYN), first and last time, packets and bytes (frame lengths)
//! each way, SYNs, resets and retransmissions. At most [`TCP_CONNECTIONS_MAX`] connections
//! are tracked (see [`TcpAnalyzer::with_capacity`]); when a new one arrives at the cap, the
//! least recently seen closed connection (RST, or FIN both ways) is evicted, or if none is
//! closed the least recently seen one. Evicted connections stay in every total; if one of
//! them sends again it starts a new connection (and a new stream number), without a
//! handshake. Per frame the work is one hash lookup and a few list-pointer updates.
//!
//! For the findings and the charts, the analyzer also keeps, with bounded memory: every
//! connection that left the table summed per (client, server, port)
//! ([`TcpAnalyzer::service_stats`], [`crate::health::connections::ServiceTally`]), each
//! connection's outcome keyed by its first frame ([`TcpAnalyzer::connection_outcomes`]), and
//! each completed handshake's RTT with its SYN's frame and server
//! ([`TcpAnalyzer::rtt_series`]); the last two are subsampled past their caps
//! ([`crate::health::series`]).
//! [`bytes_per_connection`] is the memory one tracked connection costs.

use crate::capture::NO_TIMESTAMP;
use crate::decode::{PacketRecord, TcpInfo};
use crate::hashing::{flow_map, FlowMap};
use crate::health::connections::{ServiceStats, ServiceTally};
use crate::health::series::{
    ConnOutcome, RttSample, Sampled, CONNECTIONS_SERIES_MAX, RTT_SERIES_MAX,
};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The most connections tracked at once: 65,536, about 20 MiB when full (314 bytes each on
/// 64-bit targets, see
/// [`bytes_per_connection`]). Closed connections are evicted first, so the cap bounds the
/// connections open at the same time, which only scans and floods exceed; a capture with
/// that many open connections also has at least that many packets, whose index costs the
/// page more. Wireshark itself never forgets a connection; past the cap the flags of an
/// evicted connection's later frames may differ from its.
pub const TCP_CONNECTIONS_MAX: usize = 1 << 16;

/// Connections listed in [`TcpSummary::top_connections`] (the most bytes).
pub const TOP_CONNECTIONS: usize = 20;

/// The most connections listed in [`TcpSummary::failed_connections`] (refused and
/// unanswered, the earliest first).
pub const FAILED_CONNECTIONS_MAX: usize = 256;

/// The most handshake RTT samples kept for the percentiles. Past it, every other sample is
/// dropped and only every second (fourth, ...) later one is kept, so the percentiles are then
/// over a regular subsample (in arrival order) instead of over every connection.
pub const RTT_SAMPLES_MAX: usize = 1 << 18;

/// Wireshark's `tcp.analysis.*` flags of one frame (its `TCP_A_*` bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// `tcp.analysis.retransmission` (plain: see [`TcpFlags::is_retransmission`]).
    pub const RETRANSMISSION: u16 = 0x0001;
    /// `tcp.analysis.lost_segment`: previous segment not captured.
    pub const LOST_SEGMENT: u16 = 0x0002;
    /// `tcp.analysis.ack_lost_segment`: ACKed unseen segment.
    pub const ACK_LOST_SEGMENT: u16 = 0x0004;
    /// `tcp.analysis.keep_alive`.
    pub const KEEP_ALIVE: u16 = 0x0008;
    /// `tcp.analysis.duplicate_ack`.
    pub const DUPLICATE_ACK: u16 = 0x0010;
    /// `tcp.analysis.zero_window`.
    pub const ZERO_WINDOW: u16 = 0x0020;
    /// `tcp.analysis.zero_window_probe`.
    pub const ZERO_WINDOW_PROBE: u16 = 0x0040;
    /// `tcp.analysis.zero_window_probe_ack`.
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 0x0080;
    /// `tcp.analysis.keep_alive_ack`.
    pub const KEEP_ALIVE_ACK: u16 = 0x0100;
    /// `tcp.analysis.out_of_order`.
    pub const OUT_OF_ORDER: u16 = 0x0200;
    /// `tcp.analysis.fast_retransmission`.
    pub const FAST_RETRANSMISSION: u16 = 0x0400;
    /// `tcp.analysis.window_update`.
    pub const WINDOW_UPDATE: u16 = 0x0800;
    /// `tcp.analysis.window_full`.
    pub const WINDOW_FULL: u16 = 0x1000;
    /// `tcp.analysis.reused_ports`.
    pub const REUSED_PORTS: u16 = 0x2000;
    /// `tcp.analysis.spurious_retransmission`.
    pub const SPURIOUS_RETRANSMISSION: u16 = 0x4000;

    /// Every flag with its tshark field name (after `tcp.analysis.`), in bit order.
    pub const NAMES: [(u16, &'static str); 15] = [
        (Self::RETRANSMISSION, "retransmission"),
        (Self::LOST_SEGMENT, "lost_segment"),
        (Self::ACK_LOST_SEGMENT, "ack_lost_segment"),
        (Self::KEEP_ALIVE, "keep_alive"),
        (Self::DUPLICATE_ACK, "duplicate_ack"),
        (Self::ZERO_WINDOW, "zero_window"),
        (Self::ZERO_WINDOW_PROBE, "zero_window_probe"),
        (Self::ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack"),
        (Self::KEEP_ALIVE_ACK, "keep_alive_ack"),
        (Self::OUT_OF_ORDER, "out_of_order"),
        (Self::FAST_RETRANSMISSION, "fast_retransmission"),
        (Self::WINDOW_UPDATE, "window_update"),
        (Self::WINDOW_FULL, "window_full"),
        (Self::REUSED_PORTS, "reused_ports"),
        (Self::SPURIOUS_RETRANSMISSION, "spurious_retransmission"),
    ];

    /// Whether every bit of `flag` is set.
    #[inline]
    pub fn contains(self, flag: u16) -> bool {
        self.0 & flag == flag
    }

    /// No flag set.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// What the display filter `tcp.analysis.retransmission` matches: a retransmission, a
    /// fast retransmission or a spurious retransmission.
    #[inline]
    pub fn is_retransmission(self) -> bool {
        self.0 & (Self::RETRANSMISSION | Self::FAST_RETRANSMISSION | Self::SPURIOUS_RETRANSMISSION)
            != 0
    }

    /// Whether the display filter `tcp.analysis.NAME` matches (`NAME` as in [`Self::NAMES`];
    /// `retransmission` as [`Self::is_retransmission`]).
    pub fn matches(self, name: &str) -> bool {
        if name == "retransmission" {
            return self.is_retransmission();
        }
        Self::NAMES
            .iter()
            .any(|&(bit, n)| n == name && self.contains(bit))
    }

    /// The names of the flags set, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |&(bit, _)| self.contains(bit))
            .map(|(_, n)| n)
    }
}

/// What the analysis says of one frame with TCP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFrameAnalysis {
    /// The `tcp.analysis.*` flags.
    pub flags: TcpFlags,
    /// The connection: numbered from 0 in order of first appearance, a new number for each new
    /// connection on the same ports (as Wireshark's `tcp.stream`, while no connection was
    /// evicted).
    pub stream: u32,
    /// `tcp.analysis.duplicate_ack_num` (from 1), 0 when not a duplicate ACK.
    pub dup_ack_num: u32,
    /// `tcp.analysis.duplicate_ack_frame`: the last frame of this direction that changed
    /// the acknowledgement number; 0 when not a duplicate ACK.
    pub dup_ack_frame: u32,
    /// The connection's initial RTT in nanoseconds, once known (`tcp.analysis.initial_rtt`).
    pub initial_rtt_ns: Option<i64>,
    /// The frame goes from the connection's client to its server (or from the first
    /// sender when no SYN was seen).
    pub to_server: bool,
}

/// How a connection's handshake went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handshake {
    /// SYN, SYN/ACK, then an ACK (without SYN or RST) from the client.
    Completed,
    /// SYN answered by RST (no SYN/ACK).
    Refused,
    /// SYN(s) without any answer.
    Unanswered,
    /// SYN answered by SYN/ACK that the client never acknowledged (a half-open scan, or the
    /// capture ended), or answered by segments other than SYN/ACK or RST (the SYN/ACK was not
    /// captured).
    Incomplete,
    /// No SYN seen: the capture started after the handshake.
    #[default]
    NoHandshake,
}

/// One connection, as listed in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TcpConnection {
    /// Stream number ([`TcpFrameAnalysis::stream`]).
    pub stream: u32,
    /// The client's address: the sender of the first SYN, or the first frame's sender when no
    /// SYN was seen ([`TcpConnection::client_known`] false).
    pub client: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The server's address.
    pub server: IpAddr,
    /// The server's port.
    pub server_port: u16,
    /// A SYN showed which side is the client.
    pub client_known: bool,
    /// How the handshake went.
    pub handshake: Handshake,
    /// Wireshark's `tcp.analysis.initial_rtt`, in nanoseconds (SYN to the ACK of the
    /// SYN/ACK, normally).
    pub initial_rtt_ns: Option<i64>,
    /// From the most recent SYN to the first SYN/ACK, in nanoseconds.
    pub syn_to_synack_ns: Option<i64>,
    /// From the most recent SYN/ACK to the client's ACK that completed the handshake, in
    /// nanoseconds.
    pub synack_to_ack_ns: Option<i64>,
    /// Time of the first frame with a timestamp, nanoseconds since the Unix epoch.
    pub first_ns: Option<i64>,
    /// Time of the last frame with a timestamp.
    pub last_ns: Option<i64>,
    /// Frames from client to server.
    pub packets_to_server: u64,
    /// Bytes (frame lengths) from client to server.
    pub bytes_to_server: u64,
    /// Frames from server to client.
    pub packets_to_client: u64,
    /// Bytes (frame lengths) from server to client.
    pub bytes_to_client: u64,
    /// SYN segments (without ACK) seen.
    pub syns: u32,
    /// Segments with RST.
    pub resets: u32,
    /// Frames flagged as retransmissions ([`TcpFlags::is_retransmission`]).
    pub retransmissions: u32,
    /// Closed: RST seen, or FIN both ways.
    pub closed: bool,
    /// Number of the connection's first frame (its SYN, when one was seen), from 1.
    #[serde(default)]
    pub first_frame: u64,
    /// Data segments: frames with payload or FIN and without SYN (both ways).
    #[serde(default)]
    pub data_frames: u64,
    /// Data segments flagged as retransmissions ([`TcpFlags::is_retransmission`] without
    /// SYN): the share of loss on a connection that works, leaving out retried SYNs.
    #[serde(default)]
    pub data_retransmissions: u64,
}

impl TcpConnection {
    /// Bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.bytes_to_server.saturating_add(self.bytes_to_client)
    }
}

/// Connections by how their handshake went; every connection seen is in exactly one of
/// `completed`, `refused`, `unanswered`, `incomplete`, `no_handshake`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionCounts {
    /// Every connection seen (tracked, evicted and superseded).
    pub total: u64,
    /// [`Handshake::Completed`].
    pub completed: u64,
    /// [`Handshake::Refused`].
    pub refused: u64,
    /// [`Handshake::Unanswered`].
    pub unanswered: u64,
    /// [`Handshake::Incomplete`].
    pub incomplete: u64,
    /// [`Handshake::NoHandshake`].
    pub no_handshake: u64,
    /// Tracked now.
    pub tracked: u64,
    /// Evicted to stay within the cap.
    pub evicted: u64,
    /// Ended by a new connection on the same addresses and ports (port reuse).
    pub superseded: u64,
}

impl ConnectionCounts {
    fn add(&mut self, h: Handshake) {
        self.total += 1;
        match h {
            Handshake::Completed => self.completed += 1,
            Handshake::Refused => self.refused += 1,
            Handshake::Unanswered => self.unanswered += 1,
            Handshake::Incomplete => self.incomplete += 1,
            Handshake::NoHandshake => self.no_handshake += 1,
        }
    }
}

/// Percentiles of the initial RTT over connections whose handshake completed, in
/// microseconds. Nearest rank: the p-th percentile of n sorted samples is the sample at rank
/// ⌈p/100 · n⌉ (from 1), so the median is the lower middle sample when n is even.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RttPercentiles {
    /// Connections with a completed handshake and an initial RTT.
    pub samples: u64,
    /// The median (50th percentile), µs.
    pub median: Option<f64>,
    /// The 95th percentile, µs.
    pub p95: Option<f64>,
}

/// The TCP analysis so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TcpSummary {
    /// Frames with TCP analysed.
    pub tcp_frames: u64,
    /// Frames `tcp.analysis.retransmission` matches (plain, fast or spurious).
    pub retransmissions: u64,
    /// `tcp.analysis.fast_retransmission`.
    pub fast_retransmissions: u64,
    /// `tcp.analysis.spurious_retransmission`.
    pub spurious_retransmissions: u64,
    /// `tcp.analysis.out_of_order`.
    pub out_of_order: u64,
    /// `tcp.analysis.lost_segment` (previous segment not captured).
    pub lost_segments: u64,
    /// `tcp.analysis.ack_lost_segment` (ACKed unseen segment).
    pub ack_lost_segments: u64,
    /// `tcp.analysis.duplicate_ack`.
    pub duplicate_acks: u64,
    /// `tcp.analysis.zero_window`.
    pub zero_windows: u64,
    /// `tcp.analysis.zero_window_probe`.
    pub zero_window_probes: u64,
    /// `tcp.analysis.zero_window_probe_ack`.
    pub zero_window_probe_acks: u64,
    /// `tcp.analysis.keep_alive`.
    pub keep_alives: u64,
    /// `tcp.analysis.keep_alive_ack`.
    pub keep_alive_acks: u64,
    /// `tcp.analysis.window_update`.
    pub window_updates: u64,
    /// `tcp.analysis.window_full`.
    pub window_full: u64,
    /// `tcp.analysis.reused_ports`.
    pub reused_ports: u64,
    /// Frames with RST (`tcp.flags.reset == 1`).
    pub resets: u64,
    /// Connections by handshake.
    pub connections: ConnectionCounts,
    /// Initial RTT percentiles over completed handshakes.
    pub handshake_rtt_us: RttPercentiles,
    /// The [`TOP_CONNECTIONS`] connections with the most bytes, most first.
    pub top_connections: Vec<TcpConnection>,
    /// Refused and unanswered connections, the earliest first, at most
    /// [`FAILED_CONNECTIONS_MAX`].
    pub failed_connections: Vec<TcpConnection>,
}

/// Memory one tracked connection costs: its state and its hash-map entry (the map at most
/// 7/8 full): 314 bytes on 64-bit targets (264 of state, 44 per map entry).
pub fn bytes_per_connection() -> usize {
    std::mem::size_of::<Conn>() + (std::mem::size_of::<(Key, u32)>() + 1) * 8 / 7
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// Modular sequence-number comparisons (Wireshark's `GT_SEQ`, `LT_SEQ`, `LE_SEQ`).
#[inline]
fn gt_seq(a: u32, b: u32) -> bool {
    (b.wrapping_sub(a) as i32) < 0
}
#[inline]
fn lt_seq(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
#[inline]
fn le_seq(a: u32, b: u32) -> bool {
    (b.wrapping_sub(a) as i32) >= 0
}

const SYN: u16 = TcpInfo::SYN;
const ACK: u16 = TcpInfo::ACK;
const RST: u16 = TcpInfo::RST;
const FIN: u16 = TcpInfo::FIN;

/// Window scale not known yet (Wireshark's -1).
const SCALE_UNKNOWN: i8 = -1;
/// No window scaling (Wireshark's -2).
const SCALE_NONE: i8 = -2;

/// [`Flow::bits`]: the base sequence number is set.
const BASE_SET: u8 = 0x01;
/// The direction's next pure ACK is its first since its SYN (`is_first_ack`).
const FIRST_ACK: u8 = 0x02;
/// The direction's last segment was a keep-alive.
const LAST_KEEP_ALIVE: u8 = 0x04;
/// The direction's last segment was a zero-window probe.
const LAST_ZWP: u8 = 0x08;
/// The direction sent a FIN.
const FIN_SEEN: u8 = 0x10;

/// One direction of a connection: Wireshark's `tcp_flow_t` and its sequence analysis.
#[derive(Debug, Clone, Copy)]
struct Flow {
    base_seq: u32,
    nextseq: u32,
    maxseqtobeacked: u32,
    lastack: u32,
    /// The window field as sent (unscaled); `u32::MAX` before the first segment.
    window: u32,
    /// Frame number of the last segment that changed the acknowledgement number.
    lastnondupack: u32,
    nextseqtime: i64,
    lastacktime: i64,
    /// Duplicate ACKs in a row; -1 after an ACKed unseen segment in the other direction.
    dupacknum: i32,
    win_scale: i8,
    bits: u8,
    packets: u64,
    bytes: u64,
}

impl Flow {
    const NEW: Flow = Flow {
        base_seq: 0,
        nextseq: 0,
        maxseqtobeacked: 0,
        lastack: 0,
        window: u32::MAX,
        lastnondupack: 0,
        nextseqtime: 0,
        lastacktime: 0,
        dupacknum: 0,
        win_scale: SCALE_UNKNOWN,
        bits: 0,
        packets: 0,
        bytes: 0,
    };

    #[inline]
    fn has(&self, bit: u8) -> bool {
        self.bits & bit != 0
    }

    #[inline]
    fn set(&mut self, bit: u8, on: bool) {
        if on {
            self.bits |= bit;
        } else {
            self.bits &= !bit;
        }
    }
}

/// The endpoints of a connection, in canonical order: `(a, a_port) <= (b, b_port)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    a: IpAddr,
    b: IpAddr,
    a_port: u16,
    b_port: u16,
}

impl Key {
    /// The key and the direction of a packet from `src` to `dst` (0: from `a`).
    #[inline]
    fn new(src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> (Key, usize) {
        if (src, sport) <= (dst, dport) {
            (
                Key {
                    a: src,
                    b: dst,
                    a_port: sport,
                    b_port: dport,
                },
                0,
            )
        } else {
            (
                Key {
                    a: dst,
                    b: src,
                    a_port: dport,
                    b_port: sport,
                },
                1,
            )
        }
    }
}

/// [`Conn::state`]: the direction-0 side sent the first SYN (client is direction 0).
const CLIENT_0: u16 = 0x0001;
/// The direction-1 side sent the first SYN.
const CLIENT_1: u16 = 0x0002;
/// The first frame went from direction 1 (used when no SYN names the client).
const FIRST_FROM_1: u16 = 0x0004;
/// The server answered with SYN/ACK.
const SYNACK_SEEN: u16 = 0x0008;
/// The client acknowledged the SYN/ACK: handshake completed.
const COMPLETED: u16 = 0x0010;
/// The server sent RST before any SYN/ACK.
const REFUSED: u16 = 0x0020;
/// The server sent a segment without RST.
const SERVER_SPOKE: u16 = 0x0040;
/// RST seen (either way).
const RST_SEEN: u16 = 0x0080;

/// No list / end of a list.
const NIL: u32 = u32::MAX;

/// One tracked connection.
#[derive(Debug, Clone, Copy)]
struct Conn {
    key: Key,
    /// Which list the connection is in (0 open, 1 closed).
    list: u8,
    state: u16,
    flows: [Flow; 2],
    stream: u32,
    prev: u32,
    next: u32,
    /// First and last timestamps, [`NO_TIMESTAMP`] when none.
    first_ns: i64,
    last_ns: i64,
    /// Time of the most recent SYN (Wireshark's `ts_mru_syn`), 0 = none.
    ts_mru_syn: i64,
    /// Wireshark's `ts_first_rtt`, 0 = none.
    first_rtt: i64,
    /// Time of the most recent SYN/ACK from the server.
    ts_mru_synack: i64,
    /// Most recent SYN to first SYN/ACK; [`NO_TIMESTAMP`] = none.
    syn_to_synack: i64,
    /// Most recent SYN/ACK to the ACK completing the handshake; [`NO_TIMESTAMP`] = none.
    synack_to_ack: i64,
    syns: u32,
    resets: u32,
    retransmissions: u32,
    /// Number of the first frame (0 until set).
    first_frame: u32,
    data_frames: u32,
    data_retransmissions: u32,
}

impl Conn {
    fn new(key: Key, stream: u32, dir: usize) -> Conn {
        Conn {
            key,
            list: 0,
            state: if dir == 1 { FIRST_FROM_1 } else { 0 },
            flows: [Flow::NEW; 2],
            stream,
            prev: NIL,
            next: NIL,
            first_ns: NO_TIMESTAMP,
            last_ns: NO_TIMESTAMP,
            ts_mru_syn: 0,
            first_rtt: 0,
            ts_mru_synack: 0,
            syn_to_synack: NO_TIMESTAMP,
            synack_to_ack: NO_TIMESTAMP,
            syns: 0,
            resets: 0,
            retransmissions: 0,
            first_frame: 0,
            data_frames: 0,
            data_retransmissions: 0,
        }
    }

    /// The client's direction, if a SYN named it.
    #[inline]
    fn client(&self) -> Option<usize> {
        if self.state & CLIENT_0 != 0 {
            Some(0)
        } else if self.state & CLIENT_1 != 0 {
            Some(1)
        } else {
            None
        }
    }

    fn closed(&self) -> bool {
        self.state & RST_SEEN != 0 || (self.flows[0].has(FIN_SEEN) && self.flows[1].has(FIN_SEEN))
    }

    fn handshake(&self) -> Handshake {
        if self.client().is_none() {
            Handshake::NoHandshake
        } else if self.state & COMPLETED != 0 {
            Handshake::Completed
        } else if self.state & SYNACK_SEEN != 0 {
            Handshake::Incomplete
        } else if self.state & REFUSED != 0 {
            Handshake::Refused
        } else if self.state & SERVER_SPOKE != 0 {
            Handshake::Incomplete
        } else {
            Handshake::Unanswered
        }
    }

    fn bytes(&self) -> u64 {
        self.flows[0].bytes.saturating_add(self.flows[1].bytes)
    }

    /// The client's direction: the SYN's sender, else the first frame's.
    fn client_dir(&self) -> usize {
        self.client()
            .unwrap_or(if self.state & FIRST_FROM_1 != 0 { 1 } else { 0 })
    }

    /// Client address and port, server address and port.
    fn endpoints(&self) -> (IpAddr, u16, IpAddr, u16) {
        if self.client_dir() == 0 {
            (self.key.a, self.key.a_port, self.key.b, self.key.b_port)
        } else {
            (self.key.b, self.key.b_port, self.key.a, self.key.a_port)
        }
    }

    fn summary(&self) -> TcpConnection {
        let c = self.client_dir();
        let (ca, cp, sa, sp) = self.endpoints();
        let some = |v: i64| (v != NO_TIMESTAMP).then_some(v);
        TcpConnection {
            stream: self.stream,
            client: ca,
            client_port: cp,
            server: sa,
            server_port: sp,
            client_known: self.client().is_some(),
            handshake: self.handshake(),
            initial_rtt_ns: (self.first_rtt != 0).then_some(self.first_rtt),
            syn_to_synack_ns: some(self.syn_to_synack),
            synack_to_ack_ns: some(self.synack_to_ack),
            first_ns: some(self.first_ns),
            last_ns: some(self.last_ns),
            packets_to_server: self.flows[c].packets,
            bytes_to_server: self.flows[c].bytes,
            packets_to_client: self.flows[1 - c].packets,
            bytes_to_client: self.flows[1 - c].bytes,
            syns: self.syns,
            resets: self.resets,
            retransmissions: self.retransmissions,
            closed: self.closed(),
            first_frame: u64::from(self.first_frame),
            data_frames: u64::from(self.data_frames),
            data_retransmissions: u64::from(self.data_retransmissions),
        }
    }

    /// This connection as a [`ConnOutcome`].
    fn outcome(&self) -> ConnOutcome {
        ConnOutcome {
            frame: u64::from(self.first_frame),
            ts_ns: (self.first_ns != NO_TIMESTAMP).then_some(self.first_ns),
            handshake: self.handshake(),
        }
    }

    /// Wireshark's `tcp_analyze_sequence_number` for a segment of direction `d`; adds to
    /// `ta` and returns the duplicate-ACK number and frame (0, 0 when not a duplicate ACK).
    fn analyze(
        &mut self,
        d: usize,
        frame: u32,
        now: i64,
        tcp: &TcpInfo,
        ta: &mut u16,
    ) -> (u32, u32) {
        let first_rtt = self.first_rtt;
        let [f0, f1] = &mut self.flows;
        let (fwd, rev) = if d == 0 { (f0, f1) } else { (f1, f0) };
        let (seq, ack, seglen, flags) = (tcp.seq, tcp.ack, tcp.payload_len, tcp.flags);
        let window = u32::from(tcp.window);
        let no_sfr = flags & (SYN | FIN | RST) == 0;
        let mut dup = (0, 0);

        if !fwd.has(BASE_SET) {
            fwd.base_seq = if flags & SYN != 0 {
                seq
            } else {
                seq.wrapping_sub(1)
            };
            fwd.bits |= BASE_SET;
        }
        if !rev.has(BASE_SET) && flags & ACK != 0 {
            rev.base_seq = ack.wrapping_sub(1);
            rev.bits |= BASE_SET;
        }

        'fwd: {
            // ZERO WINDOW PROBE
            if seglen == 1 && seq == fwd.nextseq && rev.window == 0 {
                *ta |= TcpFlags::ZERO_WINDOW_PROBE;
                break 'fwd;
            }
            // ZERO WINDOW
            if window == 0 && no_sfr {
                *ta |= TcpFlags::ZERO_WINDOW;
            }
            // LOST PACKET
            if fwd.nextseq != 0 && gt_seq(seq, fwd.nextseq) && flags & RST == 0 {
                *ta |= TcpFlags::LOST_SEGMENT;
            }
            // KEEP ALIVE
            if seglen <= 1 && seq == fwd.nextseq.wrapping_sub(1) && no_sfr {
                *ta |= TcpFlags::KEEP_ALIVE;
            }
            let same = seglen == 0 && seq == fwd.nextseq && ack == fwd.lastack && no_sfr;
            // WINDOW UPDATE
            if same && window != 0 && window != fwd.window {
                *ta |= TcpFlags::WINDOW_UPDATE;
            }
            // WINDOW FULL
            if seglen > 0 && rev.win_scale != SCALE_UNKNOWN && no_sfr {
                let shift = if rev.has(FIRST_ACK) || rev.win_scale == SCALE_NONE {
                    0
                } else {
                    rev.win_scale as u32
                };
                let edge = rev.lastack.wrapping_add(rev.window.wrapping_shl(shift));
                if seq.wrapping_add(seglen) == edge {
                    *ta |= TcpFlags::WINDOW_FULL;
                }
            }
            // KEEP ALIVE ACK
            if same && window != 0 && window == fwd.window && rev.has(LAST_KEEP_ALIVE) {
                *ta |= TcpFlags::KEEP_ALIVE_ACK;
                break 'fwd;
            }
            // ZERO WINDOW PROBE ACK
            if same && window == 0 && window == fwd.window && rev.has(LAST_ZWP) {
                *ta |= TcpFlags::ZERO_WINDOW_PROBE_ACK;
                break 'fwd;
            }
            // DUPLICATE ACK
            if same && window != 0 && window == fwd.window {
                fwd.dupacknum = if fwd.dupacknum == -1 {
                    1
                } else {
                    fwd.dupacknum.saturating_add(1)
                };
                *ta |= TcpFlags::DUPLICATE_ACK;
                dup = (fwd.dupacknum.max(0) as u32, fwd.lastnondupack);
            }
        }

        // finished_fwd: a new acknowledgement number restarts the duplicate-ACK count.
        if ack != fwd.lastack {
            fwd.lastnondupack = frame;
            fwd.dupacknum = 0;
        }

        // ACKED LOST PACKET
        if rev.maxseqtobeacked != 0 && gt_seq(ack, rev.maxseqtobeacked) && flags & ACK != 0 {
            if lt_seq(rev.maxseqtobeacked, rev.nextseq) {
                rev.maxseqtobeacked = rev.nextseq;
                *ta |= TcpFlags::ACK_LOST_SEGMENT;
            } else {
                if rev.dupacknum == 0 {
                    *ta |= TcpFlags::ACK_LOST_SEGMENT;
                }
                rev.dupacknum = -1;
            }
        }

        // RETRANSMISSION / FAST RETRANSMISSION / OUT-OF-ORDER / SPURIOUS
        if (seglen > 0 || flags & (SYN | FIN) != 0) && *ta & TcpFlags::KEEP_ALIVE == 0 {
            'rt: {
                let mut seq_not_advanced = fwd.nextseq != 0 && lt_seq(seq, fwd.nextseq);
                if seglen > 1 && fwd.nextseq.wrapping_sub(1) == seq {
                    seq_not_advanced = false;
                }
                if seglen > 0 && rev.lastack != 0 && le_seq(seq.wrapping_add(seglen), rev.lastack) {
                    *ta |= TcpFlags::SPURIOUS_RETRANSMISSION;
                    break 'rt;
                }
                let t = now.wrapping_sub(rev.lastacktime) as u64;
                if seq_not_advanced && rev.dupacknum >= 2 && rev.lastack == seq && t < 20_000_000 {
                    *ta |= TcpFlags::FAST_RETRANSMISSION;
                    break 'rt;
                }
                let t = now.wrapping_sub(fwd.nextseqtime) as u64;
                let thres = if first_rtt == 0 {
                    3_000_000
                } else {
                    first_rtt as u64
                };
                let end = seq
                    .wrapping_add(seglen)
                    .wrapping_add(u32::from(flags & (SYN | FIN) != 0));
                if seq_not_advanced && t < thres && fwd.nextseq != end {
                    *ta |= TcpFlags::OUT_OF_ORDER;
                    break 'rt;
                }
                if seq_not_advanced {
                    *ta |= TcpFlags::RETRANSMISSION;
                }
            }
        }

        // finished_checking_retransmission_type
        let mut nextseq = seq.wrapping_add(seglen);
        if flags & (SYN | FIN) != 0 {
            nextseq = nextseq.wrapping_add(1);
        }
        let zwp = *ta & TcpFlags::ZERO_WINDOW_PROBE != 0;
        if (gt_seq(nextseq, fwd.nextseq) || fwd.nextseq == 0) && !zwp {
            fwd.nextseq = nextseq;
            fwd.nextseqtime = now;
        }
        if (seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0) && !zwp {
            fwd.maxseqtobeacked = fwd.nextseq;
        }
        fwd.window = window;
        fwd.lastack = ack;
        fwd.lastacktime = now;
        fwd.set(LAST_KEEP_ALIVE, *ta & TcpFlags::KEEP_ALIVE != 0);
        fwd.set(LAST_ZWP, zwp);
        dup
    }

    /// What Wireshark does after the sequence analysis of a frame (window scaling, SYN time,
    /// initial RTT, first ACK), and this module's own handshake and counters.
    fn after(&mut self, d: usize, ts_ns: i64, tcp: &TcpInfo, orig_len: u32, ta: TcpFlags) {
        let now = if ts_ns == NO_TIMESTAMP { 0 } else { ts_ns };
        let flags = tcp.flags;
        let syn = flags & SYN != 0;
        let pure_syn = flags & (SYN | ACK) == SYN;
        let ack_no_syn = flags & (SYN | ACK) == ACK;

        // Handshake, before Wireshark's SYN time is updated.
        if pure_syn {
            if self.client().is_none() {
                self.state |= if d == 0 { CLIENT_0 } else { CLIENT_1 };
            }
            self.syns = self.syns.saturating_add(1);
        }
        if let Some(c) = self.client() {
            if d != c {
                if flags & RST != 0 {
                    if self.state & SYNACK_SEEN == 0 {
                        self.state |= REFUSED;
                    }
                } else {
                    self.state |= SERVER_SPOKE;
                }
                if flags & (SYN | ACK | RST) == SYN | ACK {
                    if self.state & SYNACK_SEEN == 0 {
                        self.state |= SYNACK_SEEN;
                        if self.ts_mru_syn != 0 {
                            self.syn_to_synack = now.wrapping_sub(self.ts_mru_syn);
                        }
                    }
                    self.ts_mru_synack = now;
                }
            } else if ack_no_syn
                && flags & RST == 0
                && self.state & (SYNACK_SEEN | COMPLETED) == SYNACK_SEEN
            {
                self.state |= COMPLETED;
                self.synack_to_ack = now.wrapping_sub(self.ts_mru_synack);
            }
        }

        // Wireshark: window scale option (after the analysis), SYN time, first RTT.
        if let Some(shift) = tcp.wscale {
            self.flows[d].win_scale = shift.min(14) as i8;
        }
        if syn {
            if pure_syn {
                self.ts_mru_syn = now;
            }
            self.flows[d].bits |= FIRST_ACK;
        }
        if ack_no_syn && self.ts_mru_syn != 0 && self.first_rtt == 0 {
            self.first_rtt = now.wrapping_sub(self.ts_mru_syn);
        }
        if ack_no_syn {
            self.flows[d].bits &= !FIRST_ACK;
        }
        if syn {
            // verify_tcp_window_scaling
            let r = 1 - d;
            if self.flows[d].win_scale == SCALE_UNKNOWN {
                self.flows[d].win_scale = SCALE_NONE;
                self.flows[r].win_scale = SCALE_NONE;
            } else if flags & ACK != 0 && self.flows[r].win_scale == SCALE_NONE {
                self.flows[d].win_scale = SCALE_NONE;
            }
        }

        // Counters.
        let fl = &mut self.flows[d];
        fl.packets = fl.packets.saturating_add(1);
        fl.bytes = fl.bytes.saturating_add(u64::from(orig_len));
        if flags & FIN != 0 {
            fl.bits |= FIN_SEEN;
        }
        if flags & RST != 0 {
            self.state |= RST_SEEN;
            self.resets = self.resets.saturating_add(1);
        }
        if ta.is_retransmission() {
            self.retransmissions = self.retransmissions.saturating_add(1);
        }
        if flags & SYN == 0 && (tcp.payload_len > 0 || flags & FIN != 0) {
            self.data_frames = self.data_frames.saturating_add(1);
            if ta.is_retransmission() {
                self.data_retransmissions = self.data_retransmissions.saturating_add(1);
            }
        }
        if ts_ns != NO_TIMESTAMP {
            if self.first_ns == NO_TIMESTAMP {
                self.first_ns = ts_ns;
            }
            self.last_ns = self.last_ns.max(ts_ns);
        }
    }
}

/// Why a connection left the table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retire {
    Evicted,
    Superseded,
}

/// The streaming TCP analyzer: see the module documentation.
#[derive(Debug, Clone)]
pub struct TcpAnalyzer {
    map: FlowMap<Key, u32>,
    conns: Vec<Conn>,
    max: usize,
    /// Least recently seen first: open connections, closed connections.
    heads: [u32; 2],
    tails: [u32; 2],
    next_stream: u32,
    counts: [u64; 15],
    tcp_frames: u64,
    resets: u64,
    retired: ConnectionCounts,
    retired_top: Vec<TcpConnection>,
    retired_failed: Vec<TcpConnection>,
    rtt: Vec<i64>,
    rtt_seen: u64,
    rtt_stride: u64,
    /// Connections that left the table, per (client, server, port).
    retired_services: ServiceTally,
    /// Outcomes of the connections that left the table.
    retired_outcomes: Sampled<ConnOutcome>,
    /// Every completed handshake's RTT, with its first frame and server.
    rtt_series: Sampled<RttSample>,
}

impl Default for TcpAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl TcpAnalyzer {
    /// An analyzer tracking at most [`TCP_CONNECTIONS_MAX`] connections.
    pub fn new() -> Self {
        Self::with_capacity(TCP_CONNECTIONS_MAX)
    }

    /// An analyzer tracking at most `max_connections` connections (at least 1).
    pub fn with_capacity(max_connections: usize) -> Self {
        TcpAnalyzer {
            map: flow_map(),
            conns: Vec::new(),
            max: max_connections.clamp(1, NIL as usize - 1),
            heads: [NIL; 2],
            tails: [NIL; 2],
            next_stream: 0,
            counts: [0; 15],
            tcp_frames: 0,
            resets: 0,
            retired: ConnectionCounts::default(),
            retired_top: Vec::new(),
            retired_failed: Vec::new(),
            rtt: Vec::new(),
            rtt_seen: 0,
            rtt_stride: 1,
            retired_services: ServiceTally::new(),
            retired_outcomes: Sampled::default(),
            rtt_series: Sampled::default(),
        }
    }

    /// Connections tracked now (at most the capacity).
    pub fn tracked(&self) -> usize {
        self.conns.len()
    }

    /// Analyses one frame, `frame` being its number (from 1, in file order). Frames must come
    /// in file order. Returns `None` for a frame without TCP (or without IP around it).
    pub fn push(&mut self, frame: u64, rec: &PacketRecord) -> Option<TcpFrameAnalysis> {
        let tcp = rec.tcp?;
        let ip = rec.inner_ip()?;
        let now = if rec.ts_ns == NO_TIMESTAMP {
            0
        } else {
            rec.ts_ns
        };
        let frame = u32::try_from(frame).unwrap_or(u32::MAX);
        let (key, d) = Key::new(ip.src, rec.src_port, ip.dst, rec.dst_port);
        let mut idx = match self.map.get(&key) {
            Some(&i) => i as usize,
            None => self.open(key, d),
        };
        let mut ta = 0u16;

        // Port reuse (dissect_tcp, before the analysis).
        let syn_ack = tcp.flags & (SYN | ACK);
        let fwd = &mut self.conns[idx].flows[d];
        if syn_ack == SYN && fwd.has(BASE_SET) {
            if tcp.seq != fwd.base_seq {
                idx = self.supersede(idx, d);
                ta |= TcpFlags::REUSED_PORTS;
            } else {
                fwd.nextseq = fwd.maxseqtobeacked;
            }
        } else if syn_ack == SYN | ACK && fwd.has(BASE_SET) && tcp.seq != fwd.base_seq {
            fwd.base_seq = tcp.seq;
            ta |= TcpFlags::REUSED_PORTS;
        }

        let conn = &mut self.conns[idx];
        if conn.first_frame == 0 {
            conn.first_frame = frame;
        }
        let (dup_ack_num, dup_ack_frame) = conn.analyze(d, frame, now, &tcp, &mut ta);
        let flags = TcpFlags(ta);
        let was_completed = conn.state & COMPLETED != 0;
        conn.after(d, rec.ts_ns, &tcp, rec.orig_len, flags);
        let completed_now = !was_completed && conn.state & COMPLETED != 0;
        let first_rtt = conn.first_rtt;
        let stream = conn.stream;
        let to_server = match conn.client() {
            Some(c) => c == d,
            None => (conn.state & FIRST_FROM_1 != 0) == (d == 1),
        };
        if completed_now && first_rtt != 0 {
            self.add_rtt(first_rtt);
            let c = &self.conns[idx];
            let (client, _, server, port) = c.endpoints();
            self.rtt_series.push(
                RttSample {
                    frame: u64::from(c.first_frame),
                    ts_ns: if c.first_ns == NO_TIMESTAMP {
                        0
                    } else {
                        c.first_ns
                    },
                    client,
                    server,
                    port,
                    rtt_us: first_rtt as f64 / 1000.0,
                },
                RTT_SERIES_MAX,
            );
        }
        self.touch(idx);

        self.tcp_frames += 1;
        if tcp.flags & RST != 0 {
            self.resets += 1;
        }
        if ta != 0 {
            for (i, count) in self.counts.iter_mut().enumerate() {
                if ta & (1 << i) != 0 {
                    *count += 1;
                }
            }
        }
        Some(TcpFrameAnalysis {
            flags,
            stream,
            dup_ack_num,
            dup_ack_frame,
            initial_rtt_ns: (first_rtt != 0).then_some(first_rtt),
            to_server,
        })
    }

    /// The totals and notable connections so far.
    pub fn summary(&self) -> TcpSummary {
        let mut s = TcpSummary {
            tcp_frames: self.tcp_frames,
            fast_retransmissions: self.count(TcpFlags::FAST_RETRANSMISSION),
            spurious_retransmissions: self.count(TcpFlags::SPURIOUS_RETRANSMISSION),
            out_of_order: self.count(TcpFlags::OUT_OF_ORDER),
            lost_segments: self.count(TcpFlags::LOST_SEGMENT),
            ack_lost_segments: self.count(TcpFlags::ACK_LOST_SEGMENT),
            duplicate_acks: self.count(TcpFlags::DUPLICATE_ACK),
            zero_windows: self.count(TcpFlags::ZERO_WINDOW),
            zero_window_probes: self.count(TcpFlags::ZERO_WINDOW_PROBE),
            zero_window_probe_acks: self.count(TcpFlags::ZERO_WINDOW_PROBE_ACK),
            keep_alives: self.count(TcpFlags::KEEP_ALIVE),
            keep_alive_acks: self.count(TcpFlags::KEEP_ALIVE_ACK),
            window_updates: self.count(TcpFlags::WINDOW_UPDATE),
            window_full: self.count(TcpFlags::WINDOW_FULL),
            reused_ports: self.count(TcpFlags::REUSED_PORTS),
            resets: self.resets,
            ..TcpSummary::default()
        };
        // The three retransmission flags never come together on one frame.
        s.retransmissions = self.count(TcpFlags::RETRANSMISSION)
            + s.fast_retransmissions
            + s.spurious_retransmissions;

        let mut counts = self.retired;
        let mut failed = self.retired_failed.clone();
        let mut by_bytes: Vec<(u64, u32, usize)> = Vec::with_capacity(self.conns.len());
        for (i, c) in self.conns.iter().enumerate() {
            let h = c.handshake();
            counts.add(h);
            if matches!(h, Handshake::Refused | Handshake::Unanswered) {
                failed.push(c.summary());
            }
            by_bytes.push((c.bytes(), c.stream, i));
        }
        counts.tracked = self.conns.len() as u64;
        s.connections = counts;

        if by_bytes.len() > TOP_CONNECTIONS {
            by_bytes
                .select_nth_unstable_by(TOP_CONNECTIONS, |x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            by_bytes.truncate(TOP_CONNECTIONS);
        }
        let mut top: Vec<TcpConnection> = self.retired_top.clone();
        top.extend(by_bytes.iter().map(|&(_, _, i)| self.conns[i].summary()));
        sort_top(&mut top);
        top.truncate(TOP_CONNECTIONS);
        s.top_connections = top;

        sort_failed(&mut failed);
        failed.truncate(FAILED_CONNECTIONS_MAX);
        s.failed_connections = failed;

        s.handshake_rtt_us = self.percentiles();
        s
    }

    fn count(&self, flag: u16) -> u64 {
        self.counts[flag.trailing_zeros() as usize]
    }

    /// Every connection so far (those that left the table and those tracked now), summed
    /// per (client, server, port): the input of the brute-force and retransmission findings.
    pub fn service_stats(&self) -> Vec<ServiceStats> {
        let mut t = self.retired_services.clone();
        for c in &self.conns {
            t.add(&c.summary());
        }
        t.stats()
    }

    /// How every connection's handshake went, keyed by its first frame, in frame order (a
    /// subsample past [`CONNECTIONS_SERIES_MAX`]).
    pub fn connection_outcomes(&self) -> Sampled<ConnOutcome> {
        let mut s = self.retired_outcomes.clone();
        let mut live: Vec<ConnOutcome> = self.conns.iter().map(Conn::outcome).collect();
        live.sort_by_key(|o| o.frame);
        for o in live {
            s.push(o, CONNECTIONS_SERIES_MAX);
        }
        s.items.sort_by_key(|o| o.frame);
        s
    }

    /// Every completed handshake's initial RTT with its SYN's frame and the server, in the
    /// order the handshakes completed (a subsample past [`RTT_SERIES_MAX`]).
    pub fn rtt_series(&self) -> &Sampled<RttSample> {
        &self.rtt_series
    }

    fn percentiles(&self) -> RttPercentiles {
        let n = self.rtt.len();
        if n == 0 {
            return RttPercentiles::default();
        }
        let mut v = self.rtt.clone();
        // Nearest rank: rank ⌈p·n/100⌉ from 1.
        let mut at = |p: usize| {
            let rank = (p * n).div_ceil(100).max(1);
            let (_, x, _) = v.select_nth_unstable(rank - 1);
            *x as f64 / 1000.0
        };
        let median = at(50);
        let p95 = at(95);
        RttPercentiles {
            samples: self.rtt_seen,
            median: Some(median),
            p95: Some(p95),
        }
    }

    fn add_rtt(&mut self, ns: i64) {
        let k = self.rtt_seen;
        self.rtt_seen += 1;
        if k % self.rtt_stride != 0 {
            return;
        }
        self.rtt.push(ns);
        if self.rtt.len() >= RTT_SAMPLES_MAX {
            let mut i = 0;
            self.rtt.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.rtt_stride = self.rtt_stride.saturating_mul(2);
        }
    }

    /// A new connection for `key` (first frame from direction `d`), evicting one at the cap.
    fn open(&mut self, key: Key, d: usize) -> usize {
        let stream = self.next_stream;
        self.next_stream = self.next_stream.saturating_add(1);
        let conn = Conn::new(key, stream, d);
        let victim = if self.heads[1] != NIL {
            self.heads[1]
        } else {
            self.heads[0]
        };
        let idx = if self.conns.len() < self.max || victim == NIL {
            self.conns.push(conn);
            self.conns.len() - 1
        } else {
            let victim = victim as usize;
            self.retire(victim, Retire::Evicted);
            self.unlink(victim);
            let old = self.conns[victim].key;
            self.map.remove(&old);
            self.conns[victim] = conn;
            victim
        };
        self.map.insert(key, idx as u32);
        self.link(idx);
        idx
    }

    /// Replaces the connection in slot `idx` by a new one on the same ports (port reuse).
    fn supersede(&mut self, idx: usize, d: usize) -> usize {
        self.retire(idx, Retire::Superseded);
        self.unlink(idx);
        let stream = self.next_stream;
        self.next_stream = self.next_stream.saturating_add(1);
        self.conns[idx] = Conn::new(self.conns[idx].key, stream, d);
        self.link(idx);
        idx
    }

    fn retire(&mut self, idx: usize, why: Retire) {
        let c = self.conns[idx].summary();
        self.retired_services.add(&c);
        self.retired_outcomes
            .push(self.conns[idx].outcome(), CONNECTIONS_SERIES_MAX);
        self.retired.add(c.handshake);
        match why {
            Retire::Evicted => self.retired.evicted += 1,
            Retire::Superseded => self.retired.superseded += 1,
        }
        if matches!(c.handshake, Handshake::Refused | Handshake::Unanswered) {
            self.retired_failed.push(c.clone());
            if self.retired_failed.len() >= 2 * FAILED_CONNECTIONS_MAX {
                sort_failed(&mut self.retired_failed);
                self.retired_failed.truncate(FAILED_CONNECTIONS_MAX);
            }
        }
        self.retired_top.push(c);
        if self.retired_top.len() >= 2 * TOP_CONNECTIONS {
            sort_top(&mut self.retired_top);
            self.retired_top.truncate(TOP_CONNECTIONS);
        }
    }

    /// Marks `idx` as the most recently seen, in the list its state belongs to.
    #[inline]
    fn touch(&mut self, idx: usize) {
        let list = u8::from(self.conns[idx].closed());
        let c = &self.conns[idx];
        if c.list == list && self.tails[usize::from(list)] == idx as u32 {
            return;
        }
        self.unlink(idx);
        self.conns[idx].list = list;
        self.link(idx);
    }

    fn unlink(&mut self, idx: usize) {
        let (prev, next, list) = {
            let c = &self.conns[idx];
            (c.prev, c.next, usize::from(c.list))
        };
        if prev == NIL {
            if self.heads[list] == idx as u32 {
                self.heads[list] = next;
            }
        } else {
            self.conns[prev as usize].next = next;
        }
        if next == NIL {
            if self.tails[list] == idx as u32 {
                self.tails[list] = prev;
            }
        } else {
            self.conns[next as usize].prev = prev;
        }
        self.conns[idx].prev = NIL;
        self.conns[idx].next = NIL;
    }

    /// Appends `idx` (unlinked) at the tail of its list.
    fn link(&mut self, idx: usize) {
        let list = usize::from(self.conns[idx].list);
        let tail = self.tails[list];
        self.conns[idx].prev = tail;
        self.conns[idx].next = NIL;
        if tail == NIL {
            self.heads[list] = idx as u32;
        } else {
            self.conns[tail as usize].next = idx as u32;
        }
        self.tails[list] = idx as u32;
    }
}

fn sort_top(v: &mut [TcpConnection]) {
    v.sort_by(|x, y| y.bytes().cmp(&x.bytes()).then(x.stream.cmp(&y.stream)));
}

fn sort_failed(v: &mut [TcpConnection]) {
    v.sort_by(|x, y| {
        x.first_ns
            .unwrap_or(i64::MAX)
            .cmp(&y.first_ns.unwrap_or(i64::MAX))
            .then(x.stream.cmp(&y.stream))
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! Each scenario below was written as a capture and read by tshark 4.0.17; the expected
    //! flags are what it showed in the Info column (`[TCP Dup ACK 5#1]`, ...).

    use super::*;
    use crate::decode::IpPair;
    use std::net::Ipv4Addr;

    /// One hand-made segment between 10.0.0.1:`port` (client) and 10.0.0.2:80.
    #[derive(Clone, Copy)]
    struct Seg {
        ts: f64,
        client: bool,
        flags: u16,
        seq: u32,
        ack: u32,
        win: u16,
        len: u32,
        ws: Option<u8>,
        port: u16,
    }

    impl Seg {
        fn win(mut self, w: u16) -> Seg {
            self.win = w;
            self
        }
        fn len(mut self, n: u32) -> Seg {
            self.len = n;
            self
        }
        fn ws(mut self, s: u8) -> Seg {
            self.ws = Some(s);
            self
        }
        fn port(mut self, p: u16) -> Seg {
            self.port = p;
            self
        }
        fn record(&self) -> PacketRecord {
            let (c, s) = (
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            );
            let (src, dst, sp, dp) = if self.client {
                (c, s, self.port, 80)
            } else {
                (s, c, 80, self.port)
            };
            PacketRecord {
                ts_ns: (self.ts * 1e9).round() as i64,
                orig_len: 54 + self.len,
                cap_len: 54 + self.len,
                ip: Some(IpPair { src, dst }),
                src_port: sp,
                dst_port: dp,
                ip_proto: 6,
                tcp: Some(TcpInfo {
                    flags: self.flags,
                    seq: self.seq,
                    ack: self.ack,
                    window: self.win,
                    payload_len: self.len,
                    wscale: self.ws,
                }),
                ..PacketRecord::default()
            }
        }
    }

    fn flags(s: &str) -> u16 {
        s.chars()
            .map(|c| match c {
                'F' => FIN,
                'S' => SYN,
                'R' => RST,
                'P' => TcpInfo::PSH,
                'A' => ACK,
                _ => panic!("flag {c}"),
            })
            .fold(0, |a, b| a | b)
    }

    fn seg(client: bool, ts: f64, f: &str, seq: u32, ack: u32) -> Seg {
        Seg {
            ts,
            client,
            flags: flags(f),
            seq,
            ack,
            win: 1000,
            len: 0,
            ws: None,
            port: 1000,
        }
    }
    fn c(ts: f64, f: &str, seq: u32, ack: u32) -> Seg {
        seg(true, ts, f, seq, ack)
    }
    fn s(ts: f64, f: &str, seq: u32, ack: u32) -> Seg {
        seg(false, ts, f, seq, ack)
    }

    fn run(segs: &[Seg]) -> (Vec<TcpFrameAnalysis>, TcpAnalyzer) {
        let mut a = TcpAnalyzer::new();
        let out = segs
            .iter()
            .enumerate()
            .map(|(i, s)| a.push(i as u64 + 1, &s.record()).unwrap())
            .collect();
        (out, a)
    }

    /// The flags of every frame, as `frame:name,name` for the flagged ones.
    fn flagged(out: &[TcpFrameAnalysis]) -> Vec<String> {
        out.iter()
            .enumerate()
            .filter(|(_, f)| !f.flags.is_empty())
            .map(|(i, f)| {
                format!(
                    "{}:{}",
                    i + 1,
                    f.flags.names().collect::<Vec<_>>().join(",")
                )
            })
            .collect()
    }

    fn handshake() -> Vec<Seg> {
        vec![
            c(0.1, "S", 100, 0),
            s(0.2, "SA", 500, 101),
            c(0.3, "A", 101, 501),
        ]
    }

    #[test]
    fn sequence_comparisons_wrap() {
        assert!(gt_seq(5, u32::MAX - 5));
        assert!(lt_seq(u32::MAX - 5, 5));
        assert!(le_seq(7, 7) && le_seq(u32::MAX, 0) && !le_seq(1, 0));
        assert!(!gt_seq(3, 3) && !lt_seq(3, 3));
    }

    #[test]
    fn retransmitted_syn_and_port_reuse() {
        // A SYN sent again, a full connection, the same SYN after the close (a
        // retransmission), a new ISN after the close and one while open: new streams.
        let segs = [
            c(0.0, "S", 100, 0),
            c(1.0, "S", 100, 0),
            s(1.01, "SA", 500, 101),
            c(1.02, "A", 101, 501),
            c(1.03, "PA", 101, 501).len(10),
            s(1.04, "A", 501, 111),
            c(1.05, "FA", 111, 501),
            s(1.06, "FA", 501, 112),
            c(1.07, "A", 112, 502),
            c(2.0, "S", 100, 0),
            c(3.0, "S", 900, 0),
            s(3.01, "SA", 700, 901),
            c(3.02, "A", 901, 701),
            c(4.0, "S", 5000, 0),
            s(4.01, "SA", 7000, 5001),
            c(4.02, "A", 5001, 7001),
        ];
        let (out, a) = run(&segs);
        assert_eq!(
            flagged(&out),
            [
                "2:retransmission",
                "10:retransmission",
                "11:reused_ports",
                "14:reused_ports"
            ]
        );
        let streams: Vec<u32> = out.iter().map(|f| f.stream).collect();
        assert_eq!(streams, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
        // The SYN at time 0 counts as none (Wireshark's zero nstime): iRTT from the second.
        assert_eq!(out[3].initial_rtt_ns, Some(20_000_000));
        assert_eq!(out[2].initial_rtt_ns, None);
        assert_eq!(out[12].initial_rtt_ns, Some(20_000_000));
        assert_eq!(out[15].initial_rtt_ns, Some(20_000_000));
        let sum = a.summary();
        assert_eq!(sum.reused_ports, 2);
        assert_eq!(sum.retransmissions, 2);
        assert_eq!(sum.connections.total, 3);
        assert_eq!(sum.connections.completed, 3);
        assert_eq!(sum.connections.superseded, 2);
        assert_eq!(sum.connections.tracked, 1);
        assert_eq!(sum.handshake_rtt_us.samples, 3);
        assert_eq!(sum.handshake_rtt_us.median, Some(20_000.0));
    }

    #[test]
    fn retransmitted_syn_restores_nextseq() {
        // A RST with a wild sequence number, then the SYN again: the data after it is new.
        let segs = [
            c(0.1, "S", 100, 0),
            c(0.5, "R", 5000, 0),
            c(1.0, "S", 100, 0),
            c(1.5, "PA", 101, 0).len(10),
        ];
        assert_eq!(flagged(&run(&segs).0), ["3:retransmission"]);
    }

    #[test]
    fn acked_unseen_segments() {
        let mut segs = handshake();
        segs.extend([
            s(0.4, "PA", 501, 101).len(10),
            c(0.5, "A", 101, 600),
            c(0.6, "A", 101, 600),
            c(0.7, "A", 101, 600),
            s(0.8, "PA", 700, 101).len(10),
            c(0.9, "A", 101, 800),
        ]);
        assert_eq!(
            flagged(&run(&segs).0),
            [
                "5:ack_lost_segment",
                "6:duplicate_ack",
                "7:duplicate_ack",
                "8:lost_segment",
                "9:ack_lost_segment"
            ]
        );
        let mut segs = handshake();
        segs.extend([
            s(0.4, "PA", 501, 101).len(10),
            c(0.5, "A", 101, 600),
            c(0.6, "A", 101, 650),
            c(0.7, "A", 101, 650),
            c(0.8, "A", 101, 700),
            s(0.9, "PA", 511, 101).len(10),
            c(1.0, "A", 101, 700),
            c(1.1, "A", 101, 710),
            s(1.2, "PA", 521, 105).len(10),
            c(1.3, "A", 101, 720),
        ]);
        let (out, _) = run(&segs);
        assert_eq!(
            flagged(&out),
            [
                "5:ack_lost_segment",
                "7:duplicate_ack",
                "9:spurious_retransmission",
                "10:duplicate_ack",
                "12:ack_lost_segment,spurious_retransmission",
                "13:ack_lost_segment"
            ]
        );
        assert_eq!((out[6].dup_ack_num, out[6].dup_ack_frame), (1, 6));
        assert_eq!((out[9].dup_ack_num, out[9].dup_ack_frame), (1, 8));
    }

    #[test]
    fn duplicate_acks_count_until_the_ack_changes() {
        let mut segs = handshake();
        segs.extend([
            s(0.4, "PA", 501, 101).len(10),
            c(0.5, "A", 101, 511),
            c(0.6, "A", 101, 511),
            c(0.7, "PA", 101, 511).len(10),
            c(0.8, "A", 111, 511),
            c(0.9, "A", 111, 511).win(2000),
            c(1.0, "A", 111, 511).win(2000),
        ]);
        let (out, a) = run(&segs);
        assert_eq!(
            flagged(&out),
            [
                "6:duplicate_ack",
                "8:duplicate_ack",
                "9:window_update",
                "10:duplicate_ack"
            ]
        );
        let dups: Vec<(u32, u32)> = [5, 7, 9]
            .iter()
            .map(|&i| (out[i].dup_ack_num, out[i].dup_ack_frame))
            .collect();
        assert_eq!(dups, [(1, 5), (2, 5), (3, 5)]);
        assert_eq!(a.summary().duplicate_acks, 3);
        assert_eq!(a.summary().window_updates, 1);
    }

    #[test]
    fn out_of_order_spurious_and_fin_retransmission() {
        let mut segs = handshake();
        segs.extend([
            c(1.0, "PA", 101, 501).len(10),
            c(1.0005, "PA", 111, 501).len(10),
            c(1.001, "PA", 101, 501).len(10),
            s(1.002, "A", 501, 121),
            c(1.003, "PA", 111, 501).len(10),
            c(1.004, "FA", 121, 501),
            c(1.0045, "FA", 121, 501),
        ]);
        assert_eq!(
            flagged(&run(&segs).0),
            [
                "6:out_of_order",
                "8:spurious_retransmission",
                "10:retransmission"
            ]
        );
        // Spurious is checked before out-of-order.
        let mut segs = handshake();
        segs.extend([
            c(1.0, "PA", 101, 501).len(10),
            c(1.0005, "PA", 111, 501).len(10),
            s(1.0006, "A", 501, 121),
            c(1.001, "PA", 101, 501).len(5),
            c(1.002, "PA", 121, 501).len(10),
            c(1.003, "PA", 126, 501).len(10),
        ]);
        assert_eq!(
            flagged(&run(&segs).0),
            ["7:spurious_retransmission", "9:out_of_order"]
        );
    }

    #[test]
    fn out_of_order_threshold_is_the_initial_rtt() {
        // (iRTT, gap since the highest segment) -> out-of-order or retransmission.
        let cases = [
            (0.2, 0.002, "out_of_order"),
            (0.2, 0.05, "out_of_order"),
            (0.2, 0.19, "out_of_order"),
            (0.001, 0.002, "retransmission"),
            (0.001, 0.0009, "out_of_order"),
            (0.01, 0.005, "out_of_order"),
        ];
        for (i, (rtt, gap, want)) in cases.into_iter().enumerate() {
            let p = 1000 + i as u16;
            let b = f64::from(p) * 10.0;
            let segs = [
                c(b, "S", 100, 0).port(p),
                s(b + rtt / 2.0, "SA", 500, 101).port(p),
                c(b + rtt, "A", 101, 501).port(p),
                c(b + 1.0, "PA", 101, 501).len(10).port(p),
                c(b + 1.0001, "PA", 111, 501).len(10).port(p),
                c(b + 1.0001 + gap, "PA", 101, 501).len(10).port(p),
            ];
            assert_eq!(flagged(&run(&segs).0), [format!("6:{want}")], "case {i}");
        }
        // Without an initial RTT (the SYN at time 0) the threshold is 3 ms.
        let segs = [
            c(0.0, "S", 100, 0),
            s(0.1, "SA", 500, 101),
            c(0.2, "A", 101, 501),
            c(21.003, "PA", 121, 501).len(10),
            c(21.1, "PA", 131, 501).len(10),
            c(21.11, "PA", 121, 501).len(10),
        ];
        assert_eq!(
            flagged(&run(&segs).0),
            ["4:lost_segment", "6:retransmission"]
        );
    }

    #[test]
    fn window_full_uses_the_scaled_window_after_the_first_ack() {
        let segs = [
            c(0.1, "S", 100, 0).win(65535).ws(2),
            s(0.2, "SA", 500, 101).win(100).ws(0),
            c(0.3, "PA", 101, 501).len(100),
            c(0.4, "PA", 201, 501).len(10),
            s(0.5, "A", 501, 211).win(30),
            c(0.6, "PA", 211, 501).len(30),
        ];
        assert_eq!(flagged(&run(&segs).0), ["3:window_full", "6:window_full"]);
        let segs = [
            c(0.1, "S", 100, 0).win(65535).ws(2),
            s(0.2, "SA", 500, 101).win(100).ws(1),
            s(0.25, "A", 501, 101).win(100),
            c(0.3, "PA", 101, 501).len(200),
            s(0.5, "A", 501, 301).win(30),
            c(0.6, "PA", 301, 501).len(60),
        ];
        assert_eq!(
            flagged(&run(&segs).0),
            ["3:duplicate_ack", "4:window_full", "6:window_full"]
        );
        // Before the receiver's first ACK its window is not scaled yet.
        let segs = [
            c(0.1, "S", 100, 0).win(65535).ws(2),
            s(0.2, "SA", 500, 101).win(100).ws(1),
            c(0.3, "PA", 101, 501).len(100),
            c(0.4, "PA", 201, 501).len(100),
        ];
        assert_eq!(flagged(&run(&segs).0), ["3:window_full"]);
    }

    #[test]
    fn synack_with_another_isn() {
        let segs = [
            c(0.1, "S", 100, 0),
            s(0.2, "SA", 500, 101),
            s(0.3, "SA", 900, 101),
            c(0.4, "A", 101, 901),
            s(0.5, "PA", 901, 101).len(5),
        ];
        let (out, _) = run(&segs);
        assert_eq!(
            flagged(&out),
            ["3:lost_segment,reused_ports", "4:ack_lost_segment"]
        );
        assert!(out.iter().all(|f| f.stream == 0));
    }

    #[test]
    fn zero_window_keep_alive_and_fast_retransmission() {
        let mut segs = handshake();
        segs.extend([
            c(1.0, "PA", 101, 501).len(10),
            s(1.1, "A", 501, 111).win(0),
            c(1.2, "PA", 111, 501).len(1),
            s(1.3, "A", 501, 111).win(0),
            s(1.35, "A", 501, 111).win(0),
            s(1.4, "A", 501, 111).win(500),
            c(1.5, "PA", 111, 501).len(10),
            s(1.6, "A", 501, 121).win(500),
            c(10.0, "A", 120, 501),
            s(10.1, "A", 501, 121).win(500),
            c(20.0, "PA", 120, 501).len(1),
            s(20.1, "A", 501, 121).win(500),
            s(21.0, "A", 501, 121).win(500),
            s(21.001, "A", 501, 121).win(500),
            s(21.002, "A", 501, 121).win(500),
            c(21.003, "PA", 121, 501).len(10),
            s(21.005, "A", 501, 121).win(500),
            s(21.006, "A", 501, 121).win(500),
            c(21.007, "PA", 121, 501).len(10),
            c(21.1, "PA", 131, 501).len(10),
            c(21.4, "PA", 121, 501).len(10),
            c(22.0, "RA", 141, 501),
        ]);
        let (out, a) = run(&segs);
        assert_eq!(
            flagged(&out),
            [
                "5:zero_window",
                "6:zero_window_probe",
                "7:zero_window,zero_window_probe_ack",
                "8:zero_window,zero_window_probe_ack",
                "9:window_update",
                "12:keep_alive",
                "13:keep_alive_ack",
                "14:keep_alive",
                "15:keep_alive_ack",
                "16:keep_alive_ack",
                "17:keep_alive_ack",
                "18:keep_alive_ack",
                "20:duplicate_ack",
                "21:duplicate_ack",
                "22:fast_retransmission",
                "24:retransmission",
            ]
        );
        assert_eq!((out[19].dup_ack_num, out[19].dup_ack_frame), (1, 11));
        assert_eq!((out[20].dup_ack_num, out[20].dup_ack_frame), (2, 11));
        let sum = a.summary();
        assert_eq!(sum.retransmissions, 2);
        assert_eq!(sum.fast_retransmissions, 1);
        assert_eq!(sum.zero_windows, 3);
        assert_eq!(sum.zero_window_probes, 1);
        assert_eq!(sum.zero_window_probe_acks, 2);
        assert_eq!(sum.keep_alives, 2);
        assert_eq!(sum.keep_alive_acks, 5);
        assert_eq!(sum.resets, 1);
        let conn = &sum.top_connections[0];
        assert_eq!(conn.handshake, Handshake::Completed);
        assert_eq!(conn.retransmissions, 2);
        assert_eq!(conn.resets, 1);
        assert!(conn.closed);
    }

    #[test]
    fn handshake_states_and_rtts() {
        let segs = [
            // Completed: SYN at 1, SYN/ACK at +12.345 ms, ACK 0.2 ms later.
            c(1.0, "S", 100, 0).port(1),
            s(1.012345, "SA", 500, 101).port(1),
            c(1.012545, "A", 101, 501).port(1),
            // Refused.
            c(2.0, "S", 100, 0).port(2),
            s(2.001, "RA", 0, 101).port(2),
            // Unanswered, twice.
            c(3.0, "S", 100, 0).port(3),
            c(4.0, "S", 100, 0).port(3),
            // Half-open: SYN/ACK, then RST from the client.
            c(5.0, "S", 100, 0).port(4),
            s(5.001, "SA", 500, 101).port(4),
            c(5.002, "R", 101, 0).port(4),
            // Midstream.
            c(6.0, "PA", 7000, 9000).len(100).port(5),
        ];
        let (out, a) = run(&segs);
        assert_eq!(out[2].initial_rtt_ns, Some(12_545_000));
        let sum = a.summary();
        let n = sum.connections;
        assert_eq!(
            (
                n.total,
                n.completed,
                n.refused,
                n.unanswered,
                n.incomplete,
                n.no_handshake
            ),
            (5, 1, 1, 1, 1, 1)
        );
        assert_eq!(sum.handshake_rtt_us.median, Some(12_545.0));
        assert_eq!(sum.handshake_rtt_us.p95, Some(12_545.0));
        let done = sum.top_connections.iter().find(|c| c.stream == 0).unwrap();
        assert_eq!(done.syn_to_synack_ns, Some(12_345_000));
        assert_eq!(done.synack_to_ack_ns, Some(200_000));
        assert_eq!(done.client_port, 1);
        assert_eq!(done.server_port, 80);
        assert!(done.client_known);
        let failed: Vec<(u16, Handshake)> = sum
            .failed_connections
            .iter()
            .map(|c| (c.client_port, c.handshake))
            .collect();
        assert_eq!(
            failed,
            [(2, Handshake::Refused), (3, Handshake::Unanswered)]
        );
        assert_eq!(sum.failed_connections[1].syns, 2);
        let mid = sum.top_connections.iter().find(|c| c.stream == 4).unwrap();
        assert!(!mid.client_known);
        assert_eq!(mid.client_port, 5);
        assert_eq!(mid.packets_to_server, 1);
        assert_eq!(mid.bytes_to_server, 154);
        let json = serde_json::to_string(&sum).unwrap();
        let back: TcpSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sum);
        assert!(json.contains("\"handshake\":\"no_handshake\""));

        // The series: one RTT keyed by the SYN's frame, every outcome by its first frame.
        let rtt = a.rtt_series();
        assert_eq!(rtt.items.len(), 1);
        assert_eq!((rtt.items[0].frame, rtt.items[0].port), (1, 80));
        assert_eq!(rtt.items[0].rtt_us, 12_545.0);
        assert_eq!(rtt.items[0].ts_ns, 1_000_000_000);
        let outcomes: Vec<(u64, Handshake)> = a
            .connection_outcomes()
            .items
            .iter()
            .map(|o| (o.frame, o.handshake))
            .collect();
        assert_eq!(
            outcomes,
            [
                (1, Handshake::Completed),
                (4, Handshake::Refused),
                (6, Handshake::Unanswered),
                (8, Handshake::Incomplete),
                (11, Handshake::NoHandshake)
            ]
        );
        // One service (10.0.0.2:80) from one client.
        let svc = a.service_stats();
        assert_eq!(svc.len(), 1);
        let t = &svc[0];
        assert_eq!((t.connections, t.completed, t.failed), (5, 1, 3));
        assert_eq!(t.short, 0, "the completed connection never closed");
        assert_eq!(t.data_frames, 1, "the midstream segment");
        assert_eq!(t.packets, 11);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let mut a = TcpAnalyzer::new();
        for ms in 1..=10 {
            a.add_rtt(ms * 1_000_000);
        }
        let p = a.percentiles();
        assert_eq!(
            (p.samples, p.median, p.p95),
            (10, Some(5_000.0), Some(10_000.0))
        );
        let mut a = TcpAnalyzer::new();
        a.add_rtt(7_000);
        assert_eq!(a.percentiles().median, Some(7.0));
    }

    #[test]
    fn rtt_samples_stay_bounded() {
        let mut a = TcpAnalyzer::new();
        for i in 0..(RTT_SAMPLES_MAX as i64 * 3) {
            a.add_rtt(i + 1);
        }
        assert!(a.rtt.len() < RTT_SAMPLES_MAX);
        assert_eq!(a.percentiles().samples, RTT_SAMPLES_MAX as u64 * 3);
    }

    #[test]
    fn eviction_prefers_closed_then_least_recent() {
        let mut a = TcpAnalyzer::with_capacity(3);
        let mut n = 0u64;
        let mut push = |a: &mut TcpAnalyzer, s: Seg| {
            n += 1;
            a.push(n, &s.record()).unwrap()
        };
        // Port 1 open, port 2 closed by RST, port 3 open.
        push(&mut a, c(1.0, "S", 1, 0).port(1));
        push(&mut a, c(1.1, "S", 1, 0).port(2));
        push(&mut a, s(1.2, "RA", 0, 2).port(2));
        push(&mut a, c(1.3, "S", 1, 0).port(3));
        push(&mut a, c(1.4, "S", 1, 0).port(1));
        // Port 4 evicts the closed port 2, port 5 then the least recent (port 3).
        push(&mut a, c(1.5, "S", 1, 0).port(4));
        push(&mut a, c(1.6, "S", 1, 0).port(5));
        let mut ports: Vec<u16> = a
            .conns
            .iter()
            .map(|c| c.key.a_port.min(c.key.b_port))
            .collect();
        ports.sort_unstable();
        assert_eq!(ports, [1, 4, 5]);
        let sum = a.summary();
        assert_eq!(sum.connections.evicted, 2);
        assert_eq!(sum.connections.total, 5);
        assert_eq!(sum.connections.refused, 1);
        assert_eq!(sum.connections.unanswered, 4);
        // Port 3 comes back: a new connection without handshake.
        let f = push(&mut a, c(1.7, "A", 2, 0).port(3));
        assert_eq!(f.stream, 5);
        assert_eq!(a.summary().connections.no_handshake, 1);
    }

    #[test]
    fn data_retransmissions_leave_out_syns_and_survive_eviction() {
        let segs = [
            // A SYN sent twice, then a connection with 3 data segments, one sent twice.
            c(1.0, "S", 100, 0).port(1),
            c(2.0, "S", 100, 0).port(1),
            s(2.01, "SA", 500, 101).port(1),
            c(2.02, "A", 101, 501).port(1),
            c(2.03, "PA", 101, 501).len(100).port(1),
            c(2.04, "PA", 201, 501).len(100).port(1),
            c(2.5, "PA", 101, 501).len(100).port(1),
            s(2.51, "A", 501, 301).port(1),
            c(2.6, "FA", 301, 501).port(1),
            s(2.61, "FA", 501, 302).port(1),
            c(2.62, "A", 302, 502).port(1),
        ];
        let (out, a) = run(&segs);
        assert!(out[1].flags.is_retransmission(), "the second SYN");
        assert!(out[6].flags.is_retransmission(), "the data segment again");
        let conn = &a.summary().top_connections[0];
        assert_eq!(conn.retransmissions, 2);
        assert_eq!(
            (conn.data_frames, conn.data_retransmissions),
            (5, 1),
            "2 data segments, 1 again, a FIN each way"
        );
        assert_eq!(conn.first_frame, 1);
        let svc = a.service_stats();
        assert_eq!((svc[0].data_frames, svc[0].data_retransmissions), (5, 1));
        assert_eq!(svc[0].short, 1, "completed, closed, 11 frames in 1.6 s");

        // With room for one connection, the first is evicted by the second and still counted.
        let mut a = TcpAnalyzer::with_capacity(1);
        for (i, sg) in segs.iter().enumerate() {
            a.push(i as u64 + 1, &sg.record());
        }
        let n = segs.len() as u64;
        a.push(n + 1, &c(3.0, "S", 900, 0).port(2).record());
        let svc = a.service_stats();
        assert_eq!(svc[0].connections, 2);
        assert_eq!(svc[0].data_retransmissions, 1);
        let o = a.connection_outcomes();
        assert_eq!(o.items.len(), 2);
        assert_eq!(o.items[1].frame, n + 1);
        assert_eq!(o.items[1].handshake, Handshake::Unanswered);
    }

    #[test]
    fn no_tcp_no_analysis_and_bounded_size() {
        let mut a = TcpAnalyzer::new();
        assert!(a.push(1, &PacketRecord::default()).is_none());
        let mut r = c(1.0, "S", 1, 0).record();
        r.ip = None;
        assert!(a.push(2, &r).is_none());
        println!(
            "Conn {} bytes, map entry {} bytes, per connection {} bytes",
            std::mem::size_of::<Conn>(),
            std::mem::size_of::<(Key, u32)>(),
            bytes_per_connection()
        );
        assert!(bytes_per_connection() < 320, "{}", bytes_per_connection());
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        fn arb_seg() -> impl Strategy<Value = (u8, bool, u16, u32, u32, u16, u32, Option<u8>, u32)>
        {
            (
                0u8..4,
                any::<bool>(),
                0u16..0x200,
                prop_oneof![0u32..64, any::<u32>()],
                prop_oneof![0u32..64, any::<u32>()],
                prop_oneof![Just(0u16), Just(1000u16), any::<u16>()],
                prop_oneof![Just(0u32), Just(1u32), 0u32..40, any::<u32>()],
                proptest::option::of(any::<u8>()),
                0u32..5_000_000,
            )
        }

        proptest! {
            #[test]
            fn never_panics_and_stays_consistent(
                segs in proptest::collection::vec(arb_seg(), 0..200),
                cap in 1usize..4,
            ) {
                let mut a = TcpAnalyzer::with_capacity(cap);
                let mut t = 1.0f64;
                for (i, (conn, client, flags, seq, ack, win, len, ws, gap)) in segs.into_iter().enumerate() {
                    t += f64::from(gap) / 1e9;
                    let mut sg = seg(client, t, "", seq, ack).port(u16::from(conn) + 1).win(win).len(len);
                    sg.flags = flags;
                    sg.ws = ws;
                    let out = a.push(i as u64 + 1, &sg.record());
                    prop_assert!(out.is_some());
                    prop_assert!(a.tracked() <= cap);
                    let s = a.summary();
                    let n = s.connections;
                    prop_assert_eq!(
                        n.completed + n.refused + n.unanswered + n.incomplete + n.no_handshake,
                        n.total
                    );
                    prop_assert_eq!(n.total, n.tracked + n.evicted + n.superseded);
                    prop_assert_eq!(s.tcp_frames, i as u64 + 1);
                    prop_assert!(s.retransmissions <= s.tcp_frames);
                    prop_assert!(s.top_connections.len() <= TOP_CONNECTIONS);
                }
            }
        }
    }
}
