//! Network health: what looks wrong in a capture, computed in the one pass and over views.
//!
//! - [`tcp`]: per-connection TCP analysis with Wireshark's `tcp.analysis.*` definitions
//!   (handshakes and their RTT, retransmissions, duplicate ACKs, zero windows, resets).
//! - [`dns`]: DNS queries paired with their responses (response time, rcodes, unanswered).
//! - [`detect`]: findings over the aggregates: traffic spikes, beaconing, unusual ports and
//!   cleartext protocols, DNS failure bursts.

pub mod detect;
pub mod dns;
pub mod tcp;
