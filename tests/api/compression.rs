//! The join page and its assets go out compressed when the browser asks
//! (brotli first, gzip otherwise), byte for byte the same once decoded, and
//! as they are to a client that does not ask.

use escalate_e2e::{conversation_sid, spawn_app, task_sid};
use serde_json::json;

fn brotli_decode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &data[..], &mut out).expect("valid brotli");
    out
}

fn gzip_decode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(data), &mut out).expect("valid gzip");
    out
}

async fn get(app: &escalate_e2e::TestApp, path: &str, accept: Option<&str>) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.http.get(app.url(path));
    if let Some(a) = accept {
        req = req.header("Accept-Encoding", a);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    let headers = resp.headers().clone();
    (headers, resp.bytes().await.unwrap().to_vec())
}

/// A new escalation's room code, made by an agent of `r`'s contact center.
async fn new_code(app: &escalate_e2e::TestApp, r: &escalate_e2e::Ready) -> String {
    let flex = app.flex_token(&r.account, "alex");
    let e: serde_json::Value = app
        .escalate(&r.cc, &flex, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    e["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_join_page_and_its_assets_are_compressed_for_browsers_that_ask() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Squeeze").await;
    let page = format!("/join/{}", new_code(&app, &r).await);

    let (plain_headers, plain) = get(&app, &page, None).await;
    assert!(plain_headers.get("content-encoding").is_none());
    assert!(plain_headers["vary"].to_str().unwrap().contains("Accept-Encoding"));
    let (headers, packed) = get(&app, &page, Some("gzip, deflate, br")).await;
    assert_eq!(headers["content-encoding"], "br");
    assert!(packed.len() * 2 < plain.len(), "{} vs {}", packed.len(), plain.len());
    // The page carries a fresh CSP nonce per answer: compare what does not change.
    let decoded = String::from_utf8(brotli_decode(&packed)).unwrap();
    assert!(decoded.starts_with("<!doctype html>") && decoded.contains("rtc.js"), "{decoded}");

    // Every script and stylesheet the page names: brotli and gzip give back the very bytes.
    let html = String::from_utf8(plain).unwrap();
    let assets: Vec<String> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/assets/") && (s.contains(".js") || s.contains(".css")))
        .map(|s| s.replace("&amp;", "&"))
        .collect();
    assert!(assets.len() >= 3, "{assets:?}");
    for asset in &assets {
        let (h, raw) = get(&app, asset, None).await;
        assert!(h.get("content-encoding").is_none(), "{asset}");
        let (h, br) = get(&app, asset, Some("br")).await;
        assert_eq!(h["content-encoding"], "br", "{asset}");
        assert_eq!(brotli_decode(&br), raw, "{asset}");
        let (h, gz) = get(&app, asset, Some("gzip;q=1, br;q=0")).await;
        assert_eq!(h["content-encoding"], "gzip", "{asset}");
        assert_eq!(gzip_decode(&gz), raw, "{asset}");
        // Made once: a second answer is the same bytes.
        assert_eq!(get(&app, asset, Some("br")).await.1, br, "{asset}");
    }
}

/// A customer's page is prepared once per look: every code of a contact
/// center gets the same bytes (the page reads its code from its address),
/// the brand's one inline style is allowed by its hash rather than a nonce,
/// and a brand change is a new page at once.
#[tokio::test]
async fn every_code_of_a_brand_gets_the_same_prepared_page_and_a_new_brand_a_new_one() {
    use base64::Engine;
    use sha2::Digest;
    let app = spawn_app().await;
    let r = app.ready_contact_center("Prepared").await;
    let codes = [new_code(&app, &r).await, new_code(&app, &r).await];
    let (h1, a) = get(&app, &format!("/join/{}", codes[0]), Some("br")).await;
    let (h2, b) = get(&app, &format!("/join/{}", codes[1]), Some("br")).await;
    assert_eq!(a, b, "one page for every code of the brand");
    assert_eq!(h1["content-security-policy"], h2["content-security-policy"]);
    let html = String::from_utf8(brotli_decode(&a)).unwrap();
    assert!(!html.contains(&codes[0]) && !html.contains("nonce"), "nothing per code or per response");
    let (_, plain) = get(&app, &format!("/join/{}", codes[0]), None).await;
    assert_eq!(plain, html.as_bytes(), "brotli gives back the plain page");
    let (_, gz) = get(&app, &format!("/join/{}", codes[0]), Some("gzip")).await;
    assert_eq!(gzip_decode(&gz), plain);

    // The CSP allows exactly the inline style on the page, by its hash.
    let style = html.split("<style>").nth(1).and_then(|s| s.split("</style>").next()).expect("the brand's style");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    let csp = h1["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&format!("style-src 'self' 'sha256-{hash}'")), "{csp}");

    let resp = r
        .tenant
        .admin
        .patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "branding": { "primary_colour": "#c2185b" } }))
        .await;
    assert_eq!(resp.status(), 200);
    let (h3, c) = get(&app, &format!("/join/{}", codes[1]), None).await;
    let html = String::from_utf8(c).unwrap();
    assert!(html.contains("--brand:#c2185b"), "the new brand at once");
    assert_ne!(h3["content-security-policy"], h1["content-security-policy"], "a new style, a new hash");
}
