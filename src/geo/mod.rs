//! Where in the world: country lookups against an offline database, the world's country
//! shapes, and traffic by country for the map.
//!
//! Nothing here fetches anything. The site serves two data files of its own (fetched from the
//! npm registry at pinned versions and checked against pinned checksums by `cargo xtask
//! geodata`, see `xtask/src/geodata.rs`):
//!
//! | file on the site | what | open with |
//! |---|---|---|
//! | [`BUNDLED_DB_FILE`] | ip-location-db's country database (MaxMind format) | [`GeoDb::bundled`] |
//! | [`WORLD_FILE`] | world-atlas's 1:110m Natural Earth countries (TopoJSON) | [`WorldShapes::from_topojson`] |
//!
//! The page fetches them the first time the map is shown: the database in the worker (which
//! holds the index and computes [`geo_view`]), the shapes on the main thread (which draws
//! [`crate::render::map::draw_map`]). A `.mmdb` the user drops replaces the database for the
//! session: [`GeoDb::user`].

mod countries;
mod db;
mod view;
mod world;

pub use countries::{by_code, by_numeric, Country, COUNTRIES};
pub use db::{DbInfo, DbSource, GeoDb, Located};
pub use view::{geo_view, CountryTraffic, GeoFlow, GeoOptions, GeoView, HostCount, PlaceTraffic};
pub use world::{natural_earth, CountryShape, WorldShapes};

/// The bundled country database's path on the site (relative to the page).
pub const BUNDLED_DB_FILE: &str = "geo/geo-whois-asn-country.mmdb";
/// The country shapes' path on the site.
pub const WORLD_FILE: &str = "geo/countries-110m.json";
/// The attribution file's path on the site (sources, versions, licences of both files).
pub const ATTRIBUTION_FILE: &str = "geo/ATTRIBUTION.txt";

/// The npm package and version the bundled database comes from.
pub const BUNDLED_DB_PACKAGE: (&str, &str) = (
    "@ip-location-db/geo-whois-asn-country-mmdb",
    "2.3.2026061719",
);
/// The npm package and version the shapes come from.
pub const WORLD_PACKAGE: (&str, &str) = ("world-atlas", "2.0.2");

/// The name the page shows for the bundled database.
pub const BUNDLED_DB_NAME: &str =
    "ip-location-db geo-whois-asn-country (GeoFeed + WHOIS + ASN), npm 2.3.2026061719";
/// The licence line the page shows for the bundled database. The package is CC0; the RIR data
/// it is built from is the NRO's under CC BY 4.0, which asks for this attribution.
pub const BUNDLED_DB_LICENCE: &str = "CC0 1.0 (ip-location-db, sapics); contains WHOIS and ASN \
     data of the five RIRs, © Number Resource Organization (nro.net), CC BY 4.0";
/// The attribution line for the shapes.
pub const WORLD_ATTRIBUTION: &str =
    "Country shapes: Natural Earth 1:110m (public domain), via world-atlas 2.0.2 (ISC)";

/// What went wrong opening a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeoError {
    /// The database could not be read.
    Database(String),
    /// The shapes could not be read.
    Shapes(String),
}

impl std::fmt::Display for GeoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GeoError::Database(m) => write!(f, "country database: {m}"),
            GeoError::Shapes(m) => write!(f, "country shapes: {m}"),
        }
    }
}

impl std::error::Error for GeoError {}
