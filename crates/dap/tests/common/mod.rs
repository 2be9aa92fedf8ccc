//! A DAP client for the tests: starts the `dbg-dap` binary, sends typed requests, and reads
//! typed responses and events (events are kept until a test asks for them). Every test has
//! a deadline; a failure shows the messages exchanged so far.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::mpsc::{channel, Receiver};

use dbg_dap::framing::{read_message, write_message};
use dbg_dap::protocol::events::{InitializedEvent, StoppedEvent};
use dbg_dap::protocol::requests::*;
use dbg_dap::protocol::types::{Source, SourceBreakpoint, StackFrame};
use dbg_dap::protocol::{from_body, Command, EventBody, Message, Request, Response};

pub const DAP: &str = env!("CARGO_BIN_EXE_dbg-dap");

/// The fixture's path.
pub fn fixture(name: &str) -> String {
    fixtures::path(name).display().to_string()
}

/// The source file of a C fixture.
pub fn source(name: &str) -> String {
    fixtures::source_dir().join(name).display().to_string()
}

/// The line of `// L:marker` in a fixture's source.
pub fn line_of(file: &str, marker: &str) -> i64 {
    let text = std::fs::read_to_string(source(file)).unwrap();
    let tag = format!("// L:{marker}");
    let index = text
        .lines()
        .position(|line| line.trim_end().ends_with(&tag))
        .unwrap_or_else(|| panic!("no marker {marker} in {file}"));
    index as i64 + 1
}

/// A running adapter and what it sent.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Message>,
    kept: VecDeque<Message>,
    seq: i64,
    log: Vec<String>,
    _deadline: fixtures::Deadline,
}

impl Client {
    /// Start `dbg-dap` for the test `name`.
    pub fn start(name: &str) -> Client {
        Client::start_adapter(name, DAP, 120)
    }

    /// Start the adapter `adapter` (another one too, for the benchmark's comparison), with a
    /// deadline of `seconds`.
    pub fn start_adapter(name: &str, adapter: &str, seconds: u64) -> Client {
        let deadline = fixtures::deadline(name, seconds);
        let mut child = Process::new(adapter)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start dbg-dap");
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let (to_test, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(body)) = read_message(&mut reader) {
                let message: Message = match serde_json::from_slice(&body) {
                    Ok(message) => message,
                    Err(error) => panic!(
                        "dbg-dap sent a message that is not DAP: {error}: {}",
                        String::from_utf8_lossy(&body)
                    ),
                };
                if to_test.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            kept: VecDeque::new(),
            seq: 0,
            log: Vec::new(),
            _deadline: deadline,
        }
    }

    /// Write bytes as they are (for malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
        self.log
            .push(format!("-> {}", String::from_utf8_lossy(bytes)));
    }

    /// Send a request without waiting; its seq.
    pub fn send<C: Command>(&mut self, arguments: C::Arguments) -> i64 {
        self.seq += 1;
        let request = Message::Request(Request {
            seq: self.seq,
            command: C::NAME.to_string(),
            arguments: dbg_dap::protocol::to_body(&arguments).unwrap(),
        });
        let bytes = serde_json::to_vec(&request).unwrap();
        self.log
            .push(format!("-> {}", String::from_utf8_lossy(&bytes)));
        write_message(self.stdin.as_mut().unwrap(), &bytes).unwrap();
        self.seq
    }

    /// Close the adapter's input.
    pub fn close(&mut self) {
        self.stdin = None;
    }

    fn next_message(&mut self) -> Message {
        let message = self.incoming.recv().unwrap_or_else(|_| {
            panic!(
                "dbg-dap closed its output; so far:\n{}",
                self.log.join("\n")
            )
        });
        self.log
            .push(format!("<- {}", serde_json::to_string(&message).unwrap()));
        message
    }

    /// The response to request `seq`.
    pub fn response(&mut self, seq: i64) -> Response {
        let found =
            |message: &Message| matches!(message, Message::Response(r) if r.request_seq == seq);
        if let Some(index) = self.kept.iter().position(found) {
            if let Some(Message::Response(response)) = self.kept.remove(index) {
                return response;
            }
        }
        loop {
            match self.next_message() {
                Message::Response(response) if response.request_seq == seq => return response,
                other => self.kept.push_back(other),
            }
        }
    }

    /// Send a request and wait for its response: the typed body, or the error message.
    pub fn try_request<C: Command>(&mut self, arguments: C::Arguments) -> Result<C::Body, String> {
        let seq = self.send::<C>(arguments);
        let response = self.response(seq);
        assert_eq!(response.command, C::NAME, "response to the wrong command");
        if !response.success {
            return Err(response.message.unwrap_or_default());
        }
        Ok(from_body(response.body.as_ref()).unwrap_or_else(|error| {
            panic!(
                "{} response body does not match the schema: {error}: {:?}",
                C::NAME,
                response.body
            )
        }))
    }

    /// Send a request that must succeed.
    pub fn request<C: Command>(&mut self, arguments: C::Arguments) -> C::Body {
        match self.try_request::<C>(arguments) {
            Ok(body) => body,
            Err(message) => panic!(
                "{} failed: {message}; so far:\n{}",
                C::NAME,
                self.log.join("\n")
            ),
        }
    }

    /// The first event `E` that `accept` takes (earlier events of any kind are kept).
    pub fn event_where<E: EventBody>(&mut self, accept: impl Fn(&E) -> bool) -> E {
        let decode = |message: &Message| -> Option<E> {
            match message {
                Message::Event(event) if event.event == E::NAME => {
                    from_body::<E>(event.body.as_ref()).ok().filter(&accept)
                }
                _ => None,
            }
        };
        if let Some(index) = self.kept.iter().position(|m| decode(m).is_some()) {
            let message = self.kept.remove(index).unwrap();
            return decode(&message).unwrap();
        }
        loop {
            let message = self.next_message();
            if let Some(event) = decode(&message) {
                return event;
            }
            self.kept.push_back(message);
        }
    }

    /// The next event `E`.
    pub fn event<E: EventBody>(&mut self) -> E {
        self.event_where(|_: &E| true)
    }

    /// Every event `E` received so far (kept, not yet taken).
    pub fn kept_events<E: EventBody>(&self) -> Vec<E> {
        self.kept
            .iter()
            .filter_map(|message| match message {
                Message::Event(event) if event.event == E::NAME => {
                    from_body::<E>(event.body.as_ref()).ok()
                }
                _ => None,
            })
            .collect()
    }

    /// `initialize`, then `launch` of `program`; waits for `initialized`.
    pub fn launch(&mut self, program: &str, args: &[&str], stop_on_entry: bool) {
        self.initialize();
        self.request::<Launch>(LaunchArguments {
            program: program.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            stop_on_entry: Some(stop_on_entry),
            ..LaunchArguments::default()
        });
        self.event::<InitializedEvent>();
    }

    pub fn initialize(&mut self) -> dbg_dap::protocol::types::Capabilities {
        self.request::<Initialize>(InitializeArguments {
            adapter_id: "dbg".into(),
            client_name: Some("dbg tests".into()),
            lines_start_at1: Some(true),
            ..InitializeArguments::default()
        })
    }

    /// Line breakpoints in a fixture's source file.
    pub fn break_at(&mut self, file: &str, breakpoints: Vec<SourceBreakpoint>) -> BreakpointsBody {
        self.request::<SetBreakpoints>(SetBreakpointsArguments {
            source: Source {
                path: Some(source(file)),
                ..Source::default()
            },
            breakpoints: Some(breakpoints),
            ..SetBreakpointsArguments::default()
        })
    }

    /// The next `stopped` event.
    pub fn stopped(&mut self) -> StoppedEvent {
        self.event::<StoppedEvent>()
    }

    /// The frames of a thread.
    pub fn frames(&mut self, thread: i64) -> Vec<StackFrame> {
        self.request::<StackTrace>(StackTraceArguments {
            thread_id: thread,
            ..StackTraceArguments::default()
        })
        .stack_frames
    }

    /// The innermost frame of the thread that stopped, after the next `stopped` event with
    /// `reason`.
    pub fn stopped_at(&mut self, reason: &str) -> (StoppedEvent, StackFrame) {
        let stop = self.stopped();
        assert_eq!(
            stop.reason,
            reason,
            "stop: {stop:?}; so far:\n{}",
            self.log.join("\n")
        );
        let frame = self.frames(stop.thread_id.unwrap()).remove(0);
        (stop, frame)
    }

    /// `disconnect`, then wait for the adapter to exit; whether it exited with status 0.
    pub fn disconnect(mut self, terminate: Option<bool>) -> bool {
        self.request::<Disconnect>(DisconnectArguments {
            terminate_debuggee: terminate,
            ..DisconnectArguments::default()
        });
        self.close();
        self.child.wait().unwrap().success()
    }

    /// The adapter's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for the adapter to exit (closing nothing): how it ended.
    pub fn exit_status(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    /// Everything exchanged so far, for a failure message.
    pub fn transcript(&self) -> String {
        self.log.join("\n")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
