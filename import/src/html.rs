//! Product descriptions from HTML (as Shopify and WooCommerce export them) to the catalog's
//! Markdown, through a real HTML parser (html5ever, via `scraper`) and an allow-list: paragraphs,
//! headings, lists, emphasis, line breaks and links with safe addresses survive; scripts, styles,
//! embeds and forms are dropped with their content; every attribute but a safe `href` is dropped
//! (event handlers included); `javascript:`, `data:` and other schemes lose their link and keep
//! their text. Text is escaped so it cannot become Markdown or HTML markup.

use scraper::node::Node;
use scraper::Html;

type NodeRef<'a> = ego_tree::NodeRef<'a, Node>;

/// Elements dropped with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "form", "input", "button", "select", "textarea", "head",
    "title", "meta", "link", "base", "frame", "frameset", "applet", "canvas", "audio", "video", "img", "picture", "source",
];
/// Of those, what a browser shows as a box in the line (an image between two words parts them):
/// a space stands in for it.
const REPLACED: &[&str] = &["img", "picture", "video", "audio", "iframe", "embed", "object", "svg", "canvas"];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "blockquote",
    "figure",
    "figcaption",
    "address",
    "pre",
    "table",
    "tr",
    "dl",
    "dt",
    "dd",
    "center",
];

/// A plain-text cell with its HTML character references decoded (`Tom &amp; Jerry` → `Tom &
/// Jerry`, `&#8211;` → `–`): WordPress stores names so when the editor may not write raw HTML.
pub fn plain_text(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out += &rest[..i];
        let after = &rest[i..];
        // A reference is `&name;` or `&#digits;` / `&#xhex;`, at most 32 characters long.
        let end = after.get(..after.len().min(34)).and_then(|head| head.find(';'));
        let end = end.filter(|&end| end > 1 && after[1..end].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#'));
        let decoded = end.and_then(|end| {
            let entity = &after[..=end];
            let fragment = scraper::Html::parse_fragment(entity);
            let text: String = fragment.root_element().text().collect();
            (text != entity && !text.is_empty()).then_some((text, end + 1))
        });
        match decoded {
            Some((text, len)) => {
                out += &text;
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out + rest
}

pub fn html_to_markdown(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let mut out = Blocks::default();
    for child in doc.root_element().children() {
        out.node(child, 0);
    }
    out.flush();
    out.blocks.join("\n\n")
}

/// The images a description shows (their `src`), which its Markdown leaves out: a size chart
/// or a diagram is then named in the import's report rather than lost without a word.
pub fn images_in(html: &str) -> Vec<String> {
    if !html.contains("<img") && !html.contains("<IMG") {
        return Vec::new();
    }
    let doc = Html::parse_fragment(html);
    let mut found = Vec::new();
    for node in doc.root_element().descendants() {
        if let Node::Element(e) = node.value() {
            if e.name() == "img" {
                found.push(e.attr("src").unwrap_or_default().trim().to_string());
            }
        }
    }
    found
}

/// A warning for the report when a description had images: how many, and the first few.
pub fn images_note(images: &[String]) -> Option<String> {
    let shown: Vec<&str> = images.iter().map(String::as_str).filter(|s| !s.is_empty()).take(3).collect();
    match images.len() {
        0 => None,
        n => Some(format!(
            "the description shows {} that {} not imported (descriptions are text): put what {} into words, or add {} to the product's photos{}",
            edgeshop_domain::text::count_of(n as u64, "image"),
            if n == 1 { "is" } else { "are" },
            if n == 1 { "it shows" } else { "they show" },
            if n == 1 { "it" } else { "them" },
            if shown.is_empty() { String::new() } else { format!(" ({})", shown.join(", ")) }
        )),
    }
}

#[derive(Default)]
struct Blocks {
    blocks: Vec<String>,
    /// Inline text of the block being read.
    line: String,
}

impl Blocks {
    /// The text so far as blocks: its lines joined by hard breaks, and an empty line (`<br><br>`)
    /// parting two blocks, as a new paragraph would.
    fn flush(&mut self) {
        let mut lines: Vec<String> = Vec::new();
        for line in self.line.split('\n').map(collapse).chain([String::new()]) {
            if !line.is_empty() {
                lines.push(line);
            } else if !lines.is_empty() {
                self.blocks.push(lines.join("  \n"));
                lines.clear();
            }
        }
        self.line.clear();
    }

    fn node(&mut self, node: NodeRef, depth: usize) {
        match node.value() {
            Node::Text(t) => append_inline(&mut self.line, &escape(&t.replace(['\r', '\n'], " "))),
            Node::Element(e) => {
                let name = e.name();
                if DROPPED.contains(&name) {
                    if REPLACED.contains(&name) {
                        self.line.push(' ');
                    }
                    return;
                }
                match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        self.flush();
                        let text = collapse(&inline(node));
                        if !text.is_empty() {
                            self.blocks.push(format!("{} {text}", if matches!(name, "h1" | "h2") { "##" } else { "###" }));
                        }
                    }
                    "ul" | "ol" => {
                        self.flush();
                        let (mut items, mut n) = (Vec::new(), 0);
                        for child in node.children() {
                            if matches!(child.value(), Node::Element(c) if c.name() == "li") {
                                self.flush();
                                list_item(child, name == "ol", depth, &mut n, &mut items);
                                continue;
                            }
                            // Content straight inside the list, outside its items (text pasted
                            // there; a browser shows it): a paragraph between the items.
                            if !items.is_empty() && !collapse(&inline(child)).is_empty() {
                                self.blocks.push(std::mem::take(&mut items).join("\n"));
                            }
                            self.node(child, depth);
                        }
                        self.flush();
                        if !items.is_empty() {
                            self.blocks.push(items.join("\n"));
                        }
                    }
                    "br" => self.line.push('\n'),
                    "hr" => self.flush(),
                    "td" | "th" => {
                        if !self.line.trim().is_empty() {
                            self.line.push_str(" — ");
                        }
                        append_inline(&mut self.line, &inline(node));
                    }
                    _ if BLOCKS.contains(&name) => {
                        self.flush();
                        for c in node.children() {
                            self.node(c, depth);
                        }
                        self.flush();
                    }
                    // An inline element around blocks (Google Docs wraps a whole paste in
                    // `<b id="docs-internal-guid-…">`, editors add `<span>`s): its blocks are read
                    // as blocks, its emphasis dropped.
                    _ if has_block(node) => {
                        for c in node.children() {
                            self.node(c, depth);
                        }
                    }
                    _ => append_inline(&mut self.line, &inline(node)),
                }
            }
            _ => {}
        }
    }
}

/// Whether a block element (a paragraph, list, heading, table…) is anywhere inside `node`.
fn has_block(node: NodeRef) -> bool {
    node.descendants().skip(1).any(|d| matches!(d.value(), Node::Element(e) if is_block(e.name())))
}

/// A block element (a paragraph of its own, a list, a heading, a rule), by its lower-case name.
pub(crate) fn is_block(name: &str) -> bool {
    BLOCKS.contains(&name) || matches!(name, "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "hr")
}

/// List items as Markdown lines, nested lists indented.
/// A list inside a list item, as Markdown lines. Content straight inside it, outside its items,
/// goes on with the item before it (or is one of its own when it comes first).
fn list(node: NodeRef, ordered: bool, depth: usize, out: &mut Vec<String>) {
    let mut n = 0;
    for child in node.children() {
        if matches!(child.value(), Node::Element(e) if e.name() == "li") {
            list_item(child, ordered, depth, &mut n, out);
            continue;
        }
        let text = collapse(&inline(child).replace('\n', " "));
        match out.last_mut() {
            _ if text.is_empty() => {}
            Some(last) => {
                last.push(' ');
                last.push_str(&text);
            }
            None => out.push(format!("{}- {text}", "  ".repeat(depth))),
        }
    }
}

/// One `<li>` as a Markdown line (numbered `n` when `ordered`), then its nested lists.
fn list_item(item: NodeRef, ordered: bool, depth: usize, n: &mut usize, out: &mut Vec<String>) {
    *n += 1;
    let marker = if ordered { format!("{n}.") } else { "-".into() };
    let mut text = String::new();
    let mut nested = Vec::new();
    for c in item.children() {
        match c.value() {
            Node::Element(ce) if ce.name() == "ul" || ce.name() == "ol" => list(c, ce.name() == "ol", depth + 1, &mut nested),
            _ => append_inline(&mut text, &inline(c)),
        }
    }
    let text = collapse(&text.replace('\n', " "));
    if !text.is_empty() {
        out.push(format!("{}{marker} {text}", "  ".repeat(depth)));
    }
    out.extend(nested);
}

/// Inline content as Markdown: emphasis, code, links with safe addresses, line breaks.
fn inline(node: NodeRef) -> String {
    match node.value() {
        Node::Text(t) => escape(&t.replace(['\r', '\n'], " ")),
        Node::Element(e) => {
            let name = e.name();
            if DROPPED.contains(&name) {
                return if REPLACED.contains(&name) { " ".into() } else { String::new() };
            }
            if name == "br" {
                return "\n".into();
            }
            let inner = join_inline(node.children().map(inline));
            let trimmed = inner.trim();
            if trimmed.is_empty() {
                return if inner.is_empty() { String::new() } else { " ".into() };
            }
            // A space at the inside edge of an emphasis goes outside its markers (Markdown's
            // `** bold**` is no emphasis, and `a<b> bold</b>` keeps its space).
            let lead = if inner.starts_with(char::is_whitespace) { " " } else { "" };
            let trail = if inner.ends_with(char::is_whitespace) { " " } else { "" };
            match name {
                "strong" | "b" => format!("{lead}**{trimmed}**{trail}"),
                "em" | "i" => format!("{lead}*{trimmed}*{trail}"),
                // A code span is literal in Markdown: its text as it is, not escaped (a `\*`
                // would show its backslash).
                "code" | "kbd" | "samp" => {
                    let raw: String = node
                        .descendants()
                        .filter_map(|d| if let Node::Text(t) = d.value() { Some(t.replace(['\r', '\n', '`'], " ")) } else { None })
                        .collect();
                    format!("`{}`", raw.trim())
                }
                "a" => match e.attr("href").and_then(safe_href) {
                    Some(href) => format!("[{trimmed}]({href})"),
                    None => inner,
                },
                "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => format!(" {inner} "),
                _ => inner,
            }
        }
        _ => String::new(),
    }
}

/// Inline pieces put together so that their emphasis still reads as emphasis (see [`append_inline`]).
fn join_inline(pieces: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    for piece in pieces {
        append_inline(&mut out, &piece);
    }
    out
}

/// Adds an inline `piece` to `out` so that emphasis still reads as emphasis: two bold runs that
/// touch are one (`**18****lamps**` would show its stars), and a space goes between an emphasis
/// that ends in punctuation and a letter right after it (`**Hubs:**TANGE` does not close).
fn append_inline(out: &mut String, piece: &str) {
    let escaped = |s: &str, marker: &str| s.strip_suffix(marker).is_some_and(|rest| rest.ends_with('\\'));
    if out.ends_with("**") && !escaped(out, "**") && piece.starts_with("**") {
        out.truncate(out.len() - 2);
        out.push_str(&piece[2..]);
        return;
    }
    let closes_on_punctuation = out.ends_with('*')
        && !escaped(out, "*")
        && out.trim_end_matches('*').chars().next_back().is_some_and(|c| c.is_ascii_punctuation() && c != '\\');
    if closes_on_punctuation && piece.chars().next().is_some_and(char::is_alphanumeric) {
        out.push(' ');
    }
    out.push_str(piece);
}

/// `href` if it is a web, mail or phone address or a path; `None` for `javascript:`, `data:`
/// and every other scheme (browsers ignore control characters and spaces inside a scheme).
fn safe_href(href: &str) -> Option<String> {
    let cleaned: String = href.chars().filter(|c| !c.is_control() && !c.is_whitespace()).collect();
    let lower = cleaned.to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(s, _)| s).filter(|s| !s.contains(['/', '?', '#']));
    let ok = match scheme {
        Some(s) => matches!(s, "http" | "https" | "mailto" | "tel"),
        None => !cleaned.is_empty(),
    };
    ok.then(|| cleaned.replace('(', "%28").replace(')', "%29").replace(' ', "%20"))
}

/// Text that Markdown shows as written: markup characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Runs of whitespace as one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_straight_inside_a_list_is_kept() {
        // Pasted text in a <ul> without <li> (a real export's whole description).
        assert_eq!(html_to_markdown("<ul>Soft and <b>warm</b>.<br>Folds flat.</ul>"), "Soft and **warm**.  \nFolds flat.");
        assert_eq!(html_to_markdown("<ul><li>One</li>Between.<li>Two</li></ul>"), "- One\n\nBetween.\n\n- Two");
        assert_eq!(html_to_markdown("<ol><li>One</li><li>Two</li></ol>"), "1. One\n2. Two");
        assert_eq!(html_to_markdown("<ul><li>A<ul><li>B</li>more</ul></li></ul>"), "- A\n  - B more");
    }

    #[test]
    fn an_image_between_words_parts_them() {
        let html = r#"<h3><strong>Super resistente</strong><img src="a.png"><img src="b.png"><strong>Informações:</strong></h3><p>One<img src="c.png">two</p>"#;
        assert_eq!(html_to_markdown(html), "### **Super resistente** **Informações:**\n\nOne two");
    }

    #[test]
    fn a_descriptions_images_are_named() {
        let html = r#"<h4>Which size?</h4><div><img src="https://cdn.example/chart.png"></div><p>Text <IMG SRC="b.jpg"></p>"#;
        assert_eq!(images_in(html), ["https://cdn.example/chart.png", "b.jpg"]);
        assert_eq!(html_to_markdown(html), "### Which size?\n\nText");
        let note = images_note(&images_in(html)).unwrap();
        assert!(
            note.starts_with("the description shows 2 images that are not imported") && note.ends_with("(https://cdn.example/chart.png, b.jpg)"),
            "{note}"
        );
        assert_eq!(images_note(&images_in("<p>No pictures.</p>")), None);
    }

    #[test]
    fn an_empty_line_parts_paragraphs() {
        // Printify's descriptions: `<br><br>` between a paragraph, a list and a heading line.
        let md = html_to_markdown("Wherever you go.<br><br>Features<br>- Dual layer<br>- New fits<br><br>Care<br>- Clean it");
        assert_eq!(md, "Wherever you go.\n\nFeatures  \n- Dual layer  \n- New fits\n\nCare  \n- Clean it");
        assert_eq!(html_to_markdown("<p>One<br>two<br><br><br>three</p>"), "One  \ntwo\n\nthree");
    }

    #[test]
    fn blocks_inside_an_inline_wrapper_stay_blocks() {
        let pasted = r#"<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><p dir="ltr"><span>Soft.</span></p><ul><li><span>Wash cold</span></li><li>Dry flat</li></ul></b>"#;
        assert_eq!(html_to_markdown(pasted), "Soft.\n\n- Wash cold\n- Dry flat");
        assert_eq!(html_to_markdown("<p>Made <b>to last</b>.</p>"), "Made **to last**.");
    }

    #[test]
    fn emphasis_keeps_its_spaces_and_still_reads_as_emphasis() {
        // Real exports: a space inside the tag's edge, two bold runs that touch, a bold label
        // ending in a colon right before the value.
        assert_eq!(html_to_markdown("<p>Hubs:<strong> TANGE</strong> THB007</p>"), "Hubs: **TANGE** THB007");
        assert_eq!(
            html_to_markdown("<p>a<strong> UltraLight</strong> tem <strong>18 </strong><strong>lâmpadas</strong></p>"),
            "a **UltraLight** tem **18** **lâmpadas**"
        );
        assert_eq!(html_to_markdown("<p><b>one</b><b>two</b></p>"), "**onetwo**");
        assert_eq!(html_to_markdown("<p><strong>Hubs:</strong>TANGE</p>"), "**Hubs:** TANGE");
        assert_eq!(html_to_markdown("<p><strong>Product Name:\u{a0}</strong>R BUBBLE</p>"), "**Product Name:** R BUBBLE");
        assert_eq!(html_to_markdown("<p>5<em> * </em>stars</p>"), "5 *\\** stars");
    }

    #[test]
    fn keeps_structure_and_safe_links() {
        let md = html_to_markdown(
            "<h2>Fit</h2><p>Soft <strong>organic</strong> cotton.<br>Made in <em>Portugal</em>.</p>\
             <ul><li>Machine wash</li><li>Two <a href=\"https://example.com/care\">care</a> tips<ul><li>Cold</li></ul></li></ul>\
             <ol><li>One</li><li>Two</li></ol>",
        );
        assert_eq!(
            md,
            "## Fit\n\nSoft **organic** cotton.  \nMade in *Portugal*.\n\n- Machine wash\n- Two [care](https://example.com/care) tips\n  - Cold\n\n1. One\n2. Two"
        );
    }

    #[test]
    fn drops_scripts_handlers_and_dangerous_links() {
        let md = html_to_markdown(
            "<p onclick=\"steal()\">Hi<script>alert(1)</script><style>p{}</style></p>\
             <a href=\"javascript:alert(1)\">click</a> <a href=\" JaVa\tScRiPt:alert(1)\">again</a> <a href=\"data:text/html,x\">data</a>\
             <img src=x onerror=alert(1)><iframe src=\"https://evil\">inside</iframe><svg><script>x</script></svg>",
        );
        assert!(!md.contains("alert") && !md.contains("steal") && !md.contains("inside") && !md.contains("p{}"), "{md}");
        assert!(!md.to_lowercase().contains("javascript") && !md.contains("data:"), "{md}");
        assert!(md.contains("click") && md.contains("again") && md.contains("Hi"), "{md}");
    }

    #[test]
    fn text_cannot_become_markup() {
        let md = html_to_markdown("<p>&lt;script&gt;x&lt;/script&gt; *not bold* [not](a link) # no heading</p>");
        assert_eq!(md, "\\<script\\>x\\</script\\> \\*not bold\\* \\[not\\](a link) \\# no heading");
    }

    #[test]
    fn character_references_in_plain_text_are_decoded() {
        assert_eq!(plain_text("Tom &amp; Jerry Tee"), "Tom & Jerry Tee");
        assert_eq!(plain_text("Mugs &#8211; Blue &#x2014; &quot;Big&quot;"), "Mugs – Blue — \"Big\"");
        assert_eq!(plain_text("R&D & more; A&B"), "R&D & more; A&B");
        assert_eq!(plain_text("&lt;b&gt;"), "<b>");
    }

    #[test]
    fn plain_text_and_broken_html_are_read() {
        assert_eq!(html_to_markdown("Just text, no tags"), "Just text, no tags");
        // As browsers read it: the unclosed <b> carries on into the next paragraph.
        assert_eq!(html_to_markdown("<p>Unclosed <b>bold<p>Next"), "Unclosed **bold**\n\n**Next**");
        assert_eq!(html_to_markdown(""), "");
    }

    #[test]
    fn code_is_kept_as_written() {
        assert_eq!(html_to_markdown("<p>Run <code>a*b &lt;tag&gt;</code> now</p>"), "Run `a*b <tag>` now");
    }
}
