//! Listening and serving: one client at a time over gdbstub's state machine, which this
//! loop drives — bytes in while the program is stopped, a blocking resume of the session
//! while it runs (the connection's reader thread turns a Ctrl-C or a vanished client into an
//! interrupt meanwhile), and what happens to the process when a client leaves.
//!
//! As gdbserver: a client that detaches or kills ends the server (a plain `target remote`
//! client) or leaves it waiting for a `run` (an extended-remote client); a client that just
//! goes away leaves the process stopped for the next client, unless `--once`, which then
//! kills a launched program or detaches from an attached one and exits.

use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};

use dbg_session::Termination;

use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::target::{Inferior, Start};

/// The largest packet the server accepts (and offers in `qSupported`).
pub(crate) const PACKET_SIZE: usize = 0x4000;

/// The buffer gdbstub receives packets in, filled with `#`. gdbstub hands each packet over
/// as the whole buffer and, to find the checksum, scans from the packet's `#` to the next
/// `#` in it; in a zeroed buffer that is to the end (16 KiB per packet, most of the server's
/// own time per stop), in this one the end of the longest packet or memory read since the
/// connection began.
pub(crate) fn packet_buffer() -> Vec<u8> {
    vec![b'#'; PACKET_SIZE]
}

/// What to serve, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Serve only the first client, then end.
    pub once: bool,
    /// `HOST:PORT` to listen on (port 0: any free port).
    pub address: String,
    /// The program to launch or the process to attach to.
    pub start: Start,
    /// Where termination requests (SIGTERM, SIGHUP, SIGQUIT) come from: each one ends the
    /// session as `--once` does when its client leaves — a launched program killed, an
    /// attached one detached — and [`serve`] returns.
    pub termination: Option<&'static Termination>,
}

/// How a client's session ended.
enum ClientEnd {
    /// The connection closed or failed; the process is as the client left it.
    Gone,
    /// The client detached, killed or saw the process end (without extended mode): the
    /// server is done.
    Finished,
}

/// Start the program, listen, and serve clients until the program ends (or the first client
/// leaves, with `--once`).
pub fn serve(options: &Options) -> Result<()> {
    let listener = listen(&options.address)?;
    let mut inferior = Inferior::start(&options.start).map_err(Error::Start)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let client = Wake::new(&listener, options.termination)?;
    let terminated = || {
        options
            .termination
            .and_then(Termination::received)
            .is_some()
    };
    eprintln!("Listening on port {port}");
    loop {
        let accepted = listener.accept();
        if terminated() {
            inferior.end();
            return Ok(());
        }
        let (stream, peer) = accepted.map_err(Error::Accept)?;
        eprintln!(
            "Remote debugging from host {}, port {}",
            peer.ip(),
            peer.port()
        );
        client.serving(&stream);
        let end = if terminated() {
            ClientEnd::Gone
        } else {
            serve_client(&mut inferior, stream)
        };
        // What the client passed without stops was its own: the next one starts clean.
        inferior.pass_signals(&[]);
        client.served();
        if options.once || terminated() {
            inferior.end();
            return Ok(());
        }
        match end {
            ClientEnd::Finished => {
                inferior.end();
                return Ok(());
            }
            ClientEnd::Gone if !inferior.has_process() => return Ok(()),
            ClientEnd::Gone => {
                eprintln!(
                    "Remote side has terminated connection.  GDBserver will reopen the connection."
                );
                eprintln!("Listening on port {port}");
            }
        }
    }
}

/// What a termination request wakes: the listener blocked in `accept` and the client's
/// connection (shut, it ends the session's read of the next packet, and while the program
/// runs the link's watcher takes it as a vanished client and stops the program).
struct Wake {
    client: Arc<Mutex<Option<TcpStream>>>,
}

impl Wake {
    fn new(listener: &TcpListener, termination: Option<&'static Termination>) -> Result<Wake> {
        let client: Arc<Mutex<Option<TcpStream>>> = Arc::default();
        if let Some(termination) = termination {
            let listening = listener.try_clone().map_err(Error::Accept)?;
            let connected = client.clone();
            termination.on_request(move |_| {
                use std::os::fd::AsRawFd;
                // A listening socket shut for reading makes a blocked `accept` fail.
                let _ = nix::sys::socket::shutdown(
                    listening.as_raw_fd(),
                    nix::sys::socket::Shutdown::Both,
                );
                let connected = connected.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(stream) = connected.as_ref() {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                }
            });
        }
        Ok(Wake { client })
    }

    /// `stream` is the client now.
    fn serving(&self, stream: &TcpStream) {
        *self.client.lock().unwrap_or_else(PoisonError::into_inner) = stream.try_clone().ok();
    }

    /// No client now.
    fn served(&self) {
        *self.client.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Listen on exactly the address given (an empty host is the loopback address).
fn listen(address: &str) -> Result<TcpListener> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| Error::Address(address.to_string()))?;
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port
        .parse()
        .map_err(|_| Error::Address(address.to_string()))?;
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|source| Error::Listen {
            address: address.to_string(),
            source,
        })?
        .collect();
    TcpListener::bind(addrs.as_slice()).map_err(|source| Error::Listen {
        address: address.to_string(),
        source,
    })
}

/// Serve one client until it leaves or the process is done with.
fn serve_client(inferior: &mut Inferior, stream: TcpStream) -> ClientEnd {
    inferior.extended = false;
    let link = match Link::new(stream) {
        Ok(link) => link,
        Err(error) => {
            eprintln!("dbg-gdbserver: cannot serve the client: {error}");
            return ClientEnd::Gone;
        }
    };
    let mut buffer = packet_buffer();
    let stub = match GdbStub::builder(link)
        .with_packet_buffer(&mut buffer)
        .build()
    {
        Ok(stub) => stub,
        Err(error) => {
            eprintln!("dbg-gdbserver: cannot serve the client: {error}");
            return ClientEnd::Gone;
        }
    };
    let mut gdb = match stub.run_state_machine(inferior) {
        Ok(gdb) => gdb,
        Err(error) => {
            eprintln!("dbg-gdbserver: cannot serve the client: {error}");
            return ClientEnd::Gone;
        }
    };
    loop {
        let next = match gdb {
            GdbStubStateMachine::Idle(mut idle) => {
                let Some(byte) = idle.borrow_conn().next_byte() else {
                    return ClientEnd::Gone;
                };
                if let Some(wanted) = idle.borrow_conn().take_pass_signals() {
                    inferior.pass_signals(&wanted);
                }
                idle.incoming_data(inferior, byte)
            }
            GdbStubStateMachine::Running(mut running) => {
                if let Some(interrupter) = inferior.interrupter() {
                    running.borrow_conn().start_running(interrupter);
                }
                let reason = inferior.run();
                running.borrow_conn().stop_running();
                if running.borrow_conn().disconnected() {
                    return ClientEnd::Gone;
                }
                let expedited = inferior.expedited(&reason);
                let mut regs = expedited
                    .iter()
                    .map(|(number, bytes)| (*number, bytes.as_slice()));
                running.report_stop_with_regs(inferior, reason, &mut regs)
            }
            GdbStubStateMachine::CtrlCInterrupt(interrupt) => {
                // A Ctrl-C while the program is stopped: nothing to stop.
                interrupt.interrupt_handled(inferior, None::<MultiThreadStopReason<u64>>)
            }
            GdbStubStateMachine::Disconnected(done) => {
                match done.get_reason() {
                    DisconnectReason::Disconnect => inferior.detach(),
                    DisconnectReason::Kill => inferior.kill(),
                    DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => {
                        inferior.forget_ended();
                    }
                }
                if !inferior.extended {
                    return ClientEnd::Finished;
                }
                Ok(done.return_to_idle())
            }
        };
        gdb = match next {
            Ok(mut gdb) => {
                flush(&mut gdb);
                gdb
            }
            Err(error) => {
                eprintln!("dbg-gdbserver: closing the connection: {error}");
                return ClientEnd::Gone;
            }
        };
    }
}

/// Send what gdbstub wrote but did not flush (the `+` acknowledging a resume packet, whose
/// reply comes only when the program stops).
fn flush(gdb: &mut GdbStubStateMachine<'_, Inferior, Link>) {
    use gdbstub::conn::Connection;
    let link = match gdb {
        GdbStubStateMachine::Idle(state) => state.borrow_conn(),
        GdbStubStateMachine::Running(state) => state.borrow_conn(),
        GdbStubStateMachine::CtrlCInterrupt(state) => state.borrow_conn(),
        GdbStubStateMachine::Disconnected(state) => state.borrow_conn(),
    };
    let _ = link.flush();
}
