//! What kind of address an address is, from the IANA special-purpose address registries that
//! RFC 6890 set up (with their later entries: RFC 7723, 8155, 8215, 8880, 9602, 9637): private,
//! loopback, link-local, multicast, documentation ... or public.
//!
//! The heatmaps, the matrix and the host graph colour hosts by their [`AddrGroup`]; the map lists
//! everything but public addresses apart from the countries, by [`AddrClass`], since an address
//! of those ranges has no place on a map.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The kind of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddrClass {
    /// Globally reachable unicast: everything no special-purpose entry takes (and the entries
    /// the registries mark globally reachable, such as the AS112 and PCP/TURN anycast ranges).
    Public,
    /// Private-use: 10/8, 172.16/12, 192.168/16 (RFC 1918); IPv6 unique-local fc00::/7
    /// (RFC 4193); local-use IPv4/IPv6 translation 64:ff9b:1::/48 (RFC 8215).
    Private,
    /// Shared address space for carrier-grade NAT: 100.64/10 (RFC 6598).
    Shared,
    /// Loopback: 127/8, ::1.
    Loopback,
    /// Link-local: 169.254/16 (RFC 3927), fe80::/10.
    LinkLocal,
    /// Multicast: 224/4, ff00::/8.
    Multicast,
    /// The limited broadcast 255.255.255.255.
    Broadcast,
    /// Documentation: 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737), 2001:db8::/32
    /// (RFC 3849), 3fff::/20 (RFC 9637).
    Documentation,
    /// Benchmarking: 198.18/15 (RFC 2544), 2001:2::/48 (RFC 5180).
    Benchmarking,
    /// "This network": 0/8, and the unspecified address :: (RFC 1122, RFC 4291).
    Unspecified,
    /// Reserved and not globally reachable: 240/4 (RFC 1112), the IETF protocol assignments
    /// 192.0.0/24 and 2001::/23 but for their global entries, discard-only 100::/64
    /// (RFC 6666), SRv6 SIDs 5f00::/16 (RFC 9602), and IPv6 outside 2000::/3 that no other
    /// entry takes.
    Reserved,
}

/// What the charts colour a host by: a coarser grouping of [`AddrClass`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddrGroup {
    /// Public.
    Public,
    /// Private, shared (CGNAT), loopback, link-local and unspecified: this side of a NAT.
    Local,
    /// Multicast and broadcast.
    Group,
    /// Documentation, benchmarking and reserved ranges: should not be on a network at all.
    Special,
}

impl AddrClass {
    /// Every class, in display order.
    pub const ALL: [AddrClass; 11] = [
        AddrClass::Public,
        AddrClass::Private,
        AddrClass::Shared,
        AddrClass::Loopback,
        AddrClass::LinkLocal,
        AddrClass::Multicast,
        AddrClass::Broadcast,
        AddrClass::Documentation,
        AddrClass::Benchmarking,
        AddrClass::Unspecified,
        AddrClass::Reserved,
    ];

    /// The class of `addr`.
    pub fn of(addr: IpAddr) -> AddrClass {
        classify(addr)
    }

    /// A short name for tables and readouts.
    pub fn label(self) -> &'static str {
        match self {
            AddrClass::Public => "public",
            AddrClass::Private => "private",
            AddrClass::Shared => "shared (CGNAT)",
            AddrClass::Loopback => "loopback",
            AddrClass::LinkLocal => "link-local",
            AddrClass::Multicast => "multicast",
            AddrClass::Broadcast => "broadcast",
            AddrClass::Documentation => "documentation",
            AddrClass::Benchmarking => "benchmarking",
            AddrClass::Unspecified => "unspecified",
            AddrClass::Reserved => "reserved",
        }
    }

    /// The group the charts colour it by.
    pub fn group(self) -> AddrGroup {
        match self {
            AddrClass::Public => AddrGroup::Public,
            AddrClass::Private
            | AddrClass::Shared
            | AddrClass::Loopback
            | AddrClass::LinkLocal
            | AddrClass::Unspecified => AddrGroup::Local,
            AddrClass::Multicast | AddrClass::Broadcast => AddrGroup::Group,
            AddrClass::Documentation | AddrClass::Benchmarking | AddrClass::Reserved => {
                AddrGroup::Special
            }
        }
    }

    /// The address ranges of the class, as display-filter set items (`10.0.0.0/8`,
    /// `192.0.0.11..192.0.0.255`) for `ip.addr in {...}` and `ipv6.addr in {...}`: `(IPv4,
    /// IPv6)`, either empty when the class has no range in that family. Public has none (it is
    /// what the others leave), and reserved IPv6 lists only 100::/64 and 5f00::/16 (not the
    /// rest of 2001::/23 nor the unallocated space outside 2000::/3).
    pub fn ranges(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            AddrClass::Public => (&[], &[]),
            AddrClass::Private => (
                &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                &["fc00::/7", "64:ff9b:1::/48"],
            ),
            AddrClass::Shared => (&["100.64.0.0/10"], &[]),
            AddrClass::Loopback => (&["127.0.0.0/8"], &["::1/128"]),
            AddrClass::LinkLocal => (&["169.254.0.0/16"], &["fe80::/10"]),
            AddrClass::Multicast => (&["224.0.0.0/4"], &["ff00::/8"]),
            AddrClass::Broadcast => (&["255.255.255.255/32"], &[]),
            AddrClass::Documentation => (
                &["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"],
                &["2001:db8::/32", "3fff::/20"],
            ),
            AddrClass::Benchmarking => (&["198.18.0.0/15"], &["2001:2::/48"]),
            AddrClass::Unspecified => (&["0.0.0.0/8"], &["::/128"]),
            AddrClass::Reserved => (
                &[
                    "192.0.0.0..192.0.0.8",
                    "192.0.0.11..192.0.0.255",
                    "240.0.0.0..255.255.255.254",
                ],
                &["100::/64", "5f00::/16"],
            ),
        }
    }
}

impl AddrGroup {
    /// A short name for legends.
    pub fn label(self) -> &'static str {
        match self {
            AddrGroup::Public => "public",
            AddrGroup::Local => "private / local",
            AddrGroup::Group => "multicast / broadcast",
            AddrGroup::Special => "reserved / documentation",
        }
    }
}

/// The class of an address (an IPv4-mapped or NAT64 well-known-prefix IPv6 address is
/// classified by the IPv4 address it carries).
pub fn classify(addr: IpAddr) -> AddrClass {
    match addr {
        IpAddr::V4(a) => classify_v4(a),
        IpAddr::V6(a) => classify_v6(a),
    }
}

fn in4(a: u32, net: [u8; 4], len: u32) -> bool {
    let n = u32::from_be_bytes(net);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    a & mask == n & mask
}

fn classify_v4(addr: Ipv4Addr) -> AddrClass {
    let a = u32::from(addr);
    if a == u32::MAX {
        return AddrClass::Broadcast;
    }
    // Entries the registry marks globally reachable inside a larger special block.
    const GLOBAL: [([u8; 4], u32); 2] = [
        ([192, 0, 0, 9], 32),  // PCP anycast (RFC 7723)
        ([192, 0, 0, 10], 32), // TURN anycast (RFC 8155)
    ];
    if GLOBAL.iter().any(|(n, l)| in4(a, *n, *l)) {
        return AddrClass::Public;
    }
    const TABLE: [([u8; 4], u32, AddrClass); 15] = [
        ([0, 0, 0, 0], 8, AddrClass::Unspecified),
        ([10, 0, 0, 0], 8, AddrClass::Private),
        ([100, 64, 0, 0], 10, AddrClass::Shared),
        ([127, 0, 0, 0], 8, AddrClass::Loopback),
        ([169, 254, 0, 0], 16, AddrClass::LinkLocal),
        ([172, 16, 0, 0], 12, AddrClass::Private),
        ([192, 0, 0, 0], 24, AddrClass::Reserved),
        ([192, 0, 2, 0], 24, AddrClass::Documentation),
        ([192, 168, 0, 0], 16, AddrClass::Private),
        ([198, 18, 0, 0], 15, AddrClass::Benchmarking),
        ([198, 51, 100, 0], 24, AddrClass::Documentation),
        ([203, 0, 113, 0], 24, AddrClass::Documentation),
        ([224, 0, 0, 0], 4, AddrClass::Multicast),
        ([240, 0, 0, 0], 4, AddrClass::Reserved),
        // 192.88.99.0/24 (6to4 relay anycast), 192.31.196.0/24 and 192.175.48.0/24 (AS112),
        // 192.52.193.0/24 (AMT) are globally reachable: public.
        ([255, 255, 255, 255], 32, AddrClass::Broadcast),
    ];
    TABLE
        .iter()
        .find(|(n, l, _)| in4(a, *n, *l))
        .map_or(AddrClass::Public, |(_, _, c)| *c)
}

fn in6(a: u128, net: [u16; 8], len: u32) -> bool {
    let mut n: u128 = 0;
    for s in net {
        n = n << 16 | u128::from(s);
    }
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    a & mask == n & mask
}

fn classify_v6(addr: Ipv6Addr) -> AddrClass {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let a = u128::from(addr);
    // The NAT64 well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052).
    if in6(a, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        return classify_v4(Ipv4Addr::from(a as u32));
    }
    if a == 0 {
        return AddrClass::Unspecified;
    }
    if a == 1 {
        return AddrClass::Loopback;
    }
    // Globally reachable entries inside 2001::/23.
    const GLOBAL: [([u16; 8], u32); 6] = [
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32),     // Teredo (RFC 4380)
        ([0x2001, 1, 0, 0, 0, 0, 0, 1], 128),    // PCP anycast
        ([0x2001, 1, 0, 0, 0, 0, 0, 2], 128),    // TURN anycast
        ([0x2001, 3, 0, 0, 0, 0, 0, 0], 32),     // AMT (RFC 7450)
        ([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48), // AS112-v6 (RFC 7535)
        ([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28),  // ORCHIDv2 (RFC 7343)
    ];
    if GLOBAL.iter().any(|(n, l)| in6(a, *n, *l)) {
        return AddrClass::Public;
    }
    const TABLE: [([u16; 8], u32, AddrClass); 10] = [
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, AddrClass::Private),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, AddrClass::Reserved),
        ([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, AddrClass::Benchmarking),
        (
            [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
            32,
            AddrClass::Documentation,
        ),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, AddrClass::Reserved),
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, AddrClass::Documentation),
        ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, AddrClass::Reserved),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, AddrClass::Private),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, AddrClass::LinkLocal),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, AddrClass::Multicast),
    ];
    if let Some((_, _, c)) = TABLE.iter().find(|(n, l, _)| in6(a, *n, *l)) {
        return *c;
    }
    // Global unicast is 2000::/3 (6to4 2002::/16 included); the rest is not allocated
    // (fec0::/10, the deprecated site-local, included).
    if in6(a, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        AddrClass::Public
    } else {
        AddrClass::Reserved
    }
}

/// The IPv4 address an IPv6 address stands for, if it is IPv4-mapped (`::ffff:a.b.c.d`) or in
/// the NAT64 well-known prefix (`64:ff9b::a.b.c.d`); else the address itself. Geolocation looks
/// up what this returns.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let n = u128::from(a);
            if in6(n, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
                return IpAddr::V4(Ipv4Addr::from(n as u32));
            }
            addr
        }
        IpAddr::V4(_) => addr,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn c(s: &str) -> AddrClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges_of_rfc_6890() {
        use AddrClass::*;
        let cases = [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("11.0.0.1", Public),
            ("100.63.255.255", Public),
            ("100.64.0.1", Shared),
            ("100.127.255.255", Shared),
            ("100.128.0.0", Public),
            ("127.0.0.1", Loopback),
            ("127.255.0.1", Loopback),
            ("169.254.1.1", LinkLocal),
            ("172.15.255.255", Public),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.0", Public),
            ("192.0.0.1", Reserved),
            ("192.0.0.9", Public),
            ("192.0.0.10", Public),
            ("192.0.2.55", Documentation),
            ("192.88.99.1", Public),
            ("192.168.1.1", Private),
            ("198.17.255.255", Public),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("198.20.0.0", Public),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("224.0.0.251", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.254", Reserved),
            ("255.255.255.255", Broadcast),
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
        ];
        for (a, want) in cases {
            assert_eq!(c(a), want, "{a}");
        }
    }

    #[test]
    fn ipv6_ranges_of_rfc_6890() {
        use AddrClass::*;
        let cases = [
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:8.8.8.8", Public),
            ("64:ff9b::c0a8:101", Private),
            ("64:ff9b::808:808", Public),
            ("64:ff9b:1::1", Private),
            ("100::1", Reserved),
            ("2001::1", Public),
            ("2001:1::1", Public),
            ("2001:1::3", Reserved),
            ("2001:2::1", Benchmarking),
            ("2001:3::1", Public),
            ("2001:4:112::1", Public),
            ("2001:10::1", Reserved),
            ("2001:20::1", Public),
            ("2001:db8::1", Documentation),
            ("2002:c000:204::1", Public),
            ("2001:4860:4860::8888", Public),
            ("2606:4700:4700::1111", Public),
            ("3fff::1", Documentation),
            ("5f00::1", Reserved),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", Reserved),
            ("ff02::1", Multicast),
            ("ff05::1:3", Multicast),
            ("4000::1", Reserved),
        ];
        for (a, want) in cases {
            assert_eq!(c(a), want, "{a}");
        }
    }

    #[test]
    fn ranges_agree_with_the_classifier() {
        // The first and last address of every range the filter sets name are of that class.
        for class in AddrClass::ALL {
            let (v4, v6) = class.ranges();
            for r in v4.iter().chain(v6) {
                if let Some((a, b)) = r.split_once("..") {
                    for x in [a, b] {
                        assert_eq!(c(x), class, "{r}");
                    }
                    continue;
                }
                let (net, len) = r.split_once('/').unwrap();
                let len: u32 = len.parse().unwrap();
                let net: IpAddr = net.parse().unwrap();
                let last = match net {
                    IpAddr::V4(a) => {
                        let host = if len == 32 { 0 } else { u32::MAX >> len };
                        IpAddr::V4(Ipv4Addr::from(u32::from(a) | host))
                    }
                    IpAddr::V6(a) => {
                        let host = if len == 128 { 0 } else { u128::MAX >> len };
                        IpAddr::V6(Ipv6Addr::from(u128::from(a) | host))
                    }
                };
                assert_eq!(classify(net), class, "{r} start");
                assert_eq!(classify(last), class, "{r} end");
            }
        }
    }

    #[test]
    fn groups_and_canonical_forms() {
        assert_eq!(c("10.0.0.1").group(), AddrGroup::Local);
        assert_eq!(c("224.0.0.1").group(), AddrGroup::Group);
        assert_eq!(c("8.8.8.8").group(), AddrGroup::Public);
        assert_eq!(c("192.0.2.1").group(), AddrGroup::Special);
        assert_eq!(
            canonical("::ffff:8.8.8.8".parse().unwrap()),
            "8.8.8.8".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            canonical("64:ff9b::101:101".parse().unwrap()),
            "1.1.1.1".parse::<IpAddr>().unwrap()
        );
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(canonical(v6), v6);
    }
}
