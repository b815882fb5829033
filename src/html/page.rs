//! The page around the charts: header and headline figures, one section per chart with its data
//! table, what cannot be met (infeasible plans), findings, binding terms where the document has
//! them, print styles, and the small self-check script the browser test reads.

use std::fmt::Write as _;

use super::charts::{self, Figure};
use super::gantt::gantt;
use super::svg::{esc, usd};
use super::view::View;
use crate::format::fmt_num;

const CSS: &str = r#"
:root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#d0d0d0;--bg:#fff}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:960px;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:1.02em;margin:18px 0 6px}
.sub{color:var(--muted);margin:0 0 16px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.kpi{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:170px}.kpi b{display:block;font-size:1.35em}.kpi span{color:var(--muted);font-size:.85em}
.bad{border-color:#D55E00;background:#fff4ec}.warn{border-color:#E69F00;background:#fffaf0}.alert{border:1px solid #D55E00;background:#fff4ec;border-radius:6px;padding:4px 16px;margin:16px 0}.alert h2{margin-top:8px}.ok{border-color:#009E73}
svg.chart{width:100%;height:auto;display:block;font-size:12px;overflow:visible}
svg text{fill:var(--fg)}svg .label{font-size:12.5px;fill:var(--muted)}svg .note{font-size:11.5px;fill:var(--muted)}
.grid{stroke:#e6e6e6}.tick,.axisline{stroke:#888}
.cap{fill:none;stroke:#222;stroke-width:1.5;stroke-dasharray:6 4}
.floor,.floorline{fill:none;stroke:#D55E00;stroke-width:2;stroke-dasharray:7 4}
.inside{fill:none;stroke:#0072B2;stroke-width:2.5}.outside{fill:none;stroke:#7f7f7f;stroke-width:2;stroke-dasharray:5 4}
.window{fill:#cfe3f3}.band{fill:#f1f5f9}.deadline{stroke:#D55E00;stroke-width:3}.dep{fill:none;stroke:#333;stroke-width:1.3}
.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.88em;color:var(--muted)}
.swatch{display:inline-block;width:14px;height:10px;background:var(--c);margin-right:6px;vertical-align:middle}.swatch.dashed{height:0;border-top:2px dashed var(--c);background:none}
figure{margin:10px 0 22px;break-inside:avoid}figcaption{font-weight:600;margin-bottom:4px}
details{margin-top:6px;font-size:.9em}summary{cursor:pointer;color:var(--muted)}
table{border-collapse:collapse;margin:6px 0;font-size:.92em}th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
ul.items li{margin:4px 0}
#selfcheck{display:none}
@media print{body{max-width:none;padding:0 6mm;font-size:11pt}details:not([open]){display:none}summary{display:none}nav{display:none}h2{break-after:avoid}.kpi{break-inside:avoid}a{color:inherit}}
"#;

/// Writes findings and figures the browser shows into `#selfcheck` (read by the browser test):
/// every chart's size, every `[data-check]` text, and every error the page raised.
const SELF_CHECK: &str = r#"
(function(){var errs=[];window.addEventListener('error',function(e){errs.push(String(e.message))});
function run(){var out={charts:[],shown:{},errors:errs};
document.querySelectorAll('svg.chart').forEach(function(s){var r=s.getBoundingClientRect();out.charts.push({id:s.id,width:r.width,height:r.height})});
document.querySelectorAll('[data-check]').forEach(function(e){out.shown[e.getAttribute('data-check')]=e.textContent});
document.getElementById('selfcheck').textContent=JSON.stringify(out)}
if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',run)}else{run()}})();
"#;

/// The whole page.
pub fn page(v: &View) -> String {
    let mut out = String::new();
    let title = format!("capplan report: {}", v.scenario);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body>",
        esc(&title)
    );
    out.push_str(&header(v));
    out.push_str(&unmeetable(v));
    let sections: [(&str, &str, &str, Vec<Figure>); 5] = [
        ("chips", "Chips in use", "Average chips in use per period on each cluster, by workload.", charts::chips_in_use(v)),
        ("utilization", "Utilization against floors", "Dedicated clusters are paid whether used or not; floors bill or forbid what is short.", charts::utilization(v)),
        ("floors", "Spend against take-or-pay floors", "Spend before the horizon and forecast after are as stated in the scenario; the horizon's part is this plan's.", charts::spend_floors(v)),
        ("training", "Training runs", "When each run may run, when it does, and what waits for it.", gantt(v).into_iter().collect()),
        ("bill", "The bill", "What is paid each month, by part.", charts::bill_by_month(v).into_iter().collect()),
    ];
    out.push_str("<nav aria-label=\"Sections\"><ul class=\"legend\">");
    for (id, heading, _, figures) in &sections {
        if !figures.is_empty() {
            let _ = write!(out, "<li><a href=\"#{id}\">{}</a></li>", esc(heading));
        }
    }
    out.push_str("</ul></nav>");
    for (id, heading, intro, figures) in &sections {
        if figures.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<section id=\"{id}\"><h2>{}</h2><p class=\"sub\">{}</p>",
            esc(heading),
            esc(intro)
        );
        for f in figures {
            out.push_str(&figure(f));
        }
        out.push_str("</section>");
    }
    out.push_str(&discounts(v));
    out.push_str(&binding_terms(v));
    out.push_str(&findings(v));
    let _ = writeln!(out, "<pre id=\"selfcheck\" aria-hidden=\"true\"></pre><script>{SELF_CHECK}</script></body></html>");
    out
}

fn header(v: &View) -> String {
    let mut out = String::from("<header><h1>Capacity plan report</h1>");
    let _ = write!(
        out,
        "<p class=\"sub\">Scenario <code>{}</code>",
        esc(&v.scenario)
    );
    if let Some(a) = &v.allocation {
        let _ = write!(out, ", allocation <code>{}</code>", esc(a));
    }
    if let (Some(a), Some(b)) = (v.calendar.periods.first(), v.calendar.periods.last()) {
        let _ = write!(
            out,
            "; {} period(s), {} to {}",
            v.calendar.periods.len(),
            esc(&a.start),
            esc(&b.end)
        );
    }
    out.push_str("</p><div class=\"kpis\">");
    let class = match v.status.as_str() {
        "infeasible" | "violations" | "failed" | "time_limit_no_plan" => "bad",
        "shortfall_billed" | "time_limit" | "gap_limit" => "warn",
        _ => "ok",
    };
    let _ = write!(
        out,
        "<div class=\"kpi {class}\"><span>status</span><b data-check=\"status\">{}</b></div>",
        esc(&v.status.replace('_', " "))
    );
    if let Some(t) = v.total_cost_usd {
        let _ = write!(out, "<div class=\"kpi\"><span>total cost</span><b data-check=\"total_cost_usd\">{}</b></div>", usd(t));
    }
    if let Some(b) = &v.bill {
        let short: f64 = b.spend_floors.iter().map(|f| f.shortfall_usd).sum();
        let idle: f64 = b.lines.iter().map(|l| l.reserved_idle_usd).sum();
        let _ = write!(out, "<div class=\"kpi\"><span>idle reserved capacity paid</span><b>{}</b></div><div class=\"kpi{}\"><span>spend-floor shortfall billed</span><b>{}</b></div>", usd(idle), if short > 0.0 { " bad" } else { "" }, usd(short));
    }
    out.push_str("</div></header>");
    out
}

fn figure(f: &Figure) -> String {
    let mut out = format!(
        "<figure><figcaption>{}</figcaption>{}",
        esc(&f.caption),
        f.body
    );
    // The bill's figures are what finance reads: its table is open (and printed).
    let open = if f.id == "bill" { " open" } else { "" };
    let _ = write!(
        out,
        "<details{open}><summary>Data table: {}</summary>",
        esc(&f.caption)
    );
    out.push_str(&table(&f.header, &f.rows, &f.id));
    out.push_str("</details></figure>");
    out
}

/// A table; cells that look like numbers are right-aligned. Cells of the bill's total column
/// carry `data-check` so the browser test can compare what is shown with the document.
fn table(header: &[String], rows: &[Vec<String>], id: &str) -> String {
    let numeric = |c: &str| {
        c.trim_start_matches(['-', '$'])
            .starts_with(|ch: char| ch.is_ascii_digit())
    };
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let check = if id == "bill" && i + 1 == r.len() {
                format!(" data-check=\"bill_month_{}\"", esc(&r[0]))
            } else {
                String::new()
            };
            let class = if numeric(c) && i > 0 {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}{check}>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn unmeetable(v: &View) -> String {
    if v.unmeetable.is_empty() && v.status != "infeasible" {
        return String::new();
    }
    let mut out = String::from("<section class=\"alert\" id=\"unmeetable\"><h2>What cannot be met</h2><p>No plan keeps every hard term. The least total shortfall:</p><ul class=\"items\">");
    for u in &v.unmeetable {
        let _ = write!(out, "<li>{}</li>", esc(&u.message));
    }
    if v.unmeetable.is_empty() {
        out.push_str("<li>The least-violation program found nothing to report; see the solver message in the document.</li>");
    }
    out.push_str("</ul></section>");
    out
}

fn discounts(v: &View) -> String {
    let Some(b) = &v.bill else {
        return String::new();
    };
    if b.discounts.is_empty() {
        return String::new();
    }
    let pct = |x: Option<f64>| x.map_or("-".into(), |d| format!("{:.1}%", 100.0 * d));
    let rows: Vec<Vec<String>> = b
        .discounts
        .iter()
        .map(|d| {
            vec![
                d.provider.clone(),
                usd(d.public_usd),
                usd(d.paid_usd),
                usd(d.reserved_idle_usd),
                usd(d.spend_shortfall_usd),
                pct(d.contractual_discount),
                pct(d.effective_discount),
            ]
        })
        .collect();
    let header = [
        "provider",
        "public value of chip-hours used",
        "paid",
        "of which idle reserved",
        "of which floor shortfall",
        "contractual discount",
        "effective discount",
    ]
    .map(String::from);
    format!("<section><h2>Discounts</h2><p class=\"sub\">The effective discount counts everything paid to the provider for compute (idle reserved capacity, penalties and billed shortfall included) against the public value of the chip-hours used.</p>{}</section>", table(&header, &rows, "discounts"))
}

/// The binding terms with the largest shadow prices. Rendered only when the plan carries them.
fn binding_terms(v: &View) -> String {
    let Some(sens) = v.sensitivity.as_ref().filter(|s| !s.terms.is_empty()) else {
        return String::new();
    };
    let mut terms: Vec<&super::view::TermView> = sens.terms.iter().collect();
    terms.sort_by(|a, b| b.usd_per_unit.abs().total_cmp(&a.usd_per_unit.abs()));
    let rows: Vec<Vec<String>> = terms
        .iter()
        .take(BINDING_SHOWN)
        .map(|t| {
            let p = t.usd_per_unit;
            let price = format!("{}${}", if p < 0.0 { "-" } else { "" }, fmt_num(p.abs()));
            vec![
                t.kind.replace('_', " "),
                term_place(t),
                price,
                t.unit.clone(),
            ]
        })
        .collect();
    let header = ["term", "where", "cost change per unit (USD)", "unit"].map(String::from);
    format!(
        "<section><h2>Binding terms</h2><p class=\"sub\">Shadow prices: {}. The {} largest of {}; every term is in plan.json and sensitivity.csv.</p>{}</section>",
        esc(&sens.note),
        rows.len(),
        terms.len(),
        table(&header, &rows, "binding")
    )
}

/// Binding terms the page lists (the largest shadow prices first).
const BINDING_SHOWN: usize = 10;

/// Where a term binds: contract, floor, cluster, workload, period.
fn term_place(t: &super::view::TermView) -> String {
    let names = [&t.contract, &t.floor, &t.cluster, &t.workload];
    crate::sensitivity::place_in_document(names, t.period)
}

fn findings(v: &View) -> String {
    if v.findings.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section><h2>Findings</h2><ul class=\"items\">");
    for f in &v.findings {
        let _ = write!(
            out,
            "<li><b>{}</b> {}: {}</li>",
            esc(&f.severity),
            esc(&f.rule),
            esc(&f.message)
        );
    }
    out.push_str("</ul></section>");
    out
}
