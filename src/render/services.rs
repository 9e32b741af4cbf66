//! Names of well-known service ports, for labels such as `tcp/443 (https)`.
//!
//! A short table of the services a network engineer meets every day (IANA names), not the full
//! registry: an unknown port is shown by number alone.

/// The IANA service name of a TCP (6) or UDP (17) port, if it is a common one.
pub fn service_name(ip_proto: u8, port: u16) -> Option<&'static str> {
    let both = match port {
        20 => "ftp-data",
        21 => "ftp",
        22 => "ssh",
        23 => "telnet",
        25 => "smtp",
        53 => "dns",
        80 => "http",
        88 => "kerberos",
        110 => "pop3",
        111 => "sunrpc",
        119 => "nntp",
        135 => "msrpc",
        139 => "netbios-ssn",
        143 => "imap",
        179 => "bgp",
        389 => "ldap",
        443 => "https",
        445 => "smb",
        465 => "smtps",
        514 => "syslog",
        554 => "rtsp",
        587 => "submission",
        636 => "ldaps",
        853 => "dns-over-tls",
        873 => "rsync",
        993 => "imaps",
        995 => "pop3s",
        1080 => "socks",
        1433 => "ms-sql",
        1521 => "oracle",
        1723 => "pptp",
        1883 => "mqtt",
        2049 => "nfs",
        3128 => "http-proxy",
        3306 => "mysql",
        3389 => "rdp",
        5060 => "sip",
        5061 => "sips",
        5222 => "xmpp",
        5432 => "postgresql",
        5900 => "vnc",
        6379 => "redis",
        6443 => "kubernetes",
        8080 => "http-alt",
        8443 => "https-alt",
        9200 => "elasticsearch",
        _ => "",
    };
    let udp = match port {
        67 => "dhcp-server",
        68 => "dhcp-client",
        69 => "tftp",
        123 => "ntp",
        137 => "netbios-ns",
        138 => "netbios-dgm",
        161 => "snmp",
        162 => "snmptrap",
        443 => "quic",
        500 => "isakmp",
        546 => "dhcpv6-client",
        547 => "dhcpv6-server",
        1194 => "openvpn",
        1900 => "ssdp",
        3478 => "stun",
        3544 => "teredo",
        4500 => "ipsec-nat-t",
        4789 => "vxlan",
        5353 => "mdns",
        5355 => "llmnr",
        51820 => "wireguard",
        _ => "",
    };
    let name = match ip_proto {
        17 if !udp.is_empty() => udp,
        6 | 17 => both,
        _ => "",
    };
    (!name.is_empty()).then_some(name)
}

/// `"tcp/443 (https)"`, `"udp/5353 (mdns)"`, `"tcp/40000"`.
pub fn port_label(ip_proto: u8, port: u16) -> String {
    let transport = match ip_proto {
        6 => "tcp".to_string(),
        17 => "udp".to_string(),
        n => format!("ip{n}"),
    };
    match service_name(ip_proto, port) {
        Some(name) => format!("{transport}/{port} ({name})"),
        None => format!("{transport}/{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(port_label(6, 443), "tcp/443 (https)");
        assert_eq!(port_label(17, 443), "udp/443 (quic)");
        assert_eq!(port_label(17, 53), "udp/53 (dns)");
        assert_eq!(port_label(6, 80), "tcp/80 (http)");
        assert_eq!(port_label(6, 40000), "tcp/40000");
        assert_eq!(port_label(6, 123), "tcp/123");
        assert_eq!(port_label(132, 1), "ip132/1");
    }
}
