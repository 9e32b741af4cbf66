//! `pcapscope stats` and `pcapscope report`: the engine over a file, then numbers (stats) or
//! the page's charts drawn by the same functions into SVG and PNG (report).

use anyhow::{anyhow, Context};
use pcapscope::analyze::Analysis;
use pcapscope::render::{self, Chart, ChartOptions, Theme};
use plotters::prelude::{BitMapBackend, IntoDrawingArea};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The charts `report` draws, in page order. A chart added to the page's [`Chart`] enum (and
/// so to `Chart::ALL`) is drawn here too; one drawn by other means gets one line in
/// [`draw_svg`] and [`draw_png`].
pub const CHARTS: &[Chart] = Chart::ALL;

/// Reads and analyses a capture, keeping only the packets of a display filter when one is
/// given (as the page does: re-aggregation over the index).
pub fn analyze_file(file: &Path, filter: Option<&str>) -> anyhow::Result<Analysis> {
    // A filter that does not compile is an error before any reading.
    let filter = filter
        .map(|text| {
            pcapscope::filter::compile(text)
                .map_err(|e| anyhow!("invalid display filter {text:?}: {e}"))
        })
        .transpose()?;
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let input = std::io::BufReader::with_capacity(1 << 20, f);
    let options = pcapscope::analyze::Options {
        index: filter.is_some(),
        health: true,
        ..Default::default()
    };
    let mut analysis = pcapscope::analyze::analyze_with(input, options)
        .with_context(|| format!("{}", file.display()))?;
    if let (Some(filter), Some(index)) = (&filter, analysis.engine.index()) {
        let selection =
            pcapscope::view::select(index, filter, analysis.engine.decoder(), options.limits);
        analysis.snapshot = selection.stats.snapshot(None);
    }
    Ok(analysis)
}

/// What `report` was asked to do: the arguments of `pcapscope report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportConfig {
    /// The capture file.
    pub file: PathBuf,
    /// The directory to write into (created if needed; files in it are replaced).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Draw only the packets this display filter keeps (as `stats -Y`).
    #[arg(short = 'Y', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,
    /// Chart size in CSS pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "960x480", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Pixel density of the PNG files (2 = twice the size, for sharp text).
    #[arg(long, default_value_t = 2.0)]
    pub scale: f64,
    /// Dark theme instead of light.
    #[arg(long)]
    pub dark: bool,
    /// Show times in UTC instead of the local time zone.
    #[arg(long)]
    pub utc: bool,
    /// Rows in the ranked charts.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// A TrueType/OpenType font file for the PNG text (default: a system sans-serif font).
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{s:?}: expected WIDTHxHEIGHT, e.g. 960x480"))?;
    let n = |v: &str| -> Result<u32, String> {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (64..=8192).contains(n))
            .ok_or_else(|| format!("{v:?}: expected a size from 64 to 8192"))
    };
    Ok((n(w)?, n(h)?))
}

/// What `report` wrote.
#[derive(Debug, Default)]
pub struct ReportDone {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Things that did not work but did not stop the report (no font for PNG text).
    pub warnings: Vec<String>,
    /// Where reading stopped, for a damaged capture (the charts show what came before).
    pub damage: Option<String>,
}

/// The local time zone's offset from UTC now, in seconds.
pub fn local_offset_s() -> i32 {
    // SAFETY: time and localtime_r write only into their out-parameters.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff as i32
    }
}

/// Draws one chart as an SVG document.
pub fn draw_svg(
    chart: Chart,
    analysis: &Analysis,
    opts: &ChartOptions,
    size: (u32, u32),
) -> anyhow::Result<String> {
    let (doc, _) = render::svg(chart, &analysis.snapshot, opts, size)
        .map_err(|e| anyhow!("drawing {} as SVG: {e:?}", chart.name()))?;
    Ok(doc)
}

/// Draws one chart as a PNG of `size` CSS pixels times `opts.dpr`.
pub fn draw_png(
    chart: Chart,
    analysis: &Analysis,
    opts: &ChartOptions,
    size: (u32, u32),
) -> anyhow::Result<Vec<u8>> {
    let w = ((f64::from(size.0) * opts.dpr).round() as u32).max(1);
    let h = ((f64::from(size.1) * opts.dpr).round() as u32).max(1);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        render::draw(chart, &area, &analysis.snapshot, opts)
            .map_err(|e| anyhow!("drawing {} as PNG: {e:?}", chart.name()))?;
        area.present()
            .map_err(|e| anyhow!("drawing {} as PNG: {e:?}", chart.name()))?;
    }
    encode_png(&rgb, w, h)
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().context("PNG header")?;
        wr.write_image_data(rgb).context("PNG data")?;
        wr.finish().context("PNG end")?;
    }
    Ok(out)
}

/// Font files tried for PNG text, regular and bold, in order.
const FONT_CANDIDATES: &[(&str, &str)] = &[
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    ),
];

/// Registers a font for the bitmap backend under the charts' font family, once. Returns the
/// file used, or why there is none.
fn register_font(explicit: Option<&Path>) -> Result<PathBuf, String> {
    static DONE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let (regular, bold) = match explicit {
            Some(p) => (p.to_path_buf(), p.to_path_buf()),
            None => {
                let (r, b) = FONT_CANDIDATES
                    .iter()
                    .find(|(r, _)| Path::new(r).is_file())
                    .ok_or_else(|| {
                        "no system font found for the PNG text (install fonts-dejavu-core, or pass \
                         --font FILE); PNG files were not written"
                            .to_string()
                    })?;
                let b = if Path::new(b).is_file() { b } else { r };
                (PathBuf::from(r), PathBuf::from(b))
            }
        };
        for (path, style) in [
            (&regular, plotters::style::FontStyle::Normal),
            (&bold, plotters::style::FontStyle::Bold),
        ] {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("cannot read the font {}: {e}", path.display()))?;
            // The font table wants 'static data; a font or two per process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font(render::FONT_FAMILY, style, bytes)
                .map_err(|_| format!("{} is not a TrueType/OpenType font", path.display()))?;
        }
        Ok(regular)
    })
    .clone()
}

/// `pcapscope report`.
pub fn run(cfg: &ReportConfig) -> anyhow::Result<ReportDone> {
    let analysis = analyze_file(&cfg.file, cfg.filter.as_deref())?;
    std::fs::create_dir_all(&cfg.out)
        .with_context(|| format!("cannot create {}", cfg.out.display()))?;
    let mut done = ReportDone {
        damage: analysis.error.as_ref().map(|e| e.to_string()),
        ..Default::default()
    };
    let write = |name: &str, bytes: &[u8], done: &mut ReportDone| -> anyhow::Result<()> {
        let p = cfg.out.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
        done.written.push(p);
        Ok(())
    };
    let doc = pcapscope::report::stats_json(&analysis);
    write(
        "summary.json",
        format!("{}\n", serde_json::to_string_pretty(&doc)?).as_bytes(),
        &mut done,
    )?;

    let opts = ChartOptions {
        theme: if cfg.dark {
            Theme::dark()
        } else {
            Theme::light()
        },
        tz_offset_s: if cfg.utc { 0 } else { local_offset_s() },
        top_n: cfg.top.max(1),
        dpr: 1.0,
    };
    let mut text = crate::text::stats_table(&cfg.file, &analysis, cfg.top);
    for &chart in CHARTS {
        let svg = draw_svg(chart, &analysis, &opts, cfg.size)?;
        write(&format!("{}.svg", chart.name()), svg.as_bytes(), &mut done)?;
        text.push_str(&format!(
            "\n{}\n{}\n",
            chart.title(),
            render::text_alternative_with(chart, &analysis.snapshot, &opts)
        ));
    }
    match register_font(cfg.font.as_deref()) {
        Ok(_) => {
            let png_opts = ChartOptions {
                dpr: if cfg.scale.is_finite() {
                    cfg.scale.clamp(0.5, 4.0)
                } else {
                    1.0
                },
                ..opts
            };
            for &chart in CHARTS {
                let png = draw_png(chart, &analysis, &png_opts, cfg.size)?;
                write(&format!("{}.png", chart.name()), &png, &mut done)?;
            }
        }
        Err(why) => done.warnings.push(why),
    }
    write("summary.txt", text.as_bytes(), &mut done)?;
    Ok(done)
}
