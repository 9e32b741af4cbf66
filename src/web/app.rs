//! The page's main thread: owns the view. It starts a worker per file, shows progress, fills the
//! summary cards from each snapshot and draws the charts with plotters on `<canvas>`.
//!
//! Everything the page shows comes from snapshots computed (and tested natively) by the engine;
//! this file only moves them onto the screen. Strings are inserted with `textContent`, never as
//! HTML.

#[path = "explore.rs"]
mod explore;
#[path = "health.rs"]
mod health;
#[path = "live.rs"]
mod live;
#[path = "traffic.rs"]
mod traffic;

use super::messages::{decode, encode, Damage, FileInfo, FromWorker, ToWorker};
use crate::index::SortKey;
use crate::render::{self, Chart, ChartLayout, ChartOptions, Theme};
use crate::report::epoch_seconds;
use crate::stats::Snapshot;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_canvas::CanvasBackend;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, DragEvent, Element, ErrorEvent, Event, File, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, MessageEvent, MouseEvent, Window, Worker, WorkerOptions, WorkerType,
};

/// Redraw the charts at most this often while a file is read (ms): drawing all six takes a
/// few ms, and the reading progress needs no more than a few frames per second.
const REDRAW_MS: f64 = 250.0;

/// The analysis state shown in `[data-testid=status]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Loading,
    Done,
    Error,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Loading => "loading",
            State::Done => "done",
            State::Error => "error",
        }
    }
}

type Handler<T> = Closure<dyn FnMut(T)>;

/// A started worker and the handlers that must live as long as it does.
struct Spawned {
    id: u32,
    worker: Worker,
    /// It has posted Ready (its Wasm is initialised).
    ready: bool,
    _on_message: Handler<MessageEvent>,
    _on_error: Handler<ErrorEvent>,
}

impl Spawned {
    /// Starts a worker whose messages reach [`App::on_worker_message`] tagged with `id`.
    fn start(id: u32) -> Result<Spawned, JsValue> {
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Classic);
        let worker = Worker::new_with_options("./worker_loader.js", &opts)?;
        let on_message = Handler::<MessageEvent>::new(move |ev: MessageEvent| {
            match decode::<FromWorker>(&ev.data().as_string().unwrap_or_default()) {
                Ok(msg) => {
                    with_app(|app| app.on_worker_message(id, msg));
                }
                Err(e) => {
                    web_sys::console::error_1(&format!("pcapscope: bad worker message: {e}").into())
                }
            }
        });
        let on_error = Handler::<ErrorEvent>::new(move |ev: ErrorEvent| {
            ev.prevent_default();
            let msg = ev.message();
            with_app(|app| {
                if app.job.as_ref().is_some_and(|j| j.w.id == id) {
                    app.on_worker_crash(&msg);
                }
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Spawned {
            id,
            worker,
            ready: false,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

/// The analysis of one file.
struct Job {
    w: Spawned,
    /// The file, posted once the worker says Ready.
    file: Option<File>,
    name: String,
    size: f64,
    bytes_read: u64,
}

struct App {
    window: Window,
    doc: Document,
    job: Option<Job>,
    /// A worker started ahead of time, so that opening a file does not wait for its Wasm to
    /// load (about 50-100 ms).
    spare: Option<Spawned>,
    next_worker_id: u32,
    info: Option<FileInfo>,
    snapshot: Option<Snapshot>,
    /// Every chart's last layout, by its `data-chart` name.
    layouts: Vec<(&'static str, ChartLayout)>,
    dark: Option<bool>,
    last_draw: f64,
    /// A file was opened and its first data has not been drawn yet (for the performance mark).
    first_chart_pending: bool,
    /// The filter, packet table and details.
    explore: explore::Explore,
    /// The health figures and findings.
    health: health::HealthPane,
    /// The traffic views (heatmaps, matrix, host graph, map).
    traffic: traffic::TrafficPane,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

fn with_app<T>(f: impl FnOnce(&mut App) -> T) -> Option<T> {
    APP.with(|a| a.try_borrow_mut().ok().and_then(|mut a| a.as_mut().map(f)))
}

fn by_test_id(doc: &Document, id: &str) -> Option<HtmlElement> {
    doc.query_selector(&format!("[data-testid={id}]"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into().ok())
}

fn set_text(el: &Element, text: &str) {
    el.set_text_content(Some(text));
}

fn now(window: &Window) -> f64 {
    window.performance().map_or(0.0, |p| p.now())
}

/// Groups digits by thousands.
fn thousands(n: u64) -> String {
    render::format::thousands(n)
}

impl App {
    fn set_state(&self, state: State) {
        if let Some(s) = by_test_id(&self.doc, "status") {
            let _ = s.set_attribute("data-state", state.as_str());
        }
        if let Some(b) = self.doc.body() {
            let _ = b.set_attribute("data-state", state.as_str());
        }
    }

    fn set_status_text(&self, text: &str) {
        if let Some(el) = self.doc.get_element_by_id("status-text") {
            set_text(&el, text);
        }
    }

    fn show_error(&self, text: Option<&str>) {
        if let Some(el) = by_test_id(&self.doc, "error") {
            match text {
                Some(t) => {
                    set_text(&el, t);
                    el.set_hidden(false);
                }
                None => {
                    set_text(&el, "");
                    el.set_hidden(true);
                }
            }
        }
    }

    fn set_progress(&self, fraction: f64) {
        if let Some(p) = by_test_id(&self.doc, "progress") {
            let f = fraction.clamp(0.0, 1.0);
            let _ = p.set_attribute("data-value", &format!("{f:.4}"));
            let _ = p.set_attribute("aria-valuenow", &format!("{:.0}", f * 100.0));
            if let Some(bar) = p
                .first_element_child()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = bar
                    .style()
                    .set_property("width", &format!("{:.2}%", f * 100.0));
            }
        }
    }

    fn dark(&self) -> bool {
        if let Some(d) = self.dark {
            return d;
        }
        self.window
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches())
    }

    /// Starts analyzing `file` in a fresh worker; any running analysis is cancelled at once.
    fn open(&mut self, file: File) {
        self.cancel();
        self.mark("pcapscope-open");
        self.first_chart_pending = true;
        let name = file.name();
        let size = file.size();
        let spawned = match self.spare.take() {
            Some(w) => w,
            None => match self.spawn() {
                Ok(w) => w,
                Err(e) => {
                    self.fail(&format!("cannot start the analysis worker: {e:?}"));
                    return;
                }
            },
        };
        self.info = None;
        self.snapshot = None;
        self.layouts.clear();
        self.reset_explore();
        self.reset_health();
        self.reset_traffic();
        self.show_error(None);
        self.set_progress(0.0);
        self.set_state(State::Loading);
        self.set_status_text(&format!("Reading {name} …"));
        self.set_file_label(&name, None);
        let ready = spawned.ready;
        self.job = Some(Job {
            w: spawned,
            file: Some(file),
            name,
            size,
            bytes_read: 0,
        });
        if ready {
            self.post_file();
        }
        self.render_summary();
        self.draw_charts();
    }

    fn spawn(&mut self) -> Result<Spawned, JsValue> {
        let id = self.next_worker_id;
        self.next_worker_id += 1;
        Spawned::start(id)
    }

    /// Starts a spare worker if there is none (when idle: it would compete with a running
    /// analysis for the CPU).
    fn prepare_spare(&mut self) {
        if self.spare.is_none() {
            self.spare = self.spawn().ok();
        }
    }

    /// Hands the job's file to its worker.
    fn post_file(&mut self) {
        let Some(job) = self.job.as_mut() else { return };
        let Some(file) = job.file.take() else { return };
        let envelope = js_sys::Object::new();
        let msg = JsValue::from_str(&encode(&ToWorker::Open {
            name: job.name.clone(),
        }));
        let _ = js_sys::Reflect::set(&envelope, &"msg".into(), &msg);
        let _ = js_sys::Reflect::set(&envelope, &"file".into(), &file);
        if let Err(e) = job.w.worker.post_message(&envelope) {
            self.fail(&format!("cannot hand the file to the worker: {e:?}"));
        }
    }

    /// Stops the running analysis, if any, keeping what is on screen.
    fn cancel(&mut self) {
        self.live_cancelled();
        if let Some(job) = self.job.take() {
            job.w.worker.terminate();
        }
    }

    fn fail(&mut self, text: &str) {
        self.cancel();
        self.prepare_spare();
        self.set_state(State::Error);
        self.set_status_text("Stopped");
        self.show_error(Some(text));
    }

    fn on_worker_crash(&mut self, message: &str) {
        let (name, at) = match &self.job {
            Some(j) => (j.name.clone(), j.bytes_read),
            None => (String::new(), 0),
        };
        self.fail(&format!(
            "The analysis of {name} stopped at byte {} ({message}).",
            thousands(at)
        ));
    }

    fn on_worker_message(&mut self, id: u32, msg: FromWorker) {
        if let Some(spare) = self.spare.as_mut().filter(|w| w.id == id) {
            spare.ready |= matches!(msg, FromWorker::Ready);
            return;
        }
        if self.job.as_ref().is_none_or(|j| j.w.id != id) {
            return; // a cancelled worker's last words
        }
        match msg {
            FromWorker::Ready => {
                if let Some(job) = self.job.as_mut() {
                    job.w.ready = true;
                }
                self.post_file();
                self.live_worker_ready();
            }
            FromWorker::Progress {
                info,
                bytes_read,
                packets,
                snapshot,
            } => {
                let Some(job) = self.job.as_mut() else { return };
                job.bytes_read = bytes_read;
                let fraction = if job.size > 0.0 {
                    bytes_read as f64 / job.size
                } else {
                    0.0
                };
                let text = format!(
                    "Reading {} … {} of {}, {} packets",
                    job.name,
                    render::format::bytes(bytes_read),
                    render::format::bytes(job.size as u64),
                    thousands(packets)
                );
                self.set_progress(fraction);
                self.set_status_text(&text);
                self.live_progress(packets, bytes_read);
                self.info = Some(info);
                self.snapshot = Some(*snapshot);
                self.render_summary();
                let t = now(&self.window);
                if self.first_chart_pending || t - self.last_draw >= REDRAW_MS {
                    self.draw_charts();
                }
            }
            FromWorker::Done {
                info,
                snapshot,
                damage,
                elapsed_ms,
                wasm_memory,
            } => {
                let name = self
                    .job
                    .as_ref()
                    .map(|j| j.name.clone())
                    .unwrap_or_default();
                // The worker stays alive: later views (packet table, filters) ask it for more.
                self.set_progress(1.0);
                self.info = Some(info);
                self.snapshot = Some(*snapshot);
                self.render_summary();
                self.draw_charts();
                if let Some(b) = self.doc.body() {
                    // For the benchmark harness: the worker's Wasm memory high-water mark.
                    let _ = b.set_attribute("data-wasm-memory", &wasm_memory.to_string());
                }
                let packets = self.snapshot.as_ref().map_or(0, |s| s.summary.packets);
                // The charts draw in tasks of their own (see draw_charts); the final state is
                // shown after them, so "done" means everything is on screen.
                defer(move |app| app.finish(&name, packets, damage, elapsed_ms));
                // The packet table and the filter in the URL: the first view.
                self.request_view();
            }
            FromWorker::NotACapture { message } => {
                let name = self
                    .job
                    .as_ref()
                    .map(|j| j.name.clone())
                    .unwrap_or_default();
                self.fail(&format!("{name} cannot be analyzed: {message}."));
            }
            FromWorker::Crashed {
                message,
                bytes_read,
            } => {
                if let Some(j) = self.job.as_mut() {
                    j.bytes_read = bytes_read;
                }
                self.on_worker_crash(&message);
            }
            FromWorker::View {
                id,
                filter,
                matched,
                total,
                reference_ns,
                snapshot,
                elapsed_ms,
            } => {
                self.on_view(
                    id,
                    filter,
                    matched,
                    total,
                    reference_ns,
                    *snapshot,
                    elapsed_ms,
                );
                self.traffic_on_view(id);
            }
            FromWorker::ViewRejected { id, message } => {
                if id == self.explore.requested() {
                    self.view_rejected(&message);
                }
            }
            FromWorker::Rows {
                view,
                start,
                rows,
                prev_ts_ns,
            } => {
                self.on_rows(view, start, rows, prev_ts_ns);
                self.after_rows();
            }
            FromWorker::Detail {
                number,
                dissection,
                hex,
                error,
            } => self.on_detail(number, *dissection, &hex, error),
            FromWorker::Health {
                view,
                report,
                elapsed_ms,
            } => self.on_health(view, *report, elapsed_ms),
            FromWorker::Traffic {
                view,
                result,
                elapsed_ms,
            } => self.on_traffic(view, *result, elapsed_ms),
            FromWorker::TrafficRejected { view, message } => self.traffic_rejected(view, &message),
            FromWorker::GeoDatabase { info, error } => self.on_geo_database(info, error),
            m @ (FromWorker::LiveFile { .. } | FromWorker::LiveLimit { .. }) => {
                self.live_message(m)
            }
        }
    }

    /// Shows the final state of an analysis, once its charts are drawn.
    fn finish(&mut self, name: &str, packets: u64, damage: Option<Damage>, elapsed_ms: f64) {
        self.mark("pcapscope-done");
        self.prepare_spare();
        match damage {
            Some(d) => {
                self.set_state(State::Error);
                self.set_status_text(&format!(
                    "Read {} packets of {name} before the damage",
                    thousands(packets)
                ));
                self.show_error(Some(&format!(
                            "{name} is damaged: reading stopped at byte {} (frame {}): {}. The {} packets before it are shown.",
                            thousands(d.offset),
                            thousands(d.frame),
                            d.message,
                            thousands(packets)
                        )));
            }
            None => {
                self.set_state(State::Done);
                self.set_status_text(&format!(
                    "Read {name}: {} packets in {:.0} ms",
                    thousands(packets),
                    elapsed_ms
                ));
            }
        }
    }

    fn set_file_label(&self, name: &str, info: Option<&FileInfo>) {
        if let Some(el) = self.doc.get_element_by_id("file-name") {
            set_text(&el, name);
            let _ = el.set_attribute("title", name);
        }
        if let Some(el) = self.doc.get_element_by_id("file-format") {
            let text = match info {
                Some(i) => format!(
                    "{}{}",
                    i.format.as_str(),
                    if i.gzip { " (gzip)" } else { "" }
                ),
                None => String::new(),
            };
            set_text(&el, &text);
        }
    }

    fn set_metric(&self, name: &str, value: Option<String>, text: &str) {
        let Ok(Some(el)) = self.doc.query_selector(&format!("[data-metric={name}]")) else {
            return;
        };
        match value {
            Some(v) => {
                let _ = el.set_attribute("data-value", &v);
            }
            None => {
                let _ = el.remove_attribute("data-value");
            }
        }
        if let Ok(Some(v)) = el.query_selector(".value") {
            set_text(&v, text);
        }
    }

    fn render_summary(&self) {
        let name = self
            .job
            .as_ref()
            .map(|j| j.name.clone())
            .unwrap_or_default();
        self.set_file_label(&name, self.info.as_ref());
        let Some(s) = self.snapshot.as_ref() else {
            for m in [
                "packets", "bytes", "duration", "format", "links", "bitrate", "pktrate", "first",
                "last",
            ] {
                self.set_metric(m, None, "–");
            }
            return;
        };
        let sum = &s.summary;
        let secs = sum.duration_ns() as f64 / 1e9;
        self.set_metric(
            "packets",
            Some(sum.packets.to_string()),
            &thousands(sum.packets),
        );
        self.set_metric(
            "bytes",
            Some(sum.bytes.to_string()),
            &render::format::bytes(sum.bytes),
        );
        self.set_metric(
            "duration",
            Some(format!("{secs}")),
            &render::format::duration(sum.duration_ns()),
        );
        if let Some(i) = &self.info {
            let f = format!(
                "{}{}",
                i.format.as_str(),
                if i.gzip { " (gzip)" } else { "" }
            );
            self.set_metric("format", Some(i.format.as_str().to_string()), &f);
            let links: Vec<String> = i
                .link_types
                .iter()
                .map(|l| render::format::link_type_name(*l))
                .collect();
            let v: Vec<String> = i.link_types.iter().map(|l| l.to_string()).collect();
            self.set_metric("links", Some(v.join(",")), &links.join(", "));
        }
        if secs > 0.0 {
            let bps = sum.bytes as f64 * 8.0 / secs;
            self.set_metric(
                "bitrate",
                Some(format!("{bps}")),
                &render::format::bit_rate(bps),
            );
            let pps = sum.packets as f64 / secs;
            self.set_metric(
                "pktrate",
                Some(format!("{pps}")),
                &render::format::decimal(pps),
            );
        } else {
            self.set_metric("bitrate", None, "–");
            self.set_metric("pktrate", None, "–");
        }
        let tz = tz_offset_s();
        for (metric, ns) in [("first", sum.first_ns), ("last", sum.last_ns)] {
            match ns {
                Some(ns) => {
                    self.set_metric(
                        metric,
                        Some(epoch_seconds(ns)),
                        &render::format::date_time(ns, tz),
                    );
                }
                None => self.set_metric(metric, None, "–"),
            }
        }
    }

    fn chart_options(&self, dpr: f64) -> ChartOptions {
        ChartOptions {
            theme: if self.dark() {
                Theme::dark()
            } else {
                Theme::light()
            },
            tz_offset_s: tz_offset_s(),
            top_n: 10,
            dpr,
        }
    }

    /// A User Timing mark (`performance.mark`), read by the benchmark harness.
    fn mark(&self, name: &str) {
        if let Some(p) = self.window.performance() {
            let _ = p.mark(name);
        }
    }

    /// Draws every chart from the latest snapshot, at the device pixel ratio, one chart per
    /// task so that no single task keeps the main thread for long.
    fn draw_charts(&mut self) {
        self.last_draw = now(&self.window);
        for chart in Chart::ALL {
            let chart = *chart;
            defer(move |app| app.draw_chart(chart));
        }
        self.draw_health_charts();
        self.draw_traffic();
        defer(|app| {
            if app.first_chart_pending
                && app.snapshot.as_ref().is_some_and(|s| s.summary.packets > 0)
            {
                app.first_chart_pending = false;
                app.mark("pcapscope-first-chart");
            }
        });
    }

    /// Draws one chart from the latest snapshot.
    fn draw_chart(&mut self, chart: Chart) {
        let empty = Snapshot::default();
        let snap = self.snapshot.as_ref().unwrap_or(&empty);
        let layout = self.paint(chart.name(), |area, opts| {
            render::draw(chart, area, snap, opts)
                .map(|l| (l, render::text_alternative(chart, snap)))
                .map_err(|e| e.to_string())
        });
        if let Some(l) = layout {
            self.set_layout(chart.name(), l);
        }
    }

    /// Draws on `canvas[data-chart=NAME]` with `draw`, at the device pixel ratio: sizes the
    /// canvas to its CSS box, sets its text alternative and counts the drawing in
    /// `data-drawn`. Returns the chart's layout (`None` when there is no such canvas or the
    /// drawing failed, which is logged).
    pub(super) fn paint(
        &self,
        name: &str,
        draw: impl FnOnce(
            &DrawingArea<CanvasBackend, Shift>,
            &ChartOptions,
        ) -> Result<(ChartLayout, String), String>,
    ) -> Option<ChartLayout> {
        let canvas = self
            .doc
            .query_selector(&format!("canvas[data-chart={name}]"))
            .ok()
            .flatten()?
            .dyn_into::<HtmlCanvasElement>()
            .ok()?;
        let dpr = self.window.device_pixel_ratio().max(1.0);
        let opts = self.chart_options(dpr);
        let w = (f64::from(canvas.client_width()) * dpr).round().max(1.0) as u32;
        let h = (f64::from(canvas.client_height()) * dpr).round().max(1.0) as u32;
        if canvas.width() != w || canvas.height() != h {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        let area = CanvasBackend::with_canvas_object(canvas.clone())?.into_drawing_area();
        match draw(&area, &opts) {
            Ok((layout, text)) => {
                let _ = area.present();
                let _ = canvas.set_attribute("aria-label", &text);
                let n = canvas
                    .get_attribute("data-drawn")
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                let _ = canvas.set_attribute("data-drawn", &(n + 1).to_string());
                Some(layout)
            }
            Err(e) => {
                web_sys::console::error_1(&format!("pcapscope: drawing {name} failed: {e}").into());
                None
            }
        }
    }

    /// The layout chart `name` was last drawn with.
    pub(super) fn layout(&self, name: &str) -> Option<&ChartLayout> {
        self.layouts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| l)
    }

    pub(super) fn set_layout(&mut self, name: &'static str, layout: ChartLayout) {
        self.layouts.retain(|(n, _)| *n != name);
        self.layouts.push((name, layout));
    }

    fn hover(&self, canvas: &HtmlCanvasElement, ev: &MouseEvent) {
        let Some(tip) = self
            .doc
            .get_element_by_id("tooltip")
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        else {
            return;
        };
        let name = canvas.get_attribute("data-chart").unwrap_or_default();
        let dpr = self.window.device_pixel_ratio().max(1.0);
        let (x, y) = (
            f64::from(ev.offset_x()) * dpr,
            f64::from(ev.offset_y()) * dpr,
        );
        let hit = self.layout(&name).and_then(|l| l.hit(x, y));
        match hit {
            Some(region) => {
                set_text(&tip, &region.label);
                tip.set_hidden(false);
                let style = tip.style();
                let _ = style.set_property("left", &format!("{}px", ev.page_x() + 14));
                let _ = style.set_property("top", &format!("{}px", ev.page_y() + 14));
            }
            None => tip.set_hidden(true),
        }
    }
}

/// Runs `f` on the app in a task of its own (after everything already queued).
fn defer(f: impl FnOnce(&mut App) + 'static) {
    let cb = Closure::once_into_js(move || {
        with_app(f);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
    }
}

/// The browser's offset from UTC, in seconds (east positive).
fn tz_offset_s() -> i32 {
    (-js_sys::Date::new_0().get_timezone_offset() * 60.0) as i32
}

fn listen<T: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    f: impl FnMut(T) + 'static,
) {
    let handler = Closure::<dyn FnMut(T)>::new(f);
    let _ = target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    // Page-lifetime listeners: the page never removes them.
    handler.forget();
}

fn open_sample() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = window.fetch_with_str("./sample.pcapng");
    let done = Closure::<dyn FnMut(JsValue)>::new(|resp: JsValue| {
        let Ok(resp) = resp.dyn_into::<web_sys::Response>() else {
            return;
        };
        let Ok(blob_promise) = resp.blob() else {
            return;
        };
        let got_blob = Closure::<dyn FnMut(JsValue)>::new(|blob: JsValue| {
            let parts = js_sys::Array::of1(&blob);
            if let Ok(file) = File::new_with_blob_sequence(&parts, "sample.pcapng") {
                with_app(|app| app.open(file));
            }
        });
        let _ = blob_promise.then(&got_blob);
        got_blob.forget();
    });
    let failed = Closure::<dyn FnMut(JsValue)>::new(|e: JsValue| {
        with_app(|app| app.fail(&format!("cannot load the sample capture: {e:?}")));
    });
    let _ = promise.then(&done).catch(&failed);
    done.forget();
    failed.forget();
}

/// The page's entry point.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("pcapscope: {info}").into());
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(el) = by_test_id(&doc, "error") {
                set_text(
                    &el,
                    &format!("The page stopped working: {info}. Reload to continue."),
                );
                el.set_hidden(false);
            }
        }
    }));
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(doc) = window.document() else { return };
    let app = App {
        window: window.clone(),
        doc: doc.clone(),
        job: None,
        spare: None,
        next_worker_id: 1,
        info: None,
        snapshot: None,
        layouts: Vec::new(),
        dark: None,
        last_draw: 0.0,
        first_chart_pending: false,
        explore: explore::Explore::default(),
        health: health::HealthPane::default(),
        traffic: traffic::TrafficPane::default(),
    };
    app.set_state(State::Idle);
    app.render_summary();
    APP.with(|a| *a.borrow_mut() = Some(app));
    with_app(|app| {
        app.draw_charts();
        app.prepare_spare();
        app.read_fragment();
        app.build_thresholds_form();
        app.start_live();
    });
    explore_listeners(&window, &doc);
    live::live_listeners(&doc);
    traffic::traffic_listeners(&doc);

    if let Some(input) = doc
        .query_selector("input[data-testid=file-input]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    {
        let inp = input.clone();
        listen(&input, "change", move |_: Event| {
            if let Some(file) = inp.files().and_then(|l| l.get(0)) {
                with_app(|app| app.open(file));
            }
            // Let the same file be chosen again.
            inp.set_value("");
        });
    }
    if let Some(b) = by_test_id(&doc, "sample") {
        listen(&b, "click", |_: Event| open_sample());
    }
    if let Some(b) = by_test_id(&doc, "cancel") {
        listen(&b, "click", |_: Event| {
            with_app(|app| {
                if app.job.is_some() {
                    app.cancel();
                    app.prepare_spare();
                    app.set_state(State::Idle);
                    app.set_status_text("Cancelled");
                }
            });
        });
    }
    if let Some(b) = doc.get_element_by_id("theme") {
        listen(&b, "click", |_: Event| {
            with_app(|app| {
                let dark = !app.dark();
                app.dark = Some(dark);
                if let Some(root) = app.doc.document_element() {
                    let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
                }
                app.draw_charts();
            });
        });
    }
    if let Ok(Some(mq)) = window.match_media("(prefers-color-scheme: dark)") {
        listen(&mq, "change", |_: Event| {
            with_app(|app| {
                if app.dark.is_none() {
                    app.draw_charts();
                }
            });
        });
    }

    // Drag and drop anywhere on the page lands in the same place as the picker.
    let body: web_sys::EventTarget = window.clone().into();
    listen(&body, "dragover", |ev: DragEvent| {
        ev.prevent_default();
        if let Some(b) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = b.class_list().add_1("dragging");
        }
    });
    listen(&body, "dragleave", |_: DragEvent| {
        if let Some(b) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = b.class_list().remove_1("dragging");
        }
    });
    listen(&body, "drop", |ev: DragEvent| {
        ev.prevent_default();
        if let Some(b) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = b.class_list().remove_1("dragging");
        }
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|l| l.get(0))
        {
            // A country database (for the map) is not a capture.
            if traffic::is_mmdb(&file) {
                with_app(|app| app.use_geo_database(file));
            } else {
                with_app(|app| app.open(file));
            }
        }
    });

    // Charts: hover readout, and redraw on resize at the device pixel ratio.
    let names = Chart::ALL
        .iter()
        .map(|c| c.name())
        .chain(render::HealthChart::ALL.iter().map(|c| c.name()));
    for name in names {
        let Ok(Some(el)) = doc.query_selector(&format!("canvas[data-chart={name}]")) else {
            continue;
        };
        let Ok(canvas) = el.dyn_into::<HtmlCanvasElement>() else {
            continue;
        };
        let c = canvas.clone();
        listen(&canvas, "mousemove", move |ev: MouseEvent| {
            with_app(|app| app.hover(&c, &ev));
        });
        listen(&canvas, "mouseleave", |_: MouseEvent| {
            if let Some(t) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("tooltip"))
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                t.set_hidden(true);
            }
        });
    }
    let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(|_entries: js_sys::Array| {
        with_app(|app| {
            app.draw_charts();
            app.prepare_spare();
            app.render_rows();
        });
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        if let Some(grid) = doc.get_element_by_id("charts") {
            observer.observe(&grid);
        }
    }
    on_resize.forget();
    register_service_worker(&window);
}

/// Registers the service worker that keeps the page working offline, and says so once it is
/// in control.
fn register_service_worker(window: &Window) {
    let container = window.navigator().service_worker();
    let promise = container.register("./sw.js");
    let ok = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("offline"))
        {
            let _ = el.remove_attribute("hidden");
        }
    });
    // Without a service worker (a file:// page, a private window) the page still works online.
    let failed = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
    let _ = promise.then(&ok).catch(&failed);
    ok.forget();
    failed.forget();
}

/// The packets part's listeners: filter box, table, details, chart clicks and brushing.
fn explore_listeners(window: &Window, doc: &Document) {
    if let Some(form) = doc.get_element_by_id("filter-form") {
        listen(&form, "submit", |ev: Event| {
            ev.prevent_default();
            with_app(|app| app.apply_filter_box());
        });
    }
    if let Some(input) = doc.get_element_by_id("filter") {
        listen(&input, "input", |_: Event| {
            with_app(|app| app.check_filter());
        });
    }
    if let Some(b) = by_test_id(doc, "filter-clear") {
        listen(&b, "click", |_: Event| {
            with_app(|app| app.clear_filter());
        });
    }
    if let Ok(list) = doc.query_selector_all(".thead [data-sort]") {
        for i in 0..list.length() {
            let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let key = el.get_attribute("data-sort").unwrap_or_default();
            listen(&el, "click", move |_: Event| {
                let k = match key.as_str() {
                    "time" => SortKey::Time,
                    "source" => SortKey::Source,
                    "destination" => SortKey::Destination,
                    "protocol" => SortKey::Protocol,
                    "length" => SortKey::Length,
                    _ => SortKey::Number,
                };
                with_app(|app| app.sort_by(k));
            });
        }
    }
    if let Some(sel) = doc.get_element_by_id("time-format") {
        let s = sel.clone();
        listen(&sel, "change", move |_: Event| {
            let v = s
                .dyn_ref::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            with_app(|app| app.set_time_format(&v));
        });
    }
    if let Some(v) = doc.get_element_by_id("table-viewport") {
        listen(&v, "scroll", |_: Event| {
            with_app(|app| app.render_rows());
        });
    }
    if let Some(t) = by_test_id(doc, "packet-table") {
        listen(&t, "keydown", |ev: web_sys::KeyboardEvent| {
            let key = ev.key();
            if with_app(|app| app.table_key(&key)).unwrap_or(false) {
                ev.prevent_default();
            }
        });
    }
    if let Some(rows) = doc.get_element_by_id("table-rows") {
        listen(&rows, "click", |ev: MouseEvent| {
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                with_app(|app| app.table_click(&t));
            }
        });
    }
    if let Some(tree) = doc.get_element_by_id("detail-tree") {
        listen(&tree, "click", |ev: MouseEvent| {
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                with_app(|app| app.tree_click(&t));
            }
        });
    }
    if let Some(b) = doc.get_element_by_id("copy-filter") {
        listen(&b, "click", |_: Event| {
            with_app(|app| app.copy_filter());
        });
    }
    if let Some(pane) = doc.get_element_by_id("health") {
        listen(&pane, "click", |ev: MouseEvent| {
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                with_app(|app| app.health_click(&t));
            }
        });
    }
    if let Some(form) = doc.get_element_by_id("thresholds-form") {
        listen(&form, "change", |_: Event| {
            with_app(|app| app.thresholds_changed());
        });
        listen(&form, "submit", |ev: Event| {
            ev.prevent_default();
            with_app(|app| app.thresholds_changed());
        });
    }
    if let Some(b) = doc.get_element_by_id("thresholds-reset") {
        listen(&b, "click", |_: Event| {
            with_app(|app| app.reset_thresholds());
        });
    }
    for chart in render::HealthChart::ALL {
        let chart = *chart;
        let Ok(Some(el)) = doc.query_selector(&format!("canvas[data-chart={}]", chart.name()))
        else {
            continue;
        };
        listen(&el, "click", move |ev: MouseEvent| {
            let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().max(1.0));
            let (x, y) = (
                f64::from(ev.offset_x()) * dpr,
                f64::from(ev.offset_y()) * dpr,
            );
            with_app(|app| app.health_chart_click(chart, x, y));
        });
    }
    listen(window, "hashchange", |_: Event| {
        with_app(|app| {
            app.read_fragment();
            app.request_view();
            app.start_live();
        });
    });
    // Clicks on bars add their term; a drag across the timeline sets the time window.
    for chart in Chart::ALL {
        let Ok(Some(el)) = doc.query_selector(&format!("canvas[data-chart={}]", chart.name()))
        else {
            continue;
        };
        let Ok(canvas) = el.dyn_into::<HtmlCanvasElement>() else {
            continue;
        };
        let chart = *chart;
        if chart == Chart::Timeline {
            let c = canvas.clone();
            listen(&canvas, "mousedown", move |ev: MouseEvent| {
                if ev.button() == 0 {
                    ev.prevent_default();
                    let x = f64::from(ev.offset_x());
                    with_app(|app| app.explore.brush_from = Some(x));
                    show_brush(&c, x, x);
                }
            });
            let c = canvas.clone();
            listen(window, "mousemove", move |ev: MouseEvent| {
                let from = with_app(|app| app.explore.brush_from).flatten();
                if let Some(x0) = from {
                    show_brush(&c, x0, css_x(&c, &ev));
                }
            });
            let c = canvas.clone();
            listen(window, "mouseup", move |ev: MouseEvent| {
                let from = with_app(|app| app.explore.brush_from.take()).flatten();
                let Some(x0) = from else { return };
                hide_brush(&c);
                let x1 = css_x(&c, &ev);
                let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().max(1.0));
                with_app(|app| {
                    if (x1 - x0).abs() < 4.0 {
                        let y = f64::from(ev.client_y()) - c.get_bounding_client_rect().top();
                        app.chart_click(chart, x0 * dpr, y * dpr);
                    } else {
                        app.brush(x0 * dpr, x1 * dpr);
                    }
                });
            });
        } else {
            listen(&canvas, "click", move |ev: MouseEvent| {
                let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().max(1.0));
                let (x, y) = (
                    f64::from(ev.offset_x()) * dpr,
                    f64::from(ev.offset_y()) * dpr,
                );
                with_app(|app| app.chart_click(chart, x, y));
            });
        }
    }
}

/// The pointer's x in CSS px from the canvas's left edge, clamped to the canvas.
fn css_x(canvas: &HtmlCanvasElement, ev: &MouseEvent) -> f64 {
    let r = canvas.get_bounding_client_rect();
    (f64::from(ev.client_x()) - r.left()).clamp(0.0, r.width())
}

/// The translucent band of a drag across the timeline.
fn show_brush(canvas: &HtmlCanvasElement, x0: f64, x1: f64) {
    let Some(fig) = canvas.parent_element() else {
        return;
    };
    let doc = canvas.owner_document();
    let band = match fig.query_selector(".brush").ok().flatten() {
        Some(b) => b,
        None => {
            let Some(b) = doc.and_then(|d| d.create_element("div").ok()) else {
                return;
            };
            b.set_class_name("brush");
            let _ = fig.append_child(&b);
            b
        }
    };
    if let Ok(h) = band.dyn_into::<HtmlElement>() {
        let st = h.style();
        let left = f64::from(canvas.offset_left()) + x0.min(x1);
        let _ = st.set_property("left", &format!("{left}px"));
        let _ = st.set_property("width", &format!("{}px", (x1 - x0).abs()));
        let _ = st.set_property("top", &format!("{}px", canvas.offset_top()));
        let _ = st.set_property("height", &format!("{}px", canvas.offset_height()));
    }
}

fn hide_brush(canvas: &HtmlCanvasElement) {
    if let Some(b) = canvas
        .parent_element()
        .and_then(|f| f.query_selector(".brush").ok().flatten())
    {
        b.remove();
    }
}
