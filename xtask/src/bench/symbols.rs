//! Rows p. and q., t. and u.: the wall time and the peak memory of stopping at `bigbin::main`
//! in the 80+ MB debug build of xtask/bigbin and showing the backtrace (p., q.) or printing a
//! local of `main` (t., u.), dbg-cli against gdb, each run under a fresh `xtask rusage`
//! process. The two pairs are the [`BigbinStop`] descriptors below.

use std::path::PathBuf;
use std::process::Command;

use super::parse::{printed_problem, symbol_stop_problem};
use super::report::{failed, one_line, thousands, yes_no};
use super::tools::{command, Tools};
use super::{Measured, RUNS};
use crate::rusage::RunUsage;
use crate::workspace::{quote, Workspace};

/// The function rows p, q, t and u stop at, by its Rust path, so that the debugger must
/// consult DWARF.
pub const BIGBIN_MAIN: &str = "bigbin::main";
/// What bigbin prints last when it runs to its end.
pub const BIGBIN_DONE: &str = "bigbin done";

/// What the debugger does at `bigbin::main` before the kill, and the two rows that judge it:
/// the wall time (goal ≤ 0.3× gdb's) and the peak memory (≤ 0.5× gdb's).
#[derive(Debug)]
pub struct BigbinStop {
    /// The wall-time row and the peak-memory row.
    pub letters: [char; 2],
    /// The commands, as dbg-cli and gdb are told them.
    pub dbg_commands: &'static [&'static str],
    pub gdb_commands: &'static [&'static str],
    /// What the commands do, for the heading: `a backtrace`.
    what: &'static str,
    /// The member and value the output must show besides `bigbin::main`, if any.
    printed: Option<(&'static str, &'static str)>,
}

/// p. and q.: a backtrace at `bigbin::main`.
pub const BACKTRACE_STOP: BigbinStop = BigbinStop {
    letters: ['p', 'q'],
    dbg_commands: &["backtrace"],
    gdb_commands: &["bt"],
    what: "a backtrace",
    printed: None,
};

/// t. and u. (issue 11): `print args`, main's one local. At the breakpoint (line 54, `let
/// args = Args::parse();`) no local is in scope yet (DWARF opens `args`'s lexical block after
/// the assignment; gdb says `No symbol 'args' in current context`), so both debuggers first
/// step over that line with `next`; `args` is then a `bigbin::Args` with `draws = 3`.
pub const PRINT_STOP: BigbinStop = BigbinStop {
    letters: ['t', 'u'],
    dbg_commands: &["next", "print args"],
    gdb_commands: &["next", "print args"],
    what: "`next` and `print args` (main's local)",
    printed: Some(("draws", "3")),
};

impl BigbinStop {
    /// The section heading.
    pub fn heading(&self) -> String {
        let [wall, peak] = self.letters;
        format!(
            "{wall}. and {peak}. wall time and peak memory of stopping at `{BIGBIN_MAIN}` in \
             the debug build of xtask/bigbin, {} and a kill",
            self.what
        )
    }

    /// The row letters as [`super::Rows::has`] takes them: `pq`.
    pub fn letters(&self) -> String {
        self.letters.iter().collect()
    }

    /// What is wrong with the output of a debugger's run, if anything.
    fn problem(&self, output: &str) -> Option<String> {
        symbol_stop_problem(output).or_else(|| {
            self.printed
                .and_then(|(member, value)| printed_problem(output, member, value))
        })
    }
}

/// p. and q. (or t. and u.): each debugger stopping at `bigbin::main` in the debug build of
/// xtask/bigbin.
#[derive(Debug)]
pub struct SymbolRuns {
    /// The binary, as shown (relative to the workspace root).
    pub binary: String,
    pub bytes: u64,
    /// dbg-cli's medians.
    pub dbg: Measured<RunUsage>,
    /// gdb's medians; `None` when gdb is not installed.
    pub gdb: Option<Measured<RunUsage>>,
    /// bigbin run alone to its end: its peak bounds the tracee's share of a debugger's.
    pub program: RunUsage,
}

impl Workspace {
    /// Where bigbin is built: its own target directory (it is not part of our workspace).
    pub fn bigbin_target(&self) -> PathBuf {
        self.target.join("bigbin")
    }

    /// Build xtask/bigbin in the debug profile with its own lockfile; cargo reuses a build
    /// that is fresh.
    pub fn build_bigbin(&self) -> Measured<()> {
        let manifest = self.root.join("xtask").join("bigbin").join("Cargo.toml");
        let mut command = self.cargo(["build", "--locked", "--manifest-path"]);
        command
            .arg(manifest)
            .arg("--target-dir")
            .arg(self.bigbin_target());
        let result = self.run(&mut command);
        if let Err(e) = &result {
            println!("xtask: {e}: rows p, q, t and u fail");
        }
        result
    }

    /// p. and q. (t. and u.) Stop at `bigbin::main` in the large debug binary, do what `stop`
    /// says (show the backtrace, print a local) and kill the program, with dbg-cli and with
    /// gdb: [`RUNS`] interleaved runs, each under a fresh `xtask rusage` process, and the
    /// median wall time and median peak RSS of each debugger. Every run must have stopped at
    /// `bigbin::main` ([`symbol_stop_problem`]) and shown what `stop` asks; a debugger whose
    /// run fails or does not is not run again, and its figures say why. Also one run of bigbin
    /// alone, to its end: its peak bounds what the tracee adds to a debugger's.
    pub fn measure_symbols(
        &self,
        tools: &Tools,
        built: &Measured<()>,
        stop: &BigbinStop,
    ) -> Measured<SymbolRuns> {
        built.clone()?;
        let shown = self.show_path(&tools.bigbin);
        let bytes = std::fs::metadata(&tools.bigbin)
            .map_err(|e| format!("cannot read {shown}: {e}"))?
            .len();
        println!("{shown}: {bytes} bytes ({:.1} MB)", bytes as f64 / 1e6);
        let alone = Command::new(&tools.bigbin);
        println!(
            "$ {}    # check: it runs to its end",
            self.shell_line(&alone)
        );
        let program = self.rusage_output(&alone).and_then(|(usage, output)| {
            if output.contains(BIGBIN_DONE) {
                Ok(usage)
            } else {
                Err(format!("{shown} did not print `{BIGBIN_DONE}`: {output}"))
            }
        })?;
        println!(
            "bigbin alone: {:.3} s, peak {}",
            program.wall.as_secs_f64(),
            program.peak_shown()
        );

        let mut debuggers = vec![("dbg", command(&tools.dbg, tools.dbg_symbol_stop(stop)))];
        if let Some(gdb) = &tools.gdb {
            debuggers.push(("gdb", command(gdb, tools.gdb_symbol_stop(stop))));
        }
        let mut medians = self
            .interleaved_usages(debuggers, |tool, output| {
                stop.problem(output)
                    .map(|problem| format!("{tool} {problem}"))
            })
            .into_iter();
        let dbg = medians
            .next()
            .map_or_else(|| Err("dbg-cli was not run".to_string()), |(_, dbg)| dbg);
        let gdb = medians.next().map(|(_, gdb)| gdb);
        Ok(SymbolRuns {
            binary: shown,
            bytes,
            dbg,
            gdb,
            program,
        })
    }
}

impl BigbinStop {
    /// Its two rows: the wall time and the peak memory of stopping at `bigbin::main`, dbg-cli
    /// against gdb. A failed dbg leaves gdb's figures shown; an invalid gdb says why below.
    pub fn render(
        &self,
        symbols: &Measured<SymbolRuns>,
        rows: &mut Vec<[String; 6]>,
        notes: &mut Vec<String>,
    ) {
        render(self, symbols, rows, notes);
    }
}

/// `commands` as they follow `-e` (or `-ex`) on a command line, each quoted as needed and
/// followed by a space: `-e next -e "print args" `.
fn each_after(flag: &str, commands: &[&str]) -> String {
    commands
        .iter()
        .map(|command| format!("{flag} {} ", quote(command)))
        .collect()
}

fn render(
    stop: &BigbinStop,
    symbols: &Measured<SymbolRuns>,
    rows: &mut Vec<[String; 6]>,
    notes: &mut Vec<String>,
) {
    type Figure = fn(&RunUsage) -> f64;
    let [wall, peak] = stop.letters;
    let judged: [(char, f64, Figure, &str); 2] = [
        (wall, 0.3, |usage| usage.wall.as_secs_f64(), "wall time"),
        (peak, 0.5, RunUsage::peak_mb, "peak memory (max RSS)"),
    ];
    let shown = |letter: char, usage: &RunUsage| {
        if letter == wall {
            format!("{:.3} s", usage.wall.as_secs_f64())
        } else {
            usage.peak_shown()
        }
    };
    let symbols = match symbols {
        Ok(symbols) => symbols,
        Err(e) => {
            let then = match stop.printed {
                Some(_) => ", `next` and a `print`",
                None => "",
            };
            for (letter, times, _, what) in judged {
                rows.push([
                    format!(
                        "{letter}. a breakpoint at `{BIGBIN_MAIN}` of a large debug \
                         binary{then}, {what}"
                    ),
                    failed(e),
                    "—".into(),
                    "—".into(),
                    format!("≤ {times}× gdb"),
                    "no".into(),
                ]);
            }
            return;
        }
    };
    let mb = symbols.bytes as f64 / 1e6;
    for (letter, times, figure, what) in judged {
        let measure = if letter == wall {
            format!(
                "{letter}. `dbg-cli run --batch -e \"breakpoint set {BIGBIN_MAIN}\" -e continue \
                 {}-e kill bigbin`, {mb:.1} MB debug binary, {what}",
                each_after("-e", stop.dbg_commands)
            )
        } else {
            format!("{letter}. the same, the debugger's {what}")
        };
        let dbg = match &symbols.dbg {
            Ok(usage) => shown(letter, usage),
            Err(e) => failed(e),
        };
        let (reference, ratio, met) = match (&symbols.dbg, &symbols.gdb) {
            (Ok(_), None) => ("gdb not installed".into(), "—".into(), "not checked".into()),
            (Err(_), None) => ("gdb not installed".into(), "—".into(), "no".into()),
            (_, Some(Err(_))) => ("gdb: invalid (see below)".into(), "—".into(), "no".into()),
            (Ok(dbg), Some(Ok(gdb))) => {
                let ratio = figure(dbg) / figure(gdb);
                (
                    format!("gdb: {}", shown(letter, gdb)),
                    format!("{ratio:.2}× gdb"),
                    yes_no(ratio <= times),
                )
            }
            (Err(_), Some(Ok(gdb))) => (
                format!("gdb: {}", shown(letter, gdb)),
                "—".into(),
                "no".into(),
            ),
        };
        rows.push([
            measure,
            dbg,
            reference,
            ratio,
            format!("≤ {times}× gdb"),
            met,
        ]);
    }
    if stop.printed.is_none() {
        notes.push(format!(
            "{wall}. bigbin: `{}`, {} bytes ({mb:.1} MB; MB = 10^6 bytes), the debug build of \
             `xtask/bigbin`, a program that uses a little of each of tokio, syn, regex, \
             serde_json, clap, axum, hyper, reqwest, tracing-subscriber, chrono, rand, toml, \
             serde_yaml and more; gdb runs `gdb -batch -nx -ex \"break {BIGBIN_MAIN}\" -ex \
             run -ex bt -ex kill bigbin`; every run must name `{BIGBIN_MAIN}` in its output \
             and not let the program run to its end",
            symbols.binary,
            thousands(symbols.bytes as f64)
        ));
    }
    if let Some((member, value)) = stop.printed {
        notes.push(format!(
            "{wall}. bigbin as for p.; gdb runs `gdb -batch -nx -ex \"break {BIGBIN_MAIN}\" \
             -ex run {}-ex kill bigbin`; every run must name `{BIGBIN_MAIN}`, print `$1 = ` \
             with `{member} = {value}` (gdb: `{member}: {value}`) and not let the program run \
             to its end. `args` is main's only local and is not in scope at the breakpoint \
             (line 54, `let args = Args::parse();`), so both step over that line first",
            each_after("-ex", stop.gdb_commands)
        ));
    }
    for (tool, usage) in [("dbg", Some(&symbols.dbg)), ("gdb", symbols.gdb.as_ref())] {
        match usage {
            Some(Ok(usage)) => notes.push(format!(
                "{wall}. {tool}: median of {RUNS} runs: {:.3} s, peak {}",
                usage.wall.as_secs_f64(),
                usage.peak_shown()
            )),
            Some(Err(why)) if tool == "gdb" => {
                notes.push(format!("{wall}. gdb is not measured: {}", one_line(why)));
            }
            _ => {}
        }
    }
    notes.push(format!(
        "{peak}. peak memory: `ru_maxrss` of `getrusage(RUSAGE_CHILDREN)` in a fresh `xtask \
         rusage` process whose only child is the debugger, so the largest peak RSS of the \
         debugger and of the processes it waited for: the fork that becomes the tracee \
         (at most the debugger's RSS when it forks) and the tracee, killed at \
         `{BIGBIN_MAIN}`. bigbin run alone to its end peaks at {} ({:.3} s), more than \
         the tracee reaches by `main`: a figure above that is the debugger's own",
        symbols.program.peak_shown(),
        symbols.program.wall.as_secs_f64()
    ));
}
