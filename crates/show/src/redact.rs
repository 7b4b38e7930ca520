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
/// - a password in the user info is masked, and so is any `#fragment`;
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
            out.push_str(url.username());
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
            let secret = SRT_SECRET_PARAMS
                .iter()
                .any(|s| key.eq_ignore_ascii_case(s));
            if secret && !value.is_empty() {
                format!("{key}={MASK}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
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
            "rtmp://user:****@host/app/****",
            &["hunter2", "key"],
        );
        check("rtmp://user@host/app", "rtmp://user@host/app", &[]);
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
