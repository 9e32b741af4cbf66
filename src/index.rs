//! The packet index (in progress).
/// Compact per-packet index.
#[derive(Debug, Default)]
pub struct PacketIndex;
