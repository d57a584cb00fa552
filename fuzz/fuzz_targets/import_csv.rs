//! A CSV export (UTF-8 or GBK) as `POST /api/import/preview` reads it.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| huifang_fuzz::import(data));
