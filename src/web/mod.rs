//! The browser front: thin glue between the engine and the page.
//!
//! - [`messages`]: the one enum each way between the page and its worker (plain serde types,
//!   also compiled and tested natively).
//! - `worker` (wasm32 only): the Web Worker, which owns the data: it reads the `File` in
//!   chunks and streams progress and snapshots back.
//! - `app` (wasm32 only): the main thread, which owns the view: summary cards, charts, states.

#[cfg(target_arch = "wasm32")]
pub mod app;
pub mod messages;
#[cfg(target_arch = "wasm32")]
pub mod worker;
