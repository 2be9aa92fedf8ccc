//! The Debug Adapter Protocol's messages as typed serde structs that follow the protocol's
//! JSON schema field by field: the envelopes (request, response, event) here, the shared
//! types in [`types`], each request's arguments and response body in [`requests`], each
//! event's body in [`events`].
//!
//! A request's arguments and a response's or event's body travel as JSON values inside the
//! envelope and are converted from and to their typed structs at the edge: the [`Command`]
//! trait ties a command's name to its argument and body types, the [`EventBody`] trait an
//! event's name to its body type, so no message is built by hand.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod events;
pub mod requests;
pub mod types;

/// Any message of the protocol, as it travels (`type` tells which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Message {
    /// A client's request.
    Request(Request),
    /// The adapter's answer to a request.
    Response(Response),
    /// Something the adapter reports on its own.
    Event(Event),
}

/// A request: a command and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The sender's sequence number.
    pub seq: i64,
    /// The command.
    pub command: String,
    /// The command's arguments (a [`Command::Arguments`] as JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
}

/// A response to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The sender's sequence number.
    pub seq: i64,
    /// The sequence number of the request answered.
    pub request_seq: i64,
    /// Whether the request succeeded.
    pub success: bool,
    /// The command of the request answered.
    pub command: String,
    /// Why the request failed (or `cancelled`, `notStopped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The result (a [`Command::Body`] as JSON), or the details of an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The sender's sequence number.
    pub seq: i64,
    /// Which event.
    pub event: String,
    /// Its details (an [`EventBody`] as JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// A request of the protocol: its command name, arguments and response body.
pub trait Command {
    /// The `command` string.
    const NAME: &'static str;
    /// The `arguments` (`()` where the request has none).
    type Arguments: Serialize + DeserializeOwned;
    /// The response's `body` (`()` where it has none).
    type Body: Serialize + DeserializeOwned;
}

/// The body of an event of the protocol, with the event's name.
pub trait EventBody: Serialize + DeserializeOwned {
    /// The `event` string.
    const NAME: &'static str;
}

/// A value as the `body` or `arguments` of a message: `None` for a type that serialises to
/// nothing (`()` or a unit struct).
pub fn to_body<T: Serialize>(value: &T) -> Result<Option<Value>, serde_json::Error> {
    Ok(Some(serde_json::to_value(value)?).filter(|value| !value.is_null()))
}

/// A message's `body` or `arguments` as `T`. Absent arguments are what the type accepts
/// as nothing: `null` for `()`, an empty object for a struct (so a struct whose fields are
/// all optional takes them, and one with a required field says which is missing).
pub fn from_body<T: DeserializeOwned>(value: Option<&Value>) -> Result<T, serde_json::Error> {
    match value {
        Some(value) => T::deserialize(value),
        None => T::deserialize(&Value::Null)
            .or_else(|_| T::deserialize(&Value::Object(serde_json::Map::new()))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::requests::{AttachArguments, StackTraceArguments};
    use super::*;

    #[test]
    fn envelopes_follow_the_schema() {
        let response = Message::Response(Response {
            seq: 3,
            request_seq: 2,
            success: false,
            command: "next".into(),
            message: Some("no process".into()),
            body: None,
        });
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"type":"response","seq":3,"request_seq":2,"success":false,"command":"next","message":"no process"}"#
        );
        let event = Message::Event(Event {
            seq: 4,
            event: events::InitializedEvent::NAME.into(),
            body: to_body(&events::InitializedEvent).unwrap(),
        });
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"type":"event","seq":4,"event":"initialized"}"#
        );
    }

    #[test]
    fn arguments_are_typed() {
        let args: StackTraceArguments =
            from_body(Some(&serde_json::json!({"threadId": 7, "levels": 20}))).unwrap();
        assert_eq!(
            (args.thread_id, args.levels, args.start_frame),
            (7, Some(20), None)
        );
        let missing = from_body::<StackTraceArguments>(None).unwrap_err();
        assert!(missing.to_string().contains("threadId"), "{missing}");
        let unit: () = from_body(None).unwrap();
        assert_eq!(unit, ());
        let text: AttachArguments = from_body(Some(&serde_json::json!({"pid": "42"}))).unwrap();
        assert_eq!(text.pid, 42);
        assert!(from_body::<AttachArguments>(Some(&serde_json::json!({"pid": "x"}))).is_err());
    }
}
