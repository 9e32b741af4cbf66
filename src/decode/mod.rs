//! Frame to [`PacketRecord`]: link layer, network, transport and application protocol, in a
//! fixed-size `Copy` record with no heap.
//!
//! Decoding never fails: a damaged packet keeps every layer up to the damage and records the
//! layer where it stopped in [`PacketRecord::malformed`].
//!
//! The protocol set of a record follows Wireshark's `frame.protocols` (tshark 4.0), which is
//! what the corpus tests compare against:
//!
//! - every protocol at any layer counts, including tunnelled headers (GRE, IP-in-IP, Teredo,
//!   VXLAN) and the headers quoted inside ICMP/ICMPv6 errors;
//! - IP fragments are reassembled: a fragment that does not complete its datagram carries no
//!   layer above IP ([`Proto::Fragment`] instead), and the frame that completes it carries the
//!   layers of the whole datagram;
//! - DNS over TCP counts on the frames in which a DNS message ends (TCP desegmentation);
//! - application protocols are recognised by port (the lower port first, as Wireshark's UDP
//!   dissector does) and, where cheap, by content (HTTP, TLS, SSH, SMB, QUIC, ONC-RPC).
//!
//! Layers are parsed with etherparse's header slices (Ethernet II, IPv4, IPv6 extension
//! headers, TCP, UDP) and by hand where etherparse has no type or where Wireshark's lax
//! behaviour on damaged headers must be copied.

mod app;
mod bytes;
mod link;
mod net;
mod record;
mod state;
mod stream;
mod transport;

#[cfg(test)]
mod tests;

pub use record::{
    AppProto, DnsInfo, IpPair, Layer, NameId, PacketRecord, Proto, Protocols, TcpInfo,
};

use crate::capture::Frame;
use state::{FragTable, NameTable, RpcCalls};
use stream::StreamTable;

/// Encapsulations followed inside one frame before giving up (VLAN tags, MPLS, tunnels ...).
const MAX_DEPTH: u8 = 24;

/// Decodes frames into records. Holds the little state decoding needs across packets (IP
/// fragment reassembly, PDU boundaries of TCP connections, the side table of names such as
/// TLS SNI), every table bounded in size.
#[derive(Debug)]
pub struct Decoder {
    st: State,
}

#[derive(Debug)]
struct State {
    names: NameTable,
    frags: FragTable,
    streams: StreamTable,
    rpc: RpcCalls,
    /// Reused buffer for a name being decoded (DNS labels).
    scratch: String,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with empty state.
    pub fn new() -> Self {
        Self {
            st: State {
                names: NameTable::new(),
                frags: FragTable::new(),
                streams: StreamTable::new(),
                rpc: RpcCalls::new(),
                scratch: String::with_capacity(state::MAX_NAME_LEN + 1),
            },
        }
    }

    /// Decodes one frame.
    pub fn decode(&mut self, frame: &Frame<'_>) -> PacketRecord {
        let rec = PacketRecord {
            ts_ns: frame.ts_ns,
            orig_len: frame.orig_len,
            cap_len: frame.cap_len,
            link_type: frame.link_type,
            ..PacketRecord::default()
        };
        let mut w = Walk {
            st: &mut self.st,
            rec,
            depth: 0,
            quoted: 0,
            vlan_seen: false,
            vlan_inner: 0,
        };
        w.link(frame.link_type, frame.data);
        w.rec
    }

    /// A name from the side table (TLS SNI, HTTP Host, DNS query name).
    pub fn name(&self, id: NameId) -> Option<&str> {
        self.st.names.get(id)
    }

    /// Number of distinct names in the side table (at most 65536).
    pub fn name_count(&self) -> usize {
        self.st.names.len()
    }
}

/// One frame being decoded: the record so far and where in the frame we are.
struct Walk<'s> {
    st: &'s mut State,
    rec: PacketRecord,
    /// Encapsulation depth, bounded by [`MAX_DEPTH`].
    depth: u8,
    /// Above zero inside the headers quoted by an ICMP error: those add protocols only.
    quoted: u8,
    vlan_seen: bool,
    /// Innermost VLAN id (part of Wireshark's IPv4 reassembly key).
    vlan_inner: u16,
}

impl Walk<'_> {
    #[inline]
    fn ins(&mut self, p: Proto) {
        self.rec.protocols.insert(p);
    }

    /// Whether fields of the record may be set (not inside an ICMP-quoted header).
    #[inline]
    fn live(&self) -> bool {
        self.quoted == 0
    }

    /// Records damage at `layer` (the first damage wins; quoted headers are expected to be
    /// cut short and never count).
    #[inline]
    fn damaged(&mut self, layer: Layer) {
        if self.live() && self.rec.malformed.is_none() {
            self.rec.malformed = Some(layer);
        }
    }

    /// Enters one more encapsulation; false when too deep.
    #[inline]
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    #[inline]
    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Sets the application protocol (innermost wins) and adds it to the set.
    fn app(&mut self, p: Proto) {
        self.ins(p);
        if self.live() {
            self.rec.app = AppProto::Known(p);
        }
    }
}
