//! Rows w., x. and y. (issue 12): programs as they really are, with shared libraries. w. and
//! x.: the wall time and the peak memory of stopping at `PyList_Append` in the system's
//! `python3` (no DWARF of its own; its C library's comes from libc6-dbg's separate debug
//! file), showing the backtrace and killing it. y.: the wall time of a pending breakpoint
//! that waits through 200 `dlopen`s for the last library, which defines its function, until
//! it hits. dbg-cli against gdb, each run under a fresh `xtask rusage` process; the two stops
//! are the [`LibraryStop`] descriptors below.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::report::{at_most_cells, failed, one_line};
use super::tools::{command, os_args, Tools};
use super::{Measured, RUNS};
use crate::rusage::RunUsage;
use crate::workspace::{quote, Workspace};

/// The interpreter w. and x. debug.
pub const PYTHON3: &str = "/usr/bin/python3";
/// The script python3 runs: it builds a list with `append` and prints [`PYTHON_DONE`] at its
/// end. (The first `PyList_Append` call comes before it, while the interpreter starts.)
pub const PYTHON_SCRIPT: &str =
    "import json; items = []; [items.append(i) for i in range(3)]; print('python done', json.dumps(items))";
/// What the script prints when it runs to its end.
const PYTHON_DONE: &str = "python done";
/// The libraries `dlopen_many` loads in y.
pub const LIBRARIES: u32 = 200;
/// The function only the last of them defines.
const MANY_LAST: &str = "many_last";

/// The program a [`LibraryStop`] debugs.
#[derive(Debug, Clone, Copy)]
pub enum StopProgram {
    /// [`PYTHON3`] running [`PYTHON_SCRIPT`].
    Python,
    /// `dlopen_many DIR 200` (test-programs/dlopen_many.c), loading the libraries the bench
    /// builds in DIR.
    ManyLibraries,
}

impl StopProgram {
    fn program(self, tools: &Tools) -> &Path {
        match self {
            StopProgram::Python => &tools.python3,
            StopProgram::ManyLibraries => &tools.dlopen_many,
        }
    }

    fn args(self, tools: &Tools) -> Vec<OsString> {
        match self {
            StopProgram::Python => os_args(["-c", PYTHON_SCRIPT]),
            StopProgram::ManyLibraries => vec![
                tools.many_libraries.clone().into(),
                LIBRARIES.to_string().into(),
            ],
        }
    }

    /// What the program prints when it runs to its end.
    fn done(self) -> String {
        match self {
            StopProgram::Python => PYTHON_DONE.to_string(),
            StopProgram::ManyLibraries => format!("loaded {LIBRARIES}, {MANY_LAST}"),
        }
    }
}

/// A breakpoint by name in a program with shared libraries, what the debugger does there and
/// the rows that judge it: the wall time (goal ≤ 0.3× gdb's) and, for w./x., the peak memory
/// (≤ 0.5× gdb's).
#[derive(Debug)]
pub struct LibraryStop {
    /// The wall-time row.
    pub wall: char,
    /// The peak-memory row, if the stop has one.
    pub peak: Option<char>,
    program: StopProgram,
    /// The function the breakpoint is on.
    function: &'static str,
    /// Whether the debugger shows the backtrace at the stop (and the run must show the
    /// function as frame #0).
    backtrace: bool,
    /// Whether the breakpoint is pending when set (gdb is told `set breakpoint pending on`).
    pending: bool,
    /// What the stop is, for the heading and the measure column.
    what: &'static str,
}

/// w. and x.: `break PyList_Append` in python3, backtrace, kill.
pub const PYTHON_STOP: LibraryStop = LibraryStop {
    wall: 'w',
    peak: Some('x'),
    program: StopProgram::Python,
    function: "PyList_Append",
    backtrace: true,
    pending: false,
    what: "stopping at `PyList_Append` in /usr/bin/python3 (libc6-dbg installed), a backtrace \
           and a kill",
};

/// y.: a pending `break many_last` in the last of 200 libraries loaded with `dlopen`.
pub const DLOPEN_STOP: LibraryStop = LibraryStop {
    wall: 'y',
    peak: None,
    program: StopProgram::ManyLibraries,
    function: MANY_LAST,
    backtrace: false,
    pending: true,
    what: "a pending breakpoint waiting through 200 `dlopen`s for the last library, until it \
           hits, and a kill",
};

impl LibraryStop {
    /// The section heading.
    pub fn heading(&self) -> String {
        match self.peak {
            Some(peak) => format!(
                "{}. and {peak}. wall time and peak memory of {}",
                self.wall, self.what
            ),
            None => format!("{}. wall time of {}", self.wall, self.what),
        }
    }

    /// The row letters as [`super::Rows::has`] takes them: `wx`.
    pub fn letters(&self) -> String {
        std::iter::once(self.wall).chain(self.peak).collect()
    }

    /// The debugger commands after the launch: `break F`, continue (gdb: `run`), the
    /// backtrace if any, kill; dbg-cli's or gdb's spelling.
    fn commands(&self, gdb: bool) -> Vec<String> {
        let mut commands = Vec::new();
        if gdb && self.pending {
            commands.push("set breakpoint pending on".to_string());
        }
        commands.push(format!("break {}", self.function));
        commands.push(if gdb { "run" } else { "continue" }.to_string());
        if self.backtrace {
            commands.push(if gdb { "bt" } else { "backtrace" }.to_string());
        }
        commands.push("kill".to_string());
        commands
    }

    /// `dbg-cli run --batch -e "break F" -e continue ... PROGRAM ARGS`.
    fn dbg_args(&self, tools: &Tools) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        for command in self.commands(false) {
            args.extend(["-e".into(), command.into()]);
        }
        args.push(self.program.program(tools).into());
        args.extend(self.program.args(tools));
        args
    }

    /// `gdb -nx -batch -ex "break F" -ex run ... --args PROGRAM ARGS`.
    fn gdb_args(&self, tools: &Tools) -> Vec<OsString> {
        let mut args = os_args(["-nx", "-batch"]);
        for command in self.commands(true) {
            args.extend(["-ex".into(), command.into()]);
        }
        args.push("--args".into());
        args.push(self.program.program(tools).into());
        args.extend(self.program.args(tools));
        args
    }

    /// What is wrong with the output of a debugger's run, if anything.
    fn problem(&self, tool: &str, output: &str) -> Option<String> {
        stop_problem(
            tool,
            output,
            self.function,
            &self.program.done(),
            self.backtrace,
        )
    }
}

/// What is wrong with the output of one run of w. or y., if anything: the program must have
/// stopped at breakpoint 1 in `function` (dbg-cli: a stop `(breakpoint 1)` whose next line
/// says `in FUNCTION`; gdb: `Breakpoint 1, ... FUNCTION (`), shown it as frame `#0` of the
/// backtrace when there is one, and not printed `done` (run to its end).
pub fn stop_problem(
    tool: &str,
    output: &str,
    function: &str,
    done: &str,
    backtrace: bool,
) -> Option<String> {
    if output.contains(done) {
        return Some(format!(
            "{tool} let the program run to its end (it printed `{done}`)"
        ));
    }
    let lines: Vec<&str> = output.lines().collect();
    let in_function = |line: &str| {
        let line = line.trim_start();
        line.starts_with(&format!("in {function}+")) || line.starts_with(&format!("in {function} "))
    };
    let stopped = if tool == "gdb" {
        lines.iter().any(|line| {
            line.starts_with("Breakpoint 1, ") && line.contains(&format!("{function} ("))
        })
    } else {
        lines.windows(2).any(|pair| match pair {
            [stop, place] => stop.contains("(breakpoint 1)") && in_function(place),
            _ => false,
        })
    };
    if !stopped {
        let last = lines
            .iter()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or(&"");
        return Some(format!(
            "{tool} did not stop at breakpoint 1 in `{function}` (last line: {last})"
        ));
    }
    let framed = lines
        .iter()
        .any(|line| line.starts_with("#0 ") && line.contains(&format!(" {function}")));
    if backtrace && !framed {
        return Some(format!(
            "{tool} showed no backtrace with `{function}` as frame #0"
        ));
    }
    None
}

/// w. and x. (or y.): each debugger stopping in the program.
#[derive(Debug)]
pub struct LibraryRuns {
    /// dbg-cli's medians.
    pub dbg: Measured<RunUsage>,
    /// gdb's medians; `None` when gdb is not installed.
    pub gdb: Option<Measured<RunUsage>>,
    /// The program run alone to its end: its peak bounds the tracee's share of a debugger's.
    pub alone: RunUsage,
    /// Whether libc6-dbg (the C library's separate debug file) is installed: w. and x. are
    /// judged only with it, as issue 12 sets them.
    pub libc_debug: bool,
}

/// The source of y.'s libraries, in test-programs/.
const MANY_SOURCE: &str = "parts/many_lib.c";

impl Workspace {
    /// Build y.'s libraries in [`Tools::many_libraries`] from [`MANY_SOURCE`]: `libmany000.so`
    /// to `libmany198.so` are copies of one build (distinct files, so `dlopen` loads each; no
    /// soname), `libmany199.so` the build with `-DMANY_LAST`, which adds [`MANY_LAST`].
    pub fn build_many_libraries(&self, tools: &Tools) -> Measured<()> {
        let dir = &tools.many_libraries;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let source = fixtures::source_dir().join(MANY_SOURCE);
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
        let library = |name: &str, last: bool| {
            let mut build = Command::new(&cc);
            build.args(["-g", "-O0", "-fPIC", "-shared", "-Wall"]);
            if last {
                build.arg("-DMANY_LAST");
            }
            build.arg("-o").arg(dir.join(name)).arg(&source);
            self.run(&mut build)
        };
        let name = |index: u32| format!("libmany{index:03}.so");
        let first = name(0);
        library(&first, false)?;
        for index in 1..LIBRARIES - 1 {
            std::fs::copy(dir.join(&first), dir.join(name(index)))
                .map_err(|e| format!("cannot copy {first} in {}: {e}", dir.display()))?;
        }
        println!(
            "copied {first} to {} .. {}",
            name(1),
            name(LIBRARIES.saturating_sub(2))
        );
        library(&name(LIBRARIES - 1), true)
    }

    /// w. and x. (y.) Stop at `stop`'s function, show the backtrace if it says so, and kill
    /// the program, with dbg-cli and with gdb: [`RUNS`] interleaved runs, each under a fresh
    /// `xtask rusage` process, and the median wall time and median peak RSS of each
    /// debugger. Every run must have stopped there ([`stop_problem`]); a debugger whose run
    /// fails or does not is not run again, and its figures say why. Also one run of the
    /// program alone, to its end.
    pub fn measure_library_stop(&self, tools: &Tools, stop: &LibraryStop) -> Measured<LibraryRuns> {
        let program = stop.program.program(tools);
        if !program.is_file() {
            return Err(format!(
                "{} is not installed (`bash .ci/run` installs it)",
                program.display()
            ));
        }
        if let StopProgram::ManyLibraries = stop.program {
            self.build_many_libraries(tools)?;
        }
        let libc_debug = libc_debug_installed();
        if let StopProgram::Python = stop.program {
            if !libc_debug {
                println!(
                    "xtask: libc6-dbg is not installed: {} and {} are measured but not judged \
                     (`bash .ci/run` installs it)",
                    stop.wall,
                    stop.peak.unwrap_or(stop.wall)
                );
            }
        }
        let alone = command(program, stop.program.args(tools));
        println!(
            "$ {}    # check: it runs to its end",
            self.shell_line(&alone)
        );
        let done = stop.program.done();
        let alone = self.rusage_output(&alone).and_then(|(usage, output)| {
            if output.contains(&done) {
                Ok(usage)
            } else {
                Err(format!(
                    "{} did not print `{done}`: {}",
                    program.display(),
                    one_line(&output)
                ))
            }
        })?;
        println!(
            "alone: {:.3} s, peak {}",
            alone.wall.as_secs_f64(),
            alone.peak_shown()
        );

        let mut debuggers = vec![("dbg", command(&tools.dbg, stop.dbg_args(tools)))];
        if let Some(gdb) = &tools.gdb {
            debuggers.push(("gdb", command(gdb, stop.gdb_args(tools))));
        }
        let mut medians = self
            .interleaved_usages(debuggers, |tool, output| stop.problem(tool, output))
            .into_iter();
        let dbg = medians
            .next()
            .map_or_else(|| Err("dbg-cli was not run".to_string()), |(_, dbg)| dbg);
        let gdb = medians.next().map(|(_, gdb)| gdb);
        Ok(LibraryRuns {
            dbg,
            gdb,
            alone,
            libc_debug,
        })
    }
}

/// Whether the package libc6-dbg is installed, as `.ci/run` asks dpkg.
fn libc_debug_installed() -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", "libc6-dbg"])
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("ok installed"))
}

impl LibraryStop {
    /// Its rows: the wall time (and for w./x. the peak memory), dbg-cli against gdb, and the
    /// notes. A failed dbg leaves gdb's figures shown; an invalid gdb says why below.
    pub fn render(
        &self,
        runs: &Measured<LibraryRuns>,
        rows: &mut Vec<[String; 6]>,
        notes: &mut Vec<String>,
    ) {
        type Figure = fn(&RunUsage) -> f64;
        let wall_figure: Figure = |usage| usage.wall.as_secs_f64();
        let peak_figure: Figure = RunUsage::peak_mb;
        let mut judged: Vec<(char, f64, Figure, &str)> =
            vec![(self.wall, 0.3, wall_figure, "wall time")];
        if let Some(peak) = self.peak {
            judged.push((peak, 0.5, peak_figure, "peak memory (max RSS)"));
        }
        let shown = |letter: char, usage: &RunUsage| {
            if letter == self.wall {
                format!("{:.3} s", usage.wall.as_secs_f64())
            } else {
                usage.peak_shown()
            }
        };
        let command_line = format!(
            "`dbg-cli run --batch {}{}`",
            self.commands(false)
                .iter()
                .map(|command| format!("-e {} ", quote(command)))
                .collect::<String>(),
            match self.program {
                StopProgram::Python => format!("{PYTHON3} -c SCRIPT"),
                StopProgram::ManyLibraries => format!("dlopen_many DIR {LIBRARIES}"),
            }
        );
        let runs = match runs {
            Ok(runs) => runs,
            Err(e) => {
                for (letter, times, _, what) in judged {
                    rows.push([
                        format!("{letter}. {command_line}, {what}"),
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
        for (letter, times, figure, what) in judged {
            let measure = if letter == self.wall {
                format!("{letter}. {command_line}, {what}")
            } else {
                format!("{letter}. the same, the debugger's {what}")
            };
            let dbg = match &runs.dbg {
                Ok(usage) => shown(letter, usage),
                Err(e) => failed(e),
            };
            let reference = runs.gdb.as_ref().map(|gdb| {
                gdb.as_ref()
                    .ok()
                    .map(|usage| (figure(usage), shown(letter, usage)))
            });
            let [reference, ratio, mut met] =
                at_most_cells("gdb", runs.dbg.as_ref().ok().map(figure), reference, times);
            if let (StopProgram::Python, false) = (self.program, runs.libc_debug) {
                met = "not checked (no libc6-dbg)".into();
            }
            rows.push([
                measure,
                dbg,
                reference,
                ratio,
                format!("≤ {times}× gdb"),
                met,
            ]);
        }
        self.render_notes(runs, notes);
    }

    fn render_notes(&self, runs: &LibraryRuns, notes: &mut Vec<String>) {
        let wall = self.wall;
        let gdb_line: String = self
            .commands(true)
            .iter()
            .map(|command| format!("-ex {} ", quote(command)))
            .collect();
        let mut note = match self.program {
            StopProgram::Python => format!(
                "{wall}. SCRIPT is `{PYTHON_SCRIPT}`; gdb runs `gdb -nx -batch {gdb_line}--args \
                 {PYTHON3} -c SCRIPT`. The first `{}` call comes while the interpreter starts \
                 (`Py_InitializeFromConfig`), before the script. python3 has no DWARF of its \
                 own; libc6-dbg (the C library's separate debug file) is {}",
                self.function,
                if runs.libc_debug {
                    "installed"
                } else {
                    "not installed, so the goals are not checked (`bash .ci/run` installs it)"
                }
            ),
            StopProgram::ManyLibraries => format!(
                "{wall}. `dlopen_many DIR {LIBRARIES}` (test-programs/dlopen_many.c) loads \
                 DIR/libmany000.so to libmany{:03}.so with `dlopen`, then calls `{MANY_LAST}`; \
                 the bench builds them in target/bench-libraries from \
                 test-programs/{MANY_SOURCE} (one build copied under {} names, the last built \
                 with `-DMANY_LAST`, the only one defining `{MANY_LAST}`). gdb runs `gdb -nx \
                 -batch {gdb_line}--args dlopen_many DIR {LIBRARIES}`",
                LIBRARIES - 1,
                LIBRARIES - 1
            ),
        };
        let _ = write!(
            note,
            "; every run must stop at breakpoint 1 in `{}`{} and not let the program run to \
             its end",
            self.function,
            if self.backtrace {
                ", show it as frame #0 of the backtrace"
            } else {
                ""
            }
        );
        notes.push(note);
        for (tool, usage) in [("dbg", Some(&runs.dbg)), ("gdb", runs.gdb.as_ref())] {
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
        let alone = format!(
            "the program run alone to its end peaks at {} ({:.3} s)",
            runs.alone.peak_shown(),
            runs.alone.wall.as_secs_f64()
        );
        match self.peak {
            Some(peak) => notes.push(format!(
                "{peak}. peak memory: `ru_maxrss` of `getrusage(RUSAGE_CHILDREN)` in a fresh \
                 `xtask rusage` process whose only child is the debugger, as for q.: the \
                 largest peak RSS of the debugger and of the tracee; {alone}"
            )),
            None => notes.push(format!("{wall}. {alone}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_stop_must_name_the_function_at_breakpoint_1() {
        let dbg = "Breakpoint 1 (many_last) pending: will resolve when a library defining it \
                   loads\nBreakpoint 1 resolved at 0x7ffff79f0138\nProcess 7 stopped with \
                   signal SIGTRAP at 0x00007ffff79f0138 (breakpoint 1)\n  in many_last+11 at \
                   parts/many_lib.c:15\nProcess 7 killed by signal SIGKILL\n";
        let done = "loaded 200, many_last";
        assert_eq!(stop_problem("dbg", dbg, MANY_LAST, done, false), None);
        let gdb = "Breakpoint 1, many_last (x=200) at parts/many_lib.c:15\n\
                   [Inferior 1 (process 8) killed]\n";
        assert_eq!(stop_problem("gdb", gdb, MANY_LAST, done, false), None);
        assert!(stop_problem("gdb", dbg, MANY_LAST, done, false)
            .unwrap_or_default()
            .contains("did not stop at breakpoint 1 in `many_last`"));
        let pending_only = "Breakpoint 1 (many_last) pending: will resolve\nloaded 200, \
                            many_last 402\nProcess 7 exited with status 0\n";
        assert!(stop_problem("dbg", pending_only, MANY_LAST, done, false)
            .unwrap_or_default()
            .contains("run to its end"));
        let elsewhere = dbg.replace("in many_last+11", "in many_value+4");
        assert!(stop_problem("dbg", &elsewhere, MANY_LAST, done, false).is_some());
    }

    #[test]
    fn a_python_stop_must_show_the_function_as_frame_0() {
        let dbg = "Process 7 stopped with signal SIGTRAP at 0x0000000000510750 (breakpoint 1)\n  \
                   in PyList_Append+0 in /usr/bin/python3.11\n#0  0x0000000000510750 in \
                   PyList_Append+0 in /usr/bin/python3.11\n#1  0x00000000004fa108 in ??\n";
        assert_eq!(
            stop_problem("dbg", dbg, "PyList_Append", PYTHON_DONE, true),
            None
        );
        let gdb = "Breakpoint 1, 0x0000000000510750 in PyList_Append ()\n#0  \
                   0x0000000000510750 in PyList_Append ()\n#1  0x00000000004fa108 in ?? ()\n";
        assert_eq!(
            stop_problem("gdb", gdb, "PyList_Append", PYTHON_DONE, true),
            None
        );
        let no_backtrace = gdb.replace("#0  0x0000000000510750 in PyList_Append ()\n", "");
        assert!(
            stop_problem("gdb", &no_backtrace, "PyList_Append", PYTHON_DONE, true)
                .unwrap_or_default()
                .contains("no backtrace")
        );
        let ran = format!("{gdb}python done [0, 1, 2]\n");
        assert!(stop_problem("gdb", &ran, "PyList_Append", PYTHON_DONE, true).is_some());
    }

    #[test]
    fn the_commands_are_each_debuggers_spelling_of_the_same_session() {
        assert_eq!(
            PYTHON_STOP.commands(false),
            ["break PyList_Append", "continue", "backtrace", "kill"]
        );
        assert_eq!(
            PYTHON_STOP.commands(true),
            ["break PyList_Append", "run", "bt", "kill"]
        );
        assert_eq!(
            DLOPEN_STOP.commands(true),
            [
                "set breakpoint pending on",
                "break many_last",
                "run",
                "kill"
            ]
        );
        assert_eq!(PYTHON_STOP.letters(), "wx");
        assert_eq!(DLOPEN_STOP.letters(), "y");
    }
}
