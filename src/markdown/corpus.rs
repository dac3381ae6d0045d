//! Pathological Markdown at the size cap, shared by the markdown tests and `benches/render.rs`
//! (which includes this file by path). Plain std only, so both can use it.

/// Bodies of `MAX_BODY_BYTES` (16 KiB) or just under, each meant to be slow or deep.
pub fn pathological() -> Vec<(&'static str, String)> {
    vec![
        ("16 KiB of `>`", fill(">", " diep")),
        ("`> ` x 8 Ki (nested quotes)", fill("> ", "diep")),
        ("16 KiB of `*` (a rule)", fill("*", "")),
        ("`*` x 8 Ki, a, `*` x 8 Ki", {
            let half = "*".repeat((CAP - 1) / 2);
            format!("{half}a{half}")
        }),
        ("`*a ` ... `a*` (emphasis 2,730 deep)", nested("*a ", "a* ")),
        (
            "`**a ` ... `a**` (strong 2,048 deep)",
            nested("**a ", "a** "),
        ),
        ("`~~a ` ... `a~~` (strikethrough)", nested("~~a ", "a~~ ")),
        ("`*a **b *c ` repeated", fill("*a **b *c ", "")),
        ("`_a __b ` repeated", fill("_a __b ", "")),
        ("16 KiB of `[`", fill("[", "")),
        ("`](` x 8 Ki", fill("](", "")),
        ("`[](` repeated", fill("[](", "")),
        ("`[` x n, `](/)` x n", {
            let n = CAP / 5;
            format!("{}a{}", "[".repeat(n), "](/)".repeat(n))
        }),
        ("`![` x n, `](/x.png)` x n (images)", {
            let n = CAP / 12;
            format!("{}a{}", "![".repeat(n), "](/x.png)".repeat(n))
        }),
        ("one 16 KiB inline link", {
            let head = "[x](https://example.nl/";
            format!("{head}{})", "a".repeat(CAP - head.len() - 1))
        }),
        ("one 16 KiB autolink", {
            let head = "<https://example.nl/";
            format!("{head}{}>", "a".repeat(CAP - head.len() - 1))
        }),
        ("a 2 KiB reference link used 3,589 times", {
            let definition = format!("[a]: https://example.nl/{}\n\n", "a".repeat(2000));
            let uses = "[a] ".repeat((CAP - definition.len()) / 4);
            format!("{definition}{uses}")
        }),
        ("1,638 inline links `[*a*](/x) `", fill("[*a*](/x) ", "")),
        (
            "reference definitions `[a]: /\\n` repeated",
            fill("[a]: /\n", ""),
        ),
        ("nested list, 2 more spaces each line (126 levels)", {
            let mut text = String::new();
            for level in 0.. {
                let line = format!("{}- x\n", "  ".repeat(level));
                if text.len() + line.len() > CAP {
                    break;
                }
                text.push_str(&line);
            }
            text
        }),
        ("`- ` x 8 Ki on one line (nested lists)", fill("- ", "x")),
        ("`1. ` x 5 Ki on one line", fill("1. ", "x")),
        ("`> - ` x 4 Ki (quote and list)", fill("> - ", "x")),
        ("4,096 list lines `- a`", fill("- a\n", "")),
        ("16 KiB of backticks", fill("`", "")),
        ("backtick runs of growing length", {
            let mut text = String::new();
            for run in 1.. {
                let piece = format!("{}a", "`".repeat(run));
                if text.len() + piece.len() > CAP {
                    break;
                }
                text.push_str(&piece);
            }
            text
        }),
        ("16 KiB of `<`", fill("<", "")),
        ("unclosed `<a ` tags", fill("<a ", "")),
        ("unclosed `<!--`", fill("<!--", "")),
        ("unclosed `<![CDATA[`", fill("<![CDATA[", "")),
        (
            "`<img src=x onerror=alert(1)>` repeated",
            fill("<img src=x onerror=alert(1)>", ""),
        ),
        ("`<div>` lines (HTML blocks)", fill("<div>\n\n", "")),
        ("entities `&#x3C;` repeated", fill("&#x3C;", "")),
        ("backslash escapes `\\*` repeated", fill("\\*", "")),
        ("hard breaks `a  \\n` repeated", fill("a  \n", "")),
        ("ATX headings `# a` repeated", fill("# a\n", "")),
        ("pipes `|a` (tables are off)", fill("|a", "")),
    ]
}

const CAP: usize = 16 * 1024;

/// `unit` repeated as often as fits in the cap before `tail`.
fn fill(unit: &str, tail: &str) -> String {
    let count = (CAP - tail.len()) / unit.len();
    format!("{}{tail}", unit.repeat(count))
}

/// `open` n times, then `close` n times: as deep as the cap allows.
fn nested(open: &str, close: &str) -> String {
    let count = CAP / (open.len() + close.len());
    format!("{}{}", open.repeat(count), close.repeat(count))
}
