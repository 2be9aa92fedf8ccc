//! A client's bytes replayed against a program that never runs: the server's packet handling
//! — gdbstub's parsing and every answer of ours (registers, memory, breakpoints and
//! watchpoints, `vCont` actions, queries, extended mode) — on arbitrary input, for the fuzz
//! target (`crates/gdbserver/fuzz`) and its kept corpus. The bytes pass through the
//! connection's [`PassSignals`] layer as a client's do. The program is launched and stays
//! stopped at its first instruction: a resume is answered as an immediate interrupt, a
//! detach kills it, and the client may start nothing else and attach to nothing, so no
//! input makes anything run that the bytes wrote.

use std::ffi::OsString;

use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{GdbStub, MultiThreadStopReason};

use crate::error::{Error, Result};
use crate::pass_signals::PassSignals;
use crate::server::packet_buffer;
use crate::target::{Inferior, Start};

/// The connection of a replay: what the server writes is dropped at each flush.
#[derive(Debug, Default)]
struct Replay {
    out: Vec<u8>,
    incoming: PassSignals,
}

impl gdbstub::conn::Connection for Replay {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> std::io::Result<()> {
        self.out.push(byte);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.incoming.outgoing(&mut self.out);
        self.out.clear();
        Ok(())
    }
}

/// Launch `program` stopped, answer `input` as a client's bytes, and kill what is left.
/// Protocol errors end the replay as they end a connection; only a program that cannot be
/// launched is an error.
pub fn replay(program: impl Into<OsString>, input: &[u8]) -> Result<()> {
    let start = Start::Launch {
        program: program.into(),
        args: Vec::new(),
    };
    let mut inferior = Inferior::start(&start).map_err(Error::Start)?;
    inferior.sandbox = true;
    answer(&mut inferior, input);
    inferior.kill();
    Ok(())
}

fn answer(inferior: &mut Inferior, input: &[u8]) {
    let mut replay = Replay::default();
    replay.incoming.received(input);
    let mut buffer = packet_buffer();
    let Ok(stub) = GdbStub::builder(replay)
        .with_packet_buffer(&mut buffer)
        .build()
    else {
        return;
    };
    let Ok(mut gdb) = stub.run_state_machine(inferior) else {
        return;
    };
    loop {
        let next = match gdb {
            GdbStubStateMachine::Idle(mut idle) => {
                let mut reply = Vec::new();
                let byte = idle.borrow_conn().incoming.next_byte(&mut reply);
                if let Some(wanted) = idle.borrow_conn().incoming.take_wanted() {
                    inferior.pass_signals(&wanted);
                }
                let Some(byte) = byte else {
                    return;
                };
                idle.incoming_data(inferior, byte)
            }
            GdbStubStateMachine::Running(running) => {
                let reason = inferior.hold();
                let expedited = inferior.expedited(&reason);
                let mut regs = expedited
                    .iter()
                    .map(|(number, bytes)| (*number, bytes.as_slice()));
                running.report_stop_with_regs(inferior, reason, &mut regs)
            }
            GdbStubStateMachine::CtrlCInterrupt(interrupt) => {
                interrupt.interrupt_handled(inferior, None::<MultiThreadStopReason<u64>>)
            }
            GdbStubStateMachine::Disconnected(done) => {
                // A detach would let the program run: it is killed instead.
                inferior.kill();
                if !inferior.extended {
                    return;
                }
                Ok(done.return_to_idle())
            }
        };
        gdb = match next {
            Ok(gdb) => gdb,
            Err(_) => return,
        };
    }
}
