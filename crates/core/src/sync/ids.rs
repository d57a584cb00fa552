//! Identifiers made on the device: client (device installation), record and mutation ids.
//!
//! All three are UUIDv7 so ids made offline never collide and sort roughly by creation time.
//! The core reads no clock and no random source: callers pass the time and, for a client id,
//! the random bytes; record and mutation ids are derived from the client id and a per-client
//! counter, which makes them unique per device and unguessable across devices.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::{Builder, Uuid, Version};

/// One installation of the app on one device (a browser profile on a tablet). Made once, on
/// first start, and kept in the device's store; it names the device in every mutation and
/// breaks HLC ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ClientId(pub Uuid);

/// The id of a record (entity or event), made by the device that created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct RecordId(pub Uuid);

/// The id of one mutation: the idempotency key the server remembers forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct MutationId(pub Uuid);

impl ClientId {
    /// A new client id from the time of first start and 10 random bytes (in the browser:
    /// `crypto.getRandomValues`).
    pub fn new_v7(unix_ms: u64, random: [u8; 10]) -> Self {
        ClientId(Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
    }

    /// A UUIDv7 unique to this client for every distinct `counter`: the client id's random
    /// bits mixed with the counter, so two devices never derive the same id.
    pub(crate) fn derive_v7(self, unix_ms: u64, counter: u64) -> Uuid {
        let own = self.0.as_bytes();
        let mut random = [0u8; 10];
        random.copy_from_slice(&own[6..16]);
        // Builder overwrites the version nibble (byte 0) and the variant bits (byte 2) of
        // `random`; bytes 3..10 survive untouched, so the counter goes there.
        let count = counter.to_be_bytes();
        for (slot, byte) in random[3..10].iter_mut().zip(&count[1..8]) {
            *slot ^= byte;
        }
        random[0] ^= count[0];
        Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid()
    }
}

/// Whether `id` is a UUIDv7, the only kind of id the server accepts for records and mutations.
pub fn is_v7(id: &Uuid) -> bool {
    id.get_version() == Some(Version::SortRand)
}

impl RecordId {
    /// A record id made from `key` alone, the same on every device and server process:
    /// FNV-1a over the key in a UUIDv7's random bits at time 0. For records that must be one
    /// whoever makes them (a store's default scripts, a car's test-drive slot, the callback
    /// a delivery creates).
    pub fn fixed(key: &str) -> RecordId {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut bits = [0u8; 10];
        for (i, b) in key.bytes().enumerate() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            bits[i % 10] ^= (hash >> 24) as u8;
        }
        bits[2..].copy_from_slice(&hash.to_be_bytes());
        RecordId::new_v7(0, bits)
    }

    /// A record id from explicit parts (tests, imports). Devices use `Replica::new_record_id`.
    pub fn new_v7(unix_ms: u64, random: [u8; 10]) -> Self {
        RecordId(Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
    }
}

impl MutationId {
    /// A mutation id from explicit parts (tests). Devices get theirs from `Replica::write`.
    pub fn new_v7(unix_ms: u64, random: [u8; 10]) -> Self {
        MutationId(Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
    }
}

macro_rules! display_uuid {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}
display_uuid!(ClientId, RecordId, MutationId);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn derived_ids_are_v7_and_unique_per_counter() {
        let client = ClientId::new_v7(1_700_000_000_000, [7; 10]);
        assert!(is_v7(&client.0));
        let ids: HashSet<Uuid> = (0..10_000)
            .map(|n| client.derive_v7(1_700_000_000_000, n))
            .collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(is_v7));
    }

    #[test]
    fn two_clients_derive_different_ids_from_the_same_counter() {
        let a = ClientId::new_v7(1, [1; 10]);
        let b = ClientId::new_v7(1, [2; 10]);
        assert_ne!(a.derive_v7(5, 0), b.derive_v7(5, 0));
    }
}
