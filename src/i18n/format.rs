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

/// Days to a deadline: "剩 2 天" / "2 days left", "今天到期" / "due today", "逾期 3 天" /
/// "3 days overdue".
pub fn days_left(lang: Lang, days: i32) -> String {
    match (lang, days) {
        (Lang::ZhCn, 0) => "今天到期".to_owned(),
        (Lang::ZhCn, d) if d > 0 => format!("剩 {d} 天"),
        (Lang::ZhCn, d) => format!("逾期 {} 天", -d),
        (Lang::En, 0) => "due today".to_owned(),
        (Lang::En, 1) => "1 day left".to_owned(),
        (Lang::En, d) if d > 0 => format!("{d} days left"),
        (Lang::En, -1) => "1 day overdue".to_owned(),
        (Lang::En, d) => format!("{} days overdue", -d),
    }
}

/// A byte count: "12.3 MB". (Integer arithmetic: float formatting would add ~10 KB to the
/// download for one line of the settings page.)
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let n = if n.is_finite() && n > 0.0 {
        n as u64
    } else {
        0
    };
    let mut unit = 0;
    let mut scale = 1u64;
    while unit < UNITS.len() - 1 && n / scale >= 1024 {
        scale *= 1024;
        unit += 1;
    }
    if unit == 0 {
        return format!("{n} B");
    }
    let tenths = (n * 10 + scale / 2) / scale;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

/// `part` of `whole` in percent with one decimal: "12.5%".
pub fn percent(part: f64, whole: f64) -> String {
    if whole.is_nan() || whole <= 0.0 || !part.is_finite() {
        return "–".to_owned();
    }
    let tenths = ((part / whole) * 1000.0).round().max(0.0) as u64;
    format!("{}.{}%", tenths / 10, tenths % 10)
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
    fn deadlines_read_naturally() {
        assert_eq!(days_left(Lang::ZhCn, 2), "剩 2 天");
        assert_eq!(days_left(Lang::ZhCn, 0), "今天到期");
        assert_eq!(days_left(Lang::ZhCn, -3), "逾期 3 天");
        assert_eq!(days_left(Lang::En, 1), "1 day left");
        assert_eq!(days_left(Lang::En, -2), "2 days overdue");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KB");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GB");
        assert_eq!(bytes(-1.0), "0 B");
        assert_eq!(percent(1.0, 8.0), "12.5%");
        assert_eq!(percent(1.0, 0.0), "–");
    }
}
