//! Traffic by country, and the addresses no map can place, for the geolocation map.
//!
//! A frame counts once for each distinct country among its two (innermost) addresses, and
//! once for each distinct class of its addresses that is not public (private, link-local,
//! multicast ...); a public address the database does not know counts as "unknown". So a frame
//! from a home machine to a server in the US counts under "private" and under the US, and the
//! rows do not add up to the total: each says how much traffic touched it.
//!
//! Every distinct address is looked up once (not every frame): one pass over the view for the
//! per-pair totals, then one lookup per host.

use super::countries;
use super::db::{DbInfo, GeoDb};
use crate::index::PacketIndex;
use crate::stats::Count;
use crate::traffic::scan::{self, count, Acc};
use crate::traffic::{classify, AddrClass};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How to compute the map's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoOptions {
    /// Flows (host pairs) drawn as arcs or points, the largest by bytes (default 20).
    pub top_flows: usize,
    /// Hosts listed per country and per class (default 5).
    pub top_hosts: usize,
    /// A country's or class's filter lists at most this many addresses, the largest (default
    /// 64); [`CountryTraffic::filter_complete`] says whether they are all of them.
    pub filter_hosts: usize,
}

impl Default for GeoOptions {
    fn default() -> Self {
        GeoOptions {
            top_flows: 20,
            top_hosts: 5,
            filter_hosts: 64,
        }
    }
}

/// A host and its traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCount {
    /// The address.
    pub addr: IpAddr,
    /// Its traffic, sent and received.
    pub count: Count,
}

/// Traffic to and from one country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountryTraffic {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// English short name (the code itself for a code the table does not know).
    pub name: String,
    /// Frames with an address in the country.
    pub count: Count,
    /// Distinct addresses in the country.
    pub hosts: u64,
    /// The largest of them.
    pub top: Vec<HostCount>,
    /// Where its marker goes: the mean of its hosts' coordinates when the database has
    /// coordinates (a City database), else the country table's point (the map prefers its
    /// shape's centre then). (latitude, longitude), degrees.
    pub lat_lon: Option<(f64, f64)>,
    /// Whether `lat_lon` comes from the database.
    pub located_by_db: bool,
    /// `ip.addr in {...}` over its addresses (at most [`GeoOptions::filter_hosts`]).
    pub filter: String,
    /// Whether the filter names every address of the country.
    pub filter_complete: bool,
}

/// Traffic of addresses the map cannot place: a class of special addresses, or public
/// addresses of no known country (`class` = [`AddrClass::Public`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceTraffic {
    /// The class.
    pub class: AddrClass,
    /// `"private"`, `"link-local"` ... or `"public, country unknown"`.
    pub label: String,
    /// Frames with an address of the class.
    pub count: Count,
    /// Distinct addresses.
    pub hosts: u64,
    /// The largest of them.
    pub top: Vec<HostCount>,
    /// A filter for them: their addresses (`ip.addr in {...}`) when there are at most
    /// [`GeoOptions::filter_hosts`], else the class's ranges (`ip.addr in {10.0.0.0/8 ...}`;
    /// unknown public ones: the largest addresses).
    pub filter: String,
}

/// A flow: the traffic between two hosts, both ways, and where they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoFlow {
    /// One host (the lower address).
    pub a: IpAddr,
    /// The other.
    pub b: IpAddr,
    /// `a`'s country, if public and known.
    pub a_country: Option<String>,
    /// `b`'s country.
    pub b_country: Option<String>,
    /// `a`'s class.
    pub a_class: AddrClass,
    /// `b`'s class.
    pub b_class: AddrClass,
    /// Traffic both ways.
    pub count: Count,
    /// `ip.addr == A && ip.addr == B`.
    pub filter: String,
}

/// The map's data for a view.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GeoView {
    /// The database used (`None`: none loaded yet, every public address is unknown).
    pub db: Option<DbInfo>,
    /// Countries, bytes descending.
    pub countries: Vec<CountryTraffic>,
    /// Special classes present, in [`AddrClass::ALL`] order, then public addresses of no
    /// known country.
    pub apart: Vec<PlaceTraffic>,
    /// The largest flows.
    pub flows: Vec<GeoFlow>,
    /// IP traffic of the view.
    pub total: Count,
    /// Frames with at least one address in a known country.
    pub located: Count,
    /// Frames of pairs past the pair table's cap, not attributed to anything.
    pub unattributed: Count,
    /// Distinct hosts.
    pub hosts: u64,
    /// The largest country's bytes.
    pub max_country_bytes: u64,
}

impl GeoView {
    /// The table behind the map as CSV: countries, then the addresses kept apart.
    pub fn csv(&self) -> String {
        let mut out = crate::traffic::csv::Csv::new(&[
            "kind", "code", "name", "hosts", "packets", "bytes", "filter",
        ]);
        for c in &self.countries {
            out.row(&[
                "country".to_string(),
                c.code.clone(),
                c.name.clone(),
                c.hosts.to_string(),
                c.count.packets.to_string(),
                c.count.bytes.to_string(),
                c.filter.clone(),
            ]);
        }
        for p in &self.apart {
            out.row(&[
                if p.class == AddrClass::Public {
                    "unknown".to_string()
                } else {
                    "class".to_string()
                },
                String::new(),
                p.label.clone(),
                p.hosts.to_string(),
                p.count.packets.to_string(),
                p.count.bytes.to_string(),
                p.filter.clone(),
            ]);
        }
        out.finish()
    }
}

fn add(a: &mut Acc, b: Acc) {
    a.packets += b.packets;
    a.bytes += b.bytes;
}

/// Where a host is: a country (index into the list being built), a special class, or public
/// and unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Country(u32),
    Class(AddrClass),
    Unknown,
}

#[derive(Default)]
struct Group {
    acc: Acc,
    hosts: Vec<(IpAddr, Acc)>,
    lat_sum: f64,
    lon_sum: f64,
    located: u64,
}

/// The map's data for the view: the packets of `positions` (every packet when `None`), by
/// their innermost addresses, placed with `db` (`None`: no database yet).
pub fn geo_view(
    index: &PacketIndex,
    positions: Option<&[u32]>,
    db: Option<&GeoDb>,
    opts: &GeoOptions,
) -> GeoView {
    let t = scan::totals(index, positions, true);

    // One lookup per host.
    let mut codes: Vec<String> = Vec::new();
    let mut code_ix: BTreeMap<String, u32> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut special: BTreeMap<AddrClass, Group> = BTreeMap::new();
    let mut unknown = Group::default();
    let places: Vec<(Option<IpAddr>, Place)> = (0..t.hosts.len() as u32)
        .map(|s| {
            let Some(addr) = t.addr(index, s) else {
                return (None, Place::Unknown);
            };
            let total = t
                .hosts
                .get(s as usize)
                .map(|h| h.total())
                .unwrap_or_default();
            let class = classify(addr);
            let place = if class != AddrClass::Public {
                special.entry(class).or_default().hosts.push((addr, total));
                Place::Class(class)
            } else if let Some(loc) = db.and_then(|d| d.lookup(addr)) {
                let i = *code_ix.entry(loc.country.clone()).or_insert_with(|| {
                    codes.push(loc.country.clone());
                    groups.push(Group::default());
                    (codes.len() - 1) as u32
                });
                if let Some(g) = groups.get_mut(i as usize) {
                    g.hosts.push((addr, total));
                    if let Some((lat, lon)) = loc.lat_lon {
                        g.lat_sum += lat;
                        g.lon_sum += lon;
                        g.located += 1;
                    }
                }
                Place::Country(i)
            } else {
                unknown.hosts.push((addr, total));
                Place::Unknown
            };
            (Some(addr), place)
        })
        .collect();
    let place = |s: u32| places.get(s as usize).map_or(Place::Unknown, |p| p.1);

    // Pairs: attribute each to the places of its two ends (once if the same), and gather the
    // flows (both directions of a pair together).
    let mut located = Acc::default();
    let mut flows: crate::hashing::FlowMap<(u32, u32), Acc> = crate::hashing::flow_map();
    for p in &t.pairs {
        let (ps, pd) = (place(p.src), place(p.dst));
        for (k, pl) in [ps, pd].into_iter().enumerate() {
            if k == 1 && pl == ps {
                break;
            }
            match pl {
                Place::Country(i) => {
                    if let Some(g) = groups.get_mut(i as usize) {
                        add(&mut g.acc, p.acc);
                    }
                }
                Place::Class(c) => add(&mut special.entry(c).or_default().acc, p.acc),
                Place::Unknown => add(&mut unknown.acc, p.acc),
            }
        }
        if matches!(ps, Place::Country(_)) || matches!(pd, Place::Country(_)) {
            add(&mut located, p.acc);
        }
        if p.src != p.dst {
            let key = if p.src < p.dst {
                (p.src, p.dst)
            } else {
                (p.dst, p.src)
            };
            add(flows.entry(key).or_default(), p.acc);
        }
    }

    let top_hosts = |hosts: &mut Vec<(IpAddr, Acc)>, n: usize| -> Vec<HostCount> {
        hosts.sort_by(|x, y| {
            y.1.bytes
                .cmp(&x.1.bytes)
                .then(y.1.packets.cmp(&x.1.packets))
                .then(scan::addr_order(&x.0, &y.0))
        });
        hosts
            .iter()
            .take(n)
            .map(|&(addr, a)| HostCount {
                addr,
                count: count(a),
            })
            .collect()
    };
    // A filter naming the first hosts (the largest, once sorted), and whether it names all.
    let listed = |hosts: &[(IpAddr, Acc)]| -> (String, bool) {
        let listed: Vec<IpAddr> = hosts.iter().take(opts.filter_hosts).map(|h| h.0).collect();
        (scan::hosts_filter(&listed), listed.len() == hosts.len())
    };
    let mut countries: Vec<CountryTraffic> = codes
        .iter()
        .zip(groups.iter_mut())
        .map(|(code, g)| {
            let top = top_hosts(&mut g.hosts, opts.top_hosts);
            let (filter, filter_complete) = listed(&g.hosts);
            let table = countries::by_code(code);
            let (lat_lon, by_db) = if g.located > 0 {
                (
                    Some((g.lat_sum / g.located as f64, g.lon_sum / g.located as f64)),
                    true,
                )
            } else {
                (table.map(|c| (f64::from(c.lat), f64::from(c.lon))), false)
            };
            CountryTraffic {
                code: code.clone(),
                name: table.map_or_else(|| code.clone(), |c| c.name.to_string()),
                count: count(g.acc),
                hosts: g.hosts.len() as u64,
                top,
                lat_lon,
                located_by_db: by_db,
                filter,
                filter_complete,
            }
        })
        .collect();
    countries.sort_by(|x, y| {
        y.count
            .bytes
            .cmp(&x.count.bytes)
            .then(y.count.packets.cmp(&x.count.packets))
            .then(x.code.cmp(&y.code))
    });

    // The classes apart, then public addresses of no known country.
    let unknown_label = if db.is_some() {
        "public, country unknown"
    } else {
        "public (no country database loaded)"
    };
    let unknown =
        (!unknown.hosts.is_empty()).then_some((AddrClass::Public, unknown_label, unknown));
    let mut apart: Vec<PlaceTraffic> = Vec::new();
    for (class, label, mut g) in special
        .into_iter()
        .map(|(class, g)| (class, class.label(), g))
        .chain(unknown)
    {
        let top = top_hosts(&mut g.hosts, opts.top_hosts);
        // Exact for the view when its addresses are few, else the class's ranges (public
        // addresses of no known country: the largest).
        let (mut filter, complete) = listed(&g.hosts);
        if !complete && class != AddrClass::Public {
            let (v4, v6) = class.ranges();
            let part = |field: &str, r: &[&str]| -> Option<String> {
                (!r.is_empty()).then(|| format!("{field} in {{{}}}", r.join(" ")))
            };
            filter = [part("ip.addr", v4), part("ipv6.addr", v6)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" || ");
        }
        apart.push(PlaceTraffic {
            class,
            label: label.to_string(),
            count: count(g.acc),
            hosts: g.hosts.len() as u64,
            top,
            filter,
        });
    }

    // The largest flows, chosen before anything is built for them.
    let mut chosen: Vec<(IpAddr, IpAddr, u32, u32, Acc)> = flows
        .into_iter()
        .filter_map(|((x, y), acc)| {
            let ax = places.get(x as usize)?.0?;
            let ay = places.get(y as usize)?.0?;
            Some(if scan::addr_order(&ax, &ay).is_le() {
                (ax, ay, x, y, acc)
            } else {
                (ay, ax, y, x, acc)
            })
        })
        .collect();
    scan::top_k(&mut chosen, opts.top_flows, |x, y| {
        y.4.bytes
            .cmp(&x.4.bytes)
            .then(y.4.packets.cmp(&x.4.packets))
            .then(scan::addr_order(&x.0, &y.0))
            .then(scan::addr_order(&x.1, &y.1))
    });
    let code = |slot: u32| match place(slot) {
        Place::Country(i) => codes.get(i as usize).cloned(),
        _ => None,
    };
    let flow_list: Vec<GeoFlow> = chosen
        .into_iter()
        .map(|(a, b, sa, sb, acc)| GeoFlow {
            a,
            b,
            a_country: code(sa),
            b_country: code(sb),
            a_class: classify(a),
            b_class: classify(b),
            count: count(acc),
            filter: scan::between_filter(&a, &b),
        })
        .collect();

    let max_country_bytes = countries.iter().map(|c| c.count.bytes).max().unwrap_or(0);
    GeoView {
        db: db.map(|d| d.info().clone()),
        countries,
        apart,
        flows: flow_list,
        total: count(t.ip),
        located: count(located),
        unattributed: count(t.pairs_other),
        hosts: t.hosts.len() as u64,
        max_country_bytes,
    }
}
