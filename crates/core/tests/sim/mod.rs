//! The convergence simulation: a server and 2–8 devices over an unreliable network, driven by
//! a schedule of actions generated from a seed. See `simulation.rs` for the runner and
//! `regressions.rs` for shrunk failures kept as plain tests.
//!
//! A schedule is data (`Schedule`), so a failing one can be shrunk by dropping actions and
//! replayed exactly from `(seed, kept action indices)`.

#![allow(dead_code)] // each test binary uses a different part of the harness

mod check;
mod ops;
mod schedule;

#[allow(unused_imports)] // part of the harness API
pub use schedule::{Action, ClientSpec, Schedule, UserSpec, generate};

use huifang_core::sync::{
    ClientId, MemoryClientStore, MemoryServerStore, Mutation, PullResponse, PushRequest,
    PushResponse, Replica, ServerConfig, StampPolicy, StateMachines, SyncServer, UserCtx,
};
use huifang_core::{StoreId, UserId};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits (the in-memory stores answer at once).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("in-memory stores never wait"),
    }
}

pub const HOUR_MS: i64 = 3_600_000;
pub const START_MS: i64 = 1_750_000_000_000;
pub const STORES: usize = 2;

/// A message on the network.
#[derive(Debug, Clone)]
enum Msg {
    Push(usize, PushRequest),
    Pull(usize, huifang_core::sync::PullRequest),
    PushAnswer(usize, PushResponse),
    PullAnswer(usize, PullResponse),
}

pub struct Device {
    pub spec: ClientSpec,
    pub user: UserCtx,
    pub replica: Option<Replica<MemoryClientStore>>,
    pub client_id: ClientId,
    pub online: bool,
    pub skew_ms: i64,
}

/// Counts that show what a schedule exercised.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub saved: usize,
    pub applied: usize,
    pub rejected: usize,
    pub conflicts: usize,
    pub conflicts_raised: usize,
    pub moves: usize,
    pub crashes: usize,
}

pub struct World {
    pub server: SyncServer<MemoryServerStore>,
    pub devices: Vec<Device>,
    network: Vec<Msg>,
    pub real_ms: i64,
    /// Every mutation a device said was saved.
    pub saved: Vec<(usize, Mutation)>,
    pub users: Vec<UserCtx>,
    pub stats: Stats,
}

const PUSH_BATCH: usize = 4;
const PULL_PAGE: u32 = 3;

pub fn user_id(i: usize) -> UserId {
    UserId(format!("user-{i}"))
}

pub fn store_id(i: usize) -> StoreId {
    StoreId(format!("store-{i}"))
}

impl World {
    pub fn new(schedule: &Schedule) -> Self {
        let users: Vec<UserCtx> = schedule
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| UserCtx {
                user: user_id(i),
                role: u.role,
                store: store_id(u.store),
            })
            .collect();
        let mut world = World {
            server: SyncServer::new(
                MemoryServerStore::new(),
                StateMachines::standard(),
                ServerConfig::default(),
            ),
            devices: Vec::new(),
            network: Vec::new(),
            real_ms: START_MS,
            saved: Vec::new(),
            users: users.clone(),
            stats: Stats::default(),
        };
        for (i, spec) in schedule.clients.iter().enumerate() {
            let mut random = [0u8; 10];
            random[..8].copy_from_slice(&schedule.seed.to_be_bytes());
            random[8] = i as u8;
            random[9] = 0x5a;
            let client_id = ClientId::new_v7(START_MS as u64, random);
            let user = users[spec.user].clone();
            let mut device = Device {
                spec: spec.clone(),
                user,
                replica: None,
                client_id,
                online: true,
                skew_ms: spec.skew_ms,
            };
            device.replica = Some(open(&device, MemoryClientStore::new()));
            // Signing in is the first server answer: it sets the clock offset.
            let local = world.real_ms + device.skew_ms;
            block_on(replica(&mut device).on_server_time(world.real_ms, local))
                .expect("sign-in commit");
            world.devices.push(device);
        }
        world
    }

    pub fn local_ms(&self, client: usize) -> i64 {
        self.real_ms + self.devices[client].skew_ms
    }

    pub fn step(&mut self, action: Action) {
        match action {
            Action::Write { client, pick } => self.write(client, pick),
            Action::EditTogether { a, b, pick } => self.edit_together(a, b, pick),
            Action::Push { client } => {
                if self.devices[client].online {
                    self.send_push(client);
                }
            }
            Action::Pull { client } => {
                if self.devices[client].online {
                    self.send_pull(client);
                }
            }
            Action::Deliver { pick, lose_answer } => {
                if !self.network.is_empty() {
                    let msg = self.network.remove(pick % self.network.len());
                    self.deliver(msg, lose_answer);
                }
            }
            Action::SyncNow { client } => {
                if self.devices[client].online {
                    self.sync_now(client).expect("a perfect sync finishes");
                }
            }
            Action::Drop { pick } => {
                if !self.network.is_empty() {
                    self.network.remove(pick % self.network.len());
                }
            }
            Action::Duplicate { pick } => {
                if !self.network.is_empty() {
                    let msg = self.network[pick % self.network.len()].clone();
                    self.network.push(msg);
                }
            }
            Action::ToggleOnline { client } => {
                let device = &mut self.devices[client];
                device.online = !device.online;
            }
            Action::Crash { client } => self.crash(client, false),
            Action::FailCommit { client } => self.crash(client, true),
            Action::Advance { ms } => self.real_ms += ms,
            Action::ClockJump { client, ms } => {
                let device = &mut self.devices[client];
                device.skew_ms = (device.skew_ms + ms).clamp(-48 * HOUR_MS, 48 * HOUR_MS);
            }
        }
        for device in &mut self.devices {
            if let Err(broken) = check::view_is_base_plus_pending(device) {
                panic!("after {action:?}: {broken}");
            }
        }
    }

    fn write(&mut self, client: usize, pick: u64) {
        let local = self.local_ms(client);
        let users = self.users.clone();
        let device = &mut self.devices[client];
        let Some((kind, record_id, op)) = ops::choose(pick, device, &users, local) else {
            return;
        };
        match block_on(replica(device).write(kind, record_id, op, local)) {
            Ok(m) => {
                self.stats.saved += 1;
                self.saved.push((client, m));
            }
            Err(huifang_core::sync::ReplicaError::Store(_)) => self.crash(client, false),
            Err(_) => {} // refused before saving: the app showed why
        }
    }

    fn edit_together(&mut self, a: usize, b: usize, pick: u64) {
        if a == b {
            return;
        }
        let target = {
            let theirs = block_on(replica(&mut self.devices[b]).records()).expect("views read");
            let mine = block_on(replica(&mut self.devices[a]).records()).expect("views read");
            ops::shared_contested(pick, &mine, &theirs)
        };
        let Some((kind, id, field)) = target else {
            return;
        };
        for (n, client) in [a, b].into_iter().enumerate() {
            let local = self.local_ms(client);
            let device = &mut self.devices[client];
            let op = ops::set_one(device, id, &field, pick.wrapping_add(n as u64));
            match block_on(replica(device).write(kind, id, op, local)) {
                Ok(m) => {
                    self.stats.saved += 1;
                    self.saved.push((client, m));
                }
                Err(huifang_core::sync::ReplicaError::Store(_)) => self.crash(client, false),
                Err(_) => {}
            }
        }
    }

    fn send_push(&mut self, client: usize) {
        let device = &mut self.devices[client];
        let batch = block_on(replica(device).next_push_batch(PUSH_BATCH)).expect("outbox reads");
        if let Some(request) = batch {
            self.network.push(Msg::Push(client, request));
        }
    }

    fn send_pull(&mut self, client: usize) {
        let request = replica(&mut self.devices[client]).pull_request(PULL_PAGE);
        self.network.push(Msg::Pull(client, request));
    }

    fn deliver(&mut self, msg: Msg, lose_answer: bool) {
        match msg {
            Msg::Push(client, request) => {
                let user = self.devices[client].user.clone();
                let answer = block_on(self.server.push(&user, request, self.real_ms))
                    .expect("memory server never fails");
                if !lose_answer {
                    self.network.push(Msg::PushAnswer(client, answer));
                }
            }
            Msg::Pull(client, request) => {
                let user = self.devices[client].user.clone();
                let answer = block_on(self.server.pull(&user, request, self.real_ms))
                    .expect("memory server never fails");
                if !lose_answer {
                    self.network.push(Msg::PullAnswer(client, answer));
                }
            }
            Msg::PushAnswer(client, answer) => {
                if self.devices[client].online {
                    let local = self.local_ms(client);
                    let device = &mut self.devices[client];
                    if block_on(replica(device).on_push_response(answer, local)).is_err() {
                        self.crash(client, false);
                    }
                }
            }
            Msg::PullAnswer(client, answer) => {
                if self.devices[client].online {
                    let local = self.local_ms(client);
                    let device = &mut self.devices[client];
                    match block_on(replica(device).apply_pull(answer, local)) {
                        Ok(applied) if applied.has_more => self.send_pull(client),
                        Ok(_) => {}
                        Err(_) => self.crash(client, false),
                    }
                }
            }
        }
    }

    /// Restarts the app on a device: everything not in its store is lost.
    fn crash(&mut self, client: usize, fail_next_commit: bool) {
        self.stats.crashes += 1;
        let device = &mut self.devices[client];
        let mut store = device
            .replica
            .take()
            .expect("device has a replica")
            .into_store();
        if fail_next_commit {
            store.fail_next_commit();
        }
        device.replica = Some(open(device, store));
    }

    /// Ends the faults: every device online, the network drained, then push and pull until
    /// nothing changes.
    pub fn heal(&mut self) -> Result<(), String> {
        for device in &mut self.devices {
            device.online = true;
        }
        while !self.network.is_empty() {
            let msg = self.network.remove(0);
            self.deliver(msg, false);
        }
        for _round in 0..20 {
            let before = self.server.store().last_version();
            for client in 0..self.devices.len() {
                self.sync_now(client)?;
            }
            let quiet = self.server.store().last_version() == before
                && self.devices.iter_mut().all(|d| {
                    block_on(replica(d).pending())
                        .expect("outbox reads")
                        .is_empty()
                });
            if quiet {
                return Ok(());
            }
        }
        Err("the system did not become quiescent in 20 sync rounds".to_owned())
    }

    /// One complete sync of one device over a perfect network.
    fn sync_now(&mut self, client: usize) -> Result<(), String> {
        for _ in 0..10_000 {
            let device = &mut self.devices[client];
            let Some(request) =
                block_on(replica(device).next_push_batch(PUSH_BATCH)).expect("outbox reads")
            else {
                break;
            };
            let answer = block_on(
                self.server
                    .push(&device.user.clone(), request, self.real_ms),
            )
            .expect("memory server never fails");
            let local = self.local_ms(client);
            if block_on(replica(&mut self.devices[client]).on_push_response(answer, local)).is_err()
            {
                self.crash(client, false);
            }
        }
        for _ in 0..10_000 {
            let device = &mut self.devices[client];
            let request = replica(device).pull_request(PULL_PAGE);
            let answer = block_on(
                self.server
                    .pull(&device.user.clone(), request, self.real_ms),
            )
            .expect("memory server never fails");
            let local = self.local_ms(client);
            match block_on(replica(&mut self.devices[client]).apply_pull(answer, local)) {
                Ok(applied) if applied.has_more => {}
                Ok(_) => return Ok(()),
                Err(_) => self.crash(client, false),
            }
        }
        Err(format!("device {client} never finished pulling"))
    }
}

pub fn replica(device: &mut Device) -> &mut Replica<MemoryClientStore> {
    device.replica.as_mut().expect("device has a replica")
}

fn open(device: &Device, store: MemoryClientStore) -> Replica<MemoryClientStore> {
    block_on(Replica::open(
        store,
        device.user.clone(),
        device.client_id,
        StateMachines::standard(),
        StampPolicy::default(),
    ))
    .expect("opening a memory store works")
}

/// Plays a schedule, heals, and checks every invariant.
pub fn run(schedule: &Schedule) -> Result<Stats, String> {
    let mut world = World::new(schedule);
    for &action in &schedule.actions {
        world.step(action);
    }
    world.heal()?;
    check::invariants(&mut world)?;
    Ok(world.stats)
}

/// `run`, with a panic turned into an error.
pub fn run_caught(schedule: &Schedule) -> Result<Stats, String> {
    std::panic::catch_unwind(|| run(schedule)).unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        Err(format!("panicked: {text}"))
    })
}

/// The schedule of `seed` with only the actions at `keep`.
pub fn replay(seed: u64, keep: &[usize]) -> Schedule {
    let mut schedule = generate(seed);
    schedule.actions = keep.iter().map(|&i| schedule.actions[i]).collect();
    schedule
}

/// Drops actions while the schedule still fails; returns the indices kept.
pub fn shrink(seed: u64) -> Vec<usize> {
    let full = generate(seed);
    let mut keep: Vec<usize> = (0..full.actions.len()).collect();
    let mut chunk = keep.len().div_ceil(2);
    while chunk >= 1 {
        let mut start = 0;
        while start < keep.len() {
            let candidate: Vec<usize> = keep[..start]
                .iter()
                .chain(&keep[(start + chunk).min(keep.len())..])
                .copied()
                .collect();
            if run_caught(&replay(seed, &candidate)).is_err() {
                keep = candidate;
            } else {
                start += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    keep
}

/// A random number in `0..n` from a pick.
pub fn rng_for(pick: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(pick)
}
