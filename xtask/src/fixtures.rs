//! `cargo xtask fixtures`: writes the project's own deterministic test captures (in progress).
use anyhow::Result;
use std::path::Path;

/// Writes every fixture into `dir`.
pub fn run(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    Ok(())
}
