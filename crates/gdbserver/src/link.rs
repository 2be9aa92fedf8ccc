//! The connection to one client: bytes out through a buffer flushed once per reply, bytes in
//! read by the session's thread itself while the program is stopped (no thread hop per
//! packet: a stepping client sends one or two packets per instruction), and a watcher thread
//! which, only while the program runs and the session's thread is blocked waiting for it,
//! looks at what arrives for a Ctrl-C (`0x03`) or a vanished client.
//!
//! In all-stop mode a client sends nothing but Ctrl-C while the program runs, so the watcher
//! takes `0x03` bytes as interrupts only then, and only peeks at anything else (gdbstub
//! frames packets: a `0x03` inside an `X` packet is data). Bytes the session's thread read
//! past a resume packet are looked at when the resume begins, so a Ctrl-C typed at once is
//! never lost.
//!
//! A stepping client resumes the program thousands of times a second, each resume over in
//! microseconds: waking the watcher for each (a futex wake, a thread switch, a peek that
//! only returns with the next packet) would cost more than the step. So while resumes come
//! often the watcher is not woken by them: it looks every [`TICK`] and watches a resume it
//! finds still running, the same one it saw at its last look (one that ran a tick at least).
//! After [`IDLE_TICKS`] looks with the program stopped it sleeps until it is woken, and a
//! resume then wakes it at once. A Ctrl-C is thus seen within two ticks in the worst case.
//!
//! Bytes in and out pass through the [`PassSignals`] layer, which answers `QPassSignals`
//! itself (gdbstub does not know the packet) and offers it in gdbstub's `qSupported` reply.
//!
//! While the client answers within [`SPIN`] (a gdb stepping or stepping over breakpoints
//! sends its next packet tens of microseconds after our reply), the session's thread waits
//! for the next packet by polling the socket instead of sleeping in `read`: a sleeping
//! thread is woken by the client's packet through an idle CPU (an inter-processor interrupt
//! and, in a virtual machine, the host scheduling the idle virtual CPU again), which costs
//! more than the client's whole turn. One wait longer than `SPIN` (a person typing, a
//! distant client) turns the polling off until a wait is short again, so a slow client costs
//! at most one `SPIN` of CPU time per command.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{recv, MsgFlags};

use dbg_session::Interrupter;
use gdbstub::common::Signal as GdbSignal;

use crate::pass_signals::PassSignals;

/// The byte a client sends to interrupt the running program.
const CTRL_C: u8 = 0x03;

/// How often the watcher looks for a resume that is still running.
const TICK: Duration = Duration::from_millis(20);

/// How many looks with the program stopped before the watcher sleeps until woken.
const IDLE_TICKS: u32 = 50;

/// How long the session's thread polls for the client's next packet before it sleeps.
const SPIN: Duration = Duration::from_micros(200);

/// What the watcher thread and the session's thread share.
#[derive(Debug, Default)]
struct GateState {
    /// The program runs (a resume is in progress): `0x03` is an interrupt.
    running: Option<Interrupter>,
    /// How many resumes have begun: the watcher tells a resume it saw before from a new one.
    resumes: u64,
    /// The watcher sleeps until woken (the program was stopped for a while): a resume
    /// wakes it.
    asleep: bool,
    /// The watcher waits for the current resume to end (it saw other bytes than Ctrl-C).
    awaiting_stop: bool,
    /// The client closed the connection (or it failed).
    disconnected: bool,
    /// The link is being dropped: the watcher ends.
    closing: bool,
}

#[derive(Debug, Default)]
struct Gate {
    state: Mutex<GateState>,
    /// Signalled when the program starts running, or the link closes.
    changed: Condvar,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with<T>(&self, f: impl FnOnce(&mut GateState) -> T) -> T {
        f(&mut self.lock())
    }
}

/// A client connection: gdbstub's [`gdbstub::conn::Connection`] plus the incoming bytes.
#[derive(Debug)]
pub(crate) struct Link {
    stream: TcpStream,
    out: Vec<u8>,
    /// Bytes received but not handed out yet, with `QPassSignals` taken out.
    incoming: PassSignals,
    gate: Arc<Gate>,
    watcher: Option<JoinHandle<()>>,
    /// The client's last packet came within [`SPIN`]: poll for the next one.
    spin: bool,
}

/// What a read of the client's bytes brought.
enum Received {
    Bytes(usize),
    /// The connection closed or failed.
    Closed,
}

/// While the program runs: wait for bytes from the client without taking them, take the
/// Ctrl-Cs among them as interrupts, and a closed connection as one too.
fn watch(stream: TcpStream, gate: Arc<Gate>) {
    let mut buf = [0u8; 64];
    // The resume seen running at the last look, and the looks since the program ran.
    let mut seen: Option<u64> = None;
    let mut idle: u32 = 0;
    loop {
        {
            let mut state = gate.lock();
            loop {
                if state.closing {
                    return;
                }
                if state.running.is_some() {
                    idle = 0;
                    if seen == Some(state.resumes) {
                        break;
                    }
                    seen = Some(state.resumes);
                } else {
                    idle = idle.saturating_add(1);
                }
                if idle > IDLE_TICKS {
                    state.asleep = true;
                    while state.asleep && !state.closing {
                        state = gate
                            .changed
                            .wait(state)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                    // Woken by a resume: watch it now.
                    idle = 0;
                    if state.running.is_some() {
                        break;
                    }
                    continue;
                }
                state = gate
                    .changed
                    .wait_timeout(state, TICK)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
        let peeked = stream.peek(&mut buf);
        let mut state = gate.lock();
        if state.closing {
            return;
        }
        match peeked {
            Ok(0) | Err(_) => {
                state.disconnected = true;
                if let Some(interrupter) = &state.running {
                    interrupter.interrupt();
                }
                return;
            }
            Ok(n) => {
                let Some(interrupter) = state.running.clone() else {
                    // Stopped meanwhile: what came is the next packet, for the session's
                    // thread to read.
                    continue;
                };
                let bytes = buf.get(..n).unwrap_or(&[]);
                let ctrl_c = bytes.iter().take_while(|b| **b == CTRL_C).count();
                if ctrl_c > 0 {
                    // Take exactly the Ctrl-Cs (the gate is held: the session's thread
                    // reads nothing until the program has stopped).
                    let mut taken = [0u8; 64];
                    let _ = (&stream).read(taken.get_mut(..ctrl_c).unwrap_or(&mut []));
                    interrupter.interrupt();
                    // Watch on at once: the same resume may need another.
                    seen = None;
                } else {
                    // Something else while running (not gdb's all-stop protocol): leave it
                    // for the session's thread, and wait for the next stop.
                    state.awaiting_stop = true;
                    while state.running.is_some() && !state.closing {
                        state = gate
                            .changed
                            .wait(state)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                    state.awaiting_stop = false;
                }
            }
        }
    }
}

impl Link {
    /// Serve `stream`; its watcher thread starts now.
    pub(crate) fn new(stream: TcpStream) -> std::io::Result<Link> {
        let _ = stream.set_nodelay(true);
        let watched = stream.try_clone()?;
        let gate = Arc::new(Gate::default());
        let shared = gate.clone();
        let watcher = std::thread::Builder::new()
            .name("dbg-gdbserver-watch".into())
            .spawn(move || watch(watched, shared))?;
        Ok(Link {
            stream,
            out: Vec::with_capacity(4096),
            incoming: PassSignals::default(),
            gate,
            watcher: Some(watcher),
            spin: false,
        })
    }

    /// Poll for the client's bytes for at most [`SPIN`]; `None` if none came.
    fn poll_for(&mut self, buf: &mut [u8]) -> Option<Received> {
        let start = Instant::now();
        loop {
            match recv(self.stream.as_raw_fd(), buf, MsgFlags::MSG_DONTWAIT) {
                Ok(0) => return Some(Received::Closed),
                Ok(n) => return Some(Received::Bytes(n)),
                Err(Errno::EAGAIN | Errno::EINTR) if start.elapsed() < SPIN => {
                    std::hint::spin_loop();
                }
                Err(Errno::EAGAIN | Errno::EINTR) => return None,
                Err(_) => return Some(Received::Closed),
            }
        }
    }

    /// Wait for the client's bytes, polling first while it answers fast (see the module's
    /// documentation).
    fn receive(&mut self, buf: &mut [u8]) -> Received {
        let start = Instant::now();
        if self.spin {
            if let Some(received) = self.poll_for(buf) {
                return received;
            }
        }
        let received = match self.stream.read(buf) {
            Ok(0) | Err(_) => Received::Closed,
            Ok(n) => Received::Bytes(n),
        };
        // Polling again only pays if the whole wait would have fitted in it.
        self.spin = start.elapsed() < SPIN;
        received
    }

    /// The next byte from the client, waiting for it; `None` once the client is gone.
    pub(crate) fn next_byte(&mut self) -> Option<u8> {
        loop {
            let mut reply = Vec::new();
            let byte = self.incoming.next_byte(&mut reply);
            if !reply.is_empty() {
                // Our answer to a `QPassSignals`, after whatever gdbstub wrote before it.
                let flushed = gdbstub::conn::Connection::flush(self);
                if flushed
                    .and_then(|()| self.stream.write_all(&reply))
                    .is_err()
                {
                    self.gate.with(|state| state.disconnected = true);
                    return None;
                }
            }
            if byte.is_some() {
                return byte;
            }
            let mut buf = [0u8; 4096];
            match self.receive(&mut buf) {
                Received::Bytes(n) => self.incoming.received(buf.get(..n).unwrap_or(&[])),
                Received::Closed => {
                    self.gate.with(|state| state.disconnected = true);
                    return None;
                }
            }
        }
    }

    /// The signals the client last asked to have passed without a stop (`QPassSignals`), if
    /// it asked since the last call.
    pub(crate) fn take_pass_signals(&mut self) -> Option<Vec<GdbSignal>> {
        self.incoming.take_wanted()
    }

    /// The program is about to run: from now on a Ctrl-C interrupts it through
    /// `interrupter`, including one that arrived since the resume packet.
    pub(crate) fn start_running(&mut self, interrupter: Interrupter) {
        let (gone, wake) = self.gate.with(|state| {
            state.running = Some(interrupter.clone());
            state.resumes = state.resumes.wrapping_add(1);
            let wake = std::mem::take(&mut state.asleep);
            (state.disconnected, wake)
        });
        if wake {
            self.gate.changed.notify_all();
        }
        // Bytes already read behind the resume packet.
        if self.incoming.has_byte(CTRL_C) {
            interrupter.interrupt();
            self.incoming.drop_bytes(CTRL_C);
        }
        if gone {
            interrupter.interrupt();
        }
    }

    /// The program stopped: a Ctrl-C from now on is an ordinary byte, and a request that
    /// came too late to matter is forgotten.
    pub(crate) fn stop_running(&mut self) {
        let wake = self.gate.with(|state| {
            if let Some(interrupter) = state.running.take() {
                interrupter.clear();
            }
            state.awaiting_stop
        });
        if wake {
            self.gate.changed.notify_all();
        }
    }

    /// Whether the client has closed the connection.
    pub(crate) fn disconnected(&self) -> bool {
        self.gate.with(|state| state.disconnected)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.gate.with(|state| state.closing = true);
        self.gate.changed.notify_all();
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
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
        self.incoming.outgoing(&mut self.out);
        let result = Write::write_all(&mut self.stream, &self.out);
        self.out.clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A link and the client's end of its connection.
    fn connected() -> (Link, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (Link::new(server).unwrap(), client)
    }

    #[test]
    fn a_polled_client_is_read_and_seen_to_leave() {
        let (mut link, mut client) = connected();
        assert!(!link.spin, "a new client is waited for asleep");
        client.write_all(b"+").unwrap();
        assert_eq!(link.next_byte(), Some(b'+'));
        // As after a fast answer (whether this one was depends on the machine's load).
        link.spin = true;
        client.write_all(b"$g#67").unwrap();
        let packet: Vec<u8> = (0..5).filter_map(|_| link.next_byte()).collect();
        assert_eq!(packet, b"$g#67");
        drop(client);
        // The poll sees the closed connection (or, past the polling time, the read does).
        assert_eq!(link.next_byte(), None);
        assert!(link.disconnected());
    }
}
