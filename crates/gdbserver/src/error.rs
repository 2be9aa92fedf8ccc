//! The error type of the server.

/// Why the server could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `HOST:PORT` was not understood.
    #[error("bad address `{0}`: expected HOST:PORT, e.g. 127.0.0.1:1234")]
    Address(String),
    /// The address could not be listened on.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// Accepting a client failed.
    #[error("cannot accept a connection: {0}")]
    Accept(std::io::Error),
    /// The program could not be launched or attached to.
    #[error(transparent)]
    Start(dbg_session::Error),
    /// The session failed in a way the client cannot be told about.
    #[error(transparent)]
    Session(#[from] dbg_session::Error),
}

/// The server's result.
pub type Result<T> = std::result::Result<T, Error>;
