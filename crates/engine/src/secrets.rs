//! Every secret the engine has been handed in this process (stream keys, SRT passphrases and
//! stream ids, signed query strings), so that nothing it writes, GStreamer's own debug log
//! included, ever shows one.
//!
//! Secrets are registered before the element that could log them is made (a [`SecretUrl`]
//! registers its parts when it is created), and [`scrub`] replaces each one, in its plain and
//! its percent-encoded forms, with `****`. The registry only grows (a key that was on air
//! may still turn up in a late log line), up to [`MAX_SECRETS`] forms; past that the oldest
//! go first.
//!
//! [`SecretUrl`]: crate::SecretUrl

use std::borrow::Cow;
use std::sync::{LazyLock, PoisonError, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

/// What a secret is replaced with.
pub const MASK: &str = "****";

/// Shorter fragments are not secrets worth the damage to unrelated text ("1", "live").
pub const MIN_SECRET_LEN: usize = 4;

/// The most secret forms kept; a studio sees a handful of keys in a day.
pub const MAX_SECRETS: usize = 4096;

/// Query parameters of an `srt://` URL whose values are secret.
const SRT_SECRET_PARAMS: &[&str] = &["streamid", "passphrase", "password", "key", "token"];

/// The characters the WHATWG URL parser escapes in a path segment (plus `/`, `?`, `#` and
/// `%`, so a segment never splits), as `url::Url` writes a key into a URL.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

#[derive(Default)]
struct Registry {
    /// Every form of every secret, oldest first, each once.
    forms: Vec<String>,
    /// Matches any form; `None` while there is none.
    matcher: Option<AhoCorasick>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| RwLock::new(Registry::default()));

/// Remembers `secret` (and its percent-encoded and decoded forms) so that [`scrub`] removes
/// it from any text from now on. Secrets shorter than [`MIN_SECRET_LEN`] are ignored.
pub fn register(secret: &str) {
    let forms = forms_of(secret);
    if forms.is_empty() {
        return;
    }
    let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    let before = registry.forms.len();
    for form in forms {
        if !registry.forms.contains(&form) {
            registry.forms.push(form);
        }
    }
    if registry.forms.len() == before {
        return;
    }
    let excess = registry.forms.len().saturating_sub(MAX_SECRETS);
    registry.forms.drain(..excess);
    // Leftmost-longest: a key that contains another registered key is masked whole.
    registry.matcher = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(&registry.forms)
        .ok();
}

/// Registers every secret part of an ingest URL (see [`url_secret_parts`]).
pub fn register_url(url: &str) {
    for part in url_secret_parts(url) {
        register(&part);
    }
}

/// Whether any secret is registered.
pub fn any() -> bool {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner).matcher.is_some()
}

/// The text with every registered secret replaced by `****`. Borrows when there is none in it.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
    let Some(matcher) = &registry.matcher else { return Cow::Borrowed(text) };
    if !matcher.is_match(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    matcher.replace_all_with(text, &mut out, |_, _, out| {
        out.push_str(MASK);
        true
    });
    Cow::Owned(out)
}

/// The plain, decoded and percent-encoded forms of a secret, long enough to be worth masking.
fn forms_of(secret: &str) -> Vec<String> {
    let decoded = percent_decode_str(secret).decode_utf8_lossy().into_owned();
    let form_decoded = percent_decode_str(&secret.replace('+', " ")).decode_utf8_lossy().into_owned();
    let mut forms = vec![
        secret.to_owned(),
        utf8_percent_encode(&decoded, PATH_SEGMENT).to_string(),
        utf8_percent_encode(&decoded, NON_ALPHANUMERIC).to_string(),
        url::form_urlencoded::byte_serialize(decoded.as_bytes()).collect(),
        decoded,
        form_decoded,
    ];
    forms.retain(|form| form.len() >= MIN_SECRET_LEN);
    forms.sort();
    forms.dedup();
    forms
}

/// The pieces of an ingest URL that must never be shown:
///
/// - `rtmp://` and `rtmps://`: the last path segment (the key) when an app comes before it,
///   every query value and the whole query (platforms sign their URLs there);
/// - `srt://`: the values of `streamid`, `passphrase`, `password`, `key` and `token`, with
///   the parameter names matched after percent-decoding and in any case;
/// - any other scheme: the whole path and query;
/// - everywhere: the user name and password of the user info, and a `#fragment`;
/// - a text that does not parse as a URL: the whole text.
///
/// A key that was appended to a one-segment URL (`rtmp://host` + key) cannot be told from
/// an app name here: register it on its own with [`register`].
pub fn url_secret_parts(text: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(text) else {
        return vec![text.to_owned()];
    };
    let mut parts = Vec::new();
    let segments: Vec<&str> = url.path_segments().map(|s| s.filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    match url.scheme() {
        "rtmp" | "rtmps" => {
            if let [_, .., key] = segments.as_slice() {
                parts.push((*key).to_owned());
            }
            if let Some(query) = url.query() {
                parts.push(query.to_owned());
                parts.extend(url.query_pairs().map(|(_, value)| value.into_owned()));
            }
        }
        "srt" => {
            for (name, value) in url.query_pairs() {
                if SRT_SECRET_PARAMS.iter().any(|secret| name.eq_ignore_ascii_case(secret)) {
                    parts.push(value.into_owned());
                }
            }
            if let Some(query) = url.query() {
                // The raw `name=value` pairs too, as srtsink may print them undecoded.
                for pair in query.split('&') {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let name = percent_decode_str(name).decode_utf8_lossy();
                    if SRT_SECRET_PARAMS.iter().any(|secret| name.eq_ignore_ascii_case(secret)) {
                        parts.push(value.to_owned());
                    }
                }
            }
        }
        _ => {
            parts.push(url.path().trim_start_matches('/').to_owned());
            parts.extend(url.query().map(str::to_owned));
        }
    }
    parts.push(url.username().to_owned());
    parts.extend(url.password().map(str::to_owned));
    parts.extend(url.fragment().map(str::to_owned));
    parts.retain(|p| p.len() >= MIN_SECRET_LEN);
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    parts.dedup();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_key_is_masked_in_every_encoding() {
        register("Kä y+Secret/42");
        let lines = [
            "publishing stream Kä y+Secret/42",
            "setting location to rtmp://h/live/K%C3%A4%20y+Secret%2F42",
            "setting location to rtmp://h/live/K%c3%a4%20y%2BSecret%2F42",
            "form K%C3%A4+y%2BSecret%2F42 done",
        ];
        for line in lines {
            let scrubbed = scrub(line);
            assert!(scrubbed.contains(MASK), "{line} -> {scrubbed}");
            assert!(!scrubbed.contains("Secret"), "{line} -> {scrubbed}");
        }
        // A text without a secret is handed back as it was, without a copy.
        assert!(matches!(scrub("nothing to hide here"), Cow::Borrowed(_)));
    }

    #[test]
    fn url_parts_cover_keys_queries_srt_params_and_userinfo() {
        let parts = url_secret_parts("rtmp://push.example.com/live/sk_12345?expire=1700000000&sign=deadbeef");
        for secret in ["sk_12345", "deadbeef", "expire=1700000000&sign=deadbeef"] {
            assert!(parts.iter().any(|p| p == secret), "{secret} not in {parts:?}");
        }
        assert!(!parts.iter().any(|p| p == "live"), "the app is no secret: {parts:?}");
        let parts =
            url_secret_parts("srt://h:9000?mode=caller&%73treamid=%23!::r=live/abc,m=publish&PASSPHRASE=pass-phrase-1");
        assert!(parts.iter().any(|p| p == "#!::r=live/abc,m=publish"), "{parts:?}");
        assert!(parts.iter().any(|p| p == "pass-phrase-1"), "{parts:?}");
        assert!(!parts.iter().any(|p| p == "caller"), "{parts:?}");
        let parts = url_secret_parts("rtmp://streamer-name:hunter22@h/live");
        assert!(parts.iter().any(|p| p == "hunter22") && parts.iter().any(|p| p == "streamer-name"), "{parts:?}");
        assert_eq!(url_secret_parts("not a url KEY"), vec!["not a url KEY".to_owned()]);
    }

    #[test]
    fn short_fragments_are_not_registered() {
        register("abc");
        assert_eq!(scrub("abc abc"), "abc abc");
    }
}
