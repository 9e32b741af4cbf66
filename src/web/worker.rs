//! The Web Worker: owns the data. It reads the posted `File` in chunks with `FileReaderSync`
//! (the file is never held whole), runs the engine over it, and posts progress with a small
//! snapshot about every 100 ms, then the final snapshot.
//!
//! The page cancels an analysis by terminating the worker and starting a new one, which is
//! immediate whatever the worker is doing.

use super::messages::{decode, encode, Damage, FileInfo, FromWorker, ToWorker, SNAPSHOT_TOP};
use crate::analyze::{Engine, Options};
use crate::capture::Reader;
use std::cell::Cell;
use std::io::{self, Read};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

/// Bytes read from the file per `FileReaderSync` call: larger chunks read faster (16 MiB was
/// 1.2-1.9x faster than 4 MiB here), and memory stays at one chunk.
const CHUNK: f64 = 16.0 * 1024.0 * 1024.0;
/// The first read is small, so the first numbers reach the page within a few tens of ms.
const FIRST_CHUNK: f64 = 1024.0 * 1024.0;
/// How often progress is posted while reading.
const PROGRESS_MS: f64 = 100.0;
/// The first progress is posted this soon after reading starts.
const FIRST_PROGRESS_MS: f64 = 20.0;
/// Frames between two looks at the clock.
const CLOCK_EVERY: u64 = 1024;
/// Rows per top-N table in progress snapshots (the charts show 10); the final one has more.
const PROGRESS_TOP: usize = 20;

thread_local! {
    /// Bytes of the file read so far, for the crash report.
    static BYTES_READ: Cell<u64> = const { Cell::new(0) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now() -> f64 {
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
fn wasm_memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as u64
        })
}

/// Reads a `File` as a [`Read`], one chunk at a time.
struct FileSource {
    file: File,
    size: f64,
    pos: f64,
    reader: FileReaderSync,
    chunk: Vec<u8>,
    at: usize,
}

impl FileSource {
    fn refill(&mut self) -> io::Result<()> {
        let want = if self.pos == 0.0 { FIRST_CHUNK } else { CHUNK };
        let end = (self.pos + want).min(self.size);
        let blob = self
            .file
            .slice_with_f64_and_f64(self.pos, end)
            .map_err(|e| io::Error::other(format!("cannot slice the file: {e:?}")))?;
        let buf = self
            .reader
            .read_as_array_buffer(&blob)
            .map_err(|e| io::Error::other(format!("cannot read the file: {e:?}")))?;
        let arr = js_sys::Uint8Array::new(&buf);
        self.chunk.resize(arr.length() as usize, 0);
        arr.copy_to(&mut self.chunk);
        self.at = 0;
        self.pos = end;
        BYTES_READ.with(|b| b.set(end as u64));
        Ok(())
    }
}

impl Read for FileSource {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.chunk.len() {
            if self.pos >= self.size {
                return Ok(0);
            }
            self.refill()?;
        }
        let rest = self.chunk.get(self.at..).unwrap_or(&[]);
        let n = rest.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

/// Analyzes `file`, handing every message for the page to `post`: progress about every
/// [`PROGRESS_MS`], then exactly one of `Done` or `NotACapture`.
pub fn analyze_file(file: File, post: &mut dyn FnMut(&FromWorker)) {
    let started = now();
    let size = file.size();
    let source = match FileReaderSync::new() {
        Ok(reader) => FileSource {
            file,
            size,
            pos: 0.0,
            reader,
            chunk: Vec::new(),
            at: 0,
        },
        Err(e) => {
            post(&FromWorker::NotACapture {
                message: format!("this browser cannot read files in a worker: {e:?}"),
            });
            return;
        }
    };
    let mut reader = match Reader::new(source) {
        Ok(r) => r,
        Err(e) => {
            post(&FromWorker::NotACapture {
                message: e.to_string(),
            });
            return;
        }
    };
    let info = |r: &Reader<FileSource>| FileInfo {
        format: r.format(),
        gzip: r.is_gzip(),
        link_types: r.link_types().to_vec(),
        size: size as u64,
    };
    let mut engine = Engine::new(Options {
        index: true,
        ..Options::default()
    });
    let mut packets = 0u64;
    let mut next_post = started + FIRST_PROGRESS_MS;
    let damage = loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                engine.push(&frame);
                packets += 1;
                if packets % CLOCK_EVERY == 0 {
                    let t = now();
                    if t >= next_post {
                        next_post = t + PROGRESS_MS;
                        post(&FromWorker::Progress {
                            info: info(&reader),
                            bytes_read: reader.source_bytes_read(),
                            packets,
                            snapshot: Box::new(engine.snapshot(Some(PROGRESS_TOP))),
                        });
                    }
                }
            }
            Ok(None) => break None,
            Err(e) => {
                break Some(Damage {
                    offset: e.offset,
                    frame: e.frame,
                    message: e.to_string(),
                })
            }
        }
    };
    post(&FromWorker::Done {
        info: info(&reader),
        snapshot: Box::new(engine.snapshot(Some(SNAPSHOT_TOP))),
        damage,
        elapsed_ms: now() - started,
        wasm_memory: wasm_memory_bytes(),
    });
}

/// Handles one message from the page (`{ msg, file }`), posting the answers with `post`.
pub fn handle(data: &JsValue, post: &mut dyn FnMut(&FromWorker)) {
    let msg = js_sys::Reflect::get(data, &"msg".into()).unwrap_or(JsValue::UNDEFINED);
    let file = js_sys::Reflect::get(data, &"file".into()).unwrap_or(JsValue::UNDEFINED);
    match decode::<ToWorker>(&msg.as_string().unwrap_or_default()) {
        Ok(ToWorker::Open { name }) => match file.dyn_into::<File>() {
            Ok(f) => analyze_file(f, post),
            Err(_) => post(&FromWorker::NotACapture {
                message: format!("{name}: no file was posted"),
            }),
        },
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

/// The worker's entry point: seeds hashing, installs the message handler and says Ready.
pub fn start() {
    seed_hashing();
    std::panic::set_hook(Box::new(|info| {
        post(&FromWorker::Crashed {
            message: info.to_string(),
            bytes_read: BYTES_READ.with(Cell::get),
        });
    }));
    let handler =
        Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| handle(&ev.data(), &mut post));
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The worker lives as long as the page keeps it; the handler must too.
    handler.forget();
    post(&FromWorker::Ready);
}
