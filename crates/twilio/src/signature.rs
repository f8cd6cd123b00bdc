//! `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + every POST
//! parameter as name followed by value, sorted by name)).
//!
//! Matches the official `twilio` npm package: names (and the values of a
//! repeated name) sort in UTF-16 code-unit order as JavaScript's `sort` does,
//! identical name/value pairs count once, and verification accepts the URL with
//! or without its default port, as given or normalised, because Twilio may
//! sign either form.

use std::cmp::Ordering;

use base64::prelude::*;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The signature Twilio sends for a request to `url` (with its query string)
/// carrying the form `params` (empty for GET or JSON bodies).
pub fn expected_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| utf16_cmp(&a.0, &b.0).then_with(|| utf16_cmp(&a.1, &b.1)));
    sorted.dedup();
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    BASE64_STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is Twilio's signature for this request. Tries the URL
/// as given without and with its scheme's default port, then the same for the
/// URL normalised as a WHATWG parser writes it (percent-encoding non-ASCII
/// characters, lowercasing the host), as the `twilio` npm package's
/// `validateRequest` does. Compares in constant time.
pub fn verify_signature(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let mut candidates = vec![remove_port(url), add_port(url)];
    if let Ok(normalized) = url::Url::parse(url) {
        let normalized = normalized.as_str();
        if normalized != url {
            candidates.push(remove_port(normalized));
            candidates.push(add_port(normalized));
        }
    }
    // Evaluate every candidate so timing does not reveal which form matched.
    candidates.iter().fold(false, |matched, candidate| {
        let expected = expected_signature(auth_token, candidate, params);
        matched | bool::from(expected.as_bytes().ct_eq(signature.as_bytes()))
    })
}

/// JavaScript string order (UTF-16 code units), which differs from Rust's
/// byte order only for characters above U+FFFF versus U+E000..U+FFFF.
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The URL split without normalising anything, so the path and query keep
/// exactly the characters Twilio signed.
struct UrlParts<'a> {
    scheme: &'a str, // including "://"
    user_info: &'a str,
    host: &'a str,
    port: &'a str, // including ':' or empty
    rest: &'a str,
}

fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let scheme_end = url.find("://")? + 3;
    let scheme = &url[..scheme_end - 3];
    let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    if !valid_scheme {
        return None;
    }
    let after = &url[scheme_end..];
    let authority_len = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..authority_len];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    // In an IPv6 literal the port colon comes after the closing bracket.
    let search_from = host_port.rfind(']').map_or(0, |i| i + 1);
    let port_start = host_port[search_from..].find(':').map(|i| i + search_from);
    let (host, port) = match port_start {
        Some(i) => host_port.split_at(i),
        None => (host_port, ""),
    };
    Some(UrlParts {
        scheme: &url[..scheme_end],
        user_info: &authority[..host_start],
        host,
        port,
        rest: &after[authority_len..],
    })
}

fn add_port(url: &str) -> String {
    match split_url(url) {
        Some(p) if p.port.is_empty() => {
            let port = if p.scheme.eq_ignore_ascii_case("https://") { ":443" } else { ":80" };
            [p.scheme, p.user_info, p.host, port, p.rest].concat()
        }
        _ => url.to_owned(),
    }
}

fn remove_port(url: &str) -> String {
    match split_url(url) {
        Some(p) => [p.scheme, p.user_info, p.host, p.rest].concat(),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // The example from Twilio's security documentation.
    #[test]
    fn matches_twilios_documented_example() {
        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let sig = expected_signature("12345", url, &p);
        assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(verify_signature("12345", url, &p, &sig));
        assert!(verify_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", &p, &sig));
        assert!(!verify_signature("12345", url, &p, "0/KCTR6DLpKmkAf8muzZqo1nDgR="));
        assert!(!verify_signature("other", url, &p, &sig));
        assert!(!verify_signature("12345", url, &params(&[("Digits", "1235")]), &sig));
    }

    #[test]
    fn ports_are_added_and_removed_without_touching_the_rest() {
        assert_eq!(add_port("https://a.example/x?y=1"), "https://a.example:443/x?y=1");
        assert_eq!(add_port("http://u:p@a.example?y"), "http://u:p@a.example:80?y");
        assert_eq!(add_port("http://a.example:8080/x"), "http://a.example:8080/x");
        assert_eq!(remove_port("http://[::1]:8080/x"), "http://[::1]/x");
        assert_eq!(remove_port("not a url"), "not a url");
    }
}
