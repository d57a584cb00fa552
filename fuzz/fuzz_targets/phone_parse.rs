//! A phone cell (first line) and the store's area code (the rest), through the core's
//! `phone::clean` and `privacy::mask_phone`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| huifang_fuzz::phone_parse(data));
