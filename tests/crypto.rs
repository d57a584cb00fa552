//! Browser tests of encryption at rest (wasm-bindgen-test in headless Chromium): the keyring
//! that wraps a user's data key under their password, and the sealed localStorage entries.
#![cfg(target_arch = "wasm32")]

use huifang::storage::crypto::{self, Cipher, CryptoError, Keyring, keyring_key};
use huifang::storage::{local, private};
use huifang_core::{Role, StoreId, UserId, UserProfile, Username};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn profile() -> UserProfile {
    UserProfile {
        id: UserId(format!("u-{}", js_sys::Math::random())),
        username: Username::parse("agent1").expect("valid"),
        display_name: "王丽".into(),
        role: Role::CareAgent,
        store_id: StoreId("s1".into()),
        store_name: "鸿达丰田4S店（演示）".into(),
    }
}

/// A sealed value opens with its key and its key only.
async fn round_trip(cipher: &Cipher, other: &Cipher, text: &str) {
    let sealed = cipher.seal(text.as_bytes()).await.expect("sealed");
    assert_eq!(sealed.iv.len(), crypto::IV_BYTES);
    assert!(
        !sealed.ct.windows(text.len()).any(|w| w == text.as_bytes()),
        "no clear text in the ciphertext"
    );
    let ct = js_sys::Uint8Array::from(sealed.ct.as_slice());
    assert_eq!(
        cipher.open(&sealed.iv, &ct).await.expect("opens"),
        text.as_bytes()
    );
    assert!(
        matches!(
            other.open(&sealed.iv, &ct).await,
            Err(CryptoError::Operation { .. })
        ),
        "another key fails the tag check"
    );
}

#[wasm_bindgen_test]
async fn the_keyring_opens_with_the_password_only_and_survives_a_password_change() {
    let user = profile();
    let (keyring, cipher) = Keyring::create(&user, "huifang-test-db".to_owned(), "demo-密码1")
        .await
        .expect("made");
    assert_eq!(keyring.user_id, user.id.0);
    assert_eq!(keyring.db, "huifang-test-db");
    assert_eq!(keyring.profile(), Some(user.clone()));
    assert_eq!(keyring.iterations, crypto::ITERATIONS);
    // The keyring as stored: JSON with no password and no key in clear.
    let stored = serde_json::to_string(&keyring).expect("encodes");
    assert!(!stored.contains("demo-密码1"), "{stored}");

    let again = keyring
        .unlock("demo-密码1")
        .await
        .expect("the same password opens it");
    let stranger = Cipher::generate().await.expect("a key");
    round_trip(&cipher, &stranger, "13800000000 陈女士").await;
    // The key unwrapped later is the same key: what one sealed, the other opens.
    let sealed = cipher.seal(b"same key").await.expect("sealed");
    let ct = js_sys::Uint8Array::from(sealed.ct.as_slice());
    assert_eq!(
        again.open(&sealed.iv, &ct).await.expect("opens"),
        b"same key"
    );

    assert_eq!(
        keyring.unlock("demo-密码2").await.err(),
        Some(CryptoError::WrongPassword)
    );
    assert_eq!(
        keyring.rewrap("wrong", "new-password").await.err(),
        Some(CryptoError::WrongPassword),
        "a re-wrap needs the current password"
    );

    let changed = keyring
        .rewrap("demo-密码1", "new-password")
        .await
        .expect("re-wrapped");
    assert_ne!(changed.salt, keyring.salt, "a new salt");
    assert_eq!(
        (&changed.user_id, &changed.db, changed.profile()),
        (&keyring.user_id, &keyring.db, Some(user.clone())),
        "the same owner, database and profile"
    );
    assert_eq!(
        changed.unlock("demo-密码1").await.err(),
        Some(CryptoError::WrongPassword),
        "the earlier password no longer opens it"
    );
    let after = changed.unlock("new-password").await.expect("opens");
    assert_eq!(
        after
            .open(&sealed.iv, &ct)
            .await
            .expect("the same data key"),
        b"same key"
    );
}

#[wasm_bindgen_test]
async fn a_keyring_of_another_version_is_refused_not_misread() {
    let (mut keyring, _) = Keyring::create(&profile(), "huifang-test-db".to_owned(), "demo")
        .await
        .expect("made");
    keyring.version = 99;
    assert!(matches!(
        keyring.unlock("demo").await,
        Err(CryptoError::Operation { .. })
    ));
    assert_eq!(keyring_key(" Agent1 "), "huifang.keyring.agent1");
}

/// A profile this app cannot read (another version's) leaves the keyring readable: the key
/// opens, only the offline sign-in has no profile to show.
#[wasm_bindgen_test]
async fn a_profile_of_another_version_does_not_make_the_keyring_unreadable() {
    let (keyring, _) = Keyring::create(&profile(), "huifang-test-db".to_owned(), "demo")
        .await
        .expect("made");
    let mut stored = serde_json::to_value(&keyring).expect("encodes");
    stored["profile"] = serde_json::json!({"id": "u1", "a_new_field": true});
    let read: Keyring = serde_json::from_value(stored).expect("still a keyring");
    assert_eq!(read.profile(), None);
    read.unlock("demo").await.expect("the key opens");
}

#[wasm_bindgen_test]
async fn a_key_is_used_for_its_own_user_only() {
    let user = profile();
    let (keyring, cipher) = Keyring::create(&user, "huifang-test-db".to_owned(), "demo")
        .await
        .expect("made");
    crypto::set_unlocked(&keyring, cipher);
    let (_, db) = crypto::current_for(&user.id.0).expect("the owner's");
    assert_eq!(db.as_deref(), Some("huifang-test-db"));
    assert_eq!(
        crypto::current_for("someone-else").err(),
        Some(CryptoError::Locked),
        "never another person's"
    );
    crypto::forget();
    assert_eq!(
        crypto::current_for(&user.id.0).err(),
        Some(CryptoError::Locked)
    );
}

#[wasm_bindgen_test]
async fn private_entries_are_sealed_on_the_tablet_and_forgotten_at_sign_out() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let user = format!("p-{}", js_sys::Math::random());
    let cipher = Cipher::generate().await.expect("a key");
    crypto::set_current(cipher.clone());
    let key = local::keys::call(&user);
    // An entry an earlier version kept in clear is sealed at unlock.
    local::write(&format!("huifang.today.{user}"), &"王建国 13800000000").expect("kept");

    private::write(
        &key,
        &serde_json::json!({"quiet_reason": "客户要求晚上回电"}),
    )
    .expect("kept");
    assert_eq!(
        private::read::<serde_json::Value>(&key).expect("reads"),
        Some(serde_json::json!({"quiet_reason": "客户要求晚上回电"})),
        "readable at once"
    );
    let raw = || {
        <gloo_storage::LocalStorage as gloo_storage::Storage>::raw()
            .get_item(&key)
            .ok()
            .flatten()
    };
    for _ in 0..100 {
        if raw().is_some() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    let stored = raw().expect("sealed into localStorage");
    assert!(!stored.contains("客户要求"), "{stored}");

    // Sign-out: nothing open; unlock: all of it back, the old clear entry sealed and gone.
    private::clear();
    crypto::forget();
    assert_eq!(
        private::read::<serde_json::Value>(&key).expect("reads"),
        None
    );
    assert!(matches!(
        private::write(&key, &1),
        Err(private::PrivateError::Locked(CryptoError::Locked))
    ));
    private::load(&user, &cipher).await;
    assert_eq!(
        private::read::<serde_json::Value>(&key).expect("reads"),
        Some(serde_json::json!({"quiet_reason": "客户要求晚上回电"}))
    );
    assert_eq!(
        private::read::<String>(&local::keys::today(&user)).expect("reads"),
        Some("王建国 13800000000".to_owned())
    );
    assert_eq!(
        local::read::<String>(&format!("huifang.today.{user}")).expect("reads"),
        None,
        "the clear copy is gone"
    );
    let sealed_today = <gloo_storage::LocalStorage as gloo_storage::Storage>::raw()
        .get_item(&local::keys::today(&user))
        .ok()
        .flatten()
        .expect("sealed");
    assert!(!sealed_today.contains("王建国"), "{sealed_today}");

    // Another key opens none of it.
    private::clear();
    private::load(&user, &Cipher::generate().await.expect("a key")).await;
    assert_eq!(
        private::read::<serde_json::Value>(&key).expect("reads"),
        None
    );
    private::remove(&key);
    private::remove(&local::keys::today(&user));
    assert_eq!(raw(), None);
}

/// What another tab of the same user writes reaches this tab's reads (the browser's `storage`
/// event, simulated here: localStorage set as the other tab did, then the event).
#[wasm_bindgen_test]
async fn another_tabs_private_entry_is_read_here_too() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let user = format!("t-{}", js_sys::Math::random());
    let cipher = Cipher::generate().await.expect("a key");
    crypto::set_current(cipher.clone());
    private::load(&user, &cipher).await;
    let key = local::keys::call(&user);
    let storage = <gloo_storage::LocalStorage as gloo_storage::Storage>::raw();
    let stored = async |value: &str| -> String {
        private::write(&key, &value).expect("kept");
        for _ in 0..100 {
            if private::read::<String>(&key).expect("reads").as_deref() == Some(value)
                && let Ok(Some(raw)) = storage.get_item(&key)
                && raw.len() > 20
            {
                gloo_timers::future::TimeoutFuture::new(50).await;
                return storage.get_item(&key).ok().flatten().expect("stored");
            }
            gloo_timers::future::TimeoutFuture::new(10).await;
        }
        panic!("never stored");
    };
    let from_other_tab = stored("the other tab's call").await;
    stored("this tab's older call").await;

    storage.set_item(&key, &from_other_tab).expect("set");
    let event = |new_value: Option<&str>| {
        let init = web_sys::StorageEventInit::new();
        init.set_key(Some(&key));
        init.set_new_value(new_value);
        web_sys::StorageEvent::new_with_event_init_dict("storage", &init).expect("event")
    };
    let window = web_sys::window().expect("window");
    window
        .dispatch_event(&event(Some(&from_other_tab)))
        .expect("dispatched");
    let mut seen = None;
    for _ in 0..100 {
        seen = private::read::<String>(&key).expect("reads");
        if seen.as_deref() == Some("the other tab's call") {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert_eq!(seen.as_deref(), Some("the other tab's call"));

    storage.remove_item(&key).expect("removed");
    window.dispatch_event(&event(None)).expect("dispatched");
    assert_eq!(private::read::<String>(&key).expect("reads"), None);
    private::clear();
    crypto::forget();
}
