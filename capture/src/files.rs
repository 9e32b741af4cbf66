//! Capture files that survive: written as `NAME.part` (mode 0600, never over an existing file
//! without `--force`), growing only by whole records, handed to the kernel at least every
//! half second, and on rotation or exit fsync'd and renamed to `NAME`.
//!
//! Packets are written by the library's [`PacketWriter`] into a `Vec<u8>` that is drained into
//! the file between two packets, so the file on disk always ends on a record boundary: a
//! capture killed with SIGKILL leaves a `.part` that reads to its last packet. When a write
//! fails (a full disk), the file is cut back to its last whole record, synced and renamed, and
//! the error says what was kept.

use crate::conditions::Ring;
use anyhow::{anyhow, Context};
use pcapscope::capture::write::{InterfaceStatistics, PacketWriter, StreamOptions};
use pcapscope::capture::{Format, LinkType};
use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Hand buffered records to the kernel at least this often.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);
/// ...or when this much is buffered.
const FLUSH_BYTES: usize = 256 * 1024;

/// What each file records about the capture (owned form of [`StreamOptions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMeta {
    /// Link type (`LINKTYPE_*`).
    pub link_type: LinkType,
    /// Snap length.
    pub snaplen: u32,
    /// Nanosecond timestamps.
    pub nanos: bool,
    /// Interface name.
    pub interface: String,
    /// Interface description, if libpcap has one.
    pub description: Option<String>,
    /// The capture filter.
    pub filter: Option<String>,
    /// `shb_os`.
    pub os: String,
    /// `shb_hardware`.
    pub hardware: String,
    /// `shb_userappl`.
    pub user_appl: String,
}

impl StreamMeta {
    /// Borrowed options for the writer.
    pub fn options(&self) -> StreamOptions<'_> {
        StreamOptions {
            snaplen: self.snaplen,
            nanos: self.nanos,
            interface: Some(&self.interface),
            description: self.description.as_deref(),
            filter: self.filter.as_deref(),
            os: Some(&self.os),
            hardware: Some(&self.hardware),
            user_appl: Some(&self.user_appl),
            ..StreamOptions::new(self.link_type)
        }
    }
}

/// Where and how to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputConfig {
    /// `-w FILE`: the file, or with a ring buffer the pattern of the files' names.
    pub path: PathBuf,
    /// pcapng or pcap.
    pub format: Format,
    /// Rotation.
    pub ring: Ring,
    /// Replace existing files.
    pub force: bool,
}

impl OutputConfig {
    /// Fails when the single output file exists already (and `--force` is not given), before
    /// anything is captured. With a ring buffer the names carry a time stamp and are checked
    /// when created.
    pub fn precheck(&self) -> anyhow::Result<()> {
        if self.ring.rotates() || self.force {
            return Ok(());
        }
        for p in [self.path.clone(), part_path(&self.path)] {
            if p.symlink_metadata().is_ok() {
                return Err(anyhow!(
                    "{} exists; choose another name or pass --force to replace it",
                    p.display()
                ));
            }
        }
        Ok(())
    }
}

/// `NAME.part`.
pub fn part_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

/// dumpcap's ring-buffer name: `STEM_NNNNN_YYYYMMDDhhmmss.EXT` (local time).
pub fn ring_name(pattern: &Path, number: u64, epoch_s: i64) -> PathBuf {
    let stem = pattern
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capture".into());
    let ext = pattern
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let name = format!("{stem}_{number:05}_{}{ext}", local_stamp(epoch_s));
    pattern.with_file_name(name)
}

fn local_stamp(epoch_s: i64) -> String {
    let t: libc::time_t = epoch_s as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return epoch_s.to_string();
    }
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// Creates `path` for writing: mode 0600, failing if it exists (no symlink followed).
fn create_private(path: &Path, force: bool) -> anyhow::Result<File> {
    if force && path.symlink_metadata().is_ok() {
        std::fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow!(
                    "{} exists; choose another name or pass --force to replace it",
                    path.display()
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
            }
        })
}

/// Renames `from` to `to`; without `force`, never replaces an existing `to`.
fn rename_into_place(from: &Path, to: &Path, force: bool) -> std::io::Result<()> {
    if force {
        return std::fs::rename(from, to);
    }
    let cstr = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes());
    let (f, t) = match (cstr(from), cstr(to)) {
        (Ok(f), Ok(t)) => (f, t),
        _ => return Err(std::io::ErrorKind::InvalidInput.into()),
    };
    // SAFETY: two valid NUL-terminated paths.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            f.as_ptr(),
            libc::AT_FDCWD,
            t.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // A file system without RENAME_NOREPLACE: check, then rename.
        Some(libc::EINVAL) | Some(libc::ENOSYS) => {
            if to.symlink_metadata().is_ok() {
                Err(std::io::ErrorKind::AlreadyExists.into())
            } else {
                std::fs::rename(from, to)
            }
        }
        _ => Err(e),
    }
}

fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Best effort: the rename is durable once the directory is; some file systems refuse.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

struct OpenFile {
    file: File,
    part: PathBuf,
    final_path: PathBuf,
    writer: PacketWriter<Vec<u8>>,
    /// Bytes in the file on disk, always a record boundary.
    on_disk: u64,
    /// Where each packet's record ends in the buffer (to keep whole ones when a write fails).
    record_ends: Vec<usize>,
    /// Where the file header ends in the buffer, while it is there.
    header_end: Option<usize>,
    packets: u64,
    packets_on_disk: u64,
    opened: Instant,
    last_flush: Instant,
}

/// A finished file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Its final name.
    pub path: PathBuf,
    /// Packets in it.
    pub packets: u64,
    /// Its size.
    pub bytes: u64,
}

/// The files of one capture.
pub struct Output {
    cfg: OutputConfig,
    meta: StreamMeta,
    current: Option<OpenFile>,
    /// Finished files still on disk, oldest first (a ring buffer deletes from the front).
    kept: VecDeque<Finished>,
    /// Files opened so far.
    opened: u64,
    /// Files deleted by the ring buffer.
    deleted: u64,
    /// Packets given to the writer that a failed write kept out of the file.
    lost: u64,
}

impl Output {
    /// Creates the first file.
    pub fn create(cfg: OutputConfig, meta: StreamMeta) -> anyhow::Result<Output> {
        let mut out = Output {
            cfg,
            meta,
            current: None,
            kept: VecDeque::new(),
            opened: 0,
            deleted: 0,
            lost: 0,
        };
        out.open_next()?;
        Ok(out)
    }

    fn open_next(&mut self) -> anyhow::Result<()> {
        self.opened += 1;
        let final_path = if self.cfg.ring.rotates() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            ring_name(&self.cfg.path, self.opened, now)
        } else {
            self.cfg.path.clone()
        };
        if !self.cfg.force && final_path.symlink_metadata().is_ok() {
            return Err(anyhow!(
                "{} exists; choose another name or pass --force to replace it",
                final_path.display()
            ));
        }
        let part = part_path(&final_path);
        let file = create_private(&part, self.cfg.force)?;
        let writer = PacketWriter::new(Vec::new(), self.cfg.format, &self.meta.options())
            .context("cannot write the file header")?;
        let now = Instant::now();
        let header_len = writer.get_ref().len();
        let mut f = OpenFile {
            file,
            part,
            final_path,
            writer,
            on_disk: 0,
            record_ends: Vec::new(),
            header_end: Some(header_len),
            packets: 0,
            packets_on_disk: 0,
            opened: now,
            last_flush: now,
        };
        // The header goes to disk at once: even an empty capture is a valid file.
        drain(&mut f)?;
        self.current = Some(f);
        Ok(())
    }

    /// Writes one packet (buffered; on disk within [`FLUSH_INTERVAL`]).
    pub fn write_packet(&mut self, ts_ns: i64, orig_len: u32, data: &[u8]) -> anyhow::Result<()> {
        let Some(f) = self.current.as_mut() else {
            return Err(anyhow!("the capture file is closed"));
        };
        f.writer
            .write_packet(ts_ns, orig_len, data)
            .context("cannot encode the packet")?;
        f.packets += 1;
        f.record_ends.push(f.writer.get_ref().len());
        if f.writer.get_ref().len() >= FLUSH_BYTES {
            self.flush_current()?;
        }
        Ok(())
    }

    /// Hands what is buffered to the kernel if the last time was [`FLUSH_INTERVAL`] ago. Call
    /// it often (the capture loop wakes at least every 100 ms).
    pub fn tick(&mut self, now: Instant) -> anyhow::Result<()> {
        match &self.current {
            Some(f) if now.duration_since(f.last_flush) >= FLUSH_INTERVAL => self.flush_current(),
            _ => Ok(()),
        }
    }

    fn flush_current(&mut self) -> anyhow::Result<()> {
        let Some(f) = self.current.as_mut() else {
            return Ok(());
        };
        match drain(f) {
            Ok(()) => Ok(()),
            Err(e) => {
                // Keep what is on disk as a valid file, then report.
                let f = self.current.take();
                Err(self.salvage(f, e))
            }
        }
    }

    fn salvage(&mut self, f: Option<OpenFile>, e: anyhow::Error) -> anyhow::Error {
        let Some(f) = f else { return e };
        self.lost += f.packets - f.packets_on_disk;
        let _ = f.file.set_len(f.on_disk);
        let _ = f.file.sync_all();
        let kept = match rename_into_place(&f.part, &f.final_path, self.cfg.force) {
            Ok(()) => {
                sync_dir(&f.final_path);
                f.final_path.clone()
            }
            Err(_) => f.part.clone(),
        };
        self.kept.push_back(Finished {
            path: kept.clone(),
            packets: f.packets_on_disk,
            bytes: f.on_disk,
        });
        e.context(format!(
            "writing {} failed; the capture stopped and {} keeps the {} packets written before",
            f.final_path.display(),
            kept.display(),
            f.packets_on_disk
        ))
    }

    /// Bytes written to the current file so far (buffered or not).
    pub fn current_size(&self) -> u64 {
        self.current.as_ref().map_or(0, |f| f.writer.offset())
    }

    /// Packets in the current file.
    pub fn current_packets(&self) -> u64 {
        self.current.as_ref().map_or(0, |f| f.packets)
    }

    /// How long the current file has been open.
    pub fn current_age(&self, now: Instant) -> Duration {
        self.current
            .as_ref()
            .map_or(Duration::ZERO, |f| now.duration_since(f.opened))
    }

    /// Files opened so far (1 for a single file).
    pub fn files_opened(&self) -> u64 {
        self.opened
    }

    /// Whether the ring buffer says to switch files now.
    pub fn should_rotate(&self, now: Instant) -> bool {
        let r = &self.cfg.ring;
        if self.current.is_none() || !r.rotates() {
            return false;
        }
        let packets = self.current_packets();
        (packets > 0 && r.filesize.is_some_and(|s| self.current_size() >= s))
            || r.packets.is_some_and(|p| packets >= p)
            || r.duration.is_some_and(|d| self.current_age(now) >= d)
    }

    /// Finishes the current file and opens the next, deleting the oldest beyond `files:N`.
    pub fn rotate(&mut self, stats: Option<(i64, InterfaceStatistics)>) -> anyhow::Result<()> {
        self.finish_current(stats)?;
        if let Some(n) = self.cfg.ring.files {
            // Room for the file about to be opened.
            while self.kept.len() as u64 >= n {
                if let Some(old) = self.kept.pop_front() {
                    std::fs::remove_file(&old.path)
                        .with_context(|| format!("cannot delete {}", old.path.display()))?;
                    self.deleted += 1;
                }
            }
        }
        self.open_next()
    }

    fn finish_current(&mut self, stats: Option<(i64, InterfaceStatistics)>) -> anyhow::Result<()> {
        let Some(mut f) = self.current.take() else {
            return Ok(());
        };
        if let Some((ts, s)) = stats {
            // Statistics are a nicety: a failure here must not lose the packets.
            let _ = f.writer.write_statistics(ts, &s);
        }
        if let Err(e) = drain(&mut f) {
            return Err(self.salvage(Some(f), e));
        }
        if let Err(e) = f.file.sync_all() {
            let e = anyhow::Error::new(e).context("fsync");
            return Err(self.salvage(Some(f), e));
        }
        rename_into_place(&f.part, &f.final_path, self.cfg.force).with_context(|| {
            format!(
                "cannot rename {} to {} (the capture is in {})",
                f.part.display(),
                f.final_path.display(),
                f.part.display()
            )
        })?;
        sync_dir(&f.final_path);
        self.kept.push_back(Finished {
            path: f.final_path,
            packets: f.packets,
            bytes: f.on_disk,
        });
        Ok(())
    }

    /// Finishes the last file (if a failed write has not already closed it).
    pub fn finish(&mut self, stats: Option<(i64, InterfaceStatistics)>) -> anyhow::Result<()> {
        self.finish_current(stats)
    }

    /// The files on disk, oldest first (one still being written, after an error that kept it
    /// open, as its `.part`).
    pub fn into_files(self) -> Vec<Finished> {
        let mut v: Vec<Finished> = self.kept.into_iter().collect();
        if let Some(f) = self.current {
            v.push(Finished {
                path: f.part,
                packets: f.packets_on_disk,
                bytes: f.on_disk,
            });
        }
        v
    }

    /// Packets written that a failed write kept out of the files.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Files the ring buffer deleted.
    pub fn deleted(&self) -> u64 {
        self.deleted
    }
}

/// Moves the buffered records into the file. When a write fails part way (a full disk), the
/// records that reached the file whole are counted in `on_disk`, and the caller cuts the file
/// back to it.
fn drain(f: &mut OpenFile) -> anyhow::Result<()> {
    let buf = f.writer.get_mut();
    let mut written = 0;
    let mut failure = None;
    while written < buf.len() {
        match f.file.write(&buf[written..]) {
            Ok(0) => {
                failure = Some(std::io::Error::from(std::io::ErrorKind::WriteZero));
                break;
            }
            Ok(n) => written += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let Some(e) = failure else {
        f.on_disk += buf.len() as u64;
        buf.clear();
        f.record_ends.clear();
        f.header_end = None;
        f.packets_on_disk = f.packets;
        f.last_flush = Instant::now();
        return Ok(());
    };
    // Whole records that made it (the header, if it is in this buffer, ends before them).
    let whole = f.record_ends.iter().filter(|&&end| end <= written).count();
    let keep = match whole {
        0 => f.header_end.filter(|&h| h <= written).unwrap_or(0),
        n => f.record_ends[n - 1],
    };
    f.on_disk += keep as u64;
    f.packets_on_disk = f.packets - (f.record_ends.len() - whole) as u64;
    buf.clear();
    f.record_ends.clear();
    Err(anyhow::Error::new(e).context(format!("cannot write {}", f.part.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcapscope::capture::{linktype, Reader};
    use std::os::unix::fs::PermissionsExt;

    fn meta() -> StreamMeta {
        StreamMeta {
            link_type: linktype::ETHERNET,
            snaplen: 65535,
            nanos: true,
            interface: "lo".into(),
            description: None,
            filter: Some("udp".into()),
            os: "Linux".into(),
            hardware: "x86_64".into(),
            user_appl: "pcapscope test".into(),
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pcapscope-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn count_frames(p: &Path) -> u64 {
        let bytes = std::fs::read(p).unwrap();
        let mut r = Reader::new(&bytes[..]).unwrap();
        let mut n = 0;
        while r.next_frame().unwrap().is_some() {
            n += 1;
        }
        n
    }

    #[test]
    fn part_file_is_private_whole_and_renamed_at_the_end() {
        let d = dir("single");
        let path = d.join("out.pcapng");
        let cfg = OutputConfig {
            path: path.clone(),
            format: Format::Pcapng,
            ring: Ring::default(),
            force: false,
        };
        cfg.precheck().unwrap();
        let mut out = Output::create(cfg.clone(), meta()).unwrap();
        let part = part_path(&path);
        let mode = std::fs::metadata(&part).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        for i in 0..5 {
            out.write_packet(1_700_000_000_000_000_000 + i, 60, &[i as u8; 60])
                .unwrap();
        }
        // Not yet flushed: the .part holds the header only, and reads as an empty capture.
        assert_eq!(count_frames(&part), 0);
        out.tick(Instant::now() + FLUSH_INTERVAL).unwrap();
        assert_eq!(count_frames(&part), 5);
        out.write_packet(1_700_000_001_000_000_000, 60, &[9; 60])
            .unwrap();
        out.finish(None).unwrap();
        let files = out.into_files();
        assert_eq!(files.len(), 1);
        assert_eq!((files[0].path.clone(), files[0].packets), (path.clone(), 6));
        assert!(!part.exists());
        assert_eq!(count_frames(&path), 6);
        // Never over an existing file without --force.
        assert!(cfg.precheck().unwrap_err().to_string().contains("--force"));
        assert!(Output::create(cfg.clone(), meta()).is_err());
        let forced = OutputConfig { force: true, ..cfg };
        forced.precheck().unwrap();
        let mut out = Output::create(forced, meta()).unwrap();
        out.finish(None).unwrap();
        assert_eq!(count_frames(&path), 0);
    }

    #[test]
    fn ring_buffer_keeps_the_newest_files() {
        let d = dir("ring");
        let mut ring = Ring::default();
        ring.add("packets:3").unwrap();
        ring.add("files:2").unwrap();
        let cfg = OutputConfig {
            path: d.join("ring.pcap"),
            format: Format::Pcap,
            ring,
            force: false,
        };
        let mut out = Output::create(cfg, meta()).unwrap();
        for i in 0..10u8 {
            out.write_packet(1_700_000_000_000_000_000 + i64::from(i), 60, &[i; 60])
                .unwrap();
            if out.should_rotate(Instant::now()) {
                out.rotate(None).unwrap();
            }
        }
        assert_eq!(out.files_opened(), 4);
        assert_eq!(out.deleted(), 2);
        out.finish(None).unwrap();
        let files = out.into_files();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files.len(), 2, "{names:?}");
        assert!(names[0].starts_with("ring_00003_") && names[0].ends_with(".pcap"));
        assert!(names[1].starts_with("ring_00004_"));
        assert_eq!(count_frames(&files[0].path), 3);
        assert_eq!(count_frames(&files[1].path), 1);
        let on_disk = std::fs::read_dir(&d).unwrap().count();
        assert_eq!(on_disk, 2);
    }

    #[test]
    fn ring_names_follow_dumpcap() {
        let p = ring_name(Path::new("/tmp/x/out.pcapng"), 7, 0);
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("out_00007_19"), "{name}");
        assert!(name.ends_with(".pcapng"));
        assert_eq!(name.len(), "out_00007_19700101000000.pcapng".len());
        assert_eq!(p.parent(), Some(Path::new("/tmp/x")));
    }
}
