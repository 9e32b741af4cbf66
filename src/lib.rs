//! # pcapscope — the engine
//!
//! Everything the page and the native `pcapscope` binary show is computed here, in plain Rust
//! that runs natively (and is tested with `cargo test`) and in a Web Worker as WebAssembly.
//!
//! The data path is one streaming pass:
//!
//! ```text
//! bytes ──capture::Reader──▶ Frame ──decode::Decoder──▶ PacketRecord ──▶ stats::Aggregator ──▶ Snapshot
//!                                                                  └──▶ index::PacketIndex
//! ```
//!
//! Which API for what:
//!
//! - Read a capture from any [`std::io::Read`] (pcap, pcapng, gzip-compressed either):
//!   [`capture::Reader`]. It never needs the whole file, and a damaged file ends with a typed
//!   [`capture::CaptureError`] that names the byte offset and frame number, after every frame
//!   before the damage was yielded.
//! - Write captures (fixtures, the capture companion): [`capture::write`].
//! - Turn one frame into a fixed-size, heap-free summary: [`decode::Decoder::decode`], giving a
//!   [`decode::PacketRecord`].
//! - Aggregate records in one pass and take plain-data snapshots at any moment:
//!   [`stats::Aggregator`].
//! - Keep a compact per-packet index for paging, sorting and re-aggregation: [`index::PacketIndex`].
//! - The whole `pcapscope stats` computation over a reader, as one call: [`analyze()`].
//!
//! ```no_run
//! let file = std::fs::File::open("capture.pcapng").unwrap();
//! let report = pcapscope::analyze(file).unwrap();
//! println!("{} packets, {} bytes", report.snapshot.summary.packets, report.snapshot.summary.bytes);
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![warn(missing_docs)]

pub mod analyze;
pub mod capture;
pub mod decode;
pub mod dissect;
pub mod filter;
pub mod geo;
pub mod hashing;
pub mod health;
pub mod index;
pub mod render;
pub mod report;
pub mod stats;
pub mod traffic;
pub mod view;
pub mod web;

pub use analyze::{analyze, analyze_with, Analysis, AnalyzeError};
