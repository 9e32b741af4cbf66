//! The packet index: a compact struct of arrays, one entry per frame, for the packet table
//! (paging, sorting), re-reading one packet from the file by its offset, and filtering and
//! re-aggregating without re-reading the file.
//!
//! [`PacketIndex::record`] rebuilds every field of the frame's [`PacketRecord`] that the display
//! filter, the colouring rules and the aggregates read — all of them but TCP's sequence and
//! acknowledgement numbers and window scale — including the frame's `tcp.analysis.*` flags
//! when the TCP analysis filled them in ([`PacketIndex::has_tcp_analysis`]).
//!
//! # Layout
//!
//! An entry costs [`PacketIndex::BYTES_PER_PACKET`] bytes in the dense columns, all stored in
//! fixed blocks of [`BLOCK`] entries (a growing `Vec` doubles and copies, and WebAssembly memory
//! never shrinks):
//!
//! | column | bytes | how |
//! |---|---|---|
//! | timestamp | 4 (8) | per block, a base and `u32` offsets while the block's times are within 1.07 s before its first and 3.2 s after, else `i64` |
//! | data offset | 4 (8) | per block, a base and `u32` offsets, else `u64` |
//! | original and captured length | 2 + 2 (4 + 4) | `u16` per block while every value fits, else `u32` |
//! | innermost addresses | 4 + 4 | interned: a [`AddrId`] each |
//! | ports | 2 + 2 | |
//! | shape | 2 | interned: protocols, link type, IP protocol, application protocol, damage, ICMP type and code, and which optional parts the frame has |
//! | Ethernet addresses and VLAN id | 4 | interned pair (with the outer VLAN id) |
//! | TTL / hop limit | 1 | |
//! | TCP flags, window, payload length | 2 + 2 + 2 (4) | zero for frames without TCP |
//!
//! Rare fields live in position-sorted side columns ([`Sparse`]), read with a forward cursor
//! during scans: the outer IP pair of a tunnelled frame (12 bytes per such frame), DNS header
//! fields (12 bytes per DNS message), the name id (TLS SNI, HTTP Host, DNS query name: 8 bytes
//! per frame that has one), the `tcp.analysis.*` flags (6 bytes per frame with a flag set,
//! nothing for the others). The interners' tables are capped ([`IndexLimits`]); a value that
//! finds no room is kept in a side column of escapes instead, so nothing is ever lost.
//! [`PacketIndex::heap_bytes`] measures the whole.

use crate::capture::{Frame, NO_TIMESTAMP};
use crate::decode::{AppProto, DnsInfo, IpPair, Layer, NameId, PacketRecord, Protocols, TcpInfo};
use crate::hashing::{flow_map, FlowMap};
use std::hash::Hash;
use std::net::IpAddr;

/// Distinct addresses the interner keeps by default; later new addresses are kept as escapes.
pub const MAX_ADDRESSES: usize = 1 << 22;
/// Distinct (Ethernet source, destination, VLAN id) triples the interner keeps by default.
pub const MAX_LINK_PAIRS: usize = 1 << 18;
/// Distinct frame shapes the interner keeps (ids are `u16`; one value marks an escape).
pub const MAX_SHAPES: usize = (u16::MAX as usize) - 1;
/// Address ids from this value up are not the index's (see [`AddrId`]).
const ADDR_ID_LIMIT: usize = 1 << 31;

/// Entries per block of every column.
pub const BLOCK: usize = 1 << 12;
const BLOCK_SHIFT: u32 = BLOCK.trailing_zeros();

/// How far before a block's first timestamp the block's base is put, so that slightly
/// out-of-order timestamps still fit the narrow form (about 1.07 s).
const TS_SLACK: i64 = 1 << 30;

/// An interned address id. 0 = no address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddrId(pub u32);

impl AddrId {
    /// No address (non-IP frame).
    pub const NONE: AddrId = AddrId(0);
    /// An address that found no room in the interner (the index keeps it as an escape).
    pub const OTHER: AddrId = AddrId(u32::MAX);
}

/// A column to sort the packet table by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Frame number (file order).
    Number,
    /// Timestamp.
    Time,
    /// Source address.
    Source,
    /// Destination address.
    Destination,
    /// Highest protocol.
    Protocol,
    /// Original length.
    Length,
}

/// One entry of the index, reassembled from its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Frame number, from 1.
    pub number: u64,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Byte offset of the frame's data in the (decompressed) capture stream.
    pub data_offset: u64,
    /// Original length.
    pub orig_len: u32,
    /// Captured length.
    pub cap_len: u32,
    /// Innermost source address.
    pub src: Option<IpAddr>,
    /// Innermost destination address.
    pub dst: Option<IpAddr>,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Protocols present.
    pub protocols: Protocols,
    /// IP protocol number of the transport.
    pub ip_proto: u8,
    /// TCP flags (0 without TCP).
    pub tcp_flags: u16,
    /// The frame's `LINKTYPE_*`.
    pub link_type: u32,
}

/// Caps on the index's interners. Values past a cap are kept as escapes (a side column), so
/// the caps bound the tables, never what the index can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexLimits {
    /// Distinct IP addresses (at most 2^31 - 2).
    pub addresses: usize,
    /// Distinct Ethernet address pairs (with their VLAN id).
    pub link_pairs: usize,
    /// Distinct frame shapes (at most [`MAX_SHAPES`]).
    pub shapes: usize,
}

impl Default for IndexLimits {
    fn default() -> Self {
        IndexLimits {
            addresses: MAX_ADDRESSES,
            link_pairs: MAX_LINK_PAIRS,
            shapes: MAX_SHAPES,
        }
    }
}

/// Bytes a `Vec`'s buffer takes.
fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}

/// One column of the index, stored in fixed blocks of [`BLOCK`] entries. A growing `Vec`
/// doubles and copies, and WebAssembly memory never shrinks, so the old buffers would stay
/// allocated: with blocks a column costs its entries and at most one partly filled block.
#[derive(Debug, Clone)]
pub struct Column<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Copy> Column<T> {
    /// Appends a value.
    #[inline]
    pub fn push(&mut self, v: T) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < BLOCK => b.push(v),
            _ => {
                let mut b = Vec::with_capacity(BLOCK);
                b.push(v);
                self.blocks.push(b);
            }
        }
        self.len += 1;
    }

    /// Value `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.blocks.get(i >> BLOCK_SHIFT)?.get(i & (BLOCK - 1))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The values of block `b` (entries `b * BLOCK ..`); empty past the end.
    #[inline]
    pub fn block(&self, b: usize) -> &[T] {
        self.blocks.get(b).map_or(&[], |v| &v[..])
    }

    /// Bytes of heap the column takes.
    pub fn heap_bytes(&self) -> usize {
        vec_bytes(&self.blocks) + self.blocks.iter().map(vec_bytes).sum::<usize>()
    }
}

/// A block of `u32` values, 16 bits each while they fit.
#[derive(Debug, Clone)]
enum NarrowBlock {
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl NarrowBlock {
    fn len(&self) -> usize {
        match self {
            NarrowBlock::U16(v) => v.len(),
            NarrowBlock::U32(v) => v.len(),
        }
    }
}

/// A block of a [`NarrowColumn`], borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Narrow<'a> {
    U16(&'a [u16]),
    U32(&'a [u32]),
}

impl Narrow<'_> {
    /// Value `j` of the block (0 past its end).
    #[inline]
    pub(crate) fn at(self, j: usize) -> u32 {
        match self {
            Narrow::U16(v) => v.get(j).map_or(0, |&x| u32::from(x)),
            Narrow::U32(v) => v.get(j).copied().unwrap_or(0),
        }
    }
}

/// `u32` values in blocks that take 2 bytes a value until a value needs more.
#[derive(Debug, Clone, Default)]
struct NarrowColumn {
    blocks: Vec<NarrowBlock>,
    len: usize,
}

impl NarrowColumn {
    fn push(&mut self, v: u32) {
        if self.blocks.last().is_none_or(|b| b.len() >= BLOCK) {
            self.blocks
                .push(NarrowBlock::U16(Vec::with_capacity(BLOCK)));
        }
        if let Some(b) = self.blocks.last_mut() {
            match b {
                NarrowBlock::U16(x) => match u16::try_from(v) {
                    Ok(s) => x.push(s),
                    Err(_) => {
                        let mut w: Vec<u32> = Vec::with_capacity(BLOCK);
                        w.extend(x.iter().map(|&s| u32::from(s)));
                        w.push(v);
                        *b = NarrowBlock::U32(w);
                    }
                },
                NarrowBlock::U32(x) => x.push(v),
            }
        }
        self.len += 1;
    }

    #[inline]
    fn block(&self, b: usize) -> Narrow<'_> {
        match self.blocks.get(b) {
            Some(NarrowBlock::U16(v)) => Narrow::U16(v),
            Some(NarrowBlock::U32(v)) => Narrow::U32(v),
            None => Narrow::U16(&[]),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<u32> {
        match self.blocks.get(i >> BLOCK_SHIFT)? {
            NarrowBlock::U16(v) => v.get(i & (BLOCK - 1)).map(|&x| u32::from(x)),
            NarrowBlock::U32(v) => v.get(i & (BLOCK - 1)).copied(),
        }
    }

    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.blocks)
            + self
                .blocks
                .iter()
                .map(|b| match b {
                    NarrowBlock::U16(v) => vec_bytes(v),
                    NarrowBlock::U32(v) => vec_bytes(v),
                })
                .sum::<usize>()
    }
}

/// A block of `i64` values: a base and `u32` offsets from it while they fit.
#[derive(Debug, Clone)]
enum DeltaBlock {
    Narrow { base: i64, offsets: Vec<u32> },
    Wide(Vec<i64>),
}

impl DeltaBlock {
    fn len(&self) -> usize {
        match self {
            DeltaBlock::Narrow { offsets, .. } => offsets.len(),
            DeltaBlock::Wide(v) => v.len(),
        }
    }
}

/// A block of a [`DeltaColumn`], borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Delta<'a> {
    Narrow(i64, &'a [u32]),
    Wide(&'a [i64]),
}

impl Delta<'_> {
    /// Value `j` of the block (0 past its end).
    #[inline]
    pub(crate) fn at(self, j: usize) -> i64 {
        match self {
            Delta::Narrow(base, v) => v.get(j).map_or(0, |&x| base.wrapping_add(i64::from(x))),
            Delta::Wide(v) => v.get(j).copied().unwrap_or(0),
        }
    }
}

/// `i64` values stored as 4-byte offsets from a per-block base while the block's values are
/// within 4 Gi of each other (timestamps within 3.2 s, file offsets within 4 GiB).
#[derive(Debug, Clone)]
struct DeltaColumn {
    blocks: Vec<DeltaBlock>,
    len: usize,
    /// How far below a block's first value its base goes.
    slack: i64,
}

impl DeltaColumn {
    fn new(slack: i64) -> Self {
        DeltaColumn {
            blocks: Vec::new(),
            len: 0,
            slack,
        }
    }

    fn push(&mut self, v: i64) {
        if self.blocks.last().is_none_or(|b| b.len() >= BLOCK) {
            self.blocks.push(DeltaBlock::Narrow {
                base: v.saturating_sub(self.slack),
                offsets: Vec::with_capacity(BLOCK),
            });
        }
        if let Some(b) = self.blocks.last_mut() {
            match b {
                DeltaBlock::Narrow { base, offsets } => {
                    match u32::try_from(i128::from(v) - i128::from(*base)) {
                        Ok(x) => offsets.push(x),
                        Err(_) => {
                            let mut w: Vec<i64> = Vec::with_capacity(BLOCK);
                            w.extend(offsets.iter().map(|&x| base.wrapping_add(i64::from(x))));
                            w.push(v);
                            *b = DeltaBlock::Wide(w);
                        }
                    }
                }
                DeltaBlock::Wide(w) => w.push(v),
            }
        }
        self.len += 1;
    }

    #[inline]
    fn block(&self, b: usize) -> Delta<'_> {
        match self.blocks.get(b) {
            Some(DeltaBlock::Narrow { base, offsets }) => Delta::Narrow(*base, offsets),
            Some(DeltaBlock::Wide(v)) => Delta::Wide(v),
            None => Delta::Wide(&[]),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<i64> {
        match self.blocks.get(i >> BLOCK_SHIFT)? {
            DeltaBlock::Narrow { base, offsets } => offsets
                .get(i & (BLOCK - 1))
                .map(|&x| base.wrapping_add(i64::from(x))),
            DeltaBlock::Wide(v) => v.get(i & (BLOCK - 1)).copied(),
        }
    }

    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.blocks)
            + self
                .blocks
                .iter()
                .map(|b| match b {
                    DeltaBlock::Narrow { offsets, .. } => vec_bytes(offsets),
                    DeltaBlock::Wide(v) => vec_bytes(v),
                })
                .sum::<usize>()
    }
}

/// A sparse column: values for some positions only, in increasing position order. Random
/// access is a binary search; sequential scans use a [`SparseCursor`], which costs O(1) per
/// step.
#[derive(Debug, Clone)]
pub struct Sparse<T> {
    pos: Column<u32>,
    val: Column<T>,
}

impl<T> Default for Sparse<T> {
    fn default() -> Self {
        Sparse {
            pos: Column::default(),
            val: Column::default(),
        }
    }
}

impl<T: Copy> Sparse<T> {
    /// Adds the value of position `pos`, which must be greater than every position already
    /// in the column; returns whether it was added (it is not otherwise).
    pub fn push(&mut self, pos: u32, v: T) -> bool {
        if self.last_pos().is_some_and(|last| last >= pos) {
            return false;
        }
        self.pos.push(pos);
        self.val.push(v);
        true
    }

    fn last_pos(&self) -> Option<u32> {
        self.len().checked_sub(1).and_then(|k| self.pos_at(k))
    }

    #[inline]
    fn pos_at(&self, k: usize) -> Option<u32> {
        self.pos.get(k).copied()
    }

    /// Number of positions with a value.
    pub fn len(&self) -> usize {
        self.pos.len()
    }

    /// Whether no position has a value.
    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }

    /// The index of the first entry whose position is `>= pos`.
    fn lower_bound(&self, pos: u32) -> usize {
        let blocks = &self.pos.blocks;
        let b = blocks.partition_point(|blk| blk.last().is_some_and(|&l| l < pos));
        match blocks.get(b) {
            Some(blk) => (b << BLOCK_SHIFT) + blk.partition_point(|&p| p < pos),
            None => self.len(),
        }
    }

    /// The value of position `pos`, if it has one.
    pub fn get(&self, pos: u32) -> Option<T> {
        let k = self.lower_bound(pos);
        (self.pos_at(k) == Some(pos))
            .then(|| self.val.get(k).copied())
            .flatten()
    }

    /// A cursor for reading positions in increasing order.
    pub fn cursor(&self) -> SparseCursor<'_, T> {
        SparseCursor { col: self, k: 0 }
    }

    /// Bytes of heap the column takes.
    pub fn heap_bytes(&self) -> usize {
        self.pos.heap_bytes() + self.val.heap_bytes()
    }

    /// The (position, value) pairs, in position order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, T)> + '_ {
        (0..self.len()).filter_map(|k| Some((self.pos_at(k)?, *self.val.get(k)?)))
    }
}

/// Reads a [`Sparse`] column at increasing positions in O(1) per step (any order works, an
/// earlier or far position costs a binary search).
#[derive(Debug, Clone)]
pub struct SparseCursor<'a, T> {
    col: &'a Sparse<T>,
    /// Every entry before `k` has a position lower than the last position sought.
    k: usize,
}

impl<T: Copy> SparseCursor<'_, T> {
    /// The value of position `pos`, if it has one.
    #[inline]
    pub fn seek(&mut self, pos: u32) -> Option<T> {
        let c = self.col;
        let behind = self.k > 0 && c.pos_at(self.k - 1).is_some_and(|p| p >= pos);
        if behind {
            self.k = c.lower_bound(pos);
        } else if c.pos_at(self.k).is_some_and(|p| p < pos) {
            // The next entry is the common case of a scan; further on, search.
            if c.pos_at(self.k + 1).is_none_or(|p| p >= pos) {
                self.k += 1;
            } else {
                self.k = c.lower_bound(pos);
            }
        }
        if c.pos_at(self.k) == Some(pos) {
            c.val.get(self.k).copied()
        } else {
            None
        }
    }
}

/// A value with a cheap, unkeyed 64-bit digest, for the direct-mapped cache in front of an
/// [`Interner`]'s keyed map (a collision only costs a lookup in the map).
pub trait Fold: Copy + Eq + Hash {
    /// Any 64 bits that vary with the value.
    fn fold(&self) -> u64;
}

impl Fold for u16 {
    fn fold(&self) -> u64 {
        u64::from(*self)
    }
}

impl Fold for u64 {
    fn fold(&self) -> u64 {
        *self
    }
}

impl Fold for IpAddr {
    #[inline]
    fn fold(&self) -> u64 {
        match self {
            IpAddr::V4(x) => u64::from(u32::from(*x)),
            IpAddr::V6(x) => {
                let v = u128::from(*x);
                (v as u64) ^ ((v >> 64) as u64).rotate_left(29) ^ (1 << 40)
            }
        }
    }
}

/// Slots of an [`Interner`]'s cache, as a power of two.
const INTERN_CACHE_BITS: u32 = 10;

/// A table that gives each distinct value a dense `u32` index (from 0), up to a cap. Recent
/// values are found in a small direct-mapped cache first: a multiplication instead of the
/// keyed hash, which is slow in WebAssembly.
#[derive(Debug, Clone)]
pub struct Interner<K> {
    ids: FlowMap<K, u32>,
    keys: Column<K>,
    cache: Vec<Option<(K, u32)>>,
    cap: usize,
}

impl<K: Fold> Interner<K> {
    /// An empty table that keeps at most `cap` values.
    pub fn new(cap: usize) -> Self {
        Interner {
            ids: flow_map(),
            keys: Column::default(),
            cache: Vec::new(),
            cap: cap.min(u32::MAX as usize),
        }
    }

    /// The index of `k`, added if new; `None` when `k` is new and the table is full.
    #[inline]
    pub fn intern(&mut self, k: K) -> Option<u32> {
        let c = (k.fold().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - INTERN_CACHE_BITS)) as usize;
        if let Some(Some((x, i))) = self.cache.get(c) {
            if *x == k {
                return Some(*i);
            }
        }
        let i = match self.ids.get(&k) {
            Some(&i) => i,
            None if self.keys.len() >= self.cap => return None,
            None => {
                let i = self.keys.len() as u32;
                self.keys.push(k);
                self.ids.insert(k, i);
                i
            }
        };
        if self.cache.is_empty() {
            self.cache = vec![None; 1 << INTERN_CACHE_BITS];
        }
        if let Some(slot) = self.cache.get_mut(c) {
            *slot = Some((k, i));
        }
        Some(i)
    }

    /// The value with index `i`.
    #[inline]
    pub fn get(&self, i: u32) -> Option<&K> {
        self.keys.get(i as usize)
    }

    /// The index of `k`, if it is in the table.
    pub fn find(&self, k: &K) -> Option<u32> {
        self.ids.get(k).copied()
    }

    /// Number of values kept.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Bytes of heap the table takes (the hash map's buckets estimated from its capacity).
    pub fn heap_bytes(&self) -> usize {
        let bucket = std::mem::size_of::<(K, u32)>() + 1;
        self.keys.heap_bytes() + self.ids.capacity() * bucket * 8 / 7 + vec_bytes(&self.cache)
    }
}

/// Where a frame's IP pairs are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum Layout {
    /// No IP header.
    #[default]
    NoIp,
    /// One IP pair, in the dense columns.
    Plain,
    /// A tunnelled pair equal to the outer one (both are the dense columns).
    TunnelSame,
    /// A tunnelled pair (dense columns) and an outer pair (the side column).
    Tunnel,
}

/// What a frame is, apart from its addresses, ports, lengths and time: the fields of a
/// [`PacketRecord`] that few distinct frames differ in, interned into a `u16` per entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    pub(crate) protocols: Protocols,
    pub(crate) link_type: u32,
    pub(crate) ip_proto: u8,
    pub(crate) app: AppProto,
    pub(crate) malformed: Option<Layer>,
    pub(crate) icmp: Option<(u8, u8)>,
    /// The frame has TCP fields.
    pub(crate) tcp: bool,
    /// The frame has DNS fields (in the side column).
    pub(crate) dns: bool,
    /// The frame has a name (in the side column).
    pub(crate) name: bool,
    pub(crate) layout: Layout,
    /// The outermost IP header is IPv6.
    pub(crate) outer_v6: bool,
    /// The innermost IP header is IPv6.
    pub(crate) inner_v6: bool,
}

impl Shape {
    fn of(r: &PacketRecord) -> Shape {
        Shape {
            protocols: r.protocols,
            link_type: r.link_type,
            ip_proto: r.ip_proto,
            app: r.app,
            malformed: r.malformed,
            icmp: r.icmp,
            tcp: r.tcp.is_some(),
            dns: r.dns.is_some(),
            name: r.name.0 != 0,
            layout: match (r.ip, r.tunnel_ip) {
                (None, None) => Layout::NoIp,
                (Some(_), None) => Layout::Plain,
                (Some(a), Some(b)) if a == b => Layout::TunnelSame,
                (_, Some(_)) => Layout::Tunnel,
            },
            outer_v6: r.ip.is_some_and(|p| p.src.is_ipv6()),
            inner_v6: r.inner_ip().is_some_and(|p| p.src.is_ipv6()),
        }
    }

    /// A record with the shape's fields set, everything else default.
    pub(crate) fn record(&self) -> PacketRecord {
        PacketRecord {
            link_type: self.link_type,
            protocols: self.protocols,
            ip_proto: self.ip_proto,
            app: self.app,
            malformed: self.malformed,
            icmp: self.icmp,
            tcp: self.tcp.then_some(TcpInfo::default()),
            ..PacketRecord::default()
        }
    }
}

/// A source and destination address id.
pub(crate) type IdPair = (AddrId, AddrId);

impl Fold for Shape {
    #[inline]
    fn fold(&self) -> u64 {
        let app = match self.app {
            AppProto::Known(p) => p as u64 + 1,
            AppProto::None => 0,
        };
        let icmp = self
            .icmp
            .map_or(0, |(t, c)| 0x1_0000 | u64::from(t) << 8 | u64::from(c));
        self.protocols.0.rotate_left(17)
            ^ (u64::from(self.link_type) << 40)
            ^ (u64::from(self.ip_proto) << 32)
            ^ (app << 24)
            ^ icmp
            ^ (u64::from(self.tcp) << 60 | u64::from(self.dns) << 61 | u64::from(self.name) << 62)
            ^ (self.layout as u64) << 20
            ^ u64::from(self.malformed.is_some()) << 19
    }
}

impl Fold for LinkKey {
    #[inline]
    fn fold(&self) -> u64 {
        let (s, d) = self.eth.unwrap_or_default();
        let mac = |m: [u8; 6]| m.iter().fold(0u64, |k, &b| k << 8 | u64::from(b));
        mac(s).rotate_left(24) ^ mac(d) ^ u64::from(self.vlan) << 48
    }
}

/// The shape id that marks an escape (the shape is in the side column).
pub(crate) const SHAPE_ESCAPE: u16 = u16::MAX;
/// The link id of frames without Ethernet addresses and VLAN id.
const LINK_NONE: u32 = 0;
/// The link id that marks an escape.
const LINK_ESCAPE: u32 = u32::MAX;

/// The outermost Ethernet addresses and VLAN id of a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct LinkKey {
    eth: Option<([u8; 6], [u8; 6])>,
    vlan: u16,
}

/// Addresses that found no room in the interner, for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AddrEscape {
    /// The innermost pair.
    inner: Option<IpPair>,
    /// The outer pair of a tunnelled frame.
    outer: Option<IpPair>,
}

/// Which optional groups of fields [`PacketIndex`] fills into a record (the rest is cheap and
/// always filled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Needs {
    /// IP addresses (`ip`, `tunnel_ip`).
    pub(crate) addrs: bool,
    /// Ethernet addresses and VLAN id.
    pub(crate) link: bool,
    /// DNS fields.
    pub(crate) dns: bool,
    /// Name id.
    pub(crate) name: bool,
    /// TTL.
    pub(crate) ttl: bool,
    /// TCP fields.
    pub(crate) tcp: bool,
    /// The `tcp.analysis.*` flags.
    pub(crate) tcp_analysis: bool,
}

impl Needs {
    /// Every field.
    pub(crate) const ALL: Needs = Needs {
        addrs: true,
        link: true,
        dns: true,
        name: true,
        ttl: true,
        tcp: true,
        tcp_analysis: true,
    };
}

/// The index.
#[derive(Debug)]
pub struct PacketIndex {
    ts_ns: DeltaColumn,
    data_offset: DeltaColumn,
    orig_len: NarrowColumn,
    cap_len: NarrowColumn,
    src: Column<AddrId>,
    dst: Column<AddrId>,
    src_port: Column<u16>,
    dst_port: Column<u16>,
    shape: Column<u16>,
    link: Column<u32>,
    ttl: Column<u8>,
    tcp_flags: Column<u16>,
    tcp_window: Column<u16>,
    tcp_len: NarrowColumn,
    outer: Sparse<IdPair>,
    dns: Sparse<DnsInfo>,
    names: Sparse<NameId>,
    /// The `tcp.analysis.*` flags of the frames with some set.
    tcp_analysis: Sparse<u16>,
    /// Whether the TCP analysis ran on the frames pushed (so that no flag means none set).
    has_tcp_analysis: bool,
    addr_escapes: Sparse<AddrEscape>,
    link_escapes: Sparse<LinkKey>,
    shape_escapes: Sparse<Shape>,
    addrs: Interner<IpAddr>,
    links: Interner<LinkKey>,
    shapes: Interner<Shape>,
    /// The last innermost pair interned, and its ids.
    last_pair: Option<(IpPair, AddrId, AddrId)>,
}

impl Default for PacketIndex {
    fn default() -> Self {
        Self::with_limits(IndexLimits::default())
    }
}

/// The columns of one block, borrowed, for scans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockRef<'a> {
    /// Position of the block's first entry.
    pub(crate) start: usize,
    pub(crate) ts_ns: Delta<'a>,
    pub(crate) orig_len: Narrow<'a>,
    pub(crate) cap_len: Narrow<'a>,
    pub(crate) src: &'a [AddrId],
    pub(crate) dst: &'a [AddrId],
    pub(crate) src_port: &'a [u16],
    pub(crate) dst_port: &'a [u16],
    pub(crate) shape: &'a [u16],
    link: &'a [u32],
    ttl: &'a [u8],
    tcp_flags: &'a [u16],
    tcp_window: &'a [u16],
    tcp_len: Narrow<'a>,
}

/// Forward cursors over every side column of an index, for a scan.
#[derive(Debug, Clone)]
pub(crate) struct Cursors<'a> {
    outer: SparseCursor<'a, IdPair>,
    dns: SparseCursor<'a, DnsInfo>,
    names: SparseCursor<'a, NameId>,
    tcp_analysis: SparseCursor<'a, u16>,
    addr_escapes: SparseCursor<'a, AddrEscape>,
    link_escapes: SparseCursor<'a, LinkKey>,
    shape_escapes: SparseCursor<'a, Shape>,
}

impl PacketIndex {
    /// Bytes one entry costs in the dense columns when they take their narrow forms: every
    /// block of [`BLOCK`] frames spans less than 3.2 s and less than 4 GiB of file, and holds
    /// no frame longer than 65,535 bytes. A block whose timestamps or offsets do not fit costs
    /// 4 bytes more per entry for each, one with a longer frame 4 more (6 with a TCP payload
    /// that long). The side columns and interners come on top (see the module's
    /// documentation); [`PacketIndex::heap_bytes`] measures everything.
    pub const BYTES_PER_PACKET: usize = 4 + 4 + 2 + 2 + 4 + 4 + 2 + 2 + 2 + 4 + 1 + 2 + 2 + 2;

    /// An empty index with the given caps on its interners.
    pub fn with_limits(limits: IndexLimits) -> Self {
        PacketIndex {
            ts_ns: DeltaColumn::new(TS_SLACK),
            data_offset: DeltaColumn::new(0),
            orig_len: NarrowColumn::default(),
            cap_len: NarrowColumn::default(),
            src: Column::default(),
            dst: Column::default(),
            src_port: Column::default(),
            dst_port: Column::default(),
            shape: Column::default(),
            link: Column::default(),
            ttl: Column::default(),
            tcp_flags: Column::default(),
            tcp_window: Column::default(),
            tcp_len: NarrowColumn::default(),
            outer: Sparse::default(),
            dns: Sparse::default(),
            names: Sparse::default(),
            tcp_analysis: Sparse::default(),
            has_tcp_analysis: false,
            addr_escapes: Sparse::default(),
            link_escapes: Sparse::default(),
            shape_escapes: Sparse::default(),
            addrs: Interner::new(limits.addresses.min(ADDR_ID_LIMIT - 2)),
            links: Interner::new(limits.link_pairs.min(LINK_ESCAPE as usize - 1)),
            shapes: Interner::new(limits.shapes.min(MAX_SHAPES)),
            last_pair: None,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.shape.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.shape.is_empty()
    }

    /// Distinct addresses interned.
    pub fn addresses(&self) -> usize {
        self.addrs.len()
    }

    /// Whether the frames' `tcp.analysis.*` flags were computed (the engine's
    /// [`Options::health`](crate::analyze::Options::health)): only then does an entry without
    /// flags mean that none is set, and can display filters test them.
    pub fn has_tcp_analysis(&self) -> bool {
        self.has_tcp_analysis
    }

    /// Records whether the records pushed carry their `tcp.analysis.*` flags
    /// ([`PacketRecord::tcp_analysis`]); see [`PacketIndex::has_tcp_analysis`]. The engine sets
    /// it; an index filled by hand has it off until told.
    pub fn set_has_tcp_analysis(&mut self, yes: bool) {
        self.has_tcp_analysis = yes;
    }

    /// The `tcp.analysis.*` flags of entry `i` (the bits of
    /// [`TcpFlags`](crate::health::tcp::TcpFlags)); 0 when it has none or is past the end.
    pub fn tcp_analysis(&self, i: usize) -> u16 {
        u32::try_from(i)
            .ok()
            .and_then(|p| self.tcp_analysis.get(p))
            .unwrap_or(0)
    }

    /// Number of entries with some `tcp.analysis.*` flag set.
    pub fn tcp_analysis_flagged(&self) -> usize {
        self.tcp_analysis.len()
    }

    /// Bytes of heap the whole index takes: columns, side columns and interners.
    pub fn heap_bytes(&self) -> usize {
        self.ts_ns.heap_bytes()
            + self.data_offset.heap_bytes()
            + self.orig_len.heap_bytes()
            + self.cap_len.heap_bytes()
            + self.src.heap_bytes()
            + self.dst.heap_bytes()
            + self.src_port.heap_bytes()
            + self.dst_port.heap_bytes()
            + self.shape.heap_bytes()
            + self.link.heap_bytes()
            + self.ttl.heap_bytes()
            + self.tcp_flags.heap_bytes()
            + self.tcp_window.heap_bytes()
            + self.tcp_len.heap_bytes()
            + self.outer.heap_bytes()
            + self.dns.heap_bytes()
            + self.names.heap_bytes()
            + self.tcp_analysis.heap_bytes()
            + self.addr_escapes.heap_bytes()
            + self.link_escapes.heap_bytes()
            + self.shape_escapes.heap_bytes()
            + self.addrs.heap_bytes()
            + self.links.heap_bytes()
            + self.shapes.heap_bytes()
    }

    fn intern_addr(&mut self, a: IpAddr) -> AddrId {
        match self.addrs.intern(a) {
            Some(i) => AddrId(i + 1),
            None => AddrId::OTHER,
        }
    }

    /// The address behind an id (`None` for [`AddrId::NONE`] and [`AddrId::OTHER`]: an
    /// escaped address is found through the entry, see [`PacketIndex::get`]).
    pub fn address(&self, id: AddrId) -> Option<IpAddr> {
        let i = id.0.checked_sub(1)?;
        self.addrs.get(i).copied()
    }

    /// Appends a frame. Frames must be pushed in file order.
    pub fn push(&mut self, frame: &Frame<'_>, r: &PacketRecord) {
        self.push_record(frame.data_offset, r);
    }

    /// Appends a frame's record with the byte offset of its data. Frames must be pushed in
    /// file order. Past 2^32 - 1 entries, frames are not indexed.
    pub fn push_record(&mut self, data_offset: u64, r: &PacketRecord) {
        let Ok(pos) = u32::try_from(self.len()) else {
            return;
        };
        if pos == u32::MAX {
            return;
        }
        let shape = Shape::of(r);
        let (s, d) = match r.inner_ip() {
            // Frames come in bursts of one conversation: the last pair's ids, either way.
            Some(p) => match self.last_pair {
                Some((q, a, b)) if q == p => (a, b),
                Some((q, a, b)) if q.src == p.dst && q.dst == p.src => (b, a),
                _ => {
                    let ids = (self.intern_addr(p.src), self.intern_addr(p.dst));
                    self.last_pair = Some((p, ids.0, ids.1));
                    ids
                }
            },
            None => (AddrId::NONE, AddrId::NONE),
        };
        let mut escaped = s == AddrId::OTHER || d == AddrId::OTHER;
        if shape.layout == Layout::Tunnel {
            let (os, od) = match r.ip {
                Some(p) => (self.intern_addr(p.src), self.intern_addr(p.dst)),
                None => (AddrId::NONE, AddrId::NONE),
            };
            escaped |= os == AddrId::OTHER || od == AddrId::OTHER;
            self.outer.push(pos, (os, od));
        }
        if escaped {
            self.addr_escapes.push(
                pos,
                AddrEscape {
                    inner: r.inner_ip(),
                    outer: if shape.layout == Layout::Tunnel {
                        r.ip
                    } else {
                        None
                    },
                },
            );
        }
        let sid = match self.shapes.intern(shape) {
            Some(i) => i as u16,
            None => {
                self.shape_escapes.push(pos, shape);
                SHAPE_ESCAPE
            }
        };
        let link = LinkKey {
            eth: r.eth,
            vlan: r.vlan,
        };
        let lid = if link == LinkKey::default() {
            LINK_NONE
        } else {
            match self.links.intern(link) {
                Some(i) => i + 1,
                None => {
                    self.link_escapes.push(pos, link);
                    LINK_ESCAPE
                }
            }
        };
        if let Some(dns) = r.dns {
            self.dns.push(pos, dns);
        }
        if r.name.0 != 0 {
            self.names.push(pos, r.name);
        }
        if r.tcp_analysis != 0 {
            self.tcp_analysis.push(pos, r.tcp_analysis);
        }
        let tcp = r.tcp.unwrap_or_default();
        self.ts_ns.push(r.ts_ns);
        self.data_offset.push(data_offset as i64);
        self.orig_len.push(r.orig_len);
        self.cap_len.push(r.cap_len);
        self.src.push(s);
        self.dst.push(d);
        self.src_port.push(r.src_port);
        self.dst_port.push(r.dst_port);
        self.link.push(lid);
        self.ttl.push(r.ttl);
        self.tcp_flags.push(tcp.flags);
        self.tcp_window.push(tcp.window);
        self.tcp_len.push(tcp.payload_len);
        // Last: the shape column's length is the index's.
        self.shape.push(sid);
    }

    /// Number of blocks of entries.
    pub(crate) fn blocks(&self) -> usize {
        self.len().div_ceil(BLOCK)
    }

    /// The columns of block `b`.
    #[inline]
    pub(crate) fn block(&self, b: usize) -> BlockRef<'_> {
        let shape = self.shape.block(b);
        BlockRef {
            start: b << BLOCK_SHIFT,
            ts_ns: self.ts_ns.block(b),
            orig_len: self.orig_len.block(b),
            cap_len: self.cap_len.block(b),
            src: self.src.block(b),
            dst: self.dst.block(b),
            src_port: self.src_port.block(b),
            dst_port: self.dst_port.block(b),
            shape,
            link: self.link.block(b),
            ttl: self.ttl.block(b),
            tcp_flags: self.tcp_flags.block(b),
            tcp_window: self.tcp_window.block(b),
            tcp_len: self.tcp_len.block(b),
        }
    }

    /// Cursors over the side columns, for a scan in position order.
    pub(crate) fn cursors(&self) -> Cursors<'_> {
        Cursors {
            outer: self.outer.cursor(),
            dns: self.dns.cursor(),
            names: self.names.cursor(),
            tcp_analysis: self.tcp_analysis.cursor(),
            addr_escapes: self.addr_escapes.cursor(),
            link_escapes: self.link_escapes.cursor(),
            shape_escapes: self.shape_escapes.cursor(),
        }
    }

    /// Number of interned shapes (ids `0..n`).
    pub(crate) fn shape_count(&self) -> usize {
        self.shapes.len()
    }

    /// The shape with id `id` (not [`SHAPE_ESCAPE`]).
    pub(crate) fn shape(&self, id: u16) -> Option<&Shape> {
        self.shapes.get(u32::from(id))
    }

    /// The shape of entry `i` whose shape id is [`SHAPE_ESCAPE`].
    pub(crate) fn escaped_shape(&self, i: usize, cur: &mut Cursors<'_>) -> Shape {
        u32::try_from(i)
            .ok()
            .and_then(|p| cur.shape_escapes.seek(p))
            .unwrap_or_default()
    }

    /// The shape of entry `i` (in a block, with its id).
    #[inline]
    pub(crate) fn shape_of(&self, id: u16, i: usize, cur: &mut Cursors<'_>) -> Shape {
        if id == SHAPE_ESCAPE {
            self.escaped_shape(i, cur)
        } else {
            self.shape(id).copied().unwrap_or_default()
        }
    }

    /// Inner and outer address ids of entry `i` whose shape is `shape`: `(inner, outer)`, the
    /// outer pair only for a tunnelled frame whose outer pair differs.
    #[inline]
    pub(crate) fn addr_ids(
        &self,
        blk: &BlockRef<'_>,
        j: usize,
        shape: &Shape,
        cur: &mut Cursors<'_>,
    ) -> (Option<IdPair>, Option<IdPair>) {
        let inner = match shape.layout {
            Layout::NoIp => None,
            _ => Some((
                blk.src.get(j).copied().unwrap_or_default(),
                blk.dst.get(j).copied().unwrap_or_default(),
            )),
        };
        let outer = match shape.layout {
            Layout::Tunnel => u32::try_from(blk.start + j)
                .ok()
                .and_then(|p| cur.outer.seek(p)),
            _ => None,
        };
        (inner, outer)
    }

    /// The escaped addresses of entry `i` (`(inner, outer)`).
    pub(crate) fn escaped_addrs(
        &self,
        i: usize,
        cur: &mut Cursors<'_>,
    ) -> (Option<IpPair>, Option<IpPair>) {
        u32::try_from(i)
            .ok()
            .and_then(|p| cur.addr_escapes.seek(p))
            .map_or((None, None), |e| (e.inner, e.outer))
    }

    /// Resolves a pair of ids to addresses; `escape` gives the pair when an id is escaped.
    #[inline]
    fn pair(&self, ids: IdPair, escape: impl FnOnce() -> Option<IpPair>) -> Option<IpPair> {
        if ids.0 == AddrId::OTHER || ids.1 == AddrId::OTHER {
            return escape();
        }
        Some(IpPair {
            src: self.address(ids.0)?,
            dst: self.address(ids.1)?,
        })
    }

    /// Fills `rec` with entry `j` of `blk` whose shape is `shape`: the cheap fields always,
    /// the groups of `needs` when asked. Fields not asked for are left as they were.
    #[inline]
    pub(crate) fn fill(
        &self,
        blk: &BlockRef<'_>,
        j: usize,
        shape: &Shape,
        needs: Needs,
        cur: &mut Cursors<'_>,
        rec: &mut PacketRecord,
    ) {
        let i = blk.start + j;
        let pos = u32::try_from(i).unwrap_or(u32::MAX);
        rec.ts_ns = blk.ts_ns.at(j);
        rec.orig_len = blk.orig_len.at(j);
        rec.cap_len = blk.cap_len.at(j);
        rec.link_type = shape.link_type;
        rec.protocols = shape.protocols;
        rec.ip_proto = shape.ip_proto;
        rec.app = shape.app;
        rec.malformed = shape.malformed;
        rec.icmp = shape.icmp;
        rec.src_port = blk.src_port.get(j).copied().unwrap_or(0);
        rec.dst_port = blk.dst_port.get(j).copied().unwrap_or(0);
        rec.tcp = shape.tcp.then(|| {
            if needs.tcp {
                TcpInfo {
                    flags: blk.tcp_flags.get(j).copied().unwrap_or(0),
                    window: blk.tcp_window.get(j).copied().unwrap_or(0),
                    payload_len: blk.tcp_len.at(j),
                    ..TcpInfo::default()
                }
            } else {
                TcpInfo::default()
            }
        });
        if needs.ttl {
            rec.ttl = blk.ttl.get(j).copied().unwrap_or(0);
        }
        if needs.dns {
            rec.dns = if shape.dns { cur.dns.seek(pos) } else { None };
        }
        if needs.name {
            rec.name = if shape.name {
                cur.names.seek(pos).unwrap_or_default()
            } else {
                NameId(0)
            };
        }
        if needs.tcp_analysis {
            rec.tcp_analysis = self.tcp_analysis_at(pos, cur);
        }
        if needs.link {
            let key = match blk.link.get(j).copied().unwrap_or(LINK_NONE) {
                LINK_NONE => LinkKey::default(),
                LINK_ESCAPE => cur.link_escapes.seek(pos).unwrap_or_default(),
                id => self.links.get(id - 1).copied().unwrap_or_default(),
            };
            rec.eth = key.eth;
            rec.vlan = key.vlan;
        }
        if needs.addrs {
            let (inner_ids, outer_ids) = self.addr_ids(blk, j, shape, cur);
            let mut escape = None;
            let mut escaped = || *escape.get_or_insert_with(|| self.escaped_addrs(i, cur));
            let inner = inner_ids.and_then(|ids| self.pair(ids, || escaped().0));
            let (ip, tunnel_ip) = match shape.layout {
                Layout::NoIp => (None, None),
                Layout::Plain => (inner, None),
                Layout::TunnelSame => (inner, inner),
                Layout::Tunnel => (
                    outer_ids.and_then(|ids| self.pair(ids, || escaped().1)),
                    inner,
                ),
            };
            rec.ip = ip;
            rec.tunnel_ip = tunnel_ip;
        }
    }

    /// The `tcp.analysis.*` flags of the entry at `pos`, read with a scan's cursors.
    #[inline]
    pub(crate) fn tcp_analysis_at(&self, pos: u32, cur: &mut Cursors<'_>) -> u16 {
        if self.tcp_analysis.is_empty() {
            0
        } else {
            cur.tcp_analysis.seek(pos).unwrap_or(0)
        }
    }

    /// Entry `i` (0-based; frame number `i + 1`).
    pub fn get(&self, i: usize) -> Option<Entry> {
        let b = i >> BLOCK_SHIFT;
        let j = i & (BLOCK - 1);
        let blk = self.block(b);
        let sid = *blk.shape.get(j)?;
        let mut cur = self.cursors();
        let shape = self.shape_of(sid, i, &mut cur);
        let (src, dst) = match shape.layout {
            Layout::NoIp => (None, None),
            _ => {
                let ids = (*blk.src.get(j)?, *blk.dst.get(j)?);
                match self.pair(ids, || self.escaped_addrs(i, &mut cur).0) {
                    Some(p) => (Some(p.src), Some(p.dst)),
                    None => (None, None),
                }
            }
        };
        Some(Entry {
            number: i as u64 + 1,
            ts_ns: blk.ts_ns.at(j),
            data_offset: self.data_offset.get(i)? as u64,
            orig_len: blk.orig_len.at(j),
            cap_len: blk.cap_len.at(j),
            src,
            dst,
            src_port: *blk.src_port.get(j)?,
            dst_port: *blk.dst_port.get(j)?,
            protocols: shape.protocols,
            ip_proto: shape.ip_proto,
            tcp_flags: if shape.tcp { *blk.tcp_flags.get(j)? } else { 0 },
            link_type: shape.link_type,
        })
    }

    /// Entries `start..start + count` (clipped to the index).
    pub fn page(&self, start: usize, count: usize) -> Vec<Entry> {
        (start..start.saturating_add(count).min(self.len()))
            .filter_map(|i| self.get(i))
            .collect()
    }

    /// The record of entry `i`, rebuilt from the index: every field the display filter, the
    /// colouring rules and the aggregates read, and the `tcp.analysis.*` flags. Of
    /// [`TcpInfo`], only `flags`, `window` and `payload_len` are kept (the others are their
    /// defaults). For many entries in order, [`crate::view::select`] scans faster.
    pub fn record(&self, i: usize) -> Option<PacketRecord> {
        let blk = self.block(i >> BLOCK_SHIFT);
        let j = i & (BLOCK - 1);
        let sid = *blk.shape.get(j)?;
        let mut cur = self.cursors();
        let shape = self.shape_of(sid, i, &mut cur);
        let mut rec = PacketRecord::default();
        self.fill(&blk, j, &shape, Needs::ALL, &mut cur, &mut rec);
        Some(rec)
    }

    /// Timestamp of entry `i`.
    #[inline]
    pub(crate) fn ts_ns(&self, i: usize) -> Option<i64> {
        self.ts_ns.get(i)
    }

    /// Original length of entry `i`.
    #[inline]
    pub(crate) fn orig_len(&self, i: usize) -> Option<u32> {
        self.orig_len.get(i)
    }

    /// Shape id of entry `i`.
    #[inline]
    pub(crate) fn shape_id(&self, i: usize) -> Option<u16> {
        self.shape.get(i).copied()
    }

    /// Innermost source (`dst == false`) or destination address id of entry `i`.
    #[inline]
    pub(crate) fn addr_id(&self, i: usize, dst: bool) -> Option<AddrId> {
        if dst {
            self.dst.get(i).copied()
        } else {
            self.src.get(i).copied()
        }
    }

    /// Whether some entry has an escaped address.
    pub(crate) fn has_addr_escapes(&self) -> bool {
        !self.addr_escapes.is_empty()
    }

    /// Every interned address, by id - 1.
    pub(crate) fn interned_addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        (0..self.addrs.len() as u32).filter_map(|i| self.addrs.get(i).copied())
    }

    /// Timestamp of the first entry, if it has one (the reference of `frame.time_relative`).
    pub fn first_timestamp(&self) -> Option<i64> {
        self.ts_ns.get(0).filter(|&t| t != NO_TIMESTAMP)
    }

    /// Entry positions (0-based) in the order of `key`, ascending; ties keep file order.
    pub fn sorted(&self, key: SortKey) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        crate::view::sort(self, &mut order, key, false);
        order
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decode::{Proto, Protocols};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn frame(n: u64, off: u64) -> Frame<'static> {
        Frame {
            number: n,
            ts_ns: 0,
            orig_len: 60,
            cap_len: 60,
            link_type: 1,
            data_offset: off,
            interface_id: 0,
            data: &[],
        }
    }

    #[test]
    fn round_trips_entries_and_interns_addresses() {
        let mut idx = PacketIndex::default();
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for i in 0..4u64 {
            let mut p = Protocols::default();
            p.insert(Proto::Ipv4);
            p.insert(Proto::Udp);
            let r = PacketRecord {
                ts_ns: 1000 - i as i64,
                orig_len: 60 + i as u32,
                cap_len: 60,
                protocols: p,
                ip: Some(if i % 2 == 0 {
                    IpPair { src: a, dst: b }
                } else {
                    IpPair { src: b, dst: a }
                }),
                ip_proto: 17,
                src_port: 53,
                dst_port: 4000,
                ..PacketRecord::default()
            };
            idx.push(&frame(i + 1, 24 + 16 * i), &r);
        }
        assert_eq!(idx.len(), 4);
        assert_eq!(idx.addresses(), 2);
        let e = idx.get(1).unwrap();
        assert_eq!(
            (e.number, e.src, e.dst, e.orig_len, e.data_offset),
            (2, Some(b), Some(a), 61, 40)
        );
        assert_eq!(idx.sorted(SortKey::Time), vec![3, 2, 1, 0]);
        assert_eq!(idx.page(3, 10).len(), 1);
        assert!(idx.get(4).is_none());
        assert!(idx.record(4).is_none());
        assert!(idx.record(0).unwrap().protocols.contains(Proto::Udp));
    }

    /// A record that uses every field the index keeps, varied by `i`.
    fn rich(i: u32) -> PacketRecord {
        let v4 = |x: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | x));
        let v6 = |x: u32| IpAddr::V6(Ipv6Addr::from(0xfe80_u128 << 112 | u128::from(x)));
        let mut p = Protocols::default();
        p.insert(Proto::Ethernet);
        p.insert(Proto::Ipv4);
        let tunnel = i % 5 == 0;
        if tunnel {
            p.insert(Proto::Gre);
            p.insert(Proto::Ipv6);
        }
        p.insert(if i % 2 == 0 { Proto::Tcp } else { Proto::Udp });
        PacketRecord {
            // Two blocks close in time (narrow), then far apart (wide).
            ts_ns: 1_600_000_000_000_000_000
                + i64::from(i)
                    * if i < 2 * BLOCK as u32 {
                        1_000
                    } else {
                        997_000_000
                    },
            orig_len: if i % 7 == 0 {
                70_000 + i
            } else {
                60 + i % 1400
            },
            cap_len: 60 + i % 1400,
            link_type: 1,
            protocols: p,
            ip: Some(IpPair {
                src: v4(i % 13),
                dst: v4(i % 17 + 100),
            }),
            tunnel_ip: tunnel.then(|| IpPair {
                src: v6(i % 3),
                dst: v6(i % 11 + 50),
            }),
            ttl: (i % 256) as u8,
            ip_proto: if i % 2 == 0 { 6 } else { 17 },
            src_port: (i % 65_536) as u16,
            dst_port: 443,
            icmp: (i % 9 == 0).then_some((3, (i % 4) as u8)),
            tcp: (i % 2 == 0).then(|| TcpInfo {
                flags: (i % 0x1000) as u16,
                window: (i * 7 % 65_536) as u16,
                payload_len: if i % 11 == 0 { 100_000 } else { i % 1460 },
                ..TcpInfo::default()
            }),
            dns: (i % 4 == 1).then_some(DnsInfo {
                id: i as u16,
                response: i % 8 == 1,
                rcode: (i % 16) as u8,
                qtype: 28,
                answers: (i % 5) as u16,
            }),
            app: if i % 4 == 1 {
                AppProto::Known(Proto::Dns)
            } else {
                AppProto::None
            },
            eth: (i % 6 != 0).then_some(([2, 0, 0, 0, 0, (i % 3) as u8], [2, 0, 0, 0, 1, 0])),
            vlan: (i % 10) as u16,
            name: NameId(i % 3),
            malformed: (i % 23 == 0).then_some(Layer::Transport),
            // A few TCP frames, every bit in turn.
            tcp_analysis: if i % 2 == 0 && i % 38 == 0 {
                1 << (i / 38 % 15)
            } else {
                0
            },
        }
    }

    fn check_round_trip(limits: IndexLimits, n: u32) {
        let mut idx = PacketIndex::with_limits(limits);
        let recs: Vec<PacketRecord> = (0..n).map(rich).collect();
        for (i, r) in recs.iter().enumerate() {
            idx.push_record(i as u64 * 100, r);
        }
        assert_eq!(idx.len(), n as usize);
        for (i, r) in recs.iter().enumerate() {
            let mut want = *r;
            want.tcp = r.tcp.map(|t| TcpInfo {
                flags: t.flags,
                window: t.window,
                payload_len: t.payload_len,
                ..TcpInfo::default()
            });
            assert_eq!(idx.record(i).unwrap(), want, "entry {i}");
            let e = idx.get(i).unwrap();
            let inner = r.inner_ip().unwrap();
            assert_eq!((e.src, e.dst), (Some(inner.src), Some(inner.dst)));
            assert_eq!(e.data_offset, i as u64 * 100);
            assert_eq!(e.tcp_flags, r.tcp.map_or(0, |t| t.flags));
            assert_eq!(idx.tcp_analysis(i), r.tcp_analysis, "entry {i}");
        }
        assert_eq!(
            idx.tcp_analysis_flagged(),
            recs.iter().filter(|r| r.tcp_analysis != 0).count()
        );
        assert_eq!(idx.tcp_analysis(n as usize), 0);
        // A scan with cursors gives the same records.
        let mut cur = idx.cursors();
        for b in 0..idx.blocks() {
            let blk = idx.block(b);
            for j in 0..blk.shape.len() {
                let i = blk.start + j;
                let shape = idx.shape_of(blk.shape[j], i, &mut cur);
                let mut rec = PacketRecord::default();
                idx.fill(&blk, j, &shape, Needs::ALL, &mut cur, &mut rec);
                assert_eq!(Some(rec), idx.record(i), "scan, entry {i}");
            }
        }
    }

    #[test]
    fn every_kept_field_round_trips() {
        check_round_trip(IndexLimits::default(), 3 * BLOCK as u32 + 17);
    }

    #[test]
    fn values_past_the_interners_caps_are_escaped_not_lost() {
        check_round_trip(
            IndexLimits {
                addresses: 5,
                link_pairs: 2,
                shapes: 3,
            },
            BLOCK as u32 + 100,
        );
    }

    /// An index of `n` TCP frames, every `every`-th with a flag (none when 0).
    fn flagged(n: u32, every: u32, analysed: bool) -> PacketIndex {
        let mut idx = PacketIndex::default();
        idx.set_has_tcp_analysis(analysed);
        for i in 0..n {
            let mut r = rich(2 * i);
            r.tcp_analysis = if every != 0 && i % every == 0 {
                crate::health::tcp::TcpFlags::DUPLICATE_ACK
            } else {
                0
            };
            idx.push_record(u64::from(i) * 100, &r);
        }
        idx
    }

    #[test]
    fn tcp_analysis_flags_cost_only_flagged_frames() {
        let n = 4 * BLOCK as u32;
        let none = flagged(n, 0, true);
        assert!(none.has_tcp_analysis());
        assert!(!PacketIndex::default().has_tcp_analysis());
        assert_eq!(none.tcp_analysis_flagged(), 0);
        assert_eq!(none.tcp_analysis.heap_bytes(), 0);
        // One frame in 100: a position (4 bytes) and a value (2 bytes) each, in blocks.
        let some = flagged(n, 100, true);
        let k = n.div_ceil(100) as usize;
        assert_eq!(some.tcp_analysis_flagged(), k);
        let cost = some.heap_bytes() - none.heap_bytes();
        assert_eq!(cost, some.tcp_analysis.heap_bytes());
        assert!(cost >= 6 * k, "{cost}");
        // Fewer flagged frames than a block: one block of each, and the lists of blocks.
        assert!(
            cost <= 6 * BLOCK + 256,
            "{cost} bytes for {k} flagged frames"
        );
        for i in 0..n as usize {
            let want = if i % 100 == 0 {
                crate::health::tcp::TcpFlags::DUPLICATE_ACK
            } else {
                0
            };
            assert_eq!(some.tcp_analysis(i), want);
            assert_eq!(some.record(i).unwrap().tcp_analysis, want);
        }
    }

    #[test]
    fn narrow_columns_widen_per_block() {
        let mut c = NarrowColumn::default();
        let mut d = DeltaColumn::new(TS_SLACK);
        let vals: Vec<u32> = (0..2 * BLOCK as u32 + 5)
            .map(|i| if i == 100 { 70_000 } else { i % 1000 })
            .collect();
        let ts: Vec<i64> = (0..vals.len() as i64)
            .map(|i| match i {
                5 => -1,
                7 => i64::MIN,
                _ if i >= BLOCK as i64 => 1_000_000_000 * i,
                _ => 1_000 * i,
            })
            .collect();
        for (&v, &t) in vals.iter().zip(&ts) {
            c.push(v);
            d.push(t);
        }
        for (i, (&v, &t)) in vals.iter().zip(&ts).enumerate() {
            assert_eq!(c.get(i), Some(v));
            assert_eq!(d.get(i), Some(t));
        }
        assert!(matches!(c.block(0), Narrow::U32(_)));
        assert!(matches!(c.block(1), Narrow::U16(_)));
        assert!(matches!(d.block(0), Delta::Wide(_)));
        assert!(matches!(d.block(1), Delta::Wide(_)), "spans 4096 s");
        assert!(c.get(vals.len()).is_none());
    }

    #[test]
    fn sparse_columns_and_cursors() {
        let mut s: Sparse<u16> = Sparse::default();
        assert!(s.is_empty());
        assert!(s.push(3, 30));
        assert!(!s.push(3, 31), "positions must increase");
        assert!(s.push(5000, 50));
        assert!(s.push(5001, 51));
        assert_eq!(s.len(), 3);
        assert_eq!(s.get(3), Some(30));
        assert_eq!(s.get(4), None);
        assert_eq!(s.get(5001), Some(51));
        let mut c = s.cursor();
        assert_eq!(c.seek(0), None);
        assert_eq!(c.seek(3), Some(30));
        assert_eq!(c.seek(4999), None);
        assert_eq!(c.seek(5001), Some(51));
        // Backwards works too.
        assert_eq!(c.seek(3), Some(30));
        assert_eq!(c.seek(6000), None);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![(3, 30), (5000, 50), (5001, 51)]
        );
    }

    #[test]
    fn the_interner_is_capped() {
        let mut t: Interner<u64> = Interner::new(2);
        assert_eq!(t.intern(7), Some(0));
        assert_eq!(t.intern(9), Some(1));
        assert_eq!(t.intern(7), Some(0));
        assert_eq!(t.intern(11), None);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(1), Some(&9));
        assert_eq!(t.find(&11), None);
        assert!(t.heap_bytes() > 0);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(clippy::unwrap_used)]
mod props {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn sparse_column_answers_like_a_map(
            gaps in proptest::collection::vec(
                prop_oneof![8 => 1u32..40, 1 => 1u32..100_000],
                0..600,
            ),
            probes in proptest::collection::vec(0u32..1_000_000, 0..200),
        ) {
            let mut s: Sparse<u32> = Sparse::default();
            let mut map = BTreeMap::new();
            let mut pos = 0u32;
            for (k, g) in gaps.iter().enumerate() {
                pos += g;
                prop_assert!(s.push(pos, k as u32));
                map.insert(pos, k as u32);
            }
            prop_assert_eq!(s.len(), map.len());
            let max = pos + 10;
            // A sequential cursor over every position.
            let mut c = s.cursor();
            for p in 0..=max.min(50_000) {
                prop_assert_eq!(c.seek(p), map.get(&p).copied());
            }
            // Random access and a cursor driven in any order.
            let mut c = s.cursor();
            for &p in &probes {
                let p = p % (max + 1);
                prop_assert_eq!(s.get(p), map.get(&p).copied());
                prop_assert_eq!(c.seek(p), map.get(&p).copied());
            }
        }

        #[test]
        fn interner_gives_stable_dense_ids(
            keys in proptest::collection::vec(0u16..500, 0..2000),
            cap in 0usize..600,
        ) {
            let mut t: Interner<u16> = Interner::new(cap);
            let mut seen: Vec<u16> = Vec::new();
            for k in keys {
                let got = t.intern(k);
                match seen.iter().position(|&x| x == k) {
                    Some(i) => prop_assert_eq!(got, Some(i as u32)),
                    None if seen.len() < cap => {
                        prop_assert_eq!(got, Some(seen.len() as u32));
                        seen.push(k);
                    }
                    None => prop_assert_eq!(got, None),
                }
            }
            prop_assert_eq!(t.len(), seen.len());
            for (i, k) in seen.iter().enumerate() {
                prop_assert_eq!(t.get(i as u32), Some(k));
            }
        }
    }
}
