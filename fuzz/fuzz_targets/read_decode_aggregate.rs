//! Arbitrary bytes through the whole `pcapscope stats` path: reader (pcap, pcapng, gzip),
//! decoder, aggregates, the packet index, the JSON report and a top-N snapshot.
//!
//! Any panic, hang or runaway allocation is a bug: damage must end reading with a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcapscope::analyze::{analyze_with, Options};

fuzz_target!(|data: &[u8]| {
    let options = Options {
        index: true,
        ..Default::default()
    };
    // Err means "not a capture / cannot start": fine, as long as it did not panic.
    let Ok(analysis) = analyze_with(data, options) else {
        return;
    };
    let doc = pcapscope::report::stats_json(&analysis);
    // The document must always serialize.
    let _ = doc.to_string();
    let top = analysis.engine.snapshot(Some(10));
    // Cutting tables to a top N keeps the summary whole.
    assert_eq!(top.summary.packets, analysis.snapshot.summary.packets);
    if let Some(index) = analysis.engine.index() {
        assert_eq!(index.len() as u64, analysis.snapshot.summary.packets);
    }
});
