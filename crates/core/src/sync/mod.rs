//! Offline-first sync (DESIGN.md, "Data and sync"): the record model, the hybrid logical
//! clock, mutations, merge rules, state machines, scopes, the wire protocol, the storage
//! traits, and the two engines built on them — [`SyncServer`] for the server and
//! [`Replica`] for a device.
//!
//! Values in, values out: nothing here reads a clock, touches storage directly, or spawns
//! anything. Time is passed in; storage is behind [`ServerStore`] and [`ClientStore`].

pub mod blobs;
pub mod client;
pub mod hlc;
pub mod ids;
pub mod kind;
pub mod machine;
pub mod memory;
pub mod merge;
pub mod mutation;
pub mod protocol;
pub mod record;
pub mod scope;
pub mod server;
pub mod store;

pub use client::{PullApplied, Replica, ReplicaError, Write};
pub use hlc::{ClockOffset, Hlc, HlcClock, StampError, StampPolicy};
pub use ids::{ClientId, MutationId, RecordId};
pub use kind::{Area, RecordKind};
pub use machine::{Machine, Rule, StateMachines, TransitionError};
pub use memory::{MemoryClientStore, MemoryServerStore};
pub use merge::{Effect, MergeError};
pub use mutation::{FieldWrite, Mutation, Op};
pub use protocol::{
    Change, MAX_PULL_LIMIT, MAX_PUSH, MutationResult, Outcome, PullRequest, PullResponse,
    PushRequest, PushResponse, RejectCode,
};
pub use record::{Conflict, Entity, Event, FieldState, Record, RecordMeta, Scope, Tombstone};
pub use scope::{
    Grant, Reach, ScopeError, UserCtx, as_seen_by, can_apply, can_read, check_fields, grant, view,
};
pub use server::{ServerConfig, SyncError, SyncServer};
pub use store::{
    ClientBatch, ClientMeta, ClientStore, Decision, FeedPage, Loaded, NeedsAttention,
    PendingMutation, ServerStore, StoredRecord,
};
