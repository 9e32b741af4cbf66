//! The `pcapscope stats` command as a user runs it: output shape and exit statuses
//! (CONTRACTS.md section 2).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pcapscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pcapscope"))
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pcapscope-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A little-endian microsecond pcap with Ethernet frames of `sizes` bytes each.
fn pcap(sizes: &[u32]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&65535u32.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    for (i, len) in sizes.iter().enumerate() {
        v.extend_from_slice(&(1_600_000_000u32 + i as u32).to_le_bytes());
        v.extend_from_slice(&250_000u32.to_le_bytes());
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(&len.to_le_bytes());
        v.extend(std::iter::repeat_n(0xabu8, *len as usize));
    }
    v
}

fn run_json(path: &Path) -> (i32, Value) {
    let out = pcapscope()
        .args(["stats", "--json"])
        .arg(path)
        .output()
        .unwrap();
    let code = out.status.code().expect("exited by signal");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, doc)
}

#[test]
fn clean_file_exits_0_with_the_contract_fields() {
    let p = temp_file("three.pcap", &pcap(&[60, 70, 80]));
    let (code, doc) = run_json(&p);
    assert_eq!(code, 0);
    assert_eq!(doc["format"], "pcap");
    assert_eq!(doc["link_types"], serde_json::json!([1]));
    assert_eq!(doc["packets"], 3);
    assert_eq!(doc["bytes"], 210);
    assert_eq!(doc["captured_bytes"], 210);
    assert_eq!(doc["first_time"].to_string(), "1600000000.250000000");
    assert_eq!(doc["last_time"].to_string(), "1600000002.250000000");
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["error"], Value::Null);
    for k in [
        "ethernet", "arp", "ipv4", "ipv6", "tcp", "udp", "icmp", "icmpv6", "dns",
    ] {
        assert!(doc["protocols"][k].is_u64(), "protocols.{k} missing");
    }
    assert!(doc["ip_conversations"].is_array());
}

#[test]
fn truncated_file_exits_1_and_keeps_what_came_before() {
    let mut bytes = pcap(&[60, 70, 80]);
    bytes.truncate(bytes.len() - 10);
    let p = temp_file("truncated.pcap", &bytes);
    let (code, doc) = run_json(&p);
    assert_eq!(code, 1);
    assert_eq!(doc["packets"], 2);
    assert_eq!(doc["complete"], false);
    // The third record header starts after the file header and two records.
    assert_eq!(doc["error"]["offset"], 24 + (16 + 60) + (16 + 70));
    assert_eq!(doc["error"]["packet"], 3);
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cut short"));
}

#[test]
fn not_a_capture_exits_2() {
    let p = temp_file(
        "notes.txt",
        b"these are not the packets you are looking for\n",
    );
    let out = pcapscope()
        .args(["stats", "--json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a pcap"));
    let missing = pcapscope()
        .args(["stats"])
        .arg(p.with_extension("nope"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn human_readable_table() {
    let p = temp_file("table.pcap", &pcap(&[60; 1200]));
    let out = pcapscope().arg("stats").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Packets:       1,200"), "{text}");
    assert!(text.contains("Format:        pcap"), "{text}");
}

#[test]
fn a_display_filter_counts_only_the_packets_it_keeps() {
    let p = temp_file("filtered.pcap", &pcap(&[60, 70, 80, 1200]));
    let out = pcapscope()
        .args([
            "stats",
            "--json",
            "-Y",
            "frame.len > 65 && frame.number != 4",
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["packets"], 2);
    assert_eq!(doc["bytes"], 150);
    // A filter that does not compile: exit 2 and the column, before any reading.
    let out = pcapscope()
        .args(["stats", "--json", "-Y", "frame.len >"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("column 12"), "{err}");
}

#[test]
fn stats_json_has_tcp_analysis_dns_and_findings() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/syn-scan-ethernet.pcap");
    let (code, doc) = run_json(&fixture);
    assert_eq!(code, 0);
    let t = &doc["tcp_analysis"];
    // The generator's ground truth: 50 ports, 42 refused, 5 unanswered (SYN sent twice).
    assert_eq!(t["connections"]["refused"], 42);
    assert_eq!(t["connections"]["unanswered"], 5);
    assert_eq!(t["retransmissions"], 5);
    assert!(doc["dns"]["queries"].is_u64());
    assert!(doc["dns"]["rcodes"].is_object());
    let findings = doc["findings"].as_array().unwrap();
    let scan = findings
        .iter()
        .find(|f| f["kind"] == "port-scan")
        .expect("the scan is found");
    assert_eq!(scan["count"], 50);
    assert!(scan["severity"].is_string() && scan["hosts"].is_array());
}
