//! Deadlines and releases (`capplan plan MODEL --deadlines`): what moving a workload's deadline
//! or release one period later or one period earlier would save, found by re-planning.
//!
//! Every training-type workload's deadline is a candidate, and every release after period 1
//! (a release in period 1 cannot move earlier, and is the default). A term **binds** when the
//! plan uses its period (the workload's last period of compute is its deadline period, or its
//! first is its release period), or when relaxing it (a deadline later, a release earlier) saves
//! money. Each move is one `--set workloads.ID.deadline=N` (or `release=N`) on top of the plan's
//! own overrides, planned exactly as `capplan plan --set` plans it ([`crate::sweep::run_point`]),
//! all of them in parallel on rayon. Three facts keep the number of re-plans small and every
//! figure exact:
//!
//! - **Tightening a term the plan does not touch changes nothing.** If the plan gives the
//!   workload no compute in its deadline period, the plan still keeps every term with the
//!   deadline one period earlier, so it is still optimal: saving 0, no re-plan. The same holds
//!   for a release one period later when the plan gives no compute in the release period.
//! - **Relaxing terms only lowers the optimum, and relaxing more lowers it more.** So the terms
//!   that do not bind by the first test are relaxed all at once in one re-plan; if that saves
//!   nothing, relaxing any one of them alone saves nothing either. Only when it saves are they
//!   re-planned one by one.
//! - **A term at the horizon's edge cannot move past it**, and a deadline cannot move before its
//!   release (nor a release after its deadline): those moves are reported as such, with the
//!   reason, never skipped.

use std::fmt::Write as _;
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::audit::AuditReport;
use crate::format::fmt_num;
use crate::model::{Scenario, Workload};
use crate::overrides::{Op, Override};
use crate::plan::PlanOptions;
use crate::report::{csv_text, Table};
use crate::sweep::{self, Points, Row, SweepError, SweepOptions};

/// Which term of a workload moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Term {
    /// The last period a training-type workload may receive compute.
    Deadline,
    /// The first period a workload may receive compute.
    Release,
}

impl Term {
    /// The field's name in the format (and in reports).
    pub fn as_str(self) -> &'static str {
        match self {
            Term::Deadline => "deadline",
            Term::Release => "release",
        }
    }
}

/// What moving a term one period does to the plan's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The plan with the term moved is cheaper.
    Saves,
    /// The plan with the term moved is dearer.
    Costs,
    /// The same total, within [`DeadlineWhatifs::tolerance_usd`].
    NoChange,
    /// No plan keeps every hard term with the term moved (or the moved scenario is refused
    /// before solving: a chain that cannot fit, work that cannot fit its window).
    Infeasible,
    /// The term cannot move this way: the horizon ends (or starts) there, or the move would
    /// cross the workload's other term.
    CannotMove,
    /// The re-plan failed: a solver failure, a time limit without a plan, an internal error.
    Failed,
}

/// How an effect was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Re-planned with this one term moved.
    Resolved,
    /// Without a re-plan: the move gives up a period the plan does not use, so the plan stays
    /// feasible and optimal.
    PlanUnchanged,
    /// One re-plan relaxed every term that the plan does not touch at once and saved nothing;
    /// relaxing this one alone cannot save more.
    GroupResolved,
    /// Nothing to plan: the term cannot move this way.
    NotMoved,
}

/// One term moved by one period, and what it does.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Move {
    /// The period (1-based) the term moves to; absent where it cannot move.
    pub to_period: Option<usize>,
    /// What the move does to the total.
    pub effect: Effect,
    /// The plan's total minus the total with the term moved, USD: positive saves, negative
    /// costs; absent without a plan (infeasible, cannot move, failed).
    pub saving_usd: Option<f64>,
    /// The total with the term moved, USD, where it was re-planned on its own.
    pub total_usd: Option<f64>,
    /// The re-plan's status (`optimal`, `gap_limit`, `time_limit`, `infeasible`, `invalid`, ...),
    /// where there was one.
    pub status: Option<String>,
    /// How the effect was found.
    pub basis: Basis,
    /// Why the term cannot move, or why the re-plan has no plan.
    pub note: Option<String>,
}

/// One term of one workload, moved one period each way.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Entry {
    /// Workload.
    pub workload: String,
    /// Which term.
    pub term: Term,
    /// The term's period now (1-based).
    pub period: usize,
    /// For a deadline, the last period the plan gives the workload compute; for a release, the
    /// first. Absent where the plan gives it none.
    pub plan_period: Option<usize>,
    /// Whether the term binds: the plan uses its period, or relaxing it saves.
    pub binds: bool,
    /// The term one period later.
    pub later: Move,
    /// The term one period earlier.
    pub earlier: Move,
}

/// The one re-plan that relaxed every term the plan does not touch at once.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct GroupCheck {
    /// The overrides applied together.
    pub set: Vec<String>,
    /// The re-plan's status.
    pub status: String,
    /// The plan's total minus the relaxed total, USD; absent without a plan.
    pub saving_usd: Option<f64>,
}

/// The deadline and release what-ifs of one plan: the `deadline_whatifs` key of its JSON.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DeadlineWhatifs {
    /// The plan's total, USD: savings are measured from it.
    pub base_total_usd: f64,
    /// Differences of at most this many USD are solver round-off: `no_change`.
    pub tolerance_usd: f64,
    /// The group re-plan of the terms the plan does not touch, if there were any to relax.
    pub group: Option<GroupCheck>,
    /// Every candidate term, binding or not, in the order of the workloads in the file
    /// (deadline before release).
    pub entries: Vec<Entry>,
}

/// The name `--out` writes the what-ifs under.
pub const CSV_FILE: &str = "deadlines.csv";

/// Differences below this share of the total are round-off (solvers stop at relative
/// tolerances near 1e-9), with a floor of one cent.
fn tolerance(total: f64) -> f64 {
    (1e-8 * total.abs()).max(0.01)
}

/// Chip-hours below this in a period count as no compute (solver round-off).
const USED: f64 = 1e-6;

/// Which way a term moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Later,
    Earlier,
}

/// A move before any re-plan: known already, or to be planned alone or in the group.
#[derive(Debug, Clone)]
enum Pending {
    Known(Move),
    Alone(Override, usize),
    InGroup(Override, usize),
}

/// A candidate term with its two moves pending.
#[derive(Debug, Clone)]
struct Draft {
    workload: String,
    term: Term,
    period: usize,
    plan_period: Option<usize>,
    later: Pending,
    earlier: Pending,
}

impl Draft {
    fn pending(&self, dir: Dir) -> &Pending {
        match dir {
            Dir::Later => &self.later,
            Dir::Earlier => &self.earlier,
        }
    }

    /// Whether the plan uses the term's period.
    fn plan_binds(&self) -> bool {
        self.plan_period == Some(self.period)
    }
}

/// What the re-plans need: the scenario text, its name, the plan's own overrides, settings.
struct Context<'a> {
    text: &'a str,
    file: &'a Path,
    base: &'a [Override],
    opts: &'a PlanOptions,
    base_total: f64,
    tolerance: f64,
}

/// The what-ifs of a plan of `scenario` (loaded from `text`, named `file`, with the `base`
/// overrides), whose audit is `audit`: every candidate term moved one period each way.
pub fn deadline_whatifs(
    text: &str,
    file: &Path,
    base: &[Override],
    scenario: &Scenario,
    audit: &AuditReport,
    opts: &PlanOptions,
) -> Result<DeadlineWhatifs, SweepError> {
    let base_total = audit.costs.total_usd;
    let ctx = Context {
        text,
        file,
        base,
        opts,
        base_total,
        tolerance: tolerance(base_total),
    };
    let drafts = drafts(scenario, audit);
    let (entries, group) = resolve(&ctx, &drafts)?;
    Ok(DeadlineWhatifs {
        base_total_usd: base_total,
        tolerance_usd: ctx.tolerance,
        group,
        entries,
    })
}

/// First and last period (0-based) each workload receives compute in, if any.
fn usage_spans(scenario: &Scenario, audit: &AuditReport) -> Vec<Option<(usize, usize)>> {
    let mut spans: Vec<Option<(usize, usize)>> = vec![None; scenario.workloads.len()];
    for r in audit.schedule.iter().filter(|r| r.chip_hours > USED) {
        let Some(w) = scenario.workload_by_id(&r.workload) else {
            continue;
        };
        let t = r.period - 1;
        let span = &mut spans[w.0];
        *span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
    }
    spans
}

/// The candidate terms, in the workloads' order, with what each move needs.
fn drafts(scenario: &Scenario, audit: &AuditReport) -> Vec<Draft> {
    let last = scenario.horizon.len() - 1;
    let total = audit.costs.total_usd;
    let spans = usage_spans(scenario, audit);
    let mut out = Vec::new();
    for (wl, span) in scenario.workloads.iter().zip(spans) {
        if wl.kind.is_training() {
            out.push(deadline_draft(wl, span.map(|s| s.1), last, total));
        }
        if wl.release > 0 {
            out.push(release_draft(wl, span.map(|s| s.0), last, total));
        }
    }
    out
}

/// `workloads.ID.TERM=N` for 0-based period `p`, built rather than parsed: ids may hold `=`.
fn set_term(wl: &Workload, term: Term, p: usize) -> Override {
    Override {
        spec: format!("workloads.{}.{}={}", wl.id, term.as_str(), p + 1),
        path: format!("workloads.{}.{}", wl.id, term.as_str()),
        op: Op::Set,
        value: (p + 1).to_string(),
    }
}

/// A training workload's deadline `d` (0-based), given its last period of compute: later
/// relaxes (alone if the plan uses `d`, else in the group), earlier tightens (a re-plan only if
/// the plan uses `d`).
fn deadline_draft(wl: &Workload, finish: Option<usize>, last: usize, total: f64) -> Draft {
    let d = wl.deadline;
    let touched = finish == Some(d);
    let later = if d == last {
        cannot("the horizon ends here")
    } else if touched {
        Pending::Alone(set_term(wl, Term::Deadline, d + 1), d + 2)
    } else {
        Pending::InGroup(set_term(wl, Term::Deadline, d + 1), d + 2)
    };
    let earlier = if d == wl.release {
        cannot("its release is in this period")
    } else if touched {
        Pending::Alone(set_term(wl, Term::Deadline, d - 1), d)
    } else {
        unchanged(d, total)
    };
    Draft {
        workload: wl.id.clone(),
        term: Term::Deadline,
        period: d + 1,
        plan_period: finish.map(|p| p + 1),
        later,
        earlier,
    }
}

/// A release `r` (0-based, after the first period), given the workload's first period of
/// compute: earlier relaxes, later tightens, as for deadlines the other way round.
fn release_draft(wl: &Workload, start: Option<usize>, last: usize, total: f64) -> Draft {
    let r = wl.release;
    let touched = start == Some(r);
    let training = wl.kind.is_training();
    let end = if training { wl.deadline } else { last };
    let later = if r == end {
        cannot(if training {
            "its deadline is in this period"
        } else {
            "the horizon ends here"
        })
    } else if touched {
        Pending::Alone(set_term(wl, Term::Release, r + 1), r + 2)
    } else {
        unchanged(r + 2, total)
    };
    let earlier = if touched {
        Pending::Alone(set_term(wl, Term::Release, r - 1), r)
    } else {
        Pending::InGroup(set_term(wl, Term::Release, r - 1), r)
    };
    Draft {
        workload: wl.id.clone(),
        term: Term::Release,
        period: r + 1,
        plan_period: start.map(|p| p + 1),
        later,
        earlier,
    }
}

fn cannot(why: &str) -> Pending {
    Pending::Known(Move {
        to_period: None,
        effect: Effect::CannotMove,
        saving_usd: None,
        total_usd: None,
        status: None,
        basis: Basis::NotMoved,
        note: Some(why.to_string()),
    })
}

/// A tightening the plan does not feel: period `to` (1-based), the same total.
fn unchanged(to: usize, total: f64) -> Pending {
    Pending::Known(Move {
        to_period: Some(to),
        effect: Effect::NoChange,
        saving_usd: Some(0.0),
        total_usd: Some(total),
        status: None,
        basis: Basis::PlanUnchanged,
        note: None,
    })
}

/// Plans every pending move: the lone ones and the group in one parallel batch, then the
/// group's members one by one if the group saved.
fn resolve(
    ctx: &Context,
    drafts: &[Draft],
) -> Result<(Vec<Entry>, Option<GroupCheck>), SweepError> {
    let mut moves: Vec<[Option<Move>; 2]> = vec![[None, None]; drafts.len()];
    let mut alone: Vec<(usize, Dir, Override, usize)> = Vec::new();
    let mut grouped: Vec<(usize, Dir, Override, usize)> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        for dir in [Dir::Later, Dir::Earlier] {
            match d.pending(dir) {
                Pending::Known(m) => moves[i][dir as usize] = Some(m.clone()),
                Pending::Alone(o, to) => alone.push((i, dir, o.clone(), *to)),
                Pending::InGroup(o, to) => grouped.push((i, dir, o.clone(), *to)),
            }
        }
    }
    let mut points: Vec<Vec<Override>> = alone.iter().map(|a| vec![a.2.clone()]).collect();
    if !grouped.is_empty() {
        points.push(grouped.iter().map(|g| g.2.clone()).collect());
    }
    let rows = run(ctx, points)?;
    for ((i, dir, _, to), row) in alone.iter().zip(&rows) {
        moves[*i][*dir as usize] = Some(move_of(ctx, row, *to, Basis::Resolved));
    }
    let group = if grouped.is_empty() {
        None
    } else {
        let row = rows.last().expect("the group's row");
        let saving = row.costs.as_ref().map(|c| ctx.base_total - c.total_usd);
        if saving.is_some_and(|s| s <= ctx.tolerance) {
            for (i, dir, _, to) in &grouped {
                moves[*i][*dir as usize] = Some(group_unchanged(*to));
            }
        } else {
            let points = grouped.iter().map(|g| vec![g.2.clone()]).collect();
            for ((i, dir, _, to), row) in grouped.iter().zip(&run(ctx, points)?) {
                moves[*i][*dir as usize] = Some(move_of(ctx, row, *to, Basis::Resolved));
            }
        }
        Some(GroupCheck {
            set: grouped.iter().map(|g| g.2.spec.clone()).collect(),
            status: row.status.clone(),
            saving_usd: saving,
        })
    };
    let entries = drafts
        .iter()
        .zip(moves)
        .map(|(d, [later, earlier])| entry(d, later, earlier))
        .collect();
    Ok((entries, group))
}

fn entry(d: &Draft, later: Option<Move>, earlier: Option<Move>) -> Entry {
    let (later, earlier) = (
        later.expect("every move is planned"),
        earlier.expect("every move is planned"),
    );
    let relaxed = match d.term {
        Term::Deadline => &later,
        Term::Release => &earlier,
    };
    Entry {
        workload: d.workload.clone(),
        term: d.term,
        period: d.period,
        plan_period: d.plan_period,
        binds: d.plan_binds() || relaxed.effect == Effect::Saves,
        later,
        earlier,
    }
}

fn group_unchanged(to: usize) -> Move {
    Move {
        to_period: Some(to),
        effect: Effect::NoChange,
        saving_usd: Some(0.0),
        total_usd: None,
        status: None,
        basis: Basis::GroupResolved,
        note: None,
    }
}

/// Plans each point (a list of overrides) as `capplan plan --set` would, in parallel; rows in
/// the points' order.
fn run(ctx: &Context, points: Vec<Vec<Override>>) -> Result<Vec<Row>, SweepError> {
    if points.is_empty() {
        return Ok(Vec::new());
    }
    let points = Points {
        columns: vec!["what-if".into()],
        points,
    };
    let opts = SweepOptions {
        plan: ctx.opts.clone(),
        jobs: 0,
        shard: None,
        progress: false,
        point_logs: false,
    };
    sweep::run(ctx.text, ctx.file, ctx.base, &points, &opts)
}

/// The move a re-plan's row describes.
fn move_of(ctx: &Context, row: &Row, to: usize, basis: Basis) -> Move {
    let mut m = Move {
        to_period: Some(to),
        effect: Effect::Failed,
        saving_usd: None,
        total_usd: None,
        status: Some(row.status.clone()),
        basis,
        note: row.message.clone(),
    };
    match &row.costs {
        Some(c) => {
            let saving = ctx.base_total - c.total_usd;
            m.effect = if saving > ctx.tolerance {
                Effect::Saves
            } else if saving < -ctx.tolerance {
                Effect::Costs
            } else {
                Effect::NoChange
            };
            m.saving_usd = Some(saving);
            m.total_usd = Some(c.total_usd);
        }
        None if matches!(row.status.as_str(), "infeasible" | "invalid") => {
            m.effect = Effect::Infeasible;
        }
        None => {}
    }
    m
}

/// The cell a move gets in the table.
fn cell(m: &Move) -> String {
    let amount = |x: Option<f64>| format!("${}", fmt_num(x.unwrap_or(0.0).abs()));
    match m.effect {
        Effect::Saves => format!("saves {}", amount(m.saving_usd)),
        Effect::Costs => format!("costs {} more", amount(m.saving_usd)),
        Effect::NoChange => "no change".into(),
        Effect::Infeasible => "infeasible".into(),
        Effect::CannotMove => format!("cannot: {}", m.note.as_deref().unwrap_or_default()),
        Effect::Failed => format!("failed ({})", m.status.as_deref().unwrap_or_default()),
    }
}

fn plan_cell(e: &Entry) -> String {
    match (e.term, e.plan_period) {
        (_, None) => "no compute".into(),
        (Term::Deadline, Some(p)) => format!("finishes {p}"),
        (Term::Release, Some(p)) => format!("starts {p}"),
    }
}

impl DeadlineWhatifs {
    /// The section the table report ends with: the binding terms, then the others in a line,
    /// then why some moves have no plan.
    pub fn text(&self) -> String {
        let mut out = String::from(
            "\nDeadlines and releases, each moved one period and re-planned (saving: this plan's total minus the re-planned one):\n",
        );
        let binding: Vec<&Entry> = self.entries.iter().filter(|e| e.binds).collect();
        if binding.is_empty() {
            out.push_str("  no deadline or release binds.\n");
        } else {
            let mut t = Table::new(&[
                "workload",
                "term",
                "period",
                "in the plan",
                "one period later",
                "one period earlier",
            ]);
            for e in &binding {
                t.row(vec![
                    e.workload.clone(),
                    e.term.as_str().into(),
                    e.period.to_string(),
                    plan_cell(e),
                    cell(&e.later),
                    cell(&e.earlier),
                ]);
            }
            out.push_str(&t.render());
        }
        out.push_str(&self.not_binding_text());
        out.push_str(&self.notes_text());
        out
    }

    /// The line naming the terms that do not bind, and how that was established.
    fn not_binding_text(&self) -> String {
        let names = |term: Term| -> Vec<&str> {
            self.entries
                .iter()
                .filter(|e| !e.binds && e.term == term)
                .map(|e| e.workload.as_str())
                .collect()
        };
        let (deadlines, releases) = (names(Term::Deadline), names(Term::Release));
        let mut parts = Vec::new();
        if !deadlines.is_empty() {
            parts.push(format!("deadlines of {}", deadlines.join(", ")));
        }
        if !releases.is_empty() {
            parts.push(format!("releases of {}", releases.join(", ")));
        }
        if parts.is_empty() {
            return String::new();
        }
        let how = match &self.group {
            Some(g) if g.saving_usd.is_some_and(|s| s <= self.tolerance_usd) => {
                "; one re-plan relaxing all that can move at once saved nothing"
            }
            _ => "",
        };
        format!(
            "  Not binding (the plan does not use their period{how}): {}.\n",
            parts.join("; ")
        )
    }

    /// Why some moves have no plan: one line per infeasible or failed move.
    fn notes_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            for m in [&e.later, &e.earlier] {
                if !matches!(m.effect, Effect::Infeasible | Effect::Failed) {
                    continue;
                }
                if out.is_empty() {
                    out.push_str("  Why some moves have no plan:\n");
                }
                let _ = writeln!(
                    out,
                    "    {} {} in period {}: {}",
                    e.workload,
                    e.term.as_str(),
                    m.to_period.unwrap_or_default(),
                    m.note
                        .as_deref()
                        .unwrap_or("no plan keeps every hard term")
                        .replace('\n', "\n      ")
                );
            }
        }
        out
    }

    /// `deadlines.csv`: one row per term and direction.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "workload",
            "term",
            "period",
            "plan_period",
            "binds",
            "direction",
            "to_period",
            "effect",
            "saving_usd",
            "total_usd",
            "basis",
            "note",
        ]);
        let opt = |x: Option<usize>| x.map_or(String::new(), |p| p.to_string());
        let usd =
            |x: Option<f64>| x.map_or(String::new(), |v| crate::report::round_sig(v).to_string());
        for e in &self.entries {
            for (dir, m) in [("later", &e.later), ("earlier", &e.earlier)] {
                let _ = w.write_record([
                    csv_text(&e.workload).as_ref(),
                    e.term.as_str(),
                    &e.period.to_string(),
                    &opt(e.plan_period),
                    if e.binds { "true" } else { "false" },
                    dir,
                    &opt(m.to_period),
                    effect_str(m.effect),
                    &usd(m.saving_usd),
                    &usd(m.total_usd),
                    basis_str(m.basis),
                    &csv_text(m.note.as_deref().unwrap_or_default()),
                ]);
            }
        }
        w.into_inner().unwrap_or_default()
    }
}

fn effect_str(e: Effect) -> &'static str {
    match e {
        Effect::Saves => "saves",
        Effect::Costs => "costs",
        Effect::NoChange => "no_change",
        Effect::Infeasible => "infeasible",
        Effect::CannotMove => "cannot_move",
        Effect::Failed => "failed",
    }
}

fn basis_str(b: Basis) -> &'static str {
    match b {
        Basis::Resolved => "resolved",
        Basis::PlanUnchanged => "plan_unchanged",
        Basis::GroupResolved => "group_resolved",
        Basis::NotMoved => "not_moved",
    }
}
