//! Ingest URLs with their secrets masked, for logs, errors and the UI.
//!
//! A stream key in the wrong place lets anyone broadcast on the producer's channel, so
//! everything that prints a destination URL goes through [`redact_url`].

use std::fmt::{self, Write as _};

use url::Url;

use crate::model::Destination;

/// What a secret is replaced with.
pub const MASK: &str = "****";

/// What an unparseable URL is shown as: it is never echoed, since it may hold a key.
pub const INVALID_URL: &str = "<invalid url>";

/// Query parameters of an `srt://` URL whose values are secret.
const SRT_SECRET_PARAMS: &[&str] = &["streamid", "passphrase", "password", "key", "token"];

/// The URL with every part that may hold a secret replaced by `****`:
///
/// - `rtmp://` and `rtmps://`: `scheme://host[:port]/app` is kept; when the path has two
///   or more segments the last one (the stream key) is masked; a query string becomes
///   `?****` (platforms put keys and signatures there);
/// - `srt://`: the values of `streamid` and `passphrase` (and `password`, `key`, `token`)
///   are masked, other parameters such as `latency` are kept;
/// - any other scheme keeps only `scheme://host[:port]`, masking the path and query;
/// - the user info (name and password) is masked, and so is any `#fragment`;
/// - input that does not parse as a URL is `<invalid url>`.
///
/// ```
/// assert_eq!(
///     show::redact_url("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl"),
///     "rtmp://a.rtmp.youtube.com/live2/****"
/// );
/// ```
pub fn redact_url(text: &str) -> String {
    let Ok(url) = Url::parse(text) else {
        return INVALID_URL.to_owned();
    };
    let scheme = url.scheme();
    let mut out = format!("{scheme}:");
    if url.cannot_be_a_base() {
        // `rtmp:KEY`: nothing in it is structure worth keeping.
        out.push_str(MASK);
        return out;
    }
    if url.has_authority() {
        out.push_str("//");
        if !url.username().is_empty() || url.password().is_some() {
            // A user name is often the account or the key itself on SRT and custom ingests.
            if !url.username().is_empty() {
                out.push_str(MASK);
            }
            if url.password().is_some() {
                out.push(':');
                out.push_str(MASK);
            }
            out.push('@');
        }
        out.push_str(url.host_str().unwrap_or_default());
        if let Some(port) = url.port() {
            // Writing to a String cannot fail.
            let _ = write!(out, ":{port}");
        }
    }

    match scheme {
        "rtmp" | "rtmps" => out.push_str(&mask_last_segment(url.path())),
        _ => out.push_str(mask_whole_path(url.path())),
    }

    if let Some(query) = url.query() {
        if !query.is_empty() {
            out.push('?');
            if scheme == "srt" {
                out.push_str(&mask_srt_query(query));
            } else {
                out.push_str(MASK);
            }
        }
    }
    if url.fragment().is_some_and(|f| !f.is_empty()) {
        // SRT stream ids such as `#!::r=live/key` land here when the `#` is not escaped.
        out.push('#');
        out.push_str(MASK);
    }
    out
}

/// `/app/key` -> `/app/****`; `/app`, `/app/` and `` are kept.
fn mask_last_segment(path: &str) -> String {
    let Some(rest) = path.strip_prefix('/') else {
        return path.to_owned();
    };
    let mut segments: Vec<&str> = rest.split('/').collect();
    if let Some(last) = segments.iter().rposition(|s| !s.is_empty()) {
        if last > 0 {
            segments[last] = MASK;
        }
    }
    format!("/{}", segments.join("/"))
}

fn mask_whole_path(path: &str) -> &str {
    if path.is_empty() || path == "/" {
        path
    } else {
        "/****"
    }
}

fn mask_srt_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            // `%73treamid` is `streamid` to libsrt: compare the decoded name.
            let name: String = url::form_urlencoded::parse(key.as_bytes())
                .map(|(k, v)| {
                    if v.is_empty() {
                        k.into_owned()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            let secret = SRT_SECRET_PARAMS
                .iter()
                .any(|s| name.trim().eq_ignore_ascii_case(s));
            if secret && !value.is_empty() {
                format!("{key}={MASK}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// [`redact_url`] of a URL the stream key `key` was appended to (or is otherwise part of):
/// the key is masked wherever it stands, as typed and as URL-encoding writes it, even when
/// the URL's shape alone would not say it is a key (`rtmp://host` + key is `rtmp://host/****`).
pub fn redact_url_with_key(text: &str, key: Option<&str>) -> String {
    let redacted = redact_url(text);
    match key {
        Some(key) => mask_key(&redacted, key),
        None => redacted,
    }
}

/// `text` with `key` masked: the key as typed, path-encoded and form-encoded.
pub fn mask_key(text: &str, key: &str) -> String {
    let key = key.trim();
    if key.is_empty() {
        return text.to_owned();
    }
    let mut forms = vec![key.to_owned()];
    forms.extend(encoded_forms(key));
    // Longest first, so a shorter form never leaves part of a longer one behind.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    let mut out = text.to_owned();
    for form in forms {
        if !form.is_empty() && form != MASK {
            out = out.replace(&form, MASK);
        }
    }
    out
}

/// How URL-encoding may write `key`: as a path segment and as a form value.
fn encoded_forms(key: &str) -> Vec<String> {
    let mut forms = Vec::new();
    if let Ok(url) = Url::parse("rtmp://h/") {
        // `./` keeps a key such as `a:b` from reading as a URL of its own.
        let relative = format!(
            "./{}",
            key.replace('/', "%2F")
                .replace('?', "%3F")
                .replace('#', "%23")
        );
        if let Ok(joined) = url.join(&relative) {
            forms.push(joined.path().trim_start_matches('/').to_owned());
        }
    }
    forms.push(url::form_urlencoded::byte_serialize(key.as_bytes()).collect());
    forms
}

/// Every URL inside a free text (an audit detail, a message) replaced by its redacted
/// form. A URL runs from its `scheme://` to the next space, quote or angle bracket.
pub fn redact_urls_in_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("://") {
        // The scheme: the letters, digits, `+`, `-`, `.` just before `://`.
        let head = &rest[..found];
        let start = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map_or(found, |(i, _)| i);
        let end = rest[found..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .map_or(rest.len(), |i| found + i);
        if start == found {
            // `://` with no scheme: not a URL, but what follows may still be a key.
            out.push_str(&rest[..found]);
            out.push_str(MASK);
        } else {
            out.push_str(&rest[..start]);
            out.push_str(&redact_url(&rest[start..end]));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

impl Destination {
    /// The ingest URL with its stream key and other secrets masked; see [`redact_url`].
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

// Hand-written so that `{:?}` of a show, in a log or a panic, never shows a stream key.
impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Destination")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .field("url", &self.redacted_url())
            .field("key", &self.key)
            .field("enabled", &self.enabled)
            .field("delay_seconds", &self.delay_seconds)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Platform, SecretRef};

    #[track_caller]
    fn check(input: &str, expected: &str, secrets: &[&str]) {
        let out = redact_url(input);
        assert_eq!(out, expected, "redacting {input:?}");
        for secret in secrets {
            assert!(!out.contains(secret), "{secret:?} left in {out:?}");
        }
    }

    #[test]
    fn rtmp_keys_in_the_path() {
        check(
            "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop",
            "rtmp://a.rtmp.youtube.com/live2/****",
            &["abcd"],
        );
        check(
            "rtmp://live.twitch.tv/app/live_123456_AbCdEf",
            "rtmp://live.twitch.tv/app/****",
            &["live_123456", "AbCdEf"],
        );
        check(
            "rtmps://live-api-s.facebook.com:443/rtmp/FB-1234-0-AbC",
            "rtmps://live-api-s.facebook.com:443/rtmp/****",
            &["FB-1234"],
        );
        check(
            "rtmp://127.0.0.1:1935/live/test",
            "rtmp://127.0.0.1:1935/live/****",
            &["test"],
        );
        check(
            "rtmp://host/app/instance/key",
            "rtmp://host/app/instance/****",
            &["/key"],
        );
        check("rtmp://host/app/key/", "rtmp://host/app/****/", &["key"]);
        check(
            "RTMP://Live.Example.COM/App/Key",
            "rtmp://Live.Example.COM/App/****",
            &["Key"],
        );
    }

    #[test]
    fn rtmp_without_a_key_keeps_its_app() {
        check("rtmp://host/live", "rtmp://host/live", &[]);
        check("rtmp://host/live/", "rtmp://host/live/", &[]);
        check("rtmp://host", "rtmp://host", &[]);
        check("rtmp://host/", "rtmp://host/", &[]);
        check(
            "rtmp://[::1]:1935/live/k",
            "rtmp://[::1]:1935/live/****",
            &["/k"],
        );
    }

    #[test]
    fn query_strings_are_masked_whole() {
        check(
            "rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1_2&key=xyz123&schedule=rtmp",
            "rtmp://live-push.bilivideo.com/live-bvc/?****",
            &["live_1_2", "xyz123", "streamname", "schedule"],
        );
        check(
            "rtmp://push.example.com/stage/stream-123?expire=1700000000&sign=abcdef",
            "rtmp://push.example.com/stage/****?****",
            &["stream-123", "abcdef", "1700000000"],
        );
        check(
            "rtmp://push-rtmp-l1.douyincdn.com/third/stream-6900?expire=1&sign=0a1b2c",
            "rtmp://push-rtmp-l1.douyincdn.com/third/****?****",
            &["stream-6900", "0a1b2c"],
        );
        check("rtmp://host/app/key?", "rtmp://host/app/****", &["key"]);
        check(
            "rtmp://host/app/key#frag",
            "rtmp://host/app/****#****",
            &["key", "frag"],
        );
    }

    #[test]
    fn passwords_in_user_info() {
        check(
            "rtmp://user:hunter2@host/app/key",
            "rtmp://****:****@host/app/****",
            &["hunter2", "key", "user"],
        );
        check("rtmp://user@host/app", "rtmp://****@host/app", &["user"]);
        check(
            "srt://streamer42@host:9000",
            "srt://****@host:9000",
            &["streamer42"],
        );
        check("srt://:pw@host:9000", "srt://:****@host:9000", &["pw"]);
    }

    #[test]
    fn srt_stream_ids_and_passphrases() {
        check(
            "srt://ingest.example.com:9000?streamid=publish/live/abc&passphrase=secretpass1&latency=200",
            "srt://ingest.example.com:9000?streamid=****&passphrase=****&latency=200",
            &["abc", "secretpass1"],
        );
        check(
            "srt://host:9000?mode=caller&StreamID=x1y2z3",
            "srt://host:9000?mode=caller&StreamID=****",
            &["x1y2z3"],
        );
        check("srt://host:9000", "srt://host:9000", &[]);
        check(
            "srt://host:9000?latency=120",
            "srt://host:9000?latency=120",
            &[],
        );
        check(
            "srt://host:9000?streamid=#!::r=live/key123,m=publish",
            "srt://host:9000?streamid=#****",
            &["key123"],
        );
        check(
            "srt://host:9000?streamid=%23%21%3A%3Ar%3Dlive%2Fkey123",
            "srt://host:9000?streamid=****",
            &["key123"],
        );
        check(
            "srt://host:9000/secretpath",
            "srt://host:9000/****",
            &["secretpath"],
        );
    }

    #[test]
    fn srt_parameter_names_in_percent_encoding() {
        check(
            "srt://host:9000?%73treamid=publish/live/abc123&latency=200",
            "srt://host:9000?%73treamid=****&latency=200",
            &["abc123"],
        );
        check(
            "srt://host:9000?%70%61%73%73%70%68%72%61%73%65=hunter2hunter2",
            "srt://host:9000?%70%61%73%73%70%68%72%61%73%65=****",
            &["hunter2"],
        );
        check(
            "srt://host:9000?PASS%50HRASE=hunter2hunter2&mode=caller",
            "srt://host:9000?PASS%50HRASE=****&mode=caller",
            &["hunter2"],
        );
    }

    #[test]
    fn a_single_segment_url_with_a_keyring_key() {
        // `rtmp://host` + key: the URL alone looks like an app, the key says otherwise.
        let out = redact_url_with_key("rtmp://host/live_98765_abc", Some("live_98765_abc"));
        assert_eq!(out, "rtmp://host/****");
        let out = redact_url_with_key("rtmp://host:1935/app/k3y-secret", Some("k3y-secret"));
        assert_eq!(out, "rtmp://host:1935/app/****");
        assert_eq!(
            redact_url_with_key("rtmp://host/live", None),
            "rtmp://host/live"
        );
    }

    #[test]
    fn keys_that_url_encoding_changes() {
        for key in ["käse schlüssel", "a b+c", "密钥123", "key%41", "x\"y"] {
            let url = format!("rtmp://host/{key}");
            let out = redact_url_with_key(&url, Some(key));
            assert_eq!(out, "rtmp://host/****", "{key:?} in {url:?}");
            let url = format!("rtmp://host/app/{key}");
            let out = redact_url_with_key(&url, Some(key));
            assert_eq!(out, "rtmp://host/app/****", "{key:?} in {url:?}");
            let text = format!("publish failed for stream {key}");
            assert!(!mask_key(&text, key).contains(key), "{key:?}");
        }
    }

    #[test]
    fn urls_inside_free_text() {
        let text =
            r#"{"id":"x","url":"rtmp://127.0.0.1:1935/live/SECRETKEY123","platform":"custom"}"#;
        let out = redact_urls_in_text(text);
        assert!(!out.contains("SECRETKEY123"), "{out}");
        assert!(out.contains("rtmp://127.0.0.1:1935/live/****"), "{out}");
        let out = redact_urls_in_text(
            "to srt://h:9000?streamid=abc&passphrase=xyzxyz then rtmp://u:pw@h/a/k9 ok",
        );
        assert_eq!(
            out,
            "to srt://h:9000?streamid=****&passphrase=**** then rtmp://****:****@h/a/**** ok"
        );
        assert_eq!(redact_urls_in_text("no urls here"), "no urls here");
        assert_eq!(redact_urls_in_text("odd ://thing"), "odd ****");
    }

    #[test]
    fn other_schemes_keep_only_the_host() {
        check(
            "http://example.com/live/key?token=1",
            "http://example.com/****?****",
            &["key", "token"],
        );
        check("https://example.com", "https://example.com/", &[]);
    }

    #[test]
    fn unparseable_input_is_never_echoed() {
        for bad in [
            "",
            "live_123456_secret",
            "/live/secret",
            "rtmp://exa mple.com/live/secret",
            "rtmp://host:99999/live/secret",
            "://secret",
        ] {
            check(bad, INVALID_URL, &["secret"]);
        }
        check("rtmp:secret", "rtmp:****", &["secret"]);
    }

    #[test]
    fn debug_of_a_destination_hides_the_key() {
        let destination = Destination {
            id: "yt".into(),
            platform: Platform::Youtube,
            url: "rtmp://a.rtmp.youtube.com/live2/abcd-efgh".into(),
            key: Some(SecretRef {
                secret: "youtube-main".into(),
            }),
            enabled: true,
            delay_seconds: 0,
        };
        let debug = format!("{destination:?}");
        assert!(!debug.contains("abcd"), "{debug}");
        assert!(debug.contains("live2/****"), "{debug}");
        assert_eq!(
            destination.redacted_url(),
            "rtmp://a.rtmp.youtube.com/live2/****"
        );
    }
}
