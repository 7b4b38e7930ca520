//! How the program goes from one scene to the next.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The longest transition, in milliseconds.
pub const MAX_TRANSITION_MS: u32 = 10_000;

/// A scene change: a cut, or a crossfade of the two scenes' pictures over `ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub kind: TransitionKind,
    /// The fade's length in milliseconds, 0..=10000 (a cut ignores it; a fade of 0 is a cut).
    #[serde(default)]
    pub ms: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    #[default]
    Cut,
    Fade,
}

impl Transition {
    pub const CUT: Transition = Transition { kind: TransitionKind::Cut, ms: 0 };

    pub fn fade(ms: u32) -> Transition {
        Transition { kind: TransitionKind::Fade, ms }
    }

    /// Whether the change is instant.
    pub fn is_cut(&self) -> bool {
        self.kind == TransitionKind::Cut || self.ms == 0
    }
}
