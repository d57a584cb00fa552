-- The server's duplicate check (sync/leads.rs) without reading every lead of the store: one
-- row per lead that another advisor's new lead can duplicate (live, open, with an advisor and
-- a number), under its number as duplicates are compared (`phone_key`). Written with the
-- lead's `sync_records` row, in the same transaction (sync/store.rs); a lead that stops
-- counting (lost, delivered, deleted, its number cleared) loses its row. `COLLATE "C"`: ids
-- and advisors compare byte by byte, as the server orders them (the earliest captured, then
-- the lowest id), whatever the database's collation.
CREATE TABLE lead_phones (
    record_id   TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    store_id    TEXT NOT NULL,
    phone_key   TEXT NOT NULL,
    owner       TEXT COLLATE "C" NOT NULL,
    captured_at BIGINT NOT NULL
);
-- By number and advisor: a push reads only other advisors' leads with its numbers.
CREATE INDEX lead_phones_by_phone ON lead_phones (store_id, phone_key, owner, captured_at, record_id);

-- Derived rows the server must compute in code once (SQL cannot clean a phone number): a row
-- here means "not yet"; the server fills the table at start, under the feed lock, and deletes
-- the row in the same transaction.
CREATE TABLE sync_backfills (
    name TEXT PRIMARY KEY NOT NULL
);
INSERT INTO sync_backfills (name) VALUES ('lead_phones');
