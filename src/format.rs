//! Numbers formatted for people: the one place the report, the audit's findings, the planner's
//! explanations and the validator's messages get their figures from.

/// Formats a quantity with thousands separators and at most 3 significant decimals.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.abs() < 5e-5 {
        return "0".to_string();
    }
    if x.abs() >= 1e15 {
        return format!("{x:.3e}");
    }
    let rounded = if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    };
    let (sign, body) = rounded
        .strip_prefix('-')
        .map_or(("", rounded.as_str()), |b| ("-", b));
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}
