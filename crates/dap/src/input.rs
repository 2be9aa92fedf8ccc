//! The input thread: reads framed messages from the client, answers those it cannot parse
//! at once, stops the running program for `pause` (and for `disconnect` and `terminate`,
//! which must not wait for the program to stop by itself), and hands every request to the
//! session thread. The session is not `Send` (ptrace answers only its tracer thread), so it
//! stays on one thread while this one keeps listening.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};

use dbg_session::Interrupter;
use serde_json::Value;

use crate::framing::read_message;
use crate::outbox::Outbox;
use crate::protocol::requests::ThreadsBody;
use crate::protocol::{to_body, Request};

/// What the input thread hands the session thread.
#[derive(Debug)]
pub(crate) enum Input {
    /// A well-formed request.
    Request(Request),
    /// The client closed its end (or the input failed).
    End,
}

/// What the input thread shares with the session thread.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shared {
    /// The running session's interrupter, once there is a session.
    pub(crate) interrupter: Arc<Mutex<Option<Interrupter>>>,
    /// A `disconnect` or `terminate` is on its way: the stop it causes is not reported.
    pub(crate) ending: Arc<AtomicBool>,
    /// The session thread runs the program (set before it resumes, so that a `pause` that
    /// comes just before the resume still stops it: the request is a flag the resume sees).
    pub(crate) running: Arc<AtomicBool>,
    /// The program's pid and threads, kept up to date by the session's thread events, so
    /// that `threads` is answered while the program runs (clients ask for them then).
    pub(crate) threads: Arc<Mutex<(i32, BTreeSet<i32>)>>,
}

impl Shared {
    /// Stop the program if it runs (a request that comes while it is stopped must not leave
    /// a stop pending for the next resume; one that races with the end of a run is cleared
    /// by the session thread when it answers the request).
    fn interrupt(&self) {
        if !self.running.load(Ordering::SeqCst) {
            return;
        }
        let interrupter = self
            .interrupter
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(interrupter) = interrupter.as_ref() {
            interrupter.interrupt();
        }
    }
}

impl Shared {
    /// The session is to end without a `disconnect`: stop the program if it runs, and do not
    /// report that stop.
    pub(crate) fn end(&self) {
        self.ending.store(true, Ordering::SeqCst);
        self.interrupt();
    }

    /// The `threads` response body from the thread list.
    fn threads_body(&self) -> Option<Value> {
        let threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        let (pid, tids) = &*threads;
        let body = ThreadsBody {
            threads: tids
                .iter()
                .map(|tid| crate::server::thread(*pid, *tid))
                .collect(),
        };
        to_body(&body).ok().flatten()
    }
}

/// Read messages until the input ends, then say so.
pub(crate) fn run(
    mut input: impl BufRead,
    outbox: Outbox,
    shared: Shared,
    to_session: Sender<Input>,
) {
    loop {
        let body = match read_message(&mut input) {
            Ok(Some(body)) => body,
            Ok(None) => break,
            Err(error) => {
                outbox.response(0, "", Err(error.to_string()));
                if error.is_recoverable() {
                    continue;
                }
                break;
            }
        };
        let Some(request) = parse(&body, &outbox) else {
            continue;
        };
        match request.command.as_str() {
            "threads" if shared.running.load(Ordering::SeqCst) => {
                let body = shared.threads_body();
                outbox.response(request.seq, &request.command, Ok(body));
                continue;
            }
            "pause" => shared.interrupt(),
            "disconnect" | "terminate" => {
                shared.ending.store(true, Ordering::SeqCst);
                shared.interrupt();
            }
            _ => {}
        }
        if to_session.send(Input::Request(request)).is_err() {
            return;
        }
    }
    // A client gone while the program runs: stop it, so that the session thread sees the
    // end of the input.
    shared.end();
    let _ = to_session.send(Input::End);
}

/// The request in a message body; a body that is not one is answered with an error (for
/// the request's `seq` and `command` where the body has them) and dropped.
fn parse(body: &[u8], outbox: &Outbox) -> Option<Request> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => {
            outbox.response(0, "", Err(format!("message is not JSON: {error}")));
            return None;
        }
    };
    let seq = value.get("seq").and_then(Value::as_i64).unwrap_or(0);
    let command = value
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match value.get("type").and_then(Value::as_str) {
        Some("request") => {}
        Some(other) => {
            outbox.response(
                seq,
                &command,
                Err(format!("unexpected message of type {other:?}")),
            );
            return None;
        }
        None => {
            outbox.response(seq, &command, Err("message without a type".into()));
            return None;
        }
    }
    match serde_json::from_value::<Request>(value) {
        Ok(request) => Some(request),
        Err(error) => {
            outbox.response(seq, &command, Err(format!("malformed request: {error}")));
            None
        }
    }
}
