//! Platform presets: the ingest conventions each platform asks for, merged into the one
//! encode that every destination shares.

use show::{Encoding, Platform};

/// What one platform asks of the stream it ingests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IngestRules {
    /// The longest keyframe interval the platform accepts, seconds.
    pub max_keyframe_interval_s: f64,
    /// The highest video bitrate the platform takes, kbps.
    pub max_video_kbps: u32,
    /// The highest audio bitrate the platform takes, kbps.
    pub max_audio_kbps: u32,
    /// Main profile instead of High.
    pub main_profile: bool,
}

impl IngestRules {
    /// The published (or widely reported) rules of a platform. All of them want CBR and a
    /// keyframe at least every 2 s; B-frames are always off (zero-latency tuning).
    pub fn for_platform(platform: Platform) -> IngestRules {
        let base = IngestRules {
            max_keyframe_interval_s: 2.0,
            max_video_kbps: 51_000,
            max_audio_kbps: 320,
            main_profile: false,
        };
        match platform {
            Platform::Twitch | Platform::Tiktok => IngestRules { max_video_kbps: 6000, ..base },
            Platform::Facebook => IngestRules { max_video_kbps: 6000, main_profile: true, ..base },
            Platform::Douyin => IngestRules { max_video_kbps: 6500, ..base },
            Platform::Bilibili | Platform::Kuaishou | Platform::Taobao => {
                IngestRules { max_video_kbps: 10_000, ..base }
            }
            Platform::Youtube => base,
            Platform::Custom => IngestRules { max_keyframe_interval_s: 10.0, ..base },
        }
    }
}

/// The encoder settings the program runs with, after every destination's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderSettings {
    pub video_kbps: u32,
    pub audio_kbps: u32,
    pub keyframe_interval_s: f64,
    pub x264_preset: String,
    pub profile: &'static str,
    /// Why a setting was lowered from what the show asked, in plain words.
    pub adjustments: Vec<String>,
}

impl EncoderSettings {
    /// Applies every destination's rules to the show's encoding: the strictest wins.
    pub fn for_destinations(encoding: &Encoding, platforms: &[Platform]) -> EncoderSettings {
        let mut settings = EncoderSettings {
            video_kbps: encoding.video_bitrate_kbps,
            audio_kbps: encoding.audio_bitrate_kbps,
            keyframe_interval_s: encoding.keyframe_interval_s,
            x264_preset: encoding.x264_preset.clone(),
            profile: "high",
            adjustments: Vec::new(),
        };
        for &platform in platforms {
            let rules = IngestRules::for_platform(platform);
            let name = platform_name(platform);
            if settings.video_kbps > rules.max_video_kbps {
                settings.adjustments.push(format!(
                    "video bitrate lowered from {} to {} kbps, the most {name} accepts",
                    settings.video_kbps, rules.max_video_kbps
                ));
                settings.video_kbps = rules.max_video_kbps;
            }
            if settings.audio_kbps > rules.max_audio_kbps {
                settings.adjustments.push(format!(
                    "audio bitrate lowered from {} to {} kbps, the most {name} accepts",
                    settings.audio_kbps, rules.max_audio_kbps
                ));
                settings.audio_kbps = rules.max_audio_kbps;
            }
            if settings.keyframe_interval_s > rules.max_keyframe_interval_s {
                settings.adjustments.push(format!(
                    "keyframe interval shortened from {} s to {} s, as {name} asks",
                    settings.keyframe_interval_s, rules.max_keyframe_interval_s
                ));
                settings.keyframe_interval_s = rules.max_keyframe_interval_s;
            }
            if rules.main_profile && settings.profile != "main" {
                settings.adjustments.push(format!("H.264 Main profile, as {name} asks"));
                settings.profile = "main";
            }
        }
        settings
    }

    /// Frames between keyframes at the given frame rate (at least 1).
    pub fn keyframe_distance(&self, fps: u32) -> u32 {
        ((self.keyframe_interval_s * f64::from(fps)).round() as u32).max(1)
    }
}

/// The platform's name as a streamer knows it.
pub fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Douyin => "Douyin",
        Platform::Bilibili => "Bilibili",
        Platform::Kuaishou => "Kuaishou",
        Platform::Taobao => "Taobao Live",
        Platform::Youtube => "YouTube",
        Platform::Twitch => "Twitch",
        Platform::Tiktok => "TikTok",
        Platform::Facebook => "Facebook",
        Platform::Custom => "the custom ingest",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictest_rules_win_and_say_why() {
        let encoding = Encoding { video_bitrate_kbps: 8000, keyframe_interval_s: 4.0, ..Encoding::default() };
        let settings = EncoderSettings::for_destinations(&encoding, &[Platform::Youtube, Platform::Twitch]);
        assert_eq!(settings.video_kbps, 6000);
        assert_eq!(settings.keyframe_interval_s, 2.0);
        assert_eq!(settings.profile, "high");
        assert!(settings.adjustments.iter().any(|a| a.contains("Twitch")), "{:?}", settings.adjustments);
        assert_eq!(settings.keyframe_distance(30), 60);
    }

    #[test]
    fn facebook_wants_main_profile() {
        let settings = EncoderSettings::for_destinations(&Encoding::default(), &[Platform::Facebook]);
        assert_eq!(settings.profile, "main");
    }

    #[test]
    fn no_destination_keeps_the_show_settings() {
        let encoding = Encoding { keyframe_interval_s: 4.0, ..Encoding::default() };
        let settings = EncoderSettings::for_destinations(&encoding, &[]);
        assert_eq!(settings.keyframe_interval_s, 4.0);
        assert!(settings.adjustments.is_empty());
    }
}
