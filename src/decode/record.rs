//! The decoded summary of one packet.

use std::net::IpAddr;

macro_rules! protos {
    ($($(#[$m:meta])* $variant:ident = $bit:literal, $name:literal;)*) => {
        /// A protocol that can appear in a packet, at any layer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Proto {
            $($(#[$m])* $variant = $bit,)*
        }

        impl Proto {
            /// Every protocol, in bit order.
            pub const ALL: &'static [Proto] = &[$(Proto::$variant,)*];

            /// The short lowercase name used in reports and filters (`"ipv4"`, `"dns"`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Proto::$variant => $name,)*
                }
            }

            /// The protocol with this name.
            pub fn from_name(name: &str) -> Option<Proto> {
                match name {
                    $($name => Some(Proto::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

protos! {
    /// Ethernet II / 802.3 header.
    Ethernet = 0, "ethernet";
    /// 802.1Q / 802.1ad VLAN tag.
    Vlan = 1, "vlan";
    /// MPLS label stack.
    Mpls = 2, "mpls";
    /// PPP.
    Ppp = 3, "ppp";
    /// PPP over Ethernet.
    Pppoe = 4, "pppoe";
    /// Linux cooked capture (SLL or SLL2).
    Sll = 5, "sll";
    /// IEEE 802.11 (with or without radiotap).
    Wlan = 6, "wlan";
    /// 802.2 LLC.
    Llc = 7, "llc";
    /// ARP.
    Arp = 8, "arp";
    /// IPv4.
    Ipv4 = 9, "ipv4";
    /// IPv6.
    Ipv6 = 10, "ipv6";
    /// ICMP (v4).
    Icmp = 11, "icmp";
    /// ICMPv6.
    Icmpv6 = 12, "icmpv6";
    /// TCP.
    Tcp = 13, "tcp";
    /// UDP.
    Udp = 14, "udp";
    /// GRE.
    Gre = 15, "gre";
    /// VXLAN.
    Vxlan = 16, "vxlan";
    /// Teredo.
    Teredo = 17, "teredo";
    /// DNS (port 53, over UDP or TCP).
    Dns = 18, "dns";
    /// Multicast DNS (port 5353).
    Mdns = 19, "mdns";
    /// LLMNR (port 5355).
    Llmnr = 20, "llmnr";
    /// DHCP / BOOTP.
    Dhcp = 21, "dhcp";
    /// DHCPv6.
    Dhcpv6 = 22, "dhcpv6";
    /// HTTP.
    Http = 23, "http";
    /// TLS.
    Tls = 24, "tls";
    /// QUIC.
    Quic = 25, "quic";
    /// NTP.
    Ntp = 26, "ntp";
    /// SSH.
    Ssh = 27, "ssh";
    /// SMB / SMB2.
    Smb = 28, "smb";
    /// NetBIOS name/datagram service.
    Netbios = 29, "netbios";
    /// SSDP.
    Ssdp = 30, "ssdp";
    /// SNMP.
    Snmp = 31, "snmp";
    /// Syslog.
    Syslog = 32, "syslog";
    /// FTP (control).
    Ftp = 33, "ftp";
    /// Telnet.
    Telnet = 34, "telnet";
    /// SMTP.
    Smtp = 35, "smtp";
    /// POP3.
    Pop3 = 36, "pop3";
    /// IMAP.
    Imap = 37, "imap";
    /// LDAP.
    Ldap = 38, "ldap";
    /// ONC RPC / NFS.
    Rpc = 39, "rpc";
    /// IGMP.
    Igmp = 40, "igmp";
    /// SCTP.
    Sctp = 41, "sctp";
    /// Netfilter NFLOG.
    Nflog = 42, "nflog";
    /// Cisco HDLC.
    Chdlc = 43, "chdlc";
    /// BSD null/loopback.
    Null = 44, "null";
    /// Spanning tree / other link-control protocols.
    Stp = 45, "stp";
    /// Kerberos.
    Kerberos = 46, "kerberos";
    /// SIP.
    Sip = 47, "sip";
    /// RDP.
    Rdp = 48, "rdp";
    /// IPsec ESP / AH.
    Ipsec = 49, "ipsec";
    /// OSPF.
    Ospf = 50, "ospf";
    /// VRRP / other router protocols.
    Vrrp = 51, "vrrp";
    /// IP fragment (a frame carrying a non-first or incomplete fragment).
    Fragment = 52, "ip_fragment";
    /// SOCKS.
    Socks = 53, "socks";
    /// Cisco VN-Tag.
    Vntag = 54, "vntag";
    /// 802.1X EAPOL.
    Eapol = 55, "eapol";
    /// L2TP (version 2, over UDP 1701).
    L2tp = 56, "l2tp";
    /// GTP user plane (UDP 2152).
    Gtp = 57, "gtp";
    /// Geneve (UDP 6081).
    Geneve = 58, "geneve";
}

/// A set of [`Proto`], one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Protocols(pub u64);

impl Protocols {
    /// Adds a protocol.
    #[inline]
    pub fn insert(&mut self, p: Proto) {
        self.0 |= 1u64 << (p as u8);
    }
    /// Whether the set holds `p`.
    #[inline]
    pub fn contains(self, p: Proto) -> bool {
        self.0 & (1u64 << (p as u8)) != 0
    }
    /// The protocols in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Proto> {
        Proto::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

/// The application protocol of a packet: the highest layer decoded (by port and by content).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AppProto {
    /// Nothing above the transport layer was recognised.
    #[default]
    None,
    /// One of the application protocols in [`Proto`].
    Known(Proto),
}

/// The layer at which decoding found damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Link layer (Ethernet, SLL, 802.11 ...).
    Link,
    /// Network layer (IPv4, IPv6, ARP).
    Network,
    /// Transport layer (TCP, UDP, ICMP).
    Transport,
    /// Application layer.
    Application,
}

/// Source and destination of one IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPair {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
}

/// TCP header fields the analysis needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpInfo {
    /// Flags: FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80, NS=0x100.
    pub flags: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Window field (unscaled).
    pub window: u16,
    /// TCP payload length (from the IP length, not the captured bytes).
    pub payload_len: u32,
    /// The shift count of the segment's window scale option (kind 3, length 3), as sent
    /// (Wireshark uses at most 14); `None` when the header carries none. Normally only SYN and
    /// SYN/ACK segments carry one.
    pub wscale: Option<u8>,
}

impl TcpInfo {
    /// FIN flag.
    pub const FIN: u16 = 0x01;
    /// SYN flag.
    pub const SYN: u16 = 0x02;
    /// RST flag.
    pub const RST: u16 = 0x04;
    /// PSH flag.
    pub const PSH: u16 = 0x08;
    /// ACK flag.
    pub const ACK: u16 = 0x10;
}

/// DNS header fields (first message in the packet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DnsInfo {
    /// Transaction id.
    pub id: u16,
    /// QR bit: a response.
    pub response: bool,
    /// Response code (0 = NoError, 2 = ServFail, 3 = NXDomain ...).
    pub rcode: u8,
    /// Type of the first question (1 = A, 28 = AAAA ...), 0 if none.
    pub qtype: u16,
    /// Number of answers.
    pub answers: u16,
}

/// An id into the decoder's side table of names (TLS SNI, HTTP Host, DNS query name); 0 = none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NameId(pub u32);

/// The fixed-size summary of one packet. `Copy`, no heap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacketRecord {
    /// Timestamp, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Original length (`frame.len`).
    pub orig_len: u32,
    /// Captured length (`frame.cap_len`).
    pub cap_len: u32,
    /// Link type of the frame.
    pub link_type: u32,
    /// Every protocol that appears in the frame at any layer, including tunnelled headers and
    /// headers quoted inside ICMP errors (as in Wireshark's `frame.protocols`).
    pub protocols: Protocols,
    /// The outermost IP header's addresses.
    pub ip: Option<IpPair>,
    /// The innermost tunnelled IP header's addresses, when the frame carries a tunnel (GRE,
    /// IP-in-IP, Teredo, VXLAN ...); `None` otherwise. Headers quoted in ICMP errors are not
    /// tunnels.
    pub tunnel_ip: Option<IpPair>,
    /// Hop limit / TTL of the outermost IP header.
    pub ttl: u8,
    /// IP protocol number of the transport carried by the innermost IP header (6 = TCP ...).
    pub ip_proto: u8,
    /// Transport source port (TCP/UDP), 0 if none.
    pub src_port: u16,
    /// Transport destination port (TCP/UDP), 0 if none.
    pub dst_port: u16,
    /// ICMP / ICMPv6 type and code of the innermost ICMP header, if any.
    pub icmp: Option<(u8, u8)>,
    /// TCP fields, when the innermost transport is TCP.
    pub tcp: Option<TcpInfo>,
    /// DNS fields, when the packet carries DNS.
    pub dns: Option<DnsInfo>,
    /// Application protocol.
    pub app: AppProto,
    /// Ethernet source and destination MAC of the outermost Ethernet header.
    pub eth: Option<([u8; 6], [u8; 6])>,
    /// Outermost VLAN id, 0 if untagged.
    pub vlan: u16,
    /// Name from the side table: TLS SNI, HTTP Host or DNS query name.
    pub name: NameId,
    /// Where decoding found damage, if anywhere.
    pub malformed: Option<Layer>,
    /// Wireshark's `tcp.analysis.*` flags of the frame: the bits of
    /// [`TcpFlags`](crate::health::tcp::TcpFlags), set by the TCP analysis
    /// ([`Health::push`](crate::health::Health::push)), not by the decoder. 0 when no flag is set,
    /// and on every frame when the analysis did not run (the decoder alone leaves it 0).
    pub tcp_analysis: u16,
}

impl PacketRecord {
    /// The addresses that identify this packet's traffic: the innermost IP pair.
    pub fn inner_ip(&self) -> Option<IpPair> {
        self.tunnel_ip.or(self.ip)
    }

    /// The highest protocol decoded, for the packet table's Protocol column.
    pub fn top_proto(&self) -> Option<Proto> {
        if let AppProto::Known(p) = self.app {
            return Some(p);
        }
        [
            Proto::Tcp,
            Proto::Udp,
            Proto::Icmpv6,
            Proto::Icmp,
            Proto::Ipv6,
            Proto::Ipv4,
            Proto::Arp,
        ]
        .into_iter()
        .find(|p| self.protocols.contains(*p))
    }
}
