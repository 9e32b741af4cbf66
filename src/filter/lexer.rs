//! Filter text to tokens, each with the column (1-based, in characters) where it starts.

use super::FilterError;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// A run of letters, digits and `_ . : - /`: a name, a keyword or an unquoted value
    /// (`ip.src`, `and`, `10.0.0.0/8`, `fe80::1`, `00:11:22:33:44:55`).
    Word(&'a str),
    /// A quoted string, escapes decoded.
    Str(Box<[u8]>),
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `===`
    AllEq,
    /// `!==` or `~=`
    AnyNe,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
    /// `!`
    Bang,
    /// `&` (bitwise and)
    Amp,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `..`
    DotDot,
    /// `~` (Wireshark's `matches`, which is not supported; kept to say so)
    Tilde,
}

impl Tok<'_> {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        let s = match self {
            Tok::Word(w) => return format!("'{w}'"),
            Tok::Str(_) => return "quoted text".to_string(),
            Tok::Eq => "==",
            Tok::Ne => "!=",
            Tok::AllEq => "===",
            Tok::AnyNe => "~=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Bang => "!",
            Tok::Amp => "&",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::Comma => ",",
            Tok::DotDot => "..",
            Tok::Tilde => "~",
        };
        format!("'{s}'")
    }
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    /// Column of the first character, from 1.
    pub col: usize,
}

fn word_start(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-')
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.' | '/')
}

/// Splits `text` into tokens.
pub(crate) fn lex(text: &str) -> Result<Vec<Token<'_>>, FilterError> {
    let mut out = Vec::new();
    // (byte offset, char) with the column of each char computed as we go.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while let Some(&(start, c)) = chars.get(i) {
        let col = i + 1;
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let next2 = chars.get(i + 2).map(|&(_, c)| c);
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            c if word_start(c) => {
                let mut j = i;
                while let Some(&(_, c)) = chars.get(j) {
                    let dotdot = c == '.' && chars.get(j + 1).map(|&(_, c)| c) == Some('.');
                    if !word_char(c) || dotdot {
                        break;
                    }
                    j += 1;
                }
                let end = chars.get(j).map_or(text.len(), |&(b, _)| b);
                (Tok::Word(text.get(start..end).unwrap_or_default()), j - i)
            }
            '"' => {
                let (bytes, len) = string(&chars, i)?;
                (Tok::Str(bytes), len)
            }
            '=' if next == Some('=') && next2 == Some('=') => (Tok::AllEq, 3),
            '=' if next == Some('=') => (Tok::Eq, 2),
            '!' if next == Some('=') && next2 == Some('=') => (Tok::AnyNe, 3),
            '!' if next == Some('=') => (Tok::Ne, 2),
            '!' => (Tok::Bang, 1),
            '~' if next == Some('=') => (Tok::AnyNe, 2),
            '~' => (Tok::Tilde, 1),
            '<' if next == Some('=') => (Tok::Le, 2),
            '<' => (Tok::Lt, 1),
            '>' if next == Some('=') => (Tok::Ge, 2),
            '>' => (Tok::Gt, 1),
            '&' if next == Some('&') => (Tok::AndAnd, 2),
            '&' => (Tok::Amp, 1),
            '|' if next == Some('|') => (Tok::OrOr, 2),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '{' => (Tok::LBrace, 1),
            '}' => (Tok::RBrace, 1),
            ',' => (Tok::Comma, 1),
            '.' if next == Some('.') => (Tok::DotDot, 2),
            _ => return Err(FilterError::new(col, unexpected_char(c, next))),
        };
        out.push(Token { tok, col });
        i += len;
    }
    Ok(out)
}

fn unexpected_char(c: char, next: Option<char>) -> String {
    match c {
        '=' => "'=' is not an operator: compare with '=='".to_string(),
        '|' => "'|' is not an operator: use '||' or 'or'".to_string(),
        '\'' => "use double quotes around text (\"like this\")".to_string(),
        '[' => "slices ('[...]') are not supported".to_string(),
        '$' => "field references ('${...}') are not supported".to_string(),
        '+' | '*' | '%' | '^' => format!("'{c}' is not an operator in filters"),
        '.' if next.is_some_and(|n| n.is_ascii_digit()) => {
            "a number cannot start with '.': write 0.5, not .5".to_string()
        }
        c if c.is_control() => format!("unexpected control character U+{:04X}", u32::from(c)),
        c => format!("unexpected character '{c}'"),
    }
}

/// A quoted string starting at `chars[i]` (the opening quote): its bytes and its length in
/// characters, quotes included.
fn string(chars: &[(usize, char)], i: usize) -> Result<(Box<[u8]>, usize), FilterError> {
    let mut out = Vec::new();
    let mut j = i + 1;
    loop {
        let Some(&(_, c)) = chars.get(j) else {
            return Err(FilterError::new(
                i + 1,
                "this text has no closing quote".to_string(),
            ));
        };
        match c {
            '"' => return Ok((out.into_boxed_slice(), j + 1 - i)),
            '\\' => {
                let (bytes, len) = escape(chars, j)?;
                out.extend_from_slice(bytes.as_slice());
                j += len;
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                j += 1;
            }
        }
    }
}

/// Bytes of an escape sequence.
struct Escaped {
    buf: [u8; 4],
    len: usize,
}

impl Escaped {
    fn byte(b: u8) -> Self {
        Escaped {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }
    fn char(c: char) -> Self {
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len();
        Escaped { buf, len }
    }
    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The escape sequence at `chars[j]` (the backslash): its bytes and length in characters.
fn escape(chars: &[(usize, char)], j: usize) -> Result<(Escaped, usize), FilterError> {
    let col = j + 1;
    let at = |k: usize| chars.get(j + k).map(|&(_, c)| c);
    let Some(c) = at(1) else {
        return Err(FilterError::new(
            col,
            "this text has no closing quote".to_string(),
        ));
    };
    let simple = match c {
        '\\' => Some(b'\\'),
        '"' => Some(b'"'),
        '\'' => Some(b'\''),
        'a' => Some(0x07),
        'b' => Some(0x08),
        'f' => Some(0x0c),
        'n' => Some(b'\n'),
        'r' => Some(b'\r'),
        't' => Some(b'\t'),
        'v' => Some(0x0b),
        _ => None,
    };
    if let Some(b) = simple {
        return Ok((Escaped::byte(b), 2));
    }
    let digits = |n: usize, radix: u32| -> Option<u32> {
        let mut v: u32 = 0;
        for k in 0..n {
            v = v * radix + at(2 + k)?.to_digit(radix)?;
        }
        Some(v)
    };
    match c {
        'x' => match digits(2, 16) {
            Some(v) => Ok((Escaped::byte(v as u8), 4)),
            None => Err(FilterError::new(
                col,
                "'\\x' must be followed by two hex digits".to_string(),
            )),
        },
        '0'..='7' => {
            let v = (|| {
                let mut v = 0u32;
                for k in 0..3 {
                    v = v * 8 + at(1 + k)?.to_digit(8)?;
                }
                Some(v)
            })();
            match v.and_then(|v| u8::try_from(v).ok()) {
                Some(b) => Ok((Escaped::byte(b), 4)),
                None => Err(FilterError::new(
                    col,
                    "an octal escape is a backslash and three octal digits up to \\377".to_string(),
                )),
            }
        }
        'u' | 'U' => {
            let n = if c == 'u' { 4 } else { 8 };
            match digits(n, 16).and_then(char::from_u32) {
                Some(ch) => Ok((Escaped::char(ch), 2 + n)),
                None => Err(FilterError::new(
                    col,
                    format!("'\\{c}' must be followed by {n} hex digits of a Unicode character"),
                )),
            }
        }
        c => Err(FilterError::new(col, format!("unknown escape '\\{c}'"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_and_operators() {
        assert_eq!(
            toks("ip.addr==10.0.0.0/8&&!tcp"),
            [
                Tok::Word("ip.addr"),
                Tok::Eq,
                Tok::Word("10.0.0.0/8"),
                Tok::AndAnd,
                Tok::Bang,
                Tok::Word("tcp")
            ]
        );
        assert_eq!(
            toks("{80, 8000..8080}"),
            [
                Tok::LBrace,
                Tok::Word("80"),
                Tok::Comma,
                Tok::Word("8000"),
                Tok::DotDot,
                Tok::Word("8080"),
                Tok::RBrace
            ]
        );
        assert_eq!(
            toks("::1 fe80::1/64"),
            [Tok::Word("::1"), Tok::Word("fe80::1/64")]
        );
        assert_eq!(
            toks("=== !== ~= != <= >= < > & ~"),
            [
                Tok::AllEq,
                Tok::AnyNe,
                Tok::AnyNe,
                Tok::Ne,
                Tok::Le,
                Tok::Ge,
                Tok::Lt,
                Tok::Gt,
                Tok::Amp,
                Tok::Tilde
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let t = lex("\"é\" == x").unwrap();
        assert_eq!(t[1].col, 5);
        assert_eq!(t[2].col, 8);
    }

    #[test]
    fn strings() {
        assert_eq!(
            toks(r#""a\"b\\c\x41\101\n\u00e9""#),
            [Tok::Str(b"a\"b\\cAA\n\xc3\xa9".to_vec().into_boxed_slice())]
        );
        assert_eq!(
            lex("x == \"abc").unwrap_err(),
            FilterError::new(6, "this text has no closing quote".into())
        );
        assert_eq!(
            lex(r#""\q""#).unwrap_err(),
            FilterError::new(2, "unknown escape '\\q'".into())
        );
        assert_eq!(lex(r#""\400""#).unwrap_err().column, 2);
        assert_eq!(lex(r#""\x4""#).unwrap_err().column, 2);
    }

    #[test]
    fn bad_characters() {
        assert_eq!(
            lex("tcp.port = 80").unwrap_err(),
            FilterError::new(10, "'=' is not an operator: compare with '=='".into())
        );
        assert_eq!(lex("a | b").unwrap_err().column, 3);
        assert_eq!(lex("x == 'a'").unwrap_err().column, 6);
        assert_eq!(lex(".5").unwrap_err().column, 1);
    }
}
