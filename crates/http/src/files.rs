//! Where the pages' templates and assets come from: the `dashboard/` folder
//! embedded in the binary at build time (so a copied or installed binary
//! runs from any folder), or that folder on disk when `DASHBOARD_DIR` names
//! one (to edit templates and scripts without a rebuild).
//!
//! Asset names go through one check ([`plain_name`]) for both sources: plain
//! ASCII, no `..`, no hidden files, no escapes, a known file type. On disk,
//! nothing a symlink leads out of the folder to is served either.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use bytes::Bytes;

/// `dashboard/templates/**.html` and `dashboard/assets/**` as they were when
/// the binary was built (debug builds too: `debug-embed`, so tests see what
/// a release serves).
#[derive(rust_embed::Embed)]
#[folder = "../../dashboard/"]
#[include = "templates/*.html"]
#[include = "templates/admin/*.html"]
#[include = "assets/**/*"]
#[exclude = "**/.*"]
struct Embedded;

#[derive(Clone, Debug, Default)]
pub enum DashboardFiles {
    /// The copy inside the binary.
    #[default]
    Embedded,
    /// A `dashboard/` folder on disk.
    Dir(PathBuf),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct ReadError {
    pub path: String,
    pub source: std::io::Error,
}

impl DashboardFiles {
    /// The folder on disk, or `None` for the embedded copy.
    pub fn from_dir(dir: Option<PathBuf>) -> Self {
        dir.map_or(Self::Embedded, Self::Dir)
    }

    /// Where the files come from, for error messages and the start-up log.
    pub fn describe(&self) -> String {
        match self {
            Self::Embedded => "the binary's embedded dashboard".into(),
            Self::Dir(dir) => dir.display().to_string(),
        }
    }

    /// Every `*.html` directly in `folder` (e.g. `templates/admin`), as
    /// (file name, source), sorted by name.
    pub fn templates(&self, folder: &str) -> Result<Vec<(String, String)>, ReadError> {
        let mut out = Vec::new();
        match self {
            Self::Embedded => {
                let prefix = format!("{folder}/");
                for path in Embedded::iter() {
                    let Some(name) = path.strip_prefix(&prefix) else { continue };
                    if name.contains('/') || !name.ends_with(".html") {
                        continue;
                    }
                    let file = Embedded::get(&path).expect("an embedded file lists itself");
                    let source = String::from_utf8(file.data.into_owned()).map_err(|e| ReadError {
                        path: path.to_string(),
                        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                    })?;
                    out.push((name.to_owned(), source));
                }
            }
            Self::Dir(dir) => {
                let folder_path = dir.join(folder);
                let read_error = |path: &Path, source| ReadError { path: path.display().to_string(), source };
                for entry in std::fs::read_dir(&folder_path).map_err(|e| read_error(&folder_path, e))? {
                    let path = entry.map_err(|e| read_error(&folder_path, e))?.path();
                    let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
                    if !name.ends_with(".html") || name.starts_with('.') || !path.is_file() {
                        continue;
                    }
                    out.push((name, std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The asset `rel` (a URL path) under `folder` (e.g. `assets` or
    /// `assets/admin`), if it is a plain name of a servable type that exists.
    pub async fn asset(&self, folder: &str, rel: &str) -> Option<Bytes> {
        let rel = plain_name(rel)?;
        match self {
            Self::Embedded => Embedded::get(&format!("{folder}/{rel}")).map(|f| match f.data {
                Cow::Borrowed(b) => Bytes::from_static(b),
                Cow::Owned(v) => Bytes::from(v),
            }),
            Self::Dir(dir) => {
                let root = dir.join(folder).canonicalize().ok()?;
                let path = root.join(rel).canonicalize().ok()?;
                if !(path.starts_with(&root) && path.is_file()) {
                    return None;
                }
                tokio::fs::read(&path).await.ok().map(Bytes::from)
            }
        }
    }

    /// [`asset`](Self::asset) for start-up (content hashes for versioned URLs).
    pub fn asset_blocking(&self, folder: &str, rel: &str) -> Option<Cow<'static, [u8]>> {
        let rel = plain_name(rel)?;
        match self {
            Self::Embedded => Embedded::get(&format!("{folder}/{rel}")).map(|f| f.data),
            Self::Dir(dir) => std::fs::read(dir.join(folder).join(rel)).ok().map(Cow::Owned),
        }
    }
}

/// `rel` without its leading `/` if it is a plain relative asset name:
/// ASCII letters, digits, `/ . - _` only (so no decoding step can turn it
/// into `..`), no empty or hidden segment, at most 256 bytes, a known type.
pub fn plain_name(rel: &str) -> Option<&str> {
    let rel = rel.trim_start_matches('/');
    if rel.is_empty() || rel.len() > 256 {
        return None;
    }
    if !rel.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_')) {
        return None;
    }
    if rel.split('/').any(|seg| seg.is_empty() || seg.starts_with('.')) {
        return None;
    }
    content_type(rel)?;
    Some(rel)
}

/// Content type by extension; anything else is not served.
pub fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_dashboard() -> DashboardFiles {
        DashboardFiles::Dir(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboard")))
    }

    #[test]
    fn the_embedded_copy_holds_the_same_templates_as_the_folder() {
        for folder in ["templates", "templates/admin"] {
            let embedded = DashboardFiles::Embedded.templates(folder).unwrap();
            assert!(!embedded.is_empty(), "{folder} is embedded");
            assert_eq!(embedded, repo_dashboard().templates(folder).unwrap(), "{folder}");
        }
    }

    #[tokio::test]
    async fn the_embedded_copy_serves_the_same_assets_as_the_folder() {
        for (folder, rel) in
            [("assets", "join.js"), ("assets", "vendor/twilio-video.min.js"), ("assets/admin", "admin.css")]
        {
            let embedded = DashboardFiles::Embedded.asset(folder, rel).await.unwrap_or_else(|| panic!("{rel}"));
            assert_eq!(embedded, repo_dashboard().asset(folder, rel).await.unwrap(), "{rel}");
        }
    }

    #[tokio::test]
    async fn only_plain_names_of_known_types_are_served() {
        for bad in
            ["", "../Cargo.toml", "vendor/../join.js", ".gitignore", "a//b.js", "join%2ejs", "join.js\\", "x.exe"]
        {
            assert!(DashboardFiles::Embedded.asset("assets", bad).await.is_none(), "{bad}");
            assert!(repo_dashboard().asset("assets", bad).await.is_none(), "{bad}");
        }
        // A template is not an asset.
        assert!(DashboardFiles::Embedded.asset("assets", "../templates/join.html").await.is_none());
    }
}
