//! The whole one-pass analysis: reader → decoder → aggregates (and optionally the index).
//!
//! [`Engine`] is the incremental form the Web Worker drives chunk by chunk; [`analyze`] is the
//! one-call form the native `pcapscope stats` uses.

use crate::capture::{CaptureError, Format, Frame, LinkType, Reader};
use crate::decode::{Decoder, PacketRecord, TcpBases};
use crate::dissect::DissectContext;
use crate::health::{detect::Thresholds, Health, HealthReport};
use crate::index::PacketIndex;
use crate::stats::{Aggregator, Limits, Snapshot};
use std::io::Read;

/// Reading could not start: the input is not a capture or cannot be read.
pub type AnalyzeError = CaptureError;

/// What the engine keeps besides the aggregates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Caps on the aggregate tables.
    pub limits: Limits,
    /// Build the per-packet index (for the packet table, sorting and filtering).
    pub index: bool,
    /// Follow every TCP connection's base sequence numbers and window scaling
    /// ([`TcpBases`]), so that packets re-read later can be dissected with Wireshark's
    /// relative numbers and calculated windows ([`Engine::dissect_context`]).
    pub tcp_context: bool,
    /// Run the health analyses ([`Health`]: TCP analysis, DNS pairing, beacon tracking).
    /// With it, each record carries its `tcp.analysis.*` flags
    /// ([`PacketRecord::tcp_analysis`]) and so does the index, whose display filters can then
    /// test them; without it they are 0 and the index refuses those filters
    /// ([`PacketIndex::has_tcp_analysis`], [`crate::view::try_select`]).
    pub health: bool,
}

/// The decoder, aggregates and (optionally) index, fed one frame at a time.
#[derive(Debug)]
pub struct Engine {
    decoder: Decoder,
    stats: Aggregator,
    index: Option<PacketIndex>,
    tcp: Option<TcpBases>,
    health: Option<Health>,
    /// Frames pushed, and the first one's time (the zero of relative times).
    frames: u64,
    first_ts_ns: Option<i64>,
}

impl Engine {
    /// An empty engine.
    pub fn new(options: Options) -> Self {
        Engine {
            decoder: Decoder::new(),
            stats: Aggregator::new(options.limits),
            index: options.index.then(|| new_index(options)),
            tcp: options.tcp_context.then(TcpBases::new),
            health: options.health.then(Health::new),
            frames: 0,
            first_ts_ns: None,
        }
    }

    /// Decodes and aggregates one frame; returns its record (with its `tcp.analysis.*` flags
    /// when the health analyses run).
    #[inline]
    pub fn push(&mut self, frame: &Frame<'_>) -> PacketRecord {
        let mut record = self.decoder.decode(frame);
        self.frames += 1;
        if self.frames == 1 {
            self.first_ts_ns = Some(record.ts_ns);
        }
        // Before the index, which keeps the flags.
        if let Some(h) = self.health.as_mut() {
            record.tcp_analysis = h.push(self.frames, &record).0;
        }
        self.stats.push(&record);
        if let Some(index) = self.index.as_mut() {
            index.push(frame, &record);
        }
        if let Some(tcp) = self.tcp.as_mut() {
            tcp.push(frame.number, &record);
        }
        record
    }

    /// The aggregates so far.
    pub fn snapshot(&self, top: Option<usize>) -> Snapshot {
        self.stats.snapshot(top)
    }

    /// The health report over everything pushed, if the health analyses run.
    pub fn health(&self, snapshot: &Snapshot, th: &Thresholds) -> Option<HealthReport> {
        self.health
            .as_ref()
            .map(|h| h.report(snapshot, &self.decoder, self.first_ts_ns, th))
    }

    /// The decoder (for its side table of names).
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The aggregator.
    pub fn aggregator(&self) -> &Aggregator {
        &self.stats
    }

    /// The index, if one is built.
    pub fn index(&self) -> Option<&PacketIndex> {
        self.index.as_ref()
    }

    /// The TCP numbering table, if one is built ([`Options::tcp_context`]).
    pub fn tcp_context(&self) -> Option<&TcpBases> {
        self.tcp.as_ref()
    }

    /// The context for dissecting frame `number` (from 1) with
    /// [`crate::dissect::dissect_with`]: Wireshark's relative TCP numbers and calculated
    /// windows when [`Options::tcp_context`] was on, the raw ones otherwise.
    pub fn dissect_context(&self, number: u64) -> DissectContext<'_> {
        DissectContext::new(number, self.tcp.as_ref())
    }
}

/// An empty index for `options`, which knows whether the TCP analysis fills its flags.
fn new_index(options: Options) -> PacketIndex {
    let mut index = PacketIndex::default();
    index.set_has_tcp_analysis(options.health);
    index
}

/// The result of reading a whole capture.
#[derive(Debug)]
pub struct Analysis {
    /// Container format.
    pub format: Format,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// Link types declared, in order of first appearance.
    pub link_types: Vec<LinkType>,
    /// Every aggregate (all rows, not cut to a top N).
    pub snapshot: Snapshot,
    /// The damage that stopped reading early, if any; `snapshot` holds everything before it.
    pub error: Option<CaptureError>,
    /// The engine, for anything beyond the snapshot (names, index).
    pub engine: Engine,
}

impl Analysis {
    /// Whether the file was read to its end.
    pub fn complete(&self) -> bool {
        self.error.is_none()
    }
}

/// Reads every frame into `engine` on this thread.
fn run_serial<R: Read>(
    reader: &mut Reader<R>,
    mut engine: Engine,
) -> (Engine, Option<CaptureError>) {
    let error = loop {
        match reader.next_frame() {
            Ok(Some(frame)) => {
                engine.push(&frame);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    (engine, error)
}

/// Natively, reading and decoding run on the calling thread while a second thread aggregates:
/// the two halves of the per-packet work cost about the same, so a two-core machine reads
/// about 1.6 times as fast. Records cross in batches through bounded channels, and batch
/// buffers are recycled, so memory stays a few MiB whatever the file's size.
#[cfg(not(target_arch = "wasm32"))]
mod pipelined {
    use super::{new_index, run_serial, Engine, Options};
    use crate::capture::{CaptureError, Reader};
    use crate::decode::{Decoder, PacketRecord, TcpBases};
    use crate::health::Health;
    use crate::index::PacketIndex;
    use crate::stats::Aggregator;
    use std::io::Read;
    use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

    /// Records per batch: large enough that channel costs vanish, small enough to stay in cache.
    const BATCH: usize = 2048;
    /// Batches in flight between the threads.
    const IN_FLIGHT: usize = 4;

    type Batch = Vec<(PacketRecord, u64)>;

    fn aggregate(
        options: Options,
        full: Receiver<Batch>,
        empty: SyncSender<Batch>,
    ) -> (
        Aggregator,
        Option<PacketIndex>,
        Option<Health>,
        u64,
        Option<i64>,
    ) {
        let mut stats = Aggregator::new(options.limits);
        let mut index = options.index.then(|| new_index(options));
        let mut health = options.health.then(Health::new);
        let mut frames = 0u64;
        let mut first_ts_ns = None;
        for mut batch in full {
            for (record, offset) in batch.iter_mut() {
                frames += 1;
                if frames == 1 {
                    first_ts_ns = Some(record.ts_ns);
                }
                // Before the index, which keeps the flags.
                if let Some(h) = health.as_mut() {
                    record.tcp_analysis = h.push(frames, record).0;
                }
                stats.push(record);
                if let Some(ix) = index.as_mut() {
                    ix.push_record(*offset, record);
                }
            }
            batch.clear();
            // The reader may have stopped already; a batch nobody wants is simply dropped.
            let _ = empty.try_send(batch);
        }
        (stats, index, health, frames, first_ts_ns)
    }

    pub(super) fn run<R: Read>(
        reader: &mut Reader<R>,
        options: Options,
    ) -> (Engine, Option<CaptureError>) {
        let (full_tx, full_rx) = sync_channel::<Batch>(IN_FLIGHT);
        let (empty_tx, empty_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("pcapscope-aggregate".into())
                .spawn_scoped(scope, move || aggregate(options, full_rx, empty_tx));
            let Ok(worker) = worker else {
                // No second thread to be had: do it all here.
                return run_serial(reader, Engine::new(options));
            };
            let mut decoder = Decoder::new();
            let mut tcp = options.tcp_context.then(TcpBases::new);
            let mut batch: Batch = Vec::with_capacity(BATCH);
            let send = |batch: &mut Batch| -> bool {
                let next = empty_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BATCH));
                full_tx.send(std::mem::replace(batch, next)).is_ok()
            };
            let error = loop {
                match reader.next_frame() {
                    Ok(Some(frame)) => {
                        let record = decoder.decode(&frame);
                        if let Some(t) = tcp.as_mut() {
                            t.push(frame.number, &record);
                        }
                        batch.push((record, frame.data_offset));
                        if batch.len() == BATCH && !send(&mut batch) {
                            break None;
                        }
                    }
                    Ok(None) => break None,
                    Err(e) => break Some(e),
                }
            };
            if !batch.is_empty() {
                send(&mut batch);
            }
            drop(full_tx);
            match worker.join() {
                Ok((stats, index, health, frames, first_ts_ns)) => (
                    Engine {
                        decoder,
                        stats,
                        index,
                        tcp,
                        health,
                        frames,
                        first_ts_ns,
                    },
                    error,
                ),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

/// Reads a whole capture with default options (no index). Fails only when reading cannot
/// start; damage part way is reported in [`Analysis::error`].
pub fn analyze<R: Read>(input: R) -> Result<Analysis, AnalyzeError> {
    analyze_with(input, Options::default())
}

/// Reads a whole capture with the given options.
pub fn analyze_with<R: Read>(input: R, options: Options) -> Result<Analysis, AnalyzeError> {
    let mut reader = Reader::new(input)?;
    #[cfg(not(target_arch = "wasm32"))]
    let (engine, error) = pipelined::run(&mut reader, options);
    #[cfg(target_arch = "wasm32")]
    let (engine, error) = run_serial(&mut reader, Engine::new(options));
    Ok(Analysis {
        format: reader.format(),
        gzip: reader.is_gzip(),
        link_types: reader.link_types().to_vec(),
        snapshot: engine.snapshot(None),
        error,
        engine,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::capture::write::{PcapOptions, PcapWriter};

    /// Ethernet + IPv4 + UDP frames between a few hosts, several batches' worth.
    fn capture(frames: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = PcapWriter::new(&mut out, PcapOptions::new(1)).unwrap();
        for i in 0..frames {
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0]);
            f.extend_from_slice(&[10, 0, 0, (i % 7) as u8, 10, 0, 1, (i % 5) as u8]);
            f.extend_from_slice(&(1000 + (i % 3) as u16).to_be_bytes());
            f.extend_from_slice(&53u16.to_be_bytes());
            f.extend_from_slice(&[0, 8, 0, 0]);
            w.write_packet(
                1_600_000_000_000_000_000 + i64::from(i) * 1_000_000,
                60 + i % 40,
                &f,
            )
            .unwrap();
        }
        w.flush().unwrap();
        out
    }

    #[test]
    fn the_pipelined_pass_equals_the_serial_one() {
        let bytes = capture(10_000);
        let options = Options {
            index: true,
            ..Options::default()
        };
        let piped = analyze_with(&bytes[..], options).unwrap();
        let mut reader = Reader::new(&bytes[..]).unwrap();
        let (serial, error) = run_serial(&mut reader, Engine::new(options));
        assert!(error.is_none() && piped.error.is_none());
        assert_eq!(piped.snapshot, serial.snapshot(None));
        assert_eq!(piped.snapshot.summary.packets, 10_000);
        let (a, b) = (piped.engine.index().unwrap(), serial.index().unwrap());
        assert_eq!(a.len(), 10_000);
        assert_eq!(a.page(0, 10_000), b.page(0, 10_000));
    }

    /// Ethernet + IPv4 + TCP: flags (`S`, `SA`, `A`), seq, ack, window, window scale option.
    fn tcp_frame(
        client: bool,
        flags: &str,
        seq: u32,
        ack: u32,
        win: u16,
        ws: Option<u8>,
    ) -> Vec<u8> {
        use etherparse::{PacketBuilder, TcpOptionElement};
        let (src, dst, sp, dp) = if client {
            ([10, 0, 0, 1], [10, 0, 0, 2], 40000, 80)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], 80, 40000)
        };
        let mut b = PacketBuilder::ethernet2([2; 6], [4; 6])
            .ipv4(src, dst, 64)
            .tcp(sp, dp, seq, win);
        if flags.contains('S') {
            b = b.syn();
        }
        if flags.contains('A') {
            b = b.ack(ack);
        }
        if let Some(s) = ws {
            b = b.options(&[TcpOptionElement::WindowScale(s)]).unwrap();
        }
        let mut v = Vec::new();
        b.write(&mut v, &[]).unwrap();
        v
    }

    #[test]
    fn the_tcp_context_gives_wiresharks_numbers() {
        let frames = [
            tcp_frame(true, "S", 1000, 0, 64240, Some(7)),
            tcp_frame(false, "SA", 5000, 1001, 65160, Some(7)),
            tcp_frame(true, "A", 1001, 5001, 502, None),
        ];
        let mut bytes = Vec::new();
        {
            let mut w = PcapWriter::new(&mut bytes, PcapOptions::new(1)).unwrap();
            for (i, f) in frames.iter().enumerate() {
                w.write_packet(i as i64 * 1000, f.len() as u32, f).unwrap();
            }
            w.flush().unwrap();
        }
        let on = Options {
            tcp_context: true,
            ..Options::default()
        };
        let piped = analyze_with(&bytes[..], on).unwrap().engine;
        let mut reader = Reader::new(&bytes[..]).unwrap();
        let (serial, _) = run_serial(&mut reader, Engine::new(on));
        let off = analyze(&bytes[..]).unwrap().engine;
        assert!(off.tcp_context().is_none());
        let info = |e: &Engine, n: u64| {
            let f = &frames[n as usize - 1];
            crate::dissect::dissect_with(1, f, f.len() as u32, &e.dissect_context(n)).info
        };
        for e in [&piped, &serial] {
            assert_eq!(e.tcp_context().map(|t| t.connections()), Some(1));
            assert_eq!(
                info(e, 2),
                "80 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 WS=128"
            );
            assert_eq!(info(e, 3), "40000 → 80 [ACK] Seq=1 Ack=1 Win=64256 Len=0");
        }
        assert_eq!(
            info(&off, 3),
            "40000 → 80 [ACK] Seq=1001 Ack=5001 Win=502 Len=0"
        );
    }

    #[test]
    fn the_index_keeps_the_tcp_analysis_flags() {
        use crate::health::tcp::TcpFlags;
        let data = |seq: u32| {
            use etherparse::PacketBuilder;
            let b = PacketBuilder::ethernet2([2; 6], [4; 6])
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(40000, 80, seq, 502)
                .ack(5001)
                .psh();
            let mut v = Vec::new();
            b.write(&mut v, &[7u8; 10]).unwrap();
            v
        };
        let frames = [
            tcp_frame(true, "S", 1000, 0, 64240, None),
            tcp_frame(false, "SA", 5000, 1001, 65160, None),
            tcp_frame(true, "A", 1001, 5001, 502, None),
            data(1001),
            // The same segment again, a second later: a retransmission.
            data(1001),
        ];
        let mut bytes = Vec::new();
        {
            let mut w = PcapWriter::new(&mut bytes, PcapOptions::new(1)).unwrap();
            for (i, f) in frames.iter().enumerate() {
                w.write_packet(i as i64 * 1_000_000_000, f.len() as u32, f)
                    .unwrap();
            }
            w.flush().unwrap();
        }
        let on = Options {
            index: true,
            health: true,
            ..Options::default()
        };
        let piped = analyze_with(&bytes[..], on).unwrap().engine;
        let mut serial = Engine::new(on);
        let mut reader = Reader::new(&bytes[..]).unwrap();
        let mut pushed = Vec::new();
        while let Some(f) = reader.next_frame().unwrap() {
            pushed.push(serial.push(&f).tcp_analysis);
        }
        assert_eq!(pushed, [0, 0, 0, 0, TcpFlags::RETRANSMISSION]);
        for e in [&piped, &serial] {
            let ix = e.index().unwrap();
            assert!(ix.has_tcp_analysis());
            let got: Vec<u16> = (0..ix.len()).map(|i| ix.tcp_analysis(i)).collect();
            assert_eq!(got, pushed);
            assert_eq!(ix.record(4).unwrap().tcp_analysis, TcpFlags::RETRANSMISSION);
        }
        let off = analyze_with(
            &bytes[..],
            Options {
                index: true,
                ..Options::default()
            },
        )
        .unwrap()
        .engine;
        let ix = off.index().unwrap();
        assert!(!ix.has_tcp_analysis());
        assert_eq!(ix.tcp_analysis(4), 0);
    }

    #[test]
    fn damage_part_way_keeps_every_frame_before_it() {
        let mut bytes = capture(5_000);
        bytes.truncate(bytes.len() - 3);
        let a = analyze(&bytes[..]).unwrap();
        assert_eq!(a.snapshot.summary.packets, 4_999);
        assert_eq!(a.error.unwrap().frame, 5_000);
    }
}
