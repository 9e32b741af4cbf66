//! Editing filter text the way the page's controls do: adding a term from a clicked bar,
//! setting or replacing the time window of a timeline drag. The result stays text the person
//! can read and edit in the filter box.

/// The time-window term a drag across the timeline writes, for seconds `a..=b` relative to
/// the first packet. Nine decimals keep nanoseconds.
pub fn time_window(a_s: f64, b_s: f64) -> String {
    let (lo, hi) = if a_s <= b_s { (a_s, b_s) } else { (b_s, a_s) };
    format!(
        "frame.time_relative >= {} && frame.time_relative <= {}",
        seconds(lo),
        seconds(hi)
    )
}

/// Seconds as the shortest decimal with at most nine places (`1.5`, `0.000001`, `12`).
fn seconds(s: f64) -> String {
    let s = if s.is_finite() { s.max(0.0) } else { 0.0 };
    let t = format!("{s:.9}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    t.to_string()
}

/// `text` with `term` added: `term` alone when `text` is blank, `text` unchanged when it
/// already holds `term` as one of its top-level `&&` parts, else `(text) && term` (text
/// wrapped in parentheses only when it has an `||` or `or` that would otherwise bind
/// differently).
pub fn and_term(text: &str, term: &str) -> String {
    let text = text.trim();
    let term = term.trim();
    if text.is_empty() {
        return term.to_string();
    }
    if term.is_empty() || top_level_parts(text).iter().any(|p| p.trim() == term) {
        return text.to_string();
    }
    if has_top_level_or(text) {
        format!("({text}) && {term}")
    } else {
        format!("{text} && {term}")
    }
}

/// `text` with its time window (as [`time_window`] writes it) replaced by `window`, or added
/// when it has none. `window` empty removes the time window.
pub fn set_time_window(text: &str, window: &str) -> String {
    let without = remove_time_window(text);
    if window.is_empty() {
        without
    } else {
        and_term(&without, window)
    }
}

/// `text` without the time window [`time_window`] writes (both bounds, top level only).
pub fn remove_time_window(text: &str) -> String {
    let parts = top_level_parts(text.trim());
    if parts.len() <= 1 && has_top_level_or(text) {
        return text.trim().to_string();
    }
    let kept: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !is_time_bound(p))
        .collect();
    let joined = kept.join(" && ");
    // A text that was `(a || b) && window` gets its parentheses back off.
    if kept.len() == 1 {
        if let Some(inner) = joined.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
            if balanced(inner) {
                return inner.trim().to_string();
            }
        }
    }
    joined
}

fn is_time_bound(p: &str) -> bool {
    let p: String = p.split_whitespace().collect::<Vec<_>>().join(" ");
    ["frame.time_relative >= ", "frame.time_relative <= "]
        .iter()
        .any(|pre| {
            p.strip_prefix(pre)
                .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        })
}

/// Whether parentheses in `s` (outside quotes) balance without going negative.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Splits `text` at its top-level `&&` / `and` (outside parentheses, braces and quotes).
fn top_level_parts(text: &str) -> Vec<&str> {
    split_top_level(text, &["&&", "and"])
}

fn has_top_level_or(text: &str) -> bool {
    split_top_level(text, &["||", "or"]).len() > 1
}

fn split_top_level<'a>(text: &'a str, ops: &[&str]) -> Vec<&'a str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut escaped = false;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(0);
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => quoted = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => quoted = true,
            b'(' | b'{' => depth += 1,
            b')' | b'}' => depth -= 1,
            _ if depth == 0 => {
                for op in ops {
                    let word = op.chars().all(|ch| ch.is_ascii_alphabetic());
                    let rest = bytes.get(i..).unwrap_or(&[]);
                    if !rest.starts_with(op.as_bytes()) {
                        continue;
                    }
                    if word {
                        // A keyword needs spaces (or parentheses) around it.
                        let before = i
                            .checked_sub(1)
                            .and_then(|j| bytes.get(j))
                            .is_none_or(|b| b.is_ascii_whitespace() || *b == b')');
                        let after = bytes
                            .get(i + op.len())
                            .is_none_or(|b| b.is_ascii_whitespace() || *b == b'(');
                        if !(before && after) {
                            continue;
                        }
                    }
                    parts.push(text.get(start..i).unwrap_or(""));
                    i += op.len();
                    start = i;
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(text.get(start..).unwrap_or(""));
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::filter::compile;

    #[test]
    fn terms_are_added_once_and_or_is_wrapped() {
        assert_eq!(and_term("", "tcp"), "tcp");
        assert_eq!(
            and_term("tcp", "ip.src == 10.0.0.1"),
            "tcp && ip.src == 10.0.0.1"
        );
        assert_eq!(
            and_term("tcp && ip.src == 10.0.0.1", "ip.src == 10.0.0.1"),
            "tcp && ip.src == 10.0.0.1"
        );
        assert_eq!(and_term("dns || arp", "udp"), "(dns || arp) && udp");
        assert_eq!(and_term("dns or arp", "udp"), "(dns or arp) && udp");
        // Inside quotes, braces and parentheses nothing splits.
        assert_eq!(
            and_term("dns.qry.name == \"a || b\"", "udp"),
            "dns.qry.name == \"a || b\" && udp"
        );
        assert_eq!(and_term("(dns || arp)", "udp"), "(dns || arp) && udp");
        // "portland" is not "or".
        assert_eq!(
            and_term("http.host contains \"portland\"", "tcp"),
            "http.host contains \"portland\" && tcp"
        );
    }

    #[test]
    fn the_time_window_is_replaced_not_stacked() {
        let w1 = time_window(1.5, 0.25);
        assert_eq!(
            w1,
            "frame.time_relative >= 0.25 && frame.time_relative <= 1.5"
        );
        let t = set_time_window("tcp", &w1);
        assert_eq!(t, format!("tcp && {w1}"));
        let w2 = time_window(2.0, 3.000000001);
        let t2 = set_time_window(&t, &w2);
        assert_eq!(t2, format!("tcp && {w2}"));
        assert_eq!(set_time_window(&t2, ""), "tcp");
        assert_eq!(set_time_window("", &w2), w2);
        let t3 = set_time_window("dns || arp", &w1);
        assert_eq!(t3, format!("(dns || arp) && {w1}"));
        assert_eq!(set_time_window(&t3, ""), "dns || arp");
        // Every result compiles.
        for s in [&t, &t2, &t3] {
            compile(s).unwrap();
        }
        assert_eq!(seconds(12.0), "12");
        assert_eq!(seconds(0.000001), "0.000001");
        assert_eq!(seconds(f64::NAN), "0");
    }
}
