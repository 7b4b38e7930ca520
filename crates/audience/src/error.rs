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
    /// A batch failed to commit again and again; its events are not in the record.
    #[error("session database: {events} audience events could not be stored after {tries} tries ({reason}); they are left out of the session's record, the show goes on")]
    StoreGaveUp {
        /// How many events were given up.
        events: usize,
        /// How many times the batch was tried.
        tries: u32,
        /// The last failure.
        reason: String,
    },
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
