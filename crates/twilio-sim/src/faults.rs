//! Fault injection per Twilio operation, and the log of API requests that
//! tests count attempts with.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The Twilio operations the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiOp {
    /// `POST /v1/Rooms`
    CreateRoom,
    /// `GET /v1/Rooms`
    ListRooms,
    /// `GET /v1/Rooms/{Sid|UniqueName}`
    FetchRoom,
    /// `POST /v1/Rooms/{Sid|UniqueName}`
    UpdateRoom,
    /// `POST /v1/Conversations/{CH}/Messages`
    CreateMessage,
    /// `GET /v1/Conversations/{CH}/Messages`
    ListMessages,
    /// `GET /v1/Conversations/{CH}` (or in a service)
    FetchConversation,
    /// `GET /v1/Services`
    ListServices,
    /// `DELETE /v1/Conversations/{CH}/Messages/{IM}`
    DeleteMessage,
    /// `POST /v1/Accounts/{AC}/Tokens/validate`
    ValidateToken,
    /// `GET /2010-04-01/Accounts/{AC}.json`
    FetchAccount,
    /// `GET /v1/PluginService/Plugins`
    ListFlexPlugins,
    /// `POST /v1/PluginService/Plugins`
    CreateFlexPlugin,
    /// `GET /v1/PluginService/Plugins/{FP|UniqueName}`
    FetchFlexPlugin,
    /// `POST /v1/PluginService/Plugins/{FP}/Archive`
    ArchiveFlexPlugin,
    /// `GET /v1/PluginService/Plugins/{FP}/Versions`
    ListFlexPluginVersions,
    /// `POST /v1/PluginService/Plugins/{FP}/Versions`
    CreateFlexPluginVersion,
    /// `GET /v1/PluginService/Plugins/{FP}/Versions/{FV}`
    FetchFlexPluginVersion,
    /// `GET /v1/PluginService/Configurations`
    ListFlexPluginConfigurations,
    /// `POST /v1/PluginService/Configurations`
    CreateFlexPluginConfiguration,
    /// `GET /v1/PluginService/Configurations/{FJ}`
    FetchFlexPluginConfiguration,
    /// `GET /v1/PluginService/Configurations/{FJ}/Plugins`
    ListFlexConfiguredPlugins,
    /// `GET /v1/PluginService/Releases`
    ListFlexReleases,
    /// `POST /v1/PluginService/Releases`
    CreateFlexRelease,
    /// `GET /v1/PluginService/Releases/{FK|Active}`
    FetchFlexRelease,
    /// `GET /v1/Configuration`
    FetchFlexConfiguration,
    /// `POST /v1/Configuration`
    UpdateFlexConfiguration,
    /// `GET /v1/Recordings`
    ListRecordings,
    /// `GET /v1/Recordings/{RT}`
    FetchRecording,
    /// `DELETE /v1/Recordings/{RT}`
    DeleteRecording,
    /// `GET /v1/Recordings/{RT}/Media`
    FetchRecordingMedia,
    /// `GET /v1/Rooms/{RM}/Recordings`
    ListRoomRecordings,
    /// `GET /v1/Rooms/{RM}/Recordings/{RT}`
    FetchRoomRecording,
    /// `POST /v1/Compositions`
    CreateComposition,
    /// `GET /v1/Compositions`
    ListCompositions,
    /// `GET /v1/Compositions/{CJ}`
    FetchComposition,
    /// `DELETE /v1/Compositions/{CJ}`
    DeleteComposition,
    /// `GET /v1/Compositions/{CJ}/Media`
    FetchCompositionMedia,
    /// `GET /v1/Workspaces` (TaskRouter)
    ListWorkspaces,
    /// `GET /v1/Workspaces/{WS}/Tasks/{WT}`
    FetchTask,
    /// `POST /v1/Workspaces/{WS}/Tasks/{WT}`
    UpdateTask,
}

impl ApiOp {
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }
}

/// What to do to the next calls of one operation (after authentication).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Wait this long before handling. Longer than the client's timeout
    /// means "no answer in time" (the request is then never processed).
    #[serde(default)]
    pub latency_ms: u64,
    /// Answer this status (e.g. 429, 500, 503) with a Twilio error document
    /// instead of handling the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds sent with `status`.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// Handle the request, then drop the connection instead of answering:
    /// the client cannot know the request succeeded.
    #[serde(default)]
    pub drop_connection: bool,
    /// How many calls this applies to; `None` = until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

#[derive(Default)]
pub(crate) struct Faults(HashMap<ApiOp, Fault>);

impl Faults {
    pub fn set(&mut self, op: ApiOp, fault: Fault) {
        self.0.insert(op, fault);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The fault for this call, counting it against `times`.
    pub fn take(&mut self, op: ApiOp) -> Option<Fault> {
        let fault = self.0.get_mut(&op)?;
        let current = fault.clone();
        match &mut fault.times {
            Some(0) => {
                self.0.remove(&op);
                return None;
            }
            Some(1) => {
                self.0.remove(&op);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(current)
    }
}

/// One request to the Twilio-shaped API, as answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `None` for paths that match no operation.
    pub op: Option<ApiOp>,
    pub method: String,
    pub path: String,
    /// The account the credentials belonged to, if they were valid.
    pub account_sid: Option<String>,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    pub received_at: DateTime<Utc>,
    /// The W3C `traceparent` header the client sent, if any.
    #[serde(default)]
    pub traceparent: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_fault_applies_that_many_times() {
        let mut faults = Faults::default();
        faults.set(ApiOp::CreateRoom, Fault { status: Some(500), times: Some(2), ..Fault::default() });
        assert!(faults.take(ApiOp::FetchRoom).is_none());
        assert_eq!(faults.take(ApiOp::CreateRoom).unwrap().status, Some(500));
        assert_eq!(faults.take(ApiOp::CreateRoom).unwrap().status, Some(500));
        assert!(faults.take(ApiOp::CreateRoom).is_none());

        faults.set(ApiOp::FetchRoom, Fault { latency_ms: 5, ..Fault::default() });
        for _ in 0..5 {
            assert_eq!(faults.take(ApiOp::FetchRoom).unwrap().latency_ms, 5);
        }
        faults.clear();
        assert!(faults.take(ApiOp::FetchRoom).is_none());
    }

    #[test]
    fn ops_parse_from_their_snake_case_names() {
        assert_eq!(ApiOp::parse("create_message"), Some(ApiOp::CreateMessage));
        assert_eq!(ApiOp::parse("create_composition"), Some(ApiOp::CreateComposition));
        assert_eq!(ApiOp::parse("fetch_composition_media"), Some(ApiOp::FetchCompositionMedia));
        assert_eq!(ApiOp::parse("nope"), None);
    }
}
