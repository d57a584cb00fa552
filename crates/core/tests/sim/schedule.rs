//! Schedules: who is on which device, their clocks, and the actions to play, all from a seed.

use super::HOUR_MS;
use huifang_core::Role;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub role: Role,
    pub store: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub user: usize,
    /// Device clock minus real time at the start.
    pub skew_ms: i64,
}

/// One step of a schedule. Random choices inside a step come from `pick`, so dropping other
/// steps does not change what this one tries to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The user makes a change on the device (allowed offline).
    Write {
        client: usize,
        pick: u64,
    },
    /// Two people edit the same field of the same complaint or lead at the same moment.
    EditTogether {
        a: usize,
        b: usize,
        pick: u64,
    },
    /// The device sends its next outbox batch (if online).
    Push {
        client: usize,
    },
    /// The device asks for the next pull page (if online).
    Pull {
        client: usize,
    },
    /// The network delivers one message in flight, in any order; an answer may be lost
    /// after the server acted.
    Deliver {
        pick: usize,
        lose_answer: bool,
    },
    /// The device syncs completely over a good connection (if online).
    SyncNow {
        client: usize,
    },
    Drop {
        pick: usize,
    },
    Duplicate {
        pick: usize,
    },
    ToggleOnline {
        client: usize,
    },
    /// The app is killed: memory is gone, the device's store stays.
    Crash {
        client: usize,
    },
    /// The device's next store commit fails (then the app restarts).
    FailCommit {
        client: usize,
    },
    Advance {
        ms: i64,
    },
    /// Someone sets the device's clock (until the next server answer corrects it).
    ClockJump {
        client: usize,
        ms: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub seed: u64,
    pub users: Vec<UserSpec>,
    pub clients: Vec<ClientSpec>,
    pub actions: Vec<Action>,
}

/// A schedule from a seed: who is on which device, clock skews, and 10–60 actions.
pub fn generate(seed: u64) -> Schedule {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_clients = rng.random_range(2..=8);
    let n_users = rng.random_range(1..=n_clients);
    let leads = [
        Role::CareSupervisor,
        Role::SalesManager,
        Role::StoreManager,
        Role::GroupManager,
    ];
    let front_line = [
        Role::CareAgent,
        Role::CareAgent,
        Role::CareAgent,
        Role::SalesAdvisor,
        Role::SalesAdvisor,
        Role::CareSupervisor,
        Role::SalesManager,
        Role::StoreManager,
        Role::GroupManager,
    ];
    let users: Vec<UserSpec> = (0..n_users)
        .map(|i| UserSpec {
            // The first user leads (someone must move ownership); the rest are anyone.
            role: if i == 0 {
                leads[rng.random_range(0..leads.len())]
            } else {
                // Front-line people are the most; several share a store and its records.
                front_line[rng.random_range(0..front_line.len())]
            },
            store: if i == 0 || rng.random_bool(0.75) {
                0
            } else {
                1
            },
        })
        .collect();
    let clients = (0..n_clients)
        .map(|i| ClientSpec {
            // Every user has a device; extra devices belong to random users.
            user: if i < n_users {
                i
            } else {
                rng.random_range(0..n_users)
            },
            skew_ms: if rng.random_bool(0.5) {
                0
            } else {
                rng.random_range(-48 * HOUR_MS..=48 * HOUR_MS)
            },
        })
        .collect();
    let n_actions = rng.random_range(10..=60);
    let actions = (0..n_actions)
        .map(|_| random_action(&mut rng, n_clients))
        .collect();
    Schedule {
        seed,
        users,
        clients,
        actions,
    }
}

fn random_action(rng: &mut ChaCha8Rng, n_clients: usize) -> Action {
    let client = rng.random_range(0..n_clients);
    let pick = rng.random::<u32>() as usize;
    match rng.random_range(0..100) {
        0..32 => Action::Write {
            client,
            pick: rng.random(),
        },
        32..40 => Action::EditTogether {
            a: client,
            b: rng.random_range(0..n_clients),
            pick: rng.random(),
        },
        40..47 => Action::Push { client },
        47..57 => Action::Pull { client },
        57..72 => Action::Deliver {
            pick,
            lose_answer: rng.random_bool(0.1),
        },
        72..80 => Action::SyncNow { client },
        80..83 => Action::Drop { pick },
        83..86 => Action::Duplicate { pick },
        86..90 => Action::ToggleOnline { client },
        90..92 => Action::Crash { client },
        92..93 => Action::FailCommit { client },
        93..99 => Action::Advance {
            ms: rng.random_range(0..10 * 60_000),
        },
        _ => Action::ClockJump {
            client,
            ms: rng.random_range(-24 * HOUR_MS..=24 * HOUR_MS),
        },
    }
}
