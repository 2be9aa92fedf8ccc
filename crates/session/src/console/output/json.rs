//! JSON output (SPEC §5): one object per line, for scripts.

use crate::{Breakpoint, CodePlace, Event, StopKind, WatchHit, Watchpoint};
use serde_json::{json, Map, Value};

use super::{register_text, watch_value, Data};

pub(super) fn event(event: &Event, place: Option<&CodePlace>) -> Value {
    match event {
        Event::Launched { pid } => json!({"type": "launched", "pid": pid.as_raw()}),
        Event::Attached { pid, threads } => json!({
            "type": "attached",
            "pid": pid.as_raw(),
            "threads": threads.iter().map(|t| t.as_raw()).collect::<Vec<_>>(),
        }),
        Event::ThreadCreated { tid } => {
            json!({"type": "thread", "tid": tid.as_raw(), "event": "created"})
        }
        Event::ThreadExited { tid } => {
            json!({"type": "thread", "tid": tid.as_raw(), "event": "exited"})
        }
        Event::Stopped(stop) => {
            let mut object = Map::new();
            object.insert("type".into(), "stop".into());
            object.insert("pid".into(), stop.pid.as_raw().into());
            object.insert("tid".into(), stop.tid.as_raw().into());
            object.insert("signal".into(), stop.signal.as_str().into());
            object.insert("pc".into(), format!("{:#x}", stop.pc).into());
            object.insert("reason".into(), reason(stop.cause.kind()).into());
            if let Some(id) = stop.cause.breakpoint() {
                object.insert("breakpoint".into(), id.into());
            }
            place_fields(&mut object, place);
            if let Some(call) = stop.cause.syscall() {
                let mut syscall = Map::new();
                syscall.insert("name".into(), call.name.into());
                syscall.insert("number".into(), call.number.into());
                if let Some(args) = call.args {
                    let args: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
                    syscall.insert("args".into(), args.into());
                }
                if let Some(ret) = call.ret {
                    syscall.insert("ret".into(), ret.into());
                }
                object.insert("syscall".into(), Value::Object(syscall));
            }
            if let Some(WatchHit { id, old, new, size }) = stop.cause.watch_hit() {
                object.insert("watchpoint".into(), id.into());
                object.insert("old".into(), watch_value(old, size).into());
                object.insert("new".into(), watch_value(new, size).into());
            }
            if let Some(addr) = stop.cause.fault_addr() {
                object.insert("fault_address".into(), format!("{addr:#x}").into());
            }
            Value::Object(object)
        }
        Event::Exited { pid, code } => json!({"type": "exit", "pid": pid.as_raw(), "code": code}),
        Event::Forked { child } => json!({"type": "fork", "child": child.as_raw()}),
        Event::WatchpointScopeEnded { id } => json!({
            "type": "watchpoint", "event": "deleted", "id": id, "why": "scope"
        }),
        Event::ConditionFailed { id, error } => json!({
            "type": "breakpoint", "event": "condition_error", "id": id, "error": error
        }),
        Event::Killed { pid, signal } => {
            json!({"type": "killed", "pid": pid.as_raw(), "signal": signal.as_str()})
        }
        Event::Detached { pid } => json!({"type": "detached", "pid": pid.as_raw()}),
        Event::LibraryLoaded { path, base } => json!({
            "type": "library",
            "event": "loaded",
            "path": path.to_string_lossy(),
            "base": format!("{base:#x}"),
        }),
        Event::LibraryUnloaded { path } => {
            json!({"type": "library", "event": "unloaded", "path": path.to_string_lossy()})
        }
        Event::BreakpointResolved { id, locations } => json!({
            "type": "breakpoint",
            "event": "resolved",
            "id": id,
            "locations": locations.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>(),
        }),
        Event::SignalReceived {
            tid,
            signal,
            passed,
        } => json!({
            "type": "signal",
            "tid": tid.as_raw(),
            "signal": signal.as_str(),
            "passed": passed,
        }),
    }
}

/// The fields SPEC §5 gives a place: `function`, `offset`, `file`, `line`.
fn place_fields(object: &mut Map<String, Value>, place: Option<&CodePlace>) {
    let Some(place) = place else { return };
    if let Some(function) = &place.function {
        object.insert("function".into(), function.clone().into());
    }
    if let Some(offset) = place.offset {
        object.insert("offset".into(), offset.into());
    }
    if let Some(source) = &place.source {
        object.insert("file".into(), source.file.clone().into());
        object.insert("line".into(), source.line.into());
    }
}

fn frame_json(view: &crate::console::output::FrameView) -> Value {
    let frame = &view.frame;
    let mut object = Map::new();
    object.insert("pc".into(), format!("{:#x}", frame.pc).into());
    place_fields(&mut object, frame.place.as_ref());
    if frame.inlined {
        object.insert("inlined".into(), true.into());
    }
    let variables = |list: &[crate::VariableText]| -> Value {
        list.iter()
            .map(|v| json!({"name": v.name, "type": v.type_name, "value": v.text}))
            .collect::<Vec<_>>()
            .into()
    };
    if let Some(args) = &view.args {
        object.insert("args".into(), variables(args));
    }
    if let Some(locals) = &view.locals {
        object.insert("locals".into(), variables(locals));
    }
    Value::Object(object)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn breakpoint_json(bp: &Breakpoint) -> Value {
    let mut object = json!({
        "id": bp.id,
        "enabled": bp.enabled,
        "hits": bp.hits,
        "ignore": bp.ignore,
        "hardware": bp.hardware,
        "locations": bp.locations.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>(),
        "location": bp.spec,
        "pending": bp.is_pending(),
    });
    if let (Some(condition), Some(fields)) = (&bp.condition, object.as_object_mut()) {
        fields.insert("condition".into(), condition.clone().into());
    }
    object
}

fn watchpoint_json(wp: &Watchpoint) -> Value {
    let mut object = json!({
        "id": wp.id,
        "enabled": wp.enabled,
        "hits": wp.hits,
        "ignore": wp.ignore,
        "address": format!("{:#x}", wp.address),
        "kind": wp.kind.name(),
        "size": wp.size,
    });
    if let (Some(expression), Some(fields)) = (&wp.expression, object.as_object_mut()) {
        fields.insert("expression".into(), expression.clone().into());
    }
    object
}

pub(super) fn data(data: &Data) -> Value {
    match data {
        Data::None => json!({}),
        Data::Help(text) => json!({ "help": text }),
        Data::BreakpointSet(bp, _) => json!({
            "id": bp.id,
            "locations": bp.locations.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>(),
            "pending": bp.is_pending(),
        }),
        Data::Frames(frames, _) => {
            json!({"frames": frames.iter().map(frame_json).collect::<Vec<_>>()})
        }
        Data::Frame(frame) => {
            let mut object = match frame_json(frame) {
                Value::Object(object) => object,
                _ => Map::new(),
            };
            object.insert("index".into(), frame.frame.index.into());
            Value::Object(object)
        }
        Data::Returned(value) => json!({"value": value.value, "type": value.type_name}),
        Data::Value(_, value) => value_json(value),
        Data::Variables(_, variables) => json!({
            "variables": variables.iter().map(value_json).collect::<Vec<_>>()
        }),
        Data::Type(text) => json!({ "type": text }),
        Data::Displays(values) => json!({ "displays": displays(values) }),
        Data::DisplayList(list) => json!({
            "displays": list
                .iter()
                .map(|(id, expr)| json!({"id": id, "expr": expr, "enabled": true}))
                .collect::<Vec<_>>()
        }),
        Data::Listing(listing) => json!({
            "file": listing.file,
            "lines": listing
                .lines
                .iter()
                .map(|(line, text)| json!({"line": line, "text": text}))
                .collect::<Vec<_>>(),
        }),
        Data::Examined(lines) => json!({
            "lines": lines
                .iter()
                .map(|line| {
                    let mut object = Map::new();
                    object.insert("address".into(), format!("{:#x}", line.address).into());
                    if let Some(symbol) = &line.symbol {
                        object.insert("symbol".into(), symbol.clone().into());
                    }
                    object.insert("values".into(), line.values.clone().into());
                    Value::Object(object)
                })
                .collect::<Vec<_>>()
        }),
        Data::Symbol(address, place) => {
            let mut object = Map::new();
            object.insert("address".into(), format!("{address:#x}").into());
            place_fields(&mut object, place.as_deref());
            Value::Object(object)
        }
        Data::Breakpoints(list, _) => {
            json!({"breakpoints": list.iter().map(breakpoint_json).collect::<Vec<_>>()})
        }
        Data::WatchpointSet(wp) => json!({"id": wp.id}),
        Data::Scratch(areas, copies) => json!({
            "areas": areas
                .iter()
                .map(|(start, end)| json!({
                    "start": format!("{:#x}", start.get()),
                    "end": format!("{:#x}", end.get()),
                }))
                .collect::<Vec<_>>(),
            "copies": copies
                .iter()
                .map(|copy| json!({
                    "site": format!("{:#x}", copy.site.get()),
                    "copy": format!("{:#x}", copy.slot.get()),
                    "length": copy.len,
                    "next": format!("{:#x}", copy.next.get()),
                    "counter": copy.counter.map(|counter| format!("{:#x}", counter.get())),
                }))
                .collect::<Vec<_>>(),
        }),
        Data::Libraries(libraries) => json!({
            "libraries": libraries
                .iter()
                .map(|lib| json!({
                    "path": lib.path.to_string_lossy(),
                    "base": format!("{:#x}", lib.base),
                    "symbols": lib.symbols,
                    "debuginfo": lib.debuginfo.as_ref().map(|p| p.to_string_lossy().into_owned()),
                }))
                .collect::<Vec<_>>()
        }),
        Data::Threads(threads) => json!({
            "threads": threads
                .iter()
                .map(|t| json!({"tid": t.tid.as_raw(), "current": t.current, "pc": format!("{:#x}", t.pc)}))
                .collect::<Vec<_>>()
        }),
        Data::Policy(signal, policy) => json!({
            "signal": signal.as_str(),
            "stop": policy.stop,
            "print": policy.print,
            "pass": policy.pass,
        }),
        Data::Watchpoints(list) => {
            json!({"watchpoints": list.iter().map(watchpoint_json).collect::<Vec<_>>()})
        }
        Data::Memory {
            address,
            bytes,
            stopped_at,
        } => {
            let mut object = Map::new();
            object.insert("address".into(), format!("{address:#x}").into());
            object.insert("bytes".into(), hex(bytes).into());
            if let Some(at) = stopped_at {
                object.insert("stopped_at".into(), format!("{at:#x}").into());
            }
            Value::Object(object)
        }
        Data::Instructions(list, symbols) => json!({
            "instructions": list
                .iter()
                .enumerate()
                .map(|(index, i)| {
                    let mut object = Map::new();
                    object.insert("address".into(), format!("{:#x}", i.address).into());
                    object.insert("bytes".into(), hex(&i.bytes).into());
                    object.insert("text".into(), i.text.clone().into());
                    if let Some(symbol) = symbols.get(index).cloned().flatten() {
                        object.insert("symbol".into(), symbol.into());
                    }
                    Value::Object(object)
                })
                .collect::<Vec<_>>()
        }),
        Data::Registers(values) => {
            let object: Map<String, Value> = values
                .iter()
                .map(|(reg, value)| (reg.name().to_string(), Value::String(register_text(value))))
                .collect();
            Value::Object(object)
        }
    }
}

/// The name SPEC §5 gives a stop's `reason`.
fn reason(kind: StopKind) -> &'static str {
    match kind {
        StopKind::Entry | StopKind::Exec => "entry",
        StopKind::Breakpoint => "breakpoint",
        StopKind::SingleStep => "single_step",
        StopKind::Watchpoint => "watchpoint",
        StopKind::SyscallEntry => "syscall_entry",
        StopKind::SyscallExit => "syscall_exit",
        StopKind::Signal => "signal",
        StopKind::Interrupt => "interrupt",
        StopKind::StepDone => "step_done",
    }
}

/// A value for SPEC §5: `value` (the printed text), `type`, `name` where it has one, and
/// `children` for structs and arrays.
fn value_json(value: &crate::console::output::ValueView) -> Value {
    let mut object = Map::new();
    if !value.name.is_empty() {
        object.insert("name".into(), value.name.clone().into());
    }
    object.insert("type".into(), value.type_name.clone().into());
    object.insert("value".into(), value.text.clone().into());
    if !value.children.is_empty() {
        object.insert(
            "children".into(),
            value
                .children
                .iter()
                .map(value_json)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    Value::Object(object)
}

/// SPEC §5: `"displays":[{"id":1,"expr":"x","value":"3"}]`.
pub(super) fn displays(values: &[crate::console::output::DisplayValue]) -> Value {
    values
        .iter()
        .map(|d| json!({"id": d.id, "expr": d.expr, "value": d.value}))
        .collect::<Vec<_>>()
        .into()
}
