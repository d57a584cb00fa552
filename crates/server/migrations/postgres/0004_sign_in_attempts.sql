-- Failed sign-ins by username (auth/lockout.rs): after five in a row the name is locked for a
-- quarter of an hour, whatever password comes next. Unknown names are counted like known ones,
-- so the answers never tell which names exist. A successful sign-in deletes the row; rows
-- whose last failure is a day old are swept.
CREATE TABLE sign_in_attempts (
    username        TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_ms BIGINT NOT NULL,
    locked_until_ms BIGINT NOT NULL
);
