//! Text helpers shared by every renderer (pages, feed, worker-rendered HTML, emails).

/// Lower-case hexadecimal of `bytes` (ids, digests, signatures).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Whether a text of lines (a note, a newsletter) holds control characters other than line
/// breaks and tabs: NUL, terminal escapes, bells.
pub fn has_stray_controls(text: &str) -> bool {
    text.contains(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// A character that shows nothing: zero-width spaces and joiners, word joiner, byte-order mark,
/// soft hyphen, direction marks and controls. A field of these alone is empty.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Whether a text is one line as it reads: no control characters (line breaks included), no
/// line or paragraph separators and no direction controls.
pub fn is_one_line(text: &str) -> bool {
    !text.contains(|c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_direction_control(c))
}

/// A line staff type (a stock count's reason, a newsletter's subject): one line
/// ([`is_one_line`]) with something visible, trimmed, of at most `max` characters.
pub fn staff_line(text: &str, max: usize) -> Option<&str> {
    let text = text.trim();
    let visible = text.chars().any(|c| !c.is_whitespace() && !is_invisible(c));
    (visible && is_one_line(text) && text.chars().count() <= max).then_some(text)
}

/// A reason staff give with a decision (a refund, a cancellation, a rejected return), as it is
/// kept and shown to the shopper: breaks, separators and other controls become spaces, direction
/// controls go, and it is cut at `max` characters.
pub fn reason_line(text: &str, max: usize) -> String {
    let spaced: String = text
        .chars()
        .filter(|c| !is_direction_control(*c))
        .map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(max).collect()
}

/// Direction overrides, embeddings and isolates: they make text display in another order than it
/// is stored (a name that reads differently in the back office than it sorts or searches).
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A count with its noun: "1 order", "3 orders" (nouns whose plural takes an "s").
pub fn count_of(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An API problem's `detail` as a sentence for shoppers: a capital first letter and a closing full
/// stop ("the quantity must be …" → "The quantity must be ….").
pub fn as_sentence(detail: &str) -> String {
    let detail = detail.trim();
    let mut chars = detail.chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// Escapes text for HTML and XML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One RFC 4180 CSV field. A text a spreadsheet would run as a formula gets a leading apostrophe:
/// one starting with `=`, `+`, `@`, a tab, or `-` not starting a number, also behind spaces or
/// invisible characters (a spreadsheet may trim them on import) and in their full-width forms.
pub fn csv_field(s: &str) -> String {
    let starts = s.starts_with(['\t', '\r']);
    let shown = s.trim_start_matches(|c: char| c.is_whitespace() || is_invisible(c));
    let sign = |c: char| match c {
        '＝' => '=',
        '＋' => '+',
        '－' => '-',
        '＠' => '@',
        c => c,
    };
    let formula = starts
        || match shown.chars().next().map(sign) {
            Some('=' | '+' | '@') => true,
            // A number, not `-inf` or `-nan` (which Rust reads as numbers and a spreadsheet not).
            Some('-') => !shown.parse::<f64>().is_ok_and(f64::is_finite),
            _ => false,
        };
    let s = if formula { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A real calendar day as `YYYY-MM-DD` (no 31 April; 29 February only in leap years).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The day of an RFC 3339 time as a reader writes it, "6 Dec 2026" (the day in the time's own
/// offset, UTC for the times the shop stores); the text as it is when it is not such a time.
pub fn day_label(time: &str) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let Some(date) = time.get(..10).filter(|d| is_iso_date(d)) else { return time.to_string() };
    let month: usize = date[5..7].parse().unwrap_or(1);
    let day: u32 = date[8..10].parse().unwrap_or(1);
    format!("{day} {} {}", MONTHS[month - 1], &date[..4])
}

/// The bodies of the inline scripts in an HTML page that a browser would run (not JSON data
/// blocks, not `src=` scripts): what a content security policy lists by hash.
pub fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attrs, after) = rest.split_once('>')?;
        let data = attrs.contains("application/json") || attrs.contains("application/ld+json");
        if data || attrs.contains("src=") {
            return None;
        }
        after.split_once("</script>").map(|(body, _)| body)
    })
}

pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first paragraph of merchant Markdown as plain text (headings skipped, links and images
/// reduced to their text, emphasis and list marks dropped, lines joined), cut at a word before
/// `max` characters: for meta descriptions, structured data and feeds.
pub fn markdown_summary(markdown: &str, max: usize) -> String {
    let markdown = markdown.trim_start_matches('\u{feff}');
    let paragraph: Vec<&str> = markdown
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty() || l.starts_with('#'))
        .take_while(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches(['>', '-', '*', '+', ' ']))
        .collect();
    let text = paragraph.join(" ");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // An escaped character is itself (`\*` is a star, not emphasis).
            '\\' if chars.peek().is_some_and(char::is_ascii_punctuation) => out.extend(chars.next()),
            // `](url)` ends a link's or image's text: the address is left out.
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '!' if chars.peek() == Some(&'[') => {}
            '[' | ']' | '*' | '_' | '`' => {}
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    let out = out.trim();
    if out.chars().count() <= max {
        return out.to_string();
    }
    let cut: String = out.chars().take(max.saturating_sub(1)).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// Where an option value falls among sizes, for listing them in order rather than by how many
/// products have them: a letter size ("XS" before "M" before "2XL"), or a value led by a number
/// ("EU 40" before "EU 41", "32" before "34", "10.5"); `None` for anything else ("Navy").
pub fn size_rank(value: &str) -> Option<(u8, i64)> {
    const LETTERS: [&[&str]; 11] = [
        &["xxxs", "3xs"],
        &["xxs", "2xs"],
        &["xs", "x-small", "extra small"],
        &["s", "small"],
        &["m", "medium"],
        &["l", "large"],
        &["xl", "x-large", "extra large"],
        &["xxl", "2xl", "xx-large"],
        &["xxxl", "3xl"],
        &["4xl", "xxxxl"],
        &["5xl"],
    ];
    let v = value.trim().to_lowercase();
    if let Some(rank) = LETTERS.iter().position(|names| names.contains(&v.as_str())) {
        return Some((0, rank as i64));
    }
    // The first number in it, to two places ("UK 9.5" → 950).
    let start = v.find(|c: char| c.is_ascii_digit())?;
    let digits: String = v[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let n: f64 = digits.trim_end_matches('.').parse().ok()?;
    Some((1, (n * 100.0).round() as i64))
}

/// Whether a shopper's reason for a return says the item is faulty or damaged ("both stopped
/// charging", "arrived cracked"): its units should be checked before they go back on sale.
pub fn sounds_faulty(reason: &str) -> bool {
    const WORDS: &[&str] = &[
        "broken",
        "broke",
        "faulty",
        "fault",
        "defect",
        "defective",
        "damaged",
        "damage",
        "cracked",
        "crack",
        "cracks",
        "torn",
        "ripped",
        "leak",
        "leaks",
        "leaking",
        "leaky",
        "dead",
        "malfunction",
        "malfunctions",
        "scratched",
        "dented",
        "stained",
        "stain",
        "hole",
        "holes",
        "frayed",
        "snapped",
        "shattered",
        "burnt",
        "smashed",
        "dud",
    ];
    const PHRASES: &[&str] = &[
        "not work",
        "n't work",
        "never work",
        "stopped work",
        "stopped charg",
        "stopped turn",
        "n't charge",
        "not charging",
        "n't turn on",
        "does not charge",
    ];
    // Without the apostrophe too ("doesnt work"), but not inside other words ("present works").
    let text = reason.to_lowercase().replace('’', "'");
    let text = ["dont", "doesnt", "isnt", "wont", "didnt", "wouldnt", "cant", "arent"].iter().fold(text, |t, w| {
        t.split(' ').map(|x| if x == *w { format!("{}n't", &w[..w.len() - 2]) } else { x.to_string() }).collect::<Vec<_>>().join(" ")
    });
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'')).any(|w| WORDS.contains(&w)) || PHRASES.iter().any(|p| text.contains(p))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_return_reason_that_says_faulty() {
        for said in [
            "Both stopped charging",
            "arrived CRACKED",
            "It doesn’t work",
            "left earbud won't charge",
            "zip is broken",
            "a hole in the sleeve",
            "isn't working",
            "never worked",
            "wouldn't turn on",
            "doesnt work",
            "wont charge",
        ] {
            assert!(super::sounds_faulty(said), "{said}");
        }
        for said in [
            "too small",
            "changed my mind",
            "colour not as pictured",
            "ordered two by mistake",
            "",
            "works fine but too loud",
            "a rip-off",
            "stopped needing it",
            "was not charged postage",
            "hope the present works",
        ] {
            assert!(!super::sounds_faulty(said), "{said}");
        }
    }

    #[test]
    fn sizes_sort_as_sizes_and_numbers_as_numbers() {
        let mut sizes = vec!["L", "M", "S", "XL", "XXL", "XS"];
        sizes.sort_by_key(|v| super::size_rank(v));
        assert_eq!(sizes, ["XS", "S", "M", "L", "XL", "XXL"]);
        let mut eu = vec!["EU 41", "EU 42", "EU 40", "EU 43", "EU 38.5"];
        eu.sort_by_key(|v| super::size_rank(v));
        assert_eq!(eu, ["EU 38.5", "EU 40", "EU 41", "EU 42", "EU 43"]);
        assert_eq!(super::size_rank("Navy"), None);
    }
    use super::*;

    #[test]
    fn a_detail_reads_as_a_sentence() {
        assert_eq!(as_sentence("the quantity must be a whole number from 1 to 99"), "The quantity must be a whole number from 1 to 99.");
        assert_eq!(as_sentence("Only 2 of Tent left."), "Only 2 of Tent left.");
        assert_eq!(as_sentence("évier introuvable"), "Évier introuvable.");
        assert_eq!(as_sentence(" try again in 3 s? "), "Try again in 3 s?");
        assert_eq!(as_sentence(""), "");
    }

    #[test]
    fn staff_lines_are_one_visible_line_and_reasons_are_made_one() {
        assert_eq!(staff_line("  counted on Monday ", 200), Some("counted on Monday"));
        for bad in ["", "   ", "\u{200B}", "a\u{202E}b", "Hi\u{2028}Bcc: x@y.z", "two\nlines", "tab\there"] {
            assert_eq!(staff_line(bad, 200), None, "{bad:?}");
        }
        assert_eq!(staff_line("é".repeat(201).as_str(), 200), None);
        assert!(staff_line("é".repeat(200).as_str(), 200).is_some());
        assert_eq!(reason_line("  damaged\r\nin transit\u{2028}sorry \u{202E}x ", 500), "damaged in transit sorry x");
        assert_eq!(reason_line("abcdef", 3), "abc");
    }

    #[test]
    fn csv_fields_a_spreadsheet_would_run_get_an_apostrophe() {
        for formula in [
            "=1+1",
            "+1",
            "@SUM(A1)",
            "-1+1",
            "\t=1",
            " =1+1",
            "\u{a0}=1+1",
            "\u{feff}=1+1",
            "\u{200b}=1+1",
            "＝1+1",
            "－1＋1",
            "-inf",
            "-NaN",
            "-infinity",
        ] {
            assert!(csv_field(formula).trim_start_matches('"').starts_with('\''), "{formula:?} → {}", csv_field(formula));
        }
        for plain in ["Niamh", "-5", "-2.50", " Cork", "a=b", "10 ATM"] {
            assert!(!csv_field(plain).trim_start_matches('"').starts_with('\''), "{plain:?} → {}", csv_field(plain));
        }
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }

    #[test]
    fn a_count_of_one_is_singular() {
        assert_eq!(
            (count_of(0, "order"), count_of(1, "order"), count_of(2, "customer")),
            ("0 orders".into(), "1 order".into(), "2 customers".into())
        );
    }

    #[test]
    fn line_breaks_are_no_stray_controls() {
        assert!(!has_stray_controls("two\nlines\r\nand\ta tab"));
        assert!(has_stray_controls("\u{0}") && has_stray_controls("\u{1b}[31mred") && has_stray_controls("bell\u{7}"));
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0, 9, 10, 255, 0x3c]), "00090aff3c");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(super::escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
    }

    #[test]
    fn days_as_readers_write_them() {
        assert_eq!(day_label("2026-12-06T04:05:06.789Z"), "6 Dec 2026");
        assert_eq!(day_label("2027-01-31"), "31 Jan 2027");
        assert_eq!(day_label("yesterday"), "yesterday");
        assert_eq!(day_label("2026-13-01T00:00:00Z"), "2026-13-01T00:00:00Z");
        assert_eq!(day_label("2026-é"), "2026-é");
    }

    #[test]
    fn iso_dates() {
        assert!(super::is_iso_date("2026-12-01"));
        assert!(super::is_iso_date("2028-02-29"));
        for bad in
            ["2026-13-01", "2026-12-00", "2026-1-01", "26-12-01", "2026/12/01", "2026-12-01T00", "２０２６-12-01", "", "2026-02-29", "2026-04-31"]
        {
            assert!(!super::is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn base64_and_the_scripts_a_policy_must_hash() {
        assert_eq!(super::base64(b"hello"), "aGVsbG8=");
        assert_eq!(super::base64(b""), "");
        let html = r#"<script type="application/ld+json">{}</script><script src="/a.js"></script><script type="module">run()</script>"#;
        assert_eq!(super::inline_scripts(html).collect::<Vec<_>>(), vec!["run()"]);
    }

    #[test]
    fn summaries_are_the_first_paragraph_as_plain_text() {
        let md = "# Shell\n\n**Waterproof** shell with [taped seams](https://x.example/a_b) and a\npackable hood.\n\nSecond paragraph.";
        assert_eq!(markdown_summary(md, 200), "Waterproof shell with taped seams and a packable hood.");
        assert_eq!(markdown_summary("- one\n- two", 200), "one two");
        assert_eq!(markdown_summary("![alt text](a.png) after", 200), "alt text after");
        assert_eq!(markdown_summary("a long sentence of words", 12), "a long…");
        assert_eq!(markdown_summary("", 10), "");
        // Characters the import escaped are themselves (DeWalt's `550 MWO**`, a path with `\`).
        assert_eq!(markdown_summary(r"550 MWO\*\* and a\_b \[x\] C:\\dir", 200), r"550 MWO** and a_b [x] C:\dir");
    }
}
