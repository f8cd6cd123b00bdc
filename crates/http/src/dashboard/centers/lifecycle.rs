//! Creating a contact center and deleting one.

use escalate_app::services::contact_centers;
use escalate_app::{AppError, ErrorCode};
use escalate_domain::contact_center::SettingsPatch;
use minijinja::context;
use poem::handler;
use poem::http::StatusCode;
use poem::web::Path;

use crate::dashboard::web::{self, Admin, AdminForm, Page};

use super::lookup::center;

#[handler]
pub async fn create(AdminForm { ctx, form }: AdminForm) -> Page {
    let name = form.get("name").trim().to_owned();
    let message = match contact_centers::create(&ctx.state, &ctx.principal(), &name, None, SettingsPatch::default())
        .await
    {
        Ok(cc) => {
            return Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=cc_created", cc.id)));
        }
        Err(e) if e.code() == ErrorCode::SlugTaken => {
            "A contact center with this name already exists. Choose another name.".to_owned()
        }
        Err(e @ AppError::Invalid(_)) => {
            format!("Name {}", e.fields().first().map(|f| f.message.clone()).unwrap_or_default())
        }
        Err(e) => return Err(ctx.error_page(e)),
    };
    Ok(ctx.render(
        StatusCode::UNPROCESSABLE_ENTITY,
        "new_center.html",
        "new",
        "New contact center",
        context! { name => name, error => message },
    ))
}

#[handler]
pub async fn new_form(Admin(ctx): Admin) -> Page {
    Ok(ctx.render(StatusCode::OK, "new_center.html", "new", "New contact center", context! { name => "" }))
}

/// Deletes the contact center with its escalations and credentials (the
/// API's `DELETE /v1/contact-centers/{id}`), after the page's confirmation.
#[handler]
pub async fn delete_center(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    contact_centers::delete(&ctx.state, &ctx.principal(), cc.id).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect("/dashboard?flash=cc_deleted"))
}
