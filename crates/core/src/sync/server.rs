//! The server's sync engine: push (idempotent, authorised, validated, merged, versioned) and
//! pull (the change feed filtered to the user's scope). HTTP, sessions and SQL stay outside:
//! the HTTP layer authenticates, builds the [`UserCtx`], passes the server's time, and calls
//! these; the store implements [`ServerStore`].

use super::hlc::StampPolicy;
use super::ids::MutationId;
use super::ids::is_v7;
use super::machine::{StateMachines, TransitionError};
use super::merge::{self, Effect, MergeError};
use super::mutation::{Mutation, Op};
use super::protocol::{
    Change, MAX_PULL_LIMIT, MAX_PUSH, MutationResult, Outcome, PullRequest, PullResponse,
    PushRequest, PushResponse, RejectCode,
};
use super::record::RecordMeta;
use super::scope::{ScopeError, UserCtx, can_apply, can_read};
use super::store::{Decision, Loaded, ServerStore, StoredRecord};
use crate::SCHEMA_VERSION;
use std::collections::BTreeMap;

/// Why a whole request failed (as opposed to one mutation being rejected).
#[derive(Debug, thiserror::Error)]
pub enum SyncError<E: std::error::Error + 'static> {
    #[error("the app speaks schema version {client}, this server {server}: update the app")]
    UpdateRequired { client: u32, server: u32 },
    #[error("a push may hold at most {max} mutations, this one holds {got}")]
    BatchTooLarge { max: usize, got: usize },
    #[error("storage failed: {0}")]
    Store(#[source] E),
}

/// Server settings that shape sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub stamps: StampPolicy,
    /// The most mutations one push may carry. Devices push a step (up to [`MAX_PUSH`]
    /// mutations) whole, so a server that takes fewer refuses a big step's push.
    pub max_push: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            stamps: StampPolicy::default(),
            max_push: MAX_PUSH,
        }
    }
}

/// The server side of sync over a store `S`.
#[derive(Debug)]
pub struct SyncServer<S> {
    store: S,
    machines: StateMachines,
    config: ServerConfig,
}

/// A mutation refused, as it goes on the wire.
struct Refusal {
    code: RejectCode,
    reason: String,
}

impl Refusal {
    /// The rejection, remembered under the mutation id.
    fn into_decision(self) -> Decision {
        Decision {
            outcome: Outcome::Rejected {
                code: self.code,
                reason: self.reason,
            },
            remember: true,
            write: None,
        }
    }
}

/// The reason the later mutations of a step get once `refused` (rejected with `code` and
/// `reason`) was refused. A replayed follower's refusal is passed on as it is.
fn step_refusal(refused: &Mutation, code: RejectCode, reason: &str) -> String {
    if code == RejectCode::StepRefused {
        return reason.to_owned();
    }
    let change = match &refused.op {
        Op::Transition {
            field, from, to, ..
        } => {
            format!("the move of {field} from \"{from}\" to \"{to}\"")
        }
        op => format!("the {}", op.name()),
    };
    format!(
        "part of a step that was refused: {change} of {kind} {id}: {reason}",
        kind = refused.kind,
        id = refused.record_id,
    )
}

impl From<ScopeError> for Refusal {
    fn from(err: ScopeError) -> Self {
        let code = match err {
            ScopeError::NotFound { .. } => RejectCode::NotFound,
            _ => RejectCode::Forbidden,
        };
        Refusal {
            code,
            reason: err.to_string(),
        }
    }
}

impl From<MergeError> for Refusal {
    fn from(err: MergeError) -> Self {
        let code = match &err {
            MergeError::NotFound { .. } => RejectCode::NotFound,
            MergeError::AlreadyExists { .. } => RejectCode::AlreadyExists,
            MergeError::Deleted { .. } => RejectCode::Deleted,
            MergeError::Transition(TransitionError::Stale { .. }) => RejectCode::StaleTransition,
            MergeError::Transition(_) => RejectCode::IllegalTransition,
            _ => RejectCode::Invalid,
        };
        Refusal {
            code,
            reason: err.to_string(),
        }
    }
}

impl<S: ServerStore> SyncServer<S> {
    pub fn new(store: S, machines: StateMachines, config: ServerConfig) -> Self {
        SyncServer {
            store,
            machines,
            config,
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn machines(&self) -> &StateMachines {
        &self.machines
    }

    /// Applies a push, mutation by mutation in the order given, through
    /// [`ServerStore::apply_batch`] (one store transaction for the whole push where the store
    /// can). `now_ms` is the server's clock.
    ///
    /// Mutations of one step (the same `Mutation::step`) stand or fall from the first refused
    /// one on: once one is rejected, each later one of that step in the push is rejected too
    /// ([`RejectCode::StepRefused`], the reason naming the refused change), remembered like
    /// any rejection. A mutation processed before (a replay) always answers its first
    /// outcome, and a replayed rejection refuses the rest of its step in the same way.
    pub async fn push(
        &self,
        user: &UserCtx,
        request: PushRequest,
        now_ms: i64,
    ) -> Result<PushResponse, SyncError<S::Error>> {
        self.push_with(user, request, now_ms, |_| None).await
    }

    /// [`SyncServer::push`] with a check of the caller's before the engine's own: `pre`
    /// refusing a new mutation rejects it with its code and reason (remembered, so a replay
    /// answers the same whatever `pre` would say then), and refuses the rest of its step.
    /// `pre` sees mutations in push order and is not asked about replays or about mutations
    /// of a step already refused.
    pub async fn push_with(
        &self,
        user: &UserCtx,
        request: PushRequest,
        now_ms: i64,
        pre: impl Fn(&Mutation) -> Option<(RejectCode, String)>,
    ) -> Result<PushResponse, SyncError<S::Error>> {
        if request.schema_version != SCHEMA_VERSION {
            return Err(SyncError::UpdateRequired {
                client: request.schema_version,
                server: SCHEMA_VERSION,
            });
        }
        if request.mutations.len() > self.config.max_push {
            return Err(SyncError::BatchTooLarge {
                max: self.config.max_push,
                got: request.mutations.len(),
            });
        }
        // The reason each refused step gives its later mutations, filled in as the store
        // hands the mutations to `decide`, in push order.
        let mut refused_steps: BTreeMap<MutationId, String> = BTreeMap::new();
        let outcomes = self
            .store
            .apply_batch(&request.mutations, |m, loaded| {
                let decision = match loaded.prior {
                    Some(prior) => Decision {
                        outcome: prior.replayed(),
                        remember: false,
                        write: None,
                    },
                    None => {
                        let refused_step = m.step.and_then(|step| refused_steps.get(&step));
                        let refusal = match refused_step {
                            Some(reason) => Some(Refusal {
                                code: RejectCode::StepRefused,
                                reason: reason.clone(),
                            }),
                            None => pre(m).map(|(code, reason)| Refusal { code, reason }),
                        };
                        match refusal {
                            Some(refusal) => refusal.into_decision(),
                            None => self.decide(user, &request, m, loaded, now_ms),
                        }
                    }
                };
                if let (Some(step), Outcome::Rejected { code, reason }) =
                    (m.step, &decision.outcome)
                {
                    refused_steps
                        .entry(step)
                        .or_insert_with(|| step_refusal(m, *code, reason));
                }
                decision
            })
            .await
            .map_err(SyncError::Store)?;
        let results = request
            .mutations
            .iter()
            .zip(outcomes)
            .map(|(m, outcome)| MutationResult {
                mutation_id: m.mutation_id,
                outcome,
            })
            .collect();
        Ok(PushResponse {
            results,
            server_time_ms: now_ms,
        })
    }

    /// Decides a mutation not processed before.
    fn decide(
        &self,
        user: &UserCtx,
        request: &PushRequest,
        m: &Mutation,
        loaded: Loaded,
        now_ms: i64,
    ) -> Decision {
        let decision = match self.judge(user, request, m, loaded.record, now_ms) {
            Ok((outcome, write)) => Decision {
                outcome,
                remember: true,
                write,
            },
            Err(refusal) => refusal.into_decision(),
        };
        match decision.write {
            // The version the store will give the record.
            Some(_) => Decision {
                outcome: Outcome::Applied {
                    version: loaded.next_version,
                },
                ..decision
            },
            None => decision,
        }
    }

    /// Authorises, validates and merges one new mutation. `Ok` holds the outcome when nothing
    /// is written, and the record to write otherwise (its outcome is filled in by `decide`).
    fn judge(
        &self,
        user: &UserCtx,
        request: &PushRequest,
        m: &Mutation,
        stored: Option<StoredRecord>,
        now_ms: i64,
    ) -> Result<(Outcome, Option<StoredRecord>), Refusal> {
        let invalid = |reason: &str| Refusal {
            code: RejectCode::Invalid,
            reason: reason.to_owned(),
        };
        if m.client_id != request.client_id || m.hlc.node != m.client_id {
            return Err(invalid(
                "the mutation was made by another device than the one pushing it",
            ));
        }
        if !is_v7(&m.mutation_id.0) || !is_v7(&m.record_id.0) {
            return Err(invalid("record and mutation ids must be UUIDv7"));
        }
        self.config
            .stamps
            .check(m.hlc, now_ms)
            .map_err(|err| Refusal {
                code: RejectCode::ClockAhead,
                reason: err.to_string(),
            })?;
        let current = stored.as_ref().map(|s| &s.record);
        can_apply(user, m, current, &self.machines)?;
        match merge::apply(current, m, &self.machines)? {
            Effect::Unchanged => {
                let version = current.map(|r| r.version()).unwrap_or_default();
                let outcome = if matches!(m.op, Op::AppendEvent { .. } | Op::Create { .. }) {
                    Outcome::Duplicate { version }
                } else {
                    Outcome::Applied { version }
                };
                Ok((outcome, None))
            }
            Effect::Changed(record) => {
                let mut past_scopes = Vec::new();
                if let Some(old) = &stored {
                    past_scopes.clone_from(&old.past_scopes);
                    if old.record.scope() != record.scope()
                        && !past_scopes.contains(old.record.scope())
                    {
                        past_scopes.push(old.record.scope().clone());
                    }
                }
                // Placeholder: `decide` replaces it with the version the store assigns.
                let outcome = Outcome::Applied { version: 0 };
                Ok((
                    outcome,
                    Some(StoredRecord {
                        record,
                        past_scopes,
                    }),
                ))
            }
        }
    }

    /// One page of changes after `request.cursor` that `user` may see, plus `Removed` for
    /// records that left their scope. Records go as stored: what a person's tablet receives
    /// goes through [`super::scope::as_seen_by`] too (the HTTP layer's pull), while the
    /// server's own work over a person's view (an import matching customers by number) needs
    /// the numbers.
    pub async fn pull(
        &self,
        user: &UserCtx,
        request: PullRequest,
        now_ms: i64,
    ) -> Result<PullResponse, SyncError<S::Error>> {
        let limit = request.limit.clamp(1, MAX_PULL_LIMIT);
        let page = self
            .store
            .feed(request.cursor, limit)
            .await
            .map_err(SyncError::Store)?;
        let next_cursor = page
            .records
            .last()
            .map_or(request.cursor, |s| s.record.version());
        let changes = page
            .records
            .into_iter()
            .filter_map(|stored| {
                let kind = stored.record.kind();
                if can_read(user, &stored.record.meta()) {
                    Some(Change::Record {
                        record: stored.record,
                    })
                } else if stored
                    .past_scopes
                    .iter()
                    .any(|scope| can_read(user, &RecordMeta { kind, scope }))
                {
                    Some(Change::Removed {
                        record_id: stored.record.id(),
                        version: stored.record.version(),
                    })
                } else {
                    None
                }
            })
            .collect();
        Ok(PullResponse {
            cursor: request.cursor,
            changes,
            next_cursor,
            has_more: page.has_more,
            server_time_ms: now_ms,
        })
    }
}
