//! The page's Web Worker program: reads and analyzes the capture (built by Trunk for wasm32;
//! empty natively).

#[cfg(target_arch = "wasm32")]
fn main() {
    pcapscope::web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
