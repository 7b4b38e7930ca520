//! An ingest URL that may carry a stream key. It prints only in redacted form.

use std::fmt;

/// An ingest URL with its secret parts (stream key, signed query, passphrase). `Debug`
/// prints the redacted form; the full URL is only handed to the sink element.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl {
    url: String,
    /// The keyring key appended to the URL, masked wherever it stands.
    key: Option<String>,
}

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> SecretUrl {
        SecretUrl { url: url.into(), key: None }
    }

    /// A URL that ends in `key`, a stream key from the keyring: printed with the key masked
    /// even when the URL alone would not say it is one (`rtmp://host/KEY`).
    pub fn with_key(url: impl Into<String>, key: impl Into<String>) -> SecretUrl {
        SecretUrl { url: url.into(), key: Some(key.into()).filter(|k| !k.is_empty()) }
    }

    /// The URL with its key, for the sink element only.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// `rtmp://host/app/****`: safe to print.
    pub fn redacted(&self) -> String {
        show::redact_url_with_key(&self.url, self.key.as_deref())
    }

    /// Removes every secret part of this URL from a text, such as an element's error message.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.replace(&self.url, &self.redacted());
        for part in self.secret_parts() {
            text = show::mask_key(&text, &part);
        }
        text
    }

    /// The pieces of the URL that must never be shown: the last path segment (the key) when
    /// there is an app before it, query values, and a password.
    fn secret_parts(&self) -> Vec<String> {
        let Ok(url) = url::Url::parse(&self.url) else {
            return vec![self.url.clone()];
        };
        let mut parts = Vec::new();
        let segments: Vec<&str> = url.path_segments().map(|s| s.filter(|s| !s.is_empty()).collect()).unwrap_or_default();
        if segments.len() >= 2 {
            if let Some(key) = segments.last() {
                parts.push((*key).to_owned());
            }
        }
        if let Some(query) = url.query() {
            parts.push(query.to_owned());
            parts.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
        }
        if let Some(password) = url.password() {
            parts.push(password.to_owned());
        }
        if let Some(key) = &self.key {
            parts.push(key.clone());
        }
        // Short fragments such as "1" would mangle unrelated text; keys are never that short.
        parts.retain(|p| p.len() >= 4);
        parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
        parts
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_key_and_signature_from_any_text() {
        let url = SecretUrl::new("rtmp://push.example.com/live/sk_12345?expire=1700000000&sign=deadbeef");
        let text = format!("could not publish {} (stream sk_12345, sign deadbeef)", url.expose());
        let scrubbed = url.scrub(&text);
        assert!(!scrubbed.contains("sk_12345"), "{scrubbed}");
        assert!(!scrubbed.contains("deadbeef"), "{scrubbed}");
        assert!(!format!("{url:?}").contains("sk_12345"));
    }
}
