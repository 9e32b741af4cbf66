//! Unit tests over hand-built packets, one or more per link type and protocol.

use super::*;
use crate::capture::{linktype, Frame};

fn frame(link_type: u32, data: &[u8]) -> Frame<'_> {
    Frame {
        number: 1,
        ts_ns: 0,
        orig_len: data.len() as u32,
        cap_len: data.len() as u32,
        link_type,
        data_offset: 0,
        interface_id: 0,
        data,
    }
}

fn decode(link_type: u32, data: &[u8]) -> PacketRecord {
    Decoder::new().decode(&frame(link_type, data))
}

fn names(r: &PacketRecord) -> Vec<&'static str> {
    r.protocols.iter().map(Proto::name).collect()
}

#[test]
fn empty_ethernet_frame_is_link_damage() {
    let r = decode(linktype::ETHERNET, &[]);
    assert_eq!(names(&r), ["ethernet"]);
    assert_eq!(r.malformed, Some(Layer::Link));
}
