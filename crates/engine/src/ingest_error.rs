//! Ingest errors in words a streamer can act on, and whether trying again can help.

/// A destination's failure, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestFailure {
    /// Plain words first, the technical detail in parentheses.
    pub reason: String,
    /// Trying again cannot help (a rejected key or application): fail at once instead of
    /// hammering the platform, which may flag the account.
    pub permanent: bool,
}

/// Explains an element's error message. `was_live` tells a connection lost mid-show from
/// one refused at the start; `ever_live` whether this destination ever got on air.
pub fn explain_ingest_error(detail: &str, was_live: bool, ever_live: bool) -> IngestFailure {
    let lower = detail.to_lowercase();
    let closed =
        lower.contains("closed remotely") || lower.contains("connection reset") || lower.contains("broken pipe");
    let (advice, permanent) = if lower.contains("publish denied") || lower.contains("'publish' cmd failed") {
        ("the ingest rejected the stream key: copy it again from the platform", true)
    } else if lower.contains("'connect' cmd failed") {
        ("the ingest rejected the application path (the part of the URL before the key)", true)
    } else if closed && !was_live && !ever_live {
        ("the ingest hung up before the stream started: the stream key is probably wrong or expired", true)
    } else if lower.contains("connection refused") {
        ("the ingest refused the connection: check the address and port, or the server is down", false)
    } else if lower.contains("resolv") || lower.contains("name or service not known") || lower.contains("no address") {
        ("cannot find the ingest host: check the address and the network", false)
    } else if closed {
        ("the ingest closed the connection", false)
    } else if lower.contains("timed out") || lower.contains("timeout") {
        ("the ingest stopped answering", false)
    } else if lower.contains("no space") {
        ("the disk is full", true)
    } else if lower.contains("permission denied") || lower.contains("could not open") {
        ("cannot write the file here: check the folder and its permissions", true)
    } else {
        return IngestFailure { reason: detail.to_owned(), permanent: false };
    };
    IngestFailure { reason: format!("{advice} ({detail})"), permanent }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_distinct_words() {
        let refused = explain_ingest_error("Failed to connect: Connection refused", false, false);
        let rejected = explain_ingest_error("Failed to connect: publish denied; stream already exists", false, false);
        let host = explain_ingest_error("Error resolving “no-such.invalid”: Name or service not known", false, false);
        let hung_up = explain_ingest_error("Connection error: connection closed remotely", false, false);
        let lost = explain_ingest_error("Connection error: connection closed remotely", true, true);
        assert!(refused.reason.starts_with("the ingest refused") && !refused.permanent);
        assert!(rejected.reason.starts_with("the ingest rejected the stream key") && rejected.permanent);
        assert!(host.reason.starts_with("cannot find the ingest host") && !host.permanent);
        assert!(hung_up.reason.contains("stream key is probably wrong") && hung_up.permanent);
        assert!(lost.reason.starts_with("the ingest closed the connection") && !lost.permanent);
    }
}
