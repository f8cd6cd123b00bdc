//! `/docs`: the Swagger UI for the REST API, under a Content-Security-Policy
//! that lets exactly its own inline scripts run (by their SHA-256, computed
//! from the page poem-openapi renders, so an upgrade cannot silently break
//! or widen it), loads nothing from elsewhere, and may not be framed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use poem::middleware::SetHeader;
use poem::{Endpoint, EndpointExt};
use poem_openapi::{OpenApi, OpenApiService, Webhook};
use sha2::{Digest, Sha256};

pub fn endpoint<T: OpenApi + 'static, W: Webhook + 'static>(api: &OpenApiService<T, W>) -> impl Endpoint + 'static {
    // poem-openapi's page, showing the published document (tags in our order, the quick start).
    let html = api.swagger_ui_html().replacen(&api.spec(), &crate::api::document::json(), 1);
    let csp = policy(&html);
    let page = poem::endpoint::make_sync(move |_| poem::web::Html(html.clone()));
    poem::Route::new().at("/", page).with(
        SetHeader::new()
            .overriding("Content-Security-Policy", csp)
            .overriding("X-Frame-Options", "DENY")
            .overriding("X-Content-Type-Options", "nosniff")
            .overriding("Referrer-Policy", "no-referrer"),
    )
}

/// The policy for a page whose scripts are all inline: each allowed by hash.
/// Swagger UI sets element styles and shows `data:` images; "Try it out"
/// calls this same origin.
fn policy(html: &str) -> String {
    let hashes: Vec<String> =
        inline_scripts(html).map(|body| format!("'sha256-{}'", B64.encode(Sha256::digest(body.as_bytes())))).collect();
    format!(
        "default-src 'none'; script-src {}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'",
        hashes.join(" ")
    )
}

/// The bodies of the page's inline scripts. Swagger UI's bundle is inlined
/// in `<head>` and may itself hold `<script` or `</script>` in strings, so
/// each script is taken from its opening tag to the last `</script>` of its
/// part of the page (the head, then the body), not to the first one.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let (head, body) = html.split_once("</head>").unwrap_or((html, ""));
    [head, body].into_iter().filter_map(|part| {
        let open = part.find("<script")?;
        let start = open + part[open..].find('>')? + 1;
        let end = part.rfind("</script>")?;
        (!part[open..start].contains("src=") && end >= start).then(|| &part[start..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_inline_script_is_allowed_by_its_hash_and_nothing_else() {
        let html =
            "<head><script charset=\"UTF-8\">a('<script></script>')</script></head><body><script>b()</script></body>";
        let scripts: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(scripts, ["a('<script></script>')", "b()"]);
        let csp = policy(html);
        assert!(csp.contains(&format!("'sha256-{}'", B64.encode(Sha256::digest(b"a('<script></script>')")))), "{csp}");
        assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
