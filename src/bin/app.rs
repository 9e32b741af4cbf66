//! The page's main-thread program (built by Trunk for wasm32; empty natively).

#[cfg(target_arch = "wasm32")]
fn main() {
    pcapscope::web::app::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
