#![allow(clippy::unwrap_used)]
//! The studio's own program, in process: it opens with the show and encodes nothing until
//! REC (or Go Live) asks, and the encoder goes with the recording; the preview has pictures
//! before Go Live. A program that fails is told and opened again with a backoff, and the
//! studio carries on. And a look picked live that a scene switch replaces is never replaced
//! without a word (issue 11, item 7).

use std::time::Duration;

use studio::protocol::{Command, Event, ProgramPhase};
use studio::{Studio, StudioConfig};

const ENCODERS: [&str; 3] = ["x264enc", "avenc_aac", "voaacenc"];

fn show(dir: &std::path::Path) -> show::Show {
    let json = serde_json::json!({
        "name": "in studio",
        "canvas": { "width": 320, "height": 180, "fps": 25 },
        "audio": { "source": "tone" },
        "scenes": [
            { "id": "main", "name": "Main", "layers": [{ "id": "cam", "kind": "camera", "device": "test" }] },
            { "id": "product", "name": "Product", "layers": [
                { "id": "cam", "kind": "camera", "device": "test" },
                { "id": "light", "kind": "look", "look": "spotlight" }
            ]}
        ]
    });
    show::Show::parse(&json.to_string(), dir).unwrap()
}

async fn encoders(studio: &Studio) -> Vec<String> {
    studio.program_elements().await.into_iter().filter(|f| ENCODERS.contains(&f.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_program_opens_with_the_studio_and_only_rec_brings_an_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let config = StudioConfig { recording_dir: Some(dir.path().join("rec")), ..StudioConfig::default() };
    let studio = Studio::new(show(dir.path()), config);
    assert!(studio.program_elements().await.is_empty(), "no program before it is opened");
    studio.open_program().await.unwrap();
    let state = studio.state().await;
    assert!(state.preview, "the program runs");

    let mut preview = studio.preview();
    tokio::time::timeout(Duration::from_secs(20), preview.wait_for(|frame| frame.is_some()))
        .await
        .expect("a preview picture before Go Live")
        .unwrap();
    let elements = studio.program_elements().await;
    assert!(elements.iter().any(|f| f == "compositor"), "the program composites: {elements:?}");
    assert_eq!(encoders(&studio).await, Vec::<String>::new(), "nothing encodes before Go Live or REC");

    studio.apply(Command::StartRecording).await.unwrap();
    assert!(encoders(&studio).await.iter().any(|f| f == "x264enc"), "REC attaches an encoder");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reply = studio.apply(Command::StopRecording).await.unwrap();
    assert!(reply.note.unwrap().contains("recording saved"));
    assert_eq!(encoders(&studio).await, Vec::<String>::new(), "the encoder goes with the recording");
    assert!(studio.state().await.preview, "the program goes on");
    studio.shutdown().await;
    assert!(studio.program_elements().await.is_empty(), "shutdown closes the program");
}

#[tokio::test]
async fn a_look_picked_live_that_a_scene_switch_replaces_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let studio = Studio::new(show(dir.path()), StudioConfig::default());
    let mut events = studio.subscribe();

    // No pick: a switch says nothing about looks.
    let reply = studio.apply(Command::SwitchScene { scene: "product".into(), transition: None }).await.unwrap();
    assert_eq!(reply.note, None);
    assert_eq!(studio.state().await.look.as_deref(), Some("spotlight"));

    studio.apply(Command::SetLook { look: "warm-studio".into() }).await.unwrap();
    let reply = studio.apply(Command::SwitchScene { scene: "main".into(), transition: None }).await.unwrap();
    let note = reply.note.unwrap();
    assert!(note.contains("the look you picked (") && note.contains("is off: scene Main has no look"), "{note}");
    assert_eq!(studio.state().await.look, None);

    studio.apply(Command::SetLook { look: "warm-studio".into() }).await.unwrap();
    let reply = studio.apply(Command::SwitchScene { scene: "product".into(), transition: None }).await.unwrap();
    let note = reply.note.unwrap();
    assert!(note.contains("gave way to the look of scene Product"), "{note}");
    assert_eq!(studio.state().await.look.as_deref(), Some("spotlight"));

    // Picking the scene's own look and switching back to it says nothing.
    studio.apply(Command::SetLook { look: "spotlight".into() }).await.unwrap();
    let reply = studio.apply(Command::SwitchScene { scene: "product".into(), transition: None }).await.unwrap();
    assert_eq!(reply.note, None);

    let mut notices = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let Event::Notice { message, .. } = event {
            notices.push(message);
        }
    }
    assert_eq!(notices.len(), 2, "every replaced pick is announced: {notices:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_that_fails_is_told_and_opened_again_with_a_backoff() {
    engine::init().unwrap();
    if !engine::list_devices().microphones.is_empty() {
        eprintln!("skipped: this machine has a microphone, so a show asking for one opens");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut show = show(dir.path());
    // No microphone here (a test machine): the program cannot open, again and again.
    show.audio.source = Some(show::AudioSource::Microphone);
    let studio = Studio::new(show, StudioConfig::default());
    let opened = studio.open_program().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let state = studio.state().await;
        if let ProgramPhase::Reopening { attempt, reason, next_in_s } = &state.program {
            assert!(!state.preview, "no program, no preview");
            assert!(!reason.is_empty() && *next_in_s >= 1.0, "{:?}", state.program);
            if *attempt >= 2 {
                break; // it was tried again after the first wait, with a longer one next
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the failed program is not being reopened: {:?} (open: {opened:?})",
            state.program
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let ProgramPhase::Reopening { next_in_s, .. } = studio.state().await.program {
        assert!(next_in_s >= 2.0, "the wait doubles: {next_in_s}");
    }
    // The studio carries on: commands work, the change waits in the show for the program.
    studio.apply(Command::SwitchScene { scene: "product".into(), transition: None }).await.unwrap();
    assert_eq!(studio.state().await.scene, "product");
    studio.shutdown().await;
    assert_eq!(studio.state().await.program, ProgramPhase::Closed);
}
