//! The health part of the page: the view's TCP and DNS figures, the findings with their
//! "Show packets" action, and the detectors' thresholds, which the person may change.
//!
//! Everything is computed by the worker ([`crate::health`]): the page asks for the report of
//! the view it shows ([`ToWorker::Health`]) after every view request and whenever a threshold
//! changes, and only puts the answer on screen.

use super::{by_test_id, set_text, thousands, App};
use crate::health::detect::{Finding, FindingKind, Severity, Thresholds};
use crate::health::HealthReport;
use crate::render::{self, format, Chart, HealthChart, HealthView};
use crate::stats::Snapshot;
use crate::web::messages::ToWorker;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

/// Hosts named in a finding's row before "+N more".
const ROW_HOSTS: usize = 3;

/// The health pane's state.
#[derive(Debug, Default)]
pub(super) struct HealthPane {
    /// The thresholds the findings are made with.
    pub(super) thresholds: Thresholds,
    /// The report on screen.
    report: Option<HealthReport>,
}

/// People's name of a finding kind.
fn kind_label(k: FindingKind) -> &'static str {
    match k {
        FindingKind::PortScan => "Port scan",
        FindingKind::HostScan => "Host scan",
        FindingKind::BruteForce => "Brute force",
        FindingKind::FailedConnections => "Failed connections",
        FindingKind::Beaconing => "Beaconing",
        FindingKind::TrafficSpike => "Traffic spike",
        FindingKind::UnusualPort => "Unusual port",
        FindingKind::CleartextProtocol => "Cleartext protocol",
        FindingKind::Retransmissions => "Retransmissions",
        FindingKind::RttOutlier => "Slow handshakes",
        FindingKind::DnsFailures => "DNS failures",
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    }
}

/// A threshold's label and what it means, by its field name (unknown names show as they are).
fn threshold_label(name: &str) -> (String, &'static str) {
    let (label, help) = match name {
        "max_findings_per_kind" => ("Findings per kind", "at most this many rows of each kind"),
        "max_hosts" => ("Hosts per finding", "hosts named in one finding"),
        "spike_window" => (
            "Spike baseline (buckets)",
            "buckets the rolling baseline looks back",
        ),
        "spike_min_history" => (
            "Spike history (buckets)",
            "buckets needed before spikes count",
        ),
        "spike_z" => ("Spike z-score", "robust z-score a bucket must exceed"),
        "spike_min_ratio" => (
            "Spike ratio",
            "times the baseline median a bucket must exceed",
        ),
        "spike_min_packets" => ("Spike packets", "packets a spike bucket needs at least"),
        "beacon_min_intervals" => ("Beacon intervals", "regular intervals a beacon needs"),
        "beacon_min_period_s" => ("Beacon period (s)", "shortest period reported"),
        "beacon_max_jitter_ratio" => ("Beacon jitter", "largest jitter, as a share of the period"),
        "beacon_tolerance" => (
            "Beacon tolerance",
            "how far an interval may stray to be regular",
        ),
        "beacon_min_regular_share" => (
            "Beacon regularity",
            "share of intervals that must be regular",
        ),
        "port_min_packets" => (
            "Port packets",
            "packets a conversation needs to count for a port",
        ),
        "dns_bucket_min_failures" => (
            "DNS burst failures",
            "failed responses a burst bucket needs",
        ),
        "dns_min_failure_ratio" => ("DNS failure share", "share of responses that must fail"),
        "dns_min_failures" => (
            "DNS failures",
            "failures that make a finding without a burst",
        ),
        "port_scan_min_ports" => ("Port scan: ports", "ports of one host a client must try"),
        "host_scan_min_hosts" => ("Host scan: hosts", "hosts a client must try on one port"),
        "scan_min_failed_share" => (
            "Scan: failed share",
            "share of attempts that must fail (0-1)",
        ),
        "failed_connections_min" => ("Failed connections", "failed connections to one service"),
        "brute_force_min_connections" => {
            ("Brute force: connections", "connections to a login service")
        }
        "brute_force_min_connections_web" => {
            ("Brute force: web connections", "connections to a web port")
        }
        "brute_force_min_short_share" => (
            "Brute force: short share",
            "share that must be short or failed (0-1)",
        ),
        "brute_force_min_answered_share" => (
            "Brute force: answered share",
            "share whose handshake completed (0-1)",
        ),
        "brute_force_min_rate_per_min" => {
            ("Brute force: per minute", "connections a minute at least")
        }
        "retrans_min_data_frames" => (
            "Retransmissions: segments",
            "data segments a host pair needs",
        ),
        "retrans_min_count" => ("Retransmissions: count", "retransmitted segments at least"),
        "retrans_min_share" => (
            "Retransmissions: share",
            "share of segments retransmitted (0-1)",
        ),
        "rtt_outlier_factor" => ("Slow handshake: × median", "times the capture's median RTT"),
        "rtt_outlier_floor_ms" => ("Slow handshake: + ms", "ms above the median at least"),
        "rtt_outlier_min_samples" => ("Slow handshake: samples", "handshakes the capture needs"),
        "rtt_outlier_min_connections" => ("Slow handshake: count", "slow handshakes per server"),
        _ => ("", ""),
    };
    if label.is_empty() {
        (name.replace('_', " "), "")
    } else {
        (label.to_string(), help)
    }
}

/// Appends `child` to `parent`; `None` when there is no child or it could not be appended.
fn add(parent: &Element, child: Option<Element>) -> Option<Element> {
    let child = child?;
    parent.append_child(&child).ok()?;
    Some(child)
}

fn element(doc: &Document, tag: &str, class: Option<&str>, text: Option<&str>) -> Option<Element> {
    let el = doc.create_element(tag).ok()?;
    if let Some(c) = class {
        el.set_class_name(c);
    }
    if let Some(t) = text {
        el.set_text_content(Some(t));
    }
    Some(el)
}

/// Microseconds for people: "850 µs", "12.5 ms", "1.20 s".
fn micros(us: f64) -> String {
    if us < 1_000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

/// One figure of the health cards: name (`data-health`), label, value shown, the number behind
/// it, a detail line, and the filter a click applies.
struct Figure {
    name: &'static str,
    label: &'static str,
    value: String,
    number: Option<f64>,
    detail: String,
    filter: Option<&'static str>,
}

fn figures(r: &HealthReport) -> Vec<Figure> {
    let t = &r.tcp_analysis;
    let c = &t.connections;
    let d = &r.dns;
    let share = |n: u64| {
        if t.tcp_frames > 0 {
            format!(
                "{:.2}% of TCP frames",
                n as f64 * 100.0 / t.tcp_frames as f64
            )
        } else {
            "no TCP frames".to_string()
        }
    };
    let rtt = &t.handshake_rtt_us;
    let dns_time = d.response_time_us.as_ref();
    vec![
        Figure {
            name: "connections",
            label: "TCP connections",
            value: thousands(c.total),
            number: Some(c.total as f64),
            detail: format!(
                "{} completed · {} refused · {} unanswered",
                thousands(c.completed),
                thousands(c.refused),
                thousands(c.unanswered)
            ),
            filter: Some("tcp.flags.syn == 1 && tcp.flags.ack == 0"),
        },
        Figure {
            name: "handshake-rtt",
            label: "Handshake RTT (median)",
            value: rtt.median.map_or("–".into(), micros),
            number: rtt.median,
            detail: match (rtt.p95, rtt.samples) {
                (Some(p95), n) => {
                    format!("p95 {} · {} handshakes", micros(p95), thousands(n))
                }
                _ => "no completed handshake".into(),
            },
            filter: None,
        },
        Figure {
            name: "retransmissions",
            label: "Retransmissions",
            value: thousands(t.retransmissions),
            number: Some(t.retransmissions as f64),
            detail: share(t.retransmissions),
            filter: Some("tcp.analysis.retransmission"),
        },
        Figure {
            name: "duplicate-acks",
            label: "Duplicate ACKs",
            value: thousands(t.duplicate_acks),
            number: Some(t.duplicate_acks as f64),
            detail: share(t.duplicate_acks),
            filter: Some("tcp.analysis.duplicate_ack"),
        },
        Figure {
            name: "zero-windows",
            label: "Zero windows",
            value: thousands(t.zero_windows),
            number: Some(t.zero_windows as f64),
            detail: "receiver could take no more".into(),
            filter: Some("tcp.analysis.zero_window"),
        },
        Figure {
            name: "resets",
            label: "Resets",
            value: thousands(t.resets),
            number: Some(t.resets as f64),
            detail: "TCP frames with RST".into(),
            filter: Some("tcp.flags.reset == 1"),
        },
        Figure {
            name: "dns-queries",
            label: "DNS queries",
            value: thousands(d.queries),
            number: Some(d.queries as f64),
            detail: format!(
                "{} responses · {} unanswered",
                thousands(d.responses),
                thousands(d.unanswered)
            ),
            filter: Some("dns.flags.response == 0"),
        },
        Figure {
            name: "dns-failures",
            label: "DNS failures",
            value: thousands(d.failures),
            number: Some(d.failures as f64),
            detail: if d.rcodes.is_empty() {
                "no responses".into()
            } else {
                d.rcodes
                    .iter()
                    .filter(|(k, _)| k.as_str() != "NOERROR" && k.as_str() != "No error")
                    .map(|(k, v)| format!("{k} {}", thousands(*v)))
                    .collect::<Vec<_>>()
                    .join(" · ")
            },
            filter: Some("dns.flags.response == 1 && dns.flags.rcode != 0"),
        },
        Figure {
            name: "dns-time",
            label: "DNS response time (median)",
            value: dns_time.map(|p| p.median).map_or("–".into(), micros),
            number: dns_time.map(|p| p.median),
            detail: dns_time
                .map(|p| p.p95)
                .map_or("no answered query".into(), |p| format!("p95 {}", micros(p))),
            filter: None,
        },
    ]
}

impl App {
    /// Draws every health chart from the report on screen and the view's timeline, one chart
    /// per task (nothing before the first report).
    pub(super) fn draw_health_charts(&mut self) {
        if self.health.report.is_none() {
            return;
        }
        for chart in HealthChart::ALL {
            let chart = *chart;
            super::defer(move |app| app.draw_health_chart(chart));
        }
    }

    fn draw_health_chart(&mut self, chart: HealthChart) {
        let Some(report) = self.health.report.as_ref() else {
            return;
        };
        let empty = Snapshot::default();
        let snap = self.snapshot.as_ref().unwrap_or(&empty);
        let data =
            HealthView::new(report, &snap.timeline).with_time_zero(self.explore.reference_ns());
        // The retransmissions strip sits under the traffic chart, on its time axis.
        let axis = match chart {
            HealthChart::Retransmissions => self
                .layout(Chart::Timeline.name())
                .and_then(|l| l.time_axis),
            _ => None,
        };
        let layout = self.paint(chart.name(), |area, opts| {
            let drawn = match axis {
                Some(axis) => render::draw_retransmissions_aligned(area, &data, &axis, opts, 1.0),
                None => render::draw_health(chart, area, &data, opts),
            };
            drawn
                .map(|l| (l, render::health_text_alternative(chart, &data, opts)))
                .map_err(|e| e.to_string())
        });
        if let Some(l) = layout {
            self.set_layout(chart.name(), l);
        }
    }

    /// A click on a health chart: its mark's filter is added to the filter.
    pub(super) fn health_chart_click(&mut self, chart: HealthChart, x: f64, y: f64) {
        let Some(term) = self
            .layout(chart.name())
            .and_then(|l| l.hit(x, y))
            .and_then(|r| r.filter.clone())
        else {
            return;
        };
        let text = crate::filter::compose::and_term(&self.editable_filter(), &term);
        self.set_and_apply(text);
    }

    /// Asks the worker for the health report of view `view` with the current thresholds.
    pub(super) fn request_health(&self, view: u32) {
        if let Some(p) = by_test_id(&self.doc, "anomalies") {
            let _ = p.set_attribute("data-state", "pending");
        }
        self.post_to_worker(&ToWorker::Health {
            view,
            thresholds: Box::new(self.health.thresholds),
        });
    }

    /// The worker's report for view `view`.
    pub(super) fn on_health(&mut self, view: u32, report: HealthReport, elapsed_ms: f64) {
        if view != self.explore.requested() {
            return; // a later view is under way; its report follows
        }
        self.health.report = Some(report);
        self.render_health(elapsed_ms);
        self.draw_health_charts();
    }

    /// A new file is opening: forget the old report.
    pub(super) fn reset_health(&mut self) {
        self.health.report = None;
        self.render_health(0.0);
    }

    fn render_health(&self, elapsed_ms: f64) {
        let doc = &self.doc;
        let Some(panel) = by_test_id(doc, "anomalies") else {
            return;
        };
        let report = self.health.report.as_ref();
        if let Some(cards) = doc.get_element_by_id("health-cards") {
            cards.set_text_content(None);
            if let Some(r) = report {
                for f in figures(r) {
                    if let Some(card) = figure_card(doc, &f) {
                        let _ = cards.append_child(&card);
                    }
                }
            }
        }
        let Some(rows) = doc.get_element_by_id("anomaly-rows") else {
            return;
        };
        rows.set_text_content(None);
        let findings = report.map_or(&[][..], |r| &r.findings[..]);
        for f in findings {
            if let Some(row) = finding_row(doc, f, self.explore.reference_ns()) {
                let _ = rows.append_child(&row);
            }
        }
        let state = if report.is_some() { "ready" } else { "idle" };
        let _ = panel.set_attribute("data-state", state);
        let _ = panel.set_attribute("data-count", &findings.len().to_string());
        if let Some(empty) = self.el("anomalies-empty") {
            empty.set_hidden(report.is_none() || !findings.is_empty());
        }
        if let Some(note) = self.el("health-note") {
            let text = match report {
                None => String::new(),
                Some(_) if self.explore.filter.is_empty() => {
                    format!("Whole capture · {elapsed_ms:.0} ms")
                }
                Some(_) => format!(
                    "Figures follow the filter; findings are over the whole capture · {elapsed_ms:.0} ms"
                ),
            };
            set_text(&note, &text);
        }
    }

    /// Builds the thresholds form from the defaults (every field of [`Thresholds`]).
    pub(super) fn build_thresholds_form(&self) {
        let Some(form) = self.doc.get_element_by_id("thresholds-form") else {
            return;
        };
        form.set_text_content(None);
        let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self.health.thresholds)
        else {
            return;
        };
        for (name, value) in fields {
            let Some(n) = value.as_f64() else { continue };
            let (label, help) = threshold_label(&name);
            let Some(row) = element(&self.doc, "label", Some("threshold"), None) else {
                continue;
            };
            if let Some(l) = element(&self.doc, "span", Some("threshold-name"), Some(&label)) {
                if !help.is_empty() {
                    let _ = l.set_attribute("title", help);
                }
                let _ = row.append_child(&l);
            }
            let Ok(input) = self.doc.create_element("input") else {
                continue;
            };
            let _ = input.set_attribute("type", "number");
            let _ = input.set_attribute("step", "any");
            let _ = input.set_attribute("min", "0");
            let _ = input.set_attribute("data-threshold", &name);
            if let Ok(i) = input.clone().dyn_into::<HtmlInputElement>() {
                i.set_value(&n.to_string());
            }
            let _ = row.append_child(&input);
            let _ = form.append_child(&row);
        }
    }

    /// A threshold input changed: read them all and ask for a new report.
    pub(super) fn thresholds_changed(&mut self) {
        let Ok(list) = self
            .doc
            .query_selector_all("#thresholds-form [data-threshold]")
        else {
            return;
        };
        let mut map = serde_json::Map::new();
        for i in 0..list.length() {
            let Some(input) = list
                .item(i)
                .and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
            else {
                continue;
            };
            let name = input.get_attribute("data-threshold").unwrap_or_default();
            let v = input.value_as_number();
            if v.is_finite() && v >= 0.0 {
                // Integer fields take integers only.
                let num = if v.fract() == 0.0 && v <= 9.0e15 {
                    serde_json::Value::from(v as u64)
                } else {
                    serde_json::Value::from(v)
                };
                map.insert(name, num);
            }
        }
        let parsed: Result<Thresholds, _> = serde_json::from_value(serde_json::Value::Object(map));
        if let Ok(t) = parsed {
            self.health.thresholds = t.sanitized();
            self.request_health(self.explore.requested());
        }
    }

    /// Back to the default thresholds.
    pub(super) fn reset_thresholds(&mut self) {
        self.health.thresholds = Thresholds::default();
        self.build_thresholds_form();
        self.request_health(self.explore.requested());
    }

    /// A click in the health pane: "Show packets" on a finding or a figure applies its filter
    /// and brings the packet table into view.
    pub(super) fn health_click(&mut self, target: &Element) {
        let Ok(Some(button)) = target.closest("[data-filter]") else {
            return;
        };
        let Some(filter) = button.get_attribute("data-filter") else {
            return;
        };
        self.set_and_apply(filter);
        if let Some(t) = by_test_id(&self.doc, "packet-table") {
            t.scroll_into_view();
            let _ = t.focus();
        }
    }
}

fn figure_card(doc: &Document, f: &Figure) -> Option<Element> {
    let tag = if f.filter.is_some() { "button" } else { "div" };
    let card = element(doc, tag, Some("hcard"), None)?;
    let _ = card.set_attribute("data-health", f.name);
    if let Some(n) = f.number {
        let _ = card.set_attribute("data-value", &n.to_string());
    }
    if let Some(filter) = f.filter {
        let _ = card.set_attribute("type", "button");
        let _ = card.set_attribute("data-filter", filter);
        let _ = card.set_attribute("title", &format!("Show packets: {filter}"));
    }
    add(&card, element(doc, "div", Some("h-label"), Some(f.label)))?;
    add(&card, element(doc, "div", Some("h-value"), Some(&f.value)))?;
    add(
        &card,
        element(doc, "div", Some("h-detail"), Some(&f.detail)),
    )?;
    Some(card)
}

fn finding_row(doc: &Document, f: &Finding, reference_ns: Option<i64>) -> Option<Element> {
    let tr = doc.create_element("tr").ok()?;
    let _ = tr.set_attribute("data-anomaly", f.kind.name());
    let _ = tr.set_attribute("data-severity", severity_name(f.severity));
    let _ = tr.set_attribute("data-count", &f.count.to_string());
    let sev = element(doc, "td", None, None)?;
    add(
        &sev,
        element(
            doc,
            "span",
            Some(&format!("sev sev-{}", severity_name(f.severity))),
            Some(severity_name(f.severity)),
        ),
    )?;
    tr.append_child(&sev).ok()?;
    add(
        &tr,
        element(doc, "td", Some("kind"), Some(kind_label(f.kind))),
    )?;
    let mut hosts: Vec<String> = f
        .hosts
        .iter()
        .take(ROW_HOSTS)
        .map(|h| h.to_string())
        .collect();
    if f.hosts.len() > ROW_HOSTS {
        hosts.push(format!("+{} more", f.hosts.len() - ROW_HOSTS));
    }
    let hosts_td = element(doc, "td", Some("hosts"), Some(&hosts.join(", ")))?;
    let all: Vec<String> = f.hosts.iter().map(|h| h.to_string()).collect();
    let _ = hosts_td.set_attribute("title", &all.join("\n"));
    tr.append_child(&hosts_td).ok()?;
    add(
        &tr,
        element(doc, "td", Some("num"), Some(&thousands(f.count))),
    )?;
    let when = match (f.first_ns, f.last_ns, reference_ns) {
        (Some(a), Some(z), Some(r)) => format!(
            " (at {} – {} s)",
            format::seconds_fixed(a - r),
            format::seconds_fixed(z - r)
        ),
        _ => String::new(),
    };
    add(
        &tr,
        element(
            doc,
            "td",
            Some("what"),
            Some(&format!("{}{when}", f.summary)),
        ),
    )?;
    let action = element(doc, "td", None, None)?;
    if !f.filter.is_empty() {
        let b = element(doc, "button", Some("ghost small"), Some("Show packets"))?;
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("data-filter", &f.filter);
        let _ = b.set_attribute("data-testid", "show-packets");
        let _ = b.set_attribute("title", &f.filter);
        action.append_child(&b).ok()?;
    }
    tr.append_child(&action).ok()?;
    let _ = tr
        .clone()
        .dyn_into::<HtmlElement>()
        .map(|h| h.set_title(&f.filter));
    Some(tr)
}
