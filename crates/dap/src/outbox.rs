//! Where the adapter's messages go: one writer shared by the session thread (responses,
//! stops), the input thread (answers to messages it cannot parse) and the threads that
//! forward the program's output, each message written whole and numbered in order.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use crate::framing::write_message;
use crate::protocol::{to_body, Event, EventBody, Message, Response};

/// The shared writer of messages to the client.
#[derive(Clone)]
pub(crate) struct Outbox(Arc<Mutex<Inner>>);

struct Inner {
    output: Box<dyn Write + Send>,
    /// The last sequence number used.
    seq: i64,
    /// Whether the client went away (writes are dropped from then on).
    closed: bool,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbox")
    }
}

impl Outbox {
    pub(crate) fn new(output: Box<dyn Write + Send>) -> Outbox {
        Outbox(Arc::new(Mutex::new(Inner {
            output,
            seq: 0,
            closed: false,
        })))
    }

    /// Send an event.
    pub(crate) fn event<E: EventBody>(&self, body: &E) {
        let body = to_body(body).unwrap_or_default();
        self.send(|seq| {
            Message::Event(Event {
                seq,
                event: E::NAME.to_string(),
                body,
            })
        });
    }

    /// Send a response: a body, or the error message.
    pub(crate) fn response(
        &self,
        request_seq: i64,
        command: &str,
        result: Result<Option<Value>, String>,
    ) {
        let (success, message, body) = match result {
            Ok(body) => (true, None, body),
            Err(message) => (false, Some(message), None),
        };
        self.send(|seq| {
            Message::Response(Response {
                seq,
                request_seq,
                success,
                command: command.to_string(),
                message,
                body,
            })
        });
    }

    /// Number a message and write it; a client that went away is not an error here (the
    /// input thread sees it end and the session ends).
    fn send(&self, message: impl FnOnce(i64) -> Message) {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.closed {
            return;
        }
        inner.seq += 1;
        let message = message(inner.seq);
        let Ok(bytes) = serde_json::to_vec(&message) else {
            return;
        };
        if write_message(&mut inner.output, &bytes).is_err() {
            inner.closed = true;
        }
    }
}
