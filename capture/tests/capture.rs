//! `pcapscope capture` as a user runs it, on the loopback interface: known UDP and TCP traffic
//! sent to 127.0.0.1 must be in the file (checked with the project's reader, and with tshark
//! and capinfos when installed); rotation, a kill -9, privilege dropping, refusing to
//! overwrite, and a full disk.
//!
//! Capturing needs root or CAP_NET_RAW; without them the capture tests print a visible SKIP
//! line and pass. Every child process is killed after a few seconds: no test can hang.

mod support;

use pcapscope::capture::{Format, Reader};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

/// Frames of a capture file, read with the project's reader: (payload-bearing data, error).
fn read_frames(path: &Path) -> (Format, Vec<Vec<u8>>, Option<String>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = Reader::new(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let format = r.format();
    let mut frames = Vec::new();
    loop {
        match r.next_frame() {
            Ok(Some(f)) => frames.push(f.data.to_vec()),
            Ok(None) => return (format, frames, None),
            Err(e) => return (format, frames, Some(e.to_string())),
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn count_with(frames: &[Vec<u8>], needle: &[u8]) -> usize {
    frames.iter().filter(|f| contains(f, needle)).count()
}

/// A UDP receiver on 127.0.0.1 (so no ICMP port-unreachable) and a sender.
struct Udp {
    rx: UdpSocket,
    tx: UdpSocket,
}

impl Udp {
    fn new() -> Udp {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        Udp { rx, tx }
    }
    fn port(&self) -> u16 {
        self.rx.local_addr().unwrap().port()
    }
    fn send(&self, payload: &[u8]) {
        self.tx
            .send_to(payload, self.rx.local_addr().unwrap())
            .unwrap();
    }
}

/// One TCP connection to a listener on 127.0.0.1 carrying `payload` each way.
fn tcp_exchange(listener: &TcpListener, payload: &[u8]) {
    use std::io::{Read, Write};
    let addr = listener.local_addr().unwrap();
    let mut c = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let (mut s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    c.write_all(payload).unwrap();
    let mut buf = vec![0u8; payload.len()];
    s.read_exact(&mut buf).unwrap();
    s.write_all(&buf).unwrap();
    c.read_exact(&mut buf).unwrap();
    assert_eq!(buf, payload);
}

#[test]
fn captures_known_udp_and_tcp_on_loopback_until_ctrl_c() {
    let Some(_cap) = capture_allowed("captures_known_udp_and_tcp_on_loopback_until_ctrl_c") else {
        return;
    };
    let dir = test_dir("lo-capture");
    let out = dir.join("lo.pcapng");
    let udp = Udp::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_port = listener.local_addr().unwrap().port();
    let filter = format!("udp port {} or tcp port {}", udp.port(), tcp_port);
    let mut run = capture_lo(&out, &["-f", &filter], Duration::from_secs(20));
    run.wait_ready();
    for i in 0..5 {
        udp.send(format!("pcapscope-udp-{i}").as_bytes());
    }
    tcp_exchange(&listener, b"pcapscope-tcp-payload");
    std::thread::sleep(Duration::from_millis(300));
    run.signal(libc::SIGINT);
    let err = run.finish_with(Some(0));
    assert!(
        err.contains("capture stopped: interrupted (SIGINT)"),
        "{err}"
    );
    assert!(err.contains("packets written:"), "{err}");
    assert!(!dir.join("lo.pcapng.part").exists(), "renamed at exit");

    let (format, frames, error) = read_frames(&out);
    assert_eq!(format, Format::Pcapng);
    assert_eq!(error, None);
    for i in 0..5 {
        assert_eq!(
            count_with(&frames, format!("pcapscope-udp-{i}").as_bytes()),
            1,
            "UDP datagram {i}"
        );
    }
    // Once each way.
    assert_eq!(count_with(&frames, b"pcapscope-tcp-payload"), 2);
    // Nothing the filter excludes: every frame is one of ours (5 UDP + the TCP connection).
    assert!(frames.len() >= 5 + 2 + 3, "{} frames", frames.len());
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "private file");

    // The stats command reads it too.
    let stats = pcapscope_cmd()
        .args(["stats", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(stats.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(doc["packets"], frames.len());
    assert_eq!(doc["protocols"]["udp"], 5);

    if let Some(t) = tshark(&[
        "-r",
        out.to_str().unwrap(),
        "-T",
        "fields",
        "-e",
        "frame.interface_name",
        "-e",
        "udp.dstport",
    ]) {
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), frames.len(), "tshark reads every frame:\n{t}");
        assert!(lines.iter().all(|l| l.starts_with("lo")), "{t}");
        let udp_lines = lines
            .iter()
            .filter(|l| l.ends_with(&format!("\t{}", udp.port())))
            .count();
        assert_eq!(udp_lines, 5, "{t}");
    }
    if let Some(info) = capinfos(&out) {
        assert!(info.contains("pcapng"), "{info}");
        assert!(info.contains("Name = lo"), "{info}");
        assert!(
            info.contains(&format!("Filter string = {filter}")),
            "{info}"
        );
        assert!(info.contains("Capture application: pcapscope"), "{info}");
        assert!(info.contains("Capture oper-sys:    Linux"), "{info}");
        assert!(info.contains("nanoseconds"), "{info}");
    }
}

#[test]
fn count_limit_and_pcap_format() {
    let Some(_cap) = capture_allowed("count_limit_and_pcap_format") else {
        return;
    };
    let dir = test_dir("count");
    let out = dir.join("three.pcap");
    let udp = Udp::new();
    let mut run = capture_lo(
        &out,
        &[
            "--format",
            "pcap",
            "-c",
            "3",
            "-q",
            "udp",
            "port",
            &udp.port().to_string(),
        ],
        Duration::from_secs(15),
    );
    run.wait_ready();
    // Keep sending until the capture stops by itself.
    run.send_until_exit(200, Duration::from_millis(20), |i| {
        udp.send(format!("count-{i}").as_bytes())
    });
    let err = run.finish_with(Some(0));
    assert!(err.contains("packet count reached"), "{err}");
    let (format, frames, error) = read_frames(&out);
    assert_eq!((format, frames.len(), error), (Format::Pcap, 3, None));
    assert!(contains(&frames[0], b"count-0"));
    tshark_counts(&out, 3);
}

#[test]
fn duration_limit_ends_a_quiet_capture() {
    let Some(_cap) = capture_allowed("duration_limit_ends_a_quiet_capture") else {
        return;
    };
    let dir = test_dir("duration");
    let out = dir.join("quiet.pcapng");
    let started = std::time::Instant::now();
    let run = capture_lo(
        &out,
        &[
            "-a",
            "duration:1",
            // A filter nothing matches: the interface is quiet for this capture.
            "udp port 9 and host 127.0.0.254",
        ],
        Duration::from_secs(10),
    );
    let err = run.finish_with(Some(0));
    assert!(err.contains("duration reached"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let (_, frames, error) = read_frames(&out);
    assert_eq!((frames.len(), error), (0, None));
}

#[test]
fn ring_buffer_rotates_and_keeps_the_newest_files() {
    let Some(_cap) = capture_allowed("ring_buffer_rotates_and_keeps_the_newest_files") else {
        return;
    };
    let dir = test_dir("ring");
    let udp = Udp::new();
    let port = udp.port().to_string();
    let pattern = dir.join("ring.pcapng");
    let mut run = capture_lo(
        &pattern,
        &[
            "-b",
            "packets:2",
            "-b",
            "files:3",
            "-c",
            "7",
            "-q",
            "udp port",
            &port,
        ],
        Duration::from_secs(15),
    );
    run.wait_ready();
    run.send_until_exit(300, Duration::from_millis(20), |i| {
        udp.send(format!("ring-{i}").as_bytes())
    });
    let err = run.finish_with(Some(0));
    // 7 packets in files of 2: four files, the oldest deleted to keep three.
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let shown: Vec<String> = names
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{shown:?}\n{err}");
    for (p, (prefix, n)) in
        names
            .iter()
            .zip([("ring_00002_", 2), ("ring_00003_", 2), ("ring_00004_", 1)])
    {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(prefix) && name.ends_with(".pcapng"),
            "{name}"
        );
        let (_, frames, error) = read_frames(p);
        assert_eq!((frames.len(), error), (n, None), "{name}");
        tshark_counts(p, n);
    }
    assert!(
        err.contains("older files deleted by the ring buffer: 1"),
        "{err}"
    );
}

#[test]
fn ring_buffer_by_file_size() {
    let Some(_cap) = capture_allowed("ring_buffer_by_file_size") else {
        return;
    };
    let dir = test_dir("ring-size");
    let udp = Udp::new();
    let pattern = dir.join("size.pcap");
    // pcap: 24-byte header; each 600-byte datagram is a 642-byte frame and a 658-byte record,
    // so a 1 kB file is full after two records (24 + 658 < 1000 <= 24 + 2 * 658).
    let mut run = capture_lo(
        &pattern,
        &[
            "-F",
            "pcap",
            "-b",
            "filesize:1",
            "-c",
            "6",
            "-q",
            "-f",
            &format!("udp port {}", udp.port()),
        ],
        Duration::from_secs(15),
    );
    run.wait_ready();
    run.send_until_exit(300, Duration::from_millis(20), |_| udp.send(&[b'x'; 600]));
    run.finish_with(Some(0));
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    for p in &files {
        let (format, frames, error) = read_frames(p);
        assert_eq!((format, frames.len(), error), (Format::Pcap, 2, None));
    }
}

#[test]
fn kill_9_leaves_a_readable_part_file() {
    let Some(_cap) = capture_allowed("kill_9_leaves_a_readable_part_file") else {
        return;
    };
    let dir = test_dir("kill9");
    let out = dir.join("killed.pcapng");
    let udp = Udp::new();
    let mut run = capture_lo(
        &out,
        &["-q", &format!("udp port {}", udp.port())],
        Duration::from_secs(15),
    );
    run.wait_ready();
    for i in 0..20 {
        udp.send(format!("before-kill-{i}").as_bytes());
    }
    // Flushed at least every half second.
    std::thread::sleep(Duration::from_millis(1500));
    run.signal(libc::SIGKILL);
    let (code, _) = run.finish();
    assert_eq!(code, None, "killed by a signal");
    let part = dir.join("killed.pcapng.part");
    assert!(!out.exists());
    let (format, frames, error) = read_frames(&part);
    assert_eq!(format, Format::Pcapng);
    assert_eq!(error, None, "the file ends on a whole block");
    assert_eq!(frames.len(), 20);
    assert!(contains(&frames[19], b"before-kill-19"));
    tshark_counts(&part, 20);
}

#[test]
fn never_overwrites_without_force() {
    // Checked before the interface is opened: needs no privilege.
    let dir = test_dir("exists");
    let out = dir.join("precious.pcapng");
    std::fs::write(&out, b"keep me").unwrap();
    let run = capture_lo(&out, &["-c", "1"], Duration::from_secs(10));
    let err = run.finish_with(Some(2));
    assert!(err.contains("exists") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    // A leftover .part of a killed capture is kept too.
    let out2 = dir.join("other.pcapng");
    std::fs::write(dir.join("other.pcapng.part"), b"partial").unwrap();
    let run = capture_lo(&out2, &["-c", "1"], Duration::from_secs(10));
    let err = run.finish_with(Some(2));
    assert!(err.contains("other.pcapng.part exists"), "{err}");

    let Some(_cap) = capture_allowed("never_overwrites_without_force (with --force)") else {
        return;
    };
    let run = capture_lo(
        &out,
        &[
            "--force",
            "-a",
            "duration:1",
            "udp port 9 and host 127.0.0.254",
        ],
        Duration::from_secs(10),
    );
    run.finish_with(Some(0));
    let (_, frames, error) = read_frames(&out);
    assert_eq!((frames.len(), error), (0, None), "replaced by a capture");
}

#[test]
fn lists_interfaces() {
    let out = pcapscope_cmd()
        .args(["capture", "--list-interfaces"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.contains(". lo")), "{text}");
}

#[test]
fn bad_capture_filter_is_refused_before_capturing() {
    let Some(_cap) = capture_allowed("bad_capture_filter_is_refused_before_capturing") else {
        return;
    };
    let dir = test_dir("badfilter");
    let out = dir.join("never.pcapng");
    let run = capture_lo(&out, &["udp port banana"], Duration::from_secs(10));
    let err = run.finish_with(Some(2));
    assert!(err.contains("invalid capture filter"), "{err}");
    assert!(!out.exists() && !dir.join("never.pcapng.part").exists());
}

#[test]
fn drops_privileges_before_writing() {
    let Some(_root) = root_only("drops_privileges_before_writing") else {
        return;
    };
    let dir = test_dir("privdrop");
    chmod(&dir, 0o777);
    let out = dir.join("dropped.pcapng");
    let udp = Udp::new();
    let mut run = capture_lo_env(
        &out,
        &[
            "-Z",
            "nobody",
            "--print-privileges",
            &format!("udp port {}", udp.port()),
        ],
        &[("SUDO_UID", None)],
        Duration::from_secs(15),
    );
    run.wait_ready();
    // Seen from outside, while it captures.
    let status = std::fs::read_to_string(format!("/proc/{}/status", run.pid())).unwrap();
    udp.send(b"written-as-nobody");
    std::thread::sleep(Duration::from_millis(300));
    run.signal(libc::SIGTERM);
    let err = run.finish_with(Some(0));
    for s in [&status, &err] {
        assert!(s.contains("CapEff:\t0000000000000000"), "{s}");
        assert!(s.contains("CapPrm:\t0000000000000000"), "{s}");
        assert!(s.contains("NoNewPrivs:\t1"), "{s}");
        assert!(s.contains("Uid:\t65534\t65534\t65534\t65534"), "{s}");
    }
    assert!(err.contains("running as nobody"), "{err}");
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(meta.uid(), 65534, "the file belongs to the user dropped to");
    assert_eq!(meta.mode() & 0o777, 0o600);
    let (_, frames, error) = read_frames(&out);
    assert_eq!((frames.len(), error), (1, None));
}

#[test]
fn sudo_user_is_the_default_target() {
    let Some(_root) = root_only("sudo_user_is_the_default_target") else {
        return;
    };
    let dir = test_dir("sudo");
    chmod(&dir, 0o777);
    let out = dir.join("sudo.pcapng");
    let run = capture_lo_env(
        &out,
        &[
            "--print-privileges",
            "-a",
            "duration:1",
            "udp port 9 and host 127.0.0.254",
        ],
        &[
            ("SUDO_UID", Some("65534")),
            ("SUDO_GID", Some("65534")),
            ("SUDO_USER", Some("nobody")),
        ],
        Duration::from_secs(10),
    );
    let err = run.finish_with(Some(0));
    assert!(err.contains("Uid:\t65534\t65534\t65534\t65534"), "{err}");
    assert!(err.contains("CapEff:\t0000000000000000"), "{err}");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&out).unwrap().uid(), 65534);
}

#[test]
fn setcap_binary_captures_without_root() {
    let Some(_root) = root_only("setcap_binary_captures_without_root") else {
        return;
    };
    let Some(setcap) = ["/usr/sbin/setcap", "/sbin/setcap"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("SKIP setcap_binary_captures_without_root: setcap is not installed");
        return;
    };
    let dir = test_dir("setcap");
    chmod(&dir, 0o777);
    let bin = dir.join("pcapscope-setcap");
    std::fs::copy(env!("CARGO_BIN_EXE_pcapscope"), &bin).unwrap();
    chmod(&bin, 0o755);
    let ok = std::process::Command::new(setcap)
        .arg("cap_net_raw,cap_net_admin=eip")
        .arg(&bin)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "SKIP setcap_binary_captures_without_root: setcap failed on {}",
            dir.display()
        );
        return;
    }
    let out = dir.join("user.pcapng");
    let udp = Udp::new();
    let mut run = Running::start_program(
        "setpriv",
        &[
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin.to_str().unwrap(),
            "capture",
            "-i",
            "lo",
            "--print-privileges",
            "-w",
            out.to_str().unwrap(),
            &format!("udp port {}", udp.port()),
        ],
        &[],
        Duration::from_secs(15),
    );
    run.wait_ready();
    udp.send(b"captured-by-setcap-binary");
    std::thread::sleep(Duration::from_millis(300));
    run.signal(libc::SIGINT);
    let err = run.finish_with(Some(0));
    assert!(err.contains("CapEff:\t0000000000000000"), "{err}");
    assert!(err.contains("NoNewPrivs:\t1"), "{err}");
    let (_, frames, error) = read_frames(&out);
    assert_eq!(error, None);
    assert_eq!(count_with(&frames, b"captured-by-setcap-binary"), 1);
}

#[test]
fn full_disk_ends_with_a_valid_file() {
    let Some(_root) = root_only("full_disk_ends_with_a_valid_file") else {
        return;
    };
    let dir = test_dir("fulldisk");
    let Some(mount) = TmpfsMount::new(&dir, "64k") else {
        eprintln!("SKIP full_disk_ends_with_a_valid_file: cannot mount a tmpfs here");
        return;
    };
    let out = mount.path.join("full.pcapng");
    let udp = Udp::new();
    let mut run = capture_lo(
        &out,
        &["-q", &format!("udp port {}", udp.port())],
        Duration::from_secs(20),
    );
    run.wait_ready();
    run.send_until_exit(2000, Duration::from_millis(2), |_| udp.send(&[b'z'; 1000]));
    let err = run.finish_with(Some(1));
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("keeps the"), "{err}");
    let (_, frames, error) = read_frames(&out);
    assert_eq!(error, None, "cut back to the last whole block");
    assert!(frames.len() > 10, "{} frames", frames.len());
    // The summary counts what the file holds, not what was lost with the disk.
    let written = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("packets written: "))
        .map(|n| n.replace(',', ""))
        .unwrap_or_default();
    assert_eq!(written, frames.len().to_string(), "{err}");
    tshark_counts(&out, frames.len());
}
