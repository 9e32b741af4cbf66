//! Human-readable tables for `pcapscope stats`.

use pcapscope::analyze::Analysis;
use pcapscope::report::epoch_seconds;
use pcapscope::stats::Snapshot;
use std::fmt::Write;
use std::path::Path;

/// Groups digits by thousands: 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Binary units for sizes: 1536 -> "1.5 KiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Decimal units for rates: 1_500_000 bit/s -> "1.50 Mbit/s".
pub fn bit_rate(bits_per_s: f64) -> String {
    const UNITS: [&str; 5] = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
    let mut v = bits_per_s;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.2} {}", UNITS[u])
}

fn summary(out: &mut String, file: &Path, a: &Analysis) {
    let s = &a.snapshot.summary;
    let secs = s.duration_ns() as f64 / 1e9;
    let _ = writeln!(out, "File:          {}", file.display());
    let _ = writeln!(
        out,
        "Format:        {}{}",
        a.format.as_str(),
        if a.gzip { " (gzip-compressed)" } else { "" }
    );
    let links: Vec<String> = a.link_types.iter().map(|l| l.to_string()).collect();
    let _ = writeln!(out, "Link types:    {}", links.join(", "));
    let _ = writeln!(out, "Packets:       {}", thousands(s.packets));
    let _ = writeln!(
        out,
        "Bytes:         {} ({})",
        thousands(s.bytes),
        bytes(s.bytes)
    );
    let _ = writeln!(
        out,
        "Captured:      {} ({})",
        thousands(s.captured_bytes),
        bytes(s.captured_bytes)
    );
    if let (Some(f), Some(l)) = (s.first_ns, s.last_ns) {
        let _ = writeln!(out, "First packet:  {} (epoch s)", epoch_seconds(f));
        let _ = writeln!(out, "Last packet:   {} (epoch s)", epoch_seconds(l));
    }
    let _ = writeln!(out, "Duration:      {secs:.6} s");
    if secs > 0.0 {
        let _ = writeln!(
            out,
            "Average rate:  {}, {:.1} packets/s",
            bit_rate(s.bytes as f64 * 8.0 / secs),
            s.packets as f64 / secs
        );
    }
    let m = &s.malformed;
    let bad = m.link + m.network + m.transport + m.application;
    if bad > 0 {
        let _ = writeln!(
            out,
            "Malformed:     {} frames (link {}, network {}, transport {}, application {})",
            thousands(bad),
            m.link,
            m.network,
            m.transport,
            m.application
        );
    }
    match &a.error {
        Some(e) => {
            let _ = writeln!(out, "Complete:      no: {e}");
        }
        None => {
            let _ = writeln!(out, "Complete:      yes");
        }
    }
}

fn protocols(out: &mut String, s: &Snapshot) {
    let _ = writeln!(out, "\nProtocols (frames in which each appears)");
    let _ = writeln!(out, "  {:<14} {:>12} {:>14}", "protocol", "frames", "bytes");
    for p in s.protocols.iter().filter(|p| p.packets > 0) {
        let _ = writeln!(
            out,
            "  {:<14} {:>12} {:>14}",
            p.proto,
            thousands(p.packets),
            thousands(p.bytes)
        );
    }
}

fn conversations(out: &mut String, s: &Snapshot, top: usize) {
    let _ = writeln!(
        out,
        "\nIP conversations ({} in all), top {top} by bytes",
        s.ip_conversations.len()
    );
    let _ = writeln!(
        out,
        "  {:<40} {:<40} {:>10} {:>14}",
        "address A", "address B", "frames", "bytes"
    );
    for c in s.ip_conversations.iter().take(top) {
        let _ = writeln!(
            out,
            "  {:<40} {:<40} {:>10} {:>14}",
            c.a.to_string(),
            c.b.to_string(),
            thousands(c.traffic.packets()),
            thousands(c.traffic.bytes())
        );
    }
}

fn endpoints(out: &mut String, s: &Snapshot, top: usize) {
    let _ = writeln!(out, "\nTop {top} endpoints by bytes");
    let _ = writeln!(
        out,
        "  {:<40} {:>10} {:>14} {:>14}",
        "address", "frames", "bytes sent", "bytes recv"
    );
    for e in s.endpoints.iter().take(top) {
        let _ = writeln!(
            out,
            "  {:<40} {:>10} {:>14} {:>14}",
            e.addr.to_string(),
            thousands(e.traffic.packets()),
            thousands(e.traffic.tx_bytes),
            thousands(e.traffic.rx_bytes)
        );
    }
}

fn ports(out: &mut String, s: &Snapshot, top: usize) {
    let _ = writeln!(out, "\nTop {top} service ports by bytes");
    let _ = writeln!(out, "  {:<10} {:>10} {:>14}", "port", "frames", "bytes");
    for p in s.ports.iter().take(top) {
        let proto = match p.proto {
            6 => "tcp",
            17 => "udp",
            _ => "?",
        };
        let _ = writeln!(
            out,
            "  {:<10} {:>10} {:>14}",
            format!("{proto}/{}", p.port),
            thousands(p.count.packets),
            thousands(p.count.bytes)
        );
    }
}

fn sizes(out: &mut String, s: &Snapshot) {
    let _ = writeln!(out, "\nPacket sizes (original length)");
    for b in &s.sizes {
        let range = if b.hi == u32::MAX {
            format!("{}+", b.lo)
        } else {
            format!("{}-{}", b.lo, b.hi)
        };
        let _ = writeln!(out, "  {:<12} {:>12}", range, thousands(b.count.packets));
    }
}

/// The whole human-readable report.
pub fn stats_table(file: &Path, a: &Analysis, top: usize) -> String {
    let mut out = String::new();
    summary(&mut out, file, a);
    protocols(&mut out, &a.snapshot);
    conversations(&mut out, &a.snapshot, top);
    endpoints(&mut out, &a.snapshot, top);
    ports(&mut out, &a.snapshot, top);
    sizes(&mut out, &a.snapshot);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_reading() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bit_rate(1_500_000.0), "1.50 Mbit/s");
    }
}
