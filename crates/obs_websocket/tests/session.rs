//! The session as a client sees it, frame by frame: Hello and auth, requests with their ids,
//! batches with Sleep and haltOnFailure, events only as subscribed.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use obs_websocket::auth::{answer, secret};
use obs_websocket::{
    status, subscription, Call, CloseCode, Encoding, Event, Frame, Handler, Reply, ServerConfig, Session,
};
use serde_json::{json, Value};

/// Answers `Echo` with its data and `Fail` with 600, and records what it saw.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Handler for Recorder {
    async fn call(&self, call: Call<'_>) -> Reply {
        self.0.lock().unwrap().push(call.request_type.to_owned());
        match call.request_type {
            "Echo" => Reply::ok(call.data.clone()),
            "Fail" => Reply::error(status::RESOURCE_NOT_FOUND, "no such thing"),
            "Stats" => Reply::ok(json!({"in": call.stats.incoming, "out": call.stats.outgoing})),
            _ => Reply::error(status::UNKNOWN_REQUEST_TYPE, "unknown request type"),
        }
    }
}

fn config(password: Option<&str>) -> Arc<ServerConfig> {
    Arc::new(ServerConfig {
        password: password.map(str::to_owned),
        salt: obs_websocket::auth::random_base64(32),
        obs_websocket_version: "5.5.0".into(),
        frame_interval: Duration::from_millis(33),
    })
}

fn read(frame: &Frame) -> Value {
    match frame {
        Frame::Text(text) => serde_json::from_str(text).unwrap(),
        Frame::Binary(bytes) => rmp_serde::from_slice(bytes).unwrap(),
        Frame::Close(c) => panic!("closed: {c:?}"),
    }
}

fn msg(op: u8, d: Value) -> Frame {
    Frame::Text(json!({"op": op, "d": d}).to_string())
}

async fn identified(session: &mut Session, handler: &Recorder, subscriptions: Option<u32>) {
    let mut d = json!({"rpcVersion": 1});
    if let Some(bits) = subscriptions {
        d["eventSubscriptions"] = json!(bits);
    }
    let out = session.receive(&msg(1, d), handler).await.unwrap();
    assert_eq!(read(&out[0]), json!({"op": 2, "d": {"negotiatedRpcVersion": 1}}));
}

#[tokio::test]
async fn hello_carries_the_challenge_and_only_the_right_answer_identifies() {
    let handler = Recorder::default();
    let config = config(Some("studio-password"));
    let mut session = Session::new(config.clone(), Encoding::Json);
    let hello = read(&session.hello());
    assert_eq!(hello["op"], 0);
    assert_eq!(hello["d"]["rpcVersion"], 1);
    assert_eq!(hello["d"]["obsWebSocketVersion"], "5.5.0");
    let (salt, challenge) = (
        hello["d"]["authentication"]["salt"].as_str().unwrap(),
        hello["d"]["authentication"]["challenge"].as_str().unwrap(),
    );
    assert_eq!(salt, config.salt);

    let wrong = answer(&secret("not-the-password", salt), challenge);
    let refused = session.receive(&msg(1, json!({"rpcVersion": 1, "authentication": wrong})), &handler).await;
    assert_eq!(refused.unwrap_err().code, CloseCode::AuthenticationFailed);
    let mut session = Session::new(config.clone(), Encoding::Json);
    let _ = session.hello();
    let missing = session.receive(&msg(1, json!({"rpcVersion": 1})), &handler).await;
    assert_eq!(missing.unwrap_err().code, CloseCode::AuthenticationFailed);

    let mut session = Session::new(config, Encoding::Json);
    let hello = read(&session.hello());
    let (salt, challenge) = (
        hello["d"]["authentication"]["salt"].as_str().unwrap(),
        hello["d"]["authentication"]["challenge"].as_str().unwrap(),
    );
    let right = answer(&secret("studio-password", salt), challenge);
    let out = session.receive(&msg(1, json!({"rpcVersion": 1, "authentication": right})), &handler).await.unwrap();
    assert_eq!(read(&out[0])["op"], 2);
    let again = session.receive(&msg(1, json!({"rpcVersion": 1})), &handler).await;
    assert_eq!(again.unwrap_err().code, CloseCode::AlreadyIdentified);
}

#[tokio::test]
async fn nothing_before_identify_and_no_other_rpc_version() {
    let handler = Recorder::default();
    let mut session = Session::new(config(None), Encoding::Json);
    assert!(read(&session.hello())["d"].get("authentication").is_none());
    let early = session.receive(&msg(6, json!({"requestType": "Echo", "requestId": 1})), &handler).await;
    assert_eq!(early.unwrap_err().code, CloseCode::NotIdentified);
    let mut session = Session::new(config(None), Encoding::Json);
    let v2 = session.receive(&msg(1, json!({"rpcVersion": 2})), &handler).await;
    assert_eq!(v2.unwrap_err().code, CloseCode::UnsupportedRpcVersion);
    assert!(handler.0.lock().unwrap().is_empty(), "the handler saw a request before Identify");
}

#[tokio::test]
async fn a_reply_echoes_type_id_and_status_and_unknown_requests_keep_the_session() {
    let handler = Recorder::default();
    let mut session = Session::new(config(None), Encoding::Json);
    identified(&mut session, &handler, None).await;
    for id in [json!(41), json!("req-1"), json!({"a": 1})] {
        let out = session
            .receive(&msg(6, json!({"requestType": "Echo", "requestId": id, "requestData": {"x": 2}})), &handler)
            .await
            .unwrap();
        let reply = read(&out[0]);
        assert_eq!(reply["op"], 7);
        assert_eq!(reply["d"]["requestId"], id, "the id must come back as the same JSON value");
        assert_eq!(reply["d"]["requestType"], "Echo");
        assert_eq!(reply["d"]["requestStatus"], json!({"result": true, "code": 100}));
        assert_eq!(reply["d"]["responseData"], json!({"x": 2}));
    }
    let out = session.receive(&msg(6, json!({"requestType": "NoSuch", "requestId": 9})), &handler).await.unwrap();
    let status = &read(&out[0])["d"]["requestStatus"];
    assert_eq!((status["result"].clone(), status["code"].clone()), (json!(false), json!(204)));
    assert!(status["comment"].is_string());
    let out = session.receive(&msg(6, json!({"requestType": "Echo", "requestId": 10})), &handler).await.unwrap();
    assert_eq!(read(&out[0])["d"]["requestStatus"]["code"], 100, "the session went on after an unknown request");
    // A Sleep outside a batch is refused, as OBS does.
    let out = session
        .receive(&msg(6, json!({"requestType": "Sleep", "requestId": 11, "requestData": {"sleepMillis": 1}})), &handler)
        .await
        .unwrap();
    assert_eq!(read(&out[0])["d"]["requestStatus"]["code"], 206);
}

#[tokio::test]
async fn a_serial_batch_keeps_order_and_ids_sleeps_and_halts_on_failure() {
    let handler = Recorder::default();
    let mut session = Session::new(config(None), Encoding::Json);
    identified(&mut session, &handler, None).await;
    let batch = json!({"requestId": "b1", "requests": [
        {"requestType": "Echo", "requestId": "one", "requestData": {"n": 1}},
        {"requestType": "Sleep", "requestId": "nap", "requestData": {"sleepMillis": 300}},
        {"requestType": "Echo", "requestId": 3},
        {"requestType": "Sleep", "requestData": {"sleepMillis": 60000}},
    ]});
    let started = Instant::now();
    let out = session.receive(&msg(8, batch), &handler).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300), "Sleep did not wait");
    let d = read(&out[0])["d"].clone();
    assert_eq!(read(&out[0])["op"], 9);
    assert_eq!(d["requestId"], "b1");
    let results = d["results"].as_array().unwrap();
    let ids: Vec<&Value> = results.iter().map(|r| &r["requestId"]).collect();
    assert_eq!(ids, [&json!("one"), &json!("nap"), &json!(3), &Value::Null]);
    let codes: Vec<u64> = results.iter().map(|r| r["requestStatus"]["code"].as_u64().unwrap()).collect();
    assert_eq!(codes, [100, 100, 100, 402], "a Sleep beyond 50 s is out of range");
    assert_eq!(*handler.0.lock().unwrap(), ["Echo", "Echo"], "Sleep never reaches the studio");

    let halting = json!({"requestId": 2, "haltOnFailure": true, "requests": [
        {"requestType": "Echo", "requestId": 1}, {"requestType": "Fail", "requestId": 2}, {"requestType": "Echo", "requestId": 3},
    ]});
    let out = session.receive(&msg(8, halting), &handler).await.unwrap();
    let results = read(&out[0])["d"]["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 2, "haltOnFailure stops after the failure: {results:?}");
    assert_eq!(results[1]["requestStatus"]["code"], 600);

    let parallel = json!({"requestId": 3, "executionType": 2, "requests": [
        {"requestType": "Echo", "requestId": "p1"}, {"requestType": "Sleep", "requestId": "p2", "requestData": {"sleepMillis": 5}},
        {"requestId": "p3"},
    ]});
    let out = session.receive(&msg(8, parallel), &handler).await.unwrap();
    let results = read(&out[0])["d"]["results"].as_array().unwrap().clone();
    let codes: Vec<u64> = results.iter().map(|r| r["requestStatus"]["code"].as_u64().unwrap()).collect();
    assert_eq!(codes, [100, 206, 203]);
    assert_eq!(results[2]["requestId"], "p3");
}

#[tokio::test]
async fn events_go_only_where_subscribed() {
    let handler = Recorder::default();
    let scene = Event {
        event_type: "CurrentProgramSceneChanged".into(),
        intent: subscription::SCENES,
        data: Some(json!({"sceneName": "b"})),
    };
    let meters =
        Event { event_type: "InputVolumeMeters".into(), intent: subscription::INPUT_VOLUME_METERS, data: None };

    let mut before = Session::new(config(None), Encoding::Json);
    assert!(before.event(&scene).is_none(), "an event before Identify");

    let mut none = Session::new(config(None), Encoding::Json);
    identified(&mut none, &handler, Some(subscription::NONE)).await;
    assert!(
        none.event(&scene).is_none() && none.event(&meters).is_none(),
        "a client subscribed to nothing got an event"
    );

    let mut default = Session::new(config(None), Encoding::Json);
    identified(&mut default, &handler, None).await;
    let frame = default.event(&scene).unwrap();
    assert_eq!(
        read(&frame),
        json!({"op": 5, "d": {"eventType": "CurrentProgramSceneChanged", "eventIntent": 4, "eventData": {"sceneName": "b"}}})
    );
    assert!(default.event(&meters).is_none(), "high-volume events only on request");

    let mut mix_it_up = Session::new(config(None), Encoding::Json);
    identified(&mut mix_it_up, &handler, Some(140)).await;
    assert!(mix_it_up.event(&scene).is_some());
    let outputs = Event { event_type: "StreamStateChanged".into(), intent: subscription::OUTPUTS, data: None };
    assert!(mix_it_up.event(&outputs).is_none());
    let out = mix_it_up
        .receive(
            &msg(3, json!({"eventSubscriptions": subscription::OUTPUTS | subscription::INPUT_VOLUME_METERS})),
            &handler,
        )
        .await
        .unwrap();
    assert_eq!(read(&out[0])["op"], 2);
    assert!(
        mix_it_up.event(&outputs).is_some() && mix_it_up.event(&meters).is_some() && mix_it_up.event(&scene).is_none()
    );
}

#[tokio::test]
async fn msgpack_sessions_answer_in_binary_and_count_messages() {
    let handler = Recorder::default();
    let mut session = Session::new(config(None), Encoding::MsgPack);
    assert!(matches!(session.hello(), Frame::Binary(_)));
    let identify = Frame::Binary(rmp_serde::to_vec_named(&json!({"op": 1, "d": {"rpcVersion": 1}})).unwrap());
    let out = session.receive(&identify, &handler).await.unwrap();
    assert!(matches!(out[0], Frame::Binary(_)));
    let request = Frame::Binary(
        rmp_serde::to_vec_named(&json!({"op": 6, "d": {"requestType": "Stats", "requestId": 5}})).unwrap(),
    );
    let out = session.receive(&request, &handler).await.unwrap();
    let reply = read(&out[0]);
    assert_eq!(reply["d"]["requestId"], 5);
    assert_eq!(reply["d"]["responseData"], json!({"in": 2, "out": 2}));
    let text = session.receive(&msg(6, json!({"requestType": "Echo", "requestId": 1})), &handler).await;
    assert_eq!(text.unwrap_err().code, CloseCode::MessageDecodeError);
}
