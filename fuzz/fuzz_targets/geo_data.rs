//! Arbitrary bytes as the map's two data files: a user-dropped MaxMind `.mmdb` (opened, then
//! asked about a few addresses, including ones taken from the input) and the TopoJSON world
//! shapes. Both must fail with an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcapscope::geo::{GeoDb, WorldShapes};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = GeoDb::user(data.to_vec(), "fuzz.mmdb") {
        let _ = db.info();
        let mut probes = vec![
            IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0x4860, 0, 0, 0, 0, 0, 0x8888)),
        ];
        if let Some(b) = data.get(..4) {
            probes.push(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])));
        }
        for a in probes {
            let _ = db.lookup(a);
        }
    }
    let _ = WorldShapes::from_topojson(data);
});
