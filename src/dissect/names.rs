//! Names of protocol numbers, as Wireshark writes them.

/// Ethertype names (`eth.type`).
pub(super) fn ethertype(t: u16) -> &'static str {
    match t {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x0842 => "Wake on LAN",
        0x22f0 => "AVTP",
        0x6558 => "Transparent Ethernet bridging",
        0x8035 => "RARP",
        0x809b => "AppleTalk",
        0x80f3 => "AARP",
        0x8100 => "802.1Q Virtual LAN",
        0x8137 => "Netware IPX/SPX",
        0x86dd => "IPv6",
        0x8808 => "MAC Control",
        0x8809 => "Slow Protocols",
        0x880b => "PPP",
        0x8847 => "MPLS label switched packet",
        0x8848 => "MPLS multicast label switched packet",
        0x8863 => "PPPoE Discovery",
        0x8864 => "PPPoE Session",
        0x886d => "Intel ANS probe",
        0x888e => "802.1X Authentication",
        0x8892 => "PROFINET",
        0x88a8 => "802.1ad Provider Bridge (Q-in-Q)",
        0x88cc => "802.1 Link Layer Discovery Protocol (LLDP)",
        0x88e5 => "802.1AE (MACsec)",
        0x88f7 => "PTPv2 over Ethernet (IEEE1588)",
        0x8906 => "Fibre Channel over Ethernet",
        0x8914 => "FCoE Initialization Protocol",
        0x8926 => "VN-Tag",
        0x893a => "IEEE 1905.1a",
        0x9000 => "Configuration Test Protocol (loopback)",
        0x9100 | 0x9200 => "QinQ: old non-standard 802.1ad",
        _ => "Unknown",
    }
}

/// IP protocol numbers (`ip.proto`, `ipv6.nxt`).
pub(super) fn ip_proto(p: u8) -> &'static str {
    match p {
        0 => "IPv6 Hop-by-Hop Option",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGRP",
        17 => "UDP",
        27 => "RDP",
        33 => "DCCP",
        41 => "IPv6",
        43 => "Routing Header for IPv6",
        44 => "Fragment Header for IPv6",
        46 => "RSVP",
        47 => "Generic Routing Encapsulation",
        50 => "Encap Security Payload",
        51 => "Authentication Header",
        58 => "ICMPv6",
        59 => "IPv6 No Next Header",
        60 => "Destination Options for IPv6",
        88 => "EIGRP",
        89 => "OSPF IGP",
        103 => "PIM",
        112 => "Virtual Router Redundancy Protocol",
        115 => "Layer 2 Tunneling Protocol",
        132 => "SCTP",
        135 => "Mobility Header",
        136 => "UDPLite",
        137 => "MPLS in IP",
        139 => "Host Identity Protocol",
        140 => "Shim6 Protocol",
        143 => "Ethernet",
        253 | 254 => "Experimental",
        _ => "Unknown",
    }
}

/// The short name of an IP protocol, for `Fragmented IP protocol (proto=UDP 17, ...)`.
pub(super) fn ip_proto_short(p: u8) -> &'static str {
    match p {
        41 => "IPv6",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        89 => "OSPF",
        112 => "VRRP",
        _ => ip_proto(p),
    }
}

/// DSCP names (`ip.dsfield.dscp`).
pub(super) fn dscp(v: u8) -> String {
    let s = match v {
        0 => "Default",
        1 => "Lower Effort",
        8 => "Class Selector 1",
        10 => "Assured Forwarding 11",
        12 => "Assured Forwarding 12",
        14 => "Assured Forwarding 13",
        16 => "Class Selector 2",
        18 => "Assured Forwarding 21",
        20 => "Assured Forwarding 22",
        22 => "Assured Forwarding 23",
        24 => "Class Selector 3",
        26 => "Assured Forwarding 31",
        28 => "Assured Forwarding 32",
        30 => "Assured Forwarding 33",
        32 => "Class Selector 4",
        34 => "Assured Forwarding 41",
        36 => "Assured Forwarding 42",
        38 => "Assured Forwarding 43",
        40 => "Class Selector 5",
        44 => "Voice Admit",
        46 => "Expedited Forwarding",
        48 => "Class Selector 6",
        56 => "Class Selector 7",
        _ => "Unknown",
    };
    format!("{s} ({v})")
}

/// The DSCP's short name in a DS field summary (`DSCP: CS0`).
pub(super) fn dscp_short(v: u8) -> String {
    match v {
        0 => "CS0".into(),
        1 => "LE".into(),
        8 | 16 | 24 | 32 | 40 | 48 | 56 => format!("CS{}", v / 8),
        10 | 12 | 14 | 18 | 20 | 22 | 26 | 28 | 30 | 34 | 36 | 38 => {
            format!("AF{}{}", v / 8, (v % 8) / 2)
        }
        44 => "VA".into(),
        46 => "EF".into(),
        _ => format!("Unknown ({v})"),
    }
}

/// ECN names: (short, long).
pub(super) fn ecn(v: u8) -> (&'static str, &'static str) {
    match v & 3 {
        0 => ("Not-ECT", "Not ECN-Capable Transport"),
        1 => ("ECT(1)", "ECN-Capable Transport codepoint '01'"),
        2 => ("ECT(0)", "ECN-Capable Transport codepoint '10'"),
        _ => ("CE", "Congestion Experienced"),
    }
}

/// ARP hardware types.
pub(super) fn arp_hw(t: u16) -> &'static str {
    match t {
        1 => "Ethernet",
        6 => "IEEE 802",
        15 => "Frame Relay",
        16 => "ATM",
        20 => "Serial Line",
        24 => "IEEE 1394.1995",
        32 => "InfiniBand",
        _ => "Unknown",
    }
}

/// ARP opcodes.
pub(super) fn arp_op(op: u16) -> &'static str {
    match op {
        1 => "request",
        2 => "reply",
        3 => "reverse request",
        4 => "reverse reply",
        8 => "inverse request",
        9 => "inverse reply",
        _ => "unknown",
    }
}

/// Linux cooked capture packet types.
pub(super) fn sll_pkttype(t: u16) -> &'static str {
    match t {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => "Unknown",
    }
}

/// ARPHRD_* link-layer address types of Linux cooked captures.
pub(super) fn arphrd(t: u16) -> &'static str {
    match t {
        1 => "Ethernet",
        512 => "PPP",
        772 => "Loopback",
        776 => "IPv6-in-IPv4",
        778 => "IP GRE",
        801 => "IEEE 802.11",
        803 => "IEEE 802.11 + radiotap header",
        823 => "GRE over IPv6",
        824 => "Netlink",
        65534 => "None",
        _ => "Unknown",
    }
}

/// TCP option kinds: (name, Info text prefix).
pub(super) fn tcp_option(kind: u8) -> &'static str {
    match kind {
        0 => "End of Option List (EOL)",
        1 => "No-Operation (NOP)",
        2 => "Maximum segment size",
        3 => "Window scale",
        4 => "SACK permitted",
        5 => "SACK",
        8 => "Timestamps",
        19 => "MD5 signature",
        28 => "User Timeout",
        29 => "TCP Authentication Option",
        30 => "Multipath TCP",
        34 => "TCP Fast Open Cookie",
        _ => "Unknown",
    }
}

/// ICMP type names.
pub(super) fn icmp_type(t: u8) -> &'static str {
    match t {
        0 => "Echo (ping) reply",
        3 => "Destination unreachable",
        4 => "Source quench (flow control)",
        5 => "Redirect",
        8 => "Echo (ping) request",
        9 => "Router advertisement",
        10 => "Router solicitation",
        11 => "Time-to-live exceeded",
        12 => "Parameter problem",
        13 => "Timestamp request",
        14 => "Timestamp reply",
        15 => "Information request",
        16 => "Information reply",
        17 => "Address mask request",
        18 => "Address mask reply",
        _ => "Unknown ICMP (obsolete or malformed?)",
    }
}

/// ICMP code names, for the types that have them.
pub(super) fn icmp_code(t: u8, c: u8) -> Option<&'static str> {
    Some(match (t, c) {
        (3, 0) => "Network unreachable",
        (3, 1) => "Host unreachable",
        (3, 2) => "Protocol unreachable",
        (3, 3) => "Port unreachable",
        (3, 4) => "Fragmentation needed",
        (3, 5) => "Source route failed",
        (3, 6) => "Destination network unknown",
        (3, 7) => "Destination host unknown",
        (3, 8) => "Source host isolated",
        (3, 9) => "Network administratively prohibited",
        (3, 10) => "Host administratively prohibited",
        (3, 11) => "Network unreachable for TOS",
        (3, 12) => "Host unreachable for TOS",
        (3, 13) => "Communication administratively filtered",
        (3, 14) => "Host precedence violation",
        (3, 15) => "Precedence cutoff in effect",
        (5, 0) => "Redirect for network",
        (5, 1) => "Redirect for host",
        (5, 2) => "Redirect for TOS and network",
        (5, 3) => "Redirect for TOS and host",
        (11, 0) => "Time to live exceeded in transit",
        (11, 1) => "Fragment reassembly time exceeded",
        (12, 0) => "Pointer indicates the error",
        (12, 1) => "Required option missing",
        (12, 2) => "Bad length",
        _ => return None,
    })
}

/// ICMPv6 type names.
pub(super) fn icmpv6_type(t: u8) -> &'static str {
    match t {
        1 => "Destination Unreachable",
        2 => "Packet Too Big",
        3 => "Time Exceeded",
        4 => "Parameter Problem",
        100 | 101 | 200 | 201 => "Private experimentation",
        128 => "Echo (ping) request",
        129 => "Echo (ping) reply",
        130 => "Multicast Listener Query",
        131 => "Multicast Listener Report",
        132 => "Multicast Listener Done",
        133 => "Router Solicitation",
        134 => "Router Advertisement",
        135 => "Neighbor Solicitation",
        136 => "Neighbor Advertisement",
        137 => "Redirect",
        138 => "Router Renumbering",
        139 => "ICMP Node Information Query",
        140 => "ICMP Node Information Response",
        141 => "Inverse Neighbor Discovery Solicitation Message",
        142 => "Inverse Neighbor Discovery Advertisement Message",
        143 => "Multicast Listener Report Message v2",
        144 => "Home Agent Address Discovery Request Message",
        145 => "Home Agent Address Discovery Reply Message",
        146 => "Mobile Prefix Solicitation",
        147 => "Mobile Prefix Advertisement",
        151 => "Multicast Router Advertisement",
        152 => "Multicast Router Solicitation",
        153 => "Multicast Router Termination",
        155 => "RPL Control Message",
        _ => "Unknown",
    }
}

/// ICMPv6 code names, for the types that have them.
pub(super) fn icmpv6_code(t: u8, c: u8) -> Option<&'static str> {
    Some(match (t, c) {
        (1, 0) => "no route to destination",
        (1, 1) => "communication with destination administratively prohibited",
        (1, 2) => "beyond scope of source address",
        (1, 3) => "address unreachable",
        (1, 4) => "port unreachable",
        (1, 5) => "source address failed ingress/egress policy",
        (1, 6) => "reject route to destination",
        (1, 7) => "error in Source Routing Header",
        (3, 0) => "hop limit exceeded in transit",
        (3, 1) => "fragment reassembly time exceeded",
        (4, 0) => "erroneous header field encountered",
        (4, 1) => "unrecognized Next Header type encountered",
        (4, 2) => "unrecognized IPv6 option encountered",
        _ => return None,
    })
}

/// ICMPv6 neighbour discovery option names.
pub(super) fn nd_option(t: u8) -> &'static str {
    match t {
        1 => "Source link-layer address",
        2 => "Target link-layer address",
        3 => "Prefix information",
        4 => "Redirected header",
        5 => "MTU",
        14 => "Nonce",
        24 => "Route Information",
        25 => "Recursive DNS Server",
        31 => "DNS Search List",
        _ => "Unknown",
    }
}

/// DNS record type mnemonics.
pub(super) fn dns_type(t: u16) -> String {
    let s = match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        24 => "SIG",
        25 => "KEY",
        28 => "AAAA",
        29 => "LOC",
        33 => "SRV",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        39 => "DNAME",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        53 => "SMIMEA",
        55 => "HIP",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        257 => "CAA",
        32768 => "TA",
        32769 => "DLV",
        _ => return format!("Unknown ({t})"),
    };
    s.to_string()
}

/// DNS record type with its description, for the tree (`A (Host Address) (1)`).
pub(super) fn dns_type_long(t: u16) -> String {
    let d = match t {
        1 => " (Host Address)",
        2 => " (authoritative Name Server)",
        5 => " (Canonical NAME for an alias)",
        6 => " (Start Of a zone of Authority)",
        12 => " (domain name PoinTeR)",
        13 => " (host information)",
        15 => " (Mail eXchange)",
        16 => " (Text strings)",
        28 => " (IP6 Address)",
        33 => " (Server Selection)",
        35 => " (Naming Authority PoinTeR)",
        255 => " (A request for all records the server/cache has available)",
        _ => "",
    };
    format!("{}{d} ({t})", dns_type(t))
}

/// DNS class names.
pub(super) fn dns_class(c: u16) -> &'static str {
    match c {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => "Unknown",
    }
}

/// DNS opcodes, as the Info column starts.
pub(super) fn dns_opcode(op: u8) -> &'static str {
    match op {
        0 => "Standard query",
        1 => "Inverse query",
        2 => "Server status request",
        4 => "Zone change notification",
        5 => "Dynamic update",
        6 => "DNS Stateful operations (DSO)",
        _ => "Unknown operation",
    }
}

/// DNS response codes.
pub(super) fn dns_rcode(r: u8) -> &'static str {
    match r {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        6 => "Name exists",
        7 => "RRset exists",
        8 => "RRset does not exist",
        9 => "Not authoritative",
        10 => "Name out of zone",
        11 => "DSO-Type not implemented",
        _ => "Unknown error",
    }
}

/// TLS/SSL versions.
pub(super) fn tls_version(v: u16) -> &'static str {
    match v {
        0x0002 => "SSL 2.0",
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        0xfefc => "DTLS 1.3",
        v if v & 0x0f0f == 0x0a0a => "Reserved (GREASE)",
        v if v >> 8 == 0x7f => "TLS 1.3 (draft)",
        _ => "Unknown",
    }
}

/// The Protocol column for a TLS version.
pub(super) fn tls_column(v: u16) -> &'static str {
    match v {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => "TLS",
    }
}

/// TLS record content types.
pub(super) fn tls_content(t: u8) -> &'static str {
    match t {
        20 => "Change Cipher Spec",
        21 => "Alert",
        22 => "Handshake",
        23 => "Application Data",
        24 => "Heartbeat",
        _ => "Unknown",
    }
}

/// TLS handshake message types.
pub(super) fn tls_handshake(t: u8) -> Option<&'static str> {
    Some(match t {
        0 => "Hello Request",
        1 => "Client Hello",
        2 => "Server Hello",
        3 => "Hello Verify Request",
        4 => "New Session Ticket",
        5 => "End of Early Data",
        6 => "Hello Retry Request",
        8 => "Encrypted Extensions",
        11 => "Certificate",
        12 => "Server Key Exchange",
        13 => "Certificate Request",
        14 => "Server Hello Done",
        15 => "Certificate Verify",
        16 => "Client Key Exchange",
        20 => "Finished",
        21 => "Certificate URL",
        22 => "Certificate Status",
        23 => "Supplemental Data",
        24 => "Key Update",
        25 => "Compressed Certificate",
        254 => "Message Hash",
        _ => return None,
    })
}

/// TLS extension names.
pub(super) fn tls_extension(t: u16) -> String {
    let s = match t {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        14 => "use_srtp",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        17 => "status_request_v2",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        47 => "certificate_authorities",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        57 => "quic_transport_parameters",
        13172 => "next_protocol_negotiation",
        17513 => "application_settings",
        65037 => "encrypted_client_hello",
        65281 => "renegotiation_info",
        t if t & 0x0f0f == 0x0a0a => "Reserved (GREASE)",
        _ => return format!("Unknown type {t}"),
    };
    s.to_string()
}

/// Cipher suite names (the common ones; others are shown by number).
pub(super) fn cipher_suite(c: u16) -> Option<&'static str> {
    Some(match c {
        0x0000 => "TLS_NULL_WITH_NULL_NULL",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x5600 => "TLS_FALLBACK_SCSV",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        _ => return None,
    })
}

/// TLS alert levels.
pub(super) fn tls_alert_level(l: u8) -> &'static str {
    match l {
        1 => "Warning",
        2 => "Fatal",
        _ => "Unknown",
    }
}

/// TLS alert descriptions.
pub(super) fn tls_alert(d: u8) -> &'static str {
    match d {
        0 => "Close Notify",
        10 => "Unexpected Message",
        20 => "Bad Record MAC",
        21 => "Decryption Failed",
        22 => "Record Overflow",
        30 => "Decompression Failure",
        40 => "Handshake Failure",
        41 => "No Certificate",
        42 => "Bad Certificate",
        43 => "Unsupported Certificate",
        44 => "Certificate Revoked",
        45 => "Certificate Expired",
        46 => "Certificate Unknown",
        47 => "Illegal Parameter",
        48 => "Unknown CA",
        49 => "Access Denied",
        50 => "Decode Error",
        51 => "Decrypt Error",
        60 => "Export Restriction",
        70 => "Protocol Version",
        71 => "Insufficient Security",
        80 => "Internal Error",
        86 => "Inappropriate Fallback",
        90 => "User Canceled",
        100 => "No Renegotiation",
        109 => "Missing Extension",
        110 => "Unsupported Extension",
        112 => "Unrecognized Name",
        113 => "Bad Certificate Status Response",
        115 => "Unknown PSK Identity",
        116 => "Certificate Required",
        120 => "No Application Protocol",
        _ => "Unknown",
    }
}

/// HTTP status code descriptions.
pub(super) fn http_status(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        _ => "Unknown",
    }
}

/// HTTP header names Wireshark has fields for, lowercase name to field.
pub(super) fn http_header_field(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "host" => "http.host",
        "user-agent" => "http.user_agent",
        "accept" => "http.accept",
        "accept-encoding" => "http.accept_encoding",
        "accept-language" => "http.accept_language",
        "authorization" => "http.authorization",
        "cache-control" => "http.cache_control",
        "connection" => "http.connection",
        "content-encoding" => "http.content_encoding",
        "content-length" => "http.content_length_header",
        "content-type" => "http.content_type",
        "cookie" => "http.cookie",
        "date" => "http.date",
        "last-modified" => "http.last_modified",
        "location" => "http.location",
        "referer" => "http.referer",
        "server" => "http.server",
        "set-cookie" => "http.set_cookie",
        "transfer-encoding" => "http.transfer_encoding",
        "upgrade" => "http.upgrade",
        "x-forwarded-for" => "http.x_forwarded_for",
        _ => return None,
    })
}
