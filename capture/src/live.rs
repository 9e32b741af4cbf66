//! `pcapscope capture --live`: the page, served on the loopback interface, fed by the capture
//! over a WebSocket on the same origin.
//!
//! Who can see the traffic is the point of this module:
//!
//! - it listens on 127.0.0.1 (and ::1 when there is IPv6) only;
//! - every request must carry a `Host` of `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT`
//!   (a DNS-rebinding page has another Host);
//! - the WebSocket needs an `Origin` of exactly `http://` + that Host, and a random per-run
//!   token, which the user gets only in the URL printed on the terminal, in its fragment (the
//!   browser never sends a fragment; no endpoint serves the token); the page passes it as a
//!   WebSocket subprotocol, so a wrong one is refused before the upgrade;
//! - one viewer at a time.
//!
//! Wire protocol (version 1):
//!
//! - Open `http://127.0.0.1:PORT/#live=TOKEN`. The page reads `live` from `location.hash` and
//!   connects to `ws://` + `location.host` + [`WS_PATH`] with the subprotocols
//!   [`PROTOCOL`] and `pcapscope.token.TOKEN`; the server answers with [`PROTOCOL`] alone.
//! - The server then sends a text message `{"type":"hello","version":1,...}` (interface,
//!   link type, snap length, filter), then binary messages: the first holds exactly the
//!   pcapng Section Header and Interface Description Blocks, each later one a run of whole
//!   Enhanced Packet Blocks (every 100 ms while packets arrive). Concatenated, the binary
//!   messages are a valid pcapng stream, readable by the page's streaming reader.
//! - Every second a text message `{"type":"stats",...}` (packets, bytes, drops by the kernel,
//!   the interface, and packets this viewer missed because it read too slowly); when the
//!   capture ends, `{"type":"end","reason":...}` and a normal close.
//! - Messages from the page are ignored (a close ends the session).

use crate::files::StreamMeta;
use anyhow::Context;
use pcapscope::capture::write::PacketWriter;
use pcapscope::capture::Format;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// The WebSocket endpoint.
pub const WS_PATH: &str = "/live";
/// The subprotocol both sides speak.
pub const PROTOCOL: &str = "pcapscope.live.v1";
/// The token travels as the subprotocol `pcapscope.token.TOKEN`.
pub const TOKEN_PROTOCOL_PREFIX: &str = "pcapscope.token.";

/// Send batched packets this often.
const SEND_INTERVAL: Duration = Duration::from_millis(100);
/// ...or when this much is batched.
const SEND_BYTES: usize = 256 * 1024;
/// Batches queued for a slow viewer before packets are dropped for it (about 64 MiB).
const QUEUE: usize = 256;
/// Connections handled at once (static files and the viewer).
const MAX_CONNECTIONS: usize = 16;
/// Largest request head.
const MAX_HEAD: usize = 16 * 1024;

/// `--live` options.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// The built site; default `./dist`, else the `dist/` of the source tree the binary was
    /// built in.
    pub dist: Option<PathBuf>,
}

enum Msg {
    Binary(Vec<u8>),
    Text(String),
}

struct Viewer {
    id: u64,
    tx: SyncSender<Msg>,
}

struct Shared {
    token: String,
    port: u16,
    dist: Option<PathBuf>,
    header: Vec<u8>,
    hello: String,
    viewer: Mutex<Option<Viewer>>,
    has_viewer: AtomicBool,
    next_id: AtomicU64,
    shutdown: AtomicBool,
    connections: AtomicUsize,
}

/// The running server: listener threads, and the packet encoder the capture loop feeds.
pub struct Server {
    shared: Arc<Shared>,
    writer: PacketWriter<Vec<u8>>,
    batch_packets: u64,
    last_send: Instant,
    missed: u64,
}

/// 128 random bits, hex.
fn random_token() -> anyhow::Result<String> {
    let mut b = [0u8; 16];
    let mut f = std::fs::File::open("/dev/urandom").context("cannot open /dev/urandom")?;
    f.read_exact(&mut b).context("cannot read /dev/urandom")?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn default_dist() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("dist")];
    // target/{debug,release}/pcapscope in the source tree -> dist/
    if let Ok(exe) = std::env::current_exe() {
        if let Some(root) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
            candidates.push(root.join("dist"));
        }
    }
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

impl Server {
    /// Binds 127.0.0.1 (and ::1) and starts serving. Call after privileges are dropped.
    pub fn start(cfg: LiveConfig, meta: &StreamMeta) -> anyhow::Result<Server> {
        let v4 = TcpListener::bind(("127.0.0.1", cfg.port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", cfg.port))?;
        let port = v4.local_addr()?.port();
        // IPv6 loopback on the same port, when the machine has it.
        let v6 = TcpListener::bind(("::1", port)).ok();
        let dist = match cfg.dist {
            Some(d) => {
                if !d.join("index.html").is_file() {
                    anyhow::bail!(
                        "{}: no index.html (build it with `cargo xtask dist`)",
                        d.display()
                    );
                }
                Some(d)
            }
            None => default_dist(),
        };
        let dist = dist.map(|d| d.canonicalize().unwrap_or(d));
        let mut writer = PacketWriter::new(Vec::new(), Format::Pcapng, &meta.options())?;
        let header = std::mem::take(writer.get_mut());
        let hello = format!(
            "{{\"type\":\"hello\",\"version\":1,\"interface\":{},\"link_type\":{},\"snaplen\":{},\"filter\":{}}}",
            json_str(&meta.interface),
            meta.link_type,
            meta.snaplen,
            meta.filter.as_deref().map_or("null".to_string(), json_str)
        );
        let shared = Arc::new(Shared {
            token: random_token()?,
            port,
            dist,
            header,
            hello,
            viewer: Mutex::new(None),
            has_viewer: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            shutdown: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        });
        for l in std::iter::once(v4).chain(v6) {
            l.set_nonblocking(true)?;
            let s = shared.clone();
            std::thread::Builder::new()
                .name("live-accept".into())
                .spawn(move || accept_loop(l, s))?;
        }
        Ok(Server {
            shared,
            writer,
            batch_packets: 0,
            last_send: Instant::now(),
            missed: 0,
        })
    }

    /// The URL to open (the token is in the fragment).
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/#live={}",
            self.shared.port, self.shared.token
        )
    }

    /// Where the site is served from, if anywhere.
    pub fn dist(&self) -> Option<&Path> {
        self.shared.dist.as_deref()
    }

    /// One captured packet (encoded only while a viewer is connected).
    pub fn packet(&mut self, ts_ns: i64, orig_len: u32, data: &[u8]) {
        if !self.shared.has_viewer.load(Ordering::Relaxed) {
            return;
        }
        if self.writer.write_packet(ts_ns, orig_len, data).is_ok() {
            self.batch_packets += 1;
        }
        if self.writer.get_ref().len() >= SEND_BYTES {
            self.send_batch();
        }
    }

    /// Sends what is batched every [`SEND_INTERVAL`].
    pub fn tick(&mut self, now: Instant) {
        if now.duration_since(self.last_send) >= SEND_INTERVAL {
            self.send_batch();
        }
    }

    fn send(&self, msg: Msg) -> bool {
        let Ok(mut slot) = self.shared.viewer.lock() else {
            return false;
        };
        match slot.as_ref().map(|v| v.tx.try_send(msg)) {
            Some(Ok(())) => true,
            Some(Err(TrySendError::Full(_))) => false,
            Some(Err(TrySendError::Disconnected(_))) => {
                *slot = None;
                self.shared.has_viewer.store(false, Ordering::Relaxed);
                false
            }
            None => false,
        }
    }

    fn send_batch(&mut self) {
        self.last_send = Instant::now();
        let buf = std::mem::take(self.writer.get_mut());
        let n = std::mem::take(&mut self.batch_packets);
        if buf.is_empty() {
            return;
        }
        if !self.send(Msg::Binary(buf)) && self.shared.has_viewer.load(Ordering::Relaxed) {
            self.missed += n;
        }
    }

    /// The capture's counters, once a second.
    pub fn status(&mut self, packets: u64, bytes: u64, stats: Option<&pcap::Stat>) {
        let (k, i) = stats.map_or((0, 0), |s| (s.dropped, s.if_dropped));
        let text = format!(
            "{{\"type\":\"stats\",\"packets\":{packets},\"bytes\":{bytes},\"dropped_kernel\":{k},\"dropped_interface\":{i},\"missed_by_viewer\":{}}}",
            self.missed
        );
        self.send(Msg::Text(text));
    }

    /// Ends the stream (`end` message, then a close) and stops listening.
    pub fn stop(mut self, reason: &str) {
        self.send_batch();
        self.send(Msg::Text(format!(
            "{{\"type\":\"end\",\"reason\":{}}}",
            json_str(reason)
        )));
        self.shared.shutdown.store(true, Ordering::SeqCst);
        if let Ok(mut slot) = self.shared.viewer.lock() {
            *slot = None; // the viewer's thread drains its queue, closes, and ends
        }
        let until = Instant::now() + Duration::from_secs(2);
        while self.shared.connections.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while !shared.shutdown.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                if !peer.ip().is_loopback()
                    || shared.connections.load(Ordering::SeqCst) >= MAX_CONNECTIONS
                {
                    continue; // dropped: closed at once
                }
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let s = shared.clone();
                let spawned =
                    std::thread::Builder::new()
                        .name("live-conn".into())
                        .spawn(move || {
                            let _ = handle(stream, &s);
                            s.connections.fetch_sub(1, Ordering::SeqCst);
                        });
                if spawned.is_err() {
                    shared.connections.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A parsed request head.
#[derive(Debug, Default)]
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    duplicate_host: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut head = Vec::with_capacity(1024);
    let mut byte = [0u8; 1];
    // Byte by byte: nothing past the head may be consumed (WebSocket frames may follow).
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Ok(None);
        }
        if stream.read(&mut byte)? == 0 {
            return Ok(None);
        }
        head.push(byte[0]);
    }
    let Ok(text) = std::str::from_utf8(&head) else {
        return Ok(None);
    };
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (first.next(), first.next(), first.next(), first.next())
    else {
        return Ok(None);
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Ok(None);
    }
    let mut req = Request {
        method: method.to_string(),
        path: target.split(['?', '#']).next().unwrap_or("").to_string(),
        ..Default::default()
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((k, v)) = line.split_once(':') else {
            return Ok(None);
        };
        let k = k.trim().to_ascii_lowercase();
        if k == "host" && req.headers.contains_key("host") {
            req.duplicate_host = true;
        }
        let v = v.trim().to_string();
        req.headers
            .entry(k)
            .and_modify(|old| {
                old.push_str(", ");
                old.push_str(&v);
            })
            .or_insert(v);
    }
    Ok(Some(req))
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8], head_only: bool) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
         X-Frame-Options: DENY\r\nCross-Origin-Resource-Policy: same-origin\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(body);
    }
    let _ = stream.flush();
}

fn refuse(stream: &mut TcpStream, status: &str, why: &str) {
    respond(
        stream,
        status,
        "text/plain; charset=utf-8",
        format!("{why}\n").as_bytes(),
        false,
    );
}

/// The Host values this server answers to.
fn host_allowed(host: &str, port: u16) -> bool {
    let h = host.to_ascii_lowercase();
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
    .contains(&h)
}

/// Compares without an early exit on the first differing byte.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn handle(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let Some(req) = read_head(&mut stream)? else {
        refuse(&mut stream, "400 Bad Request", "bad request");
        return Ok(());
    };
    let host = req.header("host").unwrap_or("");
    if req.duplicate_host || !host_allowed(host, shared.port) {
        refuse(
            &mut stream,
            "403 Forbidden",
            "wrong Host: open the address pcapscope printed",
        );
        return Ok(());
    }
    if req.path == WS_PATH {
        return websocket(stream, &req, shared);
    }
    static_file(&mut stream, &req, shared);
    Ok(())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "json" | "webmanifest" => "application/json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

const NO_SITE: &str = "<!doctype html><meta charset=utf-8><title>pcapscope live</title>\
<p>The page is not built. Run <code>cargo xtask dist</code>, or start the capture with \
<code>--dist DIR</code>.</p>";

fn static_file(stream: &mut TcpStream, req: &Request, shared: &Shared) {
    let head_only = req.method == "HEAD";
    if req.method != "GET" && !head_only {
        refuse(stream, "405 Method Not Allowed", "only GET");
        return;
    }
    let rel = req.path.trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let safe = rel
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        && !rel
            .split('/')
            .any(|seg| seg.is_empty() || seg.starts_with('.'));
    if !safe {
        refuse(stream, "404 Not Found", "not found");
        return;
    }
    let Some(dist) = &shared.dist else {
        if rel == "index.html" {
            respond(
                stream,
                "200 OK",
                "text/html; charset=utf-8",
                NO_SITE.as_bytes(),
                head_only,
            );
        } else {
            refuse(stream, "404 Not Found", "not found");
        }
        return;
    };
    let path = dist.join(rel);
    let inside = path
        .canonicalize()
        .map(|p| p.starts_with(dist) && p.is_file())
        .unwrap_or(false);
    match std::fs::read(&path) {
        Ok(body) if inside => respond(stream, "200 OK", content_type(&path), &body, head_only),
        _ => refuse(stream, "404 Not Found", "not found"),
    }
}

fn websocket(mut stream: TcpStream, req: &Request, shared: &Shared) -> std::io::Result<()> {
    let upgrade = req
        .header("upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let connection = req.header("connection").is_some_and(|c| {
        c.split(',')
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
    });
    let key = req.header("sec-websocket-key").unwrap_or("");
    if req.method != "GET"
        || !upgrade
        || !connection
        || req.header("sec-websocket-version") != Some("13")
        || key.len() != 24
    {
        refuse(
            &mut stream,
            "400 Bad Request",
            "a WebSocket upgrade is expected here",
        );
        return Ok(());
    }
    let host = req.header("host").unwrap_or("");
    let origin_ok = req
        .header("origin")
        .is_some_and(|o| o.eq_ignore_ascii_case(&format!("http://{host}")));
    if !origin_ok {
        refuse(&mut stream, "403 Forbidden", "wrong Origin");
        return Ok(());
    }
    let offered: Vec<&str> = req
        .header("sec-websocket-protocol")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .collect();
    let token_ok = offered.iter().any(|p| {
        p.strip_prefix(TOKEN_PROTOCOL_PREFIX)
            .is_some_and(|t| same_secret(t, &shared.token))
    });
    if !offered.contains(&PROTOCOL) || !token_ok {
        refuse(&mut stream, "403 Forbidden", "missing or wrong token");
        return Ok(());
    }
    let (tx, rx) = sync_channel(QUEUE);
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    {
        let Ok(mut slot) = shared.viewer.lock() else {
            return Ok(());
        };
        if slot.is_some() || shared.shutdown.load(Ordering::SeqCst) {
            drop(slot);
            refuse(
                &mut stream,
                "409 Conflict",
                "another viewer is connected (one at a time)",
            );
            return Ok(());
        }
        *slot = Some(Viewer { id, tx });
        shared.has_viewer.store(true, Ordering::SeqCst);
    }
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {PROTOCOL}\r\n\r\n"
    );
    let result = stream
        .write_all(head.as_bytes())
        .and_then(|()| session(stream, rx, shared));
    if let Ok(mut slot) = shared.viewer.lock() {
        if slot.as_ref().is_some_and(|v| v.id == id) {
            *slot = None;
            shared.has_viewer.store(false, Ordering::SeqCst);
        }
    }
    result
}

fn ws_err(e: tungstenite::Error) -> std::io::Error {
    match e {
        tungstenite::Error::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

fn session(stream: TcpStream, rx: Receiver<Msg>, shared: &Shared) -> std::io::Result<()> {
    // Reads poll briefly between sends; writes may block a slow viewer up to 5 s.
    stream.set_read_timeout(Some(Duration::from_millis(10)))?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024));
    let mut ws = WebSocket::from_raw_socket(stream, Role::Server, Some(config));
    ws.send(Message::text(shared.hello.clone()))
        .map_err(ws_err)?;
    ws.send(Message::binary(shared.header.clone()))
        .map_err(ws_err)?;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Msg::Binary(b)) => ws.send(Message::binary(b)).map_err(ws_err)?,
            Ok(Msg::Text(t)) => ws.send(Message::text(t)).map_err(ws_err)?,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                let _ = ws.close(None);
                let _ = ws.flush();
                return Ok(());
            }
        }
        match ws.read() {
            Ok(Message::Close(_)) => {
                let _ = ws.flush();
                return Ok(());
            }
            Ok(_) => {} // the page has nothing to say; pings are answered by tungstenite
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(())
            }
            Err(e) => return Err(ws_err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_secrets() {
        assert!(host_allowed("127.0.0.1:8123", 8123));
        assert!(host_allowed("LOCALHOST:8123", 8123));
        assert!(host_allowed("[::1]:8123", 8123));
        for bad in [
            "127.0.0.1",
            "127.0.0.1:80",
            "localhost",
            "evil.example:8123",
            "127.0.0.1.evil.example:8123",
            "",
        ] {
            assert!(!host_allowed(bad, 8123), "{bad}");
        }
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        let t = random_token().unwrap();
        assert_eq!(t.len(), 32);
        assert_ne!(t, random_token().unwrap());
    }
}
