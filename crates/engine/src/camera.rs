//! Rehearsing a camera failure. The camera itself is one of the program's isolated sources
//! (`source/`): losing it never stops the show, its placeholder stands in for it in every
//! rect it is in, and it is rebuilt until it is back.

use std::time::Duration;

/// A camera that delivers no frame for this long is lost.
pub const CAMERA_SILENCE: Duration = crate::source::SILENCE;

/// A camera failure to rehearse (and to test with), injected at the camera's own source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraFault {
    /// The camera delivers nothing for this long, as a stalled USB camera.
    Freeze(Duration),
    /// The camera's source element fails, as an unplugged camera.
    Error,
}
