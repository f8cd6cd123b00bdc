//! Flex Insights reporting: when an escalation ends, its outcome goes into
//! its Flex task's attributes under `conversations`, the object Flex
//! Insights reads when the task completes (custom text in
//! `conversation_attribute_N` and `conversation_label_N`, numbers in
//! `conversation_measure_N`, N from 1 to 10). Contact centers already use
//! some of those slots, so which slot holds what is a setting; the default
//! uses the high numbers. Values are merged into what the task holds: only
//! the mapped slots change.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validation::FieldError;

/// Which `conversations` slot each figure goes to: text in
/// `conversation_attribute_N` or `conversation_label_N`, numbers in
/// `conversation_measure_N` (N from 1 to 10), each slot once; null leaves the
/// figure out (absent here). The default uses 8-10, which contact centers
/// use least.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(
    feature = "openapi",
    derive(poem_openapi::Object),
    oai(rename = "FlexInsightsMapping", skip_serializing_if_is_none)
)]
pub struct Mapping {
    /// `Yes`. Default `conversation_attribute_8`.
    pub video_offered: Option<String>,
    /// `Yes` or `No`. Default `conversation_attribute_9`.
    pub customer_joined: Option<String>,
    /// Seconds from the link posted to the customer joining. Default `conversation_measure_8`.
    pub time_to_join_seconds: Option<String>,
    /// Seconds the call lasted. Default `conversation_measure_9`.
    pub call_duration_seconds: Option<String>,
    /// The customer's stars, 1-5 (written again if they rate before the task completes). Default `conversation_measure_10`.
    pub rating: Option<String>,
    /// This service's id of the escalation. Default `conversation_label_10`.
    pub escalation: Option<String>,
}

impl Default for Mapping {
    fn default() -> Self {
        let slot = |s: &str| Some(s.to_owned());
        Self {
            video_offered: slot("conversation_attribute_8"),
            customer_joined: slot("conversation_attribute_9"),
            time_to_join_seconds: slot("conversation_measure_8"),
            call_duration_seconds: slot("conversation_measure_9"),
            rating: slot("conversation_measure_10"),
            escalation: slot("conversation_label_10"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
}

/// `conversation_attribute_N` / `conversation_label_N` (text) or
/// `conversation_measure_N` (numbers), N in 1..=10.
fn kind_of(slot: &str) -> Option<Kind> {
    let (kind, n) = if let Some(n) = slot.strip_prefix("conversation_attribute_") {
        (Kind::Text, n)
    } else if let Some(n) = slot.strip_prefix("conversation_label_") {
        (Kind::Text, n)
    } else {
        (Kind::Number, slot.strip_prefix("conversation_measure_")?)
    };
    let n: u8 = n.parse().ok().filter(|_| !n.starts_with('0'))?;
    (1..=10).contains(&n).then_some(kind)
}

impl Mapping {
    fn slots(&self) -> [(&'static str, &Option<String>, Kind); 6] {
        [
            ("video_offered", &self.video_offered, Kind::Text),
            ("customer_joined", &self.customer_joined, Kind::Text),
            ("time_to_join_seconds", &self.time_to_join_seconds, Kind::Number),
            ("call_duration_seconds", &self.call_duration_seconds, Kind::Number),
            ("rating", &self.rating, Kind::Number),
            ("escalation", &self.escalation, Kind::Text),
        ]
    }

    /// Every slot is one Flex Insights reads, of the right kind (numbers in
    /// measures, text in attributes or labels), and no two figures share one.
    pub fn check(&self, prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, slot, want) in self.slots() {
            let Some(slot) = slot.as_deref() else { continue };
            let field = format!("{prefix}.{name}");
            match (kind_of(slot), want) {
                (None, _) => errors.push(FieldError::new(
                    &field,
                    "must be conversation_attribute_N, conversation_label_N or conversation_measure_N (N from 1 to 10)",
                )),
                (Some(Kind::Text), Kind::Number) => {
                    errors.push(FieldError::new(&field, "is a number: use a conversation_measure_N slot"))
                }
                (Some(Kind::Number), Kind::Text) => errors.push(FieldError::new(
                    &field,
                    "is text: use a conversation_attribute_N or conversation_label_N slot",
                )),
                _ if seen.contains(&slot) => errors.push(FieldError::new(&field, "is already used by another figure")),
                _ => seen.push(slot),
            }
        }
        errors
    }
}

/// What became of an escalation, as Flex Insights is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub escalation_id: uuid::Uuid,
    pub customer_joined: bool,
    pub time_to_join_seconds: Option<i64>,
    pub call_duration_seconds: Option<i64>,
    pub rating: Option<i32>,
}

fn yes_no(b: bool) -> Value {
    Value::String(if b { "Yes" } else { "No" }.into())
}

/// The task's attributes with the outcome merged into `conversations`:
/// the mapped slots set (figures not known yet left as they are), every
/// other key kept. Attributes that are not an object become one.
pub fn merge(attributes: Value, outcome: &Outcome, mapping: &Mapping) -> Value {
    let mut root = match attributes {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let conversations = root.entry("conversations").or_insert_with(|| Value::Object(Map::new()));
    if !conversations.is_object() {
        *conversations = Value::Object(Map::new());
    }
    let Value::Object(c) = conversations else { unreachable!("made an object above") };
    let values: [(&Option<String>, Option<Value>); 6] = [
        (&mapping.video_offered, Some(yes_no(true))),
        (&mapping.customer_joined, Some(yes_no(outcome.customer_joined))),
        (&mapping.time_to_join_seconds, outcome.time_to_join_seconds.map(Value::from)),
        (&mapping.call_duration_seconds, outcome.call_duration_seconds.map(Value::from)),
        (&mapping.rating, outcome.rating.map(Value::from)),
        (&mapping.escalation, Some(Value::String(outcome.escalation_id.to_string()))),
    ];
    for (slot, value) in values {
        if let (Some(slot), Some(value)) = (slot, value) {
            c.insert(slot.clone(), value);
        }
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcome() -> Outcome {
        Outcome {
            escalation_id: uuid::Uuid::nil(),
            customer_joined: true,
            time_to_join_seconds: Some(42),
            call_duration_seconds: Some(300),
            rating: None,
        }
    }

    #[test]
    fn the_outcome_joins_what_the_task_holds() {
        let before = json!({
            "channelType": "web",
            "conversations": { "conversation_id": "WT1", "conversation_attribute_1": "sales", "conversation_measure_8": 1 },
        });
        let after = merge(before, &outcome(), &Mapping::default());
        assert_eq!(
            after,
            json!({
                "channelType": "web",
                "conversations": {
                    "conversation_id": "WT1",
                    "conversation_attribute_1": "sales",
                    "conversation_attribute_8": "Yes",
                    "conversation_attribute_9": "Yes",
                    "conversation_measure_8": 42,
                    "conversation_measure_9": 300,
                    "conversation_label_10": "00000000-0000-0000-0000-000000000000",
                },
            })
        );
        // Not an object: made one.
        let fresh = merge(json!("odd"), &Outcome { customer_joined: false, ..outcome() }, &Mapping::default());
        assert_eq!(fresh["conversations"]["conversation_attribute_9"], "No");
        // A figure mapped to nothing is left out.
        let none = Mapping { call_duration_seconds: None, ..Mapping::default() };
        assert!(merge(json!({}), &outcome(), &none)["conversations"].get("conversation_measure_9").is_none());
    }

    #[test]
    fn slots_must_be_insights_own_of_the_right_kind_and_distinct() {
        assert!(Mapping::default().check("m").is_empty());
        let bad = Mapping {
            video_offered: Some("conversation_attribute_11".into()),
            customer_joined: Some("conversation_measure_1".into()),
            time_to_join_seconds: Some("conversation_attribute_2".into()),
            call_duration_seconds: Some("conversation_measure_1".into()),
            rating: Some("conversation_measure_1".into()),
            escalation: Some("conversation_label_01".into()),
        };
        let fields: Vec<String> = bad.check("m").into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["m.video_offered", "m.customer_joined", "m.time_to_join_seconds", "m.rating", "m.escalation"]
        );
    }
}
