//! Room callbacks are written in batches, many to one transaction.
//!
//! A callback is a row lock, an insert and an update; on its own it is also
//! a commit, which waits for the disk. Under load a replica takes thousands
//! a second, so each lane's writer takes every callback waiting in its queue
//! (up to [`MAX_BATCH`]) into one transaction: one commit for all. Nothing is
//! delayed to fill a batch: when callbacks are few, a batch is one.
//!
//! A callback's answer waits for its batch's commit, so Twilio hears 204 only
//! for what is stored. Callbacks of one room always go to the same lane, in
//! the order they arrived, so a room's events are applied in order and two
//! lanes never wait on each other's row locks. If a batch fails, its
//! callbacks are tried one by one, so one bad callback fails only itself.

use std::hash::{Hash, Hasher};

use chrono::Utc;
use escalate_store::repos::{EventOutcome, RoomCallback};
use escalate_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::error::{AppError, AppResult};

/// Writers, each with its own database connection at a time.
const LANES: usize = 4;
/// Callbacks in one transaction at most.
const MAX_BATCH: usize = 128;
/// Callbacks waiting per lane before new ones wait to be queued.
const QUEUE: usize = 1024;

type Answer = oneshot::Sender<Result<EventOutcome, StoreError>>;

pub(crate) struct EventWriter {
    lanes: Vec<mpsc::Sender<(RoomCallback, Answer)>>,
}

impl EventWriter {
    /// Starts the lanes' writers; they stop when this is dropped.
    pub(crate) fn start(store: &Store) -> Self {
        let lanes = (0..LANES)
            .map(|_| {
                let (tx, rx) = mpsc::channel(QUEUE);
                tokio::spawn(write(store.clone(), rx));
                tx
            })
            .collect();
        Self { lanes }
    }

    /// Records `cb` with whatever else is waiting, once it is committed.
    pub(crate) async fn record(&self, cb: RoomCallback) -> AppResult<EventOutcome> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (cb.contact_center_id, &cb.room_name).hash(&mut h);
        let lane = &self.lanes[(h.finish() % self.lanes.len() as u64) as usize];
        let (tx, rx) = oneshot::channel();
        let stopped = || AppError::internal("the room callback writer stopped");
        lane.send((cb, tx)).await.map_err(|_| stopped())?;
        Ok(rx.await.map_err(|_| stopped())??)
    }
}

async fn write(store: Store, mut queue: mpsc::Receiver<(RoomCallback, Answer)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (callbacks, answers): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let single = callbacks.len() == 1;
        match store.record_room_events(&callbacks, Utc::now()).await {
            Ok(outcomes) => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(err) if single => {
                if let Some(answer) = answers.into_iter().next() {
                    let _ = answer.send(Err(err));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, batch = callbacks.len(), "a batch of room callbacks failed; one by one");
                for (cb, answer) in callbacks.iter().zip(answers) {
                    let outcome = store.record_room_events(std::slice::from_ref(cb), Utc::now()).await;
                    let _ = answer.send(outcome.map(|mut o| o.pop().unwrap_or(EventOutcome::Duplicate)));
                }
            }
        }
    }
}
