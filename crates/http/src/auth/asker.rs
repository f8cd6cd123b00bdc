//! Who was asking, for the audit entry of a refusal. The authenticators
//! note the caller they resolved; the edge middleware, seeing a 403 answer,
//! has the application core record it against that caller (the core
//! bounds how many such entries one caller can add).

use std::sync::{Arc, Mutex};

use escalate_app::Principal;
use poem::Request;

#[derive(Clone, Default)]
pub struct Asker(Arc<Mutex<Option<Principal>>>);

impl Asker {
    /// Remembers `p` as the caller of `req`, if the edge is listening.
    pub fn note(req: &Request, p: &Principal) {
        if let Some(asker) = req.extensions().get::<Asker>() {
            *asker.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.clone());
        }
    }

    pub fn take(&self) -> Option<Principal> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
