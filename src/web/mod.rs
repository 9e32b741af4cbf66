//! The browser front: thin glue between the engine and the page.
//!
//! - [`messages`]: the one enum each way between the page and its worker (plain serde types,
//!   also compiled and tested natively).
//! - `worker` (wasm32 only): the Web Worker, which owns the data: it reads the `File` in
//!   chunks and streams progress and snapshots back.
//! - `load` (wasm32 only): reading the posted `File` through the engine.
//! - `session` (wasm32 only): the worker's answers about a loaded capture: views (filter and
//!   sort, re-aggregated over the index), table rows, one packet's details.
//! - [`traffic_worker`]: the worker's side of the traffic views (heatmaps, matrix, host graph,
//!   map) and, on wasm32, its country database.
//! - `app` (wasm32 only): the main thread, which owns the view: summary cards, charts, states.

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod load;
pub mod messages;
#[cfg(target_arch = "wasm32")]
pub mod session;
pub mod traffic_worker;
#[cfg(target_arch = "wasm32")]
pub mod worker;
