//! Conversions from the show and the engine's reports into the protocol's view types.
//! Everything leaving here is safe to show: URLs are redacted, keys are only "has a key".

use engine::{EngineEvent, Health, OutputState, OutputStats, ProgramStats};
use show::{Layer, Platform, Show};

use crate::protocol::{
    DestinationView, HealthView, LayerView, LookView, OutputPhase, OutputStatsView, PlatformId, ProductView, SceneView,
    StatsView,
};
use crate::said::{self, Said};

pub(crate) fn platform_id(platform: Platform) -> PlatformId {
    match platform {
        Platform::Douyin => PlatformId::Douyin,
        Platform::Bilibili => PlatformId::Bilibili,
        Platform::Kuaishou => PlatformId::Kuaishou,
        Platform::Taobao => PlatformId::Taobao,
        Platform::Youtube => PlatformId::Youtube,
        Platform::Twitch => PlatformId::Twitch,
        Platform::Tiktok => PlatformId::Tiktok,
        Platform::Facebook => PlatformId::Facebook,
        Platform::Custom => PlatformId::Custom,
    }
}

pub(crate) fn platform(id: PlatformId) -> Platform {
    match id {
        PlatformId::Douyin => Platform::Douyin,
        PlatformId::Bilibili => Platform::Bilibili,
        PlatformId::Kuaishou => Platform::Kuaishou,
        PlatformId::Taobao => Platform::Taobao,
        PlatformId::Youtube => Platform::Youtube,
        PlatformId::Twitch => Platform::Twitch,
        PlatformId::Tiktok => Platform::Tiktok,
        PlatformId::Facebook => Platform::Facebook,
        PlatformId::Custom => Platform::Custom,
    }
}

pub(crate) fn output_phase(state: &OutputState) -> OutputPhase {
    match state {
        OutputState::Connecting => OutputPhase::Connecting,
        OutputState::Live => OutputPhase::Live,
        OutputState::Reconnecting { attempt, next_in_s, reason } => {
            OutputPhase::Reconnecting { attempt: *attempt, next_in_s: *next_in_s, reason: reason.clone() }
        }
        OutputState::Failed { reason } => OutputPhase::Failed { reason: reason.clone() },
        OutputState::Stopped => OutputPhase::Stopped,
    }
}

pub(crate) fn health(health: &Health) -> HealthView {
    match health {
        Health::Good => HealthView::Good,
        Health::Warning { advice } => {
            let (key, args) = advice_key(advice);
            HealthView::Warning { advice: advice.clone(), key, args }
        }
        Health::Error { advice } => {
            let (key, args) = advice_key(advice);
            HealthView::Error { advice: advice.clone(), key, args }
        }
    }
}

fn output_stats(stats: &OutputStats) -> OutputStatsView {
    OutputStatsView {
        id: stats.id.clone(),
        label: stats.label.clone(),
        state: output_phase(&stats.state),
        fps: stats.fps,
        dropped_frames: stats.dropped_frames,
        dropped_percent: stats.dropped_percent,
        bitrate_kbps: stats.bitrate_kbps,
        bytes_sent: stats.bytes_sent,
        queued_ms: stats.queued_ms,
        health: health(&stats.health),
    }
}

pub(crate) fn stats(stats: &ProgramStats) -> StatsView {
    StatsView {
        uptime_s: stats.uptime_s,
        encoder_fps: stats.encoder_fps,
        program_fps: stats.program_fps,
        on_air: stats.on_air,
        render_lag_ms: stats.render_lag_ms,
        scene: stats.scene.clone(),
        camera_ok: stats.camera_ok,
        outputs: stats.outputs.iter().map(output_stats).collect(),
    }
}

pub(crate) fn scenes(show: &Show) -> Vec<SceneView> {
    show.scenes
        .iter()
        .map(|scene| SceneView {
            id: scene.id.clone(),
            name: if scene.name.is_empty() { scene.id.clone() } else { scene.name.clone() },
            layers: scene.layers.iter().map(layer).collect(),
        })
        .collect()
}

fn layer(layer: &Layer) -> LayerView {
    let (product, look) = match layer {
        Layer::ProductCard(card) => (Some(card.product.clone()), None),
        Layer::Look(l) => (None, Some(l.look.clone())),
        _ => (None, None),
    };
    LayerView {
        id: layer.id().to_owned(),
        kind: layer.kind().to_owned(),
        visible: layer.visible(),
        product,
        look,
        device: match layer {
            Layer::Camera(camera) => Some(camera.device.clone()),
            _ => None,
        },
        rect: layer.rect().map(|r| r.to_vec()),
        locked: layer.locked(),
        fields: layer_fields(layer),
    }
}

/// The layer as written in the show file, for editing forms; a feed's URL redacted (it may
/// carry a passphrase).
fn layer_fields(layer: &Layer) -> serde_json::Value {
    let mut fields = serde_json::to_value(layer).unwrap_or_default();
    let redacted = fields.get("url").and_then(|url| url.as_str()).map(show::redact_url);
    if let Some(url) = redacted {
        fields["url"] = serde_json::Value::String(url);
    }
    fields
}

pub(crate) fn looks(show: &Show) -> Vec<LookView> {
    show.available_looks()
        .into_iter()
        .map(|look| LookView { name: if look.name.is_empty() { look.id.clone() } else { look.name }, id: look.id })
        .collect()
}

pub(crate) fn products(show: &Show) -> Vec<ProductView> {
    show.products
        .iter()
        .map(|p| ProductView {
            id: p.id.clone(),
            name: p.name.clone(),
            price: p.price,
            original_price: p.original_price,
            currency: p.currency.clone(),
            url: p.url.clone(),
            image: p.image.clone(),
            sold_out: p.sold_out,
            sold: p.sold,
            stock: p.stock,
        })
        .collect()
}

/// A destination as a client sees it: URL redacted, the key only as "has one".
pub(crate) fn destination(d: &show::Destination, state: OutputPhase, health: HealthView) -> DestinationView {
    DestinationView {
        id: d.id.clone(),
        platform: platform_id(d.platform),
        url: show::redact_url(&d.url),
        has_key: d.key.is_some(),
        enabled: d.enabled,
        delay_seconds: d.delay_seconds,
        state,
        health,
    }
}

/// The look of the scene's look layer, if it has a visible one.
pub(crate) fn scene_look(show: &Show, scene: &str) -> Option<String> {
    show.scene(scene)?.layers.iter().find_map(|l| match l {
        Layer::Look(look) if look.visible => Some(look.look.clone()),
        _ => None,
    })
}

/// A short description of an engine event for notices.
pub(crate) fn camera_notice(event: &EngineEvent) -> Option<Said> {
    match event {
        EngineEvent::Camera { ok: false, reason } => {
            Some(said::CAMERA_LOST.say(&[("reason", &reason.as_deref().unwrap_or("no frames"))]))
        }
        EngineEvent::Camera { ok: true, .. } => Some(said::CAMERA_BACK.say(&[])),
        _ => None,
    }
}

/// The catalogue key of the engine's health advice, when it is one the catalogue knows.
fn advice_key(advice: &str) -> (Option<String>, Option<std::collections::BTreeMap<String, String>>) {
    match said::health_advice(advice) {
        Some(said) => (Some(said.key.to_owned()), Some(said.args)),
        None => (None, None),
    }
}

/// The run of show as clients see it, with the item on air now.
pub(crate) fn run_of_show(
    show: &Show,
    current: Option<usize>,
    cued_at: Option<&str>,
) -> Option<crate::protocol::RunOfShowView> {
    let run = show.run_of_show.as_ref()?;
    let items = run
        .items
        .iter()
        .map(|item| crate::protocol::RunItemView {
            product: item.product.clone(),
            name: show.product(&item.product).map(|p| p.name.clone()).unwrap_or_default(),
            target_seconds: item.target_seconds,
            talking_points: item.talking_points.clone(),
        })
        .collect();
    Some(crate::protocol::RunOfShowView {
        card: run.card.clone(),
        auto_advance: run.auto_advance,
        items,
        current: current.map(|i| i as u32),
        cued_at: cued_at.map(str::to_owned),
    })
}

/// The name of an output phase as the journal writes it.
pub(crate) fn phase_name(phase: &OutputPhase) -> &'static str {
    match phase {
        OutputPhase::Idle => "idle",
        OutputPhase::Connecting => "connecting",
        OutputPhase::Live => "live",
        OutputPhase::Reconnecting { .. } => "reconnecting",
        OutputPhase::Failed { .. } => "failed",
        OutputPhase::Stopped => "stopped",
    }
}

pub(crate) fn encoding(e: &show::Encoding) -> crate::protocol::EncodingView {
    crate::protocol::EncodingView {
        video_bitrate_kbps: e.video_bitrate_kbps,
        keyframe_interval_s: e.keyframe_interval_s,
        x264_preset: e.x264_preset.clone(),
        audio_bitrate_kbps: e.audio_bitrate_kbps,
    }
}
