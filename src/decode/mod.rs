//! Frame to [`PacketRecord`]: link layer, network, transport and application protocol, in a
//! fixed-size `Copy` record with no heap.
//!
//! Decoding never fails: a damaged packet keeps every layer up to the damage and records the
//! layer where it stopped in [`PacketRecord::malformed`] (a header cut short or invalid; a
//! payload cut by the capture's snapshot length is not damage).
//!
//! The protocol set of a record follows Wireshark's `frame.protocols` (tshark 4.0), which the
//! corpus tests compare against frame by frame:
//!
//! - every protocol at any layer counts, including tunnelled headers (GRE, IP-in-IP, 6in4,
//!   Teredo, VXLAN) and the headers quoted inside ICMP/ICMPv6 errors (which add protocols
//!   but never change the record's addresses, ports or application);
//! - IP fragments are reassembled (IPv4 keyed by addresses, id, protocol and, for local
//!   addresses, VLAN; IPv6 by addresses and id): a fragment that does not complete its
//!   datagram carries nothing above IP ([`Proto::Fragment`] instead), and the frame that
//!   completes it carries the layers of the whole datagram;
//! - TCP payloads of the protocols Wireshark reassembles (DNS, TLS, NetBIOS session / SMB,
//!   LDAP, Kerberos, HTTP) are followed PDU by PDU, so that a protocol shows on the frames
//!   where Wireshark shows it: where a PDU is completed (also, for TLS, where a record
//!   starts), and on "continuation" data; retransmitted data is not dissected again;
//! - application protocols are recognised by port (the lower port first, as Wireshark's UDP
//!   and TCP dissectors try them) and, where cheap, by content (HTTP, TLS, SSH, SMB, QUIC,
//!   ONC-RPC, SIP); mDNS and LLMNR are their own protocols, not DNS.
//!
//! Layers are sliced with etherparse's header slices (Ethernet II, VLAN, IPv4, IPv6 and its
//! extension headers, TCP, UDP, AH) and parsed by hand where etherparse has no type (link
//! layers other than Ethernet, GRE, ICMP quotes, application protocols) or where Wireshark's
//! behaviour on damaged headers must be copied.
//!
//! Besides the decoder, [`TcpBases`] follows each TCP connection's base sequence numbers and
//! window scaling from the records, for showing one packet later as Wireshark numbers it.
//!
//! State kept across frames (fragments, TCP streams, QUIC Initials, ONC-RPC calls, the names
//! side table) is bounded: each table has a fixed capacity and drops its oldest entries.
//! Hashing is keyed ([`crate::hashing`]) and happens only for fragments, tracked TCP
//! streams, QUIC, and names.

mod app;
mod bytes;
mod link;
mod net;
mod record;
mod state;
mod stream;
mod tcp_base;
mod transport;

#[cfg(test)]
mod tests;

pub use record::{
    AppProto, DnsInfo, IpPair, Layer, NameId, PacketRecord, Proto, Protocols, TcpInfo,
};
pub use tcp_base::{TcpBases, TcpFrameBase, WindowScale, TCP_BASES_MAX};

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
    /// QUIC connection directions whose first Initial packet was seen.
    quic_initials: state::Bounded<stream::FlowKey, ()>,
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
                quic_initials: state::Bounded::new(state::QUIC_MAX),
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
