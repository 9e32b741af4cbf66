//! A view of an indexed capture: the packets a display filter keeps, in the packet table's
//! order, and the aggregates over just those packets — computed from the index, without
//! re-reading the file.

use crate::decode::{PacketRecord, Proto};
use crate::filter::{EvalContext, Filter, Names};
use crate::index::{PacketIndex, SortKey};
use crate::stats::{Aggregator, Limits};
use serde::{Deserialize, Serialize};

/// The packets a filter keeps (entry positions, 0-based, in file order) and the aggregates
/// over them.
#[derive(Debug)]
pub struct Selection {
    /// Matching entry positions; `None` when the filter is empty (every packet).
    pub positions: Option<Vec<u32>>,
    /// Aggregates over the matching packets.
    pub stats: Aggregator,
}

impl Selection {
    /// Number of packets kept.
    pub fn len(&self) -> u64 {
        self.stats.packets()
    }

    /// Whether no packet is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs `filter` over every entry of `index` and aggregates the matching ones, in one pass.
pub fn select(
    index: &PacketIndex,
    filter: &Filter,
    names: &dyn Names,
    limits: Limits,
) -> Selection {
    let mut stats = Aggregator::new(limits);
    let first_ts_ns = index.get(0).map(|e| e.ts_ns);
    let all = filter.is_empty();
    let mut positions = Vec::new();
    for i in 0..index.len() {
        let Some(rec) = index.record(i) else { break };
        let ctx = EvalContext {
            number: i as u64 + 1,
            first_ts_ns,
            names,
        };
        if all || filter.matches(&rec, &ctx) {
            stats.push(&rec);
            if !all {
                positions.push(i as u32);
            }
        }
    }
    Selection {
        positions: (!all).then_some(positions),
        stats,
    }
}

/// Sorts entry positions by `key` (ties keep the order they had, file order for a fresh
/// selection), descending when asked.
pub fn sort(index: &PacketIndex, positions: &mut [u32], key: SortKey, descending: bool) {
    if key != SortKey::Number {
        let order = index.sorted(key);
        let mut rank = vec![0u32; index.len()];
        for (r, &p) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(p as usize) {
                *slot = r as u32;
            }
        }
        positions.sort_by_key(|&p| rank.get(p as usize).copied().unwrap_or(u32::MAX));
    }
    if descending {
        positions.reverse();
    }
}

/// Wireshark's default colouring rules, as far as the index knows: the first that matches
/// colours the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coloring {
    /// A packet the decoder found damaged ("Bad TCP"/malformed: black on red).
    Bad,
    /// TCP reset.
    TcpRst,
    /// ICMP and ICMPv6 errors (destination unreachable, time exceeded ...).
    IcmpError,
    /// ARP.
    Arp,
    /// ICMP and ICMPv6 other than errors.
    Icmp,
    /// DNS.
    Dns,
    /// HTTP.
    Http,
    /// TLS.
    Tls,
    /// TCP SYN or FIN.
    TcpSynFin,
    /// Other TCP.
    Tcp,
    /// Other UDP.
    Udp,
    /// Anything else.
    Other,
}

impl Coloring {
    /// The rule that colours `r`.
    pub fn of(r: &PacketRecord) -> Coloring {
        let p = r.protocols;
        if r.malformed.is_some() {
            return Coloring::Bad;
        }
        if let Some(t) = r.tcp {
            if t.flags & crate::decode::TcpInfo::RST != 0 {
                return Coloring::TcpRst;
            }
        }
        if let Some((ty, _)) = r.icmp {
            let error = if p.contains(Proto::Icmpv6) {
                (1..=4).contains(&ty)
            } else {
                matches!(ty, 3 | 4 | 5 | 11 | 12)
            };
            if error {
                return Coloring::IcmpError;
            }
        }
        if p.contains(Proto::Arp) {
            Coloring::Arp
        } else if p.contains(Proto::Icmp) || p.contains(Proto::Icmpv6) {
            Coloring::Icmp
        } else if p.contains(Proto::Dns) {
            Coloring::Dns
        } else if p.contains(Proto::Http) {
            Coloring::Http
        } else if p.contains(Proto::Tls) {
            Coloring::Tls
        } else if let Some(t) = r.tcp {
            if t.flags & (crate::decode::TcpInfo::SYN | crate::decode::TcpInfo::FIN) != 0 {
                Coloring::TcpSynFin
            } else {
                Coloring::Tcp
            }
        } else if p.contains(Proto::Udp) {
            Coloring::Udp
        } else {
            Coloring::Other
        }
    }
}

/// The Source and Destination columns of a dissected packet, as Wireshark fills them: the
/// innermost IP layer's addresses (a layer quoted inside an ICMP error does not count), else
/// the link layer's.
pub fn address_columns(d: &crate::dissect::Dissection) -> (String, String) {
    let field = |layer: &crate::dissect::Node, abbrev: &str| {
        layer
            .children
            .iter()
            .find(|n| n.abbrev.as_deref() == Some(abbrev))
            .map(|n| n.value.clone())
    };
    let mut link = None;
    let mut net = None;
    for layer in &d.layers {
        match layer.abbrev.as_deref() {
            Some("ip") => net = field(layer, "ip.src").zip(field(layer, "ip.dst")).or(net),
            Some("ipv6") => {
                net = field(layer, "ipv6.src")
                    .zip(field(layer, "ipv6.dst"))
                    .or(net)
            }
            Some(_) if link.is_none() => {
                link = field(layer, "eth.src").zip(field(layer, "eth.dst"))
            }
            _ => {}
        }
    }
    net.or(link).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dissect::dissect;

    #[test]
    fn address_columns_take_the_innermost_ip_else_the_link() {
        // Ethernet + IPv4 + UDP, 10.0.0.1 -> 10.0.0.2.
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        f.extend_from_slice(&[
            0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x13,
            0x89, 0, 8, 0, 0,
        ]);
        let (s, d) = address_columns(&dissect(1, &f, f.len() as u32));
        assert_eq!((s.as_str(), d.as_str()), ("10.0.0.1", "10.0.0.2"));
        // ARP: the link addresses.
        let mut arp = vec![0xff; 6];
        arp.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
        arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1]);
        arp.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
        let (s, d) = address_columns(&dissect(1, &arp, arp.len() as u32));
        assert_eq!(
            (s.as_str(), d.as_str()),
            ("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff")
        );
    }
}
