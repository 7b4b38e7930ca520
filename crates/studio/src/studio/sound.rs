//! The sound in the studio: `set_audio`, checked against the show and applied live on the
//! program (the encoder and the connections carry on), and the meters' `audio_levels`
//! event, passed straight from the engine to the clients without the studio's lock (it
//! never becomes a state broadcast).

use std::sync::Arc;

use show::{AudioChange, AudioFilter};

use super::{blocking, Inner, Studio};
use crate::protocol::{CommandReply, ErrorKind, Event, StudioError};

impl Inner {
    /// `set_audio`: the change is checked on the show first; with a program open it goes on
    /// air at once, and the show keeps it (`save_show` writes it).
    pub(super) async fn set_audio(&mut self, id: String, change: AudioChange) -> Result<CommandReply, StudioError> {
        let mut show = self.show.clone();
        show.set_audio(&id, &change).map_err(|error| {
            let message = error.to_string();
            if message.contains("there is no sound source") {
                StudioError::new(ErrorKind::NotFound, message)
            } else {
                StudioError::bad_request(message)
            }
        })?;
        let mut note = None;
        if let Some(program) = &self.program {
            let engine = Arc::clone(&program.engine);
            note = blocking(move || engine.set_audio(&id, &change))
                .await?
                .map_err(|e| StudioError::new(ErrorKind::Engine, e.to_string()))?;
        }
        self.show = show;
        Ok(note.map_or_else(CommandReply::done, CommandReply::noted))
    }
}

impl Studio {
    /// The meters to every client that wants them.
    pub(super) fn announce_levels(&self, levels: &engine::AudioLevels) {
        let (sources, master) = crate::audio_protocol::levels(levels);
        self.announce(Event::AudioLevels { sources, master });
    }
}

/// A `filters` field of `set_audio`: the whole list, as in the show file.
pub(super) fn filters(value: Option<serde_json::Value>) -> Result<Option<Vec<AudioFilter>>, StudioError> {
    value
        .map(|value| {
            serde_json::from_value(value).map_err(|e| {
                StudioError::bad_request(format!(
                    "filters must be a list of filters as in the show file ({{\"kind\": \"noise_suppression\"}}, \
                     {{\"kind\": \"gate\", \"threshold_db\": -50}}, ...): {e}"
                ))
            })
        })
        .transpose()
}
