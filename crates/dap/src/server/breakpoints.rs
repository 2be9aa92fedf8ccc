//! Breakpoints as the client sees them: `setBreakpoints` (per source file, with conditions,
//! hit conditions and log messages), `setFunctionBreakpoints`, and data breakpoints (the
//! session's watchpoints on an expression). Each request replaces the set it names; the
//! session's breakpoints behind it are deleted and set again. Hit conditions that an ignore
//! count expresses (`N`, `>= N`, `> N`) are the session's ignore count; the others (`== N`,
//! `% N`) and log messages are decided at the stop. Data breakpoints are in
//! `data_breakpoints.rs`; their ids are numbered with these.

use std::collections::BTreeMap;

use dbg_session::Location;

use super::data_breakpoints::DataTarget;
use super::{hex, source_names, Server};
use crate::error::{Error, Result};
use crate::protocol::events::{BreakpointEvent, OutputEvent};
use crate::protocol::requests::{
    BreakpointsBody, SetBreakpointsArguments, SetExceptionBreakpointsArguments,
    SetExceptionBreakpointsBody, SetFunctionBreakpointsArguments,
};
use crate::protocol::types::{Breakpoint, Source, SourceBreakpoint};

/// When a hit stops the program, by its number (the session counts every hit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HitCondition {
    /// The Nth hit and every one after it (an ignore count of N - 1).
    AtLeast(u64),
    /// The Nth hit only.
    Exactly(u64),
    /// Every Nth hit.
    Multiple(u64),
}

impl HitCondition {
    /// `5`, `>= 5`, `> 5`, `== 5`, `= 5`, `% 5`.
    pub(super) fn parse(text: &str) -> Result<HitCondition> {
        let text = text.trim();
        let bad = || Error::HitCondition(text.to_string());
        let number = |digits: &str| digits.trim().parse::<u64>().map_err(|_| bad());
        let condition = if let Some(rest) = text.strip_prefix(">=") {
            HitCondition::AtLeast(number(rest)?)
        } else if let Some(rest) = text.strip_prefix('>') {
            HitCondition::AtLeast(number(rest)?.saturating_add(1))
        } else if let Some(rest) = text.strip_prefix("==").or_else(|| text.strip_prefix('=')) {
            HitCondition::Exactly(number(rest)?)
        } else if let Some(rest) = text.strip_prefix('%') {
            HitCondition::Multiple(number(rest)?)
        } else {
            HitCondition::AtLeast(number(text)?)
        };
        match condition {
            HitCondition::Multiple(0) => Err(bad()),
            condition => Ok(condition),
        }
    }

    /// The ignore count that lets the hits before the first one that may stop pass.
    fn ignore(self) -> u64 {
        match self {
            HitCondition::AtLeast(n) | HitCondition::Exactly(n) => n.saturating_sub(1),
            HitCondition::Multiple(_) => 0,
        }
    }

    /// Whether hit number `hits` stops.
    fn stops_at(self, hits: u64) -> bool {
        match self {
            HitCondition::AtLeast(n) => hits >= n,
            HitCondition::Exactly(n) => hits == n,
            HitCondition::Multiple(n) => n != 0 && hits.is_multiple_of(n),
        }
    }
}

/// What kind of breakpoint the client asked for: it says the stop's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// By source line.
    Line,
    /// By function name.
    Function,
    /// An exception filter's (the function that raises it).
    Exception(&'static ExceptionFilter),
}

/// An exception filter: a breakpoint on the function that raises the exception, as gdb's
/// `catch throw` and rust-gdb's `break rust_panic` do.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ExceptionFilter {
    /// Its id in `setExceptionBreakpoints`.
    pub(super) filter: &'static str,
    /// Its name in the client.
    pub(super) label: &'static str,
    /// The function the breakpoint is on.
    function: &'static str,
    /// What the stop says.
    pub(super) description: &'static str,
}

/// The exception filters offered.
pub(super) const EXCEPTION_FILTERS: &[ExceptionFilter] = &[
    ExceptionFilter {
        filter: "rust_panic",
        label: "Rust panics",
        function: "rust_panic",
        description: "Rust panic",
    },
    ExceptionFilter {
        filter: "cpp_throw",
        label: "C++ exceptions, when thrown",
        function: "__cxa_throw",
        description: "C++ exception thrown",
    },
];

/// What the adapter keeps about one session breakpoint.
#[derive(Debug, Clone)]
struct Kept {
    dap_id: i64,
    hit: Option<HitCondition>,
    log: Option<String>,
    kind: Kind,
}

/// The breakpoints the client set.
#[derive(Debug, Default)]
pub(super) struct Breakpoints {
    /// Session breakpoint ids by source path.
    by_source: BTreeMap<String, Vec<u32>>,
    /// Session breakpoint ids of the function breakpoints.
    functions: Vec<u32>,
    /// Session breakpoint ids of the exception filters set.
    exceptions: Vec<u32>,
    /// By session breakpoint id.
    kept: BTreeMap<u32, Kept>,
    /// Data breakpoints: session watchpoint id and DAP id.
    pub(super) watches: Vec<(u32, i64)>,
    /// What each `dataId` names, by its number.
    pub(super) data_targets: Vec<DataTarget>,
    last_id: i64,
}

impl Breakpoints {
    pub(super) fn next_id(&mut self) -> i64 {
        self.last_id += 1;
        self.last_id
    }

    /// The DAP id of session breakpoint `id`.
    pub(super) fn dap_id(&self, id: u32) -> Option<i64> {
        self.kept.get(&id).map(|kept| kept.dap_id)
    }

    /// The DAP id of session watchpoint `id`.
    pub(super) fn watch_dap_id(&self, id: u32) -> Option<i64> {
        self.watches
            .iter()
            .find(|(watch, _)| *watch == id)
            .map(|(_, dap)| *dap)
    }

    /// Watchpoint `id` is gone (its frame returned).
    pub(super) fn forget_watch(&mut self, id: u32) {
        self.watches.retain(|(watch, _)| *watch != id);
    }
}

/// What to do at a breakpoint stop.
pub(super) enum Verdict {
    /// Report it.
    Stop {
        /// The breakpoint's DAP id.
        dap_id: i64,
        /// What kind of breakpoint it is.
        kind: Kind,
    },
    /// Go on (a logpoint, or a hit its hit condition skips).
    GoOn,
}

impl Server {
    pub(super) fn set_breakpoints(
        &mut self,
        args: SetBreakpointsArguments,
    ) -> Result<BreakpointsBody> {
        self.session()?;
        let path = args.source.path.clone().ok_or(Error::NoSourcePath)?;
        for id in self.breakpoints.by_source.remove(&path).unwrap_or_default() {
            self.delete(id);
        }
        let wanted: Vec<SourceBreakpoint> = match (args.breakpoints, args.lines) {
            (Some(breakpoints), _) => breakpoints,
            (None, Some(lines)) => lines
                .into_iter()
                .map(|line| SourceBreakpoint {
                    line,
                    ..SourceBreakpoint::default()
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        let mut set = Vec::new();
        let mut ids = Vec::new();
        for bp in wanted {
            let line = self.own_line(bp.line);
            let result = self.set_at_line(&path, line, &bp);
            set.push(self.answer(result, &mut ids));
        }
        self.breakpoints.by_source.insert(path, ids);
        Ok(BreakpointsBody { breakpoints: set })
    }

    /// A line breakpoint of `path`, found by the path as given or else by its file name.
    fn set_at_line(&mut self, path: &str, line: u32, bp: &SourceBreakpoint) -> Result<u32> {
        let mut last = None;
        for file in source_names(path) {
            let location = Location::Line { file, line };
            let spec = format!("{path}:{line}");
            match self.set_one(
                &location,
                &spec,
                bp.condition.as_deref(),
                bp.hit_condition.as_deref(),
                bp.log_message.clone(),
                Kind::Line,
            ) {
                Ok(id) => return Ok(id),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or(Error::NoSourcePath))
    }

    pub(super) fn set_function_breakpoints(
        &mut self,
        args: SetFunctionBreakpointsArguments,
    ) -> Result<BreakpointsBody> {
        self.session()?;
        for id in std::mem::take(&mut self.breakpoints.functions) {
            self.delete(id);
        }
        let mut set = Vec::new();
        let mut ids = Vec::new();
        for bp in args.breakpoints {
            let result = Location::parse(&bp.name)
                .map_err(Error::from)
                .and_then(|location| {
                    self.set_one(
                        &location,
                        &bp.name,
                        bp.condition.as_deref(),
                        bp.hit_condition.as_deref(),
                        None,
                        Kind::Function,
                    )
                });
            set.push(self.answer(result, &mut ids));
        }
        self.breakpoints.functions = ids;
        Ok(BreakpointsBody { breakpoints: set })
    }

    pub(super) fn set_exception_breakpoints(
        &mut self,
        args: SetExceptionBreakpointsArguments,
    ) -> Result<SetExceptionBreakpointsBody> {
        self.session()?;
        for id in std::mem::take(&mut self.breakpoints.exceptions) {
            self.delete(id);
        }
        let mut set = Vec::new();
        let mut ids = Vec::new();
        for name in &args.filters {
            let result = match EXCEPTION_FILTERS.iter().find(|f| f.filter == name) {
                Some(filter) => self.set_one(
                    &Location::Function(filter.function.to_string()),
                    filter.function,
                    None,
                    None,
                    None,
                    Kind::Exception(filter),
                ),
                None => Err(Error::UnknownFilter(name.clone())),
            };
            set.push(self.answer(result, &mut ids));
        }
        self.breakpoints.exceptions = ids;
        Ok(SetExceptionBreakpointsBody {
            breakpoints: Some(set),
        })
    }

    /// Set one session breakpoint with its condition and hit condition, all or nothing.
    fn set_one(
        &mut self,
        location: &Location,
        spec: &str,
        condition: Option<&str>,
        hit_condition: Option<&str>,
        log: Option<String>,
        kind: Kind,
    ) -> Result<u32> {
        let hit = hit_condition
            .filter(|text| !text.trim().is_empty())
            .map(HitCondition::parse)
            .transpose()?;
        let session = self.session()?;
        let bp = session.set_breakpoint_at(location, spec, 0, false)?;
        let configured = (|| {
            if let Some(condition) = condition.filter(|text| !text.trim().is_empty()) {
                session.set_breakpoint_condition(bp.id, Some(condition))?;
            }
            if let Some(hit) = hit {
                session.ignore_breakpoint(bp.id, hit.ignore())?;
            }
            Ok::<(), dbg_session::Error>(())
        })();
        if let Err(error) = configured {
            let _ = session.delete_breakpoint(bp.id);
            return Err(error.into());
        }
        let dap_id = self.breakpoints.next_id();
        self.breakpoints.kept.insert(
            bp.id,
            Kept {
                dap_id,
                hit,
                log: log.filter(|text| !text.is_empty()),
                kind,
            },
        );
        Ok(bp.id)
    }

    /// The answer for one breakpoint asked for; its session id joins `ids` when it was set.
    fn answer(&mut self, result: Result<u32>, ids: &mut Vec<u32>) -> Breakpoint {
        match result {
            Ok(id) => {
                ids.push(id);
                self.describe(id)
            }
            Err(error) => Breakpoint {
                id: Some(self.breakpoints.next_id()),
                verified: false,
                message: Some(error.to_string()),
                ..Breakpoint::default()
            },
        }
    }

    /// Session breakpoint `id` as the protocol describes it: where its first location is.
    fn describe(&mut self, id: u32) -> Breakpoint {
        let dap_id = self.breakpoints.dap_id(id);
        let Ok(session) = self.session() else {
            return Breakpoint::default();
        };
        let Some(bp) = session.breakpoints().into_iter().find(|bp| bp.id == id) else {
            return Breakpoint {
                id: dap_id,
                ..Breakpoint::default()
            };
        };
        let Some(address) = bp.locations.first().copied() else {
            return Breakpoint {
                id: dap_id,
                verified: false,
                message: Some("pending: no loaded binary has it yet".into()),
                ..Breakpoint::default()
            };
        };
        let line = session.place(address).and_then(|place| place.source);
        Breakpoint {
            id: dap_id,
            verified: true,
            message: None,
            source: line.as_ref().map(|line| Source {
                name: Some(
                    line.file
                        .rsplit('/')
                        .next()
                        .unwrap_or(&line.file)
                        .to_string(),
                ),
                path: Some(line.path.clone()),
                source_reference: None,
            }),
            line: line.map(|line| self.client_line(line.line)),
            instruction_reference: Some(hex(address.get())),
        }
    }

    fn delete(&mut self, id: u32) {
        self.breakpoints.kept.remove(&id);
        if let Ok(session) = self.session() {
            let _ = session.delete_breakpoint(id);
        }
    }

    /// A pending breakpoint got locations: tell the client it is verified now.
    pub(super) fn breakpoint_resolved(&mut self, id: u32) {
        if self.breakpoints.kept.contains_key(&id) {
            let breakpoint = self.describe(id);
            self.outbox.event(&BreakpointEvent {
                reason: "changed".into(),
                breakpoint,
            });
        }
    }

    /// Whether a stop at session breakpoint `id` is reported: a logpoint logs and goes on,
    /// a hit condition may skip this hit.
    pub(super) fn breakpoint_verdict(&mut self, id: u32) -> Verdict {
        let Some(kept) = self.breakpoints.kept.get(&id).cloned() else {
            // Set from the debug console: an ordinary breakpoint.
            return Verdict::Stop {
                dap_id: i64::from(id),
                kind: Kind::Line,
            };
        };
        if let Some(hit) = kept.hit {
            let hits = self
                .session()
                .ok()
                .and_then(|session| session.breakpoints().into_iter().find(|bp| bp.id == id))
                .map_or(0, |bp| bp.hits);
            if !hit.stops_at(hits) {
                return Verdict::GoOn;
            }
        }
        if let Some(message) = kept.log {
            let text = self.interpolate(&message);
            self.outbox.event(&OutputEvent {
                category: Some("console".into()),
                output: format!("{text}\n"),
            });
            return Verdict::GoOn;
        }
        Verdict::Stop {
            dap_id: kept.dap_id,
            kind: kept.kind,
        }
    }

    /// A log message with each `{expression}` replaced by its value (`{{` and `}}` are
    /// braces).
    fn interpolate(&mut self, message: &str) -> String {
        let mut out = String::new();
        let mut rest = message;
        while let Some(open) = rest.find(['{', '}']) {
            let (before, from) = rest.split_at(open);
            out.push_str(before);
            if let Some(after) = from.strip_prefix("{{") {
                out.push('{');
                rest = after;
            } else if let Some(after) = from.strip_prefix("}}") {
                out.push('}');
                rest = after;
            } else if let Some(inner) = from.strip_prefix('{') {
                let Some(close) = inner.find('}') else {
                    out.push_str(from);
                    return out;
                };
                let (expression, after) = inner.split_at(close);
                out.push_str(&self.value_text(expression));
                rest = after.get(1..).unwrap_or_default();
            } else {
                out.push('}');
                rest = from.get(1..).unwrap_or_default();
            }
        }
        out.push_str(rest);
        out
    }

    /// An expression's value as a member shows it, or the error.
    fn value_text(&mut self, expression: &str) -> String {
        let Ok(session) = self.session() else {
            return "<no process>".into();
        };
        session
            .evaluate(expression)
            .and_then(|value| session.format_value(&value, None, false))
            .unwrap_or_else(|error| format!("<error: {error}>"))
    }
}

#[cfg(test)]
mod tests {
    use super::HitCondition;

    #[test]
    fn hit_conditions() {
        let parse = |text| HitCondition::parse(text).ok();
        assert_eq!(parse("3"), Some(HitCondition::AtLeast(3)));
        assert_eq!(parse(">= 3"), Some(HitCondition::AtLeast(3)));
        assert_eq!(parse("> 3"), Some(HitCondition::AtLeast(4)));
        assert_eq!(parse("==3"), Some(HitCondition::Exactly(3)));
        assert_eq!(parse("% 2"), Some(HitCondition::Multiple(2)));
        assert_eq!(parse("% 0"), None);
        assert_eq!(parse("three"), None);
        assert!(HitCondition::Multiple(2).stops_at(4));
        assert!(!HitCondition::Exactly(2).stops_at(3));
        assert_eq!(HitCondition::AtLeast(3).ignore(), 2);
    }
}
