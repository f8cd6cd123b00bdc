//! A contact center of the signed-in tenant, by the id in a page's path.

use escalate_app::services::reads;

use escalate_app::records::ContactCenterRecord;
use minijinja::{Value, context};
use uuid::Uuid;

use crate::dashboard::web::{Ctx, PageError};
use crate::error::ApiError;

/// One of the tenant's contact centers, by the id in the path; another
/// tenant's or a malformed id is the same 404 page.
pub(crate) async fn center(ctx: &Ctx, id: &str) -> Result<ContactCenterRecord, PageError> {
    let id = Uuid::parse_str(id).map_err(|_| ctx.error_page(ApiError::not_found()))?;
    reads::contact_center(&ctx.state, ctx.scope(), id).await.map_err(|e| ctx.error_page(e))
}

pub(crate) fn cc_value(cc: &ContactCenterRecord) -> Value {
    context! { id => cc.id.to_string(), name => cc.name.clone(), slug => cc.slug.clone() }
}
