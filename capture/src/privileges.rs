//! Least privilege: once the capture handle is open, the process needs no privilege at all.
//!
//! Started as root (for example by `sudo`), it becomes the invoking user (`SUDO_UID` /
//! `SUDO_GID`) or the user named by `-Z`, with no supplementary groups. Started by a user from
//! a binary given `cap_net_raw,cap_net_admin=eip` by `setcap`, it keeps its user. Either way it
//! then clears every capability (effective, permitted, inheritable, ambient, and the bounding
//! set while it still may), sets `no_new_privs`, and checks in `/proc/self/status` that all of
//! it took effect, before a packet is written or a thread is started (the kernel applies
//! capabilities per thread).

use anyhow::{bail, Context};
use std::ffi::{CStr, CString};

/// Whom to become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// User id.
    pub uid: libc::uid_t,
    /// Primary group id (the only group kept).
    pub gid: libc::gid_t,
    /// For messages.
    pub name: String,
}

/// What [`drop_privileges`] did, for the messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The user the process runs as now, if it switched.
    pub switched_to: Option<Target>,
}

/// A user by name or number (`-Z`).
pub fn lookup_user(user: &str) -> anyhow::Result<Target> {
    let by_id = user.parse::<libc::uid_t>().ok();
    let name = CString::new(user).context("user name contains a NUL byte")?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer refers to live memory of the stated size; getpw*_r writes only there.
    let rc = unsafe {
        match by_id {
            Some(uid) => libc::getpwuid_r(
                uid,
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            ),
            None => libc::getpwnam_r(
                name.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            ),
        }
    };
    if rc != 0 || result.is_null() {
        if let Some(uid) = by_id {
            // A bare number need not be in the password database.
            return Ok(Target {
                uid,
                gid: uid,
                name: user.to_string(),
            });
        }
        bail!("no such user: {user:?}");
    }
    // SAFETY: getpwnam_r succeeded, so pw_name points to a NUL-terminated string inside buf.
    let pw_name = unsafe { CStr::from_ptr(pwd.pw_name) }
        .to_string_lossy()
        .into_owned();
    Ok(Target {
        uid: pwd.pw_uid,
        gid: pwd.pw_gid,
        name: pw_name,
    })
}

/// The user to become, decided before the capture handle is opened (so that a bad `-Z` fails
/// early): `-Z USER` if given, else `SUDO_UID`/`SUDO_GID` when running as root, else nobody
/// (`None`: stay who we are).
pub fn plan(user: Option<&str>) -> anyhow::Result<Option<Target>> {
    // SAFETY: getuid/geteuid cannot fail.
    let root = unsafe { libc::geteuid() == 0 || libc::getuid() == 0 };
    if let Some(u) = user {
        let t = lookup_user(u)?;
        if !root {
            // SAFETY: as above.
            let me = unsafe { libc::getuid() };
            if t.uid != me {
                bail!("-Z {u}: only root can switch to another user");
            }
        }
        return Ok(Some(t));
    }
    if !root {
        return Ok(None);
    }
    let uid = std::env::var("SUDO_UID")
        .ok()
        .and_then(|v| v.parse::<libc::uid_t>().ok());
    match uid {
        Some(uid) if uid != 0 => {
            let gid = std::env::var("SUDO_GID")
                .ok()
                .and_then(|v| v.parse::<libc::gid_t>().ok());
            let mut t = lookup_user(&uid.to_string())?;
            if let Some(g) = gid {
                t.gid = g;
            }
            if let Ok(n) = std::env::var("SUDO_USER") {
                t.name = n;
            }
            Ok(Some(t))
        }
        _ => Ok(None),
    }
}

fn os_err(what: &str) -> anyhow::Error {
    anyhow::Error::new(std::io::Error::last_os_error()).context(what.to_string())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
const PR_CAP_AMBIENT: libc::c_int = 47;
const PR_CAP_AMBIENT_CLEAR_ALL: libc::c_ulong = 4;

/// Becomes `target` (when given), clears every capability and sets `no_new_privs`, then checks
/// that it all took effect. Call it while the process has one thread.
pub fn drop_privileges(target: Option<&Target>) -> anyhow::Result<Dropped> {
    // The bounding set can only shrink while CAP_SETPCAP is held, that is before anything else.
    // Ignore failures: without CAP_SETPCAP it stays as it is, and no_new_privs makes it moot.
    for cap in 0..64 {
        // SAFETY: prctl with integer arguments only.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
            break; // past the last capability this kernel knows
        }
    }
    if let Some(t) = target {
        // SAFETY: plain system calls with integer arguments and a one-element array. glibc
        // applies set*id to every thread of the process.
        unsafe {
            if libc::setgroups(1, &t.gid) != 0 {
                return Err(os_err("setgroups"));
            }
            if libc::setresgid(t.gid, t.gid, t.gid) != 0 {
                return Err(os_err("setresgid"));
            }
            if libc::setresuid(t.uid, t.uid, t.uid) != 0 {
                return Err(os_err("setresuid"));
            }
        }
    }
    // SAFETY: prctl with integer arguments; capset with a valid header and two data structs
    // (version 3 uses 64-bit sets split in two).
    unsafe {
        libc::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        let mut header = CapHeader {
            version: LINUX_CAPABILITY_VERSION_3,
            pid: 0,
        };
        let data = [CapData::default(); 2];
        if libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) != 0 {
            return Err(os_err("capset (clearing capabilities)"));
        }
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(os_err("prctl(PR_SET_NO_NEW_PRIVS)"));
        }
    }
    let status = Status::read()?;
    if status.cap_eff != 0 || status.cap_prm != 0 || status.cap_amb != 0 {
        bail!(
            "capabilities remain after dropping them (CapEff {:016x}, CapPrm {:016x})",
            status.cap_eff,
            status.cap_prm
        );
    }
    if !status.no_new_privs {
        bail!("no_new_privs is not set after setting it");
    }
    if let Some(t) = target {
        if status.uids.iter().any(|&u| u != t.uid) || status.gids.iter().any(|&g| g != t.gid) {
            bail!("still running with other user or group ids than {}", t.name);
        }
    }
    Ok(Dropped {
        switched_to: target.cloned(),
    })
}

/// The privilege-related lines of `/proc/self/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Real, effective, saved and filesystem user ids.
    pub uids: Vec<u32>,
    /// The same for groups.
    pub gids: Vec<u32>,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Capability sets.
    pub cap_eff: u64,
    /// Permitted capabilities.
    pub cap_prm: u64,
    /// Ambient capabilities.
    pub cap_amb: u64,
    /// `NoNewPrivs: 1`.
    pub no_new_privs: bool,
    /// The lines themselves, for printing.
    pub text: String,
}

impl Status {
    /// Reads `/proc/self/status`.
    pub fn read() -> anyhow::Result<Status> {
        let all = std::fs::read_to_string("/proc/self/status")
            .context("cannot read /proc/self/status")?;
        Ok(Status::parse(&all))
    }

    fn parse(all: &str) -> Status {
        let mut s = Status::default();
        let nums = |v: &str| -> Vec<u32> {
            v.split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect()
        };
        let hex = |v: &str| u64::from_str_radix(v.trim(), 16).unwrap_or(u64::MAX);
        for line in all.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let keep = match k {
                "Uid" => {
                    s.uids = nums(v);
                    true
                }
                "Gid" => {
                    s.gids = nums(v);
                    true
                }
                "Groups" => {
                    s.groups = nums(v);
                    true
                }
                "CapEff" => {
                    s.cap_eff = hex(v);
                    true
                }
                "CapPrm" => {
                    s.cap_prm = hex(v);
                    true
                }
                "CapAmb" => {
                    s.cap_amb = hex(v);
                    true
                }
                "NoNewPrivs" => {
                    s.no_new_privs = v.trim() == "1";
                    true
                }
                "CapInh" | "CapBnd" | "Seccomp" => true,
                _ => false,
            };
            if keep {
                s.text.push_str(&format!("{k}:\t{}\n", v.trim()));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let s = Status::parse(
            "Name:\tpcapscope\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n\
             Groups:\t65534 \nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n\
             CapEff:\t0000000000003000\nCapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\n\
             NoNewPrivs:\t1\n",
        );
        assert_eq!(s.uids, vec![65534; 4]);
        assert_eq!(s.groups, vec![65534]);
        assert_eq!((s.cap_eff, s.cap_prm, s.no_new_privs), (0x3000, 0, true));
        assert!(s.text.contains("CapEff:\t0000000000003000"));
        assert!(!s.text.contains("Name"));
    }

    #[test]
    fn looks_up_users() {
        let root = lookup_user("root").unwrap();
        assert_eq!((root.uid, root.gid), (0, 0));
        assert_eq!(lookup_user("0").unwrap().name, "root");
        assert!(lookup_user("no-such-user-pcapscope").is_err());
    }
}
