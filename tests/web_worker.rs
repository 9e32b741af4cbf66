//! The worker's message handling, in a real dedicated worker of headless Chromium
//! (`cargo test --target wasm32-unknown-unknown --test web_worker`; natively this file is empty).
//!
//! `Open` is asynchronous (the next chunk is read while this one is parsed): the tests post it
//! through `worker::handle`, as the page does, and wait for the worker's last word.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pcapscope::capture::write::{InterfaceOptions, PcapOptions, PcapWriter, PcapngWriter};
use pcapscope::capture::{Format, Reader};
use pcapscope::index::SortKey;
use pcapscope::stats::Snapshot;
use pcapscope::web::load::{self, Post};
use pcapscope::web::messages::{
    decode, encode, Damage, FileInfo, FromWorker, LiveToWorker, ToWorker,
};
use pcapscope::web::worker;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const MIB: usize = 1024 * 1024;

fn file(name: &str, bytes: &[u8]) -> web_sys::File {
    let arr = js_sys::Uint8Array::from(bytes);
    web_sys::File::new_with_u8_array_sequence(&js_sys::Array::of1(&arr), name).unwrap()
}

/// The page's envelope: `{ msg, file }`.
fn envelope(msg: &ToWorker, f: Option<&web_sys::File>) -> JsValue {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"msg".into(), &JsValue::from_str(&encode(msg))).unwrap();
    if let Some(f) = f {
        js_sys::Reflect::set(&o, &"file".into(), f).unwrap();
    }
    o.into()
}

/// What the worker posted, through the same text encoding as postMessage.
#[derive(Clone, Default)]
struct Inbox(Rc<RefCell<Vec<FromWorker>>>);

impl Inbox {
    fn post(&self) -> Post {
        let got = self.0.clone();
        Rc::new(move |m: &FromWorker| got.borrow_mut().push(decode(&encode(m)).unwrap()))
    }

    fn messages(&self) -> Vec<FromWorker> {
        self.0.borrow().clone()
    }

    fn ended(&self) -> bool {
        self.0.borrow().iter().any(|m| {
            matches!(
                m,
                FromWorker::Done { .. }
                    | FromWorker::NotACapture { .. }
                    | FromWorker::Crashed { .. }
            )
        })
    }

    /// Waits (up to a minute) until `done` says so.
    async fn wait_for(&self, what: &str, done: impl Fn(&Self) -> bool) {
        for _ in 0..6000 {
            if done(self) {
                return;
            }
            sleep(10).await;
        }
        panic!("no {what} within a minute: {:?}", self.messages());
    }
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Opens `bytes` as the file `name` and waits for the end of the analysis.
async fn run(name: &str, bytes: &[u8]) -> Vec<FromWorker> {
    let inbox = Inbox::default();
    open(name, bytes, &inbox);
    inbox.wait_for("Done or NotACapture", Inbox::ended).await;
    // Nothing comes after the last word.
    sleep(50).await;
    let msgs = inbox.messages();
    assert!(
        matches!(
            msgs.last(),
            Some(FromWorker::Done { .. } | FromWorker::NotACapture { .. })
        ),
        "{msgs:?}"
    );
    msgs
}

fn open(name: &str, bytes: &[u8], inbox: &Inbox) {
    let msg = ToWorker::Open { name: name.into() };
    worker::handle(&envelope(&msg, Some(&file(name, bytes))), &inbox.post());
}

/// Asks the session for the view of every packet; its answer.
fn view_of_everything() -> FromWorker {
    let inbox = Inbox::default();
    let msg = ToWorker::View {
        id: 7,
        filter: String::new(),
        sort: SortKey::Number,
        descending: false,
    };
    worker::handle(&envelope(&msg, None), &inbox.post());
    let msgs = inbox.messages();
    assert_eq!(msgs.len(), 1, "one answer, at once: {msgs:?}");
    msgs.into_iter().next().unwrap()
}

/// The last message, which must be `Done`: (info, snapshot summary, damage).
fn done(
    msgs: &[FromWorker],
) -> (
    pcapscope::web::messages::FileInfo,
    pcapscope::stats::Summary,
    Option<pcapscope::web::messages::Damage>,
) {
    match msgs.last() {
        Some(FromWorker::Done {
            info,
            snapshot,
            damage,
            ..
        }) => (info.clone(), snapshot.summary, damage.clone()),
        other => panic!("no Done at the end: {other:?}"),
    }
}

/// The worker's numbers for `bytes` are the native ones, and so is the damage, if any.
async fn same_as_natively(name: &str, bytes: &[u8]) -> Vec<FromWorker> {
    let native = pcapscope::analyze(bytes).unwrap();
    let msgs = run(name, bytes).await;
    let (info, summary, damage) = done(&msgs);
    assert_eq!(info.format, native.format);
    assert_eq!(info.gzip, native.gzip);
    assert_eq!(info.link_types, native.link_types);
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(summary, native.snapshot.summary, "same numbers as natively");
    assert_eq!(
        damage.map(|d| (d.offset, d.frame)),
        native.error.map(|e| (e.offset, e.frame)),
        "same damage as natively"
    );
    // Progress comes in order, before Done.
    let mut last = (0, 0);
    for m in &msgs[..msgs.len() - 1] {
        let FromWorker::Progress {
            bytes_read,
            packets,
            ..
        } = m
        else {
            panic!("only Progress before Done: {m:?}");
        };
        assert!((*bytes_read, *packets) >= last, "{m:?} after {last:?}");
        last = (*bytes_read, *packets);
    }
    msgs
}

/// A pcap of about `target` bytes: the frames of a fixture over and over (timestamps moved
/// on), each round with one frame padded by an odd number of bytes, so that records straddle
/// the read chunks' boundaries at odd places.
fn big_pcap(target: usize) -> Vec<u8> {
    let fixture = include_bytes!("../fixtures/http-get-ethernet.pcap");
    let mut frames = Vec::new();
    let mut r = Reader::new(&fixture[..]).unwrap();
    while let Some(f) = r.next_frame().unwrap() {
        frames.push((f.ts_ns, f.orig_len, f.data.to_vec()));
    }
    let link_type = r.link_types()[0];
    let mut w = PcapWriter::new(
        Vec::with_capacity(target + 100_000),
        PcapOptions::new(link_type),
    )
    .unwrap();
    let mut round = 0i64;
    let mut written = 24;
    while written < target {
        let shift = round * 1_000_000_000;
        for (ts, orig, data) in &frames {
            w.write_packet(ts + shift, *orig, data).unwrap();
            written += 16 + data.len();
        }
        let (ts, orig, data) = &frames[0];
        let mut padded = data.clone();
        padded.resize(data.len() + (round as usize * 7919) % 40_000, 0);
        let extra = (padded.len() - data.len()) as u32;
        w.write_packet(ts + shift + 1, orig + extra, &padded)
            .unwrap();
        written += 16 + padded.len();
        round += 1;
    }
    w.into_inner().unwrap()
}

fn gzip(bytes: &[u8], level: flate2::Compression) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[wasm_bindgen_test]
async fn a_fixture_is_read_to_the_end_with_a_final_snapshot() {
    let bytes = include_bytes!("../fixtures/tcp-handshake-ns.pcapng");
    let native = pcapscope::analyze(&bytes[..]).unwrap();
    let msgs = same_as_natively("tcp-handshake-ns.pcapng", bytes).await;
    let (info, summary, damage) = done(&msgs);
    assert_eq!(info.format, Format::Pcapng);
    assert!(damage.is_none());
    assert_eq!(
        summary.first_ns, native.snapshot.summary.first_ns,
        "nanoseconds survive"
    );
    // The capture is kept as the session: views are answered.
    match view_of_everything() {
        FromWorker::View {
            id, total, matched, ..
        } => assert_eq!((id, total, matched), (7, summary.packets, summary.packets)),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_damaged_fixture_reports_where_and_keeps_what_came_before() {
    let bytes = include_bytes!("../fixtures/truncated-mid-record.pcap");
    let msgs = same_as_natively("truncated-mid-record.pcap", bytes).await;
    let (_, summary, damage) = done(&msgs);
    assert!(damage.is_some());
    assert!(summary.packets > 0);
}

#[wasm_bindgen_test]
async fn not_a_capture_is_said_so() {
    let msgs = run("notes.txt", b"hello, this is not a capture file at all").await;
    assert!(
        matches!(msgs.as_slice(), [FromWorker::NotACapture { message }] if message.contains("not a pcap")),
        "{msgs:?}"
    );
    let msgs = run("empty.pcap", b"").await;
    assert!(
        matches!(msgs.as_slice(), [FromWorker::NotACapture { .. }]),
        "{msgs:?}"
    );
}

#[wasm_bindgen_test]
async fn gzip_fixtures_read_as_natively() {
    same_as_natively(
        "http-get-ethernet.pcap.gz",
        include_bytes!("../fixtures/http-get-ethernet.pcap.gz"),
    )
    .await;
    same_as_natively(
        "two-gzip-members.pcap.gz",
        include_bytes!("../fixtures/two-gzip-members.pcap.gz"),
    )
    .await;
    let msgs = same_as_natively(
        "bad-gzip-crc.pcap.gz",
        include_bytes!("../fixtures/bad-gzip-crc.pcap.gz"),
    )
    .await;
    assert!(done(&msgs).2.is_some());
}

#[wasm_bindgen_test]
async fn a_capture_of_several_read_chunks_is_read_whole() {
    // About 40 MiB: the first 1 MiB chunk and two of 16 MiB, and a part of a fourth.
    let raw = big_pcap(40 * MIB);
    let sync_reads = load::sync_reads();
    let msgs = same_as_natively("big.pcap", &raw).await;
    assert_eq!(
        load::sync_reads(),
        sync_reads,
        "the reads ahead came in time: no pcap record is larger than the margin"
    );
    let (_, summary, damage) = done(&msgs);
    assert!(damage.is_none());
    assert!(summary.packets > 10_000);
    assert!(
        msgs.iter()
            .any(|m| matches!(m, FromWorker::Progress { .. })),
        "progress while reading"
    );
}

#[wasm_bindgen_test]
async fn a_large_capture_cut_mid_record_keeps_what_came_before() {
    let raw = big_pcap(20 * MIB);
    // Cut in the third chunk, at an odd place.
    let cut = &raw[..17 * MIB + 12_345];
    let msgs = same_as_natively("cut.pcap", cut).await;
    let (_, summary, damage) = done(&msgs);
    let damage = damage.expect("damage");
    assert!(damage.offset > 16 * MIB as u64, "{damage:?}");
    assert!(summary.packets > 1000);
}

#[wasm_bindgen_test]
async fn a_large_gzip_capture_is_read_as_natively() {
    // Stored (level 0): as large compressed as not, so reads cross chunks in both spaces.
    let gz = gzip(&big_pcap(20 * MIB), flate2::Compression::none());
    assert!(gz.len() > 17 * MIB);
    let sync_reads = load::sync_reads();
    same_as_natively("big.pcap.gz", &gz).await;
    assert_eq!(load::sync_reads(), sync_reads);
    // And compressed: the whole file fits in the first chunks.
    let gz = gzip(&big_pcap(20 * MIB), flate2::Compression::fast());
    same_as_natively("small.pcap.gz", &gz).await;
}

#[wasm_bindgen_test]
async fn a_block_larger_than_the_margin_at_a_chunk_end_is_read_synchronously() {
    // Small packets up to 16.5 MiB, then a 2 MiB block of an unknown type (skipped, but read
    // whole), then a second section: the block runs past the end of the second read chunk
    // (1 + 16 MiB) when less than that is in hand, so the reader runs dry while the next chunk
    // is on its way and the bytes are read synchronously.
    let small = vec![0u8; 1000];
    let t0 = 1_700_000_000_000_000_000i64;
    let section = |raw: Vec<u8>, until: usize, t: i64| {
        let mut w = PcapngWriter::new(raw, &Default::default()).unwrap();
        w.add_interface(&InterfaceOptions::new(1)).unwrap();
        let mut at = 0;
        let mut i = 0;
        while at < until as u64 {
            at = w.write_epb(0, t + i, 1000, &small, None).unwrap();
            i += 1;
        }
        w.into_inner().unwrap()
    };
    let mut raw = section(Vec::new(), 16 * MIB + MIB / 2, t0);
    let body = 2 * MIB as u32;
    raw.extend_from_slice(&0x0000_0badu32.to_le_bytes());
    raw.extend_from_slice(&(body + 12).to_le_bytes());
    raw.resize(raw.len() + body as usize, 0x5a);
    raw.extend_from_slice(&(body + 12).to_le_bytes());
    let raw = section(raw, 20 * MIB, t0 + 1_000_000_000);
    let before = load::sync_reads();
    let msgs = same_as_natively("big-block.pcapng", &raw).await;
    let (_, summary, damage) = done(&msgs);
    assert!(damage.is_none(), "{damage:?}");
    assert!(summary.packets > 18_000);
    assert!(
        load::sync_reads() > before,
        "the reader ran dry and read synchronously"
    );
}

#[wasm_bindgen_test]
async fn a_second_open_supersedes_the_first() {
    let first = Inbox::default();
    open("big.pcap", &big_pcap(40 * MIB), &first);
    // Under way: it has posted progress and is not done.
    first
        .wait_for("Progress", |i| {
            i.messages()
                .iter()
                .any(|m| matches!(m, FromWorker::Progress { .. }))
        })
        .await;
    assert!(!first.ended(), "{:?}", first.messages().last());
    let second = Inbox::default();
    let bytes = include_bytes!("../fixtures/http-get-ethernet.pcap");
    open("http-get-ethernet.pcap", bytes, &second);
    second.wait_for("Done", Inbox::ended).await;
    sleep(300).await;
    assert!(!first.ended(), "the first load stopped without a word");
    let (info, summary, _) = done(&second.messages());
    assert_eq!(info.size, bytes.len() as u64);
    // The session is the second file's.
    match view_of_everything() {
        FromWorker::View { total, .. } => assert_eq!(total, summary.packets),
        other => panic!("{other:?}"),
    }
    // Opened back to back, the first posts nothing at all.
    let (a, b) = (Inbox::default(), Inbox::default());
    open("big.pcap", &big_pcap(2 * MIB), &a);
    open("http-get-ethernet.pcap", bytes, &b);
    b.wait_for("Done", Inbox::ended).await;
    sleep(300).await;
    assert!(a.messages().is_empty(), "{:?}", a.messages());
}

/// A reading helper written in JavaScript that speaks `load`'s protocol (the page's helper is
/// the worker's own script, which tests cannot start): it reads with FileReaderSync, into the
/// buffer the request brings back when there is one, and throws on request `fail_at`.
fn js_reader(fail_at: u32) -> String {
    let src = format!(
        "let n = 0;
        onmessage = (e) => {{
          const {{ id, file, start, end, buf }} = e.data;
          n += 1;
          if (n === {fail_at}) throw new Error('the test helper fails');
          const b = new FileReaderSync().readAsArrayBuffer(file.slice(start, end));
          let out = b;
          if (buf && buf.byteLength >= b.byteLength) {{
            new Uint8Array(buf).set(new Uint8Array(b));
            out = buf;
          }}
          postMessage({{ id, buf: out, len: b.byteLength }}, [out]);
        }};
        postMessage({{ ready: true }});"
    );
    let parts = js_sys::Array::of1(&JsValue::from_str(&src));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    let url = js_sys::Reflect::get(&js_sys::global(), &"URL".into()).unwrap();
    let create: js_sys::Function = js_sys::Reflect::get(&url, &"createObjectURL".into())
        .unwrap()
        .unchecked_into();
    create.call1(&url, &blob).unwrap().as_string().unwrap()
}

async fn with_reader(fail_at: u32) {
    load::start_reader(&js_reader(fail_at));
    for _ in 0..500 {
        if load::reader_ready() {
            return;
        }
        sleep(10).await;
    }
    panic!("the reading helper never said it was ready");
}

#[wasm_bindgen_test]
async fn a_reading_helper_reads_for_the_engine() {
    with_reader(0).await;
    let raw = big_pcap(40 * MIB);
    let sync_reads = load::sync_reads();
    let msgs = same_as_natively("big.pcap", &raw).await;
    assert!(done(&msgs).2.is_none());
    assert_eq!(load::sync_reads(), sync_reads);
    assert!(load::reader_ready(), "still there");
    // Gzip through the helper too.
    let gz = gzip(&big_pcap(20 * MIB), flate2::Compression::none());
    same_as_natively("big.pcap.gz", &gz).await;
    load::stop_reader();
    assert!(!load::reader_ready());
}

#[wasm_bindgen_test]
async fn a_reading_helper_that_fails_is_done_without() {
    // It fails on its third request: what it was asked is read synchronously, then without it.
    with_reader(3).await;
    let raw = big_pcap(40 * MIB);
    let sync_reads = load::sync_reads();
    let msgs = same_as_natively("big.pcap", &raw).await;
    assert!(done(&msgs).2.is_none());
    assert!(load::sync_reads() > sync_reads, "read again synchronously");
    assert!(!load::reader_ready(), "gone");
    load::stop_reader();
}

// ---------------------------------------------------------------------------------------------
// Live captures: the same bytes, fed in messages, end as the file does.

/// The page's live envelope: `{ live, chunk }`.
fn live_envelope(msg: &LiveToWorker, chunk: Option<&js_sys::ArrayBuffer>) -> JsValue {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"live".into(), &JsValue::from_str(&encode(msg))).unwrap();
    if let Some(c) = chunk {
        js_sys::Reflect::set(&o, &"chunk".into(), c).unwrap();
    }
    o.into()
}

/// Posts `bytes[from..to]` as the next live chunk (its own `ArrayBuffer`, as a WebSocket
/// message brings).
fn live_chunk(inbox: &Inbox, bytes: &[u8]) {
    let buf = js_sys::Uint8Array::from(bytes).buffer();
    worker::handle(
        &live_envelope(&LiveToWorker::Chunk, Some(&buf)),
        &inbox.post(),
    );
}

/// Feeds `bytes` as a live capture named `name`, in messages ending at `cuts`, then ends it;
/// everything the worker posted (all of it synchronously).
fn live(name: &str, bytes: &[u8], cuts: &[usize]) -> Vec<FromWorker> {
    let inbox = Inbox::default();
    worker::handle(
        &live_envelope(&LiveToWorker::Open { name: name.into() }, None),
        &inbox.post(),
    );
    let mut from = 0;
    for &cut in cuts {
        live_chunk(&inbox, &bytes[from..cut]);
        from = cut;
    }
    worker::handle(&live_envelope(&LiveToWorker::End, None), &inbox.post());
    inbox.messages()
}

/// Where each pcapng block or pcap record ends (the pcap file header is the first unit).
fn unit_ends(bytes: &[u8]) -> Vec<usize> {
    let u32_at = |at: usize, be: bool| {
        let b: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
        if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let mut ends = Vec::new();
    let mut at = 0;
    if u32_at(0, false) == 0x0A0D_0D0A {
        let mut be = false;
        while at < bytes.len() {
            if u32_at(at, false) == 0x0A0D_0D0A {
                be = u32_at(at + 8, false) != 0x1A2B_3C4D;
            }
            at += u32_at(at + 4, be) as usize;
            ends.push(at);
        }
    } else {
        let be = u32_at(0, false) == 0xd4c3_b2a1 || u32_at(0, false) == 0x4d3c_b2a1;
        at = 24;
        ends.push(at);
        while at < bytes.len() {
            at += 16 + u32_at(at + 8, be) as usize;
            ends.push(at);
        }
    }
    ends
}

/// The final message of a load (`Done`): info, snapshot and damage.
fn final_of(msgs: &[FromWorker]) -> (FileInfo, Snapshot, Option<Damage>) {
    msgs.iter()
        .find_map(|m| match m {
            FromWorker::Done {
                info,
                snapshot,
                damage,
                ..
            } => Some((info.clone(), (**snapshot).clone(), damage.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Done: {msgs:?}"))
}

async fn fetch_bytes(url: &str) -> Vec<u8> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let resp: web_sys::Response = JsFuture::from(scope.fetch_with_str(url))
        .await
        .unwrap()
        .unchecked_into();
    let buf = JsFuture::from(resp.array_buffer().unwrap()).await.unwrap();
    js_sys::Uint8Array::new(&buf).to_vec()
}

/// A pcapng of about `target` bytes, from `big_pcap`'s frames.
fn big_pcapng(target: usize) -> Vec<u8> {
    let pcap = big_pcap(target);
    let mut r = Reader::new(&pcap[..]).unwrap();
    let mut w =
        PcapngWriter::new(Vec::with_capacity(target + 100_000), &Default::default()).unwrap();
    w.add_interface(&InterfaceOptions::new(r.link_types()[0]))
        .unwrap();
    while let Some(f) = r.next_frame().unwrap() {
        w.write_epb(0, f.ts_ns, f.orig_len, f.data, None).unwrap();
    }
    w.into_inner().unwrap()
}

/// Cuts at pseudo-random places, pieces of 1 to `max` bytes.
fn odd_cuts(len: usize, max: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut at = 0;
    let mut x = 0x2545_f491u32;
    while at < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        at = (at + 1 + x as usize % max).min(len);
        cuts.push(at);
    }
    cuts
}

/// Every `n`-th unit end (and the last).
fn every(ends: &[usize], n: usize) -> Vec<usize> {
    ends.iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) % n == 0 || *i == ends.len() - 1)
        .map(|(_, e)| *e)
        .collect()
}

/// A live capture of `bytes`, cut in each of `splits`, ends with the file load's `Done` and
/// then offers exactly those bytes as a file.
async fn live_as_file(name: &str, bytes: &[u8], splits: &[(&str, Vec<usize>)]) {
    let (info, snapshot, damage) = final_of(&run(name, bytes).await);
    for (how, cuts) in splits {
        let msgs = live(name, bytes, cuts);
        let (live_info, live_snapshot, live_damage) = final_of(&msgs);
        assert_eq!(live_info, info, "{name}, {how}");
        assert_eq!(live_damage, damage, "{name}, {how}");
        assert!(live_snapshot == snapshot, "{name}, {how}: same snapshot");
        // Progress, Done, then the file.
        let n = msgs.len();
        assert!(n >= 2, "{msgs:?}");
        for m in &msgs[..n - 2] {
            assert!(matches!(m, FromWorker::Progress { .. }), "{how}: {m:?}");
        }
        assert!(matches!(msgs[n - 2], FromWorker::Done { .. }));
        let FromWorker::LiveFile {
            name: file_name,
            url,
            size,
        } = &msgs[n - 1]
        else {
            panic!("{how}: no LiveFile last: {:?}", msgs[n - 1]);
        };
        assert_eq!((file_name.as_str(), *size), (name, bytes.len() as u64));
        assert!(
            fetch_bytes(url).await == bytes,
            "{name}, {how}: the saved file"
        );
    }
}

#[wasm_bindgen_test]
async fn a_live_capture_ends_with_the_snapshot_of_the_same_file() {
    for (name, bytes) in [
        (
            "tcp-handshake-ns.pcapng",
            &include_bytes!("../fixtures/tcp-handshake-ns.pcapng")[..],
        ),
        (
            "multi-section-be-le.pcapng",
            include_bytes!("../fixtures/multi-section-be-le.pcapng"),
        ),
        (
            "http-get-ethernet.pcap",
            include_bytes!("../fixtures/http-get-ethernet.pcap"),
        ),
    ] {
        let ends = unit_ends(bytes);
        let len = bytes.len();
        live_as_file(
            name,
            bytes,
            &[
                ("in one message", vec![len]),
                ("a block per message", ends.clone()),
                ("three blocks per message", every(&ends, 3)),
                ("7-byte pieces", (7..len).step_by(7).chain([len]).collect()),
                ("1-byte pieces", (1..=len).collect()),
                ("odd pieces", odd_cuts(len, 300)),
            ],
        )
        .await;
    }
    // Larger than the pieces kept as a Blob: whole blocks in messages of about 256 KiB (as the
    // capture sends them), and odd pieces.
    let bytes = big_pcapng(12 * MIB);
    let ends = unit_ends(&bytes);
    let mut batches = Vec::new();
    for &e in &ends {
        if batches.last().is_none_or(|&b| e - b >= 256 * 1024) || e == bytes.len() {
            batches.push(e);
        }
    }
    live_as_file(
        "live-lo.pcapng",
        &bytes,
        &[
            ("batches of blocks", batches),
            ("odd pieces", odd_cuts(bytes.len(), 70_000)),
        ],
    )
    .await;

    // The session is the live capture: views, and details re-read from its file.
    let bytes = include_bytes!("../fixtures/tcp-handshake-ns.pcapng");
    let msgs = live("live-lo.pcapng", bytes, &odd_cuts(bytes.len(), 50));
    let (_, snapshot, _) = final_of(&msgs);
    match view_of_everything() {
        FromWorker::View { total, .. } => assert_eq!(total, snapshot.summary.packets),
        other => panic!("{other:?}"),
    }
    let inbox = Inbox::default();
    worker::handle(
        &envelope(&ToWorker::Detail { number: 2 }, None),
        &inbox.post(),
    );
    let mut r = Reader::new(&bytes[..]).unwrap();
    r.next_frame().unwrap();
    let second: String = r
        .next_frame()
        .unwrap()
        .unwrap()
        .data
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match inbox.messages().as_slice() {
        [FromWorker::Detail {
            number, hex, error, ..
        }] => {
            assert_eq!((*number, hex, error), (2, &second, &None))
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_live_capture_cut_inside_a_block_ends_as_the_cut_file() {
    let whole = include_bytes!("../fixtures/tcp-handshake-ns.pcapng");
    let ends = unit_ends(whole);
    // The stream stops 10 bytes into the last block.
    let cut = ends[ends.len() - 2] + 10;
    let bytes = &whole[..cut];
    let mut cuts = ends[..ends.len() - 1].to_vec();
    cuts.push(cut);
    live_as_file(
        "cut.pcapng",
        bytes,
        &[
            ("blocks, then a part", cuts),
            ("odd pieces", odd_cuts(cut, 40)),
        ],
    )
    .await;
    let (_, _, damage) = final_of(&live("cut.pcapng", bytes, &[cut]));
    assert_eq!(damage.unwrap().offset, ends[ends.len() - 2] as u64);
}

#[wasm_bindgen_test]
async fn live_progress_comes_while_the_stream_is_quiet() {
    let bytes = include_bytes!("../fixtures/http-get-ethernet.pcap");
    let (_, snapshot, _) = final_of(&run("http-get-ethernet.pcap", bytes).await);
    let inbox = Inbox::default();
    worker::handle(
        &live_envelope(
            &LiveToWorker::Open {
                name: "l.pcap".into(),
            },
            None,
        ),
        &inbox.post(),
    );
    let ends = unit_ends(bytes);
    let mut from = 0;
    for &e in &ends {
        live_chunk(&inbox, &bytes[from..e]);
        from = e;
    }
    // The first progress at once, the rest within 250 ms although nothing more arrives.
    let last_packets = |i: &Inbox| {
        i.messages().iter().rev().find_map(|m| match m {
            FromWorker::Progress { packets, .. } => Some(*packets),
            _ => None,
        })
    };
    let first = inbox.messages().len();
    assert!((1..=2).contains(&first), "{:?}", inbox.messages());
    inbox
        .wait_for("the last progress", |i| {
            last_packets(i) == Some(snapshot.summary.packets)
        })
        .await;
    sleep(400).await;
    let n = inbox.messages().len();
    assert!(n <= 3, "no more progress than needed: {n}");
    worker::handle(&live_envelope(&LiveToWorker::End, None), &inbox.post());
    assert_eq!(final_of(&inbox.messages()).1, snapshot);
}

#[wasm_bindgen_test]
async fn a_live_stream_that_is_not_a_capture_is_said_so() {
    let msgs = live("x.pcapng", b"HTTP/1.1 200 OK\r\n\r\nhello", &[10, 24]);
    assert!(
        matches!(msgs.as_slice(), [FromWorker::NotACapture { .. }]),
        "{msgs:?}"
    );
    let msgs = live("x.pcapng", b"", &[]);
    assert!(
        matches!(msgs.as_slice(), [FromWorker::NotACapture { message }] if message.contains("no capture data")),
        "{msgs:?}"
    );
}
