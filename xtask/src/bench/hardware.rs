//! Row j.: hardware against software breakpoint hits, the time per hit from e.'s criterion
//! run and the stops per hit counted as wait calls under `strace -c`.

use super::report::{failed, one_line, thousands};
use super::syscalls::{EventCalls, SYSCALL_HITS};
use super::tools::{Breakpoint, Tools};
use super::Measured;
use crate::workspace::Workspace;

/// The heading j. is measured under.
pub const HEADING: &str = "j. hardware against software breakpoint hits: times from e.'s \
                           criterion run; stops per hit counted as wait4 calls per hit \
                           (`strace -c`, no `-f`)";

/// Mean time per hit of the hardware and the software breakpoint of
/// `crates/session/benches/breakpoint.rs`.
#[derive(Debug)]
pub struct HardwareMeans {
    pub hardware_ns: f64,
    pub software_ns: f64,
}

/// j.: the times per hit, and the stops per hit counted with strace (`None` when strace is
/// not installed).
#[derive(Debug)]
pub struct HardwareBreakpoints {
    pub means: HardwareMeans,
    pub stops: Measured<Option<BreakpointStops>>,
}

/// System calls per ignored breakpoint hit of dbg-cli, hardware and software.
#[derive(Debug)]
pub struct BreakpointStops {
    pub hardware: EventCalls,
    pub software: EventCalls,
    /// Why the counts are not counts per hit.
    pub invalid: Option<String>,
}

/// Stops per event: a stop is one wait for the tracee.
pub fn stops(calls: &EventCalls) -> f64 {
    calls.calls("wait4") + calls.calls("waitid")
}

impl Workspace {
    /// j. The stops per breakpoint hit of dbg-cli, hardware and software: its wait calls per
    /// hit under `strace -c` (no `-f`), every hit ignored, for two values of N (as g.).
    pub fn measure_breakpoint_stops(&self, tools: &Tools) -> Measured<Option<BreakpointStops>> {
        let Some(strace) = &tools.strace else {
            println!("skipped: strace is not installed");
            return Ok(None);
        };
        let mut invalid = self.dbg_hardware_hits_incomplete(tools, SYSCALL_HITS.1);
        if invalid.is_none() {
            invalid = self.dbg_hits_incomplete(tools, SYSCALL_HITS.1);
        }
        let calls = |name: &str, kind: Breakpoint| {
            self.calls_per_event(strace, name, &tools.dbg, SYSCALL_HITS, |n| {
                tools.dbg_breakpoint_hits(kind, n, false)
            })
        };
        Ok(Some(BreakpointStops {
            hardware: calls("dbg-hardware-hits", Breakpoint::Hardware)?,
            software: calls("dbg-software-hits", Breakpoint::Software)?,
            invalid,
        }))
    }
}

/// Row j.: hardware against software breakpoint, time and stops per hit.
pub fn render(
    hardware: &Measured<HardwareBreakpoints>,
    rows: &mut Vec<[String; 6]>,
    notes: &mut Vec<String>,
) {
    const GOAL: &str = "none: reported";
    let hardware = match hardware {
        Ok(hardware) => hardware,
        Err(e) => {
            rows.push([
                "j. hardware against software breakpoint hits".into(),
                failed(e),
                "—".into(),
                "—".into(),
                GOAL.into(),
                "no".into(),
            ]);
            return;
        }
    };
    let means = &hardware.means;
    let (hardware_stops, software_stops) = match &hardware.stops {
        Ok(Some(counted)) if counted.invalid.is_none() => {
            let shown = |calls: &EventCalls| {
                let stops = stops(calls);
                let noun = if (stops - 1.0).abs() < 0.005 {
                    "stop"
                } else {
                    "stops"
                };
                format!("{stops:.2} {noun} per hit")
            };
            notes.push(format!(
                "j. stops per hit: wait4 calls per hit of `dbg-cli run --batch -e \
                 \"breakpoint set ADDR [--hardware] --ignore N\" -e continue` on `bp_loop \
                 N`, N = {} and {} (`strace -c`, no `-f`); hardware per hit: {}; software \
                 per hit: {}",
                SYSCALL_HITS.0,
                SYSCALL_HITS.1,
                counted.hardware.breakdown(),
                counted.software.breakdown()
            ));
            (shown(&counted.hardware), shown(&counted.software))
        }
        Ok(Some(counted)) => {
            let why = counted.invalid.as_deref().unwrap_or_default();
            notes.push(format!("j. stops are not counted: {}", one_line(why)));
            let invalid = "stops per hit invalid (see below)".to_string();
            (invalid.clone(), invalid)
        }
        Ok(None) => {
            let skipped = "stops not counted (strace not installed)".to_string();
            (skipped.clone(), skipped)
        }
        Err(e) => {
            let failed = format!("stops per hit {}", failed(e));
            (failed.clone(), failed)
        }
    };
    let ratio = means.hardware_ns / means.software_ns;
    rows.push([
        "j. criterion `breakpoint_hit`, hardware breakpoint (`dbg_session_hardware`) \
         against software (`dbg_session`), mean time per hit"
            .into(),
        format!(
            "hardware: {:.2} µs ({}/s), {hardware_stops}",
            means.hardware_ns / 1e3,
            thousands(1e9 / means.hardware_ns)
        ),
        format!(
            "software: {:.2} µs ({}/s), {software_stops}",
            means.software_ns / 1e3,
            thousands(1e9 / means.software_ns)
        ),
        format!("{ratio:.2}× software"),
        GOAL.into(),
        "—".into(),
    ]);
    let expected = "One stop per hit is expected of both (hardware: the kernel sets RF on \
                    the hit and there is nothing to step; software: dbg emulates the \
                    `push rbp` under the `int3`)";
    notes.push(if ratio > 1.0 {
        format!(
            "j. software breakpoint hits are faster: a hardware hit takes {ratio:.2}× as \
             long. {expected}, and a debug-register (#DB) stop costs more than an int3 \
             (#BP) stop (PERFORMANCE.md: about 16–17 µs against 4.3 µs)"
        )
    } else {
        format!(
            "j. hardware breakpoint hits are faster: a software hit takes {:.2}× as long. \
             {expected}",
            1.0 / ratio
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_are_the_wait_calls_per_event() {
        let calls = EventCalls {
            total: 4.0,
            by_name: vec![
                ("ptrace".into(), 2.0),
                ("wait4".into(), 1.5),
                ("waitid".into(), 0.5),
            ],
        };
        assert!((stops(&calls) - 2.0).abs() < 1e-9);
        assert!((calls.calls("ptrace") - 2.0).abs() < 1e-9);
        assert_eq!(calls.calls("pwrite64"), 0.0);
    }
}
