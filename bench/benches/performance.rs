//! passerelle's benchmark: `cargo bench -p passerelle-bench` (docs/performance.md).
//!
//! For three establishments made by the demo generator (a 450-student collège, a 3,000-student
//! lycée and a 20,000-student synthetic establishment) it writes the exchange files as plain
//! XML (zip members extracted, no JSON dump) under `target/bench-data/`, then measures:
//!
//! - in process, the throughput of each phase: detect (decode + root + scores), read (decode +
//!   detect + reader), check (`check_paths` on the folder and the human report) and write
//!   (every writer of an exchange format);
//! - as processes on the same files, `passerelle check DOSSIER` against two references:
//!   `xmllint --noout` (libxml2, the floor to match) and `python3 bench/etree_load.py`
//!   (ElementTree into dicts, what most tools do), runs interleaved, median wall time, and
//!   peak memory (`VmHWM` for passerelle, `/usr/bin/time` for the references when present).
//!
//! The `passerelle` process is this very executable run again with `PASSERELLE_BENCH_CHILD`
//! set: the CLI's code built with the bench (release) profile, without a nested cargo build.
//!
//! Environment: `PASSERELLE_BENCH_SIZES=450,3000` limits the sizes, `PASSERELLE_BENCH_RUNS=N`
//! forces the number of runs.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use passerelle_core::checks::report::{RenderOptions, render_human};
use passerelle_core::checks::run::{CheckOptions, check_paths};
use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::detect::{ProbedFile, detect, read_input};
use passerelle_core::encoding::{TextKind, decode};
use passerelle_core::format::{ReadOptions, Registry, WriteOptions};
use passerelle_core::input::{InputFile, Limits, load_paths, read_zip};
use passerelle_core::xml::{XmlError, XmlStream};

/// Set in the environment of the child that runs `passerelle check`.
const CHILD: &str = "PASSERELLE_BENCH_CHILD";
/// Prefix of the line where the child reports its peak memory.
const PEAK: &str = "PASSERELLE_BENCH_PEAK_KIB=";

/// One establishment size.
struct Size {
    label: &'static str,
    students: usize,
    runs: usize,
}

const SIZES: [Size; 3] = [
    Size {
        label: "collège",
        students: 450,
        runs: 9,
    },
    Size {
        label: "lycée",
        students: 3_000,
        runs: 5,
    },
    Size {
        label: "synthetic",
        students: 20_000,
        runs: 3,
    },
];

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The `passerelle` command line, then its peak resident memory on standard error.
fn child() -> ExitCode {
    let code = passerelle_cli::main();
    if let Some(peak) = peak_kib() {
        eprintln!("{PEAK}{peak}");
    }
    code
}

/// `VmHWM` of this process (Linux), in KiB.
fn peak_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Runs `work` `runs` times and returns the median time.
fn timed<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    median(
        (0..runs.max(1))
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(work());
                start.elapsed()
            })
            .collect(),
    )
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// The bench files of one size, written as plain XML.
struct Prepared {
    folder: PathBuf,
    files: Vec<PathBuf>,
    input_bytes: u64,
    written_bytes: u64,
    write_time: Duration,
}

/// Writes the demo establishment with every writer of an exchange format, zip members
/// extracted (xmllint reads no zip), and times the writers.
fn prepare(registry: &Registry, size: &Size, runs: usize) -> Result<Prepared, Failure> {
    let folder = workspace()
        .join("target/bench-data")
        .join(size.students.to_string());
    if folder.exists() {
        fs::remove_dir_all(&folder)?;
    }
    fs::create_dir_all(&folder)?;
    let dataset = generate(&DemoParams {
        students: size.students,
        ..DemoParams::default()
    });
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(&dataset)),
        ..WriteOptions::default()
    };
    // The JSON dump is passerelle's own format, not an exchange file.
    let writers: Vec<_> = registry
        .iter()
        .filter(|format| format.can_write() && format.id() != "json")
        .collect();
    let write_time = timed(runs, || {
        writers
            .iter()
            .map(|format| format.write(&dataset, &options).map(|files| files.len()))
            .collect::<Vec<_>>()
    });
    let mut files = Vec::new();
    let mut written_bytes = 0;
    for format in &writers {
        for output in format.write(&dataset, &options)? {
            written_bytes += output.bytes.len() as u64;
            let plain = if output.name.to_ascii_lowercase().ends_with(".zip") {
                let path = folder.join(&output.name);
                let (members, _) =
                    read_zip(&output.name, &path, &output.bytes, &Limits::default())?;
                members
                    .into_iter()
                    .map(|member| {
                        let name = member.name.rsplit('!').next().unwrap_or("member.xml");
                        (name.to_string(), member.bytes)
                    })
                    .collect()
            } else {
                vec![(output.name, output.bytes)]
            };
            for (name, bytes) in plain {
                let path = folder.join(name);
                fs::write(&path, bytes)?;
                files.push(path);
            }
        }
    }
    files.sort();
    let input_bytes = files
        .iter()
        .map(|path| fs::metadata(path).map(|metadata| metadata.len()))
        .sum::<Result<u64, _>>()?;
    Ok(Prepared {
        folder,
        files,
        input_bytes,
        written_bytes,
        write_time,
    })
}

/// One phase measured in process.
struct Phase {
    name: &'static str,
    time: Duration,
    bytes: u64,
}

/// One file read on its own: its format, size, median read time, and the median time of the
/// XML layer alone on it (decoding, then every record of every block built as a `Node`).
struct FormatRead {
    format: String,
    bytes: u64,
    time: Duration,
    xml_time: Duration,
}

/// Decodes and streams a file the way the readers do, building every record and no model.
fn stream_records(file: &InputFile) -> Result<usize, XmlError> {
    let text = decode(&file.bytes, &file.name, TextKind::Xml).text;
    let mut stream = XmlStream::new(&text, &file.name);
    stream.root()?;
    let mut records = 0;
    while let Some(block) = stream.next_child()? {
        while let Some(record) = stream.next_child()? {
            records += stream.read_node(record)?.children.len() + 1;
        }
        drop(block);
    }
    stream.finish()?;
    Ok(records)
}

/// The read time of each file (decode, detect, read), to see which reader dominates.
fn reads_by_format(
    registry: &Registry,
    prepared: &Prepared,
    runs: usize,
) -> Result<Vec<FormatRead>, Failure> {
    let loaded = load_paths(std::slice::from_ref(&prepared.folder), &Limits::default())?;
    let options = ReadOptions::default();
    let mut reads = Vec::new();
    for file in &loaded.files {
        let format = read_input(registry, file, None, &options)?.format;
        let time = timed(runs, || read_input(registry, file, None, &options).is_ok());
        let xml_time = timed(runs, || stream_records(file).is_ok());
        reads.push(FormatRead {
            format,
            bytes: file.bytes.len() as u64,
            time,
            xml_time,
        });
    }
    reads.sort_by_key(|read| std::cmp::Reverse(read.bytes));
    Ok(reads)
}

fn phases(registry: &Registry, prepared: &Prepared, runs: usize) -> Result<Vec<Phase>, Failure> {
    let loaded = load_paths(std::slice::from_ref(&prepared.folder), &Limits::default())?;
    let detect_time = timed(runs, || {
        loaded
            .files
            .iter()
            .map(|file| detect(registry, &ProbedFile::new(file)).is_ok())
            .collect::<Vec<_>>()
    });
    let read_options = ReadOptions::default();
    let read_time = timed(runs, || {
        loaded
            .files
            .iter()
            .map(|file| read_input(registry, file, None, &read_options).is_ok())
            .collect::<Vec<_>>()
    });
    let options = CheckOptions::default();
    let folders = [prepared.folder.clone()];
    let check_time = timed(runs, || {
        check_paths(registry, &folders, &options)
            .map(|report| render_human(&report, &RenderOptions::default()).len())
    });
    Ok(vec![
        Phase {
            name: "detect",
            time: detect_time,
            bytes: prepared.input_bytes,
        },
        Phase {
            name: "read",
            time: read_time,
            bytes: prepared.input_bytes,
        },
        Phase {
            name: "check",
            time: check_time,
            bytes: prepared.input_bytes,
        },
        Phase {
            name: "write",
            time: prepared.write_time,
            bytes: prepared.written_bytes,
        },
    ])
}

/// A program compared on the bench files.
struct Tool {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    child: bool,
}

/// One process run: wall time and, when known, peak memory.
struct Sample {
    time: Duration,
    peak_kib: Option<u64>,
}

fn run_tool(tool: &Tool, with_peak: bool) -> Result<Sample, Failure> {
    let gnu_time = Path::new("/usr/bin/time");
    let mut command = if with_peak && !tool.child && gnu_time.exists() {
        let mut command = Command::new(gnu_time);
        command
            .arg("-f")
            .arg(format!("{PEAK}%M"))
            .arg(&tool.program);
        command
    } else {
        Command::new(&tool.program)
    };
    command.args(&tool.args).stdout(Stdio::null());
    command.stderr(Stdio::piped());
    if tool.child {
        command.env(CHILD, "1");
    }
    let start = Instant::now();
    let output = command.output()?;
    let time = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // passerelle check exits 1 when it finds errors: only a usage error (2) is a failure.
    let failed = match tool.child {
        true => output.status.code() == Some(2),
        false => !output.status.success(),
    };
    if failed {
        return Err(format!("{} failed: {stderr}", tool.name).into());
    }
    let peak_kib = stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix(PEAK))
        .and_then(|value| value.trim().parse().ok());
    Ok(Sample { time, peak_kib })
}

/// The real interpreter behind `python3` (a pyenv shim would add its own start-up time).
fn python() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

fn xmllint() -> Option<PathBuf> {
    let found = Command::new("xmllint")
        .arg("--version")
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    found.then(|| PathBuf::from("xmllint"))
}

/// The tools compared on one size, in the order of the table.
fn tools(prepared: &Prepared) -> Result<Vec<Tool>, Failure> {
    let folder = prepared.folder.display().to_string();
    let mut tools = vec![Tool {
        name: "passerelle check",
        program: std::env::current_exe()?,
        args: vec!["check".into(), folder.clone()],
        child: true,
    }];
    if let Some(program) = xmllint() {
        let mut args = vec!["--noout".to_string()];
        args.extend(prepared.files.iter().map(|path| path.display().to_string()));
        tools.push(Tool {
            name: "xmllint --noout",
            program,
            args,
            child: false,
        });
    }
    if let Some(program) = python() {
        tools.push(Tool {
            name: "ElementTree (etree_load.py)",
            program,
            args: vec![
                workspace()
                    .join("bench/etree_load.py")
                    .display()
                    .to_string(),
                folder,
            ],
            child: false,
        });
    }
    Ok(tools)
}

/// Median time and peak memory of each tool, runs interleaved so that a change in the
/// machine's load touches every tool alike.
/// A tool's median wall time and peak memory.
type Measured = (Duration, Option<u64>);

/// Median time and peak memory of each tool of each size. Runs are interleaved across tools
/// and sizes (a round runs every tool on every size that still needs runs), so that a change
/// in the machine's load touches every ratio alike, the linearity one included.
fn compare(sizes: &[(Vec<Tool>, usize)]) -> Result<Vec<Vec<Measured>>, Failure> {
    let mut times: Vec<Vec<Vec<Duration>>> = sizes
        .iter()
        .map(|(tools, _)| vec![Vec::new(); tools.len()])
        .collect();
    let mut peaks: Vec<Vec<Option<u64>>> = Vec::new();
    // One warm-up run, which also measures memory.
    for (tools, _) in sizes {
        peaks.push(
            tools
                .iter()
                .map(|tool| run_tool(tool, true).map(|sample| sample.peak_kib))
                .collect::<Result<_, _>>()?,
        );
    }
    let rounds = sizes.iter().map(|(_, runs)| *runs).max().unwrap_or(1);
    for round in 0..rounds {
        for ((tools, runs), times) in sizes.iter().zip(&mut times) {
            if round >= *runs {
                continue;
            }
            for (tool, times) in tools.iter().zip(times.iter_mut()) {
                times.push(run_tool(tool, false)?.time);
            }
        }
    }
    Ok(times
        .into_iter()
        .zip(peaks)
        .map(|(times, peaks)| times.into_iter().map(median).zip(peaks).collect())
        .collect())
}

/// What one size gave.
struct Outcome {
    label: &'static str,
    students: usize,
    input_bytes: u64,
    files: usize,
    phases: Vec<Phase>,
    formats: Vec<FormatRead>,
    tools: Vec<(&'static str, Duration, Option<u64>)>,
}

impl Outcome {
    fn tool(&self, prefix: &str) -> Option<(Duration, Option<u64>)> {
        self.tools
            .iter()
            .find(|(name, _, _)| name.starts_with(prefix))
            .map(|(_, time, peak)| (*time, *peak))
    }
}

fn seconds(time: Duration) -> String {
    let value = time.as_secs_f64();
    if value < 1.0 {
        format!("{:.1} ms", value * 1000.0)
    } else {
        format!("{value:.2} s")
    }
}

fn rate(amount: f64, time: Duration) -> f64 {
    amount / time.as_secs_f64().max(1e-9)
}

fn report(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let _ = writeln!(
        out,
        "Machine: {cores} core(s), load average {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = writeln!(out, "\n### Throughput by phase (in process, median)\n");
    let _ = writeln!(
        out,
        "| establishment | students | XML input | phase | time | MB/s | students/s |"
    );
    let _ = writeln!(out, "|---|---:|---:|---|---:|---:|---:|");
    for outcome in outcomes {
        for phase in &outcome.phases {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} MB ({} files) | {} | {} | {:.0} | {:.0} |",
                outcome.label,
                outcome.students,
                megabytes(outcome.input_bytes),
                outcome.files,
                phase.name,
                seconds(phase.time),
                rate(megabytes(phase.bytes), phase.time),
                rate(outcome.students as f64, phase.time),
            );
        }
    }
    let _ = writeln!(
        out,
        "\n### Reading by format (in process, median, one file at a time)\n"
    );
    let _ = writeln!(
        out,
        "| establishment | format | size | read | MB/s | XML layer alone | MB/s |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    for outcome in outcomes {
        for read in &outcome.formats {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} MB | {} | {:.0} | {} | {:.0} |",
                outcome.label,
                read.format,
                megabytes(read.bytes),
                seconds(read.time),
                rate(megabytes(read.bytes), read.time),
                seconds(read.xml_time),
                rate(megabytes(read.bytes), read.xml_time),
            );
        }
    }
    let _ = writeln!(
        out,
        "\n### The same files, as processes (median wall time; peak resident memory)\n"
    );
    let _ = writeln!(
        out,
        "| establishment | XML input | tool | time | MB/s | peak memory | time ÷ passerelle |"
    );
    let _ = writeln!(out, "|---|---:|---|---:|---:|---:|---:|");
    for outcome in outcomes {
        let ours = outcome.tool("passerelle").map(|(time, _)| time);
        for (name, time, peak) in &outcome.tools {
            let _ = writeln!(
                out,
                "| {} | {:.1} MB | {name} | {} | {:.0} | {} | {} |",
                outcome.label,
                megabytes(outcome.input_bytes),
                seconds(*time),
                rate(megabytes(outcome.input_bytes), *time),
                peak.map_or("n/a".to_string(), |kib| format!(
                    "{:.1} MB ({:.2}× input)",
                    kib as f64 * 1.024 / 1000.0,
                    kib as f64 * 1024.0 / outcome.input_bytes as f64
                )),
                ours.map_or("".to_string(), |ours| format!(
                    "{:.2}×",
                    time.as_secs_f64() / ours.as_secs_f64().max(1e-9)
                )),
            );
        }
    }
    let _ = writeln!(out, "\n### Targets (lycée, one run)\n");
    let lycee = outcomes.iter().find(|outcome| outcome.students == 3_000);
    let large = outcomes.iter().find(|outcome| outcome.students == 20_000);
    let ours = lycee.and_then(|outcome| outcome.tool("passerelle"));
    let mut target = |text: &str, value: Option<f64>, goal: f64, at_least: bool| {
        let verdict = match value {
            None => "not measured".to_string(),
            Some(value) if (at_least && value >= goal) || (!at_least && value <= goal) => {
                format!("{value:.2} — met")
            }
            Some(value) => format!("{value:.2} — MISSED"),
        };
        let _ = writeln!(out, "- {text}: {verdict}");
    };
    let ratio = |prefix: &str| -> Option<f64> {
        let (theirs, _) = lycee?.tool(prefix)?;
        let (ours, _) = ours?;
        Some(theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9))
    };
    target(
        "ElementTree time ÷ passerelle check time (≥ 20)",
        ratio("ElementTree"),
        20.0,
        true,
    );
    target(
        "xmllint --noout time ÷ passerelle check time (≥ 1)",
        ratio("xmllint"),
        1.0,
        true,
    );
    target(
        "passerelle peak memory ÷ input size (≤ 2)",
        lycee.zip(ours).and_then(|(outcome, (_, peak))| {
            peak.map(|kib| kib as f64 * 1024.0 / outcome.input_bytes as f64)
        }),
        2.0,
        false,
    );
    target(
        "20,000-student time ÷ 3,000-student time (≤ 7)",
        large
            .and_then(|outcome| outcome.tool("passerelle"))
            .zip(ours)
            .map(|((big, _), (small, _))| big.as_secs_f64() / small.as_secs_f64().max(1e-9)),
        7.0,
        false,
    );
    out
}

fn bench() -> Result<(), Failure> {
    let registry = passerelle_builtin::registry()?;
    let wanted: Option<Vec<usize>> = std::env::var("PASSERELLE_BENCH_SIZES").ok().map(|text| {
        text.split(',')
            .filter_map(|part| part.trim().parse().ok())
            .collect()
    });
    let forced_runs: Option<usize> = std::env::var("PASSERELLE_BENCH_RUNS")
        .ok()
        .and_then(|text| text.trim().parse().ok());
    let mut outcomes = Vec::new();
    let mut processes = Vec::new();
    for size in SIZES.iter().filter(|size| {
        wanted
            .as_ref()
            .is_none_or(|wanted| wanted.contains(&size.students))
    }) {
        let runs = forced_runs.unwrap_or(size.runs);
        eprintln!(
            "{} ({} students): writing the files…",
            size.label, size.students
        );
        let prepared = prepare(&registry, size, runs)?;
        eprintln!("{}: phases in process…", size.label);
        let phases = phases(&registry, &prepared, runs)?;
        let formats = reads_by_format(&registry, &prepared, runs)?;
        processes.push((tools(&prepared)?, runs));
        outcomes.push(Outcome {
            label: size.label,
            students: size.students,
            input_bytes: prepared.input_bytes,
            files: prepared.files.len(),
            phases,
            formats,
            tools: Vec::new(),
        });
    }
    eprintln!("processes, every size in turn…");
    let measured = compare(&processes)?;
    for ((outcome, (tools, _)), measured) in outcomes.iter_mut().zip(&processes).zip(measured) {
        outcome.tools = tools
            .iter()
            .zip(measured)
            .map(|(tool, (time, peak))| (tool.name, time, peak))
            .collect();
    }
    let text = report(&outcomes);
    println!("{text}");
    let saved = workspace().join("target/bench-data/report.md");
    fs::write(&saved, &text)?;
    eprintln!("Report saved in {}", saved.display());
    Ok(())
}
