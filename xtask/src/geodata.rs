//! `cargo xtask geodata`: the map's two data files, fetched from the npm registry at pinned
//! versions with the ordinary client (`npm pack`), checked against pinned checksums, and kept
//! in a cache the site build copies from.
//!
//! | package | file | licence |
//! |---|---|---|
//! | `@ip-location-db/geo-whois-asn-country-mmdb` 2.3.2026061719 | `geo-whois-asn-country.mmdb` (7.8 MB, IPv4 + IPv6 countries) | CC0 1.0; built from NRO data, CC BY 4.0 |
//! | `world-atlas` 2.0.2 | `countries-110m.json` (108 KB, Natural Earth 1:110m TopoJSON) | ISC; Natural Earth is public domain |
//!
//! Each tarball is checked against the registry's sha512 integrity pinned below, and each
//! extracted file against its pinned sha256, so a changed package fails the build instead of
//! changing the site. The cache is `target/geodata/` (ignored by git, like all of `target/`).
//!
//! The site serves the files from `dist/geo/` ([`install`]); the page fetches them the first
//! time the map is shown, never before and never from anywhere else.

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha512};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One file taken from a package.
struct File {
    /// Path inside the tarball.
    path: &'static str,
    /// Name in the cache and on the site.
    name: &'static str,
    /// sha256, hex.
    sha256: &'static str,
}

/// A pinned npm package and the files taken from it.
struct Package {
    name: &'static str,
    version: &'static str,
    /// The registry's `dist.integrity` of the tarball.
    integrity: &'static str,
    files: &'static [File],
}

const PACKAGES: &[Package] = &[
    Package {
        name: pcapscope::geo::BUNDLED_DB_PACKAGE.0,
        version: pcapscope::geo::BUNDLED_DB_PACKAGE.1,
        integrity: "sha512-xemBDNQl4mCYDuVbqe3jKGKsVDykZGkfvebhtOh/3VGLadq8vsp7t7ontpMUt3hH7sAGT0eLDyJ99SV+0waxZg==",
        files: &[
            File {
                path: "package/geo-whois-asn-country.mmdb",
                name: "geo-whois-asn-country.mmdb",
                sha256: "c5f7c0e9bd6a6ccb5a2e9634764544a0d08bd0bd8788b8aedfac87bea184c652",
            },
            File {
                path: "package/NRO_LICENSE",
                name: "NRO_LICENSE.txt",
                sha256: "cc9dc9df675c3479fa6b8ed257aefdb222694614dd02ae6c37f0475b79ad485b",
            },
            File {
                path: "package/README.md",
                name: "ip-location-db-README.md",
                sha256: "c48d25fb92db0d6b8f97d22ee52633a7a65c7b829d8b919c4164b1fe355615c6",
            },
        ],
    },
    Package {
        name: pcapscope::geo::WORLD_PACKAGE.0,
        version: pcapscope::geo::WORLD_PACKAGE.1,
        integrity: "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
        files: &[
            File {
                path: "package/countries-110m.json",
                name: "countries-110m.json",
                sha256: "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8",
            },
            File {
                path: "package/LICENSE",
                name: "world-atlas-LICENSE.txt",
                sha256: "8048290dfdb6e83fbed17e8985c8cfc4ce9da9b842642f3d3e497280790cfa31",
            },
        ],
    },
];

/// What the site's `geo/ATTRIBUTION.txt` says.
const ATTRIBUTION: &str = "\
Data files of the pcapscope map (served by this site; fetched by nobody else).

geo-whois-asn-country.mmdb
  npm package @ip-location-db/geo-whois-asn-country-mmdb 2.3.2026061719 (sapics/ip-location-db),
  licence CC0 1.0. Built from GeoFeed data and from the WHOIS and ASN data of the five Regional
  Internet Registries, published by the Number Resource Organization (NRO) under the Creative
  Commons Attribution 4.0 International licence: (c) NRO, https://www.nro.net/ (see
  NRO_LICENSE.txt and ip-location-db-README.md).

countries-110m.json
  npm package world-atlas 2.0.2 (c) 2013-2019 Michael Bostock, ISC licence (see
  world-atlas-LICENSE.txt): Natural Earth 1:110m Admin 0 countries, version 4.1.0, public
  domain (https://www.naturalearthdata.com/).
";

/// Name of the attribution file in the cache and on the site.
const ATTRIBUTION_NAME: &str = "ATTRIBUTION.txt";

/// Where the files are cached: `target/geodata/` of the workspace.
pub fn cache_dir(root: &Path) -> PathBuf {
    root.join("target").join("geodata")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cached_ok(dir: &Path, f: &File) -> bool {
    std::fs::read(dir.join(f.name)).is_ok_and(|b| sha256_hex(&b) == f.sha256)
}

/// The regular files of a gzipped tar archive (ustar, as npm writes it): name and contents.
fn untar(tgz: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(tgz)
        .read_to_end(&mut raw)
        .context("tarball is not gzip")?;
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(h) = raw.get(at..at + 512) {
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let text = |r: std::ops::Range<usize>| -> String {
            let f = h.get(r).unwrap_or_default();
            let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
            String::from_utf8_lossy(&f[..end]).into_owned()
        };
        let size_text = text(124..136);
        let size = usize::from_str_radix(size_text.trim(), 8)
            .with_context(|| format!("bad size {size_text:?} in tar header"))?;
        let kind = h.get(156).copied().unwrap_or(0);
        let (name, prefix) = (text(0..100), text(345..500));
        let name = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let body = raw
            .get(at + 512..at + 512 + size)
            .context("tarball ends inside a file")?;
        if kind == b'0' || kind == 0 {
            out.push((name, body.to_vec()));
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    Ok(out)
}

/// Downloads one package's tarball with `npm pack` and returns its bytes, checked against the
/// pinned integrity.
fn fetch(root: &Path, pkg: &Package) -> Result<Vec<u8>> {
    let tmp = cache_dir(root).join(format!("download-{}", pkg.name.replace(['@', '/'], "_")));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let spec = format!("{}@{}", pkg.name, pkg.version);
    eprintln!("==> npm pack {spec}");
    let status = Command::new("npm")
        .args(["pack", &spec, "--silent", "--pack-destination"])
        .arg(&tmp)
        .current_dir(&tmp)
        .status()
        .context("cannot start npm (the map's data files come from the npm registry)")?;
    if !status.success() {
        bail!("npm pack {spec} failed ({status})");
    }
    let tgz = std::fs::read_dir(&tmp)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .with_context(|| format!("npm pack {spec} left no tarball"))?;
    let bytes = std::fs::read(&tgz)?;
    let _ = std::fs::remove_dir_all(&tmp);
    let got = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&bytes))
    );
    if got != pkg.integrity {
        bail!(
            "{spec}: the tarball's checksum is {got}, not the pinned {}; refusing to use it",
            pkg.integrity
        );
    }
    Ok(bytes)
}

/// Makes sure every file is in the cache with its pinned checksum, fetching what is missing;
/// returns the cache directory.
pub fn ensure(root: &Path) -> Result<PathBuf> {
    let dir = cache_dir(root);
    std::fs::create_dir_all(&dir)?;
    for pkg in PACKAGES {
        if pkg.files.iter().all(|f| cached_ok(&dir, f)) {
            continue;
        }
        let entries = untar(&fetch(root, pkg)?)?;
        for f in pkg.files {
            let (_, body) = entries
                .iter()
                .find(|(n, _)| n == f.path)
                .with_context(|| format!("{} has no {}", pkg.name, f.path))?;
            let sum = sha256_hex(body);
            if sum != f.sha256 {
                bail!(
                    "{}@{}: {} has sha256 {sum}, not the pinned {}",
                    pkg.name,
                    pkg.version,
                    f.path,
                    f.sha256
                );
            }
            std::fs::write(dir.join(f.name), body)?;
        }
    }
    std::fs::write(dir.join(ATTRIBUTION_NAME), ATTRIBUTION)?;
    Ok(dir)
}

/// Copies the files (and their licences and the attribution) into `dest`, the site's `geo/`
/// directory (`dist/geo`), fetching them first if needed. The names match
/// `pcapscope::geo::{BUNDLED_DB_FILE, WORLD_FILE, ATTRIBUTION_FILE}`.
pub fn install(root: &Path, dest: &Path) -> Result<()> {
    let dir = ensure(root)?;
    std::fs::create_dir_all(dest)?;
    let names = PACKAGES
        .iter()
        .flat_map(|p| p.files.iter().map(|f| f.name))
        .chain([ATTRIBUTION_NAME]);
    for name in names {
        std::fs::copy(dir.join(name), dest.join(name))
            .with_context(|| format!("copying {name} to {}", dest.display()))?;
    }
    Ok(())
}

/// `cargo xtask geodata [DEST]`: fills the cache, and copies the files into `DEST` when given
/// (the site build passes `dist/geo`).
pub fn run(root: &Path, dest: Option<&String>) -> Result<()> {
    match dest {
        Some(d) => {
            install(root, Path::new(d))?;
            eprintln!("map data files copied to {d}");
        }
        None => {
            let dir = ensure(root)?;
            eprintln!("map data files are in {}", dir.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_match_the_library() {
        let on_site = |name: &str| format!("geo/{name}");
        let names: Vec<String> = PACKAGES
            .iter()
            .flat_map(|p| p.files.iter().map(|f| on_site(f.name)))
            .collect();
        assert!(names.contains(&pcapscope::geo::BUNDLED_DB_FILE.to_string()));
        assert!(names.contains(&pcapscope::geo::WORLD_FILE.to_string()));
        assert_eq!(on_site(ATTRIBUTION_NAME), pcapscope::geo::ATTRIBUTION_FILE);
    }

    #[test]
    fn reads_a_ustar_archive() {
        // One 5-byte file "package/a.txt", then the end of the archive.
        let mut tar = vec![0u8; 512];
        tar[..13].copy_from_slice(b"package/a.txt");
        tar[124..135].copy_from_slice(b"00000000005");
        tar[156] = b'0';
        let mut body = b"hello".to_vec();
        body.resize(512, 0);
        tar.extend(body);
        tar.extend(vec![0u8; 1024]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap_or_default();
        let tgz = gz.finish().unwrap_or_default();
        let files = untar(&tgz).unwrap_or_default();
        assert_eq!(
            files,
            vec![("package/a.txt".to_string(), b"hello".to_vec())]
        );
    }
}
