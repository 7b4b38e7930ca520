//! Connector setup from the studio: the operator connects a platform's chat while the studio
//! runs, the messages reach the side panel, its state is followed, and it disconnects. The
//! platform is faked at the wire: a local WebSocket server speaking Twitch's IRC.

use std::time::Duration;

use audience::store::Store;
use futures_util::{SinkExt, StreamExt};
use studio::audience_feed::{self, AudienceOptions};
use studio::protocol::{Command, ErrorKind};
use studio::{Studio, StudioConfig};
use tokio_tungstenite::tungstenite::Message;

fn show() -> show::Show {
    show::Show::parse(
        r#"{ "canvas": { "width": 640, "height": 360, "fps": 30 }, "scenes": [{ "id": "main", "layers": [] }] }"#,
        std::path::Path::new("."),
    )
    .expect("valid show")
}

async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twitch_chat_connected_from_the_studio_reaches_the_panel_and_disconnects() {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let endpoint = format!("ws://{}", listener.local_addr().expect("address"));
    let studio = Studio::new(show(), StudioConfig::default());
    let error = studio
        .apply(Command::ConnectAudience {
            platform: "twitch".into(),
            room: "kaiboshop".into(),
            key: None,
            endpoint: None,
        })
        .await
        .expect_err("no audience path yet");
    assert_eq!(error.kind, ErrorKind::WrongPhase);

    let feed =
        audience_feed::start(studio.clone(), AudienceOptions::default(), Store::in_memory("test").expect("store"))
            .await
            .expect("feed");
    studio.attach_feed(feed).await;
    let error = studio
        .apply(Command::ConnectAudience { platform: "myspace".into(), room: "x".into(), key: None, endpoint: None })
        .await
        .expect_err("unknown platform");
    assert!(error.message.contains("twitch, youtube or bilibili"), "{}", error.message);

    studio
        .apply(Command::ConnectAudience {
            platform: "twitch".into(),
            room: "KaiboShop".into(),
            key: None,
            endpoint: Some(endpoint),
        })
        .await
        .expect("connect");
    let (stream, _) = listener.accept().await.expect("the connector dials the platform");
    let mut socket = tokio_tungstenite::accept_async(stream).await.expect("websocket");
    let mut login = String::new();
    while !login.contains("JOIN") {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("login")
            .expect("open")
            .expect("frame");
        login.push_str(&message.into_text().expect("text"));
    }
    assert!(login.contains("JOIN #kaiboshop"), "{login}");
    let line = "@badges=;display-name=Viewer;id=m-1;tmi-sent-ts=1700000000000;user-id=7 :viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #kaiboshop :<img src=x onerror=alert(1)> 你好\r\n";
    socket.send(Message::text(line)).await.expect("send");

    let state = eventually("the message in the panel", async || {
        let state = studio.state().await;
        state.chat.iter().any(|c| c.id == "twitch:m-1").then_some(state)
    })
    .await;
    let item = state.chat.iter().find(|c| c.id == "twitch:m-1").expect("message");
    assert_eq!(item.text, "<img src=x onerror=alert(1)> 你好", "text as sent, for the UI to show as text");
    let connector = eventually("the connector listed as live", async || {
        studio.state().await.connectors.into_iter().find(|c| c.label == "twitch:KaiboShop" && c.status == "live")
    })
    .await;
    assert_eq!((connector.platform.as_str(), connector.room.as_str()), ("twitch", "KaiboShop"));
    let error = studio
        .apply(Command::ConnectAudience {
            platform: "twitch".into(),
            room: "KaiboShop".into(),
            key: None,
            endpoint: None,
        })
        .await
        .expect_err("twice");
    assert!(error.message.contains("already connected"), "{}", error.message);

    studio.apply(Command::DisconnectAudience { connector: "twitch:KaiboShop".into() }).await.expect("disconnect");
    assert!(studio.state().await.connectors.is_empty());
    let error =
        studio.apply(Command::DisconnectAudience { connector: "twitch:KaiboShop".into() }).await.expect_err("gone");
    assert_eq!(error.kind, ErrorKind::NotFound);
    studio.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_key_goes_to_the_keyring_and_never_comes_back() {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let studio = Studio::new(show(), StudioConfig::default());
    let feed =
        audience_feed::start(studio.clone(), AudienceOptions::default(), Store::in_memory("test").expect("store"))
            .await
            .expect("feed");
    studio.attach_feed(feed).await;
    let key = "AIzaSy-SECRET-API-KEY-123";
    studio
        .apply(Command::ConnectAudience {
            platform: "youtube".into(),
            room: "live-chat-1".into(),
            key: Some(key.into()),
            endpoint: Some("http://127.0.0.1:9".into()),
        })
        .await
        .expect("connect");
    let state = serde_json::to_string(&studio.state().await).expect("state");
    assert!(!state.contains(key), "the key is in the state");
    assert!(state.contains("youtube:live-chat-1"));
    studio.shutdown().await;
}
