//! An Excel workbook as `POST /api/import/preview` reads it. Inputs that are not a ZIP or OLE
//! file are CSV to the reader: `import_csv` covers those, so they are skipped here.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"PK\x03\x04") || data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        huifang_fuzz::import(data);
    }
});
