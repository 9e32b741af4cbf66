//! Bounds-checked reads from untrusted bytes: every accessor returns `None` past the end.

#[inline]
pub(super) fn u8_at(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

#[inline]
pub(super) fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(s.try_into().ok()?))
}

#[inline]
pub(super) fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(s.try_into().ok()?))
}

#[inline]
pub(super) fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}

#[inline]
pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

/// `b[at..]`, or an empty slice when `at` is past the end.
#[inline]
pub(super) fn rest(b: &[u8], at: usize) -> &[u8] {
    b.get(at..).unwrap_or(&[])
}

/// The first `len` bytes of `b`, or all of `b` when it is shorter.
#[inline]
pub(super) fn prefix(b: &[u8], len: usize) -> &[u8] {
    b.get(..len).unwrap_or(b)
}

/// Whether `b` starts with `p`, ignoring ASCII case.
#[inline]
pub(super) fn starts_with_ci(b: &[u8], p: &[u8]) -> bool {
    b.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end() {
        let b = [1u8, 2, 3];
        assert_eq!(be16(&b, 1), Some(0x0203));
        assert_eq!(le16(&b, 0), Some(0x0201));
        assert_eq!(be16(&b, 2), None);
        assert_eq!(be32(&b, 0), None);
        assert_eq!(be16(&b, usize::MAX), None);
        assert_eq!(rest(&b, 5), &[] as &[u8]);
        assert_eq!(prefix(&b, 9), &b);
        assert!(starts_with_ci(b"Host: x", b"host:"));
    }
}
