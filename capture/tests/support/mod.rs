//! Helpers shared by the capture and live-view tests: the binary as a child process that is
//! always killed after its time limit, privilege checks that skip visibly, tshark.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub fn pcapscope_cmd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pcapscope"))
}

/// A fresh directory for one test.
pub fn test_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pcapscope-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `Some(())` when this test may run as root; otherwise prints a SKIP line.
pub fn root_only(test: &str) -> Option<()> {
    if is_root() {
        Some(())
    } else {
        eprintln!("SKIP {test}: needs root (privilege dropping, setcap, tmpfs)");
        None
    }
}

/// `Some(())` when the binary can capture on `lo` (root, or capabilities); otherwise prints a
/// SKIP line.
pub fn capture_allowed(test: &str) -> Option<()> {
    static ALLOWED: OnceLock<Result<(), String>> = OnceLock::new();
    let r = ALLOWED.get_or_init(|| {
        if is_root() {
            return Ok(());
        }
        let dir = test_dir("probe");
        let run = capture_lo(
            &dir.join("probe.pcapng"),
            &["-a", "duration:1", "-q"],
            Duration::from_secs(10),
        );
        let (code, err) = run.finish();
        if code == Some(0) {
            Ok(())
        } else {
            Err(err.lines().next().unwrap_or("").to_string())
        }
    });
    match r {
        Ok(()) => Some(()),
        Err(why) => {
            eprintln!("SKIP {test}: cannot capture on lo without root or CAP_NET_RAW ({why})");
            None
        }
    }
}

/// `pcapscope capture -i lo -w OUT ARGS...` running (ARGS may end with the capture filter).
pub fn capture_lo(out: &Path, args: &[&str], limit: Duration) -> Running {
    capture_lo_env(out, args, &[], limit)
}

/// [`capture_lo`] with environment changes (`None` removes the variable).
pub fn capture_lo_env(
    out: &Path,
    args: &[&str],
    env: &[(&str, Option<&str>)],
    limit: Duration,
) -> Running {
    let out = out.to_str().unwrap();
    let mut all = vec!["capture", "-i", "lo", "-w", out];
    all.extend_from_slice(args);
    Running::start_env(&all, env, limit)
}

/// The binary (or another program) running as a child, its stderr collected by a thread.
pub struct Running {
    child: Option<Child>,
    stderr: Arc<Mutex<String>>,
    deadline: Instant,
}

impl Running {
    pub fn start(args: &[&str], limit: Duration) -> Running {
        Running::start_env(args, &[], limit)
    }

    /// With environment changes (`None` removes the variable).
    pub fn start_env(args: &[&str], env: &[(&str, Option<&str>)], limit: Duration) -> Running {
        Running::start_program(env!("CARGO_BIN_EXE_pcapscope"), args, env, limit)
    }

    pub fn start_program(
        program: &str,
        args: &[&str],
        env: &[(&str, Option<&str>)],
        limit: Duration,
    ) -> Running {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Tests decide whom the capture runs as: not a sudo user from the environment.
        for k in ["SUDO_UID", "SUDO_GID", "SUDO_USER"] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n])),
                }
            }
        });
        Running {
            child: Some(child),
            stderr,
            deadline: Instant::now() + limit,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits for `needle` on stderr (at most 10 s, within the time limit).
    pub fn wait_for(&mut self, needle: &str) {
        let until = (Instant::now() + Duration::from_secs(10)).min(self.deadline);
        while Instant::now() < until {
            if self.stderr().contains(needle) {
                return;
            }
            if !self.running() {
                std::thread::sleep(Duration::from_millis(50));
                panic!("exited before {needle:?}:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        panic!("no {needle:?} within 10 s:\n{}", self.stderr());
    }

    /// Waits until the capture has started (the handle is open and the file created).
    pub fn wait_ready(&mut self) {
        self.wait_for("pcapscope: capturing on");
        // libpcap delivers what arrives after activation; a moment for the socket to settle.
        std::thread::sleep(Duration::from_millis(200));
    }

    pub fn running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Calls `send(i)` for i = 0, 1 ... every `pause` until the process exits by itself (at
    /// most `max` times).
    pub fn send_until_exit(&mut self, max: usize, pause: Duration, mut send: impl FnMut(usize)) {
        let mut i = 0;
        while self.running() && i < max {
            send(i);
            i += 1;
            std::thread::sleep(pause);
        }
    }

    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill with our own child's pid.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    fn kill(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits for the exit (as [`Running::finish`]) and checks its code: what it wrote on
    /// stderr.
    #[track_caller]
    pub fn finish_with(self, code: Option<i32>) -> String {
        let (got, err) = self.finish();
        assert_eq!(got, code, "{err}");
        err
    }

    /// Waits for the exit (killing it at the time limit, which fails the test): exit code
    /// (`None` if ended by a signal) and everything it wrote on stderr.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let mut child = self.child.take().unwrap();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    // Let the reader thread take the last bytes.
                    std::thread::sleep(Duration::from_millis(50));
                    return (status.code(), self.stderr());
                }
                Ok(None) if Instant::now() < self.deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("killed at its time limit:\n{}", self.stderr());
                }
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a program to its end with a time limit; `None` if it is not installed.
fn run_tool(program: &str, args: &[&str]) -> Option<String> {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => {
            eprintln!("note: {program} is not installed; its cross-check is skipped");
            return None;
        }
    };
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{program} {args:?} did not finish in 30 s");
            }
        }
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let out = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert!(status.success(), "{program} {args:?} failed: {err}\n{out}");
    Some(out)
}

/// tshark's output (it must exit 0: the file is valid), or `None` without tshark.
pub fn tshark(args: &[&str]) -> Option<String> {
    run_tool("tshark", args)
}

/// Checks that tshark reads `n` frames from `path` (nothing without tshark).
pub fn tshark_counts(path: &Path, n: usize) {
    if let Some(t) = tshark(&["-r", path.to_str().unwrap()]) {
        assert_eq!(t.lines().count(), n, "{}: {t}", path.display());
    }
}

/// capinfos' output for a file, or `None` without it.
pub fn capinfos(path: &Path) -> Option<String> {
    run_tool("capinfos", &[path.to_str().unwrap()])
}

/// A small tmpfs mounted for a test (root only), unmounted when dropped.
pub struct TmpfsMount {
    pub path: PathBuf,
}

impl TmpfsMount {
    pub fn new(dir: &Path, size: &str) -> Option<TmpfsMount> {
        let path = dir.join("mnt");
        std::fs::create_dir_all(&path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755")])
            .arg("tmpfs")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TmpfsMount { path })
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}
