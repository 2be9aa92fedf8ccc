//! The bodies of the events the adapter sends.

use serde::{Deserialize, Serialize};

use super::types::{Breakpoint, Module};
use super::EventBody;

/// `initialized`: configuration requests may come now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitializedEvent;

impl EventBody for InitializedEvent {
    const NAME: &'static str = "initialized";
}

/// `stopped`: the program stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoppedEvent {
    /// Why: `step`, `breakpoint`, `exception`, `pause`, `entry`, `function breakpoint`,
    /// `data breakpoint`.
    pub reason: String,
    /// Why, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The thread that stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<i64>,
    /// More about the stop (a signal's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Every thread stopped (always, here: all-stop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_threads_stopped: Option<bool>,
    /// The breakpoints (or data breakpoints) hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_breakpoint_ids: Option<Vec<i64>>,
}

impl EventBody for StoppedEvent {
    const NAME: &'static str = "stopped";
}

/// `continued`: the program runs again without the client having asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContinuedEvent {
    /// A thread that runs.
    pub thread_id: i64,
    /// Every thread runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_threads_continued: Option<bool>,
}

impl EventBody for ContinuedEvent {
    const NAME: &'static str = "continued";
}

/// `exited`: the program ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExitedEvent {
    /// Its exit status (128 + the signal for one killed by a signal, as a shell says).
    pub exit_code: i64,
}

impl EventBody for ExitedEvent {
    const NAME: &'static str = "exited";
}

/// `terminated`: the debugging session is over.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TerminatedEvent {
    /// Data for a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<serde_json::Value>,
}

impl EventBody for TerminatedEvent {
    const NAME: &'static str = "terminated";
}

/// `thread`: a thread started or exited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadEvent {
    /// `started` or `exited`.
    pub reason: String,
    /// The thread.
    pub thread_id: i64,
}

impl EventBody for ThreadEvent {
    const NAME: &'static str = "thread";
}

/// `output`: text for the debug console, or the program's own output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputEvent {
    /// `console`, `important`, `stdout` or `stderr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The text.
    pub output: String,
}

impl EventBody for OutputEvent {
    const NAME: &'static str = "output";
}

/// `breakpoint`: a breakpoint changed (a pending one resolved in a library).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakpointEvent {
    /// `changed`, `new` or `removed`.
    pub reason: String,
    /// The breakpoint, as it is now.
    pub breakpoint: Breakpoint,
}

impl EventBody for BreakpointEvent {
    const NAME: &'static str = "breakpoint";
}

/// `module`: a library was loaded or unloaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleEvent {
    /// `new`, `changed` or `removed`.
    pub reason: String,
    /// The library.
    pub module: Module,
}

impl EventBody for ModuleEvent {
    const NAME: &'static str = "module";
}

/// `process`: the program being debugged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessEvent {
    /// Its name (the program's path).
    pub name: String,
    /// Its pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_process_id: Option<i64>,
    /// It runs on this machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_local_process: Option<bool>,
    /// `launch` or `attach`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_method: Option<String>,
    /// 64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer_size: Option<i64>,
}

impl EventBody for ProcessEvent {
    const NAME: &'static str = "process";
}
