//! Reading a DMS export into a table of text cells: Excel workbooks (.xlsx, .xls) through
//! calamine, CSV in UTF-8 (with or without BOM) or GBK/GB18030 through encoding_rs and csv.
//! Blank rows are dropped; the first non-blank row is the header. Every row keeps its line
//! number in the file, so the error report points at what the supervisor sees.

use calamine::{Data, Reader};
use huifang_core::care::dates::Day;
use serde::Serialize;
use std::io::Cursor;

/// The file as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub format: Format,
    /// How the text was encoded (`"UTF-8"`, `"GB18030"`; workbooks: `"xlsx"`).
    pub encoding: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Excel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// 1-based line (CSV) or row (Excel) number in the file.
    pub line: usize,
    pub cells: Vec<String>,
}

/// Why a file cannot be read at all (row problems are reported per row, later).
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has no header row")]
    NoHeader,
    #[error("the workbook could not be read: {0}")]
    Excel(String),
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("the CSV could not be read at line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// Reads `bytes`; the format comes from the content (a ZIP or OLE signature is a workbook),
/// not from the file name.
pub fn read(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(TableError::Empty);
    }
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if zip || ole {
        read_excel(bytes)
    } else {
        read_csv(bytes)
    }
}

fn into_table(
    format: Format,
    encoding: &'static str,
    lines: impl Iterator<Item = (usize, Vec<String>)>,
) -> Result<Table, TableError> {
    let mut lines = lines.filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let (_, headers) = lines.next().ok_or(TableError::NoHeader)?;
    let headers: Vec<String> = headers.into_iter().map(|h| h.trim().to_owned()).collect();
    let rows = lines
        .map(|(line, mut cells)| {
            cells.resize(headers.len().max(cells.len()), String::new());
            Row {
                line,
                cells: cells.into_iter().map(|c| c.trim().to_owned()).collect(),
            }
        })
        .collect();
    Ok(Table {
        format,
        encoding,
        headers,
        rows,
    })
}

/// Text in UTF-8 (a BOM is dropped) or, failing that, GB18030 (which reads GBK and GB2312).
fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// The delimiter of the header line: the most frequent of comma, tab, semicolon.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let (text, encoding) = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TableError::Csv {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        lines.push((line, record.iter().map(str::to_owned).collect()));
    }
    into_table(Format::Csv, encoding, lines.into_iter())
}

/// A workbook cell as text: dates as `YYYY-MM-DD`, whole numbers without `.0` (phone
/// numbers are often stored as numbers).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(dt) => {
            // calamine knows the workbook's date system (1900 or 1904).
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match Day::from_ymd(i32::from(y), u32::from(m), u32::from(d)) {
                Some(day) => day.to_string(),
                None => dt.as_f64().to_string(),
            }
        }
        other => other.to_string(),
    }
}

fn read_excel(bytes: &[u8]) -> Result<Table, TableError> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| TableError::Excel(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(TableError::NoSheet)?
        .map_err(|e| TableError::Excel(e.to_string()))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let lines = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i + 1, cells.iter().map(cell_text).collect()))
        .collect::<Vec<_>>();
    into_table(Format::Excel, "xlsx", lines.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "客户姓名,手机号码,车牌号,进厂日期\n\
                       王建国, 138 0013 8000 ,京A12345,2026/11/3\n\
                       ,,,\n\
                       李秀英,+86 139-0013-9000,沪B·D12345,2026年11月4日\n";

    #[test]
    fn utf8_with_and_without_bom() {
        for bytes in [
            CSV.as_bytes().to_vec(),
            [b"\xEF\xBB\xBF".as_slice(), CSV.as_bytes()].concat(),
        ] {
            let table = read(&bytes).expect("reads");
            assert_eq!(table.encoding, "UTF-8");
            assert_eq!(
                table.headers,
                ["客户姓名", "手机号码", "车牌号", "进厂日期"]
            );
            assert_eq!(table.rows.len(), 2, "the blank row is dropped");
            assert_eq!(table.rows[0].cells[1], "138 0013 8000");
            assert_eq!(table.rows[1].line, 4, "line numbers as in the file");
        }
    }

    #[test]
    fn gbk_is_read_as_gb18030() {
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(CSV);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
        let table = read(&gbk).expect("reads");
        assert_eq!(table.encoding, "GB18030");
        assert_eq!(table.headers[0], "客户姓名");
        assert_eq!(table.rows[1].cells[0], "李秀英");
    }

    #[test]
    fn tabs_and_semicolons_are_found() {
        let table = read("姓名\t手机\n张三\t13800138000\n".as_bytes()).expect("reads");
        assert_eq!(table.rows[0].cells, ["张三", "13800138000"]);
        let table = read("姓名;手机\n张三;13800138000\n".as_bytes()).expect("reads");
        assert_eq!(table.rows[0].cells, ["张三", "13800138000"]);
    }

    #[test]
    fn workbooks_with_numbers_and_dates() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_string(0, 0, "客户姓名").expect("cell");
        sheet.write_string(0, 1, "手机号码").expect("cell");
        sheet.write_string(0, 2, "进厂日期").expect("cell");
        sheet.write_string(2, 0, "王建国").expect("cell");
        sheet.write_number(2, 1, 13800138000.0).expect("cell");
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 3).expect("date");
        sheet
            .write_datetime_with_format(2, 2, &day, &date)
            .expect("cell");
        let bytes = book.save_to_buffer().expect("xlsx");
        let table = read(&bytes).expect("reads");
        assert_eq!(table.format, Format::Excel);
        assert_eq!(table.headers, ["客户姓名", "手机号码", "进厂日期"]);
        assert_eq!(table.rows.len(), 1, "the empty row 2 is dropped");
        assert_eq!(table.rows[0].line, 3);
        assert_eq!(table.rows[0].cells, ["王建国", "13800138000", "2026-11-03"]);
    }

    #[test]
    fn unreadable_files_say_why() {
        assert!(matches!(read(b"  \n "), Err(TableError::Empty)));
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(TableError::Excel(_))
        ));
    }
}
