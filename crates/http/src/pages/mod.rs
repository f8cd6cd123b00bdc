//! Server-rendered pages (the customer's join page, later the dashboard)
//! and their static assets, from templates under `DASHBOARD_DIR`.
