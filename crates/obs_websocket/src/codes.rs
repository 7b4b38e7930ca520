//! The numbers of the protocol: op codes, close codes, request status codes and event
//! subscription bits, as obs-websocket 5.x defines them.

/// Message op codes.
pub mod op {
    pub const HELLO: u8 = 0;
    pub const IDENTIFY: u8 = 1;
    pub const IDENTIFIED: u8 = 2;
    pub const REIDENTIFY: u8 = 3;
    pub const EVENT: u8 = 5;
    pub const REQUEST: u8 = 6;
    pub const REQUEST_RESPONSE: u8 = 7;
    pub const REQUEST_BATCH: u8 = 8;
    pub const REQUEST_BATCH_RESPONSE: u8 = 9;
}

/// Why the server closes a connection (WebSocket close codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// The message could not be decoded, or came in the wrong frame type for the session's encoding.
    MessageDecodeError = 4002,
    MissingDataField = 4003,
    InvalidDataFieldType = 4004,
    InvalidDataFieldValue = 4005,
    UnknownOpCode = 4006,
    NotIdentified = 4007,
    AlreadyIdentified = 4008,
    AuthenticationFailed = 4009,
    UnsupportedRpcVersion = 4010,
    /// The server is going away (the studio is quitting).
    SessionInvalidated = 4011,
}

impl CloseCode {
    pub fn code(self) -> u16 {
        self as u16
    }
}

/// A request's `requestStatus.code`.
pub mod status {
    pub const SUCCESS: u16 = 100;
    pub const MISSING_REQUEST_TYPE: u16 = 203;
    pub const UNKNOWN_REQUEST_TYPE: u16 = 204;
    pub const GENERIC_ERROR: u16 = 205;
    pub const UNSUPPORTED_REQUEST_BATCH_EXECUTION_TYPE: u16 = 206;
    pub const NOT_READY: u16 = 207;
    pub const MISSING_REQUEST_FIELD: u16 = 300;
    pub const MISSING_REQUEST_DATA: u16 = 301;
    pub const INVALID_REQUEST_FIELD: u16 = 400;
    pub const INVALID_REQUEST_FIELD_TYPE: u16 = 401;
    pub const REQUEST_FIELD_OUT_OF_RANGE: u16 = 402;
    pub const REQUEST_FIELD_EMPTY: u16 = 403;
    pub const TOO_MANY_REQUEST_FIELDS: u16 = 404;
    pub const OUTPUT_RUNNING: u16 = 500;
    pub const OUTPUT_NOT_RUNNING: u16 = 501;
    pub const STUDIO_MODE_ACTIVE: u16 = 505;
    pub const STUDIO_MODE_NOT_ACTIVE: u16 = 506;
    pub const RESOURCE_NOT_FOUND: u16 = 600;
    pub const RESOURCE_ALREADY_EXISTS: u16 = 601;
    pub const INVALID_RESOURCE_TYPE: u16 = 602;
    pub const INVALID_RESOURCE_STATE: u16 = 604;
    pub const RESOURCE_ACTION_FAILED: u16 = 701;
    pub const REQUEST_PROCESSING_FAILED: u16 = 702;
    pub const CANNOT_ACT: u16 = 703;
}

/// `eventSubscriptions` bits; an event goes to a client only when `subscriptions & intent != 0`.
pub mod subscription {
    pub const NONE: u32 = 0;
    pub const GENERAL: u32 = 1;
    pub const CONFIG: u32 = 1 << 1;
    pub const SCENES: u32 = 1 << 2;
    pub const INPUTS: u32 = 1 << 3;
    pub const TRANSITIONS: u32 = 1 << 4;
    pub const FILTERS: u32 = 1 << 5;
    pub const OUTPUTS: u32 = 1 << 6;
    pub const SCENE_ITEMS: u32 = 1 << 7;
    pub const MEDIA_INPUTS: u32 = 1 << 8;
    pub const VENDORS: u32 = 1 << 9;
    pub const UI: u32 = 1 << 10;
    /// Every low-volume category: what a client gets when its Identify names none.
    pub const ALL: u32 = (1 << 11) - 1;
    /// High-volume events, sent only to a client that asks for them by name.
    pub const INPUT_VOLUME_METERS: u32 = 1 << 16;
    pub const INPUT_ACTIVE_STATE_CHANGED: u32 = 1 << 17;
    pub const INPUT_SHOW_STATE_CHANGED: u32 = 1 << 18;
    pub const SCENE_ITEM_TRANSFORM_CHANGED: u32 = 1 << 19;
}

/// `executionType` of a RequestBatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionType {
    SerialRealtime,
    SerialFrame,
    Parallel,
}

impl ExecutionType {
    pub fn from_number(n: i64) -> Option<ExecutionType> {
        match n {
            0 => Some(ExecutionType::SerialRealtime),
            1 => Some(ExecutionType::SerialFrame),
            2 => Some(ExecutionType::Parallel),
            _ => None,
        }
    }
}
