//! One packet in detail, for the packet table's detail pane: a tree of layers and fields (as
//! in Wireshark's packet details), a hex dump, and the Info and Protocol columns.
//!
//! Where [`crate::decode`] makes a fixed-size summary of every packet in one pass, this module
//! looks at a single packet that a person selected, after the worker re-read its bytes from the
//! file. It allocates freely (a tree of strings) and keeps no state across packets.
//!
//! - [`dissect`]: the layer tree. Every [`Node`] has a name, a display value, the byte range
//!   it covers in the frame (for highlighting in the hex dump) and, where there is one, the
//!   Wireshark field name and the display-filter expression that matches it
//!   (`ip.src == 10.0.0.1`, `tcp.flags.syn == 1`, `dns.qry.name == "example.com"`), for a
//!   "Copy as filter" action.
//! - [`hex_rows`]: the hex dump, 16 bytes a row.
//! - [`info`]: the Info column (`Standard query 0x1a2b A example.com`,
//!   `52166 → 80 [SYN] Seq=168077069 Win=5840 Len=0 MSS=1460`, `Client Hello
//!   (SNI=example.com)`, ...).
//!
//! Layers dissected: Ethernet II (and 802.3 with LLC/SNAP), 802.1Q / 802.1ad VLAN tags, MPLS,
//! PPPoE session and PPP, Linux cooked capture v1 and v2, BSD null/loopback, Cisco HDLC, raw
//! IP, IPv4 (options, fragments, header checksum), IPv6 and its extension headers, ARP, TCP
//! (flags, options, checksum), UDP (checksum), ICMP and ICMPv6 (with the quoted packet of an
//! error message), DNS / mDNS / LLMNR (over UDP, and over TCP when a segment starts a
//! message), TLS (records, handshake messages, ClientHello and ServerHello with SNI, ALPN and
//! supported versions), HTTP/1.x (request or status line and headers), DHCP, and the tunnels
//! GRE, VXLAN and Teredo. Anything else is shown as data. Field names are Wireshark's (tshark
//! 4.0), and checksums are verified where the bytes allow it (Wireshark leaves that off by
//! default): the IPv4 header checksum always, TCP, UDP and ICMP when the whole datagram was
//! captured and is not a fragment.
//!
//! No state is kept across packets, so the tree holds what one packet shows: no IP or TCP
//! reassembly (a TLS record or HTTP header
//! that continues in a later segment is shown up to the end of this one and says so), no
//! "reply in frame N" links. A damaged packet shows every layer up to the damage and then a
//! node `[Malformed packet: ... at byte N]`; a packet cut short by the capture's snapshot length
//! says `[Packet size limited during capture: ...]` instead. No input panics, and the work per
//! packet is bounded (DNS name compression is followed a bounded number of hops, every loop
//! consumes bytes or is capped).
//!
//! TCP's relative sequence numbers and scaled windows do depend on the connection's earlier
//! packets: [`dissect`] shows the raw numbers, and [`dissect_with`] shows Wireshark's default
//! numbering from a [`DissectContext`] holding the [`TcpBases`] gathered while the capture
//! was read.
//!
//! ```
//! use pcapscope::dissect::{dissect, hex_rows};
//! # let frame: Vec<u8> = vec![0; 60];
//! let d = dissect(1, &frame, frame.len() as u32);
//! for layer in &d.layers {
//!     println!("{} [{}..{}]", layer.label(), layer.start, layer.end);
//! }
//! println!("{} | {}", d.protocol, d.info);
//! let rows = hex_rows(&frame);
//! assert_eq!(rows.len(), 4);
//! ```

mod app;
mod cx;
mod dns;
mod hex;
mod icmp;
mod link;
mod names;
mod net;
mod tls;
mod transport;
mod tunnel;

#[cfg(test)]
mod tests;

pub use hex::{hex_rows, HexRow};

use crate::decode::TcpBases;

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The dissection of one packet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dissection {
    /// The layers, outermost first: a `Frame` layer, then the link, network, transport and
    /// application layers, and last, when dissection stopped early, an
    /// [`NodeKind::Expert`] node saying why.
    pub layers: Vec<Node>,
    /// The Protocol column: the highest protocol dissected (`"DNS"`, `"TLSv1.2"`, `"TCP"`).
    pub protocol: String,
    /// The Info column (see [`info`]).
    pub info: String,
    /// Where and why dissection stopped before the end of the packet, if it did.
    pub stop: Option<Stop>,
}

/// Why dissection stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    /// What kind of stop.
    pub kind: StopKind,
    /// Short name of the layer where it stopped (`"TCP"`).
    pub layer: String,
    /// Byte offset in the frame where the problem is.
    pub offset: u32,
    /// What went wrong, for people (`"cut short (20 bytes needed, 12 present)"`).
    pub reason: String,
}

/// The kind of [`Stop`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// The packet itself is damaged: a header cut short on the wire, or a field with an
    /// impossible value (Wireshark's "Malformed Packet").
    Malformed,
    /// The capture kept fewer bytes than were on the wire (snapshot length), and a layer
    /// needed the bytes that were left out. Not damage.
    Truncated,
    /// A PDU (TLS record, DNS-over-TCP message, HTTP header) continues in a later TCP segment,
    /// which a one-packet view does not reassemble. Not damage.
    Unreassembled,
}

/// One line of the packet details tree: a layer, a field, or an expert note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// What kind of line.
    pub kind: NodeKind,
    /// For a layer, the protocol's name (`"Internet Protocol Version 4"`); for a field, the
    /// field's name (`"Source Address"`); for an expert note, the whole note.
    pub name: String,
    /// For a layer, its one-line summary (`"Src: 10.0.0.1, Dst: 10.0.0.2"`); for a field, its
    /// value as text (`"10.0.0.1"`, `"Set"`, `"TCP (6)"`); may be empty.
    pub value: String,
    /// First byte covered, as an offset into the frame's captured bytes.
    pub start: u32,
    /// One past the last byte covered (`start == end` for a node that covers no bytes).
    pub end: u32,
    /// For a field that is a few bits of its bytes, the bit picture Wireshark shows
    /// (`".... ...1 .... "`), most significant bit first.
    pub bits: Option<String>,
    /// Whether the value is computed rather than read from the packet (Wireshark shows such
    /// lines in brackets: `[Checksum Status: Good]`).
    pub generated: bool,
    /// Wireshark's field name (`"ip.src"`), or the protocol's filter name for a layer
    /// (`"ip"`).
    pub abbrev: Option<String>,
    /// A display filter that matches this field's value (`ip.src == 10.0.0.1`), or the
    /// protocol for a layer (`ip`).
    pub filter: Option<String>,
    /// Sub-fields (the bits of a flags field, the fields of a DNS answer ...), or, for a layer,
    /// its fields.
    pub children: Vec<Node>,
}

/// The kind of a [`Node`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A protocol layer (also a layer quoted inside an ICMP error, as a child of the ICMP
    /// layer).
    Layer,
    /// A field, or a group of fields.
    Field,
    /// An expert note: malformed packet, truncation, bad checksum context.
    Expert,
}

impl Node {
    /// The line as Wireshark shows it: `"Internet Protocol Version 4, Src: 10.0.0.1, Dst:
    /// 10.0.0.2"` for a layer, `"Time to Live: 64"` or `".... ...1 .... = Acknowledgment:
    /// Set"` for a field, `"[Checksum Status: Good]"` for a computed field, and
    /// `"TCP payload (20 bytes)"` for a field whose value is in parentheses.
    pub fn label(&self) -> String {
        let mut s = String::new();
        match self.kind {
            NodeKind::Layer => {
                s.push_str(&self.name);
                if !self.value.is_empty() {
                    s.push_str(if self.abbrev.as_deref() == Some("frame") {
                        ": "
                    } else {
                        ", "
                    });
                    s.push_str(&self.value);
                }
            }
            NodeKind::Field | NodeKind::Expert => {
                if self.generated {
                    s.push('[');
                }
                if let Some(b) = &self.bits {
                    s.push_str(b);
                    s.push_str(" = ");
                }
                s.push_str(&self.name);
                if !self.value.is_empty() {
                    // A parenthesised value qualifies the name: "TCP payload (20 bytes)".
                    s.push_str(if self.value.starts_with('(') {
                        " "
                    } else {
                        ": "
                    });
                    s.push_str(&self.value);
                }
                if self.generated {
                    s.push(']');
                }
            }
        }
        s
    }

    /// The bytes covered, as a range into the frame's captured bytes.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// This node and all nodes below it, depth first.
    pub fn walk(&self) -> impl Iterator<Item = &Node> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let n = stack.pop()?;
            stack.extend(n.children.iter().rev());
            Some(n)
        })
    }
}

impl Dissection {
    /// Every node of the tree, depth first.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.layers.iter().flat_map(Node::walk)
    }

    /// The first node (depth first) with this Wireshark field name (`"ip.src"`).
    pub fn find(&self, abbrev: &str) -> Option<&Node> {
        self.nodes().find(|n| n.abbrev.as_deref() == Some(abbrev))
    }

    /// The values of every node with this field name, in tree order. Inside layers quoted by
    /// ICMP errors too, as tshark's `-e` lists them.
    pub fn values(&self, abbrev: &str) -> Vec<&str> {
        self.nodes()
            .filter(|n| n.abbrev.as_deref() == Some(abbrev))
            .map(|n| n.value.as_str())
            .collect()
    }

    /// Names the frame by its number in the capture: the `Frame` layer becomes `Frame 12`
    /// and gets a `frame.number` field. [`dissect`] does not know the number.
    pub fn set_frame_number(&mut self, number: u64) {
        if let Some(f) = self.layers.first_mut() {
            if f.abbrev.as_deref() == Some("frame") {
                f.name = format!("Frame {number}");
                let n = cx::field("Frame Number", number.to_string(), 0, 0)
                    .filter("frame.number", number)
                    .generated();
                f.children.insert(0, n);
            }
        }
    }
}

/// Dissects one frame: `link_type` is the frame's `LINKTYPE_*` value, `data` its captured bytes
/// and `orig_len` its length on the wire (`frame.len`; when larger than `data.len()` the
/// capture's snapshot length cut the frame, which is not damage).
///
/// Never panics, whatever the bytes; every node's byte range lies within `data`.
pub fn dissect(link_type: u32, data: &[u8], orig_len: u32) -> Dissection {
    dissect_with(link_type, data, orig_len, &DissectContext::default())
}

/// What the rest of the capture says about one frame, for [`dissect_with`]: the frame's number
/// and the TCP connections' numbering bases gathered in the reading pass
/// ([`crate::analyze::Engine::dissect_context`] gives both).
#[derive(Debug, Clone, Copy, Default)]
pub struct DissectContext<'a> {
    /// The frame's number in the capture, from 1 (as in [`crate::capture::Frame::number`]).
    pub number: u64,
    /// The TCP numbering table of the capture, when one was built.
    pub tcp: Option<&'a TcpBases>,
}

impl<'a> DissectContext<'a> {
    /// The context of frame `number` with the capture's TCP numbering table.
    pub fn new(number: u64, tcp: Option<&'a TcpBases>) -> Self {
        DissectContext { number, tcp }
    }
}

/// [`dissect`] with what the rest of the capture says about the frame. When `ctx` knows the
/// frame's TCP connection, TCP is shown as Wireshark shows it by default: relative sequence
/// and acknowledgement numbers (`tcp.seq`, `tcp.ack`, `tcp.nxtseq`, SACK edges) beside the raw
/// ones (`tcp.seq_raw`, `tcp.ack_raw`), the calculated window (`tcp.window_size`) and its
/// scaling factor (`tcp.window_size_scalefactor`), and the Info column `52166 → 80 [ACK]
/// Seq=1 Ack=1 Win=5888 Len=0`. Otherwise (no table, a connection the table does not track,
/// an IP fragment, a header quoted in an ICMP error) TCP shows the raw numbers, as
/// [`dissect`] does. The frame number is only looked up: [`Dissection::set_frame_number`]
/// names the frame.
///
/// Never panics, whatever the bytes and the context.
pub fn dissect_with(
    link_type: u32,
    data: &[u8],
    orig_len: u32,
    ctx: &DissectContext<'_>,
) -> Dissection {
    let mut c = cx::Cx::new(data, orig_len);
    c.ctx = *ctx;
    c.frame(link_type, orig_len);
    c.link(link_type);
    c.finish_all()
}

/// The Info column for one frame (arguments as for [`dissect`]), as Wireshark writes it:
///
/// - DNS: `Standard query 0x1a2b A example.com`, `Standard query response 0x1a2b A
///   example.com A 93.184.216.34`;
/// - TCP: `443 → 51234 [SYN, ACK] Seq=3274825746 Ack=168077070 Win=4140 Len=0 MSS=1380 WS=1`.
///   Sequence and acknowledgement numbers are the raw ones and the window is the field's
///   value, unscaled: Wireshark's relative numbers and scaled window need the connection's
///   earlier packets, which one packet alone does not have (tshark shows the same text with
///   `-o tcp.relative_sequence_numbers:FALSE` for packets whose window is not scaled);
///   [`dissect_with`] and a [`DissectContext`] give Wireshark's default, `Seq=0 Ack=1
///   Win=4140`;
/// - TLS: the messages of every record that starts in the segment, `Client Hello
///   (SNI=example.com)`, `Server Hello, Certificate, Server Hello Done`, `Application Data`
///   (the SNI is shown as Wireshark 4.2 does; 4.0 writes `Client Hello` alone);
/// - HTTP: the request or status line (`GET /index.html HTTP/1.1 `, with Wireshark's trailing
///   space) and, when the packet holds body bytes with a Content-Type, the media type:
///   `HTTP/1.1 200 OK  (text/html)`;
/// - ARP: `Who has 10.0.0.1? Tell 10.0.0.2`, `10.0.0.1 is at aa:bb:cc:dd:ee:ff`;
/// - ICMP: `Echo (ping) request  id=0x0001, seq=1/256, ttl=64`, `Destination unreachable
///   (Port unreachable)`; ICMPv6 likewise, and neighbour discovery;
/// - UDP: `51234 → 9999 Len=12`; IP fragments: `Fragmented IP protocol (proto=UDP 17,
///   off=1480, ID=1c46)`;
/// - otherwise the highest layer that was dissected says what it is.
pub fn info(link_type: u32, data: &[u8], orig_len: u32) -> String {
    dissect(link_type, data, orig_len).info
}
