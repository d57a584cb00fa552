//! Signing in and out, and who is calling: `/api/auth/*` and the [`CurrentUser`] extractor.
//!
//! A session token travels either as the `huifang_session` cookie (HttpOnly, set at sign-in,
//! for the browser app) or as `Authorization: Bearer <token>` (API clients, scripts).

pub mod lockout;
mod password;
pub mod rate;
pub mod session;
mod token;

pub use password::{hash_password, verify_password};
pub use token::{new_token, token_hash};

use crate::error::Error;
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use huifang_core::api::ChangePasswordRequest;
use huifang_core::{SignInRequest, SignInResponse, UserProfile, Username};
use serde::{Deserialize, Serialize};

/// How often the server sweeps expired sessions and old failed sign-ins.
pub const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// One sweep: expired sessions and day-old failed sign-ins leave the database. Returns how
/// many rows of each went.
pub async fn housekeeping(db: &crate::db::Db) -> Result<(u64, u64), Error> {
    let sessions = session::delete_expired(db).await?;
    crate::devices::sweep(db).await?;
    let attempts = lockout::sweep(db).await?;
    if sessions + attempts > 0 {
        tracing::info!(
            sessions,
            attempts,
            "swept expired sessions and old failed sign-ins"
        );
    }
    Ok((sessions, attempts))
}

/// The cookie that carries the session token.
pub const SESSION_COOKIE: &str = "huifang_session";

/// `GET /api/auth/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    pub user: UserProfile,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/sign-in", post(sign_in))
        .route("/auth/sign-out", post(sign_out))
        .route("/auth/me", get(me))
        .route("/auth/password", post(change_password))
}

async fn sign_in(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Response, Error> {
    // An address spraying passwords, and a locked name, are refused before any password is
    // checked.
    let addr = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    state.sign_in_limiter.check(addr, crate::db::now_ms())?;
    let attempts = lockout::key(&request.username);
    lockout::check(&state.db, &attempts).await?;
    // A malformed username cannot exist: treat it as unknown, with the same work and answer.
    let found = match Username::parse(&request.username) {
        Ok(username) => crate::users::find_active_user(&state.db, &username).await?,
        Err(_) => None,
    };
    let (user, stored_hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let password_ok = verify_password(request.password, stored_hash).await?;
    let Some(user) = user.filter(|_| password_ok) else {
        state.sign_in_limiter.failed(addr, crate::db::now_ms());
        return Err(lockout::failed(&state.db, &attempts).await?);
    };
    lockout::succeeded(&state.db, &attempts).await?;
    let token = new_token()?;
    let expires_at_ms = session::create(&state.db, &token_hash(&token), &user.id).await?;
    tracing::info!(user = %user.username, "signed in");
    let cookie = session_cookie(&token, session::SESSION_TTL_MS / 1000, state.secure_cookies)?;
    let body = SignInResponse {
        user,
        token,
        expires_at_ms,
    };
    Ok(([(SET_COOKIE, cookie)], Json(body)).into_response())
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    if let Some(token) = session_token(&headers) {
        session::delete(&state.db, &token_hash(token)).await?;
    }
    let cleared = session_cookie("", 0, state.secure_cookies)?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cleared)]).into_response())
}

/// `POST /api/auth/password`: a new password for the signed-in user, given the current one.
/// A wrong current password counts towards the sign-in lockout (this is no way around it)
/// and is answered like a wrong sign-in;
/// the new one must follow the rules ([`huifang_core::api::check_new_password`]). Every other
/// session of the user ends; this one stays.
async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    CurrentUser(me): CurrentUser,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, Error> {
    use huifang_core::api::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, PasswordProblem};
    let token = session_token(&headers).ok_or(Error::Unauthenticated)?;
    let attempts = lockout::key(me.username.as_str());
    lockout::check(&state.db, &attempts).await?;
    let stored = crate::users::find_active_user(&state.db, &me.username)
        .await?
        .map(|(_, hash)| hash);
    if request.current.chars().count() > PASSWORD_MAX_CHARS
        || !verify_password(request.current.clone(), stored).await?
    {
        // 401 invalid_credentials (the app says "the current password is wrong"), or 429
        // once the wrong guesses lock the name.
        return Err(lockout::failed(&state.db, &attempts).await?);
    }
    huifang_core::api::check_new_password(me.username.as_str(), &request.current, &request.new)
        .map_err(|problem| {
            Error::BadRequest(match problem {
                PasswordProblem::TooShort => {
                    format!("the new password needs at least {PASSWORD_MIN_CHARS} characters")
                }
                PasswordProblem::TooLong => {
                    format!("the new password may have at most {PASSWORD_MAX_CHARS} characters")
                }
                PasswordProblem::SameAsUsername => {
                    "the new password may not be the username".to_owned()
                }
                PasswordProblem::Unchanged => {
                    "the new password is the same as the current one".to_owned()
                }
            })
        })?;
    lockout::succeeded(&state.db, &attempts).await?;
    let hash = hash_password(request.new).await?;
    let ended = crate::users::set_password(&state.db, &me.id, &hash, &token_hash(token)).await?;
    tracing::info!(user = %me.username, other_sessions_ended = ended, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

async fn me(CurrentUser(user): CurrentUser) -> Json<Me> {
    Json(Me { user })
}

fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> Result<HeaderValue, Error> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/api; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|e| Error::Internal(format!("building the session cookie failed: {e}")))
}

/// The session token of a request: the Bearer token if there is one, else the cookie.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    bearer.or_else(|| {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
            .map(|(_, value)| value)
    })
}

/// The signed-in user making the request; rejects with 401 `unauthenticated` otherwise.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub UserProfile);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = session_token(&parts.headers).ok_or(Error::Unauthenticated)?;
        session::find_user(&state.db, &token_hash(token))
            .await?
            .map(CurrentUser)
            .ok_or(Error::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn token_comes_from_bearer_or_cookie() {
        assert_eq!(session_token(&headers(&[])), None);
        assert_eq!(
            session_token(&headers(&[("authorization", "Bearer abc")])),
            Some("abc")
        );
        assert_eq!(
            session_token(&headers(&[("cookie", "a=1; huifang_session=xyz; b=2")])),
            Some("xyz")
        );
        assert_eq!(
            session_token(&headers(&[
                ("authorization", "Bearer abc"),
                ("cookie", "huifang_session=xyz")
            ])),
            Some("abc")
        );
        assert_eq!(
            session_token(&headers(&[("cookie", "huifang_session=")])),
            None
        );
    }
}
