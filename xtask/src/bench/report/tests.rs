//! The table as a reader sees it: sample measurements rendered, and the rows, ratios, goals
//! and notes checked as text.

use std::time::Duration;

use super::*;
use crate::bench::hardware::{BreakpointStops, HardwareMeans};
use crate::bench::libraries::LibraryRuns;
use crate::bench::rates::{
    Rate, CATCH_CALLS, CLI_HITS, CLI_STEPS, CLI_WATCH_HITS, CONDITIONAL_HITS, LOCALS_QUERIES,
    NEXT_ROUNDS, STEP_LOOP_ITERATIONS, TRACE_CALLS,
};
use crate::bench::remote::{RemoteRuns, ServerPair, SessionMedians};
use crate::bench::syscalls::{calls_shown, EventCalls};
use crate::bench::tools::GDB_CATCH_CALLS;
use crate::bench::NOT_SELECTED;
use crate::rusage::RunUsage;
use crate::workspace::quote;

#[test]
fn numbers_and_words_are_shown_as_a_user_would_type_them() {
    assert_eq!(thousands(0.4), "0");
    assert_eq!(thousands(999.0), "999");
    assert_eq!(thousands(53_720.2), "53,720");
    assert_eq!(thousands(1_234_567.0), "1,234,567");
    assert_eq!(quote("--batch"), "--batch");
    assert_eq!(quote("stepi 3"), "\"stepi 3\"");
    assert_eq!(quote("it's $x"), "'it'\\''s $x'");
}

fn sample_report(dbg_invalid: Option<String>) -> Result<Report, String> {
    let secs = Duration::from_secs_f64;
    Ok(Report {
        rows: Rows::parse(&[])?,
        rates: Ok(CliRates {
            dbg: Rate::new(CLI_STEPS, secs(2.0), secs(0.000_01))?,
            reference: Rate::new(CLI_STEPS, secs(13.0), secs(0.1)).ok(),
            dbg_invalid,
            reference_invalid: None,
        }),
        criterion: Ok(CriterionMeans {
            dbg_ns: 18_000.0,
            bare_ns: 16_000.0,
        }),
        syscalls: Ok(None),
        hit_rates: Ok(CliRates {
            dbg: Rate::new(CLI_HITS, secs(1.1), secs(0.1))?,
            reference: Rate::new(CLI_HITS, secs(20.1), secs(0.1)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        breakpoint: Ok(BreakpointMeans {
            dbg_ns: 11_000.0,
            bare_ns: 22_000.0,
            scheduler_ns: 125_000.0,
        }),
        read: Ok(ReadMeans {
            dbg_ns: 100e6,
            bare_ns: 50e6,
            bytes: 256 << 20,
        }),
        hit_syscalls: Ok(Some(SyscallCounts {
            dbg: EventCalls {
                total: 5.0,
                by_name: vec![("ptrace".into(), 3.0), ("wait4".into(), 1.0)],
            },
            reference: None,
            dbg_invalid: None,
        })),
        watch_rates: Ok(CliRates {
            dbg: Rate::new(CLI_WATCH_HITS, secs(2.6), secs(0.1))?,
            reference: Rate::new(CLI_WATCH_HITS, secs(10.1), secs(0.1)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        watch: Ok(CriterionMeans {
            dbg_ns: 20_500.0,
            bare_ns: 19_000.0,
        }),
        hardware: Ok(HardwareBreakpoints {
            means: HardwareMeans {
                hardware_ns: 21_000.0,
                software_ns: 12_000.0,
            },
            stops: Ok(Some(BreakpointStops {
                hardware: EventCalls {
                    total: 3.0,
                    by_name: vec![("ptrace".into(), 2.0), ("wait4".into(), 1.0)],
                },
                software: EventCalls {
                    total: 6.0,
                    by_name: vec![
                        ("ptrace".into(), 3.0),
                        ("pwrite64".into(), 1.0),
                        ("wait4".into(), 1.0),
                    ],
                },
                invalid: None,
            })),
        }),
        watch_syscalls: Ok(Some(SyscallCounts {
            dbg: EventCalls {
                total: 3.0,
                by_name: vec![("ptrace".into(), 2.0), ("wait4".into(), 1.0)],
            },
            reference: Some(EventCalls {
                total: 57.3,
                by_name: vec![("ptrace".into(), 40.0)],
            }),
            dbg_invalid: None,
        })),
        trace_rates: Ok(CliRates {
            dbg: Rate::new(TRACE_CALLS, secs(2.5), secs(0.000_01))?,
            reference: Rate::new(TRACE_CALLS, secs(20.1), secs(0.1)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        syscall_stop: Ok(CriterionMeans {
            dbg_ns: 11_000.0,
            bare_ns: 10_000.0,
        }),
        thread_hit_rates: Ok(CliRates {
            dbg: Rate::new(THREAD_HITS, secs(0.2), secs(0.1))?,
            reference: Rate::new(THREAD_HITS, secs(1.1), secs(0.3)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        thread_prologue_rates: Ok(CliRates {
            dbg: Rate::new(THREAD_HITS, secs(0.4), secs(0.1))?,
            reference: Rate::new(THREAD_HITS, secs(1.3), secs(0.3)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        trace_syscalls: Ok(Some(SyscallCounts {
            dbg: EventCalls {
                total: 5.0,
                by_name: vec![("ptrace".into(), 3.0), ("wait4".into(), 2.0)],
            },
            reference: Some(EventCalls {
                total: 10.0,
                by_name: vec![("wait4".into(), 4.0), ("ptrace".into(), 4.0)],
            }),
            dbg_invalid: None,
        })),
        symbols: Ok(SymbolRuns {
            binary: "target/bigbin/debug/bigbin".into(),
            bytes: 91_054_208,
            dbg: Ok(RunUsage {
                wall: secs(0.25),
                peak_kib: 48_828,
            }),
            gdb: Some(Ok(RunUsage {
                wall: secs(1.0),
                peak_kib: 202_148,
            })),
            program: RunUsage {
                wall: secs(0.006),
                peak_kib: 13_316,
            },
        }),
        conditional_rates: Ok(CliRates {
            dbg: Rate::new(CONDITIONAL_HITS, secs(4.1), secs(0.1))?,
            reference: Rate::new(CONDITIONAL_HITS, secs(40.1), secs(0.1)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        symbol_print: Ok(SymbolRuns {
            binary: "target/bigbin/debug/bigbin".into(),
            bytes: 91_054_208,
            dbg: Ok(RunUsage {
                wall: secs(0.5),
                peak_kib: 146_484,
            }),
            gdb: Some(Ok(RunUsage {
                wall: secs(1.25),
                peak_kib: 244_140,
            })),
            program: RunUsage {
                wall: secs(0.006),
                peak_kib: 13_316,
            },
        }),
        locals_rates: Ok(CliRates {
            dbg: Rate::new(LOCALS_QUERIES, secs(0.299), secs(0.1))?,
            reference: Rate::new(LOCALS_QUERIES, secs(1.691), secs(0.1)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        python_stop: Ok(LibraryRuns {
            dbg: Ok(RunUsage {
                wall: secs(0.2),
                peak_kib: 48_828,
            }),
            gdb: Some(Ok(RunUsage {
                wall: secs(0.8),
                peak_kib: 195_312,
            })),
            alone: RunUsage {
                wall: secs(0.02),
                peak_kib: 9_765,
            },
            libc_debug: true,
        }),
        dlopen_stop: Ok(LibraryRuns {
            dbg: Ok(RunUsage {
                wall: secs(0.5),
                peak_kib: 20_000,
            }),
            gdb: Some(Ok(RunUsage {
                wall: secs(2.5),
                peak_kib: 100_000,
            })),
            alone: RunUsage {
                wall: secs(0.05),
                peak_kib: 5_000,
            },
            libc_debug: true,
        }),
        remote: Ok(Some(RemoteRuns {
            steps: Ok(ServerPair {
                dbg: Ok(remote_medians(6.0, 5_000, Some("0x7ffff7fdf548"))),
                gdbserver: Some(Ok(remote_medians(8.0, 4_000, Some("0x7ffff7fdf548")))),
            }),
            hits: Ok(ServerPair {
                dbg: Ok(remote_medians(15.0, 5_200, None)),
                gdbserver: Some(Ok(remote_medians(20.0, 4_100, None))),
            }),
        })),
        catch_rates: Ok(CliRates {
            dbg: Rate::new(CATCH_CALLS, secs(0.35), secs(0.3))?,
            reference: Rate::new(CATCH_CALLS, secs(0.09), secs(0.05)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        catch_syscalls: Ok(None),
        source_step_rates: Ok(CliRates {
            dbg: Rate::new(STEP_LOOP_ITERATIONS, secs(2.0), secs(0.05))?,
            reference: Rate::new(STEP_LOOP_ITERATIONS, secs(9.0), secs(0.5)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        source_next_rates: Ok(CliRates {
            dbg: Rate::new(NEXT_ROUNDS, secs(0.05), secs(0.04))?,
            reference: Rate::new(NEXT_ROUNDS, secs(0.3), secs(0.2)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        gdb_catch_rates: Ok(CliRates {
            dbg: Rate::new(CATCH_CALLS, secs(0.35), secs(0.3))?,
            reference: Rate::new(GDB_CATCH_CALLS, secs(3.2), secs(0.3)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        named_hit_rates: Ok(CliRates {
            dbg: Rate::new(CLI_HITS, secs(0.9), secs(0.1))?,
            reference: Rate::new(CLI_HITS, secs(20.1), secs(0.1)).ok(),
            dbg_invalid: None,
            reference_invalid: None,
        }),
        named_hit_syscalls: Ok(None),
        thread_hit_syscalls: Ok(None),
    })
}

fn remote_medians(wall: f64, peak_kib: u64, pc: Option<&str>) -> SessionMedians {
    SessionMedians {
        usage: RunUsage {
            wall: Duration::from_secs_f64(wall),
            peak_kib,
        },
        pc: pc.map(str::to_string),
    }
}

#[test]
fn issue_15_rows_judge_both_sessions_and_the_servers_peak() -> Result<(), String> {
    let mut report = sample_report(None)?;
    let table = report.render("");
    assert!(report.complete());
    for row in [
        "| z. `gdb -batch -ex \"target remote HOST:PORT\" -ex \"stepi 20000\" ... busy` \
         through `dbg-cli gdbserver` against through `gdbserver`, session wall time | 6.000 s \
         | gdbserver: 8.000 s | 0.75× gdbserver | ≤ 0.83× gdbserver (≥ 1.2× faster) | yes |",
        "| A. the same with `break target_fn`, `ignore 1 20000`, `continue` (`bp_loop \
         20001`: 20000 ignored hits, then a stop), session wall time | 15.000 s | gdbserver: \
         20.000 s | 0.75× gdbserver | ≤ 0.83× gdbserver (≥ 1.2× faster) | yes |",
        "| B. the server's peak memory (`VmHWM` of its process, the larger of z.'s and A.'s \
         medians) | 5.3 MB | gdbserver: 4.2 MB | 1.27× gdbserver | ≤ 1× gdbserver | no |",
        "- A. gdbserver: median of 5 sessions: 20.000 s, server VmHWM 4.2 MB",
        "- z. dbg: median of 5 sessions: 6.000 s, server VmHWM 5.1 MB, then `print $pc`: \
         0x7ffff7fdf548",
        "z.'s COMMANDS are `-ex \"stepi 20000\" -ex 'print $pc'` on `busy`",
    ] {
        assert!(table.contains(row), "no row\n{row}\nin\n{table}");
    }
    if let Ok(Some(runs)) = &mut report.remote {
        if let Ok(steps) = &mut runs.steps {
            steps.dbg = Ok(remote_medians(6.0, 5_000, Some("0x1234")));
        }
        if let Ok(hits) = &mut runs.hits {
            hits.gdbserver = None;
        }
    }
    let table = report.render("");
    assert!(
        !report.complete(),
        "servers that end at different pcs fail z."
    );
    assert!(table.contains("wall time | invalid (see below) | gdbserver: 8.000 s | — |"));
    assert!(table.contains("- z. dbg is not measured: after 20000 steps gdb shows `$1 = 0x1234`"));
    assert!(table.contains(
        "session wall time | 15.000 s | gdbserver not installed | — | ≤ 0.83× gdbserver (≥ \
         1.2× faster) | not checked |"
    ));
    assert!(table.contains("medians) | 5.3 MB | gdbserver not installed | — | ≤ 1× gdbserver"));
    report.remote = Ok(None);
    let table = report.render("");
    assert!(report.complete(), "no gdb skips the remote rows");
    assert!(table.contains(
        "| skipped: gdb (the client) not installed | — | — | ≤ 1× gdbserver \
                            | not checked |"
    ));
    // Only A. selected: z.'s sessions were not run, and B. is judged on A.'s alone.
    report.rows = Rows::parse(&["A".to_string()])?;
    report.remote = Ok(Some(RemoteRuns {
        steps: Err(NOT_SELECTED.into()),
        hits: Ok(ServerPair {
            dbg: Err("gdb failed (exit status: 1): Remote connection closed".into()),
            gdbserver: Some(Ok(remote_medians(20.0, 4_100, None))),
        }),
    }));
    let table = report.render("");
    assert!(!report.complete());
    assert!(table.contains(
        "session wall time | failed: gdb failed (exit status: 1): Remote connection closed \
         | gdbserver: 20.000 s | — |"
    ));
    assert!(!table.contains("| z. "), "{table}");
    Ok(())
}

#[test]
fn issue_12_rows_judge_python3_and_200_dlopens_against_gdb() -> Result<(), String> {
    let mut report = sample_report(None)?;
    let table = report.render("");
    assert!(report.complete());
    for row in [
        "| w. `dbg-cli run --batch -e \"break PyList_Append\" -e continue -e backtrace -e kill \
         /usr/bin/python3 -c SCRIPT`, wall time | 0.200 s | gdb: 0.800 s | 0.25× gdb \
         | ≤ 0.3× gdb | yes |",
        "| x. the same, the debugger's peak memory (max RSS) | 50.0 MB | gdb: 200.0 MB \
         | 0.25× gdb | ≤ 0.5× gdb | yes |",
        "| y. `dbg-cli run --batch -e \"break many_last\" -e continue -e kill dlopen_many DIR \
         200`, wall time | 0.500 s | gdb: 2.500 s | 0.20× gdb | ≤ 0.3× gdb | yes |",
        "- w. dbg: median of 5 runs: 0.200 s, peak 50.0 MB",
        "- y. gdb: median of 5 runs: 2.500 s, peak 102.4 MB",
        "gdb runs `gdb -nx -batch -ex \"set breakpoint pending on\" -ex \"break many_last\" \
         -ex run -ex kill --args dlopen_many DIR 200`",
        "libc6-dbg (the C library's separate debug file) is installed;",
    ] {
        assert!(table.contains(row), "no row\n{row}\nin\n{table}");
    }
    if let Ok(runs) = &mut report.python_stop {
        runs.libc_debug = false;
        runs.gdb = None;
    }
    if let Ok(runs) = &mut report.dlopen_stop {
        runs.gdb = Some(Err("gdb did not stop at breakpoint 1 in `many_last`".into()));
    }
    let table = report.render("");
    assert!(!report.complete(), "an invalid gdb run fails y.");
    assert!(table.contains("| gdb not installed | — | ≤ 0.3× gdb | not checked (no libc6-dbg) |"));
    assert!(table.contains("| gdb: invalid (see below) | — | ≤ 0.3× gdb | no |"));
    assert!(table.contains("- y. gdb is not measured: gdb did not stop at breakpoint 1"));
    report.dlopen_stop = Err("/usr/bin/cc failed".into());
    let table = report.render("");
    assert!(table.contains(
        "| y. `dbg-cli run --batch -e \"break many_last\" -e continue -e kill dlopen_many DIR \
         200`, wall time | failed: /usr/bin/cc failed | — | — | ≤ 0.3× gdb | no |"
    ));
    Ok(())
}

#[test]
fn issue_11_rows_judge_conditional_hits_a_print_in_bigbin_and_locals() -> Result<(), String> {
    let report = sample_report(None)?;
    let table = report.render("");
    assert!(report.complete());
    for row in [
        "| s. `dbg-cli run --batch -e \"break target_fn if i == -1\" -e continue bp_loop \
         100000`, a condition false at every hit, hits/s | 25,000 | gdb: 2,500 | 10.00× gdb \
         | ≥ 10× gdb | yes |",
        "- s. dbg: median of 5 runs: 100000 hits 4.100 s, 1 hit 0.100 s; 25,000 hits/s",
        "| t. `dbg-cli run --batch -e \"breakpoint set bigbin::main\" -e continue -e next \
         -e \"print args\" -e kill bigbin`, 91.1 MB debug binary, wall time | 0.500 s \
         | gdb: 1.250 s | 0.40× gdb | ≤ 0.3× gdb | no |",
        "| u. the same, the debugger's peak memory (max RSS) | 150.0 MB | gdb: 250.0 MB \
         | 0.60× gdb | ≤ 0.5× gdb | no |",
        "- t. bigbin as for p.; gdb runs `gdb -batch -nx -ex \"break bigbin::main\" -ex run \
         -ex next -ex \"print args\" -ex kill bigbin`; every run must name `bigbin::main`, \
         print `$1 = ` with `draws = 3` (gdb: `draws: 3`)",
        "- t. dbg: median of 5 runs: 0.500 s, peak 150.0 MB",
        "- u. peak memory:",
        "| v. `dbg-cli run --batch -e \"break checkpoint\" -e continue -e up -e locals \
         (×200) locals50`, 50 locals of mixed types, time per `locals` | 1.00 ms \
         | gdb: 7.99 ms | 0.13× gdb | ≤ 0.5× gdb | yes |",
        "- v. dbg: median of 5 runs: 200 queries 0.299 s, 1 query 0.100 s; 1,000 locals/s = \
         199 / difference (1.00 ms each)",
    ] {
        assert!(table.contains(row), "no row\n{row}\nin\n{table}");
    }
    // The backtrace rows keep their own note; the print rows only refer to it.
    assert_eq!(
        table
            .matches("a program that uses a little of each")
            .count(),
        1
    );
    Ok(())
}

#[test]
fn a_failed_print_row_names_what_it_measures() -> Result<(), String> {
    let mut report = sample_report(None)?;
    report.symbol_print = Err("`cargo build --locked --manifest-path ...` failed".into());
    report.locals_rates = Err("`dbg-cli ...`: 150 lines `NAME = VALUE`".into());
    let table = report.render("");
    assert!(!report.complete());
    assert!(table.contains(
        "| t. a breakpoint at `bigbin::main` of a large debug binary, `next` and a `print`, \
         wall time \
         | failed: `cargo build --locked --manifest-path ...` failed | — | — | ≤ 0.3× gdb \
         | no |"
    ));
    assert!(table.contains(
        "| v. `locals` in a frame of 50 variables | failed: `dbg-cli ...`: 150 lines \
         `NAME = VALUE` | — | — | ≤ 0.5× gdb | no |"
    ));
    Ok(())
}

#[test]
fn symbol_rows_compare_time_and_peak_memory_with_gdb() -> Result<(), String> {
    let report = sample_report(None)?;
    let table = report.render("");
    assert!(report.complete());
    for row in [
        "| p. `dbg-cli run --batch -e \"breakpoint set bigbin::main\" -e continue -e \
         backtrace -e kill bigbin`, 91.1 MB debug binary, wall time | 0.250 s | gdb: 1.000 s \
         | 0.25× gdb | ≤ 0.3× gdb | yes |",
        "| q. the same, the debugger's peak memory (max RSS) | 50.0 MB | gdb: 207.0 MB \
         | 0.24× gdb | ≤ 0.5× gdb | yes |",
        "- p. bigbin: `target/bigbin/debug/bigbin`, 91,054,208 bytes (91.1 MB;",
        "- p. dbg: median of 5 runs: 0.250 s, peak 50.0 MB",
        "- p. gdb: median of 5 runs: 1.000 s, peak 207.0 MB",
        "bigbin run alone to its end peaks at 13.6 MB (0.006 s)",
    ] {
        assert!(table.contains(row), "no row\n{row}\nin\n{table}");
    }
    Ok(())
}

#[test]
fn a_failed_dbg_keeps_gdbs_symbol_figures_and_an_invalid_gdb_says_why() -> Result<(), String> {
    let mut report = sample_report(None)?;
    if let Ok(symbols) = &mut report.symbols {
        symbols.dbg =
            Err("dbg-cli failed (exit status: 1): error: no symbol `bigbin::main`\n".into());
    }
    let table = report.render("");
    assert!(!report.complete());
    assert!(table.contains(
        "wall time | failed: dbg-cli failed (exit status: 1): error: no symbol \
         `bigbin::main` | gdb: 1.000 s | — | ≤ 0.3× gdb | no |"
    ));
    assert!(table.contains("max RSS) | failed: dbg-cli failed"));
    assert!(!table.contains("- p. dbg: median"), "{table}");
    if let Ok(symbols) = &mut report.symbols {
        symbols.gdb = Some(Err("gdb did not stop at `bigbin::main`".into()));
    }
    let table = report.render("");
    assert!(table.contains("| gdb: invalid (see below) | — | ≤ 0.5× gdb | no |"));
    assert!(table.contains("- p. gdb is not measured: gdb did not stop at `bigbin::main`"));
    report.symbols = Err("`cargo build --locked --manifest-path ...` failed".into());
    let table = report.render("");
    assert!(table.contains(
        "| q. a breakpoint at `bigbin::main` of a large debug binary, peak memory (max RSS) \
         | failed: `cargo build --locked --manifest-path ...` failed | — | — | ≤ 0.5× gdb \
         | no |"
    ));
    Ok(())
}

#[test]
fn selected_rows_are_the_only_ones_measured_judged_and_shown() -> Result<(), String> {
    let rows = |args: &[&str]| Rows::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
    let selected = rows(&["p", "q"])?;
    assert!(selected.has("pq") && selected.has("ap") && !selected.has("a"));
    assert_eq!(rows(&["pq"])?.partial().as_deref(), Some("p, q"));
    assert_eq!(rows(&[])?.partial(), None);
    assert!(rows(&["s", "v"])?.has("v"));
    // After z come the capitals, shown in the table's order.
    assert_eq!(rows(&["Az", "w"])?.partial().as_deref(), Some("w, z, A"));
    assert!(rows(&["B"])?.has("B") && !rows(&["B"])?.has("b"));
    assert!(rows(&["J"])?.has("J") && rows(&["K"]).is_err());
    assert!(rows(&["--all"]).is_err());
    let mut report = sample_report(None)?;
    report.rows = selected;
    report.rates = Err(NOT_SELECTED.into());
    report.read = Err(NOT_SELECTED.into());
    assert!(report.complete(), "rows not selected do not fail the run");
    let table = report.render("");
    assert!(table.contains("Rows p, q, measured in one run"));
    assert!(table.contains("| p. `dbg-cli run"));
    assert!(table.contains("- q. peak memory"));
    assert!(!table.contains("| a. "), "{table}");
    assert!(!table.contains("- d. "), "{table}");
    assert!(!table.contains(NOT_SELECTED), "{table}");
    Ok(())
}

#[test]
fn report_rows_carry_rates_ratios_and_goals() -> Result<(), String> {
    let report = sample_report(None)?;
    let table = report.render("a test machine");
    assert!(
        report.complete(),
        "a tool that is not installed is skipped, not failed"
    );
    for row in [
        "| a. `dbg-cli run --batch -e \"stepi 100000\"`, steps/s | 50,000 | gdb: 7,752 \
         | 6.45× gdb | ≥ 5× gdb | yes |",
        "| b. criterion `single_step`, mean time per step | 18.00 µs (55,556/s) \
         | bare ptrace loop: 16.00 µs (62,500/s) | 1.12× bare | ≤ 1.3× bare | yes |",
        "| c. system calls per single step | skipped: strace not installed | — | — | ≤ 3 \
         | not checked |",
        "| d. `dbg-cli run --batch -e \"breakpoint set ADDR --ignore 100000\" -e continue`, \
         hits/s | 99,999 | gdb: 5,000 | 20.00× gdb | ≥ 3× gdb | yes |",
        "| e. criterion `breakpoint_hit`, mean time per hit | 11.00 µs (90,909/s), 1 stop \
         per hit | bare ptrace loop, same CPU: 22.00 µs (45,455/s), 2 stops per hit \
         | 0.50× bare | ≤ 1.2× bare | yes |",
        "| f. criterion `read_256mib`, 256 MiB of a stopped tracee, MB/s | 2,684 \
         | bare `process_vm_readv`, 1 MiB per call: 5,369 | 0.50× bare | ≥ 0.8× bare | no |",
        "| g. system calls per breakpoint hit (`strace -c`, no `-f`) | 5.00 \
         | gdb not installed (88.5 measured earlier); bare loop: 8 | — | ≤ 5 | yes |",
        "- d. dbg: median of 5 runs: 100000 hits 1.100 s, 1 hit 0.100 s; 99,999 hits/s \
         = 99,999 / difference",
        "- e. bare ptrace loop with CPU placement left to the scheduler: 125.00 µs (8,000/s)",
        "- g. dbg per hit: ptrace 3.00, wait4 1.00",
        "| h. `dbg-cli run --batch -e \"watchpoint set ADDR write 8 --ignore 100000\" -e \
         continue`, hits/s | 40,000 | gdb: 10,000 | 4.00× gdb | ≥ 3× gdb | yes |",
        "- h. gdb: median of 5 runs: 100000 hits 10.100 s, 1 hit 0.100 s; 10,000 hits/s \
         = 99,999 / difference",
        "| i. criterion `watchpoint_hit`, mean time per hit | 20.50 µs (48,780/s), 1 stop \
         per hit | bare ptrace loop, same CPU: 19.00 µs (52,632/s), 1 stop per hit \
         | 1.08× bare | ≤ 1.2× bare | yes |",
        "| j. criterion `breakpoint_hit`, hardware breakpoint (`dbg_session_hardware`) \
         against software (`dbg_session`), mean time per hit | hardware: 21.00 µs \
         (47,619/s), 1.00 stop per hit | software: 12.00 µs (83,333/s), 1.00 stop per hit \
         | 1.75× software | none: reported | — |",
        "- j. software breakpoint hits are faster: a hardware hit takes 1.75× as long.",
        "hardware per hit: ptrace 2.00, wait4 1.00; software per hit: ptrace 3.00, \
         pwrite64 1.00, wait4 1.00",
        "| k. system calls per watchpoint hit (`strace -c`, no `-f`) | 3.00 | gdb: 57.3; \
         bare loop: 2 | 0.05× gdb | ≤ 3 | yes |",
        "- k. gdb per hit: ptrace 40.00",
    ] {
        assert!(table.contains(row), "no row\n{row}\nin\n{table}");
    }
    Ok(())
}

#[test]
fn syscall_tracing_rows_compare_with_strace_a_bare_loop_and_gdb() -> Result<(), String> {
    let report = sample_report(None)?;
    let table = report.render("a test machine");
    assert!(report.complete());
    for row in [
        "| l. `target/release/examples/trace -o /dev/null syscall_loop 200000` \
         (dbg-process's strace-like example) against `strace -f -o /dev/null`, system \
         calls/s | 80,000 | strace: 10,000 | 8.00× strace | ≥ 2× strace | yes |",
        "- l. trace: median of 5 runs: 200000 calls 2.500 s, 1 call 0.000 s; 80,000 \
         syscalls/s = 199,999 / difference",
        "- l. strace: median of 5 runs: 200000 calls 20.100 s, 1 call 0.100 s; 10,000 \
         syscalls/s = 199,999 / difference",
        "- l. m.'s bare ptrace loop traces 100,000/s on one CPU: the example takes 1.25× \
         its time per system call",
        "| m. criterion `syscall_stop`, mean time per traced system call (entry + exit \
         stop) | 11.00 µs (90,909/s) | bare ptrace loop, same CPU: 10.00 µs (100,000/s) \
         | 1.10× bare | ≤ 1.2× bare | yes |",
        "| n. `dbg-cli run --batch -e \"breakpoint set ADDR --ignore 16000\" -e continue \
         threads_bp 2000`, 8 threads, hits/s | 159,990 | gdb: 19,999 | 8.00× gdb | ≥ 3× gdb \
         | yes |",
        "- n. dbg: median of 5 runs: 16000 hits 0.200 s, 1 hit + kill 0.100 s; 159,990 \
         hits/s = 15,999 / difference",
        "| o. system calls per system call traced by the trace example (`strace -c`, no \
         `-f`) | 5.00 | strace: 10.0; bare loop: 4 | 0.50× strace | ≤ 5 | yes |",
        "- o. trace per syscall: ptrace 3.00, wait4 2.00",
        "- o. strace per syscall: wait4 4.00, ptrace 4.00",
    ] {
        assert!(table.contains(row), "no row\n{row}\nin\n{table}");
    }
    Ok(())
}

#[test]
fn missing_strace_and_failed_tracing_measurements_are_rows_that_say_so() -> Result<(), String> {
    let mut report = sample_report(None)?;
    if let Ok(rates) = &mut report.trace_rates {
        rates.reference = None;
    }
    report.trace_syscalls = Ok(None);
    let table = report.render("");
    assert!(report.complete(), "a missing strace is skipped, not failed");
    assert!(table.contains(
        "system calls/s | 80,000 | strace not installed | — | ≥ 2× strace | not checked |"
    ));
    assert!(table.contains(
        "| o. system calls per system call traced by the trace example | skipped: strace \
         not installed | — | — | ≤ 5 | not checked |"
    ));
    if let Ok(rates) = &mut report.trace_rates {
        rates.dbg_invalid = Some("the trace shows 3 getppid calls".into());
    }
    report.syscall_stop = Err("`cargo bench --package dbg-process --bench syscall` failed".into());
    report.thread_hit_rates = Err("`dbg-cli ...`: the program did not print".into());
    let table = report.render("");
    assert!(!report.complete());
    assert!(table.contains("| invalid (see below) | strace not installed | — |"));
    assert!(table.contains("- l. trace is not measured: the trace shows 3 getppid calls"));
    assert!(!table.contains("m.'s bare ptrace loop"), "{table}");
    assert!(table.contains(
        "| m. criterion `syscall_stop` | failed: `cargo bench --package dbg-process \
         --bench syscall` failed | — | — | ≤ 1.2× bare | no |"
    ));
    assert!(table.contains(
        "| n. ignored breakpoint hits of 8 threads through the command line | failed: \
         `dbg-cli ...`: the program did not print | — | — | ≥ 3× gdb | no |"
    ));
    Ok(())
}

#[test]
fn a_calls_figure_over_its_goal_before_rounding_is_shown_and_explained() -> Result<(), String> {
    assert_eq!(calls_shown(5.0, 5.0), "5.00");
    assert_eq!(calls_shown(4.9999, 5.0), "5.00");
    assert_eq!(calls_shown(5.0018, 5.0), "5.0018");
    assert_eq!(calls_shown(5.2, 5.0), "5.20");
    let mut report = sample_report(None)?;
    if let Ok(Some(counts)) = &mut report.trace_syscalls {
        counts.dbg.total = 5.0018;
    }
    let table = report.render("");
    // Judged at two decimals, shown to four, and said so in a note.
    assert!(
        table.contains("`-f`) | 5.0018 | strace: 10.0; bare loop: 4 | 0.50× strace | ≤ 5 | yes |"),
        "{table}"
    );
    assert!(table.contains("- o. 5.0018 trace calls per syscall round to 5.00"));
    assert!(table.contains("- o. trace per syscall besides those listed: 0.0018 (calls"));
    // A real miss stays a miss.
    if let Ok(Some(counts)) = &mut report.trace_syscalls {
        counts.dbg.total = 5.006;
    }
    let table = report.render("");
    assert!(
        table.contains("| 5.01 | strace: 10.0; bare loop: 4 | 0.50× strace | ≤ 5 | no |"),
        "{table}"
    );
    Ok(())
}

#[test]
fn an_early_stop_makes_the_cli_rate_invalid() -> Result<(), String> {
    let table = sample_report(Some("`stepi 100000` ended early".to_string()))?.render("");
    assert!(table.contains("| invalid (see below) | gdb: 7,752 | — | ≥ 5× gdb | no |"));
    assert!(table.contains("- a. dbg is not measured: `stepi 100000` ended early"));
    assert!(!table.contains("50,000"), "{table}");
    Ok(())
}

#[test]
fn a_missing_gdb_leaves_the_goal_unchecked() -> Result<(), String> {
    let mut report = sample_report(None)?;
    if let Ok(rates) = &mut report.rates {
        rates.reference = None;
    }
    let table = report.render("");
    assert!(table.contains("| 50,000 | gdb not installed | — | ≥ 5× gdb | not checked |"));
    assert!(report.complete());
    Ok(())
}

#[test]
fn a_failed_measurement_is_a_row_that_says_why() -> Result<(), String> {
    let mut report = sample_report(None)?;
    report.read = Err("`cargo bench --package dbg-memory --bench read` failed\n(exit 1)".into());
    report.hit_syscalls = Err("strace: | oops".into());
    let table = report.render("");
    assert!(!report.complete());
    assert!(table.contains(
        "| f. criterion `read_256mib` | failed: `cargo bench --package dbg-memory --bench \
         read` failed (exit 1) | — | — | ≥ 0.8× bare | no |"
    ));
    assert!(table.contains(
        "| g. system calls per breakpoint hit | failed: strace: \\| oops | — | — | ≤ 5 | no |"
    ));
    Ok(())
}

#[test]
fn a_gdb_without_a_hardware_watchpoint_makes_its_rate_invalid() -> Result<(), String> {
    let mut report = sample_report(None)?;
    if let Ok(rates) = &mut report.watch_rates {
        rates.reference = None;
        rates.reference_invalid = Some("gdb did not say `Hardware watchpoint`".into());
    }
    let table = report.render("");
    assert!(!report.complete(), "an invalid measurement fails the run");
    assert!(
        table.contains("hits/s | 40,000 | gdb: invalid (see below) | — | ≥ 3× gdb | no |"),
        "{table}"
    );
    assert!(table.contains("- h. gdb is not measured: gdb did not say `Hardware watchpoint`"));
    assert!(table.contains("- h. dbg: median of 5 runs: 100000 hits 2.600 s"));
    Ok(())
}

#[test]
fn hardware_against_software_says_which_is_faster_and_how_stops_were_counted() -> Result<(), String>
{
    let mut report = sample_report(None)?;
    if let Ok(hardware) = &mut report.hardware {
        hardware.means.hardware_ns = 6_000.0;
        hardware.stops = Ok(None);
    }
    let table = report.render("");
    assert!(report.complete(), "strace missing skips the stop count");
    assert!(table.contains(
        "| hardware: 6.00 µs (166,667/s), stops not counted (strace not installed) \
         | software: 12.00 µs (83,333/s), stops not counted (strace not installed) \
         | 0.50× software | none: reported | — |"
    ));
    assert!(table
        .contains("- j. hardware breakpoint hits are faster: a software hit takes 2.00× as long."));
    if let Ok(hardware) = &mut report.hardware {
        hardware.stops = Ok(Some(BreakpointStops {
            hardware: EventCalls {
                total: 6.0,
                by_name: vec![("ptrace".into(), 4.0), ("wait4".into(), 2.0)],
            },
            software: EventCalls {
                total: 3.0,
                by_name: vec![("waitid".into(), 1.0)],
            },
            invalid: None,
        }));
    }
    let table = report.render("");
    assert!(
        table.contains("(166,667/s), 2.00 stops per hit |"),
        "{table}"
    );
    assert!(table.contains("(83,333/s), 1.00 stop per hit |"), "{table}");
    if let Ok(hardware) = &mut report.hardware {
        if let Ok(Some(stops)) = &mut hardware.stops {
            stops.invalid = Some("`breakpoint list` should show one breakpoint".into());
        }
    }
    let table = report.render("");
    assert!(!report.complete());
    assert!(table.contains("stops per hit invalid (see below)"));
    assert!(table.contains("- j. stops are not counted: `breakpoint list` should show"));
    report.hardware = Err("`cargo bench --package dbg-session --bench breakpoint` failed".into());
    let table = report.render("");
    assert!(table.contains(
        "| j. hardware against software breakpoint hits | failed: `cargo bench --package \
         dbg-session --bench breakpoint` failed | — | — | none: reported | no |"
    ));
    Ok(())
}
