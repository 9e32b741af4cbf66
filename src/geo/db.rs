//! Country lookups in a MaxMind-format database (`.mmdb`), read from bytes with the
//! `maxminddb` crate (no file access, so the same code runs in the worker).
//!
//! Two record layouts are understood: ip-location-db's (`{"country_code": "US"}`, the bundled
//! database) and MaxMind's GeoIP2/GeoLite2 Country and City, which DB-IP's lite databases
//! share (`{"country": {"iso_code": "US"}, "registered_country": ..., "location":
//! {"latitude": .., "longitude": ..}}`). A City database's coordinates place the map's points
//! more precisely than a country's middle.

use super::GeoError;
use crate::traffic::{canonical, classify, AddrClass, HostGraph};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Where a database came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbSource {
    /// The one the site serves ([`super::BUNDLED_DB_FILE`]).
    Bundled,
    /// A file the user dropped onto the map (for this session).
    User,
}

/// What the page shows about the database in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInfo {
    /// A name for people: the bundled database's, or the file's name and its
    /// `database_type`.
    pub name: String,
    /// The file's `database_type` (`"GeoLite2-City"`, `"country ipvAll"`).
    pub kind: String,
    /// Build date, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Build time, seconds since the epoch.
    pub build_epoch: u64,
    /// Licence and attribution to show (for a user's file: its English description and that
    /// its terms are the user's).
    pub licence: String,
    /// Bundled or dropped.
    pub source: DbSource,
    /// 4 for an IPv4-only database, 6 for one that holds both.
    pub ip_version: u16,
    /// Set when the database answered no country for well-known public addresses (an ASN
    /// database, say): the map would stay empty.
    pub warning: Option<String>,
}

/// A lookup's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Located {
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    /// Coordinates, when the database has them (City databases), degrees.
    pub lat_lon: Option<(f64, f64)>,
}

#[derive(Deserialize)]
struct Iso {
    iso_code: Option<String>,
}

#[derive(Deserialize)]
struct Loc {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
struct Record {
    country_code: Option<String>,
    country: Option<Iso>,
    registered_country: Option<Iso>,
    location: Option<Loc>,
}

/// A country database, in memory.
pub struct GeoDb {
    reader: maxminddb::Reader<Vec<u8>>,
    info: DbInfo,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb").field("info", &self.info).finish()
    }
}

/// Addresses whose country every country database knows, to check a database has countries.
const PROBES: [&str; 4] = ["8.8.8.8", "1.1.1.1", "193.0.6.139", "2001:4860:4860::8888"];

impl GeoDb {
    /// Opens a database from its bytes, described as `name` with `licence`.
    pub fn new(
        bytes: Vec<u8>,
        name: &str,
        licence: &str,
        source: DbSource,
    ) -> Result<GeoDb, GeoError> {
        let reader = maxminddb::Reader::from_source(bytes)
            .map_err(|e| GeoError::Database(format!("not a MaxMind DB (.mmdb) file: {e}")))?;
        let m = reader.metadata();
        let build_epoch = m.build_epoch;
        let ns = i64::try_from(build_epoch)
            .ok()
            .and_then(|s| s.checked_mul(1_000_000_000))
            .unwrap_or(0);
        let mut info = DbInfo {
            name: name.to_string(),
            kind: m.database_type.clone(),
            date: crate::render::format::date(ns, 0),
            build_epoch,
            licence: licence.to_string(),
            source,
            ip_version: m.ip_version,
            warning: None,
        };
        let mut db = GeoDb {
            reader,
            info: info.clone(),
        };
        let known = PROBES
            .iter()
            .filter_map(|a| a.parse::<IpAddr>().ok())
            .filter(|a| db.country(*a).is_some())
            .count();
        if known == 0 {
            info.warning = Some(format!(
                "this database ({}) gave no country for well-known public addresses: it may \
                 not be a country or city database",
                info.kind
            ));
        }
        db.info = info;
        Ok(db)
    }

    /// The bundled database ([`super::BUNDLED_DB_FILE`]), from its bytes.
    pub fn bundled(bytes: Vec<u8>) -> Result<GeoDb, GeoError> {
        GeoDb::new(
            bytes,
            super::BUNDLED_DB_NAME,
            super::BUNDLED_DB_LICENCE,
            DbSource::Bundled,
        )
    }

    /// A database the user dropped, from its bytes and file name; its description (English)
    /// becomes the licence line, since its terms are whatever the user agreed to.
    pub fn user(bytes: Vec<u8>, file_name: &str) -> Result<GeoDb, GeoError> {
        let mut db = GeoDb::new(bytes, file_name, "", DbSource::User)?;
        let m = db.reader.metadata();
        let desc = m
            .description
            .get("en")
            .or_else(|| m.description.values().next())
            .cloned()
            .unwrap_or_default();
        db.info.name = format!("{file_name} ({})", db.info.kind);
        db.info.licence = if desc.is_empty() {
            "supplied by you for this session; its licence is the one you obtained it under"
                .to_string()
        } else {
            format!(
                "{desc} — supplied by you for this session; its licence is the one you \
                 obtained it under"
            )
        };
        Ok(db)
    }

    /// What the page shows about the database.
    pub fn info(&self) -> &DbInfo {
        &self.info
    }

    /// The country (and coordinates, if any) of a public address; `None` for addresses of the
    /// special ranges ([`classify`]) and for those the database does not know. IPv4-mapped and
    /// NAT64 addresses are looked up as the IPv4 address they carry.
    pub fn lookup(&self, addr: IpAddr) -> Option<Located> {
        let addr = canonical(addr);
        if classify(addr) != AddrClass::Public {
            return None;
        }
        let rec: Record = self.reader.lookup(addr).ok()?.decode().ok()??;
        let code = rec
            .country_code
            .or(rec.country.and_then(|c| c.iso_code))
            .or(rec.registered_country.and_then(|c| c.iso_code))?;
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let lat_lon = rec.location.and_then(|l| {
            let (a, b) = (l.latitude?, l.longitude?);
            (a.is_finite() && b.is_finite() && a.abs() <= 90.0 && b.abs() <= 180.0)
                .then_some((a, b))
        });
        Some(Located {
            country: code,
            lat_lon,
        })
    }

    /// The country code of a public address ([`GeoDb::lookup`]).
    pub fn country(&self, addr: IpAddr) -> Option<String> {
        self.lookup(addr).map(|l| l.country)
    }

    /// Sets the country of every node of a host graph (for colouring by country).
    pub fn annotate_graph(&self, g: &mut HostGraph) {
        for n in &mut g.nodes {
            n.country = self.country(n.addr);
        }
    }
}
