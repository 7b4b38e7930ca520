//! Garbage from a socket: any bytes, in either encoding, end in a reply or a close code, never
//! a panic; and a client's requestId of any shape comes back unchanged.
#![allow(clippy::unwrap_used)]

use obs_websocket::message::{decode, Incoming};
use obs_websocket::{Encoding, Frame};
use proptest::prelude::*;
use serde_json::{json, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9 ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("(op|d|requestId|requestType|requestData|rpcVersion|[a-z]{1,6})", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_or_refuse(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(&Frame::Binary(bytes.clone()), Encoding::MsgPack);
        let _ = decode(&Frame::Text(String::from_utf8_lossy(&bytes).into_owned()), Encoding::Json);
    }

    #[test]
    fn any_json_shape_decodes_or_refuses(op in 0u64..12, d in json_value()) {
        let frame = Frame::Text(json!({"op": op, "d": d}).to_string());
        let _ = decode(&frame, Encoding::Json);
        let packed = Frame::Binary(rmp_serde::to_vec_named(&json!({"op": op, "d": d})).unwrap());
        let _ = decode(&packed, Encoding::MsgPack);
    }

    #[test]
    fn request_ids_survive_both_encodings(id in json_value()) {
        let message = json!({"op": 6, "d": {"requestType": "GetVersion", "requestId": id}});
        for (frame, encoding) in [
            (Frame::Text(message.to_string()), Encoding::Json),
            (Frame::Binary(rmp_serde::to_vec_named(&message).unwrap()), Encoding::MsgPack),
        ] {
            match decode(&frame, encoding) {
                Ok(Incoming::Request(request)) => prop_assert_eq!(&request.request_id, &id),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
