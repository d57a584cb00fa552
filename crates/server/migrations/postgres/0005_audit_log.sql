-- Who took customers' data out of the system, and when (audit.rs): every export of a sheet
-- and every import of a customer list, with what it covered. Managers read it (GET /api/audit).
CREATE TABLE audit_log (
    id       TEXT PRIMARY KEY NOT NULL,
    at_ms    BIGINT NOT NULL,
    store_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    username TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX audit_log_by_store ON audit_log (store_id, at_ms);
