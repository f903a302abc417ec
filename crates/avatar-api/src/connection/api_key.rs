//! The API key a user pastes, cleaned or refused with a sentence.

use std::fmt;

/// A key ready for the `Authorization` header, and what was removed from
/// the input to get it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CleanKey {
    /// The key (empty when nothing but removable characters was given).
    pub key: String,
    /// A `Bearer ` prefix was removed.
    pub bearer: bool,
    /// Quotes around the key were removed.
    pub quotes: bool,
    /// Spaces and tabs removed (anywhere).
    pub spaces: usize,
    /// Line breaks removed (anywhere).
    pub line_breaks: usize,
    /// Zero-width characters removed (U+200B–U+200D, U+2060, U+FEFF).
    pub invisible: usize,
}

impl CleanKey {
    /// True when the input was not exactly the key.
    pub fn changed(&self) -> bool {
        self.bearer || self.quotes || self.spaces + self.line_breaks + self.invisible > 0
    }

    /// What was removed, as a sentence ("Removed a “Bearer ” prefix and 2
    /// spaces."), or `None` when nothing was (or no key is left).
    pub fn note(&self) -> Option<String> {
        if !self.changed() || self.key.is_empty() {
            return None;
        }
        let count = |n: usize, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        let parts: Vec<String> = [
            self.bearer.then(|| "a “Bearer ” prefix".to_owned()),
            self.quotes.then(|| "the quotes around it".to_owned()),
            count(self.spaces, "space", "spaces"),
            count(self.line_breaks, "line break", "line breaks"),
            count(
                self.invisible,
                "invisible character",
                "invisible characters",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let list = match parts.as_slice() {
            [] => return None,
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        Some(format!("Removed {list}."))
    }
}

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The masked key "Copy as curl" shows (`sk_…cdef`).
    Masked,
    /// A character an `Authorization` header cannot carry.
    BadCharacter(char),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Masked => {
                f.write_str("This is the masked key from Copy as curl; paste the full key.")
            }
            KeyError::BadCharacter(c) => write!(
                f,
                "The key contains {}, which cannot be sent: paste the key again.",
                describe_char(*c)
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// `“ (U+201C)`, or for an invisible character its kind and code point.
fn describe_char(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    if c.is_control() {
        format!("a control character ({code})")
    } else if is_invisible(c) {
        format!("an invisible character ({code})")
    } else {
        format!("{c} ({code})")
    }
}

/// Format and filler characters that show as nothing.
fn is_invisible(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xE0000..=0xE0FFF)
}

/// Zero-width characters a paste may carry: removed from keys.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '`'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{00AB}'
            | '\u{00BB}'
    )
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Cleans a pasted key (see the [`connection`](super) docs) or says why it
/// cannot be used.
pub fn clean_key(input: &str) -> Result<CleanKey, KeyError> {
    let mut out = CleanKey::default();
    let mut s: String = input
        .chars()
        .filter(|c| {
            let zw = is_zero_width(*c);
            out.invisible += usize::from(zw);
            !zw
        })
        .collect();
    // Peel what surrounds the key, in any order: whitespace, quotes, "Bearer ".
    loop {
        let before = s.len();
        let trimmed = s.trim_start();
        count_whitespace(&s[..s.len() - trimmed.len()], &mut out);
        s = trimmed.to_owned();
        let trimmed = s.trim_end();
        count_whitespace(&s[trimmed.len()..], &mut out);
        s.truncate(trimmed.len());
        if let Some(rest) = s.strip_prefix(is_quote) {
            s = rest.to_owned();
            out.quotes = true;
        }
        if let Some(rest) = s.strip_suffix(is_quote) {
            s = rest.to_owned();
            out.quotes = true;
        }
        if s.len() > 6
            && s.is_char_boundary(6)
            && s[..6].eq_ignore_ascii_case("bearer")
            && s[6..].starts_with(char::is_whitespace)
        {
            s = s[6..].trim_start().to_owned();
            out.bearer = true;
        }
        if s.len() == before {
            break;
        }
    }
    // A key never contains whitespace: a line break in the middle is wrapping.
    let inner: String = s.chars().filter(|c| c.is_whitespace()).collect();
    count_whitespace(&inner, &mut out);
    s.retain(|c| !c.is_whitespace());
    if s.contains('…') {
        return Err(KeyError::Masked);
    }
    if let Some(c) = s.chars().find(|c| !matches!(*c, '\x21'..='\x7E')) {
        return Err(KeyError::BadCharacter(c));
    }
    out.key = s;
    Ok(out)
}

fn count_whitespace(removed: &str, out: &mut CleanKey) {
    for c in removed.chars() {
        if c == '\r' {
            // "\r\n" is one line break.
            continue;
        }
        if is_line_break(c) {
            out.line_breaks += 1;
        } else {
            out.spaces += 1;
        }
    }
    // A lone "\r" (old Mac line ending) is a line break too.
    let lone_cr = removed
        .char_indices()
        .filter(|(i, c)| *c == '\r' && !removed[i + 1..].starts_with('\n'))
        .count();
    out.line_breaks += lone_cr;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(input: &str) -> CleanKey {
        clean_key(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn a_plain_key_is_kept_as_is() {
        let k = key("sk_demo");
        assert_eq!(k.key, "sk_demo");
        assert!(!k.changed() && k.note().is_none());
        assert_eq!(key("sk_live_AZaz09-._~+/=!").key, "sk_live_AZaz09-._~+/=!");
    }

    #[test]
    fn whitespace_and_line_breaks_are_removed_everywhere() {
        let k = key("  sk_demo\n");
        assert_eq!(k.key, "sk_demo");
        assert_eq!((k.spaces, k.line_breaks), (2, 1));
        assert_eq!(k.note().unwrap(), "Removed 2 spaces and 1 line break.");
        let k = key("\tsk_de\r\nmo\r\n");
        assert_eq!(k.key, "sk_demo");
        assert_eq!((k.spaces, k.line_breaks), (1, 2));
        let k = key("sk_demo\u{00A0}");
        assert_eq!((k.key.as_str(), k.spaces), ("sk_demo", 1));
        assert_eq!(key("sk_demo\r").line_breaks, 1);
        assert_eq!(key(" sk_demo").note().unwrap(), "Removed 1 space.");
    }

    #[test]
    fn zero_width_characters_are_removed() {
        for zw in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'] {
            let k = key(&format!("{zw}sk_de{zw}mo{zw}"));
            assert_eq!(k.key, "sk_demo");
            assert_eq!(k.invisible, 3);
        }
        assert_eq!(
            key("sk_demo\u{200B}").note().unwrap(),
            "Removed 1 invisible character."
        );
    }

    #[test]
    fn a_bearer_prefix_is_removed_in_any_case() {
        for input in [
            "Bearer sk_demo",
            "bearer sk_demo",
            "BEARER   sk_demo",
            "Bearer\tsk_demo",
        ] {
            let k = key(input);
            assert_eq!(k.key, "sk_demo", "{input}");
            assert!(k.bearer && k.spaces == 0, "{input}: {k:?}");
        }
        let k = key("  Bearer sk_demo ");
        assert_eq!(
            k.note().unwrap(),
            "Removed a “Bearer ” prefix and 3 spaces."
        );
        // Only a prefix followed by a space: a key may start with "bearer".
        assert_eq!(key("bearer_sk").key, "bearer_sk");
        assert!(!key("Bearersk").bearer);
    }

    #[test]
    fn surrounding_quotes_are_removed() {
        for input in [
            "\"sk_demo\"",
            "'sk_demo'",
            "“sk_demo”",
            "‘sk_demo’",
            "`sk_demo`",
            "„sk_demo“",
            "\"Bearer sk_demo\"",
            "Bearer “sk_demo”",
            " “ sk_demo ” ",
        ] {
            let k = key(input);
            assert_eq!(k.key, "sk_demo", "{input}");
            assert!(k.quotes, "{input}");
        }
        assert_eq!(
            key("\"Bearer sk_demo\"\n").note().unwrap(),
            "Removed a “Bearer ” prefix, the quotes around it and 1 line break."
        );
    }

    #[test]
    fn the_masked_key_is_refused() {
        for input in ["sk_…cdef", "Bearer sk_…cdef", "'sk_…'"] {
            assert_eq!(clean_key(input), Err(KeyError::Masked), "{input}");
        }
        assert_eq!(
            KeyError::Masked.to_string(),
            "This is the masked key from Copy as curl; paste the full key."
        );
    }

    #[test]
    fn characters_a_header_cannot_carry_are_named() {
        let e = clean_key("sk_de“mo").unwrap_err();
        assert_eq!(e, KeyError::BadCharacter('“'));
        assert_eq!(
            e.to_string(),
            "The key contains “ (U+201C), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk_dé").unwrap_err().to_string(),
            "The key contains é (U+00E9), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk\u{7}demo").unwrap_err().to_string(),
            "The key contains a control character (U+0007), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk\u{200E}demo").unwrap_err().to_string(),
            "The key contains an invisible character (U+200E), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk\u{7F}").unwrap_err(),
            KeyError::BadCharacter('\u{7F}')
        );
        assert_eq!(
            clean_key("sk_😀").unwrap_err(),
            KeyError::BadCharacter('😀')
        );
    }

    #[test]
    fn nothing_but_removable_characters_is_an_empty_key() {
        for input in ["", "   ", "\n", "\u{200B}", "\"\"", " \u{FEFF}\t"] {
            let k = key(input);
            assert_eq!(k.key, "", "{input:?}");
            assert_eq!(k.note(), None);
        }
    }

    #[test]
    fn every_printable_ascii_character_survives() {
        let all: String = ('\x21'..='\x7E').collect();
        // Quotes at the ends are peeled; inside they stay.
        let input = format!("k{all}k");
        assert_eq!(key(&input).key, input);
    }
}
