//! Markdown to safe HTML: pulldown-cmark (raw HTML dropped), then ammonia with an explicit
//! allowlist. `SanitizedHtml` can only be made here, so nothing else can put unchecked HTML
//! on a page.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, html};

/// HTML that went through [`render`]. Templates may print it unescaped.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(transparent)]
pub struct SanitizedHtml(String);

impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for SanitizedHtml
where
    DB: diesel::backend::Backend,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, DB>,
    ) -> diesel::serialize::Result {
        self.0.as_str().to_sql(out)
    }
}

// Reading back trusts what `render` wrote: only `render` output is ever stored.
impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for SanitizedHtml
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        Ok(SanitizedHtml(String::from_sql(bytes)?))
    }
}

pub const MAX_BODY_BYTES: usize = 16 * 1024;

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

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
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
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .add_tag_attributes("a", ["href"])
        .url_schemes(["https", "http", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Renders Markdown: no raw HTML, no images, headings demoted below the page's own.
pub fn render(markdown: &str) -> SanitizedHtml {
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).filter_map(|event| match event {
            Event::Html(_) | Event::InlineHtml(_) => None,
            other => Some(other),
        });
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, parser);
    let demoted = unsafe_html
        .replace("<h1>", "<h3>")
        .replace("</h1>", "</h3>")
        .replace("<h2>", "<h4>")
        .replace("</h2>", "</h4>");
    SanitizedHtml(CLEANER.clean(&demoted).to_string())
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn hostile_markdown_is_defused() {
        let cases = [
            ("<script>alert(1)</script>", "script"),
            ("[x](javascript:alert(1))", "javascript"),
            ("![img](https://tracker.example/p.gif)", "<img"),
            ("<img src=x onerror=alert(1)>", "onerror"),
            ("<a href='https://x' onclick='y'>z</a>", "onclick"),
            ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
            ("<iframe src=https://x></iframe>", "iframe"),
            ("<style>body{}</style>", "style"),
        ];
        for (input, forbidden) in cases {
            let html = render(input);
            assert!(!html.as_str().contains(forbidden), "{input} -> {html}");
        }
    }

    #[test]
    fn ordinary_markdown_survives() {
        let html = render(
            "# Huisregels\n\n*Wees mild*, ook voor jezelf.\n\n- [steunpunt](https://example.nl)",
        );
        assert!(html.as_str().contains("<h3>Huisregels</h3>"), "{html}");
        assert!(html.as_str().contains("<em>Wees mild</em>"));
        assert!(
            html.as_str()
                .contains("rel=\"nofollow noopener noreferrer\""),
            "{html}"
        );
    }
}
