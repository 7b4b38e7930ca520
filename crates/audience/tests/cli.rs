//! `kaibo listen` as a user runs it: the real binary, against the simulator and a local
//! Twitch server.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use audience::{AudienceEvent, EventBody};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn events(stdout: &str) -> Vec<AudienceEvent> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn listen_simulator_prints_count_events_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let output = Command::new(support::kaibo_bin())
        .args(["listen", "simulator", "--count", "500", "--rate", "0", "--seed", "9", "--ban", "包邮", "--db"])
        .arg(dir.path().join("s.sqlite"))
        .arg("--report")
        .arg(&report)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let printed = events(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(printed.len(), 500);
    assert_eq!(printed[0].id, "sim-9-1");
    assert!(printed.iter().all(|e| e.platform == "simulator"));
    assert!(
        printed.iter().any(|e| matches!(&e.body, EventBody::Chat { text, .. } if text.contains("＊＊"))),
        "包邮 masked"
    );
    assert!(!printed.iter().any(|e| matches!(&e.body, EventBody::Chat { text, .. } if text.contains("包邮"))));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.with_extension("json")).unwrap()).unwrap();
    assert_eq!(json["counts"]["events"], 500);
    assert!(report.with_extension("csv").exists());
}

#[test]
fn listen_twitch_reads_a_local_server() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (listener, addr) = runtime.block_on(support::listener());
    let mut child = Command::new(support::kaibo_bin())
        .args(["listen", "twitch", "kaiboshop", "--count", "3", "--endpoint"])
        .arg(format!("ws://{addr}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());
    runtime.block_on(async {
        let mut socket = support::accept_ws(&listener).await;
        let mut joined = false;
        while !joined {
            let message = tokio::time::timeout(support::PATIENCE, socket.next()).await.unwrap().unwrap().unwrap();
            joined = message.into_text().unwrap().contains("JOIN #kaiboshop");
        }
        let lines = support::fixture("twitch/session.irc").lines().collect::<Vec<_>>().join("\r\n");
        socket.send(Message::text(lines)).await.unwrap();
        // Keep the connection open until kaibo has printed its events and left.
        let _ = tokio::time::timeout(support::PATIENCE, socket.next()).await;
    });
    let deadline = std::time::Instant::now() + support::PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("kaibo listen twitch did not stop after --count 3");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let lines = reader.join().unwrap();
    let printed = events(&lines.join("\n"));
    assert_eq!(printed.iter().map(|e| e.body.kind()).collect::<Vec<_>>(), ["chat", "chat", "gift"]);
    assert_eq!(printed[1].user.as_ref().unwrap().name, "茶茶 Tea");
}

#[test]
fn listen_refuses_unknown_platforms_and_missing_rooms() {
    for args in
        [&["listen", "myspace", "x"][..], &["listen", "twitch"][..], &["listen", "bilibili", "not-a-number"][..]]
    {
        let output = Command::new(support::kaibo_bin()).args(args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
    }
}
