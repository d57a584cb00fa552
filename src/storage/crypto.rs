//! Encryption at rest: a lost tablet reveals nothing (docs/encryption-at-rest.md).
//!
//! Every value the app keeps in IndexedDB (records, the outbox, rejected changes, the sync
//! bookkeeping, photos and signatures) and every private localStorage entry is sealed with
//! AES-GCM (WebCrypto) under the user's **data key**: 256 random bits made on this tablet
//! at the user's first sign-in here, never extractable once in use, and held only in this
//! tab's memory ([`current`]).
//!
//! On the device the data key exists only wrapped (AES-GCM) under a key derived from the
//! user's password with PBKDF2-SHA-256 ([`ITERATIONS`], a random salt): the [`Keyring`] in
//! localStorage. Signing in (online, or offline with the same password) unwraps it; signing
//! out, an expired session, or closing the tab forgets it; a reload asks for the password
//! again. A wrong password fails the unwrap (GCM's tag), so it is told apart from a broken
//! keyring. A password changed elsewhere is caught at the next sign-in: the old one re-wraps
//! the key, so no saved change is ever left unreadable.

use js_sys::{Array, Object, Uint8Array};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AesDerivedKeyParams, AesGcmParams, AesKeyGenParams, CryptoKey, Pbkdf2Params, SubtleCrypto,
};

/// PBKDF2-HMAC-SHA-256 rounds for new keyrings (OWASP's 2023 figure). Stored per keyring, so
/// raising it later leaves existing tablets readable.
pub const ITERATIONS: u32 = 600_000;
/// The keyring format this app writes.
pub const KEYRING_VERSION: u32 = 1;
const SALT_BYTES: usize = 16;
/// AES-GCM's 96-bit nonce: random per sealed value (2^-32 collision odds after 2^32 values
/// under one key, far beyond what a tablet writes).
pub const IV_BYTES: usize = 12;
const AES_GCM: &str = "AES-GCM";

/// What can go wrong sealing or opening.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// No WebCrypto (an insecure origin, or a very old browser): the app refuses to keep
    /// customers' data in clear instead.
    #[error("this browser offers no WebCrypto here (HTTPS or localhost is needed): {0}")]
    Unavailable(String),
    /// The password does not unwrap this tablet's data key.
    #[error("the password does not unlock this tablet's data")]
    WrongPassword,
    /// The tab holds no data key (signed out, or reloaded and not yet unlocked).
    #[error("the tablet's data is locked: sign in again")]
    Locked,
    /// A sealed value failed its integrity check or could not be made.
    #[error("could not {what}: {message}")]
    Operation { what: &'static str, message: String },
}

impl CryptoError {
    fn op(what: &'static str, e: JsValue) -> Self {
        let message = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| format!("{}: {}", e.name(), e.message()))
            .or_else(|| {
                e.dyn_ref::<web_sys::DomException>()
                    .map(|e| format!("{}: {}", e.name(), e.message()))
            })
            .unwrap_or_else(|| format!("{e:?}"));
        CryptoError::Operation { what, message }
    }
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let crypto = web_sys::window()
        .ok_or_else(|| CryptoError::Unavailable("no window".to_owned()))?
        .crypto()
        .map_err(|e| CryptoError::Unavailable(format!("{e:?}")))?;
    let subtle = crypto.subtle();
    // `crypto.subtle` is undefined outside a secure context.
    if JsValue::from(subtle.clone()).is_undefined() {
        return Err(CryptoError::Unavailable(
            "crypto.subtle is missing".to_owned(),
        ));
    }
    Ok(subtle)
}

/// `n` random bytes from the browser's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; n];
    web_sys::window()
        .ok_or_else(|| CryptoError::Unavailable("no window".to_owned()))?
        .crypto()
        .map_err(|e| CryptoError::Unavailable(format!("{e:?}")))?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|e| CryptoError::op("draw random bytes", e))?;
    Ok(bytes)
}

fn usages(names: &[&str]) -> JsValue {
    names
        .iter()
        .map(|n| JsValue::from_str(n))
        .collect::<Array>()
        .into()
}

async fn promised<T: JsCast>(
    what: &'static str,
    promise: Result<js_sys::Promise, JsValue>,
) -> Result<T, CryptoError> {
    let value = JsFuture::from(promise.map_err(|e| CryptoError::op(what, e))?)
        .await
        .map_err(|e| CryptoError::op(what, e))?;
    value.dyn_into::<T>().map_err(|v| CryptoError::op(what, v))
}

fn gcm(iv: &[u8]) -> AesGcmParams {
    AesGcmParams::new(AES_GCM, &Uint8Array::from(iv))
}

/// A value sealed with AES-GCM: its nonce and the ciphertext with the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub iv: Vec<u8>,
    pub ct: Vec<u8>,
}

/// The user's data key, in this tab's memory only. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cipher {
    key: CryptoKey,
}

impl Cipher {
    /// A fresh random data key (not extractable), e.g. for a test's database.
    pub async fn generate() -> Result<Cipher, CryptoError> {
        let key = Self::generate_key(false).await?;
        Ok(Cipher { key })
    }

    async fn generate_key(extractable: bool) -> Result<CryptoKey, CryptoError> {
        let algorithm = AesKeyGenParams::new(AES_GCM, 256);
        promised(
            "make a data key",
            subtle()?.generate_key_with_object(
                &algorithm,
                extractable,
                &usages(&["encrypt", "decrypt"]),
            ),
        )
        .await
    }

    /// Starts sealing `plain` under a fresh nonce; the browser works on it while the caller
    /// starts more (await them together: [`futures::future::try_join_all`]).
    pub fn seal(&self, plain: &[u8]) -> impl Future<Output = Result<Sealed, CryptoError>> + use<> {
        let started = random_bytes(IV_BYTES).and_then(|iv| {
            let promise = subtle()?
                .encrypt_with_object_and_buffer_source(
                    &gcm(&iv),
                    &self.key,
                    &Uint8Array::from(plain),
                )
                .map_err(|e| CryptoError::op("encrypt", e))?;
            Ok((iv, promise))
        });
        async move {
            let (iv, promise) = started?;
            let buffer: js_sys::ArrayBuffer = promised("encrypt", Ok(promise)).await?;
            Ok(Sealed {
                iv,
                ct: Uint8Array::new(&buffer).to_vec(),
            })
        }
    }

    /// Starts opening a sealed value; fails if it was altered or sealed under another key.
    pub fn open(
        &self,
        iv: &[u8],
        ct: &Uint8Array,
    ) -> impl Future<Output = Result<Vec<u8>, CryptoError>> + use<> {
        let promise = subtle().and_then(|s| {
            s.decrypt_with_object_and_buffer_source(&gcm(iv), &self.key, ct)
                .map_err(|e| CryptoError::op("decrypt", e))
        });
        async move {
            let promise = promise?;
            let buffer: js_sys::ArrayBuffer = promised("decrypt", Ok(promise)).await?;
            Ok(Uint8Array::new(&buffer).to_vec())
        }
    }
}

/// Derives the key-wrapping key from a password.
async fn password_key(
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let raw = Uint8Array::from(password.as_bytes());
    let base: CryptoKey = promised(
        "read the password",
        subtle.import_key_with_str("raw", &raw, "PBKDF2", false, &usages(&["deriveKey"])),
    )
    .await?;
    let params = Pbkdf2Params::new(
        "PBKDF2",
        &JsValue::from_str("SHA-256"),
        iterations,
        &Uint8Array::from(salt),
    );
    promised(
        "derive the password key",
        subtle.derive_key_with_object_and_object(
            &params,
            &base,
            &AesDerivedKeyParams::new(AES_GCM, 256),
            false,
            &usages(&["wrapKey", "unwrapKey"]),
        ),
    )
    .await
}

/// The wrapped data key of one user on this tablet (localStorage, [`keyring_key`]). Holds
/// the profile too, so the user can sign in here with no network; never a customer's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyring {
    pub version: u32,
    /// Whose key it is (keyrings are found by username, databases by user id).
    pub user_id: String,
    /// The device database this key seals (`huifang-<user id>`, or a fresh name when an
    /// older key's database could not be opened and is kept aside).
    pub db: String,
    /// The profile for offline sign-in, kept as JSON: a profile of a newer or older app
    /// version never makes the keyring unreadable (that would lose the key).
    pub profile: serde_json::Value,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub iv: Vec<u8>,
    /// The raw data key, AES-GCM-sealed under the password key.
    pub wrapped: Vec<u8>,
}

/// The localStorage key of `username`'s keyring (as sign-in matches names: trimmed, lower
/// case).
pub fn keyring_key(username: &str) -> String {
    format!("huifang.keyring.{}", username.trim().to_lowercase())
}

impl Keyring {
    /// A new data key for `user`, sealing the database `db`, wrapped under `password`; the key
    /// in use (not extractable).
    pub async fn create(
        user: &huifang_core::UserProfile,
        db: String,
        password: &str,
    ) -> Result<(Keyring, Cipher), CryptoError> {
        let extractable = Cipher::generate_key(true).await?;
        let (mut keyring, kek) = Self::wrap(&extractable, password).await?;
        keyring.user_id = user.id.0.clone();
        keyring.db = db;
        keyring.set_profile(user);
        // The key in use comes back through the unwrap: not extractable (one PBKDF2 only).
        let cipher = Cipher {
            key: keyring.unwrap_with(&kek, false).await?,
        };
        Ok((keyring, cipher))
    }

    /// The profile kept for offline sign-in, if this app reads it.
    pub fn profile(&self) -> Option<huifang_core::UserProfile> {
        serde_json::from_value(self.profile.clone()).ok()
    }

    pub fn set_profile(&mut self, user: &huifang_core::UserProfile) {
        self.profile = serde_json::to_value(user).unwrap_or(serde_json::Value::Null);
    }

    /// The key wrapped under `password` (who and which database: the caller's to fill in),
    /// and the password key it was wrapped with.
    async fn wrap(key: &CryptoKey, password: &str) -> Result<(Keyring, CryptoKey), CryptoError> {
        let salt = random_bytes(SALT_BYTES)?;
        let iv = random_bytes(IV_BYTES)?;
        let kek = password_key(password, &salt, ITERATIONS).await?;
        let wrapped: js_sys::ArrayBuffer = promised(
            "wrap the data key",
            subtle()?.wrap_key_with_object("raw", key, &kek, &gcm(&iv)),
        )
        .await?;
        let keyring = Keyring {
            version: KEYRING_VERSION,
            user_id: String::new(),
            db: String::new(),
            profile: serde_json::Value::Null,
            salt,
            iterations: ITERATIONS,
            iv,
            wrapped: Uint8Array::new(&wrapped).to_vec(),
        };
        Ok((keyring, kek))
    }

    async fn unwrap(&self, password: &str, extractable: bool) -> Result<CryptoKey, CryptoError> {
        if self.version != KEYRING_VERSION || self.iv.len() != IV_BYTES {
            return Err(CryptoError::Operation {
                what: "read the keyring",
                message: format!("unknown keyring version {}", self.version),
            });
        }
        let kek = password_key(password, &self.salt, self.iterations).await?;
        self.unwrap_with(&kek, extractable).await
    }

    async fn unwrap_with(
        &self,
        kek: &CryptoKey,
        extractable: bool,
    ) -> Result<CryptoKey, CryptoError> {
        let promise = subtle()?
            .unwrap_key_with_buffer_source_and_object_and_str(
                "raw",
                &Uint8Array::from(self.wrapped.as_slice()),
                kek,
                &gcm(&self.iv),
                AES_GCM,
                extractable,
                &usages(&["encrypt", "decrypt"]),
            )
            .map_err(|e| CryptoError::op("unwrap the data key", e))?;
        match JsFuture::from(promise).await {
            Ok(key) => key
                .dyn_into::<CryptoKey>()
                .map_err(|v| CryptoError::op("unwrap the data key", v)),
            // GCM's tag check: another password (or a keyring altered on the device).
            Err(e)
                if e.dyn_ref::<web_sys::DomException>()
                    .is_some_and(|d| d.name() == "OperationError") =>
            {
                Err(CryptoError::WrongPassword)
            }
            Err(e) => Err(CryptoError::op("unwrap the data key", e)),
        }
    }

    /// The data key, if `password` is the one it was wrapped under.
    pub async fn unlock(&self, password: &str) -> Result<Cipher, CryptoError> {
        Ok(Cipher {
            key: self.unwrap(password, false).await?,
        })
    }

    /// The same data key wrapped under `new_password` (after a password change), with a new
    /// salt; fails with [`CryptoError::WrongPassword`] if `old_password` is not the current one.
    pub async fn rewrap(
        &self,
        old_password: &str,
        new_password: &str,
    ) -> Result<Keyring, CryptoError> {
        let key = self.unwrap(old_password, true).await?;
        let (rewrapped, _) = Self::wrap(&key, new_password).await?;
        Ok(Keyring {
            user_id: self.user_id.clone(),
            db: self.db.clone(),
            profile: self.profile.clone(),
            ..rewrapped
        })
    }
}

/// The key this tab unlocked: whose, and which database it seals.
#[derive(Debug, Clone)]
struct Unlocked {
    cipher: Cipher,
    /// `None` for a key not tied to a user (tests).
    owner: Option<(String, String)>,
}

thread_local! {
    static CURRENT: RefCell<Option<Unlocked>> = const { RefCell::new(None) };
}

/// The data key this tab unlocked, if any.
pub fn current() -> Result<Cipher, CryptoError> {
    CURRENT
        .with(|c| c.borrow().as_ref().map(|u| u.cipher.clone()))
        .ok_or(CryptoError::Locked)
}

/// `user_id`'s data key and the database it seals (`None`: the default name); locked for
/// anyone else, so a key is never used on another person's data.
pub fn current_for(user_id: &str) -> Result<(Cipher, Option<String>), CryptoError> {
    CURRENT.with(|c| match c.borrow().as_ref() {
        Some(Unlocked {
            cipher,
            owner: None,
        }) => Ok((cipher.clone(), None)),
        Some(Unlocked {
            cipher,
            owner: Some((owner, db)),
        }) if owner == user_id => Ok((cipher.clone(), Some(db.clone()))),
        _ => Err(CryptoError::Locked),
    })
}

pub fn is_unlocked() -> bool {
    CURRENT.with(|c| c.borrow().is_some())
}

/// Keeps `cipher` as this tab's data key, tied to no user (tests).
pub fn set_current(cipher: Cipher) {
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(Unlocked {
            cipher,
            owner: None,
        })
    });
}

/// Keeps `keyring`'s unwrapped `cipher` as this tab's data key, for its user only.
pub fn set_unlocked(keyring: &Keyring, cipher: Cipher) {
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(Unlocked {
            cipher,
            owner: Some((keyring.user_id.clone(), keyring.db.clone())),
        })
    });
}

/// Forgets the data key (sign-out, expired session): what is stored stays sealed.
pub fn forget() {
    CURRENT.with(|c| *c.borrow_mut() = None);
}

/// Wraps bytes for JavaScript (tests, and the store's encoding).
pub fn bytes(value: &[u8]) -> Object {
    Uint8Array::from(value).into()
}
