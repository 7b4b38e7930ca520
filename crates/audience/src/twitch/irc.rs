//! IRCv3 message lines: tags, source, verb and parameters.
//!
//! Follows the ircdocs message-split rules (every case of the shared `msg-split.yaml` passes):
//! several spaces separate atoms, a trailing parameter starts with `:`, tag values are
//! unescaped one character at a time, and a later duplicate tag wins.

use std::collections::HashMap;

/// One IRC line, split into its atoms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IrcMessage {
    /// Tags; a tag without a value maps to "".
    pub tags: HashMap<String, String>,
    /// The source without its leading colon.
    pub source: Option<String>,
    /// The command or numeric.
    pub verb: String,
    /// Parameters, the trailing one last.
    pub params: Vec<String>,
}

/// Why a line is not an IRC message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IrcError {
    /// Nothing but spaces, or tags/source with no command after them.
    #[error("IRC line has no command")]
    NoCommand,
}

impl IrcMessage {
    /// Splits one line (without its CR LF).
    pub fn parse(line: &str) -> Result<IrcMessage, IrcError> {
        let mut rest = line.trim_end_matches(['\r', '\n']).trim_start_matches(' ');
        let mut message = IrcMessage::default();

        if let Some(after) = rest.strip_prefix('@') {
            let (tags, tail) = after.split_once(' ').ok_or(IrcError::NoCommand)?;
            for tag in tags.split(';').filter(|t| !t.is_empty()) {
                let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
                message.tags.insert(key.to_owned(), unescape_tag(value));
            }
            rest = tail.trim_start_matches(' ');
        }

        if let Some(after) = rest.strip_prefix(':') {
            let (source, tail) = after.split_once(' ').ok_or(IrcError::NoCommand)?;
            message.source = Some(source.to_owned());
            rest = tail.trim_start_matches(' ');
        }

        let (verb, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if verb.is_empty() {
            return Err(IrcError::NoCommand);
        }
        message.verb = verb.to_owned();

        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            if let Some(trailing) = rest.strip_prefix(':') {
                message.params.push(trailing.to_owned());
                break;
            }
            let (param, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            message.params.push(param.to_owned());
            rest = tail;
        }
        Ok(message)
    }

    /// A tag's value, if present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }

    /// A non-empty tag value.
    pub fn tag_nonempty(&self, key: &str) -> Option<&str> {
        self.tag(key).filter(|v| !v.is_empty())
    }
}

/// Undoes IRCv3 tag escaping: `\:` is `;`, `\s` a space, `\\` a backslash, `\r` and `\n`
/// themselves; a backslash before anything else is dropped, as is a lone trailing one.
pub fn unescape_tag(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn twitch_privmsg_with_tags() {
        let line = "@badge-info=;badges=moderator/1;color=;display-name=Kai\\sBo;emotes=25:0-4;id=abc-1;user-id=42 :kaibo!kaibo@kaibo.tmi.twitch.tv PRIVMSG #shop :Kappa hello";
        let m = IrcMessage::parse(line).unwrap();
        assert_eq!(m.verb, "PRIVMSG");
        assert_eq!(m.tag("display-name"), Some("Kai Bo"));
        assert_eq!(m.params, vec!["#shop", "Kappa hello"]);
    }

    #[test]
    fn rejects_lines_without_a_command() {
        for line in ["", "   ", "@a=b", ":src", "@a=b :src", "@a=b :src "] {
            assert!(IrcMessage::parse(line).is_err(), "{line:?}");
        }
    }
}
