//! The server's API from the test's side, to check what the server holds (not what a tablet
//! shows) and to seed data for the benchmark.

use crate::{E2eError, Result};
use huifang_core::SignInRequest;
use huifang_core::sync::{
    Change, ClientId, Hlc, Mutation, MutationId, Op, Outcome, PullResponse, PushRequest,
    PushResponse, Record, RecordId, RecordKind,
};
use huifang_core::{SCHEMA_HEADER, SCHEMA_VERSION, SignInResponse};

pub struct ApiClient {
    base: String,
    token: String,
    http: reqwest::Client,
    pub me: huifang_core::UserProfile,
}

fn err(what: &str, e: impl std::fmt::Display) -> E2eError {
    E2eError::Server(format!("{what}: {e}"))
}

impl ApiClient {
    /// Signs in as a demo user (password `demo`).
    pub async fn sign_in(base: &str, username: &str) -> Result<Self> {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{base}/api/auth/sign-in"))
            .header(SCHEMA_HEADER, SCHEMA_VERSION.to_string())
            .json(&SignInRequest {
                username: username.to_owned(),
                password: huifang_server::DEMO_PASSWORD.to_owned(),
            })
            .send()
            .await
            .map_err(|e| err("sign-in", e))?;
        let answer: SignInResponse = response.json().await.map_err(|e| err("sign-in", e))?;
        Ok(ApiClient {
            base: base.to_owned(),
            token: answer.token,
            http,
            me: answer.user,
        })
    }

    /// Every record the user may see, as the server holds it now.
    pub async fn records(&self) -> Result<Vec<Record>> {
        let mut cursor = 0;
        let mut records = std::collections::BTreeMap::new();
        loop {
            let page: PullResponse = self
                .get(&format!("/api/sync/pull?cursor={cursor}&limit=2000"))
                .await?;
            for change in page.changes {
                match change {
                    Change::Record { record } => {
                        records.insert(record.id(), record);
                    }
                    Change::Removed { record_id, .. } => {
                        records.remove(&record_id);
                    }
                }
            }
            cursor = page.next_cursor;
            if !page.has_more {
                return Ok(records.into_values().collect());
            }
        }
    }

    /// The records of one kind.
    pub async fn records_of(&self, kind: RecordKind) -> Result<Vec<Record>> {
        let mut all = self.records().await?;
        all.retain(|r| r.kind() == kind);
        Ok(all)
    }

    /// Deletes a record as this user (a one-mutation push from a fresh client); errors
    /// unless the server applied it.
    pub async fn delete(&self, kind: RecordKind, record_id: RecordId) -> Result<()> {
        self.apply(vec![(kind, record_id, Op::Delete)]).await
    }

    /// Applies `changes` as one push from a fresh client, as a tablet would; errors unless
    /// the server applied every one.
    pub async fn apply(&self, changes: Vec<(RecordKind, RecordId, Op)>) -> Result<()> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ms = now.as_millis() as u64;
        // A fresh client each call: its random part from the clock's nanoseconds.
        // Bytes 3..10 of a v7's random part survive the version and variant bits.
        let mut random = [0u8; 10];
        random[3..].copy_from_slice(&(now.as_nanos() as u64).to_be_bytes()[1..]);
        let client_id = ClientId::new_v7(ms, random);
        let mutations = changes
            .into_iter()
            .enumerate()
            .map(|(i, (kind, record_id, op))| {
                let seq = i as u64 + 1;
                Mutation {
                    mutation_id: {
                        let mut bits = random;
                        bits[1] = seq as u8;
                        bits[2] = (seq >> 8) as u8 & 0x3f;
                        MutationId::new_v7(ms, bits)
                    },
                    client_id,
                    client_seq: seq,
                    hlc: Hlc {
                        wall_ms: ms as i64,
                        counter: seq as u32,
                        node: client_id,
                    },
                    user: self.me.id.clone(),
                    kind,
                    record_id,
                    op,
                    step: None,
                }
            })
            .collect();
        let answer = self
            .push(&PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id,
                mutations,
            })
            .await?;
        for result in &answer.results {
            if !matches!(result.outcome, Outcome::Applied { .. }) {
                return Err(err("apply", format!("{:?}", result.outcome)));
            }
        }
        Ok(())
    }

    /// Sends a request signed in, with the schema version, and reads its JSON answer.
    async fn call<R: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<R> {
        request
            .bearer_auth(&self.token)
            .header(SCHEMA_HEADER, SCHEMA_VERSION.to_string())
            .send()
            .await
            .map_err(|e| err(what, e))?
            .json()
            .await
            .map_err(|e| err(what, e))
    }

    /// `GET` a JSON answer from `/api/...`.
    pub async fn get<R: serde::de::DeserializeOwned>(&self, path: &str) -> Result<R> {
        let request = self.http.get(format!("{}{path}", self.base));
        self.call(path, request).await
    }

    /// `GET` a file (a blob, an export): its status, content type and bytes.
    pub async fn get_bytes(&self, path: &str) -> Result<(u16, String, Vec<u8>)> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(SCHEMA_HEADER, SCHEMA_VERSION.to_string())
            .send()
            .await
            .map_err(|e| err(path, e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await.map_err(|e| err(path, e))?;
        Ok((status, content_type, bytes.to_vec()))
    }

    /// `POST` JSON, read a JSON answer.
    pub async fn post<B: serde::Serialize, R: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R> {
        let request = self.http.post(format!("{}{path}", self.base)).json(body);
        self.call(path, request).await
    }

    pub async fn push(&self, request: &PushRequest) -> Result<PushResponse> {
        self.post("/api/sync/push", request).await
    }
}
