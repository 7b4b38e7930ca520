//! What the sound tests share (the left channel of the stream: the mix is the same on both): test files made with ffmpeg, the pulled stream's sound
//! decoded with ffmpeg, and the level of one frequency over time (a Goertzel filter on
//! Hann-windowed blocks: a band filter one bin wide), and the time of a marker frame.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

pub const RATE: f64 = 48_000.0;
/// The blocks the band levels are measured on: 50 ms.
pub const BLOCK: usize = 2400;

/// Writes a WAV file of `expr` (ffmpeg's aevalsrc, in `t`), `seconds` long, 48 kHz stereo.
pub fn wav(path: &Path, expr: &str, seconds: u32) {
    let expr = expr.replace(',', "\\,");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("aevalsrc={expr}|{expr}:s=48000:d={seconds}"))
        .args(["-c:a", "pcm_s16le"])
        .arg(path)
        .output()
        .expect("ffmpeg is missing: apt-get install ffmpeg");
    assert!(out.status.success(), "ffmpeg could not make {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
}

/// The sound of a file, mono, 48 kHz, timed from its first sample.
///
/// Sound and picture are both timed from their stream's first packet: nginx-rtmp starts a
/// late subscriber's video at its next keyframe, and ffmpeg then writes the video as
/// starting that much later than the sound, though its first frame was sent at the same
/// instant as the sound's (a recording of the same show has them in step; see the tests).
pub struct Sound {
    pub samples: Vec<f32>,
    pub start: f64,
}

pub fn decode(input: &Path) -> Sound {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(["-vn", "-af", "pan=mono|c0=FL", "-ar", "48000", "-f", "f32le", "-"])
        .output()
        .expect("ffmpeg is missing: apt-get install ffmpeg");
    assert!(out.status.success(), "ffmpeg could not decode {}", input.display());
    let samples = out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    Sound { samples, start: 0.0 }
}

/// The start time of a file's first stream of a type (`a` or `v`), in seconds.
pub fn stream_start(input: &Path, kind: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", kind, "-show_entries", "stream=start_time", "-of", "csv=p=0"])
        .arg(input)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().next().and_then(|l| l.trim().parse().ok()).unwrap_or(0.0)
}

impl Sound {
    /// The level of `frequency` in each 50 ms block, as the peak of that sine in dBFS,
    /// with each block's time (its middle, in the file's time).
    pub fn band(&self, frequency: f64) -> Vec<(f64, f64)> {
        self.band_with(frequency, BLOCK)
    }

    /// [`Sound::band`] on blocks of `block` samples.
    pub fn band_with(&self, frequency: f64, block: usize) -> Vec<(f64, f64)> {
        let window: Vec<f64> = (0..block)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / (block - 1) as f64).cos())
            .collect();
        let gain: f64 = window.iter().sum();
        let w = 2.0 * std::f64::consts::PI * frequency / RATE;
        self.samples
            .chunks_exact(block)
            .enumerate()
            .map(|(n, samples)| {
                let (mut re, mut im) = (0.0, 0.0);
                for (i, (&x, &h)) in samples.iter().zip(&window).enumerate() {
                    let v = f64::from(x) * h;
                    re += v * (w * i as f64).cos();
                    im -= v * (w * i as f64).sin();
                }
                let amplitude = 2.0 * (re * re + im * im).sqrt() / gain;
                let time = self.start + (n as f64 + 0.5) * block as f64 / RATE;
                (time, 20.0 * amplitude.max(1e-6).log10())
            })
            .collect()
    }
}

/// The median level of the blocks between `from` and `to` (file time).
pub fn level_between(band: &[(f64, f64)], from: f64, to: f64) -> f64 {
    let mut levels: Vec<f64> = band.iter().filter(|(t, _)| *t >= from && *t <= to).map(|(_, l)| *l).collect();
    assert!(!levels.is_empty(), "no sound between {from:.2} s and {to:.2} s");
    levels.sort_by(f64::total_cmp);
    levels[levels.len() / 2]
}

/// The level of the block around `at`.
pub fn level_at(band: &[(f64, f64)], at: f64) -> f64 {
    band.iter().min_by(|a, b| (a.0 - at).abs().total_cmp(&(b.0 - at).abs())).map(|(_, l)| *l).unwrap()
}

/// The first block after `from` whose level crosses `threshold` (upwards when `rising`).
pub fn crossing(band: &[(f64, f64)], from: f64, threshold: f64, rising: bool) -> Option<f64> {
    band.iter().find(|(t, l)| *t >= from && (*l > threshold) == rising).map(|(t, _)| *t)
}

/// The time (file time) of the first video frame after `from` that is (`bright`) or is not
/// the white marker (a mean brightness above 200).
pub fn marker(input: &Path, fps: f64, from: f64, bright: bool) -> Option<f64> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(["-an", "-vf", "scale=16:9", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    out.stdout.chunks_exact(16 * 9).enumerate().find_map(|(i, frame)| {
        let time = i as f64 / fps;
        let mean = frame.iter().map(|&p| f64::from(p)).sum::<f64>() / frame.len() as f64;
        (time >= from && (mean > 200.0) == bright).then_some(time)
    })
}
