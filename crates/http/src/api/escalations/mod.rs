//! Chat-to-video escalations, one module per action: the collection (create
//! and list: one path), read, events, recordings, complete, tokens, the
//! customer's rating, erasure and snapshots. The wire shapes they share are in
//! [`views`].

mod collection;
mod complete;
mod erase;
mod events;
mod rating;
mod read;
mod recordings;
mod snapshots;
mod tokens;
mod views;

pub(crate) use views::token_view;

/// Every escalation operation, in the order the document lists them.
pub type EscalationsApi = (
    collection::CollectionApi,
    read::ReadApi,
    recordings::RecordingsApi,
    events::EventsApi,
    complete::CompleteApi,
    tokens::TokensApi,
    rating::RatingApi,
    erase::EraseApi,
    snapshots::SnapshotsApi,
);

pub fn api() -> EscalationsApi {
    (
        collection::CollectionApi,
        read::ReadApi,
        recordings::RecordingsApi,
        events::EventsApi,
        complete::CompleteApi,
        tokens::TokensApi,
        rating::RatingApi,
        erase::EraseApi,
        snapshots::SnapshotsApi,
    )
}
