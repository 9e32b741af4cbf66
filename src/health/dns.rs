//! DNS queries paired with their responses, as Wireshark pairs them (`dns.response_to`,
//! `dns.time`): response times, response codes, unanswered queries, the names asked for, and
//! failures over time for the burst detector ([`crate::health::detect::dns_failures`]).
//!
//! Feed every decoded frame in file order to [`DnsTracker::push`]; read the totals at any
//! moment with [`DnsTracker::summary`] and the failures over time with
//! [`DnsTracker::failure_series`].
//!
//! # Pairing (Wireshark 4.0's `packet-dns.c`)
//!
//! A DNS conversation is the pair of endpoints (address and port, either direction) and the
//! transport (UDP or TCP), taken from the innermost IP header (inside a tunnel, the tunnelled
//! one). Within a conversation, transactions are keyed by the 16-bit transaction id, and only
//! the latest transaction with an id is ever looked up:
//!
//! - a query opens a new transaction, unless the latest one with its id is still unanswered
//!   and began less than [`RETRANSMISSION_WINDOW_NS`] (5 s, Wireshark's
//!   `dns.retransmission_timer`) before it (a negative difference counts as less): then it is
//!   a *retransmitted query* ([`DnsEvent::RetransmittedQuery`], `dns.retransmit_request_in`),
//!   and the window keeps counting from the original query;
//! - a response answers the latest transaction with its id: the first response gets the
//!   request's frame and the time since the request ([`DnsEvent::Response`]: `dns.response_to`
//!   and `dns.time`; after a retransmitted query the time counts from the original query);
//!   a later one is a *retransmitted response* ([`DnsEvent::RetransmittedResponse`],
//!   `dns.retransmit_response_in`, no `dns.time`); a response with no transaction is
//!   *unsolicited* ([`DnsEvent::Unsolicited`], `dns.unsolicited`);
//! - a transaction is *unanswered* when no response came by the end of the capture, or when a
//!   newer transaction with the same id took its place first (Wireshark never looks at it
//!   again either).
//!
//! DNS messages quoted inside ICMP errors carry no DNS fields in a
//! [`PacketRecord`], so they are neither queries nor responses (Wireshark does not track them
//! either). The decoder keeps the first DNS message of a frame: a TCP segment that completes
//! two messages counts once.
//!
//! # Only DNS proper
//!
//! Only port-53 DNS ([`Proto::Dns`], records with [`PacketRecord::dns`]) is paired. Multicast
//! DNS (5353) and LLMNR (5355) use the same message format, but they are counted apart
//! ([`DnsSummary::mdns_frames`], [`DnsSummary::llmnr_frames`]) and never paired: their queries
//! go to a multicast group and their answers come back from whichever host owns the name, in
//! another conversation, so Wireshark's `dns.time` is almost never set for them either (and the
//! decoder keeps no DNS header fields for them). Counting them would only add queries that
//! look unanswered.
//!
//! # Response codes
//!
//! `rcodes` uses the IANA mnemonics in upper case, as `dig` prints them: `NOERROR`, `FORMERR`,
//! `SERVFAIL`, `NXDOMAIN`, `NOTIMP`, `REFUSED`, `YXDOMAIN`, `YXRRSET`, `NXRRSET`, `NOTAUTH`,
//! `NOTZONE`, `DSOTYPENI`, and `RCODE12` to `RCODE15` for the unassigned values
//! ([`rcode_name`]). Only the header's 4-bit code is read (not an EDNS extended code). A
//! *failure* is any response whose code is not `NOERROR`.
//!
//! # Response times
//!
//! [`DnsSummary::response_time_us`] summarises the time from each answered transaction's
//! query to its first response, in microseconds, with nearest-rank percentiles: of the `n`
//! times in ascending order, the `p`-th percentile is the one at rank `ceil(p * n / 100)`
//! (from 1), so the median of an even count is the lower middle value. Retransmitted
//! responses have no time and are not counted.
//!
//! # Memory
//!
//! Everything is bounded whatever the capture: at most [`MAX_TRANSACTIONS`] transactions
//! (the oldest is forgotten first, and counted as unanswered if it was), at most
//! [`MAX_TIME_SAMPLES`] response times kept exactly (beyond that, a uniform sample of that
//! size), [`MAX_NAMES`] names, [`MAX_CLIENTS`] clients and
//! [`crate::stats::timeline::MAX_BUCKETS`] time buckets. Each frame costs O(1) (amortized).

use crate::decode::{NameId, PacketRecord, Proto};
use crate::filter::Names;
use crate::hashing::{flow_map, FlowMap};
use crate::stats::timeline::{LADDER, MAX_BUCKETS};
use crate::stats::{addr_cmp, CappedMap};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

/// A query repeated within this time of the original (unanswered) query, with the same id in
/// the same conversation, is a retransmission rather than a new transaction: Wireshark's
/// `dns.retransmission_timer` preference, whose default is 5 seconds. Resolvers retry after
/// 1 to 5 s, so this catches their retries while a client that reuses an id later starts a
/// new transaction.
pub const RETRANSMISSION_WINDOW_NS: i64 = 5_000_000_000;

/// Transactions remembered at once (unanswered ones, and answered ones kept to recognise a
/// retransmitted response). A resolver answers within milliseconds and clients give up after
/// a few seconds, so even a busy network (5,000 queries per second with one-second answers)
/// has a few thousand in flight; more than this means a flood or a scan, where forgetting the
/// oldest (about 100 bytes each, 1.6 MiB in all) loses nothing useful. A forgotten
/// unanswered transaction is counted as unanswered.
pub const MAX_TRANSACTIONS: usize = 16_384;

/// Response times kept exactly (8 bytes each, 512 KiB in all). Beyond this, a uniform random
/// sample of this size is kept (reservoir sampling, with a fixed seed so that results repeat),
/// and the percentiles are estimates ([`Percentiles::exact`] is false).
pub const MAX_TIME_SAMPLES: usize = 65_536;

/// Distinct query names counted: the decoder's side table holds at most 65,536 names, plus
/// one for "no name".
pub const MAX_NAMES: usize = 65_537;

/// Distinct clients whose failed lookups are counted (the rest fold into one "other" count).
pub const MAX_CLIENTS: usize = 4_096;

/// Nanoseconds per microsecond, for the microsecond outputs.
const NS_PER_US: f64 = 1_000.0;

/// The IANA mnemonic of a DNS response code (the header's 4 bits; higher bits are ignored).
pub fn rcode_name(rcode: u8) -> &'static str {
    match rcode & 0x0f {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        12 => "RCODE12",
        13 => "RCODE13",
        14 => "RCODE14",
        _ => "RCODE15",
    }
}

/// Response code 2.
pub const RCODE_SERVFAIL: u8 = 2;
/// Response code 3.
pub const RCODE_NXDOMAIN: u8 = 3;

/// What one frame was, for DNS pairing (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "event")]
pub enum DnsEvent {
    /// A query that opens a new transaction.
    Query,
    /// A query repeated within [`RETRANSMISSION_WINDOW_NS`] of an unanswered one with the same
    /// id in the same conversation (Wireshark's `dns.retransmit_request_in`).
    RetransmittedQuery {
        /// Frame number of the original query.
        original: u64,
    },
    /// The first response of a transaction (Wireshark's `dns.response_to` and `dns.time`).
    Response {
        /// Frame number of the (original) query.
        request: u64,
        /// This frame's time minus the query's, in nanoseconds (negative when the capture's
        /// clock went backwards).
        time_ns: i64,
    },
    /// A further response to an answered transaction (Wireshark's
    /// `dns.retransmit_response_in`; it has no `dns.time`).
    RetransmittedResponse {
        /// Frame number of the first response.
        original: u64,
    },
    /// A response with no query (Wireshark's `dns.unsolicited`).
    Unsolicited,
}

/// One endpoint pair and transport, either direction (`a` is the lower endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Conversation {
    proto: u8,
    a: IpAddr,
    a_port: u16,
    b: IpAddr,
    b_port: u16,
}

impl Conversation {
    fn new(proto: u8, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> Self {
        let src_first = match addr_cmp(&src, &dst) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => sport <= dport,
        };
        if src_first {
            Conversation {
                proto,
                a: src,
                a_port: sport,
                b: dst,
                b_port: dport,
            }
        } else {
            Conversation {
                proto,
                a: dst,
                a_port: dport,
                b: src,
                b_port: sport,
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TxKey {
    conv: Conversation,
    id: u16,
}

#[derive(Debug, Clone, Copy)]
struct Transaction {
    request_frame: u64,
    request_ns: i64,
    response_frame: Option<u64>,
    /// Insertion number, to tell this transaction from a later one with the same key in the
    /// eviction queue.
    serial: u64,
}

/// Queries and failed responses of one name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct NameCounts {
    queries: u64,
    failed: u64,
}

/// Response counts of one time bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsBucket {
    /// Start of the bucket, ns since the epoch.
    pub start_ns: i64,
    /// Responses in the bucket.
    pub responses: u64,
    /// Failed responses (any code but `NOERROR`).
    pub failures: u64,
    /// `NXDOMAIN` responses (among the failures).
    pub nxdomain: u64,
    /// `SERVFAIL` responses (among the failures).
    pub servfail: u64,
}

impl DnsBucket {
    fn merge(&mut self, o: &DnsBucket) {
        self.responses += o.responses;
        self.failures += o.failures;
        self.nxdomain += o.nxdomain;
        self.servfail += o.servfail;
    }
}

/// Responses and failures over time: consecutive buckets of one width, chosen from the span
/// as the traffic timeline chooses its own ([`crate::stats::timeline::LADDER`], at most
/// [`crate::stats::timeline::MAX_BUCKETS`] buckets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsFailureSeries {
    /// Width of each bucket in ns (0 when there are no buckets).
    pub bucket_ns: i64,
    /// The buckets, consecutive, in time order (each with its `start_ns`).
    pub buckets: Vec<DnsBucket>,
}

/// The accumulating series (the ladder scheme of [`crate::stats::Timeline`]).
#[derive(Debug, Clone, Default)]
struct Series {
    rung: usize,
    /// Bucket number (ts / width) of `buckets[0]`.
    first: i64,
    buckets: Vec<DnsBucket>,
}

impl Series {
    fn width(&self) -> i64 {
        LADDER.get(self.rung).copied().unwrap_or(i64::MAX)
    }

    fn add(&mut self, ts_ns: i64, rcode: u8) {
        let mut n = ts_ns.div_euclid(self.width());
        if self.buckets.is_empty() {
            self.first = n;
            self.buckets.push(DnsBucket::default());
        } else {
            let last = self.first.saturating_add(self.buckets.len() as i64 - 1);
            if n < self.first || n > last {
                loop {
                    let lo = self.first.min(n);
                    let hi = self
                        .first
                        .saturating_add(self.buckets.len() as i64 - 1)
                        .max(n);
                    if hi.saturating_sub(lo) < MAX_BUCKETS as i64 || self.rung + 1 >= LADDER.len() {
                        break;
                    }
                    self.coarsen();
                    n = ts_ns.div_euclid(self.width());
                }
                if n < self.first {
                    let extra = usize::try_from(self.first.saturating_sub(n)).unwrap_or(0);
                    self.buckets
                        .splice(0..0, std::iter::repeat_n(DnsBucket::default(), extra));
                    self.first = n;
                }
                let need = usize::try_from(n.saturating_sub(self.first))
                    .unwrap_or(0)
                    .saturating_add(1);
                if need > self.buckets.len() {
                    self.buckets.resize(need, DnsBucket::default());
                }
            }
        }
        let i = usize::try_from(n.saturating_sub(self.first)).unwrap_or(0);
        if let Some(b) = self.buckets.get_mut(i) {
            b.responses += 1;
            if rcode & 0x0f != 0 {
                b.failures += 1;
            }
            match rcode & 0x0f {
                RCODE_NXDOMAIN => b.nxdomain += 1,
                RCODE_SERVFAIL => b.servfail += 1,
                _ => {}
            }
        }
    }

    fn coarsen(&mut self) {
        let old_w = self.width();
        self.rung += 1;
        let new_w = self.width();
        let mut merged: Vec<DnsBucket> = Vec::new();
        let mut new_first = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            let start = self.first.saturating_add(i as i64).saturating_mul(old_w);
            let m = start.div_euclid(new_w);
            if merged.is_empty() {
                new_first = m;
            }
            let j = usize::try_from(m.saturating_sub(new_first)).unwrap_or(0);
            if j >= merged.len() {
                merged.resize(j + 1, DnsBucket::default());
            }
            if let Some(t) = merged.get_mut(j) {
                t.merge(b);
            }
        }
        self.first = new_first;
        self.buckets = merged;
    }

    fn view(&self) -> DnsFailureSeries {
        if self.buckets.is_empty() {
            return DnsFailureSeries::default();
        }
        let w = self.width();
        DnsFailureSeries {
            bucket_ns: w,
            buckets: self
                .buckets
                .iter()
                .enumerate()
                .map(|(i, b)| DnsBucket {
                    start_ns: self.first.saturating_add(i as i64).saturating_mul(w),
                    ..*b
                })
                .collect(),
        }
    }
}

/// Response times: exact up to [`MAX_TIME_SAMPLES`], then a uniform sample of that size.
#[derive(Debug, Clone)]
struct Reservoir {
    kept: Vec<i64>,
    seen: u64,
    rng: u64,
}

impl Default for Reservoir {
    fn default() -> Self {
        Reservoir {
            kept: Vec::new(),
            seen: 0,
            rng: 0x2545_f491_4f6c_dd1d,
        }
    }
}

impl Reservoir {
    fn push(&mut self, v: i64) {
        self.seen += 1;
        if self.kept.len() < MAX_TIME_SAMPLES {
            self.kept.push(v);
            return;
        }
        // Algorithm R: the n-th value replaces a kept one with probability cap / n.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let j = self.rng % self.seen;
        if let Some(slot) = usize::try_from(j).ok().and_then(|j| self.kept.get_mut(j)) {
            *slot = v;
        }
    }
}

/// The value at nearest rank `ceil(p * n / 100)` (from 1) of ascending `sorted`; `None` when
/// empty.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    let n = sorted.len() as u128;
    if n == 0 {
        return None;
    }
    let rank = (u128::from(p.min(100)) * n).div_ceil(100).max(1);
    let i = usize::try_from(rank - 1).ok()?;
    sorted.get(i).copied()
}

/// Median and 95th percentile (nearest rank), in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// 50th percentile (nearest rank: the lower middle value of an even count).
    pub median: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// How many values there were.
    pub samples: u64,
    /// Whether every value was kept (false past [`MAX_TIME_SAMPLES`]: the percentiles are
    /// then those of a uniform random sample).
    pub exact: bool,
}

/// How often one name was asked for, and how many responses about it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameStat {
    /// The first question's name, lower case (as the decoder keeps it).
    pub name: String,
    /// Query messages (retransmissions included).
    pub queries: u64,
    /// Responses about it whose code was not `NOERROR`.
    pub failed: u64,
}

/// A client and its failed lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFailures {
    /// The client (the destination of the failed responses).
    pub addr: IpAddr,
    /// Failed responses it received.
    pub failures: u64,
}

/// DNS totals: the `dns` object of `stats --json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DnsSummary {
    /// Query messages, retransmissions included (tshark: frames with
    /// `dns.flags.response == 0`, not inside ICMP errors).
    pub queries: u64,
    /// Queries that were retransmissions (`dns.retransmit_request_in`).
    pub retransmitted_queries: u64,
    /// Response messages, of every kind (`dns.flags.response == 1`).
    pub responses: u64,
    /// Transactions answered (responses with `dns.time`).
    pub answered: u64,
    /// Transactions with no response by the end of the capture (or forgotten, see
    /// `evicted`).
    pub unanswered: u64,
    /// Responses with no query (`dns.unsolicited`).
    pub unsolicited: u64,
    /// Further responses to answered transactions (`dns.retransmit_response_in`).
    pub retransmitted_responses: u64,
    /// Responses by code ([`rcode_name`]); codes never seen are left out.
    pub rcodes: BTreeMap<String, u64>,
    /// Failed responses (any code but `NOERROR`).
    pub failures: u64,
    /// Query-to-first-response times in microseconds; `None` before any answer.
    pub response_time_us: Option<Percentiles>,
    /// The most asked-for names, by queries (then failures, then name).
    pub top_names: Vec<NameStat>,
    /// The clients with the most failed lookups, descending.
    pub top_failing_clients: Vec<ClientFailures>,
    /// Unanswered transactions forgotten because [`MAX_TRANSACTIONS`] were open (included in
    /// `unanswered`).
    pub evicted: u64,
    /// Multicast DNS frames seen (not paired; see the module documentation).
    pub mdns_frames: u64,
    /// LLMNR frames seen (not paired).
    pub llmnr_frames: u64,
}

/// Pairs DNS queries with responses, one frame at a time (see the module documentation).
#[derive(Debug, Clone)]
pub struct DnsTracker {
    txs: FlowMap<TxKey, Transaction>,
    /// Transactions in the order they began, with their serial; entries whose transaction
    /// was replaced are skipped (and compacted away).
    order: VecDeque<(TxKey, u64)>,
    next_serial: u64,
    /// Unanswered transactions in `txs`.
    open: u64,
    /// Transactions that can no longer be answered (replaced or evicted) and never were.
    closed_unanswered: u64,
    evicted: u64,
    queries: u64,
    retransmitted_queries: u64,
    responses: u64,
    answered: u64,
    unsolicited: u64,
    retransmitted_responses: u64,
    rcodes: [u64; 16],
    times: Reservoir,
    names: CappedMap<NameId, NameCounts>,
    clients: CappedMap<IpAddr, u64>,
    series: Series,
    mdns_frames: u64,
    llmnr_frames: u64,
}

impl Default for DnsTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl DnsTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        DnsTracker {
            txs: flow_map(),
            order: VecDeque::new(),
            next_serial: 0,
            open: 0,
            closed_unanswered: 0,
            evicted: 0,
            queries: 0,
            retransmitted_queries: 0,
            responses: 0,
            answered: 0,
            unsolicited: 0,
            retransmitted_responses: 0,
            rcodes: [0; 16],
            times: Reservoir::default(),
            names: CappedMap::new(MAX_NAMES),
            clients: CappedMap::new(MAX_CLIENTS),
            series: Series::default(),
            mdns_frames: 0,
            llmnr_frames: 0,
        }
    }

    /// Takes one frame (`frame` is its number, from 1, in file order); says what it was for
    /// DNS, or `None` when it carries no DNS message (or no IP header to pair it by).
    pub fn push(&mut self, frame: u64, rec: &PacketRecord) -> Option<DnsEvent> {
        if rec.protocols.contains(Proto::Mdns) {
            self.mdns_frames += 1;
        }
        if rec.protocols.contains(Proto::Llmnr) {
            self.llmnr_frames += 1;
        }
        let dns = rec.dns?;
        if !rec.protocols.contains(Proto::Dns) {
            return None;
        }
        let ip = rec.inner_ip()?;
        let key = TxKey {
            conv: Conversation::new(rec.ip_proto, ip.src, rec.src_port, ip.dst, rec.dst_port),
            id: dns.id,
        };
        if dns.response {
            Some(self.response(frame, rec, ip.dst, key, dns.rcode))
        } else {
            Some(self.query(frame, rec, key))
        }
    }

    fn query(&mut self, frame: u64, rec: &PacketRecord, key: TxKey) -> DnsEvent {
        self.queries += 1;
        self.names.entry(rec.name).queries += 1;
        if let Some(tx) = self.txs.get(&key) {
            if tx.response_frame.is_none()
                && rec.ts_ns.saturating_sub(tx.request_ns) < RETRANSMISSION_WINDOW_NS
            {
                self.retransmitted_queries += 1;
                return DnsEvent::RetransmittedQuery {
                    original: tx.request_frame,
                };
            }
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        let tx = Transaction {
            request_frame: frame,
            request_ns: rec.ts_ns,
            response_frame: None,
            serial,
        };
        if let Some(old) = self.txs.insert(key, tx) {
            if old.response_frame.is_none() {
                self.open = self.open.saturating_sub(1);
                self.closed_unanswered += 1;
            }
        }
        self.open += 1;
        self.order.push_back((key, serial));
        self.evict();
        DnsEvent::Query
    }

    /// Forgets the oldest transactions past the cap, and drops stale queue entries so that the
    /// queue stays within twice the cap (amortized O(1) per query).
    fn evict(&mut self) {
        while self.txs.len() > MAX_TRANSACTIONS {
            let Some((key, serial)) = self.order.pop_front() else {
                break;
            };
            if self.txs.get(&key).is_some_and(|t| t.serial == serial) {
                if let Some(old) = self.txs.remove(&key) {
                    if old.response_frame.is_none() {
                        self.open = self.open.saturating_sub(1);
                        self.closed_unanswered += 1;
                        self.evicted += 1;
                    }
                }
            }
        }
        if self.order.len() > 2 * MAX_TRANSACTIONS {
            let txs = &self.txs;
            self.order
                .retain(|(k, s)| txs.get(k).is_some_and(|t| t.serial == *s));
        }
    }

    fn response(
        &mut self,
        frame: u64,
        rec: &PacketRecord,
        client: IpAddr,
        key: TxKey,
        rcode: u8,
    ) -> DnsEvent {
        self.responses += 1;
        let rcode = rcode & 0x0f;
        if let Some(c) = self.rcodes.get_mut(usize::from(rcode)) {
            *c += 1;
        }
        self.series.add(rec.ts_ns, rcode);
        if rcode != 0 {
            self.names.entry(rec.name).failed += 1;
            *self.clients.entry(client) += 1;
        }
        match self.txs.get_mut(&key) {
            Some(tx) => match tx.response_frame {
                None => {
                    tx.response_frame = Some(frame);
                    self.open = self.open.saturating_sub(1);
                    self.answered += 1;
                    let time_ns = rec.ts_ns.saturating_sub(tx.request_ns);
                    self.times.push(time_ns);
                    DnsEvent::Response {
                        request: tx.request_frame,
                        time_ns,
                    }
                }
                Some(original) => {
                    self.retransmitted_responses += 1;
                    DnsEvent::RetransmittedResponse { original }
                }
            },
            None => {
                self.unsolicited += 1;
                DnsEvent::Unsolicited
            }
        }
    }

    /// Query messages so far (retransmissions included).
    pub fn queries(&self) -> u64 {
        self.queries
    }

    /// Response messages so far.
    pub fn responses(&self) -> u64 {
        self.responses
    }

    /// Transactions with no response so far.
    pub fn unanswered(&self) -> u64 {
        self.closed_unanswered + self.open
    }

    /// Responses per response code (index = code).
    pub fn rcode_counts(&self) -> [u64; 16] {
        self.rcodes
    }

    /// Median and 95th percentile of the response times so far, in microseconds.
    pub fn response_times(&self) -> Option<Percentiles> {
        let mut v = self.times.kept.clone();
        v.sort_unstable();
        let median = nearest_rank(&v, 50)?;
        let p95 = nearest_rank(&v, 95)?;
        Some(Percentiles {
            median: median as f64 / NS_PER_US,
            p95: p95 as f64 / NS_PER_US,
            samples: self.times.seen,
            exact: self.times.seen <= MAX_TIME_SAMPLES as u64,
        })
    }

    /// Responses and failures over time, for [`crate::health::detect::dns_failures`].
    pub fn failure_series(&self) -> DnsFailureSeries {
        self.series.view()
    }

    /// The `top` most asked-for names (by queries, then failures, then name), looked up in
    /// `names` (the decoder's side table); queries without a name are left out.
    pub fn top_names(&self, names: &dyn Names, top: usize) -> Vec<NameStat> {
        let mut v: Vec<(&str, NameCounts)> = self
            .names
            .iter()
            .filter(|(id, _)| id.0 != 0)
            .filter_map(|(id, c)| names.name(*id).map(|n| (n, *c)))
            .collect();
        v.sort_unstable_by(|a, b| {
            b.1.queries
                .cmp(&a.1.queries)
                .then(b.1.failed.cmp(&a.1.failed))
                .then_with(|| a.0.cmp(b.0))
        });
        v.into_iter()
            .take(top)
            .map(|(name, c)| NameStat {
                name: name.to_string(),
                queries: c.queries,
                failed: c.failed,
            })
            .collect()
    }

    /// The `top` clients with the most failed lookups, descending (ties by address).
    pub fn top_failing_clients(&self, top: usize) -> Vec<ClientFailures> {
        let mut v: Vec<ClientFailures> = self
            .clients
            .iter()
            .map(|(a, n)| ClientFailures {
                addr: *a,
                failures: *n,
            })
            .collect();
        v.sort_unstable_by(|a, b| {
            b.failures
                .cmp(&a.failures)
                .then_with(|| addr_cmp(&a.addr, &b.addr))
        });
        v.truncate(top);
        v
    }

    /// Every total, with the `top` names and failing clients (names looked up in `names`).
    pub fn summary(&self, names: &dyn Names, top: usize) -> DnsSummary {
        DnsSummary {
            queries: self.queries,
            retransmitted_queries: self.retransmitted_queries,
            responses: self.responses,
            answered: self.answered,
            unanswered: self.unanswered(),
            unsolicited: self.unsolicited,
            retransmitted_responses: self.retransmitted_responses,
            rcodes: self
                .rcodes
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(code, n)| (rcode_name(code as u8).to_string(), *n))
                .collect(),
            failures: self.rcodes.iter().skip(1).sum(),
            response_time_us: self.response_times(),
            top_names: self.top_names(names, top),
            top_failing_clients: self.top_failing_clients(top),
            evicted: self.evicted,
            mdns_frames: self.mdns_frames,
            llmnr_frames: self.llmnr_frames,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::decode::{DnsInfo, IpPair, Protocols};
    use crate::filter::NoNames;
    use std::net::Ipv4Addr;

    const S: i64 = 1_000_000_000;
    const MS: i64 = 1_000_000;
    const T0: i64 = 1_600_000_000 * S;

    fn v4(d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, d))
    }

    /// A UDP DNS message between client 10.0.0.1:`port` and server 10.0.0.53:53.
    fn msg(t: i64, id: u16, response: bool, rcode: u8, port: u16) -> PacketRecord {
        let mut p = Protocols::default();
        for x in [Proto::Ethernet, Proto::Ipv4, Proto::Udp, Proto::Dns] {
            p.insert(x);
        }
        let (c, s) = (v4(1), v4(53));
        let (ip, sp, dp) = if response {
            (IpPair { src: s, dst: c }, 53, port)
        } else {
            (IpPair { src: c, dst: s }, port, 53)
        };
        PacketRecord {
            ts_ns: T0 + t,
            protocols: p,
            ip: Some(ip),
            ip_proto: 17,
            src_port: sp,
            dst_port: dp,
            dns: Some(DnsInfo {
                id,
                response,
                rcode,
                qtype: 1,
                answers: u16::from(response),
            }),
            name: NameId(1 + u32::from(id % 3)),
            ..PacketRecord::default()
        }
    }

    fn q(t: i64, id: u16) -> PacketRecord {
        msg(t, id, false, 0, 1000)
    }

    fn r(t: i64, id: u16, rcode: u8) -> PacketRecord {
        msg(t, id, true, rcode, 1000)
    }

    /// The scenario checked against tshark 4.0.17 (a capture made of exactly these frames;
    /// `tshark -T fields -e dns.time -e dns.response_to -e dns.retransmit_request_in
    /// -e dns.retransmit_response_in -e dns.unsolicited`).
    #[test]
    fn pairs_as_wireshark_does() {
        use DnsEvent::*;
        let frames: Vec<(PacketRecord, DnsEvent)> = vec![
            (q(0, 1), Query),
            (q(4_900 * MS, 1), RetransmittedQuery { original: 1 }),
            (
                r(6 * S, 1, 0),
                Response {
                    request: 1,
                    time_ns: 6 * S,
                },
            ),
            (q(10 * S, 2), Query),
            (q(14_999 * MS, 2), RetransmittedQuery { original: 4 }),
            // 9.5 s after the original query: a new transaction; frame 4 stays unanswered.
            (q(19_500 * MS, 2), Query),
            (
                r(19_600 * MS, 2, 0),
                Response {
                    request: 6,
                    time_ns: 100 * MS,
                },
            ),
            (q(30 * S, 3), Query),
            (
                r(30_100 * MS, 3, 0),
                Response {
                    request: 8,
                    time_ns: 100 * MS,
                },
            ),
            (r(30_200 * MS, 3, 0), RetransmittedResponse { original: 9 }),
            // An answered id used again: a new transaction at once.
            (q(31 * S, 3), Query),
            (
                r(31_500 * MS, 3, 0),
                Response {
                    request: 11,
                    time_ns: 500 * MS,
                },
            ),
            (r(40 * S, 4, 0), Unsolicited),
            (q(50 * S, 5), Query),
            // Another client port: another conversation.
            (msg(50_100 * MS, 5, true, 0, 1001), Unsolicited),
            (q(60 * S, 6), Query),
            // Exactly 5 s later: a new transaction.
            (q(65 * S, 6), Query),
            (
                r(65_500 * MS, 6, 0),
                Response {
                    request: 17,
                    time_ns: 500 * MS,
                },
            ),
            (q(70 * S, 7), Query),
            // Earlier in time: a retransmission.
            (q(69 * S, 7), RetransmittedQuery { original: 19 }),
            (
                r(70_500 * MS, 7, 0),
                Response {
                    request: 19,
                    time_ns: 500 * MS,
                },
            ),
            (q(80 * S, 8), Query),
            (q(80_200 * MS, 9), Query),
            (
                r(80_300 * MS, 9, 3),
                Response {
                    request: 23,
                    time_ns: 100 * MS,
                },
            ),
            (
                r(80_400 * MS, 8, 2),
                Response {
                    request: 22,
                    time_ns: 400 * MS,
                },
            ),
        ];
        let mut t = DnsTracker::new();
        for (i, (rec, want)) in frames.iter().enumerate() {
            assert_eq!(t.push(i as u64 + 1, rec), Some(*want), "frame {}", i + 1);
        }
        let s = t.summary(&NoNames, 10);
        assert_eq!(s.queries, 14);
        assert_eq!(s.retransmitted_queries, 3);
        assert_eq!(s.responses, 11);
        assert_eq!(s.answered, 8);
        // Frames 4, 14 and 16 (`tshark -2`: no dns.response_in, no retransmit_request_in).
        assert_eq!(s.unanswered, 3);
        assert_eq!(s.unsolicited, 2);
        assert_eq!(s.retransmitted_responses, 1);
        assert_eq!(s.failures, 2);
        let want: BTreeMap<String, u64> = [("NOERROR", 9), ("NXDOMAIN", 1), ("SERVFAIL", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(s.rcodes, want);
        let rt = s.response_time_us.unwrap();
        assert_eq!(rt.samples, 8);
        assert!(rt.exact);
        // Sorted (ms): 100 100 100 400 500 500 500 6000; ranks ceil(4) = 4 and ceil(7.6) = 8.
        assert_eq!(rt.median, 400_000.0);
        assert_eq!(rt.p95, 6_000_000.0);
        assert_eq!(
            s.top_failing_clients,
            vec![ClientFailures {
                addr: v4(1),
                failures: 2
            }]
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        assert_eq!(nearest_rank(&[1, 2], 50), Some(1));
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(nearest_rank(&v, 50), Some(50));
        assert_eq!(nearest_rank(&v, 95), Some(95));
        assert_eq!(nearest_rank(&v, 0), Some(1));
        assert_eq!(nearest_rank(&v, 100), Some(100));
        let v: Vec<i64> = (1..=21).collect();
        // ceil(0.95 * 21) = ceil(19.95) = 20.
        assert_eq!(nearest_rank(&v, 95), Some(20));
    }

    #[test]
    fn rcode_names_cover_every_code() {
        assert_eq!(rcode_name(0), "NOERROR");
        assert_eq!(rcode_name(2), "SERVFAIL");
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(5), "REFUSED");
        assert_eq!(rcode_name(15), "RCODE15");
        assert_eq!(rcode_name(0x13), "NXDOMAIN");
    }

    #[test]
    fn mdns_and_llmnr_are_counted_apart_and_never_paired() {
        let mut t = DnsTracker::new();
        for (i, proto) in [Proto::Mdns, Proto::Llmnr].into_iter().enumerate() {
            let mut rec = q(i as i64 * S, 9);
            let mut p = Protocols::default();
            for x in [Proto::Ethernet, Proto::Ipv4, Proto::Udp, proto] {
                p.insert(x);
            }
            rec.protocols = p;
            rec.dns = None; // as the decoder leaves them
            assert_eq!(t.push(i as u64 + 1, &rec), None);
            // Even with header fields, only DNS proper is paired.
            rec.dns = q(0, 9).dns;
            assert_eq!(t.push(i as u64 + 1, &rec), None);
        }
        let s = t.summary(&NoNames, 5);
        assert_eq!((s.mdns_frames, s.llmnr_frames), (2, 2));
        assert_eq!((s.queries, s.responses, s.unanswered), (0, 0, 0));
    }

    #[test]
    fn the_transaction_table_is_capped_and_the_oldest_counted_unanswered() {
        let mut t = DnsTracker::new();
        let total = MAX_TRANSACTIONS as u64 + 100;
        for i in 0..total {
            // Distinct client ports make distinct conversations.
            let port = 1024 + (i % 60_000) as u16;
            let id = (i / 60_000) as u16;
            t.push(i + 1, &msg(i as i64 * MS, id, false, 0, port));
        }
        assert!(t.txs.len() <= MAX_TRANSACTIONS);
        assert!(t.order.len() <= 2 * MAX_TRANSACTIONS);
        assert_eq!(t.unanswered(), total);
        assert_eq!(t.summary(&NoNames, 1).evicted, 100);
        // The first query's transaction is gone: its response is unsolicited.
        assert_eq!(
            t.push(total + 1, &msg(0, 0, true, 0, 1024)),
            Some(DnsEvent::Unsolicited)
        );
        // The latest one is still there.
        let last = total - 1;
        let port = 1024 + (last % 60_000) as u16;
        assert!(matches!(
            t.push(total + 2, &msg(0, (last / 60_000) as u16, true, 0, port)),
            Some(DnsEvent::Response { .. })
        ));
        assert_eq!(t.unanswered(), total - 1);
    }

    #[test]
    fn reusing_one_id_keeps_the_queue_small() {
        let mut t = DnsTracker::new();
        for i in 0..(5 * MAX_TRANSACTIONS as u64) {
            t.push(2 * i + 1, &q(i as i64 * 10 * S, 7));
            t.push(2 * i + 2, &r(i as i64 * 10 * S + MS, 7, 0));
        }
        assert_eq!(t.txs.len(), 1);
        assert!(t.order.len() <= 2 * MAX_TRANSACTIONS);
        assert_eq!(t.unanswered(), 0);
    }

    #[test]
    fn response_times_past_the_cap_are_sampled() {
        let mut t = DnsTracker::new();
        let n = MAX_TIME_SAMPLES as u64 * 2;
        for i in 0..n {
            let id = (i % 65_536) as u16;
            let port = 1024 + (i / 65_536) as u16;
            t.push(2 * i + 1, &msg(i as i64 * S, id, false, 0, port));
            // Response times 1..=1000 µs, uniformly.
            let rt = ((i % 1000) as i64 + 1) * 1000;
            t.push(2 * i + 2, &msg(i as i64 * S + rt, id, true, 0, port));
        }
        let p = t.response_times().unwrap();
        assert_eq!(p.samples, n);
        assert!(!p.exact);
        assert!((p.median - 500.0).abs() < 25.0, "{p:?}");
        assert!((p.p95 - 950.0).abs() < 25.0, "{p:?}");
        assert_eq!(t.times.kept.len(), MAX_TIME_SAMPLES);
    }

    #[test]
    fn failures_are_bucketed_over_time() {
        let mut t = DnsTracker::new();
        let mut n = 0;
        for i in 0..600i64 {
            n += 1;
            t.push(n, &q(i * S, (i % 1000) as u16));
            n += 1;
            let rcode = if (300..310).contains(&i) { 3 } else { 0 };
            t.push(n, &r(i * S + MS, (i % 1000) as u16, rcode));
        }
        let s = t.failure_series();
        assert!(s.buckets.len() <= MAX_BUCKETS);
        assert!(s.bucket_ns > 0);
        assert_eq!(s.buckets.iter().map(|b| b.responses).sum::<u64>(), 600);
        assert_eq!(s.buckets.iter().map(|b| b.failures).sum::<u64>(), 10);
        assert_eq!(s.buckets.iter().map(|b| b.nxdomain).sum::<u64>(), 10);
        for w in s.buckets.windows(2) {
            assert_eq!(w[1].start_ns - w[0].start_ns, s.bucket_ns);
        }
        let failing: Vec<_> = s.buckets.iter().filter(|b| b.failures > 0).collect();
        assert!(failing
            .iter()
            .all(|b| b.start_ns >= T0 + 300 * S - s.bucket_ns && b.start_ns < T0 + 310 * S));
    }

    #[test]
    fn out_of_order_and_extreme_times_stay_bounded() {
        let mut t = DnsTracker::new();
        let times = [0, i64::MAX, i64::MIN, -5, 1 << 40, i64::MAX - 1, 17];
        for (i, ts) in times.into_iter().enumerate() {
            let mut rec = r(0, 1, (i % 4) as u8);
            rec.ts_ns = ts;
            t.push(i as u64 + 1, &rec);
            let mut rec = q(0, 2);
            rec.ts_ns = ts;
            t.push(i as u64 + 100, &rec);
        }
        let s = t.failure_series();
        assert!(s.buckets.len() <= 2 * MAX_BUCKETS);
        assert_eq!(
            s.buckets.iter().map(|b| b.responses).sum::<u64>(),
            times.len() as u64
        );
        let sum = t.summary(&NoNames, 3);
        assert_eq!(sum.responses, times.len() as u64);
    }

    #[test]
    fn names_count_queries_and_failures() {
        struct Three;
        impl Names for Three {
            fn name(&self, id: NameId) -> Option<&str> {
                ["", "a.example", "b.example", "c.example"]
                    .get(id.0 as usize)
                    .copied()
                    .filter(|s| !s.is_empty())
            }
        }
        let mut t = DnsTracker::new();
        let mut n = 0;
        // ids 0..9: id % 3 picks the name (1 + id % 3).
        for id in 0..9u16 {
            n += 1;
            t.push(n, &q(i64::from(id) * S, id));
            n += 1;
            t.push(
                n,
                &r(i64::from(id) * S + MS, id, if id % 3 == 2 { 3 } else { 0 }),
            );
        }
        n += 1;
        t.push(n, &q(20 * S, 1));
        let top = t.top_names(&Three, 2);
        assert_eq!(
            top,
            vec![
                NameStat {
                    name: "b.example".into(),
                    queries: 4,
                    failed: 0
                },
                NameStat {
                    name: "c.example".into(),
                    queries: 3,
                    failed: 3
                },
            ]
        );
    }

    #[test]
    fn summary_serializes_without_nan() {
        let mut t = DnsTracker::new();
        t.push(1, &q(0, 1));
        t.push(2, &r(MS, 1, 2));
        let json = serde_json::to_string(&t.summary(&NoNames, 5)).unwrap();
        assert!(json.contains("\"SERVFAIL\":1"), "{json}");
        assert!(json.contains("\"median\":1000.0"), "{json}");
        let empty = serde_json::to_string(&DnsTracker::new().summary(&NoNames, 5)).unwrap();
        assert!(empty.contains("\"response_time_us\":null"), "{empty}");
    }
}
