//! The pre-air check: before a change puts words on air (a text layer, a card's product
//! name, a countdown's label, a talking point the host will read out), the banned-word
//! filter of the audience path reads them. A match blocks the change and says why; the
//! operator can send it again inside `override`, which the audit log records.

use audience::moderation::{ModerationRules, Moderator};
use show::{Layer, Show};

use crate::protocol::{Command, ErrorKind, StudioError};
use crate::said;

/// Words that must not go on air.
pub struct PreAirCheck {
    moderator: Moderator,
}

/// One banned word found in something about to go on air.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The banned word.
    pub word: String,
    /// Where it is, in words: `text layer "promo"`.
    pub place: String,
}

impl PreAirCheck {
    pub fn new(banned_words: &[String]) -> PreAirCheck {
        let rules = ModerationRules { banned_words: banned_words.to_vec(), ..ModerationRules::default() };
        PreAirCheck { moderator: Moderator::new(&rules) }
    }

    /// The banned words `command` would put on air, given the show and the scene on air.
    pub fn findings(&self, show: &Show, scene: &str, command: &Command) -> Vec<Finding> {
        on_air_texts(show, scene, command)
            .into_iter()
            .flat_map(|(place, text)| {
                let matches = self.moderator.check_text(&text).err().unwrap_or_default();
                matches.into_iter().map(move |m| Finding { word: m.word, place: place.clone() })
            })
            .collect()
    }

    /// `Ok` when nothing banned would go on air; else the error that blocks the change.
    pub fn check(&self, show: &Show, scene: &str, command: &Command) -> Result<(), StudioError> {
        let findings = self.findings(show, scene, command);
        if findings.is_empty() {
            return Ok(());
        }
        let found: Vec<String> = findings
            .iter()
            .map(|f| said::BLOCKED_FOUND.say(&[("word", &f.word), ("place", &f.place)]).message)
            .collect();
        let template = if findings.len() == 1 { said::BLOCKED_ONE } else { said::BLOCKED_MANY };
        Err(StudioError::said(ErrorKind::Blocked, template.say(&[("found", &found.join(", "))])))
    }
}

/// What a command would put on air, each with where it is.
fn on_air_texts(show: &Show, scene: &str, command: &Command) -> Vec<(String, String)> {
    let scene_layers = |id: &str| show.scene(id).map(|s| s.layers.clone()).unwrap_or_default();
    match command {
        Command::GoLive => {
            scene_layers(scene).iter().filter(|l| l.visible()).flat_map(|l| layer_texts(show, l)).collect()
        }
        Command::SwitchScene { scene, .. } | Command::SetPreviewScene { scene } => {
            scene_layers(scene).iter().filter(|l| l.visible()).flat_map(|l| layer_texts(show, l)).collect()
        }
        Command::SetLayerVisible { layer, visible: true } => {
            scene_layers(scene).iter().filter(|l| l.id() == layer).flat_map(|l| layer_texts(show, l)).collect()
        }
        Command::AddLayer { layer } => match serde_json::from_value::<Layer>(layer.clone()) {
            Ok(layer) => layer_texts(show, &layer),
            // Not a layer: the command fails on its own with a better message.
            Err(_) => Vec::new(),
        },
        Command::SetCardProduct { product, .. } => product_texts(show, product),
        Command::CueProduct { product } => product_texts(show, product),
        // The studio resolves "next" before checking; see `Studio::apply_from`.
        _ => Vec::new(),
    }
}

fn layer_texts(show: &Show, layer: &Layer) -> Vec<(String, String)> {
    match layer {
        Layer::Text(text) => vec![(format!("text layer \"{}\"", text.id), text.text.clone())],
        Layer::ProductCard(card) => product_texts(show, &card.product),
        Layer::Countdown(countdown) => vec![
            (format!("countdown \"{}\"", countdown.id), countdown.label.clone()),
            (format!("countdown \"{}\"", countdown.id), countdown.ended_text.clone()),
        ],
        Layer::Camera(_) | Layer::Image(_) | Layer::Look(_) | Layer::Color(_) | Layer::Media(_) | Layer::Screen(_) => {
            Vec::new()
        }
    }
}

/// A product's name and tagline as its card shows them, and the talking points the host
/// reads while it is on air.
fn product_texts(show: &Show, product: &str) -> Vec<(String, String)> {
    let Some(p) = show.product(product) else { return Vec::new() };
    let mut texts = vec![(format!("the name of product \"{}\"", p.id), p.name.clone())];
    if let Some(tagline) = &p.tagline {
        texts.push((format!("the tagline of product \"{}\"", p.id), tagline.clone()));
    }
    let points = show.run_of_show.iter().flat_map(|run| run.items.iter()).filter(|item| item.product == product);
    for point in points.flat_map(|item| item.talking_points.iter()) {
        texts.push((format!("a talking point of product \"{}\"", p.id), point.clone()));
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show() -> Show {
        Show::parse(
            r#"{ "name": "t", "canvas": { "width": 640, "height": 360, "fps": 30 },
                 "products": [{ "id": "tea", "name": "龙井 Tea", "price": 88, "url": "https://shop.example/tea" }],
                 "run_of_show": { "card": "card", "items": [{ "product": "tea", "talking_points": ["全网最低价"] }] },
                 "scenes": [{ "id": "main", "layers": [
                    { "kind": "text", "id": "promo", "text": "Best price", "rect": [0, 0, 0.5, 0.1] },
                    { "kind": "product_card", "id": "card", "product": "tea", "rect": [0.6, 0.5, 0.3, 0.4], "visible": false }
                 ] }] }"#,
            std::path::Path::new("."),
        )
        .expect("valid show")
    }

    #[test]
    fn a_banned_word_in_a_new_text_layer_blocks_it_and_says_where() {
        let check = PreAirCheck::new(&["最低价".to_owned(), "scam".to_owned()]);
        let add = Command::AddLayer {
            layer: serde_json::json!({ "id": "oops", "kind": "text", "text": "No SCAM here", "rect": [0, 0, 0.5, 0.1] }),
        };
        let error = check.check(&show(), "main", &add).expect_err("blocked");
        assert_eq!(error.kind, ErrorKind::Blocked);
        assert!(error.message.contains("「scam」 in text layer \"oops\""), "{}", error.message);
        // The talking point is checked when its product is cued.
        let cue = Command::CueProduct { product: "tea".into() };
        let findings = check.findings(&show(), "main", &cue);
        assert_eq!(
            findings,
            vec![Finding { word: "最低价".into(), place: "a talking point of product \"tea\"".into() }]
        );
    }

    #[test]
    fn clean_changes_and_changes_that_show_nothing_pass() {
        let check = PreAirCheck::new(&["scam".to_owned()]);
        assert!(check.check(&show(), "main", &Command::SwitchScene { scene: "main".into(), transition: None }).is_ok());
        assert!(check
            .check(&show(), "main", &Command::SetLayerVisible { layer: "promo".into(), visible: false })
            .is_ok());
        assert!(PreAirCheck::new(&[]).check(&show(), "main", &Command::CueProduct { product: "tea".into() }).is_ok());
    }
}
