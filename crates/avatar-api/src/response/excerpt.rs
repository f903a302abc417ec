//! A short one-line excerpt of any body, HTML included, for a person.

/// Longest [`excerpt`], in characters.
pub const EXCERPT_MAX_CHARS: usize = 160;

/// A short one-line excerpt of a body for a person: for HTML the
/// `<title>` if it has one, else the text without tags, scripts, styles and
/// comments; entities decoded, whitespace collapsed, control and invisible
/// formatting characters removed, at most [`EXCERPT_MAX_CHARS`] characters
/// (cut with `…`). Empty for an empty body.
pub fn excerpt(text: &str) -> String {
    let trimmed = text.trim_start();
    let html = trimmed.starts_with('<') || contains_ignore_case(text, "</");
    let readable = if html {
        let title = html_title(text).map(|t| decode_entities(&t));
        match title.map(|t| one_line(&t)).filter(|t| !t.is_empty()) {
            Some(t) => t,
            None => one_line(&decode_entities(&strip_tags(text))),
        }
    } else {
        one_line(text)
    };
    truncate_chars(&readable, EXCERPT_MAX_CHARS)
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ignore_case(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (from..=h.len().checked_sub(n.len())?).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    find_ignore_case(hay, needle, 0).is_some()
}

/// The text of the first `<title>` element.
fn html_title(html: &str) -> Option<String> {
    let open = find_ignore_case(html, "<title", 0)?;
    let start = open + html[open..].find('>')? + 1;
    let end = find_ignore_case(html, "</title", start).unwrap_or(html.len());
    Some(strip_tags(&html[start..end]))
}

/// The text of an HTML fragment: tags and comments removed, the contents of
/// `script` and `style` elements dropped, tags replaced by a space.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(4096));
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let skip_to = if tag.starts_with("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else if let Some(name) = ["<script", "<style"].into_iter().find(|n| {
            tag.len() >= n.len() && tag.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes())
        }) {
            let close = format!("</{}", &name[1..]);
            find_ignore_case(tag, &close, 0).and_then(|i| tag[i..].find('>').map(|j| i + j + 1))
        } else {
            tag.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => rest = &tag[n..],
            None => return out, // an unclosed tag runs to the end
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the few entities error pages use: `&amp; &lt; &gt; &quot; &#39;
/// &apos; &nbsp;` and numeric ones; others are left as they are.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let entity = tail.find(';').filter(|&i| i <= 10).map(|i| &tail[1..i]);
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let num = name.strip_prefix('#')?;
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (entity, decoded) {
            (Some(name), Some(c)) => {
                out.push(c);
                rest = &tail[name.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Invisible formatting characters that could reorder or hide text.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{AD}')
}

/// Whitespace runs collapsed to one space, control and invisible characters
/// removed, trimmed.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1024));
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !c.is_control() && !is_invisible(c) {
            out.push(c);
        }
    }
    let len = out.trim_end().len();
    out.truncate(len);
    out
}

/// At most `max` characters, the last one `…` when cut.
fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            format!("{}…", text[..cut].trim_end())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_single_lines() {
        let long = "word ".repeat(100);
        let x = excerpt(&long);
        assert_eq!(x.chars().count(), EXCERPT_MAX_CHARS);
        assert!(x.ends_with("word…") || x.ends_with('…'));
        assert!(!x.contains("  "));
        let x = excerpt(&"é".repeat(500));
        assert_eq!(x.chars().count(), EXCERPT_MAX_CHARS);
        assert_eq!(excerpt(&"a".repeat(160)), "a".repeat(160));
        assert_eq!(excerpt("<title></title><p>Body</p>"), "Body");
        assert_eq!(
            excerpt("<p>a &lt;b&gt; &#65;&#x42; &bogus; & c</p>"),
            "a <b> AB &bogus; & c"
        );
        assert_eq!(excerpt("<p>unclosed <b"), "unclosed");
        assert_eq!(excerpt("<title>T"), "T");
        assert_eq!(excerpt("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
    }
}
