//! Ranked horizontal charts: one row per address, protocol or port, longest first. Talkers,
//! protocols and ports are bars; destinations are a lollipop (stem and dot), so the two host
//! charts side by side are told apart at a glance.

use super::common::TOO_SMALL;
use super::format::{self, ByteUnit};
use super::services::port_label;
use super::theme::Rgb;
use super::{
    value_ticks, Chart, ChartOptions, DrawResult, Ellipsis, Font, HitRegion, Painter, Rect, NO_IP,
    NO_PACKETS, NO_TCP_UDP, PAD,
};
use crate::stats::{Endpoint, Snapshot};
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Bar,
    Lollipop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// Bytes; the axis says `"{0} (MiB)"`.
    Bytes(&'static str),
    /// Frames.
    Frames,
}

impl Measure {
    fn value_label(self, v: u64) -> String {
        match self {
            Measure::Bytes(_) => format::bytes(v),
            Measure::Frames => format::thousands(v),
        }
    }
}

#[derive(Debug, Clone)]
struct Row {
    label: String,
    ellipsis: Ellipsis,
    value: u64,
    color: Rgb,
    hover: String,
    filter: Option<String>,
}

struct Spec {
    chart: Chart,
    rows: Vec<Row>,
    measure: Measure,
    mark: Mark,
    empty: &'static str,
}

/// A display-filter field for an address: `ip.src` or `ipv6.src`.
fn addr_field(addr: &IpAddr, dir: &str) -> String {
    match addr {
        IpAddr::V4(_) => format!("ip.{dir}"),
        IpAddr::V6(_) => format!("ipv6.{dir}"),
    }
}

fn no_hosts(snap: &Snapshot) -> &'static str {
    if snap.summary.packets == 0 {
        NO_PACKETS
    } else {
        NO_IP
    }
}

fn talker_rows(snap: &Snapshot, opts: &ChartOptions) -> Vec<Row> {
    let take = opts.top_n.max(1);
    snap.top_sources
        .iter()
        .filter(|e| e.traffic.tx_packets > 0)
        .take(take)
        .map(|e: &Endpoint| Row {
            label: e.addr.to_string(),
            ellipsis: Ellipsis::Middle,
            value: e.traffic.tx_bytes,
            color: opts.theme.accent,
            hover: format!(
                "{} — {} sent ({} frames)",
                e.addr,
                format::bytes(e.traffic.tx_bytes),
                format::thousands(e.traffic.tx_packets)
            ),
            filter: Some(format!("{} == {}", addr_field(&e.addr, "src"), e.addr)),
        })
        .collect()
}

fn destination_rows(snap: &Snapshot, opts: &ChartOptions) -> Vec<Row> {
    let take = opts.top_n.max(1);
    snap.top_destinations
        .iter()
        .filter(|e| e.traffic.rx_packets > 0)
        .take(take)
        .map(|e| Row {
            label: e.addr.to_string(),
            ellipsis: Ellipsis::Middle,
            value: e.traffic.rx_bytes,
            color: opts.theme.accent,
            hover: format!(
                "{} — {} received ({} frames)",
                e.addr,
                format::bytes(e.traffic.rx_bytes),
                format::thousands(e.traffic.rx_packets)
            ),
            filter: Some(format!("{} == {}", addr_field(&e.addr, "dst"), e.addr)),
        })
        .collect()
}

/// How the protocols chart names a protocol (`"ipv4"` → `"IPv4"`).
pub fn protocol_label(name: &str) -> String {
    let s = match name {
        "ethernet" => "Ethernet",
        "vlan" => "VLAN",
        "mpls" => "MPLS",
        "ppp" => "PPP",
        "pppoe" => "PPPoE",
        "sll" => "Linux SLL",
        "wlan" => "802.11",
        "llc" => "LLC",
        "arp" => "ARP",
        "ipv4" => "IPv4",
        "ipv6" => "IPv6",
        "icmp" => "ICMP",
        "icmpv6" => "ICMPv6",
        "tcp" => "TCP",
        "udp" => "UDP",
        "gre" => "GRE",
        "vxlan" => "VXLAN",
        "teredo" => "Teredo",
        "dns" => "DNS",
        "mdns" => "mDNS",
        "llmnr" => "LLMNR",
        "dhcp" => "DHCP",
        "dhcpv6" => "DHCPv6",
        "http" => "HTTP",
        "tls" => "TLS",
        "quic" => "QUIC",
        "ntp" => "NTP",
        "ssh" => "SSH",
        "smb" => "SMB",
        "netbios" => "NetBIOS",
        "ssdp" => "SSDP",
        "snmp" => "SNMP",
        "syslog" => "Syslog",
        "ftp" => "FTP",
        "telnet" => "Telnet",
        "smtp" => "SMTP",
        "pop3" => "POP3",
        "imap" => "IMAP",
        "ldap" => "LDAP",
        "rpc" => "ONC RPC",
        "igmp" => "IGMP",
        "sctp" => "SCTP",
        "nflog" => "NFLOG",
        "chdlc" => "Cisco HDLC",
        "null" => "BSD loopback",
        "stp" => "STP",
        "kerberos" => "Kerberos",
        "sip" => "SIP",
        "rdp" => "RDP",
        "ipsec" => "IPsec",
        "ospf" => "OSPF",
        "vrrp" => "VRRP",
        "ip_fragment" => "IP fragment",
        "socks" => "SOCKS",
        "vntag" => "VN-Tag",
        "eapol" => "EAPOL",
        other => return other.to_uppercase(),
    };
    s.to_string()
}

/// The display filter that selects frames carrying a protocol (Wireshark's names).
fn protocol_filter(name: &str) -> Option<String> {
    match name {
        "ethernet" => Some("eth".to_string()),
        "ipv4" => Some("ip".to_string()),
        "ip_fragment" => None,
        other => Some(other.to_string()),
    }
}

fn protocol_rows(snap: &Snapshot, opts: &ChartOptions) -> Vec<Row> {
    let mut v: Vec<_> = snap.protocols.iter().filter(|p| p.packets > 0).collect();
    v.sort_by(|a, b| {
        b.packets
            .cmp(&a.packets)
            .then_with(|| a.proto.cmp(&b.proto))
    });
    let total = snap.summary.packets;
    v.into_iter()
        .map(|p| {
            let label = protocol_label(&p.proto);
            Row {
                hover: format!(
                    "{label} — {} frames ({}) · {}",
                    format::thousands(p.packets),
                    format::percent(p.packets, total),
                    format::bytes(p.bytes)
                ),
                label,
                ellipsis: Ellipsis::End,
                value: p.packets,
                color: opts.theme.protocol_color(&p.proto),
                filter: protocol_filter(&p.proto),
            }
        })
        .collect()
}

fn port_rows(snap: &Snapshot, opts: &ChartOptions) -> Vec<Row> {
    snap.ports
        .iter()
        .filter(|p| p.count.packets > 0)
        .take(opts.top_n.max(1))
        .map(|p| {
            let label = port_label(p.proto, p.port);
            let transport = if p.proto == 17 { "udp" } else { "tcp" };
            Row {
                hover: format!(
                    "{label} — {} ({} frames)",
                    format::bytes(p.count.bytes),
                    format::thousands(p.count.packets)
                ),
                label,
                ellipsis: Ellipsis::End,
                value: p.count.bytes,
                color: opts.theme.transport_color(p.proto),
                filter: Some(format!("{transport}.port == {}", p.port)),
            }
        })
        .collect()
}

fn spec(chart: Chart, snap: &Snapshot, opts: &ChartOptions) -> Spec {
    match chart {
        Chart::Talkers => Spec {
            chart,
            rows: talker_rows(snap, opts),
            measure: Measure::Bytes("bytes sent"),
            mark: Mark::Bar,
            empty: no_hosts(snap),
        },
        Chart::Destinations => Spec {
            chart,
            rows: destination_rows(snap, opts),
            measure: Measure::Bytes("bytes received"),
            mark: Mark::Lollipop,
            empty: no_hosts(snap),
        },
        Chart::Protocols => Spec {
            chart,
            rows: protocol_rows(snap, opts),
            measure: Measure::Frames,
            mark: Mark::Bar,
            empty: NO_PACKETS,
        },
        _ => Spec {
            chart: Chart::Ports,
            rows: port_rows(snap, opts),
            measure: Measure::Bytes("bytes"),
            mark: Mark::Bar,
            empty: if snap.summary.packets == 0 {
                NO_PACKETS
            } else {
                NO_TCP_UDP
            },
        },
    }
}

/// Draws one of the ranked charts (talkers, destinations, protocols, ports).
pub(super) fn ranked<DB: DrawingBackend>(
    chart: Chart,
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
    text_scale: f64,
) -> DrawResult<DB> {
    draw_ranked(area, opts, &spec(chart, snap, opts), text_scale)
}

/// Top sources by bytes sent: horizontal bars labelled with the address (long IPv6 addresses
/// shortened in the middle) and the bytes at each bar's end.
pub fn draw_talkers<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    ranked(Chart::Talkers, area, snap, opts, 1.0)
}

/// Top destinations by bytes received: a horizontal lollipop chart.
pub fn draw_destinations<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    ranked(Chart::Destinations, area, snap, opts, 1.0)
}

/// Frames in which each protocol appears: every non-zero protocol (as many as fit) by frames
/// descending, each in its protocol colour.
pub fn draw_protocols<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    ranked(Chart::Protocols, area, snap, opts, 1.0)
}

/// Top TCP/UDP service ports by bytes, labelled `tcp/443 (https)`, coloured by transport.
pub fn draw_ports<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &Snapshot,
    opts: &ChartOptions,
) -> DrawResult<DB> {
    ranked(Chart::Ports, area, snap, opts, 1.0)
}

fn draw_ranked<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    opts: &ChartOptions,
    spec: &Spec,
    text_scale: f64,
) -> DrawResult<DB> {
    let p = Painter::new(area, opts, text_scale);
    let t = p.theme;
    let top = p.begin(spec.chart.title())?;
    if spec.rows.is_empty() {
        return p.empty(top, spec.empty);
    }
    let pad = p.px(PAD);
    let small_h = p.line_h(Font::Small);
    let rows_top = top + p.px(2.0);
    // Below the rows: tick labels, then the axis title.
    let bottom = p.h - pad - small_h - p.px(2.0) - small_h - p.px(4.0);
    let avail = bottom - rows_top;
    let n_fit = (avail / p.px(20.0)).floor().max(0.0) as usize;
    let n = spec.rows.len().min(n_fit);
    if n == 0 {
        return p.empty(top, TOO_SMALL);
    }
    let rows = &spec.rows[..n];
    let row_h = (avail / n as f64).min(p.px(36.0));
    let max_v = rows.iter().map(|r| r.value).max().unwrap_or(0).max(1);

    let gap = p.px(6.0);
    let dot_r = p.px(4.5);
    let value_w = p.widest(
        rows.iter().map(|r| spec.measure.value_label(r.value)),
        Font::Body,
    ) + gap
        + if spec.mark == Mark::Lollipop {
            dot_r
        } else {
            0.0
        };

    // Labels take what they need, up to 38 % of the width, and less if the plot would get
    // narrower than 40 px.
    let min_plot = p.px(40.0);
    let label_room = (p.w * 0.38)
        .min(p.w - 2.0 * pad - value_w - min_plot - gap)
        .max(0.0);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| p.fit(&r.label, label_room, Font::Body, r.ellipsis))
        .collect();
    let label_w = p.widest(&labels, Font::Body);
    let x0 = pad + label_w + gap;
    let x1 = (p.w - pad - value_w).max(x0 + 1.0);

    let (unit_factor, integer) = match spec.measure {
        Measure::Bytes(_) => {
            let u = ByteUnit::for_value(max_v as f64);
            (u.factor(), u == ByteUnit::B)
        }
        Measure::Frames => (1.0, true),
    };
    let ticks = value_ticks(max_v as f64 / unit_factor, x1 - x0, integer, &|labels| {
        p.widest(labels, Font::Small) + p.px(14.0)
    });
    let scale = |v: u64| x0 + (v as f64 / unit_factor) / ticks.top * (x1 - x0);
    let rows_bottom = rows_top + row_h * n as f64;

    // Grid and tick labels.
    for (v, label) in ticks.values.iter().zip(&ticks.labels) {
        let x = x0 + v / ticks.top * (x1 - x0);
        if *v > 0.0 {
            p.line(&[(x, rows_top), (x, rows_bottom)], t.grid, 1.0)?;
        }
        p.x_label(label, x, rows_bottom + p.px(4.0))?;
    }
    p.line(&[(x0, rows_top), (x0, rows_bottom)], t.axis, 1.0)?;

    let mut layout = p.layout(Rect {
        x0,
        y0: rows_top,
        x1,
        y1: rows_bottom,
    });
    for (i, (row, label)) in rows.iter().zip(&labels).enumerate() {
        let y0 = rows_top + row_h * i as f64;
        let yc = y0 + row_h / 2.0;
        p.text(
            label,
            (x0 - gap, yc),
            Font::Body,
            t.text,
            HPos::Right,
            VPos::Center,
        )?;
        let xv = scale(row.value).max(x0 + p.px(1.0));
        let end = match spec.mark {
            Mark::Bar => {
                let bh = (row_h * 0.66).min(p.px(22.0));
                p.rect(x0, yc - bh / 2.0, xv, yc + bh / 2.0, row.color)?;
                xv
            }
            Mark::Lollipop => {
                p.line(&[(x0, yc), (xv, yc)], row.color, 2.0)?;
                p.circle(xv, yc, dot_r, row.color)?;
                xv + dot_r
            }
        };
        let value = spec.measure.value_label(row.value);
        p.text(
            &value,
            (end + gap, yc),
            Font::Body,
            t.text,
            HPos::Left,
            VPos::Center,
        )?;
        layout.hits.push(HitRegion {
            x0: 0.0,
            y0,
            x1: p.w,
            y1: y0 + row_h,
            label: row.hover.clone(),
            filter: row.filter.clone(),
            time_ns: None,
        });
    }

    let mut axis_title = match spec.measure {
        Measure::Bytes(what) => {
            format!("{what} ({})", ByteUnit::for_value(max_v as f64).symbol())
        }
        Measure::Frames => "frames".to_string(),
    };
    if n < spec.rows.len() {
        axis_title.push_str(&format!(" · top {n} of {} shown", spec.rows.len()));
    }
    let ty = rows_bottom + p.px(4.0) + small_h + p.px(2.0);
    p.axis_title(&axis_title, (x0, x1), ty, true)?;
    Ok(layout)
}

pub(super) fn text_alternative(chart: Chart, snap: &Snapshot, opts: &ChartOptions) -> String {
    let spec = spec(chart, snap, opts);
    if spec.rows.is_empty() {
        return format!("{}: {}.", chart.title(), spec.empty);
    }
    let intro = match chart {
        Chart::Talkers => "Top sources by bytes sent".to_string(),
        Chart::Destinations => "Top destinations by bytes received".to_string(),
        Chart::Protocols => format!(
            "Frames containing each protocol (of {} frames)",
            format::thousands(snap.summary.packets)
        ),
        _ => "Top TCP/UDP service ports by bytes".to_string(),
    };
    let items: Vec<String> = spec
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}. {}", i + 1, r.hover))
        .collect();
    format!("{intro}: {}.", items.join("; "))
}
