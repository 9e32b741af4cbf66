//! `cargo xtask <command>`: the project's task runner (see README).

use anyhow::{bail, Result};
use std::path::PathBuf;

mod bench;
mod bench_browser;
mod fixtures;
mod geodata;
mod sample;
mod test;
mod web;

const USAGE: &str = "usage: cargo xtask <serve|dist|test|bench [FILE]|fixtures|geodata>";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("fixtures") => {
            fixtures::run(&root.join("fixtures"))?;
            sample::run(&root.join("www/sample.pcapng"))
        }
        Some("sample") => sample::run(&root.join("www/sample.pcapng")),
        Some("geodata") => geodata::run(&root, args.get(1)),
        Some("bench") => bench::run(&root, args.get(1)),
        Some("test") => test::run(&root),
        Some("dist") => web::dist(&root),
        Some("serve") => web::serve(&root),
        Some(other) => bail!("unknown xtask command `{other}` ({USAGE})"),
        None => bail!("{USAGE}"),
    }
}

/// The workspace root (the parent of this crate's directory).
fn project_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}
