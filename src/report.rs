//! The `pcapscope stats --json` document (see CONTRACTS.md section 2), shared by the native
//! binary and the page's "export summary as JSON".

use crate::analyze::Analysis;
use crate::decode::Proto;
use crate::stats::{addr_cmp, Snapshot};
use serde_json::{json, Map, Number, Value};

/// Protocols reported under `protocols`, with their names in the report; these are always
/// present (0 when absent), followed by every other protocol seen.
const CONTRACT_PROTOCOLS: &[Proto] = &[
    Proto::Ethernet,
    Proto::Arp,
    Proto::Ipv4,
    Proto::Ipv6,
    Proto::Tcp,
    Proto::Udp,
    Proto::Icmp,
    Proto::Icmpv6,
    Proto::Dns,
];

/// Formats nanoseconds since the epoch as decimal seconds with all nine digits
/// (`1270661369.782934000`), exactly, with no float rounding.
pub fn epoch_seconds(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    format!("{sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000)
}

fn exact_time(ns: Option<i64>) -> Value {
    match ns {
        // With serde_json's arbitrary_precision, a Number parsed from text keeps every digit.
        Some(ns) => epoch_seconds(ns)
            .parse::<Number>()
            .map_or(Value::Null, Value::Number),
        None => Value::Null,
    }
}

/// The protocol counts object: the contract's protocols first, then any other seen.
fn protocols(s: &Snapshot) -> Value {
    let mut m = Map::new();
    for p in CONTRACT_PROTOCOLS {
        m.insert(p.name().to_string(), json!(s.protocol_packets(*p)));
    }
    for c in &s.protocols {
        if c.packets > 0 && !m.contains_key(&c.proto) {
            m.insert(c.proto.clone(), json!(c.packets));
        }
    }
    Value::Object(m)
}

/// The whole `stats --json` document for an analysis.
pub fn stats_json(a: &Analysis) -> Value {
    let s = &a.snapshot;
    let mut convs = s.ip_conversations.clone();
    convs.sort_by(|x, y| {
        y.traffic
            .bytes()
            .cmp(&x.traffic.bytes())
            .then_with(|| y.traffic.packets().cmp(&x.traffic.packets()))
            .then_with(|| addr_cmp(&x.a, &y.a))
            .then_with(|| addr_cmp(&x.b, &y.b))
    });
    let ip_conversations: Vec<Value> = convs
        .iter()
        .map(|c| {
            json!({
                "a": c.a.to_string(),
                "b": c.b.to_string(),
                "packets": c.traffic.packets(),
                "bytes": c.traffic.bytes(),
                "packets_a_to_b": c.traffic.packets_ab,
                "bytes_a_to_b": c.traffic.bytes_ab,
                "packets_b_to_a": c.traffic.packets_ba,
                "bytes_b_to_a": c.traffic.bytes_ba,
                "first_time": exact_time((c.traffic.first_ns <= c.traffic.last_ns).then_some(c.traffic.first_ns)),
                "last_time": exact_time((c.traffic.first_ns <= c.traffic.last_ns).then_some(c.traffic.last_ns)),
            })
        })
        .collect();
    let error = match &a.error {
        Some(e) => json!({
            "offset": e.offset,
            "packet": e.frame,
            "message": e.to_string(),
        }),
        None => Value::Null,
    };
    let m = &s.summary.malformed;
    let mut doc = json!({
        "format": a.format.as_str(),
        "gzip": a.gzip,
        "link_types": a.link_types,
        "packets": s.summary.packets,
        "bytes": s.summary.bytes,
        "captured_bytes": s.summary.captured_bytes,
        "first_time": exact_time(s.summary.first_ns),
        "last_time": exact_time(s.summary.last_ns),
        "duration": exact_time(Some(s.summary.duration_ns())),
        "protocols": protocols(s),
        "malformed": {
            "link": m.link, "network": m.network, "transport": m.transport, "application": m.application,
        },
        "ip_conversations": ip_conversations,
        "ip_conversations_other": s.ip_conversations_other.map(|t| json!({"packets": t.packets(), "bytes": t.bytes()})),
        "complete": a.error.is_none(),
        "error": error,
    });
    // The health analyses, when the engine ran them (CONTRACTS.md: tcp_analysis, dns,
    // findings). The chart series (`HealthReport::series`, up to a few MiB of per-frame
    // events) are for the page's charts and are left out.
    if let (Some(h), Some(obj)) = (
        a.engine
            .health(&a.snapshot, &crate::health::detect::Thresholds::default()),
        doc.as_object_mut(),
    ) {
        for (key, value) in [
            ("tcp_analysis", serde_json::to_value(&h.tcp_analysis)),
            ("dns", serde_json::to_value(&h.dns)),
            ("findings", serde_json::to_value(&h.findings)),
        ] {
            if let Ok(v) = value {
                obj.insert(key.into(), v);
            }
        }
    }
    doc
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn health_objects_without_the_chart_series() {
        let a = crate::health::testing::analyzed(include_bytes!(
            "../fixtures/ssh-brute-force-ethernet.pcap"
        ));
        let doc = stats_json(&a);
        let obj = doc.as_object().unwrap();
        for key in ["tcp_analysis", "dns", "findings"] {
            assert!(obj.contains_key(key), "{key}");
        }
        assert!(!obj.contains_key("series"));
        assert!(!doc.to_string().contains("\"rtt_us\""));
        let kinds: Vec<&str> = obj["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["kind"].as_str())
            .collect();
        assert!(kinds.contains(&"brute-force"), "{kinds:?}");
        assert_eq!(obj["tcp_analysis"]["connections"]["completed"], 30);
    }

    #[test]
    fn epoch_seconds_is_exact() {
        assert_eq!(
            epoch_seconds(1_270_661_369_782_934_000),
            "1270661369.782934000"
        );
        assert_eq!(epoch_seconds(5), "0.000000005");
        assert_eq!(epoch_seconds(-1_500_000_000), "-1.500000000");
        assert_eq!(
            exact_time(Some(1_270_661_369_782_934_001)).to_string(),
            "1270661369.782934001"
        );
    }
}
