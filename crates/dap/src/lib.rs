//! A Debug Adapter Protocol server over a dbg session, for editors (VS Code, Neovim's
//! nvim-dap, Helix, Zed, Emacs' dape): `dbg-cli dap` runs it on stdin and stdout.
//!
//! Two threads share the work. The session thread owns the [`dbg_session::Session`] (it is
//! not `Send`: ptrace answers only the tracer thread) and answers requests in order; the
//! input thread reads framed messages, answers malformed ones itself, and stops the running
//! program when a `pause` (or `disconnect`) comes while the session thread waits for it.
//! Messages are typed ([`protocol`]), framed by [`framing`].
//!
//! ```no_run
//! // What the `dbg-dap` binary does.
//! dbg_dap::serve(std::io::stdin(), std::io::stdout())?;
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

mod error;
pub mod framing;
mod input;
mod outbox;
pub mod protocol;
mod server;

use std::io::{BufReader, Read, Write};

pub use error::Error;

/// Serve one client: read requests from `input`, write responses and events to `output`,
/// until the client disconnects or closes `input`. The program being debugged is killed
/// (launched) or let go (attached) at the end.
pub fn serve(
    input: impl Read + Send + 'static,
    output: impl Write + Send + 'static,
) -> std::io::Result<()> {
    serve_with(input, output, None)
}

/// [`serve`], and end early, as when the client goes away, on a termination request
/// (SIGTERM, SIGHUP, SIGQUIT, a panic on another thread): a running program is stopped,
/// and the session ends (a launched program killed, an attached one detached).
pub fn serve_with(
    input: impl Read + Send + 'static,
    output: impl Write + Send + 'static,
    termination: Option<&'static dbg_session::Termination>,
) -> std::io::Result<()> {
    let outbox = outbox::Outbox::new(Box::new(output));
    let shared = input::Shared::default();
    let (to_session, requests) = std::sync::mpsc::channel();
    if let Some(termination) = termination {
        let shared = shared.clone();
        let to_session = to_session.clone();
        termination.on_request(move |_| {
            shared.end();
            let _ = to_session.send(input::Input::End);
        });
    }
    let reader = {
        let outbox = outbox.clone();
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("dap-input".into())
            .spawn(move || input::run(BufReader::new(input), outbox, shared, to_session))?
    };
    let mut server = server::Server::new(outbox, shared);
    server.serve(&requests);
    // The input thread ends with its input; after `disconnect` the client closes it, but a
    // client that keeps it open must not keep the adapter alive.
    drop(requests);
    drop(reader);
    Ok(())
}

/// Answer arbitrary bytes as a client's messages without a program: every message is read,
/// parsed and answered as [`serve`] answers it, except that `launch` and `attach` are refused
/// once their arguments are decoded; the responses are encoded and dropped. Errors are fine;
/// a panic, a hang or unbounded memory is a bug. The fuzz target (`crates/dap/fuzz`) and its
/// kept corpus (`tests/messages_corpus.rs`) call it.
pub fn answer_without_program(input: &[u8]) {
    let outbox = outbox::Outbox::new(Box::new(std::io::sink()));
    let shared = input::Shared::default();
    let (to_session, requests) = std::sync::mpsc::channel();
    input::run(input, outbox.clone(), shared.clone(), to_session);
    let mut server = server::Server::new(outbox, shared);
    server.serve_without_program(&requests);
}
