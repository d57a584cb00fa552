//! The real server over HTTP: spawn, stop (the port closes), restart on the same port with the
//! same database, as the end-to-end tests do to simulate being offline.

mod common;

use huifang_server::spawn;
use std::time::Duration;

#[tokio::test]
async fn spawn_stop_and_restart_on_the_same_port() {
    for db in common::test_databases().await {
        let label = db.label;
        let mut config = db.config();
        config.demo = true;
        let server = spawn(config.clone()).await.expect("starts");
        let addr = server.addr();
        assert_ne!(addr.port(), 0);
        assert_eq!(server.url(), format!("http://{addr}"));

        let client = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let health: huifang_core::Health = client
            .get(format!("{}/api/health", server.url()))
            .send()
            .await
            .expect("health answers")
            .json()
            .await
            .expect("health JSON");
        assert_eq!(health.database, label);

        let signed_in = client
            .post(format!("{}/api/auth/sign-in", server.url()))
            .json(&huifang_core::SignInRequest {
                username: "agent1".to_owned(),
                password: "demo".to_owned(),
            })
            .send()
            .await
            .expect("sign-in answers");
        assert_eq!(signed_in.status(), reqwest::StatusCode::OK, "[{label}]");
        // The cookie jar now carries the session.
        let me = client
            .get(format!("{}/api/auth/me", server.url()))
            .send()
            .await
            .expect("me answers");
        assert_eq!(me.status(), reqwest::StatusCode::OK, "[{label}]");

        server.stop().await;
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "[{label}] the port is closed after stop"
        );
        assert!(
            client
                .get(format!("http://{addr}/api/health"))
                .send()
                .await
                .is_err(),
            "[{label}] offline"
        );

        config.listen = addr;
        let server = spawn(config).await.expect("restarts on the same port");
        assert_eq!(server.addr(), addr);
        let me = client
            .get(format!("{}/api/auth/me", server.url()))
            .send()
            .await
            .expect("me answers after restart");
        assert_eq!(
            me.status(),
            reqwest::StatusCode::OK,
            "[{label}] the session survives a restart"
        );
        server.stop().await;
    }
}
