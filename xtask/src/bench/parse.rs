//! Reading what the measured programs leave behind: criterion's JSON estimates, the table
//! `strace -c` writes, and the checks that a run's output or transcript shows it did the work
//! it is timed for (the program ran to its end, every hit was counted, gdb used a hardware
//! watchpoint, the debugger stopped at `bigbin::main`, printed a value there, listed 50
//! locals).

use std::collections::BTreeMap;

use super::symbols::{BIGBIN_DONE, BIGBIN_MAIN};

/// The mean's point estimate, in nanoseconds, from criterion's `estimates.json`.
pub fn criterion_mean(json: &str) -> Result<f64, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    value
        .pointer("/mean/point_estimate")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| "no mean.point_estimate".to_string())
}

/// The bytes per iteration criterion's `benchmark.json` declares (`Throughput::Bytes`).
pub fn criterion_bytes(json: &str) -> Result<u64, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    value
        .pointer("/throughput/Bytes")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| "no throughput in bytes".to_string())
}

/// Calls per system call name (and `total`) from the table `strace -c` writes. The calls
/// column is read by its position under the header, since the errors column may be blank.
pub fn parse_strace_summary(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let mut lines = text.lines();
    let header = lines
        .by_ref()
        .find(|line| line.contains("calls") && line.contains("syscall"))
        .ok_or("no `strace -c` header line")?;
    let end = header
        .find("calls")
        .map(|at| at + "calls".len())
        .ok_or("no calls column")?;
    let mut calls = BTreeMap::new();
    for line in lines {
        let Some(name) = line.split_whitespace().last() else {
            continue;
        };
        if line.starts_with("---") {
            continue;
        }
        let column = line.get(..end).unwrap_or(line);
        let count = column
            .split_whitespace()
            .last()
            .and_then(|word| word.parse::<u64>().ok())
            .ok_or_else(|| format!("no call count in line `{line}`"))?;
        calls.insert(name.to_string(), count);
    }
    if calls.contains_key("total") {
        Ok(calls)
    } else {
        Err("no total row".to_string())
    }
}

/// Whether `bp_loop` ran to its end: it prints `calls HITS total T` last.
pub fn program_finished(output: &str, hits: u64) -> Result<(), String> {
    let expected = format!("calls {hits} total ");
    if output.lines().any(|line| line.starts_with(&expected)) {
        Ok(())
    } else {
        Err(format!(
            "the program did not print `calls {hits} total ...`: it did not run to its end"
        ))
    }
}

/// Whether `watch_loop` ran to its end: it prints `counter HITS` last.
pub fn watch_loop_finished(output: &str, hits: u64) -> Result<(), String> {
    let expected = format!("counter {hits}");
    if output.lines().any(|line| line.trim_end() == expected) {
        Ok(())
    } else {
        Err(format!(
            "the program did not print `{expected}`: it did not run to its end"
        ))
    }
}

/// Whether `syscall_loop` ran to its end: it prints `calls N` last.
pub fn syscall_loop_finished(output: &str, calls: u64) -> Result<(), String> {
    let expected = format!("calls {calls}");
    if output.lines().any(|line| line.trim_end() == expected) {
        Ok(())
    } else {
        Err(format!(
            "the program did not print `{expected}`: it did not run to its end"
        ))
    }
}

/// What is wrong with the trace the example wrote for `syscall_loop calls`, if anything: it
/// must show at least `calls` `getppid` calls and end with `+++ exited with 0 +++`.
pub fn trace_problem(text: &str, calls: u64) -> Option<String> {
    let traced = text
        .lines()
        .filter(|line| line.contains("getppid("))
        .count() as u64;
    if traced < calls {
        return Some(format!(
            "the trace shows {traced} getppid calls, fewer than the program's {calls}"
        ));
    }
    let last = text
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if last != "+++ exited with 0 +++" {
        return Some(format!(
            "the trace does not end with `+++ exited with 0 +++` (last line: {last})"
        ));
    }
    None
}

/// Whether `threads_bp` ran to its end: it prints `calls HITS` last.
pub fn threads_finished(output: &str, hits: u64) -> Result<(), String> {
    syscall_loop_finished(output, hits)
}

/// What is wrong with the output of one timed run of n., if anything. A long run (every hit
/// ignored) must let the program print `calls HITS`, and gdb must say it exited normally; a
/// short run must have stopped at the breakpoint (dbg says `(breakpoint 1)`, gdb `hit
/// Breakpoint 1`) before the kill.
pub fn thread_run_problem(tool: &str, long: bool, output: &str, hits: u64) -> Option<String> {
    if long {
        if tool == "gdb" && !output.contains("exited normally") {
            let last = output
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("");
            return Some(format!(
                "gdb did not say the program exited normally (last line: {last})"
            ));
        }
        return threads_finished(output, hits).err();
    }
    let stopped = match tool {
        "gdb" => "hit Breakpoint 1",
        _ => "(breakpoint 1)",
    };
    if output.contains(stopped) {
        None
    } else {
        Some(format!(
            "{tool} did not stop at the breakpoint (no `{stopped}` in its output)"
        ))
    }
}

/// What is wrong with the output of one timed run of s., if anything: the tool must have set
/// the breakpoint (dbg and gdb both say `Breakpoint 1` when they do) and the program must
/// have run to its end, which it does only if no hit stopped it.
pub fn conditional_run_problem(tool: &str, output: &str, hits: u64) -> Option<String> {
    if !output.contains("Breakpoint 1") {
        return Some(format!(
            "{tool} did not set the breakpoint (no `Breakpoint 1` in its output)"
        ));
    }
    program_finished(output, hits).err()
}

/// The line each listing of `fifty_locals`'s locals ends with (test-programs/locals50.c).
pub const LOCALS_SENTINEL: &str = "sentinel = 7654321";
/// The local variables of `fifty_locals`.
pub const LOCALS_PER_QUERY: usize = 50;
/// What `locals50` prints when it runs to its end.
pub const LOCALS_DONE: &str = "locals50 done";

/// What is wrong with the output of one timed run of v., if anything: it must list the 50
/// locals of `fifty_locals` (lines `NAME = VALUE`) `queries` times, each listing ending with
/// [`LOCALS_SENTINEL`], and the program must not have run to its end.
pub fn locals_run_problem(output: &str, queries: u64) -> Option<String> {
    if output.contains(LOCALS_DONE) {
        return Some(format!(
            "let the program run to its end (it printed `{LOCALS_DONE}`)"
        ));
    }
    let is_local = |line: &str| {
        line.split_once(" = ").is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let listed = output.lines().filter(|line| is_local(line)).count();
    let sentinels = output
        .lines()
        .filter(|line| line.trim_end() == LOCALS_SENTINEL)
        .count();
    let expected = LOCALS_PER_QUERY * queries as usize;
    if sentinels != queries as usize || listed != expected {
        return Some(format!(
            "{listed} lines `NAME = VALUE` and {sentinels} `{LOCALS_SENTINEL}`: {queries} \
             listings of {LOCALS_PER_QUERY} locals are {expected} and {queries}"
        ));
    }
    None
}

/// What is wrong with gdb's output of a [`Tools::gdb_watch`] run, if anything: it must have
/// set a hardware watchpoint (a software one single-steps the program: another measurement),
/// and the program must have printed `counter HITS` and exited normally.
pub fn gdb_watch_problem(output: &str, hits: u64) -> Option<String> {
    if !output.contains("Hardware watchpoint") {
        let said = output
            .lines()
            .find(|line| line.contains("atchpoint"))
            .unwrap_or("nothing about a watchpoint");
        return Some(format!(
            "gdb did not say `Hardware watchpoint` (it said: {said})"
        ));
    }
    if !output.contains("exited normally") {
        let last = output
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("");
        return Some(format!(
            "gdb did not say the program exited normally (last line: {last})"
        ));
    }
    watch_loop_finished(output, hits).err()
}

/// What is wrong with the JSON transcript of [`Tools::dbg_hits`] run with `json`, if anything:
/// a command that failed, a process that did not exit with status 0 at the end, a
/// `breakpoint list` that does not count `hits` hits, or the program's line missing (in JSON
/// mode the program's output goes to dbg's stderr).
pub fn hits_transcript_problem(stdout: &str, stderr: &str, hits: u64) -> Option<String> {
    transcript_problem(stdout, hits, "breakpoint")
        .or_else(|| program_finished(&format!("{stdout}\n{stderr}"), hits).err())
}

/// [`hits_transcript_problem`] for [`Tools::dbg_watch`] run with `json`: `watchpoint list`
/// must count `hits` hits, and `watch_loop` must print `counter HITS`.
pub fn watch_transcript_problem(stdout: &str, stderr: &str, hits: u64) -> Option<String> {
    transcript_problem(stdout, hits, "watchpoint")
        .or_else(|| watch_loop_finished(&format!("{stdout}\n{stderr}"), hits).err())
}

/// What is wrong with the JSON transcript of s.'s check ([`Tools::dbg_conditional_hits`] with
/// `i == HITS-1`, in JSON), if anything: besides [`transcript_problem`] with one hit, the
/// program must have stopped at a breakpoint exactly once and printed `calls HITS total ...`.
pub fn conditional_transcript_problem(stdout: &str, stderr: &str, hits: u64) -> Option<String> {
    let breakpoint_stops = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|value| {
            value.get("type").and_then(|t| t.as_str()) == Some("stop")
                && value.get("reason").and_then(|r| r.as_str()) == Some("breakpoint")
        })
        .count();
    if breakpoint_stops != 1 {
        return Some(format!(
            "the program stopped at a breakpoint {breakpoint_stops} times, not once"
        ));
    }
    transcript_problem(stdout, 1, "breakpoint")
        .or_else(|| program_finished(&format!("{stdout}\n{stderr}"), hits).err())
}

/// What is wrong with a JSON transcript that ends with `NOUN list`, if anything: a command
/// that failed, a process that did not exit with status 0 at the end, or a list without
/// exactly one NOUN (`breakpoint`, `watchpoint`) with `hits` hits.
pub fn transcript_problem(stdout: &str, hits: u64, noun: &str) -> Option<String> {
    fn kind(value: &serde_json::Value) -> Option<&str> {
        value.get("type").and_then(|t| t.as_str())
    }
    let values: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let list_command = format!("{noun} list");
    let mut list = None;
    for value in values.iter().filter(|value| kind(value) == Some("result")) {
        if value.get("ok").and_then(|ok| ok.as_bool()) != Some(true) {
            return Some(format!("a command failed: {value}"));
        }
        if value.get("command").and_then(|c| c.as_str()) == Some(list_command.as_str()) {
            list = Some(value);
        }
    }
    let last_event = values
        .iter()
        .rev()
        .find(|value| kind(value) != Some("result"));
    let exited = last_event.is_some_and(|event| {
        kind(event) == Some("exit") && event.get("code").and_then(|c| c.as_i64()) == Some(0)
    });
    if !exited {
        let last = last_event.map_or("none".to_string(), |event| event.to_string());
        return Some(format!(
            "the process did not end with an exit with status 0; last event: {last}"
        ));
    }
    let Some(list) = list else {
        return Some(format!("no `{list_command}` result"));
    };
    let counted: Vec<Option<u64>> = list
        .pointer(&format!("/data/{noun}s"))
        .and_then(|items| items.as_array())
        .map(|items| {
            items
                .iter()
                .map(|item| item.get("hits")?.as_u64())
                .collect()
        })
        .unwrap_or_default();
    if counted != [Some(hits)] {
        return Some(format!(
            "`{list_command}` should show one {noun} with {hits} hits: {list}"
        ));
    }
    None
}

/// What is wrong with the output of a debugger's run of p. and q., if anything: it must name
/// `bigbin::main` (gdb's stop and backtrace do, and dbg's must: the run's `kill` succeeding
/// shows the program was stopped somewhere) and the program must not have run to its end.
pub fn symbol_stop_problem(output: &str) -> Option<String> {
    if output.contains(BIGBIN_DONE) {
        Some(format!(
            "let the program run to its end (it printed `{BIGBIN_DONE}`)"
        ))
    } else if !output.contains(BIGBIN_MAIN) {
        let last = output
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("");
        Some(format!(
            "did not stop at `{BIGBIN_MAIN}` (its output does not name it; last line: {last})"
        ))
    } else {
        None
    }
}

/// What is wrong with the output of a run that printed a struct whose `member` is `value`
/// (t., u.), if anything: gdb and dbg both show the first value printed as `$1 = ...`, and
/// the member must be named with its value (`member = value` as C is printed, or `member:
/// value` as gdb prints Rust), so the value's type was read from DWARF and its bytes from the
/// stopped program.
pub fn printed_problem(output: &str, member: &str, value: &str) -> Option<String> {
    let Some(line) = output.lines().find(|line| line.starts_with("$1 = ")) else {
        return Some("printed no value (no line `$1 = ...`)".to_string());
    };
    let shows = |separator: &str| {
        line.split([',', '{', '}'])
            .any(|part| part.trim() == format!("{member}{separator}{value}"))
    };
    if shows(" = ") || shows(": ") {
        None
    } else {
        Some(format!(
            "printed a value without `{member} = {value}`: {line}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::rusage::RunUsage;

    const STRACE: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.012000           6      2002           ptrace
 35.00    0.007000           7      1001           wait4
  5.00    0.001000          10       100         3 openat
------ ----------- ----------- --------- --------- ----------------
100.00    0.020000           6      3103         3 total
";

    #[test]
    fn strace_summary_reads_the_calls_column() {
        let calls = parse_strace_summary(STRACE);
        let expected: BTreeMap<String, u64> = [
            ("ptrace", 2002),
            ("wait4", 1001),
            ("openat", 100),
            ("total", 3103),
        ]
        .into_iter()
        .map(|(name, count)| (name.to_string(), count))
        .collect();
        assert_eq!(calls, Ok(expected));
    }

    #[test]
    fn strace_summary_without_total_is_an_error() {
        assert!(parse_strace_summary("nothing here\n").is_err());
        let cut: String = STRACE
            .lines()
            .take(4)
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(parse_strace_summary(&cut).is_err());
    }

    #[test]
    fn criterion_mean_is_read_from_estimates() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,
            "lower_bound":1.0,"upper_bound":3.0},"point_estimate":18615.5,"standard_error":0.1},
            "median":{"point_estimate":18000.0}}"#;
        assert_eq!(criterion_mean(json), Ok(18615.5));
        assert!(criterion_mean(r#"{"median":{"point_estimate":1.0}}"#).is_err());
    }

    #[test]
    fn a_rusage_line_ends_the_output_and_a_stop_must_name_main() -> Result<(), String> {
        let out =
            "Breakpoint 1, bigbin::main () at src/main.rs:54\nxtask-rusage: 1500000000 216460\n";
        let (usage, before) = RunUsage::parse(out)?;
        assert_eq!(usage.wall, Duration::from_millis(1500));
        assert_eq!(usage.peak_kib, 216_460);
        assert_eq!(before, "Breakpoint 1, bigbin::main () at src/main.rs:54\n");
        assert!(RunUsage::parse("no line\n").is_err());
        assert!(RunUsage::parse("xtask-rusage: 12\n").is_err());
        let median = RunUsage::median(&[
            RunUsage {
                wall: Duration::from_secs(3),
                peak_kib: 10,
            },
            RunUsage {
                wall: Duration::from_secs(1),
                peak_kib: 30,
            },
            RunUsage {
                wall: Duration::from_secs(2),
                peak_kib: 20,
            },
        ]);
        assert_eq!(
            median,
            RunUsage {
                wall: Duration::from_secs(2),
                peak_kib: 20
            }
        );
        assert_eq!(symbol_stop_problem(before), None);
        assert!(symbol_stop_problem("Process 7 exited with status 0\n")
            .unwrap_or_default()
            .contains("did not stop at `bigbin::main`"));
        assert!(symbol_stop_problem("bigbin::main\nbigbin done\n")
            .unwrap_or_default()
            .contains("run to its end"));
        Ok(())
    }

    #[test]
    fn a_trace_must_show_every_call_and_the_exit() {
        let good = "[7] brk(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) = 93824992235520\n\
                    [7] getppid(0x0, 0x1, 0x2, 0x3, 0x4, 0x5) = 6\n\
                    [7] getppid(0x0, 0x1, 0x2, 0x3, 0x4, 0x5) = 6\n\
                    +++ exited with 0 +++\n";
        assert_eq!(trace_problem(good, 2), None);
        assert!(trace_problem(good, 3)
            .unwrap_or_default()
            .contains("shows 2 getppid calls, fewer than the program's 3"));
        let killed = good.replace("+++ exited with 0 +++", "+++ killed by SIGKILL +++");
        assert!(trace_problem(&killed, 2)
            .unwrap_or_default()
            .contains("(last line: +++ killed by SIGKILL +++)"));
        assert!(syscall_loop_finished("calls 200000\n", 200_000).is_ok());
        assert!(syscall_loop_finished("calls 2000000\n", 200_000).is_err());
    }

    #[test]
    fn a_thread_run_must_finish_or_stop_at_the_breakpoint() {
        let dbg_long = "Breakpoint 1 at 0x0000555555555179\ncalls 8000\nThread 9 created\n\
                        Process 7 exited with status 0\n";
        assert_eq!(thread_run_problem("dbg", true, dbg_long, 8000), None);
        assert!(thread_run_problem("dbg", true, "calls 7999\n", 8000)
            .unwrap_or_default()
            .contains("did not print `calls 8000`"));
        let gdb_long = "calls 8000\n[Inferior 1 (process 8) exited normally]\n";
        assert_eq!(thread_run_problem("gdb", true, gdb_long, 8000), None);
        assert!(thread_run_problem("gdb", true, "calls 8000\n", 8000)
            .unwrap_or_default()
            .contains("gdb did not say the program exited normally"));
        let dbg_short = "Process 7 thread 9 stopped with signal SIGTRAP at 0x0000555555555179 \
                         (breakpoint 1)\nProcess 7 killed by signal SIGKILL\n";
        assert_eq!(thread_run_problem("dbg", false, dbg_short, 8000), None);
        let gdb_short = "Thread 2 \"threads_bp\" hit Breakpoint 1, target_fn () at x.c:10\n";
        assert_eq!(thread_run_problem("gdb", false, gdb_short, 8000), None);
        assert!(thread_run_problem("gdb", false, dbg_short, 8000)
            .unwrap_or_default()
            .contains("gdb did not stop at the breakpoint"));
    }

    const HITS_TRANSCRIPT: &str = r#"{"type":"launched","pid":7}
{"type":"stop","pid":7,"tid":7,"signal":"SIGTRAP","pc":"0x7ffff7fe4b70","reason":"entry"}
{"type":"result","command":"breakpoint set 0x555555555189 --ignore 3","ok":true,"data":{"id":1}}
{"type":"exit","pid":7,"code":0}
{"type":"result","command":"continue","ok":true,"data":{}}
{"type":"result","command":"breakpoint list","ok":true,"data":{"breakpoints":[{"id":1,"enabled":true,"hits":3,"ignore":0,"locations":["0x555555555189"]}]}}
"#;

    #[test]
    fn a_hits_transcript_must_count_every_hit_and_exit_0() {
        let program = "calls 3 total 3
";
        assert_eq!(hits_transcript_problem(HITS_TRANSCRIPT, program, 3), None);
        let problem = |stdout: &str, stderr: &str, hits: u64| {
            hits_transcript_problem(stdout, stderr, hits).unwrap_or_default()
        };
        assert!(problem(HITS_TRANSCRIPT, program, 4).contains("one breakpoint with 4 hits"));
        assert!(problem(HITS_TRANSCRIPT, "", 3).contains("did not print `calls 3 total"));
        let stopped = HITS_TRANSCRIPT.replace(
            r#"{"type":"exit","pid":7,"code":0}"#,
            r#"{"type":"stop","pid":7,"tid":7,"signal":"SIGTRAP","pc":"0x555555555189","reason":"breakpoint"}"#,
        );
        assert!(problem(&stopped, program, 3).contains("did not end with an exit with status 0"));
        let failed = HITS_TRANSCRIPT.replace(
            r#""command":"continue","ok":true"#,
            r#""command":"continue","ok":false"#,
        );
        assert!(problem(&failed, program, 3).contains("a command failed"));
        assert!(program_finished("x\ncalls 100000 total 4999950000\n", 100_000).is_ok());
        assert!(program_finished("calls 1000 total 499500\n", 100).is_err());
    }

    const WATCH_TRANSCRIPT: &str = r#"{"type":"launched","pid":7}
{"type":"stop","pid":7,"tid":7,"signal":"SIGTRAP","pc":"0x7ffff7fe4b70","reason":"entry"}
{"type":"result","command":"watchpoint set 0x555555558028 write 8 --ignore 3","ok":true,"data":{"id":1}}
{"type":"exit","pid":7,"code":0}
{"type":"result","command":"continue","ok":true,"data":{}}
{"type":"result","command":"watchpoint list","ok":true,"data":{"watchpoints":[{"id":1,"enabled":true,"hits":3,"ignore":0,"address":"0x555555558028","kind":"write","size":8}]}}
"#;

    #[test]
    fn a_watch_transcript_must_count_every_write_and_exit_0() {
        assert_eq!(
            watch_transcript_problem(WATCH_TRANSCRIPT, "counter 3\n", 3),
            None
        );
        let problem = |stdout: &str, stderr: &str, hits: u64| {
            watch_transcript_problem(stdout, stderr, hits).unwrap_or_default()
        };
        assert!(problem(WATCH_TRANSCRIPT, "counter 3\n", 4)
            .contains("`watchpoint list` should show one watchpoint with 4 hits"));
        assert!(problem(WATCH_TRANSCRIPT, "counter 30\n", 3).contains("did not print `counter 3`"));
        let unlisted = WATCH_TRANSCRIPT.replace("watchpoint list", "breakpoint list");
        assert!(problem(&unlisted, "counter 3\n", 3).contains("no `watchpoint list` result"));
        let stopped = WATCH_TRANSCRIPT.replace(
            r#"{"type":"exit","pid":7,"code":0}"#,
            r#"{"type":"stop","pid":7,"tid":7,"signal":"SIGTRAP","pc":"0x555555555139","reason":"watchpoint"}"#,
        );
        assert!(problem(&stopped, "", 3).contains("did not end with an exit with status 0"));
    }

    #[test]
    fn gdb_must_use_a_hardware_watchpoint_and_let_the_program_exit() {
        let good =
            "Program stopped.\n0x00007ffff7fe4b70 in _start () from /lib64/ld-linux-x86-64.so.2\n\
                    Hardware watchpoint 1: *(long *)0x555555558028\ncounter 5\n\
                    [Inferior 1 (process 8328) exited normally]\n";
        assert_eq!(gdb_watch_problem(good, 5), None);
        let software = good.replace("Hardware watchpoint", "Watchpoint");
        let problem = gdb_watch_problem(&software, 5).unwrap_or_default();
        assert!(
            problem.contains("did not say `Hardware watchpoint`"),
            "{problem}"
        );
        assert!(
            problem.contains("Watchpoint 1: *(long *)0x555555558028"),
            "{problem}"
        );
        let stopped = good.replace(
            "[Inferior 1 (process 8328) exited normally]",
            "Hardware watchpoint 1: *(long *)0x555555558028\n\nOld value = 4\nNew value = 5",
        );
        assert!(gdb_watch_problem(&stopped, 5)
            .unwrap_or_default()
            .contains("did not say the program exited normally (last line: New value = 5)"));
        assert!(gdb_watch_problem(good, 6)
            .unwrap_or_default()
            .contains("did not print `counter 6`"));
    }

    #[test]
    fn a_conditional_run_must_set_the_breakpoint_and_finish() {
        let dbg = "Breakpoint 1 at 0x0000555555555191: target_fn+8 at bp_loop.c:12\n\
                   calls 5 total 10\nProcess 7 exited with status 0\n";
        assert_eq!(conditional_run_problem("dbg", dbg, 5), None);
        let gdb = "Breakpoint 1 at 0x1191: file bp_loop.c, line 12.\ncalls 5 total 10\n\
                   [Inferior 1 (process 8) exited normally]\n";
        assert_eq!(conditional_run_problem("gdb", gdb, 5), None);
        assert!(
            conditional_run_problem("gdb", "No symbol \"i\".\ncalls 5 total 10\n", 5)
                .unwrap_or_default()
                .contains("gdb did not set the breakpoint")
        );
        assert!(conditional_run_problem("dbg", "Breakpoint 1 at 0x1\n", 5)
            .unwrap_or_default()
            .contains("did not run to its end"));
    }

    const CONDITIONAL_TRANSCRIPT: &str = r#"{"type":"launched","pid":7}
{"type":"stop","pid":7,"tid":7,"signal":"SIGTRAP","pc":"0x7ffff7fe4b70","reason":"entry"}
{"type":"result","command":"break target_fn if i == 4","ok":true,"data":{"id":1,"locations":["0x555555555191"]}}
{"type":"stop","pid":7,"tid":7,"signal":"SIGTRAP","pc":"0x555555555191","reason":"breakpoint","breakpoint":1}
{"type":"result","command":"continue","ok":true,"data":{}}
{"type":"exit","pid":7,"code":0}
{"type":"result","command":"continue","ok":true,"data":{}}
{"type":"result","command":"breakpoint list","ok":true,"data":{"breakpoints":[{"id":1,"enabled":true,"hits":1,"ignore":0,"condition":"i == 4"}]}}
"#;

    #[test]
    fn a_conditional_check_must_stop_once_and_count_one_hit() {
        let program = "calls 5 total 10\n";
        assert_eq!(
            conditional_transcript_problem(CONDITIONAL_TRANSCRIPT, program, 5),
            None
        );
        let problem = |stdout: &str, stderr: &str| {
            conditional_transcript_problem(stdout, stderr, 5).unwrap_or_default()
        };
        let never = CONDITIONAL_TRANSCRIPT.replace(r#""reason":"breakpoint""#, r#""reason":"x""#);
        assert!(problem(&never, program).contains("stopped at a breakpoint 0 times"));
        let counted = CONDITIONAL_TRANSCRIPT.replace(r#""hits":1"#, r#""hits":5"#);
        assert!(problem(&counted, program).contains("one breakpoint with 1 hits"));
        assert!(problem(CONDITIONAL_TRANSCRIPT, "").contains("did not print `calls 5 total"));
    }

    #[test]
    fn a_locals_run_must_list_every_local_each_time() {
        let listing: String = (1..LOCALS_PER_QUERY)
            .map(|n| format!("v{n} = {{x = {n}, y = 0}}\n"))
            .chain([format!("{LOCALS_SENTINEL}\n")])
            .collect();
        let output =
            format!("#1  0x0000555555555675 in fifty_locals (count=50)\n{listing}{listing}");
        assert_eq!(locals_run_problem(&output, 2), None);
        assert!(locals_run_problem(&output, 3)
            .unwrap_or_default()
            .contains("100 lines `NAME = VALUE` and 2 `sentinel = 7654321`"));
        let short = output.replacen("v7 = {x = 7, y = 0}\n", "", 1);
        assert!(locals_run_problem(&short, 2).is_some());
        let ran = format!("{output}{LOCALS_DONE} 55\n");
        assert!(locals_run_problem(&ran, 2)
            .unwrap_or_default()
            .contains("run to its end"));
    }

    #[test]
    fn a_print_must_show_the_member_and_its_value() {
        let gdb = "Breakpoint 1, bigbin::main () at src/main.rs:54\n\
                   $1 = bigbin::Args {draws: 3, name: alloc::string::String {vec: ...}}\n";
        assert_eq!(printed_problem(gdb, "draws", "3"), None);
        let dbg = "$1 = {draws = 3, name = {vec = {buf = {...}, len = 3}}}\n";
        assert_eq!(printed_problem(dbg, "draws", "3"), None);
        assert!(
            printed_problem("No symbol 'args' in current context\n", "draws", "3")
                .unwrap_or_default()
                .contains("printed no value")
        );
        let function = "$1 = {struct ArgGroup (struct ArgGroup, struct Id [2])} 0x555555917b90 \
                        <clap_builder::builder::arg_group::ArgGroup::args>\n";
        assert!(printed_problem(function, "draws", "3")
            .unwrap_or_default()
            .contains("without `draws = 3`"));
        assert!(printed_problem("$1 = {draws = 33}\n", "draws", "3").is_some());
    }

    #[test]
    fn the_bytes_of_a_read_come_from_the_declared_throughput() {
        let json = r#"{"group_id":"read_256mib","throughput":{"Bytes":268435456}}"#;
        assert_eq!(criterion_bytes(json), Ok(268_435_456));
        assert!(criterion_bytes(r#"{"throughput":null}"#).is_err());
    }
}
