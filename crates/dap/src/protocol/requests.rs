//! The requests the adapter answers: each one's arguments and response body, and a marker
//! type implementing [`Command`] that ties them to the command's name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::types::{
    Breakpoint, Capabilities, DataBreakpoint, DataBreakpointAccessType, DisassembledInstruction,
    FunctionBreakpoint, Module, Scope, Source, SourceBreakpoint, StackFrame, SteppingGranularity,
    Thread, Variable,
};
use super::Command;

macro_rules! command {
    ($(#[$doc:meta])* $marker:ident, $name:literal, $arguments:ty, $body:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $marker;

        impl Command for $marker {
            const NAME: &'static str = $name;
            type Arguments = $arguments;
            type Body = $body;
        }
    };
}

command!(
    /// `initialize`: the client's capabilities in, the adapter's out.
    Initialize, "initialize", InitializeArguments, Capabilities
);
command!(
    /// `launch`: start the program, stopped until `configurationDone`.
    Launch, "launch", LaunchArguments, ()
);
command!(
    /// `attach`: attach to a running process, stopped until `configurationDone`.
    Attach, "attach", AttachArguments, ()
);
command!(
    /// `setBreakpoints`: all the breakpoints of one source file.
    SetBreakpoints, "setBreakpoints", SetBreakpointsArguments, BreakpointsBody
);
command!(
    /// `setFunctionBreakpoints`: all the function breakpoints.
    SetFunctionBreakpoints, "setFunctionBreakpoints", SetFunctionBreakpointsArguments,
    BreakpointsBody
);
command!(
    /// `setExceptionBreakpoints`: Rust panics and C++ throws.
    SetExceptionBreakpoints,
    "setExceptionBreakpoints",
    SetExceptionBreakpointsArguments,
    SetExceptionBreakpointsBody
);
command!(
    /// `setExpression`: assign to an lvalue expression.
    SetExpression, "setExpression", SetExpressionArguments, SetVariableBody
);
command!(
    /// `dataBreakpointInfo`: whether a variable can be watched, and its id for it.
    DataBreakpointInfo, "dataBreakpointInfo", DataBreakpointInfoArguments,
    DataBreakpointInfoBody
);
command!(
    /// `setDataBreakpoints`: all the data breakpoints (hardware watchpoints).
    SetDataBreakpoints, "setDataBreakpoints", SetDataBreakpointsArguments, BreakpointsBody
);
command!(
    /// `configurationDone`: run the program (or report its entry stop).
    ConfigurationDone, "configurationDone", (), ()
);
command!(
    /// `threads`.
    Threads, "threads", (), ThreadsBody
);
command!(
    /// `stackTrace`: one thread's frames, paged.
    StackTrace, "stackTrace", StackTraceArguments, StackTraceBody
);
command!(
    /// `scopes`: a frame's locals, arguments and registers.
    Scopes, "scopes", ScopesArguments, ScopesBody
);
command!(
    /// `variables`: one level of a scope or value, paged for large arrays.
    Variables, "variables", VariablesArguments, VariablesBody
);
command!(
    /// `setVariable`: assign to a variable, member, element or register.
    SetVariable, "setVariable", SetVariableArguments, SetVariableBody
);
command!(
    /// `evaluate`: an expression (hover, watch) or a debugger command (repl).
    Evaluate, "evaluate", EvaluateArguments, EvaluateBody
);
command!(
    /// `continue`: every thread runs.
    Continue, "continue", ThreadArguments, ContinueBody
);
command!(
    /// `next`: step over.
    Next, "next", StepArguments, ()
);
command!(
    /// `stepIn`: step into.
    StepIn, "stepIn", StepArguments, ()
);
command!(
    /// `stepOut`: run until the frame returns.
    StepOut, "stepOut", StepArguments, ()
);
command!(
    /// `pause`: stop the running program.
    Pause, "pause", ThreadArguments, ()
);
command!(
    /// `disassemble`.
    Disassemble, "disassemble", DisassembleArguments, DisassembleBody
);
command!(
    /// `readMemory`.
    ReadMemory, "readMemory", ReadMemoryArguments, ReadMemoryBody
);
command!(
    /// `writeMemory`.
    WriteMemory, "writeMemory", WriteMemoryArguments, WriteMemoryBody
);
command!(
    /// `modules`: the shared libraries.
    Modules, "modules", ModulesArguments, ModulesBody
);
command!(
    /// `terminate`: end the program.
    Terminate, "terminate", TerminateArguments, ()
);
command!(
    /// `disconnect`: end the session; kill or let go of the program.
    Disconnect, "disconnect", DisconnectArguments, ()
);

/// `initialize` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeArguments {
    /// The client's id.
    #[serde(rename = "clientID", default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// Which adapter the client thinks it talks to.
    #[serde(rename = "adapterID")]
    pub adapter_id: String,
    /// Lines count from 1 (the default) or 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines_start_at1: Option<bool>,
    /// Columns count from 1 (the default) or 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns_start_at1: Option<bool>,
    /// `path` (the default) or `uri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_format: Option<String>,
}

/// `launch` arguments: the protocol leaves them to the adapter; these are dbg's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchArguments {
    /// The program (looked up in `PATH` without a `/`).
    pub program: String,
    /// Its arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Its working directory (the adapter's by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Variables added to (or, with `null`, removed from) the adapter's environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, Option<String>>,
    /// Report a stop at the program's first instruction instead of running it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_on_entry: Option<bool>,
    /// Run without debugging (ignored: the program runs under the debugger all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_debug: Option<bool>,
}

/// `attach` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachArguments {
    /// The process: a number, or its text (VS Code's `${command:pickProcess}` gives text).
    #[serde(deserialize_with = "number_or_text")]
    pub pid: i64,
    /// Report the attach stop instead of letting the process run on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_on_entry: Option<bool>,
}

/// A number given as a JSON number or as text.
fn number_or_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Number(i64),
        Text(String),
    }
    match Given::deserialize(deserializer)? {
        Given::Number(number) => Ok(number),
        Given::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a number"))),
    }
}

/// `setBreakpoints` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetBreakpointsArguments {
    /// The file.
    pub source: Source,
    /// Its breakpoints (all of them: the others are deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakpoints: Option<Vec<SourceBreakpoint>>,
    /// The old form: lines alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<i64>>,
    /// The file was edited since it was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_modified: Option<bool>,
}

/// The breakpoints a `set...Breakpoints` request set, in the order asked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakpointsBody {
    /// One per breakpoint asked for.
    pub breakpoints: Vec<Breakpoint>,
}

/// `setFunctionBreakpoints` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetFunctionBreakpointsArguments {
    /// All of them.
    pub breakpoints: Vec<FunctionBreakpoint>,
}

/// `setExceptionBreakpoints` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetExceptionBreakpointsArguments {
    /// The filters chosen.
    pub filters: Vec<String>,
}

/// `setExceptionBreakpoints` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetExceptionBreakpointsBody {
    /// One per filter, in the order asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakpoints: Option<Vec<Breakpoint>>,
}

/// `setExpression` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetExpressionArguments {
    /// The lvalue.
    pub expression: String,
    /// The new value, an expression.
    pub value: String,
    /// The frame (absent: the selected one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<i64>,
}

/// `dataBreakpointInfo` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataBreakpointInfoArguments {
    /// The container of the variable (absent: `name` is an expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables_reference: Option<i64>,
    /// The variable's name, or an expression.
    pub name: String,
    /// The frame an expression is evaluated in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<i64>,
}

/// `dataBreakpointInfo` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataBreakpointInfoBody {
    /// The id to set a data breakpoint with; `null` when none can be set.
    pub data_id: Option<String>,
    /// What would be watched, or why nothing can be.
    pub description: String,
    /// The access types it can watch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_types: Option<Vec<DataBreakpointAccessType>>,
    /// Whether it can be kept across sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_persist: Option<bool>,
}

/// `setDataBreakpoints` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetDataBreakpointsArguments {
    /// All of them.
    pub breakpoints: Vec<DataBreakpoint>,
}

/// `threads` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadsBody {
    /// Every thread.
    pub threads: Vec<Thread>,
}

/// `stackTrace` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackTraceArguments {
    /// The thread.
    pub thread_id: i64,
    /// The first frame wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_frame: Option<i64>,
    /// How many (absent or 0: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<i64>,
}

/// `stackTrace` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackTraceBody {
    /// The frames asked for.
    pub stack_frames: Vec<StackFrame>,
    /// How many there are in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_frames: Option<i64>,
}

/// `scopes` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopesArguments {
    /// The frame.
    pub frame_id: i64,
}

/// `scopes` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopesBody {
    /// Locals, Arguments, Registers.
    pub scopes: Vec<Scope>,
}

/// `variables` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariablesArguments {
    /// What to list.
    pub variables_reference: i64,
    /// `indexed` or `named`: only those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The first element wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    /// How many (absent or 0: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// `variables` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariablesBody {
    /// The variables.
    pub variables: Vec<Variable>,
}

/// `setVariable` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetVariableArguments {
    /// The container.
    pub variables_reference: i64,
    /// The variable's name in it.
    pub name: String,
    /// The new value, an expression.
    pub value: String,
}

/// `setVariable` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetVariableBody {
    /// The new value, as `print` shows it.
    pub value: String,
    /// Its type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// What `variables` takes to list its parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables_reference: Option<i64>,
    /// How many elements it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexed_variables: Option<i64>,
}

/// `evaluate` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluateArguments {
    /// The expression, or (`repl`) a debugger command.
    pub expression: String,
    /// The frame (absent: the selected one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<i64>,
    /// `watch`, `repl`, `hover`, `clipboard`, `variables`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// `evaluate` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluateBody {
    /// The value, as `print` shows it, or what the command printed.
    pub result: String,
    /// Its type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// What `variables` takes to list its parts (0: none).
    pub variables_reference: i64,
    /// How many elements it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexed_variables: Option<i64>,
    /// Its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reference: Option<String>,
}

/// The arguments of `continue` and `pause`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadArguments {
    /// The thread (every thread runs or stops: all-stop).
    pub thread_id: i64,
    /// Only that thread (not supported: every thread runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_thread: Option<bool>,
}

/// `continue` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContinueBody {
    /// Every thread runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_threads_continued: Option<bool>,
}

/// The arguments of `next`, `stepIn` and `stepOut`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepArguments {
    /// The thread that steps.
    pub thread_id: i64,
    /// Only that thread runs (ignored: a step over a call runs every thread, as gdb's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_thread: Option<bool>,
    /// A line (the default) or one instruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<SteppingGranularity>,
}

/// `disassemble` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisassembleArguments {
    /// An address (`0x...`).
    pub memory_reference: String,
    /// Bytes added to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Instructions to skip (negative: before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction_offset: Option<i64>,
    /// How many instructions.
    pub instruction_count: i64,
    /// Give each instruction's symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_symbols: Option<bool>,
}

/// `disassemble` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisassembleBody {
    /// Exactly `instructionCount` of them (placeholders where nothing decodes).
    pub instructions: Vec<DisassembledInstruction>,
}

/// `readMemory` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadMemoryArguments {
    /// An address (`0x...`).
    pub memory_reference: String,
    /// Bytes added to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// How many bytes.
    pub count: i64,
}

/// `readMemory` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadMemoryBody {
    /// Where the bytes start.
    pub address: String,
    /// Bytes after the data that could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable_bytes: Option<i64>,
    /// The bytes, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// `writeMemory` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteMemoryArguments {
    /// An address (`0x...`).
    pub memory_reference: String,
    /// Bytes added to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Write what can be written (the write is whole or refused here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_partial: Option<bool>,
    /// The bytes, base64.
    pub data: String,
}

/// `writeMemory` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteMemoryBody {
    /// How many bytes were written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_written: Option<i64>,
}

/// `modules` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModulesArguments {
    /// The first wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_module: Option<i64>,
    /// How many (absent or 0: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_count: Option<i64>,
}

/// `modules` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModulesBody {
    /// The modules asked for.
    pub modules: Vec<Module>,
    /// How many there are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_modules: Option<i64>,
}

/// `terminate` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TerminateArguments {
    /// A restart follows (not supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
}

/// `disconnect` arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisconnectArguments {
    /// A restart follows (not supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
    /// Kill the program (default: a launched one is killed, an attached one let go).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminate_debuggee: Option<bool>,
}
