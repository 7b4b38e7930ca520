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
    /// Registers the URL's secret parts with [`crate::secrets`] first, so that no log line
    /// written from now on (GStreamer's own included) can show them.
    pub fn new(url: impl Into<String>) -> SecretUrl {
        let url = url.into();
        crate::secrets::register_url(&url);
        SecretUrl { url, key: None }
    }

    /// A URL that ends in `key`, a stream key from the keyring: printed with the key masked
    /// even when the URL alone would not say it is one (`rtmp://host/KEY`).
    pub fn with_key(url: impl Into<String>, key: impl Into<String>) -> SecretUrl {
        let (url, key) = (url.into(), key.into());
        crate::secrets::register_url(&url);
        crate::secrets::register(&key);
        SecretUrl { url, key: Some(key).filter(|k| !k.is_empty()) }
    }

    /// The URL with its key, for the sink element only.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// `rtmp://host/app/****`: safe to print.
    pub fn redacted(&self) -> String {
        show::redact_url_with_key(&self.url, self.key.as_deref())
    }

    /// Removes every secret part of this URL from a text, such as an element's error message,
    /// then every other secret the process knows.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.replace(&self.url, &self.redacted());
        for part in crate::secrets::url_secret_parts(&self.url) {
            text = text.replace(&part, crate::secrets::MASK);
        }
        if let Some(key) = &self.key {
            text = show::mask_key(&text, key);
        }
        crate::secrets::scrub(&text).into_owned()
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

    #[test]
    fn a_new_url_registers_its_key_for_every_log() {
        let url = SecretUrl::new("rtmp://push.example.com/live/Reg1stered-Key?sign=0ddba11");
        let line = "rtmp2sink: publishing stream Reg1stered-Key with sign=0ddba11";
        let scrubbed = crate::secrets::scrub(line);
        assert!(!scrubbed.contains("Reg1stered-Key") && !scrubbed.contains("0ddba11"), "{scrubbed}");
        drop(url);
    }
}
