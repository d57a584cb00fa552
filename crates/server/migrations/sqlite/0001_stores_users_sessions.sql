-- Stores, the people who sign in, and their sessions.
CREATE TABLE stores (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    group_name    TEXT,
    timezone      TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    store_id      TEXT NOT NULL REFERENCES stores (id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX users_store_id ON users (store_id);

-- token_hash: SHA-256 (hex) of the opaque token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at_ms ON sessions (expires_at_ms);
