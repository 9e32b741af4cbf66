//! Writers for pcap and pcapng (implementation in progress).
