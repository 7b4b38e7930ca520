//! Frames in and out: JSON (text frames) or MessagePack (binary frames, the same maps), and the
//! checks obs-websocket makes on each message before it acts, with the close code for each.

use serde_json::{json, Map, Value};

use crate::codes::{op, CloseCode, ExecutionType};

/// A WebSocket frame as the session sees it; the transport answers pings itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
    Close(Option<(u16, String)>),
}

/// The session's encoding, chosen by the subprotocol at the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    MsgPack,
}

pub const JSON_SUBPROTOCOL: &str = "obswebsocket.json";
pub const MSGPACK_SUBPROTOCOL: &str = "obswebsocket.msgpack";

impl Encoding {
    /// The encoding for the subprotocols a client offers, in its order of preference, and
    /// the one to echo. No subprotocol (or none known) means JSON with nothing echoed.
    pub fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> (Encoding, Option<&'static str>) {
        for protocol in offered {
            match protocol.trim() {
                JSON_SUBPROTOCOL => return (Encoding::Json, Some(JSON_SUBPROTOCOL)),
                MSGPACK_SUBPROTOCOL => return (Encoding::MsgPack, Some(MSGPACK_SUBPROTOCOL)),
                _ => {}
            }
        }
        (Encoding::Json, None)
    }

    /// `{"op": op, "d": d}` as a frame of this encoding.
    pub fn encode(self, op: u8, d: Value) -> Frame {
        let message = json!({ "op": op, "d": d });
        match self {
            Encoding::Json => Frame::Text(message.to_string()),
            // Serializing a JSON value to MessagePack cannot fail: every value has a form.
            Encoding::MsgPack => Frame::Binary(rmp_serde::to_vec_named(&message).unwrap_or_default()),
        }
    }
}

/// Why a message ends the session: the close code and words for the client's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: CloseCode,
    pub reason: String,
}

fn refuse(code: CloseCode, reason: impl Into<String>) -> Refusal {
    Refusal { code, reason: reason.into() }
}

/// A message from a client, its shape checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Identify { rpc_version: u64, authentication: Option<String>, event_subscriptions: Option<u32> },
    Reidentify { event_subscriptions: Option<u32> },
    Request(RequestMessage),
    Batch { request_id: Value, halt_on_failure: bool, execution_type: ExecutionType, requests: Vec<Value> },
}

/// One request: `requestId` is echoed as whatever JSON value came in.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMessage {
    pub request_type: String,
    pub request_id: Value,
    pub request_data: Value,
}

/// Decodes a frame of a session in `encoding` into a checked message.
pub fn decode(frame: &Frame, encoding: Encoding) -> Result<Incoming, Refusal> {
    let message: Value = match (frame, encoding) {
        (Frame::Text(text), Encoding::Json) => serde_json::from_str(text)
            .map_err(|e| refuse(CloseCode::MessageDecodeError, format!("the message is not JSON: {e}")))?,
        (Frame::Binary(bytes), Encoding::MsgPack) => rmp_serde::from_slice(bytes)
            .map_err(|e| refuse(CloseCode::MessageDecodeError, format!("the message is not MessagePack: {e}")))?,
        (Frame::Text(_), Encoding::MsgPack) => {
            return Err(refuse(CloseCode::MessageDecodeError, "this session speaks MessagePack: send binary frames"));
        }
        (Frame::Binary(_), Encoding::Json) => {
            return Err(refuse(CloseCode::MessageDecodeError, "this session speaks JSON: send text frames"));
        }
        (Frame::Close(_), _) => return Err(refuse(CloseCode::MessageDecodeError, "the connection is closing")),
    };
    let Value::Object(mut message) = message else {
        return Err(refuse(CloseCode::MessageDecodeError, "a message is an object with op and d"));
    };
    let op = match message.get("op") {
        None => return Err(refuse(CloseCode::MissingDataField, "the message has no op")),
        Some(op) => op.as_u64().ok_or_else(|| refuse(CloseCode::InvalidDataFieldType, "op must be a whole number"))?,
    };
    let d = match message.remove("d") {
        None => return Err(refuse(CloseCode::MissingDataField, "the message has no d")),
        Some(Value::Object(d)) => d,
        Some(_) => return Err(refuse(CloseCode::InvalidDataFieldType, "d must be an object")),
    };
    match u8::try_from(op) {
        Ok(op::IDENTIFY) => identify(&d),
        Ok(op::REIDENTIFY) => Ok(Incoming::Reidentify { event_subscriptions: subscriptions(&d)? }),
        Ok(op::REQUEST) => request(d).map(Incoming::Request),
        Ok(op::REQUEST_BATCH) => batch(d),
        _ => Err(refuse(CloseCode::UnknownOpCode, format!("unknown op {op}"))),
    }
}

fn identify(d: &Map<String, Value>) -> Result<Incoming, Refusal> {
    let rpc_version = match d.get("rpcVersion") {
        None => return Err(refuse(CloseCode::MissingDataField, "Identify has no rpcVersion")),
        Some(v) => v.as_u64().ok_or_else(|| refuse(CloseCode::InvalidDataFieldType, "rpcVersion must be a number"))?,
    };
    let authentication = match d.get("authentication") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(refuse(CloseCode::InvalidDataFieldType, "authentication must be a string")),
    };
    Ok(Incoming::Identify { rpc_version, authentication, event_subscriptions: subscriptions(d)? })
}

fn subscriptions(d: &Map<String, Value>) -> Result<Option<u32>, Refusal> {
    match d.get("eventSubscriptions") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            // Unknown bits are accepted (newer clients know newer categories).
            .map(|bits| Some((bits & u64::from(u32::MAX)) as u32))
            .ok_or_else(|| refuse(CloseCode::InvalidDataFieldType, "eventSubscriptions must be a whole number")),
    }
}

fn request(mut d: Map<String, Value>) -> Result<RequestMessage, Refusal> {
    let request_type = match d.remove("requestType") {
        None => return Err(refuse(CloseCode::MissingDataField, "the request has no requestType")),
        Some(Value::String(s)) => s,
        Some(_) => return Err(refuse(CloseCode::InvalidDataFieldType, "requestType must be a string")),
    };
    let request_id =
        d.remove("requestId").ok_or_else(|| refuse(CloseCode::MissingDataField, "the request has no requestId"))?;
    let request_data = match d.remove("requestData") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(data @ Value::Object(_)) => data,
        Some(_) => return Err(refuse(CloseCode::InvalidDataFieldType, "requestData must be an object")),
    };
    Ok(RequestMessage { request_type, request_id, request_data })
}

fn batch(mut d: Map<String, Value>) -> Result<Incoming, Refusal> {
    let request_id =
        d.remove("requestId").ok_or_else(|| refuse(CloseCode::MissingDataField, "the batch has no requestId"))?;
    let requests = match d.remove("requests") {
        None => return Err(refuse(CloseCode::MissingDataField, "the batch has no requests")),
        Some(Value::Array(requests)) => requests,
        Some(_) => return Err(refuse(CloseCode::InvalidDataFieldType, "requests must be an array")),
    };
    let halt_on_failure = match d.get("haltOnFailure") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(refuse(CloseCode::InvalidDataFieldType, "haltOnFailure must be true or false")),
    };
    let execution_type = match d.get("executionType") {
        None | Some(Value::Null) => ExecutionType::SerialRealtime,
        Some(v) => {
            let n =
                v.as_i64().ok_or_else(|| refuse(CloseCode::InvalidDataFieldType, "executionType must be a number"))?;
            ExecutionType::from_number(n).ok_or_else(|| {
                refuse(CloseCode::InvalidDataFieldValue, format!("executionType {n} is not 0, 1 or 2"))
            })?
        }
    };
    Ok(Incoming::Batch { request_id, halt_on_failure, execution_type, requests })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Value) -> Frame {
        Frame::Text(v.to_string())
    }

    #[test]
    fn requests_keep_their_id_of_any_type() {
        for id in [json!(7), json!("a-b"), json!({"n": [1, 2]}), json!(null)] {
            let frame = text(json!({"op": 6, "d": {"requestType": "GetVersion", "requestId": id}}));
            let Ok(Incoming::Request(request)) = decode(&frame, Encoding::Json) else { panic!("not a request") };
            assert_eq!(request.request_id, id);
            assert_eq!(request.request_data, json!({}));
        }
    }

    #[test]
    fn each_malformed_message_gets_its_close_code() {
        let cases = [
            (Frame::Text("{not json".into()), CloseCode::MessageDecodeError),
            (text(json!([1, 2])), CloseCode::MessageDecodeError),
            (text(json!({"d": {}})), CloseCode::MissingDataField),
            (text(json!({"op": "6", "d": {}})), CloseCode::InvalidDataFieldType),
            (text(json!({"op": 6})), CloseCode::MissingDataField),
            (text(json!({"op": 6, "d": []})), CloseCode::InvalidDataFieldType),
            (text(json!({"op": 6, "d": {"requestType": "GetVersion"}})), CloseCode::MissingDataField),
            (text(json!({"op": 6, "d": {"requestId": 1}})), CloseCode::MissingDataField),
            (text(json!({"op": 6, "d": {"requestType": 5, "requestId": 1}})), CloseCode::InvalidDataFieldType),
            (
                text(json!({"op": 6, "d": {"requestType": "X", "requestId": 1, "requestData": 3}})),
                CloseCode::InvalidDataFieldType,
            ),
            (text(json!({"op": 1, "d": {}})), CloseCode::MissingDataField),
            (
                text(json!({"op": 1, "d": {"rpcVersion": 1, "eventSubscriptions": "all"}})),
                CloseCode::InvalidDataFieldType,
            ),
            (
                text(json!({"op": 8, "d": {"requestId": 1, "requests": [], "executionType": 7}})),
                CloseCode::InvalidDataFieldValue,
            ),
            (text(json!({"op": 8, "d": {"requestId": 1}})), CloseCode::MissingDataField),
            (text(json!({"op": 4, "d": {}})), CloseCode::UnknownOpCode),
            (text(json!({"op": 300, "d": {}})), CloseCode::UnknownOpCode),
        ];
        for (frame, code) in cases {
            assert_eq!(decode(&frame, Encoding::Json).map_err(|r| r.code), Err(code), "{frame:?}");
        }
    }

    #[test]
    fn the_wrong_frame_type_for_the_encoding_is_a_decode_error() {
        let json_frame = text(json!({"op": 1, "d": {"rpcVersion": 1}}));
        assert_eq!(decode(&json_frame, Encoding::MsgPack).unwrap_err().code, CloseCode::MessageDecodeError);
        let Frame::Binary(bytes) = Encoding::MsgPack.encode(op::IDENTIFY, json!({"rpcVersion": 1})) else {
            panic!("msgpack frames are binary")
        };
        assert_eq!(
            decode(&Frame::Binary(bytes.clone()), Encoding::Json).unwrap_err().code,
            CloseCode::MessageDecodeError
        );
        let identify = decode(&Frame::Binary(bytes), Encoding::MsgPack).unwrap();
        assert_eq!(identify, Incoming::Identify { rpc_version: 1, authentication: None, event_subscriptions: None });
    }

    #[test]
    fn subprotocols_are_negotiated_and_echoed() {
        assert_eq!(Encoding::negotiate(["obswebsocket.msgpack"]), (Encoding::MsgPack, Some(MSGPACK_SUBPROTOCOL)));
        assert_eq!(Encoding::negotiate(["x", "obswebsocket.json"]), (Encoding::Json, Some(JSON_SUBPROTOCOL)));
        assert_eq!(Encoding::negotiate([]), (Encoding::Json, None));
    }

    #[test]
    fn unknown_subscription_bits_are_kept() {
        let frame = text(json!({"op": 3, "d": {"eventSubscriptions": (1u64 << 30) | 4}}));
        assert_eq!(
            decode(&frame, Encoding::Json).unwrap(),
            Incoming::Reidentify { event_subscriptions: Some((1 << 30) | 4) }
        );
    }
}
