//! `cargo xtask test`: every check the project has, in the order a failure is cheapest to see.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// Runs one step; fails with its name if it fails.
fn step(root: &Path, name: &str, program: &str, args: &[&str]) -> Result<()> {
    eprintln!("\n==> {name}: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("step failed: {name} ({status})");
    }
    Ok(())
}

/// Whether the wasm32 target is installed (rustup lists it).
fn has_wasm_target() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false)
}

/// fmt, clippy (native and wasm32), the native test suite (unit, integration, tshark corpus
/// cross-checks, property tests), and a compile check of the fuzz targets.
pub fn run(root: &Path) -> Result<()> {
    step(root, "format", "cargo", &["fmt", "--all", "--check"])?;
    step(
        root,
        "clippy (native)",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    if !has_wasm_target() {
        step(
            root,
            "install wasm32 target",
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
        )?;
    }
    step(
        root,
        "clippy (wasm32)",
        "cargo",
        &[
            "clippy",
            "-p",
            "pcapscope",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The bundled geolocation data (pinned npm packages, checksums verified) that the
    // country-lookup tests read.
    crate::geodata::ensure(root)?;
    step(
        root,
        "native tests",
        "cargo",
        &["test", "--workspace", "--locked"],
    )?;
    std::env::set_var("RUSTDOCFLAGS", "-D warnings");
    step(
        root,
        "docs",
        "cargo",
        &["doc", "--no-deps", "-p", "pcapscope", "--locked"],
    )?;
    step(
        root,
        "fuzz targets compile",
        "cargo",
        &["check", "--manifest-path", "fuzz/Cargo.toml", "--locked"],
    )?;

    // The browser: tools at pinned versions, then Wasm tests in headless Chromium, the release
    // site, and end-to-end tests against it.
    crate::web::ensure_tools(root)?;
    std::env::set_var("PATH", crate::web::tool_path(root));
    if std::env::var_os("CHROMEDRIVER").is_none() {
        std::env::set_var("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
    if std::env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
        std::env::set_var("WASM_BINDGEN_TEST_TIMEOUT", "180");
    }
    step(
        root,
        "wasm tests (headless Chromium)",
        "cargo",
        &[
            "test",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--test",
            "web_worker",
            "--test",
            "web_chart",
        ],
    )?;
    crate::web::dist(root)?;
    step(
        root,
        "end-to-end tests (playwright-core + Chromium)",
        "node",
        &["--test", "e2e/"],
    )?;
    eprintln!("\nall checks passed");
    Ok(())
}
