//! Tests of the filter language: parsing, errors, canonical text, evaluation on hand-made
//! records, and properties over arbitrary input.

use super::*;
use crate::capture::NO_TIMESTAMP;
use crate::decode::{AppProto, DnsInfo, IpPair, Proto, Protocols, TcpInfo};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn parse(s: &str) -> Expr {
    compile(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .expr()
        .cloned()
        .unwrap_or_else(|| panic!("{s}: empty"))
}

fn err(s: &str) -> (usize, String) {
    let e = compile(s).expect_err(s);
    (e.column, e.message)
}

fn canon(s: &str) -> String {
    compile(s).unwrap().to_string()
}

fn cmp(field: Field, op: CmpOp, v: Value) -> Expr {
    Expr::Compare {
        lhs: field.into(),
        op,
        rhs: Operand::Value(v),
    }
}

fn proto(p: Proto) -> Expr {
    Expr::Proto(ProtoName::Proto(p))
}

// ---------------------------------------------------------------- parsing

#[test]
fn empty_filter_matches_everything() {
    for s in ["", "   ", "\t\n"] {
        let f = compile(s).unwrap();
        assert!(f.is_empty());
        assert_eq!(f.to_string(), "");
        let ctx = EvalContext {
            number: 1,
            first_ts_ns: None,
            names: &NoNames,
        };
        assert!(f.matches(&PacketRecord::default(), &ctx));
    }
}

#[test]
fn precedence_not_and_or() {
    // `and` binds tighter than `or` (tshark 4.0: `f==2 or f==1 and f==3` matches frame 2).
    assert_eq!(
        parse("tcp || udp && dns"),
        Expr::Or(vec![
            proto(Proto::Tcp),
            Expr::And(vec![proto(Proto::Udp), proto(Proto::Dns)])
        ])
    );
    assert_eq!(
        parse("not tcp and udp"),
        Expr::And(vec![
            Expr::Not(Box::new(proto(Proto::Tcp))),
            proto(Proto::Udp)
        ])
    );
    // Same-operator groups are flattened, whatever the parentheses.
    assert_eq!(
        parse("(tcp && udp) && dns"),
        Expr::And(vec![
            proto(Proto::Tcp),
            proto(Proto::Udp),
            proto(Proto::Dns)
        ])
    );
    assert_eq!(parse("tcp or (udp or dns)"), parse("tcp || udp || dns"));
    assert_eq!(
        parse("!tcp.port == 80"),
        Expr::Not(Box::new(cmp(Field::TcpPort, CmpOp::Eq, Value::UInt(80))))
    );
}

#[test]
fn protocol_names() {
    assert_eq!(parse("ip"), proto(Proto::Ipv4));
    assert_eq!(parse("ipv4"), proto(Proto::Ipv4));
    assert_eq!(parse("eth"), proto(Proto::Ethernet));
    assert_eq!(parse("ssl"), proto(Proto::Tls));
    assert_eq!(parse("frame"), Expr::Proto(ProtoName::Frame));
    for p in Proto::ALL {
        assert_eq!(parse(p.name()), proto(*p));
    }
    assert_eq!(canon("ipv4 && ethernet"), "ip && eth");
}

#[test]
fn operators_and_their_words() {
    for (sym, word, op) in [
        ("==", "eq", CmpOp::Eq),
        ("!=", "ne", CmpOp::Ne),
        ("===", "all_eq", CmpOp::AllEq),
        ("~=", "any_ne", CmpOp::AnyNe),
        ("<", "lt", CmpOp::Lt),
        ("<=", "le", CmpOp::Le),
        (">", "gt", CmpOp::Gt),
        (">=", "ge", CmpOp::Ge),
    ] {
        let want = cmp(Field::TcpPort, op, Value::UInt(80));
        assert_eq!(parse(&format!("tcp.port {sym} 80")), want);
        assert_eq!(parse(&format!("tcp.port {word} 80")), want);
        assert_eq!(parse(&format!("tcp.port{sym}80")), want);
    }
    assert_eq!(parse("tcp.port !== 80"), parse("tcp.port ~= 80"));
    assert_eq!(parse("tcp && udp"), parse("tcp and udp"));
    assert_eq!(parse("tcp || udp"), parse("tcp or udp"));
    assert_eq!(parse("!tcp"), parse("not tcp"));
}

#[test]
fn literals_by_type() {
    let u = |s: &str| match parse(&format!("frame.len == {s}")) {
        Expr::Compare {
            rhs: Operand::Value(v),
            ..
        } => v,
        e => panic!("{e:?}"),
    };
    assert_eq!(u("10"), Value::UInt(10));
    assert_eq!(u("0x1F"), Value::UInt(31));
    assert_eq!(u("0b101"), Value::UInt(5));
    assert_eq!(u("010"), Value::UInt(8));
    assert_eq!(u("0"), Value::UInt(0));
    assert_eq!(u("4294967295"), Value::UInt(u64::from(u32::MAX)));

    assert_eq!(
        parse("tcp.flags.syn == True"),
        cmp(Field::TcpSyn, CmpOp::Eq, Value::Bool(true))
    );
    assert_eq!(parse("tcp.flags.syn == 2"), parse("tcp.flags.syn == 1"));
    assert_eq!(parse("tcp.flags.syn == FALSE"), parse("tcp.flags.syn == 0"));

    assert_eq!(
        parse("frame.time_relative > 1.5"),
        cmp(
            Field::FrameTimeRelative,
            CmpOp::Gt,
            Value::Time(1_500_000_000)
        )
    );
    assert_eq!(
        parse("frame.time_relative >= -0.000000001"),
        cmp(Field::FrameTimeRelative, CmpOp::Ge, Value::Time(-1))
    );
    assert_eq!(
        parse("ip.addr == 10.1.2.3/8"),
        cmp(
            Field::IpAddr,
            CmpOp::Eq,
            Value::Ipv4(Ipv4Addr::new(10, 1, 2, 3), 8)
        )
    );
    assert_eq!(
        parse("ip.addr == 10.1.2.3/32"),
        parse("ip.addr == 10.1.2.3")
    );
    assert_eq!(
        parse("ipv6.addr == 2001:db8::/32"),
        cmp(
            Field::Ipv6Addr,
            CmpOp::Eq,
            Value::Ipv6("2001:db8::".parse().unwrap(), 32)
        )
    );
    assert_eq!(
        parse("ipv6.src == ::ffff:1.2.3.4"),
        cmp(
            Field::Ipv6Src,
            CmpOp::Eq,
            Value::Ipv6(Ipv4Addr::new(1, 2, 3, 4).to_ipv6_mapped(), 128)
        )
    );
    let mac = Value::Mac([0x00, 0x0c, 0x29, 0x1d, 0xb3, 0xb1]);
    for s in [
        "00:0c:29:1d:b3:b1",
        "00-0C-29-1D-B3-B1",
        "00.0c.29.1d.b3.b1",
        "000c.291d.b3b1",
        "000c291db3b1",
    ] {
        assert_eq!(
            parse(&format!("eth.src == {s}")),
            cmp(Field::EthSrc, CmpOp::Eq, mac.clone()),
            "{s}"
        );
    }
    assert_eq!(
        parse(r#"dns.qry.name == "a\"b""#),
        cmp(
            Field::DnsQryName,
            CmpOp::Eq,
            Value::Str(b"a\"b".to_vec().into())
        )
    );
    // Unquoted text, as Wireshark accepts it.
    assert_eq!(
        parse("dns.qry.name == www.example.com"),
        parse("dns.qry.name == \"www.example.com\"")
    );
}

#[test]
fn sets_ranges_and_not_in() {
    let want = Expr::In {
        lhs: Field::TcpPort.into(),
        set: vec![
            SetItem::One(Value::UInt(80)),
            SetItem::One(Value::UInt(443)),
            SetItem::Range(Value::UInt(8000), Value::UInt(8080)),
        ],
    };
    assert_eq!(parse("tcp.port in {80, 443, 8000..8080}"), want);
    // Wireshark 3's spaces, and a mix.
    assert_eq!(parse("tcp.port in {80 443 8000..8080}"), want);
    assert_eq!(parse("tcp.port in {80,443 8000 .. 8080}"), want);
    assert_eq!(
        parse("tcp.port not in {80, 443, 8000..8080}"),
        Expr::Not(Box::new(want))
    );
    assert_eq!(
        canon("ip.addr in {10.0.0.0/8 192.168.1.1..192.168.1.9}"),
        "ip.addr in {10.0.0.0/8, 192.168.1.1..192.168.1.9}"
    );
}

#[test]
fn masks_and_field_comparisons() {
    assert_eq!(
        parse("tcp.flags & 0x02"),
        Expr::Exists(FieldRef {
            field: Field::TcpFlags,
            mask: Some(2)
        })
    );
    assert_eq!(
        parse("tcp.flags & 0x12 == 0x12"),
        Expr::Compare {
            lhs: FieldRef {
                field: Field::TcpFlags,
                mask: Some(0x12)
            },
            op: CmpOp::Eq,
            rhs: Operand::Value(Value::UInt(0x12))
        }
    );
    assert_eq!(parse("tcp.flags bitwise_and 2"), parse("tcp.flags & 0x2"));
    assert_eq!(
        parse("ip.src == ip.dst"),
        Expr::Compare {
            lhs: Field::IpSrc.into(),
            op: CmpOp::Eq,
            rhs: Operand::Field(Field::IpDst)
        }
    );
    assert_eq!(
        canon("tcp.srcport<udp.dstport"),
        "tcp.srcport < udp.dstport"
    );
}

#[test]
fn canonical_text() {
    for (text, want) in [
        (
            "ip.addr==10.0.0.1&&tcp.port==443",
            "ip.addr == 10.0.0.1 && tcp.port == 443",
        ),
        ("(tcp or udp) and not arp", "(tcp || udp) && !arp"),
        ("tcp or udp and not arp", "tcp || udp && !arp"),
        ("not (tcp and udp)", "!(tcp && udp)"),
        ("!!tcp", "!!tcp"),
        ("not tcp.port == 0x50", "!(tcp.port == 80)"),
        ("tcp.port not in {80 443}", "!(tcp.port in {80, 443})"),
        ("frame.time_relative > 1.500", "frame.time_relative > 1.5"),
        ("frame.time_relative > 2.0", "frame.time_relative > 2"),
        (
            "eth.src == 00-0C-29-1D-B3-B1",
            "eth.src == 00:0c:29:1d:b3:b1",
        ),
        (
            "ipv6.addr == 2001:0db8:0::1/64",
            "ipv6.addr == 2001:db8::1/64",
        ),
        (
            r#"http.host contains "\x41\t""#,
            r#"http.host contains "A\x09""#,
        ),
        ("tcp.flags & 18", "tcp.flags & 0x12"),
        ("tcp.flags.syn == True", "tcp.flags.syn == 1"),
        (
            "dns.qry.name contains example",
            r#"dns.qry.name contains "example""#,
        ),
        (
            "ssl.handshake.extensions_server_name",
            "tls.handshake.extensions_server_name",
        ),
    ] {
        assert_eq!(canon(text), want, "{text}");
        assert_eq!(canon(want), want, "{want}");
    }
}

// ---------------------------------------------------------------- errors

#[test]
fn errors_point_at_the_column() {
    let cases: &[(&str, usize, &str)] = &[
        ("tcp.port == ", 13, "expected a value after '=='"),
        ("tcp.port ==", 12, "expected a value after '=='"),
        (
            "ip.sorce == 10.0.0.1",
            1,
            "unknown field 'ip.sorce' (did you mean 'ip.src'?)",
        ),
        ("htpp", 1, "unknown protocol 'htpp' (did you mean 'http'?)"),
        ("TCP", 1, "unknown protocol 'TCP' (did you mean 'tcp'?)"),
        ("xyzzy.qqq", 1, "unknown field 'xyzzy.qqq'"),
        (
            "80 == tcp.port",
            1,
            "'80' is a value, not a field or protocol name: a test starts with a name (tcp.port == 80)",
        ),
        (
            "ip.src == \"10.0.0.1\"",
            11,
            "ip.src is an IPv4 address, not text: write the value without quotes",
        ),
        (
            "tcp.port == 10.0.0.1",
            13,
            "'10.0.0.1' is not a number (tcp.port is an unsigned 16-bit integer)",
        ),
        ("tcp.port == 65536", 13, "65536 is too big for tcp.port (at most 65535)"),
        (
            "frame.len == 99999999999999999999999",
            14,
            "99999999999999999999999 is too big for frame.len (at most 4294967295)",
        ),
        ("frame.number > -1", 16, "frame.number cannot be negative"),
        (
            "ip.addr == example.com",
            12,
            "'example.com' is not an IPv4 address (host names are not looked up)",
        ),
        (
            "ip.addr == 10.0.0.0/33",
            12,
            "the prefix length in '10.0.0.0/33' must be a number from 0 to 32",
        ),
        ("ipv6.addr == 10.0.0.1", 14, "'10.0.0.1' is not an IPv6 address"),
        (
            "eth.src == 00:0c:29",
            12,
            "'00:0c:29' is not an Ethernet address (such as 00:11:22:33:44:55)",
        ),
        (
            "frame.time_relative > 1.1234567891",
            23,
            "'1.1234567891' has more than nine decimals",
        ),
        (
            "frame.time_relative > 0x10",
            23,
            "'0x10' is not a time in seconds (such as 1.5)",
        ),
        (
            "tcp.flags.syn == yes",
            18,
            "'yes' is not a flag value: use 1, 0, True or False",
        ),
        (
            "ip.src < 10.0.0.0/8",
            10,
            "'<' cannot order an address block (10.0.0.0/8); use '==' or 'in'",
        ),
        (
            "tcp.port == ip.src",
            13,
            "cannot compare tcp.port (an unsigned 16-bit integer) with ip.src (an IPv4 address)",
        ),
        (
            "dns.qry.name == dns",
            17,
            "'dns' is a protocol, not a value; to compare with the text, quote it: \"dns\"",
        ),
        (
            "tcp == 1",
            1,
            "'tcp' is a protocol: it can only be tested for presence ('tcp'), not compared; compare one of its fields instead",
        ),
        (
            "tcp contains \"GET\"",
            1,
            "searching the bytes of a protocol ('tcp contains ...') is not supported: filters see decoded fields, not packet bytes",
        ),
        (
            "tcp.port contains 80",
            10,
            "'contains' works on text fields; tcp.port is an unsigned 16-bit integer",
        ),
        (
            "http.host contains dns.qry.name",
            20,
            "'contains' takes text, not a name; to search for the text, quote it: \"dns.qry.name\"",
        ),
        ("http.host contains", 19, "expected text after 'contains'"),
        (
            "http.host matches \"x\"",
            11,
            "regular expressions ('matches') are not supported; use 'contains'",
        ),
        (
            "http.host ~ \"x\"",
            11,
            "regular expressions ('matches') are not supported; use 'contains'",
        ),
        ("len(http.host) > 3", 1, "functions such as 'len()' are not supported"),
        (
            "tcp.flags.syn & 1",
            15,
            "'&' applies to integer fields; tcp.flags.syn is a flag (0 or 1)",
        ),
        ("(tcp", 1, "this '(' has no matching ')'"),
        ("tcp && (udp || (dns)", 8, "this '(' has no matching ')'"),
        ("(tcp udp", 6, "expected ')', found 'udp'"),
        ("tcp)", 4, "')' has no matching '('"),
        (
            "tcp.port == 80 80",
            16,
            "unexpected '80' after a complete test: join tests with '&&' or '||'",
        ),
        ("tcp &&", 7, "expected a test after '&&'"),
        ("tcp && || udp", 8, "expected a field or protocol name after '&&', found '||'"),
        ("!", 2, "expected a test after '!'"),
        ("()", 2, "expected a field or protocol name after '(', found ')'"),
        ("and", 1, "expected a field or protocol name, found 'and'"),
        ("tcp.port in 80", 13, "expected '{' after 'in', found '80'"),
        ("tcp.port in {}", 14, "a set needs at least one value"),
        ("tcp.port in {80,}", 17, "expected a value after ',', found '}'"),
        ("tcp.port in {80", 13, "this '{' has no matching '}'"),
        (
            "tcp.port in {80..ip.src}",
            18,
            "a set holds values; 'ip.src' is a name",
        ),
        (
            "ip.addr in {10.0.0.0/8..11.0.0.0}",
            13,
            "a range cannot use an address block (10.0.0.0/8)",
        ),
        ("tcp.port = 80", 10, "'=' is not an operator: compare with '=='"),
        ("http.host == \"abc", 14, "this text has no closing quote"),
        (
            "tcp.flags & 0x12 == ip.ttl",
            21,
            "a masked field can only be compared with a value",
        ),
    ];
    let mut bad = Vec::new();
    for (text, col, msg) in cases {
        let got = compile(text).err();
        let want = FilterError {
            column: *col,
            message: (*msg).to_string(),
        };
        if got.as_ref() != Some(&want) {
            bad.push(format!("{text:?}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn error_display_names_the_column() {
    let e = compile("tcp.port ==").unwrap_err();
    assert_eq!(e.to_string(), "expected a value after '==' at column 12");
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes but one column.
    assert_eq!(err("http.host == \"é\" &&").0, 20);
    assert_eq!(err("ü").0, 1);
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}tcp{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(compile(&deep).is_ok());
    let deeper = format!("({deep})");
    assert_eq!(
        err(&deeper),
        (
            MAX_NESTING + 1,
            format!("the filter is nested too deeply (more than {MAX_NESTING} levels)")
        )
    );
    let nots = format!("{}tcp", "!".repeat(MAX_NESTING + 1));
    assert_eq!(err(&nots).0, MAX_NESTING + 1);
    // Long flat chains are fine.
    let chain = vec!["tcp"; 10_000].join(" || ");
    assert!(compile(&chain).is_ok());
}

// ---------------------------------------------------------------- evaluation

struct Table(Vec<&'static str>);

impl Names for Table {
    fn name(&self, id: NameId) -> Option<&str> {
        let i = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.0.get(i).copied()
    }
}

fn v4(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())
}

fn protos(ps: &[Proto]) -> Protocols {
    let mut set = Protocols::default();
    for p in ps {
        set.insert(*p);
    }
    set
}

/// An Ethernet/IPv4/TCP record 10.0.0.1:40000 -> 192.168.1.2:80, SYN, at t = 1.5 s.
fn tcp_rec() -> PacketRecord {
    PacketRecord {
        ts_ns: 1_500_000_000,
        orig_len: 1200,
        cap_len: 1000,
        protocols: protos(&[Proto::Ethernet, Proto::Ipv4, Proto::Tcp]),
        ip: Some(IpPair {
            src: v4([10, 0, 0, 1]),
            dst: v4([192, 168, 1, 2]),
        }),
        ttl: 63,
        ip_proto: 6,
        src_port: 40000,
        dst_port: 80,
        tcp: Some(TcpInfo {
            flags: TcpInfo::SYN,
            window: 64240,
            ..TcpInfo::default()
        }),
        eth: Some(([0, 0x0c, 0x29, 1, 2, 3], [0xff; 6])),
        ..PacketRecord::default()
    }
}

/// A DNS query for www.example.com over IPv6/UDP, name id 1.
fn dns_rec() -> PacketRecord {
    PacketRecord {
        ts_ns: 0,
        orig_len: 80,
        cap_len: 80,
        protocols: protos(&[
            Proto::Ethernet,
            Proto::Vlan,
            Proto::Ipv6,
            Proto::Udp,
            Proto::Dns,
        ]),
        ip: Some(IpPair {
            src: v6("fe80::1"),
            dst: v6("2001:db8::53"),
        }),
        ttl: 255,
        ip_proto: 17,
        src_port: 5353,
        dst_port: 53,
        dns: Some(DnsInfo {
            id: 0x1234,
            response: false,
            rcode: 0,
            qtype: 28,
            answers: 0,
        }),
        app: AppProto::Known(Proto::Dns),
        vlan: 0,
        name: NameId(1),
        ..PacketRecord::default()
    }
}

/// ARP: no IP, no ports.
fn arp_rec() -> PacketRecord {
    PacketRecord {
        ts_ns: NO_TIMESTAMP,
        orig_len: 60,
        cap_len: 60,
        protocols: protos(&[Proto::Ethernet, Proto::Arp]),
        eth: Some(([2; 6], [0xff; 6])),
        ..PacketRecord::default()
    }
}

/// GRE-tunnelled TCP: outer 1.1.1.1 -> 2.2.2.2, inner 10.0.0.5 -> 10.0.0.6.
fn gre_rec() -> PacketRecord {
    PacketRecord {
        protocols: protos(&[Proto::Ipv4, Proto::Gre, Proto::Tcp]),
        ip: Some(IpPair {
            src: v4([1, 1, 1, 1]),
            dst: v4([2, 2, 2, 2]),
        }),
        tunnel_ip: Some(IpPair {
            src: v4([10, 0, 0, 5]),
            dst: v4([10, 0, 0, 6]),
        }),
        ttl: 200,
        ip_proto: 6,
        src_port: 22,
        dst_port: 50000,
        tcp: Some(TcpInfo {
            flags: TcpInfo::ACK | TcpInfo::PSH,
            payload_len: 100,
            ..TcpInfo::default()
        }),
        ..PacketRecord::default()
    }
}

const NAMES: &[&str] = &["www.example.com", "Mixed.Case"];

fn check(filter: &str, rec: &PacketRecord, number: u64) -> bool {
    let table = Table(NAMES.to_vec());
    let ctx = EvalContext {
        number,
        first_ts_ns: Some(0),
        names: &table,
    };
    compile(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(rec, &ctx)
}

/// Asserts which of the four sample records `filter` matches (tcp, dns, arp, gre).
#[track_caller]
fn expect(filter: &str, want: [bool; 4]) {
    let recs = [tcp_rec(), dns_rec(), arp_rec(), gre_rec()];
    let got: Vec<bool> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| check(filter, r, i as u64 + 1))
        .collect();
    assert_eq!(got, want, "{filter}");
}

#[test]
fn protocols_and_presence() {
    expect("tcp", [true, false, false, true]);
    expect("udp && dns", [false, true, false, false]);
    expect("not arp", [true, true, false, true]);
    expect("ip", [true, false, false, true]);
    expect("ipv6", [false, true, false, false]);
    expect("eth", [true, true, true, false]);
    expect("frame", [true; 4]);
    expect("gre", [false, false, false, true]);
    expect("tcp.flags.syn", [true, false, false, true]);
    expect("tcp.port", [true, false, false, true]);
    expect("udp.port", [false, true, false, false]);
    expect("ip.addr", [true, false, false, true]);
    expect("dns.qry.name", [false, true, false, false]);
    expect("http.host", [false; 4]);
    expect("vlan.id", [false, true, false, false]);
    expect("vlan.id == 0", [false, true, false, false]);
}

#[test]
fn addresses_any_occurrence() {
    expect("ip.addr == 10.0.0.1", [true, false, false, false]);
    expect("ip.src == 10.0.0.1", [true, false, false, false]);
    expect("ip.dst == 10.0.0.1", [false; 4]);
    // Wireshark 4.0 `!=`: no occurrence equals, and the field is present.
    expect("ip.addr != 10.0.0.1", [false, false, false, true]);
    expect("!(ip.addr == 10.0.0.1)", [false, true, true, true]);
    expect("ip.addr ~= 10.0.0.1", [true, false, false, true]);
    expect("ip.addr === 10.0.0.1", [false; 4]);
    expect("ip.src === 1.1.1.1", [false; 4]);
    expect("ip.src === 0.0.0.0/0", [true, false, false, true]);
    // Outer and tunnelled headers both count.
    expect("ip.addr == 2.2.2.2", [false, false, false, true]);
    expect("ip.addr == 10.0.0.6", [false, false, false, true]);
    expect("ip.src == 10.0.0.0/8", [true, false, false, true]);
    expect("ip.addr == 192.168.0.0/16", [true, false, false, false]);
    expect("ip.addr == 0.0.0.0/0", [true, false, false, true]);
    expect(
        "ip.addr in {1.1.1.0/24, 192.168.1.1..192.168.1.5}",
        [true, false, false, true],
    );
    expect("ip.addr > 192.168.1.1", [true, false, false, false]);
    expect("ipv6.addr == 2001:db8::/32", [false, true, false, false]);
    expect(
        "ipv6.src == fe80::/10 && ipv6.dst == 2001:db8::53",
        [false, true, false, false],
    );
    expect("ipv6.addr == ::/0", [false, true, false, false]);
    expect("ip.src == ip.dst", [false; 4]);
    expect("ip.src != ip.dst", [true, false, false, true]);
    expect("eth.src == 00:0c:29:01:02:03", [true, false, false, false]);
    expect("eth.addr == ff:ff:ff:ff:ff:ff", [true, false, true, false]);
    expect("eth.dst != ff:ff:ff:ff:ff:ff", [false; 4]);
    expect("eth.src > 00:0c:29:00:00:00", [true, false, true, false]);
}

#[test]
fn ports_flags_and_numbers() {
    expect("tcp.port == 80", [true, false, false, false]);
    expect("tcp.port in {80, 443}", [true, false, false, false]);
    expect("tcp.port in {20..25}", [false, false, false, true]);
    expect("tcp.port not in {80, 443}", [false, true, true, true]);
    expect("udp.port == 53", [false, true, false, false]);
    expect(
        "udp.srcport == 5353 && udp.dstport == 53",
        [false, true, false, false],
    );
    expect("tcp.dstport == 53", [false; 4]);
    expect(
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        [true, false, false, false],
    );
    expect("tcp.flags.syn == 0", [false, false, false, true]);
    expect("tcp.flags & 0x12", [true, false, false, true]);
    expect("tcp.flags & 0x12 == 0x12", [false; 4]);
    expect("tcp.flags == 0x018", [false, false, false, true]);
    expect("tcp.flags.push", [true, false, false, true]);
    expect("tcp.flags.push == 1", [false, false, false, true]);
    expect("tcp.len > 0", [false, false, false, true]);
    expect(
        "tcp.window_size_value == 64240",
        [true, false, false, false],
    );
    expect("frame.len > 1000", [true, false, false, false]);
    expect("frame.cap_len < frame.len", [true, false, false, false]);
    expect("frame.number == 3", [false, false, true, false]);
    expect("frame.number in {1, 4}", [true, false, false, true]);
    expect("ip.ttl < 64", [true, false, false, false]);
    expect("ipv6.hlim == 255", [false, true, false, false]);
    expect("ip.proto == 6", [true, false, false, true]);
    expect("ip.proto == 17", [false; 4]);
}

#[test]
fn times() {
    expect("frame.time_relative > 1.5", [false; 4]);
    expect("frame.time_relative >= 1.5", [true, false, false, false]);
    // The GRE record is at time 0; the ARP record has no timestamp, so no relative time.
    expect("frame.time_relative == 0", [false, true, false, true]);
    expect("frame.time_relative", [true, true, false, true]);
    expect("frame.time_relative < 0", [false; 4]);
    let table = Table(vec![]);
    let ctx = EvalContext {
        number: 1,
        first_ts_ns: Some(2_000_000_000),
        names: &table,
    };
    let f = compile("frame.time_relative < -0.4 && frame.time_relative > -0.6").unwrap();
    assert!(f.matches(&tcp_rec(), &ctx));
    let none = EvalContext {
        first_ts_ns: None,
        ..ctx
    };
    assert!(!compile("frame.time_relative")
        .unwrap()
        .matches(&tcp_rec(), &none));
}

#[test]
fn text_fields() {
    expect(
        "dns.qry.name == \"www.example.com\"",
        [false, true, false, false],
    );
    expect(
        "dns.qry.name contains \"example\"",
        [false, true, false, false],
    );
    expect("dns.qry.name contains example", [false, true, false, false]);
    expect("dns.qry.name contains \"EXAMPLE\"", [false; 4]);
    expect("dns.qry.name contains \"\"", [false; 4]);
    expect("dns.qry.name > \"w\"", [false, true, false, false]);
    expect(
        "dns.qry.name in {\"a\", \"www.example.com\"}",
        [false, true, false, false],
    );
    expect(
        "dns.qry.name in {\"w\"..\"x\"}",
        [false, true, false, false],
    );
    expect("dns.qry.name != \"x\"", [false, true, false, false]);
    expect("dns.qry.name == dns.qry.name", [false, true, false, false]);
    expect("tls.handshake.extensions_server_name", [false; 4]);
    expect(
        "dns.id == 0x1234 && dns.flags.response == 0",
        [false, true, false, false],
    );
    expect("dns.flags.rcode", [false; 4]);
    expect(
        "dns.qry.type == 28 && dns.count.answers == 0",
        [false, true, false, false],
    );

    // The name belongs to the application the record carries.
    let mut tls = tcp_rec();
    tls.app = AppProto::Known(Proto::Tls);
    tls.protocols.insert(Proto::Tls);
    tls.name = NameId(2);
    assert!(check(
        "tls.handshake.extensions_server_name == \"Mixed.Case\"",
        &tls,
        1
    ));
    assert!(check(
        "ssl.handshake.extensions_server_name contains \"Case\"",
        &tls,
        1
    ));
    assert!(!check("dns.qry.name", &tls, 1));
    assert!(!check("http.host", &tls, 1));
    // Without a names table, text fields are absent.
    let ctx = EvalContext {
        number: 1,
        first_ts_ns: None,
        names: &NoNames,
    };
    assert!(!compile("tls.handshake.extensions_server_name")
        .unwrap()
        .matches(&tls, &ctx));
}

#[test]
fn fields_lists_what_is_read() {
    let f = compile("tcp && ip.src == ip.dst || !(tcp.port in {1}) || ip.src == 1.2.3.4").unwrap();
    assert_eq!(f.fields(), [Field::IpSrc, Field::IpDst, Field::TcpPort]);
}

#[test]
fn tcp_analysis_labels_parse_as_presence_tests() {
    use crate::health::tcp::TcpFlags;
    for (_, name) in TcpFlags::NAMES {
        let text = format!("tcp.analysis.{name}");
        let Expr::Exists(r) = parse(&text) else {
            panic!("{text}");
        };
        assert_eq!((r.field.name(), r.mask), (text.as_str(), None));
        assert_eq!(r.field.ty(), FieldType::Label);
        assert_eq!(canon(&format!("not {text}")), format!("!{text}"));
    }
    assert_eq!(
        parse("tcp.analysis.flags && !tcp.analysis.window_update"),
        Expr::And(vec![
            Expr::Exists(Field::TcpAnalysisFlags.into()),
            Expr::Not(Box::new(Expr::Exists(
                Field::TcpAnalysisWindowUpdate.into()
            ))),
        ])
    );
    // As in Wireshark, a label is never compared.
    let refused = |s: &str, col: usize| {
        let (c, m) = err(s);
        assert_eq!(c, col, "{s}: {m}");
        assert!(m.contains("is a label"), "{s}: {m}");
    };
    refused("tcp.analysis.flags == 1", 1);
    refused("tcp && tcp.analysis.retransmission != 0", 8);
    refused("tcp.analysis.flags & 1", 1);
    refused("tcp.analysis.flags in {1}", 1);
    refused("tcp.analysis.flags not in {1}", 1);
    refused("tcp.analysis.flags contains \"a\"", 1);
    refused("tcp.analysis.flags matches \"a\"", 1);
    refused("tcp.analysis.flags ~ \"a\"", 1);
    let (c, m) = err("tcp.port == tcp.analysis.flags");
    assert_eq!(c, 13, "{m}");
    assert!(m.starts_with("cannot compare"), "{m}");
    // The field's column, for errors found after compiling.
    let f = compile("tcp.port == 80 || (udp && tcp.analysis.duplicate_ack)").unwrap();
    assert_eq!(f.field_column(Field::TcpAnalysisDuplicateAck), Some(27));
    assert_eq!(f.field_column(Field::TcpPort), Some(1));
    assert_eq!(f.field_column(Field::IpSrc), None);
    let f = compile("ip.src == ip.dst").unwrap();
    assert_eq!(f.field_column(Field::IpDst), Some(11));
}

#[test]
fn tcp_analysis_labels_match_the_records_flags() {
    use crate::health::tcp::TcpFlags;
    let with = |bits: u16| PacketRecord {
        tcp_analysis: bits,
        ..tcp_rec()
    };
    let ctx_check = |f: &str, bits: u16| check(f, &with(bits), 1);
    // Without flags (and on records the analysis did not see) every label is absent.
    for f in ["tcp.analysis.flags", "tcp.analysis.retransmission"] {
        assert!(!ctx_check(f, 0), "{f}");
        assert!(ctx_check(&format!("!{f}"), 0), "{f}");
    }
    expect("tcp.analysis.flags", [false; 4]);
    for (bit, name) in TcpFlags::NAMES {
        assert!(ctx_check(&format!("tcp.analysis.{name}"), bit), "{name}");
        assert!(ctx_check("tcp.analysis.flags", bit), "flags on {name}");
        for (other, other_name) in TcpFlags::NAMES {
            let want = TcpFlags(other).matches(name);
            assert_eq!(
                ctx_check(&format!("tcp.analysis.{name}"), other),
                want,
                "{name} on {other_name}"
            );
        }
    }
    assert!(ctx_check(
        "tcp.analysis.retransmission && tcp.analysis.fast_retransmission",
        TcpFlags::FAST_RETRANSMISSION
    ));
    assert!(ctx_check(
        "tcp.analysis.retransmission",
        TcpFlags::SPURIOUS_RETRANSMISSION
    ));
    assert!(!ctx_check(
        "tcp.analysis.fast_retransmission",
        TcpFlags::RETRANSMISSION
    ));
    // Wireshark's "Bad TCP" colouring rule.
    let bad = "tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive \
               && !tcp.analysis.keep_alive_ack";
    assert!(ctx_check(bad, TcpFlags::DUPLICATE_ACK));
    assert!(!ctx_check(bad, TcpFlags::WINDOW_UPDATE));
    assert!(!ctx_check(
        bad,
        TcpFlags::KEEP_ALIVE | TcpFlags::RETRANSMISSION
    ));
    assert!(!ctx_check(bad, 0));
    let f = compile("tcp.port == 80 && tcp.analysis.zero_window").unwrap();
    assert_eq!(f.fields(), [Field::TcpPort, Field::TcpAnalysisZeroWindow]);
}

#[test]
fn decoder_is_a_name_table() {
    let d = crate::decode::Decoder::new();
    let ctx = EvalContext {
        number: 1,
        first_ts_ns: None,
        names: &d,
    };
    assert!(!compile("http.host").unwrap().matches(&tcp_rec(), &ctx));
}

// ---------------------------------------------------------------- properties

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Filter-like text: names, operators, values and punctuation, glued with or without
    /// spaces, to reach deep into the parser.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("ip.addr".to_string()),
            Just("tcp.port".to_string()),
            Just("dns.qry.name".to_string()),
            Just("eth.src".to_string()),
            Just("frame.time_relative".to_string()),
            Just("tcp.flags".to_string()),
            Just("tcp.analysis.flags".to_string()),
            Just("tcp".to_string()),
            Just("not".to_string()),
            Just("in".to_string()),
            Just("contains".to_string()),
            Just("and".to_string()),
            Just("==".to_string()),
            Just("!=".to_string()),
            Just("<=".to_string()),
            Just("&&".to_string()),
            Just("||".to_string()),
            Just("!".to_string()),
            Just("&".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just(",".to_string()),
            Just("..".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just("10.0.0.0/8".to_string()),
            Just("fe80::1".to_string()),
            Just("00:11:22:33:44:55".to_string()),
            Just("1.5".to_string()),
            Just("-7".to_string()),
            Just("0x1f".to_string()),
            "[a-z0-9._:/-]{1,12}",
            "\"[^\"]{0,6}\"",
            any::<char>().prop_map(String::from),
        ];
        (
            proptest::collection::vec(piece, 0..24),
            proptest::collection::vec(any::<bool>(), 24),
        )
            .prop_map(|(pieces, spaces)| {
                let mut s = String::new();
                for (p, sp) in pieces.iter().zip(spaces) {
                    s.push_str(p);
                    if sp {
                        s.push(' ');
                    }
                }
                s
            })
    }

    fn check_no_panic(s: &str) -> Result<(), TestCaseError> {
        match compile(s) {
            Ok(f) => {
                // What compiles prints as text that compiles to the same filter.
                let text = f.to_string();
                let again = compile(&text)
                    .map_err(|e| TestCaseError::fail(format!("{s:?} -> {text:?}: {e}")))?;
                prop_assert_eq!(&again, &f, "{:?} -> {:?}", s, text);
                let ctx = EvalContext {
                    number: 7,
                    first_ts_ns: Some(0),
                    names: &Table(NAMES.to_vec()),
                };
                for r in [tcp_rec(), dns_rec(), arp_rec(), gre_rec()] {
                    let _ = f.matches(&r, &ctx);
                }
            }
            Err(e) => {
                let len = s.chars().count();
                prop_assert!(
                    e.column >= 1 && e.column <= len + 1,
                    "{:?}: column {} outside 1..={}",
                    s,
                    e.column,
                    len + 1
                );
                prop_assert!(!e.message.is_empty());
            }
        }
        Ok(())
    }

    fn field_of(ty: fn(FieldType) -> bool) -> impl Strategy<Value = Field> + Clone {
        let fs: Vec<Field> = Field::ALL.iter().copied().filter(|f| ty(f.ty())).collect();
        proptest::sample::select(fs)
    }

    /// A value of `field`'s type; `block` allows CIDR blocks.
    fn value_for(field: Field, block: bool) -> BoxedStrategy<Value> {
        match field.ty() {
            FieldType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            FieldType::UInt { .. } => (0..=field.ty().max()).prop_map(Value::UInt).boxed(),
            FieldType::RelTime => any::<i64>().prop_map(Value::Time).boxed(),
            FieldType::Ipv4 => (any::<u32>(), if block { 0u8..=32 } else { 32u8..=32 })
                .prop_map(|(a, p)| Value::Ipv4(Ipv4Addr::from(a), p))
                .boxed(),
            FieldType::Ipv6 => (any::<u128>(), if block { 0u8..=128 } else { 128u8..=128 })
                .prop_map(|(a, p)| Value::Ipv6(Ipv6Addr::from(a), p))
                .boxed(),
            FieldType::Mac => any::<[u8; 6]>().prop_map(Value::Mac).boxed(),
            FieldType::Str => proptest::collection::vec(any::<u8>(), 0..12)
                .prop_map(|v| Value::Str(v.into()))
                .boxed(),
            // Never compared: `leaf` takes no label for a comparison or a set.
            FieldType::Label => Just(Value::Bool(true)).boxed(),
        }
    }

    fn op() -> impl Strategy<Value = CmpOp> {
        proptest::sample::select(vec![
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::AllEq,
            CmpOp::AnyNe,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ])
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        let label = field_of(|t| t == FieldType::Label);
        let any_field = field_of(|t| t != FieldType::Label);
        prop_oneof![
            proptest::sample::select(Proto::ALL.to_vec()).prop_map(proto),
            Just(Expr::Proto(ProtoName::Frame)),
            any_field.clone().prop_map(|f| Expr::Exists(f.into())),
            label.prop_map(|f| Expr::Exists(f.into())),
            (
                field_of(|t| matches!(t, FieldType::UInt { .. })),
                any::<u64>()
            )
                .prop_map(|(f, m)| Expr::Exists(FieldRef {
                    field: f,
                    mask: Some(m & f.ty().max())
                })),
            (any_field.clone(), op()).prop_flat_map(|(f, op)| {
                value_for(f, !op.is_ordering()).prop_map(move |v| Expr::Compare {
                    lhs: f.into(),
                    op,
                    rhs: Operand::Value(v),
                })
            }),
            (
                field_of(|t| matches!(t, FieldType::UInt { .. })),
                op(),
                any::<u64>()
            )
                .prop_flat_map(|(f, op, m)| {
                    value_for(f, false).prop_map(move |v| Expr::Compare {
                        lhs: FieldRef {
                            field: f,
                            mask: Some(m & f.ty().max()),
                        },
                        op,
                        rhs: Operand::Value(v),
                    })
                }),
            (any_field.clone(), any_field.clone(), op()).prop_filter_map(
                "comparable types",
                |(a, b, op)| {
                    let ok = a.ty() == b.ty()
                        || matches!(
                            (a.ty(), b.ty()),
                            (FieldType::UInt { .. }, FieldType::UInt { .. })
                        );
                    ok.then(|| Expr::Compare {
                        lhs: a.into(),
                        op,
                        rhs: Operand::Field(b),
                    })
                }
            ),
            any_field.clone().prop_flat_map(|f| {
                let item = prop_oneof![
                    value_for(f, true).prop_map(SetItem::One),
                    (value_for(f, false), value_for(f, false))
                        .prop_map(|(a, b)| SetItem::Range(a, b)),
                ];
                proptest::collection::vec(item, 1..4)
                    .prop_map(move |set| Expr::In { lhs: f.into(), set })
            }),
            (
                field_of(|t| t == FieldType::Str),
                proptest::collection::vec(any::<u8>(), 0..8)
            )
                .prop_map(|(field, n)| Expr::Contains {
                    field,
                    needle: n.into()
                }),
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        leaf().prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| v
                    .into_iter()
                    .reduce(Expr::and)
                    .unwrap_or(Expr::Proto(ProtoName::Frame))),
                proptest::collection::vec(inner, 2..4).prop_map(|v| v
                    .into_iter()
                    .reduce(Expr::or)
                    .unwrap_or(Expr::Proto(ProtoName::Frame))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            check_no_panic(&s)?;
        }

        #[test]
        fn filter_like_text_never_panics(s in soup()) {
            check_no_panic(&s)?;
        }

        #[test]
        fn printed_tree_parses_to_itself(e in expr()) {
            let text = e.to_string();
            let f = compile(&text).map_err(|err| TestCaseError::fail(format!("{text:?}: {err}")))?;
            prop_assert_eq!(f.expr(), Some(&e), "{}", text);
        }
    }
}
