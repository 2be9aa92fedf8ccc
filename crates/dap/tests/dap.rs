//! The `dbg-dap` binary driven as an editor drives it, against the C fixtures: launch and
//! attach, breakpoints of every kind, stops at the lines gdb stops at, threads, stacks,
//! scopes and variables equal to what `print` shows, evaluate, setVariable seen in the
//! program's output, stepping, pause, disassembly, memory, modules, the end of the program,
//! and malformed input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use base64::Engine;
use common::{fixture, line_of, source, Client};
use dbg_dap::protocol::events::*;
use dbg_dap::protocol::requests::*;
use dbg_dap::protocol::types::*;

const DEMO: &str = "dap_demo.c";

fn at(marker: &str) -> SourceBreakpoint {
    SourceBreakpoint {
        line: line_of(DEMO, marker),
        ..SourceBreakpoint::default()
    }
}

/// Launch dap_demo with breakpoints, run to the first stop; the stop and its frame.
fn run_to(
    client: &mut Client,
    breakpoints: Vec<SourceBreakpoint>,
    reason: &str,
) -> (StoppedEvent, StackFrame) {
    client.launch(&fixture("dap_demo"), &[], false);
    client.break_at(DEMO, breakpoints);
    client.request::<ConfigurationDone>(());
    client.stopped_at(reason)
}

fn scope(client: &mut Client, frame: i64, name: &str) -> i64 {
    client
        .request::<Scopes>(ScopesArguments { frame_id: frame })
        .scopes
        .into_iter()
        .find(|scope| scope.name == name)
        .unwrap_or_else(|| panic!("no scope {name}"))
        .variables_reference
}

fn variables(client: &mut Client, reference: i64) -> Vec<Variable> {
    client
        .request::<Variables>(VariablesArguments {
            variables_reference: reference,
            ..VariablesArguments::default()
        })
        .variables
}

fn scope_variables(client: &mut Client, frame: i64, name: &str) -> Vec<Variable> {
    let reference = scope(client, frame, name);
    variables(client, reference)
}

fn named<'a>(variables: &'a [Variable], name: &str) -> &'a Variable {
    variables
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no variable {name} in {variables:?}"))
}

fn evaluate(
    client: &mut Client,
    frame: i64,
    expression: &str,
    context: &str,
) -> Result<EvaluateBody, String> {
    client.try_request::<Evaluate>(EvaluateArguments {
        expression: expression.into(),
        frame_id: Some(frame),
        context: Some(context.into()),
    })
}

/// Output events of `category` until the program exits; then the exit code (after which
/// `terminated` must come).
fn output_until_exit(client: &mut Client, category: &str) -> (String, i64) {
    let exited = client.event::<ExitedEvent>();
    client.event::<TerminatedEvent>();
    let text: String = client
        .kept_events::<OutputEvent>()
        .into_iter()
        .filter(|event| event.category.as_deref() == Some(category))
        .map(|event| event.output)
        .collect();
    (text, exited.exit_code)
}

#[test]
fn launch_stop_inspect_change_and_exit() {
    let mut client = Client::start("launch_stop_inspect_change_and_exit");
    let capabilities = client.initialize();
    assert_eq!(capabilities.supports_configuration_done_request, Some(true));
    assert_eq!(capabilities.supports_data_breakpoints, Some(true));
    let filters: Vec<String> = capabilities
        .exception_breakpoint_filters
        .unwrap()
        .into_iter()
        .map(|f| f.filter)
        .collect();
    assert_eq!(filters, ["rust_panic", "cpp_throw"]);
    client.request::<Launch>(LaunchArguments {
        program: fixture("dap_demo"),
        ..LaunchArguments::default()
    });
    client.event::<InitializedEvent>();
    let process = client.event::<ProcessEvent>();
    assert_eq!(process.start_method.as_deref(), Some("launch"));

    // Breakpoints are verified at the line gdb chooses, with the file's path.
    let set = client.break_at(DEMO, vec![at("main-call")]);
    let bp = &set.breakpoints[0];
    assert!(bp.verified, "{bp:?}");
    assert_eq!(bp.line, Some(line_of(DEMO, "main-call")));
    assert_eq!(
        bp.source.as_ref().and_then(|s| s.path.clone()),
        Some(source(DEMO))
    );
    client.request::<ConfigurationDone>(());

    let (stop, frame) = client.stopped_at("breakpoint");
    assert_eq!(stop.hit_breakpoint_ids, Some(vec![bp.id.unwrap()]));
    assert_eq!(stop.all_threads_stopped, Some(true));
    assert_eq!(frame.name, "main");
    assert_eq!(frame.line, line_of(DEMO, "main-call"));
    assert_eq!(
        frame.source.as_ref().and_then(|s| s.path.clone()),
        Some(source(DEMO))
    );
    let threads = client.request::<Threads>(()).threads;
    assert_eq!(threads.len(), 1);
    assert_eq!(Some(threads[0].id), stop.thread_id);

    // The C library was loaded on the way: a module event, and in `modules`.
    let libc = client.event_where(|event: &ModuleEvent| event.module.name.starts_with("libc.so"));
    assert_eq!(libc.reason, "new");
    let modules = client
        .request::<Modules>(ModulesArguments::default())
        .modules;
    assert!(
        modules.iter().any(|m| m.name.starts_with("libc.so")),
        "{modules:?}"
    );

    // Locals as `print` shows them; a struct expands to its members, a large array pages.
    let locals = scope_variables(&mut client, frame.id, "Locals");
    assert_eq!(named(&locals, "origin").value, "{x = 3, y = 4}");
    assert_eq!(named(&locals, "numbers").value, "{1, 2, 3, 4, 5}");
    assert_eq!(named(&locals, "limit").value, "4");
    assert_eq!(named(&locals, "limit").type_name.as_deref(), Some("int"));
    let origin = named(&locals, "origin").clone();
    let members = variables(&mut client, origin.variables_reference);
    let members: Vec<(String, String, Option<String>)> = members
        .into_iter()
        .map(|v| (v.name, v.value, v.evaluate_name))
        .collect();
    assert_eq!(
        members,
        vec![
            ("x".into(), "3".into(), Some("origin.x".into())),
            ("y".into(), "4".into(), Some("origin.y".into()))
        ]
    );
    let big = named(&locals, "big").clone();
    assert_eq!(big.indexed_variables, Some(300));
    let page = client
        .request::<Variables>(VariablesArguments {
            variables_reference: big.variables_reference,
            filter: Some("indexed".into()),
            start: Some(250),
            count: Some(3),
        })
        .variables;
    let page: Vec<(String, String)> = page.into_iter().map(|v| (v.name, v.value)).collect();
    assert_eq!(
        page,
        vec![
            ("[250]".into(), "500".into()),
            ("[251]".into(), "502".into()),
            ("[252]".into(), "504".into())
        ]
    );
    let arguments = scope_variables(&mut client, frame.id, "Arguments");
    assert_eq!(named(&arguments, "argc").value, "1");
    let registers = scope_variables(&mut client, frame.id, "Registers");
    assert_eq!(
        named(&registers, "rip").value,
        format!(
            "{:#018x}",
            u64::from_str_radix(
                frame
                    .instruction_pointer_reference
                    .as_deref()
                    .unwrap()
                    .trim_start_matches("0x"),
                16
            )
            .unwrap()
        )
    );

    // Watch, hover and the debug console.
    assert_eq!(
        evaluate(&mut client, frame.id, "origin.x + limit", "watch")
            .unwrap()
            .result,
        "7"
    );
    assert_eq!(
        evaluate(&mut client, frame.id, "numbers[2]", "hover")
            .unwrap()
            .result,
        "3"
    );
    let nope = evaluate(&mut client, frame.id, "no_such_variable", "watch").unwrap_err();
    assert!(nope.contains("no_such_variable"), "{nope}");
    let printed = evaluate(&mut client, frame.id, "print limit * 2", "repl")
        .unwrap()
        .result;
    assert!(printed.ends_with("= 8"), "{printed:?}");
    let backtrace = evaluate(&mut client, frame.id, "bt", "repl")
        .unwrap()
        .result;
    assert!(backtrace.contains("main"), "{backtrace:?}");
    assert!(evaluate(&mut client, frame.id, "frobnicate", "repl").is_err());

    // setExpression assigns to an lvalue.
    let set = client.request::<SetExpression>(SetExpressionArguments {
        expression: "origin.y".into(),
        value: "origin.x * 10".into(),
        frame_id: Some(frame.id),
    });
    assert_eq!(set.value, "30");
    assert_eq!(
        evaluate(&mut client, frame.id, "origin", "watch")
            .unwrap()
            .result,
        "{x = 3, y = 30}"
    );
    client.request::<SetExpression>(SetExpressionArguments {
        expression: "origin.y".into(),
        value: "4".into(),
        frame_id: Some(frame.id),
    });

    // setVariable changes what the program prints.
    let locals_ref = scope(&mut client, frame.id, "Locals");
    let set = client.request::<SetVariable>(SetVariableArguments {
        variables_reference: locals_ref,
        name: "limit".into(),
        value: "3".into(),
    });
    assert_eq!(set.value, "3");
    client.request::<Continue>(ThreadArguments {
        thread_id: stop.thread_id.unwrap(),
        single_thread: None,
    });
    let (stdout, code) = output_until_exit(&mut client, "stdout");
    assert_eq!(stdout, "total 14 big 598\n");
    let stderr: String = client
        .kept_events::<OutputEvent>()
        .into_iter()
        .filter(|e| e.category.as_deref() == Some("stderr"))
        .map(|e| e.output)
        .collect();
    assert_eq!(stderr, "origin 3 4 numbers 5\n");
    assert_eq!(code, 3);
    assert!(client.disconnect(None));
}

#[test]
fn stepping_matches_step_next_finish() {
    let mut client = Client::start("stepping_matches_step_next_finish");
    let (stop, _) = run_to(&mut client, vec![at("main-call")], "breakpoint");
    let thread = stop.thread_id.unwrap();
    let step = StepArguments {
        thread_id: thread,
        ..StepArguments::default()
    };
    // What gdb does from the same breakpoint: step, next, step, step, finish, next.
    client.request::<StepIn>(step.clone());
    let (_, frame) = client.stopped_at("step");
    assert_eq!(
        (frame.name.as_str(), frame.line),
        ("sum_to", line_of(DEMO, "sum-first"))
    );
    client.request::<Next>(step.clone());
    let (_, frame) = client.stopped_at("step");
    assert_eq!(frame.line, line_of(DEMO, "sum-first") + 1);
    client.request::<StepIn>(step.clone());
    let (_, frame) = client.stopped_at("step");
    assert_eq!(frame.line, line_of(DEMO, "loop-call"));
    client.request::<StepIn>(step.clone());
    let (_, frame) = client.stopped_at("step");
    assert_eq!(
        (frame.name.as_str(), frame.line),
        ("square", line_of(DEMO, "square-first"))
    );
    let frames = client.frames(thread);
    let names: Vec<&str> = frames.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["square", "sum_to", "main"]);
    assert_eq!(frames[1].line, line_of(DEMO, "loop-call"));
    // Paged: the second frame alone.
    let page = client.request::<StackTrace>(StackTraceArguments {
        thread_id: thread,
        start_frame: Some(1),
        levels: Some(1),
    });
    assert_eq!(page.total_frames, Some(3));
    assert_eq!(page.stack_frames.len(), 1);
    assert_eq!(page.stack_frames[0].name, "sum_to");
    // The caller's variables, through its frame.
    let args = scope_variables(&mut client, frames[1].id, "Arguments");
    assert_eq!(named(&args, "limit").value, "4");
    client.request::<StepOut>(step.clone());
    let (_, frame) = client.stopped_at("step");
    assert_eq!(
        (frame.name.as_str(), frame.line),
        ("sum_to", line_of(DEMO, "loop-call"))
    );
    client.request::<Next>(step.clone());
    let (_, frame) = client.stopped_at("step");
    assert_eq!(frame.line, line_of(DEMO, "loop-count"));
    // One instruction.
    let before = frame.instruction_pointer_reference.clone();
    client.request::<Next>(StepArguments {
        granularity: Some(SteppingGranularity::Instruction),
        ..step
    });
    let (_, frame) = client.stopped_at("step");
    assert_ne!(frame.instruction_pointer_reference, before);
    assert!(client.disconnect(None));
}

#[test]
fn conditions_hit_counts_logpoints_and_functions() {
    let mut client = Client::start("conditions_hit_counts_logpoints_and_functions");
    client.launch(&fixture("dap_demo"), &[], false);
    let set = client.break_at(
        DEMO,
        vec![
            SourceBreakpoint {
                hit_condition: Some("% 2".into()),
                ..at("loop-count")
            },
            SourceBreakpoint {
                log_message: Some("square({n}) = {result}".into()),
                ..at("square-return")
            },
        ],
    );
    assert!(set.breakpoints.iter().all(|bp| bp.verified), "{set:?}");
    let functions = client.request::<SetFunctionBreakpoints>(SetFunctionBreakpointsArguments {
        breakpoints: vec![
            FunctionBreakpoint {
                name: "square".into(),
                condition: Some("n == 3".into()),
                hit_condition: None,
            },
            FunctionBreakpoint {
                name: "no_such_function".into(),
                ..FunctionBreakpoint::default()
            },
        ],
    });
    assert!(functions.breakpoints[0].verified);
    assert_eq!(
        functions.breakpoints[0].line,
        Some(line_of(DEMO, "square-first"))
    );
    assert!(!functions.breakpoints[1].verified);
    assert!(functions.breakpoints[1].message.is_some());
    client.request::<ConfigurationDone>(());

    let counter = |client: &mut Client, frame: i64| {
        evaluate(client, frame, "counter", "watch").unwrap().result
    };
    // i = 2: the second hit of the hit-count breakpoint.
    let (stop, frame) = client.stopped_at("breakpoint");
    assert_eq!(
        stop.hit_breakpoint_ids,
        Some(vec![set.breakpoints[0].id.unwrap()])
    );
    assert_eq!(frame.line, line_of(DEMO, "loop-count"));
    assert_eq!(
        evaluate(&mut client, frame.id, "i", "watch")
            .unwrap()
            .result,
        "2"
    );
    assert_eq!(counter(&mut client, frame.id), "1");
    let thread = stop.thread_id.unwrap();
    let go = ThreadArguments {
        thread_id: thread,
        single_thread: None,
    };
    // n == 3: the function breakpoint's condition.
    client.request::<Continue>(go.clone());
    let (stop, frame) = client.stopped_at("function breakpoint");
    assert_eq!(
        stop.hit_breakpoint_ids,
        Some(vec![functions.breakpoints[0].id.unwrap()])
    );
    assert_eq!(
        evaluate(&mut client, frame.id, "n", "watch")
            .unwrap()
            .result,
        "3"
    );
    // i = 4.
    client.request::<Continue>(go.clone());
    let (_, frame) = client.stopped_at("breakpoint");
    assert_eq!(
        evaluate(&mut client, frame.id, "i", "watch")
            .unwrap()
            .result,
        "4"
    );
    client.request::<Continue>(go);
    let (_, code) = output_until_exit(&mut client, "stdout");
    assert_eq!(code, 3);
    let logged: Vec<String> = client
        .kept_events::<OutputEvent>()
        .into_iter()
        .filter(|e| e.category.as_deref() == Some("console") && e.output.starts_with("square("))
        .map(|e| e.output)
        .collect();
    assert_eq!(
        logged,
        [
            "square(1) = 1\n",
            "square(2) = 4\n",
            "square(3) = 9\n",
            "square(4) = 16\n"
        ]
    );
    assert!(client.disconnect(None));
}

#[test]
fn data_breakpoint_stops_after_the_write() {
    let mut client = Client::start("data_breakpoint_stops_after_the_write");
    let (stop, frame) = run_to(&mut client, vec![at("sum-first")], "breakpoint");
    let locals = scope(&mut client, frame.id, "Locals");
    // A local through its container, a global by expression.
    let total = client.request::<DataBreakpointInfo>(DataBreakpointInfoArguments {
        variables_reference: Some(locals),
        name: "total".into(),
        frame_id: None,
    });
    assert!(total.data_id.is_some(), "{total:?}");
    let info = client.request::<DataBreakpointInfo>(DataBreakpointInfoArguments {
        variables_reference: None,
        name: "counter".into(),
        frame_id: Some(frame.id),
    });
    let data_id = info.data_id.clone().expect("counter can be watched");
    assert!(info
        .access_types
        .unwrap()
        .contains(&DataBreakpointAccessType::Write));
    let none = client.request::<DataBreakpointInfo>(DataBreakpointInfoArguments {
        variables_reference: None,
        name: "no_such_thing".into(),
        frame_id: Some(frame.id),
    });
    assert_eq!(none.data_id, None);
    let set = client.request::<SetDataBreakpoints>(SetDataBreakpointsArguments {
        breakpoints: vec![
            DataBreakpoint {
                data_id,
                access_type: Some(DataBreakpointAccessType::Write),
                condition: None,
                hit_condition: None,
            },
            DataBreakpoint {
                data_id: "99:nothing".into(),
                access_type: None,
                condition: None,
                hit_condition: None,
            },
        ],
    });
    assert!(set.breakpoints[0].verified);
    assert!(!set.breakpoints[1].verified);
    client.request::<Continue>(ThreadArguments {
        thread_id: stop.thread_id.unwrap(),
        single_thread: None,
    });
    // gdb: "Old value = 0, New value = 1", at the `for` line after the write.
    let (stop, frame) = client.stopped_at("data breakpoint");
    assert_eq!(
        stop.hit_breakpoint_ids,
        Some(vec![set.breakpoints[0].id.unwrap()])
    );
    assert_eq!(frame.line, line_of(DEMO, "sum-first") + 1);
    assert_eq!(
        evaluate(&mut client, frame.id, "counter", "watch")
            .unwrap()
            .result,
        "1"
    );
    assert!(client.disconnect(Some(true)));
}

#[test]
fn pause_a_spinning_program_then_terminate() {
    let mut client = Client::start("pause_a_spinning_program_then_terminate");
    client.launch(&fixture("dap_demo"), &["spin"], false);
    let process = client.event::<ProcessEvent>();
    client.request::<ConfigurationDone>(());
    // `threads` is answered while the program runs.
    let threads = client.request::<Threads>(());
    let thread = threads.threads[0].id;
    assert_eq!(Some(thread), process.system_process_id);
    // Paused once it spins (not on its way there).
    client.event_where(|output: &OutputEvent| output.output == "spinning\n");
    client.request::<Pause>(ThreadArguments {
        thread_id: thread,
        single_thread: None,
    });
    let (stop, frame) = client.stopped_at("pause");
    assert_eq!(stop.thread_id, Some(thread));
    // In the loop, or still in the write of its message (the output event may come first):
    // main is on the stack either way.
    let frames = client.frames(thread);
    let main = frames
        .iter()
        .find(|f| f.name == "main")
        .expect("main on the stack");
    let spin = line_of(DEMO, "spin");
    assert!((spin - 2..=spin + 1).contains(&main.line), "{main:?}");
    // Let it out of the loop: it runs to the end with its usual output.
    evaluate(&mut client, frame.id, "set var spinning = 0", "repl").unwrap();
    client.request::<Continue>(ThreadArguments {
        thread_id: thread,
        single_thread: None,
    });
    let (stdout, code) = output_until_exit(&mut client, "stdout");
    assert_eq!((stdout.as_str(), code), ("total 30 big 598\n", 3));
    assert!(client.disconnect(None));

    // terminate kills a running program.
    let mut client = Client::start("pause_a_spinning_program_then_terminate (terminate)");
    client.launch(&fixture("dap_demo"), &["spin"], false);
    client.request::<ConfigurationDone>(());
    client.request::<Terminate>(TerminateArguments::default());
    let exited = client.event::<ExitedEvent>();
    assert_eq!(exited.exit_code, 128 + 9);
    client.event::<TerminatedEvent>();
    assert!(client.kept_events::<StoppedEvent>().is_empty());
    assert!(client.disconnect(None));
}

#[test]
fn disassemble_and_memory() {
    let mut client = Client::start("disassemble_and_memory");
    let (_, frame) = run_to(&mut client, vec![at("main-call")], "breakpoint");
    let pc = frame.instruction_pointer_reference.clone().unwrap();
    let code = client.request::<Disassemble>(DisassembleArguments {
        memory_reference: pc.clone(),
        offset: None,
        instruction_offset: Some(-4),
        instruction_count: 10,
        resolve_symbols: Some(true),
    });
    assert_eq!(code.instructions.len(), 10);
    assert_eq!(code.instructions[4].address, pc);
    assert!(code.instructions[4]
        .symbol
        .as_deref()
        .unwrap_or("")
        .starts_with("main"));
    assert!(
        code.instructions
            .iter()
            .all(|i| i.presentation_hint.is_none()),
        "{code:?}"
    );
    assert!(code.instructions[4].instruction_bytes.is_some());

    let locals = scope_variables(&mut client, frame.id, "Locals");
    let limit = named(&locals, "limit").memory_reference.clone().unwrap();
    let read = client.request::<ReadMemory>(ReadMemoryArguments {
        memory_reference: limit.clone(),
        offset: None,
        count: 4,
    });
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(read.data.unwrap())
        .unwrap();
    assert_eq!(bytes, 4i32.to_le_bytes());
    assert_eq!(read.unreadable_bytes, None);
    let written = client.request::<WriteMemory>(WriteMemoryArguments {
        memory_reference: limit,
        offset: None,
        allow_partial: None,
        data: base64::engine::general_purpose::STANDARD.encode(9i32.to_le_bytes()),
    });
    assert_eq!(written.bytes_written, Some(4));
    assert_eq!(
        evaluate(&mut client, frame.id, "limit", "watch")
            .unwrap()
            .result,
        "9"
    );
    let nothing = client.request::<ReadMemory>(ReadMemoryArguments {
        memory_reference: "0x8".into(),
        offset: None,
        count: 16,
    });
    assert_eq!(nothing.unreadable_bytes, Some(16));
    assert!(client.disconnect(None));
}

#[test]
fn attach_then_detach_leaves_it_running() {
    let mut program = fixtures::Ready::start("wait_stdin", &[]);
    let mut client = Client::start("attach_then_detach_leaves_it_running");
    client.initialize();
    client.request::<Attach>(AttachArguments {
        pid: program.pid().into(),
        stop_on_entry: Some(true),
    });
    client.event::<InitializedEvent>();
    client.request::<ConfigurationDone>(());
    let (stop, _) = client.stopped_at("entry");
    assert_eq!(stop.thread_id, Some(i64::from(program.pid())));
    client.request::<Continue>(ThreadArguments {
        thread_id: program.pid().into(),
        single_thread: None,
    });
    // Disconnect while it runs (blocked reading): detached, not killed.
    assert!(client.disconnect(None));
    program.send_line("still here");
    assert_eq!(program.read_line(), "got still here\n");
    assert!(program.succeeded());
}

#[test]
fn malformed_messages_get_error_responses() {
    let mut client = Client::start("malformed_messages_get_error_responses");
    let errors = |client: &mut Client| client.response(0);
    client.send_raw(b"Content-Length: abc\r\n\r\n");
    let bad = errors(&mut client);
    assert!(!bad.success);
    assert!(bad.message.unwrap().contains("Content-Length"));
    client.send_raw(b"Content-Length: 5\r\n\r\nnot j");
    assert!(errors(&mut client).message.unwrap().contains("not JSON"));
    let body = br#"{"seq": 7, "type": "request", "x": [1]}"#;
    let mut message = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    message.extend_from_slice(body);
    client.send_raw(&message);
    let missing = client.response(7);
    assert!(!missing.success);
    assert!(missing.message.unwrap().contains("command"));

    let unknown = client.send::<Frobnicate>(());
    let response = client.response(unknown);
    assert!(!response.success);
    assert_eq!(response.command, "frobnicate");
    assert_eq!(
        response.message.as_deref(),
        Some("unknown command \"frobnicate\"")
    );
    let no_arguments = client.try_request::<SetBreakpoints>(SetBreakpointsArguments::default());
    // Checked before the arguments' content: there is nothing to set breakpoints in.
    assert_eq!(
        no_arguments.unwrap_err(),
        "no program is being debugged: launch or attach first"
    );
    let seq = client.send::<StackTraceWithout>(());
    let response = client.response(seq);
    assert!(
        response
            .message
            .as_deref()
            .unwrap_or("")
            .starts_with("bad arguments for stackTrace: missing field `threadId`"),
        "{response:?}"
    );
    // Ids no table has, at the ends of the range.
    let frame = client.try_request::<Scopes>(ScopesArguments { frame_id: i64::MIN });
    assert!(frame.unwrap_err().starts_with("no frame with id"));
    let reference = client.try_request::<Variables>(VariablesArguments {
        variables_reference: i64::MAX,
        ..VariablesArguments::default()
    });
    assert!(reference
        .unwrap_err()
        .starts_with("no variables with reference"));
    let memory = client.try_request::<ReadMemory>(ReadMemoryArguments {
        memory_reference: "here".into(),
        offset: Some(i64::MIN),
        count: i64::MAX,
    });
    assert!(memory.unwrap_err().starts_with("bad memory reference"));
    let early = client.try_request::<Threads>(()).unwrap_err();
    assert!(early.contains("launch or attach first"), "{early}");
    let launch = client.try_request::<Launch>(LaunchArguments {
        program: "/nonexistent/program".into(),
        ..LaunchArguments::default()
    });
    assert!(launch.unwrap_err().contains("/nonexistent/program"));
    // Still serving.
    assert_eq!(client.initialize().supports_log_points, Some(true));
    assert!(client.disconnect(None));
}

/// A command the adapter does not have.
struct Frobnicate;

impl dbg_dap::protocol::Command for Frobnicate {
    const NAME: &'static str = "frobnicate";
    type Arguments = ();
    type Body = ();
}

/// `stackTrace` sent without its arguments.
struct StackTraceWithout;

impl dbg_dap::protocol::Command for StackTraceWithout {
    const NAME: &'static str = "stackTrace";
    type Arguments = ();
    type Body = ();
}

#[test]
fn launch_with_arguments_environment_and_directory() {
    let mut client = Client::start("launch_with_arguments_environment_and_directory");
    let directory = std::env::temp_dir().canonicalize().unwrap();
    client.initialize();
    client.request::<Launch>(LaunchArguments {
        program: "/bin/sh".into(),
        args: vec![
            "-c".into(),
            "echo \"$DBG_DAP_TEST\" \"$1\"; pwd; exit 7".into(),
            "sh".into(),
            "one arg".into(),
        ],
        cwd: Some(directory.display().to_string()),
        env: [(
            "DBG_DAP_TEST".to_string(),
            Some("from launch.json".to_string()),
        )]
        .into(),
        ..LaunchArguments::default()
    });
    client.event::<InitializedEvent>();
    client.request::<ConfigurationDone>(());
    let (stdout, code) = output_until_exit(&mut client, "stdout");
    assert_eq!(
        stdout,
        format!("from launch.json one arg\n{}\n", directory.display())
    );
    assert_eq!(code, 7);
    assert!(client.disconnect(None));
}

#[test]
fn rust_values_expand_as_debug_shows_them() {
    let mut client = Client::start("rust_values_expand_as_debug_shows_them");
    client.launch(&fixture("values_rs"), &[], false);
    let set = client.request::<SetFunctionBreakpoints>(SetFunctionBreakpointsArguments {
        breakpoints: vec![FunctionBreakpoint {
            name: "values_rs::checkpoint".into(),
            ..FunctionBreakpoint::default()
        }],
    });
    assert!(set.breakpoints[0].verified, "{set:?}");
    client.request::<ConfigurationDone>(());
    let (stop, frame) = client.stopped_at("function breakpoint");
    assert_eq!(frame.name, "values_rs::checkpoint");
    let frames = client.frames(stop.thread_id.unwrap());
    assert_eq!(frames[1].name, "values_rs::main");
    let locals = scope_variables(&mut client, frames[1].id, "Locals");
    // As the program's own `{:?}` prints them.
    for (name, debug) in [
        ("numbers", "[1, 2, 3]"),
        ("point", "Point { x: 1, y: 2 }"),
        ("owned", "\"owned text\""),
        ("some", "Some(5)"),
        ("rect", "Rect(3, 4)"),
    ] {
        assert_eq!(named(&locals, name).value, debug, "{name}");
    }
    let numbers = variables(&mut client, named(&locals, "numbers").variables_reference);
    let numbers: Vec<(String, String)> = numbers.into_iter().map(|v| (v.name, v.value)).collect();
    assert_eq!(
        numbers,
        [("[0]", "1"), ("[1]", "2"), ("[2]", "3")].map(|(n, v)| (n.to_string(), v.to_string()))
    );
    let point = variables(&mut client, named(&locals, "point").variables_reference);
    assert_eq!(named(&point, "y").value, "2");
    assert_eq!(named(&point, "y").evaluate_name.as_deref(), Some("point.y"));
    assert_eq!(
        evaluate(&mut client, frames[1].id, "point.y + numbers[2]", "watch")
            .unwrap()
            .result,
        "5"
    );
    assert!(client.disconnect(None));
}

/// Launch `program` with exception filter `filter`; the frames at the stop it makes.
fn stop_at_exception(
    client: &mut Client,
    program: &str,
    filter: &str,
) -> (StoppedEvent, Vec<StackFrame>) {
    client.launch(&fixture(program), &[], false);
    let set = client.request::<SetExceptionBreakpoints>(SetExceptionBreakpointsArguments {
        filters: vec![filter.into()],
    });
    assert_eq!(set.breakpoints.map(|b| b.len()), Some(1));
    client.request::<ConfigurationDone>(());
    let stop = client.stopped();
    assert_eq!(stop.reason, "exception", "{stop:?}");
    let frames = client.frames(stop.thread_id.unwrap());
    (stop, frames)
}

#[test]
fn exception_filters_stop_at_a_panic_and_a_throw() {
    let mut client = Client::start("exception_filters_stop_at_a_panic_and_a_throw (Rust)");
    let (stop, frames) = stop_at_exception(&mut client, "dap_panic", "rust_panic");
    assert_eq!(stop.description.as_deref(), Some("Rust panic"));
    let check = frames
        .iter()
        .find(|f| f.name == "dap_panic::check")
        .unwrap_or_else(|| panic!("no check frame in {frames:?}"));
    assert_eq!(check.line, line_of("dap_panic.rs", "panic"));
    assert_eq!(
        evaluate(&mut client, check.id, "value", "watch")
            .unwrap()
            .result,
        "3"
    );
    assert!(client.disconnect(None));

    let mut client = Client::start("exception_filters_stop_at_a_panic_and_a_throw (C++)");
    let (stop, frames) = stop_at_exception(&mut client, "dap_throw", "cpp_throw");
    assert_eq!(stop.description.as_deref(), Some("C++ exception thrown"));
    let check = frames
        .iter()
        .find(|f| f.line == line_of("dap_throw.cpp", "throw"))
        .unwrap_or_else(|| panic!("no frame at the throw in {frames:?}"));
    assert!(check.name.starts_with("check"), "{check:?}");
    let again = client.request::<SetExceptionBreakpoints>(SetExceptionBreakpointsArguments {
        filters: vec!["cpp_throw".into(), "everything".into()],
    });
    let again = again.breakpoints.unwrap();
    assert!(again[0].verified);
    assert!(!again[1].verified);
    assert!(again[1]
        .message
        .as_deref()
        .unwrap()
        .starts_with("unknown exception filter"));
    // It is caught: the program goes on to its end.
    client.request::<Continue>(ThreadArguments {
        thread_id: stop.thread_id.unwrap(),
        single_thread: None,
    });
    let (stdout, code) = output_until_exit(&mut client, "stdout");
    assert_eq!((stdout.as_str(), code), ("caught too big\n", 0));
    assert!(client.disconnect(None));
}

/// Commands typed in the debug console that run the program are reported as a request's run
/// is: `continued`, then the stop with its own reason (and breakpoint ids), or the end with
/// the program's exit code.
#[test]
fn console_commands_that_run_the_program_report_continued_and_the_stop_or_the_end() {
    let mut client = Client::start("console_commands_that_run_the_program");
    let (first, frame) = run_to(&mut client, vec![at("square-first")], "breakpoint");
    let bp_ids = first.hit_breakpoint_ids.clone();
    assert!(bp_ids.is_some());

    evaluate(&mut client, frame.id, "next", "repl").unwrap();
    client.event::<ContinuedEvent>();
    let (stop, frame) = client.stopped_at("step");
    assert_eq!(stop.hit_breakpoint_ids, None);
    assert_eq!(frame.line, line_of(DEMO, "square-return"));

    evaluate(&mut client, frame.id, "continue", "repl").unwrap();
    client.event::<ContinuedEvent>();
    let (stop, frame) = client.stopped_at("breakpoint");
    assert_eq!(stop.hit_breakpoint_ids, bp_ids);
    assert_eq!(frame.line, line_of(DEMO, "square-first"));

    evaluate(&mut client, frame.id, "delete", "repl").unwrap();
    evaluate(&mut client, frame.id, "continue", "repl").unwrap();
    client.event::<ContinuedEvent>();
    assert_eq!(client.event::<ExitedEvent>().exit_code, 3);
    client.event::<TerminatedEvent>();
}

/// A client that counts lines and columns from 0 (`linesStartAt1: false`) gets and gives
/// lines so counted.
#[test]
fn lines_and_columns_count_from_zero_when_the_client_says_so() {
    let mut client = Client::start("lines_and_columns_count_from_zero");
    client.request::<Initialize>(InitializeArguments {
        adapter_id: "dbg".into(),
        lines_start_at1: Some(false),
        columns_start_at1: Some(false),
        ..InitializeArguments::default()
    });
    client.request::<Launch>(LaunchArguments {
        program: fixture("dap_demo"),
        ..LaunchArguments::default()
    });
    client.event::<InitializedEvent>();
    let line = line_of(DEMO, "main-call");
    let set = client.break_at(
        DEMO,
        vec![SourceBreakpoint {
            line: line - 1,
            ..SourceBreakpoint::default()
        }],
    );
    assert_eq!(set.breakpoints[0].line, Some(line - 1), "{set:?}");
    client.request::<ConfigurationDone>(());
    let (_, frame) = client.stopped_at("breakpoint");
    assert_eq!((frame.line, frame.column), (line - 1, 0));
    assert!(client.disconnect(None));
}
