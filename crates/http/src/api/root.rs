//! `/`, where a person lands who types the service's address: the
//! dashboard, which sends them on to sign in. Part of the API service only
//! because that service owns every path under `/`; hidden from the document.

use poem_openapi::{ApiResponse, OpenApi};

pub struct RootApi;

#[derive(ApiResponse)]
enum RootResponse {
    #[oai(status = 303)]
    SeeOther(#[oai(header = "Location")] String),
}

#[OpenApi]
impl RootApi {
    #[oai(path = "/", method = "get", hidden)]
    async fn root(&self) -> RootResponse {
        RootResponse::SeeOther("/dashboard".into())
    }
}
