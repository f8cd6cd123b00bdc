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

#[tokio::test]
async fn the_join_page_and_its_assets_are_compressed_for_browsers_that_ask() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Squeeze").await;
    let flex = app.flex_token(&r.account, "alex");
    let e: serde_json::Value = app
        .escalate(&r.cc, &flex, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }))
        .await
        .json()
        .await
        .unwrap();
    let page = format!("/join/{}", e["code"].as_str().unwrap());

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
