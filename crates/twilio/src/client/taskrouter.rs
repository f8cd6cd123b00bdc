//! TaskRouter: the Flex workspace and its tasks, as twilio-oai's
//! `twilio_taskrouter_v1` describes them. A task's `attributes` is a JSON
//! string that an update replaces whole, so callers read it (with its
//! `ETag`), merge, and write it back with `If-Match`: a change made in
//! between (Flex's own) is refused with 412 instead of lost.

use reqwest::Method;

use super::{AccountClient, Api, Auth, Body, Call};
use crate::TwilioError;
use crate::resources::{Task, Workspace};

#[derive(serde::Deserialize)]
struct WorkspacePage {
    workspaces: Vec<Workspace>,
}

/// A task as read, with the revision its `ETag` named.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Tagged<T> {
    pub etag: Option<String>,
    pub value: T,
}

impl AccountClient {
    /// `GET {taskrouter}/v1/Workspaces`: the account's workspaces (Flex
    /// makes one, "Flex Task Assignment").
    pub async fn list_workspaces(&self) -> Result<Vec<Workspace>, TwilioError> {
        let mut target = self.url(Api::TaskRouter, &["v1", "Workspaces"])?;
        target.0.query_pairs_mut().append_pair("PageSize", "50");
        let page: WorkspacePage =
            self.execute(Call::new("list_workspaces", Method::GET, target, Auth::ApiKey)).await.0?;
        Ok(page.workspaces)
    }

    /// `GET {taskrouter}/v1/Workspaces/{WS}/Tasks/{WT}`, with its revision;
    /// `None` when there is no such task (TaskRouter deletes completed tasks
    /// after a few minutes).
    pub async fn fetch_task(&self, workspace_sid: &str, task_sid: &str) -> Result<Option<Tagged<Task>>, TwilioError> {
        let target = self.url(Api::TaskRouter, &["v1", "Workspaces", workspace_sid, "Tasks", task_sid])?;
        let mut call = Call::new("fetch_task", Method::GET, target, Auth::ApiKey);
        call.etag = true;
        match self.execute(call).await.0 {
            Ok(task) => Ok(Some(task)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST {taskrouter}/v1/Workspaces/{WS}/Tasks/{WT}` with `Attributes`,
    /// only if the task is still at `revision` (`If-Match`): a 412 means it
    /// changed since it was read.
    pub async fn update_task_attributes(
        &self,
        workspace_sid: &str,
        task_sid: &str,
        attributes: &serde_json::Value,
        revision: Option<&str>,
    ) -> Result<Task, TwilioError> {
        let target = self.url(Api::TaskRouter, &["v1", "Workspaces", workspace_sid, "Tasks", task_sid])?;
        let form = vec![("Attributes", attributes.to_string())];
        let mut call = Call::new("update_task", Method::POST, target, Auth::ApiKey).body(Body::Form(form));
        call.if_match = revision.map(str::to_owned);
        self.execute(call).await.0
    }
}
