//! Every committed corpus file through its target, as a plain test: the crashes found once
//! stay fixed even where no nightly toolchain (and so no libFuzzer) is at hand.
//! `cargo test --manifest-path fuzz/Cargo.toml`.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a corpus entry").path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{target}: {}", path.display());
        run(&bytes);
        files += 1;
    }
    assert!(files > 0, "the {target} corpus is empty");
}

#[test]
fn mutation_decode_corpus() {
    replay("mutation_decode", huifang_fuzz::mutation_decode);
}

#[test]
fn import_csv_corpus() {
    replay("import_csv", huifang_fuzz::import);
}

#[test]
fn import_xlsx_corpus() {
    replay("import_xlsx", huifang_fuzz::import);
}

#[test]
fn phone_parse_corpus() {
    replay("phone_parse", huifang_fuzz::phone_parse);
}

/// The realistic seeds reach past decoding: the engine applies what a tablet would push, so
/// the fuzzer starts from inputs that get through the checks of ids, clocks and access.
#[test]
fn realistic_pushes_are_applied() {
    use huifang_core::Role;
    use huifang_core::sync::{
        MemoryServerStore, Outcome, PushRequest, ServerConfig, StateMachines, SyncServer,
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/mutation_decode");
    for (seed, role) in [
        ("agent-customer-and-car.json", Role::CareAgent),
        ("agent-callback-failed.json", Role::CareAgent),
        ("supervisor-complaint.json", Role::CareSupervisor),
        ("advisor-lead.json", Role::SalesAdvisor),
    ] {
        let bytes = std::fs::read(dir.join(seed)).expect("the seed");
        let push: PushRequest = serde_json::from_slice(&bytes).expect("decodes");
        let server = SyncServer::new(
            MemoryServerStore::new(),
            StateMachines::standard(),
            ServerConfig::default(),
        );
        let ctx = huifang_core::sync::UserCtx {
            role,
            ..huifang_fuzz::pusher(&push, 0)
        };
        let answer = huifang_fuzz::block_on(server.push(&ctx, push, huifang_fuzz::NOW_MS))
            .unwrap_or_else(|_| panic!("{seed}: pushed"));
        let applied = answer
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Applied { .. }))
            .count();
        eprintln!("{seed}: {:#?}", answer.results);
        assert!(applied > 0, "{seed}: nothing applied");
    }
}
