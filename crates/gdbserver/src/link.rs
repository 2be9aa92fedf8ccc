//! The connection to one client: bytes out through a buffer flushed once per reply, bytes in
//! through a reader thread, which is also what notices a Ctrl-C (`0x03`) or a vanished
//! client while the tracee runs and the session's thread is blocked waiting for it.
//!
//! In all-stop mode a client sends nothing but Ctrl-C while the program runs, so the reader
//! treats a `0x03` as an interrupt only then; at any other time every byte goes to gdbstub,
//! which frames packets (a `0x03` inside an `X` packet is data). A byte that arrived after a
//! resume packet but before the resume began is looked at when the resume begins, so a
//! Ctrl-C typed at once is never lost.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use dbg_session::Interrupter;

/// The byte a client sends to interrupt the running program.
const CTRL_C: u8 = 0x03;

/// What the reader thread and the session's thread share.
#[derive(Debug, Default)]
struct GateState {
    /// The program runs (a resume is in progress): `0x03` is an interrupt.
    running: Option<Interrupter>,
    /// The client closed the connection (or it failed).
    disconnected: bool,
}

#[derive(Debug, Default)]
struct Gate(Mutex<GateState>);

impl Gate {
    fn with<T>(&self, f: impl FnOnce(&mut GateState) -> T) -> T {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }
}

/// A client connection: gdbstub's [`gdbstub::conn::Connection`] plus the incoming bytes.
#[derive(Debug)]
pub(crate) struct Link {
    stream: TcpStream,
    out: Vec<u8>,
    incoming: Receiver<Vec<u8>>,
    /// Bytes received but not handed out yet.
    pending: VecDeque<u8>,
    gate: Arc<Gate>,
    reader: Option<JoinHandle<()>>,
}

impl Link {
    /// Serve `stream`; its reader thread starts now.
    pub(crate) fn new(stream: TcpStream) -> std::io::Result<Link> {
        let _ = stream.set_nodelay(true);
        let mut input = stream.try_clone()?;
        let gate = Arc::new(Gate::default());
        let (send, incoming) = channel();
        let shared = gate.clone();
        let reader = std::thread::Builder::new()
            .name("dbg-gdbserver-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    let read = match input.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(read) => read,
                    };
                    let chunk = buf.get(..read).unwrap_or(&[]);
                    let delivered = shared.with(|state| {
                        let forward: Vec<u8> = match &state.running {
                            Some(interrupter) => {
                                if chunk.contains(&CTRL_C) {
                                    interrupter.interrupt();
                                }
                                chunk.iter().copied().filter(|b| *b != CTRL_C).collect()
                            }
                            None => chunk.to_vec(),
                        };
                        forward.is_empty() || send.send(forward).is_ok()
                    });
                    if !delivered {
                        break;
                    }
                }
                shared.with(|state| {
                    state.disconnected = true;
                    if let Some(interrupter) = &state.running {
                        interrupter.interrupt();
                    }
                });
            })?;
        Ok(Link {
            stream,
            out: Vec::with_capacity(4096),
            incoming,
            pending: VecDeque::new(),
            gate,
            reader: Some(reader),
        })
    }

    /// The next byte from the client, waiting for it; `None` once the client is gone.
    pub(crate) fn next_byte(&mut self) -> Option<u8> {
        loop {
            if let Some(byte) = self.pending.pop_front() {
                return Some(byte);
            }
            let chunk = self.incoming.recv().ok()?;
            self.pending.extend(chunk);
        }
    }

    /// The program is about to run: from now on a Ctrl-C interrupts it through
    /// `interrupter`, including one that arrived since the resume packet.
    pub(crate) fn start_running(&mut self, interrupter: Interrupter) {
        let gone = self.gate.with(|state| {
            state.running = Some(interrupter.clone());
            state.disconnected
        });
        // Bytes already received behind the resume packet (in the same read, or since).
        if self.pending.contains(&CTRL_C) {
            interrupter.interrupt();
            self.pending.retain(|b| *b != CTRL_C);
        }
        loop {
            match self.incoming.try_recv() {
                Ok(chunk) => {
                    if chunk.contains(&CTRL_C) {
                        interrupter.interrupt();
                    }
                    self.pending
                        .extend(chunk.into_iter().filter(|b| *b != CTRL_C));
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    interrupter.interrupt();
                    break;
                }
            }
        }
        if gone {
            interrupter.interrupt();
        }
    }

    /// The program stopped: a Ctrl-C from now on is an ordinary byte, and a request that
    /// came too late to matter is forgotten.
    pub(crate) fn stop_running(&mut self) {
        self.gate.with(|state| {
            if let Some(interrupter) = state.running.take() {
                interrupter.clear();
            }
        });
    }

    /// Whether the client has closed the connection.
    pub(crate) fn disconnected(&self) -> bool {
        self.gate.with(|state| state.disconnected)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl gdbstub::conn::Connection for Link {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> Result<(), Self::Error> {
        self.out.push(byte);
        Ok(())
    }

    fn write_all(&mut self, buf: &[u8]) -> Result<(), Self::Error> {
        self.out.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        if self.out.is_empty() {
            return Ok(());
        }
        let result = Write::write_all(&mut self.stream, &self.out);
        self.out.clear();
        result
    }
}
