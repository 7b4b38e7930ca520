//! Turns a show's destinations and the command line's `--to` URLs into ingest targets, with
//! stream keys fetched from the vault.

use engine::{IngestTarget, SecretUrl};
use show::{Destination, Platform, Show};

use crate::vault::{Vault, VaultError};

/// The enabled destinations of `show`, then one per `--to` URL (ids `to-1`, `to-2`, ...).
/// Stream keys referenced by name are fetched from the vault and appended to the URL.
pub fn ingest_targets(show: &Show, extra: &[Destination], vault: &Vault) -> Result<Vec<IngestTarget>, VaultError> {
    show.destinations
        .iter()
        .chain(extra)
        .filter(|d| d.enabled)
        .map(|d| ingest_target(d, vault))
        .collect()
}

/// One destination as an ingest target, its stream key (if any) fetched from the vault.
pub fn ingest_target(d: &Destination, vault: &Vault) -> Result<IngestTarget, VaultError> {
    let url = match &d.key {
        Some(key) => {
            let key = vault.get(&key.secret)?;
            SecretUrl::with_key(format!("{}/{key}", d.url.trim_end_matches('/')), key)
        }
        None => SecretUrl::new(d.url.clone()),
    };
    Ok(IngestTarget { id: d.id.clone(), platform: d.platform, url, delay: std::time::Duration::from_secs(d.delay_seconds.into()) })
}

/// A stream key typed inside an ingest URL (`rtmp://host/app/KEY`), split off so it can go
/// into the keyring: the URL without it, and the key. `None` when the URL holds no key
/// in its path (only `rtmp`/`rtmps` with an app and a key after it; query strings and SRT
/// parameters cannot be put back together from a keyring key, and stay as they are).
pub fn split_key(url: &str) -> Option<(String, String)> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "rtmp" | "rtmps") || parsed.query().is_some() || parsed.fragment().is_some() {
        return None;
    }
    let segments: Vec<&str> = parsed.path_segments()?.filter(|s| !s.is_empty()).collect();
    if segments.len() < 2 {
        return None;
    }
    // Kept as written (percent-encoded where it was): appended back, it makes the same URL.
    let key = (*segments.last()?).to_owned();
    let mut base = parsed.clone();
    base.path_segments_mut().ok()?.clear().extend(&segments[..segments.len() - 1]);
    Some((base.to_string(), key))
}

/// A destination for a URL given on the command line, its platform guessed from the host.
pub fn destination_from_url(index: usize, url: &str) -> Destination {
    Destination {
        id: format!("to-{index}"),
        platform: guess_platform(url),
        url: url.to_owned(),
        key: None,
        enabled: true,
        delay_seconds: 0,
    }
}

/// The platform an ingest URL belongs to, from its host name.
pub fn guess_platform(url: &str) -> Platform {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_lowercase)).unwrap_or_default();
    let known: &[(&str, Platform)] = &[
        ("bilivideo.com", Platform::Bilibili),
        ("douyin", Platform::Douyin),
        ("yximgs.com", Platform::Kuaishou),
        ("kuaishou", Platform::Kuaishou),
        ("taobao", Platform::Taobao),
        ("youtube.com", Platform::Youtube),
        ("twitch.tv", Platform::Twitch),
        ("tiktok", Platform::Tiktok),
        ("facebook.com", Platform::Facebook),
    ];
    known.iter().find(|(needle, _)| host.contains(needle)).map(|(_, p)| *p).unwrap_or(Platform::Custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_typed_inside_urls_are_split_off() {
        assert_eq!(
            split_key("rtmp://127.0.0.1:1935/live/SECRETKEY123"),
            Some(("rtmp://127.0.0.1:1935/live".to_owned(), "SECRETKEY123".to_owned()))
        );
        assert_eq!(
            split_key("rtmps://host/app/inst/k%20y/"),
            Some(("rtmps://host/app/inst".to_owned(), "k%20y".to_owned()))
        );
        assert_eq!(split_key("rtmp://host/live"), None);
        assert_eq!(split_key("rtmp://host/live/?streamname=a&key=b"), None);
        assert_eq!(split_key("srt://host:9000?streamid=abc"), None);
        assert_eq!(split_key("not a url"), None);
    }

    #[test]
    fn guesses_platforms_from_hosts() {
        assert_eq!(guess_platform("rtmp://live-push.bilivideo.com/live-bvc/abc"), Platform::Bilibili);
        assert_eq!(guess_platform("rtmp://live.twitch.tv/app/key"), Platform::Twitch);
        assert_eq!(guess_platform("rtmp://127.0.0.1:1935/live/key"), Platform::Custom);
        assert_eq!(guess_platform("not a url"), Platform::Custom);
    }
}
