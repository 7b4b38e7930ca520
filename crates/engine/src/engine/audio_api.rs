//! The sound of the open show, live: `set_audio` and rehearsing a microphone fault.

use super::Engine;
use crate::EngineError;

impl Engine {
    /// Changes sound source `id` live (any of volume, mute, sync offset, monitor, filters,
    /// device), checked by the show's rules, with no click (a short ramp) and without
    /// touching the encoder or the connections. Returns a note for the operator, if any.
    pub fn set_audio(&self, id: &str, change: &show::AudioChange) -> Result<Option<String>, EngineError> {
        let mut running = self.shared.running();
        let program = &mut running.program;
        let mut show = program.show.clone();
        show.set_audio(id, change).map_err(|e| EngineError::Unknown(e.to_string()))?;
        let note = program.audio.set(&show, id, change)?;
        program.show = show;
        Ok(note)
    }

    /// The sound sources as they are now, live changes included.
    pub fn audio_sources(&self) -> Vec<show::AudioInput> {
        self.shared.running().program.audio.inputs().to_vec()
    }

    /// Rehearses a failure of sound source `id` (as an unplugged microphone): it reads
    /// silence, the others keep their level, and it is opened again with a backoff.
    pub fn inject_audio_fault(&self, id: &str) -> Result<(), EngineError> {
        self.shared.running().program.audio.inject_fault(id)
    }
}
