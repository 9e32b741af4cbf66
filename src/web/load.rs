//! Reading the posted `File`: the engine over its bytes, progress about every 100 ms, then the
//! final snapshot. What it read stays as a [`Loaded`] capture for the packet table, details and
//! filters. A live capture ([`live_open`], [`live_chunk`], [`live_end`]) is read by the same
//! engine from the chunks the page forwards, and ends the same way, as a `File` of its bytes.
//!
//! Reading and parsing overlap. The file is read in 16 MiB chunks, requested ahead of the
//! engine and awaited only when the bytes in hand are nearly used up:
//!
//! - by the reading helper, a second instance of this worker (see [`READER_NAME`]) that reads
//!   the file's stream on its own thread with a BYOB reader, into buffers the engine hands back
//!   once used (a fresh buffer per chunk costs the browser about twice the CPU), and transfers
//!   each chunk over without a copy;
//! - until the helper is ready, or if it fails, with `Blob.arrayBuffer()`: the browser then
//!   delivers the bytes in tasks on the engine's own thread, so the engine returns to the event
//!   loop every [`PAUSE_EVERY`] bytes.
//!
//! The reader ([`Reader`], which pulls through [`Read`]) is run only while the bytes in hand
//! beyond its position exceed a margin that holds any pcap record; if it still runs dry (a
//! pcapng block larger than the margin), the bytes it needs are read synchronously with
//! `FileReaderSync`, as is a chunk whose asynchronous read failed: correctness never depends on
//! timing. The chunks stay in JavaScript `ArrayBuffer`s (outside the Wasm memory) until the
//! reader copies from them straight into its own buffer.

use super::messages::{Damage, FileInfo, FromWorker, SNAPSHOT_TOP};
use super::worker::{now, wasm_memory_bytes, BYTES_READ};
use crate::analyze::{Engine, Options};
use crate::capture::{Reader, MAX_BLOCK_LEN, MAX_RECORD_LEN};
use js_sys::{ArrayBuffer, Promise, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::{self, Read};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileReaderSync, MessageChannel, MessageEvent, MessagePort};

/// Where the worker's messages go: the page's `postMessage` in the worker, a list in tests.
pub type Post = Rc<dyn Fn(&FromWorker)>;

/// A capture read to its end (or to damage): what the packet table, details and filters work
/// on.
pub struct Loaded {
    /// The file, for re-reading single packets.
    pub file: File,
    /// What it is.
    pub info: FileInfo,
    /// The engine after the last frame: aggregates, index, decoder names.
    pub engine: Engine,
    /// Where reading stopped early, if it did.
    pub damage: Option<Damage>,
}

/// Bytes per read: larger reads are faster (16 MiB was 1.2-1.9x faster than 4 MiB here). The
/// chunks live in JavaScript memory, not in the Wasm memory.
const CHUNK: f64 = 16.0 * 1024.0 * 1024.0;
/// The first read is small, so the first numbers reach the page within a few tens of ms.
const FIRST_CHUNK: f64 = 1024.0 * 1024.0;
/// Reads requested ahead of the chunk being parsed: two keep the reading helper busy while
/// the engine takes a chunk it handed over (the chunks are in JavaScript memory, not Wasm's).
const AHEAD: usize = 2;
/// The reader runs only while at least this many bytes beyond its position are in hand (or
/// nothing more is coming): any pcap record, and pcapng blocks up to this size, never find the
/// source empty while the next chunk is on its way.
const MARGIN: u64 = (MAX_RECORD_LEN + 64 * 1024) as u64;
/// Bytes parsed between two returns to the event loop, which let the browser hand over the
/// bytes of the read in flight (it delivers them on this thread) and queue the page's messages.
const PAUSE_EVERY: u64 = 1024 * 1024;
/// How often progress is posted while reading.
const PROGRESS_MS: f64 = 100.0;
/// The first progress is posted this soon after reading starts.
const FIRST_PROGRESS_MS: f64 = 20.0;
/// Frames between two looks at the clock.
const CLOCK_EVERY: u64 = 1024;
/// Rows per top-N table in progress snapshots (the charts show 10); the final one has more.
const PROGRESS_TOP: usize = 20;

thread_local! {
    /// Loads started so far: a load whose number is no longer the last one stops.
    static LOADS: Cell<u64> = const { Cell::new(0) };
    /// Reads the reader could not wait for, made synchronously.
    static SYNC_READS: Cell<u64> = const { Cell::new(0) };
}

/// How many times, since the worker started, the reader ran dry while a read was in flight and
/// the bytes were read synchronously instead (slower, same result). For tests and benchmarks.
pub fn sync_reads() -> u64 {
    SYNC_READS.with(Cell::get)
}

/// The reading parameters; the benchmark may override them (`self.pcapscopeLoadTuning =
/// {chunk, ahead, pause}` in the worker) to compare settings without a rebuild.
#[derive(Clone, Copy)]
struct Tuning {
    chunk: f64,
    ahead: usize,
    pause_every: u64,
}

impl Tuning {
    fn get() -> Self {
        let mut t = Tuning {
            chunk: CHUNK,
            ahead: AHEAD,
            pause_every: PAUSE_EVERY,
        };
        let o = js_sys::Reflect::get(&js_sys::global(), &"pcapscopeLoadTuning".into())
            .unwrap_or(JsValue::UNDEFINED);
        if o.is_object() {
            let num = |k: &str| {
                js_sys::Reflect::get(&o, &k.into())
                    .ok()
                    .and_then(|v| v.as_f64())
                    .filter(|v| *v >= 1.0)
            };
            if let Some(v) = num("chunk") {
                t.chunk = v.clamp(FIRST_CHUNK, 256.0 * 1024.0 * 1024.0);
            }
            if let Some(v) = num("ahead") {
                t.ahead = v as usize;
            }
            if let Some(v) = num("pause") {
                t.pause_every = v as u64;
            }
        }
        t
    }
}

/// One read requested from the browser and not yet received: bytes `start..end` of the file.
struct Fetch {
    start: f64,
    end: f64,
    bytes: JsFuture,
    /// Read by the reading helper (else by `Blob.arrayBuffer()`, which needs pauses).
    helper: bool,
}

/// The file's bytes, read ahead in chunks; shared by the reader (which pulls through [`Read`])
/// and the loading loop (which requests and awaits the reads). Single-threaded: the reader
/// runs only between the loop's awaits.
struct Feed {
    tuning: Tuning,
    file: File,
    size: f64,
    /// Chunks received and not yet handed out in full, in file order.
    ready: VecDeque<Uint8Array>,
    /// Bytes of `ready`'s first chunk already handed out.
    at: u32,
    /// The file's bytes up to here have been received (`ready` ends here).
    fetched: f64,
    /// Reads in flight, in file order, the first starting at `fetched`.
    inflight: VecDeque<Fetch>,
    /// Reads have been requested up to here.
    requested: f64,
    /// A read failed: the reader gets the error when it reaches that point.
    failed: Option<String>,
    /// For reads that cannot wait; made when first needed.
    sync: Option<FileReaderSync>,
    /// Buffers of chunks used up, handed back to the reading helper to read into (fresh
    /// buffers cost the browser more than the copy into them).
    spare: Vec<ArrayBuffer>,
    /// Tells the reading helper which requests continue one another.
    stream: u64,
}

impl Feed {
    fn new(file: File, tuning: Tuning) -> Self {
        Feed {
            tuning,
            size: file.size(),
            file,
            ready: VecDeque::new(),
            at: 0,
            fetched: 0.0,
            inflight: VecDeque::new(),
            requested: 0.0,
            failed: None,
            sync: None,
            spare: Vec::new(),
            stream: 0,
        }
    }

    /// Requests reads until [`AHEAD`] are in flight or the whole file is requested.
    fn request(&mut self) {
        while self.inflight.len() < self.tuning.ahead
            && self.requested < self.size
            && self.failed.is_none()
        {
            let start = self.requested;
            let want = if start == 0.0 {
                FIRST_CHUNK
            } else {
                self.tuning.chunk
            };
            let end = (start + want).min(self.size);
            let spare = self.spare.pop();
            let (bytes, helper) = match helper_read(&self.file, self.stream, start, end, spare) {
                Some(answer) => (answer, true),
                None => match self.file.slice_with_f64_and_f64(start, end) {
                    Ok(blob) => (blob.array_buffer(), false),
                    Err(e) => {
                        self.fail(format!("cannot slice the file: {e:?}"));
                        return;
                    }
                },
            };
            self.inflight.push_back(Fetch {
                start,
                end,
                bytes: JsFuture::from(bytes),
                helper,
            });
            self.requested = end;
        }
    }

    /// Whether a read is in flight.
    fn waiting(&self) -> bool {
        !self.inflight.is_empty()
    }

    /// Whether the next read in flight needs this thread's event loop to make progress.
    fn needs_pauses(&self) -> bool {
        self.inflight.front().is_some_and(|f| !f.helper)
    }

    /// Files the bytes `start..end` of the file, just read.
    fn arrived(&mut self, start: f64, end: f64, bytes: Uint8Array) {
        if start != self.fetched || f64::from(bytes.length()) != end - start {
            self.fail(format!(
                "the file changed while it was read: bytes {start}..{end} came back as {} bytes",
                bytes.length()
            ));
            return;
        }
        if bytes.length() > 0 {
            self.ready.push_back(bytes);
        }
        self.fetched = end;
        BYTES_READ.with(|b| b.set(end as u64));
    }

    fn fail(&mut self, message: String) {
        self.failed.get_or_insert(message);
        // Nothing after the failure is handed out.
        self.inflight.clear();
        self.requested = self.fetched;
    }

    /// The next read in flight, read synchronously instead (its asynchronous result is
    /// dropped), or the next chunk if none is in flight.
    fn read_now(&mut self) {
        let (start, end) = match self.inflight.pop_front() {
            Some(f) => (f.start, f.end),
            None => (
                self.fetched,
                (self.fetched + self.tuning.chunk).min(self.size),
            ),
        };
        self.read_range(start, end);
    }

    /// Reads bytes `start..end` synchronously (`start` is where the bytes in hand end). A
    /// failure is kept for the reader.
    fn read_range(&mut self, start: f64, end: f64) {
        SYNC_READS.with(|n| n.set(n.get() + 1));
        let sync = match self.sync.take() {
            Some(s) => Ok(s),
            None => FileReaderSync::new()
                .map_err(|e| format!("this browser cannot read files in a worker: {e:?}")),
        };
        let read = sync.and_then(|sync| {
            let buf = read_sync(&sync, &self.file, start, end);
            self.sync = Some(sync);
            buf
        });
        match read {
            Ok(buf) => self.arrived(start, end, Uint8Array::new(&buf)),
            Err(message) => self.fail(message),
        }
        self.requested = self.requested.max(self.fetched);
    }

    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(chunk) = self.ready.front() else {
                if let Some(message) = &self.failed {
                    return Err(io::Error::other(message.clone()));
                }
                if self.fetched >= self.size {
                    return Ok(0);
                }
                self.read_now();
                continue;
            };
            let len = chunk.length();
            let n = (len.saturating_sub(self.at) as usize).min(out.len());
            let Some(dst) = out.get_mut(..n) else {
                return Ok(0);
            };
            // `n` fits in u32: it is at most `len - at`.
            let end = self.at + n as u32;
            chunk.subarray(self.at, end).copy_to(dst);
            if end >= len {
                if let Some(used) = self.ready.pop_front() {
                    let buf: ArrayBuffer = used.buffer().unchecked_into();
                    if f64::from(buf.byte_length()) >= self.tuning.chunk && self.spare.len() < 2 {
                        self.spare.push(buf);
                    }
                }
                self.at = 0;
            } else {
                self.at = end;
            }
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

/// The reader's side of a [`Feed`].
struct Source(Rc<RefCell<Feed>>);

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(out)
    }
}

/// Waits for the oldest read in flight and files its bytes (or its failure); false if none was
/// in flight. Then requests the next.
async fn receive(feed: &RefCell<Feed>) -> bool {
    // Taken out while awaited: nothing reads the feed meanwhile (the reader runs only in the
    // loading loop, which is here).
    let Some(Fetch {
        start, end, bytes, ..
    }) = feed.borrow_mut().inflight.pop_front()
    else {
        return false;
    };
    let result = bytes.await;
    let mut f = feed.borrow_mut();
    // The helper answers with a view (its buffer may be longer), `Blob.arrayBuffer()` with a
    // buffer.
    let bytes = result.and_then(|v| match v.dyn_into::<Uint8Array>() {
        Ok(view) => Ok(view),
        Err(v) => v.dyn_into::<ArrayBuffer>().map(|b| Uint8Array::new(&b)),
    });
    match bytes {
        Ok(bytes) => f.arrived(start, end, bytes),
        // Tried again synchronously: a helper that died fails no file; a file that cannot be
        // read fails there too, with the browser's reason.
        Err(_) => f.read_range(start, end),
    }
    f.request();
    true
}

/// Bytes `start..end` of `file`, read synchronously.
pub(super) fn read_sync(
    reader: &FileReaderSync,
    file: &File,
    start: f64,
    end: f64,
) -> Result<ArrayBuffer, String> {
    let blob = file
        .slice_with_f64_and_f64(start, end)
        .map_err(|e| format!("cannot slice the file: {e:?}"))?;
    reader
        .read_as_array_buffer(&blob)
        .map_err(|e| format!("cannot read the file: {e:?}"))
}

/// The name of the reading helper (`WorkerOptions.name`): a second instance of the worker
/// that reads the file with `FileReaderSync` on its own thread and hands each chunk over
/// (transferred, not copied), so that reading never waits for the engine's thread. Without it
/// (not started yet, or failed) chunks are read with `Blob.arrayBuffer()`, whose bytes the
/// browser delivers on the engine's thread: the engine then pauses every [`PAUSE_EVERY`] bytes.
pub const READER_NAME: &str = "pcapscope-reader";

/// The reading helper, seen from the worker.
#[derive(Default)]
struct Helper {
    worker: Option<web_sys::Worker>,
    /// It said it is ready (messages sent before its Wasm is initialised would be lost).
    ready: bool,
    /// Requests not yet answered: id -> (resolve, reject) of the promise handed out.
    pending: HashMap<u32, (js_sys::Function, js_sys::Function)>,
    next_id: u32,
    /// Kept as long as the helper (the last ones are never dropped: they may be running).
    handlers: Vec<HelperHandlers>,
}

/// The helper's `onmessage` and `onerror`.
type HelperHandlers = (
    Closure<dyn FnMut(MessageEvent)>,
    Closure<dyn FnMut(web_sys::Event)>,
);

thread_local! {
    static HELPER: RefCell<Helper> = RefCell::new(Helper::default());
}

/// Starts the reading helper: `script` is this worker's own script, started again under the
/// name [`READER_NAME`] (the worker's entry point then calls [`serve_reads`]). Reading uses it
/// once it has said it is ready.
pub fn start_reader(script: &str) {
    let options = web_sys::WorkerOptions::new();
    options.set_name(READER_NAME);
    let Ok(worker) = web_sys::Worker::new_with_options(script, &options) else {
        return;
    };
    let on_message =
        Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| helper_answered(&ev.data()));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
        // Handled here: the page is not told, reading goes on without the helper.
        ev.prevent_default();
        let message = ev
            .dyn_ref::<web_sys::ErrorEvent>()
            .map_or_else(|| "the reading helper failed".to_string(), |e| e.message());
        helper_failed(&message);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let old = HELPER.with(|h| {
        let mut h = h.borrow_mut();
        h.handlers.push((on_message, on_error));
        h.ready = false;
        h.worker.replace(worker)
    });
    if let Some(old) = old {
        old.terminate();
        helper_failed("the reading helper was replaced");
    }
}

/// Whether the reading helper has said it is ready (reads then go through it).
pub fn reader_ready() -> bool {
    HELPER.with(|h| h.borrow().ready)
}

/// Stops the reading helper: reads go back to `Blob.arrayBuffer()`.
pub fn stop_reader() {
    helper_failed("the reading helper was stopped");
}

/// Asks the helper for bytes `start..end` of `file`: a promise of the `ArrayBuffer`, or
/// `None` when no helper is ready.
fn helper_read(
    file: &File,
    stream: u64,
    start: f64,
    end: f64,
    spare: Option<ArrayBuffer>,
) -> Option<Promise> {
    HELPER.with(|h| {
        let mut h = h.borrow_mut();
        if !h.ready {
            return None;
        }
        let worker = h.worker.clone()?;
        let id = h.next_id;
        h.next_id = h.next_id.wrapping_add(1);
        let mut settle = None;
        let answer = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        let request = js_sys::Object::new();
        for (k, v) in [
            ("id", JsValue::from(id)),
            ("file", file.into()),
            ("stream", (stream as f64).into()),
            ("start", start.into()),
            ("end", end.into()),
        ] {
            js_sys::Reflect::set(&request, &k.into(), &v).ok()?;
        }
        match spare {
            Some(buf) => {
                js_sys::Reflect::set(&request, &"buf".into(), &buf).ok()?;
                worker
                    .post_message_with_transfer(&request, &js_sys::Array::of1(&buf))
                    .ok()?;
            }
            None => worker.post_message(&request).ok()?,
        }
        h.pending.insert(id, settle?);
        Some(answer)
    })
}

/// A message from the helper: ready, or the answer to a request.
fn helper_answered(data: &JsValue) {
    let get = |k: &str| js_sys::Reflect::get(data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if get("ready").is_truthy() {
        HELPER.with(|h| h.borrow_mut().ready = true);
        return;
    }
    let Some(id) = get("id").as_f64() else {
        return;
    };
    let Some((resolve, reject)) = HELPER.with(|h| h.borrow_mut().pending.remove(&(id as u32)))
    else {
        return;
    };
    let _ = match (get("buf").dyn_into::<ArrayBuffer>(), get("len").as_f64()) {
        (Ok(buf), Some(len)) if len <= f64::from(buf.byte_length()) => {
            let bytes = Uint8Array::new_with_byte_offset_and_length(&buf, 0, len as u32);
            resolve.call1(&JsValue::NULL, &bytes)
        }
        _ => reject.call1(&JsValue::NULL, &get("error")),
    };
}

/// The helper is gone: what it was asked is refused (and read again synchronously).
fn helper_failed(message: &str) {
    let pending = HELPER.with(|h| {
        let mut h = h.borrow_mut();
        h.ready = false;
        if let Some(w) = h.worker.take() {
            w.terminate();
        }
        std::mem::take(&mut h.pending)
    });
    for (_, (_, reject)) in pending {
        let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(message));
    }
}

/// In the reading helper: answers each request `{id, file, stream, start, end, buf?}` with
/// `{id, buf, len}` (the bytes in the first `len` of `buf`, transferred) or `{id, error}`, in
/// order, after saying `{ready: true}`. The bytes come from a BYOB reader of the file's stream,
/// into the buffer the request brings back when it does (fresh buffers cost the browser more
/// than the copy: about twice the CPU, here); a request that does not continue the previous one
/// of the same `stream` starts a new stream at its `start`. `FileReaderSync` is the fallback.
pub fn serve_reads() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let server = Rc::new(RefCell::new(Server::default()));
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let start = {
            let mut s = server.borrow_mut();
            s.queue.push_back(ev.data());
            !std::mem::replace(&mut s.running, true)
        };
        if start {
            wasm_bindgen_futures::spawn_local(serve(server.clone()));
        }
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The helper lives as long as the worker that started it; the handler must too.
    handler.forget();
    let ready = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&ready, &"ready".into(), &JsValue::TRUE);
    let _ = scope.post_message(&ready);
}

/// The reading helper's state.
#[derive(Default)]
struct Server {
    queue: VecDeque<JsValue>,
    running: bool,
    /// The stream being read: its request `stream`, where it is, its reader.
    stream: Option<(f64, f64, web_sys::ReadableStreamByobReader)>,
    sync: Option<FileReaderSync>,
}

/// Answers the queued requests, in order, until none is left.
async fn serve(server: Rc<RefCell<Server>>) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    loop {
        let Some(request) = ({
            let mut s = server.borrow_mut();
            let next = s.queue.pop_front();
            s.running = next.is_some();
            next
        }) else {
            return;
        };
        let get = |k: &str| js_sys::Reflect::get(&request, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let answer = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&answer, &"id".into(), &get("id"));
        let read = match get("file").dyn_into::<File>() {
            Ok(file) => {
                let (start, end) = (
                    get("start").as_f64().unwrap_or(0.0),
                    get("end").as_f64().unwrap_or(0.0),
                );
                let spare = get("buf").dyn_into::<ArrayBuffer>().ok();
                let stream = get("stream").as_f64().unwrap_or(-1.0);
                match read_stream(&server, &file, stream, start, end, spare).await {
                    Ok(read) => Ok(read),
                    Err(_) => {
                        // Start afresh next time, and read this one synchronously.
                        server.borrow_mut().stream = None;
                        read_sync_in(&server, &file, start, end).map(|b| {
                            let len = b.byte_length();
                            (b, len)
                        })
                    }
                }
            }
            Err(_) => Err("no file was posted".to_string()),
        };
        let sent = match read {
            Ok((buf, len)) => {
                let _ = js_sys::Reflect::set(&answer, &"buf".into(), &buf);
                let _ = js_sys::Reflect::set(&answer, &"len".into(), &len.into());
                scope.post_message_with_transfer(&answer, &js_sys::Array::of1(&buf))
            }
            Err(message) => {
                let _ = js_sys::Reflect::set(&answer, &"error".into(), &message.into());
                scope.post_message(&answer)
            }
        };
        if let Err(e) = sent {
            web_sys::console::error_1(&e);
        }
    }
}

/// Bytes `start..end` of `file` from the stream `stream`, into `spare` if it is large enough:
/// the buffer and the length read into it.
async fn read_stream(
    server: &RefCell<Server>,
    file: &File,
    stream: f64,
    start: f64,
    end: f64,
    spare: Option<ArrayBuffer>,
) -> Result<(ArrayBuffer, u32), JsValue> {
    let len = (end - start).max(0.0) as u32;
    let continues =
        matches!(&server.borrow().stream, Some((s, at, _)) if *s == stream && *at == start);
    if !continues {
        let old = server.borrow_mut().stream.take();
        if let Some((_, _, reader)) = old {
            let _ = reader.cancel();
        }
        let rest = file.slice_with_f64_and_f64(start, file.size())?;
        let reader = web_sys::ReadableStreamByobReader::new(&rest.stream())?;
        server.borrow_mut().stream = Some((stream, start, reader));
    }
    let reader = match &server.borrow().stream {
        Some((_, _, r)) => r.clone(),
        None => return Err("no stream".into()),
    };
    let mut buf = match spare {
        Some(b) if b.byte_length() >= len => b,
        _ => ArrayBuffer::new(len),
    };
    let mut at = 0u32;
    while at < len {
        let view = Uint8Array::new_with_byte_offset_and_length(&buf, at, len - at);
        let result = JsFuture::from(reader.read_with_array_buffer_view(&view)).await?;
        let value = js_sys::Reflect::get(&result, &"value".into())?;
        let done = js_sys::Reflect::get(&result, &"done".into())?.is_truthy();
        // The view comes back on a new buffer (the old one is detached), over the same memory.
        if let Ok(v) = value.dyn_into::<Uint8Array>() {
            buf = v.buffer().unchecked_into();
            at += v.byte_length();
        }
        if done {
            break;
        }
    }
    if at < len {
        return Err("the file ended early".into());
    }
    if let Some((_, pos, _)) = server.borrow_mut().stream.as_mut() {
        *pos = end;
    }
    Ok((buf, len))
}

/// Bytes `start..end` of `file`, read synchronously in the helper.
fn read_sync_in(
    server: &RefCell<Server>,
    file: &File,
    start: f64,
    end: f64,
) -> Result<ArrayBuffer, String> {
    let mut s = server.borrow_mut();
    let reader = match s.sync.take() {
        Some(r) => r,
        None => FileReaderSync::new()
            .map_err(|e| format!("this browser cannot read files in a worker: {e:?}"))?,
    };
    let read = read_sync(&reader, file, start, end);
    s.sync = Some(reader);
    read
}

/// Returns to the event loop for a moment, so that the browser can deliver the bytes of the
/// read in flight (it hands them over in tasks on this thread). `scheduler.postTask` queues a
/// task on this thread directly; a message to ourselves through a `MessageChannel` (no timer
/// clamping, but a round trip through the browser's IO thread) where it is missing.
enum Pause {
    Task {
        scheduler: JsValue,
        post_task: js_sys::Function,
        noop: Closure<dyn FnMut()>,
    },
    Channel {
        listen: MessagePort,
        send: MessagePort,
    },
    None,
}

impl Pause {
    fn new() -> Self {
        let scheduler = js_sys::Reflect::get(&js_sys::global(), &"scheduler".into())
            .unwrap_or(JsValue::UNDEFINED);
        let post_task = if scheduler.is_object() {
            js_sys::Reflect::get(&scheduler, &"postTask".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        } else {
            None
        };
        if let Some(post_task) = post_task {
            return Pause::Task {
                scheduler,
                post_task,
                noop: Closure::new(|| {}),
            };
        }
        match MessageChannel::new() {
            Ok(c) => Pause::Channel {
                listen: c.port1(),
                send: c.port2(),
            },
            Err(_) => Pause::None,
        }
    }

    async fn pause(&self) {
        let woken = match self {
            Pause::Task {
                scheduler,
                post_task,
                noop,
            } => post_task
                .call1(scheduler, noop.as_ref())
                .ok()
                .and_then(|p| p.dyn_into::<Promise>().ok()),
            Pause::Channel { listen, send } => {
                let woken =
                    Promise::new(&mut |resolve, _reject| listen.set_onmessage(Some(&resolve)));
                send.post_message(&JsValue::UNDEFINED).ok().map(|()| woken)
            }
            Pause::None => None,
        };
        if let Some(p) = woken {
            let _ = JsFuture::from(p).await;
        }
    }
}

impl Drop for Pause {
    fn drop(&mut self) {
        if let Pause::Channel { listen, send } = self {
            listen.set_onmessage(None);
            listen.close();
            send.close();
        }
    }
}

/// Where the worker's time went while reading, left as the detail of a `pcapscope-load`
/// performance mark in the worker (for the benchmark's probe and the browser's profiler).
#[derive(Default)]
struct Stats {
    /// Waits for a read in flight (the engine was ahead of the reads), and their time.
    waits: u32,
    wait_ms: f64,
    /// Returns to the event loop between waits, and their time.
    pauses: u32,
    pause_ms: f64,
    /// Reads made synchronously because the reader ran dry.
    sync_reads: u64,
    /// Progress messages, and the time spent making and posting them.
    progress: u32,
    progress_ms: f64,
}

impl Stats {
    fn mark(&self, started: f64) {
        let detail = js_sys::Object::new();
        let set = |k: &str, v: f64| {
            let _ = js_sys::Reflect::set(&detail, &k.into(), &v.into());
        };
        set("waits", f64::from(self.waits));
        set("wait_ms", self.wait_ms);
        set("pauses", f64::from(self.pauses));
        set("pause_ms", self.pause_ms);
        set("sync_reads", self.sync_reads as f64);
        set("progress", f64::from(self.progress));
        set("progress_ms", self.progress_ms);
        set("started", started);
        set("ended", now());
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"detail".into(), &detail);
        let global = js_sys::global();
        let Ok(perf) = js_sys::Reflect::get(&global, &"performance".into()) else {
            return;
        };
        if let Ok(mark) = js_sys::Reflect::get(&perf, &"mark".into())
            .and_then(|m| m.dyn_into::<js_sys::Function>())
        {
            let _ = mark.call2(&perf, &"pcapscope-load".into(), &options);
        }
    }
}

/// Analyzes `file`, handing every message for the page to `post`: progress about every
/// [`PROGRESS_MS`], then exactly one of `Done` or `NotACapture`.
///
/// Calling it supersedes any analysis still running (it stops at its next await, posting
/// nothing more, and its future yields `None`): the future of the latest call alone runs to
/// the end.
pub fn analyze_file(file: File, post: Post) -> impl Future<Output = Option<Loaded>> {
    // A live capture being read stops too, posting nothing more.
    drop(LIVE.with(|l| l.borrow_mut().take()));
    let load = LOADS.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    analyze(file, post, load)
}

async fn analyze(file: File, post: Post, load: u64) -> Option<Loaded> {
    let current = || LOADS.with(Cell::get) == load;
    let started = now();
    let size = file.size();
    BYTES_READ.with(|b| b.set(0));
    let tuning = Tuning::get();
    let feed = Rc::new(RefCell::new(Feed::new(file.clone(), tuning)));
    feed.borrow_mut().stream = load;
    let mut stats = Stats::default();
    let pause = Pause::new();
    let sync_before = sync_reads();
    // The headers come from the first (small) chunk: wait for it, and ask for the next.
    feed.borrow_mut().request();
    let t = now();
    receive(&feed).await;
    stats.waits += 1;
    stats.wait_ms += now() - t;
    if !current() {
        return None;
    }
    let mut reader = match Reader::new(Source(feed.clone())) {
        Ok(r) => r,
        Err(e) => {
            post(&FromWorker::NotACapture {
                message: e.to_string(),
            });
            return None;
        }
    };
    let info = |r: &Reader<Source>| FileInfo {
        format: r.format(),
        gzip: r.is_gzip(),
        link_types: r.link_types().to_vec(),
        size: size as u64,
    };
    // How far the reader is, in the file's bytes. Behind gzip, records are in decompressed
    // space: the compressed bytes the reader took instead (which also holds what it buffered).
    let gzip = reader.is_gzip();
    let position = move |r: &Reader<Source>| {
        if gzip {
            r.source_bytes_read()
        } else {
            r.stream_offset()
        }
    };
    let mut engine = new_engine();
    let mut packets = 0u64;
    let mut next_post = started + FIRST_PROGRESS_MS;
    let mut next_pause = tuning.pause_every;
    let damage = loop {
        let here = position(&reader);
        let (fetched, waiting) = {
            let f = feed.borrow();
            (f.fetched as u64, f.waiting())
        };
        if waiting && fetched.saturating_sub(here) < MARGIN {
            let t = now();
            receive(&feed).await;
            stats.waits += 1;
            stats.wait_ms += now() - t;
            if !current() {
                return None;
            }
            continue;
        }
        if here >= next_pause {
            // Only reads on this thread need the pauses (not the helper's).
            if feed.borrow().needs_pauses() {
                let t = now();
                pause.pause().await;
                stats.pauses += 1;
                stats.pause_ms += now() - t;
                if !current() {
                    return None;
                }
            }
            next_pause = here + tuning.pause_every;
        }
        // Frames up to the next look at the feed: the margin, or the next pause.
        let until = if waiting {
            (fetched - MARGIN).min(next_pause)
        } else {
            next_pause
        };
        let ended = loop {
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
                            stats.progress += 1;
                            stats.progress_ms += now() - t;
                        }
                    }
                    if position(&reader) >= until {
                        break None;
                    }
                }
                Ok(None) => break Some(None),
                Err(e) => {
                    break Some(Some(Damage {
                        offset: e.offset,
                        frame: e.frame,
                        message: e.to_string(),
                    }))
                }
            }
        };
        if let Some(damage) = ended {
            break damage;
        }
    };
    let info = info(&reader);
    drop(reader);
    stats.sync_reads = sync_reads() - sync_before;
    stats.mark(started);
    Some(finish(&post, file, info, engine, damage, started))
}

/// The engine every capture is read with, file or live: with the index (packet table and
/// filters), TCP numbering (details) and the health analyses.
fn new_engine() -> Engine {
    Engine::new(Options {
        index: true,
        tcp_context: true,
        health: true,
        ..Options::default()
    })
}

/// The end of every reading, file or live: posts `Done` with the final snapshot and keeps the
/// capture for the packet table, details and filters.
fn finish(
    post: &Post,
    file: File,
    info: FileInfo,
    engine: Engine,
    damage: Option<Damage>,
    started: f64,
) -> Loaded {
    post(&FromWorker::Done {
        info: info.clone(),
        snapshot: Box::new(engine.snapshot(Some(SNAPSHOT_TOP))),
        damage: damage.clone(),
        elapsed_ms: now() - started,
        wasm_memory: wasm_memory_bytes(),
    });
    Loaded {
        file,
        info,
        engine,
        damage,
    }
}

// ---------------------------------------------------------------------------------------------
// Live captures: the same engine, fed by messages instead of a File.

/// The most bytes of a live capture the worker reads and keeps: at this point the capture ends
/// as if stopped (with a message saying why), and stays whole for the packet table and saving.
pub const LIVE_MAX_BYTES: u64 = 1 << 30;
/// Progress of a live capture is posted at most this often.
const LIVE_PROGRESS_MS: f64 = 250.0;
/// Bytes the reader is done with, gathered into one `Blob` (the browser's blob store, which
/// may keep it on disk) rather than kept as many small `ArrayBuffer`s.
const LIVE_BLOB_BYTES: u64 = 8 * 1024 * 1024;

// The few constants the framer needs (the reader's own are private to it).
const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_BYTE_ORDER: u32 = 0x1A2B_3C4D;
const PCAPNG_BYTE_ORDER_SWAPPED: u32 = 0x4D3C_2B1A;

/// How the stream is cut into units (blocks, records) the reader can take whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Not enough bytes yet to tell the format.
    Start,
    /// pcapng blocks, in the byte order of the current section.
    Pcapng { be: bool },
    /// pcap records after the 24-byte file header, with `header`-byte record headers.
    Pcap { be: bool, header: u64 },
    /// Not a format whose units are known here (gzip, damage, not a capture): every byte is
    /// handed over as it comes, and the reader says what it makes of it.
    Opaque,
}

/// Follows a growing stream's units: `whole` is where the last whole block or record ends.
/// The reader is handed bytes only up to there, so that it always runs out of input at a
/// boundary, cleanly, and can resume ([`Reader::resume`]) when more arrives: a message that
/// ends inside a block leaves that block's bytes waiting for the next.
#[derive(Debug)]
struct Framer {
    framing: Framing,
    whole: u64,
}

impl Framer {
    fn new() -> Self {
        Framer {
            framing: Framing::Start,
            whole: 0,
        }
    }

    /// Moves `whole` on over the units complete within the first `received` bytes;
    /// `peek(at, out)` fills `out` with the stream's bytes from `at` (all received).
    fn advance(&mut self, received: u64, peek: &mut dyn FnMut(u64, &mut [u8])) {
        let u32_at = |b: &[u8], at: usize, be: bool| {
            let mut w = [0u8; 4];
            if let Some(src) = b.get(at..at + 4) {
                w.copy_from_slice(src);
            }
            if be {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        loop {
            let left = received.saturating_sub(self.whole);
            match self.framing {
                Framing::Opaque => {
                    self.whole = received;
                    return;
                }
                Framing::Start => {
                    if left < 4 {
                        return;
                    }
                    let mut magic = [0u8; 4];
                    peek(0, &mut magic);
                    let framing = match u32_at(&magic, 0, false) {
                        PCAPNG_SHB => Framing::Pcapng { be: false },
                        0xa1b2_c3d4 | 0xa1b2_3c4d => Framing::Pcap {
                            be: false,
                            header: 16,
                        },
                        0xd4c3_b2a1 | 0x4d3c_b2a1 => Framing::Pcap {
                            be: true,
                            header: 16,
                        },
                        0xa1b2_cd34 => Framing::Pcap {
                            be: false,
                            header: 24,
                        },
                        0x34cd_b2a1 => Framing::Pcap {
                            be: true,
                            header: 24,
                        },
                        _ => Framing::Opaque,
                    };
                    if matches!(framing, Framing::Pcap { .. }) {
                        // The file header is the first unit.
                        if left < 24 {
                            return;
                        }
                        self.whole = 24;
                    }
                    self.framing = framing;
                }
                Framing::Pcapng { be } => {
                    // Type, length, and (in a Section Header Block) the byte-order magic.
                    if left < 12 {
                        return;
                    }
                    let mut head = [0u8; 12];
                    peek(self.whole, &mut head);
                    let mut be = be;
                    // The block type of a Section Header Block reads the same in both orders.
                    if u32_at(&head, 0, false) == PCAPNG_SHB {
                        be = match u32_at(&head, 8, false) {
                            PCAPNG_BYTE_ORDER => false,
                            PCAPNG_BYTE_ORDER_SWAPPED => true,
                            _ => {
                                self.framing = Framing::Opaque;
                                continue;
                            }
                        };
                        self.framing = Framing::Pcapng { be };
                    }
                    let len = u64::from(u32_at(&head, 4, be));
                    if len < 12 || len % 4 != 0 || len > MAX_BLOCK_LEN as u64 {
                        // Damage: the reader reports it where it is.
                        self.framing = Framing::Opaque;
                        continue;
                    }
                    if left < len {
                        return;
                    }
                    self.whole += len;
                }
                Framing::Pcap { be, header } => {
                    if left < header {
                        return;
                    }
                    let mut head = [0u8; 12];
                    peek(self.whole, &mut head);
                    let cap_len = u64::from(u32_at(&head, 8, be));
                    if cap_len > MAX_RECORD_LEN as u64 {
                        self.framing = Framing::Opaque;
                        continue;
                    }
                    if left < header + cap_len {
                        return;
                    }
                    self.whole += header + cap_len;
                }
            }
        }
    }
}

/// The bytes of a live capture as they arrive: chunks not yet read through (in JavaScript
/// memory), the ones read through gathered into `Blob`s for the file at the end.
struct LiveFeed {
    /// Chunks the reader may still need, with the stream offset of each one's first byte.
    chunks: VecDeque<(u64, Uint8Array)>,
    /// Whole `Blob`s of the bytes before `chunks`, and chunks waiting to join them.
    blobs: Vec<web_sys::Blob>,
    retired: Vec<Uint8Array>,
    retired_bytes: u64,
    received: u64,
    framer: Framer,
    /// The reader may read up to here; it has read up to `at`.
    limit: u64,
    at: u64,
}

/// Copies the stream's bytes from `at` into `out`, from the chunks that hold them; the number
/// of bytes copied (short only past the last chunk).
fn copy_from(chunks: &VecDeque<(u64, Uint8Array)>, at: u64, out: &mut [u8]) -> usize {
    let first = chunks
        .partition_point(|(start, _)| *start <= at)
        .saturating_sub(1);
    let mut done = 0usize;
    for (start, chunk) in chunks.iter().skip(first) {
        let pos = at + done as u64;
        let (Some(skip), true) = (pos.checked_sub(*start), done < out.len()) else {
            break;
        };
        let len = u64::from(chunk.length());
        if skip >= len {
            continue;
        }
        let n = ((len - skip) as usize).min(out.len() - done);
        let Some(dst) = out.get_mut(done..done + n) else {
            break;
        };
        // Both fit in u32: they are within the chunk's length.
        chunk
            .subarray(skip as u32, (skip + n as u64) as u32)
            .copy_to(dst);
        done += n;
    }
    done
}

impl LiveFeed {
    fn new() -> Self {
        LiveFeed {
            chunks: VecDeque::new(),
            blobs: Vec::new(),
            retired: Vec::new(),
            retired_bytes: 0,
            received: 0,
            framer: Framer::new(),
            limit: 0,
            at: 0,
        }
    }

    fn push(&mut self, chunk: Uint8Array) {
        let len = u64::from(chunk.length());
        if len == 0 {
            return;
        }
        self.chunks.push_back((self.received, chunk));
        self.received += len;
        let chunks = &self.chunks;
        self.framer.advance(self.received, &mut |at, out| {
            copy_from(chunks, at, out);
        });
        self.limit = self.framer.whole;
        BYTES_READ.with(|b| b.set(self.received));
    }

    /// No more bytes will come: the reader gets the rest, whole or not (a cut block is then
    /// truncation, as at the end of a cut file).
    fn end(&mut self) {
        self.limit = self.received;
    }

    fn read(&mut self, out: &mut [u8]) -> usize {
        let want = (self.limit.saturating_sub(self.at)).min(out.len() as u64) as usize;
        let n = out
            .get_mut(..want)
            .map_or(0, |dst| copy_from(&self.chunks, self.at, dst));
        self.at += n as u64;
        n
    }

    /// Moves the chunks the reader has read through out of the way, into `Blob`s.
    fn retire(&mut self, all: bool) {
        while let Some((start, chunk)) = self.chunks.front() {
            let end = start + u64::from(chunk.length());
            if end > self.at && !all {
                break;
            }
            if let Some((_, chunk)) = self.chunks.pop_front() {
                self.retired_bytes += u64::from(chunk.length());
                self.retired.push(chunk);
            }
        }
        if self.retired_bytes >= LIVE_BLOB_BYTES || (all && !self.retired.is_empty()) {
            let parts: js_sys::Array = self.retired.drain(..).collect();
            self.retired_bytes = 0;
            match web_sys::Blob::new_with_u8_array_sequence(&parts) {
                Ok(blob) => self.blobs.push(blob),
                // Kept as they are: the file is made of them instead.
                Err(_) => self
                    .retired
                    .extend(parts.iter().map(|p| p.unchecked_into())),
            }
        }
    }

    /// Everything received, as one file.
    fn file(&mut self, name: &str) -> Result<File, JsValue> {
        self.retire(true);
        let parts: js_sys::Array = self
            .blobs
            .iter()
            .map(JsValue::from)
            .chain(self.retired.iter().map(JsValue::from))
            .collect();
        let options = web_sys::FilePropertyBag::new();
        options.set_type("application/x-pcapng");
        File::new_with_blob_sequence_and_options(&parts, name, &options)
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `URL.createObjectURL(blob)`.
    #[wasm_bindgen(js_namespace = URL, js_name = createObjectURL, catch)]
    fn create_object_url(blob: &web_sys::Blob) -> Result<String, JsValue>;
}

/// The reader's side of a [`LiveFeed`]: it runs out of input where the whole units end.
struct LiveSource(Rc<RefCell<LiveFeed>>);

impl Read for LiveSource {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        Ok(self.0.borrow_mut().read(out))
    }
}

/// A live capture being read.
struct Live {
    name: String,
    post: Post,
    feed: Rc<RefCell<LiveFeed>>,
    /// Made once the first whole block has arrived.
    reader: Option<Reader<LiveSource>>,
    engine: Engine,
    packets: u64,
    /// Where reading stopped early; later bytes are kept (for the file) but not read.
    damage: Option<Damage>,
    started: f64,
    next_post: f64,
    /// Something changed since the last progress.
    dirty: bool,
    /// A progress is due from a timer (no message may come for a while).
    timer: Option<i32>,
}

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

impl Live {
    fn info(&self) -> FileInfo {
        match &self.reader {
            Some(r) => FileInfo {
                format: r.format(),
                gzip: r.is_gzip(),
                link_types: r.link_types().to_vec(),
                size: self.feed.borrow().received,
            },
            None => FileInfo {
                format: crate::capture::Format::Pcapng,
                gzip: false,
                link_types: Vec::new(),
                size: self.feed.borrow().received,
            },
        }
    }

    /// Reads every whole unit received. `Err` when the bytes are not a capture at all.
    fn read(&mut self) -> Result<(), String> {
        if self.reader.is_none() {
            if self.feed.borrow().limit == 0 {
                return Ok(());
            }
            let reader = Reader::new(LiveSource(self.feed.clone())).map_err(|e| e.to_string())?;
            self.reader = Some(reader);
            self.dirty = true;
        }
        let Some(reader) = self.reader.as_mut() else {
            return Ok(());
        };
        if self.damage.is_some() || !reader.resume() {
            return Ok(());
        }
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => {
                    self.engine.push(&frame);
                    self.packets += 1;
                    self.dirty = true;
                }
                Ok(None) => break,
                Err(e) => {
                    self.damage = Some(Damage {
                        offset: e.offset,
                        frame: e.frame,
                        message: e.to_string(),
                    });
                    self.dirty = true;
                    break;
                }
            }
        }
        self.feed.borrow_mut().retire(false);
        Ok(())
    }

    fn progress(&mut self) {
        self.dirty = false;
        self.next_post = now() + LIVE_PROGRESS_MS;
        (self.post)(&FromWorker::Progress {
            info: self.info(),
            bytes_read: self.feed.borrow().received,
            packets: self.packets,
            snapshot: Box::new(self.engine.snapshot(Some(PROGRESS_TOP))),
        });
    }

    /// Posts progress if it is due, else makes sure a timer will.
    fn maybe_progress(&mut self) {
        if !self.dirty {
            return;
        }
        let wait = self.next_post - now();
        if wait <= 0.0 {
            self.progress();
        } else if self.timer.is_none() {
            let tick = Closure::once_into_js(live_tick);
            let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
            self.timer = scope
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    tick.unchecked_ref(),
                    wait.ceil() as i32,
                )
                .ok();
        }
    }
}

fn live_tick() {
    LIVE.with(|l| {
        if let Some(live) = l.borrow_mut().as_mut() {
            live.timer = None;
            live.maybe_progress();
        }
    });
}

/// Starts reading a live capture named `name` (superseding any file or live capture being
/// read); its bytes come with [`live_chunk`], its end with [`live_end`].
pub fn live_open(name: String, post: Post) {
    LOADS.with(|n| n.set(n.get() + 1));
    BYTES_READ.with(|b| b.set(0));
    let started = now();
    let old = LIVE.with(|l| {
        l.borrow_mut().replace(Live {
            name,
            post,
            feed: Rc::new(RefCell::new(LiveFeed::new())),
            reader: None,
            engine: new_engine(),
            packets: 0,
            damage: None,
            started,
            next_post: started,
            dirty: false,
            timer: None,
        })
    });
    drop(old);
}

/// The next bytes of the live capture (an `ArrayBuffer`, or a view of one): read as far as
/// they complete blocks. Returns the capture when this ends it (not a capture, or at
/// [`LIVE_MAX_BYTES`]).
pub fn live_chunk(bytes: &JsValue) -> Option<Loaded> {
    let chunk = match bytes.dyn_ref::<ArrayBuffer>() {
        Some(buf) => Uint8Array::new(buf),
        None => bytes.dyn_ref::<Uint8Array>()?.clone(),
    };
    let over = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let live = l.as_mut()?;
        let received = live.feed.borrow().received;
        if received + u64::from(chunk.length()) > LIVE_MAX_BYTES {
            return Some(true);
        }
        live.feed.borrow_mut().push(chunk);
        match live.read() {
            Ok(()) => {
                live.maybe_progress();
                Some(false)
            }
            Err(message) => {
                let post = live.post.clone();
                *l = None;
                post(&FromWorker::NotACapture { message });
                None
            }
        }
    })?;
    if !over {
        return None;
    }
    if let Some(post) = LIVE.with(|l| l.borrow().as_ref().map(|live| live.post.clone())) {
        post(&FromWorker::LiveLimit {
            message: format!(
                "the live view keeps at most {} of capture: it stopped there, and shows what came before",
                crate::render::format::bytes(LIVE_MAX_BYTES)
            ),
        });
    }
    live_end()
}

/// The live capture ended: reads what is left, posts `Done` (or `NotACapture` when nothing
/// that makes a capture arrived) and then `LiveFile`, and returns the capture, kept as a
/// `File` of every byte received.
pub fn live_end() -> Option<Loaded> {
    let mut live = LIVE.with(|l| l.borrow_mut().take())?;
    if let Some(t) = live.timer.take() {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        scope.clear_timeout_with_handle(t);
    }
    live.feed.borrow_mut().end();
    let post = live.post.clone();
    let received = live.feed.borrow().received;
    if received == 0 {
        post(&FromWorker::NotACapture {
            message: "no capture data arrived".into(),
        });
        return None;
    }
    if let Err(message) = live.read() {
        post(&FromWorker::NotACapture { message });
        return None;
    }
    if live.reader.is_none() {
        post(&FromWorker::NotACapture {
            message: format!("only {received} bytes arrived, not even a file header"),
        });
        return None;
    }
    let info = live.info();
    let file = match live.feed.borrow_mut().file(&live.name) {
        Ok(f) => f,
        Err(e) => {
            post(&FromWorker::NotACapture {
                message: format!("cannot keep the capture as a file: {e:?}"),
            });
            return None;
        }
    };
    let Live {
        name,
        engine,
        damage,
        started,
        reader,
        feed,
        ..
    } = live;
    drop(reader);
    drop(feed);
    let loaded = finish(&post, file.clone(), info, engine, damage, started);
    if let Ok(url) = create_object_url(&file) {
        post(&FromWorker::LiveFile {
            name,
            url,
            size: received,
        });
    }
    Some(loaded)
}
