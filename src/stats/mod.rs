//! One-pass aggregators (in progress).
use crate::decode::PacketRecord;
/// Aggregates records.
#[derive(Debug, Default)]
pub struct Aggregator;
impl Aggregator {
    /// Adds one record.
    pub fn push(&mut self, _r: &PacketRecord) {}
}
