//! TaskRouter's workspaces and tasks (`/v1/Workspaces/…`), in the shapes of
//! twilio-oai's `twilio_taskrouter_v1`: enough for what a Flex contact
//! center's tasks go through outside Flex (fetching a task, updating its
//! attributes). As Twilio does:
//! - `attributes` is a JSON string, and an update replaces it whole (a
//!   client must merge what it read);
//! - every fetch and update answers an `ETag` (the task's revision), and an
//!   update with `If-Match` of another revision is refused (412, 20412);
//! - attributes that are not a JSON object are refused (400, 20001);
//! - another account's workspace or task is not found (404, 20404).
//!
//! Tasks are made by tests (Flex makes them when a chat arrives).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::api::{field, iso, parse_form};
use crate::error::{ApiError, codes};
use crate::faults::ApiOp;
use crate::{Simulator, ids};

/// The workspace Flex makes for every account.
pub const FLEX_WORKSPACE: &str = "Flex Task Assignment";
/// Twilio's code for a failed `If-Match`.
const PRECONDITION_FAILED: u32 = 20412;

#[derive(Default)]
pub(crate) struct TaskRouterState {
    workspaces: Vec<Workspace>,
    tasks: Vec<Task>,
}

struct Workspace {
    sid: String,
    account_sid: String,
    friendly_name: String,
    created: DateTime<Utc>,
}

struct Task {
    sid: String,
    account_sid: String,
    workspace_sid: String,
    attributes: String,
    assignment_status: String,
    revision: u64,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
}

/// A task as a test reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    pub sid: String,
    pub workspace_sid: String,
    pub attributes: Value,
    pub assignment_status: String,
    pub revision: u64,
}

impl TaskRouterState {
    /// The account's Flex workspace, made on first use.
    fn flex_workspace(&mut self, account_sid: &str) -> String {
        if let Some(w) = self.workspaces.iter().find(|w| w.account_sid == account_sid) {
            return w.sid.clone();
        }
        let sid = ids::sid("WS");
        self.workspaces.push(Workspace {
            sid: sid.clone(),
            account_sid: account_sid.into(),
            friendly_name: FLEX_WORKSPACE.into(),
            created: Utc::now(),
        });
        sid
    }

    pub(crate) fn add_task(&mut self, account_sid: &str, attributes: &Value, status: &str) -> TaskView {
        let workspace_sid = self.flex_workspace(account_sid);
        let now = Utc::now();
        let task = Task {
            sid: ids::sid("WT"),
            account_sid: account_sid.into(),
            workspace_sid,
            attributes: attributes.to_string(),
            assignment_status: status.into(),
            revision: 0,
            created: now,
            updated: now,
        };
        let view = view(&task);
        self.tasks.push(task);
        view
    }

    pub(crate) fn task(&self, sid: &str) -> Option<TaskView> {
        self.tasks.iter().find(|t| t.sid == sid).map(view)
    }

    pub(crate) fn set_status(&mut self, sid: &str, status: &str) -> Option<TaskView> {
        let task = self.tasks.iter_mut().find(|t| t.sid == sid)?;
        task.assignment_status = status.into();
        task.revision += 1;
        task.updated = Utc::now();
        Some(view(task))
    }

    /// Flex changes the task's attributes (a new revision), as Flex's own
    /// updates do while an agent works on it.
    pub(crate) fn set_attributes(&mut self, sid: &str, attributes: &Value) -> Option<TaskView> {
        let task = self.tasks.iter_mut().find(|t| t.sid == sid)?;
        task.attributes = attributes.to_string();
        task.revision += 1;
        task.updated = Utc::now();
        Some(view(task))
    }
}

fn view(t: &Task) -> TaskView {
    TaskView {
        sid: t.sid.clone(),
        workspace_sid: t.workspace_sid.clone(),
        attributes: serde_json::from_str(&t.attributes).unwrap_or(Value::Null),
        assignment_status: t.assignment_status.clone(),
        revision: t.revision,
    }
}

pub(crate) enum Route {
    ListWorkspaces,
    FetchTask(String, String),
    UpdateTask(String, String),
}

impl Route {
    /// The route of `segments` after `v1`, and the methods its path allows.
    pub fn parse(method: &poem::http::Method, segments: &[&str]) -> Option<(Self, &'static [&'static str])> {
        let get = method == poem::http::Method::GET;
        Some(match segments {
            ["Workspaces"] => (Self::ListWorkspaces, &["GET"]),
            ["Workspaces", ws, "Tasks", wt] if get => (Self::FetchTask((*ws).into(), (*wt).into()), &["GET", "POST"]),
            ["Workspaces", ws, "Tasks", wt] => (Self::UpdateTask((*ws).into(), (*wt).into()), &["GET", "POST"]),
            _ => return None,
        })
    }

    pub fn op(&self) -> ApiOp {
        match self {
            Self::ListWorkspaces => ApiOp::ListWorkspaces,
            Self::FetchTask(..) => ApiOp::FetchTask,
            Self::UpdateTask(..) => ApiOp::UpdateTask,
        }
    }
}

/// The answer, and the task's revision for its `ETag` (read under the same
/// lock as the body, so the two always agree).
type Answer = Result<(u16, Value, Option<String>), ApiError>;

pub(crate) fn serve(
    sim: &Simulator,
    route: Route,
    account: &str,
    body: &[u8],
    if_match: Option<&str>,
    base: &str,
) -> Answer {
    let mut guard = sim.state();
    let state = &mut guard.taskrouter;
    match route {
        Route::ListWorkspaces => {
            state.flex_workspace(account);
            let items: Vec<Value> = state
                .workspaces
                .iter()
                .filter(|w| w.account_sid == account)
                .map(|w| {
                    json!({
                        "sid": w.sid,
                        "account_sid": w.account_sid,
                        "friendly_name": w.friendly_name,
                        "date_created": iso(w.created),
                        "date_updated": iso(w.created),
                        "url": format!("{base}/v1/Workspaces/{}", w.sid),
                    })
                })
                .collect();
            let url = format!("{base}/v1/Workspaces");
            Ok((
                200,
                json!({
                    "workspaces": items,
                    "meta": { "page": 0, "page_size": 50, "first_page_url": format!("{url}?PageSize=50&Page=0"),
                              "previous_page_url": null, "url": format!("{url}?PageSize=50&Page=0"),
                              "next_page_url": null, "key": "workspaces" },
                }),
                None,
            ))
        }
        Route::FetchTask(ws, wt) => {
            let task = find(state, account, &ws, &wt)?;
            Ok((200, task_json(task, base), Some(task.revision.to_string())))
        }
        Route::UpdateTask(ws, wt) => {
            let form = parse_form(body)?;
            let attributes = field(&form, "Attributes").map(str::to_owned);
            if let Some(a) = &attributes
                && !serde_json::from_str::<Value>(a).is_ok_and(|v| v.is_object())
            {
                return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "Attributes must be a JSON object"));
            }
            let status = field(&form, "AssignmentStatus").map(str::to_owned);
            if let Some(s) = &status
                && !["pending", "reserved", "assigned", "canceled", "completed", "wrapping"].contains(&s.as_str())
            {
                return Err(ApiError::bad_request(codes::INVALID_PARAMETER, format!("Invalid AssignmentStatus {s}")));
            }
            let task = find_mut(state, account, &ws, &wt)?;
            if let Some(expected) = if_match
                && expected.trim_matches('"') != task.revision.to_string()
            {
                return Err(ApiError::new(412, PRECONDITION_FAILED, "The task was changed since it was read"));
            }
            if let Some(a) = attributes {
                task.attributes = a;
            }
            if let Some(s) = status {
                task.assignment_status = s;
            }
            task.revision += 1;
            task.updated = Utc::now();
            Ok((200, task_json(task, base), Some(task.revision.to_string())))
        }
    }
}

fn find<'a>(state: &'a TaskRouterState, account: &str, ws: &str, wt: &str) -> Result<&'a Task, ApiError> {
    state
        .tasks
        .iter()
        .find(|t| t.account_sid == account && t.workspace_sid == ws && t.sid == wt)
        .ok_or_else(|| ApiError::not_found(&format!("/Workspaces/{ws}/Tasks/{wt}")))
}

fn find_mut<'a>(state: &'a mut TaskRouterState, account: &str, ws: &str, wt: &str) -> Result<&'a mut Task, ApiError> {
    state
        .tasks
        .iter_mut()
        .find(|t| t.account_sid == account && t.workspace_sid == ws && t.sid == wt)
        .ok_or_else(|| ApiError::not_found(&format!("/Workspaces/{ws}/Tasks/{wt}")))
}

fn task_json(t: &Task, base: &str) -> Value {
    let url = format!("{base}/v1/Workspaces/{}/Tasks/{}", t.workspace_sid, t.sid);
    json!({
        "sid": t.sid,
        "account_sid": t.account_sid,
        "workspace_sid": t.workspace_sid,
        "attributes": t.attributes,
        "assignment_status": t.assignment_status,
        "age": (Utc::now() - t.created).num_seconds(),
        "priority": 0,
        "reason": null,
        "timeout": 86400,
        "task_channel_unique_name": "chat",
        "date_created": iso(t.created),
        "date_updated": iso(t.updated),
        "url": url,
        "links": { "workspace": format!("{base}/v1/Workspaces/{}", t.workspace_sid) },
    })
}
