//! "Who talks to whom, when, and where": the host × time (or port × time) heatmap, the
//! source × destination matrix, the host graph and the world map, each with a sortable table
//! of its top rows and exports (PNG, SVG, CSV).
//!
//! The worker computes every view over the current display filter's packets
//! ([`ToWorker::Traffic`], see `traffic_worker`); the page asks only while the section is on
//! screen (an `IntersectionObserver`), so loading a file never waits for them, and asks again
//! after each new view. The country shapes are fetched here the first time the section is
//! shown; the country database is the worker's (fetched by it on the first map, or a `.mmdb`
//! the person drops onto the map, kept for the session and handed to each new worker).
//!
//! The graph's layout is the worker's: panning and zooming only redraw it here.

use super::{by_test_id, defer, listen, set_text, thousands, App};
use crate::filter::compose;
use crate::geo::{DbInfo, DbSource, GeoView, WorldShapes, WORLD_ATTRIBUTION, WORLD_FILE};
use crate::render::graph::{self as graph_chart, GraphView, NodeColor};
use crate::render::heatmap as heat_chart;
use crate::render::map as map_chart;
use crate::render::{format, ChartLayout};
use crate::traffic::{AddrClass, HeatMap, HeatRows, HostGraph, Matrix};
use crate::web::messages::{encode, ToWorker, TrafficRequest, TrafficResult};
use std::cmp::Ordering;
use std::net::IpAddr;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Document, DragEvent, Element, Event, File, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    HtmlSelectElement, KeyboardEvent, MouseEvent,
};

/// Rows shown in a view's table.
const TABLE_ROWS: usize = 50;
/// A pointer that moved less than this (CSS px) between press and release clicked.
const CLICK_SLOP: f64 = 4.0;

/// The four views, by their figure's `data-view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Time,
    Matrix,
    Graph,
    Map,
}

impl Slot {
    const ALL: [Slot; 4] = [Slot::Time, Slot::Matrix, Slot::Graph, Slot::Map];

    fn name(self) -> &'static str {
        match self {
            Slot::Time => "time",
            Slot::Matrix => "matrix",
            Slot::Graph => "graph",
            Slot::Map => "map",
        }
    }

    fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The canvas's `data-chart`.
    fn chart(self) -> &'static str {
        match self {
            Slot::Time => heat_chart::HEATMAP_TIME,
            Slot::Matrix => heat_chart::HEATMAP_MATRIX,
            Slot::Graph => graph_chart::GRAPH,
            Slot::Map => map_chart::MAP,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Whether the view places hosts with the country database (asked again when it changes).
    fn uses_db(self) -> bool {
        matches!(self, Slot::Graph | Slot::Map)
    }
}

/// The country shapes, fetched once.
#[derive(Default)]
enum World {
    #[default]
    NotAsked,
    Loading,
    Ready(WorldShapes),
    Failed,
}

/// A sort key of a table cell.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Num(f64),
    Text(String),
}

#[derive(Debug, Clone)]
struct Cell {
    text: String,
    key: Key,
}

fn num(n: u64) -> Cell {
    Cell {
        text: thousands(n),
        key: Key::Num(n as f64),
    }
}

fn bytes(n: u64) -> Cell {
    Cell {
        text: format::bytes(n),
        key: Key::Num(n as f64),
    }
}

fn text(t: impl Into<String>) -> Cell {
    let t = t.into();
    Cell {
        key: Key::Text(t.to_lowercase()),
        text: t,
    }
}

/// An address, sorted numerically (IPv4 before IPv6).
fn addr(a: &IpAddr) -> Cell {
    let key = match a {
        IpAddr::V4(v) => format!("4{:08x}", u32::from(*v)),
        IpAddr::V6(v) => format!("6{:032x}", u128::from(*v)),
    };
    Cell {
        text: a.to_string(),
        key: Key::Text(key),
    }
}

/// A row of a view's table: its cells, the filter a click applies, a key for tests.
#[derive(Debug, Clone)]
struct TableRow {
    key: String,
    kind: &'static str,
    cells: Vec<Cell>,
    filter: String,
}

/// A view's table: headers (name, numeric) and rows, in the result's order.
#[derive(Debug, Clone, Default)]
struct Table {
    headers: Vec<(&'static str, bool)>,
    rows: Vec<TableRow>,
}

fn cmp_key(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Num(x), Key::Num(y)) => x.total_cmp(y),
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        (Key::Num(_), Key::Text(_)) => Ordering::Less,
        (Key::Text(_), Key::Num(_)) => Ordering::Greater,
    }
}

/// Row order for `sort` (column, descending); `None` keeps the result's order.
fn sorted(rows: &[TableRow], sort: Option<(usize, bool)>) -> Vec<&TableRow> {
    let mut out: Vec<&TableRow> = rows.iter().collect();
    if let Some((col, desc)) = sort {
        // Stable: equal keys keep the result's (bytes) order.
        out.sort_by(|a, b| {
            let o = match (a.cells.get(col), b.cells.get(col)) {
                (Some(x), Some(y)) => cmp_key(&x.key, &y.key),
                _ => Ordering::Equal,
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    out
}

fn time_table(map: &HeatMap, tz: i32) -> Table {
    let hosts = map.kind == HeatRows::Hosts;
    let mut headers = vec![(if hosts { "Host" } else { "Port" }, false)];
    if hosts {
        headers.push(("Class", false));
    }
    headers.extend([
        ("Packets", true),
        ("Bytes", true),
        ("Busiest", false),
        ("Peak bytes", true),
    ]);
    let rows = map
        .rows
        .iter()
        .take(TABLE_ROWS)
        .map(|r| {
            let (a, _) = map.column_range(r.peak);
            let when = match map.first_ns {
                Some(first) => format!("+{} s", format::seconds_fixed(a - first)),
                None => format::date_time(a, tz),
            };
            let mut cells = vec![match &r.addr {
                Some(ip) => addr(ip),
                None => text(r.label.clone()),
            }];
            if hosts {
                cells.push(text(r.class.map_or("", AddrClass::label)));
            }
            cells.extend([
                num(r.total.packets),
                bytes(r.total.bytes),
                Cell {
                    text: when,
                    key: Key::Num(a as f64),
                },
                bytes(r.bytes.get(r.peak).copied().unwrap_or(0)),
            ]);
            TableRow {
                key: r.label.clone(),
                kind: if hosts { "host" } else { "port" },
                cells,
                filter: r.filter.clone(),
            }
        })
        .collect();
    Table { headers, rows }
}

fn matrix_table(m: &Matrix) -> Table {
    Table {
        headers: vec![
            ("Source", false),
            ("Destination", false),
            ("Packets", true),
            ("Bytes", true),
        ],
        rows: m
            .pairs
            .iter()
            .take(TABLE_ROWS)
            .map(|p| TableRow {
                key: format!("{}>{}", p.src, p.dst),
                kind: "pair",
                cells: vec![
                    addr(&p.src),
                    addr(&p.dst),
                    num(p.count.packets),
                    bytes(p.count.bytes),
                ],
                filter: p.filter.clone(),
            })
            .collect(),
    }
}

fn graph_table(g: &HostGraph) -> Table {
    Table {
        headers: vec![
            ("Host", false),
            ("Class", false),
            ("Country", false),
            ("Packets", true),
            ("Bytes", true),
            ("Sent", true),
            ("Received", true),
            ("Top peer", false),
        ],
        rows: g
            .nodes
            .iter()
            .take(TABLE_ROWS)
            .map(|n| TableRow {
                key: n.addr.to_string(),
                kind: "host",
                cells: vec![
                    addr(&n.addr),
                    text(n.class.label()),
                    text(n.country.clone().unwrap_or_default()),
                    num(n.count.packets),
                    bytes(n.count.bytes),
                    bytes(n.sent.bytes),
                    bytes(n.received.bytes),
                    n.peers.first().map_or(text(""), |p| {
                        let mut c = addr(&p.addr);
                        c.text = format!("{} ({})", p.addr, format::bytes(p.count.bytes));
                        c
                    }),
                ],
                filter: n.filter.clone(),
            })
            .collect(),
    }
}

fn map_table(v: &GeoView) -> Table {
    let top = |hosts: &[crate::geo::HostCount]| {
        hosts.first().map_or(text(""), |h| text(h.addr.to_string()))
    };
    let mut rows: Vec<TableRow> = v
        .countries
        .iter()
        .take(TABLE_ROWS)
        .map(|c| TableRow {
            key: c.code.clone(),
            kind: "country",
            cells: vec![
                text(c.name.clone()),
                text(c.code.clone()),
                num(c.hosts),
                num(c.count.packets),
                bytes(c.count.bytes),
                top(&c.top),
            ],
            filter: c.filter.clone(),
        })
        .collect();
    // What no map can place, apart: private, link-local, multicast ... and unknown.
    rows.extend(v.apart.iter().map(|p| TableRow {
        key: p.label.clone(),
        kind: "apart",
        cells: vec![
            text(p.label.clone()),
            text("—"),
            num(p.hosts),
            num(p.count.packets),
            bytes(p.count.bytes),
            top(&p.top),
        ],
        filter: p.filter.clone(),
    }));
    Table {
        headers: vec![
            ("Country or kind of address", false),
            ("Code", false),
            ("Hosts", true),
            ("Packets", true),
            ("Bytes", true),
            ("Largest host", false),
        ],
        rows,
    }
}

/// A drag across the graph.
#[derive(Debug, Clone, Copy)]
struct Drag {
    x: f64,
    y: f64,
    start: GraphView,
    moved: bool,
}

/// The section's state.
pub(super) struct TrafficPane {
    /// The section is on screen (or about to be).
    visible: bool,
    /// The last view the worker answered: the traffic views are asked of it.
    view: Option<u32>,
    /// Ports rather than hosts in the time heatmap.
    ports: bool,
    /// Top N of each view.
    n: [u32; 4],
    heat: Option<HeatMap>,
    matrix: Option<Matrix>,
    graph: Option<HostGraph>,
    geo: Option<GeoView>,
    /// What was asked of each slot: view, request, database generation.
    asked: [Option<(u32, TrafficRequest, u32)>; 4],
    /// Each slot's table, and how it is sorted (`None`: the result's order).
    tables: [Table; 4],
    sort: [Option<(usize, bool)>; 4],
    /// Canvas size and theme each slot was last drawn at.
    drawn_as: [Option<(i32, i32, bool)>; 4],
    graph_view: GraphView,
    drag: Option<Drag>,
    graph_redraw: bool,
    world: World,
    /// A `.mmdb` the person chose, for every worker of the session, and the worker it was
    /// last handed to.
    user_db: Option<File>,
    db_sent_to: Option<u32>,
    /// The database the worker uses, as it said last; bumped when it changes.
    db: Option<DbInfo>,
    db_error: Option<String>,
    db_gen: u32,
}

impl Default for TrafficPane {
    fn default() -> Self {
        TrafficPane {
            visible: false,
            view: None,
            ports: false,
            n: [30, 30, 100, 0],
            heat: None,
            matrix: None,
            graph: None,
            geo: None,
            asked: [None; 4],
            tables: Default::default(),
            sort: [None; 4],
            drawn_as: [None; 4],
            graph_view: GraphView::default(),
            drag: None,
            graph_redraw: false,
            world: World::NotAsked,
            user_db: None,
            db_sent_to: None,
            db: None,
            db_error: None,
            db_gen: 0,
        }
    }
}

fn hide_tooltip() {
    if let Some(t) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("tooltip"))
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        t.set_hidden(true);
    }
}

fn dpr() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio().max(1.0))
}

/// Saves `blob` as `name` (a download of an object URL).
fn download(doc: &Document, blob: &JsValue, name: &str) {
    let global = js_sys::global();
    let Ok(url_ns) = js_sys::Reflect::get(&global, &"URL".into()) else {
        return;
    };
    let call = |method: &str, arg: &JsValue| {
        js_sys::Reflect::get(&url_ns, &method.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call1(&url_ns, arg).ok())
    };
    let Some(url) = call("createObjectURL", blob).and_then(|u| u.as_string()) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Ok(a) = a.dyn_into::<HtmlElement>() {
            a.click();
        }
    }
    // The download has its own reference by the time a task later runs.
    let revoke = Closure::once_into_js(move || {
        let global = js_sys::global();
        if let Ok(url_ns) = js_sys::Reflect::get(&global, &"URL".into()) {
            if let Some(f) = js_sys::Reflect::get(&url_ns, &"revokeObjectURL".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                let _ = f.call1(&url_ns, &JsValue::from_str(&url));
            }
        }
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
}

fn text_blob(content: &str, mime: &str) -> Option<JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .ok()
        .map(JsValue::from)
}

fn element(doc: &Document, tag: &str, class: Option<&str>, txt: Option<&str>) -> Option<Element> {
    let el = doc.create_element(tag).ok()?;
    if let Some(c) = class {
        el.set_class_name(c);
    }
    if let Some(t) = txt {
        el.set_text_content(Some(t));
    }
    Some(el)
}

impl App {
    fn figure(&self, slot: Slot) -> Option<Element> {
        self.doc
            .query_selector(&format!("figure[data-view={}]", slot.name()))
            .ok()
            .flatten()
    }

    fn traffic_canvas(&self, slot: Slot) -> Option<HtmlCanvasElement> {
        self.doc
            .query_selector(&format!("canvas[data-chart={}]", slot.chart()))
            .ok()
            .flatten()?
            .dyn_into()
            .ok()
    }

    /// Says on the figure what it waits for (`data-state`, and a line for people).
    fn set_slot_state(&self, slot: Slot, state: &str, note: &str) {
        if let Some(f) = self.figure(slot) {
            let _ = f.set_attribute("data-state", state);
            if let Ok(Some(n)) = f.query_selector(".view-state") {
                set_text(&n, note);
            }
        }
    }

    /// The request a slot makes with the page's options.
    fn traffic_request(&self, slot: Slot) -> TrafficRequest {
        let t = &self.traffic;
        let n = t.n[slot.index()];
        match slot {
            Slot::Time if t.ports => TrafficRequest::PortTime { top_n: n },
            Slot::Time => TrafficRequest::HostTime { top_n: n },
            Slot::Matrix => TrafficRequest::Matrix { top_n: n },
            Slot::Graph => TrafficRequest::Graph { top_n: n },
            Slot::Map => TrafficRequest::Geo,
        }
    }

    /// Asks the worker for every view not yet asked of the current view with the current
    /// options, when the section is on screen.
    fn request_traffic(&mut self) {
        if !self.traffic.visible {
            return;
        }
        self.load_world();
        let Some(view) = self.traffic.view.filter(|v| *v == self.explore.requested()) else {
            return; // a view is under way: its answer asks again
        };
        let Some(worker_id) = self.job.as_ref().map(|j| j.w.id) else {
            return;
        };
        if self.traffic.user_db.is_some() && self.traffic.db_sent_to != Some(worker_id) {
            self.post_user_db();
        }
        for slot in Slot::ALL {
            let request = self.traffic_request(slot);
            let gen = if slot.uses_db() {
                self.traffic.db_gen
            } else {
                0
            };
            let key = Some((view, request, gen));
            if self.traffic.asked[slot.index()] == key {
                continue;
            }
            self.traffic.asked[slot.index()] = key;
            let note = if slot == Slot::Map && self.traffic.db.is_none() {
                "Loading the country database …"
            } else {
                "Computing …"
            };
            self.set_slot_state(slot, "pending", note);
            self.post_to_worker(&ToWorker::Traffic { view, request });
        }
    }

    /// The section came on screen or left it.
    pub(super) fn traffic_visible(&mut self, visible: bool) {
        self.traffic.visible = visible;
        if visible {
            self.request_traffic();
            self.draw_traffic();
        }
    }

    /// The worker showed view `id`: its traffic views follow.
    pub(super) fn traffic_on_view(&mut self, id: u32) {
        if id != self.explore.requested() {
            return;
        }
        self.traffic.view = Some(id);
        self.request_traffic();
    }

    /// A new file is opening (in a new worker): forget the old one's views.
    pub(super) fn reset_traffic(&mut self) {
        let t = &mut self.traffic;
        t.view = None;
        t.heat = None;
        t.matrix = None;
        t.graph = None;
        t.geo = None;
        t.asked = [None; 4];
        t.tables = Default::default();
        t.drawn_as = [None; 4];
        t.drag = None;
        t.graph_view = GraphView {
            color: t.graph_view.color,
            ..GraphView::default()
        };
        // The new worker has no database yet: it loads the bundled one (or is handed the
        // person's) and says so.
        t.db_sent_to = None;
        t.db = None;
        for slot in Slot::ALL {
            self.render_table(slot);
            self.set_slot_state(slot, "idle", "");
        }
    }

    /// The worker's answer for view `view`.
    pub(super) fn on_traffic(&mut self, view: u32, result: TrafficResult, elapsed_ms: f64) {
        if self.traffic.view != Some(view) {
            return;
        }
        let tz = super::tz_offset_s();
        let slot = match result {
            TrafficResult::Heat(h) => {
                // A late answer for the other kind of rows.
                if (h.kind == HeatRows::Ports) != self.traffic.ports {
                    return;
                }
                self.traffic.tables[Slot::Time.index()] = time_table(&h, tz);
                self.traffic.heat = Some(h);
                Slot::Time
            }
            TrafficResult::Matrix(m) => {
                self.traffic.tables[Slot::Matrix.index()] = matrix_table(&m);
                self.traffic.matrix = Some(m);
                Slot::Matrix
            }
            TrafficResult::Graph(g) => {
                self.traffic.tables[Slot::Graph.index()] = graph_table(&g);
                let same = self.traffic.graph.as_ref().is_some_and(|old| {
                    old.nodes.len() == g.nodes.len()
                        && old
                            .nodes
                            .iter()
                            .zip(&g.nodes)
                            .all(|(a, b)| a.addr == b.addr)
                });
                if !same {
                    self.traffic.graph_view = GraphView {
                        color: self.traffic.graph_view.color,
                        ..GraphView::default()
                    };
                }
                self.traffic.graph_view.focus = None;
                self.traffic.graph = Some(g);
                Slot::Graph
            }
            TrafficResult::Geo(v) => {
                self.traffic.tables[Slot::Map.index()] = map_table(&v);
                self.traffic.geo = Some(v);
                Slot::Map
            }
        };
        self.set_slot_state(slot, "ready", &format!("computed in {elapsed_ms:.0} ms"));
        self.render_table(slot);
        defer(move |app| app.draw_slot(slot));
    }

    /// The worker could not make a view.
    pub(super) fn traffic_rejected(&mut self, view: u32, message: &str) {
        if self.traffic.view != Some(view) {
            return;
        }
        for slot in Slot::ALL {
            if self.traffic.asked[slot.index()].is_some_and(|a| a.0 == view) {
                self.set_slot_state(slot, "error", message);
            }
        }
    }

    /// The worker's country database changed (or could not be loaded).
    pub(super) fn on_geo_database(&mut self, info: Option<DbInfo>, error: Option<String>) {
        let changed = info != self.traffic.db || (info.is_none() && error.is_some());
        self.traffic.db = info;
        self.traffic.db_error = error;
        self.render_db_line();
        if changed {
            self.traffic.db_gen += 1;
            self.request_traffic();
        }
    }

    fn render_db_line(&self) {
        let Some(line) = by_test_id(&self.doc, "geo-db") else {
            return;
        };
        let t = &self.traffic;
        let mut parts = Vec::new();
        match &t.db {
            Some(i) => {
                parts.push(format!("Country database: {}, built {}", i.name, i.date));
                if !i.licence.is_empty() {
                    parts.push(format!("licence: {}", i.licence));
                }
                if let Some(w) = &i.warning {
                    parts.push(format!("warning: {w}"));
                }
                let src = match i.source {
                    DbSource::Bundled => "bundled",
                    DbSource::User => "user",
                };
                let _ = line.set_attribute("data-source", src);
                let _ = line.set_attribute("data-name", &i.name);
                let _ = line.set_attribute("data-date", &i.date);
            }
            None => {
                parts.push(
                    "Country database: loaded from this site when the map is first shown".into(),
                );
                let _ = line.remove_attribute("data-source");
            }
        }
        set_text(&line, &format!("{}.", parts.join(" · ")));
        if let Some(e) = by_test_id(&self.doc, "geo-db-error") {
            match &t.db_error {
                Some(m) => {
                    set_text(&e, m);
                    e.set_hidden(false);
                }
                None => e.set_hidden(true),
            }
        }
    }

    /// Hands the person's database to the current worker (after its first view, when it
    /// listens for it).
    fn post_user_db(&mut self) {
        let (Some(job), Some(file)) = (self.job.as_ref(), self.traffic.user_db.as_ref()) else {
            return;
        };
        if self.traffic.view.is_none() {
            return;
        }
        let envelope = js_sys::Object::new();
        let msg = encode(&ToWorker::GeoDatabase { name: file.name() });
        let _ = js_sys::Reflect::set(&envelope, &"msg".into(), &JsValue::from_str(&msg));
        let _ = js_sys::Reflect::set(&envelope, &"file".into(), file);
        if job.w.worker.post_message(&envelope).is_ok() {
            self.traffic.db_sent_to = Some(job.w.id);
        }
    }

    /// A `.mmdb` the person dropped or chose: the country database for the rest of the
    /// session.
    pub(super) fn use_geo_database(&mut self, file: File) {
        if let Some(line) = by_test_id(&self.doc, "geo-db") {
            set_text(&line, &format!("Reading {} …", file.name()));
        }
        self.traffic.user_db = Some(file);
        self.traffic.db_sent_to = None;
        self.post_user_db();
    }

    /// Fetches the country shapes, once (from this site).
    fn load_world(&mut self) {
        if !matches!(self.traffic.world, World::NotAsked) {
            return;
        }
        self.traffic.world = World::Loading;
        wasm_bindgen_futures::spawn_local(async {
            let result = fetch_world().await;
            with_world(result);
        });
    }

    /// Redraws every view from its last result when the canvas's size or the theme changed
    /// (after a resize or a theme switch).
    pub(super) fn draw_traffic(&mut self) {
        if !self.traffic.visible {
            return;
        }
        let dark = self.dark();
        for slot in Slot::ALL {
            let Some(c) = self.traffic_canvas(slot) else {
                continue;
            };
            let now = Some((c.client_width(), c.client_height(), dark));
            if self.traffic.drawn_as[slot.index()].is_some()
                && self.traffic.drawn_as[slot.index()] != now
            {
                defer(move |app| app.draw_slot(slot));
            }
        }
    }

    /// Draws one view from its last result.
    fn draw_slot(&mut self, slot: Slot) {
        let Some(canvas) = self.traffic_canvas(slot) else {
            return;
        };
        let t = &self.traffic;
        if slot == Slot::Time {
            if let Some(h) = &t.heat {
                // Rows get room: the canvas grows with them (a few rows are drawn up to 36 px
                // high, many at 16 px or more).
                let n = h.rows.len();
                let px = (120 + (16 * n).max(36 * n.min(8))).clamp(200, 1200);
                let _ = canvas.style().set_property("height", &format!("{px}px"));
            }
        }
        let empty_world = WorldShapes::default();
        let world = match &t.world {
            World::Ready(w) => w,
            _ => &empty_world,
        };
        let view = t.graph_view;
        let layout: Option<ChartLayout> = match slot {
            Slot::Time => t.heat.as_ref().and_then(|h| {
                self.paint(slot.chart(), |area, opts| {
                    heat_chart::draw_heatmap_time(area, h, opts)
                        .map(|l| (l, heat_chart::text_alternative_time(h, opts)))
                        .map_err(|e| e.to_string())
                })
            }),
            Slot::Matrix => t.matrix.as_ref().and_then(|m| {
                self.paint(slot.chart(), |area, opts| {
                    heat_chart::draw_heatmap_matrix(area, m, opts)
                        .map(|l| (l, heat_chart::text_alternative_matrix(m, opts)))
                        .map_err(|e| e.to_string())
                })
            }),
            Slot::Graph => t.graph.as_ref().and_then(|g| {
                self.paint(slot.chart(), |area, opts| {
                    graph_chart::draw_graph(area, g, &view, opts)
                        .map(|l| (l, graph_chart::text_alternative_graph(g, opts)))
                        .map_err(|e| e.to_string())
                })
            }),
            Slot::Map => t.geo.as_ref().and_then(|v| {
                self.paint(slot.chart(), |area, opts| {
                    map_chart::draw_map(area, v, world, opts)
                        .map(|l| (l, map_chart::text_alternative_map(v, opts)))
                        .map_err(|e| e.to_string())
                })
            }),
        };
        let Some(layout) = layout else { return };
        if slot == Slot::Matrix {
            self.mark_first_pair(&canvas, &layout);
        }
        self.traffic.drawn_as[slot.index()] =
            Some((canvas.client_width(), canvas.client_height(), self.dark()));
        self.set_layout(slot.chart(), layout);
    }

    /// For tests and tools: `data-hit0` = "x,y,filter", the centre (CSS px) of the matrix
    /// cell of the table's first pair and the filter a click there applies; `data-pairs`, the
    /// number of pairs drawn from.
    fn mark_first_pair(&self, canvas: &HtmlCanvasElement, layout: &ChartLayout) {
        let pairs = self.traffic.matrix.as_ref().map_or(0, |m| m.pairs.len());
        let _ = canvas.set_attribute("data-pairs", &pairs.to_string());
        let first = self
            .traffic
            .matrix
            .as_ref()
            .and_then(|m| m.pairs.first())
            .map(|p| p.filter.clone());
        let hit = first.and_then(|f| {
            layout
                .hits
                .iter()
                .find(|h| h.filter.as_deref() == Some(f.as_str()))
        });
        match hit {
            Some(h) => {
                let d = layout.dpr.max(1.0);
                let value = format!(
                    "{:.1},{:.1},{}",
                    (h.x0 + h.x1) / 2.0 / d,
                    (h.y0 + h.y1) / 2.0 / d,
                    h.filter.as_deref().unwrap_or("")
                );
                let _ = canvas.set_attribute("data-hit0", &value);
            }
            None => {
                let _ = canvas.remove_attribute("data-hit0");
            }
        }
    }

    /// Fills a view's table (sorted as the person chose).
    fn render_table(&self, slot: Slot) {
        let Ok(Some(table)) = self
            .doc
            .query_selector(&format!("table[data-table={}]", slot.name()))
        else {
            return;
        };
        table.set_text_content(None);
        let model = &self.traffic.tables[slot.index()];
        let _ = table.set_attribute("data-rows", &model.rows.len().to_string());
        if model.rows.is_empty() {
            return;
        }
        let sort = self.traffic.sort[slot.index()];
        let doc = &self.doc;
        let (Some(thead), Some(tbody), Some(tr)) = (
            element(doc, "thead", None, None),
            element(doc, "tbody", None, None),
            element(doc, "tr", None, None),
        ) else {
            return;
        };
        for (i, (name, numeric)) in model.headers.iter().enumerate() {
            let Some(th) = element(doc, "th", numeric.then_some("num"), None) else {
                continue;
            };
            let _ = th.set_attribute("scope", "col");
            let order = match sort {
                Some((c, desc)) if c == i => {
                    if desc {
                        "descending"
                    } else {
                        "ascending"
                    }
                }
                _ => "none",
            };
            let _ = th.set_attribute("aria-sort", order);
            if let Some(b) = element(doc, "button", Some("sort"), Some(name)) {
                let _ = b.set_attribute("type", "button");
                let _ = b.set_attribute("data-col", &i.to_string());
                let _ = b.set_attribute("title", &format!("Sort by {}", name.to_lowercase()));
                let _ = th.append_child(&b);
            }
            let _ = tr.append_child(&th);
        }
        let _ = thead.append_child(&tr);
        for row in sorted(&model.rows, sort) {
            let Some(tr) = element(doc, "tr", None, None) else {
                continue;
            };
            let _ = tr.set_attribute("data-key", &row.key);
            let _ = tr.set_attribute("data-kind", row.kind);
            let _ = tr.set_attribute("data-filter", &row.filter);
            let _ = tr.set_attribute("tabindex", "0");
            let _ = tr.set_attribute("title", &format!("Show packets: {}", row.filter));
            for (i, c) in row.cells.iter().enumerate() {
                let numeric = model.headers.get(i).is_some_and(|h| h.1);
                if let Some(td) = element(doc, "td", numeric.then_some("num"), Some(&c.text)) {
                    let _ = tr.append_child(&td);
                }
            }
            let _ = tbody.append_child(&tr);
        }
        let _ = table.append_child(&thead);
        let _ = table.append_child(&tbody);
    }

    /// A click on a table header sorts; on a row, applies the row's filter.
    fn traffic_table_click(&mut self, slot: Slot, target: &Element) {
        if let Ok(Some(b)) = target.closest("button[data-col]") {
            let Some(col) = b
                .get_attribute("data-col")
                .and_then(|c| c.parse::<usize>().ok())
            else {
                return;
            };
            let numeric = self.traffic.tables[slot.index()]
                .headers
                .get(col)
                .is_some_and(|h| h.1);
            let s = &mut self.traffic.sort[slot.index()];
            *s = match *s {
                Some((c, desc)) if c == col => Some((c, !desc)),
                // Numbers largest first, names from A.
                _ => Some((col, numeric)),
            };
            self.render_table(slot);
            return;
        }
        if let Ok(Some(tr)) = target.closest("tr[data-filter]") {
            if let Some(f) = tr.get_attribute("data-filter") {
                self.apply_term(&f, None, None);
            }
        }
    }

    /// Adds `term` to the filter and applies it; a heatmap cell's time window (`time_ns`,
    /// relative to `first_ns`) replaces the filter's own.
    fn apply_term(&mut self, term: &str, time_ns: Option<(i64, i64)>, first_ns: Option<i64>) {
        let base = self.editable_filter();
        let text = match (time_ns, first_ns) {
            (Some((a, z)), Some(first)) => {
                let rest = compose::remove_time_window(term);
                let window =
                    compose::time_window((a - first) as f64 / 1e9, (z - 1 - first) as f64 / 1e9);
                compose::set_time_window(&compose::and_term(&base, &rest), &window)
            }
            _ => compose::and_term(&base, term),
        };
        self.set_and_apply(text);
    }

    /// A click on a view's canvas at backend pixels `(x, y)`.
    fn traffic_chart_click(&mut self, slot: Slot, x: f64, y: f64) {
        let Some(region) = self.layout(slot.chart()).and_then(|l| l.hit(x, y)).cloned() else {
            return;
        };
        let Some(term) = region.filter else { return };
        let first = match slot {
            Slot::Time => self.traffic.heat.as_ref().and_then(|h| h.first_ns),
            _ => None,
        };
        self.apply_term(&term, region.time_ns, first);
    }

    /// The pointer over the graph: its readout, and the node under it emphasised.
    fn graph_hover(&mut self, canvas: &HtmlCanvasElement, ev: &MouseEvent) {
        if self.traffic.drag.is_some_and(|d| d.moved) {
            return;
        }
        self.hover(canvas, ev);
        let d = dpr();
        let (x, y) = (f64::from(ev.offset_x()) * d, f64::from(ev.offset_y()) * d);
        let filter = self
            .layout(graph_chart::GRAPH)
            .and_then(|l| l.hit(x, y))
            .and_then(|h| h.filter.clone());
        let focus = filter.and_then(|f| {
            self.traffic
                .graph
                .as_ref()
                .and_then(|g| g.nodes.iter().position(|n| n.filter == f))
        });
        if focus != self.traffic.graph_view.focus {
            self.traffic.graph_view.focus = focus;
            self.redraw_graph();
        }
    }

    /// Redraws the graph in a task of its own, at most once per task.
    fn redraw_graph(&mut self) {
        if self.traffic.graph_redraw {
            return;
        }
        self.traffic.graph_redraw = true;
        defer(|app| {
            app.traffic.graph_redraw = false;
            app.draw_slot(Slot::Graph);
        });
    }

    /// The wheel over the graph zooms about the pointer.
    fn graph_wheel(&mut self, offset_x: f64, offset_y: f64, delta_y: f64) {
        let Some(plot) = self.layout(graph_chart::GRAPH).map(|l| (l.plot, l.dpr)) else {
            return;
        };
        let (p, d) = (plot.0, plot.1.max(1.0));
        let qx = offset_x - (p.x0 + p.x1) / 2.0 / d;
        let qy = offset_y - (p.y0 + p.y1) / 2.0 / d;
        let factor = (-delta_y.clamp(-500.0, 500.0) * 0.0015).exp();
        self.traffic.graph_view = self.traffic.graph_view.zoomed(factor, qx, qy);
        self.redraw_graph();
    }

    fn graph_press(&mut self, x: f64, y: f64) {
        self.traffic.drag = Some(Drag {
            x,
            y,
            start: self.traffic.graph_view,
            moved: false,
        });
    }

    /// Returns whether a drag of the graph is under way (the pointer's page position).
    fn graph_drag_to(&mut self, x: f64, y: f64) -> bool {
        let Some(mut d) = self.traffic.drag else {
            return false;
        };
        let (dx, dy) = (x - d.x, y - d.y);
        if !d.moved && dx.hypot(dy) < CLICK_SLOP {
            return true;
        }
        d.moved = true;
        self.traffic.drag = Some(d);
        self.traffic.graph_view = GraphView {
            focus: None,
            ..d.start.panned(dx, dy)
        };
        hide_tooltip();
        self.redraw_graph();
        true
    }

    /// The end of a press on the graph: a click when it did not move.
    fn graph_release(&mut self, canvas: &HtmlCanvasElement, ev: &MouseEvent) {
        let Some(d) = self.traffic.drag.take() else {
            return;
        };
        if d.moved {
            return;
        }
        let r = canvas.get_bounding_client_rect();
        let k = dpr();
        let x = (f64::from(ev.client_x()) - r.left()) * k;
        let y = (f64::from(ev.client_y()) - r.top()) * k;
        self.traffic_chart_click(Slot::Graph, x, y);
    }

    /// A control of the section changed (top N, hosts or ports, graph colours).
    fn traffic_control(&mut self, target: &Element) {
        let Some(what) = target.get_attribute("data-traffic") else {
            return;
        };
        let value = target
            .dyn_ref::<HtmlInputElement>()
            .map(|i| i.value())
            .or_else(|| target.dyn_ref::<HtmlSelectElement>().map(|s| s.value()))
            .unwrap_or_default();
        let slot = target
            .closest("figure[data-view]")
            .ok()
            .flatten()
            .and_then(|f| f.get_attribute("data-view"))
            .and_then(|v| Slot::from_name(&v));
        match (what.as_str(), slot) {
            ("n", Some(slot)) => {
                let max = match slot {
                    Slot::Time => crate::web::traffic_worker::MAX_HEAT_ROWS,
                    Slot::Matrix => crate::web::traffic_worker::MAX_MATRIX,
                    _ => crate::traffic::MAX_NODES as u32,
                };
                let Ok(n) = value.trim().parse::<u32>() else {
                    return;
                };
                let n = n.clamp(1, max);
                if let Some(i) = target.dyn_ref::<HtmlInputElement>() {
                    i.set_value(&n.to_string());
                }
                self.traffic.n[slot.index()] = n;
                self.request_traffic();
            }
            ("rows", _) => {
                self.traffic.ports = value == "ports";
                self.request_traffic();
            }
            ("color", _) => {
                self.traffic.graph_view.color = if value == "country" {
                    NodeColor::Country
                } else {
                    NodeColor::Class
                };
                self.redraw_graph();
            }
            _ => {}
        }
    }

    /// A click in the section: exports, graph reset, table headers and rows.
    fn traffic_click(&mut self, target: &Element) {
        let Some(slot) = target
            .closest("figure[data-view]")
            .ok()
            .flatten()
            .and_then(|f| f.get_attribute("data-view"))
            .and_then(|v| Slot::from_name(&v))
        else {
            return;
        };
        if let Ok(Some(b)) = target.closest("button[data-export]") {
            let kind = b.get_attribute("data-export").unwrap_or_default();
            self.export(slot, &kind);
            return;
        }
        if let Ok(Some(_)) = target.closest("button[data-action=reset-view]") {
            self.traffic.graph_view = GraphView {
                color: self.traffic.graph_view.color,
                ..GraphView::default()
            };
            self.redraw_graph();
            return;
        }
        if let Ok(Some(_)) = target.closest("table[data-table]") {
            self.traffic_table_click(slot, target);
        }
    }

    /// Saves a view as PNG (the canvas), SVG (drawn again for SVG) or CSV (its table).
    fn export(&self, slot: Slot, kind: &str) {
        let Some(canvas) = self.traffic_canvas(slot) else {
            return;
        };
        let base = format!("pcapscope-{}", slot.chart());
        match kind {
            "png" => {
                let name = format!("{base}.png");
                let cb = Closure::once_into_js(move |blob: JsValue| {
                    if blob.is_null() || blob.is_undefined() {
                        return;
                    }
                    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                        download(&doc, &blob, &name);
                    }
                });
                let _ = canvas.to_blob(cb.unchecked_ref());
            }
            "svg" => {
                let size = (
                    canvas.client_width().max(100) as u32,
                    canvas.client_height().max(100) as u32,
                );
                let opts = self.chart_options(1.0);
                let t = &self.traffic;
                let empty_world = WorldShapes::default();
                let world = match &t.world {
                    World::Ready(w) => w,
                    _ => &empty_world,
                };
                let svg = match slot {
                    Slot::Time => t
                        .heat
                        .as_ref()
                        .and_then(|h| heat_chart::svg_heatmap_time(h, &opts, size).ok()),
                    Slot::Matrix => t
                        .matrix
                        .as_ref()
                        .and_then(|m| heat_chart::svg_heatmap_matrix(m, &opts, size).ok()),
                    Slot::Graph => t.graph.as_ref().and_then(|g| {
                        let view = GraphView {
                            focus: None,
                            ..t.graph_view
                        };
                        graph_chart::svg_graph(g, &view, &opts, size).ok()
                    }),
                    Slot::Map => t
                        .geo
                        .as_ref()
                        .and_then(|v| map_chart::svg_map(v, world, &opts, size).ok()),
                };
                if let Some(blob) = svg.and_then(|(s, _)| text_blob(&s, "image/svg+xml")) {
                    download(&self.doc, &blob, &format!("{base}.svg"));
                }
            }
            "csv" => {
                let t = &self.traffic;
                let csv = match slot {
                    Slot::Time => t.heat.as_ref().map(HeatMap::csv),
                    Slot::Matrix => t.matrix.as_ref().map(Matrix::csv),
                    Slot::Graph => t.graph.as_ref().map(HostGraph::csv),
                    Slot::Map => t.geo.as_ref().map(GeoView::csv),
                };
                if let Some(blob) = csv.and_then(|c| text_blob(&c, "text/csv")) {
                    download(&self.doc, &blob, &format!("{base}.csv"));
                }
            }
            _ => {}
        }
    }
}

/// The country shapes from this site.
async fn fetch_world() -> Result<WorldShapes, String> {
    let failed = |e: JsValue| format!("the country shapes could not be loaded: {e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(window.fetch_with_str(WORLD_FILE))
        .await
        .map_err(failed)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(failed)?;
    if !resp.ok() {
        return Err(format!("{WORLD_FILE}: HTTP {}", resp.status()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(failed)?)
        .await
        .map_err(failed)?;
    WorldShapes::from_topojson(&js_sys::Uint8Array::new(&buf).to_vec()).map_err(|e| e.to_string())
}

/// The country shapes arrived (or could not): the map is drawn again with them.
fn with_world(result: Result<WorldShapes, String>) {
    super::with_app(|app| {
        match result {
            Ok(w) => app.traffic.world = World::Ready(w),
            Err(e) => {
                app.traffic.world = World::Failed;
                web_sys::console::error_1(&format!("pcapscope: {e}").into());
            }
        }
        if app.traffic.geo.is_some() {
            app.draw_slot(Slot::Map);
        }
    });
}

/// Whether `file` is a MaxMind database by its name.
pub(super) fn is_mmdb(file: &File) -> bool {
    file.name().to_ascii_lowercase().ends_with(".mmdb")
}

/// The section's listeners: visibility, canvases (hover, click, graph pan and zoom), the
/// controls, the tables, and a `.mmdb` dropped on the map or chosen.
pub(super) fn traffic_listeners(doc: &Document) {
    let Some(section) = doc.get_element_by_id("traffic") else {
        return;
    };
    observe_visibility(&section);
    if let Some(el) = doc.get_element_by_id("geo-shapes") {
        set_text(&el, WORLD_ATTRIBUTION);
    }
    super::with_app(|app| app.render_db_line());
    listen(&section, "click", |ev: MouseEvent| {
        if let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
            super::with_app(|app| app.traffic_click(&t));
        }
    });
    listen(&section, "keydown", |ev: KeyboardEvent| {
        if ev.key() != "Enter" {
            return;
        }
        if let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
            if t.tag_name().eq_ignore_ascii_case("tr") {
                ev.prevent_default();
                super::with_app(|app| app.traffic_click(&t));
            }
        }
    });
    listen(&section, "change", |ev: Event| {
        if let Some(t) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
            if t.get_attribute("data-traffic").is_some() {
                super::with_app(|app| app.traffic_control(&t));
            }
        }
    });
    for slot in Slot::ALL {
        let Ok(Some(el)) = doc.query_selector(&format!("canvas[data-chart={}]", slot.chart()))
        else {
            continue;
        };
        let Ok(canvas) = el.dyn_into::<HtmlCanvasElement>() else {
            continue;
        };
        let c = canvas.clone();
        listen(&canvas, "mousemove", move |ev: MouseEvent| {
            super::with_app(|app| {
                if slot == Slot::Graph {
                    app.graph_hover(&c, &ev);
                } else {
                    app.hover(&c, &ev);
                }
            });
        });
        listen(&canvas, "mouseleave", move |_: MouseEvent| {
            hide_tooltip();
            if slot == Slot::Graph {
                super::with_app(|app| {
                    if app.traffic.graph_view.focus.take().is_some() {
                        app.redraw_graph();
                    }
                });
            }
        });
        if slot == Slot::Graph {
            graph_listeners(&canvas);
        } else {
            listen(&canvas, "click", move |ev: MouseEvent| {
                let d = dpr();
                let (x, y) = (f64::from(ev.offset_x()) * d, f64::from(ev.offset_y()) * d);
                super::with_app(|app| app.traffic_chart_click(slot, x, y));
            });
        }
    }
    map_drop_listeners(doc);
}

fn graph_listeners(canvas: &HtmlCanvasElement) {
    // `wheel` is a MouseEvent with deltas (WheelEvent is not among the bindings built).
    listen(canvas, "wheel", |ev: MouseEvent| {
        let dy = js_sys::Reflect::get(&ev, &"deltaY".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        // Lines or pages rather than pixels.
        let mode = js_sys::Reflect::get(&ev, &"deltaMode".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        let dy = match mode as u32 {
            1 => dy * 16.0,
            2 => dy * 400.0,
            _ => dy,
        };
        ev.prevent_default();
        let (x, y) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        super::with_app(|app| app.graph_wheel(x, y, dy));
    });
    listen(canvas, "mousedown", |ev: MouseEvent| {
        if ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        super::with_app(|app| app.graph_press(x, y));
    });
    let Some(window) = web_sys::window() else {
        return;
    };
    listen(&window, "mousemove", |ev: MouseEvent| {
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        super::with_app(|app| app.graph_drag_to(x, y));
    });
    let c = canvas.clone();
    listen(&window, "mouseup", move |ev: MouseEvent| {
        super::with_app(|app| app.graph_release(&c, &ev));
    });
}

/// A `.mmdb` dropped on the map (never opened as a capture) or chosen with the picker.
fn map_drop_listeners(doc: &Document) {
    if let Some(input) = doc
        .query_selector("input[data-testid=geo-db-input]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
    {
        let inp = input.clone();
        listen(&input, "change", move |_: Event| {
            if let Some(file) = inp.files().and_then(|l| l.get(0)) {
                super::with_app(|app| app.use_geo_database(file));
            }
            inp.set_value("");
        });
    }
    let Some(fig) = doc.query_selector("figure[data-view=map]").ok().flatten() else {
        return;
    };
    let set_over = |on: bool| {
        if let Some(f) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("figure[data-view=map]").ok().flatten())
        {
            let _ = f.class_list().toggle_with_force("db-over", on);
        }
        if let Some(b) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = b.class_list().remove_1("dragging");
        }
    };
    listen(&fig, "dragover", move |ev: DragEvent| {
        ev.prevent_default();
        ev.stop_propagation();
        set_over(true);
    });
    listen(&fig, "dragleave", move |ev: DragEvent| {
        ev.stop_propagation();
        set_over(false);
    });
    listen(&fig, "drop", move |ev: DragEvent| {
        ev.prevent_default();
        ev.stop_propagation();
        set_over(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|l| l.get(0))
        {
            super::with_app(|app| app.use_geo_database(file));
        }
    });
}

/// Calls [`App::traffic_visible`] as the section enters or leaves the screen (200 px ahead).
fn observe_visibility(target: &Element) {
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"IntersectionObserver".into())
        .ok()
        .and_then(|c| c.dyn_into::<js_sys::Function>().ok());
    let Some(ctor) = ctor else {
        // No observer: the section counts as shown.
        super::with_app(|app| app.traffic_visible(true));
        return;
    };
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(|entries: js_sys::Array| {
        // One target: its latest entry is its state.
        let Some(last) = entries.iter().last() else {
            return;
        };
        let on = js_sys::Reflect::get(&last, &"isIntersecting".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        super::with_app(|app| app.traffic_visible(on));
    });
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"rootMargin".into(), &"200px 0px".into());
    let args = js_sys::Array::of2(cb.as_ref(), &opts);
    if let Ok(observer) = js_sys::Reflect::construct(&ctor, &args) {
        if let Some(observe) = js_sys::Reflect::get(&observer, &"observe".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = observe.call1(&observer, target);
        }
    }
    // The page's lifetime.
    cb.forget();
}
