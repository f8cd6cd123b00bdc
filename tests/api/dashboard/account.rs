//! `/dashboard/account`: any signed-in user sees who they are and changes
//! their own password; other sessions end, this one stays.

use super::*;

#[tokio::test]
async fn users_change_their_password_on_the_account_page() {
    let app = spawn_app().await;
    let (tenant, b) = admin_browser(&app).await;
    let elsewhere = Browser::new(&app);
    assert_eq!(elsewhere.login(&tenant.admin_email, &tenant.admin_password).await.status(), StatusCode::SEE_OTHER);

    let html = b.html("/dashboard/account").await;
    assert!(html.contains(&format!("data-testid=\"account-email\">{}<", tenant.admin_email)));
    assert!(html.contains("href=\"/dashboard/account\" aria-current=\"page\""), "navigation marks the page");

    // Each mistake is named on its field and nothing changes.
    let cases: [(&str, &str, &str, &str); 3] = [
        ("not my password", "a fine new passphrase", "a fine new passphrase", "current_password"),
        (&tenant.admin_password, "short", "short", "new_password"),
        (&tenant.admin_password, "a fine new passphrase", "a different passphrase", "confirm_password"),
    ];
    for (current, new, confirm, field) in cases {
        let resp = b
            .submit(
                "/dashboard/account",
                "/dashboard/account/password",
                &[("current_password", current), ("new_password", new), ("confirm_password", confirm)],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let html = unescape(&resp.text().await.unwrap());
        assert!(html.contains(&format!("data-error-for=\"{field}\"")), "{field}: {html}");
        assert!(
            !html.contains(&tenant.admin_password) && !html.contains("passphrase\""),
            "passwords are not echoed back"
        );
    }
    assert_eq!(elsewhere.get("/dashboard").await.status(), StatusCode::OK, "nothing changed yet");

    // Without the form's token nothing happens.
    let resp = b
        .post(
            "/dashboard/account/password",
            &[
                ("current_password", &tenant.admin_password),
                ("new_password", "x".repeat(20).as_str()),
                ("confirm_password", "x".repeat(20).as_str()),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let new = "correct horse battery staple";
    let resp = b
        .submit(
            "/dashboard/account",
            "/dashboard/account/password",
            &[("current_password", &tenant.admin_password), ("new_password", new), ("confirm_password", new)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/dashboard/account?flash=password_changed");
    assert!(b.html(&location(&resp)).await.contains("Password changed"), "still signed in here");
    assert_eq!(elsewhere.get("/dashboard").await.status(), StatusCode::SEE_OTHER, "signed out elsewhere");
    let (resp, _) = app.try_login(&tenant.admin_email, &tenant.admin_password).await;
    assert_eq!(resp.status(), 401, "the old password is gone");
    app.login(&tenant.admin_email, new).await;
}

#[tokio::test]
async fn viewers_have_an_account_page_too() {
    let app = spawn_app().await;
    let (tenant, _) = admin_browser(&app).await;
    let resp = tenant.admin.post("/v1/users", json!({ "email": "viewer@acct.example", "role": "viewer" })).await;
    assert_eq!(resp.status(), 201);
    let password = resp.json::<Value>().await.unwrap()["initial_password"].as_str().unwrap().to_owned();
    let viewer = Browser::new(&app);
    assert_eq!(viewer.login("viewer@acct.example", &password).await.status(), StatusCode::SEE_OTHER);
    let html = viewer.html("/dashboard/account").await;
    assert!(html.contains(">viewer<"));
    let resp = viewer
        .submit(
            "/dashboard/account",
            "/dashboard/account/password",
            &[
                ("current_password", &password),
                ("new_password", "viewer's own passphrase"),
                ("confirm_password", "viewer's own passphrase"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    app.login("viewer@acct.example", "viewer's own passphrase").await;
}
