//! `PUT /api/blobs/{sha256}` and `GET /api/blobs/{sha256}`: content-addressed files
//! (signatures, photos), uploaded before the mutation that references them (DESIGN.md
//! "Data and sync", Blobs).
//!
//! The bytes live in files under `--blob-dir` (sharded `ab/cdef…`, written to a temp file and
//! renamed, so a reader never sees half a file); the `blobs` table holds one metadata row per
//! store that uploaded the blob. A PUT is idempotent: the same bytes again answer 200 and
//! rewrite nothing.
//!
//! Access (the core's matrix, [`huifang_core::access`]): a PUT needs a role that writes the
//! records images belong to ([`BLOB_KINDS`], [`Action::Create`]); a GET answers the person
//! who uploaded the blob, or who may read ([`can_read`]) a record of [`BLOB_KINDS`] of their
//! store (any store for the group manager) that names it — 403 with the reason otherwise, 404
//! when no store of theirs has it.

use crate::auth::CurrentUser;
use crate::db::now_ms;
use crate::error::Error;
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use huifang_core::access::{Action, allows};
use huifang_core::sync::{RecordKind, StoredRecord, UserCtx, can_read};
use huifang_core::{Role, UserProfile};
use sha2::{Digest, Sha256};
use std::path::{Path as FsPath, PathBuf};
use tokio::io::AsyncWriteExt;

/// The content types a blob may have.
pub const ALLOWED_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];
/// The kinds of record that name blobs (a signature's image, a complaint step's photo, the
/// complaint's signature): who may read one of them may fetch its images.
pub const BLOB_KINDS: [RecordKind; 3] = [
    RecordKind::Signature,
    RecordKind::ComplaintStep,
    RecordKind::Complaint,
];
/// How long a client may cache a blob: forever, its name is its content.
const CACHE_FOREVER: &str = "private, max-age=31536000, immutable";

/// Where blobs go and how large they may be.
#[derive(Debug, Clone)]
pub struct BlobStore {
    pub dir: PathBuf,
    pub max_bytes: usize,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/blobs/{sha256}", get(get_blob).put(put_blob))
}

/// A SHA-256 as 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobHash(String);

impl BlobHash {
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(BlobHash(text.to_owned()))
        } else {
            Err(Error::BadRequest(
                "a blob is named by the SHA-256 of its bytes: 64 lowercase hex digits".to_owned(),
            ))
        }
    }

    pub fn of(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        BlobHash(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl BlobStore {
    /// `DIR/ab/cdef…`.
    fn path_of(&self, hash: &BlobHash) -> PathBuf {
        let (shard, rest) = hash.0.split_at(2);
        self.dir.join(shard).join(rest)
    }

    /// Writes the file unless it is there already (another store uploaded the same bytes).
    async fn write(&self, hash: &BlobHash, bytes: &[u8]) -> Result<(), Error> {
        let path = self.path_of(hash);
        if tokio::fs::try_exists(&path).await? {
            return Ok(());
        }
        let folder = path
            .parent()
            .ok_or_else(|| Error::Internal("a blob path has no folder".to_owned()))?;
        tokio::fs::create_dir_all(folder).await?;
        let temp = folder.join(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
        if let Err(e) = write_synced(&temp, bytes).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e.into());
        }
        tokio::fs::rename(&temp, &path).await?;
        Ok(())
    }
}

async fn write_synced(path: &FsPath, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

/// The media type of the request, without parameters, if it is one a blob may have.
fn allowed_type(headers: &HeaderMap) -> Result<&'static str, Error> {
    let declared = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    ALLOWED_TYPES
        .into_iter()
        .find(|t| *t == declared)
        .ok_or_else(|| {
            Error::UnsupportedMediaType(format!(
                "a blob must be one of {}, not {declared:?}",
                ALLOWED_TYPES.join(", ")
            ))
        })
}

fn too_large(max: usize) -> Error {
    Error::PayloadTooLarge(format!("a blob may be at most {max} bytes"))
}

async fn put_blob(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let hash = BlobHash::parse(&name)?;
    if !BLOB_KINDS
        .iter()
        .any(|kind| allows(me.role, *kind, Action::Create).is_some())
    {
        return Err(Error::Forbidden(format!(
            "the role {} writes no records that hold images, so it may not upload one",
            me.role
        )));
    }
    let content_type = allowed_type(&headers)?;
    let max = state.blobs.max_bytes;
    let declared_len = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|len| len > max as u64) {
        return Err(too_large(max));
    }
    let bytes = axum::body::to_bytes(body, max).await.map_err(|err| {
        let over_limit = std::error::Error::source(&err)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if over_limit {
            too_large(max)
        } else {
            Error::BadRequest(format!("the blob's bytes could not be read: {err}"))
        }
    })?;
    if BlobHash::of(&bytes) != hash {
        return Err(Error::BadRequest(
            "the bytes do not match the SHA-256 in the path: the upload was damaged or \
             the name is wrong"
                .to_owned(),
        ));
    }
    let known: Option<String> =
        sqlx::query_scalar("SELECT sha256 FROM blobs WHERE sha256 = $1 AND store_id = $2")
            .bind(hash.as_str())
            .bind(&me.store_id.0)
            .fetch_optional(&state.db.pool)
            .await?;
    if known.is_some() {
        return Ok(StatusCode::OK.into_response());
    }
    // The file first, so a row never names a missing file.
    state.blobs.write(&hash, &bytes).await?;
    let size = i64::try_from(bytes.len())
        .map_err(|_| Error::Internal("blob size out of range".to_owned()))?;
    let inserted = sqlx::query(
        "INSERT INTO blobs (sha256, store_id, size, content_type, created_by, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256, store_id) DO NOTHING",
    )
    .bind(hash.as_str())
    .bind(&me.store_id.0)
    .bind(size)
    .bind(content_type)
    .bind(&me.id.0)
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    let status = if inserted == 1 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(status.into_response())
}

async fn get_blob(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(name): Path<String>,
) -> Result<Response, Error> {
    let hash = BlobHash::parse(&name)?;
    let not_found = || Error::NotFound("no such blob (or not one of your store)".to_owned());
    // A group manager sees every store's records, so also their blobs.
    let content_type: Option<String> = if me.role == Role::GroupManager {
        sqlx::query_scalar("SELECT content_type FROM blobs WHERE sha256 = $1 LIMIT 1")
            .bind(hash.as_str())
            .fetch_optional(&state.db.pool)
            .await?
    } else {
        sqlx::query_scalar("SELECT content_type FROM blobs WHERE sha256 = $1 AND store_id = $2")
            .bind(hash.as_str())
            .bind(&me.store_id.0)
            .fetch_optional(&state.db.pool)
            .await?
    };
    let content_type = content_type.ok_or_else(not_found)?;
    if !may_see(&state, &me, &hash).await? {
        return Err(Error::Forbidden(
            "this image belongs to records you may not read".to_owned(),
        ));
    }
    let bytes = tokio::fs::read(state.blobs.path_of(&hash))
        .await
        .map_err(|e| Error::Internal(format!("blob {} has a row but no file: {e}", hash.0)))?;
    let content_type = HeaderValue::from_str(&content_type)
        .map_err(|_| Error::Internal("a stored content type is not a header value".to_owned()))?;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, HeaderValue::from_static(CACHE_FOREVER)),
        ],
        bytes,
    )
        .into_response())
}

/// Whether `me` may fetch blob `hash`: they uploaded it, or they may read a record of
/// [`BLOB_KINDS`] that names it.
async fn may_see(state: &AppState, me: &UserProfile, hash: &BlobHash) -> Result<bool, Error> {
    let uploader: Option<String> = sqlx::query_scalar(
        "SELECT created_by FROM blobs WHERE sha256 = $1 AND created_by = $2 LIMIT 1",
    )
    .bind(hash.as_str())
    .bind(me.id.0.as_str())
    .fetch_optional(&state.db.pool)
    .await?;
    if uploader.is_some() {
        return Ok(true);
    }
    let pattern = format!("%{}%", hash.as_str());
    let kinds = BLOB_KINDS.map(RecordKind::as_str);
    let bodies: Vec<String> = if me.role == Role::GroupManager {
        sqlx::query_scalar(
            "SELECT body FROM sync_records WHERE kind IN ($1, $2, $3) AND body LIKE $4",
        )
        .bind(kinds[0])
        .bind(kinds[1])
        .bind(kinds[2])
        .bind(&pattern)
        .fetch_all(&state.db.pool)
        .await?
    } else {
        sqlx::query_scalar(
            "SELECT body FROM sync_records WHERE store_id = $1 AND kind IN ($2, $3, $4) \
             AND body LIKE $5",
        )
        .bind(me.store_id.0.as_str())
        .bind(kinds[0])
        .bind(kinds[1])
        .bind(kinds[2])
        .bind(&pattern)
        .fetch_all(&state.db.pool)
        .await?
    };
    let ctx = UserCtx::of(me);
    for body in bodies {
        let stored: StoredRecord = serde_json::from_str(&body)
            .map_err(|e| Error::Internal(format!("a stored record is not valid JSON: {e}")))?;
        if can_read(&ctx, &stored.record.meta()) {
            return Ok(true);
        }
    }
    Ok(false)
}
