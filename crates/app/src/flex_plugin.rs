//! The Flex plugin's built bundle, which the service hosts so that "Install
//! in Flex" needs no build on the tenant's side: one bundle serves every
//! tenant (its settings are read at run time from Flex's `ui_attributes`).
//!
//! It is read once at start from the plugin's build folder (`npm run build`
//! writes the bundle, its source map and `manifest.json`), and served at a
//! URL that names its content digest, so the URL registered with a tenant's
//! Flex never serves different code: a new build gets a new URL.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// The bundle, its source map and what the manifest says of them.
#[derive(Debug, Clone)]
pub struct FlexPluginBundle {
    /// The plugin's unique name in Flex (`plugin-video-escalation`).
    pub name: String,
    /// Its package version (`0.1.0`).
    pub version: String,
    /// The first 16 hex digits of the bundle's SHA-256.
    pub digest: String,
    pub script: Bytes,
    pub sourcemap: Option<Bytes>,
}

#[derive(Debug, thiserror::Error)]
pub enum FlexBundleError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a plugin manifest ({reason})")]
    Manifest { path: PathBuf, reason: String },
}

#[derive(serde::Deserialize)]
struct Manifest {
    name: String,
    version: String,
    bundle: String,
    sourcemap: Option<String>,
}

impl FlexPluginBundle {
    /// Reads `manifest.json` in `dir` and the files it names.
    pub fn load(dir: &Path) -> Result<Self, FlexBundleError> {
        let read = |path: PathBuf| std::fs::read(&path).map_err(|source| FlexBundleError::Read { path, source });
        let manifest_path = dir.join("manifest.json");
        let manifest: Manifest = serde_json::from_slice(&read(manifest_path.clone())?)
            .map_err(|e| FlexBundleError::Manifest { path: manifest_path.clone(), reason: e.to_string() })?;
        let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        let names =
            [Some(&manifest.name), Some(&manifest.version), Some(&manifest.bundle), manifest.sourcemap.as_ref()];
        if names.into_iter().flatten().any(|n| !plain(n) || n.starts_with('.')) {
            return Err(FlexBundleError::Manifest {
                path: manifest_path,
                reason: "names must be letters, digits, '-', '_' and '.'".into(),
            });
        }
        let script = read(dir.join(&manifest.bundle))?;
        let sourcemap = match &manifest.sourcemap {
            Some(file) => Some(Bytes::from(read(dir.join(file))?)),
            None => None,
        };
        let digest = Sha256::digest(&script).iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(Self { name: manifest.name, version: manifest.version, digest, script: Bytes::from(script), sourcemap })
    }

    /// Where it is served, below the service's base URL.
    pub fn path(&self) -> String {
        format!("/flex-plugin/{}/{}.js", self.digest, self.name)
    }

    /// The version to register when `version` is already taken by a
    /// different build (a rebuild without a version bump): still semver, and
    /// naming this build.
    pub fn build_version(&self) -> String {
        format!("{}-g{}", self.version, &self.digest[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(manifest: &str, script: &[u8]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        std::fs::write(dir.0.join("manifest.json"), manifest).unwrap();
        std::fs::write(dir.0.join("p.js"), script).unwrap();
        dir
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let path = std::env::temp_dir().join(format!("flex-bundle-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&path).unwrap();
                Self(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn a_build_is_served_at_a_url_naming_its_content() {
        let a = folder(r#"{"name":"p","version":"1.2.3","bundle":"p.js"}"#, b"one");
        let b = folder(r#"{"name":"p","version":"1.2.3","bundle":"p.js"}"#, b"two");
        let (a, b) = (FlexPluginBundle::load(&a.0).unwrap(), FlexPluginBundle::load(&b.0).unwrap());
        assert_eq!(a.path(), format!("/flex-plugin/{}/p.js", a.digest));
        assert_eq!(a.digest.len(), 16);
        assert_ne!(a.path(), b.path(), "different code, different URL");
        assert_eq!(a.build_version(), format!("1.2.3-g{}", &a.digest[..8]));
        assert_eq!(&a.script[..], b"one");
    }

    #[test]
    fn a_manifest_cannot_point_outside_its_folder() {
        let dir = folder(r#"{"name":"p","version":"1.2.3","bundle":"../p.js"}"#, b"x");
        assert!(matches!(FlexPluginBundle::load(&dir.0), Err(FlexBundleError::Manifest { .. })));
        let missing = folder(r#"{"name":"p","version":"1","bundle":"q.js"}"#, b"x");
        assert!(matches!(FlexPluginBundle::load(&missing.0), Err(FlexBundleError::Read { .. })));
    }
}
