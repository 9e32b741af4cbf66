//! Arbitrary bytes as one frame's contents, straight into the decoder: the first two bytes
//! choose the link type (among those the decoder knows, plus one it does not), the rest is
//! the frame. Exercises every link layer and the network, transport and application decoders
//! without going through a capture container.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcapscope::capture::{linktype, Frame, LinkType};
use pcapscope::decode::Decoder;

const LINK_TYPES: &[LinkType] = &[
    linktype::NULL,
    linktype::ETHERNET,
    linktype::PPP,
    linktype::RAW,
    linktype::C_HDLC,
    linktype::IEEE802_11,
    linktype::LOOP,
    linktype::LINUX_SLL,
    linktype::IEEE802_11_RADIOTAP,
    linktype::IPV4,
    linktype::IPV6,
    linktype::NFLOG,
    linktype::LINUX_SLL2,
    // Old raw-IP aliases and a link type the decoder does not know.
    12,
    14,
    147,
];

fuzz_target!(|data: &[u8]| {
    let Some((selector, payload)) = data.split_first_chunk::<2>() else {
        return;
    };
    let pick = usize::from(u16::from_le_bytes(*selector)) % LINK_TYPES.len();
    let link_type = LINK_TYPES[pick];
    let cap_len = payload.len() as u32;
    // The second byte's top bit says whether the frame was cut by a snap length.
    let orig_len = if selector[1] & 0x80 != 0 {
        cap_len.saturating_add(u32::from(selector[0]) + 1)
    } else {
        cap_len
    };
    let frame = Frame {
        number: 1,
        ts_ns: 1_270_661_369_782_934_000,
        orig_len,
        cap_len,
        link_type,
        data_offset: 24 + 16,
        interface_id: 0,
        data: payload,
    };
    let mut decoder = Decoder::new();
    let record = decoder.decode(&frame);
    assert_eq!(record.cap_len, cap_len);
    assert_eq!(record.orig_len, orig_len);
    // Decoding the same frame again with state from the first (fragments, names) still works.
    let _ = decoder.decode(&frame);
});
