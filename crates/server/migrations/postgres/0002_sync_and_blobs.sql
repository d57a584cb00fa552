-- Sync (DESIGN.md "Data and sync"): the records, the idempotency record, the change-feed
-- counter; and the metadata of content-addressed blobs (the bytes live in files).

-- One row per synced record: its current snapshot. `body` is the JSON of the core's
-- `StoredRecord` (the record with its version, and the scopes it held before). `kind`,
-- `store_id` and `owner` repeat what is in `body` for queries.
CREATE TABLE sync_records (
    record_id TEXT PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL,
    store_id  TEXT NOT NULL,
    owner     TEXT,
    version   BIGINT NOT NULL UNIQUE,
    body      TEXT NOT NULL
);
CREATE INDEX sync_records_store_id ON sync_records (store_id);

-- What the server answered for each mutation id, so a replay gets the same answer.
CREATE TABLE sync_outcomes (
    mutation_id   TEXT PRIMARY KEY NOT NULL,
    outcome       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- The change-feed counter: the version of the last record written. Every push transaction
-- updates this one row first, which serialises writers so versions commit in order.
CREATE TABLE sync_feed (
    id      INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO sync_feed (id, version) VALUES (1, 0);

-- A blob's metadata, one row per store holding it (the file is stored once, by hash).
CREATE TABLE blobs (
    sha256        TEXT NOT NULL,
    store_id      TEXT NOT NULL REFERENCES stores (id),
    size          BIGINT NOT NULL,
    content_type  TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (sha256, store_id)
);
