//! Numbers and times in the user's language: ages ("5 分钟"), clock times, byte sizes.

use super::Lang;

/// How long ago, roughly: "不到 1 分钟" / "under a minute", "12 分钟" / "12 min", hours, days.
pub fn age(lang: Lang, ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (n, unit_zh, unit_en) = match minutes {
        0 => {
            return match lang {
                Lang::ZhCn => "不到 1 分钟".to_owned(),
                Lang::En => "under a minute".to_owned(),
            };
        }
        m if m < 60 => (m, "分钟", "min"),
        m if m < 48 * 60 => (m / 60, "小时", "h"),
        m => (m / (24 * 60), "天", "days"),
    };
    match lang {
        Lang::ZhCn => format!("{n} {unit_zh}"),
        Lang::En => format!("{n} {unit_en}"),
    }
}

/// A byte count: "12.3 MB".
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A local date and time in the user's language (the browser formats it).
#[cfg(target_arch = "wasm32")]
pub fn date_time(lang: Lang, ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    String::from(date.to_locale_string(lang.tag(), &wasm_bindgen::JsValue::UNDEFINED))
}

/// Outside a browser (unit tests): ISO-like UTC.
#[cfg(not(target_arch = "wasm32"))]
pub fn date_time(_lang: Lang, ms: i64) -> String {
    format!("{ms} ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(Lang::ZhCn, 10_000), "不到 1 分钟");
        assert_eq!(age(Lang::En, 5 * 60_000), "5 min");
        assert_eq!(age(Lang::ZhCn, 3 * 3_600_000), "3 小时");
        assert_eq!(age(Lang::En, 3 * 86_400_000), "3 days");
        assert_eq!(age(Lang::En, -5), "under a minute");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KB");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GB");
    }
}
