//! Markdown to safe HTML, for posts and house rules ([`render`]) and chat messages
//! ([`render_reduced`]).
//!
//! Owns the whole way from untrusted Markdown to [`SanitizedHtml`]: pulldown-cmark parses
//! (CommonMark plus strikethrough; no tables, footnotes, task lists or math), an event filter
//! decides what may become markup, and ammonia cleans the result against an explicit allowlist.
//! `SanitizedHtml` is made only here, and read back only from columns that `render` filled, so
//! nothing else can put unchecked HTML on a page. This module must never fetch anything, add ids
//! or classes, or let raw HTML through as markup.
//!
//! What the filter does with the event stream:
//! - raw HTML (blocks and inline) becomes visible, escaped text: `<b>hi</b>` shows literally;
//! - an image becomes its alt text as plain text: no images of any origin, no tracking pixels;
//! - a link keeps its href only for `http:`, `https:`, `mailto:` and paths on this site (`/...`,
//!   but not `//host` or `/\host`, which browsers read as another host); any other link (other
//!   schemes, `javascript:` in any spelling, `#fragment`, `page.html`) keeps its text and loses
//!   the link, as does a URL over `MAX_URL_BYTES` or beyond the document's href budget (reference
//!   links repeat their URL, and the budget keeps a 16 KiB body from rendering to megabytes);
//!   ammonia adds `rel="nofollow noopener noreferrer"`;
//! - headings are demoted two levels below the page's own (h1 -> h3, h2 -> h4, h3 -> h5,
//!   deeper -> h6), on the events rather than on the HTML;
//! - code blocks lose their language: no classes at all;
//! - at most `MAX_NESTING` elements are open at once: a deeper container is dropped with all the
//!   markup inside it, and only its text is kept, so 8,000 `>` stay cheap and shallow.
//!
//! Size: callers refuse bodies over [`MAX_BODY_BYTES`]; `render` itself only cuts its input at
//! `INPUT_BACKSTOP_BYTES` (4 x the cap), in case a caller forgot to check.

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html,
};

/// Largest body, in bytes, that the API accepts for a post; the caller refuses larger ones.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Most elements open at once in the output.
const MAX_NESTING: usize = 16;
/// Longest href kept; a longer URL renders as its link text.
const MAX_URL_BYTES: usize = 2048;
/// Href bytes per document: reference links repeat one URL, this keeps output proportional.
const HREF_BUDGET_BYTES: usize = 2 * MAX_BODY_BYTES;
/// Where `render` cuts its input. House rules (10,000 characters) may exceed `MAX_BODY_BYTES`.
const INPUT_BACKSTOP_BYTES: usize = 4 * MAX_BODY_BYTES;

/// HTML that went through [`render`] or [`render_reduced`]. Templates may print it unescaped.
///
/// Stored as rendered (a `Text` column) and read back as is. There is deliberately no
/// `From<String>`, `Deserialize` or public constructor.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(transparent)]
pub struct SanitizedHtml(String);

impl SanitizedHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SanitizedHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<DB> ToSql<Text, DB> for SanitizedHtml
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.as_str().to_sql(out)
    }
}

impl<DB> FromSql<Text, DB> for SanitizedHtml
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        // Trusts the column: only `render`'s output is ever written to a `SanitizedHtml` column.
        String::from_sql(bytes).map(SanitizedHtml)
    }
}

/// Renders a post body or house rules: paragraphs, line breaks, emphasis, strong,
/// strikethrough, inline code, code blocks, blockquotes, lists, demoted headings, rules, links.
pub fn render(markdown: &str) -> SanitizedHtml {
    render_with(markdown, Mode::Full)
}

/// Renders a chat message: only emphasis, strong, strikethrough, inline code, links and line
/// breaks. Blocks (paragraphs, quotes, lists, headings, code blocks) are flattened into their
/// text with a line break between them; no `<p>` around the message.
pub fn render_reduced(markdown: &str) -> SanitizedHtml {
    render_with(markdown, Mode::Reduced)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Reduced,
}

fn render_with(markdown: &str, mode: Mode) -> SanitizedHtml {
    let markdown = cut(markdown, INPUT_BACKSTOP_BYTES);
    let mut filter = Filter::new(mode);
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        filter.push(event);
    }
    let mut unsafe_html = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut unsafe_html, filter.out.into_iter());
    let cleaner = match mode {
        Mode::Full => &*FULL_CLEANER,
        Mode::Reduced => &*REDUCED_CLEANER,
    };
    SanitizedHtml(cleaner.clean(&unsafe_html).to_string())
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What a start tag became, so that its end tag does the same.
enum Open {
    /// Emitted; closed by this end tag.
    Kept(TagEnd),
    /// Not markup (a refused link, a tag Kring does not render): its contents still are.
    Dropped,
    /// Beyond `MAX_NESTING`: it and everything inside it lose their markup, text is kept.
    Capped { block: bool },
    /// An image: only its alt text is kept.
    Image,
    /// A raw HTML block, collected to be shown as text.
    HtmlBlock,
    /// A block flattened by `render_reduced`: a line break follows it.
    Flattened,
}

/// The event filter between pulldown's parser and its HTML writer.
struct Filter<'a> {
    mode: Mode,
    out: Vec<Event<'a>>,
    /// One entry per open start tag of the input.
    open: Vec<Open>,
    /// Elements open in the output.
    depth: usize,
    /// Open `Open::Capped` entries.
    capped: usize,
    /// Open images.
    images: usize,
    /// The text of the raw HTML block being read.
    html_block: Option<String>,
    href_budget: usize,
    /// `render_reduced`: inside a code block; a line break between blocks is due.
    in_code_block: bool,
    break_due: bool,
    /// Whitespace is due between the texts of capped blocks.
    space_due: bool,
    wrote_inline: bool,
}

impl<'a> Filter<'a> {
    fn new(mode: Mode) -> Self {
        Filter {
            mode,
            out: Vec::new(),
            open: Vec::new(),
            depth: 0,
            capped: 0,
            images: 0,
            html_block: None,
            href_budget: HREF_BUDGET_BYTES,
            in_code_block: false,
            break_due: false,
            space_due: false,
            wrote_inline: false,
        }
    }

    fn push(&mut self, event: Event<'a>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(_) => self.end(),
            // Raw HTML is shown, never interpreted; math is not enabled, shown as typed.
            Event::Text(text)
            | Event::Html(text)
            | Event::InlineHtml(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => self.text(text),
            Event::Code(code) => self.code(code),
            // Footnotes are not enabled; shown as typed.
            Event::FootnoteReference(name) => self.text(format!("[^{name}]").into()),
            Event::SoftBreak if self.images > 0 => self.text(" ".into()),
            Event::HardBreak if self.images > 0 => self.text(" ".into()),
            // A chat message keeps its line breaks as typed.
            Event::SoftBreak if self.mode == Mode::Reduced => self.inline(Event::HardBreak),
            Event::SoftBreak => self.out.push(Event::SoftBreak),
            Event::HardBreak => self.inline(Event::HardBreak),
            Event::Rule if self.mode == Mode::Reduced => self.break_due = true,
            Event::Rule if self.capped == 0 => self.out.push(Event::Rule),
            Event::Rule | Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'a>) {
        if self.images > 0 {
            // An image's alt text is plain text, whatever markup it holds.
            return self.open.push(Open::Dropped);
        }
        if self.capped > 0 {
            return self.cap(&tag);
        }
        let tag = match tag {
            Tag::Image { .. } => {
                self.images += 1;
                return self.open.push(Open::Image);
            }
            Tag::HtmlBlock => {
                self.break_due = self.mode == Mode::Reduced;
                self.html_block = Some(String::new());
                return self.open.push(Open::HtmlBlock);
            }
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => match self.href(link_type, dest_url) {
                Some(href) => Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: href,
                    title: CowStr::Borrowed(""),
                    id: CowStr::Borrowed(""),
                },
                None => return self.open.push(Open::Dropped),
            },
            Tag::Emphasis | Tag::Strong | Tag::Strikethrough => tag,
            Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::Item
                if self.mode == Mode::Reduced =>
            {
                self.in_code_block = matches!(tag, Tag::CodeBlock(_));
                // A line break before the block as well: "twee" and a nested "genest".
                self.break_due = true;
                return self.open.push(Open::Flattened);
            }
            Tag::Paragraph | Tag::Item | Tag::List(_) => tag,
            Tag::Heading { level, .. } => Tag::Heading {
                level: demoted(level),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            },
            // No GitHub alert classes.
            Tag::BlockQuote(_) => Tag::BlockQuote(None),
            // No language class.
            Tag::CodeBlock(_) => Tag::CodeBlock(CodeBlockKind::Indented),
            // Tables, footnotes, definition lists, super/subscript, metadata: not enabled.
            _ => return self.open.push(Open::Dropped),
        };
        let end = tag.to_end();
        // A list needs room for its items, a code block is `<pre><code>`.
        let room = match end {
            TagEnd::List(_) | TagEnd::CodeBlock => 2,
            _ => 1,
        };
        if self.depth + room > MAX_NESTING {
            return self.cap(&tag);
        }
        self.depth += elements(end);
        self.open.push(Open::Kept(end));
        if matches!(
            tag,
            Tag::Link { .. } | Tag::Emphasis | Tag::Strong | Tag::Strikethrough
        ) {
            self.inline(Event::Start(tag));
        } else {
            // A block's own edges keep words apart.
            self.space_due = false;
            self.out.push(Event::Start(tag));
        }
    }

    fn cap(&mut self, tag: &Tag<'a>) {
        let block = !matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        );
        // Keeps the words of capped blocks apart: "x" and "x" must not become "xx".
        self.space_due |= block;
        self.capped += 1;
        self.open.push(Open::Capped { block });
    }

    fn end(&mut self) {
        match self.open.pop() {
            Some(Open::Kept(end)) => {
                self.space_due = false;
                self.depth -= elements(end);
                self.out.push(Event::End(end));
            }
            Some(Open::Capped { block }) => {
                self.space_due |= block;
                self.capped -= 1;
            }
            Some(Open::Image) => self.images -= 1,
            Some(Open::HtmlBlock) => {
                let raw = self.html_block.take().unwrap_or_default();
                self.raw_html_block(raw.trim_end().to_string());
            }
            Some(Open::Flattened) => {
                self.in_code_block = false;
                self.break_due = true;
            }
            Some(Open::Dropped) | None => {}
        }
    }

    fn text(&mut self, text: CowStr<'a>) {
        if let Some(raw) = &mut self.html_block {
            return raw.push_str(&text);
        }
        if self.in_code_block {
            // `render_reduced`: each line of a code block becomes inline code on its own line.
            for line in text.split_inclusive('\n') {
                let code = line.trim_end_matches('\n');
                if !code.is_empty() {
                    self.code(code.to_string().into());
                }
                if line.ends_with('\n') {
                    self.break_due = true;
                }
            }
            return;
        }
        self.inline(Event::Text(text));
    }

    fn code(&mut self, code: CowStr<'a>) {
        if self.images > 0 || self.capped > 0 || self.depth + 1 > MAX_NESTING {
            return self.inline(Event::Text(code));
        }
        self.inline(Event::Code(code));
    }

    /// A raw HTML block, shown as a paragraph of text.
    fn raw_html_block(&mut self, raw: String) {
        if self.mode == Mode::Full && self.depth < MAX_NESTING {
            self.out.push(Event::Start(Tag::Paragraph));
            self.out.push(Event::Text(raw.into()));
            self.out.push(Event::End(TagEnd::Paragraph));
        } else {
            self.inline(Event::Text(raw.into()));
            self.break_due = self.mode == Mode::Reduced;
        }
    }

    /// Emits inline content, after the line break or space that a block before it left due.
    fn inline(&mut self, event: Event<'a>) {
        if self.wrote_inline && self.break_due {
            self.out.push(Event::HardBreak);
        } else if self.wrote_inline && self.space_due {
            self.out.push(Event::SoftBreak);
        }
        self.break_due = false;
        self.space_due = false;
        self.wrote_inline = true;
        self.out.push(event);
    }

    /// The href a link keeps, if any; spends the document's href budget.
    fn href(&mut self, link_type: LinkType, dest: CowStr<'a>) -> Option<CowStr<'a>> {
        let href = match link_type {
            // pulldown gives an email autolink without its scheme.
            LinkType::Email => format!("mailto:{dest}").into(),
            _ => dest,
        };
        if href.len() > MAX_URL_BYTES || href.len() > self.href_budget || !is_allowed_url(&href) {
            return None;
        }
        self.href_budget -= href.len();
        Some(href)
    }
}

/// Elements a kept tag opens in the output.
fn elements(end: TagEnd) -> usize {
    match end {
        TagEnd::CodeBlock => 2,
        _ => 1,
    }
}

/// Two levels below the page's own headings.
fn demoted(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// `http:`, `https:` and `mailto:` URLs, and paths on this site. `url` has entities decoded.
fn is_allowed_url(url: &str) -> bool {
    // Browsers drop tabs and newlines inside URLs: `java&#9;script:` would be `javascript:`.
    if url.chars().any(char::is_control) {
        return false;
    }
    match url.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => ["http", "https", "mailto"]
            .iter()
            .any(|allowed| scheme.eq_ignore_ascii_case(allowed)),
        _ => is_same_origin_path(url),
    }
}

/// `/path`, but not `//host/path` or `/\host/path`, which browsers read as another host.
fn is_same_origin_path(url: &str) -> bool {
    let mut bytes = url.bytes();
    bytes.next() == Some(b'/') && !matches!(bytes.next(), Some(b'/' | b'\\'))
}

/// ammonia's check of relative hrefs: the same rule as the filter's.
fn keep_same_origin_path(url: &str) -> Option<Cow<'_, str>> {
    is_same_origin_path(url).then_some(Cow::Borrowed(url))
}

/// Tags that must never appear; ammonia drops them with their contents. The filter already turns
/// all raw HTML into text, so this is a second line.
const NEVER: [&str; 16] = [
    "script",
    "style",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "noscript",
    "noembed",
    "noframes",
    "template",
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "form",
];

fn cleaner(tags: &[&'static str]) -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags.iter().copied().collect())
        .clean_content_tags(NEVER.into_iter().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("ol", HashSet::from(["start"])),
        ]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(
            keep_same_origin_path,
        )))
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    builder
}

static FULL_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    cleaner(&[
        "a",
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h3",
        "h4",
        "h5",
        "h6",
    ])
});

static REDUCED_CLEANER: LazyLock<ammonia::Builder<'static>> =
    LazyLock::new(|| cleaner(&["a", "br", "em", "strong", "del", "code"]));
