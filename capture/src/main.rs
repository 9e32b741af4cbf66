//! `pcapscope`: capture statistics natively (and, later, live capture into pcapng).
//!
//! This file parses arguments into a configuration and calls library code; nothing more.

mod text;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "pcapscope",
    version,
    about = "Network capture statistics, natively"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read a pcap/pcapng file (optionally gzip-compressed) and print its statistics.
    ///
    /// Exit status: 0 = read to the end; 1 = damage stopped the reading part way (the output
    /// still holds everything before it); 2 = not a capture file, or it cannot be opened.
    Stats {
        /// The capture file.
        file: PathBuf,
        /// Print one JSON object (see CONTRACTS.md) instead of tables.
        #[arg(long)]
        json: bool,
        /// Rows per table in the human-readable output.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Count only the packets this display filter keeps (Wireshark syntax, as tshark's
        /// `-Y`), e.g. `-Y 'tcp.port == 443 && ip.addr == 10.0.0.0/8'`.
        #[arg(short = 'Y', long = "filter", value_name = "FILTER")]
        filter: Option<String>,
    },
}

/// Exit status for input that is not a capture or cannot be opened.
const EXIT_NOT_A_CAPTURE: u8 = 2;
/// Exit status for a capture whose reading stopped at damage.
const EXIT_DAMAGED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The engine is written not to panic on any input; should it still, the contract promises
    // an exit status, never a crash.
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("pcapscope: {e:#}");
            ExitCode::from(EXIT_NOT_A_CAPTURE)
        }
        Err(_) => {
            eprintln!("pcapscope: internal error (please report it with the file that caused it)");
            ExitCode::from(EXIT_NOT_A_CAPTURE)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Stats {
            file,
            json,
            top,
            filter,
        } => {
            // A filter that does not compile is an error before any reading.
            let filter = filter
                .map(|text| {
                    pcapscope::filter::compile(&text)
                        .map_err(|e| anyhow::anyhow!("invalid display filter {text:?}: {e}"))
                })
                .transpose()?;
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let input = std::io::BufReader::with_capacity(1 << 20, f);
            let options = pcapscope::analyze::Options {
                index: filter.is_some(),
                health: true,
                ..Default::default()
            };
            let mut analysis = pcapscope::analyze::analyze_with(input, options)
                .with_context(|| format!("{}", file.display()))?;
            if let (Some(filter), Some(index)) = (&filter, analysis.engine.index()) {
                // Re-aggregate only the packets the filter keeps, as the page does.
                let selection = pcapscope::view::select(
                    index,
                    filter,
                    analysis.engine.decoder(),
                    options.limits,
                );
                analysis.snapshot = selection.stats.snapshot(None);
            }
            if json {
                let doc = pcapscope::report::stats_json(&analysis);
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                print!("{}", text::stats_table(&file, &analysis, top));
            }
            if let Some(e) = &analysis.error {
                eprintln!("pcapscope: {}: reading stopped: {e}", file.display());
                return Ok(ExitCode::from(EXIT_DAMAGED));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
