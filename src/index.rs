//! The packet index: a compact struct of arrays, one entry per frame, for the packet table
//! (paging, sorting), re-reading one packet from the file by its offset, and re-aggregating
//! without re-reading the file.
//!
//! An entry costs [`PacketIndex::BYTES_PER_PACKET`] bytes: addresses are interned (a `u32` id
//! per address), everything else is a fixed-width column.

use crate::capture::Frame;
use crate::decode::{IpPair, PacketRecord, Protocols, TcpInfo};
use crate::hashing::{flow_map, FlowMap};
use std::net::IpAddr;

/// Distinct addresses the interner keeps; later new addresses share [`AddrId::OTHER`].
pub const MAX_ADDRESSES: usize = 1 << 22;

/// An interned address id. 0 = no address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddrId(pub u32);

impl AddrId {
    /// No address (non-IP frame).
    pub const NONE: AddrId = AddrId(0);
    /// An address that found no room in the interner.
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
    /// Low 8 bits of the TCP flags.
    pub tcp_flags: u8,
    /// The frame's `LINKTYPE_*`.
    pub link_type: u32,
}

/// Entries per block of a [`Column`].
pub const BLOCK: usize = 1 << 16;

/// One column of the index, stored in fixed blocks of [`BLOCK`] entries. A growing `Vec`
/// doubles and copies, and WebAssembly memory never shrinks, so the old buffers would stay
/// allocated: with blocks a column costs its entries and at most one partly filled block.
#[derive(Debug, Clone, Default)]
pub struct Column<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
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
        self.blocks.get(i / BLOCK)?.get(i % BLOCK)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The index.
#[derive(Debug)]
pub struct PacketIndex {
    ts_ns: Column<i64>,
    data_offset: Column<u64>,
    orig_len: Column<u32>,
    cap_len: Column<u32>,
    src: Column<AddrId>,
    dst: Column<AddrId>,
    src_port: Column<u16>,
    dst_port: Column<u16>,
    protocols: Column<u64>,
    ip_proto: Column<u8>,
    tcp_flags: Column<u8>,
    link_type: Column<u32>,
    addr_ids: FlowMap<IpAddr, AddrId>,
    addrs: Vec<IpAddr>,
}

impl Default for PacketIndex {
    fn default() -> Self {
        PacketIndex {
            ts_ns: Column::default(),
            data_offset: Column::default(),
            orig_len: Column::default(),
            cap_len: Column::default(),
            src: Column::default(),
            dst: Column::default(),
            src_port: Column::default(),
            dst_port: Column::default(),
            protocols: Column::default(),
            ip_proto: Column::default(),
            tcp_flags: Column::default(),
            link_type: Column::default(),
            addr_ids: flow_map(),
            addrs: Vec::new(),
        }
    }
}

impl PacketIndex {
    /// Bytes one entry costs in the columns (excluding the interner and vector slack).
    pub const BYTES_PER_PACKET: usize = 8 + 8 + 4 + 4 + 4 + 4 + 2 + 2 + 8 + 1 + 1 + 4;

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ts_ns.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.ts_ns.is_empty()
    }

    /// Distinct addresses interned.
    pub fn addresses(&self) -> usize {
        self.addrs.len()
    }

    fn intern(&mut self, a: IpAddr) -> AddrId {
        if let Some(id) = self.addr_ids.get(&a) {
            return *id;
        }
        if self.addrs.len() >= MAX_ADDRESSES {
            return AddrId::OTHER;
        }
        self.addrs.push(a);
        let id = AddrId(self.addrs.len() as u32);
        self.addr_ids.insert(a, id);
        id
    }

    /// The address behind an id.
    pub fn address(&self, id: AddrId) -> Option<IpAddr> {
        let i = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.addrs.get(i).copied()
    }

    /// Appends a frame. Frames must be pushed in file order.
    pub fn push(&mut self, frame: &Frame<'_>, r: &PacketRecord) {
        self.push_record(frame.data_offset, r);
    }

    /// Appends a frame's record with the byte offset of its data. Frames must be pushed in
    /// file order.
    pub fn push_record(&mut self, data_offset: u64, r: &PacketRecord) {
        let (s, d) = match r.inner_ip() {
            Some(p) => (self.intern(p.src), self.intern(p.dst)),
            None => (AddrId::NONE, AddrId::NONE),
        };
        self.ts_ns.push(r.ts_ns);
        self.data_offset.push(data_offset);
        self.orig_len.push(r.orig_len);
        self.cap_len.push(r.cap_len);
        self.src.push(s);
        self.dst.push(d);
        self.src_port.push(r.src_port);
        self.dst_port.push(r.dst_port);
        self.protocols.push(r.protocols.0);
        self.ip_proto.push(r.ip_proto);
        self.tcp_flags
            .push(r.tcp.map_or(0, |t| (t.flags & 0xff) as u8));
        self.link_type.push(r.link_type);
    }

    /// Entry `i` (0-based; frame number `i + 1`).
    pub fn get(&self, i: usize) -> Option<Entry> {
        Some(Entry {
            number: i as u64 + 1,
            ts_ns: *self.ts_ns.get(i)?,
            data_offset: *self.data_offset.get(i)?,
            orig_len: *self.orig_len.get(i)?,
            cap_len: *self.cap_len.get(i)?,
            src: self.address(*self.src.get(i)?),
            dst: self.address(*self.dst.get(i)?),
            src_port: *self.src_port.get(i)?,
            dst_port: *self.dst_port.get(i)?,
            protocols: Protocols(*self.protocols.get(i)?),
            ip_proto: *self.ip_proto.get(i)?,
            tcp_flags: *self.tcp_flags.get(i)?,
            link_type: *self.link_type.get(i)?,
        })
    }

    /// Entries `start..start + count` (clipped to the index).
    pub fn page(&self, start: usize, count: usize) -> Vec<Entry> {
        (start..start.saturating_add(count).min(self.len()))
            .filter_map(|i| self.get(i))
            .collect()
    }

    /// The record the aggregates need, rebuilt from entry `i` (innermost addresses only, so a
    /// tunnel's outer header is not re-counted), for re-aggregating without the file.
    pub fn record(&self, i: usize) -> Option<PacketRecord> {
        let e = self.get(i)?;
        let ip = match (e.src, e.dst) {
            (Some(src), Some(dst)) => Some(IpPair { src, dst }),
            _ => None,
        };
        Some(PacketRecord {
            ts_ns: e.ts_ns,
            link_type: e.link_type,
            orig_len: e.orig_len,
            cap_len: e.cap_len,
            protocols: e.protocols,
            ip,
            ip_proto: e.ip_proto,
            src_port: e.src_port,
            dst_port: e.dst_port,
            tcp: (e.ip_proto == 6).then_some(TcpInfo {
                flags: u16::from(e.tcp_flags),
                ..TcpInfo::default()
            }),
            ..PacketRecord::default()
        })
    }

    /// Entry positions (0-based) in the order of `key`, ascending; ties keep file order.
    pub fn sorted(&self, key: SortKey) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        match key {
            SortKey::Number => {}
            SortKey::Time => order.sort_by_key(|&i| self.ts_ns.get(i as usize).copied()),
            SortKey::Length => order.sort_by_key(|&i| self.orig_len.get(i as usize).copied()),
            SortKey::Source => order.sort_by(|&x, &y| {
                let a = self.src.get(x as usize).and_then(|id| self.address(*id));
                let b = self.src.get(y as usize).and_then(|id| self.address(*id));
                a.cmp(&b)
            }),
            SortKey::Destination => order.sort_by(|&x, &y| {
                let a = self.dst.get(x as usize).and_then(|id| self.address(*id));
                let b = self.dst.get(y as usize).and_then(|id| self.address(*id));
                a.cmp(&b)
            }),
            SortKey::Protocol => order.sort_by_key(|&i| {
                let p = Protocols(self.protocols.get(i as usize).copied().unwrap_or(0));
                let rec = PacketRecord {
                    protocols: p,
                    ..PacketRecord::default()
                };
                rec.top_proto().map(|p| p.name())
            }),
        }
        order
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decode::{Proto, Protocols};
    use std::net::Ipv4Addr;

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
        assert!(idx.record(0).unwrap().protocols.contains(Proto::Udp));
    }
}
