//! The published OpenAPI document: poem-openapi's, with its tags in the
//! order an integrator reads them (escalations first, operator routes last;
//! poem-openapi sorts them by name) and a quick start for the common
//! integration in its description. One definition: `/openapi.json`, `/docs`
//! and the repository's `openapi.yaml` all come from here.

use std::sync::LazyLock;

use serde_yaml::Value;

/// Tags as Swagger UI lists them. A tag missing here goes last, so a new one
/// cannot vanish from the docs.
const TAG_ORDER: [&str; 12] = [
    "Escalations",
    "Metrics",
    "Webhooks",
    "ContactCenters",
    "TwilioCredentials",
    "Flex",
    "ApiKeys",
    "Users",
    "Tenant",
    "Auth",
    "Audit",
    "Platform",
];

const QUICK_START: &str = "\n\n## Quick start\n\n\
1. **A key.** In the dashboard, *API keys* → create one with the `escalations` scope (and `metrics` to read \
figures). Send it as `Authorization: Bearer esk_…`. The Flex plugin needs no key: it uses the agent's Flex token.\n\
2. **Escalate a chat.** `POST /v1/contact-centers/{cc}/escalations` with `{\"task_sid\", \"conversation_sid\", \
\"agent_identity\"}` and an `Idempotency-Key` header: the answer has the `join_url` posted into the chat and the \
agent's `agent_video` grant. `POST /v1/escalations/{id}/complete` ends the call.\n\
3. **Read the figures.** `GET /v1/contact-centers/{cc}/metrics?from=…&to=…&bucket=day`: escalations, join rate, \
time to join, call duration, by agent and by bucket; the same as CSV at `…/escalations.csv`.\n\
4. **Hear about calls.** `POST /v1/webhook-endpoints` with an `https://` URL and the events you want \
(`escalation.created`, `customer.joined`, `escalation.ended`, …); deliveries are signed as Standard Webhooks sign \
(`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the `whsec_…` secret shown once.\n";

static DOCUMENT: LazyLock<Value> = LazyLock::new(build);

fn build() -> Value {
    // A document that does not parse is a bug in the operations' definitions:
    // say so at once rather than publish an empty contract.
    let mut doc: Value = serde_yaml::from_str(&super::service().spec_yaml())
        .unwrap_or_else(|err| panic!("the generated OpenAPI document does not parse: {err}"));
    if let Some(Value::Sequence(tags)) = doc.get_mut("tags") {
        let rank = |t: &Value| {
            let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
            TAG_ORDER.iter().position(|n| *n == name).unwrap_or(TAG_ORDER.len())
        };
        tags.sort_by_key(rank);
    }
    if let Some(Value::String(description)) = doc.get_mut("info").and_then(|i| i.get_mut("description")) {
        description.push_str(QUICK_START);
    }
    super::constraints::apply(&mut doc);
    doc
}

/// The document as YAML (`openapi.yaml`).
pub fn yaml() -> String {
    serde_yaml::to_string(&*DOCUMENT).unwrap_or_default()
}

/// The document as JSON (`/openapi.json`), in the same order.
pub fn json() -> String {
    serde_json::to_string(&*DOCUMENT).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_lead_with_escalations_and_every_tag_stays() {
        let doc: serde_json::Value = serde_json::from_str(&super::json()).unwrap();
        let names: Vec<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names.first(), Some(&"Escalations"));
        assert_eq!(names.last(), Some(&"Platform"));
        assert_eq!(names.len(), super::TAG_ORDER.len(), "{names:?}");
        assert!(doc["info"]["description"].as_str().unwrap().contains("## Quick start"));
    }
}
