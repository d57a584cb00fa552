-- Tablets (devices.rs): every device that pushed, which sessions it pushed with, and whether a
-- manager revoked it as lost. A revoked device's later pushes are refused and their
-- mutations kept here for review, never applied and never thrown away.
CREATE TABLE devices (
    client_id      TEXT PRIMARY KEY NOT NULL,
    store_id       TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    username       TEXT NOT NULL,
    first_seen_ms  BIGINT NOT NULL,
    last_seen_ms   BIGINT NOT NULL,
    revoked_at_ms  BIGINT,
    revoked_by     TEXT,
    revoked_reason TEXT
);
CREATE INDEX devices_by_store ON devices (store_id, last_seen_ms);

-- The sessions seen pushing from a device (token hashes, like sessions.token_hash): revoking
-- the device ends them.
CREATE TABLE device_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    client_id  TEXT NOT NULL
);
CREATE INDEX device_sessions_by_client ON device_sessions (client_id);

-- Mutations a revoked device pushed afterwards: refused, kept for a manager to review.
CREATE TABLE quarantined_mutations (
    client_id      TEXT NOT NULL,
    mutation_id    TEXT NOT NULL,
    store_id       TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);
