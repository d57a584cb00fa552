//! The OpenAPI 3.1 document of `/api`, served at `GET /api/openapi.json` (public).
//!
//! The schemas are derived from the very types the handlers read and write (`utoipa::ToSchema`
//! on the core's API types, behind its `openapi` feature, which only the server turns on, so
//! the app's wasm does not grow). The operations are declared here, one stub per route, next
//! to each other: the route, its parameters, its body and every answer it can give. Every
//! error is the JSON [`ApiError`]; the answers every `/api` route can give (426 from the
//! schema-version check, 500, 503) and 401 for the routes that need a session are added to
//! each operation by [`CommonAnswers`].
//!
//! `tests/openapi.rs` checks that every route the router has is documented here (it reads the
//! routers' sources), and `scripts/api-fuzz` runs schemathesis against the running server with
//! this document: no 5xx, no answer outside it.

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use huifang_core::ApiError;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// The security scheme of the session cookie set at sign-in (the browser app).
pub const COOKIE_SCHEME: &str = "session_cookie";
/// The security scheme of `Authorization: Bearer <token>` (API clients, scripts).
pub const BEARER_SCHEME: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Huifang API",
        description = "The API of Huifang (回访), the offline-first app for dealership customer \
            care and sales follow-up. Every error is a JSON `ApiError` (`error`: a stable code, \
            `reason`: plain English). Sign in with `POST /api/auth/sign-in`: the answer sets the \
            `huifang_session` cookie and also carries the token for `Authorization: Bearer`.",
    ),
    paths(
        paths::health,
        paths::openapi_json,
        paths::sign_in,
        paths::sign_out,
        paths::me,
        paths::change_password,
        paths::users,
        paths::directory,
        paths::sync_push,
        paths::sync_pull,
        paths::get_blob,
        paths::put_blob,
        paths::import_preview,
        paths::import_commit,
        paths::import_job,
        paths::import_errors_csv,
        paths::tasks_distribute,
        paths::tasks_reassign,
        paths::campaigns_preview,
        paths::campaigns_launch,
        paths::complaint_stats,
        paths::reports,
        paths::reports_group,
        paths::reports_summary,
        paths::audit,
        paths::devices,
        paths::revoke_device,
        paths::device_quarantine,
        paths::reveal_phone,
    ),
    components(schemas(ApiError)),
    modifiers(&CommonAnswers),
    tags(
        (name = "auth", description = "Signing in and out, who is calling"),
        (name = "sync", description = "The outbox pushed, the change feed pulled"),
        (name = "blobs", description = "Photos and signatures, named by their SHA-256"),
        (name = "import", description = "Customer lists from the DMS (CSV or Excel)"),
        (name = "tasks", description = "Callback tasks shared out, campaigns launched"),
        (name = "reports", description = "Reports and exports for the leads"),
        (name = "store", description = "The store: users, directory, audit log"),
        (name = "privacy", description = "Tablets revoked when lost, phone numbers revealed"),
        (name = "meta", description = "Health and this document"),
    ),
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// `GET /api/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

async fn serve() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| match document().to_pretty_json() {
        Ok(json) => json,
        // Cannot happen (the document is plain data); answered as the server's failure.
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            String::new()
        }
    });
    if body.is_empty() {
        return crate::Error::Internal("the OpenAPI document does not serialise".to_owned())
            .into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}

/// Adds what every operation shares: the security schemes, the answers every `/api` route can
/// give, and 401 for those that need a session.
pub struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The session cookie set by POST /api/auth/sign-in (HttpOnly, SameSite=Strict).",
            ))),
        );
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The `token` of the sign-in answer, as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        for item in openapi.paths.paths.values_mut() {
            for op in [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let needs_session = op.security.as_ref().is_some_and(|all| {
                    !all.is_empty()
                        && all.iter().all(|one| {
                            serde_json::to_value(one).is_ok_and(|v| {
                                v.as_object().is_some_and(|fields| !fields.is_empty())
                            })
                        })
                });
                let mut common: Vec<(&str, &str)> = vec![
                    (
                        "426",
                        "`update_required`: the `x-huifang-schema` header names a schema version \
                         this server does not serve",
                    ),
                    (
                        "500",
                        "`internal`: the server failed (the details are in its log only)",
                    ),
                    (
                        "503",
                        "`unavailable`: the database does not answer, or the request took \
                         longer than the server allows",
                    ),
                ];
                if needs_session {
                    common.push((
                        "401",
                        "`unauthenticated`: no valid session (sign in), or the session ended",
                    ));
                }
                for (status, description) in common {
                    if !op.responses.responses.contains_key(status) {
                        op.responses
                            .responses
                            .insert(status.to_owned(), error_answer(description));
                    }
                }
            }
        }
    }
}

/// An answer whose body is an [`ApiError`].
fn error_answer(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        ApiError::name(),
                    ))))
                    .build(),
            )
            .build(),
    )
}

/// A file answer or body: any bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Bytes(#[allow(dead_code)] Vec<u8>);

/// One stub per route: never called, only read by `#[derive(OpenApi)]`.
#[allow(dead_code)]
mod paths {
    use super::Bytes;
    use crate::auth::Me;
    use crate::reports::GroupReport;
    use crate::users::UserList;
    use huifang_core::api::{AuditEntry, ChangePasswordRequest};
    use huifang_core::care::distribute::{
        DistributeRequest, DistributeResponse, ReassignRequest, ReassignResponse,
    };
    use huifang_core::care::import::{ImportJob, Preview};
    use huifang_core::care::segment::{
        CampaignPreview, CampaignPreviewRequest, CampaignRequest, CampaignResponse,
    };
    use huifang_core::privacy::{
        Device, QuarantinedMutation, RevealRequest, RevealResponse, RevokeDeviceRequest,
    };
    use huifang_core::reports::Report;
    use huifang_core::sync::{PullResponse, PushRequest, PushResponse};
    use huifang_core::{ApiError, Directory, Health, SignInRequest, SignInResponse};

    #[utoipa::path(get, path = "/api/health", tag = "meta",
        responses(
            (status = 200, description = "The server and its database answer", body = Health),
        ))]
    pub fn health() {}

    #[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
        responses(
            (status = 200, description = "This document", body = serde_json::Value),
        ))]
    pub fn openapi_json() {}

    #[utoipa::path(post, path = "/api/auth/sign-in", tag = "auth",
        request_body = SignInRequest,
        responses(
            (status = 200, description = "Signed in: the session token, also set as the \
                `huifang_session` cookie", body = SignInResponse,
                headers(("set-cookie" = String, description = "huifang_session=<token>; HttpOnly; SameSite=Strict; Path=/api"))),
            (status = 400, description = "`bad_request`: the body is not a sign-in", body = ApiError),
            (status = 401, description = "`invalid_credentials`: wrong username or password, \
                or an inactive user", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
            (status = 429, description = "`too_many_attempts`: the username is locked after \
                wrong passwords, or `rate_limited`: too many sign-ins from this address", body = ApiError),
        ))]
    pub fn sign_in() {}

    #[utoipa::path(post, path = "/api/auth/sign-out", tag = "auth",
        security((), ("session_cookie" = []), ("bearer" = [])),
        responses(
            (status = 204, description = "Signed out (also without a session): the cookie is cleared",
                headers(("set-cookie" = String, description = "huifang_session=; Max-Age=0"))),
        ))]
    pub fn sign_out() {}

    #[utoipa::path(get, path = "/api/auth/me", tag = "auth",
        security(("session_cookie" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The signed-in user", body = Me),
        ))]
    pub fn me() {}

    #[utoipa::path(post, path = "/api/auth/password", tag = "auth",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = ChangePasswordRequest,
        responses(
            (status = 204, description = "Changed; every other session of the user ended"),
            (status = 400, description = "`bad_request`: the new password breaks a rule", body = ApiError),
            (status = 401, description = "`invalid_credentials`: the current password is wrong, \
                or `unauthenticated`", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
            (status = 429, description = "`too_many_attempts`: locked after wrong passwords", body = ApiError),
        ))]
    pub fn change_password() {}

    #[utoipa::path(get, path = "/api/users", tag = "store",
        security(("session_cookie" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The store's active users", body = UserList),
            (status = 403, description = "`forbidden`: not a lead role", body = ApiError),
        ))]
    pub fn users() {}

    #[utoipa::path(get, path = "/api/directory", tag = "store",
        security(("session_cookie" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The store's colleagues and rules a device needs offline",
                body = Directory),
        ))]
    pub fn directory() {}

    #[utoipa::path(post, path = "/api/sync/push", tag = "sync",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = PushRequest,
        responses(
            (status = 200, description = "One outcome per mutation, in the order pushed", body = PushResponse),
            (status = 400, description = "`bad_request`: the body is not a push", body = ApiError),
            (status = 403, description = "`device_revoked`: this tablet was revoked; its \
                mutations are kept for review", body = ApiError),
            (status = 413, description = "`payload_too_large`: over 8 MiB or over the most \
                mutations one push may hold", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn sync_push() {}

    #[utoipa::path(get, path = "/api/sync/pull", tag = "sync",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("cursor" = Option<u64>, Query, description = "The `next_cursor` of the last page applied (0 on a new device)"),
            ("limit" = Option<u32>, Query, minimum = 1, maximum = 2000, description = "Page size, 1 to 2000 (default 500)"),
        ),
        responses(
            (status = 200, description = "One page of the change feed", body = PullResponse),
            (status = 400, description = "`bad_request`: cursor or limit malformed or out of range", body = ApiError),
        ))]
    pub fn sync_pull() {}

    #[utoipa::path(get, path = "/api/blobs/{sha256}", tag = "blobs",
        security(("session_cookie" = []), ("bearer" = [])),
        params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "The SHA-256 of the bytes, 64 lowercase hex digits")),
        responses(
            (status = 200, description = "The bytes", content(
                (Bytes = "image/png"), (Bytes = "image/jpeg"), (Bytes = "image/webp"))),
            (status = 400, description = "`bad_request`: not a SHA-256 name", body = ApiError),
            (status = 404, description = "`not_found`: no such blob of the caller's store", body = ApiError),
        ))]
    pub fn get_blob() {}

    #[utoipa::path(put, path = "/api/blobs/{sha256}", tag = "blobs",
        security(("session_cookie" = []), ("bearer" = [])),
        params(("sha256" = String, Path, pattern = "^[0-9a-f]{64}$", description = "The SHA-256 of the bytes, 64 lowercase hex digits")),
        request_body(content(
            (Bytes = "image/png"), (Bytes = "image/jpeg"), (Bytes = "image/webp"))),
        responses(
            (status = 200, description = "Stored before (the same bytes): nothing rewritten"),
            (status = 201, description = "Stored"),
            (status = 400, description = "`bad_request`: not a SHA-256 name, or the bytes do \
                not match it", body = ApiError),
            (status = 413, description = "`payload_too_large`: over the blob size limit", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: not PNG, JPEG or WebP", body = ApiError),
        ))]
    pub fn put_blob() {}

    #[utoipa::path(post, path = "/api/import/preview", tag = "import",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("mapping" = Option<String>, Query, description = "Column names per header, comma-separated (empty: not imported)"),
            ("area_code" = Option<String>, Query, description = "The store's area code for landlines written without one"),
        ),
        request_body(description = "The DMS export as it came: CSV (UTF-8, GBK, GB18030) or Excel",
            content((Bytes = "application/octet-stream"))),
        responses(
            (status = 200, description = "What the import would take", body = Preview),
            (status = 400, description = "`bad_request`: the file or the mapping cannot be read", body = ApiError),
            (status = 403, description = "`forbidden`: not a lead role", body = ApiError),
            (status = 413, description = "`payload_too_large`: over 32 MB", body = ApiError),
        ))]
    pub fn import_preview() {}

    #[utoipa::path(post, path = "/api/import/commit", tag = "import",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("mapping" = Option<String>, Query, description = "Column names per header, comma-separated (empty: not imported)"),
            ("area_code" = Option<String>, Query, description = "The store's area code for landlines written without one"),
        ),
        request_body(description = "The DMS export as it came: CSV (UTF-8, GBK, GB18030) or Excel",
            content((Bytes = "application/octet-stream"))),
        responses(
            (status = 202, description = "The import job started", body = ImportJob,
                headers(("location" = String, description = "/api/import/jobs/<id>"))),
            (status = 400, description = "`bad_request`: the file or the mapping cannot be read", body = ApiError),
            (status = 403, description = "`forbidden`: not a lead role", body = ApiError),
            (status = 413, description = "`payload_too_large`: over 32 MB", body = ApiError),
        ))]
    pub fn import_commit() {}

    #[utoipa::path(get, path = "/api/import/jobs/{id}", tag = "import",
        security(("session_cookie" = []), ("bearer" = [])),
        params(("id" = String, Path, description = "The job's id")),
        responses(
            (status = 200, description = "How far the job got", body = ImportJob),
            (status = 403, description = "`forbidden`: not a lead role", body = ApiError),
            (status = 404, description = "`not_found`: no such job of the caller's", body = ApiError),
        ))]
    pub fn import_job() {}

    #[utoipa::path(post, path = "/api/import/errors.csv", tag = "import",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("mapping" = Option<String>, Query, description = "Column names per header, comma-separated (empty: not imported)"),
            ("area_code" = Option<String>, Query, description = "The store's area code for landlines written without one"),
        ),
        request_body(description = "The DMS export as it came: CSV (UTF-8, GBK, GB18030) or Excel",
            content((Bytes = "application/octet-stream"))),
        responses(
            (status = 200, description = "Every problem of the file, as CSV for Excel",
                content((String = "text/csv"))),
            (status = 400, description = "`bad_request`: the file or the mapping cannot be read", body = ApiError),
            (status = 403, description = "`forbidden`: not a lead role", body = ApiError),
            (status = 413, description = "`payload_too_large`: over 32 MB", body = ApiError),
        ))]
    pub fn import_errors_csv() {}

    #[utoipa::path(post, path = "/api/tasks/distribute", tag = "tasks",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = DistributeRequest,
        responses(
            (status = 200, description = "What each agent holds afterwards", body = DistributeResponse),
            (status = 400, description = "`bad_request`: no agents, or one is not an active care agent", body = ApiError),
            (status = 403, description = "`forbidden`: not a care lead", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn tasks_distribute() {}

    #[utoipa::path(post, path = "/api/tasks/reassign", tag = "tasks",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = ReassignRequest,
        responses(
            (status = 200, description = "The tasks that changed hands", body = ReassignResponse),
            (status = 400, description = "`bad_request`: not a record id, or not an active care agent", body = ApiError),
            (status = 403, description = "`forbidden`: not a care lead", body = ApiError),
            (status = 404, description = "`not_found`: no such customer", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn tasks_reassign() {}

    #[utoipa::path(post, path = "/api/campaigns/preview", tag = "tasks",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = CampaignPreviewRequest,
        responses(
            (status = 200, description = "Who the segment reaches", body = CampaignPreview),
            (status = 400, description = "`bad_request`", body = ApiError),
            (status = 403, description = "`forbidden`: not a care lead", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn campaigns_preview() {}

    #[utoipa::path(post, path = "/api/campaigns", tag = "tasks",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = CampaignRequest,
        responses(
            (status = 200, description = "The campaign's tasks created", body = CampaignResponse),
            (status = 400, description = "`bad_request`: no name, a name too long, a bad or past day", body = ApiError),
            (status = 403, description = "`forbidden`: not a care lead", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn campaigns_launch() {}

    #[utoipa::path(get, path = "/api/complaints/stats", tag = "reports",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("from" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "First day, YYYY-MM-DD (required)"),
            ("to" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "Last day, YYYY-MM-DD (required)"),
            ("format" = Option<String>, Query, pattern = "^(csv|xlsx)$", description = "csv (default) or xlsx"),
            ("lang" = Option<String>, Query, pattern = "^(zh|en)$", description = "zh (default) or en"),
        ),
        responses(
            (status = 200, description = "The complaint statistics table as an attachment", content(
                (String = "text/csv"),
                (Bytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
            (status = 400, description = "`bad_request`: a missing or malformed day, a reversed \
                or too long period, an unknown format or language", body = ApiError),
            (status = 403, description = "`forbidden`: not a care lead", body = ApiError),
        ))]
    pub fn complaint_stats() {}

    #[utoipa::path(get, path = "/api/reports", tag = "reports",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("from" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "First day, YYYY-MM-DD (required)"),
            ("to" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "Last day, YYYY-MM-DD (required)"),
        ),
        responses(
            (status = 200, description = "The store's report", body = Report),
            (status = 400, description = "`bad_request`: a missing or malformed day, a reversed \
                or too long period", body = ApiError),
            (status = 403, description = "`forbidden`: not a lead role", body = ApiError),
        ))]
    pub fn reports() {}

    #[utoipa::path(get, path = "/api/reports/group", tag = "reports",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("from" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "First day, YYYY-MM-DD (required)"),
            ("to" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "Last day, YYYY-MM-DD (required)"),
        ),
        responses(
            (status = 200, description = "Every store of the group, and all together", body = GroupReport),
            (status = 400, description = "`bad_request`: a missing or malformed day, a reversed \
                or too long period", body = ApiError),
            (status = 403, description = "`forbidden`: not the group manager", body = ApiError),
        ))]
    pub fn reports_group() {}

    #[utoipa::path(get, path = "/api/reports/summary", tag = "reports",
        security(("session_cookie" = []), ("bearer" = [])),
        params(
            ("from" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "First day, YYYY-MM-DD (or campaign)"),
            ("to" = Option<String>, Query, pattern = r"^\d{4}-\d{2}-\d{2}$", description = "Last day, YYYY-MM-DD (or campaign)"),
            ("campaign" = Option<String>, Query, description = "A campaign's name instead of a period"),
            ("format" = Option<String>, Query, pattern = "^(csv|xlsx)$", description = "csv (default) or xlsx"),
            ("lang" = Option<String>, Query, pattern = "^(zh|en)$", description = "zh (default) or en"),
        ),
        responses(
            (status = 200, description = "The callback summary report as an attachment", content(
                (String = "text/csv"),
                (Bytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
            (status = 400, description = "`bad_request`: a missing or malformed day, a reversed \
                or too long period, a bad campaign name, an unknown format or language", body = ApiError),
            (status = 403, description = "`forbidden`: not a care lead", body = ApiError),
        ))]
    pub fn reports_summary() {}

    #[utoipa::path(get, path = "/api/audit", tag = "store",
        security(("session_cookie" = []), ("bearer" = [])),
        params(("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "At most this many entries, 1 to 1000 (default 200)")),
        responses(
            (status = 200, description = "The store's audit log, newest first", body = [AuditEntry]),
            (status = 400, description = "`bad_request`: limit out of range", body = ApiError),
            (status = 403, description = "`forbidden`: not a manager", body = ApiError),
        ))]
    pub fn audit() {}

    #[utoipa::path(get, path = "/api/devices", tag = "privacy",
        security(("session_cookie" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The tablets that synced with the store, last seen first",
                body = [Device]),
            (status = 403, description = "`forbidden`: not a supervisor or manager", body = ApiError),
        ))]
    pub fn devices() {}

    #[utoipa::path(post, path = "/api/devices/{client_id}/revoke", tag = "privacy",
        security(("session_cookie" = []), ("bearer" = [])),
        params(("client_id" = String, Path, description = "The tablet's sync client id")),
        request_body = RevokeDeviceRequest,
        responses(
            (status = 200, description = "Revoked: its sessions ended, its later pushes refused \
                and kept", body = Device),
            (status = 400, description = "`bad_request`: no reason, or one too long", body = ApiError),
            (status = 403, description = "`forbidden`: not a supervisor or manager", body = ApiError),
            (status = 404, description = "`not_found`: no such tablet of the store", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn revoke_device() {}

    #[utoipa::path(get, path = "/api/devices/{client_id}/quarantine", tag = "privacy",
        security(("session_cookie" = []), ("bearer" = [])),
        params(("client_id" = String, Path, description = "The tablet's sync client id")),
        responses(
            (status = 200, description = "What the revoked tablet pushed afterwards, kept for review",
                body = [QuarantinedMutation]),
            (status = 403, description = "`forbidden`: not a supervisor or manager", body = ApiError),
            (status = 404, description = "`not_found`: no such tablet of the store", body = ApiError),
        ))]
    pub fn device_quarantine() {}

    #[utoipa::path(post, path = "/api/privacy/reveal", tag = "privacy",
        security(("session_cookie" = []), ("bearer" = [])),
        request_body = RevealRequest,
        responses(
            (status = 200, description = "The number in full; the reveal is in the audit log",
                body = RevealResponse),
            (status = 400, description = "`bad_request`: no reason, or one too long", body = ApiError),
            (status = 404, description = "`not_found`: no such record with a phone number the \
                caller may read", body = ApiError),
            (status = 413, description = "`payload_too_large`", body = ApiError),
            (status = 415, description = "`unsupported_media_type`: the body is not JSON", body = ApiError),
        ))]
    pub fn reveal_phone() {}
}
