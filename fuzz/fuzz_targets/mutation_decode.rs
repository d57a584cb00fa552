//! JSON bytes as `POST /api/sync/push` reads them, through the core's sync engine.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| huifang_fuzz::mutation_decode(data));
