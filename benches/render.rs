//! Markdown rendering and sanitising benchmark: a realistic 2 KiB Dutch forum post under
//! criterion, its per-call p50/p99/max over 5,000 renders, and every pathological input of the
//! test corpus at the size cap.
//!
//! `cargo bench --bench render`. Prints the figures and writes (or replaces) its own section of
//! `benches/RESULTS.md`, leaving the rest of that file as it was.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use kring::markdown::{MAX_BODY_BYTES, render, render_reduced};

#[path = "../src/markdown/corpus.rs"]
mod corpus;

const COMMAND: &str = "cargo bench --bench render";
const HEADING: &str = "## Rendering and sanitising (cargo bench --bench render)";
/// Criterion's group; its functions are `render` and `render_reduced`, on the post.
const CRITERION_GROUP: &str = "markdown_2kib_post";
const P99_RUNS: usize = 5_000;
const P99_TARGET: Duration = Duration::from_millis(2);
const PATHOLOGICAL_RUNS: usize = 5;
const PATHOLOGICAL_TARGET: Duration = Duration::from_millis(100);

/// A post as a member might write it: paragraphs, a list, a quote, a link, emphasis.
const POST: &str = "\
> Ik herken veel van wat je schrijft over de eerste weken na de diagnose. Dat gevoel dat \
iedereen om je heen gewoon doorgaat terwijl jouw wereld stil staat.

Dank je voor het delen, **Merel**. Je bent zeker niet de enige. Bij mij duurde het bijna een \
half jaar voordat ik er met mijn familie over kon praten, en ook toen ging het *met horten en \
stoten*. Wat mij toen hielp, achteraf gezien:

- elke ochtend even naar buiten, ook als het regent of als ik er geen zin in had;
- een vast moment in de week om te bellen met iemand die het **echt** begrijpt;
- opschrijven wat er door mijn hoofd ging, zonder het daarna terug te lezen;
- en vooral: niet alles tegelijk willen oplossen.

Het steunpunt heeft een goede pagina met praktische tips voor de eerste periode, met ook \
adressen van lotgenotengroepen in de regio. Je vindt die op \
[de site van het steunpunt](https://www.steunpunt.example.nl/eerste-weken). Er staat ook een \
lijstje vragen bij die je aan je huisarts of behandelaar kunt stellen; ik had dat graag eerder \
gehad.

Wat ik zelf lastig vond, was het gevoel dat ik *sterk* moest zijn voor de kinderen. Mijn \
jongste vroeg op een avond waarom ik zo vaak moe was, en ik wist niet goed wat ik moest \
zeggen. Uiteindelijk heb ik het gewoon verteld, in woorden die zij snapte, en dat was een \
opluchting voor ons allebei. Kinderen merken meer dan we denken.

Over de medicatie: bespreek de bijwerkingen gerust met je arts, ook als ze klein lijken. Bij \
mij werd de dosis na twee maanden aangepast en dat maakte een groot verschil voor mijn \
slaap. Iedereen is anders, dus neem dit niet als advies, alleen als ervaring.

Wat ook hielp: de bijeenkomsten van de groep zelf. De eerste keer zat ik vooral te \
luisteren, en dat is helemaal goed. Niemand verwacht dat je meteen je hele verhaal vertelt. \
Neem gerust iemand mee als dat prettiger voelt.

Als je wilt, kunnen we donderdag na de online bijeenkomst nog even napraten in de chat. Ik \
ben er meestal tot een uur of negen. Zorg goed voor jezelf, en laat gerust weten hoe het \
gaat.

Hartelijke groet,  
Anouk
";

fn main() {
    assert!(
        (1900..=2300).contains(&POST.len()),
        "the post is {} bytes",
        POST.len()
    );
    let busy_before = cpu_busy_before();
    let criterion_dir = target_dir().join("criterion");
    let mut criterion = Criterion::default()
        .output_directory(&criterion_dir)
        .configure_from_args();
    let mut group = criterion.benchmark_group(CRITERION_GROUP);
    group.bench_function("render", |b| b.iter(|| render(black_box(POST))));
    group.bench_function("render_reduced", |b| {
        b.iter(|| render_reduced(black_box(POST)))
    });
    group.finish();
    criterion.final_summary();
    let post_mean = criterion_mean(&criterion_dir, "render");
    let reduced_mean = criterion_mean(&criterion_dir, "render_reduced");

    let (post, post_cpu) = timed(P99_RUNS, || {
        black_box(render(black_box(POST)));
    });
    println!(
        "render, {P99_RUNS} calls: p50 {} p99 {} max {} (CPU time p99 {} max {})",
        ms(post.p50),
        ms(post.p99),
        ms(post.max),
        ms(post_cpu.p99),
        ms(post_cpu.max)
    );

    let mut pathological = Vec::new();
    for (name, input) in corpus::pathological() {
        assert!(input.len() <= MAX_BODY_BYTES, "{name} is over the cap");
        let mut output_bytes = 0;
        let full = timed(PATHOLOGICAL_RUNS, || {
            output_bytes = black_box(render(black_box(&input))).as_str().len();
        });
        let reduced = timed(PATHOLOGICAL_RUNS, || {
            black_box(render_reduced(black_box(&input)));
        });
        println!(
            "{name}: render median {} max {} (CPU max {}), render_reduced median {} max {} \
             (CPU max {})",
            ms(full.0.p50),
            ms(full.0.max),
            ms(full.1.max),
            ms(reduced.0.p50),
            ms(reduced.0.max),
            ms(reduced.1.max)
        );
        pathological.push((name, input.len(), output_bytes, full, reduced));
    }

    let mut section = String::new();
    let _ = writeln!(section, "{HEADING}\n");
    let _ = writeln!(section, "- Date: {}", shell("date", &["-u"]));
    let _ = writeln!(section, "- Machine: {}", machine());
    let _ = writeln!(section, "- Command: `{COMMAND}`");
    let _ = writeln!(section, "- Revision: {}", revision());
    let _ = writeln!(
        section,
        "- CPU use by other processes in the second before the run: {busy_before}"
    );
    let _ = writeln!(
        section,
        "- Setup: release profile (thin LTO), one thread. The post is a {} byte Dutch forum \
         post (a quote, paragraphs, a four-item list, a link, emphasis and strong, a hard \
         break). Criterion: its default 3 s warm-up and 5 s measurement, mean with its 95 % \
         confidence interval. p50/p99/max: {P99_RUNS} timed calls after criterion's runs, \
         nearest-rank. Pathological inputs: the corpus of `src/markdown/corpus.rs` (also \
         checked by `cargo test --lib markdown`), each at most `MAX_BODY_BYTES` = \
         {MAX_BODY_BYTES} bytes, {PATHOLOGICAL_RUNS} runs each of `render` and of \
         `render_reduced`; a time is the whole call (parse, filter, HTML writer, ammonia). \
         Targets are judged on the wall clock; \"CPU\" is the thread's own CPU time \
         (CLOCK_THREAD_CPUTIME_ID), which leaves out the time other processes held the CPUs.",
        POST.len()
    );
    let _ = writeln!(section);
    let _ = writeln!(section, "### The 2 KiB post\n");
    let _ = writeln!(section, "| measurement | figure | target | result |");
    let _ = writeln!(section, "|---|---:|---:|---|");
    let _ = writeln!(
        section,
        "| `render`, criterion mean [95 % CI] | {post_mean} | | |"
    );
    let _ = writeln!(
        section,
        "| `render_reduced`, criterion mean [95 % CI] | {reduced_mean} | | |"
    );
    for (label, value, target) in [
        ("p50", post.p50, None),
        ("p99", post.p99, Some(P99_TARGET)),
        ("max", post.max, None),
        ("CPU time p99", post_cpu.p99, None),
        ("CPU time max", post_cpu.max, None),
    ] {
        let (target_text, verdict) = match target {
            Some(t) => (format!("<= {}", ms(t)), pass(value <= t)),
            None => (String::new(), ""),
        };
        let _ = writeln!(
            section,
            "| `render`, {label} of {P99_RUNS} calls | {} | {target_text} | {verdict} |",
            ms(value)
        );
    }
    let _ = writeln!(section);
    let _ = writeln!(
        section,
        "### Pathological inputs at the cap (target <= {} each)\n",
        ms(PATHOLOGICAL_TARGET)
    );
    let _ = writeln!(
        section,
        "| input | bytes in | `render` bytes out | `render` median | `render` max | \
         `render` CPU max | `render_reduced` median | `render_reduced` max | \
         `render_reduced` CPU max | result |"
    );
    let _ = writeln!(section, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut all_pass = post.p99 <= P99_TARGET;
    for (name, bytes_in, bytes_out, (full, full_cpu), (reduced, reduced_cpu)) in &pathological {
        let ok = full.max <= PATHOLOGICAL_TARGET && reduced.max <= PATHOLOGICAL_TARGET;
        let cpu_ok = full_cpu.max <= PATHOLOGICAL_TARGET && reduced_cpu.max <= PATHOLOGICAL_TARGET;
        all_pass &= ok;
        let verdict = match (ok, cpu_ok) {
            (true, _) => "pass",
            (false, true) => "FAIL on the wall clock (CPU time within)",
            (false, false) => "FAIL",
        };
        let _ = writeln!(
            section,
            "| {} | {bytes_in} | {bytes_out} | {} | {} | {} | {} | {} | {} | {verdict} |",
            name.replace('|', "\\|"),
            ms(full.p50),
            ms(full.max),
            ms(full_cpu.max),
            ms(reduced.p50),
            ms(reduced.max),
            ms(reduced_cpu.max),
        );
    }
    let _ = writeln!(
        section,
        "\nAll targets met: {}.",
        if all_pass { "yes" } else { "no" }
    );
    println!("\n{section}");

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/RESULTS.md");
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    std::fs::write(path, with_section(&existing, &section)).expect("write benches/RESULTS.md");
    eprintln!("wrote the render section of {path}");
}

struct Percentiles {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

/// Times `runs` calls of `f` one by one: wall clock and this thread's CPU time.
fn timed(runs: usize, mut f: impl FnMut()) -> (Percentiles, Percentiles) {
    let (wall, cpu): (Vec<Duration>, Vec<Duration>) = (0..runs)
        .map(|_| {
            let cpu_start = thread_cpu_time();
            let start = Instant::now();
            f();
            let wall = start.elapsed();
            (wall, thread_cpu_time().saturating_sub(cpu_start))
        })
        .unzip();
    (percentiles(wall), percentiles(cpu))
}

/// Nearest-rank percentiles.
fn percentiles(mut times: Vec<Duration>) -> Percentiles {
    let runs = times.len();
    times.sort();
    let rank = |p: f64| times[((p * runs as f64).ceil() as usize).clamp(1, runs) - 1];
    Percentiles {
        p50: rank(0.50),
        p99: rank(0.99),
        max: times[runs - 1],
    }
}

/// `existing` with the section under `HEADING` replaced by `section` (up to the next `## `
/// heading or the end), or with `section` appended.
fn with_section(existing: &str, section: &str) -> String {
    let section = section.trim_end();
    let mut lines = existing.lines();
    let mut before = Vec::new();
    for line in lines.by_ref() {
        if line == HEADING {
            break;
        }
        before.push(line);
    }
    let after: Vec<&str> = lines.skip_while(|line| !line.starts_with("## ")).collect();
    let mut out = before.join("\n").trim_end().to_string();
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(section);
    out.push('\n');
    if !after.is_empty() {
        out.push('\n');
        out.push_str(&after.join("\n"));
        out.push('\n');
    }
    out
}

/// Criterion's mean for `function` from the estimates it saved, with its confidence interval.
fn criterion_mean(dir: &std::path::Path, function: &str) -> String {
    let path = dir
        .join(CRITERION_GROUP)
        .join(function)
        .join("new/estimates.json");
    let estimates: Option<serde_json::Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    let nanos = |key: &str| {
        estimates.as_ref().and_then(|e| {
            e.pointer(&format!("/mean/{key}"))
                .and_then(serde_json::Value::as_f64)
        })
    };
    match (
        nanos("point_estimate"),
        nanos("confidence_interval/lower_bound"),
        nanos("confidence_interval/upper_bound"),
    ) {
        (Some(mean), Some(low), Some(high)) => {
            format!("{:.1} µs [{:.1}, {:.1}]", mean / 1e3, low / 1e3, high / 1e3)
        }
        _ => format!("unknown (no {})", path.display()),
    }
}

/// How busy the CPUs are before the run (other processes), in percent, over one second.
fn cpu_busy_before() -> String {
    fn sample() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        // user nice system idle iowait ...
        let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        Some((fields.iter().sum(), idle))
    }
    let Some((total0, idle0)) = sample() else {
        return "unknown".into();
    };
    std::thread::sleep(Duration::from_secs(1));
    let Some((total1, idle1)) = sample() else {
        return "unknown".into();
    };
    let total = total1.saturating_sub(total0).max(1);
    let busy = total.saturating_sub(idle1.saturating_sub(idle0));
    format!("{:.0} %", busy as f64 * 100.0 / total as f64)
}

/// This thread's CPU time: unlike the wall clock, not inflated while other processes run.
fn thread_cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    // Linux's CLOCK_THREAD_CPUTIME_ID; the bench runs on 64-bit Linux (it reads /proc too).
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid, exclusive pointer.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")))
}

fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1e3)
}

fn pass(ok: bool) -> &'static str {
    if ok { "pass" } else { "FAIL" }
}

fn shell(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    format!(
        "{} CPUs (nproc), {model}, {memory} memory",
        shell("nproc", &[])
    )
}

/// The commit measured, and whether the renderer's code differs from it.
fn revision() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let commit = shell("git", &["-C", dir, "rev-parse", "--short", "HEAD"]);
    if commit.is_empty() || commit == "unknown" {
        return "unknown (not a git checkout)".into();
    }
    let changes = shell(
        "git",
        &[
            "-C",
            dir,
            "status",
            "--porcelain",
            "--",
            "src/markdown",
            "benches/render.rs",
            "Cargo.toml",
            "Cargo.lock",
        ],
    );
    if changes.is_empty() {
        format!("{commit} (renderer as committed)")
    } else {
        format!("{commit} plus uncommitted changes to the renderer, its bench or Cargo files")
    }
}
