//! The rules on input values the service enforces, stated in the published
//! document, so a client generated from `openapi.yaml` knows them: lengths,
//! ranges, patterns, formats. The rules themselves live in the domain and
//! the operations (which answer 422 naming the field); the bounds below
//! come from the same constants where there are constants. schemathesis
//! checks both ways in CI that the document and the service agree (every
//! schema-valid example is accepted, every invalid one refused), so this
//! table cannot drift from the code unnoticed.
//!
//! Rules a schema cannot state are listed in their operation's description
//! and by operation id in `schemathesis.toml`: see [`SEMANTIC`].

use escalate_domain::contact_center::{
    CODE_TTL_SECONDS, MAX_PARTICIPANTS, MESSAGE_TEMPLATE_MAX, RECORDING_RETENTION_DAYS, ROOM_TIMEOUT_MINUTES,
    SUPPORTED_LOCALES, TOKEN_TTL_SECONDS,
};
use escalate_domain::snapshot::RETENTION_DAYS as SNAPSHOT_RETENTION_DAYS;
use serde_json::{Value, json};
use serde_yaml::Value as Yaml;

/// Text with something besides spaces (the service trims what it keeps).
const NOT_BLANK: &str = r"\S";
const SLUG: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";
const COLOUR: &str = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$";
/// Text without control characters except newlines.
const TEXT: &str = "^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f]*$";

fn sid(prefix: &str) -> Value {
    json!({ "pattern": format!("^{prefix}[0-9a-fA-F]{{32}}$"), "minLength": 34, "maxLength": 34 })
}

fn text(max: usize) -> Value {
    json!({ "minLength": 1, "maxLength": max, "pattern": NOT_BLANK })
}

fn range<T: Into<Value>>(lo: T, hi: T) -> Value {
    json!({ "minimum": lo.into(), "maximum": hi.into() })
}

/// `(schema, property, constraints)` for request bodies.
fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let mut rules = Vec::new();
    for schema in ["CreateContactCenter", "UpdateContactCenter"] {
        rules.extend([
            (schema, "name", text(100)),
            (schema, "slug", json!({ "minLength": 2, "maxLength": 48, "pattern": SLUG })),
            (schema, "message_template", text(MESSAGE_TEMPLATE_MAX)),
            (schema, "code_ttl_seconds", range(*CODE_TTL_SECONDS.start(), *CODE_TTL_SECONDS.end())),
            (schema, "token_ttl_seconds", range(*TOKEN_TTL_SECONDS.start(), *TOKEN_TTL_SECONDS.end())),
            (schema, "conversations_service_sid", sid("IS")),
        ]);
    }
    rules.extend([
        ("BrandingPatch", "display_name", text(100)),
        ("BrandingPatch", "logo_url", json!({ "maxLength": 2000, "pattern": "^https://[^\\s/?#]+[^\\s]*$" })),
        ("BrandingPatch", "primary_colour", json!({ "pattern": COLOUR })),
        ("BrandingPatch", "accent_colour", json!({ "pattern": COLOUR })),
        ("BrandingPatch", "headline", text(200)),
        ("BrandingPatch", "button_text", text(40)),
        ("BrandingPatch", "locale", json!({ "enum": SUPPORTED_LOCALES })),
        ("RoomPatch", "empty_room_timeout_minutes", range(*ROOM_TIMEOUT_MINUTES.start(), *ROOM_TIMEOUT_MINUTES.end())),
        ("RoomPatch", "unused_room_timeout_minutes", range(*ROOM_TIMEOUT_MINUTES.start(), *ROOM_TIMEOUT_MINUTES.end())),
        ("RoomPatch", "max_participants", range(*MAX_PARTICIPANTS.start(), *MAX_PARTICIPANTS.end())),
        ("RecordingPatch", "retention_days", range(*RECORDING_RETENTION_DAYS.start(), *RECORDING_RETENTION_DAYS.end())),
        ("SnapshotsPatch", "retention_days", range(*SNAPSHOT_RETENTION_DAYS.start(), *SNAPSHOT_RETENTION_DAYS.end())),
        ("UpdateTenant", "name", text(200)),
        ("CreateTenant", "name", text(200)),
        ("CreateTenant", "slug", json!({ "minLength": 2, "maxLength": 48, "pattern": SLUG })),
        ("CreateTenant", "admin_email", json!({ "format": "email", "maxLength": 254 })),
        ("CreateApiKey", "name", text(100)),
        ("CreateApiKey", "scopes", json!({ "minItems": 1 })),
        ("RatingRequest", "stars", range(1, 5)),
        ("RatingRequest", "comment", json!({ "maxLength": 1000, "pattern": TEXT })),
        ("InviteUser", "email", json!({ "format": "email", "maxLength": 254 })),
        ("CreateWebhookEndpoint", "url", json!({ "maxLength": 2000, "format": "uri", "pattern": "^https://" })),
        ("CreateWebhookEndpoint", "description", json!({ "maxLength": 200 })),
        ("UpdateWebhookEndpoint", "url", json!({ "maxLength": 2000, "format": "uri", "pattern": "^https://" })),
        ("UpdateWebhookEndpoint", "description", json!({ "maxLength": 200 })),
        ("PutCredentials", "account_sid", sid("AC")),
        ("PutCredentials", "api_key_sid", sid("SK")),
        ("PutCredentials", "api_key_secret", json!({ "minLength": 16, "maxLength": 128 })),
        ("PutCredentials", "auth_token", json!({ "minLength": 16, "maxLength": 128 })),
        ("PutCredentials", "region", json!({ "pattern": "^[a-z]{2}[0-9]$" })),
        ("PutCredentials", "edge", json!({ "pattern": "^[a-z]+(-[a-z]+)*$", "maxLength": 32 })),
        ("CreateEscalation", "task_sid", json!({ "pattern": "^[A-Za-z0-9]{1,64}$" })),
        ("CreateEscalation", "conversation_sid", sid("CH")),
        ("CreateEscalation", "agent_name", text(100)),
        ("CreateEscalation", "agent_identity", json!({ "minLength": 1, "maxLength": 150 })),
        (
            "ChangePassword",
            "new_password",
            json!({ "minLength": escalate_app::password::MIN_LEN, "maxLength": escalate_app::password::MAX_LEN }),
        ),
    ]);
    rules
}

/// List operations whose `limit` query parameter is 1-200, 50 by default.
const PAGE_LIMIT: [&str; 3] =
    ["/v1/audit-log", "/v1/contact-centers/{cc}/escalations", "/v1/webhook-endpoints/{id}/deliveries"];

/// Rules no schema can state, by operation id: the reason is in the
/// operation's description, and schemathesis expects the refusal there.
pub const SEMANTIC: &[(&str, &str)] = &[
    ("listAuditLog", "`from` must be before `to`."),
    ("exportAuditLogCsv", "`from` must be before `to`."),
    ("getContactCenterMetrics", "`from` must be before `to`, within 366 days; `tz` must be an IANA time zone."),
    ("getTenantMetrics", "`from` must be before `to`, within 366 days; `tz` must be an IANA time zone."),
    ("exportEscalationsCsv", "`from` must be before `to`."),
    (
        "createContactCenter",
        "`message_template` must be a valid template that uses `{{ join_url }}`; `time_zone` must be an IANA time \
         zone; `recording` needs the `twilio` provider; `logo_url` must parse as a URL; `room.room_type` must be \
         `group` (Twilio retired the others; 422 names the field).",
    ),
    (
        "updateContactCenter",
        "`message_template` must be a valid template that uses `{{ join_url }}`; `time_zone` must be an IANA time \
         zone; `recording` needs the `twilio` provider; `logo_url` must parse as a URL; `room.room_type` must be \
         `group` (Twilio retired the others; 422 names the field).",
    ),
    (
        "createWebhookEndpoint",
        "`url` must resolve to a public address (no loopback, private or reserved ranges) on an allowed port.",
    ),
    (
        "updateWebhookEndpoint",
        "`url` must resolve to a public address (no loopback, private or reserved ranges) on an allowed port.",
    ),
    ("putTwilioCredentials", "With `verify` (the default), Twilio must accept the credentials."),
    ("changePassword", "Only for a signed-in dashboard session (not an API key), with the right current password."),
    ("logout", "Only for a signed-in dashboard session (an API key has none)."),
    ("inviteUser", "An email already invited in the tenant answers 409."),
];

/// Response properties that are `null` rather than absent when unknown
/// (poem-openapi does not mark an `Option` nullable).
const NULLABLE: [(&str, &str); 4] =
    [("CallQuality", "agent"), ("CallQuality", "customer"), ("CallQuality", "poor"), ("QualityFigures", "poor_share")];

/// Adds the rules to the document, keeping its order.
pub fn apply(doc: &mut Yaml) {
    for (schema, property) in NULLABLE {
        if let Some(Yaml::Mapping(p)) = at(doc, &["components", "schemas", schema, "properties", property]) {
            // A `$ref`'s siblings are ignored: wrap it.
            if let Some(r) = p.remove("$ref") {
                let mut inner = serde_yaml::Mapping::new();
                inner.insert("$ref".into(), r);
                p.insert("allOf".into(), Yaml::Sequence(vec![Yaml::Mapping(inner)]));
            }
            p.insert("nullable".into(), Yaml::Bool(true));
        }
    }
    for (schema, property, rule) in body_rules() {
        if let Some(p) = at(doc, &["components", "schemas", schema, "properties", property]) {
            merge(p, rule);
        }
    }
    for path in PAGE_LIMIT {
        if let Some(Yaml::Sequence(params)) = at(doc, &["paths", path, "get", "parameters"]) {
            for p in params.iter_mut().filter(|p| p.get("name").and_then(Yaml::as_str) == Some("limit")) {
                if let Some(schema) = p.get_mut("schema") {
                    merge(schema, json!({ "minimum": 1, "maximum": 200, "default": 50 }));
                }
            }
        }
    }
    let Some(Yaml::Mapping(paths)) = doc.get_mut("paths") else { return };
    for (_, item) in paths.iter_mut() {
        let Some(ops) = item.as_mapping_mut() else { continue };
        for (_, op) in ops.iter_mut() {
            let id = op.get("operationId").and_then(Yaml::as_str).unwrap_or_default().to_owned();
            if let Some((_, rule)) = SEMANTIC.iter().find(|(op_id, _)| *op_id == id) {
                let described = op.get("description").and_then(Yaml::as_str).unwrap_or_default().to_owned();
                let sep = if described.is_empty() { "" } else { "\n\n" };
                if let Some(op) = op.as_mapping_mut() {
                    op.insert(
                        "description".into(),
                        Yaml::String(format!("{described}{sep}**Also refused (422 or 400):** {rule}")),
                    );
                }
            }
        }
    }
}

fn at<'a>(doc: &'a mut Yaml, keys: &[&str]) -> Option<&'a mut Yaml> {
    keys.iter().try_fold(doc, |v, k| v.get_mut(*k))
}

fn merge(target: &mut Yaml, rule: Value) {
    let (Some(target), Value::Object(rule)) = (target.as_mapping_mut(), rule) else { return };
    for (k, v) in rule {
        if let Ok(v) = serde_yaml::to_value(v) {
            target.insert(Yaml::String(k), v);
        }
    }
}

#[cfg(test)]
mod tests {
    /// scripts/schemathesis.toml names exactly the operations with rules a schema cannot state.
    #[test]
    fn the_schemathesis_configuration_lists_the_semantic_rules() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/schemathesis.toml");
        let toml = std::fs::read_to_string(path).unwrap();
        let listed: Vec<&str> = toml
            .lines()
            .filter_map(|l| l.strip_prefix("include-operation-id = \""))
            .map(|l| l.trim_end_matches('"'))
            .collect();
        let semantic: Vec<&str> = super::SEMANTIC.iter().map(|(id, _)| *id).collect();
        assert_eq!(listed, semantic);
    }

    /// Every rule lands on a property or parameter the document has.
    #[test]
    fn every_rule_finds_its_place() {
        let doc: serde_yaml::Value = serde_yaml::from_str(&crate::api::document::yaml()).unwrap();
        for (schema, property, _) in super::body_rules() {
            let p = &doc["components"]["schemas"][schema]["properties"][property];
            assert!(p.is_mapping(), "{schema}.{property} is not in the document");
        }
        let ids: Vec<&str> = doc["paths"]
            .as_mapping()
            .unwrap()
            .values()
            .flat_map(|item| item.as_mapping().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for (id, _) in super::SEMANTIC {
            assert!(ids.contains(id), "{id} is not an operation");
        }
    }
}
