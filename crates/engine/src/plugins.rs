//! The GStreamer elements the engine needs, and which of them this system lacks.

/// Every element the program may use, with the Debian package that ships it.
pub const REQUIRED_ELEMENTS: &[(&str, &str)] = &[
    ("videotestsrc", "gstreamer1.0-plugins-base"),
    ("audiotestsrc", "gstreamer1.0-plugins-base"),
    ("videoconvert", "gstreamer1.0-plugins-base"),
    ("videoscale", "gstreamer1.0-plugins-base"),
    ("videorate", "gstreamer1.0-plugins-base"),
    ("audioconvert", "gstreamer1.0-plugins-base"),
    ("audioresample", "gstreamer1.0-plugins-base"),
    ("compositor", "gstreamer1.0-plugins-base"),
    ("tee", "libgstreamer1.0-0"),
    ("queue", "libgstreamer1.0-0"),
    ("x264enc", "gstreamer1.0-plugins-ugly"),
    ("h264parse", "gstreamer1.0-plugins-bad"),
    ("aacparse", "gstreamer1.0-plugins-good"),
    ("flvmux", "gstreamer1.0-plugins-good"),
    ("mp4mux", "gstreamer1.0-plugins-good"),
    ("rtmp2sink", "gstreamer1.0-plugins-bad"),
    ("mpegtsmux", "gstreamer1.0-plugins-bad"),
    ("srtsink", "gstreamer1.0-plugins-bad"),
    ("filesink", "libgstreamer1.0-0"),
];

/// Elements where any one of them will do.
const ANY_OF: &[(&[&str], &str)] = &[(&["avenc_aac", "voaacenc"], "gstreamer1.0-libav")];

/// The missing elements, each as `element (package)`.
pub fn missing_elements() -> Vec<String> {
    let mut missing: Vec<String> = REQUIRED_ELEMENTS
        .iter()
        .filter(|(name, _)| gst::ElementFactory::find(name).is_none())
        .map(|(name, package)| format!("{name} ({package})"))
        .collect();
    for (names, package) in ANY_OF {
        if names.iter().all(|name| gst::ElementFactory::find(name).is_none()) {
            missing.push(format!("{} ({package})", names.join(" or ")));
        }
    }
    missing
}
