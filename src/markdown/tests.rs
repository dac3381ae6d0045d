//! The renderer's hostile-input corpus. Exact outputs for attacks, and for the pathological inputs
//! of `corpus.rs` (timed by `benches/render.rs`): well-formed, shallow, and proportional output.

use super::*;

/// (Markdown, exactly what `render` makes of it.)
const HOSTILE: &[(&str, &str)] = &[
    // Raw HTML is shown as text, in blocks and inline.
    (
        "<script>alert(1)</script>",
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n",
    ),
    (
        "a <script>alert(1)</script> b",
        "<p>a &lt;script&gt;alert(1)&lt;/script&gt; b</p>\n",
    ),
    (
        "<img src=x onerror=alert(1)>",
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n",
    ),
    (
        "a <img src=x onerror=alert(1)> b",
        "<p>a &lt;img src=x onerror=alert(1)&gt; b</p>\n",
    ),
    (
        "<a href=\"https://x\" onclick=\"alert(1)\">z</a>",
        "<p>&lt;a href=\"https://x\" onclick=\"alert(1)\"&gt;z&lt;/a&gt;</p>\n",
    ),
    (
        "<div onmouseover=\"alert(1)\">hover</div>",
        "<p>&lt;div onmouseover=\"alert(1)\"&gt;hover&lt;/div&gt;</p>\n",
    ),
    ("<b>hi</b>", "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"),
    // Autolinks: an event handler cannot get in, other schemes lose the link.
    (
        "<http://a.nl onmouseover=alert(1)>",
        "<p>&lt;http://a.nl onmouseover=alert(1)&gt;</p>\n",
    ),
    (
        "<https://a.nl/\"onmouseover=\"alert(1)>",
        "<p><a href=\"https://a.nl/%22onmouseover=%22alert(1)\" rel=\"nofollow noopener noreferrer\">https://a.nl/\"onmouseover=\"alert(1)</a></p>\n",
    ),
    ("<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n"),
    // Link schemes, however spelled: only http, https and mailto keep the href.
    ("[x](javascript:alert(1))", "<p>x</p>\n"),
    ("[x](JaVaScRiPt:alert(1))", "<p>x</p>\n"),
    ("[x](&#106;avascript:alert(1))", "<p>x</p>\n"),
    ("[x](&#x6A;avascript&colon;alert(1))", "<p>x</p>\n"),
    ("[x](java&#9;script:alert(1))", "<p>x</p>\n"),
    ("[x](<java\tscript:alert(1)>)", "<p>x</p>\n"),
    ("[x]( javascript:alert(1))", "<p>x</p>\n"),
    ("[x](<\u{1}javascript:alert(1)>)", "<p>x</p>\n"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>x</p>\n"),
    ("[x](vbscript:msgbox(1))", "<p>x</p>\n"),
    // Reference links go through the same check.
    ("[x][r]\n\n[r]: javascript:alert(1)", "<p>x</p>\n"),
    ("[r]\n\n[r]: &#106;avascript:alert(1)", "<p>r</p>\n"),
    // Relative URLs: only paths on this site. Titles dropped, quotes escaped, email gets mailto:.
    ("[x](//evil.example/p)", "<p>x</p>\n"),
    ("[x](/\\evil.example/p)", "<p>x</p>\n"),
    (
        "[x](/g/kring/posts/3)",
        "<p><a href=\"/g/kring/posts/3\" rel=\"nofollow noopener noreferrer\">x</a></p>\n",
    ),
    ("[x](#top)", "<p>x</p>\n"),
    ("[x](page.html)", "<p>x</p>\n"),
    (
        "[x](https://a.nl \"title\" )",
        "<p><a href=\"https://a.nl\" rel=\"nofollow noopener noreferrer\">x</a></p>\n",
    ),
    (
        "[x](https://a.nl/\"onclick=\"alert(1))",
        "<p><a href=\"https://a.nl/%22onclick=%22alert(1)\" rel=\"nofollow noopener noreferrer\">x</a></p>\n",
    ),
    (
        "<a@b.nl>",
        "<p><a href=\"mailto:a@b.nl\" rel=\"nofollow noopener noreferrer\">a@b.nl</a></p>\n",
    ),
    // Mutation XSS and raw-text elements: all of it is text.
    (
        "<svg><style><img src=x onerror=alert(1)>",
        "<p>&lt;svg&gt;&lt;style&gt;&lt;img src=x onerror=alert(1)&gt;</p>\n",
    ),
    (
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<p>&lt;math&gt;&lt;mtext&gt;&lt;table&gt;&lt;mglyph&gt;&lt;style&gt;&lt;img src=x onerror=alert(1)&gt;</p>\n",
    ),
    (
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<p>&lt;noscript&gt;&lt;p title=\"&lt;/noscript&gt;&lt;img src=x onerror=alert(1)&gt;\"&gt;</p>\n",
    ),
    (
        "<iframe src=https://evil.example></iframe>",
        "<p>&lt;iframe src=https://evil.example&gt;&lt;/iframe&gt;</p>\n",
    ),
    (
        "<form action=https://evil.example><input name=p></form>",
        "<p>&lt;form action=https://evil.example&gt;&lt;input name=p&gt;&lt;/form&gt;</p>\n",
    ),
    (
        "<style>body{display:none}</style>",
        "<p>&lt;style&gt;body{display:none}&lt;/style&gt;</p>\n",
    ),
    (
        "<textarea><img src=x onerror=alert(1)></textarea>",
        "<p>&lt;textarea&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/textarea&gt;</p>\n",
    ),
    (
        "<title><img src=x onerror=alert(1)></title>",
        "<p>&lt;title&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/title&gt;</p>\n",
    ),
    (
        "<xmp><img src=x onerror=alert(1)></xmp>",
        "<p>&lt;xmp&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/xmp&gt;</p>\n",
    ),
    // Comments are text too.
    (
        "<!-- comment --> after",
        "<p>&lt;!-- comment --&gt; after</p>\n",
    ),
    // No images: the alt text, as plain text.
    ("![x](https://evil.example/p.gif)", "<p>x</p>\n"),
    ("![x](/local.png)", "<p>x</p>\n"),
    (
        "![*alt* `code` [l](https://a.nl)](https://evil.example/p.gif)",
        "<p>alt code l</p>\n",
    ),
    (
        "[![x](https://evil.example/p.gif)](https://a.nl)",
        "<p><a href=\"https://a.nl\" rel=\"nofollow noopener noreferrer\">x</a></p>\n",
    ),
    ("![x][i]\n\n[i]: https://evil.example/p.gif", "<p>x</p>\n"),
    // Code: no language class, contents escaped.
    (
        "```html\n<script>alert(1)</script>\n```",
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n",
    ),
    (
        "```\" onmouseover=\"alert(1)\n`x`\n```",
        "<pre><code>`x`\n</code></pre>\n",
    ),
    ("`<script>`", "<p><code>&lt;script&gt;</code></p>\n"),
    // Extensions that are off: heading attributes, alerts, tables, footnotes, task lists.
    (
        "# {#id .class onclick=alert(1)}",
        "<h3>{#id .class onclick=alert(1)}</h3>\n",
    ),
    (
        "> [!NOTE]\n> note",
        "<blockquote>\n<p>[!NOTE]\nnote</p>\n</blockquote>\n",
    ),
    (
        "| a | b |\n|---|---|\n| c | d |",
        "<p>| a | b |\n|---|---|\n| c | d |</p>\n",
    ),
    ("x[^1]\n\n[^1]: note", "<p>x^1</p>\n"),
    ("- [ ] task", "<ul>\n<li>[ ] task</li>\n</ul>\n"),
    // Nested markup and entities.
    ("*<em>x</em>*", "<p><em>&lt;em&gt;x&lt;/em&gt;</em></p>\n"),
    (
        "**[x](javascript:alert(1))**",
        "<p><strong>x</strong></p>\n",
    ),
    ("&lt;script&gt;", "<p>&lt;script&gt;</p>\n"),
    ("a\0b", "<p>ab</p>\n"),
];

/// (Markdown, exactly what `render_reduced` makes of it.)
const HOSTILE_CHAT: &[(&str, &str)] = &[
    (
        "<script>alert(1)</script>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ),
    (
        "<img src=x onerror=alert(1)>",
        "&lt;img src=x onerror=alert(1)&gt;",
    ),
    (
        "<a href=\"https://x\" onclick=\"alert(1)\">z</a>",
        "&lt;a href=\"https://x\" onclick=\"alert(1)\"&gt;z&lt;/a&gt;",
    ),
    ("<b>hi</b>", "&lt;b&gt;hi&lt;/b&gt;"),
    (
        "<http://a.nl onmouseover=alert(1)>",
        "&lt;http://a.nl onmouseover=alert(1)&gt;",
    ),
    ("[x](javascript:alert(1))", "x"),
    ("[x](&#106;avascript:alert(1))", "x"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "x"),
    (
        "[x](/g/kring/posts/3)",
        "<a href=\"/g/kring/posts/3\" rel=\"nofollow noopener noreferrer\">x</a>",
    ),
    (
        "<a@b.nl>",
        "<a href=\"mailto:a@b.nl\" rel=\"nofollow noopener noreferrer\">a@b.nl</a>",
    ),
    (
        "<svg><style><img src=x onerror=alert(1)>",
        "&lt;svg&gt;&lt;style&gt;&lt;img src=x onerror=alert(1)&gt;",
    ),
    (
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "&lt;math&gt;&lt;mtext&gt;&lt;table&gt;&lt;mglyph&gt;&lt;style&gt;&lt;img src=x onerror=alert(1)&gt;",
    ),
    (
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "&lt;noscript&gt;&lt;p title=\"&lt;/noscript&gt;&lt;img src=x onerror=alert(1)&gt;\"&gt;",
    ),
    ("![x](https://evil.example/p.gif)", "x"),
    (
        "![*alt* `code` [l](https://a.nl)](https://evil.example/p.gif)",
        "alt code l",
    ),
    (
        "[![x](https://evil.example/p.gif)](https://a.nl)",
        "<a href=\"https://a.nl\" rel=\"nofollow noopener noreferrer\">x</a>",
    ),
    (
        "```html\n<script>alert(1)</script>\n```",
        "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>",
    ),
    ("> [!NOTE]\n> note", "[!NOTE]<br>\nnote"),
    (
        "| a | b |\n|---|---|\n| c | d |",
        "| a | b |<br>\n|---|---|<br>\n| c | d |",
    ),
    ("*<em>x</em>*", "<em>&lt;em&gt;x&lt;/em&gt;</em>"),
    ("**[x](javascript:alert(1))**", "<strong>x</strong>"),
];

#[test]
fn hostile_markdown_renders_to_exactly_this() {
    for (input, expected) in HOSTILE {
        assert_eq!(render(input).as_str(), *expected, "render({input:?})");
    }
}

#[test]
fn hostile_chat_messages_render_to_exactly_this() {
    for (input, expected) in HOSTILE_CHAT {
        assert_eq!(
            render_reduced(input).as_str(),
            *expected,
            "render_reduced({input:?})"
        );
    }
}

#[test]
fn hostile_outputs_are_well_formed_and_inert() {
    for (input, _) in HOSTILE {
        let html = render(input);
        assert_well_formed(&FULL_CLEANER, html.as_str(), input);
        let chat = render_reduced(input);
        assert_well_formed(&REDUCED_CLEANER, chat.as_str(), input);
        for output in [html.as_str(), chat.as_str()] {
            let lower = output.to_ascii_lowercase();
            for forbidden in [
                "<script", "<img", "<svg", "<math", "<style", "<iframe", "<form",
            ] {
                assert!(!lower.contains(forbidden), "{input:?} -> {output}");
            }
            assert!(
                !lower.contains("href=\"javascript"),
                "{input:?} -> {output}"
            );
        }
    }
}

#[test]
fn ordinary_markdown_survives() {
    let post = "\
# Huisregels

*Wees mild*, ook voor **jezelf**. ~~Nooit~~ `code` en een
zachte regel en een harde  
regel.

> Geciteerd bericht
> > met een citaat erin

- een
- twee
  - genest

3. drie
4. vier

---

```rust
fn main() {}
```

[steunpunt](https://example.nl/a?b=1&c=2), <https://example.nl>, [mail](mailto:a@b.nl) en [intern](/g/kring).
";
    let expected = "\
<h3>Huisregels</h3>
<p><em>Wees mild</em>, ook voor <strong>jezelf</strong>. <del>Nooit</del> <code>code</code> en een
zachte regel en een harde<br>
regel.</p>
<blockquote>
<p>Geciteerd bericht</p>
<blockquote>
<p>met een citaat erin</p>
</blockquote>
</blockquote>
<ul>
<li>een</li>
<li>twee
<ul>
<li>genest</li>
</ul>
</li>
</ul>
<ol start=\"3\">
<li>drie</li>
<li>vier</li>
</ol>
<hr>
<pre><code>fn main() {}
</code></pre>
<p><a href=\"https://example.nl/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">steunpunt</a>, \
<a href=\"https://example.nl\" rel=\"nofollow noopener noreferrer\">https://example.nl</a>, \
<a href=\"mailto:a@b.nl\" rel=\"nofollow noopener noreferrer\">mail</a> en \
<a href=\"/g/kring\" rel=\"nofollow noopener noreferrer\">intern</a>.</p>
";
    assert_eq!(render(post).as_str(), expected);

    let chat = "\
Hoi *allemaal*, **welkom**!
> een citaat
- een
- twee
  - genest

`code` en [link](https://example.nl)";
    let expected = "\
Hoi <em>allemaal</em>, <strong>welkom</strong>!<br>
een citaat<br>
een<br>
twee<br>
genest<br>
<code>code</code> en <a href=\"https://example.nl\" rel=\"nofollow noopener noreferrer\">link</a>";
    assert_eq!(render_reduced(chat).as_str(), expected);
}

#[test]
fn headings_are_demoted_two_levels() {
    let html = render("# 1\n## 2\n### 3\n#### 4\n##### 5\n###### 6\n\nSetext\n---");
    assert_eq!(
        html.as_str(),
        "<h3>1</h3>\n<h4>2</h4>\n<h5>3</h5>\n<h6>4</h6>\n<h6>5</h6>\n<h6>6</h6>\n<h4>Setext</h4>\n"
    );
}

#[test]
fn pathological_inputs_stay_well_formed_shallow_and_proportional() {
    for (name, input) in corpus::pathological() {
        assert!(
            input.len() <= MAX_BODY_BYTES,
            "{name}: {} bytes",
            input.len()
        );
        for (cleaner, output) in [
            (&*FULL_CLEANER, render(&input)),
            (&*REDUCED_CLEANER, render_reduced(&input)),
        ] {
            let output = output.as_str();
            assert_well_formed(cleaner, output, name);
            // A link `[](/)` is the most one can get per byte: about ten times.
            let bound = 16 * input.len() + HREF_BUDGET_BYTES;
            assert!(output.len() <= bound, "{name}: {} bytes out", output.len());
        }
    }
}

#[test]
fn nesting_is_capped_and_the_text_kept() {
    let quotes = render(&format!("{}diep\n\nna", "> ".repeat(5_000)));
    let expected = format!(
        "{}diep{}",
        "<blockquote>\n".repeat(MAX_NESTING),
        "</blockquote>\n".repeat(MAX_NESTING)
    );
    assert_eq!(quotes.as_str(), format!("{expected}<p>na</p>\n"));

    // Lists need room for their items: eight lists of one item each is all there is.
    let lists = render(&format!("{}x", "- ".repeat(5_000)));
    assert_eq!(max_depth(lists.as_str()), Some(MAX_NESTING));
    assert_eq!(lists.as_str().matches("<ul>").count(), MAX_NESTING / 2);

    let emphasis = render(&format!("{}diep{}", "*a ".repeat(100), " a*".repeat(100)));
    assert_eq!(max_depth(emphasis.as_str()), Some(MAX_NESTING));
    assert_eq!(emphasis.as_str().matches("<em>").count(), MAX_NESTING - 1);
    assert_eq!(emphasis.as_str().matches('a').count(), 200);

    // The words of capped blocks stay apart.
    let deep_list: String = (0..40)
        .map(|level| format!("{}- x{level}\n", "  ".repeat(level)))
        .collect();
    let html = render(&deep_list);
    assert!(html.as_str().contains("x8\nx9\n"), "{html}");
    assert!(html.as_str().contains("x39"), "{html}");
}

#[test]
fn nesting_cap_drops_the_matching_end_tags_too() {
    // After the capped quote ends, the next paragraph is back at the top.
    let html = render(&format!("{}diep\n\n---\n\nna", "> ".repeat(40)));
    assert!(
        html.as_str().ends_with("</blockquote>\n<hr>\n<p>na</p>\n"),
        "{html}"
    );
    assert_eq!(max_depth(html.as_str()), Some(MAX_NESTING));
}

#[test]
fn reference_links_cannot_blow_a_body_up() {
    let url = format!("https://example.nl/{}", "a".repeat(2000));
    let html = render(&format!("[a]: {url}\n\n{}", "[a] ".repeat(1000)));
    // The budget holds 16 of these hrefs; the other 984 uses are plain text.
    let links = html.as_str().matches("<a href").count();
    assert_eq!(links, HREF_BUDGET_BYTES / url.len());
    assert_eq!(html.as_str().matches("a</a>").count(), links);
    assert!(
        html.as_str().len() < 2 * HREF_BUDGET_BYTES,
        "{} bytes",
        html.as_str().len()
    );

    let long = format!("[lang](https://example.nl/{})", "a".repeat(MAX_URL_BYTES));
    assert_eq!(render(&long).as_str(), "<p>lang</p>\n");
}

#[test]
fn urls_are_checked_after_entities_are_decoded() {
    for url in [
        "http://a.nl",
        "HTTPS://a.nl/x",
        "mailto:a@b.nl",
        "/",
        "/g/kring",
        "/a:b",
    ] {
        assert!(is_allowed_url(url), "{url}");
    }
    for url in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example",
        "/\\evil.example",
        "#top",
        "?q=1",
        "page.html",
        "",
    ] {
        assert!(!is_allowed_url(url), "{url:?}");
    }
}

#[test]
fn input_over_the_backstop_is_cut_on_a_character_boundary() {
    assert_eq!(cut("aé", 2), "a");
    assert_eq!(cut("aé", 3), "aé");
    let huge = "é".repeat(INPUT_BACKSTOP_BYTES);
    let html = render(&huge);
    assert_eq!(html.as_str().matches('é').count(), INPUT_BACKSTOP_BYTES / 2);
}

#[test]
fn a_body_far_over_the_cap_is_cut_before_it_is_parsed() {
    // 5,000 list lines, each indented two more: 25 MB, which the API refuses anyway.
    let deep: String = (0..5_000)
        .map(|level| format!("{}- x\n", "  ".repeat(level)))
        .collect();
    assert!(deep.len() > 300 * INPUT_BACKSTOP_BYTES);
    let html = render(&deep);
    assert_well_formed(&FULL_CLEANER, html.as_str(), "5,000 nested list lines");
    assert!(html.as_str().len() < 2 * INPUT_BACKSTOP_BYTES);
}

#[test]
fn sanitized_html_round_trips_through_a_text_column() {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
    diesel::sql_query("CREATE TABLE posts (id INTEGER PRIMARY KEY, body_html TEXT NOT NULL)")
        .execute(&mut conn)
        .expect("create table");
    diesel::table! {
        posts (id) {
            id -> Integer,
            body_html -> Text,
        }
    }
    #[derive(Queryable, Insertable, Debug, PartialEq)]
    #[diesel(table_name = posts)]
    struct Post {
        id: i32,
        body_html: SanitizedHtml,
    }
    let post = Post {
        id: 1,
        body_html: render("*hoi* <b>"),
    };
    diesel::insert_into(posts::table)
        .values(&post)
        .execute(&mut conn)
        .expect("insert");
    let read: Post = posts::table.first(&mut conn).expect("read back");
    assert_eq!(read, post);
    assert_eq!(read.body_html.as_str(), "<p><em>hoi</em> &lt;b&gt;</p>\n");
}

/// The output is a fixed point of its cleaner, and its tags nest properly.
fn assert_well_formed(cleaner: &ammonia::Builder<'static>, output: &str, what: &str) {
    assert_eq!(
        cleaner.clean(output).to_string(),
        output,
        "{what}: not a fixed point"
    );
    let depth = max_depth(output);
    assert!(
        depth.is_some_and(|depth| depth <= MAX_NESTING),
        "{what}: depth {depth:?}"
    );
}

/// The most elements open at once, or `None` if an end tag does not match its start tag.
fn max_depth(html: &str) -> Option<usize> {
    let mut open: Vec<&str> = Vec::new();
    let mut max = 0;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = tag_end(rest)?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop()? != name {
                return None;
            }
        } else {
            let name = tag.split([' ', '/']).next()?;
            if !matches!(name, "br" | "hr") {
                open.push(name);
                max = max.max(open.len());
            }
        }
    }
    open.is_empty().then_some(max)
}

/// Where a tag's `>` is, skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quoted = false;
    tag.char_indices()
        .find(|&(_, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            c == '>' && !quoted
        })
        .map(|(i, _)| i)
}
