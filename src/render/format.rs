//! Numbers and times for people: thousands separators, binary sizes, decimal rates, durations
//! and times of day in a given UTC offset.
//!
//! Conventions (see DESIGN.md, "Look and feel"): sizes use binary units (`KiB`, `MiB`: powers
//! of 1,024), rates use decimal units (`kbit/s`, `Mbit/s`: powers of 1,000), counts carry a
//! comma every three digits, and every time of day is shown with its offset from UTC.

/// Nanoseconds in a microsecond.
pub const US: i64 = 1_000;
/// Nanoseconds in a millisecond.
pub const MS: i64 = 1_000_000;
/// Nanoseconds in a second.
pub const SEC: i64 = 1_000_000_000;
/// Nanoseconds in a minute.
pub const MIN: i64 = 60 * SEC;
/// Nanoseconds in an hour.
pub const HOUR: i64 = 60 * MIN;
/// Nanoseconds in a day.
pub const DAY: i64 = 24 * HOUR;

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    group(&n.to_string())
}

/// Like [`thousands`], for signed numbers: `-1234` → `"-1,234"`.
pub fn thousands_i(n: i64) -> String {
    if n < 0 {
        format!("-{}", group(&n.unsigned_abs().to_string()))
    } else {
        group(&n.to_string())
    }
}

/// Puts a comma every three digits of a string of digits.
fn group(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `v` with exactly `decimals` decimals and thousands separators: `(1234.5, 1)` →
/// `"1,234.5"`. Non-finite values print as `"–"`.
pub fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    // "-0.0" reads as a glitch; a value that rounds to zero prints unsigned.
    let negative = v < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group(int));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// `v` for reading: three significant digits (whole numbers keep all their digits), trailing
/// zeros dropped, thousands separators: `1.2`, `12.3`, `123`, `1,234`, `0.05`.
pub fn decimal(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let a = v.abs();
    // Decide the decimals after rounding, so 9.996 prints as "10", not "10.00".
    let decimals = if a >= 99.95 {
        0
    } else if a >= 9.995 {
        1
    } else {
        2
    };
    trim_zeros(fixed(v, decimals))
}

fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0').trim_end_matches('.');
    t.to_string()
}

/// A binary unit for sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteUnit {
    /// Bytes.
    B,
    /// 1,024 bytes.
    KiB,
    /// 1,024² bytes.
    MiB,
    /// 1,024³ bytes.
    GiB,
    /// 1,024⁴ bytes.
    TiB,
    /// 1,024⁵ bytes.
    PiB,
}

impl ByteUnit {
    const ALL: [ByteUnit; 6] = [
        ByteUnit::B,
        ByteUnit::KiB,
        ByteUnit::MiB,
        ByteUnit::GiB,
        ByteUnit::TiB,
        ByteUnit::PiB,
    ];

    /// Bytes in one unit.
    pub fn factor(self) -> f64 {
        1024f64.powi(self as i32)
    }

    /// Symbol (`"MiB"`).
    pub fn symbol(self) -> &'static str {
        match self {
            ByteUnit::B => "B",
            ByteUnit::KiB => "KiB",
            ByteUnit::MiB => "MiB",
            ByteUnit::GiB => "GiB",
            ByteUnit::TiB => "TiB",
            ByteUnit::PiB => "PiB",
        }
    }

    /// The largest unit in which `bytes` is at least 1.
    pub fn for_value(bytes: f64) -> ByteUnit {
        let mut unit = ByteUnit::B;
        for u in ByteUnit::ALL {
            if bytes >= u.factor() {
                unit = u;
            }
        }
        unit
    }
}

/// A size in binary units: `"512 B"`, `"1.2 KiB"`, `"12.3 MiB"`, `"1,023 B"`.
pub fn bytes(n: u64) -> String {
    let unit = ByteUnit::for_value(n as f64);
    if unit == ByteUnit::B {
        return format!("{} B", thousands(n));
    }
    format!("{} {}", decimal(n as f64 / unit.factor()), unit.symbol())
}

/// A decimal unit for bit rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// Bits per second.
    Bps,
    /// 1,000 bit/s.
    Kbps,
    /// 1,000² bit/s.
    Mbps,
    /// 1,000³ bit/s.
    Gbps,
    /// 1,000⁴ bit/s.
    Tbps,
}

impl RateUnit {
    const ALL: [RateUnit; 5] = [
        RateUnit::Bps,
        RateUnit::Kbps,
        RateUnit::Mbps,
        RateUnit::Gbps,
        RateUnit::Tbps,
    ];

    /// Bits per second in one unit.
    pub fn factor(self) -> f64 {
        1000f64.powi(self as i32)
    }

    /// Symbol (`"Mbit/s"`).
    pub fn symbol(self) -> &'static str {
        match self {
            RateUnit::Bps => "bit/s",
            RateUnit::Kbps => "kbit/s",
            RateUnit::Mbps => "Mbit/s",
            RateUnit::Gbps => "Gbit/s",
            RateUnit::Tbps => "Tbit/s",
        }
    }

    /// The largest unit in which `bps` is at least 1.
    pub fn for_value(bps: f64) -> RateUnit {
        let mut unit = RateUnit::Bps;
        for u in RateUnit::ALL {
            if bps >= u.factor() {
                unit = u;
            }
        }
        unit
    }
}

/// A bit rate in decimal units: `"950 bit/s"`, `"3.4 Mbit/s"`.
pub fn bit_rate(bps: f64) -> String {
    let unit = RateUnit::for_value(bps);
    format!("{} {}", decimal(bps / unit.factor()), unit.symbol())
}

/// Bits per second of `bytes` spread over `ns` nanoseconds (0 when `ns` is not positive).
pub fn bits_per_second(bytes: u64, ns: i64) -> f64 {
    if ns <= 0 {
        return 0.0;
    }
    bytes as f64 * 8.0 / (ns as f64 / SEC as f64)
}

/// A duration for reading: `"850 µs"`, `"12.3 ms"`, `"4.56 s"`, `"2 min 05 s"`, `"3 h 12 min"`,
/// `"2 d 4 h"`.
pub fn duration(ns: i64) -> String {
    if ns < 0 {
        return format!("-{}", duration(ns.saturating_neg()));
    }
    if ns == 0 {
        return "0 s".to_string();
    }
    let f = ns as f64;
    if ns < US {
        format!("{ns} ns")
    } else if ns < MS {
        format!("{} µs", decimal(f / US as f64))
    } else if ns < SEC {
        format!("{} ms", decimal(f / MS as f64))
    } else if ns < MIN {
        format!("{} s", decimal(f / SEC as f64))
    } else if ns < HOUR {
        format!("{} min {:02} s", ns / MIN, (ns % MIN) / SEC)
    } else if ns < DAY {
        format!("{} h {:02} min", ns / HOUR, (ns % HOUR) / MIN)
    } else {
        format!("{} d {} h", thousands_i(ns / DAY), (ns % DAY) / HOUR)
    }
}

/// A round width, as an axis says it: `"100 ms"`, `"1 s"`, `"10 min"`, `"7 d"`.
pub fn width(ns: i64) -> String {
    for (unit, name) in [
        (DAY, "d"),
        (HOUR, "h"),
        (MIN, "min"),
        (SEC, "s"),
        (MS, "ms"),
        (US, "µs"),
    ] {
        if ns >= unit && ns % unit == 0 {
            return format!("{} {name}", thousands_i(ns / unit));
        }
    }
    duration(ns)
}

/// The offset's name: `"UTC"`, `"UTC+02:00"`, `"UTC-05:30"`.
pub fn tz_label(offset_s: i32) -> String {
    if offset_s == 0 {
        return "UTC".to_string();
    }
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

/// A moment split into calendar fields (proleptic Gregorian calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month, 1-12.
    pub month: u32,
    /// Day of the month, 1-31.
    pub day: u32,
    /// Hour, 0-23.
    pub hour: u32,
    /// Minute, 0-59.
    pub minute: u32,
    /// Second, 0-59.
    pub second: u32,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Civil {
    /// The calendar fields of `ts_ns` (ns since the Unix epoch) at `offset_s` from UTC.
    pub fn new(ts_ns: i64, offset_s: i32) -> Civil {
        let local = i128::from(ts_ns) + i128::from(offset_s) * i128::from(SEC);
        let day_ns = i128::from(DAY);
        let days = local.div_euclid(day_ns) as i64;
        let in_day = local.rem_euclid(day_ns) as i64;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (in_day / HOUR) as u32,
            minute: ((in_day % HOUR) / MIN) as u32,
            second: ((in_day % MIN) / SEC) as u32,
            nanos: (in_day % SEC) as u32,
        }
    }
}

/// Year, month, day of a day number since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (the inverse of
/// [`Civil::new`]'s date part).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let m = i64::from(month.clamp(1, 12));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// How finely a time of day is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimePrecision {
    /// `HH:MM`.
    Minutes,
    /// `HH:MM:SS`.
    Seconds,
    /// `HH:MM:SS.mmm`.
    Millis,
    /// `HH:MM:SS.uuuuuu`.
    Micros,
}

impl TimePrecision {
    /// The precision that shows a difference of `step_ns` (a tick step or bucket width).
    pub fn for_step(step_ns: i64) -> TimePrecision {
        if step_ns % MS != 0 {
            TimePrecision::Micros
        } else if step_ns % SEC != 0 {
            TimePrecision::Millis
        } else {
            TimePrecision::Seconds
        }
    }
}

/// A time difference in seconds with six decimals, as Wireshark's Time column shows it
/// (`"0.000000"`, `"12.345678"`, `"-0.000100"`); exact (integer arithmetic), truncated to the
/// microsecond.
pub fn seconds_fixed(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!(
        "{sign}{}.{:06}",
        a / 1_000_000_000,
        (a % 1_000_000_000) / 1_000
    )
}

/// Time of day at `offset_s` from UTC: `"12:00:01"`, `"12:00:01.200"`.
pub fn time_of_day(ts_ns: i64, offset_s: i32, precision: TimePrecision) -> String {
    let c = Civil::new(ts_ns, offset_s);
    match precision {
        TimePrecision::Minutes => format!("{:02}:{:02}", c.hour, c.minute),
        TimePrecision::Seconds => format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second),
        TimePrecision::Millis => {
            format!(
                "{:02}:{:02}:{:02}.{:03}",
                c.hour,
                c.minute,
                c.second,
                c.nanos / 1_000_000
            )
        }
        TimePrecision::Micros => {
            format!(
                "{:02}:{:02}:{:02}.{:06}",
                c.hour,
                c.minute,
                c.second,
                c.nanos / 1_000
            )
        }
    }
}

/// Date at `offset_s` from UTC: `"2010-04-07"`.
pub fn date(ts_ns: i64, offset_s: i32) -> String {
    let c = Civil::new(ts_ns, offset_s);
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// Month and day at `offset_s` from UTC: `"04-07"`.
pub fn month_day(ts_ns: i64, offset_s: i32) -> String {
    let c = Civil::new(ts_ns, offset_s);
    format!("{:02}-{:02}", c.month, c.day)
}

/// Date and time of day to the millisecond: `"2010-04-07 12:00:01.250"`.
pub fn date_time(ts_ns: i64, offset_s: i32) -> String {
    date_time_with(ts_ns, offset_s, TimePrecision::Millis)
}

/// Date and time of day at a chosen precision: `"2010-04-07 12:00:01"`.
pub fn date_time_with(ts_ns: i64, offset_s: i32, precision: TimePrecision) -> String {
    format!(
        "{} {}",
        date(ts_ns, offset_s),
        time_of_day(ts_ns, offset_s, precision)
    )
}

/// `part` as a percentage of `whole`: `"97.1 %"`, `"< 0.1 %"`, `"100 %"`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0 %".to_string();
    }
    if part == whole {
        return "100 %".to_string();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if part > 0 && p < 0.1 {
        return "< 0.1 %".to_string();
    }
    format!("{} %", fixed(p, 1))
}

/// A link type (`LINKTYPE_*` number) as people call it: `"Ethernet"`, `"Linux cooked (SLL)"`,
/// `"LINKTYPE 147"` for one without a name here.
pub fn link_type_name(link_type: u32) -> String {
    let name = match link_type {
        0 => "BSD loopback",
        1 => "Ethernet",
        6 => "Token Ring",
        9 => "PPP",
        10 => "FDDI",
        50 => "PPP in HDLC",
        51 => "PPPoE",
        101 => "raw IP",
        104 => "Cisco HDLC",
        105 => "802.11",
        108 => "OpenBSD loopback",
        113 => "Linux cooked (SLL)",
        119 => "802.11 Prism",
        127 => "802.11 radiotap",
        143 => "DOCSIS",
        163 => "802.11 AVS",
        192 => "PPI",
        195 => "802.15.4",
        220 => "USB (Linux)",
        228 => "raw IPv4",
        229 => "raw IPv6",
        239 => "NFLOG",
        276 => "Linux cooked v2 (SLL2)",
        _ => return format!("LINKTYPE {link_type}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_fixed_is_exact_to_the_microsecond() {
        assert_eq!(seconds_fixed(0), "0.000000");
        assert_eq!(seconds_fixed(12_345_678_999), "12.345678");
        assert_eq!(seconds_fixed(-100_000), "-0.000100");
        assert_eq!(seconds_fixed(i64::MIN), "-9223372036.854775");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(thousands_i(-1_234), "-1,234");
        assert_eq!(thousands_i(i64::MIN), "-9,223,372,036,854,775,808");
        assert_eq!(fixed(1234.56, 1), "1,234.6");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(fixed(-1500.0, 0), "-1,500");
        assert_eq!(fixed(f64::NAN, 1), "–");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(decimal(1.2), "1.2");
        assert_eq!(decimal(1.0), "1");
        assert_eq!(decimal(12.34), "12.3");
        assert_eq!(decimal(9.996), "10");
        assert_eq!(decimal(99.96), "100");
        assert_eq!(decimal(1023.4), "1,023");
        assert_eq!(decimal(0.126), "0.13");
    }

    #[test]
    fn binary_sizes() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1,023 B");
        assert_eq!(bytes(1024), "1 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(652_181), "637 KiB");
        assert_eq!(bytes(1_258_291), "1.2 MiB");
        assert_eq!(bytes(5 << 30), "5 GiB");
        assert_eq!(bytes(u64::MAX), "16,384 PiB");
        assert_eq!(ByteUnit::for_value(1_048_576.0), ByteUnit::MiB);
        assert_eq!(ByteUnit::for_value(0.0), ByteUnit::B);
    }

    #[test]
    fn decimal_rates() {
        assert_eq!(bit_rate(0.0), "0 bit/s");
        assert_eq!(bit_rate(950.0), "950 bit/s");
        assert_eq!(bit_rate(3_400.0), "3.4 kbit/s");
        assert_eq!(bit_rate(3_400_000.0), "3.4 Mbit/s");
        assert_eq!(bit_rate(12_500_000_000.0), "12.5 Gbit/s");
        assert_eq!(bits_per_second(1_000, 100 * MS), 80_000.0);
        assert_eq!(bits_per_second(1_000, 0), 0.0);
        assert_eq!(RateUnit::for_value(999_999.0), RateUnit::Kbps);
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(500), "500 ns");
        assert_eq!(duration(850 * US), "850 µs");
        assert_eq!(duration(12_300 * US), "12.3 ms");
        assert_eq!(duration(2_047_482 * US), "2.05 s");
        assert_eq!(duration(125 * SEC), "2 min 05 s");
        assert_eq!(duration(3 * HOUR + 12 * MIN), "3 h 12 min");
        assert_eq!(duration(2 * DAY + 4 * HOUR), "2 d 4 h");
        assert_eq!(duration(-SEC), "-1 s");
        assert_eq!(width(100 * MS), "100 ms");
        assert_eq!(width(SEC), "1 s");
        assert_eq!(width(2 * MIN), "2 min");
        assert_eq!(width(7 * DAY), "7 d");
    }

    #[test]
    fn times_of_day_with_offset() {
        // 2010-04-07 18:49:29.782934 UTC (the http_espn capture's first frame).
        let t = 1_270_666_169_782_934_000;
        assert_eq!(tz_label(0), "UTC");
        assert_eq!(tz_label(7200), "UTC+02:00");
        assert_eq!(tz_label(-19_800), "UTC-05:30");
        assert_eq!(time_of_day(t, 0, TimePrecision::Seconds), "18:49:29");
        assert_eq!(time_of_day(t, 7200, TimePrecision::Millis), "20:49:29.782");
        assert_eq!(
            time_of_day(t, 7200, TimePrecision::Micros),
            "20:49:29.782934"
        );
        assert_eq!(time_of_day(t, -19 * 3600, TimePrecision::Minutes), "23:49");
        assert_eq!(date(t, 0), "2010-04-07");
        assert_eq!(date(t, 6 * 3600), "2010-04-08");
        assert_eq!(date(t, -19 * 3600), "2010-04-06");
        assert_eq!(
            date_time_with(0, 0, TimePrecision::Seconds),
            "1970-01-01 00:00:00"
        );
        assert_eq!(date_time(-1, 0), "1969-12-31 23:59:59.999");
        assert_eq!(date(951_782_400 * SEC, 0), "2000-02-29");
        assert_eq!(month_day(t, 0), "04-07");
        for days in [-100_000i64, -1, 0, 1, 11_057, 14_706, 100_000] {
            let c = Civil::new(days * DAY, 0);
            assert_eq!(days_from_civil(c.year, c.month, c.day), days);
        }
        // Extremes do not panic.
        let _ = date_time_with(i64::MIN, i32::MIN, TimePrecision::Micros);
        let _ = date_time_with(i64::MAX, i32::MAX, TimePrecision::Micros);
        assert_eq!(TimePrecision::for_step(100 * MS), TimePrecision::Millis);
        assert_eq!(TimePrecision::for_step(10 * SEC), TimePrecision::Seconds);
    }

    #[test]
    fn link_types() {
        assert_eq!(link_type_name(1), "Ethernet");
        assert_eq!(link_type_name(276), "Linux cooked v2 (SLL2)");
        assert_eq!(link_type_name(147), "LINKTYPE 147");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(percent(3, 3), "100 %");
        assert_eq!(percent(1, 100_000), "< 0.1 %");
        assert_eq!(percent(0, 0), "0 %");
    }
}
