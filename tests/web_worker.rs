//! The worker's message handling, in a real dedicated worker of headless Chromium
//! (`cargo test --target wasm32-unknown-unknown --test web_worker`; natively this file is empty).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pcapscope::capture::Format;
use pcapscope::web::messages::{decode, encode, FromWorker, ToWorker};
use pcapscope::web::worker;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn file(name: &str, bytes: &[u8]) -> web_sys::File {
    let arr = js_sys::Uint8Array::from(bytes);
    web_sys::File::new_with_u8_array_sequence(&js_sys::Array::of1(&arr), name).unwrap()
}

/// The page's envelope: `{ msg, file }`.
fn envelope(name: &str, f: &web_sys::File) -> JsValue {
    let msg = JsValue::from_str(&encode(&ToWorker::Open { name: name.into() }));
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"msg".into(), &msg).unwrap();
    js_sys::Reflect::set(&o, &"file".into(), f).unwrap();
    o.into()
}

fn run(name: &str, bytes: &[u8]) -> Vec<FromWorker> {
    let mut got = Vec::new();
    // Messages go through the same text encoding as postMessage.
    worker::handle(
        &envelope(name, &file(name, bytes)),
        &mut |m: &FromWorker| {
            got.push(decode(&encode(m)).unwrap());
        },
    );
    got
}

#[wasm_bindgen_test]
fn a_fixture_is_read_to_the_end_with_a_final_snapshot() {
    let bytes = include_bytes!("../fixtures/tcp-handshake-ns.pcapng");
    let native = pcapscope::analyze(&bytes[..]).unwrap();
    let msgs = run("tcp-handshake-ns.pcapng", bytes);
    let Some(FromWorker::Done {
        info,
        snapshot,
        damage,
        ..
    }) = msgs.last()
    else {
        panic!("no Done message: {msgs:?}");
    };
    assert_eq!(info.format, Format::Pcapng);
    assert_eq!(info.size, bytes.len() as u64);
    assert!(damage.is_none());
    assert_eq!(
        snapshot.summary, native.snapshot.summary,
        "same numbers as natively"
    );
    assert_eq!(
        snapshot.summary.first_ns, native.snapshot.summary.first_ns,
        "nanoseconds survive"
    );
}

#[wasm_bindgen_test]
fn a_damaged_fixture_reports_where_and_keeps_what_came_before() {
    let bytes = include_bytes!("../fixtures/truncated-mid-record.pcap");
    let native = pcapscope::analyze(&bytes[..]).unwrap();
    let err = native.error.clone().unwrap();
    let msgs = run("truncated-mid-record.pcap", bytes);
    let Some(FromWorker::Done {
        snapshot,
        damage: Some(d),
        ..
    }) = msgs.last()
    else {
        panic!("no Done with damage: {msgs:?}");
    };
    assert_eq!((d.offset, d.frame), (err.offset, err.frame));
    assert_eq!(snapshot.summary.packets, native.snapshot.summary.packets);
    assert!(snapshot.summary.packets > 0);
}

#[wasm_bindgen_test]
fn not_a_capture_is_said_so() {
    let msgs = run("notes.txt", b"hello, this is not a capture file at all");
    assert!(
        matches!(msgs.as_slice(), [FromWorker::NotACapture { message }] if message.contains("not a pcap")),
        "{msgs:?}"
    );
}

#[wasm_bindgen_test]
fn a_capture_larger_than_one_read_chunk_is_read_whole() {
    // 40,000 frames of 1,000 bytes (~40 MB, more than two 16 MiB chunks), written here with the
    // library's writer so the test needs no large file on disk.
    let mut raw = Vec::new();
    {
        let mut w = pcapscope::capture::write::PcapWriter::new(
            &mut raw,
            pcapscope::capture::write::PcapOptions::new(1),
        )
        .unwrap();
        let frame = vec![0u8; 1000];
        for i in 0..40_000i64 {
            w.write_packet(1_700_000_000_000_000_000 + i * 1_000_000, 1000, &frame)
                .unwrap();
        }
    }
    let msgs = run("big.pcap", &raw);
    let Some(FromWorker::Done {
        snapshot,
        damage: None,
        ..
    }) = msgs.last()
    else {
        panic!("{:?}", msgs.last())
    };
    assert_eq!(snapshot.summary.packets, 40_000);
    assert_eq!(snapshot.summary.bytes, 40_000_000);
}
