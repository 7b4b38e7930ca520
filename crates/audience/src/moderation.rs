//! Moderation: banned words and blocked users, for chat and for on-air text.
//!
//! Words match case- and width-insensitively: text and words are NFKC-normalized (full-width
//! `ＢＡＤ` becomes `BAD`, `①` becomes `1`) and lowercased, and zero-width characters are
//! dropped, before matching. Chinese has no word boundaries, so a word matches anywhere as a
//! substring (Aho-Corasick: one pass over the text for any number of words). Matches map back
//! to the original characters, so masking keeps everything else as the viewer wrote it.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::event::{AudienceEvent, EventBody};

/// What happens to a chat message with a banned word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Replace the word's characters by `*` (`＊` for wide characters).
    #[default]
    Mask,
    /// Keep the message off screen entirely.
    Hide,
}

/// What the producer configured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ModerationRules {
    /// Words and phrases that must not reach the screen.
    #[serde(default)]
    pub banned_words: Vec<String>,
    /// Users whose messages never show: a user id, a name, or `platform:id`.
    #[serde(default)]
    pub blocked_users: Vec<String>,
    /// Mask or hide.
    #[serde(default)]
    pub action: Action,
}

/// A banned word found in a text, at bytes `start..end` of the original text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The banned word as configured.
    pub word: String,
    /// First byte in the original text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// What moderation did to one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Shown as is.
    Pass,
    /// Shown with this many words masked.
    Masked(usize),
    /// Not shown: a banned word (with [`Action::Hide`]).
    HiddenWord,
    /// Not shown: the user is blocked.
    HiddenUser,
}

impl Verdict {
    /// True when the event must stay off screen.
    pub fn hidden(&self) -> bool {
        matches!(self, Verdict::HiddenWord | Verdict::HiddenUser)
    }
}

/// Counts of what was filtered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModerationCounts {
    /// Texts looked at.
    pub checked: u64,
    /// Texts shown with words masked.
    pub masked: u64,
    /// Texts hidden for a banned word.
    pub hidden_words: u64,
    /// Events hidden because their user is blocked.
    pub hidden_users: u64,
}

/// The filter, built once from [`ModerationRules`].
#[derive(Debug)]
pub struct Moderator {
    matcher: Option<AhoCorasick>,
    words: Vec<String>,
    blocked: HashSet<String>,
    action: Action,
    counts: ModerationCounts,
}

/// Text prepared for matching: normalized, with each normalized byte's original byte range.
struct Folded {
    text: String,
    origin: Vec<(usize, usize)>,
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

fn fold(text: &str) -> Folded {
    let mut folded = Folded { text: String::with_capacity(text.len()), origin: Vec::with_capacity(text.len()) };
    for (start, c) in text.char_indices() {
        if is_invisible(c) {
            continue;
        }
        let end = start + c.len_utf8();
        for n in std::iter::once(c).nfkc().flat_map(char::to_lowercase) {
            folded.text.push(n);
            folded.origin.extend(std::iter::repeat_n((start, end), n.len_utf8()));
        }
    }
    folded
}

/// Normalizes a word or text the way matching sees it (NFKC, lowercase, no zero-width).
pub fn normalize(text: &str) -> String {
    fold(text).text
}

impl Moderator {
    /// Builds the filter. Empty words are ignored.
    pub fn new(rules: &ModerationRules) -> Moderator {
        let mut moderator = Moderator {
            matcher: None,
            words: Vec::new(),
            blocked: rules.blocked_users.iter().map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty()).collect(),
            action: rules.action,
            counts: ModerationCounts::default(),
        };
        moderator.set_banned_words(&rules.banned_words);
        moderator
    }

    /// Replaces the banned words (an operator's edit during the show); the counts go on.
    pub fn set_banned_words(&mut self, banned: &[String]) {
        self.words = banned.iter().filter(|w| !normalize(w).trim().is_empty()).cloned().collect();
        let patterns: Vec<String> = self.words.iter().map(|w| normalize(w)).collect();
        self.matcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).build(&patterns).ok()
        };
    }

    /// The banned words in `text`, or `Ok` when it may go on air. For `text` layers too.
    pub fn check_text(&self, text: &str) -> Result<(), Vec<Match>> {
        let Some(matcher) = &self.matcher else { return Ok(()) };
        let folded = fold(text);
        let matches: Vec<Match> = matcher
            .find_iter(&folded.text)
            .map(|m| Match {
                word: self.words[m.pattern().as_usize()].clone(),
                start: folded.origin[m.start()].0,
                end: folded.origin[m.end() - 1].1,
            })
            .collect();
        if matches.is_empty() {
            Ok(())
        } else {
            Err(matches)
        }
    }

    /// `text` with every banned word's characters masked.
    pub fn mask(&self, text: &str) -> String {
        match self.check_text(text) {
            Ok(()) => text.to_owned(),
            Err(matches) => mask_ranges(text, &matches),
        }
    }

    /// True when the event's user is blocked.
    pub fn is_blocked(&self, event: &AudienceEvent) -> bool {
        let Some(user) = &event.user else { return false };
        let id = user.id.to_lowercase();
        (!id.is_empty() && (self.blocked.contains(&id) || self.blocked.contains(&format!("{}:{id}", event.platform))))
            || self.blocked.contains(&user.name.to_lowercase())
    }

    /// Applies the rules to an event, masking its text in place when the action is to mask.
    pub fn moderate(&mut self, event: &mut AudienceEvent) -> Verdict {
        if self.is_blocked(event) {
            self.counts.hidden_users += 1;
            return Verdict::HiddenUser;
        }
        let text = match &mut event.body {
            EventBody::Chat { text, .. } | EventBody::SuperChat { text, .. } => text,
            EventBody::Gift { text: Some(text), .. } | EventBody::Subscription { text: Some(text), .. } => text,
            _ => return Verdict::Pass,
        };
        self.counts.checked += 1;
        match self.check_text(text) {
            Ok(()) => Verdict::Pass,
            Err(matches) => match self.action {
                Action::Hide => {
                    self.counts.hidden_words += 1;
                    Verdict::HiddenWord
                }
                Action::Mask => {
                    *text = mask_ranges(text, &matches);
                    // Emote ranges count characters, and masking keeps the character count.
                    self.counts.masked += 1;
                    Verdict::Masked(matches.len())
                }
            },
        }
    }

    /// What was filtered so far.
    pub fn counts(&self) -> &ModerationCounts {
        &self.counts
    }
}

fn mask_ranges(text: &str, matches: &[Match]) -> String {
    text.char_indices()
        .map(|(at, c)| {
            if matches.iter().any(|m| (m.start..m.end).contains(&at)) {
                if c.is_whitespace() {
                    c
                } else if u32::from(c) >= 0x2E80 {
                    '＊'
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}
