//! The studio's control path without a network: commands change the state, every change is
//! announced, errors say what is wrong, and a stream key given once never comes back out.

use std::path::Path;

use studio::protocol::{Command, ErrorKind, Event, LivePhase, PlatformId};
use studio::{Studio, StudioConfig};

fn demo() -> show::Show {
    show::Show::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/shows/demo.json")).expect("demo show")
}

#[tokio::test]
async fn commands_change_the_state_and_are_announced() {
    let studio = Studio::new(demo(), StudioConfig::default());
    let mut events = studio.subscribe();
    studio.apply(Command::SwitchScene { scene: "product".into(), transition: None }).await.expect("switch");
    let Ok(Event::State { state }) = events.recv().await else { panic!("a state event follows a command") };
    assert_eq!(state.scene, "product");
    assert_eq!(state.look.as_deref(), Some("spotlight"), "the scene's own look");

    studio.apply(Command::SetLook { look: "cool-runway".into() }).await.expect("look");
    studio.apply(Command::SetLayerVisible { layer: "flash-sale".into(), visible: true }).await.expect("layer");
    studio
        .apply(Command::SetCardProduct { layer: "card".into(), product: "lipstick-rouge".into() })
        .await
        .expect("card");
    studio.apply(Command::SetProductSoldOut { product: "matcha-set".into(), sold_out: true }).await.expect("sold out");
    let state = studio.state().await;
    assert_eq!(state.look.as_deref(), Some("cool-runway"));
    let product_scene = state.scenes.iter().find(|s| s.id == "product").expect("scene");
    assert!(product_scene.layers.iter().any(|l| l.id == "flash-sale" && l.visible));
    assert!(product_scene.layers.iter().any(|l| l.id == "card" && l.product.as_deref() == Some("lipstick-rouge")));
    assert!(state.products.iter().any(|p| p.id == "matcha-set" && p.sold_out));
    assert_eq!(state.phase, LivePhase::Idle);
}

#[tokio::test]
async fn mistakes_are_told_in_words() {
    let studio = Studio::new(demo(), StudioConfig::default());
    let error =
        studio.apply(Command::SwitchScene { scene: "nope".into(), transition: None }).await.expect_err("no such scene");
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(error.message, "there is no scene \"nope\" in this show");
    let error = studio.apply(Command::SetCardProduct { layer: "headline".into(), product: "matcha-set".into() }).await;
    assert!(error.expect_err("not a card").message.contains("not a product card"));
    let error = studio.apply(Command::StopDestination { id: "x".into() }).await.expect_err("not live");
    assert_eq!(error.kind, ErrorKind::WrongPhase);
    let error = studio.apply(Command::GoLive).await.expect_err("nowhere to go");
    assert!(error.message.contains("nowhere to send"), "{}", error.message);
    let error = studio.apply(Command::EndShow).await.expect_err("not live");
    assert_eq!(error.kind, ErrorKind::WrongPhase);
}

#[tokio::test]
async fn a_stream_key_is_never_shown_again() {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("saved-show.json");
    let studio = Studio::new(demo(), StudioConfig { show_file: Some(file.clone()), ..StudioConfig::default() });
    let mut events = studio.subscribe();
    let key = "live_123456_SECRETKEYVALUE";
    studio
        .apply(Command::AddDestination {
            id: "bili".into(),
            platform: PlatformId::Bilibili,
            url: "rtmp://live-push.bilivideo.com/live-bvc/".into(),
            key: Some(key.into()),
        })
        .await
        .expect("add destination");
    let state = studio.state().await;
    let destination = state.destinations.iter().find(|d| d.id == "bili").expect("added");
    assert!(destination.has_key);
    let json = serde_json::to_string(&state).expect("state serializes");
    assert!(!json.contains(key), "the state never carries the key");
    while let Ok(event) = events.try_recv() {
        assert!(!serde_json::to_string(&event).expect("event serializes").contains(key), "no event carries the key");
    }
    let error = studio
        .apply(Command::AddDestination {
            id: "bili".into(),
            platform: PlatformId::Custom,
            url: "rtmp://x/y".into(),
            key: None,
        })
        .await
        .expect_err("duplicate");
    assert!(error.message.contains("already a destination"));
    let error = studio
        .apply(Command::AddDestination {
            id: "web".into(),
            platform: PlatformId::Custom,
            url: "http://x/y".into(),
            key: None,
        })
        .await
        .expect_err("not an ingest URL");
    assert!(error.message.contains("the new destination"), "{}", error.message);
    // Saved, the show refers to the key by name and never holds it.
    let reply = studio.apply(Command::SaveShow).await.expect("saved");
    assert!(reply.note.expect("where").contains("saved-show.json"));
    let saved = std::fs::read_to_string(&file).expect("the show file");
    assert!(!saved.contains(key), "the saved show holds the key");
    assert!(saved.contains("\"secret\": \"destination-bili\""), "the saved show names the key:\n{saved}");
    let reread = show::Show::load(&file).expect("the saved show reads back");
    assert_eq!(reread.destinations.len(), 1);

    studio.apply(Command::RemoveDestination { id: "bili".into() }).await.expect("remove");
    assert!(studio.state().await.destinations.is_empty());
}

#[tokio::test]
async fn blocked_viewers_leave_the_panel() {
    let studio = Studio::new(demo(), StudioConfig::default());
    let item = |id: &str, user: &str| studio::protocol::ChatItem {
        id: id.into(),
        platform: "simulator".into(),
        at: "2026-11-11T00:00:00Z".into(),
        kind: "chat".into(),
        user: user.into(),
        user_key: format!("simulator:{user}"),
        text: "<script>alert(1)</script>".into(),
        amount: None,
        masked: false,
    };
    studio.audience_batch(vec![item("1", "troll"), item("2", "fan")], None).await;
    let mut events = studio.subscribe();
    studio.apply(Command::BlockUser { user: "troll".into() }).await.expect("block");
    let Ok(Event::ChatHidden { ids }) = events.recv().await else { panic!("hidden ids are announced") };
    assert_eq!(ids, vec!["1".to_owned()]);
    studio.audience_batch(vec![item("3", "troll")], None).await;
    let chat = studio.state().await.chat;
    assert_eq!(chat.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["2"]);
    studio.apply(Command::HideMessage { id: "2".into() }).await.expect("hide");
    assert!(studio.state().await.chat.is_empty());
}

fn main_layers(state: &studio::protocol::StudioState) -> Vec<studio::protocol::LayerView> {
    state.scenes.iter().find(|s| s.id == "main").expect("main scene").layers.clone()
}

#[tokio::test]
async fn layers_move_and_resize_within_the_canvas() {
    let studio = Studio::new(demo(), StudioConfig::default());
    let mut events = studio.subscribe();
    studio
        .apply(Command::SetLayerRect { layer: "headline".into(), rect: [0.1, 0.2, 0.5, 0.1] })
        .await
        .expect("move the headline");
    let Ok(Event::State { state }) = events.recv().await else { panic!("a state event follows a command") };
    let headline = main_layers(&state).into_iter().find(|l| l.id == "headline").expect("headline");
    assert_eq!(headline.rect, Some(vec![0.1, 0.2, 0.5, 0.1]));

    let error = studio
        .apply(Command::SetLayerRect { layer: "headline".into(), rect: [0.8, 0.2, 0.5, 0.1] })
        .await
        .expect_err("off the canvas");
    assert_eq!(error.kind, ErrorKind::BadRequest);
    assert!(error.message.starts_with("scenes[0].layers[3].rect:"), "{}", error.message);
    let error = studio
        .apply(Command::SetLayerRect { layer: "headline".into(), rect: [0.1, 0.2, 0.0, 0.1] })
        .await
        .expect_err("no width");
    assert!(error.message.contains("width must be > 0"), "{}", error.message);
    let error = studio
        .apply(Command::SetLayerRect { layer: "lighting".into(), rect: [0.1, 0.2, 0.5, 0.1] })
        .await
        .expect_err("a look has no rect");
    assert!(error.message.contains("is a look"), "{}", error.message);
    let error = studio
        .apply(Command::SetLayerRect { layer: "nope".into(), rect: [0.1, 0.2, 0.5, 0.1] })
        .await
        .expect_err("no such layer");
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(error.message.contains("\"nope\""), "{}", error.message);
    let headline = main_layers(&studio.state().await).into_iter().find(|l| l.id == "headline").expect("headline");
    assert_eq!(headline.rect, Some(vec![0.1, 0.2, 0.5, 0.1]), "refused changes change nothing");
}

#[tokio::test]
async fn layers_are_reordered_removed_and_added() {
    let studio = Studio::new(demo(), StudioConfig::default());
    let ids = |layers: Vec<studio::protocol::LayerView>| layers.into_iter().map(|l| l.id).collect::<Vec<_>>();
    studio.apply(Command::MoveLayer { layer: "card".into(), to_index: 2 }).await.expect("move down");
    assert_eq!(ids(main_layers(&studio.state().await)), ["camera", "lighting", "card", "logo", "headline"]);
    studio.apply(Command::MoveLayer { layer: "camera".into(), to_index: 99 }).await.expect("to the top");
    assert_eq!(ids(main_layers(&studio.state().await)), ["lighting", "card", "logo", "headline", "camera"]);
    let error =
        studio.apply(Command::MoveLayer { layer: "nope".into(), to_index: 0 }).await.expect_err("no such layer");
    assert_eq!(error.kind, ErrorKind::NotFound);

    studio.apply(Command::RemoveLayer { layer: "logo".into() }).await.expect("remove");
    assert_eq!(ids(main_layers(&studio.state().await)), ["lighting", "card", "headline", "camera"]);
    let error = studio.apply(Command::RemoveLayer { layer: "logo".into() }).await.expect_err("already gone");
    assert_eq!(error.kind, ErrorKind::NotFound);

    let text =
        serde_json::json!({"id": "promo", "kind": "text", "text": "限时 50% off 🎉", "rect": [0.1, 0.1, 0.4, 0.1]});
    studio.apply(Command::AddLayer { layer: text.clone() }).await.expect("add a text layer");
    let added = main_layers(&studio.state().await).pop().expect("on top");
    assert_eq!((added.id.as_str(), added.kind.as_str()), ("promo", "text"));

    let error = studio.apply(Command::AddLayer { layer: text }).await.expect_err("duplicate id");
    assert!(error.message.contains("duplicate"), "{}", error.message);
    let off = serde_json::json!({"id": "off", "kind": "text", "text": "x", "rect": [0.9, 0.1, 0.4, 0.1]});
    let error = studio.apply(Command::AddLayer { layer: off }).await.expect_err("off the canvas");
    assert!(error.message.contains(".rect:"), "{}", error.message);
    let card =
        serde_json::json!({"id": "card2", "kind": "product_card", "product": "ghost", "rect": [0.1, 0.1, 0.3, 0.3]});
    let error = studio.apply(Command::AddLayer { layer: card }).await.expect_err("unknown product");
    assert!(error.message.contains("ghost"), "{}", error.message);
    let image = serde_json::json!({"id": "pic", "kind": "image", "path": "missing.png", "rect": [0.1, 0.1, 0.3, 0.3]});
    let error = studio.apply(Command::AddLayer { layer: image }).await.expect_err("no such file");
    assert!(error.message.contains("missing.png") || error.message.contains("does not exist"), "{}", error.message);
    let error = studio.apply(Command::AddLayer { layer: serde_json::json!({"id": "x", "kind": "hologram"}) }).await;
    assert_eq!(error.expect_err("unknown kind").kind, ErrorKind::BadRequest);
    assert_eq!(main_layers(&studio.state().await).len(), 5, "refused layers are not added");
}
