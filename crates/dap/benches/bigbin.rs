//! The benchmark: through the Debug Adapter Protocol, the time from `launch` to the
//! first `stopped` at a function breakpoint on `bigbin::main` in the 90 MB debug build of
//! xtask/bigbin, and the time of the `variables` response for main's locals (after `next`,
//! when `args` is in scope), for dbg-dap and, in the same run, for LLVM's adapter
//! (`lldb-dap`, or `lldb-vscode` as Debian's lldb calls it) when one is installed. Goal:
//! ≤ 0.5× LLVM's times. Medians of five runs each.
//!
//! `cargo bench -p dbg-dap --bench bigbin`; bigbin must be built (`cargo xtask bench p` builds
//! it in `<target>/bigbin`), or named by `DBG_BIGBIN`. Under `cargo test` (no `--bench`) it
//! measures nothing and says so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Client;
use dbg_dap::protocol::events::StoppedEvent;
use dbg_dap::protocol::requests::*;
use dbg_dap::protocol::types::FunctionBreakpoint;

/// Runs per adapter; the median is reported.
const RUNS: usize = 5;

/// One run's two times.
struct Times {
    to_stop: Duration,
    variables: Duration,
}

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("bigbin DAP benchmark: measured by `cargo bench -p dbg-dap --bench bigbin`");
        return;
    }
    let bigbin = bigbin();
    println!(
        "bigbin: {} ({} MB)",
        bigbin.display(),
        std::fs::metadata(&bigbin).map_or(0, |m| m.len() >> 20)
    );
    let dbg = measure("dbg-dap", common::DAP, &bigbin);
    let llvm = llvm_adapter().map(|adapter| {
        let name = adapter.file_name().unwrap().to_string_lossy().into_owned();
        (
            name.clone(),
            measure(&name, &adapter.display().to_string(), &bigbin),
        )
    });
    println!();
    println!("| what | dbg-dap | LLVM's adapter | ratio (goal ≤ 0.5) |");
    println!("|---|---|---|---|");
    for (what, pick) in [
        (
            "`launch` → `stopped` at bigbin::main",
            (|t: &Times| t.to_stop) as fn(&Times) -> Duration,
        ),
        ("`variables` of main's locals", |t: &Times| t.variables),
    ] {
        let ours = median(&dbg, pick);
        match &llvm {
            Some((name, theirs)) => {
                let theirs = median(theirs, pick);
                println!(
                    "| {what} | {} | {} ({name}) | {:.2} |",
                    shown(ours),
                    shown(theirs),
                    ours.as_secs_f64() / theirs.as_secs_f64()
                );
            }
            None => println!("| {what} | {} | not installed | — |", shown(ours)),
        }
    }
}

/// The bigbin binary.
fn bigbin() -> PathBuf {
    if let Some(path) = std::env::var_os("DBG_BIGBIN") {
        return PathBuf::from(path);
    }
    let target = fixtures::output_dir();
    let path = target.parent().unwrap().join("bigbin/debug/bigbin");
    if !path.exists() {
        panic!(
            "{} is missing: `cargo xtask bench p` builds it (or set DBG_BIGBIN)",
            path.display()
        );
    }
    path
}

/// LLVM's DAP server, if installed: `lldb-dap` or `lldb-vscode` in PATH or LLVM's bin
/// directories.
fn llvm_adapter() -> Option<PathBuf> {
    let mut places: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        let mut llvm: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("llvm-"))
            })
            .map(|path| path.join("bin"))
            .collect();
        llvm.sort();
        places.extend(llvm.into_iter().rev());
    }
    ["lldb-dap", "lldb-vscode"]
        .iter()
        .flat_map(|name| places.iter().map(move |dir| dir.join(name)))
        .find(|path| path.is_file())
}

fn measure(name: &str, adapter: &str, bigbin: &std::path::Path) -> Vec<Times> {
    (0..RUNS)
        .map(|run| {
            let times = once(name, adapter, bigbin);
            println!(
                "{name} run {}: stopped after {}, variables in {}",
                run + 1,
                shown(times.to_stop),
                shown(times.variables)
            );
            times
        })
        .collect()
}

/// One session: launch, break at bigbin::main, `next`, the locals.
fn once(name: &str, adapter: &str, bigbin: &std::path::Path) -> Times {
    let mut client = Client::start_adapter(name, adapter, 600);
    client.initialize();
    let start = Instant::now();
    client.request::<Launch>(LaunchArguments {
        program: bigbin.display().to_string(),
        ..LaunchArguments::default()
    });
    client.event::<dbg_dap::protocol::events::InitializedEvent>();
    let set = client.request::<SetFunctionBreakpoints>(SetFunctionBreakpointsArguments {
        breakpoints: vec![FunctionBreakpoint {
            name: "bigbin::main".into(),
            ..FunctionBreakpoint::default()
        }],
    });
    assert!(set.breakpoints[0].verified, "{name}: {set:?}");
    client.request::<ConfigurationDone>(());
    let stop: StoppedEvent = client.stopped();
    let to_stop = start.elapsed();
    assert!(stop.reason.contains("breakpoint"), "{name}: {stop:?}");
    let thread = stop.thread_id.unwrap();
    // `args` is in scope after its line (see xtask's rows t and u).
    client.request::<Next>(StepArguments {
        thread_id: thread,
        ..StepArguments::default()
    });
    client.stopped();
    let frame = client.frames(thread).remove(0);
    let scopes = client
        .request::<Scopes>(ScopesArguments { frame_id: frame.id })
        .scopes;
    let locals = scopes
        .iter()
        .find(|scope| scope.name.starts_with("Local"))
        .unwrap_or_else(|| panic!("{name}: no locals scope in {scopes:?}"))
        .variables_reference;
    let start = Instant::now();
    let variables = client
        .request::<Variables>(VariablesArguments {
            variables_reference: locals,
            ..VariablesArguments::default()
        })
        .variables;
    let variables_time = start.elapsed();
    assert!(
        variables.iter().any(|v| v.name == "args"),
        "{name}: {variables:?}"
    );
    let _ = client.try_request::<Disconnect>(DisconnectArguments {
        terminate_debuggee: Some(true),
        ..DisconnectArguments::default()
    });
    Times {
        to_stop,
        variables: variables_time,
    }
}

fn median(runs: &[Times], pick: fn(&Times) -> Duration) -> Duration {
    let mut values: Vec<Duration> = runs.iter().map(pick).collect();
    values.sort();
    values[values.len() / 2]
}

fn shown(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.2} s", duration.as_secs_f64())
    } else {
        format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
    }
}
