//! `pcapscope capture`: libpcap in, pcapng (or pcap) files out.
//!
//! The order of things is the security argument: open the capture handle (the only step that
//! needs privilege), compile and attach the BPF filter, drop every privilege
//! ([`crate::privileges`]), and only then create files, start threads and write packets.

use crate::conditions::Autostop;
use crate::files::{Finished, Output, OutputConfig, StreamMeta};
use crate::live::{self, LiveConfig};
use crate::privileges;
use crate::signals;
use anyhow::{anyhow, bail, Context};
use pcapscope::capture::write::InterfaceStatistics;
use pcapscope::capture::LinkType;
use pcapscope::render::format::{bytes as fmt_bytes, thousands};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Everything `pcapscope capture` was asked to do.
#[derive(Debug, Clone)]
pub struct CaptureConfig {
    /// `-i`.
    pub interface: String,
    /// The BPF capture filter, compiled by libpcap.
    pub filter: Option<String>,
    /// `-s`.
    pub snaplen: u32,
    /// Promiscuous mode (on unless `-p`).
    pub promiscuous: bool,
    /// `-a` and `-c`.
    pub autostop: Autostop,
    /// `-w` with `--format`, `-b`, `--force`; `None` when only the live view is wanted.
    pub output: Option<OutputConfig>,
    /// `-Z`.
    pub user: Option<String>,
    /// `-q`: no progress lines.
    pub quiet: bool,
    /// Print the privilege lines of `/proc/self/status` after dropping privileges.
    pub print_privileges: bool,
    /// `--live`.
    pub live: Option<LiveConfig>,
}

/// Why a capture ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C, SIGTERM or SIGHUP.
    Signal(&'static str),
    /// `-c` / `-a packets:`.
    PacketCount,
    /// `-a duration:`.
    Duration,
    /// `-a filesize:`.
    FileSize,
    /// `-a files:`.
    Files,
    /// Reading or writing failed (the error is reported beside the summary).
    Error,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Signal(s) => write!(f, "interrupted ({s})"),
            StopReason::PacketCount => f.write_str("packet count reached"),
            StopReason::Duration => f.write_str("duration reached"),
            StopReason::FileSize => f.write_str("file size reached"),
            StopReason::Files => f.write_str("number of files reached"),
            StopReason::Error => f.write_str("error (see below)"),
        }
    }
}

/// libpcap's timestamp precision names (`pcap_get_tstamp_precision`).
const PCAP_TSTAMP_PRECISION_NANO: libc::c_int = 1;

extern "C" {
    // Linked through the pcap crate; it has no wrapper for the getter.
    fn pcap_get_tstamp_precision(p: *mut libc::c_void) -> libc::c_int;
}

/// libpcap's DLT_ numbers are LINKTYPE_ numbers except for a few historical ones.
fn dlt_to_linktype(dlt: i32) -> LinkType {
    match dlt {
        12 | 14 => pcapscope::capture::linktype::RAW, // DLT_RAW differs between systems
        other => other as LinkType,
    }
}

/// Waits until `fd` is readable, `ms` milliseconds pass, or a signal arrives.
fn wait_readable(fd: std::os::fd::RawFd, ms: libc::c_int) {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd. Errors (EINTR) just end the wait early.
    unsafe {
        libc::poll(&mut p, 1, ms);
    }
}

/// `uname`: ("Linux 6.1.0-18-amd64", "x86_64").
pub fn uname() -> (String, String) {
    // SAFETY: uname fills the struct; its fields are NUL-terminated arrays.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return (std::env::consts::OS.into(), std::env::consts::ARCH.into());
        }
        let s = |a: &[libc::c_char]| {
            std::ffi::CStr::from_ptr(a.as_ptr())
                .to_string_lossy()
                .into_owned()
        };
        (
            format!("{} {}", s(&u.sysname), s(&u.release)),
            s(&u.machine),
        )
    }
}

/// `pcapscope capture -D`: the interfaces libpcap can open, as dumpcap lists them.
pub fn list_interfaces() -> anyhow::Result<String> {
    let devices = pcap::Device::list().map_err(|e| anyhow!("cannot list interfaces: {e}"))?;
    let mut out = String::new();
    for (i, d) in devices.iter().enumerate() {
        let mut flags = Vec::new();
        if d.flags.is_up() {
            flags.push("up");
        }
        if d.flags.is_running() {
            flags.push("running");
        }
        if d.flags.is_loopback() {
            flags.push("loopback");
        }
        if d.flags.is_wireless() {
            flags.push("wireless");
        }
        let desc = d
            .desc
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let addrs: Vec<String> = d.addresses.iter().map(|a| a.addr.to_string()).collect();
        out.push_str(&format!("{}. {}{desc}", i + 1, d.name));
        if !flags.is_empty() {
            out.push_str(&format!(" [{}]", flags.join(", ")));
        }
        if !addrs.is_empty() {
            out.push_str(&format!(" {}", addrs.join(" ")));
        }
        out.push('\n');
    }
    Ok(out)
}

fn open_error(iface: &str, e: pcap::Error) -> anyhow::Error {
    let msg = e.to_string();
    let lower = msg.to_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        anyhow!(
            "cannot capture on {iface}: {msg}\n\
             Capturing needs root or the capabilities CAP_NET_RAW and CAP_NET_ADMIN: run it with \
             sudo, or once: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v pcapscope)"
        )
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        anyhow!("cannot capture on {iface}: {msg} (see `pcapscope capture --list-interfaces`)")
    } else {
        anyhow!("cannot capture on {iface}: {msg}")
    }
}

/// What a capture did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Why it ended.
    pub reason: StopReason,
    /// Packets written.
    pub packets: u64,
    /// Their lengths on the wire.
    pub bytes: u64,
    /// libpcap's counters at the end.
    pub stats: Option<pcap::Stat>,
    /// Files on disk.
    pub files: Vec<Finished>,
    /// Files deleted by the ring buffer.
    pub deleted: u64,
    /// Wall time.
    pub elapsed: Duration,
}

struct Progress {
    tty: bool,
    quiet: bool,
    last: Instant,
    shown: bool,
}

impl Progress {
    fn line(packets: u64, bytes: u64, stats: Option<&pcap::Stat>) -> String {
        let mut s = format!(
            "{} packets, {}",
            thousands(packets),
            fmt_bytes(bytes).replace('\u{a0}', " ")
        );
        if let Some(st) = stats {
            s.push_str(&format!(
                ", dropped {} by the kernel, {} by the interface",
                thousands(u64::from(st.dropped)),
                thousands(u64::from(st.if_dropped))
            ));
        }
        s
    }

    fn show(&mut self, text: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{text}");
        } else {
            let _ = writeln!(err, "{text}");
        }
        let _ = err.flush();
        self.shown = true;
    }

    fn end_line(&mut self) {
        if self.tty && self.shown && !self.quiet {
            eprintln!();
        }
    }
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Runs a capture to its end. Errors before the first packet are setup errors (exit status
/// 2); an `Err` after that has already kept what was written (see [`Output`]).
pub fn run(cfg: CaptureConfig) -> anyhow::Result<(Summary, Option<anyhow::Error>)> {
    if cfg.output.is_none() && cfg.live.is_none() {
        bail!("nothing to do: give -w FILE, --live, or both");
    }
    if let Some(o) = &cfg.output {
        o.precheck()?;
    }
    let target = privileges::plan(cfg.user.as_deref())?;
    let description = pcap::Device::list()
        .ok()
        .and_then(|l| l.into_iter().find(|d| d.name == cfg.interface))
        .and_then(|d| d.desc);

    // The one privileged step.
    let snaplen = i32::try_from(cfg.snaplen).unwrap_or(i32::MAX);
    let cap = pcap::Capture::from_device(cfg.interface.as_str())
        .map_err(|e| open_error(&cfg.interface, e))?
        .promisc(cfg.promiscuous)
        .snaplen(snaplen)
        .timeout(100)
        .immediate_mode(cfg.live.is_some())
        .precision(pcap::Precision::Nano)
        .open()
        .map_err(|e| open_error(&cfg.interface, e))?;
    // Non-blocking, with our own poll: libpcap's blocking read on Linux (TPACKET_V3) waits
    // for traffic without a time limit and retries on EINTR, so a quiet interface would
    // never see Ctrl-C or a duration limit.
    let mut cap = cap
        .setnonblock()
        .map_err(|e| open_error(&cfg.interface, e))?;
    if let Some(f) = &cfg.filter {
        cap.filter(f, true)
            .map_err(|e| anyhow!("invalid capture filter {f:?}: {e}"))?;
    }
    // SAFETY: the handle is open for the life of `cap`.
    let nanos =
        unsafe { pcap_get_tstamp_precision(cap.as_ptr().cast()) } == PCAP_TSTAMP_PRECISION_NANO;
    let link_type = dlt_to_linktype(cap.get_datalink().0);

    let dropped = privileges::drop_privileges(target.as_ref())?;
    if target.is_none() && unsafe { libc::geteuid() } == 0 {
        eprintln!(
            "pcapscope: warning: running as root with no SUDO_UID and no -Z USER: files will \
             belong to root (capabilities are cleared all the same)"
        );
    }
    if cfg.print_privileges {
        let st = privileges::Status::read()?;
        eprint!("pcapscope: privileges after the drop:\n{}", st.text);
    }
    signals::install().context("cannot install signal handlers")?;

    let (os, hardware) = uname();
    let meta = StreamMeta {
        link_type,
        snaplen: cfg.snaplen,
        nanos,
        interface: cfg.interface.clone(),
        description,
        filter: cfg.filter.clone(),
        os,
        hardware,
        user_appl: format!("pcapscope {}", env!("CARGO_PKG_VERSION")),
    };
    let mut output =
        match &cfg.output {
            Some(o) => Some(Output::create(o.clone(), meta.clone()).with_context(|| {
                match &dropped.switched_to {
                    Some(t) => format!(
                        "files are created as {} (uid {}), after privileges are dropped",
                        t.name, t.uid
                    ),
                    None => "cannot start writing".to_string(),
                }
            })?),
            None => None,
        };
    let mut live = match &cfg.live {
        Some(l) => Some(live::Server::start(l.clone(), &meta)?),
        None => None,
    };

    let as_user = dropped
        .switched_to
        .as_ref()
        .map(|t| format!(", running as {}", t.name))
        .unwrap_or_default();
    let filter_text = cfg
        .filter
        .as_deref()
        .map(|f| format!(" with filter {f:?}"))
        .unwrap_or_default();
    let dest = match &cfg.output {
        Some(o) if o.ring.rotates() => format!(
            ", writing {} to files named after {}",
            o.format.as_str(),
            o.path.display()
        ),
        Some(o) => format!(", writing {} to {}", o.format.as_str(), o.path.display()),
        None => String::new(),
    };
    eprintln!(
        "pcapscope: capturing on {} ({}){filter_text}{dest}{as_user}",
        cfg.interface,
        pcapscope::render::format::link_type_name(link_type)
    );
    if let Some(l) = &live {
        if l.dist().is_none() {
            eprintln!(
                "pcapscope: warning: no built site found (run `cargo xtask dist`, or pass --dist \
                 DIR): the live view serves only its WebSocket"
            );
        }
        eprintln!(
            "pcapscope: live view (this machine only; the address holds a one-time token, keep \
             it to yourself): open {}",
            l.url()
        );
    }

    let started = Instant::now();
    let started_ns = now_ns();
    let mut progress = Progress {
        // SAFETY: isatty on a file descriptor number.
        tty: unsafe { libc::isatty(2) } == 1,
        quiet: cfg.quiet,
        last: started,
        shown: false,
    };
    let mut packets = 0u64;
    let mut bytes = 0u64;
    let mut failure: Option<anyhow::Error> = None;
    let a = cfg.autostop;
    let isb = |cap: &mut pcap::Capture<pcap::Active>, packets: u64| {
        let st = cap.stats().ok()?;
        Some((
            now_ns(),
            InterfaceStatistics {
                start_ns: Some(started_ns),
                end_ns: Some(now_ns()),
                if_recv: Some(u64::from(st.received)),
                if_drop: Some(u64::from(st.if_dropped)),
                os_drop: Some(u64::from(st.dropped)),
                user_delivered: Some(packets),
                ..Default::default()
            },
        ))
    };

    let reason = loop {
        if let Some(sig) = signals::received() {
            break StopReason::Signal(signals::name(sig));
        }
        match cap.next_packet() {
            Ok(p) => {
                let ts = p.header.ts;
                let frac = i64::from(ts.tv_usec as i32);
                // time_t is 32 bits on some targets.
                #[allow(clippy::useless_conversion)]
                let ts_ns = i64::from(ts.tv_sec)
                    .saturating_mul(1_000_000_000)
                    .saturating_add(if nanos { frac } else { frac * 1000 });
                packets += 1;
                bytes += u64::from(p.header.len);
                if let Some(out) = output.as_mut() {
                    if let Err(e) = out.write_packet(ts_ns, p.header.len, p.data) {
                        failure = Some(e);
                        packets -= 1;
                        bytes -= u64::from(p.header.len);
                        break StopReason::Error;
                    }
                }
                if let Some(l) = live.as_mut() {
                    l.packet(ts_ns, p.header.len, p.data);
                }
                if a.packets.is_some_and(|n| packets >= n) {
                    break StopReason::PacketCount;
                }
            }
            Err(pcap::Error::TimeoutExpired) => wait_readable(cap.as_raw_fd(), 100),
            Err(e) => {
                if let Some(sig) = signals::received() {
                    break StopReason::Signal(signals::name(sig));
                }
                failure = Some(anyhow!("reading from {} failed: {e}", cfg.interface));
                break StopReason::Error;
            }
        }
        let now = Instant::now();
        if let Some(out) = output.as_mut() {
            if let Err(e) = out.tick(now) {
                failure = Some(e);
                break StopReason::Error;
            }
            if a.filesize.is_some_and(|s| out.current_size() >= s) {
                break StopReason::FileSize;
            }
            if out.should_rotate(now) {
                if a.files.is_some_and(|n| out.files_opened() >= n) {
                    break StopReason::Files;
                }
                let stats = isb(&mut cap, packets);
                if let Err(e) = out.rotate(stats) {
                    failure = Some(e);
                    break StopReason::Error;
                }
            }
        }
        if let Some(l) = live.as_mut() {
            l.tick(now);
        }
        if a.duration.is_some_and(|d| now.duration_since(started) >= d) {
            break StopReason::Duration;
        }
        if now.duration_since(progress.last) >= Duration::from_secs(1) {
            progress.last = now;
            let st = cap.stats().ok();
            progress.show(&Progress::line(packets, bytes, st.as_ref()));
            if let Some(l) = live.as_mut() {
                l.status(packets, bytes, st.as_ref());
            }
        }
    };
    progress.end_line();
    let stats = cap.stats().ok();
    let final_isb = isb(&mut cap, packets);
    let mut deleted = 0;
    let files = match output {
        Some(mut out) => {
            // After a failed write the output has already kept what it could, and this does
            // nothing; otherwise it completes the file.
            if let Err(e) = out.finish(final_isb) {
                failure = Some(match failure {
                    Some(f) => f.context(format!("{e:#}")),
                    None => e,
                });
            }
            deleted = out.deleted();
            packets -= out.lost();
            out.into_files()
        }
        None => Vec::new(),
    };
    if let Some(l) = live.take() {
        l.stop(&reason.to_string());
    }
    Ok((
        Summary {
            reason,
            packets,
            bytes,
            stats,
            files,
            deleted,
            elapsed: started.elapsed(),
        },
        failure,
    ))
}

/// The summary printed at the end (on stderr).
pub fn summary_text(s: &Summary) -> String {
    let mut t = format!(
        "pcapscope: capture stopped: {}\n  packets written: {}\n  bytes on the wire: {}\n  duration: {:.1} s\n",
        s.reason,
        thousands(s.packets),
        fmt_bytes(s.bytes).replace('\u{a0}', " "),
        s.elapsed.as_secs_f64()
    );
    if let Some(st) = &s.stats {
        t.push_str(&format!(
            "  received by libpcap: {}\n  dropped by the kernel: {}\n  dropped by the interface: {}\n",
            thousands(u64::from(st.received)),
            thousands(u64::from(st.dropped)),
            thousands(u64::from(st.if_dropped))
        ));
    }
    for f in &s.files {
        if f.bytes > 0 {
            t.push_str(&format!(
                "  file: {} ({} packets, {})\n",
                f.path.display(),
                thousands(f.packets),
                fmt_bytes(f.bytes).replace('\u{a0}', " ")
            ));
        } else {
            t.push_str(&format!("  file: {}\n", f.path.display()));
        }
    }
    if s.deleted > 0 {
        t.push_str(&format!(
            "  older files deleted by the ring buffer: {}\n",
            s.deleted
        ));
    }
    t
}
