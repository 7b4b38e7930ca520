//! What can go wrong on the audience path, in words a streamer can act on.

/// An audience-path failure.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    /// The platform's server could not be reached or dropped the connection.
    #[error("cannot reach {what}: {detail}")]
    Connect {
        /// Which server.
        what: String,
        /// The underlying reason.
        detail: String,
    },
    /// The server said something we cannot use (bad auth reply, HTTP error status).
    #[error("{what} refused: {detail}")]
    Refused {
        /// Which server.
        what: String,
        /// What it said.
        detail: String,
    },
    /// The server went quiet for longer than its protocol allows.
    #[error("{0} stopped answering")]
    Timeout(String),
    /// The local database failed.
    #[error("session database: {0}")]
    Store(#[from] rusqlite::Error),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
}

impl AudienceError {
    pub(crate) fn connect(what: impl Into<String>, detail: impl std::fmt::Display) -> AudienceError {
        AudienceError::Connect { what: what.into(), detail: detail.to_string() }
    }
}
