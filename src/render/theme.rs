//! Colours: the light and dark themes, and the one colour each protocol has everywhere.
//!
//! Categories use the Okabe-Ito palette (distinguishable with every common colour-vision
//! deficiency). A protocol is coloured by the timeline class its frames stack under, so the
//! protocols chart, the ports chart, the timeline and the packet table agree: TCP and the
//! application protocols usually carried over TCP (HTTP, TLS, SSH ...) are blue, UDP and its
//! applications (DNS, QUIC, DHCP ...) orange, ICMP purple, ARP green, other IP protocols
//! (GRE, IGMP, OSPF ...) vermillion, IPv4/IPv6 themselves sky blue and link-layer protocols grey.
//!
//! Text colours meet WCAG AA (contrast of at least 4.5:1) on their theme's background; the
//! unit tests check it.

use crate::stats::TrafficClass;
use plotters::style::RGBColor;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// From `0xRRGGBB`.
    pub const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    /// CSS form, `"#0072b2"`.
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2 relative luminance, 0 (black) to 1 (white).
    pub fn luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG 2 contrast ratio between two colours, 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// This colour mixed with `other`: `t` = 0 is `self`, 1 is `other`.
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }

    /// The colour at `t` in 0..=1 (clamped; NaN is 0) along evenly spaced `stops`, mixed
    /// between the two around it.
    pub(crate) fn ramp(stops: &[Rgb], t: f64) -> Rgb {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let x = t * stops.len().saturating_sub(1) as f64;
        let i = (x.floor() as usize).min(stops.len().saturating_sub(2));
        match (stops.get(i), stops.get(i + 1)) {
            (Some(a), Some(b)) => a.mix(*b, x - i as f64),
            (Some(a), None) => *a,
            _ => Rgb(0, 0, 0),
        }
    }
}

impl From<Rgb> for RGBColor {
    fn from(c: Rgb) -> RGBColor {
        RGBColor(c.0, c.1, c.2)
    }
}

/// The Okabe-Ito palette, in its usual order.
pub const OKABE_ITO: [Rgb; 8] = [
    Rgb::hex(0x000000), // black
    Rgb::hex(0xE69F00), // orange
    Rgb::hex(0x56B4E9), // sky blue
    Rgb::hex(0x009E73), // bluish green
    Rgb::hex(0xF0E442), // yellow
    Rgb::hex(0x0072B2), // blue
    Rgb::hex(0xD55E00), // vermillion
    Rgb::hex(0xCC79A7), // reddish purple
];

/// Colours of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// `"light"` or `"dark"`.
    pub name: &'static str,
    /// Chart background.
    pub background: Rgb,
    /// Titles, labels, values (AA contrast on `background`).
    pub text: Rgb,
    /// Axis titles, tick labels, empty-state text (AA contrast on `background`).
    pub muted: Rgb,
    /// Grid lines.
    pub grid: Rgb,
    /// Axis lines and tick marks.
    pub axis: Rgb,
    /// Single-series marks that stand for no protocol (hosts, packet sizes).
    pub accent: Rgb,
    /// The packet-count line drawn over the stacked bytes.
    pub line: Rgb,
    /// One colour per [`TrafficClass`], in [`TrafficClass::ALL`] order.
    pub classes: [Rgb; 6],
    /// IPv4 / IPv6 themselves.
    pub network: Rgb,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::light()
    }
}

impl Theme {
    /// Dark text on white.
    pub fn light() -> Theme {
        Theme {
            name: "light",
            background: Rgb::hex(0xFFFFFF),
            text: Rgb::hex(0x1F2328),
            muted: Rgb::hex(0x59636E),
            grid: Rgb::hex(0xE4E7EB),
            axis: Rgb::hex(0x8C959F),
            accent: Rgb::hex(0x3A6EA5),
            line: Rgb::hex(0x1F2328),
            classes: [
                OKABE_ITO[5],       // TCP: blue
                OKABE_ITO[1],       // UDP: orange
                OKABE_ITO[7],       // ICMP: reddish purple
                OKABE_ITO[3],       // ARP: bluish green
                OKABE_ITO[6],       // other IP: vermillion (away from UDP's orange in the stack)
                Rgb::hex(0x8C8C8C), // other: grey
            ],
            network: OKABE_ITO[2],
        }
    }

    /// Light text on a dark panel.
    pub fn dark() -> Theme {
        Theme {
            name: "dark",
            background: Rgb::hex(0x161B22),
            text: Rgb::hex(0xE6EDF3),
            muted: Rgb::hex(0x9DA7B3),
            grid: Rgb::hex(0x2A3038),
            axis: Rgb::hex(0x5C6570),
            accent: Rgb::hex(0x79A6D9),
            line: Rgb::hex(0xE6EDF3),
            classes: [
                OKABE_ITO[5], // TCP (3.3:1 on the panel; a lighter tint would look like IPv4's sky blue)
                OKABE_ITO[1], // UDP
                OKABE_ITO[7], // ICMP
                OKABE_ITO[3], // ARP
                OKABE_ITO[6], // other IP
                Rgb::hex(0x8B949E), // other
            ],
            network: OKABE_ITO[2],
        }
    }

    /// The theme called `name` (`"light"`, `"dark"`), if any.
    pub fn by_name(name: &str) -> Option<Theme> {
        match name {
            "light" => Some(Theme::light()),
            "dark" => Some(Theme::dark()),
            _ => None,
        }
    }

    /// The colour of a timeline class.
    pub fn class_color(&self, class: TrafficClass) -> Rgb {
        self.classes[class as usize]
    }

    /// The colour of a protocol (a [`crate::decode::Proto::name`]), the same in every chart and
    /// in the packet table.
    pub fn protocol_color(&self, proto: &str) -> Rgb {
        match protocol_class(proto) {
            Some(class) => self.class_color(class),
            None => self.network,
        }
    }

    /// The colour of a transport (6 = TCP, 17 = UDP, 1/58 = ICMP, anything else other IP).
    pub fn transport_color(&self, ip_proto: u8) -> Rgb {
        self.class_color(match ip_proto {
            6 => TrafficClass::Tcp,
            17 => TrafficClass::Udp,
            1 | 58 => TrafficClass::Icmp,
            _ => TrafficClass::OtherIp,
        })
    }
}

/// The timeline class whose colour a protocol takes: its own class for TCP, UDP, ICMP and ARP,
/// the class of its usual transport for application protocols, `OtherIp` for other protocols
/// carried directly over IP, `Other` for link-layer and unknown protocols, and `None` for IPv4,
/// IPv6 and IP fragments, which span every IP class.
pub fn protocol_class(proto: &str) -> Option<TrafficClass> {
    Some(match proto {
        "ipv4" | "ipv6" | "ip_fragment" => return None,
        "tcp" | "http" | "tls" | "ssh" | "smb" | "ftp" | "telnet" | "smtp" | "pop3" | "imap"
        | "ldap" | "rdp" | "socks" | "rpc" => TrafficClass::Tcp,
        "udp" | "dns" | "mdns" | "llmnr" | "dhcp" | "dhcpv6" | "quic" | "ntp" | "ssdp" | "snmp"
        | "syslog" | "netbios" | "kerberos" | "sip" | "vxlan" | "teredo" => TrafficClass::Udp,
        "icmp" | "icmpv6" => TrafficClass::Icmp,
        "arp" => TrafficClass::Arp,
        "gre" | "ipsec" | "igmp" | "sctp" | "ospf" | "vrrp" => TrafficClass::OtherIp,
        _ => TrafficClass::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_math_matches_wcag() {
        let black = Rgb::hex(0x000000);
        let white = Rgb::hex(0xFFFFFF);
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        assert!((white.contrast(white) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        assert!((Rgb::hex(0x767676).contrast(white) - 4.54).abs() < 0.01);
        assert_eq!(Rgb::hex(0x0072B2).css(), "#0072b2");
        assert_eq!(black.mix(white, 0.5), Rgb(128, 128, 128));
    }

    #[test]
    fn text_meets_wcag_aa_in_both_themes() {
        for t in [Theme::light(), Theme::dark()] {
            assert!(t.text.contrast(t.background) >= 7.0, "{} text", t.name);
            assert!(t.muted.contrast(t.background) >= 4.5, "{} muted", t.name);
            // Marks stay visible against the background (WCAG non-text contrast for the line
            // and the single-series colour).
            assert!(t.line.contrast(t.background) >= 3.0, "{} line", t.name);
            assert!(t.accent.contrast(t.background) >= 3.0, "{} accent", t.name);
            // The grid is faint but differs from the background.
            assert!(t.grid != t.background);
        }
    }

    #[test]
    fn protocols_share_their_class_colour() {
        let t = Theme::light();
        assert_eq!(t.protocol_color("tcp"), t.class_color(TrafficClass::Tcp));
        assert_eq!(t.protocol_color("tls"), t.class_color(TrafficClass::Tcp));
        assert_eq!(t.protocol_color("dns"), t.class_color(TrafficClass::Udp));
        assert_eq!(
            t.protocol_color("icmpv6"),
            t.class_color(TrafficClass::Icmp)
        );
        assert_eq!(t.protocol_color("arp"), t.class_color(TrafficClass::Arp));
        assert_eq!(
            t.protocol_color("ospf"),
            t.class_color(TrafficClass::OtherIp)
        );
        assert_eq!(
            t.protocol_color("ethernet"),
            t.class_color(TrafficClass::Other)
        );
        assert_eq!(t.protocol_color("ipv6"), t.network);
        assert_eq!(t.transport_color(17), t.class_color(TrafficClass::Udp));
        // In both themes every class colour is far from the others and from the network
        // colour, and stands out from the background.
        for t in [Theme::light(), Theme::dark()] {
            let mut all: Vec<Rgb> = t.classes.to_vec();
            all.push(t.network);
            for (i, a) in all.iter().enumerate() {
                assert!(a.contrast(t.background) >= 2.0, "{} {a:?}", t.name);
                for b in &all[i + 1..] {
                    let d = |x: u8, y: u8| (f64::from(x) - f64::from(y)).powi(2);
                    let dist = (d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)).sqrt();
                    // Okabe-Ito's closest pair (orange, vermillion) is about 67 apart.
                    assert!(dist >= 60.0, "{} {a:?} vs {b:?}: {dist}", t.name);
                }
            }
        }
        assert_eq!(Theme::by_name("dark"), Some(Theme::dark()));
    }
}
