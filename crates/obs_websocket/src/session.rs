//! One client's session: Hello, Identify (with the salted challenge), Reidentify, requests
//! and batches handed to the studio's [`Handler`], and events filtered by the client's
//! subscriptions. Transport-free: [`run`] drives it over any stream and sink of [`Frame`]s.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use crate::auth::Challenge;
use crate::codes::{op, status, subscription, CloseCode, ExecutionType};
use crate::message::{decode, Encoding, Frame, Incoming, Refusal, RequestMessage};

/// The only rpcVersion there is.
pub const RPC_VERSION: u64 = 1;
/// The longest `Sleep` a batch may ask for, as OBS allows.
const MAX_SLEEP_MILLIS: u64 = 50_000;
const MAX_SLEEP_FRAMES: u64 = 10_000;

/// What every session of one server shares.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `None`: no authentication (Hello carries none).
    pub password: Option<String>,
    /// The server's salt, fixed for its run; each session gets its own challenge.
    pub salt: String,
    /// `obsWebSocketVersion` in Hello.
    pub obs_websocket_version: String,
    /// One frame of the program, for `sleepFrames`.
    pub frame_interval: Duration,
}

/// An event for every client subscribed to `intent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_type: String,
    pub intent: u32,
    pub data: Option<Value>,
}

/// This session's message counts, for `GetStats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub incoming: u64,
    pub outgoing: u64,
}

/// A request as the handler gets it. `data` is always an object.
#[derive(Debug)]
pub struct Call<'a> {
    pub request_type: &'a str,
    pub data: &'a Value,
    pub stats: SessionStats,
}

/// A request's outcome: `code` 100 is success.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub code: u16,
    pub comment: Option<String>,
    pub data: Option<Value>,
}

impl Reply {
    pub fn ok(data: Value) -> Reply {
        Reply { code: status::SUCCESS, comment: None, data: Some(data) }
    }
    pub fn done() -> Reply {
        Reply { code: status::SUCCESS, comment: None, data: None }
    }
    pub fn error(code: u16, comment: impl Into<String>) -> Reply {
        Reply { code, comment: Some(comment.into()), data: None }
    }
    fn status(&self) -> Value {
        let mut status = json!({ "result": self.code == status::SUCCESS, "code": self.code });
        if let Some(comment) = &self.comment {
            status["comment"] = json!(comment);
        }
        status
    }
}

/// What answers requests: the studio. `Sleep` never reaches it.
pub trait Handler: Sync {
    fn call(&self, call: Call<'_>) -> impl Future<Output = Reply> + Send;
}

/// One client's protocol state.
pub struct Session {
    config: Arc<ServerConfig>,
    encoding: Encoding,
    challenge: Option<Challenge>,
    identified: bool,
    subscriptions: u32,
    stats: SessionStats,
}

impl Session {
    pub fn new(config: Arc<ServerConfig>, encoding: Encoding) -> Session {
        let challenge = config.password.as_deref().map(|password| Challenge::new(password, &config.salt));
        Session {
            config,
            encoding,
            challenge,
            identified: false,
            subscriptions: subscription::NONE,
            stats: SessionStats::default(),
        }
    }

    pub fn is_identified(&self) -> bool {
        self.identified
    }

    /// The Hello the server sends first.
    pub fn hello(&mut self) -> Frame {
        let mut d = json!({
            "obsWebSocketVersion": self.config.obs_websocket_version,
            "rpcVersion": RPC_VERSION,
        });
        if let Some(challenge) = &self.challenge {
            d["authentication"] = json!({ "challenge": challenge.challenge, "salt": challenge.salt });
        }
        self.send(op::HELLO, d)
    }

    /// The frame for `event`, if this client is identified and subscribed to it.
    pub fn event(&mut self, event: &Event) -> Option<Frame> {
        if !self.identified || self.subscriptions & event.intent == 0 {
            return None;
        }
        let mut d = json!({ "eventType": event.event_type, "eventIntent": event.intent });
        if let Some(data) = &event.data {
            d["eventData"] = data.clone();
        }
        Some(self.send(op::EVENT, d))
    }

    /// Handles one frame from the client: the frames to send back, or why the session ends.
    pub async fn receive<H: Handler>(&mut self, frame: &Frame, handler: &H) -> Result<Vec<Frame>, Refusal> {
        self.stats.incoming += 1;
        let message = decode(frame, self.encoding)?;
        match message {
            Incoming::Identify { .. } if self.identified => {
                Err(refusal(CloseCode::AlreadyIdentified, "this session is already identified"))
            }
            Incoming::Identify { rpc_version, authentication, event_subscriptions } => {
                if rpc_version != RPC_VERSION {
                    return Err(refusal(
                        CloseCode::UnsupportedRpcVersion,
                        format!("rpcVersion {rpc_version} is not supported: this server speaks {RPC_VERSION}"),
                    ));
                }
                if let Some(challenge) = &self.challenge {
                    if !authentication.as_deref().is_some_and(|given| challenge.accepts(given)) {
                        return Err(refusal(CloseCode::AuthenticationFailed, "authentication failed"));
                    }
                }
                self.identified = true;
                self.subscriptions = event_subscriptions.unwrap_or(subscription::ALL);
                Ok(vec![self.send(op::IDENTIFIED, json!({ "negotiatedRpcVersion": RPC_VERSION }))])
            }
            _ if !self.identified => Err(refusal(CloseCode::NotIdentified, "identify first")),
            Incoming::Reidentify { event_subscriptions } => {
                self.subscriptions = event_subscriptions.unwrap_or(subscription::ALL);
                Ok(vec![self.send(op::IDENTIFIED, json!({ "negotiatedRpcVersion": RPC_VERSION }))])
            }
            Incoming::Request(request) => {
                let reply = self.call(handler, &request.request_type, &request.request_data, None).await;
                let d = response(&request, &reply);
                Ok(vec![self.send(op::REQUEST_RESPONSE, d)])
            }
            Incoming::Batch { request_id, halt_on_failure, execution_type, requests } => {
                let results = self.batch(handler, requests, halt_on_failure, execution_type).await;
                Ok(vec![self.send(op::REQUEST_BATCH_RESPONSE, json!({ "requestId": request_id, "results": results }))])
            }
        }
    }

    async fn batch<H: Handler>(
        &mut self,
        handler: &H,
        requests: Vec<Value>,
        halt_on_failure: bool,
        execution_type: ExecutionType,
    ) -> Vec<Value> {
        let requests: Vec<(Option<Value>, Result<RequestMessage, Reply>)> =
            requests.into_iter().map(batch_entry).collect();
        if execution_type == ExecutionType::Parallel {
            let stats = self.stats;
            let replies = futures_util::future::join_all(requests.iter().map(|(_, request)| async move {
                match request {
                    Ok(r) if r.request_type == "Sleep" => Reply::error(
                        status::UNSUPPORTED_REQUEST_BATCH_EXECUTION_TYPE,
                        "Sleep is not available in a parallel batch",
                    ),
                    Ok(r) => handler.call(Call { request_type: &r.request_type, data: &r.request_data, stats }).await,
                    Err(reply) => reply.clone(),
                }
            }))
            .await;
            return requests
                .iter()
                .zip(replies)
                .map(|((id, request), reply)| batch_result(id, request, &reply))
                .collect();
        }
        let mut results = Vec::with_capacity(requests.len());
        for (id, request) in &requests {
            let reply = match request {
                Ok(r) => self.call(handler, &r.request_type, &r.request_data, Some(execution_type)).await,
                Err(reply) => reply.clone(),
            };
            results.push(batch_result(id, request, &reply));
            if halt_on_failure && reply.code != status::SUCCESS {
                break;
            }
        }
        results
    }

    async fn call<H: Handler>(
        &self,
        handler: &H,
        request_type: &str,
        data: &Value,
        batch: Option<ExecutionType>,
    ) -> Reply {
        if request_type == "Sleep" {
            return sleep(data, batch, self.config.frame_interval).await;
        }
        handler.call(Call { request_type, data, stats: self.stats }).await
    }

    fn send(&mut self, op: u8, d: Value) -> Frame {
        self.stats.outgoing += 1;
        self.encoding.encode(op, d)
    }
}

fn refusal(code: CloseCode, reason: impl Into<String>) -> Refusal {
    Refusal { code, reason: reason.into() }
}

fn response(request: &RequestMessage, reply: &Reply) -> Value {
    let mut d = json!({
        "requestType": request.request_type,
        "requestId": request.request_id,
        "requestStatus": reply.status(),
    });
    if let Some(data) = &reply.data {
        d["responseData"] = data.clone();
    }
    d
}

/// A batch entry's `requestId` (optional there) and the request, or the reply to a malformed one.
fn batch_entry(entry: Value) -> (Option<Value>, Result<RequestMessage, Reply>) {
    let Value::Object(mut entry) = entry else {
        return (None, Err(Reply::error(status::MISSING_REQUEST_TYPE, "a batch entry must be an object")));
    };
    let id = entry.remove("requestId");
    let request_type = match entry.remove("requestType") {
        Some(Value::String(t)) => t,
        Some(_) => return (id, Err(Reply::error(status::INVALID_REQUEST_FIELD_TYPE, "requestType must be a string"))),
        None => return (id, Err(Reply::error(status::MISSING_REQUEST_TYPE, "the request has no requestType"))),
    };
    let request_data = match entry.remove("requestData") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(data @ Value::Object(_)) => data,
        Some(_) => {
            return (id, Err(Reply::error(status::INVALID_REQUEST_FIELD_TYPE, "requestData must be an object")));
        }
    };
    let request_id = id.clone().unwrap_or(Value::Null);
    (id, Ok(RequestMessage { request_type, request_id, request_data }))
}

fn batch_result(id: &Option<Value>, request: &Result<RequestMessage, Reply>, reply: &Reply) -> Value {
    let request_type = request.as_ref().map(|r| r.request_type.as_str()).unwrap_or("");
    let mut result = json!({ "requestType": request_type, "requestStatus": reply.status() });
    if let Some(id) = id {
        result["requestId"] = id.clone();
    }
    if let Some(data) = &reply.data {
        result["responseData"] = data.clone();
    }
    result
}

async fn sleep(data: &Value, batch: Option<ExecutionType>, frame: Duration) -> Reply {
    let duration = match batch {
        None | Some(ExecutionType::Parallel) => {
            return Reply::error(
                status::UNSUPPORTED_REQUEST_BATCH_EXECUTION_TYPE,
                "Sleep is only available in a serial batch",
            );
        }
        Some(ExecutionType::SerialRealtime) => match number(data, "sleepMillis", MAX_SLEEP_MILLIS) {
            Ok(ms) => Duration::from_millis(ms),
            Err(reply) => return reply,
        },
        Some(ExecutionType::SerialFrame) => match number(data, "sleepFrames", MAX_SLEEP_FRAMES) {
            Ok(frames) => frame.saturating_mul(u32::try_from(frames).unwrap_or(u32::MAX)),
            Err(reply) => return reply,
        },
    };
    tokio::time::sleep(duration).await;
    Reply::done()
}

/// A whole number field of `data` in 0..=max, with OBS's codes when it is not.
pub fn number(data: &Value, field: &str, max: u64) -> Result<u64, Reply> {
    match data.get(field) {
        None => Err(Reply::error(status::MISSING_REQUEST_FIELD, format!("missing field {field}"))),
        Some(v) => match v.as_u64() {
            Some(n) if n <= max => Ok(n),
            Some(_) => Err(Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, format!("{field} must be at most {max}"))),
            None if v.is_number() => {
                Err(Reply::error(status::REQUEST_FIELD_OUT_OF_RANGE, format!("{field} must be a whole number from 0")))
            }
            None => Err(Reply::error(status::INVALID_REQUEST_FIELD_TYPE, format!("{field} must be a number"))),
        },
    }
}

/// Drives one session over a connection's `sink` and `stream` until the client leaves, a
/// message ends it, or the server closes (the event channel closes: the studio is quitting).
pub async fn run<K, S, E, H>(
    mut sink: K,
    mut stream: S,
    mut session: Session,
    handler: &H,
    mut events: broadcast::Receiver<Arc<Event>>,
) where
    K: Sink<Frame> + Unpin,
    S: Stream<Item = Result<Frame, E>> + Unpin,
    H: Handler,
{
    if sink.send(session.hello()).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = stream.next() => {
                let frame = match frame {
                    Some(Ok(Frame::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(frame)) => frame,
                };
                match session.receive(&frame, handler).await {
                    Ok(frames) => {
                        for frame in frames {
                            if sink.send(frame).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(refusal) => {
                        let _ = sink.send(Frame::Close(Some((refusal.code.code(), refusal.reason)))).await;
                        return;
                    }
                }
            }
            event = events.recv() => match event {
                Ok(event) => {
                    if let Some(frame) = session.event(&event) {
                        if sink.send(frame).await.is_err() {
                            return;
                        }
                    }
                }
                // A client too slow for the events misses some; it is not dropped for it.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => {
                    let code = CloseCode::SessionInvalidated.code();
                    let _ = sink.send(Frame::Close(Some((code, "the studio is closing".into())))).await;
                    return;
                }
            },
        }
    }
}
