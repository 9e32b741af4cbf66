//! `cargo xtask dist` and `cargo xtask serve`: the static site, built with Trunk.
//!
//! Tools come only from the package registries, at pinned versions: the wasm32 target from
//! rustup, trunk and wasm-bindgen-cli from crates.io (`cargo install --locked`), wasm-opt from
//! npm's `binaryen` (Debian's binaryen 108 breaks wasm-bindgen's output).

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Trunk 0.22 needs a newer rustc than this project's machines have.
pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate version in Cargo.lock (Trunk checks).
pub const WASM_BINDGEN_VERSION: &str = "0.2.129";
/// Where `cargo xtask serve` listens.
pub const SERVE_ADDR: &str = "127.0.0.1:8080";

fn run(root: &Path, program: &str, args: &[&str], path: Option<&str>) -> Result<()> {
    eprintln!("==> {program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(root);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Installs whatever is missing: the wasm32 target, trunk, wasm-bindgen-cli, npm packages.
pub fn ensure_tools(root: &Path) -> Result<()> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        run(
            root,
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
            None,
        )?;
    }
    if !version_of("trunk").is_some_and(|v| v.ends_with(TRUNK_VERSION)) {
        run(
            root,
            "cargo",
            &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
            None,
        )?;
    }
    let bindgen_ok = version_of("wasm-bindgen").is_some_and(|v| v.ends_with(WASM_BINDGEN_VERSION))
        && version_of("wasm-bindgen-test-runner").is_some_and(|v| v.contains(WASM_BINDGEN_VERSION));
    if !bindgen_ok {
        run(
            root,
            "cargo",
            &[
                "install",
                "--locked",
                "wasm-bindgen-cli",
                "--version",
                WASM_BINDGEN_VERSION,
            ],
            None,
        )?;
    }
    if !root.join("node_modules/.bin/wasm-opt").exists()
        || !root.join("node_modules/playwright-core").exists()
    {
        run(root, "npm", &["ci", "--no-audit", "--no-fund"], None)?;
    }
    Ok(())
}

/// PATH with the npm tools (wasm-opt) first, so Trunk finds the pinned wasm-opt.
pub fn tool_path(root: &Path) -> String {
    let bin = root.join("node_modules/.bin");
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"))
        .join("bin");
    format!(
        "{}:{}:{}",
        bin.display(),
        cargo_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The Content-Security-Policy of the page: only this site's own files; Wasm compilation; the
/// inline module loader Trunk writes, by hash.
pub fn csp(inline_script_hashes: &[String]) -> String {
    let hashes: String = inline_script_hashes
        .iter()
        .map(|h| format!(" 'sha256-{h}'"))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// The contents of every inline `<script>` element (no `src`) in `html`.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(&body[..close]);
        }
        rest = &body[close..];
    }
    out
}

/// Puts the CSP into the built index.html, in place of the placeholder comment.
pub fn apply_csp(html: &str) -> Result<String> {
    let hashes: Vec<String> = inline_scripts(html)
        .into_iter()
        .map(|s| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes())))
        .collect();
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        csp(&hashes)
    );
    let start = html
        .find("<!-- CSP_PLACEHOLDER")
        .context("index.html has no CSP placeholder")?;
    let end = html[start..]
        .find("-->")
        .map(|e| start + e + 3)
        .context("unterminated CSP placeholder")?;
    Ok(format!("{}{}{}", &html[..start], meta, &html[end..]))
}

/// The site's files (relative names, sorted), except the service worker itself.
fn site_files(dist: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dist)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n != "sw.js")
        .collect();
    names.sort();
    Ok(names)
}

/// Writes the list of files to precache, and a cache version derived from it (Trunk's file
/// names carry content hashes, so a new build gets a new cache and the old one is dropped).
pub fn fill_precache(script: &str, files: &[String]) -> Result<String> {
    let list: String = files.iter().map(|f| format!(", './{f}'")).collect();
    let version = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(&Sha256::digest(files.join("\n").as_bytes())[..9]);
    if !script.contains("/* PRECACHE_LIST */") || !script.contains("PRECACHE_VERSION") {
        bail!("sw.js has no precache placeholders");
    }
    Ok(script
        .replace(" /* PRECACHE_LIST */", &list)
        .replace("PRECACHE_VERSION", &version))
}

/// Release build of the static site into `dist/`.
pub fn dist(root: &Path) -> Result<()> {
    ensure_tools(root)?;
    let path = tool_path(root);
    run(
        root,
        "trunk",
        &["build", "--release", "--locked"],
        Some(&path),
    )?;
    // The map's data (country database and shapes, with their licences), fetched lazily by
    // the page from the site itself.
    crate::geodata::install(root, &root.join("dist/geo"))?;
    let index = root.join("dist/index.html");
    let html = std::fs::read_to_string(&index).context("dist/index.html")?;
    std::fs::write(&index, apply_csp(&html)?)?;
    let sw = root.join("dist/sw.js");
    let script = std::fs::read_to_string(&sw).context("dist/sw.js")?;
    std::fs::write(
        &sw,
        fill_precache(&script, &site_files(&root.join("dist"))?)?,
    )?;
    let size: u64 = std::fs::read_dir(root.join("dist"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "dist/ is ready ({} KiB); any static host serves it as is",
        size / 1024
    );
    Ok(())
}

/// Builds the site and serves `dist/` on http://127.0.0.1:8080 until interrupted.
pub fn serve(root: &Path) -> Result<()> {
    dist(root)?;
    eprintln!("serving dist/ on http://{SERVE_ADDR}/ (Ctrl-C stops)");
    let (host, port) = SERVE_ADDR.split_once(':').unwrap_or(("127.0.0.1", "8080"));
    run(
        root,
        "python3",
        &[
            "-m",
            "http.server",
            port,
            "--bind",
            host,
            "--directory",
            "dist",
        ],
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_worker_precaches_every_file() {
        let sw = "const PRECACHE = ['./' /* PRECACHE_LIST */];\nconst CACHE = 'pcapscope-' + 'PRECACHE_VERSION';";
        let out = fill_precache(sw, &["a.wasm".into(), "index.html".into()]).unwrap();
        assert!(out.contains("['./', './a.wasm', './index.html']"), "{out}");
        assert!(!out.contains("PRECACHE_VERSION"));
        assert!(fill_precache("nothing", &[]).is_err());
    }

    #[test]
    fn csp_hashes_trunks_inline_loader_and_nothing_else() {
        let html = "<head><!-- CSP_PLACEHOLDER: x --><script type=\"module\">import init from './a.js';</script>\
                    <script src=\"./b.js\"></script></head>";
        let out = apply_csp(html).unwrap();
        assert!(out.contains("Content-Security-Policy"));
        assert!(!out.contains("CSP_PLACEHOLDER"));
        assert_eq!(inline_scripts(html), vec!["import init from './a.js';"]);
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from './a.js';"));
        assert!(out.contains(&format!("'sha256-{hash}'")));
        assert!(out.contains("default-src 'self'"));
        assert!(
            !out.contains("http://") && !out.contains("https://"),
            "no third-party origin: {out}"
        );
    }
}
