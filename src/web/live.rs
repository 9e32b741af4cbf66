//! The live view, page side: the same app, fed by a stream instead of a `File`.
//!
//! `pcapscope capture -i IFACE --live` serves this page on 127.0.0.1 and prints
//! `http://127.0.0.1:PORT/#live=TOKEN`. At start-up the page takes the token out of the
//! fragment (and out of the address bar: it is never stored or shown), connects to its own
//! origin's `/live` WebSocket with the subprotocols `pcapscope.live.v1` and
//! `pcapscope.token.TOKEN`, and hands each binary message (whole pcapng blocks: concatenated,
//! a pcapng file) to a worker started as for a file, transferring the `ArrayBuffer` (no copy).
//! The worker reads them as they come and posts progress, which the page draws as for a file.
//!
//! The text messages fill the live status line (`[data-testid=live]`): `hello` (interface,
//! capture filter), `stats` every second (packets, bytes, drops), `end`. When the stream ends
//! (the capture stopped, the connection closed, or "Stop viewing"), the worker ends as a file
//! load does and keeps the capture, so that the table, filters, details and health work on it;
//! it also offers the capture as a file, which "Save capture" downloads.
//!
//! The wire protocol is `capture/src/live.rs`'s (version 1).

use super::{by_test_id, set_text, with_app, App, Job, State};
use crate::render::format;
use crate::web::messages::{encode, FromWorker, LiveToWorker};
use serde::Deserialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent};

/// The subprotocol of the live stream, version 1.
const PROTOCOL: &str = "pcapscope.live.v1";
/// The token travels as the subprotocol `pcapscope.token.TOKEN`.
const TOKEN_PREFIX: &str = "pcapscope.token.";
/// The WebSocket's path on the page's own origin.
const WS_PATH: &str = "/live";
/// The longest token accepted from the fragment (the server's is 32 hex digits).
const MAX_TOKEN: usize = 256;

#[wasm_bindgen]
extern "C" {
    /// The browser's `WebSocket`.
    #[wasm_bindgen(extends = web_sys::EventTarget, js_name = WebSocket)]
    type Socket;
    #[wasm_bindgen(constructor, js_class = "WebSocket", catch)]
    fn new(url: &str, protocols: &js_sys::Array) -> Result<Socket, JsValue>;
    #[wasm_bindgen(method, setter = binaryType)]
    fn set_binary_type(this: &Socket, value: &str);
    #[wasm_bindgen(method, catch, js_name = close)]
    fn close_with(this: &Socket, code: u16) -> Result<(), JsValue>;

    /// The `close` event's details.
    #[wasm_bindgen(extends = web_sys::Event, js_name = CloseEvent)]
    type CloseEvent;
    #[wasm_bindgen(method, getter)]
    fn code(this: &CloseEvent) -> u16;
    #[wasm_bindgen(method, getter)]
    fn reason(this: &CloseEvent) -> String;
}

/// A text message of the stream.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ServerMessage {
    Hello {
        version: u32,
        interface: String,
        filter: Option<String>,
    },
    Stats {
        packets: u64,
        bytes: u64,
        dropped_kernel: u64,
        dropped_interface: u64,
        missed_by_viewer: u64,
    },
    End {
        reason: String,
    },
    /// Types of later versions: ignored.
    #[serde(other)]
    Other,
}

/// The capture's counters, from the last `stats` message.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    packets: u64,
    bytes: u64,
    dropped_kernel: u64,
    dropped_interface: u64,
    missed_by_viewer: u64,
}

/// `data-state` of `[data-testid=live]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Live,
    Ended,
    Error,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Live => "live",
            Phase::Ended => "ended",
            Phase::Error => "error",
        }
    }

    fn running(self) -> bool {
        matches!(self, Phase::Connecting | Phase::Live)
    }
}

/// The live view's state (one at a time).
struct Live {
    socket: Socket,
    /// The worker reading the stream (the app's job's, while it runs).
    worker: u32,
    phase: Phase,
    /// The socket opened (else a close means it could not connect).
    connected: bool,
    /// `Open` was posted to the worker.
    opened: bool,
    /// Binary messages waiting for the worker to be ready.
    queue: Vec<js_sys::ArrayBuffer>,
    /// The stream ended; `End` is posted once the queue is through.
    ending: bool,
    /// `End` was posted.
    ended: bool,
    name: String,
    interface: Option<String>,
    filter: Option<String>,
    stats: Option<Stats>,
    /// Why it ended (or failed).
    reason: Option<String>,
    /// The socket's listeners, kept as long as it.
    _listeners: Vec<Closure<dyn FnMut(Event)>>,
}

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

fn with_live<T>(f: impl FnOnce(&mut Live) -> T) -> Option<T> {
    LIVE.with(|l| l.try_borrow_mut().ok().and_then(|mut l| l.as_mut().map(f)))
}

/// The `live` token of a fragment (`#live=TOKEN&...`), and the fragment without it. `Err` for
/// a token that cannot be one (the server's are hex).
fn split_token(hash: &str) -> Option<(Result<String, ()>, String)> {
    let mut token = None;
    let mut rest = Vec::new();
    for part in hash.trim_start_matches('#').split('&') {
        match part.strip_prefix("live=") {
            Some(t) if token.is_none() => token = Some(t.to_string()),
            _ if part.is_empty() => {}
            _ => rest.push(part),
        }
    }
    let token = token?;
    let ok = !token.is_empty()
        && token.len() <= MAX_TOKEN
        && token.bytes().all(|b| b.is_ascii_hexdigit());
    Some((if ok { Ok(token) } else { Err(()) }, rest.join("&")))
}

/// A file name for a capture of `interface`: `live-IFACE.pcapng`, with anything but letters,
/// digits, `.`, `_` and `-` replaced.
fn file_name(interface: Option<&str>) -> String {
    match interface {
        Some(i) if !i.is_empty() => {
            let safe: String = i
                .chars()
                .take(64)
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("live-{safe}.pcapng")
        }
        _ => "live.pcapng".to_string(),
    }
}

impl App {
    /// Starts the live view when the fragment holds a `live=` token (at start-up, and when the
    /// fragment changes to one).
    pub(super) fn start_live(&mut self) {
        let location = self.window.location();
        let hash = location.hash().unwrap_or_default();
        let Some((token, rest)) = split_token(&hash) else {
            return;
        };
        // Out of the address bar and the history entry: the token is not shown or kept.
        let url = if rest.is_empty() {
            format!(
                "{}{}",
                location.pathname().unwrap_or_default(),
                location.search().unwrap_or_default()
            )
        } else {
            format!("#{rest}")
        };
        if let Ok(h) = self.window.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
        self.end_live_view();
        let Ok(token) = token else {
            self.live_failed(
                "the address's live token is not valid: open the address pcapscope printed",
            );
            return;
        };
        let scheme = if location.protocol().unwrap_or_default() == "https:" {
            "wss"
        } else {
            "ws"
        };
        // The page's own origin, and only that.
        let url = format!(
            "{scheme}://{}{WS_PATH}",
            location.host().unwrap_or_default()
        );
        let protocols = js_sys::Array::of2(
            &PROTOCOL.into(),
            &JsValue::from_str(&format!("{TOKEN_PREFIX}{token}")),
        );
        let socket = match Socket::new(&url, &protocols) {
            Ok(s) => s,
            Err(e) => {
                self.live_failed(&format!("cannot connect: {}", js_error(&e)));
                return;
            }
        };
        socket.set_binary_type("arraybuffer");
        let name = file_name(None);
        let Some(worker) = self.open_stream(&name) else {
            let _ = socket.close_with(1000);
            return;
        };
        let mut listeners = Vec::new();
        let mut listen = |event: &str, f: fn(&mut App, Event)| {
            let handler = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
                with_app(|app| f(app, ev));
            });
            let _ =
                socket.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
            listeners.push(handler);
        };
        listen("open", |app, _| app.live_opened());
        listen("message", |app, ev| {
            if let Ok(ev) = ev.dyn_into::<MessageEvent>() {
                app.live_received(ev.data());
            }
        });
        listen("close", |app, ev| {
            let ev: CloseEvent = ev.unchecked_into();
            app.live_closed(ev.code(), &ev.reason());
        });
        LIVE.with(|l| {
            *l.borrow_mut() = Some(Live {
                socket,
                worker,
                phase: Phase::Connecting,
                connected: false,
                opened: false,
                queue: Vec::new(),
                ending: false,
                ended: false,
                name,
                interface: None,
                filter: None,
                stats: None,
                reason: None,
                _listeners: listeners,
            })
        });
        self.render_live();
    }

    /// Starts a job as [`App::open`] does, for a stream: its worker's id.
    fn open_stream(&mut self, name: &str) -> Option<u32> {
        self.cancel();
        self.mark("pcapscope-open");
        self.first_chart_pending = true;
        let spawned = match self.spare.take() {
            Some(w) => w,
            None => match self.spawn() {
                Ok(w) => w,
                Err(e) => {
                    self.fail(&format!("cannot start the analysis worker: {e:?}"));
                    return None;
                }
            },
        };
        let id = spawned.id;
        self.info = None;
        self.snapshot = None;
        self.layouts.clear();
        self.reset_explore();
        self.reset_health();
        self.reset_traffic();
        self.show_error(None);
        self.set_progress(0.0);
        self.set_state(State::Loading);
        self.set_status_text("Connecting to the live capture …");
        self.set_file_label(name, None);
        self.job = Some(Job {
            w: spawned,
            file: None,
            name: name.to_string(),
            size: 0.0,
            bytes_read: 0,
        });
        self.render_summary();
        self.draw_charts();
        Some(id)
    }

    fn live_opened(&mut self) {
        with_live(|l| {
            l.connected = true;
            if l.phase == Phase::Connecting {
                l.phase = Phase::Live;
            }
        });
        self.render_live();
    }

    fn live_received(&mut self, data: JsValue) {
        if let Some(text) = data.as_string() {
            match serde_json::from_str::<ServerMessage>(&text) {
                Ok(msg) => self.live_text(msg),
                Err(e) => {
                    web_sys::console::error_1(&format!("pcapscope: bad live message: {e}").into())
                }
            }
            return;
        }
        let Ok(buf) = data.dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let running = with_live(|l| {
            let take = l.phase.running() && !l.ending;
            if take {
                l.queue.push(buf);
            }
            take
        });
        if running == Some(true) {
            self.live_flush();
        }
    }

    fn live_text(&mut self, msg: ServerMessage) {
        match msg {
            ServerMessage::Hello {
                version,
                interface,
                filter,
            } => {
                if version != 1 {
                    self.live_failed(&format!(
                        "the capture speaks version {version} of the live protocol, this page \
                         version 1"
                    ));
                    return;
                }
                let name = file_name(Some(&interface));
                let worker = with_live(|l| {
                    l.interface = Some(interface);
                    l.filter = filter.filter(|f| !f.is_empty());
                    if !l.opened {
                        l.name = name.clone();
                    }
                    l.worker
                });
                if let Some(job) = self.job.as_mut().filter(|j| Some(j.w.id) == worker) {
                    job.name = name.clone();
                    self.set_file_label(&name, self.info.as_ref());
                    self.set_status_text(&format!("Live capture into {name} …"));
                }
            }
            ServerMessage::Stats {
                packets,
                bytes,
                dropped_kernel,
                dropped_interface,
                missed_by_viewer,
            } => {
                with_live(|l| {
                    l.stats = Some(Stats {
                        packets,
                        bytes,
                        dropped_kernel,
                        dropped_interface,
                        missed_by_viewer,
                    })
                });
            }
            ServerMessage::End { reason } => {
                with_live(|l| l.reason = Some(format!("the capture stopped ({reason})")));
            }
            ServerMessage::Other => {}
        }
        self.render_live();
    }

    fn live_closed(&mut self, code: u16, reason: &str) {
        let Some((connected, running)) = with_live(|l| (l.connected, l.phase.running())) else {
            return;
        };
        if !running {
            return;
        }
        if !connected {
            // Refused before the upgrade (wrong token, another viewer, capture over), or no
            // server at all: the browser does not say which.
            self.live_failed(
                "cannot connect to the capture: it has ended, another page is viewing it, or this \
                 is not the address it printed",
            );
            return;
        }
        let why = match (code, reason) {
            (1000, _) => "the capture closed the connection".to_string(),
            (_, "") => format!("the connection was lost (code {code})"),
            (_, r) => format!("the connection was lost ({r})"),
        };
        with_live(|l| {
            l.reason.get_or_insert(why);
        });
        self.live_end_stream();
    }

    /// "Stop viewing": closes the socket and ends the capture here.
    fn live_stop(&mut self, why: &str) {
        let running = with_live(|l| {
            let running = l.phase.running();
            if running {
                let _ = l.socket.close_with(1000);
                l.reason.get_or_insert_with(|| why.to_string());
            }
            running
        });
        if running == Some(true) {
            self.live_end_stream();
        }
    }

    /// The stream is over: the worker is told once it has every chunk.
    fn live_end_stream(&mut self) {
        with_live(|l| {
            l.phase = Phase::Ended;
            l.ending = true;
        });
        self.live_flush();
        self.render_live();
    }

    /// The live view cannot go on (it could not connect, or the address is wrong): the line
    /// says why, and the analysis waiting for the stream stops.
    fn live_failed(&mut self, why: &str) {
        // Taken first: cancelling the job below must not find it.
        let live = LIVE.with(|l| l.borrow_mut().take());
        if let Some(l) = live {
            let _ = l.socket.close_with(1000);
            if self.job.as_ref().is_some_and(|j| j.w.id == l.worker) {
                self.fail(&format!("Live view: {why}."));
            }
        }
        self.show_live_line(
            Phase::Error,
            &format!("Live view unavailable: {why}"),
            "",
            None,
        );
    }

    /// Hands what waits to the worker, once it is ready: `Open`, the chunks, then `End`.
    fn live_flush(&mut self) {
        let Some(job) = self.job.as_ref() else { return };
        if !job.w.ready {
            return; // again on Ready
        }
        let worker = job.w.worker.clone();
        let id = job.w.id;
        let failed = with_live(|l| {
            if l.worker != id || l.ended {
                return Ok(());
            }
            let post = |msg: &LiveToWorker, chunk: Option<&js_sys::ArrayBuffer>| {
                let envelope = js_sys::Object::new();
                let _ = js_sys::Reflect::set(
                    &envelope,
                    &"live".into(),
                    &JsValue::from_str(&encode(msg)),
                );
                match chunk {
                    Some(buf) => {
                        let _ = js_sys::Reflect::set(&envelope, &"chunk".into(), buf);
                        worker.post_message_with_transfer(&envelope, &js_sys::Array::of1(buf))
                    }
                    None => worker.post_message(&envelope),
                }
            };
            if !l.opened {
                post(
                    &LiveToWorker::Open {
                        name: l.name.clone(),
                    },
                    None,
                )?;
                l.opened = true;
            }
            for buf in l.queue.drain(..) {
                post(&LiveToWorker::Chunk, Some(&buf))?;
            }
            if l.ending {
                post(&LiveToWorker::End, None)?;
                l.ended = true;
            }
            Ok(())
        });
        if let Some(Err(e)) = failed {
            self.fail(&format!(
                "cannot hand the live capture to the worker: {}",
                js_error(&e)
            ));
        }
    }

    /// The job's worker is ready (its `Ready` message).
    pub(super) fn live_worker_ready(&mut self) {
        self.live_flush();
    }

    /// The status text while a live capture is read (after a `Progress`).
    pub(super) fn live_progress(&self, packets: u64, bytes_read: u64) {
        let worker = self.job.as_ref().map(|j| j.w.id);
        let running = with_live(|l| Some(l.worker) == worker && l.phase.running());
        if running != Some(true) {
            return;
        }
        let name = self.job.as_ref().map(|j| j.name.as_str()).unwrap_or("");
        self.set_status_text(&format!(
            "Live capture into {name} … {} packets, {} received",
            format::thousands(packets),
            format::bytes(bytes_read)
        ));
    }

    /// The worker's messages about a live capture.
    pub(super) fn live_message(&mut self, msg: FromWorker) {
        match msg {
            FromWorker::LiveFile { name, url, size } => {
                if let Some(a) = by_test_id(&self.doc, "live-save") {
                    let _ = a.set_attribute("href", &url);
                    let _ = a.set_attribute("download", &name);
                    let _ = a.set_attribute("data-size", &size.to_string());
                    let _ = a.set_attribute("title", &format!("{name}, {}", format::bytes(size)));
                    a.set_hidden(false);
                }
            }
            FromWorker::LiveLimit { message } => {
                with_live(|l| l.reason = Some(message.clone()));
                self.live_stop(&message);
            }
            _ => {}
        }
    }

    /// The job is about to be cancelled (another file opened, Cancel, a failure): the live
    /// view goes with it.
    pub(super) fn live_cancelled(&mut self) {
        self.end_live_view();
    }

    /// Forgets the live view (its socket closed), and hides its line.
    fn end_live_view(&mut self) {
        if let Some(l) = LIVE.with(|l| l.borrow_mut().take()) {
            let _ = l.socket.close_with(1000);
        }
        self.hide_save();
        if let Some(line) = by_test_id(&self.doc, "live") {
            line.set_hidden(true);
            let _ = line.set_attribute("data-state", "off");
        }
    }

    fn hide_save(&self) {
        if let Some(a) = by_test_id(&self.doc, "live-save") {
            a.set_hidden(true);
            let _ = a.remove_attribute("href");
        }
    }

    /// Shows the live line from the state.
    fn render_live(&self) {
        let Some((phase, text, detail, packets)) = with_live(|l| {
            let on = match (&l.interface, &l.filter) {
                (Some(i), Some(f)) => format!(" on {i} (capture filter: {f})"),
                (Some(i), None) => format!(" on {i}"),
                _ => String::new(),
            };
            let text = match l.phase {
                Phase::Connecting => "Connecting to the live capture …".to_string(),
                Phase::Live => format!("Live capture{on}"),
                Phase::Ended => format!(
                    "Live capture{on} ended{}",
                    l.reason
                        .as_ref()
                        .map_or(String::new(), |r| format!(": {r}"))
                ),
                Phase::Error => format!(
                    "Live view unavailable{}",
                    l.reason
                        .as_ref()
                        .map_or(String::new(), |r| format!(": {r}"))
                ),
            };
            let detail = l.stats.map_or(String::new(), |s| {
                let mut d = format!(
                    "{} packets, {} captured",
                    format::thousands(s.packets),
                    format::bytes(s.bytes)
                );
                let dropped = s.dropped_kernel + s.dropped_interface;
                if dropped > 0 {
                    d.push_str(&format!(
                        ", {} dropped ({} by the kernel, {} by the interface)",
                        format::thousands(dropped),
                        format::thousands(s.dropped_kernel),
                        format::thousands(s.dropped_interface)
                    ));
                } else {
                    d.push_str(", none dropped");
                }
                if s.missed_by_viewer > 0 {
                    d.push_str(&format!(
                        ", {} not shown here (this page read too slowly)",
                        format::thousands(s.missed_by_viewer)
                    ));
                }
                d
            });
            (l.phase, text, detail, l.stats.map(|s| s.packets))
        }) else {
            return;
        };
        self.show_live_line(phase, &text, &detail, packets);
    }

    fn show_live_line(&self, phase: Phase, text: &str, detail: &str, packets: Option<u64>) {
        let Some(line) = by_test_id(&self.doc, "live") else {
            return;
        };
        line.set_hidden(false);
        let _ = line.set_attribute("data-state", phase.as_str());
        match packets {
            Some(p) => {
                let _ = line.set_attribute("data-packets", &p.to_string());
            }
            None => {
                let _ = line.remove_attribute("data-packets");
            }
        }
        if let Some(el) = self.doc.get_element_by_id("live-text") {
            set_text(&el, text);
        }
        if let Some(el) = self.doc.get_element_by_id("live-stats") {
            set_text(&el, detail);
        }
        if let Some(b) = by_test_id(&self.doc, "live-stop") {
            b.set_hidden(!phase.running());
        }
    }
}

/// The live line's listeners: "Stop viewing".
pub(super) fn live_listeners(doc: &web_sys::Document) {
    if let Some(b) = by_test_id(doc, "live-stop") {
        let handler = Closure::<dyn FnMut(Event)>::new(|_: Event| {
            with_app(|app| app.live_stop("you stopped viewing"));
        });
        let _ = b.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
        // Page-lifetime listener.
        handler.forget();
    }
}

fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
