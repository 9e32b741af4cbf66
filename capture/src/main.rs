//! `pcapscope`: capture traffic into pcapng/pcap files (and live into the page), and print or
//! draw a capture's statistics natively.
//!
//! This file parses arguments into a configuration and calls the modules; nothing more.

mod conditions;
mod files;
mod live;
mod privileges;
mod report;
mod signals;
mod sniff;
mod text;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "pcapscope",
    version,
    about = "Capture traffic into pcapng files, and capture statistics natively"
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
    /// Capture packets from a network interface into pcapng (or pcap) files, as dumpcap does.
    ///
    /// Needs root (`sudo`) or a binary given `cap_net_raw,cap_net_admin=eip` by setcap. Once
    /// the interface is open it drops every privilege: to the sudo user or `-Z USER` when
    /// started as root. Files are written as NAME.part (mode 0600), flushed every half
    /// second, and renamed to NAME when complete. Exit status: 0 = stopped as asked; 1 = a
    /// write or read error ended it (what was written is kept); 2 = it could not start.
    Capture(Box<CaptureArgs>),
    /// Draw a capture's charts (the page's, through the same functions) into SVG and PNG files,
    /// with the summary JSON of `stats --json`.
    ///
    /// Exit status as for `stats`.
    Report(report::ReportConfig),
}

/// `pcapscope capture` options (dumpcap's letters where it has them).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    sudo pcapscope capture -i eth0 -w out.pcapng -a duration:60\n  \
    pcapscope capture -i eth0 -w ring.pcapng -b filesize:10000 -b files:5 'tcp port 443'\n  \
    pcapscope capture -i lo --live")]
struct CaptureArgs {
    /// The interface to capture on (see --list-interfaces).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    interface: Option<String>,
    /// List the interfaces libpcap can capture on, and exit.
    #[arg(short = 'D', long = "list-interfaces")]
    list_interfaces: bool,
    /// Capture filter in libpcap's BPF syntax (as tcpdump's), e.g. 'tcp port 443'; may also
    /// be given as the trailing words of the command.
    #[arg(short = 'f', long = "capture-filter", value_name = "BPF")]
    filter: Option<String>,
    /// The capture filter, as trailing words (`pcapscope capture -i eth0 udp port 53`).
    #[arg(value_name = "BPF", conflicts_with = "filter")]
    filter_words: Vec<String>,
    /// Snap length: bytes kept of each packet.
    #[arg(short = 's', long = "snaplen", default_value_t = 262_144)]
    snaplen: u32,
    /// Do not put the interface in promiscuous mode.
    #[arg(short = 'p', long = "no-promiscuous")]
    no_promiscuous: bool,
    /// Stop after this many packets.
    #[arg(short = 'c', long = "count", value_name = "COUNT")]
    count: Option<u64>,
    /// Stop condition: duration:SECS, filesize:KB, files:N, packets:N (kB = 1000 bytes).
    #[arg(short = 'a', long = "autostop", value_name = "KEY:VALUE")]
    autostop: Vec<String>,
    /// Ring buffer: switch files at filesize:KB, duration:SECS or packets:N; keep files:N.
    /// Files are then named FILE's stem _NNNNN_YYYYMMDDhhmmss FILE's extension.
    #[arg(short = 'b', long = "ring-buffer", value_name = "KEY:VALUE")]
    ring: Vec<String>,
    /// The file to write.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    write: Option<PathBuf>,
    /// File format.
    #[arg(short = 'F', long = "format", value_enum, default_value_t = OutFormat::Pcapng)]
    format: OutFormat,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
    /// When started as root, run as this user once the interface is open (default: the user
    /// who ran sudo).
    #[arg(short = 'Z', long = "user", value_name = "USER")]
    user: Option<String>,
    /// No progress lines (the summary is still printed).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Serve the page on 127.0.0.1 and stream the capture to it (see README, "Capturing").
    #[arg(long)]
    live: bool,
    /// Port of the live view (0: any free port).
    #[arg(long, default_value_t = 0, requires = "live")]
    port: u16,
    /// The built site to serve in the live view (default: the one embedded, else ./dist).
    #[arg(long, value_name = "DIR", requires = "live")]
    dist: Option<PathBuf>,
    /// Print the privilege lines of /proc/self/status once privileges are dropped (for tests).
    #[arg(long, hide = true)]
    print_privileges: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum OutFormat {
    Pcapng,
    Pcap,
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
            let analysis = report::analyze_file(&file, filter.as_deref())?;
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
        Command::Report(cfg) => {
            let done = report::run(&cfg)?;
            for w in &done.warnings {
                eprintln!("pcapscope: warning: {w}");
            }
            eprintln!(
                "pcapscope: wrote {} files into {}",
                done.written.len(),
                cfg.out.display()
            );
            if let Some(e) = &done.damage {
                eprintln!("pcapscope: {}: reading stopped: {e}", cfg.file.display());
                return Ok(ExitCode::from(EXIT_DAMAGED));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Capture(args) => capture(*args),
    }
}

fn capture(args: CaptureArgs) -> anyhow::Result<ExitCode> {
    if args.list_interfaces {
        print!("{}", sniff::list_interfaces()?);
        return Ok(ExitCode::SUCCESS);
    }
    let interface = args
        .interface
        .ok_or_else(|| anyhow::anyhow!("give an interface with -i (see --list-interfaces)"))?;
    let mut autostop = conditions::Autostop::default();
    for a in &args.autostop {
        autostop.add(a).map_err(anyhow::Error::msg)?;
    }
    if let Some(c) = args.count {
        autostop.packets = Some(c);
    }
    let mut ring = conditions::Ring::default();
    for b in &args.ring {
        ring.add(b).map_err(anyhow::Error::msg)?;
    }
    let filter = match (args.filter, args.filter_words.is_empty()) {
        (Some(f), _) => Some(f),
        (None, false) => Some(args.filter_words.join(" ")),
        (None, true) => None,
    };
    let format = match args.format {
        OutFormat::Pcapng => pcapscope::capture::Format::Pcapng,
        OutFormat::Pcap => pcapscope::capture::Format::Pcap,
    };
    let output = args.write.map(|path| files::OutputConfig {
        path,
        format,
        ring,
        force: args.force,
    });
    if output.is_none() && (ring.rotates() || ring.files.is_some()) {
        anyhow::bail!("-b needs -w FILE");
    }
    let cfg = sniff::CaptureConfig {
        interface,
        filter,
        snaplen: args.snaplen,
        promiscuous: !args.no_promiscuous,
        autostop,
        output,
        user: args.user,
        quiet: args.quiet,
        print_privileges: args.print_privileges,
        live: args.live.then_some(live::LiveConfig {
            port: args.port,
            dist: args.dist,
        }),
    };
    let (summary, failure) = sniff::run(cfg)?;
    eprint!("{}", sniff::summary_text(&summary));
    match failure {
        Some(e) => {
            eprintln!("pcapscope: {e:#}");
            Ok(ExitCode::from(EXIT_DAMAGED))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
