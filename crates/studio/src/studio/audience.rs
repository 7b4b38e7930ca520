//! The audience path in the studio: its connectors, chat batches and totals, and blocked users.

use std::time::Duration;

use super::{blocking, Inner, Studio, CHAT_KEPT};
use crate::protocol::{AudienceSummary, ChatItem, CommandReply, ErrorKind, Event, StudioError};
use crate::said;

impl Studio {
    /// Hands the running audience path to the studio: the operator's `connect_audience`
    /// adds connectors to it, and their state is followed once a second.
    pub async fn attach_feed(&self, feed: crate::audience_feed::AudienceFeed) {
        self.inner.lock().await.feed = Some(feed);
        let studio = self.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let inner = studio.inner.lock().await;
                let Some(feed) = &inner.feed else { break };
                let now: Vec<(String, String, Option<String>)> =
                    feed.connectors().into_iter().map(|c| (c.label, c.status, c.error)).collect();
                if now != seen {
                    seen = now;
                    studio.announce(Event::State { state: Box::new(inner.snapshot()) });
                }
            }
        });
    }

    /// Names the audience sources for the state.
    pub async fn set_audience_sources(&self, sources: Vec<String>) {
        let mut inner = self.inner.lock().await;
        inner.audience.sources = sources;
    }

    /// New audience messages (and, at most once a second, new totals) from the feed.
    pub async fn audience_batch(&self, items: Vec<ChatItem>, summary: Option<AudienceSummary>) {
        let mut inner = self.inner.lock().await;
        let items: Vec<ChatItem> = items.into_iter().filter(|item| !inner.is_blocked(item)).collect();
        if !items.is_empty() {
            inner.chat.extend(items.iter().cloned());
            while inner.chat.len() > CHAT_KEPT {
                inner.chat.pop_front();
            }
            self.announce(Event::Chat { items });
        }
        if let Some(summary) = summary {
            inner.audience = summary.clone();
            self.announce(Event::Audience { summary });
        }
    }
}

impl Inner {
    pub(super) async fn connect_audience(
        &mut self,
        platform: String,
        room: String,
        key: Option<String>,
        endpoint: Option<String>,
    ) -> Result<CommandReply, StudioError> {
        let (platform, room) = (platform.trim().to_lowercase(), room.trim().to_owned());
        if self.feed.is_none() {
            return Err(no_feed());
        }
        if audience::endpoint::default_endpoint(&platform).is_none() {
            return Err(StudioError::said(
                ErrorKind::BadRequest,
                said::UNKNOWN_PLATFORM.say(&[("platform", &platform)]),
            ));
        }
        if room.is_empty() || room.chars().any(char::is_control) {
            return Err(StudioError::bad_request(format!(
                "{platform} needs {} (no line breaks or control characters)",
                crate::audience_feed::room_word(&platform)
            )));
        }
        let endpoint = endpoint.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        // A stored key only ever goes to the platform's own server: with another endpoint
        // the key must come in this command, and it is not kept.
        let own_server = endpoint.as_deref().is_none_or(|e| audience::endpoint::is_default_endpoint(&platform, e));
        let secret = audience_secret(&platform, &room);
        let vault = self.vault.clone();
        let key = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty());
        let key = blocking(move || match key {
            Some(key) if own_server => vault.set(&secret, &key).map(|()| Some(key)),
            Some(key) => Ok(Some(key)),
            None if own_server => Ok(vault.get(&secret).ok()),
            None => Ok(None),
        })
        .await?
        .map_err(|e| StudioError::new(ErrorKind::Vault, format!("the key could not be stored: {e}")))?;
        let spec = crate::audience_feed::ConnectorSpec { platform, room, key, endpoint };
        let label = spec.label();
        self.feed.as_mut().ok_or_else(no_feed)?.connect(spec).map_err(StudioError::bad_request)?;
        Ok(CommandReply::said(said::READING_CHAT.say(&[("label", &label)])))
    }

    /// Blocks `user` and takes their messages off the panel; returns the ids taken off.
    pub(super) fn block(&mut self, user: String) -> Vec<String> {
        let user = user.trim().to_owned();
        if user.is_empty() {
            return Vec::new();
        }
        self.blocked.insert(user);
        let chat = std::mem::take(&mut self.chat);
        let (hidden, kept): (Vec<ChatItem>, Vec<ChatItem>) = chat.into_iter().partition(|item| self.is_blocked(item));
        self.chat = kept.into();
        hidden.into_iter().map(|item| item.id).collect()
    }

    fn is_blocked(&self, item: &ChatItem) -> bool {
        let bare_id = item.user_key.split_once(':').map(|(_, id)| id).unwrap_or("");
        self.blocked.contains(&item.user_key)
            || (!item.user.is_empty() && self.blocked.contains(&item.user))
            || (!bare_id.is_empty() && self.blocked.contains(bare_id))
    }
}

/// The keyring name of a chat key: the platform (one of a fixed few, none with a `-`) and
/// the room exactly as given, trimmed. Nothing else is folded (no case, no `#`), so two rooms
/// never share a name and one room's key is never found under another's.
fn audience_secret(platform: &str, room: &str) -> String {
    format!("audience-{platform}-{}", room.trim())
}

pub(super) fn no_feed() -> StudioError {
    StudioError::said(ErrorKind::WrongPhase, said::NO_AUDIENCE_PATH.say(&[]))
}
