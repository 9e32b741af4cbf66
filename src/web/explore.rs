//! The packets part of the page: the display filter box, the virtualized packet table, the
//! packet details with their hex dump, brushing and clicking on charts, and the view kept in
//! the URL fragment.
//!
//! The worker owns the data: the table asks it for pages of rows of the current view, the
//! details pane for one packet, and applying a filter asks it for a new view (the aggregates
//! of the packets kept, which every chart and card then shows). The DOM holds one element per
//! visible row, whatever the number of packets.

use super::{by_test_id, set_text, App};
use crate::dissect::{Dissection, Node, NodeKind};
use crate::filter::{self, compose};
use crate::index::SortKey;
use crate::render::Chart;
use crate::web::messages::{encode, Row, ToWorker};
use std::collections::{HashMap, HashSet};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

/// Height of a table row, CSS px (matches `.prow` in style.css).
const ROW_H: f64 = 20.0;
/// Rows per request to the worker.
const PAGE: u64 = 100;
/// Rows kept in the page's cache; farther ones are dropped.
const CACHE_ROWS: usize = 4000;
/// Tallest scroll area the table makes (browsers cap element heights at some 17-33 million
/// px); beyond it scrolling maps proportionally onto the rows.
const MAX_SCROLL_PX: f64 = 8_000_000.0;
/// Bytes of a packet shown with highlighting in the hex pane (the rest is not shown).
const HEX_MAX: usize = 64 * 1024;

/// How the Time column shows a packet's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum TimeFormat {
    /// Seconds since the capture's first packet.
    #[default]
    Relative,
    /// Local time of day.
    Absolute,
    /// Seconds since the previous row shown.
    Delta,
}

impl TimeFormat {
    fn as_str(self) -> &'static str {
        match self {
            TimeFormat::Relative => "relative",
            TimeFormat::Absolute => "absolute",
            TimeFormat::Delta => "delta",
        }
    }

    fn parse(s: &str) -> TimeFormat {
        match s {
            "absolute" => TimeFormat::Absolute,
            "delta" => TimeFormat::Delta,
            _ => TimeFormat::Relative,
        }
    }
}

fn sort_name(k: SortKey) -> &'static str {
    match k {
        SortKey::Number => "number",
        SortKey::Time => "time",
        SortKey::Source => "source",
        SortKey::Destination => "destination",
        SortKey::Protocol => "protocol",
        SortKey::Length => "length",
    }
}

fn sort_parse(s: &str) -> Option<SortKey> {
    Some(match s {
        "number" => SortKey::Number,
        "time" => SortKey::Time,
        "source" => SortKey::Source,
        "destination" => SortKey::Destination,
        "protocol" => SortKey::Protocol,
        "length" => SortKey::Length,
        _ => return None,
    })
}

/// The packets part's state.
#[derive(Default)]
pub(super) struct Explore {
    /// Id of the last view asked for.
    requested: u32,
    /// Id of the view shown (its rows are what the cache holds).
    shown: Option<u32>,
    /// The filter of the view asked for / shown.
    pub(super) filter: String,
    sort: Option<SortKey>,
    descending: bool,
    time_format: TimeFormat,
    /// Rows in the shown view.
    len: u64,
    /// Packets in the capture.
    total: u64,
    /// The zero of relative times (the first frame's time).
    reference_ns: Option<i64>,
    /// Rows of the shown view by position; the previous row's time for delta times.
    rows: HashMap<u64, Row>,
    prev_ts: HashMap<u64, i64>,
    /// Pages asked for and not answered.
    pending: HashSet<u64>,
    /// Selected position in the view, and its frame number.
    selected: Option<(u64, u64)>,
    /// The details shown: frame number, tree, bytes.
    detail: Option<(u64, Dissection, Vec<u8>)>,
    /// Selected node's byte range and filter.
    node: Option<(u32, u32, Option<String>)>,
    /// Where a drag across the timeline started (CSS px from the canvas's left edge).
    pub(super) brush_from: Option<f64>,
}

impl Explore {
    /// Id of the last view asked for.
    pub(super) fn requested(&self) -> u32 {
        self.requested
    }

    /// The zero of relative times (the first frame's time), once a view is shown.
    pub(super) fn reference_ns(&self) -> Option<i64> {
        self.reference_ns
    }
}

impl App {
    /// The worker refused the view (its filter does not compile there).
    pub(super) fn view_rejected(&self, message: &str) {
        if let Some(e) = self.el("filter-error") {
            set_text(&e, message);
            e.set_hidden(false);
        }
        if let Some(c) = by_test_id(&self.doc, "view-count") {
            set_text(&c, "");
            let _ = c.set_attribute("data-state", "error");
        }
    }

    pub(super) fn post_to_worker(&self, msg: &ToWorker) {
        let Some(job) = self.job.as_ref() else { return };
        let envelope = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&envelope, &"msg".into(), &JsValue::from_str(&encode(msg)));
        let _ = job.w.worker.post_message(&envelope);
    }

    pub(super) fn el(&self, id: &str) -> Option<HtmlElement> {
        self.doc
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into().ok())
    }

    fn filter_input(&self) -> Option<HtmlInputElement> {
        self.doc
            .get_element_by_id("filter")
            .and_then(|e| e.dyn_into().ok())
    }

    /// Restores filter, sort and time format from the URL fragment (`#filter=...&sort=...`).
    pub(super) fn read_fragment(&mut self) {
        let hash = self.window.location().hash().unwrap_or_default();
        let mut filter = String::new();
        let mut sort = None;
        let mut desc = false;
        let mut time = TimeFormat::Relative;
        for part in hash.trim_start_matches('#').split('&') {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let v: String = js_sys::decode_uri_component(v)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            match k {
                "filter" => filter = v,
                "sort" => sort = sort_parse(&v),
                "order" => desc = v == "desc",
                "time" => time = TimeFormat::parse(&v),
                _ => {}
            }
        }
        self.explore.filter = filter.clone();
        self.explore.sort = sort;
        self.explore.descending = desc;
        self.explore.time_format = time;
        if let Some(input) = self.filter_input() {
            input.set_value(&filter);
        }
        if let Some(sel) = self
            .doc
            .get_element_by_id("time-format")
            .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
        {
            sel.set_value(time.as_str());
        }
        self.check_filter();
        self.show_sort();
    }

    /// Writes filter, sort and time format into the URL fragment (no packet data).
    fn write_fragment(&self) {
        let e = &self.explore;
        let mut parts = Vec::new();
        if !e.filter.is_empty() {
            parts.push(format!(
                "filter={}",
                String::from(js_sys::encode_uri_component(&e.filter))
            ));
        }
        if let Some(k) = e.sort.filter(|k| *k != SortKey::Number || e.descending) {
            parts.push(format!("sort={}", sort_name(k)));
            if e.descending {
                parts.push("order=desc".into());
            }
        }
        if e.time_format != TimeFormat::Relative {
            parts.push(format!("time={}", e.time_format.as_str()));
        }
        let hash = if parts.is_empty() {
            // Keep the path, drop the fragment.
            self.window.location().pathname().unwrap_or_default()
        } else {
            format!("#{}", parts.join("&"))
        };
        if let Ok(h) = self.window.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&hash));
        }
    }

    /// Validates the filter box as the person types: the error and the column it points at.
    pub(super) fn check_filter(&self) -> bool {
        let Some(input) = self.filter_input() else {
            return false;
        };
        let text = input.value();
        let err = self.el("filter-error");
        match filter::compile(&text) {
            Ok(_) => {
                let _ = input.set_attribute(
                    "data-valid",
                    if text.trim().is_empty() { "" } else { "true" },
                );
                let _ = input.set_attribute("aria-invalid", "false");
                if let Some(e) = err {
                    set_text(&e, "");
                    e.set_hidden(true);
                }
                true
            }
            Err(fe) => {
                let _ = input.set_attribute("data-valid", "false");
                let _ = input.set_attribute("aria-invalid", "true");
                if let Some(e) = err {
                    // The text, and a caret under the column the error points at.
                    let caret = " ".repeat(fe.column.saturating_sub(1));
                    set_text(&e, &format!("{text}\n{caret}^ {}", fe));
                    let _ = e.set_attribute("data-column", &fe.column.to_string());
                    e.set_hidden(false);
                }
                false
            }
        }
    }

    /// Applies the filter box's text (Enter / Apply), if it compiles.
    pub(super) fn apply_filter_box(&mut self) {
        if !self.check_filter() {
            return;
        }
        let text = self
            .filter_input()
            .map(|i| i.value().trim().to_string())
            .unwrap_or_default();
        self.apply_filter(text);
    }

    /// Puts `text` in the filter box and applies it.
    pub(super) fn set_and_apply(&mut self, text: String) {
        if let Some(input) = self.filter_input() {
            input.set_value(&text);
        }
        self.apply_filter_box();
    }

    fn apply_filter(&mut self, text: String) {
        self.explore.filter = text;
        self.write_fragment();
        self.request_view();
    }

    /// Asks the worker for the view of the current filter and sort (after a file is read, and
    /// whenever either changes).
    pub(super) fn request_view(&mut self) {
        if self.job.is_none() {
            return;
        }
        self.explore.requested += 1;
        let e = &self.explore;
        let msg = ToWorker::View {
            id: e.requested,
            filter: e.filter.clone(),
            sort: e.sort.unwrap_or(SortKey::Number),
            descending: e.descending,
        };
        if let Some(c) = by_test_id(&self.doc, "view-count") {
            let _ = c.set_attribute("data-state", "pending");
            set_text(&c, "Filtering …");
        }
        self.post_to_worker(&msg);
        // The worker answers in order: the view, then its health report.
        self.request_health(self.explore.requested);
    }

    /// The worker's answer to a view request: new aggregates, count and table.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_view(
        &mut self,
        id: u32,
        filter: String,
        matched: u64,
        total: u64,
        reference_ns: Option<i64>,
        snapshot: crate::stats::Snapshot,
        elapsed_ms: f64,
    ) {
        if id != self.explore.requested {
            return; // a later request is under way
        }
        let e = &mut self.explore;
        e.shown = Some(id);
        e.len = matched;
        e.total = total;
        e.reference_ns = reference_ns;
        e.rows.clear();
        e.prev_ts.clear();
        e.pending.clear();
        e.selected = None;
        self.snapshot = Some(snapshot);
        self.render_summary();
        self.draw_charts();
        if let Some(c) = by_test_id(&self.doc, "view-count") {
            let text = if filter.is_empty() {
                format!("{} packets", super::thousands(total))
            } else {
                format!(
                    "Showing {} of {} packets ({:.0} ms)",
                    super::thousands(matched),
                    super::thousands(total),
                    elapsed_ms
                )
            };
            set_text(&c, &text);
            let _ = c.set_attribute("data-matched", &matched.to_string());
            let _ = c.set_attribute("data-total", &total.to_string());
            let _ = c.set_attribute("data-filter", &filter);
            let _ = c.set_attribute("data-state", "ready");
        }
        if let Some(v) = self.el("table-viewport") {
            v.set_scroll_top(0);
        }
        self.layout_table();
        self.render_rows();
    }

    /// The worker's rows of the shown view.
    pub(super) fn on_rows(&mut self, view: u32, start: u64, rows: Vec<Row>, prev: Option<i64>) {
        if Some(view) != self.explore.shown {
            return;
        }
        let e = &mut self.explore;
        e.pending.remove(&(start / PAGE));
        if let Some(p) = prev {
            e.prev_ts.insert(start, p);
        }
        let mut last_ts = prev;
        for (i, r) in rows.into_iter().enumerate() {
            let pos = start + i as u64;
            if let Some(t) = last_ts {
                e.prev_ts.insert(pos, t);
            }
            last_ts = Some(r.ts_ns);
            e.rows.insert(pos, r);
        }
        self.render_rows();
    }

    /// Sets the scroll area's height for the view's rows.
    fn layout_table(&self) {
        let len = self.explore.len;
        if let Some(s) = self.el("table-spacer") {
            let h = (len as f64 * ROW_H).min(MAX_SCROLL_PX);
            let _ = s.style().set_property("height", &format!("{h}px"));
        }
        if let Ok(Some(t)) = self.doc.query_selector("[data-testid=packet-table]") {
            let _ = t.set_attribute("aria-rowcount", &len.to_string());
            let _ = t.set_attribute("data-rows", &len.to_string());
        }
        if let Some(empty) = self.el("table-empty") {
            let text = if self.explore.shown.is_none() {
                "Open a capture to see its packets."
            } else {
                "No packet matches the filter."
            };
            set_text(&empty, text);
        }
    }

    /// Number of rows that fit in the viewport, and the viewport's height.
    fn viewport_rows(&self) -> (u64, f64) {
        let h = self
            .el("table-viewport")
            .map_or(400.0, |v| f64::from(v.client_height()));
        (((h / ROW_H).ceil() as u64).max(1), h)
    }

    /// The first row shown and its pixel offset, from the scroll position.
    fn first_row(&self) -> (u64, f64) {
        let len = self.explore.len;
        let Some(v) = self.el("table-viewport") else {
            return (0, 0.0);
        };
        let st = f64::from(v.scroll_top()).max(0.0);
        let (rows, h) = self.viewport_rows();
        if len as f64 * ROW_H <= MAX_SCROLL_PX {
            ((st / ROW_H).floor() as u64, st % ROW_H)
        } else {
            let max_scroll = (MAX_SCROLL_PX - h).max(1.0);
            let span = len.saturating_sub(rows.saturating_sub(1)) as f64;
            (((st / max_scroll).min(1.0) * span).floor() as u64, 0.0)
        }
    }

    /// Scrolls so that row `pos` is visible.
    fn scroll_to(&self, pos: u64) {
        let Some(v) = self.el("table-viewport") else {
            return;
        };
        let len = self.explore.len;
        let (rows, h) = self.viewport_rows();
        let (first, _) = self.first_row();
        let full = rows.saturating_sub(1).max(1);
        if pos >= first && pos < first + full {
            return;
        }
        let top_row = if pos < first {
            pos
        } else {
            (pos + 1).saturating_sub(full)
        };
        let st = if len as f64 * ROW_H <= MAX_SCROLL_PX {
            if pos < first {
                top_row as f64 * ROW_H
            } else {
                (pos + 1) as f64 * ROW_H - h
            }
        } else {
            let max_scroll = (MAX_SCROLL_PX - h).max(1.0);
            let span = len.saturating_sub(rows.saturating_sub(1)).max(1) as f64;
            top_row as f64 / span * max_scroll
        };
        v.set_scroll_top(st.max(0.0).ceil() as i32);
    }

    /// Draws the visible rows from the cache, asking the worker for missing pages.
    pub(super) fn render_rows(&mut self) {
        let Some(container) = self.el("table-rows") else {
            return;
        };
        let (first, offset) = self.first_row();
        let (rows, _) = self.viewport_rows();
        let len = self.explore.len;
        let want = (rows + 1).min(len.saturating_sub(first));
        // Keep one element per visible row.
        let have = container.child_element_count() as u64;
        for _ in have..want {
            if let Some(r) = self.new_row_element() {
                let _ = container.append_child(&r);
            }
        }
        while u64::from(container.child_element_count()) > want {
            if let Some(last) = container.last_element_child() {
                last.remove();
            }
        }
        let _ = container
            .style()
            .set_property("transform", &format!("translateY({}px)", -offset));
        let children = container.children();
        let mut missing = Vec::new();
        for i in 0..want {
            let pos = first + i;
            let Some(el) = children.item(i as u32) else {
                continue;
            };
            match self.explore.rows.get(&pos) {
                Some(row) => self.fill_row(&el, pos, row),
                None => {
                    missing.push(pos / PAGE);
                    let _ = el.set_attribute("class", "prow loading");
                    let _ = el.remove_attribute("data-row");
                    let _ = el.remove_attribute("data-color");
                    let _ = el.set_attribute("aria-selected", "false");
                    let _ = el.set_attribute("data-pos", &pos.to_string());
                    for (k, c) in cells(&el).iter().enumerate() {
                        set_text(c, if k == 0 { "…" } else { "" });
                    }
                }
            }
        }
        // Ask for missing pages, and the next one ahead.
        if want > 0 {
            missing.push((first + want) / PAGE);
        }
        missing.sort_unstable();
        missing.dedup();
        for page in missing {
            self.request_page(page);
        }
        self.trim_cache(first);
    }

    fn request_page(&mut self, page: u64) {
        let start = page * PAGE;
        let Some(view) = self.explore.shown else {
            return;
        };
        if start >= self.explore.len
            || self.explore.pending.contains(&page)
            || self.explore.rows.contains_key(&start)
                && self
                    .explore
                    .rows
                    .contains_key(&(start + PAGE - 1).min(self.explore.len - 1))
        {
            return;
        }
        self.explore.pending.insert(page);
        self.post_to_worker(&ToWorker::Rows {
            view,
            start,
            count: PAGE as u32,
        });
    }

    fn trim_cache(&mut self, first: u64) {
        let e = &mut self.explore;
        if e.rows.len() <= CACHE_ROWS {
            return;
        }
        let keep = CACHE_ROWS as u64 / 2;
        e.rows
            .retain(|&p, _| p + keep >= first && p <= first + keep);
        e.prev_ts
            .retain(|&p, _| p + keep >= first && p <= first + keep);
    }

    fn new_row_element(&self) -> Option<Element> {
        let r = self.doc.create_element("div").ok()?;
        let _ = r.set_attribute("class", "prow");
        let _ = r.set_attribute("role", "row");
        for class in [
            "c-no", "c-time", "c-src", "c-dst", "c-proto", "c-len", "c-info",
        ] {
            let c = self.doc.create_element("span").ok()?;
            let _ = c.set_attribute("class", class);
            let _ = c.set_attribute("role", "gridcell");
            let _ = r.append_child(&c);
        }
        Some(r)
    }

    fn fill_row(&self, el: &Element, pos: u64, row: &Row) {
        let e = &self.explore;
        let _ = el.set_attribute("class", "prow");
        let _ = el.set_attribute("data-row", &row.number.to_string());
        let _ = el.set_attribute("data-pos", &pos.to_string());
        let color = serde_json::to_value(row.color)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = el.set_attribute("data-color", &color);
        let selected = e.selected.is_some_and(|(p, _)| p == pos);
        let _ = el.set_attribute("aria-selected", if selected { "true" } else { "false" });
        let time = match e.time_format {
            TimeFormat::Relative => e
                .reference_ns
                .map(|r| crate::render::format::seconds_fixed(row.ts_ns - r))
                .unwrap_or_default(),
            TimeFormat::Absolute => crate::render::format::time_of_day(
                row.ts_ns,
                super::tz_offset_s(),
                crate::render::format::TimePrecision::Micros,
            ),
            TimeFormat::Delta => e
                .prev_ts
                .get(&pos)
                .map(|p| crate::render::format::seconds_fixed(row.ts_ns - p))
                .unwrap_or_else(|| {
                    if pos == 0 {
                        crate::render::format::seconds_fixed(0)
                    } else {
                        String::new()
                    }
                }),
        };
        let texts = [
            row.number.to_string(),
            time,
            row.source.clone(),
            row.destination.clone(),
            row.protocol.clone(),
            row.length.to_string(),
            row.info.clone(),
        ];
        for (c, t) in cells(el).iter().zip(texts.iter()) {
            set_text(c, t);
            let _ = c.set_attribute("title", t);
        }
    }

    /// Selects row `pos` of the view: highlights it, scrolls to it, asks for its details.
    pub(super) fn select_row(&mut self, pos: u64) {
        let len = self.explore.len;
        if len == 0 {
            return;
        }
        let pos = pos.min(len - 1);
        let number = self.explore.rows.get(&pos).map(|r| r.number);
        self.explore.selected = Some((pos, number.unwrap_or(0)));
        self.scroll_to(pos);
        self.render_rows();
        if let Some(n) = number {
            self.request_detail(n);
        }
    }

    fn request_detail(&mut self, number: u64) {
        if self.explore.detail.as_ref().map(|d| d.0) == Some(number) {
            return;
        }
        if let Some(t) = self.el("detail-title") {
            set_text(&t, &format!("Packet {} …", super::thousands(number)));
        }
        self.post_to_worker(&ToWorker::Detail { number });
    }

    /// Keyboard in the table: arrows, page up/down, home, end.
    pub(super) fn table_key(&mut self, key: &str) -> bool {
        let len = self.explore.len;
        if len == 0 {
            return false;
        }
        let (rows, _) = self.viewport_rows();
        let page = rows.saturating_sub(1).max(1);
        let cur = self.explore.selected.map(|(p, _)| p);
        let next = match (key, cur) {
            ("ArrowDown", Some(p)) => p + 1,
            ("ArrowUp", Some(p)) => p.saturating_sub(1),
            ("ArrowDown" | "ArrowUp", None) => self.first_row().0,
            ("PageDown", p) => p.unwrap_or(0) + page,
            ("PageUp", p) => p.unwrap_or(0).saturating_sub(page),
            ("Home", _) => 0,
            ("End", _) => len - 1,
            _ => return false,
        };
        self.select_row(next.min(len - 1));
        true
    }

    /// A click in the table: selects the row under it.
    pub(super) fn table_click(&mut self, target: &Element) {
        let row = target.closest(".prow").ok().flatten();
        if let Some(pos) = row
            .and_then(|r| r.get_attribute("data-pos"))
            .and_then(|p| p.parse::<u64>().ok())
        {
            self.select_row(pos);
        }
    }

    /// Rows arrived for the selected position that had none: fetch its details now.
    pub(super) fn after_rows(&mut self) {
        if let Some((pos, 0)) = self.explore.selected {
            if let Some(n) = self.explore.rows.get(&pos).map(|r| r.number) {
                self.explore.selected = Some((pos, n));
                self.request_detail(n);
            }
        }
    }

    /// Header click: sort by that column; again: reverse.
    pub(super) fn sort_by(&mut self, key: SortKey) {
        let e = &mut self.explore;
        if e.sort == Some(key) || (e.sort.is_none() && key == SortKey::Number) {
            e.descending = !e.descending;
        } else {
            e.sort = Some(key);
            e.descending = false;
        }
        self.show_sort();
        self.write_fragment();
        self.request_view();
    }

    fn show_sort(&self) {
        let key = self.explore.sort.unwrap_or(SortKey::Number);
        let Ok(list) = self.doc.query_selector_all(".thead [data-sort]") else {
            return;
        };
        for i in 0..list.length() {
            let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let this = el.get_attribute("data-sort").and_then(|s| sort_parse(&s));
            let v = match (this == Some(key), self.explore.descending) {
                (true, false) => "ascending",
                (true, true) => "descending",
                _ => "none",
            };
            let _ = el.set_attribute("aria-sort", v);
        }
    }

    pub(super) fn set_time_format(&mut self, f: &str) {
        self.explore.time_format = TimeFormat::parse(f);
        self.write_fragment();
        self.render_rows();
    }

    /// The worker's details of one packet.
    pub(super) fn on_detail(
        &mut self,
        number: u64,
        dissection: Dissection,
        hex: &str,
        error: Option<String>,
    ) {
        if self.explore.selected.is_some_and(|(_, n)| n != number) {
            return; // the selection moved on
        }
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .filter_map(|i| {
                hex.get(2 * i..2 * i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        if let Some(t) = self.el("detail-title") {
            let text = match &error {
                Some(e) => e.clone(),
                None => format!(
                    "Packet {} — {} bytes captured",
                    super::thousands(number),
                    super::thousands(bytes.len() as u64)
                ),
            };
            set_text(&t, &text);
        }
        if let Some(tree) = self.el("detail-tree") {
            tree.set_text_content(None);
            for layer in &dissection.layers {
                if let Some(n) = self.tree_node(layer) {
                    let _ = tree.append_child(&n);
                }
            }
            let _ = tree.set_attribute("data-number", &number.to_string());
        }
        self.explore.node = None;
        self.explore.detail = Some((number, dissection, bytes));
        self.render_hex();
        if let Some(b) = self
            .el("copy-filter")
            .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
        {
            b.set_disabled(true);
        }
        if let Ok(Some(d)) = self.doc.query_selector("[data-testid=packet-detail]") {
            let _ = d.set_attribute("data-number", &number.to_string());
        }
    }

    /// One line of the tree: `<details>` for a node with children, a `<div>` for a leaf.
    fn tree_node(&self, n: &Node) -> Option<Element> {
        let label = n.label();
        let line = if n.children.is_empty() {
            let d = self.doc.create_element("div").ok()?;
            d.set_class_name("leaf");
            set_text(&d, &label);
            d
        } else {
            let det = self.doc.create_element("details").ok()?;
            let sum = self.doc.create_element("summary").ok()?;
            set_text(&sum, &label);
            let _ = det.append_child(&sum);
            for c in &n.children {
                if let Some(ce) = self.tree_node(c) {
                    let _ = det.append_child(&ce);
                }
            }
            det
        };
        let target = if n.children.is_empty() {
            line.clone()
        } else {
            line.first_element_child()?
        };
        let _ = target.set_attribute("data-start", &n.start.to_string());
        let _ = target.set_attribute("data-end", &n.end.to_string());
        let _ = target.set_attribute("role", "treeitem");
        if let Some(f) = &n.filter {
            let _ = target.set_attribute("data-filter", f);
        }
        if n.kind == NodeKind::Expert {
            let _ = target.class_list().add_1("expert");
        }
        Some(line)
    }

    /// A click in the tree: selects the line, highlights its bytes, offers its filter.
    pub(super) fn tree_click(&mut self, target: &Element) {
        let Some(line) = target.closest("[data-start]").ok().flatten() else {
            return;
        };
        if let Ok(list) = self.doc.query_selector_all("#detail-tree [data-selected]") {
            for i in 0..list.length() {
                if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let _ = e.remove_attribute("data-selected");
                }
            }
        }
        let _ = line.set_attribute("data-selected", "true");
        let num = |a: &str| {
            line.get_attribute(a)
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        };
        let filter = line.get_attribute("data-filter");
        if let Some(b) = self
            .el("copy-filter")
            .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
        {
            b.set_disabled(filter.is_none());
            let _ = b.set_attribute(
                "title",
                filter.as_deref().unwrap_or("No filter for this line"),
            );
        }
        self.explore.node = Some((num("data-start"), num("data-end"), filter));
        self.render_hex();
    }

    /// "Copy as filter": the selected line's filter into the filter box, ready to apply.
    pub(super) fn copy_filter(&mut self) {
        let Some((_, _, Some(f))) = self.explore.node.clone() else {
            return;
        };
        if let Some(input) = self.filter_input() {
            input.set_value(&f);
            let _ = input.focus();
        }
        self.check_filter();
    }

    /// The hex + ASCII dump, with the selected line's bytes marked.
    fn render_hex(&self) {
        let Some(pane) = self.el("detail-hex") else {
            return;
        };
        pane.set_text_content(None);
        let Some((_, _, bytes)) = &self.explore.detail else {
            return;
        };
        let (lo, hi) = self
            .explore
            .node
            .as_ref()
            .map_or((0, 0), |(s, e, _)| (*s as usize, *e as usize));
        let shown = bytes.get(..bytes.len().min(HEX_MAX)).unwrap_or(&[]);
        for (row, chunk) in shown.chunks(16).enumerate() {
            let base = row * 16;
            let line = match self.doc.create_element("div") {
                Ok(l) => l,
                Err(_) => return,
            };
            append_span(&self.doc, &line, &format!("{base:04x}  "), Some("off"));
            // Hex, then ASCII, each with the selected bytes in <mark>.
            let hex_of = |b: &u8| format!("{b:02x}");
            let ascii_of = |b: &u8| {
                if b.is_ascii_graphic() || *b == b' ' {
                    char::from(*b).to_string()
                } else {
                    ".".into()
                }
            };
            for (sep, pad, f) in [
                (" ", true, &hex_of as &dyn Fn(&u8) -> String),
                ("", false, &ascii_of as &dyn Fn(&u8) -> String),
            ] {
                let mut run = String::new();
                let mut run_marked = false;
                for (i, b) in chunk.iter().enumerate() {
                    let at = base + i;
                    let marked = at >= lo && at < hi;
                    if marked != run_marked && !run.is_empty() {
                        append_span(&self.doc, &line, &run, run_marked.then_some("mark"));
                        run.clear();
                    }
                    run_marked = marked;
                    run.push_str(&f(b));
                    if !sep.is_empty() && i + 1 < chunk.len() {
                        if i == 7 {
                            run.push(' ');
                        }
                        run.push_str(sep);
                    }
                }
                if !run.is_empty() {
                    append_span(&self.doc, &line, &run, run_marked.then_some("mark"));
                }
                if pad {
                    let missing = 16 - chunk.len();
                    let width = missing * 3 + usize::from(chunk.len() <= 8) + 2;
                    append_span(&self.doc, &line, &" ".repeat(width), None);
                }
            }
            let _ = pane.append_child(&line);
        }
        if bytes.len() > HEX_MAX {
            let more = self.doc.create_element("div").ok();
            if let Some(m) = more {
                set_text(
                    &m,
                    &format!("… {} more bytes not shown", bytes.len() - HEX_MAX),
                );
                let _ = pane.append_child(&m);
            }
        }
    }

    /// A click on a chart: a bar adds its term to the filter; a timeline column sets the time
    /// window to its bucket.
    pub(super) fn chart_click(&mut self, chart: Chart, x: f64, y: f64) {
        let Some(region) = self.layout(chart.name()).and_then(|l| l.hit(x, y)).cloned() else {
            return;
        };
        let base = self.editable_filter();
        let text = match (chart, region.time_ns, region.filter) {
            (Chart::Timeline, Some((a, z)), _) => {
                let Some(r) = self.explore.reference_ns else {
                    return;
                };
                // The bucket is [a, z): its last nanosecond is z - 1.
                compose::set_time_window(
                    &base,
                    &compose::time_window((a - r) as f64 / 1e9, (z - 1 - r) as f64 / 1e9),
                )
            }
            (_, _, Some(term)) => compose::and_term(&base, &term),
            _ => return,
        };
        self.set_and_apply(text);
    }

    /// A drag across the timeline from `x0` to `x1` (backend px): the time window between.
    pub(super) fn brush(&mut self, x0: f64, x1: f64) {
        let Some(axis) = self
            .layout(Chart::Timeline.name())
            .and_then(|l| l.time_axis)
        else {
            return;
        };
        let Some(r) = self.explore.reference_ns else {
            return;
        };
        let a = (axis.time_at(x0.min(x1)) - r) as f64 / 1e9;
        let b = (axis.time_at(x0.max(x1)) - r) as f64 / 1e9;
        let base = self.editable_filter();
        let text = compose::set_time_window(&base, &compose::time_window(a, b));
        self.set_and_apply(text);
    }

    /// The text a click or drag builds on: the box's text when it compiles, else the filter
    /// applied.
    pub(super) fn editable_filter(&self) -> String {
        let boxed = self.filter_input().map(|i| i.value()).unwrap_or_default();
        if filter::compile(&boxed).is_ok() {
            boxed
        } else {
            self.explore.filter.clone()
        }
    }

    /// Clear: no filter, no time window.
    pub(super) fn clear_filter(&mut self) {
        self.set_and_apply(String::new());
    }

    /// A new file is opening: forget the old one's rows and details.
    pub(super) fn reset_explore(&mut self) {
        let e = &mut self.explore;
        e.shown = None;
        e.len = 0;
        e.rows.clear();
        e.prev_ts.clear();
        e.pending.clear();
        e.selected = None;
        e.detail = None;
        e.node = None;
        e.reference_ns = None;
        if let Some(t) = self.el("detail-tree") {
            t.set_text_content(None);
        }
        if let Some(t) = self.el("detail-hex") {
            t.set_text_content(None);
        }
        if let Some(t) = self.el("detail-title") {
            set_text(&t, "No packet selected");
        }
        if let Some(c) = by_test_id(&self.doc, "view-count") {
            set_text(&c, "");
            let _ = c.remove_attribute("data-state");
        }
        self.layout_table();
        self.render_rows();
    }
}

fn cells(row: &Element) -> Vec<Element> {
    let list = row.children();
    (0..list.length()).filter_map(|i| list.item(i)).collect()
}

fn append_span(doc: &Document, parent: &Element, text: &str, class: Option<&str>) {
    let tag = if class == Some("mark") {
        "mark"
    } else {
        "span"
    };
    if let Ok(s) = doc.create_element(tag) {
        if let Some(c) = class.filter(|c| *c != "mark") {
            s.set_class_name(c);
        }
        set_text(&s, text);
        let _ = parent.append_child(&s);
    }
}
