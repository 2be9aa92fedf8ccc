//! The checks run once before a row is timed or counted: the same work, done in a form that
//! shows it happened (dbg-cli's JSON transcript, the trace example's trace file, gdb's
//! words), so that a figure that stands for something else is marked invalid instead of
//! shown.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use super::parse::{
    conditional_transcript_problem, gdb_watch_problem, hits_transcript_problem,
    syscall_loop_finished, threads_finished, trace_problem, transcript_problem,
    watch_transcript_problem,
};
use super::tools::{command, Breakpoint, Tools, Workload};
use crate::workspace::Workspace;

impl Workspace {
    /// Why the tool's run of `workload` with `events` events does not stand for `events`
    /// events, if it does not.
    pub fn incomplete(&self, tools: &Tools, workload: Workload, events: u64) -> Option<String> {
        match workload {
            Workload::Steps => self.dbg_steps_incomplete(tools, events),
            Workload::Hits => self.dbg_hits_incomplete(tools, events),
            Workload::NamedHits => self.dbg_transcript_incomplete(
                tools.dbg_named_hits(events, true),
                tools,
                events,
                |out, err| hits_transcript_problem(out, err, events),
            ),
            Workload::Watch => self.dbg_watch_incomplete(tools, events),
            Workload::Trace => self.trace_incomplete(tools, events),
            Workload::Threads { .. } => self.dbg_transcript_incomplete(
                tools.dbg_thread_hits(&workload.dbg_at(tools), events, true),
                tools,
                events,
                |out, err| {
                    transcript_problem(out, events, "breakpoint")
                        .or_else(|| threads_finished(&format!("{out}\n{err}"), events).err())
                },
            ),
            Workload::ConditionalHits => self.dbg_conditional_incomplete(tools, events),
            // Every timed run of v. is checked: it must list the 50 locals each time.
            Workload::Locals => None,
            // Every timed run of C. is checked: it must stop at an `openat` and finish.
            Workload::CatchSyscall { .. } => None,
            // And of E.: it must run to its end.
            Workload::SourceStep | Workload::SourceNext => None,
        }
    }

    /// Why the reference `program`'s runs of `workload` would measure something else, if
    /// they would: only gdb watching (h.) can, with a software watchpoint.
    pub fn reference_unusable(
        &self,
        tools: &Tools,
        workload: Workload,
        program: &Path,
    ) -> Option<String> {
        match workload {
            Workload::Watch => self.gdb_watch_unusable(program, tools),
            _ => None,
        }
    }

    /// Why gdb's watchpoint runs of h. would not measure hardware watchpoint hits, if they
    /// would not: a short run must say `Hardware watchpoint` and that the program exited
    /// normally after printing `counter 1`.
    pub fn gdb_watch_unusable(&self, gdb: &Path, tools: &Tools) -> Option<String> {
        let mut command = command(gdb, tools.gdb_watch(1));
        command.current_dir(&self.root).stdin(Stdio::null());
        let line = self.shell_line(&command);
        println!("$ {line}    # check: gdb uses a hardware watchpoint, the program exits normally");
        let output = match command.output() {
            Ok(output) => output,
            Err(e) => return Some(format!("cannot run `{line}`: {e}")),
        };
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let problem = if output.status.success() {
            gdb_watch_problem(&text, 1).map(|problem| format!("`{line}`: {problem}"))
        } else {
            Some(format!("`{line}` failed ({}): {text}", output.status))
        };
        if let Some(problem) = &problem {
            println!("xtask: {problem}");
        }
        problem
    }

    /// Why `dbg-cli`'s `stepi steps` does not stand for `steps` single steps, if it does not:
    /// the same command in JSON mode must end with a `single_step` stop, not an early stop
    /// (a signal, the process ending), or a timing of it measures something else.
    pub fn dbg_steps_incomplete(&self, tools: &Tools, steps: u64) -> Option<String> {
        let mut command = Command::new(&tools.dbg);
        command
            .current_dir(&self.root)
            .args(["run", "--batch", "--json", "-e", &format!("stepi {steps}")])
            .arg(&tools.busy)
            .stdin(Stdio::null());
        let line = self.shell_line(&command);
        println!("$ {line}    # check: every step completes");
        let output = match command.output() {
            Ok(output) => output,
            Err(e) => return Some(format!("cannot run `{line}`: {e}")),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Some(format!("`{line}` failed ({}): {stdout}", output.status));
        }
        let last_stop = stdout.lines().rev().find(|text| {
            serde_json::from_str::<serde_json::Value>(text)
                .is_ok_and(|value| value.get("type").and_then(|t| t.as_str()) == Some("stop"))
        });
        let reason = last_stop
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .and_then(|value| value.get("reason")?.as_str().map(str::to_string));
        match (reason.as_deref(), last_stop) {
            (Some("single_step"), _) => None,
            (_, Some(stop)) => {
                let problem = format!("`stepi {steps}` ended early: {stop}");
                println!("xtask: {problem}");
                Some(problem)
            }
            (_, None) => Some(format!("`{line}` reported no stop")),
        }
    }

    /// Why `dbg-cli`'s ignored breakpoint run does not stand for `hits` breakpoint hits, if it
    /// does not: the same run in JSON mode, with `breakpoint list` after the `continue`, must
    /// count `hits` hits, let every one pass, and see the program exit with status 0 after
    /// printing `calls HITS total ...`.
    pub fn dbg_hits_incomplete(&self, tools: &Tools, hits: u64) -> Option<String> {
        self.dbg_transcript_incomplete(tools.dbg_hits(hits, true), tools, hits, |out, err| {
            hits_transcript_problem(out, err, hits)
        })
    }

    /// [`Workspace::dbg_hits_incomplete`] with a hardware breakpoint.
    pub fn dbg_hardware_hits_incomplete(&self, tools: &Tools, hits: u64) -> Option<String> {
        let args = tools.dbg_breakpoint_hits(Breakpoint::Hardware, hits, true);
        self.dbg_transcript_incomplete(args, tools, hits, |out, err| {
            hits_transcript_problem(out, err, hits)
        })
    }

    /// As [`Workspace::dbg_hits_incomplete`], for the watchpoint run: `watchpoint list` must
    /// count `hits` hits, and the program must print `counter HITS` and exit with status 0.
    pub fn dbg_watch_incomplete(&self, tools: &Tools, hits: u64) -> Option<String> {
        self.dbg_transcript_incomplete(tools.dbg_watch(hits, true), tools, hits, |out, err| {
            watch_transcript_problem(out, err, hits)
        })
    }

    /// Why the conditional breakpoint runs of s. do not stand for `hits` hits whose condition
    /// dbg evaluates, if they do not: the same run in JSON mode with a condition that is true
    /// at the last call only (`i == HITS-1`) must stop exactly once, there, count that one
    /// hit, and let the program exit with status 0 after printing `calls HITS total ...`; so
    /// the breakpoint is in place and its condition is evaluated at every hit.
    pub fn dbg_conditional_incomplete(&self, tools: &Tools, hits: u64) -> Option<String> {
        let last = hits.saturating_sub(1);
        let args = tools.dbg_conditional_hits(hits, &format!("i == {last}"), true);
        let check = format!("`i == {last}` stops once, at the last call, then exit with 0");
        self.dbg_transcript_check(args, tools, &check, |out, err| {
            conditional_transcript_problem(out, err, hits)
        })
    }

    /// Run `dbg-cli` with `args` (a JSON-mode run) and say what `problem(stdout, stderr)` finds
    /// wrong with its transcript, if anything.
    pub fn dbg_transcript_incomplete(
        &self,
        args: Vec<OsString>,
        tools: &Tools,
        hits: u64,
        problem: impl Fn(&str, &str) -> Option<String>,
    ) -> Option<String> {
        let check = format!("{hits} hits counted, none stops, the program exits with 0");
        self.dbg_transcript_check(args, tools, &check, problem)
    }

    /// As [`Workspace::dbg_transcript_incomplete`], the check described by `check`.
    fn dbg_transcript_check(
        &self,
        args: Vec<OsString>,
        tools: &Tools,
        check: &str,
        problem: impl Fn(&str, &str) -> Option<String>,
    ) -> Option<String> {
        let mut command = command(&tools.dbg, args);
        command.current_dir(&self.root).stdin(Stdio::null());
        let line = self.shell_line(&command);
        println!("$ {line}    # check: {check}");
        let output = match command.output() {
            Ok(output) => output,
            Err(e) => return Some(format!("cannot run `{line}`: {e}")),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let problem = if output.status.success() {
            problem(&stdout, &String::from_utf8_lossy(&output.stderr))
        } else {
            Some(format!("`{line}` failed ({}): {stdout}", output.status))
        };
        if let Some(problem) = &problem {
            println!("xtask: {problem}");
        }
        problem
    }

    /// Why the trace example's run of `syscall_loop calls` does not stand for `calls` traced
    /// system calls, if it does not: the same run with its trace written to a file must let
    /// the program print `calls N`, and the trace must show at least `calls` `getppid` calls
    /// and end with `+++ exited with 0 +++`.
    pub fn trace_incomplete(&self, tools: &Tools, calls: u64) -> Option<String> {
        let dir = self.target.join("xtask-bench");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return Some(format!("cannot create {}: {e}", self.show_path(&dir)));
        }
        let file = dir.join(format!("trace-syscall_loop-{calls}.txt"));
        let mut command = command(&tools.trace, tools.trace_args(calls, &file));
        command.current_dir(&self.root).stdin(Stdio::null());
        let line = self.shell_line(&command);
        println!("$ {line}    # check: the trace shows {calls} getppid calls and the exit with 0");
        let problem = match command.output() {
            Err(e) => Some(format!("cannot run `{line}`: {e}")),
            Ok(output) if !output.status.success() => Some(format!(
                "`{line}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )),
            Ok(output) => syscall_loop_finished(&String::from_utf8_lossy(&output.stdout), calls)
                .err()
                .or_else(|| match std::fs::read_to_string(&file) {
                    Ok(text) => trace_problem(&text, calls)
                        .map(|problem| format!("{}: {problem}", self.show_path(&file))),
                    Err(e) => Some(format!("cannot read {}: {e}", self.show_path(&file))),
                }),
        };
        if let Some(problem) = &problem {
            println!("xtask: {problem}");
        }
        problem
    }
}
