#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! End-to-end API tests: each test spawns the real service (see the harness).

mod api_keys;
mod audit;
mod auth;
mod call_quality;
mod cli;
mod compression;
mod contact_centers;
mod credentials;
mod dashboard;
mod embedded;
mod errors;
mod escalations;
mod first_use;
mod flex_insights;
mod flex_install;
mod flex_plugin;
mod hardening;
mod health;
mod isolation;
mod join_page;
mod metrics;
mod outside_probe;
mod rating;
mod real_twilio;
mod recording;
mod replicas;
mod snapshots;
mod tracing;
mod users;
mod webhooks;
mod webrtc;
