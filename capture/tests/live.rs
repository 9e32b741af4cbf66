//! `pcapscope capture --live`: the loopback server refuses a wrong Host, a wrong Origin, a
//! missing or wrong token and a second viewer, and streams the capture as pcapng to the right
//! one; static files come from `--dist` and never contain the token.

mod support;

use pcapscope::capture::Reader;
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

struct Live {
    run: Running,
    port: u16,
    token: String,
}

fn start_live(test: &str, filter: &str) -> Option<(Live, std::path::PathBuf)> {
    capture_allowed(test)?;
    let dist = test_dir(&format!("live-dist-{test}"));
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>pcapscope test page</title>",
    )
    .unwrap();
    std::fs::write(dist.join("app.js"), "console.log('app');").unwrap();
    chmod(&dist, 0o755);
    let mut run = Running::start(
        &[
            "capture",
            "-i",
            "lo",
            "--live",
            "--dist",
            dist.to_str().unwrap(),
            "-q",
            "-a",
            "duration:30",
            filter,
        ],
        Duration::from_secs(40),
    );
    run.wait_for("open http://127.0.0.1:");
    let err = run.stderr();
    let url = err
        .lines()
        .find_map(|l| l.split("open ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    // http://127.0.0.1:PORT/#live=TOKEN
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
    let (port, frag) = rest.split_once('/').unwrap();
    let token = frag.strip_prefix("#live=").unwrap().to_string();
    assert_eq!(token.len(), 32, "{url}");
    Some((
        Live {
            run,
            port: port.parse().unwrap(),
            token,
        },
        dist,
    ))
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Sends a raw request head; returns the status code, the head, and the stream positioned
/// after the head.
fn request(port: u16, head: &str) -> (u16, String, TcpStream) {
    let mut s = connect(port);
    s.write_all(head.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => got.push(b[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text, s)
}

fn upgrade_head(port: u16, host: Option<&str>, origin: Option<&str>, protocols: &str) -> String {
    let host = host.map_or(format!("127.0.0.1:{port}"), str::to_string);
    let mut h = format!(
        "GET /live HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    if let Some(o) = origin {
        h.push_str(&format!("Origin: {o}\r\n"));
    }
    if !protocols.is_empty() {
        h.push_str(&format!("Sec-WebSocket-Protocol: {protocols}\r\n"));
    }
    h.push_str("\r\n");
    h
}

fn body_of(mut s: TcpStream) -> String {
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body
}

#[test]
fn live_view_refuses_strangers_and_streams_to_the_viewer() {
    let udp_rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port_udp = udp_rx.local_addr().unwrap().port();
    let Some((live, _dist)) = start_live(
        "live_view_refuses_strangers_and_streams_to_the_viewer",
        &format!("udp port {port_udp}"),
    ) else {
        return;
    };
    let port = live.port;
    let origin = format!("http://127.0.0.1:{port}");
    let good_protocols = format!("pcapscope.live.v1, pcapscope.token.{}", live.token);

    // Static files: served with the right Host, refused with another (DNS rebinding).
    let (code, _, s) = request(
        port,
        &format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    );
    assert_eq!(code, 200);
    let body = body_of(s);
    assert!(body.contains("pcapscope test page"), "{body}");
    assert!(!body.contains(&live.token));
    let (code, head, _) = request(
        port,
        &format!("GET /app.js HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
    );
    assert_eq!(code, 200);
    assert!(head.contains("text/javascript"), "{head}");
    for bad_host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let (code, _, _) = request(port, &format!("GET / HTTP/1.1\r\nHost: {bad_host}\r\n\r\n"));
        assert_eq!(code, 403, "Host {bad_host}");
    }
    let (code, _, _) = request(port, "GET / HTTP/1.1\r\n\r\n");
    assert_eq!(code, 403, "no Host");
    // Nothing outside the site.
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/etc/passwd",
        "/.hidden",
        "//etc/passwd",
    ] {
        let (code, _, _) = request(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
        );
        assert_eq!(code, 404, "{path}");
    }

    // The WebSocket: wrong Host, wrong Origin, missing token, wrong token: refused each time.
    let cases = [
        (
            "wrong Host",
            upgrade_head(
                port,
                Some(&format!("attacker.example:{port}")),
                Some(&format!("http://attacker.example:{port}")),
                &good_protocols,
            ),
        ),
        (
            "wrong Origin",
            upgrade_head(port, None, Some("http://attacker.example"), &good_protocols),
        ),
        (
            "Origin on another port",
            upgrade_head(
                port,
                None,
                Some(&format!("http://127.0.0.1:{}", port.wrapping_add(1))),
                &good_protocols,
            ),
        ),
        ("no Origin", upgrade_head(port, None, None, &good_protocols)),
        (
            "missing token",
            upgrade_head(port, None, Some(&origin), "pcapscope.live.v1"),
        ),
        (
            "wrong token",
            upgrade_head(
                port,
                None,
                Some(&origin),
                &format!(
                    "pcapscope.live.v1, pcapscope.token.{}",
                    "0".repeat(live.token.len())
                ),
            ),
        ),
        (
            "token without the protocol",
            upgrade_head(
                port,
                None,
                Some(&origin),
                &format!("pcapscope.token.{}", live.token),
            ),
        ),
    ];
    for (what, head) in &cases {
        let (code, resp, s) = request(port, head);
        assert_eq!(code, 403, "{what}: {resp}");
        assert!(!body_of(s).contains(&live.token), "{what}");
    }

    // The right Host, Origin and token: accepted, one protocol chosen (never the token).
    let (code, resp, stream) = request(
        port,
        &upgrade_head(port, None, Some(&origin), &good_protocols),
    );
    assert_eq!(code, 101, "{resp}");
    assert!(
        resp.contains("Sec-WebSocket-Protocol: pcapscope.live.v1\r\n"),
        "{resp}"
    );
    assert!(!resp.contains(&live.token));
    assert!(
        resp.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "{resp}"
    );
    let mut ws = WebSocket::from_raw_socket(stream, Role::Client, None);

    // A second viewer is refused while the first is connected.
    let (code, _, _) = request(
        port,
        &upgrade_head(port, None, Some(&origin), &good_protocols),
    );
    assert_eq!(code, 409);

    // hello, then the pcapng header, then packets.
    let hello = match ws.read().unwrap() {
        Message::Text(t) => t.to_string(),
        other => panic!("expected hello, got {other:?}"),
    };
    let hello: serde_json::Value = serde_json::from_str(&hello).unwrap();
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["interface"], "lo");
    assert_eq!(hello["filter"], format!("udp port {port_udp}"));
    let mut stream_bytes = match ws.read().unwrap() {
        Message::Binary(b) => b.to_vec(),
        other => panic!("expected the pcapng header, got {other:?}"),
    };
    assert_eq!(&stream_bytes[..4], &[0x0a, 0x0d, 0x0d, 0x0a], "SHB first");

    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..5 {
        tx.send_to(format!("live-{i}").as_bytes(), ("127.0.0.1", port_udp))
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut saw_stats = false;
    while frames.len() < 5 && Instant::now() < deadline {
        match ws.read().unwrap() {
            Message::Binary(b) => {
                stream_bytes.extend_from_slice(&b);
                let mut r = Reader::new(&stream_bytes[..]).unwrap();
                frames.clear();
                while let Some(f) = r.next_frame().unwrap() {
                    frames.push(f.data.to_vec());
                }
            }
            Message::Text(t) => {
                let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                saw_stats |= v["type"] == "stats";
            }
            _ => {}
        }
    }
    assert_eq!(frames.len(), 5, "every packet streamed");
    for (i, f) in frames.iter().enumerate() {
        let needle = format!("live-{i}");
        assert!(
            f.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "frame {i}"
        );
    }
    // Stats come once a second.
    let until = Instant::now() + Duration::from_secs(3);
    while !saw_stats && Instant::now() < until {
        if let Message::Text(t) = ws.read().unwrap() {
            saw_stats = t.contains("\"type\":\"stats\"");
        }
    }
    assert!(saw_stats);
    // Closing frees the slot for the next viewer.
    ws.close(None).unwrap();
    while ws.read().is_ok() {}
    drop(ws);
    let until = Instant::now() + Duration::from_secs(5);
    let mut again = 0;
    while Instant::now() < until {
        let (code, _, s) = request(
            port,
            &upgrade_head(port, None, Some(&origin), &good_protocols),
        );
        again = code;
        if code == 101 {
            let mut ws = WebSocket::from_raw_socket(s, Role::Client, None);
            let _ = ws.close(None);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(again, 101, "a new viewer after the first left");

    live.run.signal(libc::SIGINT);
    live.run.finish_with(Some(0));
}

#[test]
fn live_view_listens_on_loopback_only() {
    let Some((live, _dist)) = start_live("live_view_listens_on_loopback_only", "udp port 9") else {
        return;
    };
    // Every listening socket on this port is bound to a loopback address.
    let mut found = 0;
    for (table, loopback) in [
        ("/proc/net/tcp", "0100007F"),
        ("/proc/net/tcp6", "00000000000000000000000001000000"),
    ] {
        let Ok(text) = std::fs::read_to_string(Path::new(table)) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (cols.get(1), cols.get(3)) else {
                continue;
            };
            let Some((addr, port_hex)) = local.split_once(':') else {
                continue;
            };
            if *state == "0A" && u16::from_str_radix(port_hex, 16).ok() == Some(live.port) {
                assert_eq!(addr, loopback, "{table}: {line}");
                found += 1;
            }
        }
    }
    assert!(found >= 1, "the listener is in /proc/net/tcp");
    live.run.signal(libc::SIGTERM);
    live.run.finish_with(Some(0));
}
