//! CSV for the tables under the views (RFC 4180: comma-separated, CRLF line ends, fields with
//! a comma, a quote or a line break quoted, quotes doubled).
//!
//! A field that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) gets a leading apostrophe, unless it is a plain number: names such as
//! TLS server names come from packets.

/// A CSV document being written.
#[derive(Debug, Clone)]
pub struct Csv {
    out: String,
}

impl Csv {
    /// A document with this header line.
    pub fn new(header: &[&str]) -> Csv {
        let mut c = Csv { out: String::new() };
        c.line(header.iter().copied());
        c
    }

    /// Appends one line.
    pub fn row(&mut self, fields: &[String]) {
        self.line(fields.iter().map(String::as_str));
    }

    fn line<'a>(&mut self, fields: impl Iterator<Item = &'a str>) {
        for (i, f) in fields.enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&field(f));
        }
        self.out.push_str("\r\n");
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// One field, quoted and defused as needed.
pub fn field(f: &str) -> String {
    let numeric = !f.is_empty() && f.parse::<f64>().is_ok();
    let risky = !numeric && f.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let f = if risky {
        format!("'{f}")
    } else {
        f.to_string()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(&["1,2".to_string(), "say \"hi\"".to_string()]);
        c.row(&["=cmd()".to_string(), "-5".to_string()]);
        c.row(&["fe80::1".to_string(), String::new()]);
        assert_eq!(
            c.finish(),
            "a,b\r\n\"1,2\",\"say \"\"hi\"\"\"\r\n'=cmd(),-5\r\nfe80::1,\r\n"
        );
    }
}
