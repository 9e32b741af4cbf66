//! dumpcap's stop (`-a`) and ring-buffer (`-b`) conditions, `KEY:VALUE`.
//!
//! Sizes are in kB of 1,000 bytes, as dumpcap counts them since Wireshark 2.0.

use std::time::Duration;

/// When to stop capturing (`-a`), all optional; the first one met stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Autostop {
    /// `duration:SECS`: stop after this long.
    pub duration: Option<Duration>,
    /// `filesize:KB`: stop when the (current) file reaches this size, in bytes.
    pub filesize: Option<u64>,
    /// `files:N`: with a ring buffer, stop after this many files were written.
    pub files: Option<u64>,
    /// `packets:N` (or `-c N`): stop after this many packets.
    pub packets: Option<u64>,
}

/// When to switch to the next file (`-b`), and how many files to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ring {
    /// `filesize:KB`: switch when the file reaches this size, in bytes.
    pub filesize: Option<u64>,
    /// `duration:SECS`: switch after this long.
    pub duration: Option<Duration>,
    /// `packets:N`: switch after this many packets.
    pub packets: Option<u64>,
    /// `files:N`: keep only the newest N files (delete the oldest).
    pub files: Option<u64>,
}

impl Ring {
    /// Whether any switching condition is set (the output is then a set of numbered files).
    pub fn rotates(&self) -> bool {
        self.filesize.is_some() || self.duration.is_some() || self.packets.is_some()
    }
}

fn split(spec: &str) -> Result<(&str, u64), String> {
    let (key, value) = spec
        .split_once(':')
        .ok_or_else(|| format!("{spec:?}: expected KEY:VALUE, e.g. duration:60"))?;
    let n: u64 = value
        .trim()
        .parse()
        .map_err(|_| format!("{spec:?}: {value:?} is not a whole number"))?;
    if n == 0 {
        return Err(format!("{spec:?}: the value must be at least 1"));
    }
    Ok((key.trim(), n))
}

fn kb(n: u64, spec: &str) -> Result<u64, String> {
    n.checked_mul(1000)
        .ok_or_else(|| format!("{spec:?}: size too large"))
}

impl Autostop {
    /// Adds one `-a` condition.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (key, n) = split(spec)?;
        match key {
            "duration" => self.duration = Some(Duration::from_secs(n)),
            "filesize" => self.filesize = Some(kb(n, spec)?),
            "files" => self.files = Some(n),
            "packets" => self.packets = Some(n),
            _ => {
                return Err(format!(
                    "{spec:?}: unknown stop condition {key:?} (duration, filesize, files, packets)"
                ))
            }
        }
        Ok(())
    }
}

impl Ring {
    /// Adds one `-b` condition.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (key, n) = split(spec)?;
        match key {
            "filesize" => self.filesize = Some(kb(n, spec)?),
            "duration" => self.duration = Some(Duration::from_secs(n)),
            "packets" => self.packets = Some(n),
            "files" => self.files = Some(n),
            _ => {
                return Err(format!(
                    "{spec:?}: unknown ring-buffer condition {key:?} (filesize, duration, packets, files)"
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dumpcap_conditions() {
        let mut a = Autostop::default();
        a.add("duration:60").unwrap();
        a.add("filesize:100").unwrap();
        a.add("files:3").unwrap();
        assert_eq!(
            a,
            Autostop {
                duration: Some(Duration::from_secs(60)),
                filesize: Some(100_000),
                files: Some(3),
                packets: None
            }
        );
        let mut r = Ring::default();
        assert!(!r.rotates());
        r.add("files:5").unwrap();
        assert!(!r.rotates());
        r.add("filesize:2").unwrap();
        r.add("duration:10").unwrap();
        assert!(r.rotates());
        assert_eq!(r.filesize, Some(2000));
        assert_eq!(r.files, Some(5));
    }

    #[test]
    fn rejects_what_dumpcap_rejects() {
        let mut a = Autostop::default();
        for bad in [
            "duration",
            "duration:",
            "duration:x",
            "duration:0",
            "size:4",
            "filesize:-1",
        ] {
            assert!(a.add(bad).is_err(), "{bad}");
        }
        assert!(Ring::default().add("packets:0").is_err());
        assert!(Ring::default()
            .add(&format!("filesize:{}", u64::MAX))
            .is_err());
    }
}
