//! The Web Worker: owns the data. It reads the posted `File` in chunks (see [`super::load`]:
//! a reader helper worker overlaps reading with parsing; the file is never held whole), runs
//! the engine over it, posts progress with a small snapshot about every 100 ms, then the final
//! snapshot, and then answers the page's questions about the capture ([`super::session`]).
//!
//! A live capture is read the same way, from the chunks the page forwards as they arrive
//! (see [`super::load::live_open`]), and kept as the session once it ends.
//!
//! The page cancels an analysis by terminating the worker and starting a new one, which is
//! immediate whatever the worker is doing.

use super::load::{
    analyze_file, live_chunk, live_end, live_open, serve_reads, start_reader, Loaded, Post,
    READER_NAME,
};
use super::messages::{decode, encode, FromWorker, LiveToWorker, ToWorker};
use super::session::Session;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

thread_local! {
    /// Bytes of the file read so far, for the crash report.
    pub(crate) static BYTES_READ: Cell<u64> = const { Cell::new(0) };
    /// The capture read last, which rows, details and views are about.
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub(crate) fn now() -> f64 {
    js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .ok()
        .and_then(|g| g.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Posts a message to the page, as JSON text.
pub fn post(msg: &FromWorker) {
    let _ = scope().post_message(&JsValue::from_str(&encode(msg)));
}

/// Size of this worker's Wasm linear memory (it never shrinks: the high-water mark).
pub(crate) fn wasm_memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as u64
        })
}

/// Handles one message from the page (`{ msg, file }`), posting the answers with `post`.
///
/// `Open` returns at once: the file is read asynchronously (the browser reads the next chunk
/// while the engine parses this one), then kept as the session. Messages that arrive meanwhile
/// find no session and are ignored; a later `Open` supersedes it (it stops, posting nothing
/// more).
///
/// A live capture (`{ live }` messages: `Open`, then `Chunk`s with the bytes beside them as
/// `chunk`, then `End`: see [`LiveToWorker`]) is read as each chunk arrives, and kept as the
/// session at its end.
pub fn handle(data: &JsValue, post: &Post) {
    let msg = js_sys::Reflect::get(data, &"msg".into()).unwrap_or(JsValue::UNDEFINED);
    let file = js_sys::Reflect::get(data, &"file".into()).unwrap_or(JsValue::UNDEFINED);
    let keep = |loaded: Option<Loaded>| {
        if let Some(loaded) = loaded {
            SESSION.with(|s| *s.borrow_mut() = Some(Session::new(loaded)));
        }
    };
    let live = js_sys::Reflect::get(data, &"live".into()).unwrap_or(JsValue::UNDEFINED);
    if let Some(live) = live.as_string() {
        match decode::<LiveToWorker>(&live) {
            Ok(LiveToWorker::Open { name }) => {
                SESSION.with(|s| s.borrow_mut().take());
                live_open(name, post.clone());
            }
            Ok(LiveToWorker::Chunk) => {
                let chunk =
                    js_sys::Reflect::get(data, &"chunk".into()).unwrap_or(JsValue::UNDEFINED);
                keep(live_chunk(&chunk));
            }
            Ok(LiveToWorker::End) => keep(live_end()),
            Err(e) => web_sys::console::error_1(
                &format!("pcapscope worker: bad live message: {e}").into(),
            ),
        }
        return;
    }
    match decode::<ToWorker>(&msg.as_string().unwrap_or_default()) {
        Ok(ToWorker::Open { name }) => match file.dyn_into::<File>() {
            Ok(f) => {
                SESSION.with(|s| s.borrow_mut().take());
                let load = analyze_file(f, post.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    // `None` also when a later Open superseded this one: its session stays.
                    if let Some(loaded) = load.await {
                        SESSION.with(|s| *s.borrow_mut() = Some(Session::new(loaded)));
                    }
                });
            }
            Err(_) => post(&FromWorker::NotACapture {
                message: format!("{name}: no file was posted"),
            }),
        },
        Ok(other) => SESSION.with(|s| {
            if let Some(session) = s.borrow_mut().as_mut() {
                session.handle(other, &mut |m| post(m));
            }
        }),
        Err(e) => web_sys::console::error_1(&format!("pcapscope worker: bad message: {e}").into()),
    }
}

/// Keys the engine's hash maps from the browser's CSPRNG. The standard library has no entropy
/// source on wasm32-unknown-unknown, so without this a crafted capture could aim at fixed keys.
fn seed_hashing() {
    let mut bytes = [0u8; 16];
    if let Ok(crypto) = scope().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    let (a, b) = bytes.split_at(8);
    for half in [a, b] {
        let mut word = [0u8; 8];
        word.copy_from_slice(half);
        crate::hashing::reseed(u64::from_le_bytes(word));
    }
}

/// The worker's entry point: seeds hashing, installs the message handler, says Ready and
/// starts the reading helper (this same script again, under the name [`READER_NAME`], which
/// only reads the file for it: see `load`).
pub fn start() {
    if scope().name() == READER_NAME {
        serve_reads();
        return;
    }
    seed_hashing();
    std::panic::set_hook(Box::new(|info| {
        post(&FromWorker::Crashed {
            message: info.to_string(),
            bytes_read: BYTES_READ.with(Cell::get),
        });
    }));
    let to_page: Post = Rc::new(post);
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        handle(&ev.data(), &to_page)
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The worker lives as long as the page keeps it; the handler must too.
    handler.forget();
    post(&FromWorker::Ready);
    start_reader(&scope().location().href());
}
