//! Turns poem-openapi's "could not parse the body" into errors that name
//! the fields. poem-openapi reports which type failed but not which field, so
//! the buffered body is checked against that type's schema in our own
//! OpenAPI document: missing required fields, wrong JSON types, unknown enum
//! values, each with its path (`branding.primary_colour`, `scopes[1]`).

use std::sync::LazyLock;

use escalate_domain::validation::FieldError;
use serde_json::Value;

use crate::error::ApiError;
use escalate_app::ErrorCode;

static SPEC: LazyLock<Value> = LazyLock::new(|| serde_json::from_str(&crate::openapi_json()).unwrap_or_default());
static SCHEMAS: LazyLock<Value> = LazyLock::new(|| SPEC["components"]["schemas"].clone());

/// The operations of a concrete path: `(method, operation)` pairs of the
/// path template it matches (`/v1/escalations/{id}` matches any id).
fn operations(path: &str) -> Vec<(&'static str, &'static Value)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let Some(paths) = SPEC["paths"].as_object() else { return Vec::new() };
    paths
        .iter()
        .find(|(template, _)| {
            let t: Vec<&str> = template.split('/').collect();
            t.len() == segments.len()
                && t.iter().zip(&segments).all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
        })
        .map(|(_, item)| item.as_object().into_iter().flatten().map(|(m, op)| (m.as_str(), op)).collect())
        .unwrap_or_default()
}

/// The name of the `index`-th parameter in the path template `path` matches.
pub fn path_parameter(path: &str, index: usize) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let paths = SPEC["paths"].as_object()?;
    let template = paths.keys().find(|template| {
        let t: Vec<&str> = template.split('/').collect();
        t.len() == segments.len()
            && t.iter().zip(&segments).all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
    })?;
    template.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).nth(index).map(str::to_owned)
}

/// The methods the API serves at `path`, for a 405's `Allow` header.
pub fn allowed_methods(path: &str) -> Vec<String> {
    operations(path).into_iter().map(|(m, _)| m.to_uppercase()).collect()
}

/// Checks a JSON body against its operation's schema before the handler
/// runs, so a value of the wrong JSON type is refused rather than coerced
/// (poem-openapi reads `false` or `123` as the string "false" or "123").
pub fn check_request(method: &str, path: &str, body: &[u8]) -> Option<ApiError> {
    let (_, op) = operations(path).into_iter().find(|(m, _)| m.eq_ignore_ascii_case(method))?;
    let content = op.pointer("/requestBody/content")?.as_object()?;
    let schema = content.iter().find(|(t, _)| t.starts_with("application/json")).map(|(_, c)| &c["schema"])?;
    let value: Value = serde_json::from_slice(body).ok()?; // malformed JSON: poem's parse reports it
    let mut errors = Vec::new();
    check(&value, schema, "", &mut errors);
    if errors.is_empty() {
        return None;
    }
    let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    let mut err = ApiError::bad_request(ErrorCode::InvalidBody, detail);
    err.errors = errors;
    Some(err)
}

/// A precise error for a body poem-openapi rejected, or `None` when the
/// body looks fine to the schema (the caller then reports poem's message).
pub fn explain(reason: &str, body: &[u8]) -> Option<ApiError> {
    if body.is_empty() {
        return Some(ApiError::bad_request(ErrorCode::InvalidBody, "the request needs a JSON body"));
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Some(ApiError::bad_request(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}")));
        }
    };
    let type_name = outermost_type(reason)?;
    let schema = SCHEMAS.get(type_name)?;
    let mut errors = Vec::new();
    check(&value, schema, "", &mut errors);
    if errors.is_empty() {
        return None;
    }
    let detail = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    let mut err = ApiError::bad_request(ErrorCode::InvalidBody, detail);
    err.errors = errors;
    Some(err)
}

/// poem-openapi appends `(occurred while parsing "Type")` per nesting level;
/// the last one is the request body's type.
fn outermost_type(reason: &str) -> Option<&str> {
    let marker = "occurred while parsing \"";
    let start = reason.rfind(marker)? + marker.len();
    let end = reason[start..].find('"')? + start;
    Some(&reason[start..end])
}

fn resolve(schema: &Value) -> &Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str)
        && let Some(name) = r.strip_prefix("#/components/schemas/")
        && let Some(s) = SCHEMAS.get(name)
    {
        return resolve(s);
    }
    if let Some([only]) = schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return resolve(only);
    }
    schema
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() { field.to_owned() } else { format!("{prefix}.{field}") }
}

fn check(value: &Value, schema: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let schema = resolve(schema);
    let field = if path.is_empty() { "body" } else { path };
    if value.is_null() {
        return; // Required-ness is checked by the parent object.
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let Some(obj) = value.as_object() else {
                errors.push(FieldError::new(field, "must be an object"));
                return;
            };
            for name in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
            {
                if obj.get(name).is_none_or(Value::is_null) {
                    errors.push(FieldError::new(join(path, name), "is required"));
                }
            }
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                if let Some(v) = obj.get(name) {
                    check(v, prop, &join(path, name), errors);
                }
            }
        }
        Some("string") => match value.as_str() {
            None => errors.push(FieldError::new(field, "must be a string")),
            Some(s) => {
                if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
                    && !allowed.iter().any(|a| a.as_str() == Some(s))
                {
                    let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    errors.push(FieldError::new(field, format!("must be one of {}", names.join(", "))));
                }
                let format = schema.get("format").and_then(Value::as_str);
                if format == Some("uuid") && uuid::Uuid::parse_str(s).is_err() {
                    errors.push(FieldError::new(field, "must be a UUID"));
                }
                if format == Some("date-time") && chrono::DateTime::parse_from_rfc3339(s).is_err() {
                    errors.push(FieldError::new(field, "must be an RFC 3339 date-time"));
                }
            }
        },
        Some("integer") => {
            if value.as_i64().is_none() && value.as_u64().is_none() {
                errors.push(FieldError::new(field, "must be an integer"));
            } else if schema.get("format").and_then(Value::as_str) == Some("int32")
                && value.as_i64().is_none_or(|n| i32::try_from(n).is_err())
            {
                errors.push(FieldError::new(field, "is out of range"));
            }
        }
        Some("number") if !value.is_number() => errors.push(FieldError::new(field, "must be a number")),
        Some("boolean") if !value.is_boolean() => errors.push(FieldError::new(field, "must be true or false")),
        Some("array") => match value.as_array() {
            None => errors.push(FieldError::new(field, "must be an array")),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(item, &schema["items"], &format!("{field}[{i}]"), errors);
                }
            }
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(reason: &str, body: &str) -> Vec<String> {
        explain(reason, body.as_bytes()).unwrap().errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn names_missing_and_mistyped_fields() {
        let reason = r#"failed (occurred while parsing "LoginRequest")"#;
        assert_eq!(fields(reason, r#"{"email": 1}"#), ["password", "email"]);
    }

    #[test]
    fn names_nested_and_enum_fields() {
        let reason = r#"x (occurred while parsing "CreateApiKey")"#;
        assert_eq!(fields(reason, r#"{"name": "k", "scopes": ["metrics", "root"]}"#), ["scopes[1]"]);
    }

    #[test]
    fn a_string_field_is_not_given_a_boolean_or_a_number() {
        let err = check_request("PATCH", "/v1/tenant", br#"{"name": false}"#).expect("refused");
        assert_eq!(err.errors[0].field, "name");
        assert!(check_request("PATCH", "/v1/tenant", br#"{"name": "Acme"}"#).is_none());
        let err = check_request("POST", "/v1/escalations/0190f4b8-0000-7000-8000-000000000000/complete", b"{}");
        assert!(err.is_none(), "an operation without a body schema");
        assert_eq!(allowed_methods("/v1/tenant"), ["GET", "PATCH"]);
    }

    #[test]
    fn malformed_json_is_its_own_code() {
        assert_eq!(explain("x", b"{not json").unwrap().code, ErrorCode::MalformedJson);
    }
}
